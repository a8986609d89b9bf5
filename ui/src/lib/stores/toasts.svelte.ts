// Non-blocking messages at the bottom of the window: confirmations with an optional action
// (Undo) and errors. Nothing here blocks input.
import { errorMessage } from '$lib/ipc/errors';

export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  message: string;
  tone: 'info' | 'error';
  action?: ToastAction;
  /** Toasts of one group replace each other (the inbox's Undo: only the last can be undone). */
  group?: string;
}

const INFO_MS = 5000;
const ERROR_MS = 8000;

let nextId = 1;

export const toasts: Toast[] = $state([]);

export function dismissToast(id: number) {
  const index = toasts.findIndex((t) => t.id === id);
  if (index !== -1) toasts.splice(index, 1);
}

export function showToast(message: string, action?: ToastAction, group?: string) {
  push({ id: nextId++, message, tone: 'info', action, group }, INFO_MS);
}

/** Takes away the toasts of a group (an Undo that was used or can no longer be). */
export function dismissGroup(group: string) {
  for (let i = toasts.length - 1; i >= 0; i--) {
    if (toasts[i].group === group) toasts.splice(i, 1);
  }
}

/** Shows any failure as a toast with the core's message. */
export function showError(error: unknown) {
  push({ id: nextId++, message: errorMessage(error), tone: 'error' }, ERROR_MS);
}

function push(toast: Toast, ms: number) {
  if (toast.group) dismissGroup(toast.group);
  toasts.push(toast);
  // At most three at once: the oldest make way.
  while (toasts.length > 3) toasts.shift();
  setTimeout(() => dismissToast(toast.id), ms);
}
