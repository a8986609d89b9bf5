//! Segments: saved filters over members ("GitHub contributors in Berlin who went quiet this
//! month"). Owns: turning a [`SegmentFilter`] into SQL over `members` (every value bound, never
//! spliced), the `segments` table (name, JSON filter, position) and each segment's count.
//! Must never: store who is in a segment — membership is worked out when asked, so it follows
//! the data.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{Millis, Segment, SegmentFilter};
use crate::store::Store;

const DAY: Millis = 24 * 60 * 60 * 1000;

/// A `WHERE` clause over `members m` being built, with its bound values in order.
#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub(crate) args: Vec<Value>,
}

impl Where {
    /// The members a list shows: the community's, not tombstones.
    pub(crate) fn members() -> Where {
        Where {
            clauses: vec!["m.is_team = 0".into(), "m.merged_into IS NULL".into()],
            args: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        clause: impl Into<String>,
        args: impl IntoIterator<Item = Value>,
    ) {
        self.clauses.push(clause.into());
        self.args.extend(args);
    }

    pub(crate) fn sql(&self) -> String {
        format!("WHERE {}", self.clauses.join(" AND "))
    }
}

fn like(words: &str) -> Value {
    let escaped = words
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Value::Text(format!("%{escaped}%"))
}

fn days_before(now: Option<Millis>, days: u32, what: &str) -> Result<Value> {
    let now = now.ok_or_else(|| {
        Error::invalid(format!(
            "the filter '{what}' counts days back from now, but no time was given"
        ))
    })?;
    Ok(Value::Integer(now - i64::from(days) * DAY))
}

/// Adds what `f` asks of a member to `w`. Relative parts ("within N days") count back from
/// `now`.
pub(crate) fn add_filter(w: &mut Where, f: &SegmentFilter, now: Option<Millis>) -> Result<()> {
    // The members' own columns first, then what needs another table, the count last: SQLite
    // checks the terms in this order, so a member the cheap ones drop costs no lookup.
    if !f.levels.is_empty() {
        let marks = vec!["?"; f.levels.len()].join(", ");
        w.push(
            format!("m.engagement_level IN ({marks})"),
            f.levels.iter().map(|l| Value::Text(l.as_str().into())),
        );
    }
    // written as constants, so the partial indexes on the flags serve them
    if let Some(q) = f.going_quiet {
        w.push(format!("m.going_quiet = {}", i32::from(q)), []);
    }
    if let Some(n) = f.new_and_active {
        w.push(format!("m.new_and_active = {}", i32::from(n)), []);
    }
    if let Some(t) = f.first_seen_after {
        w.push("m.first_seen_at >= ?", [Value::Integer(t)]);
    }
    if let Some(t) = f.first_seen_before {
        w.push("m.first_seen_at < ?", [Value::Integer(t)]);
    }
    if let Some(d) = f.first_seen_within_days {
        w.push(
            "m.first_seen_at >= ?",
            [days_before(now, d, "first seen within")?],
        );
    }
    if let Some(d) = f.active_within_days {
        w.push(
            "m.last_active_at >= ?",
            [days_before(now, d, "active within")?],
        );
    }
    if let Some(d) = f.quiet_for_days {
        w.push("m.last_active_at < ?", [days_before(now, d, "quiet for")?]);
    }
    if !f.platforms.is_empty() {
        let marks = vec!["?"; f.platforms.len()].join(", ");
        w.push(
            format!(
                "EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id
                         AND i.platform IN ({marks}))"
            ),
            f.platforms.iter().map(|p| Value::Text(p.as_str().into())),
        );
    }
    for tag in &f.tags {
        w.push(
            "EXISTS (SELECT 1 FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
                     WHERE mt.member_id = m.id AND t.name = ?)",
            [Value::Text(tag.trim().to_string())],
        );
    }
    if let Some(org) = f.organization.as_deref().filter(|o| !o.trim().is_empty()) {
        w.push("m.organization LIKE ? ESCAPE '\\'", [like(org)]);
    }
    if let Some(place) = f.location.as_deref().filter(|o| !o.trim().is_empty()) {
        w.push("m.location LIKE ? ESCAPE '\\'", [like(place)]);
    }
    for field in &f.fields {
        w.push(
            "EXISTS (SELECT 1 FROM member_fields f WHERE f.member_id = m.id AND f.name = ?
                     AND f.value = ? COLLATE NOCASE)",
            [
                Value::Text(field.name.trim().to_string()),
                Value::Text(field.value.trim().to_string()),
            ],
        );
    }
    if let Some(a) = f.activity.as_ref().filter(|a| a.min_messages > 0) {
        let from = match a.within_days {
            Some(d) => days_before(now, d, "messages within")?,
            None => Value::Integer(a.from.unwrap_or(i64::MIN)),
        };
        let to = Value::Integer(a.to.unwrap_or(i64::MAX));
        // the N-th message in the period exists: reads at most N rows of each member
        w.push(
            "EXISTS (SELECT 1 FROM member_activity a WHERE a.member_id = m.id
              AND a.kind = 'message' AND a.occurred_at >= ? AND a.occurred_at < ?
              LIMIT 1 OFFSET ?)",
            [
                from,
                to,
                Value::Integer(i64::from(a.min_messages.max(1)) - 1),
            ],
        );
    }
    Ok(())
}

