//! The sync engine. Owns: running one connector page by page, writing each page and the
//! cursors that cover it in one transaction, waiting out rate limits and backing off on
//! server trouble (and saying so in the progress), cancellation, and recording how the run
//! ended on the account. Must never: know a platform's wire format.

use std::time::Duration;

use rusqlite::params;
use tokio_util::sync::CancellationToken;

use super::{Connector, ConnectorError, CursorChange, Cursors, ErrorKind, Page};
use crate::error::{Error, Result};
use crate::ingest::{ingest_in, IngestReport};
use crate::model::{Millis, SyncErrorKind};
use crate::store::Store;

/// How patient a sync run is.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Consecutive failed attempts at one page before the run gives up (rate-limit waits
    /// count separately, see `max_rate_limit_waits`).
    pub max_retries: u32,
    /// Rate-limit waits accepted in a row for one page.
    pub max_rate_limit_waits: u32,
    /// First back-off after a server error; doubles each time, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// Stop after this many pages (the next run continues from there).
    pub max_pages: Option<u64>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            max_retries: 5,
            max_rate_limit_waits: 20,
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(120),
            max_pages: None,
        }
    }
}

/// What a sync run tells whoever shows progress.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// A page was written.
    Page {
        label: String,
        pages: u64,
        totals: IngestReport,
    },
    /// The run is waiting: the platform asked for it, or it is backing off after trouble.
    Waiting { reason: String, wait: Duration },
}

/// How a finished run went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SyncReport {
    pub pages: u64,
    pub totals: IngestReport,
    /// The run stopped at `max_pages`; the next one continues.
    pub stopped_early: bool,
}

/// Why a run stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    #[error(transparent)]
    Store(#[from] Error),
    #[error("the sync was cancelled; it will continue from where it stopped")]
    Cancelled,
    /// Another Hearth (the app, cron, another terminal) is syncing this account right now.
    #[error(
        "already syncing in another Hearth (the app or another `hearth sync`); skipped this time"
    )]
    AlreadySyncing,
}

impl SyncError {
    pub fn kind(&self) -> SyncErrorKind {
        match self {
            SyncError::Connector(e) => match e.kind() {
                ErrorKind::Transient => SyncErrorKind::Transient,
                ErrorKind::Offline => SyncErrorKind::Offline,
                ErrorKind::Auth => SyncErrorKind::Auth,
                ErrorKind::Permanent => SyncErrorKind::Permanent,
            },
            SyncError::Store(Error::Keyring(_)) => SyncErrorKind::Keyring,
            SyncError::Store(_) | SyncError::Cancelled | SyncError::AlreadySyncing => {
                SyncErrorKind::Transient
            }
        }
    }
}

impl From<SyncError> for Error {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Connector(c) => Error::Connector(c),
            SyncError::Store(s) => s,
            SyncError::Cancelled | SyncError::AlreadySyncing => Error::invalid(e.to_string()),
        }
    }
}

