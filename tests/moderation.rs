//! Moderation (issue 11): rules flag new messages as they sync, with what matched and the text
//! around it; a false flag is dismissed and never raised again; the team is never flagged.

use crate::common;

use common::{maria_on_discord_and_github, message as msg, person, TestDb, HOUR, NOW};
use hearth::ingest::{Batch, IncomingConversation};
use hearth::model::{
    ConversationKind, Millis, ModActionInput, ModActionKind, ModRuleInput, ModRuleKind,
};

const MINUTE: Millis = 60_000;
const DAY: Millis = 24 * 60 * MINUTE;

fn conv(id: &str, at: Millis) -> IncomingConversation {
    IncomingConversation {
        external_id: id.into(),
        kind: ConversationKind::Thread,
        title: Some(format!("Thread {id}")),
        container: Some("#general".into()),
        url: None,
        created_at: at,
    }
}

fn rule(kind: ModRuleKind, pattern: Option<&str>, threshold: Option<f64>) -> ModRuleInput {
    ModRuleInput {
        name: format!("{kind:?}"),
        kind,
        pattern: pattern.map(String::from),
        threshold,
        guideline: Some("Be kind".into()),
    }
}

/// The open flags as (author, rule, what matched).
fn flags(db: &TestDb) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = db
        .store
        .mod_flags(None, 100)
        .expect("flags")
        .into_iter()
        .map(|f| (f.author, f.rule, f.matched))
        .collect();
    v.sort();
    v
}

#[test]
fn each_kind_of_rule_flags_what_it_says_and_nothing_else() {
    let mut db = TestDb::new();
    let discord = db.discord();
    for (kind, pattern, threshold) in [
        (ModRuleKind::Keywords, Some("scam, free nitro"), None),
        (ModRuleKind::NewMemberLink, None, None),
        (ModRuleKind::AllCaps, None, None),
        (ModRuleKind::Repeated, None, Some(3.0)),
        (ModRuleKind::MassMentions, None, Some(4.0)),
        (ModRuleKind::Negative, None, Some(-0.8)),
    ] {
        db.store
            .add_mod_rule(&rule(kind, pattern, threshold), NOW)
            .expect("a rule");
    }
    let t = NOW - DAY;
    let mut messages = vec![
        // an old hand writes a link, calmly: nothing
        msg(
            "c1",
            "m0",
            "old",
            "Docs are at https://lumen.dev/docs",
            t - 60 * DAY,
        ),
        msg(
            "c1",
            "m1",
            "old",
            "See https://lumen.dev/docs/images for the pipeline",
            t,
        ),
        msg(
            "c1",
            "m2",
            "old",
            "Lovely work on 3.1, thank you!",
            t + MINUTE,
        ),
        // a newcomer's first message is a link with a keyword in it
        msg(
            "c2",
            "m3",
            "newbie",
            "FREE NITRO here: https://disc0rd.gift/abc",
            t,
        ),
        msg(
            "c2",
            "m4",
            "shouty",
            "WHY DOES THE BUILD KEEP FAILING ON WINDOWS",
            t,
        ),
        msg(
            "c2",
            "m8",
            "pinger",
            "@ana @ben @cai @dora can anyone help?",
            t,
        ),
        msg(
            "c2",
            "m9",
            "grump",
            "This is awful, terrible and broken. I hate it.",
            t,
        ),
        // the team may shout and link: never flagged
        msg(
            "c2",
            "m10",
            "team",
            "PLEASE READ: https://lumen.dev/rules scam warning",
            t,
        ),
    ];
    for i in 0..3 {
        messages.push(msg(
            "c3",
            &format!("r{i}"),
            "spammer",
            "Check my channel!!",
            t + i * MINUTE,
        ));
    }
    db.store
        .ingest(
            discord,
            &Batch {
                identities: [
                    "old", "newbie", "shouty", "pinger", "grump", "spammer", "team",
                ]
                .iter()
                .map(|n| person(n, &format!("{n} person"), None))
                .collect(),
                conversations: vec![conv("c1", t - 60 * DAY), conv("c2", t), conv("c3", t)],
                messages,
                quarantined: Vec::new(),
            },
            NOW,
        )
        .expect("ingested");
    assert_eq!(
        flags(&db),
        vec![
            (
                "grump person".into(),
                "Negative".into(),
                "sentiment -0.92, at or below -0.80".into()
            ),
            (
                "newbie person".into(),
                "Keywords".into(),
                "the word “FREE NITRO”".into()
            ),
            (
                "newbie person".into(),
                "NewMemberLink".into(),
                "a link from a new member (first wrote the same day)".into()
            ),
            (
                "pinger person".into(),
                "MassMentions".into(),
                "4 mentions".into()
            ),
            (
                "shouty person".into(),
                "AllCaps".into(),
                "written in capitals (35 of 35 letters)".into()
            ),
            (
                "spammer person".into(),
                "Repeated".into(),
                "the same message 3 times in ten minutes".into()
            ),
        ]
    );
    let newbie = db
        .store
        .mod_flags(None, 100)
        .expect("flags")
        .into_iter()
        .find(|f| f.rule == "Keywords")
        .expect("the keyword flag");
    assert_eq!(newbie.excerpt, "FREE NITRO here: https://disc0rd.gift/abc");
    assert_eq!(newbie.guideline.as_deref(), Some("Be kind"));
    assert_eq!(newbie.channel.as_deref(), Some("#general"));
}

