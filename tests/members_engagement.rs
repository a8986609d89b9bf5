//! Engagement, segments and follow-up reminders (issue 8): scores ordered as a person would
//! expect, explained in words; the two flags; saved segments that filter, count and last; and
//! reminders that reach the inbox when due, snooze and finish like a conversation, and follow a
//! member through a merge and back.

use crate::common;

use common::*;
use hearth::demo::showcase;
use hearth::ingest::{Batch, IncomingConversation, IncomingIdentity};
use hearth::model::{
    ActivityFilter, ConversationKind, DemoOptions, EngagementLevel, FieldMatch, InboxQuery,
    MemberQuery, MemberSort, Millis, Platform, SegmentFilter, Status, Trend,
};
use hearth::Store;

/// A conversation started by `author` at `at`, with `replies` more messages by them an hour
/// apart (the first is a thread started, the others replies).
fn thread_by(
    batch: &mut Batch,
    conv: &str,
    kind: ConversationKind,
    author: &str,
    at: Millis,
    replies: usize,
) {
    batch.conversations.push(IncomingConversation {
        kind,
        ..thread(conv, &format!("Thread {conv}"), at)
    });
    for i in 0..=replies {
        batch.messages.push(message(
            conv,
            &format!("{conv}-{i}"),
            author,
            "words",
            at + i as Millis * HOUR,
        ));
    }
}

/// `author` replying in someone else's conversation `conv` at each of `times`.
fn replies_in(batch: &mut Batch, conv: &str, author: &str, times: &[Millis]) {
    for (i, at) in times.iter().enumerate() {
        batch.messages.push(message(
            conv,
            &format!("{conv}-{author}-{i}"),
            author,
            "an answer",
            *at,
        ));
    }
}

