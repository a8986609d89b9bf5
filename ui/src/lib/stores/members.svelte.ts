// The member directory and the profile being looked at.
import type { MemberProfile } from '$lib/bindings/MemberProfile';
import type { MemberSort } from '$lib/bindings/MemberSort';
import type { MemberSummary } from '$lib/bindings/MemberSummary';
import type { Note } from '$lib/bindings/Note';
import type { Platform } from '$lib/bindings/Platform';
import * as ipc from '$lib/ipc';
import { isApiError } from '$lib/ipc/errors';
import { closeOrganization } from './organizations.svelte';
import { showError, showToast } from './toasts.svelte';

const PAGE_SIZE = 50;
const DEBOUNCE_MS = 250;

export const members = $state({
  query: '',
  items: [] as MemberSummary[],
  total: 0,
  loading: false,
  selectedId: null as number | null,
  profile: null as MemberProfile | null,
  /** Only this saved segment's members (the sidebar chooses it). */
  segmentId: null as number | null,
  sort: 'last_active' as MemberSort,
  /** Only members with an account on this platform, or at this organisation. */
  platform: null as Platform | null,
  organizationId: null as number | null,
});

let timer: ReturnType<typeof setTimeout> | undefined;
let listRequest = 0;
let profileRequest = 0;

/** Sets the search words and reloads the list once typing pauses. */
export function setMemberQuery(query: string) {
  members.query = query;
  clearTimeout(timer);
  timer = setTimeout(() => void loadMembers(), DEBOUNCE_MS);
}

export async function loadMembers(more = false) {
  const request = ++listRequest;
  const offset = more ? members.items.length : 0;
  members.loading = true;
  try {
    const page = await ipc.membersList({
      q: members.query.trim() || null,
      platform: members.platform,
      organizationId: members.organizationId,
      limit: PAGE_SIZE,
      offset,
      sort: members.sort,
      ...(members.segmentId === null ? {} : { segmentId: members.segmentId }),
    });
    if (request !== listRequest) return;
    members.items = more ? [...members.items, ...page.items] : page.items;
    members.total = page.total;
  } catch (error) {
    showError(error);
  } finally {
    if (request === listRequest) members.loading = false;
  }
}

/** Reloads the directory after a sync brought news, if it is showing or has been shown. */
export function refreshMembers(showing: boolean) {
  if (!showing && members.items.length === 0 && !members.query) return Promise.resolve();
  return loadMembers();
}

export async function selectMember(id: number) {
  closeOrganization();
  members.selectedId = id;
  const request = ++profileRequest;
  try {
    const profile = await ipc.memberProfile(id);
    if (request === profileRequest) members.profile = profile;
  } catch (error) {
    if (request !== profileRequest) return;
    if (isApiError(error) && error.code === 'not_found') {
      members.selectedId = null;
      showToast('That member is no longer in Hearth; they may have been merged into another.');
    } else {
      showError(error);
    }
  }
}

/** Moves the selection by `delta` rows and opens that profile, loading more at the bottom. */
export async function moveMemberSelection(delta: number) {
  const index = members.items.findIndex((member) => member.id === members.selectedId);
  let target = index === -1 ? 0 : index + delta;
  const hasMore = members.items.length < members.total;
  if (target >= members.items.length && hasMore && !members.loading) await loadMembers(true);
  target = Math.max(0, Math.min(target, members.items.length - 1));
  const member = members.items[target];
  if (member && member.id !== members.selectedId) await selectMember(member.id);
}

/** Keeps the open profile's note list in step with what the note editors saved. */
export function upsertNote(note: Note) {
  const profile = members.profile;
  if (!profile || profile.member.id !== note.memberId) return;
  const index = profile.notes.findIndex((n) => n.id === note.id);
  if (index === -1) profile.notes.unshift(note);
  else profile.notes[index] = note;
}

/** Deletes a note; the toast's Undo writes it back (as a new note with the same text). */
export async function deleteNote(note: Note) {
  try {
    await ipc.noteDelete(note.id);
    const profile = members.profile;
    if (profile) profile.notes = profile.notes.filter((n) => n.id !== note.id);
    showToast('Note deleted', { label: 'Undo', run: () => void restoreNote(note) });
  } catch (error) {
    showError(error);
  }
}

async function restoreNote(note: Note) {
  try {
    upsertNote(await ipc.noteAdd(note.memberId, note.body));
  } catch (error) {
    showError(error);
  }
}

/** Shares a note with the team, or takes it back. */
export async function shareNote(note: Note, shared: boolean) {
  try {
    upsertNote(await ipc.noteShare(note.id, shared));
    showToast(
      shared
        ? 'Shared with the team: teammates see it after the next sync'
        : 'Private again: teammates’ copies go at their next sync',
    );
  } catch (error) {
    showError(error);
  }
}

/** Reads the open profile again after an edit (tags, fields, organisation). */
export async function reloadProfile(id: number) {
  if (members.selectedId !== id) return;
  const request = ++profileRequest;
  const profile = await ipc.memberProfile(id);
  if (request === profileRequest && members.selectedId === id) members.profile = profile;
}

/** After a person was forgotten: nothing of theirs stays on screen. */
export function dropMember(id: number) {
  members.items = members.items.filter((m) => m.id !== id);
  members.total = Math.max(0, members.total - 1);
  if (members.selectedId === id) {
    members.selectedId = null;
    members.profile = null;
  }
}
