import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModAction } from '$lib/bindings/ModAction';
import type { ModActionChoice } from '$lib/bindings/ModActionChoice';
import type { ModFlag } from '$lib/bindings/ModFlag';
import type { ModRule } from '$lib/bindings/ModRule';
import * as ipc from '$lib/ipc';
import { nav } from '$lib/stores/nav.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import ModerationView from './ModerationView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

function flag(id: number, overrides: Partial<ModFlag> = {}): ModFlag {
  return {
    id,
    messageId: 100 + id,
    conversationId: 200 + id,
    ruleId: 1,
    rule: 'Spam words',
    guideline: 'No spam or advertising',
    matched: 'the word “usdt”',
    excerpt: 'EARN 500 USDT DAILY!!! <script>alert(1)</script>',
    platform: 'discord',
    channel: '#general',
    author: `Person ${id}`,
    memberId: 300 + id,
    writtenAt: Date.UTC(2026, 10, 20, 9, 30),
    url: null,
    flaggedAt: Date.UTC(2026, 10, 20, 9, 31),
    status: 'open',
    ...overrides,
  };
}

const rule = (overrides: Partial<ModRule> = {}): ModRule => ({
  id: 1,
  name: 'Spam words',
  kind: 'keywords',
  pattern: 'usdt, crypto signal',
  threshold: null,
  guideline: 'No spam or advertising',
  enabled: true,
  flagged: 4,
  dismissed: 1,
  ...overrides,
});

const choices: ModActionChoice[] = [
  { action: 'warn', onPlatform: true, how: 'Hearth sends your warning as a reply in the conversation' },
  { action: 'hide', onPlatform: false, how: 'Recorded in the log: do it on Discord yourself' },
  { action: 'delete', onPlatform: true, how: 'Hearth deletes the message' },
  { action: 'timeout', onPlatform: true, how: 'Hearth times them out in the server' },
  { action: 'kick', onPlatform: true, how: 'Hearth kicks them from the server' },
  { action: 'ban', onPlatform: true, how: 'Hearth bans them from the server' },
];

function logLine(id: number, overrides: Partial<ModAction> = {}): ModAction {
  return {
    id,
    action: 'delete',
    memberId: 301,
    member: 'Person 1',
    identityId: 401,
    handle: 'person1',
    platform: 'discord',
    accountId: 1,
    messageId: 101,
    conversationId: 201,
    flagId: 1,
    reason: 'Spam words',
    guideline: 'No spam or advertising',
    by: 'Priya',
    until: null,
    how: 'platform',
    state: 'done',
    error: null,
    excerpt: 'EARN 500 USDT DAILY!!!',
    link: null,
    createdAt: Date.UTC(2026, 10, 21, 10, 0),
    doneAt: Date.UTC(2026, 10, 21, 10, 0),
    outboxId: 9,
    ...overrides,
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  toasts.length = 0;
  nav.view = 'moderation';
  api.moderationFlags.mockResolvedValue([flag(1), flag(2, { rule: 'Shouting' })]);
});

