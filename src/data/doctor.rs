//! `hearth doctor`: SQLite's own checks on a database file, and recovering what is readable
//! from a damaged one into a new file. Owns: reading a damaged file without trusting it (read
//! only, a row range at a time, narrowing down around unreadable pages), and saying what was
//! kept and what was lost. Must never: write to the damaged file.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{data_tables, quoted, rebuild_indexes, Table};
use crate::error::{Error, Result};
use crate::model::Progress;
use crate::store::{migrate_to, schema_version};

/// What SQLite's checks found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub path: PathBuf,
    pub schema_version: i64,
    /// `PRAGMA integrity_check`'s findings; empty when the file is sound.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs `PRAGMA integrity_check` (at most 100 findings) on the file at `path`, read only.
pub fn check(path: &Path) -> Result<CheckReport> {
    run_check(path, "integrity_check")
}

/// Runs `PRAGMA quick_check`: every page read once, without cross-checking indexes against
/// their tables (a third of the time; what the app runs in the background at each start).
pub fn quick_check(path: &Path) -> Result<CheckReport> {
    run_check(path, "quick_check")
}

fn run_check(path: &Path, pragma: &str) -> Result<CheckReport> {
    let conn = open_read_only(path)?;
    let schema_version = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap_or(-1);
    let problems = match conn
        .prepare(&format!("PRAGMA {pragma}(100)"))
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        }) {
        Ok(rows) if rows == ["ok"] => Vec::new(),
        Ok(rows) => rows,
        Err(e) => vec![e.to_string()],
    };
    Ok(CheckReport {
        path: path.to_path_buf(),
        schema_version,
        problems,
    })
}

fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.is_file() {
        return Err(Error::NoDatabase {
            path: path.to_path_buf(),
        });
    }
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::CannotOpen {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// What a recovery kept, table by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub tables: Vec<TableRecovery>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableRecovery {
    pub table: String,
    pub rows: u64,
    /// Stretches of rows that could not be read at all (the rows in them are lost).
    pub unreadable_ranges: u64,
    /// Rows read but dropped because what they belong to was lost (a message whose
    /// conversation was unreadable).
    pub orphans_dropped: u64,
    /// The whole table could not be read.
    pub lost: bool,
}

/// Copies every readable row of the Hearth database at `damaged` into a new database at
/// `dest` (which must not exist), then brings it up to this version's schema and rebuilds the
/// search indexes. The damaged file is only read.
pub fn recover(
    damaged: &Path,
    dest: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RecoveryReport> {
    if dest.exists() {
        return Err(Error::invalid(format!(
            "{} already exists; recover into a new file",
            dest.display()
        )));
    }
    let src = open_read_only(damaged)?;
    let version: i64 = src
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| Error::Damaged {
            path: Some(damaged.to_path_buf()),
            detail: format!("even its header cannot be read: {e}"),
            advice: None,
        })?;
    if version < 1 || version > schema_version() {
        return Err(Error::NotADatabase {
            path: damaged.to_path_buf(),
            reason: format!("its schema version is {version}, which this Hearth cannot recover"),
        });
    }
    let tables = data_tables(&src).map_err(|e| Error::Damaged {
        path: Some(damaged.to_path_buf()),
        detail: format!("its list of tables cannot be read ({e}); nothing can be recovered"),
        advice: None,
    })?;
    let mut out = Connection::open(dest).map_err(|e| Error::CannotOpen {
        path: dest.to_path_buf(),
        reason: e.to_string(),
    })?;
    // The new file gets the damaged one's schema, so every readable row fits as it was.
    migrate_to(&mut out, version)?;
    out.execute_batch("PRAGMA foreign_keys = OFF;")?;
    let mut report = RecoveryReport::default();
    let tx = out.transaction()?;
    // The schema's own rows (the workspace id) are replaced by the damaged file's.
    for (i, table) in tables.iter().enumerate() {
        progress(&Progress {
            phase: format!("Recovering {}", table.name),
            done: i as u64,
            total: tables.len() as u64,
        });
        tx.execute(&format!("DELETE FROM {}", quoted(&table.name)), [])?;
        report.tables.push(copy_table(&src, &tx, table)?);
    }
    // Rows whose parent was lost would break the app's joins: drop them, and say so. A table
    // without rowids (keys, fields, suggestions) has no rowid to name its orphans by: they go
    // by the foreign key they break.
    let orphans: Vec<(String, Option<i64>)> = tx
        .prepare("SELECT \"table\", rowid FROM pragma_foreign_key_check")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut keyless: Vec<String> = Vec::new();
    for (table, rowid) in orphans {
        let dropped = match rowid {
            Some(rowid) => tx.execute(
                &format!("DELETE FROM {} WHERE rowid = ?1", quoted(&table)),
                [rowid],
            )?,
            None if keyless.contains(&table) => 0,
            None => {
                keyless.push(table.clone());
                drop_orphans_by_key(&tx, &table)?
            }
        };
        if let Some(t) = report.tables.iter_mut().find(|t| t.table == table) {
            t.orphans_dropped += dropped as u64;
            t.rows = t.rows.saturating_sub(dropped as u64);
        }
    }
    tx.commit()?;
    out.execute_batch("PRAGMA foreign_keys = ON;")?;
    drop(out);
    // Up to this version's schema like any older database, and then the search indexes, the
    // inbox's counters and the key index made again from the rows (in today's schema: a file
    // older than them has none to make)
    let mut store = crate::store::Store::open(dest)?;
    let tx = store.conn_mut().transaction()?;
    rebuild_indexes(&tx)?;
    tx.commit()?;
    progress(&Progress {
        phase: "Recovered".into(),
        done: tables.len() as u64,
        total: tables.len() as u64,
    });
    Ok(report)
}

