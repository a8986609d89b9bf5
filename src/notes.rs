//! Notes about members, in Markdown, written offline. Owns: adding, editing, deleting, sharing
//! and listing notes (searchable through `notes_fts`). Must never: send a note anywhere, except
//! one its author shared with the team (the team's sync carries it: `crate::team`).

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

fn in_a_team(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let in_team: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM team)", [], |r| r.get(0))?;
    if !in_team {
        return Err(Error::invalid(
            "this workspace is in no team to share the note with: create or join one in \
             Settings → Team (`hearth team`)",
        ));
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
        shared: r.get(5)?,
        author: r.get(6)?,
    })
}

impl Store {
    /// Writes a new private note about `member_id`.
    pub fn add_note(&mut self, member_id: i64, body: &str, now: Millis) -> Result<Note> {
        self.write_note(member_id, body, false, now)
    }

    /// Writes a new note about `member_id`, shared with the team or private.
    pub fn write_note(
        &mut self,
        member_id: i64,
        body: &str,
        shared: bool,
        now: Millis,
    ) -> Result<Note> {
        check_body(body)?;
        let tx = self.conn_mut().transaction()?;
        if shared {
            in_a_team(&tx)?;
        }
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)",
            [member_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::not_found("member", member_id));
        }
        let note = tx.query_row(
            "INSERT INTO notes (member_id, body, created_at, updated_at, shared, team_id)
             VALUES (?1, ?2, ?3, ?3, ?4, CASE WHEN ?4 THEN lower(hex(randomblob(16))) END)
             RETURNING id, member_id, body, created_at, updated_at, shared, author",
            params![member_id, body, now, shared],
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
                 RETURNING id, member_id, body, created_at, updated_at, shared, author",
                params![id, body, now],
                note_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::not_found("note", id))?;
        tx.commit()?;
        Ok(note)
    }

    /// Shares a note with the team, or takes it back (teammates keep nothing of it after their
    /// next sync, though what they already read was read). Sharing needs a team; a note shared
    /// again after being taken back is a new note to the team.
    pub fn share_note(&mut self, id: i64, shared: bool) -> Result<Note> {
        let tx = self.conn_mut().transaction()?;
        if shared {
            in_a_team(&tx)?;
        } else {
            let author: Option<Option<String>> = tx
                .query_row("SELECT author FROM notes WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            if let Some(Some(author)) = author {
                return Err(Error::invalid(format!(
                    "this note is {author}'s: only its author takes it back from the team"
                )));
            }
        }
        let note = tx
            .query_row(
                "UPDATE notes SET shared = ?2,
                     team_id = CASE WHEN ?2 AND shared = 0 THEN lower(hex(randomblob(16)))
                                    ELSE team_id END
                 WHERE id = ?1
                 RETURNING id, member_id, body, created_at, updated_at, shared, author",
                params![id, shared],
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
                "SELECT id, member_id, body, created_at, updated_at, shared, author FROM notes
                 WHERE member_id = ?1 ORDER BY updated_at DESC, id DESC",
            )?
            .query_map([member_id], note_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
