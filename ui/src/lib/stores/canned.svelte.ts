// Canned replies: loaded once for the reply box's picker and Settings, kept in step as they
// are saved or deleted. The text for a conversation is filled in by the core.
import type { CannedReply } from '$lib/bindings/CannedReply';
import * as ipc from '$lib/ipc';
import { rules } from './rules.svelte';
import { showError, showToast } from './toasts.svelte';

export const canned = $state({
  list: [] as CannedReply[],
  loaded: false,
  myName: null as string | null,
  /** Hours within which a member's message should be answered. */
  replyTarget: 24,
});

export async function loadCanned() {
  try {
    const [list, me, target] = await Promise.all([
      ipc.cannedList(),
      ipc.myName(),
      ipc.replyTarget(),
    ]);
    canned.list = list;
    canned.myName = me;
    canned.replyTarget = target;
    canned.loaded = true;
  } catch (error) {
    showError(error);
  }
}

/** Saves a reply (a new one, or the one of that name rewritten); true when the core agreed. */
export async function saveCanned(name: string, body: string): Promise<boolean> {
  try {
    const saved = await ipc.cannedSave(name, body);
    canned.list = [...canned.list.filter((c) => c.id !== saved.id), saved].sort((a, b) =>
      a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
    );
    showToast(`Canned reply “${saved.name}” saved`);
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

/** Deletes a reply; the toast's Undo saves it again. */
export async function removeCanned(id: number) {
  try {
    const gone = await ipc.cannedRemove(id);
    canned.list = canned.list.filter((c) => c.id !== id);
    showToast(`Canned reply “${gone.name}” deleted`, {
      label: 'Undo',
      run: () => void saveCanned(gone.name, gone.body),
    });
  } catch (error) {
    showError(error);
  }
}

export async function saveMyName(name: string) {
  try {
    canned.myName = await ipc.setMyName(name);
    // your name joins the team list, marked as you
    rules.team = await ipc.teamList();
    showToast('Your name is saved');
  } catch (error) {
    showError(error);
  }
}

/** Sets the reply-time target; true when the core agreed. */
export async function saveReplyTarget(hours: number): Promise<boolean> {
  try {
    canned.replyTarget = await ipc.setReplyTarget(hours);
    showToast(`Replies are due within ${hours} h`);
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}
