// How the calendar words its states and targets. Every state and status has a word and a sign,
// so none is told by its colour alone.
import type { AccountView } from '$lib/bindings/AccountView';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { CalendarItemInput } from '$lib/bindings/CalendarItemInput';
import type { ContentState } from '$lib/bindings/ContentState';
import type { ContentVariant } from '$lib/bindings/ContentVariant';
import type { Platform } from '$lib/bindings/Platform';
import type { TargetStatus } from '$lib/bindings/TargetStatus';
import type { VariantInput } from '$lib/bindings/VariantInput';
import { sentence } from '$lib/accounts';
import { dayKey } from '$lib/format/dates';
import { platformLabel } from '$lib/platforms';

export const STATE_LABELS: Record<ContentState, string> = {
  idea: 'Idea',
  draft: 'Draft',
  in_review: 'In review',
  approved: 'Approved',
  scheduled: 'Scheduled',
  published: 'Published',
  partly: 'Partly published',
  failed: 'Failed',
  missed: 'Missed',
};

export const STATE_SIGNS: Record<ContentState, string> = {
  idea: '✦',
  draft: '✎',
  in_review: '◔',
  approved: '✔',
  scheduled: '◷',
  published: '✓',
  partly: '◑',
  failed: '✕',
  missed: '⚠',
};

/** The states a person may pick by hand; approval comes from Approve, the rest from publishing. */
export const CHOOSABLE_STATES: ContentState[] = [
  'idea',
  'draft',
  'in_review',
  'scheduled',
  'published',
];

/** States a post is in once something went out: from them it can only be marked published. */
const OUT: ContentState[] = ['published', 'partly', 'failed'];

/** Something of it went out (or failed to): it keeps its date. */
export const isOut = (state: ContentState) => OUT.includes(state);

/** What the state field offers: the choosable states, plus the current one when it is another
 * (a post that went out can only be marked published by hand). */
export function stateChoices(current: ContentState): ContentState[] {
  if (OUT.includes(current)) return current === 'published' ? [current] : [current, 'published'];
  return CHOOSABLE_STATES.includes(current) ? CHOOSABLE_STATES : [current, ...CHOOSABLE_STATES];
}

/** Where on its account a target goes, by platform; platforms missing here post to the account. */
const CHANNEL_FIELDS: Partial<Record<Platform, { label: string; example: string }>> = {
  discord: { label: 'Channel id', example: '1070404211835011079' },
  slack: { label: 'Channel id', example: 'C0123ABCD' },
  matrix: { label: 'Room id', example: '!abcdef:matrix.org' },
  discourse: { label: 'Category id', example: '4' },
  // owner/repo opens an issue; owner/repo/discussions/Category a discussion there
  github: { label: 'Repository (owner/repo)', example: 'lumen/lumen, or lumen/lumen/discussions/Ideas' },
};

export const channelField = (platform: Platform) => CHANNEL_FIELDS[platform] ?? null;

/** Platforms whose posts have a title of their own (a topic, an issue). */
const TITLE_LABELS: Partial<Record<Platform, string>> = {
  discourse: 'Topic title',
  github: 'Issue title',
};

export const titleLabel = (platform: Platform) => TITLE_LABELS[platform] ?? null;

/** A target is one account, or (not connected yet) one platform. */
export const targetKey = (v: Pick<VariantInput, 'platform' | 'accountId'>) =>
  `${v.platform}:${v.accountId ?? 'plan'}`;

/** What a target is called in the editor: its account, or its platform as a plan. */
export function targetName(
  v: Pick<VariantInput, 'platform' | 'accountId'>,
  accounts: Pick<AccountView, 'id' | 'name'>[],
  savedName: string | null = null,
): string {
  if (v.accountId === null) return `${platformLabel(v.platform)} (not connected)`;
  return (
    accounts.find((a) => a.id === v.accountId)?.name ?? savedName ?? platformLabel(v.platform)
  );
}

/** Accounts a post can go out on, the person's own before the demo's samples. */
export function targetAccounts(accounts: AccountView[]): AccountView[] {
  return accounts
    .filter((a) => a.platform !== 'list')
    .sort((a, b) => Number(a.demo) - Number(b.demo) || a.name.localeCompare(b.name));
}

/**
 * A target on its way out (queued, sending) or out (sent) keeps its text: the core refuses
 * changes. A failed one can be corrected, and Retry then sends the corrected text.
 */
export const isLocked = (v: Pick<ContentVariant, 'status'>) =>
  v.status === 'queued' || v.status === 'sending' || v.status === 'sent';

/** Its posts went to the outbox, or it is out: the core refuses changes to its images. */
export const imagesLocked = (item: Pick<CalendarItem, 'state' | 'variants'>) =>
  isOut(item.state) || item.variants.some(isLocked);

