//! Teams (issue 13): several community managers share triage through Automerge documents
//! that samod syncs through a relay the team runs (`relay/`). Owns: the team this workspace is
//! in, join links, and a sync: what changed here since the last one written into the
//! workspace document, the relay's news applied to the tables, each in one transaction.
//! Must never: share messages, members, notes or tokens (only triage state), keep the team's
//! secret anywhere but the keyring, or count a change as shared before its transaction
//! committed.
//!
//! How a sync goes ([`sync`]): the document is opened from this database (samod's storage is
//! `team_chunks`, [`storage::SqliteChunks`]); the conversations marked in `team_pending` by
//! the triggers of migration 24 (in whichever process changed them) are written into it while
//! still offline, so two managers' edits made apart stay concurrent and Automerge, not the
//! order of syncing, settles them; then the relay is dialled, both sides' changes exchanged,
//! and the document's difference since the heads last applied (`team_applied`) is written to
//! the conversations. A conversation changed here again meanwhile keeps its new state, which
//! the next sync shares.

pub mod background;
pub mod calendar;
pub mod doc;
pub mod presence;
pub mod records;
pub mod relay;
pub mod storage;

use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use samod::{AutomergeUrl, BackoffConfig, DialerFailed, Repo};

use crate::error::{Error, Result};
use crate::model::{Millis, Status, TeamConflict, TeamInfo, TeamSyncReport, Teammate, TriageState};
use crate::platform::Secret;
use crate::secrets;
use crate::store::Store;

/// How long a sync waits for the relay to answer, and then for both sides' changes.
const CONNECT_WAIT: Duration = Duration::from_secs(20);
const EXCHANGE_WAIT: Duration = Duration::from_secs(60);

/// A join link: the relay, the workspace document and the secret that admits to the relay.
/// `hearth://team/join?relay=…&doc=automerge:…&secret=…`
#[derive(Debug, Clone)]
pub struct JoinLink {
    pub relay: String,
    pub doc: String,
    pub secret: Secret,
}

impl JoinLink {
    pub fn to_link(&self) -> String {
        let mut url = url::Url::parse("hearth://team/join").expect("a fixed URL parses");
        url.query_pairs_mut()
            .append_pair("relay", &self.relay)
            .append_pair("doc", &self.doc)
            .append_pair("secret", self.secret.expose());
        url.to_string()
    }

    pub fn parse(link: &str) -> Result<JoinLink> {
        let bad = || {
            Error::invalid(
                "that is not a Hearth team link (it starts with hearth://team/join?relay=…)",
            )
        };
        let url = url::Url::parse(link.trim()).map_err(|_| bad())?;
        if url.scheme() != "hearth" || url.host_str() != Some("team") || url.path() != "/join" {
            return Err(bad());
        }
        let get = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
        };
        let (Some(relay), Some(doc), Some(secret)) = (get("relay"), get("doc"), get("secret"))
        else {
            return Err(bad());
        };
        check_relay(&relay)?;
        doc.parse::<AutomergeUrl>()
            .map_err(|_| Error::invalid("the team link's document is not an automerge: URL"))?;
        Ok(JoinLink {
            relay,
            doc,
            secret: Secret::new(secret),
        })
    }
}

pub(crate) fn check_relay(relay: &str) -> Result<url::Url> {
    let url = url::Url::parse(relay).map_err(|e| {
        Error::invalid(format!(
            "the relay address {relay} is not a URL ({e}); it looks like wss://relay.example.org"
        ))
    })?;
    if !matches!(url.scheme(), "ws" | "wss") {
        return Err(Error::invalid(format!(
            "the relay address {relay} must start with wss:// (or ws:// on this computer)"
        )));
    }
    Ok(url)
}

pub(crate) fn team_error(e: impl std::fmt::Display) -> Error {
    Error::invalid(e.to_string())
}

/// The newest mark in one of the `team_*_pending` tables (0: none).
fn newest_mark(conn: &rusqlite::Connection, table: &str) -> Result<i64> {
    Ok(conn.query_row(
        &format!("SELECT coalesce(max(seq), 0) FROM {table}"),
        [],
        |r| r.get(0),
    )?)
}

/// Whether `value` was marked in a `team_*_pending` table (by `column`) after `top`: changed
/// here since the sync began, so its new state waits for the next one.
fn marked_since(
    conn: &rusqlite::Connection,
    table: &str,
    column: &str,
    value: impl rusqlite::ToSql,
    top: i64,
) -> Result<bool> {
    Ok(conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = ?1 AND seq > ?2)"),
        params![value, top],
        |r| r.get(0),
    )?)
}

/// A key's platform and id there (`platform|host|id`; None: not a key).
fn split_key(key: &str) -> Option<(&str, &str)> {
    let mut parts = key.splitn(3, '|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(platform), Some(_host), Some(external)) => Some((platform, external)),
        _ => None,
    }
}

/// Which of `rows` (something, and its account's server) `key` names: the platform and id
/// matched already, the server decides.
fn on_the_server<T>(key: &str, rows: Vec<(T, Option<String>)>) -> Option<T> {
    let (platform, external) = split_key(key)?;
    rows.into_iter().find_map(|(x, base)| {
        (conversation_key(platform, base.as_deref(), external) == key).then_some(x)
    })
}

/// A conversation's identity on its platform, the same on every teammate's laptop: the
/// platform, the server it lives on (for platforms with many: Discourse, Matrix, Mastodon…),
/// and its id there.
pub fn conversation_key(platform: &str, base_url: Option<&str>, external_id: &str) -> String {
    let host = base_url
        .and_then(|b| url::Url::parse(b).ok())
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{}:{p}", h.to_lowercase()),
                None => h.to_lowercase(),
            })
        })
        .unwrap_or_default();
    format!("{platform}|{host}|{external_id}")
}

