//! Platforms on loopback that remember what is posted to them, for tests that kill `hearth`
//! while its post is in flight. Each platform module serves the recorded exchanges of
//! `tests/fixtures/<platform>/` (who the token is, the conversation replied in, its messages)
//! and keeps a [`Ledger`]: every request to the platform's send endpoint as it arrives, and
//! the posts the platform made of them — what a community would see. A post is made the
//! moment its request arrives; the answer to the first one is held back (`hold`), as a slow or
//! hung platform would, and later ones are answered at once.
//!
//! [`proxy`] is the same idea in front of a real homeserver: it forwards every request to
//! Synapse and holds back the answer to the first message sent.

pub mod bluesky;
pub mod discord;
pub mod github;
pub mod mastodon;
pub mod proxy;
pub mod slack;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hearth::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
use hearth::model::{Millis, Platform};
use serde_json::Value;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// One post the platform made (a message, a comment, a status, a record).
#[derive(Debug, Clone)]
pub struct Post {
    /// The platform's id of it.
    pub id: String,
    /// The id Hearth keeps for it (Slack's is `{channel}/{thread}/{ts}`; most are the same).
    pub hearth_id: String,
    /// What people read, as it was sent.
    pub text: String,
    /// The platform's view of it, as its API lists it.
    pub json: Value,
}

/// What a platform received and made.
#[derive(Default)]
pub struct Ledger {
    /// Every request to the send endpoint, in order of arrival.
    pub creates: Vec<Request>,
    /// Every post made, in order. The same text twice is the same reply posted twice.
    pub posts: Vec<Post>,
    /// Idempotency keys the platform still remembers → the post each one made.
    pub keys: HashMap<String, usize>,
}

pub type Shared = Arc<Mutex<Ledger>>;

/// The ledger, even if a responder panicked while holding it.
pub fn lock(ledger: &Shared) -> MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|p| p.into_inner())
}

/// Answers the platform's send endpoint with `make`, which records the post in the ledger
/// (or, for a key the platform remembers, finds the one already made). The first request's
/// answer is held back for `hold`.
pub struct Create<F> {
    pub ledger: Shared,
    pub hold: Duration,
    pub make: F,
}

impl<F> Respond for Create<F>
where
    F: Fn(&Request, &mut Ledger) -> ResponseTemplate + Send + Sync + 'static,
{
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut ledger = lock(&self.ledger);
        let first = ledger.creates.is_empty();
        ledger.creates.push(req.clone());
        let answer = (self.make)(req, &mut ledger);
        if first {
            answer.set_delay(self.hold)
        } else {
            answer
        }
    }
}

/// Answers a read with what the platform holds at that moment.
pub struct Read<F> {
    pub ledger: Shared,
    pub read: F,
}

impl<F> Respond for Read<F>
where
    F: Fn(&Request, &Ledger) -> ResponseTemplate + Send + Sync + 'static,
{
    fn respond(&self, req: &Request) -> ResponseTemplate {
        (self.read)(req, &lock(&self.ledger))
    }
}

/// A platform on loopback, how Hearth connects to it, and the conversation a sync of it
/// would have brought.
pub struct Site {
    pub server: MockServer,
    pub ledger: Shared,
    pub platform: Platform,
    /// `hearth accounts add --url`.
    pub url: String,
    /// `hearth accounts add --scope` (each).
    pub scopes: Vec<String>,
    /// What is pasted into `hearth accounts add` (a token, an app password).
    pub token: &'static str,
    /// The conversation replied in, with its messages, as the connector maps them.
    pub seed: Batch,
    /// The platform's id of that conversation.
    pub conversation: String,
    /// Whether a request is the connector looking for a sent item (`find_sent`).
    pub lookup: fn(&Request) -> bool,
}

impl Site {
    /// How many requests reached the send endpoint.
    pub fn creates(&self) -> usize {
        lock(&self.ledger).creates.len()
    }

    /// The send requests, in order.
    pub fn create_requests(&self) -> Vec<Request> {
        lock(&self.ledger).creates.clone()
    }

    /// Every post the platform made, in order.
    pub fn posts(&self) -> Vec<Post> {
        lock(&self.ledger).posts.clone()
    }

    /// How many posts carry `text` (the platform may have put a mention in front of it).
    pub fn times_posted(&self, text: &str) -> usize {
        self.posts()
            .iter()
            .filter(|p| p.text.trim().ends_with(text.trim()))
            .count()
    }

    /// The platform forgets the idempotency keys it saw (its window for them has passed).
    pub fn forget_keys(&self) {
        lock(&self.ledger).keys.clear();
    }

    /// How many times Hearth looked for a sent item.
    pub async fn lookups(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| (self.lookup)(r))
            .count()
    }
}

/// A person as the platform names them.
pub fn person(id: &str, handle: &str, name: &str) -> IncomingIdentity {
    IncomingIdentity {
        external_id: id.into(),
        handle: handle.into(),
        display_name: Some(name.into()),
        ..Default::default()
    }
}

/// A message in `conversation`, answering `reply_to` if given.
pub fn said(
    conversation: &str,
    id: &str,
    author: &str,
    text: &str,
    at: Millis,
    reply_to: Option<&str>,
) -> IncomingMessage {
    IncomingMessage {
        reply_to_external_id: reply_to.map(str::to_string),
        ..super::message(conversation, id, author, text, at)
    }
}

/// The batch a sync would have written: people, one conversation, its messages.
pub fn batch(
    people: Vec<IncomingIdentity>,
    conversation: IncomingConversation,
    messages: Vec<IncomingMessage>,
) -> Batch {
    let mut b = Batch::default();
    b.identities.extend(people);
    b.conversations.push(conversation);
    b.messages.extend(messages);
    b
}

/// The string at a JSON pointer, or "".
pub fn text_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

/// Now, in unix milliseconds.
pub fn now() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

/// An RFC 3339 time in milliseconds, as most APIs write them.
pub fn rfc3339(at: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// An RFC 3339 time of a recorded payload, in milliseconds.
pub fn millis(s: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|e| panic!("{s:?} is an RFC 3339 time: {e}"))
}
