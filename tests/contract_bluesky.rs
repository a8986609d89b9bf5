//! The Bluesky connector against the recorded exchanges in `tests/fixtures/bluesky/`, through
//! the real sync engine into a real SQLite file.

use crate::common;

use std::time::Duration;

use common::contract::{
    fail_once, new_post, outgoing, received, recorded_error, retry_once, too_many_requests,
    TestAccount,
};
use common::replay::{self, Exchange};
use common::NOW;
use hearth::connectors::bluesky::Bluesky;
use hearth::model::{InboxQuery, Platform};
use hearth::sync::{
    Connector, ConnectorConfig, ConnectorError, CursorChange, Cursors, Http, Secret, SyncEvent,
};
use serde_json::{json, Value};
use wiremock::matchers::{
    body_partial_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DID: &str = "did:plc:ogopzmlegj6ci3jnktnzyakn";
const ACCESS_1: &str =
    "Bearer test-header-not-real.test-access-token-not-real-1.test-signature-not-real";
const B1: &str = "at://did:plc:ogopzmlegj6ci3jnktnzyakn/app.bsky.feed.post/3mg2vtwcsa22f";
const B3: &str = "at://did:plc:ogopzmlegj6ci3jnktnzyakn/app.bsky.feed.post/3mgex6tphxk2k";
const B4: &str = "at://did:plc:ogopzmlegj6ci3jnktnzyakn/app.bsky.feed.post/3mgkc5dood22l";
const Z1: &str = "at://did:plc:ryz4j3vbcpoa7sucyuyq3u2a/app.bsky.feed.post/3mg5cfwrbpc2h";
const L1: &str = "at://did:plc:lirysn3utyvkdrtksvmn5tqa/app.bsky.feed.post/3mg35phy6lc2g";
const A1: &str = "at://did:plc:nywdhd3jqzouwjlayfuppv2d/app.bsky.feed.post/3mgd2spwaos2j";
const M1: &str = "at://did:plc:zbabd6jhevagammdfcgjzc5j/app.bsky.feed.post/3mgkfsecaqk2m";

fn ex(prefix: &str) -> Exchange {
    replay::load("bluesky", prefix)
}

/// A mock for a recorded list request that also insists on no `cursor` when the recording
/// had none (a first page).
fn list_mock(e: &Exchange) -> Mock {
    if e.request["query"].get("cursor").is_some() {
        return e.mock("");
    }
    let mut m = Mock::given(query_param_is_missing("cursor"))
        .and(method("GET"))
        .and(path(e.path("")));
    let q = e.request["query"].as_object().cloned().unwrap_or_default();
    for (k, v) in &q {
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
    m.respond_with(e.respond())
}

fn own_profile() -> Value {
    let thread = &ex("17").response["body"];
    thread["thread"]["post"]["author"].clone()
}

fn post_view(uri: &str) -> Value {
    let feed = &ex("14").response["body"]["feed"];
    let mut found = None;
    for item in feed.as_array().unwrap() {
        for p in [
            &item["post"],
            &item["reply"]["root"],
            &item["reply"]["parent"],
        ] {
            if p["uri"] == uri {
                found = Some(p.clone());
            }
        }
    }
    let thread = &ex("17").response["body"]["thread"];
    for r in thread["replies"].as_array().unwrap() {
        if r["post"]["uri"] == uri {
            found = Some(r["post"].clone());
        }
    }
    found.unwrap_or_else(|| panic!("a recorded view of {uri}"))
}

async fn mount_session(server: &MockServer) {
    ex("01").mock("").mount(server).await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.actor.getProfile"))
        .and(query_param("actor", DID))
        .respond_with(ResponseTemplate::new(200).set_body_json(own_profile()))
        .mount(server)
        .await;
}

async fn mount_first_sync(server: &MockServer) {
    mount_session(server).await;
    for f in ["07", "08", "14", "15", "11", "12"] {
        list_mock(&ex(f)).mount(server).await;
    }
}

/// The access token has expired; B4 and M1 are new; Z1 was deleted.
async fn mount_second_sync(server: &MockServer) {
    Mock::given(header("Authorization", ACCESS_1))
        .and(method("GET"))
        .respond_with(ex("04").respond())
        .with_priority(1)
        .mount(server)
        .await;
    ex("05").mock("").mount(server).await;
    ex("01").mock("").mount(server).await;
    for f in ["07", "16", "13"] {
        list_mock(&ex(f)).mount(server).await;
    }
}

fn connector(server: &MockServer, password: &str) -> Bluesky {
    Bluesky::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new(password),
        scopes: vec!["lumenssg.bsky.social".into()],
        http: Http::new(Duration::from_secs(5)).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("a Bluesky connector")
    .with_page_size(2)
}

const PASSWORD: &str = "test-app-password-not-real";

struct Setup {
    server: MockServer,
    db: TestAccount,
}

async fn setup() -> Setup {
    let server = MockServer::start().await;
    let db = TestAccount::new(Platform::Bluesky, server.uri(), &["lumenssg.bsky.social"]);
    Setup { server, db }
}

async fn first_sync(s: &mut Setup) -> Bluesky {
    mount_first_sync(&s.server).await;
    let c = connector(&s.server, PASSWORD);
    s.db.connect(&c).await;
    let (r, _) = s.db.sync(&c, NOW).await;
    r.expect("the first sync succeeds");
    c
}

async fn count_requests(server: &MockServer, nsid: &str) -> usize {
    received(server, |r| r.url.path() == format!("/xrpc/{nsid}"))
        .await
        .len()
}

#[tokio::test]
async fn whoami_signs_in_once_and_names_the_account() {
    let s = setup().await;
    mount_session(&s.server).await;
    let c = connector(&s.server, PASSWORD);
    let me = c.whoami().await.expect("whoami");
    assert_eq!(me.external_id, DID);
    assert_eq!(me.handle, "lumenssg.bsky.social");
    assert_eq!(me.display_name.as_deref(), Some("Lumen"));
    c.whoami().await.expect("again");
    assert_eq!(
        count_requests(&s.server, "com.atproto.server.createSession").await,
        1
    );
}

#[tokio::test]
async fn the_first_sync_fills_members_threads_and_messages_from_every_page() {
    let mut s = setup().await;
    first_sync(&mut s).await;
    let db = &s.db;
    assert_eq!(
        count_requests(&s.server, "com.atproto.server.createSession").await,
        1,
        "one session for the whole run"
    );

    let handles = db.member_handles();
    for h in [
        "matteo-ricci.bsky.social",
        "zoeokafor.bsky.social",
        "limei.bsky.social",
        "ana.lumen-ssg.dev",
    ] {
        assert!(handles.iter().any(|x| x == h), "{h} in {handles:?}");
    }
    let ana_bio: String = db.sql(
        "SELECT raw FROM identities WHERE external_id = 'did:plc:nywdhd3jqzouwjlayfuppv2d'",
        [],
    );
    assert!(ana_bio.contains("github.com/anaramos"));
    assert!(!ana_bio.contains("test-access-token"));

    // B1, B2, B3 of ours; Z1, L1 replies; A1 mention.
    assert_eq!(db.message_count(), 6);
    for uri in [B3, Z1, L1] {
        assert_eq!(db.conversation_of(uri), B1, "thread of {uri}");
    }
    assert_eq!(db.conversation_of(A1), A1);
    let mentions: i64 = db.sql("SELECT count(*) FROM messages WHERE mentions_us", []);
    assert_eq!(mentions, 1, "A1 mentions @lumenssg");
    let url: String = db.message_field("url", L1);
    assert_eq!(
        url,
        "https://bsky.app/profile/limei.bsky.social/post/3mg35phy6lc2g"
    );

    let inbox = db.store.inbox(&InboxQuery::default(), NOW).expect("inbox");
    let release = inbox
        .items
        .iter()
        .find(|i| {
            i.title
                .as_deref()
                .is_some_and(|t| t.starts_with("Lumen 0.9 is out"))
        })
        .expect("the release thread is in the inbox");
    let detail = db.store.conversation(release.id, NOW).expect("thread");
    let l1 = detail
        .messages
        .iter()
        .find(|m| m.external_id == L1)
        .expect("L1");
    assert!(
        l1.text.starts_with("太棒了！@ana.lumen-ssg.dev"),
        "{}",
        l1.text
    );
    let html = l1.html.as_deref().expect("L1 has rich text");
    assert!(html.contains(">@ana.lumen-ssg.dev</a>"), "{html}");
    assert!(html.contains("https://lumen-ssg.dev/zh/docs"), "{html}");
}

#[tokio::test]
async fn a_notification_page_maps_to_hearth_as_recorded() {
    let s = setup().await;
    mount_first_sync(&s.server).await;
    let c = connector(&s.server, PASSWORD);
    let mut cursors = Cursors::default();
    cursors.apply(&[
        CursorChange::set("phase", "notifications"),
        CursorChange::set("notifications:cursor", "2026-03-03T08:00:12.345Z"),
        CursorChange::set("notifications:newtop", format!("{A1}\t1772722810052")),
    ]);
    let mut page = c.next_page(&cursors).await.expect("a page");
    for i in &mut page.batch.identities {
        i.raw = i.raw.as_ref().map(|r| format!("{} bytes of JSON", r.len()));
    }
    insta::assert_debug_snapshot!("bluesky_notification_page_with_facets", page);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_second_sync_fetches_only_what_is_new() {
    let mut s = setup().await;
    let c = first_sync(&mut s).await;
    s.server.reset().await;
    mount_second_sync(&s.server).await;
    let (r, _) = s.db.sync(&c, NOW).await;
    r.expect("the second sync succeeds");

    assert_eq!(
        count_requests(&s.server, "com.atproto.server.refreshSession").await,
        1
    );
    assert_eq!(
        count_requests(&s.server, "com.atproto.server.createSession").await,
        0
    );
    let requests = received(&s.server, |_| true).await;
    assert!(
        requests
            .iter()
            .all(|r| !r.url.query().unwrap_or("").contains("cursor=")),
        "no older page is asked for"
    );
    let db = &s.db;
    assert_eq!(db.message_count(), 8, "B4 and M1 are new");
    for uri in [B4, M1] {
        assert_eq!(db.conversation_of(uri), uri);
    }
    let m1_mentions: bool = db.message_field("mentions_us", M1);
    assert!(m1_mentions);

    // Z1 became #notFoundPost under B3: marked deleted, its words kept.
    let deleted: Option<i64> = db.message_field("deleted_at", Z1);
    assert!(deleted.is_some(), "Z1 is marked deleted");
    let text: String = db.message_field("body_text", Z1);
    assert!(text.contains("data/*.toml"), "{text}");
}

#[tokio::test]
async fn a_refused_app_password_stops_the_sync_with_a_clear_message_and_keeps_what_was_synced() {
    let mut s = setup().await;
    let c = first_sync(&mut s).await;
    let before = s.db.message_count();
    s.server.reset().await;
    // The access token expired, the refresh token was revoked, and the app password was
    // withdrawn.
    Mock::given(header("Authorization", ACCESS_1))
        .respond_with(ex("04").respond())
        .with_priority(1)
        .mount(&s.server)
        .await;
    ex("06").mock("").mount(&s.server).await;
    ex("02").mock("").mount(&s.server).await;
    let (r, _) = s.db.sync(&c, NOW).await;
    let err = r.expect_err("the run fails").to_string();
    assert!(err.contains("rejected the token"), "{err}");
    assert!(err.contains("Invalid identifier or password"), "{err}");
    assert!(err.contains("Settings → Accounts"), "{err}");
    assert!(!err.contains("not-real"), "{err}");
    let last_error = s.db.last_error();
    assert!(
        last_error
            .as_deref()
            .is_some_and(|e| e.contains("rejected the token")),
        "{last_error:?}"
    );
    assert_eq!(s.db.message_count(), before);
    assert_eq!(
        count_requests(&s.server, "com.atproto.server.createSession").await,
        1
    );
}

#[tokio::test]
async fn a_429_is_waited_out_and_said_in_words() {
    let mut s = setup().await;
    fail_once(
        &s.server,
        "/xrpc/app.bsky.feed.getAuthorFeed",
        too_many_requests(json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})),
    )
    .await;
    mount_first_sync(&s.server).await;
    let c = connector(&s.server, PASSWORD);
    let (r, events) = s.db.sync(&c, NOW).await;
    r.expect("the sync finishes after waiting");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SyncEvent::Waiting { reason, .. }
            if reason.to_lowercase().contains("bluesky asks us to wait 1 s"))),
        "{events:?}"
    );
    assert_eq!(s.db.message_count(), 6);

    let err = recorded_error(Platform::Bluesky, &ex("21"));
    assert!(
        matches!(err, ConnectorError::RateLimited { wait, .. } if wait == Duration::from_secs(98)),
        "{err:?}"
    );
}

