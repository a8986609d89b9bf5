//! Records kept aside: reading them again after an upgrade (`hearth sync
//! --retry-quarantined`). Owns: handing each kept record back to its connector and writing
//! what now reads well, in one transaction per record. Must never: drop a record that still
//! cannot be read (it stays kept, with the newest reason).

use rusqlite::params;

use super::{Connector, ConnectorError};
use crate::error::Result;
use crate::model::Millis;
use crate::store::Store;

/// How a retry went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryReport {
    /// Read now and written like any synced record.
    pub read: u64,
    /// Still unreadable: kept, with the reason.
    pub kept: u64,
    /// The first reason a record is still kept, in words.
    pub problem: Option<String>,
}

struct Kept {
    id: i64,
    kind: String,
    raw: String,
    context: Option<String>,
}

impl Store {
    /// How many records of `account_id` are kept aside.
    pub fn quarantined(&self, account_id: i64) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM quarantine WHERE account_id = ?1",
            [account_id],
            |r| r.get(0),
        )?)
    }

    fn kept_records(&self, account_id: i64) -> Result<Vec<Kept>> {
        Ok(self
            .conn()
            .prepare(
                "SELECT id, kind, raw, context FROM quarantine WHERE account_id = ?1 ORDER BY id",
            )?
            .query_map([account_id], |r| {
                Ok(Kept {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    raw: r.get(2)?,
                    context: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}

/// Offers every record of `account_id` kept aside to `connector` again: what it reads now is
/// written (and leaves the quarantine), the rest stays with the newest reason.
pub async fn retry_quarantined(
    store: &mut Store,
    account_id: i64,
    connector: &dyn Connector,
    now: Millis,
) -> Result<RetryReport> {
    let mut report = RetryReport::default();
    let cursors = store.load_cursors(account_id)?;
    for k in store.kept_records(account_id)? {
        let read = match serde_json::from_str(&k.raw) {
            Ok(raw) => {
                connector
                    .reread(&k.kind, &raw, k.context.as_deref(), &cursors)
                    .await
            }
            Err(e) => Err(ConnectorError::malformed(
                connector.platform(),
                format!("its payload is not whole JSON ({e})"),
            )),
        };
        match read {
            Ok(batch) => {
                store.ingest(account_id, &batch, now)?;
                store
                    .conn()
                    .execute("DELETE FROM quarantine WHERE id = ?1", [k.id])?;
                report.read += 1;
            }
            Err(ConnectorError::Malformed { detail, .. } | ConnectorError::Config(detail)) => {
                store.conn().execute(
                    "UPDATE quarantine SET reason = ?2, last_seen_at = ?3 WHERE id = ?1",
                    params![k.id, detail, now],
                )?;
                report.kept += 1;
                report.problem.get_or_insert(detail);
            }
            // The network or the token: stop, nothing is lost.
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
