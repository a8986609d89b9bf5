// The inbox queue: the current view's conversations (narrowed by platform and tag), every view
// with its count, the selection and its thread, and triage.
// Status changes are applied to the list at once (so `e e e` walks down the queue) and put back
// if the core refuses them.
import type { ConversationDetail } from '$lib/bindings/ConversationDetail';
import type { InboxCounts } from '$lib/bindings/InboxCounts';
import type { InboxItem } from '$lib/bindings/InboxItem';
import type { InboxPage } from '$lib/bindings/InboxPage';
import type { Platform } from '$lib/bindings/Platform';
import type { Status } from '$lib/bindings/Status';
import type { View } from '$lib/bindings/View';
import type { TriageAction } from '$lib/bindings/TriageAction';
import type { TriageEach } from '$lib/bindings/TriageEach';
import type { TriageState } from '$lib/bindings/TriageState';
import * as ipc from '$lib/ipc';
import { isApiError } from '$lib/ipc/errors';
import { dayAndTime } from '$lib/format/time';
import { priorityLabel } from '$lib/priority';
import { announce, newItemsSentence } from './announce.svelte';
import { setDue } from './reminders.svelte';
import { firstScreenShown, isFirstScreenShown } from './firstScreen';
import { takeWrittenViews } from '$lib/ipc/written';
import { dismissGroup, showError, showToast } from './toasts.svelte';

const PAGE_SIZE = 50;

/** The menus the inbox opens about the selected conversation (s, t, a and p). */
export type InboxMenu = 'snooze' | 'tag' | 'assign' | 'priority';

export const QUICK_TAGS = ['question', 'bug', 'feature request', 'praise', 'spam'];

/**
 * The inbox as the UI shows it. A class, so that `items` can be raw state: rows are replaced,
 * never changed in place, and the list (thousands of rows once scrolled far) is not wrapped in
 * a reactive proxy row by row; reading it as `j` is held stays as cheap as reading an array.
 */
class InboxState {
  /** The view shown: a built-in view's key (`open`, `needs-reply`, …) or `saved-ID`. */
  view = $state('open');
  /** Every view with its count, built in first, for the sidebar and `g` + letter. */
  views = $state<View[]>([]);
  /** What narrows the view: one platform, one tag (null: all). */
  platform = $state<Platform | null>(null);
  tag = $state<string | null>(null);
  /** The rows loaded so far. Replace the array (and a changed row) to change it. */
  items = $state.raw<InboxItem[]>([]);
  total = $state(0);
  counts = $state<InboxCounts | null>(null);
  loading = $state(false);
  selectedId = $state<number | null>(null);
  detail = $state<ConversationDetail | null>(null);
  /** While the thread of a single move loads (a few ms), the thread shown before stays, inert,
   * rather than a blank "Loading…" between them: two repaints of the whole pane instead of one,
   * which a software-rendered window feels on every j. */
  bridging = $state(false);
  /** The last status change `u` reverts: each conversation it changed with everything triage
   * had set on it before (status, snooze time, assignee, priority, tags), put back exactly. */
  undo = $state<TriageEach[] | null>(null);
  /** Conversations picked with x (and Shift+J/K) for a bulk action, in the order picked; while
   * any are, e, w, s, o, t, a and p act on all of them instead of the selected one. */
  picked = $state<number[]>([]);
  /** Whether the member pane shows beside the thread (`i` toggles it); at first only when the
   * window is wide enough to keep most of its width for the thread. */
  memberPane = $state(typeof window === 'undefined' || window.innerWidth >= 1200);
  /** Whether the window was wide (≥ 1200 px) when the pane last followed it. */
  paneFollowedWide = typeof window === 'undefined' || window.innerWidth >= 1200;
  /** Every tag in use, for the tag picker. */
  tags = $state<string[]>([]);
}

export const inbox = new InboxState();

// Each detail request gets a number; only the latest one's answer is shown.
let detailRequest = 0;

/** When the selection last moved by key, to tell a run of presses from a single one (a list
 * just loaded starts afresh). */
let lastMove = -Infinity;
/** Every selection counts one, so a page that arrives can tell whether a row was chosen since
 * it was asked for. */
let picks = 0;

/** The selected conversation as the list or the thread knows it. */
export function selectedItem(): InboxItem | null {
  if (inbox.detail?.conversation.id === inbox.selectedId) return inbox.detail.conversation;
  return inbox.items.find((item) => item.id === inbox.selectedId) ?? null;
}

/** The view shown, as the core last counted it. */
export function currentView(): View | null {
  return inbox.views.find((v) => v.key === inbox.view) ?? null;
}

