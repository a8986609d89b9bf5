//! Your data is yours, and survives what a laptop meets: export → import → export, backups
//! taken while another process writes, restore, a damaged file (`hearth doctor`), another
//! process holding the write lock, and read commands on a path with no database. Every test
//! works on real database files, most through the real `hearth` binary.

use crate::common;
use crate::common::{hearth, text};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use hearth::model::{DemoOptions, InboxQuery, Status, TriageAction};
use hearth::Store;

fn run(c: &mut Command) -> Output {
    c.output().expect("hearth runs")
}

/// A small demo community in a new database file.
fn demo_db(dir: &Path) -> PathBuf {
    let db = dir.join("hearth.db");
    let mut store = Store::open(&db).expect("a new database");
    hearth::demo::generate(
        &mut store,
        &DemoOptions {
            members: 60,
            messages: 700,
            seed: 11,
        },
        common::NOW,
        &mut |_| {},
    )
    .expect("the demo");
    db
}

fn integrity(db: &Path) -> String {
    rusqlite::Connection::open(db)
        .expect("opens")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("checked")
}

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("the folder")
        .map(|e| {
            let e = e.expect("an entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("the file"),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn export_then_import_then_export_gives_byte_identical_files_on_the_demo_workspace() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    // Some of everything a person writes, on top of the demo.
    {
        let mut store = Store::open(&db).expect("opens");
        let first = store
            .inbox(&InboxQuery::default(), common::NOW)
            .expect("inbox")
            .items[0]
            .id;
        store
            .triage(
                first,
                &TriageAction::Tag {
                    tag: "feedback".into(),
                },
                common::NOW,
            )
            .expect("tagged");
        store
            .triage(first, &TriageAction::Done, common::NOW)
            .expect("done");
    }
    let first = dir.path().join("export-1");
    let out = run(hearth(&db).arg("export").arg(&first));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("no tokens"), "{}", text(&out));

    let copy = dir.path().join("copy.db");
    let out = run(hearth(&copy).arg("import").arg(&first));
    assert!(out.status.success(), "{}", text(&out));
    let second = dir.path().join("export-2");
    let out = run(hearth(&copy).arg("export").arg(&second));
    assert!(out.status.success(), "{}", text(&out));

    let (a, b) = (files_in(&first), files_in(&second));
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs after export → import → export");
    }
    for name in [
        "manifest.json",
        "members.jsonl",
        "messages.jsonl",
        "notes.jsonl",
        "members.csv",
    ] {
        assert!(a.iter().any(|f| f.0 == name), "{name} is exported");
    }
    // The copy works like the original: same counts, search finds the same words.
    let (orig, imported) = (
        Store::open(&db).expect("opens"),
        Store::open(&copy).expect("opens"),
    );
    let (s1, s2) = (
        (
            orig.status().expect("status"),
            orig.totals().expect("totals"),
        ),
        (
            imported.status().expect("status"),
            imported.totals().expect("totals"),
        ),
    );
    assert_eq!((s1.0.accounts, s1.1), (s2.0.accounts, s2.1));
    assert_eq!(
        orig.search("dark mode", 50, hearth::now_millis())
            .expect("search")
            .hits
            .len(),
        imported
            .search("dark mode", 50, hearth::now_millis())
            .expect("search")
            .hits
            .len(),
        "the search index is rebuilt"
    );
    assert_eq!(
        orig.members(&Default::default()).expect("members").total,
        imported
            .members(&Default::default())
            .expect("members")
            .total
    );
    let done = |s: &Store| {
        s.inbox(
            &InboxQuery {
                status: Some(Status::Done),
                ..Default::default()
            },
            common::NOW,
        )
        .expect("done")
        .total
    };
    assert_eq!(done(&orig), done(&imported), "triage state is kept");
    // the index that finds who holds a key is not exported: it is made again from the keys
    let index = |db: &Path| -> Vec<(i64, i64)> {
        let conn = rusqlite::Connection::open(db).expect("opens");
        let rows = conn
            .prepare("SELECT h, identity_id FROM identity_key_index ORDER BY 1, 2")
            .expect("the key index")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        rows
    };
    let held = index(&db);
    assert!(held.len() > 1000, "the demo's keys: {}", held.len());
    assert_eq!(
        held,
        index(&copy),
        "the copy finds the same people by the same keys"
    );
    assert_ne!(
        orig.token_key(1).expect("key"),
        imported.token_key(1).expect("key"),
        "the copy files its tokens under its own id"
    );
    // the Dashboard's roll-ups are not exported: the copy works them out from its messages
    let (mut orig, mut imported) = (orig, imported);
    let query = hearth::model::MetricsQuery::default();
    let (m1, m2) = (
        orig.metrics(&query, common::NOW).expect("metrics"),
        imported.metrics(&query, common::NOW).expect("metrics"),
    );
    assert!(m1.current.active_members > 10, "the demo is active");
    assert_eq!(m1, m2, "the copy's Dashboard reads the same");
}