/**
 * The core's refusal of a change to an image, as a sentence on its own: capitalised, unless it
 * starts with the file's name ("chart.svg is not an image Hearth can post…"), kept as written.
 */
export const imageRefusal = (message: string, fileName: string) =>
  message.startsWith(fileName) ? message : sentence(message);

/**
 * What keeps a post from being scheduled, as the editor can tell before saving: said beside the
 * date and targets rather than in a toast after Save (the core still checks the text itself).
 */
export function schedulingProblems(
  post: { state: ContentState; date: string; variants: VariantInput[] },
  accounts: Pick<AccountView, 'id' | 'name' | 'demo'>[],
): string[] {
  if (post.state !== 'scheduled') return [];
  const out: string[] = [];
  if (!post.date) {
    out.push('A scheduled post needs a date and time: pick them, or keep it as a draft.');
  }
  if (post.variants.length === 0) {
    out.push('A scheduled post needs a target: add the accounts it goes out on.');
  }
  for (const v of post.variants) {
    const account = accounts.find((a) => a.id === v.accountId);
    if (v.accountId === null) {
      out.push(
        `${platformLabel(v.platform)} is not connected: connect an account in Settings → Accounts, or remove that target.`,
      );
    } else if (account?.demo) {
      out.push(`${account.name} is a demo sample account, so nothing would be posted.`);
    }
  }
  return out;
}

export const STATUS_WORDS: Record<TargetStatus, { sign: string; label: string }> = {
  planned: { sign: '○', label: 'Not sent yet' },
  queued: { sign: '◷', label: 'Queued to go out' },
  sending: { sign: '↻', label: 'Sending…' },
  sent: { sign: '✓', label: 'Sent' },
  failed: { sign: '✕', label: 'Failed' },
};

/** "No replies yet", "1 reply from 1 person", "3 replies from 2 people". */
export function repliesInWords(replies: number, repliers: number): string {
  if (replies === 0) return 'No replies yet';
  const r = `${replies.toLocaleString()} ${replies === 1 ? 'reply' : 'replies'}`;
  return `${r} from ${repliers.toLocaleString()} ${repliers === 1 ? 'person' : 'people'}`;
}

/** Reactions and boosts as the platform names them ("18 favourites · 7 boosts"); empty
 * until sync has read them. */
export function engagementInWords(
  platform: Platform,
  reactions: number | null,
  boosts: number | null,
): string {
  if (reactions === null) return '';
  const n = (count: number, one: string, many: string) =>
    `${count.toLocaleString()} ${count === 1 ? one : many}`;
  const [like, likes, boost, boostsWord] =
    platform === 'mastodon'
      ? ['favourite', 'favourites', 'boost', 'boosts']
      : platform === 'bluesky'
        ? ['like', 'likes', 'repost', 'reposts']
        : platform === 'discourse'
          ? ['like', 'likes', 'boost', 'boosts']
          : ['reaction', 'reactions', 'boost', 'boosts'];
  const parts = [n(reactions, like, likes)];
  if (boosts !== null) parts.push(n(boosts, boost, boostsWord));
  return parts.join(' · ');
}

/** How often a post repeats, as the editor offers it; `custom` is an RRULE written out. */
export type RepeatChoice = 'none' | 'daily' | 'weekly' | 'fortnightly' | 'monthly' | 'custom';

export const REPEAT_LABELS: Record<RepeatChoice, string> = {
  none: 'Does not repeat',
  daily: 'Every day',
  weekly: 'Every week',
  fortnightly: 'Every two weeks',
  monthly: 'Every month',
  custom: 'Custom (RRULE)…',
};

export const REPEAT_CHOICES = Object.keys(REPEAT_LABELS) as RepeatChoice[];

/** The RRULE each word stands for, as the core keeps it. */
const REPEAT_RULES: Partial<Record<RepeatChoice, string>> = {
  daily: 'FREQ=DAILY',
  weekly: 'FREQ=WEEKLY',
  fortnightly: 'FREQ=WEEKLY;INTERVAL=2',
  monthly: 'FREQ=MONTHLY',
};

/** An RRULE's parts, in a set order, so `INTERVAL=2;FREQ=WEEKLY` reads as every two weeks. */
function ruleKey(rule: string): string {
  return rule
    .trim()
    .replace(/^rrule:/i, '')
    .toUpperCase()
    .split(';')
    .map((part) => part.replace(/\s+/g, ''))
    .filter((part) => part !== '' && part !== 'INTERVAL=1')
    .sort()
    .join(';');
}

