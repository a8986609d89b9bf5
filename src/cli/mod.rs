//! The `hearth` command line: arguments (clap), opening the database, and one module per
//! command group (`inbox`, `members` (and `orgs`), `calendar`, `sync`, `data`). Thin: each command parses,
//! calls the core and prints. Every read command takes `--json` (shapes in `docs/cli.md`).

mod calendar;
mod data;
mod engage;
mod feedback;
mod health;
mod inbox;
mod members;
mod moderation;
mod rules;
pub mod sync;
mod team;

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use hearth::model::{DemoOptions, Platform, Status};
use hearth::{now_millis, Store};

/// `hearth --version`: the release and the database schema it reads and writes.
fn version_line() -> &'static str {
    static LINE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{} (database schema {})",
            env!("CARGO_PKG_VERSION"),
            hearth::store::schema_version()
        )
    });
    LINE.as_str()
}

#[derive(Parser)]
#[command(
    name = "hearth",
    version = version_line(),
    about = "Hearth: inbox, members and content calendar for community managers, local-first"
)]
pub struct Cli {
    /// The database file (default: the platform's data folder; $HEARTH_DB overrides).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// The database the command line names, for advice after an error.
    pub fn db_hint(&self) -> Option<PathBuf> {
        db_path(self.db.clone()).ok()
    }
}

