//! Reconnect backoff after a session went down (ExaBGP `reactor/delay.py`).
//!
//! The waits grow 0, 1, 2, 3, 4, 5, 7, 9, 11, 14, … seconds (each next wait
//! is ⌊1 + 1.2 × previous⌋) and stop at 60 s. A session reaching Established,
//! an operator teardown or a route refresh start the sequence again at 0, so a
//! peer that was up reconnects at once (the api-teardown test relies on it).

use std::time::Duration;

/// Longest wait between two sessions, in seconds.
pub const MAX_BACKOFF_SECS: u64 = 60;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    next: u64,
}

impl Backoff {
    pub fn new() -> Backoff {
        Backoff { next: 0 }
    }

    /// Starts the sequence again at zero.
    pub fn reset(&mut self) {
        self.next = 0;
    }

    /// The wait before the next attempt; the one after will be longer.
    pub fn increase(&mut self) -> Duration {
        let wait = self.next;
        // ⌊1 + 1.2 × n⌋ in integers.
        self.next = ((10 + self.next * 12) / 10).min(MAX_BACKOFF_SECS);
        Duration::from_secs(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_like_exabgp_and_caps_at_sixty() {
        let mut b = Backoff::new();
        let waits: Vec<u64> = (0..20).map(|_| b.increase().as_secs()).collect();
        assert_eq!(waits, [0, 1, 2, 3, 4, 5, 7, 9, 11, 14, 17, 21, 26, 32, 39, 47, 57, 60, 60, 60]);
    }

    #[test]
    fn reset_starts_again_at_zero() {
        let mut b = Backoff::new();
        b.increase();
        b.increase();
        b.reset();
        assert_eq!(b.increase(), Duration::ZERO);
    }
}