#[tokio::test]
async fn upstream_failures_are_retried_and_garbled_replies_are_named() {
    let mut s = setup().await;
    fail_once(
        &s.server,
        "/xrpc/app.bsky.graph.getFollowers",
        ex("22").respond(),
    )
    .await;
    mount_first_sync(&s.server).await;
    let c = connector(&s.server, PASSWORD);
    let (r, events) = s.db.sync(&c, NOW).await;
    r.expect("the 502 is retried");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SyncEvent::Waiting { reason, .. } if reason.contains("HTTP 502"))),
        "{events:?}"
    );

    let mut s = setup().await;
    mount_session(&s.server).await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.graph.getFollowers"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"followers": [{"did": "did:plc:zb"#, "application/json"),
        )
        .mount(&s.server)
        .await;
    let c = connector(&s.server, PASSWORD);
    let (r, _) = s.db.sync_with(&c, &retry_once(), NOW).await;
    let err = r.expect_err("a cut-off reply fails the run").to_string();
    assert!(
        err.contains("could not read (the reply was cut off)"),
        "{err}"
    );
}

/// The newest message of B1's thread is B3, our own reply to Z1: a reply there answers B3.
async fn mount_thread_tip(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPosts"))
        .and(query_param("uris", B3))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": [post_view(B3)]})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_reply_goes_out_once_threaded_under_its_root_and_parent() {
    let mut s = setup().await;
    let c = first_sync(&mut s).await;
    let conv: i64 = s.db.conversation_id(B1);
    let item =
        s.db.store
            .queue_reply(
                conv,
                "And the docs explain it: https://lumen-ssg.dev/docs/incremental",
                NOW,
            )
            .expect("queued");
    mount_thread_tip(&s.server).await;
    let b1_cid = post_view(B1)["cid"].clone();
    let b3_cid = post_view(B3)["cid"].clone();
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .and(body_partial_json(json!({
            "repo": DID,
            "collection": "app.bsky.feed.post",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "And the docs explain it: https://lumen-ssg.dev/docs/incremental",
                "reply": {
                    "root": {"uri": B1, "cid": b1_cid},
                    "parent": {"uri": B3, "cid": b3_cid},
                },
            },
        })))
        .respond_with(ex("20").respond())
        .expect(1)
        .mount(&s.server)
        .await;
    assert!(c.idempotency_window().is_none());
    let report = s.db.flush(&c, NOW).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let sent = s.db.store.outbox_item(item.id).expect("item");
    assert_eq!(
        sent.url.as_deref(),
        Some("https://bsky.app/profile/lumenssg.bsky.social/post/3mgkitvny222n")
    );
    let again = s.db.flush(&c, NOW).await;
    assert_eq!(again.sent, 0);
}

