//! Per-peer message counters and session times, for `show neighbor`
//! (ExaBGP's `Peer.stats`).

use std::collections::HashMap;
use std::time::Instant;

use crate::reactor::fsm::Report;
use crate::reactor::{Output, PeerId, PeerOutput};

/// The message kinds `show neighbor` counts, in its order.
pub const KINDS: [&str; 5] = ["open", "notification", "keepalive", "update", "refresh"];

/// Index into [`KINDS`] of a BGP message type.
fn slot(kind: u8) -> Option<usize> {
    match kind {
        1 => Some(0),
        3 => Some(1),
        4 => Some(2),
        2 => Some(3),
        5 => Some(4),
        _ => None,
    }
}

/// One peer's counters.
#[derive(Clone, Debug)]
pub struct PeerStats {
    pub created: Instant,
    /// The last time the session went down (`created` before that).
    pub reset: Instant,
    /// When the current session reached Established.
    pub complete: Option<Instant>,
    pub sent: [u64; 5],
    pub received: [u64; 5],
}

impl PeerStats {
    fn new(now: Instant) -> PeerStats {
        PeerStats { created: now, reset: now, complete: None, sent: [0; 5], received: [0; 5] }
    }

    /// Seconds the session has been up (0 when it is not).
    pub fn duration(&self) -> u64 {
        self.complete.map_or(0, |at| at.elapsed().as_secs())
    }

    /// Seconds between the peer's creation and its last reset.
    pub fn down(&self) -> u64 {
        self.reset.saturating_duration_since(self.created).as_secs()
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    peers: HashMap<PeerId, PeerStats>,
}

impl Stats {
    pub fn get(&mut self, peer: PeerId) -> &PeerStats {
        self.peers.entry(peer).or_insert_with(|| PeerStats::new(Instant::now()))
    }

    pub fn forget(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
    }

    /// Count what a reactor output says about a peer.
    pub fn record(&mut self, output: &Output) {
        let Output::Peer { peer, event } = output else { return };
        let s = self.peers.entry(*peer).or_insert_with(|| PeerStats::new(Instant::now()));
        match event {
            PeerOutput::Received(p) => {
                if let Some(i) = slot(p.message.kind().0) {
                    s.received[i] += 1;
                }
            }
            PeerOutput::Sent(p) => {
                if let Some(i) = slot(p.message.kind().0) {
                    s.sent[i] += 1;
                }
            }
            PeerOutput::Report(Report::Up { .. }) => s.complete = Some(Instant::now()),
            PeerOutput::Report(Report::Down(_)) => {
                s.complete = None;
                s.reset = Instant::now();
            }
            _ => {}
        }
    }

    /// Count the messages the RIB queued (whole messages back to back).
    pub fn record_sent(&mut self, peer: PeerId, bytes: &[u8]) {
        let s = self.peers.entry(peer).or_insert_with(|| PeerStats::new(Instant::now()));
        for (start, _) in messages(bytes) {
            if let Some(i) = bytes.get(start + 18).and_then(|k| slot(*k)) {
                s.sent[i] += 1;
            }
        }
    }
}

/// `(start, end)` of each whole message in `bytes` (messages back to back,
/// as the RIB hands them out); stops at anything that is not one.
pub fn messages(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let header = bytes.get(at..at + 19)?;
        let len = usize::from(u16::from_be_bytes([header[16], header[17]]));
        if len < 19 || at + len > bytes.len() {
            return None;
        }
        let range = (at, at + len);
        at += len;
        Some(range)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_messages_the_rib_queued() {
        let mut stats = Stats::default();
        let peer = PeerId(mio::Token(1));
        let mut bytes = vec![0xff; 16];
        bytes.extend([0, 23, 2, 0, 0, 0, 0]);
        bytes.extend(vec![0xff; 16]);
        bytes.extend([0, 19, 4]);
        stats.record_sent(peer, &bytes);
        let s = stats.get(peer);
        assert_eq!(s.sent, [0, 0, 1, 1, 0]);
        assert_eq!(s.duration(), 0);
    }

    #[test]
    fn splits_whole_messages_only() {
        let mut bytes = vec![0xff; 16];
        bytes.extend([0, 19, 4]);
        bytes.extend(vec![0xff; 16]);
        bytes.extend([0, 23, 2, 0, 0]); // truncated: 23 announced, 21 present
        assert_eq!(messages(&bytes).collect::<Vec<_>>(), vec![(0, 19)]);
        // A length below the header stops the walk instead of looping.
        let mut bad = vec![0xff; 16];
        bad.extend([0, 0, 4]);
        assert_eq!(messages(&bad).count(), 0);
    }
}
