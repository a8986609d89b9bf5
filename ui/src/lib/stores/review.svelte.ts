// Possible duplicates and their review: one suggestion at a time, the two profiles side by side,
// each decision undoable (`u`) in the reverse order it was made. Also the manual merge of any two
// members picked in the list (`m`, then `m` on the second).
import type { MemberProfile } from '$lib/bindings/MemberProfile';
import type { MemberSummary } from '$lib/bindings/MemberSummary';
import type { MergeSuggestion } from '$lib/bindings/MergeSuggestion';
import type { ReviewDecision } from '$lib/bindings/ReviewDecision';
import type { ReviewStep } from '$lib/bindings/ReviewStep';
import * as ipc from '$lib/ipc';
import { loadMembers, members, selectMember } from './members.svelte';
import { showError, showToast } from './toasts.svelte';

/** Suggestions fetched at once; the queue fetches again as it empties. */
const BATCH = 30;

export const review = $state({
  open: false,
  loading: false,
  busy: false,
  /** How many wait for a look (Members → "Possible duplicates"). */
  count: 0,
  items: [] as MergeSuggestion[],
  /** The open suggestion's two profiles, by member id. */
  sides: {} as Record<number, MemberProfile>,
  /** Decisions made in this review, newest last, for `u`. */
  done: [] as ReviewStep[],
  /** What the last decision was, said in words for the status line and screen readers. */
  said: '',
});

export const current = () => review.items[0] ?? null;

export async function refreshDuplicateCount() {
  try {
    review.count = await ipc.mergeSuggestionCount();
  } catch (error) {
    showError(error);
  }
}

async function loadQueue(front?: { a: number; b: number }) {
  review.loading = true;
  try {
    const items = await ipc.mergeSuggestions(BATCH);
    if (front) {
      // an undone decision comes back to the front, where it was being looked at
      const at = items.findIndex((s) => pairOf(s, front.a, front.b));
      if (at > 0) items.unshift(...items.splice(at, 1));
    }
    review.items = items;
    review.count = await ipc.mergeSuggestionCount();
    await loadSides();
  } catch (error) {
    showError(error);
  } finally {
    review.loading = false;
  }
}

const pairOf = (s: MergeSuggestion, a: number, b: number) =>
  (s.a.id === a && s.b.id === b) || (s.a.id === b && s.b.id === a);

/** Loads the profiles of the suggestion on show (identities, emails, places: the evidence). */
async function loadSides() {
  const open = current();
  if (!open) return;
  const [a, b] = await Promise.all([ipc.memberProfile(open.a.id), ipc.memberProfile(open.b.id)]);
  if (current() === open) review.sides = { [a.member.id]: a, [b.member.id]: b };
}

export async function openReview() {
  review.open = true;
  review.done = [];
  review.said = '';
  await loadQueue();
}

export function closeReview() {
  review.open = false;
  review.items = [];
  review.sides = {};
}

const DONE_WORDS: Record<ReviewDecision, string> = {
  accept: 'Merged',
  reject: 'Kept apart',
  skip: 'Skipped',
};

// Decisions and undos run one after the other, in the order the keys were pressed: a quick
// `a x` accepts the suggestion on show, then rejects the next one.
let queued: Promise<void> = Promise.resolve();
const inTurn = (work: () => Promise<void>) => (queued = queued.then(work, work));

/** Accepts, rejects or skips the suggestion on show. */
export const decide = (decision: ReviewDecision) => inTurn(() => decideNow(decision));

async function decideNow(decision: ReviewDecision) {
  const open = current();
  if (!open) return;
  review.busy = true;
  try {
    const step = await ipc.reviewSuggestion(open.a.id, open.b.id, decision);
    review.done.push(step);
    review.said = `${DONE_WORDS[decision]}: ${open.a.displayName} and ${open.b.displayName}`;
    review.items.shift();
    if (decision === 'skip') review.items.push({ ...open, skipped: true });
    else review.count = Math.max(0, review.count - 1);
    if (review.items.length < 3 && decision !== 'skip') await loadQueue();
    else await loadSides();
    if (decision === 'accept') void loadMembers();
  } catch (error) {
    showError(error);
    await loadQueue();
  } finally {
    review.busy = false;
  }
}

/** Undoes the last decision of this review; its suggestion is back on show. */
export const undoLast = () => inTurn(undoNow);

async function undoNow() {
  const step = review.done.at(-1);
  if (!step) return;
  review.busy = true;
  try {
    await ipc.undoReview(step);
    review.done.pop();
    review.said = 'Undone: the suggestion is back';
    await loadQueue({ a: step.a, b: step.b });
    if (step.decision === 'accept') void loadMembers();
  } catch (error) {
    showError(error);
  } finally {
    review.busy = false;
  }
}

/** The member picked for a manual merge, waiting for the second, and Hearth's view of the pair. */
export const picking = $state({
  first: null as MemberSummary | null,
  second: null as MemberSummary | null,
  view: null as MergeSuggestion | null,
});

/** `m` in the list: picks the selected member, or asks to merge the two picked. */
export function pickForMerge() {
  const selected = members.items.find((m) => m.id === members.selectedId);
  if (!selected) return;
  if (!picking.first || picking.first.id === selected.id) {
    picking.first = selected;
    showToast(`Merging ${selected.displayName}: choose who they are, then press m`);
    return;
  }
  picking.second = selected;
  picking.view = null;
  const [a, b] = [picking.first.id, selected.id];
  ipc
    .membersExplain(a, b)
    .then((view) => {
      if (picking.first?.id === a && picking.second?.id === b) picking.view = view;
    })
    .catch(showError);
}

export function cancelMerge() {
  picking.first = null;
  picking.second = null;
  picking.view = null;
}

/** Merges the second member picked into the first; the toast can undo it. */
export async function confirmMerge() {
  const { first, second } = picking;
  if (!first || !second) return;
  cancelMerge();
  try {
    const mergeId = await ipc.membersMerge(first.id, second.id);
    await loadMembers();
    await selectMember(first.id);
    void refreshDuplicateCount();
    showToast(`Merged ${second.displayName} into ${first.displayName}`, {
      label: 'Undo',
      run: () => void unmerge(first.id, mergeId, second.displayName),
    });
  } catch (error) {
    showError(error);
  }
}

/** Undoes one merge of a member's history; both members are listed again. */
export async function unmerge(memberId: number, mergeId: number, name: string) {
  try {
    const back = await ipc.memberUnmerge(memberId, mergeId);
    await loadMembers();
    await selectMember(memberId);
    void refreshDuplicateCount();
    showToast(`Undone: ${name} is their own member again`, {
      label: 'Show them',
      run: () => void selectMember(back),
    });
  } catch (error) {
    showError(error);
  }
}
