//! Privacy requests about one person. Owns: exporting everything Hearth holds about them as
//! one JSON document, and forgetting them so that no trace stays in the database file or its
//! write-ahead log: their member records (merged ones too), identities with their raw payloads,
//! notes, tags, custom fields, activity, merges, suggestions and rejections, the rows other
//! tables keep about them (any table with a `member_id` or `identity_id` column, such as
//! reminders), and the text and links of their messages (a link can name them) — the messages
//! stay, blank, from one "Deleted member" per account, so threads still read. Not covered: what
//! others wrote about them, titles of conversations they started, platform ids (a Bluesky DID
//! in a message's `external_id`), records kept aside (`quarantine`) and the outbox. Must never:
//! send anything anywhere.
//!
//! Deleting leaves nothing behind because: the deleting connection runs with
//! `PRAGMA secure_delete` (freed cells and pages are zeroed), the FTS5 indexes drop the words
//! with their 'delete' command and are then merged (`optimize`) so no old segment keeps them,
//! the file is rewritten (`VACUUM`: space freed by earlier edits and index merges may still hold
//! old copies; seconds per GB), and the write-ahead log is checkpointed and truncated.

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::merge::live_member;
use super::reindex_member;
use crate::error::{Error, Result};
use crate::model::{ForgetPreview, ForgetReport, Millis};
use crate::store::Store;

/// The external id of the identity that stands for forgotten people on an account.
pub const DELETED_EXTERNAL_ID: &str = "hearth:deleted-member";
/// The setting that says the file still needs rewriting after a forget (another Hearth was
/// writing then); [`Store::finish_upgrade`] does it on the next open.
const SCRUB: &str = "privacy.scrub";

/// Rewrites the file if a forget could not (see [`SCRUB`]).
pub(crate) fn scrub_if_pending(conn: &Connection) -> Result<()> {
    let pending: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM settings WHERE key = ?1)",
        [SCRUB],
        |r| r.get(0),
    )?;
    if !pending {
        return Ok(());
    }
    conn.execute("DELETE FROM settings WHERE key = ?1", [SCRUB])?;
    if !scrub(conn)? {
        // still busy: next time
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, '\"pending\"')",
            [SCRUB],
        )?;
    }
    Ok(())
}

