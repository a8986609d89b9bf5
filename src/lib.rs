//! Hearth's core: a local-first workstation for community managers.
//!
//! Everything a community manager's data goes through lives here, and builds and tests without
//! Tauri or WebKit: the SQLite [`store`], [`ingest`] of platform data, the [`inbox`] queue,
//! [`members`] and their [`notes`], the content [`calendar`], full-text [`search`], and the
//! [`demo`] community generator. The desktop shell (`src-tauri`) and the CLI (`src/main.rs`) are
//! thin layers over [`Store`].

pub mod accounts;
pub mod calendar;
pub mod connectors;
pub mod data;
pub mod demo;
pub mod error;
pub mod feedback;
pub mod files;
pub mod health;
pub mod inbox;
pub mod ingest;
pub mod members;
pub mod model;
pub mod moderation;
pub mod notes;
pub(crate) mod outgoing;
pub mod platform;
pub mod sanitize;
pub mod search;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod tags;
pub mod team;
pub mod text;
pub mod when;

pub use error::{Error, Result};
pub use store::Store;

/// The current time in unix milliseconds. Only the outermost layers (CLI, desktop commands)
/// call this; the core takes `now` as an argument so tests can set the clock.
pub fn now_millis() -> model::Millis {
    chrono::Utc::now().timestamp_millis()
}
