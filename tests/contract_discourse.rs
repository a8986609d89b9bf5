//! The Discourse connector against recorded forum exchanges (tests/fixtures/discourse),
//! through the real sync engine and outbox into a real SQLite file.

use crate::common;

use std::time::Duration;

use common::contract::{fail_once, millis, new_post, received, recorded_error, waits, TestAccount};
use common::replay;
use common::NOW;
use hearth::connectors::discourse::Discourse;
use hearth::model::Platform;
use hearth::sync::{
    Connector, ConnectorConfig, ConnectorError, CursorChange, Cursors, Http, Secret, SyncEvent,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn discourse(server: &MockServer, timeout: Duration) -> Discourse {
    Discourse::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new("test-token-not-real"),
        scopes: vec!["ana".into()],
        http: Http::new(timeout).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("the connector is built")
    .with_page_size(2)
}

async fn mount_first_sync(server: &MockServer) {
    for f in [
        "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "12",
    ] {
        mount(server, f).await;
    }
}

/// Mounts a fixture; `/posts.json` without `before` (and `/latest.json` without `page`) only
/// answers when no more specific exchange does.
async fn mount(server: &MockServer, f: &str) {
    let ex = replay::load("discourse", f);
    let general = ex.request["query"].as_object().is_some_and(|q| {
        !q.contains_key("before")
            && !q.contains_key("page")
            && ex.path("") != "/admin/users/list/active.json"
    });
    let mock = ex.mock("");
    if general {
        mock.with_priority(10).mount(server).await
    } else {
        mock.mount(server).await
    }
}

/// A fresh database with the account, connected as the user the key belongs to, and the
/// connector.
async fn connected(server: &MockServer) -> (Discourse, TestAccount) {
    let mut e = TestAccount::new(Platform::Discourse, "https://forum.lumen-ssg.dev", &["ana"]);
    let c = discourse(server, Duration::from_secs(5));
    let me = e.connect(&c).await;
    assert_eq!((me.external_id.as_str(), me.handle.as_str()), ("1", "ana"));
    (c, e)
}

async fn synced(server: &MockServer) -> TestAccount {
    mount_first_sync(server).await;
    let (c, mut e) = connected(server).await;
    let (r, _) = e.sync(&c, NOW).await;
    r.expect("the first sync succeeds");
    e
}

#[tokio::test]
async fn first_sync_fills_members_topics_and_posts() {
    let server = MockServer::start().await;
    let e = synced(&server).await;

    let topics: i64 = e.sql(
        "SELECT count(*) FROM conversations WHERE kind = 'topic'",
        [],
    );
    assert_eq!(topics, 3);
    let posts: i64 = e.message_count();
    assert_eq!(posts, 10, "422…410, 405, 401");
    let conv: i64 = e.conversation_id("42");
    let detail = e.store.conversation(conv, NOW).expect("conversation");
    assert_eq!(
        detail.conversation.title.as_deref(),
        Some("Build fails with “ä” in front-matter title")
    );
    assert_eq!(detail.messages[0].author.handle, "jkessler");
    assert!(detail.messages[0].html.is_some(), "cooked HTML is kept");
    assert_eq!(
        detail.messages[1].url.as_deref(),
        Some(
            format!(
                "{}/t/build-fails-with-a-in-front-matter-title/42/2",
                server.uri()
            )
            .as_str()
        )
    );

    // Edited post: edited_at set; author-deleted post: marked deleted.
    let edited: Option<i64> = e.message_field("edited_at", "412");
    assert!(edited.is_some());
    let deleted: Option<i64> = e.message_field("deleted_at", "413");
    assert!(deleted.is_some());
    // Replies keep the post they answer; mentions of the account are flagged.
    let reply_to: String = e.message_field("reply_to_external_id", "414");
    assert_eq!(reply_to, "412");
    let reply_to: String = e.message_field("reply_to_external_id", "421");
    assert_eq!(reply_to, "420");
    let mentions: i64 = e.message_field("mentions_us", "414");
    assert_eq!(mentions, 1);
    let ours: i64 = e.message_field("from_us", "422");
    assert_eq!(ours, 1);

    // Members: emails from the admin list (placeholders dropped), profile evidence in raw.
    let ana_email: String = e.sql("SELECT email FROM identities WHERE external_id = '1'", []);
    assert_eq!(ana_email, "ana@lumen-ssg.dev");
    let system_email: Option<String> =
        e.sql("SELECT email FROM identities WHERE external_id = '-1'", []);
    assert_eq!(system_email, None);
    let raw: String = e.sql("SELECT raw FROM identities WHERE external_id = '3'", []);
    assert!(raw.contains("\"associated_accounts\""), "{raw}");
    assert!(!raw.contains("test-token-not-real"));
    let limei: String = e.sql("SELECT raw FROM identities WHERE external_id = '4'", []);
    assert!(limei.contains("https://github.com/li-mei"));
    let members = e
        .store
        .members(&hearth::model::MemberQuery {
            q: Some("李美".into()),
            ..Default::default()
        })
        .expect("members");
    let profile = e
        .store
        .member_profile(members.items[0].id, NOW)
        .expect("profile");
    assert_eq!(profile.location.as_deref(), Some("成都"));
}

#[tokio::test]
async fn one_posts_page_maps_to_hearth_records() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let c = discourse(&server, Duration::from_secs(5));
    let mut cursors = Cursors::default();
    cursors.apply(&[CursorChange::set("step", "posts")]);
    let mut page = c.next_page(&cursors).await.expect("a page");
    // The server's address changes every run; the snapshot keeps the rest.
    let uri = server.uri();
    for m in &mut page.batch.messages {
        m.url = m.url.as_ref().map(|u| u.replace(&uri, "https://forum"));
    }
    for conv in &mut page.batch.conversations {
        conv.url = conv.url.as_ref().map(|u| u.replace(&uri, "https://forum"));
    }
    for i in &mut page.batch.identities {
        i.profile_url = i
            .profile_url
            .as_ref()
            .map(|u| u.replace(&uri, "https://forum"));
        i.avatar_url = i
            .avatar_url
            .as_ref()
            .map(|u| u.replace(&uri, "https://forum"));
    }
    assert!(page.more);
    insta::assert_debug_snapshot!("discourse_posts_page_1", page);
}

