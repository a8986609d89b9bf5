//! Scaffolding shared by the connector contract tests (`tests/contract_*.rs`): one account in a
//! real database file in a temporary folder, synced and flushed through the real engine and
//! outbox with short back-off, plus small readers of the file and of what wiremock received.

use std::path::PathBuf;
use std::time::Duration;

use hearth::model::{AccountInput, MemberQuery, Millis, Platform};
use hearth::sync::engine::SyncError;
use hearth::sync::outbox::{flush_account, FlushReport};
use hearth::sync::{
    http, sync_account, Connector, ConnectorError, Cursors, Me, Outgoing, Page, SyncEvent,
    SyncOptions, SyncReport,
};
use hearth::Store;
use rusqlite::types::FromSql;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{self, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::replay::Exchange;
use super::NOW;

/// Sync options with back-off short enough for tests.
pub fn quick_opts() -> SyncOptions {
    SyncOptions {
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..Default::default()
    }
}

/// [`quick_opts`] giving up after one retry, for replies that will never get better.
pub fn retry_once() -> SyncOptions {
    SyncOptions {
        max_retries: 1,
        ..quick_opts()
    }
}

/// A new database file in a temporary folder holding one account.
pub struct TestAccount {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub store: Store,
    pub account: i64,
}

impl TestAccount {
    /// A fresh database with one `platform` account ("Lumen on <Platform>") on `base_url`.
    pub fn new(platform: Platform, base_url: impl Into<String>, scopes: &[&str]) -> TestAccount {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("hearth.db");
        let mut store = Store::open(&path).expect("a new database opens");
        let account = store
            .add_account(
                &AccountInput {
                    platform,
                    name: format!("Lumen on {}", platform.label()),
                    base_url: Some(base_url.into()),
                    scopes: scopes.iter().map(|s| s.to_string()).collect(),
                    token: None,
                },
                NOW,
            )
            .expect("the account is added")
            .id;
        TestAccount {
            dir,
            path,
            store,
            account,
        }
    }

    /// Asks the connector who its token belongs to and records that as the account's own
    /// identity ("Test connection"); returns the answer for the test to check.
    pub async fn connect(&mut self, c: &dyn Connector) -> Me {
        let me = c.whoami().await.expect("the token works (whoami)");
        self.store
            .set_account_identity(self.account, &me.external_id, &me.handle)
            .expect("identity recorded");
        me
    }

    /// One sync run with [`quick_opts`] at the fixed time `now`, with the events it reported.
    pub async fn sync(
        &mut self,
        c: &dyn Connector,
        now: Millis,
    ) -> (Result<SyncReport, SyncError>, Vec<SyncEvent>) {
        self.sync_with(c, &quick_opts(), now).await
    }

    /// One sync run with `opts` at the fixed time `now`, with the events it reported.
    pub async fn sync_with(
        &mut self,
        c: &dyn Connector,
        opts: &SyncOptions,
        now: Millis,
    ) -> (Result<SyncReport, SyncError>, Vec<SyncEvent>) {
        let mut events = Vec::new();
        let r = sync_account(
            &mut self.store,
            self.account,
            c,
            opts,
            &CancellationToken::new(),
            &move || now,
            &mut |e| events.push(e),
        )
        .await;
        (r, events)
    }

    /// One outbox flush at the fixed time `now`.
    pub async fn flush(&mut self, c: &dyn Connector, now: Millis) -> FlushReport {
        flush_account(&mut self.store, self.account, c, &move || now)
            .await
            .expect("the outbox flushes")
    }

    /// A second connection to the database file, as another process would open it.
    pub fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("the file opens")
    }

    /// The one value the query selects.
    pub fn sql<T: FromSql>(&self, q: &str, p: impl rusqlite::Params) -> T {
        self.conn()
            .query_row(q, p, |r| r.get(0))
            .unwrap_or_else(|err| panic!("{q}: {err}"))
    }

    /// The two values of the one row the query selects.
    pub fn sql2<A: FromSql, B: FromSql>(&self, q: &str, p: impl rusqlite::Params) -> (A, B) {
        self.conn()
            .query_row(q, p, |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap_or_else(|err| panic!("{q}: {err}"))
    }

    /// Runs a statement on the file directly (to set up a state the app would reach).
    pub fn execute(&self, q: &str, p: impl rusqlite::Params) {
        self.conn()
            .execute(q, p)
            .unwrap_or_else(|err| panic!("{q}: {err}"));
    }

    /// Why the account's last sync failed, as the app shows it.
    pub fn last_error(&self) -> Option<String> {
        self.store
            .account(self.account)
            .expect("the account")
            .last_error
    }

    /// The platform handles of every member.
    pub fn member_handles(&self) -> Vec<String> {
        self.store
            .members(&MemberQuery::default())
            .expect("members")
            .items
            .iter()
            .flat_map(|m| m.handles.clone())
            .collect()
    }

    /// How many messages the database holds, deleted ones included.
    pub fn message_count(&self) -> i64 {
        self.sql("SELECT count(*) FROM messages", [])
    }

    /// One column of the message with this platform id.
    pub fn message_field<T: FromSql>(&self, column: &str, external_id: &str) -> T {
        self.sql(
            &format!("SELECT {column} FROM messages WHERE external_id = ?1"),
            [external_id],
        )
    }

    /// The platform id of the conversation the message with this platform id is in.
    pub fn conversation_of(&self, external_id: &str) -> String {
        self.sql(
            "SELECT c.external_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.external_id = ?1",
            [external_id],
        )
    }

    /// The id of the conversation with this platform id.
    pub fn conversation_id(&self, external_id: &str) -> i64 {
        self.sql(
            "SELECT id FROM conversations WHERE external_id = ?1",
            [external_id],
        )
    }

    /// Marks an outbox item as sent once with its outcome lost (state `sending`).
    pub fn lose_attempt(&self, outbox_id: i64) {
        self.execute(
            "UPDATE outbox SET state = 'sending', attempts = 1 WHERE id = ?1",
            [outbox_id],
        );
    }
}

/// HTTP 429 asking to wait one second (`Retry-After: 1`), with the platform's `body`.
pub fn too_many_requests(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_json(body)
}

/// Answers the next GET of `path` with `response`, once, ahead of every other mock: a
/// one-off failure in front of the recorded exchanges.
pub async fn fail_once(server: &MockServer, path: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(matchers::path(path))
        .respond_with(response)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
}

/// The requests the server received, in order, that `keep` accepts.
pub async fn received(server: &MockServer, keep: impl Fn(&Request) -> bool) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("wiremock records requests")
        .into_iter()
        .filter(|r| keep(r))
        .collect()
}

