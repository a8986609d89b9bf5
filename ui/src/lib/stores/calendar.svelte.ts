// The content calendar: the visible range's posts, unscheduled ideas, and the post editor.
// An editor closed with unsaved changes keeps them, and reopening the same post (or a new one)
// brings them back, so nothing typed is lost. The editor also follows the saved item (its
// targets' publishing, its approval) as the calendar reloads, and its review and comments.
// The views draw titles, states and times only, so the calendar is listed brief (no texts: a
// month of 2,000 posts is half the bytes); whatever needs a post's texts (the editor, a move)
// reads it whole with `calendarGet` first.
import type { CalendarComment } from '$lib/bindings/CalendarComment';
import type { CalendarImage } from '$lib/bindings/CalendarImage';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { CalendarItemInput } from '$lib/bindings/CalendarItemInput';
import type { ContentState } from '$lib/bindings/ContentState';
import type { VariantInput } from '$lib/bindings/VariantInput';
import * as ipc from '$lib/ipc';
import {
  byTime,
  isLocked,
  isOut,
  recurrenceOf,
  repeatOf,
  type RepeatChoice,
} from '$lib/calendar';
import {
  addDays,
  fromDateTimeInputs,
  shiftAnchor,
  startOfDay,
  toDateTimeInputs,
  visibleDays,
  type CalendarMode,
} from '$lib/format/dates';
import { absoluteTime } from '$lib/format/time';
import { errorMessage, isApiError } from '$lib/ipc/errors';
import { loadAccounts } from './accounts.svelte';
import { showError, showToast } from './toasts.svelte';

export const CONTENT_STATES: ContentState[] = [
  'idea',
  'draft',
  'in_review',
  'approved',
  'scheduled',
  'published',
  'partly',
  'failed',
  'missed',
];

/** While the calendar is shown it reloads this often, so publishing shows without a refresh. */
export const RELOAD_MS = 30_000;
/** Sync news comes page by page: one reload this long after the first, for all of it. */
export const SYNC_RELOAD_MS = 1000;

/** What the editor works on: a post's fields as the form holds them. */
export interface PostDraft {
  /** The post being edited, or null for a new one. */
  id: number | null;
  title: string;
  body: string;
  state: ContentState;
  date: string;
  time: string;
  /** Its targets; a channel or title left empty is kept as '' here and saved as none. */
  variants: VariantInput[];
  /** The inbox conversation the idea came from (kept through edits). */
  sourceConversationId: number | null;
  /** How often it repeats; with `custom`, the RRULE in `rule`. */
  repeat: RepeatChoice;
  rule: string;
}

// The listed posts are raw state, replaced whole on each load and never changed in place: deep
// reactivity on a month of 2,000 posts (a proxy for each, and for each target) cost more than
// drawing them.
class CalendarState {
  mode = $state<CalendarMode>('month');
  anchor = $state(startOfDay(new Date()));
  /** Posts with a date inside the visible range, by time, brief (no texts). */
  items = $state.raw<CalendarItem[]>([]);
  /** Posts with no date yet, brief but for their main text (it tells an idea from a link). */
  unscheduled = $state.raw<CalendarItem[]>([]);
  editor = $state<PostDraft | null>(null);
  /** The saved post the editor is on, whole, as the core last said (publishing, approval). */
  current = $state.raw<CalendarItem | null>(null);
  /** The current post's comments, oldest first. */
  comments = $state<CalendarComment[]>([]);
  saving = $state(false);
  /** A review or publishing step is under way. */
  acting = $state(false);
  /** Minutes after its time a late post still goes out (Settings → Calendar). */
  grace = $state<number | null>(null);
  /** The last move, said politely to a screen reader ("Moved … to Friday 14 March, 15:00"). */
  said = $state('');
}

export const calendar = new CalendarState();

// The editor's fields as saved (or, for a new post, as it started), to tell whether anything
// was changed.
let pristine = '';
// Unsaved changes of an editor that was closed, to bring back when it is reopened, with the
// state the post was in then (a post published meanwhile takes its new state).
let kept: { draft: PostDraft; savedState: ContentState | null } | null = null;

