//! The Slack connector against recorded Slack Web API exchanges (`tests/fixtures/slack/`),
//! through the real sync engine and outbox into a real SQLite file.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::contract::{
    all_pages, new_post, outgoing, page, page_labels, received, recorded_error, retry_once,
    too_many_requests, waits, TestAccount,
};
use common::replay::{self, Exchange};
use hearth::connectors::slack::Slack;
use hearth::model::{InboxQuery, MemberQuery, Millis, Platform};
use hearth::sync::{Connector, ConnectorConfig, ConnectorError, Http, Outgoing, Secret};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API: &str = "/api";
const HELP: &str = "C04HELP7QZ1";
const GENERAL: &str = "C04GNRL5KX2";
const MODERATORS: &str = "C07MODS4PRV";
const S1: &str = "1777885927.481229";
const S2: &str = "1777887630.055619";
const S4: &str = "1777889144.610339";
const S5: &str = "1777890600.912649";
const S6: &str = "1777968775.087109";
/// 2026-05-04 11:00 UTC (first sync), 2026-05-05 09:00 (second), 2026-05-07 09:00 (third).
const FIRST: Millis = 1_777_892_400_000;
const SECOND: Millis = 1_777_971_600_000;
const THIRD: Millis = 1_778_144_400_000;

fn fixture(prefix: &str) -> Exchange {
    replay::load("slack", prefix)
}

fn id(ts: &str) -> String {
    format!("{HELP}/{ts}")
}

fn connector(server: &MockServer, token: &str, now: Millis) -> Slack {
    Slack::new(ConnectorConfig {
        base_url: format!("{}{API}", server.uri()),
        secret: Secret::new(token),
        scopes: Vec::new(),
        http: Http::new(Duration::from_secs(10)).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("no scopes is valid")
    .with_page_size(4)
    .with_recheck_window(15)
    .with_clock(Arc::new(move || now))
}

/// `ConnectorError` texts name the platform through `Platform`'s `Display`, which prints the
/// lowercase id ("slack") today; compare without case so the tests hold either way.
fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// A new account for the workspace, connected as the bot the token belongs to.
async fn db_for(server: &MockServer, c: &Slack) -> TestAccount {
    let mut db = TestAccount::new(Platform::Slack, format!("{}{API}", server.uri()), &[]);
    let me = db.connect(c).await;
    assert_eq!(
        (me.external_id.as_str(), me.handle.as_str()),
        ("U07HRTH8B0T", "hearth")
    );
    db
}

/// The connector (its clock at `clock`) and a new account connected through it.
async fn connected(server: &MockServer, clock: Millis) -> (Slack, TestAccount) {
    let c = connector(server, "test-token-not-real", clock);
    let db = db_for(server, &c).await;
    (c, db)
}

/// Like [`connected`], after a successful first sync at `FIRST`.
async fn synced(server: &MockServer, clock: Millis) -> (Slack, TestAccount) {
    mount_first_sync(server).await;
    let (c, mut db) = connected(server, clock).await;
    db.sync(&c, FIRST).await.0.expect("first sync");
    (c, db)
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// The hearth bot's own profile (as `users.list` page 2 has it), for `users.info`.
async fn mount_me(server: &MockServer) {
    fixture("01").mock("").mount(server).await;
    let users = fixture("04");
    let hearth = users.response["body"]["members"]
        .as_array()
        .and_then(|m| m.iter().find(|u| u["id"] == "U07HRTH8B0T"))
        .cloned()
        .unwrap_or(Value::Null);
    Mock::given(method("GET"))
        .and(path(format!("{API}/users.info")))
        .and(query_param("user", "U07HRTH8B0T"))
        .respond_with(ok(json!({ "ok": true, "user": hearth })))
        .mount(server)
        .await;
}

/// Everything the first sync reads. #general is empty; s4's thread (one reply) is built from
/// the first-sync parent (file 05) and the reply of file 10.
async fn mount_first_sync(server: &MockServer) {
    mount_me(server).await;
    // wiremock ignores extra query parameters: pages with a `cursor` go first.
    for f in ["02", "04", "03", "07", "05", "08"] {
        fixture(f).mock("").mount(server).await;
    }
    mount_quiet_channels(server).await;
    let parent = fixture("05").response["body"]["messages"][1].clone();
    let reply = fixture("10").response["body"]["messages"][1].clone();
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.replies")))
        .and(query_param("ts", S4))
        .respond_with(ok(
            json!({ "ok": true, "messages": [parent, reply], "has_more": false }),
        ))
        .mount(server)
        .await;
}

/// #general and the private #moderators have no messages (there is no recording of them).
async fn mount_quiet_channels(server: &MockServer) {
    for channel in [GENERAL, MODERATORS] {
        Mock::given(method("GET"))
            .and(path(format!("{API}/conversations.history")))
            .and(query_param("channel", channel))
            .respond_with(ok(json!({ "ok": true, "messages": [], "has_more": false })))
            .mount(server)
            .await;
    }
}

/// The methods and queries the server received, in order.
async fn calls(server: &MockServer) -> Vec<String> {
    received(server, |_| true)
        .await
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.url.path().trim_start_matches("/api/"),
                r.url.query().unwrap_or("")
            )
        })
        .collect()
}

