//! The triage queue. Owns: which conversations need a human (open, or snoozed past their
//! time), which wait on a member, the thread view, and triage actions (done, reopen, waiting,
//! snooze, tag, assign, priority, undo).
//! The open queue's first page also carries the follow-up reminders on members that are due
//! (`members/reminders.rs`), as their own kind of item above the conversations.
//! Must never: decide what a platform shows; triage state is Hearth's own and stays local.

use rusqlite::OptionalExtension;

pub mod canned;
mod counts;
pub(crate) use counts::recount;
pub mod notify;
pub mod rules;
pub(crate) mod triage;
pub mod views;

use crate::error::{Error, Result};
use crate::members::reminders::{due_count, due_reminders};
use crate::model::{
    Author, ConversationDetail, ConversationKind, InboxCounts, InboxItem, InboxPage, InboxQuery,
    MessageRevision, MessageView, Millis, Status,
};
use crate::store::split_unit;
use crate::store::{platform_col, Store};
use crate::text::shorten;

const ITEM_COLUMNS: &str = "c.id, c.platform, a.name, c.kind, c.title, c.container,
    coalesce(i.display_name, i.handle, ''), i.member_id, substr(coalesce(m.body_text, ''), 1, 240),
    c.last_message_at, c.message_count, c.status, c.priority, c.snoozed_until, c.assignee,
    (SELECT group_concat(t.name, char(31)) FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
        WHERE ct.conversation_id = c.id),
    c.url, c.rank, c.reasons, c.mentions_us, c.first_post, c.unanswered_since,
    CASE WHEN c.title IS NULL OR c.title = '' OR (c.kind = 'channel' AND c.title LIKE '#%') THEN
        (SELECT substr(q.body_text, 1, 400) FROM messages q
         WHERE q.conversation_id = c.id AND q.from_us = 0 AND q.body_text <> ''
           AND (c.kind <> 'channel'
                OR q.created_at >= coalesce(c.unanswered_since,
                    -- a named channel with nothing unanswered keeps its name
                    CASE WHEN c.title LIKE '#%' THEN 9223372036854775807 ELSE 0 END))
         ORDER BY q.created_at, q.id LIMIT 1)
    END";

const ITEM_JOINS: &str = "FROM conversations c
    JOIN accounts a ON a.id = c.account_id
    LEFT JOIN messages m ON m.id = c.last_message_id
    LEFT JOIN identities i ON i.id = m.author_identity_id";

fn item_from_row(r: &rusqlite::Row<'_>, now: Millis) -> rusqlite::Result<InboxItem> {
    let kind: String = r.get(3)?;
    let status: String = r.get(11)?;
    let snoozed_until: Option<Millis> = r.get(13)?;
    let mut status: Status = status.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(11, rusqlite::types::Type::Text, e.into())
    })?;
    if status == Status::Snoozed && snoozed_until.is_some_and(|u| u <= now) {
        status = Status::Open;
    }
    let snippet: String = r.get(8)?;
    // A conversation the platform gave no title (a chat room without a name, a thread of
    // posts) is titled by the first line of its question: for a thread its first member
    // message, for a room the oldest one still unanswered.
    let question = || {
        r.get::<_, Option<String>>(22).ok().flatten().and_then(|q| {
            q.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(|l| shorten(l, 90))
        })
    };
    let mut title: Option<String> = r.get(4)?;
    let mut container: Option<String> = r.get(5)?;
    // A chat channel (Slack's and Discord's "#help") is titled by what it is asked now, the
    // channel beside it: "#help · Community".
    if kind == "channel" && title.as_deref().is_some_and(|t| t.starts_with('#')) {
        if let Some(q) = question() {
            let channel = title.replace(q).unwrap_or_default();
            container = Some(match container.filter(|c| !c.is_empty()) {
                Some(place) => format!("{channel} · {place}"),
                None => channel,
            });
        }
    }
    let title = title.or_else(question);
    Ok(InboxItem {
        id: r.get(0)?,
        platform: platform_col(r, 1)?,
        account_name: r.get(2)?,
        kind: ConversationKind::parse(&kind).unwrap_or(ConversationKind::Thread),
        title,
        container,
        author_name: r.get(6)?,
        author_member_id: r.get(7)?,
        snippet: shorten(&snippet, 200),
        last_message_at: r.get(9)?,
        message_count: r.get(10)?,
        status,
        priority: r.get(12)?,
        snoozed_until,
        assignee: r.get(14)?,
        tags: split_unit(r.get(15)?),
        url: r.get(16)?,
        unanswered_since: r.get(21)?,
        reply_due_at: None,
        first_response_ms: None,
        resolution_ms: None,
        rank: r.get(17)?,
        reasons: r
            .get::<_, Option<String>>(18)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        mentions_us: r.get(19)?,
        first_post: r.get(20)?,
    })
}

