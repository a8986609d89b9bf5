//! The vocabulary every floor above speaks about platforms, importing nothing of the store: the
//! [`Connector`] trait each platform implements and its types ([`Page`], [`Cursors`],
//! [`Outgoing`], [`Sent`], [`ConnectorError`]), the records a page brings ([`batch`]), and the
//! shared [`http`] client that turns HTTP trouble into [`ConnectorError`]s.
//! Must never: touch the database, or let a token reach an error or a label.
//!
//! A connector is a state machine over its account's cursors: the engine hands it the saved
//! cursors, it fetches one page and returns the records plus the cursor changes that page
//! covers, and the engine writes both in one transaction. Everything a connector needs to
//! resume lives in those cursors, so a process killed between pages resumes where it stopped.

pub mod batch;
pub mod http;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

use crate::model::Platform;
use batch::Batch;

pub use http::Http;

/// The saved cursors of one account: resource name → the platform's position in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursors(pub BTreeMap<String, String>);

impl Cursors {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Cursors whose names start with `prefix`, with the prefix removed.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(move |(k, v)| (&k[prefix.len()..], v.as_str()))
    }

    /// Applies a page's cursor changes (the engine does this after the page is committed).
    pub fn apply(&mut self, changes: &[CursorChange]) {
        for c in changes {
            match &c.value {
                Some(v) => self.0.insert(c.key.clone(), v.clone()),
                None => self.0.remove(&c.key),
            };
        }
    }
}

/// Set (`Some`) or clear (`None`) one cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorChange {
    pub key: String,
    pub value: Option<String>,
}

impl CursorChange {
    pub fn set(key: impl Into<String>, value: impl Into<String>) -> Self {
        CursorChange {
            key: key.into(),
            value: Some(value.into()),
        }
    }

    pub fn clear(key: impl Into<String>) -> Self {
        CursorChange {
            key: key.into(),
            value: None,
        }
    }
}

/// One page of a sync: the records it brought and the cursor changes that cover them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub batch: Batch,
    pub cursors: Vec<CursorChange>,
    /// Whether the run has more to fetch. `false` ends this sync run.
    pub more: bool,
    /// What was being read, for the progress line ("#general", "owner/repo issues").
    pub label: String,
}

/// Who a token authenticates as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub external_id: String,
    pub handle: String,
    pub display_name: Option<String>,
}

/// An image sent with a post, and what it shows in words.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
    pub mime: String,
    pub bytes: std::sync::Arc<[u8]>,
    /// The alt text (Mastodon's description, Discord's and Bluesky's alt, Matrix's body).
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

impl Attachment {
    /// The image as a file part of a multipart form.
    pub fn part(&self) -> Result<reqwest::multipart::Part, ConnectorError> {
        reqwest::multipart::Part::bytes(self.bytes.to_vec())
            .file_name(self.file_name.clone())
            .mime_str(&self.mime)
            .map_err(|_| {
                ConnectorError::Config(format!("{} has no usable image type", self.file_name))
            })
    }
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("file_name", &self.file_name)
            .field("mime", &self.mime)
            .field("bytes", &self.bytes.len())
            .field("alt", &self.alt)
            .finish()
    }
}

/// A reply or post to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    /// Hearth's key for this item: sent as the platform's idempotency key where it has one.
    pub idempotency_key: String,
    pub body: String,
    /// The conversation replied in (`None` for a new post).
    pub conversation_external_id: Option<String>,
    /// The message being answered, when the platform threads replies to a message.
    pub reply_to_external_id: Option<String>,
    /// Title for platforms whose new posts have one (Discourse topics, GitHub discussions).
    pub title: Option<String>,
    /// When the attempt whose outcome is unknown began (set when the outbox reconciles).
    /// [`sent_after`] uses it so an earlier message with the same text is not taken for it.
    pub attempted_at: Option<crate::model::Millis>,
    /// Where a new post goes when the account could post in several places: a channel id
    /// (Discord, Slack), a room id (Matrix), a category id (Discourse), `owner/repo` (GitHub:
    /// an issue) or `owner/repo/discussions/Category` (a discussion). `None`: the first the
    /// account lists.
    pub channel: Option<String>,
    /// Images posted with it, in order (calendar posts; a platform that takes none refuses).
    pub images: Vec<Attachment>,
}

/// A moderation action to carry out on the platform (the outbox's `moderate` items). Every
/// one is idempotent: carried out again, it leaves the platform as once did, and a platform
/// that says it is already so (the message is gone, they are already banned) counts as done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moderation {
    pub action: crate::model::ModActionKind,
    /// Hearth's key for the item (Matrix's redaction transaction id).
    pub idempotency_key: String,
    /// The room, channel, thread or topic.
    pub conversation_external_id: Option<String>,
    /// The message, for hiding and deleting.
    pub message_external_id: Option<String>,
    /// The account acted on.
    pub user_external_id: String,
    /// The message's link (Discord's names its server).
    pub message_url: Option<String>,
    /// Why, as the platform's audit log keeps it.
    pub reason: String,
    /// When a timeout ends.
    pub until: Option<crate::model::Millis>,
}

