import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Progress } from '$lib/bindings/Progress';
import type { SyncProgress } from '$lib/bindings/SyncProgress';
import * as ipc from '$lib/ipc';
import { accounts } from '$lib/stores/accounts.svelte';
import { data } from '$lib/stores/data.svelte';
import { members } from '$lib/stores/members.svelte';
import { firstPage, inbox } from '$lib/stores/inbox.svelte';
import { nav } from '$lib/stores/nav.svelte';
import { CHECK_AFTER_MS } from '$lib/stores/workspace.svelte';
import { resetFirstScreen } from '$lib/stores/firstScreen';
import { DEMO_ONLY, REFRESH_MS, sync } from '$lib/stores/sync.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { workspace } from '$lib/stores/workspace.svelte';
import App from './App.svelte';
import {
  SPECS,
  account,
  dataOverview,
  detail,
  inboxItem,
  memberSummary,
  profile,
  syncProgress,
  viewList,
  workspaceStatus,
} from './test/fixtures';

vi.mock('$lib/ipc', async () => (await import('./test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const press = (key: string) => fireEvent.keyDown(document.activeElement ?? document.body, { key });

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(workspace, { status: null, loadError: null, generating: false, progress: null });
  Object.assign(nav, { view: 'inbox', helpOpen: false, aboutOpen: false });
  Object.assign(inbox, { view: 'open', platform: null, tag: null, views: [] });
  Object.assign(members, { query: '', items: [], total: 0, selectedId: null, profile: null });
  Object.assign(accounts, { items: [], loaded: false, form: null, checks: {}, focusId: null });
  Object.assign(sync, { byAccount: {}, requested: false });
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
  api.platformsConnectable.mockResolvedValue(SPECS);
  api.accountsList.mockResolvedValue([]);
  api.onSync.mockImplementation(async () => () => {});
  api.workspaceStatus.mockResolvedValue(workspaceStatus());
  api.inboxList.mockResolvedValue({ items: [inboxItem(1), inboxItem(2)], total: 2, reminders: [] });
  api.inboxCounts.mockResolvedValue({ open: 2, waiting: 0, snoozed: 0, done: 5, reminders: 0 });
  api.viewsList.mockResolvedValue(viewList({ open: 2, 'needs-reply': 1, done: 5 }));
  api.tagsList.mockResolvedValue([]);
  api.conversationShow.mockImplementation(async (id: number) => detail(inboxItem(id)));
  api.membersList.mockResolvedValue({ items: [], total: 0 });
  api.calendarList.mockResolvedValue([]);
});

describe('first launch', () => {
  it('welcomes an empty workspace and fills it with a demo, showing progress', async () => {
    api.workspaceStatus.mockResolvedValue(workspaceStatus({ isEmpty: true }));
    api.inboxList.mockResolvedValue({ items: [], total: 0, reminders: [] });
    let report: (progress: Progress) => void = () => {};
    const unlisten = vi.fn();
    api.onProgress.mockImplementation(async (handler) => {
      report = handler;
      return unlisten;
    });
    let finish: (status: ReturnType<typeof workspaceStatus>) => void = () => {};
    api.generateDemo.mockReturnValue(new Promise((resolve) => (finish = resolve)));

    render(App);
    expect(await screen.findByTestId('welcome')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('demo-button'));

    const bar = await screen.findByTestId('progress');
    report({ phase: 'Writing messages', done: 3000, total: 6000 });
    await waitFor(() => expect(bar).toHaveAttribute('aria-valuenow', '50'));
    expect(bar).toHaveTextContent('Writing messages');
    expect(bar).toHaveTextContent('50%');

    // what the empty workspace answered at start is not what the filled one shows
    api.inboxList.mockResolvedValue({ items: [inboxItem(7)], total: 1, reminders: [] });
    finish(workspaceStatus());
    expect(await screen.findByTestId('inbox-list')).toHaveTextContent('Question 7');
    expect(screen.queryByTestId('welcome')).toBeNull();
    expect(unlisten).toHaveBeenCalled();
  });

  it('connects an account from Settings → Accounts, and says where the data lives', async () => {
    api.workspaceStatus.mockResolvedValue(workspaceStatus({ isEmpty: true, accounts: 0 }));
    render(App);
    await fireEvent.click(await screen.findByTestId('connect-button'));

    // Settings is loaded when first opened (the first import compiles it here: give it time)
    const settings = await screen.findByTestId('settings', {}, { timeout: 5000 });
    const form = await within(settings).findByTestId('account-form');
    expect(form).toHaveTextContent('Add an account');
    expect(within(form).getByRole('combobox', { name: 'Platform' })).toHaveFocus();
    expect(settings).toHaveTextContent('system keyring');
    expect(settings).toHaveTextContent('/home/cm/.local/share/hearth/hearth.db');
  });
});

describe('shell', () => {
  it('asks for the inbox’s rows before the sidebar’s counts and segments', async () => {
    // every command waits its turn for the one database connection: on a million messages the
    // counts and segments took half a second, and the rows were what the person waited for
    resetFirstScreen();
    firstPage.settled = false;
    let rows: (page: Awaited<ReturnType<typeof ipc.inboxList>>) => void = () => {};
    api.inboxList.mockReturnValueOnce(new Promise((resolve) => (rows = resolve)));
    let status: (s: ReturnType<typeof workspaceStatus>) => void = () => {};
    api.workspaceStatus.mockReturnValueOnce(new Promise((resolve) => (status = resolve)));
    render(App);
    // the rows are asked for beside the status, not after it
    await waitFor(() => expect(api.inboxList).toHaveBeenCalledTimes(1));
    status(workspaceStatus());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(api.viewsList).not.toHaveBeenCalled();
    expect(api.inboxCounts).not.toHaveBeenCalled();
    expect(api.segmentsList).not.toHaveBeenCalled();
    // nor is the inbox drawn without its rows: its first frame holds them (each frame costs a
    // layout and a paint, about 0.1 s without a GPU)
    expect(screen.queryByRole('button', { name: /Members/ })).toBeNull();
    expect(screen.queryByRole('searchbox')).toBeNull();

    rows({ items: [inboxItem(1), inboxItem(2)], total: 2, reminders: [] });
    expect(await screen.findByTestId('inbox-list')).toHaveTextContent('Question 1');
    await waitFor(() => expect(api.segmentsList).toHaveBeenCalledTimes(1));
    expect(api.viewsList).toHaveBeenCalledTimes(1);
    expect(api.inboxCounts).toHaveBeenCalledTimes(1);
    expect(api.inboxList).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId('view-needs-reply')).toHaveTextContent(/Needs reply\s*1/);
  });

  it('switches views with g-sequences and digits, and shows the open count', async () => {
    render(App);
    await screen.findByTestId('inbox-list');
    expect(screen.getByTestId('nav-inbox')).toHaveTextContent('2');

    // the other places are loaded when first opened (here the first import compiles them)
    const loaded = { timeout: 5000 };
    await press('g');
    await press('m');
    expect(await screen.findByTestId('member-search', {}, loaded)).toBeInTheDocument();

    await press('3');
    expect(await screen.findByTestId('calendar', {}, loaded)).toBeInTheDocument();

    // The calendar's own `m` (month view) must not swallow the second key of `g m`.
    await press('g');
    await press('m');
    expect(await screen.findByTestId('member-search')).toBeInTheDocument();

    await press('g');
    await press('i');
    expect(await screen.findByTestId('inbox-list')).toBeInTheDocument();

    // g + a view's letter opens that view of the inbox, listed in the sidebar with its count
    expect(screen.getByTestId('view-needs-reply')).toHaveTextContent(/Needs reply\s*1/);
    await press('g');
    await press('r');
    await waitFor(() =>
      expect(api.inboxList).toHaveBeenLastCalledWith(expect.objectContaining({ view: 'needs-reply' })),
    );
    expect(screen.getByTestId('view-needs-reply')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('view-title')).toHaveTextContent('Needs reply');
  });

  it('opens the Dashboard with g h and 4, listed in the sidebar and the shortcut help', async () => {
    render(App);
    await screen.findByTestId('inbox-list');
    const loaded = { timeout: 5000 };
    await press('g');
    await press('h');
    expect(await screen.findByTestId('health', {}, loaded)).toBeInTheDocument();
    expect(screen.getByTestId('nav-health')).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByText('No messages in these 30 days yet')).toBeInTheDocument();
    expect(api.metricsGet).toHaveBeenCalledWith({ from: null, to: null, platform: null });

    await press('1');
    expect(await screen.findByTestId('inbox-list')).toBeInTheDocument();
    await press('4');
    expect(await screen.findByTestId('health')).toBeInTheDocument();

    await press('?');
    expect(await screen.findByText('Go to the Dashboard: community health (also 4)')).toBeInTheDocument();
  });

  /** Renders the app and returns what the app menu and tray call to ask for a place. */
  async function renderWithMenu() {
    let navigate: (target: string) => void = () => {};
    api.onNavigate.mockImplementation(async (handler) => {
      navigate = handler;
      return () => {};
    });
    render(App);
    await screen.findByTestId('inbox-list');
    await waitFor(() => expect(api.onNavigate).toHaveBeenCalled());
    return (target: string) => navigate(target);
  }

  it('follows the app menu and tray to a view', async () => {
    const navigate = await renderWithMenu();
    navigate('calendar');
    expect(await screen.findByTestId('calendar')).toBeInTheDocument();
    navigate('shortcuts');
    expect(await screen.findByTestId('shortcut-help')).toBeInTheDocument();
    await press('Escape');
    // Help → About Hearth: the release, the schema and the database it is on
    navigate('about');
    const about = await screen.findByTestId('about-dialog');
    await waitFor(() => expect(about).toHaveTextContent('Hearth 0.1.0'));
    expect(about).toHaveTextContent(/Database schema\s*23/);
    expect(about).toHaveTextContent('/home/robin/.local/share/hearth/hearth.db');
    await press('Escape');
    expect(screen.queryByTestId('about-dialog')).toBeNull();
  });

  it('says in About when the database is at another schema than this build', async () => {
    api.appAbout.mockResolvedValue({
      version: '0.2.0',
      schemaVersion: 24,
      dbPath: '/tmp/old.db',
      dbSchemaVersion: 23,
    });
    const navigate = await renderWithMenu();
    navigate('about');
    const about = await screen.findByTestId('about-dialog');
    await waitFor(() => expect(about).toHaveTextContent('(the database is at 23)'));
  });

  it('toggles the shortcut list with ? and closes it with Esc', async () => {
    render(App);
    await screen.findByTestId('inbox-list');

    await press('?');
    expect(screen.getByTestId('shortcut-help')).toHaveTextContent('Mark done');
    await press('Escape');
    expect(screen.queryByTestId('shortcut-help')).toBeNull();
  });

  it('lists the assign, priority and member keys in the shortcut list', async () => {
    render(App);
    await screen.findByTestId('inbox-list');

    await press('?');
    const help = screen.getByTestId('shortcut-help');
    expect(help).toHaveTextContent('Assign…');
    expect(help).toHaveTextContent('Priority…');
    expect(help).toHaveTextContent('Next member');
  });

  it('walks the members with j and still searches with / there', async () => {
    api.membersList.mockResolvedValue({ items: [memberSummary(7), memberSummary(8)], total: 2 });
    api.memberProfile.mockImplementation(async (id: number) => profile(id));
    render(App);
    await screen.findByTestId('inbox-list');

    await press('2');
    await screen.findAllByTestId('member-row');
    await press('j');
    await waitFor(() =>
      expect(screen.getByTestId('member-profile')).toHaveAttribute('data-id', '7'),
    );

    await press('/');
    expect(screen.getByTestId('search-input')).toHaveFocus();
  });

  it('searches with / and opens a done conversation from a message hit', async () => {
    api.search.mockResolvedValue({
      hits: [
        {
          kind: 'message',
          messageId: 900,
          noteId: null,
          conversationId: 42,
          memberId: 7,
          platform: 'github',
          title: 'Login fails on <b>Safari</b>',
          authorName: 'Maria',
          snippet: 'the \u0002login\u0003 button',
          createdAt: Date.now() - 3_600_000,
        },
      ],
      filters: [],
      rankedAmong: null,
      problem: null,
    });
    api.conversationShow.mockImplementation(async (id: number) =>
      detail(inboxItem(id, { status: 'done', title: 'Login fails' })),
    );
    render(App);
    await screen.findByTestId('inbox-list');

    await press('/');
    const input = screen.getByTestId('search-input');
    expect(input).toHaveFocus();
    await fireEvent.input(input, { target: { value: 'login' } });

    const hit = await screen.findByTestId('search-hit');
    expect(hit.querySelector('mark')).toHaveTextContent('login');
    expect(hit).toHaveTextContent('Login fails on <b>Safari</b>');
    await fireEvent.keyDown(input, { key: 'Enter' });

    await waitFor(() => expect(screen.getByTestId('thread')).toHaveAttribute('data-id', '42'));
    expect(screen.queryByTestId('search-hit')).toBeNull();
    // selected in the list, in the view of its status
    await waitFor(() => expect(screen.getByTestId('view-done')).toHaveAttribute('aria-current', 'page'));
    const row = screen.getAllByTestId('inbox-item').find((r) => r.dataset.id === '42');
    expect(row).toHaveAttribute('aria-selected', 'true');
  });
});

