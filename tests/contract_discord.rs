//! The Discord connector against recorded Discord exchanges (`tests/fixtures/discord/`), through
//! the real sync engine and outbox into a real SQLite file.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::contract::{
    all_pages, millis, new_post, outgoing, page, page_labels, received, recorded_error, retry_once,
    too_many_requests, waits, TestAccount,
};
use common::replay::{self, Exchange};
use hearth::connectors::discord::Discord;
use hearth::model::{ConversationKind, InboxQuery, MemberQuery, Millis, Platform};
use hearth::sync::{Connector, ConnectorConfig, ConnectorError, Http, Outgoing, Secret, SyncEvent};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API: &str = "/api/v10";
const GUILD: &str = "1070404211835011079";
const HELP: &str = "1070408600813436935";
const GENERAL: &str = "1070404211835273225";
const BOT: &str = "1495729492004569095";
const M3: &str = "1500789138268487687";
const M4: &str = "1500791859440648199";
const M8: &str = "1500801998117797895";
const M9: &str = "1500804381833035783";
const M10: &str = "1501130885360123911";
/// 2026-05-04 11:00 UTC, the first sync; 2026-05-05 09:00 UTC, the second.
const FIRST: Millis = 1_777_892_400_000;
const SECOND: Millis = 1_777_971_600_000;

fn fixture(prefix: &str) -> Exchange {
    replay::load("discord", prefix)
}