#[test]
fn an_import_is_refused_into_a_workspace_that_holds_data_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let export = dir.path().join("export");
    assert!(run(hearth(&db).arg("export").arg(&export)).status.success());
    let before = std::fs::read(&db).expect("the file");
    let out = run(hearth(&db).arg("import").arg(&export));
    assert!(!out.status.success());
    assert!(text(&out).contains("empty workspace"), "{}", text(&out));
    assert_eq!(std::fs::read(&db).expect("the file"), before);

    // A damaged export (a line cut short) is refused whole: the new database stays empty.
    let messages = export.join("messages.jsonl");
    let mut lines = std::fs::read_to_string(&messages).expect("messages");
    lines.truncate(lines.len() / 2);
    std::fs::write(&messages, lines).expect("written");
    let fresh = dir.path().join("fresh.db");
    let out = run(hearth(&fresh).arg("import").arg(&export));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("messages.jsonl"),
        "it names the file: {}",
        text(&out)
    );
    let s = Store::open(&fresh)
        .expect("opens")
        .status()
        .expect("status");
    assert!(s.is_empty, "nothing half-imported: {s:?}");
}

#[test]
fn a_backup_taken_while_another_process_writes_is_a_sound_copy_and_restores() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    // Another Hearth writes the whole time: triage, over and over.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut store = Store::open(&db).expect("opens");
            let ids: Vec<i64> = store
                .inbox(&InboxQuery::default(), common::NOW)
                .expect("inbox")
                .items
                .iter()
                .map(|i| i.id)
                .collect();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let id = ids[n % ids.len()];
                let _ = store.triage(
                    id,
                    &TriageAction::Priority {
                        priority: (n % 4) as i64,
                    },
                    common::NOW,
                );
                n += 1;
            }
            n
        })
    };
    let copy = dir.path().join("copy.db");
    let out = run(hearth(&db).arg("backup").arg(&copy));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().expect("the writer");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        writes > 0,
        "the other process really wrote during the backup"
    );
    assert_eq!(integrity(&copy), "ok");
    assert!(
        !copy.with_extension("db-wal").exists(),
        "a backup is one self-contained file"
    );
    let backed = Store::open(&copy).expect("the backup opens");
    assert_eq!(
        backed.totals().expect("totals").messages,
        700,
        "the backup holds every message"
    );

    // Restore: the data comes back as it was in the backup, and what it replaced is kept.
    {
        let mut store = Store::open(&db).expect("opens");
        let removed = store.remove_demo().expect("demo removed");
        assert!(removed.messages > 0);
        assert!(store.status().expect("status").is_empty);
    }
    let out = run(hearth(&db).arg("restore").arg(&copy));
    assert!(out.status.success(), "{}", text(&out));
    let restored = Store::open(&db).expect("opens");
    assert_eq!(restored.totals().expect("totals").messages, 700);
    let kept = hearth::data::backup::list_backups(&db).expect("backups");
    assert_eq!(kept.len(), 1, "the data before the restore was backed up");
    let before_restore = Store::open(Path::new(&kept[0].path)).expect("opens");
    assert!(before_restore.status().expect("status").is_empty);
}

