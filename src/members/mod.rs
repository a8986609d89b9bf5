//! Members: one profile per person, made of identities on many platforms. Owns: the member
//! list and its search index (`members_fts`), the profile (identities, stats, activity, notes),
//! and merging two members into one. Must never: send member data anywhere.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{
    ActivityView, ConversationRef, IdentityView, MemberCard, MemberPage, MemberProfile,
    MemberQuery, MemberSort, MemberStats, MemberSummary, Millis, OrganizationRef, Platform, Status,
};
use crate::store::split_unit;
use crate::store::{platform_col, Store};
use rusqlite::types::Value;
use segments::{add_filter, segment_filter, Where};

pub mod engagement;
pub mod export;
pub mod fields;
pub mod import;
pub mod merge;
pub mod organizations;
pub mod privacy;
pub mod reminders;
pub mod resolve;
pub mod segments;

const DAY: Millis = 24 * 60 * 60 * 1000;

/// Adds the search rows of members made a moment ago (who have none yet). Unlike
/// [`reindex_member`] it deletes nothing: a delete makes FTS5 flush the terms it holds in
/// memory, so a bulk load that deletes before each insert writes one tiny segment per row (an
/// import of 100k people spent most of its time merging them).
pub(crate) fn index_new_members(conn: &Connection, members: &[i64]) -> Result<()> {
    // contiguous runs of ids (members made one after another) in one statement each: a
    // statement per member cost 18 µs of which most was the statement itself
    let mut insert = conn.prepare_cached(
        "INSERT INTO members_fts (rowid, words)
         SELECT m.id, m.display_name || ' ' || coalesce(m.organization, '') || ' ' ||
                coalesce((SELECT group_concat(i.handle || ' ' || coalesce(i.display_name, '')
                          || ' ' || coalesce(i.email, ''), ' ')
                          FROM identities i WHERE i.member_id = m.id), '')
         FROM members m WHERE m.id BETWEEN ?1 AND ?2",
    )?;
    for (first, last) in id_runs(members) {
        insert.execute([first, last])?;
    }
    Ok(())
}

/// These ids, sorted and deduplicated, as runs of consecutive ids (first, last): rows made one
/// after another in one transaction are one run, read or indexed by one statement.
pub(crate) fn id_runs(ids: &[i64]) -> Vec<(i64, i64)> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for id in sorted {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == id => *last = id,
            _ => runs.push((id, id)),
        }
    }
    runs
}

/// One line of a timeline, from the columns id, kind, platform, occurred_at, conversation_id,
/// conversation title, message_id and snippet, in that order.
pub(crate) fn activity_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActivityView> {
    Ok(ActivityView {
        id: r.get(0)?,
        kind: r.get(1)?,
        platform: platform_col(r, 2)?,
        occurred_at: r.get(3)?,
        conversation_id: r.get(4)?,
        conversation_title: r.get(5)?,
        message_id: r.get(6)?,
        snippet: r.get(7)?,
    })
}

/// Rebuilds the search row of one member from their name, organisation and identities.
pub(crate) fn reindex_member(conn: &Connection, member_id: i64) -> Result<()> {
    let words: Option<String> = conn
        .prepare_cached(
            "SELECT m.display_name || ' ' || coalesce((SELECT o.name FROM organizations o WHERE o.id = m.organization_id), m.organization, '') || ' ' ||
                    coalesce((SELECT group_concat(i.handle || ' ' || coalesce(i.display_name, '')
                              || ' ' || coalesce(i.email, ''), ' ')
                              FROM identities i WHERE i.member_id = m.id), '')
             FROM members m WHERE m.id = ?1",
        )?
        .query_row([member_id], |r| r.get(0))
        .optional()?;
    conn.prepare_cached("DELETE FROM members_fts WHERE rowid = ?1")?
        .execute([member_id])?;
    if let Some(words) = words {
        conn.prepare_cached("INSERT INTO members_fts (rowid, words) VALUES (?1, ?2)")?
            .execute(params![member_id, words])?;
    }
    Ok(())
}

