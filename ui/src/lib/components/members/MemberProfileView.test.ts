import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { ActivityView } from '$lib/bindings/ActivityView';
import type { MemberProfile } from '$lib/bindings/MemberProfile';
import { NOW, memberSummary, profile } from '../../../test/fixtures';
import MemberProfileView from './MemberProfileView.svelte';
import MemberRow from './MemberRow.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());

const LONG_URL = `https://example.org/${'a'.repeat(300)}`;

function activity(id: number, overrides: Partial<ActivityView> = {}): ActivityView {
  return {
    id,
    kind: 'message',
    platform: 'matrix',
    occurredAt: NOW - id * 60_000,
    conversationId: 40 + id,
    conversationTitle: '#general',
    messageId: 400 + id,
    snippet: 'Hello everyone',
    ...overrides,
  };
}

function mallory(): MemberProfile {
  const base = profile(7);
  return {
    ...base,
    identities: [
      {
        ...base.identities[0],
        id: 2,
        platform: 'matrix',
        accountName: 'Lumen Matrix',
        handle: '@mallory:localhost',
        displayName: 'Mallory',
      },
      { ...base.identities[0], id: 3, platform: 'github', handle: 'mallory-gh' },
    ],
    activity: [activity(1, { snippet: `Logs are at ${LONG_URL}` }), activity(2)],
  };
}

describe('member handles', () => {
  it('shows a Matrix handle with one @ in the profile and the directory', () => {
    render(MemberProfileView, { profile: mallory() });
    const [matrix, github] = screen.getAllByTestId('identity');
    expect(matrix).toHaveTextContent('@mallory:localhost');
    expect(matrix).not.toHaveTextContent('@@');
    expect(github).toHaveTextContent('@mallory-gh');

    render(MemberRow, {
      member: memberSummary(7, { handles: ['@mallory:localhost', 'mallory-gh'] }),
      selected: false,
      onselect: () => {},
    });
    const row = screen.getByTestId('member-row');
    expect(row).toHaveTextContent('@mallory:localhost @mallory-gh');
    expect(row).not.toHaveTextContent('@@');
  });
});

describe('the timeline', () => {
  // jsdom lays nothing out, so this checks the styles that let a long word break.
  it('wraps a 300-character URL in full instead of cutting it off or widening the column', () => {
    render(MemberProfileView, { profile: mallory() });
    const timeline = screen.getByRole('region', { name: 'Timeline' });
    const snippet = within(timeline).getByText(`Logs are at ${LONG_URL}`);

    expect(getComputedStyle(snippet).whiteSpace).not.toBe('nowrap');
    expect(getComputedStyle(snippet).overflowWrap).toBe('anywhere');
    expect(getComputedStyle(snippet).textOverflow).not.toBe('ellipsis');
    // The column and each event may shrink below their longest word.
    expect(getComputedStyle(timeline).minWidth).toBe('0px');
    const event = snippet.closest('button') as HTMLElement;
    expect(getComputedStyle(event).minWidth).toBe('0px');
  });
});
