//! Discourse connector (the forum's JSON API with an admin API key). Owns: turning users,
//! topics and posts into Hearth's members, conversations and messages, the cursor state
//! machine over `/admin/users/list`, `/posts.json` and `/latest.json` + `/t/{id}.json`,
//! sending replies and new topics, and finding a post whose sending outcome was lost.
//! Must never: sleep or retry on its own (the engine and [`Http`] do), keep state outside the
//! cursors, or put the API key in an error, a label or `raw`.
//!
//! Identities are keyed by the user id (negative ids such as `system` -1 are real ids); a
//! topic is the conversation (its id), each post a message (its id), the topic's first post
//! being the first message. Replies keep the post they answer when it is on the same page.
//!
//! A run walks three steps (cursor `step`):
//! 1. `users`: `/admin/users/list/active.json?page=N&order=created&asc=true&show_emails=true`
//!    until an empty page. `users.page` is the page in progress; `users.resume` the last
//!    non-empty page, where the next run starts (new members are at the end); details
//!    (`/admin/users/{id}.json` for associated accounts, `/u/{username}.json` for website,
//!    location, bio) are fetched once per user, above `users.max_id`.
//! 2. `posts`: `/posts.json`, newest first, paging back with `before = smallest id - 1`
//!    (`before` is inclusive) until a post at or below `posts.newest`, the highest post id
//!    committed. `posts.before` is the back-page in progress, `posts.top` the highest id seen
//!    in this run (the next `posts.newest`).
//! 3. `topics`: edits and staff deletions never bring a post back to the top of
//!    `/posts.json`, so topics bumped since `topics.since` (from `/latest.json`,
//!    `topics.page`) are queued (`topics.queue`) and re-read one per page with
//!    `/t/{id}.json?include_raw=true`, which shows staff-deleted posts to admins. The first
//!    run only records the watermark: it has just read every post.
//!
//! Author deletions (`user_deleted`) and staff deletions (`deleted_at`) mark the message
//! deleted, keeping the text Hearth had. Sending: `POST /posts.json`; Discourse has no
//! idempotency key, so [`Connector::find_sent`] looks for our own post with the same text.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use reqwest::header::ACCEPT;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::phases::Step;
use super::{arr, count_at, endpoint, nonempty, or_set_aside, seg, str_at};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage, Quarantined};
use crate::model::{ConversationKind, ModActionKind, Platform};
use crate::platform::{
    parse_time, sent_after, Attachment, Connector, ConnectorConfig, ConnectorError, CursorChange,
    Cursors, Engagement, Http, Me, Moderation, Outgoing, Page, PostRef, Secret, Sent,
};

/// The id of Discourse's "like" post action.
const LIKE_ACTION: i64 = 2;

/// Whether a post's `raw` is what `item` sent: its text, followed by its images' Markdown
/// when it has images.
fn same_raw(raw: &str, item: &Outgoing) -> bool {
    let (raw, body) = (raw.trim(), item.body.trim());
    raw == body
        || (!item.images.is_empty()
            && raw
                .strip_prefix(body)
                .is_some_and(|rest| rest.trim_start().starts_with("![")))
}

const P: Platform = Platform::Discourse;
/// Discourse's post action type for "inappropriate" (its flag types: 3 off-topic, 4
/// inappropriate, 6 notify user, 7 notify moderators, 8 spam).
const INAPPROPRIATE: i64 = 4;
/// Topics per `/latest.json` page.
const PAGE: u32 = 30;
/// Avatar size asked for in `avatar_template`.
const AVATAR: &str = "120";

pub struct Discourse {
    base: String,
    key: Secret,
    username: String,
    http: Http,
    page: u32,
    me: OnceCell<Me>,
    categories: OnceCell<HashMap<i64, String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Users,
    Posts,
    Topics,
}

const STEPS: [Stage; 3] = [Stage::Users, Stage::Posts, Stage::Topics];

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Users => "users",
            Stage::Posts => "posts",
            Stage::Topics => "topics",
        }
    }
}

