//! Slows down guessing from one client network: a bounded number of failed sign-in steps
//! (passwords and codes) in a window. Successes are not counted, so a busy hospital network where
//! many patients sign in from one address is never held shut.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Failed steps one client network may make in a window.
pub const LIMIT: usize = 20;
pub const WINDOW: i64 = 300;
/// Networks remembered at once; past this the one quiet longest is forgotten first.
pub const CAPACITY: usize = 50_000;

pub struct Throttle {
    limit: usize,
    window: i64,
    capacity: usize,
    seen: Mutex<HashMap<String, Failures>>,
}

#[derive(Default)]
struct Failures {
    times: VecDeque<i64>,
    /// When the last refusal was written to the audit trail: one a window is enough.
    refusal_recorded: Option<i64>,
}

/// Over the limit: how long to wait, and whether this is the window's first refusal (to audit).
#[derive(Debug, PartialEq)]
pub struct Refused {
    pub retry_after: i64,
    pub first_in_window: bool,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(LIMIT, WINDOW, CAPACITY)
    }
}

impl Throttle {
    pub fn new(limit: usize, window: i64, capacity: usize) -> Self {
        Self {
            limit,
            window,
            capacity,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Refuses a network that has failed too often in the window. Only failures are counted
    /// (afterwards, by [`fail`](Self::fail)): sign-ins in flight are not, so a burst of patients
    /// signing in on one hospital network is never refused. Guessing in parallel from one network
    /// may pass the limit by what is in flight; the per-account counts, reserved before each
    /// check, are what protect an account.
    pub fn check(&self, network: &str, now: i64) -> Result<(), Refused> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = seen.get_mut(network) else {
            return Ok(());
        };
        while entry.times.front().is_some_and(|t| now - t >= self.window) {
            entry.times.pop_front();
        }
        if entry.times.len() < self.limit {
            return Ok(());
        }
        let first_in_window = entry
            .refusal_recorded
            .is_none_or(|at| now - at >= self.window);
        if first_in_window {
            entry.refusal_recorded = Some(now);
        }
        Err(Refused {
            retry_after: self.window - (now - entry.times[0]),
            first_in_window,
        })
    }

    /// Counts a failed step; answers how many the network has made in the window, this one too.
    pub fn fail(&self, network: &str, now: i64) -> usize {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.contains_key(network) && seen.len() >= self.capacity {
            self.make_room(&mut seen, now);
        }
        let times = &mut seen.entry(network.to_string()).or_default().times;
        while times.front().is_some_and(|t| now - t >= self.window) {
            times.pop_front();
        }
        times.push_back(now);
        times.len()
    }

    /// Forgets expired networks, then, if still full, the tenth that failed least (a flood of
    /// fresh addresses must not push out the one guessing hardest).
    fn make_room(&self, seen: &mut HashMap<String, Failures>, now: i64) {
        seen.retain(|_, f| f.times.back().is_some_and(|t| now - t < self.window));
        if seen.len() < self.capacity {
            return;
        }
        let mut by_failures: Vec<(usize, i64, String)> = seen
            .iter()
            .map(|(k, f)| {
                (
                    f.times.len(),
                    f.times.back().copied().unwrap_or(0),
                    k.clone(),
                )
            })
            .collect();
        by_failures.sort_unstable();
        for (_, _, k) in by_failures.into_iter().take(self.capacity / 10 + 1) {
            seen.remove(&k);
        }
    }

    pub fn remembered(&self) -> usize {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail_times(t: &Throttle, network: &str, times: impl IntoIterator<Item = i64>) {
        for at in times {
            t.check(network, at).unwrap();
            t.fail(network, at);
        }
    }

    #[test]
    fn refuses_past_the_limit_until_the_window_moves_on() {
        let t = Throttle::new(3, 60, 100);
        fail_times(&t, "a", 100..103);
        assert_eq!(
            t.check("a", 110),
            Err(Refused {
                retry_after: 50,
                first_in_window: true
            })
        );
        assert!(!t.check("a", 111).unwrap_err().first_in_window);
        assert!(t.check("b", 110).is_ok());
        assert!(t.check("a", 160).is_ok());
    }

    #[test]
    fn successes_do_not_count() {
        let t = Throttle::new(3, 60, 100);
        for s in 0..10 {
            assert!(t.check("hospital-wifi", 100 + s).is_ok());
        }
        assert_eq!(t.remembered(), 0);
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_addresses() {
        let t = Throttle::new(3, 60, 1000);
        for n in 0..5000 {
            t.fail(&format!("10.0.{}.{}", n / 256, n % 256), 100);
        }
        assert!(t.remembered() <= 1000);
        // A network still guessing is remembered over quiet ones.
        fail_times(&t, "attacker", 200..203);
        for n in 0..2000 {
            t.fail(&format!("flood-{n}"), 203);
        }
        assert!(t.check("attacker", 204).is_err());
    }
}