describe('search filters', () => {
  it('shows the filters as read, a filter it cannot read, and when only the newest were ranked', async () => {
    render(App);
    await screen.findByTestId('inbox-list');
    api.search.mockResolvedValue({
      hits: [],
      filters: ['on GitHub', 'from Ana Souza'],
      rankedAmong: 1000,
      problem: null,
    });
    await press('/');
    const input = screen.getByTestId('search-input');
    await fireEvent.input(input, { target: { value: 'crash on:github from:ana' } });
    expect(await screen.findByTestId('search-filters')).toHaveTextContent(
      'Only on GitHub · from Ana Souza',
    );
    expect(screen.getByTestId('search-ranked-among')).toHaveTextContent('newest 1,000 matches');
    expect(api.search).toHaveBeenLastCalledWith('crash on:github from:ana', expect.any(Number));

    api.search.mockResolvedValue({
      hits: [],
      filters: [],
      rankedAmong: null,
      problem: '“on:myspace”: not a platform (one of discord, github)',
    });
    await fireEvent.input(input, { target: { value: 'crash on:myspace' } });
    expect(await screen.findByTestId('search-problem')).toHaveTextContent('on:myspace');
    expect(screen.queryByText('Nothing matches.')).toBeNull();
  });
});

describe('sync status', () => {
  /** Renders the app and returns a function that plays a `hearth://sync` event. */
  async function renderWithSync() {
    let emit: (progress: SyncProgress) => void = () => {};
    api.onSync.mockImplementation(async (handler) => {
      emit = handler;
      return () => {};
    });
    api.workspaceStatus.mockResolvedValue(workspaceStatus({ accounts: 1 }));
    render(App);
    await screen.findByTestId('inbox-list');
    await waitFor(() => expect(api.onSync).toHaveBeenCalled());
    return (progress: SyncProgress) => emit(progress);
  }

  const status = () => screen.getByTestId('sync-status');

  it('follows each account’s sync in words: pages, waits, offline, failures', async () => {
    const emit = await renderWithSync();

    emit(syncProgress({ detail: '#help', messagesAdded: 120 }));
    await waitFor(() =>
      expect(status()).toHaveTextContent('Syncing Lumen Discord · #help · 120 new'),
    );

    emit(syncProgress({ state: 'waiting', detail: 'Discord asks us to wait 12 s' }));
    await waitFor(() => expect(status()).toHaveTextContent('Discord asks us to wait 12 s'));
    expect(status()).not.toHaveTextContent('#help');

    emit(syncProgress({ state: 'offline', detail: 'offline — everything local keeps working' }));
    await waitFor(() =>
      expect(status()).toHaveTextContent('Offline — everything local keeps working'),
    );

    emit(
      syncProgress({
        state: 'failed',
        detail: 'Discord rejected the token — update it in Settings → Accounts',
      }),
    );
    await waitFor(() => expect(status()).toHaveTextContent('Discord rejected the token'));
    await fireEvent.click(within(status()).getByRole('button', { name: 'Settings → Accounts' }));
    expect(await screen.findByTestId('settings')).toBeInTheDocument();
  });

  it('syncs every account with Shift+S, listed in the shortcut help', async () => {
    await renderWithSync();

    await press('S');
    await waitFor(() => expect(api.syncNow).toHaveBeenCalledWith(null));
    expect(status()).toHaveTextContent('Asking every account for news…');

    await press('?');
    expect(screen.getByTestId('shortcut-help')).toHaveTextContent('Sync every account now');
    expect(screen.getByTestId('shortcut-help')).toHaveTextContent('Reply');
  });

  it('reloads the inbox once a page of news has arrived, without a restart', async () => {
    const emit = await renderWithSync();
    expect(screen.getAllByTestId('inbox-item')).toHaveLength(2);
    api.inboxList.mockResolvedValue({
      items: [inboxItem(3, { title: 'Fresh from Discord' }), inboxItem(1), inboxItem(2)],
      total: 3, reminders: [],
    });
    api.inboxCounts.mockResolvedValue({ open: 3, waiting: 0, snoozed: 0, done: 5, reminders: 0 });

    emit(syncProgress({ pages: 1 }));
    emit(syncProgress({ pages: 2 }));

    expect(await screen.findByText('Fresh from Discord', {}, { timeout: REFRESH_MS + 2000 }))
      .toBeInTheDocument();
    expect(screen.getByTestId('nav-inbox')).toHaveTextContent('3');
    // Two pages close together make one reload.
    expect(api.inboxList).toHaveBeenCalledTimes(2);
  });
});

