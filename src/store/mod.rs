//! The local SQLite database. Owns: opening the file with Hearth's pragmas (WAL, foreign keys,
//! busy timeout), the embedded, append-only migrations, and refusing files that are not Hearth
//! databases or were written by a newer Hearth. Must never: talk to the network or hold secrets.
//!
//! Every capability (inbox, members, notes, calendar, search, ingest) is a set of methods on
//! [`Store`] in its own module; every write path runs in one transaction.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use crate::error::{Error, Result};
use crate::model::{Platform, WorkspaceStatus, WorkspaceTotals};

/// Every migration, in order; append only.
const MIGRATION_SQL: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_sync.sql"),
    include_str!("migrations/0003_ground.sql"),
    include_str!("migrations/0004_members.sql"),
    include_str!("migrations/0005_organizations.sql"),
    include_str!("migrations/0006_engagement.sql"),
    include_str!("migrations/0007_activity_by_identity.sql"),
    include_str!("migrations/0008_waiting.sql"),
    include_str!("migrations/0009_canned_replies.sql"),
    include_str!("migrations/0010_rules_views.sql"),
    include_str!("migrations/0011_reply_indexes.sql"),
    include_str!("migrations/0012_queue_counts.sql"),
    include_str!("migrations/0013_identity_keysets.sql"),
    include_str!("migrations/0014_calendar_ics_uid.sql"),
    include_str!("migrations/0015_publishing.sql"),
    include_str!("migrations/0016_calendar_images.sql"),
    include_str!("migrations/0017_sentiment.sql"),
    include_str!("migrations/0018_health_rollups.sql"),
    include_str!("migrations/0019_moderation.sql"),
    include_str!("migrations/0020_moderation_actions.sql"),
    include_str!("migrations/0021_feedback_themes.sql"),
    include_str!("migrations/0022_health_links.sql"),
    include_str!("migrations/0023_feedback_kept_current.sql"),
    include_str!("migrations/0024_team.sql"),
    include_str!("migrations/0025_team_notes.sql"),
    include_str!("migrations/0026_team_records.sql"),
    include_str!("migrations/0027_team_member_tags.sql"),
    include_str!("migrations/0028_team_merge_decisions.sql"),
    include_str!("migrations/0029_team_calendar.sql"),
];

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(
        MIGRATION_SQL
            .iter()
            .map(|sql| {
                if sql.contains("PRAGMA writable_schema = ON") {
                    M::up_with_hook(sql, schema_changed)
                } else {
                    M::up(sql)
                }
            })
            .collect(),
    )
});

/// After a migration that edits a table's SQL in place: bumps the schema version, so every
/// connection (this one and another process's) parses the schema again.
fn schema_changed(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    tx.execute_batch(&format!("PRAGMA schema_version = {}", version + 1))?;
    Ok(())
}

/// The SQL of every migration, in order (tests pin each shipped one's checksum).
pub fn migration_sql() -> &'static [&'static str] {
    MIGRATION_SQL
}

/// Brings a bare connection's schema to `version` (not beyond), as that version of Hearth
/// wrote it: a recovery copies an older file's rows into the schema they were written for.
pub(crate) fn migrate_to(conn: &mut Connection, version: i64) -> Result<()> {
    let version = usize::try_from(version)
        .map_err(|_| Error::invalid(format!("no schema version {version}")))?;
    add_functions(conn)?;
    MIGRATIONS.to_version(conn, version)?;
    Ok(())
}

/// The hash by which `identity_key_index` finds who holds an identity's key (kind, value):
/// SipHash-1-3 with fixed keys over kind, a zero byte and value. It is on disk, so it must never
/// change between versions or machines. SQL has it as `hearth_key_hash(kind, value)` on every
/// connection the store opens (the schema-13 migration hashes the keys held before).
pub(crate) fn key_hash(kind: &str, value: &str) -> i64 {
    use std::hash::Hasher;
    let mut h =
        siphasher::sip::SipHasher13::new_with_keys(0x6865_6172_7468_2d6b, 0x6579_732d_7631_0000);
    h.write(kind.as_bytes());
    h.write(&[0]);
    h.write(value.as_bytes());
    h.finish() as i64
}

