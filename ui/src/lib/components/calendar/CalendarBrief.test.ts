// The calendar listed brief (no texts, as the month of 2,000 posts needs), and every path that
// needs a post's texts reading it whole first: opening it, moving it, following it in the editor.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { CalendarItemInput } from '$lib/bindings/CalendarItemInput';
import * as ipc from '$lib/ipc';
import { calendar, discardEditor, loadCalendar } from '$lib/stores/calendar.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { brief, calendarItem, calendarTarget } from '../../../test/fixtures';
import CalendarView from './CalendarView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

/** A Wednesday in March 2026: the month shown. */
const ANCHOR = new Date(2026, 2, 11);
const on = (day: number, hour: number) => new Date(2026, 2, day, hour, 0).getTime();

const said = () => toasts.map((t) => t.message);

beforeEach(() => {
  vi.clearAllMocks();
  discardEditor();
  calendar.mode = 'month';
  calendar.anchor = ANCHOR;
  calendar.said = '';
  // the store outlives each render, as in the app: no chip of the last test shows at first
  calendar.items = [];
  calendar.unscheduled = [];
  toasts.length = 0;
  api.accountsList.mockResolvedValue([]);
  api.calendarComments.mockResolvedValue([]);
  api.calendarBestTimes.mockResolvedValue([]);
});

/**
 * The core as the app has it: the list without texts unless asked whole (`brief: false`), an
 * item whole from `calendar_get` (the mock reads it from the list, whole), updates kept.
 */
function core(...items: CalendarItem[]) {
  let saved = items;
  const keep = (item: CalendarItem) => {
    saved = saved.map((i) => (i.id === item.id ? item : i));
    return item;
  };
  api.calendarList.mockImplementation(async (range) =>
    range.brief === false ? saved : saved.map(brief),
  );
  api.calendarUpdate.mockImplementation(async (id: number, input: CalendarItemInput) => {
    const was = saved.find((i) => i.id === id)!;
    return keep({ ...was, ...input, variants: was.variants });
  });
  return keep;
}

const post = calendarItem(80, {
  title: 'Release notes',
  body: 'Lumen 3.3 is out: builds are three times faster.',
  state: 'scheduled',
  scheduledAt: on(11, 15),
  variants: [
    calendarTarget(81, { body: 'Lumen 3.3 is out 🎉 #release', followsMain: false }),
  ],
});

/** What a move saves: the post whole, at its new time. */
const movedTo = (at: number): CalendarItemInput => ({
  title: 'Release notes',
  body: 'Lumen 3.3 is out: builds are three times faster.',
  state: 'scheduled',
  scheduledAt: at,
  sourceConversationId: null,
  recurrence: null,
  variants: [
    {
      platform: 'discord',
      accountId: 5,
      body: 'Lumen 3.3 is out 🎉 #release',
      channel: null,
      title: null,
      followsMain: false,
    },
  ],
});

const chipOf = (title: string) => screen.getByText(title).closest('button')!;
const dayCell = (date: string) => document.querySelector<HTMLElement>(`[data-date="${date}"]`)!;

