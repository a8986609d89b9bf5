import { beforeEach, describe, expect, it, vi } from 'vitest';
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import {
  accountAdd,
  accountUpdate,
  backupNow,
  backupRestore,
  backupsKeep,
  calendarAddImage,
  calendarApprove,
  calendarComment,
  calendarGet,
  calendarImage,
  calendarImageAlt,
  calendarList,
  calendarMoveImage,
  calendarPublishNow,
  calendarRemoveImage,
  calendarRetryTarget,
  calendarSetGrace,
  calendarSubmit,
  dataFolderOpen,
  dataOverview,
  demoRemove,
  onSync,
  openExternal,
  outboxRetry,
  membersImport,
  membersImportPreview,
  metricsGet,
  pickCsvFile,
  pickFolder,
  replyQueue,
  syncNow,
  triage,
  workspaceExport,
  workspaceImport,
} from './index';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(() => Promise.resolve(() => {})) }));
const invokeMock = vi.mocked(invoke);
const listenMock = vi.mocked(listen);

beforeEach(() => {
  invokeMock.mockReset();
  invokeMock.mockResolvedValue(null);
});

describe('ipc', () => {
  it('passes camelCase arguments to the command', async () => {
    await triage(5, { action: 'tag', tag: 'bug' });
    expect(invokeMock).toHaveBeenCalledWith('triage', {
      id: 5,
      action: { action: 'tag', tag: 'bug' },
    });
  });

  it('names the calendar publishing commands\' arguments as the core reads them', async () => {
    await calendarSubmit(3);
    await calendarApprove(3);
    await calendarComment(3, 'Looks good');
    await calendarPublishNow(3);
    await calendarRetryTarget(41);
    await calendarSetGrace(90);
    expect(invokeMock.mock.calls).toEqual([
      ['calendar_submit', { id: 3 }],
      ['calendar_approve', { id: 3 }],
      ['calendar_comment', { id: 3, body: 'Looks good' }],
      ['calendar_publish_now', { id: 3 }],
      ['calendar_retry_target', { target: 41 }],
      ['calendar_set_grace', { minutes: 90 }],
    ]);
  });

  it('lists the calendar brief when asked, and reads one item whole by its id', async () => {
    const range = { from: 1, to: 2, includeUnscheduled: true, brief: true };
    await calendarList(range);
    await calendarGet(80);
    expect(invokeMock.mock.calls).toEqual([
      ['calendar_list', { range }],
      ['calendar_get', { id: 80 }],
    ]);
  });

  it('sends an image as the raw body, its item, name and alt text as encoded headers', async () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    await calendarAddImage(7, bytes, 'Grafik März.png', 'A chart: visits up 20% & rising');
    expect(invokeMock).toHaveBeenCalledWith('calendar_add_image', bytes, {
      headers: {
        'x-hearth-item': '7',
        'x-hearth-name': 'Grafik%20M%C3%A4rz.png',
        'x-hearth-alt': 'A%20chart%3A%20visits%20up%2020%25%20%26%20rising',
      },
    });
    // the bytes themselves, not a copy in JSON
    expect(invokeMock.mock.calls[0][1]).toBe(bytes);
  });

  it('names the image commands\' arguments as the core reads them', async () => {
    await calendarImageAlt(11, 'The team at the meetup');
    await calendarMoveImage(11, 1);
    await calendarRemoveImage(11);
    await calendarImage(11);
    expect(invokeMock.mock.calls).toEqual([
      ['calendar_image_alt', { image: 11, alt: 'The team at the meetup' }],
      ['calendar_move_image', { image: 11, position: 1 }],
      ['calendar_remove_image', { image: 11 }],
      ['calendar_image', { image: 11 }],
    ]);
  });

  it('opens only web and mail links', async () => {
    await openExternal('https://example.org/a');
    await openExternal('mailto:maria@example.org');
    expect(invokeMock).toHaveBeenCalledTimes(2);
    expect(invokeMock).toHaveBeenCalledWith('open_external', { url: 'https://example.org/a' });

    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', '/relative', 'not a url']) {
      await expect(openExternal(url)).rejects.toMatchObject({ code: 'invalid_input' });
    }
    expect(invokeMock).toHaveBeenCalledTimes(2);
  });

  it('wraps the account, sync and outbox commands with their camelCase keys', async () => {
    const input = {
      platform: 'discord' as const,
      name: 'Lumen',
      baseUrl: null,
      scopes: ['123'],
      token: 'secret',
    };
    await accountAdd(input);
    expect(invokeMock).toHaveBeenLastCalledWith('account_add', { input });
    await accountUpdate(3, { ...input, token: null });
    expect(invokeMock).toHaveBeenLastCalledWith('account_update', {
      id: 3,
      input: { ...input, token: null },
    });
    await syncNow();
    expect(invokeMock).toHaveBeenLastCalledWith('sync_now', { accountId: null });
    await syncNow(3);
    expect(invokeMock).toHaveBeenLastCalledWith('sync_now', { accountId: 3 });
    await replyQueue(42, 'Thanks!');
    expect(invokeMock).toHaveBeenLastCalledWith('reply_queue', {
      conversationId: 42,
      body: 'Thanks!',
      sendAfter: null,
    });
    await replyQueue(42, 'Later!', 1_900_000_000_000);
    expect(invokeMock).toHaveBeenLastCalledWith('reply_queue', {
      conversationId: 42,
      body: 'Later!',
      sendAfter: 1_900_000_000_000,
    });
    await outboxRetry(9);
    expect(invokeMock).toHaveBeenLastCalledWith('outbox_retry', { id: 9 });
  });

  it('listens for sync progress on hearth://sync', async () => {
    const handler = vi.fn();
    await onSync(handler);
    expect(listenMock).toHaveBeenCalledWith('hearth://sync', expect.any(Function));
    const forward = listenMock.mock.calls[0][1] as (event: { payload: unknown }) => void;
    forward({ payload: { accountId: 1, state: 'done' } });
    expect(handler).toHaveBeenCalledWith({ accountId: 1, state: 'done' });
  });

  it('wraps the Settings → Data commands with their camelCase keys', async () => {
    await dataOverview();
    expect(invokeMock).toHaveBeenLastCalledWith('data_overview');
    await backupNow();
    expect(invokeMock).toHaveBeenLastCalledWith('backup_now');
    await backupRestore('/data/backups/hearth-2025-03-12.db');
    expect(invokeMock).toHaveBeenLastCalledWith('backup_restore', {
      path: '/data/backups/hearth-2025-03-12.db',
    });
    await backupsKeep(14);
    expect(invokeMock).toHaveBeenLastCalledWith('backups_keep', { keep: 14 });
    await dataFolderOpen();
    expect(invokeMock).toHaveBeenLastCalledWith('data_folder_open');
    await workspaceExport('/home/cm/export');
    expect(invokeMock).toHaveBeenLastCalledWith('workspace_export', { dir: '/home/cm/export' });
    await workspaceImport('/home/cm/export');
    expect(invokeMock).toHaveBeenLastCalledWith('workspace_import', { dir: '/home/cm/export' });
    await demoRemove();
    expect(invokeMock).toHaveBeenLastCalledWith('demo_remove');
  });

  it('asks the core for one folder, and answers null when none was chosen', async () => {
    invokeMock.mockResolvedValueOnce('/home/cm/export');
    expect(await pickFolder('Export everything to…')).toBe('/home/cm/export');
    expect(invokeMock).toHaveBeenLastCalledWith('pick_folder', { title: 'Export everything to…' });

    invokeMock.mockResolvedValueOnce(null);
    expect(await pickFolder('Import from…')).toBeNull();
  });

  it('imports a members file with the options the dialog chose, after a preview', async () => {
    const options = { list: 'Lumen Meetup', map: [['Mail', 'email']] as [string, string][] };
    invokeMock.mockResolvedValueOnce('/home/cm/attendees.csv');
    expect(await pickCsvFile('Import members from…')).toBe('/home/cm/attendees.csv');
    expect(invokeMock).toHaveBeenLastCalledWith('pick_csv_file', {
      title: 'Import members from…',
    });
    await membersImportPreview('/home/cm/attendees.csv', options);
    expect(invokeMock).toHaveBeenLastCalledWith('members_import_preview', {
      path: '/home/cm/attendees.csv',
      options,
    });
    await membersImport('/home/cm/attendees.csv', options);
    expect(invokeMock).toHaveBeenLastCalledWith('members_import', {
      path: '/home/cm/attendees.csv',
      options,
    });
  });

  it('asks for the metrics of a period and platform as one query', async () => {
    await metricsGet({ from: null, to: null, platform: null });
    await metricsGet({ from: 1_000, to: 2_000, platform: 'github' });
    expect(invokeMock.mock.calls).toEqual([
      ['metrics_get', { query: { from: null, to: null, platform: null } }],
      ['metrics_get', { query: { from: 1_000, to: 2_000, platform: 'github' } }],
    ]);
  });
});
