//! Gateway mode: each patient's resources of one type as the record server last gave them, for
//! a few seconds. A patient paging through their results, narrowing them or coming back to a
//! section asks the record server once, not once a page; everything read from here still goes
//! through the access decision on every request.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Long enough for a patient reading a section; short enough that something added on the record
/// server is seen within seconds.
const KEPT_FOR: Duration = Duration::from_secs(20);
/// The most resources held, across all patients: a portal's memory stays bounded whatever the
/// traffic (about 50 MB of typical resources).
const MAX_HELD: usize = 50_000;

type Key = (String, String);

#[derive(Default)]
pub struct Recent {
    lists: Mutex<Lists>,
}

#[derive(Default)]
struct Lists {
    by_key: HashMap<Key, (Instant, Arc<Vec<Value>>)>,
    held: usize,
}

impl Recent {
    /// This patient's resources of this type, if read from the record server moments ago.
    pub fn get(&self, resource_type: &str, patient_id: &str) -> Option<Arc<Vec<Value>>> {
        let lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        let (read_at, list) = lists
            .by_key
            .get(&(resource_type.to_string(), patient_id.to_string()))?;
        (read_at.elapsed() < KEPT_FOR).then(|| list.clone())
    }

    /// Keeps what was just read, making room by letting go of the oldest.
    pub fn keep(&self, resource_type: &str, patient_id: &str, list: Arc<Vec<Value>>) {
        if list.len() > MAX_HELD {
            return;
        }
        let mut lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        let key = (resource_type.to_string(), patient_id.to_string());
        if let Some((_, old)) = lists.by_key.remove(&key) {
            lists.held -= old.len();
        }
        lists
            .by_key
            .retain(|_, (read_at, _)| read_at.elapsed() < KEPT_FOR);
        lists.held = lists.by_key.values().map(|(_, l)| l.len()).sum();
        while lists.held + list.len() > MAX_HELD {
            let Some(oldest) = lists
                .by_key
                .iter()
                .min_by_key(|(_, (read_at, _))| *read_at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, gone)) = lists.by_key.remove(&oldest) {
                lists.held -= gone.len();
            }
        }
        lists.held += list.len();
        lists.by_key.insert(key, (Instant::now(), list));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> Arc<Vec<Value>> {
        Arc::new(vec![Value::Null; n])
    }

    #[test]
    fn a_list_is_kept_per_patient_and_type_and_room_is_made_by_the_oldest() {
        let recent = Recent::default();
        recent.keep("Observation", "ann", list(MAX_HELD / 2));
        recent.keep("Observation", "ben", list(MAX_HELD / 2));
        assert_eq!(
            recent.get("Observation", "ann").unwrap().len(),
            MAX_HELD / 2
        );
        assert!(recent.get("Condition", "ann").is_none());
        recent.keep("Condition", "claire", list(10));
        assert!(
            recent.get("Observation", "ann").is_none(),
            "the oldest let go"
        );
        assert!(recent.get("Observation", "ben").is_some());
        assert!(recent.get("Condition", "claire").is_some());
        // Read again: replaced, not counted twice.
        recent.keep("Condition", "claire", list(20));
        assert_eq!(recent.get("Condition", "claire").unwrap().len(), 20);
        assert_eq!(recent.lists.lock().unwrap().held, MAX_HELD / 2 + 20);
    }
}
