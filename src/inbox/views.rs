//! Views of the inbox and the team. Owns: the built-in views (Needs reply, Mentions, …), saved
//! views and their filters, a filter as SQL over `conversations c`, each view's count and
//! reply-time target, and the team list that "Mine" and assignment read.
//! Must never: page or decorate rows (that is `inbox/mod.rs`).

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{Millis, Status, TeamMember, View, ViewDraft, ViewFilter};
use crate::store::Store;

use super::canned::MY_NAME;
use super::counts;

const HOUR: Millis = 3_600_000;

/// The letters `g` + letter already takes for the app's other places.
const RESERVED: [(&str, &str); 5] = [
    ("m", "Members"),
    ("c", "the Calendar"),
    ("h", "the Dashboard"),
    ("o", "Moderation"),
    ("s", "Settings"),
];

/// The built-in views: key, name, letter for `g`, and filter.
fn builtins() -> Vec<(&'static str, &'static str, &'static str, ViewFilter)> {
    let open = ViewFilter::default();
    vec![
        ("open", "Inbox", "i", open.clone()),
        (
            "needs-reply",
            "Needs reply",
            "r",
            ViewFilter {
                unanswered: Some(true),
                ..open.clone()
            },
        ),
        (
            "mentions",
            "Mentions",
            "@",
            ViewFilter {
                mentions: Some(true),
                ..open.clone()
            },
        ),
        (
            "first-timers",
            "First-timers",
            "f",
            ViewFilter {
                first_post: Some(true),
                ..open.clone()
            },
        ),
        (
            "feedback",
            "Feedback",
            "b",
            ViewFilter {
                tag: Some("feedback".into()),
                any_status: Some(true),
                ..open.clone()
            },
        ),
        (
            "mine",
            "Mine",
            "y",
            ViewFilter {
                assignee: Some("me".into()),
                ..open.clone()
            },
        ),
        (
            "unassigned",
            "Unassigned",
            "u",
            ViewFilter {
                assignee: Some("nobody".into()),
                ..open.clone()
            },
        ),
        (
            "waiting",
            "Waiting",
            "w",
            ViewFilter {
                status: Some(Status::Waiting),
                ..open.clone()
            },
        ),
        (
            "snoozed",
            "Snoozed",
            "z",
            ViewFilter {
                status: Some(Status::Snoozed),
                ..open.clone()
            },
        ),
        (
            "done",
            "Done",
            "d",
            ViewFilter {
                status: Some(Status::Done),
                ..open
            },
        ),
    ]
}

/// The setting that overrides a built-in view's reply-time target.
fn target_setting(key: &str) -> String {
    format!("inbox.view.{key}.reply_target_hours")
}

/// A view as the inbox reads it: its filter, the saved view's id (for what rules put in it),
/// and its reply-time target.
pub(crate) struct Resolved {
    pub key: String,
    pub filter: ViewFilter,
    pub saved_id: Option<i64>,
    pub target: Millis,
    /// The view sets its own target (not the workspace's).
    pub own_target: bool,
}