impl Discourse {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        let base = cfg.base_url.trim().trim_end_matches('/').to_string();
        if base.is_empty() {
            return Err(ConnectorError::Config(
                "a Discourse account needs the forum's address, such as https://forum.example.org"
                    .into(),
            ));
        }
        let username = cfg
            .scopes
            .iter()
            .map(|s| s.trim().trim_start_matches('@'))
            .find(|s| !s.is_empty())
            .unwrap_or("system")
            .to_string();
        Ok(Discourse {
            base,
            key: cfg.secret,
            username,
            http: cfg.http,
            page: PAGE,
            me: OnceCell::new(),
            categories: OnceCell::new(),
        })
    }

    /// Topics per `/latest.json` page (tests match the fixtures' smaller pages).
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page = n.clamp(1, 100);
        self
    }

    fn url(&self, path: &str) -> String {
        endpoint(&self.base, path)
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .client()
            .request(method, self.url(path))
            .header("Api-Key", self.key.expose())
            .header("Api-Username", &self.username)
            .header(ACCEPT, "application/json")
    }

    /// Uploads an image for a post (`POST /uploads.json`, processed before the answer) and
    /// returns the Markdown that shows it: `![alt|WxH](upload://…)`.
    async fn upload(&self, image: &Attachment) -> Result<String, ConnectorError> {
        let form = reqwest::multipart::Form::new()
            .text("type", "composer")
            .text("synchronous", "true")
            .part("file", image.part()?);
        let up = self
            .call(self.request(Method::POST, "uploads.json").multipart(form))
            .await?;
        let url = str_at(&up, "/short_url")
            .or_else(|| str_at(&up, "/url"))
            .ok_or_else(|| ConnectorError::malformed(P, "the upload has no url"))?;
        // the alt text may not close the brackets or start the size
        let alt: String = image
            .alt
            .chars()
            .map(|c| match c {
                '[' | ']' | '|' | '\n' | '\r' => ' ',
                c => c,
            })
            .collect();
        let width = up
            .get("width")
            .and_then(Value::as_u64)
            .unwrap_or(image.width.into());
        let height = up
            .get("height")
            .and_then(Value::as_u64)
            .unwrap_or(image.height.into());
        Ok(format!("![{}|{width}x{height}]({url})", alt.trim()))
    }

    async fn call(&self, req: RequestBuilder) -> Result<Value, ConnectorError> {
        match self.http.json::<Value>(P, req).await {
            Ok((_, v)) => Ok(v),
            Err(e) => Err(auth_error(e)),
        }
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        let mut req = self.request(Method::GET, path);
        if !query.is_empty() {
            req = req.query(query);
        }
        self.call(req).await
    }

    /// Like [`Self::get`], but a missing resource is `None` (optional evidence).
    async fn get_optional(&self, path: &str) -> Result<Option<Value>, ConnectorError> {
        match self.get(path, &[]).await {
            Ok(v) => Ok(Some(v)),
            Err(ConnectorError::NotFound { .. }) | Err(ConnectorError::Forbidden { .. }) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn me(&self) -> Result<&Me, ConnectorError> {
        self.me
            .get_or_try_init(|| async {
                let body = self
                    .get(&format!("u/{}.json", seg(&self.username)), &[])
                    .await?;
                let user = body
                    .get("user")
                    .ok_or_else(|| ConnectorError::malformed(P, "the profile has no user"))?;
                let id = user
                    .get("id")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| ConnectorError::malformed(P, "the user has no id"))?;
                Ok(Me {
                    external_id: id.to_string(),
                    handle: str_at(user, "/username")
                        .unwrap_or(&self.username)
                        .to_string(),
                    display_name: nonempty(user, "/name"),
                })
            })
            .await
    }

    /// Category names by id, from `/site.json`; empty when the forum does not say.
    async fn categories(&self) -> Result<&HashMap<i64, String>, ConnectorError> {
        self.categories
            .get_or_try_init(|| async {
                let site = self.get_optional("site.json").await?;
                let mut out = HashMap::new();
                for c in site.as_ref().map(|s| arr(s, "/categories")).unwrap_or(&[]) {
                    if let (Some(id), Some(name)) =
                        (c.get("id").and_then(Value::as_i64), str_at(c, "/name"))
                    {
                        out.insert(id, name.to_string());
                    }
                }
                Ok(out)
            })
            .await
    }

    fn avatar(&self, template: Option<&str>) -> Option<String> {
        let t = template?.replace("{size}", AVATAR);
        Some(if t.starts_with("http") {
            t
        } else if t.starts_with("//") {
            format!("https:{t}")
        } else {
            self.url(&t)
        })
    }

    // --- users ---------------------------------------------------------------------------------

    async fn users_page(&self, cursors: &Cursors) -> Result<Step, ConnectorError> {
        let page: u64 = cursors
            .get("users.page")
            .or(cursors.get("users.resume"))
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
            .max(1);
        let label = "forum members".to_string();
        let list = match self
            .get(
                "admin/users/list/active.json",
                &[
                    ("page", page.to_string()),
                    ("show_emails", "true".into()),
                    ("order", "created".into()),
                    ("asc", "true".into()),
                ],
            )
            .await
        {
            Ok(l) => l,
            // A key without admin rights cannot list members: posts still name their authors.
            Err(ConnectorError::Forbidden { .. }) | Err(ConnectorError::NotFound { .. }) => {
                return Ok(Step {
                    batch: Batch::default(),
                    cursors: vec![CursorChange::clear("users.page")],
                    done: true,
                    label,
                })
            }
            Err(e) => return Err(e),
        };
        let users = list
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, "the member list is not a list"))?;
        if users.is_empty() {
            return Ok(Step {
                batch: Batch::default(),
                cursors: vec![
                    CursorChange::clear("users.page"),
                    CursorChange::set("users.resume", page.saturating_sub(1).max(1).to_string()),
                ],
                done: true,
                label,
            });
        }
        let known: i64 = cursors
            .get("users.max_id")
            .and_then(|m| m.parse().ok())
            .unwrap_or(i64::MIN);
        let mut max_id = known;
        let mut batch = Batch::default();
        for u in users {
            let Some(id) = u.get("id").and_then(Value::as_i64) else {
                continue;
            };
            max_id = max_id.max(id);
            let username = str_at(u, "/username").unwrap_or_default().to_string();
            let mut raw = u.clone();
            let (mut location, mut bio) = (None, None);
            if id > known && id > 0 {
                if let Some(admin) = self.get_optional(&format!("admin/users/{id}.json")).await? {
                    if let Some(obj) = raw.as_object_mut() {
                        for k in ["associated_accounts", "external_ids", "title"] {
                            if let Some(v) = admin.get(k) {
                                obj.insert(k.into(), v.clone());
                            }
                        }
                    }
                }
                if !username.is_empty() {
                    if let Some(profile) = self
                        .get_optional(&format!("u/{}.json", seg(&username)))
                        .await?
                    {
                        let p = profile.get("user").cloned().unwrap_or(Value::Null);
                        location = nonempty(&p, "/location");
                        bio = nonempty(&p, "/bio_raw");
                        if let Some(obj) = raw.as_object_mut() {
                            for k in ["website", "website_name", "location", "bio_raw"] {
                                if let Some(v) = p.get(k) {
                                    obj.insert(k.into(), v.clone());
                                }
                            }
                        }
                    }
                }
            }
            batch.identities.push(IncomingIdentity {
                external_id: id.to_string(),
                handle: username.clone(),
                display_name: nonempty(u, "/name"),
                email: str_at(u, "/email")
                    .filter(|e| e.contains('@'))
                    .map(str::to_string),
                profile_url: Some(self.url(&format!("u/{}", seg(&username)))),
                avatar_url: self.avatar(str_at(u, "/avatar_template")),
                organization: None,
                bio,
                location,
                raw: Some(raw.to_string()),
                joined_at: str_at(u, "/created_at").and_then(|t| parse_time(P, t).ok()),
            });
        }
        let mut changes = vec![CursorChange::set("users.page", (page + 1).to_string())];
        if max_id > known {
            changes.push(CursorChange::set("users.max_id", max_id.to_string()));
        }
        Ok(Step {
            batch,
            cursors: changes,
            done: false,
            label,
        })
    }

    // --- posts ---------------------------------------------------------------------------------

    async fn posts_page(&self, cursors: &Cursors, me: &Me) -> Result<Step, ConnectorError> {
        let newest: i64 = cursors
            .get("posts.newest")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let before = cursors.get("posts.before");
        let query: Vec<(&str, String)> = before
            .map(|b| vec![("before", b.to_string())])
            .unwrap_or_default();
        let body = self.get("posts.json", &query).await?;
        let posts = body
            .get("latest_posts")
            .and_then(Value::as_array)
            .ok_or_else(|| ConnectorError::malformed(P, "the post list has no latest_posts"))?;
        let categories = self.categories().await?;
        let mut out = Mapper::new(self, me, categories);
        let mut top: i64 = cursors
            .get("posts.top")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut smallest = i64::MAX;
        out.index(posts);
        for p in posts {
            let read = out.post(p, None);
            let Some(id) = or_set_aside(&mut out.aside, "post", None, p, read)? else {
                continue;
            };
            top = top.max(id);
            smallest = smallest.min(id);
        }
        let done = posts.is_empty() || smallest <= newest || smallest <= 1;
        let changes = if done {
            vec![
                CursorChange::set("posts.newest", newest.max(top).to_string()),
                CursorChange::clear("posts.before"),
                CursorChange::clear("posts.top"),
            ]
        } else {
            vec![
                CursorChange::set("posts.before", (smallest - 1).to_string()),
                CursorChange::set("posts.top", top.to_string()),
            ]
        };
        Ok(Step {
            batch: out.finish(),
            cursors: changes,
            done,
            label: "forum posts".into(),
        })
    }

    // --- topics (edits and staff deletions) ------------------------------------------------------

    async fn topics_page(&self, cursors: &Cursors, me: &Me) -> Result<Step, ConnectorError> {
        let label = "recently active topics".to_string();
        let queue: Vec<&str> = cursors
            .get("topics.queue")
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .collect();
        if let Some((first, rest)) = queue.split_first() {
            let change = if rest.is_empty() {
                CursorChange::clear("topics.queue")
            } else {
                CursorChange::set("topics.queue", rest.join(","))
            };
            let categories = self.categories().await?;
            let mut out = Mapper::new(self, me, categories);
            match self
                .get(
                    &format!("t/{}.json", seg(first)),
                    &[("include_raw", "true".into())],
                )
                .await
            {
                Ok(topic) => {
                    let read = out.topic(&topic);
                    or_set_aside(&mut out.aside, "topic", Some(first), &topic, read)?;
                }
                // The whole topic was deleted or made private since it was listed.
                Err(ConnectorError::NotFound { .. }) | Err(ConnectorError::Forbidden { .. }) => {}
                Err(e) => return Err(e),
            }
            return Ok(Step {
                batch: out.finish(),
                cursors: vec![change],
                done: false,
                label,
            });
        }
        let since = cursors.get("topics.since");
        if cursors.get("topics.listed").is_some() {
            let mut changes = vec![
                CursorChange::clear("topics.listed"),
                CursorChange::clear("topics.page"),
                CursorChange::clear("topics.top"),
            ];
            if let Some(top) = cursors.get("topics.top") {
                changes.push(CursorChange::set("topics.since", top));
            }
            return Ok(Step {
                batch: Batch::default(),
                cursors: changes,
                done: true,
                label,
            });
        }
        let page: u64 = cursors
            .get("topics.page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let mut query = Vec::new();
        if page > 0 {
            query.push(("page", page.to_string()));
        }
        query.push(("per_page", self.page.to_string()));
        let list = self.get("latest.json", &query).await?;
        let topics = arr(&list, "/topic_list/topics");
        let mut top = cursors.get("topics.top").map(str::to_string);
        let since_ms = since.map(|s| parse_time(P, s)).transpose()?;
        let mut wanted = Vec::new();
        let mut reached_old = false;
        for t in topics {
            let (Some(id), Some(bumped)) =
                (t.get("id").and_then(Value::as_i64), str_at(t, "/bumped_at"))
            else {
                continue;
            };
            let b = parse_time(P, bumped)?;
            if top
                .as_deref()
                .is_none_or(|cur| parse_time(P, cur).is_ok_and(|c| b > c))
            {
                top = Some(bumped.to_string());
            }
            match since_ms {
                Some(s) if b > s => wanted.push(id.to_string()),
                // Pinned topics head the list whatever their age.
                Some(_) if t.get("pinned").and_then(Value::as_bool) != Some(true) => {
                    reached_old = true
                }
                _ => {}
            }
        }
        // The first run has just read every post: it only remembers where topics stand.
        let first_run = since.is_none();
        let more_pages = str_at(&list, "/topic_list/more_topics_url").is_some();
        let finished = first_run || reached_old || !more_pages || topics.is_empty();
        let mut changes = Vec::new();
        if !wanted.is_empty() {
            changes.push(CursorChange::set("topics.queue", wanted.join(",")));
        }
        if let Some(t) = &top {
            changes.push(CursorChange::set("topics.top", t.clone()));
        }
        if finished {
            changes.push(CursorChange::set("topics.listed", "1"));
        } else {
            changes.push(CursorChange::set("topics.page", (page + 1).to_string()));
        }
        Ok(Step {
            batch: Batch::default(),
            cursors: changes,
            done: false,
            label,
        })
    }

    // --- sending -------------------------------------------------------------------------------

    fn topic_id(conv: &str) -> Result<i64, ConnectorError> {
        conv.parse()
            .map_err(|_| ConnectorError::Config(format!("“{conv}” is not a Discourse topic")))
    }

    fn sent_of(&self, post: &Value) -> Result<Sent, ConnectorError> {
        let id = post
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| ConnectorError::malformed(P, "the new post has no id"))?;
        Ok(Sent {
            external_id: id.to_string(),
            url: post_url(self, post),
        })
    }

    /// A topic's posts, including the last ones when the stream is longer than one chunk.
    async fn topic_posts(&self, topic: i64) -> Result<Vec<Value>, ConnectorError> {
        let t = self
            .get(
                &format!("t/{topic}.json"),
                &[("include_raw", "true".into())],
            )
            .await?;
        let mut posts: Vec<Value> = arr(&t, "/post_stream/posts").to_vec();
        let loaded: Vec<i64> = posts
            .iter()
            .filter_map(|p| p.get("id").and_then(Value::as_i64))
            .collect();
        let missing: Vec<i64> = arr(&t, "/post_stream/stream")
            .iter()
            .filter_map(Value::as_i64)
            .filter(|id| !loaded.contains(id))
            .collect();
        let tail = &missing[missing.len().saturating_sub(20)..];
        if !tail.is_empty() {
            let q: Vec<(&str, String)> = tail
                .iter()
                .map(|id| ("post_ids[]", id.to_string()))
                .collect();
            let more = self.get(&format!("t/{topic}/posts.json"), &q).await?;
            posts.extend(arr(&more, "/post_stream/posts").iter().cloned());
        }
        Ok(posts)
    }
}

