//! Community metrics over a period, beside the period of the same length before it. Owns the
//! definitions, in words here and in `docs/metrics.md`, and their computation from the synced
//! messages. Must never: count an account where a person is meant (a member on two platforms
//! is one), or count the team as the community.
//!
//! - **Members** are people after merges; the team's own members are left out of every member
//!   figure. **Active**: wrote at least one message in the period. **New**: their first
//!   message ever (on the platform asked for, if one is) is in the period. **Returning**:
//!   active and wrote before the period. **Going quiet**: active in the period before and not
//!   in this one. **New and active**: new, with at least three messages in the period.
//! - A **question** is a message a member (not the team) starts a conversation with — a
//!   thread, topic, issue, pull request, discussion or post — or, in a chat channel without
//!   threads, a member's message ending in "?" that does not itself reply to anything.
//!   Its **answers** are the later messages by someone else in its thread (in a channel: the
//!   messages that reply to it). **Answered**: it has one. **Acknowledged**: the asker wrote
//!   again after the first answer. **Time to first answer**: from the question to its first
//!   answer (by the team or by a member); the median is the middle value (the mean of the two
//!   middle ones for an even count), the 90th percentile the smallest time that 90% of
//!   answered questions were answered within. **Unanswered after a day**: of the questions
//!   asked at least a day before the period's end, those without an answer within a day.
//! - **Sentiment** is the mean of members' messages' scores (`health::sentiment`).
//! - Days, weeks (Monday to Sunday) and months are in UTC; a week or month at an edge of the
//!   period counts only its days inside the period.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, TimeZone, Utc};
use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{
    Bucket, ChannelFigures, Contributor, DayFigures, Metrics, MetricsQuery, Millis, PeriodFigures,
    Platform, ResponseFigures,
};
use crate::store::{platform_col, Store};

const DAY: Millis = 24 * 60 * 60 * 1000;
/// The period when none is asked for: the 30 days up to now.
pub const DEFAULT_DAYS: i64 = 30;
/// How long after a period answers to its questions are still looked for.
const ANSWER_WINDOW: Millis = 30 * DAY;
/// Messages in the period that make a new member "new and active".
const NEW_ACTIVE_MESSAGES: u32 = 3;
/// How many channels and contributors the lists keep.
const TOP: usize = 10;

/// One message as the metrics read it.
struct Msg {
    conversation: i64,
    channel_kind: bool,
    platform: Platform,
    channel: String,
    external_id: String,
    reply_to: Option<String>,
    member: i64,
    team: bool,
    at: Millis,
    sentiment: Option<f64>,
    ends_with_question: bool,
}

/// A question and what came of it.
struct Question {
    platform: Platform,
    channel: String,
    asker: i64,
    at: Millis,
    /// (member, team, when) of each answer, in time order.
    answers: Vec<(i64, bool, Millis)>,
    asker_after_answer: bool,
}

impl Question {
    fn first_answer(&self) -> Option<(i64, bool, Millis)> {
        self.answers.first().copied()
    }
}