#[test]
fn the_daily_backup_is_taken_once_a_day_and_only_the_newest_are_kept() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let mut store = Store::open(&db).expect("opens");
    store.set_keep_backups(3).expect("keep 3");
    let day = 24 * 3600 * 1000;
    let mut taken = 0;
    for d in 0..5 {
        for hour in [0, 6, 12] {
            if store
                .daily_backup(common::NOW + d * day + hour * 3600 * 1000)
                .expect("the daily backup")
                .is_some()
            {
                taken += 1;
            }
        }
    }
    assert_eq!(taken, 5, "one a day, however often it is asked");
    let kept = hearth::data::backup::list_backups(&db).expect("backups");
    assert_eq!(kept.len(), 3, "only the newest three are kept");
    assert!(kept[0].created_at > kept[1].created_at, "newest first");
    assert_eq!(kept[0].created_at, common::NOW + 4 * day);
    for b in &kept {
        assert_eq!(integrity(Path::new(&b.path)), "ok");
    }
}

/// Overwrites the middle page of `db` with garbage, as a failing disk might.
/// Overwrites page `pageno` (1-based, as SQLite counts) of the file with garbage.
fn damage_page(db: &Path, pageno: usize) {
    let bytes = std::fs::read(db).expect("the file");
    let page = 4096;
    assert!(
        pageno >= 1 && pageno * page <= bytes.len(),
        "page {pageno} is in the file"
    );
    let mut damaged = bytes.clone();
    for (i, b) in damaged[(pageno - 1) * page..pageno * page]
        .iter_mut()
        .enumerate()
    {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    std::fs::write(db, damaged).expect("written");
}

#[test]
fn a_backup_clears_what_backups_stopped_part_way_left_but_not_one_being_written() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).expect("the backups folder");
    // one left by a backup killed yesterday, one another Hearth is writing now
    let abandoned = backups.join("hearth-2026-11-29-0900.db.partial");
    let writing = backups.join("hearth-2026-11-30-0900.db.partial");
    std::fs::write(&abandoned, b"half a database").expect("written");
    std::fs::write(&writing, b"the first pages").expect("written");
    let yesterday = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&abandoned)
        .and_then(|f| f.set_modified(yesterday))
        .expect("dated yesterday");

    let taken = Store::open(&db)
        .expect("opens")
        .backup_now(common::NOW)
        .expect("a backup");

    assert!(!abandoned.exists(), "the abandoned copy is gone");
    assert!(writing.exists(), "the one being written stays");
    assert!(
        std::path::Path::new(&taken.path).exists(),
        "and the new backup is there"
    );
}

#[test]
fn a_damaged_database_says_so_names_the_latest_backup_and_doctor_recovers_what_is_readable() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let backup = Store::open(&db)
        .expect("opens")
        .backup_now(common::NOW)
        .expect("a backup");
    // Checkpointed into the main file, so the damage lands in the data: a page in the middle
    // of the members table, which every command that counts members reads.
    let page = {
        let conn = rusqlite::Connection::open(&db).expect("opens");
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .expect("checkpointed");
        conn.query_row(
            "SELECT pageno FROM dbstat WHERE name = 'members' AND pagetype = 'leaf'
             ORDER BY pageno LIMIT 1
             OFFSET (SELECT count(*) / 2 FROM dbstat WHERE name = 'members' AND pagetype = 'leaf')",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("a page of the members table")
    };
    damage_page(&db, page as usize);

    let out = run(hearth(&db).arg("status"));
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("damaged"), "{said}");
    assert!(said.contains("hearth --db"), "it names the doctor: {said}");
    assert!(said.contains("doctor"), "{said}");
    assert!(
        said.contains(&backup.file_name),
        "it names the latest backup: {said}"
    );

    let damaged = std::fs::read(&db).expect("the file");
    let out = run(hearth(&db).arg("doctor"));
    assert!(!out.status.success(), "the doctor reports the damage");
    assert!(
        text(&out).contains("SQLite found problems"),
        "{}",
        text(&out)
    );

    let recovered = dir.path().join("recovered.db");
    let out = run(hearth(&db).arg("doctor").arg("--recover").arg(&recovered));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(integrity(&recovered), "ok");
    let store = Store::open(&recovered).expect("the recovered file opens");
    let s = store.totals().expect("totals");
    assert!(
        s.messages > 300 && s.messages <= 700,
        "most messages are recovered: {s:?}"
    );
    assert!(s.members > 30, "{s:?}");
    assert!(!store
        .inbox(&InboxQuery::default(), common::NOW)
        .expect("the inbox works")
        .items
        .is_empty());
    assert_eq!(
        std::fs::read(&db).expect("the file"),
        damaged,
        "the doctor never writes to the damaged file"
    );
}

