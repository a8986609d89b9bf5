//! Bluesky connector (AT Protocol XRPC). Owns: the session made from the app password (kept in
//! memory only, refreshed when the access token expires), reading followers, our own author
//! feed (posts and replies) and mention/reply notifications, mapping profiles, posts, rich-text
//! facets and threads to Hearth's types, marking posts deleted when they turn into
//! `#notFoundPost`, and posting with `createRecord`.
//! Must never: write the session's tokens anywhere (not in a cursor, an error, a label or
//! `raw`), log in on every page (`createSession` allows 30 per 5 minutes), or sleep (the engine
//! waits out rate limits).
//!
//! Lists only walk backwards, so each resource (`followers`, `feed`, `notifications`) keeps a
//! high-water mark `<res>:top` (`key\tmillis`: the newest item of the last complete walk) and,
//! while a walk is in progress, `<res>:cursor` (the platform's opaque cursor of the next page)
//! and `<res>:newtop` (the mark the walk will save once it reaches the old one). `phase` names
//! the resource in progress. `recent` lists the posts of others already written
//! (`uri\tconversation\tauthor` lines), so a post that became `#notFoundPost` can be marked
//! deleted without inventing its author.
//!
//! A post belongs to the conversation of its thread root (`record.reply.root`). There is no
//! idempotency key: the record key is derived from the outbox key, and [`Connector::find_sent`]
//! looks for the post in our own feed before anything is sent again.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

use super::phases::Step;
use super::recent::{self, Format, Seen};
use serde_json::{json, Value};
use tokio::sync::{Mutex, OnceCell};
use unicode_segmentation::UnicodeSegmentation;

use super::{arr, count_at, endpoint, or_set_aside, str_at};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage, Quarantined};
use crate::model::{ConversationKind, Platform};
use crate::platform::{
    parse_time, sent_after, Attachment, Connector, ConnectorConfig, ConnectorError, CursorChange,
    Cursors, Engagement, Http, Me, Outgoing, Page, PostRef, Secret, Sent,
};

const P: Platform = Platform::Bluesky;
/// Items per page (the maximum for every list used here).
const PAGE: u32 = 100;
/// Posts of others remembered for deletion checks.
const RECENT: usize = 50;
const MAX_GRAPHEMES: usize = 300;
const MAX_BYTES: usize = 3000;
const PHASES: [&str; 3] = ["followers", "feed", "notifications"];

#[derive(Clone)]
struct Session {
    access: Secret,
    refresh: Secret,
    did: String,
    handle: String,
    /// Where later calls go: the account's PDS when signing in through the bsky.social entryway.
    pds: String,
}

pub struct Bluesky {
    base: String,
    password: Secret,
    actor: String,
    http: Http,
    page: u32,
    session: Mutex<Option<Session>>,
    me: OnceCell<Me>,
    clock: crate::platform::Clock,
}

