//! Deadlines for the whole reactor, keyed by (owner token, timer kind).
//!
//! One binary heap ordered by (deadline, arming order) plus a map holding the
//! live deadline of each key. Cancelling or re-arming never searches the heap:
//! the heap entry is left behind and recognised as stale when it reaches the
//! top (its sequence number no longer matches the map). Pushing a *later*
//! deadline for a key whose entry is still queued does not push at all: the
//! old entry is re-queued with the new deadline when it surfaces. This keeps
//! the hold timer, restarted on every received message, O(1) amortised.
//!
//! The module never reads the clock: every call takes `now`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use mio::Token;

/// Every timer the reactor knows (style-examples §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// RFC 4271 §10 ConnectRetryTimer: wait before retrying a failed connect.
    ConnectRetry,
    /// RFC 4271 §4.2 HoldTimer (in OpenSent: ExaBGP's `bgp.openwait`).
    Hold,
    /// RFC 4271 §4.4 KeepaliveTimer.
    Keepalive,
    /// RFC 9687 SendHoldTimer: our output has made no progress for that long.
    SendHold,
    /// Reconnect backoff after a session went down (ExaBGP `delay.py`);
    /// RFC 4271 calls the idea IdleHoldTimer (§8.1.1, event 13).
    IdleHold,
    /// Restart a helper process that died.
    Respawn,
    /// A helper that ignored SIGTERM gets SIGKILL.
    Kill,
    /// A closing connection may flush its NOTIFICATION until then.
    Linger,
}

/// What the heap holds: ordering is by deadline, then by arming order.
type Entry = Reverse<(Instant, u64, usize, TimerKind)>;

#[derive(Debug, Default)]
pub struct Timers {
    heap: BinaryHeap<Entry>,
    /// Live deadline per key and the sequence number of its queued entry.
    live: HashMap<(usize, TimerKind), (Instant, u64)>,
    seq: u64,
}

// ===== impl Timers =====

impl Timers {
    pub fn new() -> Timers {
        Timers::default()
    }

    /// Arms (or re-arms) `kind` for `token` to fire at `deadline`.
    pub fn arm(&mut self, token: Token, kind: TimerKind, deadline: Instant) {
        let key = (token.0, kind);
        if let Some(live) = self.live.get_mut(&key) {
            if deadline >= live.0 {
                // The queued entry surfaces first and is re-queued then.
                live.0 = deadline;
                return;
            }
        }
        self.seq += 1;
        self.live.insert(key, (deadline, self.seq));
        self.heap.push(Reverse((deadline, self.seq, token.0, kind)));
    }

    /// Cancels `kind` for `token`; a no-op when it is not armed.
    pub fn disarm(&mut self, token: Token, kind: TimerKind) {
        self.live.remove(&(token.0, kind));
    }

    /// Cancels every timer of `token` (its slab entry is going away).
    pub fn disarm_all(&mut self, token: Token) {
        self.live.retain(|key, _| key.0 != token.0);
    }

    pub fn is_armed(&self, token: Token, kind: TimerKind) -> bool {
        self.live.contains_key(&(token.0, kind))
    }

    /// The deadline of `kind` for `token`, if armed.
    pub fn deadline(&self, token: Token, kind: TimerKind) -> Option<Instant> {
        self.live.get(&(token.0, kind)).map(|live| live.0)
    }

    /// The earliest live deadline (drops stale heap entries on the way).
    pub fn next_deadline(&mut self) -> Option<Instant> {
        loop {
            let Reverse((at, seq, token, kind)) = *self.heap.peek()?;
            match self.live.get(&(token, kind)) {
                Some(&(live_at, live_seq)) if live_seq == seq => {
                    if live_at == at {
                        return Some(at);
                    }
                    // Extended while queued: re-queue at the new deadline.
                    self.heap.pop();
                    self.requeue(token, kind, live_at);
                }
                _ => {
                    self.heap.pop();
                }
            }
        }
    }

    /// Removes and returns the next timer due at `now`, earliest first.
    pub fn pop_expired(&mut self, now: Instant) -> Option<(Token, TimerKind)> {
        let at = self.next_deadline()?;
        if at > now {
            return None;
        }
        let Reverse((_, _, token, kind)) = self.heap.pop()?;
        self.live.remove(&(token, kind));
        Some((Token(token), kind))
    }