/** The status the view shows (null: every status, as Feedback does). */
export function viewStatus(): Status | null {
  const view = currentView();
  if (view?.filter.anyStatus) return null;
  return view?.filter.status ?? (inbox.view in STATUS_VIEWS ? STATUS_VIEWS[inbox.view] : 'open');
}

/** The built-in view of each status. */
const STATUS_VIEWS: Record<string, Status> = {
  open: 'open',
  waiting: 'waiting',
  snoozed: 'snoozed',
  done: 'done',
};

/** The view `g` + `letter` opens, if any. */
export function viewByLetter(letter: string): View | null {
  return inbox.views.find((v) => v.letter === letter.toLowerCase()) ?? null;
}

export async function loadViews() {
  try {
    const [views, counts] = await Promise.all([ipc.viewsList(), ipc.inboxCounts()]);
    inbox.views = views;
    inbox.counts = counts;
  } catch (error) {
    showError(error);
  }
}

const refreshCounts = loadViews;

/** Shows another view (keeping the platform and tag narrowing), selecting its first row. */
export function switchView(view: string) {
  inbox.selectedId = null;
  inbox.picked = [];
  return loadInbox(view);
}

/** Narrows the view to one platform and one tag (null: all). */
export function narrow(platform: Platform | null, tag: string | null) {
  inbox.platform = platform;
  inbox.tag = tag;
  inbox.selectedId = null;
  inbox.picked = [];
  return loadInbox();
}

/**
 * Whether the early first page has come (or failed). The app shows the inbox once it has: the
 * window's first frame then holds the rows, where a frame of the empty shell before them cost a
 * whole frame's layout and paint (about 0.1 s without a GPU) before the rows could show.
 */
export const firstPage = $state({ settled: false });

/** The first page asked for before the app knew it would show the inbox (see `prefetchInbox`). */
let early: { key: string; at: number; page: Promise<InboxPage> } | null = null;
/** How long an early first page stays good to show. */
const EARLY_MS = 2000;

/**
 * Asks for the inbox's first page at once, beside the workspace's status: the first screen
 * then does not wait for one answer before asking the next. `loadInbox` takes it if it asks for
 * the same page soon after; otherwise it is dropped.
 */
export function prefetchInbox() {
  const asked = query(0);
  const page = ipc.inboxList(asked);
  const settle = () => (firstPage.settled = true);
  page.then(settle, settle); // a failure is loadInbox's to show, if it takes this page
  early = { key: JSON.stringify(asked), at: Date.now(), page };
}

/** The views and counts the core wrote into the page, if it did: the sidebar and the view's
 * header are complete in the first frame, and nothing moves when they are asked for again. */
export function adoptWrittenViews() {
  const written = takeWrittenViews();
  if (!written) return;
  inbox.views = written.views;
  inbox.counts = written.counts;
}

/** Drops the early first page: the workspace is empty (the welcome screen shows, and the demo
 * or an import will fill it), or the status could not be read. */
export function forgetPrefetch() {
  early = null;
}

function earlyFirstPage(): Promise<InboxPage> {
  const asked = query(0);
  const taken = early;
  early = null;
  if (taken && taken.key === JSON.stringify(asked) && Date.now() - taken.at < EARLY_MS)
    return taken.page;
  return ipc.inboxList(asked);
}

/**
 * Loads the first page of a view and refreshes the thread. The selection stays unless it was a
 * row that has since left the list; a conversation opened from elsewhere (search, a profile)
 * stays shown.
 */
export async function loadInbox(view: string = inbox.view) {
  inbox.view = view;
  lastMove = -Infinity;
  inbox.loading = true;
  const asked = { view, platform: inbox.platform, tag: inbox.tag };
  const picked = picks;
  try {
    const page = await earlyFirstPage();
    // another view or narrowing was chosen meanwhile
    if (inbox.view !== asked.view || inbox.platform !== asked.platform || inbox.tag !== asked.tag)
      return;
    const isListed = (items: InboxItem[]) => items.some((item) => item.id === inbox.selectedId);
    const leftList = isListed(inbox.items) && !isListed(page.items);
    inbox.items = page.items;
    inbox.total = page.total;
    setDue(page.reminders);
    // a row the person chose while the page was on its way stays chosen, listed or not
    if (picks !== picked && inbox.selectedId !== null) return;
    const keep = inbox.selectedId !== null && !leftList;
    await select(keep ? inbox.selectedId : (page.items[0]?.id ?? null));
  } catch (error) {
    showError(error);
  } finally {
    inbox.loading = false;
    // the counts after the rows: every command waits its turn for the database, and the rows
    // are what the person is waiting for (the first time, the sidebar asks for them then)
    if (isFirstScreenShown()) void refreshCounts();
    else firstScreenShown();
  }
}

