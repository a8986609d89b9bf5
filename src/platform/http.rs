//! The HTTP client every connector shares. Owns: timeouts, turning transport failures and HTTP
//! statuses into [`ConnectorError`]s, reading rate-limit headers and bodies (Retry-After,
//! `X-RateLimit-*`, `RateLimit-*`, Discord's `retry_after`, Matrix's `retry_after_ms`,
//! Discourse's `extras.wait_seconds`), and pausing before a request when the platform said
//! the budget is spent. Must never: put a URL's query, a header value or a token in an error.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use super::ConnectorError;
use crate::model::Platform;

/// Told whenever the client waits before a request, so progress can say so.
pub type WaitObserver = Arc<dyn Fn(Platform, Duration) + Send + Sync>;

/// Longest wait Hearth accepts from a header before treating it as nonsense.
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// The largest reply body Hearth reads (a page of a platform's API is far smaller).
const MAX_BODY: usize = 32 * 1024 * 1024;
/// Wait used when a 429 says nothing about how long.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    timeout: Duration,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    not_before: Mutex<Option<Instant>>,
    observer: Mutex<Option<WaitObserver>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Http")
    }
}

impl Http {
    /// A client with Hearth's user agent and `timeout` per request.
    pub fn new(timeout: Duration) -> Result<Http, ConnectorError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!(
                "Hearth/",
                env!("CARGO_PKG_VERSION"),
                " (community workstation)"
            ))
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| ConnectorError::Config(format!("cannot set up HTTP: {e}")))?;
        Ok(Http {
            client,
            timeout,
            shared: Arc::default(),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// How long one request may take: a request whose answer was lost may still be on its
    /// way to the platform for this long after it went out.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whoever wants to hear about waits (the engine, for progress).
    pub fn set_observer(&self, observer: Option<WaitObserver>) {
        if let Ok(mut o) = self.shared.observer.lock() {
            *o = observer;
        }
    }

    /// Sends `req`; returns the response when its status is a success (or 304), otherwise
    /// the error the status and body describe.
    pub async fn send(
        &self,
        platform: Platform,
        req: RequestBuilder,
    ) -> Result<Response, ConnectorError> {
        self.pause_if_asked(platform).await;
        let resp = req.send().await.map_err(|e| transport(platform, e))?;
        self.remember_budget(resp.headers());
        let status = resp.status();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Err(status_error(platform, status, &headers, &body))
    }

    /// Sends `req` and reads a JSON body of type `T`.
    pub async fn json<T: DeserializeOwned>(
        &self,
        platform: Platform,
        req: RequestBuilder,
    ) -> Result<(HeaderMap, T), ConnectorError> {
        let mut resp = self.send(platform, req).await?;
        let headers = resp.headers().clone();
        let too_big = || ConnectorError::Platform {
            platform,
            detail: format!(
                "it sent a reply of more than {} MB, which Hearth refuses to read",
                MAX_BODY / (1024 * 1024)
            ),
        };
        if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(platform, e))? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        let value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            // A lone UTF-16 surrogate in a string escape (`"\ud83d"` cut from its pair) is
            // invalid JSON that some platforms send: read it with U+FFFD in its place rather
            // than fail the whole page on every run.
            Err(e) if e.to_string().contains("surrogate") => {
                serde_json::from_slice(&mend_lone_surrogates(&bytes))
                    .map_err(|e| decode_error(platform, &e))?
            }
            Err(e) => return Err(decode_error(platform, &e)),
        };
        Ok((headers, value))
    }

    async fn pause_if_asked(&self, platform: Platform) {
        let until = self
            .shared
            .not_before
            .lock()
            .ok()
            .and_then(|mut n| n.take());
        if let Some(until) = until {
            let wait = until.saturating_duration_since(Instant::now());
            if !wait.is_zero() {
                let observer = self.shared.observer.lock().ok().and_then(|o| o.clone());
                if let Some(observer) = observer {
                    observer(platform, wait);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// When a response says no requests are left, the next one waits for the reset.
    fn remember_budget(&self, headers: &HeaderMap) {
        let remaining = header_f64(headers, "x-ratelimit-remaining")
            .or_else(|| header_f64(headers, "ratelimit-remaining"));
        if remaining != Some(0.0) {
            return;
        }
        if let Some(wait) = reset_wait(headers) {
            if let Ok(mut n) = self.shared.not_before.lock() {
                *n = Some(Instant::now() + wait);
            }
        }
    }
}

/// Replaces each `\uD800`–`\uDFFF` escape that is not half of a valid pair with `\uFFFD`.
fn mend_lone_surrogates(json: &[u8]) -> Vec<u8> {
    let hex = |b: &[u8]| -> Option<u16> {
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| u16::from_str_radix(s, 16).ok())
    };
    let escape_at = |i: usize| -> Option<u16> {
        (json.get(i) == Some(&b'\\') && json.get(i + 1) == Some(&b'u'))
            .then(|| json.get(i + 2..i + 6).and_then(hex))
            .flatten()
    };
    let mut out = Vec::with_capacity(json.len());
    let mut i = 0;
    let mut in_string = false;
    while i < json.len() {
        let b = json[i];
        if !in_string {
            in_string = b == b'"';
            out.push(b);
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = false;
                out.push(b);
                i += 1;
            }
            b'\\' => match escape_at(i) {
                Some(0xD800..=0xDBFF) => {
                    if matches!(escape_at(i + 6), Some(0xDC00..=0xDFFF)) {
                        out.extend_from_slice(&json[i..i + 12]);
                        i += 12;
                    } else {
                        out.extend_from_slice(b"\\ufffd");
                        i += 6;
                    }
                }
                Some(0xDC00..=0xDFFF) => {
                    out.extend_from_slice(b"\\ufffd");
                    i += 6;
                }
                _ => {
                    // Any other escape: copy it and the character it escapes.
                    out.extend_from_slice(&json[i..(i + 2).min(json.len())]);
                    i += 2;
                }
            },
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn transport(platform: Platform, e: reqwest::Error) -> ConnectorError {
    let e = e.without_url();
    if e.is_timeout() {
        ConnectorError::Timeout { platform }
    } else if e.is_connect() {
        ConnectorError::Offline {
            platform,
            detail: root_cause(&e),
        }
    } else if e.is_decode() {
        ConnectorError::malformed(platform, root_cause(&e))
    } else {
        ConnectorError::Network {
            platform,
            detail: root_cause(&e),
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Names what part of a JSON reply was wrong, without echoing the payload.
pub fn decode_error(platform: Platform, e: &serde_json::Error) -> ConnectorError {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "the reply was cut off".to_string(),
        serde_json::error::Category::Syntax => {
            format!("not valid JSON at line {} column {}", e.line(), e.column())
        }
        _ => format!("unexpected shape: {e}"),
    };
    ConnectorError::malformed(platform, what)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn header_f64(headers: &HeaderMap, name: &str) -> Option<f64> {
    header_str(headers, name).and_then(|v| v.parse().ok())
}

fn clamp(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_WAIT))
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = header_str(headers, "retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return clamp(secs);
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
            .min(MAX_WAIT),
    )
}

/// How long until the rate-limit window resets, from whichever header the platform uses:
/// seconds to go (`X-RateLimit-Reset-After`, IETF `RateLimit-Reset`), an epoch second
/// (Discord, GitHub, Bluesky) or an ISO-8601 time (Mastodon).
pub fn reset_wait(headers: &HeaderMap) -> Option<Duration> {
    if let Some(after) = header_f64(headers, "x-ratelimit-reset-after") {
        return clamp(after);
    }
    let v = header_str(headers, "x-ratelimit-reset")
        .or_else(|| header_str(headers, "ratelimit-reset"))?;
    let now = chrono::Utc::now();
    if let Ok(n) = v.parse::<f64>() {
        // An epoch second is in the billions; a delta is small.
        return if n > 1_000_000_000.0 {
            clamp(n - now.timestamp_millis() as f64 / 1000.0)
        } else {
            clamp(n)
        };
    }
    let t = chrono::DateTime::parse_from_rfc3339(v).ok()?;
    clamp((t.timestamp_millis() - now.timestamp_millis()) as f64 / 1000.0)
}

/// The wait a 429 (or a spent-budget 403) asks for, from headers or the body.
fn wait_from(headers: &HeaderMap, body: &serde_json::Value) -> Duration {
    if let Some(d) = retry_after(headers) {
        return d;
    }
    let from_body = body
        .get("retry_after")
        .and_then(|v| v.as_f64())
        .or_else(|| {
            body.get("retry_after_ms")
                .and_then(|v| v.as_f64())
                .map(|ms| ms / 1000.0)
        })
        .or_else(|| {
            body.pointer("/extras/wait_seconds")
                .and_then(|v| v.as_f64())
        })
        .or_else(|| {
            body.pointer("/parameters/retry_after")
                .and_then(|v| v.as_f64())
        });
    from_body
        .and_then(clamp)
        .or_else(|| reset_wait(headers))
        .unwrap_or(DEFAULT_WAIT)
}

/// Discord-style form errors: `{"errors": {"content": {"_errors": [{"message": …}]}}}` →
/// "content: Must be 2000 or fewer in length."
fn field_errors(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    let Some(map) = v.as_object() else { return };
    for (k, child) in map {
        if k == "_errors" {
            for e in child.as_array().into_iter().flatten() {
                if let Some(m) = e.get("message").and_then(|m| m.as_str()) {
                    out.push(if path.is_empty() {
                        m.to_string()
                    } else {
                        format!("{path}: {m}")
                    });
                }
            }
        } else {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            field_errors(child, &p, out);
        }
    }
}

/// The platform's own words for an error, short and without echoing anything long.
fn error_detail(body: &serde_json::Value, raw: &str) -> String {
    let pick = |v: &serde_json::Value| -> Option<String> {
        for key in ["message", "error_description", "error", "errcode", "detail"] {
            if let Some(s) = v.get(key).and_then(|x| x.as_str()) {
                return Some(s.to_string());
            }
        }
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array()) {
            let parts: Vec<String> = errors
                .iter()
                .filter_map(|e| {
                    e.as_str()
                        .map(str::to_string)
                        .or_else(|| e.get("message")?.as_str().map(str::to_string))
                })
                .collect();
            if !parts.is_empty() {
                return Some(parts.join("; "));
            }
        }
        None
    };
    let mut fields = Vec::new();
    if let Some(errors) = body.get("errors") {
        field_errors(errors, "", &mut fields);
    }
    let s = pick(body).map(|s| {
        if fields.is_empty() {
            s
        } else {
            format!("{s} ({})", fields.join("; "))
        }
    });
    let s = s.unwrap_or_else(|| {
        let t = raw.trim();
        if t.starts_with('<') || t.is_empty() {
            "no explanation given".to_string()
        } else {
            t.to_string()
        }
    });
    crate::text::shorten(&s, 200)
}

const AUTH_CODES: &[&str] = &[
    "invalid_access",
    "ExpiredToken",
    "InvalidToken",
    "AuthMissing",
    "M_UNKNOWN_TOKEN",
    "M_MISSING_TOKEN",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
];

/// Maps a non-success status (and its body) to what it means for the user.
pub fn status_error(
    platform: Platform,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> ConnectorError {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    let detail = error_detail(&json, body);
    let code = status.as_u16();
    let auth_code = ["error", "errcode", "code", "error_type"]
        .iter()
        .filter_map(|k| json.get(*k).and_then(|v| v.as_str()))
        .any(|c| AUTH_CODES.contains(&c));
    let budget_spent = header_f64(headers, "x-ratelimit-remaining") == Some(0.0);
    match code {
        429 => ConnectorError::RateLimited {
            platform,
            wait: wait_from(headers, &json),
        },
        403 if budget_spent || headers.contains_key("retry-after") => ConnectorError::RateLimited {
            platform,
            wait: wait_from(headers, &json),
        },
        401 => ConnectorError::Auth { platform, detail },
        400 | 403 if auth_code => ConnectorError::Auth { platform, detail },
        403 => ConnectorError::Forbidden { platform, detail },
        404 => ConnectorError::NotFound {
            platform,
            what: format!("such item ({detail})"),
        },
        408 | 500..=599 => ConnectorError::Unavailable {
            platform,
            status: code,
        },
        _ => ConnectorError::Platform {
            platform,
            detail: format!("HTTP {code}: {detail}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_is_read_as_a_replacement_character_and_pairs_stay() {
        let raw = br#"{"a":"x\ud83dy","b":"\ud83d\ude00","c":"\udc00\\ud83d","d":"\n"}"#;
        assert!(serde_json::from_slice::<serde_json::Value>(raw).is_err());
        let v: serde_json::Value =
            serde_json::from_slice(&mend_lone_surrogates(raw)).expect("mended JSON reads");
        assert_eq!(v["a"], "x\u{fffd}y");
        assert_eq!(v["b"], "😀", "a valid pair is kept");
        assert_eq!(
            v["c"], "\u{fffd}\\ud83d",
            "an escaped backslash is not an escape"
        );
        assert_eq!(v["d"], "\n");
    }
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn a_429_waits_as_long_as_the_platform_says_in_whichever_form() {
        let p = Platform::Discord;
        type Case<'a> = (&'a [(&'static str, &'a str)], &'a str, u64);
        let cases: &[Case<'_>] = &[
            (&[("retry-after", "12")], "{}", 12),
            (
                &[],
                r#"{"message":"You are being rate limited.","retry_after":6.457,"global":false}"#,
                7,
            ),
            (
                &[],
                r#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":2500}"#,
                3,
            ),
            (
                &[],
                r#"{"errors":["Slow down"],"extras":{"wait_seconds":41}}"#,
                41,
            ),
            (&[("x-ratelimit-reset-after", "9.5")], "{}", 10),
        ];
        for (h, body, secs) in cases {
            let e = status_error(p, StatusCode::TOO_MANY_REQUESTS, &headers(h), body);
            match e {
                ConnectorError::RateLimited { wait, .. } => {
                    assert_eq!(wait.as_secs_f64().ceil() as u64, *secs, "for {body}")
                }
                other => panic!("{body}: expected a rate limit, got {other:?}"),
            }
        }
    }

    #[test]
    fn expired_tokens_are_auth_errors_even_when_sent_as_400() {
        let e = status_error(
            Platform::Bluesky,
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            r#"{"error":"ExpiredToken","message":"Token has expired"}"#,
        );
        assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
        assert!(e.to_string().contains("Settings → Accounts"));
    }

    #[test]
    fn github_spent_budget_403_is_a_rate_limit_not_a_refusal() {
        let reset = (chrono::Utc::now().timestamp() + 20).to_string();
        let e = status_error(
            Platform::Github,
            StatusCode::FORBIDDEN,
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ]),
            r#"{"message":"API rate limit exceeded"}"#,
        );
        match e {
            ConnectorError::RateLimited { wait, .. } => {
                assert!(wait.as_secs() >= 18 && wait.as_secs() <= 20)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn discord_form_errors_say_which_field_and_why() {
        let e = status_error(
            Platform::Discord,
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            r#"{"message":"Invalid Form Body","code":50035,"errors":{"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]}}}"#,
        );
        assert!(
            e.to_string()
                .contains("Invalid Form Body (content: Must be 2000 or fewer in length.)"),
            "{e}"
        );
    }

    #[test]
    fn html_error_pages_are_not_echoed() {
        let e = status_error(
            Platform::Discourse,
            StatusCode::IM_A_TEAPOT,
            &HeaderMap::new(),
            "<html>boom</html>",
        );
        assert!(!e.to_string().contains("<html>"), "{e}");
    }
}
