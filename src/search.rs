//! Full-text search over messages and notes (SQLite FTS5). Owns: reading what someone typed
//! (words, and filter words such as `on:github` or `from:ana`) into a safe FTS query and
//! filters, ranking by relevance and recency, and snippets with plain-text match markers.
//! Must never: return HTML (snippets are text; `\u{2}`/`\u{3}` mark the matched words), or
//! score every match of a common word (see [`CANDIDATES`]).

use std::borrow::Cow;

use chrono::{Local, NaiveDate, TimeZone};
use rusqlite::{params_from_iter, types::Value};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::Result;
use crate::model::{HitKind, Millis, Platform, SearchHit, SearchResults, Status};
use crate::store::{platform_col, Store};

/// Start and end markers around matched words in snippets.
pub const MARK_START: char = '\u{2}';
pub const MARK_END: char = '\u{3}';

/// How many matches, newest first, are ranked. Reading a common word's matches newest first
/// stops here instead of scoring all of them (a word in a third of a million messages took
/// 640 ms to rank in full); a rarer word or a filter has fewer matches, all of them ranked.
pub const CANDIDATES: u32 = 1000;

const DAY: f64 = 86_400_000.0;

/// The shortest last word read as the start of a longer one. FTS5 merges every word that
/// starts with a prefix before it returns the first match: "th" is "the", "that", "this",
/// "thanks"… (160 ms at a million messages), "a" is worse; from three letters it is cheap.
const PREFIX_FROM: usize = 3;

/// Every word must match; the last one also as a prefix (search as you type) once it has
/// [`PREFIX_FROM`] letters. Quoting each word means FTS operators typed by a person (`NOT`,
/// `*`, `"`, `:`) are plain words.
pub fn fts_query(input: &str) -> Option<String> {
    let words = words(input);
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let w = w.replace('"', "");
                if i == last && w.chars().count() >= PREFIX_FROM {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The words as one phrase, the last as a prefix as in [`fts_query`]; `None` for a single word.
fn phrase_query(input: &str) -> Option<String> {
    let words = words(input);
    let prefix = words.last()?.chars().count() >= PREFIX_FROM;
    (words.len() > 1).then(|| {
        let joined: Vec<String> = words.iter().map(|w| w.replace('"', "")).collect();
        format!("\"{}\"{}", joined.join(" "), if prefix { "*" } else { "" })
    })
}

fn words(input: &str) -> Vec<&str> {
    input
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '\'')
        .filter(|w| !w.is_empty())
        .collect()
}

/// A word folded the way the index folds it: lowercase, accents dropped (`unicode61
/// remove_diacritics 2`), other scripts kept as they are.
fn fold(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Cow::Borrowed(word);
    }
    if word.is_ascii() {
        return Cow::Owned(word.to_ascii_lowercase());
    }
    Cow::Owned(
        word.nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

/// The words of a text as the index splits them (letters and digits), each with where it is.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// The query's words, folded; the last one matches as a prefix.
struct Wanted(Vec<String>);

impl Wanted {
    fn new(query: &str) -> Self {
        Wanted(tokens(query).map(|(_, w)| fold(w).into_owned()).collect())
    }

    /// Which query word this (folded) word is, if any.
    fn which(&self, word: &str) -> Option<usize> {
        let last = self.0.len().checked_sub(1)?;
        self.0.iter().position(|w| w == word).or_else(|| {
            let start = self.0[last].as_str();
            (start.chars().count() >= PREFIX_FROM && word.starts_with(start)).then_some(last)
        })
    }
}

/// The filters a query asked for with `key:value` words.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Filters {
    pub platform: Option<Platform>,
    /// A channel, room, category or repository, without its `#`, lowercase.
    pub channel: Option<String>,
    /// A member's name or handle, as typed.
    pub from: Option<String>,
    /// Only messages written at or after this time.
    pub after: Option<Millis>,
    /// Only messages written before this time.
    pub before: Option<Millis>,
    pub status: Option<Status>,
}

impl Filters {
    fn any(&self) -> bool {
        *self != Filters::default()
    }
}

/// The filter words a search understands, for help texts.
pub const FILTER_WORDS: &str = "on:PLATFORM  in:CHANNEL  from:NAME  is:open|waiting|snoozed|done  \
                                after:DATE  before:DATE (2026-10-01, today, yesterday, 7d, 2w)";

/// Splits typed text into the words to search for and the filters. A filter word with no value
/// yet (`from:` while typing) is ignored; one whose value cannot be read is an error in words.
pub fn parse_query(input: &str, now: Millis) -> std::result::Result<(String, Filters), String> {
    let mut text = Vec::new();
    let mut filters = Filters::default();
    let mut rest = input.trim_start();
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        let filter = token.split_once(':').and_then(|(key, _)| {
            let key = key.to_ascii_lowercase();
            [
                "on", "platform", "in", "from", "is", "status", "after", "since", "before", "until",
            ]
            .contains(&key.as_str())
            .then_some(key)
        });
        let Some(key) = filter else {
            text.push(token);
            rest = rest[end..].trim_start();
            continue;
        };
        // the value: up to the next space, or a quoted run of words
        let after_colon = &rest[key.len() + 1..];
        let (value, used) = match after_colon.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(close) => (&quoted[..close], key.len() + 1 + close + 2),
                None => (quoted, rest.len()),
            },
            None => {
                let v_end = after_colon
                    .find(char::is_whitespace)
                    .unwrap_or(after_colon.len());
                (&after_colon[..v_end], key.len() + 1 + v_end)
            }
        };
        rest = rest[used.min(rest.len())..].trim_start();
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "on" | "platform" => {
                filters.platform = Some(value.parse::<Platform>().map_err(|_| {
                    let names: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
                    format!(
                        "“{key}:{value}”: not a platform (one of {})",
                        names.join(", ")
                    )
                })?)
            }
            "in" => filters.channel = Some(value.trim_start_matches('#').to_lowercase()),
            "from" => filters.from = Some(value.to_owned()),
            "is" | "status" => {
                filters.status = Some(value.parse::<Status>().map_err(|_| {
                    format!("“{key}:{value}”: a status is open, waiting, snoozed or done")
                })?)
            }
            "after" | "since" => filters.after = Some(past_time(&key, value, now)?),
            _ => filters.before = Some(past_time(&key, value, now)?),
        }
    }
    Ok((text.join(" "), filters))
}