/// Discourse answers a wrong or revoked key with 403 `invalid_access`: that is the token.
fn auth_error(e: ConnectorError) -> ConnectorError {
    match e {
        ConnectorError::Forbidden { platform, detail }
            if detail.contains("API username or key is invalid") =>
        {
            ConnectorError::Auth { platform, detail }
        }
        other => other,
    }
}

#[async_trait]
impl Connector for Discourse {
    async fn reread(
        &self,
        kind: &str,
        raw: &Value,
        _context: Option<&str>,
        _cursors: &Cursors,
    ) -> Result<Batch, ConnectorError> {
        let me = self.me().await?.clone();
        let categories = self.categories().await?;
        let mut out = Mapper::new(self, &me, categories);
        match kind {
            "post" => {
                out.post(raw, None)?;
            }
            "topic" => out.topic(raw)?,
            _ => return Err(ConnectorError::malformed(P, format!("unknown kind {kind}"))),
        }
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
        let steps = STEPS.map(Stage::as_str);
        super::phases::next_page_in(cursors, "step", &steps, |res| async move {
            match res.as_str() {
                "users" => self.users_page(cursors).await,
                "posts" => self.posts_page(cursors, me).await,
                _ => self.topics_page(cursors, me).await,
            }
        })
        .await
    }

    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError> {
        let body = match item.conversation_external_id.as_deref() {
            Some(conv) => {
                let topic = Self::topic_id(conv)?;
                let mut body = json!({ "raw": item.body, "topic_id": topic });
                if let Some(reply_to) = &item.reply_to_external_id {
                    // Discourse threads by post number within the topic.
                    if let Some(post) = self
                        .get_optional(&format!("posts/{}.json", seg(reply_to)))
                        .await?
                    {
                        let same_topic = post
                            .get("topic_id")
                            .and_then(Value::as_i64)
                            .is_none_or(|t| t == topic);
                        match post.get("post_number").and_then(Value::as_i64) {
                            Some(n) if same_topic => body["reply_to_post_number"] = json!(n),
                            _ => {}
                        }
                    }
                }
                body
            }
            None => {
                let Some(title) = item.title.as_deref().filter(|t| !t.trim().is_empty()) else {
                    return Err(ConnectorError::Config(
                        "a new Discourse topic needs a title".into(),
                    ));
                };
                let mut topic = json!({ "raw": item.body, "title": title });
                // a category chosen for the post, by its id
                if let Some(category) = item
                    .channel
                    .as_deref()
                    .and_then(|c| c.trim().parse::<i64>().ok())
                {
                    topic["category"] = json!(category);
                }
                topic
            }
        };
        let mut body = body;
        if !item.images.is_empty() {
            let mut raw = item.body.trim_end().to_string();
            for image in &item.images {
                raw.push_str("\n\n");
                raw.push_str(&self.upload(image).await?);
            }
            body["raw"] = json!(raw);
        }
        let post = self
            .call(self.request(Method::POST, "posts.json").json(&body))
            .await?;
        self.sent_of(&post)
    }