/// How many Slack messages the database holds.
fn slack_messages(db: &TestAccount) -> i64 {
    db.sql(
        "SELECT count(*) FROM messages WHERE platform = ?1",
        ["slack"],
    )
}

/// `deleted_at` of the #help message with this `ts`.
fn deleted_at(db: &TestAccount, ts: &str) -> Option<i64> {
    db.message_field("deleted_at", &id(ts))
}

/// Mounts what every sync reads before #help (the bot, channels, users), then `fixtures` and
/// the empty #general.
async fn mount_sync_with(server: &MockServer, fixtures: &[&str]) {
    mount_me(server).await;
    for f in ["02", "04", "03"].iter().chain(fixtures) {
        fixture(f).mock("").mount(server).await;
    }
    mount_quiet_channels(server).await;
}

#[tokio::test]
async fn a_first_sync_fills_users_channels_messages_and_threads() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let (r, _) = db.sync(&c, FIRST).await;
    r.expect("the first sync succeeds");

    let members = db
        .store
        .members(&MemberQuery {
            platform: Some(Platform::Slack),
            limit: Some(100),
            ..Default::default()
        })
        .expect("members");
    assert_eq!(
        members.total, 7,
        "8 users, less the bot itself (the team's account)"
    );
    let maria = members
        .items
        .iter()
        .find(|m| m.display_name == "María García")
        .expect("María");
    let profile = db.store.member_profile(maria.id, FIRST).expect("profile");
    let ident = &profile.identities[0];
    assert_eq!(ident.email.as_deref(), Some("maria@lumen.example"));
    assert_eq!(ident.handle, "maria");
    assert_eq!(
        ident.profile_url.as_deref(),
        Some("https://lumen-community.slack.com/team/U04KQ8MG1RA")
    );
    assert!(ident
        .avatar_url
        .as_deref()
        .is_some_and(|u| u.ends_with("_512.png")));
    assert_eq!(profile.bio.as_deref(), Some("Maintainer, Lumen"));
    assert!(
        members
            .items
            .iter()
            .any(|m| m.display_name == "Pavel Petrov"),
        "deactivated users stay: they wrote history"
    );

    let inbox = db
        .store
        .inbox(&InboxQuery::default(), FIRST)
        .expect("inbox");
    assert_eq!(inbox.items.len(), 1, "#general is empty");
    let help = &inbox.items[0];
    // titled by what is asked there now, the channel beside it
    assert_eq!(help.container.as_deref(), Some("#help · Lumen"));
    assert_ne!(help.title.as_deref(), Some("#help"));
    assert_eq!(
        help.message_count, 8,
        "5 channel messages + 3 thread replies; the join notice is not a message"
    );

    let detail = db.store.conversation(help.id, FIRST).expect("conversation");
    let by_id = |ext: &str| {
        detail
            .messages
            .iter()
            .find(|m| m.external_id == ext)
            .unwrap_or_else(|| panic!("{ext} is stored"))
    };
    let s1 = by_id(&id(S1));
    let r1 = by_id(&format!("{HELP}/{S1}/1777886441.302119"));
    assert_eq!(
        r1.reply_to_id,
        Some(s1.id),
        "a thread reply answers its parent"
    );
    assert_eq!(
        r1.url.as_deref(),
        Some("https://lumen-community.slack.com/archives/C04HELP7QZ1/p1777886441302119?thread_ts=1777885927.481229&cid=C04HELP7QZ1")
    );
    assert!(
        s1.text.ends_with("@hearth maybe worth a docs page?"),
        "{}",
        s1.text
    );
    let s5 = by_id(&id(S5));
    assert_eq!(
        s5.text,
        "@here Reminder: community call on Thursday 16:00 UTC :calendar: agenda in #C04GNRL5KX2"
    );
    let r3 = by_id(&format!("{HELP}/{S4}/1777889409.199829"));
    assert_eq!(r3.author.name, "Pavel Petrov");

    let mentions: Vec<String> = db
        .conn()
        .prepare("SELECT external_id FROM messages WHERE mentions_us ORDER BY created_at")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("ids");
    assert_eq!(
        mentions,
        vec![id(S1)],
        "only s1 mentions the bot; @here does not count"
    );

    let got = calls(&server).await;
    assert!(
        got.contains(&format!("conversations.history channel={HELP}&limit=4")),
        "{got:?}"
    );
    assert!(
        got.iter().all(|c| !c.contains("token")),
        "the token never goes in a query"
    );
}

