// Posting slots (Settings → Calendar): the times of the week each account posts at, which "Next
// free slot" fills. Each is kept in the user's time zone by the core.
import type { PostingSlot } from '$lib/bindings/PostingSlot';
import * as ipc from '$lib/ipc';
import { errorMessage } from '$lib/ipc/errors';
import { showError, showToast } from './toasts.svelte';

export const slots = $state({
  items: [] as PostingSlot[],
  loaded: false,
  /** Why loading them failed, in words. */
  problem: null as string | null,
});

/** Weekday names, Monday (0) first, as slots count them. */
export const WEEKDAYS = Array.from({ length: 7 }, (_, i) =>
  new Date(2024, 0, 1 + i).toLocaleDateString(undefined, { weekday: 'long' }),
);

const byTime = (a: PostingSlot, b: PostingSlot) => a.weekday - b.weekday || a.minute - b.minute;

export async function loadSlots() {
  try {
    slots.items = (await ipc.calendarSlots()).sort(byTime);
    slots.loaded = true;
    slots.problem = null;
  } catch (error) {
    slots.problem = errorMessage(error);
  }
}

/** Adds a slot; resolves to the core's refusal in words, or null when it was added. */
export async function addSlot(accountId: number, weekday: number, minute: number) {
  try {
    const slot = await ipc.calendarAddSlot(accountId, weekday, minute);
    slots.items = [...slots.items.filter((s) => s.id !== slot.id), slot].sort(byTime);
    showToast(`${slot.accountName} posts on ${slot.label}`);
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}

/** Removes a slot (Undo adds it back); resolves to the refusal in words, or null. */
export async function removeSlot(slot: PostingSlot): Promise<string | null> {
  try {
    await ipc.calendarRemoveSlot(slot.id);
    slots.items = slots.items.filter((s) => s.id !== slot.id);
    showToast(`${slot.label} removed from ${slot.accountName}`, {
      label: 'Undo',
      run: () =>
        void addSlot(slot.accountId, slot.weekday, slot.minute).then((p) => p && showError(p)),
    });
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}
