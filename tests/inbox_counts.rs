//! The sidebar's counts (issue 9): every view's count and how many of it are past the view's
//! reply-time target come from counters the database keeps as conversations change (schema
//! 12). Whatever changes a conversation, here or in another process, each count still agrees
//! with the view's own pages, read row by row.

use hearth::ingest::Batch;
use hearth::model::{DemoOptions, InboxQuery, TriageAction, TriageState, View};

use crate::common::{hearth, message, person, text, thread, TestDb, DAY, HOUR, NOW};

/// Every view's count and overdue figure against its pages, row by row, at `now`.
fn agree(db: &TestDb, now: i64, when: &str) -> Vec<View> {
    let views = db.store.views(now).unwrap();
    let counts = db.store.inbox_counts(now).unwrap();
    for v in &views {
        let mut rows = Vec::new();
        loop {
            let page = db
                .store
                .inbox(
                    &InboxQuery {
                        view: Some(v.key.clone()),
                        limit: Some(500),
                        offset: Some(u32::try_from(rows.len()).unwrap()),
                        ..Default::default()
                    },
                    now,
                )
                .unwrap();
            if page.items.is_empty() {
                break;
            }
            rows.extend(page.items);
        }
        assert_eq!(
            rows.len() as i64,
            v.count,
            "{when}: {} counts its rows",
            v.name
        );
        // a view of every status (Feedback) gives no late figure of its own: its open rows
        // are counted late in the queue's views
        if v.filter.any_status != Some(true) {
            let late = rows
                .iter()
                .filter(|i| i.reply_due_at.is_some_and(|due| due <= now))
                .count() as i64;
            assert_eq!(late, v.overdue, "{when}: {} counts its late rows", v.name);
        }
        let by_status = match v.key.as_str() {
            "open" => Some(counts.open),
            "waiting" => Some(counts.waiting),
            "snoozed" => Some(counts.snoozed),
            "done" => Some(counts.done),
            _ => None,
        };
        if let Some(n) = by_status {
            assert_eq!(n, v.count, "{when}: the tab count of {} agrees", v.name);
        }
    }
    views
}

fn count(views: &[View], key: &str) -> i64 {
    views.iter().find(|v| v.key == key).map_or(-1, |v| v.count)
}

#[test]
fn every_count_agrees_with_its_view_whatever_changes_the_conversations() {
    let mut db = TestDb::new();
    hearth::demo::generate(
        &mut db.store,
        &DemoOptions {
            members: 60,
            messages: 1_500,
            seed: 11,
        },
        NOW,
        &mut |_| {},
    )
    .unwrap();
    let first = agree(&db, NOW, "the demo");
    assert!(count(&first, "open") > 20, "the demo fills the queue");
    assert!(
        first.iter().any(|v| v.overdue > 0),
        "the demo has questions past their target"
    );

    // each view of the queue its own reply-time target, so no two share a late figure
    for (key, hours) in [
        ("open", 48),
        ("needs-reply", 4),
        ("mentions", 2),
        ("first-timers", 8),
        ("mine", 12),
        ("unassigned", 30),
    ] {
        db.store.set_view_target(key, Some(hours), NOW).unwrap();
    }
    agree(&db, NOW, "with a target per view");

    // a morning of triage: every kind of change, an assignee written in other cases than "me"
    db.store.set_my_name(" ANA ", NOW).unwrap();
    let open: Vec<i64> = db
        .store
        .inbox(
            &InboxQuery {
                limit: Some(200),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    let mut state = 7u64;
    for (n, id) in open.iter().enumerate() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let action = match (state >> 33) % 10 {
            0 => TriageAction::Done,
            1 => TriageAction::Waiting,
            2 => TriageAction::Snooze { until: NOW + DAY },
            // a snooze that runs out within the day: open again by the evening
            3 => TriageAction::Snooze {
                until: NOW + 2 * HOUR,
            },
            4 => TriageAction::Assign {
                assignee: Some("Ana".into()),
            },
            5 => TriageAction::Assign {
                assignee: Some("ana".into()),
            },
            6 => TriageAction::Assign {
                assignee: Some("Ben".into()),
            },
            7 => TriageAction::Tag {
                tag: "feedback".into(),
            },
            8 => TriageAction::Priority { priority: 3 },
            _ => TriageAction::Open,
        };
        db.store.triage(*id, &action, NOW + n as i64).unwrap();
    }
    let morning = agree(&db, NOW + HOUR, "after triage");
    assert!(count(&morning, "mine") > 0, "Ana and ana are both me");
    assert!(count(&morning, "snoozed") > 0);

    // undo puts a conversation back exactly, and its counts with it
    let item = db.store.conversation_item(open[4], NOW).unwrap();
    let before = TriageState {
        status: item.status,
        snoozed_until: item.snoozed_until,
        assignee: item.assignee.clone(),
        priority: item.priority,
        tags: item.tags.clone(),
    };
    db.store
        .triage(
            open[4],
            &TriageAction::Assign {
                assignee: Some("Ben".into()),
            },
            NOW + HOUR,
        )
        .unwrap();
    db.store
        .triage(
            open[4],
            &TriageAction::Restore { state: before },
            NOW + HOUR,
        )
        .unwrap();
    assert_eq!(
        count(&agree(&db, NOW + HOUR, "after undo"), "mine"),
        count(&morning, "mine")
    );

    // the command line, in its own process, closes and assigns while the app holds the file
    for (id, args) in [
        (open[0], vec!["done"]),
        (open[1], vec!["assign", "ANA"]),
        (open[2], vec!["waiting"]),
    ] {
        let out = hearth(&db.path())
            .arg("triage")
            .arg(id.to_string())
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    agree(&db, NOW + HOUR, "after the command line");

    // members write again: a done, waiting or snoozed conversation comes back to the queue
    let account = db.discord();
    let batch = Batch {
        identities: vec![person("n1", "Noor Haddad", None)],
        conversations: vec![thread("new-1", "Is there a dark mode?", NOW + HOUR)],
        messages: vec![message(
            "new-1",
            "nm1",
            "n1",
            "Is there a dark mode yet?",
            NOW + HOUR,
        )],
        quarantined: Vec::new(),
    };
    db.store.ingest(account, &batch, NOW + HOUR).unwrap();
    let evening = agree(&db, NOW + 5 * HOUR, "after a sync, in the evening");
    assert_eq!(
        count(&evening, "first-timers"),
        count(&morning, "first-timers") + 1,
        "Noor's first post"
    );

    // the clock alone moves questions past their target and wakes snoozes
    let later = agree(&db, NOW + 3 * DAY, "three days on");
    assert!(count(&later, "snoozed") < count(&evening, "snoozed"));

    // removing an account takes its conversations out of every count
    db.store.remove_account(account).unwrap();
    let after = agree(&db, NOW + 5 * HOUR, "after removing an account");
    assert_eq!(
        count(&after, "first-timers"),
        count(&morning, "first-timers")
    );

    // an export brought into a new workspace counts the same
    let export = tempfile::tempdir().unwrap();
    let folder = export.path().join("export");
    db.store.export_to(&folder, &mut |_| {}).unwrap();
    let mut copy = TestDb::new();
    copy.store.import_from(&folder, &mut |_| {}).unwrap();
    copy.store.set_my_name("Ana", NOW).unwrap();
    let imported = agree(&copy, NOW + 5 * HOUR, "after an import");
    for v in &after {
        assert_eq!(
            count(&imported, &v.key),
            v.count,
            "{} after an import",
            v.name
        );
    }
}
