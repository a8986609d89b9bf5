//! Rules, views and the team list (issue 9): what ranks the queue and says why, on real
//! database files through the core's API and the real `hearth` binary.

use hearth::ingest::{Batch, IncomingMessage};
use hearth::model::{
    InboxItem, InboxQuery, Platform, RuleDraft, TriageAction, ViewDraft, ViewFilter,
};

use crate::common::{hearth, message, person, replies, text, thread, TestDb, DAY, HOUR, NOW};

/// Three threads on Discord: a first-timer's question, a question mentioning the account, and
/// a regular's chat the team already answered.
fn three_threads(db: &mut TestDb) -> i64 {
    let account = db.discord();
    // the regular has written before: their first message is older than these threads
    let earlier = Batch {
        identities: vec![
            person("u2", "Kwame Mensah", None),
            person("team", "Lumen Team", None),
        ],
        conversations: vec![thread("c0", "Hello everyone", NOW - 30 * DAY)],
        messages: vec![message("c0", "m0", "u2", "Hi all!", NOW - 30 * DAY)],
        quarantined: Vec::new(),
    };
    db.store.ingest(account, &earlier, NOW - 30 * DAY).unwrap();
    db.store
        .triage(
            conversation(db, "Hello everyone"),
            &TriageAction::Done,
            NOW - 29 * DAY,
        )
        .unwrap();
    let mention = IncomingMessage {
        mentions_us: true,
        ..message(
            "c2",
            "m2",
            "u2",
            "@lumen the build crashes on Windows",
            NOW - 3 * HOUR,
        )
    };
    let batch = Batch {
        identities: vec![person("u1", "Maria García", None)],
        conversations: vec![
            thread("c1", "How do I install it?", NOW - 2 * HOUR),
            thread("c2", "Build crash", NOW - 3 * HOUR),
            thread("c3", "Weekend plans", NOW - HOUR),
        ],
        messages: vec![
            message(
                "c1",
                "m1",
                "u1",
                "How do I install it on Linux?",
                NOW - 2 * HOUR,
            ),
            mention,
            message("c3", "m3", "u2", "Anyone at the meetup?", NOW - 90 * 60_000),
            message("c3", "m4", "team", "We will be there!", NOW - HOUR),
        ],
        quarantined: Vec::new(),
    };
    db.store.ingest(account, &batch, NOW).unwrap();
    account
}

/// The member who wrote a conversation's latest message.
fn author(db: &TestDb, conversation: i64) -> i64 {
    db.store
        .conversation_item(conversation, NOW)
        .unwrap()
        .author_member_id
        .unwrap()
}

fn conversation(db: &TestDb, title: &str) -> i64 {
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.query_row(
        "SELECT id FROM conversations WHERE title = ?1",
        [title],
        |r| r.get(0),
    )
    .unwrap()
}

fn page(db: &TestDb, view: &str, now: i64) -> Vec<InboxItem> {
    db.store
        .inbox(
            &InboxQuery {
                view: Some(view.into()),
                ..Default::default()
            },
            now,
        )
        .unwrap()
        .items
}

fn titles(items: &[InboxItem]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i.title.as_deref().unwrap_or(""))
        .collect()
}

fn whys(item: &InboxItem) -> Vec<String> {
    item.reasons.iter().map(|r| r.why.clone()).collect()
}