/// A day (`2026-10-01`, `today`, `yesterday`: its start in this computer's time zone) or an
/// amount of time ago (`7d`, `2w`, `12h`).
fn past_time(key: &str, value: &str, now: Millis) -> std::result::Result<Millis, String> {
    let wrong = || {
        format!(
            "“{key}:{value}”: a date is written 2026-10-01, today, yesterday, or an amount of \
             time ago such as 7d, 2w or 12h"
        )
    };
    let start_of = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| Local.from_local_datetime(&t).earliest())
            .map(|t| t.timestamp_millis())
    };
    let today = Local
        .timestamp_millis_opt(now)
        .single()
        .map(|t| t.date_naive())
        .ok_or_else(wrong)?;
    let lower = value.to_ascii_lowercase();
    let day = match lower.as_str() {
        "today" => Some(today),
        "yesterday" => today.pred_opt(),
        _ => NaiveDate::parse_from_str(value, "%Y-%m-%d").ok(),
    };
    if let Some(day) = day {
        return start_of(day).ok_or_else(wrong);
    }
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(wrong)?;
    let (n, unit) = lower.split_at(split);
    let n: i64 = n.parse().map_err(|_| wrong())?;
    let per: i64 = match unit {
        "h" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        "w" | "week" | "weeks" => 7 * 86_400_000,
        _ => return Err(wrong()),
    };
    n.checked_mul(per)
        .and_then(|ago| now.checked_sub(ago))
        .ok_or_else(wrong)
}

fn day_words(t: Millis) -> String {
    Local
        .timestamp_millis_opt(t)
        .single()
        .map(|t| t.format("%-d %b %Y").to_string())
        .unwrap_or_default()
}

/// One message that matched, with what ranking needs.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub created_at: Millis,
    pub body: String,
    pub title: String,
}

