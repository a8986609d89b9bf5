//! The triage queue. Owns: which conversations need a human (open, or snoozed past their
//! time), which wait on a member, the thread view, and triage actions (done, reopen, waiting,
//! snooze, tag, assign, priority, undo).
//! The open queue's first page also carries the follow-up reminders on members that are due
//! (`members/reminders.rs`), as their own kind of item above the conversations.
//! Must never: decide what a platform shows; triage state is Hearth's own and stays local.

use rusqlite::OptionalExtension;

pub mod canned;
mod triage;

use crate::error::{Error, Result};
use crate::members::reminders::{due_count, due_reminders};
use crate::model::{
    Author, ConversationDetail, ConversationKind, InboxCounts, InboxItem, InboxPage, InboxQuery,
    MessageView, Millis, Status,
};
use crate::store::split_unit;
use crate::store::{platform_col, Store};
use crate::text::shorten;

const ITEM_COLUMNS: &str = "c.id, c.platform, a.name, c.kind, c.title, c.container,
    coalesce(i.display_name, i.handle, ''), i.member_id, substr(coalesce(m.body_text, ''), 1, 240),
    c.last_message_at, c.message_count, c.status, c.priority, c.snoozed_until, c.assignee,
    (SELECT group_concat(t.name, char(31)) FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
        WHERE ct.conversation_id = c.id),
    c.url";

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
    Ok(InboxItem {
        id: r.get(0)?,
        platform: platform_col(r, 1)?,
        account_name: r.get(2)?,
        kind: ConversationKind::parse(&kind).unwrap_or(ConversationKind::Thread),
        title: r.get(4)?,
        container: r.get(5)?,
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
    })
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
        let status = query.status.unwrap_or(Status::Open);
        let mut extra = String::new();
        let platform = query.platform.map(|p| p.as_str());
        if platform.is_some() {
            extra.push_str(" AND c.platform = :platform");
        }
        if query.tag.is_some() {
            extra.push_str(
                " AND c.id IN (SELECT ct.conversation_id FROM conversation_tags ct
                   JOIN tags t ON t.id = ct.tag_id WHERE t.name = :tag)",
            );
        }
        // (filter, sort key) of each part of the slice; each part is served by an index.
        let recent = "c.last_message_at";
        let parts: &[(&str, &str)] = match status {
            Status::Open => &[
                ("c.status = 'open'", recent),
                ("c.status = 'snoozed' AND c.snoozed_until <= :now", recent),
            ],
            Status::Snoozed => &[(
                "c.status = 'snoozed' AND c.snoozed_until > :now",
                "-c.snoozed_until",
            )],
            Status::Waiting => &[("c.status = 'waiting'", recent)],
            Status::Done => &[("c.status = 'done'", recent)],
        };
        let mut args: Vec<(&str, &dyn rusqlite::ToSql)> = Vec::new();
        if matches!(status, Status::Open | Status::Snoozed) {
            args.push((":now", &now));
        }
        if let Some(p) = &platform {
            args.push((":platform", p));
        }
        if let Some(t) = &query.tag {
            args.push((":tag", t));
        }
        let conn = self.conn();
        // Follow-ups on members that are due lead the open queue's first page, whatever the
        // platform or tag asked for (they belong to no platform).
        let reminders = if status == Status::Open && offset == 0 {
            due_reminders(conn, now)?
        } else {
            Vec::new()
        };

        let count_sql = parts
            .iter()
            .map(|(filter, _)| {
                format!("(SELECT count(*) FROM conversations c WHERE {filter}{extra})")
            })
            .collect::<Vec<_>>()
            .join(" + ");
        let total: i64 = conn
            .prepare_cached(&format!("SELECT {count_sql}"))?
            .query_row(args.as_slice(), |r| r.get(0))?;

        let wanted = limit + offset;
        let union = parts
            .iter()
            .map(|(filter, key)| {
                let order = key.trim_start_matches('-');
                let dir = if key.starts_with('-') { "ASC" } else { "DESC" };
                format!(
                    "SELECT * FROM (SELECT c.id, {key} AS k FROM conversations c
                     WHERE {filter}{extra} ORDER BY {order} {dir}, c.id {dir} LIMIT {wanted})"
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
        Ok(InboxPage {
            items,
            total,
            reminders,
        })
    }

    /// How many conversations are open (including expired snoozes), waiting, snoozed and done.
    pub fn inbox_counts(&self, now: Millis) -> Result<InboxCounts> {
        let (open, waiting, snoozed, done) = self.conn().prepare_cached(
            "SELECT
                (SELECT count(*) FROM conversations WHERE status = 'open')
                  + (SELECT count(*) FROM conversations WHERE status = 'snoozed' AND snoozed_until <= ?1),
                (SELECT count(*) FROM conversations WHERE status = 'waiting'),
                (SELECT count(*) FROM conversations WHERE status = 'snoozed' AND snoozed_until > ?1),
                (SELECT count(*) FROM conversations WHERE status = 'done')",
        )?
        .query_row([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(InboxCounts {
            open,
            waiting,
            snoozed,
            done,
            reminders: due_count(self.conn(), now)?,
        })
    }

    /// One inbox row by conversation id.
    pub fn conversation_item(&self, id: i64, now: Millis) -> Result<InboxItem> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE c.id = ?1"
            ))?
            .query_row([id], |r| item_from_row(r, now))
            .optional()?
            .ok_or_else(|| Error::not_found("conversation", id))
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
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ConversationDetail {
            conversation,
            messages,
        })
    }
}
