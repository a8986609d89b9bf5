// The only module that talks to the Rust core. Every Tauri command has one typed function here;
// the rest of the UI imports these and never calls `invoke` or `listen` itself.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { takeWrittenPage, takeWrittenStatus } from './written';
import type { AccountInput } from '$lib/bindings/AccountInput';
import type { AccountView } from '$lib/bindings/AccountView';
import type { ApiError } from '$lib/bindings/ApiError';
import type { BackupInfo } from '$lib/bindings/BackupInfo';
import type { BestTimes } from '$lib/bindings/BestTimes';
import type { FeedbackOverview } from '$lib/bindings/FeedbackOverview';
import type { FeedbackThemeDetail } from '$lib/bindings/FeedbackThemeDetail';
import type { ModAction } from '$lib/bindings/ModAction';
import type { ModActionChoice } from '$lib/bindings/ModActionChoice';
import type { ModActionInput } from '$lib/bindings/ModActionInput';
import type { CalendarComment } from '$lib/bindings/CalendarComment';
import type { CalendarExportSummary } from '$lib/bindings/CalendarExportSummary';
import type { CalendarImportReport } from '$lib/bindings/CalendarImportReport';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { CalendarItemInput } from '$lib/bindings/CalendarItemInput';
import type { CalendarRange } from '$lib/bindings/CalendarRange';
import type { ConnectionCheck } from '$lib/bindings/ConnectionCheck';
import type { ConversationDetail } from '$lib/bindings/ConversationDetail';
import type { CsvPreview } from '$lib/bindings/CsvPreview';
import type { DataOverview } from '$lib/bindings/DataOverview';
import type { DemoOptions } from '$lib/bindings/DemoOptions';
import type { DemoRemoval } from '$lib/bindings/DemoRemoval';
import type { ExportSummary } from '$lib/bindings/ExportSummary';
import type { ForgetPreview } from '$lib/bindings/ForgetPreview';
import type { ForgetReport } from '$lib/bindings/ForgetReport';
import type { InboxCounts } from '$lib/bindings/InboxCounts';
import type { TeamConflict } from '$lib/bindings/TeamConflict';
import type { TeamSyncReport } from '$lib/bindings/TeamSyncReport';
import type { TeamSyncState } from '$lib/bindings/TeamSyncState';
import type { TeamPresence } from '$lib/bindings/TeamPresence';
import type { InboxItem } from '$lib/bindings/InboxItem';
import type { InboxPage } from '$lib/bindings/InboxPage';
import type { InboxQuery } from '$lib/bindings/InboxQuery';
import type { MemberImportOptions } from '$lib/bindings/MemberImportOptions';
import type { MemberImportReport } from '$lib/bindings/MemberImportReport';
import type { MemberPage } from '$lib/bindings/MemberPage';
import type { MemberProfile } from '$lib/bindings/MemberProfile';
import type { MemberQuery } from '$lib/bindings/MemberQuery';
import type { MergeRecord } from '$lib/bindings/MergeRecord';
import type { MergeSuggestion } from '$lib/bindings/MergeSuggestion';
import type { HealthChart } from '$lib/bindings/HealthChart';
import type { ModFlag } from '$lib/bindings/ModFlag';
import type { ModRule } from '$lib/bindings/ModRule';
import type { ModRuleInput } from '$lib/bindings/ModRuleInput';
import type { AboutHearth } from '$lib/bindings/AboutHearth';
import type { Metrics } from '$lib/bindings/Metrics';
import type { ResponseFigures } from '$lib/bindings/ResponseFigures';
import type { MetricsQuery } from '$lib/bindings/MetricsQuery';
import type { Note } from '$lib/bindings/Note';
import type { OrganizationDetail } from '$lib/bindings/OrganizationDetail';
import type { OrganizationSummary } from '$lib/bindings/OrganizationSummary';
import type { OutboxItem } from '$lib/bindings/OutboxItem';
import type { PlatformSpec } from '$lib/bindings/PlatformSpec';
import type { PostingSlot } from '$lib/bindings/PostingSlot';
import type { Reminder } from '$lib/bindings/Reminder';
import type { Segment } from '$lib/bindings/Segment';
import type { SegmentFilter } from '$lib/bindings/SegmentFilter';
import type { Progress } from '$lib/bindings/Progress';
import type { ReviewDecision } from '$lib/bindings/ReviewDecision';
import type { ReviewStep } from '$lib/bindings/ReviewStep';
import type { SearchResults } from '$lib/bindings/SearchResults';
import type { NotifyService } from '$lib/bindings/NotifyService';
import type { NotifySettings } from '$lib/bindings/NotifySettings';
import type { SyncProgress } from '$lib/bindings/SyncProgress';
import type { TriageAction } from '$lib/bindings/TriageAction';
import type { TriageEach } from '$lib/bindings/TriageEach';
import type { CannedReply } from '$lib/bindings/CannedReply';
import type { MemberCard } from '$lib/bindings/MemberCard';
import type { WorkspaceStatus } from '$lib/bindings/WorkspaceStatus';
import type { WorkspaceTotals } from '$lib/bindings/WorkspaceTotals';
import type { Rule } from '$lib/bindings/Rule';
import type { RuleCheck } from '$lib/bindings/RuleCheck';
import type { RuleDraft } from '$lib/bindings/RuleDraft';
import type { RuleWord } from '$lib/bindings/RuleWord';
import type { TeamMember } from '$lib/bindings/TeamMember';
import type { View } from '$lib/bindings/View';
import type { ViewDraft } from '$lib/bindings/ViewDraft';