/// Rewrites the file without its free space (`VACUUM`) and empties the write-ahead log into it;
/// `false` when another Hearth's reading or writing stopped either.
fn scrub(conn: &Connection) -> Result<bool> {
    if conn.execute_batch("VACUUM").is_err() {
        return Ok(false);
    }
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// How forgotten people are shown.
pub const DELETED_NAME: &str = "Deleted member";

/// The member records a person is made of: the live one and every member merged into it.
fn part_of(conn: &Connection, member: i64) -> Result<Vec<i64>> {
    Ok(conn
        .prepare(
            "WITH RECURSIVE part(id) AS (
                 SELECT ?1 UNION SELECT m.id FROM members m JOIN part p ON m.merged_into = p.id
             ) SELECT id FROM part ORDER BY id",
        )?
        .query_map([member], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn identities_of(conn: &Connection, part: &str) -> Result<Vec<i64>> {
    Ok(conn
        .prepare(
            "SELECT id FROM identities WHERE member_id IN (SELECT value FROM json_each(?1))
             ORDER BY id",
        )?
        .query_map([part], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn json_ids(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// Every row `sql` returns, as objects keyed by column name.
fn rows(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Value>> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    let mut q = stmt.query(p)?;
    while let Some(r) = q.next()? {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => json!(n),
                ValueRef::Real(x) => json!(x),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => {
                    Value::String(b.iter().map(|x| format!("{x:02x}")).collect::<String>())
                }
            };
            obj.insert(name.clone(), v);
        }
        out.push(Value::Object(obj));
    }
    Ok(out)
}

/// Tables Hearth handles by name below; any other table with a `member_id` or `identity_id`
/// column is exported and forgotten as it is.
const KNOWN: &[&str] = &[
    "members",
    "identities",
    "identity_keysets",
    "identity_key_index",
    "notes",
    "member_tags",
    "member_fields",
    "member_activity",
    "messages",
    "message_revisions",
    "merges",
    "merge_suggestions",
    "merge_rejections",
];

/// Other tables that name a person: (table, column).
fn other_tables(conn: &Connection) -> Result<Vec<(String, String)>> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for t in tables {
        if KNOWN.contains(&t.as_str()) {
            continue;
        }
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")?
            .query_map([&t], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for c in ["member_id", "identity_id"] {
            if columns.iter().any(|x| x == c) {
                out.push((t.clone(), c.to_string()));
            }
        }
    }
    Ok(out)
}

/// `"name"` quoted as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Which rows of the other tables name the person.
fn other_filter(column: &str) -> String {
    format!("{} IN (SELECT value FROM json_each(?1))", ident(column))
}

impl Store {
    /// Everything Hearth holds about one person, as one JSON document (`hearth members
    /// privacy-export`): their member records, identities with the platforms' raw payloads,
    /// notes, tags, custom fields, organisation, activity, their messages with text and earlier
    /// versions, the merges and suggestions involving them, and any other rows naming them.
    pub fn privacy_export(&self, member: i64, now: Millis) -> Result<Value> {
        let conn = self.conn();
        let member = live_member(conn, member)?;
        let part = part_of(conn, member)?;
        let part_json = json_ids(&part);
        let idents = json_ids(&identities_of(conn, &part_json)?);
        let inp = "(SELECT value FROM json_each(?1))";
        let mut other = Map::new();
        for (table, column) in other_tables(conn)? {
            let ids = if column == "member_id" {
                &part_json
            } else {
                &idents
            };
            let found = rows(
                conn,
                &format!(
                    "SELECT * FROM {} WHERE {}",
                    ident(&table),
                    other_filter(&column)
                ),
                [ids],
            )?;
            if !found.is_empty() {
                other.insert(table, Value::Array(found));
            }
        }
        Ok(json!({
            "format": "hearth-privacy-export",
            "version": 1,
            "exported_at": now,
            "member_id": member,
            "members": rows(conn, &format!("SELECT * FROM members WHERE id IN {inp} ORDER BY id"), [&part_json])?,
            "identities": rows(conn, &format!(
                "SELECT i.*, a.name AS account_name FROM identities i
                 JOIN accounts a ON a.id = i.account_id WHERE i.id IN {inp} ORDER BY i.id"), [&idents])?,
            "identity_keys": rows(conn, &format!(
                "SELECT * FROM identity_keys WHERE identity_id IN {inp}
                 ORDER BY identity_id, kind, value"), [&idents])?,
            "organization": rows(conn,
                "SELECT o.id, o.name, o.domain, o.website, o.source, m.organization_set_by
                 FROM members m JOIN organizations o ON o.id = m.organization_id WHERE m.id = ?1",
                [member])?.into_iter().next().unwrap_or(Value::Null),
            "notes": rows(conn, &format!(
                "SELECT * FROM notes WHERE member_id IN {inp} ORDER BY id"), [&part_json])?,
            "tags": rows(conn, &format!(
                "SELECT mt.member_id, t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
                 WHERE mt.member_id IN {inp} ORDER BY t.name COLLATE NOCASE"), [&part_json])?,
            "fields": rows(conn, &format!(
                "SELECT * FROM member_fields WHERE member_id IN {inp} ORDER BY name"), [&part_json])?,
            "activity": rows(conn, &format!(
                "SELECT * FROM member_activity WHERE member_id IN {inp} OR identity_id IN
                 (SELECT value FROM json_each(?2)) ORDER BY occurred_at, id"),
                [&part_json, &idents])?,
            "messages": rows(conn, &format!(
                "SELECT g.id, g.conversation_id, c.title AS conversation_title, c.url AS
                        conversation_url, g.platform, g.external_id, g.author_identity_id,
                        g.body_text, g.body_html, g.created_at, g.edited_at, g.deleted_at,
                        g.reply_to_external_id, g.url
                 FROM messages g JOIN conversations c ON c.id = g.conversation_id
                 WHERE g.author_identity_id IN {inp} ORDER BY g.created_at, g.id"), [&idents])?,
            "message_revisions": rows(conn, &format!(
                "SELECT r.* FROM message_revisions r JOIN messages g ON g.id = r.message_id
                 WHERE g.author_identity_id IN {inp} ORDER BY r.message_id, r.id"), [&idents])?,
            "merges": rows(conn, &format!(
                "SELECT * FROM merges WHERE kept_member_id IN {inp} OR absorbed_member_id IN {inp}
                 ORDER BY merged_at, id"), [&part_json])?,
            "merge_suggestions": rows(conn, &format!(
                "SELECT * FROM merge_suggestions WHERE member_a IN {inp} OR member_b IN {inp}
                 ORDER BY member_a, member_b"), [&part_json])?,
            "merge_rejections": rows(conn, &format!(
                "SELECT * FROM merge_rejections WHERE identity_a IN {inp} OR identity_b IN {inp}
                 ORDER BY identity_a, identity_b"), [&idents])?,
            "other": Value::Object(other),
        }))
    }

    /// Writes [`Store::privacy_export`] to `path` (pretty JSON). An existing file is replaced
    /// only with `replace` (the app's save dialog has asked already; the CLI never replaces).
    pub fn privacy_export_to(
        &self,
        member: i64,
        path: &std::path::Path,
        replace: bool,
        now: Millis,
    ) -> Result<()> {
        let doc = self.privacy_export(member, now)?;
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::invalid(format!("cannot write the export: {e}")))?;
        let io = |source| Error::Io {
            context: format!("cannot write {}", path.display()),
            source,
        };
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        if replace {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        let mut file = options.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::invalid(format!(
                "{} already exists; choose another file",
                path.display()
            )),
            _ => io(e),
        })?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.write_all(b"\n").map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(())
    }

    /// What forgetting `member` would remove, for a confirmation that names it.
    pub fn forget_preview(&self, member: i64) -> Result<ForgetPreview> {
        let conn = self.conn();
        let member = live_member(conn, member)?;
        let part = json_ids(&part_of(conn, member)?);
        let idents = json_ids(&identities_of(conn, &part)?);
        let count =
            |sql: &str, p: &str| -> Result<i64> { Ok(conn.query_row(sql, [p], |r| r.get(0))?) };
        let inp = "(SELECT value FROM json_each(?1))";
        Ok(ForgetPreview {
            member_id: member,
            display_name: conn.query_row(
                "SELECT display_name FROM members WHERE id = ?1",
                [member],
                |r| r.get(0),
            )?,
            identities: conn
                .prepare(&format!(
                    "SELECT platform || ' ' || handle FROM identities WHERE id IN {inp} ORDER BY id"
                ))?
                .query_map([&idents], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
            notes: count(
                &format!("SELECT count(*) FROM notes WHERE member_id IN {inp}"),
                &part,
            )?,
            tags: count(
                &format!("SELECT count(*) FROM member_tags WHERE member_id IN {inp}"),
                &part,
            )?,
            fields: count(
                &format!("SELECT count(*) FROM member_fields WHERE member_id IN {inp}"),
                &part,
            )?,
            activity: count(
                &format!("SELECT count(*) FROM member_activity WHERE member_id IN {inp}"),
                &part,
            )?,
            messages: count(
                &format!("SELECT count(*) FROM messages WHERE author_identity_id IN {inp}"),
                &idents,
            )?,
        })
    }

    /// Forgets a person: see the module's documentation for what goes and how no trace stays.
    /// One transaction; then the write-ahead log is emptied when no other Hearth is reading
    /// (`ForgetReport::wal_cleared` says whether it could be).
    pub fn forget_member(&mut self, member: i64, now: Millis) -> Result<ForgetReport> {
        self.conn().execute_batch("PRAGMA secure_delete = ON")?;
        let result = self.forget_in(member, now);
        let reset = self.conn().execute_batch("PRAGMA secure_delete = OFF");
        let mut report = result?;
        reset?;
        // Space freed before (an edit, an index merge) may still hold old copies of their
        // words: rewriting the file keeps only what is live; then the log is copied into the
        // file and cut to nothing. Another Hearth reading or writing can stop either: the next
        // one to open the file finishes it (`Store::finish_upgrade`).
        report.file_rewritten = self.conn().execute_batch("VACUUM").is_ok();
        // emptying the log waits for every reader to move on: not for long, it is finished later
        self.conn()
            .busy_timeout(std::time::Duration::from_secs(2))?;
        let busy = self
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            });
        self.conn().busy_timeout(crate::store::BUSY_TIMEOUT)?;
        report.wal_cleared = busy? == 0;
        if !(report.file_rewritten && report.wal_cleared) {
            self.conn().execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, '\"pending\"')",
                [SCRUB],
            )?;
        }
        Ok(report)
    }

    fn forget_in(&mut self, member: i64, now: Millis) -> Result<ForgetReport> {
        let tx = self.conn_mut().transaction()?;
        let member = live_member(&tx, member)?;
        let part_ids = part_of(&tx, member)?;
        let part = json_ids(&part_ids);
        let ident_ids = identities_of(&tx, &part)?;
        let idents = json_ids(&ident_ids);
        let inp = "(SELECT value FROM json_each(?1))";
        let placeholder: bool = tx.query_row(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM identities WHERE id IN {inp} AND external_id = ?2)"
            ),
            params![idents, DELETED_EXTERNAL_ID],
            |r| r.get(0),
        )?;
        if placeholder {
            return Err(Error::invalid(format!(
                "member {member} stands for people already forgotten; there is nobody to forget"
            )));
        }
        let display_name: String = tx.query_row(
            "SELECT display_name FROM members WHERE id = ?1",
            [member],
            |r| r.get(0),
        )?;
        let mut report = ForgetReport {
            member_id: member,
            display_name,
            members: part_ids.len() as i64,
            identities: ident_ids.len() as i64,
            ..Default::default()
        };

        // Their messages stay, blank, from the account's "Deleted member".
        let accounts: Vec<(i64, String)> = tx
            .prepare(&format!(
                "SELECT DISTINCT g.account_id, a.platform FROM messages g
                 JOIN accounts a ON a.id = g.account_id WHERE g.author_identity_id IN {inp}"
            ))?
            .query_map([&idents], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut placeholders = Vec::new();
        for (account, platform) in accounts {
            let placeholder = placeholder_identity(&tx, account, &platform, now)?;
            placeholders.push(placeholder);
            let messages: String = tx.query_row(
                &format!(
                    "SELECT json_group_array(id) FROM messages
                     WHERE account_id = ?2 AND author_identity_id IN {inp}"
                ),
                params![idents, account],
                |r| r.get(0),
            )?;
            // the text first (the FTS trigger removes its words; the revision trigger keeps a
            // copy, removed just below), then the author
            report.messages_blanked += tx.execute(
                &format!("UPDATE messages SET body_text = '', body_html = NULL, url = NULL WHERE id IN {inp}"),
                [&messages],
            )? as i64;
            tx.execute(
                &format!("UPDATE messages SET author_identity_id = ?2 WHERE id IN {inp}"),
                params![messages, placeholder.1],
            )?;
            tx.execute(
                &format!("DELETE FROM message_revisions WHERE message_id IN {inp}"),
                [&messages],
            )?;
            // a moderation flag keeps the words it matched and the text around them
            tx.execute(
                &format!("DELETE FROM mod_flags WHERE message_id IN {inp}"),
                [&messages],
            )?;
        }

        report.activity = tx.execute(
            &format!(
                "DELETE FROM member_activity WHERE member_id IN {inp}
                 OR identity_id IN (SELECT value FROM json_each(?2))"
            ),
            [&part, &idents],
        )? as i64;
        for (table, column) in other_tables(&tx)? {
            let ids = if column == "member_id" {
                &part
            } else {
                &idents
            };
            report.other += tx.execute(
                &format!(
                    "DELETE FROM {} WHERE {}",
                    ident(&table),
                    other_filter(&column)
                ),
                [ids],
            )? as i64;
        }
        report.notes = tx.execute(
            &format!("DELETE FROM notes WHERE member_id IN {inp}"),
            [&part],
        )? as i64;
        report.tags = tx.execute(
            &format!("DELETE FROM member_tags WHERE member_id IN {inp}"),
            [&part],
        )? as i64;
        report.fields = tx.execute(
            &format!("DELETE FROM member_fields WHERE member_id IN {inp}"),
            [&part],
        )? as i64;
        report.suggestions = tx.execute(
            &format!("DELETE FROM merge_suggestions WHERE member_a IN {inp} OR member_b IN {inp}"),
            [&part],
        )? as i64;
        report.merges = tx.execute(
            &format!(
                "DELETE FROM merges WHERE kept_member_id IN {inp} OR absorbed_member_id IN {inp}"
            ),
            [&part],
        )? as i64;
        tx.execute(
            &format!(
                "DELETE FROM merge_rejections WHERE identity_a IN {inp} OR identity_b IN {inp}"
            ),
            [&idents],
        )?;
        tx.execute(
            // (its entries in the key index go with it, by trigger)
            &format!("DELETE FROM identity_keysets WHERE identity_id IN {inp}"),
            [&idents],
        )?;
        tx.execute(
            &format!("DELETE FROM identities WHERE id IN {inp}"),
            [&idents],
        )?;
        tx.execute(
            &format!("DELETE FROM members_fts WHERE rowid IN {inp}"),
            [&part],
        )?;
        // tombstones first, then the person
        tx.execute(
            &format!("DELETE FROM members WHERE id IN {inp} AND merged_into IS NOT NULL"),
            [&part],
        )?;
        tx.execute("DELETE FROM members WHERE id = ?1", [member])?;
        // an organisation only they brought in (from their own address) goes with them
        super::organizations::prune_in(&tx)?;
        for (placeholder_member, _) in placeholders {
            reindex_member(&tx, placeholder_member)?;
        }
        // merge every search index into one segment, so no older segment keeps their words
        tx.execute_batch(
            "INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
             INSERT INTO notes_fts (notes_fts) VALUES ('optimize');
             INSERT INTO members_fts (members_fts) VALUES ('optimize');",
        )?;
        tx.commit()?;
        Ok(report)
    }
}

/// The "Deleted member" identity of an account (and its member), made on first use.
fn placeholder_identity(
    conn: &Connection,
    account: i64,
    platform: &str,
    now: Millis,
) -> Result<(i64, i64)> {
    let found: Option<(i64, i64)> = conn
        .query_row(
            "SELECT member_id, id FROM identities
             WHERE platform = ?1 AND account_id = ?2 AND external_id = ?3",
            params![platform, account, DELETED_EXTERNAL_ID],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some(found) = found {
        return Ok(found);
    }
    conn.execute(
        "INSERT INTO members (display_name, organization_set_by, created_at, updated_at)
         VALUES (?1, 'hand', ?2, ?2)",
        params![DELETED_NAME, now],
    )?;
    let member = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO identities (member_id, account_id, platform, external_id, handle,
                                 display_name)
         VALUES (?1, ?2, ?3, ?4, 'deleted-member', ?5)",
        params![member, account, platform, DELETED_EXTERNAL_ID, DELETED_NAME],
    )?;
    Ok((member, conn.last_insert_rowid()))
}
