import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { inbox } from '$lib/stores/inbox.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { detail, inboxItem, message } from '../../../test/fixtures';
import InboxView from './InboxView.svelte';
import Toasts from '../Toasts.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const items = [inboxItem(1), inboxItem(2), inboxItem(3)];

function rows() {
  return screen.getAllByTestId('inbox-item');
}

function selectedId() {
  return screen
    .getAllByTestId('inbox-item')
    .find((row) => row.getAttribute('aria-selected') === 'true')
    ?.getAttribute('data-id');
}

async function renderInbox() {
  render(InboxView);
  render(Toasts);
  await waitFor(() => expect(rows()).toHaveLength(3));
  await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('1'));
}

const press = (key: string, target: Element = document.body) => fireEvent.keyDown(target, { key });

beforeEach(() => {
  vi.clearAllMocks();
  // The inbox store outlives each render, as it does in the app; start every test afresh.
  Object.assign(inbox, { tab: 'open', items: [], selectedId: null, detail: null, undoId: null });
  toasts.length = 0;
  api.inboxList.mockResolvedValue({ items: items.map((i) => ({ ...i })), total: 3 });
  api.inboxCounts.mockResolvedValue({ open: 3, snoozed: 1, done: 10 });
  api.tagsList.mockResolvedValue(['bug']);
  api.conversationShow.mockImplementation(async (id: number) =>
    detail(inboxItem(id), [message(id * 10), message(id * 10 + 1, { fromUs: true })]),
  );
});

describe('inbox keyboard triage', () => {
  it('moves the selection with j and k and shows that thread', async () => {
    await renderInbox();
    expect(selectedId()).toBe('1');

    await press('j');
    await waitFor(() => expect(selectedId()).toBe('2'));
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('2'));
    expect(screen.getAllByTestId('message')).toHaveLength(2);

    await press('j');
    await press('j'); // already at the bottom: stays on the last row
    await waitFor(() => expect(selectedId()).toBe('3'));

    await press('k');
    await waitFor(() => expect(selectedId()).toBe('2'));
  });

  it('marks the selected conversation done with e, removes it and selects the next one', async () => {
    api.triage.mockResolvedValue(inboxItem(1, { status: 'done' }));
    await renderInbox();

    await press('e');

    expect(api.triage).toHaveBeenCalledWith(1, { action: 'done' });
    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['2', '3']));
    expect(selectedId()).toBe('2');
    expect(await screen.findByTestId('toast')).toHaveTextContent('Marked done — u to undo');
  });

  it('undoes the last done with u by reopening the conversation', async () => {
    api.triage.mockResolvedValueOnce(inboxItem(1, { status: 'done' }));
    await renderInbox();
    await press('e');
    await waitFor(() => expect(rows()).toHaveLength(2));

    api.triage.mockResolvedValueOnce(inboxItem(1));
    await press('u');

    await waitFor(() => expect(api.triage).toHaveBeenLastCalledWith(1, { action: 'open' }));
    await waitFor(() => expect(rows()).toHaveLength(3));
    await waitFor(() => expect(selectedId()).toBe('1'));
  });

  it('puts the conversation back and shows the error when the core refuses', async () => {
    api.triage.mockRejectedValue({ code: 'busy', message: 'The database is busy, try again' });
    await renderInbox();

    await press('e');

    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(await screen.findByTestId('toast')).toHaveTextContent('The database is busy, try again');
  });

  it('ignores shortcuts while typing in a field', async () => {
    await renderInbox();
    const field = document.createElement('input');
    document.body.append(field);
    field.focus();

    await press('j', field);
    await press('e', field);

    expect(selectedId()).toBe('1');
    expect(api.triage).not.toHaveBeenCalled();
    field.remove();
  });

  it('snoozes with s then a number key', async () => {
    api.triage.mockResolvedValue(inboxItem(1, { status: 'snoozed' }));
    await renderInbox();

    await press('s');
    expect(screen.getByRole('dialog', { name: 'Snooze until' })).toBeTruthy();
    await press('3');

    const [id, action] = api.triage.mock.calls[0];
    expect(id).toBe(1);
    expect(action).toMatchObject({ action: 'snooze' });
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(rows()).toHaveLength(2));
  });

  it('drops a conversation that no longer exists and moves on', async () => {
    await renderInbox();
    api.conversationShow.mockRejectedValueOnce({ code: 'not_found', message: 'no conversation 2' });

    await press('j');

    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['1', '3']));
    await waitFor(() => expect(selectedId()).toBe('3'));
    expect(await screen.findByTestId('toast')).toHaveTextContent('no longer in Hearth');
  });

  it('shows the empty state when nothing is open', async () => {
    api.inboxList.mockResolvedValue({ items: [], total: 0 });
    render(InboxView);
    expect(await screen.findByText('Inbox zero. Nicely done.')).toBeTruthy();
  });
});

describe('thread', () => {
  it('opens links from message HTML outside the app instead of navigating', async () => {
    api.conversationShow.mockResolvedValue(
      detail(inboxItem(1), [
        message(10, { html: '<p>See <a href="https://example.org/docs">the docs</a></p>' }),
        message(11, { deleted: true }),
      ]),
    );
    api.openExternal.mockResolvedValue(null);
    await renderInbox();

    const link = screen.getByRole('link', { name: 'the docs' });
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(click);

    expect(click.defaultPrevented).toBe(true);
    expect(api.openExternal).toHaveBeenCalledWith('https://example.org/docs');
    expect(screen.getByText('message deleted')).toBeTruthy();
  });

  it('renders plain message text as text, never as markup', async () => {
    api.conversationShow.mockResolvedValue(
      detail(inboxItem(1), [message(10, { text: '<img src=x onerror=alert(1)> hi' })]),
    );
    await renderInbox();

    const body = screen.getByTestId('message');
    expect(body.querySelector('img')).toBeNull();
    expect(body).toHaveTextContent('<img src=x onerror=alert(1)> hi');
  });
});
