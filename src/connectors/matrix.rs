//! Matrix connector (client-server API v3). Each joined room is a conversation.
//!
//! Cursors: `since` is the last `/sync` `next_batch`; `seen:{room}` the newest event time
//! written for a room; `gap:{room}` = `{token}\t{stop_ts}` a back-fill in progress, read
//! with `/rooms/{room}/messages?dir=b` from `token` until events at or before `stop_ts`
//! (the whole history on the first sync, the missing stretch when a later `/sync` comes back
//! with `timeline.limited`).
//!
//! Edits (`m.replace`) update the original message; redactions mark it deleted; replies and
//! thread replies keep what they answer; reply fallbacks (`> <@user> …`, `<mx-reply>`) are
//! stripped. Sending uses the transaction id as idempotency key, so a retried send is safe.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::{arr, endpoint, seg, str_at};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage};
use crate::model::{ConversationKind, ModActionKind, Platform};
use crate::platform::{
    Attachment, Connector, ConnectorConfig, ConnectorError, CursorChange, Cursors, Engagement,
    Http, Me, Moderation, Outgoing, Page, PostRef, Secret, Sent,
};

/// How many pages of reactions an engagement read goes through (100 a page).
const RELATION_PAGES: usize = 10;

const P: Platform = Platform::Matrix;
/// Events per `/messages` page and per room in a `/sync` timeline.
const PAGE: u32 = 100;

pub struct Matrix {
    base: String,
    token: Secret,
    rooms: Vec<String>,
    http: Http,
    me: OnceCell<Me>,
    page: u32,
}

