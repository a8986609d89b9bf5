//! `hearth metrics`: the community's health over a period, beside the period before.

use anyhow::Result;
use hearth::model::{Metrics, MetricsQuery, Millis, PeriodFigures, Platform, ResponseFigures};
use hearth::when::parse_when;
use hearth::Store;

use super::print_json;

const HOUR: Millis = 3_600_000;

/// A wait in words: "45 min", "3 h 20 min", "2 d 4 h".
fn wait(ms: Option<Millis>) -> String {
    let Some(ms) = ms else {
        return "–".into();
    };
    let minutes = (ms + 30_000) / 60_000;
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => match m % 60 {
            0 => format!("{} h", m / 60),
            r => format!("{} h {r} min", m / 60),
        },
        m => format!("{} d {} h", m / (24 * 60), (m % (24 * 60)) / 60),
    }
}

/// How a count moved from the period before: "(12 before, +33%)".
fn against(now: u32, before: u32) -> String {
    match (now, before) {
        (_, 0) if now == 0 => "(none before either)".into(),
        (_, 0) => "(none before)".into(),
        _ if now == before => format!("({before} before, the same)"),
        _ => {
            let change = (f64::from(now) - f64::from(before)) / f64::from(before) * 100.0;
            format!("({before} before, {change:+.0}%)")
        }
    }
}

fn share(part: u32, of: u32) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{part} of {of} ({})", share_only(part, of))
    }
}

fn day(t: Millis) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(t)
        .single()
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_default()
}

fn print_period(c: &PeriodFigures, p: &PeriodFigures) {
    let rows = [
        ("Active members", c.active_members, p.active_members),
        ("  new", c.new_members, p.new_members),
        ("  returning", c.returning_members, p.returning_members),
        ("  new and active", c.new_and_active, p.new_and_active),
        ("Going quiet", c.going_quiet, p.going_quiet),
        ("Messages", c.messages, p.messages),
        ("Questions", c.questions, p.questions),
    ];
    for (what, now, before) in rows {
        println!("{what:<26}{now:>8}  {}", against(now, before));
    }
    println!(
        "{:<26}{:>8}  ({} before)",
        "  answered",
        share(c.answered, c.questions),
        share(p.answered, p.questions)
    );
    println!(
        "{:<26}{:>8}",
        "  acknowledged by asker",
        share(c.acknowledged, c.answered)
    );
    println!(
        "{:<26}{:>8}",
        "  unanswered after a day",
        share(c.unanswered_after_a_day, c.questions_a_day_old)
    );
    println!(
        "{:<26}median {}, 90% within {}  (median {} before)",
        "First answer",
        wait(c.first_reply_median),
        wait(c.first_reply_p90),
        wait(p.first_reply_median)
    );
    println!(
        "{:<26}team {}, members {}",
        "  median by",
        wait(c.team_first_reply_median),
        wait(c.community_first_reply_median)
    );
    if let (Some(r), Some(people)) = (c.replies_per_question, c.participants_per_thread) {
        println!(
            "{:<26}{r:.1} answers and {people:.1} people a question",
            "Discussion"
        );
    }
    match (c.sentiment, p.sentiment) {
        (Some(s), Some(b)) => println!("{:<26}{s:+.2}  ({b:+.2} before)", "Sentiment"),
        (Some(s), None) => println!("{:<26}{s:+.2}", "Sentiment"),
        _ => {}
    }
}

