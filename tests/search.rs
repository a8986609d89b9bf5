//! Full-text search ranked by relevance and recency, with filters (issue 9): queries whose best
//! answer is known, on a workspace where a common word matches more messages than are ranked,
//! through the core's API and the real `hearth` binary.

use hearth::ingest::{Batch, IncomingConversation};
use hearth::model::{ConversationKind, Platform, SearchResults, TriageAction};
use hearth::search::CANDIDATES;

use crate::common::{hearth, message, person, text, thread, TestDb, DAY, NOW};

fn channel(id: &str, title: Option<&str>, container: &str, at: i64) -> IncomingConversation {
    IncomingConversation {
        external_id: id.into(),
        kind: ConversationKind::Thread,
        title: title.map(str::to_owned),
        container: Some(container.into()),
        url: None,
        created_at: at,
    }
}

/// A workspace where "install" and "windows" each appear in far more recent messages than are
/// ranked, apart, in chatter; and a few older messages that are the known best answers.
fn workspace(db: &mut TestDb) -> (i64, i64) {
    let discord = db.discord();
    let github = db
        .store
        .ensure_account(
            Platform::Github,
            "lumen/lumen",
            None,
            Some("bot"),
            NOW - 400 * DAY,
        )
        .unwrap();
    let chatter = (CANDIDATES as i64) + 300;
    let mut batch = Batch {
        identities: vec![
            person("ana", "Ana Souza", None),
            person("kwame", "Kwame Mensah", None),
            person("team", "Lumen Team", None),
        ],
        conversations: vec![
            channel("general", None, "#general", NOW - 30 * DAY),
            thread("win", "Install on Windows fails at 90%", NOW - 200 * DAY),
            channel("dup-old", Some("Dark theme"), "#help", NOW - 90 * DAY),
            channel("dup-new", Some("Dark theme again"), "#help", NOW - 2 * DAY),
            thread("rare", "Old question", NOW - 300 * DAY),
        ],
        messages: Vec::new(),
        quarantined: Vec::new(),
    };
    for i in 0..chatter {
        let at = NOW - 20 * DAY + i * 20 * 60_000;
        let who = if i % 2 == 0 { "kwame" } else { "team" };
        batch.messages.push(message(
            "general",
            &format!("g{i}"),
            who,
            &format!(
                "Closed all my browser windows before lunch, then read the changelog for \
                 release {i}. Later today I will install the update on my laptop."
            ),
            at,
        ));
    }
    batch.messages.extend([
        message(
            "win",
            "w1",
            "ana",
            "How do I install Windows builds of Lumen? The installer stops at 90%.",
            NOW - 200 * DAY,
        ),
        message(
            "dup-old",
            "d1",
            "kwame",
            "Is there a dark theme toggle?",
            NOW - 90 * DAY,
        ),
        message(
            "dup-new",
            "d2",
            "ana",
            "Is there a dark theme toggle?",
            NOW - 2 * DAY,
        ),
        message(
            "rare",
            "r1",
            "kwame",
            "Does the xylophone plugin still work with the windows installer?",
            NOW - 300 * DAY,
        ),
    ]);
    db.store.ingest(discord, &batch, NOW).unwrap();
    let gh = Batch {
        identities: vec![person("ana-gh", "Ana Souza", None)],
        conversations: vec![thread("issue-7", "Installer crash", NOW - 5 * DAY)],
        messages: vec![message(
            "issue-7",
            "i1",
            "ana-gh",
            "The Windows installer crashes right after the licence screen.",
            NOW - 5 * DAY,
        )],
        quarantined: Vec::new(),
    };
    db.store.ingest(github, &gh, NOW).unwrap();
    (discord, github)
}

fn find(db: &TestDb, q: &str) -> SearchResults {
    let found = db.store.search(q, 20, NOW).unwrap();
    assert_eq!(found.problem, None, "query {q:?}");
    found
}

fn titles(found: &SearchResults) -> Vec<String> {
    found.hits.iter().map(|h| h.title.clone()).collect()
}

#[test]
fn the_known_best_answer_comes_first_even_behind_many_newer_matches() {
    let mut db = TestDb::new();
    workspace(&mut db);

    // both words are in 1,300 newer chat messages, apart; the old question holds them as a
    // phrase and is about them (its title)
    let found = find(&db, "install windows");
    assert_eq!(
        found.ranked_among,
        Some(CANDIDATES),
        "a common pair of words says the ranking looked at the newest matches"
    );
    assert_eq!(titles(&found)[0], "Install on Windows fails at 90%");

    // a rare word: the only message that says it, however old
    let found = find(&db, "xylophone");
    assert_eq!(titles(&found), ["Old question"]);
    assert_eq!(found.ranked_among, None);

    // the same question asked twice: the newer first
    let found = find(&db, "dark theme toggle");
    assert_eq!(titles(&found), ["Dark theme again", "Dark theme"]);

    // typing the last word's start finds it too
    assert_eq!(titles(&find(&db, "xyloph"))[0], "Old question");
}