/// Finds a view by key, letter or saved name.
pub(crate) fn resolve(conn: &Connection, wanted: &str) -> Result<Resolved> {
    let w = wanted.trim();
    let default_target = super::reply_target(conn)?;
    for (key, name, letter, filter) in builtins() {
        if w.eq_ignore_ascii_case(key) || w.eq_ignore_ascii_case(name) || w == letter {
            let own = crate::store::setting_in(conn, &target_setting(key))?
                .and_then(|h| h.parse::<i64>().ok())
                .filter(|h| *h > 0);
            return Ok(Resolved {
                key: key.to_string(),
                filter,
                saved_id: None,
                target: own.map_or(default_target, |h| h * HOUR),
                own_target: own.is_some(),
            });
        }
    }
    let id = w.strip_prefix("saved-").and_then(|s| s.parse::<i64>().ok());
    let row: Option<(i64, String, Option<i64>)> = conn
        .prepare_cached(
            "SELECT id, filter, reply_target_hours FROM views
             WHERE id = ?1 OR name = ?2 COLLATE NOCASE OR letter = ?2",
        )?
        .query_row(params![id.unwrap_or(-1), w], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((id, filter, hours)) = row else {
        return Err(Error::invalid(format!(
            "there is no view '{w}'; the views are {}",
            view_names(conn)?
        )));
    };
    Ok(Resolved {
        key: format!("saved-{id}"),
        filter: read_filter(&filter)?,
        saved_id: Some(id),
        target: hours.map_or(default_target, |h| h * HOUR),
        own_target: hours.is_some(),
    })
}

fn view_names(conn: &Connection) -> Result<String> {
    let mut names: Vec<String> = builtins().iter().map(|b| b.0.to_string()).collect();
    names.extend(
        conn.prepare_cached("SELECT name FROM views ORDER BY position")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    );
    Ok(names.join(", "))
}

fn read_filter(json: &str) -> Result<ViewFilter> {
    serde_json::from_str(json)
        .map_err(|e| Error::invalid(format!("a saved view's filter does not read: {e}")))
}

/// A filter as SQL over `conversations c`: clauses joined by AND, with named arguments.
#[derive(Default)]
pub(crate) struct Clauses {
    pub clauses: Vec<String>,
    pub args: Vec<(String, Value)>,
    /// What the arguments' names start with (`f` for one view), so that several views'
    /// clauses can sit in one statement.
    prefix: String,
}

impl Clauses {
    fn arg(&mut self, v: Value) -> String {
        let name = format!(":{}{}", self.prefix, self.args.len());
        self.args.push((name.clone(), v));
        name
    }

    /// ` AND …` for every clause (empty when none).
    pub fn sql(&self) -> String {
        self.clauses.iter().map(|c| format!(" AND {c}")).collect()
    }

    /// The clauses for counting a view of every status: there no status range narrows the
    /// index, so a tag's conversations are looked up rather than every row checked.
    pub fn count_sql(&self, f: &ViewFilter) -> String {
        let sql = self.sql();
        if f.any_status == Some(true) {
            sql.replace("+c.id IN", "c.id IN")
        } else {
            sql
        }
    }
}

/// The filter's clauses (all but its status, which picks the parts of the queue). A saved
/// view also holds what rules put in it; one with no filter holds only that.
pub(crate) fn clauses(
    conn: &Connection,
    f: &ViewFilter,
    saved_id: Option<i64>,
    now: Millis,
) -> Result<Clauses> {
    clauses_named(conn, f, saved_id, now, "f")
}

/// [`clauses`], with arguments named `:{prefix}0`, `:{prefix}1`…
fn clauses_named(
    conn: &Connection,
    f: &ViewFilter,
    saved_id: Option<i64>,
    now: Millis,
    prefix: &str,
) -> Result<Clauses> {
    let mut c = Clauses {
        prefix: prefix.to_string(),
        ..Clauses::default()
    };
    if let Some(p) = f.platform {
        let a = c.arg(Value::Text(p.as_str().into()));
        c.clauses.push(format!("c.platform = {a}"));
    }
    if let Some(id) = f.account_id {
        let a = c.arg(Value::Integer(id));
        c.clauses.push(format!("c.account_id = {a}"));
    }
    if let Some(ch) = f.channel.as_deref().filter(|s| !s.trim().is_empty()) {
        let a = c.arg(Value::Text(
            ch.trim().trim_start_matches('#').to_lowercase(),
        ));
        c.clauses.push(format!(
            "ltrim(lower(coalesce(c.container, '')), '#') = {a}"
        ));
    }
    if let Some(t) = f.tag.as_deref().filter(|s| !s.trim().is_empty()) {
        let a = c.arg(Value::Text(t.trim().into()));
        // `+c.id`: the page is read in the order of an index, each row checked against the
        // tag's conversations, rather than every tagged row looked up and sorted (a common
        // tag holds thousands)
        c.clauses.push(format!(
            "+c.id IN (SELECT ct.conversation_id FROM conversation_tags ct
                       JOIN tags t ON t.id = ct.tag_id WHERE t.name = {a})"
        ));
    }
    if let Some(who) = f
        .assignee
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if who.eq_ignore_ascii_case("nobody") {
            c.clauses.push("c.assignee IS NULL".into());
        } else {
            let name = if who.eq_ignore_ascii_case("me") {
                crate::store::setting_in(conn, MY_NAME)?.filter(|n| !n.trim().is_empty())
            } else {
                Some(who.to_string())
            };
            match name {
                Some(n) => {
                    let a = c.arg(Value::Text(n.trim().into()));
                    c.clauses.push(format!("c.assignee = {a} COLLATE NOCASE"));
                }
                // nobody is "me" until the user says who they are
                None => c.clauses.push("0".into()),
            }
        }
    }
    if let Some(h) = f.older_than_hours {
        let a = c.arg(Value::Integer(now - h * HOUR));
        c.clauses.push(format!("c.last_message_at <= {a}"));
    }
    if let Some(h) = f.newer_than_hours {
        let a = c.arg(Value::Integer(now - h * HOUR));
        c.clauses.push(format!("c.last_message_at >= {a}"));
    }
    if let Some(t) = f.member_tag.as_deref().filter(|s| !s.trim().is_empty()) {
        let a = c.arg(Value::Text(t.trim().into()));
        c.clauses.push(format!(
            "c.id IN (SELECT mm.conversation_id FROM tags t
                      JOIN member_tags mt ON mt.tag_id = t.id
                      JOIN identities ii ON ii.member_id = mt.member_id
                      JOIN messages mm ON mm.author_identity_id = ii.id
                      WHERE t.name = {a} AND mm.from_us = 0)"
        ));
    }
    if let Some(s) = f.segment.as_deref().filter(|s| !s.trim().is_empty()) {
        let id: Option<i64> = conn
            .query_row(
                "SELECT id FROM segments WHERE name = ?1 COLLATE NOCASE",
                [s.trim()],
                |r| r.get(0),
            )
            .optional()?;
        let id = id.ok_or_else(|| Error::invalid(format!("there is no segment '{s}'")))?;
        let filter = crate::members::segments::segment_filter(conn, id)?;
        let mut w = crate::members::segments::Where::members();
        crate::members::segments::add_filter(&mut w, &filter, Some(now))?;
        // the segment's `?` placeholders become named ones, in order
        let mut sql = String::new();
        let segment_sql = w.sql();
        let mut args = w.args.into_iter();
        for ch in segment_sql.chars() {
            if ch == '?' {
                let v = args.next().unwrap_or(Value::Null);
                sql.push_str(&c.arg(v));
            } else {
                sql.push(ch);
            }
        }
        c.clauses.push(format!(
            "c.id IN (SELECT mm.conversation_id FROM messages mm
                      JOIN identities ii ON ii.id = mm.author_identity_id
                      WHERE mm.from_us = 0 AND ii.member_id IN (SELECT m.id FROM members m {sql}))"
        ));
    }
    if let Some(u) = f.unanswered {
        c.clauses.push(if u {
            "c.unanswered_since IS NOT NULL".into()
        } else {
            "c.unanswered_since IS NULL".into()
        });
    }
    if let Some(m) = f.mentions {
        c.clauses.push(format!("c.mentions_us = {}", i32::from(m)));
    }
    if let Some(p) = f.first_post {
        c.clauses.push(format!("c.first_post = {}", i32::from(p)));
    }
    // what rules put in a saved view (read only when there is some: an OR costs the index)
    let placed_any = match saved_id {
        Some(id) => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM conversation_views WHERE view_id = ?1)")?
            .query_row([id], |r| r.get::<_, bool>(0))?,
        None => false,
    };
    if let Some(id) = saved_id.filter(|_| placed_any || c.clauses.is_empty()) {
        let a = c.arg(Value::Integer(id));
        let placed =
            format!("c.id IN (SELECT conversation_id FROM conversation_views WHERE view_id = {a})");
        if c.clauses.is_empty() {
            c.clauses.push(placed);
        } else {
            let all = c.clauses.join(" AND ");
            c.clauses = vec![format!("(({all}) OR {placed})")];
        }
    }
    Ok(c)
}

