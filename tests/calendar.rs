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

/// A text value as RFC 5545 escapes it, read back.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn property<'a>(event: &'a ical::parser::ical::component::IcalEvent, name: &str) -> &'a str {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
        .unwrap_or_else(|| panic!("the event has {name}"))
}

#[test]
fn the_calendar_exports_as_ics_that_another_parser_reads_back_the_same() {
    use hearth::model::{CalendarItemInput, ContentState, VariantInput};
    let mut db = TestDb::new();
    // 2026-12-03 15:30 UTC
    let at = 1_796_311_800_000;
    let long = "Lumen 3.2 is out; builds are 3× faster, AVIF works, and the i18n plugin is \
                built in.\nRead the notes — and tell us what you think! 🎉"
        .to_string();
    let title = "Release: Lumen 3.2, at last; 🎉";
    db.store
        .create_calendar_item(
            &CalendarItemInput {
                title: title.into(),
                body: long.clone(),
                state: ContentState::Scheduled,
                scheduled_at: Some(at),
                source_conversation_id: None,
                variants: vec![VariantInput {
                    platform: Platform::Mastodon,
                    body: "Lumen 3.2 is out, 3× faster.".into(),
                }],
            },
            NOW,
        )
        .unwrap();
    db.store
        .create_calendar_item(
            &CalendarItemInput {
                title: "Spotlight Maria".into(),
                body: String::new(),
                state: ContentState::Idea,
                scheduled_at: None,
                source_conversation_id: None,
                variants: Vec::new(),
            },
            NOW,
        )
        .unwrap();
    let path = db.path();
    let file = db.dir.path().join("lumen.ics");
    let out = hearth(&path)
        .args(["calendar", "export", "--ics"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        text(&out).trim(),
        format!(
            "Wrote 1 event to {} (1 idea without a date is not in it).",
            file.display()
        )
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.lines().all(|l| l.len() <= 75),
        "lines are folded at 75 octets"
    );
    assert!(written.contains("\r\n"), "lines end in CRLF");

    let calendars: Vec<_> =
        ical::IcalParser::new(std::io::BufReader::new(std::fs::File::open(&file).unwrap()))
            .collect::<Result<_, _>>()
            .expect("another parser reads the file");
    assert_eq!(calendars.len(), 1);
    let prodid: Vec<_> = calendars[0]
        .properties
        .iter()
        .filter(|p| p.name == "PRODID")
        .filter_map(|p| p.value.clone())
        .collect();
    assert_eq!(prodid, ["-//Hearth//Content calendar//EN"]);
    let events = &calendars[0].events;
    assert_eq!(events.len(), 1, "the undated idea is not an event");
    let e = &events[0];
    assert_eq!(unescape(property(e, "SUMMARY")), title);
    assert_eq!(property(e, "DTSTART"), "20261203T153000Z");
    assert_eq!(property(e, "DTEND"), "20261203T154500Z");
    assert_eq!(property(e, "STATUS"), "CONFIRMED");
    assert_eq!(unescape(property(e, "CATEGORIES")), "Scheduled,Mastodon");
    assert_eq!(
        unescape(property(e, "DESCRIPTION")),
        format!("{long}\n\nMastodon: Lumen 3.2 is out, 3× faster.")
    );
    let uid = property(e, "UID").to_string();

    // printed, a moment later: the same event under the same UID, so a calendar program
    // updates it rather than adding a copy
    let out = hearth(&path).args(["calendar", "export"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let again: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(&out.stdout[..]))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(property(&again[0].events[0], "UID"), uid);

    // a file that cannot be written says so and leaves nothing behind
    let nowhere = db.dir.path().join("missing").join("lumen.ics");
    let out = hearth(&path)
        .args(["calendar", "export", "--ics"])
        .arg(&nowhere)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("cannot write"), "{}", text(&out));
    assert!(!db.dir.path().join("missing").exists());
}
