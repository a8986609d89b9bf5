//! Publishing the content calendar (issue 10): review and approval, what keeps a target from
//! going out, due items released into the outbox once per target, missed posts, retry — and,
//! with real processes, a scheduled post reaching a real Synapse room at its time exactly once
//! through a killed publisher and the app and `hearth publish --due` running at once, and an
//! item with several targets on contract servers where one target fails and is retried.
//!
//! The process tests run the real `hearth` binary with tokens in the OS keyring: run them
//! inside `scripts/with-keyring` (as `./scripts/test` does).

use crate::common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::forum::Forum;
use common::holding::proxy::Proxy;
use common::synapse::{self, User};
use common::{hearth, text, wait_until, TestDb, DAY, HOUR, NOW};
use hearth::model::{
    CalendarItemInput, ContentState, Millis, Platform, SyncProgress, TargetStatus, VariantInput,
};
use hearth::sync::scheduler::Scheduler;
use hearth::Store;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MINUTE: Millis = 60_000;

fn item(title: &str, at: Option<Millis>, targets: Vec<VariantInput>) -> CalendarItemInput {
    CalendarItemInput {
        title: title.into(),
        body: "Lumen 3.2 is out: faster builds, AVIF, and i18n built in.".into(),
        state: ContentState::Draft,
        scheduled_at: at,
        source_conversation_id: None,
        variants: targets,
        recurrence: None,
    }
}

fn follows(platform: Platform, account: i64) -> VariantInput {
    VariantInput {
        follows_main: true,
        ..VariantInput::new(platform, "").on(account)
    }
}

