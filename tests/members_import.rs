//! People from a spreadsheet (`hearth import members FILE.csv`) and members out (`hearth
//! export members`): files as people save them, bad rows named by their line, nothing written
//! by a failed import, nothing changed by importing the same file again, attendees checked
//! against the community, and exports that hold what the members hold.

use crate::common;

use assert_cmd::Command;
use common::*;
use hearth::ingest::{Batch, IncomingIdentity};
use hearth::members::export::MembersFormat;
use hearth::model::{ExportedMember, MemberImportOptions, MemberImportReport, Platform};
use hearth::Store;
use predicates::prelude::*;

fn write(db: &TestDb, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = db.dir.path().join(name);
    std::fs::write(&path, bytes).expect("the file is written");
    path
}

fn import(db: &mut TestDb, path: &std::path::Path, list: &str) -> MemberImportReport {
    db.store
        .import_members(
            path,
            &MemberImportOptions {
                list: Some(list.into()),
                ..Default::default()
            },
            NOW,
            &mut |_| {},
        )
        .expect("the file imports")
}

fn exported(store: &mut Store) -> Vec<ExportedMember> {
    store.members_for_export().expect("members export")
}

fn named<'a>(members: &'a [ExportedMember], name: &str) -> &'a ExportedMember {
    members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} is a member: {members:#?}"))
}

/// Counts of what the database holds, to see that nothing changed.
fn counts(path: &std::path::Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).expect("the database opens");
    [
        "accounts",
        "members",
        "identities",
        "identity_keys",
        "member_fields",
        "merge_suggestions",
        "merges",
    ]
    .iter()
    .map(|t| {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .expect("a count")
    })
    .collect()
}

#[test]
fn a_utf8_file_with_a_bom_imports_every_person_into_a_list_that_is_never_synced() {
    let mut db = TestDb::new();
    let file = write(
        &db,
        "meetup.csv",
        "\u{feff}E-Mail,Vorname,Nachname,Firma\nana@acme.example,Ana,Souza,Acme\nbo@kite.example,Bo,Lindqvist,\n"
            .as_bytes(),
    );
    let report = import(&mut db, &file, "Lumen Meetup");
    assert_eq!(report.encoding, "UTF-8 with BOM");
    assert_eq!(
        (report.rows, report.new, report.problems.len()),
        (2, 2, 0),
        "{report:?}"
    );
    let members = exported(&mut db.store);
    let ana = named(&members, "Ana Souza");
    assert_eq!(
        ana.organization.as_deref(),
        Some("Acme"),
        "the BOM does not hide the first column, and Firma is the organisation"
    );
    assert_eq!(ana.identities[0].platform, Platform::List);
    assert_eq!(ana.identities[0].account, "Lumen Meetup");
    assert_eq!(ana.identities[0].email.as_deref(), Some("ana@acme.example"));
    named(&members, "Bo Lindqvist");
    assert!(
        db.store
            .syncable_accounts()
            .unwrap()
            .iter()
            .all(|a| a.platform != Platform::List),
        "an imported list has nothing to sync, so a sync never tries (and never fails on) it"
    );
}

#[test]
fn a_windows_1252_file_keeps_mueller_and_sao_paulo_readable() {
    let mut db = TestDb::new();
    // what Excel on Windows saves as "CSV": Windows-1252, semicolons
    let file = write(
        &db,
        "excel.csv",
        b"Name;Email;City\nJ\xfcrgen M\xfcller;jm@example.de;M\xfcnchen\nJo\xe3o Silva;joao@example.br;S\xe3o Paulo\n",
    );
    let report = import(&mut db, &file, "Excel");
    assert_eq!(report.encoding, "Windows-1252");
    assert_eq!(report.delimiter, ";");
    let members = exported(&mut db.store);
    assert_eq!(
        named(&members, "Jürgen Müller").location.as_deref(),
        Some("München")
    );
    assert_eq!(
        named(&members, "João Silva").location.as_deref(),
        Some("São Paulo")
    );
}

