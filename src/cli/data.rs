//! The workspace as a whole: `hearth status`, `demo`, `demo-remove`, `backup`, `restore`,
//! `export` (and `export members`), `import` (and `import members FILE.csv`) and `doctor`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use hearth::data::doctor;
use hearth::members::export::MembersFormat;
use hearth::model::{DemoOptions, MemberImportOptions, Progress};
use hearth::Store;
use indicatif::{ProgressBar, ProgressStyle};

use super::{local_time, print_json, Json};

/// A progress bar on a terminal (hidden otherwise), fed with the core's [`Progress`].
pub fn bar() -> Result<ProgressBar> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:28} [{bar:32}] {percent:>3}% {elapsed}")
            .map_err(|e| anyhow::anyhow!(e))?
            .progress_chars("=> "),
    );
    Ok(bar)
}

fn feed(bar: &ProgressBar) -> impl FnMut(&Progress) + '_ {
    move |p: &Progress| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(p.phase.clone());
    }
}

/// `hearth status`: what the database holds, after SQLite's quick check of the file.
pub fn status(store: &Store, json: Json) -> Result<()> {
    let s = store.status()?;
    let t = store.totals()?;
    store.quick_check()?;
    if json.json {
        // one object, as before the totals had their own type
        #[derive(serde::Serialize)]
        struct Status<'a> {
            #[serde(flatten)]
            status: &'a hearth::model::WorkspaceStatus,
            #[serde(flatten)]
            totals: hearth::model::WorkspaceTotals,
        }
        return print_json(&Status {
            status: &s,
            totals: t,
        });
    }
    println!("database: {}", s.db_path);
    println!("schema:   {}", s.schema_version);
    println!(
        "holds:    {} accounts, {} members, {} conversations, {} messages",
        s.accounts, t.members, t.conversations, t.messages
    );
    println!("check:    ok");
    Ok(())
}

pub fn demo(store: &mut Store, opts: DemoOptions, now: i64) -> Result<()> {
    let bar = bar()?;
    let summary = hearth::demo::generate(store, &opts, now, &mut feed(&bar))?;
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
    // an event's attendee list that overlaps the community, to try `hearth import members` on
    let list = hearth::demo::attendee_list(store, opts.seed)?;
    let file = store
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .join(hearth::demo::ATTENDEES_FILE);
    if !file.exists() {
        std::fs::write(&file, &list.csv)
            .with_context(|| format!("cannot write {}", file.display()))?;
        println!(
            "An attendee list of the Lumen Meetup ({} people, some of them in the community) is in {}; try `hearth import members {} --list \"{}\"`.",
            list.rows.len(),
            file.display(),
            file.display(),
            hearth::demo::ATTENDEES_LIST
        );
    }
    Ok(())
}

pub fn demo_remove(store: &mut Store) -> Result<()> {
    if store.demo_accounts()? == 0 {
        println!("There is no demo community in {}.", store.path().display());
        return Ok(());
    }
    let r = store.remove_demo()?;
    println!(
        "Removed the demo community: {} sample accounts, {} conversations, {} messages, {} members with {} notes, {} calendar posts.",
        r.accounts, r.conversations, r.messages, r.members, r.notes, r.calendar_items
    );
    println!("Accounts you connected, and everything synced through them, are kept.");
    Ok(())
}

/// `hearth backup [FILE]`: into FILE, or into the backups folder beside the database.
pub fn backup(store: &Store, file: Option<PathBuf>, now: i64) -> Result<()> {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("Backing up");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let (path, bytes) = match file {
        Some(f) => {
            let bytes = store.backup_to(&f)?;
            (f.display().to_string(), bytes)
        }
        None => {
            let b = store.backup_now(now)?;
            (b.path, b.bytes)
        }
    };
    spinner.finish_and_clear();
    println!(
        "Backed up {} to {path} ({}).",
        store.path().display(),
        size(bytes)
    );
    Ok(())
}

