//! Hearth's domain types: what the core hands to the CLI and, through Tauri, to the UI.
//!
//! Owns: the shapes every view reads and every action takes. Every type here that crosses
//! into the UI derives `ts_rs::TS`; `cargo test` regenerates `ui/src/lib/bindings/` from them and
//! CI checks the committed copy is current. Must never: know about SQL, HTTP or Tauri.
//!
//! Times are unix milliseconds (UTC) everywhere; ids are Hearth's own `i64` row ids, while the
//! platforms' ids stay strings (`external_id`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Unix time in milliseconds, UTC.
pub type Millis = i64;

/// A platform Hearth can hold conversations and members from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Platform {
    Discord,
    Discourse,
    Github,
    Slack,
    Matrix,
    Mastodon,
    Bluesky,
    Email,
    Reddit,
    Telegram,
    /// A list of people imported from a file (an event's attendees, a newsletter's
    /// subscribers): one account per list, never synced.
    List,
}

impl Platform {
    pub const ALL: [Platform; 11] = [
        Platform::Discord,
        Platform::Discourse,
        Platform::Github,
        Platform::Slack,
        Platform::Matrix,
        Platform::Mastodon,
        Platform::Bluesky,
        Platform::Email,
        Platform::Reddit,
        Platform::Telegram,
        Platform::List,
    ];

    /// The stable lowercase name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Discord => "discord",
            Platform::Discourse => "discourse",
            Platform::Github => "github",
            Platform::Slack => "slack",
            Platform::Matrix => "matrix",
            Platform::Mastodon => "mastodon",
            Platform::Bluesky => "bluesky",
            Platform::Email => "email",
            Platform::Reddit => "reddit",
            Platform::Telegram => "telegram",
            Platform::List => "list",
        }
    }

    /// The name a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Discord => "Discord",
            Platform::Discourse => "Discourse",
            Platform::Github => "GitHub",
            Platform::Slack => "Slack",
            Platform::Matrix => "Matrix",
            Platform::Mastodon => "Mastodon",
            Platform::Bluesky => "Bluesky",
            Platform::Email => "Email",
            Platform::Reddit => "Reddit",
            Platform::Telegram => "Telegram",
            Platform::List => "Imported list",
        }
    }

    /// The longest post the platform accepts, in characters, where it has one.
    pub fn post_limit(self) -> Option<u32> {
        match self {
            Platform::Discord => Some(2000),
            Platform::Mastodon => Some(500),
            Platform::Bluesky => Some(300),
            Platform::Slack => Some(40_000),
            Platform::Telegram => Some(4096),
            Platform::Reddit => Some(40_000),
            Platform::Github => Some(65_536),
            Platform::Discourse => Some(32_000),
            Platform::Matrix | Platform::Email | Platform::List => None,
        }
    }
}

impl Platform {
    /// Whether a sync can bring this platform's data (an imported list has no connector: it
    /// is never synced, and never shown as failing to).
    pub fn syncs(self) -> bool {
        self != Platform::List
    }

    /// How Hearth carries out a moderation action on this platform, in words, or `None` when
    /// its API has no way (the moderator does it on the platform and records it). A warning is
    /// a reply, so every platform that takes replies can send one.
    pub fn moderation(self, action: ModActionKind) -> Option<&'static str> {
        use ModActionKind as A;
        Some(match (self, action) {
            (Platform::Email | Platform::List | Platform::Reddit | Platform::Telegram, _) => {
                return None
            }
            (_, A::Warn) => "sends your warning as a reply in the conversation",
            (Platform::Matrix, A::Delete) => "redacts the event in the room",
            (Platform::Matrix, A::Kick) => "kicks them from the room",
            (Platform::Matrix, A::Ban) => "bans them from the room",
            (Platform::Discord, A::Delete) => "deletes the message",
            (Platform::Discord, A::Timeout) => "times them out in the server",
            (Platform::Discord, A::Kick) => "kicks them from the server",
            (Platform::Discord, A::Ban) => "bans them from the server",
            (Platform::Discourse, A::Hide) => {
                "flags the post as inappropriate with staff action, which hides it"
            }
            (Platform::Discourse, A::Delete) => "deletes the post",
            (Platform::Discourse, A::Timeout) => "silences them on the forum",
            (Platform::Discourse, A::Ban) => "suspends them from the forum",
            (Platform::Slack, A::Delete) => "deletes the message (chat.delete)",
            _ => return None,
        })
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
                format!(
                    "unknown platform '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Where a conversation stands in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Status {
    /// Needs a human.
    Open,
    /// Answered, and waiting on the member: open again when they write.
    Waiting,
    /// Hidden until `snoozed_until`, then open again.
    Snoozed,
    /// Handled.
    Done,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Waiting => "waiting",
            Status::Snoozed => "snoozed",
            Status::Done => "done",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Status::Open),
            "waiting" => Ok(Status::Waiting),
            "snoozed" => Ok(Status::Snoozed),
            "done" => Ok(Status::Done),
            other => Err(format!(
                "unknown status '{other}' (expected open, waiting, snoozed or done)"
            )),
        }
    }
}

/// What kind of place on a platform a conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConversationKind {
    Thread,
    Channel,
    Topic,
    Issue,
    PullRequest,
    Discussion,
    Post,
    DirectMessage,
    Email,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationKind::Thread => "thread",
            ConversationKind::Channel => "channel",
            ConversationKind::Topic => "topic",
            ConversationKind::Issue => "issue",
            ConversationKind::PullRequest => "pull_request",
            ConversationKind::Discussion => "discussion",
            ConversationKind::Post => "post",
            ConversationKind::DirectMessage => "direct_message",
            ConversationKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "thread" => ConversationKind::Thread,
            "channel" => ConversationKind::Channel,
            "topic" => ConversationKind::Topic,
            "issue" => ConversationKind::Issue,
            "pull_request" => ConversationKind::PullRequest,
            "discussion" => ConversationKind::Discussion,
            "post" => ConversationKind::Post,
            "direct_message" => ConversationKind::DirectMessage,
            "email" => ConversationKind::Email,
            _ => return None,
        })
    }
}

/// The life of a content calendar item.
/// Where a calendar item is on its way from an idea to posts on the platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ContentState {
    Idea,
    Draft,
    /// Waiting for someone to approve it.
    InReview,
    /// Approved, not yet given a time.
    Approved,
    /// Dated, and published by Hearth when its time comes.
    Scheduled,
    Published,
    /// Some targets went out, some failed.
    Partly,
    Failed,
    /// Its time passed while no Hearth was running, beyond the grace window; waits for a
    /// decision (publish now, a new time, or back to draft).
    Missed,
}

impl ContentState {
    pub const ALL: [ContentState; 9] = [
        ContentState::Idea,
        ContentState::Draft,
        ContentState::InReview,
        ContentState::Approved,
        ContentState::Scheduled,
        ContentState::Published,
        ContentState::Partly,
        ContentState::Failed,
        ContentState::Missed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentState::Idea => "idea",
            ContentState::Draft => "draft",
            ContentState::InReview => "in_review",
            ContentState::Approved => "approved",
            ContentState::Scheduled => "scheduled",
            ContentState::Published => "published",
            ContentState::Partly => "partly",
            ContentState::Failed => "failed",
            ContentState::Missed => "missed",
        }
    }

    /// In words, for lists and errors.
    pub fn label(self) -> &'static str {
        match self {
            ContentState::Idea => "idea",
            ContentState::Draft => "draft",
            ContentState::InReview => "in review",
            ContentState::Approved => "approved",
            ContentState::Scheduled => "scheduled",
            ContentState::Published => "published",
            ContentState::Partly => "partly published",
            ContentState::Failed => "failed",
            ContentState::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match s.as_str() {
            "review" => Some(ContentState::InReview),
            "partly_published" => Some(ContentState::Partly),
            _ => ContentState::ALL.into_iter().find(|c| c.as_str() == s),
        }
    }

    /// Whether publishing has begun: the item's words and targets are then what went out.
    pub fn is_out(self) -> bool {
        matches!(
            self,
            ContentState::Published | ContentState::Partly | ContentState::Failed
        )
    }
}

/// How one target of a calendar item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TargetStatus {
    /// Not due yet.
    Planned,
    /// Due, in the outbox, waiting for a connection.
    Queued,
    Sending,
    Sent,
    Failed,
}

impl TargetStatus {
    pub fn parse(s: &str) -> TargetStatus {
        match s {
            "queued" => TargetStatus::Queued,
            "sending" => TargetStatus::Sending,
            "sent" => TargetStatus::Sent,
            "failed" => TargetStatus::Failed,
            _ => TargetStatus::Planned,
        }
    }
}

