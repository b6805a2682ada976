//! The account screens' words: each signed-in browser as people know it ("Chrome on an Android
//! phone"), what is wrong with a new password before the portal is asked, and two-step sign-in
//! (where it stands, the secret grouped for typing, the recovery codes as a file to keep).

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

/// Where two-step sign-in stands, in a sentence or two; `since` already in words.
pub fn two_step_status(on: bool, since: Option<&str>, codes_left: u32) -> String {
    if !on {
        return "Two-step sign-in is off. Anyone who knows your password can sign in as you."
            .into();
    }
    let on = since.map_or("is on".to_string(), |s| format!("has been on since {s}"));
    let codes = match codes_left {
        0 => "You have no recovery codes left: make new ones now, in case you lose your phone."
            .to_string(),
        1 => "You have 1 recovery code left. Make new ones soon.".to_string(),
        n => format!("You have {n} recovery codes left."),
    };
    format!("Two-step sign-in {on}. {codes}")
}

/// An authenticator secret in groups of four, as people type it from the screen.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The recovery codes as a text file to keep: whose they are, for which portal, and how to use
/// them, so a file found months later still makes sense.
pub fn recovery_codes_file(
    hospital: &str,
    username: &str,
    made_on: &str,
    codes: &[String],
) -> String {
    let mut text = format!(
        "Recovery codes for the {hospital} patient portal\r\nUsername: {username}\r\nMade on {made_on}\r\n\r\n\
         If you cannot use your phone to sign in, enter one of these codes instead of the security code.\r\n\
         Each code works once. Keep them somewhere safe, away from your phone.\r\n\r\n"
    );
    for (n, code) in codes.iter().enumerate() {
        text.push_str(&format!("{:>2}. {code}\r\n", n + 1));
    }
    text
}

/// A first name for a passkey made on this device, which the patient may change.
pub fn suggested_passkey_name(user_agent: &str) -> String {
    let device = device_name(Some(user_agent));
    match device.split_once(" on ") {
        Some((_, on)) => format!("Passkey on {on}"),
        None => "My passkey".into(),
    }
}

/// When a passkey was added and last used, in a sentence.
pub fn passkey_dates(added: &str, used: Option<&str>) -> String {
    match used {
        Some(used) => format!("Added {added}. Last used {used}."),
        None => format!("Added {added}. Not used yet."),
    }
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

    #[test]
    fn two_step_status_says_where_it_stands_and_what_to_do() {
        assert!(two_step_status(false, None, 0).starts_with("Two-step sign-in is off."));
        assert_eq!(
            two_step_status(true, Some("3 December 2026"), 10),
            "Two-step sign-in has been on since 3 December 2026. You have 10 recovery codes left."
        );
        assert!(two_step_status(true, None, 1).contains("1 recovery code left"));
        assert!(two_step_status(true, None, 0).contains("make new ones now"));
    }

    #[test]
    fn the_secret_is_grouped_for_typing() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXPJBSW"), "JBSW Y3DP EHPK 3PXP JBSW");
        assert_eq!(grouped("ABCDEF"), "ABCD EF");
    }

    #[test]
    fn the_codes_file_says_what_it_is_and_lists_every_code() {
        let codes: Vec<String> = (0..10).map(|n| format!("AAAA-BBBB-CCC{n}")).collect();
        let file = recovery_codes_file("Riverside Hospital", "ann", "3 December 2026", &codes);
        assert!(file.starts_with("Recovery codes for the Riverside Hospital patient portal\r\n"));
        assert!(file.contains("Username: ann"));
        assert!(file.contains(" 1. AAAA-BBBB-CCC0\r\n") && file.contains("10. AAAA-BBBB-CCC9\r\n"));
    }

    #[test]
    fn a_passkey_is_first_named_after_its_device_and_dated_in_words() {
        assert_eq!(
            suggested_passkey_name(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"
            ),
            "Passkey on an iPhone"
        );
        assert_eq!(suggested_passkey_name(""), "My passkey");
        assert_eq!(
            passkey_dates("3 May 2026", None),
            "Added 3 May 2026. Not used yet."
        );
        assert_eq!(
            passkey_dates("3 May 2026", Some("today at 10:30")),
            "Added 3 May 2026. Last used today at 10:30."
        );
    }
}
