import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Note } from '$lib/bindings/Note';
import * as ipc from '$lib/ipc';
import { NoteDraft } from './noteDraft.svelte';

vi.mock('$lib/ipc', async () => (await import('../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const note = (body: string): Note => ({
  id: 7,
  memberId: 3,
  body,
  html: `<p>${body}</p>`,
  createdAt: 1,
  updatedAt: 2,
  shared: false,
  author: null,
});

describe('a note being typed when the window goes away', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.clearAllMocks();
    api.noteUpdate.mockImplementation(async (_id, body) => note(body));
  });
  afterEach(() => vi.useRealTimers());

  it('is written at once when the window is closed, not after the typing pause', async () => {
    const draft = new NoteDraft(3, note('Met at FOSDEM'), () => {});
    draft.input('Met at FOSDEM, wants to help with docs');
    expect(api.noteUpdate).not.toHaveBeenCalled();

    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(0);
    expect(api.noteUpdate).toHaveBeenCalledWith(7, 'Met at FOSDEM, wants to help with docs');
    expect(draft.state).toBe('saved');

    // once saved, closing again writes nothing more
    window.dispatchEvent(new Event('beforeunload'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.noteUpdate).toHaveBeenCalledTimes(1);
  });
});