#[derive(Args, Clone, Copy)]
pub struct Json {
    /// Print JSON (stable shapes, see docs/cli.md) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Fill an empty database with the demo community "Lumen".
    Demo {
        /// How many people.
        #[arg(long, default_value_t = DemoOptions::default().members)]
        members: u32,
        /// How many messages, across all platforms.
        #[arg(long, default_value_t = DemoOptions::default().messages)]
        messages: u32,
        /// The same seed always makes the same community.
        #[arg(long, default_value_t = DemoOptions::default().seed)]
        seed: u64,
    },
    /// Remove the demo community (its sample accounts, conversations, members, notes and
    /// posts); accounts you connected stay.
    DemoRemove,
    /// Where the database is and what it holds.
    Status(#[command(flatten)] Json),
    /// The conversations that need you, best ranked first (the rules say why).
    Inbox {
        /// A view: needs-reply, mentions, first-timers, feedback, mine, unassigned, waiting,
        /// snoozed, done, or a saved view's name (`hearth views` lists them).
        #[arg(long)]
        view: Option<String>,
        /// open (default), waiting, snoozed or done.
        #[arg(long)]
        status: Option<Status>,
        #[arg(long)]
        platform: Option<Platform>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        json: Json,
    },
    /// A conversation with all its messages.
    Show {
        conversation: i64,
        #[command(flatten)]
        json: Json,
    },
    /// Triage a conversation: done, open, snooze UNTIL, tag TAG, untag TAG, assign WHO, priority N.
    Triage {
        conversation: i64,
        #[command(subcommand)]
        action: inbox::TriageCmd,
        #[command(flatten)]
        json: Json,
    },
    /// Full-text search over messages and notes, best matches first (relevance and recency).
    ///
    /// Filters can also be written in the query: on:github in:help from:ana is:open
    /// after:2026-10-01 before:7d.
    Search {
        query: String,
        /// Only messages on this platform.
        #[arg(long)]
        platform: Option<Platform>,
        /// Only messages in this channel, room, category or repository.
        #[arg(long)]
        channel: Option<String>,
        /// Only messages by the member with this name or handle.
        #[arg(long)]
        from: Option<String>,
        /// Only conversations with this status: open, waiting, snoozed or done.
        #[arg(long)]
        status: Option<Status>,
        /// Only messages written on or after this day (2026-10-01, yesterday, 7d).
        #[arg(long)]
        after: Option<String>,
        /// Only messages written before this day (2026-10-01, today, 2w).
        #[arg(long)]
        before: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        json: Json,
    },
    /// List members or show one.
    Members {
        #[command(subcommand)]
        action: Option<members::MembersCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// Organisations: list, show ORG, rename ORG NAME, merge A B, members ORG.
    Orgs {
        #[command(subcommand)]
        action: Option<members::OrgsCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// Saved filters over members: list (default), add NAME --platform … --level … --quiet-for
    /// 21d …, remove NAME, members NAME.
    Segments {
        #[command(subcommand)]
        action: Option<engage::SegmentsCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// Remind yourself to follow up with a member: `hearth remind 42 friday ask about her talk`.
    /// It shows at the top of the inbox when due.
    Remind {
        /// The member's number.
        member: i64,
        /// When: "tomorrow 9am", "friday", "in 3 days", "dec 24", 2026-12-01 09:00.
        when: String,
        /// What to follow up on.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Your settings: `hearth settings` lists them, `hearth settings KEY` shows one,
    /// `hearth settings KEY VALUE` sets it. Keys: me.name (your name, for {my_name}),
    /// inbox.reply_target_hours (hours within which a member's message should be answered).
    Settings {
        key: Option<String>,
        value: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Rules that rank the queue and say why: list, add NAME --when … --then …, edit, enable,
    /// disable, remove, test, words.
    Rules {
        #[command(subcommand)]
        action: Option<rules::RulesCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// Views of the inbox, built-in and saved: list, add NAME --platform … --tag …, remove,
    /// target VIEW HOURS.
    Views {
        #[command(subcommand)]
        action: Option<rules::ViewsCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// The community team: list, add NAME, remove NAME, me NAME for assignment; create, join,
    /// sync, status, leave to share triage with teammates through the team's relay.
    Team {
        #[command(subcommand)]
        action: Option<rules::TeamCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// Canned replies: list, add, remove, show one filled in for a conversation, set your name.
    Canned {
        #[command(subcommand)]
        action: Option<inbox::CannedCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// Follow-up reminders not done yet, soonest first; done, snooze, open or remove one.
    Reminders {
        #[command(subcommand)]
        action: Option<engage::RemindersCmd>,
        /// Done ones too.
        #[arg(long)]
        all: bool,
        /// Only this member's.
        #[arg(long)]
        member: Option<i64>,
        #[command(flatten)]
        json: Json,
    },
    /// Private notes about members.
    Notes {
        #[command(subcommand)]
        action: members::NotesCmd,
    },
    /// The community's health over a period (default: the last 30 days) beside the period
    /// before: active, new and returning members, questions and how fast they are answered,
    /// sentiment, top channels and contributors.
    Metrics {
        /// The first day, in words or as a date ("30 days ago", 2026-11-01). Days are UTC.
        #[arg(long)]
        from: Option<String>,
        /// The last day, included (default: today).
        #[arg(long)]
        to: Option<String>,
        /// Only this platform (discord, slack, discourse, github, matrix, mastodon, bluesky).
        #[arg(long)]
        platform: Option<Platform>,
        #[command(flatten)]
        json: Json,
    },
    /// Moderation: the guidelines, rules that flag messages against them, and the flags.
    #[command(alias = "mod")]
    Moderation {
        #[command(subcommand)]
        action: moderation::ModCmd,
    },
    /// Feedback themes: the conversations tagged as feedback, bug, feature request or praise,
    /// grouped by the terms they share.
    Feedback {
        #[command(subcommand)]
        action: Option<feedback::FeedbackCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// The content calendar.
    Calendar {
        #[command(subcommand)]
        action: calendar::CalendarCmd,
    },
    /// Connect, test and remove platform accounts (tokens live in the system keyring).
    Accounts {
        #[command(subcommand)]
        action: sync::AccountsCmd,
    },
    /// Pull new members and messages from every account (or one), then send the outbox.
    Sync {
        /// An account's name or number (default: all).
        account: Option<String>,
        /// First offer the records kept aside (that an earlier Hearth could not read) again.
        #[arg(long)]
        retry_quarantined: bool,
    },
    /// Queue a reply in a conversation; it is sent on the next sync or `outbox --flush`.
    Reply {
        conversation: i64,
        /// The reply (default: read from stdin).
        #[arg(long)]
        text: Option<String>,
        /// Send later: not before this time ("tomorrow 9am", "mon 8:30", "in 2h", an ISO date).
        #[arg(long)]
        at: Option<String>,
    },
    /// Queue a new post on an account (a Discourse topic or GitHub issue needs --title); sent on
    /// the next sync or `outbox --flush`.
    Post {
        /// The account's name or number.
        account: String,
        /// The post (default: read from stdin).
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
    /// Publishes the calendar posts whose time has come (run it from cron while the app is
    /// closed; the app does it while it runs, and together they still post once).
    Publish {
        /// Only what is due now (the only mode: the flag says so in a crontab).
        #[arg(long, default_value_t = true)]
        due: bool,
        #[command(flatten)]
        json: Json,
    },
    /// What waits to be sent; `--flush` sends it now.
    Outbox {
        #[arg(long)]
        flush: bool,
        #[arg(long)]
        json: bool,
    },
    /// Copy the database, safely while the app syncs: into FILE, or into the backups folder
    /// beside the database.
    Backup { file: Option<PathBuf> },
    /// The backups in the backups folder, newest first.
    Backups {
        #[command(flatten)]
        json: Json,
    },
    /// Replace the data with a backup (the current data is backed up first).
    Restore { file: PathBuf },
    /// Write the whole workspace to a folder as JSON Lines (docs/export.md) plus members.csv;
    /// `export members` writes the members alone, as CSV or JSON.
    #[command(args_conflicts_with_subcommands = true, subcommand_required = false)]
    Export {
        #[command(subcommand)]
        what: Option<data::ExportCmd>,
        /// The folder to write the whole workspace into.
        dir: Option<PathBuf>,
    },
    /// Read an export into an empty database; `import members FILE.csv` adds people from a
    /// spreadsheet (an event's attendees, a newsletter's subscribers).
    #[command(args_conflicts_with_subcommands = true, subcommand_required = false)]
    Import {
        #[command(subcommand)]
        what: Option<data::ImportCmd>,
        /// The export folder to read into an empty database.
        dir: Option<PathBuf>,
    },
    /// Check the database file with SQLite's own checks; `--recover NEW` copies what is
    /// readable of a damaged one into a new file.
    Doctor {
        #[arg(long, value_name = "NEW")]
        recover: Option<PathBuf>,
    },
}

impl Command {
    /// Whether the command may create the database (the others need one to exist).
    fn creates_data(&self) -> bool {
        matches!(
            self,
            Command::Demo { .. }
                | Command::Import { .. }
                | Command::Accounts {
                    action: sync::AccountsCmd::Add { .. }
                }
        )
    }
}

/// The database file the command works on.
pub fn db_path(db: Option<PathBuf>) -> Result<PathBuf> {
    match db {
        Some(p) => Ok(p),
        None => Ok(hearth::store::default_db_path()?),
    }
}

fn open(path: &std::path::Path, create: bool) -> Result<Store> {
    if !create && !path.exists() {
        let missing = hearth::Error::NoDatabase {
            path: path.to_path_buf(),
        };
        anyhow::bail!(
            "{missing}; create one with `hearth demo`, `hearth accounts add` or `hearth import`, \
             or point --db (or $HEARTH_DB) at an existing one"
        );
    }
    let mut store = Store::open_creating_dir(path)?;
    store.finish_upgrade()?;
    Ok(store)
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).context("cannot write JSON")?;
    writeln!(out)?;
    Ok(())
}

/// Runs one command line.
pub fn run(cli: Cli) -> Result<()> {
    let now = now_millis();
    let path = db_path(cli.db)?;
    // The doctor reads a file the store may refuse to open.
    if let Command::Doctor { recover } = cli.command {
        return data::doctor(&path, recover);
    }
    // A dry run reads the file only: no database is opened or created.
    if let Command::Import {
        what: Some(data::ImportCmd::Members(args)),
        ..
    } = &cli.command
    {
        if args.dry_run {
            return data::preview_members(args);
        }
    }
    let mut store = open(&path, cli.command.creates_data())?;
    let store = &mut store;
    match cli.command {
        Command::Demo {
            members,
            messages,
            seed,
        } => data::demo(
            store,
            DemoOptions {
                members,
                messages,
                seed,
            },
            now,
        ),
        Command::DemoRemove => data::demo_remove(store),
        Command::Status(json) => data::status(store, json),
        Command::Inbox {
            view,
            status,
            platform,
            tag,
            limit,
            json,
        } => inbox::inbox(
            store,
            inbox::InboxArgs {
                view,
                status,
                platform,
                tag,
                limit,
                json: json.json,
            },
            now,
        ),
        Command::Show { conversation, json } => inbox::show(store, conversation, json.json, now),
        Command::Triage {
            conversation,
            action,
            json,
        } => inbox::triage(store, conversation, action, json.json, now),
        Command::Search {
            query,
            platform,
            channel,
            from,
            status,
            after,
            before,
            limit,
            json,
        } => {
            // the flags become the query's own filter words, so both read the same way
            let mut query = query;
            let flags = [
                ("on", platform.map(|p| p.as_str().to_owned())),
                ("in", channel),
                ("from", from),
                ("is", status.map(|s| s.as_str().to_owned())),
                ("after", after),
                ("before", before),
            ];
            for (key, value) in flags {
                if let Some(v) = value {
                    query.push_str(&format!(" {key}:\"{}\"", v.replace('"', "")));
                }
            }
            inbox::search(store, &query, limit, json.json, now)
        }
        Command::Members { action, json } => members::members(store, action, json.json, now),
        Command::Orgs { action, json } => members::orgs(store, action, json.json, now),
        Command::Notes { action } => members::notes(store, action, now),
        Command::Segments { action, json } => engage::segments(store, action, json.json, now),
        Command::Remind {
            member,
            when,
            text,
            json,
        } => engage::remind(store, member, &when, &text, json.json, now),
        Command::Reminders {
            action,
            all,
            member,
            json,
        } => engage::reminders(store, action, all, member, json.json, now),
        Command::Rules { action, json } => rules::rules(store, action, json.json, now),
        Command::Views { action, json } => rules::views(store, action, json.json, now),
        Command::Team { action, json } => rules::team(store, action, json.json, now),
        Command::Canned { action, json } => inbox::canned(store, action, json.json, now),
        Command::Settings { key, value, json } => inbox::settings(store, key, value, json.json),
        Command::Calendar { action } => calendar::calendar(store, action, now),
        Command::Moderation { action } => moderation::moderation(store, action, now),
        Command::Feedback { action, json } => feedback::feedback(store, action, json.json, now),
        Command::Metrics {
            from,
            to,
            platform,
            json,
        } => health::metrics(store, from, to, platform, json.json, now),
        Command::Accounts { action } => sync::accounts(store, action),
        Command::Sync {
            account,
            retry_quarantined,
        } => sync::sync(store, account, retry_quarantined),
        Command::Reply {
            conversation,
            text,
            at,
        } => sync::reply(store, conversation, text, at),
        Command::Post {
            account,
            text,
            title,
        } => sync::post(store, &account, text, title),
        Command::Outbox { flush, json } => sync::outbox(store, flush, json),
        Command::Publish { due: _, json } => {
            let report = sync::publish_due(store)?;
            if json.json {
                return print_json(&report);
            }
            sync::print_publish(&report);
            if report.failed > 0 || !report.missed.is_empty() {
                // cron mails what a command prints when it fails
                std::process::exit(2);
            }
            Ok(())
        }
        Command::Backup { file } => data::backup(store, file, now),
        Command::Backups { json } => data::backups(store, json.json),
        Command::Restore { file } => data::restore(store, &file, now),
        Command::Export { what, dir } => match (what, dir) {
            (Some(data::ExportCmd::Members { format, out }), _) => {
                data::export_members(store, format, out.as_deref())
            }
            (None, Some(dir)) => data::export(store, &dir),
            (None, None) => anyhow::bail!(
                "say where: `hearth export DIR` (the whole workspace) or `hearth export members`"
            ),
        },
        Command::Import { what, dir } => match (what, dir) {
            (Some(data::ImportCmd::Members(args)), _) => data::import_members(store, args, now),
            (None, Some(dir)) => data::import(store, &dir),
            (None, None) => anyhow::bail!(
                "say what: `hearth import DIR` (an export, into an empty database) or `hearth import members FILE.csv`"
            ),
        },
        Command::Doctor { .. } => Ok(()),
    }
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    hearth::text::shorten(s, max)
}

/// `@name`, for handles that do not carry their `@` already (Matrix's `@mallory:localhost`).
pub(crate) fn handle(h: &str) -> String {
    if h.starts_with('@') {
        h.to_string()
    } else {
        format!("@{h}")
    }
}

pub(crate) fn local_time(t: i64) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_millis_opt(t)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
