//! Tags, shared by conversations and members. Owns: finding or creating a tag by name
//! (case-insensitive, at most 64 characters) and listing the tags in use.

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::store::Store;

/// Finds or creates a tag by name (case-insensitive); returns its id.
pub(crate) fn ensure_tag(conn: &Connection, name: &str) -> Result<i64> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a tag needs a name"));
    }
    if name.chars().count() > 64 {
        return Err(Error::invalid("a tag name can be at most 64 characters"));
    }
    conn.prepare_cached("INSERT OR IGNORE INTO tags (name) VALUES (?1)")?
        .execute([name])?;
    Ok(conn
        .prepare_cached("SELECT id FROM tags WHERE name = ?1")?
        .query_row([name], |r| r.get(0))?)
}

impl Store {
    /// Every tag in use, alphabetically.
    pub fn tags(&self) -> Result<Vec<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT name FROM tags ORDER BY name COLLATE NOCASE")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
