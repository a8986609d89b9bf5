//! Connected platform accounts. Owns: adding, editing, listing and removing accounts, their
//! non-secret settings (server, scopes) and the outcome of their last sync.
//! Must never: store a token (see [`crate::secrets`]), or talk to the network.

use rusqlite::{params, OptionalExtension, Row};

use crate::connectors;
use crate::error::{Error, Result};
use crate::model::{AccountInput, AccountView, Millis, Platform, PlatformSpec, SyncErrorKind};
use crate::store::Store;

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Config {
    #[serde(default)]
    scopes: Vec<String>,
}

const SELECT: &str = "SELECT id, platform, name, base_url, config, self_handle, last_sync_at,
        last_attempt_at, last_error, last_error_kind, demo,
        (SELECT count(*) FROM quarantine q WHERE q.account_id = accounts.id),
        (SELECT json_array(q.kind, q.reason) FROM quarantine q
         WHERE q.account_id = accounts.id ORDER BY q.last_seen_at DESC, q.id DESC LIMIT 1)
    FROM accounts";

fn row_to_view(r: &Row<'_>) -> rusqlite::Result<AccountView> {
    let config: String = r.get(4)?;
    let config: Config = serde_json::from_str(&config).unwrap_or_default();
    let kind: Option<String> = r.get(9)?;
    let platform = crate::store::platform_col(r, 1)?;
    let quarantined: i64 = r.get(11)?;
    let newest_kept: Option<(String, String)> = r
        .get::<_, Option<String>>(12)?
        .and_then(|j| serde_json::from_str(&j).ok());
    Ok(AccountView {
        id: r.get(0)?,
        platform,
        name: r.get(2)?,
        base_url: r.get(3)?,
        scopes: config.scopes,
        self_handle: r.get(5)?,
        last_sync_at: r.get(6)?,
        last_attempt_at: r.get(7)?,
        last_error: r.get(8)?,
        last_error_kind: kind.as_deref().and_then(parse_kind),
        demo: r.get(10)?,
        quarantined,
        quarantine_note: newest_kept.map(|(kind, reason)| {
            format!(
                "{quarantined} {} {kind}{} could not be read: {reason}",
                platform.label(),
                if quarantined == 1 { "" } else { "s" }
            )
        }),
    })
}

fn parse_kind(s: &str) -> Option<SyncErrorKind> {
    Some(match s {
        "transient" => SyncErrorKind::Transient,
        "offline" => SyncErrorKind::Offline,
        "auth" => SyncErrorKind::Auth,
        "permanent" => SyncErrorKind::Permanent,
        "keyring" => SyncErrorKind::Keyring,
        _ => return None,
    })
}

pub fn kind_str(k: SyncErrorKind) -> &'static str {
    match k {
        SyncErrorKind::Transient => "transient",
        SyncErrorKind::Offline => "offline",
        SyncErrorKind::Auth => "auth",
        SyncErrorKind::Permanent => "permanent",
        SyncErrorKind::Keyring => "keyring",
    }
}

