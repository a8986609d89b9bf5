// The workspace as a whole: where the data lives, whether it is empty, and the demo generator.
import type { ErrorCode } from '$lib/bindings/ErrorCode';
import type { Progress } from '$lib/bindings/Progress';
import type { WorkspaceStatus } from '$lib/bindings/WorkspaceStatus';
import * as ipc from '$lib/ipc';
import { errorMessage, isApiError } from '$lib/ipc/errors';
import { showError } from './toasts.svelte';

export const workspace = $state({
  status: null as WorkspaceStatus | null,
  /** Why the status could not be read, when it could not. */
  loadError: null as { code: ErrorCode | null; message: string } | null,
  generating: false,
  progress: null as Progress | null,
});

export async function loadWorkspace() {
  try {
    workspace.status = await ipc.workspaceStatus();
    workspace.loadError = null;
  } catch (error) {
    workspace.loadError = {
      code: isApiError(error) ? error.code : null,
      message: errorMessage(error),
    };
    return;
  }
  setTimeout(() => void checkWorkspace(), CHECK_AFTER_MS);
}

/**
 * How long after the first screen the whole file is checked. The check reads every page (on a
 * million messages, seconds of one of a laptop's cores); started at once, it slowed the first
 * screen by a quarter and kept the app busy well after it showed.
 */
export const CHECK_AFTER_MS = 15_000;

/**
 * Reads the whole file once in the background: damage the first screen did not touch still
 * shows, in the same words and with what to do, instead of surfacing in some later view.
 */
async function checkWorkspace() {
  try {
    await ipc.workspaceCheck();
  } catch (error) {
    if (isApiError(error) && error.code === 'damaged') {
      workspace.status = null;
      workspace.loadError = { code: error.code, message: errorMessage(error) };
    }
  }
}

/** Fills the workspace with a demo community, following its progress events. True on success. */
export async function generateDemo(): Promise<boolean> {
  if (workspace.generating) return false;
  workspace.generating = true;
  workspace.progress = { phase: 'Starting', done: 0, total: 0 };
  let unlisten: (() => void) | undefined;
  try {
    unlisten = await ipc.onProgress((progress) => {
      workspace.progress = progress;
    });
    workspace.status = await ipc.generateDemo();
    return true;
  } catch (error) {
    showError(error);
    return false;
  } finally {
    unlisten?.();
    workspace.generating = false;
    workspace.progress = null;
  }
}
