//! The GitHub connector against recorded GitHub exchanges (tests/fixtures/github), through the
//! real sync engine and outbox into a real SQLite file.

use crate::common;

use std::time::Duration;

use common::contract::{
    fail_once, millis, new_post, outgoing, page_labels, received, recorded_error,
    too_many_requests, waits, TestAccount,
};
use common::replay;
use common::NOW;
use hearth::connectors::github::GitHub;
use hearth::model::{InboxQuery, Platform};
use hearth::sync::{
    Connector, ConnectorConfig, ConnectorError, CursorChange, Cursors, Http, Secret, SyncEvent,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const REPO: &str = "lumen-ssg/lumen";

fn github(server: &MockServer, timeout: Duration) -> GitHub {
    GitHub::new(ConnectorConfig {
        base_url: server.uri(),
        secret: Secret::new("test-token-not-real"),
        scopes: vec![REPO.into()],
        http: Http::new(timeout).expect("an HTTP client"),
        clock: std::sync::Arc::new(hearth::now_millis),
    })
    .expect("the connector is built")
}

/// The connector as the first sync uses it: the fixtures' page sizes and history window.
fn first_sync_github(server: &MockServer) -> GitHub {
    github(server, Duration::from_secs(5))
        .with_page_size(3)
        .with_history_since("2026-05-01T00:00:00Z")
}

/// The REST part of the first sync: the user, org members and profiles, issues, comments.
async fn mount_first_sync_rest(server: &MockServer) {
    for f in [
        "01", "02", "03", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    ] {
        replay::load("github", f).mock("").mount(server).await;
    }
}

/// A recorded GraphQL exchange, answered when the request's `id` and `after` variables match.
async fn mount_graphql(server: &MockServer, prefix: &str) {
    let ex = replay::load("github", prefix);
    let vars = &ex.request["body"]["variables"];
    let mut wanted = json!({ "after": vars["after"] });
    if let Some(id) = vars.get("id") {
        wanted["id"] = id.clone();
    }
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({ "variables": wanted })))
        .respond_with(ex.respond())
        .mount(server)
        .await;
}

async fn mount_first_sync(server: &MockServer) {
    mount_first_sync_rest(server).await;
    let d1 = replay::load("github", "17");
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({"variables": {"after": null}})))
        .respond_with(d1.respond())
        .mount(server)
        .await;
    let d2 = replay::load("github", "18");
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(
            json!({"variables": {"after": d2.request["body"]["variables"]["after"]}}),
        ))
        .respond_with(d2.respond())
        .mount(server)
        .await;
}

/// A fresh database with the account, connected as the user the token belongs to, and the
/// connector as the first sync uses it.
async fn connected(server: &MockServer) -> (GitHub, TestAccount) {
    let mut e = TestAccount::new(Platform::Github, "https://api.github.com", &[REPO]);
    let c = first_sync_github(server);
    let me = e.connect(&c).await;
    assert_eq!(me.handle, "lumen-community");
    assert_eq!(me.display_name.as_deref(), Some("Lumen Community"));
    (c, e)
}

/// A first sync into a fresh database, ready for the next step of a test.
async fn synced(server: &MockServer) -> TestAccount {
    mount_first_sync(server).await;
    let (c, mut e) = connected(server).await;
    let (r, _) = e.sync(&c, NOW).await;
    r.expect("the first sync succeeds");
    e
}

