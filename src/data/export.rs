//! The whole workspace out, and back in. Owns: writing every data table as JSON Lines (one
//! object per row, keyed by column, in row order) with a `manifest.json` of the schema version
//! and counts, members as CSV for spreadsheets, and importing such a folder into an empty
//! database. Export → import → export gives byte-identical files. The format is documented in
//! `docs/export.md`. Must never: export a token (none is in the database) or the workspace's
//! keyring id (an imported copy gets its own, so two databases never share tokens).

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use rusqlite::types::{Value as Sql, ValueRef};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{data_tables, quoted, Table};
use crate::error::{Error, Result};
use crate::model::{ExportSummary, ExportedFile, Progress};
use crate::store::{schema_version, Store};
use crate::text::spreadsheet_cell as cell;

/// Tables that are not the workspace's data: the keyring id of this database, who is syncing
/// right now, the inbox's counters (counted again from the conversations at import), the
/// index of identities' keys (built again from the hashes each `identity_keysets` row lists),
/// and the Dashboard's roll-ups (worked out again from the messages after import).
const NOT_EXPORTED: &[&str] = &[
    "workspace",
    "sync_leases",
    "queue_counts",
    "identity_key_index",
    "health_dirty",
    "health_days",
    "health_firsts",
    "health_questions",
];
/// Tables an older Hearth exported that this one works out again instead (schema 13 keeps
/// identities' keys in `identity_keysets`): an old export's file of them is skipped.
const RETIRED: &[&str] = &["identity_keys"];
/// Tables a later schema renamed, as (old name, new name): an old export's file of them is
/// read into the new table (schema 15 made the calendar's variants its targets, with the same
/// columns and more).
const RENAMED: &[(&str, &str)] = &[("calendar_variants", "calendar_targets")];
pub const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "hearth-export";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    format: String,
    format_version: u32,
    schema_version: i64,
    tables: Vec<ManifestTable>,
    /// Derived views for people, not read by import.
    extras: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestTable {
    table: String,
    file: String,
    rows: u64,
    columns: Vec<String>,
}

fn io_err(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

fn bad_export(dir: &Path, what: impl std::fmt::Display) -> Error {
    Error::invalid(format!(
        "{} is not a Hearth export Hearth can read: {what}",
        dir.display()
    ))
}

fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            serde_json::json!({ "hex": hex })
        }
    }
}

fn from_json(v: &Value) -> Option<Sql> {
    Some(match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64()?),
        },
        Value::String(s) => Sql::Text(s.clone()),
        Value::Object(o) => {
            let hex = o.get("hex")?.as_str()?;
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            Sql::Blob(bytes)
        }
        Value::Array(_) => return None,
    })
}

impl Store {
    /// Writes the whole workspace into the folder `dir` (created if missing; it must hold no
    /// earlier export). Reads one snapshot, so a sync writing meanwhile cannot tear it.
    pub fn export_to(
        &mut self,
        dir: &Path,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ExportSummary> {
        if dir.join(MANIFEST).exists() {
            return Err(Error::invalid(format!(
                "{} already holds an export; choose an empty folder",
                dir.display()
            )));
        }
        std::fs::create_dir_all(dir).map_err(io_err(format!(
            "cannot create the folder {}",
            dir.display()
        )))?;
        // One read transaction: every file shows the same moment.
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
        let tables: Vec<Table> = data_tables(&tx)?
            .into_iter()
            .filter(|t| !NOT_EXPORTED.contains(&t.name.as_str()))
            .collect();
        let mut total = 0u64;
        for t in &tables {
            total += tx.query_row(
                &format!("SELECT count(*) FROM {}", quoted(&t.name)),
                [],
                |r| r.get::<_, i64>(0),
            )? as u64;
        }
        let mut done = 0u64;
        let mut manifest = Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            schema_version: schema_version(),
            tables: Vec::new(),
            extras: vec!["members.csv".into()],
        };
        for t in &tables {
            let file = format!("{}.jsonl", t.name);
            let path = dir.join(&file);
            let mut out = BufWriter::new(
                std::fs::File::create(&path)
                    .map_err(io_err(format!("cannot write {}", path.display())))?,
            );
            let cols = t.columns.iter().map(|c| quoted(c)).collect::<Vec<_>>();
            let order = if t.has_rowid {
                "rowid".to_string()
            } else {
                (1..=cols.len())
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut stmt = tx.prepare(&format!(
                "SELECT {} FROM {} ORDER BY {order}",
                cols.join(", "),
                quoted(&t.name)
            ))?;
            let mut rows = stmt.query([])?;
            let mut n = 0u64;
            while let Some(row) = rows.next()? {
                let mut obj = Map::new();
                for (i, c) in t.columns.iter().enumerate() {
                    obj.insert(c.clone(), to_json(row.get_ref(i)?));
                }
                serde_json::to_writer(&mut out, &obj)
                    .map_err(|e| Error::invalid(format!("cannot write {file}: {e}")))?;
                out.write_all(b"\n")
                    .map_err(io_err(format!("cannot write {}", path.display())))?;
                n += 1;
                done += 1;
                if done.is_multiple_of(5000) {
                    progress(&Progress {
                        phase: format!("Exporting {}", t.name),
                        done,
                        total,
                    });
                }
            }
            out.flush()
                .map_err(io_err(format!("cannot write {}", path.display())))?;
            manifest.tables.push(ManifestTable {
                table: t.name.clone(),
                file,
                rows: n,
                columns: t.columns.clone(),
            });
        }
        write_members_csv(&tx, &dir.join("members.csv"))?;
        drop(tx);
        // The manifest last: a folder without one is an export that did not finish.
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::invalid(format!("cannot write the manifest: {e}")))?;
        std::fs::write(dir.join(MANIFEST), text + "\n").map_err(io_err(format!(
            "cannot write {}",
            dir.join(MANIFEST).display()
        )))?;
        progress(&Progress {
            phase: "Exported".into(),
            done: total,
            total,
        });
        let mut files: Vec<ExportedFile> = manifest
            .tables
            .iter()
            .map(|t| ExportedFile {
                name: t.file.clone(),
                rows: t.rows,
            })
            .collect();
        files.push(ExportedFile {
            name: "members.csv".into(),
            rows: manifest
                .tables
                .iter()
                .find(|t| t.table == "members")
                .map_or(0, |t| t.rows),
        });
        Ok(ExportSummary {
            dir: dir.display().to_string(),
            schema_version: manifest.schema_version,
            files,
        })
    }