impl Matrix {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        Ok(Matrix {
            base: cfg.base_url,
            token: cfg.secret,
            rooms: cfg.scopes,
            http: cfg.http,
            me: OnceCell::new(),
            page: PAGE,
        })
    }

    /// Events per page (tests use small pages to exercise back-filling).
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page = n.max(1);
        self
    }

    fn url(&self, path: &str) -> String {
        endpoint(&self.base, &format!("_matrix/client/v3/{path}"))
    }

    /// Sends one `m.room.message` event with transaction id `txn`; returns its event id.
    async fn put_event(
        &self,
        room: &str,
        txn: &str,
        content: &Value,
    ) -> Result<String, ConnectorError> {
        let url = self.url(&format!(
            "rooms/{}/send/m.room.message/{}",
            seg(room),
            seg(txn)
        ));
        let req = self
            .http
            .client()
            .put(url)
            .bearer_auth(self.token.expose())
            .json(content);
        let (_, body): (_, Value) = self.http.json(P, req).await?;
        str_at(&body, "/event_id")
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::malformed(P, "the send reply has no event_id"))
    }

    /// Uploads an image to the homeserver's media repository; returns its `mxc://` URI.
    async fn upload(&self, image: &Attachment) -> Result<String, ConnectorError> {
        let req = self
            .http
            .client()
            .post(endpoint(&self.base, "_matrix/media/v3/upload"))
            .query(&[("filename", image.file_name.as_str())])
            .bearer_auth(self.token.expose())
            .header(reqwest::header::CONTENT_TYPE, image.mime.as_str())
            .body(image.bytes.to_vec());
        let (_, body): (_, Value) = self.http.json(P, req).await?;
        str_at(&body, "/content_uri")
            .filter(|u| u.starts_with("mxc://"))
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::malformed(P, "the upload reply has no content_uri"))
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ConnectorError> {
        let req = self
            .http
            .client()
            .get(self.url(path))
            .bearer_auth(self.token.expose())
            .query(query);
        Ok(self.http.json(P, req).await?.1)
    }

    async fn me(&self) -> Result<&Me, ConnectorError> {
        self.me
            .get_or_try_init(|| async {
                let who = self.get("account/whoami", &[]).await?;
                let user_id = str_at(&who, "/user_id")
                    .ok_or_else(|| ConnectorError::malformed(P, "whoami gave no user_id"))?
                    .to_string();
                // A missing profile is not an error: the display name is optional.
                let name = match self.get(&format!("profile/{}", seg(&user_id)), &[]).await {
                    Ok(p) => str_at(&p, "/displayname").map(str::to_string),
                    Err(ConnectorError::NotFound { .. }) => None,
                    Err(e) => return Err(e),
                };
                Ok(Me {
                    handle: user_id.clone(),
                    external_id: user_id,
                    display_name: name,
                })
            })
            .await
    }

    /// The room an item goes to: its conversation's, or the account's first for a new post.
    fn room_of(&self, item: &Outgoing) -> Option<String> {
        item.conversation_external_id
            .clone()
            .or_else(|| item.channel.clone().filter(|c| !c.trim().is_empty()))
            .or_else(|| self.rooms.first().cloned())
    }

    fn wanted(&self, room: &str) -> bool {
        self.rooms.is_empty() || self.rooms.iter().any(|r| r == room)
    }

    /// One `/sync`: new events in every room, and a back-fill for each room whose timeline
    /// came back `limited`.
    async fn sync_page(&self, cursors: &Cursors, me: &Me) -> Result<Page, ConnectorError> {
        let filter = json!({
            "room": {
                "timeline": { "limit": self.page },
                "state": { "lazy_load_members": true },
                "ephemeral": { "not_types": ["*"] },
                "account_data": { "not_types": ["*"] },
            },
            "presence": { "not_types": ["*"] },
            "account_data": { "not_types": ["*"] },
        })
        .to_string();
        let mut query = vec![("timeout", "0"), ("filter", filter.as_str())];
        if let Some(since) = cursors.get("since") {
            query.push(("since", since));
        }
        let body = self.get("sync", &query).await?;
        let next = str_at(&body, "/next_batch")
            .ok_or_else(|| ConnectorError::malformed(P, "the sync reply has no next_batch"))?;
        let mut out = Mapper::new(me);
        let mut changes = vec![CursorChange::set("since", next)];
        let mut gaps = 0;
        let rooms = match body.pointer("/rooms/join") {
            None | Some(Value::Null) => None,
            Some(Value::Object(rooms)) => Some(rooms),
            Some(_) => {
                return Err(ConnectorError::malformed(
                    P,
                    "the sync reply's rooms are not a map",
                ))
            }
        };
        if let Some(rooms) = rooms {
            for (room_id, room) in rooms {
                if !self.wanted(room_id) {
                    continue;
                }
                let state = arr(room, "/state/events");
                let timeline = arr(room, "/timeline/events");
                out.room(room_id, state.iter().chain(timeline.iter()));
                let newest = out.events(room_id, timeline);
                let seen_key = format!("seen:{room_id}");
                let seen: i64 = cursors
                    .get(&seen_key)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                if let Some(newest) = newest.filter(|n| *n > seen) {
                    changes.push(CursorChange::set(seen_key, newest.to_string()));
                }
                let limited =
                    room.pointer("/timeline/limited").and_then(Value::as_bool) == Some(true);
                if let (true, Some(prev)) = (limited, str_at(room, "/timeline/prev_batch")) {
                    gaps += 1;
                    changes.push(CursorChange::set(
                        format!("gap:{room_id}"),
                        format!("{prev}\t{seen}"),
                    ));
                }
            }
        }
        Ok(Page {
            batch: out.finish(),
            cursors: changes,
            // Back-fill what the timeline left out before the run ends.
            more: gaps > 0,
            label: "new messages".into(),
        })
    }

    /// One page of history in a room, going back from `token`. The run goes on after it: to
    /// the next page of history, another room's, or a last `/sync`.
    async fn backfill_page(
        &self,
        room_id: &str,
        value: &str,
        me: &Me,
    ) -> Result<Page, ConnectorError> {
        let (token, stop) = value.split_once('\t').unwrap_or((value, "0"));
        let stop: i64 = stop.parse().unwrap_or(0);
        let filter = json!({ "lazy_load_members": true }).to_string();
        let limit = self.page.to_string();
        let body = self
            .get(
                &format!("rooms/{}/messages", seg(room_id)),
                &[
                    ("dir", "b"),
                    ("from", token),
                    ("limit", &limit),
                    ("filter", &filter),
                ],
            )
            .await?;
        let chunk: Vec<Value> = match body.get("chunk") {
            Some(Value::Array(events)) => events.clone(),
            _ => {
                return Err(ConnectorError::malformed(
                    P,
                    "the history page has no list of events",
                ))
            }
        };
        let mut out = Mapper::new(me);
        out.room(room_id, arr(&body, "/state").iter().chain(chunk.iter()));
        // `/messages?dir=b` is newest first; write oldest first so an edit follows its original.
        let oldest_first: Vec<Value> = chunk.iter().rev().cloned().collect();
        out.events(room_id, &oldest_first);
        let reached = chunk
            .iter()
            .filter_map(|e| e.get("origin_server_ts").and_then(Value::as_i64))
            .any(|ts| ts <= stop);
        let key = format!("gap:{room_id}");
        let change = match str_at(&body, "/end") {
            // The server handed back the page it was asked from: keep the cursor as it is, so
            // the engine sees no progress and asks again instead of skipping history.
            Some(end) if end == token && !chunk.is_empty() => CursorChange::set(key, value),
            Some(end) if !chunk.is_empty() && !reached => {
                CursorChange::set(key, format!("{end}\t{stop}"))
            }
            _ => CursorChange::clear(key),
        };
        // When the last gap closes, the run ends with one more `/sync`, so what arrived while
        // the history was read (or while an interrupted back-fill waited) comes in now rather
        // than at the next run.
        Ok(Page {
            batch: out.finish(),
            cursors: vec![change],
            more: true,
            label: format!("history of {room_id}"),
        })
    }
}

