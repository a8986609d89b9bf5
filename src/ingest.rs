//! Writing what came from a platform into the store. Owns: idempotent upserts of identities,
//! conversations and messages keyed by `(platform, account, external_id)`, sanitising HTML on
//! the way in, member activity, the denormalised inbox/member counters, and reopening a done
//! or snoozed conversation when someone other than the team writes in it again. One [`Batch`] is one transaction: it is written
//! whole or not at all, so a sync cursor saved with it can never point past lost data.
//! Must never: talk to the network or know a platform's wire format (connectors translate).

use std::collections::{BTreeSet, HashMap};

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
/// A UTC day in milliseconds, as the roll-ups count days.
const DAY: Millis = 24 * 60 * 60 * 1000;

/// What one batch changed, row by row: what reacts to new data (inbox rules on new messages,
/// merge checks on new identities, metric roll-ups) runs on just this, in the same transaction,
/// instead of rescanning everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Messages written for the first time.
    pub new_messages: Vec<i64>,
    /// Conversations created or given new messages.
    pub conversations: Vec<i64>,
    pub new_identities: Vec<i64>,
    /// Identities whose profile changed (handle, name, email, links, payload).
    pub changed_identities: Vec<i64>,
    /// Members whose identities were added or changed (re-indexed for search).
    pub members: Vec<i64>,
}

/// How a batch went: the counts, and the rows it changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    pub report: IngestReport,
    pub changes: Changes,
}

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
    /// Members merged because a new identity proved to be someone already known.
    pub merged_on_proof: u64,
}

impl std::ops::AddAssign for IngestReport {
    fn add_assign(&mut self, o: Self) {
        self.quarantined += o.quarantined;
        self.merged_on_proof += o.merged_on_proof;
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
        let written = ingest_in(&tx, account_id, batch, now)?;
        tx.commit()?;
        Ok(written.report)
    }

    /// Like [`Store::ingest`], without checking new identities against the members one by one:
    /// for bulk loads (the demo) that run [`Store::resolve_members`] once at the end.
    pub fn ingest_bulk(
        &mut self,
        account_id: i64,
        batch: &Batch,
        now: Millis,
    ) -> Result<IngestReport> {
        let tx = self.conn_mut().transaction()?;
        let written = ingest_unchecked(&tx, account_id, batch, now)?;
        tx.commit()?;
        Ok(written.report)
    }
}

/// Writes `batch` inside the caller's transaction (the sync engine commits a page's cursors
/// with it), checks its new and changed identities against the members (merges on proof,
/// suggestions), and says what it changed.
pub(crate) fn ingest_in(
    tx: &Transaction<'_>,
    account_id: i64,
    batch: &Batch,
    now: Millis,
) -> Result<Ingested> {
    let mut written = ingest_unchecked(tx, account_id, batch, now)?;
    let checked: Vec<i64> = written
        .changes
        .new_identities
        .iter()
        .chain(&written.changes.changed_identities)
        .copied()
        .collect();
    crate::members::organizations::settle_in(tx, &written.changes.members, now)?;
    written.report.merged_on_proof = crate::members::resolve::check_identities(tx, &checked, now)?;
    crate::moderation::check_in(tx, &written.changes.new_messages, now)?;
    Ok(written)
}

