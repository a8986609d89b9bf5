//! What each platform accepts in a post, counted as the platform counts it. Owns: the length
//! rules and required parts (a title, a minimum length) of a new post per platform, in words.
//! Must never: change the text — it only says what keeps a text from going out.
//!
//! - Bluesky: 300 graphemes (what a person sees as one character).
//! - Mastodon: 500 characters, graphemes as Mastodon's server counts them, every link counted
//!   as 23 whatever its length, and a mention of someone on another server counted without
//!   its `@server` part.
//! - Discord: 2,000 characters. Slack: 40,000 (longer messages are cut).
//! - Discourse: a title of at least 15 characters and a post of at least 20 (the defaults of
//!   `min_topic_title_length` and `min_first_post_length`), at most 32,000.
//! - GitHub: a new post becomes an issue, or a discussion when its target names a category
//!   (`owner/repo/discussions/Announcements`); either needs a title; at most 65,536 characters.
//!
//! Images ([`image_problems`]) need alt text everywhere. How many a post may carry, how large
//! each may be and how long its alt text, per platform: Bluesky 4 of at most 1,000,000 bytes
//! (its blob limit) with alt text up to 2,000 characters; Mastodon 4 of 16 MB, descriptions up
//! to 1,500; Discord 10 files of 10 MB (a server without boosts), descriptions up to 1,024;
//! Slack 10 PNG, JPEG or GIF images (what its image blocks show) of 16 MB (Hearth's own
//! limit), alt text up to 1,000; Matrix 10 of 16 MB;
//! Discourse 10 of 4 MB (`max_image_size_kb`'s default). GitHub's API takes no images.

use unicode_segmentation::UnicodeSegmentation;

use crate::model::{CalendarImage, Platform};

/// What Mastodon counts a link as, however long it is.
const MASTODON_LINK: usize = 23;
const DISCOURSE_MIN_TITLE: usize = 15;
const DISCOURSE_MIN_POST: usize = 20;

fn graphemes(s: &str) -> usize {
    s.graphemes(true).count()
}

/// A text's length as `platform` counts it against its limit.
pub fn length(platform: Platform, body: &str) -> usize {
    match platform {
        Platform::Mastodon => mastodon_length(body),
        Platform::Discord | Platform::Slack => body.chars().count(),
        _ => graphemes(body),
    }
}

/// Mastodon's count: links as 23, `@user@server` as `@user`, the rest in graphemes.
fn mastodon_length(body: &str) -> usize {
    body.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            let space = graphemes(&word[trimmed.len()..]);
            let lower = trimmed.to_ascii_lowercase();
            if (lower.starts_with("https://") || lower.starts_with("http://"))
                && trimmed.len() > lower.find("//").map_or(0, |i| i + 2)
            {
                return MASTODON_LINK + space;
            }
            if let Some(rest) = trimmed.strip_prefix('@') {
                if let Some((user, server)) = rest.split_once('@') {
                    if !user.is_empty() && server.contains('.') {
                        return 1 + graphemes(user) + space;
                    }
                }
            }
            graphemes(word)
        })
        .sum()
}

/// What keeps `body` (with `title`) from going out as a new post on `platform`, in words;
/// empty when it can.
pub fn problems(platform: Platform, body: &str, title: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let name = platform.label();
    let body = body.trim();
    if body.is_empty() {
        out.push(format!("the {name} text is empty"));
        return out;
    }
    if let Some(limit) = platform.post_limit() {
        let n = length(platform, body);
        if n > limit as usize {
            let how = match platform {
                Platform::Mastodon => " (each link counts as 23)",
                _ => "",
            };
            out.push(format!(
                "the {name} text is {n} characters{how}; {name} allows {limit}"
            ));
        }
    }
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    match platform {
        Platform::Discourse => {
            match title {
                None => out.push("a Discourse topic needs a title".into()),
                Some(t) if graphemes(t) < DISCOURSE_MIN_TITLE => out.push(format!(
                    "a Discourse title needs at least {DISCOURSE_MIN_TITLE} characters; this one has {}",
                    graphemes(t)
                )),
                Some(_) => {}
            }
            if graphemes(body) < DISCOURSE_MIN_POST {
                out.push(format!(
                    "a Discourse post needs at least {DISCOURSE_MIN_POST} characters; this one has {}",
                    graphemes(body)
                ));
            }
        }
        Platform::Github if title.is_none() => {
            out.push("a GitHub issue or discussion needs a title".into());
        }
        _ => {}
    }
    out
}

/// What `platform` takes of images in one post.
struct ImageRules {
    count: usize,
    bytes: u32,
    /// The longest alt text, in characters as the platform counts them; `None`: no limit.
    alt: Option<usize>,
    /// The formats it shows (`None`: PNG, JPEG, GIF and WebP, all Hearth takes).
    formats: Option<&'static [&'static str]>,
}

const MB: u32 = 1024 * 1024;

