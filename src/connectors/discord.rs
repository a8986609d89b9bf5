//! Discord connector (REST API v10, bot token). Owns: reading a guild's members, its text
//! channels and their messages into Hearth (a channel is a `Channel` conversation titled
//! "#name"; thread channels are `Thread`s), noticing edits and deletions by re-reading a recent
//! window of each channel, and sending replies with a nonce Discord enforces.
//! Must never: put the token in an error, a label or `raw`; sleep (the engine waits); keep
//! state outside the cursors the engine hands in (the `me` cache is re-fetched when missing).
//!
//! Scopes: a guild id per entry, or `guild/channel` to sync only that channel (the first such
//! channel is also where new posts go).
//!
//! Cursors (all state a run needs to resume):
//! - `run` — JSON of the pass in progress: guild index, step (`channels`, `members` after a user
//!   id, `messages` of channel *i*, `recheck` of channel *i*) and the channels listed at its start.
//!   Cleared when the run ends.
//! - `chan:{id}` — the highest message id committed in a channel (snowflakes compared as `u64`).
//! - `win:{id}` — `id:author` pairs of the newest messages known to exist in a channel, so a
//!   re-read of the newest window can tell which of them disappeared (REST has no tombstones).
//! - `roles:{guild}` — the bot's roles there, so mentions of those roles count as mentions of us.
//! - `threads:{guild}` — the threads read in the last run (JSON). Threads are listed only while
//!   active (`/guilds/{g}/threads/active`), so one that archived since is still read while its
//!   newest message is less than a week old.
//!
//! Members are re-listed on every run (the list is ordered by user id, so paging "after the
//! last one" would miss newcomers with old accounts). Mentions of the account are mentions of
//! the bot user or of one of its roles (`@everyone` is not counted).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use reqwest::header::{HeaderMap, USER_AGENT};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::window::Window;
use super::{arr, count_at, endpoint, or_set_aside, seg, str_at};
use crate::ingest::{Batch, IncomingConversation, IncomingIdentity, IncomingMessage, Quarantined};
use crate::model::{ConversationKind, Millis, ModActionKind, Platform};
use crate::platform::{
    parse_time, sent_after, Clock, Connector, ConnectorConfig, ConnectorError, CursorChange,
    Cursors, Engagement, Http, Me, Moderation, Outgoing, Page, PostRef, Secret, Sent,
};

const P: Platform = Platform::Discord;
/// Members per `GET /guilds/{g}/members` page (Discord's maximum).
const MEMBERS_PAGE: u32 = 1000;
/// Messages per `GET /channels/{c}/messages` page (Discord's maximum), and the re-read window.
const MESSAGES_PAGE: u32 = 100;
/// How long after its newest message a thread that is no longer listed as active is still read.
const THREAD_FOLLOW_MS: Millis = 7 * 24 * 3600 * 1000;
/// Messages looked through when checking whether a lost send went out.
const FIND_SENT_WINDOW: u32 = 50;
/// Discord's epoch (2015-01-01) in unix milliseconds: snowflakes count from it.
const DISCORD_EPOCH: u64 = 1_420_070_400_000;
/// Discord wants bots to say who they are in this shape.
const DISCORD_UA: &str = concat!(
    "DiscordBot (https://github.com/lumen-ssg/hearth, ",
    env!("CARGO_PKG_VERSION"),
    ")"
);
/// `VIEW_CHANNEL`-less channels answer 403; these message types are people talking.
const CHAT_TYPES: &[u64] = &[0, 19, 20, 21, 23];

pub struct Discord {
    base: String,
    token: Secret,
    guilds: Vec<String>,
    /// `(guild, channel)` pairs from `guild/channel` scopes.
    channels: Vec<(String, String)>,
    http: Http,
    members_page: u32,
    messages_page: u32,
    recheck: u32,
    clock: Clock,
    me: OnceCell<Me>,
}