#[async_trait]
impl Connector for Matrix {
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
        let gap = cursors
            .with_prefix("gap:")
            .next()
            .map(|(room, v)| (room.to_string(), v.to_string()));
        match gap {
            Some((room, value)) => self.backfill_page(&room, &value, &me).await,
            None => self.sync_page(cursors, &me).await,
        }
    }

    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError> {
        let room = self.room_of(item).ok_or_else(|| {
            ConnectorError::Config(
                "a Matrix post needs a room: add a room id to the account, or reply in a room's conversation".into(),
            )
        })?;
        // The images go first, each as an `m.image` whose body is its alt text (what the
        // spec asks of a body), and the text last: when a lookup finds the text after a cut-off
        // attempt, everything before it is out. Each event has its own transaction id, so a
        // resend after a cut-off attempt does not post an image twice.
        for (n, image) in item.images.iter().enumerate() {
            let uri = self.upload(image).await?;
            let content = json!({
                "msgtype": "m.image",
                "body": image.alt,
                "url": uri,
                "info": {
                    "mimetype": image.mime,
                    "size": image.bytes.len(),
                    "w": image.width,
                    "h": image.height,
                },
            });
            self.put_event(
                &room,
                &format!("{}-image-{}", item.idempotency_key, n + 1),
                &content,
            )
            .await?;
        }
        let mut content = json!({ "msgtype": "m.text", "body": item.body });
        if let (Some(reply_to), Some(_)) =
            (&item.reply_to_external_id, &item.conversation_external_id)
        {
            content["m.relates_to"] = json!({ "m.in_reply_to": { "event_id": reply_to } });
        }
        let event_id = self
            .put_event(&room, &item.idempotency_key, &content)
            .await?;
        Ok(Sent {
            url: Some(permalink(&room, Some(&event_id))),
            external_id: event_id,
        })
    }

    /// Reactions (`m.annotation` relations) to the event, read page by page.
    async fn engagement(&self, post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        let Some(room) = post.channel.clone().or_else(|| self.rooms.first().cloned()) else {
            return Ok(None);
        };
        let path = endpoint(
            &self.base,
            &format!(
                "_matrix/client/v1/rooms/{}/relations/{}/m.annotation",
                seg(&room),
                seg(&post.external_id)
            ),
        );
        let mut reactions = 0u32;
        let mut from: Option<String> = None;
        for _ in 0..RELATION_PAGES {
            let mut query = vec![("limit", "100".to_string())];
            if let Some(f) = &from {
                query.push(("from", f.clone()));
            }
            let req = self
                .http
                .client()
                .get(&path)
                .bearer_auth(self.token.expose())
                .query(&query);
            let (_, page): (_, Value) = self.http.json(P, req).await?;
            reactions += arr(&page, "/chunk")
                .iter()
                .filter(|e| str_at(e, "/type") == Some("m.reaction"))
                .count() as u32;
            match str_at(&page, "/next_batch") {
                Some(next) => from = Some(next.to_string()),
                None => break,
            }
        }
        Ok(Some(Engagement {
            reactions,
            boosts: None,
        }))
    }

    /// Redacts an event (`PUT /rooms/{r}/redact/{event}/{txn}`: the transaction id makes a
    /// repeat harmless), kicks (`POST /rooms/{r}/kick`) or bans (`POST /rooms/{r}/ban`), each
    /// with the reason. Kicking someone who already left counts as done.
    async fn moderate(&self, action: &Moderation) -> Result<Sent, ConnectorError> {
        let room = action.conversation_external_id.as_deref().ok_or_else(|| {
            ConnectorError::Config("a Matrix moderation action needs the room".into())
        })?;
        let reason = json!({ "reason": action.reason });
        let done = |id: &str| Sent {
            external_id: id.to_string(),
            url: None,
        };
        match action.action {
            ModActionKind::Delete => {
                let event = action.message_external_id.as_deref().ok_or_else(|| {
                    ConnectorError::Config("a redaction needs the event to redact".into())
                })?;
                let url = self.url(&format!(
                    "rooms/{}/redact/{}/{}",
                    seg(room),
                    seg(event),
                    seg(&action.idempotency_key)
                ));
                let req = self
                    .http
                    .client()
                    .put(url)
                    .bearer_auth(self.token.expose())
                    .json(&reason);
                let (_, body): (_, Value) = self.http.json(P, req).await?;
                Ok(done(str_at(&body, "/event_id").unwrap_or(event)))
            }
            ModActionKind::Kick | ModActionKind::Ban => {
                let verb = action.action.as_str();
                let mut body = reason;
                body["user_id"] = json!(action.user_external_id);
                let req = self
                    .http
                    .client()
                    .post(self.url(&format!("rooms/{}/{verb}", seg(room))))
                    .bearer_auth(self.token.expose())
                    .json(&body);
                match self.http.json::<Value>(P, req).await {
                    Ok(_) => Ok(done(&action.user_external_id)),
                    // Synapse: "The target user is not in the room", "Cannot kick user who
                    // was banned" — they are already out.
                    Err(ConnectorError::Forbidden { detail, .. })
                        if action.action == ModActionKind::Kick
                            && (detail.contains("not in the room")
                                || detail.contains("banned")) =>
                    {
                        Ok(done(&action.user_external_id))
                    }
                    Err(e) => Err(e),
                }
            }
            other => Err(ConnectorError::Platform {
                platform: P,
                detail: format!("Matrix has no way to {} through its API", other.as_str()),
            }),
        }
    }

    /// Looks through the room's newest events from us for the transaction id (Synapse
    /// returns it to the device that sent it, however long ago), or for the same text
    /// sent after the attempt began.
    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError> {
        let Some(room) = self.room_of(item) else {
            return Ok(None);
        };
        let me = self.me().await?.clone();
        let filter =
            json!({ "senders": [me.external_id], "types": ["m.room.message"] }).to_string();
        let body = self
            .get(
                &format!("rooms/{}/messages", seg(&room)),
                &[("dir", "b"), ("limit", "50"), ("filter", &filter)],
            )
            .await?;
        let found = arr(&body, "/chunk").iter().find(|e| {
            let ours = str_at(e, "/sender") == Some(me.external_id.as_str());
            let same_txn =
                str_at(e, "/unsigned/transaction_id") == Some(item.idempotency_key.as_str());
            let same_text = str_at(e, "/content/body") == Some(item.body.as_str())
                && crate::platform::sent_after(
                    item,
                    e.get("origin_server_ts").and_then(Value::as_i64),
                );
            ours && (same_txn || same_text)
        });
        Ok(found.and_then(|e| {
            let id = str_at(e, "/event_id")?;
            Some(Sent {
                url: Some(permalink(&room, Some(id))),
                external_id: id.to_string(),
            })
        }))
    }

    /// Synapse answers a repeated transaction id with the first event for at least half an
    /// hour (its transaction cache); past that, Hearth looks before sending again.
    fn idempotency_window(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(30 * 60))
    }
}