#[test]
fn a_dismissed_flag_is_counted_on_its_rule_and_never_raised_again() {
    let mut db = TestDb::new();
    let discord = db.discord();
    let batch = Batch {
        identities: vec![person("ana", "Ana", None)],
        conversations: vec![conv("c1", NOW - DAY)],
        messages: vec![msg(
            "c1",
            "m1",
            "ana",
            "Is this a scam or a real offer?",
            NOW - DAY,
        )],
        quarantined: Vec::new(),
    };
    db.store.ingest(discord, &batch, NOW).expect("ingested");
    // a rule added later looks back over the last 30 days at once
    let added = db
        .store
        .add_mod_rule(&rule(ModRuleKind::Keywords, Some("scam"), None), NOW)
        .expect("a rule");
    assert_eq!(added.flagged, 1);
    let flag = db.store.mod_flags(None, 10).expect("flags")[0].id;
    db.store.dismiss_flag(flag, NOW).expect("dismissed");
    assert!(db.store.mod_flags(None, 10).expect("flags").is_empty());
    let err = db.store.dismiss_flag(flag, NOW).expect_err("once");
    assert!(err.to_string().contains("already dismissed"), "{err}");

    // the same message synced again, and edited, stays dismissed
    let mut edited = batch.clone();
    edited.messages[0].text = "Is this a scam? Asking for a friend".into();
    edited.messages[0].edited_at = Some(NOW);
    db.store.ingest(discord, &batch, NOW).expect("again");
    db.store.ingest(discord, &edited, NOW).expect("edited");
    assert!(db.store.mod_flags(None, 10).expect("flags").is_empty());
    let rules = db.store.mod_rules().expect("rules");
    assert_eq!((rules[0].flagged, rules[0].dismissed), (1, 1));
    assert_eq!(
        db.store
            .mod_flags(Some("dismissed"), 10)
            .expect("flags")
            .len(),
        1
    );
}