/// The parts of the queue a status reads, each served by an index: (filter, sort key). Keys
/// starting with `-` sort soonest first.
pub(crate) fn parts(f: &ViewFilter) -> &'static [(&'static str, &'static str)] {
    const RANKED: &str = "(c.rank * 4398046511104 + c.last_message_at)";
    if f.any_status == Some(true) {
        return &[("1", "c.last_message_at")];
    }
    match f.status.unwrap_or(Status::Open) {
        Status::Open => &[
            ("c.status = 'open'", RANKED),
            ("c.status = 'snoozed' AND c.snoozed_until <= :now", RANKED),
        ],
        Status::Snoozed => &[(
            "c.status = 'snoozed' AND c.snoozed_until > :now",
            "-c.snoozed_until",
        )],
        Status::Waiting => &[("c.status = 'waiting'", "c.last_message_at")],
        Status::Done => &[("c.status = 'done'", "c.last_message_at")],
    }
}

/// The ORDER BY of a part's sort key, so each part reads its index in order.
pub(crate) fn order_of(key: &str) -> &'static str {
    match key {
        "-c.snoozed_until" => "c.snoozed_until ASC, c.id ASC",
        "c.last_message_at" => "c.last_message_at DESC, c.id DESC",
        _ => "c.rank DESC, c.last_message_at DESC, c.id DESC",
    }
}

