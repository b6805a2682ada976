//! The one shape of a record section: its entries, current and past, and how many resources
//! could not be shown. Every list section reads its resources through `read_entries`, so they all
//! treat the unexpected the same way: a resource of another type, or one its reader cannot make
//! sense of, is counted as unreadable (the screen says how many); one entered in error is left
//! out, since it is not part of the record.

use super::first_code;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Entries<T> {
    pub current: Vec<T>,
    pub past: Vec<T>,
    pub unreadable: usize,
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Self {
            current: Vec::new(),
            past: Vec::new(),
            unreadable: 0,
        }
    }
}

impl<T> Entries<T> {
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Entries<U> {
        Entries {
            current: self.current.into_iter().map(&mut f).collect(),
            past: self.past.into_iter().map(&mut f).collect(),
            unreadable: self.unreadable,
        }
    }

    /// Orders both lists the same way.
    pub fn sort_by(&mut self, mut order: impl FnMut(&T, &T) -> std::cmp::Ordering) {
        self.current.sort_by(&mut order);
        self.past.sort_by(&mut order);
    }
}

/// Where one entry belongs on its screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    Current,
    Past,
}

/// Reads each resource of one of `types` with `read`, which places it or (`None`) cannot make
/// sense of it.
pub fn read_entries<'a, T>(
    resources: impl IntoIterator<Item = &'a Value>,
    types: &[&str],
    mut read: impl FnMut(&Value) -> Option<(Place, T)>,
) -> Entries<T> {
    let mut entries = Entries::default();
    for r in resources {
        let known = r["resourceType"]
            .as_str()
            .is_some_and(|t| types.contains(&t));
        if known && entered_in_error(r) {
            continue;
        }
        match known.then(|| read(r)).flatten() {
            Some((Place::Current, entry)) => entries.current.push(entry),
            Some((Place::Past, entry)) => entries.past.push(entry),
            None => entries.unreadable += 1,
        }
    }
    entries
}

/// Entered in error, in whichever element its resource type records that.
pub fn entered_in_error(r: &Value) -> bool {
    r["status"] == "entered-in-error"
        || r["docStatus"] == "entered-in-error"
        || first_code(&r["verificationStatus"]) == Some("entered-in-error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn other_types_are_unreadable_and_errors_are_left_out() {
        let resources = [
            json!({"resourceType": "Condition", "code": {"text": "Asthma"}, "clinicalStatus": "active"}),
            json!({"resourceType": "Condition", "code": {"text": "Gout"}}),
            json!({"resourceType": "Condition", "verificationStatus": {"coding": [{"code": "entered-in-error"}]}}),
            json!({"resourceType": "Condition", "status": "entered-in-error"}),
            json!({"resourceType": "Condition"}),
            json!({"resourceType": "Patient", "status": "entered-in-error"}),
            json!("not even an object"),
        ];
        let entries = read_entries(&resources, &["Condition"], |r| {
            let name = r["code"]["text"].as_str()?.to_string();
            let place = if r["clinicalStatus"] == "active" {
                Place::Current
            } else {
                Place::Past
            };
            Some((place, name))
        });
        assert_eq!(entries.current, ["Asthma"]);
        assert_eq!(entries.past, ["Gout"]);
        assert_eq!(
            entries.unreadable, 3,
            "the nameless Condition, the Patient, the string"
        );
        let lengths = entries.map(|n| n.len());
        assert_eq!((lengths.current, lengths.past), (vec![6], vec![4]));
    }
}
