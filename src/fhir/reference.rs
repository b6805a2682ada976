//! References as they come: to a contained resource (`#med1`), to a resource fetched alongside
//! (`Medication/123` or an absolute URL), or to nothing we have, when only `display` remains.

use serde_json::Value;
use std::collections::HashMap;

/// Resources fetched for a section, by `Type/id`; borrowed, so a long history is not copied.
#[derive(Default)]
pub struct Resources<'a>(HashMap<String, &'a Value>);

impl<'a> Resources<'a> {
    pub fn new(resources: impl IntoIterator<Item = &'a Value>) -> Self {
        Self(
            resources
                .into_iter()
                .filter_map(|r| {
                    let key = format!("{}/{}", r["resourceType"].as_str()?, r["id"].as_str()?);
                    Some((key, r))
                })
                .collect(),
        )
    }

    /// What a Reference inside `holder` points at, if it is here (contained, or fetched).
    pub fn resolve(&self, holder: &'a Value, reference: &Value) -> Option<&'a Value> {
        let target = reference["reference"].as_str()?;
        if let Some(local) = target.strip_prefix('#') {
            return holder["contained"]
                .as_array()?
                .iter()
                .find(|c| c["id"].as_str() == Some(local));
        }
        self.0.get(&type_and_id(target)?).copied()
    }
}

/// How a resource is referred to: `Condition/c1`; None without a type and a valid id.
pub fn of(resource: &Value) -> Option<String> {
    let kind = resource["resourceType"].as_str()?;
    let id = resource["id"].as_str()?;
    let valid = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    valid.then(|| format!("{kind}/{id}"))
}

/// `Medication/1`, `https://x/fhir/Medication/1` or `Medication/1/_history/2` → `Medication/1`.
pub fn type_and_id(reference: &str) -> Option<String> {
    let path = reference.split("/_history/").next()?;
    let mut parts = path.rsplit('/');
    let id = parts.next().filter(|s| !s.is_empty())?;
    let kind = parts
        .next()
        .filter(|k| k.chars().next().is_some_and(char::is_uppercase))?;
    Some(format!("{kind}/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_contained_and_fetched_references() {
        let medication =
            json!({"resourceType": "Medication", "id": "m1", "code": {"text": "Aspirin"}});
        let store = Resources::new(std::slice::from_ref(&medication));
        let holder = json!({"contained": [{"resourceType": "Medication", "id": "local", "code": {"text": "Inline"}}]});
        let contained = store
            .resolve(&holder, &json!({"reference": "#local"}))
            .unwrap();
        assert_eq!(contained["code"]["text"], "Inline");
        let fetched = store.resolve(
            &holder,
            &json!({"reference": "https://x/fhir/Medication/m1/_history/3"}),
        );
        assert_eq!(fetched, Some(&medication));
        assert!(
            store
                .resolve(&holder, &json!({"reference": "Medication/missing"}))
                .is_none()
        );
        assert!(
            store
                .resolve(&holder, &json!({"display": "only a name"}))
                .is_none()
        );
    }

    #[test]
    fn reads_reference_forms() {
        assert_eq!(type_and_id("Patient/p1").as_deref(), Some("Patient/p1"));
        assert_eq!(type_and_id("urn:uuid:abc"), None);
        assert_eq!(type_and_id("Patient/"), None);
    }
}