/// Whether a part needs `:now`.
pub(crate) fn needs_now(parts: &[(&str, &str)]) -> bool {
    parts.iter().any(|(f, _)| f.contains(":now"))
}

/// Every built-in view's count and how many of it are past its reply-time target, in the
/// order of `views`: from the counters schema 12 keeps, the recent end of the open queue's
/// unanswered questions, the snoozes run out, and Feedback's tag. What the sidebar shows after
/// every action, so it stays a few milliseconds at a million messages.
fn builtin_counts(
    conn: &Connection,
    views: &[(&str, &str, Resolved)],
    now: Millis,
) -> Result<Vec<(i64, i64)>> {
    let due = |key: &str| {
        views
            .iter()
            .find(|(_, _, r)| r.key == key)
            .map_or(now, |(_, _, r)| now - r.target)
    };
    let me = crate::store::setting_in(conn, MY_NAME)?;
    let me = me.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let dues = counts::Dues {
        open: due("open"),
        reply: due("needs-reply"),
        mentions: due("mentions"),
        first: due("first-timers"),
        mine: due("mine"),
        nobody: due("unassigned"),
    };
    let counters = counts::Counters::read(conn)?;
    let woken = counts::woken(conn, me, &dues, now)?;
    let q = counts::open_queue(conn, &counters, &woken, me, &dues)?;
    let feedback: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
             WHERE t.name = 'feedback'",
        )?
        .query_row([], |r| r.get(0))?;
    Ok(views
        .iter()
        .map(|(_, _, r)| match r.key.as_str() {
            "open" => q.open,
            "needs-reply" => q.reply,
            "mentions" => q.mentions,
            "first-timers" => q.first,
            "mine" => q.mine,
            "unassigned" => q.nobody,
            "waiting" => (counters.status("waiting").n, 0),
            "snoozed" => (counters.status("snoozed").n - woken.n, 0),
            "done" => (counters.status("done").n, 0),
            "feedback" => (feedback, 0),
            _ => (0, 0),
        })
        .collect())
}

/// How many conversations a view holds, and how many of them are past their reply-time
/// target.
fn count_view(conn: &Connection, r: &Resolved, now: Millis) -> Result<(i64, i64)> {
    let c = clauses(conn, &r.filter, r.saved_id, now)?;
    let parts = parts(&r.filter);
    let extra = c.count_sql(&r.filter);
    let in_queue = r.filter.any_status != Some(true)
        && r.filter.status.unwrap_or(Status::Open) == Status::Open;
    let sql = parts
        .iter()
        .map(|(filter, _)| {
            let overdue = if in_queue {
                "coalesce(sum(c.unanswered_since <= :due), 0)"
            } else {
                "0"
            };
            format!("SELECT count(*) AS n, {overdue} AS late FROM conversations c WHERE {filter}{extra}")
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let mut args: Vec<(&str, &dyn rusqlite::ToSql)> = Vec::new();
    if needs_now(parts) {
        args.push((":now", &now));
    }
    let due = now - r.target;
    if in_queue {
        args.push((":due", &due));
    }
    for (name, v) in &c.args {
        args.push((name.as_str(), v));
    }
    let (n, late): (i64, i64) = conn
        .prepare_cached(&format!("SELECT sum(n), sum(late) FROM ({sql})"))?
        .query_row(args.as_slice(), |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?.unwrap_or(0),
                r.get::<_, Option<i64>>(1)?.unwrap_or(0),
            ))
        })?;
    Ok((n, late))
}