const snapshot = (draft: PostDraft) => JSON.stringify(draft);

// Each load's number: a load answered after a later one was asked (paging fast) is dropped.
let loads = 0;

export async function loadCalendar(quiet = false) {
  const days = visibleDays(calendar.anchor, calendar.mode);
  const n = ++loads;
  // the post open in the editor is read whole beside the brief list, to follow it
  const following = calendar.editor?.id ?? null;
  try {
    const [items, edited] = await Promise.all([
      ipc.calendarList({
        from: days[0].getTime(),
        to: addDays(days[days.length - 1], 1).getTime(),
        includeUnscheduled: true,
        // the month draws titles and states only; the week and the list show platforms too
        brief: calendar.mode === 'month',
      }),
      following === null ? null : ipc.calendarGet(following).catch(() => null),
    ]);
    if (n !== loads) return;
    const dated: CalendarItem[] = [];
    const undated: CalendarItem[] = [];
    for (const item of items) (item.scheduledAt === null ? undated : dated).push(item);
    calendar.items = byTime(dated);
    if (edited) settle(edited);
    const ideas = await withMainTexts(undated);
    // the same ideas as shown: the list aside is left as it is
    const same =
      ideas.length === calendar.unscheduled.length &&
      ideas.every((item, i) => item === calendar.unscheduled[i]);
    if (n === loads && !same) calendar.unscheduled = ideas;
  } catch (error) {
    // a background reload stays quiet: the next one tries again
    if (!quiet) showError(error);
  }
}

// Undated posts as last shown, by id: with the main text, read whole once and again only when
// the post changed (`updatedAt`), since the brief list leaves it out and the ideas aside say
// which came from a link by it; and as listed, so an unchanged one stays the same object and
// its chip is not drawn again.
interface ShownIdea {
  listed: string;
  updatedAt: number;
  body: string | null;
  item: CalendarItem;
}
let ideasShown = new Map<number, ShownIdea>();

async function withMainTexts(undated: CalendarItem[]): Promise<CalendarItem[]> {
  const known = (item: CalendarItem) => {
    const before = ideasShown.get(item.id);
    return before && before.updatedAt === item.updatedAt ? before.body : null;
  };
  // an idea from the inbox says so by its conversation, not its text
  const unread = undated.filter(
    (item) => item.sourceConversationId === null && known(item) === null,
  );
  const read = new Map<number, CalendarItem>();
  await Promise.all(
    unread.map(async (item) => {
      try {
        read.set(item.id, await ipc.calendarGet(item.id));
      } catch {
        // deleted meanwhile: the next load leaves it out
      }
    }),
  );
  const shown = new Map<number, ShownIdea>();
  const items = undated.map((item) => {
    const listed = JSON.stringify(item);
    const whole = read.get(item.id);
    const body = whole?.body ?? known(item);
    const before = ideasShown.get(item.id);
    if (before && before.listed === listed && before.body === body) {
      shown.set(item.id, before);
      return before.item;
    }
    const next = body === null ? item : { ...item, body };
    // read whole after a change listed since: taken, and known by its own `updatedAt`
    const updatedAt = whole?.updatedAt ?? item.updatedAt;
    shown.set(item.id, { listed, updatedAt, body, item: next });
    return next;
  });
  ideasShown = shown;
  return items;
}

/**
 * Reloads the calendar every `RELOAD_MS` while the window is visible, when it is shown again,
 * and soon after sync news (the syncer also publishes due posts), so published and failed posts
 * show without a refresh.
 * Call the returned function to stop (fits `$effect` cleanup).
 */
