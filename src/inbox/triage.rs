//! Triage: what a community manager does to a conversation (done, open, waiting, snooze, tag,
//! assign, priority, and putting back an earlier state for undo). Owns: each action as one
//! transaction, and when a conversation counts as triaged.
//! Must never: touch a conversation's messages.

use rusqlite::{params, Transaction};

use crate::error::{Error, Result};
use crate::model::{InboxItem, Millis, Status, TriageAction, TriageEach, TriageState};
use crate::store::Store;
use crate::tags::tag_conversation;

impl Store {
    /// Applies one triage action and returns the conversation as the inbox now shows it.
    pub fn triage(&mut self, id: i64, action: &TriageAction, now: Millis) -> Result<InboxItem> {
        let tx = self.conn_mut().transaction()?;
        triage_in(&tx, id, action, now)?;
        tx.commit()?;
        self.conversation_item(id, now)
    }

    /// Applies many triage actions, in order, in one transaction: all of them or none (the
    /// demo's inbox).
    pub fn triage_all(&mut self, actions: &[(i64, TriageAction)], now: Millis) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        for (id, action) in actions {
            triage_in(&tx, *id, action, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A bulk action (or its undo): every action applied in one transaction, all or none, and
    /// each conversation returned as the inbox now shows it, in the order given.
    pub fn triage_each(&mut self, each: &[TriageEach], now: Millis) -> Result<Vec<InboxItem>> {
        let tx = self.conn_mut().transaction()?;
        for e in each {
            triage_in(&tx, e.id, &e.action, now)?;
        }
        tx.commit()?;
        let mut ids: Vec<i64> = Vec::new();
        for e in each {
            if !ids.contains(&e.id) {
                ids.push(e.id);
            }
        }
        ids.into_iter()
            .map(|id| self.conversation_item(id, now))
            .collect()
    }
}

/// One triage action inside the caller's transaction.
fn triage_in(tx: &Transaction<'_>, id: i64, action: &TriageAction, now: Millis) -> Result<()> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(Error::not_found("conversation", id));
    }
    match action {
        TriageAction::Done => {
            tx.execute(
                "UPDATE conversations SET status = 'done', snoozed_until = NULL, triaged_at = ?2
                     WHERE id = ?1",
                params![id, now],
            )?;
        }
        TriageAction::Open => {
            tx.execute(
                "UPDATE conversations SET status = 'open', snoozed_until = NULL, triaged_at = ?2
                     WHERE id = ?1",
                params![id, now],
            )?;
        }
        TriageAction::Waiting => {
            tx.execute(
                "UPDATE conversations SET status = 'waiting', snoozed_until = NULL,
                     triaged_at = ?2
                 WHERE id = ?1",
                params![id, now],
            )?;
        }
        TriageAction::Restore { state } => restore(tx, id, state, now)?,
        TriageAction::Snooze { until } => {
            if *until <= now {
                return Err(Error::invalid("a snooze must end in the future"));
            }
            tx.execute(
                "UPDATE conversations SET status = 'snoozed', snoozed_until = ?2, triaged_at = ?3
                     WHERE id = ?1",
                params![id, until, now],
            )?;
        }
        TriageAction::Tag { tag } => tag_conversation(tx, id, tag)?,
        TriageAction::Untag { tag } => {
            tx.execute(
                "DELETE FROM conversation_tags WHERE conversation_id = ?1
                       AND tag_id = (SELECT id FROM tags WHERE name = ?2)",
                params![id, tag.trim()],
            )?;
        }
        TriageAction::Assign { assignee } => {
            let assignee = assignee.as_deref().map(str::trim).filter(|a| !a.is_empty());
            tx.execute(
                "UPDATE conversations SET assignee = ?2 WHERE id = ?1",
                params![id, assignee],
            )?;
        }
        TriageAction::Priority { priority } => {
            if !(0..=4).contains(priority) {
                return Err(Error::invalid("priority goes from 0 (none) to 4 (urgent)"));
            }
            tx.execute(
                "UPDATE conversations SET priority = ?2 WHERE id = ?1",
                params![id, priority],
            )?;
        }
    }
    Ok(())
}

/// Puts back `state` exactly: status, snooze time, assignee, priority and tags (what undo of any
/// triage action, or of a bulk one, needs). A snooze that has run out meanwhile comes back as
/// open, since the conversation would be open by now.
pub(crate) fn restore(
    tx: &Transaction<'_>,
    id: i64,
    state: &TriageState,
    now: Millis,
) -> Result<()> {
    if !(0..=4).contains(&state.priority) {
        return Err(Error::invalid("priority goes from 0 (none) to 4 (urgent)"));
    }
    let (status, until) = match (state.status, state.snoozed_until) {
        (Status::Snoozed, Some(until)) if until > now => (Status::Snoozed, Some(until)),
        (Status::Snoozed, _) => (Status::Open, None),
        (status, _) => (status, None),
    };
    let assignee = state
        .assignee
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    tx.execute(
        "UPDATE conversations SET status = ?2, snoozed_until = ?3, assignee = ?4, priority = ?5,
             triaged_at = ?6
         WHERE id = ?1",
        params![id, status.as_str(), until, assignee, state.priority, now],
    )?;
    tx.execute(
        "DELETE FROM conversation_tags WHERE conversation_id = ?1",
        [id],
    )?;
    for tag in &state.tags {
        if !tag.trim().is_empty() {
            tag_conversation(tx, id, tag)?;
        }
    }
    Ok(())
}