/// A value read from the database file with plain SQL.
fn sql<T: rusqlite::types::FromSql>(db: &TestDb, q: &str, p: impl rusqlite::Params) -> T {
    rusqlite::Connection::open(db.path())
        .unwrap()
        .query_row(q, p, |r| r.get(0))
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// Changes the database file with plain SQL (what a platform's answer would have written).
fn exec(db: &TestDb, q: &str, p: impl rusqlite::Params) {
    rusqlite::Connection::open(db.path())
        .unwrap()
        .execute(q, p)
        .unwrap_or_else(|e| panic!("{q}: {e}"));
}

// --- review and approval -------------------------------------------------------------------------

#[test]
fn an_item_goes_through_review_to_scheduled_and_a_changed_word_sends_it_back_but_a_new_time_does_not(
) {
    let mut db = TestDb::new();
    let mastodon = db.account(Platform::Mastodon, "Lumen on Mastodon");
    db.store
        .set_setting(hearth::inbox::canned::MY_NAME, "Robin")
        .unwrap();
    let draft = db
        .store
        .create_calendar_item(
            &item(
                "Release",
                Some(NOW + DAY),
                vec![follows(Platform::Mastodon, mastodon)],
            ),
            NOW,
        )
        .unwrap();
    assert_eq!(
        draft.variants[0].body, draft.body,
        "a target that follows the main text is saved with it"
    );
    let in_review = db.store.submit_calendar_item(draft.id, NOW).unwrap();
    assert_eq!(in_review.state, ContentState::InReview);

    // waiting for review, it cannot be scheduled by hand
    let mut input = hearth::calendar::input_of(&in_review);
    input.state = ContentState::Scheduled;
    let err = db
        .store
        .update_calendar_item(draft.id, &input, NOW)
        .unwrap_err();
    assert!(err.to_string().contains("approve it"), "{err}");

    let approved = db
        .store
        .approve_calendar_item(draft.id, None, NOW + HOUR)
        .unwrap();
    assert_eq!(
        approved.state,
        ContentState::Scheduled,
        "dated and ready: scheduled"
    );
    assert_eq!(approved.approved_by.as_deref(), Some("Robin"));
    assert_eq!(approved.approved_at, Some(NOW + HOUR));

    // a new time keeps the approval
    let mut input = hearth::calendar::input_of(&approved);
    input.scheduled_at = Some(NOW + 2 * DAY);
    let moved = db
        .store
        .update_calendar_item(draft.id, &input, NOW + HOUR)
        .unwrap();
    assert_eq!(moved.state, ContentState::Scheduled);
    assert_eq!(moved.approved_by.as_deref(), Some("Robin"));

    // a changed word sends it back to review, and what was approved is forgotten
    let mut input = hearth::calendar::input_of(&moved);
    input.body = "Lumen 3.2 is out: much faster builds.".into();
    let changed = db
        .store
        .update_calendar_item(draft.id, &input, NOW + HOUR)
        .unwrap();
    assert_eq!(changed.state, ContentState::InReview);
    assert_eq!(changed.approved_by, None);
    assert_eq!(
        changed.variants[0].body, "Lumen 3.2 is out: much faster builds.",
        "the following target took the new text"
    );

    // comments, in order, by whoever wrote them
    db.store
        .comment_on_calendar_item(draft.id, Some("Sam"), "Add the release notes link?", NOW)
        .unwrap();
    db.store
        .comment_on_calendar_item(draft.id, None, "Done.", NOW + 1)
        .unwrap();
    let comments = db.store.calendar_comments(draft.id).unwrap();
    let said: Vec<(&str, &str)> = comments
        .iter()
        .map(|c| (c.author.as_str(), c.body.as_str()))
        .collect();
    assert_eq!(
        said,
        [("Sam", "Add the release notes link?"), ("Robin", "Done.")]
    );
    assert_eq!(db.store.calendar_item(draft.id).unwrap().comments, 2);
}

#[test]
fn scheduling_says_what_keeps_each_target_from_going_out_and_changes_nothing() {
    let mut db = TestDb::new();
    let bluesky = db.account(Platform::Bluesky, "Lumen on Bluesky");
    let forum = db.account(Platform::Discourse, "Lumen forum");
    let demo = db.account(Platform::Discord, "Sample Discord");
    exec(&db, "UPDATE accounts SET demo = 1 WHERE id = ?1", [demo]);
    let mut input = item(
        "Hi",
        Some(NOW + DAY),
        vec![
            VariantInput::new(Platform::Bluesky, "x".repeat(301)).on(bluesky),
            VariantInput {
                title: Some("Short".into()),
                ..VariantInput::new(Platform::Discourse, "Too short.").on(forum)
            },
            VariantInput::new(Platform::Discord, "Hello").on(demo),
            VariantInput::new(Platform::Mastodon, "Not connected yet"),
        ],
    );
    input.state = ContentState::Scheduled;
    let err = db
        .store
        .create_calendar_item(&input, NOW)
        .unwrap_err()
        .to_string();
    for reason in [
        "the Bluesky text is 301 characters; Bluesky allows 300",
        "a Discourse title needs at least 15 characters; this one has 5",
        "a Discourse post needs at least 20 characters; this one has 10",
        "the Discord account is one of the demo's sample accounts",
        "the Mastodon version has no account",
    ] {
        assert!(err.contains(reason), "says '{reason}': {err}");
    }
    assert!(
        db.store.calendar(&Default::default()).unwrap().is_empty(),
        "nothing was saved"
    );

    // As a draft it is kept, each target with what it lacks.
    input.state = ContentState::Draft;
    let draft = db.store.create_calendar_item(&input, NOW).unwrap();
    let bluesky_target = draft
        .variants
        .iter()
        .find(|v| v.platform == Platform::Bluesky)
        .unwrap();
    assert_eq!(
        bluesky_target.problems,
        ["the Bluesky text is 301 characters; Bluesky allows 300"]
    );
}

// --- releasing due items --------------------------------------------------------------------------

/// A scheduled item due at `at` with a Mastodon and a Bluesky target.
fn scheduled(db: &mut TestDb, at: Millis) -> (i64, i64, i64) {
    let mastodon = db.account(Platform::Mastodon, "Lumen on Mastodon");
    let bluesky = db.account(Platform::Bluesky, "Lumen on Bluesky");
    let mut input = item(
        "Release",
        Some(at),
        vec![
            follows(Platform::Mastodon, mastodon),
            VariantInput::new(Platform::Bluesky, "Lumen 3.2 is out 🚀").on(bluesky),
        ],
    );
    input.state = ContentState::Scheduled;
    let id = db.store.create_calendar_item(&input, NOW).unwrap().id;
    (id, mastodon, bluesky)
}

#[test]
fn a_due_item_is_queued_once_per_target_and_settles_as_each_post_goes_out_or_fails_and_is_retried()
{
    let mut db = TestDb::new();
    let (id, mastodon, bluesky) = scheduled(&mut db, NOW + HOUR);

    let early = db.store.release_due_posts(NOW).unwrap();
    assert_eq!(early.queued, 0, "not due yet");
    assert_eq!(db.store.next_due_post().unwrap(), Some(NOW + HOUR));

    let due = db.store.release_due_posts(NOW + HOUR + 5_000).unwrap();
    assert_eq!(due.queued, 2);
    let mut accounts = due.accounts.clone();
    accounts.sort();
    assert_eq!(accounts, [mastodon.min(bluesky), mastodon.max(bluesky)]);
    let again = db.store.release_due_posts(NOW + HOUR + 6_000).unwrap();
    assert_eq!(again.queued, 0, "a second release queues nothing");
    assert_eq!(
        sql::<i64>(
            &db,
            "SELECT count(*) FROM outbox WHERE calendar_item_id = ?1",
            [id]
        ),
        2
    );
    assert_eq!(db.store.next_due_post().unwrap(), None);
    let item = db.store.calendar_item(id).unwrap();
    assert_eq!(item.state, ContentState::Scheduled, "on its way");
    assert!(item
        .variants
        .iter()
        .all(|v| v.status == TargetStatus::Queued));
    let body: String = sql(
        &db,
        "SELECT body FROM outbox WHERE account_id = ?1",
        [mastodon],
    );
    assert_eq!(body, item.body, "the post carries the target's text");

    // Mastodon's goes out; Bluesky refuses its post: partly published.
    exec(
        &db,
        "UPDATE outbox SET state = 'sent', sent_at = ?2, external_id = '1135',
             url = 'https://fosstodon.org/@lumen/1135' WHERE account_id = ?1",
        rusqlite::params![mastodon, NOW + HOUR + 9_000],
    );
    exec(
        &db,
        "UPDATE outbox SET state = 'failed',
             last_error = 'Bluesky refused the post: 400 InvalidRequest' WHERE account_id = ?1",
        [bluesky],
    );
    let item = db.store.calendar_item(id).unwrap();
    assert_eq!(item.state, ContentState::Partly);
    assert_eq!(item.published_at, Some(NOW + HOUR + 9_000));
    let (m, b) = (
        item.variants
            .iter()
            .find(|v| v.platform == Platform::Mastodon)
            .unwrap(),
        item.variants
            .iter()
            .find(|v| v.platform == Platform::Bluesky)
            .unwrap(),
    );
    assert_eq!(m.status, TargetStatus::Sent);
    assert_eq!(m.url.as_deref(), Some("https://fosstodon.org/@lumen/1135"));
    assert_eq!(b.status, TargetStatus::Failed);
    assert_eq!(
        b.error.as_deref(),
        Some("Bluesky refused the post: 400 InvalidRequest")
    );

    // The sent target's text can no longer change; the failed one's can, and a retry sends
    // the new text.
    let mut input = hearth::calendar::input_of(&item);
    for v in &mut input.variants {
        if v.platform == Platform::Mastodon {
            v.body = "changed".into();
            v.follows_main = false;
        }
    }
    let err = db
        .store
        .update_calendar_item(id, &input, NOW + 2 * HOUR)
        .unwrap_err();
    assert!(
        err.to_string().contains("already gone to the outbox"),
        "{err}"
    );
    let mut input = hearth::calendar::input_of(&item);
    for v in &mut input.variants {
        if v.platform == Platform::Bluesky {
            v.body = "Lumen 3.2 is out 🚀 https://lumen.dev/3-2".into();
        }
    }
    let edited = db
        .store
        .update_calendar_item(id, &input, NOW + 2 * HOUR)
        .unwrap();
    assert_eq!(edited.state, ContentState::Partly, "still partly published");
    let retried = db
        .store
        .retry_calendar_target(b.id, NOW + 2 * HOUR)
        .unwrap();
    assert_eq!(
        retried
            .variants
            .iter()
            .find(|v| v.id == b.id)
            .unwrap()
            .status,
        TargetStatus::Queued
    );
    let body: String = sql(
        &db,
        "SELECT body FROM outbox WHERE account_id = ?1",
        [bluesky],
    );
    assert_eq!(
        body, "Lumen 3.2 is out 🚀 https://lumen.dev/3-2",
        "the retry sends the corrected text"
    );
    let err = db
        .store
        .retry_calendar_target(m.id, NOW + 2 * HOUR)
        .unwrap_err();
    assert!(err.to_string().contains("has not failed"), "{err}");
    exec(
        &db,
        "UPDATE outbox SET state = 'sent', sent_at = ?2, external_id = 'at://lumen/post/1',
             url = 'https://bsky.app/profile/lumen.dev/post/1' WHERE account_id = ?1",
        rusqlite::params![bluesky, NOW + 2 * HOUR + 1_000],
    );
    let item = db.store.calendar_item(id).unwrap();
    assert_eq!(item.state, ContentState::Published, "every target is out");
    assert_eq!(
        item.published_at,
        Some(NOW + HOUR + 9_000),
        "published when the first post went out"
    );
}

#[test]
fn an_item_due_longer_ago_than_the_grace_window_is_missed_and_publish_now_sends_it() {
    let mut db = TestDb::new();
    let (id, _, _) = scheduled(&mut db, NOW);
    db.store.set_publish_grace_minutes(30).unwrap();

    // The laptop slept through it: 31 minutes late is beyond the grace.
    let woke = db.store.release_due_posts(NOW + 31 * MINUTE).unwrap();
    assert_eq!(woke.queued, 0);
    assert_eq!(woke.missed, ["Release"]);
    let item = db.store.calendar_item(id).unwrap();
    assert_eq!(item.state, ContentState::Missed);
    assert!(item
        .variants
        .iter()
        .all(|v| v.status == TargetStatus::Planned));
    assert_eq!(
        sql::<i64>(&db, "SELECT count(*) FROM outbox", []),
        0,
        "nothing was sent late"
    );
    assert_eq!(
        db.store.release_due_posts(NOW + HOUR).unwrap(),
        Default::default(),
        "it waits for a decision"
    );

    // The decision: publish it now.
    let now = NOW + 2 * HOUR;
    let item = db.store.publish_calendar_item_now(id, now).unwrap();
    assert_eq!(item.state, ContentState::Scheduled);
    assert_eq!(item.scheduled_at, Some(now));
    assert_eq!(db.store.release_due_posts(now).unwrap().queued, 2);

    // Within the grace window, a late post still goes out.
    let mut db = TestDb::new();
    let (_, _, _) = scheduled(&mut db, NOW);
    assert_eq!(
        db.store
            .release_due_posts(NOW + 59 * MINUTE)
            .unwrap()
            .queued,
        2,
        "59 minutes late is within the default hour"
    );
}

#[test]
fn deleting_a_due_item_withdraws_its_queued_posts_and_a_post_withdrawn_from_the_outbox_is_not_queued_again(
) {
    let mut db = TestDb::new();
    let (id, _, _) = scheduled(&mut db, NOW);
    db.store.release_due_posts(NOW).unwrap();
    let outbox = db.store.list_outbox(None).unwrap();
    assert_eq!(outbox.len(), 2);

    // one post withdrawn from the outbox: its target fails with that reason, and stays out
    db.store.cancel_outbox(outbox[0].id, NOW).unwrap();
    assert_eq!(db.store.release_due_posts(NOW + 1).unwrap().queued, 0);
    let item = db.store.calendar_item(id).unwrap();
    let withdrawn = item
        .variants
        .iter()
        .find(|v| v.status == TargetStatus::Failed)
        .expect("the withdrawn target");
    assert_eq!(
        withdrawn.error.as_deref(),
        Some("withdrawn from the outbox before it was sent")
    );

    db.store.delete_calendar_item(id).unwrap();
    assert!(
        db.store.list_outbox(None).unwrap().is_empty(),
        "its queued post went with it"
    );
}

// --- with real processes ------------------------------------------------------------------------

fn add_account(db: &std::path::Path, args: &[&str], token: &str) {
    let added = hearth(db)
        .args(["accounts", "add"])
        .args(args)
        .arg("--no-test")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .expect("stdin")
                .write_all(format!("{token}\n").as_bytes())?;
            c.wait_with_output()
        })
        .expect("hearth accounts add runs");
    assert!(added.status.success(), "{}", text(&added));
}