impl Discord {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        let mut guilds = Vec::new();
        let mut channels = Vec::new();
        for scope in cfg
            .scopes
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            let (guild, channel) = match scope.split_once('/') {
                Some((g, c)) => (g.trim(), Some(c.trim())),
                None => (scope, None),
            };
            if !is_snowflake(guild) || channel.is_some_and(|c| !is_snowflake(c)) {
                return Err(ConnectorError::Config(format!(
                    "“{scope}” is not a Discord server id: use the server (guild) id, a long number such as 1070404211835011079, optionally followed by /channel id"
                )));
            }
            if !guilds.iter().any(|g| g == guild) {
                guilds.push(guild.to_string());
            }
            if let Some(c) = channel {
                channels.push((guild.to_string(), c.to_string()));
            }
        }
        Ok(Discord {
            base: cfg.base_url,
            token: cfg.secret,
            guilds,
            channels,
            http: cfg.http,
            members_page: MEMBERS_PAGE,
            messages_page: MESSAGES_PAGE,
            recheck: MESSAGES_PAGE,
            clock: cfg.clock.clone(),
            me: OnceCell::new(),
        })
    }

    /// Smaller pages (tests replaying recorded exchanges): members and messages per request;
    /// the re-read window becomes one more than a page, at most 100.
    pub fn with_page_size(mut self, n: u32) -> Self {
        let n = n.clamp(1, MEMBERS_PAGE);
        self.members_page = n;
        self.messages_page = n.min(MESSAGES_PAGE);
        self.recheck = (n + 1).min(MESSAGES_PAGE);
        self
    }

    /// How many of a channel's newest messages each run re-reads for edits and deletions.
    pub fn with_recheck_window(mut self, n: u32) -> Self {
        self.recheck = n.clamp(1, MESSAGES_PAGE);
        self
    }

    /// The clock deletions are dated with.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, endpoint(&self.base, path))
            .header(USER_AGENT, DISCORD_UA)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Bot {}", self.token.expose()),
            )
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        let req = self.request(reqwest::Method::GET, path).query(query);
        Ok(self.http.json::<Value>(P, req).await?.1)
    }

    async fn fetch_me(&self) -> Result<Me, ConnectorError> {
        let user = self.get("users/@me", &[]).await?;
        let id = str_at(&user, "/id")
            .ok_or_else(|| ConnectorError::malformed(P, "the current user has no id"))?;
        Ok(Me {
            external_id: id.to_string(),
            handle: handle_of(&user),
            display_name: Some(display_name_of(&user)),
        })
    }

    async fn me(&self) -> Result<&Me, ConnectorError> {
        self.me.get_or_try_init(|| self.fetch_me()).await
    }

    fn guild_of(&self, channel: &str) -> Option<&str> {
        self.channels
            .iter()
            .find(|(_, c)| c == channel)
            .map(|(g, _)| g.as_str())
            .or_else(|| self.guilds.first().map(String::as_str))
    }

    /// Step 1 of a guild: which channels to read, in the order Discord shows them.
    async fn channels_page(&self, run: Run, cursors: &Cursors) -> Result<Page, ConnectorError> {
        let guild = &self.guilds[run.g];
        let list = self
            .get(&format!("guilds/{}/channels", seg(guild)), &[])
            .await?;
        let list = list
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, "the channel list is not a list"))?;
        let categories: BTreeMap<&str, &str> = list
            .iter()
            .filter(|c| c.get("type").and_then(Value::as_u64) == Some(4))
            .filter_map(|c| Some((str_at(c, "/id")?, str_at(c, "/name")?)))
            .collect();
        let only: Vec<&str> = self
            .channels
            .iter()
            .filter(|(g, _)| g == guild)
            .map(|(_, c)| c.as_str())
            .collect();
        let mut chans: Vec<(i64, Chan)> = list
            .iter()
            .filter_map(|c| {
                let kind = c.get("type").and_then(Value::as_u64)?;
                // Text, announcement and thread channels hold messages.
                if !matches!(kind, 0 | 5 | 10 | 11 | 12) {
                    return None;
                }
                let id = str_at(c, "/id")?;
                if !only.is_empty() && !only.contains(&id) {
                    return None;
                }
                let parent = str_at(c, "/parent_id")
                    .and_then(|p| categories.get(p))
                    .map(|s| s.to_string());
                Some((
                    c.get("position").and_then(Value::as_i64).unwrap_or(0),
                    Chan {
                        id: id.to_string(),
                        name: str_at(c, "/name").unwrap_or(id).to_string(),
                        category: parent,
                        thread: matches!(kind, 10..=12),
                    },
                ))
            })
            .collect();
        // Threads (and every forum post) are not in the channel list: they are listed apart,
        // and only while active.
        let names: BTreeMap<&str, &str> = list
            .iter()
            .filter_map(|c| Some((str_at(c, "/id")?, str_at(c, "/name")?)))
            .collect();
        for (position, thread) in self.active_threads(guild).await?.iter().enumerate() {
            let Some(id) = str_at(thread, "/id") else {
                continue;
            };
            let parent = str_at(thread, "/parent_id");
            let wanted =
                only.is_empty() || only.contains(&id) || parent.is_some_and(|p| only.contains(&p));
            if !wanted || chans.iter().any(|(_, c)| c.id == id) {
                continue;
            }
            chans.push((
                position as i64,
                Chan {
                    id: id.to_string(),
                    name: str_at(thread, "/name").unwrap_or(id).to_string(),
                    category: parent
                        .and_then(|p| names.get(p))
                        .map(|name| format!("#{name}")),
                    thread: true,
                },
            ));
        }
        // A thread that closed (archived) since the last sync may hold messages posted before
        // it closed: the threads listed before, with a message in the last week, are read too.
        let key = format!("threads:{guild}");
        let known: Vec<Chan> = cursors
            .get(&key)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let week_ago = (self.clock)() - THREAD_FOLLOW_MS;
        for thread in known {
            let newest = cursors
                .get(&format!("chan:{}", thread.id))
                .map(snowflake)
                .unwrap_or(0);
            if newest > 0
                && snowflake_time(newest) >= week_ago
                && !chans.iter().any(|(_, c)| c.id == thread.id)
            {
                chans.push((i64::MAX, thread));
            }
        }
        chans.sort_by_key(|(position, c)| (c.thread, *position));
        let threads: Vec<&Chan> = chans.iter().map(|(_, c)| c).filter(|c| c.thread).collect();
        // Plain strings always serialise.
        let threads = serde_json::to_string(&threads).unwrap_or_default();
        let next = Run {
            g: run.g,
            step: Step::Members {
                after: "0".to_string(),
            },
            chans: chans.into_iter().map(|(_, c)| c).collect(),
        };
        let mut changes = vec![next.change()];
        if cursors.get(&key) != Some(threads.as_str()) {
            changes.push(CursorChange::set(key, threads));
        }
        Ok(Page {
            batch: Batch::default(),
            cursors: changes,
            more: true,
            label: "channels".into(),
        })
    }

    /// The guild's active threads (`GET /guilds/{g}/threads/active`), or none when the bot may
    /// not list them: the channels still sync.
    async fn active_threads(&self, guild: &str) -> Result<Vec<Value>, ConnectorError> {
        match self
            .get(&format!("guilds/{}/threads/active", seg(guild)), &[])
            .await
        {
            Ok(v) => Ok(v
                .get("threads")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|t| {
                    t.get("type")
                        .and_then(Value::as_u64)
                        .is_some_and(|k| matches!(k, 10..=12))
                })
                .cloned()
                .collect()),
            Err(ConnectorError::Forbidden { .. } | ConnectorError::NotFound { .. }) => {
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }

    async fn members_page(
        &self,
        run: Run,
        after: &str,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<Page, ConnectorError> {
        let guild = self.guilds[run.g].clone();
        let mut query = vec![("limit", self.members_page.to_string())];
        if after != "0" {
            query.push(("after", after.to_string()));
        }
        let list = self
            .get(&format!("guilds/{}/members", seg(&guild)), &query)
            .await?;
        let list = list
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, "the member list is not a list"))?;
        let mut batch = Batch::default();
        let mut highest = snowflake(after);
        let mut changes = Vec::new();
        for member in list {
            let Some(user) = member.get("user") else {
                continue;
            };
            let Some(id) = str_at(user, "/id") else {
                continue;
            };
            highest = highest.max(snowflake(id));
            batch
                .identities
                .push(member_identity(&guild, member, user)?);
            if id == me.external_id {
                let roles = strings(member, "/roles").join(",");
                let key = format!("roles:{guild}");
                if cursors.get(&key) != Some(roles.as_str()) {
                    changes.push(CursorChange::set(key, roles));
                }
            }
        }
        let full = list.len() as u32 >= self.members_page && highest > snowflake(after);
        let next = if full {
            Some(Run {
                step: Step::Members {
                    after: highest.to_string(),
                },
                ..run
            })
        } else {
            self.first_channel(run, cursors)
        };
        let more = next.is_some();
        changes.push(Run::change_or_clear(next));
        Ok(Page {
            batch,
            cursors: changes,
            more,
            label: "members".into(),
        })
    }

    /// Where a run goes once a guild's members are read: its first channel, or the next guild.
    fn first_channel(&self, run: Run, cursors: &Cursors) -> Option<Run> {
        match run.chans.first() {
            Some(c) => {
                let recheck = cursors.get(&format!("chan:{}", c.id)).is_some();
                Some(Run {
                    step: Step::Messages { i: 0, recheck },
                    ..run
                })
            }
            None => self.next_guild(run.g),
        }
    }

    fn next_channel(&self, run: Run, i: usize, cursors: &Cursors) -> Option<Run> {
        match run.chans.get(i + 1) {
            Some(c) => {
                let recheck = cursors.get(&format!("chan:{}", c.id)).is_some();
                Some(Run {
                    step: Step::Messages { i: i + 1, recheck },
                    ..run
                })
            }
            None => self.next_guild(run.g),
        }
    }

    fn next_guild(&self, g: usize) -> Option<Run> {
        (g + 1 < self.guilds.len()).then(|| Run {
            g: g + 1,
            step: Step::Channels,
            chans: Vec::new(),
        })
    }

    /// New messages of channel `i`, oldest first, after the saved cursor.
    async fn messages_page(
        &self,
        run: Run,
        i: usize,
        recheck: bool,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<Page, ConnectorError> {
        let chan = run.chans[i].clone();
        let guild = self.guilds[run.g].clone();
        let key = format!("chan:{}", chan.id);
        let after = cursors.get(&key).unwrap_or("0").to_string();
        let query = [
            ("after", after.clone()),
            ("limit", self.messages_page.to_string()),
        ];
        let list = match self
            .get(&format!("channels/{}/messages", seg(&chan.id)), &query)
            .await
        {
            Ok(list) => list,
            // The bot may not read every channel (private ones): skip it, keep the rest.
            Err(ConnectorError::Forbidden { .. } | ConnectorError::NotFound { .. }) => {
                let next = self.next_channel(run, i, cursors);
                let more = next.is_some();
                return Ok(Page {
                    batch: Batch::default(),
                    cursors: vec![Run::change_or_clear(next)],
                    more,
                    label: format!("{} (not readable by the bot, skipped)", chan.label()),
                });
            }
            Err(e) => return Err(e),
        };
        let list = list
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, "the message list is not a list"))?;
        check_content_intent(list, me)?;
        let roles = roles(cursors, &guild);
        let mut out = Mapper::new(&guild, &chan, me, &roles);
        // Discord answers newest first even with `after`: write oldest first.
        let mut sorted: Vec<&Value> = list.iter().collect();
        sorted.sort_by_key(|m| str_at(m, "/id").map(snowflake).unwrap_or(0));
        let mut highest = snowflake(&after);
        for m in &sorted {
            if let Some(id) = str_at(m, "/id") {
                highest = highest.max(snowflake(id));
            }
            let read = out.message(m);
            or_set_aside(
                &mut out.aside,
                "message",
                Some(&context(&guild, &chan)),
                m,
                read,
            )?;
        }
        let mut changes = Vec::new();
        if highest > snowflake(&after) {
            changes.push(CursorChange::set(key, highest.to_string()));
        }
        let mut window = Window::<u64>::parse(cursors.get(&format!("win:{}", chan.id)));
        for (id, author) in &out.seen {
            window.insert(*id, author);
        }
        window.keep_newest(self.recheck as usize);
        changes.extend(window.change(&chan.id, cursors));
        let full = list.len() as u32 >= self.messages_page && highest > snowflake(&after);
        let next = if full {
            Some(run)
        } else if recheck {
            Some(Run {
                step: Step::Recheck { i },
                ..run
            })
        } else {
            self.next_channel(run, i, cursors)
        };
        let more = next.is_some();
        if !full {
            changes.push(Run::change_or_clear(next));
        }
        Ok(Page {
            batch: out.finish(),
            cursors: changes,
            more,
            label: chan.label(),
        })
    }

    /// Re-reads the newest messages of channel `i`: edits come back with their new text, and a
    /// message known to exist inside the re-read (contiguous) range that is missing was deleted.
    async fn recheck_page(
        &self,
        run: Run,
        i: usize,
        cursors: &Cursors,
        me: &Me,
    ) -> Result<Page, ConnectorError> {
        let chan = run.chans[i].clone();
        let guild = self.guilds[run.g].clone();
        let list = match self
            .get(
                &format!("channels/{}/messages", seg(&chan.id)),
                &[("limit", self.recheck.to_string())],
            )
            .await
        {
            Ok(list) => list,
            // Unreadable now: judge nothing (an empty answer would look like mass deletion).
            Err(ConnectorError::Forbidden { .. } | ConnectorError::NotFound { .. }) => {
                let next = self.next_channel(run, i, cursors);
                let more = next.is_some();
                return Ok(Page {
                    batch: Batch::default(),
                    cursors: vec![Run::change_or_clear(next)],
                    more,
                    label: format!("{} (not readable by the bot, skipped)", chan.label()),
                });
            }
            Err(e) => return Err(e),
        };
        let list = list
            .as_array()
            .ok_or_else(|| ConnectorError::malformed(P, "the message list is not a list"))?;
        let roles = roles(cursors, &guild);
        let mut out = Mapper::new(&guild, &chan, me, &roles);
        let mut sorted: Vec<&Value> = list.iter().collect();
        sorted.sort_by_key(|m| str_at(m, "/id").map(snowflake).unwrap_or(0));
        let returned: BTreeSet<u64> = sorted
            .iter()
            .filter_map(|m| str_at(m, "/id").map(snowflake))
            .collect();
        for m in &sorted {
            let read = out.message(m);
            or_set_aside(
                &mut out.aside,
                "message",
                Some(&context(&guild, &chan)),
                m,
                read,
            )?;
        }
        // The answer is the newest `recheck` messages, without gaps: everything known from its
        // oldest message on (or from the start, when it is shorter than asked) must be in it.
        let from = if (list.len() as u32) < self.recheck {
            0
        } else {
            returned.first().copied().unwrap_or(0)
        };
        let key = format!("win:{}", chan.id);
        let known = Window::<u64>::parse(cursors.get(&key));
        let now = (self.clock)();
        let mut window = Window::default();
        for (id, author) in &known.0 {
            if *id >= from && !returned.contains(id) {
                out.deleted(*id, author, now);
            } else if *id < from {
                window.insert(*id, author);
            }
        }
        for (id, author) in &out.seen {
            window.insert(*id, author);
        }
        window.keep_newest(self.recheck as usize);
        let mut changes: Vec<CursorChange> = window.change(&chan.id, cursors).into_iter().collect();
        let chan_key = format!("chan:{}", chan.id);
        let stored = cursors.get(&chan_key).map(snowflake).unwrap_or(0);
        if let Some(newest) = returned.last().copied().filter(|n| *n > stored) {
            changes.push(CursorChange::set(chan_key, newest.to_string()));
        }
        let next = self.next_channel(run, i, cursors);
        let more = next.is_some();
        changes.push(Run::change_or_clear(next));
        Ok(Page {
            batch: out.finish(),
            cursors: changes,
            more,
            label: format!("{} (edits and deletions)", chan.label()),
        })
    }

    /// Where a post goes: the conversation replied in, or the first `guild/channel` scope.
    fn target_channel(&self, item: &Outgoing) -> Result<String, ConnectorError> {
        let chosen = item.channel.as_ref().filter(|c| !c.trim().is_empty());
        match (&item.conversation_external_id, self.channels.first()) {
            (Some(c), _) => Ok(c.clone()),
            (None, _) if chosen.is_some() => Ok(chosen.cloned().unwrap_or_default()),
            (None, Some((_, c))) => Ok(c.clone()),
            (None, None) => Err(ConnectorError::Config(
                "a new Discord post needs a channel: add guild-id/channel-id to the account's scopes, or reply in a channel's conversation".into(),
            )),
        }
    }
}