fn connector(server: &MockServer, token: &str, now: Millis) -> Discord {
    Discord::new(ConnectorConfig {
        base_url: format!("{}{API}", server.uri()),
        secret: Secret::new(token),
        scopes: vec![GUILD.into()],
        http: Http::new(Duration::from_secs(10)).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("a guild id is a valid scope")
    .with_page_size(5)
    .with_recheck_window(6)
    .with_clock(Arc::new(move || now))
}

/// A new account for the guild, connected as the bot the token belongs to.
async fn db_for(server: &MockServer, c: &Discord) -> TestAccount {
    let mut db = TestAccount::new(
        Platform::Discord,
        format!("{}{API}", server.uri()),
        &[GUILD],
    );
    let me = db.connect(c).await;
    assert_eq!(
        (me.external_id.as_str(), me.handle.as_str()),
        (BOT, "Hearth#4096")
    );
    db
}

/// The connector (its clock at `clock`) and a new account connected through it.
async fn connected(server: &MockServer, clock: Millis) -> (Discord, TestAccount) {
    let c = connector(server, "test-token-not-real", clock);
    let db = db_for(server, &c).await;
    (c, db)
}

/// Like [`connected`], after a successful first sync at `FIRST`.
async fn synced(server: &MockServer, clock: Millis) -> (Discord, TestAccount) {
    mount_first_sync(server).await;
    let (c, mut db) = connected(server, clock).await;
    db.sync(&c, FIRST).await.0.expect("first sync");
    (c, db)
}

/// Everything the first sync reads: the current user, channels, members, #help's history;
/// #general is empty and #maintainers is closed to the bot.
async fn mount_first_sync(server: &MockServer) {
    // wiremock ignores extra query parameters: the page with `after` goes first.
    for f in ["01", "02", "04", "03", "05", "07", "16"] {
        fixture(f).mock("").mount(server).await;
    }
    Mock::given(method("GET"))
        .and(path(format!("{API}/channels/{GENERAL}/messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

async fn mount_second_sync(server: &MockServer) {
    for f in ["08", "09"] {
        fixture(f).mock("").mount(server).await;
    }
}

/// How many times the #help thread's messages were asked for.
async fn thread_reads(server: &MockServer) -> usize {
    received(server, |r| {
        r.url.path().ends_with("/1500806696140931077/messages")
    })
    .await
    .len()
}

/// The `/channels/#help/messages` queries the server received, in order.
async fn help_queries(server: &MockServer) -> Vec<String> {
    received(server, |r| {
        r.method.as_str() == "GET" && r.url.path().ends_with(&format!("{HELP}/messages"))
    })
    .await
    .iter()
    .map(|r| r.url.query().unwrap_or("").to_string())
    .collect()
}

#[tokio::test]
async fn a_first_sync_fills_members_the_help_channel_and_its_messages() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;

    let (r, events) = db.sync(&c, FIRST).await;
    r.expect("the first sync succeeds");

    let labels = page_labels(&events);
    assert!(labels.contains(&"#help"), "{labels:?}");
    assert!(
        labels
            .iter()
            .any(|l| l.contains("#maintainers") && l.contains("skipped")),
        "the private channel is skipped, not fatal: {labels:?}"
    );

    let members = db
        .store
        .members(&MemberQuery {
            platform: Some(Platform::Discord),
            limit: Some(100),
            ..Default::default()
        })
        .expect("members");
    assert_eq!(
        members.total, 7,
        "5 + 3 guild members, less the bot itself (it is the team's account)"
    );
    let aiko = members
        .items
        .iter()
        .find(|m| m.handles.iter().any(|h| h == "aiko_builds"))
        .expect("Aiko is a member");
    assert_eq!(aiko.display_name, "愛子 Aiko");
    assert_eq!(aiko.message_count, 1);
    let profile = db.store.member_profile(aiko.id, FIRST).expect("profile");
    let ident = &profile.identities[0];
    assert_eq!(
        ident.profile_url.as_deref(),
        Some("https://discord.com/users/772797107911393287")
    );
    assert_eq!(
        ident.avatar_url.as_deref(),
        Some("https://cdn.discordapp.com/avatars/772797107911393287/4577c26c436a6c817fdc4c8b3ce6e031.png")
    );
    // Joined the server 2023-06-12.
    assert_eq!(profile.member.first_seen_at, Some(1_686_541_315_908));

    let inbox = db
        .store
        .inbox(&InboxQuery::default(), FIRST)
        .expect("inbox");
    assert_eq!(inbox.items.len(), 1, "only #help has messages");
    let help = &inbox.items[0];
    // titled by what is asked there now, the channel beside it
    assert_eq!(help.container.as_deref(), Some("#help · Community"));
    assert!(
        help.title
            .as_deref()
            .is_some_and(|t| t.starts_with("Hi all! Is there a way to make **Lumen** rebuild")),
        "{:?}",
        help.title
    );
    assert_eq!(help.message_count, 9);
    assert_eq!(
        help.url.as_deref(),
        Some("https://discord.com/channels/1070404211835011079/1070408600813436935")
    );

    let detail = db.store.conversation(help.id, FIRST).expect("conversation");
    let texts: Vec<&str> = detail.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts[0].starts_with("Hi all! Is there a way"),
        "oldest first: {texts:?}"
    );
    let release = detail
        .messages
        .iter()
        .find(|m| m.text.starts_with("📦"))
        .expect("the release post");
    assert!(
        release.text.contains("Lumen 0.18.2\n• Fix `EPERM`"),
        "the embed's words are kept: {}",
        release.text
    );
    let m2 = &detail.messages[1];
    assert_eq!(m2.reply_to_id, Some(detail.messages[0].id), "m2 answers m1");

    let mentions: i64 = db.sql(
        "SELECT count(*) FROM messages WHERE mentions_us AND account_id = ?1",
        [db.account.to_string()],
    );
    assert_eq!(mentions, 1, "only m3 mentions the bot");
    let m3_mentions: bool = db.message_field("mentions_us", M3);
    assert!(m3_mentions);
    let m9_url: String = db.message_field("url", M9);
    assert_eq!(
        m9_url,
        format!("https://discord.com/channels/{GUILD}/{HELP}/{M9}")
    );

    // Paging: after=0, then after the highest id of page 1 (m5), never "the last element".
    assert_eq!(
        help_queries(&server).await,
        vec![
            "after=0&limit=5".to_string(),
            "after=1500794327176183815&limit=5".to_string()
        ]
    );
}

#[tokio::test]
async fn active_threads_and_forum_posts_sync_as_threads_under_their_channel() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    // The guild's active threads: one in #help, one post in the #ideas forum.
    for f in ["19", "20", "21"] {
        fixture(f).mock("").mount(&server).await;
    }
    let (c, mut db) = connected(&server, FIRST).await;

    let (r, events) = db.sync(&c, FIRST).await;
    r.expect("the first sync succeeds");
    let labels = page_labels(&events);
    assert!(
        labels.contains(&"thread “Build hangs on Windows”"),
        "progress names the thread: {labels:?}"
    );

    let inbox = db
        .store
        .inbox(&InboxQuery::default(), FIRST)
        .expect("inbox");
    let found: Vec<(Option<&str>, Option<&str>, ConversationKind, i64)> = inbox
        .items
        .iter()
        .map(|i| {
            (
                i.title.as_deref(),
                i.container.as_deref(),
                i.kind,
                i.message_count,
            )
        })
        .collect();
    assert!(
        found.contains(&(
            Some("Build hangs on Windows"),
            Some("#help"),
            ConversationKind::Thread,
            2
        )),
        "the #help thread is its own conversation: {found:?}"
    );
    assert!(
        found.contains(&(
            Some("Dark mode for the docs theme"),
            Some("#ideas"),
            ConversationKind::Thread,
            2
        )),
        "the forum post is a conversation under its forum: {found:?}"
    );
    assert!(
        found.iter().any(|f| f.1 == Some("#help · Community")
            && f.2 == ConversationKind::Channel
            && f.3 == 9),
        "the channel itself still syncs, titled by its open question: {found:?}"
    );
    let asks_us: bool = db.message_field("mentions_us", "1500809514713219079");
    assert!(
        asks_us,
        "María's @Hearth inside the thread is a mention of us"
    );
    assert_eq!(
        db.conversation_of("1500809514713219079"),
        "1500806696140931077",
        "a thread's messages belong to the thread, not to #help"
    );
    // The forum post's first message shares the thread's id, and is its opening message.
    let opening: String = db.message_field("body_text", "1500810471014531078");
    assert!(opening.starts_with("A dark variant"), "{opening}");
}

#[tokio::test]
async fn a_thread_closed_since_the_last_sync_still_brings_its_last_messages() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    for f in ["19", "20", "21"] {
        fixture(f).mock("").mount(&server).await;
    }
    let (c, mut db) = connected(&server, FIRST).await;
    db.sync(&c, FIRST).await.0.expect("the first sync succeeds");

    // The next morning the #help thread is closed, and no longer listed as active; Chidi's
    // last message in it came after the first sync.
    mount_second_sync(&server).await;
    fixture("22").mock("").with_priority(1).mount(&server).await;
    fixture("23").mock("").mount(&server).await;
    let c = connector(&server, "test-token-not-real", SECOND);
    db.sync(&c, SECOND)
        .await
        .0
        .expect("the second sync succeeds");
    let closing: String = db.message_field("body_text", "1500819300024451081");
    assert!(closing.contains("got past it"), "{closing}");
    assert_eq!(
        db.conversation_of("1500819300024451081"),
        "1500806696140931077",
        "in the thread's conversation"
    );

    // A week on, the closed thread is left alone.
    let before = thread_reads(&server).await;
    let later = SECOND + 8 * 24 * 3600 * 1000;
    let c = connector(&server, "test-token-not-real", later);
    db.sync(&c, later).await.0.expect("a later sync");
    assert_eq!(thread_reads(&server).await, before, "not read again");
}

#[tokio::test]
async fn discord_payloads_map_to_hearth_records_as_snapshotted() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let c = connector(&server, "test-token-not-real", FIRST);
    let (pages, cursors) = all_pages(&c).await;
    let members = page(&pages, "members");
    insta::assert_debug_snapshot!("discord_members_page_1", members.batch);
    let help = page(&pages, "#help");
    insta::assert_debug_snapshot!("discord_help_messages_page_1", help.batch);
    assert!(
        cursors.get("run").is_none(),
        "a finished run leaves no run cursor"
    );
    assert_eq!(cursors.get(&format!("chan:{HELP}")), Some(M9));
    assert_eq!(
        cursors.get(&format!("roles:{GUILD}")),
        Some("1495733613059244039"),
        "the bot's own roles are remembered"
    );
}

#[tokio::test]
async fn a_second_sync_reads_only_what_is_new_applies_the_edit_and_marks_the_deletion() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    let before = help_queries(&server).await.len();

    mount_second_sync(&server).await;
    let (r, _) = db.sync(&c, SECOND).await;
    r.expect("the second sync succeeds");

    assert_eq!(
        help_queries(&server).await[before..].to_vec(),
        vec![format!("after={M9}&limit=5"), "limit=6".to_string()],
        "only new messages, then the re-read window"
    );

    let conv = db.conversation_id(HELP);
    let detail = db.store.conversation(conv, SECOND).expect("conversation");
    assert_eq!(
        detail.messages.len(),
        10,
        "m10 was added, nothing duplicated"
    );

    let m4 = detail
        .messages
        .iter()
        .find(|m| m.external_id == M4)
        .expect("m4");
    assert!(m4.text.contains("until 0.18.2 ships"), "{}", m4.text);
    assert!(m4.edited_at.is_some());
    let old: String = db.sql(
        "SELECT r.body_text FROM message_revisions r JOIN messages m ON m.id = r.message_id
         WHERE m.external_id = ?1",
        [M4],
    );
    assert!(
        old.contains("until 0.19 ships"),
        "the old text is kept: {old}"
    );

    let m8 = detail
        .messages
        .iter()
        .find(|m| m.external_id == M8)
        .expect("m8 is kept");
    assert!(m8.deleted, "m8 vanished from a contiguous range");
    assert!(
        m8.text.starts_with("Is the Matrix bridge down?"),
        "its words stay"
    );
    let deleted_at: i64 = db.message_field("deleted_at", M8);
    assert_eq!(deleted_at, SECOND);

    let m10 = detail
        .messages
        .iter()
        .find(|m| m.external_id == M10)
        .expect("m10");
    assert_eq!(
        m10.reply_to_id,
        Some(m8.id),
        "the reply still points at the deleted message"
    );

    // A third run with nothing new asks for the same two things and changes nothing.
    let (r, events) = db.sync(&c, SECOND + 60_000).await;
    r.expect("third sync");
    let added: u64 = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Page { totals, .. } => Some(totals.messages_added + totals.messages_updated),
            _ => None,
        })
        .next_back()
        .unwrap_or(0);
    assert_eq!(added, 0);
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_said_in_words() {
    let server = MockServer::start().await;
    // The recorded 429 (Retry-After: 5) with a 1 s wait, answered once before page 2.
    let recorded = fixture("06");
    Mock::given(method("GET"))
        .and(path(format!("{API}/channels/{HELP}/messages")))
        .and(query_param("after", "1500794327176183815"))
        .respond_with(
            too_many_requests(
                json!({"message": "You are being rate limited.", "retry_after": 0.5, "global": false}),
            )
            .insert_header("X-RateLimit-Scope", "user"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_first_sync(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let (r, events) = db.sync(&c, FIRST).await;
    r.expect("the sync finishes after waiting");
    assert_eq!(waits(&events), vec!["discord asks us to wait 1 s"]);
    assert_eq!(discord_messages(&db), 9, "nothing lost, nothing doubled");

    // The recorded 429s of every scope wait as long as Discord says.
    for (f, secs) in [("06", 5), ("13", 1), ("14", 21)] {
        let ex = fixture(f);
        let e = recorded_error(Platform::Discord, &ex);
        match &e {
            ConnectorError::RateLimited { wait, .. } => {
                assert_eq!(wait.as_secs(), secs, "{}", ex.file)
            }
            other => panic!("{}: {other:?}", ex.file),
        }
        if f == "06" {
            assert_eq!(e.to_string().to_lowercase(), "discord asks us to wait 5 s");
        }
    }
    drop(recorded);
}

fn discord_messages(db: &TestAccount) -> i64 {
    db.sql(
        "SELECT count(*) FROM messages WHERE platform = ?1",
        ["discord"],
    )
}

#[tokio::test]
async fn a_rejected_token_stops_the_sync_with_words_and_keeps_what_was_synced() {
    let server = MockServer::start().await;
    let (_good, mut db) = synced(&server, FIRST).await;

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(fixture("15").respond())
        .mount(&server)
        .await;
    let revoked = connector(&server, "test-token-revoked-not-real", SECOND);
    let (r, _) = db.sync(&revoked, SECOND).await;
    let err = r.expect_err("a revoked token fails the sync").to_string();
    assert!(
        err.to_lowercase().contains("discord rejected the token")
            && err.contains("update it in Settings → Accounts"),
        "{err}"
    );
    assert!(!err.contains("test-token"), "the token never shows: {err}");
    assert_eq!(db.last_error().as_deref(), Some(err.as_str()));
    assert_eq!(discord_messages(&db), 9, "what was synced stays");
}

#[tokio::test]
async fn server_errors_are_retried_and_garbled_replies_are_named() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/guilds/{GUILD}/channels")))
        .respond_with(fixture("17").respond())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_first_sync(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let (r, events) = db.sync(&c, FIRST).await;
    r.expect("the 500 is retried");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SyncEvent::Waiting { reason, .. }
            if reason.to_lowercase().starts_with("discord is having trouble (http 500)"))),
        "{events:?}"
    );

    let broken = MockServer::start().await;
    fixture("01").mock("").mount(&broken).await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/guilds/{GUILD}/channels")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"[{"id": "1070404211835142152", "type": 4, "na"#,
            "application/json",
        ))
        .mount(&broken)
        .await;
    let (c, mut db) = connected(&broken, FIRST).await;
    let err = db
        .sync_with(&c, &retry_once(), FIRST)
        .await
        .0
        .expect_err("a cut-off reply fails after retrying");
    assert_eq!(
        err.to_string().to_lowercase(),
        "discord sent a reply hearth could not read (the reply was cut off)"
    );
}