impl Bluesky {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        let actor = cfg
            .scopes
            .first()
            .map(|s| s.trim().trim_start_matches('@').to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ConnectorError::Config(
                    "a Bluesky account needs your handle or DID, such as lumen.bsky.social".into(),
                )
            })?;
        let base = if cfg.base_url.trim().is_empty() {
            "https://bsky.social".to_string()
        } else {
            cfg.base_url
        };
        Ok(Bluesky {
            clock: cfg.clock.clone(),
            base,
            password: cfg.secret,
            actor,
            http: cfg.http,
            page: PAGE,
            session: Mutex::new(None),
            me: OnceCell::new(),
        })
    }

    /// Items per page (tests use the recorded exchanges' `limit`).
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page = n.clamp(1, 100);
        self
    }

    fn xrpc(root: &str, nsid: &str) -> String {
        endpoint(root, &format!("xrpc/{nsid}"))
    }

    fn read_session(&self, v: &Value) -> Result<Session, ConnectorError> {
        let field = |k: &str| {
            str_at(v, &format!("/{k}"))
                .map(str::to_string)
                .ok_or_else(|| ConnectorError::malformed(P, format!("the session has no {k}")))
        };
        let entryway = url::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host_str().map(|h| h == "bsky.social"))
            .unwrap_or(false);
        let pds = v
            .pointer("/didDoc/service")
            .and_then(Value::as_array)
            .and_then(|s| {
                s.iter()
                    .find(|x| str_at(x, "/id").is_some_and(|id| id.ends_with("#atproto_pds")))
            })
            .and_then(|x| str_at(x, "/serviceEndpoint"))
            .filter(|e| entryway && e.starts_with("https://"))
            .map(str::to_string)
            .unwrap_or_else(|| self.base.clone());
        Ok(Session {
            access: Secret::new(field("accessJwt")?),
            refresh: Secret::new(field("refreshJwt")?),
            did: field("did")?,
            handle: field("handle")?,
            pds,
        })
    }

    async fn create_session(&self) -> Result<Session, ConnectorError> {
        let req = self
            .http
            .client()
            .post(Self::xrpc(&self.base, "com.atproto.server.createSession"))
            .json(&json!({ "identifier": self.actor, "password": self.password.expose() }));
        let (_, v): (_, Value) = self.http.json(P, req).await?;
        self.read_session(&v)
    }

    async fn refresh_session(&self, old: &Session) -> Result<Session, ConnectorError> {
        let req = self
            .http
            .client()
            .post(Self::xrpc(&old.pds, "com.atproto.server.refreshSession"))
            .bearer_auth(old.refresh.expose());
        let (_, v): (_, Value) = self.http.json(P, req).await?;
        self.read_session(&v)
    }

    async fn session(&self) -> Result<Session, ConnectorError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = self.create_session().await?;
        *guard = Some(s.clone());
        Ok(s)
    }

    /// A fresh session after `stale` was refused: refresh it, or sign in again when the
    /// refresh token is spent too. Only a refused app password is reported.
    async fn renew(&self, stale: &Session) -> Result<Session, ConnectorError> {
        let mut guard = self.session.lock().await;
        if let Some(cur) = guard.as_ref() {
            if cur.access != stale.access {
                return Ok(cur.clone());
            }
        }
        let fresh = match self.refresh_session(stale).await {
            Ok(s) => s,
            Err(ConnectorError::Auth { .. }) => {
                *guard = None;
                self.create_session().await?
            }
            Err(e) => return Err(e),
        };
        *guard = Some(fresh.clone());
        Ok(fresh)
    }

    /// Sends an authenticated request built by `build`, renewing the session once if the
    /// access token is refused.
    async fn call(
        &self,
        build: impl Fn(&Session) -> reqwest::RequestBuilder,
    ) -> Result<Value, ConnectorError> {
        let s = self.session().await?;
        match self.http.json(P, build(&s)).await {
            Err(ConnectorError::Auth { .. }) => {
                let s = self.renew(&s).await?;
                Ok(self.http.json(P, build(&s)).await?.1)
            }
            r => Ok(r?.1),
        }
    }

    /// Uploads an image as a blob of the account's repository; returns the blob reference a
    /// record embeds.
    async fn upload_blob(&self, image: &Attachment) -> Result<Value, ConnectorError> {
        let v = self
            .call(|s| {
                self.http
                    .client()
                    .post(Self::xrpc(&s.pds, "com.atproto.repo.uploadBlob"))
                    .bearer_auth(s.access.expose())
                    .header(reqwest::header::CONTENT_TYPE, image.mime.as_str())
                    .body(image.bytes.to_vec())
            })
            .await?;
        v.get("blob")
            .filter(|b| b.is_object())
            .cloned()
            .ok_or_else(|| ConnectorError::malformed(P, "the uploaded blob has no reference"))
    }

    async fn get(&self, nsid: &str, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        self.call(|s| {
            self.http
                .client()
                .get(Self::xrpc(&s.pds, nsid))
                .bearer_auth(s.access.expose())
                .query(query)
        })
        .await
    }

    /// The DID behind `@handle`, or `None` when no account has that handle (the mention
    /// then stays plain text, as the official app leaves it).
    async fn resolve_handle(&self, handle: &str) -> Result<Option<String>, ConnectorError> {
        let query = [("handle", handle.to_string())];
        match self.get("com.atproto.identity.resolveHandle", &query).await {
            Ok(v) => Ok(str_at(&v, "/did")
                .filter(|d| d.starts_with("did:"))
                .map(str::to_string)),
            Err(ConnectorError::NotFound { .. } | ConnectorError::Platform { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn me(&self) -> Result<&Me, ConnectorError> {
        self.me
            .get_or_try_init(|| async {
                let s = self.session().await?;
                let name = match self
                    .get("app.bsky.actor.getProfile", &[("actor", s.did.clone())])
                    .await
                {
                    Ok(p) => str_at(&p, "/displayName")
                        .filter(|n| !n.trim().is_empty())
                        .map(str::to_string),
                    Err(ConnectorError::NotFound { .. }) => None,
                    Err(e) => return Err(e),
                };
                Ok(Me {
                    external_id: s.did.clone(),
                    handle: s.handle.clone(),
                    display_name: name,
                })
            })
            .await
    }

    /// One page of a resource's walk.
    async fn walk(&self, res: &str, cursors: &Cursors, me: &Me) -> Result<Step, ConnectorError> {
        let (nsid, list_key, mut query): (&str, &str, Vec<(&str, String)>) = match res {
            "followers" => (
                "app.bsky.graph.getFollowers",
                "followers",
                vec![("actor", me.external_id.clone())],
            ),
            "feed" => (
                "app.bsky.feed.getAuthorFeed",
                "feed",
                vec![
                    ("actor", me.external_id.clone()),
                    ("filter", "posts_with_replies".into()),
                ],
            ),
            _ => (
                "app.bsky.notification.listNotifications",
                "notifications",
                vec![("reasons", "mention".into()), ("reasons", "reply".into())],
            ),
        };
        query.push(("limit", self.page.to_string()));
        let cursor_key = format!("{res}:cursor");
        let top_key = format!("{res}:top");
        let newtop_key = format!("{res}:newtop");
        let cursor = cursors.get(&cursor_key);
        if let Some(c) = cursor {
            query.push(("cursor", c.to_string()));
        }
        let body = self.get(nsid, &query).await?;
        let items = body
            .get(list_key)
            .and_then(Value::as_array)
            .ok_or_else(|| ConnectorError::malformed(P, format!("{nsid} gave no {list_key}")))?;
        let top = cursors.get(&top_key).map(Mark::parse);
        let mut kept = Vec::new();
        let mut reached = false;
        for item in items {
            let mark = Mark::of(res, item);
            if top.as_ref().is_some_and(|t| t.covers(&mark)) {
                reached = true;
                break;
            }
            kept.push(item);
        }
        let newtop = match cursor {
            Some(_) => cursors.get(&newtop_key).map(str::to_string),
            None => items.first().map(|i| Mark::of(res, i).to_string()),
        };
        let next = str_at(&body, "/cursor").filter(|n| !n.is_empty() && Some(*n) != cursor);
        let done = reached || items.is_empty() || next.is_none();
        let mut step = Step {
            done,
            label: match res {
                "feed" => "your posts".into(),
                r => r.to_string(),
            },
            ..Default::default()
        };
        if done {
            if let Some(n) = newtop {
                step.cursors.push(CursorChange::set(&top_key, n));
            }
            step.cursors.push(CursorChange::clear(&cursor_key));
            step.cursors.push(CursorChange::clear(&newtop_key));
        } else {
            if let Some(n) = next {
                step.cursors.push(CursorChange::set(&cursor_key, n));
            }
            if let (None, Some(n)) = (cursor, newtop) {
                step.cursors.push(CursorChange::set(&newtop_key, n));
            }
        }
        let mut out = Mapper::new(me, Recent::parse(cursors.get("recent").unwrap_or("")));
        match res {
            "followers" => {
                for f in &kept {
                    out.identity(f)?;
                }
            }
            "feed" => {
                for item in &kept {
                    for k in ["/reply/root", "/reply/parent"] {
                        if let Some(p) = item.pointer(k).filter(|p| is_post_view(p)) {
                            let read = out.post(p);
                            or_set_aside(&mut out.aside, "post", None, p, read)?;
                        }
                    }
                    if let Some(p) = item.get("post") {
                        let read = out.post(p);
                        or_set_aside(&mut out.aside, "post", None, p, read)?;
                    }
                }
                // A post that vanished shows as #notFoundPost where it is referenced, even in
                // the items already stored.
                for item in items {
                    for k in ["/reply/root", "/reply/parent"] {
                        if let Some(p) = item.pointer(k).filter(|p| is_not_found(p)) {
                            out.gone(str_at(p, "/uri").unwrap_or_default(), (self.clock)());
                        }
                    }
                }
            }
            _ => {
                for n in &kept {
                    let post = json!({
                        "uri": n.get("uri"),
                        "cid": n.get("cid"),
                        "author": n.get("author"),
                        "record": n.get("record"),
                        "indexedAt": n.get("indexedAt"),
                    });
                    let read = out.post(&post);
                    or_set_aside(&mut out.aside, "post", None, &post, read)?;
                }
            }
        }
        if let Some(change) = out.recent_change(cursors.get("recent").unwrap_or("")) {
            step.cursors.push(change);
        }
        step.batch = out.finish();
        Ok(step)
    }

    /// The `{uri, cid}` of the post answered and of its thread's root.
    async fn reply_refs(&self, parent_uri: &str) -> Result<Value, ConnectorError> {
        let body = self
            .get(
                "app.bsky.feed.getPosts",
                &[("uris", parent_uri.to_string())],
            )
            .await?;
        let parent = body
            .get("posts")
            .and_then(Value::as_array)
            .and_then(|p| p.first())
            .ok_or_else(|| ConnectorError::Platform {
                platform: P,
                detail: "the post you are replying to was deleted".into(),
            })?;
        let cid = str_at(parent, "/cid")
            .ok_or_else(|| ConnectorError::malformed(P, "the post answered has no cid"))?;
        let parent_ref = json!({ "uri": parent_uri, "cid": cid });
        let root_ref = parent
            .pointer("/record/reply/root")
            .filter(|r| str_at(r, "/uri").is_some() && str_at(r, "/cid").is_some())
            .cloned()
            .unwrap_or_else(|| parent_ref.clone());
        Ok(json!({ "root": root_ref, "parent": parent_ref }))
    }
}

#[async_trait]
impl Connector for Bluesky {
    async fn reread(
        &self,
        kind: &str,
        raw: &Value,
        _context: Option<&str>,
        _cursors: &Cursors,
    ) -> Result<Batch, ConnectorError> {
        if kind != "post" {
            return Err(ConnectorError::malformed(P, format!("unknown kind {kind}")));
        }
        let me = self.me().await?.clone();
        let mut out = Mapper::new(&me, Recent::default());
        out.post(raw)?;
        Ok(out.finish())
    }

    fn platform(&self) -> Platform {
        P
    }

    fn http(&self) -> &Http {
        &self.http
    }

    async fn whoami(&self) -> Result<Me, ConnectorError> {
        self.me().await.cloned()
    }

    async fn next_page(&self, cursors: &Cursors) -> Result<Page, ConnectorError> {
        let me = self.me().await?.clone();
        let me = &me;
        super::phases::next_page(cursors, &PHASES, |res| async move {
            self.walk(&res, cursors, me).await
        })
        .await
    }

    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError> {
        let text = item.body.trim();
        let n = text.graphemes(true).count();
        if n > MAX_GRAPHEMES || text.len() > MAX_BYTES {
            return Err(ConnectorError::Platform {
                platform: P,
                detail: format!(
                    "posts are limited to {MAX_GRAPHEMES} characters; this one has {n}"
                ),
            });
        }
        let mut record = json!({
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": chrono::DateTime::from_timestamp_millis((self.clock)())
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
        });
        let mut facets = Vec::new();
        // A handle named twice is looked up once.
        let mut dids: HashMap<&str, Option<String>> = HashMap::new();
        for (start, end, handle) in mention_spans(text) {
            if !dids.contains_key(handle) {
                dids.insert(handle, self.resolve_handle(handle).await?);
            }
            if let Some(did) = dids.get(handle).cloned().flatten() {
                facets.push(json!({
                    "index": { "byteStart": start, "byteEnd": end },
                    "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": did }],
                }));
            }
        }
        facets.extend(link_facets(text));
        if !facets.is_empty() {
            record["facets"] = Value::Array(facets);
        }
        if !item.images.is_empty() {
            let mut images = Vec::new();
            for image in &item.images {
                images.push(json!({
                    "alt": image.alt,
                    "image": self.upload_blob(image).await?,
                    "aspectRatio": { "width": image.width.max(1), "height": image.height.max(1) },
                }));
            }
            record["embed"] = json!({ "$type": "app.bsky.embed.images", "images": images });
        }
        let parent = item
            .reply_to_external_id
            .as_ref()
            .or(item.conversation_external_id.as_ref());
        if let Some(parent) = parent {
            record["reply"] = self.reply_refs(parent).await?;
        }
        let s = self.session().await?;
        let mut body = json!({
            "repo": s.did,
            "collection": "app.bsky.feed.post",
            "record": record,
        });
        if let Some(rkey) = rkey_for(&item.idempotency_key) {
            body["rkey"] = json!(rkey);
        }
        let v = self
            .call(|s| {
                self.http
                    .client()
                    .post(Self::xrpc(&s.pds, "com.atproto.repo.createRecord"))
                    .bearer_auth(s.access.expose())
                    .json(&body)
            })
            .await?;
        let uri = str_at(&v, "/uri")
            .ok_or_else(|| ConnectorError::malformed(P, "the new post has no uri"))?;
        Ok(Sent {
            url: Some(permalink(&s.handle, uri)),
            external_id: uri.to_string(),
        })
    }

    /// Likes and reposts (quotes count as reposts), as the post view counts them.
    async fn engagement(&self, post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        let v = self
            .get(
                "app.bsky.feed.getPosts",
                &[("uris", post.external_id.clone())],
            )
            .await?;
        Ok(arr(&v, "/posts").first().map(|p| Engagement {
            reactions: count_at(p, "/likeCount"),
            boosts: Some(count_at(p, "/repostCount") + count_at(p, "/quoteCount")),
        }))
    }

    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError> {
        let me = self.me().await?.clone();
        let feed = self
            .get(
                "app.bsky.feed.getAuthorFeed",
                &[
                    ("actor", me.external_id.clone()),
                    ("filter", "posts_with_replies".into()),
                    ("limit", self.page.min(30).to_string()),
                ],
            )
            .await?;
        let parent = item
            .reply_to_external_id
            .as_deref()
            .or(item.conversation_external_id.as_deref());
        let rkey = rkey_for(&item.idempotency_key);
        let found = feed
            .get("feed")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("post"))
            .find(|p| {
                let uri = str_at(p, "/uri").unwrap_or_default();
                let same_key = rkey
                    .as_deref()
                    .is_some_and(|k| uri.ends_with(&format!("/{k}")));
                let same_text = str_at(p, "/record/text").map(str::trim) == Some(item.body.trim())
                    && sent_after(
                        item,
                        str_at(p, "/record/createdAt").and_then(|t| parse_time(P, t).ok()),
                    );
                let same_parent = str_at(p, "/record/reply/parent/uri") == parent;
                same_key || (same_text && same_parent)
            });
        Ok(found.and_then(|p| {
            let uri = str_at(p, "/uri")?;
            Some(Sent {
                url: Some(permalink(&me.handle, uri)),
                external_id: uri.to_string(),
            })
        }))
    }
}

