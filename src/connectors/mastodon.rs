//! Mastodon connector (REST API v1). Owns: reading the account's followers, its own statuses,
//! the mention notifications and the followed hashtags; mapping accounts (with their verified
//! profile links), statuses and threads to Hearth's types; re-checking recent statuses of
//! other people for edits and deletions; and posting with an `Idempotency-Key`.
//! Must never: follow a `Link` header to another host with the token, store anything outside
//! the cursors the engine hands it (the in-memory thread-root memo is only a cache), sleep
//! (the engine waits out rate limits), or put the token in an error, a label or `raw`.
//!
//! A run walks these phases in order; `phase` names the one in progress, so a process killed
//! between pages resumes exactly there:
//! 1. `recheck` — `GET /statuses/:id` for the recent statuses of others listed in the
//!    `recheck` cursor (`id,conversation,author` entries): an `edited_at` updates the message in
//!    place, a 404 marks it deleted (the REST API has no tombstones).
//! 2. `followers`, `statuses` (our own), `mentions` (notifications of type mention) and one
//!    `tag:<name>` per followed hashtag. Each list keeps `<res>:min` (the newest id committed,
//!    read forward with `min_id` until an empty page) and, on the first sync, `<res>:max` (a
//!    walk back through older pages with `max_id`, following the `Link` header's `next`).
//!    Followers' ids in `Link` are internal follow ids, so they are only taken from there.
//!
//! A status belongs to the conversation of its thread root: a top-level status is its own
//! root; a reply's root comes from a status already seen in this process or, failing that,
//! from `/statuses/:id/context` (whose ancestors are written too, so the question shows).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;

use super::phases::Step;
use super::recent::{self, Format, Seen};
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use unicode_segmentation::UnicodeSegmentation;

use super::{count_at, endpoint, or_set_aside, seg, str_at};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage, Quarantined};
use crate::model::{ConversationKind, Platform};
use crate::platform::{
    parse_time, Attachment, Connector, ConnectorConfig, ConnectorError, CursorChange, Cursors,
    Engagement, Http, Me, Outgoing, Page, PostRef, Secret, Sent,
};

/// How long to wait for the server to process an uploaded image.
const MEDIA_WAIT_SECS: u32 = 30;

const P: Platform = Platform::Mastodon;
/// Items per page: Mastodon's maximum for statuses (notifications and followers allow 80).
const PAGE: u32 = 40;
/// How many recent statuses of other people are re-checked for edits and deletions.
const RECHECK: usize = 20;
/// Mastodon's default status length.
const MAX_CHARS: usize = 500;

pub struct Mastodon {
    base: String,
    token: Secret,
    tags: Vec<String>,
    http: Http,
    page: u32,
    me: OnceCell<Me>,
    /// status id → thread root id. A cache: losing it only costs `/context` requests.
    roots: Mutex<HashMap<String, String>>,
    clock: crate::platform::Clock,
}

