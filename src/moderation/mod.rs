//! Moderation against the community's guidelines: the guidelines (one Markdown document),
//! rules that flag new messages as they sync, and the flags a moderator works through.
//! Owns: what each kind of rule looks for (`ModRuleKind`'s words), checking messages, and the
//! flags' life (open, dismissed as false, actioned). Must never: flag the team's own messages,
//! raise a dismissed flag again, or learn anything from a dismissal silently (a dismissal is
//! counted on its rule, for the moderator to see, and changes nothing else).

pub mod actions;

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::model::{Millis, ModFlag, ModRule, ModRuleInput, ModRuleKind};
use crate::store::{platform_col, Store};

const MINUTE: Millis = 60_000;
const DAY: Millis = 24 * 60 * MINUTE;
/// A member is new for this long after their first message.
const NEW_FOR: Millis = 7 * DAY;
/// Messages older than this when they sync (a first sync's history) are not checked: flags
/// are for what a moderator can still act on.
const CHECKS_BACK: Millis = 30 * DAY;
/// Repeats count within this long.
const REPEAT_WINDOW: Millis = 10 * MINUTE;
/// The most a new rule checks at once, newest first.
const NEW_RULE_CHECKS: i64 = 50_000;
/// Characters of the message shown around what matched.
const EXCERPT: usize = 200;

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:https?://|www\.)\S+").unwrap_or_else(|_| unreachable!("a fixed pattern"))
});
/// "@name" (most platforms' text), "<@123>" and "<@!123>" (Discord), "<@U123>" (Slack).
static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s(])@[\p{L}\p{N}_.\-]+|<@!?[A-Z0-9]+>")
        .unwrap_or_else(|_| unreachable!("a fixed pattern"))
});

/// A rule ready to check messages with.
struct Check {
    id: i64,
    kind: ModRuleKind,
    pattern: Option<Regex>,
    threshold: Option<f64>,
}

/// One message as the rules read it.
struct Seen {
    id: i64,
    text: String,
    at: Millis,
    author: i64,
    first_seen: Option<Millis>,
    sentiment: Option<f64>,
}

fn keywords_pattern(words: &str) -> Result<Regex> {
    let words: Vec<String> = words
        .split([',', '\n'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    if words.is_empty() {
        return Err(Error::invalid(
            "a keywords rule needs at least one word: separate them with commas",
        ));
    }
    compile(&format!(r"\b(?:{})\b", words.join("|")))
}

fn compile(pattern: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            Error::invalid(format!(
                "'{pattern}' is not a regular expression Hearth can use: {}",
                e.to_string().lines().last().unwrap_or("it does not parse")
            ))
        })
}

