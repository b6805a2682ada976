//! Argon2id password hashes in the PHC string format.

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;

pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system has no randomness to give");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 default parameters are valid")
        .to_string()
}

thread_local! {
    /// The memory Argon2 works in (19 MiB with the default parameters), kept by each thread that
    /// checks passwords, which are the few hashing threads (`AppState::hashing`). Taken afresh
    /// for every check, those blocks came back from the allocator's arenas unevenly: a burst of
    /// 200 wrong sign-ins took a debug portal from 60 to 480 MiB at its peak.
    static WORKSPACE: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Whether `password` is the one `stored` (a PHC string) was made from, compared in constant
/// time, in this thread's kept workspace.
pub fn verify(password: &str, stored: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(stored).ok()?;
        let params = Params::try_from(&parsed).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        let argon = Argon2::new(algorithm, version, params.clone());
        WORKSPACE.with_borrow_mut(|blocks| {
            blocks.resize(params.block_count(), Block::default());
            argon
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    salt,
                    &mut out,
                    &mut blocks[..],
                )
                .ok()
        })?;
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
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
