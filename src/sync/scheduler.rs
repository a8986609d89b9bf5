//! Background sync for the desktop app. Owns: a worker thread whose syncs use their own
//! database connections (readers in the UI never wait on them: WAL), syncing every account on
//! a schedule and on demand — accounts side by side, so one waiting out a rate limit never
//! holds up another — the latest progress of each account, and saying "offline" instead of
//! failing when there is no network; and the daily backup. Must never: block the caller, or
//! hold the UI's store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::engine::{SyncError, SyncEvent, SyncOptions};
use super::run::{connector_for, record_setup_failure, sync_and_send};
use super::{Clock, ConnectorError};
use crate::model::{AccountView, SyncErrorKind, SyncProgress, SyncState};
use crate::store::Store;

/// Told of every progress change.
pub type ProgressSink = Arc<dyn Fn(&SyncProgress) + Send + Sync>;

enum Request {
    /// Sync one account, or all of them.
    Sync(Option<i64>),
    /// Publish the calendar's due posts now.
    Publish,
}

/// The desktop app's background syncer. Dropping it stops the worker after the page in hand.
pub struct Scheduler {
    tx: mpsc::UnboundedSender<Request>,
    status: Arc<Mutex<BTreeMap<i64, SyncProgress>>>,
    cancel: CancellationToken,
    worker: Option<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts the worker on the database at `db_path`; it syncs every account every `every`
    /// (first right away) and whenever asked.
    pub fn start(
        db_path: PathBuf,
        every: Duration,
        sink: ProgressSink,
        clock: Clock,
    ) -> std::io::Result<Scheduler> {
        let (tx, rx) = mpsc::unbounded_channel();
        let status = Arc::new(Mutex::new(BTreeMap::new()));
        let cancel = CancellationToken::new();
        let worker = {
            let status = status.clone();
            let cancel = cancel.clone();
            std::thread::Builder::new()
                .name("hearth-sync".into())
                .spawn(move || worker(db_path, every, rx, status, cancel, sink, clock))?
        };
        Ok(Scheduler {
            tx,
            status,
            cancel,
            worker: Some(worker),
        })
    }

    /// Asks for a sync of one account (or all) now; returns at once.
    pub fn sync_now(&self, account: Option<i64>) {
        let _ = self.tx.send(Request::Sync(account));
    }

    /// Asks for the calendar's due posts to be published now (one was just scheduled for
    /// now, or a failed target retried); returns at once.
    pub fn publish_now(&self) {
        let _ = self.tx.send(Request::Publish);
    }