impl Mastodon {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        if cfg.base_url.trim().is_empty() {
            return Err(ConnectorError::Config(
                "a Mastodon account needs the address of its server, such as https://mastodon.social".into(),
            ));
        }
        let tags = cfg
            .scopes
            .iter()
            .map(|t| t.trim().trim_start_matches('#').to_string())
            .filter(|t| !t.is_empty())
            .collect();
        Ok(Mastodon {
            clock: cfg.clock.clone(),
            base: cfg.base_url,
            token: cfg.secret,
            tags,
            http: cfg.http,
            page: PAGE,
            me: OnceCell::new(),
            roots: Mutex::new(HashMap::new()),
        })
    }

    /// Items per page (tests use the recorded exchanges' `limit`).
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page = n.max(1);
        self
    }

    fn url(&self, path: &str) -> String {
        endpoint(&self.base, path)
    }

    /// Uploads an image with its description (`POST /api/v2/media`) and waits until the
    /// server has processed it (a `202` has no `url` yet); returns its media id.
    async fn upload(&self, image: &Attachment) -> Result<String, ConnectorError> {
        let form = reqwest::multipart::Form::new()
            .part("file", image.part()?)
            .text("description", image.alt.clone());
        let req = self
            .http
            .client()
            .post(self.url("api/v2/media"))
            .bearer_auth(self.token.expose())
            .multipart(form);
        let (_, mut media): (_, Value) = self.http.json(P, req).await?;
        let id = str_at(&media, "/id")
            .ok_or_else(|| ConnectorError::malformed(P, "the uploaded media has no id"))?
            .to_string();
        // Large images are processed after the upload: a status cannot carry them before.
        let mut waited = 0;
        while media.get("url").is_none_or(Value::is_null) {
            if waited == MEDIA_WAIT_SECS {
                return Err(ConnectorError::Platform {
                    platform: P,
                    detail: format!(
                        "the server was still processing {} after {MEDIA_WAIT_SECS} s",
                        image.file_name
                    ),
                });
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            waited += 1;
            media = self
                .get(&format!("api/v1/media/{}", seg(&id)), &[])
                .await?
                .1;
        }
        Ok(id)
    }

    async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(reqwest::header::HeaderMap, Value), ConnectorError> {
        let req = self
            .http
            .client()
            .get(self.url(path))
            .bearer_auth(self.token.expose())
            .header("Accept", "application/json")
            .query(query);
        self.http.json(P, req).await
    }

    async fn me(&self) -> Result<&Me, ConnectorError> {
        self.me
            .get_or_try_init(|| async {
                let (_, acct) = self.get("api/v1/accounts/verify_credentials", &[]).await?;
                let id = str_at(&acct, "/id")
                    .ok_or_else(|| ConnectorError::malformed(P, "verify_credentials gave no id"))?;
                Ok(Me {
                    external_id: id.to_string(),
                    handle: full_handle(&acct),
                    display_name: str_at(&acct, "/display_name")
                        .filter(|n| !n.is_empty())
                        .map(str::to_string),
                })
            })
            .await
    }

    fn phases(&self) -> Vec<String> {
        let mut v: Vec<String> = ["recheck", "followers", "statuses", "mentions"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(self.tags.iter().map(|t| format!("tag:{t}")));
        v
    }

    fn root_memo(&self, id: &str) -> Option<String> {
        self.roots.lock().ok().and_then(|m| m.get(id).cloned())
    }

    fn remember_roots(&self, pairs: &[(String, String)]) {
        if let Ok(mut m) = self.roots.lock() {
            if m.len() > 50_000 {
                m.clear();
            }
            for (id, root) in pairs {
                m.insert(id.clone(), root.clone());
            }
        }
    }

    /// One step of a list resource: a page of the back-walk, the first page, or a forward page.
    async fn list_step(
        &self,
        res: &str,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<Step, ConnectorError> {
        let min_key = format!("{res}:min");
        let max_key = format!("{res}:max");
        let (path, fixed): (String, Vec<(&str, String)>) = match res {
            "followers" => (
                format!("api/v1/accounts/{}/followers", seg(&me.external_id)),
                vec![],
            ),
            "statuses" => (
                format!("api/v1/accounts/{}/statuses", seg(&me.external_id)),
                vec![],
            ),
            "mentions" => (
                "api/v1/notifications".into(),
                vec![("types[]", "mention".to_string())],
            ),
            t => match t.strip_prefix("tag:") {
                Some(tag) => (format!("api/v1/timelines/tag/{}", seg(tag)), vec![]),
                None => return Err(ConnectorError::Config(format!("unknown phase {t}"))),
            },
        };
        let mut query = vec![("limit", self.page.to_string())];
        query.extend(fixed);
        let max = cursors.get(&max_key);
        let min = cursors.get(&min_key);
        let mode = match (max, min) {
            (Some(max), _) => {
                query.push(("max_id", max.to_string()));
                Mode::Back
            }
            (None, Some(min)) => {
                query.push(("min_id", min.to_string()));
                Mode::Forward
            }
            (None, None) => Mode::First,
        };
        let (headers, body) = self.get(&path, &query).await?;
        let items = body
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, format!("{res}: expected a list")))?;
        let links = parse_link(
            headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        );
        let first_id = items.first().and_then(|i| str_at(i, "/id"));
        // The forward position: the `prev` link's `min_id` (or `since_id`, used as `min_id`),
        // else the newest item's id where ids are the list's own.
        let newest = link_param(&links, "prev", &["min_id", "since_id"]).or_else(|| {
            (res != "followers")
                .then(|| first_id.map(str::to_string))
                .flatten()
        });
        let older = link_param(&links, "next", &["max_id"]);
        let mut step = Step {
            label: label(res),
            ..Default::default()
        };
        if items.is_empty() {
            step.done = true;
            if mode == Mode::Back {
                step.cursors.push(CursorChange::clear(max_key));
            }
            return Ok(step);
        }
        match mode {
            Mode::First => {
                if let Some(n) = newest {
                    step.cursors.push(CursorChange::set(&min_key, n));
                }
                // A hashtag's history can be endless: only its newest page is read.
                match older.filter(|_| !res.starts_with("tag:")) {
                    Some(o) => step.cursors.push(CursorChange::set(&max_key, o)),
                    None => step.done = true,
                }
            }
            Mode::Back => match older {
                Some(o) if Some(o.as_str()) != max => {
                    step.cursors.push(CursorChange::set(&max_key, o))
                }
                _ => {
                    step.cursors.push(CursorChange::clear(&max_key));
                    step.done = true;
                }
            },
            Mode::Forward => {
                // Repeated until a page comes back empty.
                if let Some(n) = newest.filter(|n| Some(n.as_str()) != min) {
                    step.cursors.push(CursorChange::set(&min_key, n));
                } else {
                    step.done = true;
                }
            }
        }
        let mut out = Mapper::new(me);
        match res {
            "followers" => {
                for a in items {
                    out.identity(a)?;
                }
            }
            "mentions" => {
                let statuses: Vec<Value> = items
                    .iter()
                    .filter(|n| str_at(n, "/type") == Some("mention"))
                    .filter_map(|n| n.get("status").filter(|s| s.is_object()).cloned())
                    .collect();
                for n in items {
                    if let Some(a) = n.get("account").filter(|a| a.is_object()) {
                        out.identity(a)?;
                    }
                }
                self.map_statuses(&mut out, &statuses).await?;
            }
            _ => {
                let statuses: Vec<Value> = items
                    .iter()
                    .filter(|s| s.get("reblog").is_none_or(Value::is_null))
                    .cloned()
                    .collect();
                let container = res.strip_prefix("tag:").map(|t| format!("#{t}"));
                out.container = container;
                self.map_statuses(&mut out, &statuses).await?;
            }
        }
        out.track_recent(cursors, &mut step.cursors);
        step.batch = out.finish();
        Ok(step)
    }

    /// Maps statuses with their thread roots, asking `/context` for replies whose root is
    /// not known yet.
    async fn map_statuses(
        &self,
        out: &mut Mapper<'_>,
        statuses: &[Value],
    ) -> Result<(), ConnectorError> {
        let mut parents: HashMap<String, Option<String>> = HashMap::new();
        for s in statuses {
            if let Some(id) = str_at(s, "/id") {
                parents.insert(
                    id.to_string(),
                    str_at(s, "/in_reply_to_id").map(str::to_string),
                );
            }
        }
        let mut extra: Vec<Value> = Vec::new();
        let mut roots: Vec<(String, String)> = Vec::new();
        for s in statuses {
            let id = str_at(s, "/id")
                .ok_or_else(|| ConnectorError::malformed(P, "a status has no id"))?;
            let root = match self.root_in(id, &parents) {
                Some(r) => r,
                None => {
                    let (root, ancestors) = self.root_from_context(id).await?;
                    for a in &ancestors {
                        if let Some(aid) = str_at(a, "/id") {
                            roots.push((aid.to_string(), root.clone()));
                        }
                    }
                    extra.extend(ancestors);
                    root
                }
            };
            roots.push((id.to_string(), root));
        }
        self.remember_roots(&roots);
        let root_of: HashMap<String, String> = roots.into_iter().collect();
        // Ancestors first, so a conversation's title comes from its root.
        let mut seen = HashSet::new();
        for s in extra.iter().chain(statuses.iter()) {
            let Some(id) = str_at(s, "/id") else { continue };
            if !seen.insert(id.to_string()) {
                continue;
            }
            let root = root_of.get(id).cloned().unwrap_or_else(|| id.to_string());
            let read = out.status(s, &root);
            or_set_aside(&mut out.aside, "status", Some(&root), s, read)?;
        }
        Ok(())
    }

    /// The root of `id` from what is known without a request.
    fn root_in(&self, id: &str, parents: &HashMap<String, Option<String>>) -> Option<String> {
        let mut cur = id.to_string();
        for _ in 0..64 {
            if let Some(r) = self.root_memo(&cur) {
                return Some(r);
            }
            match parents.get(&cur) {
                Some(None) => return Some(cur),
                Some(Some(parent)) => cur = parent.clone(),
                None => return None,
            }
        }
        None
    }

    /// The thread root of a reply, and the ancestors to write with it.
    async fn root_from_context(&self, id: &str) -> Result<(String, Vec<Value>), ConnectorError> {
        match self
            .get(&format!("api/v1/statuses/{}/context", seg(id)), &[])
            .await
        {
            Ok((_, ctx)) => {
                let ancestors: Vec<Value> = ctx
                    .get("ancestors")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|a| str_at(a, "/id").is_some() && a.get("account").is_some())
                    .collect();
                let root = ancestors
                    .first()
                    .and_then(|a| str_at(a, "/id"))
                    .unwrap_or(id)
                    .to_string();
                Ok((root, ancestors))
            }
            // Deleted between the list and now: the status still gets written, as its own root.
            Err(ConnectorError::NotFound { .. }) => Ok((id.to_string(), Vec::new())),
            Err(e) => Err(e),
        }
    }

    /// Re-reads the recent statuses of others: edits update, 404s mark deletions.
    async fn recheck_step(&self, cursors: &Cursors, me: &Me) -> Result<Step, ConnectorError> {
        let entries = Recent::parse(cursors.get("recheck").unwrap_or(""));
        let mut step = Step {
            label: "recent replies".into(),
            done: true,
            ..Default::default()
        };
        if entries.0.is_empty() {
            return Ok(step);
        }
        let mut out = Mapper::new(me);
        let mut kept = Recent::default();
        for e in &entries.0 {
            match self
                .get(&format!("api/v1/statuses/{}", seg(&e.id)), &[])
                .await
            {
                Ok((_, s)) => {
                    let read = out.status(&s, &e.conversation);
                    or_set_aside(&mut out.aside, "status", Some(&e.conversation), &s, read)?;
                    kept.0.push(e.clone());
                }
                Err(ConnectorError::NotFound { .. }) => {
                    out.deleted(e, (self.clock)());
                }
                Err(e) => return Err(e),
            }
        }
        if kept != entries {
            step.cursors
                .push(CursorChange::set("recheck", kept.to_string()));
        }
        step.batch = out.finish();
        Ok(step)
    }

    /// The status being answered, for its author's handle and visibility.
    async fn parent(&self, id: &str) -> Result<Option<Value>, ConnectorError> {
        match self.get(&format!("api/v1/statuses/{}", seg(id)), &[]).await {
            Ok((_, s)) => Ok(Some(s)),
            Err(ConnectorError::NotFound { .. }) => Err(ConnectorError::Platform {
                platform: P,
                detail: "the post you are replying to was deleted".into(),
            }),
            Err(e) => Err(e),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    First,
    Back,
    Forward,
}

fn label(res: &str) -> String {
    match res {
        "followers" => "followers".into(),
        "statuses" => "your posts".into(),
        "mentions" => "mentions".into(),
        t => t
            .strip_prefix("tag:")
            .map(|t| format!("#{t}"))
            .unwrap_or_else(|| t.to_string()),
    }
}

#[async_trait]
impl Connector for Mastodon {
    async fn reread(
        &self,
        kind: &str,
        raw: &Value,
        context: Option<&str>,
        _cursors: &Cursors,
    ) -> Result<Batch, ConnectorError> {
        let root =
            context.ok_or_else(|| ConnectorError::malformed(P, "the kept record has no thread"))?;
        if kind != "status" {
            return Err(ConnectorError::malformed(P, format!("unknown kind {kind}")));
        }
        let me = self.me().await?.clone();
        let mut out = Mapper::new(&me);
        out.status(raw, root)?;
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
        let phases = self.phases();
        let phases: Vec<&str> = phases.iter().map(String::as_str).collect();
        super::phases::next_page(cursors, &phases, |res| async move {
            match res.as_str() {
                "recheck" => self.recheck_step(cursors, me).await,
                _ => self.list_step(&res, cursors, me).await,
            }
        })
        .await
    }

    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError> {
        let me = self.me().await?.clone();
        let reply_to = item
            .reply_to_external_id
            .as_ref()
            .or(item.conversation_external_id.as_ref());
        let mut text = item.body.trim().to_string();
        let mut body = json!({});
        if let Some(parent_id) = reply_to {
            body["in_reply_to_id"] = json!(parent_id);
            if let Some(parent) = self.parent(parent_id).await? {
                // A reply starts with the @handle it answers, or that person is not told.
                let author = str_at(&parent, "/account/id").unwrap_or_default();
                if let Some(acct) = str_at(&parent, "/account/acct") {
                    let mention = format!("@{acct}");
                    if author != me.external_id && !text.contains(&mention) {
                        text = format!("{mention} {text}");
                    }
                }
                if let Some(v) = str_at(&parent, "/visibility") {
                    body["visibility"] = json!(v);
                }
            }
        }
        let n = text.graphemes(true).count();
        if n > MAX_CHARS {
            return Err(ConnectorError::Platform {
                platform: P,
                detail: format!("posts are limited to {MAX_CHARS} characters; this one has {n}"),
            });
        }
        body["status"] = json!(text);
        if !item.images.is_empty() {
            let mut ids = Vec::new();
            for image in &item.images {
                ids.push(self.upload(image).await?);
            }
            body["media_ids"] = json!(ids);
        }
        let req = self
            .http
            .client()
            .post(self.url("api/v1/statuses"))
            .bearer_auth(self.token.expose())
            .header("Idempotency-Key", &item.idempotency_key)
            .json(&body);
        let (_, status): (_, Value) = self.http.json(P, req).await?;
        let id = str_at(&status, "/id")
            .ok_or_else(|| ConnectorError::malformed(P, "the new status has no id"))?;
        Ok(Sent {
            external_id: id.to_string(),
            url: str_at(&status, "/url")
                .or_else(|| str_at(&status, "/uri"))
                .map(str::to_string),
        })
    }

    /// Looks through our newest statuses for the reply (same parent, the text sent, posted
    /// after the attempt began).
    /// Favourites and boosts, as the status counts them.
    async fn engagement(&self, post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        let (_, status) = self
            .get(&format!("api/v1/statuses/{}", seg(&post.external_id)), &[])
            .await?;
        Ok(Some(Engagement {
            reactions: count_at(&status, "/favourites_count"),
            boosts: Some(count_at(&status, "/reblogs_count")),
        }))
    }

    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError> {
        let me = self.me().await?.clone();
        let reply_to = item
            .reply_to_external_id
            .as_ref()
            .or(item.conversation_external_id.as_ref());
        let (_, statuses) = self
            .get(
                &format!("api/v1/accounts/{}/statuses", seg(&me.external_id)),
                &[("limit", "40".into()), ("exclude_reblogs", "true".into())],
            )
            .await?;
        let wanted = comparable(&item.body);
        let found = statuses.as_array().into_iter().flatten().find(|s| {
            let text = str_at(s, "/content")
                .map(crate::sanitize::html_to_text)
                .unwrap_or_default();
            let created = str_at(s, "/created_at").and_then(|t| parse_time(P, t).ok());
            str_at(s, "/in_reply_to_id") == reply_to.map(String::as_str)
                && comparable(&text) == wanted
                && crate::platform::sent_after(item, created)
        });
        Ok(found.and_then(|s| {
            Some(Sent {
                external_id: str_at(s, "/id")?.to_string(),
                url: str_at(s, "/url")
                    .or_else(|| str_at(s, "/uri"))
                    .map(str::to_string),
            })
        }))
    }

    /// Mastodon keeps an `Idempotency-Key` for an hour.
    fn idempotency_window(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(3600))
    }
}

