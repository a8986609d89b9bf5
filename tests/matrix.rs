//! The Matrix connector against a real Synapse homeserver on 127.0.0.1 (installed from PyPI
//! and started by `scripts/synapse.sh`), and the whole account → sync → reply flow through
//! the real `hearth` binary with its token in the real system keyring.

use crate::common;

use std::time::Duration;

use assert_cmd::Command;
use common::synapse::{homeserver, unique, user, User};
use hearth::connectors::matrix::Matrix;
use hearth::model::{AccountInput, ConversationDetail, InboxPage, Platform};
use hearth::sync::engine::{sync_account, SyncOptions};
use hearth::sync::{ConnectorConfig, Http, Secret};
use hearth::Store;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

fn hearth(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("hearth").expect("the hearth binary is built");
    c.arg("--db").arg(db);
    c
}

fn run_json(db: &std::path::Path, args: &[&str]) -> Value {
    let out = hearth(db)
        .args(args)
        .arg("--json")
        .output()
        .expect("hearth runs");
    assert!(
        out.status.success(),
        "hearth {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn run_ok(db: &std::path::Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut c = hearth(db);
    c.args(args);
    if let Some(s) = stdin {
        c.write_stdin(s.to_string());
    }
    let out = c.output().expect("hearth runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "hearth {args:?} failed: {text}");
    text
}

/// Every byte Hearth wrote in its data folder (the database, its WAL and shared memory).
fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for e in std::fs::read_dir(dir).expect("the data folder").flatten() {
        if e.path().is_file() {
            bytes.extend(std::fs::read(e.path()).expect("a readable file"));
        }
    }
    bytes
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

struct Room {
    bot: User,
    ana: User,
    bo: User,
    id: String,
}

async fn lumen_room() -> Room {
    let bot = user(&unique("hearthbot"), "Lumen Team").await;
    let ana = user(&unique("ana"), "Ana Lúcia").await;
    let bo = user(&unique("bo"), "Bō 博").await;
    let id = bot.create_room("Lumen help", &[&ana, &bo]).await;
    ana.join(&id).await;
    bo.join(&id).await;
    Room { bot, ana, bo, id }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matrix_room_syncs_through_the_cli_and_a_reply_lands_in_the_room_exactly_once() {
    let room = lumen_room().await;
    let (ana, bo, bot) = (&room.ana, &room.bo, &room.bot);
    let question = ana
        .say(
            &room.id,
            "Hello! Does the 0.19 build run on ARM? 🚀 Ça marche?",
        )
        .await;
    let formatted = bo
        .send(
            &room.id,
            json!({
                "msgtype": "m.text",
                "body": "Yes, it does",
                "format": "org.matrix.custom.html",
                "formatted_body": "<b>Yes</b>, it does<script>alert('x')</script><img src=x onerror=alert(1)>",
            }),
        )
        .await;
    ana.send(
        &room.id,
        json!({
            "msgtype": "m.text",
            "body": format!("> <{}> Yes, it does\n\nThanks, that helps!", bo.user_id),
            "m.relates_to": {"m.in_reply_to": {"event_id": formatted}},
        }),
    )
    .await;
    bo.send(
        &room.id,
        json!({
            "msgtype": "m.text",
            "body": "In a thread: which board?",
            "m.relates_to": {"rel_type": "m.thread", "event_id": question, "is_falling_back": true,
                              "m.in_reply_to": {"event_id": question}},
        }),
    )
    .await;
    ana.send(
        &room.id,
        json!({
            "msgtype": "m.text",
            "body": format!("{} could the team look at this?", bot.user_id),
            "m.mentions": {"user_ids": [bot.user_id]},
        }),
    )
    .await;
    ana.send(
        &room.id,
        json!({
            "msgtype": "m.text",
            "body": "* Hello! Does the 0.19.1 build run on ARM64?",
            "m.new_content": {"msgtype": "m.text", "body": "Hello! Does the 0.19.1 build run on ARM64?"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": question},
        }),
    )
    .await;
    let oops = bo.say(&room.id, "my password is hunter2").await;
    bo.redact(&room.id, &oops).await;

    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("hearth.db");
    let base = homeserver();
    let added = run_ok(
        &db,
        &[
            "accounts",
            "add",
            "matrix",
            "--name",
            "Lumen Matrix",
            "--url",
            &base,
        ],
        Some(&format!("{}\n", bot.token)),
    );
    assert!(
        added.contains(&bot.user_id),
        "Test connection names the account the token belongs to: {added}"
    );
    let synced = run_ok(&db, &["sync"], None);
    assert!(
        synced.contains("new messages"),
        "sync reports what it brought: {synced}"
    );

    let inbox: InboxPage =
        serde_json::from_value(run_json(&db, &["inbox"])).expect("an inbox page");
    let conv = inbox
        .items
        .iter()
        .find(|i| i.title.as_deref() == Some("Lumen help"))
        .unwrap_or_else(|| panic!("the room is a conversation in the inbox: {inbox:?}"));
    assert_eq!(conv.platform, Platform::Matrix);
    let id = conv.id.to_string();
    let detail: ConversationDetail =
        serde_json::from_value(run_json(&db, &["show", &id])).expect("a conversation");
    let texts: Vec<&str> = detail.messages.iter().map(|m| m.text.as_str()).collect();
    let q = detail
        .messages
        .iter()
        .find(|m| m.external_id == question)
        .expect("the question is there");
    assert_eq!(
        q.text, "Hello! Does the 0.19.1 build run on ARM64?",
        "the edit replaced the text in place"
    );
    assert!(q.edited_at.is_some(), "and the message shows as edited");
    assert_eq!(
        q.author.name, "Ana Lúcia",
        "authors carry their Matrix display names"
    );
    let f = detail
        .messages
        .iter()
        .find(|m| m.external_id == formatted)
        .expect("the formatted message is there");
    let html = f.html.as_deref().expect("formatted bodies keep their HTML");
    assert!(html.contains("<b>Yes</b>"), "{html}");
    assert!(
        !html.contains("script") && !html.contains("onerror"),
        "HTML is sanitised: {html}"
    );
    assert!(
        texts.contains(&"Thanks, that helps!"),
        "the reply fallback quote is stripped: {texts:?}"
    );
    assert!(
        detail
            .messages
            .iter()
            .any(|m| m.text == "In a thread: which board?" && m.reply_to_id.is_some()),
        "thread replies keep what they answer"
    );
    let redacted = detail
        .messages
        .iter()
        .find(|m| m.external_id == oops)
        .expect("a redacted message stays, marked");
    assert!(redacted.deleted, "a redaction marks the message deleted");
    let edits = edit_count(&db, &question);
    assert_eq!(
        edits, 1,
        "the text before the edit is kept in the message's history"
    );
    assert_eq!(
        detail.messages.len(),
        6,
        "six messages (the edit and the redaction are not messages of their own): {texts:?}"
    );

    // New messages arrive; only they are added.
    ana.say(&room.id, "One more thing: the docs link is broken")
        .await;
    let again = run_ok(&db, &["sync"], None);
    assert!(
        again.contains("1 new messages"),
        "the second sync brings only the new message: {again}"
    );

    // A reply through the outbox lands in the room exactly once.
    let reply = "Thanks Ana — fixed in 0.19.2 ✨";
    run_ok(&db, &["reply", &id, "--text", reply], None);
    let queued = run_json(&db, &["outbox"]);
    assert_eq!(
        queued.as_array().map(Vec::len),
        Some(1),
        "the reply waits in the outbox: {queued}"
    );
    let flushed = run_ok(&db, &["outbox", "--flush"], None);
    assert!(flushed.contains("1 sent"), "{flushed}");
    run_ok(&db, &["outbox", "--flush"], None);
    run_ok(&db, &["sync"], None);
    let in_room = ana
        .messages(&room.id, 50)
        .await
        .into_iter()
        .filter(|e| {
            e["content"]["body"]
                .as_str()
                .is_some_and(|b| b.ends_with(reply))
        })
        .count();
    assert_eq!(in_room, 1, "the reply is in the room exactly once");
    let detail: ConversationDetail =
        serde_json::from_value(run_json(&db, &["show", &id])).expect("a conversation");
    let mine = detail
        .messages
        .iter()
        .find(|m| m.text == reply)
        .expect("the sent reply comes back with the next sync");
    assert!(mine.from_us, "and shows as written by the team");

    // A new post goes to the account's first room, once.
    run_ok(
        &db,
        &["accounts", "edit", "Lumen Matrix", "--scope", &room.id],
        None,
    );
    let announcement = "Lumen 0.20 is out: dark mode for the docs 🎉";
    let queued = run_ok(&db, &["post", "Lumen Matrix", "--text", announcement], None);
    assert!(queued.contains("Post queued"), "{queued}");
    let flushed_post = run_ok(&db, &["outbox", "--flush"], None);
    assert!(flushed_post.contains("1 sent"), "{flushed_post}");
    run_ok(&db, &["outbox", "--flush"], None);
    let posted = ana
        .messages(&room.id, 50)
        .await
        .into_iter()
        .filter(|e| e["content"]["body"].as_str() == Some(announcement))
        .count();
    assert_eq!(posted, 1, "the post is in the room exactly once");

    // Send later: a reply queued for a few seconds from now waits, then lands exactly once.
    let later = "Following up: 0.19.2 is on the download page now.";
    let at = (chrono::Utc::now() + chrono::Duration::seconds(5)).to_rfc3339();
    let queued_later = run_ok(&db, &["reply", &id, "--text", later, "--at", &at], None);
    assert!(queued_later.contains("to be sent"), "{queued_later}");
    let early = run_ok(&db, &["outbox", "--flush"], None);
    assert!(
        early.contains("0 sent, 1 to be sent later") && early.contains("to send"),
        "not sent before its time: {early}"
    );
    let said_later = || async {
        ana.messages(&room.id, 50)
            .await
            .into_iter()
            .filter(|e| {
                e["content"]["body"]
                    .as_str()
                    .is_some_and(|b| b.ends_with(later))
            })
            .count()
    };
    assert_eq!(said_later().await, 0, "nothing in the room before its time");
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let due = run_ok(&db, &["outbox", "--flush"], None);
    assert!(due.contains("1 sent"), "sent once due: {due}");
    run_ok(&db, &["outbox", "--flush"], None);
    assert_eq!(
        said_later().await,
        1,
        "the later reply is in the room exactly once"
    );

    // The token is in the keyring, and nowhere in Hearth's files or output.
    let listed = run_ok(&db, &["accounts", "list"], None);
    for text in [
        &added,
        &synced,
        &again,
        &flushed,
        &flushed_post,
        &due,
        &listed,
    ] {
        assert!(
            !text.contains(&bot.token),
            "the token never appears in output"
        );
    }
    assert!(
        !contains(&all_bytes(dir.path()), &bot.token),
        "the token never appears in the database files"
    );
    run_ok(&db, &["accounts", "remove", "Lumen Matrix"], None);
    let gone = hearth(&db)
        .args(["accounts", "list"])
        .output()
        .expect("hearth runs");
    assert!(String::from_utf8_lossy(&gone.stdout).contains("No accounts yet"));
}

fn edit_count(db: &std::path::Path, external_id: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("the database opens");
    conn.query_row(
        "SELECT count(*) FROM message_revisions r JOIN messages m ON m.id = r.message_id
         WHERE m.external_id = ?1",
        [external_id],
        |r| r.get(0),
    )
    .expect("revisions are countable")
}

fn matrix(base: &str, token: &str, page: u32) -> Matrix {
    Matrix::new(ConnectorConfig {
        base_url: base.to_string(),
        secret: Secret::new(token),
        scopes: vec![],
        http: Http::new(Duration::from_secs(20)).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("a Matrix connector")
    .with_page_size(page)
}

fn count_messages(store_path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(store_path).expect("the database opens");
    conn.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .expect("messages are countable")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limited_timeline_is_back_filled_and_a_sync_stopped_between_pages_resumes_without_loss() {
    let room = lumen_room().await;
    for i in 0..7 {
        room.ana.say(&room.id, &format!("early message {i}")).await;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.db");
    let mut store = Store::open(&path).expect("a new database");
    let account = store
        .add_account(
            &AccountInput {
                platform: Platform::Matrix,
                name: "Lumen".into(),
                base_url: Some(homeserver()),
                scopes: vec![room.id.clone()],
                token: None,
            },
            1,
        )
        .expect("an account");
    let conn = matrix(&homeserver(), &room.bot.token, 3);
    let me = hearth::sync::Connector::whoami(&conn)
        .await
        .expect("the token works");
    store
        .set_account_identity(account.id, &me.external_id, &me.handle)
        .expect("identity saved");
    let opts = SyncOptions {
        backoff: Duration::from_millis(10),
        ..Default::default()
    };
    let cancel = CancellationToken::new();
    // The first run is stopped after one page, as if the app had been closed.
    let first = sync_account(
        &mut store,
        account.id,
        &conn,
        &SyncOptions {
            max_pages: Some(1),
            ..opts.clone()
        },
        &cancel,
        &|| 2,
        &mut |_| {},
    )
    .await
    .expect("the first page syncs");
    assert!(
        first.stopped_early,
        "there was more than one page of history"
    );
    let rest = sync_account(
        &mut store,
        account.id,
        &conn,
        &opts,
        &cancel,
        &|| 3,
        &mut |_| {},
    )
    .await
    .expect("the rest syncs");
    assert!(rest.pages >= 2, "history came back in several small pages");
    // 7 messages from Ana; room creation events are not messages.
    assert_eq!(count_messages(&path), 7, "every early message, once");

    // Twelve messages while Hearth was away: more than one sync timeline holds.
    for i in 0..12 {
        room.bo
            .say(&room.id, &format!("while you were away {i}"))
            .await;
    }
    let gap = sync_account(
        &mut store,
        account.id,
        &conn,
        &opts,
        &cancel,
        &|| 4,
        &mut |_| {},
    )
    .await
    .expect("the gap syncs");
    assert!(
        gap.pages >= 2,
        "the limited timeline was back-filled page by page"
    );
    assert_eq!(
        count_messages(&path),
        19,
        "nothing was lost in the gap, nothing doubled"
    );
    let again = sync_account(
        &mut store,
        account.id,
        &conn,
        &opts,
        &cancel,
        &|| 5,
        &mut |_| {},
    )
    .await
    .expect("an idle sync works");
    assert_eq!(again.totals.messages_added, 0, "an idle sync adds nothing");
}

/// A member's state in the room as Synapse keeps it ("join", "leave", "ban").
async fn membership(room: &Room, user: &User) -> String {
    let v = room
        .bot
        .get(&format!(
            "rooms/{}/state/m.room.member/{}",
            common::synapse::enc(&room.id),
            common::synapse::enc(&user.user_id)
        ))
        .await;
    v["membership"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flagged_message_is_redacted_and_its_author_kicked_then_banned_on_synapse_all_in_their_log(
) {
    let room = lumen_room().await;
    let (ana, bo) = (&room.ana, &room.bo);
    ana.say(&room.id, "Has anyone tried the new exporter?")
        .await;
    let spam = bo
        .say(&room.id, "FREE NITRO for everyone at discord.gg/not-a-scam")
        .await;

    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("hearth.db");
    run_ok(
        &db,
        &[
            "accounts",
            "add",
            "matrix",
            "--name",
            "Lumen Matrix",
            "--url",
            &homeserver(),
        ],
        Some(&format!("{}\n", room.bot.token)),
    );
    run_ok(
        &db,
        &[
            "mod",
            "add-rule",
            "Spam",
            "--kind",
            "keywords",
            "--pattern",
            "free nitro",
            "--guideline",
            "No spam or scams",
        ],
        None,
    );
    run_ok(&db, &["sync"], None);
    let flags = run_json(&db, &["mod", "flags"]);
    let flag = flags
        .as_array()
        .and_then(|f| f.first())
        .unwrap_or_else(|| panic!("the spam is flagged: {flags}"));
    assert_eq!(flag["rule"], "Spam");
    let flag_id = flag["id"].as_i64().expect("a flag id").to_string();

    // Delete = a redaction, carried out by the outbox with its reason.
    let queued = run_json(
        &db,
        &[
            "mod",
            "act",
            "delete",
            "--flag",
            &flag_id,
            "--reason",
            "Scam link",
        ],
    );
    assert_eq!(queued["how"], "platform", "{queued}");
    assert_eq!(queued["state"], "queued");
    assert_eq!(
        queued["guideline"],
        Value::Null,
        "no guideline was named for the action"
    );
    let flushed = run_ok(&db, &["outbox", "--flush"], None);
    assert!(flushed.contains("1 sent"), "{flushed}");
    let event = bo
        .get(&format!(
            "rooms/{}/event/{}",
            common::synapse::enc(&room.id),
            common::synapse::enc(&spam)
        ))
        .await;
    assert_eq!(
        event["content"],
        json!({}),
        "the event is redacted on the homeserver: {event}"
    );
    assert_eq!(
        event["unsigned"]["redacted_because"]["content"]["reason"], "Scam link",
        "with the reason: {event}"
    );
    assert!(
        run_json(&db, &["mod", "flags"])
            .as_array()
            .is_some_and(Vec::is_empty),
        "the flag is settled"
    );
    let actioned = run_json(&db, &["mod", "flags", "--actioned"]);
    assert_eq!(
        actioned[0]["id"].as_i64(),
        flag["id"].as_i64(),
        "{actioned}"
    );

    // Kick, then ban, from the same person's account.
    let identity = queued["identityId"]
        .as_i64()
        .expect("an identity")
        .to_string();
    assert_eq!(membership(&room, bo).await, "join");
    run_json(
        &db,
        &[
            "mod",
            "act",
            "kick",
            "--identity",
            &identity,
            "--reason",
            "Cool off",
            "--guideline",
            "No spam or scams",
        ],
    );
    run_ok(&db, &["outbox", "--flush"], None);
    assert_eq!(membership(&room, bo).await, "leave", "kicked from the room");
    run_json(
        &db,
        &[
            "mod",
            "act",
            "ban",
            "--identity",
            &identity,
            "--reason",
            "Came back with more spam",
        ],
    );
    run_ok(&db, &["outbox", "--flush"], None);
    assert_eq!(membership(&room, bo).await, "ban", "banned from the room");
    // A kick of someone already gone counts as done rather than failing.
    run_json(
        &db,
        &[
            "mod",
            "act",
            "kick",
            "--identity",
            &identity,
            "--reason",
            "Again",
        ],
    );
    let again = run_ok(&db, &["outbox", "--flush"], None);
    assert!(again.contains("1 sent"), "{again}");

    // Their log: every action, done, newest first, on their profile too.
    let member = queued["memberId"].as_i64().expect("a member").to_string();
    let log = run_json(&db, &["mod", "log", "--member", &member]);
    let lines: Vec<(&str, &str)> = log
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap_or(""),
                a["state"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("kick", "done"),
            ("ban", "done"),
            ("kick", "done"),
            ("delete", "done")
        ],
        "{log}"
    );
    assert_eq!(
        log[3]["excerpt"],
        "FREE NITRO for everyone at discord.gg/not-a-scam"
    );
    let profile = run_json(&db, &["members", "show", &member]);
    assert_eq!(
        profile["moderation"].as_array().map(Vec::len),
        Some(4),
        "the profile shows the history: {profile}"
    );
    // The next sync brings the redaction back: the message stays deleted, once.
    run_ok(&db, &["sync"], None);
    let conn = rusqlite::Connection::open(&db).expect("the database opens");
    let deleted: bool = conn
        .query_row(
            "SELECT deleted_at IS NOT NULL FROM messages WHERE external_id = ?1",
            [&spam],
            |r| r.get(0),
        )
        .expect("the message is kept");
    assert!(deleted);
}