fn draft(name: &str, when: &[&str], then: &[&str]) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        enabled: true,
        when: when.iter().map(|s| s.to_string()).collect(),
        then: then.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn the_starting_rules_rank_a_mention_and_a_first_post_above_chat_and_say_why() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let open = page(&db, "open", NOW);
    assert_eq!(
        titles(&open),
        ["Build crash", "How do I install it?", "Weekend plans"],
        "a mention (+3) above a first post (+2) above the newest chat (0)"
    );
    assert_eq!(whys(&open[0]), ["mentions you"]);
    assert_eq!(open[0].rank, 3);
    assert_eq!(whys(&open[1]), ["first post"]);
    assert!(open[2].reasons.is_empty(), "{:?}", open[2].reasons);
    assert_eq!(open[2].unanswered_since, None, "the team answered last");
    assert_eq!(open[1].unanswered_since, Some(NOW - 2 * HOUR));

    // a priority set by hand counts with the rules' points
    let chat = open[2].id;
    db.store
        .triage(chat, &TriageAction::Priority { priority: 4 }, NOW)
        .unwrap();
    assert_eq!(titles(&page(&db, "open", NOW))[0], "Weekend plans");
}

#[test]
fn a_rule_on_time_comes_due_by_itself_and_lets_go_once_the_team_answers() {
    let mut db = TestDb::new();
    let account = three_threads(&mut db);
    let install = conversation(&db, "How do I install it?");
    let item = db.store.conversation_item(install, NOW).unwrap();
    assert!(!whys(&item).iter().any(|w| w.contains("unanswered")));

    // a day later, nothing synced: the sweep finds what came due
    let later = NOW + 23 * HOUR;
    let weighed = db.store.refresh_rules(later).unwrap();
    assert!(weighed >= 1, "the install question came due: {weighed}");
    let item = db.store.conversation_item(install, later).unwrap();
    assert!(
        whys(&item).contains(&"unanswered over 24 h".to_string()),
        "{:?}",
        item.reasons
    );
    assert_eq!(item.rank, 4, "+2 first post, +2 unanswered a day");
    assert_eq!(
        db.store.refresh_rules(later).unwrap(),
        0,
        "nothing more is due"
    );

    // the team answers: the rule lets go as the reply is ingested, in the same write
    db.store
        .ingest(
            account,
            &replies(vec![message("c1", "r1", "team", "Use the .deb", later)]),
            later,
        )
        .unwrap();
    let item = db.store.conversation_item(install, later).unwrap();
    assert_eq!(item.unanswered_since, None);
    assert!(!whys(&item).iter().any(|w| w.contains("unanswered")));
    let needs_reply = page(&db, "needs-reply", later);
    assert!(!needs_reply.iter().any(|i| i.id == install));
}

#[test]
fn a_keyword_rule_tags_and_assigns_once_and_never_takes_back_what_a_person_changed() {
    let mut db = TestDb::new();
    let account = three_threads(&mut db);
    let rule = db
        .store
        .add_rule(
            &draft(
                "Crashes",
                &["keyword crashes"],
                &["+2", "tag bug", "assign Ana"],
            ),
            NOW,
        )
        .unwrap();
    assert_eq!(
        rule.matching, 1,
        "the build crash, as soon as the rule is saved"
    );
    let crash = conversation(&db, "Build crash");
    let item = db.store.conversation_item(crash, NOW).unwrap();
    assert_eq!(item.tags, ["bug"]);
    assert_eq!(item.assignee.as_deref(), Some("Ana"));
    assert_eq!(item.rank, 5);
    assert!(
        whys(&item).contains(&"says “crashes”".to_string()),
        "{:?}",
        item.reasons
    );

    // the person untags it and gives it to Ben: the next message does not undo that
    db.store
        .triage(crash, &TriageAction::Untag { tag: "bug".into() }, NOW)
        .unwrap();
    db.store
        .triage(
            crash,
            &TriageAction::Assign {
                assignee: Some("Ben".into()),
            },
            NOW,
        )
        .unwrap();
    db.store
        .ingest(
            account,
            &replies(vec![message(
                "c2",
                "m9",
                "u2",
                "It still crashes",
                NOW + HOUR,
            )]),
            NOW + HOUR,
        )
        .unwrap();
    let item = db.store.conversation_item(crash, NOW + HOUR).unwrap();
    assert!(item.tags.is_empty(), "{:?}", item.tags);
    assert_eq!(item.assignee.as_deref(), Some("Ben"));
    assert_eq!(item.rank, 5, "its points still count");

    // switched off, the rule's points go; on again, they come back
    db.store
        .set_rule_enabled(rule.id, false, NOW + HOUR)
        .unwrap();
    assert_eq!(
        db.store.conversation_item(crash, NOW + HOUR).unwrap().rank,
        3
    );
    db.store
        .set_rule_enabled(rule.id, true, NOW + HOUR)
        .unwrap();
    assert_eq!(
        db.store.conversation_item(crash, NOW + HOUR).unwrap().rank,
        5
    );
    db.store.remove_rule(rule.id, NOW + HOUR).unwrap();
    assert_eq!(
        db.store.conversation_item(crash, NOW + HOUR).unwrap().rank,
        3
    );
}

