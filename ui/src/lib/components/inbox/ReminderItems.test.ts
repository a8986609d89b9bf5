import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { inbox } from '$lib/stores/inbox.svelte';
import { reminders } from '$lib/stores/reminders.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { detail, inboxItem, message, reminder } from '../../../test/fixtures';
import InboxView from './InboxView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const press = (key: string) => fireEvent.keyDown(document.body, { key });
const reminderRows = () => screen.queryAllByTestId('reminder-item');
const focused = () =>
  reminderRows()
    .find((row) => row.getAttribute('aria-current') === 'true')
    ?.getAttribute('data-id');

async function renderInbox() {
  render(InboxView);
  await waitFor(() => expect(screen.getAllByTestId('inbox-item')).toHaveLength(2));
  await waitFor(() => expect(reminderRows()).toHaveLength(2));
}

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(inbox, { view: 'open', items: [], selectedId: null, detail: null, undo: null, picked: [] });
  Object.assign(reminders, { due: [], focusedId: null, snoozingId: null });
  toasts.length = 0;
  api.inboxList.mockResolvedValue({
    items: [inboxItem(1), inboxItem(2)],
    total: 2,
    reminders: [
      reminder(7, { body: 'Ask Maria about her talk' }),
      reminder(8, { body: 'Send the stickers' }),
    ],
  });
  api.inboxCounts.mockResolvedValue({ open: 2, waiting: 0, snoozed: 0, done: 0, reminders: 2 });
  api.tagsList.mockResolvedValue([]);
  api.conversationShow.mockImplementation(async (id: number) =>
    detail(inboxItem(id), [message(id * 10)]),
  );
  api.reminderDone.mockImplementation(async (id: number) =>
    reminder(id, { status: 'done', due: false }),
  );
  api.reminderSnooze.mockImplementation(async (id: number, until: number) =>
    reminder(id, { status: 'snoozed', snoozedUntil: until, due: false }),
  );
});

describe('follow-ups due in the inbox', () => {
  it('lists due reminders above the conversations, as their own kind of row', async () => {
    await renderInbox();
    const section = screen.getByTestId('reminders-due');
    expect(section).toHaveTextContent('Follow-ups due · 2');
    expect(reminderRows()[0]).toHaveTextContent('Ask Maria about her talk');
    expect(reminderRows()[0]).toHaveTextContent('Maria Lopez');
    // the section comes before the conversation list
    const list = screen.getByTestId('inbox-list');
    expect(section.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('k at the top steps up into the reminders, e marks the focused one done, j steps back down', async () => {
    await renderInbox();
    expect(inbox.selectedId).toBe(1);
    await press('k');
    expect(focused()).toBe('8');
    await press('k');
    expect(focused()).toBe('7');
    await press('e');
    expect(api.reminderDone).toHaveBeenCalledWith(7);
    expect(api.triage).not.toHaveBeenCalled();
    await waitFor(() => expect(reminderRows()).toHaveLength(1));
    expect(focused()).toBe('8');
    await press('j');
    expect(focused()).toBeUndefined();
    // the conversations have the keys again: e triages the selected conversation
    api.triage.mockResolvedValue(inboxItem(1, { status: 'done' }));
    await press('e');
    expect(api.triage).toHaveBeenCalledWith(1, { action: 'done' });
  });

  it('s snoozes the focused reminder with the snooze menu, and it leaves the inbox', async () => {
    await renderInbox();
    await press('k');
    await press('s');
    const menu = await screen.findByTestId('reminder-snooze-menu');
    expect(menu).toBeInTheDocument();
    await press('1');
    await waitFor(() => expect(api.reminderSnooze).toHaveBeenCalledTimes(1));
    const [id, until] = api.reminderSnooze.mock.calls[0];
    expect(id).toBe(8);
    expect(until).toBeGreaterThan(Date.now());
    await waitFor(() => expect(reminderRows()).toHaveLength(1));
  });

  it('the Done button works without the keyboard, and a refusal puts the row back', async () => {
    await renderInbox();
    api.reminderDone.mockRejectedValueOnce({ code: 'not_found', message: 'no reminder 7' });
    await fireEvent.click(screen.getAllByRole('button', { name: 'Done' })[0]);
    await waitFor(() => expect(reminderRows()).toHaveLength(2));
    await fireEvent.click(screen.getAllByRole('button', { name: 'Done' })[0]);
    await waitFor(() => expect(reminderRows()).toHaveLength(1));
  });
});
