// Save-as-you-type for one note. The first keystroke of a new note creates it at once; after
// that, changes are written ~400 ms after typing pauses, one request at a time, and `flush()`
// writes anything pending right away (on blur, before the editor goes away, and when the window
// is hidden or closed).
import type { Note } from '$lib/bindings/Note';
import * as ipc from '$lib/ipc';
import { errorMessage } from '$lib/ipc/errors';

const SAVE_DELAY_MS = 400;

export type SaveState = 'idle' | 'saving' | 'saved' | 'error';

// Drafts with typing not yet written. When the window is hidden or closing, they are written
// at once instead of after the pause: the request reaches the core even if the page goes away.
const unsaved = new Set<NoteDraft>();

function flushUnsaved() {
  for (const draft of unsaved) void draft.flush();
}

if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', flushUnsaved);
  window.addEventListener('beforeunload', flushUnsaved);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushUnsaved();
  });
}

export class NoteDraft {
  body = $state('');
  state: SaveState = $state('idle');
  error = $state('');

  #memberId: number;
  #noteId: number | null = $state(null);
  #savedBody: string;
  #onSaved: (note: Note) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Saves run one after another, so an update never overtakes the create it depends on.
  #queue: Promise<void> = Promise.resolve();
  #createQueued = false;

  constructor(memberId: number, note: Note | null, onSaved: (note: Note) => void) {
    this.#memberId = memberId;
    this.#noteId = note?.id ?? null;
    this.#savedBody = note?.body ?? '';
    this.body = this.#savedBody;
    this.#onSaved = onSaved;
  }

  /** The saved note this draft writes to, once there is one. */
  get noteId() {
    return this.#noteId;
  }

  /** Records what is in the textarea now and schedules its save. */
  input(body: string) {
    this.body = body;
    clearTimeout(this.#timer);
    this.state = 'saving';
    unsaved.add(this);
    if (this.#noteId === null && !this.#createQueued) {
      this.#createQueued = true;
      void this.flush();
    } else {
      this.#timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
    }
  }

  /** Writes pending changes now; resolves once everything typed so far is saved (or failed). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#queue = this.#queue.then(() => this.#persist());
    return this.#queue;
  }

  async #persist() {
    const body = this.body;
    if (body !== this.#savedBody) {
      try {
        const note =
          this.#noteId === null
            ? await ipc.noteAdd(this.#memberId, body)
            : await ipc.noteUpdate(this.#noteId, body);
        this.#noteId = note.id;
        this.#savedBody = body;
        this.#onSaved(note);
      } catch (error) {
        this.state = 'error';
        this.error = errorMessage(error);
        return;
      }
    }
    // If more was typed meanwhile, its own save is already scheduled and keeps "Saving…".
    if (this.body === this.#savedBody) {
      unsaved.delete(this);
      this.state = this.#noteId === null ? 'idle' : 'saved';
    }
  }
}
