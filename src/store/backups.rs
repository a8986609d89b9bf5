//! Where a database's backups live and what they are called: `backups/` beside the database,
//! one file per copy named with the time it was taken. Plain file names and folders, so the
//! store can name the latest backup when it finds the file damaged. Taking and restoring
//! backups is `crate::data::backup`'s.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};

use crate::error::{Error, Result};
use crate::model::{BackupInfo, Millis};

/// The folder the backups of the database at `db` live in: `backups/` beside it.
pub fn backups_dir(db: &Path) -> PathBuf {
    db.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups")
}

fn stem(db: &Path) -> String {
    db.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "hearth".into())
}

/// `hearth-20261129-173000.db`: the database's name and the UTC time of the copy.
pub(crate) fn backup_name(db: &Path, at: Millis) -> String {
    let when = Utc
        .timestamp_millis_opt(at)
        .single()
        .unwrap_or_default()
        .format("%Y%m%d-%H%M%S");
    format!("{}-{when}.db", stem(db))
}

/// When a backup named by [`backup_name`] for `db` was taken.
pub(crate) fn taken_at(db: &Path, file_name: &str) -> Option<Millis> {
    let rest = file_name.strip_prefix(&format!("{}-", stem(db)))?;
    let when = rest.strip_suffix(".db")?;
    chrono::NaiveDateTime::parse_from_str(when, "%Y%m%d-%H%M%S")
        .ok()
        .map(|t| t.and_utc().timestamp_millis())
}

/// The backups of the database at `db`, newest first.
pub fn list_backups(db: &Path) -> Result<Vec<BackupInfo>> {
    let dir = backups_dir(db);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Io {
                context: format!("cannot read the backups folder {}", dir.display()),
                source,
            })
        }
    };
    let mut out: Vec<BackupInfo> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let file_name = e.file_name().to_string_lossy().into_owned();
            let created_at = taken_at(db, &file_name)?;
            Some(BackupInfo {
                path: e.path().display().to_string(),
                bytes: e.metadata().map(|m| m.len()).unwrap_or(0),
                file_name,
                created_at,
            })
        })
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.created_at));
    Ok(out)
}

/// What to tell someone whose database is damaged: `hearth doctor`, and the newest backup.
pub fn damage_advice(db: &Path) -> String {
    let latest = list_backups(db).ok().and_then(|b| b.into_iter().next());
    let mut advice = format!(
        "run `hearth --db {} doctor` to check it and recover what is readable into a new file",
        db.display()
    );
    if let Some(b) = latest {
        advice.push_str(&format!(
            ", or restore the latest backup ({}, {}) with `hearth --db {} restore {}`",
            b.file_name,
            Utc.timestamp_millis_opt(b.created_at)
                .single()
                .unwrap_or_default()
                .format("%Y-%m-%d %H:%M UTC"),
            db.display(),
            b.path
        ));
    } else {
        advice.push_str(" (there is no backup of it yet)");
    }
    advice
}

impl Error {
    /// The same error, told about the database file it concerns: a damaged file is named, with
    /// what to do about it.
    pub fn at(self, db: &std::path::Path) -> Error {
        match self {
            Error::Damaged {
                detail,
                advice: None,
                ..
            } => Error::Damaged {
                path: Some(db.to_path_buf()),
                advice: Some(damage_advice(db)),
                detail,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_name_carries_the_time_it_was_taken() {
        let db = Path::new("/data/hearth.db");
        let at = 1_795_435_200_000;
        let name = backup_name(db, at);
        assert_eq!(name, "hearth-20261123-120000.db");
        assert_eq!(taken_at(db, &name), Some(at));
        assert_eq!(taken_at(db, "other-20261123-120000.db"), None);
        assert_eq!(backups_dir(db), Path::new("/data/backups"));
    }
}
