import { describe, expect, it } from 'vitest';
import { fromDateTimeInputs, shiftAnchor, toDateTimeInputs, visibleDays } from './dates';

describe('visibleDays', () => {
  it('covers a month in whole weeks starting on Monday', () => {
    const days = visibleDays(new Date(2025, 2, 12), 'month'); // March 2025 starts on a Saturday
    expect(days.length % 7).toBe(0);
    expect(days[0]).toEqual(new Date(2025, 1, 24)); // Monday 24 Feb
    expect(days[0].getDay()).toBe(1);
    expect(days.at(-1)).toEqual(new Date(2025, 3, 6)); // Sunday 6 Apr
  });

  it('shows Monday to Sunday in week mode', () => {
    const days = visibleDays(new Date(2025, 2, 16), 'week'); // a Sunday
    expect(days).toHaveLength(7);
    expect(days[0]).toEqual(new Date(2025, 2, 10));
    expect(days[6]).toEqual(new Date(2025, 2, 16));
  });

  it('lists four weeks from the anchor day in list mode, and pages by four weeks', () => {
    const anchor = new Date(2025, 2, 30, 15, 30); // across the change to summer time
    const days = visibleDays(anchor, 'list');
    expect(days).toHaveLength(28);
    expect(days[0]).toEqual(new Date(2025, 2, 30));
    expect(days.at(-1)).toEqual(new Date(2025, 3, 26));
    expect(shiftAnchor(anchor, 'list', 1)).toEqual(new Date(2025, 3, 27));
    expect(shiftAnchor(anchor, 'list', -1)).toEqual(new Date(2025, 2, 2));
  });
});

describe('date and time inputs', () => {
  it('round-trips a local moment', () => {
    const at = new Date(2025, 5, 3, 14, 45).getTime();
    const { date, time } = toDateTimeInputs(at);
    expect({ date, time }).toEqual({ date: '2025-06-03', time: '14:45' });
    expect(fromDateTimeInputs(date, time)).toBe(at);
  });

  it('defaults a missing time to 09:00 and a missing date to no date', () => {
    expect(fromDateTimeInputs('2025-06-03', '')).toBe(new Date(2025, 5, 3, 9, 0).getTime());
    expect(fromDateTimeInputs('', '10:00')).toBeNull();
  });
});
