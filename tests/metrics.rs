//! Community metrics (issue 11) on a small fixed dataset whose every figure is worked out by
//! hand below, one case per metric — including Ana, who writes on Discord and on GitHub and is
//! counted once.
//!
//! The period is the week from `T0` (Monday 2026-11-02, UTC) to `T0 + 7 days`; the week before
//! it is the previous period, and the week before that tells who went quiet in it.
//!
//! | when | where | who | what |
//! |---|---|---|---|
//! | T0−10d | Discord #help, thread p0 | Dora | asks (the week before the previous) |
//! | T0−5d | Discord #help, thread p1 | Ben | asks |
//! | T0−5d+2h | p1 | Cai | answers |
//! | T0−3d | p1 | Ana (Discord) | "me too" |
//! | T0−2d | p1 | Finn | "+1" |
//! | T0+1d | Discord #help, thread c1 | Ana (Discord) | asks |
//! | T0+1d+30m | c1 | the team | answers |
//! | T0+1d+1h | c1 | Ana | thanks |
//! | T0+2d | Discord #help, thread c2 | Ben | asks |
//! | T0+2d+3h | c2 | Cai | answers |
//! | T0+3d | GitHub lumen/lumen, issue c3 | Ana (GitHub) | opens it; nobody answers |
//! | T0+6d+12h | Discord #general, thread c4 | Eve (first message ever) | asks |
//! | T0+6d+20h | c4 | the team | answers |
//! | T0+6d+20h30, 21h | c4 | Eve | twice more |

use crate::common;

use common::{message as msg, person, TestDb};
use hearth::health::sentiment::score;
use hearth::ingest::{Batch, IncomingConversation};
use hearth::model::{
    ConversationKind, Metrics, MetricsQuery, Millis, Platform, ResponseFigures, TriageAction,
    ViewDraft, ViewFilter,
};

const DAY: Millis = 24 * 60 * 60 * 1000;
const HOUR: Millis = 60 * 60 * 1000;
const MINUTE: Millis = 60 * 1000;
/// Monday 2026-11-02 00:00 UTC.
const T0: Millis = 1_793_577_600_000;
const NOW: Millis = T0 + 30 * DAY;

fn conv(id: &str, kind: ConversationKind, container: &str, at: Millis) -> IncomingConversation {
    IncomingConversation {
        external_id: id.into(),
        kind,
        title: Some(format!("Thread {id}")),
        container: Some(container.into()),
        url: None,
        created_at: at,
    }
}

/// The members' texts in the period, for the sentiment the figures must average.
const CURRENT_TEXTS: [&str; 8] = [
    "How do I pin the theme version?",
    "Thanks, that works!",
    "Is the nightly build broken on ARM?",
    "Yes, it works on x86 only for now.",
    "Build fails with Node 22",
    "Can I use Lumen for a wiki?",
    "Great, thank you so much 🎉",
    "Already set it up, love it",
];

