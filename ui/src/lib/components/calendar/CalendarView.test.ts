import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { calendar } from '$lib/stores/calendar.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { account, calendarItem, calendarTarget, syncProgress } from '../../../test/fixtures';
import type { BestTimes } from '$lib/bindings/BestTimes';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import CalendarView from './CalendarView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const today = new Date();
const scheduled = calendarItem(1, {
  title: 'Release notes',
  state: 'scheduled',
  scheduledAt: new Date(today.getFullYear(), today.getMonth(), today.getDate(), 15, 0).getTime(),
});
const idea = calendarItem(2, { title: 'Spotlight Maria', state: 'idea' });

beforeEach(() => {
  vi.clearAllMocks();
  calendar.editor = null; // the store outlives each render, as in the app
  calendar.mode = 'month';
  calendar.anchor = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  api.calendarList.mockResolvedValue([scheduled, idea]);
  api.calendarBestTimes.mockResolvedValue(bestTimes);
  api.calendarCreate.mockImplementation(async (input) => calendarItem(3, { title: input.title }));
  api.accountsList.mockResolvedValue([]);
  api.calendarComments.mockResolvedValue([]);
  toasts.length = 0;
});

const focusedDay = () => document.activeElement as HTMLElement;

const week = (peak: number) => Array.from({ length: 168 }, (_, h) => (h === peak ? 1.7 : 1));
const bestTimes: BestTimes[] = [
  {
    platform: null,
    days: 90,
    threads: 847,
    messages: 5048,
    averageReplies: 3.9,
    windows: [],
    summary: 'No time stands out: over 847 threads …, is within what chance gives.',
    week: week(39),
  },
  {
    platform: 'discord',
    days: 90,
    threads: 256,
    messages: 1548,
    averageReplies: 4,
    windows: [
      {
        weekday: 1,
        hour: 15,
        threads: 49,
        replies: 392,
        ratio: 1.7,
        activityShare: 0.05,
        explanation: 'Tuesdays 15:00–17:00 UTC: threads started then got 1.7× the average replies',
      },
    ],
    summary: 'Best: Tuesdays 15:00–17:00 UTC: threads started then got 1.7× the average replies.',
    week: week(39),
  },
];