#[tokio::test]
async fn first_sync_fills_members_issues_pull_requests_comments_and_discussions() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let (c, mut e) = connected(&server).await;
    let (r, events) = e.sync(&c, NOW).await;
    let report = r.expect("the first sync succeeds");
    assert_eq!(
        report.totals.conversations_added, 8,
        "5 issues/PRs and 3 discussions"
    );
    assert!(page_labels(&events).contains(&"lumen-ssg/lumen issues"));

    // Conversations, by kind, with titles and the repository as container.
    let inbox = e
        .store
        .inbox(
            &InboxQuery {
                limit: Some(100),
                ..Default::default()
            },
            NOW,
        )
        .expect("inbox");
    let titles: Vec<&str> = inbox
        .items
        .iter()
        .filter_map(|i| i.title.as_deref())
        .collect();
    assert!(
        titles.contains(&"Docs: running Lumen behind a reverse proxy"),
        "{titles:?}"
    );
    assert!(titles.contains(&"Is there a Matrix bridge for the community chat?"));
    assert!(inbox
        .items
        .iter()
        .all(|i| i.container.as_deref() == Some(REPO)));
    let kind = |ext: &str| -> String {
        e.sql(
            "SELECT kind FROM conversations WHERE external_id = ?1",
            [ext],
        )
    };
    assert_eq!(kind("lumen-ssg/lumen#419"), "pull_request");
    assert_eq!(kind("lumen-ssg/lumen#420"), "issue");
    assert_eq!(kind("D_kwDOLpAfB84AbwMbH"), "discussion");

    // The issue body is the first message, comments follow, our own is marked as ours.
    let conv = e.conversation_id("lumen-ssg/lumen#418");
    let detail = e.store.conversation(conv, NOW).expect("conversation");
    assert_eq!(detail.messages.len(), 3);
    assert!(detail.messages[0]
        .text
        .starts_with("Polish has **three** plural forms"));
    assert_eq!(detail.messages[0].author.handle, "lkowalski");
    assert_eq!(
        detail.messages[1].url.as_deref(),
        Some("https://github.com/lumen-ssg/lumen/issues/418#issuecomment-2872101877")
    );
    let ours: i64 = e.message_field("from_us", "2872188804");
    assert_eq!(ours, 1);

    // Mentions of the account or its team count; our own comment mentioning others does not.
    let mentioned: i64 = e.sql(
        "SELECT count(*) FROM messages WHERE mentions_us AND external_id IN
             ('lumen-ssg/lumen#420', 'lumen-ssg/lumen#421', '2872101877')",
        [],
    );
    assert_eq!(mentioned, 3);

    // Discussions: a deleted comment that still has a reply is marked, the reply threads.
    let deleted: Option<i64> = e.message_field("deleted_at", "DC_kwDOLpAfB84Aya94yv");
    assert!(deleted.is_some());
    let reply_to: String = e.message_field("reply_to_external_id", "DC_kwDOLpAfB84AV_84bx");
    assert_eq!(reply_to, "DC_kwDOLpAfB84Aya94yv");

    // Members carry every piece of profile evidence, social accounts in raw.
    let (email, raw): (String, String) = e.sql2(
        "SELECT email, raw FROM identities WHERE external_id = 'mgarcia-dev'",
        [],
    );
    assert_eq!(email, "maria@lumen.example");
    assert!(
        raw.contains("https://matrix.to/#/@maria:lumen.example"),
        "{raw}"
    );
    assert!(raw.contains("mariagarcia_dev"));
    assert!(!raw.contains("test-token-not-real"));
    let soren: String = e.sql(
        "SELECT raw FROM identities WHERE external_id = 'snielsen'",
        [],
    );
    assert!(soren.contains("soren.example") && soren.contains("fosstodon.example"));
    let members = e
        .store
        .members(&hearth::model::MemberQuery {
            q: Some("Aiko".into()),
            ..Default::default()
        })
        .expect("members");
    assert_eq!(members.items.len(), 1);
    let profile = e
        .store
        .member_profile(members.items[0].id, NOW)
        .expect("profile");
    assert_eq!(profile.location.as_deref(), Some("東京 Tokyo"));
}

#[tokio::test]
async fn one_issues_page_maps_to_hearth_records() {
    let server = MockServer::start().await;
    mount_first_sync(&server).await;
    let c = first_sync_github(&server);
    let mut cursors = Cursors::default();
    cursors.apply(&[CursorChange::set("step", format!("{REPO}\tissues"))]);
    let page = c.next_page(&cursors).await.expect("a page");
    assert!(page.more);
    insta::assert_debug_snapshot!("github_issues_page_1", page);
}

