//! Bearer secrets the portal hands out (session cookies, share links, client tokens): made
//! here, and stored only as hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 bits from the operating system, URL-safe so it can sit in a cookie as it is.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system has no randomness to give");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Only a hash of each token is stored, so a copy of the database opens no sessions.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
