//! FHIR searches, typed: what a screen asks for is a value, and one encoder turns it into the
//! address, so no parameter is ever sent twice or unencoded (another FHIR server may take the
//! first of two `_count`s, or read a raw `&` as the start of a new parameter).

/// Results a page holds unless a search says otherwise: few round trips on a slow network.
pub const PAGE_SIZE: u32 = 200;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FhirSearch {
    pub resource_type: &'static str,
    pub count: u32,
    pub order: Order,
    /// Only resources dated on or after this day (`YYYY-MM-DD`).
    pub from_date: Option<String>,
    /// Any of these category codes.
    pub categories: Vec<&'static str>,
}

impl FhirSearch {
    pub fn new(resource_type: &'static str) -> Self {
        Self {
            resource_type,
            count: PAGE_SIZE,
            order: Order::NewestFirst,
            from_date: None,
            categories: Vec::new(),
        }
    }

    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    pub fn oldest_first(mut self) -> Self {
        self.order = Order::OldestFirst;
        self
    }

    pub fn on_or_after(mut self, day: &str) -> Self {
        self.from_date = Some(day.to_string());
        self
    }

    pub fn category(mut self, code: &'static str) -> Self {
        self.categories.push(code);
        self
    }

    /// The address of the first page of this search for one patient.
    pub fn url(&self, base: &str, patient_id: &str) -> String {
        let mut params: Vec<(&str, String)> = vec![
            ("patient", patient_id.to_string()),
            ("_count", self.count.to_string()),
            (
                "_sort",
                match self.order {
                    Order::NewestFirst => "-date",
                    Order::OldestFirst => "date",
                }
                .to_string(),
            ),
        ];
        if let Some(day) = &self.from_date {
            params.push(("date", format!("ge{day}")));
        }
        if !self.categories.is_empty() {
            params.push(("category", self.categories.join(",")));
        }
        let query: Vec<String> = params
            .iter()
            .map(|(name, value)| format!("{name}={}", encode_component(value)))
            .collect();
        format!("{base}/fhir/{}?{}", self.resource_type, query.join("&"))
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
mod tests {
    use super::*;

    #[test]
    fn a_whole_section_is_every_page_newest_first() {
        assert_eq!(
            FhirSearch::new("AllergyIntolerance").url("/api/v1", "demo-ann"),
            "/api/v1/fhir/AllergyIntolerance?patient=demo-ann&_count=200&_sort=-date"
        );
    }

    #[test]
    fn each_parameter_is_sent_once_and_encoded() {
        let url = FhirSearch::new("Observation")
            .category("laboratory")
            .category("vital-signs")
            .count(50)
            .url("/api/v1", "a b&c");
        assert_eq!(
            url,
            "/api/v1/fhir/Observation?patient=a%20b%26c&_count=50&_sort=-date&category=laboratory%2Cvital-signs"
        );
        assert_eq!(url.matches("_count=").count(), 1);
    }

    #[test]
    fn upcoming_appointments_are_oldest_first_from_today() {
        assert_eq!(
            FhirSearch::new("Appointment")
                .on_or_after("2026-11-22")
                .oldest_first()
                .count(10)
                .url("/api/v1", "demo-ben"),
            "/api/v1/fhir/Appointment?patient=demo-ben&_count=10&_sort=date&date=ge2026-11-22"
        );
    }

    #[test]
    fn encodes_reserved_characters() {
        assert_eq!(encode_component("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }
}