fn ingest_unchecked(
    tx: &Transaction<'_>,
    account_id: i64,
    batch: &Batch,
    now: Millis,
) -> Result<Ingested> {
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

/// The writing of one batch: the account it is for, and what has been written so far.
struct Writer<'t, 'c> {
    tx: &'t Transaction<'c>,
    account: &'t AccountInfo,
    now: Millis,
    report: IngestReport,
    changes: Changes,
}

/// Platform id → (identity, member) and platform id → conversation, of this batch.
type IdentityIds<'b> = HashMap<&'b str, (i64, i64)>;
type ConversationIds<'b> = HashMap<&'b str, i64>;

fn write_batch(
    tx: &Transaction<'_>,
    account: &AccountInfo,
    batch: &Batch,
    now: Millis,
) -> Result<Ingested> {
    let mut w = Writer {
        tx,
        account,
        now,
        report: IngestReport::default(),
        changes: Changes::default(),
    };
    let identities = w.identities(batch)?;
    let conversations = w.conversations(batch)?;
    let (deltas, oversized) = w.messages(batch, &identities, &conversations)?;
    w.counters(&deltas)?;
    w.reindex_members()?;
    // the rules weigh every conversation the batch added to, in the same transaction
    let mut touched: Vec<i64> = deltas.conversations.keys().copied().collect();
    touched.extend(&w.changes.conversations);
    touched.extend(&deltas.edited);
    touched.sort_unstable();
    touched.dedup();
    crate::inbox::rules::after_ingest(tx, &touched, now)?;
    w.report.quarantined = write_quarantine(
        tx,
        account.id,
        batch.quarantined.iter().chain(&oversized),
        &batch.messages,
        now,
    )?;
    Ok(Ingested {
        report: w.report,
        changes: w.changes,
    })
}

/// Adds a batch's new messages to the search index, in one statement (schema 11 dropped the
/// trigger per row: see its migration).
pub(crate) fn index_for_search(tx: &Transaction<'_>, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids = serde_json::to_string(ids).map_err(|e| crate::Error::invalid(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO messages_fts (rowid, body_text)
         SELECT id, body_text FROM messages WHERE id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([ids])?;
    Ok(())
}

/// A message's text as it is kept, and how it reads.
struct Prepared {
    html: Option<String>,
    text: String,
    /// Its sentiment, scored on the device (`None` while scoring at ingest is off).
    feeling: Option<f32>,
}

/// Below this many messages a batch is prepared on the calling thread.
const PREPARE_ALONE: usize = 32;

/// Cleans each message's HTML and text and scores its sentiment — the work of ingest that
/// needs no database — on the machine's cores (at most four), in the batch's order; `None`
/// for a message too long to keep.
fn prepare(messages: &[IncomingMessage]) -> Vec<Option<Prepared>> {
    let one = |msg: &IncomingMessage| {
        if msg.text.len() > MAX_MESSAGE || msg.html.as_ref().is_some_and(|h| h.len() > MAX_MESSAGE)
        {
            return None;
        }
        let html = msg
            .html
            .as_deref()
            .map(|h| clean_text(&sanitize::clean_html(h)).into_owned());
        let text = match (&html, msg.text.is_empty()) {
            (Some(clean), true) => sanitize::html_to_text(clean),
            _ => clean_text(&msg.text).into_owned(),
        };
        let feeling =
            crate::health::sentiment::at_ingest().then(|| crate::health::sentiment::score(&text));
        Some(Prepared {
            html,
            text,
            feeling,
        })
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if cores < 2 || messages.len() < PREPARE_ALONE {
        return messages.iter().map(one).collect();
    }
    let chunk = messages.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = messages
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// What the messages of a batch add to each conversation and member.
#[derive(Default)]
struct Deltas {
    conversations: HashMap<i64, ConvDelta>,
    members: HashMap<i64, MemberDelta>,
    /// Conversations with a message edited or deleted (the rules weigh them again).
    edited: Vec<i64>,
    /// (UTC day, conversation) of each new message, for the Dashboard's roll-ups.
    days: BTreeSet<(Millis, i64)>,
}

impl Writer<'_, '_> {
    /// New people become members (one each, until merged); known ones are updated only when
    /// something really changed, so a member is re-indexed only then.
    fn identities<'b>(&mut self, batch: &'b Batch) -> Result<IdentityIds<'b>> {
        let (tx, account, now) = (self.tx, self.account, self.now);
        let platform = account.platform.as_str();
        let mut identities: IdentityIds<'b> = HashMap::new();
        let mut find = tx.prepare_cached(
            "SELECT id, member_id FROM identities
         WHERE platform = ?1 AND account_id = ?2 AND external_id = ?3",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE identities SET handle = ?2, display_name = coalesce(?3, display_name),
             email = coalesce(?4, email), profile_url = coalesce(?5, profile_url),
             avatar_url = coalesce(?6, avatar_url), raw = coalesce(?7, raw),
             organization = coalesce(?8, organization), location = coalesce(?9, location),
             bio = coalesce(?10, bio)
         WHERE id = ?1
           AND (handle IS NOT ?2 OR display_name IS NOT coalesce(?3, display_name)
                OR email IS NOT coalesce(?4, email)
                OR profile_url IS NOT coalesce(?5, profile_url)
                OR avatar_url IS NOT coalesce(?6, avatar_url) OR raw IS NOT coalesce(?7, raw)
                OR organization IS NOT coalesce(?8, organization)
                OR location IS NOT coalesce(?9, location) OR bio IS NOT coalesce(?10, bio))",
        )?;
        let mut new_member = tx.prepare_cached(
            "INSERT INTO members (display_name, organization, location, bio, avatar_url,
             first_seen_at, is_team, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        )?;
        let mut new_identity = tx.prepare_cached(
            "INSERT INTO identities (member_id, account_id, platform, external_id, handle,
             display_name, email, profile_url, avatar_url, raw, first_seen_at, organization,
             location, bio)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
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
            let organization = ident.organization.as_deref().map(clean_name);
            let location = ident.location.as_deref().map(clean_name);
            let bio = ident.bio.as_deref().map(clean_text);
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
                        ident.raw,
                        organization,
                        location,
                        bio
                    ])?;
                    if changed > 0 {
                        self.changes.members.push(member_id);
                        self.changes.changed_identities.push(id);
                    }
                    (id, member_id)
                }
                None => {
                    let name = display_name
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or(handle);
                    new_member.execute(params![
                        name,
                        organization,
                        location,
                        bio,
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
                        ident.joined_at,
                        organization,
                        location,
                        bio
                    ])?;
                    self.report.identities_added += 1;
                    self.changes.members.push(member_id);
                    self.changes.new_identities.push(tx.last_insert_rowid());
                    (tx.last_insert_rowid(), member_id)
                }
            };
            identities.insert(ident.external_id.as_str(), ids);
        }
        Ok(identities)
    }

    fn conversations<'b>(&mut self, batch: &'b Batch) -> Result<ConversationIds<'b>> {
        let (tx, account) = (self.tx, self.account);
        let platform = account.platform.as_str();
        let mut conversations: ConversationIds<'b> = HashMap::new();
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
                self.report.conversations_added += 1;
                self.changes.conversations.push(id);
            }
            conversations.insert(conv.external_id.as_str(), id);
        }
        Ok(conversations)
    }

    /// Inserts new messages and updates edited or deleted ones; a message too long to keep is
    /// set aside. Returns what the new ones add to their conversations and members.
    fn messages(
        &mut self,
        batch: &Batch,
        identities: &IdentityIds<'_>,
        conversations: &ConversationIds<'_>,
    ) -> Result<(Deltas, Vec<Quarantined>)> {
        let (tx, account) = (self.tx, self.account);
        let platform = account.platform.as_str();
        let mut oversized: Vec<Quarantined> = Vec::new();
        let mut deltas = Deltas::default();
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
             reply_to_external_id, url, from_us, mentions_us, sentiment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        // An edit only replaces text with a version at least as new as the stored one (backfill
        // can bring an edit before its original); a deletion that blanks the text keeps what
        // was said, so the team can still read what a moderator removed.
        let mut update = tx.prepare_cached(
            "UPDATE messages SET body_text = n.text, body_html = n.html, edited_at = n.edited,
             deleted_at = n.deleted, created_at = n.created, reply_to_external_id = n.reply_to,
             sentiment = n.sentiment
         FROM (SELECT id,
                   CASE WHEN fresh THEN ?4 ELSE body_text END AS text,
                   CASE WHEN fresh THEN ?10 ELSE sentiment END AS sentiment,
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
        // new messages go into the search index together (see `index_for_search`); this many
        // of `changes.new_messages` are in it already
        let mut indexed = self.changes.new_messages.len();
        let prepared = prepare(&batch.messages);
        for (msg, ready) in batch.messages.iter().zip(prepared) {
            let Some(Prepared {
                html,
                text,
                feeling,
            }) = ready
            else {
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
            };
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
                msg.mentions_us,
                feeling
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
                self.report.messages_added += 1;
                self.changes.new_messages.push(message_id);
                deltas
                    .days
                    .insert((msg.created_at - msg.created_at % DAY, conv_id));
                let d = deltas.conversations.entry(conv_id).or_default();
                d.added += 1;
                if msg.created_at >= d.last_at {
                    d.last_at = msg.created_at;
                    d.last_id = message_id;
                }
                if !from_us {
                    d.reopen_after = d.reopen_after.max(Some(msg.created_at));
                }
                let m = deltas.members.entry(member_id).or_default();
                m.added += 1;
                m.first_at = Some(m.first_at.map_or(msg.created_at, |f| f.min(msg.created_at)));
                m.last_at = m.last_at.max(Some(msg.created_at));
            } else {
                // An edit's trigger takes the old text out of the search index: what this
                // batch added must be in it first (an edit can follow its message in a batch).
                index_for_search(tx, &self.changes.new_messages[indexed..])?;
                indexed = self.changes.new_messages.len();
                let changed = update.execute(params![
                    platform,
                    account.id,
                    msg.external_id,
                    text,
                    html,
                    msg.edited_at,
                    msg.deleted_at,
                    msg.created_at,
                    msg.reply_to_external_id,
                    feeling
                ])?;
                if changed > 0 {
                    deltas.edited.push(conv_id);
                }
                self.report.messages_updated += changed as u64;
            }
        }
        index_for_search(tx, &self.changes.new_messages[indexed..])?;
        crate::health::rollups::mark(tx, &deltas.days)?;
        Ok((deltas, oversized))
    }

    /// The denormalised counters, one statement per touched row; a member writing again
    /// reopens a done, waiting or snoozed conversation (the team's own replies never do).
    fn counters(&mut self, deltas: &Deltas) -> Result<()> {
        let (tx, now) = (self.tx, self.now);
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
         WHERE id = ?1 AND status IN ('done', 'waiting', 'snoozed')
           AND coalesce(triaged_at, 0) < ?2",
        )?;
        for (id, d) in &deltas.conversations {
            conv.execute(params![id, d.added, d.last_at, d.last_id])?;
            if let Some(after) = d.reopen_after {
                self.report.conversations_reopened += reopen.execute(params![id, after])? as u64;
            }
        }
        let mut member = tx.prepare_cached(
            "UPDATE members SET message_count = message_count + ?2,
             first_seen_at = min(coalesce(first_seen_at, ?3), ?3),
             last_active_at = max(coalesce(last_active_at, ?4), ?4),
             updated_at = ?5
         WHERE id = ?1",
        )?;
        for (id, d) in &deltas.members {
            if let (Some(first), Some(last)) = (d.first_at, d.last_at) {
                member.execute(params![id, d.added, first, last, now])?;
            }
        }
        Ok(())
    }

    /// The member search index, for members whose identities changed.
    fn reindex_members(&mut self) -> Result<()> {
        self.changes.conversations.sort_unstable();
        self.changes.conversations.dedup();
        self.changes.members.sort_unstable();
        self.changes.members.dedup();
        for member_id in &self.changes.members {
            crate::members::reindex_member(self.tx, *member_id)?;
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConversationKind;

    fn batch(messages: &[(&str, &str)]) -> Batch {
        Batch {
            identities: vec![IncomingIdentity {
                external_id: "u1".into(),
                handle: "ana".into(),
                display_name: Some("Ana".into()),
                ..Default::default()
            }],
            conversations: vec![IncomingConversation {
                external_id: "c1".into(),
                kind: ConversationKind::Thread,
                title: Some("Help".into()),
                container: None,
                url: None,
                created_at: 1,
            }],
            messages: messages
                .iter()
                .enumerate()
                .map(|(i, (id, text))| IncomingMessage {
                    conversation_external_id: "c1".into(),
                    external_id: (*id).into(),
                    author_external_id: "u1".into(),
                    text: (*text).into(),
                    html: None,
                    created_at: 10 + i as i64,
                    edited_at: None,
                    deleted_at: None,
                    reply_to_external_id: None,
                    url: None,
                    mentions_us: false,
                })
                .collect(),
            quarantined: Vec::new(),
        }
    }

    fn ingest(store: &mut Store, account: i64, b: &Batch) -> Ingested {
        let tx = store.conn_mut().transaction().expect("a transaction");
        let written = ingest_in(&tx, account, b, 100).expect("ingested");
        tx.commit().expect("committed");
        written
    }

    #[test]
    fn ingest_says_which_rows_it_changed_so_reactions_run_on_just_those() {
        let dir = tempfile::tempdir().expect("a folder");
        let mut store = Store::open(dir.path().join("h.db")).expect("a database");
        let account = store
            .ensure_account(Platform::Discord, "A", None, None, 1)
            .expect("an account");
        let first = ingest(
            &mut store,
            account,
            &batch(&[("m1", "hello"), ("m2", "again")]),
        );
        assert_eq!(first.changes.new_messages.len(), 2);
        assert_eq!(first.changes.conversations.len(), 1);
        assert_eq!(first.changes.new_identities.len(), 1);
        assert_eq!(first.changes.members.len(), 1);

        // The same page again, with one edit and one new message: only those show.
        let second = ingest(
            &mut store,
            account,
            &batch(&[("m1", "hello"), ("m2", "again, edited"), ("m3", "new")]),
        );
        assert_eq!(second.changes.new_messages.len(), 1, "{:?}", second.changes);
        assert_eq!(second.report.messages_updated, 1);
        assert!(second.changes.new_identities.is_empty());
        assert!(
            second.changes.changed_identities.is_empty() && second.changes.members.is_empty(),
            "an identity sent again unchanged is not a change: {:?}",
            second.changes
        );

        // Nothing new at all: nothing to react to.
        let third = ingest(
            &mut store,
            account,
            &batch(&[("m1", "hello"), ("m2", "again, edited"), ("m3", "new")]),
        );
        assert_eq!(third.changes, Changes::default());
    }
}