/// A status's words as they can be compared with what was sent: Mastodon renders paragraphs
/// and line breaks as HTML (so whitespace differs), adds the `@handle` a reply answers, and
/// shows remote mentions without their server; mentions and spacing are left out.
fn comparable(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !w.starts_with('@'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `user@server` for every account (local accounts' `acct` has no server).
fn full_handle(account: &Value) -> String {
    let acct = str_at(account, "/acct").unwrap_or_default();
    if acct.contains('@') {
        return acct.to_string();
    }
    let host = str_at(account, "/url")
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string));
    match host {
        Some(h) if !acct.is_empty() => format!("{acct}@{h}"),
        _ => acct.to_string(),
    }
}

/// `(rel, url)` pairs of an RFC 8288 `Link` header.
fn parse_link(header: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let target = &rest[open + 1..open + close];
        let after = &rest[open + close + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        for p in params.split(';') {
            let p = p.trim().trim_end_matches(',').trim();
            if let Some(v) = p.strip_prefix("rel=") {
                for rel in v.trim_matches('"').split_whitespace() {
                    out.push((rel.to_string(), target.to_string()));
                }
            }
        }
        rest = &after[params_end..];
    }
    out
}

/// The first of `names` in the query of the `rel` link.
fn link_param(links: &[(String, String)], rel: &str, names: &[&str]) -> Option<String> {
    let (_, target) = links.iter().find(|(r, _)| r == rel)?;
    let u = url::Url::parse(target).ok()?;
    let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
    names.iter().find_map(|n| {
        pairs
            .iter()
            .find(|(k, v)| k == n && !v.is_empty())
            .map(|(_, v)| v.clone())
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Compares two Mastodon ids (decimal strings of any length) by value.
fn id_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// How the `recheck` cursor lists remembered statuses: `id,conversation,author`, spaced.
const RECHECK_FORMAT: Format = Format {
    records: ' ',
    fields: ',',
};

type RecentEntry = Seen;

/// Someone else's recent statuses, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Recent(Vec<RecentEntry>);

impl Recent {
    fn parse(s: &str) -> Recent {
        Recent(recent::parse(s, RECHECK_FORMAT))
    }

    /// Adds entries, newest first, keeping the newest `RECHECK`.
    fn add(&mut self, more: &[RecentEntry]) {
        for e in more {
            if !self.0.iter().any(|x| x.id == e.id) {
                self.0.push(e.clone());
            }
        }
        self.0.sort_by(|a, b| id_cmp(&b.id, &a.id));
        self.0.truncate(RECHECK);
    }
}

impl std::fmt::Display for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&recent::write(&self.0, RECHECK_FORMAT))
    }
}

/// Turns Mastodon entities into a [`Batch`].
struct Mapper<'a> {
    me: &'a Me,
    container: Option<String>,
    identities: BTreeMap<String, IncomingIdentity>,
    conversations: BTreeMap<String, IncomingConversation>,
    messages: Vec<IncomingMessage>,
    /// Records that could not be read, kept aside with their payload.
    aside: Vec<Quarantined>,
    recent: Vec<RecentEntry>,
}