#[async_trait]
impl Connector for Discord {
    fn platform(&self) -> Platform {
        P
    }

    async fn reread(
        &self,
        kind: &str,
        raw: &Value,
        context: Option<&str>,
        cursors: &Cursors,
    ) -> Result<Batch, ConnectorError> {
        let (guild, chan): (String, Chan) = context
            .and_then(|c| serde_json::from_str::<Value>(c).ok())
            .and_then(|c| {
                Some((
                    str_at(&c, "/guild")?.to_string(),
                    serde_json::from_value(c.get("chan")?.clone()).ok()?,
                ))
            })
            .ok_or_else(|| ConnectorError::malformed(P, "the kept record has no channel"))?;
        if kind != "message" {
            return Err(ConnectorError::malformed(P, format!("unknown kind {kind}")));
        }
        let me = self.me().await?.clone();
        let roles = roles(cursors, &guild);
        let mut out = Mapper::new(&guild, &chan, &me, &roles);
        out.message(raw)?;
        Ok(out.finish())
    }

    fn http(&self) -> &Http {
        &self.http
    }

    async fn whoami(&self) -> Result<Me, ConnectorError> {
        let me = self.fetch_me().await?;
        let _ = self.me.set(me.clone());
        Ok(me)
    }

    async fn next_page(&self, cursors: &Cursors) -> Result<Page, ConnectorError> {
        if self.guilds.is_empty() {
            return Err(ConnectorError::Config(
                "add the Discord server (guild) id to the account's scopes".into(),
            ));
        }
        let me = self.me().await?.clone();
        let run = cursors
            .get("run")
            .and_then(|s| serde_json::from_str::<Run>(s).ok())
            .filter(|r| r.g < self.guilds.len() && r.step_in_range())
            .unwrap_or(Run {
                g: 0,
                step: Step::Channels,
                chans: Vec::new(),
            });
        match run.step.clone() {
            Step::Channels => self.channels_page(run, cursors).await,
            Step::Members { after } => self.members_page(run, &after, cursors, &me).await,
            Step::Messages { i, recheck } => {
                self.messages_page(run, i, recheck, cursors, &me).await
            }
            Step::Recheck { i } => self.recheck_page(run, i, cursors, &me).await,
        }
    }

