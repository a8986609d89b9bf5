import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedbackTheme } from '$lib/bindings/FeedbackTheme';
import type { FeedbackThemeDetail } from '$lib/bindings/FeedbackThemeDetail';
import * as ipc from '$lib/ipc';
import { toasts } from '$lib/stores/toasts.svelte';
import FeedbackThemes from './FeedbackThemes.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

function theme(id: number, overrides: Partial<FeedbackTheme> = {}): FeedbackTheme {
  return {
    id,
    name: 'Dark mode',
    terms: ['dark mode'],
    namedByHand: false,
    count: 12,
    bugs: 1,
    requests: 10,
    praise: 1,
    questions: 0,
    last30Days: 4,
    previous30Days: 2,
    weeks: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    members: [{ memberId: 7, name: 'Ines Carvalho', conversations: 2 }],
    memberCount: 6,
    latestAt: Date.UTC(2026, 10, 28),
    ...overrides,
  };
}

function detail(t: FeedbackTheme): FeedbackThemeDetail {
  return {
    theme: t,
    items: [
      {
        conversationId: 41,
        title: 'Any plans for a dark mode? <img src=x onerror=alert(1)>',
        platform: 'discord',
        kind: 'feature request',
        author: 'Tomasz Wrona',
        memberId: 8,
        openedAt: Date.UTC(2026, 10, 21),
        url: null,
        excerpt: 'Long reading sessions are hard on the eyes.',
        byHand: false,
      },
    ],
    splitTerms: [{ term: 'toggle', count: 3 }],
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  toasts.length = 0;
  api.feedbackThemes.mockResolvedValue({
    themes: [theme(1), theme(2, { name: 'Sitemap', terms: ['sitemap'], count: 5, weeks: Array(12).fill(0) })],
    total: 19,
    unthemed: 2,
  });
  api.feedbackTheme.mockImplementation((id: number) =>
    Promise.resolve(detail(id === 1 ? theme(1) : theme(id, { name: 'Toggle' }))),
  );
});

describe('feedback themes', () => {
  it('lists the themes with counts, the change and twelve weeks read out in words', async () => {
    render(FeedbackThemes);
    const rows = await screen.findAllByTestId('feedback-theme');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('Dark mode');
    expect(rows[0]).toHaveTextContent('4 (2 more than before)');
    expect(within(rows[0]).getByRole('img')).toHaveAccessibleName(
      'Per week, oldest first: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1',
    );
    expect(screen.getByTestId('feedback-themes')).toHaveTextContent(
      '19 feedback conversations, grouped by the terms they share; 2 share too little with the rest yet',
    );
  });

  it('opens a theme as text, splits it by a term and saves it as Markdown', async () => {
    api.feedbackSplit.mockResolvedValue(3);
    api.pickSaveFile.mockResolvedValue('/tmp/dark-mode.md');
    render(FeedbackThemes);
    await fireEvent.click(await screen.findByRole('button', { name: 'Dark mode' }));
    const dialog = await screen.findByTestId('theme-dialog');
    const item = await within(dialog).findByTestId('theme-item');
    expect(item).toHaveTextContent('Any plans for a dark mode? <img src=x onerror=alert(1)>');
    expect(item.querySelector('img')).toBeNull();
    expect(dialog).toHaveTextContent('Behind it: Ines Carvalho (2) and 5 more.');

    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save as Markdown' }));
    await waitFor(() => expect(api.feedbackExport).toHaveBeenCalledWith(1, '/tmp/dark-mode.md'));
    expect(api.pickSaveFile).toHaveBeenCalledWith('Save “Dark mode” as Markdown', 'dark-mode.md');

    await fireEvent.click(within(dialog).getByRole('button', { name: 'toggle (3)' }));
    await waitFor(() => expect(api.feedbackSplit).toHaveBeenCalledWith(1, 'toggle'));
    // the new theme is shown, and the list read again
    await waitFor(() => expect(api.feedbackTheme).toHaveBeenLastCalledWith(3));
    expect(api.feedbackThemes).toHaveBeenCalledTimes(2);
    expect(toasts.map((t) => t.message)).toContain('“toggle” is a theme of its own now');
  });

  it('merges another theme into the open one and renames it', async () => {
    render(FeedbackThemes);
    await fireEvent.click(await screen.findByRole('button', { name: 'Dark mode' }));
    const dialog = await screen.findByTestId('theme-dialog');
    await within(dialog).findByTestId('theme-item');
    await fireEvent.change(within(dialog).getByLabelText('A theme to merge into this one'), {
      target: { value: '2' },
    });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Merge' }));
    await waitFor(() => expect(api.feedbackMerge).toHaveBeenCalledWith(1, 2));
    const renamed = await screen.findByTestId('theme-name');
    await fireEvent.input(renamed, { target: { value: 'Dark mode (docs theme)' } });
    await fireEvent.click(within(screen.getByTestId('theme-dialog')).getByRole('button', { name: 'Rename' }));
    await waitFor(() => expect(api.feedbackRename).toHaveBeenCalledWith(1, 'Dark mode (docs theme)'));
  });
});