    /// Likes on the post.
    async fn engagement(&self, post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        let Some(p) = self
            .get_optional(&format!("posts/{}.json", seg(&post.external_id)))
            .await?
        else {
            return Ok(None);
        };
        let likes = arr(&p, "/actions_summary")
            .iter()
            .find(|a| a.get("id").and_then(Value::as_i64) == Some(LIKE_ACTION))
            .map_or(0, |a| count_at(a, "/count"));
        Ok(Some(Engagement {
            reactions: likes.max(count_at(&p, "/reaction_users_count")),
            boosts: None,
        }))
    }

    /// Hides a post (`POST /post_actions` flagging it inappropriate with `take_action`, which
    /// staff use to hide it at once), deletes one (`DELETE /posts/{id}`), silences a user for
    /// a while (`PUT /admin/users/{id}/silence`) or suspends them (`PUT
    /// /admin/users/{id}/suspend`, until the year 3000), each with the reason. A post already
    /// hidden or gone counts as done. Needs a staff (moderator) API key.
    async fn moderate(&self, action: &Moderation) -> Result<Sent, ConnectorError> {
        let post = action.message_external_id.as_deref();
        let user = &action.user_external_id;
        let need_post = || {
            post.ok_or_else(|| {
                ConnectorError::Config("this Discourse action needs the post".into())
            })
        };
        // The API takes a post's id as a number (docs.discourse.org, "Like a post and other
        // actions": `id: integer`).
        let post_number = || {
            let id = need_post()?;
            id.parse::<i64>().map_err(|_| {
                ConnectorError::Config(format!("a Discourse post id is a number, not {id:?}"))
            })
        };
        let time = |t: Option<crate::model::Millis>| {
            t.and_then(chrono::DateTime::from_timestamp_millis)
                .map(|d| d.to_rfc3339())
                .unwrap_or_else(|| "3000-01-01T00:00:00Z".into())
        };
        let req = match action.action {
            // `PostActionsController#create` passes `take_action: params[:take_action] ==
            // "true"`: a JSON `true` is not the string, and would leave an ordinary flag that
            // does not hide the post. Discourse's own client sends form fields, so "true".
            ModActionKind::Hide => self
                .request(Method::POST, "post_actions.json")
                .json(&json!({
                    "id": post_number()?,
                    "post_action_type_id": INAPPROPRIATE,
                    "message": action.reason,
                    "take_action": "true",
                    "flag_topic": false,
                })),
            ModActionKind::Delete => self
                .request(Method::DELETE, &format!("posts/{}.json", seg(need_post()?)))
                .json(&json!({ "context": action.reason })),
            ModActionKind::Timeout => self
                .request(
                    Method::PUT,
                    &format!("admin/users/{}/silence.json", seg(user)),
                )
                .json(&json!({
                    "silenced_till": time(action.until),
                    "reason": action.reason,
                    "post_id": post,
                })),
            ModActionKind::Ban => self
                .request(
                    Method::PUT,
                    &format!("admin/users/{}/suspend.json", seg(user)),
                )
                .json(&json!({
                    "suspend_until": time(None),
                    "reason": action.reason,
                    "post_id": post,
                })),
            other => {
                return Err(ConnectorError::Platform {
                    platform: P,
                    detail: format!("Discourse has no way to {} through its API", other.as_str()),
                })
            }
        };
        let done = Sent {
            external_id: post
                .filter(|_| action.action.on_message())
                .unwrap_or(user)
                .to_string(),
            url: None,
        };
        match self.http.send(P, req).await {
            Ok(_) => Ok(done),
            Err(ConnectorError::NotFound { .. }) if action.action == ModActionKind::Delete => {
                Ok(done)
            }
            // Discourse will not flag a post that is hidden already, or that this account has
            // flagged already (`Guardian#post_can_act?` is false), and its answer does not say
            // why: a 403 "You are not permitted to view the requested resource." — with
            // `error_type: "invalid_access"` where `Discourse::InvalidAccess` is raised, which
            // reads as a rejected key. So the post itself is asked: hidden means done.
            Err(
                e @ (ConnectorError::Forbidden { .. }
                | ConnectorError::Auth { .. }
                | ConnectorError::Platform { .. }),
            ) if action.action == ModActionKind::Hide => {
                match self
                    .get(&format!("posts/{}.json", seg(need_post()?)), &[])
                    .await
                {
                    Ok(p) if p.get("hidden").and_then(Value::as_bool) == Some(true) => Ok(done),
                    _ => Err(e),
                }
            }
            // A second silence or suspension: 409 "User was already silenced/suspended"
            // (Discourse's admin users spec): they already are, so it is done.
            Err(ConnectorError::Platform { detail, .. })
                if matches!(action.action, ModActionKind::Timeout | ModActionKind::Ban)
                    && detail.starts_with("HTTP 409") =>
            {
                Ok(done)
            }
            Err(e) => Err(e),
        }
    }

    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError> {
        let me = self.me().await?.clone();
        let mine = |p: &Value| {
            str_at(p, "/username").is_some_and(|u| u.eq_ignore_ascii_case(&me.handle))
                && str_at(p, "/raw").is_some_and(|raw| same_raw(raw, item))
                && sent_after(
                    item,
                    str_at(p, "/created_at").and_then(|t| parse_time(P, t).ok()),
                )
        };
        let posts = match item.conversation_external_id.as_deref() {
            Some(conv) => self.topic_posts(Self::topic_id(conv)?).await?,
            None => {
                let latest = self.get("posts.json", &[]).await?;
                arr(&latest, "/latest_posts")
                    .iter()
                    .filter(|p| {
                        p.get("post_number").and_then(Value::as_i64) == Some(1)
                            && str_at(p, "/topic_title") == item.title.as_deref()
                    })
                    .cloned()
                    .collect()
            }
        };
        match posts.iter().rev().find(|p| mine(p)) {
            Some(p) => Ok(Some(self.sent_of(p)?)),
            None => Ok(None),
        }
    }
}

