//! Images on calendar posts (issue 10): taken in with alt text in the formats every platform
//! shows and refused in words otherwise, kept once however many posts carry them, carried
//! through export and import byte for byte; what a change does to review and scheduling;
//! and each platform's upload as its documentation shows it — a real Synapse room (the media
//! repository, then `m.image` events whose body is the alt text, then the text), and the
//! contract servers of Mastodon (media with a description, then `media_ids`), Bluesky
//! (`uploadBlob`, then an `app.bsky.embed.images` embed with alt and aspect ratio), Discord
//! (files with descriptions in one multipart message), Slack (`getUploadURLExternal`, the
//! bytes, `completeUploadExternal`, then image blocks with `alt_text`) and Discourse
//! (`uploads.json`, then `![alt|WxH](upload://…)` in the post).

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::synapse;
use common::{TestDb, DAY, NOW};
use hearth::connectors::{
    bluesky::Bluesky, discord::Discord, discourse::Discourse, mastodon::Mastodon, slack::Slack,
};
use hearth::model::{CalendarItemInput, CalendarRange, ContentState, Platform, VariantInput};
use hearth::sync::{Attachment, Connector, ConnectorConfig, Http, Outgoing, Secret};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PNG: &[u8] = include_bytes!("fixtures/images/release-card.png");
const JPEG: &[u8] = include_bytes!("fixtures/images/meetup.jpg");
const WEBP: &[u8] = include_bytes!("fixtures/images/diagram.webp");
const CHART_ALT: &str = "Weekly downloads rising over six releases; 3.2's bar is the tallest";
const MEETUP_ALT: &str = "Twelve people around a table [at the Lisbon meetup] | laptops open";

fn item(title: &str, targets: Vec<VariantInput>) -> CalendarItemInput {
    CalendarItemInput {
        title: title.into(),
        body: "Lumen 3.2 is out: faster builds, AVIF, and i18n built in.".into(),
        state: ContentState::Draft,
        scheduled_at: None,
        source_conversation_id: None,
        variants: targets,
        recurrence: None,
    }
}

fn follows(platform: Platform, account: i64) -> VariantInput {
    VariantInput {
        follows_main: true,
        ..VariantInput::new(platform, "").on(account)
    }
}

fn count(db: &TestDb, table: &str) -> i64 {
    rusqlite::Connection::open(db.path())
        .expect("the file opens")
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("a count")
}

/// A PNG of `len` bytes: the fixture with bytes after its end (what a large photo weighs).
fn png_of(len: usize) -> Vec<u8> {
    let mut b = PNG.to_vec();
    b.resize(len, 0);
    b
}

// --- taking images in ---------------------------------------------------------------------------

