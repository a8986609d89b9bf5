//! Rules: what ranks a conversation in the queue, and why. Owns: rules in words (reading and
//! writing "unanswered 24h" → "+2"), the facts ingest keeps on each conversation (unanswered
//! since, mentions, first post), weighing a conversation against the rules in the caller's
//! transaction, and the sweep that weighs again those a rule on time has come due for.
//! Must never: change a conversation's status, or undo what a person did (a rule tags and
//! assigns once, when it starts to match, and never takes a tag or an assignee away).

use std::collections::{HashMap, HashSet};
use std::fmt;

use regex::{Regex, RegexBuilder};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::model::{
    Millis, Platform, Reason, Rule, RuleCheck, RuleCondition, RuleDraft, RuleEffect, RuleMatch,
    RuleWord,
};
use crate::store::Store;
use crate::tags::tag_conversation;

const HOUR: Millis = 3_600_000;
/// How many of a conversation's latest member messages the text rules read.
const TEXT_WINDOW: i64 = 50;
/// Points one rule can add or take away.
const MAX_POINTS: i64 = 9;
/// Conversations weighed per transaction by the sweep, so another process never waits long.
const SWEEP_CHUNK: usize = 2_000;

impl fmt::Display for RuleCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleCondition::Mentions => f.write_str("mentions"),
            RuleCondition::Unanswered { hours } => write!(f, "unanswered {hours}h"),
            RuleCondition::FirstPost => f.write_str("first post"),
            RuleCondition::MemberTag { tag } => write!(f, "member tagged {tag}"),
            RuleCondition::Segment { segment } => write!(f, "segment {segment}"),
            RuleCondition::Keyword { words } => write!(f, "keyword {words}"),
            RuleCondition::Regex { pattern } => write!(f, "regex {pattern}"),
            RuleCondition::Platform { platform } => write!(f, "platform {}", platform.as_str()),
            RuleCondition::Channel { channel } => write!(f, "channel {channel}"),
        }
    }
}

impl fmt::Display for RuleEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleEffect::Points { points } => write!(f, "{points:+}"),
            RuleEffect::Tag { tag } => write!(f, "tag {tag}"),
            RuleEffect::Assign { to } => write!(f, "assign {to}"),
            RuleEffect::View { view } => write!(f, "view {view}"),
        }
    }
}

/// The conditions a rule can have, in words, for help texts.
pub const CONDITION_WORDS: &[(&str, &str)] = &[
    ("mentions", "a member's message mentions the account"),
    (
        "unanswered 24h",
        "a member's message has waited 24 hours (or 2d, 90m) for the team",
    ),
    (
        "first post",
        "a member wrote their first message anywhere in it",
    ),
    (
        "member tagged vip",
        "a member writing in it has the tag vip",
    ),
    (
        "segment Champions",
        "a member writing in it is in the segment Champions",
    ),
    (
        "keyword crash",
        "a member's message says 'crash' (a word or phrase, any case)",
    ),
    (
        "regex (?i)windows ?11",
        "a member's message matches the regular expression",
    ),
    ("platform discord", "it is on Discord"),
    (
        "channel #help",
        "it is in #help (a channel, repository or category)",
    ),
];

/// The effects a rule can have, in words, for help texts.
pub const EFFECT_WORDS: &[(&str, &str)] = &[
    (
        "+3",
        "raises it in the queue by 3 points (-2 lowers it; from -9 to +9)",
    ),
    ("tag bug", "tags it bug when the rule starts to match"),
    ("assign Ana", "assigns it to Ana when nobody has it"),
    ("view Billing", "puts it in the saved view Billing"),
];

/// Every condition and effect in words, with what it means.
pub fn rule_words() -> Vec<RuleWord> {
    let word = |effect: bool| {
        move |(w, m): &(&str, &str)| RuleWord {
            words: (*w).to_string(),
            meaning: (*m).to_string(),
            effect,
        }
    };
    CONDITION_WORDS
        .iter()
        .map(word(false))
        .chain(EFFECT_WORDS.iter().map(word(true)))
        .collect()
}

/// Splits "word rest" into the lowercased first word and the trimmed rest.
fn head(text: &str) -> (String, &str) {
    let text = text.trim();
    match text.split_once(char::is_whitespace) {
        Some((w, rest)) => (w.to_lowercase(), rest.trim()),
        None => (text.to_lowercase(), ""),
    }
}

fn needs<'a>(rest: &'a str, what: &str, example: &str) -> Result<&'a str> {
    if rest.is_empty() {
        Err(Error::invalid(format!("'{what}' needs {example}")))
    } else {
        Ok(rest)
    }
}