fn check_letter(
    conn: &Connection,
    letter: Option<&str>,
    except: Option<i64>,
) -> Result<Option<String>> {
    let Some(l) = letter.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let mut chars = l.chars();
    let (Some(ch), None) = (chars.next(), chars.next()) else {
        return Err(Error::invalid("a view's letter is one letter or digit"));
    };
    if !ch.is_alphanumeric() {
        return Err(Error::invalid("a view's letter is one letter or digit"));
    }
    let l = ch.to_lowercase().to_string();
    if let Some((_, place)) = RESERVED.iter().find(|(r, _)| *r == l) {
        return Err(Error::invalid(format!(
            "g {l} already opens {place}; choose another letter"
        )));
    }
    if let Some(b) = builtins().iter().find(|b| b.2 == l) {
        return Err(Error::invalid(format!(
            "g {l} already opens {}; choose another letter",
            b.1
        )));
    }
    let taken: Option<String> = conn
        .query_row(
            "SELECT name FROM views WHERE letter = ?1 AND id <> ?2",
            params![l, except.unwrap_or(-1)],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(name) = taken {
        return Err(Error::invalid(format!(
            "g {l} already opens the view '{name}'; choose another letter"
        )));
    }
    Ok(Some(l))
}

fn check_draft(d: &ViewDraft) -> Result<String> {
    let name = d.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a view needs a name"));
    }
    if name.chars().count() > 60 {
        return Err(Error::invalid("a view's name can be at most 60 characters"));
    }
    if builtins()
        .iter()
        .any(|b| b.1.eq_ignore_ascii_case(name) || b.0.eq_ignore_ascii_case(name))
    {
        return Err(Error::invalid(format!(
            "'{name}' is a built-in view; give yours another name"
        )));
    }
    if let Some(h) = d.reply_target_hours {
        if !(1..=720).contains(&h) {
            return Err(Error::invalid(
                "a reply-time target is a whole number of hours from 1 to 720",
            ));
        }
    }
    for h in [d.filter.older_than_hours, d.filter.newer_than_hours]
        .into_iter()
        .flatten()
    {
        if !(0..=24 * 3650).contains(&h) {
            return Err(Error::invalid("an age is from 0 hours to 10 years"));
        }
    }
    Ok(name.to_string())
}

fn json(f: &ViewFilter) -> Result<String> {
    serde_json::to_string(f).map_err(|e| Error::invalid(e.to_string()))
}

/// A view as a test of one conversation, for the Dashboard's response times per view.
pub(crate) struct ViewTest {
    pub name: String,
    /// Its reply-time target.
    pub target: Millis,
    /// An SQL condition over `conversations c`.
    pub sql: String,
}

/// Views as tests, and the arguments their SQL names.
pub(crate) struct ViewTests {
    pub views: Vec<ViewTest>,
    pub args: Vec<(String, Value)>,
}

