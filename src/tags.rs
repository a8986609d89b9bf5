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

/// Tags a conversation (creating the tag if new); a tag it already has stays as it is.
pub(crate) fn tag_conversation(conn: &Connection, conversation: i64, tag: &str) -> Result<()> {
    let tag_id = ensure_tag(conn, tag)?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id) VALUES (?1, ?2)",
    )?
    .execute([conversation, tag_id])?;
    Ok(())
}

/// After a member's tags changed: their conversations not done are weighed again by the rules
/// at the next sweep (a rule on "member tagged vip" ranks them; `inbox/rules.rs`).
pub(crate) fn member_tags_changed(conn: &Connection, members: &[i64]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE conversations SET rule_due_at = 0
         WHERE status <> 'done' AND id IN (
             SELECT DISTINCT m.conversation_id FROM messages m
             JOIN identities i ON i.id = m.author_identity_id
             WHERE i.member_id = ?1 AND m.from_us = 0)",
    )?;
    for m in members {
        stmt.execute([m])?;
    }
    Ok(())
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
