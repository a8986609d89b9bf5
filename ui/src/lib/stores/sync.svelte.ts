// Live sync: the latest progress of each account, from the core's `hearth://sync` events. When
// a page of news arrives, the views that show synced data reload (coalesced, so a fast sync
// does not reload the inbox on every page).
import type { SyncProgress } from '$lib/bindings/SyncProgress';
import * as ipc from '$lib/ipc';
import { accounts, loadAccounts, openAddForm } from './accounts.svelte';
import { refreshInbox } from './inbox.svelte';
import { refreshMembers } from './members.svelte';
import { refreshSegments } from './segments.svelte';
import { go, nav } from './nav.svelte';
import { loadOutbox } from './outbox.svelte';
import { showError, showToast } from './toasts.svelte';
import { loadWorkspace } from './workspace.svelte';

/** Reloads wait this long after the first news, then take everything that came meanwhile. */
export const REFRESH_MS = 1200;
/** "Sync now" says it was asked until the first event, or this long without one. */
const REQUEST_SHOWN_MS = 5000;

export const sync = $state({
  /** Each account's latest progress, by account id. */
  byAccount: {} as Record<number, SyncProgress>,
  /** "Sync now" was pressed and no event has answered yet. */
  requested: false,
});

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let requestTimer: ReturnType<typeof setTimeout> | undefined;
// Whether the coming reload should include what changes only when a sync ends.
let refreshEnded = false;

const ENDED = new Set(['done', 'failed', 'offline']);

/** Follows sync progress; call the returned function to stop (fits `$effect` cleanup). */
export function startSync(): () => void {
  let stopped = false;
  ipc
    .syncStatus()
    .then((all) => {
      if (stopped) return;
      for (const progress of all) sync.byAccount[progress.accountId] ??= progress;
    })
    .catch(() => {});
  const unlisten = ipc.onSync((progress) => applyProgress(progress));
  return () => {
    stopped = true;
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
    unlisten.then((stop) => stop()).catch(() => {});
  };
}

export function applyProgress(progress: SyncProgress) {
  const previous = sync.byAccount[progress.accountId];
  sync.byAccount[progress.accountId] = progress;
  sync.requested = false;
  const ended = ENDED.has(progress.state);
  const newPage =
    progress.state === 'syncing' &&
    progress.pages > 0 &&
    (previous?.pages !== progress.pages ||
      previous.messagesAdded !== progress.messagesAdded ||
      previous.messagesUpdated !== progress.messagesUpdated);
  if (ended || newPage) scheduleRefresh(ended);
}

function scheduleRefresh(ended: boolean) {
  refreshEnded ||= ended;
  if (refreshTimer !== undefined) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    const withAccounts = refreshEnded;
    refreshEnded = false;
    void refreshViews(withAccounts);
  }, REFRESH_MS);
}

async function refreshViews(ended: boolean) {
  const work: Promise<unknown>[] = [
    refreshInbox(),
    refreshMembers(nav.view === 'members'),
    loadOutbox(),
  ];
  if (ended) {
    // A first sync turns an empty workspace into one with an inbox; accounts record the outcome.
    work.push(loadWorkspace());
    if (accounts.loaded) work.push(loadAccounts(true));
    // the sync worked engagement out again: segment counts move
    work.push(refreshSegments());
  }
  await Promise.allSettled(work);
}

/** What "Sync now" says when the only accounts are the demo community's samples. */
export const DEMO_ONLY =
  'The demo community’s accounts are samples, so there is nothing to sync. ' +
  'Connect your own account in Settings → Accounts.';

/** True when every account is one of the demo's samples or an imported list (which never
 * sync). */
async function onlyDemoAccounts(): Promise<boolean> {
  try {
    const all = await ipc.accountsList();
    return (
      all.length > 0 && all.every((account) => account.demo || account.platform === 'list')
    );
  } catch {
    return false; // unsure: ask the core to sync, as before
  }
}

/** Syncs every account now (`null`) or one. */
export async function syncNow(accountId: number | null = null) {
  if (accountId === null) {
    if (await onlyDemoAccounts()) {
      showToast(DEMO_ONLY, {
        label: 'Connect an account',
        run: () => {
          openAddForm();
          go('settings');
        },
      });
      return;
    }
    sync.requested = true;
    clearTimeout(requestTimer);
    requestTimer = setTimeout(() => (sync.requested = false), REQUEST_SHOWN_MS);
  }
  try {
    await ipc.syncNow(accountId);
  } catch (error) {
    sync.requested = false;
    showError(error);
  }
}

/** Forgets a removed account's progress and reloads the views its data was in. */
export function forgetAccount(accountId: number) {
  delete sync.byAccount[accountId];
  scheduleRefresh(true);
}

/** The account's sync in words, for Settings and the status line ("Syncing · #help · 120 new"). */
export function describeProgress(progress: SyncProgress): string {
  const added = progress.messagesAdded > 0 ? `${progress.messagesAdded.toLocaleString()} new` : '';
  const detail = progress.detail === 'starting' ? 'starting…' : progress.detail;
  switch (progress.state) {
    case 'syncing':
      return ['Syncing', detail, added].filter(Boolean).join(' · ');
    case 'done':
      return [detail || 'up to date', added].filter(Boolean).join(' · ');
    default:
      return detail;
  }
}
