//! The core on real SQLite files: opening, ingest, inbox, members, notes, calendar, search.

use crate::common;

use common::*;
use hearth::ingest::Batch;
use hearth::model::{
    CalendarItemInput, CalendarRange, ContentState, HitKind, InboxQuery, MemberQuery, Platform,
    Status, TriageAction, TriageEach, TriageState, VariantInput,
};
use hearth::{Error, Store};

fn open_queue(db: &TestDb) -> Vec<i64> {
    db.store
        .inbox(&InboxQuery::default(), NOW)
        .expect("inbox")
        .items
        .iter()
        .map(|i| i.id)
        .collect()
}

// --- opening -----------------------------------------------------------------------------------

#[test]
fn a_database_from_a_newer_hearth_is_refused_with_a_clear_message() {
    let db = TestDb::new();
    let path = db.path();
    drop(db.store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path).expect_err("a newer schema must not be opened");
    assert!(
        matches!(err, Error::DatabaseTooNew { found: 99, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer version of Hearth"), "{err}");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let text =
        "shopping list: eggs, milk, and a much longer line so SQLite reads a header\n".repeat(20);
    std::fs::write(&path, &text).unwrap();
    let err = Store::open(&path).expect_err("a text file is not a database");
    assert!(matches!(err, Error::NotADatabase { .. }), "{err:?}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "the file must not be changed"
    );
}

#[test]
fn another_programs_sqlite_database_is_not_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE recipes (name TEXT)")
        .unwrap();
    let err = Store::open(&path).expect_err("foreign tables mean it is not ours");
    assert!(err.to_string().contains("holds other data"), "{err}");
}

#[test]
fn a_missing_folder_is_named_in_the_error() {
    let err = Store::open("/no/such/folder/hearth.db").expect_err("missing folder");
    assert!(err.to_string().contains("/no/such/folder"), "{err}");
}

#[test]
fn data_survives_closing_and_reopening_the_file() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store.ingest(account, &small_batch(), NOW).unwrap();
    let path = db.path();
    drop(db.store);
    let store = Store::open(&path).unwrap();
    let status = store.totals().unwrap();
    assert_eq!(
        (status.members, status.conversations, status.messages),
        (3, 1, 1)
    );
}

// --- ingest ------------------------------------------------------------------------------------

#[test]
fn ingesting_the_same_batch_twice_adds_nothing_new() {
    let mut db = TestDb::new();
    let account = db.discord();
    let first = db.store.ingest(account, &small_batch(), NOW).unwrap();
    assert_eq!((first.identities_added, first.messages_added), (3, 1));
    let again = db.store.ingest(account, &small_batch(), NOW).unwrap();
    assert_eq!(
        again,
        Default::default(),
        "a repeated page must change nothing"
    );
    let status = db.store.totals().unwrap();
    assert_eq!((status.members, status.messages), (3, 1));
}

#[test]
fn an_edited_message_is_updated_in_place() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store.ingest(account, &small_batch(), NOW).unwrap();
    let mut edit = small_batch();
    edit.messages[0].text = "How do I configure dark mode? (solved, see below)".into();
    edit.messages[0].edited_at = Some(NOW - HOUR);
    let report = db.store.ingest(account, &edit, NOW).unwrap();
    assert_eq!((report.messages_added, report.messages_updated), (0, 1));
    let conv = open_queue(&db)[0];
    let detail = db.store.conversation(conv, NOW).unwrap();
    assert_eq!(detail.messages.len(), 1);
    assert!(detail.messages[0].text.contains("solved"));
    assert_eq!(detail.messages[0].edited_at, Some(NOW - HOUR));
    assert_eq!(
        detail.messages[0]
            .revisions
            .iter()
            .map(|r| (r.text.as_str(), r.written_at, r.replaced_at))
            .collect::<Vec<_>>(),
        [(
            "How do I configure dark mode in the default theme?",
            NOW - 2 * HOUR,
            NOW - HOUR
        )],
        "the earlier version is shown with when it was written and replaced"
    );
    let hits = db.store.search("solved", 10, NOW).unwrap().hits;
    assert_eq!(hits.len(), 1, "search sees the edited text");
    assert!(
        db.store.search("theme", 10, NOW).unwrap().hits.is_empty(),
        "and forgets the old text"
    );
    // deleted on the platform: the thread shows it deleted, with what it said kept
    let mut gone = edit.clone();
    gone.messages[0].deleted_at = Some(NOW - MINUTE);
    db.store.ingest(account, &gone, NOW).unwrap();
    let detail = db.store.conversation(conv, NOW).unwrap();
    assert!(detail.messages[0].deleted);
    assert!(detail.messages[0].text.contains("solved"));
    assert_eq!(detail.messages[0].revisions.len(), 1);
}