#[test]
fn tagging_a_member_vip_raises_their_conversations_at_the_next_sweep() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let install = conversation(&db, "How do I install it?");
    let maria = author(&db, install);
    db.store.tag_member(maria, "VIP").unwrap();
    db.store.refresh_rules(NOW).unwrap();
    let item = db.store.conversation_item(install, NOW).unwrap();
    assert!(
        whys(&item).contains(&"member tagged vip".to_string()),
        "{:?}",
        item.reasons
    );
    assert_eq!(titles(&page(&db, "open", NOW))[0], "How do I install it?");
}

#[test]
fn rules_read_back_in_words_and_a_bad_line_is_named() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let err = db
        .store
        .add_rule(&draft("Odd", &["sentiment angry"], &["+1"]), NOW)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'sentiment angry' is not a condition"),
        "{err}"
    );
    let err = db
        .store
        .add_rule(&draft("Mentions you", &["mentions"], &["+1"]), NOW)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already a rule named"), "{err}");
    let err = db
        .store
        .add_rule(&draft("Regex", &["regex ([a-z"], &["+1"]), NOW)
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not read"), "{err}");

    let rule = db
        .store
        .add_rule(
            &draft(
                "Help on Discord",
                &["platform discord", "channel help", "unanswered 2h"],
                &["-1"],
            ),
            NOW,
        )
        .unwrap();
    let words: Vec<String> = rule.when.iter().map(ToString::to_string).collect();
    assert_eq!(words, ["platform discord", "channel help", "unanswered 2h"]);
    let check = db
        .store
        .test_rule(
            &draft("t", &["channel #help", "unanswered 2h"], &["+0"]),
            5,
            NOW,
        )
        .unwrap();
    assert_eq!(check.matching, 2, "{check:?}");
}

#[test]
fn the_views_count_what_they_hold_and_mine_follows_who_i_am() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let crash = conversation(&db, "Build crash");
    let install = conversation(&db, "How do I install it?");
    db.store
        .triage(
            crash,
            &TriageAction::Assign {
                assignee: Some("ana".into()),
            },
            NOW,
        )
        .unwrap();
    db.store
        .triage(
            install,
            &TriageAction::Tag {
                tag: "feedback".into(),
            },
            NOW,
        )
        .unwrap();
    db.store.triage(install, &TriageAction::Done, NOW).unwrap();

    let count = |db: &TestDb, key: &str| {
        let views = db.store.views(NOW).unwrap();
        views.iter().find(|v| v.key == key).unwrap().count
    };
    assert_eq!(count(&db, "open"), 2);
    assert_eq!(
        count(&db, "needs-reply"),
        1,
        "the crash; the chat was answered"
    );
    assert_eq!(count(&db, "mentions"), 1);
    assert_eq!(count(&db, "first-timers"), 0, "the first post is done");
    assert_eq!(
        count(&db, "feedback"),
        1,
        "feedback stays in its view when done"
    );
    assert_eq!(count(&db, "mine"), 0, "nobody is me until I say who I am");
    assert_eq!(count(&db, "unassigned"), 1);
    assert_eq!(count(&db, "done"), 2);

    db.store.set_my_name("Ana", NOW).unwrap();
    assert_eq!(count(&db, "mine"), 1);
    assert_eq!(
        titles(&page(&db, "y", NOW)),
        ["Build crash"],
        "g y opens Mine"
    );
    let team = db.store.add_team_member("Ben", NOW).unwrap();
    assert_eq!(
        team.iter()
            .map(|t| (t.name.as_str(), t.me))
            .collect::<Vec<_>>(),
        [("Ana", true), ("Ben", false)]
    );
    // every view's page agrees with its count
    for v in db.store.views(NOW).unwrap() {
        let shown = db
            .store
            .inbox(
                &InboxQuery {
                    view: Some(v.key.clone()),
                    limit: Some(500),
                    ..Default::default()
                },
                NOW,
            )
            .unwrap();
        assert_eq!(shown.total, v.count, "{}", v.name);
        assert_eq!(shown.items.len() as i64, v.count, "{}", v.name);
    }
}