/** The event long jobs emit while they run: `generate_demo`, `workspace_export` and `_import`. */
const PROGRESS_EVENT = 'hearth://progress';

/** The options the core uses when the UI asks for "a demo community" without tuning it. */
export const DEFAULT_DEMO: DemoOptions = { members: 400, messages: 6000, seed: 7 };

export const workspaceStatus = () => {
  const written = takeWrittenStatus();
  return written ? Promise.resolve(written) : invoke<WorkspaceStatus>('workspace_status');
};
/** SQLite's check of the whole file (seconds on a large workspace: asked in the background). */
export const workspaceCheck = () => invoke<null>('workspace_check');

export const generateDemo = (options: DemoOptions = DEFAULT_DEMO) =>
  invoke<WorkspaceStatus>('generate_demo', { options });

/** The event the menu and tray send to show a view: inbox, members, calendar or shortcuts. */
const NAVIGATE_EVENT = 'hearth://navigate';

export const onNavigate = (handler: (target: string) => void): Promise<UnlistenFn> =>
  listen<string>(NAVIGATE_EVENT, (event) => handler(event.payload));

export const onProgress = (handler: (progress: Progress) => void): Promise<UnlistenFn> =>
  listen<Progress>(PROGRESS_EVENT, (event) => handler(event.payload));

export const inboxList = (query: InboxQuery) => {
  const written = takeWrittenPage(query);
  return written ? Promise.resolve(written) : invoke<InboxPage>('inbox_list', { query });
};

export const inboxCounts = () => invoke<InboxCounts>('inbox_counts');

/** Every view of the inbox, built in then saved, each with its count. */
export const viewsList = () => invoke<View[]>('views_list');
/** Saves a view: a new one (no key), or the saved view `key` changed. */
export const viewSave = (key: string | null, draft: ViewDraft) =>
  invoke<View>('view_save', { key, draft });
export const viewRemove = (key: string) => invoke<null>('view_remove', { key });
/** A view's own reply-time target in hours (null: the workspace's). */
export const viewTarget = (key: string, hours: number | null) =>
  invoke<View>('view_target', { key, hours });

export const rulesList = () => invoke<Rule[]>('rules_list');
/** Saves a rule (a new one when `id` is null); the queue is weighed again. */
export const ruleSave = (id: number | null, draft: RuleDraft) =>
  invoke<Rule>('rule_save', { id, draft });
export const ruleEnable = (id: number, enabled: boolean) =>
  invoke<Rule>('rule_enable', { id, enabled });
