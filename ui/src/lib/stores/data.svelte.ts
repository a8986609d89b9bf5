// Settings → Data: where the data lives, the backups kept, export and import, and removing the
// demo community. One job runs at a time; every button here waits for it. Jobs that replace the
// data (restore, import, demo removal) reload the workspace and forget what the views showed.
import type { BackupInfo } from '$lib/bindings/BackupInfo';
import type { DataOverview } from '$lib/bindings/DataOverview';
import type { DemoRemoval } from '$lib/bindings/DemoRemoval';
import type { ExportSummary } from '$lib/bindings/ExportSummary';
import type { Progress } from '$lib/bindings/Progress';
import * as ipc from '$lib/ipc';
import { errorMessage } from '$lib/ipc/errors';
import { formatBytes } from '$lib/format/size';
import { absoluteTime } from '$lib/format/time';
import { accounts, loadAccounts } from './accounts.svelte';
import { inbox } from './inbox.svelte';
import { members } from './members.svelte';
import { go } from './nav.svelte';
import { showError, showToast } from './toasts.svelte';
import { loadWorkspace, workspace } from './workspace.svelte';

/** The work Settings → Data can be busy with. */
export type DataJob = 'backup' | 'restore' | 'keep' | 'export' | 'import' | 'demo' | 'open';

/** The fewest and most daily backups Hearth can be asked to keep. */
export const KEEP_MIN = 1;
export const KEEP_MAX = 60;

export const data = $state({
  overview: null as DataOverview | null,
  /** Why the overview could not be read, in the core's words. */
  loadError: null as string | null,
  /** What is running now; null when nothing is. */
  job: null as DataJob | null,
  /** The running export's or import's latest progress. */
  progress: null as Progress | null,
  /** The last export, for its summary. */
  exported: null as ExportSummary | null,
  /** What removing the demo community took away, for its summary. */
  removed: null as DemoRemoval | null,
  /** A restore, export, import or demo removal that failed, in the core's words. */
  failure: null as { job: DataJob; message: string } | null,
});

export async function loadData() {
  try {
    data.overview = await ipc.dataOverview();
    data.loadError = null;
  } catch (error) {
    data.loadError = errorMessage(error);
  }
}

/** Runs one job at a time: `null` when another is running or this one failed (and said so). */
async function run<T>(
  job: DataJob,
  work: () => Promise<T>,
  failInPlace = false,
): Promise<T | null> {
  if (data.job !== null) return null;
  data.job = job;
  data.failure = null;
  try {
    return await work();
  } catch (error) {
    if (failInPlace) data.failure = { job, message: errorMessage(error) };
    else showError(error);
    return null;
  } finally {
    data.job = null;
  }
}

/** Runs a job that reports progress on the core's progress event, showing a bar meanwhile. */
async function withProgress<T>(work: () => Promise<T>): Promise<T> {
  data.progress = { phase: 'Starting', done: 0, total: 0 };
  let unlisten: (() => void) | undefined;
  try {
    unlisten = await ipc.onProgress((progress) => {
      data.progress = progress;
    });
    return await work();
  } finally {
    unlisten?.();
    data.progress = null;
  }
}

/** After a restore, an import or removing the demo: what the views showed may be gone. */
async function reloadAfterReplacing() {
  Object.assign(inbox, { selectedId: null, detail: null, undo: null, picked: [] });
  Object.assign(members, { selectedId: null, profile: null });
  const work: Promise<unknown>[] = [loadWorkspace(), loadData()];
  if (accounts.loaded) work.push(loadAccounts(true));
  await Promise.allSettled(work);
}

/** When a backup was taken, in the local date and time: "3 Mar 2025, 14:05". */
export const backupDate = (backup: BackupInfo) => absoluteTime(backup.createdAt);

export async function backUpNow() {
  const backup = await run('backup', () => ipc.backupNow());
  if (!backup) return;
  showToast(`Backed up: ${backupDate(backup)}, ${formatBytes(backup.bytes)}`);
  await loadData();
}

/** Replaces the current data with `backup` (the core backs the current data up first). */
export async function restoreBackup(backup: BackupInfo): Promise<boolean> {
  const status = await run('restore', () => ipc.backupRestore(backup.path), true);
  if (!status) return false;
  await reloadAfterReplacing();
  showToast(`Restored the backup from ${backupDate(backup)}`);
  return true;
}

/** Keeps `keep` daily backups from now on. False when it was refused (and said so). */
export async function keepBackups(keep: number): Promise<boolean> {
  const overview = await run('keep', () => ipc.backupsKeep(keep));
  if (!overview) return false;
  data.overview = overview;
  showToast(`Hearth keeps ${plural(keep, 'daily backup')} from now on`);
  return true;
}

export async function openDataFolder() {
  await run('open', () => ipc.dataFolderOpen());
}

/** Asks for a folder, then exports everything into it. */
export async function exportEverything() {
  const summary = await run(
    'export',
    async () => {
      const dir = await ipc.pickFolder('Export everything to a folder');
      return dir === null ? null : withProgress(() => ipc.workspaceExport(dir));
    },
    true,
  );
  if (summary) data.exported = summary;
}

/** Asks for a folder holding an export, then reads it into this (empty) workspace. */
export async function importFolder() {
  let from = '';
  const totals = await run(
    'import',
    async () => {
      const dir = await ipc.pickFolder('Import a Hearth export');
      if (dir === null) return null;
      from = dir;
      return withProgress(() => ipc.workspaceImport(dir));
    },
    true,
  );
  if (!totals) return;
  data.exported = null;
  await reloadAfterReplacing();
  showToast(
    `Imported ${plural(totals.members, 'member')}, ${plural(totals.conversations, 'conversation')} ` +
      `and ${plural(totals.messages, 'message')} from ${from}`,
  );
}

/**
 * Removes the demo community. When nothing else was in the workspace, the welcome screen comes
 * back and says what went; otherwise Settings → Data says it.
 */
export async function removeDemo() {
  const removal = await run('demo', () => ipc.demoRemove(), true);
  if (!removal) return;
  await reloadAfterReplacing();
  if (workspace.status?.isEmpty) {
    data.removed = null;
    showToast(describeRemoval(removal));
    go('inbox');
  } else {
    data.removed = removal;
  }
}

/** "1 member", "6,000 messages". */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString()} ${noun}${count === 1 ? '' : 's'}`;
}

/** "a", "a and b", "a, b and c". */
function listInWords(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** What removing the demo took away, in one sentence; kinds with nothing removed are left out. */
export function describeRemoval(removal: DemoRemoval): string {
  const parts = [plural(removal.accounts, 'sample account')];
  const rest: [number, string][] = [
    [removal.members, 'member'],
    [removal.conversations, 'conversation'],
    [removal.messages, 'message'],
    [removal.notes, 'note'],
    [removal.calendarItems, 'calendar post'],
  ];
  for (const [count, noun] of rest) if (count > 0) parts.push(plural(count, noun));
  return `Removed the demo community: ${listInWords(parts)}.`;
}
