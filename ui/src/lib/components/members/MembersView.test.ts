import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { members } from '$lib/stores/members.svelte';
import { memberSummary, profile } from '../../../test/fixtures';
import MembersView from './MembersView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const people = [memberSummary(1), memberSummary(2), memberSummary(3)];

function selectedId() {
  return screen
    .getAllByTestId('member-row')
    .find((row) => row.getAttribute('aria-selected') === 'true')
    ?.getAttribute('data-id');
}

async function renderMembers() {
  render(MembersView);
  await waitFor(() => expect(screen.getAllByTestId('member-row')).toHaveLength(3));
}

const press = (key: string, target: Element = document.body) => fireEvent.keyDown(target, { key });
const shownProfile = () => screen.getByTestId('member-profile');

beforeEach(() => {
  vi.clearAllMocks();
  // The members store outlives each render, as it does in the app; start every test afresh.
  Object.assign(members, {
    query: '',
    items: [],
    total: 0,
    loading: false,
    selectedId: null,
    profile: null,
    platform: null,
    organizationId: null,
  });
  api.membersList.mockResolvedValue({ items: people, total: 3 });
  api.memberProfile.mockImplementation(async (id: number) => {
    const found = profile(id);
    return { ...found, member: people[id - 1] ?? found.member };
  });
});

describe('members keyboard', () => {
  it('selects the next and previous member with j and k and opens their profile', async () => {
    const scrolled = vi.spyOn(Element.prototype, 'scrollIntoView');
    await renderMembers();
    expect(selectedId()).toBeUndefined();

    await press('j');
    await waitFor(() => expect(shownProfile()).toHaveAttribute('data-id', '1'));
    expect(selectedId()).toBe('1');
    expect(api.memberProfile).toHaveBeenLastCalledWith(1);

    await press('j');
    await waitFor(() => expect(shownProfile()).toHaveAttribute('data-id', '2'));
    expect(selectedId()).toBe('2');
    expect(shownProfile()).toHaveTextContent('Member 2');
    expect(scrolled).toHaveBeenCalled();

    await press('k');
    await waitFor(() => expect(shownProfile()).toHaveAttribute('data-id', '1'));
    expect(api.memberProfile).toHaveBeenLastCalledWith(1);

    await press('k'); // already at the top: stays
    expect(selectedId()).toBe('1');
    expect(api.memberProfile).toHaveBeenCalledTimes(3);
    scrolled.mockRestore();
  });

  it('loads the next page when j goes past the last loaded member', async () => {
    api.membersList
      .mockResolvedValueOnce({ items: people, total: 4 })
      .mockResolvedValueOnce({ items: [memberSummary(4)], total: 4 });
    await renderMembers();
    members.selectedId = 3;

    await press('j');

    await waitFor(() => expect(selectedId()).toBe('4'));
    expect(api.membersList).toHaveBeenLastCalledWith(expect.objectContaining({ offset: 3 }));
    expect(api.memberProfile).toHaveBeenCalledWith(4);
  });

  it('types j and k into the search field instead of moving', async () => {
    await renderMembers();
    const search = screen.getByTestId('member-search');
    search.focus();

    await press('j', search);
    await press('k', search);

    expect(selectedId()).toBeUndefined();
    expect(api.memberProfile).not.toHaveBeenCalled();

    // Esc leaves the field, keeping the words, and j moves again.
    await fireEvent.input(search, { target: { value: 'mem' } });
    await press('Escape', search);
    expect(search).not.toHaveFocus();
    expect(search).toHaveValue('mem');
    await press('j');
    await waitFor(() => expect(selectedId()).toBe('1'));
  });
});

describe('filtering the directory', () => {
  it('shows the members of one organisation, then on one platform, and everyone again', async () => {
    api.organizationsList.mockResolvedValue([
      {
        id: 4,
        name: 'Acme',
        key: 'acme',
        domain: 'acme.example',
        website: null,
        source: 'email',
        domains: ['acme.example'],
        memberCount: 12,
        lastActiveAt: null,
      },
    ]);
    await renderMembers();
    const organisation = screen.getByRole('combobox', { name: 'Filter by organisation' });
    await fireEvent.focus(organisation);
    await screen.findByRole('option', { name: 'Acme (12)' });
    expect(api.organizationsList).toHaveBeenCalledWith(null, 200);

    await fireEvent.change(organisation, { target: { value: '4' } });
    await waitFor(() =>
      expect(api.membersList).toHaveBeenLastCalledWith(
        expect.objectContaining({ organizationId: 4, platform: null, offset: 0 }),
      ),
    );

    const platform = screen.getByRole('combobox', { name: 'Filter by platform' });
    await fireEvent.change(platform, { target: { value: 'github' } });
    await waitFor(() =>
      expect(api.membersList).toHaveBeenLastCalledWith(
        expect.objectContaining({ organizationId: 4, platform: 'github' }),
      ),
    );

    await fireEvent.change(organisation, { target: { value: '' } });
    await fireEvent.change(platform, { target: { value: '' } });
    await waitFor(() =>
      expect(api.membersList).toHaveBeenLastCalledWith(
        expect.objectContaining({ organizationId: null, platform: null }),
      ),
    );
  });
});