    async fn send(&self, item: &Outgoing) -> Result<Sent, ConnectorError> {
        let channel = self.target_channel(item)?;
        let mut body = json!({
            "content": item.body,
            "allowed_mentions": { "parse": [], "replied_user": true },
            "nonce": nonce(&item.idempotency_key),
            "enforce_nonce": true,
        });
        if let (Some(reply_to), Some(_)) =
            (&item.reply_to_external_id, &item.conversation_external_id)
        {
            body["message_reference"] =
                json!({ "message_id": reply_to, "fail_if_not_exists": false });
        }
        let req = self.request(
            reqwest::Method::POST,
            &format!("channels/{}/messages", seg(&channel)),
        );
        let req = if item.images.is_empty() {
            req.json(&body)
        } else {
            // Files go as parts `files[n]`, each described (its alt text) in `attachments`.
            body["attachments"] = item
                .images
                .iter()
                .enumerate()
                .map(|(n, i)| json!({ "id": n, "filename": i.file_name, "description": i.alt }))
                .collect();
            let mut form = reqwest::multipart::Form::new().text("payload_json", body.to_string());
            for (n, image) in item.images.iter().enumerate() {
                form = form.part(format!("files[{n}]"), image.part()?);
            }
            req.multipart(form)
        };
        let (_, created): (HeaderMap, Value) = self.http.json(P, req).await?;
        let id = str_at(&created, "/id")
            .ok_or_else(|| ConnectorError::malformed(P, "the new message has no id"))?;
        let guild = str_at(&created, "/guild_id")
            .or_else(|| str_at(&created, "/message_reference/guild_id"))
            .or_else(|| self.guild_of(&channel));
        Ok(Sent {
            external_id: id.to_string(),
            url: guild.map(|g| permalink(g, &channel, Some(id))),
        })
    }

