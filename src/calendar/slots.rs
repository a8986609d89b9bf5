//! Posting slots: the times of the week each account posts at ("Tue and Thu 10:00"), and
//! "add to the next free slot". Owns: slots per account in a time zone (10:00 stays 10:00
//! across daylight saving), reading "tue 10:00" in words, and finding the next slot of an
//! item's accounts that no other post of those accounts holds. Must never: move an item that
//! is already out.

use chrono::{Datelike, Duration, NaiveTime, TimeZone};
use rusqlite::params;

use crate::error::{Error, Result};
use crate::model::{CalendarItem, Millis, PostingSlot};
use crate::store::{platform_col, Store};

/// How far ahead a free slot is looked for.
const WEEKS_AHEAD: i64 = 12;
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// "tue 10:00", "Thursday 9am", "fri 16:30" as (weekday with Monday 0, minute of the day).
pub fn parse_slot(words: &str) -> Result<(u8, u16)> {
    let bad = || {
        Error::invalid(format!(
            "'{words}' is not a slot: write a day and a time, like \"tue 10:00\" or \"thursday 4pm\""
        ))
    };
    let mut parts = words.split_whitespace();
    let (day, time) = (parts.next().ok_or_else(bad)?, parts.collect::<String>());
    let day = day.to_ascii_lowercase();
    let weekday = DAYS
        .iter()
        .position(|d| day.len() >= 2 && d.to_ascii_lowercase().starts_with(&day))
        .ok_or_else(bad)? as u8;
    let time = time.to_ascii_lowercase();
    let (clock, pm) = match (time.strip_suffix("am"), time.strip_suffix("pm")) {
        (Some(t), _) => (t.to_string(), Some(false)),
        (_, Some(t)) => (t.to_string(), Some(true)),
        _ => (time.clone(), None),
    };
    let (h, m) = match clock.split_once(':') {
        Some((h, m)) => (h.parse::<u16>().ok(), m.parse::<u16>().ok()),
        None => (clock.parse::<u16>().ok(), Some(0)),
    };
    let (Some(mut h), Some(m)) = (h, m) else {
        return Err(bad());
    };
    match pm {
        Some(_) if !(1..=12).contains(&h) => return Err(bad()),
        Some(true) if h != 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok((weekday, h * 60 + m))
}

fn label(weekday: u8, minute: u16, zone: &str) -> String {
    format!(
        "{}s {:02}:{:02} ({zone})",
        DAYS[usize::from(weekday.min(6))],
        minute / 60,
        minute % 60
    )
}

/// The times a slot falls at from `after` for `WEEKS_AHEAD` weeks.
fn times_of(weekday: u8, minute: u16, zone: &str, after: Millis) -> Vec<Millis> {
    let Ok(tz) = zone.parse::<chrono_tz::Tz>() else {
        return Vec::new();
    };
    let Some(start) = tz.timestamp_millis_opt(after).single() else {
        return Vec::new();
    };
    let today = start.date_naive();
    let ahead =
        (i64::from(weekday) - i64::from(today.weekday().num_days_from_monday())).rem_euclid(7);
    let Some(at) = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
    else {
        return Vec::new();
    };
    (0..=WEEKS_AHEAD)
        .filter_map(|week| {
            let day = today + Duration::days(ahead + 7 * week);
            // a time skipped by the clocks going forward is taken an hour later
            tz.from_local_datetime(&day.and_time(at))
                .earliest()
                .or_else(|| {
                    tz.from_local_datetime(&(day.and_time(at) + Duration::hours(1)))
                        .earliest()
                })
                .map(|t| t.timestamp_millis())
        })
        .filter(|t| *t > after)
        .collect()
}

impl Store {
    /// Every account's posting slots, by account then time of the week.
    pub fn posting_slots(&self) -> Result<Vec<PostingSlot>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT s.id, s.account_id, a.name, a.platform, s.weekday, s.minute, s.time_zone
                 FROM posting_slots s JOIN accounts a ON a.id = s.account_id
                 ORDER BY a.name, s.weekday, s.minute",
            )?
            .query_map([], |r| {
                let (weekday, minute, zone): (u8, u16, String) = (r.get(4)?, r.get(5)?, r.get(6)?);
                Ok(PostingSlot {
                    id: r.get(0)?,
                    account_id: r.get(1)?,
                    account_name: r.get(2)?,
                    platform: platform_col(r, 3)?,
                    weekday,
                    minute,
                    label: label(weekday, minute, &zone),
                    time_zone: zone,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a slot to `account` (in `zone`, the user's own when `None`); adding one it has
    /// already changes nothing.
    pub fn add_posting_slot(
        &mut self,
        account: i64,
        weekday: u8,
        minute: u16,
        zone: Option<&str>,
    ) -> Result<PostingSlot> {
        let found = self.account(account)?;
        if weekday > 6 || minute >= 24 * 60 {
            return Err(Error::invalid(
                "a slot is a day of the week and a time of day",
            ));
        }
        let zone = zone.map_or_else(super::repeat::local_zone, str::to_string);
        if zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(Error::invalid(format!(
                "'{zone}' is not a time zone Hearth knows (write it as Europe/Berlin)"
            )));
        }
        self.conn().execute(
            "INSERT INTO posting_slots (account_id, weekday, minute, time_zone)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id, weekday, minute) DO UPDATE SET time_zone = excluded.time_zone",
            params![found.id, weekday, minute, zone],
        )?;
        self.posting_slots()?
            .into_iter()
            .find(|s| s.account_id == found.id && s.weekday == weekday && s.minute == minute)
            .ok_or_else(|| Error::not_found("posting slot", account))
    }

    pub fn remove_posting_slot(&mut self, id: i64) -> Result<()> {
        if self
            .conn()
            .execute("DELETE FROM posting_slots WHERE id = ?1", [id])?
            == 0
        {
            return Err(Error::not_found("posting slot", id));
        }
        Ok(())
    }

    /// The next time after `after` that is a slot of one of item `id`'s accounts and that no
    /// other dated post on those accounts holds.
    pub fn next_free_slot(&self, id: i64, after: Millis) -> Result<Millis> {
        self.free_slot_for(&self.calendar_item(id)?, after)
    }

    fn free_slot_for(&self, item: &CalendarItem, after: Millis) -> Result<Millis> {
        let id = item.id;
        let accounts: Vec<i64> = item.variants.iter().filter_map(|v| v.account_id).collect();
        if accounts.is_empty() {
            return Err(Error::invalid(
                "it has no target on an account yet, so it has no slots: add the accounts it goes out on",
            ));
        }
        let json = serde_json::to_string(&accounts).unwrap_or_default();
        let slots: Vec<(u8, u16, String)> = self
            .conn()
            .prepare_cached(
                "SELECT weekday, minute, time_zone FROM posting_slots
                 WHERE account_id IN (SELECT value FROM json_each(?1))",
            )?
            .query_map([&json], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if slots.is_empty() {
            return Err(Error::invalid(
                "none of its accounts has posting slots yet: add some (Settings → Calendar, or hearth calendar slots --add ACCOUNT \"tue 10:00\")",
            ));
        }
        let mut times: Vec<Millis> = slots
            .iter()
            .flat_map(|(d, m, z)| times_of(*d, *m, z, after))
            .collect();
        times.sort_unstable();
        times.dedup();
        let mut taken = self.conn().prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM calendar_items i JOIN calendar_targets t ON t.item_id = i.id
                 WHERE i.id <> ?1 AND i.scheduled_at = ?2 AND i.state NOT IN ('idea', 'missed')
                   AND t.account_id IN (SELECT value FROM json_each(?3)))",
        )?;
        for t in times {
            let held: bool = taken.query_row(params![id, t, &json], |r| r.get(0))?;
            if !held {
                return Ok(t);
            }
        }
        Err(Error::invalid(format!(
            "every slot of its accounts in the next {WEEKS_AHEAD} weeks is taken; add more slots or pick a time"
        )))
    }

    /// Dates item `id` at its next free slot (an idea becomes a draft); its state otherwise
    /// stays, so an approved item becomes scheduled and a draft still needs approving.
    pub fn schedule_in_next_slot(&mut self, id: i64, now: Millis) -> Result<CalendarItem> {
        let item = self.calendar_item(id)?;
        if item.state.is_out() {
            return Err(Error::invalid(format!(
                "it was {} already, so it keeps its time",
                item.state.label()
            )));
        }
        let at = self.free_slot_for(&item, now)?;
        let mut input = super::input_of(&item);
        input.scheduled_at = Some(at);
        input.state = match item.state {
            crate::model::ContentState::Idea => crate::model::ContentState::Draft,
            crate::model::ContentState::Approved | crate::model::ContentState::Missed
                if item.approved_at.is_some() =>
            {
                crate::model::ContentState::Scheduled
            }
            s => s,
        };
        self.update_calendar_item(id, &input, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_read_in_words() {
        assert_eq!(parse_slot("tue 10:00").unwrap(), (1, 600));
        assert_eq!(parse_slot("Thursday 4pm").unwrap(), (3, 960));
        assert_eq!(parse_slot("fri 12am").unwrap(), (4, 0));
        assert_eq!(parse_slot("su 9:30").unwrap(), (6, 570));
        for bad in ["t 10:00", "tue 25:00", "tue", "tue 13pm", "someday 10:00"] {
            assert!(parse_slot(bad).is_err(), "{bad}");
        }
        assert_eq!(
            label(1, 600, "Europe/Berlin"),
            "Tuesdays 10:00 (Europe/Berlin)"
        );
    }

    #[test]
    fn a_slot_falls_on_its_weekday_at_its_local_time_across_a_clock_change() {
        // Thursday 2026-10-22 10:00 UTC; slot Tuesdays 10:00 Berlin.
        let thu = 1_792_663_200_000;
        let times = times_of(1, 600, "Europe/Berlin", thu);
        // Tue 27 Oct 10:00 CET (after the change) = 09:00 UTC
        assert_eq!(times[0], thu + 5 * 86_400_000 - 3_600_000);
        // a week later, the same local time
        assert_eq!(times[1] - times[0], 7 * 86_400_000);
        assert_eq!(times.len() as i64, WEEKS_AHEAD + 1);
    }
}
