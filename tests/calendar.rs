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
    let mastodon = db.account(Platform::Mastodon, "Lumen on Mastodon");
    db.store
        .create_calendar_item(
            &CalendarItemInput {
                title: title.into(),
                body: long.clone(),
                state: ContentState::Scheduled,
                scheduled_at: Some(at),
                source_conversation_id: None,
                variants: vec![VariantInput::new(
                    Platform::Mastodon,
                    "Lumen 3.2 is out, 3× faster.",
                )
                .on(mastodon)],
                recurrence: None,
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
                recurrence: None,
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

/// Events as Google Calendar and Outlook write them: a folded, escaped description, a weekly
/// call in Berlin's time, an all-day meetup, a cancelled event, and a Windows zone name.
const EVENTS_ICS: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
BEGIN:VEVENT\r
UID:launch-2026@example.org\r
DTSTART:20261210T150000Z\r
DTEND:20261210T160000Z\r
SUMMARY:Lumen 3.3 launch\\, live\r
DESCRIPTION:Join us for the launch. We'll demo the new image pipeline and a\r
 nswer questions\\; bring yours!\\nStream: https://lumen.dev/live\r
LOCATION:Online\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:call@example.org\r
DTSTART;TZID=Europe/Berlin:20261203T180000\r
DTEND;TZID=Europe/Berlin:20261203T190000\r
RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=20\r
SUMMARY:Community call\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:meetup@example.org\r
DTSTART;VALUE=DATE:20261212\r
SUMMARY:Berlin meetup\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cancelled@example.org\r
DTSTART:20261211T100000Z\r
STATUS:CANCELLED\r
SUMMARY:Old sync\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:outlook@example.org\r
DTSTART;TZID=W. Europe Standard Time:20261214T090000\r
SUMMARY:Partner sync\r
END:VEVENT\r
END:VCALENDAR\r
";

/// The N of "N new ideas" in what `hearth calendar import` said.
fn new_ideas_in(said: &str) -> u64 {
    said.split(" new ideas")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn items_by_title(db: &TestDb, title: &str) -> Vec<hearth::model::CalendarItem> {
    db.store
        .calendar(&hearth::model::CalendarRange {
            include_unscheduled: true,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .filter(|i| i.title == title)
        .collect()
}

fn utc_ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn events_from_an_ics_file_become_dated_ideas_in_their_zones_once_whatever_the_imports() {
    use hearth::model::ContentState;
    let mut db = TestDb::new();
    let file = db.dir.path().join("events.ics");
    std::fs::write(&file, EVENTS_ICS).unwrap();

    let r = db.store.import_calendar_ics(&file, NOW, 90).unwrap();
    assert_eq!(r.events, 5);
    assert_eq!((r.new, r.updated, r.unchanged), (14, 0, 0), "{r:?}");
    assert_eq!(
        r.skipped,
        [
            "Old sync: it is cancelled",
            "Partner sync: the time zone 'W. Europe Standard Time' is not one Hearth knows",
        ]
    );

    let launch = &items_by_title(&db, "Lumen 3.3 launch, live")[0];
    assert_eq!(launch.scheduled_at, Some(utc_ms("2026-12-10T15:00:00Z")));
    assert_eq!(launch.state, ContentState::Idea);
    assert_eq!(
        launch.body,
        "Join us for the launch. We'll demo the new image pipeline and answer questions; \
         bring yours!\nStream: https://lumen.dev/live\n\nWhere: Online",
        "unfolded and unescaped"
    );
    // every Thursday at 18:00 in Berlin (17:00 UTC in winter) for the next 90 days
    let calls = items_by_title(&db, "Community call");
    let times: Vec<i64> = calls.iter().filter_map(|c| c.scheduled_at).collect();
    assert_eq!(times.len(), 12, "Dec 3 to Feb 18");
    assert_eq!(times[0], utc_ms("2026-12-03T17:00:00Z"));
    assert_eq!(times[11], utc_ms("2027-02-18T17:00:00Z"));
    assert!(times.windows(2).all(|w| w[1] - w[0] == 7 * 86_400_000));
    // an all-day event starts at the day's start in the user's own zone
    let meetup = &items_by_title(&db, "Berlin meetup")[0];
    use chrono::TimeZone;
    let midnight = chrono::Local
        .with_ymd_and_hms(2026, 12, 12, 0, 0, 0)
        .earliest()
        .unwrap()
        .timestamp_millis();
    assert_eq!(meetup.scheduled_at, Some(midnight));

    // the same file again: nothing new
    let again = db.store.import_calendar_ics(&file, NOW, 90).unwrap();
    assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 14));

    // a changed event updates its idea; one someone made a draft of stays theirs
    let call = &calls[0];
    db.store
        .update_calendar_item(
            call.id,
            &hearth::model::CalendarItemInput {
                title: "Community call: the roadmap".into(),
                body: "Our agenda".into(),
                state: ContentState::Draft,
                scheduled_at: call.scheduled_at,
                source_conversation_id: None,
                variants: Vec::new(),
                recurrence: None,
            },
            NOW,
        )
        .unwrap();
    std::fs::write(
        &file,
        EVENTS_ICS
            .replace(
                "SUMMARY:Lumen 3.3 launch\\, live",
                "SUMMARY:Lumen 3.3 is out",
            )
            .replace(
                "SUMMARY:Community call",
                "SUMMARY:Community call (new room)",
            ),
    )
    .unwrap();
    let changed = db.store.import_calendar_ics(&file, NOW, 90).unwrap();
    assert_eq!(
        (changed.new, changed.updated, changed.unchanged),
        (0, 12, 2)
    );
    assert_eq!(items_by_title(&db, "Lumen 3.3 is out").len(), 1);
    assert_eq!(items_by_title(&db, "Community call (new room)").len(), 11);
    assert_eq!(items_by_title(&db, "Community call: the roadmap").len(), 1);
}

#[test]
fn a_file_that_is_not_icalendar_says_so_and_changes_nothing() {
    let mut db = TestDb::new();
    let file = db.dir.path().join("notes.ics");
    std::fs::write(&file, "Community call on Thursday\n").unwrap();
    let err = db.store.import_calendar_ics(&file, NOW, 90).unwrap_err();
    assert_eq!(
        err.to_string(),
        "notes.ics is not an iCalendar file: it does not begin with BEGIN:VCALENDAR"
    );
    std::fs::write(&file, "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n").unwrap();
    let err = db.store.import_calendar_ics(&file, NOW, 90).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("notes.ics cannot be read as iCalendar"),
        "{err}"
    );
    assert!(items_by_title(&db, "x").is_empty());
}

#[test]
fn hearth_calendar_import_says_what_it_made_and_what_it_left_out() {
    let db = TestDb::new();
    let file = db.dir.path().join("events.ics");
    std::fs::write(&file, EVENTS_ICS).unwrap();
    let path = db.path().to_path_buf();
    let out = hearth(&path)
        .args(["calendar", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    // (the weekly call's occurrences in the next 90 days depend on today)
    let made = new_ideas_in(&said);
    assert!(made >= 14, "{said}");
    assert!(said.contains(": 5 events, "), "{said}");
    assert!(
        said.contains(" new ideas, 0 updated, 0 unchanged."),
        "{said}"
    );
    assert!(
        said.contains("  left out: Old sync: it is cancelled"),
        "{said}"
    );
}

#[test]
fn posts_are_planned_changed_scheduled_and_removed_from_the_command_line() {
    let mut db = TestDb::new();
    db.account(Platform::Mastodon, "Lumen on Mastodon");
    db.account(Platform::Bluesky, "Lumen on Bluesky");
    let path = db.path().to_path_buf();
    let run = |args: &[&str]| {
        let out = hearth(&path).args(args).output().unwrap();
        (out.status.success(), text(&out))
    };
    let (ok, said) = run(&[
        "calendar",
        "add",
        "Lumen 3.3 is out",
        "--text",
        "Faster builds, AVIF, and i18n built in.",
        "--to",
        "Lumen on Mastodon=Lumen 3.3: 3× faster builds",
        "--json",
    ]);
    assert!(ok, "{said}");
    let item: hearth::model::CalendarItem = serde_json::from_str(&said).unwrap();
    assert_eq!(
        item.state,
        hearth::model::ContentState::Idea,
        "no date: an idea"
    );
    let id = item.id.to_string();

    let (ok, said) = run(&["calendar", "schedule", &id, "2026-12-10 15:00"]);
    assert!(ok, "{said}");
    assert!(
        said.starts_with(&format!("Scheduled {id} \"Lumen 3.3 is out\" (scheduled, ")),
        "{said}"
    );
    let (ok, said) = run(&[
        "calendar",
        "edit",
        &id,
        "--title",
        "Lumen 3.3",
        "--to",
        "Lumen on Bluesky=Lumen 3.3 🎉",
    ]);
    assert!(ok, "{said}");
    let listed = run(&["calendar", "list", "--json"]).1;
    let items: Vec<hearth::model::CalendarItem> = serde_json::from_str(&listed).unwrap();
    let it = &items[0];
    assert_eq!(it.title, "Lumen 3.3");
    assert_eq!(it.body, "Faster builds, AVIF, and i18n built in.");
    let mut platforms: Vec<_> = it.variants.iter().map(|v| v.platform).collect();
    platforms.sort_by_key(|p| p.as_str());
    assert_eq!(platforms, [Platform::Bluesky, Platform::Mastodon]);
    assert!(it.scheduled_at.is_some());

    // what cannot be done says why, and changes nothing
    let (ok, said) = run(&["calendar", "schedule", &id, "someday soonish"]);
    assert!(
        !ok && said.contains("cannot read the time 'someday soonish'"),
        "{said}"
    );
    let (ok, said) = run(&["calendar", "edit", &id, "--state", "posted"]);
    assert!(!ok && said.contains("'posted' is not a state"), "{said}");
    let long = format!("Lumen on Bluesky={}", "x".repeat(301));
    let (ok, said) = run(&["calendar", "edit", &id, "--to", &long]);
    assert!(!ok && said.contains("Bluesky allows 300"), "{said}");
    let (ok, said) = run(&["calendar", "edit", &id, "--version", "myspace=hi"]);
    assert!(
        !ok && said.contains("'myspace' is not a platform"),
        "{said}"
    );
    assert_eq!(run(&["calendar", "list", "--json"]).1, listed);

    let (ok, said) = run(&["calendar", "schedule", &id, "none"]);
    assert!(ok && said.contains("(draft)"), "{said}");
    let (ok, said) = run(&["calendar", "remove", &id]);
    assert!(ok && said.contains("Deleted"), "{said}");
    let (ok, said) = run(&["calendar", "remove", &id]);
    assert!(!ok && said.contains("does not exist"), "{said}");
}
