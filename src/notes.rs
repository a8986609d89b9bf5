//! Private notes about members, in Markdown, written offline. Owns: adding, editing, deleting
//! and listing notes (searchable through `notes_fts`). Must never: send a note anywhere.

use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{Millis, Note};
use crate::store::Store;

const MAX_NOTE_CHARS: usize = 100_000;

fn check_body(body: &str) -> Result<()> {
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid(format!(
            "a note can hold at most {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(())
}

fn note_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    let body: String = r.get(2)?;
    Ok(Note {
        id: r.get(0)?,
        member_id: r.get(1)?,
        html: crate::sanitize::render_markdown(&body),
        body,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

impl Store {
    /// Writes a new note about `member_id`.
    pub fn add_note(&mut self, member_id: i64, body: &str, now: Millis) -> Result<Note> {
        check_body(body)?;
        let tx = self.conn_mut().transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)",
            [member_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::not_found("member", member_id));
        }
        let note = tx.query_row(
            "INSERT INTO notes (member_id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             RETURNING id, member_id, body, created_at, updated_at",
            params![member_id, body, now],
            note_from_row,
        )?;
        tx.commit()?;
        Ok(note)
    }

    /// Replaces a note's text.
    pub fn update_note(&mut self, id: i64, body: &str, now: Millis) -> Result<Note> {
        check_body(body)?;
        let tx = self.conn_mut().transaction()?;
        let note = tx
            .query_row(
                "UPDATE notes SET body = ?2, updated_at = ?3 WHERE id = ?1
                 RETURNING id, member_id, body, created_at, updated_at",
                params![id, body, now],
                note_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::not_found("note", id))?;
        tx.commit()?;
        Ok(note)
    }

    pub fn delete_note(&mut self, id: i64) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        if tx.execute("DELETE FROM notes WHERE id = ?1", [id])? == 0 {
            return Err(Error::not_found("note", id));
        }
        tx.commit()?;
        Ok(())
    }

    /// A member's notes, most recently changed first. An unknown member is an error, so a
    /// typo never looks like "no notes".
    pub fn notes(&self, member_id: i64) -> Result<Vec<Note>> {
        let conn = self.conn();
        let exists: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)")?
            .query_row([member_id], |r| r.get(0))?;
        if !exists {
            return Err(Error::not_found("member", member_id));
        }
        Ok(conn
            .prepare_cached(
                "SELECT id, member_id, body, created_at, updated_at FROM notes
                 WHERE member_id = ?1 ORDER BY updated_at DESC, id DESC",
            )?
            .query_map([member_id], note_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
