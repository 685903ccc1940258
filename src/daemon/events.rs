//! Peer events written to the helpers that subscribed to them (api.md §4):
//! subscriptions from the neighbor's `api` blocks, one JSON counter per
//! neighbor shared by its helpers, the process's encoder for each line.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;

use crate::api::delivery::Subscriptions;
use crate::api::envelope::{self, Direction, NeighborId, Writer};
use crate::api::event::{self, Context, Encoding, Event, Raw};
use crate::bgp::message::update::Update;
use crate::bgp::message::Message;
use crate::config::Encoder;
use crate::reactor::fsm::Report;
use crate::reactor::{Output, Packet, PeerId, PeerOutput, ProcessId};

use super::state::State;

/// What each peer's helpers hear.
#[derive(Debug)]
pub struct Events {
    subscriptions: HashMap<PeerId, Rc<Subscriptions>>,
    counters: HashMap<PeerId, u64>,
    writer: Rc<Writer>,
    out: String,
}

impl Default for Events {
    fn default() -> Events {
        Events {
            subscriptions: HashMap::new(),
            counters: HashMap::new(),
            writer: Rc::new(Writer::current()),
            out: String::new(),
        }
    }
}

impl Events {
    /// The neighbor's `api` blocks changed (reload) or it left.
    pub fn forget(&mut self, peer: PeerId) {
        self.subscriptions.remove(&peer);
    }

    /// Whether any peer has helpers for sent messages (UPDATEs the RIB
    /// queues are reported by the daemon, not the reactor).
    pub fn reports_sent(&mut self, state: &State) -> bool {
        state.peers.values().any(|p| {
            !p.neighbor.api.is_empty()
                && !self
                    .subscriptions
                    .entry(p.id)
                    .or_insert_with(|| Rc::new(Subscriptions::from_blocks(p.neighbor.api.iter())))
                    .lists(Direction::Send)
                    .for_type(2)
                    .is_empty()
        })
    }

    /// Messages the RIB queued for `peer` (whole messages, one after the
    /// other), reported as `send` events.
    pub fn sent(&mut self, state: &mut State, peer: PeerId, bytes: &bytes::Bytes) {
        let Some(entry) = state.peers.get(&peer) else { return };
        let Some(negotiated) = entry.negotiated.clone() else { return };
        for (start, end) in super::stats::messages(bytes) {
            let Some(&kind) = bytes.get(start + 18) else { continue };
            let body = bytes.slice(start + 19..end);
            if let Ok(message) = Message::unpack(crate::bgp::iana::MessageType(kind), body.clone(), &negotiated) {
                let packet = Packet {
                    message,
                    header: bytes.slice(start..start + 19),
                    body,
                    negotiated: Some(negotiated.clone()),
                };
                let output = Output::Peer { peer, event: PeerOutput::Sent(packet) };
                self.event(state, &output);
            }
        }
    }

    pub fn event(&mut self, state: &mut State, output: &Output) {
        self.event_decoded(state, output, &OnceCell::new())
    }

    /// As `event`; a received or sent UPDATE is decoded into `decoded` (at
    /// most once: the caller may have filled it, or use it after).
    pub fn event_decoded(&mut self, state: &mut State, output: &Output, decoded: &OnceCell<Option<Update>>) {
        if let Output::Signal(received) = output {
            self.signal(state, received.number);
            return;
        }
        let Output::Peer { peer, event } = output else { return };
        let peer = *peer;
        let Some(entry) = state.peers.get(&peer) else { return };
        if entry.neighbor.api.is_empty() {
            return;
        }
        let subs = self
            .subscriptions
            .entry(peer)
            .or_insert_with(|| Rc::new(Subscriptions::from_blocks(entry.neighbor.api.iter())))
            .clone();
        let neighbor = neighbor_id(state, peer);
        let ctx_time = envelope::now();
        let compact = state.env.api.compact;
        let writer = self.writer.clone();
        let ctx = Context { writer: &*writer, time: ctx_time, compact };
        match event {
            PeerOutput::Connected { .. } => {
                self.send(state, peer, &subs.neighbor_changes, &ctx, &neighbor, &Event::Connected)
            }
            PeerOutput::Report(Report::Up { .. }) => {
                self.send(state, peer, &subs.neighbor_changes, &ctx, &neighbor, &Event::Up)
            }
            PeerOutput::Report(Report::Down(reason)) => {
                let reason = reason.to_string();
                self.send(state, peer, &subs.neighbor_changes, &ctx, &neighbor, &Event::Down { reason: &reason })
            }
            PeerOutput::Report(Report::Fsm(s)) => {
                self.send(state, peer, &subs.fsm, &ctx, &neighbor, &Event::Fsm { state: s.name() })
            }
            PeerOutput::Negotiated(n) => {
                self.send(state, peer, &subs.negotiated, &ctx, &neighbor, &Event::Negotiated(n))
            }
            PeerOutput::Received(packet) => {
                self.message(state, peer, &subs, &ctx, &neighbor, Direction::Receive, packet, decoded)
            }
            PeerOutput::Sent(packet) => {
                self.message(state, peer, &subs, &ctx, &neighbor, Direction::Send, packet, decoded)
            }
            _ => {}
        }
    }

