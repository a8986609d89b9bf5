//! `hearth moderation` (or `hearth mod`): the guidelines, the rules that flag messages against
//! them, and the flags to work through.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use hearth::model::{Millis, ModRuleInput, ModRuleKind};
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
    /// Messages the rules flagged (open ones; --dismissed for the false flags).
    Flags {
        #[arg(long)]
        dismissed: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: Json,
    },
    /// Dismisses a flag as false: it leaves the list and is never raised again.
    Dismiss { id: i64 },
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
            limit,
            json,
        } => {
            let flags =
                store.mod_flags(Some(if dismissed { "dismissed" } else { "open" }), limit)?;
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
    }
    Ok(())
}
