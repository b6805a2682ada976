/// The path and query to fetch for a Bundle's `next` link, if it stays on this origin: the
/// session cookie must never be offered to, nor records fetched from, anywhere else.
pub fn same_origin_path(next: &str, origin: &str) -> Option<String> {
    if next.starts_with('/') && !next.starts_with("//") {
        return Some(next.to_string());
    }
    let rest = next.strip_prefix(origin)?;
    rest.starts_with('/').then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn follows_only_links_on_this_origin() {
        let origin = "https://portal.example";
        assert_eq!(
            same_origin_path("/api/v1/fhir/X?a=1", origin).as_deref(),
            Some("/api/v1/fhir/X?a=1")
        );
        assert_eq!(
            same_origin_path("https://portal.example/api/v1/fhir/X?page=2", origin).as_deref(),
            Some("/api/v1/fhir/X?page=2")
        );
        assert_eq!(
            same_origin_path("https://portal.example.evil/x", origin),
            None
        );
        assert_eq!(same_origin_path("//evil.example/x", origin), None);
        assert_eq!(same_origin_path("https://other.example/api", origin), None);
        assert_eq!(same_origin_path("fhir/X?page=2", origin), None);
    }
}

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