#[test]
fn hearth_mod_adds_rules_lists_flags_and_says_what_is_wrong_in_words() {
    let mut db = TestDb::new();
    let discord = db.discord();
    db.store
        .ingest(
            discord,
            &Batch {
                identities: vec![person("sam", "Sam Spammer", None)],
                conversations: vec![conv("c1", NOW - DAY)],
                messages: vec![msg(
                    "c1",
                    "m1",
                    "sam",
                    "Join discord.gg/freestuff for free nitro",
                    NOW - DAY,
                )],
                quarantined: Vec::new(),
            },
            NOW,
        )
        .expect("ingested");
    let run = |args: &[&str]| {
        let out = common::hearth(&db.path())
            .args(args)
            .output()
            .expect("hearth runs");
        (out.status.success(), common::text(&out))
    };
    let (ok, text) = run(&[
        "mod",
        "add-rule",
        "Invite links",
        "--kind",
        "regex",
        "--pattern",
        r"discord\.gg/\w+",
        "--guideline",
        "No advertising",
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("it flagged 1 of the last 30 days' messages"),
        "{text}"
    );
    let (ok, text) = run(&["mod", "flags"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("Sam Spammer on Discord #general: Invite links"),
        "{text}"
    );
    assert!(text.contains("“discord.gg/freestuff”"), "{text}");

    let (ok, text) = run(&[
        "mod",
        "add-rule",
        "Broken",
        "--kind",
        "regex",
        "--pattern",
        "(oops",
    ]);
    assert!(!ok);
    assert!(
        text.contains("is not a regular expression Hearth can use"),
        "{text}"
    );
    let (ok, text) = run(&["mod", "add-rule", "Odd", "--kind", "shouting"]);
    assert!(!ok);
    assert!(text.contains("is not a kind of rule"), "{text}");
}

fn act(action: ModActionKind, reason: &str) -> ModActionInput {
    ModActionInput {
        action: Some(action),
        reason: reason.into(),
        guideline: Some("Be kind".into()),
        ..Default::default()
    }
}

fn message_id(db: &TestDb, external: &str) -> i64 {
    rusqlite::Connection::open(db.path())
        .expect("opens")
        .query_row(
            "SELECT id FROM messages WHERE external_id = ?1",
            [external],
            |r| r.get(0),
        )
        .expect("the message")
}

#[test]
fn an_action_settles_the_flag_and_follows_its_person_through_a_merge_and_an_unmerge() {
    let mut db = TestDb::new();
    let (discord_maria, github_maria) = {
        let (a, b) = maria_on_discord_and_github(&mut db);
        // the Discord one is the member with the dark-mode question
        let m1 = message_id(&db, "m1");
        let owner: i64 = rusqlite::Connection::open(db.path())
            .expect("opens")
            .query_row(
                "SELECT i.member_id FROM messages m JOIN identities i ON i.id = m.author_identity_id
                 WHERE m.id = ?1",
                [m1],
                |r| r.get(0),
            )
            .expect("an author");
        if owner == a {
            (a, b)
        } else {
            (b, a)
        }
    };
    db.store
        .add_mod_rule(&rule(ModRuleKind::Keywords, Some("dark mode"), None), NOW)
        .expect("a rule");
    let flag = db.store.mod_flags(None, 10).expect("flags")[0].clone();

    // Asked for without a reason: refused in words, nothing recorded.
    let err = db
        .store
        .moderate(
            &ModActionInput {
                flag_id: Some(flag.id),
                ..act(ModActionKind::Warn, "  ")
            },
            NOW,
        )
        .expect_err("a reason is needed");
    assert!(err.to_string().contains("say why"), "{err}");
    let err = db
        .store
        .moderate(
            &ModActionInput {
                identity_id: Some(1),
                ..act(ModActionKind::Delete, "spam")
            },
            NOW,
        )
        .expect_err("deleting needs a message");
    assert!(err.to_string().contains("choose the message"), "{err}");

    // A warning without words is recorded by hand; the flag is settled, not dismissed.
    let warned = db
        .store
        .moderate(
            &ModActionInput {
                flag_id: Some(flag.id),
                ..act(ModActionKind::Warn, "Off-topic again")
            },
            NOW,
        )
        .expect("recorded");
    assert_eq!(
        (
            warned.how.as_str(),
            warned.state.as_str(),
            warned.by.as_str()
        ),
        ("hand", "done", "You")
    );
    assert_eq!(warned.member_id, discord_maria);
    assert_eq!(warned.flag_id, Some(flag.id));
    assert_eq!(
        warned.excerpt.as_deref(),
        Some("How do I configure dark mode in the default theme?")
    );
    assert!(db.store.mod_flags(None, 10).expect("open").is_empty());
    assert_eq!(
        db.store
            .mod_flags(Some("actioned"), 10)
            .expect("actioned")
            .len(),
        1
    );
    assert_eq!(
        db.store.mod_rules().expect("rules")[0].dismissed,
        0,
        "acting is not dismissing"
    );

    // A warning with words goes out as a reply to the message itself.
    db.store.set_setting("me.name", "Priya").expect("my name");
    let with_words = db
        .store
        .moderate(
            &ModActionInput {
                message_id: Some(flag.message_id),
                message: Some("Please keep #help for questions.".into()),
                ..act(ModActionKind::Warn, "Off-topic")
            },
            NOW + 1,
        )
        .expect("queued");
    assert_eq!(
        (with_words.how.as_str(), with_words.state.as_str()),
        ("platform", "queued")
    );
    assert_eq!(with_words.by, "Priya");
    let outbox = db.store.list_outbox(None).expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].kind.as_str(), outbox[0].body.as_str()),
        ("reply", "Please keep #help for questions.")
    );
    // Withdrawn from the outbox, it leaves the log too: it never happened.
    db.store
        .cancel_outbox(outbox[0].id, NOW + 2)
        .expect("withdrawn");
    assert!(db.store.mod_action(with_words.id).is_err());

    // The log follows the person: merged, Maria's profile holds it; unmerged, it goes back.
    let timeout = db
        .store
        .moderate(
            &ModActionInput {
                message_id: Some(flag.message_id),
                minutes: Some(90),
                ..act(ModActionKind::Timeout, "Cool off")
            },
            NOW + 3,
        )
        .expect("a timeout");
    assert_eq!(timeout.until, Some(NOW + 3 + 90 * MINUTE));
    assert_eq!(
        timeout.how, "platform",
        "Discord times people out through its API"
    );
    db.store
        .merge_members(github_maria, discord_maria, "test", NOW + 4)
        .expect("merged");
    let merged = db
        .store
        .member_profile(github_maria, NOW + 5)
        .expect("profile");
    let kinds: Vec<ModActionKind> = merged.moderation.iter().map(|a| a.action).collect();
    assert_eq!(
        kinds,
        [ModActionKind::Timeout, ModActionKind::Warn],
        "newest first"
    );
    db.store
        .unmerge(github_maria, None, NOW + 6)
        .expect("unmerged");
    assert!(db
        .store
        .member_profile(github_maria, NOW + 7)
        .expect("profile")
        .moderation
        .is_empty());
    assert_eq!(
        db.store
            .member_profile(discord_maria, NOW + 7)
            .expect("profile")
            .moderation
            .len(),
        2
    );

    // Forgotten, nothing of it is left: not the log, not the flag's excerpt.
    db.store
        .forget_member(discord_maria, NOW + 8)
        .expect("forgotten");
    assert!(db.store.mod_log(None, 10).expect("log").is_empty());
    assert!(db
        .store
        .mod_flags(Some("actioned"), 10)
        .expect("flags")
        .is_empty());
}