export const ruleRemove = (id: number) => invoke<null>('rule_remove', { id });
/** What a rule being written would match now, changing nothing. */
export const ruleCheck = (draft: RuleDraft) => invoke<RuleCheck>('rule_check', { draft });
export const ruleWords = () => invoke<RuleWord[]>('rule_words');

export const teamList = () => invoke<TeamMember[]>('team_list');
export const teamAdd = (name: string) => invoke<TeamMember[]>('team_add', { name });
export const teamRemove = (name: string) => invoke<TeamMember[]>('team_remove', { name });

export const conversationShow = (id: number) =>
  invoke<ConversationDetail>('conversation_show', { id });

export const triage = (id: number, action: TriageAction) =>
  invoke<InboxItem>('triage', { id, action });
/** Who a conversation is with, for the pane beside its thread. */
export const memberCard = (conversationId: number) =>
  invoke<MemberCard | null>('member_card', { conversationId });
export const cannedList = () => invoke<CannedReply[]>('canned_list');
export const cannedSave = (name: string, body: string) =>
  invoke<CannedReply>('canned_save', { name, body });
export const cannedRemove = (id: number) => invoke<CannedReply>('canned_remove', { id });
/** A canned reply's text for a conversation, its variables filled in. */
export const cannedFor = (id: number, conversationId: number) =>
  invoke<string>('canned_for', { id, conversationId });
/** Hours within which a member's message should be answered (Settings → Inbox). */
export const replyTarget = () => invoke<number>('reply_target');
export const setReplyTarget = (hours: number) => invoke<number>('set_reply_target', { hours });
export const myName = () => invoke<string | null>('my_name');
export const setMyName = (name: string) => invoke<string | null>('set_my_name', { name });
/** Several conversations at once (a bulk action or its undo): all of them or none. */
export const triageEach = (each: TriageEach[]) => invoke<InboxItem[]>('triage_each', { each });

export const tagsList = () => invoke<string[]>('tags_list');

export const search = (query: string, limit: number) =>
  invoke<SearchResults>('search', { query, limit });

export const membersList = (query: MemberQuery) => invoke<MemberPage>('members_list', { query });

export const memberProfile = (id: number) => invoke<MemberProfile>('member_profile', { id });

/** Possible duplicates above the core's default probability, most likely first. */
export const mergeSuggestions = (limit: number) =>
  invoke<MergeSuggestion[]>('merge_suggestions', { limit });

export const mergeSuggestionCount = () => invoke<number>('merge_suggestion_count');

export const reviewSuggestion = (a: number, b: number, decision: ReviewDecision) =>
  invoke<ReviewStep>('review_suggestion', { a, b, decision });

export const undoReview = (step: ReviewStep) => invoke<null>('undo_review', { step });

/** How likely two members are one person and why, suggested or not (`null`: nothing to compare). */
export const membersExplain = (a: number, b: number) =>
  invoke<MergeSuggestion | null>('members_explain', { a, b });

/** Merges `absorb` into `keep`; returns the merge's id. */
export const membersMerge = (keep: number, absorb: number) =>
  invoke<number>('members_merge', { keep, absorb });

/** Undoes one merge of member `id`'s history; returns the member brought back. */
export const memberUnmerge = (id: number, mergeId: number) =>
  invoke<number>('member_unmerge', { id, mergeId });

export const memberMerges = (id: number) => invoke<MergeRecord[]>('member_merges', { id });

// Segments: saved filters over members, listed with how many members each holds.

export const segmentsList = () => invoke<Segment[]>('segments_list');

export const segmentAdd = (name: string, filter: SegmentFilter) =>
  invoke<Segment>('segment_add', { name, filter });

export const segmentUpdate = (id: number, name: string, filter: SegmentFilter) =>
  invoke<null>('segment_update', { id, name, filter });

export const segmentRemove = (id: number) => invoke<null>('segment_remove', { id });

// Follow-up reminders on members; due ones also come with the inbox's first page.