fn reply(key: &str, body: &str, to: Option<&str>) -> Outgoing {
    outgoing(key, body, Some(HELP), to)
}

#[tokio::test]
async fn a_reply_goes_out_with_a_nonce_and_a_lost_one_is_found_not_resent() {
    let server = MockServer::start().await;
    fixture("01").mock("").mount(&server).await;
    let posted = fixture("10");
    Mock::given(method("POST"))
        .and(path(format!("{API}/channels/{HELP}/messages")))
        .and(body_partial_json(posted.request["body"].clone()))
        .respond_with(posted.respond())
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server, "test-token-not-real", SECOND);
    let text = posted.request["body"]["content"]
        .as_str()
        .unwrap_or_default();
    let item = reply("hearth-outbox-000042", text, Some(M3));
    let sent = c.send(&item).await.expect("the reply is posted");
    assert_eq!(sent.external_id, "1501147823155052551");
    assert_eq!(
        sent.url.as_deref(),
        Some("https://discord.com/channels/1070404211835011079/1070408600813436935/1501147823155052551")
    );
    assert!(
        c.idempotency_window().is_none(),
        "Discord only holds a nonce for minutes"
    );

    // The recent messages now include ours: find_sent recognises it.
    Mock::given(method("GET"))
        .and(path(format!("{API}/channels/{HELP}/messages")))
        .and(query_param("limit", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([posted.response["body"]])))
        .mount(&server)
        .await;
    let found = c.find_sent(&item).await.expect("a lookup").expect("found");
    assert_eq!(found.external_id, "1501147823155052551");
    let other = reply("hearth-outbox-000043", "something else", Some(M3));
    assert_eq!(c.find_sent(&other).await.expect("a lookup"), None);
    // The same words sent an hour before this attempt are an earlier reply, not this one.
    let posted_at = millis(&posted.response["body"]["timestamp"]);
    let later = Outgoing {
        attempted_at: Some(posted_at + 3_600_000),
        ..reply("hearth-outbox-000044", text, Some(M3))
    };
    assert_eq!(
        c.find_sent(&later).await.expect("a lookup"),
        None,
        "an identical earlier message is not taken for a lost one"
    );

    // A refused post says why.
    let too_long = fixture("12");
    let err = recorded_error(Platform::Discord, &too_long);
    assert!(
        err.to_string()
            .to_lowercase()
            .starts_with("discord said: http 400"),
        "{err}"
    );
}

