import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExportSummary } from '$lib/bindings/ExportSummary';
import type { Progress } from '$lib/bindings/Progress';
import type { WorkspaceStatus } from '$lib/bindings/WorkspaceStatus';
import type { WorkspaceTotals } from '$lib/bindings/WorkspaceTotals';
import { absoluteTime } from '$lib/format/time';
import * as ipc from '$lib/ipc';
import { data } from '$lib/stores/data.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { workspace } from '$lib/stores/workspace.svelte';
import {
  DATA_FOLDER,
  NOW,
  backup,
  dataOverview,
  workspaceStatus,
} from '../../../test/fixtures';
import Toasts from '../Toasts.svelte';
import DataSection from './DataSection.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const DAY = 24 * 3_600_000;
const newest = backup(NOW - DAY, { bytes: 2_400_000 });
const older = backup(NOW - 2 * DAY, { bytes: 812 });

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(data, {
    overview: null,
    loadError: null,
    job: null,
    progress: null,
    exported: null,
    removed: null,
    failure: null,
  });
  toasts.length = 0;
  workspace.status = workspaceStatus();
  workspace.loadError = null;
  // Listed oldest first on purpose: the section shows the newest first whatever the order.
  api.dataOverview.mockResolvedValue(dataOverview({ backups: [older, newest] }));
  api.workspaceStatus.mockResolvedValue(workspaceStatus());
  api.onProgress.mockResolvedValue(() => {});
});

async function renderData() {
  render(DataSection);
  render(Toasts);
  await screen.findByTestId('backup-list');
  return screen.getByTestId('data-section');
}

const button = (name: string | RegExp) => screen.getByRole('button', { name });
const toastText = () => screen.getAllByTestId('toast').map((t) => t.textContent).join(' ');

/** A promise the test settles when it chooses. */
function later<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** Captures the progress handler the section listens with. */
function followProgress() {
  let report: (progress: Progress) => void = () => {};
  const unlisten = vi.fn();
  api.onProgress.mockImplementation(async (handler) => {
    report = handler;
    return unlisten;
  });
  return { report: (progress: Progress) => report(progress), unlisten };
}

describe('where the data lives', () => {
  it('names the database and its folder, and opens the folder', async () => {
    const section = await renderData();
    expect(screen.getByTestId('db-path')).toHaveTextContent(`${DATA_FOLDER}/hearth.db`);
    expect(screen.getByTestId('data-folder')).toHaveTextContent(DATA_FOLDER);
    expect(section).toHaveTextContent('Members 400');

    await fireEvent.click(button('Open data folder'));
    expect(api.dataFolderOpen).toHaveBeenCalled();
  });

  it('shows the core’s words when the folder cannot be opened', async () => {
    api.dataFolderOpen.mockRejectedValueOnce({
      code: 'io',
      message: 'no file manager could open /home/cm/.local/share/hearth',
    });
    await renderData();
    await fireEvent.click(button('Open data folder'));
    await waitFor(() => expect(toastText()).toContain('no file manager could open'));
  });
});