#[test]
fn images_are_taken_with_alt_text_in_formats_every_platform_shows_and_refused_in_words_otherwise() {
    let mut db = TestDb::new();
    let id = db
        .store
        .create_calendar_item(&item("Release", vec![]), NOW)
        .expect("created")
        .id;
    let png = db
        .store
        .add_calendar_image(id, "/home/robin/release-card.png", PNG, CHART_ALT, NOW)
        .expect("a PNG is taken");
    let i = &png.images[0];
    assert_eq!(
        (i.file_name.as_str(), i.mime.as_str(), i.width, i.height),
        ("release-card.png", "image/png", 640, 360),
        "named by its file, typed and measured from its bytes"
    );
    assert_eq!(i.size as usize, PNG.len());
    let both = db
        .store
        .add_calendar_image(id, "meetup.jpg", JPEG, MEETUP_ALT, NOW)
        .expect("a JPEG is taken");
    assert_eq!(
        both.images
            .iter()
            .map(|i| i.mime.as_str())
            .collect::<Vec<_>>(),
        ["image/png", "image/jpeg"],
        "in the order they were added"
    );

    let refusals = [
        (
            "logo.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            "Our logo",
            "logo.svg is not an image Hearth can post: use a PNG, JPEG, GIF or WebP file",
        ),
        (
            "notes.txt",
            b"hello".to_vec(),
            "Notes",
            "notes.txt is not an image Hearth can post",
        ),
        (
            "blank-alt.webp",
            WEBP.to_vec(),
            "   ",
            "blank-alt.webp needs alt text: describe what it shows for people who cannot see it",
        ),
        (
            "huge.png",
            png_of(16 * 1024 * 1024 + 1),
            "A huge photo",
            "huge.png is 16.8 MB; Hearth takes images up to 16.8 MB",
        ),
    ];
    for (name, bytes, alt, said) in refusals {
        let err = db
            .store
            .add_calendar_image(id, name, &bytes, alt, NOW)
            .expect_err(name);
        assert!(err.to_string().contains(said), "{name}: {err}");
    }
    assert_eq!(count(&db, "calendar_images"), 2, "nothing refused was kept");

    for n in 3..=10 {
        db.store
            .add_calendar_image(
                id,
                &format!("{n}.png"),
                &png_of(PNG.len() + n),
                "A card",
                NOW,
            )
            .expect("up to ten");
    }
    let err = db
        .store
        .add_calendar_image(id, "11.png", &png_of(PNG.len() + 11), "A card", NOW)
        .expect_err("an eleventh");
    assert_eq!(
        err.to_string(),
        "an item carries at most 10 images; remove one first"
    );

    // alt text can be changed, never emptied; order can change
    let first = png.images[0].id;
    assert!(db
        .store
        .set_calendar_image_alt(first, "", NOW)
        .expect_err("emptied")
        .to_string()
        .contains("needs alt text"));
    let moved = db.store.move_calendar_image(first, 2, NOW).expect("moved");
    assert_eq!(moved.images[0].file_name, "meetup.jpg");
    assert_eq!(moved.images[1].id, first);
    let (mime, bytes) = db.store.calendar_image_bytes(first).expect("its bytes");
    assert_eq!((mime.as_str(), bytes.as_slice()), ("image/png", PNG));
}

#[test]
fn a_changed_image_sends_an_approved_item_back_to_review_and_a_scheduled_item_refuses_one_its_targets_cannot_take(
) {
    let mut db = TestDb::new();
    let bluesky = db.account(Platform::Bluesky, "Lumen on Bluesky");
    let mastodon = db.account(Platform::Mastodon, "Lumen on Mastodon");
    let github = db.account(Platform::Github, "lumen-ssg/lumen");

    // A draft for Bluesky and Mastodon with a 1.2 MB photo: Bluesky takes 1 MB.
    let mut input = item(
        "Meetup photos",
        vec![
            follows(Platform::Bluesky, bluesky),
            follows(Platform::Mastodon, mastodon),
        ],
    );
    let id = db
        .store
        .create_calendar_item(&input, NOW)
        .expect("created")
        .id;
    let photo = db
        .store
        .add_calendar_image(id, "meetup.png", &png_of(1_200_000), MEETUP_ALT, NOW)
        .expect("attached to a draft");
    let bsky = photo
        .variants
        .iter()
        .find(|v| v.platform == Platform::Bluesky)
        .expect("the Bluesky target");
    assert_eq!(
        bsky.problems,
        ["image 1 (meetup.png) is 1.2 MB; Bluesky takes images up to 1 MB"],
        "said under the target that cannot take it"
    );
    input.state = ContentState::Scheduled;
    input.scheduled_at = Some(NOW + DAY);
    let err = db
        .store
        .update_calendar_item(id, &input, NOW)
        .expect_err("not schedulable");
    assert!(
        err.to_string()
            .contains("image 1 (meetup.png) is 1.2 MB; Bluesky takes images up to 1 MB"),
        "{err}"
    );

    // A smaller one instead: scheduled. Then a GitHub target cannot carry it.
    let image = photo.images[0].id;
    db.store.remove_calendar_image(image, NOW).expect("removed");
    db.store
        .add_calendar_image(id, "meetup.jpg", JPEG, MEETUP_ALT, NOW)
        .expect("attached");
    let scheduled = db
        .store
        .update_calendar_item(id, &input, NOW)
        .expect("scheduled");
    assert_eq!(scheduled.state, ContentState::Scheduled);
    let err = db
        .store
        .add_calendar_image(id, "big.png", &png_of(1_100_000), "A big card", NOW)
        .expect_err("would keep it from going out");
    assert_eq!(
        err.to_string(),
        "it is scheduled, and then it could not go out: image 2 (big.png) is 1.1 MB; Bluesky takes images up to 1 MB"
    );
    assert_eq!(
        db.store.calendar_item(id).expect("item").images.len(),
        1,
        "the refused image was not kept"
    );
    let mut with_github = input.clone();
    with_github.variants.push(follows(Platform::Github, github));
    let err = db
        .store
        .update_calendar_item(id, &with_github, NOW)
        .expect_err("GitHub takes no images");
    assert!(
        err.to_string().contains(
            "GitHub posts cannot carry images through its API: remove the images, or the GitHub target"
        ),
        "{err}"
    );

    // Approved, then its image's alt text changes: back to review, approval forgotten.
    input.state = ContentState::Draft;
    db.store
        .update_calendar_item(id, &input, NOW)
        .expect("a draft again");
    db.store.submit_calendar_item(id, NOW).expect("in review");
    let approved = db
        .store
        .approve_calendar_item(id, Some("Priya"), NOW)
        .expect("approved");
    assert_eq!(approved.state, ContentState::Scheduled);
    let changed = db
        .store
        .set_calendar_image_alt(approved.images[0].id, "Twelve people at the meetup", NOW)
        .expect("changed");
    assert_eq!(changed.state, ContentState::InReview);
    assert_eq!(changed.approved_by, None);
}

