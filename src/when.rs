//! Reading the times people type ("in 2h", "tomorrow 9am", "next friday 8pm", "dec 24") and
//! writing times people read ("3 h ago"). Owns: that translation, in the local time zone
//! given by the caller. Must never: read the clock itself (callers pass `now`).

use chrono::{DateTime, Duration, TimeZone};

use crate::error::{Error, Result};
use crate::model::Millis;

/// Parses when a snooze ends, a reminder falls due or a post goes out, as people write it:
/// "tomorrow 9am", "mon", "in 2h", "next friday 8pm", "+7 days", "dec 24", "2026-12-01 14:30",
/// RFC 3339. Read by the `interim` crate (English dates, UK dialect: "next friday" is the
/// Friday of next week), with what a scheduler expects on top:
/// - a day without a time means 09:00 that day ("tomorrow", "mon", "dec 24", "2026-12-01");
/// - an amount of time is counted from now ("2h", "30m", "in 3 days", "+7 days", "1w");
/// - a day or time already past this week or year means the next one ("9am" at noon is
///   tomorrow's, "mon 9am" on a Monday afternoon is next Monday's, "jan 3" in December is
///   next year's); a date with its year stays as written, past or not;
/// - "noon", "tonight" (20:00), "eod" or "end of day" (17:00) are understood.
pub fn parse_when<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> Result<Millis> {
    let bad = || {
        Error::invalid(format!(
            "cannot read the time '{}': try 'tomorrow 9am', 'mon', 'in 2h', 'next friday 8pm', '+7 days', 'dec 24' or 2026-12-01 09:00",
            input.trim()
        ))
    };
    let mut s = input.trim().to_lowercase();
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(input.trim()) {
        return Ok(t.timestamp_millis());
    }
    for (word, means) in [
        ("end of day", "5pm"),
        ("eod", "5pm"),
        ("tonight", "8pm"),
        ("noon", "12:00"),
        ("midday", "12:00"),
    ] {
        s = replace_word(&s, word, means);
    }
    // twelve o'clock as a 24-hour time ("tomorrow 12pm" would be read as the day after's
    // midnight)
    s = s
        .split(' ')
        .map(|w| match (w.strip_suffix("pm"), w.strip_suffix("am")) {
            (Some(t), _) if t == "12" || t.starts_with("12:") || t.starts_with("12.") => {
                if t == "12" {
                    "12:00".to_string()
                } else {
                    t.replace('.', ":")
                }
            }
            (_, Some(t)) if t == "12" || t.starts_with("12:") || t.starts_with("12.") => {
                format!("00{}", if t == "12" { ":00" } else { &t[2..] }).replace('.', ":")
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    // an amount of time from now: "in 2h", "+7 days", "30m", "1w"
    let amount = s
        .strip_prefix("in ")
        .or_else(|| s.strip_prefix('+'))
        .unwrap_or(&s)
        .trim()
        .to_string();
    if let Some(interval) = duration(&amount) {
        if interval <= Duration::zero() {
            return Err(Error::invalid("the amount of time must be more than zero"));
        }
        return Ok((now + interval).timestamp_millis());
    }
    // ISO dates with a space or a T before the time
    let s = s.replacen('t', " ", usize::from(looks_iso(&s)));
    let has_time = names_a_time(&s);
    let named = if has_time {
        s.clone()
    } else {
        format!("{s} 9am")
    };
    let parsed = interim::parse_date_string(&named, now.clone(), interim::Dialect::Uk)
        .or_else(|_| interim::parse_date_string(&s, now.clone(), interim::Dialect::Uk))
        .map_err(|_| bad())?;
    if parsed > now {
        return Ok(parsed.timestamp_millis());
    }
    // already past: the next such day or time, unless a year was written (a date in the past
    // is the caller's to refuse or to use, as a calendar's range does)
    if s.split(|c: char| !c.is_ascii_digit()).any(|n| n.len() == 4) {
        return Ok(parsed.timestamp_millis());
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    let names = |list: &[&str]| words.iter().any(|w| list.iter().any(|n| w.starts_with(n)));
    let later = if names(&MONTHS) {
        parsed.clone().checked_add_months(chrono::Months::new(12))
    } else if names(&WEEKDAYS) {
        Some(parsed.clone() + Duration::days(7))
    } else if words
        .iter()
        .all(|w| names_a_time(w) || *w == "today" || *w == "at")
    {
        Some(parsed.clone() + Duration::days(1))
    } else {
        None
    };
    Ok(later.unwrap_or(parsed).timestamp_millis())
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `word` replaced by `means` where it stands as a whole word (or words).
fn replace_word(s: &str, word: &str, means: &str) -> String {
    let padded = format!(" {s} ");
    padded
        .replace(&format!(" {word} "), &format!(" {means} "))
        .trim()
        .to_string()
}

/// Whether `s` is an ISO date with a `T` before its time ("2026-12-01t14:30").
fn looks_iso(s: &str) -> bool {
    s.len() >= 11 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b't'
}

/// Whether `s` says a time of day: "9am", "8.30pm", "14:30".
fn names_a_time(s: &str) -> bool {
    s.split_whitespace().any(|w| {
        let digits = w.trim_end_matches("am").trim_end_matches("pm");
        let is_clock = |x: &str| {
            !x.is_empty()
                && x.split([':', '.'])
                    .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
        };
        (digits.len() < w.len() && is_clock(digits)) || (w.contains(':') && is_clock(w))
    })
}

/// An amount of time alone ("2h", "30 min", "3 days", "1w"), counted from now. A month or a
/// year is not an amount here: "next month" is a date.
fn duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '-')?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.trim().parse().ok()?;
    let unit = unit.trim();
    let per = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => Duration::minutes(1),
        "h" | "hr" | "hrs" | "hour" | "hours" => Duration::hours(1),
        "d" | "day" | "days" => Duration::days(1),
        "w" | "wk" | "wks" | "week" | "weeks" => Duration::weeks(1),
        _ => return None,
    };
    Some(per * i32::try_from(n).ok()?)
}

/// [`parse_when`] in this computer's time zone, `now` being the caller's clock (the desktop
/// app's commands, which have no time zone of their own).
pub fn parse_when_local(input: &str, now: Millis) -> Result<Millis> {
    use chrono::Local;
    let now = Local
        .timestamp_millis_opt(now)
        .single()
        .ok_or_else(|| Error::invalid("the computer's clock gives an impossible time"))?;
    parse_when(input, now)
}

/// The UTC date of `t` as yyyy-mm-dd, as exports write days; empty for an impossible time.
pub fn utc_date(t: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A length of time in minutes, in words: "45 minutes", "6 hours", "1 day", "2 days 12 hours".
pub fn human_minutes(minutes: i64) -> String {
    let plural = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours, mins) {
        (0, 0, m) => plural(m, "minute"),
        (0, h, 0) => plural(h, "hour"),
        (0, h, m) => format!("{} {}", plural(h, "hour"), plural(m, "minute")),
        (d, 0, _) => plural(d, "day"),
        (d, h, _) => format!("{} {}", plural(d, "day"), plural(h, "hour")),
    }
}

/// "just now", "5 min ago", "3 h ago", "2 d ago", or "in 4 h" for future times.
pub fn relative(t: Millis, now: Millis) -> String {
    let diff = now - t;
    let (future, secs) = (diff < 0, diff.abs() / 1000);
    let amount = match secs {
        0..=59 => return "just now".into(),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        86_400..=2_591_999 => format!("{} d", secs / 86_400),
        _ => format!("{} mo", secs / 2_592_000),
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn now() -> DateTime<Utc> {
        // Monday 2026-11-23 21:00 UTC
        Utc.with_ymd_and_hms(2026, 11, 23, 21, 0, 0).unwrap()
    }

    #[test]
    fn durations_are_added_to_now() {
        let base = now().timestamp_millis();
        assert_eq!(parse_when("2h", now()).unwrap(), base + 2 * 3_600_000);
        assert_eq!(parse_when("3d", now()).unwrap(), base + 3 * 86_400_000);
        assert_eq!(parse_when("30m", now()).unwrap(), base + 30 * 60_000);
    }

    #[test]
    fn named_days_mean_nine_in_the_morning() {
        let tomorrow = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        assert_eq!(
            parse_when("tomorrow", now()).unwrap(),
            tomorrow.timestamp_millis()
        );
        let next_monday = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        assert_eq!(
            parse_when("monday", now()).unwrap(),
            next_monday.timestamp_millis()
        );
        assert_eq!(
            parse_when("Mon", now()).unwrap(),
            next_monday.timestamp_millis()
        );
    }

    #[test]
    fn dates_and_times_are_read_in_the_given_zone() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 14, 30, 0).unwrap();
        assert_eq!(
            parse_when("2026-12-01 14:30", now()).unwrap(),
            t.timestamp_millis()
        );
    }

    /// What a community manager types in the snooze box, on Monday 2026-11-23 at 21:00 UTC.
    #[test]
    fn times_in_words_read_as_a_person_means_them() {
        let at = |y, mo, d, h, mi| {
            Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
                .unwrap()
                .timestamp_millis()
        };
        let base = now().timestamp_millis();
        for (typed, expected) in [
            ("tomorrow 9am", at(2026, 11, 24, 9, 0)),
            ("Tomorrow", at(2026, 11, 24, 9, 0)),
            ("mon", at(2026, 11, 30, 9, 0)),
            ("in 2h", base + 2 * 3_600_000),
            ("in 3 days", base + 3 * 86_400_000),
            ("+7 days", base + 7 * 86_400_000),
            ("1w", base + 7 * 86_400_000),
            ("next friday 8pm", at(2026, 12, 4, 20, 0)),
            ("friday 8pm", at(2026, 11, 27, 20, 0)),
            ("dec 24", at(2026, 12, 24, 9, 0)),
            ("dec 24 5pm", at(2026, 12, 24, 17, 0)),
            ("2026-12-01", at(2026, 12, 1, 9, 0)),
            ("2026-12-01T14:30", at(2026, 12, 1, 14, 30)),
            ("2026-12-01T14:30:00+01:00", at(2026, 12, 1, 13, 30)),
            // already past today, this week or this year: the next one
            ("9am", at(2026, 11, 24, 9, 0)),
            ("mon 9am", at(2026, 11, 30, 9, 0)),
            ("nov 1", at(2027, 11, 1, 9, 0)),
            ("jan 3 17:00", at(2027, 1, 3, 17, 0)),
            ("tomorrow noon", at(2026, 11, 24, 12, 0)),
            ("tomorrow 12pm", at(2026, 11, 24, 12, 0)),
            ("tomorrow 12:30pm", at(2026, 11, 24, 12, 30)),
            ("tomorrow 12am", at(2026, 11, 24, 0, 0)),
            ("tomorrow eod", at(2026, 11, 24, 17, 0)),
        ] {
            assert_eq!(
                parse_when(typed, now()).map_err(|e| e.to_string()),
                Ok(expected),
                "{typed}"
            );
        }
        // a date with its year stays as written, for a calendar's range
        assert_eq!(
            parse_when("2026-11-01", now()).unwrap(),
            at(2026, 11, 1, 9, 0)
        );
    }

    #[test]
    fn times_are_read_in_the_callers_zone() {
        let tz = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
        // Tuesday 06:00 in Osaka is Monday 21:00 UTC
        let osaka = now().with_timezone(&tz);
        let expected = tz
            .with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(parse_when("tomorrow", osaka).unwrap(), expected);
    }

    #[test]
    fn nonsense_is_refused_with_a_hint() {
        let err = parse_when("someday", now()).unwrap_err().to_string();
        assert!(err.contains("someday") && err.contains("in 2h"), "{err}");
        assert!(parse_when("0h", now()).is_err());
    }

    #[test]
    fn relative_times_read_naturally() {
        let n = now().timestamp_millis();
        assert_eq!(relative(n - 5_000, n), "just now");
        assert_eq!(relative(n - 3 * 3_600_000, n), "3 h ago");
        assert_eq!(relative(n + 2 * 86_400_000, n), "in 2 d");
    }
}
