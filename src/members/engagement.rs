//! Engagement: how engaged each member is lately, worked out on this device, and why. Owns the
//! score, the level, the trend, the two flags (going quiet, new and active) stored on `members`
//! by one whole-workspace pass ([`Store::compute_engagement`]), and the explanation a profile
//! shows, worked out by the same code from one member's activity. Must never: send anything
//! anywhere, or read the clock (callers pass `now`).
//!
//! **The score.** Every message a member wrote counts by what it was, read from what ingest
//! stores (`member_activity` rows of kind `message`) and the conversation it is in:
//!
//! | what | weight |
//! | --- | --- |
//! | an issue or pull request opened (the first message of an `issue`/`pull_request`) | 4 |
//! | a thread started (the first message of any other conversation) | 3 |
//! | a reply or answer (any other message) | 1 |
//!
//! and each weight halves for every 30 days since ([`HALF_LIFE`]): a month-old thread counts
//! 1.5, a three-month-old one 0.375. Thirty days is about the rhythm of a community (a release,
//! a monthly call): someone who helped last week matters more than someone who wrote a lot last
//! year, and a year-old burst of 300 messages (≈ 0.06 after 12 half-lives) weighs less than a
//! handful of recent replies. Reactions received are not counted: no connector stores them yet.
//!
//! **Levels** use fixed thresholds on the score, with one workspace-relative guard:
//!
//! - **Core**: score ≥ 15 *and* in the top 10% of scored members. 15 is about a thread started
//!   every week plus a few replies, kept up; the top-10% guard keeps "core" a small group in a
//!   very busy community, where a fixed number alone would make hundreds of people "core".
//! - **Active**: score ≥ 5 (a reply every few days, or a couple of threads this month).
//! - **Casual**: score ≥ 1 (something in the last month or two).
//! - **Quiet**: less.
//!
//! Fixed thresholds mean a member's level does not change because others joined or left, and
//! it reads the same in a 50-person and a 50,000-person community; pure percentiles would call
//! the one person who wrote twice this quarter "core" in a quiet workspace.
//!
//! **Trend**: messages in the last 30 days against the 30 before; rising or falling when they
//! differ by at least 2 and by at least a quarter.
//!
//! **Going quiet**: was among the most active a month ago (score as of 30 days ago in the top
//! 10% of members scored then, and at least the Active threshold) and silent for three weeks
//! or more. **New and active**: first seen in the last 30 days and already at least
//! [`NEW_ACTIVE_MESSAGES`] messages or the Active threshold.
//!
//! The two workspace-relative cutoffs are kept in `settings` by the pass, so a profile read
//! later explains the same level with the same numbers. The stored columns (what the list
//! sorts and segments filter on) are as of the last pass: a merge or an unmerge leaves them
//! until the next one (a sync, the demo, `hearth members rescore`), so undoing a merge puts
//! back exactly what was stored; the profile always works its member out afresh.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::model::{Engagement, EngagementFactor, EngagementLevel, Millis, Trend};
use crate::store::Store;

const DAY: Millis = 24 * 60 * 60 * 1000;
/// Every weight halves after this long.
pub const HALF_LIFE: Millis = 30 * DAY;
/// Points of an issue or pull request opened, a thread started, a reply.
pub const WEIGHT_ISSUE: f64 = 4.0;
pub const WEIGHT_THREAD: f64 = 3.0;
pub const WEIGHT_REPLY: f64 = 1.0;
/// The lowest score of each level.
pub const CORE_MIN: f64 = 15.0;
pub const ACTIVE_MIN: f64 = 5.0;
pub const CASUAL_MIN: f64 = 1.0;
/// Core and "was among the most active" mean the top this share of scored members.
pub const TOP_SHARE: f64 = 0.10;
/// Silent this long, after being among the most active, is going quiet.
pub const QUIET_AFTER: Millis = 21 * DAY;
/// A member first seen this recently is new.
pub const NEW_WITHIN: Millis = 30 * DAY;
/// Messages a new member needs in their first 30 days to be "new and active".
pub const NEW_ACTIVE_MESSAGES: i64 = 5;

