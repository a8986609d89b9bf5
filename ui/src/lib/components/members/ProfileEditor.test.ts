import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { members } from '$lib/stores/members.svelte';
import { organizations } from '$lib/stores/organizations.svelte';
import { profile } from '../../../test/fixtures';
import MembersView from './MembersView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

async function openProfile() {
  members.profile = profile(7);
  members.selectedId = 7;
  render(MembersView);
  return screen.findByTestId('profile-editor');
}

beforeEach(() => {
  vi.clearAllMocks();
  organizations.detail = null;
  organizations.openId = null;
  api.membersList.mockResolvedValue({ items: [], total: 0 });
  api.memberProfile.mockImplementation(async (id: number) => profile(id));
});

describe('tags and fields on a profile', () => {
  it('adds a tag with Enter and removes one by its labelled button', async () => {
    await openProfile();
    const input = screen.getByLabelText('New tag') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: ' speaker ' } });
    await fireEvent.submit(input.closest('form')!);
    expect(api.memberTag).toHaveBeenCalledWith(7, 'speaker');
    await waitFor(() => expect(api.memberProfile).toHaveBeenCalledWith(7));
    await waitFor(() => expect(input.value).toBe(''));

    await fireEvent.click(screen.getByRole('button', { name: 'Remove the tag champion' }));
    expect(api.memberUntag).toHaveBeenCalledWith(7, 'champion');
  });

  it('adds, edits and removes a custom field', async () => {
    await openProfile();
    const field = screen.getAllByTestId('field')[0];
    expect(field).toHaveTextContent('Plan');
    expect(field).toHaveTextContent('Pro');

    await fireEvent.input(screen.getByLabelText('New field name'), { target: { value: 'Shirt' } });
    await fireEvent.input(screen.getByLabelText('New field value'), { target: { value: 'L' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add field' }));
    expect(api.memberFieldSet).toHaveBeenCalledWith(7, 'Shirt', 'L');

    await fireEvent.click(screen.getByRole('button', { name: 'Edit Plan' }));
    const value = screen.getByLabelText('Value of Plan') as HTMLInputElement;
    expect(value.value).toBe('Pro');
    await fireEvent.input(value, { target: { value: 'Enterprise' } });
    await fireEvent.submit(value.closest('form')!);
    expect(api.memberFieldSet).toHaveBeenCalledWith(7, 'Plan', 'Enterprise');
    await waitFor(() => expect(screen.queryByLabelText('Value of Plan')).toBeNull());

    await fireEvent.click(screen.getByRole('button', { name: 'Remove Plan' }));
    expect(api.memberFieldUnset).toHaveBeenCalledWith(7, 'Plan');
  });

  it('Esc cancels a field edit without saving', async () => {
    await openProfile();
    await fireEvent.click(screen.getByRole('button', { name: 'Edit Plan' }));
    const value = screen.getByLabelText('Value of Plan');
    await fireEvent.keyDown(value, { key: 'Escape' });
    expect(screen.queryByLabelText('Value of Plan')).toBeNull();
    expect(api.memberFieldSet).not.toHaveBeenCalled();
  });

  it("the organisation links to its page, with its people", async () => {
    api.organizationShow.mockResolvedValue({
      org: {
        id: 3,
        name: 'Acme',
        key: 'acme',
        domain: 'acme.io',
        website: null,
        source: 'email',
        domains: ['acme.io'],
        memberCount: 1,
        lastActiveAt: null,
      },
      members: [profile(7).member],
      activity: [],
    });
    await openProfile();
    await fireEvent.click(screen.getByRole('button', { name: 'Open the organisation Acme' }));
    const page = await screen.findByTestId('organization');
    expect(api.organizationShow).toHaveBeenCalledWith(3);
    expect(within(page).getByText('Maria Lopez')).toBeInTheDocument();
    expect(page).toHaveTextContent('acme.io');
  });

  it('merges another organisation into the one on screen', async () => {
    const acme = {
      id: 3,
      name: 'Acme',
      key: 'acme',
      domain: 'acme.io',
      website: null,
      source: 'email',
      domains: ['acme.io'],
      memberCount: 1,
      lastActiveAt: null,
    };
    api.organizationShow.mockResolvedValue({ org: acme, members: [], activity: [] });
    api.organizationsList.mockResolvedValue([
      acme,
      { ...acme, id: 9, name: 'Acme Corp', key: 'acmecorp', domains: ['acme.com'] },
    ]);
    await openProfile();
    await fireEvent.click(screen.getByRole('button', { name: 'Open the organisation Acme' }));
    await screen.findByTestId('organization');
    const find = screen.getByLabelText('Find an organisation to merge into Acme');
    await fireEvent.input(find, { target: { value: 'acme' } });
    await fireEvent.submit(find.closest('form')!);
    const merge = await screen.findByRole('button', { name: 'Merge Acme Corp into Acme' });
    expect(screen.queryByRole('button', { name: 'Merge Acme into Acme' })).toBeNull();
    await fireEvent.click(merge);
    expect(api.organizationMerge).toHaveBeenCalledWith(3, 9);
  });

  it('sets the organisation by name, and clears it when left empty', async () => {
    await openProfile();
    await fireEvent.click(screen.getByRole('button', { name: 'Change the organisation' }));
    const input = screen.getByLabelText('Organisation') as HTMLInputElement;
    expect(input.value).toBe('Acme');
    await fireEvent.input(input, { target: { value: '' } });
    await fireEvent.submit(input.closest('form')!);
    expect(api.memberOrganizationSet).toHaveBeenCalledWith(7, null);
  });
});
