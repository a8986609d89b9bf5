import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as ipc from '$lib/ipc';
import { accounts } from '$lib/stores/accounts.svelte';
import { health } from '$lib/stores/health.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import {
  account,
  communityMetrics,
  metrics,
  periodFigures,
  viewResponses,
} from '../../../test/fixtures';
import { plots } from '../../../test/uplot-mock';
import HealthView from './HealthView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

// uPlot is a stand-in in every test (test/setup.ts): it lists the charts made.

const DAY = 86_400_000;

beforeEach(() => {
  vi.clearAllMocks();
  plots.length = 0;
  toasts.length = 0;
  Object.assign(health, {
    period: '30',
    customFrom: '',
    customTo: '',
    platform: null,
    metrics: null,
    byView: null,
    byViewError: null,
    loading: false,
    error: null,
  });
  Object.assign(accounts, { items: [], loaded: false });
  api.accountsList.mockResolvedValue([
    account(1, { platform: 'discord' }),
    account(2, { platform: 'github' }),
  ]);
  api.metricsGet.mockResolvedValue(communityMetrics());
  api.metricsByView.mockResolvedValue(viewResponses());
});

const figure = (label: string) =>
  screen.getAllByTestId('figure').find((f) => within(f).queryByRole('heading', { name: label }))!;