#[test]
fn an_image_is_kept_once_however_many_posts_carry_it_and_forgotten_with_the_last_of_them() {
    let mut db = TestDb::new();
    let a = db
        .store
        .create_calendar_item(&item("A", vec![]), NOW)
        .expect("created")
        .id;
    let b = db
        .store
        .create_calendar_item(&item("B", vec![]), NOW)
        .expect("created")
        .id;
    db.store
        .add_calendar_image(a, "card.png", PNG, "A card", NOW)
        .expect("on A");
    db.store
        .add_calendar_image(b, "same.png", PNG, "The card", NOW)
        .expect("on B");
    assert_eq!(count(&db, "calendar_images"), 2);
    assert_eq!(
        count(&db, "calendar_image_blobs"),
        1,
        "the bytes are kept once"
    );
    db.store.delete_calendar_item(a).expect("A deleted");
    assert_eq!(count(&db, "calendar_image_blobs"), 1, "B still carries it");
    db.store.delete_calendar_item(b).expect("B deleted");
    assert_eq!(count(&db, "calendar_image_blobs"), 0, "nothing carries it");
}

#[test]
fn images_come_back_from_an_export_byte_for_byte() {
    let mut db = TestDb::new();
    let id = db
        .store
        .create_calendar_item(&item("Release", vec![]), NOW)
        .expect("created")
        .id;
    db.store
        .add_calendar_image(id, "card.png", PNG, CHART_ALT, NOW)
        .expect("attached");
    db.store
        .add_calendar_image(id, "meetup.jpg", JPEG, MEETUP_ALT, NOW)
        .expect("attached");
    let out = tempfile::tempdir().expect("a folder");
    let dir = out.path().join("export");
    db.store.export_to(&dir, &mut |_| {}).expect("exported");

    let mut copy = TestDb::new();
    copy.store.import_from(&dir, &mut |_| {}).expect("imported");
    let back = copy
        .store
        .calendar(&CalendarRange {
            include_unscheduled: true,
            ..Default::default()
        })
        .expect("the calendar");
    let item = back
        .iter()
        .find(|i| i.title == "Release")
        .expect("the item");
    assert_eq!(
        item.images
            .iter()
            .map(|i| i.alt.as_str())
            .collect::<Vec<_>>(),
        [CHART_ALT, MEETUP_ALT]
    );
    for (image, bytes) in item.images.iter().zip([PNG, JPEG]) {
        let (_, got) = copy.store.calendar_image_bytes(image.id).expect("bytes");
        assert_eq!(got, bytes, "{} byte for byte", image.file_name);
    }
}

