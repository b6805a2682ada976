//! Building search addresses.

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn encode_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod encode_tests {
    #[test]
    fn encodes_reserved_characters() {
        assert_eq!(super::encode_component("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }
}
