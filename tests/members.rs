//! One member per human: merges on proof as identities arrive, suggestions with reasons,
//! rejection that lasts, and undo that restores exactly what was there.

use crate::common;

use common::*;
use hearth::ingest::{Batch, IncomingIdentity};
use hearth::model::{DemoOptions, MemberQuery, Platform};
use hearth::Store;

fn slack_person(id: &str, name: &str, email: &str) -> IncomingIdentity {
    IncomingIdentity {
        raw: Some(
            serde_json::json!({"id": id, "profile": {"email": email, "real_name": name}})
                .to_string(),
        ),
        ..person(id, name, Some(email))
    }
}

fn members_named(store: &Store, q: &str) -> Vec<i64> {
    store
        .members(&MemberQuery {
            q: Some(q.into()),
            ..Default::default()
        })
        .unwrap()
        .items
        .iter()
        .map(|m| m.id)
        .collect()
}

#[test]
fn a_verified_email_on_two_platforms_makes_one_member_as_it_syncs_and_says_why() {
    let mut db = TestDb::new();
    let slack = db
        .store
        .ensure_account(Platform::Slack, "lumen", None, None, NOW)
        .unwrap();
    let discourse = db
        .store
        .ensure_account(Platform::Discourse, "forum", None, None, NOW)
        .unwrap();
    let batch = |ids: Vec<IncomingIdentity>| Batch {
        identities: ids,
        ..Default::default()
    };
    db.store
        .ingest(
            slack,
            &batch(vec![
                slack_person("U1", "Ana Souza", "ana.souza@acme.example"),
                slack_person("U2", "Team Inbox", "team@acme.example"),
            ]),
            NOW,
        )
        .unwrap();
    db.store
        .ingest(
            discourse,
            &batch(vec![
                person("7", "Ana S.", Some("Ana.Souza@acme.example")),
                person("8", "Someone Else", Some("team@acme.example")),
            ]),
            NOW,
        )
        .unwrap();

    let ana = members_named(&db.store, "souza");
    assert_eq!(ana.len(), 1, "Ana's two accounts are one member: {ana:?}");
    let history = db.store.merge_history(ana[0]).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].how, "proof");
    assert_eq!(history[0].decided_by, "Hearth");
    assert!(
        history[0].reason.contains("ana.souza@acme.example"),
        "the evidence is recorded: {}",
        history[0].reason
    );
    assert_eq!(
        db.store.totals().unwrap().members,
        3,
        "Ana, and the two who share a team address: a shared team address is never proof"
    );
}

#[test]
fn undoing_a_merge_restores_identities_notes_tags_and_activity_exactly_and_it_stays_undone() {
    let mut db = TestDb::new();
    let (keep, absorb) = maria_on_discord_and_github(&mut db);
    db.store.add_note(absorb, "Met at FOSDEM", NOW).unwrap();
    db.store.tag_member(absorb, "speaker").unwrap();
    db.store.tag_member(keep, "champion").unwrap();
    let before_keep = db.store.member_profile(keep, NOW).unwrap();
    let before_absorb = db.store.member_profile(absorb, NOW).unwrap();

    let merge = db.store.merge_members(keep, absorb, "Robin", NOW).unwrap();
    let merged = db.store.member_profile(keep, NOW).unwrap();
    assert_eq!(merged.identities.len(), 2);
    let mut tags = merged.member.tags.clone();
    tags.sort();
    assert_eq!(tags, ["champion", "speaker"]);

    let back = db.store.unmerge(keep, Some(merge), NOW + 1).unwrap();
    assert_eq!(back, absorb, "the member comes back under its own id");
    let after_keep = db.store.member_profile(keep, NOW).unwrap();
    let after_absorb = db.store.member_profile(absorb, NOW).unwrap();
    assert_eq!(after_keep, before_keep, "the kept member is as it was");
    assert_eq!(
        after_absorb, before_absorb,
        "the absorbed member is as it was"
    );

    let history = db.store.merge_history(keep).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].decided_by, "Robin");
    assert_eq!(history[0].undone_at, Some(NOW + 1));
    assert!(db.store.unmerge(keep, Some(merge), NOW + 2).is_err());

    // told apart: a full run never suggests them again
    db.store.resolve_members(NOW, &mut |_| {}).unwrap();
    let suggestions = db.store.merge_suggestions(0.0, 100).unwrap();
    assert!(
        !suggestions
            .iter()
            .any(|s| [s.a.id, s.b.id] == [keep.min(absorb), keep.max(absorb)]),
        "an undone merge is never suggested again"
    );
}

