//! What goes into the outbox, as every writer of it words it: an item's key, a checked body,
//! and what a moderation item does. A module of its own, so the outbox (the sync engine's) and
//! moderation (which ingest calls) both use it without reaching for each other.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::error::{Error, Result};
use crate::model::{Millis, ModActionKind};

/// A new outbox item's key: sent as the platform's idempotency key where it has one.
pub(crate) fn new_key(now: Millis) -> String {
    format!("hearth-{now:x}-{:016x}", fastrand::u64(..))
}

/// A reply's or post's text, trimmed, refused in words when empty or longer than `limit`
/// characters (as people count them) on `platform`.
pub(crate) fn check_body(body: &str, limit: Option<u32>, platform: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::invalid("the reply is empty"));
    }
    if let Some(limit) = limit {
        let n = body.graphemes(true).count();
        if n > limit as usize {
            return Err(Error::invalid(format!(
                "{platform} allows {limit} characters; this reply has {n}"
            )));
        }
    }
    Ok(body.to_string())
}

/// What a `moderate` item's `moderation` column says, as the connector takes it.
#[derive(Serialize, Deserialize)]
pub(crate) struct ModerationColumn {
    pub action: ModActionKind,
    pub message: Option<String>,
    pub user: String,
    pub until: Option<Millis>,
    pub reason: String,
    pub url: Option<String>,
}
