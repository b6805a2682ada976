//! Opening a shared record, in the viewer's words: what the form needs before it is sent, how
//! long is left, and why a view ended.

/// What the viewer typed, ready to send.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Opening {
    pub code: String,
    pub birth_date: String,
    pub name: String,
    pub organisation: String,
}

/// The form as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub code: String,
    pub day: String,
    pub month: String,
    pub year: String,
    pub name: String,
    pub organisation: String,
}

/// Crockford base32, as the portal reads it: any case, and I, L, O for 1, 1, 0.
fn is_code_character(c: char) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c.to_ascii_uppercase(), 'U')
}

/// The opening a draft asks for, or each field's problem (the field's id, and what to do).
pub fn check(draft: &Draft) -> Result<Opening, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let code: String = draft
        .code
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2015}'))
        .collect();
    if code.is_empty() {
        problems.push((
            "shared-code",
            "Enter the code the patient gave you".to_string(),
        ));
    } else if code.chars().count() != 12 || !code.chars().all(is_code_character) {
        problems.push((
            "shared-code",
            "The code is 12 letters and numbers, like K7Q2-9XMD-4TPA".into(),
        ));
    }
    let birth_date = match birth_date(&draft.day, &draft.month, &draft.year) {
        Ok(date) => date,
        Err(message) => {
            problems.push(("shared-day", message));
            String::new()
        }
    };
    let name = draft.name.trim();
    if name.is_empty() {
        problems.push(("shared-name", "Enter your full name".into()));
    } else if name.chars().count() > 100 {
        problems.push((
            "shared-name",
            "Your name must be 100 characters or fewer".into(),
        ));
    }
    let organisation = draft.organisation.trim();
    if organisation.is_empty() {
        problems.push((
            "shared-organisation",
            "Enter the organisation you work for".into(),
        ));
    } else if organisation.chars().count() > 100 {
        problems.push((
            "shared-organisation",
            "The organisation must be 100 characters or fewer".into(),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Opening {
        code,
        birth_date,
        name: name.to_string(),
        organisation: organisation.to_string(),
    })
}

/// A date of birth from its three boxes, as `YYYY-MM-DD`, or what is wrong with it.
pub fn birth_date(day: &str, month: &str, year: &str) -> Result<String, String> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err("Enter the patient\u{2019}s date of birth".into());
    }
    let missing: Vec<&str> = [("a day", day), ("a month", month), ("a year", year)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(w, _)| *w)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "The date of birth must include {}",
            missing.join(" and ")
        ));
    }
    let number = |s: &str| s.parse::<u32>().ok();
    let (Some(d), Some(m), Some(y)) = (number(day), number(month), number(year)) else {
        return Err("The date of birth must be a real date, in numbers".into());
    };
    if year.len() != 4 {
        return Err("The year must have 4 numbers, like 1954".into());
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if !(1..=days).contains(&d) || !(1850..=2200).contains(&y) {
        return Err("The date of birth must be a real date".into());
    }
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

/// How long a share has left, in words a person reads at a glance: whole minutes rounded up,
/// so "1 hour" is said until the last minute of it has begun.
pub fn time_left(seconds: u64) -> String {
    let plural = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    if seconds < 120 {
        return plural(seconds, "second");
    }
    let minutes = seconds.div_ceil(60);
    let (hours, rest) = (minutes / 60, minutes % 60);
    let (days, rest_hours) = (hours / 24, hours % 24);
    match (days, hours) {
        (0, 0) => plural(minutes, "minute"),
        (0, 1) if rest == 0 => "1 hour".into(),
        (0, 1) => format!("1 hour and {}", plural(rest, "minute")),
        (0, _) => plural(hours, "hour"),
        (1, _) if rest_hours == 0 => "1 day".into(),
        (1, _) => format!("1 day and {}", plural(rest_hours, "hour")),
        _ => plural(days, "day"),
    }
}

/// When a share ends, said so that a time after midnight cannot be read as today's: "14:30 today",
/// "02:30 tomorrow", or the whole day and time when further off. Each day is as the hospital's
/// calendar names it, so the words match the clock on its wall.
pub struct EndsAt<'a> {
    pub day: &'a str,
    pub today: &'a str,
    pub tomorrow: &'a str,
    pub time: &'a str,
    pub in_full: &'a str,
}

pub fn ends_at_in_words(at: EndsAt) -> String {
    if at.day == at.today {
        format!("{} today", at.time)
    } else if at.day == at.tomorrow {
        format!("{} tomorrow", at.time)
    } else {
        at.in_full.to_string()
    }
}