#[test]
fn platform_html_is_sanitised_before_it_is_stored() {
    let mut db = TestDb::new();
    let account = db.discord();
    let mut batch = small_batch();
    batch.messages[0].text.clear();
    batch.messages[0].html = Some(
        r#"<p>Free <b>tokens</b> <a href="javascript:alert(1)">here</a><script>steal()</script><img src="https://t.example/p.gif" onerror="x()"></p>"#.into(),
    );
    db.store.ingest(account, &batch, NOW).unwrap();
    let conv = open_queue(&db)[0];
    let msg = &db.store.conversation(conv, NOW).unwrap().messages[0];
    let html = msg.html.as_deref().expect("html kept");
    for bad in ["<script", "javascript:", "onerror", "<img"] {
        assert!(!html.contains(bad), "{bad} reached the UI: {html}");
    }
    assert!(html.contains("<b>tokens</b>"), "formatting is kept: {html}");
    assert_eq!(
        msg.text, "Free tokens here",
        "text is derived from the HTML"
    );
}

#[test]
fn a_new_message_from_a_member_reopens_a_done_conversation_but_our_own_reply_does_not() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store
        .ingest(account, &small_batch(), NOW - HOUR)
        .unwrap();
    let conv = open_queue(&db)[0];
    db.store
        .triage(conv, &TriageAction::Done, NOW - 50 * MINUTE)
        .unwrap();

    let ours = Batch {
        messages: vec![message(
            "c1",
            "m2",
            "team",
            "Settings → Theme → Dark.",
            NOW - 40 * MINUTE,
        )],
        ..Default::default()
    };
    let r = db.store.ingest(account, &ours, NOW).unwrap();
    assert_eq!(r.conversations_reopened, 0, "our own answer keeps it done");
    assert!(open_queue(&db).is_empty());

    let theirs = Batch {
        messages: vec![message(
            "c1",
            "m3",
            "u1",
            "That didn't work for me",
            NOW - 10 * MINUTE,
        )],
        ..Default::default()
    };
    let r = db.store.ingest(account, &theirs, NOW).unwrap();
    assert_eq!(r.conversations_reopened, 1);
    let queue = db.store.inbox(&InboxQuery::default(), NOW).unwrap();
    assert_eq!(queue.items[0].id, conv);
    assert_eq!(
        queue.items[0].snippet, "That didn't work for me",
        "the row shows the newest message"
    );
    assert_eq!(queue.items[0].author_name, "Maria García");
    assert_eq!(queue.items[0].message_count, 3);
}

#[test]
fn a_member_writing_in_a_snoozed_conversation_wakes_it() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store
        .ingest(account, &small_batch(), NOW - HOUR)
        .unwrap();
    let conv = open_queue(&db)[0];
    db.store
        .triage(
            conv,
            &TriageAction::Snooze {
                until: NOW + 3 * DAY,
            },
            NOW - 50 * MINUTE,
        )
        .unwrap();
    assert!(open_queue(&db).is_empty());
    let follow_up = Batch {
        messages: vec![message(
            "c1",
            "m2",
            "u2",
            "Any news on this?",
            NOW - 5 * MINUTE,
        )],
        ..Default::default()
    };
    db.store.ingest(account, &follow_up, NOW).unwrap();
    assert_eq!(
        open_queue(&db),
        [conv],
        "a new question does not wait for the snooze"
    );
}

#[test]
fn a_batch_with_a_message_from_an_unknown_author_is_rejected_whole() {
    let mut db = TestDb::new();
    let account = db.discord();
    let mut batch = small_batch();
    batch
        .messages
        .push(message("c1", "m9", "ghost", "boo", NOW));
    let err = db
        .store
        .ingest(account, &batch, NOW)
        .expect_err("unknown author");
    assert!(err.to_string().contains("ghost"), "{err}");
    let status = db.store.totals().unwrap();
    assert_eq!(
        (status.members, status.conversations, status.messages),
        (0, 0, 0),
        "nothing of a failed batch may be kept half-written"
    );
}

// --- inbox -------------------------------------------------------------------------------------

fn three_threads(db: &mut TestDb) -> Vec<i64> {
    let account = db.discord();
    let mut batch = small_batch();
    batch
        .conversations
        .push(thread("c2", "Crash on build", NOW - 3 * HOUR));
    batch
        .conversations
        .push(thread("c3", "Love the new release", NOW - 30 * MINUTE));
    batch
        .messages
        .push(message("c2", "m2", "u2", "It crashes", NOW - 3 * HOUR));
    batch
        .messages
        .push(message("c3", "m3", "u2", "Thank you!", NOW - 30 * MINUTE));
    db.store.ingest(account, &batch, NOW).unwrap();
    open_queue(db)
}

