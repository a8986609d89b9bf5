// Builders for the values the core returns, so tests state only what they care about.
import type { AccountView } from '$lib/bindings/AccountView';
import type { BackupInfo } from '$lib/bindings/BackupInfo';
import type { DataOverview } from '$lib/bindings/DataOverview';
import type { OutboxItem } from '$lib/bindings/OutboxItem';
import type { PlatformSpec } from '$lib/bindings/PlatformSpec';
import type { PostingSlot } from '$lib/bindings/PostingSlot';
import type { SyncProgress } from '$lib/bindings/SyncProgress';
import type { CalendarImage } from '$lib/bindings/CalendarImage';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { ContentVariant } from '$lib/bindings/ContentVariant';
import type { ConversationDetail } from '$lib/bindings/ConversationDetail';
import type { InboxItem } from '$lib/bindings/InboxItem';
import type { View } from '$lib/bindings/View';
import type { ViewFilter } from '$lib/bindings/ViewFilter';
import type { MemberProfile } from '$lib/bindings/MemberProfile';
import type { MemberSummary } from '$lib/bindings/MemberSummary';
import type { MessageView } from '$lib/bindings/MessageView';
import type { Metrics } from '$lib/bindings/Metrics';
import type { ResponseFigures } from '$lib/bindings/ResponseFigures';
import type { PeriodFigures } from '$lib/bindings/PeriodFigures';
import type { Note } from '$lib/bindings/Note';
import type { Reminder } from '$lib/bindings/Reminder';
import type { Segment } from '$lib/bindings/Segment';
import type { WorkspaceStatus } from '$lib/bindings/WorkspaceStatus';
import type { TeamSyncState } from '$lib/bindings/TeamSyncState';

export const NOW = Date.UTC(2025, 2, 12, 10, 0);
const HOUR = 3_600_000;

/** The built-in views as the core lists them, with these counts (0 where not given). */
export function viewList(counts: Record<string, number> = {}): View[] {
  const builtin: [string, string, string, Partial<ViewFilter>][] = [
    ['open', 'Inbox', 'i', {}],
    ['needs-reply', 'Needs reply', 'r', { unanswered: true }],
    ['mentions', 'Mentions', '@', { mentions: true }],
    ['first-timers', 'First-timers', 'f', { firstPost: true }],
    ['feedback', 'Feedback', 'b', { tag: 'feedback', anyStatus: true }],
    ['mine', 'Mine', 'y', { assignee: 'me' }],
    ['unassigned', 'Unassigned', 'u', { assignee: 'nobody' }],
    ['waiting', 'Waiting', 'w', { status: 'waiting' }],
    ['snoozed', 'Snoozed', 'z', { status: 'snoozed' }],
    ['done', 'Done', 'd', { status: 'done' }],
  ];
  const empty: ViewFilter = {
    status: null,
    anyStatus: null,
    platform: null,
    accountId: null,
    channel: null,
    tag: null,
    assignee: null,
    olderThanHours: null,
    newerThanHours: null,
    memberTag: null,
    segment: null,
    unanswered: null,
    mentions: null,
    firstPost: null,
  };
  return builtin.map(([key, name, letter, filter]) => ({
    key,
    name,
    letter,
    builtin: true,
    filter: { ...empty, ...filter },
    replyTargetHours: 24,
    ownTarget: false,
    count: counts[key] ?? 0,
    overdue: 0,
  }));
}

export function inboxItem(id: number, overrides: Partial<InboxItem> = {}): InboxItem {
  return {
    id,
    platform: 'discord',
    accountName: 'Acme Discord',
    kind: 'thread',
    title: `Question ${id}`,
    container: '#help',
    authorName: `Member ${id}`,
    authorMemberId: 100 + id,
    snippet: `Snippet of conversation ${id}`,
    lastMessageAt: NOW - id * HOUR,
    messageCount: 2,
    status: 'open',
    priority: 2,
    snoozedUntil: null,
    assignee: null,
    tags: [],
    url: `https://discord.com/channels/1/${id}`,
    unansweredSince: null,
    replyDueAt: null,
    firstResponseMs: null,
    resolutionMs: null,
    rank: 2,
    reasons: [],
    mentionsUs: false,
    firstPost: false,
    ...overrides,
  };
}