describe('calendar', () => {
  it('places dated posts on their day and lists undated ideas aside', async () => {
    render(CalendarView);
    await waitFor(() => expect(screen.getAllByTestId('calendar-item')).toHaveLength(2));

    const range = api.calendarList.mock.calls[0][0];
    expect(range.includeUnscheduled).toBe(true);
    const ideas = screen.getByRole('complementary', { name: 'Unscheduled ideas' });
    expect(within(ideas).getByTestId('calendar-item')).toHaveAttribute('data-id', '2');
    expect(screen.getByRole('grid')).toHaveTextContent('Release notes');
  });

  it('flags a Bluesky target over 300 characters', async () => {
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');

    await fireEvent.change(within(editor).getByLabelText('Add a target'), {
      target: { value: 'plan:bluesky' },
    });
    const bluesky = within(editor).getByLabelText(
      'Text for Bluesky (not connected)',
    ) as HTMLTextAreaElement;

    await fireEvent.input(bluesky, { target: { value: 'x'.repeat(300) } });
    expect(within(editor).getByTestId('char-counter')).toHaveTextContent('300 / 300');
    expect(within(editor).queryByRole('alert')).toBeNull();

    await fireEvent.input(bluesky, { target: { value: 'x'.repeat(312) } });
    expect(within(editor).getByTestId('char-counter')).toHaveTextContent('312 / 300');
    expect(bluesky).toHaveAttribute('aria-invalid', 'true');
    expect(within(editor).getByRole('alert')).toHaveTextContent(
      "12 characters over Bluesky's 300-character limit",
    );
  });

  it('offers the connected accounts as targets, samples last, and saves the account chosen', async () => {
    api.accountsList.mockResolvedValue([
      account(9, { name: 'Demo Discord', demo: true }),
      account(5, { name: 'Lumen Discord' }),
      account(7, { platform: 'github', name: 'Lumen GitHub' }),
    ]);
    render(CalendarView);
    await fireEvent.keyDown(document.body, { key: 'n' });
    const editor = screen.getByTestId('calendar-editor');

    await fireEvent.input(within(editor).getByLabelText('Title'), {
      target: { value: 'Meetup reminder' },
    });
    await fireEvent.input(within(editor).getByLabelText('Date'), {
      target: { value: '2025-06-03' },
    });
    const picker = within(editor).getByLabelText('Add a target');
    await waitFor(() =>
      expect(within(picker).getByRole('option', { name: 'Lumen Discord (Discord)' })).toBeEnabled(),
    );
    const options = within(picker)
      .getAllByRole('option')
      .map((o) => o.textContent);
    expect(options.indexOf('Lumen GitHub (GitHub)')).toBeLessThan(
      options.indexOf('Demo Discord (Discord, sample)'),
    );
    // a connected platform is chosen by its account, not planned for
    expect(options).not.toContain('Discord (plan only)');
    expect(options).toContain('Mastodon (plan only)');
    // only platforms Hearth can connect and post to are offered to plan for
    for (const nowhere of ['Email', 'Reddit', 'Telegram', 'Imported list']) {
      expect(options).not.toContain(`${nowhere} (plan only)`);
    }

    await fireEvent.change(picker, { target: { value: 'account:7' } });
    const github = within(editor).getByTestId('target');
    expect(github).toHaveTextContent('Lumen GitHub');
    expect(within(github).queryByLabelText('Channel id')).toBeNull();
    await fireEvent.input(within(github).getByLabelText('Repository (owner/repo)'), {
      target: { value: ' lumen/lumen ' },
    });
    expect(within(github).getByLabelText('Issue title')).toBeInTheDocument();
    expect(within(editor).getByLabelText('Add a target')).not.toHaveTextContent('Lumen GitHub');
    await fireEvent.click(within(editor).getByRole('button', { name: 'Create post' }));

    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalled());
    expect(api.calendarCreate.mock.calls[0][0]).toMatchObject({
      title: 'Meetup reminder',
      scheduledAt: new Date(2025, 5, 3, 9, 0).getTime(),
      variants: [
        {
          platform: 'github',
          accountId: 7,
          channel: 'lumen/lumen',
          title: null,
          body: '',
          followsMain: true,
        },
      ],
    });
    await waitFor(() => expect(screen.queryByTestId('calendar-editor')).toBeNull());
  });

  it('says when to post, per platform, in the user\'s own time, and never makes one up', async () => {
    render(CalendarView);
    const best = await screen.findByTestId('best-times');
    expect(api.calendarBestTimes).toHaveBeenCalledWith(90);
    await waitFor(() =>
      expect(within(best).getByTestId('best-summary')).toHaveTextContent('No time stands out'),
    );
    expect(within(best).queryByRole('listitem')).toBeNull();
    expect(within(best).getByRole('img')).toHaveAccessibleName(
      'Replies by time of the week for Every platform (UTC)',
    );

    await fireEvent.change(within(best).getByLabelText('Best times for'), {
      target: { value: '1' },
    });
    const item = within(best).getByRole('listitem');
    // Tuesday 15:00 UTC, in the zone the tests run in
    const start = new Date(Date.UTC(2026, 11, 1, 15));
    const expected = start.toLocaleDateString(undefined, { weekday: 'long' });
    expect(item).toHaveTextContent(expected);
    expect(item).toHaveTextContent(
      start.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
    );
    expect(item).toHaveTextContent('1.7× replies');
    expect(within(best).getByTestId('best-summary')).toHaveTextContent('Best: Tuesdays 15:00');
  });

  it('exports the calendar as an .ics file where the person chooses, and says what it holds', async () => {
    api.pickSaveFile.mockResolvedValueOnce('/home/ana/lumen.ics');
    api.calendarExportIcs.mockResolvedValueOnce({ events: 5, undated: 2 });
    render(CalendarView);
    await fireEvent.click(screen.getByRole('button', { name: 'Export .ics' }));
    await waitFor(() => expect(api.calendarExportIcs).toHaveBeenCalledWith('/home/ana/lumen.ics'));
    expect(api.pickSaveFile.mock.calls[0][1]).toBe('hearth-calendar.ics');
    await waitFor(() =>
      expect(toasts.map((t) => t.message)).toContain(
        'Exported 5 posts to /home/ana/lumen.ics (2 undated ideas are not in it)',
      ),
    );
  });

  it('writes nothing when the person cancels the chooser', async () => {
    render(CalendarView);
    await fireEvent.click(screen.getByRole('button', { name: 'Export .ics' }));
    await waitFor(() => expect(api.pickSaveFile).toHaveBeenCalled());
    expect(api.calendarExportIcs).not.toHaveBeenCalled();
  });

  it('shows each post\'s state as a sign, and a crowded day\'s first posts then "+N more"', async () => {
    const day = new Date(today.getFullYear(), today.getMonth(), 15, 9, 0).getTime();
    const crowded = [1, 2, 3, 4, 5].map((n) =>
      calendarItem(10 + n, {
        title: `Post ${n}`,
        state: n === 5 ? 'published' : 'scheduled',
        scheduledAt: day + n * 60_000,
      }),
    );
    api.calendarList.mockResolvedValue(crowded);
    render(CalendarView);
    const grid = await screen.findByRole('grid');
    await waitFor(() => expect(within(grid).getAllByTestId('calendar-item')).toHaveLength(2));
    expect(within(grid).getAllByTestId('state-sign').map((s) => s.textContent)).toEqual([
      '◷',
      '◷',
    ]);
    const more = within(grid).getByRole('button', { name: /^3 more posts on .*15.*: show the week$/ });
    expect(more).toHaveTextContent('+3 more');

    await fireEvent.click(more);
    await waitFor(() =>
      expect(screen.getByRole('button', { name: /Week/ })).toHaveAttribute('aria-pressed', 'true'),
    );
    await waitFor(() => expect(within(grid).getAllByTestId('calendar-item')).toHaveLength(5));
    expect(within(grid).getAllByTestId('state-sign').at(-1)?.textContent).toBe('✓');
  });

  it('imports events from an .ics file, says what it made and left out, and shows them', async () => {
    api.pickIcsFile.mockResolvedValueOnce('/home/ana/events.ics');
    api.calendarImportIcs.mockResolvedValueOnce({
      events: 5,
      new: 14,
      updated: 0,
      unchanged: 0,
      skipped: ['Old sync: it is cancelled'],
    });
    render(CalendarView);
    await waitFor(() => expect(api.calendarList).toHaveBeenCalledTimes(1));
    await fireEvent.click(screen.getByRole('button', { name: 'Import .ics' }));
    await waitFor(() => expect(api.calendarImportIcs).toHaveBeenCalledWith('/home/ana/events.ics'));
    await waitFor(() =>
      expect(toasts.map((t) => t.message)).toContain(
        'Imported 5 events: 14 new ideas, 0 updated, 0 unchanged. Left out: Old sync: it is cancelled',
      ),
    );
    await waitFor(() => expect(api.calendarList).toHaveBeenCalledTimes(2));
  });

  it('keeps a target following the main text until it is edited by hand', async () => {
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');
    const main = within(editor).getByLabelText('Text') as HTMLTextAreaElement;
    await fireEvent.input(main, { target: { value: 'Lumen 3.3 is out' } });
    for (const platform of ['mastodon', 'bluesky']) {
      await fireEvent.change(within(editor).getByLabelText('Add a target'), {
        target: { value: `plan:${platform}` },
      });
    }
    const mastodon = within(editor).getByLabelText(
      'Text for Mastodon (not connected)',
    ) as HTMLTextAreaElement;
    const bluesky = within(editor).getByLabelText(
      'Text for Bluesky (not connected)',
    ) as HTMLTextAreaElement;
    expect(within(editor).getAllByTestId('follows-main')).toHaveLength(2);

    await fireEvent.input(bluesky, { target: { value: 'Lumen 3.3 🎉' } });
    await fireEvent.input(main, { target: { value: 'Lumen 3.3 is out: 3× faster builds' } });
    expect(mastodon.value).toBe('Lumen 3.3 is out: 3× faster builds');
    expect(bluesky.value).toBe('Lumen 3.3 🎉');
    expect(within(editor).getAllByTestId('follows-main')).toHaveLength(1);

    await fireEvent.input(within(editor).getByLabelText('Title'), { target: { value: 'Lumen 3.3' } });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Create post' }));
    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalled());
    expect(api.calendarCreate.mock.calls[0][0].variants).toMatchObject([
      { platform: 'mastodon', accountId: null, followsMain: true },
      { platform: 'bluesky', accountId: null, followsMain: false, body: 'Lumen 3.3 🎉' },
    ]);
  });

  it('says beside the date and targets what a scheduled post lacks, and will not save without it', async () => {
    api.accountsList.mockResolvedValue([account(5, { name: 'Lumen Discord' })]);
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');
    await fireEvent.input(within(editor).getByLabelText('Title'), { target: { value: 'Launch' } });
    expect(within(editor).queryByRole('alert')).toBeNull();
    await fireEvent.change(within(editor).getByLabelText('State'), {
      target: { value: 'scheduled' },
    });
    const alert = within(editor).getByRole('alert');
    expect(alert).toHaveTextContent('A scheduled post needs a date and time');
    expect(alert).toHaveTextContent('A scheduled post needs a target');
    expect(within(editor).getByLabelText('Date')).toHaveAttribute('aria-invalid', 'true');
    expect(within(editor).getByRole('button', { name: 'Create post' })).toBeDisabled();

    await fireEvent.input(within(editor).getByLabelText('Date'), {
      target: { value: '2026-12-10' },
    });
    await fireEvent.change(within(editor).getByLabelText('Add a target'), {
      target: { value: 'plan:bluesky' },
    });
    expect(within(editor).getByRole('alert')).toHaveTextContent(
      'Bluesky is not connected: connect an account in Settings → Accounts, or remove that target.',
    );
    await fireEvent.click(
      within(editor).getByRole('button', { name: 'Remove Bluesky (not connected)' }),
    );
    await waitFor(() =>
      expect(within(editor).getByRole('option', { name: 'Lumen Discord (Discord)' })).toBeEnabled(),
    );
    await fireEvent.change(within(editor).getByLabelText('Add a target'), {
      target: { value: 'account:5' },
    });
    expect(within(editor).queryByRole('alert')).toBeNull();
    expect(within(editor).getByRole('button', { name: 'Create post' })).toBeEnabled();
  });

  it('picks the date from a calendar beside the field, which clears what a scheduled post lacked', async () => {
    api.accountsList.mockResolvedValue([account(5, { name: 'Lumen Discord' })]);
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');
    await fireEvent.input(within(editor).getByLabelText('Title'), { target: { value: 'Launch' } });
    await fireEvent.change(within(editor).getByLabelText('State'), {
      target: { value: 'scheduled' },
    });
    await fireEvent.change(within(editor).getByLabelText('Add a target'), {
      target: { value: 'account:5' },
    });
    const date = within(editor).getByLabelText('Date');
    expect(within(editor).getByRole('alert')).toHaveTextContent(
      'A scheduled post needs a date and time',
    );
    const pick = within(editor).getByRole('button', { name: 'Pick a date' });

    // Esc closes the calendar alone: the editor and the empty date stay
    await fireEvent.click(pick);
    let dialog = screen.getByRole('dialog', { name: "Choose the post's date" });
    await waitFor(() => expect(within(dialog).getByRole('grid')).toContainElement(focusedDay()));
    await fireEvent.keyDown(focusedDay(), { key: 'Escape' });
    expect(screen.queryByRole('dialog', { name: "Choose the post's date" })).toBeNull();
    expect(pick).toHaveFocus();
    expect(screen.getByTestId('calendar-editor')).toBeInTheDocument();
    expect(date).toHaveValue('');

    // opened on today; a week on, then a month on, picked with Enter
    await fireEvent.click(pick);
    dialog = screen.getByRole('dialog', { name: "Choose the post's date" });
    await waitFor(() => expect(focusedDay()).toHaveAttribute('aria-current', 'date'));
    await fireEvent.keyDown(focusedDay(), { key: 'ArrowDown' });
    await fireEvent.keyDown(focusedDay(), { key: 'PageDown' });
    const inAWeek = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 7);
    const last = new Date(inAWeek.getFullYear(), inAWeek.getMonth() + 2, 0).getDate();
    const chosen = new Date(
      inAWeek.getFullYear(),
      inAWeek.getMonth() + 1,
      Math.min(inAWeek.getDate(), last),
    );
    const iso = [chosen.getFullYear(), chosen.getMonth() + 1, chosen.getDate()]
      .map((n) => String(n).padStart(2, '0'))
      .join('-');
    await waitFor(() => expect(focusedDay()).toHaveAttribute('data-day', iso));
    expect(within(dialog).getByRole('grid')).toHaveAccessibleName(
      new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' }).format(chosen),
    );
    await fireEvent.keyDown(focusedDay(), { key: 'Enter' });

    expect(screen.queryByRole('dialog', { name: "Choose the post's date" })).toBeNull();
    expect(date).toHaveValue(iso);
    expect(pick).toHaveFocus();
    expect(date).toHaveAttribute('aria-invalid', 'false');
    expect(within(editor).queryByRole('alert')).toBeNull();
    expect(within(editor).getByLabelText('Time')).toBeEnabled();
    expect(within(editor).getByRole('button', { name: 'Create post' })).toBeEnabled();
  });

  it('takes the date and time in words, previewed as the calendar shows times', async () => {
    const at = new Date(2026, 11, 8, 10, 0).getTime();
    api.whenRead.mockResolvedValue(at);
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');
    const words = within(editor).getByLabelText('Or in words');
    await fireEvent.input(words, { target: { value: 'next tue 10am' } });
    await waitFor(() => expect(api.whenRead).toHaveBeenCalledWith('next tue 10am'));
    const preview = new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(at);
    await waitFor(() =>
      expect(within(editor).getByText(`${preview} — Enter to use it`)).toBeInTheDocument(),
    );
    await fireEvent.keyDown(words, { key: 'Enter' });
    expect(within(editor).getByLabelText('Date')).toHaveValue('2026-12-08');
    expect(within(editor).getByLabelText('Time')).toHaveValue('10:00');

    api.whenRead.mockRejectedValueOnce({ code: 'invalid', message: "can't read 'blurp' as a time" });
    await fireEvent.input(words, { target: { value: 'blurp' } });
    await waitFor(() =>
      expect(within(editor).getByText("can't read 'blurp' as a time")).toBeInTheDocument(),
    );
  });

  it('keeps an idea from the inbox linked to its conversation through edits, and opens it', async () => {
    const fromInbox = calendarItem(5, {
      title: 'Spotlight: the Docker answer',
      state: 'idea',
      sourceConversationId: 812,
    });
    api.calendarList.mockResolvedValue([fromInbox]);
    api.calendarUpdate.mockImplementation(async (id, input) => calendarItem(id, { title: input.title }));
    render(CalendarView);
    const ideas = await screen.findByRole('complementary', { name: 'Unscheduled ideas' });
    await fireEvent.click(await within(ideas).findByText('Spotlight: the Docker answer'));
    const editor = screen.getByTestId('calendar-editor');
    expect(within(editor).getByText(/An idea from the inbox/)).toBeInTheDocument();
    await fireEvent.input(within(editor).getByLabelText('Title'), {
      target: { value: 'Spotlight: Rin and the Docker answer' },
    });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(1));
    expect(api.calendarUpdate.mock.calls[0][1].sourceConversationId).toBe(812);

    await fireEvent.click(await within(ideas).findByText('Spotlight: the Docker answer'));
    api.conversationShow.mockRejectedValueOnce({ code: 'notFound', message: 'gone' });
    await fireEvent.click(screen.getByRole('button', { name: 'Open the conversation' }));
    await waitFor(() => expect(api.conversationShow).toHaveBeenCalledWith(812));
    expect(screen.queryByTestId('calendar-editor')).toBeNull();
  });

  it('lists the coming four weeks day by day with l, and says so when nothing is planned', async () => {
    const at = (days: number, hour: number) =>
      new Date(today.getFullYear(), today.getMonth(), today.getDate() + days, hour, 0).getTime();
    api.calendarList.mockResolvedValue([
      calendarItem(21, { title: 'Later that week', state: 'scheduled', scheduledAt: at(3, 16) }),
      calendarItem(22, { title: 'Morning post', state: 'draft', scheduledAt: at(0, 9) }),
      calendarItem(23, { title: 'Evening post', state: 'scheduled', scheduledAt: at(0, 18) }),
    ]);
    render(CalendarView);
    await waitFor(() => expect(api.calendarList).toHaveBeenCalledTimes(1));
    await fireEvent.keyDown(document.body, { key: 'l' });
    const list = await screen.findByTestId('calendar-list');
    await waitFor(() => expect(within(list).getAllByTestId('calendar-item')).toHaveLength(3));
    const range = api.calendarList.mock.calls.at(-1)![0];
    expect((range.to! - range.from!) / 86_400_000).toBeCloseTo(28, 0);
    const days = within(list).getAllByRole('region');
    expect(days).toHaveLength(2);
    expect(days[0]).toHaveTextContent('Today');
    expect(within(days[0]).getAllByTestId('calendar-item').map((c) => c.dataset.id)).toEqual([
      '22',
      '23',
    ]);
    expect(screen.getByText(/^Times in /)).toBeInTheDocument();

    api.calendarList.mockResolvedValue([]);
    await fireEvent.keyDown(document.body, { key: 'ArrowRight' });
    await waitFor(() =>
      expect(within(list).getByText(/Nothing planned in these four weeks/)).toBeInTheDocument(),
    );
  });
});

