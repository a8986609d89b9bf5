//! The team's shared set-up (issue 13): the team list, canned replies, saved inbox views,
//! member segments and rules, each record one value in the workspace document. Owns: which
//! tables are shared and which of their columns, reading a record as the document holds it (a
//! JSON object made by SQLite, so two laptops holding the same row write the same text), and
//! writing one back into its table.
//! Must never: share what the demo added (each laptop's own), or let a record from a teammate
//! break a rule of the table (a view's letter taken here already stays with the view here).
//!
//! A record's name in the document is `<kind>/<name in lower case>` (SQLite's `lower`, as the
//! tables compare names); migration 26's triggers mark the same names in `team_record_pending`.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::Millis;

/// A shared table.
pub struct Kind {
    /// The record's kind, the start of its name in the document.
    pub kind: &'static str,
    table: &'static str,
    /// The columns shared (`name` first).
    fields: &'static [&'static str],
    /// Whether the table marks the demo's rows (not shared).
    demo: bool,
    /// Whether the table has `updated_at` (beside `created_at`).
    updated_at: bool,
}

pub const KINDS: [Kind; 5] = [
    Kind {
        kind: "member",
        table: "team_members",
        fields: &["name"],
        demo: true,
        updated_at: false,
    },
    Kind {
        kind: "reply",
        table: "canned_replies",
        fields: &["name", "body"],
        demo: false,
        updated_at: true,
    },
    Kind {
        kind: "view",
        table: "views",
        fields: &["name", "letter", "position", "filter", "reply_target_hours"],
        demo: true,
        updated_at: true,
    },
    Kind {
        kind: "rule",
        table: "rules",
        fields: &["name", "enabled", "position", "conditions", "effects"],
        demo: true,
        updated_at: true,
    },
    Kind {
        kind: "segment",
        table: "segments",
        fields: &["name", "filter", "position"],
        demo: true,
        updated_at: false,
    },
];

/// The kind a document key belongs to (None: not a record).
pub fn kind_of(key: &str) -> Option<&'static Kind> {
    let (kind, name) = key.split_once('/')?;
    if name.is_empty() {
        return None;
    }
    KINDS.iter().find(|k| k.kind == kind)
}

impl Kind {
    fn json(&self) -> String {
        let pairs: Vec<String> = self.fields.iter().map(|f| format!("'{f}', {f}")).collect();
        format!("json_object({})", pairs.join(", "))
    }

    fn not_demo(&self) -> &'static str {
        if self.demo {
            " AND demo = 0"
        } else {
            ""
        }
    }
}