export function message(id: number, overrides: Partial<MessageView> = {}): MessageView {
  return {
    id,
    externalId: `m${id}`,
    author: {
      identityId: 1,
      memberId: 101,
      name: 'Maria Lopez',
      handle: 'maria',
      platform: 'discord',
      avatarUrl: null,
      profileUrl: null,
    },
    text: `Message ${id}`,
    html: null,
    createdAt: NOW - HOUR,
    editedAt: null,
    deleted: false,
    replyToId: null,
    url: null,
    fromUs: false,
    revisions: [],
    ...overrides,
  };
}

export function detail(
  item: InboxItem,
  messages: MessageView[] = [message(item.id * 10)],
): ConversationDetail {
  return { conversation: item, messages };
}

/** The HTML the core would render for a one-paragraph note (escaped, as the core does). */
const asHtml = (body: string) =>
  `<p>${body.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</p>`;

export function note(id: number, body: string, memberId = 7): Note {
  return {
    id,
    memberId,
    body,
    html: asHtml(body),
    createdAt: NOW,
    updatedAt: NOW,
    shared: false,
    author: null,
  };
}

export function profile(id: number, notes: Note[] = []): MemberProfile {
  return {
    member: {
      id,
      displayName: 'Maria Lopez',
      organization: 'Acme',
      platforms: ['discord', 'github'],
      handles: ['maria', 'mlopez'],
      avatarUrl: null,
      firstSeenAt: NOW - 400 * 24 * HOUR,
      lastActiveAt: NOW - 2 * HOUR,
      messageCount: 42,
      tags: ['champion'],
      engagementScore: 12.5,
      engagementLevel: 'active',
    },
    bio: null,
    location: 'Lisbon',
    identities: [
      {
        id: 1,
        platform: 'discord',
        accountName: 'Acme Discord',
        externalId: 'd1',
        handle: 'maria',
        displayName: 'Maria',
        email: null,
        profileUrl: null,
        avatarUrl: null,
        firstSeenAt: null,
      },
    ],
    stats: {
      messagesTotal: 42,
      messagesLast30Days: 5,
      messagesLast90Days: 12,
      conversationsStarted: 3,
    },
    activity: [],
    notes,
    org: { id: 3, name: 'Acme', setBy: null },
    fields: [{ name: 'Plan', value: 'Pro' }],
    engagement: {
      score: 12.5,
      level: 'active',
      trend: 'rising',
      last30Days: 6,
      previous30Days: 2,
      goingQuiet: false,
      newAndActive: false,
      factors: [
        { points: 9, text: '3 threads started in the last 30 days' },
        { points: -1.5, text: 'decay: last active 2 days ago' },
      ],
    },
    reminders: [],
    moderation: [],
  };
}

export function reminder(id: number, overrides: Partial<Reminder> = {}): Reminder {
  return {
    id,
    memberId: 7,
    memberName: 'Maria Lopez',
    body: `Follow-up ${id}`,
    dueAt: NOW - HOUR,
    status: 'open',
    snoozedUntil: null,
    createdAt: NOW - 24 * HOUR,
    doneAt: null,
    due: true,
    ...overrides,
  };
}

export function segment(id: number, overrides: Partial<Segment> = {}): Segment {
  return {
    id,
    name: `Segment ${id}`,
    filter: { platforms: [], tags: [], fields: [], levels: [], goingQuiet: true },
    position: id,
    count: 10 * id,
    ...overrides,
  };
}

export function memberSummary(id: number, overrides: Partial<MemberSummary> = {}): MemberSummary {
  return {
    id,
    displayName: `Member ${id}`,
    organization: null,
    platforms: ['discord'],
    handles: [`member${id}`],
    avatarUrl: null,
    firstSeenAt: NOW - 100 * 24 * HOUR,
    lastActiveAt: NOW - id * HOUR,
    messageCount: 10 * id,
    tags: [],
    engagementScore: id,
    engagementLevel: 'casual',
    ...overrides,
  };
}

