//! The outbox: replies and posts written in Hearth, sent when online, each exactly once.
//! Owns: queueing, recording every attempt *before* the request goes out, and reconciling an
//! attempt whose outcome is unknown (the process died or the connection dropped after
//! sending) — by resending with the platform's idempotency key where it has one, or by
//! looking for the message on the platform where it has not.
//! Must never: send an item twice because a reply got lost.

use rusqlite::{params, OptionalExtension, Row};
use unicode_segmentation::UnicodeSegmentation;

use super::{Connector, ConnectorError, ErrorKind, Outgoing, Sent};
use crate::error::{Error, Result};
use crate::model::{Millis, OutboxItem, OutboxState};
use crate::store::Store;

const SELECT: &str = "SELECT o.id, o.account_id, a.platform, o.conversation_id, c.title, o.kind,
        o.body, o.state, o.attempts, o.last_error, o.created_at, o.sent_at, o.url
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
    })
}

fn new_key(now: Millis) -> String {
    format!("hearth-{now:x}-{:016x}", fastrand::u64(..))
}

fn check_body(body: &str, limit: Option<u32>, platform: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::invalid("the reply is empty"));
    }
    if let Some(limit) = limit {
        let n = body.graphemes(true).count();
        if n > limit as usize {
            return Err(Error::invalid(format!(
                "{platform} allows {limit} characters; this reply has {n}"
            )));
        }
    }
    Ok(body.to_string())
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
                 reply_to_external_id, created_at)
             VALUES (?1, ?2, 'reply', ?3, ?4, ?5, ?6)",
            params![
                account_id,
                conversation_id,
                body,
                new_key(now),
                reply_to,
                now
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

    /// Drops an item that was not sent yet.
    pub fn cancel_outbox(&mut self, id: i64) -> Result<()> {
        let item = self.outbox_item(id)?;
        if matches!(item.state, OutboxState::Sent | OutboxState::Sending) {
            return Err(Error::invalid(
                "this item was already sent (or is being sent) and cannot be withdrawn from Hearth",
            ));
        }
        self.conn()
            .execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        Ok(())
    }

    fn pending_outbox(&self, account_id: i64) -> Result<Vec<(i64, bool, Outgoing)>> {
        let mut stmt = self.conn().prepare(
            "SELECT o.id, o.state = 'sending', o.idempotency_key, o.body, c.external_id,
                 o.reply_to_external_id, o.title, o.attempted_at
             FROM outbox o LEFT JOIN conversations c ON c.id = o.conversation_id
             WHERE o.account_id = ?1 AND o.state IN ('queued', 'sending')
             ORDER BY o.created_at, o.id",
        )?;
        let rows = stmt
            .query_map([account_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    Outgoing {
                        idempotency_key: r.get(2)?,
                        body: r.get(3)?,
                        conversation_external_id: r.get(4)?,
                        reply_to_external_id: r.get(5)?,
                        title: r.get(6)?,
                        attempted_at: r.get(7)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Records an attempt before the request goes out: if the process dies while sending,
    /// the item is found in `sending` and reconciled instead of blindly sent again.
    fn begin_attempt(&mut self, id: i64, now: Millis) -> Result<()> {
        self.conn().execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, attempted_at = ?2
             WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    fn finish_attempt(&mut self, id: i64, outcome: Outcome<'_>, now: Millis) -> Result<()> {
        match outcome {
            Outcome::Sent(sent) => self.conn().execute(
                "UPDATE outbox SET state = 'sent', sent_at = ?2, external_id = ?3, url = ?4,
                     last_error = NULL WHERE id = ?1",
                params![id, now, sent.external_id, sent.url],
            )?,
            Outcome::Requeue(e) => self.conn().execute(
                "UPDATE outbox SET state = 'queued', last_error = ?2 WHERE id = ?1",
                params![id, e],
            )?,
            Outcome::Unknown(e) => self.conn().execute(
                "UPDATE outbox SET state = 'sending', last_error = ?2 WHERE id = ?1",
                params![id, e],
            )?,
            Outcome::Failed(e) => self.conn().execute(
                "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE id = ?1",
                params![id, e],
            )?,
        };
        Ok(())
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

/// Sends what is queued for `account_id` through `connector`, oldest first. Stops at the first
/// item that cannot go out for a reason that would stop the next one too (offline, rate
/// limited, a rejected token).
pub async fn flush_account(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
    clock: &(dyn Fn() -> Millis + Send + Sync),
) -> Result<FlushReport> {
    let mut report = FlushReport::default();
    for (id, in_doubt, item) in store.pending_outbox(account_id)? {
        if in_doubt && !connector.idempotent_send() {
            match connector.find_sent(&item).await {
                Ok(Some(sent)) => {
                    store.finish_attempt(id, Outcome::Sent(&sent), clock())?;
                    report.reconciled += 1;
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    let msg = e.to_string();
                    store.finish_attempt(id, Outcome::Unknown(&msg), clock())?;
                    report.waiting += 1;
                    report.problem.get_or_insert(msg);
                    if e.kind() != ErrorKind::Permanent {
                        break;
                    }
                    continue;
                }
            }
        }
        store.begin_attempt(id, clock())?;
        match connector.send(&item).await {
            Ok(sent) => {
                store.finish_attempt(id, Outcome::Sent(&sent), clock())?;
                report.sent += 1;
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
                if stop {
                    break;
                }
            }
        }
    }
    Ok(report)
}
