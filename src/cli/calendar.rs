//! `hearth calendar`: the content calendar.

use anyhow::Result;
use clap::Subcommand;
use hearth::model::{BestTimes, CalendarRange, Platform};
use hearth::when::parse_when;
use hearth::Store;

use super::{local_time, print_json, Json};

#[derive(Subcommand)]
pub enum CalendarCmd {
    /// Planned posts (all of them, or between --from and --to).
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// The calendar as an iCalendar (.ics) file for other calendar programs: into FILE, or
    /// printed.
    Export {
        /// iCalendar (RFC 5545), the only format so far.
        #[arg(long, default_value_t = true)]
        ics: bool,
        file: Option<std::path::PathBuf>,
    },
    /// Events from an iCalendar (.ics) file (community calls, meetups) as dated ideas: one per
    /// event, or per occurrence of a recurring one in the coming --days. Importing the same
    /// file again changes nothing; a changed event updates its idea.
    Import {
        file: std::path::PathBuf,
        /// How far ahead a recurring event's occurrences are taken.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=730))]
        days: u32,
        #[command(flatten)]
        json: Json,
    },
    /// When to post: the times of the week when threads got the most replies, per platform,
    /// from the synced data (times in UTC, with yours beside them).
    BestTime {
        /// Only this platform (discord, slack, discourse, github, matrix, mastodon, bluesky).
        #[arg(long)]
        platform: Option<Platform>,
        /// How many days back to look.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(7..=730))]
        days: u32,
        #[command(flatten)]
        json: Json,
    },
}

/// A window of the week (UTC) as it reads in the user's own time zone, at its next occurrence.
fn in_local_time(weekday: u8, hour: u8, now: i64) -> String {
    use chrono::{TimeZone, Timelike};
    let hour_ms = 3_600_000i64;
    let week = 7 * 24 * hour_ms;
    let at_now = hearth::calendar::best_time::hour_of_week(now) as i64;
    let wanted = i64::from(weekday) * 24 + i64::from(hour);
    let ahead = (wanted - at_now).rem_euclid(7 * 24) * hour_ms;
    let start = now - now.rem_euclid(hour_ms) + ahead.rem_euclid(week);
    match chrono::Local.timestamp_millis_opt(start).single() {
        Some(t) => {
            let end = t + chrono::Duration::hours(2);
            format!(
                "{}s {:02}:00–{:02}:00 your time",
                t.format("%A"),
                t.hour(),
                end.hour()
            )
        }
        None => String::new(),
    }
}

fn print_best(b: &BestTimes, now: i64) {
    let name = b.platform.map_or("Every platform", |p| p.label());
    println!("{name}: {}", b.summary);
    for w in &b.windows {
        let local = in_local_time(w.weekday, w.hour, now);
        println!(
            "  - {}{}",
            w.explanation,
            if local.is_empty() {
                String::new()
            } else {
                format!(" ({local})")
            }
        );
    }
}

pub fn calendar(store: &mut Store, action: CalendarCmd, now: i64) -> Result<()> {
    match action {
        CalendarCmd::Import { file, days, json } => {
            let r = store.import_calendar_ics(&file, now, days)?;
            if json.json {
                return print_json(&r);
            }
            println!(
                "Imported {}: {} event{}, {} new idea{}, {} updated, {} unchanged.",
                file.display(),
                r.events,
                if r.events == 1 { "" } else { "s" },
                r.new,
                if r.new == 1 { "" } else { "s" },
                r.updated,
                r.unchanged
            );
            for why in &r.skipped {
                println!("  left out: {why}");
            }
        }
        CalendarCmd::Export { ics: _, file } => match file {
            Some(path) => {
                let done = store.export_calendar_ics(&path, now)?;
                println!(
                    "Wrote {} event{} to {}{}.",
                    done.events,
                    if done.events == 1 { "" } else { "s" },
                    path.display(),
                    match done.undated {
                        0 => String::new(),
                        1 => " (1 idea without a date is not in it)".into(),
                        n => format!(" ({n} ideas without a date are not in it)"),
                    }
                );
            }
            None => print!("{}", store.calendar_ics(now)?.text),
        },
        CalendarCmd::BestTime {
            platform,
            days,
            json,
        } => {
            let all = store.best_times(days, now)?;
            let chosen: Vec<&BestTimes> = match platform {
                Some(p) => all.iter().filter(|b| b.platform == Some(p)).collect(),
                None => all.iter().collect(),
            };
            if json.json {
                return print_json(&chosen);
            }
            if chosen.is_empty() {
                if let Some(p) = platform {
                    println!(
                        "No {} thread started in the last {days} days, so there is no time to suggest.",
                        p.label()
                    );
                }
            }
            for b in chosen {
                print_best(b, now);
            }
        }
        CalendarCmd::List { from, to, json } => {
            let local = chrono::Local::now();
            let range = CalendarRange {
                from: from.map(|f| parse_when(&f, local)).transpose()?,
                to: to.map(|t| parse_when(&t, local)).transpose()?,
                include_unscheduled: true,
            };
            let items = store.calendar(&range)?;
            if json.json {
                return print_json(&items);
            }
            if items.is_empty() {
                println!("The calendar is empty.");
            }
            for i in &items {
                let platforms: Vec<&str> = i.variants.iter().map(|v| v.platform.as_str()).collect();
                println!(
                    "{:>4}  {:<16} {:<9}  {}{}",
                    i.id,
                    i.scheduled_at
                        .map(local_time)
                        .unwrap_or_else(|| "unscheduled".into()),
                    i.state.as_str(),
                    i.title,
                    if platforms.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", platforms.join(", "))
                    }
                );
            }
        }
    }
    Ok(())
}