/// A post's permalink: its `post_url`, or `/t/{slug}/{topic}/{number}`.
fn post_url(d: &Discourse, p: &Value) -> Option<String> {
    if let Some(u) = str_at(p, "/post_url") {
        return Some(d.url(u));
    }
    let topic = p.get("topic_id").and_then(Value::as_i64)?;
    let number = p.get("post_number").and_then(Value::as_i64)?;
    let slug = str_at(p, "/topic_slug").unwrap_or("-");
    Some(d.url(&format!("t/{slug}/{topic}/{number}")))
}

/// Whether `text` mentions `@{username}` as a whole word.
fn mentions(text: &str, username: &str) -> bool {
    if username.is_empty() {
        return false;
    }
    let lower = text.to_lowercase();
    let needle = format!("@{}", username.to_lowercase());
    let word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle) {
        let at = from + i;
        let before_ok = lower[..at].chars().next_back().is_none_or(|c| !word(c));
        let rest = &lower[at + needle.len()..];
        let after_ok = match rest.chars().next() {
            None => true,
            // A trailing full stop ends the sentence, not the name.
            Some('.') => rest[1..].chars().next().is_none_or(|c| !word(c)),
            Some(c) => !word(c),
        };
        if before_ok && after_ok {
            return true;
        }
        from = at + needle.len();
    }
    false
}

