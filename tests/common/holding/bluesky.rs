//! Bluesky (XRPC) as `lumenssg.bsky.social` of the recorded scenario (`tests/fixtures/bluesky/`):
//! `createSession` (file 01), the account's profile, `getPosts` for Zoë's question Z1 (as the
//! thread of file 17 shows it), `resolveHandle` for her handle, `createRecord` making a post at
//! the record key asked for (or a new one) and answering as the recorded create (file 20), and
//! `getAuthorFeed` listing the account's posts and replies newest first — those made here, then
//! the recorded feed (file 14). A record key holds one record: creating at a taken key is
//! refused, as a PDS refuses it.

use std::time::Duration;

use hearth::ingest::IncomingConversation;
use hearth::model::{ConversationKind, Platform};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{
    batch, millis, now, person, rfc3339, said, text_at, Create, Ledger, Post, Read, Shared, Site,
};
use crate::common::replay;

pub const DID: &str = "did:plc:ogopzmlegj6ci3jnktnzyakn";
pub const HANDLE: &str = "lumenssg.bsky.social";
/// The release post that opens the thread.
pub const B1: &str = "at://did:plc:ogopzmlegj6ci3jnktnzyakn/app.bsky.feed.post/3mg2vtwcsa22f";
/// Zoë's question under it (the newest message of the thread): the reply answers it.
pub const Z1: &str = "at://did:plc:ryz4j3vbcpoa7sucyuyq3u2a/app.bsky.feed.post/3mg5cfwrbpc2h";
pub const ZOE: &str = "did:plc:ryz4j3vbcpoa7sucyuyq3u2a";

fn is_lookup(r: &Request) -> bool {
    r.url.path() == "/xrpc/app.bsky.feed.getAuthorFeed"
}

/// The recorded thread under B1 (file 17): the root post and its replies.
fn thread() -> Vec<Value> {
    let t = replay::load("bluesky", "17").response["body"]["thread"].clone();
    let mut posts = vec![t["post"].clone()];
    posts.extend(
        t["replies"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["post"].clone()),
    );
    posts
}

fn view(uri: &str) -> Value {
    thread()
        .into_iter()
        .find(|p| p["uri"] == uri)
        .unwrap_or_else(|| panic!("the recorded thread holds {uri}"))
}

/// A record key for a post made without one asked for (base32-sortable microseconds).
fn new_rkey(n: usize) -> String {
    const ALPHABET: &[u8] = b"234567abcdefghijklmnopqrstuvwxyz";
    let tid = ((now() as u64 * 1000 + n as u64) & ((1 << 53) - 1)) << 10;
    (0..13)
        .map(|i| ALPHABET[((tid >> (60 - 5 * i)) & 31) as usize] as char)
        .collect()
}

pub async fn start(hold: Duration) -> Site {
    let server = MockServer::start().await;
    let ledger = Shared::default();
    replay::load("bluesky", "01").mock("").mount(&server).await;
    let me = view(B1)["author"].clone();
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.actor.getProfile"))
        .and(query_param("actor", DID))
        .respond_with(ResponseTemplate::new(200).set_body_json(&me))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPosts"))
        .and(query_param("uris", Z1))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "posts": [view(Z1)] })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.identity.resolveHandle"))
        .and(query_param("handle", "zoeokafor.bsky.social"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "did": ZOE })))
        .mount(&server)
        .await;
    let created = replay::load("bluesky", "20").response["body"].clone();
    let author = me.clone();
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(Create {
            ledger: ledger.clone(),
            hold,
            make: move |req: &Request, l: &mut Ledger| {
                let sent: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let rkey = sent["rkey"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| new_rkey(l.posts.len()));
                let uri = format!("at://{DID}/app.bsky.feed.post/{rkey}");
                if l.posts.iter().any(|p| p.id == uri) {
                    return ResponseTemplate::new(400).set_body_json(json!({
                        "error": "InvalidRequest",
                        "message": format!("Record already exists at {uri}"),
                    }));
                }
                let cid = format!("bafyreihearthtestcid{:04}", l.posts.len());
                let record = sent["record"].clone();
                let reply = match (
                    text_at(&record, "/reply/root/uri"),
                    text_at(&record, "/reply/parent/uri"),
                ) {
                    ("", _) | (_, "") => Value::Null,
                    (root, parent) => {
                        let found = |u: &str| {
                            thread()
                                .into_iter()
                                .find(|p| p["uri"] == u)
                                .unwrap_or(Value::Null)
                        };
                        json!({ "root": found(root), "parent": found(parent) })
                    }
                };
                let post = json!({
                    "uri": uri,
                    "cid": cid,
                    "author": author,
                    "record": record,
                    "replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0,
                    "indexedAt": rfc3339(now()),
                    "viewer": { "threadMuted": false, "embeddingDisabled": false },
                    "labels": [],
                });
                let mut item = json!({ "post": post });
                if !reply.is_null() {
                    item["reply"] = reply;
                }
                l.posts.push(Post {
                    id: uri.clone(),
                    hearth_id: uri.clone(),
                    text: text_at(&record, "/text").to_string(),
                    json: item,
                });
                let mut answer = created.clone();
                answer["uri"] = json!(uri);
                answer["cid"] = json!(cid);
                ResponseTemplate::new(200).set_body_json(answer)
            },
        })
        .mount(&server)
        .await;
    let feed = replay::load("bluesky", "14").response["body"]["feed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getAuthorFeed"))
        .and(query_param("actor", DID))
        .respond_with(Read {
            ledger: ledger.clone(),
            read: move |req: &Request, l: &Ledger| {
                let limit = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "limit")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(50);
                let items: Vec<Value> = l
                    .posts
                    .iter()
                    .rev()
                    .map(|p| p.json.clone())
                    .chain(feed.iter().cloned())
                    .take(limit)
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({ "feed": items }))
            },
        })
        .mount(&server)
        .await;

    // What the first sync brought: the thread under B1, the newest message Zoë's Z1.
    let posts = thread();
    let people = posts
        .iter()
        .map(|p| {
            person(
                text_at(p, "/author/did"),
                text_at(p, "/author/handle"),
                p["author"]["displayName"]
                    .as_str()
                    .unwrap_or(text_at(p, "/author/handle")),
            )
        })
        .collect();
    let lines = posts
        .iter()
        .map(|p| {
            let parent = text_at(p, "/record/reply/parent/uri");
            said(
                B1,
                text_at(p, "/uri"),
                text_at(p, "/author/did"),
                text_at(p, "/record/text"),
                millis(text_at(p, "/record/createdAt")),
                (!parent.is_empty()).then_some(parent),
            )
        })
        .collect();
    let root = view(B1);
    let conversation = IncomingConversation {
        external_id: B1.into(),
        kind: ConversationKind::Post,
        title: Some(hearth::text::shorten(text_at(&root, "/record/text"), 80)),
        container: None,
        url: Some(format!(
            "https://bsky.app/profile/{HANDLE}/post/3mg2vtwcsa22f"
        )),
        created_at: millis(text_at(&root, "/record/createdAt")),
    };
    Site {
        url: server.uri(),
        server,
        ledger,
        platform: Platform::Bluesky,
        scopes: vec![HANDLE.into()],
        token: "test-app-password-not-real",
        seed: batch(people, conversation, lines),
        conversation: B1.into(),
        lookup: is_lookup,
    }
}