/** Reminders not done yet (with `all`, done ones too), of one member or of everyone. */
export const remindersList = (memberId: number | null = null, all = false) =>
  invoke<Reminder[]>('reminders_list', { memberId, all });

/** `when` in words: "friday", "3d", "2026-12-01 09:00" (read by the core). */
/** When a time written in words falls ("tomorrow 9am", "in 2h"), in this computer's zone. */
export const whenRead = (text: string) => invoke<number>('when_read', { text });
export const reminderAdd = (memberId: number, body: string, when: string) =>
  invoke<Reminder>('reminder_add', { memberId, body, when });

export const reminderDone = (id: number) => invoke<Reminder>('reminder_done', { id });

export const reminderSnooze = (id: number, until: number) =>
  invoke<Reminder>('reminder_snooze', { id, until });

export const reminderReopen = (id: number) => invoke<Reminder>('reminder_reopen', { id });

export const reminderRemove = (id: number) => invoke<null>('reminder_remove', { id });

export const noteAdd = (memberId: number, body: string) =>
  invoke<Note>('note_add', { memberId, body });

export const noteUpdate = (id: number, body: string) => invoke<Note>('note_update', { id, body });

export const noteDelete = (id: number) => invoke<null>('note_delete', { id });

/** Shares a note with the team, or takes it back (only its author can). */
export const noteShare = (id: number, shared: boolean) =>
  invoke<Note>('note_share', { id, shared });

export const memberTag = (id: number, tag: string) => invoke<null>('member_tag', { id, tag });

export const memberUntag = (id: number, tag: string) =>
  invoke<boolean>('member_untag', { id, tag });

export const memberFieldSet = (id: number, name: string, value: string) =>
  invoke<null>('member_field_set', { id, name, value });

export const memberFieldUnset = (id: number, name: string) =>
  invoke<boolean>('member_field_unset', { id, name });

/** Sets a member's organisation by name, or clears it with `null`; Hearth then leaves it alone. */
export const memberOrganizationSet = (id: number, name: string | null) =>
  invoke<number | null>('member_organization_set', { id, name });

export const organizationsList = (q: string | null, limit = 50) =>
  invoke<OrganizationSummary[]>('organizations_list', { q, limit });

export const organizationShow = (id: number) =>
  invoke<OrganizationDetail>('organization_show', { id });

export const organizationRename = (id: number, name: string) =>
  invoke<null>('organization_rename', { id, name });

export const organizationMerge = (keep: number, absorb: number) =>
  invoke<null>('organization_merge', { keep, absorb });

/** Writes everything Hearth holds about one person to `path` (a privacy request). */
export const memberPrivacyExport = (id: number, path: string) =>
  invoke<null>('member_privacy_export', { id, path });

/** What forgetting a person would delete, for the confirmation. */
export const memberForgetPreview = (id: number) =>
  invoke<ForgetPreview>('member_forget_preview', { id });

/** Deletes a person for good; their messages stay, blank, from "Deleted member". */
export const memberForget = (id: number) => invoke<ForgetReport>('member_forget', { id });

/** The calendar's items in `range`; with `brief`, without their texts (the views draw none). */
export const calendarList = (range: CalendarRange) =>
  invoke<CalendarItem[]>('calendar_list', { range });

/** One item whole, texts included: what opening, moving or following an item reads. */
export const calendarGet = (id: number) => invoke<CalendarItem>('calendar_get', { id });

export const calendarCreate = (input: CalendarItemInput) =>
  invoke<CalendarItem>('calendar_create', { input });

export const calendarUpdate = (id: number, input: CalendarItemInput) =>
  invoke<CalendarItem>('calendar_update', { id, input });

export const calendarDelete = (id: number) => invoke<null>('calendar_delete', { id });

/** Sends an item to review (a draft or an idea becomes "in review"). */
export const calendarSubmit = (id: number) => invoke<CalendarItem>('calendar_submit', { id });

/** Approves an item as the user: a dated item whose targets can go out is scheduled at once,
 * any other waits as approved. */