/// A database in a temporary folder with a Discourse account "Forum" on `forum`, its key in
/// the keyring.
fn on_forum(forum: &Forum) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("hearth.db");
    add_account(
        &db,
        &["discourse", "--name", "Forum", "--url", &forum.uri()],
        "discourse-key-not-real-5b7e",
    );
    (dir, db)
}

fn publish(db: &std::path::Path) -> Child {
    hearth(db)
        .args(["publish", "--due"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth publish --due starts")
}

fn finished(child: Child) -> Output {
    child.wait_with_output().expect("hearth ran")
}

fn app(db: &std::path::Path) -> Scheduler {
    Scheduler::start(
        db.to_path_buf(),
        Duration::from_secs(3600),
        Arc::new(|_: &SyncProgress| {}),
        Arc::new(hearth::now_millis),
    )
    .expect("the app's syncer starts")
}

struct Room {
    bot: User,
    ana: User,
    id: String,
}

async fn room() -> Room {
    let (bot, ana) = (synapse::unique("hearthbot"), synapse::unique("ana"));
    let bot = tokio::spawn(async move { synapse::user(&bot, "Lumen Team").await });
    let ana = tokio::spawn(async move { synapse::user(&ana, "Ana Lúcia").await });
    let (bot, ana) = (
        bot.await.expect("the account is registered"),
        ana.await.expect("Ana is registered"),
    );
    let id = bot.create_room("Lumen announcements", &[&ana]).await;
    ana.join(&id).await;
    Room { bot, ana, id }
}

#[test]
fn a_scheduled_post_lands_in_a_synapse_room_at_its_time_exactly_once_through_a_killed_publisher_and_the_app_and_cron_at_once(
) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let room = rt.block_on(room());
    // Synapse behind a proxy that holds back its answer to the first message sent.
    let proxy = rt.block_on(Proxy::start(
        &synapse::homeserver(),
        Duration::from_secs(60),
    ));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db: PathBuf = dir.path().join("hearth.db");
    add_account(
        &db,
        &["matrix", "--name", "Lumen Matrix", "--url", &proxy.uri()],
        &room.bot.token,
    );
    let words = format!(
        "📣 Community call tomorrow at 17:00 UTC: roadmap and Q&A. ({})",
        synapse::unique("call")
    );
    let due_at = hearth::now_millis() + 3_000;
    let id = {
        let mut store = Store::open(&db).unwrap();
        let account = store.find_account("Lumen Matrix").unwrap().id;
        let mut input = item(
            "Community call",
            Some(due_at),
            vec![VariantInput {
                channel: Some(room.id.clone()),
                ..VariantInput::new(Platform::Matrix, words.clone()).on(account)
            }],
        );
        input.body = words.clone();
        store
            .create_calendar_item(&input, hearth::now_millis())
            .unwrap();
        let id = store.calendar(&Default::default()).unwrap()[0].id;
        store
            .approve_calendar_item(id, Some("Sam"), hearth::now_millis())
            .unwrap();
        id
    };
    let in_room = || {
        rt.block_on(room.ana.messages(&room.id, 50))
            .iter()
            .filter(|e| e["content"]["body"].as_str() == Some(words.as_str()))
            .count()
    };

    // Before its time, cron finds nothing due.
    let early = finished(publish(&db));
    assert!(early.status.success(), "{}", text(&early));
    assert!(text(&early).contains("0 due now"), "{}", text(&early));
    assert_eq!(proxy.sends().len(), 0);

    // At its time the publisher sends it — and is killed while Synapse's answer is held.
    while hearth::now_millis() < due_at {
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut killed = publish(&db);
    wait_until("the post reaches Synapse", Duration::from_secs(30), || {
        proxy.sends().len() == 1
    });
    killed.kill().expect("the publisher is killed");
    let _ = killed.wait();
    assert_eq!(
        in_room(),
        1,
        "Synapse made the event before the publisher died"
    );

    // Restarted at once, it neither sends again nor looks: the request may still be on its
    // way. The app and cron start together.
    let app_now = app(&db);
    let cron = finished(publish(&db));
    assert!(cron.status.success(), "{}", text(&cron));
    std::thread::sleep(Duration::from_secs(2));
    drop(app_now);
    assert_eq!(
        proxy.sends().len(),
        1,
        "no second send right away: {}",
        text(&cron)
    );
    assert_eq!(in_room(), 1);

    // Ten minutes on (moved in the file, as the clock would): the app and cron at once again.
    // One of them sends again with the same transaction id, which Synapse answers with the
    // event it made the first time; the room holds the post once.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE outbox SET attempted_at = attempted_at - ?1,
                 lease_until = lease_until - ?1, key_since = key_since - ?1",
            [10 * MINUTE],
        )
        .unwrap();
    let app_later = app(&db);
    let cron = finished(publish(&db));
    assert!(cron.status.success(), "{}", text(&cron));
    wait_until(
        "the post is recorded as sent",
        Duration::from_secs(30),
        || {
            Store::open(&db)
                .and_then(|s| s.calendar_item(id))
                .is_ok_and(|i| i.state == ContentState::Published)
        },
    );
    drop(app_later);
    assert_eq!(in_room(), 1, "the room holds the post exactly once");
    let sends = proxy.sends();
    assert!(
        sends.iter().all(|s| s.target == sends[0].target),
        "every send used the same room and transaction id: {sends:?}"
    );
    let event = sends[0].answer["event_id"]
        .as_str()
        .expect("Synapse named the event")
        .to_string();

    let item = Store::open(&db).unwrap().calendar_item(id).unwrap();
    let target = &item.variants[0];
    assert_eq!(target.status, TargetStatus::Sent);
    assert!(
        target
            .url
            .as_deref()
            // the event id is escaped in the link ($ as %24)
            .is_some_and(|u| u.starts_with("https://matrix.to/#/")
                && u.ends_with(&format!("%24{}", event.trim_start_matches('$')))),
        "the target links to the event: {:?}",
        target.url
    );
    let ours = rt
        .block_on(room.ana.messages(&room.id, 50))
        .into_iter()
        .find(|e| e["content"]["body"].as_str() == Some(words.as_str()))
        .expect("the post is in the room");
    assert_eq!(ours["sender"].as_str(), Some(room.bot.user_id.as_str()));
    assert_eq!(ours["event_id"].as_str(), Some(event.as_str()));
}

/// A Mastodon server on loopback, shaped as its API documents: who the token is, and
/// `POST /api/v1/statuses`, which refuses the first status (422, as for a text it will not
/// take) and makes the ones after. It counts the statuses it made.
struct Mastodon {
    server: MockServer,
    made: Arc<Mutex<Vec<String>>>,
}

struct Statuses {
    made: Arc<Mutex<Vec<String>>>,
    refused: Mutex<bool>,
}

impl Respond for Statuses {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let text = body["status"].as_str().unwrap_or_default().to_string();
        let mut refused = self.refused.lock().expect("state");
        if !*refused {
            *refused = true;
            return ResponseTemplate::new(422)
                .set_body_json(json!({"error": "Validation failed: Text can't be blank"}));
        }
        let mut made = self.made.lock().expect("state");
        made.push(text.clone());
        let id = format!("1135{}", made.len());
        ResponseTemplate::new(200).set_body_json(json!({
            "id": id,
            "url": format!("https://fosstodon.example/@lumen/{id}"),
            "uri": format!("https://fosstodon.example/users/lumen/statuses/{id}"),
            "content": format!("<p>{text}</p>"),
            "created_at": chrono::Utc::now().to_rfc3339(),
            "account": {"id": "77", "username": "lumen", "acct": "lumen", "display_name": "Lumen"},
        }))
    }
}

