//! The CLI's account, sync and outbox commands: `hearth accounts …`, `hearth sync`,
//! `hearth reply`, `hearth outbox`. Thin: reads what the user typed (tokens from stdin, never
//! from arguments, so they stay out of shell history), calls the core, shows progress.

use std::io::{IsTerminal, Read};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use hearth::model::{AccountInput, OutboxState, Platform};
use hearth::sync::engine::{SyncError, SyncEvent, SyncOptions};
use hearth::sync::outbox::flush_account;
use hearth::sync::quarantine::retry_quarantined as retry_quarantined_records;
use hearth::sync::run::{connector_for, record_setup_failure, sync_and_send, test_connection};
use hearth::sync::Secret;
use hearth::when::relative;
use hearth::{now_millis, secrets, Store};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio_util::sync::CancellationToken;

use super::print_json;

#[derive(Subcommand)]
pub enum AccountsCmd {
    /// Connect an account; the token is read from stdin (or asked for on a terminal).
    Add {
        platform: Platform,
        /// A name for the account, such as the community's name.
        #[arg(long)]
        name: String,
        /// The server or API root (needed for Discourse, Mastodon and Matrix).
        #[arg(long)]
        url: Option<String>,
        /// What to sync (repeatable): a Discord guild id, owner/repo, a room id, a hashtag…
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Do not check the token with the platform now.
        #[arg(long)]
        no_test: bool,
    },
    /// The connected accounts and how their last sync went.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Check an account's token and show who it authenticates as.
    Test { account: String },
    /// Replace an account's token (read from stdin).
    Token { account: String },
    /// Change an account's name, server or scopes.
    Edit {
        account: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        url: Option<String>,
        /// Replaces all scopes (repeatable).
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// Disconnect an account: forgets its token and everything synced through it.
    Remove { account: String },
}

fn read_token(platform: Platform) -> Result<Secret> {
    let token = if std::io::stdin().is_terminal() {
        let help = hearth::connectors::spec(platform)
            .map(|s| s.token_help)
            .unwrap_or_default();
        eprintln!("{} needs {help}.", platform.label());
        rpassword::prompt_password("Paste it here (it will not show): ")
            .context("cannot read the token")?
    } else {
        read_stdin("the token")?
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        bail!("no token was given: pipe it in (`… < token.txt`) or paste it when asked");
    }
    Ok(Secret::new(token))
}

/// All of standard input (a token, a reply, a post piped in); `what` names it in the error.
fn read_stdin(what: &str) -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .with_context(|| format!("cannot read {what} from stdin"))?;
    Ok(s)
}

/// The real clock, for connectors (the core never reads it itself).
fn real_clock() -> hearth::sync::Clock {
    std::sync::Arc::new(now_millis)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")
}

