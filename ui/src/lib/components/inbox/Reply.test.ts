import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { accounts } from '$lib/stores/accounts.svelte';
import { canned } from '$lib/stores/canned.svelte';
import { inbox } from '$lib/stores/inbox.svelte';
import { SENT_SHOWN_MS, loadOutbox, outbox } from '$lib/stores/outbox.svelte';
import { SPECS, detail, inboxItem, message, outboxItem } from '../../../test/fixtures';
import InboxView from './InboxView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const press = (key: string, target: Element = document.activeElement ?? document.body) =>
  fireEvent.keyDown(target, { key });

const composer = () => screen.getByRole('textbox', { name: 'Reply on Discord' });
const threadId = () => screen.getByTestId('thread').dataset.id;

async function renderInbox() {
  render(InboxView);
  await waitFor(() => expect(threadId()).toBe('1'));
}

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(inbox, { view: 'open', items: [], selectedId: null, detail: null, undo: null, picked: [] });
  Object.assign(outbox, { items: [], drafts: {}, queueing: {}, errors: {} });
  Object.assign(accounts, { specs: [], specsLoaded: false });
  api.inboxList.mockResolvedValue({ items: [inboxItem(1), inboxItem(2)], total: 2, reminders: [] });
  api.inboxCounts.mockResolvedValue({ open: 2, waiting: 0, snoozed: 0, done: 0, reminders: 0 });
  api.tagsList.mockResolvedValue([]);
  api.conversationShow.mockImplementation(async (id: number) => detail(inboxItem(id)));
  api.platformsConnectable.mockResolvedValue(SPECS);
  api.outboxList.mockResolvedValue([]);
});

describe('canned replies in the reply box', () => {
  const replies = [
    { id: 1, name: 'Windows install', body: 'Hi {first_name}, the steps are pinned.', createdAt: 0, updatedAt: 0 },
    { id: 2, name: 'Thanks', body: 'Thanks {first_name}!', createdAt: 0, updatedAt: 0 },
  ];

  beforeEach(() => {
    Object.assign(canned, { list: [], loaded: false, myName: null });
    api.cannedList.mockResolvedValue(replies);
    api.cannedFor.mockImplementation(async (id: number) =>
      id === 1 ? 'Hi Maria, the steps are pinned.' : 'Thanks Maria!',
    );
  });

  /** Types `value` as the whole text, the caret at its end. */
  async function type(value: string) {
    const box = composer() as HTMLTextAreaElement;
    box.value = value;
    box.setSelectionRange(value.length, value.length);
    await fireEvent.input(box, { target: { value } });
  }

  it('opens on ";" at the start of a word, filters as you type, and Enter inserts it filled in', async () => {
    await renderInbox();
    await press('r');
    await type('Hello;');
    expect(screen.queryByTestId('canned-picker')).toBeNull(); // inside a word: just a ";"
    await type('Hello ;');
    await waitFor(() => expect(screen.getAllByTestId('canned-option')).toHaveLength(2));
    await type('Hello ;win');
    await waitFor(() => expect(screen.getAllByTestId('canned-option')).toHaveLength(1));

    await fireEvent.keyDown(composer(), { key: 'Enter' });

    expect(api.cannedFor).toHaveBeenCalledWith(1, 1);
    await waitFor(() => expect(composer()).toHaveValue('Hello Hi Maria, the steps are pinned.'));
    expect(screen.queryByTestId('canned-picker')).toBeNull();

    // a second one in the same reply, with Ctrl+/ and the arrow keys
    await fireEvent.keyDown(composer(), { key: '/', ctrlKey: true });
    await waitFor(() => expect(screen.getAllByTestId('canned-option')).toHaveLength(2));
    await fireEvent.keyDown(composer(), { key: 'ArrowDown' });
    await fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() =>
      expect(composer()).toHaveValue('Hello Hi Maria, the steps are pinned.Thanks Maria!'),
    );
  });

  it('closes with Esc and keeps what was typed', async () => {
    await renderInbox();
    await press('r');
    await type(';');
    await type(';th');
    await waitFor(() => expect(screen.getAllByTestId('canned-option')[0]).toHaveTextContent('Thanks'));
    await fireEvent.keyDown(composer(), { key: 'Escape' });
    expect(screen.queryByTestId('canned-picker')).toBeNull();
    expect(composer()).toHaveValue(';th');
    expect(composer()).toHaveFocus();
  });
});

