//! One module per platform behind the [`Connector`] trait, and the table of what each needs to
//! connect (server address, scopes, where to get a token). Connectors translate the platform's
//! payloads into Hearth's types and back. Must never: touch the database, keep state outside
//! the cursors the engine hands them, or put the token in an error.

pub mod bluesky;
pub mod discord;
pub mod discourse;
pub mod github;
pub mod mastodon;
pub mod matrix;
mod phases;
mod recent;
pub mod slack;
mod window;

use crate::ingest::Quarantined;
use crate::model::{Platform, PlatformSpec};
use crate::platform::{Connector, ConnectorConfig, ConnectorError};

/// What connecting an account of `platform` takes; `None` when Hearth cannot connect to it.
pub fn spec(platform: Platform) -> Option<PlatformSpec> {
    let s = |default: Option<&str>, example: &str, required: bool, scope: &str, token: &str| {
        Some(PlatformSpec {
            platform,
            default_base_url: default.map(str::to_string),
            base_url_example: example.to_string(),
            scopes_required: required,
            scope_help: scope.to_string(),
            token_help: token.to_string(),
        })
    };
    match platform {
        Platform::Discord => s(
            Some("https://discord.com/api/v10"),
            "https://discord.com/api/v10",
            true,
            "the server (guild) id: Discord → Server Settings → Widget, or right-click the server with Developer Mode on",
            "a bot token: Discord Developer Portal → your app → Bot → Reset Token (enable the Server Members and Message Content intents)",
        ),
        Platform::Discourse => s(
            None,
            "https://forum.example.org",
            false,
            "optional: the API username (default: system)",
            "an admin API key: your forum → Admin → API → New API Key",
        ),
        Platform::Github => s(
            Some("https://api.github.com"),
            "https://api.github.com",
            true,
            "the repositories to follow, as owner/repo",
            "a personal access token with read access to issues, pull requests and discussions (and write access to reply)",
        ),
        Platform::Slack => s(
            Some("https://slack.com/api"),
            "https://slack.com/api",
            false,
            "optional: the channel ids to sync (default: every channel the app is in)",
            "a bot token (xoxb-…) of an app you create in your workspace, with channels:read, channels:history, users:read, users:read.email and chat:write (add groups:read and groups:history for private channels)",
        ),
        Platform::Matrix => s(
            None,
            "https://matrix.example.org",
            false,
            "optional: room ids to sync (default: every room the account has joined)",
            "an access token: Element → Settings → Help & About → Access Token",
        ),
        Platform::Mastodon => s(
            None,
            "https://mastodon.social",
            false,
            "optional: hashtags to follow, such as #lumen",
            "an access token: Preferences → Development → New application (read and write:statuses scopes)",
        ),
        Platform::Bluesky => s(
            Some("https://bsky.social"),
            "https://bsky.social",
            true,
            "your handle or DID, such as lumen.bsky.social",
            "an app password: Bluesky → Settings → Privacy and Security → App Passwords",
        ),
        Platform::Email | Platform::Reddit | Platform::Telegram | Platform::List => None,
    }
}

/// The connector for an account of `platform`.
pub fn build(
    platform: Platform,
    cfg: ConnectorConfig,
) -> Result<Box<dyn Connector>, ConnectorError> {
    Ok(match platform {
        Platform::Discord => Box::new(discord::Discord::new(cfg)?),
        Platform::Discourse => Box::new(discourse::Discourse::new(cfg)?),
        Platform::Github => Box::new(github::GitHub::new(cfg)?),
        Platform::Slack => Box::new(slack::Slack::new(cfg)?),
        Platform::Matrix => Box::new(matrix::Matrix::new(cfg)?),
        Platform::Mastodon => Box::new(mastodon::Mastodon::new(cfg)?),
        Platform::Bluesky => Box::new(bluesky::Bluesky::new(cfg)?),
        Platform::Email | Platform::Reddit | Platform::Telegram | Platform::List => {
            return Err(ConnectorError::Config(format!(
                "Hearth cannot connect to {} accounts yet",
                platform.label()
            )))
        }
    })
}

/// Joins `base` and `path` without doubling or losing a slash.
pub(crate) fn endpoint(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// What must be escaped in a URL path segment: everything but RFC 3986's unreserved set.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (room ids, channel names…).
pub(crate) fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// The string at JSON pointer `ptr`, if there is one.
pub(crate) fn str_at<'a>(v: &'a serde_json::Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(serde_json::Value::as_str)
}

/// The trimmed, non-empty string at `ptr`.
pub(crate) fn nonempty(v: &serde_json::Value, ptr: &str) -> Option<String> {
    str_at(v, ptr)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The array at `ptr`, or an empty one.
/// A count at `ptr` (a number; 0 when absent or not one).
pub(crate) fn count_at(v: &serde_json::Value, ptr: &str) -> u32 {
    v.pointer(ptr)
        .and_then(serde_json::Value::as_u64)
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

pub(crate) fn arr<'a>(v: &'a serde_json::Value, ptr: &str) -> &'a [serde_json::Value] {
    v.pointer(ptr)
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// How much of a record's payload is kept aside with it.
const MAX_KEPT: usize = 1 << 20;

/// What became of one record of a page: `read` is how mapping it went. A record Hearth cannot
/// read (an unexpected shape, a field of the wrong type) is set aside into `aside` with its
/// payload and `Ok(None)` comes back, so the rest of the page is written and the account does
/// not stall on it every run; any other error (the network, the token) stops the page as before.
pub(crate) fn or_set_aside<T>(
    aside: &mut Vec<Quarantined>,
    kind: &str,
    context: Option<&str>,
    record: &serde_json::Value,
    read: Result<T, ConnectorError>,
) -> Result<Option<T>, ConnectorError> {
    match read {
        Ok(v) => Ok(Some(v)),
        Err(ConnectorError::Malformed { detail, .. }) => {
            let mut raw = record.to_string();
            if raw.len() > MAX_KEPT {
                let mut cut = MAX_KEPT;
                while !raw.is_char_boundary(cut) {
                    cut -= 1;
                }
                raw.truncate(cut);
            }
            aside.push(Quarantined {
                kind: kind.to_string(),
                external_id: ["/id", "/event_id", "/ts", "/uri", "/node_id"]
                    .iter()
                    .find_map(|p| match record.pointer(p) {
                        Some(serde_json::Value::String(s)) => Some(s.clone()),
                        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    }),
                reason: detail,
                raw,
                context: context.map(str::to_string),
            });
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
