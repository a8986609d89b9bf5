// How the calendar words its states and targets. Every state and status has a word and a sign,
// so none is told by its colour alone.
import type { AccountView } from '$lib/bindings/AccountView';
import type { ContentState } from '$lib/bindings/ContentState';
import type { ContentVariant } from '$lib/bindings/ContentVariant';
import type { Platform } from '$lib/bindings/Platform';
import type { TargetStatus } from '$lib/bindings/TargetStatus';
import type { VariantInput } from '$lib/bindings/VariantInput';
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
  github: { label: 'Repository (owner/repo)', example: 'lumen/lumen' },
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

/** A target already handed to the outbox (or out) keeps its text: the core refuses changes. */
export const isLocked = (v: Pick<ContentVariant, 'outboxId' | 'status'>) =>
  v.outboxId !== null || v.status === 'sent';

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