/// The record named `key` as this workspace holds it (None: not here, or the demo's).
pub fn read(conn: &Connection, key: &str) -> Result<Option<String>> {
    let Some(kind) = kind_of(key) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {} FROM {} WHERE ?1 = '{}/' || lower(name){}",
        kind.json(),
        kind.table,
        kind.kind,
        kind.not_demo()
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Every shared record this workspace holds, by key (what a new team starts with; what someone
/// joining may have to share).
pub fn all(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for kind in &KINDS {
        let sql = format!(
            "SELECT '{}/' || lower(name), {} FROM {} WHERE 1{} ORDER BY name",
            kind.kind,
            kind.json(),
            kind.table,
            kind.not_demo()
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
        out.extend(rows);
    }
    Ok(out)
}

/// Writes a teammate's version of a record (`Some`: the JSON the document holds) or removes it
/// (`None`). Returns whether the table changed.
pub fn write(conn: &Connection, key: &str, record: Option<&str>, now: Millis) -> Result<bool> {
    let Some(kind) = kind_of(key) else {
        return Ok(false);
    };
    let Some(json) = record else {
        let sql = format!(
            "DELETE FROM {} WHERE ?1 = '{}/' || lower(name){}",
            kind.table,
            kind.kind,
            kind.not_demo()
        );
        return Ok(conn.prepare_cached(&sql)?.execute([key])? > 0);
    };
    let before = read(conn, key)?;
    if before.as_deref() == Some(json) {
        return Ok(false);
    }
    let values: Vec<String> = kind
        .fields
        .iter()
        .map(|f| match (kind.table, *f) {
            // a letter another view has here already stays with that view
            ("views", "letter") => "CASE WHEN EXISTS (SELECT 1 FROM views WHERE letter = \
                 json_extract(?1, '$.letter') AND name <> json_extract(?1, '$.name')) \
                 THEN NULL ELSE json_extract(?1, '$.letter') END"
                .to_string(),
            _ => format!("json_extract(?1, '$.{f}')"),
        })
        .collect();
    let mut columns: Vec<&str> = kind.fields.to_vec();
    let mut row = values;
    columns.push("created_at");
    row.push("?2".to_string());
    let mut set: Vec<String> = kind
        .fields
        .iter()
        .map(|f| format!("{f} = excluded.{f}"))
        .collect();
    if kind.updated_at {
        columns.push("updated_at");
        row.push("?2".to_string());
        set.push("updated_at = excluded.updated_at".to_string());
    }
    let sql = format!(
        "INSERT INTO {} ({}) SELECT {} WHERE json_valid(?1) AND json_extract(?1, '$.name') IS NOT NULL
         ON CONFLICT (name) DO UPDATE SET {}",
        kind.table,
        columns.join(", "),
        row.join(", "),
        set.join(", ")
    );
    conn.prepare_cached(&sql)?.execute(params![json, now])?;
    Ok(read(conn, key)? != before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_record_read_here_writes_the_same_row_on_another_laptop() {
        let dir = tempfile::tempdir().expect("a folder");
        let a = Store::open(dir.path().join("a.db")).expect("store");
        let b = Store::open(dir.path().join("b.db")).expect("store");
        a.conn()
            .execute_batch(
                "INSERT INTO canned_replies (name, body, created_at, updated_at)
                     VALUES ('Welcome', 'Hi {first_name}!', 1, 1);
                 INSERT INTO views (name, letter, position, filter, created_at, updated_at)
                     VALUES ('Billing', 'b', 9, '{\"tags\":[\"billing\"]}', 1, 1);
                 INSERT INTO views (name, letter, position, filter, demo, created_at, updated_at)
                     VALUES ('Demo view', 'd', 10, '{}', 1, 1, 1);",
            )
            .expect("rows");
        let all = all(a.conn()).expect("all");
        let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"reply/welcome") && keys.contains(&"view/billing"));
        assert!(!keys.contains(&"view/demo view"), "the demo's own");
        // on B, 'b' is another view's letter already
        b.conn()
            .execute(
                "INSERT INTO views (name, letter, position, filter, created_at, updated_at)
                 VALUES ('Bugs', 'b', 3, '{}', 1, 1)",
                [],
            )
            .expect("B's view");
        for (key, json) in &all {
            // (the rules every workspace starts with are the same on both: nothing to write)
            let new = key == "reply/welcome" || key == "view/billing";
            assert_eq!(
                write(b.conn(), key, Some(json), 5).expect("written"),
                new,
                "{key}"
            );
            assert!(
                !write(b.conn(), key, Some(json), 6).expect("again"),
                "{key}"
            );
        }
        assert_eq!(
            read(b.conn(), "reply/welcome").expect("read"),
            read(a.conn(), "reply/welcome").expect("read")
        );
        let letters: Vec<(String, Option<String>)> = b
            .conn()
            .prepare(
                "SELECT name, letter FROM views WHERE name IN ('Billing', 'Bugs') ORDER BY name",
            )
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .expect("views");
        assert_eq!(
            letters,
            [
                ("Billing".to_string(), None),
                ("Bugs".to_string(), Some("b".to_string()))
            ],
            "the letter stays with the view that had it"
        );
        assert!(write(b.conn(), "reply/welcome", None, 7).expect("removed"));
        assert_eq!(read(b.conn(), "reply/welcome").expect("read"), None);
        assert!(!write(b.conn(), "nothing/x", Some("{}"), 7).expect("not a record"));
        assert!(
            !write(b.conn(), "reply/bad", Some("not json"), 7).expect("ignored"),
            "a damaged record is not written"
        );
    }
}