export function followCalendar(): () => void {
  let soon: ReturnType<typeof setTimeout> | undefined;
  const every = setInterval(() => {
    if (!document.hidden) void loadCalendar(true);
  }, RELOAD_MS);
  const unlisten = ipc.onSync(() => {
    soon ??= setTimeout(() => {
      soon = undefined;
      void loadCalendar(true);
    }, SYNC_RELOAD_MS);
  });
  // back from another window or a sleep: what went out meanwhile shows at once
  const onVisible = () => {
    if (!document.hidden) void loadCalendar(true);
  };
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    document.removeEventListener('visibilitychange', onVisible);
    clearInterval(every);
    clearTimeout(soon);
    unlisten.then((stop) => stop()).catch(() => {});
  };
}

export function setMode(mode: CalendarMode) {
  calendar.mode = mode;
  void loadCalendar();
}

/** Shows the week of `day` (a month day holds only its first few posts). */
export function showWeekOf(day: Date) {
  calendar.anchor = startOfDay(day);
  setMode('week');
}

/** Moves a page back (-1) or on (+1), or to today (0). */
export function page(step: number) {
  calendar.anchor =
    step === 0 ? startOfDay(new Date()) : shiftAnchor(calendar.anchor, calendar.mode, step);
  void loadCalendar();
}

/** The editor's fields for a saved post. */
function draftOf(item: CalendarItem): PostDraft {
  const when =
    item.scheduledAt === null ? { date: '', time: '' } : toDateTimeInputs(item.scheduledAt);
  return {
    id: item.id,
    title: item.title,
    body: item.body,
    state: item.state,
    ...when,
    variants: item.variants.map((v) => ({
      platform: v.platform,
      body: v.body,
      accountId: v.accountId,
      channel: v.channel ?? '',
      title: v.title ?? '',
      followsMain: v.followsMain && !isLocked(v),
    })),
    sourceConversationId: item.sourceConversationId,
    ...repeatOf(item.recurrence),
  };
}

function blankDraft(day?: Date): PostDraft {
  const when = day ? toDateTimeInputs(new Date(day).setHours(9, 0, 0, 0)) : { date: '', time: '' };
  return {
    id: null,
    title: '',
    body: '',
    state: day ? 'draft' : 'idea',
    ...when,
    variants: [],
    sourceConversationId: null,
    repeat: 'none',
    rule: '',
  };
}

/** Opens the editor on `draft`; `base` is what counts as unchanged. */
function open(draft: PostDraft, base: PostDraft, item: CalendarItem | null) {
  pristine = snapshot(base);
  calendar.editor = draft;
  calendar.current = item;
  calendar.comments = [];
  if (item) void loadComments(item.id);
  // the target picker offers the connected accounts
  void loadAccounts(true);
}

/** Opens the editor on a new post, optionally dated on `day` (at 09:00). */
export function newPost(day?: Date) {
  if (kept?.draft.id === null) return open(kept.draft, blankDraft(day), null);
  const draft = blankDraft(day);
  open(draft, draft, null);
}

// Each opening's number: of two chips clicked in quick succession, the last one opens.
let openings = 0;

/**
 * Opens what a chip stands for: the post itself, read whole (the listed one has no texts), also
 * for a later occurrence of a repeating post (its saved self, at its own date).
 */
export async function openItem(item: CalendarItem) {
  const n = ++openings;
  try {
    const whole = await ipc.calendarGet(item.id);
    if (n === openings) editPost(whole);
  } catch (error) {
    if (isApiError(error) && error.code === 'not_found') {
      showError(`“${item.title}” is no longer in the calendar.`);
    } else {
      showError(error);
    }
  }
}

/** Opens the editor on `item`, read whole (texts included). */
function editPost(item: CalendarItem) {
  const base = draftOf(item);
  if (kept?.draft.id === item.id) {
    const draft = kept.draft;
    if (draft.state === kept.savedState) draft.state = item.state;
    return open(draft, base, item);
  }
  open(draftOf(item), base, item);
}

/**
 * The saved post changed (a reload, a retry): the editor follows it, read whole. With no unsaved
 * changes it takes the new values; with some it keeps them, and only takes the new state if the
 * person had not picked another.
 */
