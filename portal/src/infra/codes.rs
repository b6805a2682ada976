//! One-time codes people read, type and say aloud: 12 Crockford base32 characters (60 bits from
//! the operating system's random source), shown as `K7Q2-9XMD-4TPA`. Typed with any spacing,
//! dashes or case, and with I, L or O for 1, 1 or 0. Stored only as a hash.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH: usize = 12;

/// A new code, grouped for reading.
pub fn new_code() -> String {
    let mut bytes = [0u8; LENGTH];
    getrandom::fill(&mut bytes).expect("the operating system has a random source");
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect();
    format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..])
}

/// The code as typed, put back into its canonical form; None if it cannot be one.
pub fn normalise(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(LENGTH);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\u{2010}'..='\u{2015}' | '\t' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if ALPHABET.contains(&(c as u8)) && c.is_ascii() => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == LENGTH).then_some(out)
}

/// What is stored: the hash of the canonical form.
pub fn hash(canonical: &str) -> String {
    hex(&Sha256::digest(canonical.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_random_and_read_back_however_typed() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert_ne!(code, new_code());
        let canonical = normalise(&code).unwrap();
        assert_eq!(
            normalise(&code.to_lowercase().replace('-', " ")),
            Some(canonical.clone())
        );
        assert_eq!(normalise("k7q2 9xmd 4tpa"), normalise("K7Q2-9XMD-4TPA"));
        assert_eq!(normalise("ILO0-0000-0000"), Some("110000000000".into()));
        for bad in [
            "",
            "K7Q2-9XMD",
            "K7Q2-9XMD-4TPAX",
            "K7Q2-9XMD-4TPU",
            "K7Q2-9XMD-4TP\u{e9}",
        ] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
        assert_eq!(hash("A").len(), 64);
    }
}
