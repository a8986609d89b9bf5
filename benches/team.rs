//! Teams (issue 13): two managers' workspaces (the same demo community in two database files)
//! sharing triage through the real relay (`node relay/server.mjs` on loopback). Measures and
//! prints
//!   - one action at a time: a triage action on A, A's sync, B's sync, B showing it — each
//!     action's latency (p50, p95, max) and the total, beside the same actions applied with no
//!     team (the baseline: `Store::triage` alone, in this run);
//!   - a batch: the same number of actions on A while apart, then one sync each — the time B's
//!     sync takes to apply them to its tables, beside a sync with nothing to apply, and beside
//!     `Store::triage_each` writing the same changes directly (the baselines);
//!   - the workspace document after many actions (`HEARTH_BENCH_TEAM_DOC_ACTIONS`, default
//!     100,000, over 10,000 conversations): its saved size, beside the same final state as JSON.
//!
//! Needs the relay installed (`npm ci --prefix relay`) and a keyring (`scripts/with-keyring
//! cargo bench --bench team`). `HEARTH_BENCH_TEAM_ACTIONS` (default 1,000) makes it smaller.
//! Timings are printed, never asserted; what is asserted is correctness (B shows each action).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hearth::model::{DemoOptions, InboxQuery, Status, TriageAction, TriageEach, TriageState};
use hearth::platform::Secret;
use hearth::Store;

mod common;
use common::env_u32;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const SECRET: &str = "team-benchmark-secret-1f3a";

