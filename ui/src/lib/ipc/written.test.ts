import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { invoke } from '@tauri-apps/api/core';
import { inboxList, workspaceStatus } from './index';
import { forgetWritten, takeWrittenViews, WRITTEN_ID } from './written';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
const invokeMock = vi.mocked(invoke);

const status = { dbPath: '/data/hearth.db', schemaVersion: 30, isEmpty: false, accounts: 7 };
const page = {
  items: [{ id: 41, title: 'How do I install on Windows? </script><b>hi</b>' }],
  total: 1,
};
/** The UI's first ask: `query(0)` in stores/inbox.svelte.ts. */
const first = { view: 'open', status: null, platform: null, tag: null, limit: 50, offset: 0 };

/** The page as the core serves it: the JSON in a data element, `<` escaped. */
function serve(json: string) {
  const element = document.createElement('script');
  element.type = 'application/json';
  element.id = WRITTEN_ID;
  element.textContent = json;
  document.head.append(element);
}

beforeEach(() => {
  forgetWritten();
  invokeMock.mockReset();
  invokeMock.mockResolvedValue('asked');
});
afterEach(() => document.getElementById(WRITTEN_ID)?.remove());

describe('the first screen written into the page', () => {
  it('answers the status and the first page without a round trip, once each', async () => {
    serve(
      JSON.stringify({ status, query: { ...first, status: null }, page }).replace(/</g, '\\u003c'),
    );
    expect(await workspaceStatus()).toEqual(status);
    expect(await inboxList(first)).toEqual(page);
    expect(invokeMock).not.toHaveBeenCalled();
    // read once and gone: a reload asks afresh
    expect(document.getElementById(WRITTEN_ID)).toBeNull();

    // anything later is read afresh
    expect(await workspaceStatus()).toBe('asked');
    expect(await inboxList(first)).toBe('asked');
    expect(invokeMock.mock.calls.map((c) => c[0])).toEqual(['workspace_status', 'inbox_list']);
  });

  it('is not given for another view or a narrowed one', async () => {
    serve(JSON.stringify({ status, query: first, page }));
    await inboxList({ ...first, view: 'mentions' });
    await inboxList({ ...first, platform: 'discord' });
    expect(invokeMock).toHaveBeenCalledTimes(2);
    // the open view's page is still there for its own ask
    expect(await inboxList(first)).toEqual(page);
    expect(invokeMock).toHaveBeenCalledTimes(2);
  });

  it('gives the views and their counts once, and nothing from a core that wrote none', () => {
    const views = [{ key: 'open', name: 'Inbox', count: 1234, overdue: 5 }];
    const counts = { open: 1234, waiting: 3, snoozed: 2, done: 40, reminders: 1 };
    serve(JSON.stringify({ status, query: first, page, views, counts }));
    expect(takeWrittenViews()).toEqual({ views, counts });
    expect(takeWrittenViews()).toBeNull();
    forgetWritten();
    serve(JSON.stringify({ status, query: first, page }));
    expect(takeWrittenViews()).toBeNull();
  });

  it('is ignored when missing or unreadable: everything is asked for as usual', async () => {
    expect(await workspaceStatus()).toBe('asked');
    forgetWritten();
    serve('{"status": {"dbPath": ');
    expect(await inboxList(first)).toBe('asked');
    expect(await workspaceStatus()).toBe('asked');
    expect(invokeMock).toHaveBeenCalledTimes(3);
  });
});