/// One row of the inbox queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxItem {
    pub id: i64,
    pub platform: Platform,
    pub account_name: String,
    pub kind: ConversationKind,
    /// The thread/topic/issue title, where the platform has one.
    pub title: Option<String>,
    /// Where it lives: `#help`, `acme/widgets`, a forum category.
    pub container: Option<String>,
    /// Who wrote the latest message.
    pub author_name: String,
    pub author_member_id: Option<i64>,
    /// The latest message as plain text, shortened.
    pub snippet: String,
    pub last_message_at: Millis,
    pub message_count: i64,
    pub status: Status,
    /// 0 = none, 1 = low, 2 = normal, 3 = high, 4 = urgent.
    pub priority: i64,
    pub snoozed_until: Option<Millis>,
    pub assignee: Option<String>,
    pub tags: Vec<String>,
    /// A link back to the original on the platform.
    pub url: Option<String>,
    /// The oldest member message the team has not answered yet (none when the team wrote
    /// last, or only the team wrote).
    pub unanswered_since: Option<Millis>,
    /// When a reply is due by the reply-time target (Settings → Inbox, 24 h unless changed),
    /// for a conversation in the open queue with an unanswered message.
    pub reply_due_at: Option<Millis>,
    /// From the first member message to the team's first reply after it, once there is one.
    pub first_response_ms: Option<i64>,
    /// From the last member message to the conversation being marked done, when it is done.
    pub resolution_ms: Option<i64>,
    /// Where it ranks in the open queue: its rules' points plus the priority set by hand.
    pub rank: i64,
    /// The rules that match it, and what each adds.
    pub reasons: Vec<Reason>,
    /// A member's message in it mentions the account.
    pub mentions_us: bool,
    /// A member wrote their first message anywhere in it.
    pub first_post: bool,
}

/// Which slice of the inbox to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct InboxQuery {
    /// `open` (the default) also includes snoozed conversations whose snooze has run out.
    pub status: Option<Status>,
    /// A view's key or letter (`needs-reply`, `m`, a saved view's name): its filter, with
    /// `status`, `platform` and `tag` narrowing it further.
    pub view: Option<String>,
    pub platform: Option<Platform>,
    pub tag: Option<String>,
    /// At most this many items (default 50, at most 500).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A page of the inbox, with how many items the whole slice holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub total: i64,
    /// Follow-ups on members that are due, soonest first: at the top of the open queue's
    /// first page (not counted in `total`).
    pub reminders: Vec<Reminder>,
}

/// How many conversations are in each state (open counts expired snoozes as open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxCounts {
    pub open: i64,
    pub waiting: i64,
    pub snoozed: i64,
    pub done: i64,
    /// Follow-ups on members due now.
    pub reminders: i64,
}

/// Who wrote a message, as the thread view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Author {
    pub identity_id: i64,
    pub member_id: Option<i64>,
    pub name: String,
    pub handle: String,
    pub platform: Platform,
    pub avatar_url: Option<String>,
    pub profile_url: Option<String>,
}

/// A message in a thread. `html` is already sanitised by the core (ammonia); `text` is plain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MessageView {
    pub id: i64,
    pub external_id: String,
    pub author: Author,
    pub text: String,
    pub html: Option<String>,
    pub created_at: Millis,
    pub edited_at: Option<Millis>,
    pub deleted: bool,
    pub reply_to_id: Option<i64>,
    pub url: Option<String>,
    /// Written by the community team's own account.
    pub from_us: bool,
    /// The text it had before each edit (or before a deletion blanked it), oldest first.
    pub revisions: Vec<MessageRevision>,
}

/// What a message said before an edit or a deletion changed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MessageRevision {
    /// As plain text (never HTML).
    pub text: String,
    /// When this version was written: the earlier edit, or the message's first writing.
    pub written_at: Millis,
    /// When the next version (or the deletion) replaced it.
    pub replaced_at: Millis,
}

/// A conversation with its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConversationDetail {
    pub conversation: InboxItem,
    pub messages: Vec<MessageView>,
}

/// Something a community manager does to a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "action",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum TriageAction {
    Done,
    Open,
    /// Waiting on the member: back in the open queue when they write.
    Waiting,
    Snooze {
        until: Millis,
    },
    Tag {
        tag: String,
    },
    Untag {
        tag: String,
    },
    Assign {
        assignee: Option<String>,
    },
    Priority {
        priority: i64,
    },
    /// Puts back a state the conversation had (what undo does): its status and snooze time,
    /// assignee, priority and tags, exactly.
    Restore {
        state: TriageState,
    },
}

/// A reply written once and inserted many times, its variables filled in for the conversation
/// (see [`crate::inbox::canned::VARIABLES`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CannedReply {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What a rule looks for in a conversation. Every condition of a rule must hold for it to
/// apply. In words (`hearth rules`, Settings → Rules) each reads as its [`std::fmt::Display`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum RuleCondition {
    /// A member's message mentions the account ("mentions").
    Mentions,
    /// A member's message has waited this many hours for the team ("unanswered 24h").
    Unanswered { hours: i64 },
    /// A member wrote their first message anywhere in it ("first post").
    FirstPost,
    /// One of the members writing in it has this tag ("member tagged vip").
    MemberTag { tag: String },
    /// One of the members writing in it is in this segment ("segment Champions").
    Segment { segment: String },
    /// A member's message says this word or phrase, whatever its case ("keyword crash").
    Keyword { words: String },
    /// A member's message matches this regular expression ("regex (?i)win(dows)? ?11").
    Regex { pattern: String },
    /// It is on this platform ("platform discord").
    Platform { platform: Platform },
    /// It is in this channel, repository or category ("channel #help").
    Channel { channel: String },
}

/// What a rule does to the conversations it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum RuleEffect {
    /// Raises (or, below zero, lowers) its rank in the queue ("+3", "-2").
    Points { points: i64 },
    /// Tags it, once, when the rule starts to match ("tag bug").
    Tag { tag: String },
    /// Assigns it, when nobody has it yet ("assign Ana").
    Assign { to: String },
    /// Puts it into a saved view ("view Billing").
    View { view: String },
}

/// A rule of the inbox, as `hearth rules list` and Settings → Rules show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub when: Vec<RuleCondition>,
    pub then: Vec<RuleEffect>,
    /// The conditions and effects in words, as they are typed ("unanswered 24h", "+2").
    pub when_words: Vec<String>,
    pub then_words: Vec<String>,
    /// Conversations in the open queue it matches now.
    pub matching: i64,
    /// What makes it unable to match, in words (a segment that is gone), if anything.
    pub problem: Option<String>,
}

/// A rule to add or to change, its conditions and effects in words, one per line, as the user
/// typed them: the core reads them and says which line it could not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RuleDraft {
    pub name: String,
    pub enabled: bool,
    pub when: Vec<String>,
    pub then: Vec<String>,
}

/// What a rule would match in the open queue now (`hearth rules test`, and Settings → Rules
/// as a rule is written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RuleCheck {
    pub matching: i64,
    /// The first few of them, best ranked first.
    pub samples: Vec<RuleMatch>,
}

/// One conversation a rule would match, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RuleMatch {
    pub id: i64,
    pub title: String,
    pub why: String,
}

/// One condition or effect a rule can have, in words, with what it means (for help texts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RuleWord {
    pub words: String,
    pub meaning: String,
    /// An effect (`then`), not a condition (`when`).
    pub effect: bool,
}

/// Why a conversation ranks where it does: one matching rule and what it adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Reason {
    pub rule_id: i64,
    /// The rule's name.
    pub rule: String,
    /// What matched, in words ("mentions you", "Ana is tagged vip", "says 'crash'").
    pub why: String,
    /// What it adds to the rank (0 for a rule that only tags, assigns or files).
    pub points: i64,
}

/// What a view shows. Every field left empty lets everything through; `status` is the open
/// queue unless set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ViewFilter {
    pub status: Option<Status>,
    /// Every status at once, newest first (Feedback: tagged, whether handled or not).
    pub any_status: Option<bool>,
    pub platform: Option<Platform>,
    pub account_id: Option<i64>,
    /// A channel, repository or category, as the inbox shows it ("#help").
    pub channel: Option<String>,
    pub tag: Option<String>,
    /// A team member's name, `me`, or `nobody`.
    pub assignee: Option<String>,
    /// Its latest message is at least this many hours old.
    pub older_than_hours: Option<i64>,
    /// Its latest message is at most this many hours old.
    pub newer_than_hours: Option<i64>,
    /// A member writing in it has this tag.
    pub member_tag: Option<String>,
    /// A member writing in it is in this segment (by name).
    pub segment: Option<String>,
    /// A member's message in it waits for the team.
    pub unanswered: Option<bool>,
    pub mentions: Option<bool>,
    pub first_post: Option<bool>,
}

/// A view of the inbox: built in (Needs reply, Mentions, …) or saved by the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct View {
    /// `open`, `needs-reply`, … for the built-in views; `saved-ID` for a saved one.
    pub key: String,
    pub name: String,
    /// `g` + this letter opens it.
    pub letter: Option<String>,
    pub builtin: bool,
    pub filter: ViewFilter,
    /// Its reply-time target in hours: the workspace's unless the view sets its own.
    pub reply_target_hours: i64,
    /// Whether the view sets its own target.
    pub own_target: bool,
    /// Conversations in it now.
    pub count: i64,
    /// Of those, how many are past their reply-time target.
    pub overdue: i64,
}

