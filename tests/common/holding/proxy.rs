//! A forwarding proxy in front of a real homeserver: every request is passed on to Synapse
//! (plain HTTP/1.0 over a `TcpStream`, so the homeserver really does what was asked) and its
//! answer is passed back — except that the answer to the first message sent
//! (`PUT …/send/m.room.message/{txnId}`) is held back, as a slow network would hold it. The
//! proxy keeps a log of what it forwarded and what Synapse answered.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// One request passed on, and Synapse's answer.
#[derive(Debug, Clone)]
pub struct Forwarded {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    pub status: u16,
    pub answer: Value,
}

impl Forwarded {
    /// A message sent into a room (the connector's `send`).
    pub fn is_send(&self) -> bool {
        self.method == "PUT" && self.target.contains("/send/m.room.message/")
    }

    /// A read of a room's messages (the connector's `find_sent`).
    pub fn is_lookup(&self) -> bool {
        self.method == "GET" && self.target.contains("/messages")
    }
}

pub struct Proxy {
    pub server: MockServer,
    log: Arc<Mutex<Vec<Forwarded>>>,
}

struct Forward {
    upstream: String,
    hold: Duration,
    log: Arc<Mutex<Vec<Forwarded>>>,
}

impl Respond for Forward {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let target = match req.url.query() {
            Some(q) => format!("{}?{q}", req.url.path()),
            None => req.url.path().to_string(),
        };
        let (status, content_type, body) = forward(&self.upstream, req, &target);
        let seen = Forwarded {
            method: req.method.to_string(),
            target,
            status,
            answer: serde_json::from_slice(&body).unwrap_or(Value::Null),
        };
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let first_send = seen.is_send() && !log.iter().any(Forwarded::is_send);
        log.push(seen);
        let answer = ResponseTemplate::new(status).set_body_raw(body, &content_type);
        if first_send {
            answer.set_delay(self.hold)
        } else {
            answer
        }
    }
}

/// Sends `req` to `upstream` (`host:port`) and reads the whole answer: status, content type
/// and body. HTTP/1.0, so the answer is never chunked and ends when the connection closes.
fn forward(upstream: &str, req: &Request, target: &str) -> (u16, String, Vec<u8>) {
    let mut head = format!("{} {target} HTTP/1.0\r\nHost: {upstream}\r\n", req.method);
    for name in ["authorization", "content-type", "accept"] {
        if let Some(v) = req.headers.get(name).and_then(|v| v.to_str().ok()) {
            head.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", req.body.len()));
    let mut stream = TcpStream::connect(upstream)
        .unwrap_or_else(|e| panic!("the proxy reaches Synapse at {upstream}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(&req.body))
        .expect("the request goes to Synapse");
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .expect("Synapse answers the proxy");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let mut content_type = "application/json".to_string();
    for line in head.lines().skip(1) {
        if let Some((k, v)) = line.split_once(':') {
            assert!(
                !(k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")),
                "an HTTP/1.0 answer is not chunked"
            );
            if k.eq_ignore_ascii_case("content-type") {
                content_type = v.trim().to_string();
            }
        }
    }
    (status, content_type, body)
}

impl Proxy {
    /// A proxy to the homeserver at `homeserver` (`http://host:port`) that holds the answer to
    /// the first message sent for `hold`.
    pub async fn start(homeserver: &str, hold: Duration) -> Proxy {
        let upstream = homeserver
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let server = MockServer::start().await;
        let log = Arc::new(Mutex::new(Vec::new()));
        Mock::given(wiremock::matchers::any())
            .respond_with(Forward {
                upstream,
                hold,
                log: log.clone(),
            })
            .mount(&server)
            .await;
        Proxy { server, log }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Everything forwarded so far, in order.
    pub fn log(&self) -> Vec<Forwarded> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The messages sent into rooms through the proxy, with Synapse's answers.
    pub fn sends(&self) -> Vec<Forwarded> {
        self.log().into_iter().filter(Forwarded::is_send).collect()
    }

    /// How many times a room's messages were read through the proxy.
    pub fn lookups(&self) -> usize {
        self.log().iter().filter(|f| f.is_lookup()).count()
    }
}