impl<'a> Mapper<'a> {
    fn new(me: &'a Me) -> Self {
        Mapper {
            aside: Vec::new(),
            me,
            container: None,
            identities: BTreeMap::new(),
            conversations: BTreeMap::new(),
            messages: Vec::new(),
            recent: Vec::new(),
        }
    }

    fn identity(&mut self, a: &Value) -> Result<String, ConnectorError> {
        let id = str_at(a, "/id")
            .ok_or_else(|| ConnectorError::malformed(P, "an account has no id"))?
            .to_string();
        // `source` (credential accounts only) holds private settings: not evidence.
        let mut raw = a.clone();
        if let Some(o) = raw.as_object_mut() {
            o.remove("source");
            o.remove("role");
        }
        let bio = str_at(a, "/note")
            .map(crate::sanitize::html_to_text)
            .filter(|b| !b.trim().is_empty());
        let joined_at = str_at(a, "/created_at").and_then(|t| parse_time(P, t).ok());
        self.identities.insert(
            id.clone(),
            IncomingIdentity {
                external_id: id.clone(),
                handle: full_handle(a),
                display_name: str_at(a, "/display_name")
                    .filter(|n| !n.trim().is_empty())
                    .map(str::to_string),
                email: None,
                profile_url: str_at(a, "/url")
                    .or_else(|| str_at(a, "/uri"))
                    .map(str::to_string),
                avatar_url: str_at(a, "/avatar")
                    .filter(|u| !u.ends_with("/missing.png"))
                    .map(str::to_string),
                organization: None,
                bio,
                location: None,
                raw: Some(raw.to_string()),
                joined_at,
            },
        );
        Ok(id)
    }

