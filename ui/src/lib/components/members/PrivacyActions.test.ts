import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { members } from '$lib/stores/members.svelte';
import { organizations } from '$lib/stores/organizations.svelte';
import { profile } from '../../../test/fixtures';
import MembersView from './MembersView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const PREVIEW = {
  memberId: 7,
  displayName: 'Maria Lopez',
  identities: ['discord maria', 'github mlopez'],
  notes: 2,
  tags: 1,
  fields: 1,
  activity: 42,
  messages: 40,
};

async function openProfile() {
  members.profile = profile(7);
  members.selectedId = 7;
  render(MembersView);
  await screen.findByTestId('member-profile');
}

beforeEach(() => {
  vi.clearAllMocks();
  organizations.detail = null;
  api.membersList.mockResolvedValue({ items: [], total: 0 });
  api.memberForgetPreview.mockResolvedValue(PREVIEW);
  api.memberForget.mockResolvedValue({
    memberId: 7,
    displayName: 'Maria Lopez',
    members: 1,
    identities: 2,
    notes: 2,
    tags: 1,
    fields: 1,
    activity: 42,
    messagesBlanked: 40,
    merges: 0,
    suggestions: 0,
    other: 0,
    fileRewritten: true,
    walCleared: true,
  });
});

describe('forgetting a person', () => {
  it('names what will be deleted before anything is, and Cancel deletes nothing', async () => {
    await openProfile();
    await fireEvent.click(screen.getByRole('button', { name: 'Forget this person…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Forget Maria Lopez' });
    const list = within(dialog).getByTestId('forget-list');
    expect(list).toHaveTextContent('discord maria, github mlopez');
    expect(list).toHaveTextContent('2 notes');
    expect(list).toHaveTextContent('42 activity records');
    expect(dialog).toHaveTextContent('40 messages stay in their threads, blank');
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();

    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.memberForget).not.toHaveBeenCalled();
  });

  it('forgets them on confirmation and the profile goes away', async () => {
    await openProfile();
    await fireEvent.click(screen.getByRole('button', { name: 'Forget this person…' }));
    const dialog = await screen.findByRole('dialog');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Forget Maria Lopez' }));
    expect(api.memberForget).toHaveBeenCalledWith(7);
    await waitFor(() => expect(screen.queryByTestId('member-profile')).toBeNull());
    expect(members.selectedId).toBeNull();
  });

  it('exports their data to the file chosen, and nothing when the chooser is cancelled', async () => {
    await openProfile();
    await fireEvent.click(screen.getByRole('button', { name: 'Export their data' }));
    await waitFor(() =>
      expect(api.pickSaveFile).toHaveBeenCalledWith(
        'Export what Hearth holds about Maria Lopez',
        'hearth-member-7.json',
      ),
    );
    expect(api.memberPrivacyExport).not.toHaveBeenCalled();

    api.pickSaveFile.mockResolvedValueOnce('/tmp/maria.json');
    await fireEvent.click(screen.getByRole('button', { name: 'Export their data' }));
    await waitFor(() => expect(api.memberPrivacyExport).toHaveBeenCalledWith(7, '/tmp/maria.json'));
  });
});
