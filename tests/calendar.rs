//! The content calendar's best time to post, on the demo community (whose busy windows are its
//! ground truth) and from the command line in another process.

use crate::common;

use common::{hearth, text, TestDb, NOW};
use hearth::demo::BUSY_WINDOWS;
use hearth::model::{BestTimes, DemoOptions, Platform};

/// Whether a named window (starting at `hour` on `weekday`, two hours long) holds the hour of
/// the week `busy` starts at.
fn holds(weekday: u8, hour: u8, busy: (u8, u8)) -> bool {
    let start = u32::from(weekday) * 24 + u32::from(hour);
    let busy = u32::from(busy.0) * 24 + u32::from(busy.1);
    (busy + 168 - start) % 168 < 2
}

fn busy_of(p: Platform) -> (u8, u8) {
    BUSY_WINDOWS
        .iter()
        .find(|(q, ..)| *q == p)
        .map(|&(_, d, h)| (d, h))
        .expect("every platform has a window in the demo")
}

fn demo_db() -> TestDb {
    let mut db = TestDb::new();
    hearth::demo::generate(&mut db.store, &DemoOptions::default(), NOW, &mut |_| {})
        .expect("the demo generates");
    db
}

#[test]
fn the_demo_s_best_times_are_its_busy_windows_and_thin_data_gets_no_made_up_time() {
    let db = demo_db();
    let answers: Vec<BestTimes> = db.store.best_times(90, NOW).unwrap();
    assert_eq!(
        answers[0].platform, None,
        "every platform together comes first"
    );
    let mut found = 0;
    for a in &answers[1..] {
        let p = a.platform.expect("then each platform");
        let busy = busy_of(p);
        if a.threads < hearth::calendar::best_time::MIN_THREADS {
            assert!(a.windows.is_empty() && a.week.is_empty(), "{p:?}");
            assert!(
                a.summary.starts_with("Not enough to go on yet on "),
                "{}",
                a.summary
            );
            continue;
        }
        assert_eq!(a.week.len(), 168);
        // every time named is the platform's window: none is made up by chance
        for w in &a.windows {
            assert!(
                holds(w.weekday, w.hour, busy),
                "{p:?}: {} (the community is around {busy:?})",
                w.explanation
            );
        }
        if let Some(best) = a.windows.first() {
            found += 1;
            assert_eq!(
                (best.weekday, best.hour),
                busy,
                "{p:?}: {}",
                best.explanation
            );
            assert!(best.ratio > 1.3, "{p:?}: {}", best.explanation);
            assert!(a.summary.starts_with("Best: "), "{}", a.summary);
            assert!(a
                .summary
                .contains(&format!("on {} in the last 90 days", p.label())));
        } else {
            assert!(
                a.summary.starts_with("No time stands out on "),
                "{}",
                a.summary
            );
        }
    }
    assert!(
        found >= 3,
        "the busier platforms' windows are found: {answers:#?}"
    );
    // together, the best window is one platform's
    let all = &answers[0];
    let best = all
        .windows
        .first()
        .expect("a best time over every platform");
    assert!(
        BUSY_WINDOWS
            .iter()
            .any(|&(_, d, h)| holds(best.weekday, best.hour, (d, h))),
        "{}",
        best.explanation
    );
    assert!(all.threads > answers[1].threads);
}

#[test]
fn a_workspace_without_threads_says_there_is_nothing_to_go_on() {
    let db = TestDb::new();
    let answers = db.store.best_times(90, NOW).unwrap();
    assert_eq!(answers.len(), 1, "only the every-platform answer");
    assert_eq!(
        answers[0].summary,
        "Not enough to go on yet: 0 threads started in the last 90 days; Hearth names a time \
         from 50 threads with replies."
    );
}

#[test]
fn hearth_calendar_best_time_answers_per_platform_in_words_and_json() {
    let db = demo_db();
    let path = db.path().to_path_buf();
    let out = hearth(&path)
        .args(["calendar", "best-time", "--platform", "discord"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.starts_with("Discord: Best: Tuesdays 15:00–17:00 UTC: threads started then got "),
        "{said}"
    );
    assert!(
        said.contains("your time)"),
        "the user's own time beside it: {said}"
    );
    assert!(
        !said.contains("GitHub"),
        "only the platform asked for: {said}"
    );

    let out = hearth(&path)
        .args(["calendar", "best-time", "--json", "--days", "30"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let answers: Vec<BestTimes> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(answers.len() > 3);
    assert!(answers.iter().all(|a| a.days == 30));

    let out = hearth(&path)
        .args(["calendar", "best-time", "--days", "3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("7..=730"), "{}", text(&out));
}
