//! `hearth moderation` (or `hearth mod`): the guidelines, the rules that flag messages against
//! them, and the flags to work through.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use hearth::model::{Millis, ModAction, ModActionInput, ModActionKind, ModRuleInput, ModRuleKind};
use hearth::Store;

use super::{print_json, Json};

#[derive(Subcommand)]
pub enum ModCmd {
    /// Prints the community's guidelines, or sets them from a Markdown file with --set.
    Guidelines {
        #[arg(long, value_name = "FILE")]
        set: Option<PathBuf>,
        #[command(flatten)]
        json: Json,
    },
    /// The rules, with how many messages each flagged and how many of those were false.
    Rules {
        #[command(flatten)]
        json: Json,
    },
    /// Adds a rule; it checks the last 30 days' messages at once, then every new one.
    AddRule {
        name: String,
        /// keywords, regex, new-member-link, all-caps, repeated, mass-mentions or negative.
        #[arg(long)]
        kind: ModRuleKind,
        /// The words (separated by commas) or the regular expression.
        #[arg(long)]
        pattern: Option<String>,
        /// How many times (repeated, default 3), how many mentions (default 5), or how low a
        /// sentiment (negative, default -0.6).
        #[arg(long, allow_hyphen_values = true)]
        threshold: Option<f64>,
        /// The guideline it upholds.
        #[arg(long)]
        guideline: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Turns a rule off (its flags stay) or, with --on, on again.
    DisableRule {
        id: i64,
        #[arg(long)]
        on: bool,
    },
    /// Removes a rule and its flags.
    RemoveRule { id: i64 },
    /// Messages the rules flagged (open ones; --dismissed for the false flags, --actioned for
    /// those acted on).
    Flags {
        #[arg(long, conflicts_with = "actioned")]
        dismissed: bool,
        #[arg(long)]
        actioned: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: Json,
    },
    /// Dismisses a flag as false: it leaves the list and is never raised again.
    Dismiss { id: i64 },
    /// Takes an action — warn, hide, delete, timeout, kick or ban — on a flagged message
    /// (--flag), a message (--message) or an account (--identity). Hearth carries it out on the
    /// platform through the outbox where its API allows, else records it as done by hand;
    /// either way it goes in the person's moderation log.
    Act {
        /// warn, hide, delete, timeout, kick or ban.
        action: ModActionKind,
        #[arg(long, required_unless_present_any = ["message", "identity"])]
        flag: Option<i64>,
        #[arg(long)]
        message: Option<i64>,
        /// An account (identity id, as `hearth members show` lists them).
        #[arg(long)]
        identity: Option<i64>,
        /// Why, in a few words (kept in the log and the platform's audit log).
        #[arg(long)]
        reason: String,
        /// The guideline it upholds.
        #[arg(long)]
        guideline: Option<String>,
        /// How long a timeout lasts: 30m, 6h, 1d, 2w (a day if not given; at most 28 days).
        #[arg(long = "for", value_name = "LENGTH", value_parser = minutes)]
        length: Option<i64>,
        /// A warning's words, sent as a reply in the conversation.
        #[arg(long)]
        warning: Option<String>,
        /// Record it as done by hand, sending nothing.
        #[arg(long)]
        by_hand: bool,
        #[command(flatten)]
        json: Json,
    },
    /// The moderation log, newest first (--member for one person's).
    Log {
        #[arg(long)]
        member: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: Json,
    },
    /// Records an action that failed (or still waits) as done by hand on the platform.
    Done { id: i64 },
}

/// "30m", "6h", "1d", "2w" (or a bare number of minutes) in minutes.
fn minutes(s: &str) -> std::result::Result<i64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("'{s}' is not a length: write 30m, 6h, 1d or 2w"))?;
    let per = match unit.trim() {
        "" | "m" | "min" | "minutes" => 1,
        "h" | "hours" => 60,
        "d" | "days" => 1440,
        "w" | "weeks" => 7 * 1440,
        _ => return Err(format!("'{s}' is not a length: write 30m, 6h, 1d or 2w")),
    };
    Ok(n.saturating_mul(per))
}

fn log_line(a: &ModAction) -> String {
    let state = match (a.how.as_str(), a.state.as_str()) {
        (_, "failed") => format!(
            "FAILED: {}",
            a.error.as_deref().unwrap_or("the platform refused")
        ),
        ("hand", _) => "by hand".to_string(),
        (_, "queued") => match &a.error {
            Some(e) => format!("waiting: {e}"),
            None => "queued".to_string(),
        },
        _ => format!("done on {}", a.platform.label()),
    };
    format!(
        "{:>5}  {}  {} {} ({} on {}) — {}{}  [{}; by {}]",
        a.id,
        hearth::when::utc_date(a.created_at),
        a.action.done_words(),
        a.member,
        a.handle,
        a.platform.label(),
        a.reason,
        a.guideline
            .as_deref()
            .map(|g| format!(" · {g}"))
            .unwrap_or_default(),
        state,
        a.by
    )
}