/// Reads a duration of whole hours: "24h", "24", "2d", "90m" (rounded up to hours), "1 day".
fn parse_hours(text: &str) -> Result<i64> {
    let t = text.trim().to_lowercase().replace(' ', "");
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| {
        Error::invalid(format!(
            "'{text}' is not a duration: write it as 24h, 2d or 90m"
        ))
    })?;
    let hours = match unit {
        "" | "h" | "hr" | "hrs" | "hour" | "hours" => n,
        "d" | "day" | "days" => n.saturating_mul(24),
        "m" | "min" | "mins" | "minute" | "minutes" => (n + 59) / 60,
        _ => {
            return Err(Error::invalid(format!(
                "'{text}' is not a duration: write it as 24h, 2d or 90m"
            )))
        }
    };
    if !(1..=24 * 365).contains(&hours) {
        return Err(Error::invalid(
            "an unanswered time is from 1 hour to 365 days",
        ));
    }
    Ok(hours)
}

/// "'moon phase' is not a condition Hearth knows; one of: mentions, …".
fn unknown(text: &str, what: &str, words: &[(&str, &str)]) -> Error {
    let known: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
    Error::invalid(format!(
        "'{}' is not {what} Hearth knows; one of: {}",
        text.trim(),
        known.join(", ")
    ))
}

/// Reads one condition in words ("unanswered 24h", "member tagged vip").
pub fn parse_condition(text: &str) -> Result<RuleCondition> {
    let (word, rest) = head(text);
    let condition = match word.as_str() {
        "mentions" | "mention" | "mentioned" => RuleCondition::Mentions,
        "unanswered" => {
            let rest = rest.strip_prefix("for ").unwrap_or(rest);
            RuleCondition::Unanswered {
                hours: parse_hours(needs(rest, "unanswered", "a time, as in 'unanswered 24h'")?)?,
            }
        }
        "first" if rest.eq_ignore_ascii_case("post") => RuleCondition::FirstPost,
        "first-post" | "first-timer" | "firstpost" => RuleCondition::FirstPost,
        "member" => {
            let rest = rest
                .strip_prefix("tagged")
                .or_else(|| rest.strip_prefix("tag"))
                .unwrap_or(rest)
                .trim();
            RuleCondition::MemberTag {
                tag: needs(rest, "member tagged", "a tag, as in 'member tagged vip'")?.to_string(),
            }
        }
        "segment" => RuleCondition::Segment {
            segment: needs(rest, "segment", "a segment's name")?.to_string(),
        },
        "keyword" | "says" => RuleCondition::Keyword {
            words: needs(rest, "keyword", "a word or phrase, as in 'keyword crash'")?
                .trim_matches(['"', '\''])
                .to_string(),
        },
        "regex" | "matches" => RuleCondition::Regex {
            pattern: needs(rest, "regex", "a regular expression")?.to_string(),
        },
        "platform" | "on" => {
            let name = needs(rest, "platform", "a platform, as in 'platform discord'")?;
            RuleCondition::Platform {
                platform: name.parse::<Platform>().map_err(|_| {
                    Error::invalid(format!("'{name}' is not a platform Hearth knows"))
                })?,
            }
        }
        "channel" | "in" => RuleCondition::Channel {
            channel: needs(rest, "channel", "a channel, as in 'channel #help'")?.to_string(),
        },
        _ => return Err(unknown(text, "a condition", CONDITION_WORDS)),
    };
    check_condition(&condition)?;
    Ok(condition)
}

/// Reads one effect in words ("+3", "tag bug", "assign Ana", "view Billing").
pub fn parse_effect(text: &str) -> Result<RuleEffect> {
    let t = text.trim();
    let (word, rest) = head(t);
    let points = |s: &str| -> Result<RuleEffect> {
        let s = s.trim().trim_end_matches("points").trim();
        let points: i64 = s.trim_start_matches('+').trim().parse().map_err(|_| {
            Error::invalid(format!("'{t}' is not a number of points: write +3 or -2"))
        })?;
        Ok(RuleEffect::Points { points })
    };
    let effect = match word.as_str() {
        w if w.starts_with('+') || w.starts_with('-') => points(t)?,
        "priority" | "points" | "raise" => points(rest)?,
        "lower" => match points(rest)? {
            RuleEffect::Points { points } => RuleEffect::Points {
                points: -points.abs(),
            },
            other => other,
        },
        "tag" => RuleEffect::Tag {
            tag: needs(rest, "tag", "a tag, as in 'tag bug'")?.to_string(),
        },
        "assign" => RuleEffect::Assign {
            to: needs(rest, "assign", "a name, as in 'assign Ana'")?.to_string(),
        },
        "view" => RuleEffect::View {
            view: needs(rest, "view", "a saved view's name")?.to_string(),
        },
        _ => return Err(unknown(t, "an effect", EFFECT_WORDS)),
    };
    check_effect(&effect)?;
    Ok(effect)
}