export async function loadMore() {
  if (inbox.loading || inbox.items.length >= inbox.total) return;
  inbox.loading = true;
  try {
    const page = await ipc.inboxList(query(inbox.items.length));
    const known = new Set(inbox.items.map((item) => item.id));
    inbox.items = inbox.items.concat(page.items.filter((item) => !known.has(item.id)));
    inbox.total = page.total;
  } catch (error) {
    showError(error);
  } finally {
    inbox.loading = false;
  }
}

function query(offset: number, limit = PAGE_SIZE) {
  return {
    view: inbox.view,
    status: null,
    platform: inbox.platform,
    tag: inbox.tag,
    limit,
    offset,
  };
}

/**
 * Reloads what is shown after a sync brought news: the rows already loaded (however many pages),
 * the counts and the open thread, quietly and without moving the selection. Does nothing before
 * the inbox has been shown once.
 */
export async function refreshInbox() {
  if (inbox.counts === null || inbox.loading) return;
  const view = inbox.view;
  try {
    const [page, views, counts] = await Promise.all([
      ipc.inboxList(query(0, Math.max(PAGE_SIZE, inbox.items.length))),
      ipc.viewsList(),
      ipc.inboxCounts(),
    ]);
    inbox.views = views;
    inbox.counts = counts;
    if (inbox.view !== view || inbox.loading) return;
    // what the sync brought into the list, said to a screen reader (the eye sees the rows)
    const held = new Set(inbox.items.map((item) => item.id));
    const sentence = newItemsSentence(
      currentView()?.name ?? 'the inbox',
      page.items.filter((item) => !held.has(item.id)),
    );
    if (sentence) announce(sentence);
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
    if (request === detailRequest && inbox.selectedId === id) showDetail(detail);
  } catch {
    // A background refresh stays quiet; the next sync event, or any action, tries again.
  }
}

/**
 * How long the thread waits, while j or k are pressed in quick succession (or held), for them to
 * stop before it loads: the rows keep up with the keys, and only the thread stopped on is read.
 */
const SETTLE_MS = 120;
let settleTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Shows a conversation's thread; it need not be in the current list (search opens any). With
 * `settle`, the row is selected now and its thread loads once the selection has stayed put for
 * SETTLE_MS.
 */
export async function select(id: number | null, { settle = false } = {}) {
  picks++;
  inbox.selectedId = id;
  const request = ++detailRequest;
  clearTimeout(settleTimer);
  inbox.bridging = id !== null && !settle;
  if (id === null) {
    inbox.detail = null;
    return;
  }
  if (settle) {
    settleTimer = setTimeout(() => void showThread(id, request), SETTLE_MS);
    return;
  }
  await showThread(id, request);
}

/** Shows the thread of the selected conversation, ending any bridge from the one before. */
function showDetail(detail: ConversationDetail) {
  inbox.detail = detail;
  inbox.bridging = false;
}

