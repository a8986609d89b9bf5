//! Moderation actions — warn, hide, delete, time out, kick, ban — and the log that records
//! them per person. Owns: which actions a message's platform can carry out
//! ([`Platform::moderation`]), queueing those through the outbox (a `moderate` item; a
//! warning is a reply), recording the rest as done by hand, settling the message's flags, and
//! reading the log for the Moderation view and a member's profile.
//! Must never: act on the team's own account, send anything for the demo community, or lose an
//! action: a refused one stays in the log as failed, with the platform's words, until it is
//! retried or recorded as done by hand.

use rusqlite::{params, OptionalExtension, Row};

use crate::error::{Error, Result};
use crate::inbox::canned::MY_NAME;
use crate::model::{Millis, ModAction, ModActionChoice, ModActionInput, ModActionKind, Platform};
use crate::outgoing::{check_body, new_key, ModerationColumn};
use crate::store::{platform_col, Store};

const MINUTE: Millis = 60_000;
/// A timeout lasts a day unless the moderator says otherwise.
const DEFAULT_TIMEOUT_MINUTES: i64 = 24 * 60;
/// Discord's longest timeout, and so Hearth's: 28 days.
const LONGEST_TIMEOUT_MINUTES: i64 = 28 * 24 * 60;
/// Characters of the message kept in the log.
const EXCERPT: usize = 280;

const SELECT: &str = "SELECT x.id, x.action, mm.id, coalesce(mm.display_name, i.display_name,
        i.handle, ''), x.identity_id, coalesce(nullif(i.handle, ''), i.display_name, ''),
        a.platform, i.account_id, x.message_id, x.conversation_id, x.flag_id, x.reason,
        x.guideline, x.by_name, x.until, x.how, x.state, x.error, x.excerpt, x.link,
        x.created_at, x.done_at, x.outbox_id
    FROM mod_actions x
    JOIN identities i ON i.id = x.identity_id
    JOIN accounts a ON a.id = i.account_id
    JOIN members mm ON mm.id = i.member_id";

fn row(r: &Row<'_>) -> rusqlite::Result<ModAction> {
    let action: String = r.get(1)?;
    Ok(ModAction {
        id: r.get(0)?,
        action: action.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?,
        member_id: r.get(2)?,
        member: r.get(3)?,
        identity_id: r.get(4)?,
        handle: r.get(5)?,
        platform: platform_col(r, 6)?,
        account_id: r.get(7)?,
        message_id: r.get(8)?,
        conversation_id: r.get(9)?,
        flag_id: r.get(10)?,
        reason: r.get(11)?,
        guideline: r.get(12)?,
        by: r.get(13)?,
        until: r.get(14)?,
        how: r.get(15)?,
        state: r.get(16)?,
        error: r.get(17)?,
        excerpt: r.get(18)?,
        link: r.get(19)?,
        created_at: r.get(20)?,
        done_at: r.get(21)?,
        outbox_id: r.get(22)?,
    })
}

/// Who and where an action is aimed at.
struct Target {
    identity: i64,
    identity_external: String,
    handle: String,
    account: i64,
    platform: Platform,
    demo: bool,
    ours: bool,
    message: Option<i64>,
    message_external: Option<String>,
    conversation: Option<i64>,
    excerpt: Option<String>,
    /// The message's link, for the log (none for an action on an account).
    link: Option<String>,
    /// The link of the message, or else of their latest one: where the platform is (Discord's
    /// server is in it).
    context_link: Option<String>,
}

fn choices_for(platform: Platform, demo: bool) -> Vec<ModActionChoice> {
    ModActionKind::ALL
        .into_iter()
        .map(|action| {
            let how = if demo {
                None
            } else {
                platform.moderation(action)
            };
            ModActionChoice {
                action,
                on_platform: how.is_some(),
                how: match how {
                    Some(h) => format!("Hearth {h}"),
                    None if demo => {
                        "Recorded in the log: the demo community is sample data, so nothing is sent"
                            .into()
                    }
                    None => format!(
                        "Recorded in the log: do it on {} yourself",
                        platform.label()
                    ),
                },
            }
        })
        .collect()
}

impl Store {
    /// The actions a moderator can take on `message_id` (or on account `identity_id`), each
    /// saying whether Hearth carries it out on the platform or records it as done by hand.
    pub fn mod_action_choices(
        &self,
        message_id: Option<i64>,
        identity_id: Option<i64>,
    ) -> Result<Vec<ModActionChoice>> {
        let t = self.mod_target(None, message_id, identity_id)?;
        Ok(choices_for(t.platform, t.demo))
    }

