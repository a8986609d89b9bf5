// Moving posts on the calendar without opening them: dragged to another day, Alt+arrows on a
// focused post, or `s` for the next free posting slot. Each is saved at once; a refusal from the
// core shows as a toast, and every move is said politely for screen readers.
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import { canMove, inputOf, onDay, shiftDays, whyNotMoved } from '$lib/calendar';
import { dayKey, startOfDay, visibleDays } from '$lib/format/dates';
import * as ipc from '$lib/ipc';
import { calendar, loadCalendar } from './calendar.svelte';
import { showError, showToast } from './toasts.svelte';

/** "Friday 14 March, 15:00": where a move put a post, as it is said. */
const spoken = (at: number) =>
  new Date(at).toLocaleString(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
  });

/** Says `words` in the calendar's live region (emptied first, so the same words are said again). */
function say(words: string) {
  calendar.said = '';
  queueMicrotask(() => (calendar.said = words));
}

/** The range shown takes in `at` (a keyboard move past its edge follows the post). */
function follow(at: number) {
  const days = visibleDays(calendar.anchor, calendar.mode);
  if (!days.some((day) => dayKey(day) === dayKey(at))) calendar.anchor = startOfDay(new Date(at));
}

/**
 * Saves `item` at `at`, nothing else changed; true when the core agreed. A post that cannot move
 * (it went out, or it is a later occurrence) is not sent, and why is said.
 */
export async function movePost(item: CalendarItem, at: number, keepInSight = false) {
  if (!canMove(item)) {
    showToast(whyNotMoved(item));
    return false;
  }
  if (item.scheduledAt === at) return false;
  try {
    // the listed post has no texts: the save is built from the post read whole
    const whole = await ipc.calendarGet(item.id);
    if (!canMove(whole)) {
      showToast(whyNotMoved(whole));
      return false;
    }
    const moved = await ipc.calendarUpdate(item.id, { ...inputOf(whole), scheduledAt: at });
    if (keepInSight) follow(moved.scheduledAt ?? at);
    say(`Moved “${moved.title}” to ${spoken(moved.scheduledAt ?? at)}`);
    await loadCalendar();
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

/** Alt+←/→ (a day) and Alt+↑/↓ (a week) on a focused post: the days each key moves it. */
export const MOVE_KEYS: Record<string, number> = {
  ArrowLeft: -1,
  ArrowRight: 1,
  ArrowUp: -7,
  ArrowDown: 7,
};

/** Moves a dated post by whole days, at the same time of day. */
export function moveBy(item: CalendarItem, days: number) {
  if (item.scheduledAt === null) {
    showToast(`“${item.title}” has no date yet: drag it to a day, or press s for a free slot.`);
    return Promise.resolve(false);
  }
  return movePost(item, shiftDays(item.scheduledAt, days), true);
}

// The post being dragged (kept here: a drop on a day needs no data from the drag itself).
let dragged: CalendarItem | null = null;

export function startDrag(item: CalendarItem) {
  dragged = item;
}

export function endDrag() {
  dragged = null;
}

/** A drag of a post is under way (a day then takes the drop). */
export const dragging = () => dragged !== null;

/** The dragged post dropped on `day`: it moves there, at its own time of day. */
export function dropOn(day: Date) {
  const item = dragged;
  dragged = null;
  if (!item) return Promise.resolve(false);
  return movePost(item, onDay(day, item.scheduledAt));
}

/** `s` on a focused post: the next free posting slot of its accounts. */
export async function toNextSlot(item: CalendarItem) {
  try {
    const dated = await ipc.calendarNextSlot(item.id);
    const when = dated.scheduledAt === null ? '' : `: ${spoken(dated.scheduledAt)}`;
    showToast(`“${dated.title}” is in the next free slot${when}`);
    await loadCalendar();
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

/** Focus back on a post's chip after it moved (its chip is a new one, on its new day). */
export function focusChip(id: number) {
  const chip = `[data-testid="calendar-item"][data-id="${id}"]:not([data-occurrence])`;
  document.querySelector<HTMLElement>(chip)?.focus();
}
