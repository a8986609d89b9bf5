//! The desktop app's team sync: its own thread, its own connection to the database and its
//! own network runtime, syncing every so often and when asked (a triage action, "Sync now"),
//! reporting each state to the UI. Owns: never holding the app's connection while the network
//! is slow, and saying "offline" rather than failing when the relay cannot be reached.
//! Must never: run two syncs at once in this process (another process's sync is fine: each
//! exchange is idempotent).

use std::path::PathBuf;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use crate::error::Result;
use crate::model::{Millis, TeamSyncState};
use crate::store::Store;

/// Where the states go (the app emits them as events).
pub type Sink = Arc<dyn Fn(&TeamSyncState) + Send + Sync>;

pub struct TeamSyncer {
    wake: Sender<()>,
}

impl TeamSyncer {
    /// Starts syncing the team of the database at `path` every `every`, and when woken.
    pub fn start(
        path: PathBuf,
        every: Duration,
        sink: Sink,
        clock: Arc<dyn Fn() -> Millis + Send + Sync>,
    ) -> Result<TeamSyncer> {
        let (wake, woken) = channel::<()>();
        std::thread::Builder::new()
            .name("hearth-team".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        sink(&failed(None, format!("the team sync could not start: {e}")));
                        return;
                    }
                };
                // the app's first screen first
                let _ = woken.recv_timeout(Duration::from_secs(2));
                loop {
                    once(&runtime, &path, &sink, clock());
                    match woken.recv_timeout(every) {
                        // several wakes at once are one sync
                        Ok(()) => while woken.try_recv().is_ok() {},
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .map_err(|e| crate::error::Error::Io {
                context: "cannot start the team sync".into(),
                source: e,
            })?;
        Ok(TeamSyncer { wake })
    }

    /// Syncs now (or right after the sync under way).
    pub fn sync_now(&self) {
        let _ = self.wake.send(());
    }
}

fn failed(team: Option<crate::model::TeamInfo>, message: String) -> TeamSyncState {
    TeamSyncState {
        team,
        state: "failed".into(),
        message: Some(message),
        report: None,
    }
}

/// One round, on a connection of its own opened for it (a restored backup replaces the file,
/// so none is kept between rounds).
fn once(runtime: &tokio::runtime::Runtime, path: &std::path::Path, sink: &Sink, now: Millis) {
    let mut store = match Store::open(path) {
        Ok(s) => s,
        Err(e) => return sink(&failed(None, e.to_string())),
    };
    let store = &mut store;
    let team = match store.team_info() {
        Ok(Some(t)) => t,
        Ok(None) => {
            return sink(&TeamSyncState {
                team: None,
                state: "idle".into(),
                message: None,
                report: None,
            })
        }
        Err(e) => return sink(&failed(None, e.to_string())),
    };
    sink(&TeamSyncState {
        team: Some(team.clone()),
        state: "syncing".into(),
        message: None,
        report: None,
    });
    let outcome = runtime.block_on(super::sync(store, now));
    let team = store.team_info().ok().flatten().or(Some(team));
    sink(&match outcome {
        Ok(report) => TeamSyncState {
            team,
            state: "synced".into(),
            message: None,
            report: Some(report),
        },
        Err(e) => TeamSyncState {
            team,
            state: if matches!(e, crate::error::Error::TeamOffline(_)) {
                "offline"
            } else {
                "failed"
            }
            .into(),
            message: Some(e.to_string()),
            report: None,
        },
    });
}