/// The views whose filter picks some conversations rather than a part of the queue (the
/// Inbox, Waiting, Snoozed and Done hold every conversation in some state, so they say no more
/// than the whole), each as a condition on a conversation whatever its state now — a question
/// of last month is done by now — with every argument named apart. Built-in first, then the
/// saved views in their order.
pub(crate) fn view_tests(conn: &Connection, now: Millis) -> Result<ViewTests> {
    let mut wanted: Vec<(String, String)> = builtins()
        .into_iter()
        .map(|(key, name, _, _)| (key.to_string(), name.to_string()))
        .collect();
    wanted.extend(
        conn.prepare_cached("SELECT id, name FROM views ORDER BY position, id")?
            .query_map([], |r| {
                Ok((format!("saved-{}", r.get::<_, i64>(0)?), r.get(1)?))
            })?
            .collect::<rusqlite::Result<Vec<(String, String)>>>()?,
    );
    let mut tests = Vec::new();
    let mut args = Vec::new();
    for (i, (key, name)) in wanted.into_iter().enumerate() {
        let r = resolve(conn, &key)?;
        let c = clauses_named(conn, &r.filter, r.saved_id, now, &format!("v{i}_"))?;
        if c.clauses.is_empty() {
            continue;
        }
        tests.push(ViewTest {
            name,
            target: r.target,
            sql: c.clauses.join(" AND "),
        });
        args.extend(c.args);
    }
    Ok(ViewTests { views: tests, args })
}

impl Store {
    /// Every view, built-in first, each with its count and how many are past their target.
    pub fn views(&self, now: Millis) -> Result<Vec<View>> {
        let conn = self.conn();
        let mut out = Vec::new();
        let mut resolved = Vec::new();
        for (key, name, letter, _) in builtins() {
            resolved.push((name, letter, resolve(conn, key)?));
        }
        let counts = builtin_counts(conn, &resolved, now)?;
        for ((name, letter, r), (count, overdue)) in resolved.into_iter().zip(counts) {
            out.push(View {
                key: r.key.clone(),
                name: name.into(),
                letter: Some(letter.into()),
                builtin: true,
                reply_target_hours: r.target / HOUR,
                own_target: r.own_target,
                filter: r.filter,
                count,
                overdue,
            });
        }
        let saved: Vec<(i64, String, Option<String>, Option<i64>)> = conn
            .prepare_cached(
                "SELECT id, name, letter, reply_target_hours FROM views ORDER BY position, id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, name, letter, hours) in saved {
            let r = resolve(conn, &format!("saved-{id}"))?;
            let (count, overdue) = count_view(conn, &r, now)?;
            out.push(View {
                key: r.key.clone(),
                name,
                letter,
                builtin: false,
                reply_target_hours: r.target / HOUR,
                own_target: hours.is_some(),
                filter: r.filter,
                count,
                overdue,
            });
        }
        Ok(out)
    }

