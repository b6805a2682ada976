//! The lists already fetched for the open record, kept in memory only (never in any browser
//! storage), so going back to the summary or a section does not download them again. It holds
//! one patient's lists at a time, is emptied whenever the patient changes and at sign-out, and
//! forgets a list after a few minutes, so a new result appears without signing in again.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// How long a fetched list is shown again without asking the portal.
pub const FRESH_FOR_MS: f64 = 5.0 * 60_000.0;

#[derive(Default)]
pub struct RecordCache {
    patient: Option<String>,
    lists: HashMap<String, Fetched>,
}

struct Fetched {
    at_ms: f64,
    resources: Arc<Vec<Value>>,
}

impl RecordCache {
    /// A complete list fetched for this patient less than `FRESH_FOR_MS` ago.
    pub fn get(&self, patient: &str, search: &str, now_ms: f64) -> Option<Arc<Vec<Value>>> {
        if self.patient.as_deref() != Some(patient) {
            return None;
        }
        self.lists
            .get(search)
            .filter(|f| (0.0..FRESH_FOR_MS).contains(&(now_ms - f.at_ms)))
            .map(|f| f.resources.clone())
    }

    /// Keeps a complete list; a list of another patient first empties the cache.
    pub fn put(&mut self, patient: &str, search: String, resources: Arc<Vec<Value>>, now_ms: f64) {
        if self.patient.as_deref() != Some(patient) {
            self.clear();
            self.patient = Some(patient.to_string());
        }
        self.lists.retain(|_, f| now_ms - f.at_ms < FRESH_FOR_MS);
        self.lists.insert(
            search,
            Fetched {
                at_ms: now_ms,
                resources,
            },
        );
    }

    pub fn clear(&mut self) {
        self.patient = None;
        self.lists.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(n: usize) -> Arc<Vec<Value>> {
        Arc::new((0..n).map(|i| json!({"id": i})).collect())
    }

    #[test]
    fn a_list_is_reused_for_a_few_minutes_then_fetched_again() {
        let mut cache = RecordCache::default();
        cache.put("p1", "AllergyIntolerance".into(), list(3), 1_000.0);
        assert_eq!(
            cache
                .get("p1", "AllergyIntolerance", 2_000.0)
                .unwrap()
                .len(),
            3
        );
        assert!(cache.get("p1", "Condition", 2_000.0).is_none());
        assert!(
            cache
                .get("p1", "AllergyIntolerance", 1_000.0 + FRESH_FOR_MS)
                .is_none()
        );
        // A clock that went backwards is not trusted either.
        assert!(cache.get("p1", "AllergyIntolerance", 0.0).is_none());
    }

    #[test]
    fn another_patient_never_sees_the_first_patients_lists() {
        let mut cache = RecordCache::default();
        cache.put("p1", "AllergyIntolerance".into(), list(3), 0.0);
        assert!(cache.get("p2", "AllergyIntolerance", 1.0).is_none());
        cache.put("p2", "Condition".into(), list(1), 1.0);
        assert!(cache.get("p1", "AllergyIntolerance", 2.0).is_none());
        cache.put("p1", "Condition".into(), list(2), 3.0);
        assert!(cache.get("p2", "Condition", 4.0).is_none());
        assert_eq!(cache.get("p1", "Condition", 4.0).unwrap().len(), 2);
    }

    #[test]
    fn clearing_forgets_everything() {
        let mut cache = RecordCache::default();
        cache.put("p1", "Condition".into(), list(1), 0.0);
        cache.clear();
        assert!(cache.get("p1", "Condition", 1.0).is_none());
    }
}
