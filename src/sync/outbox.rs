//! The outbox: replies and posts written in Hearth, sent when online, each exactly once.
//! Owns: queueing, recording every attempt *before* the request goes out, and reconciling an
//! attempt whose outcome is unknown (the process died or the connection dropped after
//! sending) — by resending with the platform's idempotency key where it has one, or by
//! looking for the message on the platform where it has not.
//! Must never: send an item twice because a reply got lost.

use std::time::Duration;

use rusqlite::{params, OptionalExtension, Row};

use super::{Attachment, Connector, ConnectorError, ErrorKind, Moderation, Outgoing, Sent};
use crate::error::{Error, Result};
use crate::model::{Millis, OutboxItem, OutboxState};
use crate::outgoing::{check_body, new_key, ModerationColumn};
use crate::store::Store;

const SELECT: &str = "SELECT o.id, o.account_id, a.platform, o.conversation_id, c.title, o.kind,
        o.body, o.state, o.attempts, o.last_error, o.created_at, o.sent_at, o.url, o.send_after
    FROM outbox o JOIN accounts a ON a.id = o.account_id
    LEFT JOIN conversations c ON c.id = o.conversation_id";

fn row_to_item(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    let state: String = r.get(7)?;
    Ok(OutboxItem {
        id: r.get(0)?,
        account_id: r.get(1)?,
        platform: crate::store::platform_col(r, 2)?,
        conversation_id: r.get(3)?,
        conversation_title: r.get(4)?,
        kind: r.get(5)?,
        body: r.get(6)?,
        state: match state.as_str() {
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            _ => OutboxState::Queued,
        },
        attempts: r.get(8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
        sent_at: r.get(11)?,
        url: r.get(12)?,
        send_after: r.get(13)?,
    })
}

/// How one flush went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlushReport {
    pub sent: u64,
    /// Already on the platform from an earlier attempt; recorded, not sent again.
    pub reconciled: u64,
    /// Still queued (offline, rate limited, outcome unknown): tried again next time.
    pub waiting: u64,
    /// Refused by the platform; the item says why.
    pub failed: u64,
    /// Being sent by another Hearth (the app, or another `hearth outbox --flush`) right now.
    pub elsewhere: u64,
    /// Queued to be sent later (send later), not due yet.
    pub later: u64,
    /// The first problem, in words.
    pub problem: Option<String>,
}

impl Store {
    /// Queues a reply in conversation `conversation_id`, answering its newest message.
    pub fn queue_reply(
        &mut self,
        conversation_id: i64,
        body: &str,
        now: Millis,
    ) -> Result<OutboxItem> {
        self.queue_reply_at(conversation_id, body, None, now)
    }

