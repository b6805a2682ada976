//! FHIR dates and moments as they come: `2019`, `2019-05`, `2019-05-03`, or a date-time with
//! seconds, fractions and an offset. The one reader of dates in the app: shown at the precision
//! they were recorded with (never padded into false precision), and as a moment (milliseconds
//! since 1970) to sort across time zones and to tell the future from the past. Showing a moment
//! in the patient's time zone is the browser's job, through Intl (`components::clock`).

use serde_json::Value;
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq)]
pub struct FhirDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
    /// Hours and minutes as written in the source, with the source's own offset.
    pub time: Option<(u8, u8)>,
    /// Seconds and their fraction, in milliseconds, of a date-time.
    millis: u32,
    /// The offset of a date-time from UTC, in seconds; `None` for a date, or a time without one.
    offset: Option<i32>,
    /// The text as written, which also sorts correctly for dates of the same offset.
    raw: String,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl FhirDate {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (date, time) = match text.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (text, None),
        };
        let mut parts = date.split('-');
        let year: i32 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
        let month = match parts.next() {
            Some(m) => Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => Some(d.parse::<u8>().ok().filter(|d| (1..=31).contains(d))?),
            None => None,
        };
        if parts.next().is_some() || (day.is_some() && month.is_none()) {
            return None;
        }
        let (time, millis, offset) = match time {
            Some(t) if day.is_some() => {
                let (clock, offset) = split_offset(t)?;
                let mut parts = clock.split(':');
                let hh = two_digits(parts.next()?).filter(|h| *h < 24)?;
                let mm = two_digits(parts.next()?).filter(|m| *m < 60)?;
                let millis = match parts.next() {
                    Some(s) => seconds_as_millis(s)?,
                    None => 0,
                };
                if parts.next().is_some() {
                    return None;
                }
                (Some((hh, mm)), millis, offset)
            }
            Some(_) => return None,
            None => (None, 0, None),
        };
        Some(Self {
            year,
            month,
            day,
            time,
            millis,
            offset,
            raw: text.to_string(),
        })
    }

    /// A date or date-time field of a resource, if it holds one.
    pub fn of(v: &Value) -> Option<Self> {
        v.as_str().and_then(Self::parse)
    }

    /// A date-time field as written (for `<time datetime>`) and as a moment (to sort and compare).
    pub fn moment(v: &Value) -> Option<(String, f64)> {
        let date = Self::of(v)?;
        Some((date.raw.clone(), date.epoch_ms()?))
    }

    /// The moment this stands for, in milliseconds since 1970: a partial date counts as its
    /// first midnight UTC; a date-time without an offset is no moment at all.
    pub fn epoch_ms(&self) -> Option<f64> {
        let days = days_from_civil(
            i64::from(self.year),
            u32::from(self.month.unwrap_or(1)),
            u32::from(self.day.unwrap_or(1)),
        );
        let mut ms = days * 86_400_000;
        if let Some((h, m)) = self.time {
            let clock = i64::from(h) * 3600 + i64::from(m) * 60 - i64::from(self.offset?);
            ms += clock * 1000 + i64::from(self.millis);
        }
        Some(ms as f64)
    }

    /// `3 March 2019` (en-GB and most locales) or `March 3, 2019` (en-US); `March 2019`; `2019`.
    pub fn display(&self, locale: &str) -> String {
        let month = self.month.map(|m| MONTHS[usize::from(m) - 1]);
        match (month, self.day) {
            (Some(m), Some(d)) if locale == "en-US" => format!("{m} {d}, {}", self.year),
            (Some(m), Some(d)) => format!("{d} {m} {}", self.year),
            (Some(m), None) => format!("{m} {}", self.year),
            _ => self.year.to_string(),
        }
    }

    /// Machine-readable form for `<time datetime=…>`.
    pub fn iso(&self) -> &str {
        &self.raw
    }
}

impl Eq for FhirDate {}

impl PartialOrd for FhirDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FhirDate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month, self.day, self.time, &self.raw).cmp(&(
            other.year,
            other.month,
            other.day,
            other.time,
            &other.raw,
        ))
    }
}