#[tokio::test]
async fn the_outbox_sends_a_queued_reply_once_and_reconciles_a_lost_one() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    let conv = db.conversation_id(HELP);

    let mut created: Value = fixture("10").response["body"].clone();
    created["content"] = json!("Glad it works now!");
    created["message_reference"]["message_id"] = json!(M9);
    Mock::given(method("POST"))
        .and(path(format!("{API}/channels/{HELP}/messages")))
        .and(body_partial_json(json!({
            "content": "Glad it works now!",
            "message_reference": { "message_id": M9 },
            "enforce_nonce": true,
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(&created))
        .expect(1)
        .mount(&server)
        .await;

    let item = db
        .store
        .queue_reply(conv, "Glad it works now!", SECOND)
        .expect("queued");
    let first = db.flush(&c, SECOND).await;
    assert_eq!(first.sent, 1, "{first:?}");
    let again = db.flush(&c, SECOND).await;
    assert_eq!(again.sent, 0);
    let sent = db.store.outbox_item(item.id).expect("item");
    assert!(sent
        .url
        .is_some_and(|u| u.ends_with("/1501147823155052551")));

    // An attempt whose outcome was lost (state `sending`) is found on Discord, not resent.
    let lost = db
        .store
        .queue_reply(conv, "Glad it works now!", SECOND + 1)
        .expect("queued");
    db.lose_attempt(lost.id);
    Mock::given(method("GET"))
        .and(path(format!("{API}/channels/{HELP}/messages")))
        .and(query_param("limit", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([created])))
        .mount(&server)
        .await;
    let third = db.flush(&c, SECOND).await;
    assert_eq!((third.sent, third.reconciled), (0, 1), "{third:?}");
    // `expect(1)` on the POST mock is checked when the server drops.
}

#[tokio::test]
async fn a_reply_mentioning_people_in_the_thread_notifies_them_on_discord() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    let conv = db.conversation_id(HELP);
    // `@handle` of someone who wrote in the thread goes out as Discord's `<@id>`; an address,
    // a stranger's handle and a handle inside a word stay as written.
    let wrote = "@aiko_builds and @Maria.Garcia, thanks! cc @nobody, mail help@lumen.dev";
    let sent =
        "<@772797107911393287> and <@591524093472407559>, thanks! cc @nobody, mail help@lumen.dev";
    let mut created: Value = fixture("10").response["body"].clone();
    created["content"] = json!(sent);
    Mock::given(method("POST"))
        .and(path(format!("{API}/channels/{HELP}/messages")))
        .and(body_partial_json(json!({ "content": sent })))
        .respond_with(ResponseTemplate::new(200).set_body_json(&created))
        .expect(1)
        .mount(&server)
        .await;
    let item = db.store.queue_reply(conv, wrote, SECOND).expect("queued");
    assert_eq!(item.body, wrote, "the outbox keeps what was written");
    let report = db.flush(&c, SECOND).await;
    assert_eq!(report.sent, 1, "{report:?}");
}

#[tokio::test]
async fn a_new_post_needs_a_channel_scope() {
    let server = MockServer::start().await;
    let c = connector(&server, "test-token-not-real", SECOND);
    let err = c
        .send(&new_post("Hello"))
        .await
        .expect_err("no channel to post to");
    assert!(matches!(err, ConnectorError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("guild-id/channel-id"), "{err}");

    let bad = Discord::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new("t"),
        scopes: vec!["#help".into()],
        http: Http::new(Duration::from_secs(1)).expect("http"),
        clock: std::sync::Arc::new(hearth::now_millis),
    });
    assert!(matches!(bad, Err(ConnectorError::Config(_))));
}