#[test]
fn the_open_queue_ranks_by_its_rules_then_newest_activity_and_done_leaves_it() {
    let mut db = TestDb::new();
    let queue = three_threads(&mut db);
    let titles: Vec<String> = db
        .store
        .inbox(&InboxQuery::default(), NOW)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.title.unwrap_or_default())
        .collect();
    // Maria's and Kwame's first posts (+2 each, by the starting rule), the newer first; then
    // Kwame's second message, though it is the newest of all
    assert_eq!(
        titles,
        [
            "How do I configure dark mode?",
            "Crash on build",
            "Love the new release",
        ]
    );
    db.store.triage(queue[0], &TriageAction::Done, NOW).unwrap();
    assert_eq!(open_queue(&db), &queue[1..]);
    let done = db
        .store
        .inbox(
            &InboxQuery {
                status: Some(Status::Done),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    assert_eq!(done.items[0].id, queue[0]);
    let counts = db.store.inbox_counts(NOW).unwrap();
    assert_eq!((counts.open, counts.snoozed, counts.done), (2, 0, 1));
}

#[test]
fn a_snoozed_conversation_returns_to_the_open_queue_when_its_time_comes() {
    let mut db = TestDb::new();
    let queue = three_threads(&mut db);
    let item = db
        .store
        .triage(
            queue[0],
            &TriageAction::Snooze {
                until: NOW + 2 * HOUR,
            },
            NOW,
        )
        .unwrap();
    assert_eq!(item.status, Status::Snoozed);
    assert!(!open_queue(&db).contains(&queue[0]), "hidden while snoozed");
    let later = NOW + 3 * HOUR;
    let open_later: Vec<i64> = db
        .store
        .inbox(&InboxQuery::default(), later)
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    assert!(open_later.contains(&queue[0]), "back when the snooze ends");
    assert_eq!(db.store.inbox_counts(later).unwrap().snoozed, 0);
    let past = db
        .store
        .triage(queue[1], &TriageAction::Snooze { until: NOW - 1 }, NOW);
    assert!(past.is_err(), "a snooze into the past is refused");
}

fn queue(db: &TestDb, status: Status) -> Vec<i64> {
    db.store
        .inbox(
            &InboxQuery {
                status: Some(status),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect()
}

#[test]
fn a_waiting_conversation_comes_back_when_the_member_writes_not_when_the_team_does() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store
        .ingest(account, &small_batch(), NOW - HOUR)
        .unwrap();
    let conv = open_queue(&db)[0];
    let item = db
        .store
        .triage(conv, &TriageAction::Waiting, NOW - 50 * MINUTE)
        .unwrap();
    assert_eq!(item.status, Status::Waiting);
    assert!(open_queue(&db).is_empty(), "waiting leaves the open queue");
    assert_eq!(queue(&db, Status::Waiting), [conv]);
    let counts = db.store.inbox_counts(NOW).unwrap();
    assert_eq!((counts.open, counts.waiting), (0, 1));

    let ours = replies(vec![message(
        "c1",
        "m2",
        "team",
        "Could you send the log?",
        NOW - 40 * MINUTE,
    )]);
    db.store.ingest(account, &ours, NOW).unwrap();
    assert_eq!(
        queue(&db, Status::Waiting),
        [conv],
        "the team's own reply keeps it waiting"
    );

    let theirs = replies(vec![message(
        "c1",
        "m3",
        "u1",
        "Here it is",
        NOW - 10 * MINUTE,
    )]);
    let r = db.store.ingest(account, &theirs, NOW).unwrap();
    assert_eq!(r.conversations_reopened, 1);
    assert_eq!(open_queue(&db), [conv], "the member answered: back to open");
    assert!(queue(&db, Status::Waiting).is_empty());
}

#[test]
fn restoring_a_state_puts_back_status_snooze_assignee_priority_and_tags_exactly() {
    let mut db = TestDb::new();
    let conv = many_threads(&mut db, 1)[0];
    let until = NOW + 2 * DAY;
    for action in [
        TriageAction::Tag { tag: "bug".into() },
        TriageAction::Tag {
            tag: "windows".into(),
        },
        TriageAction::Assign {
            assignee: Some("Robin".into()),
        },
        TriageAction::Priority { priority: 3 },
        TriageAction::Snooze { until },
    ] {
        db.store.triage(conv, &action, NOW).unwrap();
    }
    let before = db.store.conversation_item(conv, NOW).unwrap();
    let state = TriageState {
        status: before.status,
        snoozed_until: before.snoozed_until,
        assignee: before.assignee.clone(),
        priority: before.priority,
        tags: before.tags.clone(),
    };
    // a careless minute: done, untagged, reassigned, priority dropped, a new tag
    for action in [
        TriageAction::Done,
        TriageAction::Untag { tag: "bug".into() },
        TriageAction::Tag { tag: "spam".into() },
        TriageAction::Assign { assignee: None },
        TriageAction::Priority { priority: 0 },
    ] {
        db.store.triage(conv, &action, NOW).unwrap();
    }
    let back = db
        .store
        .triage(
            conv,
            &TriageAction::Restore {
                state: state.clone(),
            },
            NOW,
        )
        .unwrap();
    assert_eq!(back.status, Status::Snoozed);
    assert_eq!(
        back.snoozed_until,
        Some(until),
        "the same snooze time, not open"
    );
    assert_eq!(back.assignee.as_deref(), Some("Robin"));
    assert_eq!(back.priority, 3);
    let mut tags = back.tags.clone();
    tags.sort();
    assert_eq!(tags, ["bug", "windows"]);
    assert_eq!(queue(&db, Status::Snoozed), [conv]);

    // a snooze that ran out meanwhile comes back open, as it would be by now
    let later = until + HOUR;
    let back = db
        .store
        .triage(conv, &TriageAction::Restore { state }, later)
        .unwrap();
    assert_eq!((back.status, back.snoozed_until), (Status::Open, None));
    let refused = db.store.triage(
        conv,
        &TriageAction::Restore {
            state: TriageState {
                status: Status::Open,
                snoozed_until: None,
                assignee: None,
                priority: 9,
                tags: vec![],
            },
        },
        NOW,
    );
    assert!(refused.is_err(), "a priority out of range is refused");
}

#[test]
fn a_bulk_action_changes_every_conversation_or_none_and_its_undo_puts_each_back() {
    let mut db = TestDb::new();
    let ids = many_threads(&mut db, 6);
    db.store
        .triage(ids[0], &TriageAction::Tag { tag: "bug".into() }, NOW)
        .unwrap();
    let five = &ids[..5];
    let before: Vec<TriageEach> = five
        .iter()
        .map(|&id| {
            let item = db.store.conversation_item(id, NOW).unwrap();
            TriageEach {
                id,
                action: TriageAction::Restore {
                    state: TriageState {
                        status: item.status,
                        snoozed_until: item.snoozed_until,
                        assignee: item.assignee,
                        priority: item.priority,
                        tags: item.tags,
                    },
                },
            }
        })
        .collect();
    let done: Vec<TriageEach> = five
        .iter()
        .map(|&id| TriageEach {
            id,
            action: TriageAction::Done,
        })
        .collect();
    let items = db.store.triage_each(&done, NOW).unwrap();
    assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), five);
    assert!(items.iter().all(|i| i.status == Status::Done));
    assert_eq!(open_queue(&db), [ids[5]], "five done at once");

    // one conversation that is not there: nothing changes
    let mut waiting: Vec<TriageEach> = five
        .iter()
        .map(|&id| TriageEach {
            id,
            action: TriageAction::Waiting,
        })
        .collect();
    waiting.push(TriageEach {
        id: 999_999,
        action: TriageAction::Waiting,
    });
    assert!(db.store.triage_each(&waiting, NOW).is_err());
    assert_eq!(queue(&db, Status::Done).len(), 5, "all or none");

    // undo: each gets its own state back (the first keeps its tag)
    db.store.triage_each(&before, NOW).unwrap();
    assert_eq!(open_queue(&db).len(), 6);
    assert_eq!(
        db.store.conversation_item(ids[0], NOW).unwrap().tags,
        ["bug"]
    );
}