#[test]
fn the_teams_own_account_is_never_moderated_and_the_demo_records_instead_of_sending() {
    let mut db = TestDb::new();
    let discord = db.discord();
    let mut batch = common::small_batch();
    batch.messages.push(msg(
        "c1",
        "m2",
        "team",
        "Settings → Theme → Dark",
        NOW - HOUR,
    ));
    db.store.ingest(discord, &batch, NOW).expect("ingested");
    let ours = message_id(&db, "m2");
    let err = db
        .store
        .moderate(
            &ModActionInput {
                message_id: Some(ours),
                ..act(ModActionKind::Delete, "test")
            },
            NOW,
        )
        .expect_err("our own");
    assert!(err.to_string().contains("team's own account"), "{err}");

    // The demo's accounts are sample data: every action is recorded, none is sent.
    let demo_db = TestDb::new();
    let mut store = demo_db.store;
    hearth::demo::generate(
        &mut store,
        &hearth::model::DemoOptions {
            members: 150,
            messages: 1200,
            seed: 7,
        },
        NOW,
        &mut |_| {},
    )
    .expect("the demo");
    let flag = store.mod_flags(None, 10).expect("flags")[0].clone();
    let choices = store
        .mod_action_choices(Some(flag.message_id), None)
        .expect("choices");
    assert!(choices
        .iter()
        .all(|c| !c.on_platform && c.how.contains("demo")));
    let done = store
        .moderate(
            &ModActionInput {
                flag_id: Some(flag.id),
                ..act(ModActionKind::Ban, "Spam")
            },
            NOW,
        )
        .expect("recorded");
    assert_eq!((done.how.as_str(), done.state.as_str()), ("hand", "done"));
    assert!(store.list_outbox(None).expect("outbox").is_empty());
}