#[test]
fn the_demo_merges_only_what_is_proven_and_suggests_the_rest_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("demo.db")).unwrap();
    let (summary, truth) =
        hearth::demo::generate_with_truth(&mut store, &DemoOptions::default(), NOW, &mut |_| {})
            .unwrap();
    assert!(summary.merged_on_proof > 10, "{summary:?}");
    let q = truth.measure(&store, 0.8).unwrap();
    assert!(
        q.merge_precision() >= 0.995,
        "automatic merges are right: {q:?}"
    );
    assert!(
        q.merged_wrong == 0,
        "no automatic merge joins two people: {q:?}"
    );
    assert!(
        q.suggestion_precision() >= 0.9,
        "suggestions are one person, with few exceptions: {q:?}"
    );
    assert!(
        q.suggestion_recall() >= 0.3,
        "and they find a good part of the people on several platforms: {q:?}"
    );
    // A name alone never suggests, so the pairs whose accounts show more in common than a
    // name (by the generator's facts, not Hearth's reading of them) are the ones to find: a
    // misspelt name, a first name only, a name written out in a handle, with the same
    // employer, city, email or made-up handle beside it. 89 of 89 at the time of writing.
    assert!(
        q.members_to_merge_beyond_name > 50,
        "the demo has pairs to find beyond a name: {q:?}"
    );
    assert!(
        q.suggestion_recall_beyond_name() >= 0.95,
        "suggestions find nearly every pair that shows more than a name: {} of {}",
        q.suggested_right_beyond_name,
        q.members_to_merge_beyond_name
    );
    let all = store.merge_suggestions(0.0, 100_000).unwrap();
    for suggestion in &all {
        for name in [&suggestion.a.display_name, &suggestion.b.display_name] {
            assert!(
                !["Deleted User", "ghost", "[deleted]", "Unknown"].contains(&name.as_str()),
                "a placeholder never matches anyone: {suggestion:?}"
            );
        }
    }
    // the review queue and its count show the default bar and up; the pairs under it are kept
    // for a lower one (`hearth members suggest --min-score 0.5`)
    let shown = store.merge_suggestions(0.8, 100_000).unwrap();
    assert_eq!(store.merge_suggestion_count().unwrap(), shown.len() as i64);
    assert!(
        all.len() > shown.len(),
        "{} kept, {} shown",
        all.len(),
        shown.len()
    );
    assert!(all.iter().all(|s| s.probability >= 0.5));
    let s = store.merge_suggestions(0.8, 5).unwrap();
    assert!(!s.is_empty());
    for suggestion in &s {
        assert!(
            suggestion
                .reasons
                .iter()
                .any(|r| r.weight > 0.0 && !r.text.is_empty()),
            "every suggestion says why: {suggestion:?}"
        );
        assert!(
            suggestion
                .reasons
                .iter()
                .any(|r| r.weight > 0.5 && r.field != "name" && r.field != "prior"),
            "never a matching name alone: {suggestion:?}"
        );
    }
}