describe('health dashboard', () => {
  it('shows the headline figures with their change in words and what each counts', async () => {
    render(HealthView);
    expect(await screen.findByText('How the community is doing', { exact: false })).toBeVisible();
    expect(api.metricsGet).toHaveBeenCalledWith({ from: null, to: null, platform: null });

    const active = figure('Active members');
    expect(active).toHaveTextContent('40');
    expect(active).toHaveTextContent('↑ +33% vs the 30 days before');
    expect(active).toHaveTextContent('Wrote at least one message in the period.');

    expect(figure('Going quiet')).toHaveTextContent('↓ −25% vs the 30 days before');
    expect(figure('New')).toHaveTextContent('= no change vs the 30 days before');
    expect(figure('Messages')).toHaveTextContent('−11% vs the 30 days before');
    const answered = figure('Questions answered');
    expect(answered).toHaveTextContent('18 of 24');
    expect(answered).toHaveTextContent('75% answered');
    expect(answered).toHaveTextContent('+5 points vs the 30 days before');
    expect(figure('Unanswered after a day')).toHaveTextContent('15%');
    expect(figure('Unanswered after a day')).toHaveTextContent('−10 points vs the 30 days before');
    const median = figure('Median first answer');
    expect(median).toHaveTextContent('2 h 48 min');
    expect(median).toHaveTextContent('90th percentile: 2 d 4 h');
    expect(median).toHaveTextContent('−30% (faster) vs the 30 days before');
    expect(figure('Sentiment')).toHaveTextContent('+0.18');
    expect(figure('Sentiment')).toHaveTextContent('↑ +0.05 vs the 30 days before');
    // the full definitions are one disclosure away
    expect(screen.getByText('What this counts')).toBeInTheDocument();
  });

  it('draws a chart per series and lists the tables', async () => {
    render(HealthView);
    await screen.findByRole('img', { name: 'Active members per day' });
    for (const name of ['Messages per day', 'Sentiment per day', 'Members per week']) {
      expect(screen.getByRole('img', { name })).toBeInTheDocument();
    }
    expect(plots).toHaveLength(4);
    // each follows its container's width (the observer in test/setup.ts says 1000 px)
    await waitFor(() => expect(plots.map((p) => p.width)).toEqual([1000, 1000, 1000, 1000]));
    expect(screen.getByRole('img', { name: 'Messages per day' })).toHaveAccessibleDescription(
      /Messages per day, .* from 10 to 40/,
    );

    const response = screen.getByTestId('response-table');
    expect(within(response).getByRole('row', { name: /Discord/ })).toHaveTextContent('45 min');
    expect(within(response).getByRole('row', { name: /GitHub/ })).toHaveTextContent('1 d 2 h');
    expect(screen.getByTestId('channels-table')).toHaveTextContent('#help');
    expect(screen.getByTestId('contributors-table')).toHaveTextContent('Discord 40, GitHub 12');
    expect(
      within(screen.getByTestId('response-channels-table')).getByRole('row', { name: /#help/ }),
    ).toHaveTextContent('8 (89%)');
    // per inbox view, asked once the figures are in, for the same period and platform: how
    // fast first-timers hear back, against the view's target
    expect(api.metricsByView).toHaveBeenCalledWith(api.metricsGet.mock.lastCall![0]);
    const firstTimers = within(await screen.findByTestId('response-views-table')).getByRole(
      'row',
      { name: /First-timers/ },
    );
    expect(firstTimers).toHaveTextContent('1 h 30 min');
    expect(firstTimers).toHaveTextContent('83% of 1 d');

    // retention: each month's newcomers, and the share of them who wrote in each month since
    const cohorts = screen.getByTestId('cohorts-table');
    const october = within(cohorts).getByRole('row', { name: /Oct 2026/ });
    expect(within(october).getAllByRole('cell').map((c) => c.textContent?.trim())).toEqual([
      '20',
      '100%',
      '60%',
      '–',
      '–',
      '–',
      '–',
    ]);
    const june = within(cohorts).getByRole('row', { name: /Jun 2026/ });
    expect(within(june).getAllByRole('cell')[1]).toHaveTextContent('–');
  });

  it('lists the helpers to thank and saves a spotlight idea in one click', async () => {
    render(HealthView);
    const helpers = await screen.findByTestId('helpers-table');
    const amara = within(helpers).getByRole('row', { name: /Amara Nwosu/ });
    expect(within(amara).getAllByRole('cell').slice(0, 3).map((c) => c.textContent)).toEqual([
      '40',
      '38',
      '44',
    ]);
    api.calendarCreate.mockResolvedValueOnce({} as never);
    await fireEvent.click(
      within(amara).getByRole('button', {
        name: 'Spotlight Amara Nwosu: save a post idea about them',
      }),
    );
    await waitFor(() =>
      expect(api.calendarCreate).toHaveBeenCalledWith(
        expect.objectContaining({
          title: 'Member spotlight: Amara Nwosu',
          state: 'idea',
          body: expect.stringContaining('40 questions answered first'),
        }),
      ),
    );
    expect(toasts.map((t) => t.message)).toContain(
      'Saved a spotlight idea on Amara Nwosu to the calendar',
    );
  });

  it('thanks and spotlights an advocate with one key on their row', async () => {
    render(HealthView);
    const helpers = await screen.findByTestId('helpers-table');
    const rows = within(helpers).getAllByTestId('advocate');
    // who shared links but answered nothing is an advocate too
    expect(rows[1]).toHaveAccessibleName('Finn Berg: 5 links shared. s to spotlight, t to thank');
    expect(within(rows[0]).getAllByRole('cell')[3]).toHaveTextContent('3');
    api.reminderAdd.mockResolvedValueOnce({} as never);
    rows[0].focus();
    await fireEvent.keyDown(rows[0], { key: 't' });
    await waitFor(() =>
      expect(api.reminderAdd).toHaveBeenCalledWith(
        9,
        'Thank Amara Nwosu: 40 questions answered first, 38 of them with a thank-you back, 3 links shared.',
        expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ),
    );
    expect(toasts.map((t) => t.message)).toContain(
      'Added a follow-up to thank Amara Nwosu, due now',
    );
    api.calendarCreate.mockResolvedValueOnce({} as never);
    await fireEvent.keyDown(rows[1], { key: 's' });
    await waitFor(() =>
      expect(api.calendarCreate).toHaveBeenCalledWith(
        expect.objectContaining({
          title: 'Member spotlight: Finn Berg',
          body: 'Thank you, Finn Berg! This period: 5 links shared.',
        }),
      ),
    );
  });

  it('saves a chart\'s numbers as CSV and its picture as PNG where the person chooses', async () => {
    render(HealthView);
    const chart = (await screen.findByRole('img', { name: 'Messages per day' })).closest(
      'section',
    )!;
    api.pickSaveFile.mockResolvedValueOnce('/home/ana/messages.csv');
    await fireEvent.click(
      within(chart).getByRole('button', { name: 'Save the numbers of Messages per day as CSV' }),
    );
    await waitFor(() =>
      expect(api.metricsExportCsv).toHaveBeenCalledWith(
        { from: null, to: null, platform: null },
        'messages',
        '/home/ana/messages.csv',
      ),
    );
    expect(api.pickSaveFile).toHaveBeenLastCalledWith(
      'Save “Messages per day” as CSV',
      'messages-per-day.csv',
    );
    await waitFor(() =>
      expect(toasts.map((t) => t.message)).toContain(
        'Saved the numbers of “Messages per day” to /home/ana/messages.csv',
      ),
    );

    // the picture: the chart as drawn under its name (jsdom draws nothing: a stand-in does)
    const drawn: string[] = [];
    const context = {
      fillRect: () => drawn.push('background'),
      fillText: (text: string) => drawn.push(`title ${text}`),
      drawImage: () => drawn.push('chart'),
    };
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);
    const getContext = vi
      .spyOn(HTMLCanvasElement.prototype, 'getContext')
      .mockImplementation(() => context as unknown as CanvasRenderingContext2D);
    const toBlob = vi
      .spyOn(HTMLCanvasElement.prototype, 'toBlob')
      .mockImplementation((done: BlobCallback) => done(new Blob([png], { type: 'image/png' })));
    api.pickSaveFile.mockResolvedValueOnce('/home/ana/messages.png');
    await fireEvent.click(
      within(chart).getByRole('button', { name: 'Save Messages per day as a PNG picture' }),
    );
    await waitFor(() => expect(api.metricsSavePng).toHaveBeenCalled());
    const [path, bytes] = api.metricsSavePng.mock.lastCall!;
    expect(path).toBe('/home/ana/messages.png');
    expect(Array.from(bytes)).toEqual(Array.from(png));
    expect(drawn).toEqual(['background', 'title Messages per day', 'chart']);
    getContext.mockRestore();
    toBlob.mockRestore();

    // a refusal from the core is said in words
    api.pickSaveFile.mockResolvedValueOnce('/home/ana/messages');
    api.metricsExportCsv.mockRejectedValueOnce({
      code: 'invalid',
      message: '/home/ana/messages does not end in .csv: save the chart under a name that does',
    });
    await fireEvent.click(
      within(chart).getByRole('button', { name: 'Save the numbers of Messages per day as CSV' }),
    );
    await waitFor(() =>
      expect(toasts.map((t) => t.message).join(' ')).toContain('does not end in .csv'),
    );
  });

  it('reveals a chart\'s numbers as a table of its days', async () => {
    render(HealthView);
    const chart = (await screen.findByRole('img', { name: 'Messages per day' })).closest('section')!;
    const toggle = within(chart).getByRole('button', { name: 'Show the numbers' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(within(chart).queryByRole('table')).toBeNull();

    await fireEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(toggle).toHaveTextContent('Hide the numbers');
    const table = within(chart).getByRole('table', { name: 'Messages per day' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(1 + communityMetrics().days.length);
    const first = communityMetrics().days[0];
    const before = communityMetrics().previousDays[0];
    const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
    // each day beside the same day of the period before
    expect(within(table).getByRole('columnheader', { name: 'The period before' })).toBeTruthy();
    expect(rows[1]).toHaveTextContent(
      `${day.format(first.day)}10${before.messages} (${day.format(before.day)})`,
    );
    // and the chart's summary says how the two compare
    const summary = document.getElementById(
      chart.querySelector('[aria-describedby]')!.getAttribute('aria-describedby')!,
    )!;
    expect(summary).toHaveTextContent(/a day on average, against 35 in the period before \(dashed\)\./);
  });

  it('compares the members of each week with the weeks before too', async () => {
    render(HealthView);
    const chart = (await screen.findByRole('img', { name: 'Members per week' })).closest('section')!;
    await fireEvent.click(within(chart).getByRole('button', { name: 'Show the numbers' }));
    const table = within(chart).getByRole('table', { name: 'Members per week' });
    const rows = within(table).getAllByRole('row');
    const m = communityMetrics();
    const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
    expect(rows[1]).toHaveTextContent(
      `${day.format(m.weeks[0].start)}20${m.previousWeeks[0].value} (${day.format(m.previousWeeks[0].start)})`,
    );
    const summary = document.getElementById(
      chart.querySelector('[aria-describedby]')!.getAttribute('aria-describedby')!,
    )!;
    // 20…24 a week, against 15…19 in the weeks before
    expect(summary).toHaveTextContent(/22 a week on average, against 17 in the period before/);
  });

  it('asks again for the period and platform chosen, keeping the old figures dimmed', async () => {
    render(HealthView);
    await screen.findByRole('img', { name: 'Active members per day' });

    let answer: (value: ReturnType<typeof metrics>) => void = () => {};
    api.metricsGet.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const before = Date.now();
    await fireEvent.change(screen.getByTestId('health-period'), { target: { value: '7' } });
    const week = api.metricsGet.mock.lastCall![0];
    expect(week.to).toBeNull();
    expect(week.platform).toBeNull();
    // seven days ending today: today and the six before
    expect(week.from! - (before - 6 * DAY)).toBeGreaterThanOrEqual(0);
    expect(week.from! - (before - 6 * DAY)).toBeLessThan(5_000);
    // the figures stay, dimmed, while the new ones come
    expect(screen.getByTestId('health').querySelector('.body')).toHaveAttribute('aria-busy', 'true');
    expect(figure('Active members')).toHaveTextContent('40');
    expect(screen.getByRole('status')).toHaveTextContent('Updating the figures…');
    answer(communityMetrics({ current: periodFigures({ activeMembers: 9, messages: 30 }) }));
    await waitFor(() => expect(figure('Active members')).toHaveTextContent('9'));

    await waitFor(() => expect(screen.getByRole('option', { name: 'GitHub' })).toBeInTheDocument());
    await fireEvent.change(screen.getByTestId('health-platform'), { target: { value: 'github' } });
    expect(api.metricsGet).toHaveBeenLastCalledWith(expect.objectContaining({ platform: 'github' }));

    await fireEvent.change(screen.getByTestId('health-period'), { target: { value: '30' } });
    expect(api.metricsGet).toHaveBeenLastCalledWith({ from: null, to: null, platform: 'github' });
  });

  it('asks for a custom period from its first day to the end of its last', async () => {
    render(HealthView);
    await screen.findByRole('img', { name: 'Active members per day' });
    const calls = api.metricsGet.mock.calls.length;
    await fireEvent.change(screen.getByTestId('health-period'), { target: { value: 'custom' } });
    expect(api.metricsGet).toHaveBeenCalledTimes(calls); // not before both days are chosen

    await fireEvent.input(screen.getByTestId('health-from'), { target: { value: '2025-03-01' } });
    await fireEvent.change(screen.getByTestId('health-from'));
    await fireEvent.input(screen.getByTestId('health-to'), { target: { value: '2025-03-10' } });
    await fireEvent.change(screen.getByTestId('health-to'));
    expect(api.metricsGet).toHaveBeenLastCalledWith({
      // UTC days, as the core counts them, wherever the computer is
      from: Date.UTC(2025, 2, 1),
      to: Date.UTC(2025, 2, 11),
      platform: null,
    });

    // a period that ends before it starts is refused in words, without asking
    const asked = api.metricsGet.mock.calls.length;
    await fireEvent.input(screen.getByTestId('health-to'), { target: { value: '2025-02-20' } });
    await fireEvent.change(screen.getByTestId('health-to'));
    expect(screen.getByRole('alert')).toHaveTextContent('The period ends before it starts');
    expect(api.metricsGet).toHaveBeenCalledTimes(asked);
  });

  it('says in words when there is nothing to count, instead of empty charts', async () => {
    api.metricsGet.mockResolvedValue(metrics());
    render(HealthView);
    expect(await screen.findByTestId('health-empty')).toHaveTextContent(
      'No messages in these 30 days yet',
    );
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.queryAllByTestId('figure')).toHaveLength(0);
    expect(plots).toHaveLength(0);
  });

  it('says what went wrong when the figures cannot be worked out', async () => {
    api.metricsGet.mockRejectedValue({ code: 'internal', message: 'The database is locked.' });
    render(HealthView);
    expect(await screen.findByRole('alert')).toHaveTextContent('The database is locked.');
  });

  it('lets go of its charts when it closes', async () => {
    const { unmount } = render(HealthView);
    await screen.findByRole('img', { name: 'Active members per day' });
    expect(plots.some((p) => p.destroyed)).toBe(false);
    unmount();
    expect(plots.every((p) => p.destroyed)).toBe(true);
  });
});