/// How far the platform's clock may be from ours when matching a sent message by time.
const CLOCK_SKEW: crate::model::Millis = 5 * 60_000;

/// Whether a message created at `created_at` (by the platform's clock) could be the result of
/// `item`'s last attempt: not if it is clearly older than the attempt. Unknown times match.
pub fn sent_after(item: &Outgoing, created_at: Option<crate::model::Millis>) -> bool {
    match (item.attempted_at, created_at) {
        (Some(attempt), Some(created)) => created >= attempt - CLOCK_SKEW,
        _ => true,
    }
}

/// What the platform made of a sent item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub external_id: String,
    pub url: Option<String>,
}

/// One of our posts on a platform, to read its engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRef {
    /// What [`Sent::external_id`] said.
    pub external_id: String,
    /// The channel, room, category or repository it went to, when one was chosen.
    pub channel: Option<String>,
}

/// How people answered a post besides replying: reactions (likes, favourites, emoji) and,
/// where the platform has them, boosts (reposts, reblogs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Engagement {
    pub reactions: u32,
    pub boosts: Option<u32>,
}

/// The time as the caller sees it (unix milliseconds): the binaries pass the real clock, tests
/// a fixed one. Connectors date what they decide (a deletion noticed, a window) with it and
/// never read the system clock themselves.
pub type Clock = std::sync::Arc<dyn Fn() -> crate::model::Millis + Send + Sync>;

/// Everything a connector needs to talk to its platform.
#[derive(Clone)]
pub struct ConnectorConfig {
    /// The API root (`https://discord.com/api/v10`, a Discourse site, a homeserver…).
    pub base_url: String,
    /// The token, app password or API key; never logged, never in an error.
    pub secret: Secret,
    /// What to sync: a guild id, `owner/repo`s, room ids, hashtags, a username…
    pub scopes: Vec<String>,
    pub http: Http,
    pub clock: Clock,
}

/// A secret that refuses to be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One platform, behind one interface. Implementations translate payloads to Hearth's types
/// and back; they know nothing of SQL, cursors' storage, retries or waiting.
#[async_trait]
pub trait Connector: Send + Sync {
    fn platform(&self) -> Platform;

    /// The client the connector sends through (the engine listens to its waits).
    fn http(&self) -> &Http;

    /// Checks the token and says who it belongs to ("Test connection").
    async fn whoami(&self) -> Result<Me, ConnectorError>;

    /// Fetches the next page after `cursors`. Called again with the updated cursors until
    /// a page says `more: false`.
    async fn next_page(&self, cursors: &Cursors) -> Result<Page, ConnectorError>;

    /// Sends a reply or a post. Must use the platform's idempotency key where it has one.
    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError>;

    /// After an attempt whose outcome is unknown (the process died, the connection dropped
    /// after the request went out), looks on the platform for the item. Every platform needs
    /// this: even one with an idempotency key forgets it after a while
    /// ([`Connector::idempotency_window`]).
    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError>;

    /// Reads again a record an earlier Hearth could not read and kept aside
    /// (`hearth sync --retry-quarantined`, after an upgrade): `raw` is its payload, `context`
    /// what the connector kept with it (the channel, the thread, the repository…). Every
    /// connector that sets records aside reads them again; the default keeps the record and
    /// says so.
    async fn reread(
        &self,
        kind: &str,
        _raw: &serde_json::Value,
        _context: Option<&str>,
        _cursors: &Cursors,
    ) -> Result<Batch, ConnectorError> {
        Err(ConnectorError::Config(format!(
            "this version of Hearth cannot read a {} {kind} kept aside again; it stays kept",
            self.platform().label()
        )))
    }

    /// How long the platform remembers [`Outgoing::idempotency_key`] after a request that
    /// carried it: within this window [`Connector::send`] is safe to repeat with the same
    /// item; past it, or on platforms without a key (`None`), the outbox looks the item up
    /// with [`Connector::find_sent`] before sending again.
    fn idempotency_window(&self) -> Option<Duration> {
        None
    }

    /// Carries out a moderation action ([`crate::model::Platform::moderation`] says which
    /// this platform can). Already done counts as done. The default refuses in words.
    async fn moderate(&self, action: &Moderation) -> Result<Sent, ConnectorError> {
        Err(ConnectorError::Platform {
            platform: self.platform(),
            detail: format!(
                "Hearth cannot {} on {}: do it there and record it as done by hand",
                action.action.as_str(),
                self.platform().label()
            ),
        })
    }

    /// Reads how people reacted to one of our posts (`None`: the platform cannot say, or the
    /// post is gone).
    async fn engagement(&self, _post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        Ok(None)
    }
}