/// Settles `members` after some of their identities were removed: a member left with no
/// identity goes (unless `keep_noted` and the team wrote notes on them), the others get their
/// counts and search words again.
pub(crate) fn settle_members(conn: &Connection, members: &[i64], keep_noted: bool) -> Result<()> {
    for &member in members {
        let (identities, notes): (i64, i64) = conn.query_row(
            "SELECT (SELECT count(*) FROM identities WHERE member_id = ?1),
                    (SELECT count(*) FROM notes WHERE member_id = ?1)",
            [member],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if identities == 0 && !(keep_noted && notes > 0) {
            conn.execute("DELETE FROM members_fts WHERE rowid = ?1", [member])?;
            conn.execute("DELETE FROM members WHERE id = ?1", [member])?;
        } else {
            settle_counts(conn, member)?;
            reindex_member(conn, member)?;
        }
    }
    organizations::prune_in(conn)?;
    Ok(())
}

/// Counts a member's messages and last activity again from their activity.
pub(crate) fn settle_counts(conn: &Connection, member: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE members SET
             message_count = (SELECT count(*) FROM member_activity WHERE member_id = ?1),
             last_active_at = (SELECT max(occurred_at) FROM member_activity WHERE member_id = ?1)
         WHERE id = ?1",
    )?
    .execute([member])?;
    Ok(())
}

/// Rebuilds the member search index for every member (after an import or a recovery).
pub(crate) fn reindex_all_members(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM members_fts;
         INSERT INTO members_fts (rowid, words)
         SELECT m.id, m.display_name || ' ' || coalesce((SELECT o.name FROM organizations o WHERE o.id = m.organization_id), m.organization, '') || ' ' ||
                coalesce((SELECT group_concat(i.handle || ' ' || coalesce(i.display_name, '')
                          || ' ' || coalesce(i.email, ''), ' ')
                          FROM identities i WHERE i.member_id = m.id), '')
         FROM members m;",
    )?;
    Ok(())
}

/// Turns what someone typed into an FTS5 query that matches every word as a prefix, with
/// FTS syntax characters neutralised (each word is quoted).
pub(crate) fn prefix_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '-' && c != '.' && c != '@')
        .flat_map(|w| w.split(['-', '.', '@']))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub(crate) const SUMMARY_COLUMNS: &str = "m.id, m.display_name,
    CASE WHEN m.organization_id IS NOT NULL
         THEN (SELECT o.name FROM organizations o WHERE o.id = m.organization_id)
         WHEN m.organization_set_by IS NULL THEN m.organization END,
    m.avatar_url,
    m.first_seen_at, m.last_active_at, m.message_count,
    (SELECT group_concat(DISTINCT i.platform) FROM identities i WHERE i.member_id = m.id),
    (SELECT group_concat(i.handle, char(31)) FROM identities i WHERE i.member_id = m.id),
    (SELECT group_concat(t.name, char(31)) FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
        WHERE mt.member_id = m.id),
    m.engagement_score, m.engagement_level";

pub(crate) fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberSummary> {
    let platforms: Option<String> = r.get(7)?;
    let mut platforms: Vec<Platform> = platforms
        .unwrap_or_default()
        .split(',')
        .filter_map(|p| p.parse().ok())
        .collect();
    platforms.sort();
    platforms.dedup();
    Ok(MemberSummary {
        id: r.get(0)?,
        display_name: r.get(1)?,
        organization: r.get(2)?,
        avatar_url: r.get(3)?,
        first_seen_at: r.get(4)?,
        last_active_at: r.get(5)?,
        message_count: r.get(6)?,
        platforms,
        handles: split_unit(r.get(8)?),
        tags: split_unit(r.get(9)?),
        engagement_score: r.get(10)?,
        engagement_level: r.get::<_, String>(11)?.parse().unwrap_or_default(),
    })
}

