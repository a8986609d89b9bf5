//! Organisations as their own records. Owns: finding a member's organisation from what their
//! identities say (a profile's company — GitHub's "@acme-corp" — or a work email's domain, never
//! a public mail provider's), the `organizations`, `organization_domains` and
//! `organization_aliases` tables, renaming and merging organisations, setting a member's
//! organisation by hand, and the organisation page. Must never: override a choice a person made
//! (`members.organization_set_by = 'hand'`).
//!
//! Deriving runs on just the members a sync changed (from `ingest`, in its transaction), on the
//! members still without one in the whole-workspace run (`Store::resolve_members`, after the
//! demo's bulk load or an import), and once over every member when the schema-5 upgrade asks
//! for it (`organizations.backfill`, done by [`Store::finish_upgrade`], which the CLI and the
//! app call after opening). Organisations Hearth found that nobody belongs to any more go when
//! members are removed (`prune_in`).

use rusqlite::{params, Connection, OptionalExtension};

use super::merge::live_member;
use super::resolve::names::{email_org, org_key};
use super::{reindex_member, SUMMARY_COLUMNS};
use crate::error::{Error, Result};
use crate::model::{Millis, OrganizationActivity, OrganizationDetail, OrganizationSummary};
use crate::store::{split_unit, Store};

/// The setting migration 5 leaves for the core: derive every member's organisation once.
const BACKFILL: &str = "organizations.backfill";

/// An organisation found in what a member's identities say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub name: String,
    pub key: String,
    pub domain: Option<String>,
    pub source: &'static str,
}

