//! A reply is posted exactly once even when `hearth outbox --flush` is killed (SIGKILL) while
//! its request is in flight, on every platform: real `hearth` processes against each
//! platform's API on loopback (recorded exchanges from `tests/fixtures/`, a platform that makes
//! the post the moment the request arrives and holds its answer back), and against a real
//! Synapse through a proxy that holds the homeserver's answer back.
//!
//! Each test: the flush is killed once the platform has the reply; a flush right after neither
//! sends nor looks (the lost request could still be on its way) and says the item is waiting;
//! then time passes (moved on in the database file, as the clock would: `attempted_at`,
//! `lease_until`, `key_since`) and a flush settles the item — looked up and found where the
//! platform has no idempotency key or has forgotten it, resent with the same key while the
//! platform still remembers it. What is counted is what a community would see: how many times
//! the reply was posted.
//!
//! The token goes to the real OS keyring: run inside `scripts/with-keyring` (as
//! `./scripts/test` does). The Matrix tests need Synapse (`scripts/synapse.sh start`).

use crate::common;
use crate::common::{hearth, text};

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::holding::proxy::Proxy;
use common::holding::{self, bluesky, discord, github, mastodon, slack, Site};
use common::synapse::{self, User};
use hearth::ingest::{Batch, IncomingConversation};
use hearth::model::{ConversationKind, Millis, OutboxState, Platform};
use hearth::Store;
use tokio::runtime::Runtime;

/// How long a platform holds its answer to the first post: far longer than the test waits.
const HOLD: Duration = Duration::from_secs(60);
const MINUTE: Millis = 60_000;
/// Past the in-flight window (the 30 s request timeout and 5 s of slack), within any key's life.
const PAST_THE_TIMEOUT: Millis = 10 * MINUTE;

/// One account in a database in a temporary folder, added through the real CLI with its
/// token on stdin (so it lands in the keyring), and the conversation a sync brought.
struct Workspace {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Workspace {
    fn new(platform: Platform, url: &str, scopes: &[String], token: &str, seed: &Batch) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = dir.path().join("hearth.db");
        let mut add = hearth(&db);
        add.args(["accounts", "add", platform.as_str(), "--name", "Lumen"])
            .args(["--url", url, "--no-test"]);
        for s in scopes {
            add.args(["--scope", s]);
        }
        let added = add
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
        let ws = Workspace { _dir: dir, db };
        let mut store = ws.store();
        let account = store.find_account("Lumen").expect("the account").id;
        store
            .ingest(account, seed, hearth::now_millis())
            .expect("the synced conversation is written");
        ws
    }

    fn on(site: &Site) -> Self {
        Workspace::new(
            site.platform,
            &site.url,
            &site.scopes,
            site.token,
            &site.seed,
        )
    }

    fn store(&self) -> Store {
        Store::open(&self.db).expect("the database opens")
    }

    /// `hearth reply` in the conversation with this platform id (answering its newest message).
    fn reply(&self, conversation: &str, words: &str) {
        let id: i64 = self.value(
            "SELECT id FROM conversations WHERE external_id = ?1",
            [conversation],
        );
        let out = hearth(&self.db)
            .args(["reply", &id.to_string(), "--text", words])
            .output()
            .expect("hearth reply runs");
        assert!(out.status.success(), "{}", text(&out));
    }