// --- each platform's upload ---------------------------------------------------------------------

fn attachments() -> Vec<Attachment> {
    vec![
        Attachment {
            file_name: "release-card.png".into(),
            mime: "image/png".into(),
            bytes: Arc::from(PNG),
            alt: CHART_ALT.into(),
            width: 640,
            height: 360,
        },
        Attachment {
            file_name: "meetup.jpg".into(),
            mime: "image/jpeg".into(),
            bytes: Arc::from(JPEG),
            alt: MEETUP_ALT.into(),
            width: 320,
            height: 200,
        },
    ]
}

fn post_with_images(key: &str) -> Outgoing {
    Outgoing {
        idempotency_key: key.into(),
        body: "Lumen 3.2 is out: faster builds, AVIF, and i18n built in.".into(),
        title: Some("Lumen 3.2 is out with faster builds".into()),
        images: attachments(),
        ..Outgoing::default()
    }
}

fn config(base: String, secret: &str, scopes: &[&str]) -> ConnectorConfig {
    ConnectorConfig {
        base_url: base,
        secret: Secret::new(secret),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        http: Http::new(Duration::from_secs(10)).expect("an HTTP client"),
        clock: Arc::new(|| NOW),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The value of a text field of a multipart body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let start = text.find(&format!("name=\"{name}\""))?;
    let value = &text[start..];
    let value = &value[value.find("\r\n\r\n")? + 4..];
    Some(value[..value.find("\r\n--")?].to_string())
}

async fn received(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

#[tokio::test]
async fn mastodon_gets_each_image_with_its_description_and_the_status_carries_their_ids() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "109", "username": "lumen", "acct": "lumen", "display_name": "Lumen"
        })))
        .mount(&server)
        .await;
    // the first answers at once; the second is still being processed (202, no url) and is
    // ready when asked again
    Mock::given(method("POST"))
        .and(path("/api/v2/media"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "22348641", "type": "image", "url": "https://files.example/1.png"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/media"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "22348642", "type": "image", "url": null
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/media/22348642"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "22348642", "type": "image", "url": "https://files.example/2.jpg"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "116200000000000001",
            "url": "https://mastodon.example/@lumen/116200000000000001"
        })))
        .mount(&server)
        .await;
    let c = Mastodon::new(config(server.uri(), "test-token-not-real", &[])).expect("connector");
    let sent = c.send(&post_with_images("k-masto")).await.expect("posted");
    assert_eq!(sent.external_id, "116200000000000001");

    let uploads = received(&server, "/api/v2/media").await;
    assert_eq!(uploads.len(), 2, "one upload per image");
    for (upload, (bytes, alt)) in uploads.iter().zip([(PNG, CHART_ALT), (JPEG, MEETUP_ALT)]) {
        assert!(contains(&upload.body, bytes), "the image's bytes go up");
        assert_eq!(
            form_field(&upload.body, "description").as_deref(),
            Some(alt)
        );
    }
    let status: Value =
        serde_json::from_slice(&received(&server, "/api/v1/statuses").await[0].body).expect("JSON");
    assert_eq!(status["media_ids"], json!(["22348641", "22348642"]));
}

