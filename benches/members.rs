//! Who is who, measured: the demo community (with its hard cases: nicknames, other scripts,
//! misspellings, swapped names, shared family and team addresses, namesakes, placeholders) is
//! generated with its ground truth, and the automatic merges and the suggestions are compared
//! with it. Then the time to work out every suggestion, to check one new identity, and to undo a
//! merge. Prints figures; asserts nothing about time.
//!
//! `HEARTH_BENCH_MEMBERS` (default 100000) and `HEARTH_BENCH_MESSAGES` (default 300000) set the
//! size.

use std::time::Instant;

use hearth::ingest::{Batch, IncomingIdentity};
use hearth::model::{DemoOptions, InboxQuery, MemberQuery, Platform, Status};
use hearth::store::Store;

mod common;
use common::env_u32;

const NOW: i64 = 1_790_000_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let members = env_u32("HEARTH_BENCH_MEMBERS", 100_000);
    let messages = env_u32("HEARTH_BENCH_MESSAGES", 300_000);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("members.db");
    let mut store = Store::open(&path)?;
    println!("Hearth members benchmark: {members} people, {messages} messages");
    let started = Instant::now();
    let (summary, truth) = hearth::demo::generate_with_truth(
        &mut store,
        &DemoOptions {
            members,
            messages,
            seed: 7,
        },
        NOW,
        &mut |_| {},
    )?;
    println!(
        "demo built in {:.1} s: {} people, {} identities, {} members after {} merges on proof, {} suggestions",
        started.elapsed().as_secs_f64(),
        summary.people,
        summary.identities,
        summary.members,
        summary.merged_on_proof,
        summary.suggestions
    );

    let t = Instant::now();
    // where the time goes: each phase the run reports, timed from its first report to the next
    let mut phases: Vec<(String, Instant)> = Vec::new();
    let report = store.resolve_members(NOW, &mut |p| {
        if phases.last().is_none_or(|(name, _)| *name != p.phase) {
            phases.push((p.phase.clone(), Instant::now()));
        }
    })?;
    let all = t.elapsed().as_secs_f64();
    println!(
        "resolve_members (every suggestion again): {all:.2} s for {} identities, {} candidate pairs, {} suggestions",
        report.identities, report.candidate_pairs, report.suggestions
    );
    let mut from = t;
    let mut named = String::from("before the first report");
    for (name, at) in &phases {
        println!(
            "    {named}: {:.2} s",
            at.duration_since(from).as_secs_f64()
        );
        (named, from) = (name.clone(), *at);
    }
    println!("    {named}: {:.2} s", from.elapsed().as_secs_f64());

    for min in [0.5, 0.8, 0.9, 0.95] {
        let q = truth.measure(&store, min)?;
        println!(
            "at p ≥ {min:.2}: automatic merges precision {:.4} recall {:.4} ({} right, {} wrong); suggestions precision {:.4} recall {:.4} F1 {:.4} ({} right, {} wrong, {} pairs to find)",
            q.merge_precision(),
            q.merge_recall(),
            q.merged_right,
            q.merged_wrong,
            q.suggestion_precision(),
            q.suggestion_recall(),
            q.suggestion_f1(),
            q.suggested_right,
            q.suggested_wrong,
            q.members_to_merge
        );
        println!(
            "    over the pairs whose accounts show more in common than a name (the generator's facts: a made-up handle, an email, an organisation, a place): recall {:.4} ({} of {})",
            q.suggestion_recall_beyond_name(),
            q.suggested_right_beyond_name,
            q.members_to_merge_beyond_name
        );
        println!(
            "    accepting every suggestion at p ≥ {min:.2}: pairs of members joined precision {:.4} recall {:.4} F1 {:.4} ({} right, {} wrong)",
            q.accepted_precision(),
            q.accepted_recall(),
            q.accepted_f1(),
            q.joined_right,
            q.joined_wrong
        );
    }
    // What the pairs missed at the default threshold have to go on. A name alone never makes a
    // suggestion (the rule, however rare the name), so the recall that rule leaves within reach
    // is over the pairs that share more than a name. Up to 3,000 missed pairs, evenly spread,
    // are looked at (each is explained as the app would).
    let q = truth.measure(&store, 0.8)?;
    let step = q.missed_examples.len().div_ceil(3000).max(1);
    let looked: Vec<(i64, i64)> = q.missed_examples.iter().step_by(step).copied().collect();
    let (mut unseen, mut name_only, mut more) = (0usize, 0usize, Vec::new());
    for (a, b) in &looked {
        match store.explain_pair(*a, *b)? {
            None => unseen += 1,
            Some(s)
                if !s
                    .reasons
                    .iter()
                    .any(|r| r.weight > 0.5 && r.field != "name") =>
            {
                name_only += 1
            }
            Some(_) => more.push((*a, *b)),
        }
    }
    let share = |n: usize| n as f64 / looked.len().max(1) as f64;
    let missed_with_more = share(more.len()) * q.missed_examples.len() as f64;
    println!(
        "missed at p ≥ 0.80: {} pairs ({} looked at) — {:.0}% share no key, {:.0}% a name and nothing more, {:.0}% more than a name; recall over the pairs that share more than a name {:.4} (precision {:.4})",
        q.missed_examples.len(),
        looked.len(),
        100.0 * share(unseen),
        100.0 * share(name_only),
        100.0 * share(more.len()),
        q.suggested_right as f64 / (q.suggested_right as f64 + missed_with_more).max(1.0),
        q.suggestion_precision()
    );

    if std::env::var_os("HEARTH_BENCH_SHOW").is_some() {
        let show = |label: &str, pairs: &[(i64, i64)]| -> Result<(), Box<dyn std::error::Error>> {
            for (a, b) in pairs {
                let x = store.member_profile(*a, NOW)?;
                let y = store.member_profile(*b, NOW)?;
                let ids = |p: &hearth::model::MemberProfile| {
                    p.identities
                        .iter()
                        .map(|i| {
                            format!(
                                "{}:{}/{}/{}",
                                i.platform.as_str(),
                                i.handle,
                                i.display_name.clone().unwrap_or_default(),
                                i.email.clone().unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" + ")
                };
                println!("{label}: {} | {}", ids(&x), ids(&y));
                if let Some(s) = store.explain_pair(*a, *b)? {
                    println!("    p = {:.3}", s.probability);
                    for r in &s.reasons {
                        println!("    {:+.1} {}", r.weight, r.text);
                    }
                }
            }
            Ok(())
        };
        show("WRONG", &q.wrong_examples[..q.wrong_examples.len().min(8)])?;
        show(
            "MISSED",
            &q.missed_examples[..q.missed_examples.len().min(8)],
        )?;
        show("MISSED WITH MORE", &more[..more.len().min(12)])?;
        // HEARTH_BENCH_SHOW=N shows N of them (16 by default)
        let n = std::env::var("HEARTH_BENCH_SHOW")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(16)
            .max(1);
        let step = q.missed_beyond_name.len().div_ceil(n).max(1);
        let spread: Vec<(i64, i64)> = q.missed_beyond_name.iter().step_by(step).copied().collect();
        show("MISSED, SHOWING MORE THAN A NAME", &spread)?;
    }
    check_one_identity(&mut store)?;
    undo_merges(&mut store, &path)?;
    member_pane(&store)?;

    Ok(())
}

/// The member pane beside a thread (`Store::member_card`: accounts, organisation, other open
/// conversations, notes, follow-ups) for 300 conversations of every status, against reading
/// the same conversations' inbox rows (the baseline, measured here). Target ≤ 10 ms.
fn member_pane(store: &Store) -> Result<(), Box<dyn std::error::Error>> {
    let mut ids = Vec::new();
    for status in [Status::Open, Status::Waiting, Status::Done] {
        let page = store.inbox(
            &InboxQuery {
                status: Some(status),
                limit: Some(100),
                ..Default::default()
            },
            NOW,
        )?;
        ids.extend(page.items.iter().map(|i| i.id));
    }
    let (mut pane, mut row) = (Vec::new(), Vec::new());
    let mut shown = 0;
    for &id in &ids {
        let t = Instant::now();
        shown += usize::from(store.member_card(id, NOW)?.is_some());
        pane.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        store.conversation_item(id, NOW)?;
        row.push(t.elapsed().as_secs_f64());
    }
    let p95 = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times[((times.len() - 1) as f64 * 0.95) as usize] * 1000.0
    };
    let (pane_p50, pane_max) = p50_max(&mut pane);
    let (row_p50, _) = p50_max(&mut row);
    println!(
        "member pane ({} conversations, {shown} with a member): p50 {pane_p50:.2} ms, p95 {:.2} ms, max {pane_max:.2} ms; the inbox row alone p50 {row_p50:.2} ms, p95 {:.2} ms",
        ids.len(),
        p95(&mut pane),
        p95(&mut row)
    );
    Ok(())
}