/// What went wrong talking to a platform, in words a community manager understands.
/// None of these ever carries the token.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectorError {
    #[error("{} asks us to wait {}", platform.label(), human_wait(*wait))]
    RateLimited { platform: Platform, wait: Duration },

    #[error("{} is having trouble (HTTP {status}); Hearth will try again", platform.label())]
    Unavailable { platform: Platform, status: u16 },

    #[error("{} did not answer in time", platform.label())]
    Timeout { platform: Platform },

    #[error("the connection to {} was lost ({detail})", platform.label())]
    Network { platform: Platform, detail: String },

    #[error("cannot reach {}: you seem to be offline ({detail})", platform.label())]
    Offline { platform: Platform, detail: String },

    #[error("{} rejected the token ({detail}) — update it in Settings → Accounts", platform.label())]
    Auth { platform: Platform, detail: String },

    #[error("{} refused: {detail}", platform.label())]
    Forbidden { platform: Platform, detail: String },

    #[error("{} has no {what}", platform.label())]
    NotFound { platform: Platform, what: String },

    #[error("{} sent a reply Hearth could not read ({detail})", platform.label())]
    Malformed { platform: Platform, detail: String },

    #[error("{} said: {detail}", platform.label())]
    Platform { platform: Platform, detail: String },

    #[error("{0}")]
    Config(String),
}

/// Broad kinds, for the account status the UI shows and whether to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Wait and try again (rate limit, 5xx, timeout, dropped connection, garbled reply).
    Transient,
    /// No network at all.
    Offline,
    /// The user must update the token.
    Auth,
    /// The user must change the account's settings or permissions.
    Permanent,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Transient => "transient",
            ErrorKind::Offline => "offline",
            ErrorKind::Auth => "auth",
            ErrorKind::Permanent => "permanent",
        }
    }
}

impl ConnectorError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConnectorError::RateLimited { .. }
            | ConnectorError::Unavailable { .. }
            | ConnectorError::Timeout { .. }
            | ConnectorError::Network { .. }
            | ConnectorError::Malformed { .. } => ErrorKind::Transient,
            ConnectorError::Offline { .. } => ErrorKind::Offline,
            ConnectorError::Auth { .. } => ErrorKind::Auth,
            ConnectorError::Forbidden { .. }
            | ConnectorError::NotFound { .. }
            | ConnectorError::Platform { .. }
            | ConnectorError::Config(_) => ErrorKind::Permanent,
        }
    }

    pub fn malformed(platform: Platform, detail: impl std::fmt::Display) -> Self {
        ConnectorError::Malformed {
            platform,
            detail: detail.to_string(),
        }
    }
}

/// "12 s", "3 min 20 s", "1 h 5 min".
pub fn human_wait(d: Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Parses an RFC 3339 / ISO-8601 timestamp into unix milliseconds.
pub fn parse_time(platform: Platform, s: &str) -> Result<i64, ConnectorError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| ConnectorError::malformed(platform, format!("bad time {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_like_a_person_would_say_them() {
        assert_eq!(human_wait(Duration::from_millis(11_200)), "12 s");
        assert_eq!(human_wait(Duration::from_secs(120)), "2 min");
        assert_eq!(human_wait(Duration::from_secs(200)), "3 min 20 s");
        assert_eq!(human_wait(Duration::from_secs(3900)), "1 h 5 min");
    }

    #[test]
    fn an_identical_message_from_before_the_attempt_is_not_the_one_sent() {
        let item = Outgoing {
            idempotency_key: "k".into(),
            body: "Thanks!".into(),
            conversation_external_id: None,
            reply_to_external_id: None,
            title: None,
            attempted_at: Some(10_000_000),
            ..Outgoing::default()
        };
        assert!(
            !sent_after(&item, Some(10_000_000 - 3_600_000)),
            "an hour earlier: another reply"
        );
        assert!(
            sent_after(&item, Some(10_000_000 - 60_000)),
            "a minute of clock skew is fine"
        );
        assert!(sent_after(&item, Some(10_000_000 + 2_000)));
        assert!(sent_after(
            &Outgoing {
                attempted_at: None,
                channel: None,
                ..item
            },
            Some(0)
        ));
    }

    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("test-token-not-real");
        assert!(!format!("{s:?}").contains("not-real"));
    }

    #[test]
    fn prefixed_cursors_are_listed_without_their_prefix() {
        let mut c = Cursors::default();
        c.apply(&[
            CursorChange::set("chan:1", "a"),
            CursorChange::set("chan:2", "b"),
            CursorChange::set("chao", "x"),
            CursorChange::set("members", "m"),
        ]);
        let got: Vec<_> = c.with_prefix("chan:").collect();
        assert_eq!(got, vec![("1", "a"), ("2", "b")]);
        c.apply(&[CursorChange::clear("chan:1")]);
        assert_eq!(c.with_prefix("chan:").count(), 1);
    }
}