#[tokio::test]
async fn a_second_sync_fetches_only_what_changed_applies_edits_and_marks_deletions() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    let before: i64 = e.message_count();

    server.reset().await;
    replay::load("github", "01").mock("").mount(&server).await;
    let not_modified = replay::load("github", "04");
    Mock::given(method("GET"))
        .and(path("/orgs/lumen-ssg/members"))
        .and(header(
            "If-None-Match",
            not_modified.request["headers"]["If-None-Match"]
                .as_str()
                .unwrap(),
        ))
        .respond_with(not_modified.respond())
        .mount(&server)
        .await;
    for f in ["19", "20", "21"] {
        replay::load("github", f).mock("").mount(&server).await;
    }
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(replay::load("github", "17").respond())
        .mount(&server)
        .await;
    // Issues whose comments did not change answer 304.
    Mock::given(method("GET"))
        .and(path_regex(r"^/repos/lumen-ssg/lumen/issues/\d+/comments$"))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(10)
        .mount(&server)
        .await;

    // A new connector at production page size: everything it needs is in the cursors.
    let c = github(&server, Duration::from_secs(5));
    let (r, _) = e.sync(&c, NOW).await;
    r.expect("the second sync succeeds");

    let requests = received(&server, |_| true).await;
    assert!(
        !requests.iter().any(|r| r.url.path().starts_with("/users/")),
        "profiles are not fetched again when the member list is unchanged (304)"
    );
    let issues = requests
        .iter()
        .find(|r| r.url.path() == "/repos/lumen-ssg/lumen/issues")
        .expect("issues listed");
    assert!(issues
        .url
        .query_pairs()
        .any(|(k, v)| k == "since" && v == "2026-05-04T10:50:12Z"));

    // One new comment; the boundary repeats were not inserted twice.
    let after: i64 = e.message_count();
    assert_eq!(after, before + 1);
    let new_mentions: i64 = e.message_field("mentions_us", "2874410096");
    assert_eq!(new_mentions, 1);

    // María's edit replaced the text in place; the first version is kept in history.
    let text: String = e.message_field("body_text", "2872101877");
    assert!(text.contains("**Edit:**"), "{text}");
    let old: String = e.sql(
        "SELECT r.body_text FROM message_revisions r JOIN messages m ON m.id = r.message_id
         WHERE m.external_id = '2872101877'",
        [],
    );
    assert!(!old.contains("**Edit:**"));

    // Chidi's comment vanished from the re-listed issue: marked deleted, its text kept.
    let (deleted, kept): (Option<i64>, String) = e.sql2(
        "SELECT deleted_at, body_text FROM messages WHERE external_id = '2872103350'",
        [],
    );
    assert!(deleted.is_some(), "the deleted comment is marked");
    assert!(kept.contains("same problem for Czech"));
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_reported_in_words() {
    let server = MockServer::start().await;
    fail_once(
        &server,
        "/repos/lumen-ssg/lumen/issues",
        too_many_requests(json!({"message": "API rate limit exceeded"})),
    )
    .await;
    mount_first_sync(&server).await;
    let (c, mut e) = connected(&server).await;
    let (r, events) = e.sync(&c, NOW).await;
    r.expect("the sync finishes after waiting");
    let reasons = waits(&events);
    assert!(
        reasons.iter().any(|r| r == "github asks us to wait 1 s"),
        "{reasons:?}"
    );
}

#[test]
fn recorded_spent_budget_and_secondary_limits_are_rate_limits() {
    for f in ["26", "27", "28"] {
        let e = recorded_error(Platform::Github, &replay::load("github", f));
        assert!(
            matches!(e, ConnectorError::RateLimited { .. }),
            "{f}: {e:?}"
        );
    }
}