impl Mastodon {
    async fn start() -> Mastodon {
        let server = MockServer::start().await;
        let made = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("GET"))
            .and(path("/api/v1/accounts/verify_credentials"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": "77", "username": "lumen", "acct": "lumen", "display_name": "Lumen"
            })))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/v1/statuses"))
            .respond_with(Statuses {
                made: made.clone(),
                refused: Mutex::new(false),
            })
            .mount(&server)
            .await;
        Mastodon { server, made }
    }
}

#[test]
fn an_item_for_a_forum_and_mastodon_goes_out_on_both_and_the_target_that_failed_is_retried_alone() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let forum = rt.block_on(Forum::start(Duration::from_millis(10)));
    let mastodon = rt.block_on(Mastodon::start());
    let (_dir, db) = on_forum(&forum);
    add_account(
        &db,
        &[
            "mastodon",
            "--name",
            "Fosstodon",
            "--url",
            &mastodon.server.uri(),
        ],
        "mastodon-token-not-real-9c1d",
    );
    let id = {
        let mut store = Store::open(&db).unwrap();
        let (f, m) = (
            store.find_account("Forum").unwrap().id,
            store.find_account("Fosstodon").unwrap().id,
        );
        let mut input = item(
            "Lumen 3.2 release notes",
            Some(hearth::now_millis() - 1_000),
            vec![
                follows(Platform::Discourse, f),
                follows(Platform::Mastodon, m),
            ],
        );
        input.state = ContentState::Scheduled;
        store
            .create_calendar_item(&input, hearth::now_millis())
            .unwrap()
            .id
    };

    let first = finished(publish(&db));
    let said = text(&first);
    assert_eq!(
        first.status.code(),
        Some(2),
        "a refused target is a failure cron reports: {said}"
    );
    assert!(
        said.contains("1 sent") && said.contains("1 refused"),
        "{said}"
    );
    assert!(
        said.contains("Fosstodon: "),
        "the problem names its account: {said}"
    );
    let store = Store::open(&db).unwrap();
    let item = store.calendar_item(id).unwrap();
    assert_eq!(item.state, ContentState::Partly);
    let on = |p: Platform| item.variants.iter().find(|v| v.platform == p).unwrap();
    assert_eq!(on(Platform::Discourse).status, TargetStatus::Sent);
    assert!(on(Platform::Discourse).url.is_some());
    let failed = on(Platform::Mastodon);
    assert_eq!(failed.status, TargetStatus::Failed);
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("Text can't be blank")),
        "the platform's reason is kept: {:?}",
        failed.error
    );
    assert_eq!(forum.posts().len(), 1);

    // Retry the Mastodon target alone, from the CLI.
    let retry = hearth(&db)
        .args(["calendar", "publish", &id.to_string(), "--retry"])
        .arg(failed.id.to_string())
        .output()
        .unwrap();
    assert!(retry.status.success(), "{}", text(&retry));
    assert!(text(&retry).contains("published"), "{}", text(&retry));
    let item = Store::open(&db).unwrap().calendar_item(id).unwrap();
    assert_eq!(item.state, ContentState::Published);
    assert_eq!(
        forum.posts().len(),
        1,
        "the forum's post was not sent again"
    );
    assert_eq!(
        *mastodon.made.lock().unwrap(),
        vec![item.body.clone()],
        "Mastodon made the status once"
    );
    let m = item
        .variants
        .iter()
        .find(|v| v.platform == Platform::Mastodon)
        .unwrap();
    assert_eq!(
        m.url.as_deref(),
        Some("https://fosstodon.example/@lumen/11351")
    );
}

