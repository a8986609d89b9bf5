// The Dashboard: which period and platform it shows, and the figures the core worked out for
// them. Kept here so leaving the view and coming back shows the same choice at once.
import type { HealthChart } from '$lib/bindings/HealthChart';
import type { Metrics } from '$lib/bindings/Metrics';
import type { MetricsQuery } from '$lib/bindings/MetricsQuery';
import type { Platform } from '$lib/bindings/Platform';
import type { ResponseFigures } from '$lib/bindings/ResponseFigures';
import * as ipc from '$lib/ipc';
import { errorMessage } from '$lib/ipc/errors';
import { showError, showToast } from '$lib/stores/toasts.svelte';

export type PeriodChoice = '7' | '30' | '90' | 'custom';

const DAY = 24 * 3_600_000;

export const health = $state({
  period: '30' as PeriodChoice,
  /** The custom period's first and last days, as yyyy-mm-dd (UTC days, as every figure's, both
   *  included). */
  customFrom: '',
  customTo: '',
  platform: null as Platform | null,
  metrics: null as Metrics | null,
  /** Response times per inbox view for the same choice, asked once the figures are in
   *  (`null` while they are worked out). */
  byView: null as ResponseFigures[] | null,
  byViewError: null as string | null,
  loading: false,
  error: null as string | null,
});

/** Midnight UTC of a yyyy-mm-dd day, as the core counts days; `null` for anything else. */
function utcDay(day: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const at = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(at) ? null : at;
}

/** What to ask the core for the current choice, or a sentence saying why it cannot be asked. */
export function healthQuery(now = Date.now()): MetricsQuery | string {
  const platform = health.platform;
  if (health.period === '30') return { from: null, to: null, platform };
  if (health.period !== 'custom') {
    // the core counts whole UTC days up to today's end: N days ending today start N − 1 back
    return { from: now - (Number(health.period) - 1) * DAY, to: null, platform };
  }
  const from = utcDay(health.customFrom);
  const last = utcDay(health.customTo);
  if (from === null || last === null) return 'Choose the first and the last day of the period.';
  // the last day is included: the period ends at the next midnight
  const to = last + DAY;
  if (from >= to) return 'The period ends before it starts: choose a first day before the last.';
  return { from, to, platform };
}

// Answers can cross: only the latest question's answer is shown.
let asked = 0;

/** Asks for the figures of the current choice; the old ones stay (dimmed) until they come. */
export async function loadMetrics() {
  const query = healthQuery();
  if (typeof query === 'string') {
    health.error = query;
    return;
  }
  const ticket = ++asked;
  health.loading = true;
  health.error = null;
  try {
    const metrics = await ipc.metricsGet(query);
    if (ticket !== asked) return;
    health.metrics = metrics;
  } catch (error) {
    if (ticket !== asked) return;
    health.error = errorMessage(error);
    return;
  } finally {
    if (ticket === asked) health.loading = false;
  }
  // then the slower table, the figures already on screen
  health.byView = null;
  health.byViewError = null;
  try {
    const byView = await ipc.metricsByView(query);
    if (ticket === asked) health.byView = byView;
  } catch (error) {
    if (ticket === asked) health.byViewError = errorMessage(error);
  }
}

/** A chart's title as a file name: "Messages per day" → "messages-per-day". */
export function chartFileName(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** Asks where to save `chart`'s numbers for the period shown, then has the core write them. */
export async function saveChartCsv(chart: HealthChart, title: string) {
  const query = healthQuery();
  if (typeof query === 'string') {
    showError(query);
    return;
  }
  try {
    const path = await ipc.pickSaveFile(`Save “${title}” as CSV`, `${chartFileName(title)}.csv`);
    if (path === null) return;
    await ipc.metricsExportCsv(query, chart, path);
    showToast(`Saved the numbers of “${title}” to ${path}`);
  } catch (error) {
    showError(error);
  }
}