#[tokio::test]
async fn a_long_discussion_is_read_to_its_newest_comment_and_reply() {
    let server = MockServer::start().await;
    mount_first_sync_rest(&server).await;
    // The listing carries 20 of the roadmap's 23 comments, and 20 of one comment's 22 replies.
    for f in ["34", "35", "36"] {
        mount_graphql(&server, f).await;
    }
    let (c, mut e) = connected(&server).await;
    e.sync(&c, NOW).await.0.expect("the first sync succeeds");

    let conv = e.conversation_id("D_kwDOLpAfB84AcRm1Q");
    let detail = e.store.conversation(conv, NOW).expect("the discussion");
    assert_eq!(
        detail.messages.len(),
        1 + 23 + 22,
        "the opening post, every comment and every reply"
    );
    let newest = e.conversation_of("DC_kwDOLpAfB84A5A016q");
    assert_eq!(newest, "D_kwDOLpAfB84AcRm1Q");
    let asks_us: bool = e.message_field("mentions_us", "DC_kwDOLpAfB84A5A016q");
    assert!(
        asks_us,
        "the 23rd comment's @lumen-community is a mention of us"
    );
    let (reply, parent): (String, String) = e.sql2(
        "SELECT body_text, reply_to_external_id FROM messages WHERE external_id = ?1",
        ["DC_kwDOLpAfB84A5A079q"],
    );
    assert!(reply.starts_with("Reply 22:"), "{reply}");
    assert_eq!(
        parent, "DC_kwDOLpAfB84A5A014q",
        "the 22nd reply answers the 21st comment"
    );
}

