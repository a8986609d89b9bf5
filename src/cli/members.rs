//! `hearth members` and `hearth notes`: people and what the team wrote about them.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

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
        /// Only the people of one organisation (its number, name or a domain).
        #[arg(long)]
        org: Option<String>,
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
        /// The lowest probability to show: 0.8 by default (what the app's review queue shows),
        /// down to 0.5 (the lowest Hearth keeps) for the less likely pairs.
        #[arg(long, default_value_t = hearth::members::resolve::DEFAULT_MIN_PROBABILITY)]
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
    /// Add a tag to a member.
    Tag { member: i64, tag: String },
    /// Take a tag off a member.
    Untag { member: i64, tag: String },
    /// Set a custom field on a member; `organization` sets their organisation (by name).
    Set {
        member: i64,
        field: String,
        value: String,
    },
    /// Remove a custom field from a member; `organization` clears their organisation.
    Unset { member: i64, field: String },
    /// Write everything Hearth holds about one person to a JSON file (a privacy request).
    PrivacyExport {
        member: i64,
        /// The file to write (default: hearth-member-MEMBER.json in the current folder).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Delete a person from Hearth, leaving no trace in the database file; their messages stay
    /// as blank messages from "Deleted member" so threads still read.
    Forget {
        member: i64,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum OrgsCmd {
    /// Organisations, the ones with the most people first.
    List {
        /// Find by name or domain.
        #[arg(long, short)]
        query: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One organisation: its people and their recent activity.
    Show { org: String },
    /// Give an organisation a new name (its old name keeps pointing at it).
    Rename { org: String, name: String },
    /// Merge organisation B into A: its people, domains and names.
    Merge { a: String, b: String },
    /// Members of one organisation.
    Members {
        org: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Subcommand)]
pub enum NotesCmd {
    /// Write a note about a member (private unless --shared).
    Add {
        member: i64,
        text: String,
        /// Share it with the team (`hearth team`); teammates can read and edit it.
        #[arg(long)]
        shared: bool,
    },
    /// Replace a note's text.
    Edit { note: i64, text: String },
    /// Share a note with the team, or take it back with --private.
    Share {
        note: i64,
        /// Take it back: teammates' copies go at their next sync.
        #[arg(long)]
        private: bool,
    },
    /// Delete a note (a shared one for the whole team).
    Delete { note: i64 },
    /// A member's notes, newest first.
    List {
        member: i64,
        #[command(flatten)]
        json: Json,
    },
}

/// Who decided, in the merge history: the user's login name.
fn me() -> String {
    hearth::members::merge::local_user()
}

pub fn members(store: &mut Store, action: Option<MembersCmd>, json: bool, now: i64) -> Result<()> {
    match action.unwrap_or(MembersCmd::List {
        query: None,
        platform: None,
        org: None,
        sort: MemberSort::LastActive,
        segment: None,
        limit: 50,
    }) {
        MembersCmd::List {
            query,
            platform,
            org,
            sort,
            segment,
            limit,
        } => {
            let organization_id = org.map(|o| store.find_organization(&o)).transpose()?;
            let segment_id = segment
                .map(|s| store.segment(&s, now))
                .transpose()?
                .map(|s| s.id);
            let page = store.members(
                &MemberQuery {
                    q: query,
                    platform,
                    organization_id,
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
        MembersCmd::Tag { member, tag } => {
            store.tag_member(member, &tag)?;
            println!("Tagged member {member} with '{}'.", tag.trim());
            Ok(())
        }
        MembersCmd::Untag { member, tag } => {
            if store.untag_member(member, &tag)? {
                println!("Took '{}' off member {member}.", tag.trim());
            } else {
                println!("Member {member} had no tag '{}'.", tag.trim());
            }
            Ok(())
        }
        MembersCmd::Set {
            member,
            field,
            value,
        } => {
            if is_organization(&field) {
                store.set_member_organization(member, Some(&value), now)?;
                println!("Member {member} is now with {}.", value.trim());
            } else {
                store.set_member_field(member, &field, &value, now)?;
                println!("Set {} on member {member}.", field.trim());
            }
            Ok(())
        }
        MembersCmd::Unset { member, field } => {
            if is_organization(&field) {
                store.set_member_organization(member, None, now)?;
                println!("Member {member} has no organisation now; Hearth will not add one.");
            } else if store.unset_member_field(member, &field, now)? {
                println!("Removed {} from member {member}.", field.trim());
            } else {
                println!("Member {member} had no field '{}'.", field.trim());
            }
            Ok(())
        }
        MembersCmd::PrivacyExport { member, out } => {
            let out = out.unwrap_or_else(|| PathBuf::from(format!("hearth-member-{member}.json")));
            store.privacy_export_to(member, &out, false, now)?;
            println!(
                "Wrote everything Hearth holds about member {member} to {}.",
                out.display()
            );
            Ok(())
        }
        MembersCmd::Forget { member, yes } => forget(store, member, yes, json, now),
    }
}

/// `organization` (or `organisation`, `org`) names the member's organisation, not a field.
fn is_organization(field: &str) -> bool {
    matches!(
        field.trim().to_lowercase().as_str(),
        "organization" | "organisation" | "org" | "company"
    )
}

fn forget(store: &mut Store, member: i64, yes: bool, json: bool, now: i64) -> Result<()> {
    let p = store.forget_preview(member)?;
    if !yes {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            anyhow::bail!(
                "forgetting a person cannot be undone; run it again with --yes to confirm"
            );
        }
        println!(
            "This deletes {} (member {}) from Hearth for good: {} ({}), {} notes, {} tags, {} \
             fields, {} activity records; their {} messages stay as blank messages from \
             \"Deleted member\".",
            p.display_name,
            p.member_id,
            if p.identities.is_empty() {
                "no accounts".to_string()
            } else {
                format!("{} accounts", p.identities.len())
            },
            p.identities.join(", "),
            p.notes,
            p.tags,
            p.fields,
            p.activity,
            p.messages
        );
        print!("Type the member's number ({}) to confirm: ", p.member_id);
        std::io::stdout().flush()?;
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        if line.trim() != p.member_id.to_string() {
            println!("Nothing was deleted.");
            return Ok(());
        }
    }
    let report = store.forget_member(p.member_id, now)?;
    if json {
        return print_json(&report);
    }
    println!(
        "Forgot {} (member {}): {} identities, {} notes, {} activity records; {} messages blanked.",
        report.display_name,
        report.member_id,
        report.identities,
        report.notes,
        report.activity,
        report.messages_blanked
    );
    if !report.file_rewritten {
        println!(
            "Another Hearth was writing: the file will be rewritten without their data the next \
             time Hearth opens it."
        );
    } else if !report.wal_cleared {
        println!(
            "Another Hearth has the database open: the deleted data leaves the write-ahead log \
             when it closes."
        );
    }
    Ok(())
}

pub fn orgs(store: &mut Store, action: Option<OrgsCmd>, json: bool, now: i64) -> Result<()> {
    match action.unwrap_or(OrgsCmd::List {
        query: None,
        limit: 50,
    }) {
        OrgsCmd::List { query, limit } => {
            let orgs = store.organizations(query.as_deref(), limit)?;
            if json {
                return print_json(&orgs);
            }
            if orgs.is_empty() {
                println!("No organisations yet.");
            }
            for o in &orgs {
                println!(
                    "{:>6}  {:<30} {:>5} people  {}",
                    o.id,
                    clip(&o.name, 30),
                    o.member_count,
                    o.domains.join(", ")
                );
            }
            Ok(())
        }
        OrgsCmd::Show { org } => {
            let id = store.find_organization(&org)?;
            let d = store.organization(id)?;
            if json {
                return print_json(&d);
            }
            println!(
                "{} · {} people{}",
                d.org.name,
                d.org.member_count,
                if d.org.domains.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", d.org.domains.join(", "))
                }
            );
            println!("people:");
            for m in &d.members {
                println!(
                    "  {:>6}  {:<26} {:>5} msgs  {}",
                    m.id,
                    clip(&m.display_name, 26),
                    m.message_count,
                    m.last_active_at
                        .map(|t| relative(t, now))
                        .unwrap_or_default()
                );
            }
            println!("recent activity:");
            for a in d.activity.iter().take(15) {
                println!(
                    "  {:>9}  {:<20} {}",
                    relative(a.activity.occurred_at, now),
                    clip(&a.member_name, 20),
                    clip(
                        a.activity
                            .conversation_title
                            .as_deref()
                            .unwrap_or(&a.activity.kind),
                        50
                    )
                );
            }
            Ok(())
        }
        OrgsCmd::Rename { org, name } => {
            let id = store.find_organization(&org)?;
            store.rename_organization(id, &name, now)?;
            println!("Organisation {id} is now called {}.", name.trim());
            Ok(())
        }
        OrgsCmd::Merge { a, b } => {
            let keep = store.find_organization(&a)?;
            let absorb = store.find_organization(&b)?;
            store.merge_organizations(keep, absorb, now)?;
            println!("Merged organisation {absorb} into {keep}.");
            Ok(())
        }
        OrgsCmd::Members { org, limit } => {
            let id = store.find_organization(&org)?;
            list_query(
                store,
                MemberQuery {
                    organization_id: Some(id),
                    limit: Some(limit),
                    ..Default::default()
                },
                json,
                now,
            )
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
    // Pairs less likely than this are never kept: a lower bar would find no more of them, and
    // "none at 0.30 or above" would say something untrue.
    let kept = hearth::members::resolve::KEPT_MIN_PROBABILITY;
    if !(kept..=1.0).contains(&min_score) {
        anyhow::bail!(
            "--min-score {min_score} is outside {kept:.2}–1: Hearth keeps possible duplicates \
             from a probability of {kept:.2} up (a lower bar would show no more of them)"
        );
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

fn list_query(store: &Store, query: MemberQuery, json: bool, now: i64) -> Result<()> {
    let page = store.members(&query)?;
    if json {
        return print_json(&page);
    }
    print_members(&page, now);
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
    if let Some(org) = &p.org {
        println!("organisation: {} [{}]", org.name, org.id);
    }
    if !p.member.tags.is_empty() {
        println!("tags: {}", p.member.tags.join(", "));
    }
    if !p.fields.is_empty() {
        println!("fields:");
        for f in &p.fields {
            println!("  {}: {}", f.name, f.value);
        }
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
    if !p.moderation.is_empty() {
        println!("moderation:");
        for a in &p.moderation {
            println!(
                "  {}  {} on {} — {}{}{}",
                hearth::when::utc_date(a.created_at),
                a.action.done_words(),
                a.platform.label(),
                a.reason,
                a.guideline
                    .as_deref()
                    .map(|g| format!(" ({g})"))
                    .unwrap_or_default(),
                match a.state.as_str() {
                    "failed" => " [failed]",
                    "queued" => " [queued]",
                    _ => "",
                }
            );
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
        NotesCmd::Add {
            member,
            text,
            shared,
        } => {
            let note = store.write_note(member, &text, shared, now)?;
            println!(
                "Note {} saved on member {}{}.",
                note.id,
                note.member_id,
                if shared {
                    ", shared with the team at the next sync"
                } else {
                    " (private)"
                }
            );
        }
        NotesCmd::Edit { note, text } => {
            let note = store.update_note(note, &text, now)?;
            println!("Note {} saved.", note.id);
        }
        NotesCmd::Share { note, private } => {
            let note = store.share_note(note, !private)?;
            if note.shared {
                println!(
                    "Note {} is shared with the team from the next sync.",
                    note.id
                );
            } else {
                println!(
                    "Note {} is private again: teammates' copies go at their next sync.",
                    note.id
                );
            }
        }
        NotesCmd::Delete { note } => {
            store.delete_note(note)?;
            println!("Note {note} deleted.");
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
                let whose = match (&n.author, n.shared) {
                    (Some(a), _) => format!(" · shared by {a}"),
                    (None, true) => " · shared".to_string(),
                    (None, false) => String::new(),
                };
                println!(
                    "[{}] {}{whose} · {}",
                    n.id,
                    local_time(n.updated_at),
                    n.body
                );
            }
        }
    }
    Ok(())
}
