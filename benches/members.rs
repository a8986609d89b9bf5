//! Who is who, measured: the demo community (with its hard cases: nicknames, other scripts,
//! misspellings, swapped names, shared family and team addresses, namesakes, placeholders) is
//! generated with its ground truth, and the automatic merges and the suggestions are compared
//! with it. Then the time to work out every suggestion, to check one new identity, and to undo a
//! merge. Prints figures; asserts nothing about time.
//!
//! `HEARTH_BENCH_MEMBERS` (default 100000) and `HEARTH_BENCH_MESSAGES` (default 300000) set the
//! size.

use std::time::Instant;

use hearth::model::DemoOptions;
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
    let report = store.resolve_members(NOW, &mut |_| {})?;
    let all = t.elapsed().as_secs_f64();
    println!(
        "resolve_members (every suggestion again): {all:.2} s for {} identities, {} candidate pairs, {} suggestions",
        report.identities, report.candidate_pairs, report.suggestions
    );

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
    }
    if std::env::var_os("HEARTH_BENCH_SHOW").is_some() {
        let q = truth.measure(&store, 0.8)?;
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
                let s = store.merge_suggestions(0.0, 100_000)?;
                if let Some(s) = s
                    .iter()
                    .find(|s| (s.a.id, s.b.id) == (*a.min(b), *a.max(b)))
                {
                    for r in &s.reasons {
                        println!("    {:+.1} {}", r.weight, r.text);
                    }
                }
            }
            Ok(())
        };
        show("WRONG", &q.wrong_examples)?;
        show("MISSED", &q.missed_examples)?;
    }
    Ok(())
}