fn is_not_found(v: &Value) -> bool {
    v.get("notFound").and_then(Value::as_bool) == Some(true)
        || str_at(v, "/$type").is_some_and(|t| t.ends_with("#notFoundPost"))
}

fn is_post_view(v: &Value) -> bool {
    !is_not_found(v) && v.get("author").is_some() && v.get("record").is_some()
}

/// `https://bsky.app/profile/{handle or did}/post/{rkey}` for an `at://` post URI.
fn permalink(handle: &str, uri: &str) -> String {
    let rest = uri.strip_prefix("at://").unwrap_or(uri);
    let mut parts = rest.split('/');
    let did = parts.next().unwrap_or_default();
    let rkey = parts.nth(1).unwrap_or_default();
    let who = if handle.is_empty() || handle == "handle.invalid" {
        did
    } else {
        handle
    };
    format!("https://bsky.app/profile/{who}/post/{rkey}")
}

/// A record key (TID) derived from an outbox key `hearth-<millis hex>-<random hex>`, so the
/// post's URI is the same on every attempt.
fn rkey_for(key: &str) -> Option<String> {
    let mut parts = key.strip_prefix("hearth-")?.split('-');
    let millis = u64::from_str_radix(parts.next()?, 16).ok()?;
    let random = u64::from_str_radix(parts.next()?, 16).ok()?;
    let micros = millis.checked_mul(1000)? + random % 1000;
    let tid = ((micros & ((1 << 53) - 1)) << 10) | ((random >> 10) & 0x3ff);
    const ALPHABET: &[u8] = b"234567abcdefghijklmnopqrstuvwxyz";
    Some(
        (0..13)
            .map(|i| ALPHABET[((tid >> (60 - 5 * i)) & 31) as usize] as char)
            .collect(),
    )
}