describe('moderation view', () => {
  it('lists flagged messages as text, moves with j and dismisses a false flag with x', async () => {
    render(ModerationView);
    const items = await screen.findAllByTestId('mod-flag');
    expect(items).toHaveLength(2);
    // what matched, the text around it (as text: no markup runs), who, where and the guideline
    expect(items[0]).toHaveTextContent('Spam words');
    expect(items[0]).toHaveTextContent('the word “usdt”');
    expect(items[0]).toHaveTextContent('EARN 500 USDT DAILY!!! <script>alert(1)</script>');
    expect(items[0].querySelector('script')).toBeNull();
    expect(items[0]).toHaveTextContent('Person 1 · Discord #general');
    expect(items[0]).toHaveTextContent('breaks “No spam or advertising”');
    expect(items[0]).toHaveAttribute('aria-current', 'true');

    await fireEvent.keyDown(window, { key: 'j' });
    expect(screen.getAllByTestId('mod-flag')[1]).toHaveAttribute('aria-current', 'true');
    await fireEvent.keyDown(window, { key: 'x' });
    await waitFor(() => expect(api.moderationDismiss).toHaveBeenCalledWith(2));
    await waitFor(() => expect(screen.getAllByTestId('mod-flag')).toHaveLength(1));
    expect(toasts.map((t) => t.message)).toContain(
      'Dismissed as a false flag: Shouting will not raise it again',
    );
  });

  it('opens the flagged conversation in the inbox with Enter', async () => {
    render(ModerationView);
    await screen.findAllByTestId('mod-flag');
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(nav.view).toBe('inbox');
    await waitFor(() => expect(api.conversationShow).toHaveBeenCalledWith(201));
  });

  it('adds a rule from the form and says in words when its pattern cannot work', async () => {
    api.moderationRules.mockResolvedValue([rule()]);
    render(ModerationView);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Rules' }));
    const rules = await screen.findAllByTestId('mod-rule');
    expect(rules[0]).toHaveTextContent('Spam words');
    expect(rules[0]).toHaveTextContent('flagged 4, 1 of them false');

    const form = screen.getByRole('form', { name: 'Add a rule' });
    await fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'Invites' } });
    await fireEvent.change(within(form).getByLabelText('Looks for'), {
      target: { value: 'regex' },
    });
    await fireEvent.input(within(form).getByLabelText('Expression'), {
      target: { value: 'discord\\.gg/\\w+' },
    });
    api.moderationAddRule.mockResolvedValueOnce(
      rule({ id: 2, name: 'Invites', kind: 'regex', pattern: 'discord\\.gg/\\w+', flagged: 3 }),
    );
    await fireEvent.submit(form);
    await waitFor(() =>
      expect(api.moderationAddRule).toHaveBeenCalledWith({
        name: 'Invites',
        kind: 'regex',
        pattern: 'discord\\.gg/\\w+',
        threshold: null,
        guideline: null,
      }),
    );
    await waitFor(() => expect(screen.getAllByTestId('mod-rule')).toHaveLength(2));
    expect(toasts.map((t) => t.message)).toContain(
      "Rule added: it flagged 3 of the last 30 days' messages",
    );

    api.moderationAddRule.mockRejectedValueOnce({
      code: 'invalid',
      message: "'(oops' is not a regular expression Hearth can use: unclosed group",
    });
    await fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'Broken' } });
    await fireEvent.input(within(form).getByLabelText('Expression'), {
      target: { value: '(oops' },
    });
    await fireEvent.submit(form);
    await waitFor(() =>
      expect(toasts.map((t) => t.message).join(' ')).toContain('is not a regular expression'),
    );
  });

  it('edits and saves the guidelines', async () => {
    api.moderationGuidelines.mockResolvedValue('# Be kind');
    render(ModerationView);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Guidelines' }));
    const text = await screen.findByTestId('mod-guidelines');
    await waitFor(() => expect(text).toHaveValue('# Be kind'));
    const save = screen.getByRole('button', { name: 'Save the guidelines' });
    expect(save).toBeDisabled();
    await fireEvent.input(text, { target: { value: '# Be kind\n\n## No spam' } });
    await fireEvent.click(save);
    await waitFor(() =>
      expect(api.moderationSetGuidelines).toHaveBeenCalledWith('# Be kind\n\n## No spam'),
    );
  });

  it("acts on a flag with a, a letter for the action, a reason and the rule's guideline", async () => {
    api.moderationChoices.mockResolvedValue(choices);
    api.moderationAct.mockResolvedValue(logLine(7, { state: 'queued' }));
    render(ModerationView);
    await screen.findAllByTestId('mod-flag');
    await fireEvent.keyDown(window, { key: 'a' });
    const dialog = await screen.findByTestId('mod-action-dialog');
    await waitFor(() => expect(api.moderationChoices).toHaveBeenCalledWith(101, null));
    // each action says how it will happen before anything is done
    await within(dialog).findByText('Recorded in the log: do it on Discord yourself');
    expect(within(dialog).getByTestId('mod-action-confirm')).toBeDisabled();
    await fireEvent.keyDown(window, { key: 'd' });
    await waitFor(() =>
      expect(within(dialog).getByTestId('mod-action-confirm')).toHaveTextContent(
        'Delete the message',
      ),
    );
    // the reason starts as the rule's name; the guideline comes from the rule
    expect(within(dialog).getByTestId('mod-reason')).toHaveValue('Spam words');
    await fireEvent.input(within(dialog).getByTestId('mod-reason'), {
      target: { value: 'Crypto spam' },
    });
    await fireEvent.click(within(dialog).getByTestId('mod-action-confirm'));
    await waitFor(() =>
      expect(api.moderationAct).toHaveBeenCalledWith({
        flagId: 1,
        messageId: null,
        identityId: null,
        action: 'delete',
        reason: 'Crypto spam',
        guideline: 'No spam or advertising',
        minutes: null,
        message: null,
        byHand: false,
      }),
    );
    await waitFor(() => expect(screen.queryByTestId('mod-action-dialog')).toBeNull());
    expect(screen.getAllByTestId('mod-flag')).toHaveLength(1);
    expect(toasts.map((t) => t.message)).toContain(
      'Person 1: sent to Discord through the outbox',
    );
  });

  it('shows the log with refusals in words and records one as done by hand', async () => {
    api.moderationLog.mockResolvedValue([
      logLine(2, {
        action: 'timeout',
        state: 'failed',
        until: Date.UTC(2026, 10, 22, 10, 0),
        error: 'Discord refused: Missing Permissions',
      }),
      logLine(1),
    ]);
    api.moderationDoneByHand.mockResolvedValue(logLine(2, { action: 'timeout', how: 'hand' }));
    render(ModerationView);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Log' }));
    const lines = await screen.findAllByTestId('mod-log-line');
    expect(lines[0]).toHaveTextContent('Timed out');
    expect(lines[0]).toHaveTextContent('Refused: Discord refused: Missing Permissions');
    expect(lines[1]).toHaveTextContent('Deleted a message');
    expect(lines[1]).toHaveTextContent('Done on Discord');
    expect(lines[1]).toHaveTextContent('by Priya');
    expect(lines[1]).toHaveTextContent('“No spam or advertising”');
    expect(within(lines[1]).queryByRole('button', { name: 'Done by hand' })).toBeNull();
    await fireEvent.click(within(lines[0]).getByRole('button', { name: 'Done by hand' }));
    await waitFor(() => expect(api.moderationDoneByHand).toHaveBeenCalledWith(2));
    await waitFor(() =>
      expect(screen.getAllByTestId('mod-log-line')[0]).toHaveTextContent(
        'Recorded as done by hand',
      ),
    );
  });
});