/// Someone on the community team, as assignment lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamMember {
    pub name: String,
    /// This is the user (the name set in Settings → Inbox).
    pub me: bool,
}

/// A saved view to add or to change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ViewDraft {
    pub name: String,
    pub letter: Option<String>,
    pub filter: ViewFilter,
    pub reply_target_hours: Option<i64>,
}

/// One triage action on one conversation, of several applied together (a bulk action, or its
/// undo putting back each conversation's own state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TriageEach {
    pub id: i64,
    pub action: TriageAction,
}

/// Everything triage changes on a conversation, as it was at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TriageState {
    pub status: Status,
    pub snoozed_until: Option<Millis>,
    pub assignee: Option<String>,
    pub priority: i64,
    pub tags: Vec<String>,
}

/// A member in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberSummary {
    pub id: i64,
    pub display_name: String,
    pub organization: Option<String>,
    pub platforms: Vec<Platform>,
    /// The member's handles on every platform, `@`-less.
    pub handles: Vec<String>,
    pub avatar_url: Option<String>,
    pub first_seen_at: Option<Millis>,
    pub last_active_at: Option<Millis>,
    pub message_count: i64,
    pub tags: Vec<String>,
    /// The recency-weighted engagement score and its level (see [`Engagement`]).
    pub engagement_score: f64,
    pub engagement_level: EngagementLevel,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct MemberQuery {
    /// Words to find in names, handles, emails and organisations (prefix match).
    pub q: Option<String>,
    pub platform: Option<Platform>,
    /// Only the people of this organisation.
    pub organization_id: Option<i64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// The order: most recently active first unless told otherwise.
    #[ts(optional)]
    pub sort: Option<MemberSort>,
    /// Only the members of this saved segment.
    #[ts(optional)]
    pub segment_id: Option<i64>,
    /// Only the members this filter keeps (with `segment_id`, both must keep them).
    #[ts(optional)]
    pub filter: Option<SegmentFilter>,
    /// The moment "within N days" filters count back from: the caller's clock.
    #[ts(optional)]
    pub now: Option<Millis>,
}

impl MemberQuery {
    /// The query with relative filters counted back from `now`.
    pub fn at(self, now: Millis) -> MemberQuery {
        MemberQuery {
            now: Some(now),
            ..self
        }
    }
}

/// How the member list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MemberSort {
    /// Most recently active first.
    #[default]
    LastActive,
    /// Highest engagement score first.
    Score,
    /// Most messages first.
    Messages,
    /// By name, A to Z.
    Name,
    /// Newest members first.
    FirstSeen,
}

impl std::str::FromStr for MemberSort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "last_active" | "active" | "recent" => Ok(MemberSort::LastActive),
            "score" | "engagement" => Ok(MemberSort::Score),
            "messages" => Ok(MemberSort::Messages),
            "name" => Ok(MemberSort::Name),
            "first_seen" | "new" | "newest" => Ok(MemberSort::FirstSeen),
            other => Err(format!(
                "unknown order '{other}' (expected last-active, score, messages, name or first-seen)"
            )),
        }
    }
}

/// How engaged a member is lately, from the recency-weighted score (see
/// `src/members/engagement.rs` for the thresholds and why).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS,
)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum EngagementLevel {
    /// Nothing to speak of in the last few months.
    #[default]
    Quiet,
    /// Now and then.
    Casual,
    /// Regularly.
    Active,
    /// Among the most engaged people of the community.
    Core,
}

impl EngagementLevel {
    pub const ALL: [EngagementLevel; 4] = [
        EngagementLevel::Core,
        EngagementLevel::Active,
        EngagementLevel::Casual,
        EngagementLevel::Quiet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EngagementLevel::Quiet => "quiet",
            EngagementLevel::Casual => "casual",
            EngagementLevel::Active => "active",
            EngagementLevel::Core => "core",
        }
    }
}

impl std::fmt::Display for EngagementLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EngagementLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        EngagementLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == wanted)
            .ok_or_else(|| format!("unknown level '{s}' (expected core, active, casual or quiet)"))
    }
}

/// Which way a member's activity goes: the last 30 days against the 30 before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Trend {
    Rising,
    #[default]
    Steady,
    Falling,
}

/// One thing that raised or lowered a member's engagement score, in words:
/// "4 threads started in the last 30 days" (+12.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EngagementFactor {
    /// Points it adds (negative: what time took away).
    pub points: f64,
    pub text: String,
}

/// A member's engagement, worked out on this device, with why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Engagement {
    /// Recency-weighted activity: each thread started, issue or pull request opened, or reply
    /// counts its weight, halved for every 30 days since.
    pub score: f64,
    pub level: EngagementLevel,
    pub trend: Trend,
    /// Messages in the last 30 days, and in the 30 days before.
    pub last_30_days: i64,
    pub previous_30_days: i64,
    /// Was among the most active a month ago and has been silent for three weeks or more.
    pub going_quiet: bool,
    /// First seen in the last 30 days and already active.
    pub new_and_active: bool,
    /// What raised the score and what lowered it, largest first.
    pub factors: Vec<EngagementFactor>,
}

/// A custom field a segment matches (`name` = `value`, case-insensitive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldMatch {
    pub name: String,
    pub value: String,
}

/// At least `min_messages` messages in a period: between two dates, or in the last N days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ActivityFilter {
    pub min_messages: u32,
    #[ts(optional)]
    pub from: Option<Millis>,
    #[ts(optional)]
    pub to: Option<Millis>,
    #[ts(optional)]
    pub within_days: Option<u32>,
}

/// A filter over members; every part given must hold (lists hold when any of their values
/// does, except tags: all of them). Saved as a segment's JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct SegmentFilter {
    /// On any of these platforms.
    pub platforms: Vec<Platform>,
    /// Tagged with all of these.
    pub tags: Vec<String>,
    /// The organisation contains these words (case-insensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub organization: Option<String>,
    /// The location contains these words (case-insensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub location: Option<String>,
    /// Custom fields, each `name` = `value`.
    pub fields: Vec<FieldMatch>,
    /// At any of these engagement levels.
    pub levels: Vec<EngagementLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub going_quiet: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub new_and_active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub first_seen_after: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub first_seen_before: Option<Millis>,
    /// First seen in the last N days.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub first_seen_within_days: Option<u32>,
    /// Active in the last N days.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub active_within_days: Option<u32>,
    /// Not active in the last N days (and active some time before).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub quiet_for_days: Option<u32>,
    /// At least N messages in a period.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub activity: Option<ActivityFilter>,
}

/// A saved segment, with how many members it holds now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Segment {
    pub id: i64,
    pub name: String,
    pub filter: SegmentFilter,
    pub position: i64,
    pub count: i64,
}

/// A follow-up on a member ("ask Maria about her talk"). Due ones show at the top of the
/// inbox; done and snooze work as they do on a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Reminder {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub body: String,
    pub due_at: Millis,
    /// `open` (waiting for `due_at`, or due), `snoozed` (until `snoozed_until`) or `done`.
    /// A snooze that has run out reads as `open`.
    pub status: Status,
    pub snoozed_until: Option<Millis>,
    pub created_at: Millis,
    pub done_at: Option<Millis>,
    /// Due now: shown in the inbox.
    pub due: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberPage {
    pub items: Vec<MemberSummary>,
    pub total: i64,
}

/// One factor of a merge decision: how much it moved the score (in bits, log₂ of the odds),
/// and why, in words ("same email name 'ana.souza' at different domains").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MergeFactor {
    /// What was compared: `email`, `name`, `handle`, `links`, `org`, `place`, `tz`,
    /// `together`, `fields`, `space`; `proof` for a merge on proof, `prior` for the odds before
    /// any evidence.
    pub field: String,
    pub weight: f64,
    pub text: String,
}

/// One merge in a member's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MergeRecord {
    pub id: i64,
    pub kept_member_id: i64,
    pub absorbed_member_id: i64,
    /// The name the absorbed member had.
    pub absorbed_name: String,
    pub merged_at: Millis,
    /// `proof` (automatic, on evidence a platform vouches for), `accepted` (a suggestion a
    /// person accepted) or `manual`.
    pub how: String,
    pub decided_by: String,
    pub reason: String,
    pub evidence: Vec<MergeFactor>,
    pub score: Option<f64>,
    pub undone_at: Option<Millis>,
}

/// Two members who may be one person, with the score and the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MergeSuggestion {
    pub a: MemberSummary,
    pub b: MemberSummary,
    /// The match weight: log₂ of the odds that they are one person.
    pub score: f64,
    /// The probability that they are one person, 0–1.
    pub probability: f64,
    pub reasons: Vec<MergeFactor>,
    pub skipped: bool,
}