export function calendarItem(id: number, overrides: Partial<CalendarItem> = {}): CalendarItem {
  return {
    id,
    title: `Post ${id}`,
    body: 'Hello community',
    state: 'draft',
    scheduledAt: null,
    publishedAt: null,
    sourceConversationId: null,
    variants: [],
    images: [],
    approvedAt: null,
    approvedBy: null,
    comments: 0,
    recurrence: null,
    repeats: null,
    timeZone: null,
    publisher: null,
    occurrence: false,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

/** A posting slot: by default Lumen Discord's, Tuesdays at 10:00 in Berlin. */
export function postingSlot(id: number, overrides: Partial<PostingSlot> = {}): PostingSlot {
  return {
    id,
    accountId: 5,
    accountName: 'Lumen Discord',
    platform: 'discord',
    weekday: 1,
    minute: 600,
    timeZone: 'Europe/Berlin',
    label: 'Tuesdays 10:00 (Europe/Berlin)',
    ...overrides,
  };
}

/** A calendar item's target: by default Lumen Discord's, planned, following the main text. */
export function calendarTarget(
  id: number,
  overrides: Partial<ContentVariant> = {},
): ContentVariant {
  return {
    id,
    platform: 'discord',
    accountId: 5,
    accountName: 'Lumen Discord',
    channel: null,
    title: null,
    body: 'Hello community',
    followsMain: true,
    charLimit: 2000,
    status: 'planned',
    error: null,
    url: null,
    outboxId: null,
    replies: 0,
    repliers: 0,
    reactions: null,
    boosts: null,
    problems: [],
    ...overrides,
  };
}

/** An image of a calendar item: by default a 1200×630 PNG of 340 KB on item 70, described. */
export function calendarImage(id: number, overrides: Partial<CalendarImage> = {}): CalendarImage {
  return {
    id,
    itemId: 70,
    fileName: `image-${id}.png`,
    mime: 'image/png',
    size: 340_000,
    width: 1200,
    height: 630,
    alt: `What image ${id} shows`,
    ...overrides,
  };
}

/** An item as the core lists it brief (the month view): without its texts and targets. */
export const brief = (item: CalendarItem): CalendarItem => ({ ...item, body: '', variants: [] });

export function workspaceStatus(overrides: Partial<WorkspaceStatus> = {}): WorkspaceStatus {
  return {
    dbPath: '/home/cm/.local/share/hearth/hearth.db',
    schemaVersion: 1,
    isEmpty: false,
    accounts: 0,
    ...overrides,
  };
}

/** What the core says connecting Discord (default server, scopes required) and Discourse take. */
export const SPECS: PlatformSpec[] = [
  {
    platform: 'discord',
    defaultBaseUrl: 'https://discord.com/api/v10',
    baseUrlExample: 'https://discord.com/api/v10',
    scopesRequired: true,
    scopeHelp: 'the server (guild) id: Discord → Server Settings → Widget',
    tokenHelp: 'a bot token: Discord Developer Portal → your app → Bot → Reset Token',
  },
  {
    platform: 'discourse',
    defaultBaseUrl: null,
    baseUrlExample: 'https://forum.example.org',
    scopesRequired: false,
    scopeHelp: 'optional: the API username (default: system)',
    tokenHelp: 'an admin API key: your forum → Admin → API → New API Key',
  },
];

export function account(id: number, overrides: Partial<AccountView> = {}): AccountView {
  return {
    id,
    platform: 'discord',
    name: 'Lumen Discord',
    baseUrl: 'https://discord.com/api/v10',
    scopes: ['1234'],
    selfHandle: null,
    lastSyncAt: null,
    lastAttemptAt: null,
    lastError: null,
    lastErrorKind: null,
    demo: false,
    quarantined: 0,
    quarantineNote: null,
    ...overrides,
  };
}

export function syncProgress(overrides: Partial<SyncProgress> = {}): SyncProgress {
  return {
    accountId: 5,
    accountName: 'Lumen Discord',
    platform: 'discord',
    state: 'syncing',
    detail: '#help',
    pages: 1,
    messagesAdded: 120,
    messagesUpdated: 0,
    ...overrides,
  };
}

export function outboxItem(id: number, overrides: Partial<OutboxItem> = {}): OutboxItem {
  return {
    id,
    accountId: 5,
    platform: 'discord',
    conversationId: 1,
    conversationTitle: 'Question 1',
    kind: 'reply',
    body: 'Thanks, fixed in 2.1!',
    state: 'queued',
    attempts: 0,
    lastError: null,
    createdAt: NOW,
    sentAt: null,
    url: null,
    sendAfter: null,
    ...overrides,
  };
}

export const DATA_FOLDER = '/home/cm/.local/share/hearth';

export function backup(createdAt: number, overrides: Partial<BackupInfo> = {}): BackupInfo {
  const day = new Date(createdAt).toISOString().slice(0, 10);
  return {
    path: `${DATA_FOLDER}/backups/hearth-${day}.db`,
    fileName: `hearth-${day}.db`,
    createdAt,
    bytes: 2_400_000,
    ...overrides,
  };
}

export function dataOverview(overrides: Partial<DataOverview> = {}): DataOverview {
  return {
    dbPath: `${DATA_FOLDER}/hearth.db`,
    dataFolder: DATA_FOLDER,
    backups: [],
    keepBackups: 7,
    demoAccounts: 0,
    totals: { members: 400, conversations: 900, messages: 6000 },
    ...overrides,
  };
}

/** A period's headline figures: nothing at all, unless given. */
export function periodFigures(overrides: Partial<PeriodFigures> = {}): PeriodFigures {
  return {
    activeMembers: 0,
    newMembers: 0,
    returningMembers: 0,
    goingQuiet: 0,
    newAndActive: 0,
    messages: 0,
    questions: 0,
    answered: 0,
    acknowledged: 0,
    repliesPerQuestion: null,
    participantsPerThread: null,
    firstReplyMedian: null,
    firstReplyP90: null,
    teamFirstReplyMedian: null,
    communityFirstReplyMedian: null,
    questionsADayOld: 0,
    unansweredAfterADay: 0,
    sentiment: null,
    ...overrides,
  };
}

const DAY = 24 * HOUR;

/** The Dashboard's figures for the 30 days up to NOW: an empty workspace, unless given. */
export function metrics(overrides: Partial<Metrics> = {}): Metrics {
  const to = NOW;
  const from = to - 30 * DAY;
  const first = Math.floor(from / DAY) * DAY;
  return {
    from,
    to,
    platform: null,
    current: periodFigures(),
    previous: periodFigures(),
    days: Array.from({ length: 31 }, (_, i) => ({
      day: first + i * DAY,
      activeMembers: 0,
      newMembers: 0,
      messages: 0,
      sentiment: null,
    })),
    previousDays: Array.from({ length: 31 }, (_, i) => ({
      day: first - 31 * DAY + i * DAY,
      activeMembers: 0,
      newMembers: 0,
      messages: 0,
      sentiment: null,
    })),
    weeks: [],
    previousWeeks: [],
    months: [],
    byPlatform: [],
    byChannel: [],
    topChannels: [],
    topContributors: [],
    cohorts: [],
    helpers: [],
    ...overrides,
  };
}

/** A lively community's 30 days: the figures the Dashboard tests read. */
export function communityMetrics(overrides: Partial<Metrics> = {}): Metrics {
  const empty = metrics();
  return metrics({
    current: periodFigures({
      activeMembers: 40,
      newMembers: 12,
      returningMembers: 28,
      goingQuiet: 6,
      newAndActive: 4,
      messages: 620,
      questions: 24,
      answered: 18,
      acknowledged: 9,
      repliesPerQuestion: 2.5,
      participantsPerThread: 2.2,
      firstReplyMedian: 2 * HOUR + 48 * 60_000,
      firstReplyP90: 2 * DAY + 4 * HOUR,
      questionsADayOld: 20,
      unansweredAfterADay: 3,
      sentiment: 0.18,
    }),
    previous: periodFigures({
      activeMembers: 30,
      newMembers: 12,
      returningMembers: 18,
      goingQuiet: 8,
      messages: 700,
      questions: 20,
      answered: 14,
      firstReplyMedian: 4 * HOUR,
      questionsADayOld: 20,
      unansweredAfterADay: 5,
      sentiment: 0.13,
    }),
    previousDays: empty.previousDays.map((d, i) => ({
      ...d,
      activeMembers: 4 + (i % 5),
      messages: 20 + i,
      sentiment: 0.1,
    })),
    days: empty.days.map((d, i) => ({
      ...d,
      activeMembers: 5 + (i % 7),
      newMembers: i % 3 === 0 ? 1 : 0,
      messages: 10 + i,
      sentiment: i % 5 === 0 ? null : 0.1 + (i % 4) / 20,
    })),
    weeks: [0, 1, 2, 3, 4].map((w) => ({ start: empty.days[0].day + w * 7 * DAY, value: 20 + w })),
    previousWeeks: [0, 1, 2, 3, 4].map((w) => ({
      start: empty.days[0].day - (5 - w) * 7 * DAY,
      value: 15 + w,
    })),
    byPlatform: [
      {
        platform: 'discord',
        channel: null,
        view: null,
        replyTarget: null,
        withinTarget: 0,
        questions: 16,
        answered: 12,
        firstReplyMedian: 45 * 60_000,
        firstReplyP90: 6 * HOUR,
        questionsADayOld: 14,
        unansweredAfterADay: 2,
      },
      {
        platform: 'github',
        channel: null,
        view: null,
        replyTarget: null,
        withinTarget: 0,
        questions: 8,
        answered: 6,
        firstReplyMedian: 26 * HOUR,
        firstReplyP90: 3 * DAY,
        questionsADayOld: 6,
        unansweredAfterADay: 1,
      },
    ],
    topChannels: [
      { platform: 'discord', channel: '#help', messages: 300, members: 25, sentiment: 0.21 },
      { platform: 'github', channel: 'acme/app', messages: 120, members: 11, sentiment: -0.04 },
    ],
    byChannel: [
      {
        platform: 'discord',
        channel: '#help',
        view: null,
        replyTarget: null,
        withinTarget: 0,
        questions: 9,
        answered: 8,
        firstReplyMedian: 3 * HOUR,
        firstReplyP90: 20 * HOUR,
        questionsADayOld: 8,
        unansweredAfterADay: 1,
      },
    ],
    helpers: [
      { memberId: 9, name: 'Amara Nwosu', firstAnswers: 40, thanked: 38, answers: 44, shared: 3 },
      { memberId: 12, name: 'Finn Berg', firstAnswers: 0, thanked: 0, answers: 0, shared: 5 },
    ],
    cohorts: [
      { month: Date.UTC(2026, 5, 1), members: 0, active: [0, 0, 0, 0, 0, 0] },
      { month: Date.UTC(2026, 6, 1), members: 4, active: [4, 2, 2, 1, 1] },
      { month: Date.UTC(2026, 7, 1), members: 0, active: [0, 0, 0, 0] },
      { month: Date.UTC(2026, 8, 1), members: 10, active: [10, 5, 3] },
      { month: Date.UTC(2026, 9, 1), members: 20, active: [20, 12] },
      { month: Date.UTC(2026, 10, 1), members: 8, active: [8] },
    ],
    topContributors: [
      {
        memberId: 7,
        name: 'Maria Lopez',
        messages: 52,
        questions: 1,
        answers: 14,
        platforms: [
          ['discord', 40],
          ['github', 12],
        ],
      },
    ],
    ...overrides,
  });
}

/** Response times per inbox view, as `metrics_by_view` answers for the community above. */
export function viewResponses(): ResponseFigures[] {
  return [
    {
      platform: null,
      channel: null,
      view: 'First-timers',
      replyTarget: 24 * HOUR,
      withinTarget: 5,
      questions: 6,
      answered: 6,
      firstReplyMedian: 90 * 60_000,
      firstReplyP90: 30 * HOUR,
      questionsADayOld: 5,
      unansweredAfterADay: 0,
    },
  ];
}

/** The team sync's state for a workspace in Ana's team, synced, nothing waiting. */
export function inTeamState(overrides: Partial<TeamSyncState> = {}): TeamSyncState {
  return {
    team: {
      relayUrl: 'wss://relay.example.org',
      workspaceDoc: 'automerge:abc',
      me: 'Ana',
      joinedAt: 1,
      lastSyncedAt: null,
      waiting: 0,
      teammates: [],
    },
    state: 'synced',
    message: null,
    report: null,
    ...overrides,
  };
}