#[test]
fn a_saved_view_filters_has_its_own_target_and_takes_what_rules_put_in_it() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let view = db
        .store
        .add_view(
            &ViewDraft {
                name: "Discord help, unanswered".into(),
                letter: Some("p".into()),
                filter: ViewFilter {
                    platform: Some(Platform::Discord),
                    channel: Some("#HELP".into()),
                    unanswered: Some(true),
                    ..Default::default()
                },
                reply_target_hours: Some(2),
            },
            NOW,
        )
        .unwrap();
    assert_eq!(view.count, 2);
    assert_eq!(
        view.overdue, 2,
        "against a 2 h target: the crash waits 3 h, the install question is due now"
    );
    let items = page(&db, "p", NOW);
    let crash = items
        .iter()
        .find(|i| i.title.as_deref() == Some("Build crash"))
        .unwrap();
    assert_eq!(
        crash.reply_due_at,
        Some(NOW - 3 * HOUR + 2 * HOUR),
        "the view's own target"
    );
    let err = db
        .store
        .add_view(
            &ViewDraft {
                name: "Other".into(),
                letter: Some("@".into()),
                filter: ViewFilter::default(),
                reply_target_hours: None,
            },
            NOW,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("one letter or digit"), "{err}");
    let err = db
        .store
        .add_view(
            &ViewDraft {
                name: "Other".into(),
                letter: Some("M".into()),
                filter: ViewFilter::default(),
                reply_target_hours: None,
            },
            NOW,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("g m already opens Members"), "{err}");
    let err = db
        .store
        .add_view(
            &ViewDraft {
                name: "Other".into(),
                letter: Some("r".into()),
                filter: ViewFilter::default(),
                reply_target_hours: None,
            },
            NOW,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("g r already opens Needs reply"), "{err}");

    // a view fed by a rule alone
    db.store
        .add_view(
            &ViewDraft {
                name: "Meetups".into(),
                letter: None,
                filter: ViewFilter::default(),
                reply_target_hours: None,
            },
            NOW,
        )
        .unwrap();
    assert_eq!(db.store.view("Meetups", NOW).unwrap().count, 0);
    db.store
        .add_rule(
            &draft("Meetups", &["keyword meetup"], &["view Meetups"]),
            NOW,
        )
        .unwrap();
    assert_eq!(titles(&page(&db, "Meetups", NOW)), ["Weekend plans"]);
    db.store.remove_view("Meetups").unwrap();
    let rule = db.store.rule("Meetups").unwrap();
    assert!(rule.problem.unwrap().contains("no saved view 'Meetups'"));
    assert!(
        db.store.remove_view("needs-reply").is_err(),
        "built-in views stay"
    );
}

