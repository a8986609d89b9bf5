//! Helpers shared by the integration tests: real database files in temporary folders, and
//! small builders for the batches a connector would hand to the ingest path.
#![allow(dead_code)]

pub mod contract;
pub mod forum;
pub mod holding;
pub mod replay;
pub mod synapse;

use hearth::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
use hearth::model::{ConversationKind, Millis, Platform};
use hearth::Store;

/// Waits (polling every 50 ms) until `done`, failing the test after `limit` with `what`.
pub fn wait_until(what: &str, limit: std::time::Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The real `hearth` binary on the database at `db`, as a user or cron would run it.
pub fn hearth(db: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("hearth"));
    c.arg("--db").arg(db);
    c
}

/// Everything a command printed, stdout then stderr.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Monday 2026-11-23 12:00 UTC: the tests' fixed "now".
pub const NOW: Millis = 1_795_435_200_000;
pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = Store::open(dir.path().join("hearth.db")).expect("a new database opens");
        TestDb { dir, store }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("hearth.db")
    }

    /// A Discord account whose own messages come from the identity "team".
    pub fn discord(&mut self) -> i64 {
        self.store
            .ensure_account(
                Platform::Discord,
                "Test Discord",
                None,
                Some("team"),
                NOW - 100 * DAY,
            )
            .expect("account")
    }

    /// An account on `platform` named `name`, as if connected (its own identity is "team").
    pub fn account(&mut self, platform: Platform, name: &str) -> i64 {
        self.store
            .ensure_account(platform, name, None, Some("team"), NOW - 100 * DAY)
            .expect("account")
    }
}

pub fn person(id: &str, name: &str, email: Option<&str>) -> IncomingIdentity {
    IncomingIdentity {
        external_id: id.into(),
        handle: name.to_lowercase().replace(' ', "."),
        display_name: Some(name.into()),
        email: email.map(str::to_string),
        ..Default::default()
    }
}

pub fn thread(id: &str, title: &str, at: Millis) -> IncomingConversation {
    IncomingConversation {
        external_id: id.into(),
        kind: ConversationKind::Thread,
        title: Some(title.into()),
        container: Some("#help".into()),
        url: None,
        created_at: at,
    }
}

/// A batch of only these messages (a thread's next replies).
pub fn replies(messages: Vec<IncomingMessage>) -> Batch {
    Batch {
        messages,
        ..Default::default()
    }
}

pub fn message(conv: &str, id: &str, author: &str, text: &str, at: Millis) -> IncomingMessage {
    IncomingMessage {
        conversation_external_id: conv.into(),
        external_id: id.into(),
        author_external_id: author.into(),
        text: text.into(),
        html: None,
        created_at: at,
        edited_at: None,
        deleted_at: None,
        reply_to_external_id: None,
        url: None,
        mentions_us: false,
    }
}

/// Two people and the team; a thread "c1" with a question from Maria.
pub fn small_batch() -> Batch {
    Batch {
        identities: vec![
            person("u1", "Maria García", Some("maria@acme.example")),
            person("u2", "Kwame Mensah", None),
            person("team", "Lumen Team", None),
        ],
        conversations: vec![thread(
            "c1",
            "How do I configure dark mode?",
            NOW - 2 * HOUR,
        )],
        messages: vec![message(
            "c1",
            "m1",
            "u1",
            "How do I configure dark mode in the default theme?",
            NOW - 2 * HOUR,
        )],
        quarantined: Vec::new(),
    }
}

/// Maria on Discord (from [`small_batch`]) and on GitHub (with an issue she opened): two
/// members until someone merges them. Returns their ids, most recently active first.
pub fn maria_on_discord_and_github(db: &mut TestDb) -> (i64, i64) {
    let discord = db.discord();
    db.store.ingest(discord, &small_batch(), NOW).unwrap();
    let github = db
        .store
        .ensure_account(Platform::Github, "acme/widgets", None, None, NOW)
        .unwrap();
    let gh = Batch {
        identities: vec![person("42", "Maria Garcia", Some("maria@acme.example"))],
        conversations: vec![thread("i1", "Bug in sitemaps", NOW - DAY)],
        messages: vec![message("i1", "c1", "42", "Sitemaps miss pages", NOW - DAY)],
        quarantined: Vec::new(),
    };
    db.store.ingest(github, &gh, NOW).unwrap();
    let both = db
        .store
        .members(&hearth::model::MemberQuery {
            q: Some("maria".into()),
            ..Default::default()
        })
        .unwrap()
        .items;
    assert_eq!(both.len(), 2, "Maria's two accounts start as two members");
    (both[0].id, both[1].id)
}