const WINDOW: Millis = 30 * DAY;
const CORE_CUTOFF_KEY: &str = "engagement.core_cutoff";
const TOP_THEN_CUTOFF_KEY: &str = "engagement.top_then_cutoff";

/// What a message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Issue,
    Thread,
    Reply,
}

impl What {
    fn weight(self) -> f64 {
        match self {
            What::Issue => WEIGHT_ISSUE,
            What::Thread => WEIGHT_THREAD,
            What::Reply => WEIGHT_REPLY,
        }
    }

    fn index(self) -> usize {
        match self {
            What::Issue => 0,
            What::Thread => 1,
            What::Reply => 2,
        }
    }

    fn words(self, n: i64) -> String {
        let s = if n == 1 { "" } else { "s" };
        match self {
            What::Issue => format!("{n} issue{s} or pull request{s} opened"),
            What::Thread => format!("{n} thread{s} started"),
            What::Reply => format!("{n} repl{}", if n == 1 { "y" } else { "ies" }),
        }
    }
}

const WHATS: [What; 3] = [What::Issue, What::Thread, What::Reply];

fn decay(age: Millis) -> f64 {
    (-(age.max(0) as f64) / HALF_LIFE as f64 * std::f64::consts::LN_2).exp()
}

/// One member's activity, summed as it is read.
#[derive(Debug, Clone, Default)]
struct Tally {
    score: f64,
    /// The score as it stood 30 days ago (activity up to then).
    score_then: f64,
    recent: i64,
    previous: i64,
    first_at: Option<Millis>,
    last_at: Option<Millis>,
    /// For the explanation: [kind][0 = last 30 days, 1 = 30–90 days, 2 = older] → (count, points).
    parts: [[(i64, f64); 3]; 3],
    /// Every message at full weight, before time took its share.
    undecayed: f64,
}

impl Tally {
    fn add(&mut self, what: What, at: Millis, now: Millis) {
        let age = now - at;
        let w = what.weight();
        let points = w * decay(age);
        self.score += points;
        self.undecayed += w;
        if age >= WINDOW {
            self.score_then += w * decay(age - WINDOW);
        }
        if age <= WINDOW {
            self.recent += 1;
        } else if age <= 2 * WINDOW {
            self.previous += 1;
        }
        let bucket = if age <= WINDOW {
            0
        } else if age <= 3 * WINDOW {
            1
        } else {
            2
        };
        let part = &mut self.parts[what.index()][bucket];
        part.0 += 1;
        part.1 += points;
        self.first_at = Some(self.first_at.map_or(at, |f| f.min(at)));
        self.last_at = Some(self.last_at.map_or(at, |l| l.max(at)));
    }
}

/// The workspace-relative cutoffs of the last pass.
#[derive(Debug, Clone, Copy)]
struct Cutoffs {
    /// The lowest score in the top 10% now (Core needs it and [`CORE_MIN`]).
    core: f64,
    /// The lowest score, 30 days ago, in the top 10% then.
    top_then: f64,
}