describe('replying', () => {
  it('focuses the reply with r, queues it with Ctrl+Enter and clears the draft', async () => {
    api.replyQueue.mockResolvedValue(outboxItem(7, { body: 'Thanks, fixed in 2.1!' }));
    await renderInbox();

    await press('r');
    expect(composer()).toHaveFocus();
    // Typing r, j or e in the reply types; it does not triage.
    await press('e', composer());
    expect(api.triage).not.toHaveBeenCalled();

    await fireEvent.input(composer(), { target: { value: 'Thanks, fixed in 2.1!' } });
    expect(screen.getByTestId('reply-counter')).toHaveTextContent('21 / 2,000');
    await fireEvent.keyDown(composer(), { key: 'Enter', ctrlKey: true });

    expect(api.replyQueue).toHaveBeenCalledWith(1, 'Thanks, fixed in 2.1!', null);
    await waitFor(() => expect(composer()).toHaveValue(''));
    const item = await screen.findByTestId('outbox-item');
    expect(item).toHaveTextContent('Thanks, fixed in 2.1!');
    expect(item).toHaveTextContent('Queued — will send when online');
  });

  it('leaves the reply with Esc, back to the thread keys', async () => {
    await renderInbox();
    await press('r');
    await fireEvent.input(composer(), { target: { value: 'half a thought' } });
    await press('Escape', composer());

    expect(composer()).not.toHaveFocus();
    expect(screen.getByTestId('thread')).toHaveFocus();
    await press('j');
    await waitFor(() => expect(threadId()).toBe('2'));
  });

  it('keeps each conversation’s draft when moving between them', async () => {
    await renderInbox();
    await press('r');
    await fireEvent.input(composer(), { target: { value: 'First draft for 1' } });
    await press('Escape', composer());

    await press('j');
    await waitFor(() => expect(threadId()).toBe('2'));
    expect(composer()).toHaveValue('');
    await press('r');
    await fireEvent.input(composer(), { target: { value: 'Another for 2' } });
    await press('Escape', composer());

    await press('k');
    await waitFor(() => expect(threadId()).toBe('1'));
    expect(composer()).toHaveValue('First draft for 1');
    await press('j');
    await waitFor(() => expect(threadId()).toBe('2'));
    expect(composer()).toHaveValue('Another for 2');
  });

  it('counts against the platform’s limit and will not queue a reply over it', async () => {
    await renderInbox();
    await fireEvent.input(composer(), { target: { value: 'x'.repeat(2001) } });

    expect(screen.getByTestId('reply-counter')).toHaveTextContent('2,001 / 2,000');
    expect(screen.getByRole('button', { name: 'Queue reply' })).toBeDisabled();
    await fireEvent.keyDown(composer(), { key: 'Enter', ctrlKey: true });
    expect(api.replyQueue).not.toHaveBeenCalled();
  });

  it('keeps the draft and shows why when the core refuses to queue it', async () => {
    api.replyQueue.mockRejectedValue({ code: 'invalid_input', message: 'the reply is empty' });
    await renderInbox();
    await fireEvent.input(composer(), { target: { value: 'Hello' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Queue reply' }));

    expect(await screen.findByTestId('reply-error')).toHaveTextContent('The reply is empty');
    expect(composer()).toHaveValue('Hello');
  });
});

describe('the outbox under a thread', () => {
  it('shows a refused reply with the reason, and Retry queues it again', async () => {
    api.outboxList.mockResolvedValue([
      outboxItem(7, { state: 'failed', lastError: 'Discord says: Missing Permissions' }),
      outboxItem(8, { conversationId: 2, body: 'Not for this thread' }),
    ]);
    api.outboxRetry.mockResolvedValue(outboxItem(7, { state: 'queued' }));
    await renderInbox();

    const item = await screen.findByTestId('outbox-item');
    expect(screen.getAllByTestId('outbox-item')).toHaveLength(1);
    expect(item).toHaveTextContent('Refused: Discord says: Missing Permissions');

    await fireEvent.click(within(item).getByRole('button', { name: 'Retry' }));
    expect(api.outboxRetry).toHaveBeenCalledWith(7);
    await waitFor(() => expect(item).toHaveTextContent('Queued — will send when online'));
  });

  it('discards a refused reply', async () => {
    api.outboxList.mockResolvedValue([
      outboxItem(7, { state: 'failed', lastError: 'Discord says: Missing Permissions' }),
    ]);
    api.outboxCancel.mockResolvedValue(null);
    await renderInbox();

    const item = await screen.findByTestId('outbox-item');
    await fireEvent.click(within(item).getByRole('button', { name: 'Discard' }));
    expect(api.outboxCancel).toHaveBeenCalledWith(7);
    await waitFor(() => expect(screen.queryByTestId('outbox-item')).toBeNull());
  });

  it('shows Sending… and then Sent with a link once the reply has left', async () => {
    api.outboxList.mockResolvedValue([outboxItem(7, { state: 'sending' })]);
    await renderInbox();
    const item = await screen.findByTestId('outbox-item');
    expect(item).toHaveTextContent('Sending…');

    // The core reports it sent; the reload asks for what was sent in the last minutes.
    api.outboxList.mockResolvedValue([
      outboxItem(7, { state: 'sent', sentAt: Date.now(), url: 'https://discord.com/channels/1/1/77' }),
    ]);
    await loadOutbox();
    const since = api.outboxList.mock.calls.at(-1)?.[0] ?? 0;
    expect(Date.now() - since).toBeGreaterThanOrEqual(SENT_SHOWN_MS);
    await waitFor(() => expect(screen.getByTestId('outbox-item')).toHaveTextContent('Sent'));
    expect(screen.getByRole('link', { name: 'View on Discord ↗' })).toHaveAttribute(
      'href',
      'https://discord.com/channels/1/1/77',
    );
  });

  it('says so where Hearth cannot reply', async () => {
    api.inboxList.mockResolvedValue({
      items: [inboxItem(1, { platform: 'telegram' })],
      total: 1, reminders: [],
    });
    api.conversationShow.mockResolvedValue(detail(inboxItem(1, { platform: 'telegram' })));
    await renderInbox();
    await waitFor(() =>
      expect(screen.getByTestId('reply-composer')).toHaveTextContent(
        'Hearth cannot send replies on Telegram yet',
      ),
    );
  });
});

describe('send later', () => {
  it('reads a time in words, shows it exactly, and schedules the reply for it', async () => {
    const at = Date.now() + 20 * 3_600_000;
    api.whenRead.mockImplementation(async (text: string) => {
      if (text === 'yesterday') return Date.now() - 86_400_000;
      if (text === 'tomorrow 9am') return at;
      throw { code: 'invalid_input', message: "cannot read the time 'blorp'" };
    });
    api.replyQueue.mockImplementation(async (conversationId, body, sendAfter) =>
      outboxItem(31, { conversationId, body, sendAfter }),
    );
    await renderInbox();
    await press('r');
    await fireEvent.input(composer(), { target: { value: 'Following up tomorrow' } });
    await fireEvent.click(screen.getByTestId('reply-later'));
    const when = screen.getByTestId('reply-later-text');
    await waitFor(() => expect(when).toHaveFocus());

    await fireEvent.input(when, { target: { value: 'blorp' } });
    await waitFor(() =>
      expect(screen.getByTestId('reply-later-preview')).toHaveTextContent("cannot read the time 'blorp'"),
    );
    expect(screen.getByTestId('reply-later-schedule')).toBeDisabled();
    await fireEvent.input(when, { target: { value: 'yesterday' } });
    await waitFor(() =>
      expect(screen.getByTestId('reply-later-preview')).toHaveTextContent('has already passed'),
    );
    await fireEvent.input(when, { target: { value: 'tomorrow 9am' } });
    await waitFor(() => expect(screen.getByTestId('reply-later-schedule')).toBeEnabled());
    await fireEvent.keyDown(when, { key: 'Enter' });

    await waitFor(() =>
      expect(api.replyQueue).toHaveBeenCalledWith(1, 'Following up tomorrow', at),
    );
    await waitFor(() => expect(composer()).toHaveValue(''));
    expect(screen.queryByTestId('reply-later-row')).toBeNull();
    expect(screen.getByTestId('outbox-state')).toHaveTextContent('Scheduled — sends');
  });
});

describe('mentions in the reply box', () => {
  it('offers the people in the conversation after "@" and inserts their handle', async () => {
    const kwame = {
      identityId: 2,
      memberId: 102,
      name: 'Kwame Mensah',
      handle: 'kwame.m',
      platform: 'discord' as const,
      avatarUrl: null,
      profileUrl: null,
    };
    api.conversationShow.mockImplementation(async (id: number) =>
      detail(inboxItem(id), [
        message(10),
        message(11, { author: kwame }),
        message(12, { fromUs: true, author: { ...kwame, identityId: 9, name: 'Lumen Team', handle: 'lumen' } }),
      ]),
    );
    await renderInbox();
    await press('r');
    const box = composer() as HTMLTextAreaElement;
    const type = async (value: string) => {
      box.value = value;
      box.setSelectionRange(value.length, value.length);
      await fireEvent.input(box, { target: { value } });
    };
    await type('Thanks @');
    const options = await screen.findAllByTestId('mention-option');
    // newest writer first; the team's own account is not offered
    expect(options.map((o) => o.textContent?.trim())).toEqual(['Kwame Mensah @kwame.m', 'Maria Lopez @maria']);
    await type('Thanks @mar');
    await waitFor(() => expect(screen.getAllByTestId('mention-option')).toHaveLength(1));
    await fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(composer()).toHaveValue('Thanks @maria '));
    expect(screen.queryByTestId('mention-picker')).toBeNull();
    // an address is not a mention
    await type('mail me at ana@');
    expect(screen.queryByTestId('mention-picker')).toBeNull();
  });
});