#[test]
fn a_write_held_up_longer_than_the_busy_timeout_says_busy_in_words_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let (id, before) = {
        let store = Store::open(&db).expect("opens");
        let item = store
            .inbox(&InboxQuery::default(), common::NOW)
            .expect("inbox")
            .items[0]
            .clone();
        (item.id, item.status)
    };
    // Another process holds the write lock (a long write) for longer than Hearth waits.
    let holder = rusqlite::Connection::open(&db).expect("opens");
    holder.execute_batch("BEGIN IMMEDIATE").expect("the lock");
    let started = std::time::Instant::now();
    let out = run(hearth(&db).args(["triage", &id.to_string(), "done"]));
    let waited = started.elapsed();
    holder.execute_batch("ROLLBACK").expect("released");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("the database is busy — another Hearth is writing to it"),
        "{}",
        text(&out)
    );
    assert!(
        waited >= hearth::store::BUSY_TIMEOUT - Duration::from_millis(500),
        "it waited for the other writer before giving up ({waited:?})"
    );
    assert_eq!(integrity(&db), "ok");
    let store = Store::open(&db).expect("opens");
    assert_eq!(
        store
            .conversation(id, common::NOW)
            .expect("kept")
            .conversation
            .status,
        before
    );
    // Once the other writer is done, the same command works.
    let out = run(hearth(&db).args(["triage", &id.to_string(), "done"]));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn read_commands_on_a_path_without_a_database_say_so_and_create_nothing() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = dir.path().join("nothing-here.db");
    for args in [
        vec!["status"],
        vec!["inbox"],
        vec!["members"],
        vec!["outbox"],
        vec!["export", "out"],
    ] {
        let out = run(hearth(&db).args(&args));
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out).contains(&format!("no Hearth database at {}", db.display())),
            "{args:?}: {}",
            text(&out)
        );
        assert!(!db.exists(), "{args:?} created nothing");
    }
    let out = run(hearth(&db).args(["demo", "--members", "20", "--messages", "100"]));
    assert!(out.status.success(), "{}", text(&out));
    assert!(db.exists(), "the demo creates the database");
}

