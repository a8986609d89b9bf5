//! Merging two members into one, and undoing it exactly. Owns: the `merges` history (who, when,
//! how, why, with the evidence), the tombstone a merged member leaves (`members.merged_into`),
//! rejected pairs, and putting back on undo exactly what the merge moved: identities (and with
//! them the conversations' authors), activity, notes, reminders, tags, custom fields and the profile fields
//! the merge filled in. Must never: decide whether two members are one person (`resolve` does).

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::resolve::model::Factor;
use super::{reindex_member, settle_counts};
use crate::error::{Error, Result};
use crate::model::{MergeRecord, Millis};
use crate::store::Store;

/// How a merge came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Automatic, on evidence a platform vouches for.
    Proof,
    /// A suggestion a person accepted.
    Accepted,
    /// Two members a person chose.
    Manual,
}

impl How {
    fn as_str(self) -> &'static str {
        match self {
            How::Proof => "proof",
            How::Accepted => "accepted",
            How::Manual => "manual",
        }
    }
}

/// Why a merge is made: in words, and factor by factor.
#[derive(Debug, Clone)]
pub struct Why {
    pub how: How,
    pub decided_by: String,
    pub reason: String,
    pub evidence: Vec<Factor>,
    pub score: Option<f64>,
}

/// The profile fields a merge can fill in on the member it keeps.
const FILLED: [&str; 4] = ["organization", "location", "bio", "avatar_url"];

/// What a merge moved, for undoing it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Moved {
    identities: Vec<i64>,
    notes: Vec<i64>,
    /// Tags the absorbed member had that the kept one did not.
    tags: Vec<i64>,
    /// Custom fields copied to the kept member (it had none of that name).
    fields: Vec<String>,
    /// Profile fields the merge filled in on the kept member: name → value it was given.
    filled: Vec<(String, String)>,
    kept_first_seen_at: Option<Millis>,
    kept_is_team: bool,
    /// The organisation the merge gave the kept member (it had none, nor one chosen by hand).
    organization: Option<i64>,
    /// How the kept member's organisation had been set before (`hand` or none).
    kept_organization_set_by: Option<String>,
    /// Follow-up reminders on the absorbed member (merges made before reminders had none).
    #[serde(default)]
    reminders: Vec<i64>,
}

fn member_exists(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1 AND merged_into IS NULL)",
        [id],
        |r| r.get(0),
    )?)
}

/// Who decides, in the merge history, when a person merges or tells members apart on this
/// laptop: their login name ("you" when the system has none).
pub fn local_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "you".into())
}