/// The core's SQL functions, on every connection the store opens (the migrations use them).
fn add_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "hearth_key_hash",
        2,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| Ok(key_hash(&ctx.get::<String>(0)?, &ctx.get::<String>(1)?)),
    )
}

/// The schema version this build of Hearth writes: the number of migrations.
pub fn schema_version() -> i64 {
    MIGRATION_SQL.len() as i64
}

/// A workspace setting read inside a caller's transaction.
pub(crate) fn setting_in(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// How long a write waits for another process's write to finish before saying "busy".
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub mod backups;
mod lease;

/// An open Hearth database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Who this open store is when it claims work that two Hearth processes could both want
    /// (an outbox item, an account's sync): unique per open, so two connections of one process
    /// are as exclusive as two processes.
    owner: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Where Hearth keeps its database when nobody says otherwise: the platform's data folder
/// (`~/.local/share/hearth/hearth.db` on Linux), or `$HEARTH_DB` when set.
pub fn default_db_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("HEARTH_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let dirs = directories::ProjectDirs::from("org", "Hearth", "hearth").ok_or_else(|| {
        Error::CannotOpen {
            path: PathBuf::from("~"),
            reason: "no home folder was found to keep Hearth's data in; pass --db PATH".into(),
        }
    })?;
    Ok(dirs.data_dir().join("hearth.db"))
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// The folder must exist; use [`Store::open_creating_dir`] for Hearth's own data folder.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if path.is_dir() {
            return Err(Error::CannotOpen {
                path,
                reason: "it is a folder; give the path of a database file inside it".into(),
            });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(Error::CannotOpen {
                    path: path.clone(),
                    reason: format!("the folder {} does not exist", parent.display()),
                });
            }
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::CannotOpen {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let mut store = Store {
            conn,
            path,
            owner: lease::new_owner(),
        };
        let path = store.path.clone();
        store.configure().map_err(|e| e.at(&path))?;
        store.migrate().map_err(|e| e.at(&path))?;
        Ok(store)
    }

    /// A second connection to a workspace already open, for long reads beside the main one (a
    /// segment's count over every member, the directory): in WAL mode a reader waits for no
    /// other connection, so the inbox's commands do not wait for it. It refuses to write
    /// (`PRAGMA query_only`), so the store's writes all go through one connection.
    pub fn open_reader(path: impl AsRef<Path>) -> Result<Store> {
        let store = Store::open(path)?;
        store.conn.execute_batch("PRAGMA query_only = ON;")?;
        Ok(store)
    }

    /// Like [`Store::open`], but first creates the folder the file lives in.
    pub fn open_creating_dir(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                context: format!("cannot create the folder {}", parent.display()),
                source,
            })?;
        }
        Store::open(path)
    }

    fn configure(&mut self) -> Result<()> {
        let not_db = |e: rusqlite::Error, path: &Path| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase {
                path: path.to_path_buf(),
                reason: "the file is not an SQLite database".into(),
            },
            _ => Error::from(e),
        };
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(Error::from)?;
        add_functions(&self.conn).map_err(Error::from)?;
        // Every transaction takes the write lock when it begins, so two processes never both
        // read a row and then write it (and a waiting writer is told "busy" by the busy
        // handler instead of failing at once on a stale snapshot).
        self.conn
            .set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        // journal_mode is the first statement that reads the file: a non-database fails here.
        let _mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| not_db(e, &self.path))?;
        self.conn
            .execute_batch(
                "PRAGMA foreign_keys = ON;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA temp_store = MEMORY;
                 PRAGMA journal_size_limit = 67108864;
                 PRAGMA cache_size = -65536;",
            )
            .map_err(|e| not_db(e, &self.path))?;
        Ok(())
    }

    /// The schema version of the database file (what `PRAGMA user_version` holds).
    pub fn schema_found(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub(crate) fn migrate(&mut self) -> Result<()> {
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > schema_version() {
            return Err(Error::DatabaseTooNew {
                path: self.path.clone(),
                found,
                known: schema_version(),
            });
        }
        if found == 0 {
            let foreign: i64 = self.conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )?;
            if foreign > 0 {
                return Err(Error::NotADatabase {
                    path: self.path.clone(),
                    reason: "it is an SQLite database that holds other data".into(),
                });
            }
        }
        MIGRATIONS.to_latest(&mut self.conn)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lets this connection's file grow by only `pages` more pages (`None`: no limit), as a full
    /// disk would: for tests of what a full disk does (SQLite's `max_page_count`).
    #[doc(hidden)]
    pub fn limit_growth_for_tests(&self, pages: Option<u64>) -> Result<()> {
        let now: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let max = pages.map_or(4_294_967_294, |p| now + p as i64);
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {max}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// This open store's name in leases (see [`lease`]).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Lets go of the claims (outbox items, account syncs) held by processes of this machine
    /// that no longer exist, so work a killed Hearth held is taken up at once. An outbox item
    /// such a process was sending still waits out the time its request could be in flight.
    pub(crate) fn release_claims_of_the_dead(&self) -> Result<()> {
        let holders: Vec<String> = self
            .conn
            .prepare(
                "SELECT lease_owner FROM outbox WHERE lease_owner IS NOT NULL
                 UNION SELECT owner FROM sync_leases",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for gone in holders.iter().filter(|h| lease::holder_is_gone(h)) {
            self.conn.execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?1",
                [gone],
            )?;
            self.conn
                .execute("DELETE FROM sync_leases WHERE owner = ?1", [gone])?;
        }
        Ok(())
    }

    /// The raw connection, for the core's own modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// A workspace setting (`None` when never set).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )?;
        Ok(())
    }

    /// Gives back the memory the page cache holds. Pages are read again from the file (usually
    /// from the system's own cache) when next needed; an app at rest calls this.
    pub fn release_memory(&self) -> Result<()> {
        self.conn.release_memory()?;
        Ok(())
    }

    /// SQLite's quick check of the whole file (every page read once: seconds on a large
    /// workspace, so faces run it on request or in the background). A damaged file is an
    /// [`Error::Damaged`] naming it, with what to do.
    pub fn quick_check(&self) -> Result<()> {
        let problems: Vec<String> = self
            .conn
            .prepare("PRAGMA quick_check(20)")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| Error::from(e).at(&self.path))?;
        if problems == ["ok"] {
            return Ok(());
        }
        Err(Error::Damaged {
            path: None,
            detail: problems.join("; "),
            advice: None,
        }
        .at(&self.path))
    }

    /// What the app shows first: where the data is and whether there is any. It answers at
    /// once on any size of workspace (nothing is counted but the accounts).
    pub fn status(&self) -> Result<WorkspaceStatus> {
        let any = |table: &str| -> Result<bool> {
            Ok(self
                .conn
                .query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| {
                    r.get(0)
                })?)
        };
        let accounts: i64 = self
            .conn
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?;
        let is_empty = accounts == 0 && !any("members")? && !any("conversations")?;
        Ok(WorkspaceStatus {
            db_path: self.path.display().to_string(),
            schema_version: self
                .conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))?,
            is_empty,
            accounts,
        })
    }

    /// How many members (merged ones once), conversations and messages the workspace holds.
    pub fn totals(&self) -> Result<WorkspaceTotals> {
        let count = |table: &str| -> Result<i64> {
            Ok(self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(WorkspaceTotals {
            members: count("members WHERE merged_into IS NULL")?,
            conversations: count("conversations")?,
            messages: count("messages")?,
        })
    }

    /// Finds or creates the account `name` on `platform`; returns its id.
    pub fn ensure_account(
        &mut self,
        platform: Platform,
        name: &str,
        base_url: Option<&str>,
        self_external_id: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        if name.trim().is_empty() {
            return Err(Error::invalid("an account needs a name"));
        }
        let tx = self.conn.transaction()?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM accounts WHERE platform = ?1 AND name = ?2",
                (platform.as_str(), name),
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => {
                tx.execute(
                    "UPDATE accounts SET base_url = coalesce(?2, base_url),
                         self_external_id = coalesce(?3, self_external_id) WHERE id = ?1",
                    (id, base_url, self_external_id),
                )?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO accounts (platform, name, base_url, self_external_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    (platform.as_str(), name, base_url, self_external_id, now),
                )?;
                tx.last_insert_rowid()
            }
        };
        tx.commit()?;
        Ok(id)
    }
}