/// "@acme-corp" → "Acme Corp"; "Acme, Inc." stays as written.
fn display_name(raw: &str) -> String {
    let raw = raw.trim();
    match raw.strip_prefix('@') {
        Some(login) => login
            .split(['-', '_', ' '])
            .filter(|w| !w.is_empty())
            .map(capitalise)
            .collect::<Vec<_>>()
            .join(" "),
        None => raw.to_string(),
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The organisation a profile's company field names, if it names one.
pub(crate) fn from_profile(company: &str) -> Option<Found> {
    // GitHub lists several: "@acme-corp @other" → the first
    let first = company
        .split([',', '/', '|'])
        .next()
        .unwrap_or(company)
        .trim();
    let first = if first.starts_with('@') {
        first.split_whitespace().next().unwrap_or(first)
    } else {
        first
    };
    let key = org_key(first)?;
    Some(Found {
        name: display_name(first),
        key,
        domain: None,
        source: "profile",
    })
}

/// The organisation a work address names ("ana@eng.acme.io" → Acme, acme.io), never a
/// public provider's.
pub(crate) fn from_email(email: &str) -> Option<Found> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.rsplit_once('@')?;
    // GitHub's users.noreply.github.com and the like say nothing about an employer
    if local.contains("noreply") || domain.split('.').any(|l| l == "noreply" || l == "no-reply") {
        return None;
    }
    let label = email_org(&email)?;
    // the domain from the organisation's label on: eng.acme.io → acme.io
    let labels: Vec<&str> = domain.split('.').collect();
    let at = labels.iter().rposition(|l| *l == label)?;
    let domain = labels[at..].join(".");
    let key = org_key(&label)?;
    Some(Found {
        // kite-labs → Kite Labs
        name: display_name(&format!("@{label}")),
        key,
        domain: Some(domain),
        source: "email",
    })
}

/// What a member's identities (and their own profile fields) say about their organisation:
/// a profile's company first, else a work email.
fn found_for(conn: &Connection, member: i64) -> Result<Option<Found>> {
    let profiles: Vec<String> = conn
        .prepare_cached(
            "SELECT organization FROM members WHERE id = ?1 AND organization IS NOT NULL
             UNION ALL
             SELECT organization FROM identities WHERE member_id = ?1 AND organization IS NOT NULL",
        )?
        .query_map([member], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut found = profiles.iter().find_map(|p| from_profile(p));
    let emails: Vec<String> = conn
        .prepare_cached(
            "SELECT email FROM identities WHERE member_id = ?1 AND email IS NOT NULL ORDER BY id",
        )?
        .query_map([member], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let by_email = emails.iter().find_map(|e| from_email(e));
    match (&mut found, by_email) {
        // the same organisation: its domain comes with it
        (Some(f), Some(e)) if f.key == e.key => f.domain = e.domain,
        (None, e) => found = e,
        _ => {}
    }
    Ok(found)
}

/// The organisation `found` names: one already known by domain, key or alias, else a new one.
fn ensure(conn: &Connection, found: &Found, now: Millis) -> Result<i64> {
    let by_domain = |d: &str| -> Result<Option<i64>> {
        Ok(conn
            .prepare_cached("SELECT organization_id FROM organization_domains WHERE domain = ?1")?
            .query_row([d], |r| r.get(0))
            .optional()?)
    };
    let existing = match found.domain.as_deref() {
        Some(d) => by_domain(d)?,
        None => None,
    };
    let existing = match existing {
        Some(id) => Some(id),
        None => by_key(conn, &found.key)?,
    };
    let id = match existing {
        Some(id) => id,
        None => {
            conn.prepare_cached(
                "INSERT INTO organizations (name, key, domain, source, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            )?
            .execute(params![
                found.name,
                found.key,
                found.domain,
                found.source,
                now
            ])?;
            conn.last_insert_rowid()
        }
    };
    if let Some(d) = found.domain.as_deref() {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO organization_domains (domain, organization_id) VALUES (?1, ?2)",
        )?
        .execute(params![d, id])?;
        conn.prepare_cached(
            "UPDATE organizations SET domain = ?2 WHERE id = ?1 AND domain IS NULL",
        )?
        .execute(params![id, d])?;
    }
    Ok(id)
}

/// The organisation known by `key`, or by it as an old name or a merged one.
fn by_key(conn: &Connection, key: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM organizations WHERE key = ?1
             UNION ALL SELECT organization_id FROM organization_aliases WHERE key = ?1 LIMIT 1",
        )?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Gives each of `members` that has no organisation yet (and never had one chosen or cleared by
/// a person) the one their identities name. Cheap: a few indexed reads per member.
pub(crate) fn settle_in(conn: &Connection, members: &[i64], now: Millis) -> Result<u64> {
    let mut settled = 0;
    for &member in members {
        let open: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1 AND organization_id IS NULL
                 AND organization_set_by IS NULL AND merged_into IS NULL)",
            )?
            .query_row([member], |r| r.get(0))?;
        if !open {
            continue;
        }
        if let Some(found) = found_for(conn, member)? {
            let org = ensure(conn, &found, now)?;
            conn.prepare_cached("UPDATE members SET organization_id = ?2 WHERE id = ?1")?
                .execute(params![member, org])?;
            reindex_member(conn, member)?;
            settled += 1;
        }
    }
    Ok(settled)
}

/// Removes the organisations Hearth found that nobody belongs to any more (after an account or
/// the demo went, or a person was forgotten); ones a person made stay.
pub(crate) fn prune_in(conn: &Connection) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM organizations WHERE source <> 'manual'
         AND NOT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = organizations.id)",
    )?
    .execute([])?;
    Ok(())
}

/// Derives every member's organisation once after the schema-5 upgrade (a no-op after that).
fn backfill_if_pending(conn: &mut Connection) -> Result<()> {
    let pending: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM settings WHERE key = ?1)",
        [BACKFILL],
        |r| r.get(0),
    )?;
    if !pending {
        return Ok(());
    }
    let tx = conn.transaction()?;
    // The core never reads the clock: an organisation found now is dated by the member who
    // brought it in.
    let members: Vec<(i64, Millis)> = tx
        .prepare(
            "SELECT id, created_at FROM members WHERE organization_id IS NULL
             AND organization_set_by IS NULL AND merged_into IS NULL ORDER BY id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (member, created_at) in members {
        settle_in(&tx, &[member], created_at)?;
    }
    tx.execute("DELETE FROM settings WHERE key = ?1", [BACKFILL])?;
    tx.commit()?;
    Ok(())
}