#[test]
fn semicolon_and_tab_files_are_read_by_what_their_header_line_uses() {
    for (name, text, delimiter) in [
        (
            "semicolon.csv",
            "Full name;Email;Company\n\"Souza, Ana\";ana@acme.example;\"Acme; Inc\"\n",
            ";",
        ),
        (
            "tab.tsv",
            "Full name\tEmail\tCompany\nAna Souza\tana@acme.example\tAcme, Inc\n",
            "\\t",
        ),
    ] {
        let mut db = TestDb::new();
        let file = write(&db, name, text.as_bytes());
        let report = import(&mut db, &file, "List");
        assert_eq!(report.delimiter, delimiter, "{name}");
        assert_eq!(
            (report.new, report.problems.len()),
            (1, 0),
            "{name}: {report:?}"
        );
        let members = exported(&mut db.store);
        assert_eq!(members.len(), 1, "{name}");
        assert_eq!(
            members[0].identities[0].email.as_deref(),
            Some("ana@acme.example"),
            "{name}: the email is its own cell"
        );
        assert!(
            members[0]
                .organization
                .as_deref()
                .is_some_and(|o| o.starts_with("Acme") && o.ends_with("Inc")),
            "{name}: a delimiter of the other kind stays inside its cell: {:?}",
            members[0].organization
        );
    }
}

#[test]
fn bad_rows_are_named_by_their_line_even_after_a_cell_over_several_lines_and_good_rows_import() {
    let mut db = TestDb::new();
    let file = write(
        &db,
        "attendees.csv",
        concat!(
            "name,email,address\n",                                 // line 1
            "Ana Souza,ana@acme.example,\"Rua 1\nLisbon\n1000\"\n", // lines 2-4
            "Maria,maria@,\n",                                      // line 5: bad email
            ",,Somewhere\n",                                        // line 6: nobody
            "Bo Lindqvist,bo@kite.example,\n",                      // line 7
            "Ana S.,ANA@acme.example,\n",                           // line 8: Ana again
            "\n",                                                   // line 9: blank
            "Chen Wei,,\n",                                         // line 10: a name is enough
        )
        .as_bytes(),
    );
    let report = import(&mut db, &file, "Attendees");
    let problems: Vec<(u64, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.reason.as_str()))
        .collect();
    assert_eq!(
        problems,
        vec![
            (5, "'maria@' is not an email address"),
            (6, "it has neither an email nor a name"),
            (8, "'ANA@acme.example' is already on line 2"),
        ],
        "each refused row is named by the line it starts on in the file"
    );
    assert_eq!((report.rows, report.new), (6, 3), "{report:?}");
    let members = exported(&mut db.store);
    let mut names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Ana Souza", "Bo Lindqvist", "Chen Wei"]);
    assert_eq!(
        named(&members, "Ana Souza")
            .fields
            .get("address")
            .map(String::as_str),
        Some("Rua 1\nLisbon\n1000"),
        "the cell over three lines is one value"
    );
}

#[test]
fn a_file_that_cannot_be_read_or_holds_no_good_row_changes_nothing() {
    let mut db = TestDb::new();
    let first = write(
        &db,
        "first.csv",
        b"name,email\nAna Souza,ana@acme.example\n",
    );
    import(&mut db, &first, "First");
    let before = counts(&db.path());
    let before_members = exported(&mut db.store);

    let missing = db.dir.path().join("missing.csv");
    let err = db
        .store
        .import_members(&missing, &MemberImportOptions::default(), NOW, &mut |_| {})
        .expect_err("a missing file is an error");
    assert!(err.to_string().contains("cannot read"), "{err}");

    let all_bad = write(
        &db,
        "bad.csv",
        b"name,email\nMaria,maria@\n,\nBo,bo@@x.org\n",
    );
    let err = db
        .store
        .import_members(&all_bad, &MemberImportOptions::default(), NOW, &mut |_| {})
        .expect_err("a file without a good row is an error");
    let text = err.to_string();
    assert!(
        text.contains("nothing was") && text.contains("line 2: 'maria@' is not an email address"),
        "the error says nothing was imported and why, line by line: {text}"
    );

    let no_columns = write(&db, "cols.csv", b"when,what\n2026-01-01,x\n");
    let err = db
        .store
        .import_members(
            &no_columns,
            &MemberImportOptions::default(),
            NOW,
            &mut |_| {},
        )
        .expect_err("a file with no email or name column is an error");
    assert!(
        err.to_string().contains("--map"),
        "it says how to fix it: {err}"
    );

    let empty = write(&db, "empty.csv", b"");
    assert!(db
        .store
        .import_members(&empty, &MemberImportOptions::default(), NOW, &mut |_| {})
        .is_err());

    assert_eq!(counts(&db.path()), before, "no row of any table changed");
    assert_eq!(exported(&mut db.store), before_members);
    assert!(
        db.store
            .list_accounts()
            .unwrap()
            .iter()
            .all(|a| a.name == "First"),
        "no list was created by a failed import"
    );
}

