// One window-level keydown listener feeds a stack of handlers. From the top: overlays (menus,
// dialogs), two-key chords (`g i`, which must beat a view's own `i` or `m`), the current view,
// then the global single keys. The topmost handler that returns true has handled the key.

/** Returns true when it handled the key (the event is then default-prevented). */
export type KeyHandler = (event: KeyboardEvent) => boolean;

/** Which layer a handler sits in; higher layers see keys first. */
export type KeyLayer = 'global' | 'view' | 'chord' | 'overlay';

const RANK: Record<KeyLayer, number> = { global: 0, view: 1, chord: 2, overlay: 3 };

interface Registration {
  rank: number;
  handler: KeyHandler;
}

// Kept sorted by rank; within a rank, the most recently pushed comes last (and sees keys first).
const stack: Registration[] = [];

/** True when the key went to a field the person is typing into. */
function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.matches('input, textarea, select');
}

function dispatch(event: KeyboardEvent) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  // Shortcuts never fire while typing; only Esc still closes what is open.
  if (event.key !== 'Escape' && isTypingTarget(event.target)) return;
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i].handler(event)) {
      event.preventDefault();
      return;
    }
  }
}

/** Adds a handler; call the returned function to remove it (fits `$effect` cleanup). */
export function pushKeys(layer: KeyLayer, handler: KeyHandler): () => void {
  if (stack.length === 0) window.addEventListener('keydown', dispatch);
  const entry = { rank: RANK[layer], handler };
  const at = stack.findIndex((r) => r.rank > entry.rank);
  stack.splice(at === -1 ? stack.length : at, 0, entry);
  return () => {
    const index = stack.indexOf(entry);
    if (index !== -1) stack.splice(index, 1);
    if (stack.length === 0) window.removeEventListener('keydown', dispatch);
  };
}
