//! Account tokens in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), through the `keyring` crate. Owns: where a token is filed (service
//! `hearth`, one entry per account id) and turning keyring trouble into advice.
//! Must never: write a token anywhere else, or put one in an error message.

use crate::error::{Error, Result};
use crate::sync::Secret;

const SERVICE: &str = "hearth";

fn entry(account_id: i64) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &format!("account-{account_id}")).map_err(keyring_error)
}

/// Files the token of account `account_id`, replacing any earlier one.
pub fn store_token(account_id: i64, token: &Secret) -> Result<()> {
    entry(account_id)?
        .set_password(token.expose())
        .map_err(keyring_error)
}

/// The token of account `account_id`.
pub fn load_token(account_id: i64) -> Result<Secret> {
    match entry(account_id)?.get_password() {
        Ok(t) => Ok(Secret::new(t)),
        Err(keyring::Error::NoEntry) => Err(Error::Keyring(
            "no token is stored for this account in the system keyring; enter it again in \
             Settings → Accounts (or `hearth accounts token NAME`)"
                .into(),
        )),
        Err(e) => Err(keyring_error(e)),
    }
}

/// Forgets the token of account `account_id` (nothing to forget is fine).
pub fn delete_token(account_id: i64) -> Result<()> {
    match entry(account_id)?.delete_credential() {
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
