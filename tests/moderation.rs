//! Moderation (issue 11): rules flag new messages as they sync, with what matched and the text
//! around it; a false flag is dismissed and never raised again; the team is never flagged.

use crate::common;

use common::{message as msg, person, TestDb, NOW};
use hearth::ingest::{Batch, IncomingConversation};
use hearth::model::{ConversationKind, Millis, ModRuleInput, ModRuleKind};

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