/// Splits a `group_concat(…, char(31))` result.
pub(crate) fn split_unit(s: Option<String>) -> Vec<String> {
    s.map(|s| s.split('\u{1f}').map(str::to_string).collect())
        .unwrap_or_default()
}

/// Reads a platform name stored by Hearth itself; an unknown one means the file was edited
/// by hand or by a newer Hearth, which is a database error, not a panic.
pub(crate) fn platform_col(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Platform> {
    let s: String = row.get(idx)?;
    s.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        // what `Migrations::validate` does, on a connection with the core's functions
        let mut conn = Connection::open_in_memory().unwrap();
        add_functions(&conn).unwrap();
        MIGRATIONS.to_latest(&mut conn).unwrap();
    }

    #[test]
    fn the_hash_of_a_key_is_the_same_on_every_machine_and_in_every_version() {
        // the key index on disk holds these: a change would make every stored key unfindable
        assert_eq!(key_hash("name", "ana souza"), 760_296_902_952_514_441);
        // the kind and the value are kept apart
        assert_ne!(key_hash("email", "ana"), key_hash("emai", "lana"));
    }

    #[test]
    fn keys_held_at_schema_12_are_moved_and_found_by_their_hash_and_go_with_their_identity() {
        let mut conn = Connection::open_in_memory().unwrap();
        add_functions(&conn).unwrap();
        MIGRATIONS.to_version(&mut conn, 12).unwrap();
        // keys alone, without the identities they are of
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO identity_keys (identity_id, kind, value, proof) VALUES
                 (1, 'name', 'ana souza', 0), (1, 'email', 'ana@acme.example', 1),
                 (2, 'name', 'ana souza', 0);",
        )
        .unwrap();
        MIGRATIONS.to_latest(&mut conn).unwrap();
        let keys: Vec<(i64, String, String, bool)> = conn
            .prepare("SELECT identity_id, kind, value, proof FROM identity_keys ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let key = |id: i64, kind: &str, value: &str, proof| (id, kind.into(), value.into(), proof);
        assert_eq!(
            keys,
            [
                key(1, "email", "ana@acme.example", true),
                key(1, "name", "ana souza", false),
                key(2, "name", "ana souza", false),
            ]
        );
        let holders = |conn: &Connection, kind: &str, value: &str| -> Vec<i64> {
            conn.prepare("SELECT identity_id FROM identity_key_index WHERE h = ?1 ORDER BY 1")
                .unwrap()
                .query_map([key_hash(kind, value)], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert_eq!(holders(&conn, "name", "ana souza"), [1, 2]);
        assert_eq!(holders(&conn, "email", "ana@acme.example"), [1]);
        conn.execute("DELETE FROM identity_keysets WHERE identity_id = 1", [])
            .unwrap();
        assert_eq!(holders(&conn, "name", "ana souza"), [2]);
        assert!(holders(&conn, "email", "ana@acme.example").is_empty());
    }

    #[test]
    fn schema_version_matches_the_number_of_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("h.db")).unwrap();
        assert_eq!(store.status().unwrap().schema_version, schema_version());
    }

    #[test]
    fn a_reader_sees_what_the_main_connection_writes_and_writes_nothing_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let mut store = Store::open(&path).unwrap();
        let reader = Store::open_reader(&path).unwrap();
        let filter = crate::model::SegmentFilter {
            going_quiet: Some(true),
            ..Default::default()
        };
        store.add_segment("Quiet ones", &filter, 0).unwrap();
        let seen: Vec<String> = reader
            .segments(0)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert!(seen.contains(&"Quiet ones".to_string()), "{seen:?}");
        let mut reader = reader;
        let refused = reader.add_segment("Another", &filter, 0).unwrap_err();
        assert!(refused.to_string().contains("readonly"), "{refused}");
        assert_eq!(
            store.segments(0).unwrap().len(),
            seen.len(),
            "nothing written"
        );
    }
}