fn dataset() -> TestDb {
    let mut db = TestDb::new();
    let discord = db.discord();
    let github = db.account(Platform::Github, "lumen/lumen");
    let t = &CURRENT_TEXTS;
    let discord_batch = Batch {
        identities: ["Ana", "Ben", "Cai", "Dora", "Eve", "Finn", "Team"]
            .iter()
            .map(|n| person(&n.to_lowercase(), n, None))
            .collect(),
        conversations: vec![
            conv("p0", ConversationKind::Thread, "#help", T0 - 10 * DAY),
            conv("p1", ConversationKind::Thread, "#help", T0 - 5 * DAY),
            conv("c1", ConversationKind::Thread, "#help", T0 + DAY),
            conv("c2", ConversationKind::Thread, "#help", T0 + 2 * DAY),
            conv(
                "c4",
                ConversationKind::Thread,
                "#general",
                T0 + 6 * DAY + 12 * HOUR,
            ),
        ],
        messages: vec![
            msg(
                "p0",
                "m0",
                "dora",
                "Where are the docs for plugins?",
                T0 - 10 * DAY,
            ),
            msg("p1", "m1", "ben", "Does 3.1 support AVIF?", T0 - 5 * DAY),
            msg(
                "p1",
                "m2",
                "cai",
                "Yes, since 3.1.2.",
                T0 - 5 * DAY + 2 * HOUR,
            ),
            msg("p1", "m3", "ana", "me too", T0 - 3 * DAY),
            msg("p1", "m4", "finn", "+1", T0 - 2 * DAY),
            msg("c1", "m5", "ana", t[0], T0 + DAY),
            msg(
                "c1",
                "m6",
                "team",
                "Set theme = \"x@1.2\".",
                T0 + DAY + 30 * MINUTE,
            ),
            msg("c1", "m7", "ana", t[1], T0 + DAY + HOUR),
            msg("c2", "m8", "ben", t[2], T0 + 2 * DAY),
            msg("c2", "m9", "cai", t[3], T0 + 2 * DAY + 3 * HOUR),
            msg("c4", "m11", "eve", t[5], T0 + 6 * DAY + 12 * HOUR),
            msg(
                "c4",
                "m12",
                "team",
                "Yes! See the wiki theme.",
                T0 + 6 * DAY + 20 * HOUR,
            ),
            msg(
                "c4",
                "m13",
                "eve",
                t[6],
                T0 + 6 * DAY + 20 * HOUR + 30 * MINUTE,
            ),
            msg("c4", "m14", "eve", t[7], T0 + 6 * DAY + 21 * HOUR),
        ],
        quarantined: Vec::new(),
    };
    db.store
        .ingest(discord, &discord_batch, NOW)
        .expect("Discord ingested");
    let github_batch = Batch {
        identities: vec![person("gh-ana", "Ana", None)],
        conversations: vec![conv(
            "c3",
            ConversationKind::Issue,
            "lumen/lumen",
            T0 + 3 * DAY,
        )],
        messages: vec![msg("c3", "m10", "gh-ana", t[4], T0 + 3 * DAY)],
        quarantined: Vec::new(),
    };
    db.store
        .ingest(github, &github_batch, NOW)
        .expect("GitHub ingested");
    // Ana on Discord and Ana on GitHub are one person
    merge(&mut db, "ana", "gh-ana");
    db
}

/// Merges the members behind two accounts (by their external ids).
fn merge(db: &mut TestDb, a: &str, b: &str) {
    let member = |external: &str| -> i64 {
        rusqlite::Connection::open(db.path())
            .expect("the file")
            .query_row(
                "SELECT member_id FROM identities WHERE external_id = ?1",
                [external],
                |r| r.get(0),
            )
            .expect("a member")
    };
    let (a, b) = (member(a), member(b));
    db.store.merge_members(a, b, "test", NOW).expect("merged");
}

fn week(db: &mut TestDb, platform: Option<Platform>) -> Metrics {
    db.store
        .metrics(
            &MetricsQuery {
                from: Some(T0),
                to: Some(T0 + 7 * DAY),
                platform,
            },
            NOW,
        )
        .expect("metrics")
}

fn views_of_week(db: &mut TestDb, platform: Option<Platform>) -> Vec<ResponseFigures> {
    db.store
        .response_by_view(
            &MetricsQuery {
                from: Some(T0),
                to: Some(T0 + 7 * DAY),
                platform,
            },
            NOW,
        )
        .expect("response times per view")
}