/// The targets at a community five times the default demo's: suggestions at the default
/// bar are one person at least 95 times in 100, and find at least 95 in 100 of the pairs whose
/// accounts show more than a name. 479 of 492 at the time of writing, 0.993 precise; 464 before
/// a made-up handle, a place and an employer were weighed by how rarely others show them (the
/// benchmark reads 0.972 at 20,000 people, and 0.891 at 100,000, where the demo's made-up
/// handles are two people's one time in three: `docs/performance.md`).
#[test]
fn at_two_thousand_people_suggestions_meet_the_precision_and_recall_targets() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("demo.db")).unwrap();
    let options = DemoOptions {
        members: 2000,
        messages: 20_000,
        ..Default::default()
    };
    let (_, truth) =
        hearth::demo::generate_with_truth(&mut store, &options, NOW, &mut |_| {}).unwrap();
    let q = truth.measure(&store, 0.8).unwrap();
    assert!(q.merged_wrong == 0, "no automatic merge is wrong: {q:?}");
    assert!(
        q.suggestion_precision() >= 0.95,
        "{} right, {} wrong",
        q.suggested_right,
        q.suggested_wrong
    );
    assert!(
        q.suggestion_recall_beyond_name() >= 0.95,
        "{} of {} pairs showing more than a name",
        q.suggested_right_beyond_name,
        q.members_to_merge_beyond_name
    );
}

/// The recall above is read over the pairs the generator says show more than a name, so what
/// it says an account shows must be on the account: a made-up handle ("pixelowl11") in the
/// handle, an email, an employer, a place in their fields.
#[test]
fn what_the_demo_says_an_account_shows_is_on_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("demo.db")).unwrap();
    let options = DemoOptions {
        members: 2000,
        messages: 2000,
        ..Default::default()
    };
    let (_, truth) =
        hearth::demo::generate_with_truth(&mut store, &options, NOW, &mut |_| {}).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("demo.db")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT account_id, external_id, platform, handle, email, organization, location
             FROM identities",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get::<_, i64>(0)?, r.get::<_, String>(1)?),
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                [
                    r.get::<_, Option<String>>(4)?.is_some(),
                    r.get::<_, Option<String>>(5)?.is_some(),
                    r.get::<_, Option<String>>(6)?.is_some(),
                ],
            ))
        })
        .unwrap();
    let (mut handles, mut on_bluesky) = (0, 0);
    for row in rows {
        let (key, platform, handle, fields) = row.unwrap();
        let Some(shown) = truth.shown.get(&key) else {
            continue;
        };
        if let Some(made_up) = &shown.made_up_handle {
            handles += 1;
            on_bluesky += usize::from(platform == "bluesky");
            assert!(
                handle.starts_with(made_up.as_str()),
                "{platform} account {handle:?} is said to show the handle {made_up:?}"
            );
        }
        assert_eq!(
            fields,
            [shown.email, shown.organization, shown.location],
            "{platform} account {handle:?}: email, employer, place as shown"
        );
    }
    assert!(
        handles > 50 && on_bluesky > 0,
        "{handles} made-up handles, {on_bluesky} on Bluesky"
    );
}

/// `identity` synced from a GitHub repository.
fn on_github(db: &mut TestDb, identity: IncomingIdentity) {
    let github = db
        .store
        .ensure_account(Platform::Github, "acme/widgets", None, None, NOW)
        .unwrap();
    let batch = Batch {
        identities: vec![identity],
        ..Default::default()
    };
    db.store.ingest(github, &batch, NOW).unwrap();
}

/// Ana Souza on Discord and, later, on GitHub: same rare handle, same city, nothing that proves
/// it. Returns the two members.
fn ana_on_discord_then_github(db: &mut TestDb) -> (i64, i64) {
    let discord = db.discord();
    let mut first = small_batch();
    first.identities.push(IncomingIdentity {
        handle: "quietfox7".into(),
        location: Some("Lisbon".into()),
        ..person("u9", "Ana Souza", None)
    });
    db.store.ingest(discord, &first, NOW).unwrap();
    on_github(
        db,
        IncomingIdentity {
            handle: "quietfox7".into(),
            location: Some("Lisbon, Portugal".into()),
            ..person("77", "Ana Souza", None)
        },
    );
    let ana = members_named(&db.store, "souza");
    assert_eq!(ana.len(), 2, "nothing proves they are one person: no merge");
    (ana[0].min(ana[1]), ana[0].max(ana[1]))
}

