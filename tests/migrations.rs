//! Upgrades: a database written by schema-1 Hearth (tests/fixtures/schema1, made by that
//! version's own CLI) opens with today's store and keeps every row and everything a user would
//! notice; and a migration, once shipped, never changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

use hearth::model::{HitKind, InboxQuery, MemberQuery, Status};
use hearth::store::{migration_sql, schema_version};
use hearth::Store;

/// Every migration that has shipped, in order, with the SHA-256 of its SQL. Databases that ran
/// one never run it again, so its text must never change: append here when a migration ships.
const SHIPPED: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        "4134be818d0b6cede0305f159e150e0258364bbf644fbbd94a2e55ac5e74702e",
    ),
    (
        "0002_sync.sql",
        "63839643893789c88c5fbec3ef61d93f21312d4e65eb2f35ea78df5b8beaa886",
    ),
    (
        "0003_ground.sql",
        "21a581be7d66ba8ea14edf07ed102256e206b03833a8a154a9147bc914378c13",
    ),
    (
        "0004_members.sql",
        "0ea8845248ffe0aca51558aa05bfeaafe2946fd867615e0190a2fb094d08a970",
    ),
    (
        "0005_organizations.sql",
        "8d1cdbdc8437a0692ebb84eda7cdeacecf0fafe2bd4e6efbb22d4877be2ff395",
    ),
    (
        "0006_engagement.sql",
        "6f94239654b6c3ef2b62aba8a0086bde5de5e98869905a886ddaca53cae06f55",
    ),
    (
        "0007_activity_by_identity.sql",
        "99f36c48879584778c614cc2daf8cc54f237df0e1df5f7274bc0048a9ef50039",
    ),
    (
        "0008_waiting.sql",
        "b42170b19211517dc88434eac0d6707f9696e5144e6519183c97e4afcbba2e22",
    ),
    (
        "0009_canned_replies.sql",
        "f6cb8629cffb839da31b94f0633ad808ed2b4aae69dd418489ac79d06853d878",
    ),
    (
        "0010_rules_views.sql",
        "484ad5fc65f2d6f7f83c549bc6bc1a626caa7ed4f4db9dea3334dbb9592d9816",
    ),
    (
        "0011_reply_indexes.sql",
        "852d5e7c63ee09ace8b1d7a4f6f80c7110cb9c37d3389ba7dfe2af56c9b070c4",
    ),
    (
        "0012_queue_counts.sql",
        "96f0f3d97b3244deed71d1b6bb2f43c8aea2fae0d7ad6894a8bf24ec90c93fad",
    ),
    (
        "0013_identity_keysets.sql",
        "3523ebd5844e862cd05237e9e304d80da8877c5e69077c9f4fc51811858c0186",
    ),
    (
        "0014_calendar_ics_uid.sql",
        "e3af94e317f0c40b96150e2ce4a8b3b86b2b0ee1ff08b3c34b4722ebb1752ee5",
    ),
    (
        "0015_publishing.sql",
        "2d77c88ee494f0c5303f6af4a3e14318d37c153304a97ea6a58c678f3137b864",
    ),
    (
        "0016_calendar_images.sql",
        "b3fd39e844941daabb2b6055af99f12063dd1c2d4376a1239550eeebb96aed57",
    ),
    (
        "0017_sentiment.sql",
        "086d842378f0e1373ad54cd0483de2039055f16ca1d6f51687f71fea490e8bd4",
    ),
    (
        "0018_health_rollups.sql",
        "8818c7ab86d714d263507d6eb9633e45f7d7da5432f42da86edf24c1d19a5107",
    ),
    (
        "0019_moderation.sql",
        "990e82dcbcbfc8069587cbd2064c8b3bcc85e49c83a062e0341afc6d72f35a93",
    ),
    (
        "0020_moderation_actions.sql",
        "691318eccbee66f8d6d2a264de24cd237c2576c165dfba3ff2909e3f470f4da8",
    ),
    (
        "0021_feedback_themes.sql",
        "6fd80e0d6b5c70bcaf6bdb8ea3335be0dcd5ceadde7ac69a42844a4362f887b7",
    ),
    (
        "0022_health_links.sql",
        "fef7ee4917b1320535a1353e8075402c276ceda27a8b9efc9d9d5db997edcbb3",
    ),
    (
        "0023_feedback_kept_current.sql",
        "26ca799b87985f9555aa6f0f665729678267abf0afc4458a9769b7ef5faa12de",
    ),
    (
        "0024_team.sql",
        "7279cbd189923a5c3d84a5fbfd1a7cb00eef10b67329c3d4756b7f0b2008fc9a",
    ),
    (
        "0025_team_notes.sql",
        "aea73ae076443e9cb58de6e671332f0474e17f785dd34f497e0b1aaaea593025",
    ),
    (
        "0026_team_records.sql",
        "1790d2980c28ceaff59952ec348fbb4d65af4a989b564cc62e370267463245e6",
    ),
    (
        "0027_team_member_tags.sql",
        "6029cb1ff8e92bf5cb0d7618f8484cf9cb82707e48db1ebb7d0e6874237b88e7",
    ),
    (
        "0028_team_merge_decisions.sql",
        "7a378405b7d56635a55ed54be6602d882231f58ed3fb47a0a234c11e2bd890a0",
    ),
    (
        "0029_team_calendar.sql",
        "ee0d396bd6c47aea060f49492c30be6725685f8ae42b18f9ae4305aa9d8b2f2e",
    ),
];

