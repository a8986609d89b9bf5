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
//! - GitHub: a new post becomes an issue, which needs a title; at most 65,536 characters.

use unicode_segmentation::UnicodeSegmentation;

use crate::model::Platform;

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
            out.push("a GitHub post becomes an issue and needs a title".into());
        }
        _ => {}
    }
    out
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
            vec!["a GitHub post becomes an issue and needs a title"]
        );
        assert!(problems(Platform::Github, "Body", Some("Roadmap")).is_empty());
        assert_eq!(
            problems(Platform::Matrix, "   ", None),
            vec!["the Matrix text is empty"]
        );
    }
}
