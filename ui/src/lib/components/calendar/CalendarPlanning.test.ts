// Planning on the calendar: repeating posts, posting slots, moving posts, ideas from links.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { CalendarItemInput } from '$lib/bindings/CalendarItemInput';
import * as ipc from '$lib/ipc';
import { calendar, discardEditor } from '$lib/stores/calendar.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { calendarItem, calendarTarget } from '../../../test/fixtures';
import CalendarView from './CalendarView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

/** A Wednesday in March 2026: the month shown, so every day below is in sight. */
const ANCHOR = new Date(2026, 2, 11);
const on = (day: number, hour: number, minute = 0) =>
  new Date(2026, 2, day, hour, minute).getTime();

const said = () => toasts.map((t) => t.message);

beforeEach(() => {
  vi.clearAllMocks();
  discardEditor();
  calendar.mode = 'month';
  calendar.anchor = ANCHOR;
  calendar.said = '';
  toasts.length = 0;
  api.calendarList.mockResolvedValue([]);
  api.accountsList.mockResolvedValue([]);
  api.calendarComments.mockResolvedValue([]);
  api.calendarBestTimes.mockResolvedValue([]);
});

/** The calendar keeps what the core saved: a list the update and next-slot mocks change. */
function coreWith(...items: CalendarItem[]) {
  let list = items;
  const keep = (item: CalendarItem) => {
    list = list.map((i) => (i.id === item.id ? item : i));
    return item;
  };
  api.calendarList.mockImplementation(async () => list);
  api.calendarUpdate.mockImplementation(async (id: number, input: CalendarItemInput) => {
    const saved = list.find((i) => i.id === id)!;
    return keep({ ...saved, ...input, variants: saved.variants });
  });
  return keep;
}

async function open(title: string) {
  await fireEvent.click(await screen.findByText(title));
  return screen.getByTestId('calendar-editor');
}

const chipOf = (title: string) => screen.getByText(title).closest('button')!;
const dayCell = (date: string) => document.querySelector<HTMLElement>(`[data-date="${date}"]`)!;

