//! Writing what came from a platform into the store. Owns: idempotent upserts of identities,
//! conversations and messages keyed by `(platform, account, external_id)`, sanitising HTML on
//! the way in, member activity, the denormalised inbox/member counters, and reopening a done
//! or snoozed conversation when someone other than the team writes in it again. One [`Batch`] is one transaction: it is written
//! whole or not at all, so a sync cursor saved with it can never point past lost data.
//! Must never: talk to the network or know a platform's wire format (connectors translate).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

pub use crate::platform::batch::{
    Batch, IncomingConversation, IncomingIdentity, IncomingMessage, Quarantined,
};

use crate::error::{Error, Result};
use crate::model::{Millis, Platform};
use crate::sanitize;
use crate::store::Store;
use crate::text::{clean_name, clean_text};

/// The longest message Hearth keeps (text or HTML); a longer one is kept aside.
const MAX_MESSAGE: usize = 1 << 20;

/// What one batch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub identities_added: u64,
    pub conversations_added: u64,
    pub messages_added: u64,
    pub messages_updated: u64,
    pub conversations_reopened: u64,
    /// Records kept aside because they could not be read.
    pub quarantined: u64,
}

impl std::ops::AddAssign for IngestReport {
    fn add_assign(&mut self, o: Self) {
        self.quarantined += o.quarantined;
        self.identities_added += o.identities_added;
        self.conversations_added += o.conversations_added;
        self.messages_added += o.messages_added;
        self.messages_updated += o.messages_updated;
        self.conversations_reopened += o.conversations_reopened;
    }
}

struct AccountInfo {
    id: i64,
    platform: Platform,
    self_external_id: Option<String>,
}

#[derive(Default)]
struct ConvDelta {
    added: i64,
    last_at: Millis,
    last_id: i64,
    reopen_after: Option<Millis>,
}

#[derive(Default)]
struct MemberDelta {
    added: i64,
    first_at: Option<Millis>,
    last_at: Option<Millis>,
}

impl Store {
    /// Writes `batch` for `account_id` in one transaction. Re-ingesting the same batch changes
    /// nothing; an edited message is updated in place.
    pub fn ingest(&mut self, account_id: i64, batch: &Batch, now: Millis) -> Result<IngestReport> {
        let tx = self.conn_mut().transaction()?;
        let report = ingest_in(&tx, account_id, batch, now)?;
        tx.commit()?;
        Ok(report)
    }
}