    /// Queues a reply to be sent at `send_after` or later (send later), or at once (`None`,
    /// or a time already past). It answers the newest message when it is queued.
    pub fn queue_reply_at(
        &mut self,
        conversation_id: i64,
        body: &str,
        send_after: Option<Millis>,
        now: Millis,
    ) -> Result<OutboxItem> {
        let send_after = send_after.filter(|t| *t > now);
        let (account_id, platform, reply_to, demo): (
            i64,
            crate::model::Platform,
            Option<String>,
            bool,
        ) = self
            .conn()
            .query_row(
                "SELECT c.account_id, c.platform,
                         (SELECT m.external_id FROM messages m WHERE m.conversation_id = c.id
                          ORDER BY m.created_at DESC, m.id DESC LIMIT 1),
                         a.demo
                     FROM conversations c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?1",
                [conversation_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        crate::store::platform_col(r, 1)?,
                        r.get(2)?,
                        r.get(3)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
        if demo {
            return Err(Error::invalid(
                "this conversation is part of the demo community, so a reply would go nowhere; \
                 connect an account in Settings → Accounts to reply for real",
            ));
        }
        let body = check_body(body, platform.post_limit(), platform.label())?;
        self.conn().execute(
            "INSERT INTO outbox (account_id, conversation_id, kind, body, idempotency_key,
                 reply_to_external_id, created_at, send_after)
             VALUES (?1, ?2, 'reply', ?3, ?4, ?5, ?6, ?7)",
            params![
                account_id,
                conversation_id,
                body,
                new_key(now),
                reply_to,
                now,
                send_after
            ],
        )?;
        self.outbox_item(self.conn().last_insert_rowid())
    }

    /// Queues a new post on account `account_id` (a Discourse topic needs a title).
    pub fn queue_post(
        &mut self,
        account_id: i64,
        body: &str,
        title: Option<&str>,
        now: Millis,
    ) -> Result<OutboxItem> {
        let account = self.account(account_id)?;
        if account.demo {
            return Err(Error::invalid(
                "this is one of the demo community's sample accounts, so a post would go nowhere; \
                 connect an account in Settings → Accounts to post for real",
            ));
        }
        let body = check_body(
            body,
            account.platform.post_limit(),
            account.platform.label(),
        )?;
        let title = title.map(str::trim).filter(|t| !t.is_empty());
        self.conn().execute(
            "INSERT INTO outbox (account_id, kind, body, title, idempotency_key, created_at)
             VALUES (?1, 'post', ?2, ?3, ?4, ?5)",
            params![account_id, body, title, new_key(now), now],
        )?;
        self.outbox_item(self.conn().last_insert_rowid())
    }

    pub fn outbox_item(&self, id: i64) -> Result<OutboxItem> {
        self.conn()
            .query_row(&format!("{SELECT} WHERE o.id = ?1"), [id], row_to_item)
            .optional()?
            .ok_or_else(|| Error::not_found("outbox item", id))
    }

    /// Everything not yet sent, oldest first, and what was sent since `sent_since` (all of it
    /// with `Some(0)`, none with `None`).
    pub fn list_outbox(&self, sent_since: Option<Millis>) -> Result<Vec<OutboxItem>> {
        Ok(self
            .conn()
            .prepare(&format!(
                "{SELECT} WHERE o.state <> 'sent' OR o.sent_at >= ?1 ORDER BY o.created_at, o.id"
            ))?
            .query_map([sent_since.unwrap_or(Millis::MAX)], row_to_item)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Puts a failed item back in the queue.
    pub fn retry_outbox(&mut self, id: i64) -> Result<OutboxItem> {
        self.conn().execute(
            "UPDATE outbox SET state = 'queued', last_error = NULL WHERE id = ?1 AND state = 'failed'",
            [id],
        )?;
        self.outbox_item(id)
    }

    /// Drops an item that was not sent yet. Refused while any Hearth is sending it.
    pub fn cancel_outbox(&mut self, id: i64, now: Millis) -> Result<()> {
        let item = self.outbox_item(id)?;
        let gone = self.conn().execute(
            "DELETE FROM outbox WHERE id = ?1 AND state IN ('queued', 'failed')
                 AND (lease_owner IS NULL OR lease_until <= ?2)",
            params![id, now],
        )?;
        if gone == 0 {
            return Err(Error::invalid(match item.state {
                OutboxState::Sent => {
                    "this item was already sent and cannot be withdrawn from Hearth"
                }
                _ => "this item is being sent right now and cannot be withdrawn",
            }));
        }
        Ok(())
    }

    /// Claims the oldest item of `account_id` that nobody holds and that may be sent or
    /// reconciled now: one that is queued, or one in doubt whose last attempt can no longer be
    /// on its way (`in_flight` since it began). One immediate transaction, so two processes
    /// never claim the same item. `skip` lists items this flush already dealt with.
    fn claim_next(
        &mut self,
        account_id: i64,
        now: Millis,
        timing: &Timing,
        skip: &[i64],
    ) -> Result<Option<Claimed>> {
        let owner = self.owner().to_string();
        let tx = self.conn_mut().transaction()?;
        let claimed: Option<i64> = tx
            .query_row(
                "UPDATE outbox SET lease_owner = ?2, lease_until = ?3
                 WHERE id = (
                     SELECT id FROM outbox
                     WHERE account_id = ?1 AND state IN ('queued', 'sending')
                       AND (lease_until IS NULL OR lease_until <= ?4)
                       AND (state = 'queued' OR coalesce(attempted_at, 0) + ?5 <= ?4)
                       AND coalesce(send_after, 0) <= ?4
                       AND id NOT IN (SELECT value FROM json_each(?6))
                     ORDER BY created_at, id LIMIT 1)
                 RETURNING id",
                params![
                    account_id,
                    owner,
                    now + timing.lease,
                    now,
                    timing.in_flight,
                    ids(skip)
                ],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = claimed else {
            tx.commit()?;
            return Ok(None);
        };
        let (mut claimed, conversation): (Claimed, Option<i64>) = tx.query_row(
            "SELECT o.id, o.state = 'sending', o.key_since, o.idempotency_key, o.body,
                 c.external_id, o.reply_to_external_id, o.title, o.attempted_at, c.id, o.channel,
                 o.moderation
             FROM outbox o LEFT JOIN conversations c ON c.id = o.conversation_id
             WHERE o.id = ?1",
            [id],
            |r| {
                let item = Outgoing {
                    idempotency_key: r.get(3)?,
                    body: r.get(4)?,
                    conversation_external_id: r.get(5)?,
                    reply_to_external_id: r.get(6)?,
                    title: r.get(7)?,
                    attempted_at: r.get(8)?,
                    channel: r.get(10)?,
                    images: Vec::new(),
                };
                let moderation = r
                    .get::<_, Option<String>>(11)?
                    .map(|json| moderation_of(&json, &item));
                Ok((
                    Claimed {
                        id: r.get(0)?,
                        in_doubt: r.get(1)?,
                        key_since: r.get(2)?,
                        item,
                        moderation,
                    },
                    r.get(9)?,
                ))
            },
        )?;
        if claimed.moderation.is_some() {
            tx.commit()?;
            return Ok(Some(claimed));
        }
        if let Some(conversation) = conversation {
            claimed.item.body = mentions_for_platform(&tx, conversation, &claimed.item.body)?;
        }
        claimed.item.images = images_of_post(&tx, id)?;
        tx.commit()?;
        Ok(Some(claimed))
    }

    /// Keeps holding an item while its request is out.
    fn renew_lease(&self, id: i64, until: Millis) -> Result<()> {
        self.conn().execute(
            "UPDATE outbox SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2",
            params![id, self.owner(), until],
        )?;
        Ok(())
    }

    /// Records an attempt before the request goes out: if the process dies while sending,
    /// the item is found in `sending` and reconciled instead of blindly sent again. `fresh`
    /// says that no earlier attempt can have reached the platform (it was looked up and is not
    /// there), so the idempotency key's life starts again now. False when this store no
    /// longer holds the item (its lease ran out and another process took it).
    fn begin_attempt(&mut self, id: i64, fresh: bool, now: Millis, lease: Millis) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, attempted_at = ?3,
                 key_since = CASE WHEN ?4 THEN ?3 ELSE coalesce(key_since, ?3) END,
                 lease_until = ?5
             WHERE id = ?1 AND lease_owner = ?2",
            params![id, self.owner(), now, fresh, now + lease],
        )?;
        Ok(n == 1)
    }

    /// Writes how an attempt ended and lets go of the item.
    fn finish_attempt(&mut self, id: i64, outcome: Outcome<'_>, now: Millis) -> Result<()> {
        let (state, error, sent) = match &outcome {
            Outcome::Sent(sent) => ("sent", None, Some(*sent)),
            Outcome::Requeue(e) => ("queued", Some(*e), None),
            Outcome::Unknown(e) => ("sending", Some(*e), None),
            Outcome::Failed(e) => ("failed", Some(*e), None),
        };
        self.conn().execute(
            "UPDATE outbox SET state = ?3, last_error = ?4,
                 sent_at = CASE WHEN ?3 = 'sent' THEN ?5 ELSE sent_at END,
                 external_id = coalesce(?6, external_id), url = coalesce(?7, url),
                 key_since = CASE WHEN ?3 = 'queued' THEN NULL ELSE key_since END,
                 lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND lease_owner = ?2",
            params![
                id,
                self.owner(),
                state,
                error,
                now,
                sent.map(|s| s.external_id.as_str()),
                sent.and_then(|s| s.url.as_deref())
            ],
        )?;
        Ok(())
    }

    /// The earliest time a reply or post queued to be sent later is due, and its account
    /// (the app's syncer wakes for it instead of waiting for its next round).
    pub fn next_send_after(&self, now: Millis) -> Result<Option<(i64, Millis)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT account_id, send_after FROM outbox
                 WHERE state = 'queued' AND send_after > ?1
                 ORDER BY send_after LIMIT 1",
                [now],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Lets go of an item without an attempt (the flush stopped before it).
    fn release(&mut self, id: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND lease_owner = ?2",
            params![id, self.owner()],
        )?;
        Ok(())
    }

    /// What of `account_id`'s outbox this flush could not take (leaving out `handled`, the
    /// items it dealt with): queued items another Hearth has just claimed, and items in doubt
    /// whose last attempt may still be on its way (another Hearth is sending them, or one was
    /// stopped while sending them).
    fn untaken(
        &self,
        account_id: i64,
        now: Millis,
        timing: &Timing,
        handled: &[i64],
    ) -> Result<(u64, u64)> {
        Ok(self.conn().query_row(
            "SELECT count(*) FILTER (WHERE state = 'queued' AND lease_until > ?2),
                    count(*) FILTER (WHERE state = 'sending'
                                       AND (lease_until > ?2 OR attempted_at + ?3 > ?2))
             FROM outbox WHERE account_id = ?1 AND state IN ('queued', 'sending')
               AND id NOT IN (SELECT value FROM json_each(?4))",
            params![account_id, now, timing.in_flight, ids(handled)],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
    }
}

/// A reply's `@handle` of someone in its conversation, written the way the platform turns a
/// mention into a notification for them: `<@id>` on Discord and Slack. Elsewhere (GitHub,
/// Discourse, Mastodon, Bluesky, Matrix) `@handle` already is one. What is kept in the outbox
/// is what the person wrote; this runs as the reply goes out.
/// The images a calendar post carries, in order, with their bytes (none for a reply).
fn images_of_post(tx: &rusqlite::Transaction<'_>, outbox: i64) -> Result<Vec<Attachment>> {
    Ok(tx
        .prepare_cached(
            "SELECT i.file_name, i.mime, b.bytes, i.alt, i.width, i.height
             FROM outbox o JOIN calendar_images i ON i.item_id = o.calendar_item_id
             JOIN calendar_image_blobs b ON b.id = i.blob_id
             WHERE o.id = ?1 AND o.kind = 'post'
             ORDER BY i.position, i.id",
        )?
        .query_map([outbox], |r| {
            Ok(Attachment {
                file_name: r.get(0)?,
                mime: r.get(1)?,
                bytes: r.get::<_, Vec<u8>>(2)?.into(),
                alt: r.get(3)?,
                width: r.get(4)?,
                height: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn mentions_for_platform(
    conn: &rusqlite::Connection,
    conversation: i64,
    body: &str,
) -> Result<String> {
    let platform: String = conn.query_row(
        "SELECT platform FROM conversations WHERE id = ?1",
        [conversation],
        |r| r.get(0),
    )?;
    if !matches!(platform.as_str(), "discord" | "slack") || !body.contains('@') {
        return Ok(body.to_string());
    }
    let people: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT DISTINCT i.handle, i.external_id FROM messages m
             JOIN identities i ON i.id = m.author_identity_id
             WHERE m.conversation_id = ?1 AND i.handle <> ''",
        )?
        .query_map([conversation], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let handle_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-');
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('@') {
        let (before, from_at) = rest.split_at(at);
        out.push_str(before);
        let starts_word = out
            .chars()
            .last()
            .is_none_or(|c| !handle_char(c) && c != '<');
        let word_end = from_at[1..]
            .find(|c: char| !handle_char(c))
            .map_or(from_at.len(), |e| e + 1);
        // a handle ends before a final full stop ("thanks @ana.")
        let word = from_at[1..word_end].trim_end_matches('.');
        let person = people.iter().find(|(handle, _)| {
            starts_word && !word.is_empty() && handle.eq_ignore_ascii_case(word)
        });
        match person {
            Some((_, id)) => {
                out.push_str(&format!("<@{id}>"));
                rest = &from_at[1 + word.len()..];
            }
            None => {
                out.push('@');
                rest = &from_at[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Item ids as the JSON array SQLite's `json_each` reads.
fn ids(list: &[i64]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// An item this store holds for sending.
struct Claimed {
    id: i64,
    /// An earlier attempt's outcome is unknown.
    in_doubt: bool,
    key_since: Option<Millis>,
    item: Outgoing,
    /// A moderation action rather than a message (or why its description cannot be read).
    moderation: Option<std::result::Result<Moderation, String>>,
}

fn moderation_of(json: &str, item: &Outgoing) -> std::result::Result<Moderation, String> {
    let m: ModerationColumn = serde_json::from_str(json)
        .map_err(|e| format!("this moderation item cannot be read ({e})"))?;
    Ok(Moderation {
        action: m.action,
        idempotency_key: item.idempotency_key.clone(),
        conversation_external_id: item.conversation_external_id.clone(),
        message_external_id: m.message,
        user_external_id: m.user,
        message_url: m.url,
        reason: m.reason,
        until: m.until,
    })
}

/// When an item whose outcome is unknown may be looked at again, and how long a claim lasts.
struct Timing {
    /// A request whose answer was lost may reach the platform until this long after it began.
    in_flight: Millis,
    /// How long a claim holds without renewal.
    lease: Millis,
    /// How often a claim is renewed while its request is out.
    renew: Duration,
    /// How long the platform keeps an idempotency key (`None`: it has none).
    key_window: Option<Millis>,
}

/// Slack for a request that left just before its timeout, and for a clock that stepped.
const IN_FLIGHT_MARGIN: Duration = Duration::from_secs(5);
const RENEW_EVERY: Duration = Duration::from_secs(10);

fn millis(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

impl Timing {
    fn of(connector: &dyn Connector) -> Timing {
        let in_flight = millis(connector.http().timeout() + IN_FLIGHT_MARGIN);
        Timing {
            in_flight,
            lease: in_flight + 2 * millis(RENEW_EVERY),
            renew: RENEW_EVERY,
            key_window: connector.idempotency_window().map(millis),
        }
    }
}

enum Outcome<'a> {
    Sent(&'a Sent),
    /// Certainly not sent (offline, rate limited): queue again.
    Requeue(&'a str),
    /// Maybe sent (timeout, dropped connection, 5xx): reconcile before any new attempt.
    Unknown(&'a str),
    /// The platform refused it.
    Failed(&'a str),
}

fn outcome_of<'a>(e: &ConnectorError, msg: &'a str) -> Outcome<'a> {
    match e {
        ConnectorError::RateLimited { .. } | ConnectorError::Offline { .. } => {
            Outcome::Requeue(msg)
        }
        e if e.kind() == ErrorKind::Transient => Outcome::Unknown(msg),
        _ => Outcome::Failed(msg),
    }
}

/// Sends what is queued for `account_id` through `connector`, oldest first, claiming each
/// item before it is touched, so another Hearth flushing the same outbox at the same time
/// (the app's syncer and `hearth outbox --flush` from cron) never sends it too. Stops at the
/// first item that cannot go out for a reason that would stop the next one too (offline, rate
/// limited, a rejected token).
pub async fn flush_account(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
    clock: &(dyn Fn() -> Millis + Send + Sync),
) -> Result<FlushReport> {
    let timing = Timing::of(connector);
    let mut report = FlushReport::default();
    store.release_claims_of_the_dead()?;
    let mut done: Vec<i64> = Vec::new();
    while let Some(claimed) = store.claim_next(account_id, clock(), &timing, &done)? {
        done.push(claimed.id);
        let step = send_claimed(store, connector, &claimed, &timing, clock, &mut report).await;
        // However the attempt went, the item is not left held by this store.
        store.release(claimed.id)?;
        if step? == Step::Stop {
            break;
        }
    }
    let (elsewhere, checking) = store.untaken(account_id, clock(), &timing, &done)?;
    report.elsewhere = elsewhere;
    report.later = store.conn().query_row(
        "SELECT count(*) FROM outbox
         WHERE account_id = ?1 AND state = 'queued' AND send_after > ?2",
        params![account_id, clock()],
        |r| r.get::<_, i64>(0),
    )? as u64;
    report.waiting += checking;
    if checking > 0 && report.problem.is_none() {
        report.problem = Some(format!(
            "{checking} item(s) may still be on their way to {} from an attempt that was cut off; \
             Hearth checks whether they arrived before sending again",
            connector.platform().label()
        ));
    }
    Ok(report)
}

#[derive(Debug, PartialEq, Eq)]
enum Step {
    Next,
    Stop,
}

/// Reconciles (if in doubt) and sends one claimed item.
async fn send_claimed(
    store: &mut Store,
    connector: &dyn Connector,
    claimed: &Claimed,
    timing: &Timing,
    clock: &(dyn Fn() -> Millis + Send + Sync),
    report: &mut FlushReport,
) -> Result<Step> {
    let Claimed {
        id,
        in_doubt,
        key_since,
        ref item,
        ref moderation,
    } = *claimed;
    if let Some(moderation) = moderation {
        return moderate_claimed(store, connector, id, moderation, timing, clock, report).await;
    }
    // An item in doubt is resent blindly only while the platform still knows its key;
    // otherwise it is looked for first.
    let key_alive = match (timing.key_window, key_since) {
        (Some(window), Some(since)) => clock() < since + window,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let mut fresh = !in_doubt;
    if in_doubt && !key_alive {
        let found = holding(store, id, timing, clock, connector.find_sent(item)).await;
        match found {
            Ok(Some(sent)) => {
                store.finish_attempt(id, Outcome::Sent(&sent), clock())?;
                report.reconciled += 1;
                return Ok(Step::Next);
            }
            Ok(None) => fresh = true,
            Err(e) => {
                let msg = e.to_string();
                store.finish_attempt(id, Outcome::Unknown(&msg), clock())?;
                report.waiting += 1;
                report.problem.get_or_insert(msg);
                return Ok(if e.kind() == ErrorKind::Permanent {
                    Step::Next
                } else {
                    Step::Stop
                });
            }
        }
    }
    if !store.begin_attempt(id, fresh, clock(), timing.lease)? {
        // Another Hearth took the item over (this one was away longer than its lease).
        return Ok(Step::Next);
    }
    match holding(store, id, timing, clock, connector.send(item)).await {
        Ok(sent) => {
            store.finish_attempt(id, Outcome::Sent(&sent), clock())?;
            report.sent += 1;
            Ok(Step::Next)
        }
        Err(e) => {
            let msg = e.to_string();
            let outcome = outcome_of(&e, &msg);
            let stop = !matches!(outcome, Outcome::Failed(_)) || e.kind() == ErrorKind::Auth;
            if matches!(outcome, Outcome::Failed(_)) {
                report.failed += 1;
            } else {
                report.waiting += 1;
            }
            store.finish_attempt(id, outcome, clock())?;
            report.problem.get_or_insert(msg);
            Ok(if stop { Step::Stop } else { Step::Next })
        }
    }
}

/// Carries out one claimed moderation action. Every action is idempotent on the platform
/// (already deleted, already banned count as done), so one whose outcome is unknown is simply
/// carried out again rather than looked for.
async fn moderate_claimed(
    store: &mut Store,
    connector: &dyn Connector,
    id: i64,
    moderation: &std::result::Result<Moderation, String>,
    timing: &Timing,
    clock: &(dyn Fn() -> Millis + Send + Sync),
    report: &mut FlushReport,
) -> Result<Step> {
    let moderation = match moderation {
        Ok(m) => m,
        Err(why) => {
            store.finish_attempt(id, Outcome::Failed(why), clock())?;
            report.failed += 1;
            report.problem.get_or_insert_with(|| why.clone());
            return Ok(Step::Next);
        }
    };
    if !store.begin_attempt(id, false, clock(), timing.lease)? {
        return Ok(Step::Next);
    }
    match holding(store, id, timing, clock, connector.moderate(moderation)).await {
        Ok(done) => {
            store.finish_attempt(id, Outcome::Sent(&done), clock())?;
            report.sent += 1;
            Ok(Step::Next)
        }
        Err(e) => {
            let msg = e.to_string();
            let outcome = match outcome_of(&e, &msg) {
                // Carried out again next time: nothing to reconcile.
                Outcome::Unknown(m) => Outcome::Requeue(m),
                o => o,
            };
            let failed = matches!(outcome, Outcome::Failed(_));
            let stop = !failed || e.kind() == ErrorKind::Auth;
            if failed {
                report.failed += 1;
            } else {
                report.waiting += 1;
            }
            store.finish_attempt(id, outcome, clock())?;
            report.problem.get_or_insert(msg);
            Ok(if stop { Step::Stop } else { Step::Next })
        }
    }
}

/// Awaits `request` while renewing this store's claim on item `id`, so a slow platform never
/// lets the claim run out while the request is out.
async fn holding<T>(
    store: &mut Store,
    id: i64,
    timing: &Timing,
    clock: &(dyn Fn() -> Millis + Send + Sync),
    request: impl std::future::Future<Output = T>,
) -> T {
    tokio::pin!(request);
    let mut renew = tokio::time::interval(timing.renew);
    renew.tick().await;
    loop {
        tokio::select! {
            r = &mut request => return r,
            _ = renew.tick() => {
                // A renewal that fails (the database is busy) is tried again at the next
                // tick; the lease has room for a missed one.
                let _ = store.renew_lease(id, clock() + timing.lease);
            }
        }
    }
}
