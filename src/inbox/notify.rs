//! Desktop notifications: which new messages deserve one (a mention of the account, a direct
//! message), the person's choices (on or off, platforms muted, quiet hours), and a watermark
//! so each message is announced once, whichever Hearth synced it. Owns: choosing and wording;
//! the desktop shell shows them. Must never: announce the backlog of a first sync, a message
//! the team wrote, or anything during quiet hours; put a token or HTML in a notice.

use chrono::{Local, NaiveTime, TimeZone, Timelike};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use crate::error::{Error, Result};
use crate::model::{Millis, Notice, NotifySettings, Platform};
use crate::store::{platform_col, Store};
use crate::text::shorten;

const ENABLED: &str = "notify.enabled";
const MUTED: &str = "notify.muted_platforms";
const QUIET_FROM: &str = "notify.quiet_from";
const QUIET_TO: &str = "notify.quiet_to";
/// The newest message already looked at.
const SEEN: &str = "notify.seen_message_id";

/// A message older than this when it arrives is history (a new account's first sync, a
/// laptop back after a week away): the inbox holds it, no notification interrupts for it.
const FRESH_MS: Millis = 24 * 3_600_000;

/// More new messages than this at once become one notice that says how many.
const AT_ONCE: usize = 3;

fn minutes(t: &str) -> Result<u32> {
    let time = NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
        Error::invalid(format!(
            "quiet hours are times of day such as 22:00 and 08:00, not '{t}'"
        ))
    })?;
    Ok(time.hour() * 60 + time.minute())
}

impl NotifySettings {
    /// Whether `minute` (of the local day) is inside the quiet hours, which may run over
    /// midnight (22:00–08:00).
    fn quiet_at(&self, minute: u32) -> bool {
        let (Some(from), Some(to)) = (&self.quiet_from, &self.quiet_to) else {
            return false;
        };
        let (Ok(from), Ok(to)) = (minutes(from), minutes(to)) else {
            return false;
        };
        if from <= to {
            (from..to).contains(&minute)
        } else {
            minute >= from || minute < to
        }
    }
}

impl Store {
    /// The notification choices, with their defaults (on, nothing muted, no quiet hours).
    pub fn notify_settings(&self) -> Result<NotifySettings> {
        let muted = self
            .setting(MUTED)?
            .unwrap_or_default()
            .split(',')
            .filter_map(|p| p.trim().parse::<Platform>().ok())
            .collect();
        Ok(NotifySettings {
            enabled: self.setting(ENABLED)?.as_deref() != Some("off"),
            muted_platforms: muted,
            quiet_from: self.setting(QUIET_FROM)?,
            quiet_to: self.setting(QUIET_TO)?,
        })
    }

    /// Saves the choices; quiet hours need both ends or neither.
    pub fn set_notify_settings(&mut self, s: &NotifySettings) -> Result<NotifySettings> {
        let quiet = match (&s.quiet_from, &s.quiet_to) {
            (Some(from), Some(to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                minutes(from)?;
                minutes(to)?;
                Some((from.trim().to_owned(), to.trim().to_owned()))
            }
            (None, None) => None,
            (Some(a), Some(b)) if a.trim().is_empty() && b.trim().is_empty() => None,
            _ => {
                return Err(Error::invalid(
                    "quiet hours need a start and an end, such as 22:00 and 08:00",
                ))
            }
        };
        let muted: Vec<&str> = s.muted_platforms.iter().map(|p| p.as_str()).collect();
        let tx = self.conn_mut().transaction()?;
        let set = |key: &str, value: Option<&str>| -> rusqlite::Result<usize> {
            match value {
                Some(v) => tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, v],
                ),
                None => tx.execute("DELETE FROM settings WHERE key = ?1", [key]),
            }
        };
        set(ENABLED, Some(if s.enabled { "on" } else { "off" }))?;
        set(MUTED, Some(&muted.join(",")))?;
        set(QUIET_FROM, quiet.as_ref().map(|q| q.0.as_str()))?;
        set(QUIET_TO, quiet.as_ref().map(|q| q.1.as_str()))?;
        tx.commit()?;
        self.notify_settings()
    }

    /// The notices owed for messages that arrived since the last call, and the watermark
    /// moved past them, in one write (two Hearths never announce the same message). The first
    /// call only sets the watermark. Mentions of the account and direct messages from members,
    /// written in the last day, on platforms not muted, outside quiet hours; more than three
    /// become one notice that counts them.
    pub fn take_notices(&mut self, now: Millis) -> Result<Vec<Notice>> {
        let settings = self.notify_settings()?;
        let minute = Local
            .timestamp_millis_opt(now)
            .single()
            .map(|t| t.hour() * 60 + t.minute())
            .unwrap_or(0);
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let newest: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
            r.get(0)
        })?;
        let seen: Option<i64> = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [SEEN], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .and_then(|v| v.parse().ok());
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![SEEN, newest.max(seen.unwrap_or(0)).to_string()],
        )?;
        let Some(seen) = seen else {
            tx.commit()?;
            return Ok(Vec::new());
        };
        if !settings.enabled || settings.quiet_at(minute) || newest <= seen {
            tx.commit()?;
            return Ok(Vec::new());
        }
        let mut notices: Vec<(String, Notice)> = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT m.conversation_id, m.platform, c.kind = 'direct_message',
                        coalesce(i.display_name, i.handle, 'Someone'), m.body_text,
                        coalesce(c.title, c.container, a.name)
                 FROM messages m
                 JOIN conversations c ON c.id = m.conversation_id
                 JOIN accounts a ON a.id = c.account_id
                 JOIN identities i ON i.id = m.author_identity_id
                 WHERE m.id > ?1 AND m.from_us = 0 AND m.deleted_at IS NULL
                   AND (m.mentions_us = 1 OR c.kind = 'direct_message')
                   AND m.created_at >= ?2 AND a.demo = 0
                 ORDER BY m.id",
            )?;
            let rows = stmt.query_map(params![seen, now - FRESH_MS], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    platform_col(r, 1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            for row in rows {
                let (conversation_id, platform, direct, who, text, place) = row?;
                if settings.muted_platforms.contains(&platform) {
                    continue;
                }
                let title = if direct {
                    format!("{who} · direct message on {}", platform.label())
                } else {
                    format!("{who} mentioned you · {}", shorten(&place, 60))
                };
                notices.push((
                    who,
                    Notice {
                        conversation_id: Some(conversation_id),
                        platform: Some(platform),
                        title,
                        body: shorten(&text, 200),
                    },
                ));
            }
        }
        tx.commit()?;
        if notices.len() <= AT_ONCE {
            return Ok(notices.into_iter().map(|(_, n)| n).collect());
        }
        let mut names: Vec<&str> = Vec::new();
        for (who, _) in notices.iter().rev() {
            if !names.contains(&who.as_str()) {
                names.push(who);
            }
        }
        let more = names.len().saturating_sub(3);
        names.truncate(3);
        Ok(vec![Notice {
            conversation_id: None,
            platform: None,
            title: format!("{} new mentions and direct messages", notices.len()),
            body: if more > 0 {
                format!("From {} and {more} more", names.join(", "))
            } else {
                format!("From {}", names.join(", "))
            },
        }])
    }
}
