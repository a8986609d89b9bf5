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
//! - **Helpers** are the members (not the team) who answered the period's questions first,
//!   with how many of those askers came back after the answer, and all their answers to
//!   others' questions.
//! - A period is whole UTC days; weeks (Monday to Sunday) and months are in UTC too, and a
//!   week or month at an edge of the period counts only its days inside the period.
//!
//! Read from the roll-ups (`rollups.rs`), never from a period's messages; accounts are
//! resolved to people (merges, the team) here, as the figures are read.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use chrono::{Datelike, TimeZone, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::error::{Error, Result};
use crate::inbox::views::{view_tests, ViewTest, ViewTests};
use crate::model::{
    Bucket, ChannelFigures, Cohort, Contributor, DayFigures, Helper, Metrics, MetricsQuery, Millis,
    PeriodFigures, Platform, ResponseFigures,
};
use crate::store::{platform_col, Store};

use super::rollups::{decode_later, decode_writers, DAY};

/// How many channels and contributors the lists keep.
const TOP: usize = 10;
/// Monthly cohorts in the retention table.
const COHORTS: u32 = 6;
/// Messages in the period that make a new member "new and active".
const NEW_ACTIVE_MESSAGES: u32 = 3;
/// The period when none is asked for: the 30 days up to today, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// Accounts resolved to people, in arrays indexed by id (SQLite's rowids, which it hands out
/// in order): who is behind each account, who is on the team, when each member first wrote.
struct People {
    /// identity → member (0: none)
    member: Vec<usize>,
    /// member → on the team
    team: Vec<bool>,
    /// member → first message (on the platform asked for); `Millis::MAX` if none
    first: Vec<Millis>,
}

impl People {
    /// The member behind `identity`, and whether they are on the team.
    fn who(&self, identity: i64) -> Option<(usize, bool)> {
        let m = *self.member.get(usize::try_from(identity).ok()?)?;
        (m != 0).then(|| (m, self.team[m]))
    }

    /// The member behind `identity` if they are not on the team.
    fn member(&self, identity: i64) -> Option<usize> {
        self.who(identity).filter(|w| !w.1).map(|w| w.0)
    }

    fn len(&self) -> usize {
        self.team.len()
    }
}

/// One day's writers in one channel, resolved to members (the team left out).
struct DayRow {
    day: Millis,
    platform: Platform,
    /// The channel's index in the names read.
    channel: usize,
    /// (member, messages, scored, sentiment sum)
    writers: Vec<(usize, u32, u32, f64)>,
    /// (member, messages with a web link), for those who shared any
    links: Vec<(usize, u32)>,
}

/// A question and what came of it, resolved to members.
struct Question {
    conversation: i64,
    platform: Platform,
    channel: usize,
    asker: usize,
    at: Millis,
    /// (member, team, when) of each answer, in time order; the account's own are the team's
    /// (member 0).
    answers: Vec<(usize, bool, Millis)>,
    /// The asker wrote again after the first answer.
    acknowledged: bool,
    /// The people in its thread, the asker included.
    participants: u32,
}

/// Counting distinct members bucket by bucket, buckets taken in order: a member counts once
/// in a bucket, however many rows name them.
struct Distinct {
    stamp: Vec<u32>,
    bucket: u32,
}

impl Distinct {
    fn new(members: usize) -> Self {
        Distinct {
            stamp: vec![0; members],
            bucket: 0,
        }
    }

    fn next_bucket(&mut self) {
        self.bucket += 1;
    }

