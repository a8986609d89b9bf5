//! `hearth calendar`: the content calendar.

use anyhow::Result;
use clap::Subcommand;
use hearth::model::CalendarRange;
use hearth::when::parse_when;
use hearth::Store;

use super::{local_time, print_json, Json};

#[derive(Subcommand)]
pub enum CalendarCmd {
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

pub fn calendar(store: &Store, action: CalendarCmd) -> Result<()> {
    match action {
        CalendarCmd::List { from, to, json } => {
            let local = chrono::Local::now();
            let range = CalendarRange {
                from: from.map(|f| parse_when(&f, local)).transpose()?,
                to: to.map(|t| parse_when(&t, local)).transpose()?,
                include_unscheduled: true,
            };
            let items = store.calendar(&range)?;
            if json.json {
                return print_json(&items);
            }
            if items.is_empty() {
                println!("The calendar is empty.");
            }
            for i in &items {
                let platforms: Vec<&str> = i.variants.iter().map(|v| v.platform.as_str()).collect();
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
    Ok(())
}