describe('repeating posts', () => {
  it('saves a post that repeats every week, once it has a date to start from', async () => {
    api.calendarCreate.mockImplementation(async (input) => calendarItem(3, { title: input.title }));
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');
    await fireEvent.input(within(editor).getByLabelText('Title'), {
      target: { value: 'Community call reminder' },
    });
    const repeats = within(editor).getByLabelText('Repeats');
    expect(repeats).toHaveDisplayValue('Does not repeat');

    await fireEvent.change(repeats, { target: { value: 'weekly' } });
    expect(within(editor).getByRole('alert')).toHaveTextContent('A repeating post needs a date');
    expect(within(editor).getByLabelText('Date')).toHaveAttribute('aria-invalid', 'true');
    expect(within(editor).getByRole('button', { name: 'Create post' })).toBeDisabled();

    await fireEvent.input(within(editor).getByLabelText('Date'), {
      target: { value: '2026-03-12' },
    });
    expect(within(editor).queryByRole('alert')).toBeNull();
    await fireEvent.click(within(editor).getByRole('button', { name: 'Create post' }));
    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalledTimes(1));
    expect(api.calendarCreate.mock.calls[0][0]).toMatchObject({
      title: 'Community call reminder',
      recurrence: 'weekly',
      scheduledAt: on(12, 9),
    });
  });

  it('shows a saved repetition as its choice and in words, and keeps a custom rule as written', async () => {
    const fortnightly = calendarItem(60, {
      title: 'Office hours',
      scheduledAt: on(12, 16),
      recurrence: 'FREQ=WEEKLY;INTERVAL=2',
      repeats: 'every two weeks',
      timeZone: 'Europe/Berlin',
    });
    const custom = calendarItem(61, {
      title: 'Standup notes',
      scheduledAt: on(10, 9),
      recurrence: 'FREQ=WEEKLY;BYDAY=TU,TH',
      repeats: 'every week on Tuesday and Thursday',
      timeZone: 'Europe/Berlin',
    });
    coreWith(fortnightly, custom);
    render(CalendarView);

    let editor = await open('Office hours');
    expect(within(editor).getByLabelText('Repeats')).toHaveDisplayValue('Every two weeks');
    expect(within(editor).getByTestId('repeat-hint')).toHaveTextContent(
      'Repeats every two weeks, at its time in Europe/Berlin.',
    );
    expect(within(editor).queryByLabelText('Rule (RRULE)')).toBeNull();
    await fireEvent.input(within(editor).getByLabelText('Title'), {
      target: { value: 'Office hours (Q&A)' },
    });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(1));
    expect(api.calendarUpdate.mock.calls[0]).toEqual([
      60,
      expect.objectContaining({ recurrence: 'fortnightly', scheduledAt: on(12, 16) }),
    ]);

    await waitFor(() => expect(screen.queryByTestId('calendar-editor')).toBeNull());
    editor = await open('Standup notes');
    expect(within(editor).getByLabelText('Repeats')).toHaveDisplayValue('Custom (RRULE)…');
    const rule = within(editor).getByLabelText('Rule (RRULE)');
    expect(rule).toHaveValue('FREQ=WEEKLY;BYDAY=TU,TH');
    expect(within(editor).getByTestId('repeat-hint')).toHaveTextContent(
      'Repeats every week on Tuesday and Thursday',
    );
    await fireEvent.input(within(editor).getByLabelText('Text'), { target: { value: 'Notes' } });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(2));
    expect(api.calendarUpdate.mock.calls[1][1].recurrence).toBe('FREQ=WEEKLY;BYDAY=TU,TH');
  });

  it('says what a custom rule lacks, and starts one from the choice it replaces', async () => {
    coreWith(calendarItem(62, { title: 'Digest', scheduledAt: on(13, 8), recurrence: 'FREQ=MONTHLY' }));
    render(CalendarView);
    const editor = await open('Digest');
    const repeats = within(editor).getByLabelText('Repeats');
    expect(repeats).toHaveDisplayValue('Every month');
    await fireEvent.change(repeats, { target: { value: 'custom' } });
    const rule = within(editor).getByLabelText('Rule (RRULE)');
    expect(rule).toHaveValue('FREQ=MONTHLY');

    await fireEvent.input(rule, { target: { value: 'BYDAY=MO' } });
    expect(within(editor).getByRole('alert')).toHaveTextContent('A rule says how often first');
    expect(rule).toHaveAccessibleDescription(expect.stringContaining('A rule says how often first'));
    expect(within(editor).getByRole('button', { name: 'Save' })).toBeDisabled();

    await fireEvent.change(repeats, { target: { value: 'none' } });
    expect(within(editor).queryByRole('alert')).toBeNull();
    await fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(1));
    expect(api.calendarUpdate.mock.calls[0][1].recurrence).toBeNull();
  });

  it('marks a repeating post and its later times with ↻, and opens the post itself from one', async () => {
    const call = calendarItem(63, {
      title: 'Community call',
      state: 'scheduled',
      scheduledAt: on(2, 17),
      recurrence: 'FREQ=WEEKLY',
      repeats: 'every week',
      timeZone: 'Europe/Berlin',
      variants: [calendarTarget(70, { status: 'sent', outboxId: 3 })],
    });
    const later = (day: number): CalendarItem => ({
      ...call,
      scheduledAt: on(day, 17),
      occurrence: true,
      variants: [calendarTarget(70)],
    });
    // the week shown holds two later times; the post itself started the week before
    calendar.mode = 'week';
    api.calendarList.mockImplementation(async (range) =>
      range.from === null ? [call, later(9), later(16)] : [later(9)],
    );
    render(CalendarView);
    const grid = await screen.findByRole('grid');
    const chip = await within(grid).findByRole('button', { name: /Community call/ });
    expect(chip).toHaveAccessibleName(expect.stringContaining('repeats every week'));
    expect(within(chip).getByRole('img', { name: 'repeats every week' })).toHaveTextContent('↻');
    // a later time cannot be dragged: the post itself is moved
    expect(chip).not.toHaveAttribute('draggable');

    await fireEvent.click(chip);
    const editor = await screen.findByTestId('calendar-editor');
    // the post itself, read whole
    expect(api.calendarGet).toHaveBeenLastCalledWith(63);
    expect(within(editor).getByLabelText('Date')).toHaveValue('2026-03-02');
    expect(within(editor).getByLabelText('Time')).toHaveValue('17:00');
    expect(within(editor).getByLabelText('Repeats')).toHaveDisplayValue('Every week');
    // the post's own targets, as they went: not the later time's
    expect(within(editor).getByTestId('target-status')).toHaveTextContent('Sent');
  });
});