#[tokio::test]
async fn slack_payloads_map_to_hearth_records_as_snapshotted() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let c = connector(&server, "test-token-not-real", FIRST);
    let (pages, cursors) = all_pages(&c).await;
    let users = page(&pages, "members");
    insta::assert_debug_snapshot!("slack_users_page_1", users.batch);
    let help = page(&pages, "#help");
    insta::assert_debug_snapshot!("slack_help_history_page_1", help.batch);
    assert!(
        cursors.get("run").is_none(),
        "a finished run leaves no run cursor"
    );
    assert_eq!(cursors.get(&format!("chan:{HELP}")), Some(S5));
}

#[tokio::test]
async fn a_second_sync_rereads_the_last_day_applies_the_edit_and_marks_the_tombstone() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    let before = calls(&server).await.len();

    fixture("09").mock("").mount(&server).await;
    let (r, _) = db.sync(&c, SECOND).await;
    r.expect("the second sync succeeds");

    let help_calls: Vec<String> = calls(&server).await[before..]
        .iter()
        .filter(|c| c.contains(HELP))
        .cloned()
        .collect();
    assert_eq!(
        help_calls,
        vec![format!(
            "conversations.history channel={HELP}&oldest=1777885200.000000&limit=15"
        )],
        "one re-read of the last 24 hours; no thread has new replies"
    );

    let conv = db.conversation_id(HELP);
    let detail = db.store.conversation(conv, SECOND).expect("conversation");
    assert_eq!(detail.messages.len(), 9, "s6 added, nothing duplicated");
    let find = |ext: String| {
        detail
            .messages
            .iter()
            .find(|m| m.external_id == ext)
            .cloned()
            .unwrap_or_else(|| panic!("{ext} is stored"))
    };
    let s2 = find(id(S2));
    assert!(s2.text.contains("until 0.18.2 ships"), "{}", s2.text);
    assert_eq!(s2.edited_at, Some(1_777_920_450_000));
    let old: String = db.sql(
        "SELECT r.body_text FROM message_revisions r JOIN messages m ON m.id = r.message_id
         WHERE m.external_id = ?1",
        [id(S2)],
    );
    assert!(
        old.contains("until 0.19 ships"),
        "the old text is kept: {old}"
    );

    let s4 = find(id(S4));
    assert!(s4.deleted, "the tombstone marks the parent deleted");
    assert!(
        s4.text.starts_with("Question: is there a Matrix bridge"),
        "its words stay"
    );
    assert_eq!(s4.author.name, "Zoë Dubois", "still Zoë's, not Slackbot's");

    let s6 = find(id(S6));
    let s6_mentions: bool = db.message_field("mentions_us", &id(S6));
    assert!(s6_mentions, "{}", s6.text);
}