    /// Deletes a message (`DELETE /channels/{c}/messages/{m}`), times a member out (`PATCH
    /// /guilds/{g}/members/{u}` with `communication_disabled_until`), kicks (`DELETE
    /// /guilds/{g}/members/{u}`) or bans (`PUT /guilds/{g}/bans/{u}`), the reason in the
    /// server's audit log (`X-Audit-Log-Reason`). A message or member already gone counts as
    /// done. The server is the one in the message's link, else the account's.
    async fn moderate(&self, action: &Moderation) -> Result<Sent, ConnectorError> {
        let user = seg(&action.user_external_id);
        let guild = action
            .message_url
            .as_deref()
            .and_then(|u| u.split("/channels/").nth(1))
            .and_then(|rest| rest.split('/').next())
            .filter(|g| is_snowflake(g))
            .map(str::to_string)
            .or_else(|| {
                action
                    .conversation_external_id
                    .as_deref()
                    .and_then(|c| self.guild_of(c))
                    .map(str::to_string)
            })
            .ok_or_else(|| {
                ConnectorError::Config("Hearth does not know which Discord server this is".into())
            })?;
        let (method, path, body) = match action.action {
            ModActionKind::Delete => {
                let (Some(channel), Some(message)) = (
                    action.conversation_external_id.as_deref(),
                    action.message_external_id.as_deref(),
                ) else {
                    return Err(ConnectorError::Config(
                        "deleting a Discord message needs its channel and id".into(),
                    ));
                };
                (
                    reqwest::Method::DELETE,
                    format!("channels/{}/messages/{}", seg(channel), seg(message)),
                    None,
                )
            }
            ModActionKind::Timeout => {
                let until = action
                    .until
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .ok_or_else(|| ConnectorError::Config("a timeout needs an end".into()))?;
                (
                    reqwest::Method::PATCH,
                    format!("guilds/{}/members/{user}", seg(&guild)),
                    Some(json!({ "communication_disabled_until": until.to_rfc3339() })),
                )
            }
            ModActionKind::Kick => (
                reqwest::Method::DELETE,
                format!("guilds/{}/members/{user}", seg(&guild)),
                None,
            ),
            ModActionKind::Ban => (
                reqwest::Method::PUT,
                format!("guilds/{}/bans/{user}", seg(&guild)),
                Some(json!({ "delete_message_seconds": 0 })),
            ),
            other => {
                return Err(ConnectorError::Platform {
                    platform: P,
                    detail: format!("Discord has no way to {} through its API", other.as_str()),
                })
            }
        };
        // The audit log takes at most 512 characters, percent-encoded.
        let reason: String = action.reason.chars().take(512).collect();
        let mut req = self.request(method, &path).header(
            "X-Audit-Log-Reason",
            percent_encoding::utf8_percent_encode(&reason, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
        if let Some(body) = body {
            req = req.json(&body);
        }
        let done = Sent {
            external_id: action
                .message_external_id
                .clone()
                .filter(|_| action.action == ModActionKind::Delete)
                .unwrap_or_else(|| action.user_external_id.clone()),
            url: None,
        };
        match self.http.send(P, req).await {
            Ok(_) => Ok(done),
            // 10007 Unknown Member, 10008 Unknown Message: already gone.
            Err(ConnectorError::NotFound { .. })
                if matches!(action.action, ModActionKind::Delete | ModActionKind::Kick) =>
            {
                Ok(done)
            }
            Err(e) => Err(e),
        }
    }

    /// Every emoji reaction on the message, counted together.
    async fn engagement(&self, post: &PostRef) -> Result<Option<Engagement>, ConnectorError> {
        let Some(channel) = post
            .channel
            .clone()
            .or_else(|| self.channels.first().map(|(_, c)| c.clone()))
        else {
            return Ok(None);
        };
        let m = self
            .get(
                &format!(
                    "channels/{}/messages/{}",
                    seg(&channel),
                    seg(&post.external_id)
                ),
                &[],
            )
            .await?;
        Ok(Some(Engagement {
            reactions: arr(&m, "/reactions")
                .iter()
                .map(|r| count_at(r, "/count"))
                .sum(),
            boosts: None,
        }))
    }

    async fn find_sent(&self, item: &Outgoing) -> Result<Option<Sent>, ConnectorError> {
        let channel = self.target_channel(item)?;
        let me = self.me().await?.clone();
        let list = self
            .get(
                &format!("channels/{}/messages", seg(&channel)),
                &[("limit", FIND_SENT_WINDOW.to_string())],
            )
            .await?;
        let nonce = nonce(&item.idempotency_key);
        let want_ref = item
            .reply_to_external_id
            .as_deref()
            .filter(|_| item.conversation_external_id.is_some());
        let found = list.as_array().into_iter().flatten().find(|m| {
            let ours = str_at(m, "/author/id") == Some(me.external_id.as_str());
            let same_nonce = str_at(m, "/nonce") == Some(nonce.as_str());
            let same_text = str_at(m, "/content").map(str::trim) == Some(item.body.trim())
                && sent_after(
                    item,
                    str_at(m, "/timestamp").and_then(|t| parse_time(P, t).ok()),
                );
            let same_ref = want_ref.is_none_or(|r| {
                str_at(m, "/message_reference/message_id").is_none_or(|got| got == r)
            });
            ours && (same_nonce || (same_text && same_ref))
        });
        Ok(found.and_then(|m| {
            let id = str_at(m, "/id")?;
            Some(Sent {
                external_id: id.to_string(),
                url: self
                    .guild_of(&channel)
                    .map(|g| permalink(g, &channel, Some(id))),
            })
        }))
    }
}

/// The state of a run in progress, saved in the `run` cursor.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Run {
    g: usize,
    step: Step,
    chans: Vec<Chan>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "lowercase")]
