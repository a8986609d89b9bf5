//! `hearth`: the command-line face of Hearth's core. Thin by design: it parses arguments,
//! opens the store, calls the core and prints. Every read command takes `--json` (shapes in
//! `docs/cli.md`). Errors are one line on stderr and a non-zero exit.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use hearth::model::{
    CalendarRange, DemoOptions, InboxQuery, MemberQuery, Platform, Status, TriageAction,
};
use hearth::search::{MARK_END, MARK_START};
use hearth::when::{parse_when, relative};
use hearth::{now_millis, Store};
use indicatif::{ProgressBar, ProgressStyle};

mod cli;

#[derive(Parser)]
#[command(
    name = "hearth",
    version,
    about = "Hearth: inbox, members and content calendar for community managers, local-first"
)]
struct Cli {
    /// The database file (default: the platform's data folder; $HEARTH_DB overrides).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Copy)]
struct Json {
    /// Print JSON (stable shapes, see docs/cli.md) instead of text.
    #[arg(long, global = true)]
    json: bool,
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
    /// Where the database is and what it holds.
    Status(#[command(flatten)] Json),
    /// The conversations that need you, newest first.
    Inbox {
        /// open (default), snoozed or done.
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
        action: TriageCmd,
        #[command(flatten)]
        json: Json,
    },
    /// Full-text search over messages and notes.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        json: Json,
    },
    /// List members or show one.
    Members {
        #[command(subcommand)]
        action: Option<MembersCmd>,
        #[command(flatten)]
        json: Json,
    },
    /// Private notes about members.
    Notes {
        #[command(subcommand)]
        action: NotesCmd,
    },
    /// The content calendar.
    Calendar {
        #[command(subcommand)]
        action: CalendarCmd,
    },
    /// Connect, test and remove platform accounts (tokens live in the system keyring).
    Accounts {
        #[command(subcommand)]
        action: cli::sync::AccountsCmd,
    },
    /// Pull new members and messages from every account (or one), then send the outbox.
    Sync {
        /// An account's name or number (default: all).
        account: Option<String>,
    },
    /// Queue a reply in a conversation; it is sent on the next sync or `outbox --flush`.
    Reply {
        conversation: i64,
        /// The reply (default: read from stdin).
        #[arg(long)]
        text: Option<String>,
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
    /// What waits to be sent; `--flush` sends it now.
    Outbox {
        #[arg(long)]
        flush: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TriageCmd {
    /// Handled: leaves the open queue.
    Done,
    /// Back into the open queue.
    Open,
    /// Hide until a time: 2h, 3d, tomorrow, monday, 2026-12-01 09:00.
    Snooze {
        until: String,
    },
    Tag {
        tag: String,
    },
    Untag {
        tag: String,
    },
    /// Assign to someone (no name: unassign).
    Assign {
        assignee: Option<String>,
    },
    /// 0 none, 1 low, 2 normal, 3 high, 4 urgent.
    Priority {
        priority: i64,
    },
}

#[derive(Subcommand)]
enum MembersCmd {
    /// Members, most recently active first.
    List {
        /// Find by name, handle, email or organisation.
        #[arg(long, short)]
        query: Option<String>,
        #[arg(long)]
        platform: Option<Platform>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One member's profile.
    Show { member: i64 },
}

#[derive(Subcommand)]
enum NotesCmd {
    /// Write a note about a member.
    Add { member: i64, text: String },
    /// A member's notes, newest first.
    List {
        member: i64,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Planned posts (all of them, or between --from and --to).
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        json: Json,
    },
}

fn main() -> ExitCode {
    // Like other Unix tools, stop quietly when the reader of our output goes away
    // (`hearth inbox | head`) instead of failing to print.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            let mut line = chain[0].clone();
            for c in &chain[1..] {
                if !line.contains(c.as_str()) {
                    line.push_str(": ");
                    line.push_str(c);
                }
            }
            eprintln!("error: {line}");
            ExitCode::FAILURE
        }
    }
}

fn open(db: Option<PathBuf>) -> Result<Store> {
    match db {
        Some(path) => Ok(Store::open(&path)?),
        None => {
            let path = hearth::store::default_db_path()?;
            Ok(Store::open_creating_dir(&path)?)
        }
    }
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).context("cannot write JSON")?;
    writeln!(out)?;
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let now = now_millis();
    let mut store = open(cli.db)?;
    match cli.command {
        Command::Demo {
            members,
            messages,
            seed,
        } => {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:24} [{bar:32}] {percent:>3}% {elapsed}")
                    .map_err(|e| anyhow::anyhow!(e))?
                    .progress_chars("=> "),
            );
            let opts = DemoOptions {
                members,
                messages,
                seed,
            };
            let summary = hearth::demo::generate(&mut store, &opts, now, &mut |p| {
                bar.set_length(p.total);
                bar.set_position(p.done);
                bar.set_message(p.phase.clone());
            })?;
            bar.finish_and_clear();
            println!(
                "Demo community ready in {}: {} members ({} people), {} conversations, {} messages; {} open in the inbox.",
                store.path().display(),
                summary.members,
                summary.people,
                summary.conversations,
                summary.messages,
                summary.open
            );
        }
        Command::Status(json) => {
            let s = store.status()?;
            if json.json {
                print_json(&s)?;
            } else {
                println!("database: {}", s.db_path);
                println!("schema:   {}", s.schema_version);
                println!(
                    "holds:    {} accounts, {} members, {} conversations, {} messages",
                    s.accounts, s.members, s.conversations, s.messages
                );
            }
        }
        Command::Inbox {
            status,
            platform,
            tag,
            limit,
            json,
        } => {
            let page = store.inbox(
                &InboxQuery {
                    status,
                    platform,
                    tag,
                    limit: Some(limit),
                    offset: None,
                },
                now,
            )?;
            if json.json {
                print_json(&page)?;
            } else if page.items.is_empty() {
                println!("Nothing here. Inbox zero.");
            } else {
                for item in &page.items {
                    let tags = if item.tags.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", item.tags.join(", "))
                    };
                    println!(
                        "{:>6}  {:<9} {:>9}  {:<22} {}{}",
                        item.id,
                        item.platform.as_str(),
                        relative(item.last_message_at, now),
                        clip(&item.author_name, 22),
                        clip(item.title.as_deref().unwrap_or(&item.snippet), 60),
                        tags
                    );
                }
                println!("{} of {} shown", page.items.len(), page.total);
            }
        }
        Command::Show { conversation, json } => {
            let detail = store.conversation(conversation, now)?;
            if json.json {
                print_json(&detail)?;
            } else {
                let c = &detail.conversation;
                println!(
                    "{} · {} · {}{}",
                    c.title.as_deref().unwrap_or("(untitled)"),
                    c.platform.label(),
                    c.container.as_deref().unwrap_or(&c.account_name),
                    c.url
                        .as_deref()
                        .map(|u| format!(" · {u}"))
                        .unwrap_or_default()
                );
                println!(
                    "status: {}{}",
                    c.status.as_str(),
                    if c.tags.is_empty() {
                        String::new()
                    } else {
                        format!(" · tags: {}", c.tags.join(", "))
                    }
                );
                for m in &detail.messages {
                    println!();
                    println!(
                        "{} (@{}) · {}{}",
                        m.author.name,
                        m.author.handle,
                        relative(m.created_at, now),
                        if m.edited_at.is_some() {
                            " · edited"
                        } else {
                            ""
                        }
                    );
                    if m.deleted {
                        println!("  (message deleted)");
                    } else {
                        for line in m.text.lines() {
                            println!("  {line}");
                        }
                    }
                }
            }
        }
        Command::Triage {
            conversation,
            action,
            json,
        } => {
            let action = match action {
                TriageCmd::Done => TriageAction::Done,
                TriageCmd::Open => TriageAction::Open,
                TriageCmd::Snooze { until } => TriageAction::Snooze {
                    until: parse_when(&until, chrono::Local::now())?,
                },
                TriageCmd::Tag { tag } => TriageAction::Tag { tag },
                TriageCmd::Untag { tag } => TriageAction::Untag { tag },
                TriageCmd::Assign { assignee } => TriageAction::Assign { assignee },
                TriageCmd::Priority { priority } => TriageAction::Priority { priority },
            };
            let item = store.triage(conversation, &action, now)?;
            if json.json {
                print_json(&item)?;
            } else {
                let until = item
                    .snoozed_until
                    .filter(|_| item.status == Status::Snoozed)
                    .map(|u| format!(" until {}", local_time(u)))
                    .unwrap_or_default();
                println!(
                    "#{} is {}{}{}",
                    item.id,
                    item.status.as_str(),
                    until,
                    if item.tags.is_empty() {
                        String::new()
                    } else {
                        format!(" · tags: {}", item.tags.join(", "))
                    }
                );
            }
        }
        Command::Search { query, limit, json } => {
            let hits = store.search(&query, limit)?;
            if json.json {
                print_json(&hits)?;
            } else if hits.is_empty() {
                println!("No messages or notes match \"{query}\".");
            } else {
                for h in &hits {
                    let snippet: String = h
                        .snippet
                        .chars()
                        .map(|c| match c {
                            MARK_START => '[',
                            MARK_END => ']',
                            c => c,
                        })
                        .collect();
                    let place = match h.kind {
                        hearth::model::HitKind::Note => format!("note on {}", h.title),
                        hearth::model::HitKind::Message => format!(
                            "#{} {} · {}",
                            h.conversation_id.unwrap_or_default(),
                            h.platform.map(|p| p.as_str()).unwrap_or(""),
                            clip(&h.title, 50)
                        ),
                    };
                    println!("{place} · {}", relative(h.created_at, now));
                    println!(
                        "    {}",
                        snippet.split_whitespace().collect::<Vec<_>>().join(" ")
                    );
                }
            }
        }
        Command::Members { action, json } => match action.unwrap_or(MembersCmd::List {
            query: None,
            platform: None,
            limit: 50,
        }) {
            MembersCmd::List {
                query,
                platform,
                limit,
            } => {
                let page = store.members(&MemberQuery {
                    q: query,
                    platform,
                    limit: Some(limit),
                    offset: None,
                })?;
                if json.json {
                    print_json(&page)?;
                } else {
                    for m in &page.items {
                        let platforms: Vec<&str> = m.platforms.iter().map(|p| p.as_str()).collect();
                        println!(
                            "{:>6}  {:<26} {:<20} {:>5} msgs  {:<10} {}",
                            m.id,
                            clip(&m.display_name, 26),
                            clip(m.organization.as_deref().unwrap_or(""), 20),
                            m.message_count,
                            m.last_active_at
                                .map(|t| relative(t, now))
                                .unwrap_or_default(),
                            platforms.join(",")
                        );
                    }
                    println!("{} of {} shown", page.items.len(), page.total);
                }
            }
            MembersCmd::Show { member } => {
                let p = store.member_profile(member, now)?;
                if json.json {
                    print_json(&p)?;
                } else {
                    println!(
                        "{}{}",
                        p.member.display_name,
                        p.member
                            .organization
                            .as_deref()
                            .map(|o| format!(" · {o}"))
                            .unwrap_or_default()
                    );
                    if !p.member.tags.is_empty() {
                        println!("tags: {}", p.member.tags.join(", "));
                    }
                    println!(
                        "messages: {} total, {} in 30 days, {} in 90 days; started {} conversations",
                        p.stats.messages_total, p.stats.messages_last_30_days, p.stats.messages_last_90_days, p.stats.conversations_started
                    );
                    println!("identities:");
                    for i in &p.identities {
                        println!(
                            "  {:<9} @{}{}{}",
                            i.platform.as_str(),
                            i.handle,
                            i.email
                                .as_deref()
                                .map(|e| format!(" <{e}>"))
                                .unwrap_or_default(),
                            i.profile_url
                                .as_deref()
                                .map(|u| format!(" {u}"))
                                .unwrap_or_default()
                        );
                    }
                    if !p.notes.is_empty() {
                        println!("notes:");
                        for n in &p.notes {
                            println!("  [{}] {}", n.id, n.body);
                        }
                    }
                    println!("recent activity:");
                    for a in p.activity.iter().take(10) {
                        println!(
                            "  {:>9}  {:<9} {}",
                            relative(a.occurred_at, now),
                            a.platform.as_str(),
                            clip(a.conversation_title.as_deref().unwrap_or(&a.kind), 60)
                        );
                    }
                }
            }
        },
        Command::Notes { action } => match action {
            NotesCmd::Add { member, text } => {
                let note = store.add_note(member, &text, now)?;
                println!("Note {} saved on member {}.", note.id, note.member_id);
            }
            NotesCmd::List { member, json } => {
                let notes = store.notes(member)?;
                if json.json {
                    print_json(&notes)?;
                } else if notes.is_empty() {
                    println!("No notes on member {member} yet.");
                } else {
                    for n in &notes {
                        println!("[{}] {} · {}", n.id, local_time(n.updated_at), n.body);
                    }
                }
            }
        },
        Command::Accounts { action } => cli::sync::accounts(&mut store, action)?,
        Command::Sync { account } => cli::sync::sync(&mut store, account)?,
        Command::Reply { conversation, text } => cli::sync::reply(&mut store, conversation, text)?,
        Command::Post {
            account,
            text,
            title,
        } => cli::sync::post(&mut store, &account, text, title)?,
        Command::Outbox { flush, json } => cli::sync::outbox(&mut store, flush, json)?,
        Command::Calendar { action } => match action {
            CalendarCmd::List { from, to, json } => {
                let local = chrono::Local::now();
                let range = CalendarRange {
                    from: from.map(|f| parse_when(&f, local)).transpose()?,
                    to: to.map(|t| parse_when(&t, local)).transpose()?,
                    include_unscheduled: true,
                };
                let items = store.calendar(&range)?;
                if json.json {
                    print_json(&items)?;
                } else if items.is_empty() {
                    println!("The calendar is empty.");
                } else {
                    for i in &items {
                        let platforms: Vec<&str> =
                            i.variants.iter().map(|v| v.platform.as_str()).collect();
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
        },
    }
    Ok(())
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    hearth::inbox::shorten(s, max)
}

fn local_time(t: i64) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_millis_opt(t)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