    fn status(&mut self, s: &Value, root: &str) -> Result<(), ConnectorError> {
        let id = str_at(s, "/id")
            .ok_or_else(|| ConnectorError::malformed(P, "a status has no id"))?
            .to_string();
        let account = s
            .get("account")
            .filter(|a| a.is_object())
            .ok_or_else(|| ConnectorError::malformed(P, format!("status {id} has no account")))?;
        let author = self.identity(account)?;
        let created_at = parse_time(
            P,
            str_at(s, "/created_at").ok_or_else(|| {
                ConnectorError::malformed(P, format!("status {id} has no created_at"))
            })?,
        )?;
        let edited_at = match str_at(s, "/edited_at") {
            Some(t) => Some(parse_time(P, t)?),
            None => None,
        };
        let content = str_at(s, "/content").unwrap_or_default();
        let spoiler = str_at(s, "/spoiler_text").unwrap_or_default();
        let html = if spoiler.trim().is_empty() {
            content.to_string()
        } else {
            format!("<p><strong>CW: {}</strong></p>{content}", escape(spoiler))
        };
        let mentions_us = s
            .get("mentions")
            .and_then(Value::as_array)
            .is_some_and(|m| {
                m.iter()
                    .any(|x| str_at(x, "/id") == Some(self.me.external_id.as_str()))
            })
            && author != self.me.external_id;
        let url = str_at(s, "/url")
            .or_else(|| str_at(s, "/uri"))
            .map(str::to_string);
        let is_root = root == id;
        let title = is_root.then(|| {
            let text = crate::sanitize::html_to_text(content);
            let t = if text.trim().is_empty() {
                spoiler
            } else {
                &text
            };
            crate::text::shorten(t, 80)
        });
        let conv = self
            .conversations
            .entry(root.to_string())
            .or_insert_with(|| IncomingConversation {
                external_id: root.to_string(),
                kind: ConversationKind::Post,
                title: None,
                container: None,
                url: None,
                created_at,
            });
        if is_root {
            conv.title = title.filter(|t| !t.is_empty());
            conv.url = url.clone();
            conv.created_at = created_at;
        } else {
            conv.created_at = conv.created_at.min(created_at);
        }
        if conv.container.is_none() {
            conv.container = self.container.clone();
        }
        if author != self.me.external_id {
            self.recent.push(RecentEntry {
                id: id.clone(),
                conversation: root.to_string(),
                author: author.clone(),
            });
        }
        self.messages.push(IncomingMessage {
            conversation_external_id: root.to_string(),
            external_id: id,
            author_external_id: author,
            text: String::new(),
            html: Some(html),
            created_at,
            edited_at,
            deleted_at: None,
            reply_to_external_id: str_at(s, "/in_reply_to_id").map(str::to_string),
            url,
            mentions_us,
        });
        Ok(())
    }