enum Step {
    Channels,
    Members { after: String },
    Messages { i: usize, recheck: bool },
    Recheck { i: usize },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chan {
    id: String,
    name: String,
    category: Option<String>,
    thread: bool,
}

impl Chan {
    /// How progress names it: "#help", or a thread by its own name.
    fn label(&self) -> String {
        if self.thread {
            format!("thread “{}”", self.name)
        } else {
            format!("#{}", self.name)
        }
    }
}

impl Run {
    fn step_in_range(&self) -> bool {
        match self.step {
            Step::Messages { i, .. } | Step::Recheck { i } => i < self.chans.len(),
            _ => true,
        }
    }

    fn change(&self) -> CursorChange {
        // Serialising plain structs of strings and numbers cannot fail.
        CursorChange::set("run", serde_json::to_string(self).unwrap_or_default())
    }

    fn change_or_clear(next: Option<Run>) -> CursorChange {
        match next {
            Some(r) => r.change(),
            None => CursorChange::clear("run"),
        }
    }
}

fn roles(cursors: &Cursors, guild: &str) -> Vec<String> {
    cursors
        .get(&format!("roles:{guild}"))
        .unwrap_or("")
        .split(',')
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// Without the Message Content intent Discord sends every message's text empty. That is a
/// setting to fix, not a channel of empty messages.
fn check_content_intent(list: &[Value], me: &Me) -> Result<(), ConnectorError> {
    let people: Vec<&Value> = list
        .iter()
        .filter(|m| {
            m.get("type")
                .and_then(Value::as_u64)
                .is_some_and(|t| CHAT_TYPES.contains(&t))
                && m.pointer("/author/bot").and_then(Value::as_bool) != Some(true)
                && str_at(m, "/author/id") != Some(me.external_id.as_str())
        })
        .collect();
    let empty = |m: &&Value| {
        str_at(m, "/content").unwrap_or("").is_empty()
            && ["/attachments", "/embeds", "/sticker_items", "/components"]
                .iter()
                .all(|p| {
                    m.pointer(p)
                        .and_then(Value::as_array)
                        .is_none_or(Vec::is_empty)
                })
    };
    if people.len() >= 3 && people.iter().all(empty) {
        return Err(ConnectorError::Config(
            "Discord sends the messages without their text: turn on the Message Content intent (Developer Portal → your app → Bot → Privileged Gateway Intents)".into(),
        ));
    }
    Ok(())
}

/// Turns Discord messages of one channel into a [`Batch`].
struct Mapper<'a> {
    guild: &'a str,
    chan: &'a Chan,
    me: &'a Me,
    roles: &'a [String],
    identities: BTreeMap<String, IncomingIdentity>,
    messages: Vec<IncomingMessage>,
    /// Records that could not be read, kept aside with their payload.
    aside: Vec<Quarantined>,
    /// Messages mapped (id → author), for the re-read window.
    seen: Vec<(u64, String)>,
}

impl<'a> Mapper<'a> {
    fn new(guild: &'a str, chan: &'a Chan, me: &'a Me, roles: &'a [String]) -> Self {
        Mapper {
            aside: Vec::new(),
            guild,
            chan,
            me,
            roles,
            identities: BTreeMap::new(),
            messages: Vec::new(),
            seen: Vec::new(),
        }
    }