/// Checks and normalises what the user typed: a name, a server URL where the platform needs
/// one, the scopes it needs.
fn validate(input: &AccountInput) -> Result<(String, String, Vec<String>)> {
    let name = input.name.trim().to_string();
    if name.is_empty() {
        return Err(Error::invalid(
            "give the account a name, such as the community's name",
        ));
    }
    let spec = connectors::spec(input.platform).ok_or_else(|| {
        Error::invalid(format!(
            "Hearth cannot connect to {} accounts yet",
            input.platform.label()
        ))
    })?;
    let base = match input
        .base_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => spec.default_base_url.ok_or_else(|| {
            Error::invalid(format!(
                "{} needs the address of your server (for example {})",
                input.platform.label(),
                spec.base_url_example
            ))
        })?,
    };
    let parsed = url::Url::parse(&base).map_err(|e| {
        Error::invalid(format!(
            "{base:?} is not a web address ({e}); use the form {}",
            spec.base_url_example
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::invalid(format!("{base:?} must start with https://")));
    }
    let scopes: Vec<String> = input
        .scopes
        .iter()
        .flat_map(|s| s.split([',', '\n']))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if spec.scopes_required && scopes.is_empty() {
        return Err(Error::invalid(format!(
            "{} needs {} to sync",
            input.platform.label(),
            spec.scope_help
        )));
    }
    Ok((name, base, scopes))
}

impl Store {
    /// Adds an account (its token goes to the keyring separately, by the caller).
    pub fn add_account(&mut self, input: &AccountInput, now: Millis) -> Result<AccountView> {
        let (name, base, scopes) = validate(input)?;
        let config =
            serde_json::to_string(&Config { scopes }).map_err(|e| Error::invalid(e.to_string()))?;
        let inserted = self.conn().execute(
            "INSERT INTO accounts (platform, name, base_url, config, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (platform, name) DO NOTHING",
            params![input.platform.as_str(), name, base, config, now],
        )?;
        if inserted == 0 {
            return Err(Error::invalid(format!(
                "there is already a {} account named {name:?}",
                input.platform.label()
            )));
        }
        self.account(self.conn().last_insert_rowid())
    }

    /// Changes an account's name, server or scopes.
    pub fn update_account(&mut self, id: i64, input: &AccountInput) -> Result<AccountView> {
        let current = self.account(id)?;
        if current.platform != input.platform {
            return Err(Error::invalid(
                "an account cannot change platform; add a new one",
            ));
        }
        let (name, base, scopes) = validate(input)?;
        let config =
            serde_json::to_string(&Config { scopes }).map_err(|e| Error::invalid(e.to_string()))?;
        self.conn()
            .execute(
                "UPDATE accounts SET name = ?2, base_url = ?3, config = ?4 WHERE id = ?1",
                params![id, name, base, config],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => Error::invalid(format!(
                    "there is already a {} account named {name:?}",
                    input.platform.label()
                )),
                _ => Error::from(e),
            })?;
        self.account(id)
    }

    pub fn account(&self, id: i64) -> Result<AccountView> {
        self.conn()
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], row_to_view)
            .optional()?
            .ok_or_else(|| Error::not_found("account", id))
    }

    /// Finds an account by its id or its name (case-insensitive).
    pub fn find_account(&self, key: &str) -> Result<AccountView> {
        if let Ok(id) = key.parse::<i64>() {
            if let Ok(a) = self.account(id) {
                return Ok(a);
            }
        }
        let found: Vec<AccountView> = self
            .conn()
            .prepare(&format!(
                "{SELECT} WHERE name = ?1 COLLATE NOCASE ORDER BY id"
            ))?
            .query_map([key], row_to_view)?
            .collect::<rusqlite::Result<_>>()?;
        match found.len() {
            1 => Ok(found.into_iter().next().ok_or_else(|| Error::not_found("account", key))?),
            0 => Err(Error::not_found("account", key)),
            _ => Err(Error::invalid(format!(
                "several accounts are named {key:?}; use the account's number from `hearth accounts list`"
            ))),
        }
    }

    pub fn list_accounts(&self) -> Result<Vec<AccountView>> {
        Ok(self
            .conn()
            .prepare(&format!("{SELECT} ORDER BY platform, name"))?
            .query_map([], row_to_view)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Marks an account as the demo's: sample data that is never synced.
    pub fn mark_demo_account(&mut self, id: i64) -> Result<()> {
        self.conn()
            .execute("UPDATE accounts SET demo = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    /// The accounts a sync of everything covers: all but the demo's and imported lists.
    pub fn syncable_accounts(&self) -> Result<Vec<AccountView>> {
        Ok(self
            .list_accounts()?
            .into_iter()
            .filter(|a| !a.demo && a.platform.syncs())
            .collect())
    }

    /// Records who the token authenticates as ("Test connection").
    pub fn set_account_identity(&mut self, id: i64, external_id: &str, handle: &str) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE accounts SET self_external_id = ?2, self_handle = ?3 WHERE id = ?1",
            params![id, external_id, handle],
        )?;
        if n == 0 {
            return Err(Error::not_found("account", id));
        }
        Ok(())
    }

    /// Removes an account and everything synced through it. People who also have accounts
    /// elsewhere, or notes, stay; people known only through this account go.
    pub fn remove_account(&mut self, id: i64) -> Result<()> {
        self.account(id)?;
        let tx = self.conn_mut().transaction()?;
        let members: Vec<i64> = tx
            .prepare("SELECT DISTINCT member_id FROM identities WHERE account_id = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.execute(
            "DELETE FROM member_activity
             WHERE identity_id IN (SELECT id FROM identities WHERE account_id = ?1)",
            [id],
        )?;
        tx.execute("DELETE FROM messages WHERE account_id = ?1", [id])?;
        tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        crate::members::settle_members(&tx, &members, true)?;
        tx.commit()?;
        Ok(())
    }

    /// Records how a sync ended: `None` = it went well.
    pub fn record_sync_outcome(
        &mut self,
        id: i64,
        error: Option<(SyncErrorKind, &str)>,
        now: Millis,
    ) -> Result<()> {
        match error {
            None => self.conn().execute(
                "UPDATE accounts SET last_sync_at = ?2, last_attempt_at = ?2, last_error = NULL,
                     last_error_kind = NULL WHERE id = ?1",
                params![id, now],
            )?,
            Some((kind, msg)) => self.conn().execute(
                "UPDATE accounts SET last_attempt_at = ?2, last_error = ?3, last_error_kind = ?4
                 WHERE id = ?1",
                params![id, now, msg, kind_str(kind)],
            )?,
        };
        Ok(())
    }
}

/// Checks an account's settings without saving anything (the CLI does this before asking
/// for the token).
pub fn validate_input(input: &AccountInput) -> Result<()> {
    validate(input).map(|_| ())
}

/// Adds an account and files its token (`input.token`, required) in the keyring. If the
/// keyring refuses, the account is not kept: nothing half-made is left behind.
pub fn connect_account(
    store: &mut Store,
    input: &AccountInput,
    now: Millis,
) -> Result<AccountView> {
    let token = input
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::invalid("paste the account's token (it is kept in the system keyring)")
        })?;
    let account = store.add_account(input, now)?;
    let filed = store
        .token_key(account.id)
        .and_then(|key| crate::secrets::store_token(&key, &crate::sync::Secret::new(token)));
    if let Err(e) = filed {
        store.remove_account(account.id)?;
        return Err(e);
    }
    Ok(account)
}

/// Changes an account's settings, and its token when `input.token` holds a new one.
pub fn edit_account(store: &mut Store, id: i64, input: &AccountInput) -> Result<AccountView> {
    let account = store.update_account(id, input)?;
    if let Some(token) = input
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        crate::secrets::store_token(&store.token_key(id)?, &crate::sync::Secret::new(token))?;
    }
    Ok(account)
}

/// Forgets an account's token and removes the account with what was synced through it.
pub fn disconnect_account(store: &mut Store, id: i64) -> Result<()> {
    // an imported list never had a token: removing it needs no keyring
    if store.account(id)?.platform.syncs() {
        crate::secrets::delete_token(&store.token_key(id)?)?;
    }
    store.remove_account(id)
}

/// The platforms Hearth can connect to, for the UI's "Add account" form.
pub fn connectable_platforms() -> Vec<PlatformSpec> {
    Platform::ALL
        .into_iter()
        .filter_map(connectors::spec)
        .collect()
}
