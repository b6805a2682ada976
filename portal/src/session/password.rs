//! Argon2id password hashes in the PHC string format.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system has no randomness to give");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 default parameters are valid")
        .to_string()
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn decoy() -> &'static str {
    DECOY.get_or_init(|| hash("decoy password for unknown usernames"))
}

/// Makes the decoy hash at start-up, so not even the first unknown username costs extra.
pub fn prepare_decoy() {
    decoy();
}

/// Spends what a known username costs (the same parameters, parsing and verifying) on an unknown
/// one, so timing does not tell which.
pub fn verify_nothing(password: &str) -> bool {
    verify(password, decoy());
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_password() {
        let stored = hash("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct hors", &stored));
        assert!(!verify("correct horse", "not a hash"));
    }
}