fn check_condition(c: &RuleCondition) -> Result<()> {
    match c {
        RuleCondition::Keyword { words } if words.trim().is_empty() => {
            Err(Error::invalid("a keyword needs a word or phrase"))
        }
        RuleCondition::Regex { pattern } => compile(pattern).map(|_| ()),
        RuleCondition::Unanswered { hours } if !(1..=24 * 365).contains(hours) => Err(
            Error::invalid("an unanswered time is from 1 hour to 365 days"),
        ),
        _ => Ok(()),
    }
}

fn check_effect(e: &RuleEffect) -> Result<()> {
    match e {
        RuleEffect::Points { points } if !(-MAX_POINTS..=MAX_POINTS).contains(points) => {
            Err(Error::invalid(format!(
                "a rule adds from -{MAX_POINTS} to +{MAX_POINTS} points"
            )))
        }
        RuleEffect::Tag { tag } if tag.chars().count() > 64 => {
            Err(Error::invalid("a tag name can be at most 64 characters"))
        }
        _ => Ok(()),
    }
}

/// A regular expression from a user, with bounds on what it may cost to build (matching is
/// linear in the text whatever the pattern, as the `regex` crate promises).
fn compile(pattern: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| {
            Error::invalid(format!(
                "the regular expression '{pattern}' does not read: {e}"
            ))
        })
}

/// A keyword as a case-insensitive match of whole words.
fn keyword(words: &str) -> Result<Regex> {
    let escaped = words
        .split_whitespace()
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(r"\s+");
    compile(&format!(r"(?i)(?:^|\b|\W){escaped}(?:$|\b|\W)"))
}

/// Reads a draft: its name, and every line of its conditions and effects (each error names
/// the line it comes from).
pub fn read_draft(draft: &RuleDraft) -> Result<(String, Vec<RuleCondition>, Vec<RuleEffect>)> {
    let name = draft.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a rule needs a name"));
    }
    if name.chars().count() > 80 {
        return Err(Error::invalid("a rule's name can be at most 80 characters"));
    }
    let lines = |v: &[String]| -> Vec<String> {
        v.iter()
            .flat_map(|l| {
                l.lines()
                    .map(str::trim)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .filter(|l| !l.is_empty())
            .collect()
    };
    let when = lines(&draft.when)
        .iter()
        .map(|l| parse_condition(l))
        .collect::<Result<Vec<_>>>()?;
    let then = lines(&draft.then)
        .iter()
        .map(|l| parse_effect(l))
        .collect::<Result<Vec<_>>>()?;
    if when.is_empty() {
        return Err(Error::invalid(
            "a rule needs at least one condition, as in 'mentions' or 'keyword crash'",
        ));
    }
    if then.is_empty() {
        return Err(Error::invalid(
            "a rule needs at least one effect, as in '+3' or 'tag bug'",
        ));
    }
    Ok((name.to_string(), when, then))
}

/// One enabled rule, ready to weigh conversations.
struct Compiled {
    id: i64,
    name: String,
    when: Vec<Test>,
    then: Vec<RuleEffect>,
}

enum Test {
    Mentions,
    Unanswered(Millis),
    FirstPost,
    MemberTag(String),
    /// The segment's name, and its filter as SQL over `members m` (None: no such segment).
    Segment(String, Option<(String, Vec<Value>)>),
    /// The expression, and how a reason says it matched (the rule's words, never the
    /// message's: a reason outlives a forgotten member's text).
    Text(Regex, String),
    Platform(Platform),
    Channel(String),
}

/// The enabled rules of a workspace, read once per batch or sweep.
pub(crate) struct Rules {
    rules: Vec<Compiled>,
    reads_text: bool,
    reads_members: bool,
}

fn channel_key(c: &str) -> String {
    c.trim().trim_start_matches('#').to_lowercase()
}

/// A rule as stored: id, name, enabled, conditions (JSON), effects (JSON).
type StoredRule = (i64, String, bool, String, String);

fn read_rules(conn: &Connection) -> Result<Vec<StoredRule>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, name, enabled, conditions, effects FROM rules ORDER BY position, id",
        )?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn decode(id: i64, when: &str, then: &str) -> Result<(Vec<RuleCondition>, Vec<RuleEffect>)> {
    let bad = |e: serde_json::Error| Error::invalid(format!("rule {id} does not read: {e}"));
    Ok((
        serde_json::from_str(when).map_err(bad)?,
        serde_json::from_str(then).map_err(bad)?,
    ))
}

