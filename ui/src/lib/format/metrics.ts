// Words for the Dashboard's figures: durations, sentiment, and how a figure moved since the
// period before. Colour is never the only sign: each change has an arrow and words.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "45 s", "45 min", "2 h 48 min", "2 d 4 h": a time to answer, to its two largest units. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const at = Math.max(0, ms);
  // each unit decided on the rounded value, so 59 min 50 s reads "1 h", not "60 min"
  const seconds = Math.round(at / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(at / MINUTE);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const hours = Math.round(at / HOUR);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** "+0.18", "−0.05", "0.00"; "—" when there is nothing to score. */
export function formatSentiment(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const rounded = Math.round(value * 100) / 100;
  if (rounded === 0) return '0.00';
  return `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(2)}`;
}

/** A share as a whole percentage: "75%"; "—" when nothing was counted. */
export function formatShare(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`;
}

/** The period before, in words: "the 30 days before". */
export function previousPeriod(from: number, to: number): string {
  const days = Math.max(1, Math.round((to - from) / DAY));
  return days === 1 ? 'the day before' : `the ${days} days before`;
}

/** These days, in words: "these 30 days", "this day". */
export function thisPeriod(from: number, to: number): string {
  const days = Math.max(1, Math.round((to - from) / DAY));
  return days === 1 ? 'this day' : `these ${days} days`;
}

export type Direction = 'up' | 'down' | 'same' | 'none';

export interface Change {
  direction: Direction;
  /** The arrow shown: ↑, ↓, = (or nothing when there is no comparing). */
  arrow: string;
  /** "+33% vs the 30 days before", "no change vs the 30 days before". */
  text: string;
}

const ARROWS: Record<Direction, string> = { up: '↑', down: '↓', same: '=', none: '' };

const signed = (n: number, unit = '') =>
  `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toLocaleString()}${unit}`;

function change(direction: Direction, text: string): Change {
  return { direction, arrow: ARROWS[direction], text };
}

const directionOf = (delta: number): Direction => (delta > 0 ? 'up' : delta < 0 ? 'down' : 'same');

/** How a count moved, in percent of what it was: "+33% vs the 30 days before". */
export function countChange(current: number, previous: number, before: string): Change {
  if (current === previous) return change('same', `no change vs ${before}`);
  if (previous === 0) return change('up', `up from none in ${before}`);
  const percent = Math.round(((current - previous) / previous) * 100);
  return change(directionOf(current - previous), `${signed(percent, '%')} vs ${before}`);
}

/** How a time moved, in percent, saying whether answers came faster or slower. */
export function durationChange(
  current: number | null,
  previous: number | null,
  before: string,
): Change {
  if (current === null || previous === null) {
    return change('none', `nothing to compare with in ${before}`);
  }
  if (current === previous || previous === 0) return change('same', `no change vs ${before}`);
  const percent = Math.round(((current - previous) / previous) * 100);
  if (percent === 0) return change('same', `about the same as ${before}`);
  const pace = current < previous ? 'faster' : 'slower';
  return change(directionOf(percent), `${signed(percent, '%')} (${pace}) vs ${before}`);
}

/** How a share moved, in percentage points: "+5 points vs the 30 days before". */
export function shareChange(
  part: number,
  whole: number,
  previousPart: number,
  previousWhole: number,
  before: string,
): Change {
  if (whole === 0 || previousWhole === 0) {
    return change('none', `nothing to compare with in ${before}`);
  }
  const points = Math.round((part / whole) * 100) - Math.round((previousPart / previousWhole) * 100);
  if (points === 0) return change('same', `no change vs ${before}`);
  const unit = Math.abs(points) === 1 ? ' point' : ' points';
  return change(directionOf(points), `${signed(points, unit)} vs ${before}`);
}

/** How sentiment moved, as a difference on its −1 to 1 scale: "+0.05 vs the 30 days before". */
export function sentimentChange(
  current: number | null,
  previous: number | null,
  before: string,
): Change {
  if (current === null || previous === null) {
    return change('none', `nothing to compare with in ${before}`);
  }
  const delta = Math.round((current - previous) * 100) / 100;
  if (delta === 0) return change('same', `no change vs ${before}`);
  return change(directionOf(delta), `${formatSentiment(delta)} vs ${before}`);
}
