//! `hearth segments`, `hearth remind` and `hearth reminders`: saved filters over members, and
//! follow-ups on members.

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use hearth::model::{
    ActivityFilter, EngagementLevel, FieldMatch, MemberQuery, MemberSort, Platform, Reminder,
    SegmentFilter,
};
use hearth::when::{parse_when, relative};
use hearth::Store;

use super::{clip, local_time, print_json};

#[derive(Subcommand)]
pub enum SegmentsCmd {
    /// The saved segments with how many members each holds.
    List,
    /// Save a segment: every condition given must hold.
    Add {
        name: String,
        #[command(flatten)]
        filter: Box<FilterArgs>,
    },
    /// Remove a saved segment (by name or number).
    Remove { name: String },
    /// The members of a segment.
    Members {
        name: String,
        /// last-active (default), score, messages, name or first-seen.
        #[arg(long, default_value = "score")]
        sort: MemberSort,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// The conditions of a segment.
#[derive(Args, Default)]
pub struct FilterArgs {
    /// On this platform (repeat for any of several).
    #[arg(long)]
    platform: Vec<Platform>,
    /// Tagged so (repeat: all of them).
    #[arg(long)]
    tag: Vec<String>,
    /// The organisation contains these words.
    #[arg(long)]
    org: Option<String>,
    /// The location contains these words.
    #[arg(long)]
    location: Option<String>,
    /// A custom field, NAME=VALUE (repeat: all of them).
    #[arg(long, value_name = "NAME=VALUE")]
    field: Vec<String>,
    /// core, active, casual or quiet (repeat for any of several).
    #[arg(long)]
    level: Vec<EngagementLevel>,
    /// Was among the most active and has been silent three weeks or more.
    #[arg(long)]
    going_quiet: bool,
    /// First seen in the last 30 days and already active.
    #[arg(long)]
    new_and_active: bool,
    /// First seen in this many days (30d, 2w).
    #[arg(long, value_name = "DAYS")]
    first_seen_within: Option<String>,
    /// First seen on or after a date (2026-11-01).
    #[arg(long, value_name = "DATE")]
    first_seen_after: Option<String>,
    /// First seen before a date.
    #[arg(long, value_name = "DATE")]
    first_seen_before: Option<String>,
    /// Active in this many days (14d).
    #[arg(long, value_name = "DAYS")]
    active_within: Option<String>,
    /// Not active in this many days (21d), active before.
    #[arg(long, value_name = "DAYS")]
    quiet_for: Option<String>,
    /// At least N messages (in --within, or between --from and --to).
    #[arg(long, value_name = "N")]
    min_messages: Option<u32>,
    /// The period of --min-messages: the last DAYS.
    #[arg(long, value_name = "DAYS", requires = "min_messages")]
    within: Option<String>,
    #[arg(long, value_name = "DATE", requires = "min_messages")]
    from: Option<String>,
    #[arg(long, value_name = "DATE", requires = "min_messages")]
    to: Option<String>,
}

/// "21d", "3w" or "21" → days.
fn days(s: &str) -> Result<u32> {
    let t = s.trim().to_ascii_lowercase();
    let (n, unit) = match t.chars().last() {
        Some('d') => (&t[..t.len() - 1], 1),
        Some('w') => (&t[..t.len() - 1], 7),
        _ => (t.as_str(), 1),
    };
    match n.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n * unit),
        _ => bail!("cannot read '{s}' as a number of days: use 21d, 3w or 21"),
    }
}

fn date(s: &str) -> Result<i64> {
    Ok(parse_when(s, chrono::Local::now())?)
}

impl FilterArgs {
    fn filter(self) -> Result<SegmentFilter> {
        let fields = self
            .field
            .iter()
            .map(|f| match f.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() => Ok(FieldMatch {
                    name: name.trim().into(),
                    value: value.trim().into(),
                }),
                _ => bail!("cannot read the field '{f}': use NAME=VALUE, like city=Berlin"),
            })
            .collect::<Result<Vec<_>>>()?;
        let activity = match self.min_messages {
            Some(min_messages) => Some(ActivityFilter {
                min_messages,
                from: self.from.as_deref().map(date).transpose()?,
                to: self.to.as_deref().map(date).transpose()?,
                within_days: self.within.as_deref().map(days).transpose()?,
            }),
            None => None,
        };
        Ok(SegmentFilter {
            platforms: self.platform,
            tags: self.tag,
            organization: self.org,
            location: self.location,
            fields,
            levels: self.level,
            going_quiet: self.going_quiet.then_some(true),
            new_and_active: self.new_and_active.then_some(true),
            first_seen_after: self.first_seen_after.as_deref().map(date).transpose()?,
            first_seen_before: self.first_seen_before.as_deref().map(date).transpose()?,
            first_seen_within_days: self.first_seen_within.as_deref().map(days).transpose()?,
            active_within_days: self.active_within.as_deref().map(days).transpose()?,
            quiet_for_days: self.quiet_for.as_deref().map(days).transpose()?,
            activity,
        })
    }
}

