//! Slack (Web API) with the recorded Lumen workspace's #help (`tests/fixtures/slack/`):
//! `auth.test` and `users.info` say who the bot is, `chat.postMessage` makes a message shaped
//! as the recorded thread reply (file 11), and `conversations.replies` lists a thread: its
//! parent (from file 05), then the replies made here, oldest first. As Slack does, the text
//! it keeps has `&`, `<` and `>` escaped.

use std::time::Duration;

use hearth::ingest::IncomingConversation;
use hearth::model::{ConversationKind, Platform};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{batch, now, person, said, text_at, Create, Ledger, Post, Read, Shared, Site};
use crate::common::replay;

const API: &str = "/api";
pub const HELP: &str = "C04HELP7QZ1";
pub const BOT_USER: &str = "U07HRTH8B0T";
/// María's reminder, the newest message of #help: the reply goes into its thread.
pub const S5: &str = "1777890600.912649";

fn is_lookup(r: &Request) -> bool {
    r.url.path() == format!("{API}/conversations.replies")
        || r.url.path() == format!("{API}/conversations.history")
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Every user of the recorded workspace (both `users.list` pages).
fn users() -> Vec<Value> {
    ["03", "04"]
        .iter()
        .flat_map(|f| {
            replay::load("slack", f).response["body"]["members"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// #help's first recorded page: s5, s4, the CI bot's s3, s2 (newest first).
fn history() -> Vec<Value> {
    replay::load("slack", "05").response["body"]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn ts_millis(ts: &str) -> i64 {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    secs.parse::<i64>().unwrap_or(0) * 1000 + frac[..3.min(frac.len())].parse::<i64>().unwrap_or(0)
}

pub async fn start(hold: Duration) -> Site {
    let server = MockServer::start().await;
    let ledger = Shared::default();
    replay::load("slack", "01").mock("").mount(&server).await;
    let me = users()
        .into_iter()
        .find(|u| u["id"] == BOT_USER)
        .unwrap_or(Value::Null);
    Mock::given(method("GET"))
        .and(path(format!("{API}/users.info")))
        .and(query_param("user", BOT_USER))
        .respond_with(ok(json!({ "ok": true, "user": me })))
        .mount(&server)
        .await;
    let template = replay::load("slack", "11").response["body"]["message"].clone();
    let parents = history();
    Mock::given(method("POST"))
        .and(path(format!("{API}/chat.postMessage")))
        .respond_with(Create {
            ledger: ledger.clone(),
            hold,
            make: move |req: &Request, l: &mut Ledger| {
                let sent: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let at = now();
                let ts = format!("{}.{:03}{:03}", at / 1000, at % 1000, l.posts.len());
                let text = escape(text_at(&sent, "/text"));
                let thread = text_at(&sent, "/thread_ts").to_string();
                let mut m = template.clone();
                m["ts"] = json!(ts);
                m["text"] = json!(text);
                m["blocks"] = json!([{"type": "rich_text", "block_id": "h1", "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text_at(&sent, "/text")}]}
                ]}]);
                match parents.iter().find(|p| p["ts"] == thread.as_str()) {
                    Some(parent) => {
                        m["thread_ts"] = json!(thread);
                        m["parent_user_id"] = parent["user"].clone();
                    }
                    None => {
                        if let Some(o) = m.as_object_mut() {
                            o.remove("thread_ts");
                            o.remove("parent_user_id");
                        }
                    }
                }
                l.posts.push(Post {
                    id: ts.clone(),
                    hearth_id: if thread.is_empty() {
                        format!("{HELP}/{ts}")
                    } else {
                        format!("{HELP}/{thread}/{ts}")
                    },
                    text: text_at(&sent, "/text").to_string(),
                    json: m.clone(),
                });
                ok(json!({ "ok": true, "channel": sent["channel"], "ts": ts, "message": m }))
            },
        })
        .mount(&server)
        .await;
    let threads = history();
    Mock::given(method("GET"))
        .and(path(format!("{API}/conversations.replies")))
        .respond_with(Read {
            ledger: ledger.clone(),
            read: move |req: &Request, l: &Ledger| {
                let ts = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "ts")
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default();
                let Some(parent) = threads.iter().find(|p| p["ts"] == ts.as_str()) else {
                    return ok(json!({ "ok": false, "error": "thread_not_found" }));
                };
                let replies: Vec<Value> = l
                    .posts
                    .iter()
                    .filter(|p| p.json["thread_ts"] == ts.as_str())
                    .map(|p| p.json.clone())
                    .collect();
                let mut parent = parent.clone();
                if let Some(last) = replies.last() {
                    parent["thread_ts"] = json!(ts);
                    parent["reply_count"] = json!(replies.len());
                    parent["reply_users_count"] = json!(1);
                    parent["latest_reply"] = last["ts"].clone();
                    parent["reply_users"] = json!([BOT_USER]);
                }
                let mut messages = vec![parent];
                messages.extend(replies);
                ok(json!({ "ok": true, "messages": messages, "has_more": false }))
            },
        })
        .mount(&server)
        .await;

    // What the first sync brought from #help.
    let people = users()
        .iter()
        .map(|u| {
            person(
                text_at(u, "/id"),
                text_at(u, "/name"),
                text_at(u, "/real_name"),
            )
        })
        .collect();
    let lines = history()
        .iter()
        .rev()
        .map(|m| {
            let ts = text_at(m, "/ts");
            said(
                HELP,
                &format!("{HELP}/{ts}"),
                text_at(m, "/user"),
                text_at(m, "/text"),
                ts_millis(ts),
                None,
            )
        })
        .collect();
    let help = IncomingConversation {
        external_id: HELP.into(),
        kind: ConversationKind::Channel,
        title: Some("#help".into()),
        container: Some("Lumen".into()),
        url: None,
        created_at: ts_millis("1777000000.000000"),
    };
    Site {
        url: format!("{}{API}", server.uri()),
        server,
        ledger,
        platform: Platform::Slack,
        scopes: vec![HELP.into()],
        token: "slack-test-token-not-real",
        seed: batch(people, help, lines),
        conversation: HELP.into(),
        lookup: is_lookup,
    }
}