    fn message(&mut self, m: &Value) -> Result<(), ConnectorError> {
        let kind = m.get("type").and_then(Value::as_u64).unwrap_or(0);
        if !CHAT_TYPES.contains(&kind) {
            return Ok(());
        }
        let (Some(id), Some(author)) = (str_at(m, "/id"), m.get("author")) else {
            return Err(ConnectorError::malformed(
                P,
                "a message has no id or author",
            ));
        };
        let author_id = str_at(author, "/id")
            .ok_or_else(|| ConnectorError::malformed(P, "a message author has no id"))?;
        self.identities
            .entry(author_id.to_string())
            .or_insert_with(|| user_identity(author, None));
        let created = str_at(m, "/timestamp")
            .map(|t| parse_time(P, t))
            .transpose()?
            .unwrap_or_else(|| snowflake_time(snowflake(id)));
        let edited = str_at(m, "/edited_timestamp")
            .map(|t| parse_time(P, t))
            .transpose()?;
        let reply_to = (m.pointer("/message_reference/type").and_then(Value::as_u64) != Some(1))
            .then(|| str_at(m, "/message_reference/message_id"))
            .flatten()
            .filter(|_| kind == 19)
            .map(str::to_string);
        let mentions_us = author_id != self.me.external_id
            && (m
                .get("mentions")
                .and_then(Value::as_array)
                .is_some_and(|ms| {
                    ms.iter()
                        .any(|u| str_at(u, "/id") == Some(&self.me.external_id))
                })
                || strings(m, "/mention_roles")
                    .iter()
                    .any(|r| self.roles.iter().any(|mine| mine == r)));
        self.seen.push((snowflake(id), author_id.to_string()));
        self.messages.push(IncomingMessage {
            conversation_external_id: self.chan.id.clone(),
            external_id: id.to_string(),
            author_external_id: author_id.to_string(),
            text: message_text(m),
            html: None,
            created_at: created,
            edited_at: edited,
            deleted_at: None,
            reply_to_external_id: reply_to,
            url: Some(permalink(self.guild, &self.chan.id, Some(id))),
            mentions_us,
        });
        Ok(())
    }

    /// A message that vanished from the channel: marked deleted, its text kept by ingest.
    fn deleted(&mut self, id: u64, author: &str, now: Millis) {
        let id = id.to_string();
        self.messages.push(IncomingMessage {
            conversation_external_id: self.chan.id.clone(),
            url: Some(permalink(self.guild, &self.chan.id, Some(&id))),
            created_at: snowflake_time(snowflake(&id)),
            external_id: id,
            author_external_id: author.to_string(),
            text: String::new(),
            html: None,
            edited_at: None,
            deleted_at: Some(now),
            reply_to_external_id: None,
            mentions_us: false,
        });
    }

