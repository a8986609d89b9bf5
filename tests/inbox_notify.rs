//! Desktop notifications (issue 9): which new messages are announced, once, and the person's
//! choices (platforms muted, quiet hours), on real database files through the core's API.

use chrono::{Local, TimeZone, Timelike};
use hearth::ingest::{Batch, IncomingConversation, IncomingMessage};
use hearth::model::{ConversationKind, NotifySettings, Platform};

use crate::common::{message, person, replies, thread, TestDb, HOUR, MINUTE, NOW};

fn mention(conv: &str, id: &str, author: &str, text: &str, at: i64) -> IncomingMessage {
    IncomingMessage {
        mentions_us: true,
        ..message(conv, id, author, text, at)
    }
}

fn direct(id: &str, at: i64) -> IncomingConversation {
    IncomingConversation {
        kind: ConversationKind::DirectMessage,
        title: None,
        container: None,
        ..thread(id, "", at)
    }
}

/// A workspace whose first notices call has been made (the backlog is never announced).
fn workspace() -> (TestDb, i64) {
    let mut db = TestDb::new();
    let account = db.discord();
    let batch = Batch {
        identities: vec![
            person("ana", "Ana Souza", None),
            person("kwame", "Kwame Mensah", None),
            person("team", "Lumen Team", None),
        ],
        conversations: vec![
            thread("help", "Build fails on ARM", NOW - 2 * HOUR),
            direct("dm", NOW - HOUR),
        ],
        messages: vec![
            mention(
                "help",
                "old",
                "ana",
                "@lumen is anyone there?",
                NOW - 2 * HOUR,
            ),
            message("dm", "dm0", "kwame", "Hi! A private question", NOW - HOUR),
        ],
        quarantined: Vec::new(),
    };
    db.store.ingest(account, &batch, NOW - HOUR).unwrap();
    assert!(
        db.store.take_notices(NOW - HOUR).unwrap().is_empty(),
        "what was there before Hearth first looked is not announced"
    );
    (db, account)
}

#[test]
fn a_new_mention_and_a_direct_message_are_announced_once_and_nothing_else_is() {
    let (mut db, account) = workspace();
    let now = NOW;
    let batch = replies(vec![
        mention(
            "help",
            "m1",
            "kwame",
            "@lumen the ARM build still fails",
            now - 5 * MINUTE,
        ),
        message(
            "help",
            "m2",
            "ana",
            "Same here, no mention",
            now - 4 * MINUTE,
        ),
        mention(
            "help",
            "m3",
            "team",
            "@lumen note to self",
            now - 3 * MINUTE,
        ),
        message("dm", "dm1", "kwame", "Are you around?", now - 2 * MINUTE),
    ]);
    db.store.ingest(account, &batch, now).unwrap();
    let notices = db.store.take_notices(now).unwrap();
    let titles: Vec<&str> = notices.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Kwame Mensah mentioned you · Build fails on ARM",
            "Kwame Mensah · direct message on Discord"
        ]
    );
    assert_eq!(notices[0].body, "@lumen the ARM build still fails");
    assert!(notices.iter().all(|n| n.conversation_id.is_some()));
    assert!(
        db.store.take_notices(now + MINUTE).unwrap().is_empty(),
        "each message is announced once"
    );

    // history arriving now (a message from three days ago) is not news
    let old = replies(vec![mention(
        "help",
        "m4",
        "ana",
        "@lumen from last week",
        now - 72 * HOUR,
    )]);
    db.store.ingest(account, &old, now).unwrap();
    assert!(db.store.take_notices(now).unwrap().is_empty());
}

#[test]
fn muted_platforms_quiet_hours_and_off_announce_nothing_and_do_not_pile_up() {
    let (mut db, account) = workspace();
    let local = |t: i64| Local.timestamp_millis_opt(t).unwrap();
    let hhmm = |t: i64| format!("{:02}:{:02}", local(t).hour(), local(t).minute());
    let mut n = 0;
    let mut mention_now = |db: &mut TestDb, at: i64| {
        n += 1;
        let b = replies(vec![mention(
            "help",
            &format!("q{n}"),
            "ana",
            "@lumen ping",
            at,
        )]);
        db.store.ingest(account, &b, at).unwrap();
    };

    let muted = db
        .store
        .set_notify_settings(&NotifySettings {
            enabled: true,
            muted_platforms: vec![Platform::Discord],
            quiet_from: None,
            quiet_to: None,
        })
        .unwrap();
    assert_eq!(muted.muted_platforms, [Platform::Discord]);
    mention_now(&mut db, NOW);
    assert!(db.store.take_notices(NOW).unwrap().is_empty(), "muted");

    // quiet hours around now, over midnight or not
    db.store
        .set_notify_settings(&NotifySettings {
            enabled: true,
            muted_platforms: vec![],
            quiet_from: Some(hhmm(NOW - HOUR)),
            quiet_to: Some(hhmm(NOW + HOUR)),
        })
        .unwrap();
    mention_now(&mut db, NOW);
    assert!(
        db.store.take_notices(NOW).unwrap().is_empty(),
        "quiet hours"
    );
    // after the quiet hours, only what is new then: nothing saved up for a burst
    let later = NOW + 2 * HOUR;
    assert!(db.store.take_notices(later).unwrap().is_empty());
    mention_now(&mut db, later);
    assert_eq!(db.store.take_notices(later).unwrap().len(), 1);

    let off = db
        .store
        .set_notify_settings(&NotifySettings {
            enabled: false,
            muted_platforms: vec![],
            quiet_from: None,
            quiet_to: None,
        })
        .unwrap();
    assert!(!off.enabled && off.quiet_from.is_none());
    mention_now(&mut db, later);
    assert!(db.store.take_notices(later).unwrap().is_empty(), "off");

    let err = db
        .store
        .set_notify_settings(&NotifySettings {
            enabled: true,
            muted_platforms: vec![],
            quiet_from: Some("22:00".into()),
            quiet_to: None,
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("start and an end"), "{err}");
    let err = db
        .store
        .set_notify_settings(&NotifySettings {
            enabled: true,
            muted_platforms: vec![],
            quiet_from: Some("late".into()),
            quiet_to: Some("08:00".into()),
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("'late'"), "{err}");
}

#[test]
fn many_at_once_become_one_notice_that_counts_them() {
    let (mut db, account) = workspace();
    let batch = replies(
        (0..6)
            .map(|i| {
                let who = if i % 2 == 0 { "ana" } else { "kwame" };
                mention(
                    "help",
                    &format!("b{i}"),
                    who,
                    "@lumen help",
                    NOW - 10 * MINUTE + i,
                )
            })
            .collect(),
    );
    db.store.ingest(account, &batch, NOW).unwrap();
    let notices = db.store.take_notices(NOW).unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, "6 new mentions and direct messages");
    assert_eq!(notices[0].body, "From Kwame Mensah, Ana Souza");
    assert_eq!(notices[0].conversation_id, None);
}