#[test]
fn removing_the_demo_takes_its_samples_and_keeps_what_the_user_connected() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let mut store = Store::open(&db).expect("opens");
    // A real account with a member and a conversation of its own.
    let real = store
        .ensure_account(
            hearth::model::Platform::Discord,
            "Real",
            None,
            Some("team"),
            common::NOW,
        )
        .expect("an account");
    store
        .ingest(real, &common::small_batch(), common::NOW)
        .expect("ingested");
    let calendar = store
        .calendar(&hearth::model::CalendarRange {
            from: None,
            to: None,
            include_unscheduled: true,
            brief: false,
        })
        .expect("calendar")
        .iter()
        // a repeating post's coming occurrences are shown, not stored
        .filter(|i| !i.occurrence)
        .count();
    assert!(calendar > 0, "the demo plans posts");
    let removed = store.remove_demo().expect("removed");
    assert!(
        removed.accounts >= 7 && removed.messages >= 700,
        "{removed:?}"
    );
    assert_eq!(removed.calendar_items as usize, calendar);
    let (s, t) = (
        store.status().expect("status"),
        store.totals().expect("totals"),
    );
    assert_eq!(
        (s.accounts, t.conversations, t.messages),
        (1, 1, 1),
        "{s:?} {t:?}"
    );
    assert_eq!(t.members, 3, "the real account's people stay: {t:?}");
    assert_eq!(store.demo_accounts().expect("count"), 0);
    // the demo's own rules, saved view and team go; the starting rules stay
    let rules: Vec<String> = store
        .rules()
        .expect("rules")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(
        rules,
        [
            "Mentions you",
            "Unanswered for a day",
            "First-time poster",
            "VIP member"
        ]
    );
    assert!(
        store
            .views(common::NOW)
            .expect("views")
            .iter()
            .all(|v| v.builtin),
        "the demo's saved view goes"
    );
    assert!(
        store.team().expect("team").is_empty(),
        "Robin, Sam and Priya go"
    );
    assert_eq!(
        store.setting("me.name").expect("setting"),
        None,
        "the demo's 'me' goes"
    );
    assert_eq!(integrity(&db), "ok");
    assert_eq!(
        store
            .search("dark mode", 10, hearth::now_millis())
            .expect("search")
            .hits
            .len(),
        1,
        "only the real conversation is found"
    );
}

/// Every file under `dir` (recursively) that holds `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if std::fs::read(&path)
            .map(|b| b.windows(needle.len()).any(|w| w == needle))
            .unwrap_or(false)
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn no_token_reaches_the_database_its_wal_and_shm_a_backup_or_an_export() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let token = "hearth-token-canary-7c1f0e9a2b";
    // Another connection stays open, so the WAL and shared-memory files stay beside the
    // database while the CLI works (as when the app is open).
    let held = rusqlite::Connection::open(&db).expect("opens");
    held.query_row("SELECT count(*) FROM accounts", [], |r| r.get::<_, i64>(0))
        .expect("read");
    let mut add = hearth(&db)
        .args(["accounts", "add", "mastodon", "--name", "Canary", "--url"])
        .arg("https://social.example.org")
        .arg("--no-test")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("hearth accounts add starts");
    {
        use std::io::Write;
        add.stdin
            .take()
            .expect("stdin")
            .write_all(token.as_bytes())
            .expect("the token is written");
    }
    let out = add.wait_with_output().expect("hearth accounts add runs");
    assert!(
        out.status.success(),
        "needs a Secret Service (scripts/with-keyring): {}",
        text(&out)
    );
    assert!(!text(&out).contains(token), "the token is never printed");
    for args in [
        vec!["backup"],
        vec!["export", "export"],
        vec!["accounts", "list", "--json"],
    ] {
        let out = run(hearth(&db).current_dir(dir.path()).args(&args));
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(!text(&out).contains(token), "{args:?} prints no token");
    }
    assert!(dir.path().join("export").join("accounts.jsonl").exists());
    assert!(
        db.with_extension("db-wal").exists() && db.with_extension("db-shm").exists(),
        "the WAL and shared-memory files are there to be read"
    );
    assert!(
        !hearth::data::backup::list_backups(&db)
            .expect("backups")
            .is_empty(),
        "a backup is there to be read"
    );
    let holding = files_holding(dir.path(), token.as_bytes());
    assert!(
        holding.is_empty(),
        "the token is in {holding:?}: it must live only in the keyring"
    );
    drop(held);
    // Tidy the keyring entry away.
    let _ = run(hearth(&db).args(["accounts", "remove", "Canary"]));
}

