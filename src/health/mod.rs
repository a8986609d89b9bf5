//! Community health: how the community is doing, computed on the device from the synced data.
//! Owns: the sentiment of messages (`sentiment.rs`, scored at ingest; messages synced before
//! it existed are scored here in batches), the metrics of a period (`metrics.rs`) read from
//! their roll-ups (`rollups.rs`), and the charts as CSV and PNG files (`export.rs`). Must
//! never: send a message's text off the machine.

pub mod export;
pub mod metrics;
pub mod rollups;
pub mod sentiment;

use rusqlite::params;

use crate::error::Result;
use crate::store::Store;

impl Store {
    /// Scores the sentiment of up to `limit` messages that have none yet (synced before
    /// schema 17), in one transaction; returns how many it scored. Called after each sync
    /// until none is left.
    pub fn score_unscored(&mut self, limit: usize) -> Result<usize> {
        let tx = self.conn_mut().transaction()?;
        let rows: Vec<(i64, String)> = tx
            .prepare_cached(
                "SELECT id, body_text FROM messages WHERE sentiment IS NULL ORDER BY id LIMIT ?1",
            )?
            .query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        {
            let mut set = tx.prepare_cached("UPDATE messages SET sentiment = ?2 WHERE id = ?1")?;
            for (id, text) in &rows {
                set.execute(params![id, sentiment::score(text)])?;
            }
        }
        tx.commit()?;
        Ok(rows.len())
    }
}