/// Level, trend and flags of one member from their tally.
fn assess(
    t: &Tally,
    first_seen: Option<Millis>,
    cut: Cutoffs,
    now: Millis,
) -> (EngagementLevel, Trend, bool, bool) {
    let level = if t.score >= CORE_MIN.max(cut.core) {
        EngagementLevel::Core
    } else if t.score >= ACTIVE_MIN {
        EngagementLevel::Active
    } else if t.score >= CASUAL_MIN {
        EngagementLevel::Casual
    } else {
        EngagementLevel::Quiet
    };
    let diff = t.recent - t.previous;
    let enough = 2.max((t.recent.max(t.previous) + 3) / 4);
    let trend = if diff >= enough {
        Trend::Rising
    } else if -diff >= enough {
        Trend::Falling
    } else {
        Trend::Steady
    };
    let going_quiet = t.score_then >= ACTIVE_MIN.max(cut.top_then)
        && t.last_at.is_some_and(|l| now - l >= QUIET_AFTER);
    let first = match (first_seen, t.first_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let new_and_active = first.is_some_and(|f| now - f <= NEW_WITHIN)
        && (t.recent >= NEW_ACTIVE_MESSAGES || t.score >= ACTIVE_MIN);
    (level, trend, going_quiet, new_and_active)
}

/// The lowest score in the top [`TOP_SHARE`] of `scores` (those above zero), or infinity when
/// nobody scored.
fn top_cutoff(mut scores: Vec<f64>) -> f64 {
    scores.retain(|s| *s > 0.0);
    if scores.is_empty() {
        return f64::INFINITY;
    }
    scores.sort_by(|a, b| b.total_cmp(a));
    let n = ((scores.len() as f64 * TOP_SHARE).ceil() as usize).clamp(1, scores.len());
    scores[n - 1]
}

/// The first message of every conversation, and whether that conversation is an issue or a
/// pull request: one read of the conversations, each through the messages index.
fn first_messages(conn: &Connection) -> Result<HashMap<i64, bool>> {
    let mut stmt = conn.prepare(
        "SELECT (SELECT f.id FROM messages f WHERE f.conversation_id = c.id
                 ORDER BY f.created_at, f.id LIMIT 1),
                c.kind IN ('issue', 'pull_request')
         FROM conversations c",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, bool>(1)?))
    })?;
    let mut firsts = HashMap::new();
    for row in rows {
        if let (Some(id), issue) = row? {
            firsts.insert(id, issue);
        }
    }
    Ok(firsts)
}

fn what_of(firsts: &HashMap<i64, bool>, message: Option<i64>) -> What {
    match message.and_then(|m| firsts.get(&m)) {
        Some(true) => What::Issue,
        Some(false) => What::Thread,
        None => What::Reply,
    }
}

fn read_cutoffs(conn: &Connection) -> Result<Cutoffs> {
    let get = |key: &str| -> Result<Option<f64>> {
        Ok(crate::store::setting_in(conn, key)?.and_then(|v| v.parse().ok()))
    };
    Ok(Cutoffs {
        core: get(CORE_CUTOFF_KEY)?.unwrap_or(CORE_MIN),
        top_then: get(TOP_THEN_CUTOFF_KEY)?.unwrap_or(ACTIVE_MIN),
    })
}