    /// The latest progress of every account synced since start.
    pub fn status(&self) -> Vec<SyncProgress> {
        self.status
            .lock()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default()
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// Shares each progress report with the app and the status map.
type Publish = Arc<dyn Fn(SyncProgress) + Send + Sync>;

fn worker(
    db_path: PathBuf,
    every: Duration,
    mut rx: mpsc::UnboundedReceiver<Request>,
    status: Arc<Mutex<BTreeMap<i64, SyncProgress>>>,
    cancel: CancellationToken,
    sink: ProgressSink,
    clock: Clock,
) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let publish: Publish = Arc::new(move |p: SyncProgress| {
        sink(&p);
        if let Ok(mut s) = status.lock() {
            s.insert(p.account_id, p);
        }
    });
    rt.block_on(async {
        // Accounts sync side by side, each on its own connection: one that waits out a rate
        // limit, or a long first sync, never holds up the others or an account just added.
        let mut running: JoinSet<()> = JoinSet::new();
        // Task → the account it syncs: the accounts syncing now, also when a task ends
        // without saying which account it was (a panic).
        let mut tasks: BTreeMap<tokio::task::Id, i64> = BTreeMap::new();
        // Accounts asked for while they were syncing: synced again once they finish, so a
        // reply queued meanwhile goes out.
        let mut again: BTreeSet<i64> = BTreeSet::new();
        let mut next_round = Instant::now();
        // A request to serve now: one account, or all of them (`Some(None)`).
        let mut wanted: Option<Option<i64>> = None;
        // The calendar's publisher: at most one run at a time, on its own connection.
        let mut publisher: JoinSet<()> = JoinSet::new();
        let mut publish_wanted = true;
        loop {
            let due = Instant::now() >= next_round;
            if due {
                next_round = Instant::now() + every;
            }
            if (due || publish_wanted) && publisher.is_empty() {
                publish_wanted = false;
                let (path, clock, publish) = (db_path.clone(), clock.clone(), publish.clone());
                publisher.spawn(async move {
                    match Store::open(&path) {
                        Ok(mut store) => match super::publish::publish_due(&mut store, clock).await
                        {
                            // the app hears of what went out as of a sync: it reads again
                            Ok(report) => tell_published(&store, &report, publish.as_ref()),
                            Err(e) => {
                                eprintln!("hearth: publishing the calendar's due posts failed: {e}")
                            }
                        },
                        Err(e) => eprintln!("hearth: the calendar could not be published: {e}"),
                    }
                });
            }
            if due {
                // The daily backup rides on the schedule: a laptop left open for days still
                // gets one a day, and one taken today is not taken again.
                if let Err(e) = Store::open(&db_path).and_then(|s| s.daily_backup(clock())) {
                    eprintln!("hearth: the daily backup failed: {e}");
                }
            }
            let asked = if due { Some(None) } else { wanted.take() };
            if let Some(only) = asked {
                // If the database cannot be opened now (busy, moved), the next round tries again.
                let accounts = Store::open(&db_path)
                    .and_then(|store| match only {
                        Some(id) => store.account(id).map(|a| vec![a]),
                        None => store.syncable_accounts(),
                    })
                    .unwrap_or_default();
                for account in accounts
                    .into_iter()
                    .filter(|a| !a.demo && a.platform.syncs())
                {
                    if tasks.values().any(|id| *id == account.id) {
                        if only.is_some() {
                            again.insert(account.id);
                        }
                        continue;
                    }
                    let id = account.id;
                    let (path, cancel, publish, clock) = (
                        db_path.clone(),
                        cancel.clone(),
                        publish.clone(),
                        clock.clone(),
                    );
                    let task = running.spawn(async move {
                        sync_in_own_connection(&path, &account, &cancel, &publish, clock).await;
                    });
                    tasks.insert(task.id(), id);
                }
            }
            // A reply queued to be sent later, and the calendar's next post, wake the worker when
            // they are due, not at the next round (which may be many minutes after); both are
            // read on one connection.
            let (later, next_post) = Store::open(&db_path)
                .and_then(|s| Ok((s.next_send_after(clock())?, s.next_due_post()?)))
                .unwrap_or_default();
            let later = later.map(|(account, at)| {
                let wait = u64::try_from(at - clock()).unwrap_or(0);
                (account, Instant::now() + Duration::from_millis(wait))
            });
            let (later_account, later_at) = match later {
                Some((account, at)) => (Some(account), at),
                None => (None, next_round),
            };
            // The calendar's next post: woken for at its time. The wait is looked at again at
            // least every half minute against the wall clock, since the monotonic clock stands
            // still while the laptop sleeps and a post due meanwhile must go out on waking.
            let post_at = next_post.map(|at| {
                let wait = (at - clock()).clamp(1_000, 30_000);
                Instant::now() + Duration::from_millis(u64::try_from(wait).unwrap_or(30_000))
            });
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep_until(next_round) => {}
                _ = tokio::time::sleep_until(later_at), if later_account.is_some() => {
                    wanted = later_account.map(Some);
                }
                _ = tokio::time::sleep_until(post_at.unwrap_or(next_round)),
                    if post_at.is_some() && publisher.is_empty() => {
                    publish_wanted = true;
                }
                Some(_) = publisher.join_next(), if !publisher.is_empty() => {}
                req = rx.recv() => match req {
                    Some(Request::Sync(id)) => wanted = Some(id),
                    Some(Request::Publish) => publish_wanted = true,
                    None => break,
                },
                Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                    let task = match &done {
                        Ok((task, ())) => *task,
                        Err(e) => e.id(),
                    };
                    if let Some(id) = tasks.remove(&task) {
                        if again.remove(&id) {
                            wanted = Some(Some(id));
                        }
                    }
                }
            }
        }
        // Each sync stops after the page in hand.
        cancel.cancel();
        while running.join_next().await.is_some() {}
        while publisher.join_next().await.is_some() {}
    });
}

