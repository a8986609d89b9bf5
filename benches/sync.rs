//! Sync throughput, printed as figures:
//!   1. against a local server speaking the Matrix client API that serves (by default) 100k
//!      messages over 1k pages: Hearth's sync rate beside Hearth's ingest of the very same
//!      records handed over directly (no HTTP), in the same run;
//!   2. against the real Synapse homeserver of `scripts/synapse.sh`: the time Hearth takes to
//!      sync a room of (by default) 2k messages beside the time a bare HTTP client takes to page
//!      through the same room. The room is seeded once and reused (Synapse on SQLite accepts
//!      about ten sends a second), its details kept in `target/synapse/bench-room.json`.
//!
//! `cargo bench --bench sync` for the full size; `HEARTH_BENCH_SYNC_PAGES` (of 100 messages)
//! and `HEARTH_BENCH_SYNAPSE_MESSAGES` make it smaller (CI runs a small one), and
//! `HEARTH_BENCH_SYNAPSE_MESSAGES=0` skips the Synapse part.

#[path = "../tests/common/synapse.rs"]
#[allow(dead_code)]
mod synapse;

use std::time::{Duration, Instant};

use hearth::connectors::matrix::Matrix;
use hearth::model::{AccountInput, Platform};
use hearth::sync::engine::{sync_account, SyncOptions};
use hearth::sync::{Connector, ConnectorConfig, Cursors, Http, Secret};
use hearth::Store;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod common;
use common::env_u32;

const PER_PAGE: u32 = 100;
const ROOM: &str = "!bench:example.org";
/// The raw rusqlite insert rate the foundation benchmark measured (`docs/performance.md`).
const FOUNDATION_RAW_RATE: f64 = 15_971.0;

fn event(n: u32) -> Value {
    json!({
        "type": "m.room.message",
        "event_id": format!("$e{n}"),
        "sender": format!("@user{}:example.org", n % 997),
        "origin_server_ts": 1_700_000_000_000u64 + u64::from(n) * 1_000,
        "content": {"msgtype": "m.text",
                    "body": format!("Message {n}: does the nightly build still break on the ARM runners? Asking for #{}", n % 53)},
    })
}

/// Page `p` (1-based, page 1 the oldest) of the room's history, newest first.
fn page(p: u32) -> Value {
    let first = (p - 1) * PER_PAGE + 1;
    let chunk: Vec<Value> = (first..first + PER_PAGE).rev().map(event).collect();
    let mut v = json!({"chunk": chunk, "start": format!("p{p}")});
    if p > 1 {
        v["end"] = json!(format!("p{}", p - 1));
    }
    v
}

async fn fixture_server(pages: u32) -> MockServer {
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
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"errcode": "M_NOT_FOUND"})))
        .mount(&server)
        .await;
    // As a homeserver does: a sync from `s1` on has nothing new (the run ends with one).
    Mock::given(method("GET"))
        .and(path("/_matrix/client/v3/sync"))
        .and(wiremock::matchers::query_param("since", "s1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"next_batch": "s1", "rooms": {}})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/_matrix/client/v3/sync"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "next_batch": "s1",
            "rooms": {"join": {ROOM: {"timeline": {"events": [], "limited": true, "prev_batch": format!("p{pages}")}}}},
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/_matrix/client/v3/rooms/.*/messages$"))
        .respond_with(move |req: &Request| {
            let p: u32 = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "from")
                .and_then(|(_, v)| v.trim_start_matches('p').parse().ok())
                .unwrap_or(1);
            ResponseTemplate::new(200).set_body_json(page(p.clamp(1, pages)))
        })
        .mount(&server)
        .await;
    server
}

