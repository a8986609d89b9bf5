//! Feedback themes: the conversations tagged as feedback (`feedback`, `bug`, `feature
//! request`, `praise`) grouped by the terms they share, for the product team.
//! Owns: reading a conversation's terms (its title and opening message: words and two-word
//! phrases, common words left out, plurals folded), finding themes among the conversations no
//! theme holds (the term most of them share, again and again), adding new feedback to the theme
//! whose terms it shares, and a person's edits — rename, merge, split by a term, move a
//! conversation — which every later grouping keeps. Counts, trend, members, and exports
//! (Markdown, CSV, a GitHub issue through the outbox).
//! Must never: move a conversation a person placed, rename a theme a person named, or send
//! anything but through the outbox.

pub mod terms;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::members::privacy::DELETED_EXTERNAL_ID;
use crate::model::{
    FeedbackOverview, FeedbackTheme, FeedbackThemeDetail, Millis, OutboxItem, Platform, TermCount,
    ThemeItem, ThemeMember,
};
use crate::store::{platform_col, Store};

const DAY: Millis = 24 * 60 * 60_000;
const WEEK: Millis = 7 * DAY;
/// Weeks in a theme's trend.
pub const TREND_WEEKS: usize = 12;
/// The fewest conversations that make a theme.
pub const MIN_THEME: usize = 3;
/// Below this much feedback, any term can define a theme.
const SMALL: usize = 20;
/// A term more than this share of all feedback has is too common to define a theme.
const MAX_SHARE: f64 = 0.25;
/// Members listed on a theme.
const MEMBERS_SHOWN: usize = 10;
/// Terms offered to split a theme by.
const SPLIT_TERMS: usize = 12;

/// The tags that make a conversation feedback.
pub const FEEDBACK_TAGS: [&str; 4] = ["feedback", "bug", "feature request", "praise"];

fn json_terms(terms: &[String]) -> String {
    serde_json::to_string(terms).unwrap_or_else(|_| "[]".into())
}

fn read_terms(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A theme's name from its first term: "dark mode" → "Dark mode".
fn name_of(term: &str) -> String {
    let mut chars = term.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "Feedback".into(),
    }
}

/// A conversation as themes are found: its id, all its terms, and its title's (sorted).
pub type Terms = (i64, Vec<String>, Vec<String>);

/// A theme found among conversations: its term and which conversations share it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub term: String,
    pub conversations: Vec<i64>,
}

/// Finds themes among `items`: again and again, the term the most of them share (at least
/// [`MIN_THEME`], and at most [`MAX_SHARE`] of `total`, the feedback in all) makes a theme of
/// the conversations that have it. A term in a title counts three times (a title says what a
/// conversation is about; an opening message also says hello); two-word phrases win ties over
/// words, then the alphabet, so the same data always gives the same themes.
pub fn discover(items: &[Terms], total: usize, own_names: &[String]) -> Vec<Found> {
    // With little feedback, no term is too common to say something.
    let too_common = if total < SMALL {
        total
    } else {
        ((total as f64) * MAX_SHARE).floor() as usize
    };
    let mut left: Vec<&Terms> = items.iter().collect();
    let mut found = Vec::new();
    loop {
        // (conversations with it, score)
        let mut df: HashMap<&str, (usize, usize)> = HashMap::new();
        for (_, terms, title) in &left {
            for t in terms {
                let e = df.entry(t.as_str()).or_default();
                e.0 += 1;
                e.1 += 1 + 2 * usize::from(title.binary_search(t).is_ok());
            }
        }
        let best = df
            .iter()
            .filter(|(t, (n, _))| {
                *n >= MIN_THEME
                    && *n <= too_common
                    && !t.split(' ').any(|w| own_names.iter().any(|o| o == w))
            })
            .max_by(|(a, (_, sa)), (b, (_, sb))| {
                sa.cmp(sb)
                    .then_with(|| a.contains(' ').cmp(&b.contains(' ')))
                    .then_with(|| b.cmp(a))
            })
            .map(|(t, (n, _))| (t.to_string(), *n));
        let Some((mut term, n)) = best else { break };
        // A word most of whose conversations share one phrase with it is that phrase: "mode"
        // in "dark mode" and "watch mode" is two themes, not one.
        if !term.contains(' ') {
            let phrase = df
                .iter()
                .filter(|(p, (pn, _))| {
                    p.contains(' ')
                        && p.split(' ').any(|w| w == term)
                        && *pn >= MIN_THEME
                        && 3 * *pn >= n
                })
                .max_by(|(a, (na, _)), (b, (nb, _))| na.cmp(nb).then_with(|| b.cmp(a)));
            if let Some((p, _)) = phrase {
                term = p.to_string();
            }
        }
        let (with, without): (Vec<_>, Vec<_>) = left
            .into_iter()
            .partition(|(_, terms, _)| terms.binary_search(&term).is_ok());
        found.push(Found {
            term,
            conversations: with.iter().map(|(id, _, _)| *id).collect(),
        });
        left = without;
    }
    found
}