#[test]
fn a_canned_reply_is_filled_in_for_the_member_and_place_it_answers() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store.ingest(account, &small_batch(), NOW).unwrap();
    let conv = open_queue(&db)[0];
    let saved = db
        .store
        .save_canned_reply(
            "Windows install",
            "Hi {first_name}! On {platform} ({channel}) we keep the Windows steps pinned.\n— {my_name}",
            NOW,
        )
        .unwrap();
    let err = db
        .store
        .canned_reply_for("windows install", conv)
        .unwrap_err()
        .to_string();
    assert!(err.contains("set your name"), "{err}");
    db.store
        .set_setting(hearth::inbox::canned::MY_NAME, "Robin")
        .unwrap();
    assert_eq!(
        db.store
            .canned_reply_for(&saved.id.to_string(), conv)
            .unwrap(),
        "Hi Maria! On Discord (#help) we keep the Windows steps pinned.\n— Robin"
    );
    // the member answered is whoever wrote last, not the team
    let more = replies(vec![message(
        "c1",
        "m2",
        "u2",
        "Same here on Windows 11",
        NOW,
    )]);
    db.store.ingest(account, &more, NOW).unwrap();
    assert!(db
        .store
        .canned_reply_for("Windows install", conv)
        .unwrap()
        .starts_with("Hi Kwame!"));

    // the same name in another case rewrites it; an unknown variable is refused, named
    let again = db
        .store
        .save_canned_reply("WINDOWS INSTALL", "Hello {name}", NOW + 1)
        .unwrap();
    assert_eq!(again.id, saved.id);
    assert_eq!(db.store.canned_replies().unwrap().len(), 1);
    let err = db
        .store
        .save_canned_reply("Bad", "Hi {firstname}", NOW)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("{firstname}") && err.contains("{first_name}"),
        "{err}"
    );
    let gone = db.store.remove_canned_reply("windows install").unwrap();
    assert_eq!(gone.body, "Hello {name}");
    assert!(db.store.canned_replies().unwrap().is_empty());
}