/// Why a view ended, as `/shared?ended=…` says it: a heading and what to do.
pub fn ended_words(why: &str) -> Option<(&'static str, &'static str)> {
    Some(match why {
        "stopped" => (
            "The patient has stopped sharing",
            "The patient stopped sharing their record, so it is no longer shown. Ask them to share it again if you still need it.",
        ),
        "expired" => (
            "The share has ended",
            "The time the patient chose has passed, so the record is no longer shown. Ask them to share it again if you still need it.",
        ),
        "access-ended" => (
            "The share has ended",
            "The person who shared this record no longer has the access that let them share it, so it is no longer shown. Ask the patient, or whoever now looks after their record, if you still need it.",
        ),
        "locked" => (
            "The share is locked",
            "The code or date of birth was entered wrongly too many times. Ask the patient to share their record again.",
        ),
        "left" => (
            "You have left the shared record",
            "Nothing of it is kept on this device. To see it again, enter the code and date of birth again.",
        ),
        "idle" => (
            "We closed the shared record",
            "It had not been used for a while, so we closed it to keep it private. Enter the code and date of birth again to see it.",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> Draft {
        Draft {
            code: "k7q2 9xmd-4tpa".into(),
            day: "12".into(),
            month: "3".into(),
            year: "1954".into(),
            name: " Dr Ada Jones ".into(),
            organisation: "Leeds Clinic".into(),
        }
    }

    #[test]
    fn a_filled_in_form_sends_the_code_as_typed_and_the_date_as_iso() {
        let asked = check(&filled()).unwrap();
        assert_eq!(asked.code, "k7q29xmd4tpa", "the portal reads any case");
        assert_eq!(asked.birth_date, "1954-03-12");
        assert_eq!(asked.name, "Dr Ada Jones");
    }

    #[test]
    fn a_share_ending_after_midnight_is_said_to_end_tomorrow() {
        let at = |day| EndsAt {
            day,
            today: "Monday 7 December 2026",
            tomorrow: "Tuesday 8 December 2026",
            time: "02:30",
            in_full: "Wednesday 9 December 2026 at 02:30",
        };
        assert_eq!(
            ends_at_in_words(at("Monday 7 December 2026")),
            "02:30 today"
        );
        assert_eq!(
            ends_at_in_words(at("Tuesday 8 December 2026")),
            "02:30 tomorrow"
        );
        assert_eq!(
            ends_at_in_words(at("Wednesday 9 December 2026")),
            "Wednesday 9 December 2026 at 02:30"
        );
    }

    #[test]
    fn each_problem_is_named_on_its_field_in_plain_words() {
        let fields: Vec<&str> = check(&Draft::default())
            .unwrap_err()
            .iter()
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(
            fields,
            [
                "shared-code",
                "shared-day",
                "shared-name",
                "shared-organisation"
            ]
        );
        let short = Draft {
            code: "K7Q2-9XMD".into(),
            ..filled()
        };
        assert_eq!(
            check(&short).unwrap_err()[0].1,
            "The code is 12 letters and numbers, like K7Q2-9XMD-4TPA"
        );
        assert_eq!(
            birth_date("31", "2", "1954").unwrap_err(),
            "The date of birth must be a real date"
        );
        assert_eq!(birth_date("29", "2", "2000").unwrap(), "2000-02-29");
        assert_eq!(
            birth_date("", "2", "").unwrap_err(),
            "The date of birth must include a day and a year"
        );
        assert_eq!(
            birth_date("1", "2", "54").unwrap_err(),
            "The year must have 4 numbers, like 1954"
        );
        assert!(birth_date("a", "2", "1954").is_err());
    }

    #[test]
    fn time_left_reads_at_a_glance() {
        assert_eq!(time_left(3 * 86_400), "3 days");
        assert_eq!(time_left(86_400 + 5 * 3600 + 7), "1 day and 5 hours");
        assert_eq!(time_left(86_400), "1 day");
        assert_eq!(time_left(5 * 3600), "5 hours");
        assert_eq!(time_left(3600 + 47 * 60 + 30), "1 hour and 48 minutes");
        assert_eq!(
            time_left(3599),
            "1 hour",
            "a share of an hour, a moment after it began"
        );
        assert_eq!(time_left(47 * 60 + 1), "48 minutes");
        assert_eq!(time_left(61), "61 seconds");
        assert_eq!(time_left(1), "1 second");
        assert!(ended_words("stopped").unwrap().0.contains("stopped"));
        assert!(
            ended_words("access-ended")
                .unwrap()
                .1
                .contains("no longer has the access")
        );
        assert_eq!(ended_words("nonsense"), None);
    }
}
