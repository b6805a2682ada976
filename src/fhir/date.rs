//! FHIR dates as they come: `2019`, `2019-05`, `2019-05-03`, or a date-time with an offset.
//! Shown at the precision they were recorded with, never padded into false precision.

use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FhirDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
    /// Hours and minutes as written in the source, with the source's own offset.
    pub time: Option<(u8, u8)>,
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
        let time = match time {
            Some(t) if day.is_some() => {
                let hh = t.get(0..2)?.parse::<u8>().ok().filter(|h| *h < 24)?;
                let mm = t.get(3..5)?.parse::<u8>().ok().filter(|m| *m < 60)?;
                Some((hh, mm))
            }
            Some(_) => return None,
            None => None,
        };
        Some(Self {
            year,
            month,
            day,
            time,
            raw: text.to_string(),
        })
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
}
