//! Backups of the database. Owns: copying the live database with SQLite's online backup API
//! (safe while another Hearth syncs into it), the `backups/` folder beside the database with
//! its daily copies (the newest few kept), and restoring one. Must never: leave a half-written
//! file where a backup is expected, or replace the live data with a file that is not a good
//! Hearth database.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::model::{BackupInfo, Millis};
use crate::store::backups::{backup_name, taken_at};
pub use crate::store::backups::{backups_dir, damage_advice, list_backups};
use crate::store::{schema_version, Store};

/// How many daily backups are kept when nobody said otherwise.
pub const DEFAULT_KEEP: u32 = 7;
const KEEP_SETTING: &str = "backups.keep";
/// A daily backup is taken when the newest one is older than this.
const DAY: Millis = 24 * 3600 * 1000;

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

impl Store {
    /// Copies the live database to `dest` with SQLite's online backup API: a consistent
    /// snapshot even while another Hearth writes, and never a half-written file at `dest` (the
    /// copy is written beside it and renamed when complete). Refuses to overwrite the database
    /// itself.
    pub fn backup_to(&self, dest: &Path) -> Result<u64> {
        if dest.exists() && same_file(dest, self.path()) {
            return Err(Error::invalid(
                "a backup cannot be written over the database it copies",
            ));
        }
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(io(format!("cannot create the folder {}", parent.display())))?;
        }
        let partial = dest.with_extension("db.partial");
        let _ = std::fs::remove_file(&partial);
        let copy = (|| -> Result<()> {
            let mut out = Connection::open(&partial).map_err(|e| Error::CannotOpen {
                path: partial.clone(),
                reason: e.to_string(),
            })?;
            {
                let backup = rusqlite::backup::Backup::new(self.conn(), &mut out)?;
                // One step copies a consistent snapshot in one read transaction: a writer in
                // another process cannot make it start over (WAL: it is not blocked either).
                copy_whole(&backup)?;
            }
            // A backup is one self-contained file.
            out.pragma_update(None, "journal_mode", "DELETE")?;
            out.close().map_err(|(_, e)| Error::from(e))?;
            Ok(())
        })();
        if let Err(e) = copy {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        std::fs::rename(&partial, dest)
            .map_err(io(format!("cannot write the backup {}", dest.display())))?;
        Ok(std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0))
    }

    /// Takes a backup into the `backups/` folder now, and prunes old ones to the kept number.
    pub fn backup_now(&self, now: Millis) -> Result<BackupInfo> {
        let dir = backups_dir(self.path());
        clear_abandoned(&dir, std::time::SystemTime::now());
        let file_name = backup_name(self.path(), now);
        let dest = dir.join(&file_name);
        let bytes = self.backup_to(&dest)?;
        self.prune_backups()?;
        Ok(BackupInfo {
            path: dest.display().to_string(),
            file_name,
            created_at: taken_at(self.path(), &backup_name(self.path(), now)).unwrap_or(now),
            bytes,
        })
    }

    /// The daily backup: taken when the newest backup is a day old or there is none.
    pub fn daily_backup(&self, now: Millis) -> Result<Option<BackupInfo>> {
        let newest = list_backups(self.path())?.into_iter().next();
        if newest.is_some_and(|b| now - b.created_at < DAY) {
            return Ok(None);
        }
        self.backup_now(now).map(Some)
    }

    /// How many backups are kept.
    pub fn keep_backups(&self) -> Result<u32> {
        Ok(self
            .setting(KEEP_SETTING)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_KEEP))
    }

    /// Keeps the newest `keep` backups (1 to 365) from now on, and prunes to that.
    pub fn set_keep_backups(&mut self, keep: u32) -> Result<()> {
        if !(1..=365).contains(&keep) {
            return Err(Error::invalid("keep between 1 and 365 backups"));
        }
        self.set_setting(KEEP_SETTING, &keep.to_string())?;
        self.prune_backups()
    }

    fn prune_backups(&self) -> Result<()> {
        let keep = self.keep_backups()? as usize;
        for old in list_backups(self.path())?.into_iter().skip(keep) {
            std::fs::remove_file(&old.path)
                .map_err(io(format!("cannot delete the old backup {}", old.path)))?;
        }
        Ok(())
    }

    /// Replaces the live data with the backup at `backup`, after checking it is a sound Hearth
    /// database this version can open, and after backing up the current data (so a restore
    /// can itself be undone). Safe while another Hearth has the database open: SQLite copies
    /// the backup in under its write lock.
    pub fn restore_from(&mut self, backup: &Path, now: Millis) -> Result<BackupInfo> {
        check_backup(backup)?;
        let before = self.backup_now(now)?;
        let src =
            Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| {
                Error::CannotOpen {
                    path: backup.to_path_buf(),
                    reason: e.to_string(),
                }
            })?;
        {
            let restore = rusqlite::backup::Backup::new(&src, self.conn_mut())?;
            copy_whole(&restore)?;
        }
        // A backup from an older Hearth is brought up to date like any database.
        self.migrate()?;
        Ok(before)
    }
}

/// Runs a backup to its end in one step. SQLite answers "busy" or "locked" (another process
/// holds the lock it needs) as a result, not an error: it is tried again for as long as a
/// write would wait, then said in words; nothing counts as copied until SQLite says done.
fn copy_whole(backup: &rusqlite::backup::Backup<'_, '_>) -> Result<()> {
    use rusqlite::backup::StepResult;
    let deadline = std::time::Instant::now() + crate::store::BUSY_TIMEOUT;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => continue,
            _ if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            _ => return Err(Error::Busy),
        }
    }
}

/// Whether `path` is a sound Hearth database this version can open.
fn check_backup(path: &Path) -> Result<()> {
    let bad = |reason: String| Error::NotADatabase {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(Error::NoDatabase {
            path: path.to_path_buf(),
        });
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| bad(e.to_string()))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if version > schema_version() {
        return Err(Error::DatabaseTooNew {
            path: path.to_path_buf(),
            found: version,
            known: schema_version(),
        });
    }
    let has_workspace: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'members'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| bad(e.to_string()))?;
    if version == 0 || !has_workspace {
        return Err(bad("it holds no Hearth data".into()));
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if check != "ok" {
        return Err(Error::Damaged {
            path: Some(path.to_path_buf()),
            detail: check,
            advice: None,
        });
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A backup not written to for this long was abandoned (a backup writes its pages as it goes,
/// each step renewing the file's time, and even a large one takes seconds).
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Removes what backups stopped part-way left in `dir` (the app killed, the laptop shut down
/// mid-copy): each left a `.db.partial` under its own time-stamped name, hundreds of MB each,
/// and nothing else would ever remove them. One another Hearth is writing right now is recent,
/// and stays.
fn clear_abandoned(dir: &Path, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(".db.partial") {
            continue;
        }
        let idle = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|at| now.duration_since(at).ok());
        if idle.is_some_and(|idle| idle > ABANDONED_AFTER) {
            // best effort: a partial that cannot be removed now will be at the next backup
            let _ = std::fs::remove_file(&path);
        }
    }
}
