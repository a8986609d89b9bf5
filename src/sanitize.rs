//! Turning untrusted platform HTML into HTML the UI may render. Owns: the one allow-list of
//! tags and attributes (via `ammonia`). Must never: let scripts, event handlers, styles, frames,
//! forms or remote images through. Everything a platform sends is untrusted.

use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.tags(
        [
            "a",
            "p",
            "br",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "del",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "span",
            "sub",
            "sup",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "details",
            "summary",
        ]
        .into_iter()
        .collect(),
    )
    .generic_attributes(std::collections::HashSet::new())
    .tag_attributes(
        [("a", ["href", "title"].into_iter().collect())]
            .into_iter()
            .collect(),
    )
    .url_schemes(["http", "https", "mailto"].into_iter().collect())
    .url_relative(ammonia::UrlRelative::Deny)
    .link_rel(Some("noopener noreferrer nofollow"));
    b
});

/// Cleans HTML from a platform for display. The result contains only formatting tags, links
/// with http(s)/mailto targets, and text.
pub fn clean_html(untrusted: &str) -> String {
    CLEANER.clean(untrusted).to_string()
}

/// Renders a note's Markdown (CommonMark with tables and strikethrough) as HTML the UI may show.
/// HTML written in the note is never live: it is shown as the text it is, then the result goes
/// through the same allow-list as platform HTML, so only formatting and http(s)/mailto links
/// remain.
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    clean_html(&html)
}

/// Plain text of an HTML fragment (tags dropped, entities decoded, whitespace folded), for
/// snippets and search when a platform only gives HTML.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for ch in html.chars() {
        match (in_tag, ch) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').to_ascii_lowercase();
                let name = name.split_whitespace().next().unwrap_or("");
                if matches!(
                    name,
                    "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "blockquote" | "pre"
                ) {
                    text.push(' ');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => text.push(c),
        }
    }
    let decoded = decode_entities(&text);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                    u32::from_str_radix(&ent[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            }
            .map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_notes_render_formatting_and_links_but_never_live_html() {
        let html = render_markdown(
            "# Talk\n\n- ask about **RustConf**\n- [slides](https://example.org/s)\n\n`cargo run`",
        );
        assert!(html.contains("<h1>Talk</h1>"), "{html}");
        assert!(
            html.contains("<li>ask about <strong>RustConf</strong></li>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"https://example.org/s\""), "{html}");
        assert!(html.contains("<code>cargo run</code>"), "{html}");

        let hostile = render_markdown(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3)) <b onclick=y>bold</b>",
        );
        assert!(!hostile.contains("<script"), "{hostile}");
        assert!(!hostile.contains("<img"), "{hostile}");
        assert!(!hostile.contains("<b "), "{hostile}");
        assert!(!hostile.contains("javascript:"), "{hostile}");
        // what was typed is still there, as text
        assert!(
            hostile.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{hostile}"
        );
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let dirty = r#"<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:alert(1)">x</a><img src="https://tracker.example/p.gif"><iframe src="https://evil.example"></iframe></p>"#;
        let clean = clean_html(dirty);
        for bad in [
            "script",
            "onclick",
            "javascript:",
            "<img",
            "iframe",
            "tracker",
        ] {
            assert!(!clean.contains(bad), "{bad} survived sanitising: {clean}");
        }
        assert!(
            clean.starts_with("<p>Hi "),
            "text and safe tags stay: {clean}"
        );
    }

    #[test]
    fn safe_links_keep_their_target_and_gain_noopener() {
        let clean = clean_html(r#"<a href="https://example.org/docs" style="color:red">docs</a>"#);
        assert!(
            clean.contains(r#"href="https://example.org/docs""#),
            "{clean}"
        );
        assert!(clean.contains("noopener"), "{clean}");
        assert!(!clean.contains("style"), "{clean}");
    }

    #[test]
    fn html_to_text_drops_tags_and_decodes_entities() {
        assert_eq!(
            html_to_text("<p>Fish &amp; chips</p><p>caf&#233; &lt;3</p>"),
            "Fish & chips café <3"
        );
    }
}