/// What a person decided about a possible duplicate in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ReviewDecision {
    /// One person: merge them.
    Accept,
    /// Two people: never suggest them again.
    Reject,
    /// Not sure yet: show it after the others.
    Skip,
}

/// A decision made in review, with what undoing it needs: the suggestion as it was and the
/// merge an accept made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReviewStep {
    pub decision: ReviewDecision,
    pub a: i64,
    pub b: i64,
    pub merge_id: Option<i64>,
    pub at: Millis,
    pub score: f64,
    pub probability: f64,
    pub reasons: Vec<MergeFactor>,
    pub computed_at: Millis,
    pub skipped_at: Option<Millis>,
}

/// What working out who is who did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResolveReport {
    pub identities: u64,
    pub candidate_pairs: u64,
    pub merged_on_proof: u64,
    pub suggestions: u64,
}

/// A member's account on one platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct IdentityView {
    pub id: i64,
    pub platform: Platform,
    pub account_name: String,
    pub external_id: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub profile_url: Option<String>,
    pub avatar_url: Option<String>,
    pub first_seen_at: Option<Millis>,
}

/// One thing a member did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActivityView {
    pub id: i64,
    /// `message`, `conversation_started`, `joined`, …
    pub kind: String,
    pub platform: Platform,
    pub occurred_at: Millis,
    pub conversation_id: Option<i64>,
    pub conversation_title: Option<String>,
    pub message_id: Option<i64>,
    pub snippet: Option<String>,
}

/// A private note about a member, in Markdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Note {
    pub id: i64,
    pub member_id: i64,
    /// The Markdown as written.
    pub body: String,
    /// The Markdown rendered by the core and sanitised: formatting and http(s)/mailto links
    /// only; HTML typed in the note shows as text.
    pub html: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Shared with the team (issue 13); false, the default: it never leaves this laptop.
    pub shared: bool,
    /// The teammate who wrote it (None: written here).
    pub author: Option<String>,
}

/// How active a member has been.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberStats {
    pub messages_total: i64,
    pub messages_last_30_days: i64,
    pub messages_last_90_days: i64,
    pub conversations_started: i64,
}

/// Everything Hearth knows about one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberProfile {
    pub member: MemberSummary,
    pub bio: Option<String>,
    pub location: Option<String>,
    pub identities: Vec<IdentityView>,
    pub stats: MemberStats,
    /// Newest first, at most 100.
    pub activity: Vec<ActivityView>,
    /// Newest first.
    pub notes: Vec<Note>,
    /// The score, level, trend and flags, with what raised or lowered them.
    pub engagement: Engagement,
    /// Follow-ups not done yet, soonest first.
    pub reminders: Vec<Reminder>,
    /// The organisation they belong to, as its own record.
    pub org: Option<OrganizationRef>,
    /// Custom fields, by name.
    pub fields: Vec<MemberField>,
    /// The moderation log of their accounts, newest first (at most 200).
    pub moderation: Vec<ModAction>,
}

/// Who a conversation is with, as the pane beside its thread shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberCard {
    /// Name, organisation, platforms, tags, engagement, first seen and last active.
    pub member: MemberSummary,
    pub identities: Vec<IdentityView>,
    pub org: Option<OrganizationRef>,
    /// This conversation is the first place they wrote.
    pub first_conversation: bool,
    /// Their other conversations not done, newest activity first (at most five).
    pub open_conversations: Vec<ConversationRef>,
    /// The latest notes, newest first (at most three), and how many there are.
    pub notes: Vec<Note>,
    pub notes_total: i64,
    /// Follow-ups not done yet, soonest first.
    pub reminders: Vec<Reminder>,
}

/// A conversation named in a list elsewhere (a member's other open conversations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConversationRef {
    pub id: i64,
    pub platform: Platform,
    pub title: String,
    pub status: Status,
    pub last_message_at: Millis,
}

/// A custom field on a member ("Plan": "Pro").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberField {
    pub name: String,
    pub value: String,
}

/// An organisation named from a profile: enough to show it and link to its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrganizationRef {
    pub id: i64,
    pub name: String,
    /// `hand` when a person chose it; `None` when Hearth found it.
    pub set_by: Option<String>,
}

/// An organisation people belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrganizationSummary {
    pub id: i64,
    pub name: String,
    /// The name made comparable ("Acme, Inc." → `acme`).
    pub key: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    /// How Hearth learnt of it: `email`, `profile` or `manual`.
    pub source: String,
    /// Every email domain its people write from.
    pub domains: Vec<String>,
    pub member_count: i64,
    pub last_active_at: Option<Millis>,
}

/// One thing someone of an organisation did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrganizationActivity {
    pub member_id: i64,
    pub member_name: String,
    pub activity: ActivityView,
}

/// An organisation's page: its people and what they did lately.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrganizationDetail {
    pub org: OrganizationSummary,
    /// Most recently active first, at most 200.
    pub members: Vec<MemberSummary>,
    /// Newest first, at most 50.
    pub activity: Vec<OrganizationActivity>,
}

/// What forgetting a person removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ForgetReport {
    pub member_id: i64,
    pub display_name: String,
    /// Member records removed: the person and the members merged into them.
    pub members: i64,
    pub identities: i64,
    pub notes: i64,
    pub tags: i64,
    pub fields: i64,
    pub activity: i64,
    /// Their messages, now blank and shown as from "Deleted member".
    pub messages_blanked: i64,
    pub merges: i64,
    pub suggestions: i64,
    /// Rows of other tables that named them (reminders…).
    pub other: i64,
    /// Whether the database file could be rewritten without the space their data used (not
    /// while another Hearth is writing).
    pub file_rewritten: bool,
    /// Whether the write-ahead log could be emptied at once (`false` while another Hearth
    /// reads the file: the deleted text leaves it when that one closes).
    pub wal_cleared: bool,
}

/// What forgetting a person will remove, for the confirmation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ForgetPreview {
    pub member_id: i64,
    pub display_name: String,
    pub identities: Vec<String>,
    pub notes: i64,
    pub tags: i64,
    pub fields: i64,
    pub activity: i64,
    pub messages: i64,
}

/// A content calendar item's target: its text for one account (or, before one is connected,
/// one platform), and how publishing it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContentVariant {
    pub id: i64,
    pub platform: Platform,
    /// The account it goes out on; `None` for a platform not connected yet (it cannot be
    /// scheduled).
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    /// The channel, room, category or repository, where the account could post in several.
    pub channel: Option<String>,
    /// A title, where the platform's posts have one (a Discourse topic, a GitHub issue).
    pub title: Option<String>,
    pub body: String,
    /// The text is the item's main text until it is edited for this target.
    pub follows_main: bool,
    /// The platform's limit, for the editor's counter.
    pub char_limit: Option<u32>,
    pub status: TargetStatus,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// The post on the platform, once it is out.
    pub url: Option<String>,
    /// The outbox item carrying it, once it fell due.
    pub outbox_id: Option<i64>,
    /// Replies to the post that sync has brought in, and how many people wrote them.
    pub replies: u32,
    pub repliers: u32,
    /// Reactions (likes, favourites, emoji) and boosts (reposts, reblogs; `None` where the
    /// platform has none) the post got, as its platform last said; `None` until read.
    pub reactions: Option<u32>,
    pub boosts: Option<u32>,
    /// What keeps this text from going out on its platform, in words (empty: it can).
    pub problems: Vec<String>,
}

/// An image attached to a calendar item, posted with it where the platform takes images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CalendarImage {
    pub id: i64,
    pub item_id: i64,
    pub file_name: String,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
    pub mime: String,
    /// In bytes.
    pub size: u32,
    pub width: u32,
    pub height: u32,
    /// What it shows, in words, for people who cannot see it (required before it is posted).
    pub alt: String,
}

/// A comment on a calendar item, by someone on the team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CalendarComment {
    pub id: i64,
    pub item_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: Millis,
}

/// A planned post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CalendarItem {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub state: ContentState,
    pub scheduled_at: Option<Millis>,
    pub published_at: Option<Millis>,
    pub source_conversation_id: Option<i64>,
    pub variants: Vec<ContentVariant>,
    /// Its images, in the order they are posted (not read for the month view).
    pub images: Vec<CalendarImage>,
    /// Who approved it and when; cleared when it is changed afterwards.
    pub approved_at: Option<Millis>,
    pub approved_by: Option<String>,
    pub comments: u32,
    /// How it repeats (an RRULE: `FREQ=WEEKLY`), and the same in words ("every week").
    pub recurrence: Option<String>,
    pub repeats: Option<String>,
    /// The IANA time zone its time and repetition are read in.
    pub time_zone: Option<String>,
    /// The teammate whose Hearth publishes it (None: this one). Only the publisher's Hearth
    /// releases an item, so a post the team planned goes out once.
    pub publisher: Option<String>,
    /// A later occurrence of a repeating item, shown where it will fall: `id` is the
    /// repeating item's, and opening it opens that item.
    pub occurrence: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A time of the week an account posts at, for "add to the next free slot".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PostingSlot {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub platform: Platform,
    /// Monday is 0.
    pub weekday: u8,
    /// Minutes after midnight, in `time_zone`.
    pub minute: u16,
    pub time_zone: String,
    /// In words: "Tuesdays 10:00 (Europe/Berlin)".
    pub label: String,
}

