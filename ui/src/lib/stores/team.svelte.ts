// The team's shared triage: the latest state of the background team sync (from the core's
// `hearth://team` events), and the inbox reloaded when teammates' changes arrive.
import type { TeamSyncState } from '$lib/bindings/TeamSyncState';
import * as ipc from '$lib/ipc';
import { refreshInbox } from './inbox.svelte';
import { members, refreshMembers, reloadProfile } from './members.svelte';
import { canned, loadCanned } from './canned.svelte';
import { loadRules, rules } from './rules.svelte';
import { refreshSegments } from './segments.svelte';
import { loadCalendar } from './calendar.svelte';
import { showError } from './toasts.svelte';

export const team = $state({
  /** The latest state (null until the core has said). */
  current: null as TeamSyncState | null,
});

/** Follows the team sync; call the returned function to stop (fits `$effect` cleanup). */
export function startTeam(): () => void {
  let stopped = false;
  ipc
    .teamState()
    .then((s) => {
      if (!stopped && team.current === null) team.current = s;
    })
    .catch(() => {});
  const unlisten = ipc.onTeam((s) => applyTeamState(s));
  return () => {
    stopped = true;
    unlisten.then((stop) => stop()).catch(() => {});
  };
}

export function applyTeamState(s: TeamSyncState) {
  team.current = s;
  // teammates' triage is in the tables: the inbox shows it
  if (s.state === 'synced' && (s.report?.applied ?? 0) > 0) void refreshInbox();
  // teammates' calendar: the calendar shows it
  if (s.state === 'synced' && (s.report?.itemsReceived ?? 0) > 0) void loadCalendar(true);
  // teammates' set-up (views, rules, canned replies, segments, the team list): shown as it is
  if (s.state === 'synced' && (s.report?.recordsReceived ?? 0) > 0) {
    if (canned.loaded) void loadCanned();
    if (rules.loaded) void loadRules();
    void refreshSegments();
    void refreshInbox();
  }
  // and teammates' shared notes, members' tags and fields: the open profile shows them
  const memberNews =
    (s.report?.notesReceived ?? 0) +
    (s.report?.membersReceived ?? 0) +
    (s.report?.decisionsReceived ?? 0);
  // members merged or told apart by a teammate: the directory shows who is who now
  if (s.state === 'synced' && (s.report?.decisionsReceived ?? 0) > 0) void refreshMembers(false);
  if (s.state === 'synced' && memberNews > 0 && members.selectedId !== null)
    void reloadProfile(members.selectedId).catch(() => {});
}

/** The sidebar's words for the team sync (null: not in a team). */
export function teamLine(s: TeamSyncState | null): string | null {
  if (!s?.team) return null;
  const waiting = s.team.waiting;
  const pending =
    waiting === 0 ? '' : ` · ${waiting} ${waiting === 1 ? 'change' : 'changes'} waiting`;
  switch (s.state) {
    case 'syncing':
      return `Team: syncing…${pending}`;
    case 'offline':
      return `Team: offline${pending}`;
    case 'failed':
      return `Team: not synced${pending}`;
    default:
      return `Team: synced${pending}`;
  }
}

/** Shares what changed here now. */
export function teamSyncNow() {
  ipc.teamSyncNow().catch(showError);
}