#[tokio::test]
async fn bluesky_uploads_blobs_and_embeds_them_with_alt_text_and_aspect_ratio() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accessJwt": "access-not-real", "refreshJwt": "refresh-not-real",
            "did": "did:plc:lumen", "handle": "lumenssg.bsky.social"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.uploadBlob"))
        .respond_with(|req: &Request| {
            let link = if req.body.starts_with(b"\x89PNG") {
                "bafkpng"
            } else {
                "bafkjpeg"
            };
            ResponseTemplate::new(200).set_body_json(json!({ "blob": {
                "$type": "blob", "ref": { "$link": link },
                "mimeType": req.headers.get("content-type").and_then(|v| v.to_str().ok()),
                "size": req.body.len()
            }}))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uri": "at://did:plc:lumen/app.bsky.feed.post/3kabc", "cid": "bafyrei"
        })))
        .mount(&server)
        .await;
    let c = Bluesky::new(config(
        server.uri(),
        "app-password-not-real",
        &["lumenssg.bsky.social"],
    ))
    .expect("connector");
    c.send(&post_with_images("hearth-post-1-00000000000000aa"))
        .await
        .expect("posted");

    let blobs = received(&server, "/xrpc/com.atproto.repo.uploadBlob").await;
    assert_eq!(blobs.len(), 2);
    assert_eq!(blobs[0].body, PNG, "the bytes themselves are the body");
    assert_eq!(
        blobs[1]
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/jpeg")
    );
    let record: Value = serde_json::from_slice(
        &received(&server, "/xrpc/com.atproto.repo.createRecord").await[0].body,
    )
    .expect("JSON");
    let embed = &record["record"]["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.images");
    assert_eq!(embed["images"][0]["alt"], CHART_ALT);
    assert_eq!(embed["images"][0]["image"]["ref"]["$link"], "bafkpng");
    assert_eq!(
        embed["images"][0]["aspectRatio"],
        json!({ "width": 640, "height": 360 })
    );
    assert_eq!(embed["images"][1]["alt"], MEETUP_ALT);
    assert_eq!(embed["images"][1]["image"]["mimeType"], "image/jpeg");
}

#[tokio::test]
async fn discord_sends_the_files_with_their_descriptions_in_one_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v10/channels/1070404211835011080/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "1310000000000000001", "channel_id": "1070404211835011080",
            "guild_id": "1070404211835011079"
        })))
        .mount(&server)
        .await;
    let c = Discord::new(config(
        format!("{}/api/v10", server.uri()),
        "bot-token-not-real",
        &["1070404211835011079"],
    ))
    .expect("connector");
    let post = Outgoing {
        channel: Some("1070404211835011080".into()),
        ..post_with_images("hearth-post-discord")
    };
    c.send(&post).await.expect("posted");

    let sent = &received(&server, "/api/v10/channels/1070404211835011080/messages").await[0];
    let payload: Value =
        serde_json::from_str(&form_field(&sent.body, "payload_json").expect("payload_json"))
            .expect("JSON");
    assert_eq!(payload["content"], post.body);
    assert_eq!(
        payload["attachments"],
        json!([
            { "id": 0, "filename": "release-card.png", "description": CHART_ALT },
            { "id": 1, "filename": "meetup.jpg", "description": MEETUP_ALT },
        ])
    );
    let text = String::from_utf8_lossy(&sent.body);
    assert!(text.contains("name=\"files[0]\"; filename=\"release-card.png\""));
    assert!(text.contains("name=\"files[1]\"; filename=\"meetup.jpg\""));
    assert!(contains(&sent.body, PNG) && contains(&sent.body, JPEG));
}