/** What the editor shows for a saved repetition: one of its choices, or the rule as written. */
export function repeatOf(recurrence: string | null): { repeat: RepeatChoice; rule: string } {
  const text = recurrence?.trim() ?? '';
  if (text === '') return { repeat: 'none', rule: '' };
  const word = REPEAT_CHOICES.find((c) => c === text.toLowerCase() && c in REPEAT_RULES);
  if (word) return { repeat: word, rule: '' };
  const key = ruleKey(text);
  for (const [choice, rule] of Object.entries(REPEAT_RULES)) {
    if (ruleKey(rule) === key) return { repeat: choice as RepeatChoice, rule: '' };
  }
  return { repeat: 'custom', rule: text };
}

/** What the core is sent: null, a word it reads (daily, weekly…), or the rule as written. */
export function recurrenceOf(repeat: RepeatChoice, rule: string): string | null {
  if (repeat === 'none') return null;
  if (repeat === 'custom') return rule.trim() || null;
  return repeat;
}

/** A rule to start a custom one from: the choice it replaces, written out. */
export const ruleFor = (repeat: RepeatChoice) => REPEAT_RULES[repeat] ?? '';

/** What keeps a repetition from being saved, as the editor can tell (the core reads the rule). */
export function repeatProblems(post: { repeat: RepeatChoice; rule: string; date: string }): string[] {
  if (post.repeat === 'none') return [];
  const out: string[] = [];
  if (!post.date) out.push('A repeating post needs a date: the first time, from which it repeats.');
  if (post.repeat === 'custom') {
    const rule = post.rule.trim();
    if (rule === '') {
      out.push('Write the rule (e.g. FREQ=WEEKLY;BYDAY=TU,TH), or pick how often it repeats.');
    } else if (!/(^|;)\s*FREQ\s*=/i.test(rule.replace(/^rrule:/i, ''))) {
      out.push(
        'A rule says how often first: FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (e.g. FREQ=WEEKLY;BYDAY=TU,TH).',
      );
    }
  }
  return out;
}

/** A repeating post, or a later occurrence of one. */
export const isRepeating = (item: Pick<CalendarItem, 'recurrence' | 'occurrence'>) =>
  item.recurrence !== null || item.occurrence;

/** What a repeating post's sign says: "repeats every week". */
export const repeatLabel = (item: Pick<CalendarItem, 'repeats' | 'recurrence'>) =>
  `repeats ${item.repeats ?? item.recurrence ?? ''}`.trim();

/**
 * A post can be moved to another day by hand while nothing of it went out; a later occurrence
 * of a repeating post is moved by moving the post itself.
 */
export const canMove = (item: Pick<CalendarItem, 'state' | 'occurrence'>) =>
  !item.occurrence && !isOut(item.state);

/** Why `canMove` said no, in words. */
export function whyNotMoved(item: Pick<CalendarItem, 'state' | 'occurrence' | 'title'>): string {
  if (item.occurrence) {
    return `This is a later time of “${item.title}”, which repeats: open it to change when it starts.`;
  }
  return `“${item.title}” is ${STATE_LABELS[item.state].toLowerCase()}, so it keeps its date.`;
}

/**
 * The item as the core would be sent it unchanged (a move changes only its time). Only for an
 * item read whole: a listed one is brief, and its empty texts would be saved.
 */
export function inputOf(item: CalendarItem): CalendarItemInput {
  return {
    title: item.title,
    body: item.body,
    state: item.state,
    scheduledAt: item.scheduledAt,
    sourceConversationId: item.sourceConversationId,
    recurrence: item.recurrence,
    variants: item.variants.map((v) => ({
      platform: v.platform,
      body: v.body,
      accountId: v.accountId,
      channel: v.channel,
      title: v.title,
      followsMain: v.followsMain,
    })),
  };
}

/**
 * Items by the local day they fall on, each day's in the order given (the store keeps them by
 * time): one pass, each pushed onto its day's list.
 */
export function groupByDay<T extends Pick<CalendarItem, 'scheduledAt'>>(
  items: T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = dayKey(item.scheduledAt ?? 0);
    const day = groups.get(key);
    if (day) day.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** `items` by time, earliest first (ties keep their order); sorted only if they are not yet. */
export function byTime<T extends Pick<CalendarItem, 'scheduledAt'>>(items: T[]): T[] {
  const at = (item: T) => item.scheduledAt ?? 0;
  const sorted = items.every((item, i) => i === 0 || at(items[i - 1]) <= at(item));
  return sorted ? items : [...items].sort((a, b) => at(a) - at(b));
}

/** `day` at the time of day of `at` (09:00 for an undated post), as a moment. */
export function onDay(day: Date, at: number | null): number {
  const time = at === null ? null : new Date(at);
  const moved = new Date(day);
  moved.setHours(time?.getHours() ?? 9, time?.getMinutes() ?? 0, 0, 0);
  return moved.getTime();
}

/** `at` moved by whole days, at the same local time (across a clock change too). */
export function shiftDays(at: number, days: number): number {
  const moved = new Date(at);
  moved.setDate(moved.getDate() + days);
  return moved.getTime();
}