#[test]
fn importing_the_same_file_again_changes_nothing_and_a_changed_row_is_updated() {
    let mut db = TestDb::new();
    let text = "name,email,T-shirt\nAna Souza,ana@acme.example,M\nBo Lindqvist,bo@kite.example,L\nChen Wei,,S\n";
    let file = write(&db, "meetup.csv", text.as_bytes());
    let first = import(&mut db, &file, "Meetup");
    assert_eq!((first.new, first.unchanged), (3, 0));
    let before = counts(&db.path());
    let members = exported(&mut db.store);

    let again = import(&mut db, &file, "Meetup");
    assert_eq!(
        (again.new, again.updated, again.unchanged),
        (0, 0, 3),
        "the same file again: 0 new, 3 unchanged"
    );
    assert_eq!(counts(&db.path()), before, "no row added, none doubled");
    assert_eq!(exported(&mut db.store), members, "every member as it was");

    let changed = write(
        &db,
        "meetup.csv",
        text.replace(
            "Bo Lindqvist,bo@kite.example,L",
            "Bo Lindqvist,bo@kite.example,XL",
        )
        .as_bytes(),
    );
    let third = import(&mut db, &changed, "Meetup");
    assert_eq!((third.new, third.updated, third.unchanged), (0, 1, 2));
    let after = exported(&mut db.store);
    assert_eq!(
        named(&after, "Bo Lindqvist")
            .fields
            .get("T-shirt")
            .map(String::as_str),
        Some("XL")
    );
    assert_eq!(after.len(), 3);
}

