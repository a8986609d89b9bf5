// The content calendar: the visible range's posts, unscheduled ideas, and the post editor.
// An editor closed with unsaved changes keeps them, and reopening the same post (or a new one)
// brings them back, so nothing typed is lost.
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { CalendarItemInput } from '$lib/bindings/CalendarItemInput';
import type { ContentState } from '$lib/bindings/ContentState';
import type { VariantInput } from '$lib/bindings/VariantInput';
import * as ipc from '$lib/ipc';
import {
  addDays,
  fromDateTimeInputs,
  shiftAnchor,
  startOfDay,
  toDateTimeInputs,
  visibleDays,
  type CalendarMode,
} from '$lib/format/dates';
import { showError, showToast } from './toasts.svelte';

export const CONTENT_STATES: ContentState[] = ['idea', 'draft', 'scheduled', 'published', 'failed'];

/** What the editor works on: a post's fields as the form holds them. */
export interface PostDraft {
  /** The post being edited, or null for a new one. */
  id: number | null;
  title: string;
  body: string;
  state: ContentState;
  date: string;
  time: string;
  variants: VariantInput[];
  /** The inbox conversation the idea came from (kept through edits). */
  sourceConversationId: number | null;
  /** Platforms whose version follows the main text: added and not edited since (on opening a
   * post, those whose text is the main text). */
  following: VariantInput['platform'][];
}

export const calendar = $state({
  mode: 'month' as CalendarMode,
  anchor: startOfDay(new Date()),
  /** Posts with a date inside the visible range. */
  items: [] as CalendarItem[],
  /** Posts with no date yet. */
  unscheduled: [] as CalendarItem[],
  editor: null as PostDraft | null,
  saving: false,
});

// The editor's fields when it opened, to tell whether anything was changed.
let pristine = '';
// Unsaved changes of an editor that was closed, to bring back when it is reopened.
let kept: PostDraft | null = null;

const snapshot = (draft: PostDraft) => JSON.stringify(draft);

export async function loadCalendar() {
  const days = visibleDays(calendar.anchor, calendar.mode);
  try {
    const items = await ipc.calendarList({
      from: days[0].getTime(),
      to: addDays(days[days.length - 1], 1).getTime(),
      includeUnscheduled: true,
    });
    calendar.items = items.filter((item) => item.scheduledAt !== null);
    calendar.unscheduled = items.filter((item) => item.scheduledAt === null);
  } catch (error) {
    showError(error);
  }
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

function open(draft: PostDraft) {
  pristine = snapshot(draft);
  calendar.editor = draft;
}

/** Opens the editor on a new post, optionally dated on `day` (at 09:00). */
export function newPost(day?: Date) {
  if (kept?.id === null) return open(kept);
  const when = day ? toDateTimeInputs(new Date(day).setHours(9, 0, 0, 0)) : { date: '', time: '' };
  open({
    id: null,
    title: '',
    body: '',
    state: day ? 'draft' : 'idea',
    ...when,
    variants: [],
    following: [],
    sourceConversationId: null,
  });
}

export function editPost(item: CalendarItem) {
  if (kept?.id === item.id) return open(kept);
  const when =
    item.scheduledAt === null ? { date: '', time: '' } : toDateTimeInputs(item.scheduledAt);
  open({
    id: item.id,
    title: item.title,
    body: item.body,
    state: item.state,
    ...when,
    variants: item.variants.map(({ platform, body }) => ({ platform, body })),
    following: item.variants.filter((v) => v.body === item.body).map((v) => v.platform),
    sourceConversationId: item.sourceConversationId,
  });
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
    });
    showToast(`Idea saved to the calendar: ${item.title}`, {
      label: 'Undo',
      run: () =>
        void ipc
          .calendarDelete(item.id)
          .then(loadCalendar)
          .catch((error: unknown) => showError(error)),
    });
    await loadCalendar();
  } catch (error) {
    showError(error);
  }
}

/** The main text changed: the versions that follow it take it. */
export function followMainText(draft: PostDraft) {
  for (const v of draft.variants) {
    if (draft.following.includes(v.platform)) v.body = draft.body;
  }
}

/** Adds a platform's version, following the main text. */
export function addVariant(draft: PostDraft, platform: VariantInput['platform']) {
  draft.variants.push({ platform, body: draft.body });
  draft.following.push(platform);
}

/** A version edited by hand no longer follows the main text. */
export function stopFollowing(draft: PostDraft, platform: VariantInput['platform']) {
  draft.following = draft.following.filter((p) => p !== platform);
}

export const isDirty = () => calendar.editor !== null && snapshot(calendar.editor) !== pristine;

/** Closes the editor; unsaved changes are kept for when the same post is opened again. */
export function closeEditor() {
  if (!calendar.editor) return;
  if (isDirty()) {
    kept = $state.snapshot(calendar.editor);
    showToast('Unsaved changes kept — open the post again to carry on');
  }
  calendar.editor = null;
}

export function discardEditor() {
  kept = null;
  calendar.editor = null;
}

function toInput(draft: PostDraft): CalendarItemInput {
  return {
    title: draft.title.trim(),
    body: draft.body,
    state: draft.state,
    scheduledAt: fromDateTimeInputs(draft.date, draft.time),
    sourceConversationId: draft.sourceConversationId,
    variants: draft.variants,
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
    calendar.editor = null;
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
    calendar.editor = null;
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
