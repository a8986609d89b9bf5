//! GitHub (REST 2022-11-28) with the recorded `lumen-ssg/lumen` issue #420
//! (`tests/fixtures/github/`): `GET /user` is the community account, `POST …/issues/420/comments`
//! makes a comment shaped as the recorded one (file 24, HTTP 201), and `GET …/issues/420/comments`
//! lists the issue's comments oldest first — the recorded ones (files 16 and 20), then those
//! made here.

use std::time::Duration;

use hearth::ingest::IncomingConversation;
use hearth::model::{ConversationKind, Platform};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{batch, millis, now, person, said, text_at, Create, Ledger, Post, Read, Shared, Site};
use crate::common::replay;

pub const REPO: &str = "lumen-ssg/lumen";
pub const ISSUE: &str = "lumen-ssg/lumen#420";
const COMMENTS: &str = "/repos/lumen-ssg/lumen/issues/420/comments";

fn is_lookup(r: &Request) -> bool {
    r.method.as_str() == "GET" && r.url.path() == COMMENTS
}

/// The recorded comments on #420, oldest first.
fn recorded() -> Vec<Value> {
    let mut seen = std::collections::BTreeMap::new();
    for f in ["16", "20"] {
        for c in replay::load("github", f).response["body"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            if text_at(&c, "/issue_url").ends_with("/issues/420") {
                seen.insert(text_at(&c, "/created_at").to_string(), c);
            }
        }
    }
    seen.into_values().collect()
}

pub async fn start(hold: Duration) -> Site {
    let server = MockServer::start().await;
    let ledger = Shared::default();
    replay::load("github", "01").mock("").mount(&server).await;
    let template = replay::load("github", "24").response["body"].clone();
    let first_id = template["id"].as_u64().unwrap_or(2_874_530_219);
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(Create {
            ledger: ledger.clone(),
            hold,
            make: move |req: &Request, l: &mut Ledger| {
                let sent: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let id = first_id + l.posts.len() as u64;
                let at = chrono::DateTime::from_timestamp_millis(now())
                    .unwrap_or_default()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string();
                let mut c = template.clone();
                c["id"] = json!(id);
                c["url"] = json!(format!(
                    "https://api.github.com/repos/{REPO}/issues/comments/{id}"
                ));
                c["html_url"] = json!(format!(
                    "https://github.com/{REPO}/issues/420#issuecomment-{id}"
                ));
                c["body"] = sent["body"].clone();
                c["created_at"] = json!(at);
                c["updated_at"] = json!(at);
                l.posts.push(Post {
                    id: id.to_string(),
                    hearth_id: id.to_string(),
                    text: text_at(&sent, "/body").to_string(),
                    json: c.clone(),
                });
                ResponseTemplate::new(201).set_body_json(c)
            },
        })
        .mount(&server)
        .await;
    let comments = recorded();
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(Read {
            ledger: ledger.clone(),
            read: move |req: &Request, l: &Ledger| {
                let per_page = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "per_page")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(30);
                let list: Vec<Value> = comments
                    .iter()
                    .cloned()
                    .chain(l.posts.iter().map(|p| p.json.clone()))
                    .take(per_page)
                    .collect();
                ResponseTemplate::new(200).set_body_json(list)
            },
        })
        .mount(&server)
        .await;

    // What the first sync brought: issue #420 (its body is the first message) and its comments.
    let issue = replay::load("github", "14").response["body"]
        .as_array()
        .and_then(|l| l.iter().find(|i| i["number"] == 420).cloned())
        .unwrap_or(Value::Null);
    let comments = recorded();
    let people = std::iter::once(&issue["user"])
        .chain(comments.iter().map(|c| &c["user"]))
        .map(|u| {
            person(
                text_at(u, "/login"),
                text_at(u, "/login"),
                text_at(u, "/login"),
            )
        })
        .collect();
    let mut lines = vec![said(
        ISSUE,
        ISSUE,
        text_at(&issue, "/user/login"),
        text_at(&issue, "/body"),
        millis(text_at(&issue, "/created_at")),
        None,
    )];
    lines.extend(comments.iter().map(|c| {
        said(
            ISSUE,
            &c["id"].to_string(),
            text_at(c, "/user/login"),
            text_at(c, "/body"),
            millis(text_at(c, "/created_at")),
            None,
        )
    }));
    let conversation = IncomingConversation {
        external_id: ISSUE.into(),
        kind: ConversationKind::Issue,
        title: Some(text_at(&issue, "/title").to_string()),
        container: Some(REPO.into()),
        url: Some(text_at(&issue, "/html_url").to_string()),
        created_at: millis(text_at(&issue, "/created_at")),
    };
    Site {
        url: server.uri(),
        server,
        ledger,
        platform: Platform::Github,
        scopes: vec![REPO.into()],
        token: "ghp_test-token-not-real",
        seed: batch(people, conversation, lines),
        conversation: ISSUE.into(),
        lookup: is_lookup,
    }
}