#[tokio::test]
async fn slack_uploads_each_file_then_posts_image_blocks_with_alt_text_after_the_text() {
    let server = MockServer::start().await;
    let api = format!("{}/api", server.uri());
    Mock::given(path("/api/auth.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "url": "https://lumen.slack.com/", "team_id": "T0LUMEN",
            "user_id": "U0BOT", "bot_id": "B0BOT"
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/users.info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "user": { "id": "U0BOT", "name": "lumen-bot" }
        })))
        .mount(&server)
        .await;
    let upload_base = server.uri();
    Mock::given(path("/api/files.getUploadURLExternal"))
        .respond_with(move |req: &Request| {
            let name = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "filename")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(json!({
                "ok": true,
                "upload_url": format!("{upload_base}/upload/v1/{name}"),
                "file_id": format!("F0{}", name.len()),
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex("^/upload/v1/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("OK - 2875"))
        .mount(&server)
        .await;
    Mock::given(path("/api/files.completeUploadExternal"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "files": [] })))
        .mount(&server)
        .await;
    Mock::given(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": "C0ANNOUNCE", "ts": "1764590000.000100"
        })))
        .mount(&server)
        .await;
    let c = Slack::new(config(api, "xoxb-not-real", &[])).expect("connector");
    let post = Outgoing {
        channel: Some("C0ANNOUNCE".into()),
        ..post_with_images("hearth-post-slack")
    };
    c.send(&post).await.expect("posted");

    let asked = received(&server, "/api/files.getUploadURLExternal").await;
    assert_eq!(asked.len(), 2);
    let q = |r: &Request, k: &str| {
        r.url
            .query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q(&asked[0], "alt_txt").as_deref(), Some(CHART_ALT));
    assert_eq!(q(&asked[0], "length"), Some(PNG.len().to_string()));
    let uploaded = received(&server, "/upload/v1/release-card.png").await;
    assert_eq!(uploaded[0].body, PNG);
    assert!(
        uploaded[0].headers.get("authorization").is_none(),
        "the token never goes to the upload URL"
    );
    assert_eq!(
        received(&server, "/api/files.completeUploadExternal")
            .await
            .len(),
        2
    );
    let message: Value =
        serde_json::from_slice(&received(&server, "/api/chat.postMessage").await[0].body)
            .expect("JSON");
    assert_eq!(message["text"], post.body, "what notifications say");
    let blocks = message["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["text"]["text"], post.body);
    assert_eq!(blocks[1]["type"], "image");
    assert_eq!(blocks[1]["slack_file"]["id"], "F016");
    assert_eq!(blocks[1]["alt_text"], CHART_ALT);
    assert_eq!(blocks[2]["alt_text"], MEETUP_ALT);
}

#[tokio::test]
async fn discourse_uploads_each_image_and_the_topic_shows_it_with_its_alt_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/uploads.json"))
        .respond_with(|req: &Request| {
            let png = contains(&req.body, PNG);
            ResponseTemplate::new(200).set_body_json(json!({
                "id": if png { 71 } else { 72 },
                "short_url": if png { "upload://card.png" } else { "upload://meetup.jpeg" },
                "width": if png { 640 } else { 320 },
                "height": if png { 360 } else { 200 },
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/posts.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 9001, "topic_id": 512, "post_number": 1, "topic_slug": "lumen-3-2",
            "username": "lumen"
        })))
        .mount(&server)
        .await;
    let c =
        Discourse::new(config(server.uri(), "api-key-not-real", &["lumen"])).expect("connector");
    c.send(&post_with_images("hearth-post-forum"))
        .await
        .expect("posted");

    let uploads = received(&server, "/uploads.json").await;
    assert_eq!(uploads.len(), 2);
    assert_eq!(
        form_field(&uploads[0].body, "type").as_deref(),
        Some("composer")
    );
    let topic: Value =
        serde_json::from_slice(&received(&server, "/posts.json").await[0].body).expect("JSON");
    assert_eq!(
        topic["raw"],
        format!(
            "Lumen 3.2 is out: faster builds, AVIF, and i18n built in.\n\n\
             ![{CHART_ALT}|640x360](upload://card.png)\n\n\
             ![Twelve people around a table  at the Lisbon meetup    laptops open|320x200](upload://meetup.jpeg)"
        ),
        "brackets and bars in alt text cannot break the Markdown"
    );
}

// --- a real Synapse -----------------------------------------------------------------------------

