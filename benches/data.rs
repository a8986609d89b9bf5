//! The community manager's data as a whole, at community scale: on the workspace the scale
//! benchmark builds (by default 100k people and 1M messages), measures and prints
//!   - `Store::export_to` of the whole workspace, `Store::import_from` of that export into an
//!     empty database, and a second export of the imported copy; the two exports must be
//!     byte-identical (asserted: that is correctness, not speed),
//!   - `Store::backup_to` of the live database while another thread, with its own `Store` on
//!     the same file, keeps triaging, counting the writes made during the copy, and
//!     `PRAGMA integrity_check` of the backup,
//!   - `hearth::data::doctor::check` and `Store::quick_check` on the database,
//!   - beside them, in the same run and measured the same way (same database, same writer
//!     running), SQLite's own `VACUUM INTO`, and a plain file copy of the quiet database as the
//!     disk's floor.
//!
//! `cargo bench --bench data` for the full size; `HEARTH_BENCH_MEMBERS` and
//! `HEARTH_BENCH_MESSAGES` make it smaller (CI runs a small one so this stays working).
//! Timings are printed, never asserted.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hearth::model::{DemoOptions, TriageAction};
use hearth::Store;
use rusqlite::{Connection, OpenFlags};

mod common;
use common::env_u32;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const MB: f64 = 1e6;

