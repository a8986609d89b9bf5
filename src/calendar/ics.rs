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
//!
//! Importing reads events (a community call, a meetup) into dated ideas: one item per event,
//! or per occurrence of a recurring one within the coming `horizon_days`, each remembering the
//! event it came from (`calendar_items.ics_uid`), so the same file imported again changes
//! nothing and a changed event updates its item, unless someone has taken the item further
//! than an idea. Times keep their zones (IANA names, through `chrono-tz`); a floating time or
//! an all-day date is the user's own local time.

use std::str::FromStr;

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use icalendar::{
    Calendar, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike, EventStatus,
};
use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{CalendarImportReport, CalendarRange, ContentState, Millis};
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
        ContentState::InReview => "In review",
        ContentState::Approved => "Approved",
        ContentState::Scheduled => "Scheduled",
        ContentState::Published => "Published",
        ContentState::Partly => "Partly published",
        ContentState::Failed => "Failed",
        ContentState::Missed => "Missed",
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

/// Occurrences of one recurring event imported at most.
const OCCURRENCES: u16 = 200;

/// A wall-clock time in a zone, as UTC milliseconds (the earlier of two in a DST fold; a time
/// skipped by DST moves on an hour).
fn in_zone<Z: TimeZone>(zone: &Z, at: NaiveDateTime) -> Option<Millis> {
    zone.from_local_datetime(&at)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(at + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.timestamp_millis())
}

/// When a DTSTART is, in UTC milliseconds, or why it cannot be read.
fn start_of(start: &DatePerhapsTime) -> std::result::Result<Millis, String> {
    match start {
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(t)) => Ok(t.timestamp_millis()),
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => {
            let zone = chrono_tz::Tz::from_str(tzid)
                .map_err(|_| format!("the time zone '{tzid}' is not one Hearth knows"))?;
            in_zone(&zone, *date_time).ok_or_else(|| format!("{date_time} is not a time in {tzid}"))
        }
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(t)) => {
            in_zone(&Local, *t).ok_or_else(|| format!("{t} is not a local time"))
        }
        DatePerhapsTime::Date(d) => day_start(*d),
    }
}

fn day_start(d: NaiveDate) -> std::result::Result<Millis, String> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| in_zone(&Local, t))
        .ok_or_else(|| format!("{d} is not a day"))
}

/// One item an event becomes: its key, title, text and time.
struct Occurrence {
    key: String,
    title: String,
    body: String,
    at: Millis,
}

/// The items one event becomes, or why it is left out.
fn occurrences_of(
    event: &icalendar::CalendarEvent<'_>,
    now: Millis,
    horizon_days: u32,
) -> std::result::Result<Vec<Occurrence>, String> {
    let title = event
        .get_summary()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("Untitled event")
        .to_string();
    let mut body = event.get_description().unwrap_or("").trim().to_string();
    if let Some(place) = event
        .get_location()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(&format!("Where: {place}"));
    }
    let start = event
        .get_start()
        .ok_or_else(|| "it has no start time".to_string())?;
    let uid = match event.get_uid().map(str::trim).filter(|u| !u.is_empty()) {
        Some(uid) => uid.to_string(),
        // no UID: the event is known by its title and start
        None => format!("{title}@{}", start_of(&start)?),
    };
    let recurs =
        event.property_value("RRULE").is_some() || event.multi_properties().contains_key("RDATE");
    if !recurs {
        return Ok(vec![Occurrence {
            key: uid,
            title,
            body,
            at: start_of(&start)?,
        }]);
    }
    let set = event.get_recurrence().map_err(|e| match &start {
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { tzid, .. })
            if chrono_tz::Tz::from_str(tzid).is_err() =>
        {
            format!("the time zone '{tzid}' is not one Hearth knows")
        }
        _ => format!("its repetition cannot be read ({e})"),
    })?;
    let from = DateTime::from_timestamp_millis(now - 24 * 60 * 60 * 1000)
        .ok_or_else(|| "the clock is out of range".to_string())?
        .with_timezone(&rrule::Tz::UTC);
    let to = from + chrono::Duration::days(i64::from(horizon_days) + 1);
    let found = set.after(from).before(to).all(OCCURRENCES);
    Ok(found
        .dates
        .iter()
        .map(|t| {
            let at = t.timestamp_millis();
            Occurrence {
                key: format!("{uid}#{at}"),
                title: title.clone(),
                body: body.clone(),
                at,
            }
        })
        .collect())
}