    /// Whether `member` is new to the current bucket (and now counted in it).
    fn first_time(&mut self, member: usize) -> bool {
        let seen = self.stamp[member] == self.bucket;
        self.stamp[member] = self.bucket;
        !seen
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

pub(crate) fn day_of(at: Millis) -> Millis {
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
    /// A view's reply-time target, and the questions answered within it.
    target: Option<Millis>,
    within_target: u32,
}

impl Answers {
    /// Counts `q`; `known` is the last moment the figures can know of (the period's end, or
    /// now when that is earlier).
    fn add(&mut self, q: &Question, known: Millis) {
        self.questions += 1;
        self.replies += q.answers.len() as u32;
        self.participants += q.participants;
        let first = q.answers.first().copied();
        if let Some((_, team, at)) = first {
            self.answered += 1;
            self.acknowledged += u32::from(q.acknowledged);
            let wait = at - q.at;
            if self.target.is_some_and(|t| wait <= t) {
                self.within_target += 1;
            }
            self.times.push(wait);
            if team {
                self.team_times.push(wait);
            } else {
                self.community_times.push(wait);
            }
        }
        if q.at + DAY <= known {
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
        // (only the times of all answers are read here)
        self.times.sort_unstable();
        ResponseFigures {
            platform,
            channel,
            view: None,
            reply_target: self.target,
            within_target: self.within_target,
            questions: self.questions,
            answered: self.answered,
            first_reply_median: median(&self.times),
            first_reply_p90: percentile(&self.times, 90),
            questions_a_day_old: self.a_day_old,
            unanswered_after_a_day: self.unanswered_after_a_day,
        }
    }
}

/// The period `query` asks for, in whole UTC days: by default the 30 days up to today, today
/// included.
pub fn period_of(query: &MetricsQuery, now: Millis) -> Result<(Millis, Millis)> {
    let to = query.to.map_or(day_of(now) + DAY, |t| day_of(t - 1) + DAY);
    let from = query.from.map_or(to - DEFAULT_DAYS * DAY, day_of);
    if from >= to {
        return Err(Error::invalid(
            "the period ends before it starts: give --from a date before --to",
        ));
    }
    Ok((from, to))
}

impl Store {
    /// The community's health over `query`'s period (whole UTC days; by default the 30 up to
    /// today), beside the period of the same length before it. Brings the roll-ups up to date
    /// first (`refresh_rollups`), then reads them.
    pub fn metrics(&mut self, query: &MetricsQuery, now: Millis) -> Result<Metrics> {
        self.refresh_rollups()?;
        self.metrics_as_rolled_up(query, now)
    }

    /// [`Store::metrics`] from the roll-ups as they are, for a connection that cannot write
    /// (the app's reader, after the writer refreshed them).
    pub fn metrics_as_rolled_up(&self, query: &MetricsQuery, now: Millis) -> Result<Metrics> {
        let (from, to) = period_of(query, now)?;
        let len = to - from;
        let known = to.min(now).max(from);
        let platform = query.platform.map(Platform::as_str);
        // one snapshot of the roll-ups, however another process changes them meanwhile
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Deferred)?;
        // Three periods: this one, the one before (to compare), and the one before that (who
        // went quiet in the previous period).
        let people = people(&tx, platform, true)?;
        let mut channels: Vec<String> = Vec::new();
        let cohort_start = months_before(month_of(to - 1), COHORTS - 1);
        let rows = day_rows(
            &tx,
            (from - 2 * len).min(cohort_start),
            to,
            platform,
            &people,
            &mut channels,
        )?;
        let questions = questions(&tx, from - len, to, platform, &people, &mut channels)?;
        tx.finish()?;
        // links shared in the period, per member
        let mut shared: FxHashMap<usize, u32> = FxHashMap::default();
        for r in rows.iter().filter(|r| r.day >= from && r.day < to) {
            for &(member, n) in &r.links {
                *shared.entry(member).or_default() += n;
            }
        }

        let (current, counts, days) = figures(&rows, &questions, &people, from, to, known);
        let (previous, _, previous_days) =
            figures(&rows, &questions, &people, from - len, from, from);
        let in_period = |r: &&DayRow| r.day >= from && r.day < to;

        // Members per week and month, and per week of the period before.
        let weeks = members_per(&rows, from, to, people.len(), week_of);
        let previous_weeks = members_per(&rows, from - len, from, people.len(), week_of);
        let months = members_per(&rows, from, to, people.len(), month_of);

        // Channels: the period's rows a channel at a time.
        let mut order: Vec<&DayRow> = rows.iter().filter(in_period).collect();
        order.sort_by_key(|r| (r.platform, r.channel));
        let mut by_channel_members = Distinct::new(people.len());
        let mut top_channels: Vec<ChannelFigures> = Vec::new();
        for group in order.chunk_by(|a, b| (a.platform, a.channel) == (b.platform, b.channel)) {
            by_channel_members.next_bucket();
            let mut c = ChannelFigures {
                platform: group[0].platform,
                channel: channels[group[0].channel].clone(),
                messages: 0,
                members: 0,
                sentiment: None,
            };
            let (mut total, mut scored) = (0.0, 0);
            for r in group {
                for &(member, n, s, sum) in &r.writers {
                    c.messages += n;
                    total += sum;
                    scored += s;
                    if by_channel_members.first_time(member) {
                        c.members += 1;
                    }
                }
            }
            c.sentiment = mean(total, scored);
            top_channels.push(c);
        }
        top_channels.sort_by(|a, b| {
            b.messages
                .cmp(&a.messages)
                .then_with(|| a.channel.cmp(&b.channel))
        });
        top_channels.truncate(TOP);

        // Questions of the period, per platform and channel.
        let mut by_platform: BTreeMap<Platform, Answers> = BTreeMap::new();
        let mut by_channel: FxHashMap<(Platform, usize), Answers> = FxHashMap::default();
        let mut asked: FxHashMap<usize, u32> = FxHashMap::default();
        let mut answered: FxHashMap<usize, u32> = FxHashMap::default();
        // (first answers, thanked) of each member who answered a question first
        let mut firsts: FxHashMap<usize, (u32, u32)> = FxHashMap::default();
        for q in questions.iter().filter(|q| q.at >= from && q.at < to) {
            by_platform.entry(q.platform).or_default().add(q, known);
            by_channel
                .entry((q.platform, q.channel))
                .or_default()
                .add(q, known);
            *asked.entry(q.asker).or_default() += 1;
            if let Some(&(member, false, _)) = q.answers.first() {
                let f = firsts.entry(member).or_default();
                f.0 += 1;
                f.1 += u32::from(q.acknowledged);
            }
            for (member, team, at) in &q.answers {
                if !team && *at < to {
                    *answered.entry(*member).or_default() += 1;
                }
            }
        }
        let mut by_channel: Vec<ResponseFigures> = by_channel
            .into_iter()
            .map(|((p, c), a)| a.response(Some(p), Some(channels[c].clone())))
            .collect();
        by_channel.sort_by(|a, b| {
            b.questions
                .cmp(&a.questions)
                .then_with(|| a.channel.cmp(&b.channel))
        });
        by_channel.truncate(TOP);

        // The members who wrote most, and where.
        let top_contributors = top_writers(&rows, from, to, &counts)
            .into_iter()
            .map(|(member, platforms)| {
                Ok(Contributor {
                    member_id: member as i64,
                    name: member_name(self.conn(), member)?,
                    messages: counts[member],
                    questions: asked.get(&member).copied().unwrap_or(0),
                    answers: answered.get(&member).copied().unwrap_or(0),
                    platforms,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let cohorts = cohorts(&rows, &people, cohort_start, to);
        // Advocates: who answered first, then who shared links (content) with the community.
        for member in shared.keys() {
            firsts.entry(*member).or_default();
        }
        let mut helpers: Vec<(usize, (u32, u32))> = firsts.into_iter().collect();
        let key = |m: &usize, f: &(u32, u32)| {
            (
                f.0,
                f.1,
                answered.get(m).copied().unwrap_or(0),
                shared.get(m).copied().unwrap_or(0),
            )
        };
        helpers.sort_by(|a, b| key(&b.0, &b.1).cmp(&key(&a.0, &a.1)).then(a.0.cmp(&b.0)));
        helpers.truncate(TOP);
        let helpers = helpers
            .into_iter()
            .map(|(member, (first_answers, thanked))| {
                Ok(Helper {
                    member_id: member as i64,
                    name: member_name(self.conn(), member)?,
                    first_answers,
                    thanked,
                    answers: answered.get(&member).copied().unwrap_or(0),
                    shared: shared.get(&member).copied().unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Metrics {
            cohorts,
            helpers,
            from,
            to,
            platform: query.platform,
            current,
            previous,
            days,
            previous_days,
            weeks,
            previous_weeks,
            months,
            by_platform: by_platform
                .into_iter()
                .map(|(p, a)| a.response(Some(p), None))
                .collect(),
            by_channel,
            top_channels,
            top_contributors,
        })
    }
}

impl Store {
    /// Response times per inbox view over `query`'s period: for each view that picks some
    /// conversations (`inbox::views::view_tests`), the questions of the period in its
    /// conversations whatever their state now, with the share first answered within the view's
    /// target. Views without a question in the period are left out. Asked apart from
    /// [`Store::metrics`] because it reads each of those conversations (the Dashboard shows the
    /// figures first, then this table). Brings the roll-ups up to date first.
    pub fn response_by_view(
        &mut self,
        query: &MetricsQuery,
        now: Millis,
    ) -> Result<Vec<ResponseFigures>> {
        self.refresh_rollups()?;
        self.response_by_view_as_rolled_up(query, now)
    }

    /// [`Store::response_by_view`] from the roll-ups as they are (the app's reader).
    pub fn response_by_view_as_rolled_up(
        &self,
        query: &MetricsQuery,
        now: Millis,
    ) -> Result<Vec<ResponseFigures>> {
        let (from, to) = period_of(query, now)?;
        let known = to.min(now).max(from);
        let platform = query.platform.map(Platform::as_str);
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Deferred)?;
        let people = people(&tx, platform, false)?;
        let mut channels: Vec<String> = Vec::new();
        let questions = questions(&tx, from, to, platform, &people, &mut channels)?;
        let (views, held) = views_of_questions(&tx, &questions, now)?;
        tx.finish()?;
        let mut by_view: Vec<Answers> = views
            .iter()
            .map(|v| Answers {
                target: Some(v.target),
                ..Answers::default()
            })
            .collect();
        for q in &questions {
            let bits = held.get(&q.conversation).copied().unwrap_or(0);
            for (i, answers) in by_view.iter_mut().enumerate() {
                if bits & (1 << i) != 0 {
                    answers.add(q, known);
                }
            }
        }
        Ok(by_view
            .into_iter()
            .zip(views)
            .filter(|(a, _)| a.questions > 0)
            .map(|(a, v)| ResponseFigures {
                view: Some(v.name),
                ..a.response(None, None)
            })
            .collect())
    }
}

/// The members who wrote in `[from, to)`, counted once in each bucket (`bucket_of` a day: its
/// week or month) the period touches, oldest first.
fn members_per(
    rows: &[DayRow],
    from: Millis,
    to: Millis,
    people: usize,
    bucket_of: fn(Millis) -> Millis,
) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::new();
    let mut seen = Distinct::new(people);
    for r in rows.iter().filter(|r| r.day >= from && r.day < to) {
        let start = bucket_of(r.day);
        if out.last().is_none_or(|b| b.start != start) {
            seen.next_bucket();
            out.push(Bucket { start, value: 0 });
        }
        for &(member, ..) in &r.writers {
            if seen.first_time(member) {
                if let Some(b) = out.last_mut() {
                    b.value += 1;
                }
            }
        }
    }
    out
}

/// The first of the month `n` months before the month starting at `month`.
fn months_before(month: Millis, n: u32) -> Millis {
    Utc.timestamp_millis_opt(month)
        .single()
        .and_then(|d| d.checked_sub_months(chrono::Months::new(n)))
        .map_or(month - i64::from(n) * 31 * DAY, |d| d.timestamp_millis())
}

/// Retention by monthly cohort: the members who first wrote in each month from `start` (a
/// month's first day) up to the one `to` ends in, and who of them wrote in each month since.
fn cohorts(rows: &[DayRow], people: &People, start: Millis, to: Millis) -> Vec<Cohort> {
    let mut months: Vec<Millis> = vec![start];
    loop {
        // a month's first day and 32 more land in the next month
        let next = month_of(months[months.len() - 1] + 32 * DAY);
        if next >= to {
            break;
        }
        months.push(next);
    }
    let index = |at: Millis| months.iter().rposition(|m| *m <= at);
    let mut out: Vec<Cohort> = months
        .iter()
        .enumerate()
        .map(|(i, m)| Cohort {
            month: *m,
            members: 0,
            active: vec![0; months.len() - i],
        })
        .collect();
    // each member's cohort, if they first wrote in one of these months
    let mut cohort_of: Vec<u8> = vec![u8::MAX; people.len()];
    for (m, first) in people.first.iter().enumerate() {
        if people.team[m] || *first < start || *first >= to {
            continue;
        }
        if let Some(c) = index(*first) {
            cohort_of[m] = c as u8;
            out[c].members += 1;
        }
    }
    let mut seen = Distinct::new(people.len());
    let mut month = None;
    for r in rows.iter().filter(|r| r.day >= start && r.day < to) {
        let Some(k) = index(r.day) else {
            continue;
        };
        if month != Some(k) {
            seen.next_bucket();
            month = Some(k);
        }
        for w in &r.writers {
            let c = cohort_of[w.0];
            if c == u8::MAX || usize::from(c) > k || !seen.first_time(w.0) {
                continue;
            }
            out[usize::from(c)].active[k - usize::from(c)] += 1;
        }
    }
    out
}

/// The largest id SQLite handed out in `table`, as an array length.
fn ids_in(conn: &Connection, table: &str) -> Result<usize> {
    let max: i64 = conn.query_row(
        &format!("SELECT coalesce(max(id), 0) FROM {table}"),
        [],
        |r| r.get(0),
    )?;
    usize::try_from(max)
        .ok()
        .filter(|n| *n < 1 << 28)
        .map(|n| n + 1)
        .ok_or_else(|| {
            Error::invalid(format!(
                "the {table} table's ids run past what Hearth counts"
            ))
        })
}

/// Every account's person, the team, and (`firsts`) each member's first message (on `platform`
/// if given).
fn people(conn: &Connection, platform: Option<&str>, firsts: bool) -> Result<People> {
    let mut member = vec![0; ids_in(conn, "identities")?];
    let members = ids_in(conn, "members")?;
    let mut team = vec![false; members];
    let mut first = vec![Millis::MAX; members];
    let mut stmt = conn.prepare_cached("SELECT id, member_id FROM identities")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (i, m): (i64, i64) = (r.get(0)?, r.get(1)?);
        if let (Ok(i), Ok(m)) = (usize::try_from(i), usize::try_from(m)) {
            if i < member.len() && m < members {
                member[i] = m;
            }
        }
    }
    let mut stmt = conn.prepare_cached("SELECT id FROM members WHERE is_team = 1")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(t) = usize::try_from(r.get::<_, i64>(0)?)
            .ok()
            .and_then(|m| team.get_mut(m))
        {
            *t = true;
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT identity_id, first_at FROM health_firsts
         WHERE ?2 AND (?1 IS NULL OR platform = ?1)",
    )?;
    let mut rows = stmt.query(params![platform, firsts])?;
    while let Some(r) = rows.next()? {
        let m = usize::try_from(r.get::<_, i64>(0)?)
            .ok()
            .and_then(|i| member.get(i).copied())
            .unwrap_or(0);
        if m != 0 {
            first[m] = first[m].min(r.get(1)?);
        }
    }
    Ok(People {
        member,
        team,
        first,
    })
}

/// The index of column `i`'s text in `names`, added if new.
fn intern(
    r: &rusqlite::Row<'_>,
    i: usize,
    names: &mut Vec<String>,
    index: &mut FxHashMap<String, usize>,
) -> Result<usize> {
    let name = r.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?;
    if let Some(i) = index.get(name) {
        return Ok(*i);
    }
    names.push(name.to_string());
    index.insert(name.to_string(), names.len() - 1);
    Ok(names.len() - 1)
}

fn blob<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> Result<&'a [u8]> {
    Ok(r.get_ref(i)?.as_blob().map_err(rusqlite::Error::from)?)
}

/// The roll-ups of the days from `start` to `end`, in day order, resolved to members, the
/// team left out.
fn day_rows(
    conn: &Connection,
    start: Millis,
    end: Millis,
    platform: Option<&str>,
    people: &People,
    channels: &mut Vec<String>,
) -> Result<Vec<DayRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, platform, channel, writers FROM health_days
         WHERE day >= ?1 AND day < ?2 AND (?3 IS NULL OR platform = ?3)
         ORDER BY day, platform, channel",
    )?;
    let mut rows = stmt.query(params![start, end, platform])?;
    let mut index = FxHashMap::default();
    let mut out = Vec::new();
    let mut decoded = Vec::new();
    while let Some(r) = rows.next()? {
        decoded.clear();
        decode_writers(blob(r, 3)?, &mut decoded);
        out.push(DayRow {
            day: r.get(0)?,
            platform: platform_col(r, 1)?,
            channel: intern(r, 2, channels, &mut index)?,
            writers: decoded
                .iter()
                .filter_map(|w| {
                    people
                        .member(w.identity)
                        .map(|m| (m, w.messages, w.scored, w.sentiment))
                })
                .collect(),
            links: decoded
                .iter()
                .filter(|w| w.links > 0)
                .filter_map(|w| people.member(w.identity).map(|m| (m, w.links)))
                .collect(),
        });
    }
    Ok(out)
}

/// For each conversation, which of the views hold it: bit `i` for the `i`-th view.
type HeldBy = FxHashMap<i64, u64>;

/// The inbox views that pick some conversations (`inbox::views::view_tests`; the first 64),
/// and which of them hold each conversation `questions` were asked in: one statement, each
/// view a condition in it, reading those conversations in id order.
fn views_of_questions(
    conn: &Connection,
    questions: &[Question],
    now: Millis,
) -> Result<(Vec<ViewTest>, HeldBy)> {
    let ViewTests {
        mut views,
        mut args,
    } = view_tests(conn, now)?;
    views.truncate(u64::BITS as usize);
    let mut held = FxHashMap::default();
    let mut ids: Vec<i64> = questions.iter().map(|q| q.conversation).collect();
    if views.is_empty() || ids.is_empty() {
        return Ok((views, held));
    }
    ids.sort_unstable();
    ids.dedup();
    let list = serde_json::to_string(&ids).unwrap_or_default();
    let tests: String = views
        .iter()
        .map(|v| format!(", coalesce(({}), 0)", v.sql))
        .collect();
    let sql = format!(
        "SELECT c.id{tests} FROM json_each(:conversations) q
         JOIN conversations c ON c.id = q.value"
    );
    args.push((":conversations".into(), Value::Text(list)));
    let named: Vec<(&str, &dyn rusqlite::ToSql)> = args
        .iter()
        .map(|(n, v)| (n.as_str(), v as &dyn rusqlite::ToSql))
        .collect();
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(named.as_slice())?;
    while let Some(r) = rows.next()? {
        let mut bits = 0u64;
        for i in 0..views.len() {
            if r.get::<_, bool>(i + 1)? {
                bits |= 1 << i;
            }
        }
        held.insert(r.get(0)?, bits);
    }
    Ok((views, held))
}

/// The questions asked from `start` to `end` by members (not the team), with their answers:
/// later messages by someone other than the asker.
fn questions(
    conn: &Connection,
    start: Millis,
    end: Millis,
    platform: Option<&str>,
    people: &People,
    channels: &mut Vec<String>,
) -> Result<Vec<Question>> {
    let mut index: FxHashMap<String, usize> = channels
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), i))
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT platform, channel, asker, at, asker_last_at, later, conversation_id
         FROM health_questions WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR platform = ?3)",
    )?;
    let mut rows = stmt.query(params![start, end, platform])?;
    let mut out = Vec::new();
    let mut people_in: Vec<usize> = Vec::new();
    while let Some(r) = rows.next()? {
        let Some(asker) = people.member(r.get(2)?) else {
            continue;
        };
        let at: Millis = r.get(3)?;
        let asker_last: Option<Millis> = r.get(4)?;
        let mut answers = Vec::new();
        let mut asker_after: Option<Millis> = None;
        for l in decode_later(blob(r, 5)?) {
            let (member, team) = if l.from_us {
                (0, true)
            } else {
                match people.who(l.identity) {
                    Some(w) => w,
                    None => continue,
                }
            };
            if !l.from_us && member == asker {
                // the asker again, from another of their accounts
                asker_after = Some(l.at);
            } else if l.at >= at {
                answers.push((member, team, l.at));
            }
        }
        let came_back = asker_last.max(asker_after);
        people_in.clear();
        people_in.extend(answers.iter().map(|a| a.0));
        people_in.push(asker);
        people_in.sort_unstable();
        people_in.dedup();
        let acknowledged = answers
            .first()
            .is_some_and(|(_, _, first)| came_back.is_some_and(|a| a > *first));
        out.push(Question {
            conversation: r.get(6)?,
            platform: platform_col(r, 0)?,
            channel: intern(r, 1, channels, &mut index)?,
            asker,
            at,
            answers,
            acknowledged,
            participants: people_in.len() as u32,
        });
    }
    Ok(out)
}

