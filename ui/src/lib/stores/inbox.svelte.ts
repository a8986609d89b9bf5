// The inbox queue: the current tab's conversations, the selection and its thread, and triage.
// Status changes are applied to the list at once (so `e e e` walks down the queue) and put back
// if the core refuses them.
import type { ConversationDetail } from '$lib/bindings/ConversationDetail';
import type { InboxCounts } from '$lib/bindings/InboxCounts';
import type { InboxItem } from '$lib/bindings/InboxItem';
import type { Status } from '$lib/bindings/Status';
import type { TriageAction } from '$lib/bindings/TriageAction';
import type { TriageState } from '$lib/bindings/TriageState';
import * as ipc from '$lib/ipc';
import { isApiError } from '$lib/ipc/errors';
import { dayAndTime } from '$lib/format/time';
import { priorityLabel } from '$lib/priority';
import { setDue } from './reminders.svelte';
import { showError, showToast } from './toasts.svelte';

const PAGE_SIZE = 50;

/** The menus the inbox opens about the selected conversation (s, t, a and p). */
export type InboxMenu = 'snooze' | 'tag' | 'assign' | 'priority';

export const QUICK_TAGS = ['question', 'bug', 'feature request', 'praise', 'spam'];

export const inbox = $state({
  tab: 'open' as Status,
  items: [] as InboxItem[],
  total: 0,
  counts: null as InboxCounts | null,
  loading: false,
  selectedId: null as number | null,
  detail: null as ConversationDetail | null,
  /** The last status change `u` reverts: the conversation and everything triage had set on
   * it before (status, snooze time, assignee, priority, tags), put back exactly. */
  undo: null as { id: number; state: TriageState } | null,
  /** Every tag in use, for the tag picker. */
  tags: [] as string[],
});

// Each detail request gets a number; only the latest one's answer is shown.
let detailRequest = 0;

/** The selected conversation as the list or the thread knows it. */
export function selectedItem(): InboxItem | null {
  if (inbox.detail?.conversation.id === inbox.selectedId) return inbox.detail.conversation;
  return inbox.items.find((item) => item.id === inbox.selectedId) ?? null;
}

async function refreshCounts() {
  try {
    inbox.counts = await ipc.inboxCounts();
  } catch (error) {
    showError(error);
  }
}

/** Shows another tab, selecting its first conversation. */
export function switchTab(tab: Status) {
  inbox.selectedId = null;
  return loadInbox(tab);
}

/**
 * Loads the first page of a tab and refreshes the thread. The selection stays unless it was a
 * row that has since left the list; a conversation opened from elsewhere (search, a profile)
 * stays shown.
 */
export async function loadInbox(tab: Status = inbox.tab) {
  inbox.tab = tab;
  inbox.loading = true;
  void refreshCounts();
  try {
    const page = await ipc.inboxList(query(0));
    if (inbox.tab !== tab) return; // another tab was chosen meanwhile
    const isListed = (items: InboxItem[]) => items.some((item) => item.id === inbox.selectedId);
    const leftList = isListed(inbox.items) && !isListed(page.items);
    inbox.items = page.items;
    inbox.total = page.total;
    setDue(page.reminders);
    const keep = inbox.selectedId !== null && !leftList;
    await select(keep ? inbox.selectedId : (page.items[0]?.id ?? null));
  } catch (error) {
    showError(error);
  } finally {
    inbox.loading = false;
  }
}

export async function loadMore() {
  if (inbox.loading || inbox.items.length >= inbox.total) return;
  inbox.loading = true;
  try {
    const page = await ipc.inboxList(query(inbox.items.length));
    const known = new Set(inbox.items.map((item) => item.id));
    inbox.items.push(...page.items.filter((item) => !known.has(item.id)));
    inbox.total = page.total;
  } catch (error) {
    showError(error);
  } finally {
    inbox.loading = false;
  }
}

function query(offset: number, limit = PAGE_SIZE) {
  return { status: inbox.tab, platform: null, tag: null, limit, offset };
}

/**
 * Reloads what is shown after a sync brought news: the rows already loaded (however many pages),
 * the counts and the open thread, quietly and without moving the selection. Does nothing before
 * the inbox has been shown once.
 */