#[test]
fn rules_views_and_the_team_from_the_command_line_while_the_app_holds_the_database() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let path = db.path();
    let run = |args: &[&str]| {
        let out = hearth(&path).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        text(&out)
    };
    let out = run(&[
        "rules",
        "add",
        "Crashes",
        "--when",
        "keyword crashes",
        "--then",
        "+2",
        "--then",
        "tag bug",
    ]);
    assert!(
        out.contains("when keyword crashes → +2, tag bug  (1 open)"),
        "{out}"
    );
    let out = run(&["rules", "test", "--when", "first post"]);
    assert!(
        out.contains("Would match 1 conversation") && out.contains("How do I install it?"),
        "{out}"
    );
    let out = run(&["views", "add", "Bugs", "--tag", "bug", "--letter", "x"]);
    assert!(out.contains("1 conversation now; g x opens it"), "{out}");
    let out = run(&["inbox", "--view", "Bugs"]);
    assert!(
        out.contains("Build crash")
            && out.contains("why: mentions you +3 · ")
            && out.contains(" · says “crashes” +2"),
        "{out}"
    );
    let out = run(&["team", "me", "Ana"]);
    assert!(out.contains("Ana  (me)"), "{out}");
    let out = run(&["views"]);
    assert!(
        out.contains("g x  Bugs") && out.contains("g r  Needs reply"),
        "{out}"
    );
    let bad = hearth(&path)
        .args(["rules", "add", "X", "--when", "moon phase", "--then", "+1"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("'moon phase' is not a condition"),
        "{}",
        text(&bad)
    );

    // this process, the app's store, sees what the command line did
    let crash = conversation(&db, "Build crash");
    let item = db.store.conversation_item(crash, NOW).unwrap();
    assert_eq!(item.tags, ["bug"]);
    assert!(
        whys(&item).contains(&"says “crashes”".to_string()),
        "{:?}",
        item.reasons
    );
    assert_eq!(db.store.team().unwrap()[0].name, "Ana");
    assert_eq!(
        db.store.view("x", NOW).unwrap().count,
        1,
        "the saved view reads the same database"
    );
}

#[test]
fn a_conversation_the_platform_gave_no_title_is_titled_by_its_question() {
    let mut db = TestDb::new();
    let account = db.discord();
    let mut room = thread("room", "", NOW - DAY);
    room.title = None;
    room.kind = hearth::model::ConversationKind::Channel;
    let mut posts = thread("posts", "", NOW - DAY);
    posts.title = None;
    let batch = Batch {
        identities: vec![
            person("u1", "Maria García", None),
            person("team", "Lumen Team", None),
        ],
        conversations: vec![room, posts],
        messages: vec![
            message("room", "r1", "u1", "Hello!\nAnyone here?", NOW - 5 * HOUR),
            message("room", "r2", "team", "Hi Maria, welcome", NOW - 4 * HOUR),
            message(
                "room",
                "r3",
                "u1",
                "\n  Where do I find   the plugin docs?\nI looked everywhere.",
                NOW - 3 * HOUR,
            ),
            message(
                "posts",
                "p1",
                "u1",
                "Lumen 1.0 is out 🎉\nRelease notes inside",
                NOW - 2 * HOUR,
            ),
            message("posts", "p2", "u1", "Also: a new theme", NOW - HOUR),
        ],
        quarantined: Vec::new(),
    };
    db.store.ingest(account, &batch, NOW).unwrap();
    let open = page(&db, "open", NOW);
    let mut titles = titles(&open);
    titles.sort();
    assert_eq!(
        titles,
        ["Lumen 1.0 is out 🎉", "Where do I find the plugin docs?"],
        "a thread by its first post's first line, a room by the question still unanswered"
    );
}