describe('sync now on the demo community', () => {
  async function renderWithAccounts(list: ReturnType<typeof account>[]) {
    api.accountsList.mockResolvedValue(list);
    api.workspaceStatus.mockResolvedValue(workspaceStatus({ accounts: list.length }));
    render(App);
    await screen.findByTestId('inbox-list');
  }

  it('says in words that the demo’s sample accounts have nothing to sync', async () => {
    await renderWithAccounts([
      account(1, { name: 'Lumen Discord', demo: true }),
      account(2, { name: 'Lumen GitHub', platform: 'github', demo: true }),
    ]);

    await press('S');

    const toast = await screen.findByTestId('toast');
    expect(toast).toHaveTextContent(DEMO_ONLY);
    expect(toast).toHaveTextContent('Connect your own account in Settings → Accounts');
    expect(api.syncNow).not.toHaveBeenCalled();
    expect(screen.getByTestId('sync-status')).not.toHaveTextContent('Asking every account');

    await fireEvent.click(within(toast).getByRole('button', { name: 'Connect an account' }));
    expect(await screen.findByTestId('account-form')).toBeInTheDocument();
  });

  it('still syncs when a real account sits beside the demo’s', async () => {
    await renderWithAccounts([account(1, { demo: true }), account(5, { name: 'Our Matrix' })]);

    await fireEvent.click(screen.getByTestId('sync-now'));

    await waitFor(() => expect(api.syncNow).toHaveBeenCalledWith(null));
    expect(screen.queryByText(DEMO_ONLY)).toBeNull();
  });
});