fn image_rules(platform: Platform) -> Option<ImageRules> {
    let mut formats = None;
    let (count, bytes, alt) = match platform {
        Platform::Bluesky => (4, 1_000_000, Some(2_000)),
        Platform::Mastodon => (4, 16 * MB, Some(1_500)),
        Platform::Discord => (10, 10 * MB, Some(1_024)),
        Platform::Slack => {
            formats = Some(&["image/png", "image/jpeg", "image/gif"][..]);
            (10, MAX_IMAGE_BYTES, Some(1_000))
        }
        Platform::Matrix => (10, MAX_IMAGE_BYTES, None),
        Platform::Discourse => (10, 4 * MB, None),
        _ => return None,
    };
    Some(ImageRules {
        count,
        bytes,
        alt,
        formats,
    })
}

/// The most images one item may carry (what Discord, the most generous, takes in a post).
pub const MAX_IMAGES: usize = 10;
/// The largest image Hearth keeps: the largest any platform takes (Mastodon's 16 MB).
pub const MAX_IMAGE_BYTES: u32 = 16 * MB;

/// A size in words, in decimal units as file managers show them: "1.4 MB", "820 KB".
pub fn size_in_words(bytes: u32) -> String {
    let (n, unit) = if bytes >= 1_000_000 {
        (f64::from(bytes) / 1e6, "MB")
    } else {
        (f64::from(bytes.max(1)) / 1e3, "KB")
    };
    let s = format!("{n:.1}");
    format!("{} {unit}", s.strip_suffix(".0").unwrap_or(&s))
}

/// What keeps `images` from going out with a post on `platform`, in words; empty when they
/// can. An image without alt text is refused everywhere.
pub fn image_problems(platform: Platform, images: &[CalendarImage]) -> Vec<String> {
    let mut out = Vec::new();
    if images.is_empty() {
        return out;
    }
    let name = platform.label();
    let Some(rules) = image_rules(platform) else {
        out.push(format!(
            "{name} posts cannot carry images through its API: remove the images, or the {name} target"
        ));
        return out;
    };
    if images.len() > rules.count {
        out.push(format!(
            "{name} takes {} images in a post; this one has {}",
            rules.count,
            images.len()
        ));
    }
    for (n, image) in images.iter().enumerate() {
        let which = format!("image {} ({})", n + 1, image.file_name);
        let alt = image.alt.trim();
        if alt.is_empty() {
            // said once per image, whatever the platform
            continue;
        }
        if let Some(limit) = rules.alt {
            let len = graphemes(alt);
            if len > limit {
                out.push(format!(
                    "the alt text of {which} is {len} characters; {name} allows {limit}"
                ));
            }
        }
        if rules
            .formats
            .is_some_and(|f| !f.contains(&image.mime.as_str()))
        {
            out.push(format!(
                "{name} shows PNG, JPEG and GIF images in a post; {which} is {}",
                match image.mime.as_str() {
                    "image/webp" => "WebP".to_string(),
                    m => m.trim_start_matches("image/").to_uppercase(),
                }
            ));
        }
        if image.size > rules.bytes {
            out.push(format!(
                "{which} is {}; {name} takes images up to {}",
                size_in_words(image.size),
                size_in_words(rules.bytes)
            ));
        }
    }
    out
}

/// The images without alt text, in words ("image 2 (chart.png) has no alt text: …").
pub fn missing_alt(images: &[CalendarImage]) -> Vec<String> {
    images
        .iter()
        .enumerate()
        .filter(|(_, i)| i.alt.trim().is_empty())
        .map(|(n, i)| {
            format!(
                "image {} ({}) has no alt text: describe what it shows for people who cannot see it",
                n + 1,
                i.file_name
            )
        })
        .collect()
}