fn permalink(room: &str, event: Option<&str>) -> String {
    match event {
        Some(e) => format!("https://matrix.to/#/{}/{}", seg(room), seg(e)),
        None => format!("https://matrix.to/#/{}", seg(room)),
    }
}

/// Turns Matrix events into a [`Batch`].
struct Mapper<'a> {
    me: &'a Me,
    identities: BTreeMap<String, IncomingIdentity>,
    conversations: BTreeMap<String, IncomingConversation>,
    messages: Vec<IncomingMessage>,
    names: HashMap<String, String>,
}

impl<'a> Mapper<'a> {
    fn new(me: &'a Me) -> Self {
        Mapper {
            me,
            identities: BTreeMap::new(),
            conversations: BTreeMap::new(),
            messages: Vec::new(),
            names: HashMap::new(),
        }
    }

    /// Reads a room's state (name, members) from whatever state events came with the page.
    fn room<'e>(&mut self, room_id: &str, events: impl Iterator<Item = &'e Value>) {
        let mut title = None;
        let mut alias = None;
        let mut created = None;
        for e in events {
            let content = e.get("content").unwrap_or(&Value::Null);
            match e.get("type").and_then(Value::as_str) {
                Some("m.room.name") => title = str_at(content, "/name").map(str::to_string),
                Some("m.room.canonical_alias") => {
                    alias = str_at(content, "/alias").map(str::to_string)
                }
                Some("m.room.create") => {
                    created = e.get("origin_server_ts").and_then(Value::as_i64)
                }
                Some("m.room.member") => {
                    if let Some(user) = str_at(e, "/state_key") {
                        let ident = self.identity(user);
                        if let Some(name) =
                            str_at(content, "/displayname").filter(|n| !n.is_empty())
                        {
                            ident.display_name = Some(name.to_string());
                        }
                        if let Some(avatar) = str_at(content, "/avatar_url") {
                            ident.avatar_url = Some(avatar.to_string());
                        }
                        if str_at(content, "/membership") == Some("join")
                            && ident.joined_at.is_none()
                        {
                            ident.joined_at = e.get("origin_server_ts").and_then(Value::as_i64);
                        }
                        if let Some(name) = ident.display_name.clone() {
                            self.names.insert(user.to_string(), name);
                        }
                    }
                }
                _ => {}
            }
        }
        let conv = self
            .conversations
            .entry(room_id.to_string())
            .or_insert_with(|| IncomingConversation {
                external_id: room_id.to_string(),
                kind: ConversationKind::Channel,
                title: None,
                container: None,
                url: Some(permalink(room_id, None)),
                created_at: 0,
            });
        if let Some(t) = title.or(alias) {
            conv.title = Some(t);
        }
        if let Some(c) = created {
            conv.created_at = c;
        }
    }

    fn identity(&mut self, user: &str) -> &mut IncomingIdentity {
        self.identities
            .entry(user.to_string())
            .or_insert_with(|| IncomingIdentity {
                external_id: user.to_string(),
                handle: user.to_string(),
                profile_url: Some(format!("https://matrix.to/#/{}", seg(user))),
                ..Default::default()
            })
    }

    /// Maps timeline events (oldest first); returns the newest event time.
    fn events(&mut self, room_id: &str, events: &[Value]) -> Option<i64> {
        let mut newest = None;
        for e in events {
            let Some(ts) = e.get("origin_server_ts").and_then(Value::as_i64) else {
                continue;
            };
            let (Some(kind), Some(id), Some(sender)) = (
                str_at(e, "/type"),
                str_at(e, "/event_id"),
                str_at(e, "/sender"),
            ) else {
                continue;
            };
            newest = newest.max(Some(ts));
            let content = e.get("content").unwrap_or(&Value::Null);
            match kind {
                "m.room.message" => self.message(room_id, id, sender, ts, content, e),
                "m.room.redaction" => {
                    let target = str_at(content, "/redacts").or_else(|| str_at(e, "/redacts"));
                    if let Some(target) = target {
                        self.identity(sender);
                        self.messages.push(IncomingMessage {
                            conversation_external_id: room_id.to_string(),
                            external_id: target.to_string(),
                            author_external_id: sender.to_string(),
                            text: String::new(),
                            html: None,
                            created_at: ts,
                            edited_at: None,
                            deleted_at: Some(ts),
                            reply_to_external_id: None,
                            url: Some(permalink(room_id, Some(target))),
                            mentions_us: false,
                        });
                    }
                }
                _ => {}
            }
        }
        newest
    }

    fn message(
        &mut self,
        room_id: &str,
        id: &str,
        sender: &str,
        ts: i64,
        content: &Value,
        event: &Value,
    ) {
        self.identity(sender);
        let relates = content.get("m.relates_to");
        let rel_type = relates.and_then(|r| str_at(r, "/rel_type"));
        let redacted_at = event
            .pointer("/unsigned/redacted_because/origin_server_ts")
            .and_then(Value::as_i64);
        let (target, body_src, edited) =
            match (rel_type, relates.and_then(|r| str_at(r, "/event_id"))) {
                (Some("m.replace"), Some(orig)) => (
                    orig.to_string(),
                    content.get("m.new_content").unwrap_or(content),
                    Some(ts),
                ),
                _ => (id.to_string(), content, None),
            };
        let reply_to = match rel_type {
            Some("m.thread") => relates
                .and_then(|r| r.pointer("/m.in_reply_to/event_id").and_then(Value::as_str))
                .or_else(|| relates.and_then(|r| str_at(r, "/event_id"))),
            _ => relates.and_then(|r| r.pointer("/m.in_reply_to/event_id").and_then(Value::as_str)),
        }
        .filter(|_| edited.is_none())
        .map(str::to_string);
        let body = str_at(body_src, "/body").unwrap_or_default();
        let text = if reply_to.is_some() {
            strip_reply_fallback(body)
        } else {
            body.to_string()
        };
        let html = (str_at(body_src, "/format") == Some("org.matrix.custom.html"))
            .then(|| str_at(body_src, "/formatted_body"))
            .flatten()
            .map(strip_mx_reply);
        let mentions_us = content
            .pointer("/m.mentions/user_ids")
            .and_then(Value::as_array)
            .is_some_and(|ids| {
                ids.iter()
                    .any(|u| u.as_str() == Some(self.me.external_id.as_str()))
            })
            || text.contains(&self.me.external_id)
            || self
                .me
                .display_name
                .as_deref()
                .is_some_and(|n| !n.is_empty() && text.contains(n));
        self.messages.push(IncomingMessage {
            conversation_external_id: room_id.to_string(),
            external_id: target.clone(),
            author_external_id: sender.to_string(),
            text: if redacted_at.is_some() {
                String::new()
            } else {
                text
            },
            html: if redacted_at.is_some() { None } else { html },
            created_at: ts,
            edited_at: edited,
            deleted_at: redacted_at,
            reply_to_external_id: reply_to,
            url: Some(permalink(room_id, Some(&target))),
            mentions_us: mentions_us && sender != self.me.external_id,
        });
    }

    fn finish(mut self) -> Batch {
        for (user, ident) in self.identities.iter_mut() {
            if ident.display_name.is_none() {
                ident.display_name = self.names.get(user).cloned();
            }
        }
        // A room whose creation time is unknown still needs one: its oldest message's.
        for conv in self.conversations.values_mut() {
            if conv.created_at == 0 {
                conv.created_at = self
                    .messages
                    .iter()
                    .filter(|m| m.conversation_external_id == conv.external_id)
                    .map(|m| m.created_at)
                    .min()
                    .unwrap_or(0);
            }
        }
        Batch {
            quarantined: Vec::new(),
            identities: self.identities.into_values().collect(),
            conversations: self.conversations.into_values().collect(),
            messages: self.messages,
        }
    }
}