impl Store {
    /// Members, most recently active first (or in `query.sort`'s order); `q` finds names,
    /// handles, emails, organisations; `segment_id` and `filter` keep those they match
    /// (relative parts count back from `query.now`).
    pub fn members(&self, query: &MemberQuery) -> Result<MemberPage> {
        let limit = query.limit.unwrap_or(50).clamp(1, 500);
        let offset = query.offset.unwrap_or(0);
        let conn = self.conn();
        // The team's own accounts are not members of the community.
        let mut w = Where::members();
        if let Some(q) = query.q.as_deref().and_then(prefix_query) {
            w.push(
                "m.id IN (SELECT rowid FROM members_fts WHERE members_fts MATCH ?)",
                [Value::Text(q)],
            );
        }
        if let Some(p) = query.platform {
            w.push(
                "EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id AND i.platform = ?)",
                [Value::Text(p.as_str().into())],
            );
        }
        if let Some(org) = query.organization_id {
            w.push("m.organization_id = ?", [Value::Integer(org)]);
        }
        if let Some(id) = query.segment_id {
            add_filter(&mut w, &segment_filter(conn, id)?, query.now)?;
        }
        if let Some(f) = &query.filter {
            add_filter(&mut w, f, query.now)?;
        }
        let filter = w.sql();
        let args = rusqlite::params_from_iter(&w.args);
        let total: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM members m {filter}"))?
            .query_row(args.clone(), |r| r.get(0))?;
        let order = match query.sort.unwrap_or_default() {
            MemberSort::LastActive => "m.last_active_at DESC, m.id",
            MemberSort::Score => "m.engagement_score DESC, m.last_active_at DESC, m.id",
            MemberSort::Messages => "m.message_count DESC, m.id",
            MemberSort::Name => "m.display_name COLLATE NOCASE, m.id",
            MemberSort::FirstSeen => "m.first_seen_at DESC, m.id",
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM members m {filter}
             ORDER BY {order}
             LIMIT {limit} OFFSET {offset}"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let items = stmt
            .query_map(args, summary_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(MemberPage { items, total })
    }

    /// One member with everything Hearth knows about them. `now` sets the 30/90-day windows.
    pub fn member_profile(&self, id: i64, now: Millis) -> Result<MemberProfile> {
        let conn = self.conn();
        let id = merge::live_member(conn, id)?;
        let (member, bio, location) = conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS}, m.bio, m.location FROM members m WHERE m.id = ?1"
            ))?
            .query_row([id], |r| Ok((summary_from_row(r)?, r.get(12)?, r.get(13)?)))
            .optional()?
            .ok_or_else(|| Error::not_found("member", id))?;

        let identities = identities_of(conn, id)?;

        let stats = conn
            .prepare_cached(
                "SELECT count(*) FILTER (WHERE occurred_at >= ?2),
                        count(*) FILTER (WHERE occurred_at >= ?3)
                 FROM member_activity WHERE member_id = ?1 AND kind = 'message' AND occurred_at >= ?3",
            )?
            .query_row(params![id, now - 30 * DAY, now - 90 * DAY], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })?;
        let started: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM conversations c
                 WHERE c.id IN (SELECT DISTINCT a.conversation_id FROM member_activity a
                                WHERE a.member_id = ?1 AND a.conversation_id IS NOT NULL)
                   AND (SELECT i.member_id FROM messages m JOIN identities i ON i.id = m.author_identity_id
                        WHERE m.conversation_id = c.id ORDER BY m.created_at, m.id LIMIT 1) = ?1",
            )?
            .query_row([id], |r| r.get(0))?;

        let activity = conn
            .prepare_cached(
                "SELECT a.id, a.kind, a.platform, a.occurred_at, a.conversation_id,
                        coalesce(c.title, c.container), a.message_id, substr(m.body_text, 1, 160)
                 FROM member_activity a
                 LEFT JOIN conversations c ON c.id = a.conversation_id
                 LEFT JOIN messages m ON m.id = a.message_id
                 WHERE a.member_id = ?1
                 ORDER BY a.occurred_at DESC, a.id DESC LIMIT 100",
            )?
            .query_map([id], activity_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        let notes = self.notes(id)?;
        let org = org_of(conn, id)?;
        let fields = fields::fields_of(conn, id)?;
        let engagement = engagement::engagement_of(conn, id, now)?;
        let reminders = reminders::member_reminders(conn, id, now)?;
        let moderation = self.mod_log(Some(id), 200)?;
        Ok(MemberProfile {
            engagement,
            reminders,
            moderation,
            org,
            fields,
            stats: MemberStats {
                messages_total: member.message_count,
                messages_last_30_days: stats.0,
                messages_last_90_days: stats.1,
                conversations_started: started,
            },
            member,
            bio,
            location,
            identities,
            activity,
            notes,
        })
    }
}

