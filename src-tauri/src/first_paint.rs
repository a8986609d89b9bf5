//! The inbox's first frame as HTML, painted before the UI's script has run.
//!
//! The UI's script takes about 150 ms from the page being parsed to its first frame with rows:
//! fetching and compiling it, building the shell, a couple of milliseconds per row in a cold
//! script engine, and two layouts. A page that needs no script paints in a few. So the core
//! writes the first frame itself into the page it serves, from the same [`FirstScreen`] it writes
//! in as data: the shell's outline, the view's header, the follow-ups due and the rows. The rows
//! are written with the markup and classes of `InboxRow.svelte`, styled by the same stylesheets
//! (`inbox-row.css`, `platform-badge.css`, `priority-label.css`); the shell around them is laid
//! out as the Svelte components lay out theirs (`ui/src/first-paint.css` mirrors their styles).
//! The UI takes over as soon as its own rows are in the page (`ui/src/lib/firstPaint.ts`): it
//! removes this frame, compares where each of its rows and their lines sit with where this frame
//! put them, and notes the result on the page (`data-first-paint` on `<html>`: `same:N` or what
//! moved). The end-to-end test checks that note, and a test here checks the names and colours
//! taken from the UI's tables, so this renderer cannot drift from the Svelte one unseen.
//!
//! The frame is an overlay: `aria-hidden`, `inert`, and gone before anything can be done with
//! it. Every text in it comes from a platform or a member and is escaped; no attribute takes a
//! value from them except `data-fp-id` (a number) and the badge's colour (from the table below).

use std::fmt::Write;

use hearth::model::{InboxItem, Millis, Platform, Reminder, Status, View};

use crate::first_screen::FirstScreen;

/// The id of the overlay (read by `ui/src/lib/firstPaint.ts`).
pub const ELEMENT_ID: &str = "hearth-first-paint";

/// What a platform's badge shows: mirrors `PLATFORMS` in `ui/src/lib/platforms.ts`.
fn badge(platform: Platform) -> (&'static str, &'static str, &'static str) {
    match platform {
        Platform::Discord => ("Dc", "Discord", "#5865f2"),
        Platform::Discourse => ("Ds", "Discourse", "#d0232b"),
        Platform::Github => ("GH", "GitHub", "#24292f"),
        Platform::Slack => ("Sl", "Slack", "#4a154b"),
        Platform::Matrix => ("Mx", "Matrix", "#08815f"),
        Platform::Mastodon => ("Ma", "Mastodon", "#5657f0"),
        Platform::Bluesky => ("Bs", "Bluesky", "#0a6cde"),
        Platform::Email => ("@", "Email", "#6b7280"),
        Platform::Reddit => ("Rd", "Reddit", "#d93a00"),
        Platform::Telegram => ("Tg", "Telegram", "#1a73a1"),
        Platform::List => ("Li", "Imported list", "#7c5a2e"),
    }
}

/// The rows painted: a screenful in windows up to about 1,000 px high even if every row were
/// the shortest a row can be (60 px; most are 100–160). The rest of the page is room to scroll;
/// in a taller window the rows below come with the UI's own frame, a tenth of a second later.
const PAINTED_ROWS: usize = 16;

/// The room a row out of sight takes: about what the app's list guesses for a row it has not
/// laid out yet.
const UNSEEN_ROW_PX: usize = 120;

/// The brand's mark in the sidebar: the file `Shell.svelte` shows (the build writes it into the
/// script as a `data:` address, which the content security policy allows for images).
const LOGO: &str = include_str!("../../icons/icon.svg");

/// The places in the sidebar, as `Shell.svelte` lists them.
const PLACES: [&str; 6] = [
    "Inbox",
    "Members",
    "Calendar",
    "Dashboard",
    "Moderation",
    "Settings",
];

/// Priority names: mirrors `PRIORITY_LABELS` in `ui/src/lib/priority.ts`.
fn priority_label(priority: i64) -> &'static str {
    match priority {
        0 => "None",
        1 => "Low",
        3 => "High",
        4 => "Urgent",
        _ => "Normal",
    }
}

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// A relative age ("3 h"): mirrors `relativeAge` in `ui/src/lib/format/time.ts`.
pub fn relative_age(at: Millis, now: Millis) -> String {
    let age = (now - at).max(0);
    if age < MINUTE {
        "now".into()
    } else if age < HOUR {
        format!("{} min", age / MINUTE)
    } else if age < DAY {
        format!("{} h", age / HOUR)
    } else if age < 14 * DAY {
        format!("{} d", age / DAY)
    } else if age < 60 * DAY {
        format!("{} w", age / (7 * DAY))
    } else if age < 365 * DAY {
        format!("{} mo", age / (30 * DAY))
    } else {
        format!("{} y", age / (365 * DAY))
    }
}

