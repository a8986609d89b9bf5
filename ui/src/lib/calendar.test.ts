import { describe, expect, it } from 'vitest';
import { account, calendarItem, calendarTarget } from '../test/fixtures';
import {
  byTime,
  groupByDay,
  imageRefusal,
  imagesLocked,
  engagementInWords,
  repliesInWords,
  stateChoices,
  targetAccounts,
  targetName,
} from './calendar';

describe('calendar words', () => {
  it('offers by hand only the states a person may set, plus the one the post is in', () => {
    const own = ['idea', 'draft', 'in_review', 'scheduled', 'published'];
    expect(stateChoices('draft')).toEqual(own);
    expect(stateChoices('approved')).toEqual(['approved', ...own]);
    expect(stateChoices('missed')).toEqual(['missed', ...own]);
    // once something went out, it can only be marked published
    expect(stateChoices('partly')).toEqual(['partly', 'published']);
    expect(stateChoices('published')).toEqual(['published']);
  });

  it('says replies in words', () => {
    expect(repliesInWords(0, 0)).toBe('No replies yet');
    expect(repliesInWords(1, 1)).toBe('1 reply from 1 person');
  });

  it('says reactions and boosts as each platform names them, and nothing before sync read them', () => {
    expect(engagementInWords('mastodon', 18, 7)).toBe('18 favourites · 7 boosts');
    expect(engagementInWords('bluesky', 1, 1)).toBe('1 like · 1 repost');
    expect(engagementInWords('discord', 9, null)).toBe('9 reactions');
    expect(engagementInWords('matrix', null, null)).toBe('');
    expect(repliesInWords(3, 2)).toBe('3 replies from 2 people');
  });

  it('names targets by account, plans by platform, and lists samples and lists apart', () => {
    const accounts = [
      account(1, { name: 'Demo Discord', demo: true }),
      account(2, { name: 'Members CSV', platform: 'list' }),
      account(3, { name: 'Lumen Discord' }),
    ];
    expect(targetAccounts(accounts).map((a) => a.name)).toEqual(['Lumen Discord', 'Demo Discord']);
    expect(targetName({ platform: 'discord', accountId: 3 }, accounts)).toBe('Lumen Discord');
    expect(targetName({ platform: 'bluesky', accountId: null }, accounts)).toBe(
      'Bluesky (not connected)',
    );
    // an account removed since keeps the name the post was saved with
    expect(targetName({ platform: 'slack', accountId: 9 }, accounts, 'Old Slack')).toBe('Old Slack');
  });
});

describe('the calendar by day', () => {
  const at = (day: number, hour: number) => new Date(2026, 2, day, hour, 0).getTime();

  it('groups posts by their local day in one pass, each day in the order given', () => {
    const posts = [
      calendarItem(1, { scheduledAt: at(10, 9) }),
      calendarItem(2, { scheduledAt: at(10, 9) }),
      calendarItem(3, { scheduledAt: at(10, 23) }),
      calendarItem(4, { scheduledAt: at(11, 0) }),
    ];
    const days = groupByDay(posts);
    expect([...days.keys()]).toEqual(['2026-3-10', '2026-3-11']);
    expect(days.get('2026-3-10')!.map((p) => p.id)).toEqual([1, 2, 3]);
    expect(days.get('2026-3-11')![0]).toBe(posts[3]);
  });

  it('sorts by time only what is not sorted yet, ties kept in order', () => {
    const sorted = [1, 2, 3].map((id) => calendarItem(id, { scheduledAt: at(10, 8 + id) }));
    expect(byTime(sorted)).toBe(sorted);
    const mixed = [
      calendarItem(1, { scheduledAt: at(12, 9) }),
      calendarItem(2, { scheduledAt: at(10, 9) }),
      calendarItem(3, { scheduledAt: at(10, 9) }),
    ];
    expect(byTime(mixed).map((p) => p.id)).toEqual([2, 3, 1]);
    expect(mixed.map((p) => p.id)).toEqual([1, 2, 3]);
  });
});

describe('images', () => {
  it('locks a post\'s images once a target is in the outbox or out, or it is published', () => {
    const planned = calendarTarget(1);
    expect(imagesLocked(calendarItem(1, { variants: [planned] }))).toBe(false);
    // a failed target can be sent again: its images can still change
    const failed = calendarTarget(2, { status: 'failed' });
    expect(imagesLocked(calendarItem(1, { state: 'scheduled', variants: [failed] }))).toBe(false);
    for (const status of ['queued', 'sending', 'sent'] as const) {
      const target = calendarTarget(3, { status });
      expect(imagesLocked(calendarItem(1, { variants: [planned, target] }))).toBe(true);
    }
    expect(imagesLocked(calendarItem(1, { state: 'published' }))).toBe(true);
    expect(imagesLocked(calendarItem(1, { state: 'partly' }))).toBe(true);
  });

  it('says the core\'s refusals as sentences, leaving a file\'s name as it is written', () => {
    expect(imageRefusal('an item carries at most 10 images; remove one first', 'a.png')).toBe(
      'An item carries at most 10 images; remove one first',
    );
    expect(imageRefusal('chart.svg is not an image Hearth can post', 'chart.svg')).toBe(
      'chart.svg is not an image Hearth can post',
    );
  });
});
