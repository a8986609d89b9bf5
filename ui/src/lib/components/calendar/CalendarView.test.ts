import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { calendar } from '$lib/stores/calendar.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { calendarItem } from '../../../test/fixtures';
import type { BestTimes } from '$lib/bindings/BestTimes';
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
});

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

  it('flags a Bluesky version over 300 characters', async () => {
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');

    await fireEvent.change(within(editor).getByLabelText('Add a platform'), {
      target: { value: 'bluesky' },
    });
    const bluesky = within(editor).getByLabelText('Bluesky version') as HTMLTextAreaElement;

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

  it('creates a post from the editor with its platform versions', async () => {
    render(CalendarView);
    await fireEvent.keyDown(document.body, { key: 'n' });
    const editor = screen.getByTestId('calendar-editor');

    await fireEvent.input(within(editor).getByLabelText('Title'), {
      target: { value: 'Meetup reminder' },
    });
    await fireEvent.input(within(editor).getByLabelText('Date'), {
      target: { value: '2025-06-03' },
    });
    await fireEvent.change(within(editor).getByLabelText('Add a platform'), {
      target: { value: 'mastodon' },
    });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Create post' }));

    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalled());
    expect(api.calendarCreate.mock.calls[0][0]).toMatchObject({
      title: 'Meetup reminder',
      scheduledAt: new Date(2025, 5, 3, 9, 0).getTime(),
      variants: [{ platform: 'mastodon', body: '' }],
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

  it('keeps a platform version following the main text until it is edited by hand', async () => {
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');
    const main = within(editor).getByLabelText('Text') as HTMLTextAreaElement;
    await fireEvent.input(main, { target: { value: 'Lumen 3.3 is out' } });
    for (const platform of ['mastodon', 'bluesky']) {
      await fireEvent.change(within(editor).getByLabelText('Add a platform'), {
        target: { value: platform },
      });
    }
    const mastodon = within(editor).getByLabelText('Mastodon version') as HTMLTextAreaElement;
    const bluesky = within(editor).getByLabelText('Bluesky version') as HTMLTextAreaElement;
    expect(within(editor).getAllByTestId('follows-main')).toHaveLength(2);

    await fireEvent.input(bluesky, { target: { value: 'Lumen 3.3 🎉' } });
    await fireEvent.input(main, { target: { value: 'Lumen 3.3 is out: 3× faster builds' } });
    expect(mastodon.value).toBe('Lumen 3.3 is out: 3× faster builds');
    expect(bluesky.value).toBe('Lumen 3.3 🎉');
    expect(within(editor).getAllByTestId('follows-main')).toHaveLength(1);
  });

  it('says beside the date that a scheduled post needs one, and will not save without it', async () => {
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const editor = screen.getByTestId('calendar-editor');
    await fireEvent.input(within(editor).getByLabelText('Title'), { target: { value: 'Launch' } });
    expect(within(editor).queryByRole('alert')).toBeNull();
    await fireEvent.change(within(editor).getByLabelText('State'), {
      target: { value: 'scheduled' },
    });
    expect(within(editor).getByRole('alert')).toHaveTextContent(
      'A scheduled post needs a date and time',
    );
    expect(within(editor).getByLabelText('Date')).toHaveAttribute('aria-invalid', 'true');
    expect(within(editor).getByRole('button', { name: 'Create post' })).toBeDisabled();
    await fireEvent.input(within(editor).getByLabelText('Date'), {
      target: { value: '2026-12-10' },
    });
    expect(within(editor).queryByRole('alert')).toBeNull();
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