/// The ten members with the most messages in `[from, to)` (`counts`, by member), with their
/// messages per platform, most first.
fn top_writers(
    rows: &[DayRow],
    from: Millis,
    to: Millis,
    counts: &[u32],
) -> Vec<(usize, Vec<(Platform, u32)>)> {
    let mut top: Vec<usize> = (0..counts.len()).filter(|m| counts[*m] > 0).collect();
    top.sort_unstable_by(|a, b| counts[*b].cmp(&counts[*a]).then(a.cmp(b)));
    top.truncate(TOP);
    let mut on: Vec<BTreeMap<Platform, u32>> = vec![BTreeMap::new(); top.len()];
    for r in rows.iter().filter(|r| r.day >= from && r.day < to) {
        for &(m, n, _, _) in &r.writers {
            if let Some(i) = top.iter().position(|t| *t == m) {
                *on[i].entry(r.platform).or_default() += n;
            }
        }
    }
    top.into_iter()
        .zip(on)
        .map(|(m, on)| {
            let mut platforms: Vec<(Platform, u32)> = on.into_iter().collect();
            platforms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (m, platforms)
        })
        .collect()
}

/// A member's name as the lists show it.
fn member_name(conn: &Connection, member: usize) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT display_name FROM members WHERE id = ?1")?
        .query_row([member as i64], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// The figures of the period `[from, to)`, the period of the same length before it telling
/// who went quiet; `known` is the last moment they can know of. Also each member's messages
/// in the period, and the period day by day (members active that day, each once; new that
/// day; messages; mean sentiment), worked out in the same pass (rows come in day order).
fn figures(
    rows: &[DayRow],
    questions: &[Question],
    people: &People,
    from: Millis,
    to: Millis,
    known: Millis,
) -> (PeriodFigures, Vec<u32>, Vec<DayFigures>) {
    let before = from - (to - from);
    let mut count = vec![0u32; people.len()];
    let mut earlier = Distinct::new(people.len());
    earlier.next_bucket();
    let (mut active, mut quiet_candidates) = (Vec::new(), Vec::new());
    let (mut n, mut sum, mut scored) = (0u32, 0.0, 0u32);
    // (the day, its sentiment sum and scored messages)
    let mut days: Vec<(DayFigures, f64, u32)> = (0..((to - from) / DAY).max(0))
        .map(|i| {
            let day = DayFigures {
                day: from + i * DAY,
                ..Default::default()
            };
            (day, 0.0, 0)
        })
        .collect();
    let mut by_day = Distinct::new(people.len());
    let mut last_day: Option<Millis> = None;
    for r in rows {
        if r.day >= from && r.day < to {
            if last_day != Some(r.day) {
                by_day.next_bucket();
                last_day = Some(r.day);
            }
            let slot = usize::try_from((r.day - from) / DAY).unwrap_or(usize::MAX);
            let Some((d, d_sum, d_scored)) = days.get_mut(slot) else {
                continue;
            };
            for &(member, m, s, total) in &r.writers {
                if count[member] == 0 {
                    active.push(member);
                }
                count[member] += m;
                n += m;
                scored += s;
                sum += total;
                d.messages += m;
                *d_sum += total;
                *d_scored += s;
                if by_day.first_time(member) {
                    d.active_members += 1;
                    if day_of(people.first[member]) == r.day {
                        d.new_members += 1;
                    }
                }
            }
        } else if r.day >= before && r.day < from {
            for w in &r.writers {
                if earlier.first_time(w.0) {
                    quiet_candidates.push(w.0);
                }
            }
        }
    }
    let new: Vec<usize> = active
        .iter()
        .copied()
        .filter(|m| people.first[*m] >= from && people.first[*m] != Millis::MAX)
        .collect();
    let mut answers = Answers::default();
    for q in questions.iter().filter(|q| q.at >= from && q.at < to) {
        answers.add(q, known);
    }
    answers.sort();
    let figures = PeriodFigures {
        active_members: active.len() as u32,
        new_members: new.len() as u32,
        returning_members: (active.len() - new.len()) as u32,
        going_quiet: quiet_candidates.iter().filter(|m| count[**m] == 0).count() as u32,
        new_and_active: new
            .iter()
            .filter(|m| count[**m] >= NEW_ACTIVE_MESSAGES)
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
    };
    let days = days
        .into_iter()
        .map(|(mut d, total, n)| {
            d.sentiment = mean(total, n);
            d
        })
        .collect();
    (figures, count, days)
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
    fn a_period_is_whole_utc_days_and_by_default_the_thirty_up_to_today() {
        // 2026-12-01 15:30 UTC
        let now = 1_796_139_000_000;
        let today = day_of(now);
        assert_eq!(
            period_of(&MetricsQuery::default(), now).ok(),
            Some((today - 29 * DAY, today + DAY))
        );
        // times inside days widen to the whole days
        let q = MetricsQuery {
            from: Some(today - 3 * DAY + 5),
            to: Some(today - DAY + 1),
            platform: None,
        };
        assert_eq!(period_of(&q, now).ok(), Some((today - 3 * DAY, today)));
        let q = MetricsQuery {
            from: Some(today),
            to: Some(today),
            platform: None,
        };
        assert!(period_of(&q, now).is_err());
    }

    #[test]
    fn a_member_counts_once_in_each_bucket() {
        let mut d = Distinct::new(4);
        d.next_bucket();
        assert!(d.first_time(2));
        assert!(!d.first_time(2));
        assert!(d.first_time(3));
        d.next_bucket();
        assert!(d.first_time(2));
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