pub fn moderation(store: &mut Store, action: ModCmd, now: Millis) -> Result<()> {
    match action {
        ModCmd::Guidelines { set, json } => {
            if let Some(path) = set {
                let body = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                store.set_guidelines(&body, now)?;
                println!("Guidelines saved ({} lines).", body.lines().count());
                return Ok(());
            }
            let body = store.guidelines()?;
            if json.json {
                return print_json(&serde_json::json!({ "guidelines": body }));
            }
            if body.trim().is_empty() {
                println!("No guidelines yet: write them in Markdown and run `hearth mod guidelines --set FILE`.");
            } else {
                println!("{body}");
            }
        }
        ModCmd::Rules { json } => {
            let rules = store.mod_rules()?;
            if json.json {
                return print_json(&rules);
            }
            if rules.is_empty() {
                println!("No rules yet: `hearth mod add-rule NAME --kind keywords --pattern \"scam, free nitro\"`.");
            }
            for r in rules {
                println!(
                    "{:>4}  {}{}  [{}{}]  flagged {}, {} false",
                    r.id,
                    r.name,
                    if r.enabled { "" } else { " (off)" },
                    r.kind.as_str().replace('_', "-"),
                    r.pattern
                        .as_deref()
                        .map(|p| format!(": {p}"))
                        .or(r.threshold.map(|t| format!(": {t}")))
                        .unwrap_or_default(),
                    r.flagged,
                    r.dismissed
                );
            }
        }
        ModCmd::AddRule {
            name,
            kind,
            pattern,
            threshold,
            guideline,
            json,
        } => {
            let rule = store.add_mod_rule(
                &ModRuleInput {
                    name,
                    kind,
                    pattern,
                    threshold,
                    guideline,
                },
                now,
            )?;
            if json.json {
                return print_json(&rule);
            }
            println!(
                "Rule {} added: it flagged {} of the last 30 days' messages.",
                rule.id, rule.flagged
            );
        }
        ModCmd::DisableRule { id, on } => {
            let rule = store.enable_mod_rule(id, on)?;
            println!(
                "Rule {} is {}.",
                rule.id,
                if rule.enabled { "on" } else { "off" }
            );
        }
        ModCmd::RemoveRule { id } => {
            store.remove_mod_rule(id)?;
            println!("Rule {id} removed.");
        }
        ModCmd::Flags {
            dismissed,
            actioned,
            limit,
            json,
        } => {
            let status = match (dismissed, actioned) {
                (true, _) => "dismissed",
                (_, true) => "actioned",
                _ => "open",
            };
            let flags = store.mod_flags(Some(status), limit)?;
            if json.json {
                return print_json(&flags);
            }
            if flags.is_empty() {
                println!("Nothing flagged.");
            }
            for f in flags {
                println!(
                    "{:>5}  {} on {}{}: {} — {}\n       “{}”",
                    f.id,
                    f.author,
                    f.platform.label(),
                    f.channel.map(|c| format!(" {c}")).unwrap_or_default(),
                    f.rule,
                    f.matched,
                    f.excerpt
                );
            }
        }
        ModCmd::Dismiss { id } => {
            store.dismiss_flag(id, now)?;
            println!("Flag {id} dismissed as false.");
        }
        ModCmd::Act {
            action,
            flag,
            message,
            identity,
            reason,
            guideline,
            length,
            warning,
            by_hand,
            json,
        } => {
            let done = store.moderate(
                &ModActionInput {
                    flag_id: flag,
                    message_id: message,
                    identity_id: identity,
                    action: Some(action),
                    reason,
                    guideline,
                    minutes: length,
                    message: warning,
                    by_hand,
                },
                now,
            )?;
            if json.json {
                return print_json(&done);
            }
            if done.how == "platform" {
                println!(
                    "Queued: Hearth {} with the next sync, or now with `hearth outbox --flush`.",
                    done.platform
                        .moderation(done.action)
                        .unwrap_or("carries it out")
                );
            } else {
                println!(
                    "Recorded in {}'s moderation log as done by hand.",
                    done.member
                );
            }
        }
        ModCmd::Log {
            member,
            limit,
            json,
        } => {
            let log = store.mod_log(member, limit)?;
            if json.json {
                return print_json(&log);
            }
            if log.is_empty() {
                println!("No moderation actions yet.");
            }
            for a in &log {
                println!("{}", log_line(a));
            }
        }
        ModCmd::Done { id } => {
            let a = store.mod_action_done_by_hand(id, now)?;
            println!("{}", log_line(&a));
        }
    }
    Ok(())
}