export const calendarApprove = (id: number) => invoke<CalendarItem>('calendar_approve', { id });

/** An item's comments, oldest first. */
export const calendarComments = (id: number) =>
  invoke<CalendarComment[]>('calendar_comments', { id });

export const calendarComment = (id: number, body: string) =>
  invoke<CalendarComment>('calendar_comment', { id, body });

// An item's images, in the order they are posted. Each change answers with the item whole (an
// approved item goes back to review); refusals are sentences for the person.

/**
 * Attaches an image to item `item`, after the ones it has. The file's bytes are the request's
 * body (no JSON for megabytes); its item, name and alt text (required) go as headers,
 * percent-encoded since headers carry ASCII only.
 */
export const calendarAddImage = (
  item: number,
  bytes: Uint8Array,
  fileName: string,
  alt: string,
) =>
  invoke<CalendarItem>('calendar_add_image', bytes, {
    headers: {
      'x-hearth-item': String(item),
      'x-hearth-name': encodeURIComponent(fileName),
      'x-hearth-alt': encodeURIComponent(alt),
    },
  });

export const calendarImageAlt = (image: number, alt: string) =>
  invoke<CalendarItem>('calendar_image_alt', { image, alt });

/** Moves an image to `position` among its item's (1 is first). */
export const calendarMoveImage = (image: number, position: number) =>
  invoke<CalendarItem>('calendar_move_image', { image, position });

export const calendarRemoveImage = (image: number) =>
  invoke<CalendarItem>('calendar_remove_image', { image });

/** An image's bytes, for its preview. */
export const calendarImage = (image: number) => invoke<ArrayBuffer>('calendar_image', { image });

/** Publishes an item now (also the decision for a missed one). */
export const calendarPublishNow = (id: number) =>
  invoke<CalendarItem>('calendar_publish_now', { id });

/** Sends a failed target (a `ContentVariant` id) again. */
export const calendarRetryTarget = (target: number) =>
  invoke<CalendarItem>('calendar_retry_target', { target });

/** Every account's posting slots: the times of the week each one posts at. */
export const calendarSlots = () => invoke<PostingSlot[]>('calendar_slots');

/** Adds a posting slot to an account: `weekday` from Monday (0), `minute` after midnight, in
 * the user's time zone. */
export const calendarAddSlot = (accountId: number, weekday: number, minute: number) =>
  invoke<PostingSlot>('calendar_add_slot', { accountId, weekday, minute });

export const calendarRemoveSlot = (id: number) => invoke<null>('calendar_remove_slot', { id });

/** Dates the saved item at the next free slot of its accounts (an idea becomes a draft, an
 * approved item scheduled); refused in words when there is none. */
export const calendarNextSlot = (id: number) =>
  invoke<CalendarItem>('calendar_next_slot', { id });

/** How late a due post may still go out, in minutes (Settings → Calendar). */
export const calendarGrace = () => invoke<number>('calendar_grace');
export const calendarSetGrace = (minutes: number) =>
  invoke<number>('calendar_set_grace', { minutes });

/** The calendar as an iCalendar (.ics) file at `path`; what it holds. */
export const calendarExportIcs = (path: string) =>
  invoke<CalendarExportSummary>('calendar_export_ics', { path });

/** Asks for an iCalendar file with the system's chooser; `null` if cancelled. */
export const pickIcsFile = (title: string) => invoke<string | null>('pick_ics_file', { title });

/** Events of an iCalendar file as dated ideas; what it made and left out. */
export const calendarImportIcs = (path: string) =>
  invoke<CalendarImportReport>('calendar_import_ics', { path });

/** When to post, every platform together first, from the last `days` days. */
export const calendarBestTimes = (days: number) =>
  invoke<BestTimes[]>('calendar_best_times', { days });

// The Dashboard: the community's health over a period (`docs/metrics.md` defines each figure).

/** The figures of a period (nulls: the 30 days up to now, every platform) beside the period of
 * the same length before it. */
export const metricsGet = (query: MetricsQuery) => invoke<Metrics>('metrics_get', { query });

