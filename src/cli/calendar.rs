//! `hearth calendar`: the content calendar.

use anyhow::{Context, Result};
use clap::Subcommand;
use hearth::model::{
    BestTimes, CalendarItemInput, CalendarRange, ContentState, Platform, TargetStatus, VariantInput,
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
        /// A platform's own version, PLATFORM=TEXT (Mastodon's shorter post…), for a platform
        /// not connected yet; repeat it.
        #[arg(long = "version", value_name = "PLATFORM=TEXT")]
        versions: Vec<String>,
        /// An account it goes out on (its name or number), with the channel, room, category
        /// or owner/repo after '#' where the account posts in several (on GitHub,
        /// owner/repo/discussions/CATEGORY opens a discussion instead of an issue), and its
        /// own text after '=' (without one it follows the main text); repeat it.
        #[arg(long = "to", value_name = "ACCOUNT[#CHANNEL][=TEXT]")]
        targets: Vec<String>,
        /// How it repeats: daily, weekly, fortnightly, monthly, or an RRULE
        /// (FREQ=WEEKLY;BYDAY=TH). The next occurrence becomes a post of its own when one goes
        /// out.
        #[arg(long)]
        repeat: Option<String>,
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
        /// Adds (or replaces) a target, ACCOUNT[#CHANNEL][=TEXT]; repeat it.
        #[arg(long = "to", value_name = "ACCOUNT[#CHANNEL][=TEXT]")]
        targets: Vec<String>,
        /// Takes the target on this account (its name or number) off the post; repeat it.
        #[arg(long = "drop", value_name = "ACCOUNT")]
        drop: Vec<String>,
        /// How it repeats (daily, weekly, fortnightly, monthly, an RRULE), or `none`.
        #[arg(long)]
        repeat: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Asks for review: the post waits in review until someone approves it.
    Review {
        id: i64,
        #[command(flatten)]
        json: Json,
    },
    /// Approves a post (as you, or --by NAME): a dated one whose targets can go out is
    /// scheduled; it goes back to review if its words or targets change afterwards.
    Approve {
        id: i64,
        #[arg(long)]
        by: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Comments on a post, or lists its comments without TEXT.
    Comment {
        id: i64,
        text: Option<String>,
        #[arg(long)]
        by: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// A post's images. Lists them; --add FILE --alt "what it shows" attaches one (PNG, JPEG,
    /// GIF or WebP; alt text is required), --alt-of IMAGE TEXT rewrites one's alt text,
    /// --move IMAGE POSITION reorders, --remove IMAGE takes one off.
    Image {
        id: i64,
        #[arg(long, value_name = "FILE", requires = "alt")]
        add: Option<std::path::PathBuf>,
        /// What the image shows, in words, for people who cannot see it.
        #[arg(long, value_name = "TEXT")]
        alt: Option<String>,
        #[arg(long, num_args = 2, value_names = ["IMAGE", "TEXT"])]
        alt_of: Option<Vec<String>>,
        #[arg(long = "move", num_args = 2, value_names = ["IMAGE", "POSITION"])]
        move_to: Option<Vec<String>>,
        #[arg(long, value_name = "IMAGE")]
        remove: Option<i64>,
        #[command(flatten)]
        json: Json,
    },
    /// Publishes a post now (a missed one too), or with --retry TARGET sends a failed target
    /// again.
    Publish {
        id: i64,
        #[arg(long, value_name = "TARGET")]
        retry: Option<i64>,
        #[command(flatten)]
        json: Json,
    },
    /// Posting slots: the times of the week each account posts at. Lists them; --add ACCOUNT
    /// "tue 10:00" adds one (in your time zone, or --zone), --remove ID takes one away.
    Slots {
        #[arg(long, num_args = 2, value_names = ["ACCOUNT", "WHEN"])]
        add: Option<Vec<String>>,
        /// The slot's time zone, as Europe/Berlin (default: yours).
        #[arg(long)]
        zone: Option<String>,
        #[arg(long)]
        remove: Option<i64>,
        #[command(flatten)]
        json: Json,
    },
    /// Dates a post at the next free slot of its accounts.
    Slot {
        id: i64,
        #[command(flatten)]
        json: Json,
    },
    /// How late a post may still go out after its time (a laptop asleep when it was due), in
    /// minutes; beyond it the post is marked missed and waits for you. Shows it without
    /// MINUTES.
    Grace { minutes: Option<u32> },
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
        anyhow::anyhow!(
            "'{word}' is not a state: idea, draft, review, approved, scheduled or published"
        )
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
    Ok(VariantInput::new(platform, body))
}

/// ACCOUNT[=TEXT] as a target on a connected account: its own text, or the main text.
fn target_of(store: &Store, spec: &str) -> Result<VariantInput> {
    let (account, body) = match spec.split_once('=') {
        Some((a, b)) => (a, Some(b)),
        None => (spec, None),
    };
    let (account, channel) = match account.split_once('#') {
        Some((a, c)) => (a, Some(c.trim().to_string())),
        None => (account, None),
    };
    let found = store.find_account(account.trim())?;
    let mut v = VariantInput::new(found.platform, body.unwrap_or_default()).on(found.id);
    v.follows_main = body.is_none();
    v.channel = channel.filter(|c| !c.is_empty());
    Ok(v)
}

fn put_target(input: &mut CalendarItemInput, v: VariantInput) {
    // a target on an account replaces that account's, and the platform's unconnected plan
    input.variants.retain(|w| {
        !(w.platform == v.platform && (w.account_id == v.account_id || w.account_id.is_none()))
    });
    input.variants.push(v);
}

fn print_item(item: &hearth::model::CalendarItem, said: &str, json: bool) -> Result<()> {
    if json {
        return print_json(item);
    }
    println!(
        "{said} {} \"{}\" ({}{}{}).",
        item.id,
        item.title,
        item.state.label(),
        item.scheduled_at
            .map(|t| format!(", {}", local_time(t)))
            .unwrap_or_default(),
        item.approved_by
            .as_ref()
            .map(|b| format!(", approved by {b}"))
            .unwrap_or_default()
            + &item
                .repeats
                .as_ref()
                .map(|r| format!(", repeats {r}"))
                .unwrap_or_default()
    );
    print_targets(item);
    print_images(item);
    Ok(())
}

fn print_images(item: &hearth::model::CalendarItem) {
    for (n, i) in item.images.iter().enumerate() {
        println!(
            "  image {} · {} {}×{} {} — alt: {}",
            i.id,
            n + 1,
            i.width,
            i.height,
            hearth::calendar::rules::size_in_words(i.size),
            i.alt
        );
    }
}

/// An argument that must be a number, with which one it was in the error.
fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{what} must be a number, not \"{s}\""))
}