const ORG_COLUMNS: &str = "o.id, o.name, o.key, o.domain, o.website, o.source,
    (SELECT group_concat(d.domain, char(31)) FROM organization_domains d
        WHERE d.organization_id = o.id),
    (SELECT count(*) FROM members m WHERE m.organization_id = o.id AND m.merged_into IS NULL),
    (SELECT max(m.last_active_at) FROM members m
        WHERE m.organization_id = o.id AND m.merged_into IS NULL)";

fn org_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrganizationSummary> {
    let mut domains = split_unit(r.get(6)?);
    domains.sort();
    Ok(OrganizationSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        key: r.get(2)?,
        domain: r.get(3)?,
        website: r.get(4)?,
        source: r.get(5)?,
        domains,
        member_count: r.get(7)?,
        last_active_at: r.get(8)?,
    })
}

fn org_exists(conn: &Connection, id: i64) -> Result<()> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if exists {
        Ok(())
    } else {
        Err(Error::not_found("organisation", id))
    }
}

fn reindex_people(conn: &Connection, org: i64) -> Result<()> {
    let people: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM members WHERE organization_id = ?1 AND merged_into IS NULL",
        )?
        .query_map([org], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for m in people {
        reindex_member(conn, m)?;
    }
    Ok(())
}

/// Sets (or with `None`, clears) a member's organisation by hand, inside the caller's
/// transaction; deriving leaves them alone from then on. Returns the organisation's id.
pub(crate) fn set_member_organization_in(
    conn: &Connection,
    member: i64,
    name: Option<&str>,
    now: Millis,
) -> Result<Option<i64>> {
    let member = live_member(conn, member)?;
    let org = match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(name) => {
            if name.chars().count() > 200 {
                return Err(Error::invalid(
                    "an organisation's name can be at most 200 characters",
                ));
            }
            let Some(key) = org_key(name) else {
                return Err(Error::invalid(format!(
                    "'{name}' does not name an organisation; to clear it, unset it instead"
                )));
            };
            Some(match by_key(conn, &key)? {
                Some(id) => id,
                None => ensure(
                    conn,
                    &Found {
                        name: display_name(name),
                        key,
                        domain: None,
                        source: "manual",
                    },
                    now,
                )?,
            })
        }
    };
    conn.execute(
        "UPDATE members SET organization_id = ?2, organization_set_by = 'hand', updated_at = ?3
         WHERE id = ?1",
        params![member, org, now],
    )?;
    reindex_member(conn, member)?;
    Ok(org)
}

impl Store {
    /// Finishes what an upgrade or an interrupted job left for the core (the faces call it once
    /// they open a database; the store cannot, as it sits below the capabilities): deriving
    /// every member's organisation after the upgrade to schema 5, and rewriting the file when a
    /// forget could not (another Hearth was writing then). Cheap when there is nothing to do.
    pub fn finish_upgrade(&mut self) -> Result<()> {
        backfill_if_pending(self.conn_mut())?;
        super::privacy::scrub_if_pending(self.conn())
    }