/// The `@handle` mentions in a post: UTF-8 byte range (the `@` included) and the handle. A
/// handle is a domain name (`alice.bsky.social`); it starts the text or follows a space or
/// an opening bracket, and a trailing full stop is not part of it.
fn mention_spans(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (at, c) in text.char_indices() {
        let starts = c == '@' && prev.is_none_or(|p| p.is_whitespace() || "([\"'".contains(p));
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[at + 1..];
        let len = rest
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.' || ch == '-'))
            .unwrap_or(rest.len());
        let handle = rest[..len].trim_end_matches(['.', '-']);
        let labels: Vec<&str> = handle.split('.').collect();
        let valid = labels.len() >= 2
            && labels
                .iter()
                .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
            && labels
                .last()
                .is_some_and(|tld| tld.starts_with(|ch: char| ch.is_ascii_alphabetic()));
        if valid {
            out.push((at, at + 1 + handle.len(), handle));
        }
    }
    out
}

/// Link facets for the `http(s)://` addresses in a post, with UTF-8 byte offsets.
fn link_facets(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut offset = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        let uri = trimmed.trim_end_matches(['.', ',', ')', '!', '?', ':', ';']);
        if uri.starts_with("https://") || uri.starts_with("http://") {
            out.push(json!({
                "index": { "byteStart": offset, "byteEnd": offset + uri.len() },
                "features": [{ "$type": "app.bsky.richtext.facet#link", "uri": uri }],
            }));
        }
        offset += word.len();
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The post's text as HTML with its facets as links. Offsets are UTF-8 bytes; a facet that
/// does not fall on character boundaries, or overlaps another, is left as plain text.
fn facets_html(text: &str, facets: &[Value]) -> Option<String> {
    let mut spans: Vec<(usize, usize, String)> = facets
        .iter()
        .filter_map(|f| {
            let start = f.pointer("/index/byteStart")?.as_u64()? as usize;
            let end = f.pointer("/index/byteEnd")?.as_u64()? as usize;
            text.get(start..end)?;
            let feature = f.get("features")?.as_array()?.first()?;
            let href = match str_at(feature, "/$type")? {
                t if t.ends_with("#link") => str_at(feature, "/uri")?.to_string(),
                t if t.ends_with("#mention") => {
                    format!("https://bsky.app/profile/{}", str_at(feature, "/did")?)
                }
                t if t.ends_with("#tag") => format!(
                    "https://bsky.app/hashtag/{}",
                    super::seg(str_at(feature, "/tag")?)
                ),
                _ => return None,
            };
            Some((start, end, href))
        })
        .collect();
    if spans.is_empty() {
        return None;
    }
    spans.sort_by_key(|s| s.0);
    let mut html = String::from("<p>");
    let mut pos = 0;
    for (start, end, href) in spans {
        if start < pos {
            continue;
        }
        html.push_str(&escape(text.get(pos..start)?));
        html.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            escape(&href),
            escape(text.get(start..end)?)
        ));
        pos = end;
    }
    html.push_str(&escape(text.get(pos..)?));
    html.push_str("</p>");
    Some(html.replace('\n', "<br>"))
}