/// What one whole-workspace pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EngagementReport {
    pub members: u64,
    pub activity: u64,
    /// Members whose stored engagement changed.
    pub updated: u64,
    pub core: u64,
    pub active: u64,
    pub going_quiet: u64,
    pub new_and_active: u64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Store {
    /// Works out every member's engagement as of `now` and stores it: one read of the
    /// conversations' first messages, one of all activity, summed in memory, and an update of
    /// the members whose values changed, in one transaction. Called after a sync run and after
    /// the demo; cheap enough to run after every sync (see docs/performance.md).
    pub fn compute_engagement(&mut self, now: Millis) -> Result<EngagementReport> {
        let tx = self.conn_mut().transaction()?;
        let firsts = first_messages(&tx)?;
        let mut tallies: HashMap<i64, Tally> = HashMap::new();
        let mut report = EngagementReport::default();
        {
            let mut stmt = tx.prepare(
                "SELECT member_id, occurred_at, message_id FROM member_activity
                 WHERE kind = 'message'",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let member: i64 = r.get(0)?;
                let at: Millis = r.get(1)?;
                let message: Option<i64> = r.get(2)?;
                tallies
                    .entry(member)
                    .or_default()
                    .add(what_of(&firsts, message), at, now);
                report.activity += 1;
            }
        }
        struct Row {
            id: i64,
            first_seen: Option<Millis>,
            is_team: bool,
            stored: (f64, String, i64, i64, bool, bool),
        }
        let members: Vec<Row> = tx
            .prepare(
                "SELECT id, first_seen_at, is_team, engagement_score, engagement_level,
                        activity_30d, activity_prev_30d, going_quiet, new_and_active
                 FROM members WHERE merged_into IS NULL",
            )?
            .query_map([], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    first_seen: r.get(1)?,
                    is_team: r.get(2)?,
                    stored: (
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let community = || members.iter().filter(|m| !m.is_team);
        let score_of = |m: &Row, then: bool| {
            tallies
                .get(&m.id)
                .map_or(0.0, |t| if then { t.score_then } else { t.score })
        };
        let cut = Cutoffs {
            core: top_cutoff(community().map(|m| score_of(m, false)).collect()),
            top_then: top_cutoff(community().map(|m| score_of(m, true)).collect()),
        };
        let empty = Tally::default();
        {
            // Only the indexes of the columns an UPDATE sets are rewritten: most days only the
            // score and counts move, and the level and flags (each indexed for segments) stay.
            let mut update_all = tx.prepare(
                "UPDATE members SET engagement_score = ?2, engagement_level = ?3,
                     activity_30d = ?4, activity_prev_30d = ?5, going_quiet = ?6,
                     new_and_active = ?7
                 WHERE id = ?1",
            )?;
            let mut update_score = tx.prepare(
                "UPDATE members SET engagement_score = ?2, activity_30d = ?3,
                     activity_prev_30d = ?4
                 WHERE id = ?1",
            )?;
            for m in &members {
                report.members += 1;
                let t = tallies.get(&m.id).unwrap_or(&empty);
                let (mut level, _, mut quiet, mut new) = assess(t, m.first_seen, cut, now);
                if m.is_team {
                    // the team's own accounts are not ranked among the community
                    (level, quiet, new) = (EngagementLevel::Quiet, false, false);
                }
                match level {
                    EngagementLevel::Core => report.core += 1,
                    EngagementLevel::Active => report.active += 1,
                    _ => {}
                }
                report.going_quiet += u64::from(quiet);
                report.new_and_active += u64::from(new);
                let score = round2(t.score);
                let fresh = (
                    score,
                    level.as_str().to_string(),
                    t.recent,
                    t.previous,
                    quiet,
                    new,
                );
                if fresh != m.stored {
                    let (_, level, _, _, quiet, new) = &m.stored;
                    if (level, quiet, new) == (&fresh.1, &fresh.4, &fresh.5) {
                        update_score.execute(params![m.id, fresh.0, fresh.2, fresh.3])?;
                    } else {
                        update_all.execute(params![
                            m.id, fresh.0, fresh.1, fresh.2, fresh.3, fresh.4, fresh.5
                        ])?;
                    }
                    report.updated += 1;
                }
            }
        }
        for (key, value) in [
            (CORE_CUTOFF_KEY, cut.core),
            (TOP_THEN_CUTOFF_KEY, cut.top_then),
        ] {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(report)
    }
}

/// One member's engagement as of `now`, with what raised and lowered it: the same sums as the
/// whole-workspace pass, read from this member's activity alone, with the cutoffs of the last
/// pass.
pub(crate) fn engagement_of(conn: &Connection, member: i64, now: Millis) -> Result<Engagement> {
    let cut = read_cutoffs(conn)?;
    let (first_seen, is_team): (Option<Millis>, bool) = conn
        .prepare_cached("SELECT first_seen_at, is_team FROM members WHERE id = ?1")?
        .query_row([member], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut t = Tally::default();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT a.occurred_at,
                    CASE WHEN a.message_id IS NOT NULL AND a.message_id =
                        (SELECT f.id FROM messages f WHERE f.conversation_id = a.conversation_id
                         ORDER BY f.created_at, f.id LIMIT 1)
                    THEN (CASE WHEN c.kind IN ('issue', 'pull_request') THEN 0 ELSE 1 END)
                    ELSE 2 END
             FROM member_activity a LEFT JOIN conversations c ON c.id = a.conversation_id
             WHERE a.member_id = ?1 AND a.kind = 'message'",
        )?;
        let mut rows = stmt.query([member])?;
        while let Some(r) = rows.next()? {
            let at: Millis = r.get(0)?;
            let what = match r.get::<_, i64>(1)? {
                0 => What::Issue,
                1 => What::Thread,
                _ => What::Reply,
            };
            t.add(what, at, now);
        }
    }
    let (mut level, trend, mut going_quiet, mut new_and_active) = assess(&t, first_seen, cut, now);
    if is_team {
        (level, going_quiet, new_and_active) = (EngagementLevel::Quiet, false, false);
    }
    Ok(Engagement {
        score: round2(t.score),
        level,
        trend,
        last_30_days: t.recent,
        previous_30_days: t.previous,
        going_quiet,
        new_and_active,
        factors: factors(&t, now),
    })
}

/// What raised the score, kind by kind and period by period, and what time took away.
fn factors(t: &Tally, now: Millis) -> Vec<EngagementFactor> {
    let mut out = Vec::new();
    for what in WHATS {
        for (bucket, when) in ["in the last 30 days", "30–90 days ago"].iter().enumerate() {
            let (n, points) = t.parts[what.index()][bucket];
            if n > 0 {
                out.push(EngagementFactor {
                    points: round2(points),
                    text: format!("{} {when}", what.words(n)),
                });
            }
        }
    }
    let (old_n, old_points) = WHATS
        .iter()
        .map(|w| t.parts[w.index()][2])
        .fold((0, 0.0), |(n, p), (n2, p2)| (n + n2, p + p2));
    if old_n > 0 {
        out.push(EngagementFactor {
            points: round2(old_points),
            text: format!(
                "{old_n} message{} more than 90 days ago",
                if old_n == 1 { "" } else { "s" }
            ),
        });
    }
    out.sort_by(|a, b| b.points.total_cmp(&a.points));
    let lost = t.score - t.undecayed;
    if let Some(last) = t.last_at {
        let days = (now - last).max(0) / DAY;
        let ago = match days {
            0 => "today".to_string(),
            1 => "yesterday".to_string(),
            d => format!("{d} days ago"),
        };
        out.push(EngagementFactor {
            points: round2(lost),
            text: format!(
                "decay: last active {ago}; each message counts half as much every 30 days"
            ),
        });
    } else {
        out.push(EngagementFactor {
            points: 0.0,
            text: "no messages yet".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_800_000_000_000;

    #[test]
    fn a_weight_halves_every_thirty_days() {
        let mut t = Tally::default();
        t.add(What::Thread, NOW - HALF_LIFE, NOW);
        assert!((t.score - 1.5).abs() < 1e-9, "{}", t.score);
        assert!((t.score_then - 3.0).abs() < 1e-9, "it was new 30 days ago");
    }

    #[test]
    fn an_old_burst_weighs_less_than_a_few_recent_replies() {
        let mut old = Tally::default();
        for i in 0..300 {
            old.add(What::Reply, NOW - 365 * DAY - i * HOUR_MS, NOW);
        }
        let mut recent = Tally::default();
        for i in 0..4 {
            recent.add(What::Reply, NOW - i * DAY, NOW);
        }
        assert!(
            recent.score > old.score,
            "{} vs {}",
            recent.score,
            old.score
        );
    }

    const HOUR_MS: Millis = 3_600_000;

    #[test]
    fn the_top_cutoff_is_the_lowest_score_in_the_top_tenth() {
        let scores: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(top_cutoff(scores), 19.0);
        assert_eq!(top_cutoff(vec![0.0, 3.0]), 3.0);
        assert!(top_cutoff(vec![0.0]).is_infinite());
    }

    #[test]
    fn the_trend_needs_a_real_difference() {
        let cut = Cutoffs {
            core: CORE_MIN,
            top_then: ACTIVE_MIN,
        };
        let t = |recent, previous| Tally {
            recent,
            previous,
            ..Default::default()
        };
        assert_eq!(assess(&t(5, 1), None, cut, NOW).1, Trend::Rising);
        assert_eq!(assess(&t(1, 6), None, cut, NOW).1, Trend::Falling);
        assert_eq!(assess(&t(10, 9), None, cut, NOW).1, Trend::Steady);
        assert_eq!(assess(&t(1, 0), None, cut, NOW).1, Trend::Steady);
    }
}
