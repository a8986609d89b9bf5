//! A Discourse forum on loopback that remembers what is posted to it, shaped as Discourse's
//! API documents it (`POST /posts.json`, `GET /posts.json`, `/u/{name}.json`…): enough for
//! real `hearth` processes and the app's syncer to sync, post and look a post up. It can take
//! its time answering a post (a slow forum) or not answer at all (a hung request), and it
//! counts every post it received — what "posted exactly once" is measured by — and every staff
//! action (a silence, a suspension).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Default)]
struct State {
    /// Every post received, in order: (id, title, raw).
    posts: Vec<(i64, Option<String>, String)>,
}

/// The forum and what it has received.
pub struct Forum {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
}

struct Post {
    state: Arc<Mutex<State>>,
    delay: Duration,
}

impl Respond for Post {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let raw = body["raw"].as_str().unwrap_or_default().to_string();
        let title = body["title"].as_str().map(str::to_string);
        let mut state = self.state.lock().expect("forum state");
        let id = 1000 + state.posts.len() as i64;
        // The forum stores the post as it arrives, whether or not its answer ever gets back.
        state.posts.push((id, title.clone(), raw.clone()));
        ResponseTemplate::new(200)
            .set_body_json(post_json(id, title.as_deref(), &raw))
            .set_delay(self.delay)
    }
}

fn post_json(id: i64, title: Option<&str>, raw: &str) -> Value {
    json!({
        "id": id,
        "topic_id": id,
        "post_number": 1,
        "topic_slug": "t",
        "topic_title": title,
        "username": "system",
        "user_id": -1,
        "raw": raw,
        "cooked": format!("<p>{raw}</p>"),
        "created_at": chrono::Utc::now().to_rfc3339(),
    })
}

struct Latest(Arc<Mutex<State>>);

impl Respond for Latest {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        // The sync reads `/posts.json` for new posts; it finds none of its own to import.
        if req.url.query().is_some_and(|q| q.contains("before")) {
            return ResponseTemplate::new(200).set_body_json(json!({ "latest_posts": [] }));
        }
        let state = self.0.lock().expect("forum state");
        let posts: Vec<Value> = state
            .posts
            .iter()
            .rev()
            .map(|(id, title, raw)| post_json(*id, title.as_deref(), raw))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "latest_posts": posts }))
    }
}

impl Forum {
    /// A forum that answers each post after `post_delay`.
    pub async fn start(post_delay: Duration) -> Forum {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(method("POST"))
            .and(path("/posts.json"))
            .respond_with(Post {
                state: state.clone(),
                delay: post_delay,
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/posts.json"))
            .respond_with(Latest(state.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/u/[^/]+\.json$"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    json!({"user": {"id": -1, "username": "system", "name": "system"}}),
                ),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/admin/users/list/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/latest.json"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"users": [], "topic_list": {"topics": []}})),
            )
            .mount(&server)
            .await;
        // Staff actions (a silence, a suspension) take as long as a post.
        Mock::given(method("PUT"))
            .and(path_regex(r"^/admin/users/\d+/(silence|suspend)\.json$"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"silence": {"silenced": true}}))
                    .set_delay(post_delay),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/site.json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"categories": []})))
            .mount(&server)
            .await;
        Forum { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The text of every post received, in order (a text twice = posted twice).
    pub fn posts(&self) -> Vec<String> {
        self.state
            .lock()
            .expect("forum state")
            .posts
            .iter()
            .map(|(_, _, raw)| raw.clone())
            .collect()
    }

    /// The staff actions received, in order, as "PUT /admin/users/42/silence.json".
    pub async fn staff_actions(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path().starts_with("/admin/users/") && r.method.as_str() == "PUT")
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    /// How many times the forum was asked to look through its posts (`GET /posts.json`).
    pub async fn lookups(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.method.as_str() == "GET" && r.url.path() == "/posts.json")
            .count()
    }
}