function settle(item: CalendarItem) {
  const before = calendar.current;
  const draft = calendar.editor;
  if (!draft || draft.id !== item.id) return;
  calendar.current = item;
  if (before && JSON.stringify(before) === JSON.stringify(item)) return;
  if (!isDirty()) {
    const fresh = draftOf(item);
    pristine = snapshot(fresh);
    calendar.editor = fresh;
  } else if (before && draft.state === before.state) {
    draft.state = item.state;
    pristine = snapshot({ ...(JSON.parse(pristine) as PostDraft), state: item.state });
  }
}

/**
 * An idea for a post from an inbox conversation ("this answer deserves a post"): dated
 * nowhere, linked back to the conversation, with the message's words to start from. Undo
 * takes it away again.
 */
export async function ideaFromConversation(conversationId: number, title: string, text: string) {
  try {
    const item = await ipc.calendarCreate({
      title,
      body: text,
      state: 'idea',
      scheduledAt: null,
      sourceConversationId: conversationId,
      variants: [],
      recurrence: null,
    });
    showToast(`Idea saved to the calendar: ${item.title}`, {
      label: 'Undo',
      run: () =>
        void ipc
          .calendarDelete(item.id)
          .then(() => loadCalendar())
          .catch((error: unknown) => showError(error)),
    });
    await loadCalendar();
  } catch (error) {
    showError(error);
  }
}