/// A moment just after the fixture was made (2026-11-29 17:40 UTC). The demo's times are
/// relative to when it ran, so the inbox is read as it was then: conversation 51's three-day
/// snooze is still running.
const FIXTURE_NOW: i64 = 1_795_974_000_000;

/// 2031-03-03 09:00 UTC, when the fixture's `hearth triage 35 snooze "2031-03-03 09:00"` ends.
const SNOOZED_UNTIL_2031: i64 = 1_930_294_800_000;

/// The note written with non-ASCII text (`hearth notes add 2 …` in the fixture's README).
const NOTE_ON_RIN: &str = "Çà va — 日本語 ✓ Rin answers Docker questions on Discourse before we do; ask about co-hosting the December call.";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema1/hearth-schema1.db")
}

/// A copy of the fixture in a fresh folder: the fixture itself is never opened for writing.
fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hearth.db");
    std::fs::copy(fixture(), &path).expect("copy the schema-1 fixture");
    (dir, path)
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open read-only")
}

fn pragma_i64(conn: &Connection, pragma: &str) -> i64 {
    conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
        .unwrap()
}

fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The database's own tables: every `type='table'` row of sqlite_master except SQLite's
/// (`sqlite_*`) and the shadow tables FTS5 keeps for each virtual table (`<name>_data`, …).
fn user_tables(conn: &Connection) -> Vec<String> {
    let all: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, coalesce(sql, '') FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let virtual_tables: Vec<&str> = all
        .iter()
        .filter(|(_, sql)| sql.to_ascii_uppercase().starts_with("CREATE VIRTUAL TABLE"))
        .map(|(name, _)| name.as_str())
        .collect();
    all.iter()
        .filter(|(name, _)| {
            !virtual_tables
                .iter()
                .any(|v| name.starts_with(&format!("{v}_")))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })
    .unwrap_or_else(|e| panic!("counting {table}: {e}"))
}

fn row_counts(conn: &Connection, tables: &[String]) -> BTreeMap<String, i64> {
    tables
        .iter()
        .map(|t| (t.clone(), count(conn, &now_named(conn, t))))
        .collect()
}

/// What a user of schema-1 Hearth would notice if it changed, read with plain SQL.
const USER_DATA: &[(&str, &str)] = &[
    (
        "member names",
        "SELECT id, display_name, organization, is_team FROM members ORDER BY id",
    ),
    (
        "identities",
        "SELECT id, member_id, platform, handle, display_name, email FROM identities ORDER BY id",
    ),
    (
        "notes",
        "SELECT id, member_id, body, created_at, updated_at FROM notes ORDER BY id",
    ),
    (
        "triage state",
        "SELECT id, status, priority, snoozed_until, assignee, triaged_at
         FROM conversations ORDER BY id",
    ),
    (
        "tags on conversations",
        "SELECT ct.conversation_id, t.name FROM conversation_tags ct
         JOIN tags t ON t.id = ct.tag_id ORDER BY ct.conversation_id, t.name",
    ),
    (
        "tags on members",
        "SELECT mt.member_id, t.name FROM member_tags mt
         JOIN tags t ON t.id = mt.tag_id ORDER BY mt.member_id, t.name",
    ),
    (
        "message text",
        "SELECT id, conversation_id, author_identity_id, body_text, body_html, created_at
         FROM messages ORDER BY id",
    ),
    (
        "calendar",
        "SELECT id, title, body, state, scheduled_at, published_at FROM calendar_items ORDER BY id",
    ),
    (
        "calendar variants",
        "SELECT id, item_id, platform, body FROM calendar_variants ORDER BY id",
    ),
];