/// Ana Souza on Slack, with the email Slack vouches for (the strongest evidence a synced account
/// gives), and `others` beside her.
fn ana_on_slack(db: &mut TestDb, others: Vec<IncomingIdentity>) {
    let slack = db
        .store
        .ensure_account(Platform::Slack, "lumen", None, None, NOW)
        .unwrap();
    let ana = IncomingIdentity {
        raw: Some(
            serde_json::json!({"id": "U1", "profile": {"email": "ana.souza@acme.example", "real_name": "Ana Souza"}})
                .to_string(),
        ),
        ..person("U1", "Ana Souza", Some("ana.souza@acme.example"))
    };
    let mut identities = vec![ana];
    identities.extend(others);
    db.store
        .ingest(
            slack,
            &Batch {
                identities,
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
}

#[test]
fn an_attendee_with_the_email_of_a_synced_member_is_suggested_for_review_not_merged() {
    let mut db = TestDb::new();
    ana_on_slack(&mut db, vec![person("U2", "Bo Lindqvist", None)]);
    let file = write(
        &db,
        "attendees.csv",
        b"Name,Email\nAna Souza,ana.souza@acme.example\nDora Quist,dora@elsewhere.example\n",
    );
    let report = import(&mut db, &file, "Meetup");
    assert_eq!(report.merged_on_proof, 0, "{report:?}");
    assert_eq!(
        exported(&mut db.store).len(),
        4,
        "an email typed into an attendee list is not proof: no member was merged"
    );
    assert_eq!(report.suggestions, 1, "{report:?}");
    let suggestions = db.store.merge_suggestions(0.8, 10).unwrap();
    assert_eq!(suggestions.len(), 1, "{suggestions:#?}");
    let s = &suggestions[0];
    assert_eq!(
        (s.a.display_name.as_str(), s.b.display_name.as_str()),
        ("Ana Souza", "Ana Souza")
    );
    assert!(
        s.reasons
            .iter()
            .any(|r| r.weight > 0.0 && r.text.contains("same email ana.souza@acme.example")),
        "the shared email is the reason shown: {:#?}",
        s.reasons
    );
    let mut platforms = [s.a.platforms.clone(), s.b.platforms.clone()].concat();
    platforms.sort();
    assert_eq!(platforms, [Platform::Slack, Platform::List]);
}

#[test]
fn a_custom_field_from_the_file_is_on_the_member_and_is_a_field_key_for_matching() {
    let mut db = TestDb::new();
    let file = write(
        &db,
        "conf.csv",
        b"name,email,Dietary needs,Ticket\nAna Souza,ana@acme.example,Vegan,\n",
    );
    db.store
        .import_members(
            &file,
            &MemberImportOptions {
                list: Some("Conf".into()),
                map: vec![("ticket".into(), "skip".into())],
            },
            NOW,
            &mut |_| {},
        )
        .unwrap();
    let members = exported(&mut db.store);
    let ana = named(&members, "Ana Souza");
    assert_eq!(
        ana.fields.iter().collect::<Vec<_>>(),
        vec![(&"Dietary needs".to_string(), &"Vegan".to_string())],
        "the custom column is a field of the member; the skipped one is not"
    );
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let keys: Vec<(String, String)> = conn
        .prepare("SELECT kind, value FROM identity_keys WHERE kind LIKE 'field:%'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        vec![("field:dietary needs".to_string(), "vegan".to_string())]
    );
}

fn bin(db: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("hearth").expect("the hearth binary is built");
    cmd.arg("--db").arg(db).env_remove("HEARTH_DB");
    cmd
}

#[test]
fn hearth_import_members_reports_new_then_unchanged_and_a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    let file = dir.path().join("attendees.csv");
    std::fs::write(
        &file,
        "Attendee;Mail;Role\nAna Souza;ana@acme.example;speaker\nMaria;maria@;\nBo Lindqvist;bo@kite.example;\n",
    )
    .unwrap();

    bin(&db)
        .args(["import", "members"])
        .arg(&file)
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Mail")
                .and(predicate::str::contains("email"))
                .and(predicate::str::contains("field:Role"))
                .and(predicate::str::contains(
                    "line 3: 'maria@' is not an email address",
                )),
        );
    assert!(!db.exists(), "a dry run creates no database");

    bin(&db)
        .args(["import", "members"])
        .arg(&file)
        .args(["--list", "Meetup", "--map", "Role=field:Talk role"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("2 new, 0 updated, 0 unchanged, 1 refused").and(
                predicate::str::contains("line 3: 'maria@' is not an email address"),
            ),
        );
    bin(&db)
        .args(["import", "members"])
        .arg(&file)
        .args(["--list", "Meetup", "--map", "Role=field:Talk role"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 new, 0 updated, 2 unchanged"));

    let out = bin(&db)
        .args(["export", "members", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let members: Vec<ExportedMember> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(
        named(&members, "Ana Souza")
            .fields
            .get("Talk role")
            .map(String::as_str),
        Some("speaker"),
        "--map named the custom field"
    );

    bin(&db)
        .args(["import", "members"])
        .arg(&file)
        .args(["--map", "Nope=email"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("there is no column 'Nope'"));

    // the whole-workspace export and import still work as before
    let out_dir = dir.path().join("export");
    bin(&db).arg("export").arg(&out_dir).assert().success();
    assert!(out_dir.join("manifest.json").exists());
    let copy = dir.path().join("copy.db");
    bin(&copy).arg("import").arg(&out_dir).assert().success();
    let out = bin(&copy)
        .args(["export", "members", "--format", "json"])
        .output()
        .unwrap();
    let copied: Vec<ExportedMember> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(copied, members, "the imported copy holds the same members");
}

#[test]
fn export_members_as_csv_and_json_holds_identities_tags_fields_and_notes_of_live_members_only() {
    let mut db = TestDb::new();
    let (maria_discord, maria_github) = maria_on_discord_and_github(&mut db);
    let file = write(
        &db,
        "list.csv",
        b"name,email,T-shirt,GitHub\nAna Souza,ana@acme.example,=M,ana-s\nBo Lindqvist,bo@kite.example,L,\n",
    );
    import(&mut db, &file, "Meetup");
    let members = exported(&mut db.store);
    let ana = named(&members, "Ana Souza").id;
    db.store.tag_member(ana, "speaker").unwrap();
    db.store.tag_member(ana, "berlin").unwrap();
    db.store
        .add_note(ana, "Gave the Lumen talk.\nLovely.", NOW)
        .unwrap();
    db.store.add_note(ana, "Wants stickers", NOW + 1).unwrap();
    db.store
        .merge_members(maria_github, maria_discord, "Test", NOW)
        .unwrap();

    let mut json = Vec::new();
    let n = db
        .store
        .export_members(MembersFormat::Json, &mut json)
        .unwrap();
    let from_json: Vec<ExportedMember> = serde_json::from_slice(&json).unwrap();
    assert_eq!(n as usize, from_json.len());
    assert!(
        !from_json.iter().any(|m| m.id == maria_discord),
        "a member merged into another is not exported"
    );
    assert!(
        !from_json
            .iter()
            .any(|m| m.name == "Lumen Team" || m.name == "team"),
        "the team is not exported"
    );
    let maria = named(&from_json, "Maria Garcia");
    let mut maria_platforms: Vec<Platform> = maria.identities.iter().map(|i| i.platform).collect();
    maria_platforms.sort();
    assert_eq!(maria_platforms, [Platform::Discord, Platform::Github]);
    let ana_json = named(&from_json, "Ana Souza");
    assert_eq!(ana_json.tags, ["berlin", "speaker"]);
    assert_eq!(ana_json.notes.len(), 2);
    assert_eq!(ana_json.notes[0].body, "Gave the Lumen talk.\nLovely.");
    assert_eq!(
        ana_json.fields.get("T-shirt").map(String::as_str),
        Some("=M")
    );

    let mut csv_bytes = Vec::new();
    db.store
        .export_members(MembersFormat::Csv, &mut csv_bytes)
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("a {name} column: {headers:?}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), from_json.len(), "one row per member");
    let ana_row = rows
        .iter()
        .find(|r| &r[col("name")] == "Ana Souza")
        .unwrap();
    assert_eq!(&ana_row[col("emails")], "ana@acme.example");
    assert_eq!(&ana_row[col("lists")], "Meetup");
    assert_eq!(&ana_row[col("tags")], "berlin; speaker");
    assert_eq!(
        &ana_row[col("notes")],
        "Gave the Lumen talk.\nLovely.\n---\nWants stickers"
    );
    assert_eq!(
        &ana_row[col("field:T-shirt")],
        "'=M",
        "a value a spreadsheet would run as a formula is written as text"
    );
    let maria_row = rows
        .iter()
        .find(|r| &r[col("name")] == "Maria Garcia")
        .unwrap();
    assert!(
        maria_row[col("accounts")].contains("discord:")
            && maria_row[col("accounts")].contains("github:"),
        "{:?}",
        &maria_row[col("accounts")]
    );
    assert_eq!(&maria_row[col("field:T-shirt")], "");

    // the CSV goes back in: its field:NAME columns are custom fields again
    let mut fresh = TestDb::new();
    let back = write(&fresh, "back.csv", &csv_bytes);
    let report = fresh
        .store
        .import_members(
            &back,
            &MemberImportOptions {
                list: Some("Back".into()),
                ..Default::default()
            },
            NOW,
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(report.new as usize, from_json.len(), "{report:?}");
    let again = exported(&mut fresh.store);
    assert_eq!(
        named(&again, "Ana Souza")
            .fields
            .get("T-shirt")
            .map(String::as_str),
        Some("'=M"),
        "as a spreadsheet would read the cell back"
    );
}

#[test]
fn the_demo_attendee_list_is_suggested_with_the_right_members_and_never_merged_on_its_word() {
    let mut db = TestDb::new();
    let (_, mut truth) = hearth::demo::generate_with_truth(
        &mut db.store,
        &hearth::model::DemoOptions {
            members: 300,
            messages: 1500,
            seed: 7,
        },
        NOW,
        &mut |_| {},
    )
    .unwrap();
    let before = truth.measure(&db.store, 0.8).unwrap();
    let list = hearth::demo::attendee_list(&db.store, 7).unwrap();
    assert_eq!(
        hearth::demo::attendee_list(&db.store, 7).unwrap().csv,
        list.csv,
        "the same demo makes the same file"
    );
    let file = write(&db, hearth::demo::ATTENDEES_FILE, &list.csv);
    let report = import(&mut db, &file, hearth::demo::ATTENDEES_LIST);
    assert_eq!(report.problems, [], "every row of the demo's file imports");
    assert_eq!(report.new as usize, list.rows.len());
    assert_eq!(report.merged_on_proof, 0, "nothing on a list is proof");

    let account = db
        .store
        .list_accounts()
        .unwrap()
        .into_iter()
        .find(|a| a.platform == Platform::List)
        .expect("the list's account")
        .id;
    truth.add_list(account, &list);
    let after = truth.measure(&db.store, 0.8).unwrap();
    assert_eq!(
        after.merged_wrong, before.merged_wrong,
        "no attendee was merged with someone else"
    );
    assert_eq!(
        after.suggested_wrong, before.suggested_wrong,
        "no attendee is suggested with someone they are not: {:?}",
        after.wrong_examples
    );

    // every attendee who registered with an address an account of theirs shows is suggested
    // with that person
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let mut same_email = 0;
    for (key, who) in &list.rows {
        let hearth::demo::Attendee::SameEmail {
            account_id,
            external_id,
        } = who
        else {
            continue;
        };
        same_email += 1;
        let pair: (i64, i64) = conn
            .query_row(
                "SELECT (SELECT member_id FROM identities WHERE account_id = ?1 AND external_id = ?2),
                        (SELECT member_id FROM identities WHERE account_id = ?3 AND external_id = ?4)",
                rusqlite::params![account, key, account_id, external_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let suggested: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM merge_suggestions
                                WHERE member_a = min(?1, ?2) AND member_b = max(?1, ?2))",
                [pair.0, pair.1],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            suggested,
            "attendee {key} (member {}) is suggested with member {}",
            pair.0, pair.1
        );
    }
    assert!(
        same_email >= 10,
        "the file has such attendees: {same_email}"
    );
    assert!(
        after.suggested_right >= before.suggested_right + same_email,
        "{before:?} → {after:?}"
    );
    let new_people = list
        .rows
        .iter()
        .filter(|(_, w)| *w == hearth::demo::Attendee::New)
        .count();
    assert!(new_people >= 5, "and new people: {new_people}");
}

#[test]
fn a_list_of_thousands_is_checked_at_once_with_the_same_rules_as_a_few_rows() {
    let mut db = TestDb::new();
    ana_on_slack(&mut db, Vec::new());
    let mut text = String::from("name,email\nAna Souza,ana.souza@acme.example\n");
    for i in 0..1500 {
        text.push_str(&format!("Person{i} Family{i},p{i}@mail.example\n"));
    }
    let file = write(&db, "big.csv", text.as_bytes());
    let report = import(&mut db, &file, "Big");
    assert_eq!(report.new, 1501);
    assert_eq!(report.merged_on_proof, 0);
    let suggestions = db.store.merge_suggestions(0.8, 10).unwrap();
    assert_eq!(
        suggestions.len(),
        1,
        "Ana's row is suggested with her Slack account, and none of the 1,500 others with anyone: {suggestions:#?}"
    );
    assert_eq!(suggestions[0].a.display_name, "Ana Souza");
    assert_eq!(suggestions[0].b.display_name, "Ana Souza");
    assert_eq!(report.suggestions, 1);
    // what the bulk path stored, the sync path finds: a Slack account of one of the 1,500,
    // synced after the import, is suggested with that person's row
    let slack = db
        .store
        .ensure_account(Platform::Slack, "lumen", None, None, NOW)
        .unwrap();
    let person = IncomingIdentity {
        raw: Some(
            serde_json::json!({"id": "U7", "profile": {"email": "p1234@mail.example", "real_name": "Person1234 Family1234"}})
                .to_string(),
        ),
        ..common::person("U7", "Person1234 Family1234", Some("p1234@mail.example"))
    };
    db.store
        .ingest(
            slack,
            &Batch {
                identities: vec![person],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let names: Vec<(String, String)> = db
        .store
        .merge_suggestions(0.8, 10)
        .unwrap()
        .into_iter()
        .map(|s| (s.a.display_name, s.b.display_name))
        .collect();
    assert!(
        names.contains(&(
            "Person1234 Family1234".to_string(),
            "Person1234 Family1234".to_string()
        )),
        "{names:?}"
    );
    // and the index holds each identity's keys once, no more
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let (listed, held): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT sum(json_array_length(hashes)) FROM identity_keysets),
                    (SELECT count(*) FROM identity_key_index)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(listed, held);
}

#[test]
fn a_row_that_is_not_text_in_a_utf8_file_is_refused_by_its_line_and_the_rest_imports() {
    let mut db = TestDb::new();
    // UTF-8 (Müller), then a row pasted from a Latin-1 file: its ü is one byte 0xFC
    let mut bytes = "name,email\nJürgen Müller,jm@example.de\n"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"Hans Sch\xfctz,hs@example.de\nAna Souza,ana@acme.example\n");
    let file = write(&db, "mixed.csv", &bytes);
    let report = import(&mut db, &file, "Mixed");
    assert_eq!(report.encoding, "UTF-8");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].line, 3);
    assert!(
        report.problems[0].reason.contains("not text"),
        "{}",
        report.problems[0].reason
    );
    let members = exported(&mut db.store);
    named(&members, "Jürgen Müller");
    named(&members, "Ana Souza");
    assert_eq!(members.len(), 2);
}

#[test]
fn removing_an_imported_list_needs_no_keyring_and_takes_its_people_with_it() {
    let mut db = TestDb::new();
    let file = write(&db, "list.csv", b"name,email\nAna Souza,ana@acme.example\n");
    import(&mut db, &file, "Meetup");
    let account = db.store.list_accounts().unwrap()[0].id;
    // no Secret Service runs in the tests: a list has no token to forget
    hearth::accounts::disconnect_account(&mut db.store, account)
        .expect("a list is removed without the keyring");
    assert!(db.store.list_accounts().unwrap().is_empty());
    assert!(
        exported(&mut db.store).is_empty(),
        "its people are gone with it"
    );
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM identity_keysets) + (SELECT count(*) FROM identity_key_index)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "and their keys, and the index's entries for them");
}

#[test]
fn export_members_to_a_file_writes_json_or_csv_by_its_name_and_leaves_no_partial_file() {
    let mut db = TestDb::new();
    maria_on_discord_and_github(&mut db);
    let dir = db.dir.path().to_path_buf();

    let live = db
        .store
        .members(&hearth::model::MemberQuery::default())
        .unwrap()
        .total as u64;
    let json = dir.join("people.JSON");
    let n = db.store.export_members_to(&json).unwrap();
    assert_eq!(n, live, "every member of the list");
    let read: Vec<ExportedMember> =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).expect("JSON by the name");
    assert_eq!(read.len() as u64, live);

    let csv = dir.join("people.csv");
    assert_eq!(db.store.export_members_to(&csv).unwrap(), live);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.lines().count() >= 3,
        "a header and a row per member: {text}"
    );
    assert!(text.contains("Maria"), "{text}");

    // a folder that does not exist: the error names the file, and nothing half-written stays
    let nowhere = dir.join("missing").join("people.csv");
    let err = db.store.export_members_to(&nowhere).unwrap_err();
    assert!(err.to_string().contains("people.csv"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "no partial file is left: {left:?}");
}

#[test]
fn a_file_whose_columns_are_not_recognised_is_previewed_with_its_values_and_imports_once_mapped() {
    use hearth::members::import::preview_member_csv;
    let mut db = TestDb::new();
    let path = write(
        &db,
        "registrations.csv",
        "Contacto;Persona;Ciudad\nana@acme.example;Ana Souza;Lisboa\nbo@kite.example;Bo Lee;Oslo\n"
            .as_bytes(),
    );
    let before = counts(&db.path());

    // nothing says which column is the email or the name: the preview still shows each column
    // with its values, and says what is missing
    let preview = preview_member_csv(&path, &MemberImportOptions::default())
        .expect("a file with unknown columns is previewed");
    assert_eq!(preview.rows, 2);
    assert_eq!(preview.good_rows, 0);
    assert!(
        preview.problems.is_empty(),
        "one reason, said once: {:?}",
        preview.problems
    );
    assert!(
        preview
            .blocked
            .as_deref()
            .is_some_and(|b| b.contains("no column is an email or a name")),
        "{:?}",
        preview.blocked
    );
    let contact = preview
        .columns
        .iter()
        .find(|c| c.header == "Contacto")
        .expect("the column is listed");
    assert_eq!(contact.samples, vec!["ana@acme.example", "bo@kite.example"]);
    let err = db
        .store
        .import_members(&path, &MemberImportOptions::default(), NOW, &mut |_| {})
        .expect_err("nothing to import by");
    assert!(err.to_string().contains("no column is an email"), "{err}");
    assert_eq!(counts(&db.path()), before, "a refused file writes nothing");

    // mapped by hand, as the dialog does, the preview and the import agree
    let mapped = MemberImportOptions {
        list: Some("Registrations".into()),
        map: vec![
            ("Contacto".into(), "email".into()),
            ("Persona".into(), "name".into()),
            ("Ciudad".into(), "location".into()),
        ],
    };
    let preview = preview_member_csv(&path, &mapped).expect("previewed");
    assert_eq!(preview.blocked, None);
    assert_eq!(preview.good_rows, 2);
    assert_eq!(
        preview
            .columns
            .iter()
            .map(|c| c.detected_field.as_str())
            .collect::<Vec<_>>(),
        vec!["email", "name", "location"]
    );
    let report = db
        .store
        .import_members(&path, &mapped, NOW, &mut |_| {})
        .expect("imports once mapped");
    assert_eq!(report.new, 2);
    let members = exported(&mut db.store);
    let ana = named(&members, "Ana Souza");
    assert!(
        ana.identities
            .iter()
            .any(|i| i.email.as_deref() == Some("ana@acme.example")),
        "{ana:?}"
    );
}

#[test]
fn a_dry_run_of_a_file_without_an_email_or_name_column_shows_the_columns_and_fails_until_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    let file = dir.path().join("registrations.csv");
    std::fs::write(
        &file,
        "Contacto,Persona\nana@acme.example,Ana Souza\nbo@kite.example,Bo Lee\n",
    )
    .unwrap();

    bin(&db)
        .args(["import", "members"])
        .arg(&file)
        .arg("--dry-run")
        .assert()
        .failure()
        .stdout(
            predicate::str::contains("Contacto").and(predicate::str::contains("ana@acme.example")),
        )
        .stderr(predicate::str::contains("no column is an email or a name"));

    bin(&db)
        .args(["import", "members"])
        .arg(&file)
        .args([
            "--dry-run",
            "--map",
            "Contacto=email",
            "--map",
            "Persona=name",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2 rows would be imported, 0 refused.",
        ));
    assert!(!db.exists(), "a dry run creates no database");
}
