import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TriageAction } from '$lib/bindings/TriageAction';
import * as ipc from '$lib/ipc';
import { announcer } from '$lib/stores/announce.svelte';
import { inbox, narrow, refreshInbox } from '$lib/stores/inbox.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { calendarItem, detail, inboxItem, message, viewList } from '../../../test/fixtures';
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
  Object.assign(inbox, { view: 'open', platform: null, tag: null, items: [], selectedId: null, detail: null, undo: null, picked: [], memberPane: false });
  toasts.length = 0;
  api.inboxList.mockResolvedValue({ items: items.map((i) => ({ ...i })), total: 3, reminders: [] });
  api.inboxCounts.mockResolvedValue({ open: 3, waiting: 2, snoozed: 1, done: 10, reminders: 0 });
  api.viewsList.mockResolvedValue(viewList({ open: 3, waiting: 2, snoozed: 1, done: 10 }));
  api.tagsList.mockResolvedValue(['bug']);
  api.conversationShow.mockImplementation(async (id: number) =>
    detail(inboxItem(id), [message(id * 10), message(id * 10 + 1, { fromUs: true })]),
  );
});

describe('inbox keyboard triage', () => {
  it('says on each row why it ranks where it does', async () => {
    api.inboxList.mockResolvedValue({
      items: [
        inboxItem(1, {
          rank: 5,
          reasons: [
            { ruleId: 1, rule: 'Mentions you', why: 'mentions you', points: 3 },
            { ruleId: 2, rule: 'Unanswered for a day', why: 'unanswered over 24 h', points: 2 },
          ],
        }),
        inboxItem(2),
        inboxItem(3),
      ],
      total: 3,
      reminders: [],
    });
    await renderInbox();
    const why = rows()[0].querySelector('[data-testid="row-reasons"]');
    expect(why).toHaveTextContent('mentions you+3');
    expect(why).toHaveTextContent('unanswered over 24 h+2');
    expect(why).toHaveAttribute('title', expect.stringContaining('Unanswered for a day: unanswered over 24 h (+2)'));
    expect(rows()[1].querySelector('[data-testid="row-reasons"]')).toBeNull();
  });

  it('pages the thread with PageDown and PageUp by what shows between its header and reply box', async () => {
    await renderInbox();
    const thread = screen.getByTestId('thread');
    thread.focus();
    const scrollBy = vi.fn();
    thread.scrollBy = scrollBy as unknown as typeof thread.scrollBy;
    await fireEvent.keyDown(thread, { key: 'PageDown' });
    await fireEvent.keyDown(thread, { key: 'PageUp' });
    expect(scrollBy).toHaveBeenCalledTimes(2);
    const [down, up] = scrollBy.mock.calls.map((c) => (c[0] as ScrollToOptions).top ?? 0);
    expect(down).toBeGreaterThan(0);
    expect(up).toBe(-down);
  });

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

  it('keeps the thread shown, inert, while the next one loads, instead of a blank pane', async () => {
    await renderInbox();
    let arrive: (d: Awaited<ReturnType<typeof ipc.conversationShow>>) => void = () => {};
    api.conversationShow.mockImplementationOnce(() => new Promise((resolve) => (arrive = resolve)));

    await press('j');
    expect(selectedId()).toBe('2');
    const before = screen.getByTestId('thread');
    expect(before.dataset.id).toBe('1');
    expect(before.inert).toBe(true);
    expect(before).toHaveAttribute('aria-busy', 'true');
    expect(screen.queryByText('Loading…')).toBeNull();

    arrive(detail(inboxItem(2)));
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('2'));
    expect(screen.getByTestId('thread').inert).toBe(false);
    expect(screen.getByTestId('thread')).toHaveAttribute('aria-busy', 'false');
  });

  it('keeps up with j pressed fast or held, and reads only the thread it stops on', async () => {
    const five = [1, 2, 3, 4, 5].map((id) => inboxItem(id));
    api.inboxList.mockResolvedValue({ items: five, total: 5, reminders: [] });
    render(InboxView);
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('1'));
    api.conversationShow.mockClear();

    // a single press reads its thread at once
    await press('j');
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('2'));
    // then j held: the rows follow every repeat at once
    for (let i = 0; i < 3; i++) await fireEvent.keyDown(document.body, { key: 'j', repeat: true });
    expect(selectedId()).toBe('5');
    // the threads passed over are never read; the one stopped on is, once
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('5'));
    expect(api.conversationShow.mock.calls.map(([id]) => id)).toEqual([2, 5]);
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

  it('undoes the last done with u by putting back exactly what the conversation had', async () => {
    const tagged = { ...items[0], tags: ['bug'], assignee: 'Robin', priority: 3 };
    api.inboxList.mockResolvedValue({
      items: [tagged, ...items.slice(1)].map((i) => ({ ...i })),
      total: 3,
      reminders: [],
    });
    api.conversationShow.mockImplementation(async (id: number) =>
      detail(id === 1 ? tagged : inboxItem(id), [message(id * 10)]),
    );
    api.triage.mockResolvedValueOnce(inboxItem(1, { status: 'done' }));
    await renderInbox();
    await press('e');
    await waitFor(() => expect(rows()).toHaveLength(2));

    api.triage.mockResolvedValueOnce(tagged);
    await press('u');

    await waitFor(() =>
      expect(api.triage).toHaveBeenLastCalledWith(1, {
        action: 'restore',
        state: { status: 'open', snoozedUntil: null, assignee: 'Robin', priority: 3, tags: ['bug'] },
      }),
    );
    await waitFor(() => expect(rows()).toHaveLength(3));
    await waitFor(() => expect(selectedId()).toBe('1'));
    expect(screen.getAllByTestId('toast').at(-1)).toHaveTextContent('Back to open');
  });

  it('sets a conversation waiting on its member with w, under a header naming the view and its count', async () => {
    api.triage.mockResolvedValue(inboxItem(1, { status: 'waiting' }));
    await renderInbox();
    await waitFor(() => expect(screen.getByTestId('view-title')).toHaveTextContent(/Inbox\s*3/));

    await press('w');

    expect(api.triage).toHaveBeenCalledWith(1, { action: 'waiting' });
    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['2', '3']));
    expect(await screen.findByTestId('toast')).toHaveTextContent('Waiting on the member — u to undo');
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

  it('snoozes until a time typed in words, shown exactly before Enter applies it', async () => {
    const friday = new Date(Date.now() + 3 * 86_400_000).setHours(20, 0, 0, 0);
    api.whenRead.mockImplementation(async (text: string) => {
      if (text === 'next friday 8pm') return friday;
      throw { code: 'invalid', message: `cannot read the time '${text}'` };
    });
    api.triage.mockResolvedValue(inboxItem(1, { status: 'snoozed', snoozedUntil: friday }));
    await renderInbox();

    await press('s');
    await press('n'); // a letter starts the field
    const field = screen.getByTestId('snooze-text') as HTMLInputElement;
    expect(document.activeElement).toBe(field);
    expect(field.value).toBe('n');
    await waitFor(() =>
      expect(screen.getByTestId('snooze-preview')).toHaveTextContent("cannot read the time 'n'"),
    );
    await fireEvent.input(field, { target: { value: 'next friday 8pm' } });
    await waitFor(() => expect(screen.getByTestId('snooze-preview')).toHaveTextContent('Until'));
    expect(api.triage).not.toHaveBeenCalled();

    await fireEvent.keyDown(field, { key: 'Enter' });

    await waitFor(() => expect(api.triage).toHaveBeenCalledWith(1, { action: 'snooze', until: friday }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('picks five with x and Shift+J, marks them all done at once, and u puts each back', async () => {
    const six = [1, 2, 3, 4, 5, 6].map((id) => inboxItem(id, id === 2 ? { tags: ['bug'] } : {}));
    api.inboxList.mockResolvedValue({ items: six.map((i) => ({ ...i })), total: 6, reminders: [] });
    api.triageEach.mockImplementation(async (each) =>
      each.map((e) => inboxItem(e.id, { status: e.action.action === 'done' ? 'done' : 'open' })),
    );
    render(InboxView);
    render(Toasts);
    await waitFor(() => expect(rows()).toHaveLength(6));
    await waitFor(() => expect(selectedId()).toBe('1'));

    await press('x');
    await press('J');
    await press('J');
    await press('J');
    await press('J');
    await waitFor(() => expect(screen.getByTestId('picked-bar')).toHaveTextContent('5 picked'));
    const checked = () => rows().filter((r) => r.getAttribute('aria-checked') === 'true');
    expect(checked().map((r) => r.dataset.id)).toEqual(['1', '2', '3', '4', '5']);

    await press('e');

    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['6']));
    const [each] = api.triageEach.mock.calls[0];
    expect(each).toEqual([1, 2, 3, 4, 5].map((id) => ({ id, action: { action: 'done' } })));
    expect(screen.queryByTestId('picked-bar')).toBeNull();
    expect(screen.getAllByTestId('toast').at(-1)).toHaveTextContent(
      '5 conversations marked done — u to undo',
    );

    await press('u');
    await waitFor(() => expect(api.triageEach).toHaveBeenCalledTimes(2));
    const [undo] = api.triageEach.mock.calls[1];
    expect(undo.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(undo[1].action).toEqual({
      action: 'restore',
      state: { status: 'open', snoozedUntil: null, assignee: null, priority: 2, tags: ['bug'] },
    });
  });

  it('clears the picks with Esc, and x on a picked row unpicks it', async () => {
    await renderInbox();
    await press('x');
    await press('J');
    await waitFor(() => expect(screen.getByTestId('picked-bar')).toHaveTextContent('2 picked'));
    await press('x');
    await waitFor(() => expect(screen.getByTestId('picked-bar')).toHaveTextContent('1 picked'));
    await press('Escape');
    await waitFor(() => expect(screen.queryByTestId('picked-bar')).toBeNull());
  });

  it('shows who the conversation is with beside the thread, m hides it, and their other thread opens', async () => {
    inbox.memberPane = true;
    api.memberCard.mockImplementation(async (id: number) => ({
      member: {
        id: 101,
        displayName: 'Maria García',
        organization: 'Acme',
        platforms: ['discord', 'github'],
        handles: ['maria', 'mgarcia'],
        avatarUrl: null,
        firstSeenAt: Date.now() - 86_400_000,
        lastActiveAt: Date.now() - 3_600_000,
        messageCount: 12,
        tags: ['vip'],
        engagementScore: 40,
        engagementLevel: 'core',
      },
      identities: [
        {
          id: 1,
          platform: 'discord',
          accountName: 'Acme Discord',
          externalId: '1',
          handle: 'maria',
          displayName: 'Maria García',
          email: null,
          profileUrl: null,
          avatarUrl: null,
          firstSeenAt: null,
        },
      ],
      org: { id: 3, name: 'Acme', setBy: 'derived' },
      firstConversation: id === 1,
      openConversations: [
        { id: 3, platform: 'github', title: 'Crash on start', status: 'open', lastMessageAt: Date.now() },
      ],
      notes: [],
      notesTotal: 0,
      reminders: [],
    }));
    await renderInbox();
    const pane = await screen.findByTestId('member-pane');
    await waitFor(() => expect(within(pane).getByTestId('member-pane-name')).toHaveTextContent('Maria García'));
    expect(within(pane).getByTestId('first-timer')).toBeTruthy();
    expect(api.memberCard).toHaveBeenCalledWith(1);

    await fireEvent.click(within(pane).getByText('Crash on start'));
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('3'));
    await waitFor(() => expect(api.memberCard).toHaveBeenLastCalledWith(3));

    await press('m');
    await waitFor(() => expect(screen.queryByTestId('member-pane')).toBeNull());
    inbox.memberPane = false;
  });

  it('makes a post idea of the selected conversation with i, linked back to it, and Undo takes it away', async () => {
    api.calendarCreate.mockImplementation(async (input) =>
      calendarItem(77, { title: input.title, sourceConversationId: input.sourceConversationId }),
    );
    api.calendarList.mockResolvedValue([]);
    api.calendarDelete.mockResolvedValue(null);
    await renderInbox();
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('1'));
    await press('i');
    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalledTimes(1));
    const input = api.calendarCreate.mock.calls[0][0];
    expect(input).toMatchObject({ state: 'idea', scheduledAt: null, sourceConversationId: 1 });
    expect(input.title.length).toBeGreaterThan(0);
    const toast = await waitFor(() => {
      const t = toasts.find((t) => t.message.startsWith('Idea saved to the calendar: '));
      expect(t).toBeTruthy();
      return t!;
    });
    toast.action?.run();
    await waitFor(() => expect(api.calendarDelete).toHaveBeenCalledWith(77));
  });

  it('makes a post idea of one message with i on it, or its button: its first words, quoted', async () => {
    api.calendarCreate.mockImplementation(async (input) =>
      calendarItem(78, { title: input.title, sourceConversationId: input.sourceConversationId }),
    );
    api.calendarList.mockResolvedValue([]);
    api.conversationShow.mockImplementation(async (id: number) =>
      detail(inboxItem(id), [
        message(id * 10, {
          text: 'How do I run Lumen in Docker? The container exits at once when I mount\nthe config folder.',
        }),
        message(id * 10 + 1, { fromUs: true, text: 'Mount it read-only.' }),
      ]),
    );
    await renderInbox();
    const [question, answer] = screen.getAllByTestId('message');
    await fireEvent.click(question);
    question.focus();
    await press('i', question);
    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalledTimes(1));
    expect(api.calendarCreate.mock.calls[0][0]).toMatchObject({
      title: 'How do I run Lumen in Docker? The container exits at once…',
      body:
        '> How do I run Lumen in Docker? The container exits at once when I mount\n' +
        '> the config folder.\n\n— Maria Lopez',
      state: 'idea',
      scheduledAt: null,
      sourceConversationId: 1,
    });
    await waitFor(() =>
      expect(toasts.map((t) => t.message)).toContain(
        'Idea saved to the calendar: How do I run Lumen in Docker? The container exits at once…',
      ),
    );

    await fireEvent.click(within(answer).getByRole('button', { name: /^Make an idea/ }));
    await waitFor(() => expect(api.calendarCreate).toHaveBeenCalledTimes(2));
    expect(api.calendarCreate.mock.calls[1][0]).toMatchObject({
      title: 'Mount it read-only.',
      body: '> Mount it read-only.\n\n— Maria Lopez',
      sourceConversationId: 1,
    });
  });

  it('opens a thread at the message that needs an answer, not at the top', async () => {
    const asked = Date.now() - 3_600_000;
    api.conversationShow.mockImplementation(async (id: number) =>
      detail(inboxItem(id, { unansweredSince: asked }), [
        message(id * 10, { createdAt: asked - 7_200_000 }),
        message(id * 10 + 1, { fromUs: true, createdAt: asked - 3_600_000 }),
        message(id * 10 + 2, { createdAt: asked }),
      ]),
    );
    await renderInbox();
    await waitFor(() =>
      expect(
        screen
          .getAllByTestId('message')
          .filter((m) => m.hasAttribute('data-needs-answer'))
          .map((m) => m.dataset.id),
      ).toEqual(['12']),
    );
  });

  it('keeps one Undo toast for the last change, and takes it away once u has used it', async () => {
    api.triage.mockImplementation(async (id: number, action: TriageAction) =>
      inboxItem(id, { status: action.action === 'done' ? 'done' : 'open' }),
    );
    await renderInbox();
    await press('e');
    await waitFor(() => expect(rows()).toHaveLength(2));
    await press('e');
    await waitFor(() => expect(rows()).toHaveLength(1));
    const undoToasts = () =>
      screen.queryAllByTestId('toast').filter((t) => t.textContent?.includes('u to undo'));
    expect(undoToasts()).toHaveLength(1);

    await press('u');
    await waitFor(() => expect(undoToasts()).toHaveLength(0));
  });

  it('says on the row when a reply is overdue', async () => {
    const late = inboxItem(2, {
      unansweredSince: Date.now() - 30 * 3_600_000,
      replyDueAt: Date.now() - 6.5 * 3_600_000,
    });
    api.inboxList.mockResolvedValue({ items: [items[0], late, items[2]], total: 3, reminders: [] });
    await renderInbox();
    const row = rows().find((r) => r.dataset.id === '2') as HTMLElement;
    expect(within(row).getByTestId('reply-due')).toHaveTextContent('reply overdue 6 h');
    expect(rows().filter((r) => within(r).queryByTestId('reply-due'))).toHaveLength(1);
  });

  it('drops a conversation that no longer exists and moves on', async () => {
    await renderInbox();
    api.conversationShow.mockRejectedValueOnce({ code: 'not_found', message: 'no conversation 2' });

    await press('j');

    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['1', '3']));
    await waitFor(() => expect(selectedId()).toBe('3'));
    expect(await screen.findByTestId('toast')).toHaveTextContent('no longer in Hearth');
  });

  it('keeps a row clicked while a narrowing loads, though the narrowed page does not list it', async () => {
    await renderInbox();
    let arrive: (p: Awaited<ReturnType<typeof ipc.inboxList>>) => void = () => {};
    api.inboxList.mockImplementationOnce(() => new Promise((resolve) => (arrive = resolve)));
    const narrowing = narrow('github', null);
    await fireEvent.click(rows()[2]);
    await waitFor(() => expect(screen.getByTestId('thread').dataset.id).toBe('3'));

    arrive({ items: [inboxItem(4), inboxItem(5)], total: 2, reminders: [] });
    await narrowing;
    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['4', '5']));
    expect(inbox.selectedId).toBe(3);
    expect(screen.getByTestId('thread').dataset.id).toBe('3');
  });

  it('shows the empty state when nothing is open', async () => {
    api.inboxList.mockResolvedValue({ items: [], total: 0, reminders: [] });
    render(InboxView);
    expect(await screen.findByText('Inbox zero. Nicely done.')).toBeTruthy();
  });
});

