//! `hearth inbox`, `show`, `triage` and `search`: the triage queue from the command line.

use anyhow::Result;
use clap::Subcommand;
use hearth::model::{InboxQuery, Platform, Status, TriageAction};
use hearth::search::{MARK_END, MARK_START};
use hearth::when::{parse_when, relative};
use hearth::Store;

use super::{clip, handle, local_time, print_json};

#[derive(Subcommand)]
pub enum TriageCmd {
    /// Handled: leaves the open queue.
    Done,
    /// Back into the open queue.
    Open,
    /// Answered: waits on the member, and is back in the open queue when they write.
    Waiting,
    /// Hide until a time: "tomorrow 9am", "mon", "in 2h", "next friday 8pm", "+7 days", "dec 24".
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

pub struct InboxArgs {
    pub view: Option<String>,
    pub status: Option<Status>,
    pub platform: Option<Platform>,
    pub tag: Option<String>,
    pub limit: u32,
    pub json: bool,
}

pub fn inbox(store: &mut Store, a: InboxArgs, now: i64) -> Result<()> {
    store.refresh_rules(now)?;
    let page = store.inbox(
        &InboxQuery {
            view: a.view,
            status: a.status,
            platform: a.platform,
            tag: a.tag,
            limit: Some(a.limit),
            offset: None,
        },
        now,
    )?;
    if a.json {
        return print_json(&page);
    }
    for r in &page.reminders {
        println!(
            "{:>6}  {:<9} {:>9}  {:<22} {}",
            format!("r{}", r.id),
            "reminder",
            relative(r.snoozed_until.unwrap_or(r.due_at), now),
            clip(&r.member_name, 22),
            clip(&r.body, 60)
        );
    }
    if !page.reminders.is_empty() {
        println!(
            "(`hearth reminders done ID` or `hearth reminders snooze ID WHEN` for a reminder)"
        );
    }
    if page.items.is_empty() {
        println!("Nothing here. Inbox zero.");
        return Ok(());
    }
    for item in &page.items {
        let tags = if item.tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", item.tags.join(", "))
        };
        // a reply overdue, or due within the last quarter of its target
        let due = match (item.reply_due_at, item.unanswered_since) {
            (Some(due), _) if due <= now => format!("  (reply overdue {})", ago(due, now)),
            (Some(due), Some(since)) if due - now <= (due - since) / 4 => {
                format!("  (reply due {})", relative(due, now))
            }
            _ => String::new(),
        };
        println!(
            "{:>6}  {:<9} {:>9}  {:<22} {}{}{}",
            item.id,
            item.platform.as_str(),
            relative(item.last_message_at, now),
            clip(&item.author_name, 22),
            clip(item.title.as_deref().unwrap_or(&item.snippet), 60),
            tags,
            due
        );
        if !item.reasons.is_empty() {
            let why: Vec<String> = item
                .reasons
                .iter()
                .map(|r| match r.points {
                    0 => r.why.clone(),
                    p => format!("{} {p:+}", r.why),
                })
                .collect();
            println!("{:>8}why: {}", "", why.join(" · "));
        }
    }
    println!("{} of {} shown", page.items.len(), page.total);
    Ok(())
}

pub fn show(store: &Store, conversation: i64, json: bool, now: i64) -> Result<()> {
    let detail = store.conversation(conversation, now)?;
    if json {
        return print_json(&detail);
    }
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
            "{} ({}) · {}{}",
            m.author.name,
            handle(&m.author.handle),
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
    Ok(())
}

pub fn triage(
    store: &mut Store,
    conversation: i64,
    action: TriageCmd,
    json: bool,
    now: i64,
) -> Result<()> {
    let action = match action {
        TriageCmd::Done => TriageAction::Done,
        TriageCmd::Open => TriageAction::Open,
        TriageCmd::Waiting => TriageAction::Waiting,
        TriageCmd::Snooze { until } => TriageAction::Snooze {
            until: parse_when(&until, chrono::Local::now())?,
        },
        TriageCmd::Tag { tag } => TriageAction::Tag { tag },
        TriageCmd::Untag { tag } => TriageAction::Untag { tag },
        TriageCmd::Assign { assignee } => TriageAction::Assign { assignee },
        TriageCmd::Priority { priority } => TriageAction::Priority { priority },
    };
    let item = store.triage(conversation, &action, now)?;
    if json {
        return print_json(&item);
    }
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
    Ok(())
}

/// "3 h" for how long ago `t` was.
fn ago(t: i64, now: i64) -> String {
    relative(t, now).trim_end_matches(" ago").to_string()
}