fn id_of(store: &Store, name: &str) -> i64 {
    let page = store
        .members(&MemberQuery {
            q: Some(name.into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.items.len(), 1, "one member named {name}");
    page.items[0].id
}

/// Olga wrote a lot ten months ago; Rita started three threads and answered this week; Quinn
/// answered once three months ago; twenty others answered once in the last four days.
fn community(db: &mut TestDb) -> i64 {
    let discord = db.discord();
    let mut b = Batch {
        identities: vec![
            person("olga", "Olga Prolific", None),
            person("rita", "Rita Recent", None),
            person("quinn", "Quinn Quiet", None),
            person("team", "Lumen Team", None),
        ],
        ..Default::default()
    };
    for i in 0..10 {
        thread_by(
            &mut b,
            &format!("olga{i}"),
            ConversationKind::Thread,
            "olga",
            NOW - (300 - 5 * i) * DAY,
            5,
        );
    }
    for i in 0..3 {
        thread_by(
            &mut b,
            &format!("rita{i}"),
            ConversationKind::Thread,
            "rita",
            NOW - (9 - 3 * i) * DAY,
            0,
        );
    }
    replies_in(
        &mut b,
        "olga9",
        "rita",
        &[NOW - 2 * DAY, NOW - DAY, NOW - 5 * HOUR, NOW - HOUR],
    );
    replies_in(&mut b, "olga0", "quinn", &[NOW - 100 * DAY]);
    for i in 0..20 {
        let who = format!("filler{i}");
        b.identities
            .push(person(&who, &format!("Filler Person{i}"), None));
        replies_in(&mut b, "rita0", &who, &[NOW - (i + 1) * 5 * HOUR]);
    }
    db.store.ingest(discord, &b, NOW).unwrap();
    discord
}

#[test]
fn a_recent_active_member_scores_above_an_old_prolific_one_and_the_explanation_says_why() {
    let mut db = TestDb::new();
    community(&mut db);
    let report = db.store.compute_engagement(NOW).unwrap();
    assert_eq!(report.activity, 60 + 3 + 4 + 1 + 20);

    let by_score = db
        .store
        .members(&MemberQuery {
            sort: Some(MemberSort::Score),
            ..Default::default()
        })
        .unwrap();
    let names: Vec<&str> = by_score
        .items
        .iter()
        .map(|m| m.display_name.as_str())
        .collect();
    assert_eq!(
        names[0], "Rita Recent",
        "three threads and four answers this week outweigh 60 messages ten months ago: {names:?}"
    );
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(
        pos("Olga Prolific") > pos("Filler Person0"),
        "one reply this week outweighs 60 messages ten months ago: {names:?}"
    );
    let scores: Vec<f64> = by_score.items.iter().map(|m| m.engagement_score).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "sorted by score: {scores:?}"
    );

    let rita = db
        .store
        .member_profile(id_of(&db.store, "Rita"), NOW)
        .unwrap();
    let e = &rita.engagement;
    assert_eq!(e.level, EngagementLevel::Active, "{e:?}");
    assert_eq!(rita.member.engagement_level, EngagementLevel::Active);
    assert!((e.score - rita.member.engagement_score).abs() < 0.01);
    let started = e
        .factors
        .iter()
        .find(|f| f.text == "3 threads started in the last 30 days")
        .unwrap_or_else(|| panic!("the threads she started raise her score: {e:?}"));
    assert!(started.points > 7.0 && started.points < 9.0, "{started:?}");
    assert!(
        e.factors
            .iter()
            .any(|f| f.text == "4 replies in the last 30 days" && f.points > 3.0),
        "{e:?}"
    );
    assert_eq!(e.trend, Trend::Rising, "7 messages this month, none before");

    let olga = db
        .store
        .member_profile(id_of(&db.store, "Olga"), NOW)
        .unwrap();
    let e = &olga.engagement;
    assert_eq!(e.level, EngagementLevel::Quiet, "{e:?}");
    let decay = e.factors.last().unwrap();
    assert!(
        decay.points < -75.0 && decay.text.contains("last active 254 days ago"),
        "what time took away is named: {decay:?}"
    );
    assert!(
        e.factors
            .iter()
            .any(|f| f.text == "60 messages more than 90 days ago"),
        "{e:?}"
    );
    let quinn = db
        .store
        .member_profile(id_of(&db.store, "Quinn"), NOW)
        .unwrap();
    assert_eq!(quinn.engagement.level, EngagementLevel::Quiet);
}

#[test]
fn a_core_member_silent_for_weeks_is_going_quiet_and_a_newcomer_already_busy_is_new_and_active() {
    let mut db = TestDb::new();
    let github = db
        .store
        .ensure_account(
            Platform::Github,
            "acme/widgets",
            None,
            Some("team"),
            NOW - 300 * DAY,
        )
        .unwrap();
    let mut b = Batch {
        identities: vec![
            person("ingrid", "Ingrid Core", None),
            IncomingIdentity {
                joined_at: Some(NOW - 10 * DAY),
                ..person("tomas", "Tomas Newcomer", None)
            },
            person("olive", "Olive Steady", None),
            person("team", "Acme Team", None),
        ],
        ..Default::default()
    };
    // where the others talk: a thread the team started long ago
    thread_by(
        &mut b,
        "lounge",
        ConversationKind::Discussion,
        "team",
        NOW - 400 * DAY,
        0,
    );
    // Ingrid: issue after issue until 32 days ago, nothing since
    for i in 0..8 {
        thread_by(
            &mut b,
            &format!("issue{i}"),
            ConversationKind::Issue,
            "ingrid",
            NOW - (58 - 3 * i) * DAY,
            3,
        );
    }
    // Tomas: first seen ten days ago, two threads and four replies since
    for i in 0..2 {
        thread_by(
            &mut b,
            &format!("t{i}"),
            ConversationKind::Discussion,
            "tomas",
            NOW - (10 - 4 * i) * DAY,
            2,
        );
    }
    // Olive: a reply every ten days for a year
    let times: Vec<Millis> = (0..36).map(|i| NOW - (i * 10 + 1) * DAY).collect();
    replies_in(&mut b, "lounge", "olive", &times);
    // nineteen others with a little activity, so "the most active" means something
    for i in 0..19 {
        let who = format!("p{i}");
        b.identities
            .push(person(&who, &format!("Person Number{i}"), None));
        replies_in(
            &mut b,
            "lounge",
            &who,
            &[NOW - (40 + i) * DAY, NOW - i * DAY],
        );
    }
    db.store.ingest(github, &b, NOW).unwrap();
    let report = db.store.compute_engagement(NOW).unwrap();
    assert_eq!(report.going_quiet, 1, "{report:?}");
    assert_eq!(report.new_and_active, 1, "{report:?}");

    let ingrid = db
        .store
        .member_profile(id_of(&db.store, "Ingrid"), NOW)
        .unwrap();
    let e = &ingrid.engagement;
    assert!(e.going_quiet && !e.new_and_active, "{e:?}");
    assert_eq!(e.trend, Trend::Falling, "{e:?}");
    assert_eq!((e.last_30_days, e.previous_30_days), (0, 32));
    assert!(
        e.factors
            .iter()
            .any(|f| f.text == "8 issues or pull requests opened 30–90 days ago" && f.points > 0.0),
        "an issue counts as an issue: {e:?}"
    );

    let tomas = db
        .store
        .member_profile(id_of(&db.store, "Tomas"), NOW)
        .unwrap();
    let e = &tomas.engagement;
    assert!(e.new_and_active && !e.going_quiet, "{e:?}");
    assert_eq!(e.trend, Trend::Rising);

    let olive = db
        .store
        .member_profile(id_of(&db.store, "Olive"), NOW)
        .unwrap();
    assert!(!olive.engagement.going_quiet && !olive.engagement.new_and_active);
    assert_eq!(
        olive.engagement.trend,
        Trend::Steady,
        "{:?}",
        olive.engagement
    );

    // the flags filter the list
    let quiet = db
        .store
        .members(&MemberQuery {
            filter: Some(SegmentFilter {
                going_quiet: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(quiet.total, 1);
    assert_eq!(quiet.items[0].display_name, "Ingrid Core");
}

/// Members on two platforms with tags, organisations, places and custom fields.
fn segment_world(db: &mut TestDb) {
    let discord = db.discord();
    let github = db
        .store
        .ensure_account(
            Platform::Github,
            "acme/widgets",
            None,
            Some("ghteam"),
            NOW - 300 * DAY,
        )
        .unwrap();
    let who = |id: &str, name: &str, org: &str, place: &str| IncomingIdentity {
        organization: Some(org.into()),
        location: Some(place.into()),
        ..person(id, name, None)
    };
    let mut gh = Batch {
        identities: vec![
            who("g1", "Anna Berlin", "Kite Labs", "Berlin"),
            who("g2", "Ben Berlin", "Sunbeam Co-op", "Berlin, Germany"),
            who("g3", "Chloe Lisbon", "Kite Labs", "Lisbon"),
        ],
        conversations: vec![thread("i1", "An issue", NOW - 60 * DAY)],
        ..Default::default()
    };
    // Anna: 5 messages 40–36 days ago (casual now); Ben: 1 message today (casual)
    replies_in(
        &mut gh,
        "i1",
        "g1",
        &(36..41).rev().map(|d| NOW - d * DAY).collect::<Vec<_>>(),
    );
    replies_in(&mut gh, "i1", "g2", &[NOW - HOUR]);
    // Chloe: 8 messages ten days ago (active)
    replies_in(
        &mut gh,
        "i1",
        "g3",
        &(0..8)
            .map(|i| NOW - 10 * DAY + i * MINUTE)
            .collect::<Vec<_>>(),
    );
    db.store.ingest(github, &gh, NOW).unwrap();
    let dc = Batch {
        identities: vec![who("d1", "Dan Discord", "Kite Labs", "Berlin")],
        conversations: vec![thread("c1", "Hello", NOW - 3 * DAY)],
        messages: vec![message("c1", "m1", "d1", "hi", NOW - 3 * DAY)],
        quarantined: Vec::new(),
    };
    db.store.ingest(discord, &dc, NOW).unwrap();
    db.store.compute_engagement(NOW).unwrap();
    for (name, tag) in [
        ("Anna", "speaker"),
        ("Anna", "champion"),
        ("Ben", "speaker"),
    ] {
        let id = id_of(&db.store, name);
        db.store.tag_member(id, tag).unwrap();
    }
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute(
        "INSERT INTO member_fields (member_id, name, value) VALUES (?1, 'T-shirt', 'L')",
        [id_of(&db.store, "Chloe")],
    )
    .unwrap();
}

fn names(store: &Store, q: MemberQuery) -> Vec<String> {
    let mut v: Vec<String> = store
        .members(&q.at(NOW))
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    v.sort();
    v
}

#[test]
fn segments_filter_and_count_correctly_and_survive_reopening() {
    let mut db = TestDb::new();
    segment_world(&mut db);
    let only = |f: SegmentFilter| MemberQuery {
        filter: Some(f),
        ..Default::default()
    };
    let cases: Vec<(&str, SegmentFilter, Vec<&str>)> = vec![
        (
            "GitHub people in Berlin",
            SegmentFilter {
                platforms: vec![Platform::Github],
                location: Some("berlin".into()),
                ..Default::default()
            },
            vec!["Anna Berlin", "Ben Berlin"],
        ),
        (
            "Kite Labs",
            SegmentFilter {
                organization: Some("kite".into()),
                ..Default::default()
            },
            vec!["Anna Berlin", "Chloe Lisbon", "Dan Discord"],
        ),
        (
            "Speakers and champions",
            SegmentFilter {
                tags: vec!["speaker".into(), "champion".into()],
                ..Default::default()
            },
            vec!["Anna Berlin"],
        ),
        (
            "Large shirts",
            SegmentFilter {
                fields: vec![FieldMatch {
                    name: "t-shirt".into(),
                    value: "l".into(),
                }],
                ..Default::default()
            },
            vec!["Chloe Lisbon"],
        ),
        (
            "Quiet for three weeks",
            SegmentFilter {
                quiet_for_days: Some(21),
                ..Default::default()
            },
            vec!["Anna Berlin"],
        ),
        (
            "Active this week",
            SegmentFilter {
                active_within_days: Some(7),
                ..Default::default()
            },
            vec!["Ben Berlin", "Dan Discord"],
        ),
        (
            "Three messages in the last two weeks",
            SegmentFilter {
                activity: Some(ActivityFilter {
                    min_messages: 3,
                    within_days: Some(14),
                    ..Default::default()
                }),
                ..Default::default()
            },
            vec!["Chloe Lisbon"],
        ),
        (
            "Five messages between 45 and 30 days ago",
            SegmentFilter {
                activity: Some(ActivityFilter {
                    min_messages: 5,
                    from: Some(NOW - 45 * DAY),
                    to: Some(NOW - 30 * DAY),
                    within_days: None,
                }),
                ..Default::default()
            },
            vec!["Anna Berlin"],
        ),
        (
            "Casual or quiet",
            SegmentFilter {
                levels: vec![EngagementLevel::Quiet, EngagementLevel::Casual],
                ..Default::default()
            },
            vec!["Anna Berlin", "Ben Berlin", "Dan Discord"],
        ),
    ];
    for (name, filter, expected) in &cases {
        assert_eq!(
            names(&db.store, only(filter.clone())),
            *expected,
            "the filter '{name}' keeps exactly these"
        );
        let saved = db.store.add_segment(name, filter, NOW).unwrap();
        assert_eq!(saved.count, expected.len() as i64, "the count of '{name}'");
    }
    assert!(
        db.store
            .add_segment("kite labs", &cases[1].1, NOW)
            .unwrap_err()
            .to_string()
            .contains("already exists"),
        "names are unique, whatever the case"
    );
    assert!(db
        .store
        .add_segment("Everyone", &SegmentFilter::default(), NOW)
        .is_err());

    // saved segments survive closing and opening the file again, in their order
    let path = db.path();
    drop(db.store);
    let store = Store::open(&path).unwrap();
    let segments = store.segments(NOW).unwrap();
    assert_eq!(segments.len(), cases.len());
    for (s, (name, filter, expected)) in segments.iter().zip(&cases) {
        assert_eq!((s.name.as_str(), &s.filter), (*name, filter));
        assert_eq!(s.count, expected.len() as i64);
        let by_segment = names(
            &store,
            MemberQuery {
                segment_id: Some(s.id),
                ..Default::default()
            },
        );
        assert_eq!(by_segment, *expected, "listing segment '{name}'");
    }
    // a segment and a search together; sorted by score
    let berlin = &segments[0];
    let page = store
        .members(
            &MemberQuery {
                segment_id: Some(berlin.id),
                q: Some("anna".into()),
                ..Default::default()
            }
            .at(NOW),
        )
        .unwrap();
    assert_eq!(page.total, 1);
    let by_name: Vec<String> = store
        .members(&MemberQuery {
            sort: Some(MemberSort::Name),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    assert_eq!(
        by_name,
        ["Anna Berlin", "Ben Berlin", "Chloe Lisbon", "Dan Discord"]
    );
}

#[test]
fn due_reminders_lead_the_inbox_and_snooze_and_finish_like_a_conversation() {
    let mut db = TestDb::new();
    let discord = db.discord();
    db.store.ingest(discord, &small_batch(), NOW).unwrap();
    let maria = id_of(&db.store, "Maria");
    let r = db
        .store
        .add_reminder(maria, "  Ask Maria about her talk ", NOW + 2 * DAY, NOW)
        .unwrap();
    assert_eq!(r.body, "Ask Maria about her talk");
    assert!(!r.due);
    assert!(db.store.add_reminder(maria, "   ", NOW, NOW).is_err());
    let open = InboxQuery::default();
    assert!(db.store.inbox(&open, NOW).unwrap().reminders.is_empty());
    assert_eq!(db.store.inbox_counts(NOW).unwrap().reminders, 0);

    let later = NOW + 2 * DAY + MINUTE;
    let page = db.store.inbox(&open, later).unwrap();
    assert_eq!(page.reminders.len(), 1, "due: at the top of the inbox");
    assert_eq!(page.reminders[0].member_name, "Maria García");
    assert_eq!(page.total, 1, "conversations are counted apart");
    assert_eq!(db.store.inbox_counts(later).unwrap().reminders, 1);
    let second_page = db
        .store
        .inbox(
            &InboxQuery {
                offset: Some(50),
                ..Default::default()
            },
            later,
        )
        .unwrap();
    assert!(second_page.reminders.is_empty(), "only on the first page");

    let snoozed = db.store.reminder_snooze(r.id, later + DAY, later).unwrap();
    assert_eq!(snoozed.status, Status::Snoozed);
    assert!(db.store.inbox(&open, later).unwrap().reminders.is_empty());
    assert!(db.store.reminder_snooze(r.id, later, later).is_err());
    let woken = db.store.inbox(&open, later + DAY).unwrap().reminders;
    assert_eq!(woken.len(), 1, "back when the snooze runs out");
    assert_eq!(woken[0].status, Status::Open);

    db.store.reminder_done(r.id, later + DAY).unwrap();
    assert!(db
        .store
        .inbox(&open, later + 9 * DAY)
        .unwrap()
        .reminders
        .is_empty());
    let profile = db.store.member_profile(maria, later).unwrap();
    assert!(profile.reminders.is_empty(), "done ones leave the profile");
    let all = db.store.reminders(Some(maria), true, later).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, Status::Done);
    db.store.reminder_reopen(r.id, later).unwrap();
    assert_eq!(
        db.store
            .member_profile(maria, later)
            .unwrap()
            .reminders
            .len(),
        1
    );
}

#[test]
fn a_reminder_from_the_cli_reaches_the_inbox_when_due_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    let run = |args: &[&str]| {
        let out = hearth(&db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json = |args: &[&str]| -> serde_json::Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&run(&a)).unwrap()
    };
    run(&["demo", "--members", "40", "--messages", "400"]);
    let members = json(&["members", "list", "--limit", "2"]);
    let member = members["items"][0]["id"].as_i64().unwrap().to_string();

    let later = json(&["remind", &member, "2h", "ask", "about", "her", "talk"]);
    assert_eq!(later["body"], "ask about her talk");
    assert_eq!(later["due"], false);
    let due = json(&[
        "remind",
        &member,
        "2020-01-06 09:00",
        "send",
        "the",
        "stickers",
    ]);
    assert_eq!(due["due"], true);
    let due_id = due["id"].as_i64().unwrap().to_string();

    let inbox = json(&["inbox"]);
    let reminders = inbox["reminders"].as_array().unwrap();
    assert_eq!(reminders.len(), 1, "only the due one: {reminders:?}");
    assert_eq!(reminders[0]["body"], "send the stickers");
    assert!(run(&["inbox"]).contains("send the stickers"));
    assert_eq!(json(&["reminders"]).as_array().unwrap().len(), 2);

    // the one due in two hours is in the inbox two hours from now
    let store = Store::open(&db).unwrap();
    let in_three_hours = hearth::now_millis() + 3 * HOUR;
    let page = store.inbox(&InboxQuery::default(), in_three_hours).unwrap();
    assert_eq!(page.reminders.len(), 2);
    drop(store);

    run(&["reminders", "snooze", &due_id, "tomorrow"]);
    assert!(json(&["inbox"])["reminders"].as_array().unwrap().is_empty());
    run(&["reminders", "done", &due_id]);
    assert_eq!(json(&["reminders"]).as_array().unwrap().len(), 1);
    let all = json(&["reminders", "--all"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["status"], "done");
    let profile = json(&["members", "show", &member]);
    assert_eq!(profile["reminders"][0]["body"], "ask about her talk");

    let bad = hearth(&db)
        .args(["remind", &member, "someday", "x"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("cannot read the time 'someday'"),
        "{}",
        text(&bad)
    );
}

#[test]
fn segments_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    let run = |args: &[&str]| {
        let out = hearth(&db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["demo", "--members", "40", "--messages", "400"]);
    let out = run(&[
        "segments",
        "add",
        "Busy on Discord",
        "--platform",
        "discord",
        "--level",
        "active",
        "--level",
        "core",
        "--active-within",
        "30d",
    ]);
    assert!(out.contains("Saved segment"), "{out}");
    let list: serde_json::Value = serde_json::from_str(&run(&["segments", "--json"])).unwrap();
    let count = list[0]["count"].as_i64().unwrap();
    assert!(count > 0, "{list}");
    let members: serde_json::Value =
        serde_json::from_str(&run(&["segments", "members", "busy on discord", "--json"])).unwrap();
    assert_eq!(members["total"].as_i64(), Some(count));
    let scores: Vec<f64> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["engagementScore"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "by score: {scores:?}"
    );
    run(&["segments", "remove", "Busy on Discord"]);
    assert!(run(&["segments"]).contains("No saved segments"));
}

#[test]
fn merging_moves_reminders_to_the_kept_member_and_unmerging_brings_them_back() {
    let mut db = TestDb::new();
    let (keep, absorb) = maria_on_discord_and_github(&mut db);
    let theirs = db
        .store
        .add_reminder(absorb, "Ask about the sitemap fix", NOW + DAY, NOW)
        .unwrap();
    let mine = db
        .store
        .add_reminder(keep, "Invite to the call", NOW + 2 * DAY, NOW)
        .unwrap();
    let before_keep = db.store.member_profile(keep, NOW).unwrap();
    let before_absorb = db.store.member_profile(absorb, NOW).unwrap();

    let merge = db.store.merge_members(keep, absorb, "Robin", NOW).unwrap();
    let merged = db.store.member_profile(keep, NOW).unwrap();
    let ids: Vec<i64> = merged.reminders.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [theirs.id, mine.id],
        "both on the member kept, soonest first"
    );
    // a reminder made on the absorbed id lands on the member it is now
    let after = db
        .store
        .add_reminder(absorb, "Thank for the PR", NOW + DAY, NOW)
        .unwrap();
    assert_eq!(after.member_id, keep);
    db.store.remove_reminder(after.id).unwrap();

    db.store.unmerge(keep, Some(merge), NOW + 1).unwrap();
    assert_eq!(db.store.member_profile(keep, NOW).unwrap(), before_keep);
    assert_eq!(db.store.member_profile(absorb, NOW).unwrap(), before_absorb);
    assert_eq!(db.store.reminder(theirs.id, NOW).unwrap().member_id, absorb);
}

#[test]
fn the_demo_shows_a_member_going_quiet_a_newcomer_segments_and_a_follow_up_due_today() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("demo.db")).unwrap();
    let options = DemoOptions {
        members: 200,
        messages: 2500,
        seed: 7,
    };
    let summary = hearth::demo::generate(&mut store, &options, NOW, &mut |_| {}).unwrap();
    assert_eq!(
        summary.messages, 2500,
        "the showcase comes out of the budget"
    );

    let ingrid = store
        .member_profile(id_of(&store, showcase::GOING_QUIET), NOW)
        .unwrap();
    assert!(ingrid.engagement.going_quiet, "{:?}", ingrid.engagement);
    assert_eq!(ingrid.engagement.trend, Trend::Falling);
    let tomas = store
        .member_profile(id_of(&store, showcase::NEWCOMER), NOW)
        .unwrap();
    assert!(tomas.engagement.new_and_active, "{:?}", tomas.engagement);

    let segments = store.segments(NOW).unwrap();
    let names: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, showcase::SEGMENTS);
    for s in &segments {
        assert!(s.count > 0, "the demo's segment '{}' holds someone", s.name);
    }
    let berlin = store
        .members(
            &MemberQuery {
                segment_id: Some(segments[3].id),
                ..Default::default()
            }
            .at(NOW),
        )
        .unwrap();
    assert!(berlin
        .items
        .iter()
        .any(|m| m.display_name == showcase::GOING_QUIET));

    let inbox = store.inbox(&InboxQuery::default(), NOW).unwrap();
    assert_eq!(
        inbox.reminders.len(),
        1,
        "one follow-up due on first launch"
    );
    assert_eq!(inbox.reminders[0].body, showcase::DUE_TODAY);
    assert_eq!(
        store.inbox_counts(NOW).unwrap().open as u64,
        summary.open,
        "the showcase's conversations are already handled"
    );

    // removing the demo takes its segments and follow-ups with it
    store.remove_demo().unwrap();
    assert!(store.segments(NOW).unwrap().is_empty());
    assert!(store.reminders(None, true, NOW).unwrap().is_empty());
}
