import { describe, expect, it } from 'vitest';
import { relativeAge, replyDue, snoozeChoices } from './time';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('relativeAge', () => {
  it('reads like a person would say it', () => {
    const now = Date.UTC(2025, 0, 31);
    expect(relativeAge(now - 10_000, now)).toBe('now');
    expect(relativeAge(now - 5 * MIN, now)).toBe('5 min');
    expect(relativeAge(now - 3 * HOUR, now)).toBe('3 h');
    expect(relativeAge(now - 2 * DAY, now)).toBe('2 d');
    expect(relativeAge(now - 21 * DAY, now)).toBe('3 w');
    expect(relativeAge(now - 100 * DAY, now)).toBe('3 mo');
    expect(relativeAge(now - 800 * DAY, now)).toBe('2 y');
    expect(relativeAge(now + HOUR, now)).toBe('now');
  });
});

describe('snoozeChoices', () => {
  const at = (choices: ReturnType<typeof snoozeChoices>, i: number) => new Date(choices[i].until);

  it('offers an hour, this evening, tomorrow morning and next Monday morning', () => {
    const wednesday = new Date(2025, 2, 12, 10, 30); // Wed 12 Mar 2025, 10:30 local
    const choices = snoozeChoices(wednesday);

    expect(choices.map((c) => c.label)).toEqual([
      '1 hour',
      'This evening',
      'Tomorrow 09:00',
      'Next Monday 09:00',
    ]);
    expect(choices[0].until - wednesday.getTime()).toBe(HOUR);
    expect(at(choices, 1)).toEqual(new Date(2025, 2, 12, 18, 0));
    expect(at(choices, 2)).toEqual(new Date(2025, 2, 13, 9, 0));
    expect(at(choices, 3)).toEqual(new Date(2025, 2, 17, 9, 0));
  });

  it('never snoozes into the past: after 18:00 "this evening" becomes tomorrow evening', () => {
    const late = new Date(2025, 2, 12, 19, 0);
    expect(snoozeChoices(late)[1]).toMatchObject({ label: 'Tomorrow evening' });
    expect(at(snoozeChoices(late), 1)).toEqual(new Date(2025, 2, 13, 18, 0));
  });

  it('on a Monday, "next Monday" is a week later', () => {
    const monday = new Date(2025, 2, 17, 8, 0);
    expect(at(snoozeChoices(monday), 3)).toEqual(new Date(2025, 2, 24, 9, 0));
  });
});

describe('replyDue', () => {
  const HOUR = 3_600_000;
  const now = 1_800_000_000_000;
  it('says nothing early, warns in the last quarter of the target, and says how overdue', () => {
    // a 24 h target: due in 20 h is fine, in 5 h is near, 3 h ago is overdue
    expect(replyDue(now + 20 * HOUR, now - 4 * HOUR, now)).toBeNull();
    expect(replyDue(now + 5 * HOUR, now - 19 * HOUR, now)).toEqual({ tone: 'near', text: 'reply due in 5 h' });
    expect(replyDue(now - 3 * HOUR, now - 27 * HOUR, now)).toEqual({
      tone: 'over',
      text: 'reply overdue 3 h',
    });
    expect(replyDue(null, null, now)).toBeNull();
  });
});