pub fn search(store: &Store, query: &str, limit: u32, json: bool, now: i64) -> Result<()> {
    let found = store.search(query, limit, now)?;
    if json {
        return print_json(&found);
    }
    if let Some(problem) = &found.problem {
        anyhow::bail!("{problem}\nFilters: {}", hearth::search::FILTER_WORDS);
    }
    if !found.filters.is_empty() {
        println!("Filters: {}", found.filters.join(" · "));
    }
    if found.hits.is_empty() {
        println!("No messages or notes match \"{query}\".");
        return Ok(());
    }
    for h in &found.hits {
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
    if let Some(n) = found.ranked_among {
        println!(
            "(The best of the newest {n} matches: add a word or a filter to reach older ones.)"
        );
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum CannedCmd {
    /// Every canned reply (the default).
    List,
    /// Save a canned reply (a new one, or the one of that name rewritten). TEXT may use
    /// {first_name}, {name}, {platform}, {channel} and {my_name}; "-" reads it from standard
    /// input, for replies of several lines.
    Add {
        name: String,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Delete a canned reply, by number or name.
    Remove { which: String },
    /// The reply filled in for a conversation, as the reply box would insert it.
    Show {
        which: String,
        #[arg(long = "for")]
        conversation: i64,
    },
    /// Your name, for {my_name} (no name: show it).
    Me { name: Option<String> },
}

pub fn canned(store: &mut Store, action: Option<CannedCmd>, json: bool, now: i64) -> Result<()> {
    match action.unwrap_or(CannedCmd::List) {
        CannedCmd::List => {
            let list = store.canned_replies()?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No canned replies yet: hearth canned add NAME TEXT");
            }
            for c in &list {
                println!(
                    "{:>4}  {}  {}",
                    c.id,
                    c.name,
                    clip(&c.body.replace('\n', " ⏎ "), 70)
                );
            }
        }
        CannedCmd::Add { name, text } => {
            let body = if text.len() == 1 && text[0] == "-" {
                let mut body = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut body)?;
                body.trim_end().to_string()
            } else {
                text.join(" ")
            };
            let saved = store.save_canned_reply(&name, &body, now)?;
            if json {
                return print_json(&saved);
            }
            println!("Canned reply {} \"{}\" saved.", saved.id, saved.name);
        }
        CannedCmd::Remove { which } => {
            let gone = store.remove_canned_reply(&which)?;
            if json {
                return print_json(&gone);
            }
            println!("Canned reply {} \"{}\" deleted.", gone.id, gone.name);
        }
        CannedCmd::Show {
            which,
            conversation,
        } => {
            let text = store.canned_reply_for(&which, conversation)?;
            if json {
                return print_json(&text);
            }
            println!("{text}");
        }
        CannedCmd::Me { name } => {
            if let Some(name) = name {
                store.set_my_name(&name, now)?;
            }
            match store.setting(hearth::inbox::canned::MY_NAME)? {
                Some(name) => println!("You are {name}."),
                None => println!("No name set: hearth canned me NAME"),
            }
        }
    }
    Ok(())
}

/// The settings `hearth settings` knows, with what each is.
const SETTINGS: [(&str, &str); 2] = [
    (
        hearth::inbox::canned::MY_NAME,
        "your name, for {my_name} in canned replies",
    ),
    (
        hearth::inbox::REPLY_TARGET_SETTING,
        "hours within which a member's message should be answered",
    ),
];

pub fn settings(
    store: &mut Store,
    key: Option<String>,
    value: Option<String>,
    json: bool,
) -> Result<()> {
    let current = |store: &Store, key: &str| -> Result<Option<String>> {
        Ok(if key == hearth::inbox::REPLY_TARGET_SETTING {
            Some(store.reply_target_hours()?.to_string())
        } else {
            store.setting(key)?
        })
    };
    let Some(key) = key else {
        let mut all = serde_json::Map::new();
        for (k, what) in SETTINGS {
            let v = current(store, k)?;
            if !json {
                println!("{k} = {}    # {what}", v.as_deref().unwrap_or("(not set)"));
            }
            all.insert(k.to_string(), v.map_or(serde_json::Value::Null, Into::into));
        }
        return if json { print_json(&all) } else { Ok(()) };
    };
    if !SETTINGS.iter().any(|(k, _)| *k == key) {
        let known: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
        anyhow::bail!(
            "there is no setting '{key}': the settings are {}",
            known.join(", ")
        );
    }
    if let Some(value) = value {
        if key == hearth::inbox::REPLY_TARGET_SETTING {
            let hours: i64 = value
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{key} is a whole number of hours, not '{value}'"))?;
            store.set_reply_target_hours(hours)?;
        } else {
            let value = value.trim();
            if value.is_empty() {
                anyhow::bail!("{key} cannot be empty");
            }
            store.set_setting(&key, value)?;
        }
    }
    let v = current(store, &key)?;
    if json {
        return print_json(&v);
    }
    println!("{key} = {}", v.as_deref().unwrap_or("(not set)"));
    Ok(())
}
