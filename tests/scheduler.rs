//! The desktop app's background syncer (`sync::scheduler::Scheduler`), run as the app runs it:
//! its own thread and database connection, tokens from the real keyring (run the tests inside
//! `scripts/with-keyring`), progress reported as it happens.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hearth::accounts::connect_account;
use hearth::model::{AccountInput, Platform, SyncErrorKind, SyncProgress, SyncState};
use hearth::sync::scheduler::Scheduler;
use hearth::Store;
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The syncer runs on the real clock, as in the app.
fn real_clock() -> hearth::sync::Clock {
    std::sync::Arc::new(hearth::now_millis)
}

fn matrix_account(store: &mut Store, name: &str, url: &str) -> i64 {
    connect_account(
        store,
        &AccountInput {
            platform: Platform::Matrix,
            name: name.into(),
            base_url: Some(url.into()),
            scopes: vec![],
            token: Some(format!("syt_{name}_token")),
        },
        1,
    )
    .expect("the account is added and its token filed in the keyring")
    .id
}

/// The syncer as the app starts it, with rounds an hour apart: in a test, only what the test
/// asks for (or a reply's own time) makes it sync after its first round.
fn hourly(path: &std::path::Path, seen: &Seen) -> Scheduler {
    Scheduler::start(
        path.to_path_buf(),
        Duration::from_secs(3600),
        seen.sink(),
        real_clock(),
    )
    .expect("the syncer starts")
}

/// Collects every progress report, and waits for one that matches.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<SyncProgress>>>);

impl Seen {
    fn sink(&self) -> hearth::sync::scheduler::ProgressSink {
        let seen = self.0.clone();
        Arc::new(move |p: &SyncProgress| seen.lock().expect("the list").push(p.clone()))
    }

