//! Teams with real processes and a real relay: `node relay/server.mjs` on loopback (the
//! automerge-repo sync server, from the npm registry) and the real `hearth` binary, one
//! database per manager, each with its secret in the OS keyring. Run inside
//! `scripts/with-keyring` (as `./scripts/test` does), after `relay/` is installed (the test
//! set-up does it: `npm ci --prefix relay`).

use crate::common::{hearth, text};

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "team-secret-for-tests-7c1d9e";

/// The relay, as the team would run it: its own data folder, which outlives a restart.
struct Relay {
    child: Option<Child>,
    data: tempfile::TempDir,
    port: u16,
}

impl Relay {
    fn start() -> Relay {
        let data = tempfile::tempdir().expect("a folder for the relay");
        let (child, port) = spawn_relay(data.path(), 0);
        Relay {
            child: Some(child),
            data,
            port,
        }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts again on the same port with the same documents.
    fn restart(&mut self) {
        self.stop();
        let (child, _) = spawn_relay(self.data.path(), self.port);
        self.child = Some(child);
    }

    /// Every byte the relay keeps on disk.
    fn stored_bytes(&self) -> Vec<u8> {
        fn walk(dir: &Path, out: &mut Vec<u8>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    out.extend(bytes);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.data.path(), &mut out);
        out
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_relay(data: &Path, port: u16) -> (Child, u16) {
    let relay = Path::new(env!("CARGO_MANIFEST_DIR")).join("relay");
    assert!(
        relay.join("node_modules").is_dir(),
        "relay/ is not installed: run `npm ci --prefix relay` (scripts/test does)"
    );
    let mut child = Command::new("node")
        .arg(relay.join("server.mjs"))
        .env("RELAY_SECRET", SECRET)
        .env("PORT", port.to_string())
        .env("DATA_DIR", data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs the relay");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("the relay's output"))
        .read_line(&mut line)
        .expect("the relay says where it listens");
    let port = line
        .rsplit(':')
        .next()
        .and_then(|rest| rest.split(',').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the relay said {line:?}"));
    (child, port)
}

/// One manager's Hearth: a database with the demo in it.
struct Manager {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Manager {
    fn new() -> Manager {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = dir.path().join("hearth.db");
        let m = Manager { _dir: dir, db };
        m.ok(&["demo"]);
        m
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        let mut child = hearth(&self.db)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hearth runs");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).expect("stdin written");
        }
        drop(input);
        child.wait_with_output().expect("hearth ran")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(out.status.success(), "hearth {args:?}: {}", text(&out));
        text(&out)
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args, None);
        assert!(out.status.success(), "hearth {args:?}: {}", text(&out));
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    /// The conversation as this manager's inbox shows it: status, assignee, tags.
    fn triage(&self, id: i64) -> (String, Option<String>, Vec<String>) {
        let v = self.json(&["show", &id.to_string(), "--json"]);
        let c = &v["conversation"];
        let mut tags: Vec<String> = c["tags"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        tags.sort();
        (
            c["status"].as_str().unwrap_or_default().to_string(),
            c["assignee"].as_str().map(String::from),
            tags,
        )
    }

    fn sync(&self) -> serde_json::Value {
        self.json(&["team", "sync", "--json"])
    }

    fn create(&self, relay: &Relay, name: &str) -> String {
        let out = self.run(
            &["team", "create", "--relay", &relay.url(), "--name", name],
            Some(SECRET),
        );
        assert!(out.status.success(), "team create: {}", text(&out));
        let said = text(&out);
        said.split_whitespace()
            .find(|w| w.starts_with("hearth://team/join?"))
            .unwrap_or_else(|| panic!("no join link in {said}"))
            .to_string()
    }
}

/// A relay, and Ana's team with Ben in it.
fn team_of_two() -> (Relay, Manager, Manager) {
    let relay = Relay::start();
    let ana = Manager::new();
    let ben = Manager::new();
    let link = ana.create(&relay, "Ana");
    ben.ok(&["team", "join", &link, "--name", "Ben"]);
    (relay, ana, ben)
}

/// Conversations of the demo's open inbox (the same ids in every manager's demo).
fn open_ids(m: &Manager, n: usize) -> Vec<i64> {
    let v = m.json(&["inbox", "--json", "--limit", &n.to_string()]);
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect()
}

#[test]
fn two_managers_share_triage_apart_and_back_and_a_third_gets_everything() {
    let mut relay = Relay::start();
    let ana = Manager::new();
    let ben = Manager::new();
    let ids = open_ids(&ana, 6);
    let [x, y, z, w, ..] = ids[..] else {
        panic!("the demo has open conversations: {ids:?}")
    };

    // Ana starts the team and triages; Ben joins and sees it
    let link = ana.create(&relay, "Ana");
    ana.ok(&["triage", &x.to_string(), "assign", "Ana"]);
    ana.ok(&["triage", &y.to_string(), "snooze", "in 3 days"]);
    ana.ok(&["triage", &z.to_string(), "tag", "shared-by-ana"]);
    let status = ana.ok(&["team", "status"]);
    assert!(status.contains("wait to be shared"), "{status}");
    ana.sync();
    let joined = ben.ok(&["team", "join", &link, "--name", "Ben"]);
    assert!(joined.contains("Joined the team"), "{joined}");
    assert_eq!(ben.triage(x).1.as_deref(), Some("Ana"), "Ana's assignment");
    assert_eq!(ben.triage(y).0, "snoozed", "Ana's snooze");
    assert!(ben.triage(z).2.contains(&"shared-by-ana".to_string()));

    // Ben triages back; Ana sees it
    ben.ok(&["triage", &w.to_string(), "done"]);
    ben.sync();
    ana.sync();
    assert_eq!(ana.triage(w).0, "done", "Ben's done reached Ana");

    // both go offline and triage the same and different conversations
    relay.stop();
    ana.ok(&["triage", &x.to_string(), "assign", "Ana again"]);
    ben.ok(&["triage", &x.to_string(), "assign", "Ben"]);
    ana.ok(&["triage", &w.to_string(), "tag", "from-ana"]);
    ben.ok(&["triage", &w.to_string(), "tag", "from-ben"]);
    let offline = ana.run(&["team", "sync"], None);
    assert!(!offline.status.success(), "no relay, no sync");
    let said = text(&offline);
    assert!(
        said.contains("could not be reached") && said.contains("keeps working"),
        "offline in words: {said}"
    );
    assert!(!said.contains(SECRET), "the secret stays out of errors");
    assert_eq!(
        ana.triage(x).1.as_deref(),
        Some("Ana again"),
        "work goes on offline"
    );

    // back: both converge, both tags kept, the assignment conflict reported
    relay.restart();
    let a1 = ana.sync();
    let b1 = ben.sync();
    let a2 = ana.sync();
    let (ax, bx) = (ana.triage(x), ben.triage(x));
    assert_eq!(ax, bx, "both managers see the same conversation");
    assert!(
        matches!(ax.1.as_deref(), Some("Ana again") | Some("Ben")),
        "one of the two assignments won: {ax:?}"
    );
    let (aw, bw) = (ana.triage(w), ben.triage(w));
    assert_eq!(aw, bw);
    assert!(
        aw.2.contains(&"from-ana".to_string()) && aw.2.contains(&"from-ben".to_string()),
        "tags added apart are both kept: {aw:?}"
    );
    let conflicts: i64 = [&a1, &b1, &a2]
        .iter()
        .filter_map(|r| r["conflicts"].as_i64())
        .sum();
    assert!(
        conflicts > 0,
        "the assignment set twice apart is reported: {a1} {b1} {a2}"
    );
    // and shown beside the conversation on both laptops: the value kept, the other one click away
    let kept = ax.1.clone().unwrap_or_default();
    let other = if kept == "Ben" { "Ana again" } else { "Ben" };
    for m in [&ana, &ben] {
        let shown = m.json(&["team", "conflicts", &x.to_string(), "--json"]);
        assert_eq!(
            shown,
            serde_json::json!([{ "field": "assignee", "other": other }]),
            "the assignee set aside"
        );
    }
    // tags added apart are not a conflict
    assert_eq!(
        ana.json(&["team", "conflicts", &w.to_string(), "--json"]),
        serde_json::json!([])
    );

    // a third manager joining late gets the whole state
    let cleo = Manager::new();
    cleo.ok(&["team", "join", &link, "--name", "Cleo"]);
    assert_eq!(cleo.triage(x), ax);
    assert_eq!(cleo.triage(w), aw);
    assert_eq!(cleo.triage(y).0, "snoozed");

    // nothing but triage reached the relay: no message text
    let stored = relay.stored_bytes();
    let v = ana.json(&["show", &x.to_string(), "--json"]);
    let body = v["messages"][0]["text"].as_str().unwrap_or_default();
    let probe: String = body.chars().take(40).collect();
    assert!(probe.len() > 10, "a message to look for: {v}");
    assert!(
        !String::from_utf8_lossy(&stored).contains(&probe),
        "message text never leaves the laptop"
    );
}

/// A team name the team list would refuse as a person's ("nobody" stands for unassigned) still
/// joins: only the workspace's own name is left as it was.
#[test]
fn a_name_the_team_list_refuses_still_joins() {
    let relay = Relay::start();
    let ana = Manager::new();
    let eve = Manager::new();
    // (the demo names its user; Eve's workspace has no name of hers yet)
    rusqlite::Connection::open(&eve.db)
        .and_then(|c| c.execute("DELETE FROM settings WHERE key = 'me.name'", []))
        .expect("Eve's database");
    let link = ana.create(&relay, "Ana");
    let joined = eve.run(&["team", "join", &link, "--name", "Nobody"], None);
    assert!(joined.status.success(), "{}", text(&joined));
    let status = eve.json(&["team", "status", "--json"]);
    assert_eq!(status["me"], "Nobody", "{status}");
}

#[test]
fn a_wrong_secret_is_refused_and_leaves_nothing_behind() {
    let relay = Relay::start();
    let ana = Manager::new();
    let link = ana.create(&relay, "Ana");
    let wrong = link.replace("secret=", "secret=not-the-");
    let eve = Manager::new();
    let started = Instant::now();
    let out = eve.run(&["team", "join", &wrong, "--name", "Eve"], None);
    assert!(!out.status.success(), "a wrong secret is refused");
    let said = text(&out);
    assert!(
        said.contains("refused this team's secret"),
        "in words: {said}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "a refusal is not retried as if the relay were down"
    );
    let status = eve.ok(&["team", "status"]);
    assert!(status.contains("Not sharing"), "{status}");
    // and a link that is not one
    let out = eve.run(
        &["team", "join", "https://example.org", "--name", "Eve"],
        None,
    );
    assert!(
        text(&out).contains("not a Hearth team link"),
        "{}",
        text(&out)
    );
}

/// `hearth team sync` killed (SIGKILL) at a random moment of its run, a hundred times, while the
/// conversation it shares keeps changing: every change the triage command acknowledged reaches
/// the teammate in the end, the team's document still loads, and SQLite finds the file whole.
#[test]
fn a_sync_killed_at_any_moment_loses_nothing_acknowledged() {
    let (_relay, ana, ben) = team_of_two();
    let ids = open_ids(&ana, 10);
    // a shared note, rewritten in every trial too
    let member = a_member(&ana).to_string();
    ana.ok(&["notes", "add", &member, "note 0", "--shared"]);
    let note = notes_of(&ana, member.parse().expect("a member id"))
        .into_iter()
        .find(|n| n.2)
        .expect("the shared note")
        .0
        .to_string();
    let mut last = std::collections::BTreeMap::new();
    let mut rng = fastrand::Rng::with_seed(13);
    let trials = 100;
    let mut killed = 0;
    // how long a whole sync takes here: the kills fall within it
    let started = Instant::now();
    ana.sync();
    let window = (started.elapsed().as_millis() as u64).max(20);
    for trial in 0..trials {
        let id = ids[rng.usize(..ids.len())];
        let who = format!("owner-{trial}");
        ana.ok(&["triage", &id.to_string(), "assign", &who]);
        last.insert(id, who);
        ana.ok(&["notes", "edit", &note, &format!("note {trial}")]);
        let mut sync = hearth(&ana.db)
            .args(["team", "sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hearth team sync runs");
        // from at start-up to the end of the exchange, however fast this machine syncs
        std::thread::sleep(Duration::from_millis(rng.u64(0..window)));
        if sync.try_wait().ok().flatten().is_none() {
            killed += 1;
        }
        let _ = sync.kill();
        let _ = sync.wait();
    }
    assert!(
        killed >= trials / 4,
        "most trials stop a sync midway ({killed} of {trials} did)"
    );
    // the next sync finds the document loadable and shares whatever was left
    ana.sync();
    ben.sync();
    for (id, who) in &last {
        assert_eq!(
            ben.triage(*id).1.as_deref(),
            Some(who.as_str()),
            "conversation {id}: the last assignment acknowledged on Ana's laptop"
        );
    }
    let bens: Vec<String> = notes_of(&ben, member.parse().expect("a member id"))
        .into_iter()
        .filter(|n| n.2)
        .map(|n| n.1)
        .collect();
    assert_eq!(
        bens,
        [format!("note {}", trials - 1)],
        "the shared note as last written on Ana's laptop"
    );
    let check = rusqlite::Connection::open(&ana.db)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)))
        .expect("the database opens");
    assert_eq!(
        check, "ok",
        "SQLite finds the file whole after {trials} kills"
    );
}

/// A conversation a teammate triaged that is not here yet (its platform not synced here, or
/// its account connected later) takes the team's state once it arrives.
#[test]
fn a_conversation_that_arrives_later_takes_the_teams_state() {
    let relay = Relay::start();
    let ana = Manager::new();
    let ben = Manager::new();
    let x = open_ids(&ana, 1)[0];
    ana.ok(&["triage", &x.to_string(), "assign", "Ana"]);
    let link = ana.create(&relay, "Ana");
    ana.sync();

    // on Ben's laptop the conversation has not been synced from its platform yet
    let hide = |sql: &str| {
        rusqlite::Connection::open(&ben.db)
            .and_then(|c| c.execute(sql, [x]))
            .expect("Ben's database")
    };
    hide("UPDATE conversations SET external_id = external_id || '-not-yet' WHERE id = ?1");
    let joined = ben.json(&["team", "join", &link, "--name", "Ben", "--json"]);
    assert!(joined["notHere"].as_i64().unwrap_or(0) >= 1, "{joined}");
    assert_eq!(ben.triage(x).1, None, "nothing to apply it to yet");

    // it arrives; the next sync gives it Ana's assignment
    hide(
        "UPDATE conversations SET external_id = replace(external_id, '-not-yet', '') WHERE id = ?1",
    );
    let report = ben.sync();
    assert_eq!(ben.triage(x).1.as_deref(), Some("Ana"), "{report}");
    let again = ben.sync();
    assert_eq!(again["notHere"], 0, "nothing is waiting any more: {again}");
}

/// The app's team sync and cron's `hearth team sync` on the same database at the same moment,
/// again and again while triage goes on: both finish, and the teammate sees every change.
#[test]
fn two_syncs_of_one_workspace_at_once_share_everything() {
    let (_relay, ana, ben) = team_of_two();
    let ids = open_ids(&ana, 8);
    for (round, id) in ids.iter().enumerate() {
        ana.ok(&[
            "triage",
            &id.to_string(),
            "assign",
            &format!("round {round}"),
        ]);
        let both: Vec<Child> = (0..2)
            .map(|_| {
                hearth(&ana.db)
                    .args(["team", "sync"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("hearth team sync runs")
            })
            .collect();
        for child in both {
            let out = child.wait_with_output().expect("it ran");
            assert!(out.status.success(), "round {round}: {}", text(&out));
        }
    }
    ben.sync();
    for (round, id) in ids.iter().enumerate() {
        assert_eq!(ben.triage(*id).1, Some(format!("round {round}")));
    }
    assert_eq!(
        ana.json(&["team", "status", "--json"])["waiting"],
        0,
        "nothing left to share"
    );
}

/// A member of the demo, the same one in every manager's demo.
fn a_member(m: &Manager) -> i64 {
    let v = m.json(&["members", "--json"]);
    v["items"][0]["id"].as_i64().expect("the demo has members")
}

/// A member's notes on this manager's laptop: (id, text, shared, author).
fn notes_of(m: &Manager, member: i64) -> Vec<(i64, String, bool, Option<String>)> {
    let v = m.json(&["notes", "list", &member.to_string(), "--json"]);
    v.as_array()
        .expect("a list")
        .iter()
        .map(|n| {
            (
                n["id"].as_i64().unwrap_or_default(),
                n["body"].as_str().unwrap_or_default().to_string(),
                n["shared"].as_bool().unwrap_or_default(),
                n["author"].as_str().map(String::from),
            )
        })
        .collect()
}

/// Every Automerge change the relay keeps, loaded into one document and written out without
/// compression, so words typed anywhere in its history show as they were typed.
fn relay_history(relay: &Relay) -> Vec<u8> {
    fn walk(dir: &Path, doc: &mut automerge::Automerge, files: &mut usize) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, doc, files);
            } else if let Ok(bytes) = std::fs::read(&path) {
                if doc.load_incremental(&bytes).is_ok() {
                    *files += 1;
                }
            }
        }
    }
    let mut doc = automerge::Automerge::new();
    let mut files = 0;
    walk(relay.data.path(), &mut doc, &mut files);
    assert!(files > 0, "the relay keeps the team's document on disk");
    doc.save_nocompress()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn shared_notes_keep_both_managers_words_and_private_ones_never_leave() {
    let (mut relay, ana, ben) = team_of_two();
    let member = a_member(&ana);
    let m = member.to_string();
    const PRIVATE: &str = "private-words-zebra-4471: Rin's phone number is 0612";
    ana.ok(&["notes", "add", &m, PRIVATE]);
    let said = ana.ok(&["notes", "add", &m, "Rin helps on Docker.", "--shared"]);
    assert!(said.contains("shared with the team"), "{said}");
    let status = ana.ok(&["team", "status"]);
    assert!(status.contains("1 change here waits"), "{status}");
    let report = ana.sync();
    assert_eq!(report["notesSent"], 1, "{report}");
    let report = ben.sync();
    assert_eq!(report["notesReceived"], 1, "{report}");
    let all = notes_of(&ben, member);
    assert!(
        all.iter().all(|n| n.1 != PRIVATE),
        "the private note stayed with Ana: {all:?}"
    );
    // (the demo's own notes are private ones written on each laptop)
    let shared =
        |m: &Manager| -> Vec<_> { notes_of(m, member).into_iter().filter(|n| n.2).collect() };
    let bens = shared(&ben);
    assert_eq!(bens.len(), 1, "the shared note reached Ben: {all:?}");
    assert_eq!(bens[0].1, "Rin helps on Docker.");
    assert_eq!(bens[0].3.as_deref(), Some("Ana"), "Ben sees who wrote it");
    let listed = ben.ok(&["notes", "list", &m]);
    assert!(listed.contains("shared by Ana"), "{listed}");
    // only its author takes a note back
    let refused = ben.run(
        &["notes", "share", &bens[0].0.to_string(), "--private"],
        None,
    );
    assert!(!refused.status.success());
    assert!(text(&refused).contains("Ana's"), "{}", text(&refused));

    // both type into the note apart
    relay.stop();
    let anas_shared = notes_of(&ana, member)
        .into_iter()
        .find(|n| n.2)
        .expect("Ana's shared note")
        .0;
    ana.ok(&[
        "notes",
        "edit",
        &anas_shared.to_string(),
        "Met at FOSDEM. Rin helps on Docker.",
    ]);
    ben.ok(&[
        "notes",
        "edit",
        &bens[0].0.to_string(),
        "Rin helps on Docker. Ask about the December call.",
    ]);
    relay.restart();
    ana.sync();
    ben.sync();
    ana.sync();
    let both = "Met at FOSDEM. Rin helps on Docker. Ask about the December call.";
    assert_eq!(shared(&ben)[0].1, both, "Ben keeps Ana's words too");
    let anas = notes_of(&ana, member);
    assert!(
        anas.iter().any(|n| n.1 == both && n.2),
        "Ana keeps Ben's words too: {anas:?}"
    );
    assert!(anas.iter().any(|n| n.1 == PRIVATE && !n.2));

    // the team knows who is on it and when each last synced
    let status = ana.ok(&["team", "status"]);
    assert!(
        status.contains("Ana (you): last synced") && status.contains("Ben: last synced"),
        "{status}"
    );

    // the relay holds the shared words and never the private ones (it writes what it receives
    // to disk in the background, so the scan waits for the shared words a little)
    crate::common::wait_until(
        "the relay's files hold the shared words",
        std::time::Duration::from_secs(10),
        || contains(&relay_history(&relay), "Ask about the December call"),
    );
    let history = relay_history(&relay);
    assert!(
        contains(&history, "Ask about the December call"),
        "the scan sees shared words (it could see private ones)"
    );
    assert!(
        !contains(&history, "zebra-4471") && !contains(&relay.stored_bytes(), "zebra-4471"),
        "a private note never leaves the laptop"
    );

    // taken back by its author: gone from Ben's laptop at his next sync
    ana.ok(&["notes", "share", &anas_shared.to_string(), "--private"]);
    ana.sync();
    ben.sync();
    assert_eq!(shared(&ben), [], "taken back");
    assert!(
        notes_of(&ben, member).iter().all(|n| n.1 != both),
        "no copy left with Ben"
    );
    assert!(
        notes_of(&ana, member).iter().any(|n| n.1 == both && !n.2),
        "Ana keeps hers, now private"
    );
}

/// The relay killed and started again while both managers sync, again and again: each sync
/// either finishes or says the relay went away, and afterwards everyone (a newcomer too) has
/// every change.
#[test]
fn the_relay_restarted_mid_sync_loses_nothing() {
    let (mut relay, ana, ben) = team_of_two();
    let ids = open_ids(&ana, 12);
    let (anas, bens) = ids.split_at(ids.len() / 2);
    let mut rng = fastrand::Rng::with_seed(29);
    let started = Instant::now();
    ana.sync();
    let window = (started.elapsed().as_millis() as u64).max(20);
    let trials = 12;
    let (mut interrupted, mut in_flight) = (0, 0);
    for trial in 0..trials {
        let a = anas[trial % anas.len()];
        let b = bens[trial % bens.len()];
        ana.ok(&["triage", &a.to_string(), "assign", &format!("ana-{trial}")]);
        ben.ok(&["triage", &b.to_string(), "assign", &format!("ben-{trial}")]);
        let syncs: Vec<Child> = [&ana, &ben]
            .iter()
            .map(|m| {
                hearth(&m.db)
                    .args(["team", "sync"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("hearth team sync runs")
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.u64(0..window)));
        let mut syncs = syncs;
        for c in syncs.iter_mut() {
            if c.try_wait().ok().flatten().is_none() {
                in_flight += 1;
            }
        }
        relay.restart();
        for child in syncs {
            let out = child.wait_with_output().expect("it ran");
            if !out.status.success() {
                interrupted += 1;
                let said = text(&out);
                assert!(
                    said.contains("relay") && !said.contains("panicked"),
                    "trial {trial}: a sync cut off says so in words: {said}"
                );
            }
        }
    }
    eprintln!(
        "{in_flight} of {} syncs were under way when the relay restarted; {interrupted} gave up \
         (the others reconnected and finished)",
        2 * trials
    );
    assert!(
        in_flight >= trials / 2,
        "most restarts fall mid-sync ({in_flight} of {} did)",
        2 * trials
    );
    for m in [&ana, &ben, &ana] {
        m.sync();
    }
    let last = trials - 1;
    let expect = |ids: &[i64], who: &str| -> Vec<(i64, Option<String>)> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                // the last trial that assigned this conversation
                let t = (0..trials)
                    .rev()
                    .find(|t| t % ids.len() == i)
                    .unwrap_or(last);
                (*id, Some(format!("{who}-{t}")))
            })
            .collect()
    };
    let cleo = Manager::new();
    cleo.ok(&[
        "team",
        "join",
        ana.ok(&["team", "invite"]).trim(),
        "--name",
        "Cleo",
    ]);
    for m in [&ana, &ben, &cleo] {
        for (id, who) in expect(anas, "ana").into_iter().chain(expect(bens, "ben")) {
            assert_eq!(m.triage(id).1, who, "conversation {id}");
        }
    }
}

/// Names in a list printed as JSON (`views list`, `rules list`, `canned list`, `team`).
fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn reply_body(m: &Manager, name: &str) -> Option<String> {
    m.json(&["canned", "list", "--json"])
        .as_array()?
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["body"].as_str().map(String::from))
}

#[test]
fn the_teams_set_up_is_shared_replies_views_rules_and_the_team_list() {
    let (mut relay, ana, ben) = team_of_two();
    ana.sync();
    assert!(
        names(&ana.json(&["team", "--json"])).contains(&"Ben".to_string()),
        "who joined can be assigned conversations"
    );
    ana.ok(&[
        "canned",
        "add",
        "Refund policy",
        "Refunds take 5 days, {first_name}.",
    ]);
    ana.ok(&[
        "views",
        "add",
        "Discord bugs",
        "--platform",
        "discord",
        "--tag",
        "bug",
        "--letter",
        "k",
    ]);
    ana.ok(&[
        "rules",
        "add",
        "Crashes",
        "--when",
        "keyword crash",
        "--then",
        "tag bug",
    ]);
    let sent = ana.sync();
    assert_eq!(sent["recordsSent"], 3, "{sent}");
    ben.sync();
    assert_eq!(
        reply_body(&ben, "Refund policy").as_deref(),
        Some("Refunds take 5 days, {first_name}.")
    );
    let views = ben.json(&["views", "list", "--json"]);
    let view = views
        .as_array()
        .and_then(|a| a.iter().find(|v| v["name"] == "Discord bugs"))
        .unwrap_or_else(|| panic!("Ana's view reached Ben: {views}"));
    assert_eq!(view["letter"], "k", "with its letter");
    assert!(names(&ben.json(&["rules", "list", "--json"])).contains(&"Crashes".to_string()));

    // Ben rewrites the reply and removes the view; Ana follows
    ben.ok(&["canned", "add", "Refund policy", "Refunds take 3 days."]);
    ben.ok(&["views", "remove", "Discord bugs"]);
    ben.sync();
    let got = ana.sync();
    assert_eq!(got["recordsReceived"], 2, "{got}");
    assert_eq!(
        reply_body(&ana, "Refund policy").as_deref(),
        Some("Refunds take 3 days.")
    );
    assert!(!names(&ana.json(&["views", "list", "--json"])).contains(&"Discord bugs".to_string()));

    // both rewrite it apart: one whole version, the same on both laptops
    relay.stop();
    ana.ok(&["canned", "add", "Refund policy", "Ana's version."]);
    ben.ok(&["canned", "add", "Refund policy", "Ben's version."]);
    relay.restart();
    ana.sync();
    ben.sync();
    ana.sync();
    let (a, b) = (
        reply_body(&ana, "Refund policy"),
        reply_body(&ben, "Refund policy"),
    );
    assert_eq!(a, b);
    assert!(
        matches!(
            a.as_deref(),
            Some("Ana's version.") | Some("Ben's version.")
        ),
        "{a:?}"
    );
}

/// Presence through the real relay: Ana says she is replying to a conversation; Ben, listening
/// in another process, sees her there; the relay keeps nothing of it.
#[test]
fn a_teammate_replying_right_now_is_seen_and_never_stored() {
    let (relay, ana, ben) = team_of_two();
    ana.sync();
    // a conversation no one triaged (its name is in no document), whose id on its platform is
    // in no other's
    let (x, external): (i64, String) = rusqlite::Connection::open(&ana.db)
        .and_then(|c| {
            c.query_row(
                "SELECT c.id, c.external_id FROM conversations c
                 WHERE c.status = 'open' AND c.assignee IS NULL AND c.priority = 0
                   AND NOT EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id)
                   AND NOT EXISTS (SELECT 1 FROM conversations o
                                   WHERE o.id <> c.id AND instr(o.external_id, c.external_id) > 0)
                 ORDER BY c.id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .expect("an untriaged conversation");
    assert!(external.len() >= 6, "an id to look for: {external}");
    let listening = hearth(&ben.db)
        .args(["team", "who", "--wait", "9", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth team who runs");
    std::thread::sleep(Duration::from_secs(2));
    let saying = hearth(&ana.db)
        .args(["team", "here", &x.to_string(), "--replying", "--for", "12"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth team here runs");
    let heard = listening.wait_with_output().expect("it ran");
    assert!(heard.status.success(), "{}", text(&heard));
    let around: serde_json::Value = serde_json::from_slice(&heard.stdout).expect("JSON");
    assert_eq!(
        around,
        serde_json::json!([{ "name": "Ana", "doing": "replying", "conversationId": x }]),
        "Ben sees Ana replying to the conversation (by its id on his laptop)"
    );
    let said = saying.wait_with_output().expect("it ran");
    assert!(said.status.success(), "{}", text(&said));
    // gone once she stopped saying so
    let after = ben.json(&["team", "who", "--wait", "3", "--json"]);
    assert_eq!(after, serde_json::json!([]), "no one around any more");
    assert!(
        !contains(&relay_history(&relay), &external) && !contains(&relay.stored_bytes(), &external),
        "presence is never stored"
    );
}

/// A member's tags and custom fields as this manager's profile shows them.
fn member_set_up(m: &Manager, member: i64) -> (Vec<String>, Vec<(String, String)>) {
    let v = m.json(&["members", "show", &member.to_string(), "--json"]);
    let mut tags: Vec<String> = v["member"]["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    let fields = v["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| {
                    Some((
                        f["name"].as_str()?.to_string(),
                        f["value"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    (tags, fields)
}

#[test]
fn members_tags_and_custom_fields_are_the_teams() {
    let (mut relay, ana, ben) = team_of_two();
    let member = a_member(&ana);
    let m = member.to_string();
    ana.ok(&["members", "tag", &m, "speaker"]);
    ana.ok(&["members", "set", &m, "Plan", "Pro"]);
    let sent = ana.sync();
    assert_eq!(sent["membersSent"], 1, "{sent}");
    let got = ben.sync();
    assert_eq!(got["membersReceived"], 1, "{got}");
    let (tags, fields) = member_set_up(&ben, member);
    assert!(tags.contains(&"speaker".to_string()), "{tags:?}");
    assert_eq!(fields, [("Plan".to_string(), "Pro".to_string())]);

    // apart: Ben untags and changes the plan, Ana adds another tag; both are kept
    relay.stop();
    ben.ok(&["members", "untag", &m, "speaker"]);
    ben.ok(&["members", "set", &m, "Plan", "Team"]);
    ana.ok(&["members", "tag", &m, "translator"]);
    relay.restart();
    ben.sync();
    ana.sync();
    ben.sync();
    let (a, b) = (member_set_up(&ana, member), member_set_up(&ben, member));
    assert_eq!(a, b, "both laptops show the member the same");
    assert!(!a.0.contains(&"speaker".to_string()), "Ben's untag: {a:?}");
    assert!(a.0.contains(&"translator".to_string()), "Ana's tag: {a:?}");
    assert_eq!(a.1, [("Plan".to_string(), "Team".to_string())]);
}

/// The pairs `members suggest` offers on this laptop, as (a, b).
fn suggested(m: &Manager) -> Vec<(i64, i64)> {
    m.json(&["members", "suggest", "--json"])
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| Some((s["a"]["id"].as_i64()?, s["b"]["id"].as_i64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The member a (possibly merged) member id stands for on this laptop now.
fn live(m: &Manager, member: i64) -> i64 {
    m.json(&["members", "show", &member.to_string(), "--json"])["member"]["id"]
        .as_i64()
        .expect("a member")
}

#[test]
fn who_is_who_is_decided_once_for_the_team() {
    let (_relay, ana, ben) = team_of_two();
    let pairs = suggested(&ana);
    let [(a, b), (c, d), ..] = pairs[..] else {
        panic!("the demo suggests duplicates: {pairs:?}")
    };
    // Ana merges a suggested pair; Ben's laptop follows
    ana.ok(&["members", "merge", &a.to_string(), &b.to_string()]);
    ana.sync();
    let got = ben.sync();
    assert_eq!(got["decisionsReceived"], 1, "{got}");
    assert_eq!(
        live(&ben, b),
        live(&ben, a),
        "one person on Ben's laptop too"
    );
    let history = ben.ok(&["members", "history", &a.to_string()]);
    assert!(history.contains("Ana"), "who decided is kept: {history}");

    // Ben tells another pair apart; Ana is not asked about it again
    ben.ok(&["members", "reject", &c.to_string(), &d.to_string()]);
    ben.sync();
    ana.sync();
    assert!(
        !suggested(&ana).contains(&(c, d)),
        "a pair told apart is not suggested again on Ana's laptop"
    );

    // Ben undoes Ana's merge: on Ana's laptop they are two people again, for good
    ben.ok(&["members", "unmerge", &a.to_string()]);
    ben.sync();
    ana.sync();
    assert_ne!(
        live(&ana, b),
        live(&ana, a),
        "the merge is taken back for the team"
    );
    ben.sync();
    let settled = ana.sync();
    assert_eq!(
        (
            settled["decisionsReceived"].as_i64(),
            settled["decisionsSent"].as_i64()
        ),
        (Some(0), Some(0)),
        "nothing goes back and forth: {settled}"
    );
}

/// A calendar item as this manager's calendar shows it, by title.
fn planned(m: &Manager, title: &str) -> Option<serde_json::Value> {
    m.json(&["calendar", "list", "--json"])
        .as_array()?
        .iter()
        .find(|i| i["title"] == title)
        .cloned()
}

#[test]
fn the_calendar_is_planned_together_and_published_once() {
    let (mut relay, ana, ben) = team_of_two();
    ana.ok(&[
        "calendar",
        "add",
        "Release 3.1",
        "--text",
        "3.1 is out.",
        "--to",
        "Lumen Discord",
        "--at",
        "in 3 days",
    ]);
    let sent = ana.sync();
    assert_eq!(sent["itemsSent"], 1, "{sent}");
    ben.sync();
    let item = planned(&ben, "Release 3.1").expect("Ana's post is on Ben's calendar");
    assert_eq!(
        item["publisher"], "Ana",
        "Ana's Hearth publishes it: {item}"
    );
    assert_eq!(item["variants"][0]["accountName"], "Lumen Discord");

    // both edit its words apart, Ben comments; then Ben approves it
    relay.stop();
    let (a_id, b_id) = (
        planned(&ana, "Release 3.1").expect("Ana's")["id"].to_string(),
        item["id"].to_string(),
    );
    ana.ok(&["calendar", "edit", &a_id, "--text", "Big news: 3.1 is out."]);
    ben.ok(&[
        "calendar",
        "edit",
        &b_id,
        "--text",
        "3.1 is out. Read the notes.",
    ]);
    ben.ok(&["calendar", "comment", &b_id, "Add the download link?"]);
    relay.restart();
    ana.sync();
    ben.sync();
    ana.sync();
    let (a, b) = (
        planned(&ana, "Release 3.1").expect("Ana's"),
        planned(&ben, "Release 3.1").expect("Ben's"),
    );
    assert_eq!(
        a["body"], "Big news: 3.1 is out. Read the notes.",
        "both keep their words"
    );
    assert_eq!(a["body"], b["body"]);
    assert_eq!(a["comments"], 1, "Ben's comment reached Ana");
    ben.ok(&["calendar", "approve", &b_id]);
    ben.sync();
    ana.sync();
    let a = planned(&ana, "Release 3.1").expect("Ana's");
    assert!(a["approvedAt"].is_i64(), "Ben's approval reached Ana: {a}");

    // only the publisher's Hearth publishes: Ben's refuses, in words
    let refused = ben.run(&["calendar", "publish", &b_id], None);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("Ana's Hearth publishes this post"),
        "{}",
        text(&refused)
    );
    // Ben's cron finds nothing of it to release, even once it is due
    let ben_released = ben.json(&["publish", "--due", "--json"]);
    assert_eq!(ben_released["queued"], 0, "{ben_released}");
    // and the approval holds on Ana's laptop: merged words are not a change after approval
    let a = planned(&ana, "Release 3.1").expect("Ana's");
    assert_eq!(
        a["state"],
        planned(&ben, "Release 3.1").expect("Ben's")["state"]
    );
    assert_ne!(a["state"], "in_review", "{a}");
    // Ana's own Hearth may publish it (the demo's sample account refuses for its own reason)
    let ana_publishes = ana.run(&["calendar", "publish", &a_id], None);
    assert!(
        !text(&ana_publishes).contains("Hearth publishes this post"),
        "{}",
        text(&ana_publishes)
    );
}