impl Store {
    /// Imports the events of an iCalendar file as dated ideas (see the module's doc). One
    /// transaction: a file that cannot be read changes nothing.
    pub fn import_calendar_ics(
        &mut self,
        path: &std::path::Path,
        now: Millis,
        horizon_days: u32,
    ) -> Result<CalendarImportReport> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            context: format!("cannot read {}", path.display()),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::invalid(format!("{name} is not text (iCalendar files are UTF-8)"))
        })?;
        let text = text.trim_start_matches('\u{feff}');
        if !text.trim_start().starts_with("BEGIN:VCALENDAR") {
            return Err(Error::invalid(format!(
                "{name} is not an iCalendar file: it does not begin with BEGIN:VCALENDAR"
            )));
        }
        let calendar = Calendar::from_str(text)
            .map_err(|e| Error::invalid(format!("{name} cannot be read as iCalendar: {e}")))?;
        let mut report = CalendarImportReport::default();
        let mut items: Vec<Occurrence> = Vec::new();
        for event in calendar.calendar_events() {
            report.events += 1;
            let title = event.get_summary().unwrap_or("Untitled event").to_string();
            if event.get_status() == Some(EventStatus::Cancelled) {
                report.skipped.push(format!("{title}: it is cancelled"));
                continue;
            }
            match occurrences_of(&event, now, horizon_days) {
                Ok(found) if found.is_empty() => report.skipped.push(format!(
                    "{title}: it does not happen in the next {horizon_days} days"
                )),
                Ok(found) => items.extend(found),
                Err(why) => report.skipped.push(format!("{title}: {why}")),
            }
        }
        let tx = self.conn_mut().transaction()?;
        {
            let mut find = tx.prepare_cached(
                "SELECT id, title, body, scheduled_at, state FROM calendar_items WHERE ics_uid = ?1",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO calendar_items (title, body, state, scheduled_at, ics_uid, created_at,
                     updated_at)
                 VALUES (?1, ?2, 'idea', ?3, ?4, ?5, ?5)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE calendar_items SET title = ?2, body = ?3, scheduled_at = ?4, updated_at = ?5
                 WHERE id = ?1",
            )?;
            for o in &items {
                let held: Option<(i64, String, String, Option<Millis>, String)> = find
                    .query_row([&o.key], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })
                    .optional()?;
                match held {
                    None => {
                        insert.execute(params![o.title, o.body, o.at, o.key, now])?;
                        report.new += 1;
                    }
                    Some((_, title, body, at, _))
                        if title == o.title && body == o.body && at == Some(o.at) =>
                    {
                        report.unchanged += 1;
                    }
                    // someone took it further than an idea: theirs to change
                    Some((_, _, _, _, state)) if state != "idea" => report.unchanged += 1,
                    Some((id, ..)) => {
                        update.execute(params![id, o.title, o.body, o.at, now])?;
                        report.updated += 1;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }

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
        // a repeating item is one event with its RRULE, not one per occurrence
        for item in items.iter().filter(|i| !i.occurrence) {
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
                    ContentState::Scheduled | ContentState::Published | ContentState::Partly => {
                        EventStatus::Confirmed
                    }
                    ContentState::Failed | ContentState::Missed => EventStatus::Cancelled,
                    ContentState::Idea
                    | ContentState::Draft
                    | ContentState::InReview
                    | ContentState::Approved => EventStatus::Tentative,
                });
            if !description.is_empty() {
                event.description(&description);
            }
            if let Some(rule) = &item.recurrence {
                // a repeating post repeats in other calendars too
                event.add_property("RRULE", rule);
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
    use super::{in_zone, refold};
    use chrono::NaiveDate;

    #[test]
    fn a_time_in_a_dst_fold_is_its_earlier_one_and_a_skipped_time_moves_on_an_hour() {
        let berlin = chrono_tz::Europe::Berlin;
        let at = |y, m, d, h, min| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(h, min, 0))
                .expect("a date")
        };
        let utc = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect("a time")
                .timestamp_millis()
        };
        // 2026-10-25 02:30 happens twice in Berlin: first in summer time (UTC+2)
        assert_eq!(
            in_zone(&berlin, at(2026, 10, 25, 2, 30)),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        // 2027-03-28 02:30 never happens there: 03:30 summer time
        assert_eq!(
            in_zone(&berlin, at(2027, 3, 28, 2, 30)),
            Some(utc("2027-03-28T01:30:00Z"))
        );
        assert_eq!(
            in_zone(&berlin, at(2026, 12, 3, 18, 0)),
            Some(utc("2026-12-03T17:00:00Z"))
        );
    }

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