    fn wait_for(&self, what: &str, f: impl Fn(&SyncProgress) -> bool) -> SyncProgress {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(p) = self.0.lock().expect("the list").iter().find(|p| f(p)) {
                return p.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no progress report {what}: {:?}",
                self.0.lock().expect("the list")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A homeserver that knows the token and answers `/sync` with `sync`.
async fn homeserver(sync: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/_matrix/client/v3/account/whoami"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"user_id": "@team:example.org"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/_matrix/client/v3/profile/.*"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"displayname": "Lumen Team"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/_matrix/client/v3/sync"))
        .respond_with(sync)
        .mount(&server)
        .await;
    server
}

/// One room with two messages.
async fn small_homeserver() -> MockServer {
    homeserver(ResponseTemplate::new(200).set_body_json(json!({
        "next_batch": "s1",
        "rooms": {"join": {"!r:example.org": {"timeline": {"limited": false, "events": [
            {"type": "m.room.message", "event_id": "$1", "sender": "@ana:example.org",
             "origin_server_ts": 1_700_000_000_000u64, "content": {"msgtype": "m.text", "body": "Is the beta out?"}},
            {"type": "m.room.message", "event_id": "$2", "sender": "@bo:example.org",
             "origin_server_ts": 1_700_000_060_000u64, "content": {"msgtype": "m.text", "body": "Asking too"}},
        ]}}}},
    })))
    .await
}

#[test]
fn the_background_syncer_syncs_every_account_says_offline_when_a_server_is_unreachable_and_skips_the_demo(
) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let server = rt.block_on(small_homeserver());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.db");
    let mut store = Store::open(&path).expect("a new database");
    let online = matrix_account(&mut store, "online", &server.uri());
    // Nothing listens on port 9 of this machine: as good as no network for this account.
    let offline = matrix_account(&mut store, "offline", "http://127.0.0.1:9");
    let demo = store
        .ensure_account(Platform::Discord, "Lumen demo", None, None, 1)
        .expect("a demo account");
    store.mark_demo_account(demo).expect("marked as demo");

    let seen = Seen::default();
    let scheduler = hourly(&path, &seen);
    let done = seen.wait_for("of the online account finishing", |p| {
        p.account_id == online && p.state == SyncState::Done
    });
    assert_eq!(
        done.messages_added, 2,
        "the first sync brought both messages"
    );
    let off = seen.wait_for("of the offline account", |p| {
        p.account_id == offline && p.state == SyncState::Offline
    });
    assert!(
        off.detail.starts_with("offline"),
        "the app says offline in words: {}",
        off.detail
    );
    assert!(
        seen.0
            .lock()
            .expect("the list")
            .iter()
            .all(|p| p.account_id != demo),
        "the demo's sample accounts are never synced"
    );
    assert_eq!(
        store.account(offline).expect("the account").last_error_kind,
        Some(SyncErrorKind::Offline),
        "the account remembers it could not be reached"
    );
    assert!(
        store
            .account(online)
            .expect("the account")
            .last_sync_at
            .is_some(),
        "and the other one when it last synced"
    );

    // On demand: one account again, now with nothing new.
    seen.0.lock().expect("the list").clear();
    scheduler.sync_now(Some(online));
    let again = seen.wait_for("of the second sync", |p| {
        p.account_id == online && p.state == SyncState::Done
    });
    assert_eq!(again.messages_added, 0, "nothing new the second time");
    assert!(
        scheduler
            .status()
            .iter()
            .any(|p| p.account_id == online && p.state == SyncState::Done),
        "the latest state of each account is kept for the UI"
    );
    drop(scheduler);

    // Local work never waited on the syncer: the inbox reads fine from the UI's connection.
    let inbox = store
        .inbox(&hearth::model::InboxQuery::default(), 1_800_000_000_000)
        .expect("the inbox reads");
    assert_eq!(inbox.items.len(), 1);
    for id in [online, offline] {
        hearth::accounts::disconnect_account(&mut store, id).expect("removed");
    }
}

#[test]
fn an_account_waiting_out_a_rate_limit_does_not_hold_up_the_others() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let quick = rt.block_on(small_homeserver());
    // This homeserver asks every client to wait 20 s before its next request.
    let busy = rt.block_on(homeserver(ResponseTemplate::new(429).set_body_json(
        json!({
            "errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 20_000,
        }),
    )));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.db");
    let mut store = Store::open(&path).expect("a new database");
    // Accounts are listed by name: one after the other, the quick one would wait its turn.
    let slow = matrix_account(&mut store, "a slow one", &busy.uri());
    let fast = matrix_account(&mut store, "b quick one", &quick.uri());

    let seen = Seen::default();
    let started = Instant::now();
    let scheduler = hourly(&path, &seen);
    seen.wait_for("of the slow account waiting", |p| {
        p.account_id == slow && p.state == SyncState::Waiting
    });
    let done = seen.wait_for("of the quick account finishing", |p| {
        p.account_id == fast && p.state == SyncState::Done
    });
    assert_eq!(done.messages_added, 2);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the quick account did not wait for the slow one's 20 s ({:?})",
        started.elapsed()
    );
    let slow_now = scheduler
        .status()
        .into_iter()
        .find(|p| p.account_id == slow)
        .expect("the slow account's progress");
    assert_eq!(
        slow_now.state,
        SyncState::Waiting,
        "still waiting, and saying so: {}",
        slow_now.detail
    );
    drop(scheduler);
    for id in [slow, fast] {
        hearth::accounts::disconnect_account(&mut store, id).expect("removed");
    }
}

