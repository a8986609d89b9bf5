//! The `hearth` command line, run as a user would: real binary, real database file.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn hearth(db: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("hearth").expect("the hearth binary is built");
    cmd.arg("--db").arg(db).env_remove("HEARTH_DB");
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.arg("--json").output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

fn demo_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    hearth(&db)
        .args(["demo", "--members", "60", "--messages", "600"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Demo community ready"));
    (dir, db)
}

#[test]
fn the_version_names_the_release_and_the_database_schema() {
    let out = Command::cargo_bin("hearth")
        .expect("the hearth binary is built")
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let migrations = std::fs::read_dir("src/store/migrations")
        .expect("the migrations")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "hearth {} (database schema {migrations})",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn triaging_from_the_cli_moves_a_conversation_out_of_the_open_inbox() {
    let (_dir, db) = demo_db();
    let inbox = json(hearth(&db).arg("inbox"));
    let first = inbox["items"][0]["id"]
        .as_i64()
        .expect("an open conversation");
    let total = inbox["total"].as_i64().unwrap();
    hearth(&db)
        .args(["triage", &first.to_string(), "done"])
        .assert()
        .success()
        .stdout(predicate::str::contains("is done"));
    let after = json(hearth(&db).arg("inbox"));
    assert_eq!(after["total"].as_i64().unwrap(), total - 1);
    assert!(after["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["id"] != first));
    let shown = json(hearth(&db).args(["show", &first.to_string()]));
    assert_eq!(shown["conversation"]["status"], "done");
    assert!(!shown["messages"].as_array().unwrap().is_empty());
}

#[test]
fn snoozing_and_tagging_from_the_cli() {
    let (_dir, db) = demo_db();
    let inbox = json(hearth(&db).arg("inbox"));
    let id = inbox["items"][0]["id"].as_i64().unwrap().to_string();
    hearth(&db)
        .args(["triage", &id, "snooze", "2h"])
        .assert()
        .success()
        .stdout(predicate::str::contains("snoozed until"));
    let snoozed = json(hearth(&db).args(["inbox", "--status", "snoozed"]));
    assert!(snoozed["items"].as_array().unwrap().iter().any(|i| i["id"]
        .as_i64()
        .unwrap()
        .to_string()
        == id));
    hearth(&db)
        .args(["triage", &id, "tag", "cli-check"])
        .assert()
        .success();
    let tagged = json(hearth(&db).args(["inbox", "--status", "snoozed", "--tag", "cli-check"]));
    assert_eq!(tagged["total"], 1);
    hearth(&db)
        .args(["triage", &id, "snooze", "someday"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot read the time 'someday'"));
}

#[test]
fn waiting_and_a_snooze_in_words_from_the_cli() {
    let (_dir, db) = demo_db();
    let inbox = json(hearth(&db).arg("inbox"));
    let id = inbox["items"][0]["id"].as_i64().unwrap().to_string();
    hearth(&db)
        .args(["triage", &id, "waiting"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("#{id} is waiting")));
    let waiting = json(hearth(&db).args(["inbox", "--status", "waiting"]));
    assert!(waiting["items"].as_array().unwrap().iter().any(|i| i["id"]
        .as_i64()
        .unwrap()
        .to_string()
        == id));
    let snoozed = json(hearth(&db).args(["triage", &id, "--json", "snooze", "next friday 8pm"]));
    assert_eq!(snoozed["status"], "snoozed");
    let until = snoozed["snoozedUntil"].as_i64().unwrap();
    let local = chrono::TimeZone::timestamp_millis_opt(&chrono::Local, until).unwrap();
    assert_eq!(
        (
            chrono::Datelike::weekday(&local),
            chrono::Timelike::hour(&local)
        ),
        (chrono::Weekday::Fri, 20),
        "next Friday at 8 pm, in this computer's time zone"
    );
    assert!(until > chrono::Utc::now().timestamp_millis() + 86_400_000);
}

#[test]
fn canned_replies_from_the_cli_with_several_lines_and_variables() {
    let (_dir, db) = demo_db();
    hearth(&db)
        .args(["canned", "add", "Thanks", "-"])
        .write_stdin("Thanks {first_name}!\nGlad it works now.\n— {my_name}\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"Thanks\" saved"));
    hearth(&db)
        .args(["canned", "add", "Oops", "Hi {frist_name}"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("{frist_name}"));
    hearth(&db)
        .args(["canned", "me", "Robin"])
        .assert()
        .success();
    let listed = json(hearth(&db).arg("canned"));
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "Thanks"));
    let id = json(hearth(&db).arg("inbox"))["items"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let shown = hearth(&db)
        .args(["canned", "show", "thanks", "--for", &id])
        .output()
        .unwrap();
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.starts_with("Thanks ") && !text.contains("{first_name}"),
        "{text}"
    );
    assert!(text.contains("Glad it works now.\n— Robin"), "{text}");
    hearth(&db)
        .args(["canned", "remove", "Thanks"])
        .assert()
        .success();
}

#[test]
fn settings_from_the_cli_are_checked_and_kept() {
    let (_dir, db) = demo_db();
    let all = json(hearth(&db).arg("settings"));
    assert_eq!(
        all["inbox.reply_target_hours"], "24",
        "a day unless changed"
    );
    hearth(&db)
        .args(["settings", "inbox.reply_target_hours", "4"])
        .assert()
        .success()
        .stdout(predicate::str::contains("inbox.reply_target_hours = 4"));
    hearth(&db)
        .args(["settings", "inbox.reply_target_hours", "soon"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("whole number of hours"));
    hearth(&db)
        .args(["settings", "inbox.reply_target_hours", "0"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("from 1 to 720"));
    hearth(&db)
        .args(["settings", "me.name", "Robin"])
        .assert()
        .success();
    hearth(&db)
        .args(["settings", "theme", "dark"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "me.name, inbox.reply_target_hours",
        ));
    let all = json(hearth(&db).arg("settings"));
    assert_eq!(all["me.name"], "Robin");
    assert_eq!(all["inbox.reply_target_hours"], "4");
    // the inbox uses the target: no reply is due later than 4 h after what waits for one
    let inbox = json(hearth(&db).arg("inbox"));
    for item in inbox["items"].as_array().unwrap() {
        if let (Some(due), Some(since)) = (
            item["replyDueAt"].as_i64(),
            item["unansweredSince"].as_i64(),
        ) {
            assert_eq!(due - since, 4 * 3_600_000, "{item}");
        }
    }
}

#[test]
fn search_hits_carry_message_conversation_and_member_ids() {
    let (_dir, db) = demo_db();
    let found = json(hearth(&db).args(["search", "lumen"]));
    let hits = found["hits"].as_array().expect("a list of hits");
    assert!(!hits.is_empty());
    for h in hits.iter().filter(|h| h["kind"] == "message") {
        for key in ["messageId", "conversationId", "memberId"] {
            assert!(h[key].is_i64(), "{key} missing in {h}");
        }
    }
}

#[test]
fn members_and_notes_from_the_cli() {
    let (_dir, db) = demo_db();
    let page = json(hearth(&db).args(["members", "list", "--limit", "5"]));
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    let id = page["items"][0]["id"].as_i64().unwrap().to_string();
    hearth(&db)
        .args(["notes", "add", &id, "Ask about the meetup in Lagos"])
        .assert()
        .success();
    let notes = json(hearth(&db).args(["notes", "list", &id]));
    assert_eq!(notes[0]["body"], "Ask about the meetup in Lagos");
    let profile = json(hearth(&db).args(["members", "show", &id]));
    assert!(!profile["identities"].as_array().unwrap().is_empty());
    assert_eq!(profile["notes"][0]["body"], "Ask about the meetup in Lagos");
    let cal = json(hearth(&db).args(["calendar", "list"]));
    assert!(cal.as_array().unwrap().len() >= 5);
}

#[test]
fn a_lower_bar_shows_the_less_likely_pairs_too_and_one_under_what_is_kept_is_refused() {
    // large enough to hold pairs between 0.5 and 0.8 (three, at the time of writing)
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    hearth(&db)
        .args(["demo", "--members", "200", "--messages", "1000"])
        .assert()
        .success();
    let probabilities = |list: &Value| -> Vec<f64> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|s| s["probability"].as_f64().expect("a probability"))
            .collect()
    };
    let pair = |s: &Value| (s["a"]["id"].as_i64(), s["b"]["id"].as_i64());
    let default = json(hearth(&db).args(["members", "suggest", "--limit", "1000"]));
    assert!(
        probabilities(&default).iter().all(|&p| p >= 0.8),
        "{default}"
    );
    let lower = json(hearth(&db).args([
        "members",
        "suggest",
        "--min-score",
        "0.5",
        "--limit",
        "1000",
    ]));
    let below: Vec<&Value> = lower
        .as_array()
        .expect("a list")
        .iter()
        .filter(|s| s["probability"].as_f64() < Some(0.8))
        .collect();
    assert!(
        !below.is_empty(),
        "the demo has pairs between 0.5 and 0.8, and a lower bar shows them: {lower}"
    );
    for s in &below {
        assert!(s["probability"].as_f64() >= Some(0.5));
        assert!(
            s["reasons"].as_array().is_some_and(|r| r.len() >= 2),
            "each with its reasons, more than a name: {s}"
        );
    }
    // the default's pairs are all there, most likely first
    let all: Vec<_> = lower.as_array().expect("a list").iter().map(pair).collect();
    for s in default.as_array().expect("a list") {
        assert!(all.contains(&pair(s)), "{s}");
    }
    assert_eq!(
        all.len(),
        default.as_array().map_or(0, Vec::len) + below.len()
    );
    let p = probabilities(&lower);
    assert!(p.windows(2).all(|w| w[0] >= w[1]), "{p:?}");

    let out = hearth(&db)
        .args(["members", "suggest", "--min-score", "0.3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--min-score 0.3 is outside 0.50–1")
            && err.contains("from a probability of 0.50 up"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no list that would say there are none"
    );
}

#[test]
fn errors_are_one_clear_line_and_a_failure_exit() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope").join("hearth.db");
    let out = hearth(&missing).arg("inbox").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("error: ") && err.contains("no Hearth database at"),
        "{err}"
    );
    assert!(!missing.exists(), "a read command creates nothing");

    let db = dir.path().join("h.db");
    hearth::Store::open(&db).unwrap();
    hearth(&db)
        .args(["show", "12345"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "conversation 12345 does not exist",
        ));

    let newer = dir.path().join("newer.db");
    hearth::Store::open(&newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 42)
        .unwrap();
    hearth(&newer)
        .arg("inbox")
        .assert()
        .failure()
        .stderr(predicate::str::contains("newer version of Hearth"));
}

#[test]
fn hearth_db_in_the_environment_chooses_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    Command::cargo_bin("hearth")
        .unwrap()
        .env("HEARTH_DB", &db)
        .args(["demo", "--members", "10", "--messages", "50"])
        .assert()
        .success();
    let out = Command::cargo_bin("hearth")
        .unwrap()
        .env("HEARTH_DB", &db)
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dbPath"], db.display().to_string());
    assert!(db.exists());
}

#[cfg(unix)]
#[test]
fn output_piped_into_head_ends_quietly() {
    let (_dir, db) = demo_db();
    let bin = assert_cmd::cargo::cargo_bin("hearth");
    // `head` closes the pipe after one line while hearth still has rows to print.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' --db '{}' inbox --limit 200 | head -n 1",
            bin.display(),
            db.display()
        ))
        .output()
        .expect("sh runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "no crash report when the reader goes away: {err}"
    );
}

#[test]
fn the_demo_accounts_are_listed_as_samples_with_nothing_to_sync_or_reply_through() {
    let (_dir, db) = demo_db();
    let accounts = json(hearth(&db).args(["accounts", "list"]));
    let list = accounts.as_array().expect("a list of accounts");
    assert!(!list.is_empty(), "the demo has sample accounts");
    assert!(
        list.iter().all(|a| a["demo"] == true),
        "all marked as the demo's"
    );
    assert!(
        list.iter().all(|a| a.get("token").is_none()),
        "no account carries a token"
    );
    hearth(&db)
        .arg("sync")
        .assert()
        .failure()
        .stderr(predicate::str::contains("no accounts to sync"));
    let inbox = json(hearth(&db).arg("inbox"));
    let conv = inbox["items"][0]["id"].as_i64().expect("a conversation");
    hearth(&db)
        .args([
            "reply",
            &conv.to_string(),
            "--text",
            "Thanks — looking into it.",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("part of the demo community"));
    let outbox = json(hearth(&db).arg("outbox"));
    assert_eq!(
        outbox.as_array().map(Vec::len),
        Some(0),
        "nothing was queued"
    );
}