/// Tables a later schema renamed, as (old name, new name): their rows are read under the
/// new name once upgraded. Schema 15 made the calendar's per-platform variants targets, one
/// per account.
const RENAMED: &[(&str, &str)] = &[("calendar_variants", "calendar_targets")];

/// `table`'s name in `conn`: its new name when a later schema renamed it.
fn now_named(conn: &Connection, table: &str) -> String {
    let exists = |t: &str| -> bool {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [t],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            > 0
    };
    match RENAMED.iter().find(|(old, _)| *old == table) {
        Some((old, new)) if !exists(old) => (*new).to_string(),
        _ => table.to_string(),
    }
}

fn user_data(conn: &Connection) -> BTreeMap<&'static str, Vec<Vec<Value>>> {
    USER_DATA
        .iter()
        .map(|(what, sql)| {
            let mut sql = sql.to_string();
            for (old, _) in RENAMED {
                sql = sql.replace(old, &now_named(conn, old));
            }
            (*what, rows(conn, &sql))
        })
        .collect()
}

/// Everything in the file: its schema, its version and every row of every table (shadow
/// tables included), each table's rows as sorted text.
fn everything(conn: &Connection) -> (i64, Vec<Vec<Value>>, BTreeMap<String, Vec<String>>) {
    let schema = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
    );
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let contents = tables
        .into_iter()
        .map(|t| {
            let mut text: Vec<String> = rows(conn, &format!("SELECT * FROM \"{t}\""))
                .iter()
                .map(|row| format!("{row:?}"))
                .collect();
            text.sort();
            (t, text)
        })
        .collect();
    (pragma_i64(conn, "user_version"), schema, contents)
}