#[tokio::test]
async fn a_matrix_post_with_images_puts_them_in_the_media_repository_and_the_room_with_their_alt_text_then_the_text(
) {
    let (bot, ana) = (synapse::unique("hearthbot"), synapse::unique("ana"));
    let bot = synapse::user(&bot, "Lumen Team").await;
    let ana = synapse::user(&ana, "Ana Lúcia").await;
    let room = bot.create_room("Lumen announcements", &[&ana]).await;
    ana.join(&room).await;
    let c = hearth::connectors::matrix::Matrix::new(config(
        synapse::homeserver(),
        &bot.token,
        &[&room],
    ))
    .expect("connector");
    let words = format!("Lumen 3.2 is out! ({})", synapse::unique("release"));
    let post = Outgoing {
        body: words.clone(),
        channel: Some(room.clone()),
        ..post_with_images(&synapse::unique("hearth-post"))
    };
    let sent = c.send(&post).await.expect("posted");
    // sent again with the same keys (an attempt cut off after it went out): nothing doubles
    let again = c.send(&post).await.expect("sent again");
    assert_eq!(again.external_id, sent.external_id);

    let events: Vec<Value> = ana
        .messages(&room, 20)
        .await
        .into_iter()
        .filter(|e| e["type"] == "m.room.message")
        .collect();
    // newest first: the text, then the images in reverse
    let shown: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["content"]["msgtype"].as_str().unwrap_or_default(),
                e["content"]["body"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("m.text", words.as_str()),
            ("m.image", MEETUP_ALT),
            ("m.image", CHART_ALT),
        ],
        "each image once, its body the alt text, and the text last"
    );
    assert_eq!(events[0]["event_id"], json!(sent.external_id));
    let chart = &events[2]["content"];
    assert_eq!(chart["info"]["mimetype"], "image/png");
    assert_eq!(chart["info"]["w"], 640);
    assert_eq!(chart["info"]["size"], PNG.len());
    // the media repository holds the bytes themselves
    let mxc = chart["url"].as_str().expect("an mxc URI");
    let (server, media) = mxc
        .strip_prefix("mxc://")
        .and_then(|m| m.split_once('/'))
        .expect("mxc://server/id");
    let bytes = reqwest::Client::new()
        .get(format!(
            "{}/_matrix/client/v1/media/download/{server}/{media}",
            synapse::homeserver()
        ))
        .bearer_auth(&ana.token)
        .send()
        .await
        .expect("downloaded")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(bytes.as_ref(), PNG);
}