#[tokio::test]
async fn a_second_sync_reads_only_new_posts_and_rereads_bumped_topics() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    server.reset().await;
    for f in ["06", "02", "03", "22", "14"] {
        mount(&server, f).await;
    }
    let mut latest = replay::load("discourse", "12").response["body"].clone();
    latest["topic_list"]["topics"][1]["bumped_at"] = json!("2026-03-08T11:40:19.006Z");
    latest["topic_list"]["more_topics_url"] = serde_json::Value::Null;
    Mock::given(method("GET"))
        .and(path("/latest.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(latest))
        .mount(&server)
        .await;

    let c = discourse(&server, Duration::from_secs(5));
    let (r, _) = e.sync(&c, NOW).await;
    r.expect("the second sync succeeds");

    let requests = received(&server, |_| true).await;
    let paths: Vec<String> = requests
        .iter()
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.starts_with("/posts.json"))
            .count(),
        1,
        "the newest posts reach back to what is stored: {paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/admin/users/1")),
        "known members are not fetched again: {paths:?}"
    );
    assert!(paths
        .iter()
        .any(|p| p.starts_with("/admin/users/list/active.json?page=2")));
    assert!(paths.iter().any(|p| p.starts_with("/t/42.json")));
    assert!(
        !paths.iter().any(|p| p.starts_with("/t/43.json")),
        "43 was not bumped"
    );

    let new: i64 = e.sql(
        "SELECT count(*) FROM messages WHERE external_id IN ('430', '431')",
        [],
    );
    assert_eq!(new, 2);
    let reply_to: String = e.message_field("reply_to_external_id", "431");
    assert_eq!(reply_to, "430");
    // The spam post deleted by staff shows up only in the topic: recorded as deleted.
    let spam: Option<i64> = e.message_field("deleted_at", "415");
    assert!(spam.is_some());
    // The author-deleted post keeps the text Hearth had (none here) and stays deleted.
    assert_eq!(e.message_count(), 13);
}