pub fn segments(
    store: &mut Store,
    action: Option<SegmentsCmd>,
    json: bool,
    now: i64,
) -> Result<()> {
    match action.unwrap_or(SegmentsCmd::List) {
        SegmentsCmd::List => {
            let list = store.segments(now)?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No saved segments yet: `hearth segments add NAME --platform github --quiet-for 21d` saves one.");
            }
            for s in &list {
                println!(
                    "{:>4}  {:<44} {:>6} members",
                    s.id,
                    clip(&s.name, 44),
                    s.count
                );
            }
        }
        SegmentsCmd::Add { name, filter } => {
            let s = store.add_segment(&name, &filter.filter()?, now)?;
            if json {
                return print_json(&s);
            }
            println!(
                "Saved segment {} '{}': {} members now.",
                s.id, s.name, s.count
            );
        }
        SegmentsCmd::Remove { name } => {
            let s = store.segment(&name, now)?;
            store.remove_segment(s.id)?;
            println!("Removed segment '{}' (its members stay).", s.name);
        }
        SegmentsCmd::Members { name, sort, limit } => {
            let s = store.segment(&name, now)?;
            let page = store.members(
                &MemberQuery {
                    segment_id: Some(s.id),
                    sort: Some(sort),
                    limit: Some(limit),
                    ..Default::default()
                }
                .at(now),
            )?;
            if json {
                return print_json(&page);
            }
            super::members::print_members(&page, now);
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum RemindersCmd {
    /// Mark a reminder done.
    Done { id: i64 },
    /// Hide a reminder until a time: "in 2h", "tomorrow 9am", "next friday 8pm", "dec 24".
    Snooze { id: i64, until: String },
    /// Open a done or snoozed reminder again.
    Open { id: i64 },
    /// Delete a reminder.
    Remove { id: i64 },
}

fn print_reminder(r: &Reminder, now: i64) {
    let when = match (r.status, r.snoozed_until, r.done_at) {
        (hearth::model::Status::Done, _, Some(t)) => format!("done {}", local_time(t)),
        (hearth::model::Status::Snoozed, Some(u), _) => format!("snoozed until {}", local_time(u)),
        _ if r.due => format!("due {}", relative(r.snoozed_until.unwrap_or(r.due_at), now)),
        _ => format!("due {}", local_time(r.due_at)),
    };
    println!(
        "{:>4}  {:<22} {:<28} {}",
        r.id,
        clip(&r.member_name, 22),
        when,
        r.body
    );
}

/// `hearth remind MEMBER WHEN TEXT`.
pub fn remind(
    store: &mut Store,
    member: i64,
    when: &str,
    text: &[String],
    json: bool,
    now: i64,
) -> Result<()> {
    let due = parse_when(when, chrono::Local::now())?;
    let r = store.add_reminder(member, &text.join(" "), due, now)?;
    if json {
        return print_json(&r);
    }
    println!(
        "Reminder {} on {} (member {}), due {}: {}",
        r.id,
        r.member_name,
        r.member_id,
        local_time(r.due_at),
        r.body
    );
    Ok(())
}

/// `hearth reminders [--all] [--member N] [done|snooze|open|remove]`.
pub fn reminders(
    store: &mut Store,
    action: Option<RemindersCmd>,
    all: bool,
    member: Option<i64>,
    json: bool,
    now: i64,
) -> Result<()> {
    let changed = match action {
        None => {
            let list = store.reminders(member, all, now)?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No reminders{}.", if all { "" } else { " waiting" });
            }
            for r in &list {
                print_reminder(r, now);
            }
            return Ok(());
        }
        Some(RemindersCmd::Done { id }) => store.reminder_done(id, now)?,
        Some(RemindersCmd::Snooze { id, until }) => {
            store.reminder_snooze(id, parse_when(&until, chrono::Local::now())?, now)?
        }
        Some(RemindersCmd::Open { id }) => store.reminder_reopen(id, now)?,
        Some(RemindersCmd::Remove { id }) => {
            store.remove_reminder(id)?;
            println!("Reminder {id} deleted.");
            return Ok(());
        }
    };
    if json {
        return print_json(&changed);
    }
    print_reminder(&changed, now);
    Ok(())
}