/// Where a walk stands: an item's key and time.
struct Mark {
    key: String,
    at: Option<i64>,
}

impl Mark {
    fn of(res: &str, item: &Value) -> Mark {
        let (key, time) = match res {
            "followers" => (str_at(item, "/did"), None),
            "feed" => (
                str_at(item, "/post/uri"),
                str_at(item, "/post/record/createdAt"),
            ),
            _ => (str_at(item, "/uri"), str_at(item, "/indexedAt")),
        };
        Mark {
            key: key.unwrap_or_default().to_string(),
            at: time.and_then(|t| parse_time(P, t).ok()),
        }
    }

    fn parse(s: &str) -> Mark {
        let (key, at) = s.split_once('\t').unwrap_or((s, ""));
        Mark {
            key: key.to_string(),
            at: at.parse().ok(),
        }
    }

    /// Whether `item` is at or before this mark (already stored).
    fn covers(&self, item: &Mark) -> bool {
        (!item.key.is_empty() && item.key == self.key)
            || matches!((self.at, item.at), (Some(top), Some(at)) if at < top)
    }
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some(at) => write!(f, "{}\t{at}", self.key),
            None => f.write_str(&self.key),
        }
    }
}

/// How the `recent` cursor lists remembered posts: `uri\tconversation\tauthor`, a line each.
const RECENT_FORMAT: Format = Format {
    records: '\n',
    fields: '\t',
};

