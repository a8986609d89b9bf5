//! `hearth members` and `hearth notes`: people and what the team wrote about them.

use anyhow::Result;
use clap::Subcommand;
use hearth::model::{MemberPage, MemberQuery, MemberSort, Platform};
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
        /// last-active (default), score, messages, name or first-seen.
        #[arg(long, default_value = "last-active")]
        sort: MemberSort,
        /// Only the members of this saved segment (name or number).
        #[arg(long)]
        segment: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Work out every member's engagement again now (a sync and the demo do it themselves).
    Rescore,
    /// One member's profile.
    Show { member: i64 },
    /// Possible duplicates, most likely first, each with its score and reasons.
    Suggest {
        /// The lowest probability (0–1) to show.
        #[arg(long, default_value_t = 0.8)]
        min_score: f64,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Work every suggestion out again first (and merge what is proven).
        #[arg(long)]
        refresh: bool,
    },
    /// Merge member B into member A (their identities, notes, tags and activity).
    Merge { a: i64, b: i64 },
    /// Undo a merge: the newest one into MEMBER, or the one given.
    Unmerge {
        member: i64,
        #[arg(long)]
        merge: Option<i64>,
    },
    /// Every merge that made MEMBER, with who, when and why.
    History { member: i64 },
    /// Say members A and B are two people: never suggested or merged again.
    Reject { a: i64, b: i64 },
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

/// Who decided, in the merge history: the user's login name.
fn me() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "you".into())
}

pub fn members(store: &mut Store, action: Option<MembersCmd>, json: bool, now: i64) -> Result<()> {
    match action.unwrap_or(MembersCmd::List {
        query: None,
        platform: None,
        sort: MemberSort::LastActive,
        segment: None,
        limit: 50,
    }) {
        MembersCmd::List {
            query,
            platform,
            sort,
            segment,
            limit,
        } => {
            let segment_id = segment
                .map(|s| store.segment(&s, now))
                .transpose()?
                .map(|s| s.id);
            let page = store.members(
                &MemberQuery {
                    q: query,
                    platform,
                    limit: Some(limit),
                    sort: Some(sort),
                    segment_id,
                    ..Default::default()
                }
                .at(now),
            )?;
            if json {
                return print_json(&page);
            }
            print_members(&page, now);
            Ok(())
        }
        MembersCmd::Rescore => {
            let r = store.compute_engagement(now)?;
            println!(
                "Engagement of {} members from {} messages: {} core, {} active, {} going quiet, {} new and active.",
                r.members, r.activity, r.core, r.active, r.going_quiet, r.new_and_active
            );
            Ok(())
        }
        MembersCmd::Show { member } => show(store, member, json, now),
        MembersCmd::Suggest {
            min_score,
            limit,
            refresh,
        } => suggest(store, min_score, limit, refresh, json, now),
        MembersCmd::Merge { a, b } => {
            let id = store.merge_members(a, b, &me(), now)?;
            println!("Merged member {b} into {a} (merge {id}); `hearth members unmerge {a} --merge {id}` undoes it.");
            Ok(())
        }
        MembersCmd::Unmerge { member, merge } => {
            let back = store.unmerge(member, merge, now)?;
            println!("Member {back} is separate again, with what it had; they will not be suggested again.");
            Ok(())
        }
        MembersCmd::History { member } => {
            let history = store.merge_history(member)?;
            if json {
                return print_json(&history);
            }
            if history.is_empty() {
                println!("Member {member} was never merged.");
            }
            for h in &history {
                println!(
                    "merge {:>4}  {}  {} ({}) by {}: {} ← {} [{}]{}",
                    h.id,
                    local_time(h.merged_at),
                    h.how,
                    h.score
                        .map(|s| format!("score {s:.1}"))
                        .unwrap_or_else(|| "no score".into()),
                    h.decided_by,
                    h.kept_member_id,
                    h.absorbed_member_id,
                    h.absorbed_name,
                    h.undone_at
                        .map(|t| format!(" · undone {}", local_time(t)))
                        .unwrap_or_default()
                );
                println!("            {}", h.reason);
            }
            Ok(())
        }
        MembersCmd::Reject { a, b } => {
            store.reject_merge(a, b, now)?;
            println!("Members {a} and {b} are two people: they will not be suggested again.");
            Ok(())
        }
    }
}

fn suggest(
    store: &mut Store,
    min_score: f64,
    limit: u32,
    refresh: bool,
    json: bool,
    now: i64,
) -> Result<()> {
    if refresh {
        let bar = super::data::bar()?;
        let report = store.resolve_members(now, &mut |p| {
            bar.set_length(p.total.max(1));
            bar.set_position(p.done);
            bar.set_message(p.phase.clone());
        })?;
        bar.finish_and_clear();
        if !json {
            println!(
                "{} identities, {} candidate pairs: {} merged on proof, {} possible duplicates.",
                report.identities,
                report.candidate_pairs,
                report.merged_on_proof,
                report.suggestions
            );
        }
    }
    let suggestions = store.merge_suggestions(min_score, limit)?;
    if json {
        return print_json(&suggestions);
    }
    if suggestions.is_empty() {
        println!("No possible duplicates at {min_score:.2} or above.");
    }
    for s in &suggestions {
        println!(
            "{:>5.1}  ({:.0}%)  {} [{}]  ↔  {} [{}]{}",
            s.score,
            s.probability * 100.0,
            s.a.display_name,
            s.a.id,
            s.b.display_name,
            s.b.id,
            if s.skipped { "  · skipped" } else { "" }
        );
        for r in &s.reasons {
            println!("        {:+.1} {}", r.weight, r.text);
        }
    }
    Ok(())
}

/// One line per member, then how many were shown.
pub(crate) fn print_members(page: &MemberPage, now: i64) {
    for m in &page.items {
        let platforms: Vec<&str> = m.platforms.iter().map(|p| p.as_str()).collect();
        println!(
            "{:>6}  {:<26} {:<20} {:>5} msgs {:>6.1} {:<7} {:<10} {}",
            m.id,
            clip(&m.display_name, 26),
            clip(m.organization.as_deref().unwrap_or(""), 20),
            m.message_count,
            m.engagement_score,
            m.engagement_level.as_str(),
            m.last_active_at
                .map(|t| relative(t, now))
                .unwrap_or_default(),
            platforms.join(",")
        );
    }
    println!("{} of {} shown", page.items.len(), page.total);
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
    let e = &p.engagement;
    let mut flags = Vec::new();
    if e.going_quiet {
        flags.push("going quiet");
    }
    if e.new_and_active {
        flags.push("new and active");
    }
    println!(
        "engagement: {:.1}, {} ({:?}: {} messages in the last 30 days, {} in the 30 before){}",
        e.score,
        e.level.as_str(),
        e.trend,
        e.last_30_days,
        e.previous_30_days,
        if flags.is_empty() {
            String::new()
        } else {
            format!(" · {}", flags.join(", "))
        }
    );
    for f in &e.factors {
        println!("  {:+7.1} {}", f.points, f.text);
    }
    if !p.reminders.is_empty() {
        println!("reminders:");
        for r in &p.reminders {
            println!(
                "  [{}] {} · due {}",
                r.id,
                r.body,
                relative(r.snoozed_until.unwrap_or(r.due_at), now)
            );
        }
    }
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