#[tokio::test]
async fn a_new_reply_in_a_thread_older_than_the_reread_is_still_synced() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    fixture("09").mock("").mount(&server).await;
    db.sync(&c, SECOND).await.0.expect("second sync");

    // Two days on, Aiko answers in s1's thread (from 2026-05-04); nothing new in the channel.
    let before = calls(&server).await.len();
    fixture("18").mock("").mount(&server).await;
    fixture("19").mock("").with_priority(1).mount(&server).await;
    let c = connector(&server, "test-token-not-real", THIRD);
    db.sync(&c, THIRD).await.0.expect("third sync");

    let help_calls: Vec<String> = calls(&server).await[before..]
        .iter()
        .filter(|c| c.contains(HELP))
        .cloned()
        .collect();
    assert!(
        help_calls.contains(&format!(
            "conversations.replies channel={HELP}&ts={S1}&limit=200&oldest={S6}"
        )),
        "s1's thread is asked only for replies since the last sync: {help_calls:?}"
    );
    let r4 = format!("{HELP}/{S1}/1778141411.640213");
    let text: String = db.message_field("body_text", &r4);
    assert!(text.starts_with("Same 404s here with Caddy"), "{text}");
    let mentions: bool = db.message_field("mentions_us", &r4);
    assert!(
        mentions,
        "Aiko's @hearth in the old thread reaches the inbox"
    );
    let parent: String = db.message_field("reply_to_external_id", &r4);
    assert_eq!(parent, id(S1), "the reply answers s1");

    // A week after its last reply, the thread is no longer asked.
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.history")))
        .and(query_param("channel", HELP))
        .respond_with(ok(json!({ "ok": true, "messages": [], "has_more": false })))
        .mount(&server)
        .await;
    let later = THIRD + 8 * 24 * 3600 * 1000;
    let before = calls(&server).await.len();
    let c = connector(&server, "test-token-not-real", later);
    db.sync(&c, later).await.0.expect("a later sync");
    let asked: Vec<String> = calls(&server).await[before..]
        .iter()
        .filter(|c| c.starts_with("conversations.replies"))
        .cloned()
        .collect();
    assert!(asked.is_empty(), "quiet threads are left alone: {asked:?}");
}