#[tokio::test]
async fn graphql_rate_limited_with_http_200_maps_to_a_rate_limit() {
    let server = MockServer::start().await;
    replay::load("github", "01").mock("").mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(replay::load("github", "29").respond())
        .mount(&server)
        .await;
    let c = first_sync_github(&server);
    let mut cursors = Cursors::default();
    cursors.apply(&[CursorChange::set("step", format!("{REPO}\tdiscussions"))]);
    let err = c.next_page(&cursors).await.expect_err("rate limited");
    assert!(matches!(err, ConnectorError::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn a_rejected_token_fails_the_sync_in_words_and_keeps_what_was_synced() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    let before: i64 = e.message_count();
    server.reset().await;
    replay::load("github", "30").mock("").mount(&server).await;
    let c = github(&server, Duration::from_secs(5));
    let (r, _) = e.sync(&c, NOW).await;
    let err = r.expect_err("a bad token fails the sync").to_string();
    assert!(
        err.contains("rejected the token (Bad credentials) — update it in Settings → Accounts"),
        "{err}"
    );
    assert!(e
        .last_error()
        .is_some_and(|m| m.contains("Settings → Accounts")));
    let after: i64 = e.message_count();
    assert_eq!(after, before);
}

#[tokio::test]
async fn server_errors_are_retried_and_garbled_replies_fail_in_words() {
    let server = MockServer::start().await;
    fail_once(
        &server,
        "/repos/lumen-ssg/lumen/issues",
        replay::load("github", "32").respond(),
    )
    .await;
    mount_first_sync(&server).await;
    let (c, mut e) = connected(&server).await;
    let (r, events) = e.sync(&c, NOW).await;
    r.expect("the 500 is retried");
    assert!(events.iter().any(|ev| matches!(ev,
        SyncEvent::Waiting { reason, .. } if reason.contains("HTTP 500") && reason.contains("trying again"))));

    let server = MockServer::start().await;
    replay::load("github", "01").mock("").mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/lumen-ssg/lumen/issues"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"[{"id": 3009871234, "number": 412, "title": "Wind"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = first_sync_github(&server);
    let mut cursors = Cursors::default();
    cursors.apply(&[CursorChange::set("step", format!("{REPO}\tissues"))]);
    let err = c.next_page(&cursors).await.expect_err("truncated JSON");
    assert!(matches!(err, ConnectorError::Malformed { .. }), "{err:?}");
    assert_eq!(
        err.to_string().to_lowercase(),
        "github sent a reply hearth could not read (the reply was cut off)"
    );
}

fn reply_body() -> String {
    replay::load("github", "24").request["body"]["body"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_reply_goes_out_once_through_the_outbox() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    let post = replay::load("github", "24");
    Mock::given(method("POST"))
        .and(path("/repos/lumen-ssg/lumen/issues/420/comments"))
        .and(body_partial_json(json!({ "body": reply_body() })))
        .respond_with(post.respond())
        .expect(1)
        .mount(&server)
        .await;
    let c = github(&server, Duration::from_secs(5));
    let conv = e.conversation_id("lumen-ssg/lumen#420");
    e.store
        .queue_reply(conv, &reply_body(), NOW)
        .expect("queued");
    let first = e.flush(&c, NOW).await;
    assert_eq!(first.sent, 1, "{first:?}");
    let second = e.flush(&c, NOW).await;
    assert_eq!(second.sent + second.reconciled, 0);
    let sent = e.store.list_outbox(Some(0)).expect("outbox");
    assert_eq!(
        sent[0].url.as_deref(),
        Some("https://github.com/lumen-ssg/lumen/issues/420#issuecomment-2874530219")
    );
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_found_instead_of_sent_twice() {
    let server = MockServer::start().await;
    let mut e = synced(&server).await;
    let post = replay::load("github", "24");
    // The server takes the comment but the answer arrives after the client gave up.
    Mock::given(method("POST"))
        .and(path("/repos/lumen-ssg/lumen/issues/420/comments"))
        .respond_with(post.respond().set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let c = github(&server, Duration::from_millis(400));
    // The attempt happens when GitHub created the comment (clocks agree within seconds).
    let at = millis(&post.response["body"]["created_at"]);
    let conv = e.conversation_id("lumen-ssg/lumen#420");
    e.store
        .queue_reply(conv, &reply_body(), NOW)
        .expect("queued");
    let first = e.flush(&c, at).await;
    assert_eq!((first.sent, first.waiting), (0, 1), "{first:?}");

    // The comment is on GitHub now.
    Mock::given(method("GET"))
        .and(path("/repos/lumen-ssg/lumen/issues/420/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([post.response["body"]])))
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
    let posts = received(&server, |r| {
        r.method.as_str() == "POST" && r.url.path().ends_with("/420/comments")
    })
    .await
    .len();
    assert_eq!(posts, 1, "the reply was sent once");
}

#[tokio::test]
async fn a_discussion_reply_goes_out_through_graphql_and_is_found_again() {
    let server = MockServer::start().await;
    replay::load("github", "01").mock("").mount(&server).await;
    let ex = replay::load("github", "25");
    let vars = &ex.request["body"]["variables"];
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({ "variables": vars })))
        .respond_with(ex.respond())
        .mount(&server)
        .await;
    let c = github(&server, Duration::from_secs(5));
    let item = outgoing(
        "hearth-outbox-000051",
        vars["body"].as_str().unwrap(),
        vars["discussionId"].as_str(),
        vars["replyToId"].as_str(),
    );
    let sent = c.send(&item).await.expect("sent");
    assert_eq!(sent.external_id, "DC_kwDOLpAfB84ACkgkA_");

    server.reset().await;
    replay::load("github", "01").mock("").mount(&server).await;
    let comment = &ex.response["body"]["data"]["addDiscussionComment"]["comment"];
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"node": {
            "comments": {"nodes": [{"id": "DC_kwDOLpAfB84AdKES7O", "url": "u", "body": "This looks great!",
                "author": {"login": "mgarcia-dev"}, "replies": {"nodes": [comment]}}]}}}})))
        .mount(&server)
        .await;
    let found = c.find_sent(&item).await.expect("looked up");
    assert_eq!(
        found.map(|s| s.external_id).as_deref(),
        Some("DC_kwDOLpAfB84ACkgkA_")
    );
}

#[tokio::test]
async fn a_new_post_without_a_title_is_refused_in_words() {
    let server = MockServer::start().await;
    let c = github(&server, Duration::from_secs(5));
    let err = c
        .send(&new_post("hello"))
        .await
        .expect_err("a title is needed");
    assert_eq!(
        err.to_string(),
        "a new GitHub issue or discussion in lumen-ssg/lumen needs a title"
    );
}

/// A post whose target names a discussion category (`owner/repo/discussions/Category`) opens
/// a discussion there, found by its name or slug; a category the repository does not have is
/// refused with the ones it has; after a cut-off attempt the discussion is found by its title
/// and text; its reactions and upvotes are read as its engagement.
#[tokio::test]
async fn a_post_for_a_discussion_category_opens_a_discussion_there() {
    let server = MockServer::start().await;
    let graphql = |fragment: &'static str| {
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(wiremock::matchers::body_string_contains(fragment))
    };
    graphql("discussionCategories")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "data": { "repository": {
                "id": "R_kgDOLpAfBw",
                "discussionCategories": { "nodes": [
                    { "id": "DIC_general", "name": "General", "slug": "general" },
                    { "id": "DIC_news", "name": "Announcements", "slug": "announcements" },
                ]}
            }}})),
        )
        .mount(&server)
        .await;
    graphql("createDiscussion")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": {
            "createDiscussion": { "clientMutationId": "k", "discussion": {
                "id": "D_kwDOLpAfB84AdZ9x",
                "url": "https://github.com/lumen-ssg/lumen/discussions/512"
            }}
        }})))
        .mount(&server)
        .await;
    graphql("upvoteCount")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "data": { "node": {
                "reactions": { "totalCount": 9 }, "upvoteCount": 4
            }}})),
        )
        .mount(&server)
        .await;
    let c = github(&server, Duration::from_secs(5));
    let mut post = new_post("Lumen 3.2 is out: faster builds, AVIF, and i18n built in.");
    post.title = Some("Lumen 3.2 released".into());
    post.channel = Some(format!("{REPO}/discussions/announcements"));
    let sent = c.send(&post).await.expect("a discussion is opened");
    assert_eq!(sent.external_id, "D_kwDOLpAfB84AdZ9x");
    assert_eq!(
        sent.url.as_deref(),
        Some("https://github.com/lumen-ssg/lumen/discussions/512")
    );
    let asked = received(&server, |r| {
        String::from_utf8_lossy(&r.body).contains("createDiscussion")
    })
    .await;
    let body: serde_json::Value = serde_json::from_slice(&asked[0].body).expect("JSON");
    let vars = &body["variables"];
    assert_eq!(vars["repositoryId"], "R_kgDOLpAfBw");
    assert_eq!(vars["categoryId"], "DIC_news", "found by its slug");
    assert_eq!(vars["title"], "Lumen 3.2 released");

    post.channel = Some(format!("{REPO}/discussions/Show and tell"));
    let err = c.send(&post).await.expect_err("no such category");
    assert_eq!(
        err.to_string(),
        "lumen-ssg/lumen has no discussion category “Show and tell”; its categories are General, Announcements"
    );

    // an attempt cut off after it went out: the discussion is found, not opened again
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "login": "lumen-bot" })))
        .mount(&server)
        .await;
    graphql("discussions(first")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "data": { "repository": {
                "discussions": { "nodes": [
                    { "id": "D_other", "url": "https://github.com/lumen-ssg/lumen/discussions/511",
                      "title": "Lumen 3.2 released", "body": "Someone else's words.",
                      "createdAt": "2026-12-01T09:00:00Z", "author": { "login": "lumen-bot" } },
                    { "id": "D_kwDOLpAfB84AdZ9x",
                      "url": "https://github.com/lumen-ssg/lumen/discussions/512",
                      "title": "Lumen 3.2 released",
                      "body": "Lumen 3.2 is out: faster builds, AVIF, and i18n built in.",
                      "createdAt": "2026-12-01T09:00:00Z", "author": { "login": "lumen-bot" } },
                ]}
            }}})),
        )
        .mount(&server)
        .await;
    post.channel = Some(format!("{REPO}/discussions/Announcements"));
    let found = c.find_sent(&post).await.expect("looked up").expect("found");
    assert_eq!(found, sent);

    let e = c
        .engagement(&hearth::sync::PostRef {
            external_id: sent.external_id.clone(),
            channel: None,
        })
        .await
        .expect("read")
        .expect("counts");
    assert_eq!((e.reactions, e.boosts), (13, None));
}