export async function refreshInbox() {
  if (inbox.counts === null || inbox.loading) return;
  const tab = inbox.tab;
  try {
    const [page, counts] = await Promise.all([
      ipc.inboxList(query(0, Math.max(PAGE_SIZE, inbox.items.length))),
      ipc.inboxCounts(),
    ]);
    inbox.counts = counts;
    if (inbox.tab !== tab || inbox.loading) return;
    inbox.items = page.items;
    inbox.total = page.total;
    setDue(page.reminders);
    const id = inbox.selectedId;
    if (id === null) {
      if (page.items.length > 0) await select(page.items[0].id);
      return;
    }
    const request = ++detailRequest;
    const detail = await ipc.conversationShow(id);
    if (request === detailRequest && inbox.selectedId === id) inbox.detail = detail;
  } catch {
    // A background refresh stays quiet; the next sync event, or any action, tries again.
  }
}

/** Shows a conversation's thread; it need not be in the current list (search opens any). */
export async function select(id: number | null) {
  inbox.selectedId = id;
  const request = ++detailRequest;
  if (id === null) {
    inbox.detail = null;
    return;
  }
  try {
    const detail = await ipc.conversationShow(id);
    if (request === detailRequest) inbox.detail = detail;
  } catch (error) {
    if (request !== detailRequest) return;
    if (isApiError(error) && error.code === 'not_found') {
      // Gone since the list was loaded (deleted on the platform, or merged): drop the row and
      // move on to the next one.
      const index = inbox.items.findIndex((item) => item.id === id);
      if (index !== -1) {
        inbox.items.splice(index, 1);
        inbox.total -= 1;
      }
      inbox.detail = null;
      showToast('That conversation is no longer in Hearth.');
      const next = index === -1 ? null : (inbox.items[index] ?? inbox.items[index - 1]);
      void select(next?.id ?? null);
    } else {
      showError(error);
    }
  }
}

/** Moves the selection by `delta` rows, loading the next page at the bottom. */
export async function moveSelection(delta: number) {
  const index = inbox.items.findIndex((item) => item.id === inbox.selectedId);
  let target = index === -1 ? 0 : index + delta;
  if (target >= inbox.items.length && inbox.items.length < inbox.total) await loadMore();
  target = Math.max(0, Math.min(target, inbox.items.length - 1));
  const item = inbox.items[target];
  if (item && item.id !== inbox.selectedId) await select(item.id);
}

/** What triage had set on a conversation, to put back. */
function stateOf(item: InboxItem): TriageState {
  return {
    status: item.status,
    snoozedUntil: item.snoozedUntil,
    assignee: item.assignee,
    priority: item.priority,
    tags: [...item.tags],
  };
}

/**
 * Changes the selected conversation's status. It leaves the list at once and the selection moves
 * to the next row; if the core refuses, it comes back. `u` puts back exactly what it was.
 */
async function changeStatus(action: TriageAction, confirmation: string) {
  const item = selectedItem();
  if (!item) return;
  const before = stateOf(item);
  const index = inbox.items.findIndex((row) => row.id === item.id);
  if (index !== -1) {
    inbox.items.splice(index, 1);
    inbox.total -= 1;
    const next = inbox.items[index] ?? inbox.items[index - 1] ?? null;
    void select(next?.id ?? null);
  }
  try {
    const updated = await ipc.triage(item.id, action);
    if (inbox.detail?.conversation.id === updated.id) inbox.detail.conversation = updated;
    inbox.undo = { id: updated.id, state: before };
    showToast(confirmation, { label: 'Undo', run: () => void undoLast() });
  } catch (error) {
    if (index !== -1) {
      inbox.items.splice(Math.min(index, inbox.items.length), 0, item);
      inbox.total += 1;
      void select(item.id);
    }
    showError(error);
  }
  void refreshCounts();
}

export function markDone() {
  if (selectedItem()?.status === 'done') return Promise.resolve();
  return changeStatus({ action: 'done' }, 'Marked done — u to undo');
}

/** Answered: the conversation waits on the member and comes back when they write. */
export function markWaiting() {
  if (selectedItem()?.status === 'waiting') return Promise.resolve();
  return changeStatus({ action: 'waiting' }, 'Waiting on the member — u to undo');
}

export function snooze(until: number) {
  return changeStatus({ action: 'snooze', until }, `Snoozed until ${dayAndTime(until)} — u to undo`);
}