impl Rules {
    pub(crate) fn load(conn: &Connection, now: Millis) -> Result<Rules> {
        let mut rules = Vec::new();
        for (id, name, enabled, when, then) in read_rules(conn)? {
            if !enabled {
                continue;
            }
            let (when, then) = decode(id, &when, &then)?;
            let when = when
                .iter()
                .map(|c| test_of(conn, c, &name, now))
                .collect::<Result<_>>()?;
            rules.push(Compiled {
                id,
                name,
                when,
                then,
            });
        }
        let uses = |f: fn(&Test) -> bool| rules.iter().any(|r| r.when.iter().any(f));
        Ok(Rules {
            reads_text: uses(|t| matches!(t, Test::Text(..))),
            reads_members: uses(|t| matches!(t, Test::MemberTag(_) | Test::Segment(..))),
            rules,
        })
    }
}

/// A condition ready to test; `rule` names the rule, for a reason a long pattern cannot give.
fn test_of(conn: &Connection, c: &RuleCondition, rule: &str, now: Millis) -> Result<Test> {
    Ok(match c {
        RuleCondition::Mentions => Test::Mentions,
        RuleCondition::Unanswered { hours } => Test::Unanswered(hours * HOUR),
        RuleCondition::FirstPost => Test::FirstPost,
        RuleCondition::MemberTag { tag } => Test::MemberTag(tag.trim().to_lowercase()),
        RuleCondition::Segment { segment } => {
            Test::Segment(segment.clone(), segment_sql(conn, segment, now)?)
        }
        RuleCondition::Keyword { words } => {
            Test::Text(keyword(words)?, format!("says “{}”", words.trim()))
        }
        RuleCondition::Regex { pattern } => {
            // a short pattern reads as itself; a long one by the rule's name
            let said = if pattern.chars().count() <= 24 {
                format!("matches /{pattern}/")
            } else {
                rule.to_lowercase()
            };
            Test::Text(compile(pattern)?, said)
        }
        RuleCondition::Platform { platform } => Test::Platform(*platform),
        RuleCondition::Channel { channel } => Test::Channel(channel_key(channel)),
    })
}

/// A segment's filter as SQL over `members m`, or None when no segment has that name.
fn segment_sql(conn: &Connection, name: &str, now: Millis) -> Result<Option<(String, Vec<Value>)>> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM segments WHERE name = ?1 COLLATE NOCASE",
            [name.trim()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else { return Ok(None) };
    let filter = crate::members::segments::segment_filter(conn, id)?;
    let mut w = crate::members::segments::Where::members();
    crate::members::segments::add_filter(&mut w, &filter, Some(now))?;
    Ok(Some((w.sql(), w.args)))
}

/// What the rules read of one conversation.
struct Facts {
    platform: Option<Platform>,
    channel: String,
    assignee: Option<String>,
    earlier: HashSet<i64>,
    unanswered_since: Option<Millis>,
    mentions_us: bool,
    /// A member's first message anywhere is in it.
    first_post: bool,
    /// The latest member messages' text, newest first.
    texts: Vec<String>,
    /// The members writing in it.
    members: Vec<i64>,
}

fn facts(tx: &Connection, id: i64, rules: &Rules) -> Result<Option<Facts>> {
    let row = tx
        .prepare_cached(
            "SELECT c.platform, coalesce(c.container, ''), c.assignee, c.reasons,
                    (SELECT max(created_at) FROM messages WHERE conversation_id = c.id AND from_us = 1)
             FROM conversations c WHERE c.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<Millis>>(4)?,
            ))
        })
        .optional()?;
    let Some((platform, channel, assignee, reasons, last_team)) = row else {
        return Ok(None);
    };
    let earlier = reasons
        .as_deref()
        .and_then(|r| serde_json::from_str::<Vec<Reason>>(r).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.rule_id)
        .collect();
    let (unanswered_since, mentions_us): (Option<Millis>, bool) = tx
        .prepare_cached(
            "SELECT (SELECT min(created_at) FROM messages
                     WHERE conversation_id = ?1 AND from_us = 0 AND created_at > ?2),
                    EXISTS (SELECT 1 FROM messages
                            WHERE conversation_id = ?1 AND from_us = 0 AND mentions_us = 1)",
        )?
        .query_row(params![id, last_team.unwrap_or(-1)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut texts = Vec::new();
    let mut members: Vec<i64> = Vec::new();
    let mut first_post = false;
    let mut latest = tx.prepare_cached(
        "SELECT m.body_text, mb.id, mb.first_seen_at >= m.created_at
         FROM messages m
         JOIN identities i ON i.id = m.author_identity_id
         JOIN members mb ON mb.id = i.member_id
         WHERE m.conversation_id = ?1 AND m.from_us = 0
         ORDER BY m.created_at DESC LIMIT ?2",
    )?;
    let rows = latest.query_map(params![id, TEXT_WINDOW], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<bool>>(2)?,
        ))
    })?;
    for row in rows {
        let (text, member, first) = row?;
        if rules.reads_text {
            texts.push(text);
        }
        first_post |= first == Some(true);
        if !members.contains(&member) {
            members.push(member);
        }
    }
    Ok(Some(Facts {
        platform: platform.parse::<Platform>().ok(),
        channel: channel_key(&channel),
        assignee,
        earlier,
        unanswered_since,
        mentions_us,
        first_post,
        texts,
        members,
    }))
}

