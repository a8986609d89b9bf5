//! The community manager's data as a whole: [`backup`]s of the database, a full [`export`]
//! (and import) as documented JSON Lines, and the [`doctor`] that checks a damaged file and
//! recovers what is readable. Owns: knowing which tables hold the workspace's data (and which
//! are indexes derived from it). Must never: write a token anywhere (none is in the database).

pub mod backup;
pub mod doctor;
pub mod export;

use rusqlite::Connection;

use crate::error::Result;

/// A table that holds workspace data (not a search index, not SQLite's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub name: String,
    pub columns: Vec<String>,
    /// `WITHOUT ROWID` tables are read whole (they are small: tags, cursors, settings).
    pub has_rowid: bool,
}

/// The workspace's data tables in the order they were created (parents before children), with
/// their columns in declaration order. Full-text indexes and their shadow tables are left out:
/// they are rebuilt from the data.
pub(crate) fn data_tables(conn: &Connection) -> Result<Vec<Table>> {
    let names: Vec<(String, String)> = conn
        .prepare(
            "SELECT m.name, coalesce(m.sql, '') FROM sqlite_master m
             JOIN pragma_table_list t ON t.name = m.name AND t.schema = 'main'
             WHERE m.type = 'table' AND t.type = 'table' AND m.name NOT LIKE 'sqlite_%'
             ORDER BY m.rowid",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|(name, sql)| {
            let columns = conn
                .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
                .query_map([&name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Table {
                has_rowid: !sql.to_ascii_uppercase().contains("WITHOUT ROWID"),
                name,
                columns,
            })
        })
        .collect()
}

/// Rebuilds the full-text indexes and the inbox's counters from the data (after an import or
/// a recovery).
pub(crate) fn rebuild_indexes(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
         INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');",
    )?;
    crate::inbox::recount(conn)?;
    crate::health::rollups::mark_all(conn)?;
    crate::members::resolve::restore_keys(conn)?;
    crate::members::reindex_all_members(conn)
}

/// `"name"`, safe for any table or column name.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What Settings → Data shows.
pub fn overview(store: &mut crate::Store) -> Result<crate::model::DataOverview> {
    let db = store.path();
    let folder = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    Ok(crate::model::DataOverview {
        db_path: db.display().to_string(),
        data_folder: folder.display().to_string(),
        backups: backup::list_backups(db)?,
        keep_backups: store.keep_backups()?,
        demo_accounts: store.demo_accounts()?,
        totals: store.totals()?,
    })
}