    /// Derives the organisation of every member who has none (nor one a person chose or
    /// cleared). Idempotent; `ingest` does the same for the members each sync touches, so this
    /// is for after an import or a repair. Returns how many members got one.
    pub fn settle_organizations(&mut self, now: Millis) -> Result<u64> {
        let tx = self.conn_mut().transaction()?;
        let members: Vec<i64> = tx
            .prepare(
                "SELECT id FROM members WHERE organization_id IS NULL
                 AND organization_set_by IS NULL AND merged_into IS NULL",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let n = settle_in(&tx, &members, now)?;
        tx.commit()?;
        Ok(n)
    }

    /// Organisations with the most people first; `q` finds them by name or domain.
    pub fn organizations(&self, q: Option<&str>, limit: u32) -> Result<Vec<OrganizationSummary>> {
        let limit = limit.clamp(1, 1000);
        let like = q
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| format!("%{}%", q.replace(['%', '_'], "")));
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM organizations o
             WHERE ?1 IS NULL OR o.name LIKE ?1 OR o.key LIKE ?1
                OR EXISTS (SELECT 1 FROM organization_domains d
                           WHERE d.organization_id = o.id AND d.domain LIKE ?1)
             ORDER BY 8 DESC, o.name COLLATE NOCASE LIMIT {limit}"
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_map([like], org_from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The organisation named `what`: its number, its name (any spelling of it) or a domain.
    pub fn find_organization(&self, what: &str) -> Result<i64> {
        let conn = self.conn();
        let what = what.trim();
        if let Ok(id) = what.parse::<i64>() {
            org_exists(conn, id)?;
            return Ok(id);
        }
        let by_domain: Option<i64> = conn
            .query_row(
                "SELECT organization_id FROM organization_domains WHERE domain = ?1",
                [what.trim_start_matches('@')],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = by_domain {
            return Ok(id);
        }
        if let Some(id) = org_key(what)
            .map(|k| by_key(conn, &k))
            .transpose()?
            .flatten()
        {
            return Ok(id);
        }
        Err(Error::invalid(format!(
            "no organisation is called '{what}'; `hearth orgs list` shows them"
        )))
    }

    /// One organisation with its people and their recent activity.
    pub fn organization(&self, id: i64) -> Result<OrganizationDetail> {
        let conn = self.conn();
        let org = conn
            .prepare_cached(&format!(
                "SELECT {ORG_COLUMNS} FROM organizations o WHERE o.id = ?1"
            ))?
            .query_row([id], org_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found("organisation", id))?;
        let members = conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM members m
                 WHERE m.organization_id = ?1 AND m.merged_into IS NULL
                 ORDER BY m.last_active_at DESC, m.id LIMIT 200"
            ))?
            .query_map([id], super::summary_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let activity = conn
            .prepare_cached(
                "SELECT a.id, a.kind, a.platform, a.occurred_at, a.conversation_id,
                        coalesce(c.title, c.container), a.message_id, substr(g.body_text, 1, 160),
                        m.id, m.display_name
                 FROM members m
                 JOIN member_activity a ON a.member_id = m.id
                 LEFT JOIN conversations c ON c.id = a.conversation_id
                 LEFT JOIN messages g ON g.id = a.message_id
                 WHERE m.organization_id = ?1 AND m.merged_into IS NULL
                 ORDER BY a.occurred_at DESC, a.id DESC LIMIT 50",
            )?
            .query_map([id], |r| {
                Ok(OrganizationActivity {
                    member_id: r.get(8)?,
                    member_name: r.get(9)?,
                    activity: super::activity_from_row(r)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(OrganizationDetail {
            org,
            members,
            activity,
        })
    }

    /// Renames an organisation. Its old name keeps pointing at it, so people found by that
    /// name later join it; a name another organisation has is refused (merge them instead).
    pub fn rename_organization(&mut self, id: i64, name: &str, now: Millis) -> Result<()> {
        let name = name.trim();
        if name.chars().count() > 200 {
            return Err(Error::invalid(
                "an organisation's name can be at most 200 characters",
            ));
        }
        let key = org_key(name)
            .ok_or_else(|| Error::invalid(format!("'{name}' does not name an organisation")))?;
        let tx = self.conn_mut().transaction()?;
        org_exists(&tx, id)?;
        if let Some(other) = by_key(&tx, &key)?.filter(|o| *o != id) {
            let other_name: String = tx.query_row(
                "SELECT name FROM organizations WHERE id = ?1",
                [other],
                |r| r.get(0),
            )?;
            return Err(Error::invalid(format!(
                "organisation {other} is already called '{other_name}'; merge the two instead \
                 (`hearth orgs merge {other} {id}`)"
            )));
        }
        let old_key: String =
            tx.query_row("SELECT key FROM organizations WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        if old_key != key {
            tx.execute(
                "INSERT OR REPLACE INTO organization_aliases (key, organization_id) VALUES (?1, ?2)",
                params![old_key, id],
            )?;
            tx.execute("DELETE FROM organization_aliases WHERE key = ?1", [&key])?;
        }
        tx.execute(
            "UPDATE organizations SET name = ?2, key = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, name, key, now],
        )?;
        reindex_people(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// Merges organisation `absorb` into `keep`: its people, domains and names go to `keep`,
    /// and deriving never makes it again.
    pub fn merge_organizations(&mut self, keep: i64, absorb: i64, now: Millis) -> Result<()> {
        if keep == absorb {
            return Err(Error::invalid(
                "an organisation cannot be merged into itself",
            ));
        }
        let tx = self.conn_mut().transaction()?;
        org_exists(&tx, keep)?;
        org_exists(&tx, absorb)?;
        let people: Vec<i64> = tx
            .prepare("SELECT id FROM members WHERE organization_id = ?1")?
            .query_map([absorb], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.execute(
            "UPDATE members SET organization_id = ?1 WHERE organization_id = ?2",
            [keep, absorb],
        )?;
        tx.execute(
            "UPDATE organization_domains SET organization_id = ?1 WHERE organization_id = ?2",
            [keep, absorb],
        )?;
        tx.execute(
            "UPDATE organization_aliases SET organization_id = ?1 WHERE organization_id = ?2",
            [keep, absorb],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO organization_aliases (key, organization_id)
             SELECT key, ?1 FROM organizations WHERE id = ?2",
            [keep, absorb],
        )?;
        tx.execute(
            "UPDATE organizations SET
                 domain = coalesce(domain, (SELECT domain FROM organizations WHERE id = ?2)),
                 website = coalesce(website, (SELECT website FROM organizations WHERE id = ?2)),
                 updated_at = ?3
             WHERE id = ?1",
            params![keep, absorb, now],
        )?;
        tx.execute("DELETE FROM organizations WHERE id = ?1", [absorb])?;
        for m in people {
            reindex_member(&tx, m)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets a member's organisation by name (found by any spelling of it, or made), or clears
    /// it with `None`; Hearth never changes it again on its own.
    pub fn set_member_organization(
        &mut self,
        member: i64,
        name: Option<&str>,
        now: Millis,
    ) -> Result<Option<i64>> {
        let tx = self.conn_mut().transaction()?;
        let org = set_member_organization_in(&tx, member, name, now)?;
        tx.commit()?;
        Ok(org)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_addresses_name_their_organisation_and_public_ones_do_not() {
        let f = from_email("Ana@eng.Acme.io").expect("a work address");
        assert_eq!(
            (f.name.as_str(), f.key.as_str(), f.domain.as_deref()),
            ("Acme", "acme", Some("acme.io"))
        );
        assert_eq!(
            from_email("dee@kite-labs.dev").map(|f| f.name),
            Some("Kite Labs".into())
        );
        assert_eq!(
            from_email("bo@acme.co.uk").and_then(|f| f.domain),
            Some("acme.co.uk".into())
        );
        assert_eq!(from_email("1+ana@users.noreply.github.com"), None);
        for public in [
            "ana@gmail.com",
            "x@outlook.com",
            "y@proton.me",
            "z@yahoo.co.uk",
        ] {
            assert_eq!(from_email(public), None, "{public} is a public provider");
        }
    }

    #[test]
    fn github_company_logins_become_names() {
        let f = from_profile("@acme-corp").expect("a company");
        assert_eq!((f.name.as_str(), f.key.as_str()), ("Acme Corp", "acme"));
        let f = from_profile("@kite-labs @other").expect("the first one");
        assert_eq!(f.name, "Kite Labs");
        assert_eq!(
            from_profile("Acme, Inc.").map(|f| f.key),
            Some("acme".into())
        );
        assert_eq!(from_profile("self-employed"), None);
    }
}
