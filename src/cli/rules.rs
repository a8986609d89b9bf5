//! `hearth rules`, `hearth views` and `hearth team`: what ranks the queue, the views of it,
//! and who it can be assigned to.

use anyhow::Result;
use clap::{Args, Subcommand};
use hearth::inbox::rules::{CONDITION_WORDS, EFFECT_WORDS};
use hearth::model::{Platform, RuleDraft, Status, ViewDraft, ViewFilter};
use hearth::Store;

use super::{clip, print_json};

#[derive(Subcommand)]
pub enum RulesCmd {
    /// Every rule, in the order they run, with how many open conversations each matches (the
    /// default).
    List,
    /// Add a rule: `hearth rules add "Crashes" --when "keyword crash" --then "+2" --then "tag bug"`.
    /// Every --when must hold; every --then applies. `hearth rules words` lists them.
    Add(RuleSpec),
    /// Change a rule, by number or name: its conditions and effects are replaced by the ones
    /// given (those not given stay).
    Edit {
        which: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "when")]
        when: Vec<String>,
        #[arg(long = "then")]
        then: Vec<String>,
    },
    /// Turn a rule on.
    Enable { which: String },
    /// Turn a rule off (it stays, and can be turned on again).
    Disable { which: String },
    /// Delete a rule, by number or name (what it tagged or assigned stays).
    Remove { which: String },
    /// What a rule would match in the open queue now, changing nothing: a saved rule by number
    /// or name, or one described with --when.
    Test {
        which: Option<String>,
        #[arg(long = "when")]
        when: Vec<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// The conditions and effects a rule can have, in words.
    Words,
}

#[derive(Args)]
pub struct RuleSpec {
    name: String,
    /// A condition, in words (repeat for several: all must hold).
    #[arg(long = "when", required = true)]
    when: Vec<String>,
    /// An effect, in words (repeat for several).
    #[arg(long = "then", required = true)]
    then: Vec<String>,
    /// Save it turned off.
    #[arg(long)]
    disabled: bool,
}

fn draft_of(rule: &hearth::model::Rule) -> RuleDraft {
    RuleDraft {
        name: rule.name.clone(),
        enabled: rule.enabled,
        when: rule.when_words.clone(),
        then: rule.then_words.clone(),
    }
}

fn print_rule(rule: &hearth::model::Rule) {
    let (when, then) = (rule.when_words.join(" and "), rule.then_words.join(", "));
    let state = if rule.enabled {
        format!("{} open", rule.matching)
    } else {
        "off".into()
    };
    println!(
        "{:>4}  {:<24} when {} → {}  ({state})",
        rule.id,
        clip(&rule.name, 24),
        when,
        then
    );
    if let Some(problem) = &rule.problem {
        println!("      ! {problem}");
    }
}