/// Says, as each account's progress, what the publisher sent through it.
fn tell_published(
    store: &Store,
    report: &crate::model::PublishReport,
    publish: &(dyn Fn(SyncProgress) + Sync),
) {
    let sent = report.sent + report.reconciled;
    if sent + report.failed == 0 {
        return;
    }
    let mut detail = format!("calendar: {sent} post(s) published");
    if report.failed > 0 {
        detail.push_str(&format!(", {} refused", report.failed));
    }
    for &id in &report.accounts {
        if let Ok(account) = store.account(id) {
            publish(SyncProgress {
                state: SyncState::Done,
                detail: detail.clone(),
                ..progress_of(&account)
            });
        }
    }
}

async fn sync_in_own_connection(
    db_path: &Path,
    account: &AccountView,
    cancel: &CancellationToken,
    publish: &Publish,
    clock: Clock,
) {
    match Store::open(db_path) {
        Ok(mut store) => sync_one(&mut store, account, cancel, publish.as_ref(), clock).await,
        Err(e) => publish(SyncProgress {
            state: SyncState::Failed,
            detail: format!("the database could not be opened for syncing: {e}"),
            ..progress_of(account)
        }),
    }
}

async fn sync_one(
    store: &mut Store,
    account: &AccountView,
    cancel: &CancellationToken,
    publish: &(dyn Fn(SyncProgress) + Sync),
    clock: Clock,
) {
    let mut progress = SyncProgress {
        detail: "starting".into(),
        ..progress_of(account)
    };
    publish(progress.clone());
    let connector = match connector_for(store, account, clock.clone()) {
        Ok(c) => c,
        Err(e) => {
            let _ = record_setup_failure(store, account.id, &e, clock());
            progress.state = SyncState::Failed;
            progress.detail = e.to_string();
            publish(progress);
            return;
        }
    };
    let mut on_event = |e: SyncEvent| {
        match e {
            SyncEvent::Page {
                label,
                pages,
                totals,
            } => {
                progress.state = SyncState::Syncing;
                progress.detail = label;
                progress.pages = pages;
                progress.messages_added = totals.messages_added;
                progress.messages_updated = totals.messages_updated;
            }
            SyncEvent::Waiting { reason, .. } => {
                progress.state = SyncState::Waiting;
                progress.detail = reason;
            }
        }
        publish(progress.clone());
    };
    let run = sync_and_send(
        store,
        account.id,
        connector.as_ref(),
        &SyncOptions::default(),
        cancel,
        &*clock,
        &mut on_event,
    )
    .await;
    let mut last = SyncProgress {
        state: SyncState::Done,
        detail: String::new(),
        ..progress_of(account)
    };
    match run.sync {
        Ok(r) => {
            last.pages = r.pages;
            last.messages_added = r.totals.messages_added;
            last.messages_updated = r.totals.messages_updated;
            last.detail = match run.flush {
                Some(Ok(f)) => f.problem.unwrap_or_else(|| "up to date".into()),
                Some(Err(e)) => e.to_string(),
                None => "up to date".into(),
            };
            if let Ok(Some(note)) = store.account(account.id).map(|a| a.quarantine_note) {
                last.detail = format!("{} · {note}", last.detail);
            }
        }
        Err(SyncError::Connector(ConnectorError::Offline { .. })) => {
            last.state = SyncState::Offline;
            last.detail = "offline — everything local keeps working; Hearth syncs when the connection is back".into();
        }
        Err(SyncError::Cancelled) => return,
        Err(e @ SyncError::AlreadySyncing) => last.detail = e.to_string(),
        Err(e) => {
            last.state = if e.kind() == SyncErrorKind::Offline {
                SyncState::Offline
            } else {
                SyncState::Failed
            };
            last.detail = e.to_string();
        }
    }
    publish(last);
}

fn progress_of(account: &AccountView) -> SyncProgress {
    SyncProgress {
        account_id: account.id,
        account_name: account.name.clone(),
        platform: account.platform,
        state: SyncState::Syncing,
        detail: String::new(),
        pages: 0,
        messages_added: 0,
        messages_updated: 0,
    }
}