#[tokio::test]
async fn a_message_in_an_unexpected_shape_is_kept_aside_and_the_rest_of_its_page_is_written() {
    let server = MockServer::start().await;
    // #help's first page, with one message that has lost its author.
    let mut first = fixture("05");
    let whole = first.response["body"][1].clone();
    first.response["body"][1]
        .as_object_mut()
        .expect("a message")
        .remove("author");
    first.mock("").mount(&server).await;
    mount_first_sync(&server).await;
    let (c, mut db) = connected(&server, FIRST).await;
    let report = db
        .sync(&c, FIRST)
        .await
        .0
        .expect("the sync goes on past the message it cannot read");
    assert_eq!(report.totals.quarantined, 1, "{report:?}");
    let odd = whole["id"].as_str().expect("an id");
    assert_eq!(
        db.sql::<i64>(
            "SELECT count(*) FROM messages WHERE external_id = ?1",
            [odd]
        ),
        0
    );
    for other in ["1500794327176183815", M3, "1500788006750126087"] {
        assert_eq!(
            db.sql::<i64>(
                "SELECT count(*) FROM messages WHERE external_id = ?1",
                [other]
            ),
            1,
            "the rest of the page is written: {other}"
        );
    }
    let account = db.store.account(db.account).expect("the account");
    assert_eq!(account.quarantined, 1);
    assert_eq!(
        account.quarantine_note.as_deref(),
        Some("1 Discord message could not be read: a message has no id or author"),
        "the account says so in words"
    );
    let raw: String = db.sql("SELECT raw FROM quarantine WHERE external_id = ?1", [odd]);
    let kept: Value = serde_json::from_str(&raw).expect("the payload is JSON");
    assert_eq!(
        kept["content"], whole["content"],
        "the payload is kept: {raw}"
    );

    // After an upgrade that reads such a message, `--retry-quarantined` writes it (here the
    // kept payload is the whole message, as a newer Hearth would read it).
    db.execute(
        "UPDATE quarantine SET raw = ?1 WHERE external_id = ?2",
        rusqlite::params![whole.to_string(), odd],
    );
    let retried =
        hearth::sync::quarantine::retry_quarantined(&mut db.store, db.account, &c, SECOND)
            .await
            .expect("retried");
    assert_eq!((retried.read, retried.kept), (1, 0), "{retried:?}");
    assert_eq!(
        db.sql::<i64>(
            "SELECT count(*) FROM messages WHERE external_id = ?1",
            [odd]
        ),
        1,
        "the message is in its conversation now"
    );
    let account = db.store.account(db.account).expect("the account");
    assert_eq!((account.quarantined, account.quarantine_note), (0, None));
}

