//! The account screen's words: each signed-in browser as people know it ("Chrome on an Android
//! phone"), and what is wrong with a new password before the portal is asked.

/// A browser's user agent as a person would name their device; plain words for anything else.
pub fn device_name(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else {
        return "A web browser".into();
    };
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        "Firefox"
    } else if ua.contains("SamsungBrowser/") {
        "Samsung Internet"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "A web browser"
    };
    let device = if ua.contains("iPhone") {
        Some("an iPhone")
    } else if ua.contains("iPad") {
        Some("an iPad")
    } else if ua.contains("Android") {
        Some(if ua.contains("Mobile") {
            "an Android phone"
        } else {
            "an Android tablet"
        })
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("a Mac")
    } else if ua.contains("CrOS") {
        Some("a Chromebook")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match device {
        Some(d) => format!("{browser} on {d}"),
        None => browser.to_string(),
    }
}

/// The three boxes of a password form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field {
    Current,
    New,
    Again,
}

/// What is wrong with a new password before it is sent (the portal checks it properly).
pub fn password_problems(current: &str, new: &str, again: &str) -> Vec<(Field, String)> {
    let mut problems = Vec::new();
    if current.is_empty() {
        problems.push((Field::Current, "Enter your current password".to_string()));
    }
    if new.chars().count() < 10 {
        problems.push((
            Field::New,
            "Use at least 10 characters for your new password".to_string(),
        ));
    } else if new != again {
        problems.push((
            Field::Again,
            "The two new passwords are not the same".to_string(),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_browsers_as_people_know_their_devices() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
                "Chrome on an Android phone",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on an iPhone",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "Safari on a Mac",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            ("curl/8.0", "A web browser"),
        ];
        for (ua, name) in cases {
            assert_eq!(device_name(Some(ua)), name, "{ua}");
        }
        assert_eq!(device_name(None), "A web browser");
    }

    #[test]
    fn says_what_is_missing_before_asking_the_portal() {
        assert_eq!(password_problems("", "short", "").len(), 2);
        assert_eq!(
            password_problems("old", "kettle orbit velvet", "kettle orbit velvit")[0].0,
            Field::Again
        );
        assert!(password_problems("old", "kettle orbit velvet", "kettle orbit velvet").is_empty());
    }
}