/// The tags of the members writing in a conversation (lowercased).
fn member_tags(tx: &Connection, members: &[i64]) -> Result<HashSet<String>> {
    if members.is_empty() {
        return Ok(HashSet::new());
    }
    let marks = vec!["?"; members.len()].join(",");
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT DISTINCT lower(t.name) FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
         WHERE mt.member_id IN ({marks})"
    ))?;
    let tags = stmt
        .query_map(params_from_iter(members), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(tags)
}

/// Whether one of `members` is in the segment.
fn in_segment(tx: &Connection, sql: &(String, Vec<Value>), members: &[i64]) -> Result<bool> {
    if members.is_empty() {
        return Ok(false);
    }
    let marks = vec!["?"; members.len()].join(",");
    let mut args = sql.1.clone();
    args.extend(members.iter().map(|id| Value::Integer(*id)));
    Ok(tx
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM members m {} AND m.id IN ({marks}))",
            sql.0
        ))?
        .query_row(params_from_iter(args), |r| r.get(0))?)
}

/// What one rule makes of a conversation: why it matches (None: it does not), and when a
/// condition on time could change that.
struct Verdict {
    why: Option<String>,
    due: Option<Millis>,
}

fn judge(
    tx: &Connection,
    rule: &Compiled,
    f: &Facts,
    tags: &mut Option<HashSet<String>>,
    now: Millis,
) -> Result<Verdict> {
    let mut why = Vec::new();
    let mut due = None;
    let mut holds = true;
    for test in &rule.when {
        let said = match test {
            Test::Mentions => f.mentions_us.then(|| "mentions you".to_string()),
            Test::Unanswered(after) => match f.unanswered_since {
                Some(since) if now - since >= *after => {
                    Some(format!("unanswered over {} h", after / HOUR))
                }
                Some(since) => {
                    due = Some(since + after);
                    None
                }
                None => None,
            },
            Test::FirstPost => f.first_post.then(|| "first post".to_string()),
            Test::MemberTag(tag) => {
                if tags.is_none() {
                    *tags = Some(member_tags(tx, &f.members)?);
                }
                tags.as_ref()
                    .filter(|t| t.contains(tag))
                    .map(|_| format!("member tagged {tag}"))
            }
            Test::Segment(name, sql) => match sql {
                Some(sql) => in_segment(tx, sql, &f.members)?.then(|| format!("member in {name}")),
                None => None,
            },
            Test::Text(re, said) => f.texts.iter().any(|t| re.is_match(t)).then(|| said.clone()),
            Test::Platform(p) => (f.platform == Some(*p)).then(|| format!("on {}", p.as_str())),
            Test::Channel(c) => (f.channel == *c).then(|| format!("in #{c}")),
        };
        match said {
            Some(s) => why.push(s),
            None => holds = false,
        }
    }
    Ok(Verdict {
        why: holds.then(|| why.join(" · ")),
        due: if holds { None } else { due },
    })
}

/// Weighs one conversation against the rules inside the caller's transaction: keeps its
/// facts, its points and reasons, and applies the effects of rules that start to match.
fn weigh(tx: &Transaction<'_>, rules: &Rules, id: i64, now: Millis) -> Result<()> {
    let Some(f) = facts(tx, id, rules)? else {
        return Ok(());
    };
    let mut reasons: Vec<Reason> = Vec::new();
    let mut due: Option<Millis> = None;
    let mut tags = if rules.reads_members {
        None
    } else {
        Some(HashSet::new())
    };
    let mut assignee = f.assignee.clone();
    for rule in &rules.rules {
        let verdict = judge(tx, rule, &f, &mut tags, now)?;
        if let Some(d) = verdict.due {
            due = Some(due.map_or(d, |x: Millis| x.min(d)));
        }
        let Some(why) = verdict.why else { continue };
        let points = rule
            .then
            .iter()
            .map(|e| match e {
                RuleEffect::Points { points } => *points,
                _ => 0,
            })
            .sum();
        if !f.earlier.contains(&rule.id) {
            for effect in &rule.then {
                apply(tx, id, effect, &mut assignee)?;
            }
        }
        reasons.push(Reason {
            rule_id: rule.id,
            rule: rule.name.clone(),
            why,
            points,
        });
    }
    let points: i64 = reasons.iter().map(|r| r.points).sum();
    let json = if reasons.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&reasons).map_err(|e| Error::invalid(e.to_string()))?)
    };
    let first_post = f.first_post;
    // Written only when something changed: an UPDATE naming these columns rewrites the wide
    // rank index entry whatever the values, and most batches change none of them.
    tx.prepare_cached(
        "UPDATE conversations SET unanswered_since = ?2, mentions_us = ?3, first_post = ?4,
             rule_points = ?5, reasons = ?6, rule_due_at = ?7
         WHERE id = ?1
           AND (unanswered_since IS NOT ?2 OR mentions_us IS NOT ?3 OR first_post IS NOT ?4
                OR rule_points IS NOT ?5 OR reasons IS NOT ?6 OR rule_due_at IS NOT ?7)",
    )?
    .execute(params![
        id,
        f.unanswered_since,
        f.mentions_us,
        first_post,
        points,
        json,
        due
    ])?;
    Ok(())
}