#[tokio::test]
async fn a_kept_record_this_version_still_cannot_read_stays_kept_with_its_reason() {
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, FIRST).await;
    db.execute(
        "INSERT INTO quarantine (account_id, kind, external_id, reason, raw, context, first_seen_at, last_seen_at)
         VALUES (?1, 'message', '42', 'old reason', '{\"id\": \"42\", \"type\": 0}', NULL, 1, 1)",
        [db.account],
    );
    let retried =
        hearth::sync::quarantine::retry_quarantined(&mut db.store, db.account, &c, SECOND)
            .await
            .expect("retried");
    assert_eq!((retried.read, retried.kept), (0, 1));
    assert!(retried.problem.is_some_and(|p| p.contains("no channel")));
    assert_eq!(
        db.sql::<i64>("SELECT count(*) FROM quarantine", []),
        1,
        "nothing is dropped"
    );
}

/// The row id of the synced message `external_id`.
fn message_id(db: &TestAccount, external_id: &str) -> i64 {
    db.sql(
        "SELECT id FROM messages WHERE external_id = ?1",
        [external_id],
    )
}

/// Aiko (aiko_builds) wrote M4; María (maria.garcia) wrote m2.
const AIKO: &str = "772797107911393287";
const MARIA: &str = "591524093472407559";
const M2: &str = "1500788006750126087";
/// "Spam link — again", percent-encoded as Discord's audit log header takes it.
const REASON: &str = "Spam link — again";
const REASON_HEADER: &str = "Spam%20link%20%E2%80%94%20again";