    /// Reads an export made by [`Store::export_to`] into this database, which must be empty.
    /// All or nothing: one transaction, checked against the manifest's counts and the
    /// schema's links before it commits.
    pub fn import_from(&mut self, dir: &Path, progress: &mut dyn FnMut(&Progress)) -> Result<()> {
        if let Some(holds) = self.first_data_held()? {
            return Err(Error::invalid(format!(
                "an export can only be imported into an empty workspace, and this one holds \
                 {holds}; start a new database (`hearth --db NEW.db import DIR`)"
            )));
        }
        let text = std::fs::read_to_string(dir.join(MANIFEST))
            .map_err(|e| bad_export(dir, format!("its {MANIFEST} cannot be read ({e})")))?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| bad_export(dir, format!("{MANIFEST}: {e}")))?;
        if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
            return Err(bad_export(
                dir,
                format!(
                    "it is format {} version {}",
                    manifest.format, manifest.format_version
                ),
            ));
        }
        if manifest.schema_version > schema_version() {
            return Err(bad_export(
                dir,
                format!(
                    "it was written by a newer Hearth (schema {}, this one knows {}); update Hearth",
                    manifest.schema_version,
                    schema_version()
                ),
            ));
        }
        let total: u64 = manifest.tables.iter().map(|t| t.rows).sum();
        // Rows arrive table by table, so links are checked once everything is in.
        self.conn().execute_batch("PRAGMA foreign_keys = OFF;")?;
        let result = import_tables(self, dir, &manifest, total, progress);
        self.conn().execute_batch("PRAGMA foreign_keys = ON;")?;
        result?;
        progress(&Progress {
            phase: "Imported".into(),
            done: total,
            total,
        });
        Ok(())
    }
}

impl Store {
    /// The first table of workspace data that holds rows (its name), if any: an import
    /// replaces whole tables, so it goes only where there is nothing to lose.
    fn first_data_held(&self) -> Result<Option<String>> {
        for t in data_tables(self.conn())? {
            // settings and the starting rules come with every new database
            if NOT_EXPORTED.contains(&t.name.as_str())
                || ["settings", "rules"].contains(&t.name.as_str())
            {
                continue;
            }
            let held: bool = self.conn().query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(&t.name)),
                [],
                |r| r.get(0),
            )?;
            if held {
                return Ok(Some(t.name.replace('_', " ")));
            }
        }
        Ok(None)
    }
}

