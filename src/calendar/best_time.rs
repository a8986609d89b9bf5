//! Best time to post, from the community's own data. Owns: tallying, per time of the week, the
//! threads started in a period, the replies each got within a day and the messages written;
//! and the answer in words. Must never: give a time the data does not bear out (thin data is
//! pulled toward the average, and with too little there is no answer).
//!
//! A time of the week is a two-hour window in UTC (the calendar shows it in the user's own
//! zone). Its score is the replies a thread started then got within a day, as a multiple of
//! the average over the period, with `PRIOR_THREADS` threads at the average added to every
//! window first (an empirical-Bayes shrinkage: a window of 3 lucky threads stays near 1.0×,
//! one of 300 keeps its own figure).

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::{BestTimes, BestWindow, Millis, Platform};
use crate::store::Store;

const HOUR: Millis = 60 * 60 * 1000;
const DAY: Millis = 24 * HOUR;
const WEEK_HOURS: usize = 7 * 24;
/// Threads at the average added to every window before it is compared.
const PRIOR_THREADS: f64 = 20.0;
/// Fewer threads than this in the period: no answer.
pub const MIN_THREADS: u64 = 50;
/// A window with fewer threads than this is never named (5 lucky ones passed the test below
/// on data with no rhythm: reply counts are too skewed for a mean of so few).
const MIN_WINDOW_THREADS: u64 = 10;
/// A window is named only when it gets at least this multiple of the average.
const STANDS_OUT: f64 = 1.15;
/// …and when its replies per thread are this many standard errors above the average: chance
/// alone puts one of the week's 168 windows there about once in 120 periods of data (a
/// one-sided p of 4.8·10⁻⁵ each, Bonferroni over the windows), so across every platform's
/// answer together a time is made up less than once in 15 views. Without it, data with no
/// rhythm at all had a window of 9 threads at 1.3× named as the best time; at 3.4 standard
/// errors the demo's every-platform answer still named a window chance had made.
const Z_NAMED: f64 = 3.9;
/// Windows named at most.
const NAMED: usize = 3;
const WEEKDAYS: [&str; 7] = [
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
];

/// The hour of the week of a moment, in UTC: 0 is Monday 00:00–01:00.
pub fn hour_of_week(at: Millis) -> usize {
    let hours = at.div_euclid(HOUR);
    // 1970-01-01 was a Thursday (3 days after a Monday)
    let weekday = (hours.div_euclid(24) + 3).rem_euclid(7);
    (weekday * 24 + hours.rem_euclid(24)) as usize
}

/// What one platform's (or every platform's) threads did at each hour of the week.
#[derive(Clone, Debug)]
pub struct Tally {
    /// Threads started at each hour, the replies they got within a day, and the sum of the
    /// squares of those (for the spread of replies per thread).
    pub starts: [u64; WEEK_HOURS],
    pub replies: [u64; WEEK_HOURS],
    pub replies_sq: [u64; WEEK_HOURS],
    /// Messages written at each hour.
    pub activity: [u64; WEEK_HOURS],
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            starts: [0; WEEK_HOURS],
            replies: [0; WEEK_HOURS],
            replies_sq: [0; WEEK_HOURS],
            activity: [0; WEEK_HOURS],
        }
    }
}

impl Tally {
    /// Counts one thread: the times of its messages, oldest first; only those at or after
    /// `since` count as activity.
    pub fn add_thread(&mut self, times: &[Millis], since: Millis) {
        let Some(&first) = times.first() else {
            return;
        };
        let at = hour_of_week(first);
        self.starts[at] += 1;
        let replies = times[1..].iter().filter(|&&t| t <= first + DAY).count() as u64;
        self.replies[at] += replies;
        self.replies_sq[at] += replies * replies;
        for &t in times.iter().filter(|&&t| t >= since) {
            self.activity[hour_of_week(t)] += 1;
        }
    }

    fn threads(&self) -> u64 {
        self.starts.iter().sum()
    }
}

fn window(values: &[u64; WEEK_HOURS], h: usize) -> u64 {
    values[h] + values[(h + 1) % WEEK_HOURS]
}

/// Whether two windows starting at these hours share an hour.
fn overlap(a: usize, b: usize) -> bool {
    let d = a.abs_diff(b);
    d.min(WEEK_HOURS - d) < 2
}