#[test]
fn the_member_beside_a_conversation_is_who_wrote_it_last_with_their_other_open_threads_and_notes() {
    let mut db = TestDb::new();
    let account = db.discord();
    let mut batch = small_batch();
    batch
        .conversations
        .push(thread("c2", "Dark mode on mobile?", NOW - HOUR));
    batch
        .messages
        .push(message("c2", "m9", "u1", "And on mobile?", NOW - HOUR));
    batch
        .conversations
        .push(thread("c3", "Release notes", NOW - 30 * MINUTE));
    batch.messages.push(message(
        "c3",
        "m10",
        "team",
        "Version 2.1 is out",
        NOW - 30 * MINUTE,
    ));
    db.store.ingest(account, &batch, NOW).unwrap();
    let id_of = |db: &TestDb, title: &str| {
        db.store
            .inbox(&InboxQuery::default(), NOW)
            .unwrap()
            .items
            .iter()
            .find(|i| i.title.as_deref() == Some(title))
            .map(|i| i.id)
            .unwrap()
    };
    let first = id_of(&db, "How do I configure dark mode?");
    let second = id_of(&db, "Dark mode on mobile?");
    let card = db.store.member_card(first, NOW).unwrap().expect("Maria");
    assert_eq!(card.member.display_name, "Maria García");
    assert_eq!(card.identities.len(), 1);
    assert!(card.first_conversation, "her first question");
    assert_eq!(
        card.open_conversations
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [second],
        "her other open conversation, not this one"
    );
    let maria = card.member.id;
    for i in 0..5 {
        db.store
            .add_note(maria, &format!("note {i}"), NOW + i)
            .unwrap();
    }
    let card = db.store.member_card(second, NOW).unwrap().unwrap();
    assert!(!card.first_conversation);
    assert_eq!(card.notes_total, 5);
    assert_eq!(
        card.notes
            .iter()
            .map(|n| n.body.as_str())
            .collect::<Vec<_>>(),
        ["note 4", "note 3", "note 2"],
        "the latest three"
    );
    // done conversations are not "open"
    db.store.triage(first, &TriageAction::Done, NOW).unwrap();
    let card = db.store.member_card(second, NOW).unwrap().unwrap();
    assert!(card.open_conversations.is_empty());
    // only the team wrote: nobody to show
    let release = id_of(&db, "Release notes");
    assert!(db.store.member_card(release, NOW).unwrap().is_none());
}

#[test]
fn each_conversation_carries_its_response_times_and_when_a_reply_is_due() {
    let mut db = TestDb::new();
    let account = db.discord();
    let asked = NOW - 10 * HOUR;
    db.store.ingest(account, &small_batch(), asked).unwrap();
    let conv = open_queue(&db)[0];
    let item = db.store.conversation_item(conv, NOW).unwrap();
    let first_asked = NOW - 2 * HOUR; // small_batch's question
    assert_eq!(item.unanswered_since, Some(first_asked));
    assert_eq!(
        item.reply_due_at,
        Some(first_asked + 24 * HOUR),
        "a day by default"
    );
    assert_eq!(item.first_response_ms, None, "nobody answered yet");

    let thread = replies(vec![
        message("c1", "m2", "team", "Settings → Theme.", NOW - HOUR),
        message(
            "c1",
            "m3",
            "u1",
            "Thanks! And on mobile?",
            NOW - 30 * MINUTE,
        ),
    ]);
    db.store.ingest(account, &thread, NOW).unwrap();
    let item = db.store.conversation_item(conv, NOW).unwrap();
    assert_eq!(
        item.first_response_ms,
        Some(HOUR),
        "answered an hour after the question"
    );
    assert_eq!(
        item.unanswered_since,
        Some(NOW - 30 * MINUTE),
        "the follow-up waits for an answer"
    );
    db.store
        .set_setting(hearth::inbox::REPLY_TARGET_SETTING, "4")
        .unwrap();
    let page = db.store.inbox(&InboxQuery::default(), NOW).unwrap();
    assert_eq!(
        page.items[0].reply_due_at,
        Some(NOW - 30 * MINUTE + 4 * HOUR)
    );

    let done = db.store.triage(conv, &TriageAction::Done, NOW).unwrap();
    assert_eq!(
        done.resolution_ms,
        Some(30 * MINUTE),
        "done half an hour after the last message"
    );
    assert_eq!(
        done.reply_due_at, None,
        "nothing is due on a done conversation"
    );
}

fn many_threads(db: &mut TestDb, n: i64) -> Vec<i64> {
    let account = db.discord();
    let mut batch = small_batch();
    batch.conversations.clear();
    batch.messages.clear();
    for i in 0..n {
        let id = format!("t{i}");
        batch
            .conversations
            .push(thread(&id, &format!("Thread {i}"), NOW - (i + 1) * HOUR));
        batch.messages.push(message(
            &id,
            &format!("{id}-m"),
            "u1",
            "hello",
            NOW - (i + 1) * HOUR,
        ));
    }
    db.store.ingest(account, &batch, NOW).unwrap();
    open_queue(db)
}

#[test]
fn pages_of_the_open_queue_follow_on_without_gaps_and_include_woken_snoozes() {
    let mut db = TestDb::new();
    let all = many_threads(&mut db, 9);
    // two snoozes that have run out by NOW + 2h, one that has not
    db.store
        .triage(all[2], &TriageAction::Snooze { until: NOW + HOUR }, NOW)
        .unwrap();
    db.store
        .triage(all[5], &TriageAction::Snooze { until: NOW + HOUR }, NOW)
        .unwrap();
    db.store
        .triage(all[7], &TriageAction::Snooze { until: NOW + DAY }, NOW)
        .unwrap();
    let later = NOW + 2 * HOUR;
    let mut seen = Vec::new();
    for page in 0..4 {
        let q = InboxQuery {
            limit: Some(3),
            offset: Some(page * 3),
            ..Default::default()
        };
        let p = db.store.inbox(&q, later).unwrap();
        assert_eq!(p.total, 8, "all but the still-snoozed one");
        seen.extend(p.items.into_iter().map(|i| i.id));
    }
    let expected: Vec<i64> = all.iter().copied().filter(|id| *id != all[7]).collect();
    assert_eq!(
        seen, expected,
        "newest first, woken snoozes in their place, no repeats"
    );
}