/// Where a reply stands against its target (tone and words), or nothing to say yet: mirrors
/// `replyDue` in `ui/src/lib/format/time.ts`.
pub fn reply_due(
    due_at: Option<Millis>,
    since: Option<Millis>,
    now: Millis,
) -> Option<(&'static str, String)> {
    let (due_at, since) = (due_at?, since?);
    let left = due_at - now;
    if left <= 0 {
        return Some((
            "over",
            format!("reply overdue {}", relative_age(due_at, now)),
        ));
    }
    // the last quarter of the target; `left * 4` keeps the UI's division exact
    if left * 4 <= due_at - since {
        return Some((
            "near",
            format!("reply due in {}", relative_age(now, now + left)),
        ));
    }
    None
}

/// `text` safe to stand as an element's text or a quoted attribute's value.
fn esc(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The overlay for `screen` at `now`, or `None` when the first frame is not the inbox's rows
/// (an empty workspace greets with the welcome screen; an empty view says so in the UI's words).
pub fn render(screen: &FirstScreen, now: Millis) -> Option<String> {
    if screen.status.is_empty || screen.page.items.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(2_048 + screen.page.items.len() * 768);
    let _ = write!(
        out,
        r#"<div id="{ELEMENT_ID}" aria-hidden="true" inert><div class="fp-shell"><div class="fp-nav"><div class="fp-brand"><img class="fp-mark" alt="" src="data:image/svg+xml,{}"> Hearth</div>"#,
        percent_encoding::utf8_percent_encode(LOGO, percent_encoding::NON_ALPHANUMERIC)
    );
    for (i, place) in PLACES.iter().enumerate() {
        let current = if i == 0 { " fp-current" } else { "" };
        let initial = &place[..1];
        let _ = write!(
            out,
            r#"<button class="fp-link{current}" tabindex="-1"><span class="fp-label">{place}</span><span class="fp-short">{initial}</span>"#
        );
        if i == 0 {
            let _ = write!(
                out,
                r#"<span class="fp-count">{}</span></button>"#,
                grouped(screen.counts.open)
            );
            view_nav(&mut out, &screen.views);
        } else {
            out.push_str("</button>");
        }
    }
    out.push_str(
        r#"</div><div class="fp-main"><div class="fp-topbar"><div class="fp-search"><input class="field" type="search" tabindex="-1" placeholder="Search messages and notes"><kbd>/</kbd></div></div>"#,
    );
    header(&mut out, &screen.views);
    reminders(&mut out, &screen.page.reminders, now);
    out.push_str(r#"<div class="fp-list">"#);
    let items = &screen.page.items;
    for (i, item) in items.iter().take(PAINTED_ROWS).enumerate() {
        row(&mut out, item, i == 0, now);
    }
    if items.len() > PAINTED_ROWS {
        // the rows out of sight, as room: the list scrolls, and its scroll bar is as long, as in
        // the app's own frame
        let _ = write!(
            out,
            r#"<div style="height:{}px"></div>"#,
            (items.len() - PAINTED_ROWS) * UNSEEN_ROW_PX
        );
    }
    let more = screen.page.total - items.len() as i64;
    if more > 0 {
        let _ = write!(out, r#"<div class="fp-more faint">{more} more below</div>"#);
    }
    out.push_str("</div></section></div></div></div></div>");
    Some(out)
}

/// A count as the UI shows one (`toLocaleString()`, in the web view's locale, which WebKit takes
/// from the process's): digits alone in the C locale, grouped by thousands otherwise. Where the
/// person's language groups with another character, that one glyph differs for a tenth of a
/// second; no line or row moves for it.
fn grouped(n: i64) -> String {
    grouped_in(
        n,
        &std::env::var("LC_ALL")
            .or_else(|_| std::env::var("LC_NUMERIC"))
            .or_else(|_| std::env::var("LANG"))
            .unwrap_or_default(),
    )
}

fn grouped_in(n: i64, locale: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let plain = matches!(locale, "" | "C" | "POSIX") || locale.starts_with("C.");
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if !plain && i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The inbox's views under its link in the sidebar: mirrors `ViewNav.svelte`.
fn view_nav(out: &mut String, views: &[View]) {
    if views.is_empty() {
        return;
    }
    out.push_str(r#"<section class="fp-views"><h3 class="faint">Views</h3>"#);
    for view in views.iter().filter(|v| v.key != "open") {
        out.push_str(r#"<button class="fp-view" tabindex="-1"><span class="fp-name">"#);
        esc(out, &view.name);
        out.push_str("</span>");
        if view.overdue > 0 {
            let _ = write!(
                out,
                r#"<span class="fp-late">{}</span>"#,
                grouped(view.overdue)
            );
        }
        let _ = write!(
            out,
            r#"<span class="fp-count">{}</span></button>"#,
            grouped(view.count)
        );
    }
    out.push_str("</section>");
}

/// The open view's header above the list: mirrors `ViewHeader.svelte`.
fn header(out: &mut String, views: &[View]) {
    out.push_str(r#"<div class="fp-split"><section class="fp-column"><div class="fp-header"><select class="fp-view-pick" tabindex="-1">"#);
    for view in views {
        let selected = if view.key == "open" { " selected" } else { "" };
        let _ = write!(out, "<option{selected}>");
        esc(out, &view.name);
        let _ = write!(out, " ({})</option>", grouped(view.count));
    }
    out.push_str("</select>");
    match views.iter().find(|v| v.key == "open") {
        Some(open) => {
            out.push_str("<h1>");
            esc(out, &open.name);
            let _ = write!(
                out,
                r#" <span class="fp-count">{}</span></h1>"#,
                grouped(open.count)
            );
            if open.overdue > 0 {
                let _ = write!(
                    out,
                    r#"<span class="fp-late">{} overdue</span>"#,
                    grouped(open.overdue)
                );
            }
        }
        None => out.push_str(r#"<h1>Inbox <span class="fp-count"></span></h1>"#),
    }
    out.push_str(r#"<div class="fp-narrow"><select tabindex="-1"><option>All platforms</option></select><select tabindex="-1"><option>All tags</option></select></div></div>"#);
}

/// The follow-ups due above the open queue: mirrors `ReminderItems.svelte`.
fn reminders(out: &mut String, due: &[Reminder], now: Millis) {
    if due.is_empty() {
        return;
    }
    let _ = write!(
        out,
        r#"<section class="fp-reminders"><h2 class="faint">Follow-ups due · {}</h2><ul>"#,
        due.len()
    );
    for r in due {
        out.push_str(r#"<li class="fp-reminder"><button class="fp-rmain" tabindex="-1"><span>⏰</span><span class="fp-rtext"><strong>"#);
        esc(out, &r.body);
        out.push_str(r#"</strong><span class="faint fp-small">"#);
        esc(out, &r.member_name);
        let _ = write!(
            out,
            r#" · due {}</span></span></button><span class="fp-actions"><button class="btn small" tabindex="-1">Profile</button><button class="btn small" tabindex="-1">Snooze</button><button class="btn small" tabindex="-1">Done</button></span></li>"#,
            relative_age(r.snoozed_until.unwrap_or(r.due_at), now)
        );
    }
    out.push_str("</ul></section>");
}

/// One row of the queue: mirrors `InboxRow.svelte` (no one else is around yet, nothing is
/// picked).
fn row(out: &mut String, item: &InboxItem, selected: bool, now: Millis) {
    let (short, label, colour) = badge(item.platform);
    let selected = if selected {
        r#" aria-selected="true""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<div class="inbox-row"{selected} data-fp-id="{}"><div class="top"><span class="platform-badge" style="--badge:{colour}"><span>{short}</span><span class="visually-hidden">{label}</span></span><span class="author">"#,
        item.id
    );
    esc(out, &item.author_name);
    out.push_str("</span>");
    if item.message_count > 1 {
        let _ = write!(
            out,
            r#"<span class="faint count">{}</span>"#,
            item.message_count
        );
    }
    let _ = write!(
        out,
        r#"<span class="age faint">{}</span></div><div class="title">"#,
        relative_age(item.last_message_at, now)
    );
    let title = item
        .title
        .as_deref()
        .or(item.container.as_deref())
        .unwrap_or(&item.account_name);
    esc(out, title);
    out.push_str(r#"</div><div class="snippet">"#);
    esc(out, &item.snippet);
    out.push_str("</div>");
    if !item.reasons.is_empty() {
        out.push_str(r#"<div class="why">"#);
        for reason in &item.reasons {
            let tone = match reason.points.signum() {
                1 => " up",
                -1 => " down",
                _ => "",
            };
            let _ = write!(out, r#"<span class="reason{tone}">"#);
            esc(out, &reason.why);
            if reason.points != 0 {
                let sign = if reason.points > 0 { '+' } else { '−' };
                let _ = write!(
                    out,
                    r#"<span class="points">{sign}{}</span>"#,
                    reason.points.unsigned_abs()
                );
            }
            out.push_str("</span>");
        }
        out.push_str("</div>");
    }
    let due = reply_due(item.reply_due_at, item.unanswered_since, now);
    if !item.tags.is_empty()
        || item.priority >= 3
        || item.snoozed_until.is_some()
        || item.assignee.is_some()
        || due.is_some()
    {
        out.push_str(r#"<div class="meta">"#);
        if let Some((tone, text)) = due {
            let _ = write!(out, r#"<span class="due {tone}">{text}</span>"#);
        }
        if item.priority >= 3 {
            let _ = write!(
                out,
                r#"<span class="priority-label p{}">{}</span>"#,
                item.priority,
                priority_label(item.priority)
            );
        }
        if let (Status::Snoozed, Some(until)) = (item.status, item.snoozed_until) {
            // the UI says the day and time in the webview's own locale; this frame is gone
            // before anyone reads it, so a close "in 3 h" keeps the line's place
            let _ = write!(
                out,
                r#"<span class="faint">until {}</span>"#,
                relative_age(now, until.max(now))
            );
        }
        if let Some(assignee) = &item.assignee {
            let initial: String = assignee.chars().next().into_iter().collect();
            out.push_str(r#"<span class="assignee"><span class="visually-hidden">Assigned to</span><span class="initial">"#);
            esc(out, &initial.to_uppercase());
            out.push_str(r#"</span><span class="name">"#);
            esc(out, assignee);
            out.push_str("</span></span>");
        }
        for tag in &item.tags {
            out.push_str(r#"<span class="tag">"#);
            esc(out, tag);
            out.push_str("</span>");
        }
        out.push_str("</div>");
    }
    out.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_the_ui_reads_them() {
        // the boundaries of `relativeAge` (ui/src/lib/format/time.test.ts)
        let now = 1_000 * DAY;
        for (age, text) in [
            (0, "now"),
            (59_999, "now"),
            (MINUTE, "1 min"),
            (HOUR - 1, "59 min"),
            (HOUR, "1 h"),
            (DAY - 1, "23 h"),
            (DAY, "1 d"),
            (14 * DAY - 1, "13 d"),
            (14 * DAY, "2 w"),
            (60 * DAY, "2 mo"),
            (365 * DAY, "1 y"),
            (-5 * MINUTE, "now"),
        ] {
            assert_eq!(relative_age(now - age, now), text, "age {age} ms");
        }
    }

    #[test]
    fn a_reply_is_overdue_past_its_target_and_near_in_its_last_quarter() {
        let now = 100 * DAY;
        // asked 30 h ago with a 24 h target: 6 h overdue
        assert_eq!(
            reply_due(Some(now - 6 * HOUR), Some(now - 30 * HOUR), now),
            Some(("over", "reply overdue 6 h".to_string()))
        );
        // asked 20 h ago: 4 h left of 24, within the last quarter (6 h)
        assert_eq!(
            reply_due(Some(now + 4 * HOUR), Some(now - 20 * HOUR), now),
            Some(("near", "reply due in 4 h".to_string()))
        );
        // asked 2 h ago: nothing to say yet
        assert_eq!(
            reply_due(Some(now + 22 * HOUR), Some(now - 2 * HOUR), now),
            None
        );
        assert_eq!(reply_due(None, Some(now), now), None);
    }

    #[test]
    fn counts_are_grouped_as_the_ui_groups_them() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (104_566, "104,566"),
            (-1_234_567, "-1,234,567"),
        ] {
            assert_eq!(grouped_in(n, "en_GB.UTF-8"), text);
        }
        // WebKit's C locale groups nothing
        assert_eq!(grouped_in(24_731, "C.UTF-8"), "24731");
        assert_eq!(grouped_in(24_731, ""), "24731");
    }

    #[test]
    fn the_names_and_colours_are_the_uis() {
        // each mirrored table, checked against the file the UI takes it from
        let platforms = include_str!("../../ui/src/lib/platforms.ts");
        for platform in Platform::ALL {
            let (short, label, colour) = badge(platform);
            let key = serde_json::to_value(platform).expect("a name");
            let key = key.as_str().expect("a string");
            let line = platforms
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{key}: {{")))
                .unwrap_or_else(|| panic!("{key} in platforms.ts"));
            for part in [
                format!("label: '{label}'"),
                format!("short: '{short}'"),
                format!("colour: '{colour}'"),
            ] {
                assert!(line.contains(&part), "{key}: {part} in {line}");
            }
        }
        let shell = include_str!("../../ui/src/lib/components/Shell.svelte");
        let links: Vec<&str> = shell
            .lines()
            .filter_map(|l| l.split("label: '").nth(1)?.split('\'').next())
            .collect();
        assert_eq!(links, PLACES, "the sidebar's places, in order");
        let priority = include_str!("../../ui/src/lib/priority.ts");
        let labels: Vec<String> = (0..5).map(|p| format!("'{}'", priority_label(p))).collect();
        assert!(
            priority.contains(&format!("[{}]", labels.join(", "))),
            "PRIORITY_LABELS in priority.ts"
        );
    }

    #[test]
    fn text_from_a_platform_never_becomes_markup() {
        let mut out = String::new();
        esc(&mut out, r#"<img src=x onerror="alert(1)"> & 'x'"#);
        assert_eq!(
            out,
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;x&#39;"
        );
    }
}