    /// Marks a stored status deleted; its author and conversation were written before.
    fn deleted(&mut self, e: &RecentEntry, at: i64) {
        self.messages.push(IncomingMessage {
            conversation_external_id: e.conversation.clone(),
            external_id: e.id.clone(),
            author_external_id: e.author.clone(),
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

    /// Adds this page's statuses of others to the `recheck` list.
    fn track_recent(&self, cursors: &Cursors, changes: &mut Vec<CursorChange>) {
        if self.recent.is_empty() {
            return;
        }
        let mut list = Recent::parse(cursors.get("recheck").unwrap_or(""));
        let before = list.clone();
        list.add(&self.recent);
        if list != before {
            changes.push(CursorChange::set("recheck", list.to_string()));
        }
    }

    fn finish(self) -> Batch {
        Batch {
            quarantined: self.aside,
            identities: self.identities.into_values().collect(),
            conversations: self.conversations.into_values().collect(),
            messages: self.messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_are_read_with_every_parameter_kept() {
        let links = parse_link(
            "<https://m.example/api/v1/notifications?limit=2&max_id=171874&types%5B%5D=mention>; rel=\"next\", <https://m.example/api/v1/notifications?limit=2&min_id=172340&types%5B%5D=mention>; rel=\"prev\"",
        );
        assert_eq!(links.len(), 2);
        assert_eq!(
            link_param(&links, "next", &["max_id"]).as_deref(),
            Some("171874")
        );
        assert_eq!(
            link_param(&links, "prev", &["min_id", "since_id"]).as_deref(),
            Some("172340")
        );
        assert!(links[0].1.contains("types%5B%5D=mention"));
        assert_eq!(link_param(&[], "next", &["max_id"]), None);
    }

    #[test]
    fn ids_compare_by_value_not_by_text() {
        assert_eq!(id_cmp("99", "100"), std::cmp::Ordering::Less);
        assert_eq!(
            id_cmp("116193207647600642", "116177877794816002"),
            std::cmp::Ordering::Greater
        );
    }

    #[test]
    fn the_recheck_list_keeps_the_newest_statuses_and_survives_a_round_trip() {
        let mut r = Recent::default();
        let e = |id: &str| RecentEntry {
            id: id.into(),
            conversation: "1".into(),
            author: "2".into(),
        };
        r.add(
            &(0..30)
                .map(|i| e(&(100 + i).to_string()))
                .collect::<Vec<_>>(),
        );
        assert_eq!(r.0.len(), RECHECK);
        assert_eq!(r.0[0].id, "129");
        assert_eq!(Recent::parse(&r.to_string()), r);
    }
}
