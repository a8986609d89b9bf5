//! samod's storage in Hearth's own database: each Automerge chunk a row of `team_chunks`,
//! written in its own transaction. Owns: keys as samod names them (parts joined by '/', which
//! no part may hold), and remembering a write that failed. samod's storage cannot return an
//! error, so a failure (a full disk) is kept here and the sync that caused it reports it and
//! counts nothing it wrote as saved.
//! Must never: hold the connection across an await, or swallow a failure silently.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use samod::storage::{Storage, StorageKey};

use crate::error::Result;

#[derive(Clone)]
pub struct SqliteChunks {
    conn: Arc<Mutex<Connection>>,
    failure: Arc<Mutex<Option<String>>>,
}

impl SqliteChunks {
    /// Its own connection to the database at `path` (WAL, waits for other writers).
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(SqliteChunks {
            conn: Arc::new(Mutex::new(conn)),
            failure: Arc::new(Mutex::new(None)),
        })
    }

    /// The first write that failed since the last call, in words (None: everything was saved).
    pub fn take_failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }

    fn fail(&self, what: &str, e: impl std::fmt::Display) {
        if let Ok(mut f) = self.failure.lock() {
            f.get_or_insert_with(|| format!("{what}: {e}"));
        }
    }

    fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> impl std::future::Future<Output = std::result::Result<T, String>> + Send {
        let conn = self.conn.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut conn = conn
                    .lock()
                    .map_err(|_| "the team storage broke".to_string())?;
                work(&mut conn).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())?
        }
    }
}

fn key_text(key: &StorageKey) -> String {
    key.to_string()
}

fn key_from(text: &str) -> Option<StorageKey> {
    StorageKey::from_parts(text.split('/')).ok()
}

impl Storage for SqliteChunks {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let k = key_text(&key);
        match self
            .run(move |c| {
                c.query_row("SELECT data FROM team_chunks WHERE key = ?1", [k], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
                .optional()
            })
            .await
        {
            Ok(v) => v,
            Err(e) => {
                self.fail("reading the team's documents", e);
                None
            }
        }
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let p = key_text(&prefix);
        let rows = self
            .run(move |c| {
                // the prefix itself, and every key under it ('0' sorts right after '/')
                let mut stmt = c.prepare(
                    "SELECT key, data FROM team_chunks
                     WHERE key = ?1 OR (key >= ?1 || '/' AND key < ?1 || '0')",
                )?;
                let rows = stmt
                    .query_map([p], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .await;
        match rows {
            Ok(rows) => rows
                .into_iter()
                .filter_map(|(k, v)| key_from(&k).map(|k| (k, v)))
                .collect(),
            Err(e) => {
                self.fail("reading the team's documents", e);
                HashMap::new()
            }
        }
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        let k = key_text(&key);
        if let Err(e) = self
            .run(move |c| {
                let tx = c.transaction()?;
                tx.execute(
                    "INSERT INTO team_chunks (key, data) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                    params![k, data],
                )?;
                tx.commit()
            })
            .await
        {
            self.fail("saving the team's changes", e);
        }
    }

    async fn delete(&self, key: StorageKey) {
        let k = key_text(&key);
        if let Err(e) = self
            .run(move |c| {
                c.execute("DELETE FROM team_chunks WHERE key = ?1", [k])
                    .map(|_| ())
            })
            .await
        {
            self.fail("compacting the team's documents", e);
        }
    }
}