pub fn rules(store: &mut Store, action: Option<RulesCmd>, json: bool, now: i64) -> Result<()> {
    store.refresh_rules(now)?;
    match action.unwrap_or(RulesCmd::List) {
        RulesCmd::List => {
            let list = store.rules()?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No rules: every conversation ranks by its latest message.");
                println!("Add one: hearth rules add NAME --when \"mentions\" --then \"+3\"");
            }
            for r in &list {
                print_rule(r);
            }
        }
        RulesCmd::Add(spec) => {
            let rule = store.add_rule(
                &RuleDraft {
                    name: spec.name,
                    enabled: !spec.disabled,
                    when: spec.when,
                    then: spec.then,
                },
                now,
            )?;
            if json {
                return print_json(&rule);
            }
            print!("Added: ");
            print_rule(&rule);
        }
        RulesCmd::Edit {
            which,
            name,
            when,
            then,
        } => {
            let rule = store.rule(&which)?;
            let mut draft = draft_of(&rule);
            if let Some(n) = name {
                draft.name = n;
            }
            if !when.is_empty() {
                draft.when = when;
            }
            if !then.is_empty() {
                draft.then = then;
            }
            let rule = store.update_rule(rule.id, &draft, now)?;
            if json {
                return print_json(&rule);
            }
            print!("Changed: ");
            print_rule(&rule);
        }
        RulesCmd::Enable { which } => {
            let rule = store.rule(&which)?;
            let rule = store.set_rule_enabled(rule.id, true, now)?;
            if json {
                return print_json(&rule);
            }
            print_rule(&rule);
        }
        RulesCmd::Disable { which } => {
            let rule = store.rule(&which)?;
            let rule = store.set_rule_enabled(rule.id, false, now)?;
            if json {
                return print_json(&rule);
            }
            print_rule(&rule);
        }
        RulesCmd::Remove { which } => {
            let rule = store.rule(&which)?;
            store.remove_rule(rule.id, now)?;
            if json {
                return print_json(&rule);
            }
            println!("Rule {} \"{}\" deleted.", rule.id, rule.name);
        }
        RulesCmd::Test { which, when, limit } => {
            let draft = match (which, when.is_empty()) {
                (Some(w), true) => draft_of(&store.rule(&w)?),
                (None, false) => RuleDraft {
                    name: "test".into(),
                    enabled: true,
                    when,
                    then: vec!["+0".into()],
                },
                _ => anyhow::bail!(
                    "name a saved rule (`hearth rules test 3`) or describe one with --when, not both"
                ),
            };
            let check = store.test_rule(&draft, limit, now)?;
            if json {
                return print_json(&check);
            }
            println!(
                "Would match {} conversation{} in the open queue.",
                check.matching,
                if check.matching == 1 { "" } else { "s" }
            );
            for m in &check.samples {
                println!("{:>6}  {:<50}  {}", m.id, clip(&m.title, 50), m.why);
            }
        }
        RulesCmd::Words => {
            println!("Conditions (--when; all of a rule's must hold):");
            for (w, what) in CONDITION_WORDS {
                println!("  {w:<24} {what}");
            }
            println!("Effects (--then):");
            for (w, what) in EFFECT_WORDS {
                println!("  {w:<24} {what}");
            }
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ViewsCmd {
    /// Every view with its count, its letter (`g` + letter in the app) and reply-time target
    /// (the default).
    List,
    /// Save a view: `hearth views add "Discord bugs" --platform discord --tag bug --letter x`.
    Add {
        name: String,
        #[command(flatten)]
        filter: FilterArgs,
        /// `g` + this letter opens it in the app.
        #[arg(long)]
        letter: Option<String>,
        /// Its own reply-time target, in hours.
        #[arg(long)]
        reply_target: Option<i64>,
    },
    /// Delete a saved view (its conversations stay where they are).
    Remove { which: String },
    /// A view's own reply-time target in hours, built-in views too ("none": the workspace's).
    Target { which: String, hours: String },
}

#[derive(Args, Default)]
pub struct FilterArgs {
    /// open (default), waiting, snoozed or done.
    #[arg(long)]
    status: Option<Status>,
    #[arg(long)]
    platform: Option<Platform>,
    /// An account's number.
    #[arg(long)]
    account: Option<i64>,
    /// A channel, repository or category ("#help").
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    tag: Option<String>,
    /// A team member's name, "me" or "nobody".
    #[arg(long)]
    assignee: Option<String>,
    /// Its latest message is at least this many hours old.
    #[arg(long, value_name = "HOURS")]
    older_than: Option<i64>,
    /// Its latest message is at most this many hours old.
    #[arg(long, value_name = "HOURS")]
    newer_than: Option<i64>,
    /// A member writing in it has this tag.
    #[arg(long)]
    member_tag: Option<String>,
    /// A member writing in it is in this segment.
    #[arg(long)]
    segment: Option<String>,
    /// A member's message in it waits for the team.
    #[arg(long)]
    unanswered: bool,
}

impl FilterArgs {
    fn filter(self) -> ViewFilter {
        ViewFilter {
            status: self.status,
            platform: self.platform,
            account_id: self.account,
            channel: self.channel,
            tag: self.tag,
            assignee: self.assignee,
            older_than_hours: self.older_than,
            newer_than_hours: self.newer_than,
            member_tag: self.member_tag,
            segment: self.segment,
            unanswered: self.unanswered.then_some(true),
            ..ViewFilter::default()
        }
    }
}

/// A filter in words, for the list.
fn describe(f: &ViewFilter) -> String {
    let mut out: Vec<String> = Vec::new();
    if f.any_status == Some(true) {
        out.push("any status".into());
    } else if let Some(s) = f.status {
        out.push(s.as_str().into());
    }
    if let Some(p) = f.platform {
        out.push(p.as_str().into());
    }
    if let Some(a) = f.account_id {
        out.push(format!("account {a}"));
    }
    if let Some(c) = &f.channel {
        out.push(format!("in {c}"));
    }
    if let Some(t) = &f.tag {
        out.push(format!("tagged {t}"));
    }
    if let Some(a) = &f.assignee {
        out.push(format!("assigned to {a}"));
    }
    if let Some(h) = f.older_than_hours {
        out.push(format!("older than {h} h"));
    }
    if let Some(h) = f.newer_than_hours {
        out.push(format!("newer than {h} h"));
    }
    if let Some(t) = &f.member_tag {
        out.push(format!("member tagged {t}"));
    }
    if let Some(s) = &f.segment {
        out.push(format!("segment {s}"));
    }
    if f.unanswered == Some(true) {
        out.push("unanswered".into());
    }
    if f.mentions == Some(true) {
        out.push("mentions".into());
    }
    if f.first_post == Some(true) {
        out.push("first post".into());
    }
    if out.is_empty() {
        "open".into()
    } else {
        out.join(", ")
    }
}

pub fn views(store: &mut Store, action: Option<ViewsCmd>, json: bool, now: i64) -> Result<()> {
    store.refresh_rules(now)?;
    match action.unwrap_or(ViewsCmd::List) {
        ViewsCmd::List => {
            let list = store.views(now)?;
            if json {
                return print_json(&list);
            }
            for v in &list {
                let late = if v.overdue > 0 {
                    format!("  {} overdue", v.overdue)
                } else {
                    String::new()
                };
                println!(
                    "g {}  {:<18} {:>6}{:<14}  {:<40} reply within {} h{}",
                    v.letter.as_deref().unwrap_or(" "),
                    clip(&v.name, 18),
                    v.count,
                    late,
                    clip(&describe(&v.filter), 40),
                    v.reply_target_hours,
                    if v.own_target { " (its own)" } else { "" }
                );
            }
        }
        ViewsCmd::Add {
            name,
            filter,
            letter,
            reply_target,
        } => {
            let view = store.add_view(
                &ViewDraft {
                    name,
                    letter,
                    filter: filter.filter(),
                    reply_target_hours: reply_target,
                },
                now,
            )?;
            if json {
                return print_json(&view);
            }
            println!(
                "Saved the view \"{}\" ({}): {} conversation{} now{}.",
                view.name,
                describe(&view.filter),
                view.count,
                if view.count == 1 { "" } else { "s" },
                view.letter
                    .as_deref()
                    .map(|l| format!("; g {l} opens it"))
                    .unwrap_or_default()
            );
        }
        ViewsCmd::Remove { which } => {
            let view = store.view(&which, now)?;
            store.remove_view(&which)?;
            if json {
                return print_json(&view);
            }
            println!("View \"{}\" deleted.", view.name);
        }
        ViewsCmd::Target { which, hours } => {
            let hours = match hours.trim().to_lowercase().trim_end_matches('h') {
                "none" | "default" | "" => None,
                h => Some(h.parse::<i64>().map_err(|_| {
                    anyhow::anyhow!("'{hours}' is not a number of hours (or 'none')")
                })?),
            };
            let view = store.set_view_target(&which, hours, now)?;
            if json {
                return print_json(&view);
            }
            println!(
                "{}: reply within {} h{}.",
                view.name,
                view.reply_target_hours,
                if view.own_target {
                    ""
                } else {
                    " (the workspace's target)"
                }
            );
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum TeamCmd {
    /// The team (the default); "(me)" marks you.
    List,
    /// Add someone to the team.
    Add { name: String },
    /// Take someone off the team list.
    Remove { name: String },
    /// Say which name is yours (also your {my_name} in canned replies).
    Me { name: String },
    /// Start sharing triage: a team on a relay you run (relay/README.md); prints the link
    /// teammates join with. The relay's secret is read from standard input (or asked for).
    Create {
        /// The relay's address: wss://relay.example.org (ws:// on this computer).
        #[arg(long)]
        relay: String,
        /// Your name, as teammates will see it.
        #[arg(long)]
        name: String,
    },
    /// Join a team with the link a teammate gave you, and bring its shared triage here.
    Join {
        link: String,
        /// Your name, as teammates will see it.
        #[arg(long)]
        name: String,
    },
    /// Share what changed here and apply teammates' changes (cron can run it while the app is
    /// closed).
    Sync,
    /// The team's relay, whether everything here is shared, and who is on the team.
    Status,
    /// Print the link another teammate joins with (it admits to the relay: send it privately).
    Invite,
    /// Tell teammates you are on a conversation (as the app does while it is open), for a
    /// while: they see "viewing" or "replying" beside it.
    Here {
        conversation: i64,
        /// Replying to it, not only reading it.
        #[arg(long)]
        replying: bool,
        /// For how many seconds.
        #[arg(long = "for", default_value_t = 60)]
        seconds: u64,
    },
    /// Who on the team is around right now, and on which conversation (listens for a few
    /// seconds: teammates' apps say where they are every five).
    Who {
        /// How many seconds to listen.
        #[arg(long, default_value_t = 6)]
        wait: u64,
    },
    /// Stop sharing; what was shared stays here as this workspace's own triage.
    Leave,
    /// What two teammates set differently for a conversation while apart: the value set aside
    /// (the conversation shows the one kept).
    Conflicts { conversation: i64 },
}

pub fn team(store: &mut Store, action: Option<TeamCmd>, json: bool, now: i64) -> Result<()> {
    let team = match action.unwrap_or(TeamCmd::List) {
        TeamCmd::Create { relay, name } => return super::team::create(store, &relay, &name, now),
        TeamCmd::Join { link, name } => return super::team::join(store, &link, &name, json, now),
        TeamCmd::Sync => return super::team::sync(store, json, now),
        TeamCmd::Status => return super::team::status(store, json),
        TeamCmd::Leave => return super::team::leave(store),
        TeamCmd::Invite => return super::team::invite(store),
        TeamCmd::Here {
            conversation,
            replying,
            seconds,
        } => return super::team::here(store, conversation, replying, seconds),
        TeamCmd::Who { wait } => return super::team::who(store, wait, json),
        TeamCmd::Conflicts { conversation } => {
            return super::team::conflicts(store, conversation, json)
        }
        TeamCmd::List => store.team()?,
        TeamCmd::Add { name } => store.add_team_member(&name, now)?,
        TeamCmd::Remove { name } => store.remove_team_member(&name)?,
        TeamCmd::Me { name } => {
            store.set_my_name(&name, now)?;
            store.team()?
        }
    };
    if json {
        return print_json(&team);
    }
    if team.is_empty() {
        println!("No team yet: hearth team me YOUR-NAME, then hearth team add NAME");
    }
    for t in &team {
        println!("{}{}", t.name, if t.me { "  (me)" } else { "" });
    }
    Ok(())
}