/** The page zoom (text size) of the window, in percent. */
export const setZoom = (percent: number) => invoke<void>('set_zoom', { percent });

/** Which Hearth this is and the database it is on (Help → About Hearth). */
export const appAbout = () => invoke<AboutHearth>('app_about');

/** Response times per inbox view over the period (asked after the figures: it takes longer). */
export const metricsByView = (query: MetricsQuery) =>
  invoke<ResponseFigures[]>('metrics_by_view', { query });

/** Writes a Dashboard chart's numbers for the period as CSV to `path` (ending in .csv). */
export const metricsExportCsv = (query: MetricsQuery, chart: HealthChart, path: string) =>
  invoke<null>('metrics_export_csv', { query, chart, path });

/** Saves a chart's picture (PNG bytes, sent as they are) to `path` (ending in .png). */
export const metricsSavePng = (path: string, bytes: Uint8Array) =>
  invoke<null>('metrics_save_png', bytes, {
    headers: { 'x-hearth-path': encodeURIComponent(path) },
  });

/** The feedback themes, brought up to date with the feedback first. */
export const feedbackThemes = () => invoke<FeedbackOverview>('feedback_themes');

/** One theme with its conversations and the terms it could be split by. */
export const feedbackTheme = (id: number) => invoke<FeedbackThemeDetail>('feedback_theme', { id });

export const feedbackRename = (id: number, name: string) =>
  invoke<null>('feedback_rename', { id, name });

/** Merges theme `absorb` into `keep` (its conversations and its terms). */
export const feedbackMerge = (keep: number, absorb: number) =>
  invoke<null>('feedback_merge', { keep, absorb });

/** Makes the conversations of a theme that have `term` a theme of their own; its id. */
export const feedbackSplit = (id: number, term: string) =>
  invoke<number>('feedback_split', { id, term });

/** Puts a feedback conversation in a theme (or none) by hand. */
export const feedbackMove = (conversationId: number, themeId: number | null) =>
  invoke<null>('feedback_move', { conversationId, themeId });

/** Writes a theme to `path`: Markdown (.md) or CSV (.csv). */
export const feedbackExport = (id: number, path: string) =>
  invoke<null>('feedback_export', { id, path });

/** Queues a GitHub issue about a theme through the outbox. */
export const feedbackIssue = (id: number, accountId: number | null = null) =>
  invoke<OutboxItem>('feedback_issue', { id, accountId });

/** The messages the moderation rules flagged ("open", "dismissed" as false, or "actioned"). */
export const moderationFlags = (status: 'open' | 'dismissed' | 'actioned' = 'open') =>
  invoke<ModFlag[]>('moderation_flags', { status });

/** The actions that can be taken on a message or an account, and how each is carried out. */
export const moderationChoices = (messageId: number | null, identityId: number | null = null) =>
  invoke<ModActionChoice[]>('moderation_choices', { messageId, identityId });

/** Takes a moderation action: sent through the outbox where the platform allows, else recorded. */
export const moderationAct = (input: ModActionInput) =>
  invoke<ModAction>('moderation_act', { input });

/** The moderation log, newest first (one member's with `memberId`). */
export const moderationLog = (memberId: number | null = null) =>
  invoke<ModAction[]>('moderation_log', { memberId });

/** Records an action the platform refused as done by hand. */
export const moderationDoneByHand = (id: number) =>
  invoke<ModAction>('moderation_done_by_hand', { id });

/** Dismisses a flag as false: it is never raised again. */
export const moderationDismiss = (id: number) => invoke<null>('moderation_dismiss', { id });

export const moderationRules = () => invoke<ModRule[]>('moderation_rules');

/** Adds a rule; it checks the last 30 days' messages at once. */
export const moderationAddRule = (input: ModRuleInput) =>
  invoke<ModRule>('moderation_add_rule', { input });

export const moderationEnableRule = (id: number, enabled: boolean) =>
  invoke<ModRule>('moderation_enable_rule', { id, enabled });

