//! Full-text search over messages and notes (SQLite FTS5). Owns: turning what someone typed
//! into a safe FTS query, ranking, and snippets with plain-text match markers. Must never:
//! return HTML (snippets are text; `\u{2}`/`\u{3}` mark the matched words).

use rusqlite::params;

use crate::error::Result;
use crate::model::{HitKind, SearchHit};
use crate::store::{platform_col, Store};

/// Start and end markers around matched words in snippets.
pub const MARK_START: char = '\u{2}';
pub const MARK_END: char = '\u{3}';

/// Every word must match; the last one also as a prefix (search as you type). Quoting each
/// word means FTS operators typed by a person (`NOT`, `*`, `"`, `:`) are plain words.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let w = w.replace('"', "");
                if i == last {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

impl Store {
    /// Notes (the team's own words, best match first), then messages, newest first.
    ///
    /// Messages come newest first rather than by relevance: a common word can match hundreds
    /// of thousands of messages, and ranking them all would take far longer than a person
    /// notices; reading the index backwards stops after the page.
    pub fn search(&self, input: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(input) else {
            return Ok(Vec::new());
        };
        let limit = limit.clamp(1, 200);
        let conn = self.conn();
        let mut hits = conn
            .prepare_cached(
                "SELECT n.id, n.member_id, m.display_name,
                        snippet(notes_fts, 0, char(2), char(3), '…', 16), n.updated_at
                 FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
                 JOIN members m ON m.id = n.member_id
                 WHERE notes_fts MATCH ?1 ORDER BY rank LIMIT ?2",
            )?
            .query_map(params![q, limit.min(10)], |r| {
                Ok(SearchHit {
                    kind: HitKind::Note,
                    message_id: None,
                    note_id: Some(r.get(0)?),
                    conversation_id: None,
                    member_id: Some(r.get(1)?),
                    platform: None,
                    title: r.get(2)?,
                    author_name: None,
                    snippet: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let remaining = limit as usize - hits.len().min(limit as usize);
        let messages = conn
            .prepare_cached(
                "SELECT m.id, m.conversation_id, i.member_id, m.platform,
                        coalesce(c.title, c.container, a.name), coalesce(i.display_name, i.handle),
                        snippet(messages_fts, 0, char(2), char(3), '…', 16), m.created_at
                 FROM messages_fts
                 JOIN messages m ON m.id = messages_fts.rowid
                 JOIN conversations c ON c.id = m.conversation_id
                 JOIN accounts a ON a.id = c.account_id
                 JOIN identities i ON i.id = m.author_identity_id
                 WHERE messages_fts MATCH ?1
                 ORDER BY messages_fts.rowid DESC LIMIT ?2",
            )?
            .query_map(params![q, remaining as i64], |r| {
                Ok(SearchHit {
                    kind: HitKind::Message,
                    message_id: Some(r.get(0)?),
                    note_id: None,
                    conversation_id: Some(r.get(1)?),
                    member_id: r.get(2)?,
                    platform: Some(platform_col(r, 3)?),
                    title: r.get(4)?,
                    author_name: r.get(5)?,
                    snippet: r.get(6)?,
                    created_at: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        hits.extend(messages);
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_operators_become_plain_words() {
        assert_eq!(fts_query("dark mode"), Some("\"dark\" \"mode\"*".into()));
        assert_eq!(
            fts_query("NOT \"crash\" col:x*"),
            Some("\"NOT\" \"crash\" \"col\" \"x\"*".into())
        );
        assert_eq!(fts_query(" ** "), None);
    }
}