impl Store {
    /// The saved cursors of an account.
    pub fn load_cursors(&self, account_id: i64) -> Result<Cursors> {
        let mut stmt = self
            .conn()
            .prepare("SELECT resource, cursor FROM sync_cursors WHERE account_id = ?1")?;
        let map = stmt
            .query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Cursors(map))
    }

    /// Takes the right to sync `account_id` until `until`, unless another store holds it.
    /// One immediate transaction, so two processes never both take it.
    pub fn take_sync_lease(&mut self, account_id: i64, now: Millis, until: Millis) -> Result<bool> {
        let taken = self.conn().execute(
            "INSERT INTO sync_leases (account_id, owner, until, started_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner,
                 until = excluded.until, started_at = excluded.started_at
             WHERE sync_leases.owner = excluded.owner OR sync_leases.until <= ?4",
            params![account_id, self.owner(), until, now],
        )?;
        Ok(taken == 1)
    }

    /// Keeps the right to sync while the run goes on (every page, and during long waits).
    fn renew_sync_lease(&self, account_id: i64, until: Millis) -> Result<()> {
        self.conn().execute(
            "UPDATE sync_leases SET until = ?3 WHERE account_id = ?1 AND owner = ?2",
            params![account_id, self.owner(), until],
        )?;
        Ok(())
    }

    /// Lets another Hearth sync the account.
    pub fn drop_sync_lease(&mut self, account_id: i64) -> Result<()> {
        self.conn().execute(
            "DELETE FROM sync_leases WHERE account_id = ?1 AND owner = ?2",
            params![account_id, self.owner()],
        )?;
        Ok(())
    }

    /// Writes a page's records and the cursors that cover them in one transaction: a cursor
    /// can never point past records that were not written.
    pub fn commit_page(
        &mut self,
        account_id: i64,
        page: &Page,
        now: Millis,
    ) -> Result<IngestReport> {
        let tx = self.conn_mut().transaction()?;
        let report = ingest_in(&tx, account_id, &page.batch, now)?.report;
        {
            let mut set = tx.prepare_cached(
                "INSERT INTO sync_cursors (account_id, resource, cursor, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, resource) DO UPDATE SET cursor = excluded.cursor,
                     updated_at = excluded.updated_at",
            )?;
            let mut clear = tx.prepare_cached(
                "DELETE FROM sync_cursors WHERE account_id = ?1 AND resource = ?2",
            )?;
            for CursorChange { key, value } in &page.cursors {
                match value {
                    Some(v) => set.execute(params![account_id, key, v, now])?,
                    None => clear.execute(params![account_id, key])?,
                };
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

/// How long a sync's claim on its account lasts without renewal (a killed process frees the
/// account this long after its last renewal).
const SYNC_LEASE: Millis = 90_000;
/// How often a running sync renews its claim, also while it waits.
const SYNC_RENEW: Duration = Duration::from_secs(20);

/// Runs `connector` for `account_id` until it has nothing more to fetch, writing each page
/// as it comes. A run that stops (killed, cancelled, failed) loses nothing: the next run
/// starts from the last committed page. The outcome is recorded on the account.
pub async fn sync_account(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
    opts: &SyncOptions,
    cancel: &CancellationToken,
    clock: &(dyn Fn() -> Millis + Send + Sync),
    on_event: &mut (dyn FnMut(SyncEvent) + Send),
) -> Result<SyncReport, SyncError> {
    store.release_claims_of_the_dead()?;
    if !store.take_sync_lease(account_id, clock(), clock() + SYNC_LEASE)? {
        return Err(SyncError::AlreadySyncing);
    }
    let result = run(store, account_id, connector, opts, cancel, clock, on_event).await;
    // A lease left behind (the database was busy) runs out on its own.
    let _ = store.drop_sync_lease(account_id);
    let outcome = match &result {
        Ok(_) => None,
        Err(SyncError::Cancelled) => return result,
        Err(e) => Some((e.kind(), e.to_string())),
    };
    store.record_sync_outcome(
        account_id,
        outcome.as_ref().map(|(k, m)| (*k, m.as_str())),
        clock(),
    )?;
    result
}

async fn run(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
    opts: &SyncOptions,
    cancel: &CancellationToken,
    clock: &(dyn Fn() -> Millis + Send + Sync),
    on_event: &mut (dyn FnMut(SyncEvent) + Send),
) -> Result<SyncReport, SyncError> {
    let mut cursors = store.load_cursors(account_id)?;
    let mut report = SyncReport::default();
    // Every cursor state this run has been in: a page leading back to one is a cycle
    // (A → B → A) that would be read forever.
    let mut visited = std::collections::HashSet::from([fingerprint(&cursors)]);
    // Waits the HTTP client decides on its own (a spent budget) reach the progress too.
    let (wait_tx, mut wait_rx) = tokio::sync::mpsc::unbounded_channel();
    let platform = connector.platform();
    connector
        .http()
        .set_observer(Some(std::sync::Arc::new(move |p, wait| {
            let _ = wait_tx.send((p, wait));
        })));
    let _reset = ResetObserver(connector);
    let mut renew = tokio::time::interval(SYNC_RENEW);
    renew.tick().await;

    loop {
        if let Some(max) = opts.max_pages {
            if report.pages >= max {
                report.stopped_early = true;
                return Ok(report);
            }
        }
        let mut failures = 0u32;
        let mut rate_waits = 0u32;
        let page = loop {
            let attempt = {
                let fetch = connector.next_page(&cursors);
                tokio::pin!(fetch);
                loop {
                    tokio::select! {
                        r = &mut fetch => break r,
                        Some((p, wait)) = wait_rx.recv() => on_event(SyncEvent::Waiting {
                            reason: format!("{} asks us to wait {}", p.label(), super::human_wait(wait)),
                            wait,
                        }),
                        _ = renew.tick() => store.keep_syncing(account_id, clock),
                        _ = cancel.cancelled() => return Err(SyncError::Cancelled),
                    }
                }
            };
            let err = match attempt {
                Ok(page) if page.more && !moves(&cursors, &page) => {
                    ConnectorError::malformed(platform, "the server sent the same page again")
                }
                Ok(page) => break page,
                Err(e) => e,
            };
            let wait = match &err {
                ConnectorError::RateLimited { wait, .. } => {
                    rate_waits += 1;
                    if rate_waits > opts.max_rate_limit_waits {
                        return Err(err.into());
                    }
                    on_event(SyncEvent::Waiting {
                        reason: err.to_string(),
                        wait: *wait,
                    });
                    *wait
                }
                e if e.kind() == ErrorKind::Transient => {
                    failures += 1;
                    if failures > opts.max_retries {
                        return Err(err.into());
                    }
                    let wait = backoff(opts, failures);
                    on_event(SyncEvent::Waiting {
                        reason: format!("{err}; trying again in {}", super::human_wait(wait)),
                        wait,
                    });
                    wait
                }
                _ => return Err(err.into()),
            };
            let sleep = tokio::time::sleep(wait);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    _ = renew.tick() => store.keep_syncing(account_id, clock),
                    _ = cancel.cancelled() => return Err(SyncError::Cancelled),
                }
            }
        };
        let written = commit_patiently(store, account_id, &page, clock).await?;
        cursors.apply(&page.cursors);
        report.pages += 1;
        report.totals += written;
        on_event(SyncEvent::Page {
            label: page.label.clone(),
            pages: report.pages,
            totals: report.totals,
        });
        if !page.more {
            return Ok(report);
        }
        if !visited.insert(fingerprint(&cursors)) {
            return Err(SyncError::Connector(ConnectorError::Platform {
                platform,
                detail: "its pages lead back to one already read in this sync (a cursor cycle), \
                         so the sync stopped; what was read is kept, and the next sync tries again"
                    .into(),
            }));
        }
    }
}

/// Writes a page, trying again while another Hearth holds the database's write lock (each try
/// already waits [`crate::store::BUSY_TIMEOUT`]); the page in hand is kept meanwhile.
async fn commit_patiently(
    store: &mut Store,
    account_id: i64,
    page: &Page,
    clock: &(dyn Fn() -> Millis + Send + Sync),
) -> Result<IngestReport> {
    let mut tries = 0;
    loop {
        match store.commit_page(account_id, page, clock()) {
            Err(Error::Busy) if tries < COMMIT_TRIES => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
                store.keep_syncing(account_id, clock);
            }
            other => return other,
        }
    }
}