/// What one `publish --due` (or the app's publisher) did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PublishReport {
    /// Targets of items that fell due, put in the outbox now.
    pub queued: u32,
    /// Items whose time passed beyond the grace window: marked missed, not sent.
    pub missed: Vec<String>,
    /// Posts sent, found already sent by an earlier attempt, still waiting (offline, rate
    /// limited, being sent by another Hearth), and refused by the platform.
    pub sent: u32,
    pub reconciled: u32,
    pub waiting: u32,
    pub failed: u32,
    /// Each problem in words, with its account.
    pub problems: Vec<String>,
    /// The accounts whose outbox was sent.
    pub accounts: Vec<i64>,
}

/// When to post on one platform (or on every platform), from when the community answered
/// threads started at each time of the week in the last `days` days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BestTimes {
    /// `None`: every platform together.
    pub platform: Option<Platform>,
    pub days: u32,
    /// Threads started in the period, and the messages written in them.
    pub threads: u64,
    pub messages: u64,
    /// Replies a thread got within a day of being started, on average.
    pub average_replies: f64,
    /// The best two-hour windows of the week (UTC), best first, none overlapping; empty when no
    /// time stands out or there is too little data.
    pub windows: Vec<BestWindow>,
    /// The answer in words, with the figures it rests on.
    pub summary: String,
    /// Each hour of the week (UTC, Monday 00:00 first): how its two-hour window compares with
    /// the average (1.0 = average), pulled toward 1.0 where data is thin. Empty when there is
    /// too little data.
    pub week: Vec<f64>,
}

/// What an iCalendar export of the calendar wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CalendarExportSummary {
    /// Dated items, one event each.
    pub events: u64,
    /// Ideas without a date, left out.
    pub undated: u64,
}

/// What importing an iCalendar file did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CalendarImportReport {
    /// Events in the file (a recurring one counts once).
    pub events: u64,
    /// Calendar items made, changed, and left as they were (one per occurrence).
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Events left out, each with its title and why: "Team sync: the time zone 'W. Europe
    /// Standard Time' is not one Hearth knows".
    pub skipped: Vec<String>,
}

/// A two-hour window of the week, in UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BestWindow {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// 0–23, UTC.
    pub hour: u8,
    /// Threads started in this window, and their replies within a day.
    pub threads: u64,
    pub replies: u64,
    /// Replies per thread, pulled toward the average where data is thin, as a multiple of the
    /// average.
    pub ratio: f64,
    /// The share of the period's messages written in this window.
    pub activity_share: f64,
    /// "Tuesdays 15:00–17:00 UTC: threads started then got 2.3× the average replies …"
    pub explanation: String,
}

/// What the calendar editor sends to create or change an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CalendarItemInput {
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub state: ContentState,
    #[serde(default)]
    pub scheduled_at: Option<Millis>,
    #[serde(default)]
    pub source_conversation_id: Option<i64>,
    #[serde(default)]
    pub variants: Vec<VariantInput>,
    /// How it repeats: an RRULE (`FREQ=WEEKLY;BYDAY=TH`) or a word (daily, weekly,
    /// fortnightly, monthly); `None` or empty: it does not.
    #[serde(default)]
    pub recurrence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VariantInput {
    pub platform: Platform,
    pub body: String,
    /// The account it goes out on (`None`: a platform not connected yet).
    #[serde(default)]
    pub account_id: Option<i64>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    /// The text follows the main text (it is taken from it when saved).
    #[serde(default)]
    pub follows_main: bool,
}

impl VariantInput {
    /// A platform's own text, on no account yet.
    pub fn new(platform: Platform, body: impl Into<String>) -> VariantInput {
        VariantInput {
            platform,
            body: body.into(),
            account_id: None,
            channel: None,
            title: None,
            follows_main: false,
        }
    }

    /// The text for `account`.
    pub fn on(mut self, account: i64) -> VariantInput {
        self.account_id = Some(account);
        self
    }
}

/// Which part of the calendar to list; both ends optional (inclusive from, exclusive to).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct CalendarRange {
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    /// Also list items with no date (ideas and undated drafts).
    pub include_unscheduled: bool,
    /// Leave out the texts and the targets, for a view that draws titles, states and times
    /// only (the month: 2,000 posts with their targets were 2 MB of JSON, ~50 ms to cross to
    /// WebKit); an item is read whole with `Store::calendar_item` when it is opened.
    pub brief: bool,
}

/// What a search hit points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum HitKind {
    Message,
    Note,
}

/// A full-text search hit. `snippet` is plain text in which the matched words are wrapped in
/// `\u{2}` … `\u{3}` markers (never HTML), so the UI can highlight without rendering markup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SearchHit {
    pub kind: HitKind,
    pub message_id: Option<i64>,
    pub note_id: Option<i64>,
    pub conversation_id: Option<i64>,
    pub member_id: Option<i64>,
    pub platform: Option<Platform>,
    /// The conversation title, or the member's name for a note.
    pub title: String,
    pub author_name: Option<String>,
    pub snippet: String,
    pub created_at: Millis,
}

/// A search's answer: the best hits first, the filters it understood, and whether the ranking
/// looked at every match or only the newest ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Each filter the query asked for, in words ("on GitHub", "from Ana Souza", "after 1 Oct
    /// 2026"), so the person sees how their `on:`/`from:`/`after:` words were read.
    pub filters: Vec<String>,
    /// Set when a common word matched more messages than are ranked: the hits are the best of
    /// the newest this many matches. A rarer word or a filter reaches older ones.
    pub ranked_among: Option<u32>,
    /// A filter word Hearth could not read ("on:myspace is not a platform …"); nothing is
    /// searched until it is fixed.
    pub problem: Option<String>,
}

/// What the app shows before anything else: where the data lives and whether it is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceStatus {
    pub db_path: String,
    pub schema_version: i64,
    pub is_empty: bool,
    pub accounts: i64,
}

/// How much the workspace holds. Counting a million messages takes a tenth of a second, so the
/// first screen does not wait for it: Settings → Data and `hearth status` ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceTotals {
    pub members: i64,
    pub conversations: i64,
    pub messages: i64,
}

/// One backup of the database, as Settings → Data lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BackupInfo {
    pub path: String,
    pub file_name: String,
    /// When the backup was taken (the time in its name).
    pub created_at: Millis,
    pub bytes: u64,
}

/// Help → About Hearth: which Hearth this is and the database it is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AboutHearth {
    /// The release, as `hearth --version` gives it.
    pub version: String,
    /// The database schema this build reads and writes.
    pub schema_version: i64,
    /// The database the app is on (none when it could not be opened), and its schema.
    pub db_path: Option<String>,
    pub db_schema_version: Option<i64>,
}

/// Settings → Data: where everything lives, the backups kept, and the demo community if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DataOverview {
    pub db_path: String,
    /// The folder holding the database and its `backups/` folder.
    pub data_folder: String,
    /// Newest first.
    pub backups: Vec<BackupInfo>,
    /// How many daily backups are kept (older ones are deleted).
    pub keep_backups: u32,
    /// The demo community's sample accounts still in the workspace.
    pub demo_accounts: i64,
    pub totals: WorkspaceTotals,
}

/// What one file of an export holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportedFile {
    pub name: String,
    pub rows: u64,
}

/// How an export went: where it is and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportSummary {
    pub dir: String,
    pub schema_version: i64,
    pub files: Vec<ExportedFile>,
}

/// What removing the demo community took away (everything else stays).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DemoRemoval {
    pub accounts: i64,
    pub members: i64,
    pub conversations: i64,
    pub messages: i64,
    pub notes: i64,
    pub calendar_items: i64,
}

/// Options for the demo community generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct DemoOptions {
    pub members: u32,
    pub messages: u32,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            members: 400,
            messages: 6000,
            seed: 7,
        }
    }
}

/// Progress of a long job, for a bar in the CLI and the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Progress {
    /// What is happening, in words: "Writing messages".
    pub phase: String,
    pub done: u64,
    pub total: u64,
}

/// A connected platform account as Settings → Accounts shows it. Never carries the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountView {
    pub id: i64,
    pub platform: Platform,
    pub name: String,
    /// The server or API root, when the platform is not a single site.
    pub base_url: Option<String>,
    /// What is synced: a guild id, `owner/repo`s, room ids, hashtags…
    pub scopes: Vec<String>,
    /// Who the token authenticates as, once tested.
    pub self_handle: Option<String>,
    pub last_sync_at: Option<Millis>,
    pub last_attempt_at: Option<Millis>,
    /// The last sync's problem in words, `None` when it went well.
    pub last_error: Option<String>,
    pub last_error_kind: Option<SyncErrorKind>,
    /// One of the demo community's accounts: sample data, never synced.
    pub demo: bool,
    /// Records this account's platform sent that Hearth could not read (kept aside with their
    /// payload; `hearth sync --retry-quarantined` tries them again after an upgrade).
    pub quarantined: i64,
    /// What the account's status says of them: "1 Discord message could not be read: …".
    pub quarantine_note: Option<String>,
}