/// Turns Discourse posts into a [`Batch`], each author and topic once.
struct Mapper<'a> {
    d: &'a Discourse,
    me: &'a Me,
    categories: &'a HashMap<i64, String>,
    identities: BTreeMap<String, IncomingIdentity>,
    conversations: BTreeMap<String, IncomingConversation>,
    messages: Vec<IncomingMessage>,
    /// Records that could not be read, kept aside with their payload.
    aside: Vec<Quarantined>,
    /// (topic, post number) → post id, for replies.
    numbers: HashMap<(i64, i64), i64>,
}

impl<'a> Mapper<'a> {
    fn new(d: &'a Discourse, me: &'a Me, categories: &'a HashMap<i64, String>) -> Self {
        Mapper {
            aside: Vec::new(),
            d,
            me,
            categories,
            identities: BTreeMap::new(),
            conversations: BTreeMap::new(),
            messages: Vec::new(),
            numbers: HashMap::new(),
        }
    }

    fn index(&mut self, posts: &[Value]) {
        for p in posts {
            if let (Some(t), Some(n), Some(id)) = (
                p.get("topic_id").and_then(Value::as_i64),
                p.get("post_number").and_then(Value::as_i64),
                p.get("id").and_then(Value::as_i64),
            ) {
                self.numbers.insert((t, n), id);
            }
        }
    }