/// Merges `absorb` into `keep` inside the caller's transaction, recording why; returns the
/// merge's id. Both must be live members and differ.
pub(crate) fn merge_in(
    conn: &Connection,
    keep: i64,
    absorb: i64,
    why: &Why,
    now: Millis,
) -> Result<i64> {
    if keep == absorb {
        return Err(Error::invalid("a member cannot be merged into themself"));
    }
    for id in [keep, absorb] {
        if !member_exists(conn, id)? {
            return Err(Error::not_found("member", id));
        }
    }
    fn column<T: rusqlite::types::FromSql>(
        conn: &Connection,
        sql: &str,
        p: &[i64],
    ) -> Result<Vec<T>> {
        Ok(conn
            .prepare_cached(sql)?
            .query_map(rusqlite::params_from_iter(p), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }
    let mut moved = Moved {
        identities: column(
            conn,
            "SELECT id FROM identities WHERE member_id = ?1",
            &[absorb],
        )?,
        notes: column(conn, "SELECT id FROM notes WHERE member_id = ?1", &[absorb])?,
        reminders: column(
            conn,
            "SELECT id FROM reminders WHERE member_id = ?1",
            &[absorb],
        )?,
        tags: column(
            conn,
            "SELECT tag_id FROM member_tags WHERE member_id = ?2
             AND tag_id NOT IN (SELECT tag_id FROM member_tags WHERE member_id = ?1)",
            &[keep, absorb],
        )?,
        fields: column(
            conn,
            "SELECT name FROM member_fields WHERE member_id = ?2
             AND name NOT IN (SELECT name FROM member_fields WHERE member_id = ?1)",
            &[keep, absorb],
        )?,
        ..Default::default()
    };
    let (first_seen, is_team): (Option<Millis>, bool) = conn.query_row(
        "SELECT first_seen_at, is_team FROM members WHERE id = ?1",
        [keep],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    moved.kept_first_seen_at = first_seen;
    moved.kept_is_team = is_team;
    for field in FILLED {
        let value: Option<String> = conn
            .query_row(
                &format!(
                    "SELECT a.{field} FROM members k, members a
                 WHERE k.id = ?1 AND a.id = ?2 AND k.{field} IS NULL AND a.{field} IS NOT NULL"
                ),
                params![keep, absorb],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if let Some(value) = value {
            conn.execute(
                &format!("UPDATE members SET {field} = ?2 WHERE id = ?1"),
                params![keep, value],
            )?;
            moved.filled.push((field.to_string(), value));
        }
    }
    let (kept_org, kept_set_by, absorbed_org, absorbed_set_by): (
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<String>,
    ) = conn.query_row(
        "SELECT k.organization_id, k.organization_set_by, a.organization_id, a.organization_set_by
         FROM members k, members a WHERE k.id = ?1 AND a.id = ?2",
        [keep, absorb],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    if let (None, None, Some(org)) = (kept_org, &kept_set_by, absorbed_org) {
        conn.execute(
            "UPDATE members SET organization_id = ?2, organization_set_by = ?3 WHERE id = ?1",
            params![keep, org, absorbed_set_by],
        )?;
        moved.organization = Some(org);
        moved.kept_organization_set_by = kept_set_by;
    }

    conn.execute(
        "UPDATE identities SET member_id = ?1 WHERE member_id = ?2",
        [keep, absorb],
    )?;
    conn.execute(
        "UPDATE member_activity SET member_id = ?1 WHERE member_id = ?2",
        [keep, absorb],
    )?;
    conn.execute(
        "UPDATE notes SET member_id = ?1 WHERE member_id = ?2",
        [keep, absorb],
    )?;
    conn.execute(
        "UPDATE reminders SET member_id = ?1 WHERE member_id = ?2",
        [keep, absorb],
    )?;
    let tagged = conn.execute(
        "INSERT OR IGNORE INTO member_tags (member_id, tag_id)
         SELECT ?1, tag_id FROM member_tags WHERE member_id = ?2",
        [keep, absorb],
    )?;
    if tagged > 0 {
        // rules on member tags weigh their conversations again
        crate::tags::member_tags_changed(conn, &[keep])?;
    }
    conn.execute(
        "INSERT OR IGNORE INTO member_fields (member_id, name, value)
         SELECT ?1, name, value FROM member_fields WHERE member_id = ?2",
        [keep, absorb],
    )?;
    conn.execute(
        "UPDATE members SET
             is_team = max(is_team, (SELECT is_team FROM members WHERE id = ?2)),
             first_seen_at = CASE
                 WHEN first_seen_at IS NULL THEN (SELECT first_seen_at FROM members WHERE id = ?2)
                 ELSE min(first_seen_at, coalesce((SELECT first_seen_at FROM members WHERE id = ?2),
                                                  first_seen_at)) END,
             updated_at = ?3
         WHERE id = ?1",
        params![keep, absorb, now],
    )?;
    conn.execute(
        "UPDATE members SET merged_into = ?1, updated_at = ?3 WHERE id = ?2",
        params![keep, absorb, now],
    )?;
    conn.execute(
        "DELETE FROM merge_suggestions WHERE member_a = ?1 OR member_b = ?1",
        [absorb],
    )?;
    conn.execute(
        "DELETE FROM merge_suggestions WHERE (member_a = ?1 AND member_b = ?2)
             OR (member_a = ?2 AND member_b = ?1)",
        [keep, absorb],
    )?;
    conn.execute("DELETE FROM members_fts WHERE rowid = ?1", [absorb])?;
    settle_counts(conn, keep)?;
    reindex_member(conn, keep)?;
    let evidence = serde_json::to_string(&why.evidence)
        .map_err(|e| Error::invalid(format!("cannot record the evidence: {e}")))?;
    let moved = serde_json::to_string(&moved)
        .map_err(|e| Error::invalid(format!("cannot record the merge: {e}")))?;
    conn.execute(
        "INSERT INTO merges (kept_member_id, absorbed_member_id, merged_at, how, decided_by,
                             reason, evidence, score, moved)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            keep,
            absorb,
            now,
            why.how.as_str(),
            why.decided_by,
            why.reason,
            evidence,
            why.score,
            moved
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Undoes merge `merge_id` inside the caller's transaction: the absorbed member comes back
/// under its own id with what the merge moved, wherever those are now, and the pair is
/// remembered as two people. Returns the member brought back.
pub(crate) fn unmerge_in(conn: &Connection, merge_id: i64, now: Millis) -> Result<i64> {
    let (kept, absorb, moved, undone): (i64, i64, String, Option<Millis>) = conn
        .query_row(
            "SELECT kept_member_id, absorbed_member_id, moved, undone_at FROM merges WHERE id = ?1",
            [merge_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
        .ok_or_else(|| Error::not_found("merge", merge_id))?;
    if undone.is_some() {
        return Err(Error::invalid(format!(
            "merge {merge_id} was already undone"
        )));
    }
    let moved: Moved = serde_json::from_str(&moved)
        .map_err(|e| Error::invalid(format!("merge {merge_id} cannot be read: {e}")))?;
    // the member that holds what was moved now (the kept one, or whoever absorbed it since)
    let holder: Option<i64> = conn
        .query_row(
            "SELECT merged_into FROM members WHERE id = ?1",
            [absorb],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let Some(holder) = holder else {
        return Err(Error::invalid(format!(
            "merge {merge_id} cannot be undone: member {absorb} is not merged into anyone"
        )));
    };
    let holder = live_member(conn, holder)?;
    let moved_identities = serde_json::to_string(&moved.identities).unwrap_or_default();
    let list = "(SELECT value FROM json_each(?2))";
    conn.execute(
        &format!("UPDATE identities SET member_id = ?1 WHERE id IN {list}"),
        params![absorb, moved_identities],
    )?;
    conn.execute(
        &format!("UPDATE member_activity SET member_id = ?1 WHERE identity_id IN {list}"),
        params![absorb, moved_identities],
    )?;
    conn.execute(
        &format!("UPDATE notes SET member_id = ?1 WHERE id IN {list}"),
        params![
            absorb,
            serde_json::to_string(&moved.notes).unwrap_or_default()
        ],
    )?;
    conn.execute(
        &format!("UPDATE reminders SET member_id = ?1 WHERE id IN {list}"),
        params![
            absorb,
            serde_json::to_string(&moved.reminders).unwrap_or_default()
        ],
    )?;
    let tags = serde_json::to_string(&moved.tags).unwrap_or_default();
    conn.execute(
        &format!("DELETE FROM member_tags WHERE member_id = ?1 AND tag_id IN {list}"),
        params![holder, tags],
    )?;
    let fields = serde_json::to_string(&moved.fields).unwrap_or_default();
    conn.execute(
        &format!(
            "DELETE FROM member_fields WHERE member_id = ?1 AND name IN {list}
             AND value = (SELECT f.value FROM member_fields f
                          WHERE f.member_id = ?3 AND f.name = member_fields.name)"
        ),
        params![holder, fields, absorb],
    )?;
    for (field, value) in &moved.filled {
        if FILLED.contains(&field.as_str()) {
            // only if nobody changed it since
            conn.execute(
                &format!("UPDATE members SET {field} = NULL WHERE id = ?1 AND {field} = ?2"),
                params![holder, value],
            )?;
        }
    }
    if let Some(org) = moved.organization {
        // only if nobody changed it since
        conn.execute(
            "UPDATE members SET organization_id = NULL, organization_set_by = ?3
             WHERE id = ?1 AND organization_id = ?2",
            params![holder, org, moved.kept_organization_set_by],
        )?;
    }
    if kept == holder {
        conn.execute(
            "UPDATE members SET first_seen_at = ?2, is_team = ?3 WHERE id = ?1",
            params![holder, moved.kept_first_seen_at, moved.kept_is_team],
        )?;
    }
    conn.execute(
        "UPDATE members SET merged_into = NULL, updated_at = ?2 WHERE id = ?1",
        params![absorb, now],
    )?;
    conn.execute(
        "UPDATE merges SET undone_at = ?2 WHERE id = ?1",
        params![merge_id, now],
    )?;
    // told apart by a person: never suggested or merged again
    reject_in(conn, holder, absorb, now)?;
    for m in [holder, absorb] {
        settle_counts(conn, m)?;
        reindex_member(conn, m)?;
    }
    Ok(absorb)
}

/// Remembers that members `a` and `b` are different people: every pair of their identities.
pub(crate) fn reject_in(conn: &Connection, a: i64, b: i64, now: Millis) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO merge_rejections (identity_a, identity_b, rejected_at)
         SELECT min(x.id, y.id), max(x.id, y.id), ?3
         FROM identities x, identities y
         WHERE x.member_id = ?1 AND y.member_id = ?2 AND x.id <> y.id",
        params![a, b, now],
    )?;
    conn.execute(
        "DELETE FROM merge_suggestions WHERE member_a = min(?1, ?2) AND member_b = max(?1, ?2)",
        params![a, b],
    )?;
    Ok(())
}

/// Whether a person said some identity of `a` and some of `b` are different people.
pub(crate) fn rejected(conn: &Connection, a: i64, b: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM identities x JOIN identities y
                ON y.member_id = ?2
               JOIN merge_rejections r
                ON r.identity_a = min(x.id, y.id) AND r.identity_b = max(x.id, y.id)
             WHERE x.member_id = ?1)",
        )?
        .query_row(params![a, b], |r| r.get(0))?)
}

/// The member that `id` is now: itself, or whoever absorbed it.
pub(crate) fn live_member(conn: &Connection, id: i64) -> Result<i64> {
    let mut id = id;
    for _ in 0..64 {
        let next: Option<Option<i64>> = conn
            .query_row("SELECT merged_into FROM members WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match next {
            None => return Err(Error::not_found("member", id)),
            Some(None) => return Ok(id),
            Some(Some(n)) => id = n,
        }
    }
    Err(Error::invalid(format!("member {id} is merged in a loop")))
}

impl Store {
    /// Merges member `absorb` into `keep` by a person's choice.
    pub fn merge_members(
        &mut self,
        keep: i64,
        absorb: i64,
        decided_by: &str,
        now: Millis,
    ) -> Result<i64> {
        let tx = self.conn_mut().transaction()?;
        let keep = live_member(&tx, keep)?;
        let absorb = live_member(&tx, absorb)?;
        let id = merge_in(
            &tx,
            keep,
            absorb,
            &Why {
                how: How::Manual,
                decided_by: decided_by.to_string(),
                reason: "merged by hand".into(),
                evidence: Vec::new(),
                score: None,
            },
            now,
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Undoes one merge (the newest one into `member` when `merge` is `None`); returns the
    /// member brought back.
    pub fn unmerge(&mut self, member: i64, merge: Option<i64>, now: Millis) -> Result<i64> {
        let tx = self.conn_mut().transaction()?;
        let member = live_member(&tx, member)?;
        let merge_id = match merge {
            Some(id) => {
                let absorbed: Option<i64> = tx
                    .query_row(
                        "SELECT absorbed_member_id FROM merges WHERE id = ?1",
                        [id],
                        |r| r.get(0),
                    )
                    .optional()?;
                let absorbed = absorbed.ok_or_else(|| Error::not_found("merge", id))?;
                if live_member(&tx, absorbed)? != member {
                    return Err(Error::invalid(format!(
                        "merge {id} is not part of member {member}'s history"
                    )));
                }
                id
            }
            None => newest_merge(&tx, member)?
                .ok_or_else(|| Error::invalid(format!("member {member} has no merge to undo")))?,
        };
        let back = unmerge_in(&tx, merge_id, now)?;
        tx.commit()?;
        Ok(back)
    }

    /// Every merge that made `member` what it is, newest first (undone ones too).
    pub fn merge_history(&self, member: i64) -> Result<Vec<MergeRecord>> {
        let conn = self.conn();
        let member = live_member(conn, member)?;
        let mut stmt = conn.prepare_cached(
            "WITH RECURSIVE part(id) AS (
                 SELECT ?1 UNION SELECT m.id FROM members m JOIN part p ON m.merged_into = p.id
             )
             SELECT g.id, g.kept_member_id, g.absorbed_member_id,
                    (SELECT display_name FROM members WHERE id = g.absorbed_member_id),
                    g.merged_at, g.how, g.decided_by, g.reason, g.evidence, g.score, g.undone_at
             FROM merges g
             WHERE g.kept_member_id IN (SELECT id FROM part)
             ORDER BY g.merged_at DESC, g.id DESC",
        )?;
        let rows = stmt
            .query_map([member], |r| {
                let evidence: String = r.get(8)?;
                Ok(MergeRecord {
                    id: r.get(0)?,
                    kept_member_id: r.get(1)?,
                    absorbed_member_id: r.get(2)?,
                    absorbed_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    merged_at: r.get(4)?,
                    how: r.get(5)?,
                    decided_by: r.get(6)?,
                    reason: r.get(7)?,
                    evidence: serde_json::from_str(&evidence).unwrap_or_default(),
                    score: r.get(9)?,
                    undone_at: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Says members `a` and `b` are different people: never suggested or merged again.
    pub fn reject_merge(&mut self, a: i64, b: i64, now: Millis) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let a = live_member(&tx, a)?;
        let b = live_member(&tx, b)?;
        if a == b {
            return Err(Error::invalid(format!(
                "members {a} and {b} are already one member; undo their merge instead"
            )));
        }
        reject_in(&tx, a, b, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The member a possibly merged id stands for now.
    pub fn current_member(&self, id: i64) -> Result<i64> {
        live_member(self.conn(), id)
    }
}

/// The newest merge, not undone, whose absorbed member now lives in `member`.
fn newest_merge(conn: &Connection, member: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "WITH RECURSIVE part(id) AS (
                 SELECT ?1 UNION SELECT m.id FROM members m JOIN part p ON m.merged_into = p.id
             )
             SELECT id FROM merges
             WHERE undone_at IS NULL AND absorbed_member_id IN (SELECT id FROM part)
               AND absorbed_member_id <> ?1
             ORDER BY merged_at DESC, id DESC LIMIT 1",
            [member],
            |r| r.get(0),
        )
        .optional()?)
}