/// `07` or `07.5` (seconds, leap second allowed) → 7000 or 7500. Read by hand: the float parser
/// would add kilobytes to the first download, which reads dates on the terms screen.
fn seconds_as_millis(s: &str) -> Option<u32> {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    let whole = u32::from(two_digits(whole).filter(|s| *s <= 60)?);
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && fraction.is_empty()) {
        return None;
    }
    let millis = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |n, b| n * 10 + u32::from(b - b'0'));
    Some(whole * 1000 + millis)
}

fn two_digits(s: &str) -> Option<u8> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `10:00:00+01:00` → (`10:00:00`, Some(3600)); `10:00` → (`10:00`, None).
fn split_offset(t: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = t.strip_suffix('Z') {
        return Some((clock, Some(0)));
    }
    let Some(at) = t.rfind(['+', '-']) else {
        return Some((t, None));
    };
    let (clock, offset) = t.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (h, m) = offset[1..].split_once(':')?;
    let (h, m) = (
        two_digits(h).filter(|h| *h <= 14)?,
        two_digits(m).filter(|m| *m < 60)?,
    );
    Some((
        clock,
        Some(sign * (i32::from(h) * 3600 + i32::from(m) * 60)),
    ))
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_precision_it_was_given() {
        assert_eq!(FhirDate::parse("2019").unwrap().display("en-GB"), "2019");
        assert_eq!(
            FhirDate::parse("2019-05").unwrap().display("en-GB"),
            "May 2019"
        );
        assert_eq!(
            FhirDate::parse("2019-05-03").unwrap().display("en-GB"),
            "3 May 2019"
        );
        assert_eq!(
            FhirDate::parse("2019-05-03").unwrap().display("en-US"),
            "May 3, 2019"
        );
        let dt = FhirDate::parse("2015-02-07T13:28:17-05:00").unwrap();
        assert_eq!(dt.display("en-GB"), "7 February 2015");
        assert_eq!(dt.time, Some((13, 28)));
        assert_eq!(dt.iso(), "2015-02-07T13:28:17-05:00");
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "19",
            "2019-13",
            "2019-02-32",
            "May 2019",
            "2019-05-03T",
            "2019T10:00",
        ] {
            assert!(FhirDate::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn orders_partial_dates_before_fuller_ones_in_the_same_period() {
        let mut dates: Vec<FhirDate> = ["2020-01-05", "2019", "2020", "2019-12-31T23:00:00Z"]
            .iter()
            .map(|d| FhirDate::parse(d).unwrap())
            .collect();
        dates.sort();
        let order: Vec<&str> = dates.iter().map(FhirDate::iso).collect();
        assert_eq!(
            order,
            ["2019", "2019-12-31T23:00:00Z", "2020", "2020-01-05"]
        );
    }

    fn ms(text: &str) -> Option<f64> {
        FhirDate::parse(text)?.epoch_ms()
    }

    #[test]
    fn reads_offsets_as_the_same_moment() {
        assert_eq!(ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(ms("2024-03-05T15:07:00+01:00"), ms("2024-03-05T14:07:00Z"));
        assert_eq!(ms("2024-03-05T09:07-05:00"), ms("2024-03-05T14:07:00Z"));
        assert_eq!(ms("2024-03-05T14:07:00.500Z"), Some(1_709_647_620_500.0));
        assert_eq!(ms("2024-03-05T14:07:00.5Z"), Some(1_709_647_620_500.0));
        assert_eq!(ms("2024-03-05T14:07:00.123456Z"), Some(1_709_647_620_123.0));
        assert_eq!(ms("2024"), ms("2024-01-01T00:00:00Z"));
        assert_eq!(ms("2024-03-05T14:07:00"), None, "a time without an offset");
    }

    #[test]
    fn refuses_malformed_times_and_offsets() {
        for bad in [
            "2024-01-01T25:00:00Z",
            "2024-01-01T10:00:00+0100",
            "2024-01-01T10:00:00+01",
            "2024-01-01T1:00:00Z",
            "2024-01-01T10:00:00:00Z",
            "2024-01-01T10:00:xxZ",
            "2024-01-01T10:00:00.Z",
            "2024-01-01T10:00:61Z",
        ] {
            assert!(FhirDate::parse(bad).is_none(), "{bad}");
        }
    }
}
