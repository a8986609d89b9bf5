//! `hearth members` and `hearth notes`: people and what the team wrote about them.

use anyhow::Result;
use clap::Subcommand;
use hearth::model::{MemberQuery, Platform};
use hearth::when::relative;
use hearth::Store;

use super::{clip, handle, local_time, print_json, Json};

#[derive(Subcommand)]
pub enum MembersCmd {
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
pub enum NotesCmd {
    /// Write a note about a member.
    Add { member: i64, text: String },
    /// A member's notes, newest first.
    List {
        member: i64,
        #[command(flatten)]
        json: Json,
    },
}

pub fn members(store: &Store, action: Option<MembersCmd>, json: bool, now: i64) -> Result<()> {
    match action.unwrap_or(MembersCmd::List {
        query: None,
        platform: None,
        limit: 50,
    }) {
        MembersCmd::List {
            query,
            platform,
            limit,
        } => list(store, query, platform, limit, json, now),
        MembersCmd::Show { member } => show(store, member, json, now),
    }
}

fn list(
    store: &Store,
    query: Option<String>,
    platform: Option<Platform>,
    limit: u32,
    json: bool,
    now: i64,
) -> Result<()> {
    let page = store.members(&MemberQuery {
        q: query,
        platform,
        limit: Some(limit),
        offset: None,
    })?;
    if json {
        return print_json(&page);
    }
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
    Ok(())
}

fn show(store: &Store, member: i64, json: bool, now: i64) -> Result<()> {
    let p = store.member_profile(member, now)?;
    if json {
        return print_json(&p);
    }
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
        p.stats.messages_total,
        p.stats.messages_last_30_days,
        p.stats.messages_last_90_days,
        p.stats.conversations_started
    );
    println!("identities:");
    for i in &p.identities {
        println!(
            "  {:<9} {}{}{}",
            i.platform.as_str(),
            handle(&i.handle),
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
    Ok(())
}

pub fn notes(store: &mut Store, action: NotesCmd, now: i64) -> Result<()> {
    match action {
        NotesCmd::Add { member, text } => {
            let note = store.add_note(member, &text, now)?;
            println!("Note {} saved on member {}.", note.id, note.member_id);
        }
        NotesCmd::List { member, json } => {
            let notes = store.notes(member)?;
            if json.json {
                return print_json(&notes);
            }
            if notes.is_empty() {
                println!("No notes on member {member} yet.");
            }
            for n in &notes {
                println!("[{}] {} · {}", n.id, local_time(n.updated_at), n.body);
            }
        }
    }
    Ok(())
}
