//! Date-times with offsets, as moments: to sort them across time zones and to tell the future
//! from the past. (Showing them in the patient's time zone is the browser's job, via Intl.)

/// Milliseconds since 1970 for `2027-01-02T09:30:00+01:00` (seconds, fractions and `Z` optional).
/// A bare date counts as its midnight UTC.
pub fn epoch_ms(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut d = date.split('-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: u32 = d.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u32 = d.next().map_or(Some(1), |m| m.parse().ok())?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if let Some(t) = time {
        let (clock, offset) = split_offset(t)?;
        let mut parts = clock.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let m: i64 = parts.next()?.parse().ok()?;
        let s: f64 = parts.next().map_or(Some(0.0), |s| s.parse().ok())?;
        if h > 23 || m > 59 || !(0.0..61.0).contains(&s) {
            return None;
        }
        seconds += h * 3600 + m * 60 - offset;
        return Some(seconds as f64 * 1000.0 + s * 1000.0);
    }
    Some(seconds as f64 * 1000.0)
}

/// A date-time field as written (for `<time datetime>`) and as a moment (to sort and compare).
pub fn moment(v: &serde_json::Value) -> Option<(String, f64)> {
    let s = v.as_str()?;
    Some((s.to_string(), epoch_ms(s)?))
}

/// `10:00:00+01:00` → (`10:00:00`, 3600).
fn split_offset(t: &str) -> Option<(&str, i64)> {
    if let Some(clock) = t.strip_suffix('Z') {
        return Some((clock, 0));
    }
    let at = t.rfind(['+', '-'])?;
    let (clock, offset) = t.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (h, m) = offset[1..].split_once(':')?;
    Some((
        clock,
        sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60),
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
    use super::epoch_ms;

    #[test]
    fn reads_offsets_as_the_same_moment() {
        assert_eq!(epoch_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            epoch_ms("2024-03-05T15:07:00+01:00"),
            epoch_ms("2024-03-05T14:07:00Z")
        );
        assert_eq!(
            epoch_ms("2024-03-05T09:07-05:00"),
            epoch_ms("2024-03-05T14:07:00Z")
        );
        assert_eq!(
            epoch_ms("2024-03-05T14:07:00.500Z"),
            Some(1_709_647_620_500.0)
        );
        assert_eq!(epoch_ms("2024"), epoch_ms("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01T10:00:00+0100",
        ] {
            assert_eq!(epoch_ms(bad), None, "{bad}");
        }
    }
}