    fn flush(&self) -> Child {
        hearth(&self.db)
            .args(["outbox", "--flush"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hearth outbox --flush starts")
    }

    /// A flush run to its end.
    fn flushed(&self) -> String {
        let out = self.flush().wait_with_output().expect("hearth ran");
        assert!(out.status.success(), "{}", text(&out));
        text(&out)
    }

    /// Starts a flush and kills it (SIGKILL) the moment `arrived` says its request reached the
    /// platform, while the answer is still held back.
    fn kill_flush_in_flight(&self, arrived: impl Fn() -> bool) {
        let mut flush = self.flush();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !arrived() {
            if flush
                .try_wait()
                .expect("the flush can be watched")
                .is_some()
            {
                let out = flush.wait_with_output().expect("its output");
                panic!("the flush ended before its request arrived: {}", text(&out));
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for the request to reach the platform"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        flush.kill().expect("the flush is killed");
        let _ = flush.wait();
    }

    /// Time passes: the outbox's clocks are moved back by `ms`, as if that much time had gone.
    fn pass_time(&self, ms: Millis) {
        rusqlite::Connection::open(&self.db)
            .expect("the file opens")
            .execute(
                "UPDATE outbox SET attempted_at = attempted_at - ?1,
                     lease_until = lease_until - ?1, key_since = key_since - ?1",
                [ms],
            )
            .expect("the times move");
    }

    fn value<T: rusqlite::types::FromSql>(&self, q: &str, p: impl rusqlite::Params) -> T {
        rusqlite::Connection::open(&self.db)
            .expect("the file opens")
            .query_row(q, p, |r| r.get(0))
            .unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    /// The one outbox item: its state and the platform's id recorded for it.
    fn item(&self) -> (OutboxState, Option<String>) {
        let items = self.store().list_outbox(Some(0)).expect("the outbox");
        assert_eq!(items.len(), 1, "one item: {items:?}");
        let external: Option<String> = self.value(
            "SELECT external_id FROM outbox WHERE id = ?1",
            [items[0].id],
        );
        (items[0].state, external)
    }

    fn key(&self) -> String {
        self.value("SELECT idempotency_key FROM outbox", [])
    }
}

/// The part every platform shares: the reply is queued, the flush killed while its request is
/// out (the platform already made the post), and a flush right after leaves it alone.
fn cut_off(rt: &Runtime, site: &Site, ws: &Workspace, reply: &str) {
    ws.reply(&site.conversation, reply);
    ws.kill_flush_in_flight(|| site.creates() == 1);
    assert_eq!(
        site.times_posted(reply),
        1,
        "the platform made the post before the flush died: {:?}",
        site.posts()
    );
    assert_eq!(ws.item().0, OutboxState::Sending, "the attempt is in doubt");

    let soon = ws.flushed();
    assert!(
        soon.contains("1 still waiting"),
        "the flush says the reply waits: {soon}"
    );
    assert_eq!(
        site.creates(),
        1,
        "nothing is sent again right away: {soon}"
    );
    assert_eq!(
        rt.block_on(site.lookups()),
        0,
        "not even looked up while the request may be in flight: {soon}"
    );
    assert_eq!(ws.item().0, OutboxState::Sending, "{soon}");
}

/// Once the request can no longer be on its way, the reply is looked up, found and recorded:
/// one request, one post, the item sent with the platform's id.
fn found_once(rt: &Runtime, site: &Site, ws: &Workspace, reply: &str, later: &str) {
    assert!(
        rt.block_on(site.lookups()) >= 1,
        "the platform was asked first: {later}"
    );
    assert_eq!(
        site.creates(),
        1,
        "the reply was not sent a second time: {later}"
    );
    assert_eq!(
        site.times_posted(reply),
        1,
        "the community sees the reply exactly once: {:?}",
        site.posts()
    );
    assert!(
        later.contains("1 sent"),
        "the flush counts it as sent: {later}"
    );
    assert_eq!(
        ws.item(),
        (OutboxState::Sent, Some(site.posts()[0].hearth_id.clone())),
        "the item is sent, with the platform's id of the post: {later}"
    );
}

/// The whole story for a platform without an idempotency key.
fn killed_then_found(rt: &Runtime, site: &Site, reply: &str) {
    let ws = Workspace::on(site);
    cut_off(rt, site, &ws, reply);
    ws.pass_time(PAST_THE_TIMEOUT);
    let later = ws.flushed();
    found_once(rt, site, &ws, reply, &later);
}

#[test]
fn a_discord_reply_cut_off_by_a_killed_flush_waits_then_is_found_and_posted_exactly_once() {
    let rt = Runtime::new().expect("a runtime");
    let site = rt.block_on(discord::start(HOLD));
    killed_then_found(
        &rt,
        &site,
        "Thanks María, that's the one! Łukasz: if 0.18.2 still says “2 plików”, please open an issue with your lumen.toml.\nRelease notes: <https://github.com/lumen-ssg/lumen/releases/tag/v0.18.2>",
    );
}

#[test]
fn a_slack_thread_reply_cut_off_by_a_killed_flush_waits_then_is_found_and_posted_exactly_once() {
    let rt = Runtime::new().expect("a runtime");
    let site = rt.block_on(slack::start(HOLD));
    killed_then_found(
        &rt,
        &site,
        "Thanks María! I'll post the agenda here on Wednesday.\nAdd your topics to this thread — Q&A & demos welcome 🙌",
    );
}

#[test]
fn a_github_comment_cut_off_by_a_killed_flush_waits_then_is_found_and_posted_exactly_once() {
    let rt = Runtime::new().expect("a runtime");
    let site = rt.block_on(github::start(HOLD));
    // The comment Hearth sent in the recording (three paragraphs, a quote, an emoji).
    let recorded = common::replay::load("github", "24").request["body"]["body"]
        .as_str()
        .expect("the recorded comment")
        .to_string();
    killed_then_found(&rt, &site, &recorded);
}

#[test]
fn a_bluesky_reply_cut_off_by_a_killed_flush_waits_then_is_found_and_posted_exactly_once() {
    let rt = Runtime::new().expect("a runtime");
    let site = rt.block_on(bluesky::start(HOLD));
    killed_then_found(
        &rt,
        &site,
        "@zoeokafor.bsky.social yes, since 0.9.2 a change under data/*.toml triggers a rebuild too.\n\nDetails: https://lumen-ssg.dev/blog/0.9.2",
    );
}

/// What Hearth's Mastodon reply to Ana says (the connector puts `@ana` in front of it).
const TO_ANA: &str = "thanks! Boosting now 🚀";

#[test]
fn a_mastodon_reply_cut_off_by_a_killed_flush_is_resent_within_the_hour_with_the_same_idempotency_key_and_posted_once(
) {
    let rt = Runtime::new().expect("a runtime");
    let site = rt.block_on(mastodon::start(HOLD));
    let ws = Workspace::on(&site);
    cut_off(&rt, &site, &ws, TO_ANA);

    // Ten minutes on, Mastodon still remembers the key: sending again is safe, and it is what
    // Hearth does — without looking first.
    ws.pass_time(PAST_THE_TIMEOUT);
    let later = ws.flushed();
    let keys: Vec<String> = site
        .create_requests()
        .iter()
        .map(|r| {
            r.headers
                .get("Idempotency-Key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(none)")
                .to_string()
        })
        .collect();
    assert_eq!(
        keys,
        vec![ws.key(), ws.key()],
        "sent again, with the outbox item's key both times: {later}"
    );
    assert_eq!(
        rt.block_on(site.lookups()),
        0,
        "no need to look while the key is remembered: {later}"
    );
    assert_eq!(
        site.times_posted(TO_ANA),
        1,
        "Mastodon answered the repeat with the status it made; Ana sees one reply: {:?}",
        site.posts()
    );
    assert!(later.contains("1 sent"), "{later}");
    assert_eq!(
        ws.item(),
        (OutboxState::Sent, Some(site.posts()[0].id.clone())),
        "{later}"
    );
}

/// The Mastodon story past the key's hour: the server has forgotten the key, so a resend would
/// be a second status; Hearth must look first and find it.
fn mastodon_after_the_hour(reply: &str) {
    let rt = Runtime::new().expect("a runtime");
    let site = rt.block_on(mastodon::start(HOLD));
    let ws = Workspace::on(&site);
    cut_off(&rt, &site, &ws, reply);
    site.forget_keys();
    ws.pass_time(2 * 60 * MINUTE);
    let later = ws.flushed();
    found_once(&rt, &site, &ws, reply, &later);
}

#[test]
fn a_mastodon_reply_cut_off_by_a_killed_flush_is_found_after_the_hour_and_posted_exactly_once() {
    mastodon_after_the_hour(TO_ANA);
}

#[test]
fn a_mastodon_reply_of_two_paragraphs_cut_off_by_a_killed_flush_is_found_after_the_hour_and_posted_exactly_once(
) {
    // Mastodon keeps a status as the HTML it renders (`<p>…</p><p>…</p>` for a blank line,
    // `<br />` for a line break): the reply must still be recognised in it.
    mastodon_after_the_hour(
        "thanks! Boosting now 🚀\n\nIf you upgrade from 0.8, the guide is linked from the release notes.",
    );
}

/// A room on the real Synapse: the community account, Ana, and Ana's question.
struct MatrixRoom {
    bot: User,
    ana: User,
    id: String,
    question: String,
}

async fn matrix_room() -> MatrixRoom {
    // Registering runs Synapse's registration script: both at once.
    let (bot, ana) = (synapse::unique("hearthbot"), synapse::unique("ana"));
    let bot = tokio::spawn(async move { synapse::user(&bot, "Lumen Team").await });
    let ana = tokio::spawn(async move { synapse::user(&ana, "Ana Lúcia").await });
    let (bot, ana) = (
        bot.await.expect("the account is registered"),
        ana.await.expect("Ana is registered"),
    );
    let id = bot.create_room("Lumen help", &[&ana]).await;
    ana.join(&id).await;
    let question = ana.say(&id, "Does the 0.19 build run on ARM64? 🚀").await;
    MatrixRoom {
        bot,
        ana,
        id,
        question,
    }
}

const TO_ANA_ON_MATRIX: &str =
    "Thanks Ana — yes, 0.19 runs on ARM64.\nGrab lumen-aarch64 from the release page.";

/// The room as a sync would have written it, and a workspace whose account reaches Synapse
/// through `proxy`.
fn matrix_workspace(room: &MatrixRoom, proxy: &Proxy) -> Workspace {
    let now = hearth::now_millis();
    let mut seed = holding::batch(
        vec![holding::person(
            &room.ana.user_id,
            &room.ana.user_id,
            "Ana Lúcia",
        )],
        IncomingConversation {
            external_id: room.id.clone(),
            kind: ConversationKind::Channel,
            title: Some("Lumen help".into()),
            container: None,
            url: None,
            created_at: now - MINUTE,
        },
        vec![holding::said(
            &room.id,
            &room.question,
            &room.ana.user_id,
            "Does the 0.19 build run on ARM64? 🚀",
            now - 1000,
            None,
        )],
    );
    seed.identities.push(holding::person(
        &room.bot.user_id,
        &room.bot.user_id,
        "Lumen Team",
    ));
    Workspace::new(
        Platform::Matrix,
        &proxy.uri(),
        std::slice::from_ref(&room.id),
        &room.bot.token,
        &seed,
    )
}

/// How many times the room holds the reply, as Ana's client reads it from Synapse.
fn in_room(rt: &Runtime, room: &MatrixRoom, reply: &str) -> usize {
    rt.block_on(room.ana.messages(&room.id, 50))
        .iter()
        .filter(|e| e["content"]["body"].as_str() == Some(reply))
        .count()
}

/// Matrix up to the flush right after the kill: Synapse has the message, nothing else moved.
fn matrix_cut_off(rt: &Runtime, room: &MatrixRoom, proxy: &Proxy, ws: &Workspace) {
    ws.reply(&room.id, TO_ANA_ON_MATRIX);
    ws.kill_flush_in_flight(|| proxy.sends().len() == 1);
    assert_eq!(
        in_room(rt, room, TO_ANA_ON_MATRIX),
        1,
        "Synapse made the event before the flush died"
    );
    let soon = ws.flushed();
    assert!(
        soon.contains("1 still waiting"),
        "the flush says the reply waits: {soon}"
    );
    assert_eq!(proxy.sends().len(), 1, "no second PUT right away: {soon}");
    assert_eq!(proxy.lookups(), 0, "not even looked up: {soon}");
}

#[test]
fn a_matrix_reply_cut_off_by_a_killed_flush_is_resent_with_the_same_transaction_within_half_an_hour_and_lands_once(
) {
    let rt = Runtime::new().expect("a runtime");
    let room = rt.block_on(matrix_room());
    let proxy = rt.block_on(Proxy::start(&synapse::homeserver(), HOLD));
    let ws = matrix_workspace(&room, &proxy);
    matrix_cut_off(&rt, &room, &proxy, &ws);

    // Ten minutes on, Synapse still knows the transaction: Hearth sends again with the same
    // transaction id, and Synapse answers with the event it made the first time.
    ws.pass_time(PAST_THE_TIMEOUT);
    let later = ws.flushed();
    let sends = proxy.sends();
    assert_eq!(sends.len(), 2, "sent again within the key's life: {later}");
    assert_eq!(
        sends[0].target, sends[1].target,
        "the same room and transaction id both times"
    );
    assert!(
        sends[0].target.ends_with(&format!("/{}", ws.key())),
        "the transaction id is the outbox item's key: {}",
        sends[0].target
    );
    let event = sends[0].answer["event_id"]
        .as_str()
        .expect("Synapse named the event")
        .to_string();
    assert_eq!(
        sends[1].answer["event_id"].as_str(),
        Some(event.as_str()),
        "Synapse answered the repeat with the same event"
    );
    assert_eq!(proxy.lookups(), 0, "no need to look: {later}");
    assert_eq!(
        in_room(&rt, &room, TO_ANA_ON_MATRIX),
        1,
        "the room holds the reply exactly once: {later}"
    );
    assert!(later.contains("1 sent"), "{later}");
    assert_eq!(ws.item(), (OutboxState::Sent, Some(event)), "{later}");
}

#[test]
fn a_matrix_reply_cut_off_by_a_killed_flush_is_found_after_half_an_hour_and_lands_once() {
    let rt = Runtime::new().expect("a runtime");
    let room = rt.block_on(matrix_room());
    let proxy = rt.block_on(Proxy::start(&synapse::homeserver(), HOLD));
    let ws = matrix_workspace(&room, &proxy);
    matrix_cut_off(&rt, &room, &proxy, &ws);

    // Forty minutes on, past Synapse's half hour for transaction ids: Hearth looks first.
    ws.pass_time(40 * MINUTE);
    let later = ws.flushed();
    assert!(proxy.lookups() >= 1, "the room was read first: {later}");
    let sends = proxy.sends();
    assert_eq!(sends.len(), 1, "no second PUT: {later}");
    assert_eq!(
        in_room(&rt, &room, TO_ANA_ON_MATRIX),
        1,
        "the room holds the reply exactly once: {later}"
    );
    assert!(later.contains("1 sent"), "{later}");
    assert_eq!(
        ws.item(),
        (
            OutboxState::Sent,
            sends[0].answer["event_id"].as_str().map(str::to_string)
        ),
        "the item is sent, with the event's id: {later}"
    );
}
