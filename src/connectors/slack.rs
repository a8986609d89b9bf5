//! Slack connector (Web API, bot token). Owns: reading a workspace's users, the channels the
//! app is in, public and private (or the channel ids in the account's scopes) and their messages and thread replies
//! into Hearth — a channel is a `Channel` conversation titled "#name"; a thread reply keeps the
//! message it answers in `reply_to_external_id` — noticing edits and deletions by re-reading a
//! recent window, mapping Slack's `{"ok": false, "error": …}` answers (sent with HTTP 200) to
//! [`ConnectorError`]s, and posting replies into threads.
//! Must never: put the token in an error, a label or `raw`; sleep (the engine waits); keep
//! state a run needs outside the cursors (the user cache only saves `users.info` calls).
//!
//! Message ids are `{channel}/{ts}` for channel messages and `{channel}/{thread_ts}/{ts}` for
//! thread replies, so a reply to any message knows its thread.
//!
//! Cursors:
//! - `run` — JSON of the pass in progress: listing channels, listing users, a channel's
//!   history (Slack's page cursor, the window's `oldest`, the lowest ts already judged, the
//!   threads still to read) or its threads. Cleared when the run ends.
//! - `chan:{id}` — the newest ts committed in a channel, thread replies included.
//! - `win:{id}` — `ts:author` of the channel messages of the last 24 hours, so a re-read can tell
//!   which vanished (Slack drops a deleted message without replies silently).
//! - `follow:{id}` — `parent ts:latest reply ts` of the channel's threads with a reply in the last
//!   7 days (at most 100), so new replies to a parent older than the re-read are still seen.
//!
//! A first sync reads each channel's whole history; later runs read from the saved ts or 24 hours
//! back, whichever is older, so edits (same ts, `edited`) and deletions (`tombstone`, or gone)
//! of recent messages are seen. Threads are read when their `latest_reply` is newer than the
//! channel's saved ts. A reply does not bring its parent back into the channel's history, so the
//! threads that were recently active and whose parent is older than the re-read are asked for
//! replies newer than the saved ts. Mentions of the account are `<@bot user>` (not
//! `@here`/`@channel`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::window::{Window, WindowKey};
use super::{arr, count_at, endpoint, or_set_aside, str_at};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage, Quarantined};
use crate::model::{ConversationKind, Millis, ModActionKind, Platform};
use crate::platform::{
    http, sent_after, Attachment, Clock, Connector, ConnectorConfig, ConnectorError, CursorChange,
    Cursors, Engagement, Http, Me, Moderation, Outgoing, Page, PostRef, Secret, Sent,
};

const P: Platform = Platform::Slack;
/// Slack's recommended page size for `users.list`, `conversations.*`.
const PAGE: u32 = 200;
/// How far back each run re-reads for edits and deletions.
const RECHECK_SPAN_MICROS: u128 = 24 * 3600 * 1_000_000;
/// Most `win:` entries kept per channel.
const WINDOW_MAX: usize = 1000;
/// How long after its latest reply a thread is still asked for new replies.
const FOLLOW_SPAN_MICROS: u128 = 7 * 24 * 3600 * 1_000_000;
/// Most threads followed per channel (the most recently active are kept).
const FOLLOW_MAX: usize = 100;
/// Messages looked through when checking whether a lost post went out.
const FIND_SENT_WINDOW: u32 = 50;
/// Channel events that are not people talking.
const TALK_SUBTYPES: &[&str] = &[
    "bot_message",
    "thread_broadcast",
    "file_share",
    "me_message",
];

/// Who the token is, and where the workspace lives (for links).
#[derive(Debug, Clone)]
struct Team {
    me: Me,
    bot_id: Option<String>,
    url: String,
    name: Option<String>,
}

pub struct Slack {
    base: String,
    token: Secret,
    channels: Vec<String>,
    http: Http,
    page: u32,
    recheck_page: u32,
    clock: Clock,
    team: OnceCell<Team>,
    /// Users already read (by `users.list` or `users.info`); only saves requests.
    users: Mutex<HashMap<String, IncomingIdentity>>,
}

impl Slack {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        let channels: Vec<String> = cfg
            .scopes
            .iter()
            .map(|s| s.trim().trim_start_matches('#').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if let Some(bad) = channels
            .iter()
            .find(|c| !c.starts_with(['C', 'G']) || !c.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(ConnectorError::Config(format!(
                "“{bad}” is not a Slack channel id: use ids such as C04HELP7QZ1 (channel → View channel details → the id at the bottom), or leave the scopes empty for every channel the app is in"
            )));
        }
        Ok(Slack {
            base: cfg.base_url,
            token: cfg.secret,
            channels,
            http: cfg.http,
            page: PAGE,
            recheck_page: PAGE,
            clock: cfg.clock.clone(),
            team: OnceCell::new(),
            users: Mutex::new(HashMap::new()),
        })
    }

