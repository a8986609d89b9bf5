// Presence: the teammates around right now and the conversation each is viewing or replying to
// (from the core's `hearth://presence` events; ephemeral, never stored), and where this manager
// is, told to the core as the thread and the reply box change.
import type { TeamPresence } from '$lib/bindings/TeamPresence';
import * as ipc from '$lib/ipc';
import { team } from './team.svelte';

export const presence = $state({
  around: [] as TeamPresence[],
});

/** Follows teammates' presence; call the returned function to stop (fits `$effect` cleanup). */
export function startPresence(): () => void {
  let stopped = false;
  ipc
    .presenceNow()
    .then((now) => {
      if (!stopped) presence.around = now;
    })
    .catch(() => {});
  const unlisten = ipc.onPresence((now) => (presence.around = now));
  return () => {
    stopped = true;
    unlisten.then((stop) => stop()).catch(() => {});
  };
}

/** The teammates on conversation `id`, replying ones first. */
export function othersOn(around: TeamPresence[], id: number): TeamPresence[] {
  return around
    .filter((p) => p.conversationId === id && p.doing !== 'online')
    .sort((a, b) => Number(b.doing === 'replying') - Number(a.doing === 'replying'));
}

/** Words for a teammate on a conversation. */
export function presenceWords(p: TeamPresence): string {
  return p.doing === 'replying' ? `${p.name} is replying` : `${p.name} is reading this`;
}

let said = '';

/** Tells teammates where this manager is (only in a team; only when it changed). */
export function sayWhere(conversationId: number | null, replying: boolean) {
  if (!team.current?.team) return;
  const doing = conversationId === null ? 'online' : replying ? 'replying' : 'viewing';
  const now = `${conversationId}:${doing}`;
  if (now === said) return;
  said = now;
  ipc.presenceSet(conversationId, doing).catch(() => {
    said = '';
  });
}
