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
            SyncError::Store(_) | SyncError::Cancelled => SyncErrorKind::Transient,
        }
    }
}

impl From<SyncError> for Error {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Connector(c) => Error::Connector(c),
            SyncError::Store(s) => s,
            SyncError::Cancelled => Error::invalid(SyncError::Cancelled.to_string()),
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

    /// Writes a page's records and the cursors that cover them in one transaction: a cursor
    /// can never point past records that were not written.
    pub fn commit_page(
        &mut self,
        account_id: i64,
        page: &Page,
        now: Millis,
    ) -> Result<IngestReport> {
        let tx = self.conn_mut().transaction()?;
        let report = ingest_in(&tx, account_id, &page.batch, now)?;
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
    let result = run(store, account_id, connector, opts, cancel, clock, on_event).await;
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
    // Waits the HTTP client decides on its own (a spent budget) reach the progress too.
    let (wait_tx, mut wait_rx) = tokio::sync::mpsc::unbounded_channel();
    let platform = connector.platform();
    connector
        .http()
        .set_observer(Some(std::sync::Arc::new(move |p, wait| {
            let _ = wait_tx.send((p, wait));
        })));
    let _reset = ResetObserver(connector);

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
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = cancel.cancelled() => return Err(SyncError::Cancelled),
            }
        };
        let written = store.commit_page(account_id, &page, clock())?;
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
    }
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
