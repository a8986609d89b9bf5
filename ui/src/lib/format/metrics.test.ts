import { describe, expect, it } from 'vitest';
import {
  countChange,
  durationChange,
  formatDuration,
  formatSentiment,
  previousPeriod,
  sentimentChange,
  shareChange,
  thisPeriod,
} from './metrics';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const before = 'the 30 days before';

describe('formatDuration', () => {
  it('says a time to answer in its two largest units', () => {
    expect(formatDuration(2 * HOUR + 48 * MINUTE)).toBe('2 h 48 min');
    expect(formatDuration(45 * MINUTE)).toBe('45 min');
    expect(formatDuration(2 * DAY + 4 * HOUR)).toBe('2 d 4 h');
    expect(formatDuration(3 * HOUR)).toBe('3 h');
    expect(formatDuration(2 * DAY)).toBe('2 d');
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(0)).toBe('0 s');
  });

  it('rounds to the unit shown, carrying into the next', () => {
    expect(formatDuration(59 * MINUTE + 50_000)).toBe('1 h');
    expect(formatDuration(HOUR + 29_000)).toBe('1 h');
    expect(formatDuration(DAY - 20_000)).toBe('1 d');
    expect(formatDuration(DAY + 23 * HOUR + 40 * MINUTE)).toBe('2 d');
  });

  it('shows a dash when there is nothing to measure', () => {
    expect(formatDuration(null)).toBe('—');
  });
});

describe('formatSentiment', () => {
  it('signs the mean score with two decimals', () => {
    expect(formatSentiment(0.183)).toBe('+0.18');
    expect(formatSentiment(-0.05)).toBe('−0.05');
    expect(formatSentiment(0.001)).toBe('0.00');
    expect(formatSentiment(null)).toBe('—');
  });
});

describe('periods in words', () => {
  it('names the period and the one before by their length in days', () => {
    expect(previousPeriod(0, 30 * DAY)).toBe('the 30 days before');
    expect(thisPeriod(0, 7 * DAY + 5)).toBe('these 7 days');
    expect(previousPeriod(0, DAY)).toBe('the day before');
  });
});

describe('changes in words', () => {
  it('gives counts a percentage and an arrow', () => {
    expect(countChange(40, 30, before)).toEqual({
      direction: 'up',
      arrow: '↑',
      text: '+33% vs the 30 days before',
    });
    expect(countChange(15, 30, before)).toMatchObject({ arrow: '↓', text: '−50% vs the 30 days before' });
    expect(countChange(7, 7, before)).toMatchObject({ arrow: '=', text: 'no change vs the 30 days before' });
    expect(countChange(4, 0, before)).toMatchObject({ arrow: '↑', text: 'up from none in the 30 days before' });
  });

  it('says whether answers came faster or slower', () => {
    expect(durationChange(HOUR, 2 * HOUR, before)).toMatchObject({
      arrow: '↓',
      text: '−50% (faster) vs the 30 days before',
    });
    expect(durationChange(3 * HOUR, 2 * HOUR, before).text).toBe('+50% (slower) vs the 30 days before');
    expect(durationChange(HOUR, null, before)).toMatchObject({ direction: 'none', arrow: '' });
  });

  it('moves shares in points and sentiment on its own scale', () => {
    expect(shareChange(18, 24, 14, 20, before).text).toBe('+5 points vs the 30 days before');
    expect(shareChange(1, 10, 2, 10, before)).toMatchObject({ arrow: '↓', text: '−10 points vs the 30 days before' });
    expect(shareChange(1, 0, 2, 10, before).direction).toBe('none');
    expect(sentimentChange(0.18, 0.13, before)).toMatchObject({ arrow: '↑', text: '+0.05 vs the 30 days before' });
    expect(sentimentChange(0.1, 0.1, before).arrow).toBe('=');
  });
});
