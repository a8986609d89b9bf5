//! Mastodon (REST v1) as `@lumen@mastodon.example` of the recorded scenario
//! (`tests/fixtures/mastodon/`): `verify_credentials` is @lumen, `GET /statuses/:id` is Ana's
//! mention A1 (file 14), `POST /statuses` makes a status shaped as the recorded reply (file 21)
//! and `GET /accounts/:id/statuses` lists @lumen's statuses newest first — those made here,
//! then the recorded ones (file 07).
//!
//! As Mastodon does: a status's `content` is the HTML it renders from the plain text (escaped,
//! mentions and links marked up, paragraphs on blank lines, `<br />` on single line breaks);
//! a repeated `Idempotency-Key` answers with the status the key already made instead of
//! making another, until the server forgets the key (after an hour: [`super::Site::forget_keys`]).

use std::time::Duration;

use hearth::ingest::IncomingConversation;
use hearth::model::{ConversationKind, Platform};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{
    batch, millis, now, person, rfc3339, said, text_at, Create, Ledger, Post, Read, Shared, Site,
};
use crate::common::replay;

pub const LUMEN: &str = "113430614507520001";
/// Ana's status mentioning @lumen (the newest in the conversation): the reply answers it.
pub const A1: &str = "116193207647600642";
const HOST: &str = "https://mastodon.example";

fn is_lookup(r: &Request) -> bool {
    r.method.as_str() == "GET" && r.url.path() == format!("/api/v1/accounts/{LUMEN}/statuses")
}

/// Ana's status A1, as `GET /api/v1/statuses/:id` returns it.
fn a1() -> Value {
    replay::load("mastodon", "14").response["body"][0]["status"].clone()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// One word of a status: a link, a mention of a known account, or text.
fn word(w: &str, known: &[(&str, &str)]) -> String {
    let link = w.trim_end_matches(['.', ',', ')', '!', '?', ':', ';']);
    if let Some(rest) = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
    {
        let scheme = &link[..link.len() - rest.len()];
        let shown = if rest.len() > 30 {
            format!(
                "<span class=\"ellipsis\">{}</span><span class=\"invisible\">{}</span>",
                escape(&rest[..30]),
                escape(&rest[30..])
            )
        } else {
            format!(
                "<span class=\"\">{}</span><span class=\"invisible\"></span>",
                escape(rest)
            )
        };
        return format!(
            "<a href=\"{}\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">{scheme}</span>{shown}</a>{}",
            escape(link),
            escape(&w[link.len()..])
        );
    }
    if let Some(&(acct, url)) = known
        .iter()
        .find(|(acct, _)| w.strip_prefix('@') == Some(acct))
    {
        return format!(
            "<span class=\"h-card\" translate=\"no\"><a href=\"{url}\" class=\"u-url mention\">@<span>{acct}</span></a></span>"
        );
    }
    escape(w)
}

/// The HTML Mastodon renders from a plain-text status.
pub fn render(text: &str, known: &[(&str, &str)]) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p
                .split('\n')
                .map(|line| {
                    line.split(' ')
                        .map(|w| word(w, known))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            format!("<p>{}</p>", lines.join("<br />"))
        })
        .collect();
    paragraphs.concat()
}

pub async fn start(hold: Duration) -> Site {
    let server = MockServer::start().await;
    let ledger = Shared::default();
    replay::load("mastodon", "01").mock("").mount(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/statuses/{A1}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(a1()))
        .mount(&server)
        .await;
    let template = replay::load("mastodon", "21").response["body"].clone();
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(Create {
            ledger: ledger.clone(),
            hold,
            make: move |req: &Request, l: &mut Ledger| {
                let key = req
                    .headers
                    .get("Idempotency-Key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                if let Some(&made) = key.as_ref().and_then(|k| l.keys.get(k)) {
                    return ResponseTemplate::new(200).set_body_json(&l.posts[made].json);
                }
                let sent: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let at = now();
                let id = (((at as u64) << 16) | l.posts.len() as u64).to_string();
                let parent = text_at(&sent, "/in_reply_to_id");
                let ana = a1()["account"].clone();
                let status = text_at(&sent, "/status");
                let mut s = template.clone();
                s["id"] = json!(id);
                s["created_at"] = json!(rfc3339(at));
                s["uri"] = json!(format!("{HOST}/users/lumen/statuses/{id}"));
                s["url"] = json!(format!("{HOST}/@lumen/{id}"));
                s["content"] = json!(render(status, &[("ana", text_at(&ana, "/url"))]));
                s["visibility"] = json!(sent["visibility"].as_str().unwrap_or("public"));
                s["language"] = sent["language"].clone();
                if parent.is_empty() {
                    s["in_reply_to_id"] = Value::Null;
                    s["in_reply_to_account_id"] = Value::Null;
                } else {
                    s["in_reply_to_id"] = json!(parent);
                    s["in_reply_to_account_id"] = ana["id"].clone();
                }
                s["mentions"] = if status.contains("@ana") {
                    json!([{"id": ana["id"], "username": "ana", "url": ana["url"], "acct": "ana"}])
                } else {
                    json!([])
                };
                if let Some(k) = key {
                    l.keys.insert(k, l.posts.len());
                }
                l.posts.push(Post {
                    id: id.clone(),
                    hearth_id: id,
                    text: status.to_string(),
                    json: s.clone(),
                });
                ResponseTemplate::new(200).set_body_json(s)
            },
        })
        .mount(&server)
        .await;
    let ours = replay::load("mastodon", "07").response["body"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/accounts/{LUMEN}/statuses")))
        .respond_with(Read {
            ledger: ledger.clone(),
            read: move |req: &Request, l: &Ledger| {
                let limit = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "limit")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(20);
                let list: Vec<Value> = l
                    .posts
                    .iter()
                    .rev()
                    .map(|p| p.json.clone())
                    .chain(ours.iter().cloned())
                    .take(limit)
                    .collect();
                ResponseTemplate::new(200).set_body_json(list)
            },
        })
        .mount(&server)
        .await;

    // What the second sync brought: Ana's mention A1, a conversation of its own.
    let a1 = a1();
    let text = hearth::sanitize::html_to_text(text_at(&a1, "/content"));
    let people = vec![person(
        text_at(&a1, "/account/id"),
        "ana@mastodon.example",
        text_at(&a1, "/account/display_name"),
    )];
    let at = millis(text_at(&a1, "/created_at"));
    let lines = vec![said(A1, A1, text_at(&a1, "/account/id"), &text, at, None)];
    let conversation = IncomingConversation {
        external_id: A1.into(),
        kind: ConversationKind::Post,
        title: Some(text.clone()),
        container: None,
        url: Some(text_at(&a1, "/url").to_string()),
        created_at: at,
    };
    Site {
        url: server.uri(),
        server,
        ledger,
        platform: Platform::Mastodon,
        scopes: Vec::new(),
        token: "test-token-not-real",
        seed: batch(people, conversation, lines),
        conversation: A1.into(),
        lookup: is_lookup,
    }
}