/// A new account, or changes to one. `token` is written to the OS keyring, never stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountInput {
    pub platform: Platform,
    pub name: String,
    pub base_url: Option<String>,
    pub scopes: Vec<String>,
    /// Leave empty when editing to keep the stored token.
    pub token: Option<String>,
}

/// Why the last sync of an account failed, so the UI can say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SyncErrorKind {
    /// Will be retried on the next sync (rate limit, server trouble, dropped connection).
    Transient,
    /// No network.
    Offline,
    /// The token was rejected: update it.
    Auth,
    /// Settings or permissions need changing.
    Permanent,
    /// The keyring is missing or locked.
    Keyring,
}

/// What connecting an account of a platform takes, for the "Add account" form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlatformSpec {
    pub platform: Platform,
    /// The API root used when the user gives none; `None` = the user must give their server.
    pub default_base_url: Option<String>,
    pub base_url_example: String,
    pub scopes_required: bool,
    /// What the scopes are, in words.
    pub scope_help: String,
    /// Where the token comes from, in words.
    pub token_help: String,
}

/// The result of "Test connection".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionCheck {
    pub external_id: String,
    pub handle: String,
    pub display_name: Option<String>,
}

/// Live sync progress for one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncProgress {
    pub account_id: i64,
    pub account_name: String,
    pub platform: Platform,
    pub state: SyncState,
    /// In words: "#general", "Discord asks us to wait 12 s", "Discord rejected the token…".
    pub detail: String,
    pub pages: u64,
    pub messages_added: u64,
    pub messages_updated: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SyncState {
    Syncing,
    Waiting,
    Done,
    Failed,
    Offline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Failed,
}

/// A reply or post waiting in (or sent from) the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutboxItem {
    pub id: i64,
    pub account_id: i64,
    pub platform: Platform,
    pub conversation_id: Option<i64>,
    pub conversation_title: Option<String>,
    pub kind: String,
    pub body: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
    pub url: Option<String>,
    /// Sent later: not before this time (None: on the next sync).
    pub send_after: Option<Millis>,
}

/// What the desktop shows as a notification: a mention of the account or a direct message
/// (or, when several came at once, one notice that counts them: no conversation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Notice {
    pub conversation_id: Option<i64>,
    pub platform: Option<Platform>,
    pub title: String,
    /// Plain text, never HTML.
    pub body: String,
}

/// The person's notification choices (Settings → Inbox).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotifySettings {
    pub enabled: bool,
    pub muted_platforms: Vec<Platform>,
    /// Quiet hours, local times of day ("22:00" to "08:00"); none when unset.
    pub quiet_from: Option<String>,
    pub quiet_to: Option<String>,
}

/// Whether the desktop takes notifications, as the app found it when asked: Settings says so
/// beside the choices, so "on" never quietly means nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotifyService {
    /// The notification service's name and version ("GNOME Shell 46.0"); none without one.
    pub name: Option<String>,
    /// What went wrong, in words, when there is no service or it refused.
    pub problem: Option<String>,
}

/// An error as it crosses into the UI: the UI switches on `code`, shows `message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    NotFound,
    InvalidInput,
    Database,
    DatabaseTooNew,
    NotADatabase,
    Io,
    Busy,
    /// The database file is damaged: `hearth doctor` checks it and recovers what is readable.
    Damaged,
    /// The disk is full: nothing was saved, nothing already saved was lost.
    DiskFull,
    /// No database where one was expected.
    NoDatabase,
    /// The OS keyring is missing, locked or refused.
    Keyring,
    /// A platform refused or failed; the message says what to do.
    Platform,
}

/// One column of a members file, as Hearth reads it before importing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CsvColumn {
    /// The header as written in the file.
    pub header: String,
    /// What the column becomes: `email`, `name`, `first_name`, `last_name`, `handle`,
    /// `organization`, `location`, `github`, `twitter`, `mastodon`, `website`, `bio`,
    /// `field:NAME` (a custom field) or `skip`.
    pub detected_field: String,
    /// The first few non-empty values.
    pub samples: Vec<String>,
}

/// A row of a members file that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportProblem {
    /// The line of the file the row starts on (counting lines inside quoted cells).
    pub line: u64,
    /// Why, in words: "'maria@' is not an email address".
    pub reason: String,
}

/// What a members file holds, read without writing anything: how each column maps, the
/// delimiter and encoding found, and the rows that would be refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CsvPreview {
    pub columns: Vec<CsvColumn>,
    /// `,`, `;`, `\t` or `|`.
    pub delimiter: String,
    /// `UTF-8`, `UTF-8 with BOM`, `UTF-16` or `Windows-1252`.
    pub encoding: String,
    /// Data rows (the header aside, blank lines skipped).
    pub rows: u64,
    /// Rows that can be imported.
    pub good_rows: u64,
    pub problems: Vec<ImportProblem>,
    /// Why nothing can be imported as the columns are mapped ("no column is an email or a
    /// name"), to be fixed by mapping a column.
    pub blocked: Option<String>,
}

/// How to import a members file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberImportOptions {
    /// The list the rows belong to (default: the file's name without extension).
    pub list: Option<String>,
    /// Columns mapped by hand: (header, field), overriding what was detected.
    pub map: Vec<(String, String)>,
}

/// What importing a members file did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemberImportReport {
    /// The list the rows went into (an "Imported list" account).
    pub list: String,
    pub encoding: String,
    pub delimiter: String,
    /// Rows read (the header aside).
    pub rows: u64,
    /// People new to the list.
    pub new: u64,
    /// People already on the list whose row changed.
    pub updated: u64,
    /// People already on the list exactly as the file says.
    pub unchanged: u64,
    /// Rows not imported, with their line and why.
    pub problems: Vec<ImportProblem>,
    /// Members merged because the rows proved them one person (never, for a list alone).
    pub merged_on_proof: u64,
    /// Possible duplicates waiting for review that involve someone on the list.
    pub suggestions: u64,
}

/// One member as `hearth export members` writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportedMember {
    pub id: i64,
    pub name: String,
    pub organization: Option<String>,
    pub location: Option<String>,
    pub bio: Option<String>,
    pub first_seen_at: Option<Millis>,
    pub last_active_at: Option<Millis>,
    pub message_count: i64,
    pub identities: Vec<ExportedIdentity>,
    pub tags: Vec<String>,
    /// Custom fields, by name.
    pub fields: std::collections::BTreeMap<String, String>,
    pub notes: Vec<ExportedNote>,
}

/// One identity of an exported member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportedIdentity {
    pub platform: Platform,
    /// The account (or imported list) it came through.
    pub account: String,
    pub external_id: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub profile_url: Option<String>,
}

/// One note of an exported member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportedNote {
    pub created_at: Millis,
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::Platform;

    /// The UI's platform table (`ui/src/lib/platforms.ts`) repeats the post limits so the
    /// editor can count before anything is saved, and which platforms Hearth publishes to so
    /// the target picker offers only those; this keeps the two from drifting apart.
    #[test]
    fn the_ui_platform_table_matches_the_core_post_limits_and_publishing() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/platforms.ts");
        let ts = std::fs::read_to_string(path).expect("ui/src/lib/platforms.ts is readable");
        for p in Platform::ALL {
            let line = ts
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{}: {{", p.as_str())))
                .unwrap_or_else(|| panic!("{p} is missing from platforms.ts"));
            assert!(line.contains(&format!("label: '{}'", p.label())), "{line}");
            let limit = line
                .split("postLimit: ")
                .nth(1)
                .and_then(|rest| rest.split([' ', ',', '}']).next())
                .map(|n| n.replace('_', ""))
                .unwrap_or_default();
            let expected = p.post_limit().map_or("null".to_string(), |n| n.to_string());
            assert_eq!(limit, expected, "post limit of {p} in platforms.ts");
            let publishes = crate::calendar::rules::can_publish(p);
            assert!(
                line.contains(&format!("publishes: {publishes}")),
                "{p} publishes: {publishes} in platforms.ts: {line}"
            );
        }
    }
}

/// What the health dashboard and `hearth metrics` ask for: a period (default: the 30 days up
/// to now) and, if wanted, one platform.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct MetricsQuery {
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    pub platform: Option<Platform>,
}

