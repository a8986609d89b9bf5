//! Account tokens in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), through the `keyring` crate. Owns: where a token is filed (service
//! `hearth`, one entry per database and account: [`Store::token_key`]) and turning keyring
//! trouble into advice.
//! Must never: write a token anywhere else, or put one in an error message.

use crate::error::{Error, Result};
use crate::platform::Secret;
use crate::store::Store;

const SERVICE: &str = "hearth";

/// Where one account's token is filed: this database's id and the account's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenKey(String);

impl Store {
    pub fn token_key(&self, account_id: i64) -> Result<TokenKey> {
        let uid: String =
            self.conn()
                .query_row("SELECT uid FROM workspace WHERE id = 1", [], |r| r.get(0))?;
        Ok(TokenKey(format!("{uid}/account-{account_id}")))
    }

    /// Where the secret that admits this workspace to its team's relay is filed.
    pub fn team_secret_key(&self) -> Result<TokenKey> {
        let uid: String =
            self.conn()
                .query_row("SELECT uid FROM workspace WHERE id = 1", [], |r| r.get(0))?;
        Ok(TokenKey(format!("{uid}/team")))
    }
}

/// The team's relay secret filed at `key`.
pub fn load_team_secret(key: &TokenKey) -> Result<Secret> {
    match entry(key)?.get_password() {
        Ok(t) => Ok(Secret::new(t)),
        Err(keyring::Error::NoEntry) => Err(Error::Keyring(
            "the team's secret is not in the system keyring; join again with a teammate's \
             link (`hearth team join LINK`)"
                .into(),
        )),
        Err(e) => Err(keyring_error(e)),
    }
}

fn entry(key: &TokenKey) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &key.0).map_err(keyring_error)
}

/// Files the token at `key`, replacing any earlier one.
pub fn store_token(key: &TokenKey, token: &Secret) -> Result<()> {
    entry(key)?
        .set_password(token.expose())
        .map_err(keyring_error)
}

/// The token filed at `key`.
pub fn load_token(key: &TokenKey) -> Result<Secret> {
    match entry(key)?.get_password() {
        Ok(t) => Ok(Secret::new(t)),
        Err(keyring::Error::NoEntry) => Err(Error::Keyring(
            "no token is stored for this account in the system keyring; enter it again in \
             Settings → Accounts (or `hearth accounts token NAME`)"
                .into(),
        )),
        Err(e) => Err(keyring_error(e)),
    }
}

/// Forgets the token at `key` (nothing to forget is fine).
pub fn delete_token(key: &TokenKey) -> Result<()> {
    match entry(key)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keyring_error(e)),
    }
}

fn keyring_error(e: keyring::Error) -> Error {
    let how = "Hearth keeps tokens only in the system keyring. On Linux start a Secret Service \
               (GNOME Keyring or KWallet) in your desktop session and unlock it; without a \
               desktop, run Hearth inside `dbus-run-session` with `gnome-keyring-daemon --unlock`";
    let what = match &e {
        keyring::Error::NoStorageAccess(_) => "the system keyring is locked or refused access",
        keyring::Error::PlatformFailure(_) | keyring::Error::NoDefaultStore => {
            "no system keyring is available"
        }
        _ => "the system keyring failed",
    };
    // The keyring's own error names the service and user, never the secret.
    Error::Keyring(format!("{what} ({e}). {how}"))
}