/// Orders candidates best first. Each scores, out of about 2.6:
/// - relevance: BM25's term-frequency part (a word said more often, in a shorter message,
///   scores higher), scaled so the best candidate has 1. BM25's word rarity is left out: every
///   candidate holds every word, so it cannot tell them apart, and FTS5's `bm25()` would read
///   every match of a common word to work it out;
/// - +0.6 when a message holds the query's words as a phrase, in order;
/// - +0.5 when the conversation's title holds every word (the thread is about it);
/// - recency: +0.5 today, halving every 30 days, so a fresh answer beats an old one of the same
///   quality but a much better old one still wins.
///
/// Ties go to the newer message.
pub fn rank(candidates: &mut Vec<Candidate>, query: &str, now: Millis) {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let wanted = Wanted::new(query);
    let n = wanted.0.len();
    struct Facts {
        tf: Vec<f64>,
        len: f64,
        phrase: bool,
        in_title: bool,
    }
    let facts: Vec<Facts> = candidates
        .iter()
        .map(|c| {
            let mut tf = vec![0.0; n];
            let mut len = 0.0;
            let mut run = 0;
            let mut phrase = false;
            for (_, w) in tokens(&c.body) {
                len += 1.0;
                let hit = wanted.which(&fold(w));
                if let Some(i) = hit {
                    tf[i] += 1.0;
                }
                run = if hit == Some(run) {
                    run + 1
                } else {
                    usize::from(hit == Some(0))
                };
                if n > 1 && run == n {
                    phrase = true;
                    run = 0;
                }
            }
            let mut seen = vec![false; n];
            for (_, w) in tokens(&c.title) {
                if let Some(i) = wanted.which(&fold(w)) {
                    seen[i] = true;
                }
            }
            Facts {
                tf,
                len,
                phrase,
                in_title: n > 0 && seen.iter().all(|s| *s),
            }
        })
        .collect();
    let avg = (facts.iter().map(|f| f.len).sum::<f64>() / facts.len().max(1) as f64).max(1.0);
    let relevance: Vec<f64> = facts
        .iter()
        .map(|f| {
            f.tf.iter()
                .map(|tf| tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * f.len / avg)))
                .sum()
        })
        .collect();
    let best = relevance.iter().copied().fold(f64::MIN_POSITIVE, f64::max);
    let mut scored: Vec<(f64, Candidate)> = candidates
        .drain(..)
        .zip(facts.iter().zip(&relevance))
        .map(|(c, (f, r))| {
            let age_days = ((now - c.created_at) as f64 / DAY).max(0.0);
            let score = r / best
                + if f.phrase { 0.6 } else { 0.0 }
                + if f.in_title { 0.5 } else { 0.0 }
                + 0.5 * 0.5f64.powf(age_days / 30.0);
            (score, c)
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.created_at.cmp(&a.1.created_at))
    });
    candidates.extend(scored.into_iter().map(|(_, c)| c));
}