fn when(h: usize) -> String {
    format!(
        "{} {:02}:00–{:02}:00 UTC",
        WEEKDAYS[h / 24],
        h % 24,
        (h + 2) % 24
    )
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The answer for one tally.
pub fn answer(tally: &Tally, platform: Option<Platform>, days: u32) -> BestTimes {
    let threads = tally.threads();
    let replies: u64 = tally.replies.iter().sum();
    let messages: u64 = tally.activity.iter().sum();
    let average = if threads > 0 {
        replies as f64 / threads as f64
    } else {
        0.0
    };
    let on = platform.map_or(String::new(), |p| format!(" on {}", p.label()));
    let mut out = BestTimes {
        platform,
        days,
        threads,
        messages,
        average_replies: average,
        windows: Vec::new(),
        summary: String::new(),
        week: Vec::new(),
    };
    if threads < MIN_THREADS || replies == 0 {
        out.summary = format!(
            "Not enough to go on yet{on}: {} threads started in the last {days} days{}; \
             Hearth names a time from {MIN_THREADS} threads with replies.",
            thousands(threads),
            if threads > 0 && replies == 0 {
                ", none answered"
            } else {
                ""
            }
        );
        return out;
    }
    // every window's replies per thread, pulled toward the average, as a multiple of it
    let ratio = |h: usize| -> f64 {
        let n = window(&tally.starts, h) as f64;
        let r = window(&tally.replies, h) as f64;
        (r + PRIOR_THREADS * average) / (n + PRIOR_THREADS) / average
    };
    out.week = (0..WEEK_HOURS).map(ratio).collect();
    // how far a window's replies per thread are above the average, in standard errors (the
    // spread of replies per thread pooled over the period)
    let spread = (tally.replies_sq.iter().sum::<u64>() as f64 / threads as f64 - average * average)
        .max(0.0)
        .sqrt();
    let z = |h: usize| -> f64 {
        let n = window(&tally.starts, h) as f64;
        if n == 0.0 || spread == 0.0 {
            return 0.0;
        }
        (window(&tally.replies, h) as f64 / n - average) / (spread / n.sqrt())
    };
    let mut order: Vec<usize> = (0..WEEK_HOURS)
        .filter(|&h| window(&tally.starts, h) >= MIN_WINDOW_THREADS && out.week[h] >= STANDS_OUT)
        .collect();
    // the best-looking window, named even when chance could explain it (to say so)
    let best_looking = order
        .iter()
        .copied()
        .max_by(|&a, &b| out.week[a].total_cmp(&out.week[b]).then(b.cmp(&a)));
    order.retain(|&h| z(h) >= Z_NAMED);
    order.sort_by(|&a, &b| out.week[b].total_cmp(&out.week[a]).then(a.cmp(&b)));
    let mut named: Vec<usize> = Vec::new();
    for h in order {
        if named.len() == NAMED {
            break;
        }
        if !named.iter().any(|&n| overlap(n, h)) {
            named.push(h);
        }
    }
    out.windows = named
        .iter()
        .map(|&h| {
            let n = window(&tally.starts, h);
            let r = window(&tally.replies, h);
            let share = if messages > 0 {
                window(&tally.activity, h) as f64 / messages as f64
            } else {
                0.0
            };
            BestWindow {
                weekday: (h / 24) as u8,
                hour: (h % 24) as u8,
                threads: n,
                replies: r,
                ratio: out.week[h],
                activity_share: share,
                explanation: format!(
                    "{}: threads started then got {:.1}× the average replies ({:.1} a thread \
                     against {average:.1}), over {} threads; {:.0}% of the messages were written then",
                    when(h),
                    out.week[h],
                    r as f64 / n as f64,
                    thousands(n),
                    share * 100.0
                ),
            }
        })
        .collect();
    let over = format!(
        "{} threads and {} messages{on} in the last {days} days",
        thousands(threads),
        thousands(messages)
    );
    out.summary = match out.windows.first() {
        Some(best) => {
            let also: Vec<String> = out.windows[1..]
                .iter()
                .map(|w| {
                    format!(
                        "{} ({:.1}×)",
                        when(w.weekday as usize * 24 + w.hour as usize),
                        w.ratio
                    )
                })
                .collect();
            let mut s = format!("Best: {}. From {over}.", best.explanation);
            if !also.is_empty() {
                s.push_str(&format!(" Also good: {}.", also.join(", ")));
            }
            s
        }
        None => match best_looking {
            Some(h) => format!(
                "No time stands out{on}: over {over}, the best-looking window, {} at {:.1}× \
                 the average replies over {} threads, is within what chance gives.",
                when(h),
                out.week[h],
                thousands(window(&tally.starts, h))
            ),
            None => format!(
                "No time stands out{on}: over {over}, no two-hour window got {STANDS_OUT}× the \
                 average replies ({average:.1} a thread) once thin data is pulled toward the \
                 average."
            ),
        },
    };
    out
}

impl Store {
    /// When to post: every platform together first, then each platform with threads in the
    /// last `days` days, most threads first. One pass over the period's messages (the index
    /// of messages by conversation and time).
    pub fn best_times(&self, days: u32, now: Millis) -> Result<Vec<BestTimes>> {
        let since = now - Millis::from(days) * DAY;
        let mut stmt = self.conn().prepare_cached(
            "SELECT c.id, c.platform, m.created_at FROM conversations c
             JOIN messages m ON m.conversation_id = c.id
             WHERE c.created_at >= ?1 AND c.created_at <= ?2
             ORDER BY c.id, m.created_at",
        )?;
        let mut rows = stmt.query([since, now])?;
        let mut all = Tally::default();
        let mut by_platform: BTreeMap<String, Tally> = BTreeMap::new();
        let mut current: Option<(i64, String)> = None;
        let mut times: Vec<Millis> = Vec::new();
        let mut flush = |current: &Option<(i64, String)>, times: &mut Vec<Millis>| {
            if let Some((_, platform)) = current {
                all.add_thread(times, since);
                by_platform
                    .entry(platform.clone())
                    .or_default()
                    .add_thread(times, since);
            }
            times.clear();
        };
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            if current.as_ref().map(|c| c.0) != Some(id) {
                flush(&current, &mut times);
                current = Some((id, r.get(1)?));
            }
            times.push(r.get(2)?);
        }
        flush(&current, &mut times);
        let mut out = vec![answer(&all, None, days)];
        let mut platforms: Vec<(Platform, Tally)> = by_platform
            .into_iter()
            .filter_map(|(p, t)| p.parse().ok().map(|p| (p, t)))
            .collect();
        platforms.sort_by_key(|(p, t)| (std::cmp::Reverse(t.threads()), p.as_str()));
        out.extend(platforms.iter().map(|(p, t)| answer(t, Some(*p), days)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30 was a Monday; 00:00 UTC.
    const MONDAY: Millis = 1_795_996_800_000;

    fn at(weekday: i64, hour: i64) -> Millis {
        MONDAY + weekday * DAY + hour * HOUR
    }

    #[test]
    fn the_hour_of_the_week_counts_from_monday_midnight_utc() {
        assert_eq!(hour_of_week(MONDAY), 0);
        assert_eq!(hour_of_week(at(1, 15) + 59 * 60 * 1000), 24 + 15);
        assert_eq!(hour_of_week(at(6, 23)), 167);
        assert_eq!(hour_of_week(at(7, 0)), 0, "a week later");
        assert_eq!(hour_of_week(0), 3 * 24, "1970-01-01 was a Thursday");
    }

    #[test]
    fn replies_count_within_a_day_and_activity_within_the_period() {
        let mut t = Tally::default();
        t.add_thread(&[at(1, 15), at(1, 16), at(2, 14), at(2, 16)], at(1, 16));
        assert_eq!(t.starts[39], 1);
        assert_eq!(
            t.replies[39], 2,
            "Wednesday 14:00 is within the day, 16:00 is not"
        );
        assert_eq!(
            t.activity.iter().sum::<u64>(),
            3,
            "the start is before the period"
        );
    }

    /// 100 threads at Monday 09:00 with 1 reply each; `n` on Tuesday between 15:00 and 17:00
    /// with 4 each (half at 15:00, the rest at 16:00).
    fn tally(n: u64) -> Tally {
        let mut t = Tally::default();
        t.starts[9] = 100;
        t.replies[9] = 100;
        t.replies_sq[9] = 100;
        t.activity[9] = 200;
        for (h, k) in [(39, n / 2), (40, n - n / 2)] {
            t.starts[h] = k;
            t.replies[h] = 4 * k;
            t.replies_sq[h] = 16 * k;
            t.activity[h] = 5 * k;
        }
        t
    }

    #[test]
    fn a_busy_window_is_named_with_its_figures_worked_out_by_hand() {
        let a = answer(&tally(60), Some(Platform::Discord), 90);
        // average: (100 + 240) / 160 = 2.125 replies a thread
        assert!((a.average_replies - 2.125).abs() < 1e-9);
        // Tuesday 15:00–17:00 (hour 39): (240 + 20 × 2.125) / (60 + 20) / 2.125 = 1.6618
        let best = &a.windows[0];
        assert_eq!((best.weekday, best.hour), (1, 15));
        assert!((best.ratio - 1.6618).abs() < 1e-4, "{}", best.ratio);
        assert!((best.activity_share - 300.0 / 500.0).abs() < 1e-9);
        // the windows from 14:00 and 16:00 hold half of them each (1.53×): they overlap the
        // best, so only it is named
        assert_eq!(a.windows.len(), 1, "{:?}", a.windows);
        assert!((a.week[38] - 1.5294).abs() < 1e-4, "{}", a.week[38]);
        assert_eq!(
            a.summary,
            "Best: Tuesdays 15:00–17:00 UTC: threads started then got 1.7× the average replies \
             (4.0 a thread against 2.1), over 60 threads; 60% of the messages were written \
             then. From 160 threads and 500 messages on Discord in the last 90 days."
        );
        assert_eq!(a.week.len(), 168);
        // Monday 09:00 is below the average: (100 + 42.5) / 120 / 2.125 = 0.5588
        assert!((a.week[9] - 0.5588).abs() < 1e-4);
        // an hour with no threads is the average
        assert!((a.week[100] - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_few_lucky_threads_are_pulled_toward_the_average_and_not_named() {
        // 8 threads with 4 replies: (32 + 20 × 1.222) / 28 / 1.222 = 1.65, but 8 < 10 threads
        let a = answer(&tally(8), None, 90);
        assert!(a.windows.is_empty(), "{:?}", a.windows);
        assert!(
            a.summary
                .starts_with("No time stands out: over 108 threads"),
            "{}",
            a.summary
        );
        // with 10 it stands out
        assert_eq!(answer(&tally(10), None, 90).windows.len(), 1);
    }

    #[test]
    fn a_window_that_chance_could_explain_is_not_named_but_said_to_be_within_chance() {
        // 498 threads with replies spread around 3 (standard deviation 2), and one window of
        // 10 threads with 5 each (spread alike): (50 + 20 × 3.04) / 30 / 3.04 = 1.22× after
        // pulling, but (5 − 3.04) / (2.02 / √10) = 3.07 standard errors, which one of the
        // week's windows reaches by chance about one time in ten
        let mut t = Tally::default();
        for h in 0..WEEK_HOURS {
            let n = if h == 100 || h == 101 { 0 } else { 3 };
            t.starts[h] = n;
            t.replies[h] = 3 * n;
            t.replies_sq[h] = 13 * n; // E[r²] = 4 + 3²
        }
        t.starts[100] = 10;
        t.replies[100] = 50;
        t.replies_sq[100] = 10 * (4 + 25);
        let a = answer(&t, None, 90);
        assert!(a.windows.is_empty(), "{:?}", a.windows);
        assert!(
            a.summary
                .contains("the best-looking window, Fridays 04:00–06:00 UTC at"),
            "{}",
            a.summary
        );
        assert!(
            a.summary.ends_with("is within what chance gives."),
            "{}",
            a.summary
        );
    }

    #[test]
    fn too_few_threads_give_no_answer_rather_than_a_made_up_one() {
        let mut t = Tally::default();
        t.starts[39] = 49;
        t.replies[39] = 200;
        let a = answer(&t, Some(Platform::Matrix), 30);
        assert!(a.windows.is_empty() && a.week.is_empty());
        assert_eq!(
            a.summary,
            "Not enough to go on yet on Matrix: 49 threads started in the last 30 days; \
             Hearth names a time from 50 threads with replies."
        );
    }

    #[test]
    fn a_window_across_midnight_and_the_week_s_end_is_named_as_it_reads() {
        let mut t = Tally::default();
        t.starts[50] = 200;
        t.replies[50] = 200;
        t.replies_sq[50] = 200;
        for h in [167, 0] {
            t.starts[h] = 40;
            t.replies[h] = 400;
            t.replies_sq[h] = 4000;
        }
        let a = answer(&t, None, 90);
        assert_eq!((a.windows[0].weekday, a.windows[0].hour), (6, 23));
        assert!(a.windows[0]
            .explanation
            .starts_with("Sundays 23:00–01:00 UTC"));
    }
}
