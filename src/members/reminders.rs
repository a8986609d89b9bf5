//! Follow-up reminders on members ("ask Maria about her talk", due Friday). Owns: the
//! `reminders` table, when one is due (its time has come, or its snooze ran out), and done /
//! snooze / reopen, each one transaction. Due reminders are shown at the top of the inbox
//! (`Store::inbox`), triaged with the same keys as a conversation. A merge moves a member's
//! reminders to the member kept and an unmerge brings them back (`merge.rs`).
//! Must never: send anything; a reminder is the team's own and stays local.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{Millis, Reminder, Status};
use crate::store::Store;

use super::merge::live_member;

const COLUMNS: &str = "r.id, r.member_id, m.display_name, r.body, r.due_at, r.status,
    r.snoozed_until, r.created_at, r.done_at";

/// Due as of `?1`: open and its time has come, or snoozed and the snooze ran out.
const DUE: &str = "((r.status = 'open' AND r.due_at <= ?1)
    OR (r.status = 'snoozed' AND r.snoozed_until <= ?1))";

fn from_row(r: &rusqlite::Row<'_>, now: Millis) -> rusqlite::Result<Reminder> {
    let status: String = r.get(5)?;
    let mut status: Status = status.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, e.into())
    })?;
    let due_at: Millis = r.get(4)?;
    let snoozed_until: Option<Millis> = r.get(6)?;
    if status == Status::Snoozed && snoozed_until.is_some_and(|u| u <= now) {
        status = Status::Open;
    }
    let due = match status {
        Status::Open => due_at <= now || snoozed_until.is_some_and(|u| u <= now),
        _ => false,
    };
    Ok(Reminder {
        id: r.get(0)?,
        member_id: r.get(1)?,
        member_name: r.get(2)?,
        body: r.get(3)?,
        due_at,
        status,
        snoozed_until,
        created_at: r.get(7)?,
        done_at: r.get(8)?,
        due,
    })
}

/// Reminders due as of `now`, soonest first.
pub(crate) fn due_reminders(conn: &Connection, now: Millis) -> Result<Vec<Reminder>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM reminders r JOIN members m ON m.id = r.member_id
             WHERE {DUE} ORDER BY coalesce(r.snoozed_until, r.due_at), r.id"
        ))?
        .query_map([now], |r| from_row(r, now))?
        .collect::<rusqlite::Result<_>>()?)
}

/// How many reminders are due as of `now`.
pub(crate) fn due_count(conn: &Connection, now: Millis) -> Result<i64> {
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) FROM reminders r WHERE {DUE}"))?
        .query_row([now], |r| r.get(0))?)
}

/// A member's reminders not done yet, soonest first.
pub(crate) fn member_reminders(
    conn: &Connection,
    member: i64,
    now: Millis,
) -> Result<Vec<Reminder>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM reminders r JOIN members m ON m.id = r.member_id
             WHERE r.member_id = ?2 AND r.status <> 'done'
             ORDER BY coalesce(r.snoozed_until, r.due_at), r.id"
        ))?
        .query_map(params![now, member], |r| from_row(r, now))?
        .collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// Adds a follow-up on `member`, due at `due_at` (a time already past is due at once).
    pub fn add_reminder(
        &mut self,
        member: i64,
        body: &str,
        due_at: Millis,
        now: Millis,
    ) -> Result<Reminder> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Error::invalid(
                "a reminder needs some text: what to follow up on",
            ));
        }
        let tx = self.conn_mut().transaction()?;
        let member = live_member(&tx, member)?;
        tx.execute(
            "INSERT INTO reminders (member_id, body, due_at, status, created_at)
             VALUES (?1, ?2, ?3, 'open', ?4)",
            params![member, body, due_at, now],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        self.reminder(id, now)
    }

    /// One reminder, as of `now`.
    pub fn reminder(&self, id: i64, now: Millis) -> Result<Reminder> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM reminders r JOIN members m ON m.id = r.member_id
                 WHERE r.id = ?2"
            ))?
            .query_row(params![now, id], |r| from_row(r, now))
            .optional()?
            .ok_or_else(|| Error::not_found("reminder", id))
    }

    /// Reminders not done yet (with `all`, done ones too), soonest first; of one member when
    /// `member` is given.
    pub fn reminders(&self, member: Option<i64>, all: bool, now: Millis) -> Result<Vec<Reminder>> {
        let conn = self.conn();
        let member = member.map(|m| live_member(conn, m)).transpose()?;
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM reminders r JOIN members m ON m.id = r.member_id
                 WHERE (?2 IS NULL OR r.member_id = ?2) AND (?3 OR r.status <> 'done')
                 ORDER BY r.status = 'done', coalesce(r.snoozed_until, r.due_at), r.id"
            ))?
            .query_map(params![now, member, all], |r| from_row(r, now))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Reminders due as of `now`, soonest first (what the inbox shows on top).
    pub fn due_reminders(&self, now: Millis) -> Result<Vec<Reminder>> {
        due_reminders(self.conn(), now)
    }

    /// Marks a reminder done.
    pub fn reminder_done(&mut self, id: i64, now: Millis) -> Result<Reminder> {
        self.set_reminder(
            id,
            "UPDATE reminders SET status = 'done', snoozed_until = NULL, done_at = ?2 WHERE id = ?1",
            params![id, now],
            now,
        )
    }

    /// Hides a reminder until `until`, then it is due again.
    pub fn reminder_snooze(&mut self, id: i64, until: Millis, now: Millis) -> Result<Reminder> {
        if until <= now {
            return Err(Error::invalid("a snooze must end in the future"));
        }
        self.set_reminder(
            id,
            "UPDATE reminders SET status = 'snoozed', snoozed_until = ?2, done_at = NULL
             WHERE id = ?1",
            params![id, until],
            now,
        )
    }

    /// Opens a done or snoozed reminder again (due at its own time).
    pub fn reminder_reopen(&mut self, id: i64, now: Millis) -> Result<Reminder> {
        self.set_reminder(
            id,
            "UPDATE reminders SET status = 'open', snoozed_until = NULL, done_at = NULL
             WHERE id = ?1",
            params![id],
            now,
        )
    }

    /// Deletes a reminder.
    pub fn remove_reminder(&mut self, id: i64) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        if tx.execute("DELETE FROM reminders WHERE id = ?1", [id])? == 0 {
            return Err(Error::not_found("reminder", id));
        }
        tx.commit()?;
        Ok(())
    }

    fn set_reminder(
        &mut self,
        id: i64,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
        now: Millis,
    ) -> Result<Reminder> {
        let tx = self.conn_mut().transaction()?;
        let n = tx.execute(sql, args)?;
        if n == 0 {
            return Err(Error::not_found("reminder", id));
        }
        tx.commit()?;
        self.reminder(id, now)
    }
}