/// Refuses `name` when another row of `table` (`rules`, `views`: names unique whatever their
/// case) has it; `except` is the row being renamed.
pub(crate) fn ensure_name_free(
    conn: &rusqlite::Connection,
    table: &'static str,
    what: &str,
    name: &str,
    except: Option<i64>,
) -> Result<()> {
    let taken: bool = conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE name = ?1 COLLATE NOCASE AND id <> ?2)"
        ),
        rusqlite::params![name, except.unwrap_or(-1)],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::invalid(format!(
            "there is already a {what} named '{name}'"
        )));
    }
    Ok(())
}

/// The setting that holds the reply-time target, in hours.
pub const REPLY_TARGET_SETTING: &str = "inbox.reply_target_hours";
/// The reply-time target when none is set: a day.
pub const DEFAULT_REPLY_TARGET_HOURS: i64 = 24;

/// The reply-time target, in milliseconds.
pub(crate) fn reply_target(conn: &rusqlite::Connection) -> Result<Millis> {
    let hours = crate::store::setting_in(conn, REPLY_TARGET_SETTING)?
        .and_then(|h| h.parse::<i64>().ok())
        .filter(|h| *h > 0)
        .unwrap_or(DEFAULT_REPLY_TARGET_HOURS);
    Ok(hours * 3_600_000)
}

impl Store {
    /// The reply-time target, in hours (24 unless changed).
    pub fn reply_target_hours(&self) -> Result<i64> {
        Ok(reply_target(self.conn())? / 3_600_000)
    }

    /// Sets the reply-time target: a whole number of hours, from 1 to 720 (30 days).
    pub fn set_reply_target_hours(&mut self, hours: i64) -> Result<i64> {
        if !(1..=720).contains(&hours) {
            return Err(Error::invalid(
                "the reply-time target is a whole number of hours from 1 to 720",
            ));
        }
        self.set_setting(REPLY_TARGET_SETTING, &hours.to_string())?;
        Ok(hours)
    }
}