/// Asserts two lists of rows are equal, naming the first row that differs (the lists are long).
fn same_rows<T: PartialEq + std::fmt::Debug>(before: &[T], after: &[T], what: &str) {
    if let Some(i) = (0..before.len().max(after.len())).find(|&i| before.get(i) != after.get(i)) {
        panic!(
            "{what}: {} rows before, {} after; the first difference, row {i}:\n  before: {:?}\n   after: {:?}",
            before.len(),
            after.len(),
            before.get(i),
            after.get(i)
        );
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_schema_1_database_upgrades_to_the_current_schema_keeping_every_row() {
    let (dir, path) = fixture_copy();

    // --- the file as schema-1 Hearth left it ---------------------------------------------------
    let (tables, counts_before, data_before) = {
        let conn = read_only(&path);
        assert_eq!(
            pragma_i64(&conn, "user_version"),
            1,
            "the fixture must stay a schema-1 database; never regenerate it with newer code"
        );
        assert_eq!(integrity(&conn), "ok");
        let tables = user_tables(&conn);
        (tables.clone(), row_counts(&conn, &tables), user_data(&conn))
    };
    // A guard against an empty or replaced fixture, which would make the comparisons vacuous.
    for (table, at_least) in [
        ("members", 56),
        ("conversations", 63),
        ("messages", 400),
        ("notes", 6),
        ("conversation_tags", 40),
        ("calendar_items", 7),
    ] {
        assert!(
            counts_before.get(table).is_some_and(|&n| n >= at_least),
            "the fixture should hold at least {at_least} rows of {table}: {counts_before:?}"
        );
    }
    assert!(tables.iter().any(|t| t == "messages_fts"), "{tables:?}");
    assert!(
        !tables.iter().any(|t| t == "messages_fts_data"),
        "{tables:?}"
    );

    // --- today's Hearth opens it, which upgrades it -------------------------------------------
    let store = Store::open(&path).expect("a schema-1 database opens with today's Hearth");
    assert_eq!(store.status().unwrap().schema_version, schema_version());
    drop(store);

    let after_first_open = {
        let conn = read_only(&path);
        assert_eq!(pragma_i64(&conn, "user_version"), schema_version());
        assert_eq!(integrity(&conn), "ok");
        assert!(
            rows(&conn, "PRAGMA foreign_key_check").is_empty(),
            "the upgrade left rows pointing at nothing"
        );
        assert_eq!(
            row_counts(&conn, &tables),
            counts_before,
            "every schema-1 table keeps exactly its rows"
        );
        let data_after = user_data(&conn);
        for (what, before) in &data_before {
            same_rows(
                before,
                &data_after[what],
                &format!("the {what} changed in the upgrade"),
            );
        }
        everything(&conn)
    };

    // --- the upgraded file works through the core's API (opening it a second time) -------------
    let store = Store::open(&path).expect("the upgraded database opens again");

    let open = store.inbox(&InboxQuery::default(), FIXTURE_NOW).unwrap();
    assert_eq!(
        open.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [24, 42, 31, 30, 34, 7],
        "the open queue: priorities set by hand first (24 urgent, 42), then newest (the rules \
         weigh the upgraded conversations at the first sweep)"
    );
    assert_eq!(open.total, 6);
    let item = |id: i64| open.items.iter().find(|i| i.id == id).unwrap();
    let mut tags_30 = item(30).tags.clone();
    tags_30.sort();
    assert_eq!(tags_30, ["docs", "needs-repro", "question"]);
    assert_eq!(item(30).assignee.as_deref(), Some("amina"));
    assert_eq!(item(24).priority, 4);
    assert_eq!(item(24).assignee.as_deref(), Some("Jonas Weber"));
    assert_eq!(item(34).tags, ["community-call"], "'event' was untagged");
    assert_eq!(item(7).status, Status::Open, "7 was reopened");

    let snoozed = store
        .inbox(
            &InboxQuery {
                status: Some(Status::Snoozed),
                ..Default::default()
            },
            FIXTURE_NOW,
        )
        .unwrap();
    assert_eq!(
        snoozed.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [51, 35],
        "the snoozed queue, soonest to wake first"
    );
    assert_eq!(snoozed.items[1].snoozed_until, Some(SNOOZED_UNTIL_2031));
    assert_eq!(snoozed.items[1].priority, 3);
    let done = InboxQuery {
        status: Some(Status::Done),
        ..Default::default()
    };
    assert_eq!(store.inbox(&done, FIXTURE_NOW).unwrap().total, 55);
    let docs = InboxQuery {
        tag: Some("docs".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .inbox(&docs, FIXTURE_NOW)
            .unwrap()
            .items
            .iter()
            .map(|i| i.id)
            .collect::<Vec<_>>(),
        [30, 7]
    );
    let thread = store.conversation(30, FIXTURE_NOW).unwrap();
    assert_eq!(thread.messages.len(), 9);

    let members = store.members(&MemberQuery::default()).unwrap();
    assert_eq!(
        members.total, 49,
        "40 people, some merged across platforms, no team"
    );
    let lukasz = store
        .members(&MemberQuery {
            q: Some("Łukasz Das".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        lukasz
            .items
            .iter()
            .map(|m| (m.id, m.display_name.as_str()))
            .collect::<Vec<_>>(),
        [(16, "Łukasz Das")]
    );

    let notes = store.notes(2).unwrap();
    assert_eq!(
        notes.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(),
        [NOTE_ON_RIN]
    );
    assert_eq!(
        store
            .notes(61)
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect::<Vec<_>>(),
        [6, 1],
        "newest first"
    );

    let note_hits = |q: &str| -> Vec<(Option<i64>, Option<i64>)> {
        store
            .search(q, 20, hearth::now_millis())
            .unwrap()
            .hits
            .iter()
            .filter(|h| h.kind == HitKind::Note)
            .map(|h| (h.note_id, h.member_id))
            .collect()
    };
    assert_eq!(note_hits("日本語"), [(Some(4), Some(2))]);
    assert_eq!(
        note_hits("ca va"),
        [(Some(4), Some(2))],
        "diacritics are ignored"
    );
    let docker: std::collections::BTreeSet<(Option<i64>, Option<i64>)> = store
        .search("docker", 20, hearth::now_millis())
        .unwrap()
        .hits
        .iter()
        .filter(|h| h.kind == HitKind::Message)
        .map(|h| (h.message_id, h.conversation_id))
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(
        docker,
        [
            (Some(342), Some(54)),
            (Some(338), Some(54)),
            (Some(191), Some(30)),
            (Some(2), Some(1)),
            (Some(1), Some(1))
        ]
        .into(),
        "every message that says 'Docker'"
    );
    drop(store);

    // --- opening it a second time (and reading) changed nothing --------------------------------
    let after_second_open = everything(&read_only(&path));
    assert_eq!(after_first_open.0, after_second_open.0, "user_version");
    assert_eq!(after_first_open.1, after_second_open.1, "the schema");
    for (table, before) in &after_first_open.2 {
        same_rows(
            before,
            after_second_open.2.get(table).unwrap_or(&Vec::new()),
            &format!("opening the upgraded database again changed {table}"),
        );
    }
    assert_eq!(
        after_first_open.2.keys().collect::<Vec<_>>(),
        after_second_open.2.keys().collect::<Vec<_>>()
    );

    // the upgraded file knows the waiting status (schema 8 loosened the CHECK in place), in a
    // fresh connection as in the one that upgraded it
    let mut store = Store::open(&path).unwrap();
    let waiting = store
        .triage(30, &hearth::model::TriageAction::Waiting, FIXTURE_NOW)
        .expect("a conversation of an upgraded database can wait on its member");
    assert_eq!(waiting.status, Status::Waiting);
    store
        .triage(30, &hearth::model::TriageAction::Open, FIXTURE_NOW)
        .unwrap();
    {
        let conn = read_only(&path);
        assert_eq!(
            integrity(&conn),
            "ok",
            "the schema edit left the file sound"
        );
    }
    // the first sweep weighs every upgraded conversation not done against the starting rules
    let weighed = store.refresh_rules(FIXTURE_NOW).unwrap();
    assert!(
        weighed >= 6,
        "every open conversation is weighed: {weighed}"
    );
    assert_eq!(store.refresh_rules(FIXTURE_NOW).unwrap(), 0, "once");
    let open = store.inbox(&InboxQuery::default(), FIXTURE_NOW).unwrap();
    assert!(
        open.items.iter().any(|i| !i.reasons.is_empty()),
        "the upgraded queue says why: {:?}",
        open.items.iter().map(|i| &i.reasons).collect::<Vec<_>>()
    );
    assert_eq!(open.total, 6, "weighing changes no status");
    // the counters schema 12 filled from the rows it found agree with every view's pages
    for v in store.views(FIXTURE_NOW).unwrap() {
        let page = store
            .inbox(
                &InboxQuery {
                    view: Some(v.key.clone()),
                    limit: Some(500),
                    ..Default::default()
                },
                FIXTURE_NOW,
            )
            .unwrap();
        assert_eq!(page.items.len() as i64, v.count, "the upgraded {}", v.name);
    }
    drop(dir);
}

#[test]
fn every_shipped_migration_keeps_its_checksum() {
    let embedded = migration_sql();
    assert!(
        embedded.len() >= SHIPPED.len(),
        "{} migrations have shipped but only {} are embedded: a shipped migration must never be \
         removed",
        SHIPPED.len(),
        embedded.len()
    );
    for (i, (name, pinned)) in SHIPPED.iter().enumerate() {
        assert_eq!(
            sha256_hex(embedded[i]),
            *pinned,
            "migration {name} has shipped and its SQL changed. A shipped migration must never be \
             edited (databases that already ran it will not run it again): restore it and add a \
             new numbered migration instead"
        );
    }

    // The folder holds exactly the embedded migrations, in name order: a file cannot be added
    // without being embedded, nor embedded out of order.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations");
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_file())
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    files.sort();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        files.len(),
        embedded.len(),
        "src/store/migrations holds {names:?} but {} migrations are embedded: every file there \
         must be listed in MIGRATION_SQL (src/store/mod.rs), in order",
        embedded.len()
    );
    for (i, ((name, path), sql)) in files.iter().zip(embedded).enumerate() {
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)) && name.ends_with(".sql"),
            "migration files are numbered 0001_….sql, 0002_….sql, … without gaps: {names:?}"
        );
        if let Some((shipped, _)) = SHIPPED.get(i) {
            assert_eq!(name, shipped, "shipped migration {} was renamed", i + 1);
        }
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text == *sql,
            "embedded migration {} is not the text of {name}: MIGRATION_SQL must list the files \
             in name order",
            i + 1
        );
    }
}

#[test]
fn doctor_recovers_a_schema_1_file_into_today_s_schema_with_its_indexes_made_again() {
    let (dir, path) = fixture_copy();
    let recovered = dir.path().join("recovered.db");
    let out = crate::common::hearth(&path)
        .arg("doctor")
        .arg("--recover")
        .arg(&recovered)
        .output()
        .expect("hearth runs");
    assert!(out.status.success(), "{}", crate::common::text(&out));
    let store = Store::open(&recovered).expect("the recovered file opens");
    assert_eq!(store.status().unwrap().schema_version, schema_version());
    // the counters and the search index were made from the rows, in today's schema
    let counts = store.inbox_counts(FIXTURE_NOW).unwrap();
    let open = store.inbox(&InboxQuery::default(), FIXTURE_NOW).unwrap();
    assert_eq!(counts.open, open.total, "{counts:?}");
    assert_eq!(open.total, 6);
    let members = store.members(&MemberQuery::default()).unwrap();
    assert_eq!(members.total, 49);
}