const at = (days: number, hour: number) =>
  new Date(today.getFullYear(), today.getMonth(), today.getDate() + days, hour, 0).getTime();

/** Shows the calendar with `item` in it and opens it in the editor. */
async function openPost(item: CalendarItem) {
  api.calendarList.mockResolvedValue([item]);
  render(CalendarView);
  await fireEvent.click(await screen.findByText(item.title));
  return screen.getByTestId('calendar-editor');
}

const stateOptions = (editor: HTMLElement) =>
  within(within(editor).getByLabelText('State'))
    .getAllByRole('option')
    .map((o) => o.textContent?.trim());

describe('publishing and review', () => {
  it('says whose Hearth publishes a post the team planned together', async () => {
    const editor = await openPost(calendarItem(61, { title: 'Release 3.4', publisher: 'Ana' }));
    expect(within(editor).getByTestId('post-publisher')).toHaveTextContent(
      'Ana’s Hearth publishes it, so it goes out once',
    );
  });

  it('shows every state as a sign, and in the list as a word too', async () => {
    const states = [
      'draft',
      'in_review',
      'approved',
      'scheduled',
      'published',
      'partly',
      'failed',
      'missed',
    ] as const;
    api.calendarList.mockResolvedValue(
      states.map((state, n) =>
        calendarItem(50 + n, { title: `Post ${state}`, state, scheduledAt: at(0, 8 + n) }),
      ),
    );
    calendar.mode = 'list';
    render(CalendarView);
    const list = await screen.findByTestId('calendar-list');
    await waitFor(() => expect(within(list).getAllByTestId('calendar-item')).toHaveLength(8));
    const chips = within(list).getAllByTestId('calendar-item');
    expect(chips.map((c) => within(c).getByTestId('state-sign').textContent)).toEqual(
      ['✎', '◔', '✔', '◷', '✓', '◑', '✕', '⚠'],
    );
    expect(chips.map((c) => c.textContent?.replace(/.*Post \S+/, '').trim())).toEqual([
      'Draft',
      'In review',
      'Approved',
      'Scheduled',
      'Published',
      'Partly published',
      'Failed',
      'Missed',
    ]);
  });

  it('shows how each target went: why one failed, with Retry, and the other\'s link and replies', async () => {
    const release = calendarItem(30, {
      title: 'Release 3.3',
      state: 'partly',
      scheduledAt: at(0, 10),
      variants: [
        calendarTarget(41, {
          status: 'failed',
          error: 'the channel 123 is gone (Discord said 404)',
          outboxId: 12,
        }),
        calendarTarget(42, {
          platform: 'mastodon',
          accountId: 6,
          accountName: 'Lumen Mastodon',
          status: 'sent',
          url: 'https://mastodon.social/@lumen/1',
          outboxId: 13,
          replies: 3,
          repliers: 2,
        }),
      ],
    });
    const retried: CalendarItem = {
      ...release,
      variants: [{ ...release.variants[0], status: 'queued', error: null }, release.variants[1]],
    };
    api.calendarRetryTarget.mockResolvedValue(retried);
    api.openExternal.mockResolvedValue(null);
    const editor = await openPost(release);
    expect(within(editor).getByTestId('review-bar')).toHaveTextContent(
      /Partly published\s*1 of 2 posts went out/,
    );

    const [discord, mastodon] = within(editor).getAllByTestId('target');
    expect(discord).toHaveTextContent('Lumen Discord');
    expect(within(discord).getByTestId('target-status')).toHaveTextContent(
      'Failed: The channel 123 is gone (Discord said 404)',
    );
    // a failed post's text can be corrected; what went out keeps its text
    const failedText = within(discord).getByLabelText('Text for Lumen Discord');
    expect(failedText).not.toHaveAttribute('readonly');
    expect(within(mastodon).getByLabelText('Text for Lumen Mastodon')).toHaveAttribute('readonly');
    expect(mastodon).toHaveTextContent('Sent: its text can no longer change.');

    expect(within(mastodon).getByTestId('target-status')).toHaveTextContent(
      'Sent Open the post 3 replies from 2 people',
    );
    await fireEvent.click(within(mastodon).getByRole('link', { name: 'Open the post' }));
    expect(api.openExternal).toHaveBeenCalledWith('https://mastodon.social/@lumen/1');

    // Retry sends the corrected text: it is saved first
    api.calendarUpdate.mockImplementation(async (_id, input) => ({
      ...release,
      variants: [{ ...release.variants[0], body: input.variants[0].body }, release.variants[1]],
    }));
    await fireEvent.input(failedText, { target: { value: 'Hello #general' } });
    api.calendarList.mockResolvedValue([retried]);
    await fireEvent.click(within(discord).getByRole('button', { name: 'Retry Lumen Discord' }));
    await waitFor(() => expect(api.calendarRetryTarget).toHaveBeenCalledWith(41));
    expect(api.calendarUpdate).toHaveBeenCalledWith(
      30,
      expect.objectContaining({
        state: 'partly',
        variants: [
          expect.objectContaining({ accountId: 5, body: 'Hello #general', followsMain: false }),
          expect.objectContaining({ accountId: 6, body: 'Hello community' }),
        ],
      }),
    );
    expect(api.calendarUpdate.mock.invocationCallOrder[0]).toBeLessThan(
      api.calendarRetryTarget.mock.invocationCallOrder[0],
    );
    await waitFor(() =>
      expect(within(discord).getByTestId('target-status')).toHaveTextContent('Queued to go out'),
    );
    expect(within(editor).getByTestId('review-bar')).toHaveTextContent('Publishing…');
    expect(within(discord).queryByRole('button', { name: /Retry/ })).toBeNull();
  });

  it('approves a post in review, saving edits first, and says who approved it', async () => {
    const inReview = calendarItem(31, {
      title: 'Spotlight',
      state: 'in_review',
      scheduledAt: at(1, 16),
      variants: [calendarTarget(43)],
    });
    api.calendarUpdate.mockImplementation(async (id, input) =>
      calendarItem(id, { ...inReview, title: input.title }),
    );
    const approved: CalendarItem = {
      ...inReview,
      title: 'Spotlight: Maria',
      state: 'scheduled',
      approvedBy: 'Robin',
      approvedAt: at(0, 9),
    };
    api.calendarApprove.mockResolvedValue(approved);
    const editor = await openPost(inReview);
    api.calendarList.mockResolvedValue([approved]);
    expect(within(editor).queryByTestId('approved-by')).toBeNull();
    // an item in review is scheduled by approving it
    expect(within(editor).getByRole('option', { name: 'Scheduled (approve it first)' })).toBeDisabled();

    await fireEvent.input(within(editor).getByLabelText('Title'), {
      target: { value: 'Spotlight: Maria' },
    });
    await fireEvent.click(within(editor).getByRole('button', { name: /^Approve/ }));

    await waitFor(() => expect(api.calendarApprove).toHaveBeenCalledWith(31));
    expect(api.calendarUpdate).toHaveBeenCalledWith(
      31,
      expect.objectContaining({ title: 'Spotlight: Maria', state: 'in_review' }),
    );
    expect(api.calendarUpdate.mock.invocationCallOrder[0]).toBeLessThan(
      api.calendarApprove.mock.invocationCallOrder[0],
    );
    await waitFor(() =>
      expect(within(editor).getByTestId('approved-by')).toHaveTextContent('Approved by Robin'),
    );
    expect(within(editor).getByLabelText('State')).toHaveValue('scheduled');
    expect(within(editor).queryByRole('button', { name: /^Approve/ })).toBeNull();
    const said = toasts.map((t) => t.message);
    expect(said.some((m) => m.startsWith('Approved by Robin — scheduled for'))).toBe(true);
  });

  it('approves with a, in the editor and on a post in focus, and asks for review', async () => {
    const inReview = calendarItem(32, { title: 'Ask the team', state: 'in_review' });
    const draft = calendarItem(33, { title: 'Roadmap post', state: 'draft' });
    const scheduledPost = calendarItem(34, {
      title: 'Going out',
      state: 'scheduled',
      scheduledAt: at(0, 11),
    });
    // the core's list, as each step leaves it
    let list = [inReview, draft, scheduledPost];
    const step = (item: CalendarItem) => {
      list = list.map((i) => (i.id === item.id ? item : i));
      return item;
    };
    api.calendarList.mockImplementation(async () => list);
    api.calendarApprove.mockImplementation(async (id) =>
      step({ ...list.find((i) => i.id === id)!, state: 'approved', approvedBy: 'Robin' }),
    );
    api.calendarSubmit.mockImplementation(async (id) =>
      step({ ...list.find((i) => i.id === id)!, state: 'in_review' }),
    );
    render(CalendarView);

    // a post in focus (Tab moves through them) is approved without opening it
    const chip = await screen.findByText('Ask the team');
    chip.closest('button')!.focus();
    await fireEvent.keyDown(document.activeElement!, { key: 'a' });
    await waitFor(() => expect(api.calendarApprove).toHaveBeenCalledWith(32));
    expect(screen.queryByTestId('calendar-editor')).toBeNull();
    // a scheduled post has nothing to approve
    screen.getByText('Going out').closest('button')!.focus();
    await fireEvent.keyDown(document.activeElement!, { key: 'a' });
    expect(api.calendarApprove).toHaveBeenCalledTimes(1);

    await fireEvent.click(screen.getByText('Roadmap post'));
    const editor = screen.getByTestId('calendar-editor');
    // typing an a in a field is only typing
    await fireEvent.keyDown(within(editor).getByLabelText('Title'), { key: 'a' });
    expect(api.calendarApprove).toHaveBeenCalledTimes(1);
    await fireEvent.keyDown(editor, { key: 'a' });
    await waitFor(() => expect(api.calendarApprove).toHaveBeenLastCalledWith(33));
    await waitFor(() =>
      expect(within(editor).getByTestId('approved-by')).toHaveTextContent('Approved by Robin'),
    );

    await fireEvent.click(screen.getByRole('button', { name: /^Close/ }));
    step(draft);
    await fireEvent.keyDown(document.body, { key: '.' });
    const chipOf = () => screen.getByText('Roadmap post').closest('button');
    await waitFor(() => expect(chipOf()).toHaveAttribute('title', 'Roadmap post · Draft'));
    await fireEvent.click(chipOf()!);
    const again = screen.getByTestId('calendar-editor');
    await fireEvent.click(within(again).getByRole('button', { name: 'Ask for review' }));
    await waitFor(() => expect(api.calendarSubmit).toHaveBeenCalledWith(33));
    await waitFor(() =>
      expect(within(again).getByTestId('review-bar')).toHaveTextContent('In review'),
    );
    expect(within(again).queryByRole('button', { name: 'Ask for review' })).toBeNull();
  });

  it('offers a missed post to publish now or a new time', async () => {
    const missed = calendarItem(35, {
      title: 'Community call',
      state: 'missed',
      scheduledAt: at(0, 7),
      variants: [calendarTarget(44)],
    });
    const publishing: CalendarItem = {
      ...missed,
      state: 'scheduled',
      variants: [{ ...missed.variants[0], status: 'sending', outboxId: 20 }],
    };
    api.calendarPublishNow.mockResolvedValue(publishing);
    const editor = await openPost(missed);
    api.calendarList.mockResolvedValue([publishing]);
    const late = within(editor).getByRole('group', { name: 'Missed post' });
    expect(late).toHaveTextContent('Its time passed while Hearth was not running');

    await fireEvent.click(within(late).getByRole('button', { name: 'Pick a new time' }));
    expect(within(editor).getByLabelText('Date')).toHaveFocus();
    expect(within(editor).getByLabelText('State')).toHaveValue('scheduled');

    await fireEvent.click(within(late).getByRole('button', { name: 'Publish now' }));
    await waitFor(() => expect(api.calendarPublishNow).toHaveBeenCalledWith(35));
    await waitFor(() =>
      expect(within(editor).getByTestId('review-bar')).toHaveTextContent('Publishing…'),
    );
    expect(within(editor).queryByRole('group', { name: 'Missed post' })).toBeNull();
  });

  it('shows beside a target what keeps it from going out, until its words change', async () => {
    const topic = calendarItem(36, {
      title: 'Hi',
      variants: [
        calendarTarget(45, {
          platform: 'discourse',
          accountId: 8,
          accountName: 'Lumen Forum',
          body: 'Short text here',
          followsMain: false,
          problems: [
            'a Discourse title needs at least 15 characters; this one has 2',
            'a Discourse post needs at least 20 characters; this one has 15',
          ],
        }),
      ],
    });
    const editor = await openPost(topic);
    const target = within(editor).getByTestId('target');
    const text = within(target).getByLabelText('Text for Lumen Forum');
    expect(within(target).getByTestId('target-problems')).toHaveTextContent(
      'A Discourse title needs at least 15 characters; this one has 2',
    );
    expect(text).toHaveAccessibleDescription(/A Discourse post needs at least 20 characters/);
    expect(text).toHaveAttribute('aria-invalid', 'true');
    expect(within(target).getByLabelText('Category id')).toBeInTheDocument();
    expect(toasts).toHaveLength(0);

    await fireEvent.input(text, { target: { value: 'A longer text for the forum topic' } });
    expect(within(target).queryByTestId('target-problems')).toBeNull();
  });

  it('offers only the states a person may pick, and keeps the one publishing set', async () => {
    const editor = await openPost(calendarItem(37, { title: 'A draft' }));
    expect(stateOptions(editor)).toEqual(['Idea', 'Draft', 'In review', 'Scheduled', 'Published']);
    await fireEvent.click(within(editor).getByRole('button', { name: /^Close/ }));

    api.calendarList.mockResolvedValue([
      calendarItem(38, { title: 'It failed', state: 'failed', scheduledAt: at(0, 8) }),
    ]);
    await fireEvent.keyDown(document.body, { key: '.' });
    await fireEvent.click(await screen.findByText('It failed'));
    const failed = screen.getByTestId('calendar-editor');
    expect(stateOptions(failed)).toEqual(['Failed', 'Published']);
    expect(within(failed).getByTestId('review-bar')).toHaveTextContent('Failed');
  });

  it('loads a post\'s comments and adds one with Ctrl+Enter, without saving the post', async () => {
    const item = calendarItem(39, { title: 'Newsletter', comments: 1 });
    api.calendarComments.mockResolvedValue([
      { id: 1, itemId: 39, author: 'Sam', body: 'Can we add the meetup?', createdAt: at(0, 8) },
    ]);
    api.calendarComment.mockResolvedValue({
      id: 2,
      itemId: 39,
      author: 'Robin',
      body: 'Added it',
      createdAt: at(0, 9),
    });
    const editor = await openPost(item);
    expect(api.calendarComments).toHaveBeenCalledWith(39);
    const thread = await within(editor).findByTestId('comments');
    expect(thread).toHaveTextContent('Sam');
    expect(thread).toHaveTextContent('Can we add the meetup?');

    const box = within(editor).getByLabelText('Add a comment');
    await fireEvent.input(box, { target: { value: ' Added it ' } });
    await fireEvent.keyDown(box, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(api.calendarComment).toHaveBeenCalledWith(39, 'Added it'));
    await waitFor(() => expect(within(thread).getAllByRole('listitem')).toHaveLength(2));
    expect(box).toHaveValue('');
    expect(api.calendarUpdate).not.toHaveBeenCalled();
    expect(screen.getByTestId('calendar-editor')).toBeInTheDocument();
  });

  it('reloads every 30 seconds and after sync news, so a published post shows as such', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const post = calendarItem(40, { title: 'Due now', state: 'scheduled', scheduledAt: at(0, 9) });
      api.calendarList.mockResolvedValue([post]);
      render(CalendarView);
      await waitFor(() => expect(screen.getByTestId('state-sign')).toHaveTextContent('◷'));

      api.calendarList.mockResolvedValue([{ ...post, state: 'published' }]);
      vi.advanceTimersByTime(30_000);
      await waitFor(() => expect(screen.getByTestId('state-sign')).toHaveTextContent('✓'));
      expect(api.calendarList).toHaveBeenCalledTimes(2);

      api.calendarList.mockResolvedValue([{ ...post, state: 'failed' }]);
      const onNews = api.onSync.mock.calls[0][0];
      onNews(syncProgress({ state: 'done' }));
      onNews(syncProgress({ state: 'done', accountId: 6 }));
      await waitFor(() => expect(screen.getByTestId('state-sign')).toHaveTextContent('✕'), {
        timeout: 3000,
      });
      expect(api.calendarList).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