#[test]
fn the_app_and_two_crons_at_once_publish_each_due_target_exactly_once_to_a_slow_forum() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let forum = rt.block_on(Forum::start(Duration::from_secs(1)));
    let (_dir, db) = on_forum(&forum);
    let texts: Vec<String> = {
        let mut store = Store::open(&db).unwrap();
        let f = store.find_account("Forum").unwrap().id;
        (1..=4)
            .map(|i| {
                let body = format!("Weekly digest number {i}: what the community built this week.");
                let mut input = item(
                    &format!("Weekly digest {i}"),
                    Some(hearth::now_millis() - 1_000),
                    vec![follows(Platform::Discourse, f)],
                );
                input.body = body.clone();
                input.state = ContentState::Scheduled;
                store
                    .create_calendar_item(&input, hearth::now_millis())
                    .unwrap();
                body
            })
            .collect()
    };
    let app_running = app(&db);
    let (a, b) = (publish(&db), publish(&db));
    let (a, b) = (finished(a), finished(b));
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    wait_until("every item is published", Duration::from_secs(60), || {
        Store::open(&db)
            .and_then(|s| s.calendar(&Default::default()))
            .is_ok_and(|items| items.iter().all(|i| i.state == ContentState::Published))
    });
    drop(app_running);
    let mut posted = forum.posts();
    posted.sort();
    let mut expected = texts;
    expected.sort();
    assert_eq!(
        posted,
        expected,
        "each item reached the forum exactly once ({} / {})",
        text(&a),
        text(&b)
    );
}