#[tokio::test]
async fn an_edit_replaces_the_text_and_keeps_the_old_one() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    server.reset().await;
    replay::load("discourse", "06")
        .mock("")
        .mount(&server)
        .await;
    let mut topic = replay::load("discourse", "14").response["body"].clone();
    let posts = topic["post_stream"]["posts"].as_array_mut().unwrap();
    let p = posts.iter_mut().find(|p| p["id"] == 414).unwrap();
    p["raw"] = json!("The workaround from @limei fixed it for me too. Thanks!");
    p["cooked"] = json!("<p>The workaround from @limei fixed it for me too. Thanks!</p>");
    p["version"] = json!(2);
    p["updated_at"] = json!("2026-03-08T12:00:00.000Z");
    Mock::given(method("GET"))
        .and(path("/t/42.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(topic))
        .mount(&server)
        .await;
    let c = discourse(&server, Duration::from_secs(5));
    let mut cursors = e.store.load_cursors(e.account).unwrap();
    cursors.apply(&[
        CursorChange::set("step", "topics"),
        CursorChange::set("topics.queue", "42"),
    ]);
    let page = c.next_page(&cursors).await.expect("topic page");
    e.store.commit_page(e.account, &page, NOW).expect("written");
    let text: String = e.message_field("body_text", "414");
    assert!(text.ends_with("Thanks!"), "{text}");
    let old: String = e.sql(
        "SELECT r.body_text FROM message_revisions r JOIN messages m ON m.id = r.message_id
         WHERE m.external_id = '414'",
        [],
    );
    assert!(old.contains("is 0.9.1 planned?"), "{old}");
}

#[tokio::test]
async fn a_429_with_wait_seconds_is_waited_out_and_reported() {
    let server = MockServer::start().await;
    fail_once(
        &server,
        "/posts.json",
        ResponseTemplate::new(429).set_body_json(json!({
            "errors": ["You’ve performed this action too many times."],
            "error_type": "rate_limit",
            "extras": {"wait_seconds": 1, "time_left": "1 second"}
        })),
    )
    .await;
    mount_first_sync(&server).await;
    let (c, mut e) = connected(&server).await;
    let (r, events) = e.sync(&c, NOW).await;
    r.expect("the sync finishes after waiting");
    assert!(
        waits(&events)
            .iter()
            .any(|r| r == "discourse asks us to wait 1 s"),
        "{events:?}"
    );
}

#[test]
fn recorded_429s_ask_for_the_wait_the_forum_says_json_or_plain_text() {
    for (f, secs) in [("17", 39), ("18", 8)] {
        let ex = replay::load("discourse", f);
        let e = recorded_error(Platform::Discourse, &ex);
        match e {
            ConnectorError::RateLimited { wait, .. } => assert_eq!(wait.as_secs(), secs, "{f}"),
            other => panic!("{f}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_invalid_key_fails_the_sync_in_words_and_keeps_what_was_synced() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    let before: i64 = e.message_count();
    server.reset().await;
    Mock::given(path_regex(".*"))
        .respond_with(replay::load("discourse", "16").respond())
        .mount(&server)
        .await;
    let c = discourse(&server, Duration::from_secs(5));
    let (r, _) = e.sync(&c, NOW).await;
    let err = r.expect_err("a revoked key fails").to_string();
    assert!(
        err.contains("rejected the token") && err.contains("update it in Settings → Accounts"),
        "{err}"
    );
    assert!(e
        .last_error()
        .is_some_and(|m| m.contains("Settings → Accounts")));
    let after: i64 = e.message_count();
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_bad_gateway_is_retried_and_a_truncated_reply_fails_in_words() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/posts.json"))
        .and(query_param("before", "410"))
        .respond_with(replay::load("discourse", "19").respond())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_first_sync(&server).await;
    let (c, mut e) = connected(&server).await;
    let (r, events) = e.sync(&c, NOW).await;
    r.expect("the 502 is retried");
    assert!(events.iter().any(|ev| matches!(ev,
        SyncEvent::Waiting { reason, .. } if reason.contains("HTTP 502"))));

    let server = MockServer::start().await;
    replay::load("discourse", "06")
        .mock("")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/posts.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"latest_posts": [{"id": 4"#, "application/json"),
        )
        .mount(&server)
        .await;
    let c = discourse(&server, Duration::from_secs(5));
    let mut cursors = Cursors::default();
    cursors.apply(&[CursorChange::set("step", "posts")]);
    let err = c.next_page(&cursors).await.expect_err("truncated");
    assert_eq!(
        err.to_string().to_lowercase(),
        "discourse sent a reply hearth could not read (the reply was cut off)"
    );
}

fn reply_text() -> String {
    replay::load("discourse", "20").request["body"]["raw"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn mount_reply_target(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/posts/414.json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"id": 414, "post_number": 5, "topic_id": 42, "username": "zoe"}),
            ),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_reply_goes_out_once_through_the_outbox_answering_the_newest_post() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    mount_reply_target(&server).await;
    let ex = replay::load("discourse", "20");
    Mock::given(method("POST"))
        .and(path("/posts.json"))
        .and(body_partial_json(&ex.request["body"]))
        .respond_with(ex.respond())
        .expect(1)
        .mount(&server)
        .await;
    let c = discourse(&server, Duration::from_secs(5));
    let conv: i64 = e.conversation_id("42");
    e.store
        .queue_reply(conv, &reply_text(), NOW)
        .expect("queued");
    let first = e.flush(&c, NOW).await;
    assert_eq!(first.sent, 1, "{first:?}");
    let second = e.flush(&c, NOW).await;
    assert_eq!(second.sent + second.reconciled, 0);
    let item = &e.store.list_outbox(Some(0)).unwrap()[0];
    assert!(item
        .url
        .as_deref()
        .is_some_and(|u| u.ends_with("/t/build-fails-with-a-in-front-matter-title/42/7")));
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_found_in_the_topic_instead_of_posted_again() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    mount_reply_target(&server).await;
    let ex = replay::load("discourse", "20");
    Mock::given(method("POST"))
        .and(path("/posts.json"))
        .respond_with(ex.respond().set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let c = discourse(&server, Duration::from_millis(400));
    // The attempt happens when the server created the post (clocks agree within seconds).
    let at = millis(&ex.response["body"]["created_at"]);
    let conv: i64 = e.conversation_id("42");
    e.store
        .queue_reply(conv, &reply_text(), NOW)
        .expect("queued");
    let first = e.flush(&c, at).await;
    assert_eq!((first.sent, first.waiting), (0, 1), "{first:?}");

    let mut topic = replay::load("discourse", "14").response["body"].clone();
    topic["post_stream"]["posts"]
        .as_array_mut()
        .unwrap()
        .push(ex.response["body"].clone());
    topic["post_stream"]["stream"]
        .as_array_mut()
        .unwrap()
        .push(json!(430));
    Mock::given(method("GET"))
        .and(path("/t/42.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(topic))
        .mount(&server)
        .await;
    // A moment later the lost request could still be on its way: nothing is sent again.
    let soon = e.flush(&c, at + 1_000).await;
    assert_eq!(
        (soon.sent, soon.reconciled, soon.waiting),
        (0, 0, 1),
        "{soon:?}"
    );
    // Once the request timeout has passed, the reply is looked up and found.
    let second = e.flush(&c, at + 60_000).await;
    assert_eq!((second.sent, second.reconciled), (0, 1), "{second:?}");
    let posts = received(&server, |r| r.method.as_str() == "POST")
        .await
        .len();
    assert_eq!(posts, 1, "the reply was posted once");
}

#[tokio::test]
async fn a_new_topic_needs_a_title() {
    let server = MockServer::start().await;
    let c = discourse(&server, Duration::from_secs(5));
    let err = c
        .send(&new_post("hello"))
        .await
        .expect_err("a title is needed");
    assert_eq!(err.to_string(), "a new Discourse topic needs a title");
}

/// "You are not permitted to view the requested resource.": Discourse's one answer to a flag it
/// will not take (I18n `invalid_access`), whatever the reason.
const NOT_PERMITTED: &str = "You are not permitted to view the requested resource.";
const REASON: &str = "Spam link — again";

fn mod_act(
    e: &TestAccount,
    post: &str,
    action: hearth::model::ModActionKind,
) -> hearth::model::ModActionInput {
    hearth::model::ModActionInput {
        message_id: Some(e.sql("SELECT id FROM messages WHERE external_id = ?1", [post])),
        action: Some(action),
        reason: REASON.into(),
        guideline: Some("No spam".into()),
        ..Default::default()
    }
}

/// Takes `input`, flushes the outbox once (one item carried out, none refused) and returns
/// the log line as it then stands.
async fn carried_out(
    e: &mut TestAccount,
    c: &dyn Connector,
    input: hearth::model::ModActionInput,
) -> hearth::model::ModAction {
    let queued = e.store.moderate(&input, NOW).expect("queued");
    let flushed = e.flush(c, NOW).await;
    assert_eq!((flushed.sent, flushed.failed), (1, 0), "{flushed:?}");
    e.store.mod_action(queued.id).expect("the log line")
}

/// `GET /posts/{id}.json`, hidden or not, answered once.
async fn mount_post_state(server: &MockServer, id: i64, hidden: bool) {
    Mock::given(method("GET"))
        .and(path(format!("/posts/{id}.json")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "id": id, "topic_id": 42, "username": "limei", "hidden": hidden }),
        ))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn staff_hide_a_post_with_a_flag_that_takes_action_and_one_already_hidden_counts_as_done() {
    use hearth::model::ModActionKind;
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    let c = discourse(&server, Duration::from_secs(5));
    // The documented body: `id` an integer; `take_action` as the controller compares it
    // (`params[:take_action] == "true"`).
    Mock::given(method("POST"))
        .and(path("/post_actions.json"))
        .and(body_partial_json(json!({
            "id": 412,
            "post_action_type_id": 4,
            "take_action": "true",
            "flag_topic": false,
            "message": REASON,
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 412, "topic_id": 42, "post_number": 3, "username": "limei", "hidden": true,
            "actions_summary": [{ "id": 4, "count": 1, "acted": true, "can_undo": true }]
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let queued = e
        .store
        .moderate(&mod_act(&e, "412", ModActionKind::Hide), NOW)
        .expect("queued");
    assert_eq!(
        (queued.how.as_str(), queued.state.as_str()),
        ("platform", "queued")
    );
    let flushed = e.flush(&c, NOW).await;
    assert_eq!((flushed.sent, flushed.failed), (1, 0), "{flushed:?}");
    let done = e.store.mod_action(queued.id).expect("the log line");
    assert_eq!(
        (done.state.as_str(), done.done_at),
        ("done", Some(NOW)),
        "{done:?}"
    );
    assert_eq!(
        e.message_field::<Option<i64>>("deleted_at", "412"),
        None,
        "hidden, not deleted"
    );
    assert_eq!(e.flush(&c, NOW).await.sent, 0, "flagged once");

    // Hiding it again: Discourse will not flag a hidden post, and says only "not permitted"
    // (here with `error_type: "invalid_access"`, as `Discourse::InvalidAccess` answers). The
    // post is hidden, which is what was asked: done, and the key is not blamed.
    Mock::given(method("POST"))
        .and(path("/post_actions.json"))
        .and(body_partial_json(json!({ "id": 412 })))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "errors": [NOT_PERMITTED],
            "error_type": "invalid_access"
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_post_state(&server, 412, true).await;
    let again = mod_act(&e, "412", ModActionKind::Hide);
    assert_eq!(carried_out(&mut e, &c, again).await.state, "done");
    assert_eq!(e.last_error(), None, "the account is not marked as broken");

    // The same words for a post that is not hidden: a refusal, said in Discourse's words.
    Mock::given(method("POST"))
        .and(path("/post_actions.json"))
        .and(body_partial_json(json!({ "id": 414 })))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({ "errors": [NOT_PERMITTED] })),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_post_state(&server, 414, false).await;
    let refused = e
        .store
        .moderate(&mod_act(&e, "414", ModActionKind::Hide), NOW)
        .expect("queued");
    let report = e.flush(&c, NOW).await;
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    let failed = e.store.mod_action(refused.id).expect("the log line");
    assert_eq!(failed.state, "failed");
    assert!(
        failed.error.as_deref().is_some_and(
            |m| m.to_lowercase().starts_with("discourse refused") && m.contains(NOT_PERMITTED)
        ),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_post_is_deleted_its_author_silenced_for_an_hour_then_suspended() {
    use hearth::model::ModActionKind;
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    let c = discourse(&server, Duration::from_secs(5));

    // Deleting a post someone already deleted (404) counts as done too.
    Mock::given(method("DELETE"))
        .and(path("/posts/421.json"))
        .and(body_partial_json(json!({ "context": REASON })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/posts/405.json"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "errors": ["The requested URL or resource could not be found."],
            "error_type": "not_found"
        })))
        .expect(1)
        .mount(&server)
        .await;
    for post in ["421", "405"] {
        let delete = mod_act(&e, post, ModActionKind::Delete);
        assert_eq!(
            carried_out(&mut e, &c, delete).await.state,
            "done",
            "{post}"
        );
        assert_eq!(
            e.message_field::<Option<i64>>("deleted_at", post),
            Some(NOW),
            "{post} shows as deleted"
        );
    }

    // limei (user 4) wrote 412: silenced until now + 60 min (2026-11-23 12:00 UTC + 1 h).
    Mock::given(method("PUT"))
        .and(path("/admin/users/4/silence.json"))
        .and(body_partial_json(json!({
            "silenced_till": "2026-11-23T13:00:00+00:00",
            "reason": REASON,
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "silence": { "silenced": true, "silence_reason": REASON,
                         "silenced_till": "2026-11-23T13:00:00.000Z" }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let timeout = hearth::model::ModActionInput {
        minutes: Some(60),
        ..mod_act(&e, "412", ModActionKind::Timeout)
    };
    let done = carried_out(&mut e, &c, timeout).await;
    assert_eq!(
        (done.state.as_str(), done.until),
        ("done", Some(NOW + 60 * 60_000)),
        "{done:?}"
    );

    // A ban is a suspension with no end Discourse would reach.
    Mock::given(method("PUT"))
        .and(path("/admin/users/4/suspend.json"))
        .and(body_partial_json(json!({
            "suspend_until": "3000-01-01T00:00:00Z",
            "reason": REASON,
            "post_id": "412",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "suspension": { "suspend_reason": REASON, "suspended_till": "3000-01-01T00:00:00.000Z" }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let ban = mod_act(&e, "412", ModActionKind::Ban);
    assert_eq!(carried_out(&mut e, &c, ban).await.state, "done");
    assert_eq!(e.flush(&c, NOW).await.sent, 0, "nothing sent twice");

    // Suspended again (a retry after a lost answer): Discourse says 409, they already are.
    server.reset().await;
    Mock::given(method("PUT"))
        .and(path("/admin/users/4/suspend.json"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "errors": ["User was already suspended by system on Nov 23, 2026 for spam"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let again = mod_act(&e, "412", ModActionKind::Ban);
    assert_eq!(carried_out(&mut e, &c, again).await.state, "done");
}
