/** What the keyring is and what to do when Hearth cannot reach it, for every place that says so. */
export const KEYRING_HELP =
  'Hearth keeps tokens in your system keyring — Keychain on macOS, Credential Manager on ' +
  'Windows, a Secret Service keyring such as GNOME Keyring or KWallet on Linux — never in its ' +
  'database. Make sure the keyring is running and unlocked, then try again; if the token was ' +
  'lost, update it.';