pub fn backups(store: &Store, json: bool) -> Result<()> {
    let list = hearth::data::backup::list_backups(store.path())?;
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!(
            "No backups yet in {}; the app takes one a day, or run `hearth backup`.",
            hearth::data::backup::backups_dir(store.path()).display()
        );
    }
    for b in list {
        println!(
            "{}  {:>9}  {}",
            local_time(b.created_at),
            size(b.bytes),
            b.path
        );
    }
    Ok(())
}

pub fn restore(store: &mut Store, file: &Path, now: i64) -> Result<()> {
    let before = store.restore_from(file, now)?;
    println!(
        "Restored {} from {}. The data it replaced is kept in {}.",
        store.path().display(),
        file.display(),
        before.path
    );
    Ok(())
}

pub fn export(store: &mut Store, dir: &Path) -> Result<()> {
    let bar = bar()?;
    let summary = store.export_to(dir, &mut feed(&bar))?;
    bar.finish_and_clear();
    let rows: u64 = summary
        .files
        .iter()
        .filter(|f| f.name.ends_with(".jsonl"))
        .map(|f| f.rows)
        .sum();
    println!(
        "Exported {} rows in {} files to {} (no tokens: they stay in your keyring).",
        rows,
        summary.files.len(),
        summary.dir
    );
    Ok(())
}

pub fn import(store: &mut Store, dir: &Path) -> Result<()> {
    let bar = bar()?;
    store.import_from(dir, &mut feed(&bar))?;
    bar.finish_and_clear();
    let s = store.status()?;
    let t = store.totals()?;
    println!(
        "Imported {} into {}: {} accounts, {} members, {} conversations, {} messages. Add each account's token again (`hearth accounts token NAME`) to sync.",
        dir.display(),
        s.db_path,
        s.accounts,
        t.members,
        t.conversations,
        t.messages
    );
    Ok(())
}

/// `hearth doctor [--recover NEW]`: works on a file the store may refuse to open.
pub fn doctor(db: &Path, recover: Option<PathBuf>) -> Result<()> {
    let report = doctor::check(db)?;
    if report.is_ok() {
        println!(
            "{}: SQLite's integrity check is ok (schema {}).",
            db.display(),
            report.schema_version
        );
    } else {
        println!("{}: SQLite found problems:", db.display());
        for p in &report.problems {
            println!("  {p}");
        }
    }
    let Some(dest) = recover else {
        if !report.is_ok() {
            println!(
                "Recover what is readable into a new file with `hearth --db {} doctor --recover NEW.db`.",
                db.display()
            );
            bail!("the database is damaged");
        }
        return Ok(());
    };
    let bar = bar()?;
    let recovered = doctor::recover(db, &dest, &mut feed(&bar))
        .with_context(|| format!("cannot recover {}", db.display()))?;
    bar.finish_and_clear();
    println!("Recovered into {}:", dest.display());
    for t in &recovered.tables {
        let mut line = format!("  {:<20} {:>8} rows", t.table, t.rows);
        if t.lost {
            line.push_str("  (unreadable: lost)");
        }
        if t.unreadable_ranges > 0 {
            line.push_str(&format!(
                "  ({} unreadable stretches lost)",
                t.unreadable_ranges
            ));
        }
        if t.orphans_dropped > 0 {
            line.push_str(&format!(
                "  ({} dropped: what they belonged to was lost)",
                t.orphans_dropped
            ));
        }
        println!("{line}");
    }
    println!(
        "Open it with `hearth --db {} status`, or use it as your data: move it to {}.",
        dest.display(),
        db.display()
    );
    Ok(())
}

/// "2.4 MB".
pub fn size(bytes: u64) -> String {
    match bytes {
        0..=1023 => format!("{bytes} B"),
        1024..=1_048_575 => format!("{:.1} KB", bytes as f64 / 1024.0),
        1_048_576..=1_073_741_823 => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
        _ => format!("{:.1} GB", bytes as f64 / 1_073_741_824.0),
    }
}