fn print(m: &Metrics, by_view: &[ResponseFigures]) {
    let days = (m.to - m.from + 12 * HOUR) / (24 * HOUR);
    println!(
        "Community health, {} – {} ({days} days), {}; beside the {days} days before",
        day(m.from),
        day(m.to - 1),
        m.platform.map_or("every platform", Platform::label)
    );
    println!("Members are people: one counted once across platforms; the team is left out.\n");
    print_period(&m.current, &m.previous);
    if !m.by_platform.is_empty() {
        println!("\nResponse by platform");
        for r in &m.by_platform {
            println!(
                "  {:<12} {:>4} questions, first answer median {}, unanswered after a day {}",
                r.platform.map_or("", Platform::label),
                r.questions,
                wait(r.first_reply_median),
                share(r.unanswered_after_a_day, r.questions_a_day_old)
            );
        }
    }
    if !by_view.is_empty() {
        println!("\nResponse by inbox view (its conversations, whatever their state now)");
        for r in by_view {
            println!(
                "  {:<20} {:>4} questions, first answer median {}, within its {} target {}, \
                 unanswered after a day {}",
                r.view.as_deref().unwrap_or(""),
                r.questions,
                wait(r.first_reply_median),
                wait(r.reply_target),
                share(r.within_target, r.questions),
                share(r.unanswered_after_a_day, r.questions_a_day_old)
            );
        }
    }
    if !m.top_channels.is_empty() {
        println!("\nTop channels");
        for c in &m.top_channels {
            println!(
                "  {:<28} {:>6} messages from {} members{}",
                format!("{} {}", c.platform.label(), c.channel),
                c.messages,
                c.members,
                c.sentiment
                    .map(|s| format!(", sentiment {s:+.2}"))
                    .unwrap_or_default()
            );
        }
    }
    if !m.top_contributors.is_empty() {
        println!("\nTop contributors");
        for c in &m.top_contributors {
            let on: Vec<String> = c
                .platforms
                .iter()
                .map(|(p, n)| format!("{n} on {}", p.label()))
                .collect();
            println!(
                "  {:<24} {:>5} messages ({}): {} questions, {} answers",
                c.name,
                c.messages,
                on.join(", "),
                c.questions,
                c.answers
            );
        }
    }
    if !m.helpers.is_empty() {
        println!("\nHelpers to thank (answered first; of those, the askers who came back)");
        for h in &m.helpers {
            println!(
                "  {:<24} {:>4} answered first, {} thanked, {} answers in all",
                h.name, h.first_answers, h.thanked, h.answers
            );
        }
    }
    if m.cohorts.iter().any(|c| c.members > 0) {
        println!("\nRetention by monthly cohort: of the members who first wrote in a month, the share who wrote in it and each month after");
        for c in m.cohorts.iter().filter(|c| c.members > 0) {
            let shares: Vec<String> = c
                .active
                .iter()
                .map(|a| format!("{:>4}", share_only(*a, c.members)))
                .collect();
            println!(
                "  {:<9} {:>5} new  {}",
                month(c.month),
                c.members,
                shares.join(" ")
            );
        }
    }
}

/// "Nov 2026".
fn month(t: Millis) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(t)
        .single()
        .map(|d| d.format("%b %Y").to_string())
        .unwrap_or_default()
}

/// "60%".
fn share_only(part: u32, of: u32) -> String {
    if of == 0 {
        return "–".into();
    }
    format!("{:.0}%", f64::from(part) / f64::from(of) * 100.0)
}

/// A day of the period, as the figures count days: in UTC. A bare date given as the end is
/// the last day in ("--to 2026-11-08" includes the 8th).
fn utc_day(input: &str, end: bool) -> Result<Millis> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d") {
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        return Ok(d
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_millis());
    }
    Ok(parse_when(input, chrono::Utc::now())?)
}

pub fn metrics(
    store: &mut Store,
    from: Option<String>,
    to: Option<String>,
    platform: Option<Platform>,
    json: bool,
    now: Millis,
) -> Result<()> {
    let query = MetricsQuery {
        from: from.map(|f| utc_day(&f, false)).transpose()?,
        to: to.map(|t| utc_day(&t, true)).transpose()?,
        platform,
    };
    // messages synced before sentiment was kept are scored first
    while store.score_unscored(50_000)? > 0 {}
    let metrics = store.metrics(&query, now)?;
    let by_view = store.response_by_view(&query, now)?;
    if json {
        return print_json(&Report { metrics, by_view });
    }
    print(&metrics, &by_view);
    Ok(())
}

/// What `hearth metrics --json` prints: the figures, and response times per inbox view.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    #[serde(flatten)]
    metrics: Metrics,
    by_view: Vec<ResponseFigures>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_and_changes_read_as_people_say_them() {
        assert_eq!(wait(Some(45 * 60_000)), "45 min");
        assert_eq!(wait(Some(3 * HOUR + 20 * 60_000)), "3 h 20 min");
        assert_eq!(wait(Some(52 * HOUR)), "2 d 4 h");
        assert_eq!(wait(None), "–");
        assert_eq!(against(4, 3), "(3 before, +33%)");
        assert_eq!(against(2, 0), "(none before)");
        assert_eq!(share(1, 3), "1 of 3 (33%)");
    }
}