/// The median of sorted `v` (the mean of the two middle values for an even count).
fn median(v: &[Millis]) -> Option<Millis> {
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

/// The nearest-rank percentile `p` (0–100) of sorted `v`.
fn percentile(v: &[Millis], p: usize) -> Option<Millis> {
    if v.is_empty() {
        return None;
    }
    let rank = (p * v.len()).div_ceil(100).max(1);
    Some(v[rank - 1])
}

fn mean(sum: f64, n: u32) -> Option<f64> {
    (n > 0).then(|| sum / f64::from(n))
}

fn day_of(at: Millis) -> Millis {
    at - at.rem_euclid(DAY)
}

fn week_of(at: Millis) -> Millis {
    let day = day_of(at);
    let weekday = Utc
        .timestamp_millis_opt(day)
        .single()
        .map_or(0, |d| d.weekday().num_days_from_monday());
    day - i64::from(weekday) * DAY
}

fn month_of(at: Millis) -> Millis {
    Utc.timestamp_millis_opt(at)
        .single()
        .and_then(|d| {
            Utc.with_ymd_and_hms(d.year(), d.month(), 1, 0, 0, 0)
                .single()
        })
        .map_or(day_of(at), |d| d.timestamp_millis())
}

/// Messages, members and sentiment of a day or a channel.
#[derive(Default)]
struct Tally {
    members: HashSet<i64>,
    messages: u32,
    new_members: u32,
    sentiment: f64,
    scored: u32,
}

impl Tally {
    fn add(&mut self, m: &Msg) {
        self.members.insert(m.member);
        self.messages += 1;
        if let Some(s) = m.sentiment {
            self.sentiment += s;
            self.scored += 1;
        }
    }

    fn mean_sentiment(&self) -> Option<f64> {
        mean(self.sentiment, self.scored)
    }
}

/// The figures on questions, for a period's whole or one platform or channel.
#[derive(Default)]
struct Answers {
    questions: u32,
    answered: u32,
    acknowledged: u32,
    replies: u32,
    participants: u32,
    times: Vec<Millis>,
    team_times: Vec<Millis>,
    community_times: Vec<Millis>,
    a_day_old: u32,
    unanswered_after_a_day: u32,
}

impl Answers {
    fn add(&mut self, q: &Question, end: Millis) {
        self.questions += 1;
        self.replies += q.answers.len() as u32;
        let mut people: HashSet<i64> = q.answers.iter().map(|a| a.0).collect();
        people.insert(q.asker);
        self.participants += people.len() as u32;
        let first = q.first_answer();
        if let Some((_, team, at)) = first {
            self.answered += 1;
            self.acknowledged += u32::from(q.asker_after_answer);
            let wait = at - q.at;
            self.times.push(wait);
            if team {
                self.team_times.push(wait);
            } else {
                self.community_times.push(wait);
            }
        }
        if q.at + DAY <= end {
            self.a_day_old += 1;
            if first.is_none_or(|(_, _, at)| at > q.at + DAY) {
                self.unanswered_after_a_day += 1;
            }
        }
    }

    fn sort(&mut self) {
        self.times.sort_unstable();
        self.team_times.sort_unstable();
        self.community_times.sort_unstable();
    }

    fn response(mut self, platform: Option<Platform>, channel: Option<String>) -> ResponseFigures {
        self.sort();
        ResponseFigures {
            platform,
            channel,
            questions: self.questions,
            answered: self.answered,
            first_reply_median: median(&self.times),
            first_reply_p90: percentile(&self.times, 90),
            questions_a_day_old: self.a_day_old,
            unanswered_after_a_day: self.unanswered_after_a_day,
        }
    }
}

impl Store {
    /// The community's health over `query`'s period (default: the 30 days up to `now`),
    /// beside the period of the same length before it.
    pub fn metrics(&self, query: &MetricsQuery, now: Millis) -> Result<Metrics> {
        let to = query.to.unwrap_or(now);
        let from = query.from.unwrap_or(to - DEFAULT_DAYS * DAY);
        if from >= to {
            return Err(Error::invalid(
                "the period ends before it starts: give --from a date before --to",
            ));
        }
        let len = to - from;
        let platform = query.platform.map(Platform::as_str);
        // Three periods of messages: this one, the one before (to compare), and the one before
        // that (who went quiet in the previous period); answers are looked for a while after.
        let start = from - 2 * len;
        let messages = self.metric_messages(start, to + ANSWER_WINDOW, platform)?;
        let firsts = self.first_messages_of(&messages, platform)?;
        let questions = self.questions_in(&messages)?;

        let current = self.figures(&messages, &questions, &firsts, from, to, from - len)?;
        let previous = self.figures(&messages, &questions, &firsts, from - len, from, start)?;

        // Day by day, and members per week and month.
        let mut days: BTreeMap<Millis, Tally> = BTreeMap::new();
        let mut day = day_of(from);
        while day < to {
            days.insert(day, Tally::default());
            day += DAY;
        }
        let mut weeks: BTreeMap<Millis, HashSet<i64>> = BTreeMap::new();
        let mut months: BTreeMap<Millis, HashSet<i64>> = BTreeMap::new();
        let mut channels: HashMap<(Platform, String), Tally> = HashMap::new();
        let mut writers: HashMap<i64, (u32, HashMap<Platform, u32>)> = HashMap::new();
        for m in messages
            .iter()
            .filter(|m| !m.team && m.at >= from && m.at < to)
        {
            if let Some(d) = days.get_mut(&day_of(m.at)) {
                d.add(m);
            }
            weeks.entry(week_of(m.at)).or_default().insert(m.member);
            months.entry(month_of(m.at)).or_default().insert(m.member);
            channels
                .entry((m.platform, m.channel.clone()))
                .or_default()
                .add(m);
            let w = writers.entry(m.member).or_default();
            w.0 += 1;
            *w.1.entry(m.platform).or_default() += 1;
        }
        for (member, first) in &firsts {
            if let Some(d) = days.get_mut(&day_of(*first)) {
                if d.members.contains(member) {
                    d.new_members += 1;
                }
            }
        }

        // Questions of the period, per platform and channel.
        let mut by_platform: BTreeMap<Platform, Answers> = BTreeMap::new();
        let mut by_channel: HashMap<(Platform, String), Answers> = HashMap::new();
        let mut asked: HashMap<i64, u32> = HashMap::new();
        let mut answered: HashMap<i64, u32> = HashMap::new();
        for q in questions.iter().filter(|q| q.at >= from && q.at < to) {
            by_platform.entry(q.platform).or_default().add(q, to);
            by_channel
                .entry((q.platform, q.channel.clone()))
                .or_default()
                .add(q, to);
            *asked.entry(q.asker).or_default() += 1;
            for (member, team, at) in &q.answers {
                if !team && *at < to {
                    *answered.entry(*member).or_default() += 1;
                }
            }
        }
        let mut by_channel: Vec<ResponseFigures> = by_channel
            .into_iter()
            .map(|((p, c), a)| a.response(Some(p), Some(c)))
            .collect();
        by_channel.sort_by(|a, b| {
            b.questions
                .cmp(&a.questions)
                .then_with(|| a.channel.cmp(&b.channel))
        });
        by_channel.truncate(TOP);

        let mut top_channels: Vec<ChannelFigures> = channels
            .into_iter()
            .map(|((platform, channel), t)| ChannelFigures {
                platform,
                channel,
                messages: t.messages,
                members: t.members.len() as u32,
                sentiment: t.mean_sentiment(),
            })
            .collect();
        top_channels.sort_by(|a, b| {
            b.messages
                .cmp(&a.messages)
                .then_with(|| a.channel.cmp(&b.channel))
        });
        top_channels.truncate(TOP);

        let mut top: Vec<(i64, u32, HashMap<Platform, u32>)> = writers
            .into_iter()
            .map(|(member, (n, on))| (member, n, on))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(TOP);
        let mut top_contributors = Vec::with_capacity(top.len());
        for (member, n, on) in top {
            let mut platforms: Vec<(Platform, u32)> = on.into_iter().collect();
            platforms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top_contributors.push(Contributor {
                member_id: member,
                name: self
                    .conn()
                    .query_row(
                        "SELECT display_name FROM members WHERE id = ?1",
                        [member],
                        |r| r.get(0),
                    )
                    .optional()?
                    .unwrap_or_default(),
                messages: n,
                questions: asked.get(&member).copied().unwrap_or(0),
                answers: answered.get(&member).copied().unwrap_or(0),
                platforms,
            });
        }

        let bucket = |m: BTreeMap<Millis, HashSet<i64>>| {
            m.into_iter()
                .map(|(start, people)| Bucket {
                    start,
                    value: people.len() as u32,
                })
                .collect()
        };
        Ok(Metrics {
            from,
            to,
            platform: query.platform,
            current,
            previous,
            days: days
                .into_iter()
                .map(|(day, t)| DayFigures {
                    day,
                    active_members: t.members.len() as u32,
                    new_members: t.new_members,
                    messages: t.messages,
                    sentiment: t.mean_sentiment(),
                })
                .collect(),
            weeks: bucket(weeks),
            months: bucket(months),
            by_platform: by_platform
                .into_iter()
                .map(|(p, a)| a.response(Some(p), None))
                .collect(),
            by_channel,
            top_channels,
            top_contributors,
        })
    }

    /// Messages written from `start` to `end`, with their author as a member (after merges).
    fn metric_messages(
        &self,
        start: Millis,
        end: Millis,
        platform: Option<&str>,
    ) -> Result<Vec<Msg>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT m.conversation_id, c.kind = 'channel', m.platform,
                        coalesce(c.container, c.title, ''), m.external_id, m.reply_to_external_id,
                        i.member_id, mm.is_team OR m.from_us, m.created_at, m.sentiment,
                        rtrim(m.body_text) LIKE '%?'
                 FROM messages m
                 JOIN conversations c ON c.id = m.conversation_id
                 JOIN identities i ON i.id = m.author_identity_id
                 JOIN members mm ON mm.id = i.member_id
                 WHERE m.created_at >= ?1 AND m.created_at < ?2
                   AND (?3 IS NULL OR m.platform = ?3) AND m.deleted_at IS NULL
                 ORDER BY m.conversation_id, m.created_at, m.id",
            )?
            .query_map(params![start, end, platform], |r| {
                Ok(Msg {
                    conversation: r.get(0)?,
                    channel_kind: r.get(1)?,
                    platform: platform_col(r, 2)?,
                    channel: r.get(3)?,
                    external_id: r.get(4)?,
                    reply_to: r.get(5)?,
                    member: r.get(6)?,
                    team: r.get(7)?,
                    at: r.get(8)?,
                    sentiment: r.get(9)?,
                    ends_with_question: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// When each member who wrote in `messages` first wrote (ever, on `platform` if given).
    fn first_messages_of(
        &self,
        messages: &[Msg],
        platform: Option<&str>,
    ) -> Result<HashMap<i64, Millis>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT min(occurred_at) FROM member_activity
             WHERE member_id = ?1 AND kind = 'message' AND (?2 IS NULL OR platform = ?2)",
        )?;
        let mut out = HashMap::new();
        for m in messages.iter().filter(|m| !m.team) {
            if out.contains_key(&m.member) {
                continue;
            }
            let first: Option<Millis> =
                stmt.query_row(params![m.member, platform], |r| r.get(0))?;
            out.insert(m.member, first.unwrap_or(m.at).min(m.at));
        }
        Ok(out)
    }

    /// The questions among `messages` (sorted by conversation and time) and their answers.
    fn questions_in(&self, messages: &[Msg]) -> Result<Vec<Question>> {
        let mut first_of = self
            .conn()
            .prepare_cached("SELECT min(created_at) FROM messages WHERE conversation_id = ?1")?;
        let mut out = Vec::new();
        for thread in messages.chunk_by(|a, b| a.conversation == b.conversation) {
            let first = &thread[0];
            if first.channel_kind {
                // In a channel: a member's message ending in "?" that replies to nothing; its
                // answers reply to it.
                let mut replies: HashMap<&str, Vec<&Msg>> = HashMap::new();
                for m in thread {
                    if let Some(to) = &m.reply_to {
                        replies.entry(to.as_str()).or_default().push(m);
                    }
                }
                for q in thread
                    .iter()
                    .filter(|m| !m.team && m.reply_to.is_none() && m.ends_with_question)
                {
                    let answers: Vec<&Msg> = replies
                        .get(q.external_id.as_str())
                        .map(|r| r.iter().copied().filter(|a| a.member != q.member).collect())
                        .unwrap_or_default();
                    out.push(question(q, &answers, thread));
                }
                continue;
            }
            if first.team {
                continue;
            }
            let started: Option<Millis> = first_of.query_row([first.conversation], |r| r.get(0))?;
            if started.is_some_and(|s| s < first.at) {
                // the thread began before the messages read: its question is older
                continue;
            }
            let answers: Vec<&Msg> = thread[1..]
                .iter()
                .filter(|m| m.member != first.member)
                .collect();
            out.push(question(first, &answers, thread));
        }
        Ok(out)
    }

    /// The figures of the period `[from, to)`; `before` starts the period before it (for who
    /// went quiet).
    fn figures(
        &self,
        messages: &[Msg],
        questions: &[Question],
        firsts: &HashMap<i64, Millis>,
        from: Millis,
        to: Millis,
        before: Millis,
    ) -> Result<PeriodFigures> {
        let mut active: HashMap<i64, u32> = HashMap::new();
        let mut earlier: HashSet<i64> = HashSet::new();
        let (mut n, mut sum, mut scored) = (0u32, 0.0, 0u32);
        for m in messages.iter().filter(|m| !m.team) {
            if m.at >= from && m.at < to {
                *active.entry(m.member).or_default() += 1;
                n += 1;
                if let Some(s) = m.sentiment {
                    sum += s;
                    scored += 1;
                }
            } else if m.at >= before && m.at < from {
                earlier.insert(m.member);
            }
        }
        let new: Vec<i64> = active
            .keys()
            .copied()
            .filter(|m| firsts.get(m).is_some_and(|f| *f >= from))
            .collect();
        let mut answers = Answers::default();
        for q in questions.iter().filter(|q| q.at >= from && q.at < to) {
            answers.add(q, to);
        }
        answers.sort();
        Ok(PeriodFigures {
            active_members: active.len() as u32,
            new_members: new.len() as u32,
            returning_members: (active.len() - new.len()) as u32,
            going_quiet: earlier.iter().filter(|m| !active.contains_key(m)).count() as u32,
            new_and_active: new
                .iter()
                .filter(|m| active.get(m).is_some_and(|n| *n >= NEW_ACTIVE_MESSAGES))
                .count() as u32,
            messages: n,
            questions: answers.questions,
            answered: answers.answered,
            acknowledged: answers.acknowledged,
            replies_per_question: (answers.questions > 0)
                .then(|| f64::from(answers.replies) / f64::from(answers.questions)),
            participants_per_thread: (answers.questions > 0)
                .then(|| f64::from(answers.participants) / f64::from(answers.questions)),
            first_reply_median: median(&answers.times),
            first_reply_p90: percentile(&answers.times, 90),
            team_first_reply_median: median(&answers.team_times),
            community_first_reply_median: median(&answers.community_times),
            questions_a_day_old: answers.a_day_old,
            unanswered_after_a_day: answers.unanswered_after_a_day,
            sentiment: mean(sum, scored),
        })
    }
}

/// A question `q` with its `answers` (in time order); `thread` tells whether the asker came
/// back after the first.
fn question(q: &Msg, answers: &[&Msg], thread: &[Msg]) -> Question {
    let answers: Vec<(i64, bool, Millis)> = answers
        .iter()
        .filter(|a| a.at >= q.at)
        .map(|a| (a.member, a.team, a.at))
        .collect();
    let asker_after_answer = answers
        .first()
        .is_some_and(|(_, _, first)| thread.iter().any(|m| m.member == q.member && m.at > *first));
    Question {
        platform: q.platform,
        channel: q.channel.clone(),
        asker: q.member,
        at: q.at,
        answers,
        asker_after_answer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentile_follow_their_definitions() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1, 3, 10, 20]), Some(6));
        // nearest rank: 90% of 10 values is the 9th
        let v: Vec<Millis> = (1..=10).collect();
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 90), Some(3));
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 2026-12-03 is a Thursday
        let thu = Utc
            .with_ymd_and_hms(2026, 12, 3, 15, 0, 0)
            .single()
            .map(|d| d.timestamp_millis())
            .unwrap_or_default();
        let mon = Utc
            .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
            .single()
            .map(|d| d.timestamp_millis())
            .unwrap_or_default();
        assert_eq!(week_of(thu), mon);
        let first = Utc
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .map(|d| d.timestamp_millis())
            .unwrap_or_default();
        assert_eq!(month_of(thu), first);
    }
}