// --- slots and repeating posts --------------------------------------------------------------------

#[test]
fn add_to_next_free_slot_takes_the_first_slot_of_the_items_accounts_that_no_other_post_holds() {
    let mut db = TestDb::new();
    let mastodon = db.account(Platform::Mastodon, "Lumen on Mastodon");
    let bluesky = db.account(Platform::Bluesky, "Lumen on Bluesky");
    // NOW is Monday 2026-11-23 12:00 UTC.
    let tue = db
        .store
        .add_posting_slot(mastodon, 1, 10 * 60, Some("UTC"))
        .unwrap();
    db.store
        .add_posting_slot(mastodon, 3, 10 * 60, Some("UTC"))
        .unwrap();
    assert_eq!(tue.label, "Tuesdays 10:00 (UTC)");
    let (tue_10, thu_10) = (NOW + 22 * HOUR, NOW + 3 * DAY - 2 * HOUR);

    let mut idea = item(
        "Spotlight",
        None,
        vec![follows(Platform::Mastodon, mastodon)],
    );
    idea.state = ContentState::Idea;
    let first = db.store.create_calendar_item(&idea, NOW).unwrap();
    let first = db.store.schedule_in_next_slot(first.id, NOW).unwrap();
    assert_eq!(first.scheduled_at, Some(tue_10));
    assert_eq!(
        first.state,
        ContentState::Draft,
        "an idea with a time is a draft"
    );

    // the next post on the same account takes Thursday; approved, it is scheduled there
    let second = db
        .store
        .create_calendar_item(
            &item("Release", None, vec![follows(Platform::Mastodon, mastodon)]),
            NOW,
        )
        .unwrap();
    db.store.submit_calendar_item(second.id, NOW).unwrap();
    db.store
        .approve_calendar_item(second.id, Some("Sam"), NOW)
        .unwrap();
    let second = db.store.schedule_in_next_slot(second.id, NOW).unwrap();
    assert_eq!(second.scheduled_at, Some(thu_10));
    assert_eq!(second.state, ContentState::Scheduled);

    // a third: next week's Tuesday
    let third = db
        .store
        .create_calendar_item(
            &item("Digest", None, vec![follows(Platform::Mastodon, mastodon)]),
            NOW,
        )
        .unwrap();
    let third = db.store.schedule_in_next_slot(third.id, NOW).unwrap();
    assert_eq!(third.scheduled_at, Some(tue_10 + 7 * DAY));

    // what cannot be placed says why
    let lonely = db
        .store
        .create_calendar_item(&item("No targets", None, vec![]), NOW)
        .unwrap();
    let err = db.store.schedule_in_next_slot(lonely.id, NOW).unwrap_err();
    assert!(err.to_string().contains("no target on an account"), "{err}");
    let unslotted = db
        .store
        .create_calendar_item(
            &item(
                "Bluesky only",
                None,
                vec![follows(Platform::Bluesky, bluesky)],
            ),
            NOW,
        )
        .unwrap();
    let err = db
        .store
        .schedule_in_next_slot(unslotted.id, NOW)
        .unwrap_err();
    assert!(err.to_string().contains("has posting slots"), "{err}");
}