#[test]
fn filters_narrow_by_platform_channel_member_status_and_date() {
    let mut db = TestDb::new();
    workspace(&mut db);
    let installer = |db: &TestDb, filters: &str| titles(&find(db, &format!("installer {filters}")));

    let all = installer(&db, "");
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(
        all[0], "Installer crash",
        "about it (its title) and the newest"
    );
    assert_eq!(installer(&db, "on:github"), ["Installer crash"]);
    assert_eq!(installer(&db, "on:discord in:#help").len(), 2);
    assert_eq!(installer(&db, "in:general"), Vec::<String>::new());
    // a member: every account of the person named, on any platform
    assert_eq!(installer(&db, "from:ana").len(), 2);
    assert_eq!(installer(&db, "from:\"Kwame Mensah\""), ["Old question"]);
    assert_eq!(installer(&db, "after:30d"), ["Installer crash"]);
    assert_eq!(installer(&db, "before:250d"), ["Old question"]);

    let issue = db.store.search("installer on:github", 1, NOW).unwrap().hits[0]
        .conversation_id
        .unwrap();
    db.store.triage(issue, &TriageAction::Done, NOW).unwrap();
    assert_eq!(installer(&db, "is:done"), ["Installer crash"]);
    assert_eq!(installer(&db, "is:open").len(), 2);

    let found = find(&db, "installer on:github is:done from:ana after:2026-01-01");
    assert_eq!(
        found.filters,
        [
            "on GitHub",
            "from Ana Souza and 1 other named “ana”",
            "done",
            "after 1 Jan 2026"
        ]
    );
}

#[test]
fn a_filter_that_cannot_be_read_says_so_and_searches_nothing() {
    let mut db = TestDb::new();
    workspace(&mut db);
    let found = db.store.search("installer on:myspace", 20, NOW).unwrap();
    assert!(found.hits.is_empty());
    let problem = found.problem.unwrap();
    assert!(
        problem.contains("on:myspace") && problem.contains("github"),
        "{problem}"
    );
    let found = db.store.search("installer from:nobody", 20, NOW).unwrap();
    assert!(found.problem.unwrap().contains("no member"));
}

#[test]
fn the_cli_searches_with_flags_and_filter_words_alike() {
    let mut db = TestDb::new();
    workspace(&mut db);
    let path = db.path();
    let out = hearth(&path)
        .args(["search", "installer", "--platform", "github"])
        .output()
        .unwrap();
    let flags = text(&out);
    assert!(out.status.success(), "{flags}");
    assert!(flags.contains("Filters: on GitHub"), "{flags}");
    assert!(
        flags.contains("Installer crash") && !flags.contains("Old question"),
        "{flags}"
    );
    let out = hearth(&path)
        .args(["search", "installer on:github"])
        .output()
        .unwrap();
    assert_eq!(text(&out), flags);

    let out = hearth(&path)
        .args(["search", "installer", "--status", "done"])
        .output()
        .unwrap();
    assert!(
        text(&out).contains("No messages or notes match"),
        "{}",
        text(&out)
    );
    let out = hearth(&path)
        .args(["search", "installer before:someday"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("2026-10-01"), "{}", text(&out));
}

#[test]
fn a_message_and_its_edit_in_one_batch_are_found_by_the_new_words_only() {
    let mut db = TestDb::new();
    let account = db.discord();
    let original = message(
        "c1",
        "m1",
        "ana",
        "The installer crashes on Windwos",
        NOW - DAY,
    );
    let edited = hearth::ingest::IncomingMessage {
        edited_at: Some(NOW - DAY + 60_000),
        ..message(
            "c1",
            "m1",
            "ana",
            "The installer crashes on Windows 11",
            NOW - DAY,
        )
    };
    let batch = Batch {
        identities: vec![person("ana", "Ana Souza", None)],
        conversations: vec![thread("c1", "Installer crash", NOW - DAY)],
        messages: vec![
            original,
            edited,
            message("c1", "m2", "ana", "Also on Windows 10", NOW - DAY + 120_000),
        ],
        quarantined: Vec::new(),
    };
    db.store.ingest(account, &batch, NOW).unwrap();
    assert!(
        find(&db, "windwos").hits.is_empty(),
        "the old words are gone"
    );
    assert_eq!(find(&db, "windows").hits.len(), 2);
    // the index agrees with the messages, row for row
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the search index matches the messages");
}