/// About sixteen words of `body` around its best run of matches, the matched words between
/// [`MARK_START`] and [`MARK_END`], "…" where text was cut.
pub fn snippet(body: &str, query: &str) -> String {
    const WORDS: usize = 16;
    let wanted = Wanted::new(query);
    let toks: Vec<(usize, &str, bool)> = tokens(body)
        .map(|(at, w)| (at, w, wanted.which(&fold(w)).is_some()))
        .collect();
    // the window with the most matches, starting a few words before one
    let first = (0..toks.len())
        .filter(|&i| toks[i].2)
        .max_by_key(|&i| {
            let from = i.saturating_sub(3);
            let count = toks[from..(from + WORDS).min(toks.len())]
                .iter()
                .filter(|t| t.2)
                .count();
            (count, std::cmp::Reverse(i))
        })
        .unwrap_or(0);
    let from = first.saturating_sub(3);
    let to = (from + WORDS).min(toks.len());
    if toks.is_empty() {
        return body.chars().take(120).collect();
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = toks[from].0;
    for &(start, word, hit) in &toks[from..to] {
        out.push_str(&body[at..start]);
        if hit {
            out.push(MARK_START);
            out.push_str(word);
            out.push(MARK_END);
        } else {
            out.push_str(word);
        }
        at = start + word.len();
    }
    if to < toks.len() {
        out.push('…');
    } else {
        out.push_str(&body[at..]);
    }
    out
}

impl Store {
    /// Searches messages and notes. Notes (the team's own words, best match first) come first
    /// when no filter is set; then messages, ranked by [`rank`] among the newest
    /// [`CANDIDATES`] matches that pass the filters.
    pub fn search(&self, input: &str, limit: u32, now: Millis) -> Result<SearchResults> {
        let (text, filters) = match parse_query(input, now) {
            Ok(parsed) => parsed,
            Err(problem) => {
                return Ok(SearchResults {
                    problem: Some(problem),
                    ..SearchResults::default()
                })
            }
        };
        let mut out = SearchResults::default();
        let Some(q) = fts_query(&text) else {
            return Ok(out);
        };
        let limit = limit.clamp(1, 200);
        let conn = self.conn();

        // the filters, in SQL and in words
        let mut clauses = String::new();
        let mut args: Vec<Value> = Vec::new();
        if let Some(p) = filters.platform {
            clauses.push_str(" AND m.platform = ?");
            args.push(Value::Text(p.as_str().into()));
            out.filters.push(format!("on {}", p.label()));
        }
        if let Some(ch) = &filters.channel {
            clauses.push_str(
                " AND (lower(ltrim(c.container, '#')) = ?
                       OR substr(lower(ltrim(c.container, '#')), 1, length(?) + 1) = ? || ':')",
            );
            args.extend(std::iter::repeat_n(Value::Text(ch.clone()), 3));
            out.filters.push(format!("in {ch}"));
        }
        let mut authors = Vec::new();
        if let Some(who) = &filters.from {
            let members = match fts_query(who) {
                Some(mq) => conn
                    .prepare_cached(
                        "SELECT f.rowid, m.display_name FROM members_fts f
                         JOIN members m ON m.id = f.rowid
                         WHERE members_fts MATCH ?1 ORDER BY m.message_count DESC LIMIT 21",
                    )?
                    .query_map([mq], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
                None => Vec::new(),
            };
            let Some((_, first)) = members.first() else {
                out.problem = Some(format!("“from:{who}”: no member has that name or handle"));
                return Ok(out);
            };
            out.filters.push(match members.len() {
                1 => format!("from {first}"),
                2 => format!("from {first} and 1 other named “{who}”"),
                n if n > 20 => format!("from {first} and 20+ others named “{who}”"),
                n => format!("from {first} and {} others named “{who}”", n - 1),
            });
            let mut ids = conn.prepare_cached("SELECT id FROM identities WHERE member_id = ?1")?;
            for (member, _) in &members {
                for id in ids.query_map([member], |r| r.get::<_, i64>(0))? {
                    authors.push(id?);
                }
            }
        }
        if let Some(s) = filters.status {
            clauses.push_str(" AND c.status = ?");
            args.push(Value::Text(s.as_str().into()));
            out.filters.push(s.as_str().to_owned());
        }
        if let Some(t) = filters.after {
            clauses.push_str(" AND m.created_at >= ?");
            args.push(Value::Integer(t));
            out.filters.push(format!("after {}", day_words(t)));
        }
        if let Some(t) = filters.before {
            clauses.push_str(" AND m.created_at < ?");
            args.push(Value::Integer(t));
            out.filters.push(format!("before {}", day_words(t)));
        }

        if !filters.any() {
            out.hits = conn
                .prepare_cached(
                    "SELECT n.id, n.member_id, m.display_name,
                            snippet(notes_fts, 0, char(2), char(3), '…', 16), n.updated_at
                     FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
                     JOIN members m ON m.id = n.member_id
                     WHERE notes_fts MATCH ?1 ORDER BY rank LIMIT ?2",
                )?
                .query_map(rusqlite::params![q, limit.min(10)], |r| {
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
        }

        let mut candidates = if authors.is_empty() {
            self.matches(&q, &clauses, &args)?
        } else {
            self.by_authors(&authors, &text, &clauses, &args)?
        };
        if candidates.len() as u32 >= CANDIDATES {
            out.ranked_among = Some(CANDIDATES);
            // Older messages holding the words as a phrase are the likeliest good answers
            // beyond the newest matches, and a phrase is far rarer than its words apart.
            if let (Some(phrase), true) = (phrase_query(&text), authors.is_empty()) {
                let seen: std::collections::HashSet<i64> =
                    candidates.iter().map(|c| c.id).collect();
                let older = self.matches(&phrase, &clauses, &args)?;
                candidates.extend(older.into_iter().filter(|c| !seen.contains(&c.id)));
            }
        }
        rank(&mut candidates, &text, now);

        let remaining = (limit as usize).saturating_sub(out.hits.len());
        let mut page = conn.prepare_cached(
            "SELECT m.conversation_id, i.member_id, m.platform,
                    coalesce(c.title, c.container, a.name), coalesce(i.display_name, i.handle)
             FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             JOIN accounts a ON a.id = c.account_id
             JOIN identities i ON i.id = m.author_identity_id
             WHERE m.id = ?1",
        )?;
        for c in candidates.into_iter().take(remaining) {
            let hit = page.query_row([c.id], |r| {
                Ok(SearchHit {
                    kind: HitKind::Message,
                    message_id: Some(c.id),
                    note_id: None,
                    conversation_id: Some(r.get(0)?),
                    member_id: r.get(1)?,
                    platform: Some(platform_col(r, 2)?),
                    title: r.get(3)?,
                    author_name: r.get(4)?,
                    snippet: snippet(&c.body, &text),
                    created_at: c.created_at,
                })
            })?;
            out.hits.push(hit);
        }
        Ok(out)
    }

    /// The newest [`CANDIDATES`] messages the index matches that pass the filters, read
    /// newest first from the index so a common word stops at the cap.
    fn matches(&self, fts: &str, clauses: &str, args: &[Value]) -> Result<Vec<Candidate>> {
        let sql = format!(
            "SELECT f.rowid, m.created_at, m.body_text, coalesce(c.title, '')
             FROM messages_fts f
             JOIN messages m ON m.id = f.rowid
             JOIN conversations c ON c.id = m.conversation_id
             WHERE messages_fts MATCH ?{clauses}
             ORDER BY f.rowid DESC LIMIT ?"
        );
        let all = std::iter::once(Value::Text(fts.to_owned()))
            .chain(args.iter().cloned())
            .chain([Value::Integer(i64::from(CANDIDATES))]);
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params_from_iter(all), candidate)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A member's messages that hold every word, newest first up to [`CANDIDATES`]: read from
    /// their messages (few, and indexed by author) rather than from every match of the words.
    fn by_authors(
        &self,
        authors: &[i64],
        text: &str,
        clauses: &str,
        args: &[Value],
    ) -> Result<Vec<Candidate>> {
        let wanted = Wanted::new(text);
        let sql = format!(
            "SELECT m.id, m.created_at, m.body_text, coalesce(c.title, '')
             FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             WHERE m.author_identity_id IN ({}){clauses}
             ORDER BY m.created_at DESC",
            vec!["?"; authors.len()].join(",")
        );
        let all = authors
            .iter()
            .map(|a| Value::Integer(*a))
            .chain(args.iter().cloned());
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(all))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let c = candidate(row)?;
            let mut seen = vec![false; wanted.0.len()];
            for (_, w) in tokens(&c.body) {
                if let Some(i) = wanted.which(&fold(w)) {
                    seen[i] = true;
                }
            }
            if seen.iter().all(|s| *s) {
                out.push(c);
                if out.len() as u32 >= CANDIDATES {
                    break;
                }
            }
        }
        Ok(out)
    }
}

fn candidate(r: &rusqlite::Row<'_>) -> rusqlite::Result<Candidate> {
    Ok(Candidate {
        id: r.get(0)?,
        created_at: r.get(1)?,
        body: r.get(2)?,
        title: r.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_790_000_000_000;

    #[test]
    fn typed_operators_become_plain_words() {
        assert_eq!(fts_query("dark mode"), Some("\"dark\" \"mode\"*".into()));
        assert_eq!(
            fts_query("NOT \"crash\" col:x*"),
            Some("\"NOT\" \"crash\" \"col\" \"x\"".into())
        );
        assert_eq!(fts_query(" ** "), None);
        assert_eq!(phrase_query("install win"), Some("\"install win\"*".into()));
        assert_eq!(phrase_query("crash"), None);
    }

    #[test]
    fn filter_words_are_read_and_the_rest_is_searched() {
        let (text, f) = parse_query(
            "crash on:GitHub in:#Help from:\"Ana Souza\" is:open windows after:7d",
            NOW,
        )
        .unwrap();
        assert_eq!(text, "crash windows");
        assert_eq!(f.platform, Some(Platform::Github));
        assert_eq!(f.channel.as_deref(), Some("help"));
        assert_eq!(f.from.as_deref(), Some("Ana Souza"));
        assert_eq!(f.status, Some(Status::Open));
        assert_eq!(f.after, Some(NOW - 7 * 86_400_000));
        // an unknown key is a word; an empty value is still being typed
        let (text, f) = parse_query("col:x from:", NOW).unwrap();
        assert_eq!(text, "col:x");
        assert_eq!(f, Filters::default());
        let day = parse_query("before:2026-10-01", NOW)
            .unwrap()
            .1
            .before
            .unwrap();
        assert_eq!(
            Local.timestamp_millis_opt(day).unwrap().date_naive(),
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
        );
    }

    #[test]
    fn unreadable_filters_say_what_is_expected() {
        let e = parse_query("crash on:myspace", NOW).unwrap_err();
        assert!(e.contains("on:myspace") && e.contains("github"), "{e}");
        let e = parse_query("is:closed", NOW).unwrap_err();
        assert!(e.contains("open, waiting, snoozed or done"), "{e}");
        let e = parse_query("after:lastweek", NOW).unwrap_err();
        assert!(e.contains("2026-10-01"), "{e}");
    }

    fn candidate(id: i64, days_ago: i64, body: &str, title: &str) -> Candidate {
        Candidate {
            id,
            created_at: NOW - days_ago * 86_400_000,
            body: body.into(),
            title: title.into(),
        }
    }

    fn order(c: &[Candidate]) -> Vec<i64> {
        c.iter().map(|c| c.id).collect()
    }

    #[test]
    fn phrase_title_and_recency_order_the_candidates() {
        let mut c = vec![
            candidate(1, 0, "windows is fine, but install the new one", ""),
            candidate(
                2,
                200,
                "How do I install Windows drivers?",
                "Install on Windows",
            ),
            candidate(3, 10, "I could install windows builds", ""),
        ];
        rank(&mut c, "install windows", NOW);
        // 2: phrase and title, though old; 3: phrase; 1: newest, words apart
        assert_eq!(order(&c), vec![2, 3, 1]);

        // equal relevance: the newer first; much better relevance beats a month of age
        let filler = "and then some more words that say nothing much at all here";
        let mut c = vec![
            candidate(1, 40, &format!("crash {filler}"), ""),
            candidate(2, 1, &format!("crash {filler}"), ""),
            candidate(3, 60, "crash, crash: it crashed, crash again", ""),
        ];
        rank(&mut c, "crash", NOW);
        assert_eq!(order(&c), vec![3, 2, 1]);
    }

    #[test]
    fn snippets_mark_the_words_where_most_of_them_are() {
        assert_eq!(
            snippet("Zoë’s café opens at nine", "cafe zoe"),
            "\u{2}Zoë\u{3}’s \u{2}café\u{3} opens at nine"
        );
        let long = format!(
            "{} the dark mode toggle {}",
            "word ".repeat(30),
            "end ".repeat(30)
        );
        let s = snippet(&long, "dark mod");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("\u{2}dark\u{3} \u{2}mode\u{3}"), "{s}");
        assert_eq!(
            snippet("日本語 テスト", "日本語"),
            "\u{2}日本語\u{3} テスト"
        );
    }
}