fn main() -> Res<()> {
    // `cargo bench` passes `--bench`; ignore arguments.
    let members = env_u32("HEARTH_BENCH_MEMBERS", 100_000);
    let messages = env_u32("HEARTH_BENCH_MESSAGES", 1_000_000);
    let dir = tempfile::tempdir()?;
    let now = hearth::now_millis();
    println!(
        "Hearth data benchmark: {members} people, {messages} messages (temp dir {})",
        dir.path().display()
    );

    // --- the workspace, as the scale benchmark builds it ----------------------------------------
    let db = dir.path().join("hearth.db");
    let mut store = Store::open(&db)?;
    let t = Instant::now();
    hearth::demo::generate(
        &mut store,
        &DemoOptions {
            members,
            messages,
            seed: 7,
        },
        now,
        &mut |_| {},
    )?;
    let built = t.elapsed().as_secs_f64();
    // Everything in the main file, so every copy below starts from the same state.
    let raw = Connection::open(&db)?;
    raw.busy_timeout(Duration::from_secs(30))?;
    raw.execute_batch("PRAGMA cache_size = -65536;")?; // as Store::open sets it
    checkpoint(&raw)?;
    let status = store.totals()?;
    let db_bytes = file_len(&db);
    println!(
        "workspace built in {built:.1} s: {} members, {} conversations, {} messages; \
         database {:.1} MB",
        status.members,
        status.conversations,
        status.messages,
        db_bytes as f64 / MB
    );
    let mut table = Vec::new();

    // --- export → import → export --------------------------------------------------------------
    let export1 = dir.path().join("export-1");
    let t = Instant::now();
    let exported = store.export_to(&export1, &mut |_| {})?;
    let export_secs = t.elapsed().as_secs_f64();
    let rows: u64 = exported
        .files
        .iter()
        .filter(|f| f.name.ends_with(".jsonl"))
        .map(|f| f.rows)
        .sum();
    let export_bytes = dir_len(&export1)?;
    table.push(
        Line::new("export_to (whole workspace)", export_secs)
            .rows(rows)
            .written(export_bytes),
    );

    let imported = dir.path().join("imported.db");
    let mut copy = Store::open(&imported)?;
    let t = Instant::now();
    copy.import_from(&export1, &mut |_| {})?;
    let import_secs = t.elapsed().as_secs_f64();
    // What the import wrote: the database file and its write-ahead log.
    let (imported_db, imported_wal) = (file_len(&imported), file_len(&wal_of(&imported)));
    table.push(
        Line::new("import_from (into an empty db)", import_secs)
            .rows(rows)
            .written(imported_db + imported_wal),
    );

    let export2 = dir.path().join("export-2");
    let t = Instant::now();
    copy.export_to(&export2, &mut |_| {})?;
    let export2_secs = t.elapsed().as_secs_f64();
    table.push(
        Line::new("export_to (the imported copy)", export2_secs)
            .rows(rows)
            .written(dir_len(&export2)?),
    );
    drop(copy);
    let (files, bytes) = same_files(&export1, &export2)?;
    let round_trip = format!(
        "export → import → export: {files} files, {:.1} MB, byte-identical",
        bytes as f64 / MB
    );
    std::fs::remove_dir_all(&export2)?;

    // --- copies of the live database while another Store triages -------------------------------
    let conversations: Vec<i64> = raw
        .prepare("SELECT id FROM conversations ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let writer = Writer::start(db.clone(), conversations, now)?;
    // The writer alone first, for its rate with nothing else running.
    let alone = Window::measure(|| {
        thread::sleep(Duration::from_secs(2));
        Ok(())
    })?;

    let backup = dir.path().join("backup").join("hearth-backup.db");
    let during_backup = Window::measure(|| {
        store.backup_to(&backup)?;
        Ok(())
    })?;
    let backup_bytes = file_len(&backup);
    table.push(
        Line::new("backup_to (while triaging)", during_backup.secs())
            .written(backup_bytes)
            .rate(),
    );

    // The writer checkpoints what piled up in the WAL during the copy; not in the next window.
    thread::sleep(Duration::from_secs(1));
    let vacuumed = dir.path().join("vacuum-into.db");
    let during_vacuum = Window::measure(|| {
        raw.execute("VACUUM INTO ?1", [vacuumed.to_string_lossy()])?;
        Ok(())
    })?;
    let log = writer.stop()?;
    table.push(
        Line::new("VACUUM INTO (while triaging)", during_vacuum.secs())
            .written(file_len(&vacuumed))
            .rate()
            .baseline(),
    );
    checkpoint(&raw)?;

    // The backup is a sound, self-contained copy of the database as it was.
    let t = Instant::now();
    let check = {
        let b = Connection::open_with_flags(&backup, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let problems: Vec<String> = b
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let messages: i64 = b.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?;
        assert_eq!(messages, status.messages, "the backup lost messages");
        problems
    };
    table.push(Line::new(
        "integrity_check of the backup",
        t.elapsed().as_secs_f64(),
    ));
    assert_eq!(check, ["ok"], "the backup is damaged");
    assert!(
        !wal_of(&backup).exists(),
        "the backup is not one self-contained file"
    );

    // A quiet file copy: what the disk alone takes for these pages.
    let copied = dir.path().join("file-copy.db");
    let t = Instant::now();
    std::fs::copy(&db, &copied)?;
    table.push(
        Line::new("file copy (quiet database)", t.elapsed().as_secs_f64())
            .written(file_len(&copied))
            .rate(),
    );

    // --- doctor ---------------------------------------------------------------------------------
    let t = Instant::now();
    let report = hearth::data::doctor::check(&db)?;
    table.push(Line::new(
        "doctor::check (integrity_check)",
        t.elapsed().as_secs_f64(),
    ));
    assert!(
        report.is_ok(),
        "doctor found problems: {:?}",
        report.problems
    );
    let t = Instant::now();
    store.quick_check()?;
    table.push(Line::new("Store::quick_check", t.elapsed().as_secs_f64()));

    // --- the table --------------------------------------------------------------------------------
    let base = table
        .iter()
        .find(|l| l.baseline)
        .map_or(f64::NAN, |l| l.secs);
    println!();
    println!(
        "{:<32} {:>9} {:>11} {:>11} {:>9} {:>16}",
        "what", "seconds", "rows/s", "MB written", "MB/s", "vs VACUUM INTO"
    );
    for l in &table {
        println!(
            "{:<32} {:>9.2} {:>11} {:>11} {:>9} {:>16}",
            l.what,
            l.secs,
            l.rows
                .map_or("—".into(), |r| format!("{:.0}", r as f64 / l.secs)),
            l.bytes
                .map_or("—".into(), |b| format!("{:.1}", b as f64 / MB)),
            match (l.bytes, l.show_rate) {
                (Some(b), true) => format!("{:.0}", b as f64 / MB / l.secs),
                _ => "—".into(),
            },
            // copies of the data beside SQLite's own copy; checks have nothing to compare with
            l.bytes
                .map_or("—".into(), |_| format!("{:.2}×", l.secs / base)),
        );
    }
    println!();
    println!("{round_trip} ({rows} rows)");
    println!(
        "imported database: {:.1} MB, and a {:.1} MB WAL beside it right after the import",
        imported_db as f64 / MB,
        imported_wal as f64 / MB
    );
    let by_itself = alone.writes(&log);
    println!(
        "writer alone (triage, own Store): {:.0} writes/s, p99 {:.1} ms, longest {:.1} ms",
        by_itself.count as f64 / alone.secs(),
        by_itself.p99.as_secs_f64() * 1e3,
        by_itself.longest.as_secs_f64() * 1e3
    );
    for (what, w) in [
        ("backup_to", &during_backup),
        ("VACUUM INTO", &during_vacuum),
    ] {
        let s = w.writes(&log);
        println!(
            "writes during {what:<12} {:>6} ({:.0}/s), p99 {:.1} ms, longest {:.1} ms",
            s.count,
            s.count as f64 / w.secs(),
            s.p99.as_secs_f64() * 1e3,
            s.longest.as_secs_f64() * 1e3
        );
    }
    println!("backup integrity_check: ok; doctor::check: ok");
    Ok(())
}

/// One line of the table.
struct Line {
    what: &'static str,
    secs: f64,
    rows: Option<u64>,
    bytes: Option<u64>,
    show_rate: bool,
    baseline: bool,
}

impl Line {
    fn new(what: &'static str, secs: f64) -> Line {
        Line {
            what,
            secs,
            rows: None,
            bytes: None,
            show_rate: false,
            baseline: false,
        }
    }
    fn rows(self, rows: u64) -> Line {
        Line {
            rows: Some(rows),
            ..self
        }
    }
    fn written(self, bytes: u64) -> Line {
        Line {
            bytes: Some(bytes),
            ..self
        }
    }
    fn rate(self) -> Line {
        Line {
            show_rate: true,
            ..self
        }
    }
    fn baseline(self) -> Line {
        Line {
            baseline: true,
            ..self
        }
    }
}

/// Another `Store` on the same file, triaging in a loop on its own thread, logging when each
/// write began and ended.
struct Writer {
    stop: Arc<AtomicBool>,
    handle: thread::JoinHandle<hearth::Result<Vec<(Instant, Instant)>>>,
}

impl Writer {
    fn start(db: PathBuf, conversations: Vec<i64>, now: i64) -> Res<Writer> {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicU64::new(0));
        let handle = {
            let (stop, started) = (stop.clone(), started.clone());
            thread::spawn(move || {
                let mut store = Store::open(&db)?;
                let mut log = Vec::new();
                let mut rng = fastrand::Rng::with_seed(11);
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let id = conversations[rng.usize(..conversations.len())];
                    let action = match i % 6 {
                        0 => TriageAction::Tag {
                            tag: "bench".into(),
                        },
                        1 => TriageAction::Untag {
                            tag: "bench".into(),
                        },
                        2 => TriageAction::Done,
                        3 => TriageAction::Open,
                        4 => TriageAction::Priority {
                            priority: (i % 3) as i64,
                        },
                        _ => TriageAction::Assign {
                            assignee: Some("sam".into()),
                        },
                    };
                    let t = Instant::now();
                    store.triage(id, &action, now + i as i64)?;
                    log.push((t, Instant::now()));
                    started.store(1, Ordering::Relaxed);
                    i += 1;
                }
                Ok(log)
            })
        };
        while started.load(Ordering::Relaxed) == 0 {
            if handle.is_finished() {
                handle.join().map_err(|_| "the writer panicked")??;
                return Err("the writer stopped before writing".into());
            }
            thread::sleep(Duration::from_millis(5));
        }
        Ok(Writer { stop, handle })
    }

    fn stop(self) -> Res<Vec<(Instant, Instant)>> {
        self.stop.store(true, Ordering::Relaxed);
        Ok(self.handle.join().map_err(|_| "the writer panicked")??)
    }
}

