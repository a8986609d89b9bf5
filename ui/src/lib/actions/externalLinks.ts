import { openExternal } from '$lib/ipc';
import { showError } from '$lib/stores/toasts.svelte';

/**
 * Svelte action: links clicked inside `node` open in the system browser (through the core) and
 * never navigate the app window. Covers platform HTML in messages, whose links Hearth does not
 * control.
 */
export function externalLinks(node: HTMLElement) {
  function intercept(event: MouseEvent) {
    const link = (event.target as Element | null)?.closest('a[href]');
    if (!link) return;
    event.preventDefault();
    openExternal(link.getAttribute('href') ?? '').catch(showError);
  }
  node.addEventListener('click', intercept);
  node.addEventListener('auxclick', intercept);
  return {
    destroy() {
      node.removeEventListener('click', intercept);
      node.removeEventListener('auxclick', intercept);
    },
  };
}