#[test]
fn a_new_account_that_looks_like_a_known_member_is_suggested_as_it_syncs() {
    let mut db = TestDb::new();
    ana_on_discord_then_github(&mut db);
    let suggestions = db.store.merge_suggestions(0.8, 10).unwrap();
    assert_eq!(
        suggestions.len(),
        1,
        "the pair is suggested by the sync itself, without a full run: {suggestions:?}"
    );
    let texts: Vec<&str> = suggestions[0]
        .reasons
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert!(texts.contains(&"same handle 'quietfox7'"), "{texts:?}");
    assert!(texts.contains(&"both in lisbon"), "{texts:?}");
}

#[test]
fn a_handle_with_a_number_finds_the_member_whose_name_it_writes_out() {
    let mut db = TestDb::new();
    on_github(
        &mut db,
        IncomingIdentity {
            handle: "rkorovski".into(),
            location: Some("Berlin, Germany".into()),
            organization: Some("Lumen Labs".into()),
            ..person("4410", "Rosa Korovski", None)
        },
    );
    let discord = db.discord();
    let mut batch = small_batch();
    batch.identities.push(IncomingIdentity {
        handle: "rosakorovski66".into(),
        location: Some("Berlin".into()),
        organization: Some("Lumen Labs".into()),
        ..person("u31", "Rosa", None)
    });
    db.store.ingest(discord, &batch, NOW).unwrap();
    for (how, suggestions) in [
        ("as it syncs", db.store.merge_suggestions(0.5, 10).unwrap()),
        ("in a whole run", {
            db.store.resolve_members(NOW, &mut |_| {}).unwrap();
            db.store.merge_suggestions(0.5, 10).unwrap()
        }),
    ] {
        assert_eq!(suggestions.len(), 1, "{how}: {suggestions:?}");
        let texts: Vec<&str> = suggestions[0]
            .reasons
            .iter()
            .map(|r| r.text.as_str())
            .collect();
        assert!(
            texts.contains(
                &"'rosa' / 'rosa korovski': the handle 'rosakorovski66' writes out the whole name"
            ),
            "{how}: {texts:?}"
        );
    }
}

#[test]
fn each_review_decision_is_undone_exactly_and_the_suggestion_comes_back_as_it_was() {
    use hearth::model::ReviewDecision::{Accept, Reject, Skip};
    let mut db = TestDb::new();
    let (a, b) = ana_on_discord_then_github(&mut db);
    let before = db.store.merge_suggestions(0.8, 10).unwrap();
    assert_eq!(before.len(), 1);
    let identities = |store: &Store, m: i64| store.member_profile(m, NOW).unwrap().identities.len();

    // accept: one member with both accounts; undo: two members again, suggested as before
    let step = db
        .store
        .review_suggestion(a, b, Accept, "maria", NOW + 1)
        .unwrap();
    let merge = step.merge_id.expect("an accept merges");
    assert_eq!(members_named(&db.store, "souza").len(), 1);
    assert_eq!(db.store.merge_suggestion_count().unwrap(), 0);
    let history = db.store.merge_history(a).unwrap();
    assert_eq!(
        (history[0].id, history[0].how.as_str()),
        (merge, "accepted")
    );
    assert_eq!(history[0].decided_by, "maria");
    db.store.undo_review(&step, NOW + 2).unwrap();
    let mut back = members_named(&db.store, "souza");
    back.sort_unstable();
    assert_eq!(back, vec![a, b], "both come back under their own ids");
    assert_eq!((identities(&db.store, a), identities(&db.store, b)), (1, 1));
    assert_eq!(db.store.merge_suggestions(0.8, 10).unwrap(), before);
    assert!(db.store.merge_history(a).unwrap()[0].undone_at.is_some());

    // reject: never suggested, even after a full run; undo: suggested again, as before
    let step = db
        .store
        .review_suggestion(b, a, Reject, "maria", NOW + 3)
        .unwrap();
    db.store.resolve_members(NOW + 4, &mut |_| {}).unwrap();
    assert_eq!(db.store.merge_suggestion_count().unwrap(), 0);
    db.store.undo_review(&step, NOW + 5).unwrap();
    assert_eq!(db.store.merge_suggestions(0.8, 10).unwrap(), before);
    db.store.resolve_members(NOW + 6, &mut |_| {}).unwrap();
    assert_eq!(
        db.store.merge_suggestion_count().unwrap(),
        1,
        "the rejection is gone: a full run finds the pair again"
    );

    // skip: shown as skipped; undo: as it was
    let before = db.store.merge_suggestions(0.8, 10).unwrap();
    let step = db
        .store
        .review_suggestion(a, b, Skip, "maria", NOW + 7)
        .unwrap();
    assert!(db.store.merge_suggestions(0.8, 10).unwrap()[0].skipped);
    db.store.undo_review(&step, NOW + 8).unwrap();
    assert_eq!(db.store.merge_suggestions(0.8, 10).unwrap(), before);

    // a decision on a pair that is not suggested says so
    let err = db
        .store
        .review_suggestion(a, a + 1000, Accept, "maria", NOW)
        .unwrap_err();
    assert!(err.to_string().contains("member"), "{err}");
}