/// The theme a conversation with `terms` joins: the one sharing the most of its defining
/// terms (the bigger on a tie), if any.
fn best_theme(terms: &[String], themes: &[(i64, Vec<String>, i64)]) -> Option<i64> {
    themes
        .iter()
        .map(|(id, defining, size)| {
            let shared = defining
                .iter()
                .filter(|t| terms.binary_search(t).is_ok())
                .count();
            (shared, *size, *id)
        })
        .filter(|(shared, _, _)| *shared > 0)
        .max()
        .map(|(_, _, id)| id)
}

fn kind_of(tags: &str) -> &'static str {
    let has = |t: &str| tags.split('\u{1f}').any(|x| x.eq_ignore_ascii_case(t));
    if has("bug") {
        "bug"
    } else if has("feature request") {
        "feature request"
    } else if has("praise") {
        "praise"
    } else if has("question") {
        "question"
    } else {
        "feedback"
    }
}

impl Store {
    /// Brings the themes up to date with the feedback: only the conversations whose feedback
    /// tags changed since the last time (`feedback_dirty`, marked by triggers in whichever
    /// process changed them) are read. One no longer tagged leaves; a new one is read and joins
    /// the theme it shares a term with, and themes are found among those left. A person's
    /// names, merges, splits and moves stay. One transaction; nothing to do costs one query.
    pub fn refresh_themes(&mut self, now: Millis) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let dirty: Vec<i64> = tx
            .prepare("SELECT conversation_id FROM feedback_dirty ORDER BY conversation_id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if dirty.is_empty() {
            return Ok(());
        }
        {
            let tagged = FEEDBACK_TAGS
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", ");
            // (is it feedback, what kind, is it held already)
            let mut state = tx.prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
                                WHERE ct.conversation_id = ?1 AND t.name IN ({tagged})),
                        coalesce((SELECT group_concat(t.name, char(31)) FROM conversation_tags ct
                                  JOIN tags t ON t.id = ct.tag_id
                                  WHERE ct.conversation_id = ?1), ''),
                        EXISTS (SELECT 1 FROM feedback_items WHERE conversation_id = ?1)"
            ))?;
            let mut read = tx.prepare_cached(
                "SELECT coalesce(c.title, ''), coalesce(f.body_text, ''),
                        coalesce(f.created_at, c.created_at),
                        iif(id.external_id = ?2, NULL, f.author_identity_id),
                        iif(id.external_id = ?2, NULL, id.member_id)
                 FROM conversations c
                 LEFT JOIN messages f ON f.id = (SELECT m.id FROM messages m
                     WHERE m.conversation_id = c.id ORDER BY m.created_at, m.id LIMIT 1)
                 LEFT JOIN identities id ON id.id = f.author_identity_id
                 WHERE c.id = ?1",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO feedback_items
                     (conversation_id, terms, title_terms, opened_at, identity_id, member_id, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut set_kind = tx.prepare_cached(
                "UPDATE feedback_items SET kind = ?2 WHERE conversation_id = ?1 AND kind <> ?2",
            )?;
            let mut remove =
                tx.prepare_cached("DELETE FROM feedback_items WHERE conversation_id = ?1")?;
            for id in dirty {
                let (feedback, tags, held): (bool, String, bool) =
                    state.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                let kind = kind_of(&tags);
                match (feedback, held) {
                    (false, true) => {
                        remove.execute([id])?;
                    }
                    (true, true) => {
                        set_kind.execute(params![id, kind])?;
                    }
                    (true, false) => {
                        // (title, opening text, opened, by which account, which member)
                        type Opening = (String, String, Millis, Option<i64>, Option<i64>);
                        // a forgotten person's "Deleted member" raised nothing
                        let opening: Option<Opening> = read
                            .query_row(params![id, DELETED_EXTERNAL_ID], |r| {
                                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                            })
                            .optional()?;
                        if let Some((title, text, opened, by, member)) = opening {
                            insert.execute(params![
                                id,
                                json_terms(&terms::of(&title, &text)),
                                json_terms(&terms::of(&title, "")),
                                opened,
                                by,
                                member,
                                kind
                            ])?;
                        }
                    }
                    (false, false) => {}
                }
            }
        }
        // read, all of it (removing an item above marked it again)
        tx.execute("DELETE FROM feedback_dirty", [])?;
        // the themes as they stand, and the feedback none holds
        let themes: Vec<(i64, Vec<String>, i64)> = tx
            .prepare(
                "SELECT t.id, t.terms, (SELECT count(*) FROM feedback_items i WHERE i.theme_id = t.id)
                 FROM feedback_themes t",
            )?
            .query_map([], |r| {
                Ok((r.get(0)?, read_terms(&r.get::<_, String>(1)?), r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let loose: Vec<Terms> = tx
            .prepare(
                "SELECT conversation_id, terms, title_terms FROM feedback_items
                 WHERE theme_id IS NULL AND by_hand = 0 ORDER BY conversation_id",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    read_terms(&r.get::<_, String>(1)?),
                    read_terms(&r.get::<_, String>(2)?),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let total: i64 = tx.query_row("SELECT count(*) FROM feedback_items", [], |r| r.get(0))?;
        let mut still_loose = Vec::new();
        {
            let mut join =
                tx.prepare("UPDATE feedback_items SET theme_id = ?2 WHERE conversation_id = ?1")?;
            for (id, terms, title) in loose {
                match best_theme(&terms, &themes) {
                    Some(theme) => {
                        join.execute(params![id, theme])?;
                    }
                    None => still_loose.push((id, terms, title)),
                }
            }
            // the community's own name (in its accounts' names) is no theme
            let own: Vec<String> = tx
                .prepare("SELECT name FROM accounts")?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .iter()
                .flat_map(|n| terms::of(n, ""))
                .filter(|t| !t.contains(' '))
                .collect();
            for found in discover(&still_loose, total as usize, &own) {
                tx.execute(
                    "INSERT INTO feedback_themes (name, terms, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?3)",
                    params![
                        name_of(&found.term),
                        json_terms(std::slice::from_ref(&found.term)),
                        now
                    ],
                )?;
                let theme = tx.last_insert_rowid();
                for id in found.conversations {
                    join.execute(params![id, theme])?;
                }
            }
        }
        // a theme left empty goes, unless a person named it
        tx.execute(
            "DELETE FROM feedback_themes WHERE named_by_hand = 0
               AND id NOT IN (SELECT theme_id FROM feedback_items WHERE theme_id IS NOT NULL)",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every theme, biggest first, with its counts, trend and members as of `now`.
    pub fn feedback_themes(&self, now: Millis) -> Result<FeedbackOverview> {
        let conn = self.conn();
        let mut themes = themes_of(conn, None, now)?;
        themes.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.latest_at.cmp(&a.latest_at))
                .then(a.id.cmp(&b.id))
        });
        let (total, unthemed): (i64, i64) = conn.query_row(
            "SELECT count(*), count(*) FILTER (WHERE theme_id IS NULL) FROM feedback_items",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(FeedbackOverview {
            themes,
            total,
            unthemed,
        })
    }

    /// One theme with its conversations, newest first, and the terms it could be split by.
    pub fn feedback_theme(&self, id: i64, now: Millis) -> Result<FeedbackThemeDetail> {
        let conn = self.conn();
        let theme = theme_of(conn, id, now)?;
        let items = items_of(conn, id)?;
        let mut counts: HashMap<String, i64> = HashMap::new();
        let all_terms: Vec<Vec<String>> = conn
            .prepare("SELECT terms FROM feedback_items WHERE theme_id = ?1")?
            .query_map([id], |r| Ok(read_terms(&r.get::<_, String>(0)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for terms in &all_terms {
            for t in terms {
                *counts.entry(t.clone()).or_default() += 1;
            }
        }
        let n = all_terms.len() as i64;
        let mut split: Vec<TermCount> = counts
            .into_iter()
            .filter(|(t, c)| *c < n && !theme.terms.contains(t))
            .map(|(term, count)| TermCount { term, count })
            .collect();
        split.sort_by(|a, b| b.count.cmp(&a.count).then(a.term.cmp(&b.term)));
        split.truncate(SPLIT_TERMS);
        Ok(FeedbackThemeDetail {
            theme,
            items,
            split_terms: split,
        })
    }

    /// Renames a theme; the grouping never renames it again.
    pub fn rename_theme(&mut self, id: i64, name: &str, now: Millis) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("a theme needs a name"));
        }
        let n = self.conn().execute(
            "UPDATE feedback_themes SET name = ?2, named_by_hand = 1, updated_at = ?3 WHERE id = ?1",
            params![id, name, now],
        )?;
        if n == 0 {
            return Err(Error::not_found("feedback theme", id));
        }
        Ok(())
    }

    /// Merges theme `absorb` into `keep`: its conversations and its terms (so feedback like it
    /// joins `keep` from now on). `keep` keeps its name.
    pub fn merge_themes(&mut self, keep: i64, absorb: i64, now: Millis) -> Result<()> {
        if keep == absorb {
            return Err(Error::invalid("a theme cannot be merged into itself"));
        }
        let tx = self.conn_mut().transaction()?;
        let terms = |id: i64| -> Result<Vec<String>> {
            tx.query_row(
                "SELECT terms FROM feedback_themes WHERE id = ?1",
                [id],
                |r| Ok(read_terms(&r.get::<_, String>(0)?)),
            )
            .optional()?
            .ok_or_else(|| Error::not_found("feedback theme", id))
        };
        let mut kept = terms(keep)?;
        for t in terms(absorb)? {
            if !kept.contains(&t) {
                kept.push(t);
            }
        }
        tx.execute(
            "UPDATE feedback_items SET theme_id = ?1 WHERE theme_id = ?2",
            params![keep, absorb],
        )?;
        tx.execute("DELETE FROM feedback_themes WHERE id = ?1", [absorb])?;
        tx.execute(
            "UPDATE feedback_themes SET terms = ?2, updated_at = ?3 WHERE id = ?1",
            params![keep, json_terms(&kept), now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Splits the conversations of theme `id` that have `term` into a theme of their own,
    /// named by the term and defined by it; the rest stay. Returns the new theme's id.
    pub fn split_theme(&mut self, id: i64, term: &str, now: Millis) -> Result<i64> {
        let term = terms::normalise(term);
        let tx = self.conn_mut().transaction()?;
        let own: Vec<String> = tx
            .query_row(
                "SELECT terms FROM feedback_themes WHERE id = ?1",
                [id],
                |r| Ok(read_terms(&r.get::<_, String>(0)?)),
            )
            .optional()?
            .ok_or_else(|| Error::not_found("feedback theme", id))?;
        let items: Vec<(i64, Vec<String>)> = tx
            .prepare("SELECT conversation_id, terms FROM feedback_items WHERE theme_id = ?1")?
            .query_map([id], |r| {
                Ok((r.get(0)?, read_terms(&r.get::<_, String>(1)?)))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let moving: Vec<i64> = items
            .iter()
            .filter(|(_, t)| t.binary_search(&term).is_ok())
            .map(|(id, _)| *id)
            .collect();
        if moving.is_empty() {
            return Err(Error::invalid(format!(
                "no conversation in this theme has “{term}”"
            )));
        }
        if moving.len() == items.len() {
            return Err(Error::invalid(format!(
                "every conversation in this theme has “{term}”: rename it instead"
            )));
        }
        tx.execute(
            "INSERT INTO feedback_themes (name, terms, named_by_hand, created_at, updated_at)
             VALUES (?1, ?2, 1, ?3, ?3)",
            params![name_of(&term), json_terms(std::slice::from_ref(&term)), now],
        )?;
        let new = tx.last_insert_rowid();
        {
            let mut set = tx.prepare(
                "UPDATE feedback_items SET theme_id = ?2, by_hand = 1 WHERE conversation_id = ?1",
            )?;
            for c in &moving {
                set.execute(params![c, new])?;
            }
        }
        let rest: Vec<String> = own.into_iter().filter(|t| *t != term).collect();
        tx.execute(
            "UPDATE feedback_themes SET terms = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, json_terms(&rest), now],
        )?;
        tx.commit()?;
        Ok(new)
    }

    /// Puts a feedback conversation in theme `theme` (or in none) by hand: the grouping never
    /// moves it again.
    pub fn move_to_theme(&mut self, conversation: i64, theme: Option<i64>) -> Result<()> {
        if let Some(t) = theme {
            let exists: bool = self.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM feedback_themes WHERE id = ?1)",
                [t],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(Error::not_found("feedback theme", t));
            }
        }
        let n = self.conn().execute(
            "UPDATE feedback_items SET theme_id = ?2, by_hand = 1 WHERE conversation_id = ?1",
            params![conversation, theme],
        )?;
        if n == 0 {
            return Err(Error::invalid(format!(
                "conversation {conversation} is not tagged as feedback (feedback, bug, feature request or praise)"
            )));
        }
        Ok(())
    }

    /// A theme as Markdown for a product team: what it is, how often and how lately it comes
    /// up, who raised it, and each conversation with its link.
    pub fn theme_markdown(&self, id: i64, now: Millis) -> Result<String> {
        let d = self.feedback_theme(id, now)?;
        let t = &d.theme;
        let mut md = String::new();
        let _ = writeln!(md, "# {}\n", md_text(&t.name));
        let _ = writeln!(
            md,
            "{} conversations from {} members ({}). {} in the last 30 days, {} in the 30 before.\n",
            t.count,
            t.member_count,
            kinds_words(t),
            t.last_30_days,
            t.previous_30_days
        );
        let _ = writeln!(md, "Shared terms: {}.\n", t.terms.join(", "));
        let _ = writeln!(
            md,
            "Per week, the last {TREND_WEEKS} weeks: {}.\n",
            t.weeks
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" · ")
        );
        let _ = writeln!(md, "## Conversations\n");
        for i in &d.items {
            let title = md_text(&i.title);
            let head = match &i.url {
                Some(u) if u.starts_with("http") => format!("[{title}]({u})"),
                _ => title,
            };
            let _ = writeln!(
                md,
                "- **{head}** — {} on {}, {} ({})\n  > {}",
                md_text(&i.author),
                i.platform.label(),
                crate::when::utc_date(i.opened_at),
                i.kind,
                md_text(&i.excerpt)
            );
        }
        if !t.members.is_empty() {
            let _ = writeln!(md, "\n## Members behind it\n");
            for m in &t.members {
                let _ = writeln!(md, "- {} ({})", md_text(&m.name), m.conversations);
            }
        }
        let _ = writeln!(
            md,
            "\n_Exported from Hearth on {}._",
            crate::when::utc_date(now)
        );
        Ok(md)
    }

    /// A theme's conversations as CSV (one row each), for a spreadsheet.
    pub fn theme_csv(&self, id: i64, now: Millis) -> Result<String> {
        let d = self.feedback_theme(id, now)?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let row = |w: &mut csv::Writer<Vec<u8>>, cells: [String; 9]| {
            w.write_record(cells.map(crate::text::spreadsheet_cell))
                .map_err(|e| Error::invalid(format!("cannot write the CSV: {e}")))
        };
        row(
            &mut w,
            [
                "theme",
                "conversation",
                "opened",
                "kind",
                "platform",
                "author",
                "title",
                "url",
                "excerpt",
            ]
            .map(String::from),
        )?;
        for i in &d.items {
            row(
                &mut w,
                [
                    d.theme.name.clone(),
                    i.conversation_id.to_string(),
                    crate::when::utc_date(i.opened_at),
                    i.kind.clone(),
                    i.platform.label().to_string(),
                    i.author.clone(),
                    i.title.clone(),
                    i.url.clone().unwrap_or_default(),
                    i.excerpt.clone(),
                ],
            )?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::invalid(format!("cannot write the CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| Error::invalid(format!("cannot write the CSV: {e}")))
    }

    /// Writes a theme to `path` as Markdown (`.md`) or CSV (`.csv`), whole or not at all.
    pub fn export_theme(&self, id: i64, path: &Path, now: Millis) -> Result<()> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let text = match ext.as_deref() {
            Some("md" | "markdown") => self.theme_markdown(id, now)?,
            Some("csv") => self.theme_csv(id, now)?,
            _ => {
                return Err(Error::invalid(
                    "a theme is exported as Markdown (a name ending in .md) or CSV (.csv)",
                ))
            }
        };
        crate::files::write_whole(path, |w| {
            w.write_all(text.as_bytes()).map_err(|source| Error::Io {
                context: format!("cannot write {}", path.display()),
                source,
            })
        })
    }

    /// Queues a GitHub issue about the theme (its Markdown) on GitHub account `account_id`, or
    /// the only GitHub account; it is opened on the next sync or outbox flush, exactly once.
    pub fn open_theme_issue(
        &mut self,
        id: i64,
        account_id: Option<i64>,
        now: Millis,
    ) -> Result<OutboxItem> {
        let accounts: Vec<(i64, bool)> = self
            .conn()
            .prepare("SELECT id, demo FROM accounts WHERE platform = 'github' ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let account = match account_id {
            Some(a) => a,
            None => match accounts.as_slice() {
                [(a, _)] => *a,
                [] => {
                    return Err(Error::invalid(
                        "connect a GitHub account (Settings → Accounts) to open an issue",
                    ))
                }
                _ => {
                    return Err(Error::invalid(
                        "there are several GitHub accounts: say which one to open the issue on",
                    ))
                }
            },
        };
        if self.account(account)?.platform != Platform::Github {
            return Err(Error::invalid(format!(
                "account {account} is not a GitHub account"
            )));
        }
        let body = self.theme_markdown(id, now)?;
        let name: String = self.conn().query_row(
            "SELECT name FROM feedback_themes WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        self.queue_post(account, &body, Some(&format!("Feedback: {name}")), now)
    }
}

/// "4 bugs, 2 feature requests, 1 praise".
fn kinds_words(t: &FeedbackTheme) -> String {
    let parts: Vec<String> = [
        (t.bugs, "bug", "bugs"),
        (t.requests, "feature request", "feature requests"),
        (t.praise, "praise", "praise"),
        (t.questions, "question", "questions"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    if parts.is_empty() {
        "general feedback".into()
    } else {
        parts.join(", ")
    }
}

/// Text safe inside Markdown: no markup, links or HTML from a member's words.
fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::text::shorten(s, 500).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '(' | ')'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn theme_of(conn: &Connection, id: i64, now: Millis) -> Result<FeedbackTheme> {
    themes_of(conn, Some(id), now)?
        .pop()
        .ok_or_else(|| Error::not_found("feedback theme", id))
}

/// Every theme (or only `only`) with its figures: one pass over the feedback and its tags, one
/// over who raised it, however many themes there are.
fn themes_of(conn: &Connection, only: Option<i64>, now: Millis) -> Result<Vec<FeedbackTheme>> {
    let mut themes: BTreeMap<i64, FeedbackTheme> = BTreeMap::new();
    let mut read = conn.prepare_cached(
        "SELECT id, name, terms, named_by_hand FROM feedback_themes WHERE ?1 IS NULL OR id = ?1",
    )?;
    let mut rows = read.query([only])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        themes.insert(
            id,
            FeedbackTheme {
                id,
                name: r.get(1)?,
                terms: read_terms(&r.get::<_, String>(2)?),
                named_by_hand: r.get(3)?,
                count: 0,
                bugs: 0,
                requests: 0,
                praise: 0,
                questions: 0,
                last_30_days: 0,
                previous_30_days: 0,
                weeks: vec![0; TREND_WEEKS],
                members: Vec::new(),
                member_count: 0,
                latest_at: 0,
            },
        );
    }
    // each conversation once: its theme, when it was opened, and its kind
    let mut read = conn.prepare_cached(
        "SELECT theme_id, opened_at, kind FROM feedback_items
         WHERE theme_id IS NOT NULL AND (?1 IS NULL OR theme_id = ?1)",
    )?;
    let mut rows = read.query([only])?;
    while let Some(r) = rows.next()? {
        let Some(t) = themes.get_mut(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let at: Millis = r.get(1)?;
        t.count += 1;
        match r.get_ref(2)?.as_str().unwrap_or("") {
            "bug" => t.bugs += 1,
            "feature request" => t.requests += 1,
            "praise" => t.praise += 1,
            "question" => t.questions += 1,
            _ => {}
        }
        let age = now - at;
        if (0..30 * DAY).contains(&age) {
            t.last_30_days += 1;
        } else if (30 * DAY..60 * DAY).contains(&age) {
            t.previous_30_days += 1;
        }
        if let Ok(w) = usize::try_from(age / WEEK) {
            if age >= 0 && w < TREND_WEEKS {
                t.weeks[TREND_WEEKS - 1 - w] += 1;
            }
        }
        t.latest_at = t.latest_at.max(at);
    }
    // who raised it: the people who opened its conversations, the team and the community's
    // own accounts left out; one pass over the index, names read only for those shown
    let mut read = conn.prepare_cached(
        "SELECT theme_id, member_id, count(*) FROM feedback_items
         WHERE theme_id IS NOT NULL AND (?1 IS NULL OR theme_id = ?1) AND member_id IS NOT NULL
           AND member_id NOT IN (SELECT id FROM members WHERE is_team = 1)
           AND identity_id NOT IN (SELECT id.id FROM accounts a JOIN identities id
               ON id.platform = a.platform AND id.account_id = a.id
              AND id.external_id = a.self_external_id)
         GROUP BY theme_id, member_id",
    )?;
    let mut raised: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    let mut rows = read.query([only])?;
    while let Some(r) = rows.next()? {
        raised
            .entry(r.get(0)?)
            .or_default()
            .push((r.get(1)?, r.get(2)?));
    }
    let mut name = conn.prepare_cached("SELECT display_name FROM members WHERE id = ?1")?;
    for (theme, mut people) in raised {
        let Some(t) = themes.get_mut(&theme) else {
            continue;
        };
        t.member_count = people.len() as i64;
        // the most conversations first; among equals, the first to join the community
        people.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        people.truncate(MEMBERS_SHOWN);
        for (member_id, conversations) in people {
            if let Some(name) = name.query_row([member_id], |r| r.get(0)).optional()? {
                t.members.push(ThemeMember {
                    member_id,
                    name,
                    conversations,
                });
            }
        }
    }
    Ok(themes.into_values().collect())
}

fn items_of(conn: &Connection, theme: i64) -> Result<Vec<ThemeItem>> {
    let mut items: Vec<ThemeItem> = conn
        .prepare_cached(
            "SELECT c.id, coalesce(c.title, ''), c.platform,
                    coalesce((SELECT group_concat(t.name, char(31)) FROM conversation_tags ct
                              JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id = c.id), ''),
                    coalesce(mm.display_name, id.display_name, id.handle, ''), mm.id,
                    coalesce(f.created_at, c.created_at), coalesce(f.url, c.url),
                    coalesce(f.body_text, ''), i.by_hand
             FROM feedback_items i
             JOIN conversations c ON c.id = i.conversation_id
             LEFT JOIN messages f ON f.id = (SELECT m.id FROM messages m
                 WHERE m.conversation_id = c.id ORDER BY m.created_at, m.id LIMIT 1)
             LEFT JOIN identities id ON id.id = f.author_identity_id
             LEFT JOIN members mm ON mm.id = id.member_id
             WHERE i.theme_id = ?1",
        )?
        .query_map([theme], |r| {
            let tags: String = r.get(3)?;
            Ok(ThemeItem {
                conversation_id: r.get(0)?,
                title: r.get(1)?,
                platform: platform_col(r, 2)?,
                kind: kind_of(&tags).to_string(),
                author: r.get(4)?,
                member_id: r.get(5)?,
                opened_at: r.get(6)?,
                url: r.get(7)?,
                excerpt: crate::text::shorten(&r.get::<_, String>(8)?, 280),
                by_hand: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    items.sort_by(|a, b| {
        b.opened_at
            .cmp(&a.opened_at)
            .then(b.conversation_id.cmp(&a.conversation_id))
    });
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, text: &str) -> Terms {
        (id, terms::of(text, ""), terms::of(text, ""))
    }

    #[test]
    fn the_term_most_share_makes_a_theme_again_and_again() {
        let items = vec![
            item(1, "Please add a dark mode toggle"),
            item(2, "Dark mode for the docs theme?"),
            item(3, "Any plans for dark mode"),
            item(4, "Search is slow on big sites"),
            item(5, "The search index takes minutes"),
            item(6, "Search results miss pages"),
            item(7, "Love the new release"),
        ];
        let found = discover(&items, items.len() * 3, &[]);
        let got: Vec<(&str, &[i64])> = found
            .iter()
            .map(|f| (f.term.as_str(), f.conversations.as_slice()))
            .collect();
        assert_eq!(
            got,
            [("dark mode", &[1, 2, 3][..]), ("search", &[4, 5, 6][..])]
        );
        // a term much feedback shares says nothing: "lumen" is in 30 of 40
        let mut many: Vec<Terms> = (100..130)
            .map(|i| item(i, &format!("Lumen release {i}")))
            .collect();
        many.extend((200..210).map(|i| item(i, &format!("Sitemap {i}"))));
        let found = discover(&many, many.len(), &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].term, "sitemap");
    }

    #[test]
    fn new_feedback_joins_the_theme_it_shares_most_with() {
        let themes = vec![
            (1, vec!["dark mode".to_string()], 5),
            (2, vec!["search".to_string(), "index".to_string()], 3),
        ];
        let t = |s: &str| terms::of(s, "");
        assert_eq!(best_theme(&t("dark mode breaks search"), &themes), Some(1));
        assert_eq!(best_theme(&t("search index is stale"), &themes), Some(2));
        assert_eq!(best_theme(&t("Windows paths"), &themes), None);
    }

    #[test]
    fn markdown_from_members_stays_text() {
        assert_eq!(
            md_text("[click](javascript:alert(1)) <b>x</b> # not a heading"),
            "\\[click\\]\\(javascript:alert\\(1\\)\\) \\<b\\>x\\</b\\> \\# not a heading"
        );
    }
}