    fn mod_target(
        &self,
        flag: Option<i64>,
        message: Option<i64>,
        identity: Option<i64>,
    ) -> Result<Target> {
        let conn = self.conn();
        let message = match (flag, message) {
            (Some(f), _) => Some(
                conn.query_row("SELECT message_id FROM mod_flags WHERE id = ?1", [f], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
                .ok_or_else(|| Error::not_found("flag", f))?,
            ),
            (None, m) => m,
        };
        // The message, or else the account's latest message, gives the room or server.
        let (identity, message_row) = match (message, identity) {
            (Some(m), _) => {
                let author: i64 = conn
                    .query_row(
                        "SELECT author_identity_id FROM messages WHERE id = ?1",
                        [m],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| Error::not_found("message", m))?;
                (author, Some(m))
            }
            (None, Some(i)) => (i, None),
            (None, None) => {
                return Err(Error::invalid(
                    "say which message or which account the action is about",
                ))
            }
        };
        let (identity_external, handle, account, platform, demo, ours): (
            String,
            String,
            i64,
            Platform,
            bool,
            bool,
        ) = conn
            .query_row(
                "SELECT i.external_id, coalesce(nullif(i.handle, ''), i.display_name, ''),
                        i.account_id, a.platform, a.demo,
                        i.external_id = coalesce(a.self_external_id, '')
                 FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.id = ?1",
                [identity],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        platform_col(r, 3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| Error::not_found("account", identity))?;
        let context: Option<(i64, String, i64, String, Option<String>)> = conn
            .query_row(
                "SELECT m.id, m.external_id, m.conversation_id, m.body_text, coalesce(m.url, c.url)
                 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.id = ?1 OR (?1 IS NULL AND m.author_identity_id = ?2)
                 ORDER BY m.created_at DESC LIMIT 1",
                params![message_row, identity],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (message_id, message_external, conversation, excerpt, link) = match context {
            Some((id, ext, conv, text, link)) => {
                (Some(id), Some(ext), Some(conv), Some(text), link)
            }
            None => (None, None, None, None, None),
        };
        let only_context = message_row.is_none();
        Ok(Target {
            identity,
            identity_external,
            handle,
            account,
            platform,
            demo,
            ours,
            message: message_id.filter(|_| !only_context),
            message_external,
            conversation,
            excerpt: excerpt
                .filter(|_| !only_context)
                .map(|t| crate::text::shorten(&t, EXCERPT)),
            link: link.clone().filter(|_| !only_context),
            context_link: link,
        })
    }

    /// Takes a moderation action: carried out on the platform through the outbox where its
    /// API allows (a warning only when its words are given), otherwise recorded as done by
    /// hand. Either way it is in the log of the person, and the message's open flags are
    /// settled as actioned — in one transaction.
    pub fn moderate(&mut self, input: &ModActionInput, now: Millis) -> Result<ModAction> {
        let action = input.action.ok_or_else(|| {
            Error::invalid("choose an action: warn, hide, delete, timeout, kick or ban")
        })?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid(
                "say why, in a few words: the log keeps it, and the platform's audit log too",
            ));
        }
        let t = self.mod_target(input.flag_id, input.message_id, input.identity_id)?;
        if t.ours {
            return Err(Error::invalid(
                "that is the team's own account: Hearth does not moderate it",
            ));
        }
        if action.on_message() && t.message.is_none() {
            return Err(Error::invalid(format!(
                "to {} a message, choose the message",
                action.as_str()
            )));
        }
        let minutes = match action {
            ModActionKind::Timeout => {
                let m = input.minutes.unwrap_or(DEFAULT_TIMEOUT_MINUTES);
                if !(1..=LONGEST_TIMEOUT_MINUTES).contains(&m) {
                    return Err(Error::invalid(
                        "a timeout lasts from a minute to 28 days (40,320 minutes)",
                    ));
                }
                Some(m)
            }
            _ => None,
        };
        let until = minutes.map(|m| now + m * MINUTE);
        let warning = input
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        let on_platform = !input.by_hand
            && !t.demo
            && t.platform.moderation(action).is_some()
            && (action != ModActionKind::Warn || warning.is_some())
            && t.conversation.is_some();
        let guideline = input
            .guideline
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        let by = self
            .setting(MY_NAME)?
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "You".into());
        let tx = self.conn_mut().transaction()?;
        let outbox = if on_platform {
            let key = new_key(now);
            if action == ModActionKind::Warn {
                let body = check_body(
                    warning.unwrap_or_default(),
                    t.platform.post_limit(),
                    t.platform.label(),
                )?;
                tx.execute(
                    "INSERT INTO outbox (account_id, conversation_id, kind, body, idempotency_key,
                         reply_to_external_id, created_at)
                     VALUES (?1, ?2, 'reply', ?3, ?4, ?5, ?6)",
                    params![
                        t.account,
                        t.conversation,
                        body,
                        key,
                        t.message_external,
                        now
                    ],
                )?;
            } else {
                let column = ModerationColumn {
                    action,
                    // the message acted on (a Discourse silence names the post it is for)
                    message: t.message_external.clone().filter(|_| t.message.is_some()),
                    user: t.identity_external.clone(),
                    until,
                    reason: reason.to_string(),
                    url: t.context_link.clone(),
                };
                let json = serde_json::to_string(&column)
                    .map_err(|e| Error::invalid(format!("cannot describe the action: {e}")))?;
                let who = match t.handle.as_str() {
                    "" => "them".to_string(),
                    h if h.starts_with('@') => h.to_string(),
                    h => format!("@{h}"),
                };
                let words = match action {
                    ModActionKind::Hide => format!("Hide a message by {who}"),
                    ModActionKind::Delete => format!("Delete a message by {who}"),
                    ModActionKind::Timeout => format!(
                        "Time out {who} for {}",
                        crate::when::human_minutes(minutes.unwrap_or(DEFAULT_TIMEOUT_MINUTES))
                    ),
                    ModActionKind::Kick => format!("Kick {who}"),
                    ModActionKind::Ban => format!("Ban {who}"),
                    ModActionKind::Warn => format!("Warn {who}"),
                };
                tx.execute(
                    "INSERT INTO outbox (account_id, conversation_id, kind, body, idempotency_key,
                         created_at, moderation)
                     VALUES (?1, ?2, 'moderate', ?3, ?4, ?5, ?6)",
                    params![
                        t.account,
                        t.conversation,
                        format!("{words}: {reason}"),
                        key,
                        now,
                        json
                    ],
                )?;
            }
            Some(tx.last_insert_rowid())
        } else {
            None
        };
        tx.execute(
            "INSERT INTO mod_actions (identity_id, message_id, conversation_id, flag_id, action,
                 reason, guideline, by_name, until, how, state, outbox_id, excerpt, link,
                 created_at, done_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                t.identity,
                t.message,
                t.conversation,
                input.flag_id,
                action.as_str(),
                reason,
                guideline,
                by,
                until,
                if on_platform { "platform" } else { "hand" },
                if on_platform { "queued" } else { "done" },
                outbox,
                t.excerpt,
                t.link,
                now,
                if on_platform { None } else { Some(now) },
            ],
        )?;
        let id = tx.last_insert_rowid();
        if let Some(message) = t.message {
            tx.execute(
                "UPDATE mod_flags SET status = 'actioned', resolved_at = ?2
                 WHERE message_id = ?1 AND status = 'open'",
                params![message, now],
            )?;
        }
        tx.commit()?;
        self.mod_action(id)
    }

    pub fn mod_action(&self, id: i64) -> Result<ModAction> {
        self.conn()
            .query_row(&format!("{SELECT} WHERE x.id = ?1"), [id], row)
            .optional()?
            .ok_or_else(|| Error::not_found("moderation action", id))
    }

    /// The moderation log, newest first: everyone's, or one member's (every account merged
    /// into them).
    pub fn mod_log(&self, member_id: Option<i64>, limit: usize) -> Result<Vec<ModAction>> {
        let sql = match member_id {
            Some(_) => format!(
                "{SELECT} WHERE i.member_id = ?1 ORDER BY x.created_at DESC, x.id DESC LIMIT ?2"
            ),
            None => {
                format!("{SELECT} WHERE ?1 IS NULL ORDER BY x.created_at DESC, x.id DESC LIMIT ?2")
            }
        };
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params![member_id, limit as i64], row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Records an action the platform refused (or that waits in the outbox) as done by hand:
    /// the moderator did it on the platform. Its outbox item, if not sent, is withdrawn.
    pub fn mod_action_done_by_hand(&mut self, id: i64, now: Millis) -> Result<ModAction> {
        let action = self.mod_action(id)?;
        if action.state == "done" {
            return Err(Error::invalid("this action is already done"));
        }
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "UPDATE mod_actions SET how = 'hand', state = 'done', error = NULL, done_at = ?2,
                 outbox_id = NULL
             WHERE id = ?1",
            params![id, now],
        )?;
        if let Some(outbox) = action.outbox_id {
            // (state, held by a Hearth sending it now)
            let item: Option<(String, bool)> = tx
                .query_row(
                    "SELECT state, lease_owner IS NOT NULL AND lease_until > ?2
                     FROM outbox WHERE id = ?1",
                    params![outbox, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match item {
                Some((state, held)) if held || state == "sending" => {
                    return Err(Error::invalid(
                        "Hearth is carrying this action out right now; wait for it to finish",
                    ))
                }
                Some((state, _)) if state != "sent" => {
                    tx.execute("DELETE FROM outbox WHERE id = ?1", [outbox])?;
                }
                _ => {}
            }
        }
        tx.commit()?;
        self.mod_action(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platform_says_what_it_can_do_and_the_demo_does_nothing() {
        let matrix = choices_for(Platform::Matrix, false);
        let can: Vec<&str> = matrix
            .iter()
            .filter(|c| c.on_platform)
            .map(|c| c.action.as_str())
            .collect();
        assert_eq!(can, ["warn", "delete", "kick", "ban"]);
        let hide = matrix
            .iter()
            .find(|c| c.action == ModActionKind::Hide)
            .expect("hide is offered");
        assert!(
            hide.how.contains("do it on Matrix yourself"),
            "{}",
            hide.how
        );
        assert!(choices_for(Platform::Discord, true)
            .iter()
            .all(|c| !c.on_platform && c.how.contains("demo")));
        let slack: Vec<ModActionKind> = choices_for(Platform::Slack, false)
            .into_iter()
            .filter(|c| c.on_platform)
            .map(|c| c.action)
            .collect();
        assert_eq!(slack, [ModActionKind::Warn, ModActionKind::Delete]);
    }
}
