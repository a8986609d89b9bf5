// Settings → Accounts: the connected accounts, what each platform needs to connect, the add and
// edit forms, and "Test connection" results. Tokens pass through here once, on their way to the
// core (which files them in the OS keyring); nothing here keeps them.
import type { AccountInput } from '$lib/bindings/AccountInput';
import type { AccountView } from '$lib/bindings/AccountView';
import type { ErrorCode } from '$lib/bindings/ErrorCode';
import type { PlatformSpec } from '$lib/bindings/PlatformSpec';
import * as ipc from '$lib/ipc';
import { errorMessage, isApiError } from '$lib/ipc/errors';
import { showError, showToast } from './toasts.svelte';
import { loadWorkspace } from './workspace.svelte';

/** Which form is open: adding, or editing one account (optionally straight to its token). */
export type AccountForm = { mode: 'add' } | { mode: 'edit'; id: number; focusToken: boolean };

/** What "Test connection" said last, per account. */
export type ConnectionResult =
  | { state: 'testing' }
  | { state: 'ok'; handle: string; displayName: string | null }
  | { state: 'error'; code: ErrorCode | null; message: string };

export const accounts = $state({
  items: [] as AccountView[],
  loaded: false,
  specs: [] as PlatformSpec[],
  specsLoaded: false,
  form: null as AccountForm | null,
  checks: {} as Record<number, ConnectionResult>,
  /** The account to bring into view when Settings opens (the status line's link). */
  focusId: null as number | null,
});

export async function loadAccounts(quiet = false) {
  try {
    accounts.items = await ipc.accountsList();
    accounts.loaded = true;
  } catch (error) {
    if (!quiet) showError(error);
  }
}

export async function loadSpecs() {
  if (accounts.specsLoaded) return;
  try {
    accounts.specs = await ipc.platformsConnectable();
    accounts.specsLoaded = true;
  } catch (error) {
    showError(error);
  }
}

export const specFor = (platform: string) =>
  accounts.specs.find((spec) => spec.platform === platform) ?? null;

export function openAddForm() {
  accounts.form = { mode: 'add' };
}

export function openEditForm(id: number, focusToken = false) {
  accounts.form = { mode: 'edit', id, focusToken };
}

export function closeForm() {
  accounts.form = null;
}

/**
 * Adds an account (or saves changes to one). Resolves to the account; rejects with the core's
 * error, which the form shows in place.
 */
export async function saveAccount(input: AccountInput, id: number | null): Promise<AccountView> {
  const saved = id === null ? await ipc.accountAdd(input) : await ipc.accountUpdate(id, input);
  const index = accounts.items.findIndex((a) => a.id === saved.id);
  if (index === -1) accounts.items.push(saved);
  else accounts.items[index] = saved;
  accounts.form = null;
  accounts.focusId = saved.id;
  if (id === null) {
    showToast(`${saved.name} added — syncing now`);
    void loadWorkspace();
  } else {
    delete accounts.checks[saved.id];
    showToast(`${saved.name} saved`);
  }
  return saved;
}

/** "Test connection": who the stored token authenticates as. */
export async function testConnection(id: number) {
  accounts.checks[id] = { state: 'testing' };
  try {
    const me = await ipc.accountTest(id);
    accounts.checks[id] = { state: 'ok', handle: me.handle, displayName: me.displayName };
    const account = accounts.items.find((a) => a.id === id);
    if (account) account.selfHandle = me.handle;
  } catch (error) {
    accounts.checks[id] = {
      state: 'error',
      code: isApiError(error) ? error.code : null,
      message: errorMessage(error),
    };
  }
}

/** Removes an account and what was synced through it. True when the core agreed. */
export async function removeAccount(id: number): Promise<boolean> {
  const account = accounts.items.find((a) => a.id === id);
  try {
    await ipc.accountRemove(id);
  } catch (error) {
    showError(error);
    return false;
  }
  accounts.items = accounts.items.filter((a) => a.id !== id);
  delete accounts.checks[id];
  if (accounts.form?.mode === 'edit' && accounts.form.id === id) accounts.form = null;
  showToast(account ? `${account.name} removed` : 'Account removed');
  void loadWorkspace();
  return true;
}
