//! What the team edits on a profile (tags, custom fields, the organisation), organisations as
//! their own records, and privacy requests: exporting everything about one person, and
//! forgetting them so that no byte of theirs stays in the database file, its log or its index.

use crate::common;

use common::*;
use hearth::ingest::{Batch, IncomingIdentity};
use hearth::model::{MemberQuery, Platform};
use hearth::Store;

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(out));
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

fn run(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = hearth(db)
        .env_remove("HEARTH_DB")
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.success(), "hearth {args:?}: {}", text(&out));
    out
}

fn id_of(store: &Store, q: &str) -> i64 {
    let found = store
        .members(&MemberQuery {
            q: Some(q.into()),
            ..Default::default()
        })
        .unwrap()
        .items;
    assert_eq!(found.len(), 1, "one member matches '{q}': {found:?}");
    found[0].id
}

fn github_person(id: &str, name: &str, company: &str) -> IncomingIdentity {
    IncomingIdentity {
        organization: Some(company.into()),
        ..person(id, name, None)
    }
}

#[test]
fn tags_and_custom_fields_are_set_and_removed_from_the_cli_and_show_on_the_profile() {
    let mut db = TestDb::new();
    let discord = db.discord();
    db.store.ingest(discord, &small_batch(), NOW).unwrap();
    let kwame = id_of(&db.store, "kwame").to_string();
    let path = db.path();

    run(&path, &["members", "tag", &kwame, "speaker"]);
    run(&path, &["members", "tag", &kwame, "beta"]);
    run(&path, &["members", "untag", &kwame, "beta"]);
    run(&path, &["members", "set", &kwame, "Plan", "Pro"]);
    run(&path, &["members", "set", &kwame, "Shirt", "L"]);
    run(&path, &["members", "set", &kwame, "plan", "Enterprise"]);
    run(&path, &["members", "unset", &kwame, "shirt"]);
    run(
        &path,
        &["members", "set", &kwame, "organization", "Kite Labs"],
    );

    let shown = json_of(&run(&path, &["members", "show", &kwame, "--json"]));
    assert_eq!(shown["member"]["tags"], serde_json::json!(["speaker"]));
    assert_eq!(
        shown["fields"],
        serde_json::json!([{"name": "plan", "value": "Enterprise"}]),
        "a field set again under another spelling replaces it; an unset one is gone"
    );
    assert_eq!(shown["org"]["name"], "Kite Labs");
    assert_eq!(shown["org"]["setBy"], "hand");
    assert_eq!(shown["member"]["organization"], "Kite Labs");

    // the core sees the same thing
    let id: i64 = kwame.parse().unwrap();
    let profile = db.store.member_profile(id, NOW).unwrap();
    assert_eq!(profile.member.tags, ["speaker"]);
    assert!(!db.store.untag_member(id, "beta").unwrap(), "already gone");
    assert!(db.store.set_member_field(id, " ", "x", NOW).is_err());
    assert!(db.store.tag_member(999_999, "x").is_err(), "no such member");

    // clearing the organisation by hand sticks: Hearth does not find one again
    run(&path, &["members", "unset", &kwame, "organization"]);
    assert_eq!(db.store.settle_organizations(NOW).unwrap(), 0);
    assert_eq!(db.store.member_profile(id, NOW).unwrap().org, None);

    let out = hearth(&path)
        .args(["members", "set", "999999", "Plan", "Pro"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "an unknown member is an error");
}

#[test]
fn organisations_come_from_work_addresses_and_github_companies_never_from_public_mail() {
    let mut db = TestDb::new();
    let discord = db.discord();
    let github = db
        .store
        .ensure_account(Platform::Github, "acme/widgets", None, None, NOW)
        .unwrap();
    db.store
        .ingest(
            discord,
            &Batch {
                identities: vec![
                    person("a", "Ana Souza", Some("ana@eng.acme-corp.io")),
                    person("b", "Bo Berg", Some("bo.berg@gmail.com")),
                    person("c", "Cy Proton", Some("cy@proton.me")),
                    person("d", "Dee Kite", Some("dee@kite-labs.dev")),
                ],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    db.store
        .ingest(
            github,
            &Batch {
                identities: vec![
                    github_person("1", "Eli Octo", "@kite-labs"),
                    github_person("2", "Fay Acme", "Acme Corp, Inc."),
                ],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let org = |q: &str| {
        let id = id_of(&db.store, q);
        db.store
            .member_profile(id, NOW)
            .unwrap()
            .org
            .map(|o| o.name)
    };
    assert_eq!(org("ana").as_deref(), Some("Acme Corp"));
    assert_eq!(org("bo"), None, "gmail.com says nothing about an employer");
    assert_eq!(org("cy"), None, "nor does proton.me");
    assert_eq!(
        org("eli").as_deref(),
        Some("Kite Labs"),
        "GitHub's @kite-labs is the organisation Dee's kite-labs.dev address made"
    );
    assert_eq!(
        org("fay").as_deref(),
        Some("Acme Corp"),
        "'Acme Corp, Inc.' is Acme Corp"
    );

    let orgs = db.store.organizations(None, 50).unwrap();
    assert_eq!(orgs.len(), 2, "{orgs:?}");
    let kite = db.store.find_organization("kite-labs.dev").unwrap();
    let people = db
        .store
        .members(&MemberQuery {
            organization_id: Some(kite),
            ..Default::default()
        })
        .unwrap();
    let mut names: Vec<&str> = people
        .items
        .iter()
        .map(|m| m.display_name.as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["Dee Kite", "Eli Octo"]);
    assert_eq!(people.total, 2);
    let listed = json_of(&run(
        &db.path(),
        &["members", "list", "--org", "Kite Labs", "--json"],
    ));
    assert_eq!(
        listed["total"], 2,
        "the CLI filters by organisation too: {listed}"
    );

    // a profile's organisation is found by the list's search too
    assert!(db
        .store
        .members(&MemberQuery {
            q: Some("kite".into()),
            ..Default::default()
        })
        .unwrap()
        .items
        .iter()
        .any(|m| m.display_name == "Eli Octo"));
}

#[test]
fn renaming_and_merging_organisations_keeps_their_people_and_old_names() {
    let mut db = TestDb::new();
    let discord = db.discord();
    let batch = |ids: Vec<IncomingIdentity>| Batch {
        identities: ids,
        ..Default::default()
    };
    db.store
        .ingest(
            discord,
            &batch(vec![
                person("a", "Ana Souza", Some("ana@acme.io")),
                person("k", "Kim Lee", Some("kim@globex.example")),
            ]),
            NOW,
        )
        .unwrap();
    let acme = db.store.find_organization("acme").unwrap();
    let globex = db.store.find_organization("Globex").unwrap();
    db.store
        .rename_organization(acme, "Acme Rockets", NOW)
        .unwrap();
    assert!(
        db.store
            .rename_organization(acme, "Globex Inc", NOW)
            .is_err(),
        "a name another organisation has is refused"
    );
    // someone new from the old name or the domain joins the renamed organisation
    db.store
        .ingest(
            discord,
            &batch(vec![
                person("b", "Bea Roe", Some("bea@acme.io")),
                IncomingIdentity {
                    organization: Some("Acme".into()),
                    ..person("c", "Cal Poe", None)
                },
            ]),
            NOW,
        )
        .unwrap();
    let detail = db.store.organization(acme).unwrap();
    assert_eq!(detail.org.name, "Acme Rockets");
    assert_eq!(detail.org.member_count, 3, "{:?}", detail.members);

    // the CLI merges Globex into Acme Rockets
    let path = db.path();
    run(
        &path,
        &["orgs", "merge", &acme.to_string(), &globex.to_string()],
    );
    let orgs = json_of(&run(&path, &["orgs", "list", "--json"]));
    assert_eq!(orgs.as_array().unwrap().len(), 1, "{orgs}");
    assert_eq!(orgs[0]["memberCount"], 4);
    let shown = json_of(&run(&path, &["orgs", "show", "globex.example", "--json"]));
    assert_eq!(shown["org"]["name"], "Acme Rockets");
    run(
        &path,
        &["orgs", "rename", "Globex", "Acme Rockets & Globex"],
    );
    let kim = id_of(&db.store, "kim");
    assert_eq!(
        db.store
            .member_summary(kim)
            .unwrap()
            .organization
            .as_deref(),
        Some("Acme Rockets & Globex")
    );
}

#[test]
fn merging_then_unmerging_members_keeps_fields_tags_and_organisation_exact() {
    let mut db = TestDb::new();
    let discord = db.discord();
    db.store
        .ingest(
            discord,
            &Batch {
                identities: vec![
                    person("k", "Maria Gomez", Some("maria.gomez@gmail.com")),
                    person("a", "María Gómez", Some("mgomez@acme.io")),
                ],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let keep = id_of(&db.store, "gmail");
    let absorb = id_of(&db.store, "mgomez");
    db.store
        .set_member_field(keep, "Plan", "Free", NOW)
        .unwrap();
    db.store
        .set_member_field(absorb, "Plan", "Pro", NOW)
        .unwrap();
    db.store
        .set_member_field(absorb, "Shirt", "M", NOW)
        .unwrap();
    db.store.tag_member(absorb, "speaker").unwrap();
    let before_keep = db.store.member_profile(keep, NOW).unwrap();
    let before_absorb = db.store.member_profile(absorb, NOW).unwrap();
    assert_eq!(before_keep.org, None);
    assert!(before_absorb.org.is_some());

    let merge = db.store.merge_members(keep, absorb, "Robin", NOW).unwrap();
    let merged = db.store.member_profile(keep, NOW).unwrap();
    assert_eq!(
        merged.org, before_absorb.org,
        "the organisation comes with her"
    );
    let fields: Vec<(String, String)> = merged
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    assert_eq!(
        fields,
        [("Plan".into(), "Free".into()), ("Shirt".into(), "M".into())],
        "the kept member's value wins; the new field comes along"
    );

    db.store.unmerge(keep, Some(merge), NOW + 1).unwrap();
    assert_eq!(db.store.member_profile(keep, NOW).unwrap(), before_keep);
    assert_eq!(db.store.member_profile(absorb, NOW).unwrap(), before_absorb);
}

/// Someone with words nobody else uses, on Discord, with a note, a field, an edited message.
const NAME: &str = "Quillon Zephyrine";
const EMAIL: &str = "qzephyrine@vortexquill.example";
const WORD: &str = "flibbertigibbon";
const OLD_WORD: &str = "snorkelwhistle";
const NOTE: &str = "pangolinsecret";
const FIELD: &str = "sapphirecustom";

fn with_quillon(db: &mut TestDb) -> (i64, i64) {
    let discord = db.discord();
    db.store.ingest(discord, &small_batch(), NOW).unwrap();
    let mut quillon = person("q1", NAME, Some(EMAIL));
    quillon.raw = Some(format!(
        r#"{{"id":"q1","email":"{EMAIL}","global_name":"{NAME}"}}"#
    ));
    let first = Batch {
        identities: vec![quillon.clone()],
        conversations: vec![thread(
            "c1",
            "How do I configure dark mode?",
            NOW - 2 * HOUR,
        )],
        messages: vec![message(
            "c1",
            "q-m1",
            "q1",
            &format!("I tried {OLD_WORD} first"),
            NOW - HOUR,
        )],
        quarantined: Vec::new(),
    };
    db.store.ingest(discord, &first, NOW).unwrap();
    let mut first = first;
    // a link to their message can name them (Mastodon's /@handle/123)
    first.messages[0].url = Some("https://social.example/@quillon/1".into());
    let mut edited = first.clone();
    edited.messages[0].text = format!("The {WORD} setting fixed it for me");
    edited.messages[0].edited_at = Some(NOW - HOUR / 2);
    db.store.ingest(discord, &edited, NOW).unwrap();
    let id = id_of(&db.store, "zephyrine");
    db.store
        .add_note(id, &format!("Met at the meetup, {NOTE}"), NOW)
        .unwrap();
    db.store.set_member_field(id, "Hobby", FIELD, NOW).unwrap();
    db.store.tag_member(id, "speaker").unwrap();
    let conversation = db
        .store
        .search("configure", 5, hearth::now_millis())
        .unwrap()
        .hits
        .iter()
        .find_map(|h| h.conversation_id)
        .expect("the thread is found");
    (id, conversation)
}

#[test]
fn a_privacy_export_holds_everything_about_the_person_and_nobody_else() {
    let mut db = TestDb::new();
    let (id, _) = with_quillon(&mut db);
    let out = db.dir.path().join("quillon.json");
    let path = db.path();
    run(
        &path,
        &[
            "members",
            "privacy-export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    for needle in [NAME, EMAIL, WORD, OLD_WORD, NOTE, FIELD, "speaker"] {
        assert!(text.contains(needle), "the export holds '{needle}'");
    }
    assert!(
        !text.contains("Maria"),
        "nothing about another member is in it"
    );
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["format"], "hearth-privacy-export");
    assert_eq!(
        doc["identities"][0]["raw"]
            .as_str()
            .map(|r| r.contains(EMAIL)),
        Some(true)
    );
    assert_eq!(doc["messages"].as_array().unwrap().len(), 1);
    assert_eq!(doc["message_revisions"].as_array().unwrap().len(), 1);
    // it never overwrites a file
    let again = hearth(&path)
        .args(["members", "privacy-export", &id.to_string(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
}

fn holds(path: &std::path::Path, needle: &str) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let lower: Vec<u8> = bytes.iter().map(|b| b.to_ascii_lowercase()).collect();
    let needle = needle.to_ascii_lowercase();
    lower.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn traces(db_path: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", db_path.display()));
        for needle in [
            "Zephyrine",
            "Quillon",
            "vortexquill",
            WORD,
            OLD_WORD,
            NOTE,
            FIELD,
        ] {
            if holds(&file, needle) {
                found.push(format!("'{needle}' in {}", file.display()));
            }
        }
    }
    found
}

#[test]
fn forgetting_a_person_leaves_no_byte_of_them_in_the_file_log_or_index_and_the_thread_reads() {
    let mut db = TestDb::new();
    let (id, conversation) = with_quillon(&mut db);
    let path = db.path();
    assert!(
        !traces(&path).is_empty(),
        "the test is meaningful: their words are in the files before"
    );
    let maria = id_of(&db.store, "maria");
    db.store
        .add_reminder(maria, "thank Maria", NOW + 3_600_000, NOW)
        .unwrap();
    let maria_before = db.store.member_profile(maria, NOW).unwrap();
    // they are on GitHub too, merged by hand: the tombstone and the merge go as well
    let github = db
        .store
        .ensure_account(Platform::Github, "acme/widgets", None, None, NOW)
        .unwrap();
    db.store
        .ingest(
            github,
            &Batch {
                identities: vec![person("77", "Quillon Z", Some("zq77@vortexquill.example"))],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let on_github = id_of(&db.store, "zq77");
    db.store.merge_members(id, on_github, "Robin", NOW).unwrap();
    // follow-ups on them, and on someone else
    db.store
        .add_reminder(id, &format!("ask {NOTE} again"), NOW + 3_600_000, NOW)
        .unwrap();
    let export = db.store.privacy_export(id, NOW).unwrap();
    assert_eq!(
        export["other"]["reminders"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(export["members"].as_array().map(Vec::len), Some(2));

    let preview = db.store.forget_preview(id).unwrap();
    assert_eq!(preview.display_name, NAME);
    assert_eq!((preview.notes, preview.fields, preview.messages), (1, 1, 1));
    let report = db.store.forget_member(id, NOW).unwrap();
    assert_eq!(report.messages_blanked, 1);
    assert_eq!(
        (
            report.members,
            report.identities,
            report.merges,
            report.other
        ),
        (2, 2, 1, 1)
    );
    assert!(
        db.store.member_profile(on_github, NOW).is_err(),
        "the merged one too"
    );
    assert!(report.wal_cleared && report.file_rewritten, "{report:?}");

    assert_eq!(
        traces(&path),
        Vec::<String>::new(),
        "while the store is open"
    );
    assert!(
        db.store.find_organization("vortexquill.example").is_err(),
        "the organisation only their address made goes with them"
    );
    assert!(db.store.member_profile(id, NOW).is_err(), "they are gone");
    assert!(db
        .store
        .search(WORD, 5, hearth::now_millis())
        .unwrap()
        .hits
        .is_empty());
    assert!(db
        .store
        .search(NOTE, 5, hearth::now_millis())
        .unwrap()
        .hits
        .is_empty());
    assert!(db
        .store
        .members(&MemberQuery {
            q: Some("zephyrine".into()),
            ..Default::default()
        })
        .unwrap()
        .items
        .is_empty());

    // the thread still reads, their message blank and from "Deleted member"
    let thread = db.store.conversation(conversation, NOW).unwrap();
    assert_eq!(thread.messages.len(), 2);
    let gone = thread
        .messages
        .iter()
        .find(|m| m.external_id == "q-m1")
        .expect("their message stays in the thread");
    assert_eq!(gone.author.name, "Deleted member");
    let stand_in = gone.author.member_id.expect("a member stands for them");
    assert!(
        db.store.forget_member(stand_in, NOW).is_err(),
        "\"Deleted member\" cannot be forgotten"
    );
    assert_eq!(gone.text, "");
    assert_eq!(gone.html, None);

    // everyone else is untouched
    assert_eq!(db.store.member_profile(maria, NOW).unwrap(), maria_before);
    let reminders: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM reminders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(reminders, 1, "Maria's reminder stays");
    assert_eq!(
        db.store
            .search("configure", 5, hearth::now_millis())
            .unwrap()
            .hits
            .len(),
        1
    );

    drop(db.store);
    assert_eq!(traces(&path), Vec::<String>::new(), "after it closes");
}

#[test]
fn forgetting_from_the_cli_asks_for_yes_when_nobody_can_answer() {
    let mut db = TestDb::new();
    let (id, _) = with_quillon(&mut db);
    let path = db.path();
    let id = id.to_string();
    let refused = hearth(&path)
        .args(["members", "forget", &id])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(text(&refused).contains("--yes"), "{}", text(&refused));
    assert!(
        db.store.member_profile(id.parse().unwrap(), NOW).is_ok(),
        "nothing was deleted"
    );
    let out = run(&path, &["members", "forget", &id, "--yes"]);
    assert!(
        text(&out).contains("Forgot Quillon Zephyrine"),
        "{}",
        text(&out)
    );
    assert!(db.store.member_profile(id.parse().unwrap(), NOW).is_err());
}

#[test]
fn members_from_before_organisations_get_theirs_once_the_upgraded_database_is_opened() {
    let mut db = TestDb::new();
    let discord = db.discord();
    db.store.ingest(discord, &small_batch(), NOW).unwrap();
    let maria = id_of(&db.store, "maria");
    // as the upgrade to schema 5 leaves a workspace: no organisation yet, the backfill pending
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    raw.execute_batch(
        "UPDATE members SET organization_id = NULL; DELETE FROM organization_domains;
         DELETE FROM organizations;
         INSERT OR REPLACE INTO settings (key, value) VALUES ('organizations.backfill', '\"pending\"');",
    )
    .unwrap();
    drop(raw);
    assert_eq!(db.store.member_profile(maria, NOW).unwrap().org, None);

    let shown = json_of(&run(
        &db.path(),
        &["members", "show", &maria.to_string(), "--json"],
    ));
    assert_eq!(
        shown["org"]["name"], "Acme",
        "maria@acme.example is with Acme"
    );
    assert_eq!(
        db.store.setting("organizations.backfill").unwrap(),
        None,
        "done once"
    );
    db.store.finish_upgrade().unwrap();
}

#[test]
fn the_demo_has_organisations_and_removing_it_takes_them_away() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    run(&db, &["demo", "--members", "60", "--messages", "300"]);
    let orgs = json_of(&run(&db, &["orgs", "--json"]));
    let orgs = orgs.as_array().unwrap();
    assert!(!orgs.is_empty(), "the demo's people work somewhere");
    assert!(
        orgs.iter().all(|o| o["memberCount"].as_i64() > Some(0)),
        "{orgs:?}"
    );
    assert!(
        orgs.iter().all(|o| !o["domains"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().is_some_and(|d| d.contains("gmail")))),
        "no public provider is an organisation: {orgs:?}"
    );
    run(&db, &["demo-remove"]);
    let after = json_of(&run(&db, &["orgs", "--json"]));
    assert_eq!(
        after,
        serde_json::json!([]),
        "nobody left, no organisation left"
    );
}

#[test]
fn a_forget_while_another_hearth_reads_is_finished_by_the_next_one_to_open_the_file() {
    let mut db = TestDb::new();
    let (id, _) = with_quillon(&mut db);
    let path = db.path();
    // another Hearth in the middle of reading: the log cannot be emptied under it
    let reader = rusqlite::Connection::open(&path).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    let report = db.store.forget_member(id, NOW).unwrap();
    assert!(!report.wal_cleared, "{report:?}");
    assert_eq!(
        db.store.setting("privacy.scrub").unwrap().as_deref(),
        Some("\"pending\"")
    );
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);

    // the next Hearth to open the file finishes the job
    run(&path, &["status"]);
    assert_eq!(db.store.setting("privacy.scrub").unwrap(), None);
    assert_eq!(traces(&path), Vec::<String>::new());
}