#[test]
fn every_metric_matches_its_hand_worked_value() {
    let mut db = dataset();
    let m = week(&mut db, None);
    let (c, p) = (&m.current, &m.previous);
    let mean_sentiment = CURRENT_TEXTS
        .iter()
        .map(|t| f64::from(score(t)))
        .sum::<f64>()
        / CURRENT_TEXTS.len() as f64;
    let cases: Vec<(&str, String, String)> = vec![
        // Ana (two accounts), Ben, Cai, Eve: four people; the team is not one of them
        ("active members", c.active_members.to_string(), "4".into()),
        ("new members (Eve)", c.new_members.to_string(), "1".into()),
        (
            "returning members (Ana, Ben, Cai)",
            c.returning_members.to_string(),
            "3".into(),
        ),
        ("going quiet (Finn)", c.going_quiet.to_string(), "1".into()),
        (
            "new and active (Eve, 3 messages)",
            c.new_and_active.to_string(),
            "1".into(),
        ),
        ("members' messages", c.messages.to_string(), "8".into()),
        (
            "questions (c1 c2 c3 c4)",
            c.questions.to_string(),
            "4".into(),
        ),
        ("answered (c1 c2 c4)", c.answered.to_string(), "3".into()),
        (
            "acknowledged (Ana in c1, Eve in c4)",
            c.acknowledged.to_string(),
            "2".into(),
        ),
        (
            "answers per question (3/4)",
            format!("{:?}", c.replies_per_question),
            "Some(0.75)".into(),
        ),
        (
            "people per thread (7/4)",
            format!("{:?}", c.participants_per_thread),
            "Some(1.75)".into(),
        ),
        (
            "median first answer (30m, 3h, 8h)",
            format!("{:?}", c.first_reply_median),
            format!("{:?}", Some(3 * HOUR)),
        ),
        (
            "90th percentile (3rd of 3)",
            format!("{:?}", c.first_reply_p90),
            format!("{:?}", Some(8 * HOUR)),
        ),
        (
            "team's median (30m, 8h)",
            format!("{:?}", c.team_first_reply_median),
            format!("{:?}", Some(4 * HOUR + 15 * MINUTE)),
        ),
        (
            "members' median (3h)",
            format!("{:?}", c.community_first_reply_median),
            format!("{:?}", Some(3 * HOUR)),
        ),
        (
            "questions a day old (c4 is not)",
            c.questions_a_day_old.to_string(),
            "3".into(),
        ),
        (
            "unanswered after a day (c3)",
            c.unanswered_after_a_day.to_string(),
            "1".into(),
        ),
        (
            "sentiment",
            format!("{:.4}", c.sentiment.unwrap_or(9.0)),
            format!("{mean_sentiment:.4}"),
        ),
        // the week before: Ben, Cai, Ana, Finn, all writing for the first time; Dora went quiet
        ("previous: active", p.active_members.to_string(), "4".into()),
        ("previous: new", p.new_members.to_string(), "4".into()),
        (
            "previous: going quiet (Dora)",
            p.going_quiet.to_string(),
            "1".into(),
        ),
        (
            "previous: questions (p1)",
            p.questions.to_string(),
            "1".into(),
        ),
        (
            "previous: answers (Cai, Ana, Finn)",
            format!("{:?}", p.replies_per_question),
            "Some(3.0)".into(),
        ),
        (
            "previous: first answer (2h)",
            format!("{:?}", p.first_reply_median),
            format!("{:?}", Some(2 * HOUR)),
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(_, got, want)| got != want)
        .map(|(what, got, want)| format!("{what}: {got}, worked out {want}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_series_and_lists_match_their_hand_worked_values() {
    let mut db = dataset();
    let m = week(&mut db, None);
    assert_eq!(m.days.len(), 7, "one row a day");
    let day1 = &m.days[1];
    assert_eq!(
        (day1.day, day1.active_members, day1.messages),
        (T0 + DAY, 1, 2)
    );
    let day6 = &m.days[6];
    assert_eq!(
        (day6.active_members, day6.new_members, day6.messages),
        (1, 1, 3)
    );
    assert_eq!(m.weeks.len(), 1);
    assert_eq!((m.weeks[0].start, m.weeks[0].value), (T0, 4));
    // the week before: Ben, Cai, Ana and Finn in p1 (Dora wrote ten days before T0)
    assert_eq!(
        m.previous_weeks
            .iter()
            .map(|w| (w.start, w.value))
            .collect::<Vec<_>>(),
        [(T0 - 7 * DAY, 4)]
    );
    assert_eq!(m.months.len(), 1, "all in November");
    assert_eq!(m.months[0].value, 4);

    let on: Vec<(Option<Platform>, u32, u32)> = m
        .by_platform
        .iter()
        .map(|r| (r.platform, r.questions, r.unanswered_after_a_day))
        .collect();
    assert_eq!(
        on,
        [
            (Some(Platform::Discord), 3, 0),
            (Some(Platform::Github), 1, 1)
        ]
    );
    let help = m
        .by_channel
        .iter()
        .find(|r| r.channel.as_deref() == Some("#help"))
        .expect("#help");
    assert_eq!(
        (help.questions, help.first_reply_median),
        (2, Some(HOUR + 45 * MINUTE))
    );

    let channels: Vec<(&str, u32, u32)> = m
        .top_channels
        .iter()
        .map(|c| (c.channel.as_str(), c.messages, c.members))
        .collect();
    assert_eq!(
        channels,
        [("#help", 4, 3), ("#general", 3, 1), ("lumen/lumen", 1, 1)]
    );
    let top = &m.top_contributors;
    let ana = top.iter().find(|c| c.name == "Ana").expect("Ana");
    assert_eq!(ana.messages, 3, "her Discord and GitHub messages together");
    assert_eq!(
        ana.platforms,
        [(Platform::Discord, 2), (Platform::Github, 1)]
    );
    assert_eq!(ana.questions, 2);
    let cai = top.iter().find(|c| c.name == "Cai").expect("Cai");
    assert_eq!((cai.messages, cai.questions, cai.answers), (1, 0, 1));
}

#[test]
fn response_times_per_inbox_view_match_their_hand_worked_values() {
    let mut db = dataset();
    // a saved view of #help with a one-hour target, and one of the conversations tagged "bug"
    for (name, filter, hours) in [
        (
            "Help desk",
            ViewFilter {
                channel: Some("#help".into()),
                ..ViewFilter::default()
            },
            Some(1),
        ),
        (
            "Bugs",
            ViewFilter {
                tag: Some("bug".into()),
                any_status: Some(true),
                ..ViewFilter::default()
            },
            None,
        ),
    ] {
        db.store
            .add_view(
                &ViewDraft {
                    name: name.into(),
                    letter: None,
                    filter,
                    reply_target_hours: hours,
                },
                NOW,
            )
            .expect("a view");
    }
    let c3: i64 = rusqlite::Connection::open(db.path())
        .expect("the file")
        .query_row(
            "SELECT id FROM conversations WHERE external_id = 'c3'",
            [],
            |r| r.get(0),
        )
        .expect("c3");
    db.store
        .triage(c3, &TriageAction::Tag { tag: "bug".into() }, NOW)
        .expect("tagged");
    // c1 and c2 are done now: a view counts its questions whatever their state
    let done: Vec<i64> = rusqlite::Connection::open(db.path())
        .expect("the file")
        .prepare("SELECT id FROM conversations WHERE external_id IN ('c1', 'c2')")
        .expect("a query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("ids");
    for id in done {
        db.store.triage(id, &TriageAction::Done, NOW).expect("done");
    }

    let by_view = views_of_week(&mut db, None);
    let view = |name: &str| {
        by_view
            .iter()
            .find(|r| r.view.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {by_view:#?}"))
    };
    // #help: c1 answered by the team in 30 min, c2 by Cai in 3 h; one within the hour
    let help = view("Help desk");
    assert_eq!(
        (
            help.questions,
            help.answered,
            help.first_reply_median,
            help.reply_target,
            help.within_target,
            help.unanswered_after_a_day
        ),
        (2, 2, Some(HOUR + 45 * MINUTE), Some(HOUR), 1, 0)
    );
    // the bug: Ana's GitHub issue, never answered
    let bugs = view("Bugs");
    assert_eq!(
        (bugs.questions, bugs.answered, bugs.unanswered_after_a_day),
        (1, 0, 1)
    );
    // the queue's states say nothing of their own: every question is in one of them
    let names: Vec<&str> = by_view.iter().filter_map(|r| r.view.as_deref()).collect();
    for state in ["Inbox", "Waiting", "Snoozed", "Done"] {
        assert!(!names.contains(&state), "{names:?}");
    }
    // a view with no question in the period is not listed
    assert!(!names.contains(&"Mentions"), "{names:?}");

    // one platform: only its questions
    let github = views_of_week(&mut db, Some(Platform::Github));
    assert!(
        github
            .iter()
            .all(|r| r.view.as_deref() != Some("Help desk")),
        "{github:#?}"
    );
    assert_eq!(
        github
            .iter()
            .find(|r| r.view.as_deref() == Some("Bugs"))
            .map(|r| r.questions),
        Some(1)
    );
}

#[test]
fn each_day_chart_compares_with_the_same_days_of_the_period_before() {
    let mut db = dataset();
    let m = week(&mut db, None);
    let before = db
        .store
        .metrics(
            &MetricsQuery {
                from: Some(T0 - 7 * DAY),
                to: Some(T0),
                platform: None,
            },
            NOW,
        )
        .expect("metrics");
    assert_eq!(m.previous_days.len(), 7, "as many days as the period");
    assert_eq!(
        m.previous_days, before.days,
        "the period before, as its own chart has it"
    );
    assert_eq!(m.previous_days[0].day, T0 - 7 * DAY);
    // and the previous period's totals agree with its days
    let messages: u32 = m.previous_days.iter().map(|d| d.messages).sum();
    assert!(
        messages > 0,
        "the dataset has a week before: {:?}",
        m.previous_days
    );
    assert_eq!(u64::from(messages), u64::from(m.previous.messages));
}

#[test]
fn one_platform_counts_only_what_happened_there() {
    let mut db = dataset();
    let m = week(&mut db, Some(Platform::Github));
    // Ana's first message on GitHub is in this week: new there, though not new to the community
    assert_eq!(
        (
            m.current.active_members,
            m.current.new_members,
            m.current.questions
        ),
        (1, 1, 1)
    );
    assert_eq!(m.current.unanswered_after_a_day, 1);
    assert_eq!(m.previous.active_members, 0);
}

#[test]
fn a_period_that_ends_before_it_starts_is_refused_in_words() {
    let mut db = dataset();
    let err = db
        .store
        .metrics(
            &MetricsQuery {
                from: Some(T0),
                to: Some(T0 - DAY),
                platform: None,
            },
            NOW,
        )
        .expect_err("refused");
    assert!(
        err.to_string().contains("the period ends before it starts"),
        "{err}"
    );
}

#[test]
fn hearth_metrics_prints_the_figures_and_gives_them_whole_as_json() {
    let mut db = dataset();
    // dates are UTC days, wherever the computer is; a bare date as the end is included
    let out = common::hearth(&db.path())
        .env("TZ", "Asia/Tokyo")
        .args([
            "metrics",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--json",
        ])
        .output()
        .expect("hearth metrics runs");
    assert!(out.status.success(), "{}", common::text(&out));
    let json: Metrics = serde_json::from_slice(&out.stdout).expect("the figures as JSON");
    assert_eq!((json.from, json.to), (T0, T0 + 7 * DAY));
    assert_eq!(json.current, week(&mut db, None).current);
    let whole: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        whole["byView"],
        serde_json::to_value(views_of_week(&mut db, None)).expect("JSON"),
        "and the response times per view beside them"
    );

    let out = common::hearth(&db.path())
        .env("TZ", "UTC")
        .args([
            "metrics",
            "--from",
            "2026-11-02 00:00",
            "--to",
            "2026-11-09 00:00",
            "--platform",
            "discord",
        ])
        .output()
        .expect("hearth metrics runs");
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    for line in [
        "Community health, 2 Nov 2026 – 8 Nov 2026 (7 days), Discord",
        "Active members                   4  (4 before, the same)",
        "  unanswered after a day  0 of 2 (0%)",
        "First answer              median 3 h, 90% within 8 h  (median 2 h before)",
        "  Cai                         1 answered first, 0 thanked, 1 answers in all",
        "  Oct 2026      5 new  100%  60%",
        "Response by inbox view (its conversations, whatever their state now)",
        "  First-timers            1 questions, first answer median 8 h",
        "  Nov 2026      1 new  100%",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
}

#[test]
fn the_helpers_are_the_members_who_answered_first() {
    // In the week: the team answered Ana and Eve first; Cai answered Ben first, and Ben did
    // not come back after. Cai's answer to Ben the week before is the previous period's.
    let mut db = dataset();
    let m = week(&mut db, None);
    let helpers: Vec<(&str, u32, u32, u32)> = m
        .helpers
        .iter()
        .map(|h| (h.name.as_str(), h.first_answers, h.thanked, h.answers))
        .collect();
    assert_eq!(helpers, vec![("Cai", 1, 0, 1)]);
}

#[test]
fn advocates_include_the_members_who_shared_links() {
    let mut db = dataset();
    let discord = db.discord();
    let at = T0 + 4 * DAY;
    let batch = Batch {
        identities: Vec::new(),
        conversations: vec![conv("s1", ConversationKind::Channel, "#showcase", at)],
        messages: vec![
            msg(
                "s1",
                "l1",
                "finn",
                "Wrote a tutorial: https://finn.example/lumen-i18n",
                at,
            ),
            msg(
                "s1",
                "l2",
                "finn",
                "and a theme at www.finn.example/theme",
                at + HOUR,
            ),
            msg(
                "s1",
                "l3",
                "cai",
                "Nice! see also http://cai.example/notes",
                at + 2 * HOUR,
            ),
            // the team's own link, and a message with no link: not content shared by members
            msg(
                "s1",
                "l4",
                "team",
                "Featured in https://lumen.dev/blog",
                at + 3 * HOUR,
            ),
            msg("s1", "l5", "finn", "no link here", at + 4 * HOUR),
            // last week's link is the previous period's
            msg("s1", "l6", "finn", "https://finn.example/old", T0 - 2 * DAY),
        ],
        quarantined: Vec::new(),
    };
    db.store.ingest(discord, &batch, NOW).expect("ingested");
    let m = week(&mut db, None);
    let advocates: Vec<(&str, u32, u32)> = m
        .helpers
        .iter()
        .map(|h| (h.name.as_str(), h.first_answers, h.shared))
        .collect();
    assert_eq!(
        advocates,
        vec![("Cai", 1, 1), ("Finn", 0, 2)],
        "who answered first leads; who shared links follows"
    );
    // on GitHub alone, nobody shared
    let github = week(&mut db, Some(Platform::Github));
    assert!(github.helpers.iter().all(|h| h.shared == 0));
    // a deleted message's link no longer counts
    let mut gone = batch.clone();
    gone.messages.retain(|m| m.external_id == "l2");
    gone.messages[0].deleted_at = Some(NOW);
    db.store.ingest(discord, &gone, NOW).expect("deleted");
    let m = week(&mut db, None);
    let finn = m.helpers.iter().find(|h| h.name == "Finn").expect("Finn");
    assert_eq!(finn.shared, 1);
}

#[test]
fn retention_by_monthly_cohort_matches_its_hand_worked_table() {
    // The six months up to November 2026, the period's month. Dora, Ben, Cai, Ana (on Discord;
    // her GitHub account first wrote later) and Finn first wrote in October; of them Ana, Ben
    // and Cai wrote again in November. Eve first wrote in November. The team is no cohort.
    let mut db = dataset();
    let m = week(&mut db, None);
    let month = |mo: u32| -> Millis {
        use chrono::TimeZone;
        chrono::Utc
            .with_ymd_and_hms(2026, mo, 1, 0, 0, 0)
            .single()
            .expect("a month")
            .timestamp_millis()
    };
    let table: Vec<(Millis, u32, Vec<u32>)> = m
        .cohorts
        .iter()
        .map(|c| (c.month, c.members, c.active.clone()))
        .collect();
    assert_eq!(
        table,
        vec![
            (month(6), 0, vec![0; 6]),
            (month(7), 0, vec![0; 5]),
            (month(8), 0, vec![0; 4]),
            (month(9), 0, vec![0; 3]),
            (month(10), 5, vec![5, 3]),
            (month(11), 1, vec![1]),
        ]
    );
    // on GitHub alone, Ana's first message there is in November
    let github = week(&mut db, Some(Platform::Github));
    let last = github.cohorts.last().expect("November");
    assert_eq!(
        (last.month, last.members, &last.active),
        (month(11), 1, &vec![1])
    );
    assert!(github.cohorts[..5].iter().all(|c| c.members == 0));
}

#[test]
fn a_chart_saved_as_csv_holds_the_numbers_it_draws() {
    let mut db = dataset();
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("messages.csv");
    let week = MetricsQuery {
        from: Some(T0),
        to: Some(T0 + 7 * DAY),
        platform: None,
    };
    db.store
        .export_chart_csv(&week, hearth::model::HealthChart::Messages, &path, NOW)
        .expect("saved");
    // Ana twice on the 3rd, Ben and Cai on the 4th, Ana on GitHub on the 5th, Eve three times
    // on the 8th; the team's answers are not counted. The week before, beside it: Ben and Cai
    // on Oct 28, Ana on the 30th, Finn on the 31st.
    assert_eq!(
        std::fs::read_to_string(&path).expect("the file"),
        "day,messages,day before,messages before\r\n2026-11-02,0,2026-10-26,0\r\n\
         2026-11-03,2,2026-10-27,0\r\n2026-11-04,2,2026-10-28,2\r\n2026-11-05,1,2026-10-29,0\r\n\
         2026-11-06,0,2026-10-30,1\r\n2026-11-07,0,2026-10-31,1\r\n2026-11-08,3,2026-11-01,0\r\n"
    );
    let wrong = dir.path().join("messages.txt");
    let err = db
        .store
        .export_chart_csv(&week, hearth::model::HealthChart::Messages, &wrong, NOW)
        .expect_err("not a .csv");
    assert!(err.to_string().contains("does not end in .csv"), "{err}");
    assert!(!wrong.exists());
}

/// Everything the roll-ups hold, in a fixed order, to compare two databases by.
type Rolled = (
    Vec<(i64, String, String, Vec<u8>)>,
    Vec<(i64, i64)>,
    Vec<String>,
);

fn rolled_up(path: &std::path::Path) -> Rolled {
    let conn = rusqlite::Connection::open(path).expect("the file");
    let days = conn
        .prepare("SELECT day, platform, channel, writers FROM health_days ORDER BY 1, 2, 3")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let firsts = conn
        .prepare("SELECT identity_id, first_at FROM health_firsts ORDER BY 1")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let questions = conn
        .prepare(
            "SELECT message_id || ' ' || conversation_id || ' ' || at || ' ' || platform || ' '
                    || channel || ' ' || asker || ' ' || coalesce(asker_last_at, '-') || ' '
                    || hex(later)
             FROM health_questions ORDER BY message_id",
        )
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    (days, firsts, questions)
}

/// The roll-ups as they are, beside the same database's worked out from nothing.
fn kept_and_from_scratch(db: &mut TestDb) -> (Rolled, Rolled) {
    db.store.refresh_rollups().expect("refreshed");
    let kept = rolled_up(&db.path());
    let dir = tempfile::tempdir().expect("a folder");
    let copy = dir.path().join("copy.db");
    let conn = rusqlite::Connection::open(db.path()).expect("the file");
    conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])
        .expect("copied");
    rusqlite::Connection::open(&copy)
        .expect("the copy")
        .execute_batch(
            "DELETE FROM health_days; DELETE FROM health_firsts; DELETE FROM health_questions;
             INSERT OR IGNORE INTO health_dirty (day, conversation_id)
             SELECT DISTINCT created_at - created_at % 86400000, conversation_id FROM messages;",
        )
        .expect("roll-ups cleared");
    let mut store = hearth::store::Store::open(&copy).expect("the copy opens");
    store.refresh_rollups().expect("worked out");
    (kept, rolled_up(&copy))
}

fn ingest(db: &mut TestDb, account: i64, messages: Vec<hearth::ingest::IncomingMessage>) {
    db.store
        .ingest(
            account,
            &Batch {
                messages,
                ..Default::default()
            },
            NOW,
        )
        .expect("ingested");
}

#[test]
fn the_roll_ups_follow_every_change_to_the_messages() {
    let mut db = dataset();
    let discord = db.discord();
    // a chat channel, where a question is a message ending in "?" and its answers reply to it
    let mut answer = msg(
        "general",
        "g2",
        "cai",
        "Use the CLI flag.",
        T0 + 4 * DAY + HOUR,
    );
    answer.reply_to_external_id = Some("g1".into());
    db.store
        .ingest(
            discord,
            &Batch {
                conversations: vec![conv(
                    "general",
                    ConversationKind::Channel,
                    "#lounge",
                    T0 - 20 * DAY,
                )],
                messages: vec![
                    msg("general", "g1", "finn", "How do I export?", T0 + 4 * DAY),
                    answer,
                    msg(
                        "general",
                        "g3",
                        "finn",
                        "got it, thanks",
                        T0 + 4 * DAY + 2 * HOUR,
                    ),
                ],
                ..Default::default()
            },
            NOW,
        )
        .expect("ingested");
    let (kept, scratch) = kept_and_from_scratch(&mut db);
    assert_eq!(kept, scratch, "after the first sync");
    assert!(!kept.0.is_empty() && !kept.1.is_empty() && kept.2.len() >= 6);

    // an edit that changes how a message reads and stops it asking, a deletion, and a
    // message backfill finds was written earlier than it seemed (another day)
    let mut edited = msg(
        "general",
        "g1",
        "finn",
        "Exporting works now.",
        T0 + 4 * DAY,
    );
    edited.edited_at = Some(T0 + 5 * DAY);
    let mut deleted = msg("c4", "m14", "eve", "", T0 + 6 * DAY + 21 * HOUR);
    deleted.deleted_at = Some(T0 + 7 * DAY);
    let earlier = msg("p1", "m4", "finn", "+1", T0 - 4 * DAY);
    ingest(&mut db, discord, vec![edited, deleted, earlier]);
    let (kept, scratch) = kept_and_from_scratch(&mut db);
    assert_eq!(kept, scratch, "after an edit, a deletion and a move");

    // scores given later, to messages synced before sentiment was kept
    rusqlite::Connection::open(db.path())
        .expect("the file")
        .execute(
            "UPDATE messages SET sentiment = NULL WHERE external_id = 'm9'",
            [],
        )
        .expect("cleared");
    let (kept, scratch) = kept_and_from_scratch(&mut db);
    assert_eq!(kept, scratch, "with a message unscored");
    db.store.score_unscored(1_000).expect("scored");
    let (kept, scratch) = kept_and_from_scratch(&mut db);
    assert_eq!(kept, scratch, "after scoring");

    // a member forgotten (their messages blanked and moved to a placeholder), then an
    // account removed with everything it synced
    let eve: i64 = rusqlite::Connection::open(db.path())
        .expect("the file")
        .query_row(
            "SELECT member_id FROM identities WHERE external_id = 'eve'",
            [],
            |r| r.get(0),
        )
        .expect("Eve");
    db.store.forget_member(eve, NOW).expect("forgotten");
    let (kept, scratch) = kept_and_from_scratch(&mut db);
    assert_eq!(kept, scratch, "after a member is forgotten");
    let github = db.account(Platform::Github, "lumen/lumen");
    db.store.remove_account(github).expect("removed");
    let (kept, scratch) = kept_and_from_scratch(&mut db);
    assert_eq!(kept, scratch, "after an account is removed");
    assert!(
        kept.0.iter().all(|d| d.1 != "github"),
        "nothing of the removed account is counted"
    );
}

#[test]
fn figures_follow_a_deletion_a_merge_and_the_team_without_a_full_recount() {
    let mut db = dataset();
    let before = week(&mut db, None);
    assert_eq!(before.current.new_and_active, 1, "Eve wrote three times");

    // Eve's last message is deleted on the platform: she wrote twice in the period
    let discord = db.discord();
    let mut deleted = msg("c4", "m14", "eve", "", T0 + 6 * DAY + 21 * HOUR);
    deleted.deleted_at = Some(T0 + 7 * DAY);
    ingest(&mut db, discord, vec![deleted]);
    let after = week(&mut db, None);
    assert_eq!(after.current.new_and_active, 0);
    assert_eq!(after.current.messages, before.current.messages - 1);

    // Ben and Cai turn out to be one person: one active member fewer, at once
    merge(&mut db, "ben", "cai");
    assert!(
        !db.store.rollups_stale().expect("read"),
        "a merge changes no roll-up"
    );
    let merged = week(&mut db, None);
    assert_eq!(
        merged.current.active_members,
        after.current.active_members - 1
    );
    // Cai answering Ben's question was Ben answering himself: no longer an answer
    assert_eq!(merged.current.answered, after.current.answered - 1);
}

#[test]
fn two_processes_asking_for_the_figures_at_once_both_get_them() {
    let db = dataset();
    // nothing is rolled up yet: both processes find the work to do and take turns at it
    let spawn = || {
        common::hearth(&db.path())
            .args([
                "metrics",
                "--from",
                "2026-11-02",
                "--to",
                "2026-11-08",
                "--json",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("hearth runs")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (
        a.wait_with_output().expect("it ends"),
        b.wait_with_output().expect("it ends"),
    );
    assert!(a.status.success(), "{}", common::text(&a));
    assert!(b.status.success(), "{}", common::text(&b));
    let (a, b): (Metrics, Metrics) = (
        serde_json::from_slice(&a.stdout).expect("JSON"),
        serde_json::from_slice(&b.stdout).expect("JSON"),
    );
    assert_eq!(a.current, b.current);
    assert_eq!(a.current.active_members, 4);
}