    fn finish(self) -> Batch {
        let conversations = if self.messages.is_empty() {
            Vec::new()
        } else {
            vec![IncomingConversation {
                external_id: self.chan.id.clone(),
                kind: if self.chan.thread {
                    ConversationKind::Thread
                } else {
                    ConversationKind::Channel
                },
                title: Some(if self.chan.thread {
                    self.chan.name.clone()
                } else {
                    format!("#{}", self.chan.name)
                }),
                container: self.chan.category.clone(),
                url: Some(permalink(self.guild, &self.chan.id, None)),
                created_at: snowflake_time(snowflake(&self.chan.id)),
            }]
        };
        Batch {
            quarantined: self.aside,
            identities: self.identities.into_values().collect(),
            conversations,
            messages: self.messages,
        }
    }
}

/// What a message kept aside needs to be read again: its guild and channel.
fn context(guild: &str, chan: &Chan) -> String {
    serde_json::json!({ "guild": guild, "chan": chan }).to_string()
}

/// The message's words, plus what its embeds and attachments say (release notes, files).
fn message_text(m: &Value) -> String {
    let mut parts = vec![str_at(m, "/content").unwrap_or("").to_string()];
    for e in m
        .get("embeds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let lines: Vec<&str> = ["/title", "/description", "/url"]
            .iter()
            .filter_map(|p| str_at(e, p))
            .filter(|s| !s.is_empty())
            .collect();
        if !lines.is_empty() {
            parts.push(lines.join("\n"));
        }
    }
    for a in m
        .get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(url) = str_at(a, "/url") {
            parts.push(url.to_string());
        }
    }
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A guild member: everything Discord tells about them (never an email: bots get none).
fn member_identity(
    guild: &str,
    member: &Value,
    user: &Value,
) -> Result<IncomingIdentity, ConnectorError> {
    let mut ident = user_identity(user, Some(member));
    if let (Some(id), Some(hash)) = (str_at(user, "/id"), str_at(member, "/avatar")) {
        ident.avatar_url = Some(format!(
            "https://cdn.discordapp.com/guilds/{guild}/users/{id}/avatars/{hash}.{}",
            image_ext(hash)
        ));
    }
    ident.joined_at = str_at(member, "/joined_at")
        .map(|t| parse_time(P, t))
        .transpose()?;
    Ok(ident)
}

/// A Discord user; `member` (the guild membership around it) becomes `raw` when given.
fn user_identity(user: &Value, member: Option<&Value>) -> IncomingIdentity {
    let id = str_at(user, "/id").unwrap_or_default();
    IncomingIdentity {
        external_id: id.to_string(),
        handle: handle_of(user),
        display_name: Some(display_name_of(user)),
        email: None,
        profile_url: Some(format!("https://discord.com/users/{id}")),
        avatar_url: str_at(user, "/avatar").map(|hash| {
            format!(
                "https://cdn.discordapp.com/avatars/{id}/{hash}.{}",
                image_ext(hash)
            )
        }),
        organization: None,
        bio: None,
        location: None,
        raw: member.map(Value::to_string),
        joined_at: None,
    }
}

/// `username`, or `username#1234` for accounts (bots) that still have a discriminator.
fn handle_of(user: &Value) -> String {
    let name = str_at(user, "/username").unwrap_or_default();
    match str_at(user, "/discriminator") {
        Some(d) if d != "0" && !d.is_empty() => format!("{name}#{d}"),
        _ => name.to_string(),
    }
}

/// The name Discord shows everywhere (`global_name`), else the username. The per-server
/// nickname stays in `raw`: it changes with the server and is weaker evidence of who this is.
fn display_name_of(user: &Value) -> String {
    str_at(user, "/global_name")
        .filter(|n| !n.is_empty())
        .or_else(|| str_at(user, "/username"))
        .unwrap_or_default()
        .to_string()
}

fn image_ext(hash: &str) -> &'static str {
    if hash.starts_with("a_") {
        "gif"
    } else {
        "png"
    }
}

fn permalink(guild: &str, channel: &str, message: Option<&str>) -> String {
    match message {
        Some(m) => format!("https://discord.com/channels/{guild}/{channel}/{m}"),
        None => format!("https://discord.com/channels/{guild}/{channel}"),
    }
}

/// Discord nonces are at most 25 characters: short keys go as they are, longer ones are hashed.
fn nonce(key: &str) -> String {
    if key.len() <= 25 {
        return key.to_string();
    }
    // Two FNV-1a passes with different offsets: 24 hex digits, stable across runs and builds.
    let fnv = |offset: u64| {
        key.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let a = fnv(0xcbf2_9ce4_8422_2325);
    let b = fnv(0x84222325_cbf29ce4);
    format!("h{a:016x}{:08x}", b >> 32)
}

fn is_snowflake(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A snowflake as a number (0 when it is not one).
fn snowflake(s: &str) -> u64 {
    s.parse().unwrap_or(0)
}

/// When a snowflake was made, in unix milliseconds.
fn snowflake_time(id: u64) -> Millis {
    ((id >> 22) + DISCORD_EPOCH) as Millis
}

fn strings(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_tell_their_time() {
        // m1 of the fixtures: 2026-05-04T09:12:07.481Z
        assert_eq!(
            snowflake_time(1_500_787_098_175_799_303),
            chrono::DateTime::parse_from_rfc3339("2026-05-04T09:12:07.481Z")
                .map(|t| t.timestamp_millis())
                .unwrap_or_default()
        );
    }

    #[test]
    fn nonces_fit_in_25_characters_and_are_stable() {
        assert_eq!(nonce("hearth-outbox-000042"), "hearth-outbox-000042");
        let long = nonce("hearth-19a5c3e0b12-0123456789abcdef");
        assert_eq!(long.len(), 25);
        assert_eq!(long, nonce("hearth-19a5c3e0b12-0123456789abcdef"));
        assert_ne!(long, nonce("hearth-19a5c3e0b12-0123456789abcdee"));
    }

    #[test]
    fn the_window_keeps_the_newest_ids_with_their_authors() {
        let mut w = Window::<u64>::parse(Some("3:a,1:b,2:c"));
        w.insert(4, "d");
        w.keep_newest(3);
        let ids: Vec<u64> = w.0.keys().copied().collect();
        assert_eq!(ids, vec![2, 3, 4]);
        assert_eq!(Window::<u64>::parse(Some("garbage")).0.len(), 0);
    }
}
