//! Calendar arithmetic on Unix seconds, and moments in words in the hospital's time zone.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The portal's idea of now for decisions that hang on a date (a birthday, an end date). It is
/// the system clock, moved by an offset only tests set, so they can live through a birthday.
#[derive(Clone, Debug, Default)]
pub struct Clock(Arc<AtomicI64>);

impl Clock {
    pub fn now(&self) -> i64 {
        now() + self.0.load(Ordering::Relaxed)
    }

    /// Days since 1970-01-01, in UTC.
    pub fn today(&self) -> i64 {
        self.now().div_euclid(86_400)
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::Relaxed);
    }
}

/// A FHIR date (`2012`, `2012-05` or `2012-05-17`) as days since 1970-01-01: a partial date is
/// taken as its first day.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let mut part = |max: u32| -> Option<u32> {
        match parts.next() {
            None => Some(1),
            Some(p) if p.len() == 2 => p.parse().ok().filter(|n| (1..=max).contains(n)),
            Some(_) => None,
        }
    };
    let month = part(12)?;
    let day = part(31)?;
    let days = days_from_civil(year, month, day);
    // 2023-02-30 is not a day.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// A FHIR instant (`2026-05-03T14:02:00Z`, `2026-05-03T15:02:00.123+01:00`) as Unix seconds.
pub fn parse_instant(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once('T')?;
    let days = parse_date(date).filter(|_| date.len() == 10)?;
    let (clock, offset) = match rest.strip_suffix('Z') {
        Some(clock) => (clock, 0),
        None => {
            let at = rest.rfind(['+', '-'])?;
            let (clock, zone) = rest.split_at(at);
            let (hours, minutes) = zone[1..].split_once(':')?;
            let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
            if zone.len() != 6 || hours > 14 || minutes > 59 {
                return None;
            }
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            (clock, sign * (hours * 3600 + minutes * 60))
        }
    };
    let whole = clock.split('.').next()?;
    let mut parts = whole.split(':');
    let mut part = |max: i64| -> Option<i64> {
        let p = parts.next()?;
        (p.len() == 2)
            .then(|| p.parse().ok())
            .flatten()
            .filter(|n| (0..=max).contains(n))
    };
    let (h, m, sec) = (part(23)?, part(59)?, part(60)?);
    if parts.next().is_some() {
        return None;
    }
    Some(days * 86_400 + h * 3600 + m * 60 + sec - offset)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2024-03-05T14:07:00Z`
pub fn rfc3339(unix: i64) -> String {
    let (y, mo, d) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `2024-03-05`
pub fn date(unix: i64) -> String {
    let (y, mo, d) = civil_from_days(unix.div_euclid(86_400));
    format!("{y:04}-{mo:02}-{d:02}")
}

/// The day (days since 1970-01-01) it is at `unix` in `zone` (UTC if the zone is unknown).
pub fn local_day(unix: i64, zone: &str) -> i64 {
    let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let date = jiff::Timestamp::from_second(unix)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(zone)
        .date();
    days_from_civil(date.year().into(), date.month() as u32, date.day() as u32)
}

/// A moment as a person says it, in the hospital's time zone: `12:31am today`, `9:05pm on
/// Monday 7 December`, with the year when it is not this year's. For emails and banners, which
/// a patient reads without the app to turn UTC into their own time. An unknown zone reads as UTC.
pub fn in_words(unix: i64, zone: &str, now: i64) -> String {
    let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let at = |t: i64| {
        jiff::Timestamp::from_second(t)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(zone.clone())
    };
    let (when, today) = (at(unix), at(now));
    let hour = match when.hour() % 12 {
        0 => 12,
        h => h,
    };
    let half = if when.hour() < 12 { "am" } else { "pm" };
    let time = format!("{hour}:{:02}{half}", when.minute());
    if when.date() == today.date() {
        return format!("{time} today");
    }
    let year = if when.year() == today.year() {
        String::new()
    } else {
        format!(" {}", when.year())
    };
    format!(
        "{time} on {} {} {}{year}",
        when.strftime("%A"),
        when.day(),
        when.strftime("%B"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_days_across_eras_and_leap_years() {
        for days in [-800_000, -1, 0, 1, 11_016, 19_782, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn reads_fhir_dates_at_any_precision() {
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_date("2012"), Some(days_from_civil(2012, 1, 1)));
        assert_eq!(parse_date("2012-05"), Some(days_from_civil(2012, 5, 1)));
        for bad in [
            "2023-02-29",
            "2012-13-01",
            "12-01-01",
            "2012-1-01",
            "",
            "2012-05-17T10:00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn says_a_moment_in_words_in_the_hospitals_zone() {
        let now = parse_instant("2026-12-07T00:10:00Z").unwrap();
        let at = |t: &str| parse_instant(t).unwrap();
        assert_eq!(
            in_words(at("2026-12-07T00:31:00Z"), "Europe/London", now),
            "12:31am today"
        );
        assert_eq!(
            in_words(at("2026-12-08T13:05:00Z"), "Europe/London", now),
            "1:05pm on Tuesday 8 December"
        );
        // British Summer Time: an hour ahead of UTC.
        assert_eq!(
            in_words(at("2027-07-01T23:30:00Z"), "Europe/London", now),
            "12:30am on Friday 2 July 2027"
        );
        // Past midnight in New York is still yesterday there.
        assert_eq!(
            in_words(at("2026-12-07T00:31:00Z"), "America/New_York", now),
            "7:31pm today"
        );
        assert_eq!(
            in_words(at("2026-12-07T12:00:00Z"), "Nowhere/Atlantis", now),
            "12:00pm today"
        );
    }

    #[test]
    fn formats_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_647_620), "2024-03-05T14:07:00Z");
        assert_eq!(date(1_709_647_620), "2024-03-05");
    }

    #[test]
    fn reads_instants_with_any_offset() {
        let utc = parse_instant("2026-05-03T14:02:00Z").unwrap();
        assert_eq!(rfc3339(utc), "2026-05-03T14:02:00Z");
        assert_eq!(parse_instant("2026-05-03T15:02:00.123+01:00"), Some(utc));
        assert_eq!(parse_instant("2026-05-03T09:32:00-04:30"), Some(utc));
        for bad in [
            "2026-05-03",
            "2026-05-03T25:00:00Z",
            "2026-05-03T14:02Z",
            "2026-5-3T14:02:00Z",
            "2026-05-03T14:02:00+1:00",
            "x",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }
}
