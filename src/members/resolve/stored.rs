//! Where identities' keys are kept. Owns: `identity_keysets` (one row per identity: its keys
//! as JSON, and the hashes of them that it holds in the index) and `identity_key_index` (hash of
//! kind and value → identity), which finds who holds a key. Must never: leave an identity's
//! entries in the index after its keys are replaced or deleted (the delete trigger takes them
//! away from the hashes its row lists), or make the hash depend on the version or the machine.
//!
//! Keys are written a whole identity at a time. The index's entries go in sorted by hash, so a
//! list of 100k people adds its 1.6M entries in one pass over the B-tree instead of at random.

use rusqlite::{params, Connection};

use super::keys::Key;
use crate::error::{Error, Result};
use crate::store::key_hash;

fn encode(keys: &[Key]) -> Result<String> {
    let rows: Vec<(&str, &str, u8)> = keys
        .iter()
        .map(|k| (k.kind.as_str(), k.value.as_str(), u8::from(k.proof)))
        .collect();
    serde_json::to_string(&rows).map_err(|e| Error::invalid(format!("keys not written: {e}")))
}

/// The keys of one stored row.
pub(super) fn decode(identity: i64, json: &str) -> Result<Vec<Key>> {
    let rows: Vec<(String, String, u8)> = serde_json::from_str(json).map_err(|e| {
        Error::invalid(format!(
            "the stored keys of identity {identity} cannot be read ({e}); \
             `hearth members suggest --refresh` works them out again"
        ))
    })?;
    Ok(rows
        .into_iter()
        .map(|(kind, value, proof)| Key {
            kind,
            value,
            proof: proof != 0,
        })
        .collect())
}

/// Replaces the keys of these identities (an identity with none gets an empty row, so it is
/// not taken for one never worked out).
pub(super) fn store(conn: &Connection, batch: &[(i64, &[Key])]) -> Result<()> {
    // the old row's delete trigger takes its entries out of the index
    let mut forget = conn.prepare_cached("DELETE FROM identity_keysets WHERE identity_id = ?1")?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO identity_keysets (identity_id, keys, hashes) VALUES (?1, ?2, ?3)",
    )?;
    let mut entries: Vec<(i64, i64)> = Vec::new();
    for &(identity, keys) in batch {
        forget.execute([identity])?;
        let mut hashes: Vec<i64> = keys.iter().map(|k| key_hash(&k.kind, &k.value)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let listed = serde_json::to_string(&hashes)
            .map_err(|e| Error::invalid(format!("keys not written: {e}")))?;
        insert.execute(params![identity, encode(keys)?, listed])?;
        entries.extend(hashes.into_iter().map(|h| (h, identity)));
    }
    entries.sort_unstable();
    let mut index = conn.prepare_cached(
        "INSERT OR IGNORE INTO identity_key_index (h, identity_id) VALUES (?1, ?2)",
    )?;
    for (h, identity) in entries {
        index.execute([h, identity])?;
    }
    Ok(())
}

/// The stored keys of one identity (none if they were never worked out).
pub(super) fn keys_of(conn: &Connection, identity: i64) -> Result<Vec<Key>> {
    let json: Option<String> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached("SELECT keys FROM identity_keysets WHERE identity_id = ?1")?
            .query_row([identity], |r| r.get(0)),
    )?;
    json.map_or(Ok(Vec::new()), |j| decode(identity, &j))
}

/// Up to `limit` identities holding this key.
pub(super) fn holders(
    conn: &Connection,
    kind: &str,
    value: &str,
    limit: usize,
) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT identity_id FROM identity_key_index WHERE h = ?1 ORDER BY identity_id LIMIT ?2",
        )?
        .query_map(params![key_hash(kind, value), limit as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// How many identities hold this key.
pub(super) fn count(conn: &Connection, kind: &str, value: &str) -> Result<u32> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM identity_key_index WHERE h = ?1")?
        .query_row([key_hash(kind, value)], |r| r.get(0))?)
}

/// How many members hold this key.
pub(super) fn member_count(conn: &Connection, kind: &str, value: &str) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(DISTINCT i.member_id) FROM identity_key_index x
             JOIN identities i ON i.id = x.identity_id
             WHERE x.h = ?1",
        )?
        .query_row([key_hash(kind, value)], |r| r.get(0))?)
}

/// Forgets every identity's keys (their rules changed: the next whole run works them out).
pub(super) fn forget_all(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM identity_key_index;
         DELETE FROM identity_keysets;",
    )?;
    Ok(())
}

/// Builds the index again from the hashes each identity's row lists (after an import of an
/// export, or a recovery, which copy the rows but not the index).
pub(crate) fn reindex(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM identity_key_index;
         INSERT OR IGNORE INTO identity_key_index (h, identity_id)
         SELECT h.value, s.identity_id FROM identity_keysets s, json_each(s.hashes) h
         ORDER BY 1, 2;",
    )?;
    Ok(())
}