#[test]
fn a_weekly_post_shows_its_coming_weeks_and_each_occurrence_that_goes_out_hands_on_to_the_next() {
    let mut db = TestDb::new();
    let discord = db.account(Platform::Discord, "Lumen Discord");
    let first_at = NOW + HOUR;
    let mut input = item(
        "Office hours reminder",
        Some(first_at),
        vec![follows(Platform::Discord, discord)],
    );
    input.state = ContentState::Scheduled;
    input.recurrence = Some("weekly".into());
    let id = db.store.create_calendar_item(&input, NOW).unwrap().id;
    let weeks = |db: &TestDb| {
        db.store
            .calendar(&hearth::model::CalendarRange {
                from: Some(NOW),
                to: Some(NOW + 28 * DAY),
                include_unscheduled: false,
                brief: false,
            })
            .unwrap()
    };
    let shown = weeks(&db);
    let times: Vec<Millis> = shown.iter().filter_map(|i| i.scheduled_at).collect();
    assert_eq!(
        times,
        [
            first_at,
            first_at + 7 * DAY,
            first_at + 14 * DAY,
            first_at + 21 * DAY
        ]
    );
    assert!(!shown[0].occurrence && shown[1..].iter().all(|i| i.occurrence && i.id == id));
    assert_eq!(shown[0].repeats.as_deref(), Some("every week"));

    // The first goes out: the next week's becomes an item of its own, still approved-as-was
    // and scheduled, and the series goes on from it.
    let released = db.store.release_due_posts(first_at).unwrap();
    assert_eq!(released.queued, 1);
    let shown = weeks(&db);
    let real: Vec<&hearth::model::CalendarItem> = shown.iter().filter(|i| !i.occurrence).collect();
    assert_eq!(real.len(), 2, "{shown:#?}");
    assert_eq!(real[0].id, id);
    assert_eq!(
        real[0].recurrence, None,
        "the one that went out keeps only its record"
    );
    assert_eq!(real[1].scheduled_at, Some(first_at + 7 * DAY));
    assert_eq!(real[1].state, ContentState::Scheduled);
    assert_eq!(real[1].recurrence.as_deref(), Some("FREQ=WEEKLY"));
    assert_eq!(real[1].variants.len(), 1);
    assert_eq!(real[1].variants[0].account_id, Some(discord));
    assert_eq!(real[1].variants[0].status, TargetStatus::Planned);
    assert_eq!(shown.len(), 4, "the same four weeks are shown");

    // Left for three weeks (the laptop closed): that week's is missed, the series resumes
    // with the first occurrence still ahead.
    let next = real[1].id;
    let late = first_at + 7 * DAY + 15 * DAY;
    let woke = db.store.release_due_posts(late).unwrap();
    assert_eq!(woke.missed, ["Office hours reminder"]);
    assert_eq!(
        db.store.calendar_item(next).unwrap().state,
        ContentState::Missed
    );
    assert_eq!(db.store.next_due_post().unwrap(), Some(first_at + 28 * DAY));
}

#[test]
fn a_repetition_that_cannot_be_read_or_has_no_first_date_is_refused_in_words() {
    let mut db = TestDb::new();
    let mut input = item("Call", None, vec![]);
    input.recurrence = Some("weekly".into());
    let err = db.store.create_calendar_item(&input, NOW).unwrap_err();
    assert!(err.to_string().contains("first occurrence"), "{err}");
    input.scheduled_at = Some(NOW);
    input.recurrence = Some("every blue moon".into());
    let err = db.store.create_calendar_item(&input, NOW).unwrap_err();
    assert!(err.to_string().contains("not a repetition"), "{err}");
    input.recurrence = Some("FREQ=HOURLY".into());
    let err = db.store.create_calendar_item(&input, NOW).unwrap_err();
    assert!(err.to_string().contains("at most daily"), "{err}");
}