/// What the progress said of each page, in order.
pub fn page_labels(events: &[SyncEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Page { label, .. } => Some(label.as_str()),
            _ => None,
        })
        .collect()
}

/// The reasons of the `Waiting` events, lowercased: `ConnectorError` texts name the platform
/// through `Platform`'s `Display` ("discord" today), so tests compare without case.
pub fn waits(events: &[SyncEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Waiting { reason, .. } => Some(reason.to_lowercase()),
            _ => None,
        })
        .collect()
}

/// Every page of one run from empty cursors, and the cursors it leaves.
pub async fn all_pages(c: &dyn Connector) -> (Vec<Page>, Cursors) {
    let mut cursors = Cursors::default();
    let mut pages = Vec::new();
    loop {
        let page = c.next_page(&cursors).await.expect("a page");
        cursors.apply(&page.cursors);
        let more = page.more;
        pages.push(page);
        if !more {
            break;
        }
        assert!(pages.len() < 20, "the run ends");
    }
    (pages, cursors)
}

/// The page with this label ("members", "#help").
pub fn page<'a>(pages: &'a [Page], label: &str) -> &'a Page {
    pages
        .iter()
        .find(|p| p.label == label)
        .unwrap_or_else(|| panic!("a {label} page"))
}

/// An RFC 3339 time in a recorded payload, in unix milliseconds.
pub fn millis(v: &Value) -> Millis {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .expect("an RFC 3339 time")
        .timestamp_millis()
}

/// The error the shared HTTP layer makes of a recorded error response.
pub fn recorded_error(platform: Platform, ex: &Exchange) -> ConnectorError {
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in ex.response["headers"].as_object().into_iter().flatten() {
        headers.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).expect("a header name"),
            v.as_str()
                .and_then(|v| v.parse().ok())
                .expect("a header value"),
        );
    }
    let status = reqwest::StatusCode::from_u16(ex.response["status"].as_u64().unwrap_or(0) as u16)
        .expect("a status");
    let body = match &ex.response["body"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    http::status_error(platform, status, &headers, &body)
}

/// A reply (or, without a conversation, a new post) as the outbox hands it to a connector.
pub fn outgoing(
    key: &str,
    body: impl Into<String>,
    conversation: Option<&str>,
    reply_to: Option<&str>,
) -> Outgoing {
    Outgoing {
        idempotency_key: key.into(),
        body: body.into(),
        conversation_external_id: conversation.map(str::to_string),
        reply_to_external_id: reply_to.map(str::to_string),
        title: None,
        attempted_at: None,
        channel: None,
        images: Vec::new(),
    }
}

/// A new post without a title, as `hearth post` makes one.
pub fn new_post(body: impl Into<String>) -> Outgoing {
    outgoing("k", body, None, None)
}