#[test]
fn an_account_asked_for_while_it_syncs_is_synced_again_when_it_finishes() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    // A slow homeserver: each /sync takes a second and a half.
    let server = rt.block_on(homeserver(
        ResponseTemplate::new(200)
            .set_body_json(json!({"next_batch": "s1", "rooms": {}}))
            .set_delay(Duration::from_millis(1500)),
    ));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.db");
    let mut store = Store::open(&path).expect("a new database");
    let id = matrix_account(&mut store, "slow", &server.uri());

    let seen = Seen::default();
    let scheduler = hourly(&path, &seen);
    seen.wait_for("of the first sync starting", |p| {
        p.account_id == id && p.state == SyncState::Syncing
    });
    // As when a reply is queued during a sync: it must not wait for the next round.
    scheduler.sync_now(Some(id));
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = || {
        seen.0
            .lock()
            .expect("the list")
            .iter()
            .filter(|p| p.account_id == id && p.state == SyncState::Done)
            .count()
    };
    while done() < 2 {
        assert!(
            Instant::now() < deadline,
            "the account was not synced again: {:?}",
            seen.0.lock().expect("the list")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(scheduler);
    hearth::accounts::disconnect_account(&mut store, id).expect("removed");
}

#[test]
fn the_background_syncer_syncs_again_on_its_schedule_without_being_asked() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let server = rt.block_on(small_homeserver());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.db");
    let mut store = Store::open(&path).expect("a new database");
    let id = matrix_account(&mut store, "scheduled", &server.uri());
    let seen = Seen::default();
    let scheduler = Scheduler::start(path, Duration::from_millis(300), seen.sink(), real_clock())
        .expect("the syncer starts");
    let runs = || {
        seen.0
            .lock()
            .expect("the list")
            .iter()
            .filter(|p| p.account_id == id && p.state == SyncState::Done)
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while runs() < 3 {
        assert!(
            Instant::now() < deadline,
            "the schedule ran the sync {} times",
            runs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(scheduler);
    let syncs = rt
        .block_on(server.received_requests())
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/_matrix/client/v3/sync")
        .count();
    assert!(
        syncs >= 3,
        "each scheduled run asked the server ({syncs} syncs)"
    );
    hearth::accounts::disconnect_account(&mut store, id).expect("removed");
}

#[test]
fn without_a_keyring_adding_an_account_says_what_to_do_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("hearth.db");
    let out = assert_cmd::Command::cargo_bin("hearth")
        .expect("the hearth binary")
        .arg("--db")
        .arg(&db)
        .args([
            "accounts",
            "add",
            "matrix",
            "--name",
            "Lumen",
            "--url",
            "https://matrix.example.org",
        ])
        // A session bus that does not exist: no Secret Service to be found.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/hearth-test-bus",
        )
        .write_stdin("syt_secret_token_never_stored")
        .output()
        .expect("hearth runs");
    assert!(!out.status.success(), "adding fails without a keyring");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keyring"),
        "the error names the keyring: {err}"
    );
    assert!(
        err.contains("GNOME Keyring") || err.contains("Secret Service"),
        "and says how to get one: {err}"
    );
    assert!(
        !err.contains("syt_secret_token_never_stored"),
        "without echoing the token"
    );
    let store = Store::open(&db).expect("the database opens");
    assert!(
        store.list_accounts().expect("accounts").is_empty(),
        "no account without its token"
    );
}

#[test]
fn a_reply_to_send_later_goes_out_when_due_without_waiting_for_the_next_round() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let server = rt.block_on(small_homeserver());
    rt.block_on(
        Mock::given(method("PUT"))
            .and(path_regex(
                "^/_matrix/client/v3/rooms/.*/send/m.room.message/.*",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"event_id": "$sent"})))
            .mount(&server),
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.db");
    let mut store = Store::open(&path).expect("a new database");
    let account = matrix_account(&mut store, "later", &server.uri());
    let seen = Seen::default();
    // rounds an hour apart: only the reply's own time can wake the syncer in this test
    let scheduler = hourly(&path, &seen);
    seen.wait_for("of the first sync", |p| {
        p.account_id == account && p.state == SyncState::Done
    });
    let conv = store
        .inbox(&hearth::model::InboxQuery::default(), hearth::now_millis())
        .expect("the inbox")
        .items[0]
        .id;
    let sends = |server: &MockServer| {
        rt.block_on(server.received_requests())
            .unwrap_or_default()
            .iter()
            .filter(|r| r.method.as_str() == "PUT")
            .count()
    };
    let due = hearth::now_millis() + 3_000;
    let item = store
        .queue_reply_at(
            conv,
            "Yes, the beta is out today.",
            Some(due),
            hearth::now_millis(),
        )
        .expect("queued for later");
    assert_eq!(item.send_after, Some(due));
    // as the app does after queueing: the syncer looks at the outbox again
    scheduler.sync_now(Some(account));
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(sends(&server), 0, "nothing is sent before its time");
    let deadline = Instant::now() + Duration::from_secs(20);
    while sends(&server) == 0 {
        assert!(
            Instant::now() < deadline,
            "the reply went out within seconds of its time, not at the next round"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(hearth::now_millis() >= due, "and not before it was due");
    drop(scheduler);
    assert_eq!(sends(&server), 1, "exactly once");
    hearth::accounts::disconnect_account(&mut store, account).expect("removed");
}