/// Deletes the rows of `table` whose foreign keys name a parent row that is not there; returns
/// how many went.
fn drop_orphans_by_key(conn: &Connection, table: &str) -> Result<usize> {
    let keys: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1)")?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut dropped = 0;
    for (parent, from, to) in keys {
        let to = to.unwrap_or_else(|| "rowid".into());
        dropped += conn.execute(
            &format!(
                "DELETE FROM {t} WHERE {from} IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.{to} = {t}.{from})",
                t = quoted(table),
                p = quoted(&parent),
                from = quoted(&from),
                to = quoted(&to),
            ),
            [],
        )?;
    }
    Ok(dropped)
}

/// Copies what can be read of one table, a rowid range at a time (Hearth's rowids start at
/// 1).
fn copy_table(src: &Connection, out: &Connection, table: &Table) -> Result<TableRecovery> {
    let mut rec = TableRecovery {
        table: table.name.clone(),
        ..Default::default()
    };
    let cols = table
        .columns
        .iter()
        .map(|c| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = vec!["?"; table.columns.len()].join(", ");
    let mut insert = out.prepare(&format!(
        "INSERT OR IGNORE INTO {} ({cols}) VALUES ({marks})",
        quoted(&table.name)
    ))?;
    let mut copy_rows = |sql: &str, range: Option<(i64, i64)>| -> rusqlite::Result<u64> {
        let mut stmt = src.prepare(sql)?;
        let mut rows = match range {
            Some((lo, hi)) => stmt.query([lo, hi])?,
            None => stmt.query([])?,
        };
        // Read the whole range before writing any of it, so a range that fails halfway is
        // retried in halves without writing its first rows twice.
        let mut read: Vec<Vec<rusqlite::types::Value>> = Vec::new();
        while let Some(row) = rows.next()? {
            read.push(
                (0..table.columns.len())
                    .map(|i| row.get(i))
                    .collect::<rusqlite::Result<_>>()?,
            );
        }
        for values in &read {
            // A row the new file refuses (a broken constraint) is skipped, not fatal.
            let _ = insert.execute(rusqlite::params_from_iter(values));
        }
        Ok(read.len() as u64)
    };
    let select = format!("SELECT {cols} FROM {}", quoted(&table.name));
    if !table.has_rowid {
        match copy_rows(&select, None) {
            Ok(n) => rec.rows = n,
            Err(_) => rec.lost = true,
        }
        return Ok(rec);
    }
    let ranged = format!("{select} WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid");
    let max: i64 = src
        .query_row(
            &format!("SELECT max(rowid) FROM {}", quoted(&table.name)),
            [],
            |r| r.get::<_, Option<i64>>(0),
        )
        .ok()
        .flatten()
        // The last page is unreadable: Hearth's rowids are dense (each new row takes the
        // largest plus one), so none is above what the file's pages could ever have held.
        .unwrap_or_else(|| {
            src.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))
                .map_or(1 << 24, |pages| pages.saturating_mul(512))
        });
    // Each failing range is split in two until the unreadable rows are cornered; a handful of
    // rowids that still fails together is given up as one lost range, and a table that would
    // take more reads than `budget` stops there (what was read is kept).
    let mut pending = vec![(1i64, max)];
    let mut budget: u32 = 1_000_000;
    while let Some((lo, hi)) = pending.pop() {
        if lo > hi {
            continue;
        }
        if budget == 0 {
            rec.unreadable_ranges += 1;
            continue;
        }
        budget -= 1;
        match copy_rows(&ranged, Some((lo, hi))) {
            Ok(n) => rec.rows += n,
            Err(_) if hi - lo < 16 => rec.unreadable_ranges += 1,
            Err(_) => {
                let mid = lo + (hi - lo) / 2;
                pending.push((mid + 1, hi));
                pending.push((lo, mid));
            }
        }
    }
    Ok(rec)
}
