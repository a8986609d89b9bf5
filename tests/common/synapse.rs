//! A real Synapse homeserver for the Matrix tests (`scripts/synapse.sh` installs it from PyPI
//! and starts it on 127.0.0.1 once), and a small Matrix client to seed rooms the way people
//! would: several users, replies, threads, edits, redactions, formatted bodies.

use std::process::Command;
use std::sync::OnceLock;

use serde_json::{json, Value};

/// The homeserver URL, starting Synapse if it is not running.
pub fn homeserver() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/synapse.sh");
        let out = Command::new(script)
            .arg("start")
            .output()
            .expect("scripts/synapse.sh runs");
        assert!(
            out.status.success(),
            "Synapse must start for the Matrix tests: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
    .clone()
}

/// A name no earlier run used (the server's data folder is reused between runs).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{:x}", fastrand::u64(..) & 0xffff_ffff)
}

pub struct User {
    pub user_id: String,
    pub token: String,
    base: String,
    http: reqwest::Client,
}

/// Registers `name` on the homeserver and logs in.
pub async fn user(name: &str, display_name: &str) -> User {
    let base = homeserver();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/synapse.sh");
    let out = Command::new(script)
        .args(["register", name, "correct-horse-battery"])
        .output()
        .expect("scripts/synapse.sh register runs");
    assert!(
        out.status.success(),
        "registering {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/_matrix/client/v3/login"))
        .json(&json!({
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": name},
            "password": "correct-horse-battery",
        }))
        .send()
        .await
        .expect("login request")
        .json()
        .await
        .expect("login JSON");
    let u = User {
        user_id: login["user_id"].as_str().expect("a user id").to_string(),
        token: login["access_token"].as_str().expect("a token").to_string(),
        base,
        http,
    };
    u.put(
        &format!("profile/{}/displayname", enc(&u.user_id)),
        json!({"displayname": display_name}),
    )
    .await;
    u
}

pub fn enc(s: &str) -> String {
    url_escape(s)
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl User {
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/_matrix/client/v3/{path}", self.base))
            .bearer_auth(&self.token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches Synapse");
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: HTTP {status}: {v}");
        v
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, body).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::PUT, path, body).await
    }

    pub async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, Value::Null).await
    }

    /// Creates a named room and invites `others`.
    pub async fn create_room(&self, name: &str, others: &[&User]) -> String {
        let invite: Vec<&str> = others.iter().map(|u| u.user_id.as_str()).collect();
        let v = self
            .post(
                "createRoom",
                json!({"name": name, "preset": "private_chat", "invite": invite}),
            )
            .await;
        v["room_id"].as_str().expect("a room id").to_string()
    }

    pub async fn join(&self, room: &str) {
        self.post(&format!("join/{}", enc(room)), json!({})).await;
    }

    /// Sends an event; returns its id.
    pub async fn send(&self, room: &str, content: Value) -> String {
        let txn = unique("t");
        let v = self
            .put(
                &format!("rooms/{}/send/m.room.message/{txn}", enc(room)),
                content,
            )
            .await;
        v["event_id"].as_str().expect("an event id").to_string()
    }

    /// Sends an event of another type (a reaction); returns its id.
    pub async fn send_event(&self, room: &str, kind: &str, content: Value) -> String {
        let txn = unique("e");
        let v = self
            .put(&format!("rooms/{}/send/{kind}/{txn}", enc(room)), content)
            .await;
        v["event_id"].as_str().expect("an event id").to_string()
    }

    pub async fn say(&self, room: &str, text: &str) -> String {
        self.send(room, json!({"msgtype": "m.text", "body": text}))
            .await
    }

    pub async fn redact(&self, room: &str, event: &str) {
        let txn = unique("r");
        self.put(
            &format!("rooms/{}/redact/{}/{txn}", enc(room), enc(event)),
            json!({"reason": "posted by mistake"}),
        )
        .await;
    }

    /// The room's messages as a bare client reads them, newest first.
    pub async fn messages(&self, room: &str, limit: u32) -> Vec<Value> {
        let v = self
            .get(&format!("rooms/{}/messages?dir=b&limit={limit}", enc(room)))
            .await;
        v["chunk"].as_array().cloned().unwrap_or_default()
    }
}
