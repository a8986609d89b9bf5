import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MergeSuggestion } from '$lib/bindings/MergeSuggestion';
import type { ReviewDecision } from '$lib/bindings/ReviewDecision';
import * as ipc from '$lib/ipc';
import { members } from '$lib/stores/members.svelte';
import { closeReview, picking, review } from '$lib/stores/review.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { memberSummary, note, profile } from '../../../test/fixtures';
import MembersView from './MembersView.svelte';
import NotesPanel from './NotesPanel.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const people = [1, 2, 3, 4, 5, 6].map((id) => memberSummary(id));

const suggestion = (a: number, b: number, score: number): MergeSuggestion => ({
  a: people[a - 1],
  b: people[b - 1],
  score,
  probability: 0.97,
  reasons: [
    { field: 'prior', weight: -9, text: 'before any evidence' },
    { field: 'email', weight: 6.2, text: `same email name 'member.${a}' at different domains` },
    { field: 'tz', weight: -1.5, text: 'different time zones' },
  ],
  skipped: false,
});

let queue: MergeSuggestion[];

const press = (key: string) => fireEvent.keyDown(document.body, { key });
const pair = () => screen.getByTestId('review-pair');

beforeEach(() => {
  vi.clearAllMocks();
  closeReview();
  Object.assign(review, { count: 0, done: [], said: '' });
  Object.assign(members, { query: '', items: [], total: 0, selectedId: null, profile: null });
  Object.assign(picking, { first: null, second: null, view: null });
  queue = [suggestion(1, 2, 9), suggestion(3, 4, 8), suggestion(5, 6, 7)];
  api.membersList.mockResolvedValue({ items: people, total: people.length });
  api.memberProfile.mockImplementation(async (id: number) => ({
    ...profile(id),
    member: people[id - 1],
  }));
  api.mergeSuggestions.mockImplementation(async () => [...queue]);
  api.mergeSuggestionCount.mockImplementation(async () => queue.length);
  api.reviewSuggestion.mockImplementation(async (a: number, b: number, decision: ReviewDecision) => {
    const at = queue.findIndex((s) => s.a.id === a && s.b.id === b);
    const [taken] = queue.splice(at, 1);
    if (decision === 'skip') queue.push({ ...taken, skipped: true });
    return {
      decision,
      a,
      b,
      mergeId: decision === 'accept' ? 77 : null,
      at: 1,
      score: taken.score,
      probability: taken.probability,
      reasons: taken.reasons,
      computedAt: 1,
      skippedAt: null,
    };
  });
});

describe('possible duplicates', () => {
  it('shows the count, opens with d, and decides with a, x and j, each undoable with u', async () => {
    render(MembersView);
    const link = await screen.findByTestId('duplicates');
    expect(link).toHaveTextContent('Possible duplicates: 3');

    await press('d');
    await waitFor(() => expect(pair()).toHaveAttribute('data-a', '1'));
    // both people side by side, with the reasons in words (the prior is not a reason)
    expect(screen.getAllByTestId('review-side')).toHaveLength(2);
    expect(screen.getByText("same email name 'member.1' at different domains")).toBeVisible();
    expect(screen.getByText('+6.2')).toBeVisible();
    expect(screen.getByText('−1.5')).toBeVisible();
    expect(screen.queryByText('before any evidence')).toBeNull();

    await press('a');
    await waitFor(() => expect(pair()).toHaveAttribute('data-a', '3'));
    expect(api.reviewSuggestion).toHaveBeenLastCalledWith(1, 2, 'accept');
    expect(screen.getByTestId('review-said')).toHaveTextContent('Merged: Member 1 and Member 2');

    await press('x');
    await waitFor(() => expect(pair()).toHaveAttribute('data-a', '5'));
    expect(api.reviewSuggestion).toHaveBeenLastCalledWith(3, 4, 'reject');

    await press('j');
    // skipped: it goes after the others, and here there are no others
    await waitFor(() => expect(api.reviewSuggestion).toHaveBeenLastCalledWith(5, 6, 'skip'));
    await waitFor(() => expect(screen.getByText('skipped before')).toBeVisible());

    // u undoes the newest decision first, and that suggestion comes back on show
    queue.unshift(suggestion(3, 4, 8));
    await press('u');
    await waitFor(() => expect(api.undoReview).toHaveBeenCalledTimes(1));
    expect(api.undoReview.mock.calls[0][0]).toMatchObject({ decision: 'skip', a: 5, b: 6 });
    await press('u');
    await waitFor(() => expect(api.undoReview).toHaveBeenCalledTimes(2));
    expect(api.undoReview.mock.calls[1][0]).toMatchObject({ decision: 'reject', a: 3, b: 4 });
    await waitFor(() => expect(pair()).toHaveAttribute('data-a', '3'));

    // Esc closes the review; j walks the member list again
    await press('Escape');
    await waitFor(() => expect(screen.queryByTestId('review-queue')).toBeNull());
  });

  it('says so when nothing is left to review', async () => {
    queue = [suggestion(1, 2, 9)];
    render(MembersView);
    await screen.findByTestId('duplicates');
    await press('d');
    await waitFor(() => expect(pair()).toBeVisible());
    queue.length = 0;
    await press('a');
    await waitFor(() => expect(screen.getByTestId('review-empty')).toBeVisible());
  });
});

