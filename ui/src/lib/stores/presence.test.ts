import { render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import InboxRow from '$lib/components/inbox/InboxRow.svelte';
import { inboxItem, inTeamState } from '../../test/fixtures';
import { othersOn, presence, sayWhere } from './presence.svelte';
import { team } from './team.svelte';

vi.mock('$lib/ipc', async () => (await import('../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const inTeam = () => {
  team.current = inTeamState();
};

beforeEach(() => {
  vi.clearAllMocks();
  team.current = null;
  presence.around = [];
});

describe('presence', () => {
  it('says where this manager is only in a team, and only when it changed', () => {
    sayWhere(7, false);
    expect(api.presenceSet).not.toHaveBeenCalled();
    inTeam();
    sayWhere(7, false);
    sayWhere(7, false);
    sayWhere(7, true);
    sayWhere(null, false);
    expect(api.presenceSet.mock.calls).toEqual([
      [7, 'viewing'],
      [7, 'replying'],
      [null, 'online'],
    ]);
  });

  it('shows on a row who is on it, replying first, and not who is only online', () => {
    presence.around = [
      { name: 'Cleo', doing: 'online', conversationId: null },
      { name: 'Ben', doing: 'viewing', conversationId: 7 },
      { name: 'Dev', doing: 'replying', conversationId: 7 },
      { name: 'Eve', doing: 'viewing', conversationId: 8 },
    ];
    expect(othersOn(presence.around, 7).map((p) => p.name)).toEqual(['Dev', 'Ben']);
    render(InboxRow, { item: inboxItem(7), selected: false, onselect: () => {} });
    expect(screen.getAllByTestId('presence-chip').map((c) => c.textContent)).toEqual([
      'Dev is replying',
      'Ben is reading this',
    ]);
  });
});