fn import_tables(
    store: &mut Store,
    dir: &Path,
    manifest: &Manifest,
    total: u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    let tx = store.conn_mut().transaction()?;
    let known: Vec<Table> = data_tables(&tx)?;
    // The search indexes are built once at the end instead of row by row: a trigger on every
    // insert makes FTS5 write a tiny segment per row (an import ran 17 times slower than
    // SQLite copying the same data). The triggers come back in the same transaction.
    let triggers: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fts%'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &triggers {
        tx.execute(&format!("DROP TRIGGER {}", quoted(name)), [])?;
    }
    let mut done = 0u64;
    for t in &manifest.tables {
        if RETIRED.contains(&t.table.as_str()) {
            done += t.rows;
            continue;
        }
        let name = RENAMED
            .iter()
            .find(|(old, _)| *old == t.table)
            .map_or(t.table.as_str(), |(_, new)| new);
        let Some(table) = known.iter().find(|k| k.name == name) else {
            return Err(bad_export(
                dir,
                format!("this Hearth has no table {}", t.table),
            ));
        };
        if let Some(c) = t.columns.iter().find(|c| !table.columns.contains(c)) {
            return Err(bad_export(
                dir,
                format!("{} has an unknown column {c}", t.table),
            ));
        }
        // The new database's own rows (its settings from migrations) give way to the export's.
        tx.execute(&format!("DELETE FROM {}", quoted(name)), [])?;
        let cols = t.columns.iter().map(|c| quoted(c)).collect::<Vec<_>>();
        let marks = vec!["?"; cols.len()].join(", ");
        let mut insert = tx.prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            quoted(name),
            cols.join(", ")
        ))?;
        let path = dir.join(&t.file);
        let file = std::fs::File::open(&path)
            .map_err(|e| bad_export(dir, format!("{} cannot be read ({e})", t.file)))?;
        let mut n = 0u64;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| bad_export(dir, format!("{}: {e}", t.file)))?;
            if line.trim().is_empty() {
                continue;
            }
            let at = || format!("{} line {}", t.file, i + 1);
            let obj: Map<String, Value> = serde_json::from_str(&line)
                .map_err(|e| bad_export(dir, format!("{}: {e}", at())))?;
            let values = t
                .columns
                .iter()
                .map(|c| from_json(obj.get(c).unwrap_or(&Value::Null)))
                .collect::<Option<Vec<Sql>>>()
                .ok_or_else(|| bad_export(dir, format!("{}: a value Hearth cannot store", at())))?;
            insert
                .execute(rusqlite::params_from_iter(values))
                .map_err(|e| bad_export(dir, format!("{}: {e}", at())))?;
            n += 1;
            done += 1;
            if done.is_multiple_of(5000) {
                progress(&Progress {
                    phase: format!("Importing {}", t.table),
                    done,
                    total,
                });
            }
        }
        if n != t.rows {
            return Err(bad_export(
                dir,
                format!(
                    "{} holds {n} rows where the manifest says {}",
                    t.file, t.rows
                ),
            ));
        }
    }
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        return Err(bad_export(
            dir,
            format!("{broken} rows point at rows the export does not hold"),
        ));
    }
    for (_, sql) in &triggers {
        tx.execute(sql, [])?;
    }
    super::rebuild_indexes(&tx)?;
    tx.commit()?;
    Ok(())
}

/// Members for spreadsheets: one row per person, with their accounts and tags.
fn write_members_csv(conn: &rusqlite::Connection, path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_path(path)
        .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))?;
    let csv_err = |e: csv::Error| Error::invalid(format!("cannot write {}: {e}", path.display()));
    w.write_record([
        "id",
        "name",
        "organization",
        "location",
        "first_seen",
        "last_active",
        "messages",
        "accounts",
        "emails",
        "tags",
    ])
    .map_err(csv_err)?;
    let mut stmt = conn.prepare(
        "SELECT m.id, m.display_name, coalesce(m.organization, ''), coalesce(m.location, ''),
                m.first_seen_at, m.last_active_at, m.message_count,
                coalesce((SELECT group_concat(platform || ':' || handle, ' ')
                          FROM (SELECT platform, handle FROM identities
                                WHERE member_id = m.id ORDER BY platform, handle)), ''),
                coalesce((SELECT group_concat(email, ' ')
                          FROM (SELECT DISTINCT email FROM identities
                                WHERE member_id = m.id AND email IS NOT NULL ORDER BY email)), ''),
                coalesce((SELECT group_concat(name, ' ')
                          FROM (SELECT t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
                                WHERE mt.member_id = m.id ORDER BY t.name)), '')
         FROM members m WHERE m.is_team = 0 AND m.merged_into IS NULL ORDER BY m.id",
    )?;
    let mut rows = stmt.query([])?;
    let day = |t: Option<i64>| t.map(crate::when::utc_date).unwrap_or_default();
    while let Some(r) = rows.next()? {
        w.write_record([
            r.get::<_, i64>(0)?.to_string(),
            cell(r.get(1)?),
            cell(r.get(2)?),
            cell(r.get(3)?),
            day(r.get(4)?),
            day(r.get(5)?),
            r.get::<_, i64>(6)?.to_string(),
            cell(r.get(7)?),
            cell(r.get(8)?),
            cell(r.get(9)?),
        ])
        .map_err(csv_err)?;
    }
    w.flush()
        .map_err(io_err(format!("cannot write {}", path.display())))?;
    Ok(())
}