export const moderationRemoveRule = (id: number) => invoke<null>('moderation_remove_rule', { id });

export const moderationGuidelines = () => invoke<string>('moderation_guidelines');

export const moderationSetGuidelines = (body: string) =>
  invoke<null>('moderation_set_guidelines', { body });

// Accounts: the token in `input` goes to the OS keyring through the core and never comes back.

/** What connecting each platform takes, for the "Add account" form. */
export const platformsConnectable = () => invoke<PlatformSpec[]>('platforms_connectable');

export const accountsList = () => invoke<AccountView[]>('accounts_list');

/** Adds an account (its token is required) and starts syncing it. */
export const accountAdd = (input: AccountInput) => invoke<AccountView>('account_add', { input });

/** Changes an account; an empty or null `input.token` keeps the stored token. */
export const accountUpdate = (id: number, input: AccountInput) =>
  invoke<AccountView>('account_update', { id, input });

/** Removes an account and what was synced through it (notes stay). */
export const accountRemove = (id: number) => invoke<null>('account_remove', { id });

/** Asks the platform who the stored token authenticates as. */
export const accountTest = (id: number) => invoke<ConnectionCheck>('account_test', { id });

// Sync and the outbox.

/** The event the background syncer sends while accounts sync. */
const SYNC_EVENT = 'hearth://sync';

/** Syncs one account now, or every account with `null`. */
export const syncNow = (accountId: number | null = null) =>
  invoke<null>('sync_now', { accountId });

/** The latest progress of every account the syncer has seen this session. */
export const syncStatus = () => invoke<SyncProgress[]>('sync_status');

export const onSync = (handler: (progress: SyncProgress) => void): Promise<UnlistenFn> =>
  listen<SyncProgress>(SYNC_EVENT, (event) => handler(event.payload));

// Teams: triage shared with teammates through the team's relay.

/** The event the team sync sends at each state (syncing, synced, offline, failed). */
const TEAM_EVENT = 'hearth://team';

/** The team and how its last sync went. */
export const teamState = () => invoke<TeamSyncState>('team_state');

/** Starts a team on the relay; returns the join link. */
export const teamCreate = (relay: string, secret: string, name: string) =>
  invoke<string>('team_create', { relay, secret, name });

/** Joins the team of a link; its triage comes here. */
export const teamJoin = (link: string, name: string) =>
  invoke<TeamSyncReport>('team_join', { link, name });

/** The link another teammate joins with. */
export const teamLink = () => invoke<string | null>('team_link');

/** Stops sharing; the shared triage stays here. */
export const teamLeave = () => invoke<boolean>('team_leave');

/** Shares what changed here now. */
export const teamSyncNow = () => invoke<null>('team_sync_now');

/** The event that carries the teammates around now (presence, never stored). */
const PRESENCE_EVENT = 'hearth://presence';

/** Tells teammates where this manager is: on a conversation (viewing or replying), or only
 * online (null). Nothing is said outside a team. */
export const presenceSet = (conversationId: number | null, doing: 'viewing' | 'replying' | 'online') =>
  invoke<null>('presence_set', { conversationId, doing });

/** The teammates around now. */
export const presenceNow = () => invoke<TeamPresence[]>('presence_now');

export const onPresence = (handler: (around: TeamPresence[]) => void): Promise<UnlistenFn> =>
  listen<TeamPresence[]>(PRESENCE_EVENT, (event) => handler(event.payload));

/** What teammates set differently for a conversation while apart. */
export const teamConflicts = (id: number) => invoke<TeamConflict[]>('team_conflicts', { id });

export const onTeam = (handler: (state: TeamSyncState) => void): Promise<UnlistenFn> =>
  listen<TeamSyncState>(TEAM_EVENT, (event) => handler(event.payload));

/** Everything not yet sent: queued, sending and refused items. */
/** What waits to be sent, and what was sent since `sentSince` (unix ms). */
export const outboxList = (sentSince: number | null = null) =>
  invoke<OutboxItem[]>('outbox_list', { sentSince });