describe('manual merge', () => {
  it('merges the second member picked with m into the first, after asking', async () => {
    api.membersMerge.mockResolvedValue(5);
    api.membersExplain.mockResolvedValue(suggestion(1, 2, 9));
    render(MembersView);
    await waitFor(() => expect(screen.getAllByTestId('member-row')).toHaveLength(6));

    await press('j');
    await waitFor(() => expect(members.selectedId).toBe(1));
    await press('m');
    expect(screen.getByTestId('merge-picking')).toHaveTextContent('Merging Member 1');
    await press('j');
    await waitFor(() => expect(members.selectedId).toBe(2));
    await press('m');

    const dialog = await screen.findByTestId('merge-confirm');
    expect(dialog).toHaveTextContent('Merge Member 2 into Member 1?');
    // Hearth's view of the pair, whether or not it suggested them
    expect(api.membersExplain).toHaveBeenCalledWith(1, 2);
    expect(await screen.findByTestId('merge-view')).toHaveTextContent(
      "Hearth’s view: 97% likely one person",
    );
    expect(screen.getByTestId('merge-view')).toHaveTextContent(
      "same email name 'member.1' at different domains",
    );
    expect(api.membersMerge).not.toHaveBeenCalled();
    await press('Enter');
    await waitFor(() => expect(api.membersMerge).toHaveBeenCalledWith(1, 2));
    expect(screen.queryByTestId('merge-confirm')).toBeNull();
  });

  it('Esc lets go of the member picked', async () => {
    render(MembersView);
    await waitFor(() => expect(screen.getAllByTestId('member-row')).toHaveLength(6));
    await press('j');
    await waitFor(() => expect(members.selectedId).toBe(1));
    await press('m');
    expect(screen.getByTestId('merge-picking')).toBeVisible();
    await press('Escape');
    expect(screen.queryByTestId('merge-picking')).toBeNull();
  });
});

describe('notes in Markdown', () => {
  it('shows the formatting the core rendered, and links open in the browser', async () => {
    const written = {
      ...note(1, '# Talk'),
      html: '<h1>Talk</h1><ul><li>ask about <strong>slides</strong></li></ul><p><a href="https://example.org/s">slides</a> &lt;script&gt;x&lt;/script&gt;</p>',
    };
    render(NotesPanel, { memberId: 7, notes: [written] });
    const body = screen.getByTestId('note');
    expect(body.querySelector('h1')).toHaveTextContent('Talk');
    expect(body.querySelector('strong')).toHaveTextContent('slides');
    // HTML typed in the note is text, not an element
    expect(body.querySelector('script')).toBeNull();
    expect(body).toHaveTextContent('<script>x</script>');

    api.openExternal.mockResolvedValue(null);
    await fireEvent.click(screen.getByRole('link', { name: 'slides' }));
    expect(api.openExternal).toHaveBeenCalledWith('https://example.org/s');
  });
});

describe('members out', () => {
  it('exports every member to the file chosen and says how many', async () => {
    api.pickSaveFile.mockResolvedValue('/home/me/members.csv');
    api.membersExport.mockResolvedValue(1234);
    render(MembersView);
    await fireEvent.click(await screen.findByTestId('export-members'));
    await waitFor(() => expect(api.membersExport).toHaveBeenCalledWith('/home/me/members.csv'));
    await waitFor(() =>
      expect(toasts.map((t) => t.message)).toContain(
        'Exported 1,234 members to /home/me/members.csv',
      ),
    );
  });

  it('does nothing when the file chooser is cancelled', async () => {
    api.pickSaveFile.mockResolvedValue(null);
    render(MembersView);
    await fireEvent.click(await screen.findByTestId('export-members'));
    await waitFor(() => expect(api.pickSaveFile).toHaveBeenCalled());
    expect(api.membersExport).not.toHaveBeenCalled();
  });
});