/** An idea from a web link, titled by its site and path, holding the link. Undo takes it away. */
export async function ideaFromLink(url: string, title: string): Promise<boolean> {
  try {
    const item = await ipc.calendarCreate({
      title,
      body: url,
      state: 'idea',
      scheduledAt: null,
      sourceConversationId: null,
      variants: [],
      recurrence: null,
    });
    showToast(`Idea saved: ${item.title}`, {
      label: 'Undo',
      run: () =>
        void ipc
          .calendarDelete(item.id)
          .then(() => loadCalendar())
          .catch((error: unknown) => showError(error)),
    });
    await loadCalendar();
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

/** The main text changed: the targets that follow it take it. */
export function followMainText(draft: PostDraft) {
  for (const v of draft.variants) {
    if (v.followsMain) v.body = draft.body;
  }
}

/** Adds a target, following the main text: an account, or (`accountId` null) a plan for a
 * platform not connected yet. */
export function addTarget(
  draft: PostDraft,
  platform: VariantInput['platform'],
  accountId: number | null,
) {
  draft.variants.push({
    platform,
    accountId,
    body: draft.body,
    channel: '',
    title: '',
    followsMain: true,
  });
}

export const isDirty = () => calendar.editor !== null && snapshot(calendar.editor) !== pristine;

/** Closes the editor; unsaved changes are kept for when the same post is opened again. */
export function closeEditor() {
  if (!calendar.editor) return;
  if (isDirty()) {
    kept = {
      draft: $state.snapshot(calendar.editor),
      savedState: calendar.current?.state ?? null,
    };
    showToast('Unsaved changes kept — open the post again to carry on');
  }
  shut();
}

export function discardEditor() {
  kept = null;
  shut();
}

function shut() {
  calendar.editor = null;
  calendar.current = null;
  calendar.comments = [];
}

function toInput(draft: PostDraft): CalendarItemInput {
  return {
    title: draft.title.trim(),
    body: draft.body,
    state: draft.state,
    scheduledAt: fromDateTimeInputs(draft.date, draft.time),
    sourceConversationId: draft.sourceConversationId,
    recurrence: recurrenceOf(draft.repeat, draft.rule),
    variants: draft.variants.map((v) => ({
      ...v,
      channel: v.channel?.trim() || null,
      title: v.title?.trim() || null,
    })),
  };
}

/** Creates or updates the post; on failure the editor stays open with everything in it. */
export async function savePost() {
  const draft = calendar.editor;
  if (!draft || calendar.saving) return;
  calendar.saving = true;
  try {
    const input = toInput($state.snapshot(draft));
    if (draft.id === null) await ipc.calendarCreate(input);
    else await ipc.calendarUpdate(draft.id, input);
    kept = null;
    shut();
    showToast(draft.id === null ? 'Post created' : 'Post saved');
    await loadCalendar();
  } catch (error) {
    showError(error);
  } finally {
    calendar.saving = false;
  }
}

/** Deletes the post being edited; Undo recreates it from the same fields. */
export async function deletePost() {
  const draft = calendar.editor;
  if (!draft || draft.id === null) return;
  const input = toInput($state.snapshot(draft));
  try {
    await ipc.calendarDelete(draft.id);
    kept = null;
    shut();
    showToast('Post deleted', { label: 'Undo', run: () => void recreate(input) });
    await loadCalendar();
  } catch (error) {
    showError(error);
  }
}

async function recreate(input: CalendarItemInput) {
  try {
    await ipc.calendarCreate(input);
    await loadCalendar();
  } catch (error) {
    showError(error);
  }
}

/**
 * A review or publishing step on the post being edited. What the editor holds is saved first
 * (in the state it was saved in: the step decides the next one), so the step acts on what the
 * person sees; the editor then shows the post as the step left it.
 */
async function step(
  run: (id: number) => Promise<CalendarItem>,
  said: (item: CalendarItem) => string,
) {
  const draft = calendar.editor;
  if (!draft || calendar.acting) return;
  calendar.acting = true;
  try {
    const input = toInput($state.snapshot(draft));
    if (draft.id === null) {
      const created = await ipc.calendarCreate(input);
      draft.id = created.id;
      calendar.current = created;
      pristine = snapshot(draft);
    } else if (isDirty()) {
      const state = calendar.current?.state ?? input.state;
      await ipc.calendarUpdate(draft.id, { ...input, state });
    }
    const item = await run(draft.id);
    kept = null;
    if (calendar.editor === draft) {
      const fresh = draftOf(item);
      pristine = snapshot(fresh);
      calendar.editor = fresh;
      calendar.current = item;
    }
    showToast(said(item));
    await loadCalendar();
  } catch (error) {
    showError(error);
  } finally {
    calendar.acting = false;
  }
}

function approved(item: CalendarItem): string {
  const who = item.approvedBy ? ` by ${item.approvedBy}` : '';
  return item.state === 'scheduled' && item.scheduledAt !== null
    ? `Approved${who} — scheduled for ${absoluteTime(item.scheduledAt)}`
    : `Approved${who}`;
}

/** "Ask for review": a draft or an idea goes to review. */
export const submitPost = () => step(ipc.calendarSubmit, () => 'Sent for review');

/** Approves the post being edited, as the user. */
export const approvePost = () => step(ipc.calendarApprove, approved);

/** Publishes the post being edited now (the decision for a missed post, too). */
export const publishNow = () =>
  step(ipc.calendarPublishNow, (item) => `Publishing “${item.title}” now`);

/** States from which Approve applies (a draft can be approved without a review round). */
export const canApprove = (state: ContentState) => state === 'in_review' || state === 'draft';

/** Approves a post from the calendar itself (the `a` key on a focused post). */
export async function approveItem(item: CalendarItem) {
  try {
    showToast(approved(await ipc.calendarApprove(item.id)));
    await loadCalendar();
  } catch (error) {
    showError(error);
  }
}

/** Sends a failed target again, with its text as the editor holds it (saved first). */
export const retryTarget = (targetId: number) =>
  step(() => ipc.calendarRetryTarget(targetId), () => 'Sending it again');

/**
 * "Next free slot": the saved post is dated at the next free posting slot of its accounts; the
 * editor takes its new date, time and state and keeps any other unsaved change. Says the new
 * time, or (in words) why there is none.
 */
export async function nextSlotInEditor(): Promise<{ at: number } | { problem: string }> {
  const draft = calendar.editor;
  if (!draft || draft.id === null) return { problem: 'Save the post first.' };
  calendar.acting = true;
  try {
    const item = await ipc.calendarNextSlot(draft.id);
    if (calendar.editor === draft && item.scheduledAt !== null) {
      const when = { ...toDateTimeInputs(item.scheduledAt), state: item.state };
      Object.assign(draft, when);
      pristine = snapshot({ ...(JSON.parse(pristine) as PostDraft), ...when });
      calendar.current = item;
    }
    void loadCalendar(true);
    return { at: item.scheduledAt ?? 0 };
  } catch (error) {
    return { problem: errorMessage(error) };
  } finally {
    calendar.acting = false;
  }
}

/** The editor's post has a target on an account and nothing of it went out: it can take a slot. */
export const canTakeSlot = (item: CalendarItem | null) =>
  item !== null && !isOut(item.state) && item.variants.some((v) => v.accountId !== null);

/** What a change to the editor's images came to: the post as the core left it, or why not. */
export type ImageStep = { item: CalendarItem } | { problem: string };

/**
 * Changes the images of the saved post being edited. Images are saved at once, like comments,
 * not with Save: the editor follows the post the core returns (an approved post goes back to
 * review) and keeps any unsaved text. A refusal comes back in words, to be said beside the field.
 */
async function imageStep(run: () => Promise<CalendarItem>): Promise<ImageStep> {
  try {
    const item = await run();
    settle(item);
    void loadCalendar(true);
    return { item };
  } catch (error) {
    return { problem: errorMessage(error) };
  }
}

/** Attaches `file` to post `item`, after its images, with the alt text it needs. */
export const attachImage = (item: number, file: File, alt: string) =>
  imageStep(async () =>
    ipc.calendarAddImage(item, new Uint8Array(await file.arrayBuffer()), file.name, alt),
  );

export const setImageAlt = (image: number, alt: string) =>
  imageStep(() => ipc.calendarImageAlt(image, alt));

/** Moves an image to `position` among its post's (1 is first). */
export const moveImage = (image: number, position: number) =>
  imageStep(() => ipc.calendarMoveImage(image, position));

/**
 * Removes an image, at `position` among its post's; Undo attaches it again where it was, from its
 * bytes (`shown`: the preview's, else read from the core first).
 */
export async function removeImage(
  image: CalendarImage,
  position: number,
  shown?: Blob,
): Promise<ImageStep> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await (shown?.arrayBuffer() ?? ipc.calendarImage(image.id)));
  } catch (error) {
    return { problem: errorMessage(error) };
  }
  const done = await imageStep(() => ipc.calendarRemoveImage(image.id));
  if ('item' in done) {
    showToast(`Removed ${image.fileName}`, {
      label: 'Undo',
      run: () => void putBack(image, bytes, position),
    });
  }
  return done;
}