impl Check {
    fn new(
        id: i64,
        kind: ModRuleKind,
        pattern: Option<&str>,
        threshold: Option<f64>,
    ) -> Result<Check> {
        let pattern = match kind {
            ModRuleKind::Keywords => Some(keywords_pattern(pattern.unwrap_or(""))?),
            ModRuleKind::Regex => {
                let p = pattern
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| {
                        Error::invalid("a regular-expression rule needs its expression")
                    })?;
                Some(compile(p)?)
            }
            _ => None,
        };
        Ok(Check {
            id,
            kind,
            pattern,
            threshold,
        })
    }

    /// What in `m` breaks the rule, in words, and where in its text; `None` if nothing does.
    fn matches(&self, conn: &Connection, m: &Seen) -> Result<Option<(String, usize)>> {
        Ok(match self.kind {
            ModRuleKind::Keywords | ModRuleKind::Regex => self
                .pattern
                .as_ref()
                .and_then(|p| p.find(&m.text))
                .map(|f| {
                    let what = if self.kind == ModRuleKind::Keywords {
                        "the word"
                    } else {
                        "the pattern, with"
                    };
                    (format!("{what} “{}”", f.as_str()), f.start())
                }),
            ModRuleKind::NewMemberLink => {
                let new = m.first_seen.is_none_or(|f| m.at - f < NEW_FOR);
                match LINK.find(&m.text) {
                    Some(link) if new => {
                        let since = m
                            .first_seen
                            .map(|f| ((m.at - f).max(0) / DAY) as u64)
                            .unwrap_or(0);
                        let when = match since {
                            0 => "the same day".to_string(),
                            1 => "a day before".to_string(),
                            n => format!("{n} days before"),
                        };
                        Some((
                            format!("a link from a new member (first wrote {when})"),
                            link.start(),
                        ))
                    }
                    _ => None,
                }
            }
            ModRuleKind::AllCaps => {
                let (upper, cased) = m.text.chars().fold((0usize, 0usize), |(u, c), ch| {
                    if ch.is_uppercase() {
                        (u + 1, c + 1)
                    } else if ch.is_lowercase() {
                        (u, c + 1)
                    } else {
                        (u, c)
                    }
                });
                (cased >= 12 && upper * 5 >= cased * 4).then(|| {
                    (
                        format!("written in capitals ({upper} of {cased} letters)"),
                        0,
                    )
                })
            }
            ModRuleKind::Repeated => {
                let times = self.threshold.unwrap_or(3.0).max(2.0);
                if m.text.trim().is_empty() {
                    return Ok(None);
                }
                let n: i64 = conn
                    .prepare_cached(
                        "SELECT count(*) FROM messages
                         WHERE author_identity_id = ?1 AND created_at BETWEEN ?2 AND ?3
                           AND deleted_at IS NULL AND lower(trim(body_text)) = lower(trim(?4))",
                    )?
                    .query_row(params![m.author, m.at - REPEAT_WINDOW, m.at, m.text], |r| {
                        r.get(0)
                    })?;
                (n as f64 >= times)
                    .then(|| (format!("the same message {n} times in ten minutes"), 0))
            }
            ModRuleKind::MassMentions => {
                let at_least = self.threshold.unwrap_or(5.0).max(2.0);
                let mentions: Vec<_> = MENTION.find_iter(&m.text).collect();
                (mentions.len() as f64 >= at_least).then(|| {
                    (
                        format!("{} mentions", mentions.len()),
                        mentions.first().map_or(0, |f| f.start()),
                    )
                })
            }
            ModRuleKind::Negative => {
                let below = self.threshold.unwrap_or(-0.6);
                m.sentiment
                    .filter(|s| *s <= below)
                    .map(|s| (format!("sentiment {s:+.2}, at or below {below:+.2}"), 0))
            }
        })
    }
}