fn input_of(item: &hearth::model::CalendarItem) -> CalendarItemInput {
    hearth::calendar::input_of(item)
}

fn print_targets(item: &hearth::model::CalendarItem) {
    for v in &item.variants {
        let on = v
            .account_name
            .clone()
            .unwrap_or_else(|| "no account yet".into());
        let mut line = format!(
            "  {} target {} · {} ({on}): {:?}",
            match v.status {
                TargetStatus::Sent => "✓",
                TargetStatus::Failed => "✗",
                TargetStatus::Queued | TargetStatus::Sending => "…",
                TargetStatus::Planned => "·",
            },
            v.id,
            v.platform.label(),
            v.status
        );
        if let Some(url) = &v.url {
            line.push_str(&format!(" {url}"));
        }
        if v.status == TargetStatus::Sent {
            line.push_str(&format!(
                " · {} repl{} from {} {}",
                v.replies,
                if v.replies == 1 { "y" } else { "ies" },
                v.repliers,
                if v.repliers == 1 { "person" } else { "people" }
            ));
            if let Some(n) = v.reactions {
                line.push_str(&format!(" · {n} reaction{}", if n == 1 { "" } else { "s" }));
            }
            if let Some(n) = v.boosts {
                line.push_str(&format!(" · {n} boost{}", if n == 1 { "" } else { "s" }));
            }
        }
        if let Some(e) = &v.error {
            line.push_str(&format!(" — {e}"));
        }
        for p in &v.problems {
            line.push_str(&format!(" — {p}"));
        }
        println!("{line}");
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
            targets,
            repeat,
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
            let mut input = CalendarItemInput {
                title,
                body: text,
                state,
                scheduled_at,
                source_conversation_id: None,
                variants: versions
                    .iter()
                    .map(|v| version_of(v))
                    .collect::<Result<_>>()?,
                recurrence: repeat,
            };
            for t in &targets {
                put_target(&mut input, target_of(store, t)?);
            }
            let item = store.create_calendar_item(&input, now)?;
            print_item(&item, "Planned", json.json)?;
        }
        CalendarCmd::Edit {
            id,
            title,
            text,
            state,
            versions,
            targets,
            drop,
            repeat,
            json,
        } => {
            let mut input = input_of(&store.calendar_item(id)?);
            if let Some(r) = repeat {
                input.recurrence = Some(r);
            }
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
                input
                    .variants
                    .retain(|w| w.platform != v.platform || w.account_id.is_some());
                input.variants.push(v);
            }
            for t in &targets {
                put_target(&mut input, target_of(store, t)?);
            }
            for d in &drop {
                let account = store.find_account(d.trim())?;
                input.variants.retain(|w| w.account_id != Some(account.id));
            }
            // a target that follows the main text takes the new one
            let main = input.body.clone();
            for v in input.variants.iter_mut().filter(|v| v.follows_main) {
                v.body = main.clone();
            }
            let item = store.update_calendar_item(id, &input, now)?;
            print_item(&item, "Changed", json.json)?;
        }
        CalendarCmd::Review { id, json } => {
            let item = store.submit_calendar_item(id, now)?;
            print_item(&item, "In review:", json.json)?;
        }
        CalendarCmd::Approve { id, by, json } => {
            let item = store.approve_calendar_item(id, by.as_deref(), now)?;
            print_item(&item, "Approved", json.json)?;
            if !json.json && item.state == ContentState::Approved {
                println!(
                    "  It is published once it has a time and every target can go out (hearth calendar schedule {id} WHEN)."
                );
            }
        }
        CalendarCmd::Comment { id, text, by, json } => {
            if let Some(text) = text {
                let c = store.comment_on_calendar_item(id, by.as_deref(), &text, now)?;
                if json.json {
                    return print_json(&c);
                }
                println!("{} commented on {id}.", c.author);
            } else {
                let comments = store.calendar_comments(id)?;
                if json.json {
                    return print_json(&comments);
                }
                if comments.is_empty() {
                    println!("No comments on {id} yet.");
                }
                for c in comments {
                    println!("{} · {}: {}", local_time(c.created_at), c.author, c.body);
                }
            }
        }
        CalendarCmd::Image {
            id,
            add,
            alt,
            alt_of,
            move_to,
            remove,
            json,
        } => {
            let current = store.calendar_item(id)?;
            let of_this = |image: i64| -> Result<i64> {
                if current.images.iter().any(|i| i.id == image) {
                    Ok(image)
                } else {
                    anyhow::bail!(
                        "post {id} has no image {image} (hearth calendar image {id} lists them)"
                    )
                }
            };
            let item = if let Some(path) = add {
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let item = store.add_calendar_image(
                    id,
                    &name,
                    &bytes,
                    alt.as_deref().unwrap_or_default(),
                    now,
                )?;
                print_item(&item, "Attached to", json.json)?;
                return Ok(());
            } else if let Some([image, text]) = alt_of.as_deref() {
                store.set_calendar_image_alt(of_this(number(image, "IMAGE")?)?, text, now)?
            } else if let Some([image, position]) = move_to.as_deref() {
                store.move_calendar_image(
                    of_this(number(image, "IMAGE")?)?,
                    number(position, "POSITION")?,
                    now,
                )?
            } else if let Some(image) = remove {
                store.remove_calendar_image(of_this(image)?, now)?
            } else {
                if json.json {
                    return print_json(&current.images);
                }
                if current.images.is_empty() {
                    println!("Post {id} has no images.");
                }
                print_images(&current);
                return Ok(());
            };
            print_item(&item, "Changed", json.json)?;
        }
        CalendarCmd::Publish { id, retry, json } => {
            let item = match retry {
                Some(target) => {
                    let item = store.calendar_item(id)?;
                    if !item.variants.iter().any(|v| v.id == target) {
                        anyhow::bail!(
                            "post {id} has no target {target} (hearth calendar list shows them)"
                        );
                    }
                    store.retry_calendar_target(target, now)?
                }
                None => store.publish_calendar_item_now(id, now)?,
            };
            let report = super::sync::publish_due(store)?;
            let item = store.calendar_item(item.id)?;
            if json.json {
                return print_json(&item);
            }
            super::sync::print_publish(&report);
            print_item(&item, "Now", false)?;
        }
        CalendarCmd::Slots {
            add,
            zone,
            remove,
            json,
        } => {
            if let Some(args) = add {
                let (account, when) = (&args[0], &args[1]);
                let account = store.find_account(account.trim())?;
                let (weekday, minute) = hearth::calendar::slots::parse_slot(when)?;
                let slot = store.add_posting_slot(account.id, weekday, minute, zone.as_deref())?;
                if !json.json {
                    println!("{} posts at {}.", slot.account_name, slot.label);
                }
            }
            if let Some(id) = remove {
                store.remove_posting_slot(id)?;
                if !json.json {
                    println!("Removed slot {id}.");
                }
            }
            let slots = store.posting_slots()?;
            if json.json {
                return print_json(&slots);
            }
            if slots.is_empty() {
                println!("No posting slots yet: hearth calendar slots --add ACCOUNT \"tue 10:00\"");
            }
            for s in &slots {
                println!("{:>4}  {} · {}", s.id, s.account_name, s.label);
            }
        }
        CalendarCmd::Slot { id, json } => {
            let item = store.schedule_in_next_slot(id, now)?;
            print_item(&item, "In the next free slot:", json.json)?;
        }
        CalendarCmd::Grace { minutes } => {
            if let Some(m) = minutes {
                store.set_publish_grace_minutes(m)?;
            }
            println!(
                "A post due while no Hearth was running goes out up to {} minutes late; later than that it is marked missed.",
                store.publish_grace_minutes()?
            );
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
                brief: false,
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
                    "{:>4}  {:<16} {:<16}  {}{}",
                    i.id,
                    i.scheduled_at
                        .map(local_time)
                        .unwrap_or_else(|| "unscheduled".into()),
                    if i.occurrence {
                        "↻ repeats"
                    } else {
                        i.state.label()
                    },
                    i.title,
                    if platforms.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", platforms.join(", "))
                    }
                );
                if i.variants
                    .iter()
                    .any(|v| v.status != TargetStatus::Planned || v.account_id.is_some())
                {
                    print_targets(i);
                }
            }
        }
    }
    Ok(())
}