/** Queues a reply in a conversation and asks the syncer to send it: now, or (send later) not
 * before `sendAfter` (unix ms). */
export const replyQueue = (conversationId: number, body: string, sendAfter: number | null = null) =>
  invoke<OutboxItem>('reply_queue', { conversationId, body, sendAfter });

/** Puts a refused item back in the queue. */
export const outboxRetry = (id: number) => invoke<OutboxItem>('outbox_retry', { id });

/** Drops an item that has not been sent. */
export const outboxCancel = (id: number) => invoke<null>('outbox_cancel', { id });

// Settings → Data: where the data lives, backups, export and import, the demo community.

/** Where the database and its backups are, the backups kept, and whether a demo is present. */
export const dataOverview = () => invoke<DataOverview>('data_overview');

/** Backs the database up now; resolves to the new backup. */
export const backupNow = () => invoke<BackupInfo>('backup_now');

/** Replaces the current data with a backup (the core backs the current data up first). */
export const backupRestore = (path: string) => invoke<WorkspaceStatus>('backup_restore', { path });

/** How many daily backups to keep (older ones are deleted). */
export const backupsKeep = (keep: number) => invoke<DataOverview>('backups_keep', { keep });

/** Shows the data folder in the system's file manager. */
export const dataFolderOpen = () => invoke<void>('data_folder_open');

/** Writes everything into files in `dir`, sending progress on the progress event. */
export const workspaceExport = (dir: string) =>
  invoke<ExportSummary>('workspace_export', { dir });

/** Reads an export from `dir` into an empty workspace, sending progress on the progress event. */
export const workspaceImport = (dir: string) =>
  invoke<WorkspaceTotals>('workspace_import', { dir });

/** Removes the demo community's sample accounts and everything that came with them. */
export const demoRemove = () => invoke<DemoRemoval>('demo_remove');

/**
 * Asks the person for a folder with the system's chooser; null when they cancel. The core
 * opens the chooser, so the window itself needs no dialog permission.
 */
export const pickFolder = (title: string) => invoke<string | null>('pick_folder', { title });

/** Asks where to save a file, suggesting `fileName`; `null` if cancelled. */
export const pickSaveFile = (title: string, fileName: string) =>
  invoke<string | null>('pick_save_file', { title, fileName });

/** Writes every member to `path` (JSON when it ends in .json, else CSV); returns how many. */
export const membersExport = (path: string) => invoke<number>('members_export', { path });

/** Asks for a members file (CSV) with the system's file chooser; `null` if cancelled. */
export const pickCsvFile = (title: string) => invoke<string | null>('pick_csv_file', { title });

/** How a members file would be imported: columns and what they map to, refused rows. */
export const membersImportPreview = (path: string, options: MemberImportOptions) =>
  invoke<CsvPreview>('members_import_preview', { path, options });

/** Imports a members file into a list (progress arrives through `onProgress`). */
export const membersImport = (path: string, options: MemberImportOptions) =>
  invoke<MemberImportReport>('members_import', { path, options });

const EXTERNAL_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * Opens a link in the system browser or mail client. Only web and mail links leave the app;
 * anything else (javascript:, file:, relative paths) is refused here before reaching the core.
 */
export function openExternal(url: string): Promise<null> {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = '';
  }
  if (!EXTERNAL_SCHEMES.has(scheme)) {
    const refusal: ApiError = {
      code: 'invalid_input',
      message: `Hearth only opens web and mail links, not “${url}”.`,
    };
    return Promise.reject(refusal);
  }
  return invoke<null>('open_external', { url });
}

/** The notification choices: on or off, platforms left out, quiet hours. */
export const notifySettings = () => invoke<NotifySettings>('notify_settings');
/** Which notification service the desktop runs, or why there is none. */
export const notifyService = () => invoke<NotifyService>('notify_service');
/** Shows a sample notification; says what the desktop answered. */
export const notifyTest = () => invoke<NotifyService>('notify_test');
export const notifySettingsSave = (settings: NotifySettings) =>
  invoke<NotifySettings>('notify_settings_save', { settings });