/// A stretch of time something took, to count the writer's writes in it.
struct Window {
    start: Instant,
    end: Instant,
}

/// The writes that began inside a window.
struct Writes {
    count: usize,
    /// How long they took: the 99th percentile and the longest.
    p99: Duration,
    longest: Duration,
}

impl Window {
    fn measure(f: impl FnOnce() -> Res<()>) -> Res<Window> {
        let start = Instant::now();
        f()?;
        Ok(Window {
            start,
            end: Instant::now(),
        })
    }
    fn secs(&self) -> f64 {
        (self.end - self.start).as_secs_f64()
    }
    fn writes(&self, log: &[(Instant, Instant)]) -> Writes {
        let mut took: Vec<Duration> = log
            .iter()
            .filter(|(s, _)| *s >= self.start && *s < self.end)
            .map(|(s, e)| *e - *s)
            .collect();
        took.sort();
        Writes {
            count: took.len(),
            p99: took.get(took.len() * 99 / 100).copied().unwrap_or_default(),
            longest: took.last().copied().unwrap_or_default(),
        }
    }
}

fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

fn wal_of(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

fn dir_len(dir: &Path) -> Res<u64> {
    let mut n = 0;
    for e in std::fs::read_dir(dir)? {
        n += e?.metadata()?.len();
    }
    Ok(n)
}

/// Asserts the two folders hold the same files with the same bytes; returns how many files and
/// bytes that is.
fn same_files(a: &Path, b: &Path) -> Res<(usize, u64)> {
    let names = |d: &Path| -> Res<Vec<String>> {
        let mut v = std::fs::read_dir(d)?
            .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
            .collect::<Res<Vec<String>>>()?;
        v.sort();
        Ok(v)
    };
    let (na, nb) = (names(a)?, names(b)?);
    assert_eq!(na, nb, "the two exports hold different files");
    let mut total = 0u64;
    for name in &na {
        let (mut fa, mut fb) = (
            BufReader::with_capacity(1 << 20, File::open(a.join(name))?),
            BufReader::with_capacity(1 << 20, File::open(b.join(name))?),
        );
        let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
        let mut line = 1u64;
        loop {
            let n = read_full(&mut fa, &mut ba)?;
            let m = read_full(&mut fb, &mut bb)?;
            if let Some(at) = (0..n.min(m)).find(|&i| ba[i] != bb[i]) {
                line += ba[..at].iter().filter(|&&c| c == b'\n').count() as u64;
                panic!("the two exports differ: {name} line {line}");
            }
            assert_eq!(n, m, "the two exports differ: {name} has another length");
            if n == 0 {
                break;
            }
            line += ba[..n].iter().filter(|&&c| c == b'\n').count() as u64;
            total += n as u64;
        }
    }
    Ok((na.len(), total))
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
