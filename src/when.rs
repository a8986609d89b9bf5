//! Reading the times people type ("2h", "tomorrow", "monday", "2026-12-01 09:00") and
//! writing times people read ("3 h ago"). Owns: that translation, in the local time zone
//! given by the caller. Must never: read the clock itself (callers pass `now`).

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday,
};

use crate::error::{Error, Result};
use crate::model::Millis;

/// Parses when a snooze ends or a post goes out. Accepts a duration (`30m`, `2h`, `3d`, `1w`),
/// `tomorrow` (09:00), a weekday (`monday`, next one, 09:00), a date (`2026-12-01`, 09:00) or a
/// date and time (`2026-12-01 14:30` or RFC 3339).
pub fn parse_when<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> Result<Millis> {
    let s = input.trim().to_ascii_lowercase();
    let bad = || {
        Error::invalid(format!(
            "cannot read the time '{input}': use a duration like 2h or 3d, 'tomorrow', a weekday, or a date like 2026-12-01 09:00"
        ))
    };
    if s.is_empty() {
        return Err(bad());
    }
    if let Some(unit) = s.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        if let Ok(n) = s[..s.len() - 1].trim().parse::<i64>() {
            let d = match unit {
                'm' => Duration::minutes(n),
                'h' => Duration::hours(n),
                'd' => Duration::days(n),
                'w' => Duration::weeks(n),
                _ => return Err(bad()),
            };
            if n <= 0 {
                return Err(Error::invalid("the duration must be more than zero"));
            }
            return Ok((now + d).timestamp_millis());
        }
    }
    let tz = now.timezone();
    let nine = NaiveTime::from_hms_opt(9, 0, 0).ok_or_else(bad)?;
    let at_nine = |date: NaiveDate| -> Result<Millis> {
        tz.from_local_datetime(&date.and_time(nine))
            .earliest()
            .map(|t| t.timestamp_millis())
            .ok_or_else(bad)
    };
    let today = now.date_naive();
    if s == "tomorrow" {
        return at_nine(today.succ_opt().ok_or_else(bad)?);
    }
    let weekdays = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    if let Some((_, wd)) = weekdays
        .iter()
        .find(|(name, _)| *name == s || name[..3] == s)
    {
        let mut d = today.succ_opt().ok_or_else(bad)?;
        while d.weekday() != *wd {
            d = d.succ_opt().ok_or_else(bad)?;
        }
        return at_nine(d);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(input.trim()) {
        return Ok(t.timestamp_millis());
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(input.trim(), fmt) {
            return tz
                .from_local_datetime(&dt)
                .earliest()
                .map(|t| t.timestamp_millis())
                .ok_or_else(bad);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d") {
        return at_nine(d);
    }
    Err(bad())
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

    #[test]
    fn nonsense_is_refused_with_a_hint() {
        let err = parse_when("someday", now()).unwrap_err().to_string();
        assert!(err.contains("someday") && err.contains("2h"), "{err}");
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