#[test]
fn the_snoozed_queue_lists_the_soonest_to_wake_first() {
    let mut db = TestDb::new();
    let all = many_threads(&mut db, 4);
    for (id, hours) in [(all[0], 30), (all[1], 5), (all[2], 12)] {
        db.store
            .triage(
                id,
                &TriageAction::Snooze {
                    until: NOW + hours * HOUR,
                },
                NOW,
            )
            .unwrap();
    }
    let q = InboxQuery {
        status: Some(Status::Snoozed),
        ..Default::default()
    };
    let ids: Vec<i64> = db
        .store
        .inbox(&q, NOW)
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, [all[1], all[2], all[0]]);
}

#[test]
fn tags_filter_the_queue_and_tagging_twice_keeps_one_tag() {
    let mut db = TestDb::new();
    let queue = three_threads(&mut db);
    for _ in 0..2 {
        db.store
            .triage(queue[2], &TriageAction::Tag { tag: "bug".into() }, NOW)
            .unwrap();
    }
    let item = db
        .store
        .triage(
            queue[2],
            &TriageAction::Tag {
                tag: "Question".into(),
            },
            NOW,
        )
        .unwrap();
    assert_eq!(item.tags.len(), 2, "{:?}", item.tags);
    let bugs = db
        .store
        .inbox(
            &InboxQuery {
                tag: Some("bug".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    assert_eq!(
        bugs.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [queue[2]]
    );
    let item = db
        .store
        .triage(queue[2], &TriageAction::Untag { tag: "bug".into() }, NOW)
        .unwrap();
    assert_eq!(item.tags, ["Question"]);
    assert_eq!(db.store.tags().unwrap(), ["bug", "Question"]);
}

#[test]
fn assignment_and_priority_are_kept_and_bad_values_refused() {
    let mut db = TestDb::new();
    let queue = three_threads(&mut db);
    let item = db
        .store
        .triage(
            queue[0],
            &TriageAction::Assign {
                assignee: Some("Robin".into()),
            },
            NOW,
        )
        .unwrap();
    assert_eq!(item.assignee.as_deref(), Some("Robin"));
    let item = db
        .store
        .triage(queue[0], &TriageAction::Priority { priority: 4 }, NOW)
        .unwrap();
    assert_eq!(item.priority, 4);
    assert!(db
        .store
        .triage(queue[0], &TriageAction::Priority { priority: 9 }, NOW)
        .is_err());
    assert!(matches!(
        db.store.triage(999, &TriageAction::Done, NOW),
        Err(Error::NotFound { .. })
    ));
}

// --- members and notes -------------------------------------------------------------------------

#[test]
fn members_are_found_by_name_handle_or_email_prefix() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store.ingest(account, &small_batch(), NOW).unwrap();
    for q in ["mari", "garc", "maria@acme", "acme.example"] {
        let page = db
            .store
            .members(&MemberQuery {
                q: Some(q.into()),
                ..Default::default()
            })
            .unwrap();
        let names: Vec<&str> = page.items.iter().map(|m| m.display_name.as_str()).collect();
        assert_eq!(names, ["Maria García"], "query {q:?}");
    }
    let none = db
        .store
        .members(&MemberQuery {
            q: Some("zzz".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(none.total, 0);
}

#[test]
fn a_changed_handle_is_found_by_search_after_the_next_sync() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store.ingest(account, &small_batch(), NOW).unwrap();
    let mut again = small_batch();
    again.identities[1].handle = "kwame_builds".into();
    db.store.ingest(account, &again, NOW).unwrap();
    let found = db
        .store
        .members(&MemberQuery {
            q: Some("kwame_bui".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.items.len(), 1, "the new handle is searchable");
    assert_eq!(found.items[0].handles, ["kwame_builds"]);
}

#[test]
fn the_teams_own_account_is_not_listed_among_members() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store.ingest(account, &small_batch(), NOW).unwrap();
    let names: Vec<String> = db
        .store
        .members(&MemberQuery::default())
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(!names.contains(&"Lumen Team".to_string()), "{names:?}");
}

#[test]
fn merging_two_members_keeps_every_identity_note_and_message() {
    let mut db = TestDb::new();
    let (keep, absorb) = maria_on_discord_and_github(&mut db);
    let find = |db: &TestDb, q: &str| {
        db.store
            .members(&MemberQuery {
                q: Some(q.into()),
                ..Default::default()
            })
            .unwrap()
            .items
    };
    db.store.add_note(absorb, "Met at FOSDEM", NOW).unwrap();
    db.store.merge_members(keep, absorb, "Robin", NOW).unwrap();

    let profile = db.store.member_profile(keep, NOW).unwrap();
    let platforms: Vec<Platform> = profile.identities.iter().map(|i| i.platform).collect();
    assert_eq!(platforms, [Platform::Discord, Platform::Github]);
    assert_eq!(profile.stats.messages_total, 2);
    assert_eq!(profile.notes.len(), 1, "notes follow the person");
    assert_eq!(profile.activity.len(), 2);
    assert_eq!(find(&db, "maria").len(), 1);
    assert_eq!(
        db.store.member_profile(absorb, NOW).unwrap().member.id,
        keep,
        "the merged member's old id leads to the member it is now part of"
    );
}

#[test]
fn a_profile_counts_recent_activity_and_conversations_started() {
    let mut db = TestDb::new();
    let account = db.discord();
    let mut batch = small_batch();
    batch
        .conversations
        .push(thread("old", "Old thread", NOW - 60 * DAY));
    batch
        .messages
        .push(message("old", "o1", "u2", "first", NOW - 60 * DAY));
    batch.messages.push(message(
        "old",
        "o2",
        "u1",
        "reply from long ago",
        NOW - 59 * DAY,
    ));
    db.store.ingest(account, &batch, NOW).unwrap();
    let maria = db
        .store
        .members(&MemberQuery {
            q: Some("maria".into()),
            ..Default::default()
        })
        .unwrap()
        .items[0]
        .id;
    let p = db.store.member_profile(maria, NOW).unwrap();
    assert_eq!(p.stats.messages_total, 2);
    assert_eq!(p.stats.messages_last_30_days, 1);
    assert_eq!(p.stats.messages_last_90_days, 2);
    assert_eq!(
        p.stats.conversations_started, 1,
        "she started c1, not the old thread"
    );
    assert_eq!(
        p.activity[0].conversation_title.as_deref(),
        Some("How do I configure dark mode?")
    );
}

#[test]
fn notes_are_saved_edited_searchable_and_deleted() {
    let mut db = TestDb::new();
    let account = db.discord();
    db.store.ingest(account, &small_batch(), NOW).unwrap();
    let maria = db
        .store
        .members(&MemberQuery {
            q: Some("maria".into()),
            ..Default::default()
        })
        .unwrap()
        .items[0]
        .id;
    let note = db.store.add_note(maria, "Ask about her talk", NOW).unwrap();
    let edited = db
        .store
        .update_note(
            note.id,
            "Ask about her talk at Write the Docs",
            NOW + MINUTE,
        )
        .unwrap();
    assert_eq!(edited.updated_at, NOW + MINUTE);
    let hits = db.store.search("write docs", 10, NOW).unwrap().hits;
    assert_eq!(hits[0].kind, HitKind::Note);
    assert_eq!(hits[0].member_id, Some(maria));
    assert_eq!(hits[0].title, "Maria García");
    db.store.delete_note(note.id).unwrap();
    assert!(db.store.notes(maria).unwrap().is_empty());
    assert!(
        db.store.search("talk", 10, NOW).unwrap().hits.is_empty(),
        "deleted notes leave search"
    );
    assert!(matches!(
        db.store.add_note(9999, "x", NOW),
        Err(Error::NotFound { .. })
    ));
}

// --- search ------------------------------------------------------------------------------------

#[test]
fn search_hits_carry_message_conversation_and_member_and_mark_matches() {
    let mut db = TestDb::new();
    three_threads(&mut db);
    let hits = db.store.search("crash", 10, NOW).unwrap().hits;
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.kind, HitKind::Message);
    assert!(h.message_id.is_some() && h.conversation_id.is_some() && h.member_id.is_some());
    assert_eq!(h.title, "Crash on build");
    assert_eq!(
        h.snippet, "It \u{2}crashes\u{3}",
        "prefix match on the last word, marked"
    );
    assert_eq!(h.author_name.as_deref(), Some("Kwame Mensah"));
    // FTS syntax typed by a person is just words, never an error
    for q in ["\"", "NOT", "crash OR", "col:x", "*", "a AND (b"] {
        assert!(
            db.store.search(q, 10, NOW).is_ok(),
            "query {q:?} must not fail"
        );
    }
}

#[test]
fn search_ignores_accents() {
    let mut db = TestDb::new();
    let account = db.discord();
    let mut batch = small_batch();
    batch.messages[0].text = "Zoë’s café is the best".into();
    db.store.ingest(account, &batch, NOW).unwrap();
    assert_eq!(db.store.search("cafe", 5, NOW).unwrap().hits.len(), 1);
    assert_eq!(db.store.search("zoe", 5, NOW).unwrap().hits.len(), 1);
}

// --- calendar ----------------------------------------------------------------------------------

fn post(db: &mut TestDb, state: ContentState, at: Option<i64>) -> CalendarItemInput {
    let bluesky = db.account(Platform::Bluesky, "Lumen on Bluesky");
    CalendarItemInput {
        title: "Release 3.2".into(),
        body: "It's out".into(),
        state,
        scheduled_at: at,
        source_conversation_id: None,
        variants: vec![VariantInput::new(Platform::Bluesky, "3.2 is out!").on(bluesky)],
        recurrence: None,
    }
}

#[test]
fn calendar_items_are_listed_by_range_with_their_variants() {
    let mut db = TestDb::new();
    let input = post(&mut db, ContentState::Scheduled, Some(NOW + DAY));
    let a = db.store.create_calendar_item(&input, NOW).unwrap();
    let input = post(&mut db, ContentState::Draft, Some(NOW + 10 * DAY));
    let b = db.store.create_calendar_item(&input, NOW).unwrap();
    let input = post(&mut db, ContentState::Idea, None);
    let idea = db.store.create_calendar_item(&input, NOW).unwrap();
    let week = db
        .store
        .calendar(&CalendarRange {
            from: Some(NOW),
            to: Some(NOW + 7 * DAY),
            include_unscheduled: false,
            brief: false,
        })
        .unwrap();
    assert_eq!(week.iter().map(|i| i.id).collect::<Vec<_>>(), [a.id]);
    assert_eq!(week[0].variants[0].char_limit, Some(300));
    let all = db
        .store
        .calendar(&CalendarRange {
            include_unscheduled: true,
            brief: false,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        all.iter().map(|i| i.id).collect::<Vec<_>>(),
        [a.id, b.id, idea.id]
    );
}

#[test]
fn a_scheduled_post_needs_a_date_and_variants_that_fit() {
    let mut db = TestDb::new();
    let input = post(&mut db, ContentState::Scheduled, None);
    let err = db.store.create_calendar_item(&input, NOW).unwrap_err();
    assert!(err.to_string().contains("date"), "{err}");
    let mut long = post(&mut db, ContentState::Scheduled, Some(NOW + DAY));
    long.variants[0].body = "x".repeat(301);
    let err = db.store.create_calendar_item(&long, NOW).unwrap_err();
    assert!(err.to_string().contains("Bluesky allows 300"), "{err}");
    long.variants[0].body = "👩‍👩‍👧".repeat(300);
    assert!(
        db.store.create_calendar_item(&long, NOW).is_ok(),
        "300 family emoji are 300 characters to a person, not 1,500"
    );
    long.variants[0].body = "x".repeat(301);
    long.state = ContentState::Draft;
    assert!(
        db.store.create_calendar_item(&long, NOW).is_ok(),
        "a draft may be over while being edited"
    );
}

#[test]
fn editing_a_calendar_item_replaces_its_variants_and_stamps_publication() {
    let mut db = TestDb::new();
    let input = post(&mut db, ContentState::Draft, Some(NOW + DAY));
    let item = db.store.create_calendar_item(&input, NOW).unwrap();
    let mut input = post(&mut db, ContentState::Published, Some(NOW + DAY));
    input.variants = vec![VariantInput::new(Platform::Mastodon, "Out now")];
    let updated = db
        .store
        .update_calendar_item(item.id, &input, NOW + HOUR)
        .unwrap();
    assert_eq!(updated.variants.len(), 1);
    assert_eq!(updated.variants[0].platform, Platform::Mastodon);
    assert_eq!(updated.published_at, Some(NOW + HOUR));
    db.store.delete_calendar_item(item.id).unwrap();
    assert!(db.store.calendar_item(item.id).is_err());
}

#[test]
fn text_from_a_platform_loses_control_characters_and_names_lose_direction_overrides() {
    let mut db = TestDb::new();
    let account = db.discord();
    let mut batch = small_batch();
    batch.identities[0].display_name = Some("Mallory\u{202E}nimdA".into());
    batch.identities[0].handle = "mal\u{0}lory".into();
    batch.messages[0].text = "Search \u{2}markers\u{3} and a NUL\u{0} here\nsecond line".into();
    batch.conversations[0].title = Some("Title \u{2066}isolated\u{2069}".into());
    db.store.ingest(account, &batch, NOW).expect("ingested");
    let conv = db
        .store
        .inbox(&InboxQuery::default(), NOW)
        .expect("inbox")
        .items[0]
        .id;
    let detail = db.store.conversation(conv, NOW).expect("the conversation");
    let m = &detail.messages[0];
    assert_eq!(m.text, "Search markers and a NUL here\nsecond line");
    assert_eq!(
        m.author.name, "MallorynimdA",
        "no override can reorder who wrote it"
    );
    assert_eq!(m.author.handle, "mallory");
    assert_eq!(detail.conversation.title.as_deref(), Some("Title isolated"));
    let hits = db.store.search("markers", 5, NOW).expect("search").hits;
    assert_eq!(hits.len(), 1, "the words are still found");
}

#[test]
fn a_brief_calendar_read_leaves_texts_and_targets_out_and_keeps_what_the_month_view_draws() {
    let mut db = TestDb::new();
    let input = post(&mut db, ContentState::Draft, Some(NOW + DAY));
    let item = db.store.create_calendar_item(&input, NOW).unwrap();
    let range = CalendarRange {
        from: Some(NOW),
        to: Some(NOW + 7 * DAY),
        include_unscheduled: false,
        brief: true,
    };
    let brief = db.store.calendar(&range).unwrap();
    assert_eq!(brief.len(), 1);
    assert_eq!(brief[0].title, "Release 3.2");
    assert_eq!(brief[0].body, "", "no text crosses to a month view");
    assert!(brief[0].variants.is_empty(), "nor the targets");
    assert_eq!(brief[0].state, ContentState::Draft);
    let whole = db.store.calendar_item(item.id).unwrap();
    assert_eq!(whole.body, "It's out", "opened, the item is whole");
    assert_eq!(whole.variants[0].body, "3.2 is out!");
}
