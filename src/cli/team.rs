//! `hearth team`: share triage with teammates through the team's relay (issue 13).

use std::io::{IsTerminal, Read};

use anyhow::{bail, Context, Result};
use hearth::model::TeamSyncReport;
use hearth::platform::Secret;
use hearth::store::Store;
use hearth::team::{self, presence, JoinLink};

use super::{local_time, print_json};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the network runtime")
}

fn read_secret() -> Result<Secret> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(
            "The relay's secret (RELAY_SECRET where it runs; it will not show): ",
        )
        .context("cannot read the secret")?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the secret from stdin")?;
        s
    };
    let secret = secret.trim().to_string();
    if secret.is_empty() {
        bail!("no secret was given: pipe it in (`… < secret.txt`) or type it when asked");
    }
    Ok(Secret::new(secret))
}

pub fn create(store: &mut Store, relay: &str, name: &str, now: i64) -> Result<()> {
    let secret = read_secret()?;
    let link = runtime()?.block_on(team::create(store, relay, secret, name, now))?;
    println!(
        "Team created on {relay}. Teammates join with this link (share it privately: it admits to the relay):"
    );
    println!("  {}", link.to_link());
    Ok(())
}

pub fn join(store: &mut Store, link: &str, name: &str, json: bool, now: i64) -> Result<()> {
    let link = JoinLink::parse(link)?;
    let report = runtime()?.block_on(team::join(store, &link, name, now))?;
    if json {
        return print_json(&report);
    }
    println!("Joined the team on {}.", link.relay);
    say(&report);
    Ok(())
}

pub fn sync(store: &mut Store, json: bool, now: i64) -> Result<()> {
    let report = runtime()?.block_on(team::sync(store, now))?;
    if json {
        return print_json(&report);
    }
    say(&report);
    Ok(())
}

pub fn status(store: &Store, json: bool) -> Result<()> {
    let info = store.team_info()?;
    if json {
        return print_json(&info);
    }
    let Some(t) = info else {
        println!("Not sharing triage with a team. `hearth team create` starts one; `hearth team join LINK` joins one.");
        return Ok(());
    };
    println!("Team on {} as {}", t.relay_url, t.me);
    match t.last_synced_at {
        Some(at) => println!("Last synced {}", local_time(at)),
        None => println!("Not synced yet"),
    }
    match t.waiting {
        0 => println!("Everything here is shared"),
        1 => println!("1 change here waits to be shared"),
        n => println!("{n} changes here wait to be shared"),
    }
    if !t.teammates.is_empty() {
        println!("Teammates:");
        for m in &t.teammates {
            let you = if m.name == t.me { " (you)" } else { "" };
            match m.last_synced_at {
                Some(at) => println!("  {}{you}: last synced {}", m.name, local_time(at)),
                None => println!("  {}{you}: not synced yet", m.name),
            }
        }
    }
    Ok(())
}

pub fn conflicts(store: &Store, conversation: i64, json: bool) -> Result<()> {
    let all = store.team_conflicts(conversation)?;
    if json {
        return print_json(&all);
    }
    if all.is_empty() {
        println!("#{conversation}: nothing set differently by teammates while apart.");
    }
    for c in all {
        println!(
            "#{conversation} {}: a teammate also set \"{}\" while apart (the conversation shows the value kept)",
            c.field, c.other
        );
    }
    Ok(())
}

/// The team, its secret, and a presence session of this manager's with `mine` said.
fn presence(
    store: &Store,
    mine: Option<(presence::Doing, Option<String>)>,
    seconds: u64,
) -> Result<Vec<presence::Here>> {
    let Some(info) = store.team_info()? else {
        bail!("this workspace is in no team: `hearth team create` starts one");
    };
    let secret = hearth::secrets::load_team_secret(&store.team_secret_key()?)?;
    let (tell, told) = tokio::sync::watch::channel(mine);
    let around = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = around.clone();
    runtime()?.block_on(async move {
        let session = presence::session(&info, &secret, told, move |now| {
            if let Ok(mut a) = seen.lock() {
                *a = now;
            }
        });
        tokio::pin!(session);
        tokio::select! {
            ended = &mut session => ended,
            _ = tokio::time::sleep(std::time::Duration::from_secs(seconds)) => {
                // time's up: say goodbye and stop
                drop(tell);
                session.await
            }
        }
    })?;
    let now = around.lock().map(|a| a.clone()).unwrap_or_default();
    Ok(now)
}

pub fn here(store: &Store, conversation: i64, replying: bool, seconds: u64) -> Result<()> {
    let Some(key) = store.team_conversation_key(conversation)? else {
        bail!("there is no conversation {conversation}");
    };
    let doing = if replying {
        presence::Doing::Replying
    } else {
        presence::Doing::Viewing
    };
    println!(
        "Teammates see you {} #{conversation} for {seconds} s.",
        if replying { "replying to" } else { "viewing" }
    );
    presence(store, Some((doing, Some(key))), seconds)?;
    Ok(())
}

pub fn who(store: &Store, wait: u64, json: bool) -> Result<()> {
    let around = presence(store, None, wait)?;
    let shown = presence::shown(store, &around);
    if json {
        return print_json(&shown);
    }
    if shown.is_empty() {
        println!("No teammate is around right now.");
    }
    for p in &shown {
        match (p.doing.as_str(), p.conversation_id) {
            ("online", _) | (_, None) => println!("{}: online", p.name),
            (doing, Some(id)) => println!("{}: {doing} #{id}", p.name),
        }
    }
    Ok(())
}

pub fn invite(store: &Store) -> Result<()> {
    match store.team_join_link()? {
        Some(link) => println!("{}", link.to_link()),
        None => bail!("this workspace is in no team: `hearth team create` starts one"),
    }
    Ok(())
}

pub fn leave(store: &mut Store) -> Result<()> {
    if store.team_leave()? {
        println!("Left the team. Its triage stays here as yours; nothing is shared any more.");
    } else {
        println!("Not sharing triage with a team.");
    }
    Ok(())
}

fn say(r: &TeamSyncReport) {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    println!(
        "Shared {}; applied {} from teammates.",
        n(r.sent, "conversation", "conversations"),
        n(r.applied, "change", "changes")
    );
    if r.notes_sent + r.notes_received > 0 {
        println!(
            "Shared notes: {} sent, {} from teammates.",
            r.notes_sent, r.notes_received
        );
    }
    if r.not_here > 0 {
        println!(
            "{} that teammates triaged {} not here yet (not synced from {} platform here).",
            n(r.not_here, "conversation", "conversations"),
            if r.not_here == 1 { "is" } else { "are" },
            if r.not_here == 1 { "its" } else { "their" }
        );
    }
    if r.conflicts > 0 {
        println!(
            "{} set differently by two people while apart: the value kept is shown, the other is one click away in the app.",
            n(r.conflicts, "field was", "fields were")
        );
    }
}
