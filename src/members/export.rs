//! Members out, for a spreadsheet or another tool: every live member of the community (not
//! the team, not a merged tombstone) with their identities, organisation, tags, custom fields
//! and notes, as CSV (one row per member) or JSON (nested). The shapes are in
//! `docs/export.md`. Must never: write a token (none is in the database) or a member merged
//! into another.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use crate::error::{Error, Result};
use crate::model::{ExportedIdentity, ExportedMember, ExportedNote, Platform};
use crate::store::{platform_col, Store};
use crate::text::spreadsheet_cell as cell;

/// How `hearth export members` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembersFormat {
    Csv,
    Json,
}

impl std::str::FromStr for MembersFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(MembersFormat::Csv),
            "json" => Ok(MembersFormat::Json),
            other => Err(format!("'{other}' is not a format: use csv or json")),
        }
    }
}

/// Several values in one CSV cell (emails, accounts, tags) are joined by this.
pub const JOIN: &str = "; ";
/// Notes in one CSV cell are separated by this line.
pub const NOTE_BREAK: &str = "\n---\n";

const LIVE: &str = "m.is_team = 0 AND m.merged_into IS NULL";

impl Store {
    /// Every live member of the community with everything Hearth holds on them, by id. Reads
    /// one snapshot, so a sync writing meanwhile cannot tear it.
    pub fn members_for_export(&mut self) -> Result<Vec<ExportedMember>> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
        let mut members: Vec<ExportedMember> = tx
            .prepare(&format!(
                "SELECT m.id, m.display_name, m.organization, m.location, m.bio, m.first_seen_at,
                        m.last_active_at, m.message_count
                 FROM members m WHERE {LIVE} ORDER BY m.id"
            ))?
            .query_map([], |r| {
                Ok(ExportedMember {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    organization: r.get(2)?,
                    location: r.get(3)?,
                    bio: r.get(4)?,
                    first_seen_at: r.get(5)?,
                    last_active_at: r.get(6)?,
                    message_count: r.get(7)?,
                    identities: Vec::new(),
                    tags: Vec::new(),
                    fields: BTreeMap::new(),
                    notes: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let at: HashMap<i64, usize> = members.iter().enumerate().map(|(i, m)| (m.id, i)).collect();

        let mut stmt = tx.prepare(&format!(
            "SELECT i.member_id, i.platform, a.name, i.external_id, i.handle, i.display_name,
                    i.email, i.profile_url
             FROM identities i JOIN accounts a ON a.id = i.account_id
             JOIN members m ON m.id = i.member_id WHERE {LIVE}
             ORDER BY i.member_id, i.platform, i.id"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = at.get(&r.get::<_, i64>(0)?) {
                members[i].identities.push(ExportedIdentity {
                    platform: platform_col(r, 1)?,
                    account: r.get(2)?,
                    external_id: r.get(3)?,
                    handle: r.get(4)?,
                    display_name: r.get(5)?,
                    email: r.get(6)?,
                    profile_url: r.get(7)?,
                });
            }
        }
        drop(rows);
        drop(stmt);

        let mut stmt = tx.prepare(&format!(
            "SELECT mt.member_id, t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
             JOIN members m ON m.id = mt.member_id WHERE {LIVE} ORDER BY mt.member_id, t.name"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = at.get(&r.get::<_, i64>(0)?) {
                members[i].tags.push(r.get(1)?);
            }
        }
        drop(rows);
        drop(stmt);

        let mut stmt = tx.prepare(&format!(
            "SELECT f.member_id, f.name, f.value FROM member_fields f
             JOIN members m ON m.id = f.member_id WHERE {LIVE} ORDER BY f.member_id, f.name"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = at.get(&r.get::<_, i64>(0)?) {
                members[i].fields.insert(r.get(1)?, r.get(2)?);
            }
        }
        drop(rows);
        drop(stmt);

        let mut stmt = tx.prepare(&format!(
            "SELECT n.member_id, n.created_at, n.body FROM notes n
             JOIN members m ON m.id = n.member_id WHERE {LIVE}
             ORDER BY n.member_id, n.created_at, n.id"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = at.get(&r.get::<_, i64>(0)?) {
                members[i].notes.push(ExportedNote {
                    created_at: r.get(1)?,
                    body: r.get(2)?,
                });
            }
        }
        Ok(members)
    }

    /// Writes every live member to the file at `path`, as JSON when its name ends in `.json`
    /// and as CSV otherwise; returns how many. The file appears whole or not at all: it is
    /// written beside the target and renamed into place (a full disk leaves no half file).
    pub fn export_members_to(&mut self, path: &std::path::Path) -> Result<u64> {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => MembersFormat::Json,
            _ => MembersFormat::Csv,
        };
        crate::files::write_whole(path, |out| self.export_members(format, out))
    }

    /// Writes every live member to `out` as CSV or JSON; returns how many.
    pub fn export_members(&mut self, format: MembersFormat, out: &mut dyn Write) -> Result<u64> {
        let members = self.members_for_export()?;
        let n = members.len() as u64;
        let fail = |e: &dyn std::fmt::Display| Error::invalid(format!("cannot write: {e}"));
        match format {
            MembersFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &members).map_err(|e| fail(&e))?;
                out.write_all(b"\n").map_err(|e| fail(&e))?;
            }
            MembersFormat::Csv => write_csv(&members, out).map_err(|e| fail(&e))?,
        }
        out.flush().map_err(|e| fail(&e))?;
        Ok(n)
    }
}

