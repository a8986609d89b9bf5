//! The Mastodon connector against the recorded exchanges in `tests/fixtures/mastodon/`, through
//! the real sync engine into a real SQLite file.

use crate::common;

use std::time::Duration;

use common::contract::{
    fail_once, new_post, quick_opts, received, recorded_error, retry_once, too_many_requests,
    TestAccount,
};
use common::replay::{self, Exchange};
use common::NOW;
use hearth::connectors::mastodon::Mastodon;
use hearth::model::{InboxQuery, Platform, Status};
use hearth::sync::{
    Connector, ConnectorConfig, ConnectorError, CursorChange, Cursors, Http, Secret, SyncEvent,
    SyncOptions,
};
use serde_json::{json, Value};
use wiremock::matchers::{
    body_partial_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ME: &str = "113430614507520001";
const S1: &str = "116158779381841922";
const S2: &str = "116165679874179074";
const S3: &str = "116170319515615234";
const S5: &str = "116181291987173378";
const S6: &str = "116192968718352386";
const Z1: &str = "116159001402933250";
const J1: &str = "116170203529216002";
const K1: &str = "116177877794816002";
const A1: &str = "116193207647600642";

fn ex(prefix: &str) -> Exchange {
    replay::load("mastodon", prefix)
}

/// A mock for a recorded list request: same path and paging parameters (the page size is the
/// connector's), and no paging parameter the recording did not have.
fn list_mock(e: &Exchange) -> Mock {
    let q = e.request["query"].as_object().cloned().unwrap_or_default();
    let mut m = Mock::given(method("GET")).and(path(e.path("")));
    for (k, v) in &q {
        if k == "limit" {
            continue;
        }
        match v {
            Value::String(s) => m = m.and(query_param(k.as_str(), s.as_str())),
            Value::Array(items) => {
                for i in items.iter().filter_map(Value::as_str) {
                    m = m.and(query_param(k.as_str(), i));
                }
            }
            _ => {}
        }
    }
    for p in ["max_id", "min_id", "since_id"] {
        if !q.contains_key(p) {
            m = m.and(query_param_is_missing(p));
        }
    }
    m.respond_with(e.respond())
}

fn status_of(prefix: &str, id: &str) -> Value {
    let e = ex(prefix);
    let body = &e.response["body"];
    let all: Vec<Value> = match body {
        Value::Array(items) => items
            .iter()
            .map(|i| i.get("status").cloned().unwrap_or_else(|| i.clone()))
            .collect(),
        other => vec![other.clone()],
    };
    all.into_iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{prefix} has status {id}"))
}

fn json_response(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn empty_list() -> ResponseTemplate {
    json_response(json!([]))
}

/// Everything the first sync asks for.
async fn mount_first_sync(server: &MockServer) {
    ex("01").mock("").mount(server).await;
    for f in ["04", "05", "06", "07", "08", "11", "12", "13"] {
        list_mock(&ex(f)).mount(server).await;
    }
    // S2 answers Z1, which no page has shown yet: its thread comes from /context.
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/statuses/{S2}/context")))
        .respond_with(json_response(json!({
            "ancestors": [status_of("08", S1), status_of("12", Z1)],
            "descendants": [],
        })))
        .mount(server)
        .await;
}

/// Everything the second sync asks for: K1 was deleted, J1 was edited, S6 and A1 are new.
async fn mount_second_sync(server: &MockServer) {
    ex("01").mock("").mount(server).await;
    ex("16").mock("").mount(server).await;
    let mut j1 = status_of("11", J1);
    j1["content"] = json!("<p><span class=\"h-card\"><a href=\"https://mastodon.example/@lumen\" class=\"u-url mention\">@<span>lumen</span></a></span> Umlaute im Titel brechen den Build – gelöst mit encoding = utf-8!</p>");
    j1["edited_at"] = json!("2026-03-07T15:00:00.000Z");
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/statuses/{J1}")))
        .respond_with(json_response(j1))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/statuses/{Z1}")))
        .respond_with(json_response(status_of("12", Z1)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/accounts/{ME}/followers")))
        .and(query_param("min_id", "116177861483823113"))
        .respond_with(empty_list())
        .mount(server)
        .await;
    for f in ["09", "10", "14"] {
        list_mock(&ex(f)).mount(server).await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .and(query_param("min_id", "173915"))
        .respond_with(empty_list())
        .mount(server)
        .await;
}

fn connector(server: &MockServer) -> Mastodon {
    Mastodon::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new("test-token-not-real"),
        scopes: vec![],
        http: Http::new(Duration::from_secs(5)).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("a Mastodon connector")
    .with_page_size(2)
}

struct Setup {
    server: MockServer,
    db: TestAccount,
}

async fn setup() -> Setup {
    let server = MockServer::start().await;
    let db = TestAccount::new(Platform::Mastodon, server.uri(), &[]);
    Setup { server, db }
}

async fn first_sync(s: &mut Setup) -> Mastodon {
    mount_first_sync(&s.server).await;
    let c = connector(&s.server);
    s.db.connect(&c).await;
    let (r, _) = s.db.sync(&c, NOW).await;
    r.expect("the first sync succeeds");
    c
}

/// The connector with a followed hashtag in its scopes, as a user would type it.
fn tag_connector(server: &MockServer, tag: &str) -> Mastodon {
    Mastodon::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new("test-token-not-real"),
        scopes: vec![tag.to_string()],
        http: Http::new(Duration::from_secs(5)).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("a Mastodon connector")
    .with_page_size(2)
}

/// The statuses filed under `#tag`, as (platform id, text), oldest first.
fn tagged(db: &TestAccount, tag: &str) -> Vec<(String, String)> {
    let conn = db.conn();
    let mut q = conn
        .prepare(
            "SELECT m.external_id, m.body_text FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             WHERE c.container = ?1 ORDER BY m.created_at",
        )
        .expect("query");
    q.query_map([tag], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[tokio::test]
async fn a_followed_hashtag_brings_its_newest_posts_then_only_new_ones() {
    let mut s = setup().await;
    mount_first_sync(&s.server).await;
    list_mock(&ex("25")).mount(&s.server).await;
    let c = tag_connector(&s.server, "#lumen");
    s.db.connect(&c).await;
    s.db.sync(&c, NOW).await.0.expect("the first sync succeeds");

    let first = tagged(&s.db, "#lumen");
    let ids: Vec<&str> = first.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["116196018305941507", "116196733120118786"],
        "the hashtag's newest page, each post its own conversation under #lumen"
    );
    assert!(
        first[1]
            .1
            .starts_with("Is there a #lumen theme with a dark mode?"),
        "the HTML is made plain: {}",
        first[1].1
    );
    let asked = received(&s.server, |r| {
        r.url.path().ends_with("/timelines/tag/lumen")
    })
    .await;
    assert_eq!(
        asked.len(),
        1,
        "a hashtag's history is not walked back (it can be endless)"
    );

    // The next day: only what is newer than Ana's post is asked for.
    mount_second_sync(&s.server).await;
    list_mock(&ex("26")).mount(&s.server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/timelines/tag/lumen"))
        .and(query_param("min_id", "116200874465382402"))
        .respond_with(empty_list())
        .mount(&s.server)
        .await;
    s.db.sync(&c, NOW)
        .await
        .0
        .expect("the second sync succeeds");
    let second = tagged(&s.db, "#lumen");
    assert_eq!(second.len(), 3, "{second:?}");
    assert!(second[2].1.starts_with("Write-up is live"), "{second:?}");
    let min_ids: Vec<String> = received(&s.server, |r| {
        r.url.path().ends_with("/timelines/tag/lumen")
    })
    .await
    .iter()
    .filter_map(|r| {
        r.url
            .query_pairs()
            .find(|(k, _)| k == "min_id")
            .map(|(_, v)| v.to_string())
    })
    .collect();
    assert_eq!(
        min_ids,
        vec!["116196733120118786", "116200874465382402"],
        "read forward from the newest post seen, until a page comes back empty"
    );
}

#[tokio::test]
async fn whoami_names_the_account_the_token_belongs_to() {
    let s = setup().await;
    ex("01").mock("").mount(&s.server).await;
    let me = connector(&s.server).whoami().await.expect("whoami");
    assert_eq!(me.external_id, ME);
    assert_eq!(me.handle, "lumen@mastodon.example");
    assert_eq!(
        me.display_name.as_deref(),
        Some("Lumen static site generator")
    );
}

#[tokio::test]
async fn the_first_sync_fills_members_threads_and_messages_from_every_page() {
    let mut s = setup().await;
    let c = first_sync(&mut s).await;
    drop(c);
    let db = &s.db;

    // Followers and authors are members, with their profile evidence.
    let handles = db.member_handles();
    for h in [
        "ana@mastodon.example",
        "zoe@mastodon.example",
        "jkessler@floss.example",
        "minjun@social.example",
    ] {
        assert!(handles.iter().any(|x| x == h), "{h} in {handles:?}");
    }
    let ana_raw: String = db.sql(
        "SELECT raw FROM identities WHERE external_id = ?1",
        ["113430665625600001"],
    );
    let raw: Value = serde_json::from_str(&ana_raw).expect("raw is JSON");
    assert_eq!(
        raw["fields"][0]["verified_at"],
        "2025-11-20T14:03:27.611+00:00"
    );
    assert!(!ana_raw.contains("test-token"));

    // Every status: 5 of ours, Z1, J1, K1.
    assert_eq!(db.message_count(), 8);
    // S2 answers Z1 in S1's thread; the mentions belong to their thread roots.
    for (id, root) in [(S2, S1), (Z1, S1), (J1, S1), (K1, "116177574887817218")] {
        let conv: String = db.conversation_of(id);
        assert_eq!(conv, root, "thread of {id}");
    }
    let reply_to: String = db.message_field("reply_to_external_id", S2);
    assert_eq!(reply_to, Z1);
    let mentions: i64 = db.sql("SELECT count(*) FROM messages WHERE mentions_us", []);
    assert_eq!(mentions, 3, "Z1, J1 and K1 mention @lumen");
    let edited: Option<i64> = db.message_field("edited_at", S3);
    assert!(edited.is_some(), "S3 was edited before the sync");

    // The release thread is in the inbox, titled by its root, with the HTML made plain.
    let inbox = db.store.inbox(&InboxQuery::default(), NOW).expect("inbox");
    let release = inbox
        .items
        .iter()
        .find(|i| {
            i.title
                .as_deref()
                .is_some_and(|t| t.starts_with("Lumen 0.9 is out!"))
        })
        .expect("the release thread is in the inbox");
    let detail = db.store.conversation(release.id, NOW).expect("the thread");
    assert_eq!(detail.messages.len(), 4);
    let z1 = detail
        .messages
        .iter()
        .find(|m| m.external_id == Z1)
        .expect("Z1");
    assert!(
        z1.text.contains("does incremental mode also watch"),
        "{}",
        z1.text
    );
    assert!(!z1.text.contains("<span"), "{}", z1.text);
    assert_eq!(
        z1.url.as_deref(),
        Some("https://mastodon.example/@zoe/116159001402933250")
    );
}

#[tokio::test]
async fn a_status_page_maps_to_hearth_as_recorded() {
    let s = setup().await;
    mount_first_sync(&s.server).await;
    let c = connector(&s.server);
    let mut cursors = Cursors::default();
    cursors.apply(&[
        CursorChange::set("phase", "statuses"),
        CursorChange::set("statuses:min", S5),
        CursorChange::set("statuses:max", S3),
    ]);
    let mut page = c.next_page(&cursors).await.expect("a page");
    for i in &mut page.batch.identities {
        i.raw = i.raw.as_ref().map(|r| format!("{} bytes of JSON", r.len()));
    }
    insta::assert_debug_snapshot!("mastodon_status_page_with_thread_context", page);
}

#[tokio::test]
async fn a_sync_stopped_between_pages_resumes_where_it_stopped() {
    let mut s = setup().await;
    mount_first_sync(&s.server).await;
    let c = connector(&s.server);
    s.db.connect(&c).await;
    let stop = SyncOptions {
        max_pages: Some(2),
        ..quick_opts()
    };
    let (r, _) = s.db.sync_with(&c, &stop, NOW).await;
    assert!(r.expect("two pages").stopped_early);
    // A new process: nothing in memory, only the saved cursors.
    let c = connector(&s.server);
    let (r, _) = s.db.sync(&c, NOW).await;
    r.expect("the rest");
    assert_eq!(s.db.message_count(), 8);
    let followers = received(&s.server, |r| r.url.path().ends_with("/followers"))
        .await
        .len();
    assert_eq!(followers, 3, "no followers page is fetched twice");
}

#[tokio::test]
async fn the_second_sync_fetches_only_what_is_new_applies_edits_and_marks_deletions() {
    let mut s = setup().await;
    first_sync(&mut s).await;
    s.server.reset().await;
    mount_second_sync(&s.server).await;
    let c = connector(&s.server);
    let (r, _) = s.db.sync(&c, NOW).await;
    r.expect("the second sync succeeds");

    let requests = received(&s.server, |_| true).await;
    for r in &requests {
        let p = r.url.path();
        if p.ends_with("/statuses") || p.ends_with("/notifications") || p.ends_with("/followers") {
            let q = r.url.query().unwrap_or("");
            assert!(
                q.contains("min_id="),
                "only newer items are asked for: {}",
                r.url
            );
            assert!(!q.contains("max_id="), "no walk back: {}", r.url);
        }
    }
    let db = &s.db;
    assert_eq!(db.message_count(), 10, "S6 and A1 are new");
    let a1_conv: String = db.conversation_of(A1);
    assert_eq!(
        a1_conv, A1,
        "a top-level mention starts its own conversation"
    );
    let s6: i64 = db.sql("SELECT count(*) FROM messages WHERE external_id = ?1", [S6]);
    assert_eq!(s6, 1);

    // K1 was deleted: marked, its text kept for the team.
    let (deleted, text): (Option<i64>, String) = db.sql2(
        "SELECT deleted_at, body_text FROM messages WHERE external_id = ?1",
        [K1],
    );
    assert!(deleted.is_some(), "K1 is marked deleted");
    assert!(text.contains("안녕하세요"), "{text}");

    // J1 was edited: new text in place, the old one in its history.
    let new_text: String = db.message_field("body_text", J1);
    assert!(new_text.contains("gelöst"), "{new_text}");
    let old_text: String = db.sql(
        "SELECT r.body_text FROM message_revisions r JOIN messages m ON m.id = r.message_id
         WHERE m.external_id = ?1",
        [J1],
    );
    assert!(old_text.contains("Details im Forum"), "{old_text}");
}

#[tokio::test]
async fn a_429_is_waited_out_and_said_in_words() {
    let mut s = setup().await;
    fail_once(
        &s.server,
        &format!("/api/v1/accounts/{ME}/statuses"),
        too_many_requests(json!({"error": "Too many requests"})),
    )
    .await;
    mount_first_sync(&s.server).await;
    let c = connector(&s.server);
    let (r, events) = s.db.sync(&c, NOW).await;
    r.expect("the sync finishes after waiting");
    let waited = events.iter().any(|e| {
        matches!(e, SyncEvent::Waiting { reason, wait }
            if reason.to_lowercase().contains("mastodon asks us to wait 1 s") && wait.as_secs() == 1)
    });
    assert!(waited, "{events:?}");
    assert_eq!(s.db.message_count(), 8);

    // The recorded 429 has no Retry-After: its wait comes from the ISO-8601 reset time.
    let err = recorded_error(Platform::Mastodon, &ex("19"));
    assert!(matches!(err, ConnectorError::RateLimited { .. }), "{err:?}");
    assert!(err.to_string().contains("asks us to wait"), "{err}");
}

#[tokio::test]
async fn server_trouble_is_retried_and_garbled_replies_are_named() {
    let mut s = setup().await;
    fail_once(&s.server, "/api/v1/notifications", ex("20").respond()).await;
    mount_first_sync(&s.server).await;
    let c = connector(&s.server);
    let (r, events) = s.db.sync(&c, NOW).await;
    r.expect("the 503 is retried");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SyncEvent::Waiting { reason, .. } if reason.contains("HTTP 503"))),
        "{events:?}"
    );

    let mut s = setup().await;
    ex("01").mock("").mount(&s.server).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/accounts/{ME}/followers")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"[{"id": "115643252736000001", "username": "min"#,
            "application/json",
        ))
        .mount(&s.server)
        .await;
    let c = connector(&s.server);
    let (r, _) = s.db.sync_with(&c, &retry_once(), NOW).await;
    let err = r.expect_err("a cut-off reply fails the run").to_string();
    assert!(
        err.contains("could not read (the reply was cut off)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_revoked_token_stops_the_sync_with_a_clear_message_and_keeps_what_was_synced() {
    let mut s = setup().await;
    first_sync(&mut s).await;
    let before = s.db.message_count();
    s.server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ex("18").respond())
        .mount(&s.server)
        .await;
    let c = connector(&s.server);
    let (r, _) = s.db.sync(&c, NOW).await;
    let err = r.expect_err("a revoked token fails the run").to_string();
    assert!(err.contains("rejected the token"), "{err}");
    assert!(err.contains("Settings → Accounts"), "{err}");
    assert!(!err.contains("test-token"), "{err}");
    let last_error = s.db.last_error();
    assert!(
        last_error
            .as_deref()
            .is_some_and(|e| e.contains("rejected the token")),
        "{last_error:?}"
    );
    assert_eq!(s.db.message_count(), before);
}

#[tokio::test]
async fn a_reply_goes_out_once_with_the_outbox_key_and_the_handle_it_answers() {
    let mut s = setup().await;
    first_sync(&mut s).await;
    let conv: i64 = s.db.conversation_id(S1);
    let item =
        s.db.store
            .queue_reply(conv, "Danke! Fixed in 0.9.1.", NOW)
            .expect("queued");
    let key: String = s.db.sql(
        "SELECT idempotency_key FROM outbox WHERE id = ?1",
        [item.id],
    );
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/statuses/{J1}")))
        .respond_with(json_response(status_of("11", J1)))
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(header("Idempotency-Key", key.as_str()))
        .and(body_partial_json(json!({
            "status": "@jkessler@floss.example Danke! Fixed in 0.9.1.",
            "in_reply_to_id": J1,
            "visibility": "public",
        })))
        .respond_with(ex("21").respond())
        .expect(1)
        .mount(&s.server)
        .await;
    let c = connector(&s.server);
    assert_eq!(
        c.idempotency_window(),
        Some(Duration::from_secs(3600)),
        "Mastodon keeps an Idempotency-Key for an hour"
    );
    let report = s.db.flush(&c, NOW).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let sent = s.db.store.outbox_item(item.id).expect("item");
    assert_eq!(
        sent.url.as_deref(),
        Some("https://mastodon.example/@lumen/116193323407441922")
    );
    let again = s.db.flush(&c, NOW).await;
    assert_eq!(again.sent, 0);
    // The thread stays open for the team until it is triaged.
    let item =
        s.db.store
            .conversation_item(conv, NOW)
            .expect("conversation");
    assert_eq!(item.status, Status::Open);
}

#[tokio::test]
async fn a_reply_too_long_for_mastodon_is_refused_before_sending() {
    let s = setup().await;
    ex("01").mock("").mount(&s.server).await;
    let c = connector(&s.server);
    let err = c
        .send(&new_post("é".repeat(501)))
        .await
        .expect_err("too long");
    assert!(
        err.to_string().contains("limited to 500 characters"),
        "{err}"
    );
}

#[tokio::test]
async fn a_status_an_earlier_hearth_kept_aside_is_read_again_and_leaves_the_quarantine() {
    let mut s = setup().await;
    let c = first_sync(&mut s).await;
    // A status of another thread, as an earlier version set it aside (its payload and thread).
    let mut status = replay::load("mastodon", "07").response["body"][0].clone();
    status["id"] = json!("999000111");
    status["content"] = json!("<p>Kept aside once, readable now</p>");
    s.db.execute(
        "INSERT INTO quarantine (account_id, kind, external_id, reason, raw, context,
             first_seen_at, last_seen_at)
         VALUES (?1, 'status', '999000111', 'an older reason', ?2, '999000111', 1, 1)",
        rusqlite::params![s.db.account, status.to_string()],
    );
    assert_eq!(
        s.db.store
            .account(s.db.account)
            .expect("account")
            .quarantined,
        1
    );
    let retried =
        hearth::sync::quarantine::retry_quarantined(&mut s.db.store, s.db.account, &c, NOW)
            .await
            .expect("retried");
    assert_eq!((retried.read, retried.kept), (1, 0), "{retried:?}");
    assert_eq!(
        s.db.message_field::<String>("body_text", "999000111"),
        "Kept aside once, readable now"
    );
    assert_eq!(
        s.db.store
            .account(s.db.account)
            .expect("account")
            .quarantined,
        0
    );
}
