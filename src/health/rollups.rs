//! The roll-ups the metrics read instead of a period's messages (schema 18): per UTC day,
//! platform and channel, who wrote and how it read; when each identity first wrote; and per
//! question, what came after it. Owns their encoding and keeping them current. Must never:
//! count from what a trigger saw (triggers only mark what changed, in `health_dirty`; this
//! works it out again from the messages), or resolve accounts to people (that is read-time,
//! so merges and team changes need no refresh).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::Result;
use crate::model::Millis;
use crate::store::Store;

pub(crate) const DAY: Millis = 24 * 60 * 60 * 1000;
/// How long after a question in a chat channel its replies are looked for: a channel's
/// questions are worked out again only this far back from a change.
pub(crate) const CHANNEL_ANSWER_WINDOW: Millis = 30 * DAY;
/// Days worked out again per transaction, so another process writing waits seconds at most.
const DAYS_PER_TRANSACTION: usize = 14;

/// One identity's messages on a day in a channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Writer {
    pub identity: i64,
    pub messages: u32,
    pub scored: u32,
    pub sentiment: f64,
    /// Of its messages, those with a web link (content shared).
    pub links: u32,
}

/// A blob of schema 18: 24 bytes a writer, no links (always an even length).
const WRITER_BYTES_V1: usize = 24;
/// A blob of schema 22: this byte, then 28 bytes a writer (always an odd length).
const WRITERS_V2: u8 = 2;
const WRITER_BYTES: usize = 28;

pub(crate) fn encode_writers(writers: &[Writer]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + writers.len() * WRITER_BYTES);
    out.push(WRITERS_V2);
    for w in writers {
        out.extend_from_slice(&w.identity.to_le_bytes());
        out.extend_from_slice(&w.messages.to_le_bytes());
        out.extend_from_slice(&w.scored.to_le_bytes());
        out.extend_from_slice(&w.sentiment.to_le_bytes());
        out.extend_from_slice(&w.links.to_le_bytes());
    }
    out
}

/// The writers of a blob, of either version (an older one, not yet worked out again after an
/// upgrade, has no links); a blob cut short (it never is, unless the file was damaged) gives
/// the whole entries it holds.
pub(crate) fn decode_writers(blob: &[u8], out: &mut Vec<Writer>) {
    let (entries, size) = match blob.split_first() {
        Some((&WRITERS_V2, rest)) if blob.len() % 2 == 1 => (rest, WRITER_BYTES),
        _ => (blob, WRITER_BYTES_V1),
    };
    for c in entries.chunks_exact(size) {
        out.push(Writer {
            identity: i64::from_le_bytes(c[0..8].try_into().unwrap_or_default()),
            messages: u32::from_le_bytes(c[8..12].try_into().unwrap_or_default()),
            scored: u32::from_le_bytes(c[12..16].try_into().unwrap_or_default()),
            sentiment: f64::from_le_bytes(c[16..24].try_into().unwrap_or_default()),
            links: c
                .get(24..28)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_le_bytes),
        });
    }
}

/// A later message in a question's thread: who, when, and whether the account itself wrote it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Later {
    pub identity: i64,
    pub at: Millis,
    pub from_us: bool,
}

const LATER_BYTES: usize = 17;

pub(crate) fn encode_later(later: &[Later]) -> Vec<u8> {
    let mut out = Vec::with_capacity(later.len() * LATER_BYTES);
    for l in later {
        out.extend_from_slice(&l.identity.to_le_bytes());
        out.extend_from_slice(&l.at.to_le_bytes());
        out.push(u8::from(l.from_us));
    }
    out
}

pub(crate) fn decode_later(blob: &[u8]) -> impl Iterator<Item = Later> + '_ {
    blob.chunks_exact(LATER_BYTES).map(|c| Later {
        identity: i64::from_le_bytes(c[0..8].try_into().unwrap_or_default()),
        at: i64::from_le_bytes(c[8..16].try_into().unwrap_or_default()),
        from_us: c[16] != 0,
    })
}

/// What a refresh worked out again.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RollupRefresh {
    pub days: usize,
    pub conversations: usize,
}

