//! `hearth feedback`: the feedback themes, each theme's conversations, and a person's edits
//! (rename, merge, split, move), exported as Markdown or CSV or opened as a GitHub issue.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use hearth::model::{FeedbackTheme, Millis};
use hearth::Store;

use super::print_json;

#[derive(Subcommand)]
pub enum FeedbackCmd {
    /// The themes, biggest first (what `hearth feedback` alone prints).
    Themes,
    /// One theme: its conversations, newest first, and the terms it could be split by.
    Show { theme: i64 },
    /// Renames a theme; the grouping never renames it again.
    Rename { theme: i64, name: String },
    /// Merges theme ABSORB into KEEP: its conversations and its terms.
    Merge { keep: i64, absorb: i64 },
    /// Makes the conversations of THEME that have TERM a theme of their own.
    Split { theme: i64, term: String },
    /// Puts a feedback conversation in a theme by hand (--none: in no theme).
    Move {
        conversation: i64,
        #[arg(long, required_unless_present = "none")]
        theme: Option<i64>,
        #[arg(long)]
        none: bool,
    },
    /// Writes a theme for a product team: Markdown (FILE.md) or CSV (FILE.csv).
    Export {
        theme: i64,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Opens a GitHub issue about the theme through the outbox (sent on the next sync or
    /// `hearth outbox --flush`).
    Issue {
        theme: i64,
        /// The GitHub account, when there are several.
        #[arg(long)]
        account: Option<i64>,
    },
}

fn trend(t: &FeedbackTheme) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = t.weeks.iter().copied().max().unwrap_or(0).max(1);
    t.weeks
        .iter()
        .map(|&n| {
            if n == 0 {
                ' '
            } else {
                BARS[((n * 7) / max) as usize]
            }
        })
        .collect()
}

pub fn feedback(
    store: &mut Store,
    action: Option<FeedbackCmd>,
    json: bool,
    now: Millis,
) -> Result<()> {
    store.refresh_themes(now)?;
    match action.unwrap_or(FeedbackCmd::Themes) {
        FeedbackCmd::Themes => {
            let all = store.feedback_themes(now)?;
            if json {
                return print_json(&all);
            }
            if all.total == 0 {
                println!(
                    "No feedback yet: tag conversations feedback, bug, feature request or praise."
                );
                return Ok(());
            }
            println!(
                "{} feedback conversations, {} in themes ({} not yet).",
                all.total,
                all.total - all.unthemed,
                all.unthemed
            );
            for t in &all.themes {
                println!(
                    "{:>4}  {:<32} {:>4}  30d {:>3} (before {:>3})  |{}|  {} members  [{}]",
                    t.id,
                    hearth::text::shorten(&t.name, 32),
                    t.count,
                    t.last_30_days,
                    t.previous_30_days,
                    trend(t),
                    t.member_count,
                    t.terms.join(", ")
                );
            }
        }
        FeedbackCmd::Show { theme } => {
            let d = store.feedback_theme(theme, now)?;
            if json {
                return print_json(&d);
            }
            let t = &d.theme;
            println!(
                "{} — {} conversations, {} members; {} bugs, {} feature requests, {} praise, {} questions",
                t.name, t.count, t.member_count, t.bugs, t.requests, t.praise, t.questions
            );
            println!("terms: {}", t.terms.join(", "));
            println!("last 12 weeks: |{}|", trend(t));
            for i in &d.items {
                println!(
                    "{:>6}  {}  {:<15} {:<9} {} — {}",
                    i.conversation_id,
                    hearth::when::utc_date(i.opened_at),
                    i.kind,
                    i.platform.as_str(),
                    hearth::text::shorten(&i.title, 60),
                    i.author
                );
            }
            if !d.split_terms.is_empty() {
                println!(
                    "split by: {}",
                    d.split_terms
                        .iter()
                        .map(|s| format!("{} ({})", s.term, s.count))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        FeedbackCmd::Rename { theme, name } => {
            store.rename_theme(theme, &name, now)?;
            println!("Theme {theme} is now “{}”.", name.trim());
        }
        FeedbackCmd::Merge { keep, absorb } => {
            store.merge_themes(keep, absorb, now)?;
            let t = store.feedback_theme(keep, now)?.theme;
            println!("Merged into “{}”: {} conversations.", t.name, t.count);
        }
        FeedbackCmd::Split { theme, term } => {
            let new = store.split_theme(theme, &term, now)?;
            let t = store.feedback_theme(new, now)?.theme;
            println!("Theme {new} “{}”: {} conversations.", t.name, t.count);
        }
        FeedbackCmd::Move {
            conversation,
            theme,
            none,
        } => {
            store.move_to_theme(conversation, theme.filter(|_| !none))?;
            println!("Moved.");
        }
        FeedbackCmd::Export { theme, out } => {
            store.export_theme(theme, &out, now)?;
            println!("Theme {theme} written to {}.", out.display());
        }
        FeedbackCmd::Issue { theme, account } => {
            let item = store.open_theme_issue(theme, account, now)?;
            println!(
                "Queued as outbox item {}: the issue is opened on the next sync or `hearth outbox --flush`.",
                item.id
            );
        }
    }
    Ok(())
}