describe('backups', () => {
  it('lists them newest first with the local date and the size in words', async () => {
    await renderData();
    const rows = screen.getAllByTestId('backup');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent(absoluteTime(newest.createdAt));
    expect(rows[0]).toHaveTextContent('2.4 MB');
    expect(rows[1]).toHaveTextContent(absoluteTime(older.createdAt));
    expect(rows[1]).toHaveTextContent('812 bytes');
    // Each Restore… button is described by its backup's date.
    const restore = within(rows[1]).getByRole('button', { name: 'Restore…' });
    expect(restore).toHaveAccessibleDescription(absoluteTime(older.createdAt));
  });

  it('backs up now, waiting while it runs, then lists the new backup', async () => {
    const taken = backup(NOW, { bytes: 2_500_000 });
    const running = later<typeof taken>();
    api.backupNow.mockReturnValue(running.promise);
    await renderData();

    await fireEvent.click(button('Back up now'));
    expect(button('Backing up…')).toBeDisabled();
    expect(within(screen.getAllByTestId('backup')[0]).getByRole('button')).toBeDisabled();

    api.dataOverview.mockResolvedValue(dataOverview({ backups: [taken, newest, older] }));
    running.resolve(taken);

    await waitFor(() => expect(screen.getAllByTestId('backup')).toHaveLength(3));
    expect(screen.getAllByTestId('backup')[0]).toHaveTextContent(absoluteTime(NOW));
    expect(button('Back up now')).toBeEnabled();
    expect(toastText()).toContain('Backed up');
  });

  it('restores a backup only after saying what is replaced, then reloads the workspace', async () => {
    const restored: WorkspaceStatus = workspaceStatus();
    api.backupRestore.mockResolvedValue(restored);
    await renderData();
    const when = absoluteTime(older.createdAt);

    await fireEvent.click(within(screen.getAllByTestId('backup')[1]).getByRole('button'));
    const dialog = screen.getByRole('dialog', { name: `Restore the backup from ${when}?` });
    expect(dialog).toHaveTextContent(`The current data will be replaced by the backup from ${when}`);
    expect(dialog).toHaveTextContent('Hearth first takes a backup of the current data');
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    expect(api.backupRestore).not.toHaveBeenCalled();

    api.workspaceStatus.mockResolvedValue(restored);
    api.dataOverview.mockResolvedValue(
      dataOverview({
        backups: [older, newest],
        totals: { members: 380, conversations: 900, messages: 6000 },
      }),
    );
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Restore this backup' }));

    expect(api.backupRestore).toHaveBeenCalledWith(older.path);
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(toastText()).toContain(`Restored the backup from ${when}`));
    expect(api.workspaceStatus).toHaveBeenCalled();
    expect(screen.getByTestId('data-section')).toHaveTextContent('Members 380');
  });

  it('keeps the current data and says why when a restore fails', async () => {
    api.backupRestore.mockRejectedValue({
      code: 'damaged',
      message: 'the backup hearth-2025-03-10.db is damaged; choose another',
    });
    await renderData();

    await fireEvent.click(within(screen.getAllByTestId('backup')[0]).getByRole('button'));
    await fireEvent.click(screen.getByTestId('confirm-restore'));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'the backup hearth-2025-03-10.db is damaged; choose another',
    );
    expect(api.workspaceStatus).not.toHaveBeenCalled();
    expect(within(screen.getAllByTestId('backup')[0]).getByRole('button')).toBeEnabled();
  });

  it('saves how many daily backups to keep, and refuses numbers outside 1–60', async () => {
    api.backupsKeep.mockResolvedValue(dataOverview({ backups: [older, newest], keepBackups: 14 }));
    await renderData();
    const keep = screen.getByRole('spinbutton', { name: 'Daily backups to keep' });
    expect(keep).toHaveValue(7);

    await fireEvent.change(keep, { target: { value: '61' } });
    expect(screen.getByRole('alert')).toHaveTextContent('Choose a whole number from 1 to 60.');
    expect(keep).toHaveAttribute('aria-invalid', 'true');
    await fireEvent.change(keep, { target: { value: '0' } });
    expect(api.backupsKeep).not.toHaveBeenCalled();

    await fireEvent.change(keep, { target: { value: '14' } });
    expect(api.backupsKeep).toHaveBeenCalledWith(14);
    await waitFor(() => expect(toastText()).toContain('Hearth keeps 14 daily backups'));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(keep).toHaveValue(14);
  });
});

describe('export and import', () => {
  const SUMMARY: ExportSummary = {
    dir: '/home/cm/hearth-export',
    schemaVersion: 3,
    files: [
      { name: 'members.jsonl', rows: 400 },
      { name: 'messages.jsonl', rows: 6000 },
      { name: 'notes.jsonl', rows: 1 },
    ],
  };

  it('exports everything to a chosen folder with live progress, then says what is where', async () => {
    const { report, unlisten } = followProgress();
    const exporting = later<ExportSummary>();
    api.pickFolder.mockResolvedValue('/home/cm/hearth-export');
    api.workspaceExport.mockReturnValue(exporting.promise);
    await renderData();

    await fireEvent.click(button('Export everything…'));

    await waitFor(() => expect(api.workspaceExport).toHaveBeenCalledWith('/home/cm/hearth-export'));
    expect(button('Exporting…')).toBeDisabled();
    expect(button('Import…')).toBeDisabled();
    report({ phase: 'Writing messages', done: 3000, total: 6000 });
    const bar = await screen.findByRole('progressbar');
    await waitFor(() => expect(bar).toHaveAttribute('aria-valuenow', '50'));
    expect(bar).toHaveTextContent('Writing messages');

    exporting.resolve(SUMMARY);

    const summary = await screen.findByTestId('export-summary');
    expect(summary).toHaveTextContent('Exported everything to /home/cm/hearth-export');
    expect(summary).toHaveTextContent('members.jsonl 400 rows');
    expect(summary).toHaveTextContent('messages.jsonl 6,000 rows');
    expect(summary).toHaveTextContent('notes.jsonl 1 row');
    expect(summary).toHaveFocus();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(unlisten).toHaveBeenCalled();
    expect(button('Export everything…')).toBeEnabled();
  });

  it('does nothing when no folder is chosen', async () => {
    api.pickFolder.mockResolvedValue(null);
    await renderData();
    await fireEvent.click(button('Export everything…'));
    await waitFor(() => expect(api.pickFolder).toHaveBeenCalled());
    await waitFor(() => expect(button('Export everything…')).toBeEnabled());
    expect(api.workspaceExport).not.toHaveBeenCalled();
  });

  it('shows the core’s refusal to import into a workspace that is not empty', async () => {
    api.pickFolder.mockResolvedValue('/home/cm/hearth-export');
    api.workspaceImport.mockRejectedValue({
      code: 'invalid_input',
      message: 'Hearth imports only into an empty workspace, and this one has 400 members',
    });
    await renderData();

    await fireEvent.click(button('Import…'));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Hearth imports only into an empty workspace, and this one has 400 members',
    );
    expect(api.workspaceStatus).not.toHaveBeenCalled();
    expect(button('Import…')).toBeEnabled();
  });

  it('imports a folder with live progress, then reloads the workspace', async () => {
    const { report } = followProgress();
    const importing = later<WorkspaceTotals>();
    workspace.status = workspaceStatus({ isEmpty: true });
    api.dataOverview.mockResolvedValue(
      dataOverview({ backups: [newest], totals: { members: 0, conversations: 0, messages: 0 } }),
    );
    api.pickFolder.mockResolvedValue('/home/cm/hearth-export');
    api.workspaceImport.mockReturnValue(importing.promise);
    await renderData();

    await fireEvent.click(button('Import…'));
    await waitFor(() => expect(api.workspaceImport).toHaveBeenCalledWith('/home/cm/hearth-export'));
    expect(button('Importing…')).toBeDisabled();
    report({ phase: 'Reading members', done: 1, total: 4 });
    await waitFor(() =>
      expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '25'),
    );

    const imported = { members: 400, conversations: 900, messages: 6000 };
    api.workspaceStatus.mockResolvedValue(workspaceStatus());
    api.dataOverview.mockResolvedValue(dataOverview({ backups: [newest], totals: imported }));
    importing.resolve(imported);

    await waitFor(() =>
      expect(toastText()).toContain(
        'Imported 400 members, 900 conversations and 6,000 messages from /home/cm/hearth-export',
      ),
    );
    expect(workspace.status?.isEmpty).toBe(false);
    expect(screen.getByTestId('data-section')).toHaveTextContent('Members 400');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });
});