describe('the calendar listed brief', () => {
  it('asks for the month without texts and targets, and the week with its targets', async () => {
    core(post);
    render(CalendarView);
    await screen.findByText('Release notes');
    await fireEvent.keyDown(document.body, { key: 'ArrowRight' });
    await fireEvent.keyDown(document.body, { key: 'w' });
    await waitFor(() => expect(api.calendarList).toHaveBeenCalledTimes(3));
    const ranges = api.calendarList.mock.calls.map(([range]) => range);
    expect(ranges.map((r) => r.brief)).toEqual([true, true, false]);
    for (const range of ranges) expect(range).toMatchObject({ includeUnscheduled: true });
  });

  it('keeps the listed posts as the core sent them, out of deep reactivity, by time', async () => {
    const later = calendarItem(2, { title: 'Later', scheduledAt: on(12, 9) });
    const earlier = calendarItem(1, { title: 'Earlier', scheduledAt: on(10, 9) });
    const idea = calendarItem(3, { title: 'Idea', state: 'idea', sourceConversationId: 7 });
    const listed = [later, earlier, idea];
    api.calendarList.mockResolvedValue(listed);
    render(CalendarView);
    await screen.findByText('Later');
    // the very objects, not proxies of them
    expect(calendar.items[0]).toBe(earlier);
    expect(calendar.items[1]).toBe(later);
    expect(calendar.unscheduled[0]).toBe(idea);
  });

  it('opens a post from the month read whole, with its texts', async () => {
    core(post);
    render(CalendarView);
    await fireEvent.click(await screen.findByText('Release notes'));
    const editor = await screen.findByTestId('calendar-editor');
    expect(api.calendarGet).toHaveBeenCalledWith(80);
    expect(within(editor).getByLabelText('Text')).toHaveValue(
      'Lumen 3.3 is out: builds are three times faster.',
    );
    expect(within(editor).getByLabelText('Text for Lumen Discord')).toHaveValue(
      'Lumen 3.3 is out 🎉 #release',
    );
  });

  it('says so when the post opened was deleted meanwhile', async () => {
    core(post);
    api.calendarGet.mockRejectedValueOnce({
      code: 'not_found',
      message: 'calendar item 80 not found',
    });
    render(CalendarView);
    await fireEvent.click(await screen.findByText('Release notes'));
    await waitFor(() => expect(said()).toContain('“Release notes” is no longer in the calendar.'));
    expect(screen.queryByTestId('calendar-editor')).toBeNull();
  });

  it('moves a post with Alt+→ saving its whole texts, read with calendar_get', async () => {
    core(post);
    render(CalendarView);
    await screen.findByText('Release notes');
    chipOf('Release notes').focus();
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight', altKey: true });
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(1));
    expect(api.calendarGet).toHaveBeenCalledWith(80);
    expect(api.calendarUpdate).toHaveBeenCalledWith(80, movedTo(on(12, 15)));
  });

  it('moves a dragged post saving its whole texts, not the empty ones listed', async () => {
    core(post);
    render(CalendarView);
    await screen.findByText('Release notes');
    await fireEvent.dragStart(chipOf('Release notes'));
    await fireEvent.drop(dayCell('2026-03-13'));
    await waitFor(() => expect(api.calendarUpdate).toHaveBeenCalledTimes(1));
    expect(api.calendarUpdate).toHaveBeenCalledWith(80, movedTo(on(13, 15)));
    await waitFor(() =>
      expect(within(dayCell('2026-03-13')).getByText('Release notes')).toBeInTheDocument(),
    );
  });

  it('keeps the editor\'s texts as the calendar reloads, and follows the post\'s publishing', async () => {
    const keep = core(post);
    render(CalendarView);
    await fireEvent.click(await screen.findByText('Release notes'));
    const editor = await screen.findByTestId('calendar-editor');
    expect(within(editor).getByLabelText('Text')).toHaveValue(post.body);

    // the publisher takes it meanwhile; the calendar reloads (every 30 s, after sync news)
    keep({ ...post, variants: [{ ...post.variants[0], status: 'sending', outboxId: 9 }] });
    await loadCalendar(true);
    await waitFor(() =>
      expect(within(editor).getByTestId('target-status')).toHaveTextContent('Sending'),
    );
    expect(api.calendarGet).toHaveBeenLastCalledWith(80);
    expect(within(editor).getByLabelText('Text')).toHaveValue(post.body);
    expect(within(editor).getByLabelText('Text for Lumen Discord')).toHaveValue(
      'Lumen 3.3 is out 🎉 #release',
    );
  });

  it('still tells an undated idea from a link, reading its text once', async () => {
    const link = calendarItem(95, {
      title: 'lumen.dev › blog › 3-2',
      body: 'https://lumen.dev/blog/3-2',
      state: 'idea',
    });
    const fromInbox = calendarItem(96, { title: 'Docker answer', sourceConversationId: 812 });
    core(post, link, fromInbox);
    render(CalendarView);
    const ideas = screen.getByRole('complementary', { name: 'Unscheduled ideas' });
    const item = await within(ideas).findByText('lumen.dev › blog › 3-2');
    expect(item.closest('li')).toHaveTextContent('from a link');
    expect(within(ideas).getByText('Docker answer').closest('li')).toHaveTextContent(
      'from the inbox',
    );

    // unchanged since, it is not read again as the calendar reloads or pages, nor drawn again
    const shown = calendar.unscheduled;
    await loadCalendar(true);
    expect(calendar.unscheduled).toBe(shown);
    await fireEvent.keyDown(document.body, { key: 'ArrowRight' });
    await waitFor(() => expect(api.calendarList).toHaveBeenCalledTimes(3));
    expect(api.calendarGet.mock.calls).toEqual([[95]]);
    expect(within(ideas).getByText('lumen.dev › blog › 3-2').closest('li')).toHaveTextContent(
      'from a link',
    );
  });
});
