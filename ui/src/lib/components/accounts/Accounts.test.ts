import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { accounts } from '$lib/stores/accounts.svelte';
import { clock } from '$lib/stores/clock.svelte';
import { applyProgress, sync } from '$lib/stores/sync.svelte';
import { SPECS, account, syncProgress } from '../../../test/fixtures';
import Settings from '../Settings.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const press = (key: string) => fireEvent.keyDown(document.activeElement ?? document.body, { key });

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(accounts, {
    items: [],
    loaded: false,
    specs: [],
    specsLoaded: false,
    form: null,
    checks: {},
    focusId: null,
  });
  sync.byAccount = {};
  api.platformsConnectable.mockResolvedValue(SPECS);
  api.accountsList.mockResolvedValue([]);
  api.workspaceStatus.mockResolvedValue(undefined as never);
});

async function openAddForm() {
  render(Settings);
  await screen.findByText('No accounts are connected yet.');
  await press('n');
  return await screen.findByTestId('account-form');
}

const field = (form: HTMLElement, name: string) =>
  form.querySelector(`[name="${name}"]`) as HTMLInputElement;

describe('adding an account', () => {
  it('sends what was typed, lists the account and shows its first sync', async () => {
    api.accountAdd.mockResolvedValue(account(5));
    const form = await openAddForm();
    expect(field(form, 'platform')).toHaveFocus();
    expect(form).toHaveTextContent('The server (guild) id');
    expect(form).toHaveTextContent('A bot token: Discord Developer Portal');
    expect(field(form, 'token')).toHaveAttribute('type', 'password');
    // Discord has a server of its own: the address waits under "Advanced", filled in.
    expect(field(form, 'baseUrl')).toHaveValue('https://discord.com/api/v10');
    expect(field(form, 'baseUrl').closest('details')).not.toHaveAttribute('open');

    await fireEvent.input(field(form, 'name'), { target: { value: '  Lumen Discord ' } });
    await fireEvent.input(field(form, 'scopes'), { target: { value: '1234\n\n' } });
    await fireEvent.input(field(form, 'token'), { target: { value: 'bot-secret' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Add account' }));

    expect(api.accountAdd).toHaveBeenCalledWith({
      platform: 'discord',
      name: 'Lumen Discord',
      baseUrl: 'https://discord.com/api/v10',
      scopes: ['1234'],
      token: 'bot-secret',
    });
    const row = await screen.findByTestId('account');
    expect(row).toHaveTextContent('Lumen Discord');
    expect(row).toHaveTextContent('never synced');
    expect(screen.queryByTestId('account-form')).toBeNull();

    applyProgress(syncProgress({ accountId: 5, detail: '#general', messagesAdded: 120 }));
    await waitFor(() =>
      expect(within(row).getByTestId('account-progress')).toHaveTextContent(
        'Syncing · #general · 120 new',
      ),
    );
  });

  it('asks for the server of a self-hosted platform and checks the fields first', async () => {
    const form = await openAddForm();
    await fireEvent.change(field(form, 'platform'), { target: { value: 'discourse' } });
    expect(field(form, 'baseUrl').closest('details')).toBeNull();
    expect(field(form, 'baseUrl')).toHaveValue('');
    expect(field(form, 'baseUrl')).toHaveAttribute('placeholder', 'https://forum.example.org');

    await fireEvent.click(within(form).getByRole('button', { name: 'Add account' }));

    expect(api.accountAdd).not.toHaveBeenCalled();
    expect(form).toHaveTextContent('Give the account a name');
    expect(form).toHaveTextContent('Discourse needs the address of your server');
    expect(form).toHaveTextContent('Paste the account’s token');
    await waitFor(() => expect(field(form, 'name')).toHaveFocus());

    await fireEvent.input(field(form, 'baseUrl'), { target: { value: 'forum.lumen.org' } });
    expect(form).toHaveTextContent('“forum.lumen.org” is not a web address');
  });

  it('shows the core’s own words when it refuses, keeping what was typed', async () => {
    api.accountAdd.mockRejectedValue({
      code: 'invalid_input',
      message: 'there is already a Discord account named "Lumen Discord"',
    });
    const form = await openAddForm();
    await fireEvent.input(field(form, 'name'), { target: { value: 'Lumen Discord' } });
    await fireEvent.input(field(form, 'scopes'), { target: { value: '1234' } });
    await fireEvent.input(field(form, 'token'), { target: { value: 'bot-secret' } });
    await fireEvent.submit(form);

    expect(await within(form).findByRole('alert')).toHaveTextContent(
      'There is already a Discord account named "Lumen Discord"',
    );
    expect(field(form, 'name')).toHaveValue('Lumen Discord');
    expect(field(form, 'token')).toHaveValue('bot-secret');
    expect(screen.queryByTestId('account')).toBeNull();
  });
});

describe('an account', () => {
  it('tests the connection and says who the token belongs to', async () => {
    api.accountsList.mockResolvedValue([account(5, { lastSyncAt: clock.now - 3 * 60_000 })]);
    api.accountTest.mockResolvedValue({
      externalId: '99',
      handle: 'lumenbot',
      displayName: 'Lumen Bot',
    });
    render(Settings);
    const row = await screen.findByTestId('account');
    expect(row).toHaveTextContent('synced 3 min ago');

    await fireEvent.click(within(row).getByRole('button', { name: 'Test connection' }));

    expect(api.accountTest).toHaveBeenCalledWith(5);
    await waitFor(() =>
      expect(within(row).getByTestId('connection-check')).toHaveTextContent(
        'Connected as Lumen Bot (@lumenbot)',
      ),
    );
    expect(row).toHaveTextContent('connected as @lumenbot');
  });

  it('says in words when records the platform sent could not be read, and that the rest synced', async () => {
    api.accountsList.mockResolvedValue([
      account(5, {
        lastSyncAt: Date.now() - 60_000,
        quarantined: 1,
        quarantineNote: '1 Discord message could not be read: a message has no id or author',
      }),
      account(6, { name: 'Quiet', lastSyncAt: Date.now() - 60_000 }),
    ]);
    render(Settings);
    const [kept, quiet] = await screen.findAllByTestId('account');
    expect(within(kept).getByTestId('account-kept')).toHaveTextContent(
      '1 Discord message could not be read: a message has no id or author.',
    );
    expect(within(kept).getByTestId('account-kept')).toHaveTextContent('Everything else synced');
    expect(within(quiet).queryByTestId('account-kept')).toBeNull();
  });

  it('offers a new token after the platform refused it, and keeps the rest', async () => {
    api.accountsList.mockResolvedValue([
      account(5, {
        lastAttemptAt: Date.now() - 60_000,
        lastError: 'Discord rejected the token — update it in Settings → Accounts',
        lastErrorKind: 'auth',
      }),
    ]);
    api.accountUpdate.mockResolvedValue(account(5));
    render(Settings);
    const row = await screen.findByTestId('account');
    expect(within(row).getByTestId('account-error')).toHaveTextContent(
      'Discord rejected the token — update it in Settings → Accounts',
    );

    await fireEvent.click(within(row).getByRole('button', { name: 'Update token' }));
    const form = within(row).getByTestId('account-form');
    expect(field(form, 'token')).toHaveFocus();
    await fireEvent.input(field(form, 'token'), { target: { value: 'new-secret' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save' }));

    expect(api.accountUpdate).toHaveBeenCalledWith(5, {
      platform: 'discord',
      name: 'Lumen Discord',
      baseUrl: 'https://discord.com/api/v10',
      scopes: ['1234'],
      token: 'new-secret',
    });
    await waitFor(() => expect(screen.queryByTestId('account-form')).toBeNull());
  });

  it('explains the system keyring when it could not be reached', async () => {
    api.accountsList.mockResolvedValue([
      account(5, {
        lastError: 'the system keyring is locked',
        lastErrorKind: 'keyring',
      }),
    ]);
    render(Settings);
    const error = await screen.findByTestId('account-error');
    expect(error).toHaveTextContent('The system keyring is locked');
    expect(error).toHaveTextContent('Make sure the keyring is running and unlocked');
  });

  it('shows the demo community’s accounts as sample data, with nothing to sync or fix', async () => {
    api.accountsList.mockResolvedValue([
      account(9, { name: 'Lumen Discord', demo: true, lastError: 'no token is stored', lastErrorKind: 'keyring' }),
    ]);
    render(Settings);
    const row = await screen.findByTestId('account');
    expect(within(row).getByTestId('demo-account')).toHaveTextContent('demo sample data');
    expect(within(row).queryByTestId('account-error')).toBeNull();
    expect(within(row).queryByRole('button', { name: 'Sync now' })).toBeNull();
    expect(within(row).getByRole('button', { name: 'Remove' })).toBeInTheDocument();
  });

  it('removes an account only after saying what goes and what stays', async () => {
    api.accountsList.mockResolvedValue([account(5)]);
    api.accountRemove.mockResolvedValue(null);
    render(Settings);
    const row = await screen.findByTestId('account');

    await fireEvent.click(within(row).getByRole('button', { name: 'Remove' }));
    const dialog = screen.getByTestId('remove-account');
    expect(dialog).toHaveTextContent('removes what was synced from this account');
    expect(dialog).toHaveTextContent('Your notes stay');
    expect(api.accountRemove).not.toHaveBeenCalled();

    await fireEvent.click(within(dialog).getByTestId('confirm-remove'));
    expect(api.accountRemove).toHaveBeenCalledWith(5);
    await waitFor(() => expect(screen.queryByTestId('account')).toBeNull());
  });
});