    /// Saves a new view after the others.
    pub fn add_view(&mut self, draft: &ViewDraft, now: Millis) -> Result<View> {
        let name = check_draft(draft)?;
        let conn = self.conn();
        let letter = check_letter(conn, draft.letter.as_deref(), None)?;
        // the filter must read (a segment that exists) before it is kept
        clauses(conn, &draft.filter, Some(0), now)?;
        super::ensure_name_free(conn, "views", "view", &name, None)?;
        conn.execute(
            "INSERT INTO views (name, letter, position, filter, reply_target_hours, created_at, updated_at)
             VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM views), ?3, ?4, ?5, ?5)",
            params![name, letter, json(&draft.filter)?, draft.reply_target_hours, now],
        )?;
        let id = conn.last_insert_rowid();
        self.view(&format!("saved-{id}"), now)
    }

    /// Changes a saved view.
    pub fn update_view(&mut self, key: &str, draft: &ViewDraft, now: Millis) -> Result<View> {
        let name = check_draft(draft)?;
        let conn = self.conn();
        let r = resolve(conn, key)?;
        let id = r.saved_id.ok_or_else(|| {
            Error::invalid("a built-in view cannot be changed, only its reply-time target")
        })?;
        let letter = check_letter(conn, draft.letter.as_deref(), Some(id))?;
        clauses(conn, &draft.filter, Some(id), now)?;
        super::ensure_name_free(conn, "views", "view", &name, Some(id))?;
        conn.execute(
            "UPDATE views SET name = ?2, letter = ?3, filter = ?4, reply_target_hours = ?5,
                 updated_at = ?6 WHERE id = ?1",
            params![
                id,
                name,
                letter,
                json(&draft.filter)?,
                draft.reply_target_hours,
                now
            ],
        )?;
        self.view(&format!("saved-{id}"), now)
    }

    /// Sets a built-in view's own reply-time target (None: the workspace's again).
    pub fn set_view_target(&mut self, key: &str, hours: Option<i64>, now: Millis) -> Result<View> {
        let r = resolve(self.conn(), key)?;
        if let Some(h) = hours {
            if !(1..=720).contains(&h) {
                return Err(Error::invalid(
                    "a reply-time target is a whole number of hours from 1 to 720",
                ));
            }
        }
        match r.saved_id {
            Some(id) => {
                self.conn().execute(
                    "UPDATE views SET reply_target_hours = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, hours, now],
                )?;
            }
            None => match hours {
                Some(h) => self.set_setting(&target_setting(&r.key), &h.to_string())?,
                None => {
                    self.conn().execute(
                        "DELETE FROM settings WHERE key = ?1",
                        [target_setting(&r.key)],
                    )?;
                }
            },
        }
        self.view(&r.key, now)
    }

    /// Removes a saved view (the conversations in it stay where they are).
    pub fn remove_view(&mut self, key: &str) -> Result<()> {
        let r = resolve(self.conn(), key)?;
        let id = r
            .saved_id
            .ok_or_else(|| Error::invalid("a built-in view cannot be removed"))?;
        self.conn()
            .execute("DELETE FROM views WHERE id = ?1", [id])?;
        Ok(())
    }

    /// One view by key, letter or name, with its count.
    pub fn view(&self, key: &str, now: Millis) -> Result<View> {
        let r = resolve(self.conn(), key)?;
        self.views(now)?
            .into_iter()
            .find(|v| v.key == r.key)
            .ok_or_else(|| Error::invalid(format!("there is no view '{key}'")))
    }

    /// The team, alphabetically, with which one is me (the name in Settings → Inbox).
    pub fn team(&self) -> Result<Vec<TeamMember>> {
        let me = self.setting(MY_NAME)?.map(|n| n.trim().to_lowercase());
        let mut names: Vec<String> = self
            .conn()
            .prepare_cached("SELECT name FROM team_members ORDER BY name COLLATE NOCASE")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(me) = self.setting(MY_NAME)?.filter(|n| !n.trim().is_empty()) {
            if !names
                .iter()
                .any(|n| n.trim().eq_ignore_ascii_case(me.trim()))
            {
                names.insert(0, me.trim().to_string());
            }
        }
        Ok(names
            .into_iter()
            .map(|name| TeamMember {
                me: me.as_deref() == Some(name.trim().to_lowercase().as_str()),
                name,
            })
            .collect())
    }

    /// Says which name is mine: "Mine" and `{my_name}` read it, and it joins the team list.
    pub fn set_my_name(&mut self, name: &str, now: Millis) -> Result<String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("your name cannot be empty"));
        }
        self.add_team_member(name, now)?;
        self.set_setting(MY_NAME, name)?;
        Ok(name.to_string())
    }

    /// Adds someone to the team (a name, as assignments show it).
    pub fn add_team_member(&mut self, name: &str, now: Millis) -> Result<Vec<TeamMember>> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(Error::invalid("a team member's name is 1 to 60 characters"));
        }
        if ["me", "nobody"].contains(&name.to_lowercase().as_str()) {
            return Err(Error::invalid(format!(
                "'{name}' stands for a view's assignee; give the person's name"
            )));
        }
        self.conn().execute(
            "INSERT OR IGNORE INTO team_members (name, created_at) VALUES (?1, ?2)",
            params![name, now],
        )?;
        self.team()
    }

    /// Takes someone off the team list (what is assigned to them stays assigned).
    pub fn remove_team_member(&mut self, name: &str) -> Result<Vec<TeamMember>> {
        let n = self.conn().execute(
            "DELETE FROM team_members WHERE name = ?1 COLLATE NOCASE",
            [name.trim()],
        )?;
        if n == 0 {
            return Err(Error::invalid(format!(
                "'{}' is not on the team list",
                name.trim()
            )));
        }
        self.team()
    }
}