    fn container(&self, category: Option<i64>) -> Option<String> {
        let c = category?;
        Some(
            self.categories
                .get(&c)
                .cloned()
                .unwrap_or_else(|| format!("category {c}")),
        )
    }

    /// Maps one post; `topic` is the topic object when the post came from `/t/{id}.json`.
    fn post(&mut self, p: &Value, topic: Option<&Value>) -> Result<i64, ConnectorError> {
        let id = p
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| ConnectorError::malformed(P, "a post has no id"))?;
        let topic_id = p
            .get("topic_id")
            .and_then(Value::as_i64)
            .or_else(|| topic.and_then(|t| t.get("id").and_then(Value::as_i64)))
            .ok_or_else(|| ConnectorError::malformed(P, format!("post {id} has no topic")))?;
        let created = parse_time(
            P,
            str_at(p, "/created_at")
                .ok_or_else(|| ConnectorError::malformed(P, format!("post {id} has no time")))?,
        )?;
        let user_id = p
            .get("user_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| ConnectorError::malformed(P, format!("post {id} has no author")))?;
        let username = str_at(p, "/username").unwrap_or_default().to_string();
        let author = user_id.to_string();
        self.identities
            .entry(author.clone())
            .or_insert_with(|| IncomingIdentity {
                external_id: author.clone(),
                handle: username.clone(),
                display_name: nonempty(p, "/name"),
                profile_url: Some(self.d.url(&format!("u/{}", seg(&username)))),
                avatar_url: self.d.avatar(str_at(p, "/avatar_template")),
                ..Default::default()
            });
        let conv = topic_id.to_string();
        let slug = str_at(p, "/topic_slug")
            .or_else(|| topic.and_then(|t| str_at(t, "/slug")))
            .unwrap_or("-")
            .to_string();
        let title = str_at(p, "/topic_title")
            .or_else(|| topic.and_then(|t| str_at(t, "/title")))
            .map(str::to_string);
        let category = p
            .get("category_id")
            .and_then(Value::as_i64)
            .or_else(|| topic.and_then(|t| t.get("category_id").and_then(Value::as_i64)));
        let topic_created = topic
            .and_then(|t| str_at(t, "/created_at"))
            .and_then(|t| parse_time(P, t).ok());
        let container = self.container(category);
        let url = self.d.url(&format!("t/{slug}/{topic_id}"));
        let entry =
            self.conversations
                .entry(conv.clone())
                .or_insert_with(|| IncomingConversation {
                    external_id: conv.clone(),
                    kind: ConversationKind::Topic,
                    title: None,
                    container: None,
                    url: Some(url),
                    created_at: topic_created.unwrap_or(created),
                });
        if entry.title.is_none() {
            entry.title = title;
        }
        if entry.container.is_none() {
            entry.container = container;
        }
        if topic_created.is_none() {
            entry.created_at = entry.created_at.min(created);
        }
        let version = p.get("version").and_then(Value::as_i64).unwrap_or(1);
        let updated = str_at(p, "/updated_at")
            .map(|t| parse_time(P, t))
            .transpose()?;
        let user_deleted = p.get("user_deleted").and_then(Value::as_bool) == Some(true);
        let staff_deleted = str_at(p, "/deleted_at")
            .map(|t| parse_time(P, t))
            .transpose()?;
        let deleted_at = staff_deleted.or(if user_deleted {
            Some(updated.unwrap_or(created))
        } else {
            None
        });
        // An author deletion replaces the text with a placeholder: keep what Hearth had.
        let (text, html) = if user_deleted {
            (String::new(), None)
        } else {
            (
                str_at(p, "/raw").unwrap_or_default().to_string(),
                str_at(p, "/cooked").map(str::to_string),
            )
        };
        let reply_to = p
            .get("reply_to_post_number")
            .and_then(Value::as_i64)
            .and_then(|n| self.numbers.get(&(topic_id, n)))
            .map(|id| id.to_string());
        let mentions_us = author != self.me.external_id && mentions(&text, &self.me.handle);
        self.messages.push(IncomingMessage {
            conversation_external_id: conv,
            external_id: id.to_string(),
            author_external_id: author,
            text,
            html,
            created_at: created,
            edited_at: if version > 1 && !user_deleted {
                updated
            } else {
                None
            },
            deleted_at,
            reply_to_external_id: reply_to,
            url: post_url(self.d, p).or_else(|| {
                let n = p.get("post_number").and_then(Value::as_i64)?;
                Some(self.d.url(&format!("t/{slug}/{topic_id}/{n}")))
            }),
            mentions_us,
        });
        Ok(id)
    }