/// How many more times a page is offered to a busy database before the sync stops in words.
const COMMIT_TRIES: u32 = 2;

impl Store {
    fn keep_syncing(&self, account_id: i64, clock: &(dyn Fn() -> Millis + Send + Sync)) {
        // A renewal that fails (busy) is tried again at the next tick; the lease has room.
        let _ = self.renew_sync_lease(account_id, clock() + SYNC_LEASE);
    }
}

/// A digest of a cursor state, to recognise it again within one run.
fn fingerprint(cursors: &Cursors) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    cursors.0.hash(&mut h);
    h.finish()
}

/// Whether a page changes any cursor (a page that does not would be fetched forever).
fn moves(cursors: &Cursors, page: &Page) -> bool {
    page.cursors
        .iter()
        .any(|c| cursors.get(&c.key) != c.value.as_deref())
}

/// 2 s, 4 s, 8 s… with up to a quarter of jitter so several accounts do not retry in step.
fn backoff(opts: &SyncOptions, failures: u32) -> Duration {
    let base = opts
        .backoff
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(opts.max_backoff);
    base + base.mul_f64(fastrand::f64() * 0.25)
}

/// Detaches the engine's wait observer when the run ends, however it ends.
struct ResetObserver<'a>(&'a dyn Connector);

impl Drop for ResetObserver<'_> {
    fn drop(&mut self) {
        self.0.http().set_observer(None);
    }
}