describe('assign and priority', () => {
  // The core answers a change with the conversation as it now is.
  function acceptTriage() {
    api.triage.mockImplementation(async (id: number, action: TriageAction) => {
      const row = inbox.items.find((item) => item.id === id) ?? inboxItem(id);
      if (action.action === 'assign') return { ...row, assignee: action.assignee };
      if (action.action === 'priority') return { ...row, priority: action.priority };
      return row;
    });
  }

  const row = (id: number) => rows().find((r) => r.dataset.id === String(id))!;

  it('assigns with a, a typed name and Enter, and shows who on the row and thread', async () => {
    acceptTriage();
    await renderInbox();

    await press('a');
    const picker = screen.getByTestId('assign-picker');
    const field = within(picker).getByRole('textbox', { name: 'Assign to' });
    expect(field).toHaveFocus();
    await fireEvent.input(field, { target: { value: 'Sam' } });
    expect(picker).toHaveTextContent('Assign to “Sam”');
    await fireEvent.keyDown(field, { key: 'Enter' });

    expect(api.triage).toHaveBeenCalledWith(1, { action: 'assign', assignee: 'Sam' });
    expect(screen.queryByTestId('assign-picker')).toBeNull();
    await waitFor(() =>
      expect(within(row(1)).getByTestId('assignee-chip')).toHaveTextContent('Sam'),
    );
    expect(screen.getByTestId('thread')).toHaveTextContent('Assigned to Sam');
    expect(rows()).toHaveLength(3); // assigning keeps the conversation in the queue
    expect(selectedId()).toBe('1');
  });

  it('suggests people already assigned and can unassign', async () => {
    api.inboxList.mockResolvedValue({
      items: [inboxItem(1, { assignee: 'Maria' }), inboxItem(2, { assignee: 'Dev' }), inboxItem(3)],
      total: 3, reminders: [],
    });
    api.conversationShow.mockImplementation(async (id: number) =>
      detail(id === 1 ? inboxItem(1, { assignee: 'Maria' }) : inboxItem(id)),
    );
    acceptTriage();
    await renderInbox();
    expect(within(row(1)).getByTestId('assignee-chip')).toHaveTextContent('Maria');

    // Typing narrows the suggestions; Enter takes the highlighted one.
    await press('a');
    const field = screen.getByRole('textbox', { name: 'Assign to' });
    const options = () => within(screen.getByTestId('assign-picker')).getAllByRole('option');
    expect(options().map((o) => o.textContent?.trim())).toEqual([
      'Dev',
      expect.stringContaining('Maria'),
      'Unassign',
    ]);
    await fireEvent.input(field, { target: { value: 'de' } });
    await fireEvent.keyDown(field, { key: 'Enter' });
    expect(api.triage).toHaveBeenLastCalledWith(1, { action: 'assign', assignee: 'Dev' });
    await waitFor(() =>
      expect(within(row(1)).getByTestId('assignee-chip')).toHaveTextContent('Dev'),
    );

    await press('a');
    await fireEvent.click(screen.getByRole('button', { name: 'Unassign' }));
    expect(api.triage).toHaveBeenLastCalledWith(1, { action: 'assign', assignee: null });
    await waitFor(() => expect(within(row(1)).queryByTestId('assignee-chip')).toBeNull());
    expect(screen.getByTestId('thread')).not.toHaveTextContent('Assigned to');
  });

  it('closes the assign picker with Esc without changing anything', async () => {
    acceptTriage();
    await renderInbox();

    await press('a');
    const field = screen.getByRole('textbox', { name: 'Assign to' });
    await fireEvent.input(field, { target: { value: 'Sam' } });
    await press('Escape', field);

    expect(screen.queryByTestId('assign-picker')).toBeNull();
    expect(api.triage).not.toHaveBeenCalled();
    expect(within(row(1)).queryByTestId('assignee-chip')).toBeNull();
  });

  it('sets priority with p then a digit, shown on the row and in the thread', async () => {
    acceptTriage();
    await renderInbox();

    await press('p');
    const menu = screen.getByTestId('priority-menu');
    expect(menu).toHaveTextContent('None');
    expect(menu).toHaveTextContent('Urgent');
    await press('3');

    expect(api.triage).toHaveBeenCalledWith(1, { action: 'priority', priority: 3 });
    expect(screen.queryByTestId('priority-menu')).toBeNull();
    await waitFor(() => expect(row(1)).toHaveTextContent('High'));
    expect(screen.getByTestId('thread')).toHaveTextContent('High');
    expect(await screen.findByTestId('toast')).toHaveTextContent('Priority set to High');

    // Esc leaves it as it is.
    await press('p');
    await press('Escape');
    expect(screen.queryByTestId('priority-menu')).toBeNull();
    expect(api.triage).toHaveBeenCalledTimes(1);
  });

  it('puts the old priority back when the core refuses', async () => {
    api.triage.mockRejectedValue({ code: 'busy', message: 'The database is busy, try again' });
    await renderInbox();

    await press('p');
    await press('4');

    expect(await screen.findByTestId('toast')).toHaveTextContent('busy');
    expect(row(1)).not.toHaveTextContent('Urgent');
    expect(screen.getByTestId('thread')).toHaveTextContent('Normal');
  });

  it('does not open the assign or priority menus while typing in a field', async () => {
    await renderInbox();
    const field = document.createElement('input');
    document.body.append(field);
    field.focus();

    await press('a', field);
    await press('p', field);
    await press('3', field);

    expect(screen.queryByTestId('assign-picker')).toBeNull();
    expect(screen.queryByTestId('priority-menu')).toBeNull();
    expect(api.triage).not.toHaveBeenCalled();
    field.remove();
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
    expect(screen.getByText(/Deleted on Discord/)).toBeTruthy();
    expect(screen.getByTestId('deleted-text')).toHaveTextContent('Message 11');
  });

  it('shows an edited message’s earlier versions on request, as text', async () => {
    api.conversationShow.mockResolvedValue(
      detail(inboxItem(1), [
        message(10, {
          text: 'Fixed in 2.1',
          editedAt: Date.now() - 60_000,
          revisions: [
            { text: 'Fixed in <b>2.0</b>', writtenAt: Date.now() - 7_200_000, replacedAt: Date.now() - 60_000 },
          ],
        }),
      ]),
    );
    await renderInbox();
    expect(screen.queryByTestId('revisions')).toBeNull();
    await fireEvent.click(screen.getByTestId('edited'));
    const versions = screen.getByTestId('revisions');
    expect(versions).toHaveTextContent('Fixed in <b>2.0</b>');
    expect(versions.querySelector('b')).toBeNull();
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

describe('news from a sync', () => {
  it('is said to a screen reader: the conversations the refresh brought into the view', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await renderInbox();
      // one new conversation at the top: its author and title are read out
      api.inboxList.mockResolvedValue({
        items: [inboxItem(9), ...items].map((i) => ({ ...i })),
        total: 4,
        reminders: [],
      });
      await refreshInbox();
      await vi.advanceTimersByTimeAsync(200);
      expect(announcer.text).toBe('New in Inbox: Member 9 — Question 9');
      await waitFor(() => expect(rows()).toHaveLength(4));

      // nothing new: nothing said again (the region keeps its last sentence)
      await refreshInbox();
      await vi.advanceTimersByTimeAsync(200);
      expect(announcer.text).toBe('New in Inbox: Member 9 — Question 9');

      // several: counted
      api.inboxList.mockResolvedValue({
        items: [inboxItem(11), inboxItem(12), inboxItem(9), ...items].map((i) => ({ ...i })),
        total: 6,
        reminders: [],
      });
      await refreshInbox();
      await vi.advanceTimersByTimeAsync(200);
      expect(announcer.text).toBe('2 new conversations in Inbox');
    } finally {
      vi.useRealTimers();
    }
  });
});