type RecentEntry = Seen;

/// Someone else's recent posts, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Recent(Vec<RecentEntry>);

impl Recent {
    fn parse(s: &str) -> Recent {
        Recent(recent::parse(s, RECENT_FORMAT))
    }

    fn add(&mut self, e: RecentEntry) {
        if !self.0.iter().any(|x| x.id == e.id) {
            self.0.insert(0, e);
            self.0.truncate(RECENT);
        }
    }
}

impl std::fmt::Display for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&recent::write(&self.0, RECENT_FORMAT))
    }
}

/// Turns Bluesky views into a [`Batch`].
struct Mapper<'a> {
    me: &'a Me,
    recent: Recent,
    identities: BTreeMap<String, IncomingIdentity>,
    conversations: BTreeMap<String, IncomingConversation>,
    messages: BTreeMap<String, IncomingMessage>,
    /// Records that could not be read, kept aside with their payload.
    aside: Vec<Quarantined>,
    deletions: Vec<IncomingMessage>,
}

impl<'a> Mapper<'a> {
    fn new(me: &'a Me, recent: Recent) -> Self {
        Mapper {
            aside: Vec::new(),
            me,
            recent,
            identities: BTreeMap::new(),
            conversations: BTreeMap::new(),
            messages: BTreeMap::new(),
            deletions: Vec::new(),
        }
    }