    /// Smaller pages (tests replaying recorded exchanges) for `users.list` and history.
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page = n.clamp(1, 1000);
        self
    }

    /// Page size of the history re-read on later runs.
    pub fn with_recheck_window(mut self, n: u32) -> Self {
        self.recheck_page = n.clamp(1, 1000);
        self
    }

    /// The clock the re-read window and deletions are dated with.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Calls a read method; `ok: false` comes back as the body, for the caller to judge.
    async fn raw(
        &self,
        method: &str,
        query: &[(&str, String)],
    ) -> Result<(HeaderMap, Value), ConnectorError> {
        let req = self
            .http
            .client()
            .get(endpoint(&self.base, method))
            .bearer_auth(self.token.expose())
            .query(query);
        self.http.json::<Value>(P, req).await
    }

    async fn call(&self, method: &str, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        let (headers, body) = self.raw(method, query).await?;
        check(&headers, body)
    }

    /// Uploads an image the way Slack asks since `files.upload` was retired: a URL for it
    /// (`files.getUploadURLExternal`, with its alt text), its bytes sent there, then
    /// `files.completeUploadExternal` without a channel, so it appears only in the message
    /// that shows it. Returns the file's id.
    async fn upload(&self, image: &Attachment) -> Result<String, ConnectorError> {
        let slot = self
            .call(
                "files.getUploadURLExternal",
                &[
                    ("filename", image.file_name.clone()),
                    ("length", image.bytes.len().to_string()),
                    ("alt_txt", image.alt.clone()),
                ],
            )
            .await?;
        let (Some(url), Some(id)) = (str_at(&slot, "/upload_url"), str_at(&slot, "/file_id"))
        else {
            return Err(ConnectorError::malformed(
                P,
                "files.getUploadURLExternal gave no upload_url or file_id",
            ));
        };
        // the URL is signed for this one file: no token goes with the bytes
        let req = self
            .http
            .client()
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, image.mime.as_str())
            .body(image.bytes.to_vec());
        self.http.send(P, req).await?;
        self.post(
            "files.completeUploadExternal",
            Some(&json!({ "files": [{ "id": id, "title": image.file_name }] })),
        )
        .await?;
        Ok(id.to_string())
    }

    async fn post(&self, method: &str, body: Option<&Value>) -> Result<Value, ConnectorError> {
        let mut req = self
            .http
            .client()
            .post(endpoint(&self.base, method))
            .bearer_auth(self.token.expose());
        if let Some(b) = body {
            req = req.json(b);
        }
        let (headers, body) = self.http.json::<Value>(P, req).await?;
        check(&headers, body)
    }

    async fn fetch_team(&self) -> Result<Team, ConnectorError> {
        let auth = self.post("auth.test", None).await?;
        let user_id = str_at(&auth, "/user_id")
            .ok_or_else(|| ConnectorError::malformed(P, "auth.test gave no user_id"))?;
        let url = str_at(&auth, "/url")
            .unwrap_or("https://slack.com/")
            .trim_end_matches('/')
            .to_string()
            + "/";
        // The profile only adds a display name: its absence is not an error.
        let profile = match self
            .call("users.info", &[("user", user_id.to_string())])
            .await
        {
            Ok(v) => v.get("user").map(|u| user_identity(u, &url)),
            Err(e @ ConnectorError::Auth { .. }) => return Err(e),
            Err(_) => None,
        };
        if let Some(p) = &profile {
            self.remember(p.clone());
        }
        Ok(Team {
            me: Me {
                external_id: user_id.to_string(),
                handle: str_at(&auth, "/user").unwrap_or(user_id).to_string(),
                display_name: profile.and_then(|p| p.display_name),
            },
            bot_id: str_at(&auth, "/bot_id").map(str::to_string),
            url,
            name: str_at(&auth, "/team").map(str::to_string),
        })
    }

    async fn team(&self) -> Result<&Team, ConnectorError> {
        self.team.get_or_try_init(|| self.fetch_team()).await
    }

    fn remember(&self, ident: IncomingIdentity) {
        if let Ok(mut users) = self.users.lock() {
            users.insert(ident.external_id.clone(), ident);
        }
    }

    fn known(&self, id: &str) -> Option<IncomingIdentity> {
        self.users.lock().ok().and_then(|u| u.get(id).cloned())
    }

    /// Everyone who wrote in `messages`, as identities: from the user cache, `users.info` for
    /// anyone not listed (a user of another workspace), or the bot profile for bot messages.
    async fn authors(
        &self,
        messages: &[Value],
        team: &Team,
    ) -> Result<BTreeMap<String, IncomingIdentity>, ConnectorError> {
        let mut out = BTreeMap::new();
        for m in messages {
            let Some(author) = author_of(m) else {
                continue;
            };
            if out.contains_key(&author) {
                continue;
            }
            let ident = match self.known(&author) {
                Some(i) => i,
                None if author.starts_with('B') || m.get("user").is_none() => {
                    bot_identity(m, &author)
                }
                None => {
                    let fetched = match self.call("users.info", &[("user", author.clone())]).await {
                        Ok(v) => v.get("user").map(|u| user_identity(u, &team.url)),
                        Err(ConnectorError::Platform { .. } | ConnectorError::NotFound { .. }) => {
                            None
                        }
                        Err(e) => return Err(e),
                    };
                    let ident = fetched.unwrap_or_else(|| IncomingIdentity {
                        external_id: author.clone(),
                        handle: author.clone(),
                        ..Default::default()
                    });
                    self.remember(ident.clone());
                    ident
                }
            };
            // The full payload went in with the user list; messages only vouch for the person.
            out.insert(author, IncomingIdentity { raw: None, ..ident });
        }
        Ok(out)
    }

    /// The channels the app is in, public and private. A token without `groups:read` cannot
    /// list private channels at all (`missing_scope`): then public ones are listed, and the
    /// progress says what private channels need.
    async fn channels_page(
        &self,
        run: Run,
        cursor: Option<String>,
        mut public_only: bool,
    ) -> Result<Page, ConnectorError> {
        let list = |types: &str| {
            let mut query = vec![
                ("types", types.to_string()),
                ("exclude_archived", "true".to_string()),
                ("limit", PAGE.to_string()),
            ];
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            query
        };
        let mut label = "channels".to_string();
        let body = if public_only {
            self.call("conversations.list", &list("public_channel"))
                .await?
        } else {
            let (headers, body) = self
                .raw(
                    "conversations.list",
                    &list("public_channel,private_channel"),
                )
                .await?;
            if str_at(&body, "/error") == Some("missing_scope") {
                public_only = true;
                label =
                    "channels (public only: private channels need the groups:read scope)".into();
                self.call("conversations.list", &list("public_channel"))
                    .await?
            } else {
                check(&headers, body)?
            }
        };
        let mut chans = run.chans;
        for c in arr(&body, "/channels") {
            let Some(id) = str_at(c, "/id") else {
                continue;
            };
            let wanted = if self.channels.is_empty() {
                c.get("is_member").and_then(Value::as_bool) == Some(true)
            } else {
                self.channels.iter().any(|w| w == id)
            };
            if wanted && !chans.iter().any(|k: &Chan| k.id == id) {
                chans.push(Chan {
                    id: id.to_string(),
                    name: str_at(c, "/name").unwrap_or(id).to_string(),
                    created: c.get("created").and_then(Value::as_i64).unwrap_or(0) * 1000,
                });
            }
        }
        let next_cursor = next_cursor(&body);
        let step = match next_cursor {
            Some(c) => Step::Channels {
                cursor: Some(c),
                public_only,
            },
            None => {
                // Channels named in the scopes but not listed (private ones) are read anyway.
                for id in &self.channels {
                    if !chans.iter().any(|k| &k.id == id) {
                        chans.push(Chan {
                            id: id.clone(),
                            name: id.clone(),
                            created: 0,
                        });
                    }
                }
                Step::Users { cursor: None }
            }
        };
        let next = Run { step, chans };
        Ok(Page {
            batch: Batch::default(),
            cursors: vec![next.change()],
            more: true,
            label,
        })
    }

    async fn users_page(
        &self,
        run: Run,
        cursor: Option<String>,
        team: &Team,
        cursors: &Cursors,
    ) -> Result<Page, ConnectorError> {
        let mut query = vec![("limit", self.page.to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let body = self.call("users.list", &query).await?;
        let mut batch = Batch::default();
        for u in arr(&body, "/members") {
            if str_at(u, "/id").is_none() {
                continue;
            }
            let ident = user_identity(u, &team.url);
            self.remember(ident.clone());
            batch.identities.push(ident);
        }
        let next = match next_cursor(&body) {
            Some(c) if Some(&c) != cursor.as_ref() => Some(Run {
                step: Step::Users { cursor: Some(c) },
                ..run
            }),
            _ => self.enter_channel(run, 0, cursors),
        };
        let more = next.is_some();
        Ok(Page {
            batch,
            cursors: vec![Run::change_or_clear(next)],
            more,
            label: "members".into(),
        })
    }

    /// Starts reading channel `i`: its whole history the first time, later from the saved ts
    /// or the re-read window, whichever reaches further back.
    fn enter_channel(&self, run: Run, i: usize, cursors: &Cursors) -> Option<Run> {
        let chan = run.chans.get(i)?;
        let since = cursors
            .get(&format!("chan:{}", chan.id))
            .map(str::to_string);
        let window_start = now_micros(&self.clock).saturating_sub(RECHECK_SPAN_MICROS);
        let oldest = since
            .as_deref()
            .map(|s| format_ts(parse_ts(s).min(window_start)));
        Some(Run {
            step: Step::History(History {
                i,
                cursor: None,
                oldest,
                hi: None,
                since,
                threads: Vec::new(),
            }),
            ..run
        })
    }

    fn after_channel(&self, run: Run, i: usize, cursors: &Cursors) -> Option<Run> {
        if i + 1 < run.chans.len() {
            self.enter_channel(run, i + 1, cursors)
        } else {
            None
        }
    }

    async fn history_page(
        &self,
        run: Run,
        h: History,
        team: &Team,
        cursors: &Cursors,
    ) -> Result<Page, ConnectorError> {
        let chan = run.chans[h.i].clone();
        let first = h.since.is_none();
        let mut query = vec![
            ("channel", chan.id.clone()),
            (
                "limit",
                if first { self.page } else { self.recheck_page }.to_string(),
            ),
        ];
        if let Some(o) = &h.oldest {
            query.insert(1, ("oldest", o.clone()));
        }
        if let Some(c) = &h.cursor {
            query.push(("cursor", c.clone()));
        }
        let (headers, body) = self.raw("conversations.history", &query).await?;
        let code = str_at(&body, "/error").unwrap_or("").to_string();
        if body.get("ok").and_then(Value::as_bool) != Some(true)
            && self.channels.is_empty()
            && matches!(code.as_str(), "not_in_channel" | "channel_not_found")
        {
            // The app left the channel since it was listed: skip it, keep the rest.
            let next = self.after_channel(run, h.i, cursors);
            let more = next.is_some();
            return Ok(Page {
                batch: Batch::default(),
                cursors: vec![Run::change_or_clear(next)],
                more,
                label: format!("#{} (the app is not in it, skipped)", chan.name),
            });
        }
        let body = check(&headers, body)?;
        let messages: Vec<Value> = arr(&body, "/messages").to_vec();
        let now = (self.clock)();
        let mut out = Mapper::new(&chan, team, self.users_names());
        out.identities = self.authors(&messages, team).await?;
        let mut known = Window::<Ts>::parse(cursors.get(&format!("win:{}", chan.id)));
        let mut follow = Follow::parse(cursors.get(&format!("follow:{}", chan.id)));
        let mut returned = BTreeSet::new();
        let mut threads = h.threads.clone();
        // Newest first from Slack: write oldest first.
        for m in messages.iter().rev() {
            let Some(ts) = str_at(m, "/ts") else {
                continue;
            };
            let t = parse_ts(ts);
            returned.insert(t);
            let replies = m.get("reply_count").and_then(Value::as_u64).unwrap_or(0);
            let latest = str_at(m, "/latest_reply").map(parse_ts).unwrap_or(0);
            if replies > 0 && str_at(m, "/thread_ts") == Some(ts) {
                follow.bump(t, latest);
            }
            if replies > 0
                && str_at(m, "/thread_ts") == Some(ts)
                && h.since.as_deref().is_none_or(|s| latest > parse_ts(s))
                && !threads.iter().any(|x| x == ts)
            {
                threads.push(ts.to_string());
            }
            if str_at(m, "/subtype") == Some("tombstone") {
                if let Some(author) = known.0.remove(&Ts(t)) {
                    out.deleted(ts, None, &author, now);
                } else if !first {
                    out.identities
                        .entry("USLACKBOT".into())
                        .or_insert_with(|| self.known("USLACKBOT").unwrap_or_else(slackbot));
                    out.deleted(ts, None, "USLACKBOT", now);
                }
                continue;
            }
            let read = out.message(m);
            if let Some(author) = or_set_aside(
                &mut out.aside,
                "message",
                Some(&chan_context(&chan)),
                m,
                read,
            )?
            .flatten()
            {
                if str_at(m, "/thread_ts").is_none_or(|th| th == ts) {
                    known.0.insert(Ts(t), author);
                }
            }
        }
        let has_more = body.get("has_more").and_then(Value::as_bool) == Some(true);
        let cursor = next_cursor(&body).filter(|_| has_more);
        // The answer covers, without gaps, from its lowest ts (or `oldest`, on the last page)
        // up to the lowest ts of the page before: known messages in there that are missing
        // were deleted.
        let lowest = returned.first().copied();
        let lo = match (cursor.is_some(), lowest) {
            (true, Some(l)) => l,
            _ => h.oldest.as_deref().map(|o| parse_ts(o) + 1).unwrap_or(0),
        };
        let hi = h.hi.as_deref().map(parse_ts).unwrap_or(u128::MAX);
        let vanished: Vec<(u128, String)> = known
            .0
            .range(Ts(lo)..Ts(hi))
            .filter(|(t, _)| !returned.contains(&t.0))
            .map(|(t, a)| (t.0, a.clone()))
            .collect();
        for (t, author) in vanished {
            known.0.remove(&Ts(t));
            out.deleted(&format_ts(t), None, &author, now);
        }
        known.forget_before(Ts(
            now_micros(&self.clock).saturating_sub(RECHECK_SPAN_MICROS)
        ));
        known.keep_newest(WINDOW_MAX);
        follow.prune(now_micros(&self.clock).saturating_sub(FOLLOW_SPAN_MICROS));
        let mut changes: Vec<CursorChange> = known.change(&chan.id, cursors).into_iter().collect();
        changes.extend(follow.change(&chan.id, cursors));
        changes.extend(newest_change(&chan.id, cursors, out.newest));
        // Once the re-read is done: recently active threads whose parent is older than it.
        let polls: Vec<String> = match (&cursor, &h.since, &h.oldest) {
            (None, Some(_), Some(oldest)) => {
                let oldest = parse_ts(oldest);
                follow
                    .0
                    .keys()
                    .filter(|t| **t <= oldest)
                    .map(|t| format_ts(*t))
                    .filter(|t| !threads.contains(t))
                    .collect()
            }
            _ => Vec::new(),
        };
        let next = match cursor {
            Some(c) => Some(Run {
                step: Step::History(History {
                    cursor: Some(c),
                    hi: lowest.map(format_ts),
                    threads,
                    ..h
                }),
                ..run
            }),
            None if !threads.is_empty() || !polls.is_empty() => Some(Run {
                step: Step::Threads(Threads {
                    i: h.i,
                    threads,
                    cursor: None,
                    polls,
                    since: h.since,
                }),
                ..run
            }),
            None => self.after_channel(run, h.i, cursors),
        };
        let more = next.is_some();
        changes.push(Run::change_or_clear(next));
        Ok(Page {
            batch: out.finish(),
            cursors: changes,
            more,
            label: format!("#{}", chan.name),
        })
    }

    /// Replies of the channel's next thread: a thread the history showed activity in is read
    /// whole (edits of earlier replies come with it); a followed one (`polls`), only after the
    /// channel's saved ts.
    async fn thread_page(
        &self,
        run: Run,
        t: Threads,
        team: &Team,
        cursors: &Cursors,
    ) -> Result<Page, ConnectorError> {
        let Threads {
            i,
            mut threads,
            cursor,
            mut polls,
            since,
        } = t;
        let chan = run.chans[i].clone();
        let (thread, oldest) = match (threads.first(), polls.first()) {
            (Some(t), _) => (t.clone(), None),
            (None, Some(t)) => (t.clone(), since.clone()),
            (None, None) => {
                let next = self.after_channel(run, i, cursors);
                let more = next.is_some();
                return Ok(Page {
                    batch: Batch::default(),
                    cursors: vec![Run::change_or_clear(next)],
                    more,
                    label: format!("#{} threads", chan.name),
                });
            }
        };
        let mut query = vec![
            ("channel", chan.id.clone()),
            ("ts", thread.clone()),
            ("limit", PAGE.to_string()),
        ];
        if let Some(o) = &oldest {
            query.push(("oldest", o.clone()));
        }
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let mut follow = Follow::parse(cursors.get(&format!("follow:{}", chan.id)));
        let body = match self.call("conversations.replies", &query).await {
            Ok(b) => b,
            // The whole thread is gone (`thread_not_found`): nothing to read, nothing to follow.
            Err(ConnectorError::Platform { .. }) => {
                follow.0.remove(&parse_ts(&thread));
                json!({ "messages": [] })
            }
            Err(e) => return Err(e),
        };
        let replies: Vec<Value> = arr(&body, "/messages")
            .iter()
            .filter(|m| str_at(m, "/ts") != Some(thread.as_str()))
            .cloned()
            .collect();
        let mut out = Mapper::new(&chan, team, self.users_names());
        out.identities = self.authors(&replies, team).await?;
        for m in &replies {
            let read = out.message(m);
            or_set_aside(
                &mut out.aside,
                "message",
                Some(&chan_context(&chan)),
                m,
                read,
            )?;
        }
        if out.newest > 0 {
            follow.bump(parse_ts(&thread), out.newest);
        }
        follow.prune(now_micros(&self.clock).saturating_sub(FOLLOW_SPAN_MICROS));
        let mut changes: Vec<CursorChange> = newest_change(&chan.id, cursors, out.newest)
            .into_iter()
            .collect();
        changes.extend(follow.change(&chan.id, cursors));
        let next_page = next_cursor(&body)
            .filter(|_| body.get("has_more").and_then(Value::as_bool) == Some(true));
        if next_page.is_none() {
            // This thread is read: on to the next one.
            if threads.is_empty() {
                polls.remove(0);
            } else {
                threads.remove(0);
            }
        }
        let next = match next_page {
            None if threads.is_empty() && polls.is_empty() => self.after_channel(run, i, cursors),
            cursor => Some(Run {
                step: Step::Threads(Threads {
                    i,
                    threads,
                    cursor,
                    polls,
                    since,
                }),
                ..run
            }),
        };
        let more = next.is_some();
        changes.push(Run::change_or_clear(next));
        Ok(Page {
            batch: out.finish(),
            cursors: changes,
            more,
            label: format!("#{} thread", chan.name),
        })
    }

    fn users_names(&self) -> HashMap<String, String> {
        self.users
            .lock()
            .map(|u| {
                u.iter()
                    .map(|(id, i)| (id.clone(), i.handle.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn target(&self, item: &Outgoing) -> Result<(String, Option<String>), ConnectorError> {
        let chosen = item.channel.as_ref().filter(|c| !c.trim().is_empty());
        let channel = match (&item.conversation_external_id, self.channels.first()) {
            (Some(c), _) => c.clone(),
            (None, _) if chosen.is_some() => chosen.cloned().unwrap_or_default(),
            (None, Some(c)) => c.clone(),
            (None, None) => {
                return Err(ConnectorError::Config(
                    "a new Slack post needs a channel: add a channel id to the account's scopes, or reply in a channel's conversation".into(),
                ))
            }
        };
        let thread = item
            .reply_to_external_id
            .as_deref()
            .filter(|_| item.conversation_external_id.is_some())
            .and_then(thread_of)
            .map(str::to_string);
        Ok((channel, thread))
    }
}

#[async_trait]
impl Connector for Slack {
    fn platform(&self) -> Platform {
        P
    }

    async fn reread(
        &self,
        kind: &str,
        raw: &Value,
        context: Option<&str>,
        _cursors: &Cursors,
    ) -> Result<Batch, ConnectorError> {
        let chan: Chan = context
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or_else(|| ConnectorError::malformed(P, "the kept record has no channel"))?;
        if kind != "message" {
            return Err(ConnectorError::malformed(P, format!("unknown kind {kind}")));
        }
        let team = self.team().await?.clone();
        let mut out = Mapper::new(&chan, &team, self.users_names());
        out.identities = self.authors(std::slice::from_ref(raw), &team).await?;
        out.message(raw)?;
        Ok(out.finish())
    }

    fn http(&self) -> &Http {
        &self.http
    }

    async fn whoami(&self) -> Result<Me, ConnectorError> {
        let team = self.fetch_team().await?;
        let me = team.me.clone();
        let _ = self.team.set(team);
        Ok(me)
    }

    async fn next_page(&self, cursors: &Cursors) -> Result<Page, ConnectorError> {
        let team = self.team().await?.clone();
        let run = cursors
            .get("run")
            .and_then(|s| serde_json::from_str::<Run>(s).ok())
            .filter(Run::in_range)
            .unwrap_or(Run {
                step: Step::Channels {
                    cursor: None,
                    public_only: false,
                },
                chans: Vec::new(),
            });
        match run.step.clone() {
            Step::Channels {
                cursor,
                public_only,
            } => self.channels_page(run, cursor, public_only).await,
            Step::Users { cursor } => self.users_page(run, cursor, &team, cursors).await,
            Step::History(h) => self.history_page(run, h, &team, cursors).await,
            Step::Threads(t) => self.thread_page(run, t, &team, cursors).await,
        }
    }

    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError> {
        let team = self.team().await?.clone();
        let (channel, thread) = self.target(item)?;
        let mut body = json!({ "channel": channel, "text": item.body, "unfurl_links": false });
        if !item.images.is_empty() {
            // With blocks, `text` is only what notifications say: the text goes in sections,
            // the images after it as image blocks on the files uploaded.
            let mut blocks: Vec<Value> = sections(&item.body)
                .into_iter()
                .map(|t| json!({ "type": "section", "text": { "type": "mrkdwn", "text": t } }))
                .collect();
            for image in &item.images {
                let file = self.upload(image).await?;
                blocks.push(json!({
                    "type": "image",
                    "slack_file": { "id": file },
                    "alt_text": image.alt,
                }));
            }
            body["blocks"] = Value::Array(blocks);
        }
        if let Some(t) = &thread {
            body["thread_ts"] = json!(t);
            body["reply_broadcast"] = json!(false);
        }
        let answer = self.post("chat.postMessage", Some(&body)).await?;
        let ts = str_at(&answer, "/ts")
            .or_else(|| str_at(&answer, "/message/ts"))
            .ok_or_else(|| ConnectorError::malformed(P, "chat.postMessage gave no ts"))?;
        let channel = str_at(&answer, "/channel").unwrap_or(&channel).to_string();
        Ok(sent(&team, &channel, thread.as_deref(), ts))
    }

    /// Every emoji reaction on the message, counted together (`reactions.get`, which needs
    /// the `reactions:read` scope).
    async fn engagement(&self, post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        let mut parts = post.external_id.split('/');
        let (Some(channel), Some(ts)) = (parts.next(), parts.next_back()) else {
            return Ok(None);
        };
        let v = self
            .call(
                "reactions.get",
                &[
                    ("channel", channel.to_string()),
                    ("timestamp", ts.to_string()),
                ],
            )
            .await?;
        Ok(Some(Engagement {
            reactions: arr(&v, "/message/reactions")
                .iter()
                .map(|r| count_at(r, "/count"))
                .sum(),
            boosts: None,
        }))
    }

    /// Deletes a message (`chat.delete`): a bot token deletes its own messages; a member's
    /// needs a user token of a workspace admin. One already gone counts as done.
    async fn moderate(&self, action: &Moderation) -> Result<Sent, ConnectorError> {
        let (ModActionKind::Delete, Some(id)) = (action.action, &action.message_external_id) else {
            return Err(ConnectorError::Platform {
                platform: P,
                detail: format!(
                    "Slack has no way to {} through its API",
                    action.action.as_str()
                ),
            });
        };
        let mut parts = id.split('/');
        let (Some(channel), Some(ts)) = (parts.next(), parts.next_back()) else {
            return Err(ConnectorError::malformed(
                P,
                "the message id names no channel",
            ));
        };
        let body = json!({ "channel": channel, "ts": ts });
        let done = Sent {
            external_id: id.clone(),
            url: None,
        };
        match self.post("chat.delete", Some(&body)).await {
            Ok(_) => Ok(done),
            Err(ConnectorError::Platform { detail, .. })
                if detail.contains("message_not_found") =>
            {
                Ok(done)
            }
            Err(e) => Err(e),
        }
    }

    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError> {
        let team = self.team().await?.clone();
        let (channel, thread) = self.target(item)?;
        let body = match &thread {
            Some(t) => {
                self.call(
                    "conversations.replies",
                    &[
                        ("channel", channel.clone()),
                        ("ts", t.clone()),
                        ("limit", PAGE.to_string()),
                    ],
                )
                .await?
            }
            None => {
                self.call(
                    "conversations.history",
                    &[
                        ("channel", channel.clone()),
                        ("limit", FIND_SENT_WINDOW.to_string()),
                    ],
                )
                .await?
            }
        };
        let want = item.body.trim();
        let found = arr(&body, "/messages").iter().rev().find(|m| {
            let ours = str_at(m, "/user") == Some(team.me.external_id.as_str())
                || (team.bot_id.is_some() && str_at(m, "/bot_id") == team.bot_id.as_deref());
            let same = str_at(m, "/text").map(|t| unescape(t.trim())) == Some(unescape(want))
                && sent_after(item, str_at(m, "/ts").map(|ts| ts_millis(parse_ts(ts))));
            ours && same && str_at(m, "/ts") != thread.as_deref()
        });
        Ok(found
            .and_then(|m| str_at(m, "/ts"))
            .map(|ts| sent(&team, &channel, thread.as_deref(), ts)))
    }
}

/// The most a section block's text holds.
const SECTION_CHARS: usize = 3_000;

/// `text` cut into section-sized parts, at a line break where there is one.
fn sections(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((limit, _)) = rest.char_indices().nth(SECTION_CHARS) else {
            out.push(rest.to_string());
            break;
        };
        let cut = rest[..limit]
            .rfind('\n')
            .filter(|i| *i > 0)
            .unwrap_or(limit);
        out.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    out
}

fn sent(team: &Team, channel: &str, thread: Option<&str>, ts: &str) -> Sent {
    Sent {
        external_id: message_id(channel, thread, ts),
        url: Some(permalink(&team.url, channel, thread, ts)),
    }
}

/// Slack answers `{"ok": false, "error": "…"}`, usually with HTTP 200: say what it means.
fn check(headers: &HeaderMap, body: Value) -> Result<Value, ConnectorError> {
    if body.get("ok").and_then(Value::as_bool) == Some(true) {
        return Ok(body);
    }
    let code = str_at(&body, "/error").unwrap_or("no explanation given");
    Err(slack_error(code, &body, headers))
}

/// What a Slack error code means for the user.
pub fn slack_error(code: &str, body: &Value, headers: &HeaderMap) -> ConnectorError {
    let auth = |detail: &str| ConnectorError::Auth {
        platform: P,
        detail: detail.to_string(),
    };
    let refused = |detail: String| ConnectorError::Forbidden {
        platform: P,
        detail,
    };
    match code {
        "ratelimited" | "rate_limited" => ConnectorError::RateLimited {
            platform: P,
            wait: http::retry_after(headers).unwrap_or(Duration::from_secs(30)),
        },
        "invalid_auth" => auth("the token is not valid"),
        "not_authed" => auth("no token was sent"),
        "token_revoked" => auth("the token was revoked"),
        "token_expired" => auth("the token expired"),
        "account_inactive" => auth("the app or its user was deactivated"),
        "missing_scope" => refused(format!(
            "the Slack app lacks the {} permission; add it under OAuth & Permissions and reinstall the app",
            str_at(body, "/needed").unwrap_or("needed")
        )),
        "not_in_channel" => refused(
            "the Hearth app is not in this channel; invite it with /invite and try again".into(),
        ),
        "channel_not_found" => refused(
            "the channel does not exist or the app cannot see it; check the channel ids in the account's scopes".into(),
        ),
        "is_archived" => refused("the channel is archived".into()),
        "cant_delete_message" => refused(
            "Slack lets an app delete only its own messages; a member's message needs the token of a workspace admin (a user token with chat:write)".into(),
        ),
        "msg_too_long" => ConnectorError::Platform {
            platform: P,
            detail: "the message is too long".into(),
        },
        "internal_error" | "fatal_error" => ConnectorError::Unavailable {
            platform: P,
            status: 500,
        },
        "service_unavailable" => ConnectorError::Unavailable {
            platform: P,
            status: 503,
        },
        "request_timeout" => ConnectorError::Timeout { platform: P },
        other => ConnectorError::Platform {
            platform: P,
            detail: crate::text::shorten(other, 100),
        },
    }
}

/// The run in progress, saved in the `run` cursor.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Run {
    step: Step,
    chans: Vec<Chan>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "lowercase")]
enum Step {
    Channels {
        cursor: Option<String>,
        /// The token lacks `groups:read`: list public channels only.
        #[serde(default)]
        public_only: bool,
    },
    Users {
        cursor: Option<String>,
    },
    History(History),
    Threads(Threads),
}

/// Reading channel `i`'s history, one page at a time.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct History {
    i: usize,
    cursor: Option<String>,
    /// Read back to here (exclusive); `None` = the whole history.
    oldest: Option<String>,
    /// The lowest ts of the page before (everything above is judged).
    hi: Option<String>,
    /// The channel's saved ts when this pass started.
    since: Option<String>,
    /// Thread parents whose replies are still to read.
    threads: Vec<String>,
}

/// Reading channel `i`'s thread replies, one thread page at a time.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Threads {
    i: usize,
    /// Threads to read whole.
    threads: Vec<String>,
    cursor: Option<String>,
    /// Followed threads to ask for replies after `since`, once `threads` are read.
    #[serde(default)]
    polls: Vec<String>,
    /// The channel's saved ts when this pass started.
    #[serde(default)]
    since: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chan {
    id: String,
    name: String,
    created: Millis,
}

impl Run {
    fn in_range(&self) -> bool {
        match self.step {
            Step::History(History { i, .. }) | Step::Threads(Threads { i, .. }) => {
                i < self.chans.len()
            }
            _ => true,
        }
    }

    fn change(&self) -> CursorChange {
        // Plain strings and numbers always serialise.
        CursorChange::set("run", serde_json::to_string(self).unwrap_or_default())
    }

    fn change_or_clear(next: Option<Run>) -> CursorChange {
        match next {
            Some(r) => r.change(),
            None => CursorChange::clear("run"),
        }
    }
}

/// Recently active threads of a channel: parent ts (µs) → latest reply ts (µs).
#[derive(Debug, Default)]
struct Follow(BTreeMap<u128, u128>);

impl Follow {
    fn parse(s: Option<&str>) -> Follow {
        Follow(
            pairs(s)
                .map(|(t, l)| (parse_ts(t), parse_ts(l)))
                .filter(|(t, _)| *t > 0)
                .collect(),
        )
    }

    fn bump(&mut self, parent: u128, latest: u128) {
        let e = self.0.entry(parent).or_insert(latest);
        *e = (*e).max(latest);
    }

    /// Drops threads quiet since `before`, then the least recently active above the cap.
    fn prune(&mut self, before: u128) {
        self.0.retain(|_, latest| *latest >= before);
        if self.0.len() > FOLLOW_MAX {
            let mut by_latest: Vec<(u128, u128)> = self.0.iter().map(|(t, l)| (*l, *t)).collect();
            by_latest.sort_unstable_by(|a, b| b.cmp(a));
            self.0 = by_latest
                .into_iter()
                .take(FOLLOW_MAX)
                .map(|(l, t)| (t, l))
                .collect();
        }
    }

    fn change(&self, chan: &str, cursors: &Cursors) -> Option<CursorChange> {
        let entries = self
            .0
            .iter()
            .map(|(t, l)| format!("{}:{}", format_ts(*t), format_ts(*l)));
        pairs_change(format!("follow:{chan}"), entries, cursors)
    }
}

/// The `key:value` entries of a comma-separated cursor.
fn pairs(s: Option<&str>) -> impl Iterator<Item = (&str, &str)> {
    s.unwrap_or("").split(',').filter_map(|p| p.split_once(':'))
}

/// The change that stores `entries` comma-separated under `key`, unless it holds them already.
fn pairs_change(
    key: String,
    entries: impl Iterator<Item = String>,
    cursors: &Cursors,
) -> Option<CursorChange> {
    let value = entries.collect::<Vec<_>>().join(",");
    (cursors.get(&key).unwrap_or("") != value).then(|| CursorChange::set(key, value))
}

fn newest_change(chan: &str, cursors: &Cursors, newest: u128) -> Option<CursorChange> {
    let key = format!("chan:{chan}");
    let stored = cursors.get(&key).map(parse_ts).unwrap_or(0);
    (newest > stored).then(|| CursorChange::set(key, format_ts(newest)))
}

/// Turns Slack messages of one channel into a [`Batch`].
struct Mapper<'a> {
    chan: &'a Chan,
    team: &'a Team,
    names: HashMap<String, String>,
    identities: BTreeMap<String, IncomingIdentity>,
    messages: Vec<IncomingMessage>,
    /// Records that could not be read, kept aside with their payload.
    aside: Vec<Quarantined>,
    newest: u128,
}

impl<'a> Mapper<'a> {
    fn new(chan: &'a Chan, team: &'a Team, names: HashMap<String, String>) -> Self {
        Mapper {
            aside: Vec::new(),
            chan,
            team,
            names,
            identities: BTreeMap::new(),
            messages: Vec::new(),
            newest: 0,
        }
    }

    /// Maps one message; returns its author when it was kept.
    fn message(&mut self, m: &Value) -> Result<Option<String>, ConnectorError> {
        let ts =
            str_at(m, "/ts").ok_or_else(|| ConnectorError::malformed(P, "a message has no ts"))?;
        self.newest = self.newest.max(parse_ts(ts));
        if str_at(m, "/subtype").is_some_and(|s| !TALK_SUBTYPES.contains(&s)) {
            return Ok(None);
        }
        let Some(author) = author_of(m) else {
            return Ok(None);
        };
        if !self.identities.contains_key(&author) {
            // `authors` provides everyone; this only guards against a message it skipped.
            self.identities
                .insert(author.clone(), bot_identity(m, &author));
        }
        let thread = str_at(m, "/thread_ts").filter(|t| *t != ts);
        let raw_text = str_at(m, "/text").unwrap_or("");
        let me = &self.team.me.external_id;
        let mentions_us = author != *me
            && (raw_text.contains(&format!("<@{me}>"))
                || raw_text.contains(&format!("<@{me}|"))
                || m.get("blocks").is_some_and(|b| mentions_user(b, me)));
        let mut text = readable(raw_text, &self.names);
        for f in arr(m, "/files") {
            if let Some(link) = str_at(f, "/permalink").or_else(|| str_at(f, "/url_private")) {
                text.push_str(&format!("\n{link}"));
            }
        }
        self.messages.push(IncomingMessage {
            conversation_external_id: self.chan.id.clone(),
            external_id: message_id(&self.chan.id, thread, ts),
            author_external_id: author.clone(),
            text: text.trim().to_string(),
            html: None,
            created_at: ts_millis(parse_ts(ts)),
            edited_at: str_at(m, "/edited/ts").map(|t| ts_millis(parse_ts(t))),
            deleted_at: None,
            reply_to_external_id: thread.map(|t| message_id(&self.chan.id, None, t)),
            url: Some(permalink(&self.team.url, &self.chan.id, thread, ts)),
            mentions_us,
        });
        Ok(Some(author))
    }

    fn deleted(&mut self, ts: &str, thread: Option<&str>, author: &str, now: Millis) {
        self.messages.push(IncomingMessage {
            conversation_external_id: self.chan.id.clone(),
            external_id: message_id(&self.chan.id, thread, ts),
            author_external_id: author.to_string(),
            text: String::new(),
            html: None,
            created_at: ts_millis(parse_ts(ts)),
            edited_at: None,
            deleted_at: Some(now),
            reply_to_external_id: thread.map(|t| message_id(&self.chan.id, None, t)),
            url: Some(permalink(&self.team.url, &self.chan.id, thread, ts)),
            mentions_us: false,
        });
    }

    fn finish(self) -> Batch {
        let conversations = if self.messages.is_empty() {
            Vec::new()
        } else {
            let created = if self.chan.created > 0 {
                self.chan.created
            } else {
                self.messages
                    .iter()
                    .map(|m| m.created_at)
                    .min()
                    .unwrap_or(0)
            };
            vec![IncomingConversation {
                external_id: self.chan.id.clone(),
                kind: ConversationKind::Channel,
                title: Some(format!("#{}", self.chan.name)),
                container: self.team.name.clone(),
                url: Some(format!("{}archives/{}", self.team.url, self.chan.id)),
                created_at: created,
            }]
        };
        let used: BTreeSet<&str> = self
            .messages
            .iter()
            .map(|m| m.author_external_id.as_str())
            .collect();
        let identities = self
            .identities
            .into_iter()
            .filter(|(id, _)| used.contains(id.as_str()))
            .map(|(_, i)| i)
            .collect();
        Batch {
            quarantined: self.aside,
            identities,
            conversations,
            messages: self.messages,
        }
    }
}

/// Who wrote a message: its user, or for an integration without one, its bot.
fn author_of(m: &Value) -> Option<String> {
    str_at(m, "/user")
        .or_else(|| str_at(m, "/bot_id"))
        .map(str::to_string)
}

/// A workspace user with all the profile Slack gives (email needs `users:read.email`).
fn user_identity(u: &Value, team_url: &str) -> IncomingIdentity {
    let id = str_at(u, "/id").unwrap_or_default();
    let nonempty = |p: &str| str_at(u, p).filter(|s| !s.trim().is_empty());
    IncomingIdentity {
        external_id: id.to_string(),
        handle: nonempty("/name").unwrap_or(id).to_string(),
        display_name: nonempty("/profile/real_name")
            .or_else(|| nonempty("/real_name"))
            .or_else(|| nonempty("/profile/display_name"))
            .map(str::to_string),
        email: nonempty("/profile/email").map(str::to_string),
        profile_url: Some(format!("{team_url}team/{id}")),
        avatar_url: [
            "/profile/image_512",
            "/profile/image_192",
            "/profile/image_72",
        ]
        .iter()
        .find_map(|p| nonempty(p))
        .map(str::to_string),
        organization: None,
        bio: nonempty("/profile/title").map(str::to_string),
        location: None,
        raw: Some(u.to_string()),
        joined_at: None,
    }
}

/// An integration that posts without a user: its bot profile is all there is.
fn bot_identity(m: &Value, id: &str) -> IncomingIdentity {
    let name = str_at(m, "/bot_profile/name")
        .or_else(|| str_at(m, "/username"))
        .unwrap_or(id);
    IncomingIdentity {
        external_id: id.to_string(),
        handle: name.to_string(),
        display_name: Some(name.to_string()),
        avatar_url: str_at(m, "/bot_profile/icons/image_72").map(str::to_string),
        ..Default::default()
    }
}

fn slackbot() -> IncomingIdentity {
    IncomingIdentity {
        external_id: "USLACKBOT".into(),
        handle: "slackbot".into(),
        display_name: Some("Slackbot".into()),
        ..Default::default()
    }
}

fn mentions_user(v: &Value, me: &str) -> bool {
    match v {
        Value::Object(o) => {
            (o.get("type").and_then(Value::as_str) == Some("user")
                && o.get("user_id").and_then(Value::as_str) == Some(me))
                || o.values().any(|x| mentions_user(x, me))
        }
        Value::Array(a) => a.iter().any(|x| mentions_user(x, me)),
        _ => false,
    }
}

/// Slack's markup made readable: `<@U1>` → `@name`, `<#C1|help>` → `#help`, `<!here>` →
/// `@here`, `<url|label>` → `label (url)`, and `&amp;`/`&lt;`/`&gt;` unescaped.
fn readable(text: &str, names: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &rest[start + 1..start + len];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l)),
            None => (inner, None),
        };
        let piece = if let Some(user) = target.strip_prefix('@') {
            format!(
                "@{}",
                label
                    .or(names.get(user).map(String::as_str))
                    .unwrap_or(user)
            )
        } else if let Some(chan) = target.strip_prefix('#') {
            format!("#{}", label.unwrap_or(chan))
        } else if let Some(special) = target.strip_prefix('!') {
            match label {
                Some(l) => l.to_string(),
                None => format!("@{}", special.split('^').next().unwrap_or(special)),
            }
        } else {
            match label {
                Some(l) if l != target && !target.ends_with(l) => format!("{l} ({target})"),
                Some(l) => l.to_string(),
                None => target.trim_start_matches("mailto:").to_string(),
            }
        };
        out.push_str(&piece);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    unescape(&out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `{channel}/{ts}`, or `{channel}/{thread_ts}/{ts}` for a thread reply.
fn message_id(channel: &str, thread: Option<&str>, ts: &str) -> String {
    match thread.filter(|t| *t != ts) {
        Some(t) => format!("{channel}/{t}/{ts}"),
        None => format!("{channel}/{ts}"),
    }
}

/// The thread a message id belongs to (its own ts for a channel message).
fn thread_of(id: &str) -> Option<&str> {
    let mut parts = id.split('/');
    let _channel = parts.next()?;
    parts.next()
}

fn permalink(team_url: &str, channel: &str, thread: Option<&str>, ts: &str) -> String {
    let p: String = ts.chars().filter(char::is_ascii_digit).collect();
    match thread.filter(|t| *t != ts) {
        Some(t) => format!("{team_url}archives/{channel}/p{p}?thread_ts={t}&cid={channel}"),
        None => format!("{team_url}archives/{channel}/p{p}"),
    }
}

/// A ts (`"1777885927.481229"`) as microseconds; 0 when it is not one. Never a float.
/// What a message kept aside needs to be read again: its channel.
fn chan_context(chan: &Chan) -> String {
    serde_json::to_string(chan).unwrap_or_default()
}

/// A Slack message timestamp, in µs: a key of the re-read window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ts(u128);

impl WindowKey for Ts {
    fn read(s: &str) -> Option<Self> {
        Some(Ts(parse_ts(s))).filter(|t| t.0 > 0)
    }
    fn write(&self) -> String {
        format_ts(self.0)
    }
}

fn parse_ts(ts: &str) -> u128 {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, ""));
    let Ok(secs) = secs.parse::<u128>() else {
        return 0;
    };
    let digits: String = frac.chars().take(6).collect();
    let micros = format!("{digits:0<6}").parse::<u128>().unwrap_or(0);
    secs * 1_000_000 + micros
}

