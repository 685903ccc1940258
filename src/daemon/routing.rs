//! The real hooks: one adj-rib-out and adj-rib-in per peer, driven as the
//! table of `crate::rib` says (ExaBGP's `reactor/peer.py`), and the process
//! API (`super::api_hook`) that reaches them through `self`.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use bytes::BytesMut;

use crate::bgp::iana::Family;
use crate::bgp::message::update::Update;
use crate::bgp::message::Message;
use crate::config::route::Route;
use crate::config::Neighbor;
use crate::reactor::{Output, PeerId, PeerOutput};
use crate::rib::{AdjRibIn, AdjRibOut, Change};

use super::hooks::Rib;
use super::state::State;

/// UPDATEs pulled per peer and turn (ExaBGP's `routes_per_iteration`).
const BUDGET: usize = 25;

/// The RIBs of one peer.
#[derive(Debug)]
pub struct PeerRib {
    pub out: AdjRibOut,
    pub inn: AdjRibIn,
    /// Messages pulled from `out` the connection refused (back-pressure):
    /// offered again first, so nothing is lost.
    held: Option<bytes::Bytes>,
    /// The configured routes of the previous definition, until the next
    /// session sends the difference (ExaBGP's `neighbor.previous`).
    previous: Option<Vec<Change>>,
    /// Rate-limited neighbors send one UPDATE per turn.
    budget: usize,
    /// The session is established (what is pending is being sent).
    up: bool,
    /// `announce operational` messages waiting for the session to come up.
    pub(super) operational: Vec<crate::bgp::message::Operational>,
    /// The last ASM per family, sent again on every new session (ExaBGP).
    pub(super) asm: Vec<crate::bgp::message::Operational>,
}

/// Configured routes from which building a peer's RIB first hands the
/// heap left free by the configuration load back to the system.
const TRIM_ROUTES: usize = 10_000;

/// Give the pages of freed heap memory back to the system: the parser's
/// buffers of a large configuration are freed by now, but the allocator
/// keeps their pages, and the adj-rib-out about to be built would stack
/// its own peak on top of them.
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The configured routes of `neighbor` as RIB changes.
pub fn config_changes(neighbor: &Neighbor) -> Vec<Change> {
    neighbor.routes.iter().map(route_change).collect()
}

/// One route as an announce.
pub fn route_change(route: &Route) -> Change {
    Change::announce(route.nlri.clone(), route.nexthop(), route.attributes.clone())
}

impl PeerRib {
    /// Empty RIBs for `neighbor`, its configured routes queued.
    pub fn new(neighbor: &Neighbor) -> PeerRib {
        if neighbor.routes.len() >= TRIM_ROUTES {
            release_free_heap();
        }
        let mut out = AdjRibOut::new(neighbor.adj_rib_out, neighbor.families.clone());
        out.set_group_updates(neighbor.group_updates);
        out.reserve(neighbor.routes.len());
        for route in neighbor.routes.iter() {
            out.add_to_rib_watchdog(route_change(route), route.watchdog(), route.withdraw());
        }
        PeerRib {
            out,
            inn: AdjRibIn::new(neighbor.adj_rib_in, neighbor.families.clone()),
            held: None,
            previous: None,
            budget: if neighbor.rate_limit > 0 { 1 } else { BUDGET },
            up: false,
            operational: Vec::new(),
            asm: Vec::new(),
        }
    }
}

/// The RIB side of the daemon.
#[derive(Debug, Default)]
pub struct Ribs {
    pub peers: BTreeMap<PeerId, PeerRib>,
    buf: BytesMut,
    /// What was queued this turn, per peer, when `report_sent` asks for it
    /// (helpers subscribed to sent messages).
    pub sent: Vec<(PeerId, bytes::Bytes)>,
    pub report_sent: bool,
}

impl Ribs {
    /// The RIBs of `peer`, made from its configuration on first use.
    pub fn of(&mut self, state: &State, peer: PeerId) -> Option<&mut PeerRib> {
        match self.peers.entry(peer) {
            std::collections::btree_map::Entry::Occupied(e) => Some(e.into_mut()),
            std::collections::btree_map::Entry::Vacant(e) => {
                let entry = state.peers.get(&peer)?;
                Some(e.insert(PeerRib::new(&entry.neighbor)))
            }
        }
    }

    /// Make sure every known peer has its RIBs (configured routes loaded).
    pub fn sync(&mut self, state: &State) {
        for id in state.peers.keys() {
            if !self.peers.contains_key(id) {
                if let Some(entry) = state.peers.get(id) {
                    self.peers.insert(*id, PeerRib::new(&entry.neighbor));
                }
            }
        }
    }