#[tokio::test]
async fn a_mention_in_a_reply_notifies_the_member_and_an_unknown_handle_stays_text() {
    let mut s = setup().await;
    let c = first_sync(&mut s).await;
    let conv: i64 = s.db.conversation_id(B1);
    let text = "谢谢 @limei.bsky.social！cc @nobody.example.com, see https://lumen-ssg.dev/zh";
    s.db.store.queue_reply(conv, text, NOW).expect("queued");
    mount_thread_tip(&s.server).await;
    for f in ["23", "24"] {
        ex(f).mock("").mount(&s.server).await;
    }
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(ex("20").respond())
        .expect(1)
        .mount(&s.server)
        .await;
    let report = s.db.flush(&c, NOW).await;
    assert_eq!(report.sent, 1, "{report:?}");

    let sent = received(&s.server, |r| r.url.path().ends_with("createRecord")).await;
    let body: Value = serde_json::from_slice(&sent[0].body).expect("a JSON body");
    let facets = body["record"]["facets"].as_array().expect("facets");
    let spans: Vec<(String, String)> = facets
        .iter()
        .map(|f| {
            let start = f["index"]["byteStart"].as_u64().unwrap_or(0) as usize;
            let end = f["index"]["byteEnd"].as_u64().unwrap_or(0) as usize;
            let feature = &f["features"][0];
            let target = feature["did"]
                .as_str()
                .or(feature["uri"].as_str())
                .unwrap_or("")
                .to_string();
            (
                text.get(start..end).unwrap_or("<bad offsets>").to_string(),
                target,
            )
        })
        .collect();
    assert_eq!(
        spans,
        vec![
            (
                "@limei.bsky.social".to_string(),
                "did:plc:lirysn3utyvkdrtksvmn5tqa".to_string()
            ),
            (
                "https://lumen-ssg.dev/zh".to_string(),
                "https://lumen-ssg.dev/zh".to_string()
            ),
        ],
        "Li Mei's handle points at her DID; the unknown handle stays plain text"
    );
}