async fn check(store: &mut Store, id: i64) -> Result<()> {
    let account = store.account(id)?;
    let connector = connector_for(store, &account, real_clock())?;
    let me = test_connection(store, id, connector.as_ref()).await?;
    println!(
        "{} account {:?} connects as {}{}",
        account.platform.label(),
        account.name,
        me.handle,
        me.display_name
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    Ok(())
}

pub fn accounts(store: &mut Store, cmd: AccountsCmd) -> Result<()> {
    let now = now_millis();
    match cmd {
        AccountsCmd::Add {
            platform,
            name,
            url,
            scopes,
            no_test,
        } => {
            let mut input = AccountInput {
                platform,
                name,
                base_url: url,
                scopes,
                token: None,
            };
            // Check the settings before asking for a secret.
            hearth::accounts::validate_input(&input)?;
            input.token = Some(read_token(platform)?.expose().to_string());
            let account = hearth::accounts::connect_account(store, &input, now)?;
            println!(
                "Added {} account {:?} (#{}).",
                platform.label(),
                account.name,
                account.id
            );
            if !no_test {
                runtime()?.block_on(check(store, account.id))?;
            }
        }
        AccountsCmd::List { json } => {
            let accounts = store.list_accounts()?;
            if json {
                return print_json(&accounts);
            }
            if accounts.is_empty() {
                println!("No accounts yet: `hearth accounts add PLATFORM --name NAME`.");
            }
            for a in accounts {
                let status = match (&a.last_error, a.last_sync_at) {
                    _ if a.demo => "demo sample data (not connected)".into(),
                    (None, Some(t)) if a.quarantine_note.is_some() => format!(
                        "synced {}; {}",
                        relative(t, now),
                        a.quarantine_note.clone().unwrap_or_default()
                    ),
                    (Some(e), _) => format!("problem: {e}"),
                    (None, Some(t)) => format!("synced {}", relative(t, now)),
                    (None, None) => "never synced".into(),
                };
                println!(
                    "{:>4}  {:<9} {:<24} {:<28} {}",
                    a.id,
                    a.platform.as_str(),
                    super::clip(&a.name, 24),
                    super::clip(a.self_handle.as_deref().unwrap_or("(not tested)"), 28),
                    status
                );
            }
        }
        AccountsCmd::Test { account } => {
            let id = store.find_account(&account)?.id;
            runtime()?.block_on(check(store, id))?;
        }
        AccountsCmd::Token { account } => {
            let account = store.find_account(&account)?;
            let token = read_token(account.platform)?;
            secrets::store_token(&store.token_key(account.id)?, &token)?;
            println!("Token updated.");
            runtime()?.block_on(check(store, account.id))?;
        }
        AccountsCmd::Edit {
            account,
            name,
            url,
            scopes,
        } => {
            let current = store.find_account(&account)?;
            let input = AccountInput {
                platform: current.platform,
                name: name.unwrap_or(current.name.clone()),
                base_url: url.or(current.base_url.clone()),
                scopes: if scopes.is_empty() {
                    current.scopes.clone()
                } else {
                    scopes
                },
                token: None,
            };
            let a = store.update_account(current.id, &input)?;
            println!("Updated {} account {:?}.", a.platform.label(), a.name);
        }
        AccountsCmd::Remove { account } => {
            let account = store.find_account(&account)?;
            hearth::accounts::disconnect_account(store, account.id)?;
            println!(
                "Removed {} account {:?} and what was synced through it.",
                account.platform.label(),
                account.name
            );
        }
    }
    Ok(())
}

fn bar_for(multi: &MultiProgress, label: &str) -> Result<ProgressBar> {
    let bar = multi.add(ProgressBar::new_spinner());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg} {elapsed}")
            .map_err(|e| anyhow::anyhow!(e))?,
    );
    bar.set_prefix(label.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Ok(bar)
}