/// Milliseconds at the median and the slowest of `times` (seconds).
fn p50_max(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize] * 1000.0;
    (at(0.5), at(1.0))
}

/// A new account that looks like a known member arrives with a sync: the ingest that checks it
/// against every member (keys, candidates, proof, scores) against the same ingest unchecked
/// (the baseline, measured here), one identity per batch as a sync of one new person is.
fn check_one_identity(store: &mut Store) -> Result<(), Box<dyn std::error::Error>> {
    let known = store.members(&MemberQuery {
        limit: Some(60),
        ..Default::default()
    })?;
    let account = store.ensure_account(Platform::Discord, "bench newcomers", None, None, NOW)?;
    let (mut checked, mut unchecked) = (Vec::new(), Vec::new());
    for (i, m) in known.items.iter().enumerate() {
        let one = |id: String| Batch {
            identities: vec![IncomingIdentity {
                external_id: id,
                handle: m.handles.first().cloned().unwrap_or_default(),
                display_name: Some(m.display_name.clone()),
                organization: m.organization.clone(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let t = Instant::now();
        store.ingest_bulk(account, &one(format!("twin{i}")), NOW)?;
        unchecked.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        store.ingest(account, &one(format!("new{i}")), NOW)?;
        checked.push(t.elapsed().as_secs_f64());
    }
    let (c50, cmax) = p50_max(&mut checked);
    let (u50, umax) = p50_max(&mut unchecked);
    println!(
        "one new identity ({} look-alikes of known members): ingest with the check p50 {c50:.2} ms (max {cmax:.2}); the same ingest unchecked p50 {u50:.2} ms (max {umax:.2}); the check adds {:.2} ms at the median",
        checked.len(),
        c50 - u50
    );
    Ok(())
}

/// Undoing merges: each of up to 30 merges on proof undone, against merging the two back (the
/// baseline, measured here).
fn undo_merges(
    store: &mut Store,
    path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let merges: Vec<(i64, i64, i64)> = rusqlite::Connection::open(path)?
        .prepare(
            "SELECT id, kept_member_id, absorbed_member_id FROM merges
             WHERE undone_at IS NULL AND how = 'proof' ORDER BY id LIMIT 30",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let (mut undo, mut again) = (Vec::new(), Vec::new());
    for (id, kept, absorbed) in &merges {
        let t = Instant::now();
        store.unmerge(*kept, Some(*id), NOW)?;
        undo.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        store.merge_members(*kept, *absorbed, "bench", NOW)?;
        again.push(t.elapsed().as_secs_f64());
    }
    if undo.is_empty() {
        println!("unmerge: no merge to undo at this size");
        return Ok(());
    }
    let (u50, umax) = p50_max(&mut undo);
    let (m50, mmax) = p50_max(&mut again);
    println!(
        "unmerge ({} merges on proof): p50 {u50:.2} ms (max {umax:.2}); merging them again p50 {m50:.2} ms (max {mmax:.2})",
        undo.len()
    );
    Ok(())
}