#[test]
fn any_two_members_can_be_explained_suggested_or_not() {
    let mut db = TestDb::new();
    let (a, b) = ana_on_discord_then_github(&mut db);
    let suggested = db.store.merge_suggestions(0.8, 10).unwrap();
    let view = db
        .store
        .explain_pair(b, a)
        .unwrap()
        .expect("both have accounts");
    assert_eq!(
        (view.score, view.probability),
        (suggested[0].score, suggested[0].probability),
        "the same view as the suggestion"
    );
    let maria = members_named(&db.store, "maria")[0];
    let unlikely = db.store.explain_pair(a, maria).unwrap().expect("accounts");
    assert!(unlikely.probability < 0.1, "{unlikely:?}");
    assert!(
        unlikely
            .reasons
            .iter()
            .any(|r| r.text.contains("different names")),
        "says why not: {unlikely:?}"
    );
}

#[test]
fn keys_worked_out_by_older_rules_are_worked_out_again_by_the_next_whole_run() {
    let mut db = TestDb::new();
    let slack = db
        .store
        .ensure_account(Platform::Slack, "lumen", None, None, NOW)
        .unwrap();
    db.store
        .ingest(
            slack,
            &Batch {
                identities: vec![slack_person(
                    "U1",
                    "Ana Souza",
                    "ana.souza@sunbeamcoop.example",
                )],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    db.store.resolve_members(NOW, &mut |_| {}).unwrap();
    // a database whose keys an older Hearth worked out: its rules dropped "co" anywhere
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute_batch(
        "UPDATE identity_keysets SET keys = replace(keys, '\"sunbeamcoop\"', '\"sunbeamop\"');
         DELETE FROM settings WHERE key = 'members.keys_version';",
    )
    .unwrap();
    let org_keys = |conn: &rusqlite::Connection| -> Vec<String> {
        conn.prepare("SELECT value FROM identity_keys WHERE kind = 'org'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(org_keys(&conn), vec!["sunbeamop".to_string()]);

    db.store.resolve_members(NOW + 1, &mut |_| {}).unwrap();
    assert_eq!(org_keys(&conn), vec!["sunbeamcoop".to_string()]);
    // and only once: keys now current are left as they are
    conn.execute(
        "UPDATE identity_keysets SET keys = replace(keys, '\"sunbeamcoop\"', '\"kept\"')",
        [],
    )
    .unwrap();
    db.store.resolve_members(NOW + 2, &mut |_| {}).unwrap();
    assert_eq!(org_keys(&conn), vec!["kept".to_string()]);
}
