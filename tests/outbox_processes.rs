//! Exactly once, with real processes: the app's background syncer and `hearth outbox --flush`
//! (twice, as cron and a terminal would) sending the same outbox, a flush killed while its post
//! is in flight, and a second sync of an account that is already syncing. The forum counts
//! every post it receives; that count is what a community would see.
//!
//! These tests run the real `hearth` binary with its token in the OS keyring: run them inside
//! `scripts/with-keyring` (as `./scripts/test` does).

use crate::common;
use crate::common::{hearth, text, wait_until};

use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use common::forum::Forum;
use hearth::model::{OutboxState, SyncProgress, SyncState};
use hearth::sync::scheduler::Scheduler;
use hearth::Store;

const TOKEN: &str = "discourse-key-not-real-5b7e";

fn output_of(child: Child) -> Output {
    child.wait_with_output().expect("hearth ran")
}

/// A database in a temporary folder with one Discourse account on `forum`, its key in the
/// keyring, added through the real CLI.
struct Workspace {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Workspace {
    fn new(forum: &Forum) -> Workspace {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = dir.path().join("hearth.db");
        let add = hearth(&db)
            .args(["accounts", "add", "discourse", "--name", "Forum", "--url"])
            .arg(forum.uri())
            .arg("--no-test")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().expect("stdin").write_all(TOKEN.as_bytes())?;
                c.wait_with_output()
            })
            .expect("hearth accounts add runs");
        assert!(add.status.success(), "{}", text(&add));
        Workspace { _dir: dir, db }
    }

    fn store(&self) -> Store {
        Store::open(&self.db).expect("the database opens")
    }

    /// Queues `n` new topics, as the composer would.
    fn queue_posts(&self, n: usize) -> Vec<String> {
        let mut store = self.store();
        let account = store.find_account("Forum").expect("the account").id;
        (1..=n)
            .map(|i| {
                let body = format!("Release notes, part {i}: what changed and why.");
                store
                    .queue_post(
                        account,
                        &body,
                        Some(&format!("Notes {i}")),
                        hearth::now_millis(),
                    )
                    .expect("queued");
                body
            })
            .collect()
    }

    fn flush(&self) -> Child {
        hearth(&self.db)
            .args(["outbox", "--flush"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hearth outbox --flush starts")
    }

    fn states(&self) -> Vec<OutboxState> {
        self.store()
            .list_outbox(Some(0))
            .expect("the outbox")
            .into_iter()
            .map(|i| i.state)
            .collect()
    }

    fn sql(&self, q: &str) {
        rusqlite::Connection::open(&self.db)
            .expect("the file opens")
            .execute_batch(q)
            .unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn the_apps_syncer_and_two_flushes_at_once_post_each_item_exactly_once_to_a_slow_forum() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let forum = rt.block_on(Forum::start(Duration::from_secs(2)));
    let ws = Workspace::new(&forum);
    let queued = ws.queue_posts(6);

    // The app's background syncer (sync, then its outbox) and two `hearth outbox --flush`
    // started together, as cron and a terminal would while the app is open.
    let app = Scheduler::start(
        ws.db.clone(),
        Duration::from_secs(3600),
        std::sync::Arc::new(|_: &SyncProgress| {}),
        std::sync::Arc::new(hearth::now_millis),
    )
    .expect("the syncer starts");
    let cron = ws.flush();
    let terminal = ws.flush();
    let (cron, terminal) = (output_of(cron), output_of(terminal));
    assert!(cron.status.success(), "{}", text(&cron));
    assert!(terminal.status.success(), "{}", text(&terminal));
    wait_until("every item is sent", Duration::from_secs(60), || {
        ws.states().iter().all(|s| *s == OutboxState::Sent)
    });
    let app_status = app.status();
    drop(app);

    assert_eq!(
        sorted(forum.posts()),
        sorted(queued),
        "every post reached the forum exactly once (cron said: {} / terminal said: {} / app: {app_status:?})",
        text(&cron),
        text(&terminal)
    );
    // Each process says what it did, and together they account for every item.
    let sent_by = |o: &Output| -> usize {
        let t = String::from_utf8_lossy(&o.stdout).to_string();
        t.lines()
            .find_map(|l| l.strip_prefix("Discourse Forum: "))
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    assert!(
        sent_by(&cron) + sent_by(&terminal) <= 6,
        "no item is counted as sent twice: {} / {}",
        text(&cron),
        text(&terminal)
    );
}

#[test]
fn two_flushes_at_once_carry_out_each_moderation_action_exactly_once() {
    use hearth::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
    use hearth::model::{ConversationKind, ModActionInput, ModActionKind};
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let forum = rt.block_on(Forum::start(Duration::from_millis(800)));
    let ws = Workspace::new(&forum);
    let mut store = ws.store();
    let account = store.find_account("Forum").expect("the account").id;
    let now = hearth::now_millis();
    // three members' posts in a topic, as a sync brings them
    let batch = Batch {
        identities: (41..44)
            .map(|u| IncomingIdentity {
                external_id: u.to_string(),
                handle: format!("member{u}"),
                ..Default::default()
            })
            .collect(),
        conversations: vec![IncomingConversation {
            external_id: "7".into(),
            kind: ConversationKind::Thread,
            title: Some("Giveaway!!!".into()),
            container: None,
            url: None,
            created_at: now - 60_000,
        }],
        messages: (41..44)
            .map(|u| IncomingMessage {
                conversation_external_id: "7".into(),
                external_id: format!("70{u}"),
                author_external_id: u.to_string(),
                text: "Free tokens, DM me".into(),
                html: None,
                created_at: now - 60_000 + u,
                edited_at: None,
                deleted_at: None,
                reply_to_external_id: None,
                url: None,
                mentions_us: false,
            })
            .collect(),
        quarantined: Vec::new(),
    };
    store.ingest(account, &batch, now).expect("ingested");
    let conn = rusqlite::Connection::open(&ws.db).expect("the file opens");
    let mut actions = Vec::new();
    for u in 41..44 {
        let message: i64 = conn
            .query_row(
                "SELECT id FROM messages WHERE external_id = ?1",
                [format!("70{u}")],
                |r| r.get(0),
            )
            .expect("the post");
        let action = store
            .moderate(
                &ModActionInput {
                    message_id: Some(message),
                    action: Some(ModActionKind::Timeout),
                    reason: "Spam".into(),
                    minutes: Some(60),
                    ..Default::default()
                },
                now,
            )
            .expect("queued");
        assert_eq!(action.how, "platform");
        actions.push(action.id);
    }
    drop(store);

    // cron and a terminal flush the same outbox at once
    let (cron, terminal) = (ws.flush(), ws.flush());
    let (cron, terminal) = (output_of(cron), output_of(terminal));
    assert!(cron.status.success(), "{}", text(&cron));
    assert!(terminal.status.success(), "{}", text(&terminal));
    wait_until("every action is done", Duration::from_secs(60), || {
        let store = ws.store();
        actions
            .iter()
            .all(|id| store.mod_action(*id).is_ok_and(|a| a.state == "done"))
    });
    let mut received = rt.block_on(forum.staff_actions());
    received.sort();
    assert_eq!(
        received,
        (41..44)
            .map(|u| format!("PUT /admin/users/{u}/silence.json"))
            .collect::<Vec<_>>(),
        "each member silenced exactly once (cron: {} / terminal: {})",
        text(&cron),
        text(&terminal)
    );
}

#[test]
fn a_flush_killed_while_its_post_is_in_flight_never_posts_twice() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    // The forum takes the post but never answers in time.
    let forum = rt.block_on(Forum::start(Duration::from_secs(120)));
    let ws = Workspace::new(&forum);
    let queued = ws.queue_posts(1);

    let mut killed = ws.flush();
    wait_until(
        "the post reaches the forum",
        Duration::from_secs(30),
        || forum.posts().len() == 1,
    );
    killed.kill().expect("the flush is killed");
    let _ = killed.wait();

    // A moment later, another flush: the lost request could still be on its way, so it
    // neither looks nor posts again, and says so.
    let soon = output_of(ws.flush());
    assert!(soon.status.success(), "{}", text(&soon));
    assert!(
        text(&soon).contains("1 still waiting"),
        "the flush says the item waits: {}",
        text(&soon)
    );
    assert_eq!(forum.posts(), queued, "no second copy right after the kill");
    assert_eq!(
        rt.block_on(forum.lookups()),
        0,
        "not even looked up while the request may be in flight"
    );

    // Time passes beyond the request timeout (moved on in the file, as the clock would): the
    // next flush looks the post up on the forum, finds it, and records it as sent.
    ws.sql(
        "UPDATE outbox SET attempted_at = attempted_at - 600000, lease_until = lease_until - 600000,
             key_since = key_since - 600000",
    );
    let later = output_of(ws.flush());
    assert!(later.status.success(), "{}", text(&later));
    assert_eq!(
        forum.posts(),
        queued,
        "still exactly one post: {}",
        text(&later)
    );
    assert_eq!(ws.states(), vec![OutboxState::Sent], "{}", text(&later));
    assert!(rt.block_on(forum.lookups()) >= 1, "the forum was asked");
}

#[test]
fn a_second_sync_of_an_account_that_is_syncing_says_so_and_skips() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let forum = rt.block_on(Forum::start(Duration::from_secs(1)));
    let ws = Workspace::new(&forum);
    // Another Hearth holds the account's sync (it renews its claim as it goes).
    ws.sql(&format!(
        "INSERT INTO sync_leases (account_id, owner, until, started_at)
         SELECT id, 'another-hearth', {}, {} FROM accounts",
        hearth::now_millis() + 60_000,
        hearth::now_millis()
    ));
    let second = hearth(&ws.db)
        .arg("sync")
        .output()
        .expect("hearth sync runs");
    assert!(
        second.status.success(),
        "skipping is not a failure: {}",
        text(&second)
    );
    assert!(
        text(&second).contains("already syncing"),
        "it says why it skipped: {}",
        text(&second)
    );
    assert!(
        !text(&second).contains("busy"),
        "no 'database is busy': {}",
        text(&second)
    );
    // Once the other sync's claim has run out (it died), the account syncs again.
    ws.sql("UPDATE sync_leases SET until = 0");
    let after = hearth(&ws.db)
        .arg("sync")
        .output()
        .expect("hearth sync runs");
    assert!(after.status.success(), "{}", text(&after));
    assert!(
        !text(&after).contains("already syncing"),
        "{}",
        text(&after)
    );
}

#[test]
fn the_app_and_the_cli_syncing_one_account_at_once_never_fail_with_busy() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let forum = rt.block_on(Forum::start(Duration::from_millis(10)));
    let ws = Workspace::new(&forum);
    let (tx, rx) = std::sync::mpsc::channel::<SyncProgress>();
    let tx = std::sync::Mutex::new(tx);
    let app = Scheduler::start(
        ws.db.clone(),
        Duration::from_secs(3600),
        std::sync::Arc::new(move |p: &SyncProgress| {
            let _ = tx.lock().map(|t| t.send(p.clone()));
        }),
        std::sync::Arc::new(hearth::now_millis),
    )
    .expect("the syncer starts");
    let cli = hearth(&ws.db)
        .arg("sync")
        .output()
        .expect("hearth sync runs");
    let mut last = None;
    wait_until("the app's sync ends", Duration::from_secs(30), || {
        while let Ok(p) = rx.try_recv() {
            last = Some(p);
        }
        last.as_ref()
            .is_some_and(|p| matches!(p.state, SyncState::Done | SyncState::Failed))
    });
    drop(app);
    assert!(cli.status.success(), "{}", text(&cli));
    let last = last.expect("the app reported");
    assert_eq!(last.state, SyncState::Done, "{last:?}");
    for said in [text(&cli), last.detail.clone()] {
        assert!(
            !said.contains("busy"),
            "neither side fails with busy: {said}"
        );
    }
}
