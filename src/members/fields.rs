//! What the team writes on a member by hand: tags and custom fields (`member_fields`, "Plan":
//! "Pro"). Owns: adding and removing them on a live member (a merged id means the member it was
//! merged into). Must never: touch what platforms said about the person.

use rusqlite::{params, Connection};

use super::merge::live_member;
use crate::error::{Error, Result};
use crate::model::{MemberField, Millis};
use crate::store::Store;

const MAX_FIELD_NAME: usize = 64;
const MAX_FIELD_VALUE: usize = 10_000;

/// A member's custom fields, by name.
pub(crate) fn fields_of(conn: &Connection, member: i64) -> Result<Vec<MemberField>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, value FROM member_fields WHERE member_id = ?1
             ORDER BY name COLLATE NOCASE",
        )?
        .query_map([member], |r| {
            Ok(MemberField {
                name: r.get(0)?,
                value: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

fn field_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a field needs a name"));
    }
    if name.chars().count() > MAX_FIELD_NAME {
        return Err(Error::invalid(format!(
            "a field's name can be at most {MAX_FIELD_NAME} characters"
        )));
    }
    Ok(name)
}

impl Store {
    /// Adds `tag` to a member (creating the tag if new).
    pub fn tag_member(&mut self, member_id: i64, tag: &str) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let member = live_member(&tx, member_id)?;
        let tag_id = crate::tags::ensure_tag(&tx, tag)?;
        tx.execute(
            "INSERT OR IGNORE INTO member_tags (member_id, tag_id) VALUES (?1, ?2)",
            [member, tag_id],
        )?;
        crate::tags::member_tags_changed(&tx, &[member])?;
        tx.commit()?;
        Ok(())
    }

    /// Takes `tag` off a member; returns whether they had it.
    pub fn untag_member(&mut self, member_id: i64, tag: &str) -> Result<bool> {
        let tx = self.conn_mut().transaction()?;
        let member = live_member(&tx, member_id)?;
        let removed = tx.execute(
            "DELETE FROM member_tags WHERE member_id = ?1
             AND tag_id = (SELECT id FROM tags WHERE name = ?2)",
            params![member, tag.trim()],
        )?;
        if removed > 0 {
            crate::tags::member_tags_changed(&tx, &[member])?;
        }
        tx.commit()?;
        Ok(removed > 0)
    }

    /// Sets a custom field on a member (names are case-insensitive: "plan" replaces "Plan").
    pub fn set_member_field(
        &mut self,
        member_id: i64,
        name: &str,
        value: &str,
        now: Millis,
    ) -> Result<()> {
        let name = field_name(name)?;
        if value.chars().count() > MAX_FIELD_VALUE {
            return Err(Error::invalid(format!(
                "a field's value can be at most {MAX_FIELD_VALUE} characters"
            )));
        }
        let value = crate::text::clean_text(value);
        let tx = self.conn_mut().transaction()?;
        let member = live_member(&tx, member_id)?;
        // a new spelling of the name replaces the old one
        tx.execute(
            "DELETE FROM member_fields WHERE member_id = ?1 AND name = ?2",
            params![member, name],
        )?;
        tx.execute(
            "INSERT INTO member_fields (member_id, name, value) VALUES (?1, ?2, ?3)",
            params![member, name, value.as_ref()],
        )?;
        tx.execute(
            "UPDATE members SET updated_at = ?2 WHERE id = ?1",
            params![member, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a custom field from a member; returns whether they had it.
    pub fn unset_member_field(&mut self, member_id: i64, name: &str, now: Millis) -> Result<bool> {
        let name = field_name(name)?;
        let tx = self.conn_mut().transaction()?;
        let member = live_member(&tx, member_id)?;
        let removed = tx.execute(
            "DELETE FROM member_fields WHERE member_id = ?1 AND name = ?2",
            params![member, name],
        )?;
        if removed > 0 {
            tx.execute(
                "UPDATE members SET updated_at = ?2 WHERE id = ?1",
                params![member, now],
            )?;
        }
        tx.commit()?;
        Ok(removed > 0)
    }

    /// A member's custom fields, by name.
    pub fn member_fields(&self, member_id: i64) -> Result<Vec<MemberField>> {
        let member = live_member(self.conn(), member_id)?;
        fields_of(self.conn(), member)
    }
}