/// Fills in the response times of `items` (a page: one indexed read per conversation):
/// first response, resolution, and when a reply is due by `target` (what is unanswered since
/// when is kept by ingest, `inbox/rules.rs`).
fn with_response_times(
    conn: &rusqlite::Connection,
    items: &mut [InboxItem],
    target: Millis,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT asked, last_asked,
                (SELECT min(created_at) FROM messages
                 WHERE conversation_id = ?1 AND from_us = 1 AND created_at >= asked),
                (SELECT triaged_at FROM conversations WHERE id = ?1)
         FROM (SELECT min(created_at) AS asked, max(created_at) AS last_asked
               FROM messages WHERE conversation_id = ?1 AND from_us = 0)",
    )?;
    for item in items.iter_mut() {
        let (asked, last_asked, replied, triaged): (
            Option<Millis>,
            Option<Millis>,
            Option<Millis>,
            Option<Millis>,
        ) = stmt.query_row([item.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        let Some(asked) = asked else { continue };
        item.first_response_ms = replied.map(|t| t - asked);
        if item.status == Status::Done {
            if let (Some(t), Some(last)) = (triaged, last_asked) {
                item.resolution_ms = Some((t - last).max(0));
            }
        }
        let in_queue = item.status == Status::Open;
        item.reply_due_at = item
            .unanswered_since
            .filter(|_| in_queue)
            .map(|since| since + target);
    }
    Ok(())
}

impl Store {
    /// A page of the queue, newest activity first. The open queue includes conversations whose
    /// snooze ran out before `now`; the snoozed queue shows only those still sleeping, the
    /// soonest to wake first.
    ///
    /// Each status is read in index order and only the page's rows are joined and decorated,
    /// so the first page costs the same with 100 or 100,000 conversations in the queue.
    pub fn inbox(&self, query: &InboxQuery, now: Millis) -> Result<InboxPage> {
        let limit = query.limit.unwrap_or(50).clamp(1, 500);
        let offset = query.offset.unwrap_or(0);
        let conn = self.conn();
        let view = views::resolve(conn, query.view.as_deref().unwrap_or("open"))?;
        let mut filter = view.filter.clone();
        if let Some(status) = query.status {
            filter.status = Some(status);
            filter.any_status = None;
        }
        if let Some(p) = query.platform {
            filter.platform = Some(p);
        }
        if let Some(t) = &query.tag {
            filter.tag = Some(t.clone());
        }
        let status = filter.status.unwrap_or(Status::Open);
        let in_queue = status == Status::Open && filter.any_status != Some(true);
        let where_ = views::clauses(conn, &filter, view.saved_id, now)?;
        let extra = where_.sql();
        let parts = views::parts(&filter);
        let mut args: Vec<(&str, &dyn rusqlite::ToSql)> = Vec::new();
        if views::needs_now(parts) {
            args.push((":now", &now));
        }
        for (name, v) in &where_.args {
            args.push((name.as_str(), v));
        }
        // Follow-ups on members that are due lead the open queue's first page, whatever the
        // platform or tag asked for (they belong to no platform).
        let reminders = if in_queue
            && offset == 0
            && query
                .view
                .as_deref()
                .is_none_or(|v| v == "open" || v == "i")
        {
            due_reminders(conn, now)?
        } else {
            Vec::new()
        };

        let counted = where_.count_sql(&filter);
        let count_sql = parts
            .iter()
            .map(|(f, _)| format!("(SELECT count(*) FROM conversations c WHERE {f}{counted})"))
            .collect::<Vec<_>>()
            .join(" + ");
        let total: i64 = conn
            .prepare_cached(&format!("SELECT {count_sql}"))?
            .query_row(args.as_slice(), |r| r.get(0))?;

        // Each part is read in its index's order, just far enough for the page; the parts are
        // then merged by the same key.
        let wanted = limit + offset;
        let union = parts
            .iter()
            .map(|(f, key)| {
                let order = views::order_of(key);
                let k = key.trim_start_matches('-');
                let k = if key.starts_with('-') {
                    format!("-{k}")
                } else {
                    k.to_string()
                };
                format!(
                    "SELECT * FROM (SELECT c.id, {k} AS k FROM conversations c
                     WHERE {f}{extra} ORDER BY {order} LIMIT {wanted})"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let ids: Vec<i64> = conn
            .prepare_cached(&format!(
                "SELECT id FROM ({union}) ORDER BY k DESC, id DESC LIMIT {limit} OFFSET {offset}"
            ))?
            .query_map(args.as_slice(), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if ids.is_empty() {
            return Ok(InboxPage {
                items: Vec::new(),
                total,
                reminders,
            });
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut items = conn
            .prepare(&format!(
                "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE c.id IN ({list})"
            ))?
            .query_map([], |r| item_from_row(r, now))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        items.sort_by_key(|i| ids.iter().position(|id| *id == i.id));
        with_response_times(conn, &mut items, view.target)?;
        Ok(InboxPage {
            items,
            total,
            reminders,
        })
    }

    /// How many conversations are open (including expired snoozes), waiting, snoozed and done:
    /// schema 12's counters, and the snoozes run out counted live.
    pub fn inbox_counts(&self, now: Millis) -> Result<InboxCounts> {
        let conn = self.conn();
        let counters = counts::Counters::read(conn)?;
        let woken: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM conversations WHERE status = 'snoozed' AND snoozed_until <= ?1",
            )?
            .query_row([now], |r| r.get(0))?;
        Ok(InboxCounts {
            open: counters.status("open").n + woken,
            waiting: counters.status("waiting").n,
            snoozed: counters.status("snoozed").n - woken,
            done: counters.status("done").n,
            reminders: due_count(conn, now)?,
        })
    }

    /// One inbox row by conversation id.
    pub fn conversation_item(&self, id: i64, now: Millis) -> Result<InboxItem> {
        let item = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE c.id = ?1"
            ))?
            .query_row([id], |r| item_from_row(r, now))
            .optional()?
            .ok_or_else(|| Error::not_found("conversation", id))?;
        let mut items = [item];
        with_response_times(self.conn(), &mut items, reply_target(self.conn())?)?;
        let [item] = items;
        Ok(item)
    }

    /// A conversation with all its messages, oldest first.
    pub fn conversation(&self, id: i64, now: Millis) -> Result<ConversationDetail> {
        let conversation = self.conversation_item(id, now)?;
        let messages = self
            .conn()
            .prepare_cached(
                "SELECT m.id, m.external_id, i.id, i.member_id,
                        coalesce(i.display_name, i.handle), i.handle, i.platform, i.avatar_url,
                        i.profile_url, m.body_text, m.body_html, m.created_at, m.edited_at,
                        m.deleted_at IS NOT NULL, r.id, m.url, m.from_us
                 FROM messages m
                 JOIN identities i ON i.id = m.author_identity_id
                 LEFT JOIN messages r ON r.platform = m.platform AND r.account_id = m.account_id
                                     AND r.external_id = m.reply_to_external_id
                 WHERE m.conversation_id = ?1
                 ORDER BY m.created_at, m.id",
            )?
            .query_map([id], |r| {
                Ok(MessageView {
                    id: r.get(0)?,
                    external_id: r.get(1)?,
                    author: Author {
                        identity_id: r.get(2)?,
                        member_id: r.get(3)?,
                        name: r.get(4)?,
                        handle: r.get(5)?,
                        platform: platform_col(r, 6)?,
                        avatar_url: r.get(7)?,
                        profile_url: r.get(8)?,
                    },
                    text: r.get(9)?,
                    html: r.get(10)?,
                    created_at: r.get(11)?,
                    edited_at: r.get(12)?,
                    deleted: r.get(13)?,
                    reply_to_id: r.get(14)?,
                    url: r.get(15)?,
                    from_us: r.get(16)?,
                    revisions: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut messages = messages;
        let mut earlier = self.conn().prepare_cached(
            "SELECT r.message_id, r.body_text, coalesce(r.edited_at, g.created_at), r.replaced_at
             FROM message_revisions r JOIN messages g ON g.id = r.message_id
             WHERE g.conversation_id = ?1 ORDER BY r.message_id, r.id",
        )?;
        let revisions = earlier.query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                MessageRevision {
                    text: r.get(1)?,
                    written_at: r.get(2)?,
                    replaced_at: r.get(3)?,
                },
            ))
        })?;
        for row in revisions {
            let (message, revision) = row?;
            if let Some(m) = messages.iter_mut().find(|m| m.id == message) {
                m.revisions.push(revision);
            }
        }
        Ok(ConversationDetail {
            conversation,
            messages,
        })
    }
}