impl Store {
    /// Works out again the roll-ups of every day and conversation whose messages changed
    /// since the last refresh (all of them, the first time), a few days per transaction.
    /// Cheap when nothing changed: one indexed read.
    pub fn refresh_rollups(&mut self) -> Result<RollupRefresh> {
        let mut done = RollupRefresh::default();
        loop {
            let tx = self.conn_mut().transaction()?;
            let days: Vec<Millis> = tx
                .prepare_cached("SELECT DISTINCT day FROM health_dirty ORDER BY day LIMIT ?1")?
                .query_map([DAYS_PER_TRANSACTION as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let (Some(first), Some(last)) = (days.first().copied(), days.last().copied()) else {
                return Ok(done);
            };
            let dirty: Vec<(Millis, i64)> = tx
                .prepare_cached(
                    "SELECT day, conversation_id FROM health_dirty WHERE day >= ?1 AND day <= ?2",
                )?
                .query_map(params![first, last], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for day in &days {
                rebuild_day(&tx, *day)?;
            }
            let conversations: BTreeSet<i64> = dirty.iter().map(|d| d.1).collect();
            rebuild_threads(&tx, first, last)?;
            // a chat channel from the earliest day it changed on
            let channels: Vec<(i64, Millis)> = tx
                .prepare_cached(
                    "SELECT d.conversation_id, min(d.day) FROM health_dirty d
                     JOIN conversations c ON c.id = d.conversation_id AND c.kind = 'channel'
                     WHERE d.day >= ?1 AND d.day <= ?2 GROUP BY 1",
                )?
                .query_map(params![first, last], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (conv, since) in channels {
                rebuild_channel(&tx, conv, since)?;
            }
            tx.execute(
                "DELETE FROM health_dirty WHERE day >= ?1 AND day <= ?2",
                params![first, last],
            )?;
            tx.commit()?;
            done.days += days.len();
            done.conversations += conversations.len();
        }
    }

    /// Whether some change is not in the roll-ups yet.
    pub fn rollups_stale(&self) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM health_dirty LIMIT 1", [], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

/// Marks every day and conversation with messages as changed, and forgets the roll-ups: the
/// next refresh works them all out (after an import, which writes rows no trigger marks).
pub(crate) fn mark_all(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM health_days; DELETE FROM health_firsts; DELETE FROM health_questions;

         INSERT OR IGNORE INTO health_dirty (day, conversation_id)
         SELECT DISTINCT created_at - created_at % 86400000, conversation_id FROM messages;",
    )?;
    Ok(())
}

/// Notes that messages were written on `day` in conversation `conversation` (ingest, which
/// marks what it inserts itself: a trigger on every insert cost a tenth of its rate).
pub(crate) fn mark(conn: &Connection, marks: &BTreeSet<(Millis, i64)>) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO health_dirty (day, conversation_id) VALUES (?1, ?2)",
    )?;
    for (day, conversation) in marks {
        insert.execute(params![day, conversation])?;
    }
    Ok(())
}

/// The day starting at `day`: its writers per platform and channel, and who wrote first on it.
fn rebuild_day(tx: &Transaction<'_>, day: Millis) -> Result<()> {
    let mut rows: BTreeMap<(String, String), Vec<Writer>> = BTreeMap::new();
    let mut firsts: HashMap<i64, (Millis, String)> = HashMap::new();
    {
        let mut read = tx.prepare_cached(
            "SELECT m.platform, coalesce(c.container, c.title, ''), m.author_identity_id,
                    count(*), count(m.sentiment), coalesce(sum(m.sentiment), 0), min(m.created_at),
                    count(*) FILTER (WHERE instr(m.body_text, 'http://') > 0
                                        OR instr(m.body_text, 'https://') > 0
                                        OR instr(m.body_text, 'www.') > 0)
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.created_at >= ?1 AND m.created_at < ?2
               AND m.deleted_at IS NULL AND m.from_us = 0
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        )?;
        let mut q = read.query(params![day, day + DAY])?;
        while let Some(r) = q.next()? {
            let identity: i64 = r.get(2)?;
            let platform: String = r.get(0)?;
            let at: Millis = r.get(6)?;
            let f = firsts
                .entry(identity)
                .or_insert_with(|| (at, platform.clone()));
            f.0 = f.0.min(at);
            rows.entry((platform, r.get(1)?)).or_default().push(Writer {
                identity,
                messages: r.get(3)?,
                scored: r.get(4)?,
                sentiment: r.get(5)?,
                links: r.get(7)?,
            });
        }
    }
    tx.execute("DELETE FROM health_days WHERE day = ?1", [day])?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO health_days (day, platform, channel, writers) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for ((platform, channel), writers) in &rows {
            insert.execute(params![day, platform, channel, encode_writers(writers)])?;
        }
    }
    // First messages: an earlier one on this day wins; one recorded on this day that is no
    // longer there (deleted, moved) is looked for again among all of the identity's messages.
    let recorded: Vec<(i64, Millis)> = tx
        .prepare_cached(
            "SELECT identity_id, first_at FROM health_firsts WHERE first_at >= ?1 AND first_at < ?2",
        )?
        .query_map(params![day, day + DAY], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut lookup: BTreeSet<i64> = BTreeSet::new();
    for (identity, at) in recorded {
        if firsts.get(&identity).map(|f| f.0) != Some(at) {
            lookup.insert(identity);
        }
    }
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO health_firsts (identity_id, first_at, platform) VALUES (?1, ?2, ?3)
             ON CONFLICT (identity_id) DO UPDATE SET first_at = min(first_at, excluded.first_at)",
        )?;
        for (identity, (at, platform)) in &firsts {
            if !lookup.contains(identity) {
                upsert.execute(params![identity, at, platform])?;
            }
        }
    }
    for identity in lookup {
        first_message_again(tx, identity)?;
    }
    Ok(())
}

