//! Presence (issue 13): who on the team is around, and who is looking at or replying to which
//! conversation right now, so two managers do not answer the same member. Owns: the message a
//! Hearth broadcasts every few seconds through the relay (ephemeral: the relay passes it on and
//! keeps nothing), reading teammates' messages, and forgetting someone who stopped saying so.
//! Must never: write presence into the team's document or the database, or name anything but
//! a teammate's name, a conversation's platform identity and what they are doing.
//!
//! A message is a CBOR map (the relay, automerge-repo's, passes on only CBOR):
//! `{ "v": 1, "name": "Ana", "doing": "online" | "viewing" | "replying" | "left",
//!    "key": "<platform>|<host>|<id>" | null }`.
//! Each Hearth says where it is every [`BEAT`] and at once when that changes; a teammate not
//! heard from for [`FORGET_AFTER`] is gone (their laptop slept, or the network went).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use samod::{BackoffConfig, DialerEvent, Repo};
use serde::Serialize;
use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::model::TeamInfo;
use crate::platform::Secret;

/// How often a Hearth says where it is.
pub const BEAT: Duration = Duration::from_secs(5);
/// How long a teammate stays shown after the last word from them.
pub const FORGET_AFTER: Duration = Duration::from_secs(16);

/// What a manager is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Doing {
    /// The app is open.
    Online,
    /// Reading a conversation.
    Viewing,
    /// Writing a reply in it.
    Replying,
    /// Closing the app (said once, so teammates need not wait to forget).
    Left,
}

impl Doing {
    pub fn as_str(self) -> &'static str {
        match self {
            Doing::Online => "online",
            Doing::Viewing => "viewing",
            Doing::Replying => "replying",
            Doing::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<Doing> {
        Some(match s {
            "online" => Doing::Online,
            "viewing" => Doing::Viewing,
            "replying" => Doing::Replying,
            "left" => Doing::Left,
            _ => return None,
        })
    }
}

/// Where one manager is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Here {
    pub name: String,
    pub doing: Doing,
    /// The conversation (its key across laptops), when viewing or replying.
    pub key: Option<String>,
}

/// The longest name or key a message may carry (anything longer is not a Hearth's).
const MAX_FIELD: usize = 512;

pub fn encode(here: &Here) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    // writing into a Vec cannot fail
    let _ = (|| -> std::result::Result<(), minicbor::encode::Error<std::convert::Infallible>> {
        e.map(4)?;
        e.str("v")?.u8(1)?;
        e.str("name")?.str(&here.name)?;
        e.str("doing")?.str(here.doing.as_str())?;
        e.str("key")?;
        match &here.key {
            Some(k) => e.str(k)?,
            None => e.null()?,
        };
        Ok(())
    })();
    e.into_writer()
}

/// A teammate's message (None: not one a Hearth sends; ignored).
pub fn decode(bytes: &[u8]) -> Option<Here> {
    let mut d = minicbor::Decoder::new(bytes);
    let entries = d.map().ok()??;
    let (mut name, mut doing, mut key, mut version) = (None, None, None, None);
    for _ in 0..entries.min(16) {
        let field = d.str().ok()?;
        match field {
            "v" => version = d.u8().ok(),
            "name" => name = Some(d.str().ok()?.to_string()),
            "doing" => doing = Doing::parse(d.str().ok()?),
            "key" => {
                if d.datatype().ok()? == minicbor::data::Type::Null {
                    d.null().ok()?;
                } else {
                    key = Some(d.str().ok()?.to_string());
                }
            }
            _ => d.skip().ok()?,
        }
    }
    let name = name.filter(|n| !n.trim().is_empty() && n.len() <= MAX_FIELD)?;
    if version != Some(1) || key.as_ref().is_some_and(|k| k.len() > MAX_FIELD) {
        return None;
    }
    Some(Here {
        name,
        doing: doing?,
        key,
    })
}

/// Teammates heard from lately, by name, with when each was last heard.
#[derive(Default)]
pub struct Roster {
    heard: BTreeMap<String, (Here, Instant)>,
}

impl Roster {
    /// Takes a teammate's message; returns whether what is shown changed.
    pub fn hear(&mut self, here: Here, at: Instant) -> bool {
        if here.doing == Doing::Left {
            return self.heard.remove(&here.name).is_some();
        }
        let changed = self.heard.get(&here.name).map(|(h, _)| h) != Some(&here);
        self.heard.insert(here.name.clone(), (here, at));
        changed
    }

    /// Forgets whoever has not been heard from for [`FORGET_AFTER`]; returns whether anyone was.
    pub fn forget_quiet(&mut self, now: Instant) -> bool {
        let before = self.heard.len();
        self.heard
            .retain(|_, (_, at)| now.saturating_duration_since(*at) < FORGET_AFTER);
        self.heard.len() != before
    }

    /// Everyone around, by name.
    pub fn now(&self) -> Vec<Here> {
        self.heard.values().map(|(h, _)| h.clone()).collect()
    }
}