#[test]
fn the_app_publishes_a_post_at_its_time_and_says_so_as_its_accounts_progress() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let forum = rt.block_on(Forum::start(Duration::from_millis(10)));
    let (_dir, db) = on_forum(&forum);
    let said: Arc<Mutex<Vec<String>>> = Arc::default();
    let heard = said.clone();
    // the app runs first; the post falls due two seconds later, between its sync rounds
    let running = Scheduler::start(
        db.clone(),
        Duration::from_secs(3600),
        Arc::new(move |p: &SyncProgress| heard.lock().unwrap().push(p.detail.clone())),
        Arc::new(hearth::now_millis),
    )
    .expect("the app's syncer starts");
    let id = {
        let mut store = Store::open(&db).unwrap();
        let f = store.find_account("Forum").unwrap().id;
        let mut input = item(
            "Community call on Thursday",
            Some(hearth::now_millis() + 2_000),
            vec![follows(Platform::Discourse, f)],
        );
        input.state = ContentState::Scheduled;
        store
            .create_calendar_item(&input, hearth::now_millis())
            .unwrap()
            .id
    };
    wait_until("the post is published", Duration::from_secs(45), || {
        Store::open(&db)
            .and_then(|s| s.calendar_item(id))
            .is_ok_and(|i| i.state == ContentState::Published)
    });
    wait_until("the app says so", Duration::from_secs(5), || {
        said.lock()
            .unwrap()
            .iter()
            .any(|d| d == "calendar: 1 post(s) published")
    });
    drop(running);
    assert_eq!(forum.posts().len(), 1);
}

#[test]
fn a_published_target_shows_the_replies_its_post_got_as_sync_brings_them() {
    use common::holding::{batch, person, said};
    use hearth::ingest::IncomingConversation;
    use hearth::model::ConversationKind;
    let mut db = TestDb::new();
    let forum = db.account(Platform::Discourse, "Forum");
    let discord = db.account(Platform::Discord, "Discord");
    let conversation = |id: &str, kind| IncomingConversation {
        external_id: id.into(),
        kind,
        title: Some("Lumen 3.2 is out".into()),
        container: None,
        url: None,
        created_at: NOW,
    };
    let people = || {
        vec![
            person("team", "team", "Lumen Team"),
            person("ana", "ana", "Ana"),
            person("bo", "bo", "Bo"),
        ]
    };
    // On the forum the post starts its topic: every later message there answers it.
    let topic = batch(
        people(),
        conversation("t1", ConversationKind::Topic),
        vec![
            said("t1", "p1", "team", "Lumen 3.2 is out", NOW, None),
            said("t1", "p2", "ana", "Congrats!", NOW + 1_000, None),
            said("t1", "p3", "bo", "AVIF at last", NOW + 2_000, None),
            said("t1", "p4", "ana", "And i18n too", NOW + 3_000, None),
        ],
    );
    db.store.ingest(forum, &topic, NOW).unwrap();
    // In a channel it is one message among others: only what answers it counts.
    let channel = batch(
        people(),
        conversation("c1", ConversationKind::Channel),
        vec![
            said("c1", "m1", "ana", "Morning all", NOW - 1_000, None),
            said("c1", "m2", "team", "Lumen 3.2 is out", NOW, None),
            said("c1", "m3", "bo", "🎉", NOW + 1_000, Some("m2")),
            said(
                "c1",
                "m4",
                "ana",
                "Anyone tried the beta?",
                NOW + 2_000,
                None,
            ),
        ],
    );
    db.store.ingest(discord, &channel, NOW).unwrap();
    let id = db
        .store
        .create_calendar_item(
            &item(
                "Release",
                Some(NOW),
                vec![
                    follows(Platform::Discourse, forum),
                    follows(Platform::Discord, discord),
                ],
            ),
            NOW,
        )
        .unwrap()
        .id;
    // what the outbox records when each post goes out
    exec(
        &db,
        "UPDATE calendar_targets SET external_id = CASE platform WHEN 'discourse' THEN 'p1' ELSE 'm2' END
         WHERE item_id = ?1",
        [id],
    );
    let item = db.store.calendar_item(id).unwrap();
    let on = |p: Platform| item.variants.iter().find(|v| v.platform == p).unwrap();
    assert_eq!(on(Platform::Discourse).status, TargetStatus::Sent);
    assert_eq!(
        (
            on(Platform::Discourse).replies,
            on(Platform::Discourse).repliers
        ),
        (3, 2),
        "three replies in the topic, from Ana and Bo"
    );
    assert_eq!(
        (
            on(Platform::Discord).replies,
            on(Platform::Discord).repliers
        ),
        (1, 1),
        "in the channel, only Bo's answer to the post"
    );
}

#[test]
fn a_repeating_post_is_one_event_with_its_rule_in_the_ics_export() {
    let mut db = TestDb::new();
    let mut input = item("Office hours", Some(NOW + HOUR), vec![]);
    input.recurrence = Some("FREQ=WEEKLY;BYDAY=TH".into());
    db.store.create_calendar_item(&input, NOW).unwrap();
    let ics = db.store.calendar_ics(NOW).unwrap().text;
    let calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()))
        .collect::<Result<_, _>>()
        .expect("another parser reads it");
    let events = &calendars[0].events;
    assert_eq!(events.len(), 1, "one event, not one per occurrence");
    let rule = events[0]
        .properties
        .iter()
        .find(|p| p.name == "RRULE")
        .and_then(|p| p.value.clone());
    assert_eq!(rule.as_deref(), Some("FREQ=WEEKLY;BYDAY=TH"));
}