/// An identity's first message, looked for among all of its messages.
fn first_message_again(conn: &Connection, identity: i64) -> Result<()> {
    let first: Option<(Millis, String)> = conn
        .prepare_cached(
            "SELECT created_at, platform FROM messages
             WHERE author_identity_id = ?1 AND deleted_at IS NULL AND from_us = 0
             ORDER BY created_at LIMIT 1",
        )?
        .query_row([identity], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match first {
        Some((at, platform)) => conn.execute(
            "INSERT INTO health_firsts (identity_id, first_at, platform) VALUES (?1, ?2, ?3)
             ON CONFLICT (identity_id) DO UPDATE SET first_at = excluded.first_at",
            params![identity, at, platform],
        )?,
        None => conn.execute(
            "DELETE FROM health_firsts WHERE identity_id = ?1",
            [identity],
        )?,
    };
    Ok(())
}

/// One message as the questions read it.
struct ThreadMsg {
    id: i64,
    external_id: String,
    identity: i64,
    from_us: bool,
    at: Millis,
    reply_to: Option<String>,
    asks: bool,
}

/// The questions of the threads (every kind of conversation but a chat channel) whose messages
/// changed on the days from `first` to `last`: each one's first message, if a member wrote it,
/// with every later message. One pass over their messages, in conversation order.
fn rebuild_threads(tx: &Transaction<'_>, first: Millis, last: Millis) -> Result<()> {
    tx.execute(
        "DELETE FROM health_questions WHERE conversation_id IN (
             SELECT conversation_id FROM health_dirty WHERE day >= ?1 AND day <= ?2
                AND conversation_id NOT IN (SELECT id FROM conversations WHERE kind = 'channel'))",
        params![first, last],
    )?;
    let mut read = tx.prepare_cached(
        "SELECT m.conversation_id, c.platform, coalesce(c.container, c.title, ''), m.id,
                m.author_identity_id, m.from_us, m.created_at
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.conversation_id IN (SELECT conversation_id FROM health_dirty
                                      WHERE day >= ?1 AND day <= ?2)
           AND c.kind <> 'channel' AND m.deleted_at IS NULL
         ORDER BY m.conversation_id, m.created_at, m.id",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO health_questions
             (message_id, conversation_id, at, platform, channel, asker, asker_last_at, later)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    // the thread being read: its question, then what came after it
    struct Open {
        conversation: i64,
        platform: String,
        channel: String,
        message: i64,
        asker: i64,
        at: Millis,
        asker_from_us: bool,
        asker_last: Option<Millis>,
        later: Vec<Later>,
    }
    let mut put = |t: &Open| -> Result<()> {
        if !t.asker_from_us {
            insert.execute(params![
                t.message,
                t.conversation,
                t.at,
                t.platform,
                t.channel,
                t.asker,
                t.asker_last,
                encode_later(&t.later)
            ])?;
        }
        Ok(())
    };
    let mut open: Option<Open> = None;
    let mut rows = read.query(params![first, last])?;
    while let Some(r) = rows.next()? {
        let conversation: i64 = r.get(0)?;
        let (identity, from_us, at): (i64, bool, Millis) = (r.get(4)?, r.get(5)?, r.get(6)?);
        match &mut open {
            Some(t) if t.conversation == conversation => {
                if identity == t.asker && !from_us {
                    t.asker_last = Some(at);
                } else {
                    t.later.push(Later {
                        identity,
                        at,
                        from_us,
                    });
                }
            }
            _ => {
                if let Some(t) = open.take() {
                    put(&t)?;
                }
                open = Some(Open {
                    conversation,
                    platform: r.get(1)?,
                    channel: r.get(2)?,
                    message: r.get(3)?,
                    asker: identity,
                    at,
                    asker_from_us: from_us,
                    asker_last: None,
                    later: Vec::new(),
                });
            }
        }
    }
    if let Some(t) = open.take() {
        put(&t)?;
    }
    Ok(())
}

/// The questions of chat channel `conv` asked from `since` less the answer window on (earlier
/// ones cannot have changed): a member's message ending in "?" that replies to nothing, with
/// the replies to it and the asker's own later messages anywhere in the channel (which may
/// acknowledge them).
fn rebuild_channel(tx: &Transaction<'_>, conv: i64, since: Millis) -> Result<()> {
    let meta: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT platform, coalesce(container, title, '') FROM conversations WHERE id = ?1",
        )?
        .query_row([conv], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((platform, channel)) = meta else {
        return Ok(());
    };
    let start = since - CHANNEL_ANSWER_WINDOW;
    let messages: Vec<ThreadMsg> = tx
        .prepare_cached(
            "SELECT id, external_id, author_identity_id, from_us, created_at,
                    reply_to_external_id, rtrim(body_text) LIKE '%?'
             FROM messages
             WHERE conversation_id = ?1 AND created_at >= ?2 AND deleted_at IS NULL
             ORDER BY created_at, id",
        )?
        .query_map(params![conv, start], |r| {
            Ok(ThreadMsg {
                id: r.get(0)?,
                external_id: r.get(1)?,
                identity: r.get(2)?,
                from_us: r.get(3)?,
                at: r.get(4)?,
                reply_to: r.get(5)?,
                asks: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    tx.execute(
        "DELETE FROM health_questions WHERE conversation_id = ?1 AND at >= ?2",
        params![conv, start],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO health_questions
             (message_id, conversation_id, at, platform, channel, asker, asker_last_at, later)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut put = |q: &ThreadMsg, after: &mut dyn Iterator<Item = &ThreadMsg>| -> Result<()> {
        let mut later = Vec::new();
        let mut asker_last = None;
        for m in after {
            if m.identity == q.identity && !m.from_us {
                asker_last = Some(m.at);
            } else {
                later.push(Later {
                    identity: m.identity,
                    at: m.at,
                    from_us: m.from_us,
                });
            }
        }
        insert.execute(params![
            q.id,
            conv,
            q.at,
            platform,
            channel,
            q.identity,
            asker_last,
            encode_later(&later)
        ])?;
        Ok(())
    };
    {
        let mut replies: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, m) in messages.iter().enumerate() {
            if let Some(to) = &m.reply_to {
                replies.entry(to.as_str()).or_default().push(i);
            }
        }
        for (i, q) in messages.iter().enumerate() {
            if q.from_us || q.reply_to.is_some() || !q.asks {
                continue;
            }
            let answers: HashSet<usize> = replies
                .get(q.external_id.as_str())
                .into_iter()
                .flatten()
                .copied()
                .collect();
            let mut after = messages
                .iter()
                .enumerate()
                .skip(i + 1)
                .filter(|(j, m)| (m.identity == q.identity && !m.from_us) || answers.contains(j))
                .map(|(_, m)| m);
            put(q, &mut after)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_and_later_messages_read_back_as_written() {
        let writers = vec![
            Writer {
                identity: 7,
                messages: 3,
                scored: 2,
                sentiment: -0.25,
                links: 1,
            },
            Writer {
                identity: i64::from(u32::MAX) + 5,
                messages: 1,
                scored: 1,
                sentiment: 0.5,
                links: 0,
            },
        ];
        let mut back = Vec::new();
        decode_writers(&encode_writers(&writers), &mut back);
        assert_eq!(back, writers);
        // a blob cut short gives its whole entries only
        let mut cut = Vec::new();
        decode_writers(&encode_writers(&writers)[..1 + WRITER_BYTES + 6], &mut cut);
        assert_eq!(cut, writers[..1]);
        // a schema-18 blob (24 bytes a writer, no version byte) still reads, without links
        let mut old = Vec::new();
        for w in &writers {
            old.extend_from_slice(&w.identity.to_le_bytes());
            old.extend_from_slice(&w.messages.to_le_bytes());
            old.extend_from_slice(&w.scored.to_le_bytes());
            old.extend_from_slice(&w.sentiment.to_le_bytes());
        }
        let mut read = Vec::new();
        decode_writers(&old, &mut read);
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].messages, read[0].links), (3, 0));
        assert_eq!(read[1].identity, i64::from(u32::MAX) + 5);

        let later = vec![
            Later {
                identity: 3,
                at: 1_793_577_600_000,
                from_us: false,
            },
            Later {
                identity: 9,
                at: 1_793_577_700_000,
                from_us: true,
            },
        ];
        assert_eq!(
            decode_later(&encode_later(&later)).collect::<Vec<_>>(),
            later
        );
    }
}