async function showThread(id: number, request: number) {
  if (request !== detailRequest) return;
  try {
    const detail = await ipc.conversationShow(id);
    if (request === detailRequest) showDetail(detail);
  } catch (error) {
    if (request !== detailRequest) return;
    inbox.bridging = false;
    if (isApiError(error) && error.code === 'not_found') {
      // Gone since the list was loaded (deleted on the platform, or merged): drop the row and
      // move on to the next one.
      const index = inbox.items.findIndex((item) => item.id === id);
      if (index !== -1) {
        inbox.items = inbox.items.filter((_, at) => at !== index);
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

/**
 * Opens a conversation from elsewhere (a search hit, a link): the view of its status is shown,
 * not narrowed, with it selected in the list (put at the top when it is further down than the
 * first page).
 */
export async function openConversation(id: number) {
  try {
    const detail = await ipc.conversationShow(id);
    inbox.picked = [];
    inbox.selectedId = id;
    inbox.platform = null;
    inbox.tag = null;
    await loadInbox(detail.conversation.status);
    if (!inbox.items.some((item) => item.id === id)) {
      inbox.items = [detail.conversation, ...inbox.items];
      await select(id);
    }
  } catch (error) {
    showError(error);
  }
}

/**
 * Moves the selection by `delta` rows, loading the next page at the bottom. A move soon after the
 * previous one (a key held, or pressed in quick succession: `held` says the key repeats) lets the
 * thread settle before it loads.
 */
export async function moveSelection(delta: number, held = false) {
  const now = performance.now();
  const settle = held || now - lastMove < SETTLE_MS;
  lastMove = now;
  const index = selectedIndex();
  let target = index === -1 ? 0 : index + delta;
  if (target >= inbox.items.length && inbox.items.length < inbox.total) await loadMore();
  // the next page comes in while the selection is still a screenful away from the end
  else if (target >= inbox.items.length - PREFETCH && inbox.items.length < inbox.total)
    void loadMore();
  target = Math.max(0, Math.min(target, inbox.items.length - 1));
  const item = inbox.items[target];
  if (item && item.id !== inbox.selectedId) {
    indexHint = target;
    await select(item.id, { settle });
  }
}

/** How close to the end of the rows loaded the selection (or the scroll) may come before the
 * next page loads. */
export const PREFETCH = 20;

/** Where the selected row was last found: j/k look there first, not through every row loaded
 * (ten thousand, after a long run down the list). */
let indexHint = 0;

/** The selected row's place in the rows loaded (-1: not among them). */
export function selectedIndex(): number {
  const id = inbox.selectedId;
  if (id === null) return -1;
  if (inbox.items[indexHint]?.id === id) return indexHint;
  indexHint = inbox.items.findIndex((item) => item.id === id);
  return indexHint;
}

/** The group of the status changes' Undo toasts: only the last one can be undone. */
const UNDO_TOAST = 'inbox-undo';

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

/** Restore actions that put `items` back as they are now. */
function restoring(items: InboxItem[]): TriageEach[] {
  return items.map((item) => ({ id: item.id, action: { action: 'restore', state: stateOf(item) } }));
}

/** The picked conversations, in list order. */
function pickedItems(): InboxItem[] {
  return inbox.items.filter((item) => inbox.picked.includes(item.id));
}

/** Picks the selected conversation for a bulk action, or unpicks it. */
export function togglePick() {
  const id = inbox.selectedId;
  if (id === null || !inbox.items.some((item) => item.id === id)) return;
  inbox.picked = inbox.picked.includes(id)
    ? inbox.picked.filter((p) => p !== id)
    : [...inbox.picked, id];
}

/** Picks the selected conversation and the next (or previous) one, moving to it. */
export async function extendPick(delta: number) {
  const from = inbox.selectedId;
  if (from !== null && !inbox.picked.includes(from)) inbox.picked = [...inbox.picked, from];
  await moveSelection(delta);
  const to = inbox.selectedId;
  if (to !== null && !inbox.picked.includes(to)) inbox.picked = [...inbox.picked, to];
}

export function clearPicks() {
  inbox.picked = [];
}

/**
 * Changes the status of the picked conversations, or else of the selected one. They leave the
 * list at once and the selection moves to the next row; if the core refuses, they come back.
 * `u` puts back exactly what they were.
 */
async function changeStatus(action: TriageAction, done: (n: number) => string) {
  const picked = pickedItems();
  const items = picked.length > 0 ? picked : [selectedItem()].filter((i) => i !== null);
  if (items.length === 0) return;
  // a view of every status (Feedback) keeps them, changed where they are
  const ids = new Set(viewStatus() === null ? [] : items.map((item) => item.id));
  const before = restoring(items);
  const kept = [...inbox.items];
  const index = inbox.items.findIndex((row) => ids.has(row.id));
  const left = inbox.items.filter((row) => ids.has(row.id)).length;
  inbox.items = inbox.items.filter((row) => !ids.has(row.id));
  inbox.total -= left;
  inbox.picked = [];
  if (index !== -1 && ids.has(inbox.selectedId ?? -1)) {
    const next = inbox.items[index] ?? inbox.items[index - 1] ?? null;
    void select(next?.id ?? null);
  }
  try {
    const each = items.map((item) => ({ id: item.id, action }));
    const updated =
      each.length === 1 ? [await ipc.triage(each[0].id, action)] : await ipc.triageEach(each);
    for (const item of updated) replaceItem(item);
    inbox.undo = before;
    showToast(
      `${done(items.length)} — u to undo`,
      { label: 'Undo', run: () => void undoLast() },
      UNDO_TOAST,
    );
  } catch (error) {
    inbox.items = kept;
    inbox.total += left;
    if (picked.length > 0) inbox.picked = picked.map((item) => item.id);
    else void select(items[0].id);
    showError(error);
  }
  void refreshCounts();
}

const many = (n: number, one: string, more: string) => (n === 1 ? one : `${n} ${more}`);

export function markDone() {
  if (inbox.picked.length === 0 && selectedItem()?.status === 'done') return Promise.resolve();
  return changeStatus({ action: 'done' }, (n) =>
    many(n, 'Marked done', 'conversations marked done'),
  );
}

/** Answered: the conversation waits on the member and comes back when they write. */
export function markWaiting() {
  if (inbox.picked.length === 0 && selectedItem()?.status === 'waiting') return Promise.resolve();
  return changeStatus({ action: 'waiting' }, (n) =>
    many(n, 'Waiting on the member', 'conversations waiting on their members'),
  );
}

export function snooze(until: number) {
  return changeStatus({ action: 'snooze', until }, (n) =>
    many(n, `Snoozed until ${dayAndTime(until)}`, `conversations snoozed until ${dayAndTime(until)}`),
  );
}

export function reopen() {
  if (inbox.picked.length === 0 && selectedItem()?.status === 'open') return Promise.resolve();
  return changeStatus({ action: 'open' }, (n) => many(n, 'Reopened', 'conversations reopened'));
}

/** Reverts the last status change, putting back everything it had (a snooze keeps its time),
 * and selects that conversation (the first of a bulk change) again. */
export async function undoLast() {
  const undo = inbox.undo;
  if (undo === null || undo.length === 0) return;
  inbox.undo = null;
  dismissGroup(UNDO_TOAST); // spent, whether by u or by its button
  try {
    const back =
      undo.length === 1
        ? [await ipc.triage(undo[0].id, undo[0].action)]
        : await ipc.triageEach(undo);
    inbox.selectedId = back[0].id; // kept by the reload, which also refreshes its thread
    await loadInbox();
    const first = back[0];
    showToast(
      back.length > 1
        ? `${back.length} conversations put back as they were`
        : first.status === 'snoozed' && first.snoozedUntil !== null
          ? `Snoozed again until ${dayAndTime(first.snoozedUntil)}`
          : `Back to ${first.status}`,
    );
  } catch (error) {
    showError(error);
  }
}

/**
 * Applies one action to every picked conversation (they stay in the list, picked), with an
 * Undo that puts each back as it was. True when there were picks to act on.
 */
async function amendPicked(action: TriageAction, done: string): Promise<boolean> {
  const items = pickedItems();
  if (items.length === 0) return false;
  const before = restoring(items);
  try {
    for (const item of await ipc.triageEach(items.map((i) => ({ id: i.id, action })))) {
      replaceItem(item);
    }
    showToast(`${done} on ${items.length} conversations`, {
      label: 'Undo',
      run: () =>
        void ipc
          .triageEach(before)
          .then((back) => back.forEach(replaceItem))
          .catch(showError),
    });
  } catch (error) {
    showError(error);
  }
  return true;
}

/** Adds the tag to the selected conversation, or removes it if it is already there. */
export async function toggleTag(tag: string) {
  const item = selectedItem();
  const name = tag.trim().toLowerCase();
  if (!name) return;
  const picked = pickedItems();
  if (picked.length > 0) {
    // all picked have it: it comes off them all; otherwise it goes on them all
    const off = picked.every((p) => p.tags.includes(name));
    await amendPicked(
      off ? { action: 'untag', tag: name } : { action: 'tag', tag: name },
      off ? `Tag ${name} removed` : `Tagged ${name}`,
    );
    if (!inbox.tags.includes(name)) inbox.tags = [...inbox.tags, name].sort();
    return;
  }
  if (!item) return;
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
  if (await amendPicked({ action: 'assign', assignee: name }, name ? `Assigned to ${name}` : 'Unassigned'))
    return;
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
  if (
    await amendPicked(
      { action: 'priority', priority },
      priority === 0 ? 'Priority cleared' : `Priority set to ${priorityLabel(priority)}`,
    )
  )
    return;
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

/** `rows` with the row at `index` replaced by `row`. */
function replacedAt(rows: InboxItem[], index: number, row: InboxItem): InboxItem[] {
  const copy = rows.slice();
  copy[index] = row;
  return copy;
}

function patchItem(id: number, change: Partial<InboxItem>) {
  const index = inbox.items.findIndex((item) => item.id === id);
  if (index !== -1) {
    inbox.items = replacedAt(inbox.items, index, { ...inbox.items[index], ...change });
  }
  if (inbox.detail?.conversation.id === id) Object.assign(inbox.detail.conversation, change);
}

/** Puts a changed conversation back where it is shown, without moving it. */
function replaceItem(updated: InboxItem) {
  const index = inbox.items.findIndex((row) => row.id === updated.id);
  if (index !== -1) inbox.items = replacedAt(inbox.items, index, updated);
  if (inbox.detail?.conversation.id === updated.id) inbox.detail.conversation = updated;
}