/// Writes `batch` inside the caller's transaction (the sync engine commits a page's cursors
/// with it).
pub(crate) fn ingest_in(
    tx: &Transaction<'_>,
    account_id: i64,
    batch: &Batch,
    now: Millis,
) -> Result<IngestReport> {
    let account = tx
        .query_row(
            "SELECT id, platform, self_external_id FROM accounts WHERE id = ?1",
            [account_id],
            |r| {
                Ok(AccountInfo {
                    id: r.get(0)?,
                    platform: crate::store::platform_col(r, 1)?,
                    self_external_id: r.get(2)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::not_found("account", account_id))?;
    write_batch(tx, &account, batch, now)
}

fn write_batch(
    tx: &Transaction<'_>,
    account: &AccountInfo,
    batch: &Batch,
    now: Millis,
) -> Result<IngestReport> {
    let mut report = IngestReport::default();
    let platform = account.platform.as_str();

    // --- identities -------------------------------------------------------------------------
    let mut identities: HashMap<&str, (i64, i64)> = HashMap::new();
    let mut touched_members: Vec<i64> = Vec::new();
    {
        let mut find = tx.prepare_cached(
            "SELECT id, member_id FROM identities
             WHERE platform = ?1 AND account_id = ?2 AND external_id = ?3",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE identities SET handle = ?2, display_name = coalesce(?3, display_name),
                 email = coalesce(?4, email), profile_url = coalesce(?5, profile_url),
                 avatar_url = coalesce(?6, avatar_url), raw = coalesce(?7, raw)
             WHERE id = ?1
               AND (handle IS NOT ?2 OR display_name IS NOT coalesce(?3, display_name)
                    OR email IS NOT coalesce(?4, email)
                    OR profile_url IS NOT coalesce(?5, profile_url)
                    OR avatar_url IS NOT coalesce(?6, avatar_url) OR raw IS NOT coalesce(?7, raw))",
        )?;
        let mut new_member = tx.prepare_cached(
            "INSERT INTO members (display_name, organization, location, bio, avatar_url,
                 first_seen_at, is_team, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        )?;
        let mut new_identity = tx.prepare_cached(
            "INSERT INTO identities (member_id, account_id, platform, external_id, handle,
                 display_name, email, profile_url, avatar_url, raw, first_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for ident in &batch.identities {
            if ident.external_id.is_empty() {
                return Err(Error::invalid("an identity from the platform has no id"));
            }
            let handle = clean_name(if ident.handle.is_empty() {
                &ident.external_id
            } else {
                &ident.handle
            });
            let handle = handle.as_ref();
            let display_name = ident.display_name.as_deref().map(clean_name);
            let display_name = display_name.as_deref();
            let existing: Option<(i64, i64)> = find
                .query_row((platform, account.id, &ident.external_id), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let ids = match existing {
                Some((id, member_id)) => {
                    // Sync resends authors with every page; only a real change re-indexes.
                    let changed = update.execute(params![
                        id,
                        handle,
                        display_name,
                        ident.email,
                        ident.profile_url,
                        ident.avatar_url,
                        ident.raw
                    ])?;
                    if changed > 0 {
                        touched_members.push(member_id);
                    }
                    (id, member_id)
                }
                None => {
                    let name = display_name
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or(handle);
                    new_member.execute(params![
                        name,
                        ident.organization.as_deref().map(clean_name),
                        ident.location.as_deref().map(clean_name),
                        ident.bio.as_deref().map(clean_text),
                        ident.avatar_url,
                        ident.joined_at,
                        account.self_external_id.as_deref() == Some(&ident.external_id),
                        now
                    ])?;
                    let member_id = tx.last_insert_rowid();
                    new_identity.execute(params![
                        member_id,
                        account.id,
                        platform,
                        ident.external_id,
                        handle,
                        display_name,
                        ident.email,
                        ident.profile_url,
                        ident.avatar_url,
                        ident.raw,
                        ident.joined_at
                    ])?;
                    report.identities_added += 1;
                    touched_members.push(member_id);
                    (tx.last_insert_rowid(), member_id)
                }
            };
            identities.insert(ident.external_id.as_str(), ids);
        }
    }

    // --- conversations ----------------------------------------------------------------------
    let mut conversations: HashMap<&str, i64> = HashMap::new();
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO conversations (account_id, platform, external_id, kind, title, container,
                 url, created_at, last_message_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
             ON CONFLICT (platform, account_id, external_id) DO UPDATE SET
                 title = coalesce(excluded.title, title),
                 container = coalesce(excluded.container, container),
                 url = coalesce(excluded.url, url)
             RETURNING id, message_count = 0 AND last_message_id IS NULL",
        )?;
        for conv in &batch.conversations {
            let (id, fresh): (i64, bool) = upsert.query_row(
                params![
                    account.id,
                    platform,
                    conv.external_id,
                    conv.kind.as_str(),
                    conv.title.as_deref().map(clean_name),
                    conv.container.as_deref().map(clean_name),
                    conv.url,
                    conv.created_at
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if fresh {
                report.conversations_added += 1;
            }
            conversations.insert(conv.external_id.as_str(), id);
        }
    }

    // --- messages ---------------------------------------------------------------------------
    let mut oversized: Vec<Quarantined> = Vec::new();
    let mut conv_deltas: HashMap<i64, ConvDelta> = HashMap::new();
    let mut member_deltas: HashMap<i64, MemberDelta> = HashMap::new();
    {
        let mut find_conv = tx.prepare_cached(
            "SELECT id FROM conversations WHERE platform = ?1 AND account_id = ?2 AND external_id = ?3",
        )?;
        let mut find_ident = tx.prepare_cached(
            "SELECT id, member_id FROM identities
             WHERE platform = ?1 AND account_id = ?2 AND external_id = ?3",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO messages (conversation_id, account_id, platform, external_id,
                 author_identity_id, body_text, body_html, created_at, edited_at, deleted_at,
                 reply_to_external_id, url, from_us, mentions_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        // An edit only replaces text with a version at least as new as the stored one (backfill
        // can bring an edit before its original); a deletion that blanks the text keeps what
        // was said, so the team can still read what a moderator removed.
        let mut update = tx.prepare_cached(
            "UPDATE messages SET body_text = n.text, body_html = n.html, edited_at = n.edited,
                 deleted_at = n.deleted, created_at = n.created, reply_to_external_id = n.reply_to
             FROM (SELECT id,
                       CASE WHEN fresh THEN ?4 ELSE body_text END AS text,
                       CASE WHEN fresh THEN ?5 ELSE body_html END AS html,
                       CASE WHEN coalesce(?6, 0) > coalesce(edited_at, 0) THEN ?6
                            ELSE edited_at END AS edited,
                       coalesce(deleted_at, ?7) AS deleted,
                       min(created_at, ?8) AS created,
                       coalesce(reply_to_external_id, ?9) AS reply_to
                   FROM (SELECT m.*, ((?7 IS NULL OR ?4 <> '')
                                     AND coalesce(?6, 0) >= coalesce(m.edited_at, 0)) AS fresh
                         FROM messages m
                         WHERE m.platform = ?1 AND m.account_id = ?2 AND m.external_id = ?3)) n
             WHERE messages.id = n.id
               AND (messages.body_text IS NOT n.text OR messages.body_html IS NOT n.html
                    OR messages.edited_at IS NOT n.edited OR messages.deleted_at IS NOT n.deleted
                    OR messages.created_at <> n.created
                    OR messages.reply_to_external_id IS NOT n.reply_to)",
        )?;
        let mut activity = tx.prepare_cached(
            "INSERT INTO member_activity (member_id, identity_id, platform, kind, occurred_at,
                 conversation_id, message_id)
             VALUES (?1, ?2, ?3, 'message', ?4, ?5, ?6)",
        )?;
        for msg in &batch.messages {
            if msg.text.len() > MAX_MESSAGE
                || msg.html.as_ref().is_some_and(|h| h.len() > MAX_MESSAGE)
            {
                oversized.push(Quarantined {
                    kind: "message".into(),
                    external_id: Some(msg.external_id.clone()),
                    reason: format!(
                        "it is {:.1} MB, over the {} MB Hearth keeps for one message",
                        msg.text.len().max(msg.html.as_ref().map_or(0, String::len)) as f64
                            / 1_048_576.0,
                        MAX_MESSAGE / 1_048_576
                    ),
                    raw: msg.text.chars().take(64 * 1024).collect(),
                    context: Some(msg.conversation_external_id.clone()),
                });
                continue;
            }
            let conv_id = match conversations.get(msg.conversation_external_id.as_str()) {
                Some(id) => *id,
                None => find_conv
                    .query_row((platform, account.id, &msg.conversation_external_id), |r| {
                        r.get(0)
                    })
                    .optional()?
                    .ok_or_else(|| {
                        Error::invalid(format!(
                            "message {} belongs to conversation {}, which was never received",
                            msg.external_id, msg.conversation_external_id
                        ))
                    })?,
            };
            let (identity_id, member_id) = match identities.get(msg.author_external_id.as_str()) {
                Some(ids) => *ids,
                None => find_ident
                    .query_row((platform, account.id, &msg.author_external_id), |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?
                    .ok_or_else(|| {
                        Error::invalid(format!(
                            "message {} was written by {}, who was never received",
                            msg.external_id, msg.author_external_id
                        ))
                    })?,
            };
            let html = msg
                .html
                .as_deref()
                .map(|h| clean_text(&sanitize::clean_html(h)).into_owned());
            let text = match (&html, msg.text.is_empty()) {
                (Some(clean), true) => sanitize::html_to_text(clean),
                _ => clean_text(&msg.text).into_owned(),
            };
            let from_us = account.self_external_id.as_deref() == Some(&msg.author_external_id);
            let inserted = insert.execute(params![
                conv_id,
                account.id,
                platform,
                msg.external_id,
                identity_id,
                text,
                html,
                msg.created_at,
                msg.edited_at,
                msg.deleted_at,
                msg.reply_to_external_id,
                msg.url,
                from_us,
                msg.mentions_us
            ])?;
            if inserted == 1 {
                let message_id = tx.last_insert_rowid();
                activity.execute(params![
                    member_id,
                    identity_id,
                    platform,
                    msg.created_at,
                    conv_id,
                    message_id
                ])?;
                report.messages_added += 1;
                let d = conv_deltas.entry(conv_id).or_default();
                d.added += 1;
                if msg.created_at >= d.last_at {
                    d.last_at = msg.created_at;
                    d.last_id = message_id;
                }
                if !from_us {
                    d.reopen_after = d.reopen_after.max(Some(msg.created_at));
                }
                let m = member_deltas.entry(member_id).or_default();
                m.added += 1;
                m.first_at = Some(m.first_at.map_or(msg.created_at, |f| f.min(msg.created_at)));
                m.last_at = m.last_at.max(Some(msg.created_at));
            } else {
                report.messages_updated += update.execute(params![
                    platform,
                    account.id,
                    msg.external_id,
                    text,
                    html,
                    msg.edited_at,
                    msg.deleted_at,
                    msg.created_at,
                    msg.reply_to_external_id
                ])? as u64;
            }
        }
    }

    // --- counters, in one statement per touched row -----------------------------------------
    {
        let mut conv = tx.prepare_cached(
            "UPDATE conversations SET
                 message_count = message_count + ?2,
                 last_message_id = CASE WHEN ?3 >= last_message_at OR last_message_id IS NULL
                                        THEN ?4 ELSE last_message_id END,
                 last_message_at = max(last_message_at, ?3)
             WHERE id = ?1",
        )?;
        let mut reopen = tx.prepare_cached(
            "UPDATE conversations SET status = 'open', snoozed_until = NULL
             WHERE id = ?1 AND status IN ('done', 'snoozed') AND coalesce(triaged_at, 0) < ?2",
        )?;
        for (id, d) in &conv_deltas {
            conv.execute(params![id, d.added, d.last_at, d.last_id])?;
            if let Some(after) = d.reopen_after {
                report.conversations_reopened += reopen.execute(params![id, after])? as u64;
            }
        }
        let mut member = tx.prepare_cached(
            "UPDATE members SET message_count = message_count + ?2,
                 first_seen_at = min(coalesce(first_seen_at, ?3), ?3),
                 last_active_at = max(coalesce(last_active_at, ?4), ?4),
                 updated_at = ?5
             WHERE id = ?1",
        )?;
        for (id, d) in &member_deltas {
            if let (Some(first), Some(last)) = (d.first_at, d.last_at) {
                member.execute(params![id, d.added, first, last, now])?;
            }
        }
    }
    touched_members.sort_unstable();
    touched_members.dedup();
    for member_id in touched_members {
        crate::members::reindex_member(tx, member_id)?;
    }
    report.quarantined = write_quarantine(
        tx,
        account.id,
        batch.quarantined.iter().chain(&oversized),
        &batch.messages,
        now,
    )?;
    Ok(report)
}

/// Keeps the records a connector could not read, and forgets those that now read well (the
/// same record came back readable, after an upgrade or a fix on the platform).
fn write_quarantine<'q>(
    tx: &Transaction<'_>,
    account_id: i64,
    kept: impl Iterator<Item = &'q Quarantined>,
    messages: &[IncomingMessage],
    now: Millis,
) -> Result<u64> {
    let mut n = 0;
    let mut put = tx.prepare_cached(
        "INSERT INTO quarantine (account_id, kind, external_id, reason, raw, context,
             first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (account_id, kind, external_id) DO UPDATE SET reason = excluded.reason,
             raw = excluded.raw, context = excluded.context, last_seen_at = excluded.last_seen_at",
    )?;
    for q in kept {
        n += 1;
        let id = q
            .external_id
            .clone()
            .unwrap_or_else(|| format!("payload:{:016x}", digest(&q.raw)));
        put.execute(params![
            account_id, q.kind, id, q.reason, q.raw, q.context, now
        ])?;
    }
    let held: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM quarantine WHERE account_id = ?1)")?
        .query_row([account_id], |r| r.get(0))?;
    if held && !messages.is_empty() {
        let mut forget = tx.prepare_cached(
            "DELETE FROM quarantine WHERE account_id = ?1 AND kind = 'message' AND external_id = ?2",
        )?;
        for m in messages.iter().filter(|m| m.text.len() <= MAX_MESSAGE) {
            forget.execute(params![account_id, m.external_id])?;
        }
    }
    Ok(n)
}

/// FNV-1a: a stable name for a payload without an id.
fn digest(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