/// Where this manager is, as the app (or `hearth team here`) says; None: only listening;
/// `Left`: the session says goodbye and ends.
pub type Mine = watch::Receiver<Option<Said>>;

/// What this manager is doing, and on which conversation (its key).
pub type Said = (Doing, Option<String>);

/// Where the app's teammates-around list goes (it emits an event).
pub type Sink = Arc<dyn Fn(Vec<crate::model::TeamPresence>) + Send + Sync>;

/// The app's presence: a thread of its own keeping a session with the team's relay while the
/// workspace is in a team (and trying again a little later when the relay is away), saying
/// where this manager is as the app tells it.
pub struct Keeper {
    mine: watch::Sender<Option<Said>>,
    last: Arc<std::sync::Mutex<Option<Said>>>,
    wake: std::sync::mpsc::Sender<()>,
}

/// How long the keeper waits before trying the relay again.
const RETRY: Duration = Duration::from_secs(15);
/// How long it waits before looking for a team again when the workspace is in none (joining
/// or making one wakes it at once; this is for another process doing it).
const IDLE: Duration = Duration::from_secs(300);

impl Keeper {
    pub fn start(path: std::path::PathBuf, sink: Sink) -> Result<Keeper> {
        let online = Some((Doing::Online, None));
        let (mine, told) = watch::channel(online.clone());
        let last = Arc::new(std::sync::Mutex::new(online));
        let (wake, woken) = std::sync::mpsc::channel::<()>();
        let (keeper_last, keeper_mine) = (last.clone(), mine.clone());
        std::thread::Builder::new()
            .name("hearth-presence".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                // the app's first screen first
                let _ = woken.recv_timeout(Duration::from_secs(3));
                loop {
                    // a session ended by leaving starts again from what the app said last
                    let said = keeper_last.lock().map(|l| l.clone()).unwrap_or(None);
                    keeper_mine.send_replace(said);
                    let mut told = told.clone();
                    told.mark_unchanged();
                    let in_team = run_once(&runtime, &path, told, &sink);
                    sink(Vec::new());
                    // in no team, nothing to do until one is joined or made (which wakes this)
                    let wait = if in_team { RETRY } else { IDLE };
                    match woken.recv_timeout(wait) {
                        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .map_err(|e| Error::Io {
                context: "cannot start presence".into(),
                source: e,
            })?;
        Ok(Keeper { mine, last, wake })
    }

    /// Where this manager is now: on a conversation (its key), or only online.
    pub fn set(&self, doing: Doing, key: Option<String>) {
        let now = Some((doing, key));
        if let Ok(mut l) = self.last.lock() {
            *l = now.clone();
        }
        self.mine.send_if_modified(|m| {
            let changed = *m != now;
            *m = now;
            changed
        });
    }

    /// The team changed (joined, created, left): the session ends and starts again with it.
    pub fn team_changed(&self) {
        self.mine.send_replace(Some((Doing::Left, None)));
        let _ = self.wake.send(());
    }
}

/// One session while the workspace is in a team; returns whether it was in one.
fn run_once(
    runtime: &tokio::runtime::Runtime,
    path: &std::path::Path,
    told: Mine,
    sink: &Sink,
) -> bool {
    let Ok(store) = crate::store::Store::open(path) else {
        return false;
    };
    let Ok(Some(team)) = store.team_info() else {
        return false;
    };
    let secret = store
        .team_secret_key()
        .and_then(|key| crate::secrets::load_team_secret(&key));
    if let Ok(secret) = secret {
        let _ = runtime.block_on(session(&team, &secret, told, |around| {
            sink(shown(&store, &around))
        }));
    }
    true
}

/// Keeps this manager's presence up with the team until `mine`'s sender is dropped: connects
/// to the relay, says where this manager is every [`BEAT`] and on each change, and calls
/// `news` with everyone else around whenever that changes. Ends with an error when the relay
/// cannot be reached (again); the caller tries later.
pub async fn session(
    team: &TeamInfo,
    secret: &Secret,
    mut mine: Mine,
    mut news: impl FnMut(Vec<Here>),
) -> Result<()> {
    let url = super::check_relay(&team.relay_url)?;
    let doc_id = team
        .workspace_doc
        .parse::<samod::AutomergeUrl>()
        .map_err(|_| Error::invalid("the team's document address is damaged; join again"))?
        .document_id()
        .clone();
    // presence keeps nothing: the document is held in memory, only to be in its room
    let repo = Repo::build_tokio().load().await;
    let outcome = async {
        let dialer = repo
            .dial(
                BackoffConfig {
                    initial_delay: Duration::from_millis(50),
                    max_delay: Duration::from_secs(5),
                    max_retries: Some(12),
                },
                Arc::new(super::relay::RelayDialer {
                    url: url.clone(),
                    secret: secret.clone(),
                }),
            )
            .map_err(super::team_error)?;
        match tokio::time::timeout(Duration::from_secs(20), dialer.established()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(Error::TeamOffline(format!("presence: {e}"))),
            Err(_) => return Err(Error::TeamOffline("presence: no answer".into())),
        }
        let handle = super::find_on_relay(&repo, doc_id).await?;
        let mut heard = handle.ephemera();
        let mut events = dialer.events();
        let mut roster = Roster::default();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut last_said = Instant::now().checked_sub(BEAT).unwrap_or_else(Instant::now);
        let mut said_any = false;
        let say = |mine: &Option<Said>, said_any: &mut bool| {
            if let Some((doing, key)) = mine {
                handle.broadcast(encode(&Here {
                    name: team.me.clone(),
                    doing: *doing,
                    key: key.clone(),
                }));
                *said_any = true;
            }
        };
        loop {
            tokio::select! {
                changed = mine.changed() => {
                    if changed.is_err() {
                        // closing: teammates need not wait to forget this manager
                        if said_any {
                            handle.broadcast(encode(&Here {
                                name: team.me.clone(),
                                doing: Doing::Left,
                                key: None,
                            }));
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        return Ok(());
                    }
                    let now = mine.borrow_and_update().clone();
                    say(&now, &mut said_any);
                    if matches!(now, Some((Doing::Left, _))) {
                        // left the team, or stopping: said once, and done
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        return Ok(());
                    }
                    last_said = Instant::now();
                }
                message = heard.next() => {
                    let Some(bytes) = message else {
                        return Err(Error::TeamOffline("presence: the relay went away".into()));
                    };
                    if let Some(here) = decode(&bytes).filter(|h| h.name != team.me) {
                        if roster.hear(here, Instant::now()) {
                            news(roster.now());
                        }
                    }
                }
                event = events.next() => {
                    match event {
                        Some(DialerEvent::Connected { .. }) => {
                            // back after a drop: say where this manager is at once
                            say(&mine.borrow().clone(), &mut said_any);
                        }
                        Some(DialerEvent::Disconnected { .. }) | Some(DialerEvent::Reconnecting { .. }) => {}
                        _ => {
                            return Err(Error::TeamOffline(
                                "presence: the relay cannot be reached".into(),
                            ))
                        }
                    }
                }
                _ = tick.tick() => {
                    if matches!(*mine.borrow(), Some((Doing::Left, _))) {
                        say(&mine.borrow().clone(), &mut said_any);
                        return Ok(());
                    }
                    if roster.forget_quiet(Instant::now()) {
                        news(roster.now());
                    }
                    if last_said.elapsed() >= BEAT {
                        say(&mine.borrow().clone(), &mut said_any);
                        last_said = Instant::now();
                    }
                }
            }
        }
    }
    .await;
    repo.stop().await;
    outcome
}

/// Teammates around as this workspace shows them: their conversations by id here.
pub fn shown(store: &crate::store::Store, around: &[Here]) -> Vec<crate::model::TeamPresence> {
    around
        .iter()
        .map(|h| crate::model::TeamPresence {
            name: h.name.clone(),
            doing: h.doing.as_str().to_string(),
            conversation_id: h
                .key
                .as_deref()
                .and_then(|k| store.team_conversation_id(k).ok().flatten()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_back_and_anything_else_is_ignored() {
        let here = Here {
            name: "Ana".into(),
            doing: Doing::Replying,
            key: Some("discord||42".into()),
        };
        assert_eq!(decode(&encode(&here)), Some(here));
        let online = Here {
            name: "Ben".into(),
            doing: Doing::Online,
            key: None,
        };
        assert_eq!(decode(&encode(&online)), Some(online));
        assert_eq!(decode(b"{\"name\":\"Ana\"}"), None, "JSON is not ours");
        assert_eq!(decode(&[]), None);
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(2)
            .and_then(|e| e.str("v")?.u8(1)?.str("name")?.str("Eve"))
            .expect("encoded");
        assert_eq!(decode(&e.into_writer()), None, "no doing: not a Hearth's");
    }

    #[test]
    fn a_teammate_is_forgotten_when_quiet_or_gone() {
        let start = Instant::now();
        let mut roster = Roster::default();
        let ana = |doing, key: Option<&str>| Here {
            name: "Ana".into(),
            doing,
            key: key.map(String::from),
        };
        assert!(roster.hear(ana(Doing::Viewing, Some("k")), start));
        assert!(
            !roster.hear(ana(Doing::Viewing, Some("k")), start),
            "the same again"
        );
        assert!(roster.hear(ana(Doing::Replying, Some("k")), start));
        assert_eq!(roster.now(), [ana(Doing::Replying, Some("k"))]);
        assert!(!roster.forget_quiet(start + FORGET_AFTER - Duration::from_secs(1)));
        assert!(roster.forget_quiet(start + FORGET_AFTER));
        assert!(roster.now().is_empty());
        roster.hear(ana(Doing::Online, None), start);
        assert!(roster.hear(ana(Doing::Left, None), start), "said goodbye");
        assert!(roster.now().is_empty());
    }
}