    /// Number of armed timers.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    fn requeue(&mut self, token: usize, kind: TimerKind, at: Instant) {
        self.seq += 1;
        self.live.insert((token, kind), (at, self.seq));
        self.heap.push(Reverse((at, self.seq, token, kind)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn timers_fire_in_deadline_order() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.arm(Token(1), TimerKind::Hold, t0 + secs(3));
        timers.arm(Token(2), TimerKind::Keepalive, t0 + secs(1));
        timers.arm(Token(3), TimerKind::ConnectRetry, t0 + secs(2));
        assert_eq!(timers.next_deadline(), Some(t0 + secs(1)));
        assert_eq!(timers.pop_expired(t0), None);
        let now = t0 + secs(10);
        assert_eq!(timers.pop_expired(now), Some((Token(2), TimerKind::Keepalive)));
        assert_eq!(timers.pop_expired(now), Some((Token(3), TimerKind::ConnectRetry)));
        assert_eq!(timers.pop_expired(now), Some((Token(1), TimerKind::Hold)));
        assert_eq!(timers.pop_expired(now), None);
        assert!(timers.is_empty());
    }

    #[test]
    fn equal_deadlines_fire_in_arming_order() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.arm(Token(9), TimerKind::Hold, t0);
        timers.arm(Token(1), TimerKind::Hold, t0);
        assert_eq!(timers.pop_expired(t0), Some((Token(9), TimerKind::Hold)));
        assert_eq!(timers.pop_expired(t0), Some((Token(1), TimerKind::Hold)));
    }

    #[test]
    fn disarmed_timer_never_fires() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.arm(Token(1), TimerKind::Hold, t0 + secs(1));
        timers.arm(Token(1), TimerKind::Keepalive, t0 + secs(2));
        timers.disarm(Token(1), TimerKind::Hold);
        assert_eq!(timers.next_deadline(), Some(t0 + secs(2)));
        assert_eq!(timers.pop_expired(t0 + secs(5)), Some((Token(1), TimerKind::Keepalive)));
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn disarm_all_cancels_only_that_token() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.arm(Token(1), TimerKind::Hold, t0);
        timers.arm(Token(1), TimerKind::Keepalive, t0);
        timers.arm(Token(2), TimerKind::Hold, t0);
        timers.disarm_all(Token(1));
        assert_eq!(timers.pop_expired(t0), Some((Token(2), TimerKind::Hold)));
        assert_eq!(timers.pop_expired(t0), None);
    }

    #[test]
    fn extending_a_deadline_moves_it_later() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.arm(Token(1), TimerKind::Hold, t0 + secs(1));
        timers.arm(Token(2), TimerKind::Hold, t0 + secs(2));
        timers.arm(Token(1), TimerKind::Hold, t0 + secs(3));
        assert_eq!(timers.next_deadline(), Some(t0 + secs(2)));
        assert_eq!(timers.pop_expired(t0 + secs(2)), Some((Token(2), TimerKind::Hold)));
        assert_eq!(timers.pop_expired(t0 + secs(2)), None);
        assert_eq!(timers.deadline(Token(1), TimerKind::Hold), Some(t0 + secs(3)));
        assert_eq!(timers.pop_expired(t0 + secs(3)), Some((Token(1), TimerKind::Hold)));
    }

    #[test]
    fn shortening_a_deadline_moves_it_earlier() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.arm(Token(1), TimerKind::Hold, t0 + secs(5));
        timers.arm(Token(1), TimerKind::Hold, t0 + secs(1));
        assert_eq!(timers.next_deadline(), Some(t0 + secs(1)));
        assert_eq!(timers.pop_expired(t0 + secs(1)), Some((Token(1), TimerKind::Hold)));
        // The stale 5 s entry must not fire again.
        assert_eq!(timers.pop_expired(t0 + secs(9)), None);
    }

    #[test]
    fn many_extensions_do_not_grow_the_heap() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        for i in 0..10_000u64 {
            timers.arm(Token(1), TimerKind::Hold, t0 + Duration::from_millis(i));
        }
        assert_eq!(timers.heap.len(), 1);
    }
}