fn matrix(base: &str, token: &str) -> Matrix {
    Matrix::new(ConnectorConfig {
        base_url: base.to_string(),
        secret: Secret::new(token),
        scopes: vec![],
        http: Http::new(Duration::from_secs(60)).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("a connector")
}

fn new_store(dir: &std::path::Path, name: &str, base: &str) -> (Store, i64) {
    let mut store = Store::open(dir.join(name)).expect("a database");
    let id = store
        .add_account(
            &AccountInput {
                platform: Platform::Matrix,
                name: "bench".into(),
                base_url: Some(base.to_string()),
                scopes: vec![],
                token: None,
            },
            1,
        )
        .expect("an account")
        .id;
    (store, id)
}

async fn timed_sync(store: &mut Store, id: i64, conn: &Matrix) -> (f64, u64) {
    let t = Instant::now();
    let report = sync_account(
        store,
        id,
        conn,
        &SyncOptions::default(),
        &CancellationToken::new(),
        &hearth::now_millis,
        &mut |_| {},
    )
    .await
    .expect("the benchmark sync succeeds");
    (t.elapsed().as_secs_f64(), report.totals.messages_added)
}

async fn fixture_part(dir: &std::path::Path, pages: u32) {
    let server = fixture_server(pages).await;
    let conn = matrix(&server.uri(), "bench-token");
    let (mut store, id) = new_store(dir, "sync.db", &server.uri());
    let (secs, added) = timed_sync(&mut store, id, &conn).await;
    let sync_rate = added as f64 / secs;

    // The same pages, mapped by the same connector but fetched up front, then ingested
    // directly: what the store alone costs.
    let mut batches = Vec::new();
    let mut cursors = Cursors::default();
    loop {
        let page = conn.next_page(&cursors).await.expect("a page");
        cursors.apply(&page.cursors);
        let more = page.more;
        batches.push(page);
        if !more {
            break;
        }
    }
    let (mut direct, did) = new_store(dir, "direct.db", &server.uri());
    let t = Instant::now();
    let mut direct_added = 0;
    for p in &batches {
        direct_added += direct
            .commit_page(did, p, 1)
            .expect("ingest")
            .messages_added;
    }
    let direct_secs = t.elapsed().as_secs_f64();
    let direct_rate = direct_added as f64 / direct_secs;
    println!(
        "fixture server: {added} messages over {} pages in {secs:.2} s",
        batches.len()
    );
    println!("  sync through HTTP       {sync_rate:>10.0} messages/s");
    println!(
        "  ingest, same pages      {direct_rate:>10.0} messages/s  → sync = {:.0}% of ingest",
        100.0 * sync_rate / direct_rate
    );
    println!(
        "  foundation raw insert   {FOUNDATION_RAW_RATE:>10.0} messages/s  → sync = {:.0}% of raw",
        100.0 * sync_rate / FOUNDATION_RAW_RATE
    );
    health_share(dir, &server.uri(), &batches);
}

/// What community health costs ingest: the same pages ingested into new databases three
/// ways, three rounds each, best of three — with neither sentiment scoring nor the roll-ups
/// (their triggers dropped, no refresh; ingest still notes the days it wrote to, a few rows a
/// page); with scoring alone; with both and the roll-ups worked out after the sync, as
/// `sync::run` does. Then one chat message scored alone, on the labelled messages of
/// `tests/fixtures/sentiment`, which are more varied than the fixture's.
fn health_share(dir: &std::path::Path, base: &str, batches: &[hearth::sync::Page]) {
    use hearth::health::sentiment;
    let drop_triggers = |name: &str| {
        rusqlite::Connection::open(dir.join(name))
            .and_then(|c| {
                c.execute_batch(
                    "DROP TRIGGER health_dirty_update; DROP TRIGGER health_dirty_delete;",
                )
            })
            .expect("the roll-ups' triggers dropped");
    };
    let run = |round: usize, sentiment_on: bool, rollups_on: bool| -> (u64, f64) {
        let name = format!("health-{round}-{sentiment_on}-{rollups_on}.db");
        let (mut store, id) = new_store(dir, &name, base);
        if !rollups_on {
            drop_triggers(&name);
        }
        sentiment::set_at_ingest(sentiment_on);
        let t = Instant::now();
        let mut n = 0;
        for p in batches {
            n += store.commit_page(id, p, 1).expect("ingest").messages_added;
        }
        if rollups_on {
            store.refresh_rollups().expect("roll-ups");
        }
        let secs = t.elapsed().as_secs_f64();
        sentiment::set_at_ingest(true);
        drop(store);
        let _ = std::fs::remove_file(dir.join(&name));
        (n, secs)
    };
    let (mut bare, mut scored, mut both) = (f64::MAX, f64::MAX, f64::MAX);
    let mut n = 0;
    for round in 0..3 {
        let (added, secs) = run(round, false, false);
        n = added;
        bare = bare.min(secs);
        scored = scored.min(run(round, true, false).1);
        both = both.min(run(round, true, true).1);
    }
    println!(
        "  ingest, no health       {:>10.0} messages/s  (best of 3)",
        n as f64 / bare
    );
    println!(
        "  with sentiment          {:>10.0} messages/s  → sentiment costs {:.1}% of the ingest rate",
        n as f64 / scored,
        100.0 * (1.0 - bare / scored)
    );
    println!(
        "  with sentiment, roll-ups{:>10.0} messages/s  → both cost {:.1}% of the ingest rate (roll-ups {:.1}%)",
        n as f64 / both,
        100.0 * (1.0 - bare / both),
        100.0 * (1.0 - scored / both)
    );
    let chat = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sentiment/labelled.csv"
    ))
    .expect("the labelled set");
    let lines: Vec<&str> = chat.lines().skip(1).collect();
    let rounds = 200;
    let t = Instant::now();
    let mut sum = 0.0f32;
    for _ in 0..rounds {
        for line in &lines {
            sum += sentiment::score(line);
        }
    }
    println!(
        "  sentiment, chat set     {:>10.1} µs a message on one core ({} messages × {rounds}; checksum {sum:.0})",
        t.elapsed().as_secs_f64() * 1e6 / (rounds * lines.len()) as f64,
        lines.len()
    );
}