/// The community's health over a period, beside the period of the same length before it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Metrics {
    pub from: Millis,
    pub to: Millis,
    pub platform: Option<Platform>,
    pub current: PeriodFigures,
    pub previous: PeriodFigures,
    /// Day by day (UTC), oldest first.
    pub days: Vec<DayFigures>,
    /// The period before, day by day (as many days), to compare with.
    pub previous_days: Vec<DayFigures>,
    /// Members active in each week (Monday to Sunday, UTC) and calendar month the period
    /// touches, each counted once however often and wherever they wrote.
    pub weeks: Vec<Bucket>,
    /// The same for the period before, to compare with.
    pub previous_weeks: Vec<Bucket>,
    pub months: Vec<Bucket>,
    /// Response times per platform, and per channel (the 10 with the most questions); per
    /// inbox view in `Store::response_by_view`.
    pub by_platform: Vec<ResponseFigures>,
    pub by_channel: Vec<ResponseFigures>,
    /// The 10 channels with the most messages.
    pub top_channels: Vec<ChannelFigures>,
    /// The 10 members who wrote the most, with where.
    pub top_contributors: Vec<Contributor>,
    /// Retention: members by the month of their first message, the six months up to the
    /// period's last, oldest first.
    pub cohorts: Vec<Cohort>,
    /// The members who helped others most in the period (advocates to thank), most first.
    pub helpers: Vec<Helper>,
}

/// A member who answers others' questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Helper {
    pub member_id: i64,
    pub name: String,
    /// Questions of the period they answered before anyone else (the team included).
    pub first_answers: u32,
    /// Of those, the ones whose asker came back after the answer (a thank-you, a follow-up).
    pub thanked: u32,
    /// Their answers to others' questions of the period, first or not.
    pub answers: u32,
    /// Their messages of the period with a web link in them: content shared.
    pub shared: u32,
}

/// A chart of the Dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum HealthChart {
    /// Active and new members, day by day.
    ActiveMembers,
    /// Members' messages, day by day.
    Messages,
    /// Mean sentiment, day by day.
    Sentiment,
    /// Members active each week.
    MembersPerWeek,
    /// Retention by monthly cohort.
    Cohorts,
}

/// The members whose first message is in one month, and how many of them wrote in it and in
/// each month after it, up to the period's last month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Cohort {
    /// The first of the month, midnight UTC.
    pub month: Millis,
    pub members: u32,
    /// `active[k]`: of them, those who wrote in the k-th month after (0: the month itself,
    /// all of them but those whose only messages were deleted since).
    pub active: Vec<u32>,
}

/// The headline figures of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PeriodFigures {
    /// Members (people, not accounts; the team left out) who wrote in the period.
    pub active_members: u32,
    /// Of them: writing for the first time; and having written before the period.
    pub new_members: u32,
    pub returning_members: u32,
    /// Active in the period before and silent in this one.
    pub going_quiet: u32,
    /// New in the period with at least three messages in it.
    pub new_and_active: u32,
    pub messages: u32,
    /// Questions asked by members, how many got an answer from someone else, and how many
    /// of those the asker came back to (wrote again after the first answer).
    pub questions: u32,
    pub answered: u32,
    pub acknowledged: u32,
    /// Answers per question, and people per question's thread (the asker included).
    pub replies_per_question: Option<f64>,
    pub participants_per_thread: Option<f64>,
    /// Time to the first answer by someone other than the asker, in milliseconds: median and
    /// 90th percentile; the median when the team answered first, and when a member did.
    pub first_reply_median: Option<Millis>,
    pub first_reply_p90: Option<Millis>,
    pub team_first_reply_median: Option<Millis>,
    pub community_first_reply_median: Option<Millis>,
    /// Questions old enough to tell (asked a day or more before the period's end) and, of
    /// them, those without an answer within a day.
    pub questions_a_day_old: u32,
    pub unanswered_after_a_day: u32,
    /// The mean sentiment of members' messages (−1 to 1).
    pub sentiment: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DayFigures {
    /// Midnight UTC.
    pub day: Millis,
    pub active_members: u32,
    pub new_members: u32,
    pub messages: u32,
    pub sentiment: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Bucket {
    pub start: Millis,
    pub value: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResponseFigures {
    pub platform: Option<Platform>,
    /// The channel, category or repository; `None` for a platform's whole.
    pub channel: Option<String>,
    /// The inbox view's name, for a view's figures.
    pub view: Option<String>,
    /// A view's reply-time target, and its questions first answered within it.
    pub reply_target: Option<Millis>,
    pub within_target: u32,
    pub questions: u32,
    pub answered: u32,
    pub first_reply_median: Option<Millis>,
    pub first_reply_p90: Option<Millis>,
    pub questions_a_day_old: u32,
    pub unanswered_after_a_day: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChannelFigures {
    pub platform: Platform,
    pub channel: String,
    pub messages: u32,
    pub members: u32,
    pub sentiment: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Contributor {
    pub member_id: i64,
    pub name: String,
    pub messages: u32,
    /// Questions asked, answers given to others' questions, and other messages.
    pub questions: u32,
    pub answers: u32,
    /// Messages per platform, most first.
    pub platforms: Vec<(Platform, u32)>,
}

/// What a moderation rule looks for in a new message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ModRuleKind {
    /// Any of the words in `pattern` (separated by commas or lines), as whole words, any case.
    Keywords,
    /// The regular expression in `pattern`, any case.
    Regex,
    /// A link from a member who first wrote less than a week before.
    NewMemberLink,
    /// A message mostly in capitals (at least 12 letters, four in five of them capitals).
    AllCaps,
    /// The same text from the same person `threshold` times (3 if none) within ten minutes.
    Repeated,
    /// `threshold` mentions of people or more (5 if none) in one message.
    MassMentions,
    /// A message whose sentiment is `threshold` or lower (−0.6 if none).
    Negative,
}

impl ModRuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModRuleKind::Keywords => "keywords",
            ModRuleKind::Regex => "regex",
            ModRuleKind::NewMemberLink => "new_member_link",
            ModRuleKind::AllCaps => "all_caps",
            ModRuleKind::Repeated => "repeated",
            ModRuleKind::MassMentions => "mass_mentions",
            ModRuleKind::Negative => "negative",
        }
    }

    pub const ALL: [ModRuleKind; 7] = [
        ModRuleKind::Keywords,
        ModRuleKind::Regex,
        ModRuleKind::NewMemberLink,
        ModRuleKind::AllCaps,
        ModRuleKind::Repeated,
        ModRuleKind::MassMentions,
        ModRuleKind::Negative,
    ];
}

impl std::str::FromStr for ModRuleKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let s = s.trim().to_lowercase().replace('-', "_");
        ModRuleKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a kind of rule: use one of {}",
                    ModRuleKind::ALL
                        .map(|k| k.as_str().replace('_', "-"))
                        .join(", ")
                )
            })
    }
}

/// A moderation rule as it is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModRuleInput {
    pub name: String,
    pub kind: ModRuleKind,
    /// The words or the regular expression (keywords and regex rules).
    pub pattern: Option<String>,
    /// How many (repeated, mass mentions) or how low (negative).
    pub threshold: Option<f64>,
    /// Which of the guidelines it upholds, in the guidelines' words.
    pub guideline: Option<String>,
}

/// A moderation rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModRule {
    pub id: i64,
    pub name: String,
    pub kind: ModRuleKind,
    pub pattern: Option<String>,
    pub threshold: Option<f64>,
    pub guideline: Option<String>,
    pub enabled: bool,
    /// Messages it flagged, and of them those dismissed as false flags.
    pub flagged: u32,
    pub dismissed: u32,
}

/// A message a rule flagged, for the Moderation view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModFlag {
    pub id: i64,
    pub message_id: i64,
    pub conversation_id: i64,
    pub rule_id: i64,
    pub rule: String,
    pub guideline: Option<String>,
    /// What matched, in words: "the keyword 'scam'", "9 mentions".
    pub matched: String,
    /// The message around what matched (plain text, at most 200 characters).
    pub excerpt: String,
    pub platform: Platform,
    pub channel: Option<String>,
    pub author: String,
    pub member_id: i64,
    pub written_at: Millis,
    pub url: Option<String>,
    pub flagged_at: Millis,
    /// "open", "dismissed" (a false flag) or "actioned".
    pub status: String,
}

/// What a moderator does about a message or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ModActionKind {
    /// Tell them which guideline they broke (a reply in the conversation, if written).
    Warn,
    /// Hide the message from others (Discourse).
    Hide,
    /// Delete the message (Matrix redaction, Discord, Discourse, Slack).
    Delete,
    /// Stop them writing for a while (Discord timeout, Discourse silence).
    Timeout,
    /// Remove them from the room or server; they may come back (Matrix, Discord).
    Kick,
    /// Remove them and keep them out (Matrix, Discord, Discourse suspension).
    Ban,
}