#[test]
fn an_edited_message_is_weighed_again_as_it_is_synced() {
    let mut db = TestDb::new();
    let account = three_threads(&mut db);
    db.store
        .add_rule(&draft("Linux", &["keyword linux"], &["+1"]), NOW)
        .unwrap();
    let chat = conversation(&db, "Weekend plans");
    assert!(db
        .store
        .conversation_item(chat, NOW)
        .unwrap()
        .reasons
        .is_empty());
    // Kwame edits his message: the platform sends it again, edited
    let edited = IncomingMessage {
        edited_at: Some(NOW + HOUR),
        ..message(
            "c3",
            "m3",
            "u2",
            "Anyone at the meetup? I can bring Linux stickers",
            NOW - 90 * 60_000,
        )
    };
    db.store
        .ingest(account, &replies(vec![edited]), NOW + HOUR)
        .unwrap();
    let item = db.store.conversation_item(chat, NOW + HOUR).unwrap();
    assert_eq!(whys(&item), ["says “linux”"], "{:?}", item.reasons);
}

#[test]
fn a_segment_or_a_member_tag_ranks_and_filters_the_conversations_its_members_write_in() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let install = conversation(&db, "How do I install it?");
    let maria = author(&db, install);
    db.store.tag_member(maria, "speaker").unwrap();
    db.store
        .add_segment(
            "Speakers",
            &hearth::model::SegmentFilter {
                tags: vec!["speaker".into()],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let rule = db
        .store
        .add_rule(
            &draft("Speakers first", &["segment Speakers"], &["+4"]),
            NOW,
        )
        .unwrap();
    assert_eq!(rule.matching, 1);
    assert_eq!(rule.problem, None);
    let item = db.store.conversation_item(install, NOW).unwrap();
    assert!(
        whys(&item).contains(&"member in Speakers".to_string()),
        "{:?}",
        item.reasons
    );
    for (name, filter) in [
        (
            "By segment",
            ViewFilter {
                segment: Some("speakers".into()),
                ..Default::default()
            },
        ),
        (
            "By member tag",
            ViewFilter {
                member_tag: Some("Speaker".into()),
                ..Default::default()
            },
        ),
    ] {
        let view = db
            .store
            .add_view(
                &ViewDraft {
                    name: name.into(),
                    letter: None,
                    filter,
                    reply_target_hours: None,
                },
                NOW,
            )
            .unwrap();
        assert_eq!(view.count, 1, "{name}");
        assert_eq!(
            titles(&page(&db, name, NOW)),
            ["How do I install it?"],
            "{name}"
        );
    }
    // the segment gone, the rule says why it matches nothing
    let id = db.store.segment("Speakers", NOW).unwrap().id;
    db.store.remove_segment(id).unwrap();
    let rule = db.store.rule("Speakers first").unwrap();
    assert!(rule.problem.unwrap().contains("no segment 'Speakers'"));
}

#[test]
fn a_rule_being_written_matches_what_the_saved_rule_then_ranks() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let install = conversation(&db, "How do I install it?");
    let maria = author(&db, install);
    db.store.tag_member(maria, "helper").unwrap();
    db.store.refresh_rules(NOW).unwrap();
    let later = NOW + 3 * HOUR;
    for when in [
        vec!["mentions"],
        vec!["unanswered 4h"],
        vec!["first post"],
        vec!["member tagged helper"],
        vec!["keyword crashes"],
        vec!["regex (?i)linux|windows"],
        vec!["platform discord", "channel help"],
        vec!["keyword install", "member tagged helper"],
    ] {
        let d = draft("Preview", &when, &["+1"]);
        let check = db.store.test_rule(&d, 5, later).unwrap();
        let rule = db.store.add_rule(&d, later).unwrap();
        db.store.refresh_rules(later).unwrap();
        let saved = db
            .store
            .rules()
            .unwrap()
            .into_iter()
            .find(|r| r.id == rule.id)
            .unwrap();
        assert_eq!(
            check.matching, saved.matching,
            "{when:?}: the preview said {check:?}"
        );
        assert!(check.matching > 0, "{when:?} matches something here");
        db.store.remove_rule(rule.id, later).unwrap();
    }
}
