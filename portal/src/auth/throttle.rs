//! Slows down guessing: a bounded number of sign-in attempts from one address in a window.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

pub struct Throttle {
    limit: usize,
    window: i64,
    seen: Mutex<HashMap<IpAddr, VecDeque<i64>>>,
}

impl Throttle {
    pub fn new(limit: usize, window: i64) -> Self {
        Self {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt; `Err(seconds to wait)` once the address is over its limit.
    pub fn attempt(&self, ip: IpAddr, now: i64) -> Result<(), i64> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Forget quiet addresses so the map cannot grow without bound.
        seen.retain(|_, times| times.back().is_some_and(|t| now - t < self.window));
        let times = seen.entry(ip).or_default();
        while times.front().is_some_and(|t| now - t >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.limit {
            return Err(self.window - (now - times[0]));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_window_moves_on() {
        let t = Throttle::new(3, 60);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        for s in 0..3 {
            assert!(t.attempt(ip, 100 + s).is_ok());
        }
        assert_eq!(t.attempt(ip, 110), Err(50));
        assert!(t.attempt(other, 110).is_ok());
        assert!(t.attempt(ip, 160).is_ok());
    }
}