/// Whether Hearth can publish on `platform` (a connector that sends new posts).
pub fn can_publish(platform: Platform) -> bool {
    matches!(
        platform,
        Platform::Discord
            | Platform::Slack
            | Platform::Discourse
            | Platform::Github
            | Platform::Matrix
            | Platform::Mastodon
            | Platform::Bluesky
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: &str, size: u32, alt: &str) -> CalendarImage {
        CalendarImage {
            id: 1,
            item_id: 1,
            file_name: name.into(),
            mime: match name.rsplit('.').next() {
                Some("webp") => "image/webp",
                Some("jpg") => "image/jpeg",
                _ => "image/png",
            }
            .into(),
            size,
            width: 1200,
            height: 630,
            alt: alt.into(),
        }
    }

    #[test]
    fn images_need_alt_text_and_fit_each_platforms_limits() {
        let ok = image("chart.png", 900_000, "A chart of weekly downloads rising");
        assert!(image_problems(Platform::Bluesky, std::slice::from_ref(&ok)).is_empty());
        // Bluesky's blob limit is 1,000,000 bytes; Mastodon takes 16 MB
        let big = image("photo.jpg", 1_200_000, "The team at the meetup");
        assert_eq!(
            image_problems(Platform::Bluesky, std::slice::from_ref(&big)),
            vec!["image 1 (photo.jpg) is 1.2 MB; Bluesky takes images up to 1 MB"]
        );
        assert!(image_problems(Platform::Mastodon, std::slice::from_ref(&big)).is_empty());
        // five images: Mastodon and Bluesky take four, Discord ten
        let five = vec![ok.clone(); 5];
        assert_eq!(
            image_problems(Platform::Mastodon, &five),
            vec!["Mastodon takes 4 images in a post; this one has 5"]
        );
        assert!(image_problems(Platform::Discord, &five).is_empty());
        // Mastodon's descriptions stop at 1,500 characters, Matrix has no limit
        let long = image("a.png", 10, &"x".repeat(1_501));
        assert_eq!(
            image_problems(Platform::Mastodon, std::slice::from_ref(&long)),
            vec!["the alt text of image 1 (a.png) is 1501 characters; Mastodon allows 1500"]
        );
        assert!(image_problems(Platform::Matrix, std::slice::from_ref(&long)).is_empty());
        // GitHub's API takes none
        assert_eq!(
            image_problems(Platform::Github, std::slice::from_ref(&ok)),
            vec!["GitHub posts cannot carry images through its API: remove the images, or the GitHub target"]
        );
        // an image without alt text is said once, whatever the platforms
        let bare = [ok.clone(), image("diagram.webp", 10, "  ")];
        assert_eq!(
            missing_alt(&bare),
            vec!["image 2 (diagram.webp) has no alt text: describe what it shows for people who cannot see it"]
        );
        assert!(image_problems(Platform::Discord, &bare).is_empty());
        // Slack's image blocks show no WebP
        assert_eq!(
            image_problems(Platform::Slack, &[image("diagram.webp", 10, "A diagram")]),
            vec!["Slack shows PNG, JPEG and GIF images in a post; image 1 (diagram.webp) is WebP"]
        );
    }

    #[test]
    fn bluesky_counts_graphemes_so_an_emoji_family_is_one() {
        let family = "👩‍👩‍👧‍👦";
        assert_eq!(length(Platform::Bluesky, family), 1);
        let text = format!("{}{family}", "a".repeat(299));
        assert!(problems(Platform::Bluesky, &text, None).is_empty());
        let over = format!("{}{family}", "a".repeat(300));
        let p = problems(Platform::Bluesky, &over, None);
        assert_eq!(
            p,
            vec!["the Bluesky text is 301 characters; Bluesky allows 300"]
        );
    }

    #[test]
    fn mastodon_counts_each_link_as_23_and_a_remote_mention_without_its_server() {
        // "Read " 5 + link 23 + " " 1 + "@ana@example.social" as "@ana" 4 = 33
        let text = "Read https://lumen.dev/blog/2026/a-very-long-release-announcement-slug @ana@example.social";
        assert_eq!(length(Platform::Mastodon, text), 33);
        // 480 letters and a 100-character link: 503 by length, 504 as Mastodon counts, over.
        let long_link = format!("https://{}", "x".repeat(92));
        let fits = format!("{} {long_link}", "a".repeat(476));
        assert_eq!(length(Platform::Mastodon, &fits), 476 + 1 + 23);
        assert!(problems(Platform::Mastodon, &fits, None).is_empty());
        let over = format!("{} {long_link}", "a".repeat(477));
        assert_eq!(
            problems(Platform::Mastodon, &over, None),
            vec![
                "the Mastodon text is 501 characters (each link counts as 23); Mastodon allows 500"
            ]
        );
        // a bare "https://" is a word, not a link
        assert_eq!(length(Platform::Mastodon, "https://"), 8);
    }

    #[test]
    fn discord_allows_2000_characters() {
        assert!(problems(Platform::Discord, &"é".repeat(2000), None).is_empty());
        assert_eq!(
            problems(Platform::Discord, &"é".repeat(2001), None).len(),
            1
        );
    }

    #[test]
    fn discourse_needs_a_title_of_15_and_a_post_of_20() {
        let body = "A post long enough for the forum.";
        assert_eq!(
            problems(Platform::Discourse, body, None),
            vec!["a Discourse topic needs a title"]
        );
        assert_eq!(
            problems(Platform::Discourse, body, Some("Short title")),
            vec!["a Discourse title needs at least 15 characters; this one has 11"]
        );
        assert_eq!(
            problems(
                Platform::Discourse,
                "Too short.",
                Some("Release notes for 2.0")
            ),
            vec!["a Discourse post needs at least 20 characters; this one has 10"]
        );
        assert!(problems(Platform::Discourse, body, Some("Release notes for 2.0")).is_empty());
    }

    #[test]
    fn github_needs_a_title_and_every_platform_refuses_an_empty_text() {
        assert_eq!(
            problems(Platform::Github, "Body", Some("  ")),
            vec!["a GitHub issue or discussion needs a title"]
        );
        assert!(problems(Platform::Github, "Body", Some("Roadmap")).is_empty());
        assert_eq!(
            problems(Platform::Matrix, "   ", None),
            vec!["the Matrix text is empty"]
        );
    }
}