describe('moving posts', () => {
  const post = calendarItem(80, {
    title: 'Release notes',
    state: 'scheduled',
    scheduledAt: on(11, 15),
    variants: [calendarTarget(81)],
  });
  const moved = (at: number): CalendarItemInput => ({
    title: 'Release notes',
    body: 'Hello community',
    state: 'scheduled',
    scheduledAt: at,
    sourceConversationId: null,
    recurrence: null,
    variants: [
      {
        platform: 'discord',
        accountId: 5,
        body: 'Hello community',
        channel: null,
        title: null,
        followsMain: true,
      },
    ],
  });

  it('moves a focused post a day with Alt+→ and a week with Alt+↓, keeping its time and focus', async () => {
    coreWith(post);
    render(CalendarView);
    await screen.findByText('Release notes');
    chipOf('Release notes').focus();
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight', altKey: true });
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(1));
    expect(api.calendarUpdate).toHaveBeenCalledWith(80, moved(on(12, 15)));
    await waitFor(() =>
      expect(within(dayCell('2026-03-12')).getByText('Release notes')).toBeInTheDocument(),
    );
    expect(within(dayCell('2026-03-11')).queryByText('Release notes')).toBeNull();
    await waitFor(() => expect(chipOf('Release notes')).toHaveFocus());
    const thursday = new Date(on(12, 15)).toLocaleDateString(undefined, { weekday: 'long' });
    await waitFor(() =>
      expect(screen.getByTestId('calendar-said')).toHaveTextContent(
        new RegExp(`^Moved “Release notes” to ${thursday}`),
      ),
    );
    expect(screen.getByTestId('calendar-said')).toHaveAttribute('role', 'status');

    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown', altKey: true });
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(2));
    expect(api.calendarUpdate).toHaveBeenLastCalledWith(80, moved(on(19, 15)));
    // a week on is still in sight: the month shown stays
    expect(calendar.anchor).toEqual(ANCHOR);
  });

  it('moves a post dragged onto another day, at its own time, and shows a refusal', async () => {
    coreWith(post);
    render(CalendarView);
    await screen.findByText('Release notes');
    const chip = chipOf('Release notes');
    expect(chip).toHaveAttribute('draggable', 'true');

    await fireEvent.dragStart(chip);
    const friday = dayCell('2026-03-12');
    await fireEvent.dragOver(friday);
    expect(friday).toHaveClass('over');
    await fireEvent.drop(friday);
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledWith(80, moved(on(12, 15))));
    expect(friday).not.toHaveClass('over');
    await waitFor(() => expect(within(friday).getByText('Release notes')).toBeInTheDocument());

    api.calendarUpdate.mockRejectedValueOnce({
      code: 'invalid_input',
      message: 'a scheduled post needs a time still to come',
    });
    await fireEvent.dragStart(chipOf('Release notes'));
    await fireEvent.drop(dayCell('2026-03-02'));
    await waitFor(() => expect(said()).toContain('a scheduled post needs a time still to come'));
    expect(within(dayCell('2026-03-12')).getByText('Release notes')).toBeInTheDocument();
  });

  it('leaves a post that went out where it is, and says why', async () => {
    const out = calendarItem(82, { title: 'Went out', state: 'published', scheduledAt: on(10, 9) });
    coreWith(out);
    render(CalendarView);
    await screen.findByText('Went out');
    expect(chipOf('Went out')).not.toHaveAttribute('draggable');
    chipOf('Went out').focus();
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight', altKey: true });
    expect(said()).toContain('“Went out” is published, so it keeps its date.');
    await fireEvent.dragStart(chipOf('Went out'));
    await fireEvent.drop(dayCell('2026-03-12'));
    expect(api.calendarUpdate).not.toHaveBeenCalled();
  });
});