/// `hearth sync [ACCOUNT]`: syncs one or every account, a progress line each.
pub fn sync(store: &mut Store, account: Option<String>, retry_quarantined: bool) -> Result<()> {
    let accounts = match account {
        Some(key) => {
            let a = store.find_account(&key)?;
            if a.demo {
                bail!(
                    "{:?} is one of the demo community's sample accounts; it has nothing to sync",
                    a.name
                );
            }
            if !a.platform.syncs() {
                bail!(
                    "{:?} is a list imported from a file; it has nothing to sync (import the file again to update it)",
                    a.name
                );
            }
            vec![a]
        }
        None => store.syncable_accounts()?,
    };
    if accounts.is_empty() {
        bail!("there are no accounts to sync: add one with `hearth accounts add PLATFORM --name NAME`");
    }
    let multi = MultiProgress::with_draw_target(if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let cancel = CancellationToken::new();
    let rt = runtime()?;
    // Ctrl+C stops the run after the page in hand; the next sync continues from there.
    let ctrl_c = cancel.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let mut failures = 0;
    for account in accounts {
        let label = format!("{} {}", account.platform.label(), account.name);
        let bar = bar_for(&multi, &label)?;
        let connector = match connector_for(store, &account, real_clock()) {
            Ok(c) => c,
            Err(e) => {
                record_setup_failure(store, account.id, &e, now_millis())?;
                bar.finish_and_clear();
                eprintln!("{label}: {e}");
                failures += 1;
                continue;
            }
        };
        if retry_quarantined && store.quarantined(account.id)? > 0 {
            match rt.block_on(retry_quarantined_records(
                store,
                account.id,
                connector.as_ref(),
                now_millis(),
            )) {
                Ok(r) => println!(
                    "{label}: {} kept record(s) read now{}",
                    r.read,
                    r.problem
                        .map(|p| format!(", {} still kept ({p})", r.kept))
                        .unwrap_or_default()
                ),
                Err(e) => eprintln!("{label}: the kept records could not be tried again: {e}"),
            }
        }
        let run = rt.block_on(async {
            sync_and_send(
                store,
                account.id,
                connector.as_ref(),
                &SyncOptions::default(),
                &cancel,
                &now_millis,
                &mut |e| match e {
                    SyncEvent::Page {
                        label,
                        pages,
                        totals,
                    } => bar.set_message(format!(
                        "{label} · page {pages} · {} new, {} updated",
                        totals.messages_added, totals.messages_updated
                    )),
                    SyncEvent::Waiting { reason, .. } => bar.set_message(reason),
                },
            )
            .await
        });
        bar.finish_and_clear();
        match run.sync {
            Ok(r) => {
                let sent = match &run.flush {
                    Some(Ok(f)) if f.sent + f.reconciled > 0 => {
                        format!(", {} sent from the outbox", f.sent + f.reconciled)
                    }
                    _ => String::new(),
                };
                println!(
                    "{label}: {} new messages, {} updated, {} new people{sent}{}",
                    r.totals.messages_added,
                    r.totals.messages_updated,
                    r.totals.identities_added,
                    if r.stopped_early {
                        " (more next time)"
                    } else {
                        ""
                    }
                );
                if r.totals.quarantined > 0 {
                    if let Some(note) = store.account(account.id)?.quarantine_note {
                        eprintln!(
                            "{label}: {note} (kept aside with its payload; `hearth sync --retry-quarantined` tries again after an upgrade)"
                        );
                    }
                }
                if let Some(Ok(f)) = &run.flush {
                    if let Some(p) = &f.problem {
                        eprintln!("{label}: outbox: {p}");
                    }
                }
                if let Some(Err(e)) = &run.flush {
                    eprintln!("{label}: outbox: {e}");
                }
            }
            Err(e @ SyncError::AlreadySyncing) => println!("{label}: {e}"),
            Err(e) => {
                failures += 1;
                eprintln!("{label}: {e}");
            }
        }
        if cancel.is_cancelled() {
            break;
        }
    }
    if failures > 0 {
        bail!("{failures} account(s) could not be synced; what was synced before is kept");
    }
    Ok(())
}

/// `hearth reply CONVERSATION --text T [--at WHEN]`: queues a reply in the outbox, to go at
/// once or (send later) not before WHEN.
pub fn reply(
    store: &mut Store,
    conversation: i64,
    text: Option<String>,
    at: Option<String>,
) -> Result<()> {
    let text = match text {
        Some(t) => t,
        None => read_stdin("the reply")?,
    };
    let now = now_millis();
    let send_after = match at.as_deref() {
        Some(when) => Some(
            hearth::when::parse_when_local(when, now)
                .with_context(|| format!("when to send the reply: {when:?}"))?,
        ),
        None => None,
    };
    let item = store.queue_reply_at(conversation, &text, send_after, now)?;
    match item.send_after {
        Some(t) => println!(
            "Reply queued (outbox #{}) to be sent {} ({}), by the first `hearth sync` or \
             `hearth outbox --flush` from then on, or by the app.",
            item.id,
            super::local_time(t),
            relative(t, now)
        ),
        None => println!(
            "Reply queued (outbox #{}); it is sent on the next `hearth sync` or `hearth outbox --flush`.",
            item.id
        ),
    }
    Ok(())
}

/// `hearth post ACCOUNT --text T [--title T]`: queues a new post on an account.
pub fn post(
    store: &mut Store,
    account: &str,
    text: Option<String>,
    title: Option<String>,
) -> Result<()> {
    let account = store.find_account(account)?;
    let text = match text {
        Some(t) => t,
        None => read_stdin("the post")?,
    };
    let item = store.queue_post(account.id, &text, title.as_deref(), now_millis())?;
    println!(
        "Post queued for {} {:?} (outbox #{}); it is sent on the next `hearth sync` or `hearth outbox --flush`.",
        account.platform.label(),
        account.name,
        item.id
    );
    Ok(())
}

/// `hearth outbox [--flush]`.
pub fn outbox(store: &mut Store, flush: bool, json: bool) -> Result<()> {
    if flush {
        let rt = runtime()?;
        // Each account once, however its items interleave with others'.
        let account_ids: std::collections::BTreeSet<i64> = store
            .list_outbox(None)?
            .into_iter()
            .filter(|i| matches!(i.state, OutboxState::Queued | OutboxState::Sending))
            .map(|i| i.account_id)
            .collect();
        for id in account_ids {
            let account = store.account(id)?;
            let connector = connector_for(store, &account, real_clock())?;
            let report = rt.block_on(flush_account(store, id, connector.as_ref(), &now_millis))?;
            let mut line = format!(
                "{} {}: {} sent",
                account.platform.label(),
                account.name,
                report.sent + report.reconciled
            );
            for (n, what) in [
                (report.waiting, "still waiting"),
                (report.elsewhere, "being sent by another Hearth"),
                (report.later, "to be sent later"),
                (report.failed, "refused"),
            ] {
                if n > 0 {
                    line.push_str(&format!(", {n} {what}"));
                }
            }
            println!("{line}");
            if let Some(p) = report.problem {
                eprintln!("  {p}");
            }
        }
    }
    let items = store.list_outbox(None)?;
    if json {
        return print_json(&items);
    }
    if items.is_empty() {
        println!("The outbox is empty.");
    }
    for i in items {
        let later = i
            .send_after
            .filter(|t| *t > now_millis())
            .map(|t| format!("to send {}", super::local_time(t)));
        let state = match i.state {
            OutboxState::Queued => later.as_deref().unwrap_or("queued"),
            OutboxState::Sending => "sending (checking whether it went out)",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "refused",
        };
        println!(
            "{:>4}  {:<9} {:<8} {:<40} {}{}",
            i.id,
            i.platform.as_str(),
            i.kind,
            super::clip(&i.body, 40),
            state,
            i.last_error.map(|e| format!(": {e}")).unwrap_or_default()
        );
    }
    Ok(())
}

/// `hearth publish --due`: queues the calendar posts whose time has come and sends them (and
/// whatever else the accounts concerned hold in their outbox).
pub fn publish_due(store: &mut Store) -> Result<hearth::model::PublishReport> {
    let rt = runtime()?;
    Ok(rt.block_on(hearth::sync::publish::publish_due(store, real_clock()))?)
}

pub fn print_publish(r: &hearth::model::PublishReport) {
    let mut parts = vec![format!("{} sent", r.sent + r.reconciled)];
    for (n, what) in [
        (
            r.waiting,
            "waiting (offline, or being sent by another Hearth)",
        ),
        (r.failed, "refused by the platform"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    println!("Published: {} due now, {}.", r.queued, parts.join(", "));
    for title in &r.missed {
        println!(
            "  missed: \"{title}\" was due longer ago than the grace window; publish it now with hearth calendar publish, or give it a new time"
        );
    }
    for p in &r.problems {
        eprintln!("  {p}");
    }
}
