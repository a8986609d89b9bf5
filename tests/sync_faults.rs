//! The faults a sync must survive, each against a local server speaking the Matrix client API:
//! rate limits, server errors, timeouts, a connection dropped mid-page, malformed and
//! truncated JSON, a revoked token, a repeated page, and the process killed between pages.
//! Each must leave the database consistent, say what happened in words, and recover on the
//! next sync with nothing lost and nothing doubled.

use std::path::Path;
use std::time::Duration;

use hearth::connectors::matrix::Matrix;
use hearth::model::{AccountInput, Platform, SyncErrorKind};
use hearth::sync::engine::{sync_account, SyncError, SyncEvent, SyncOptions, SyncReport};
use hearth::sync::{ConnectorConfig, Http, Secret};
use hearth::Store;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROOM: &str = "!lumen:example.org";
const TOKEN: &str = "syt_not_a_real_token_8c1f2e";

fn event(n: u32) -> Value {
    json!({
        "type": "m.room.message",
        "event_id": format!("$ev{n}"),
        "sender": if n.is_multiple_of(2) { "@ana:example.org" } else { "@bo:example.org" },
        "origin_server_ts": 1_700_000_000_000u64 + u64::from(n) * 60_000,
        "content": {"msgtype": "m.text", "body": format!("message number {n} — ünïcødé")},
    })
}

/// Events `from..=to`, newest first, as `/messages?dir=b` returns them.
fn chunk(from: u32, to: u32) -> Vec<Value> {
    (from..=to).rev().map(event).collect()
}

