// Local-calendar arithmetic for the content calendar. Weeks start on Monday.

export type CalendarMode = 'month' | 'week' | 'list';

/** How many days the list (the queue of what is coming) shows from its first day. */
export const LIST_DAYS = 28;

export function startOfDay(day: Date): Date {
  const d = new Date(day);
  d.setHours(0, 0, 0, 0);
  return d;
}

export function addDays(day: Date, days: number): Date {
  const d = new Date(day);
  d.setDate(d.getDate() + days);
  return d;
}

/** Monday 00:00 of the week `day` is in. */
function startOfWeek(day: Date): Date {
  const d = startOfDay(day);
  return addDays(d, -((d.getDay() + 6) % 7));
}

/** A key naming one local day, for grouping items by the day they fall on. */
export function dayKey(at: Date | number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/**
 * The days a view shows around `anchor`: the 7 days of its week, the whole weeks covering its
 * month (5 or 6 rows of 7), or for the list the four weeks from the anchor's day on.
 */
export function visibleDays(anchor: Date, mode: CalendarMode): Date[] {
  if (mode === 'list') {
    const start = startOfDay(anchor);
    return Array.from({ length: LIST_DAYS }, (_, i) => addDays(start, i));
  }
  if (mode === 'week') {
    const start = startOfWeek(anchor);
    return Array.from({ length: 7 }, (_, i) => addDays(start, i));
  }
  const first = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
  const last = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0);
  const days: Date[] = [];
  // Whole weeks: go on past the month's last day until the row is complete.
  for (let d = startOfWeek(first); d <= last || days.length % 7 !== 0; d = addDays(d, 1)) {
    days.push(d);
  }
  return days;
}

/** The anchor one page earlier (-1) or later (+1). */
export function shiftAnchor(anchor: Date, mode: CalendarMode, step: number): Date {
  if (mode === 'week') return addDays(anchor, 7 * step);
  if (mode === 'list') return addDays(startOfDay(anchor), LIST_DAYS * step);
  return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The value of `<input type="date">` and `<input type="time">` for a moment, in local time. */
export function toDateTimeInputs(at: number): { date: string; time: string } {
  const d = new Date(at);
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
  };
}

/** The moment a local date (and optional time, default 09:00) input pair names, or null. */
export function fromDateTimeInputs(date: string, time: string): number | null {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!dm) return null;
  const tm = /^(\d{2}):(\d{2})$/.exec(time) ?? [null, '09', '00'];
  return new Date(+dm[1], +dm[2] - 1, +dm[3], +tm[1]!, +tm[2]!).getTime();
}
