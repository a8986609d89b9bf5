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
use hearth::model::{ConversationKind, Metrics, MetricsQuery, Millis, Platform};

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
    let ana: Vec<i64> = {
        let conn = rusqlite::Connection::open(db.path()).expect("the file");
        let mut q = conn
            .prepare("SELECT member_id FROM identities WHERE external_id IN ('ana', 'gh-ana') ORDER BY external_id")
            .expect("query");
        q.query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    db.store
        .merge_members(ana[0], ana[1], "test", NOW)
        .expect("merged");
    db
}

fn week(db: &TestDb, platform: Option<Platform>) -> Metrics {
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

#[test]
fn every_metric_matches_its_hand_worked_value() {
    let db = dataset();
    let m = week(&db, None);
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
    let db = dataset();
    let m = week(&db, None);
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
fn one_platform_counts_only_what_happened_there() {
    let db = dataset();
    let m = week(&db, Some(Platform::Github));
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
    let db = dataset();
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
    let db = dataset();
    let from = "2026-11-02 00:00";
    let out = common::hearth(&db.path())
        .env("TZ", "UTC")
        .args([
            "metrics",
            "--from",
            from,
            "--to",
            "2026-11-09 00:00",
            "--json",
        ])
        .output()
        .expect("hearth metrics runs");
    assert!(out.status.success(), "{}", common::text(&out));
    let json: Metrics = serde_json::from_slice(&out.stdout).expect("the figures as JSON");
    assert_eq!(json.from, T0);
    assert_eq!(json.current, week(&db, None).current);

    let out = common::hearth(&db.path())
        .env("TZ", "UTC")
        .args([
            "metrics",
            "--from",
            from,
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
        "Community health, 2 Nov 2026 – 9 Nov 2026 (7 days), Discord",
        "Active members                   4  (4 before, the same)",
        "  unanswered after a day  0 of 2 (0%)",
        "First answer              median 3 h, 90% within 8 h  (median 2 h before)",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
}