/// A member's identities on every platform, by platform.
fn identities_of(conn: &rusqlite::Connection, id: i64) -> Result<Vec<IdentityView>> {
    Ok(conn
        .prepare_cached(
            "SELECT i.id, i.platform, a.name, i.external_id, i.handle, i.display_name, i.email,
                    i.profile_url, i.avatar_url, i.first_seen_at
             FROM identities i JOIN accounts a ON a.id = i.account_id
             WHERE i.member_id = ?1 ORDER BY i.platform, i.id",
        )?
        .query_map([id], |r| {
            Ok(IdentityView {
                id: r.get(0)?,
                platform: platform_col(r, 1)?,
                account_name: r.get(2)?,
                external_id: r.get(3)?,
                handle: r.get(4)?,
                display_name: r.get(5)?,
                email: r.get(6)?,
                profile_url: r.get(7)?,
                avatar_url: r.get(8)?,
                first_seen_at: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The organisation a member belongs to, as its own record.
fn org_of(conn: &rusqlite::Connection, id: i64) -> Result<Option<OrganizationRef>> {
    Ok(conn
        .prepare_cached(
            "SELECT o.id, o.name, m.organization_set_by FROM members m
             JOIN organizations o ON o.id = m.organization_id WHERE m.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(OrganizationRef {
                id: r.get(0)?,
                name: r.get(1)?,
                set_by: r.get(2)?,
            })
        })
        .optional()?)
}

/// Notes shown beside a conversation, newest first.
const CARD_NOTES: usize = 3;
/// Other open conversations shown beside one, newest activity first.
const CARD_CONVERSATIONS: i64 = 5;

impl Store {
    /// Who a conversation is with, for the pane beside its thread: the member who wrote its
    /// newest message not from the team (none when only the team wrote), their accounts,
    /// organisation, tags, engagement, first seen and last active, whether this is their
    /// first conversation, their other open ones, the latest notes and their follow-ups.
    /// Small indexed reads only: instant at 100k members.
    pub fn member_card(&self, conversation: i64, now: Millis) -> Result<Option<MemberCard>> {
        let conn = self.conn();
        let author: Option<i64> = conn
            .prepare_cached(
                "SELECT i.member_id FROM messages g
                 JOIN identities i ON i.id = g.author_identity_id
                 WHERE g.conversation_id = ?1 AND g.from_us = 0
                 ORDER BY g.created_at DESC, g.id DESC LIMIT 1",
            )?
            .query_row([conversation], |r| r.get(0))
            .optional()?;
        let Some(author) = author else {
            return Ok(None);
        };
        let id = merge::live_member(conn, author)?;
        let member = conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM members m WHERE m.id = ?1 AND m.is_team = 0"
            ))?
            .query_row([id], summary_from_row)
            .optional()?;
        let Some(member) = member else {
            return Ok(None);
        };
        let first: Option<i64> = conn
            .prepare_cached(
                "SELECT conversation_id FROM member_activity WHERE member_id = ?1
                 ORDER BY occurred_at, id LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?
            .flatten();
        let open_conversations = conn
            .prepare_cached(
                "SELECT c.id, c.platform, coalesce(c.title, c.container, a.name), c.status,
                        c.last_message_at
                 FROM conversations c JOIN accounts a ON a.id = c.account_id
                 WHERE c.id IN (SELECT x.conversation_id FROM member_activity x
                                WHERE x.member_id = ?1 AND x.conversation_id IS NOT NULL)
                   AND c.id <> ?2 AND c.status IN ('open', 'waiting', 'snoozed')
                 ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?3",
            )?
            .query_map(params![id, conversation, CARD_CONVERSATIONS], |r| {
                let status: String = r.get(3)?;
                Ok(ConversationRef {
                    id: r.get(0)?,
                    platform: platform_col(r, 1)?,
                    title: r.get(2)?,
                    status: status.parse().unwrap_or(Status::Open),
                    last_message_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut notes = self.notes(id)?;
        let notes_total = notes.len() as i64;
        notes.truncate(CARD_NOTES);
        Ok(Some(MemberCard {
            identities: identities_of(conn, id)?,
            org: org_of(conn, id)?,
            first_conversation: first == Some(conversation),
            open_conversations,
            notes,
            notes_total,
            reminders: reminders::member_reminders(conn, id, now)?,
            member,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_query;

    #[test]
    fn prefix_query_quotes_every_word_and_neutralises_fts_syntax() {
        assert_eq!(prefix_query("maria"), Some("\"maria\"*".into()));
        assert_eq!(
            prefix_query("maria.g@acme.io"),
            Some("\"maria\"* \"g\"* \"acme\"* \"io\"*".into())
        );
        assert_eq!(
            prefix_query("NOT \"x\" OR"),
            Some("\"NOT\"* \"x\"* \"OR\"*".into())
        );
        assert_eq!(prefix_query("  ( ) "), None);
    }
}