    fn identity(&mut self, p: &Value) -> Result<String, ConnectorError> {
        let did = str_at(p, "/did")
            .ok_or_else(|| ConnectorError::malformed(P, "a profile has no did"))?
            .to_string();
        let handle = str_at(p, "/handle")
            .filter(|h| *h != "handle.invalid")
            .unwrap_or(&did)
            .to_string();
        let mut raw = p.clone();
        if let Some(o) = raw.as_object_mut() {
            o.remove("viewer");
        }
        self.identities.insert(
            did.clone(),
            IncomingIdentity {
                external_id: did.clone(),
                profile_url: Some(format!("https://bsky.app/profile/{handle}")),
                handle,
                display_name: str_at(p, "/displayName")
                    .filter(|n| !n.trim().is_empty())
                    .map(str::to_string),
                email: None,
                avatar_url: str_at(p, "/avatar").map(str::to_string),
                organization: None,
                bio: str_at(p, "/description")
                    .filter(|d| !d.trim().is_empty())
                    .map(str::to_string),
                location: None,
                raw: Some(raw.to_string()),
                joined_at: str_at(p, "/createdAt").and_then(|t| parse_time(P, t).ok()),
            },
        );
        Ok(did)
    }

    fn post(&mut self, p: &Value) -> Result<(), ConnectorError> {
        let uri = str_at(p, "/uri")
            .ok_or_else(|| ConnectorError::malformed(P, "a post has no uri"))?
            .to_string();
        let author = p
            .get("author")
            .filter(|a| a.is_object())
            .ok_or_else(|| ConnectorError::malformed(P, format!("post {uri} has no author")))?;
        let did = self.identity(author)?;
        let handle = str_at(author, "/handle").unwrap_or_default().to_string();
        let record = p.get("record").unwrap_or(&Value::Null);
        let created_at = match str_at(record, "/createdAt").or_else(|| str_at(p, "/indexedAt")) {
            Some(t) => parse_time(P, t)?,
            None => {
                return Err(ConnectorError::malformed(
                    P,
                    format!("post {uri} has no time"),
                ))
            }
        };
        let text = str_at(record, "/text").unwrap_or_default().to_string();
        let facets = record
            .get("facets")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mentions_us = did != self.me.external_id
            && facets.iter().any(|f| {
                f.get("features")
                    .and_then(Value::as_array)
                    .is_some_and(|fs| {
                        fs.iter()
                            .any(|x| str_at(x, "/did") == Some(self.me.external_id.as_str()))
                    })
            });
        let root = str_at(record, "/reply/root/uri")
            .unwrap_or(&uri)
            .to_string();
        let is_root = root == uri;
        let conv = self
            .conversations
            .entry(root.clone())
            .or_insert_with(|| IncomingConversation {
                external_id: root.clone(),
                kind: ConversationKind::Post,
                title: None,
                container: None,
                url: Some(permalink("", &root)),
                created_at,
            });
        if is_root {
            conv.title = Some(crate::text::shorten(&text, 80)).filter(|t| !t.is_empty());
            conv.url = Some(permalink(&handle, &uri));
            conv.created_at = created_at;
        } else {
            conv.created_at = conv.created_at.min(created_at);
        }
        if did != self.me.external_id {
            self.recent.add(RecentEntry {
                id: uri.clone(),
                conversation: root.clone(),
                author: did.clone(),
            });
        }
        self.messages.insert(
            uri.clone(),
            IncomingMessage {
                conversation_external_id: root,
                external_id: uri.clone(),
                author_external_id: did,
                html: facets_html(&text, facets),
                text,
                created_at,
                edited_at: None,
                deleted_at: None,
                reply_to_external_id: str_at(record, "/reply/parent/uri").map(str::to_string),
                url: Some(permalink(&handle, &uri)),
                mentions_us,
            },
        );
        Ok(())
    }