describe('posting slots', () => {
  const idea = calendarItem(90, { title: 'Meetup recap', state: 'idea', variants: [calendarTarget(91)] });

  it('dates a saved post at the next free slot from the editor, or says why there is none', async () => {
    const keep = coreWith(idea);
    api.calendarNextSlot.mockImplementationOnce(async (id) =>
      keep({ ...idea, id, state: 'draft', scheduledAt: on(17, 10) }),
    );
    render(CalendarView);
    const editor = await open('Meetup recap');
    await fireEvent.input(within(editor).getByLabelText('Text'), {
      target: { value: 'What we learned at the meetup' },
    });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Next free slot' }));
    expect(api.calendarNextSlot).toHaveBeenCalledWith(90);
    await waitFor(() => expect(within(editor).getByLabelText('Date')).toHaveValue('2026-03-17'));
    expect(within(editor).getByLabelText('Time')).toHaveValue('10:00');
    expect(within(editor).getByLabelText('State')).toHaveValue('draft');
    expect(within(editor).getByText(/^In the next free slot: /)).toBeInTheDocument();
    // what was typed and not saved is still there
    expect(within(editor).getByLabelText('Text')).toHaveValue('What we learned at the meetup');

    api.calendarNextSlot.mockRejectedValueOnce({
      code: 'invalid_input',
      message: 'none of its accounts has posting slots yet: add them in Settings → Calendar',
    });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Next free slot' }));
    const problem = await within(editor).findByRole('alert');
    expect(problem).toHaveTextContent('none of its accounts has posting slots yet');
    expect(within(editor).getByLabelText('Date')).toHaveAccessibleDescription(
      expect.stringContaining('none of its accounts has posting slots yet'),
    );
    expect(within(editor).getByLabelText('Date')).toHaveValue('2026-03-17');
  });

  it('offers no slot to a post with no account to go out on', async () => {
    coreWith(calendarItem(92, { title: 'Plan only', variants: [calendarTarget(93, { accountId: null })] }));
    render(CalendarView);
    const editor = await open('Plan only');
    expect(within(editor).queryByRole('button', { name: 'Next free slot' })).toBeNull();
  });

  it('puts a focused post in the next free slot with s', async () => {
    const keep = coreWith(idea);
    api.calendarNextSlot.mockImplementationOnce(async (id) =>
      keep({ ...idea, id, state: 'draft', scheduledAt: on(17, 10) }),
    );
    render(CalendarView);
    await screen.findByText('Meetup recap');
    chipOf('Meetup recap').focus();
    await fireEvent.keyDown(document.activeElement!, { key: 's' });
    expect(api.calendarNextSlot).toHaveBeenCalledWith(90);
    await waitFor(() =>
      expect(within(dayCell('2026-03-17')).getByText('Meetup recap')).toBeInTheDocument(),
    );
    expect(said().some((m) => m.startsWith('“Meetup recap” is in the next free slot: '))).toBe(true);
    expect(screen.queryByTestId('calendar-editor')).toBeNull();
  });
});

describe('ideas', () => {
  it('makes an idea of a pasted link, titled by its site and path, and refuses anything else', async () => {
    api.calendarCreate.mockImplementation(async (input) =>
      calendarItem(95, { title: input.title, body: input.body, state: 'idea' }),
    );
    render(CalendarView);
    const ideas = screen.getByRole('complementary', { name: 'Unscheduled ideas' });
    const field = within(ideas).getByLabelText('Idea from a link');

    await fireEvent.input(field, { target: { value: 'javascript:alert(1)' } });
    await fireEvent.keyDown(field, { key: 'Enter' });
    expect(within(ideas).getByRole('alert')).toHaveTextContent(
      'Only web links (http or https) can become ideas.',
    );
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(api.calendarCreate).not.toHaveBeenCalled();

    await fireEvent.input(field, { target: { value: ' https://lumen.dev/blog/3-2 ' } });
    expect(within(ideas).queryByRole('alert')).toBeNull();
    api.calendarList.mockResolvedValue([
      calendarItem(95, { title: 'lumen.dev › blog › 3-2', body: 'https://lumen.dev/blog/3-2', state: 'idea' }),
    ]);
    await fireEvent.keyDown(field, { key: 'Enter' });
    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalledTimes(1));
    expect(api.calendarCreate).toHaveBeenCalledWith({
      title: 'lumen.dev › blog › 3-2',
      body: 'https://lumen.dev/blog/3-2',
      state: 'idea',
      scheduledAt: null,
      sourceConversationId: null,
      variants: [],
      recurrence: null,
    });
    await waitFor(() => expect(field).toHaveValue(''));
    expect(said()).toContain('Idea saved: lumen.dev › blog › 3-2');
    const item = await within(ideas).findByText('lumen.dev › blog › 3-2');
    expect(item.closest('li')).toHaveTextContent('from a link');
  });

  it('says where each idea came from, and opens its conversation', async () => {
    api.calendarList.mockResolvedValue([
      calendarItem(96, { title: 'Docker answer', state: 'idea', sourceConversationId: 812 }),
      calendarItem(97, { title: 'Just a thought', state: 'idea', body: 'Maybe a poll?' }),
    ]);
    api.conversationShow.mockRejectedValueOnce({ code: 'notFound', message: 'gone' });
    render(CalendarView);
    const ideas = screen.getByRole('complementary', { name: 'Unscheduled ideas' });
    const docker = (await within(ideas).findByText('Docker answer')).closest('li')!;
    expect(docker).toHaveTextContent('from the inbox');
    expect(within(ideas).getByText('Just a thought').closest('li')).not.toHaveTextContent('from');
    await fireEvent.click(
      within(docker).getByRole('button', { name: 'Open the conversation “Docker answer” came from' }),
    );
    await waitFor(() => expect(api.conversationShow).toHaveBeenCalledWith(812));
  });
});