fn apply(
    tx: &Transaction<'_>,
    id: i64,
    effect: &RuleEffect,
    assignee: &mut Option<String>,
) -> Result<()> {
    match effect {
        RuleEffect::Points { .. } => {}
        RuleEffect::Tag { tag } => tag_conversation(tx, id, tag)?,
        RuleEffect::Assign { to } => {
            if assignee.is_none() {
                tx.prepare_cached(
                    "UPDATE conversations SET assignee = ?2 WHERE id = ?1 AND assignee IS NULL",
                )?
                .execute(params![id, to.trim()])?;
                *assignee = Some(to.trim().to_string());
            }
        }
        RuleEffect::View { view } => {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO conversation_views (conversation_id, view_id)
                 SELECT ?1, id FROM views WHERE name = ?2 COLLATE NOCASE",
            )?
            .execute(params![id, view.trim()])?;
        }
    }
    Ok(())
}

/// Weighs the conversations a batch touched, in the batch's transaction (called by ingest).
pub(crate) fn after_ingest(tx: &Transaction<'_>, ids: &[i64], now: Millis) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let rules = Rules::load(tx, now)?;
    for id in ids {
        weigh(tx, &rules, *id, now)?;
    }
    Ok(())
}

impl Store {
    /// Weighs again every conversation a rule on time has come due for ("unanswered 24h" a
    /// day after the question), and those marked after a change of rules. Runs in steps of a
    /// few thousand conversations, each its own transaction; returns how many it weighed.
    pub fn refresh_rules(&mut self, now: Millis) -> Result<usize> {
        let mut total = 0;
        loop {
            let tx = self.conn_mut().transaction()?;
            let ids: Vec<i64> = tx
                .prepare_cached(
                    "SELECT id FROM conversations WHERE rule_due_at <= ?1 ORDER BY rule_due_at LIMIT ?2",
                )?
                .query_map(params![now, SWEEP_CHUNK as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if ids.is_empty() {
                return Ok(total);
            }
            let rules = Rules::load(&tx, now)?;
            for id in &ids {
                weigh(&tx, &rules, *id, now)?;
            }
            tx.commit()?;
            total += ids.len();
            if ids.len() < SWEEP_CHUNK {
                return Ok(total);
            }
        }
    }

    /// The rules, in the order they run, with how many open conversations each matches.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        let conn = self.conn();
        let mut out = Vec::new();
        let mut matching = conn.prepare_cached(
            "SELECT count(*) FROM conversations c, json_each(c.reasons) r
             WHERE c.status = 'open' AND c.reasons IS NOT NULL
               AND json_extract(r.value, '$.ruleId') = ?1",
        )?;
        for (id, name, enabled, when, then) in read_rules(conn)? {
            let (when, then) = decode(id, &when, &then)?;
            let problem = problem_of(conn, &when, &then)?;
            out.push(Rule {
                id,
                name,
                enabled,
                when_words: when.iter().map(ToString::to_string).collect(),
                then_words: then.iter().map(ToString::to_string).collect(),
                matching: if enabled {
                    matching.query_row([id], |r| r.get(0))?
                } else {
                    0
                },
                when,
                then,
                problem,
            });
        }
        Ok(out)
    }

    /// One rule by id or name.
    pub fn rule(&self, id_or_name: &str) -> Result<Rule> {
        let key = id_or_name.trim();
        self.rules()?
            .into_iter()
            .find(|r| r.id.to_string() == key || r.name.eq_ignore_ascii_case(key))
            .ok_or_else(|| Error::invalid(format!("there is no rule '{key}'")))
    }

    /// Adds a rule after the others and weighs the queue against it.
    pub fn add_rule(&mut self, draft: &RuleDraft, now: Millis) -> Result<Rule> {
        let (name, when, then) = read_draft(draft)?;
        let tx = self.conn_mut().transaction()?;
        super::ensure_name_free(&tx, "rules", "rule", &name, None)?;
        tx.execute(
            "INSERT INTO rules (name, enabled, position, conditions, effects, created_at, updated_at)
             VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM rules), ?3, ?4, ?5, ?5)",
            params![name, draft.enabled, json(&when)?, json(&then)?, now],
        )?;
        let id = tx.last_insert_rowid();
        mark_queue(&tx)?;
        tx.commit()?;
        self.refresh_rules(now)?;
        self.rule(&id.to_string())
    }

    /// Changes a rule (its name, conditions, effects, or whether it is on) and weighs the queue
    /// again.
    pub fn update_rule(&mut self, id: i64, draft: &RuleDraft, now: Millis) -> Result<Rule> {
        let (name, when, then) = read_draft(draft)?;
        let tx = self.conn_mut().transaction()?;
        super::ensure_name_free(&tx, "rules", "rule", &name, Some(id))?;
        let n = tx.execute(
            "UPDATE rules SET name = ?2, enabled = ?3, conditions = ?4, effects = ?5, updated_at = ?6
             WHERE id = ?1",
            params![id, name, draft.enabled, json(&when)?, json(&then)?, now],
        )?;
        if n == 0 {
            return Err(Error::not_found("rule", id));
        }
        mark_queue(&tx)?;
        tx.commit()?;
        self.refresh_rules(now)?;
        self.rule(&id.to_string())
    }

    /// Turns a rule on or off and weighs the queue again.
    pub fn set_rule_enabled(&mut self, id: i64, enabled: bool, now: Millis) -> Result<Rule> {
        let tx = self.conn_mut().transaction()?;
        let n = tx.execute(
            "UPDATE rules SET enabled = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, enabled, now],
        )?;
        if n == 0 {
            return Err(Error::not_found("rule", id));
        }
        mark_queue(&tx)?;
        tx.commit()?;
        self.refresh_rules(now)?;
        self.rule(&id.to_string())
    }

    /// Removes a rule; what it tagged or assigned stays as it is.
    pub fn remove_rule(&mut self, id: i64, now: Millis) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        if tx.execute("DELETE FROM rules WHERE id = ?1", [id])? == 0 {
            return Err(Error::not_found("rule", id));
        }
        mark_queue(&tx)?;
        tx.commit()?;
        self.refresh_rules(now)?;
        Ok(())
    }

    /// What a rule (saved or not) would match in the open queue now, without changing
    /// anything: how many conversations, and the first `limit` of them with why.
    pub fn test_rule(&self, draft: &RuleDraft, limit: usize, now: Millis) -> Result<RuleCheck> {
        let (name, when, then) = read_draft(draft)?;
        let conn = self.conn();
        let when = when
            .iter()
            .map(|c| test_of(conn, c, &name, now))
            .collect::<Result<_>>()?;
        let rule = Compiled {
            id: 0,
            name,
            when,
            then,
        };
        let reads_text = rule.when.iter().any(|t| matches!(t, Test::Text(..)));
        let reads_members = rule
            .when
            .iter()
            .any(|t| matches!(t, Test::MemberTag(_) | Test::Segment(..)));
        // The facts ingest keeps on each conversation, read in one pass; only a rule on
        // words or on members reads messages, and then only each conversation's latest few.
        // (Working every fact out again took 2.4 s over 5,000 open conversations: too slow to
        // answer as someone types a rule.)
        let mut stmt = conn.prepare(
            "SELECT id, coalesce(title, container, ''), platform, coalesce(container, ''),
                    assignee, unanswered_since, mentions_us, first_post
             FROM conversations
             WHERE status = 'open' OR (status = 'snoozed' AND snoozed_until <= ?1)
             ORDER BY rank DESC, last_message_at DESC, id DESC",
        )?;
        let open = stmt.query_map([now], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                Facts {
                    platform: r.get::<_, String>(2)?.parse::<Platform>().ok(),
                    channel: channel_key(&r.get::<_, String>(3)?),
                    assignee: r.get(4)?,
                    earlier: HashSet::new(),
                    unanswered_since: r.get(5)?,
                    mentions_us: r.get(6)?,
                    first_post: r.get(7)?,
                    texts: Vec::new(),
                    members: Vec::new(),
                },
            ))
        })?;
        // Each open conversation's latest member messages (their words, their authors), in
        // one pass over the open queue rather than a query per conversation.
        let mut said: HashMap<i64, (Vec<String>, Vec<i64>, usize)> = HashMap::new();
        if reads_text || reads_members {
            let mut stmt = conn.prepare(
                "SELECT m.conversation_id, CASE WHEN ?2 THEN m.body_text ELSE '' END, i.member_id
                 FROM conversations c
                 JOIN messages m ON m.conversation_id = c.id
                 JOIN identities i ON i.id = m.author_identity_id
                 WHERE (c.status = 'open' OR (c.status = 'snoozed' AND c.snoozed_until <= ?1))
                   AND m.from_us = 0
                 ORDER BY m.conversation_id, m.created_at DESC",
            )?;
            let mut rows = stmt.query(params![now, reads_text])?;
            while let Some(r) = rows.next()? {
                let (texts, members, seen) = said.entry(r.get(0)?).or_default();
                if *seen >= TEXT_WINDOW as usize {
                    continue;
                }
                *seen += 1;
                if reads_text {
                    texts.push(r.get(1)?);
                }
                let member: i64 = r.get(2)?;
                if !members.contains(&member) {
                    members.push(member);
                }
            }
        }
        let mut check = RuleCheck {
            matching: 0,
            samples: Vec::new(),
        };
        for row in open {
            let (id, title, mut f) = row?;
            if let Some((texts, members, _)) = said.remove(&id) {
                f.texts = texts;
                f.members = members;
            }
            let mut tags = None;
            if let Some(why) = judge(conn, &rule, &f, &mut tags, now)?.why {
                check.matching += 1;
                if check.samples.len() < limit {
                    check.samples.push(RuleMatch { id, title, why });
                }
            }
        }
        Ok(check)
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::invalid(e.to_string()))
}