struct Relay(Child);

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn relay(data: &Path) -> Res<(Relay, u16)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("relay");
    if !dir.join("node_modules").is_dir() {
        return Err("relay/ is not installed: npm ci --prefix relay".into());
    }
    let mut child = Command::new("node")
        .arg(dir.join("server.mjs"))
        .env("RELAY_SECRET", SECRET)
        .env("PORT", "0")
        .env("DATA_DIR", data)
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no output")?).read_line(&mut line)?;
    let port = line
        .rsplit(':')
        .next()
        .and_then(|r| r.split(',').next())
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| format!("the relay said {line:?}"))?;
    Ok((Relay(child), port))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> Res<()> {
    let actions = env_u32("HEARTH_BENCH_TEAM_ACTIONS", 1_000) as usize;
    let doc_actions = env_u32("HEARTH_BENCH_TEAM_DOC_ACTIONS", 100_000) as usize;
    let dir = tempfile::tempdir()?;
    let now = hearth::now_millis();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!("Hearth team benchmark: {actions} actions through the relay, a document of {doc_actions} actions");

    let (_relay, port) = relay(&dir.path().join("relay"))?;
    let url = format!("ws://127.0.0.1:{port}");
    let options = DemoOptions {
        members: 400,
        messages: 4_000,
        seed: 7,
    };
    let mut a = Store::open(dir.path().join("a.db"))?;
    let mut b = Store::open(dir.path().join("b.db"))?;
    let mut baseline = Store::open(dir.path().join("baseline.db"))?;
    for s in [&mut a, &mut b, &mut baseline] {
        hearth::demo::generate(s, &options, now, &mut |_| {})?;
    }
    let ids: Vec<i64> = a
        .inbox(
            &InboxQuery {
                limit: Some(200),
                ..InboxQuery::default()
            },
            now,
        )?
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    if ids.is_empty() {
        return Err("the demo has no open conversations".into());
    }

    let link = runtime.block_on(hearth::team::create(
        &mut a,
        &url,
        Secret::new(SECRET),
        "Ana",
        now,
    ))?;
    runtime.block_on(hearth::team::join(&mut b, &link, "Ben", now))?;
    runtime.block_on(hearth::team::sync(&mut a, now))?;

    // --- one action at a time --------------------------------------------------------------------
    let action = |i: usize| TriageAction::Assign {
        assignee: Some(format!("owner {i}")),
    };
    let t = Instant::now();
    for i in 0..actions {
        baseline.triage(ids[i % ids.len()], &action(i), now)?;
    }
    let plain = t.elapsed();
    let mut latencies = Vec::with_capacity(actions);
    let total = Instant::now();
    for i in 0..actions {
        let id = ids[i % ids.len()];
        let t = Instant::now();
        a.triage(id, &action(i), now)?;
        runtime.block_on(hearth::team::sync(&mut a, now))?;
        runtime.block_on(hearth::team::sync(&mut b, now))?;
        latencies.push(ms(t.elapsed()));
        let shown = b.conversation(id, now)?.conversation.assignee;
        if shown.as_deref() != Some(format!("owner {i}").as_str()) {
            return Err(format!("action {i} did not reach B: {shown:?}").into());
        }
    }
    let total = total.elapsed();
    latencies.sort_by(f64::total_cmp);
    println!("\n  {actions} actions, each synced A → relay → B before the next:");
    println!(
        "    latency from the action on A to B showing it: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies.last().copied().unwrap_or(0.0)
    );
    println!(
        "    total {:.2} s ({:.1} actions/s); baseline, the same actions with no team: {:.1} ms ({:.2} ms each)",
        total.as_secs_f64(),
        actions as f64 / total.as_secs_f64(),
        ms(plain),
        ms(plain) / actions as f64
    );

    // --- a batch made apart ----------------------------------------------------------------------
    let batch: Vec<TriageEach> = (0..actions)
        .map(|i| TriageEach {
            id: ids[i % ids.len()],
            action: TriageAction::Restore {
                state: TriageState {
                    status: if i % 3 == 0 {
                        Status::Done
                    } else {
                        Status::Waiting
                    },
                    snoozed_until: None,
                    assignee: Some(format!("batch {i}")),
                    priority: (i % 5) as i64,
                    tags: vec![format!("batch-{}", i % 7)],
                },
            },
        })
        .collect();
    let t = Instant::now();
    baseline.triage_each(&batch, now)?;
    let direct = t.elapsed();
    let t = Instant::now();
    a.triage_each(&batch, now)?;
    let local = t.elapsed();
    let t = Instant::now();
    let sent = runtime.block_on(hearth::team::sync(&mut a, now))?;
    let share = t.elapsed();
    let t = Instant::now();
    let got = runtime.block_on(hearth::team::sync(&mut b, now))?;
    let apply = t.elapsed();
    // a sync with nothing to do: the median of five (one alone swings with the connection's
    // first attempt)
    let mut idles = Vec::with_capacity(5);
    for _ in 0..5 {
        let t = Instant::now();
        runtime.block_on(hearth::team::sync(&mut b, now))?;
        idles.push(t.elapsed());
    }
    idles.sort();
    let idle = idles[idles.len() / 2];
    println!(
        "\n  a batch of {actions} actions made on A while apart ({} conversations changed):",
        sent.sent
    );
    println!(
        "    on A: {:.1} ms to triage; its sync shares them in {:.1} ms",
        ms(local),
        ms(share)
    );
    println!(
        "    B's sync applies {} of them to its tables in {:.1} ms; a sync with nothing to apply: {:.1} ms (median of 5); the same changes written directly (Store::triage_each): {:.1} ms",
        got.applied,
        ms(apply),
        ms(idle),
        ms(direct)
    );

    // --- the document after many actions ---------------------------------------------------------
    let mut doc = hearth::team::doc::new_workspace()?;
    let conversations = 10_000.min(doc_actions.max(1));
    let t = Instant::now();
    let mut last = std::collections::BTreeMap::new();
    for i in 0..doc_actions {
        let key = format!("discord||{}", 1_000_000 + i % conversations);
        let state = TriageState {
            status: [Status::Open, Status::Waiting, Status::Done][i % 3],
            snoozed_until: None,
            assignee: Some(["Ana", "Ben", "Cleo"][i % 3].to_string()),
            priority: (i % 5) as i64,
            tags: if i % 4 == 0 {
                vec!["bug".into()]
            } else {
                vec![]
            },
        };
        hearth::team::doc::write(&mut doc, &key, &state, "Ana")?;
        last.insert(key, state);
    }
    let writing = t.elapsed();
    let t = Instant::now();
    let saved = doc.save();
    let saving = t.elapsed();
    let json = serde_json::to_vec(&last)?;
    println!(
        "\n  the workspace document after {doc_actions} actions on {conversations} conversations: {:.2} MB saved ({:.1} ms to save, {:.2} s to write the actions); the same final state as JSON: {:.2} MB",
        saved.len() as f64 / 1e6,
        ms(saving),
        writing.as_secs_f64(),
        json.len() as f64 / 1e6
    );
    Ok(())
}