    /// Record a received UPDATE in the adj-rib-in, taking the UPDATE the
    /// helpers' events already decoded (`decoded`) when there is one, so a
    /// message is decoded once and its routes are moved, not copied.
    pub fn received(&mut self, state: &State, peer: PeerId, output: &Output, decoded: &mut OnceCell<Option<Update>>) {
        let Output::Peer { event: PeerOutput::Received(packet), .. } = output else { return };
        if !matches!(packet.message, Message::Update(_)) {
            return;
        }
        // Decoding costs: skip it when nothing is kept.
        if !state.peers.get(&peer).is_some_and(|p| p.neighbor.adj_rib_in) {
            return;
        }
        let Some(rib) = self.of(state, peer) else { return };
        if decoded.get().is_none() {
            let _ = super::events::decode_update(decoded, packet);
        }
        if let Some(Some(update)) = decoded.take() {
            rib.inn.update_owned(update);
        }
    }

    /// Push what waits to one peer; `true` when more is left.
    fn flush_peer(&mut self, state: &mut State, peer: PeerId) -> bool {
        let Some(entry) = state.peers.get(&peer) else { return false };
        if !entry.established {
            return false;
        }
        let Some(neg) = entry.negotiated.clone() else { return false };
        let Some(rib) = self.peers.get_mut(&peer) else { return false };
        if !rib.up {
            // Nothing goes out before the initial table was set up.
            return false;
        }
        if let Some(held) = rib.held.take() {
            if !state.reactor.queue_update(peer, held.clone()) {
                rib.held = Some(held);
                return true;
            }
        }
        if !rib.out.has_messages() {
            return false;
        }
        self.buf.clear();
        let count = rib.out.next_messages(&neg, rib.budget, &mut self.buf);
        log::debug!(target: "rib", "{} message(s) for the peer", count);
        if !self.buf.is_empty() {
            let bytes = self.buf.split().freeze();
            if self.report_sent {
                self.sent.push((peer, bytes.clone()));
            }
            if !state.reactor.queue_update(peer, bytes.clone()) {
                rib.held = Some(bytes);
            }
        }
        rib.held.is_some() || rib.out.has_messages()
    }
}

impl Rib for Ribs {
    fn established(&mut self, state: &mut State, peer: PeerId) {
        let Some(entry) = state.peers.get(&peer) else { return };
        let manual = entry.neighbor.manual_eor;
        let Some(rib) = self.of(state, peer) else { return };
        rib.inn.clear();
        rib.held = None;
        rib.up = true;
        rib.out.session_up(manual);
        let previous = rib.previous.take().unwrap_or_default();
        // Only a previous configuration needs the current one to diff with.
        let current = match previous.is_empty() {
            true => Vec::new(),
            false => state.peers.get(&peer).map(|e| config_changes(&e.neighbor)).unwrap_or_default(),
        };
        rib.out.replace_restart(&previous, &current);
        let waiting: Vec<_> = rib.asm.iter().cloned().chain(rib.operational.drain(..)).collect();
        for message in waiting {
            state.reactor.send_message(peer, &crate::bgp::message::Message::Operational(message));
        }
    }

    fn down(&mut self, _state: &mut State, peer: PeerId) {
        if let Some(rib) = self.peers.get_mut(&peer) {
            rib.out.reset();
            rib.inn.clear();
            rib.held = None;
            rib.up = false;
        }
    }

    fn refresh(&mut self, state: &mut State, peer: PeerId, family: Family, enhanced: bool) {
        if let Some(rib) = self.of(state, peer) {
            rib.out.resend(enhanced, Some(family));
        }
    }

    fn reconfigured(&mut self, state: &mut State, peer: PeerId, previous: &Neighbor) {
        let Some(entry) = state.peers.get(&peer) else { return };
        let neighbor = entry.neighbor.clone();
        let before = config_changes(previous);
        let after = config_changes(&neighbor);
        let established = entry.established;
        let Some(rib) = self.of(state, peer) else { return };
        if neighbor.families != previous.families {
            rib.out.set_families(neighbor.families.clone());
            rib.inn.set_families(neighbor.families.clone());
        }
        if established {
            rib.out.replace_reload(&before, &after);
        } else {
            // Queued now, the ones gone withdrawn once the next session is
            // up (ExaBGP's `previous`).
            for route in neighbor.routes.iter() {
                rib.out.add_to_rib_watchdog(route_change(route), route.watchdog(), route.withdraw());
            }
            rib.previous.get_or_insert(before);
        }
    }

