//! `hearth calendar`: the content calendar.

use anyhow::Result;
use clap::Subcommand;
use hearth::model::{
    BestTimes, CalendarItemInput, CalendarRange, ContentState, Platform, VariantInput,
};
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
    /// Plans a post: an idea, or a draft or scheduled post with --at.
    Add {
        title: String,
        /// The main text.
        #[arg(long, default_value = "")]
        text: String,
        /// When, in words or as a date: "next tue 10am", "dec 24 16:00", 2026-12-01 09:00.
        #[arg(long)]
        at: Option<String>,
        /// idea, draft or scheduled (default: idea without --at, draft with it).
        #[arg(long)]
        state: Option<String>,
        /// A platform's own version, PLATFORM=TEXT (Mastodon's shorter post…); repeat it.
        #[arg(long = "version", value_name = "PLATFORM=TEXT")]
        versions: Vec<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Changes a planned post: its title, text, state or platform versions.
    Edit {
        id: i64,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        state: Option<String>,
        /// Replaces (or adds) a platform's version, PLATFORM=TEXT; repeat it.
        #[arg(long = "version", value_name = "PLATFORM=TEXT")]
        versions: Vec<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Schedules a post for a time ("next tue 10am"); `none` takes its date away.
    Schedule {
        id: i64,
        when: String,
        #[command(flatten)]
        json: Json,
    },
    /// Deletes a planned post.
    Remove { id: i64 },
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
    use chrono::TimeZone;
    let hour_ms = 3_600_000i64;
    let at_now = hearth::calendar::best_time::hour_of_week(now) as i64;
    let wanted = i64::from(weekday) * 24 + i64::from(hour);
    let ahead = (wanted - at_now).rem_euclid(7 * 24) * hour_ms;
    let start = now - now.rem_euclid(hour_ms) + ahead;
    match chrono::Local.timestamp_millis_opt(start).single() {
        // with minutes: a zone half an hour off UTC (India's) starts the window at :30
        Some(t) => format!(
            "{}s {}–{} your time",
            t.format("%A"),
            t.format("%H:%M"),
            (t + chrono::Duration::hours(2)).format("%H:%M")
        ),
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

fn state_of(word: &str) -> Result<ContentState> {
    ContentState::parse(word.trim()).ok_or_else(|| {
        anyhow::anyhow!("'{word}' is not a state: idea, draft, scheduled, published or failed")
    })
}

/// PLATFORM=TEXT as a platform's version.
fn version_of(spec: &str) -> Result<VariantInput> {
    let (platform, body) = spec.split_once('=').ok_or_else(|| {
        anyhow::anyhow!("a version is PLATFORM=TEXT (mastodon=\"Shorter…\"), not '{spec}'")
    })?;
    let platform: Platform = platform
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("'{platform}' is not a platform"))?;
    Ok(VariantInput {
        platform,
        body: body.to_string(),
    })
}

fn print_item(item: &hearth::model::CalendarItem, said: &str, json: bool) -> Result<()> {
    if json {
        return print_json(item);
    }
    println!(
        "{said} {} \"{}\" ({}{}).",
        item.id,
        item.title,
        item.state.as_str(),
        item.scheduled_at
            .map(|t| format!(", {}", local_time(t)))
            .unwrap_or_default()
    );
    Ok(())
}

/// An item as the input that would write it again.
fn input_of(item: &hearth::model::CalendarItem) -> CalendarItemInput {
    CalendarItemInput {
        title: item.title.clone(),
        body: item.body.clone(),
        state: item.state,
        scheduled_at: item.scheduled_at,
        source_conversation_id: item.source_conversation_id,
        variants: item
            .variants
            .iter()
            .map(|v| VariantInput {
                platform: v.platform,
                body: v.body.clone(),
            })
            .collect(),
    }
}

pub fn calendar(store: &mut Store, action: CalendarCmd, now: i64) -> Result<()> {
    match action {
        CalendarCmd::Add {
            title,
            text,
            at,
            state,
            versions,
            json,
        } => {
            let scheduled_at = at
                .map(|w| parse_when(&w, chrono::Local::now()))
                .transpose()?;
            let state = match state {
                Some(s) => state_of(&s)?,
                None if scheduled_at.is_some() => ContentState::Draft,
                None => ContentState::Idea,
            };
            let variants = versions
                .iter()
                .map(|v| version_of(v))
                .collect::<Result<_>>()?;
            let item = store.create_calendar_item(
                &CalendarItemInput {
                    title,
                    body: text,
                    state,
                    scheduled_at,
                    source_conversation_id: None,
                    variants,
                },
                now,
            )?;
            print_item(&item, "Planned", json.json)?;
        }
        CalendarCmd::Edit {
            id,
            title,
            text,
            state,
            versions,
            json,
        } => {
            let mut input = input_of(&store.calendar_item(id)?);
            if let Some(t) = title {
                input.title = t;
            }
            if let Some(t) = text {
                input.body = t;
            }
            if let Some(s) = state {
                input.state = state_of(&s)?;
            }
            for v in versions {
                let v = version_of(&v)?;
                input.variants.retain(|w| w.platform != v.platform);
                input.variants.push(v);
            }
            let item = store.update_calendar_item(id, &input, now)?;
            print_item(&item, "Changed", json.json)?;
        }
        CalendarCmd::Schedule { id, when, json } => {
            let mut input = input_of(&store.calendar_item(id)?);
            if when.trim().eq_ignore_ascii_case("none") {
                input.scheduled_at = None;
                if input.state == ContentState::Scheduled {
                    input.state = ContentState::Draft;
                }
            } else {
                input.scheduled_at = Some(parse_when(&when, chrono::Local::now())?);
                if matches!(input.state, ContentState::Idea | ContentState::Draft) {
                    input.state = ContentState::Scheduled;
                }
            }
            let item = store.update_calendar_item(id, &input, now)?;
            print_item(&item, "Scheduled", json.json)?;
        }
        CalendarCmd::Remove { id } => {
            let item = store.calendar_item(id)?;
            store.delete_calendar_item(id)?;
            println!("Deleted {id} \"{}\".", item.title);
        }
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