describe('the demo community', () => {
  it('offers its removal only while the demo is there', async () => {
    await renderData();
    expect(screen.queryByRole('button', { name: 'Remove the demo community' })).toBeNull();
  });

  it('says what goes and what stays, then what was removed', async () => {
    api.dataOverview.mockResolvedValue(dataOverview({ backups: [newest], demoAccounts: 3 }));
    const removing = later<Awaited<ReturnType<typeof ipc.demoRemove>>>();
    api.demoRemove.mockReturnValue(removing.promise);
    await renderData();

    await fireEvent.click(button('Remove the demo community'));
    const dialog = screen.getByRole('dialog', { name: 'Remove the demo community?' });
    expect(dialog).toHaveTextContent(
      'removes the demo’s 3 sample accounts with their conversations, messages and members, and the demo’s notes and calendar posts',
    );
    expect(dialog).toHaveTextContent(
      'Accounts you connected stay, and so does everything synced through them.',
    );
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    expect(api.demoRemove).not.toHaveBeenCalled();

    await fireEvent.click(within(dialog).getByRole('button', { name: 'Remove the demo community' }));
    expect(api.demoRemove).toHaveBeenCalled();
    expect(button('Removing the demo community…')).toBeDisabled();
    expect(button('Back up now')).toBeDisabled();

    // One real account was connected beside the demo, so the workspace is not empty after.
    api.workspaceStatus.mockResolvedValue(workspaceStatus({ accounts: 1 }));
    api.dataOverview.mockResolvedValue(dataOverview({ backups: [newest], demoAccounts: 0 }));
    removing.resolve({
      accounts: 3,
      members: 400,
      conversations: 900,
      messages: 6000,
      notes: 1,
      calendarItems: 8,
    });

    const summary = await screen.findByTestId('demo-removed');
    expect(summary).toHaveTextContent(
      'Removed the demo community: 3 sample accounts, 400 members, 900 conversations, 6,000 messages, 1 note and 8 calendar posts.',
    );
    expect(summary).toHaveTextContent('Accounts you connected, and what they synced, are still here.');
    expect(api.workspaceStatus).toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: /Remove the demo community/ })).toBeNull();
  });

  it('shows the core’s words when the demo could not be removed', async () => {
    api.dataOverview.mockResolvedValue(dataOverview({ demoAccounts: 3 }));
    api.demoRemove.mockRejectedValue({
      code: 'busy',
      message: 'the database is busy — another Hearth is writing to it; try again in a moment',
    });
    render(DataSection);

    await fireEvent.click(await screen.findByRole('button', { name: 'Remove the demo community' }));
    await fireEvent.click(screen.getByTestId('confirm-remove-demo'));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'the database is busy — another Hearth is writing to it',
    );
    expect(button('Remove the demo community')).toBeEnabled();
  });
});