#[test]
fn a_scheduled_post_with_an_image_attached_from_the_cli_reaches_a_synapse_room_through_hearth_publish_due(
) {
    use std::io::Write;
    use std::process::Stdio;

    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let (bot, ana, room) = rt.block_on(async {
        let bot = synapse::user(&synapse::unique("hearthbot"), "Lumen Team").await;
        let ana = synapse::user(&synapse::unique("ana"), "Ana Lúcia").await;
        let room = bot.create_room("Lumen announcements", &[&ana]).await;
        ana.join(&room).await;
        (bot, ana, room)
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("hearth.db");
    let added = common::hearth(&db)
        .args([
            "accounts",
            "add",
            "matrix",
            "--name",
            "Lumen Matrix",
            "--url",
        ])
        .arg(synapse::homeserver())
        .arg("--no-test")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .expect("stdin")
                .write_all(format!("{}\n", bot.token).as_bytes())?;
            c.wait_with_output()
        })
        .expect("hearth accounts add runs");
    assert!(added.status.success(), "{}", common::text(&added));

    let words = format!("Lumen 3.2 is out! ({})", synapse::unique("release"));
    let id = {
        let mut store = hearth::Store::open(&db).expect("the database");
        let account = store.list_accounts().expect("accounts")[0].id;
        let mut target = follows(Platform::Matrix, account);
        target.channel = Some(room.clone());
        let mut input = item("Release", vec![target]);
        input.body = words.clone();
        store
            .create_calendar_item(&input, hearth::now_millis())
            .expect("created")
            .id
    };
    let card = dir.path().join("release card.png");
    std::fs::write(&card, PNG).expect("the image file");
    let attached = common::hearth(&db)
        .args(["calendar", "image", &id.to_string(), "--add"])
        .arg(&card)
        .args(["--alt", CHART_ALT])
        .output()
        .expect("hearth calendar image runs");
    assert!(attached.status.success(), "{}", common::text(&attached));
    assert!(
        common::text(&attached).contains(&format!("640×360 2.9 KB — alt: {CHART_ALT}")),
        "{}",
        common::text(&attached)
    );
    let refused = common::hearth(&db)
        .args(["calendar", "image", &id.to_string(), "--add"])
        .arg(&card)
        .args(["--alt", " "])
        .output()
        .expect("hearth calendar image runs");
    assert!(!refused.status.success());
    assert!(
        common::text(&refused).contains("release card.png needs alt text"),
        "{}",
        common::text(&refused)
    );
    {
        let mut store = hearth::Store::open(&db).expect("the database");
        let mut input = hearth::calendar::input_of(&store.calendar_item(id).expect("item"));
        input.state = ContentState::Scheduled;
        input.scheduled_at = Some(hearth::now_millis() - 60_000);
        store
            .update_calendar_item(id, &input, hearth::now_millis())
            .expect("scheduled a minute ago, within the grace window");
    }
    let published = common::hearth(&db)
        .args(["publish", "--due"])
        .output()
        .expect("hearth publish --due runs");
    assert!(published.status.success(), "{}", common::text(&published));

    let events: Vec<Value> = rt
        .block_on(ana.messages(&room, 10))
        .into_iter()
        .filter(|e| e["type"] == "m.room.message")
        .collect();
    let shown: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["content"]["msgtype"].as_str().unwrap_or_default(),
                e["content"]["body"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(shown, [("m.text", words.as_str()), ("m.image", CHART_ALT)]);
    let store = hearth::Store::open(&db).expect("the database");
    let item = store.calendar_item(id).expect("item");
    assert_eq!(item.state, ContentState::Published);
    let url = item.variants[0].url.as_deref().unwrap_or_default();
    assert!(
        url.starts_with("https://matrix.to/#/"),
        "links to the post: {url}"
    );
    assert_eq!(item.variants[0].reactions, None, "not read yet");
    drop(store);

    // Ana reacts to the post; the next sync brings the reaction in.
    let post = events[0]["event_id"]
        .as_str()
        .expect("the post's event")
        .to_string();
    rt.block_on(ana.send_event(
        &room,
        "m.reaction",
        json!({ "m.relates_to": { "rel_type": "m.annotation", "event_id": post, "key": "🎉" } }),
    ));
    let synced = common::hearth(&db)
        .arg("sync")
        .output()
        .expect("hearth sync runs");
    assert!(synced.status.success(), "{}", common::text(&synced));
    let store = hearth::Store::open(&db).expect("the database");
    let target = &store.calendar_item(id).expect("item").variants[0];
    assert_eq!((target.reactions, target.boosts), (Some(1), None));
    let listed = common::hearth(&db)
        .args(["calendar", "list"])
        .output()
        .expect("hearth calendar list runs");
    assert!(
        common::text(&listed).contains("· 1 reaction"),
        "{}",
        common::text(&listed)
    );
}

// --- engagement on published posts ---------------------------------------------------------------

#[tokio::test]
async fn mastodon_and_bluesky_posts_show_their_favourites_likes_and_boosts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/statuses/116200000000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "116200000000000001", "favourites_count": 18, "reblogs_count": 7,
            "replies_count": 3
        })))
        .mount(&server)
        .await;
    let c = Mastodon::new(config(server.uri(), "test-token-not-real", &[])).expect("connector");
    let post = hearth::sync::PostRef {
        external_id: "116200000000000001".into(),
        channel: None,
    };
    let e = c.engagement(&post).await.expect("read").expect("counts");
    assert_eq!((e.reactions, e.boosts), (18, Some(7)));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accessJwt": "access-not-real", "refreshJwt": "refresh-not-real",
            "did": "did:plc:lumen", "handle": "lumenssg.bsky.social"
        })))
        .mount(&server)
        .await;
    let uri = "at://did:plc:lumen/app.bsky.feed.post/3kabc";
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPosts"))
        .and(wiremock::matchers::query_param("uris", uri))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "posts": [{
            "uri": uri, "cid": "bafyrei", "likeCount": 22, "repostCount": 4, "quoteCount": 1,
            "replyCount": 2
        }]})))
        .mount(&server)
        .await;
    let c = Bluesky::new(config(
        server.uri(),
        "app-password-not-real",
        &["lumenssg.bsky.social"],
    ))
    .expect("connector");
    let e = c
        .engagement(&hearth::sync::PostRef {
            external_id: uri.into(),
            channel: None,
        })
        .await
        .expect("read")
        .expect("counts");
    assert_eq!(
        (e.reactions, e.boosts),
        (22, Some(5)),
        "a quote is a repost with words"
    );
}