describe('when the data cannot be opened', () => {
  const CASES = [
    {
      code: 'damaged',
      message:
        'the database file /home/cm/.local/share/hearth/hearth.db is damaged (database disk image is malformed); the latest backup is /home/cm/.local/share/hearth/backups/hearth-2025-03-11.db',
      headline: 'Hearth’s data file is damaged',
      advice: ['hearth doctor', 'recover what is still readable', 'Settings → Data can restore a backup'],
    },
    {
      code: 'disk_full',
      message:
        'the disk is full, so Hearth could not save; free some space and try again — nothing already saved was lost',
      headline: 'The disk is full',
      advice: ['Free some space'],
    },
    {
      code: 'no_database',
      message: 'no Hearth database at /media/usb/hearth.db',
      headline: 'Hearth’s database is not where it should be',
      advice: ['put it back', 'HEARTH_DB'],
    },
    {
      code: 'io',
      message: 'cannot open the database at /media/usb/hearth.db: permission denied',
      headline: 'Hearth cannot reach its data folder',
      advice: ['The folder is missing or cannot be read'],
    },
    {
      code: 'database',
      message: 'database error: disk I/O error',
      headline: 'Hearth could not read its data',
      advice: ['hearth doctor'],
    },
  ] as const;

  it.each(CASES)('says what a $code error means and what to do', async (failure) => {
    api.workspaceStatus.mockRejectedValue({ code: failure.code, message: failure.message });
    render(App);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(failure.headline);
    // The core's own words, which name the file (and a backup when there is one).
    const shown = failure.message.charAt(0).toUpperCase() + failure.message.slice(1);
    expect(alert).toHaveTextContent(shown);
    for (const words of failure.advice) expect(alert).toHaveTextContent(words);
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('shows damage the background check finds after the first screen opened', async () => {
    api.workspaceCheck.mockRejectedValueOnce({
      code: 'damaged',
      message:
        'the database file /data/hearth.db is damaged (*** in database main *** Page 88: btreeInitPage() returns error code 11); run `hearth --db /data/hearth.db doctor` to check it',
    });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      render(App);
      // the first screen opens without waiting for the check, which comes once it has
      await screen.findByTestId('inbox-list');
      expect(api.workspaceCheck).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(CHECK_AFTER_MS);
    } finally {
      vi.useRealTimers();
    }
    expect(api.workspaceCheck).toHaveBeenCalledTimes(1);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Hearth’s data file is damaged');
    expect(alert).toHaveTextContent('hearth --db /data/hearth.db doctor');
    expect(screen.queryByTestId('inbox-list')).toBeNull();
  });

  it('opens the workspace when trying again works', async () => {
    api.workspaceStatus.mockRejectedValueOnce({ code: 'io', message: 'cannot open the folder' });
    render(App);
    const alert = await screen.findByRole('alert');

    await fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));

    expect(await screen.findByTestId('inbox-list')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('removing the demo community', () => {
  it('returns an emptied workspace to the welcome screen and says what went', async () => {
    api.workspaceStatus.mockResolvedValue(workspaceStatus({ accounts: 3 }));
    api.dataOverview.mockResolvedValue(dataOverview({ demoAccounts: 3 }));
    api.demoRemove.mockResolvedValue({
      accounts: 3,
      members: 400,
      conversations: 900,
      messages: 6000,
      notes: 12,
      calendarItems: 0,
    });
    render(App);
    await screen.findByTestId('inbox-list');
    nav.view = 'settings';

    await fireEvent.click(
      await screen.findByRole('button', { name: 'Remove the demo community' }),
    );
    api.workspaceStatus.mockResolvedValue(
      workspaceStatus({ isEmpty: true, accounts: 0 }),
    );
    await fireEvent.click(screen.getByTestId('confirm-remove-demo'));

    expect(await screen.findByTestId('welcome')).toBeInTheDocument();
    expect(screen.getByTestId('toast')).toHaveTextContent(
      'Removed the demo community: 3 sample accounts, 400 members, 900 conversations, 6,000 messages and 12 notes.',
    );
  });
});
