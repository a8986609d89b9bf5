import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { members } from '$lib/stores/members.svelte';
import { nav } from '$lib/stores/nav.svelte';
import { segments } from '$lib/stores/segments.svelte';
import { memberSummary, segment } from '../../../test/fixtures';
import SegmentNav from './SegmentNav.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(members, { items: [], total: 0, segmentId: null, sort: 'last_active' });
  nav.view = 'inbox';
  // the stores outlive each render, as in the app; start every test afresh
  Object.assign(segments, { list: [], loaded: false });
  api.membersList.mockResolvedValue({ items: [memberSummary(1)], total: 1 });
});

describe('segments in the sidebar', () => {
  it('lists each saved segment with how many members it holds', async () => {
    api.segmentsList.mockResolvedValue([
      segment(1, { name: 'Going quiet', count: 3 }),
      segment(2, { name: 'New and active', count: 1204 }),
    ]);
    render(SegmentNav);
    const links = await screen.findAllByTestId('segment-link');
    expect(links).toHaveLength(2);
    expect(links[0]).toHaveTextContent('Going quiet');
    expect(links[0]).toHaveTextContent('3');
    expect(links[1]).toHaveTextContent((1204).toLocaleString());
  });

  it('choosing one shows its members in the directory, most engaged first', async () => {
    api.segmentsList.mockResolvedValue([segment(4, { name: 'Berlin', count: 1 })]);
    render(SegmentNav);
    await fireEvent.click(await screen.findByTestId('segment-link'));
    expect(nav.view).toBe('members');
    await waitFor(() =>
      expect(api.membersList).toHaveBeenCalledWith(
        expect.objectContaining({ segmentId: 4, sort: 'score' }),
      ),
    );
    expect(screen.getByTestId('segment-link')).toHaveAttribute('aria-current', 'page');
  });

  it('shows nothing when no segment is saved', async () => {
    api.segmentsList.mockResolvedValue([]);
    render(SegmentNav);
    await waitFor(() => expect(api.segmentsList).toHaveBeenCalled());
    expect(screen.queryByTestId('segment-nav')).not.toBeInTheDocument();
  });
});

describe('saving a segment', () => {
  it('sends the conditions filled in, lists the new segment and shows its members', async () => {
    const { default: MemberListBar } = await import('./MemberListBar.svelte');
    api.segmentsList.mockResolvedValue([]);
    api.segmentAdd.mockImplementation(async (name, filter) =>
      segment(9, { name, filter, count: 2 }),
    );
    render(SegmentNav);
    render(MemberListBar);
    await fireEvent.click(screen.getByTestId('new-segment'));
    const form = await screen.findByTestId('segment-form');
    expect(form).toBeInTheDocument();
    await fireEvent.input(screen.getByTestId('segment-name'), {
      target: { value: 'Berlin contributors gone quiet' },
    });
    await fireEvent.change(screen.getByTestId('segment-platform'), {
      target: { value: 'github' },
    });
    await fireEvent.input(screen.getByTestId('segment-location'), { target: { value: 'Berlin' } });
    await fireEvent.input(screen.getByTestId('segment-quiet-for'), { target: { value: '21' } });
    await fireEvent.click(screen.getByTestId('segment-level-core'));
    await fireEvent.click(screen.getByRole('button', { name: 'Save segment' }));
    await waitFor(() => expect(api.segmentAdd).toHaveBeenCalledTimes(1));
    expect(api.segmentAdd).toHaveBeenCalledWith('Berlin contributors gone quiet', {
      platforms: ['github'],
      tags: [],
      fields: [],
      levels: ['core'],
      location: 'Berlin',
      quietForDays: 21,
    });
    await waitFor(() => expect(screen.queryByTestId('segment-form')).not.toBeInTheDocument());
    const link = await screen.findByTestId('segment-link');
    expect(link).toHaveTextContent('Berlin contributors gone quiet');
    await waitFor(() =>
      expect(api.membersList).toHaveBeenCalledWith(expect.objectContaining({ segmentId: 9 })),
    );
  });
});