#[test]
fn an_import_never_replaces_a_calendar_that_is_all_a_workspace_holds() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let export = dir.path().join("export");
    assert!(run(hearth(&db).arg("export").arg(&export)).status.success());
    let fresh = dir.path().join("fresh.db");
    let mut store = Store::open(&fresh).expect("a new database");
    store
        .create_calendar_item(
            &hearth::model::CalendarItemInput {
                title: "Launch post, my draft".into(),
                body: "Not written anywhere else".into(),
                state: hearth::model::ContentState::Draft,
                scheduled_at: None,
                source_conversation_id: None,
                variants: vec![],
                recurrence: None,
            },
            common::NOW,
        )
        .expect("a draft");
    drop(store);
    let out = run(hearth(&fresh).arg("import").arg(&export));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("calendar items"),
        "it says what it holds: {}",
        text(&out)
    );
    let store = Store::open(&fresh).expect("opens");
    let items = store
        .calendar(&hearth::model::CalendarRange {
            from: None,
            to: None,
            include_unscheduled: true,
            brief: false,
        })
        .expect("calendar");
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].title, "Launch post, my draft",
        "the draft is untouched"
    );
}

#[test]
fn a_restore_while_another_process_writes_waits_then_says_busy_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let copy = dir.path().join("copy.db");
    assert!(run(hearth(&db).arg("backup").arg(&copy)).status.success());
    let mut store = Store::open(&db).expect("opens");
    store
        .remove_demo()
        .expect("the live data changes after the backup");
    drop(store);
    let holder = rusqlite::Connection::open(&db).expect("opens");
    holder.execute_batch("BEGIN IMMEDIATE").expect("the lock");
    let out = run(hearth(&db).arg("restore").arg(&copy));
    holder.execute_batch("ROLLBACK").expect("released");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("busy"), "{}", text(&out));
    let s = Store::open(&db).expect("opens").status().expect("status");
    assert!(s.is_empty, "nothing was half-restored: {s:?}");
    let out = run(hearth(&db).arg("restore").arg(&copy));
    assert!(out.status.success(), "{}", text(&out));
    let s = Store::open(&db).expect("opens").totals().expect("totals");
    assert_eq!(s.messages, 700, "restored once the other writer is done");
}

#[test]
fn an_export_made_before_calendar_targets_imports_its_variants_as_targets() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = demo_db(dir.path());
    let export = dir.path().join("export");
    let out = run(hearth(&db).arg("export").arg(&export));
    assert!(out.status.success(), "{}", text(&out));

    // Rewrite it as schema 14 wrote it: the targets as `calendar_variants`, with that table's
    // columns only, and no comments (the table did not exist).
    let manifest_path = export.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let old_columns = [
        "id",
        "item_id",
        "platform",
        "account_id",
        "body",
        "external_id",
    ];
    let targets = std::fs::read_to_string(export.join("calendar_targets.jsonl")).unwrap();
    let mut variants = String::new();
    let mut expected: Vec<(i64, String)> = Vec::new();
    for line in targets.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
        let kept: serde_json::Map<String, serde_json::Value> = old_columns
            .iter()
            .map(|c| (c.to_string(), row[*c].clone()))
            .collect();
        expected.push((
            row["id"].as_i64().unwrap(),
            row["body"].as_str().unwrap().to_string(),
        ));
        variants.push_str(&serde_json::to_string(&kept).unwrap());
        variants.push('\n');
    }
    assert!(expected.len() >= 5, "the demo has targets: {expected:?}");
    std::fs::remove_file(export.join("calendar_targets.jsonl")).unwrap();
    std::fs::remove_file(export.join("calendar_comments.jsonl")).unwrap();
    std::fs::write(export.join("calendar_variants.jsonl"), variants).unwrap();
    let tables = manifest["tables"].as_array_mut().unwrap();
    tables.retain(|t| t["table"] != "calendar_comments");
    for t in tables.iter_mut() {
        if t["table"] == "calendar_targets" {
            t["table"] = "calendar_variants".into();
            t["file"] = "calendar_variants.jsonl".into();
            t["columns"] = serde_json::json!(old_columns);
        }
    }
    manifest["schemaVersion"] = 14.into();
    std::fs::write(&manifest_path, serde_json::to_string(&manifest).unwrap()).unwrap();

    let copy = dir.path().join("copy.db");
    let out = run(hearth(&copy).arg("import").arg(&export));
    assert!(out.status.success(), "{}", text(&out));
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let mut got: Vec<(i64, String)> = conn
        .prepare("SELECT id, body FROM calendar_targets ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "every variant is a target again");
}
