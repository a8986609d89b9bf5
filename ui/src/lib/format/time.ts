// Times are unix milliseconds everywhere. Lists show short relative ages; details and tooltips
// show the absolute local time.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "now", "5 min", "3 h", "2 d", "6 w", "4 mo", "2 y": how long ago `at` was. */
export function relativeAge(at: number, now: number): string {
  const age = Math.max(0, now - at);
  if (age < MINUTE) return 'now';
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min`;
  if (age < DAY) return `${Math.floor(age / HOUR)} h`;
  if (age < 14 * DAY) return `${Math.floor(age / DAY)} d`;
  if (age < 60 * DAY) return `${Math.floor(age / (7 * DAY))} w`;
  if (age < 365 * DAY) return `${Math.floor(age / (30 * DAY))} mo`;
  return `${Math.floor(age / (365 * DAY))} y`;
}

/** Where a reply stands against its target: overdue, due soon (the last quarter of the target),
 * or nothing to say yet. `replyDueAt` and `since` come from the core. */
export function replyDue(
  replyDueAt: number | null,
  since: number | null,
  now: number,
): { tone: 'over' | 'near'; text: string } | null {
  if (replyDueAt === null || since === null) return null;
  const left = replyDueAt - now;
  if (left <= 0) return { tone: 'over', text: `reply overdue ${relativeAge(replyDueAt, now)}` };
  if (left <= (replyDueAt - since) / 4) {
    return { tone: 'near', text: `reply due in ${relativeAge(now, now + left)}` };
  }
  return null;
}

const absoluteFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** The full local date and time, e.g. "3 Mar 2025, 14:05". */
export function absoluteTime(at: number): string {
  return absoluteFormat.format(at);
}

const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** A near-future moment as "Tue 09:00", for snooze menus and toasts. */
export function dayAndTime(at: number): string {
  return dayTimeFormat.format(at);
}

export interface SnoozeChoice {
  label: string;
  until: number;
}

/** A copy of `day` at the given local hour, on the hour. */
function atHour(day: Date, hour: number): Date {
  const d = new Date(day);
  d.setHours(hour, 0, 0, 0);
  return d;
}

function addDays(day: Date, days: number): Date {
  const d = new Date(day);
  d.setDate(d.getDate() + days);
  return d;
}

/**
 * The four snooze presets, in menu order (keys 1–4). Once 18:00 has passed, "this evening"
 * becomes tomorrow evening rather than a moment in the past.
 */
export function snoozeChoices(now: Date): SnoozeChoice[] {
  const evening = atHour(now, 18);
  const eveningChoice =
    evening.getTime() > now.getTime()
      ? { label: 'This evening', until: evening.getTime() }
      : { label: 'Tomorrow evening', until: atHour(addDays(now, 1), 18).getTime() };
  // Days until the next Monday, never today: Sunday (0) → 1, Monday (1) → 7.
  const toMonday = (8 - now.getDay()) % 7 || 7;
  return [
    { label: '1 hour', until: now.getTime() + HOUR },
    eveningChoice,
    { label: 'Tomorrow 09:00', until: atHour(addDays(now, 1), 9).getTime() },
    { label: 'Next Monday 09:00', until: atHour(addDays(now, toMonday), 9).getTime() },
  ];
}