export function reopen() {
  if (selectedItem()?.status === 'open') return Promise.resolve();
  return changeStatus({ action: 'open' }, 'Reopened — u to undo');
}

/** Reverts the last status change, putting back everything it had (a snooze keeps its time),
 * and selects that conversation again. */
export async function undoLast() {
  const undo = inbox.undo;
  if (undo === null) return;
  inbox.undo = null;
  try {
    const back = await ipc.triage(undo.id, { action: 'restore', state: undo.state });
    inbox.selectedId = back.id; // kept by the reload, which also refreshes its thread
    await loadInbox();
    showToast(
      back.status === 'snoozed' && back.snoozedUntil !== null
        ? `Snoozed again until ${dayAndTime(back.snoozedUntil)}`
        : `Back to ${back.status}`,
    );
  } catch (error) {
    showError(error);
  }
}

/** Adds the tag to the selected conversation, or removes it if it is already there. */
export async function toggleTag(tag: string) {
  const item = selectedItem();
  const name = tag.trim().toLowerCase();
  if (!item || !name) return;
  const action: TriageAction = item.tags.includes(name)
    ? { action: 'untag', tag: name }
    : { action: 'tag', tag: name };
  try {
    replaceItem(await ipc.triage(item.id, action));
    if (!inbox.tags.includes(name)) inbox.tags = [...inbox.tags, name].sort();
  } catch (error) {
    showError(error);
  }
}

export async function loadTags() {
  try {
    inbox.tags = await ipc.tagsList();
  } catch (error) {
    showError(error);
  }
}

/** Everyone the loaded conversations are assigned to, for the assign picker's suggestions. */
export function knownAssignees(): string[] {
  const names = new Map<string, string>(); // lower-cased → as first written
  const assigned = [...inbox.items, inbox.detail?.conversation].map((item) => item?.assignee);
  for (const name of assigned) {
    if (name && !names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
  }
  return [...names.values()].sort((a, b) => a.localeCompare(b));
}

/** Assigns the selected conversation to someone, or to nobody with `null`. */
export async function assign(assignee: string | null) {
  const item = selectedItem();
  const name = assignee?.trim() || null;
  if (!item || name === item.assignee) return;
  const { id, assignee: previous } = item;
  const set = (to: string | null, from: string | null) =>
    amend(id, { action: 'assign', assignee: to }, { assignee: to }, { assignee: from });
  if (await set(name, previous)) {
    showToast(name ? `Assigned to ${name}` : 'Unassigned', {
      label: 'Undo',
      run: () => void set(previous, name),
    });
  }
}

/** Sets the selected conversation's priority (0 none … 4 urgent). */
export async function setPriority(priority: number) {
  const item = selectedItem();
  if (!item || item.priority === priority) return;
  const { id, priority: previous } = item;
  const set = (to: number, from: number) =>
    amend(id, { action: 'priority', priority: to }, { priority: to }, { priority: from });
  if (await set(priority, previous)) {
    showToast(priority === 0 ? 'Priority cleared' : `Priority set to ${priorityLabel(priority)}`, {
      label: 'Undo',
      run: () => void set(previous, priority),
    });
  }
}

/**
 * Shows a change to a conversation at once, where it is (it stays in the list), then takes the
 * core's version; if the core refuses, `previous` is put back. True when the core agreed.
 */
async function amend(
  id: number,
  action: TriageAction,
  change: Partial<InboxItem>,
  previous: Partial<InboxItem>,
) {
  patchItem(id, change);
  try {
    replaceItem(await ipc.triage(id, action));
    return true;
  } catch (error) {
    patchItem(id, previous);
    showError(error);
    return false;
  }
}

function patchItem(id: number, change: Partial<InboxItem>) {
  const row = inbox.items.find((item) => item.id === id);
  if (row) Object.assign(row, change);
  if (inbox.detail?.conversation.id === id) Object.assign(inbox.detail.conversation, change);
}

/** Puts a changed conversation back where it is shown, without moving it. */
function replaceItem(updated: InboxItem) {
  const index = inbox.items.findIndex((row) => row.id === updated.id);
  if (index !== -1) inbox.items[index] = updated;
  if (inbox.detail?.conversation.id === updated.id) inbox.detail.conversation = updated;
}
