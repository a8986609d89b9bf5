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
}

const INFO_MS = 5000;
const ERROR_MS = 8000;

let nextId = 1;

export const toasts: Toast[] = $state([]);

export function dismissToast(id: number) {
  const index = toasts.findIndex((t) => t.id === id);
  if (index !== -1) toasts.splice(index, 1);
}

export function showToast(message: string, action?: ToastAction) {
  push({ id: nextId++, message, tone: 'info', action }, INFO_MS);
}

/** Shows any failure as a toast with the core's message. */
export function showError(error: unknown) {
  push({ id: nextId++, message: errorMessage(error), tone: 'error' }, ERROR_MS);
}

function push(toast: Toast, ms: number) {
  toasts.push(toast);
  // At most three at once: the oldest make way.
  while (toasts.length > 3) toasts.shift();
  setTimeout(() => dismissToast(toast.id), ms);
}