impl Store {
    /// The team this workspace is in (None: it is in none).
    pub fn team_info(&self) -> Result<Option<TeamInfo>> {
        let conn = self.conn();
        let waiting: i64 = conn.query_row(
            "SELECT (SELECT count(DISTINCT conversation_id) FROM team_pending)
                  + (SELECT count(DISTINCT team_id) FROM team_note_pending)
                  + (SELECT count(DISTINCT key) FROM team_record_pending)
                  + (SELECT count(DISTINCT member_id) FROM team_member_pending)
                  + (SELECT count(*) FROM team_decision_pending)
                  + (SELECT count(DISTINCT team_id) FROM team_calendar_pending)",
            [],
            |r| r.get(0),
        )?;
        let teammates = conn
            .prepare_cached(
                "SELECT name, last_synced_at FROM team_mates
                 ORDER BY last_synced_at DESC NULLS LAST, name",
            )?
            .query_map([], |r| {
                Ok(Teammate {
                    name: r.get(0)?,
                    last_synced_at: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(conn
            .query_row(
                "SELECT relay_url, workspace_doc, me, joined_at, last_synced_at FROM team",
                [],
                |r| {
                    Ok(TeamInfo {
                        relay_url: r.get(0)?,
                        workspace_doc: r.get(1)?,
                        me: r.get(2)?,
                        joined_at: r.get(3)?,
                        last_synced_at: r.get(4)?,
                        waiting,
                        teammates: teammates.clone(),
                    })
                },
            )
            .optional()?)
    }

    /// Leaves the team: nothing is shared any more; what was shared stays here as this
    /// workspace's own triage and private notes, and the secret leaves the keyring.
    pub fn team_leave(&mut self) -> Result<bool> {
        let key = self.team_secret_key()?;
        let tx = self.conn_mut().transaction()?;
        let left = tx.execute("DELETE FROM team", [])? > 0;
        tx.execute("DELETE FROM team_pending", [])?;
        tx.execute("DELETE FROM team_chunks", [])?;
        tx.execute("DELETE FROM team_applied", [])?;
        tx.execute("DELETE FROM team_conflicts", [])?;
        tx.execute("DELETE FROM team_unmatched", [])?;
        tx.execute("DELETE FROM team_note_pending", [])?;
        tx.execute("DELETE FROM team_unmatched_notes", [])?;
        tx.execute("DELETE FROM team_mates", [])?;
        tx.execute("DELETE FROM team_record_pending", [])?;
        tx.execute("DELETE FROM team_member_pending", [])?;
        tx.execute("DELETE FROM team_decision_pending", [])?;
        tx.execute("DELETE FROM team_calendar_pending", [])?;
        // teammates' calendar items stay here as this workspace's own, to publish from here
        tx.execute(
            "UPDATE calendar_items SET publisher = NULL WHERE publisher IS NOT NULL",
            [],
        )?;
        // shared notes, this manager's and teammates', stay here as private copies
        tx.execute("UPDATE notes SET shared = 0 WHERE shared = 1", [])?;
        tx.commit()?;
        secrets::delete_token(&key)?;
        Ok(left)
    }

    /// The values a teammate set for this conversation's fields while apart from another, that
    /// the team's document set aside (the conversation shows the one it kept).
    pub fn team_conflicts(&self, conversation: i64) -> Result<Vec<TeamConflict>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT field, other FROM team_conflicts WHERE conversation_id = ?1
             ORDER BY field, other",
        )?;
        let rows = stmt
            .query_map([conversation], |r| {
                Ok(TeamConflict {
                    field: r.get(0)?,
                    other: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every conversation's key, for the ones given (those that still exist).
    fn conversation_keys(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT c.id, c.platform, a.base_url, c.external_id
             FROM conversations c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?1",
        )?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some((id, platform, base, external)) = stmt
                .query_row([id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .optional()?
            {
                out.push((id, conversation_key(&platform, base.as_deref(), &external)));
            }
        }
        Ok(out)
    }

    /// The conversation here with `key` (None: this workspace does not have it).
    fn conversation_by_key(&self, key: &str) -> Result<Option<i64>> {
        let Some((platform, external)) = split_key(key) else {
            return Ok(None);
        };
        let mut stmt = self.conn().prepare_cached(
            "SELECT c.id, a.base_url FROM conversations c JOIN accounts a ON a.id = c.account_id
             WHERE c.platform = ?1 AND c.external_id = ?2",
        )?;
        let rows = stmt
            .query_map(params![platform, external], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(on_the_server(key, rows))
    }

    /// A conversation's triage state as the team shares it.
    fn triage_state(&self, id: i64, now: Millis) -> Result<TriageState> {
        let (status, snoozed_until, assignee, priority): (
            String,
            Option<i64>,
            Option<String>,
            i64,
        ) = self.conn().query_row(
            "SELECT status, snoozed_until, assignee, priority FROM conversations WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let mut status = status.parse::<Status>().unwrap_or(Status::Open);
        // a snooze that has run out is open, whether or not the queue noticed yet
        if status == Status::Snoozed && snoozed_until.is_none_or(|u| u <= now) {
            status = Status::Open;
        }
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.name FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
             WHERE ct.conversation_id = ?1 ORDER BY t.name",
        )?;
        let tags = stmt
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(TriageState {
            status,
            snoozed_until: snoozed_until.filter(|_| status == Status::Snoozed),
            assignee,
            priority,
            tags,
        })
    }

    /// Every conversation triaged here in any way, with its key and state (what a new team
    /// starts with; what someone joining may have to share).
    fn triaged_states(&self, now: Millis) -> Result<Vec<(String, TriageState)>> {
        let ids = {
            let mut stmt = self.conn().prepare(TRIAGED)?;
            let ids = stmt
                .query_map([], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            ids
        };
        let mut out = Vec::with_capacity(ids.len());
        for (id, key) in self.conversation_keys(&ids)? {
            out.push((key, self.triage_state(id, now)?));
        }
        Ok(out)
    }

    /// What changed here since the last sync: the newest mark, and each conversation's key
    /// and state now.
    fn team_pending(&self, now: Millis) -> Result<(i64, Vec<(String, TriageState)>)> {
        let (top, ids): (i64, Vec<i64>) = {
            let top: i64 = newest_mark(self.conn(), "team_pending")?;
            let mut stmt = self
                .conn()
                .prepare("SELECT DISTINCT conversation_id FROM team_pending WHERE seq <= ?1")?;
            let ids = stmt
                .query_map([top], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            (top, ids)
        };
        let mut out = Vec::with_capacity(ids.len());
        for (id, key) in self.conversation_keys(&ids)? {
            out.push((key, self.triage_state(id, now)?));
        }
        Ok((top, out))
    }
}

/// A shared note waiting to go out: its id in the team's document, and what to write (None:
/// taken back or deleted here).
type PendingNote = (String, Option<doc::SharedNote>);

/// A shared record waiting to go out: its key, and its JSON now (None: removed here).
type PendingRecord = (String, Option<String>);

impl Store {
    /// A member's identities as the team names them (`platform|host|id`), the same on every
    /// teammate's laptop.
    fn member_keys(&self, member: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT i.platform, a.base_url, i.external_id FROM identities i
             JOIN accounts a ON a.id = i.account_id WHERE i.member_id = ?1 ORDER BY i.id",
        )?;
        let keys = stmt
            .query_map([member], |r| {
                Ok(conversation_key(
                    &r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?.as_deref(),
                    &r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(keys)
    }

    /// The member here with any of these identities (None: none of them is here yet).
    fn member_by_keys(&self, keys: &[String]) -> Result<Option<i64>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT i.member_id, a.base_url FROM identities i
             JOIN accounts a ON a.id = i.account_id
             WHERE i.platform = ?1 AND i.external_id = ?2",
        )?;
        for key in keys {
            let Some((platform, external)) = split_key(key) else {
                continue;
            };
            let rows = stmt
                .query_map(params![platform, external], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if let Some(id) = on_the_server(key, rows) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Shared notes changed here since the last sync: the newest mark, and each note as it is
    /// now.
    fn team_notes_pending(&self, me: &str) -> Result<(i64, Vec<PendingNote>)> {
        let top: i64 = newest_mark(self.conn(), "team_note_pending")?;
        let ids = self
            .conn()
            .prepare("SELECT DISTINCT team_id FROM team_note_pending WHERE seq <= ?1")?
            .query_map([top], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = self
                .conn()
                .query_row(
                    "SELECT member_id, body, created_at, author FROM notes
                     WHERE team_id = ?1 AND shared = 1",
                    [&id],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, Option<String>>(3)?,
                        ))
                    },
                )
                .optional()?;
            let note = match row {
                Some((member, body, created_at, author)) => Some(doc::SharedNote {
                    member: self.member_keys(member)?,
                    author: author.unwrap_or_else(|| me.to_string()),
                    created_at,
                    body,
                    deleted: false,
                }),
                None => None,
            };
            out.push((id, note));
        }
        Ok((top, out))
    }
}

impl Store {
    /// Shared records changed here since the last sync: the newest mark, and each record's
    /// key and JSON now (None: removed or renamed here).
    fn team_records_pending(&self) -> Result<(i64, Vec<PendingRecord>)> {
        let top: i64 = newest_mark(self.conn(), "team_record_pending")?;
        let keys = self
            .conn()
            .prepare("SELECT DISTINCT key FROM team_record_pending WHERE seq <= ?1")?
            .query_map([top], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let record = records::read(self.conn(), &key)?;
            out.push((key, record));
        }
        Ok((top, out))
    }
}

/// A member's tags and fields waiting to go out: their identities, and the state now.
type PendingMember = (Vec<String>, doc::MemberShared);

impl Store {
    /// A member's tags and custom fields as the team shares them.
    fn member_shared(&self, member: i64) -> Result<doc::MemberShared> {
        let mut shared = doc::MemberShared::default();
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
             WHERE mt.member_id = ?1",
        )?;
        shared.tags = stmt
            .query_map([member], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT name, value FROM member_fields WHERE member_id = ?1")?;
        shared.fields = stmt
            .query_map([member], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(shared)
    }

    /// Each of `members` (those not merged into another) with their identities and state.
    fn members_to_share(&self, members: &[i64]) -> Result<Vec<PendingMember>> {
        let mut out = Vec::with_capacity(members.len());
        for &member in members {
            let live: bool = self.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1 AND merged_into IS NULL)",
                [member],
                |r| r.get(0),
            )?;
            if !live {
                continue;
            }
            let keys = self.member_keys(member)?;
            if !keys.is_empty() {
                out.push((keys, self.member_shared(member)?));
            }
        }
        Ok(out)
    }

    /// Members whose tags or fields changed here since the last sync.
    fn team_members_pending(&self) -> Result<(i64, Vec<PendingMember>)> {
        let top: i64 = newest_mark(self.conn(), "team_member_pending")?;
        let ids = self
            .conn()
            .prepare("SELECT DISTINCT member_id FROM team_member_pending WHERE seq <= ?1")?
            .query_map([top], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((top, self.members_to_share(&ids)?))
    }

    /// Every member with tags or custom fields (what a new team starts with).
    fn members_with_set_up(&self) -> Result<Vec<PendingMember>> {
        let ids = self
            .conn()
            .prepare("SELECT member_id FROM member_tags UNION SELECT member_id FROM member_fields")?
            .query_map([], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.members_to_share(&ids)
    }
}

/// A decision on who is who waiting to go out: what, and the two identities' keys.
type PendingDecision = (doc::Decision, String, String);

impl Store {
    /// An identity's key across the team's laptops (None: no such identity).
    fn identity_key(&self, identity: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT i.platform, a.base_url, i.external_id FROM identities i
                 JOIN accounts a ON a.id = i.account_id WHERE i.id = ?1",
            )?
            .query_row([identity], |r| {
                Ok(conversation_key(
                    &r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?.as_deref(),
                    &r.get::<_, String>(2)?,
                ))
            })
            .optional()?)
    }

    /// The identity here a teammate's key names, with its member (None: not here).
    fn identity_by_key(&self, key: &str) -> Result<Option<(i64, i64)>> {
        let Some((platform, external)) = split_key(key) else {
            return Ok(None);
        };
        let rows = self
            .conn()
            .prepare_cached(
                "SELECT i.id, i.member_id, a.base_url FROM identities i
                 JOIN accounts a ON a.id = i.account_id
                 WHERE i.platform = ?1 AND i.external_id = ?2",
            )?
            .query_map(params![platform, external], |r| {
                Ok((
                    (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?),
                    r.get::<_, Option<String>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(on_the_server(key, rows))
    }

    /// Decisions given by identity ids here, as the team names them.
    fn decisions_to_share(&self, rows: Vec<(String, i64, i64)>) -> Result<Vec<PendingDecision>> {
        let mut out = Vec::with_capacity(rows.len());
        for (kind, a, b) in rows {
            let decision = if kind == "same" {
                doc::Decision::Same
            } else {
                doc::Decision::Apart
            };
            if let (Some(a), Some(b)) = (self.identity_key(a)?, self.identity_key(b)?) {
                out.push((decision, a, b));
            }
        }
        Ok(out)
    }

    /// Decisions on who is who made here since the last sync.
    fn team_decisions_pending(&self) -> Result<(i64, Vec<PendingDecision>)> {
        let top: i64 = newest_mark(self.conn(), "team_decision_pending")?;
        let rows = self
            .conn()
            .prepare(
                "SELECT kind, identity_a, identity_b FROM team_decision_pending
                 WHERE seq <= ?1 ORDER BY seq",
            )?
            .query_map([top], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((top, self.decisions_to_share(rows)?))
    }

    /// Every decision a person made here (what a new team starts with): merges they made or
    /// accepted that stand, and members they told apart.
    fn all_decisions(&self) -> Result<Vec<PendingDecision>> {
        let rows = self
            .conn()
            .prepare(
                "SELECT 'same',
                        (SELECT min(i.id) FROM identities i
                         WHERE i.member_id = g.kept_member_id
                           AND i.id NOT IN (SELECT value FROM json_each(g.moved, '$.identities'))),
                        json_extract(g.moved, '$.identities[0]')
                 FROM merges g
                 WHERE g.how IN ('accepted', 'manual') AND g.undone_at IS NULL
                 UNION ALL
                 SELECT 'apart', identity_a, identity_b FROM merge_rejections",
            )?
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let rows = rows
            .into_iter()
            .filter_map(|(kind, a, b)| Some((kind, a?, b?)))
            .collect();
        self.decisions_to_share(rows)
    }
}

/// A calendar item waiting to go out: its id in the team's document, and what to write (None:
/// deleted here).
type PendingItem = (String, Option<doc::SharedItem>);

impl Store {
    /// A calendar item as the team shares it (None: not here, or the demo's).
    fn calendar_item_shared(&self, team_id: &str, me: &str) -> Result<Option<doc::SharedItem>> {
        type Row = (
            i64,
            String,
            String,
            String,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
        );
        let row: Option<Row> = self
            .conn()
            .prepare_cached(
                "SELECT id, title, body, state, scheduled_at, published_at, approved_at,
                        approved_by, recurrence, time_zone, created_at, publisher
                 FROM calendar_items WHERE team_id = ?1 AND demo = 0",
            )?
            .query_row([team_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            })
            .optional()?;
        let Some((
            id,
            title,
            body,
            state,
            scheduled_at,
            published_at,
            approved_at,
            approved_by,
            recurrence,
            time_zone,
            created_at,
            publisher,
        )) = row
        else {
            return Ok(None);
        };
        let mut item = doc::SharedItem {
            title,
            body,
            state,
            scheduled_at,
            published_at,
            approved_at,
            approved_by,
            recurrence,
            time_zone,
            created_at,
            publisher: publisher.unwrap_or_else(|| me.to_string()),
            ..doc::SharedItem::default()
        };
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.team_id, t.platform, a.platform, a.base_url, a.name, t.channel, t.title,
                    t.body, t.follows_main, t.external_id, t.url, t.error
             FROM calendar_targets t LEFT JOIN accounts a ON a.id = t.account_id
             WHERE t.item_id = ?1 AND t.team_id IS NOT NULL",
        )?;
        let targets = stmt
            .query_map([id], |r| {
                let account = match (
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(4)?,
                ) {
                    (Some(p), Some(n)) => Some(conversation_key(
                        &p,
                        r.get::<_, Option<String>>(3)?.as_deref(),
                        &n,
                    )),
                    _ => None,
                };
                Ok((
                    r.get::<_, String>(0)?,
                    serde_json::json!({
                        "platform": r.get::<_, String>(1)?,
                        "account": account,
                        "channel": r.get::<_, Option<String>>(5)?,
                        "title": r.get::<_, Option<String>>(6)?,
                        "body": r.get::<_, String>(7)?,
                        "followsMain": r.get::<_, bool>(8)?,
                        "externalId": r.get::<_, Option<String>>(9)?,
                        "url": r.get::<_, Option<String>>(10)?,
                        "error": r.get::<_, Option<String>>(11)?,
                    })
                    .to_string(),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        item.targets = targets.into_iter().collect();
        let mut stmt = self.conn().prepare_cached(
            "SELECT team_id, author, body, created_at FROM calendar_comments
             WHERE item_id = ?1 AND team_id IS NOT NULL",
        )?;
        let comments = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    serde_json::json!({
                        "author": r.get::<_, String>(1)?,
                        "body": r.get::<_, String>(2)?,
                        "createdAt": r.get::<_, i64>(3)?,
                    })
                    .to_string(),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        item.comments = comments.into_iter().collect();
        Ok(Some(item))
    }

    /// Calendar items changed here since the last sync.
    fn team_calendar_pending(&self, me: &str) -> Result<(i64, Vec<PendingItem>)> {
        let top: i64 = newest_mark(self.conn(), "team_calendar_pending")?;
        let ids = self
            .conn()
            .prepare("SELECT DISTINCT team_id FROM team_calendar_pending WHERE seq <= ?1")?
            .query_map([top], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let item = self.calendar_item_shared(&id, me)?;
            out.push((id, item));
        }
        Ok((top, out))
    }

    /// Every calendar item the team should have from here (not the demo's).
    fn all_calendar_items(&self, me: &str) -> Result<Vec<PendingItem>> {
        let ids = self
            .conn()
            .prepare("SELECT team_id FROM calendar_items WHERE demo = 0 AND team_id IS NOT NULL")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(item) = self.calendar_item_shared(&id, me)? {
                out.push((id, Some(item)));
            }
        }
        Ok(out)
    }
}

/// Runs `work` on a connection of its own to the database at `path`, with a network runtime
/// of its own, on a thread of its own (the caller may be driving another runtime, as the app's
/// commands are): the app's team commands, which must not hold its connection while a relay
/// answers slowly.
pub fn on_own_connection<T: Send>(
    path: &std::path::Path,
    work: impl AsyncFnOnce(&mut Store) -> Result<T> + Send,
) -> Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut store = Store::open(path)?;
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .map_err(|e| Error::Io {
                        context: "cannot start the network runtime".into(),
                        source: e,
                    })?;
                runtime.block_on(work(&mut store))
            })
            .join()
            .map_err(|_| Error::invalid("the team's work stopped unexpectedly"))?
    })
}

impl Store {
    /// A conversation's name across the team's laptops (None: no such conversation).
    pub fn team_conversation_key(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .conversation_keys(&[id])?
            .into_iter()
            .next()
            .map(|(_, k)| k))
    }

    /// The conversation here that a teammate's key names (None: not synced here).
    pub fn team_conversation_id(&self, key: &str) -> Result<Option<i64>> {
        self.conversation_by_key(key)
    }

    /// The link a teammate joins with (the secret from the keyring), to invite someone else.
    pub fn team_join_link(&self) -> Result<Option<JoinLink>> {
        let Some(team) = self.team_info()? else {
            return Ok(None);
        };
        Ok(Some(JoinLink {
            relay: team.relay_url,
            doc: team.workspace_doc,
            secret: secrets::load_team_secret(&self.team_secret_key()?)?,
        }))
    }
}

/// Creates a team on the relay at `relay` (whose secret is `secret`), with this workspace's
/// manager named `me`: the workspace document is made, saved here and on the relay, and the
/// secret filed in the keyring. Returns the link teammates join with.
pub async fn create(
    store: &mut Store,
    relay: &str,
    secret: Secret,
    me: &str,
    now: Millis,
) -> Result<JoinLink> {
    let me = free_to_join(store, me)?;
    let url = check_relay(relay)?;
    let chunks = storage::SqliteChunks::open(store.path())?;
    let repo = Repo::build_tokio()
        .with_storage(chunks.clone())
        .load()
        .await;
    // the team starts with this workspace's triage, on the relay before anyone can join
    let own = store.triaged_states(now)?;
    let set_up = records::all(store.conn())?;
    let members = store.members_with_set_up()?;
    let decisions = store.all_decisions()?;
    let items = store.all_calendar_items(&me)?;
    let outcome = async {
        let dialer = connect(&repo, &url, &secret).await?;
        let mut initial = doc::new_workspace().map_err(team_error)?;
        for (key, state) in &own {
            doc::write(&mut initial, key, state, &me).map_err(team_error)?;
        }
        for (key, record) in &set_up {
            doc::write_record(&mut initial, key, Some(record)).map_err(team_error)?;
        }
        for (identities, shared) in &members {
            doc::write_member(&mut initial, identities, shared).map_err(team_error)?;
        }
        for (decision, a, b) in &decisions {
            doc::write_decision(&mut initial, *decision, a, b, &me).map_err(team_error)?;
        }
        for (id, item) in &items {
            if let Some(item) = item {
                doc::write_item(&mut initial, id, item).map_err(team_error)?;
            }
        }
        doc::mark_synced(&mut initial, &me, now).map_err(team_error)?;
        let heads = doc::heads_to_json(&initial.get_heads());
        let handle = repo.create(initial).await.map_err(team_error)?;
        if let Some(conn) = dialer.connection_id() {
            wait(EXCHANGE_WAIT, handle.they_have_our_changes(conn), relay).await?;
        }
        Ok::<_, Error>((handle.url().to_string(), heads))
    }
    .await;
    repo.stop().await;
    let (doc, heads) = outcome?;
    if let Some(failure) = chunks.take_failure() {
        return Err(Error::invalid(format!(
            "the team was not created: {failure}"
        )));
    }
    let link = JoinLink {
        relay: relay.to_string(),
        doc,
        secret,
    };
    remember(store, &link, &me, now)?;
    // what the document holds is what the tables hold: nothing to apply back
    store.conn().execute(
        "INSERT INTO team_applied (doc, heads) VALUES (?1, ?2)",
        params![link.doc, heads],
    )?;
    Ok(link)
}

/// Joins the team of `link` as `me`, and brings its shared triage here.
pub async fn join(
    store: &mut Store,
    link: &JoinLink,
    me: &str,
    now: Millis,
) -> Result<TeamSyncReport> {
    let me = free_to_join(store, me)?;
    remember(store, link, &me, now)?;
    match sync(store, now).await {
        Ok(report) => Ok(report),
        Err(e) => {
            // a link that cannot work leaves nothing behind
            store.team_leave()?;
            Err(e)
        }
    }
}

/// The name given, once this workspace is known to be in no team yet.
fn free_to_join(store: &Store, me: &str) -> Result<String> {
    if store.team_info()?.is_some() {
        return Err(Error::invalid(
            "this workspace is in a team already; leave it first (`hearth team leave`)",
        ));
    }
    checked_name(me)
}

fn checked_name(me: &str) -> Result<String> {
    let me = me.trim();
    if me.is_empty() {
        return Err(Error::invalid(
            "give your name as teammates will see it (--name)",
        ));
    }
    Ok(me.to_string())
}

/// Files the team. Its creator's triage went into the document it started with; someone
/// joining takes the team's state at the first sync, and shares only what the team has not
/// triaged.
fn remember(store: &mut Store, link: &JoinLink, me: &str, now: Millis) -> Result<()> {
    secrets::store_token(&store.team_secret_key()?, &link.secret)?;
    let tx = store.conn_mut().transaction()?;
    tx.execute(
        "INSERT INTO team (id, relay_url, workspace_doc, me, joined_at) VALUES (1, ?1, ?2, ?3, ?4)",
        params![link.relay, link.doc, me, now],
    )?;
    tx.commit()?;
    // the name teammates assign this manager by is theirs here too ("Mine", {my_name})
    let named = store
        .setting(crate::inbox::canned::MY_NAME)?
        .is_some_and(|n| !n.trim().is_empty());
    if !named {
        // a convenience: a team name the team list refuses ("me", "nobody", over 60
        // characters) leaves the setting unset rather than the team half-filed
        let _ = store.set_my_name(me, now);
    }
    Ok(())
}

/// The conversations triaged here in any way (what a new team member may have to share).
const TRIAGED: &str = "SELECT id FROM conversations
     WHERE status <> 'open' OR assignee IS NOT NULL OR priority <> 0
        OR id IN (SELECT conversation_id FROM conversation_tags)";

async fn connect(
    repo: &Repo,
    url: &url::Url,
    secret: &Secret,
) -> Result<samod::DialerHandle<relay::Refused>> {
    let dialer = repo
        .dial(
            BackoffConfig {
                // short: samod 0.16 can try the first connection before it has registered its
                // dialer, and that attempt fails; the next one should not wait long
                initial_delay: Duration::from_millis(50),
                max_delay: Duration::from_secs(2),
                max_retries: Some(6),
            },
            Arc::new(relay::RelayDialer {
                url: url.clone(),
                secret: secret.clone(),
            }),
        )
        .map_err(team_error)?;
    let offline = |why: String| {
        Error::TeamOffline(format!(
            "the team's relay at {url} could not be reached ({why}); everything here keeps \
             working, and the changes are shared at the next sync"
        ))
    };
    match tokio::time::timeout(CONNECT_WAIT, dialer.established()).await {
        Ok(Ok(_)) => Ok(dialer),
        Ok(Err(DialerFailed::PermanentFailure(refused))) => {
            Err(Error::invalid(refused.to_string()))
        }
        Ok(Err(e)) => Err(offline(e.to_string())),
        Err(_) => Err(offline(format!(
            "no answer in {} s",
            CONNECT_WAIT.as_secs()
        ))),
    }
}

async fn wait(
    limit: Duration,
    what: impl std::future::Future<Output = ()>,
    relay: &str,
) -> Result<()> {
    tokio::time::timeout(limit, what).await.map_err(|_| {
        Error::TeamOffline(format!(
            "the team's relay at {relay} stopped answering mid-sync; nothing was lost, and the \
             next sync carries on"
        ))
    })
}

/// One sync with the team: what changed here is shared, and teammates' changes are applied.
pub async fn sync(store: &mut Store, now: Millis) -> Result<TeamSyncReport> {
    let Some(team) = store.team_info()? else {
        return Err(Error::invalid(
            "this workspace is not in a team; create one or join with a link",
        ));
    };
    let secret = secrets::load_team_secret(&store.team_secret_key()?)?;
    let url = check_relay(&team.relay_url)?;
    let doc_id = team
        .workspace_doc
        .parse::<AutomergeUrl>()
        .map_err(|_| Error::invalid("the team's document address is damaged; join again"))?
        .document_id()
        .clone();
    let chunks = storage::SqliteChunks::open(store.path())?;
    let repo = Repo::build_tokio()
        .with_storage(chunks.clone())
        .load()
        .await;
    let outcome = exchange(store, &repo, &team, &url, &secret, doc_id, now).await;
    // every chunk written is on disk once the repo has stopped
    repo.stop().await;
    let (report, tops) = outcome?;
    if let Some(failure) = chunks.take_failure() {
        return Err(Error::invalid(format!(
            "the team's changes could not be saved here ({failure}); nothing was lost, and \
             the next sync shares them again"
        )));
    }
    let tx = store.conn_mut().transaction()?;
    tx.execute("DELETE FROM team_pending WHERE seq <= ?1", [tops.triage])?;
    tx.execute(
        "DELETE FROM team_note_pending WHERE seq <= ?1",
        [tops.notes],
    )?;
    tx.execute(
        "DELETE FROM team_record_pending WHERE seq <= ?1",
        [tops.records],
    )?;
    tx.execute(
        "DELETE FROM team_member_pending WHERE seq <= ?1",
        [tops.members],
    )?;
    tx.execute(
        "DELETE FROM team_decision_pending WHERE seq <= ?1",
        [tops.decisions],
    )?;
    tx.execute(
        "DELETE FROM team_calendar_pending WHERE seq <= ?1",
        [tops.items],
    )?;
    tx.execute("UPDATE team SET last_synced_at = ?1", [now])?;
    tx.commit()?;
    Ok(report)
}

/// The newest marks of what changed here that a sync wrote into the document.
#[derive(Clone, Copy)]
struct Tops {
    triage: i64,
    notes: i64,
    records: i64,
    members: i64,
    decisions: i64,
    items: i64,
}

async fn exchange(
    store: &mut Store,
    repo: &Repo,
    team: &TeamInfo,
    url: &url::Url,
    secret: &Secret,
    doc_id: samod::DocumentId,
    now: Millis,
) -> Result<(TeamSyncReport, Tops)> {
    let mut report = TeamSyncReport::default();
    // What changed here goes into the document before the relay is reached, so edits made
    // apart stay concurrent (the document is here after the first sync).
    let (top, pending) = store.team_pending(now)?;
    let (note_top, notes) = store.team_notes_pending(&team.me)?;
    let (record_top, set_up) = store.team_records_pending()?;
    let (member_top, members) = store.team_members_pending()?;
    let (decision_top, decisions) = store.team_decisions_pending()?;
    let (item_top, items) = store.team_calendar_pending(&team.me)?;
    let tops = Tops {
        items: item_top,
        decisions: decision_top,
        triage: top,
        notes: note_top,
        records: record_top,
        members: member_top,
    };
    let held: bool = store.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM team_chunks WHERE key > ?1 || '/' AND key < ?1 || '0')",
        [doc_id.to_string()],
        |r| r.get(0),
    )?;
    let local = if held {
        repo.find(doc_id.clone()).await.map_err(team_error)?
    } else {
        None
    };
    let mut written = false;
    if let Some(handle) = &local {
        report.sent = write_pending(handle, &pending, &team.me)?;
        report.notes_sent = write_notes(handle, &notes)?;
        report.records_sent = write_records(handle, &set_up)?;
        report.members_sent = write_members(handle, &members)?;
        report.decisions_sent = write_decisions(handle, &decisions, &team.me)?;
        report.items_sent = write_items(handle, &items)?;
        written = true;
    }
    let dialer = connect(repo, url, secret).await?;
    let handle = match local {
        Some(h) => h,
        None => find_on_relay(repo, doc_id).await?,
    };
    if !handle.with_document(|d| doc::is_workspace(d)) {
        return Err(Error::invalid(
            "the team link names a document that is not a Hearth team",
        ));
    }
    if !written {
        report.sent = write_pending(&handle, &pending, &team.me)?;
        report.notes_sent = write_notes(&handle, &notes)?;
        report.records_sent = write_records(&handle, &set_up)?;
        report.members_sent = write_members(&handle, &members)?;
        report.decisions_sent = write_decisions(&handle, &decisions, &team.me)?;
        report.items_sent = write_items(&handle, &items)?;
    }
    if let Some(conn) = dialer.connection_id() {
        wait(
            EXCHANGE_WAIT,
            handle.we_have_their_changes(conn),
            &team.relay_url,
        )
        .await?;
        // reached: the team learns when this manager was last around
        handle
            .with_document(|d| doc::mark_synced(d, &team.me, now))
            .map_err(team_error)?;
        wait(
            EXCHANGE_WAIT,
            handle.they_have_our_changes(conn),
            &team.relay_url,
        )
        .await?;
    }
    let first =
        store
            .conn()
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM team_applied)", [], |r| {
                r.get::<_, bool>(0)
            })?;
    let applied = handle.with_document(|d| apply(store, d, team, tops, now))?;
    report.applied = applied.conversations;
    report.not_here = applied.not_here;
    report.conflicts = applied.conflicts;
    report.notes_received = applied.notes;
    report.records_received = applied.records;
    report.members_received = applied.members;
    report.decisions_received = applied.decisions;
    report.items_received = applied.items;
    if first {
        // someone joining: what they triaged that the team never did is shared now
        let own: Vec<(String, TriageState)> = store
            .triaged_states(now)?
            .into_iter()
            .filter(|(key, _)| handle.with_document(|d| doc::read(d, key).is_none()))
            .collect();
        let set_up: Vec<PendingRecord> = records::all(store.conn())?
            .into_iter()
            .filter(|(key, _)| handle.with_document(|d| doc::read_record(d, key).is_none()))
            .map(|(key, record)| (key, Some(record)))
            .collect();
        let members: Vec<PendingMember> = store
            .members_with_set_up()?
            .into_iter()
            .filter(|(ids, _)| handle.with_document(|d| doc::read_member(d, ids).is_none()))
            .collect();
        let decisions = store.all_decisions()?;
        let items: Vec<PendingItem> = store
            .all_calendar_items(&team.me)?
            .into_iter()
            .filter(|(id, _)| handle.with_document(|d| doc::read_item(d, id).is_none()))
            .collect();
        if !own.is_empty()
            || !set_up.is_empty()
            || !members.is_empty()
            || !decisions.is_empty()
            || !items.is_empty()
        {
            report.items_sent += write_items(&handle, &items)?;
            report.decisions_sent += write_decisions(&handle, &decisions, &team.me)?;
            report.sent += write_pending(&handle, &own, &team.me)?;
            report.records_sent += write_records(&handle, &set_up)?;
            report.members_sent += write_members(&handle, &members)?;
            if let Some(conn) = dialer.connection_id() {
                wait(
                    EXCHANGE_WAIT,
                    handle.they_have_our_changes(conn),
                    &team.relay_url,
                )
                .await?;
            }
            // the document now holds them as this workspace has them: nothing to apply back
            store.conn().execute(
                "UPDATE team_applied SET heads = ?2 WHERE doc = ?1",
                params![
                    team.workspace_doc,
                    handle.with_document(|d| doc::heads_to_json(&d.get_heads()))
                ],
            )?;
        }
    }
    Ok((report, tops))
}

/// The team's document from the relay. A relay that has just started may answer "not here"
/// while it reads its files, so it is asked a few times before that answer is believed.
pub(crate) async fn find_on_relay(
    repo: &Repo,
    doc_id: samod::DocumentId,
) -> Result<samod::DocHandle> {
    for attempt in 0..6 {
        if let Some(handle) = repo.find(doc_id.clone()).await.map_err(team_error)? {
            return Ok(handle);
        }
        tokio::time::sleep(Duration::from_millis(250 * (attempt + 1))).await;
    }
    Err(Error::invalid(
        "the relay does not have this team's document; ask a teammate for a new link",
    ))
}

/// Writes each of `pending` into the document with `write` (which says whether it wrote
/// anything: an unchanged value writes nothing); returns how many did.
fn write_each<T>(
    handle: &samod::DocHandle,
    pending: &[T],
    write: impl Fn(
        &mut automerge::Automerge,
        &T,
    ) -> std::result::Result<bool, automerge::AutomergeError>,
) -> Result<usize> {
    handle.with_document(|d| {
        let mut sent = 0;
        for one in pending {
            sent += usize::from(write(d, one).map_err(team_error)?);
        }
        Ok(sent)
    })
}

fn write_pending(
    handle: &samod::DocHandle,
    pending: &[(String, TriageState)],
    me: &str,
) -> Result<usize> {
    write_each(handle, pending, |d, (key, state)| {
        doc::write(d, key, state, me)
    })
}

fn write_notes(handle: &samod::DocHandle, notes: &[PendingNote]) -> Result<usize> {
    write_each(handle, notes, |d, (id, note)| match note {
        Some(note) => doc::write_note(d, id, note),
        None => doc::delete_note(d, id),
    })
}

fn write_records(handle: &samod::DocHandle, set_up: &[PendingRecord]) -> Result<usize> {
    write_each(handle, set_up, |d, (key, record)| {
        doc::write_record(d, key, record.as_deref())
    })
}

fn write_items(handle: &samod::DocHandle, items: &[PendingItem]) -> Result<usize> {
    write_each(handle, items, |d, (id, item)| match item {
        Some(item) => doc::write_item(d, id, item),
        None => doc::delete_item(d, id),
    })
}

fn write_decisions(
    handle: &samod::DocHandle,
    decisions: &[PendingDecision],
    me: &str,
) -> Result<usize> {
    write_each(handle, decisions, |d, (decision, a, b)| {
        doc::write_decision(d, *decision, a, b, me)
    })
}

fn write_members(handle: &samod::DocHandle, members: &[PendingMember]) -> Result<usize> {
    write_each(handle, members, |d, (identities, shared)| {
        doc::write_member(d, identities, shared)
    })
}

/// What applying the team's document did here.
#[derive(Default)]
struct Applied {
    conversations: usize,
    not_here: usize,
    conflicts: usize,
    notes: usize,
    records: usize,
    members: usize,
    decisions: usize,
    items: usize,
}

/// A shared note's change to make here.
enum NoteChange {
    New {
        id: String,
        member: i64,
        note: doc::SharedNote,
    },
    Edited {
        row: i64,
        body: String,
    },
    Gone {
        row: i64,
    },
}

/// Writes the document's changes since the heads last applied to the conversations and notes,
/// in one transaction; the marks its own writes leave are removed, and a conversation or note
/// changed here since `tops` keeps its new state.
fn apply(
    store: &mut Store,
    d: &automerge::Automerge,
    team: &TeamInfo,
    tops: Tops,
    now: Millis,
) -> Result<Applied> {
    let (top, note_top) = (tops.triage, tops.notes);
    let doc_name = team.workspace_doc.as_str();
    let before: Option<String> = store
        .conn()
        .query_row(
            "SELECT heads FROM team_applied WHERE doc = ?1",
            [doc_name],
            |r| r.get(0),
        )
        .optional()?;
    let before = before
        .as_deref()
        .map(doc::heads_from_json)
        .unwrap_or_default();
    let mut changed = doc::changed_since(d, &before);
    // and those that were not here before: they may have arrived since
    {
        let mut stmt = store.conn().prepare("SELECT key FROM team_unmatched")?;
        let waiting = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        changed.conversations.extend(waiting);
        let mut stmt = store
            .conn()
            .prepare("SELECT team_id FROM team_unmatched_notes")?;
        let waiting = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        changed.notes.extend(waiting);
    }
    let mut out = Applied::default();
    let (note_changes, notes_matched, notes_unmatched) =
        notes_to_apply(store, d, &changed.notes, note_top)?;
    let member_changes = members_to_apply(store, d, &changed.member_identities, tops.members)?;
    let decisions = decisions_to_apply(store, d, &changed.decisions)?;
    let mut item_changes = Vec::new();
    for id in &changed.items {
        let changed_here: bool = marked_since(
            store.conn(),
            "team_calendar_pending",
            "team_id",
            id,
            tops.items,
        )?;
        if let (false, Some(item)) = (changed_here, doc::read_item(d, id)) {
            item_changes.push((id.clone(), item));
        }
    }
    let (mut applied, mut not_here, mut conflicts) = (0, 0, 0);
    let mut updates = Vec::new();
    let mut conflicted = Vec::new();
    let (mut matched, mut unmatched) = (Vec::new(), Vec::new());
    for key in changed.conversations {
        let Some(shared) = doc::read(d, &key) else {
            continue;
        };
        conflicts += shared.conflicts.len();
        let Some(id) = store.conversation_by_key(&key)? else {
            not_here += 1;
            unmatched.push(key);
            continue;
        };
        matched.push(key.clone());
        conflicted.push((id, shared.conflicts.clone()));
        let changed_here: bool =
            marked_since(store.conn(), "team_pending", "conversation_id", id, top)?;
        if changed_here || store.triage_state(id, now)? == shared.state {
            continue;
        }
        updates.push((id, shared.state));
    }
    let tx = store.conn_mut().transaction()?;
    let mark: i64 = newest_mark(&tx, "team_pending")?;
    for (id, state) in &updates {
        crate::inbox::triage::restore(&tx, *id, state, now)?;
        applied += 1;
    }
    for key in &unmatched {
        tx.execute(
            "INSERT OR IGNORE INTO team_unmatched (key) VALUES (?1)",
            [key],
        )?;
    }
    for key in &matched {
        tx.execute("DELETE FROM team_unmatched WHERE key = ?1", [key])?;
    }
    for (id, fields) in &conflicted {
        tx.execute(
            "DELETE FROM team_conflicts WHERE conversation_id = ?1",
            [id],
        )?;
        for (field, other) in fields {
            tx.execute(
                "INSERT OR IGNORE INTO team_conflicts (conversation_id, field, other)
                 VALUES (?1, ?2, ?3)",
                params![id, field, other],
            )?;
        }
    }
    let note_mark: i64 = newest_mark(&tx, "team_note_pending")?;
    for change in &note_changes {
        match change {
            NoteChange::New { id, member, note } => {
                let author = (note.author != team.me).then_some(note.author.as_str());
                tx.execute(
                    "INSERT INTO notes
                         (member_id, body, created_at, updated_at, shared, team_id, author)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
                    params![member, note.body, note.created_at, now, id, author],
                )?;
            }
            NoteChange::Edited { row, body } => {
                tx.execute(
                    "UPDATE notes SET body = ?2, updated_at = ?3 WHERE id = ?1",
                    params![row, body, now],
                )?;
            }
            NoteChange::Gone { row } => {
                tx.execute("DELETE FROM notes WHERE id = ?1", [row])?;
            }
        }
        out.notes += 1;
    }
    for id in &notes_unmatched {
        tx.execute(
            "INSERT OR IGNORE INTO team_unmatched_notes (team_id) VALUES (?1)",
            [id],
        )?;
    }
    for id in &notes_matched {
        tx.execute("DELETE FROM team_unmatched_notes WHERE team_id = ?1", [id])?;
    }
    let record_mark: i64 = newest_mark(&tx, "team_record_pending")?;
    for key in &changed.records {
        let changed_here: bool =
            marked_since(&tx, "team_record_pending", "key", key, tops.records)?;
        if !changed_here && records::write(&tx, key, doc::read_record(d, key).as_deref(), now)? {
            out.records += 1;
        }
    }
    let item_mark: i64 = newest_mark(&tx, "team_calendar_pending")?;
    for (id, item) in &item_changes {
        if calendar::apply_item(&tx, id, item, &team.me, now)? {
            out.items += 1;
        }
    }
    let decision_mark: i64 = newest_mark(&tx, "team_decision_pending")?;
    out.decisions = apply_decisions(&tx, &decisions, now)?;
    let member_mark: i64 = newest_mark(&tx, "team_member_pending")?;
    for (member, shared) in &member_changes {
        apply_member(&tx, *member, shared)?;
        out.members += 1;
    }
    if changed.mates {
        for (name, at) in doc::mates(d) {
            // someone new on the team can be assigned conversations
            let new: bool = tx.query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM team_mates WHERE name = ?1)",
                [&name],
                |r| r.get(0),
            )?;
            if new {
                tx.execute(
                    "INSERT OR IGNORE INTO team_members (name, created_at) VALUES (?1, ?2)",
                    params![name, now],
                )?;
            }
            tx.execute(
                "INSERT INTO team_mates (name, last_synced_at) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET last_synced_at = excluded.last_synced_at",
                params![name, at],
            )?;
        }
    }
    // the team's own state, not a change made here to share back
    tx.execute("DELETE FROM team_pending WHERE seq > ?1", [mark])?;
    tx.execute("DELETE FROM team_note_pending WHERE seq > ?1", [note_mark])?;
    tx.execute(
        "DELETE FROM team_record_pending WHERE seq > ?1",
        [record_mark],
    )?;
    tx.execute(
        "DELETE FROM team_member_pending WHERE seq > ?1",
        [member_mark],
    )?;
    tx.execute(
        "DELETE FROM team_decision_pending WHERE seq > ?1",
        [decision_mark],
    )?;
    tx.execute(
        "DELETE FROM team_calendar_pending WHERE seq > ?1",
        [item_mark],
    )?;
    tx.execute(
        "INSERT INTO team_applied (doc, heads) VALUES (?1, ?2)
         ON CONFLICT (doc) DO UPDATE SET heads = excluded.heads",
        params![doc_name, doc::heads_to_json(&d.get_heads())],
    )?;
    tx.commit()?;
    out.conversations = applied;
    out.not_here = not_here;
    out.conflicts = conflicts;
    Ok(out)
}

/// The members here whose tags or fields the team changed (by any of the identities given),
/// with what the team holds for them now; a member changed here since `member_top` keeps what
/// it has, which the next sync shares.
fn members_to_apply(
    store: &Store,
    d: &automerge::Automerge,
    identities: &std::collections::BTreeSet<String>,
    member_top: i64,
) -> Result<Vec<(i64, doc::MemberShared)>> {
    let mut members = std::collections::BTreeSet::new();
    for identity in identities {
        if let Some(member) = store.member_by_keys(std::slice::from_ref(identity))? {
            members.insert(member);
        }
    }
    let mut out = Vec::new();
    for member in members {
        let changed_here: bool = marked_since(
            store.conn(),
            "team_member_pending",
            "member_id",
            member,
            member_top,
        )?;
        if changed_here {
            continue;
        }
        let keys = store.member_keys(member)?;
        let shared = doc::read_member(d, &keys).unwrap_or_default();
        if shared != store.member_shared(member)? {
            out.push((member, shared));
        }
    }
    Ok(out)
}

/// A teammate's decision on two identities here: what, the two identities' ids, and who.
type HereDecision = (doc::Decision, i64, i64, String);

/// The decisions the document changed whose identities are both here; told-apart first, so a
/// merge then taken back is not made again.
fn decisions_to_apply(
    store: &Store,
    d: &automerge::Automerge,
    keys: &std::collections::BTreeSet<String>,
) -> Result<Vec<HereDecision>> {
    let mut out = Vec::new();
    for key in keys {
        let Some((decision, a, b, by)) = doc::read_decision(d, key) else {
            continue;
        };
        if let (Some((a, _)), Some((b, _))) =
            (store.identity_by_key(&a)?, store.identity_by_key(&b)?)
        {
            out.push((decision, a, b, by));
        }
    }
    out.sort_by_key(|(decision, ..)| *decision == doc::Decision::Same);
    Ok(out)
}

/// Carries out teammates' decisions on who is who: two identities told apart are never merged
/// or suggested again here (and the merge that joined them here is undone); two said to be one
/// person are merged, unless someone said otherwise. Returns how many changed anything.
fn apply_decisions(
    tx: &rusqlite::Transaction<'_>,
    decisions: &[HereDecision],
    now: Millis,
) -> Result<usize> {
    use crate::members::merge::{self, How, Why};
    let member_of = |identity: i64| -> Result<i64> {
        let m: i64 = tx.query_row(
            "SELECT member_id FROM identities WHERE id = ?1",
            [identity],
            |r| r.get(0),
        )?;
        merge::live_member(tx, m)
    };
    let mut done = 0;
    for (decision, a, b, by) in decisions {
        match decision {
            doc::Decision::Apart => {
                // undo whatever merge here put the two together (a few, at most)
                for _ in 0..8 {
                    if member_of(*a)? != member_of(*b)? {
                        break;
                    }
                    let joined: Option<i64> = tx
                        .query_row(
                            "SELECT id FROM merges WHERE undone_at IS NULL
                               AND EXISTS (SELECT 1 FROM json_each(moved, '$.identities')
                                           WHERE value IN (?1, ?2))
                             ORDER BY merged_at DESC, id DESC LIMIT 1",
                            params![a, b],
                            |r| r.get(0),
                        )
                        .optional()?;
                    let Some(joined) = joined else { break };
                    merge::unmerge_in(tx, joined, now)?;
                }
                let (x, y) = (*a.min(b), *a.max(b));
                let added = tx.execute(
                    "INSERT OR IGNORE INTO merge_rejections (identity_a, identity_b, rejected_at)
                     VALUES (?1, ?2, ?3)",
                    params![x, y, now],
                )?;
                let (ma, mb) = (member_of(x)?, member_of(y)?);
                tx.execute(
                    "DELETE FROM merge_suggestions
                     WHERE member_a = min(?1, ?2) AND member_b = max(?1, ?2)",
                    params![ma, mb],
                )?;
                done += added;
            }
            doc::Decision::Same => {
                let (ma, mb) = (member_of(*a)?, member_of(*b)?);
                if ma == mb || merge::rejected(tx, ma, mb)? {
                    continue;
                }
                merge::merge_in(
                    tx,
                    ma.min(mb),
                    ma.max(mb),
                    &Why {
                        how: How::Accepted,
                        decided_by: by.clone(),
                        reason: format!("{by} merged them for the team"),
                        evidence: Vec::new(),
                        score: None,
                    },
                    now,
                )?;
                done += 1;
            }
        }
    }
    Ok(done)
}

/// Gives a member here the team's tags and fields.
fn apply_member(
    tx: &rusqlite::Transaction<'_>,
    member: i64,
    shared: &doc::MemberShared,
) -> Result<()> {
    let held: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT t.id, t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
             WHERE mt.member_id = ?1",
        )?
        .query_map([member], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name) in &held {
        if !shared.tags.contains(name) {
            tx.execute(
                "DELETE FROM member_tags WHERE member_id = ?1 AND tag_id = ?2",
                params![member, id],
            )?;
        }
    }
    for tag in &shared.tags {
        if held.iter().any(|(_, n)| n == tag) {
            continue;
        }
        // a tag a teammate's laptop accepted but this one would not is left out, not an error
        if let Ok(id) = crate::tags::ensure_tag(tx, tag) {
            tx.execute(
                "INSERT OR IGNORE INTO member_tags (member_id, tag_id) VALUES (?1, ?2)",
                params![member, id],
            )?;
        }
    }
    tx.execute("DELETE FROM member_fields WHERE member_id = ?1", [member])?;
    for (name, value) in &shared.fields {
        tx.execute(
            "INSERT OR REPLACE INTO member_fields (member_id, name, value) VALUES (?1, ?2, ?3)",
            params![member, name, value],
        )?;
    }
    crate::tags::member_tags_changed(tx, &[member])?;
    Ok(())
}

/// Whether `id` names a note here that is private now (its author took it back).
fn author_took_back(store: &Store, id: &str) -> Result<bool> {
    Ok(store.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM notes WHERE team_id = ?1 AND shared = 0)",
        [id],
        |r| r.get(0),
    )?)
}

/// The shared notes to write here, of those the document changed: (changes, ids whose member
/// is here, ids whose member is not here yet). A note changed here since `note_top` keeps its
/// words; the next sync shares them.
fn notes_to_apply(
    store: &Store,
    d: &automerge::Automerge,
    ids: &std::collections::BTreeSet<String>,
    note_top: i64,
) -> Result<(Vec<NoteChange>, Vec<String>, Vec<String>)> {
    let (mut changes, mut matched, mut unmatched) = (Vec::new(), Vec::new(), Vec::new());
    for id in ids {
        let Some(shared) = doc::read_note(d, id) else {
            continue;
        };
        let changed_here: bool =
            marked_since(store.conn(), "team_note_pending", "team_id", id, note_top)?;
        if changed_here {
            continue;
        }
        // (a note its author took back here stays here, private: the team's copy is not it)
        let local: Option<(i64, String)> = store
            .conn()
            .query_row(
                "SELECT id, body FROM notes WHERE team_id = ?1 AND shared = 1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match (local, shared.deleted) {
            (Some((row, _)), true) => {
                matched.push(id.clone());
                changes.push(NoteChange::Gone { row });
            }
            (None, true) => matched.push(id.clone()),
            (Some((row, body)), false) => {
                matched.push(id.clone());
                if body != shared.body {
                    changes.push(NoteChange::Edited {
                        row,
                        body: shared.body,
                    });
                }
            }
            (None, false) if author_took_back(store, id)? => matched.push(id.clone()),
            (None, false) => match store.member_by_keys(&shared.member)? {
                Some(member) => {
                    matched.push(id.clone());
                    changes.push(NoteChange::New {
                        id: id.clone(),
                        member,
                        note: shared,
                    });
                }
                None => unmatched.push(id.clone()),
            },
        }
    }
    Ok((changes, matched, unmatched))
}