fn filter_is_empty(f: &SegmentFilter) -> bool {
    *f == SegmentFilter::default()
}

fn read_filter(json: &str, name: &str) -> Result<SegmentFilter> {
    serde_json::from_str(json)
        .map_err(|e| Error::invalid(format!("the segment '{name}' cannot be read: {e}")))
}

/// The saved filter of segment `id`.
pub(crate) fn segment_filter(conn: &Connection, id: i64) -> Result<SegmentFilter> {
    let (name, json): (String, String) = conn
        .prepare_cached("SELECT name, filter FROM segments WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::not_found("segment", id))?;
    read_filter(&json, &name)
}

/// How many listed members `f` keeps.
pub(crate) fn count_members(conn: &Connection, f: &SegmentFilter, now: Millis) -> Result<i64> {
    let mut w = Where::members();
    add_filter(&mut w, f, Some(now))?;
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) FROM members m {}", w.sql()))?
        .query_row(rusqlite::params_from_iter(&w.args), |r| r.get(0))?)
}

impl Store {
    /// The saved segments in their order, each with how many members it holds as of `now`.
    pub fn segments(&self, now: Millis) -> Result<Vec<Segment>> {
        let conn = self.conn();
        let rows: Vec<(i64, String, String, i64)> = conn
            .prepare_cached(
                "SELECT id, name, filter, position FROM segments ORDER BY position, id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(id, name, json, position)| {
                let filter = read_filter(&json, &name)?;
                let count = count_members(conn, &filter, now)?;
                Ok(Segment {
                    id,
                    name,
                    filter,
                    position,
                    count,
                })
            })
            .collect()
    }

    /// One segment by its name (any case) or its number, with its count as of `now`.
    pub fn segment(&self, name_or_id: &str, now: Millis) -> Result<Segment> {
        let wanted = name_or_id.trim();
        self.segments(now)?
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case(wanted) || s.id.to_string() == wanted)
            .ok_or_else(|| Error::invalid(format!("there is no segment named '{wanted}'")))
    }

    /// Saves a new segment at the end of the list.
    pub fn add_segment(
        &mut self,
        name: &str,
        filter: &SegmentFilter,
        now: Millis,
    ) -> Result<Segment> {
        let tx = self.conn_mut().transaction()?;
        let id = add_segment_in(&tx, name, filter, false, now)?;
        tx.commit()?;
        let count = count_members(self.conn(), filter, now)?;
        let position =
            self.conn()
                .query_row("SELECT position FROM segments WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        Ok(Segment {
            id,
            name: name.trim().to_string(),
            filter: filter.clone(),
            position,
            count,
        })
    }

    /// Changes a segment's name and filter.
    pub fn update_segment(&mut self, id: i64, name: &str, filter: &SegmentFilter) -> Result<()> {
        let name = check(name, filter)?;
        let json = serde_json::to_string(filter)
            .map_err(|e| Error::invalid(format!("cannot save the segment: {e}")))?;
        let tx = self.conn_mut().transaction()?;
        let n = tx
            .execute(
                "UPDATE segments SET name = ?2, filter = ?3 WHERE id = ?1",
                params![id, name, json],
            )
            .map_err(|e| taken(e, name))?;
        if n == 0 {
            return Err(Error::not_found("segment", id));
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes a segment (its members stay, of course).
    pub fn remove_segment(&mut self, id: i64) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        if tx.execute("DELETE FROM segments WHERE id = ?1", [id])? == 0 {
            return Err(Error::not_found("segment", id));
        }
        tx.commit()?;
        Ok(())
    }
}

fn check<'a>(name: &'a str, filter: &SegmentFilter) -> Result<&'a str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a segment needs a name"));
    }
    if filter_is_empty(filter) {
        return Err(Error::invalid(
            "a segment needs at least one condition (a platform, tag, level, time…)",
        ));
    }
    if filter
        .activity
        .as_ref()
        .is_some_and(|a| a.min_messages == 0)
    {
        return Err(Error::invalid(
            "'at least N messages' needs N to be 1 or more",
        ));
    }
    Ok(name)
}

fn taken(e: rusqlite::Error, name: &str) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => {
            Error::invalid(format!("a segment named '{name}' already exists"))
        }
        _ => e.into(),
    }
}

/// Saves a segment inside the caller's transaction; `demo` marks the demo's own.
pub(crate) fn add_segment_in(
    conn: &Connection,
    name: &str,
    filter: &SegmentFilter,
    demo: bool,
    now: Millis,
) -> Result<i64> {
    let name = check(name, filter)?;
    let json = serde_json::to_string(filter)
        .map_err(|e| Error::invalid(format!("cannot save the segment: {e}")))?;
    conn.execute(
        "INSERT INTO segments (name, filter, position, demo, created_at)
         VALUES (?1, ?2, (SELECT coalesce(max(position), -1) + 1 FROM segments), ?3, ?4)",
        params![name, json, demo, now],
    )
    .map_err(|e| taken(e, name))?;
    Ok(conn.last_insert_rowid())
}
