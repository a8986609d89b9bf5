import { describe, expect, it } from 'vitest';
import { recurrenceOf, repeatOf, repeatProblems } from './calendar';
import { firstWords, ideaSource, linkIdea } from './ideas';

describe('repetitions', () => {
  it('shows a saved rule as the choice it is, and anything else as written', () => {
    expect(repeatOf(null)).toEqual({ repeat: 'none', rule: '' });
    expect(repeatOf('FREQ=DAILY')).toEqual({ repeat: 'daily', rule: '' });
    expect(repeatOf('FREQ=WEEKLY;INTERVAL=1')).toEqual({ repeat: 'weekly', rule: '' });
    expect(repeatOf('INTERVAL=2;FREQ=WEEKLY')).toEqual({ repeat: 'fortnightly', rule: '' });
    expect(repeatOf('RRULE:FREQ=MONTHLY')).toEqual({ repeat: 'monthly', rule: '' });
    expect(repeatOf('weekly')).toEqual({ repeat: 'weekly', rule: '' });
    expect(repeatOf('FREQ=WEEKLY;BYDAY=TH')).toEqual({
      repeat: 'custom',
      rule: 'FREQ=WEEKLY;BYDAY=TH',
    });
    expect(repeatOf('FREQ=YEARLY')).toEqual({ repeat: 'custom', rule: 'FREQ=YEARLY' });
  });

  it('sends a word the core reads, the rule as written, or nothing', () => {
    expect(recurrenceOf('none', 'FREQ=DAILY')).toBeNull();
    expect(recurrenceOf('fortnightly', '')).toBe('fortnightly');
    expect(recurrenceOf('custom', ' FREQ=WEEKLY;BYDAY=TU ')).toBe('FREQ=WEEKLY;BYDAY=TU');
    expect(recurrenceOf('custom', ' ')).toBeNull();
  });

  it('asks for a date and a rule that says how often', () => {
    expect(repeatProblems({ repeat: 'none', rule: '', date: '' })).toEqual([]);
    expect(repeatProblems({ repeat: 'daily', rule: '', date: '' })).toHaveLength(1);
    expect(repeatProblems({ repeat: 'custom', rule: '', date: '2026-03-01' })[0]).toMatch(
      /^Write the rule/,
    );
    expect(repeatProblems({ repeat: 'custom', rule: 'rrule:freq=daily', date: '2026-03-01' })).toEqual(
      [],
    );
  });
});

describe('ideas from elsewhere', () => {
  it('titles a link by its site and path, and takes only web links', () => {
    expect(linkIdea('https://lumen.dev/blog/3-2')).toEqual({
      url: 'https://lumen.dev/blog/3-2',
      title: 'lumen.dev › blog › 3-2',
    });
    expect(linkIdea('http://www.lumen.dev/docs/getting%20started/?ref=x#top')).toMatchObject({
      title: 'lumen.dev › docs › getting started',
    });
    expect(linkIdea('https://lumen.dev')).toMatchObject({ title: 'lumen.dev' });
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'lumen.dev/blog', '']) {
      expect(linkIdea(bad)).toHaveProperty('problem');
    }
  });

  it('cuts a title at a word, and tells a link idea from others', () => {
    expect(firstWords('short  and\nsweet')).toBe('short and sweet');
    expect(firstWords('word '.repeat(20))).toBe(`${'word '.repeat(11).trim()}…`);
    expect(ideaSource({ sourceConversationId: 4, body: 'x' })).toEqual({
      kind: 'inbox',
      conversationId: 4,
    });
    expect(ideaSource({ sourceConversationId: null, body: 'https://lumen.dev/a\n' })).toEqual({
      kind: 'link',
      url: 'https://lumen.dev/a',
    });
    expect(ideaSource({ sourceConversationId: null, body: 'see https://lumen.dev/a' })).toBeNull();
  });
});
