//! Syncing with platforms. Owns: the [`engine`] that runs a connector page by page (cursors,
//! transactions, retries, rate limits, progress, cancellation), the [`outbox`] that sends
//! replies and posts exactly once, records kept aside ([`quarantine`]), what the faces call
//! ([`run`]) and the app's background [`scheduler`]. The connector vocabulary lives a floor
//! below, in [`crate::platform`], and is re-exported here.
//! Must never: let a connector touch the database, or let a token reach the database, a log
//! or an error message.

pub mod engine;
pub mod outbox;
pub mod publish;
pub mod quarantine;
pub mod run;
pub mod scheduler;

pub use crate::platform::*;
pub use engine::{sync_account, SyncEvent, SyncOptions, SyncReport};
