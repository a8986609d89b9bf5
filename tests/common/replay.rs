//! Replays the recorded exchanges in `tests/fixtures/<platform>/` on a local `wiremock`
//! server: each file is `{"request": {method, path, query, headers, body?}, "response":
//! {status, headers, body}}`, shaped exactly as the platform documents it.

use std::path::PathBuf;

use serde_json::Value;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

pub struct Exchange {
    pub file: String,
    pub request: Value,
    pub response: Value,
}

fn dir(platform: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(platform)
}

/// The exchange in `tests/fixtures/<platform>/` whose file name starts with `prefix`.
pub fn load(platform: &str, prefix: &str) -> Exchange {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir(platform))
        .expect("the fixture folder exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    found.sort();
    assert_eq!(
        found.len(),
        1,
        "exactly one {platform} fixture starts with {prefix:?}: {found:?}"
    );
    let file = found.remove(0);
    let text = std::fs::read_to_string(&file).expect("the fixture is readable");
    let v: Value = serde_json::from_str(&text).expect("the fixture is JSON");
    Exchange {
        file: file.file_name().unwrap().to_string_lossy().into_owned(),
        request: v["request"].clone(),
        response: v["response"].clone(),
    }
}

impl Exchange {
    /// The path the request went to, with `strip` (such as `/api/v10`) removed from the front.
    pub fn path(&self, strip: &str) -> String {
        let p = self.request["path"]
            .as_str()
            .expect("the fixture has a request path");
        p.strip_prefix(strip).unwrap_or(p).to_string()
    }

    /// The recorded response, as wiremock serves it.
    pub fn respond(&self) -> ResponseTemplate {
        let status = self.response["status"]
            .as_u64()
            .expect("the fixture has a status") as u16;
        let mut t = ResponseTemplate::new(status);
        let mut content_type = None;
        if let Some(h) = self.response["headers"].as_object() {
            for (k, v) in h {
                if let Some(v) = v.as_str() {
                    if k.eq_ignore_ascii_case("content-type") {
                        content_type = Some(v.to_string());
                    }
                    t = t.insert_header(k.as_str(), v);
                }
            }
        }
        match &self.response["body"] {
            Value::Null => t,
            Value::String(s) if !content_type.as_deref().unwrap_or("").contains("json") => t
                .set_body_raw(
                    s.clone().into_bytes(),
                    content_type.as_deref().unwrap_or("text/plain"),
                ),
            body => t.set_body_raw(
                serde_json::to_vec(body).expect("JSON serialises"),
                content_type.as_deref().unwrap_or("application/json"),
            ),
        }
    }

    /// A mock that answers this exchange's method, path (minus `strip`) and query.
    pub fn mock(&self, strip: &str) -> Mock {
        let m = self.request["method"].as_str().unwrap_or("GET");
        let mut builder = Mock::given(method(m)).and(path(self.path(strip)));
        if let Some(q) = self.request["query"].as_object() {
            for (k, v) in q {
                match v {
                    Value::String(s) => builder = builder.and(query_param(k.as_str(), s.as_str())),
                    Value::Array(items) => {
                        for i in items.iter().filter_map(Value::as_str) {
                            builder = builder.and(query_param(k.as_str(), i));
                        }
                    }
                    other => builder = builder.and(query_param(k.as_str(), other.to_string())),
                }
            }
        }
        builder.respond_with(self.respond())
    }
}