    /// Maps a `/t/{id}.json` topic with the posts it carries (deleted ones included).
    fn topic(&mut self, t: &Value) -> Result<(), ConnectorError> {
        let posts = arr(t, "/post_stream/posts");
        let topic_id = t.get("id").and_then(Value::as_i64);
        for p in posts {
            if let (Some(tid), Some(n), Some(id)) = (
                topic_id,
                p.get("post_number").and_then(Value::as_i64),
                p.get("id").and_then(Value::as_i64),
            ) {
                self.numbers.insert((tid, n), id);
            }
        }
        for p in posts {
            self.post(p, Some(t))?;
        }
        Ok(())
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
    fn a_post_with_images_is_found_by_its_text_followed_by_their_markdown() {
        let bare = Outgoing {
            body: "Lumen 3.2 is out.".into(),
            ..Outgoing::default()
        };
        assert!(same_raw("Lumen 3.2 is out.\n", &bare));
        assert!(!same_raw(
            "Lumen 3.2 is out.\n\n![chart|640x360](upload://a.png)",
            &bare
        ));
        let with_image = Outgoing {
            images: vec![crate::platform::Attachment {
                file_name: "a.png".into(),
                mime: "image/png".into(),
                bytes: std::sync::Arc::from(&b""[..]),
                alt: "chart".into(),
                width: 640,
                height: 360,
            }],
            ..bare
        };
        assert!(same_raw(
            "Lumen 3.2 is out.\n\n![chart|640x360](upload://a.png)",
            &with_image
        ));
        assert!(!same_raw("Lumen 3.2 is out. And more words.", &with_image));
    }

    #[test]
    fn mentions_are_whole_usernames() {
        assert!(mentions("@ana is 0.9.1 planned?", "ana"));
        assert!(mentions("thanks @Ana.", "ana"));
        assert!(!mentions("@anabel hi", "ana"));
        assert!(!mentions("mail ana@example.org", "ana"));
    }

    #[test]
    fn an_invalid_key_is_a_token_problem_not_a_refusal() {
        let e = auth_error(ConnectorError::Forbidden {
            platform: P,
            detail: "You are not permitted to view the requested resource. The API username or key is invalid.".into(),
        });
        assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
    }
}