fn format_ts(micros: u128) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

fn ts_millis(micros: u128) -> Millis {
    (micros / 1000) as Millis
}

fn now_micros(clock: &Clock) -> u128 {
    u128::try_from(clock()).unwrap_or(0) * 1000
}

fn next_cursor(body: &Value) -> Option<String> {
    str_at(body, "/response_metadata/next_cursor")
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_into_sections_at_line_breaks() {
        assert_eq!(sections("  short  "), ["short"]);
        assert!(sections("").is_empty());
        let para = "a".repeat(2_000);
        let text = format!("{para}\n{para}\n{para}");
        let parts = sections(&text);
        // any two paragraphs pass 3,000 characters: each is a section of its own
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| *p == para));
        assert!(parts.iter().all(|p| p.chars().count() <= SECTION_CHARS));
        // no line break within the limit: cut at the limit
        let one = "b".repeat(SECTION_CHARS + 10);
        let cut = sections(&one);
        assert_eq!(cut.len(), 2);
        assert_eq!(cut[0].chars().count(), SECTION_CHARS);
    }

    #[test]
    fn timestamps_compare_as_numbers_not_floats() {
        assert_eq!(parse_ts("1777885927.481229"), 1_777_885_927_481_229);
        assert_eq!(
            format_ts(parse_ts("1777885200.000000")),
            "1777885200.000000"
        );
        assert!(parse_ts("1777886441.302119") > parse_ts("1777886441.3021"));
        assert_eq!(parse_ts("garbage"), 0);
    }

    #[test]
    fn slack_markup_reads_like_the_slack_client_shows_it() {
        let names = HashMap::from([("U07HRTH8B0T".to_string(), "hearth".to_string())]);
        assert_eq!(
            readable(
                "<!here> agenda in <#C04GNRL5KX2|general>, ask <@U07HRTH8B0T> &amp; see <https://x.example/d|the docs> or <https://y.example>",
                &names
            ),
            "@here agenda in #general, ask @hearth & see the docs (https://x.example/d) or https://y.example"
        );
    }

    #[test]
    fn followed_threads_keep_the_most_recently_active_and_drop_quiet_ones() {
        let mut f = Follow::default();
        let day = 24 * 3600 * 1_000_000u128;
        // Parent i had its latest reply on day i.
        for i in 1..=(FOLLOW_MAX as u128 + 20) {
            f.bump(i, i * day);
        }
        f.bump(5, 200 * day); // an old parent with a fresh reply
        f.prune(10 * day);
        assert_eq!(f.0.len(), FOLLOW_MAX);
        assert_eq!(f.0.get(&5), Some(&(200 * day)), "kept: replied to lately");
        assert!(
            !f.0.contains_key(&9),
            "dropped: quiet since before the span"
        );
        assert!(
            !f.0.contains_key(&21) && f.0.contains_key(&22),
            "over the cap, the least recently active go"
        );
        let stored = f.change("C1", &Cursors::default()).and_then(|c| c.value);
        let back = Follow::parse(stored.as_deref());
        assert_eq!(back.0, f.0, "the cursor keeps them as they are");
    }

    /// A run saved by an earlier Hearth (before polls, as flat fields) resumes where it stopped.
    #[test]
    fn a_run_saved_before_followed_threads_still_resumes() {
        let saved =
            r#"{"step":{"step":"threads","i":1,"threads":["1.000001"],"cursor":null},"chans":[]}"#;
        let run: Run = serde_json::from_str(saved).expect("the saved run parses");
        match run.step {
            Step::Threads(t) => {
                assert_eq!(
                    (t.i, t.threads.as_slice(), t.polls.len()),
                    (1, &["1.000001".to_string()][..], 0)
                );
            }
            other => panic!("{other:?}"),
        }
        let again = serde_json::to_string(&Run {
            step: Step::History(History {
                i: 0,
                cursor: None,
                oldest: None,
                hi: None,
                since: None,
                threads: vec![],
            }),
            chans: vec![],
        })
        .expect("serialises");
        assert!(again.contains(r#""step":"history","i":0"#), "{again}");
    }

    #[test]
    fn a_reply_knows_its_thread_from_its_id() {
        assert_eq!(thread_of("C1/1.000001"), Some("1.000001"));
        assert_eq!(thread_of("C1/1.000001/2.000002"), Some("1.000001"));
        assert_eq!(message_id("C1", Some("1.1"), "1.1"), "C1/1.1");
    }
}
