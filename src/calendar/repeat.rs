//! Repeating posts (the weekly community call reminder). Owns: reading a repetition (a word or
//! an RRULE, RFC 5545) and saying it in words, the user's time zone, and the occurrences of a
//! repeating item — read in its own zone, so a post at 10:00 stays at 10:00 across daylight
//! saving. The expansion itself is the `rrule` crate's. Must never: repeat more often than
//! daily (a post every minute is a slip of the keyboard, not a plan).

use chrono::{DateTime, TimeZone};

use crate::error::{Error, Result};
use crate::model::Millis;

/// The user's time zone by its IANA name, or UTC when the system does not say.
pub fn local_zone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|z| z.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or_else(|| "UTC".into())
}

/// A repetition as Hearth keeps it (an RRULE without DTSTART), from a word (daily, weekly,
/// fortnightly, monthly, yearly) or an RRULE; `None` for none.
pub fn normalise(input: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = input.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let rule = match raw.to_ascii_lowercase().as_str() {
        "none" | "never" | "no" => return Ok(None),
        "daily" | "every day" => "FREQ=DAILY".to_string(),
        "weekly" | "every week" => "FREQ=WEEKLY".to_string(),
        "fortnightly" | "biweekly" | "every two weeks" | "every 2 weeks" => {
            "FREQ=WEEKLY;INTERVAL=2".to_string()
        }
        "monthly" | "every month" => "FREQ=MONTHLY".to_string(),
        "yearly" | "annually" | "every year" => "FREQ=YEARLY".to_string(),
        _ => raw
            .trim_start_matches("RRULE:")
            .trim_start_matches("rrule:")
            .to_ascii_uppercase(),
    };
    let freq = part(&rule, "FREQ").ok_or_else(|| {
        Error::invalid(format!(
            "'{raw}' is not a repetition: say daily, weekly, fortnightly, monthly, or an RRULE such as FREQ=WEEKLY;BYDAY=TU,TH"
        ))
    })?;
    if matches!(freq, "SECONDLY" | "MINUTELY" | "HOURLY") {
        return Err(Error::invalid(
            "a post can repeat at most daily; more often would flood the community",
        ));
    }
    if rule.contains("DTSTART") {
        return Err(Error::invalid(
            "the repetition starts at the post's own time; leave DTSTART out",
        ));
    }
    // read it once, so a rule the expansion cannot read is refused when it is saved
    set_of(0, &rule, "UTC")?;
    Ok(Some(rule))
}

fn part<'a>(rule: &'a str, name: &str) -> Option<&'a str> {
    rule.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim() == name).then_some(v.trim())
    })
}

/// A repetition in words: "every week on Tuesday and Thursday, 6 times".
pub fn in_words(rule: &str) -> String {
    let interval: u32 = part(rule, "INTERVAL")
        .and_then(|i| i.parse().ok())
        .unwrap_or(1);
    let unit = match part(rule, "FREQ") {
        Some("DAILY") => "day",
        Some("WEEKLY") => "week",
        Some("MONTHLY") => "month",
        Some("YEARLY") => "year",
        _ => return rule.to_string(),
    };
    let mut words = match interval {
        1 => format!("every {unit}"),
        2 if unit == "week" => "every two weeks".to_string(),
        n => format!("every {n} {unit}s"),
    };
    if let Some(days) = part(rule, "BYDAY") {
        let names: Vec<&str> = days
            .split(',')
            .map(
                |d| match d.trim_start_matches(|c: char| c == '-' || c.is_ascii_digit()) {
                    "MO" => "Monday",
                    "TU" => "Tuesday",
                    "WE" => "Wednesday",
                    "TH" => "Thursday",
                    "FR" => "Friday",
                    "SA" => "Saturday",
                    "SU" => "Sunday",
                    other => other,
                },
            )
            .collect();
        let list = match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        words.push_str(&format!(" on {list}"));
    }
    if let Some(n) = part(rule, "COUNT") {
        words.push_str(&format!(", {n} times"));
    }
    if let Some(until) = part(rule, "UNTIL") {
        let day = until.get(..8).unwrap_or(until);
        let shown = match (day.get(..4), day.get(4..6), day.get(6..8)) {
            (Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
            _ => until.to_string(),
        };
        words.push_str(&format!(", until {shown}"));
    }
    words
}

fn set_of(start: Millis, rule: &str, zone: &str) -> Result<rrule::RRuleSet> {
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| Error::invalid(format!("'{zone}' is not a time zone Hearth knows")))?;
    let local = tz
        .timestamp_millis_opt(start)
        .single()
        .ok_or_else(|| Error::invalid(format!("{start} is not a time a calendar can hold")))?;
    let dtstart = if zone == "UTC" {
        format!("DTSTART:{}Z", local.format("%Y%m%dT%H%M%S"))
    } else {
        format!("DTSTART;TZID={zone}:{}", local.format("%Y%m%dT%H%M%S"))
    };
    format!("{dtstart}\nRRULE:{rule}")
        .parse::<rrule::RRuleSet>()
        .map_err(|e| Error::invalid(format!("the repetition '{rule}' cannot be read ({e})")))
}