async function putBack(image: CalendarImage, bytes: Uint8Array, position: number) {
  try {
    let item = await ipc.calendarAddImage(image.itemId, bytes, image.fileName, image.alt);
    const added = item.images[item.images.length - 1];
    if (added && position < item.images.length) {
      item = await ipc.calendarMoveImage(added.id, position);
    }
    settle(item);
    await loadCalendar(true);
  } catch (error) {
    showError(error);
  }
}

async function loadComments(id: number) {
  try {
    const list = await ipc.calendarComments(id);
    if (calendar.current?.id === id) calendar.comments = list;
  } catch (error) {
    showError(error);
  }
}

/** Adds a comment to the post being edited; true when the core kept it. */
export async function addComment(body: string): Promise<boolean> {
  const item = calendar.current;
  if (!item || !body.trim()) return false;
  try {
    const comment = await ipc.calendarComment(item.id, body.trim());
    if (calendar.current?.id === item.id) calendar.comments.push(comment);
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

export async function loadGrace() {
  try {
    calendar.grace = await ipc.calendarGrace();
  } catch (error) {
    showError(error);
  }
}

/** Saves how late a post may still go out; true when the core agreed. */
export async function saveGrace(minutes: number): Promise<boolean> {
  try {
    calendar.grace = await ipc.calendarSetGrace(minutes);
    showToast(`Late posts go out up to ${calendar.grace} minutes after their time`);
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}
