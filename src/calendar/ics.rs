//! The calendar as an iCalendar file (RFC 5545), for other calendar programs. Owns: which
//! items become events and what each carries. Must never: put a token or anything but the
//! items' own words in the file; the writing itself (escaping, folding long lines, UTC times)
//! is the `icalendar` crate's.
//!
//! Each dated item is one event at its time, fifteen minutes long (calendars draw a post as a
//! short block), with a UID that stays the same from one export to the next, so a calendar
//! program that subscribes to or imports the file again updates the event instead of adding a
//! copy. Undated ideas have no time to be drawn at and are left out (the summary says how
//! many).

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::error::{Error, Result};
use crate::model::{CalendarRange, ContentState, Millis};
use crate::store::Store;

/// How long each post is drawn in a calendar program.
const DRAWN_FOR: Millis = 15 * 60 * 1000;

/// What an export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsExport {
    /// The file's text (CRLF line ends, as RFC 5545 has them).
    pub text: String,
    pub events: usize,
    /// Items without a date, left out.
    pub undated: usize,
}

fn utc(at: Millis) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(at)
        .ok_or_else(|| Error::invalid(format!("{at} is not a time a calendar can hold")))
}

fn state_word(state: ContentState) -> &'static str {
    match state {
        ContentState::Idea => "Idea",
        ContentState::Draft => "Draft",
        ContentState::Scheduled => "Scheduled",
        ContentState::Published => "Published",
        ContentState::Failed => "Failed",
    }
}

/// The lines of an iCalendar text folded again, each at 75 octets or fewer, never right after
/// a space or a tab. The `icalendar` crate means to fold away from whitespace too, but after a
/// multi-byte character ("—", "×", an emoji) it checks a character index where it means a byte
/// one, and can leave a physical line ending in a space, which readers that trim lines (the
/// `ical` crate, mail transports) then lose: "think! 🎉" read back as "think!🎉".
fn refold(text: &str) -> String {
    const LIMIT: usize = 75;
    let mut logical: Vec<String> = Vec::new();
    for line in text.split("\r\n") {
        match (line.strip_prefix([' ', '\t']), logical.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if line.is_empty() => {}
            _ => logical.push(line.to_string()),
        }
    }
    let mut out = String::with_capacity(text.len());
    for line in &logical {
        let mut rest = line.as_str();
        // the first physical line holds 75 octets; the others a space and 74
        let mut room = LIMIT;
        while rest.len() > room {
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            // not right after whitespace (while there is a word to cut before)
            while cut > 1 && rest[..cut].ends_with([' ', '\t']) {
                cut -= 1;
                while !rest.is_char_boundary(cut) {
                    cut -= 1;
                }
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            room = LIMIT - 1;
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    out
}

impl Store {
    /// Every dated calendar item as an event of one iCalendar file.
    pub fn calendar_ics(&self, now: Millis) -> Result<IcsExport> {
        let items = self.calendar(&CalendarRange {
            include_unscheduled: true,
            ..Default::default()
        })?;
        let uid: String =
            self.conn()
                .query_row("SELECT uid FROM workspace WHERE id = 1", [], |r| r.get(0))?;
        let stamp = utc(now)?;
        // VERSION, PRODID and CALSCALE as the standard has them, with Hearth named as the maker
        let mut calendar = Calendar::empty();
        calendar
            .append_property(("VERSION", "2.0"))
            .append_property(("PRODID", "-//Hearth//Content calendar//EN"))
            .append_property(("CALSCALE", "GREGORIAN"))
            .name("Hearth content calendar")
            .description("Posts planned in Hearth, one event per post at its time (UTC).");
        let mut events = 0;
        let mut undated = 0;
        for item in &items {
            let Some(at) = item.scheduled_at.or(item.published_at) else {
                undated += 1;
                continue;
            };
            let mut description = item.body.trim().to_string();
            for v in &item.variants {
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(&format!("{}: {}", v.platform.label(), v.body.trim()));
            }
            let mut event = Event::new();
            event
                .uid(&format!("calendar-item-{}@{uid}.hearth", item.id))
                .timestamp(stamp)
                .summary(&item.title)
                .starts(utc(at)?)
                .ends(utc(at + DRAWN_FOR)?)
                .created(utc(item.created_at)?)
                .last_modified(utc(item.updated_at)?)
                .categories(
                    std::iter::once(state_word(item.state))
                        .chain(item.variants.iter().map(|v| v.platform.label())),
                )
                .status(match item.state {
                    ContentState::Scheduled | ContentState::Published => EventStatus::Confirmed,
                    ContentState::Failed => EventStatus::Cancelled,
                    ContentState::Idea | ContentState::Draft => EventStatus::Tentative,
                });
            if !description.is_empty() {
                event.description(&description);
            }
            calendar.push(event.done());
            events += 1;
        }
        Ok(IcsExport {
            text: refold(&calendar.done().to_string()),
            events,
            undated,
        })
    }

    /// [`Store::calendar_ics`] written to the file at `path`, whole or not at all.
    pub fn export_calendar_ics(&self, path: &std::path::Path, now: Millis) -> Result<IcsExport> {
        let export = self.calendar_ics(now)?;
        crate::files::write_whole(path, |out| {
            out.write_all(export.text.as_bytes())
                .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))
        })?;
        Ok(export)
    }
}

#[cfg(test)]
mod tests {
    use super::refold;

    #[test]
    fn lines_are_folded_at_75_octets_on_character_boundaries_never_after_a_space() {
        let value = format!(
            "DESCRIPTION:{}tell us! 🎉 and more {}",
            "—".repeat(20),
            "x".repeat(80)
        );
        let folded = refold(&format!("BEGIN:VEVENT\r\n{value}\r\nEND:VEVENT\r\n"));
        for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
            assert!(!line.ends_with(' '), "{line:?} ends in a space");
        }
        // unfolded by removing each CRLF and the one space after it, it reads as written
        assert_eq!(
            folded.replace("\r\n ", ""),
            format!("BEGIN:VEVENT\r\n{value}\r\nEND:VEVENT\r\n")
        );
        // and the crate's own folds are undone first
        assert_eq!(refold("SUMMARY:a\r\n b\r\n"), "SUMMARY:ab\r\n");
    }
}