    /// A post that became `#notFoundPost`: marked deleted if it was written before.
    fn gone(&mut self, uri: &str, at: crate::model::Millis) {
        let Some(pos) = self.recent.0.iter().position(|e| e.id == uri) else {
            return;
        };
        let e = self.recent.0.remove(pos);
        self.deletions.push(IncomingMessage {
            conversation_external_id: e.conversation,
            external_id: e.id,
            author_external_id: e.author,
            text: String::new(),
            html: None,
            created_at: at,
            edited_at: None,
            deleted_at: Some(at),
            reply_to_external_id: None,
            url: None,
            mentions_us: false,
        });
    }

    fn recent_change(&self, before: &str) -> Option<CursorChange> {
        let now = self.recent.to_string();
        (now != before).then(|| CursorChange::set("recent", now))
    }

    fn finish(self) -> Batch {
        // Oldest first, so a reply never comes before what it answers.
        let mut messages: Vec<IncomingMessage> = self.messages.into_values().collect();
        messages.sort_by_key(|m| m.created_at);
        messages.extend(self.deletions);
        Batch {
            quarantined: self.aside,
            identities: self.identities.into_values().collect(),
            conversations: self.conversations.into_values().collect(),
            messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facets_use_utf8_byte_offsets_after_multibyte_text() {
        let text = "太棒了！@ana.lumen-ssg.dev 中文文档草稿在这里 👉 lumen-ssg.dev/zh/docs";
        let start = text.find('@').unwrap();
        let facets = vec![json!({
            "index": {"byteStart": start, "byteEnd": start + "@ana.lumen-ssg.dev".len()},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:x"}],
        })];
        let html = facets_html(text, &facets).unwrap();
        assert!(
            html.contains("<a href=\"https://bsky.app/profile/did:plc:x\">@ana.lumen-ssg.dev</a>"),
            "{html}"
        );
        assert!(html.starts_with("<p>太棒了！"), "{html}");
        // An offset inside a character is ignored rather than panicking.
        let bad = vec![json!({
            "index": {"byteStart": 1, "byteEnd": 4},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://x"}],
        })];
        assert_eq!(facets_html(text, &bad), None);
    }

    #[test]
    fn the_record_key_is_a_valid_tid_and_the_same_for_the_same_outbox_item() {
        let k = rkey_for("hearth-19c8c5a7a00-0123456789abcdef").unwrap();
        assert_eq!(k.len(), 13);
        assert!(k
            .chars()
            .all(|c| "234567abcdefghijklmnopqrstuvwxyz".contains(c)));
        assert!("234567abcdefghij".contains(k.chars().next().unwrap()));
        assert_eq!(rkey_for("hearth-19c8c5a7a00-0123456789abcdef").unwrap(), k);
        assert_eq!(rkey_for("something else"), None);
    }

    #[test]
    fn mentions_are_found_with_utf8_byte_offsets() {
        let text = "谢谢 @limei.bsky.social！cc (@ana.dev). not@mail.example, @nodot, @x.y-";
        let spans = mention_spans(text);
        let found: Vec<(&str, &str)> = spans.iter().map(|(s, e, h)| (&text[*s..*e], *h)).collect();
        assert_eq!(
            found,
            vec![
                ("@limei.bsky.social", "limei.bsky.social"),
                ("@ana.dev", "ana.dev"),
                ("@x.y", "x.y"),
            ]
        );
        assert_eq!(
            (spans[0].0, spans[0].1),
            (7, 25),
            "as the official app counts"
        );
    }

    #[test]
    fn links_in_a_reply_become_facets_with_byte_offsets() {
        let f = link_facets("谢谢！see https://lumen-ssg.dev/zh.");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0]["index"]["byteStart"], "谢谢！see ".len());
        assert_eq!(f[0]["features"][0]["uri"], "https://lumen-ssg.dev/zh");
    }

    #[test]
    fn permalinks_point_at_bsky_app() {
        assert_eq!(
            permalink("ana.lumen-ssg.dev", "at://did:plc:a/app.bsky.feed.post/3mg"),
            "https://bsky.app/profile/ana.lumen-ssg.dev/post/3mg"
        );
        assert_eq!(
            permalink("", "at://did:plc:a/app.bsky.feed.post/3mg"),
            "https://bsky.app/profile/did:plc:a/post/3mg"
        );
    }
}
