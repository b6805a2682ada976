//! What a new password must be: long enough (length does more than any rule about symbols), not
//! one of the passwords people most often choose, nor close to one or to the person's own name,
//! as zxcvbn (with its lists of common passwords, words and names) estimates.

use zxcvbn::{Score, zxcvbn};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// What a password must not be built from: the username, and the person's name whole, run
/// together and word by word.
pub fn personal_words(username: &str, name: &str) -> Vec<String> {
    let mut words = vec![username.to_lowercase(), name.to_lowercase()];
    words.push(name.split_whitespace().collect::<String>().to_lowercase());
    words.extend(name.split_whitespace().map(str::to_lowercase));
    words.retain(|w| !w.is_empty());
    words
}

/// Why this new password will not do, in words for the person choosing it; None if it will.
pub fn problem(new: &str, about_them: &[&str]) -> Option<String> {
    let length = new.chars().count();
    if length < MIN_LENGTH {
        return Some(format!(
            "Use at least {MIN_LENGTH} characters. Three or four random words make a password that is strong and easy to remember."
        ));
    }
    if length > MAX_LENGTH {
        return Some(format!("Use at most {MAX_LENGTH} characters."));
    }
    if zxcvbn(new, about_them).score() < Score::Three {
        return Some(
            "This password would be too easy to guess: it is a common password, close to one, or close to your name. Try three or four random words."
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_personal_passwords_are_refused_random_words_are_not() {
        assert!(problem("short", &[]).is_some());
        for common in ["password123", "qwertyuiop", "iloveyou123", "1234567890"] {
            assert!(problem(common, &[]).is_some(), "{common}");
        }
        let ann = personal_words("ann", "Ann Carter");
        let ann: Vec<&str> = ann.iter().map(String::as_str).collect();
        assert!(problem("AnnCarter1954", &ann).is_some());
        assert!(problem("kettle orbit velvet pine", &[]).is_none());
        assert!(problem(&"x".repeat(257), &[]).is_some());
    }
}