/// The text around byte `at` of `text`, at most [`EXCERPT`] characters, with "…" where cut.
fn excerpt(text: &str, at: usize) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let centre = chars.iter().position(|(i, _)| *i >= at).unwrap_or(0);
    let start = centre.saturating_sub(EXCERPT / 3);
    let end = (start + EXCERPT).min(chars.len());
    let start = end.saturating_sub(EXCERPT).min(start);
    let mut out: String = chars[start..end].iter().map(|(_, c)| *c).collect();
    out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if start > 0 {
        out.insert(0, '…');
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// The enabled rules (or the one rule `only`), ready to check with.
fn checks(conn: &Connection, only: Option<i64>) -> Result<Vec<Check>> {
    let rows: Vec<(i64, String, Option<String>, Option<f64>)> = conn
        .prepare_cached(
            "SELECT id, kind, pattern, threshold FROM mod_rules
             WHERE enabled = 1 AND (?1 IS NULL OR id = ?1) ORDER BY id",
        )?
        .query_map([only], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, kind, pattern, threshold) in rows {
        let Ok(kind) = kind.parse::<ModRuleKind>() else {
            continue;
        };
        // a rule stored before a change made its pattern unusable checks nothing
        if let Ok(check) = Check::new(id, kind, pattern.as_deref(), threshold) {
            out.push(check);
        }
    }
    Ok(out)
}

/// Checks the messages `ids` against `rules`, flagging what breaks them; returns how many
/// flags it raised. The team's own messages and deleted ones are never flagged.
fn check_messages(conn: &Connection, ids: &[i64], rules: &[Check], now: Millis) -> Result<usize> {
    if rules.is_empty() || ids.is_empty() {
        return Ok(0);
    }
    let json = serde_json::to_string(ids).map_err(|e| Error::invalid(e.to_string()))?;
    let seen: Vec<Seen> = conn
        .prepare_cached(
            "SELECT m.id, m.body_text, m.created_at, m.author_identity_id, mm.first_seen_at,
                    m.sentiment
             FROM messages m
             JOIN identities i ON i.id = m.author_identity_id
             JOIN members mm ON mm.id = i.member_id
             WHERE m.id IN (SELECT value FROM json_each(?1)) AND m.created_at >= ?2
               AND m.deleted_at IS NULL AND m.from_us = 0 AND mm.is_team = 0",
        )?
        .query_map(params![json, now - CHECKS_BACK], |r| {
            Ok(Seen {
                id: r.get(0)?,
                text: r.get(1)?,
                at: r.get(2)?,
                author: r.get(3)?,
                first_seen: r.get(4)?,
                sentiment: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut flag = conn.prepare_cached(
        "INSERT OR IGNORE INTO mod_flags (message_id, rule_id, matched, excerpt, flagged_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut raised = 0;
    for m in &seen {
        for rule in rules {
            if let Some((matched, at)) = rule.matches(conn, m)? {
                raised +=
                    flag.execute(params![m.id, rule.id, matched, excerpt(&m.text, at), now])?;
            }
        }
    }
    Ok(raised)
}

/// Checks a batch's new messages against the rules, in the transaction that writes them.
pub(crate) fn check_in(tx: &Transaction<'_>, new_messages: &[i64], now: Millis) -> Result<usize> {
    let rules = checks(tx, None)?;
    check_messages(tx, new_messages, &rules, now)
}

fn rule_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ModRule> {
    let kind: String = r.get(2)?;
    Ok(ModRule {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: kind.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
        })?,
        pattern: r.get(3)?,
        threshold: r.get(4)?,
        guideline: r.get(5)?,
        enabled: r.get(6)?,
        flagged: r.get(7)?,
        dismissed: r.get(8)?,
    })
}

const RULE_COLUMNS: &str = "r.id, r.name, r.kind, r.pattern, r.threshold, r.guideline, r.enabled,
     (SELECT count(*) FROM mod_flags f WHERE f.rule_id = r.id),
     (SELECT count(*) FROM mod_flags f WHERE f.rule_id = r.id AND f.status = 'dismissed')";

impl Store {
    /// The community's guidelines (Markdown), empty until written.
    pub fn guidelines(&self) -> Result<String> {
        Ok(self
            .conn()
            .query_row("SELECT body FROM mod_guidelines WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or_default())
    }

    pub fn set_guidelines(&mut self, body: &str, now: Millis) -> Result<()> {
        self.conn().execute(
            "INSERT INTO mod_guidelines (id, body, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![body, now],
        )?;
        Ok(())
    }

    pub fn mod_rules(&self) -> Result<Vec<ModRule>> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {RULE_COLUMNS} FROM mod_rules r ORDER BY r.id"
            ))?
            .query_map([], rule_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn mod_rule(&self, id: i64) -> Result<ModRule> {
        self.conn()
            .query_row(
                &format!("SELECT {RULE_COLUMNS} FROM mod_rules r WHERE r.id = ?1"),
                [id],
                rule_row,
            )
            .optional()?
            .ok_or_else(|| Error::not_found("moderation rule", id))
    }

    /// Adds a rule (refused in words if its pattern cannot work) and checks the last 30 days'
    /// messages against it, so the Moderation view shows at once what it catches.
    pub fn add_mod_rule(&mut self, input: &ModRuleInput, now: Millis) -> Result<ModRule> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(Error::invalid("a rule needs a name"));
        }
        if let Some(t) = input.threshold {
            let ok = match input.kind {
                ModRuleKind::Negative => (-1.0..=1.0).contains(&t),
                ModRuleKind::Repeated | ModRuleKind::MassMentions => (2.0..=1000.0).contains(&t),
                _ => true,
            };
            if !ok || !t.is_finite() {
                return Err(Error::invalid(match input.kind {
                    ModRuleKind::Negative => "a sentiment threshold is between −1 and 1",
                    _ => "a count to reach is between 2 and 1,000",
                }));
            }
        }
        Check::new(0, input.kind, input.pattern.as_deref(), input.threshold)?;
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO mod_rules (name, kind, pattern, threshold, guideline, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                name,
                input.kind.as_str(),
                input.pattern.as_deref().map(str::trim),
                input.threshold,
                input
                    .guideline
                    .as_deref()
                    .map(str::trim)
                    .filter(|g| !g.is_empty()),
                now
            ],
        )?;
        let id = tx.last_insert_rowid();
        let recent: Vec<i64> = tx
            .prepare(
                "SELECT id FROM messages WHERE created_at >= ?1 AND deleted_at IS NULL
                 ORDER BY created_at DESC LIMIT ?2",
            )?
            .query_map(params![now - CHECKS_BACK, NEW_RULE_CHECKS], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let rules = checks(&tx, Some(id))?;
        for chunk in recent.chunks(2_000) {
            check_messages(&tx, chunk, &rules, now)?;
        }
        tx.commit()?;
        self.mod_rule(id)
    }

    /// Turns a rule off (it flags nothing new; its flags stay) or on again.
    pub fn enable_mod_rule(&mut self, id: i64, enabled: bool) -> Result<ModRule> {
        if self.conn().execute(
            "UPDATE mod_rules SET enabled = ?2 WHERE id = ?1",
            params![id, enabled],
        )? == 0
        {
            return Err(Error::not_found("moderation rule", id));
        }
        self.mod_rule(id)
    }

    /// Removes a rule and the flags it raised that nobody dealt with.
    pub fn remove_mod_rule(&mut self, id: i64) -> Result<()> {
        if self
            .conn()
            .execute("DELETE FROM mod_rules WHERE id = ?1", [id])?
            == 0
        {
            return Err(Error::not_found("moderation rule", id));
        }
        Ok(())
    }

    /// The flags with `status` ("open" by default), newest first.
    pub fn mod_flags(&self, status: Option<&str>, limit: usize) -> Result<Vec<ModFlag>> {
        let status = status.unwrap_or("open");
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT f.id, f.message_id, m.conversation_id, f.rule_id, r.name, r.guideline,
                        f.matched, f.excerpt, m.platform, c.container,
                        coalesce(mm.display_name, i.display_name, i.handle, ''), mm.id,
                        m.created_at, coalesce(m.url, c.url), f.flagged_at, f.status
                 FROM mod_flags f
                 JOIN mod_rules r ON r.id = f.rule_id
                 JOIN messages m ON m.id = f.message_id
                 JOIN conversations c ON c.id = m.conversation_id
                 JOIN identities i ON i.id = m.author_identity_id
                 JOIN members mm ON mm.id = i.member_id
                 WHERE f.status = ?1
                 ORDER BY f.flagged_at DESC, m.created_at DESC, f.id DESC LIMIT ?2",
            )?
            .query_map(params![status, limit as i64], |r| {
                Ok(ModFlag {
                    id: r.get(0)?,
                    message_id: r.get(1)?,
                    conversation_id: r.get(2)?,
                    rule_id: r.get(3)?,
                    rule: r.get(4)?,
                    guideline: r.get(5)?,
                    matched: r.get(6)?,
                    excerpt: r.get(7)?,
                    platform: platform_col(r, 8)?,
                    channel: r.get(9)?,
                    author: r.get(10)?,
                    member_id: r.get(11)?,
                    written_at: r.get(12)?,
                    url: r.get(13)?,
                    flagged_at: r.get(14)?,
                    status: r.get(15)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Dismisses a flag as false: it leaves the view, is never raised again, and is counted
    /// on its rule. Nothing else changes.
    pub fn dismiss_flag(&mut self, id: i64, now: Millis) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE mod_flags SET status = 'dismissed', resolved_at = ?2
             WHERE id = ?1 AND status = 'open'",
            params![id, now],
        )?;
        if changed == 0 {
            let status: Option<String> = self
                .conn()
                .query_row("SELECT status FROM mod_flags WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            return Err(match status {
                None => Error::not_found("flag", id),
                Some(s) => Error::invalid(format!("flag {id} is already {s}")),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(text: &str) -> Seen {
        Seen {
            id: 1,
            text: text.into(),
            at: 10 * DAY,
            author: 1,
            first_seen: Some(0),
            sentiment: Some(0.0),
        }
    }

    fn check(kind: ModRuleKind, pattern: Option<&str>, text: &str) -> Option<String> {
        let conn = Connection::open_in_memory().expect("sqlite");
        Check::new(1, kind, pattern, None)
            .expect("a rule")
            .matches(&conn, &seen(text))
            .expect("checked")
            .map(|m| m.0)
    }

    #[test]
    fn keywords_match_whole_words_in_any_case() {
        let words = Some("scam, free money\n crypto");
        assert_eq!(
            check(ModRuleKind::Keywords, words, "This is a SCAM, folks").as_deref(),
            Some("the word “SCAM”")
        );
        assert!(check(ModRuleKind::Keywords, words, "Get Free Money now").is_some());
        assert!(check(ModRuleKind::Keywords, words, "scampi for dinner").is_none());
        assert!(check(ModRuleKind::Keywords, words, "cryptography talk").is_none());
    }

    #[test]
    fn capitals_mentions_and_patterns_are_told_in_words() {
        assert_eq!(
            check(ModRuleKind::AllCaps, None, "WHY IS THIS STILL BROKEN?!").as_deref(),
            Some("written in capitals (20 of 20 letters)")
        );
        assert!(
            check(ModRuleKind::AllCaps, None, "OK").is_none(),
            "too short to shout"
        );
        assert!(check(ModRuleKind::AllCaps, None, "Using the AVIF and HTML APIs").is_none());
        assert_eq!(
            check(
                ModRuleKind::MassMentions,
                None,
                "@ana @ben @cai <@123> <@!456> look at this"
            )
            .as_deref(),
            Some("5 mentions")
        );
        assert!(check(ModRuleKind::MassMentions, None, "mail me at a@b.org @ana").is_none());
        assert_eq!(
            check(
                ModRuleKind::Regex,
                Some(r"discord\.gg/\w+"),
                "join discord.gg/freenitro"
            )
            .as_deref(),
            Some("the pattern, with “discord.gg/freenitro”")
        );
    }

    #[test]
    fn a_pattern_that_cannot_work_is_refused_in_words() {
        let err = Check::new(1, ModRuleKind::Regex, Some("(unclosed"), None)
            .err()
            .expect("refused");
        assert!(
            err.to_string().contains("not a regular expression"),
            "{err}"
        );
        let err = Check::new(1, ModRuleKind::Keywords, Some(" , ,"), None)
            .err()
            .expect("refused");
        assert!(err.to_string().contains("at least one word"), "{err}");
    }

    #[test]
    fn an_excerpt_is_the_text_around_the_match() {
        let long = format!("{} the bad word {}", "a".repeat(400), "b".repeat(400));
        let at = long.find("bad").expect("there");
        let e = excerpt(&long, at);
        assert!(e.contains("the bad word"), "{e}");
        assert!(e.starts_with('…') && e.ends_with('…'), "{e}");
        assert!(e.chars().count() <= EXCERPT + 2);
        assert_eq!(excerpt("short", 0), "short");
    }
}