impl ModActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModActionKind::Warn => "warn",
            ModActionKind::Hide => "hide",
            ModActionKind::Delete => "delete",
            ModActionKind::Timeout => "timeout",
            ModActionKind::Kick => "kick",
            ModActionKind::Ban => "ban",
        }
    }

    /// The action in words, as a log line starts: "Deleted the message".
    pub fn done_words(self) -> &'static str {
        match self {
            ModActionKind::Warn => "Warned",
            ModActionKind::Hide => "Hid the message",
            ModActionKind::Delete => "Deleted the message",
            ModActionKind::Timeout => "Timed out",
            ModActionKind::Kick => "Kicked",
            ModActionKind::Ban => "Banned",
        }
    }

    /// Whether the action is about one message (and so needs one).
    pub fn on_message(self) -> bool {
        matches!(self, ModActionKind::Hide | ModActionKind::Delete)
    }

    pub const ALL: [ModActionKind; 6] = [
        ModActionKind::Warn,
        ModActionKind::Hide,
        ModActionKind::Delete,
        ModActionKind::Timeout,
        ModActionKind::Kick,
        ModActionKind::Ban,
    ];
}

impl std::str::FromStr for ModActionKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let s = s.trim().to_lowercase();
        let s = match s.as_str() {
            "redact" | "remove" => "delete",
            "mute" | "silence" | "time-out" => "timeout",
            "suspend" => "ban",
            other => other,
        };
        ModActionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a moderation action: use one of {}",
                    ModActionKind::ALL.map(|k| k.as_str()).join(", ")
                )
            })
    }
}

/// A moderation action to take, as the moderator chose it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModActionInput {
    /// A flag being acted on: its message, and every open flag on it, are settled.
    #[serde(default)]
    pub flag_id: Option<i64>,
    /// The message acted on (taken from the flag when there is one).
    #[serde(default)]
    pub message_id: Option<i64>,
    /// The account acted on when there is no message (a ban from a member's profile).
    #[serde(default)]
    pub identity_id: Option<i64>,
    pub action: Option<ModActionKind>,
    pub reason: String,
    #[serde(default)]
    pub guideline: Option<String>,
    /// How long a timeout lasts, in minutes (a day when not given; Discord allows 28 days).
    #[serde(default)]
    pub minutes: Option<i64>,
    /// A warning's words, sent as a reply in the conversation (nothing is sent without it).
    #[serde(default)]
    pub message: Option<String>,
    /// Record it as done by hand even where Hearth could carry it out.
    #[serde(default)]
    pub by_hand: bool,
}

/// One line of the moderation log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModAction {
    pub id: i64,
    pub action: ModActionKind,
    /// The member it was about (after merges), their name, and the account acted on.
    pub member_id: i64,
    pub member: String,
    pub identity_id: i64,
    pub handle: String,
    pub platform: Platform,
    pub account_id: i64,
    pub message_id: Option<i64>,
    pub conversation_id: Option<i64>,
    pub flag_id: Option<i64>,
    pub reason: String,
    pub guideline: Option<String>,
    /// Who took it (the name in Settings, "me.name").
    pub by: String,
    /// When a timeout ends.
    pub until: Option<Millis>,
    /// "platform": Hearth carries it out through the outbox; "hand": recorded as done by the
    /// moderator.
    pub how: String,
    /// "queued" (in the outbox), "done" or "failed" (the platform refused: `error` says why).
    pub state: String,
    pub error: Option<String>,
    /// The message as it read when the action was taken (plain text, shortened).
    pub excerpt: Option<String>,
    pub link: Option<String>,
    pub created_at: Millis,
    pub done_at: Option<Millis>,
    /// The outbox item carrying it out.
    pub outbox_id: Option<i64>,
}

/// Which actions Hearth can carry out on a message's platform, and which are recorded by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModActionChoice {
    pub action: ModActionKind,
    /// Hearth does it on the platform, through the outbox.
    pub on_platform: bool,
    /// What will happen, in words ("Redacts the event in the room").
    pub how: String,
}

/// A feedback theme: feedback conversations that share its terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FeedbackTheme {
    pub id: i64,
    pub name: String,
    /// The terms that define it, most telling first: a new feedback conversation with one of
    /// them joins it.
    pub terms: Vec<String>,
    pub named_by_hand: bool,
    /// Conversations in it, and of which kind.
    pub count: i64,
    pub bugs: i64,
    pub requests: i64,
    pub praise: i64,
    pub questions: i64,
    /// Opened in the last 30 days, and in the 30 before.
    pub last_30_days: i64,
    pub previous_30_days: i64,
    /// Opened per week, the last 12 weeks, oldest first (the last one ends now).
    pub weeks: Vec<i64>,
    /// The people who raised it (who opened its conversations; the team left out), most
    /// involved first: at most ten, of `member_count`.
    pub members: Vec<ThemeMember>,
    pub member_count: i64,
    pub latest_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThemeMember {
    pub member_id: i64,
    pub name: String,
    /// Conversations of the theme they opened.
    pub conversations: i64,
}

/// One feedback conversation in a theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThemeItem {
    pub conversation_id: i64,
    pub title: String,
    pub platform: Platform,
    /// "bug", "feature request", "praise", "question" or "feedback".
    pub kind: String,
    pub author: String,
    pub member_id: Option<i64>,
    pub opened_at: Millis,
    pub url: Option<String>,
    /// The opening message (plain text, shortened).
    pub excerpt: String,
    /// Put in this theme by a person: the grouping never moves it.
    pub by_hand: bool,
}

/// A theme with its conversations, and the terms it could be split by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FeedbackThemeDetail {
    pub theme: FeedbackTheme,
    /// Newest first.
    pub items: Vec<ThemeItem>,
    /// Terms some (not all) of its conversations share, with how many: splitting by one makes
    /// those a theme of their own.
    pub split_terms: Vec<TermCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TermCount {
    pub term: String,
    pub count: i64,
}

/// Every theme, biggest first, and the feedback no theme holds yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FeedbackOverview {
    pub themes: Vec<FeedbackTheme>,
    /// Feedback conversations in all.
    pub total: i64,
    /// Those that share too little with the rest to make a theme yet.
    pub unthemed: i64,
}

/// The team this workspace shares triage with (issue 13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamInfo {
    pub relay_url: String,
    pub workspace_doc: String,
    /// This manager's name, as teammates see it.
    pub me: String,
    pub joined_at: Millis,
    pub last_synced_at: Option<Millis>,
    /// Conversations and shared notes changed here that the team has not had yet.
    pub waiting: i64,
    /// Everyone on the team (this manager too) and when each last synced, as far as the team's
    /// document knows (written at most every ten minutes), most recent first.
    pub teammates: Vec<Teammate>,
}

/// A teammate around right now (presence: ephemeral, never stored), event `hearth://presence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamPresence {
    pub name: String,
    /// `online` (the app is open), `viewing` or `replying`.
    pub doing: String,
    /// The conversation here they are viewing or replying to (None: online only, or one not
    /// synced here).
    pub conversation_id: Option<i64>,
}

/// A manager on the team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Teammate {
    pub name: String,
    pub last_synced_at: Option<Millis>,
}

/// What one sync with the team did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamSyncReport {
    /// Conversations whose triage this sync shared with the team.
    pub sent: usize,
    /// Conversations whose triage a teammate changed, now changed here.
    pub applied: usize,
    /// Teammates' conversations this workspace does not have (not synced from the platform
    /// here, or on an account not connected here).
    pub not_here: usize,
    /// Fields two managers set differently while apart.
    pub conflicts: usize,
    /// Shared notes written, edited or taken back here that this sync shared.
    pub notes_sent: usize,
    /// Teammates' shared notes new or changed here.
    pub notes_received: usize,
    /// Shared set-up (team list, canned replies, views, segments, rules) changed here that
    /// this sync shared.
    pub records_sent: usize,
    /// Teammates' set-up records added, changed or removed here.
    pub records_received: usize,
    /// Members whose tags or custom fields changed here that this sync shared.
    pub members_sent: usize,
    /// Members whose tags or custom fields teammates changed, now changed here.
    pub members_received: usize,
    /// Decisions on who is who (merges, members told apart) made here that this sync shared.
    pub decisions_sent: usize,
    /// Teammates' decisions on who is who carried out here.
    pub decisions_received: usize,
    /// Calendar items made, changed or deleted here that this sync shared.
    pub items_sent: usize,
    /// Teammates' calendar items new, changed or deleted here.
    pub items_received: usize,
}

/// A value a teammate gave a conversation's field while apart, that the team's document set
/// aside for the one the conversation shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamConflict {
    /// `status`, `assignee`, `priority`, `snoozed_until` or `by`.
    pub field: String,
    /// The other value, in words.
    pub other: String,
}

/// The team sync's state, as the app's sidebar shows it (event `hearth://team`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamSyncState {
    /// The team (None: this workspace shares nothing).
    pub team: Option<TeamInfo>,
    /// `idle` (no team), `syncing`, `synced`, `offline` or `failed`.
    pub state: String,
    /// What went wrong, in words (offline, refused, the disk).
    pub message: Option<String>,
    /// What the last sync did.
    pub report: Option<TeamSyncReport>,
}
