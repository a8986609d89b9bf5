import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TeamSyncState } from '$lib/bindings/TeamSyncState';
import * as ipc from '$lib/ipc';
import { inbox } from '$lib/stores/inbox.svelte';
import { applyTeamState, team, teamLine } from '$lib/stores/team.svelte';
import { canned } from '$lib/stores/canned.svelte';
import { inboxItem } from '../../../test/fixtures';
import TeamSettings from './TeamSettings.svelte';
import TeamConflicts from './TeamConflicts.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const inTeam = (over: Partial<TeamSyncState> = {}): TeamSyncState => ({
  team: {
    relayUrl: 'wss://relay.example.org',
    workspaceDoc: 'automerge:abc',
    me: 'Ana',
    joinedAt: 1_795_435_200_000,
    lastSyncedAt: 1_795_435_260_000,
    waiting: 3,
    teammates: [
      { name: 'Ben', lastSyncedAt: 1_795_435_270_000 },
      { name: 'Ana', lastSyncedAt: 1_795_435_260_000 },
      { name: 'Cleo', lastSyncedAt: null },
    ],
  },
  state: 'synced',
  message: null,
  report: { sent: 1, applied: 2, notHere: 0, conflicts: 0, notesSent: 0,
    notesReceived: 0,
    recordsSent: 0,
    recordsReceived: 0,
    membersSent: 0,
    membersReceived: 0,
    decisionsSent: 0,
    decisionsReceived: 0,
    itemsSent: 0,
    itemsReceived: 0,
  },
  ...over,
});

beforeEach(() => {
  vi.clearAllMocks();
  team.current = { team: null, state: 'idle', message: null, report: null };
});

describe('Settings → Team', () => {
  it('joins with a link and a name, then shows the team', async () => {
    render(TeamSettings);
    const form = screen.getByTestId('team-join-form');
    await fireEvent.input(screen.getByPlaceholderText('hearth://team/join?relay=…'), {
      target: { value: 'hearth://team/join?relay=wss%3A%2F%2Fr&doc=automerge%3Ax&secret=s' },
    });
    await fireEvent.input(screen.getByLabelText('Your name, as teammates will see it'), {
      target: { value: 'Ben' },
    });
    api.teamState.mockResolvedValue(inTeam());
    await fireEvent.submit(form);
    expect(api.teamJoin).toHaveBeenCalledWith(
      'hearth://team/join?relay=wss%3A%2F%2Fr&doc=automerge%3Ax&secret=s',
      'Ben',
    );
    await waitFor(() => expect(screen.getByTestId('team-facts')).toHaveTextContent('3 changes'));
    const mates = screen.getByTestId('team-mates');
    expect(mates).toHaveTextContent('Ana (you) last synced');
    expect(mates).toHaveTextContent('Cleo has not synced yet');
  });

  it('creates a team with the secret in a password field, and shows the link to send', async () => {
    render(TeamSettings);
    await fireEvent.click(screen.getByLabelText('Create a team'));
    const secret = screen.getByLabelText(/relay's secret/);
    expect(secret).toHaveAttribute('type', 'password');
    await fireEvent.input(screen.getByPlaceholderText('wss://relay.example.org'), {
      target: { value: 'wss://relay.example.org' },
    });
    await fireEvent.input(secret, { target: { value: 'a-long-team-secret' } });
    await fireEvent.input(screen.getByLabelText('Your name, as teammates will see it'), {
      target: { value: 'Ana' },
    });
    api.teamState.mockResolvedValue(inTeam());
    await fireEvent.submit(screen.getByTestId('team-create-form'));
    expect(api.teamCreate).toHaveBeenCalledWith('wss://relay.example.org', 'a-long-team-secret', 'Ana');
    await waitFor(() =>
      expect(screen.getByTestId('team-link')).toHaveValue(
        'hearth://team/join?relay=x&doc=automerge:y&secret=z',
      ),
    );
  });

  it('says what went wrong in words', async () => {
    api.teamJoin.mockRejectedValueOnce({
      code: 'invalidInput',
      message: "the relay refused this team's secret (HTTP 401); ask a teammate for a new join link",
    });
    render(TeamSettings);
    await fireEvent.input(screen.getByPlaceholderText('hearth://team/join?relay=…'), {
      target: { value: 'hearth://team/join?x' },
    });
    await fireEvent.input(screen.getByLabelText('Your name, as teammates will see it'), {
      target: { value: 'Eve' },
    });
    await fireEvent.submit(screen.getByTestId('team-join-form'));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('refused this team'));
  });

  it('leaves only after saying what leaving does', async () => {
    team.current = inTeam();
    render(TeamSettings);
    await fireEvent.click(screen.getByText('Leave the team…'));
    expect(api.teamLeave).not.toHaveBeenCalled();
    expect(screen.getByText(/stays here as your own triage/)).toBeInTheDocument();
    await fireEvent.click(screen.getByText('Leave the team'));
    expect(api.teamLeave).toHaveBeenCalled();
  });

  it('the sidebar says whether the team is synced, offline, and what waits', () => {
    expect(teamLine(inTeam())).toBe('Team: synced · 3 changes waiting');
    expect(teamLine(inTeam({ state: 'offline' }))).toBe('Team: offline · 3 changes waiting');
    expect(teamLine({ team: null, state: 'idle', message: null, report: null })).toBeNull();
  });
});

describe('what teammates changed shows without a restart', () => {
  it('reloads the canned replies once a sync brought teammates’ set-up, and not otherwise', async () => {
    canned.loaded = true;
    api.cannedList.mockResolvedValue([]);
    applyTeamState(inTeam());
    expect(api.cannedList).not.toHaveBeenCalled();
    const report = { ...inTeam().report!, recordsReceived: 2 };
    applyTeamState(inTeam({ report }));
    await waitFor(() => expect(api.cannedList).toHaveBeenCalled());
  });
});

describe('a conversation set differently by teammates while apart', () => {
  it('shows the other value, and uses it in one click', async () => {
    team.current = inTeam();
    api.teamConflicts.mockResolvedValue([{ field: 'assignee', other: 'Ben' }]);
    // the thread shows the selected conversation; the button acts on it
    Object.assign(inbox, { items: [inboxItem(7, { assignee: 'Ana' })], selectedId: 7, picked: [] });
    api.triage.mockResolvedValue(inboxItem(7, { assignee: 'Ben' }));
    render(TeamConflicts, { id: 7 });
    await waitFor(() =>
      expect(screen.getByTestId('team-conflicts')).toHaveTextContent(
        'A teammate also set the assignee to Ben while you were apart.',
      ),
    );
    expect(api.teamConflicts).toHaveBeenCalledWith(7);
    await fireEvent.click(screen.getByText('Use Ben'));
    await waitFor(() =>
      expect(api.triage).toHaveBeenCalledWith(7, { action: 'assign', assignee: 'Ben' }),
    );
  });
});