#[derive(Subcommand)]
pub enum ExportCmd {
    /// The members alone (not the team, not merged ones), with their identities,
    /// organisation, tags, custom fields and notes: CSV (one row each) or JSON (nested).
    Members {
        /// csv (default) or json.
        #[arg(long, default_value = "csv")]
        format: MembersFormat,
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum ImportCmd {
    /// People from a CSV file (an event's attendees, a newsletter's subscribers) as an
    /// imported list; each row is checked against the members like a synced account.
    Members(MembersImportArgs),
}

#[derive(Args)]
pub struct MembersImportArgs {
    /// The file: UTF-8 (with or without BOM), UTF-16 or Windows-1252; comma, semicolon or tab.
    file: PathBuf,
    /// Say what a column is: COLUMN=email|name|first_name|last_name|handle|organization|
    /// location|github|twitter|mastodon|website|bio|field:NAME|skip (repeatable).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
    /// The list the people join (default: the file's name).
    #[arg(long)]
    list: Option<String>,
    /// Show how the columns map and which rows would be refused; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON (`MemberImportReport`, or `CsvPreview` with --dry-run).
    #[arg(long)]
    json: bool,
}

impl MembersImportArgs {
    fn options(&self) -> Result<MemberImportOptions> {
        let map = self
            .map
            .iter()
            .map(|m| {
                m.split_once('=')
                    .map(|(c, f)| (c.trim().to_string(), f.trim().to_string()))
                    .with_context(|| format!("--map {m:?}: write it as COLUMN=FIELD"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(MemberImportOptions {
            list: self.list.clone(),
            map,
        })
    }
}

/// `hearth import members FILE --dry-run`: what would be imported; nothing is written.
pub fn preview_members(args: &MembersImportArgs) -> Result<()> {
    let preview = hearth::members::import::preview_member_csv(&args.file, &args.options()?)?;
    if args.json {
        return print_json(&preview);
    }
    println!(
        "{}: {} rows, {} encoded, cells separated by '{}'. Nothing was written (dry run).",
        args.file.display(),
        preview.rows,
        preview.encoding,
        preview.delimiter
    );
    for c in &preview.columns {
        println!(
            "  {:<24} → {:<20} {}",
            c.header,
            c.detected_field,
            c.samples.join(", ")
        );
    }
    if let Some(blocked) = &preview.blocked {
        // the columns above are what to choose from
        bail!("{}: {blocked}", args.file.display());
    }
    println!(
        "{} rows would be imported, {} refused.",
        preview.good_rows,
        preview.problems.len()
    );
    for p in &preview.problems {
        println!("  line {}: {}", p.line, p.reason);
    }
    Ok(())
}

/// `hearth import members FILE`: the people of a file into a list.
pub fn import_members(store: &mut Store, args: MembersImportArgs, now: i64) -> Result<()> {
    let options = args.options()?;
    let bar = bar()?;
    let result = store.import_members(&args.file, &options, now, &mut feed(&bar));
    bar.finish_and_clear();
    let r = result?;
    if args.json {
        return print_json(&r);
    }
    println!(
        "Imported {} into the list \"{}\" ({}, cells separated by '{}'): {} rows — {} new, {} updated, {} unchanged, {} refused.",
        args.file.display(),
        r.list,
        r.encoding,
        r.delimiter,
        r.rows,
        r.new,
        r.updated,
        r.unchanged,
        r.problems.len()
    );
    for p in &r.problems {
        println!("  line {}: {}", p.line, p.reason);
    }
    if r.merged_on_proof > 0 {
        println!("{} merged with members already known.", r.merged_on_proof);
    }
    if r.suggestions > 0 {
        println!(
            "{} possible duplicates involve people on this list: review them with `hearth members suggest`.",
            r.suggestions
        );
    }
    Ok(())
}

/// `hearth export members [--format csv|json] [--out FILE]`.
pub fn export_members(store: &mut Store, format: MembersFormat, out: Option<&Path>) -> Result<()> {
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let n = store.export_members(format, &mut w)?;
            println!("Exported {n} members to {}.", path.display());
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            store.export_members(format, &mut w)?;
        }
    }
    Ok(())
}
