//! What the CLI and the desktop app call: test an account's connection, sync it and send its
//! outbox, with the token fetched from the keyring and the connector built for its platform.
//! Owns: the one way an account turns into a running connector. Must never: hold a token
//! longer than the connector that uses it.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::engine::{sync_account, SyncError, SyncEvent, SyncOptions, SyncReport};
use super::outbox::{flush_account, FlushReport};
use super::{Clock, Connector, ConnectorConfig, Http, Secret};
use crate::connectors;
use crate::error::Result;
use crate::model::{AccountView, ConnectionCheck, Millis, SyncErrorKind};
use crate::secrets;
use crate::store::Store;

/// How long one request may take before it counts as a timeout.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the connector for `account` with `secret`, dating what it decides by `clock`.
pub fn connector_with(
    account: &AccountView,
    secret: Secret,
    http: Http,
    clock: Clock,
) -> Result<Box<dyn Connector>> {
    let base_url = match &account.base_url {
        Some(u) => u.clone(),
        None => connectors::spec(account.platform)
            .and_then(|s| s.default_base_url)
            .unwrap_or_default(),
    };
    Ok(connectors::build(
        account.platform,
        ConnectorConfig {
            base_url,
            secret,
            scopes: account.scopes.clone(),
            http,
            clock,
        },
    )?)
}

/// Builds the connector for `account` with its token from the keyring.
pub fn connector_for(
    store: &Store,
    account: &AccountView,
    clock: Clock,
) -> Result<Box<dyn Connector>> {
    let secret = secrets::load_token(&store.token_key(account.id)?)?;
    connector_with(account, secret, Http::new(REQUEST_TIMEOUT)?, clock)
}

/// Asks the platform who the token is. Holds no store, so the app can await it without
/// blocking anyone; remember the answer with [`remember_identity`].
pub async fn check_connection(connector: &dyn Connector) -> Result<ConnectionCheck> {
    let me = connector.whoami().await?;
    Ok(ConnectionCheck {
        external_id: me.external_id,
        handle: me.handle,
        display_name: me.display_name,
    })
}

/// Records who the account is on its platform (its messages are then "from us").
pub fn remember_identity(store: &mut Store, account_id: i64, me: &ConnectionCheck) -> Result<()> {
    store.set_account_identity(account_id, &me.external_id, &me.handle)
}

/// "Test connection": asks the platform who the token is, and remembers it.
pub async fn test_connection(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
) -> Result<ConnectionCheck> {
    let me = check_connection(connector).await?;
    remember_identity(store, account_id, &me)?;
    Ok(me)
}

/// How syncing one account went.
#[derive(Debug)]
pub struct AccountRun {
    pub sync: std::result::Result<SyncReport, SyncError>,
    /// `None` when the sync failed before the outbox could be tried.
    pub flush: Option<Result<FlushReport>>,
}

/// How many messages synced before schema 17 one sync scores (about a tenth of a second).
const UNSCORED_BATCH: usize = 20_000;

/// Syncs `account_id` (asking the platform who we are first, if nobody has yet), then sends
/// what its outbox holds.
pub async fn sync_and_send(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
    opts: &SyncOptions,
    cancel: &CancellationToken,
    clock: &(dyn Fn() -> Millis + Send + Sync),
    on_event: &mut (dyn FnMut(SyncEvent) + Send),
) -> AccountRun {
    let known = store.account(account_id).map(|a| a.self_handle.is_some());
    if let Ok(false) = known {
        if let Err(e) = test_connection(store, account_id, connector).await {
            let err = match e {
                crate::Error::Connector(c) => SyncError::Connector(c),
                other => SyncError::Store(other),
            };
            let _ = store.record_sync_outcome(
                account_id,
                Some((err.kind(), &err.to_string())),
                clock(),
            );
            return AccountRun {
                sync: Err(err),
                flush: None,
            };
        }
    }
    let sync = sync_account(store, account_id, connector, opts, cancel, clock, on_event).await;
    let flush = match &sync {
        Ok(_) => Some(flush_account(store, account_id, connector, clock).await),
        Err(_) => None,
    };
    if sync.is_ok() {
        // Reactions and boosts on what the calendar published lately: counts, never a reason
        // for the sync to fail.
        let _ = super::publish::measure_posts(store, account_id, connector, clock).await;
    }
    if sync.is_ok() {
        // Engagement follows the new activity. A failure here (the database busy) leaves the
        // previous scores, worked out again after the next sync; it never fails the sync.
        let _ = store.compute_engagement(clock());
        // Messages synced before sentiment was kept are scored a batch at a time.
        let _ = store.score_unscored(UNSCORED_BATCH);
        // The Dashboard's roll-ups follow what the sync changed, so opening it waits for none.
        let _ = store.refresh_rollups();
    }
    AccountRun { sync, flush }
}

/// Records a problem that stopped a sync before it began (no token in the keyring, no
/// keyring at all).
pub fn record_setup_failure(
    store: &mut Store,
    account_id: i64,
    e: &crate::Error,
    now: Millis,
) -> Result<()> {
    let kind = match e {
        crate::Error::Keyring(_) => SyncErrorKind::Keyring,
        _ => SyncErrorKind::Permanent,
    };
    store.record_sync_outcome(account_id, Some((kind, &e.to_string())), now)
}