#[tokio::test]
async fn a_reply_whose_outcome_was_lost_is_found_in_our_feed_and_not_sent_again() {
    let mut s = setup().await;
    let c = first_sync(&mut s).await;
    // B3 answers Z1: as if Hearth had sent it and lost the answer.
    let text = post_view(B3)["record"]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let found = c
        .find_sent(&outgoing("hearth-0-0", text.clone(), Some(B1), Some(Z1)))
        .await
        .expect("the feed is read");
    assert_eq!(found.map(|f| f.external_id).as_deref(), Some(B3));
    let other = c
        .find_sent(&outgoing("hearth-0-0", "never sent", Some(B1), Some(Z1)))
        .await
        .expect("the feed is read");
    assert_eq!(other, None);

    // Through the outbox: an attempt left in doubt is reconciled, not repeated.
    let conv: i64 = s.db.conversation_id(B1);
    let item = s.db.store.queue_reply(conv, &text, NOW).expect("queued");
    s.db.execute(
        "UPDATE outbox SET state = 'sending', reply_to_external_id = ?2 WHERE id = ?1",
        rusqlite::params![item.id, Z1],
    );
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(ex("20").respond())
        .expect(0)
        .mount(&s.server)
        .await;
    let report = s.db.flush(&c, NOW).await;
    assert_eq!(report.reconciled, 1, "{report:?}");
    assert_eq!(report.sent, 0);
}

#[tokio::test]
async fn a_post_over_300_graphemes_is_refused_with_a_clear_error() {
    let s = setup().await;
    let c = connector(&s.server, PASSWORD);
    let err = c
        .send(&new_post("👍🏽".repeat(301)))
        .await
        .expect_err("too long");
    assert!(
        err.to_string()
            .contains("limited to 300 characters; this one has 301"),
        "{err}"
    );
    assert!(received(&s.server, |_| true).await.is_empty());
}
