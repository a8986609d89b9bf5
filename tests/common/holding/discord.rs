//! Discord (REST v10) with the recorded Lumen guild's #help channel (`tests/fixtures/discord/`):
//! `GET /users/@me` is the bot, `POST /channels/{c}/messages` makes a message shaped as the
//! recorded reply (file 10) and `GET /channels/{c}/messages` lists the channel newest first —
//! the messages made here, then the recorded ones (file 07). As on Discord, a listed message
//! carries no `nonce` (only the answer to the send does).

use std::time::Duration;

use hearth::ingest::IncomingConversation;
use hearth::model::{ConversationKind, Platform};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{batch, millis, now, person, said, text_at, Create, Post, Read, Shared, Site};
use crate::common::replay;

const API: &str = "/api/v10";
pub const GUILD: &str = "1070404211835011079";
pub const HELP: &str = "1070408600813436935";
/// Discord's epoch (2015-01-01) in unix milliseconds: snowflakes count from it.
const EPOCH: i64 = 1_420_070_400_000;

fn messages_path() -> String {
    format!("{API}/channels/{HELP}/messages")
}

fn is_lookup(r: &Request) -> bool {
    r.method.as_str() == "GET" && r.url.path() == messages_path()
}

/// #help's recorded messages m6…m9, newest first.
fn recorded() -> Vec<Value> {
    replay::load("discord", "07").response["body"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub async fn start(hold: Duration) -> Site {
    let server = MockServer::start().await;
    let ledger = Shared::default();
    replay::load("discord", "01").mock("").mount(&server).await;
    let template = replay::load("discord", "10").response["body"].clone();
    let channel = recorded();
    let known = channel.clone();
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(Create {
            ledger: ledger.clone(),
            hold,
            make: move |req: &Request, l: &mut super::Ledger| {
                let sent: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let at = now();
                let id = ((((at - EPOCH) as u64) << 22) | l.posts.len() as u64).to_string();
                let answered = text_at(&sent, "/message_reference/message_id");
                let referenced = known.iter().find(|m| m["id"] == answered).cloned();
                let mut m = template.clone();
                m["id"] = json!(id);
                m["content"] = sent["content"].clone();
                m["nonce"] = sent["nonce"].clone();
                m["timestamp"] = json!(chrono::DateTime::from_timestamp_millis(at)
                    .unwrap_or_default()
                    .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
                    .to_string());
                m["mentions"] = json!(referenced.iter().map(|r| &r["author"]).collect::<Vec<_>>());
                m["message_reference"]["message_id"] = json!(answered);
                m["referenced_message"] = referenced.unwrap_or(Value::Null);
                let mut listed = m.clone();
                if let Some(o) = listed.as_object_mut() {
                    o.remove("nonce");
                }
                l.posts.push(Post {
                    id: id.clone(),
                    hearth_id: id,
                    text: text_at(&sent, "/content").to_string(),
                    json: listed,
                });
                ResponseTemplate::new(200).set_body_json(m)
            },
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(messages_path()))
        .respond_with(Read {
            ledger: ledger.clone(),
            read: move |req: &Request, l: &super::Ledger| {
                let limit = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "limit")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(50);
                let list: Vec<Value> = l
                    .posts
                    .iter()
                    .rev()
                    .map(|p| p.json.clone())
                    .chain(channel.iter().cloned())
                    .take(limit)
                    .collect();
                ResponseTemplate::new(200).set_body_json(list)
            },
        })
        .mount(&server)
        .await;

    // What the first sync brought from #help (the recorded page of m6…m9).
    let messages = recorded();
    let people = messages
        .iter()
        .map(|m| {
            person(
                text_at(m, "/author/id"),
                text_at(m, "/author/username"),
                m["author"]["global_name"]
                    .as_str()
                    .unwrap_or(text_at(m, "/author/username")),
            )
        })
        .collect();
    let lines = messages
        .iter()
        .rev()
        .map(|m| {
            said(
                HELP,
                text_at(m, "/id"),
                text_at(m, "/author/id"),
                text_at(m, "/content"),
                millis(text_at(m, "/timestamp")),
                m.pointer("/message_reference/message_id")
                    .and_then(Value::as_str),
            )
        })
        .collect();
    let help = IncomingConversation {
        external_id: HELP.into(),
        kind: ConversationKind::Channel,
        title: Some("#help".into()),
        container: Some("Lumen".into()),
        url: None,
        created_at: millis("2023-02-01T00:00:00Z"),
    };
    Site {
        url: format!("{}{API}", server.uri()),
        server,
        ledger,
        platform: Platform::Discord,
        scopes: vec![GUILD.into()],
        token: "test-token-not-real",
        seed: batch(people, help, lines),
        conversation: HELP.into(),
        lookup: is_lookup,
    }
}