fn utc(at: Millis) -> Result<DateTime<rrule::Tz>> {
    DateTime::from_timestamp_millis(at)
        .map(|t| t.with_timezone(&rrule::Tz::UTC))
        .ok_or_else(|| Error::invalid(format!("{at} is not a time a calendar can hold")))
}

/// The occurrences of an item first at `start`, repeating by `rule` in `zone`, from `from`
/// (inclusive) to `to` (exclusive), at most `limit` of them.
pub fn occurrences(
    start: Millis,
    rule: &str,
    zone: &str,
    from: Millis,
    to: Millis,
    limit: u16,
) -> Result<Vec<Millis>> {
    let set = set_of(start, rule, zone)?;
    Ok(set
        .after(utc(from - 1)?)
        .before(utc(to)?)
        .all(limit)
        .dates
        .iter()
        .map(|t| t.timestamp_millis())
        .filter(|t| *t >= from && *t < to)
        .collect())
}

/// The first occurrence after `after` of an item first at `start`, if the repetition has one.
pub fn next_after(start: Millis, rule: &str, zone: &str, after: Millis) -> Result<Option<Millis>> {
    let set = set_of(start, rule, zone)?;
    Ok(set
        .after(utc(after)?)
        .all(2)
        .dates
        .iter()
        .map(|t| t.timestamp_millis())
        .find(|t| *t > after))
}

/// The rule for the next item of a series: a COUNT counts the one that went out.
pub fn rule_after_one(rule: &str) -> Option<String> {
    match part(rule, "COUNT").and_then(|c| c.parse::<u32>().ok()) {
        Some(n) if n <= 1 => None,
        Some(n) => Some(
            rule.split(';')
                .map(|p| {
                    if p.trim().starts_with("COUNT=") {
                        format!("COUNT={}", n - 1)
                    } else {
                        p.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(";"),
        ),
        None => Some(rule.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Thursday 2026-10-22 10:00 in Berlin (summer time, UTC+2) = 08:00 UTC.
    const THU_BERLIN_10: Millis = 1_792_656_000_000;

    #[test]
    fn words_become_rules_and_rules_read_as_words() {
        assert_eq!(
            normalise(Some("weekly")).unwrap().as_deref(),
            Some("FREQ=WEEKLY")
        );
        assert_eq!(
            normalise(Some("Fortnightly")).unwrap().as_deref(),
            Some("FREQ=WEEKLY;INTERVAL=2")
        );
        assert_eq!(normalise(Some("  ")).unwrap(), None);
        assert_eq!(
            in_words("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6"),
            "every week on Tuesday and Thursday, 6 times"
        );
        assert_eq!(
            in_words("FREQ=MONTHLY;UNTIL=20270301T000000Z"),
            "every month, until 2027-03-01"
        );
        assert_eq!(in_words("FREQ=WEEKLY;INTERVAL=2"), "every two weeks");
        let err = normalise(Some("FREQ=MINUTELY")).unwrap_err().to_string();
        assert!(err.contains("at most daily"), "{err}");
        let err = normalise(Some("sometimes")).unwrap_err().to_string();
        assert!(err.contains("not a repetition"), "{err}");
        let err = normalise(Some("FREQ=WEEKLY;BYDAY=XX"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be read"), "{err}");
    }

    #[test]
    fn a_weekly_post_at_10_in_berlin_stays_at_10_when_the_clocks_go_back() {
        // The clocks go back on Sunday 25 October: the next Thursday 10:00 is 09:00 UTC.
        let next = next_after(THU_BERLIN_10, "FREQ=WEEKLY", "Europe/Berlin", THU_BERLIN_10)
            .unwrap()
            .unwrap();
        assert_eq!(next, THU_BERLIN_10 + 7 * 24 * 3_600_000 + 3_600_000);
        let all = occurrences(
            THU_BERLIN_10,
            "FREQ=WEEKLY;COUNT=3",
            "Europe/Berlin",
            THU_BERLIN_10,
            THU_BERLIN_10 + 60 * 24 * 3_600_000,
            50,
        )
        .unwrap();
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(all[0], THU_BERLIN_10);
    }

    #[test]
    fn a_counted_series_counts_down_and_ends() {
        assert_eq!(
            rule_after_one("FREQ=WEEKLY;COUNT=3").as_deref(),
            Some("FREQ=WEEKLY;COUNT=2")
        );
        assert_eq!(rule_after_one("FREQ=WEEKLY;COUNT=1"), None);
        assert_eq!(
            rule_after_one("FREQ=WEEKLY").as_deref(),
            Some("FREQ=WEEKLY")
        );
    }
}