/// After a change of rules: every conversation not done is weighed again at the next sweep.
fn mark_queue(tx: &Transaction<'_>) -> Result<()> {
    tx.execute(
        "UPDATE conversations SET rule_due_at = 0 WHERE status <> 'done'",
        [],
    )?;
    Ok(())
}

/// Whether a row of `table` (`segments`, `views`) has this name, whatever its case.
fn named(conn: &Connection, table: &'static str, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE name = ?1 COLLATE NOCASE)"),
        [name.trim()],
        |r| r.get(0),
    )?)
}

/// What stops a rule from doing what it says, in words.
fn problem_of(
    conn: &Connection,
    when: &[RuleCondition],
    then: &[RuleEffect],
) -> Result<Option<String>> {
    for c in when {
        if let RuleCondition::Segment { segment } = c {
            if !named(conn, "segments", segment)? {
                return Ok(Some(format!(
                    "there is no segment '{segment}', so this rule matches nothing"
                )));
            }
        }
    }
    for e in then {
        if let RuleEffect::View { view } = e {
            if !named(conn, "views", view)? {
                return Ok(Some(format!(
                    "there is no saved view '{view}' to put conversations in"
                )));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_and_effects_read_back_as_written() {
        for words in [
            "mentions",
            "unanswered 24h",
            "first post",
            "member tagged vip",
            "segment Champions",
            "keyword how do I",
            "regex (?i)windows ?11",
            "platform discord",
            "channel #help",
        ] {
            let c = parse_condition(words).expect(words);
            assert_eq!(c.to_string(), words);
        }
        for words in ["+3", "-2", "tag bug", "assign Ana", "view Billing"] {
            let e = parse_effect(words).expect(words);
            assert_eq!(e.to_string(), words);
        }
        assert_eq!(
            parse_condition("unanswered 2d").ok(),
            Some(RuleCondition::Unanswered { hours: 48 })
        );
        assert_eq!(
            parse_effect("priority 2").ok(),
            Some(RuleEffect::Points { points: 2 })
        );
    }

    #[test]
    fn bad_words_say_what_would_do() {
        let e = parse_condition("sentiment angry").unwrap_err().to_string();
        assert!(e.contains("mentions") && e.contains("keyword crash"), "{e}");
        let e = parse_condition("regex (unclosed").unwrap_err().to_string();
        assert!(e.contains("does not read"), "{e}");
        let e = parse_effect("+42").unwrap_err().to_string();
        assert!(e.contains("-9 to +9"), "{e}");
        let e = parse_condition("unanswered soon").unwrap_err().to_string();
        assert!(e.contains("24h"), "{e}");
        assert!(parse_condition("platform myspace").is_err());
    }

    #[test]
    fn keywords_match_whole_words_in_any_case() {
        let re = keyword("crash").expect("keyword");
        assert!(re.is_match("The app CRASHES? no: it will crash."));
        assert!(!re.is_match("crashed"));
        let re = keyword("how do I").expect("keyword");
        assert!(re.is_match("So, how  do i install it?"));
    }
}
