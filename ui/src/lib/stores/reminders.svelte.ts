// Follow-up reminders on members. Due ones lead the inbox's open queue, above the conversations,
// and take the same keys: j/k move, e marks done, s snoozes. A profile lists its member's
// reminders and adds new ones ("ask about her talk", due "friday").
import type { Reminder } from '$lib/bindings/Reminder';
import * as ipc from '$lib/ipc';
import { dayAndTime } from '$lib/format/time';
import { inbox, select } from './inbox.svelte';
import { showError, showToast } from './toasts.svelte';

export const reminders = $state({
  /** Due now, soonest first (from the inbox's first page). */
  due: [] as Reminder[],
  /** The due reminder the keys act on; null when the conversations have them. */
  focusedId: null as number | null,
  /** The reminder whose snooze menu is open. */
  snoozingId: null as number | null,
});

/** Takes the due reminders the inbox's first page brought. */
export function setDue(list: Reminder[] | undefined) {
  reminders.due = list ?? [];
  if (!reminders.due.some((r) => r.id === reminders.focusedId)) reminders.focusedId = null;
}

export function focusReminder(id: number | null) {
  reminders.focusedId = id;
}

function removeDue(id: number) {
  const index = reminders.due.findIndex((r) => r.id === id);
  if (index === -1) return;
  reminders.due.splice(index, 1);
  if (reminders.focusedId === id) {
    const next = reminders.due[index] ?? reminders.due[index - 1] ?? null;
    reminders.focusedId = next?.id ?? null;
  }
  if (inbox.counts) inbox.counts.reminders = Math.max(0, inbox.counts.reminders - 1);
}

/** Marks a reminder done; it leaves the inbox at once, and comes back if the core refuses. */
export async function completeReminder(id: number) {
  const before = [...reminders.due];
  removeDue(id);
  try {
    const done = await ipc.reminderDone(id);
    showToast(`Done: ${done.body}`, { label: 'Undo', run: () => void reopenReminder(done.id) });
    return done;
  } catch (error) {
    reminders.due = before;
    showError(error);
    return null;
  }
}

export async function snoozeReminder(id: number, until: number) {
  const before = [...reminders.due];
  removeDue(id);
  try {
    const r = await ipc.reminderSnooze(id, until);
    showToast(`Reminder snoozed until ${dayAndTime(until)}`);
    return r;
  } catch (error) {
    reminders.due = before;
    showError(error);
    return null;
  }
}

async function reopenReminder(id: number) {
  try {
    const r = await ipc.reminderReopen(id);
    if (r.due && !reminders.due.some((d) => d.id === r.id)) reminders.due.unshift(r);
  } catch (error) {
    showError(error);
  }
}

/**
 * The inbox's keys while a reminder is focused (and `k` at the top of the conversations, which
 * steps up into the reminders). Returns true when it handled the key.
 */
export function reminderKey(key: string): boolean {
  const due = reminders.due;
  if (inbox.view !== 'open' || due.length === 0) return false;
  const index = due.findIndex((r) => r.id === reminders.focusedId);
  if (index === -1) {
    // from the first conversation (or none), k goes up into the reminders
    const first = inbox.items[0]?.id ?? null;
    if (key === 'k' && (inbox.selectedId === null || inbox.selectedId === first)) {
      reminders.focusedId = due[due.length - 1].id;
      return true;
    }
    return false;
  }
  switch (key) {
    case 'j':
      if (index + 1 < due.length) reminders.focusedId = due[index + 1].id;
      else {
        reminders.focusedId = null;
        if (inbox.selectedId === null && inbox.items.length > 0) void select(inbox.items[0].id);
      }
      return true;
    case 'k':
      reminders.focusedId = due[Math.max(0, index - 1)].id;
      return true;
    case 'e':
      void completeReminder(due[index].id);
      return true;
    case 's':
      reminders.snoozingId = due[index].id;
      return true;
    case 'Escape':
      reminders.focusedId = null;
      return true;
    default:
      return false;
  }
}