    fn redefined(&mut self, state: &mut State, peer: PeerId, previous: &Neighbor) {
        let Some(neighbor) = state.peers.get(&peer).map(|p| p.neighbor.clone()) else { return };
        let Some(rib) = self.of(state, peer) else { return };
        // As ExaBGP's RIB kept by neighbor name: the new routes are queued
        // (unless already sent), those gone are withdrawn by the next
        // session's `replace_restart`.
        if neighbor.families != previous.families {
            rib.out.set_families(neighbor.families.clone());
            rib.inn.set_families(neighbor.families.clone());
        }
        rib.out.set_group_updates(neighbor.group_updates);
        rib.budget = if neighbor.rate_limit > 0 { 1 } else { BUDGET };
        for route in neighbor.routes.iter() {
            rib.out.add_to_rib_watchdog(route_change(route), route.watchdog(), route.withdraw());
        }
        rib.previous.get_or_insert_with(|| config_changes(previous));
    }

    fn removed(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
    }

    fn flush(&mut self, state: &mut State) -> bool {
        self.sync(state);
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        let mut busy = false;
        for id in ids {
            busy |= self.flush_peer(state, id);
        }
        busy
    }

    fn pending(&self) -> bool {
        self.peers.values().any(|r| r.up && r.out.pending())
    }
}

/// The RIBs and the API as one [`super::hooks::Hooks`]: API commands reach
/// the RIBs through `self`.
#[derive(Debug, Default)]
pub struct Routing {
    pub ribs: Ribs,
    pub commands: super::commands::Commands,
    pub events: super::events::Events,
    pub stats: super::stats::Stats,
}

impl Rib for Routing {
    fn established(&mut self, state: &mut State, peer: PeerId) {
        self.ribs.established(state, peer)
    }
    fn down(&mut self, state: &mut State, peer: PeerId) {
        self.ribs.down(state, peer)
    }
    fn refresh(&mut self, state: &mut State, peer: PeerId, family: Family, enhanced: bool) {
        self.ribs.refresh(state, peer, family, enhanced)
    }
    fn reconfigured(&mut self, state: &mut State, peer: PeerId, previous: &Neighbor) {
        self.events.forget(peer);
        self.ribs.reconfigured(state, peer, previous)
    }
    fn redefined(&mut self, state: &mut State, peer: PeerId, previous: &Neighbor) {
        self.events.forget(peer);
        self.ribs.redefined(state, peer, previous)
    }
    fn removed(&mut self, peer: PeerId) {
        self.events.forget(peer);
        self.stats.forget(peer);
        self.ribs.removed(peer)
    }
    fn flush(&mut self, state: &mut State) -> bool {
        self.commands.pump(state);
        let report = self.events.reports_sent(state);
        self.ribs.report_sent = true;
        let busy = self.ribs.flush(state);
        for (peer, bytes) in std::mem::take(&mut self.ribs.sent) {
            self.stats.record_sent(peer, &bytes);
            if report {
                self.events.sent(state, peer, &bytes);
            }
        }
        busy
    }
    fn wake_at(&self) -> Option<std::time::Instant> {
        self.commands.next_due()
    }
    fn pending(&self) -> bool {
        self.ribs.pending()
    }
}

impl super::hooks::Api for Routing {
    fn event(&mut self, state: &mut State, output: &Output) {
        // A received UPDATE is decoded at most once, by whichever of the
        // helpers' events and the adj-rib-in needs it first; the events go
        // first so the adj-rib-in can then take the decoded routes.
        let mut decoded = OnceCell::new();
        self.stats.record(output);
        if let Output::ProcessExited { process, .. } = output {
            // A restarted helper starts with the default ack setting.
            self.commands.forget(*process);
        }
        self.events.event_decoded(state, output, &decoded);
        if let Output::Peer { peer, .. } = output {
            self.ribs.received(state, *peer, output, &mut decoded);
        }
    }
    fn command(&mut self, state: &mut State, process: crate::reactor::ProcessId, line: &str) {
        self.commands.handle(&mut self.ribs, &mut self.stats, state, process, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_routes_are_queued() {
        let text = "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; \
                    static { route 10.0.0.0/24 next-hop 1.1.1.1; route 10.0.1.0/24 next-hop self; } }";
        let conf = crate::config::load_str("t", text, &crate::config::LoadOptions::default()).unwrap();
        let n = &conf.neighbors[0];
        let mut rib = PeerRib::new(n);
        assert_eq!(rib.out.queued_changes().count(), 2);
        assert_eq!(config_changes(n).len(), 2);
    }
}