    /// A message in `direction`, in the forms the subscriptions ask for.
    #[allow(clippy::too_many_arguments)]
    fn message(
        &mut self,
        state: &mut State,
        peer: PeerId,
        subs: &Subscriptions,
        ctx: &Context<'_>,
        neighbor: &NeighborId,
        direction: Direction,
        packet: &Packet,
        decoded: &OnceCell<Option<Update>>,
    ) {
        let category = packet.message.kind().0;
        let plan = subs.plan(direction, category);
        if !plan.packets && plan.decoded.is_none() {
            return;
        }
        let list = subs.lists(direction).for_type(category);
        let negotiated = if plan.negotiated { packet.negotiated.as_deref() } else { None };
        let raw = Raw { header: &packet.header, body: &packet.body };
        if plan.packets {
            let e = Event::Packets { direction, category, negotiated, raw };
            self.send(state, peer, list, ctx, neighbor, &e);
        }
        let Some(with_raw) = plan.decoded else { return };
        let raw = with_raw.then_some(raw);
        let decoded = match &packet.message {
            Message::Open(o) => event::Message::Open(o),
            Message::Update(_) => match decode_update(decoded, packet) {
                Some(update) => event::Message::Update(update),
                None => return,
            },
            Message::Notification(n) => event::Message::Notification(n),
            Message::KeepAlive => event::Message::KeepAlive,
            Message::RouteRefresh(r) => event::Message::Refresh(r),
            Message::Operational(o) => event::Message::Operational(o),
            Message::Unknown { .. } => return,
        };
        let e = Event::Message { direction, message: decoded, negotiated, raw };
        self.send(state, peer, list, ctx, neighbor, &e);
    }

    /// Render `event` for each named process and write it.
    fn send(
        &mut self,
        state: &mut State,
        peer: PeerId,
        names: &[String],
        ctx: &Context<'_>,
        neighbor: &NeighborId,
        event: &Event<'_>,
    ) {
        for name in names {
            let Some(helper) = state.helper_named(name) else { continue };
            let id: ProcessId = helper.id;
            let encoding = match helper.process.encoder {
                Encoder::Json => Encoding::Json,
                Encoder::Text => Encoding::Text,
            };
            let counter = self.counters.entry(peer).or_insert(0);
            self.out.clear();
            if !event::encode(encoding, ctx, neighbor, counter, event, &mut self.out) {
                continue;
            }
            let line = self.out.strip_suffix('\n').unwrap_or(&self.out);
            state.reactor.write_process(id, line);
        }
    }
}

impl Events {
    /// A signal the daemon received, to every peer's `signal` helpers.
    fn signal(&mut self, state: &mut State, number: i32) {
        let name = crate::reactor::signal::name_of(number);
        let ids: Vec<PeerId> = state.peers.keys().copied().collect();
        let writer = self.writer.clone();
        let ctx = Context { writer: &*writer, time: envelope::now(), compact: state.env.api.compact };
        for peer in ids {
            let Some(entry) = state.peers.get(&peer) else { continue };
            if entry.neighbor.api.is_empty() {
                continue;
            }
            let subs = self
                .subscriptions
                .entry(peer)
                .or_insert_with(|| Rc::new(Subscriptions::from_blocks(entry.neighbor.api.iter())))
                .clone();
            if subs.signal.is_empty() {
                continue;
            }
            let neighbor = neighbor_id(state, peer);
            self.send(state, peer, &subs.signal, &ctx, &neighbor, &Event::Signal { code: number, name });
        }
    }
}

/// The UPDATE of `packet`, decoded on first use into `cell` (`None` there:
/// it did not decode, or there is nothing to decode it with).
pub fn decode_update<'a>(cell: &'a OnceCell<Option<Update>>, packet: &Packet) -> Option<&'a Update> {
    cell.get_or_init(|| {
        let Message::Update(body) = &packet.message else { return None };
        let neg = packet.negotiated.as_deref()?;
        match Update::unpack(body, neg) {
            Ok(u) => Some(u),
            Err(e) => {
                log::debug!(target: "processes", "not reporting an UPDATE that does not decode: {}", e);
                None
            }
        }
    })
    .as_ref()
}

/// The neighbor as the envelope shows it.
fn neighbor_id(state: &State, peer: PeerId) -> NeighborId {
    let unspecified = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let Some(entry) = state.peers.get(&peer) else {
        return NeighborId { local_address: unspecified, peer_address: unspecified, local_as: 0, peer_as: 0 };
    };
    let n = &entry.neighbor;
    let negotiated = entry.negotiated.as_deref();
    NeighborId {
        local_address: n.local_address.unwrap_or(unspecified),
        peer_address: n.peer_address,
        local_as: n.local_as.or(negotiated.map(|x| x.local_as)).unwrap_or(0),
        peer_as: n.peer_as.or(negotiated.map(|x| x.peer_as)).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::{Environment, Locations};

    #[test]
    fn unknown_peers_and_no_subscriptions_write_nothing() {
        let reactor = crate::reactor::Reactor::new().unwrap();
        let mut state = State::new(reactor, Environment::defaults(Locations::new("/")));
        let mut events = Events::default();
        let peer = PeerId(mio::Token(7));
        let connected = Output::Peer {
            peer,
            event: PeerOutput::Connected {
                direction: crate::reactor::connection::Direction::Outgoing,
                local: None,
                remote: "127.0.0.1:179".parse().unwrap(),
            },
        };
        events.event(&mut state, &connected);
        assert!(!events.reports_sent(&state));
        let id = neighbor_id(&state, peer);
        assert_eq!((id.local_as, id.peer_as), (0, 0));
    }
}