/// One row per member; several values in a cell joined by [`JOIN`]; one `field:NAME` column
/// per custom field any member has.
fn write_csv(
    members: &[ExportedMember],
    out: &mut dyn Write,
) -> std::result::Result<(), csv::Error> {
    // field names compare without case (the table's collation): the first spelling names it
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for m in members {
        for name in m.fields.keys() {
            names
                .entry(name.to_lowercase())
                .or_insert_with(|| name.clone());
        }
    }
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "id",
        "name",
        "organization",
        "location",
        "bio",
        "first_seen",
        "last_active",
        "messages",
        "emails",
        "accounts",
        "lists",
        "tags",
        "notes",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(names.values().map(|n| format!("field:{n}")));
    w.write_record(&header)?;
    let day = |t: Option<i64>| t.map(crate::when::utc_date).unwrap_or_default();
    for m in members {
        let emails: BTreeSet<String> = m
            .identities
            .iter()
            .filter_map(|i| i.email.as_deref())
            .map(|e| e.trim().to_lowercase())
            .collect();
        let accounts: Vec<String> = m
            .identities
            .iter()
            .filter(|i| i.platform != Platform::List)
            .map(|i| format!("{}:{}", i.platform, i.handle))
            .collect();
        let lists: BTreeSet<&str> = m
            .identities
            .iter()
            .filter(|i| i.platform == Platform::List)
            .map(|i| i.account.as_str())
            .collect();
        let fields: HashMap<String, &String> = m
            .fields
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        let mut record = vec![
            m.id.to_string(),
            cell(m.name.clone()),
            cell(m.organization.clone().unwrap_or_default()),
            cell(m.location.clone().unwrap_or_default()),
            cell(m.bio.clone().unwrap_or_default()),
            day(m.first_seen_at),
            day(m.last_active_at),
            m.message_count.to_string(),
            cell(emails.into_iter().collect::<Vec<_>>().join(JOIN)),
            cell(accounts.join(JOIN)),
            cell(lists.into_iter().collect::<Vec<_>>().join(JOIN)),
            cell(m.tags.join(JOIN)),
            cell(
                m.notes
                    .iter()
                    .map(|n| n.body.as_str())
                    .collect::<Vec<_>>()
                    .join(NOTE_BREAK),
            ),
        ];
        for key in names.keys() {
            record.push(cell(
                fields.get(key).map(|v| v.to_string()).unwrap_or_default(),
            ));
        }
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}