#[tokio::test]
async fn a_private_channel_the_app_was_invited_to_is_synced() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let note = json!({
        "type": "message", "user": "U04KQ8MG1RA", "ts": "1777884000.000100",
        "text": "Heads-up: the spam wave is back in #help, I'm on it.",
        "team": "T04KQ7LMN2S",
    });
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.history")))
        .and(query_param("channel", MODERATORS))
        .respond_with(ok(
            json!({ "ok": true, "messages": [note], "has_more": false }),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    let (c, mut db) = connected(&server, FIRST).await;
    db.sync(&c, FIRST).await.0.expect("the first sync succeeds");
    let text: String = db.message_field("body_text", &format!("{MODERATORS}/1777884000.000100"));
    assert!(text.starts_with("Heads-up: the spam wave"), "{text}");
    let title: String = db.sql(
        "SELECT title FROM conversations WHERE external_id = ?1",
        [MODERATORS],
    );
    assert_eq!(title, "#moderators");
}

#[tokio::test]
async fn without_groups_read_public_channels_still_sync_and_the_progress_says_why() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    fixture("20").mock("").with_priority(1).mount(&server).await;
    fixture("21").mock("").mount(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let (r, events) = db.sync(&c, FIRST).await;
    r.expect("the sync goes on with public channels");
    assert!(
        page_labels(&events)
            .iter()
            .any(|l| l.contains("private channels need the groups:read scope")),
        "the progress says what private channels need"
    );
    let help: i64 = db.sql(
        "SELECT count(*) FROM messages WHERE external_id LIKE ?1",
        [format!("{HELP}/%")],
    );
    assert!(help > 0, "#help is synced");
    let asked = calls(&server).await;
    assert!(
        !asked.iter().any(|c| c.contains(MODERATORS)),
        "the private channel is not asked for: {asked:?}"
    );
}

#[tokio::test]
async fn a_message_gone_from_the_reread_window_is_marked_deleted() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;

    // The second sync's window without s3 (deleted, no replies: Slack leaves no trace).
    let mut window = fixture("09");
    if let Some(list) = window.response["body"]["messages"].as_array_mut() {
        list.retain(|m| m["ts"] != "1777888502.840019");
    }
    window.mock("").mount(&server).await;
    db.sync(&c, SECOND).await.0.expect("second sync");
    assert_eq!(deleted_at(&db, "1777888502.840019"), Some(SECOND));
    assert_eq!(deleted_at(&db, S5), None, "what is still there stays");
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_said_in_words() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.history")))
        .and(query_param("cursor", "bmV4dF90czoxNzc3ODg1OTI3NDgxMjI5"))
        .respond_with(too_many_requests(
            json!({ "ok": false, "error": "ratelimited" }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_first_sync(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let (r, events) = db.sync(&c, FIRST).await;
    r.expect("the sync finishes after waiting");
    assert_eq!(waits(&events), vec!["slack asks us to wait 1 s"]);
    assert_eq!(slack_messages(&db), 8, "nothing lost, nothing doubled");

    // The recorded 429 asks for 30 s; so does `ratelimited` sent with HTTP 200.
    let recorded = fixture("06");
    let e = recorded_error(Platform::Slack, &recorded);
    assert_eq!(lower(&e.to_string()), "slack asks us to wait 30 s");
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        "retry-after",
        reqwest::header::HeaderValue::from_static("7"),
    );
    let e = hearth::connectors::slack::slack_error("ratelimited", &json!({}), &h);
    assert!(matches!(e, ConnectorError::RateLimited { wait, .. } if wait.as_secs() == 7));
}

#[tokio::test]
async fn ok_false_answers_map_to_what_the_user_must_do() {
    // invalid_auth, sent with HTTP 200, on "Test connection".
    let server = MockServer::start().await;
    fixture("13").mock("").mount(&server).await;
    let c = connector(&server, "test-token-wrong-not-real", FIRST);
    let e = c.whoami().await.expect_err("a wrong token");
    assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
    assert!(
        e.to_string().ends_with(
            "rejected the token (the token is not valid) — update it in Settings → Accounts"
        ),
        "{e}"
    );

    // missing_scope names the permission to add.
    let server = MockServer::start().await;
    mount_sync_with(&server, &["15"]).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let (r, _) = db.sync(&c, FIRST).await;
    let err = r.expect_err("a missing scope stops the sync").to_string();
    assert!(
        err.contains("lacks the channels:history permission"),
        "{err}"
    );
    assert_eq!(db.last_error(), Some(err));

    // internal_error (HTTP 200) and service_unavailable (HTTP 503) are retried.
    let server = MockServer::start().await;
    fixture("17").mock("").up_to_n_times(1).mount(&server).await;
    let unavailable = fixture("16");
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.history")))
        .and(query_param("channel", HELP))
        .respond_with(unavailable.respond())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_first_sync(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let (r, events) = db.sync(&c, FIRST).await;
    r.expect("transient errors are retried");
    let w = waits(&events);
    assert!(
        w[0].starts_with("slack is having trouble (http 500)"),
        "{w:?}"
    );
    assert!(
        w[1].starts_with("slack is having trouble (http 503)"),
        "{w:?}"
    );

    // not_in_channel on posting says how to fix it.
    let server = MockServer::start().await;
    mount_me(&server).await;
    fixture("12").mock("").mount(&server).await;
    let c = connector(&server, "test-token-not-real", FIRST);
    let e = c
        .send(&outgoing(
            "k",
            "Community call starts in 10 minutes!",
            Some(GENERAL),
            None,
        ))
        .await
        .expect_err("not in the channel");
    assert!(matches!(e, ConnectorError::Forbidden { .. }), "{e:?}");
    assert!(e.to_string().contains("invite it"), "{e}");
}

#[tokio::test]
async fn a_revoked_token_stops_the_sync_and_keeps_what_was_synced() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    fixture("09").mock("").mount(&server).await;
    db.sync(&c, SECOND).await.0.expect("second sync");
    let c = connector(&server, "test-token-not-real", THIRD);

    server.reset().await;
    mount_sync_with(&server, &["14"]).await;
    // Two days later the window starts at the newest message (s6), as file 14 records.
    let (r, _) = db.sync(&c, THIRD).await;
    let err = r.expect_err("a revoked token fails the sync").to_string();
    assert!(
        lower(&err).contains("slack rejected the token (the token was revoked)")
            && err.contains("update it in Settings → Accounts"),
        "{err}"
    );
    assert!(!err.contains("test-token"));
    assert_eq!(db.last_error().as_deref(), Some(err.as_str()));
    assert_eq!(slack_messages(&db), 9, "what was synced stays");
}

#[tokio::test]
async fn a_garbled_reply_is_named_in_words() {
    let server = MockServer::start().await;
    mount_me(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.list")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"ok": true, "channels": [{"id": "C0"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let (c, mut db) = connected(&server, FIRST).await;
    let err = db
        .sync_with(&c, &retry_once(), FIRST)
        .await
        .0
        .expect_err("a cut-off reply fails after retrying");
    assert_eq!(
        lower(&err.to_string()),
        "slack sent a reply hearth could not read (the reply was cut off)"
    );
}

#[tokio::test]
async fn a_reply_goes_into_the_thread_and_a_lost_one_is_found_not_resent() {
    let server = MockServer::start().await;
    mount_me(&server).await;
    let posted = fixture("11");
    Mock::given(method("POST"))
        .and(path(format!("{API}/chat.postMessage")))
        .and(body_partial_json(posted.request["body"].clone()))
        .respond_with(posted.respond())
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server, "test-token-not-real", SECOND);
    let text = posted.request["body"]["text"].as_str().unwrap_or_default();
    // Answering r2, a reply in s1's thread: the post goes into that thread.
    let item = outgoing(
        "hearth-1",
        text,
        Some(HELP),
        Some(&format!("{HELP}/{S1}/1777886713.774509")),
    );
    let sent = c.send(&item).await.expect("posted");
    assert_eq!(sent.external_id, format!("{HELP}/{S1}/1777971931.447789"));
    assert_eq!(
        sent.url.as_deref(),
        Some("https://lumen-community.slack.com/archives/C04HELP7QZ1/p1777971931447789?thread_ts=1777885927.481229&cid=C04HELP7QZ1")
    );
    assert!(
        c.idempotency_window().is_none(),
        "chat.postMessage has no idempotency key"
    );

    let thread = fixture("08");
    let mut messages = thread.response["body"]["messages"].clone();
    if let Some(list) = messages.as_array_mut() {
        list.push(posted.response["body"]["message"].clone());
    }
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.replies")))
        .and(query_param("ts", S1))
        .respond_with(ok(
            json!({ "ok": true, "messages": messages, "has_more": false }),
        ))
        .mount(&server)
        .await;
    let found = c.find_sent(&item).await.expect("a lookup").expect("found");
    assert_eq!(found, sent);
    let other = Outgoing {
        body: "something else".into(),
        ..item
    };
    assert_eq!(c.find_sent(&other).await.expect("a lookup"), None);
}

#[tokio::test]
async fn the_outbox_sends_a_queued_reply_once_and_reconciles_a_lost_one() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    let conv = db.conversation_id(HELP);

    let reply = json!({
        "user": "U07HRTH8B0T", "type": "message", "ts": "1777971931.447789",
        "bot_id": "B07HRTH8BTX", "text": "See you Thursday!", "thread_ts": S5,
        "parent_user_id": "U04KQ8MG1RA"
    });
    Mock::given(method("POST"))
        .and(path(format!("{API}/chat.postMessage")))
        .and(body_partial_json(
            json!({ "channel": HELP, "thread_ts": S5, "text": "See you Thursday!" }),
        ))
        .respond_with(ok(
            json!({ "ok": true, "channel": HELP, "ts": "1777971931.447789", "message": reply }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    // The newest message of #help is s5: the reply goes into its thread.
    let item = db
        .store
        .queue_reply(conv, "See you Thursday!", SECOND)
        .expect("queued");
    let first = db.flush(&c, SECOND).await;
    assert_eq!(first.sent, 1, "{first:?}");
    let again = db.flush(&c, SECOND).await;
    assert_eq!(again.sent, 0);
    assert!(db
        .store
        .outbox_item(item.id)
        .expect("item")
        .url
        .is_some_and(|u| u.contains("p1777971931447789")));

    // An attempt whose outcome was lost is looked up in the thread, not sent again.
    let lost = db
        .store
        .queue_reply(conv, "See you Thursday!", SECOND + 1)
        .expect("queued");
    db.lose_attempt(lost.id);
    let parent = fixture("05").response["body"]["messages"][0].clone();
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.replies")))
        .and(query_param("ts", S5))
        .respond_with(ok(
            json!({ "ok": true, "messages": [parent, reply], "has_more": false }),
        ))
        .mount(&server)
        .await;
    let third = db.flush(&c, SECOND).await;
    assert_eq!((third.sent, third.reconciled), (0, 1), "{third:?}");
}

#[tokio::test]
async fn a_new_post_goes_to_the_first_channel_in_the_scopes_or_asks_for_one() {
    let server = MockServer::start().await;
    mount_me(&server).await;
    let c = connector(&server, "test-token-not-real", SECOND);
    let err = c
        .send(&new_post("Hello"))
        .await
        .expect_err("no channel to post to");
    assert!(matches!(err, ConnectorError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("add a channel id"), "{err}");

    let bad = Slack::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new("t"),
        scopes: vec!["help".into()],
        http: Http::new(Duration::from_secs(1)).expect("http"),
        clock: std::sync::Arc::new(hearth::now_millis),
    });
    assert!(matches!(bad, Err(ConnectorError::Config(_))));
}

/// A member's message in #help, by its ts.
fn member_message(db: &TestAccount, ts: &str) -> i64 {
    db.sql("SELECT id FROM messages WHERE external_id = ?1", [id(ts)])
}

#[tokio::test]
async fn a_moderator_deletes_a_members_message_through_chat_delete_and_a_refusal_is_said_in_words()
{
    use hearth::model::{ModActionInput, ModActionKind};
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    let target = member_message(&db, S1);
    Mock::given(method("POST"))
        .and(path(format!("{API}/chat.delete")))
        .and(body_partial_json(json!({ "channel": HELP, "ts": S1 })))
        .respond_with(ok(json!({ "ok": true, "channel": HELP, "ts": S1 })))
        .expect(1)
        .mount(&server)
        .await;
    let act = |message: i64, action: ModActionKind| ModActionInput {
        message_id: Some(message),
        action: Some(action),
        reason: "Spam link".into(),
        guideline: Some("No spam".into()),
        ..Default::default()
    };
    let queued = db
        .store
        .moderate(&act(target, ModActionKind::Delete), SECOND)
        .expect("queued");
    assert_eq!(
        (queued.how.as_str(), queued.state.as_str()),
        ("platform", "queued")
    );
    let flushed = db.flush(&c, SECOND).await;
    assert_eq!(flushed.sent, 1, "{flushed:?}");
    let done = db.store.mod_action(queued.id).expect("the log line");
    assert_eq!(done.state, "done", "{done:?}");
    assert_eq!(done.done_at, Some(SECOND));
    assert!(
        db.message_field::<Option<i64>>("deleted_at", &id(S1))
            .is_some(),
        "the message shows as deleted at once, its text kept"
    );
    assert_eq!(db.flush(&c, SECOND).await.sent, 0, "deleted once");

    // Slack lets a bot delete only its own messages: the log says so, and keeps the action.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/chat.delete")))
        .respond_with(ok(json!({ "ok": false, "error": "cant_delete_message" })))
        .mount(&server)
        .await;
    let other = member_message(&db, S2);
    let refused = db
        .store
        .moderate(&act(other, ModActionKind::Delete), SECOND)
        .expect("queued");
    let report = db.flush(&c, SECOND).await;
    assert_eq!(report.failed, 1, "{report:?}");
    let failed = db.store.mod_action(refused.id).expect("the log line");
    assert_eq!(failed.state, "failed");
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("workspace admin")),
        "{failed:?}"
    );
    let by_hand = db
        .store
        .mod_action_done_by_hand(refused.id, SECOND + 1)
        .expect("recorded by hand");
    assert_eq!(
        (by_hand.how.as_str(), by_hand.state.as_str()),
        ("hand", "done")
    );
    assert_eq!(
        db.sql::<i64>(
            "SELECT count(*) FROM outbox WHERE kind = 'moderate' AND state <> 'sent'",
            []
        ),
        0,
        "the refused item leaves the outbox once it is done by hand"
    );

    // Slack's API has no timeout: recorded by hand, nothing sent.
    let timeout = db
        .store
        .moderate(&act(other, ModActionKind::Timeout), SECOND)
        .expect("recorded");
    assert_eq!(
        (timeout.how.as_str(), timeout.state.as_str()),
        ("hand", "done")
    );
}