fn json_reply(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

/// A homeserver whose room has 8 messages: the first `/sync` shows the newest two and says the
/// timeline is limited; the history comes back in two `/messages` pages (`p1`, then `p2`).
/// The `p2` page is mounted by each test, so it can misbehave first.
async fn homeserver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/_matrix/client/v3/account/whoami"))
        .respond_with(json_reply(json!({"user_id": "@team:example.org"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/_matrix/client/v3/profile/.*"))
        .respond_with(json_reply(json!({"displayname": "Lumen Team"})))
        .mount(&server)
        .await;
    let member = |user: &str, name: &str| {
        json!({"type": "m.room.member", "state_key": user, "sender": user, "event_id": format!("$m{user}"),
               "origin_server_ts": 1_699_999_000_000u64, "content": {"membership": "join", "displayname": name}})
    };
    Mock::given(method("GET"))
        .and(path("/_matrix/client/v3/sync"))
        .and(query_param("since", "s1"))
        .respond_with(json_reply(
            json!({"next_batch": "s1", "rooms": {"join": {}}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/_matrix/client/v3/sync"))
        .respond_with(json_reply(json!({
            "next_batch": "s1",
            "rooms": {"join": {ROOM: {
                "state": {"events": [
                    {"type": "m.room.name", "state_key": "", "sender": "@team:example.org", "event_id": "$name",
                     "origin_server_ts": 1_699_999_000_000u64, "content": {"name": "Lumen help"}},
                    member("@ana:example.org", "Ana"), member("@bo:example.org", "Bo"),
                ]},
                "timeline": {"events": [event(7), event(8)], "limited": true, "prev_batch": "p1"},
            }}},
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/_matrix/client/v3/rooms/.*/messages$"))
        .and(query_param("from", "p1"))
        .respond_with(json_reply(
            json!({"chunk": chunk(4, 6), "start": "p1", "end": "p2"}),
        ))
        .mount(&server)
        .await;
    server
}

/// The well-behaved `p2` page: the oldest three messages, and the start of the room.
fn good_p2() -> Mock {
    Mock::given(method("GET"))
        .and(path_regex("^/_matrix/client/v3/rooms/.*/messages$"))
        .and(query_param("from", "p2"))
        .respond_with(json_reply(json!({"chunk": chunk(1, 3), "start": "p2"})))
}

/// The `p2` page, misbehaving `times` times before it answers well.
async fn p2_fails(server: &MockServer, times: u64, bad: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path_regex("^/_matrix/client/v3/rooms/.*/messages$"))
        .and(query_param("from", "p2"))
        .respond_with(bad)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    good_p2().mount(server).await;
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Store,
    account: i64,
}

fn fixture(server: &MockServer) -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.db");
    let mut store = Store::open(&path).expect("a new database");
    let account = store
        .add_account(
            &AccountInput {
                platform: Platform::Matrix,
                name: "Lumen".into(),
                base_url: Some(server.uri()),
                scopes: vec![],
                token: None,
            },
            1,
        )
        .expect("an account")
        .id;
    Fixture {
        _dir: dir,
        path,
        store,
        account,
    }
}

fn connector(server: &MockServer, timeout: Duration) -> Matrix {
    Matrix::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new(TOKEN),
        scopes: vec![],
        http: Http::new(timeout).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("a connector")
}

fn quick() -> SyncOptions {
    SyncOptions {
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..Default::default()
    }
}

async fn sync(
    f: &mut Fixture,
    conn: &Matrix,
    opts: &SyncOptions,
) -> (Result<SyncReport, SyncError>, Vec<String>) {
    let mut waits = Vec::new();
    let r = sync_account(
        &mut f.store,
        f.account,
        conn,
        opts,
        &CancellationToken::new(),
        &|| 1_800_000_000_000,
        &mut |e| {
            if let SyncEvent::Waiting { reason, .. } = e {
                waits.push(reason);
            }
        },
    )
    .await;
    (r, waits)
}

/// Message ids in the database, in order, with how often each appears.
fn messages(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("the database opens");
    let mut stmt = conn
        .prepare("SELECT external_id FROM messages ORDER BY created_at")
        .expect("a query");
    stmt.query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("ids")
}

fn all_eight() -> Vec<String> {
    (1..=8).map(|n| format!("$ev{n}")).collect()
}

#[tokio::test]
async fn a_429_is_waited_out_as_the_server_asks_and_the_wait_is_shown() {
    let server = homeserver().await;
    p2_fails(
        &server,
        1,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "1")
            .set_body_json(json!({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 800})),
    )
    .await;
    let mut f = fixture(&server);
    let conn = connector(&server, Duration::from_secs(5));
    let started = std::time::Instant::now();
    let (r, waits) = sync(&mut f, &conn, &quick()).await;
    r.expect("the sync completes after the wait");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the Retry-After was honoured"
    );
    assert_eq!(waits, vec!["Matrix asks us to wait 1 s".to_string()]);
    assert_eq!(messages(&f.path), all_eight());
}

#[tokio::test]
async fn server_errors_500_502_503_are_retried_with_backoff() {
    let server = homeserver().await;
    for status in [500, 502, 503] {
        Mock::given(method("GET"))
            .and(query_param("from", "p2"))
            .respond_with(ResponseTemplate::new(status).set_body_string("<html>Bad gateway</html>"))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    good_p2().mount(&server).await;
    let mut f = fixture(&server);
    let (r, waits) = sync(
        &mut f,
        &connector(&server, Duration::from_secs(5)),
        &quick(),
    )
    .await;
    r.expect("the sync completes once the server recovers");
    assert_eq!(waits.len(), 3, "one wait per failure: {waits:?}");
    assert!(
        waits
            .iter()
            .all(|w| w.contains("Matrix is having trouble (HTTP 50")
                && w.contains("trying again in")),
        "{waits:?}"
    );
    assert!(
        !waits.iter().any(|w| w.contains("<html>")),
        "HTML error pages are not shown to the user"
    );
    assert_eq!(messages(&f.path), all_eight());
}

#[tokio::test]
async fn a_request_that_times_out_is_tried_again() {
    let server = homeserver().await;
    p2_fails(
        &server,
        1,
        json_reply(json!({"chunk": chunk(1, 3), "start": "p2"})).set_delay(Duration::from_secs(3)),
    )
    .await;
    let mut f = fixture(&server);
    let (r, waits) = sync(
        &mut f,
        &connector(&server, Duration::from_millis(700)),
        &quick(),
    )
    .await;
    r.expect("the sync completes on the retry");
    assert!(
        waits[0].starts_with("Matrix did not answer in time"),
        "{waits:?}"
    );
    assert_eq!(messages(&f.path), all_eight());
}

#[tokio::test]
async fn a_connection_dropped_mid_page_loses_nothing() {
    let server = homeserver().await;
    // The server promises a long body and hangs up after a few bytes.
    p2_fails(
        &server,
        1,
        ResponseTemplate::new(200)
            .insert_header("Content-Length", "4096")
            .set_body_raw(b"{\"chunk\": [{\"type\"".to_vec(), "application/json"),
    )
    .await;
    let mut f = fixture(&server);
    let (r, waits) = sync(
        &mut f,
        &connector(&server, Duration::from_secs(5)),
        &quick(),
    )
    .await;
    r.expect("the sync completes on the retry");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(
        waits[0].contains("Matrix") && waits[0].contains("trying again"),
        "the drop is reported in words: {waits:?}"
    );
    assert_eq!(messages(&f.path), all_eight());
}

#[tokio::test]
async fn malformed_and_truncated_json_fail_in_words_keep_what_was_synced_and_recover() {
    for (bad, words) in [
        ("{\"chunk\": [", "the reply was cut off"),
        ("{\"chunk\": [}", "not valid JSON"),
        (
            "{\"chunk\": 42, \"start\": \"p2\"}",
            "Matrix sent a reply Hearth could not read",
        ),
    ] {
        let server = homeserver().await;
        Mock::given(method("GET"))
            .and(query_param("from", "p2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(bad.as_bytes().to_vec(), "application/json"),
            )
            .mount(&server)
            .await;
        let mut f = fixture(&server);
        let opts = SyncOptions {
            max_retries: 1,
            ..quick()
        };
        let conn = connector(&server, Duration::from_secs(5));
        let (r, _) = sync(&mut f, &conn, &opts).await;
        let err = r.expect_err("a page that cannot be read stops the sync");
        assert!(err.to_string().contains(words), "{bad}: {err}");
        let kept = messages(&f.path);
        assert_eq!(
            kept.len(),
            5,
            "the five messages of the good pages are kept: {kept:?}"
        );
        let account = f.store.account(f.account).expect("the account");
        assert!(
            account.last_error.is_some_and(|e| e.contains(words)),
            "the account shows the problem"
        );

        // The server is fixed; the next sync resumes at the bad page, and once the history is
        // complete asks for what arrived meanwhile (a ninth message). Only those two are served
        // now: anything else asked for would be a 404.
        server.reset().await;
        Mock::given(method("GET"))
            .and(path_regex("^/_matrix/client/v3/rooms/.*/messages$"))
            .and(query_param("from", "p2"))
            .respond_with(json_reply(json!({"chunk": chunk(1, 3), "start": "p2"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/_matrix/client/v3/sync"))
            .and(query_param("since", "s1"))
            .respond_with(json_reply(
                json!({"next_batch": "s2", "rooms": {"join": {ROOM: {
                    "timeline": {"events": [event(9)], "limited": false},
                }}}}),
            ))
            .mount(&server)
            .await;
        let (r, _) = sync(&mut f, &conn, &opts).await;
        r.expect("the next sync recovers");
        let mut nine = all_eight();
        nine.push("$ev9".into());
        assert_eq!(
            messages(&f.path),
            nine,
            "nothing lost, nothing doubled, and what arrived meanwhile is in"
        );
        assert!(f
            .store
            .account(f.account)
            .expect("account")
            .last_error
            .is_none());
        let requested: Vec<String> = server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| r.url.query().unwrap_or("").to_string())
            .collect();
        assert!(
            requested.iter().all(|q| !q.contains("from=p1")),
            "it resumed at the failed page, not from the start: {requested:?}"
        );
    }
}

#[tokio::test]
async fn a_revoked_token_says_to_update_it_and_keeps_everything() {
    let server = homeserver().await;
    Mock::given(method("GET"))
        .and(query_param("from", "p2"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed.", "soft_logout": false}),
        ))
        .mount(&server)
        .await;
    let mut f = fixture(&server);
    let (r, _) = sync(
        &mut f,
        &connector(&server, Duration::from_secs(5)),
        &quick(),
    )
    .await;
    let err = r.expect_err("a revoked token stops the sync");
    assert_eq!(err.kind(), SyncErrorKind::Auth);
    let text = err.to_string();
    assert!(
        text.contains("Matrix rejected the token")
            && text.contains("update it in Settings → Accounts"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "the token is never in an error");
    assert_eq!(messages(&f.path).len(), 5, "what was synced before is kept");
    let account = f.store.account(f.account).expect("the account");
    assert_eq!(account.last_error_kind, Some(SyncErrorKind::Auth));
}

#[tokio::test]
async fn a_page_the_server_repeats_is_not_followed_forever_and_nothing_doubles() {
    let server = homeserver().await;
    // Asked for p2, the server first answers with the p1 page again (same `end`).
    p2_fails(
        &server,
        1,
        json_reply(json!({"chunk": chunk(4, 6), "start": "p1", "end": "p2"})),
    )
    .await;
    let mut f = fixture(&server);
    let (r, waits) = sync(
        &mut f,
        &connector(&server, Duration::from_secs(5)),
        &quick(),
    )
    .await;
    r.expect("the sync completes");
    assert!(
        waits.iter().any(|w| w.contains("the same page again")),
        "{waits:?}"
    );
    assert_eq!(messages(&f.path), all_eight());
}

#[test]
fn a_sync_killed_between_pages_resumes_where_it_stopped() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let server = rt.block_on(async {
        let server = homeserver().await;
        // The last page hangs, so the process is surely killed between pages.
        p2_fails(
            &server,
            1,
            json_reply(json!({"chunk": chunk(1, 3), "start": "p2"}))
                .set_delay(Duration::from_secs(60)),
        )
        .await;
        server
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("hearth.db");
    let bin = assert_cmd::cargo::cargo_bin("hearth");
    let add = std::process::Command::new(&bin)
        .arg("--db")
        .arg(&db)
        .args([
            "accounts",
            "add",
            "matrix",
            "--name",
            "Lumen",
            "--url",
            &server.uri(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(TOKEN.as_bytes())?;
            c.wait_with_output()
        })
        .expect("hearth accounts add runs");
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );

    let mut child = std::process::Command::new(&bin)
        .arg("--db")
        .arg(&db)
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("hearth sync starts");
    // Wait until the hanging page is asked for, then kill the process outright.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let asked = rt.block_on(server.received_requests()).unwrap_or_default();
        if asked
            .iter()
            .any(|r| r.url.query().is_some_and(|q| q.contains("from=p2")))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sync reached the last page"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("the sync is killed");
    let _ = child.wait();
    assert_eq!(
        messages(&db).len(),
        5,
        "the pages before the kill were committed whole"
    );

    let again = std::process::Command::new(&bin)
        .arg("--db")
        .arg(&db)
        .arg("sync")
        .output()
        .expect("hearth sync runs again");
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        messages(&db),
        all_eight(),
        "resumed: nothing lost, nothing doubled"
    );
    let p1_requests = rt
        .block_on(server.received_requests())
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.query().is_some_and(|q| q.contains("from=p1")))
        .count();
    assert_eq!(
        p1_requests, 1,
        "the page committed before the kill was not fetched again"
    );
    let _ = std::process::Command::new(&bin)
        .arg("--db")
        .arg(&db)
        .args(["accounts", "remove", "Lumen"])
        .output();
}

async fn sync_bulky(f: &mut Fixture, conn: &Bulky) -> Result<SyncReport, SyncError> {
    sync_account(
        &mut f.store,
        f.account,
        conn,
        &quick(),
        &CancellationToken::new(),
        &|| 1_800_000_000_000,
        &mut |_| {},
    )
    .await
}

/// A connector with three pages of 200 long messages each: enough that a page needs new
/// pages in the database file.
struct Bulky(Http);

#[async_trait::async_trait]
impl hearth::sync::Connector for Bulky {
    fn platform(&self) -> Platform {
        Platform::Matrix
    }
    fn http(&self) -> &Http {
        &self.0
    }
    async fn whoami(&self) -> Result<hearth::sync::Me, hearth::sync::ConnectorError> {
        Err(hearth::sync::ConnectorError::Config("not asked".into()))
    }
    async fn next_page(
        &self,
        cursors: &hearth::sync::Cursors,
    ) -> Result<hearth::sync::Page, hearth::sync::ConnectorError> {
        use hearth::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
        let n: u32 = cursors
            .get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let messages = (0..200)
            .map(|i| IncomingMessage {
                conversation_external_id: "!big".into(),
                external_id: format!("$big{n}-{i}"),
                author_external_id: "@ana:example.org".into(),
                text: format!("page {n} message {i}: {}", "long words ".repeat(200)),
                html: None,
                created_at: 1_700_000_000_000 + i64::from(n * 1000 + i),
                edited_at: None,
                deleted_at: None,
                reply_to_external_id: None,
                url: None,
                mentions_us: false,
            })
            .collect();
        Ok(hearth::sync::Page {
            batch: Batch {
                identities: vec![IncomingIdentity {
                    external_id: "@ana:example.org".into(),
                    handle: "@ana:example.org".into(),
                    ..Default::default()
                }],
                conversations: vec![IncomingConversation {
                    external_id: "!big".into(),
                    kind: hearth::model::ConversationKind::Channel,
                    title: Some("Big room".into()),
                    container: None,
                    url: None,
                    created_at: 1_700_000_000_000,
                }],
                messages,
                quarantined: Vec::new(),
            },
            cursors: vec![hearth::sync::CursorChange::set("page", (n + 1).to_string())],
            more: n < 2,
            label: format!("page {n}"),
        })
    }
    async fn send(
        &self,
        _: &hearth::sync::Outgoing,
    ) -> Result<hearth::sync::Sent, hearth::sync::ConnectorError> {
        Err(hearth::sync::ConnectorError::Config("not asked".into()))
    }
    async fn find_sent(
        &self,
        _: &hearth::sync::Outgoing,
    ) -> Result<Option<hearth::sync::Sent>, hearth::sync::ConnectorError> {
        Ok(None)
    }
}

#[tokio::test]
async fn a_full_disk_stops_the_sync_in_words_without_half_a_page_and_it_resumes_with_room() {
    let server = MockServer::start().await;
    let mut f = fixture(&server);
    let conn = Bulky(Http::new(Duration::from_secs(5)).expect("an HTTP client"));
    // The first page fits; then the disk has room for nothing more.
    f.store
        .limit_growth_for_tests(Some(0))
        .expect("the limit is set");
    let err = sync_bulky(&mut f, &conn)
        .await
        .expect_err("nothing can be written");
    let said = err.to_string();
    assert!(said.contains("disk is full"), "it says so in words: {said}");
    assert!(
        said.contains("nothing already saved was lost"),
        "and that nothing is lost: {said}"
    );
    assert!(messages(&f.path).is_empty(), "no page was half-written");
    assert!(
        f.store
            .load_cursors(f.account)
            .expect("cursors")
            .0
            .is_empty(),
        "no cursor moved past unwritten data"
    );
    let check: String = rusqlite::Connection::open(&f.path)
        .expect("opens")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("checked");
    assert_eq!(check, "ok");
    // Room again: the next sync picks up where it stopped and loses nothing.
    f.store.limit_growth_for_tests(None).expect("no limit");
    sync_bulky(&mut f, &conn)
        .await
        .expect("the sync completes once there is room");
    assert_eq!(messages(&f.path).len(), 600);
}

/// A connector whose pages lead A → B → A: the `p` cursor comes back to where it was.
struct Cycling(Http);

#[async_trait::async_trait]
impl hearth::sync::Connector for Cycling {
    fn platform(&self) -> Platform {
        Platform::Matrix
    }
    fn http(&self) -> &Http {
        &self.0
    }
    async fn whoami(&self) -> Result<hearth::sync::Me, hearth::sync::ConnectorError> {
        Err(hearth::sync::ConnectorError::Config("not asked".into()))
    }
    async fn next_page(
        &self,
        cursors: &hearth::sync::Cursors,
    ) -> Result<hearth::sync::Page, hearth::sync::ConnectorError> {
        let next = if cursors.get("p") == Some("A") {
            "B"
        } else {
            "A"
        };
        Ok(hearth::sync::Page {
            batch: Default::default(),
            cursors: vec![hearth::sync::CursorChange::set("p", next)],
            more: true,
            label: format!("page {next}"),
        })
    }
    async fn send(
        &self,
        _: &hearth::sync::Outgoing,
    ) -> Result<hearth::sync::Sent, hearth::sync::ConnectorError> {
        Err(hearth::sync::ConnectorError::Config("not asked".into()))
    }
    async fn find_sent(
        &self,
        _: &hearth::sync::Outgoing,
    ) -> Result<Option<hearth::sync::Sent>, hearth::sync::ConnectorError> {
        Ok(None)
    }
}

#[tokio::test]
async fn pages_that_lead_back_to_one_already_read_end_the_sync_in_words() {
    let server = MockServer::start().await;
    let mut f = fixture(&server);
    let conn = Cycling(Http::new(Duration::from_secs(5)).expect("an HTTP client"));
    let r = sync_account(
        &mut f.store,
        f.account,
        &conn,
        &quick(),
        &CancellationToken::new(),
        &|| 1_800_000_000_000,
        &mut |_| {},
    )
    .await;
    let said = r.expect_err("a cycle is not followed forever").to_string();
    assert!(said.contains("cursor cycle"), "{said}");
    let account = f.store.account(f.account).expect("the account");
    assert!(
        account
            .last_error
            .is_some_and(|e| e.contains("cursor cycle")),
        "the account says so"
    );
}

#[tokio::test]
async fn a_reply_too_large_to_be_a_page_is_refused_in_words() {
    let server = homeserver().await;
    // 33 MB of JSON where a page of history should be.
    let huge = format!(
        "{{\"chunk\": [], \"pad\": \"{}\"}}",
        "x".repeat(33 * 1024 * 1024)
    );
    Mock::given(method("GET"))
        .and(path_regex("^/_matrix/client/v3/rooms/.*/messages$"))
        .and(query_param("from", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    let mut f = fixture(&server);
    let conn = connector(&server, Duration::from_secs(30));
    let (r, _) = sync(&mut f, &conn, &quick()).await;
    let said = r.expect_err("the reply is refused").to_string();
    assert!(said.contains("more than 32 MB"), "{said}");
    assert_eq!(messages(&f.path).len(), 5, "the pages before it are kept");
}