#[derive(serde::Serialize, serde::Deserialize)]
struct BenchRoom {
    base: String,
    token: String,
    room: String,
    messages: u32,
}

async fn seeded_room(wanted: u32) -> BenchRoom {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/synapse/bench-room.json"
    );
    let base = synapse::homeserver();
    if let Some(room) = std::fs::read_to_string(file)
        .ok()
        .and_then(|s| serde_json::from_str::<BenchRoom>(&s).ok())
        .filter(|r| r.base == base && r.messages == wanted)
    {
        return room;
    }
    println!("seeding a Synapse room with {wanted} messages (once; reused by later runs)…");
    let user = synapse::user(&synapse::unique("bench"), "Bench").await;
    let room = user.create_room("Hearth bench", &[]).await;
    let user = std::sync::Arc::new(user);
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for lane in 0..8u32 {
        let (user, room) = (user.clone(), room.clone());
        set.spawn(async move {
            let mut n = lane;
            while n < wanted {
                user.say(
                    &room,
                    &format!("Bench message {n}: how do I pin the theme version?"),
                )
                .await;
                n += 8;
            }
        });
    }
    while set.join_next().await.is_some() {}
    println!("  seeded in {:.0} s", t.elapsed().as_secs_f64());
    let seeded = BenchRoom {
        base,
        token: user.token.clone(),
        room,
        messages: wanted,
    };
    if let Ok(s) = serde_json::to_string(&seeded) {
        let _ = std::fs::write(file, s);
    }
    seeded
}

async fn synapse_part(dir: &std::path::Path, wanted: u32) {
    let room = seeded_room(wanted).await;
    let http = reqwest::Client::new();
    // A bare client: one /sync for the room's newest token, then /messages back to the start.
    let t = Instant::now();
    let sync: Value = http
        .get(format!("{}/_matrix/client/v3/sync?timeout=0", room.base))
        .bearer_auth(&room.token)
        .send()
        .await
        .expect("sync")
        .json()
        .await
        .expect("sync JSON");
    let mut from = sync["rooms"]["join"][&room.room]["timeline"]["prev_batch"]
        .as_str()
        .map(str::to_string);
    let mut seen = sync["rooms"]["join"][&room.room]["timeline"]["events"]
        .as_array()
        .map_or(0, Vec::len);
    while let Some(token) = from.take() {
        let page: Value = http
            .get(format!(
                "{}/_matrix/client/v3/rooms/{}/messages",
                room.base,
                synapse::enc(&room.room)
            ))
            .query(&[("dir", "b"), ("from", token.as_str()), ("limit", "100")])
            .bearer_auth(&room.token)
            .send()
            .await
            .expect("messages")
            .json()
            .await
            .expect("messages JSON");
        let n = page["chunk"].as_array().map_or(0, Vec::len);
        seen += n;
        from = page["end"].as_str().filter(|_| n > 0).map(str::to_string);
    }
    let bare = t.elapsed().as_secs_f64();

    let conn = matrix(&room.base, &room.token);
    let (mut store, id) = new_store(dir, "synapse.db", &room.base);
    let me = conn.whoami().await.expect("whoami");
    store
        .set_account_identity(id, &me.external_id, &me.handle)
        .expect("identity");
    let (secs, added) = timed_sync(&mut store, id, &conn).await;
    println!("Synapse room of {} messages:", room.messages);
    println!("  bare HTTP client paging  {bare:>7.2} s  ({seen} events incl. room state)");
    println!(
        "  Hearth sync into SQLite  {secs:>7.2} s  ({added} messages) → {:+.0}% against the bare client",
        100.0 * (secs - bare) / bare
    );
}

fn main() {
    let pages = env_u32("HEARTH_BENCH_SYNC_PAGES", 1_000);
    let synapse_messages = env_u32("HEARTH_BENCH_SYNAPSE_MESSAGES", 2_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("Hearth sync benchmark");
    rt.block_on(fixture_part(dir.path(), pages));
    if synapse_messages > 0 {
        rt.block_on(synapse_part(dir.path(), synapse_messages));
    }
}