fn mod_act(message: i64, action: hearth::model::ModActionKind) -> hearth::model::ModActionInput {
    hearth::model::ModActionInput {
        message_id: Some(message),
        action: Some(action),
        reason: REASON.into(),
        guideline: Some("No spam".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_moderator_deletes_a_members_message_with_the_reason_in_the_audit_log_and_a_gone_one_counts_as_done(
) {
    use hearth::model::ModActionKind;
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    Mock::given(method("DELETE"))
        .and(path(format!("{API}/channels/{HELP}/messages/{M4}")))
        .and(header("X-Audit-Log-Reason", REASON_HEADER))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let queued = db
        .store
        .moderate(&mod_act(message_id(&db, M4), ModActionKind::Delete), SECOND)
        .expect("queued");
    assert_eq!(
        (queued.how.as_str(), queued.state.as_str()),
        ("platform", "queued")
    );
    let flushed = db.flush(&c, SECOND).await;
    assert_eq!((flushed.sent, flushed.failed), (1, 0), "{flushed:?}");
    let done = db.store.mod_action(queued.id).expect("the log line");
    assert_eq!(done.state, "done", "{done:?}");
    assert_eq!((done.done_at, done.error), (Some(SECOND), None));
    assert_eq!(
        db.message_field::<Option<i64>>("deleted_at", M4),
        Some(SECOND),
        "the message shows as deleted at once, its text kept"
    );
    assert_eq!(db.flush(&c, SECOND).await.sent, 0, "deleted once");

    // A message someone else deleted first: Discord's recorded 404 "Unknown Message" (10008)
    // means it is gone, which is what was asked.
    Mock::given(method("DELETE"))
        .and(path(format!("{API}/channels/{HELP}/messages/{M8}")))
        .and(header("X-Audit-Log-Reason", REASON_HEADER))
        .respond_with(fixture("18").respond())
        .expect(1)
        .mount(&server)
        .await;
    let gone = db
        .store
        .moderate(&mod_act(message_id(&db, M8), ModActionKind::Delete), SECOND)
        .expect("queued");
    let flushed = db.flush(&c, SECOND).await;
    assert_eq!((flushed.sent, flushed.failed), (1, 0), "{flushed:?}");
    let done = db.store.mod_action(gone.id).expect("the log line");
    assert_eq!(done.state, "done", "{done:?}");
    assert_eq!(
        db.message_field::<Option<i64>>("deleted_at", M8),
        Some(SECOND)
    );
    // `expect(1)` on both mocks is checked when the server drops.
}

#[tokio::test]
async fn a_timeout_and_a_ban_reach_the_members_server_and_a_refusal_is_said_in_words() {
    use hearth::model::ModActionKind;
    let server = MockServer::start().await;
    let (c, mut db) = synced(&server, SECOND).await;
    let aikos = message_id(&db, M4);

    // An hour's timeout: the member's `communication_disabled_until`, in the server the
    // message's link names (2026-05-05 09:00 UTC + 60 min).
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/guilds/{GUILD}/members/{AIKO}")))
        .and(header("X-Audit-Log-Reason", REASON_HEADER))
        .and(body_partial_json(json!({
            "communication_disabled_until": "2026-05-05T10:00:00+00:00"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "user": { "id": AIKO, "username": "aiko_builds" },
            "communication_disabled_until": "2026-05-05T10:00:00+00:00"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let timeout = db
        .store
        .moderate(
            &hearth::model::ModActionInput {
                minutes: Some(60),
                ..mod_act(aikos, ModActionKind::Timeout)
            },
            SECOND,
        )
        .expect("queued");
    assert_eq!(timeout.until, Some(SECOND + 60 * 60_000));
    assert_eq!(timeout.state, "queued");
    let flushed = db.flush(&c, SECOND).await;
    assert_eq!((flushed.sent, flushed.failed), (1, 0), "{flushed:?}");
    let done = db.store.mod_action(timeout.id).expect("the log line");
    assert_eq!(
        (done.state.as_str(), done.until, done.done_at),
        ("done", Some(SECOND + 60 * 60_000), Some(SECOND)),
        "{done:?}"
    );
    assert_eq!(
        db.message_field::<Option<i64>>("deleted_at", M4),
        None,
        "a timeout leaves the message alone"
    );

    // A ban keeps their messages (no `delete_message_seconds`).
    Mock::given(method("PUT"))
        .and(path(format!("{API}/guilds/{GUILD}/bans/{AIKO}")))
        .and(header("X-Audit-Log-Reason", REASON_HEADER))
        .and(body_partial_json(json!({ "delete_message_seconds": 0 })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let ban = db
        .store
        .moderate(&mod_act(aikos, ModActionKind::Ban), SECOND)
        .expect("queued");
    let flushed = db.flush(&c, SECOND).await;
    assert_eq!((flushed.sent, flushed.failed), (1, 0), "{flushed:?}");
    assert_eq!(
        db.store.mod_action(ban.id).expect("the log line").state,
        "done"
    );

    // The bot's role lacks Ban Members: the log line fails with Discord's words.
    Mock::given(method("PUT"))
        .and(path(format!("{API}/guilds/{GUILD}/bans/{MARIA}")))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({ "message": "Missing Permissions", "code": 50013 })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let refused = db
        .store
        .moderate(&mod_act(message_id(&db, M2), ModActionKind::Ban), SECOND)
        .expect("queued");
    let report = db.flush(&c, SECOND).await;
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    let failed = db.store.mod_action(refused.id).expect("the log line");
    assert_eq!((failed.state.as_str(), failed.done_at), ("failed", None));
    let error = failed.error.as_deref().unwrap_or_default();
    assert!(
        error.to_lowercase().starts_with("discord refused")
            && error.contains("Missing Permissions"),
        "{failed:?}"
    );
    assert_eq!(
        db.flush(&c, SECOND).await.sent,
        0,
        "a refusal is not retried"
    );
}
