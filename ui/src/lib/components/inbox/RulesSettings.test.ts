import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Rule } from '$lib/bindings/Rule';
import * as ipc from '$lib/ipc';
import { rules } from '$lib/stores/rules.svelte';
import RulesSettings from './RulesSettings.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

const mentions: Rule = {
  id: 1,
  name: 'Mentions you',
  enabled: true,
  when: [{ kind: 'mentions' }],
  then: [{ kind: 'points', points: 3 }],
  whenWords: ['mentions'],
  thenWords: ['+3'],
  matching: 4,
  problem: null,
};

beforeEach(() => {
  vi.clearAllMocks();
  Object.assign(rules, { list: [], words: [], team: [], loaded: false });
  api.rulesList.mockResolvedValue([mentions]);
  api.ruleWords.mockResolvedValue([
    { words: 'keyword crash', meaning: "a member's message says 'crash'", effect: false },
  ]);
  api.inboxList.mockResolvedValue({ items: [], total: 0, reminders: [] });
  api.inboxCounts.mockResolvedValue({ open: 0, waiting: 0, snoozed: 0, done: 0, reminders: 0 });
});

describe('Settings → Rules', () => {
  it('lists each rule in words with what it matches, and turns one off', async () => {
    api.ruleEnable.mockResolvedValue({ ...mentions, enabled: false });
    render(RulesSettings);
    const row = await screen.findByTestId('rule');
    expect(row).toHaveTextContent('when mentions → +3');
    expect(row).toHaveTextContent('4 open');
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Mentions you on' }));
    expect(api.ruleEnable).toHaveBeenCalledWith(1, false);
    await waitFor(() => expect(screen.getByTestId('rule')).toHaveTextContent('off'));
  });

  it('says what a rule being written would match, or which line it cannot read, then saves it', async () => {
    render(RulesSettings);
    await screen.findByTestId('rule');
    await fireEvent.click(screen.getByTestId('rule-new'));
    await fireEvent.input(screen.getByTestId('rule-name'), { target: { value: 'Crashes' } });
    api.ruleCheck.mockRejectedValueOnce({
      code: 'invalid_input',
      message: "'moon phase' is not a condition Hearth knows",
    });
    await fireEvent.input(screen.getByTestId('rule-when'), { target: { value: 'moon phase' } });
    await fireEvent.input(screen.getByTestId('rule-then'), { target: { value: '+2' } });
    await waitFor(() =>
      expect(screen.getByTestId('rule-check')).toHaveTextContent("'moon phase' is not a condition"),
    );
    expect(screen.getByRole('button', { name: 'Save rule' })).toBeDisabled();

    api.ruleCheck.mockResolvedValue({
      matching: 2,
      samples: [{ id: 7, title: 'Build crash', why: 'says “crash”' }],
    });
    await fireEvent.input(screen.getByTestId('rule-when'), { target: { value: 'keyword crash' } });
    await waitFor(() =>
      expect(screen.getByTestId('rule-check')).toHaveTextContent(
        'Matches 2 open conversations now: “Build crash” — says “crash”',
      ),
    );
    api.ruleSave.mockResolvedValue({
      ...mentions,
      id: 2,
      name: 'Crashes',
      whenWords: ['keyword crash'],
      thenWords: ['+2'],
      matching: 2,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    expect(api.ruleSave).toHaveBeenCalledWith(null, {
      name: 'Crashes',
      enabled: true,
      when: ['keyword crash'],
      then: ['+2'],
    });
    await waitFor(() => expect(screen.getAllByTestId('rule')).toHaveLength(2));
  });
});