/// Drops the `> <@user> quoted text` lines a reply's plain body starts with.
fn strip_reply_fallback(body: &str) -> String {
    if !body.starts_with("> ") {
        return body.to_string();
    }
    let mut lines = body.lines().skip_while(|l| l.starts_with('>'));
    let rest: Vec<&str> = lines.by_ref().collect();
    rest.join("\n")
        .trim_start_matches('\n')
        .trim_start()
        .to_string()
}

/// Drops the `<mx-reply>…</mx-reply>` quote a reply's HTML body starts with.
fn strip_mx_reply(html: &str) -> String {
    match (html.find("<mx-reply>"), html.find("</mx-reply>")) {
        (Some(a), Some(b)) if b > a => {
            format!("{}{}", &html[..a], &html[b + "</mx-reply>".len()..])
        }
        _ => html.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_fallbacks_are_stripped_from_text_and_html() {
        assert_eq!(
            strip_reply_fallback("> <@ana:example.org> does it work?\n> really?\n\nYes, it does."),
            "Yes, it does."
        );
        assert_eq!(strip_reply_fallback("no quote here"), "no quote here");
        assert_eq!(
            strip_mx_reply("<mx-reply><blockquote>q</blockquote></mx-reply><b>Yes</b>"),
            "<b>Yes</b>"
        );
    }
}
