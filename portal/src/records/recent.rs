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
/// Each (type, patient)'s list, and when it was read.
type Lists = HashMap<Key, (Instant, Arc<Vec<Value>>)>;

#[derive(Default)]
pub struct Recent {
    lists: Mutex<Lists>,
}

/// How many resources the lists hold between them.
fn held(lists: &Lists) -> usize {
    lists.values().map(|(_, list)| list.len()).sum()
}

impl Recent {
    /// This patient's resources of this type, if read from the record server moments ago.
    pub fn get(&self, resource_type: &str, patient_id: &str) -> Option<Arc<Vec<Value>>> {
        let lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        let (read_at, list) = lists.get(&(resource_type.to_string(), patient_id.to_string()))?;
        (read_at.elapsed() < KEPT_FOR).then(|| list.clone())
    }

    /// Keeps what was just read, making room by letting go of the oldest.
    pub fn keep(&self, resource_type: &str, patient_id: &str, list: Arc<Vec<Value>>) {
        if list.len() > MAX_HELD {
            return;
        }
        let mut lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        let key = (resource_type.to_string(), patient_id.to_string());
        lists.remove(&key);
        lists.retain(|_, (read_at, _)| read_at.elapsed() < KEPT_FOR);
        let mut held = held(&lists);
        while held + list.len() > MAX_HELD {
            let Some(oldest) = lists
                .iter()
                .min_by_key(|(_, (read_at, _))| *read_at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, gone)) = lists.remove(&oldest) {
                held -= gone.len();
            }
        }
        lists.insert(key, (Instant::now(), list));
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
        assert_eq!(held(&recent.lists.lock().unwrap()), MAX_HELD / 2 + 20);
    }
}
