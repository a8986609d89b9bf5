// Saved segments (filters over members) with their counts, for the sidebar; choosing one shows
// its members, sorted by engagement, in the directory.
import type { Segment } from '$lib/bindings/Segment';
import type { SegmentFilter } from '$lib/bindings/SegmentFilter';
import * as ipc from '$lib/ipc';
import { loadMembers, members } from './members.svelte';
import { go } from './nav.svelte';
import { showError, showToast } from './toasts.svelte';

export const segments = $state({
  list: [] as Segment[],
  loaded: false,
});

/** Loads the segments and their counts (each count is one query in the core). */
export async function loadSegments() {
  try {
    segments.list = await ipc.segmentsList();
    segments.loaded = true;
  } catch (error) {
    showError(error);
  }
}

/** Counts again after a sync (engagement moved), quietly; only once the sidebar showed them. */
export async function refreshSegments() {
  if (!segments.loaded) return;
  try {
    segments.list = await ipc.segmentsList();
  } catch {
    // a background refresh stays quiet; the next sync tries again
  }
}

/** The segment the directory is showing, if any. */
export function currentSegment(): Segment | null {
  return segments.list.find((s) => s.id === members.segmentId) ?? null;
}

/** Shows a segment's members (or everyone with `null`) in the directory. */
export function showSegment(id: number | null) {
  members.segmentId = id;
  if (id !== null && members.sort === 'last_active') members.sort = 'score';
  go('members');
  return loadMembers();
}

/** Saves a new segment and shows its members; false (with the core's reason shown) if refused. */
export async function saveSegment(name: string, filter: SegmentFilter): Promise<boolean> {
  try {
    const saved = await ipc.segmentAdd(name, filter);
    segments.list = [...segments.list, saved];
    segments.loaded = true;
    await showSegment(saved.id);
    showToast(`Saved “${saved.name}”: ${saved.count.toLocaleString()} members`);
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

export async function removeSegment(id: number) {
  try {
    await ipc.segmentRemove(id);
    segments.list = segments.list.filter((s) => s.id !== id);
    if (members.segmentId === id) await showSegment(null);
    showToast('Segment removed; its members stay.');
  } catch (error) {
    showError(error);
  }
}
