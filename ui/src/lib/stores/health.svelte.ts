// The Dashboard: which period and platform it shows, and the figures the core worked out for
// them. Kept here so leaving the view and coming back shows the same choice at once.
import type { Metrics } from '$lib/bindings/Metrics';
import type { MetricsQuery } from '$lib/bindings/MetricsQuery';
import type { Platform } from '$lib/bindings/Platform';
import { fromDateTimeInputs } from '$lib/format/dates';
import * as ipc from '$lib/ipc';
import { errorMessage } from '$lib/ipc/errors';

export type PeriodChoice = '7' | '30' | '90' | 'custom';

const DAY = 24 * 3_600_000;

export const health = $state({
  period: '30' as PeriodChoice,
  /** The custom period's first and last days, as yyyy-mm-dd (local days, both included). */
  customFrom: '',
  customTo: '',
  platform: null as Platform | null,
  metrics: null as Metrics | null,
  loading: false,
  error: null as string | null,
});

/** What to ask the core for the current choice, or a sentence saying why it cannot be asked. */
export function healthQuery(now = Date.now()): MetricsQuery | string {
  const platform = health.platform;
  if (health.period === '30') return { from: null, to: null, platform };
  if (health.period !== 'custom') {
    return { from: now - Number(health.period) * DAY, to: null, platform };
  }
  const from = fromDateTimeInputs(health.customFrom, '00:00');
  const last = fromDateTimeInputs(health.customTo, '00:00');
  if (from === null || last === null) return 'Choose the first and the last day of the period.';
  // the last day is included: the period ends at the next midnight
  const end = new Date(last);
  end.setDate(end.getDate() + 1);
  const to = end.getTime();
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
  } finally {
    if (ticket === asked) health.loading = false;
  }
}
