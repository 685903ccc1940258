//! Where the RIB (adj-rib-out) and the API (event encoders, command
//! parser) plug into the daemon. The daemon owns the reactor and the tables
//! of peers and helpers ([`State`]); a hook gets `&mut State` and acts
//! through `state.reactor` (`queue_update`, `send_message`, `stop_peer`,
//! `write_process`…) or asks the daemon for whole-daemon actions through
//! [`State::request`].
//!
//! `Daemon::with_hooks(configs, env, hooks)` takes one value implementing
//! both [`Rib`] and [`Api`] (so the API's `announce`/`withdraw` reach the
//! RIB through `self`): `super::routing::Routing`. `Pair { rib: EndOfRib,
//! api: LogCommands }` is a minimal stand-in kept for tests.

use crate::bgp::iana::Family;
use crate::bgp::message::Message;
use crate::config::{Encoder, Neighbor};
use crate::reactor::{Output, PeerId, ProcessId};

use super::state::{Helper, State};

/// The outgoing RIB, as the daemon drives it.
pub trait Rib {
    /// `peer` reached Established (after the API saw `up`): queue its
    /// initial table, then, unless the neighbor has `manual-eor`, an
    /// End-of-RIB for every negotiated family (a KEEPALIVE when none was
    /// negotiated), as ExaBGP's first pass of its main loop does.
    fn established(&mut self, state: &mut State, peer: PeerId);

    /// The session of `peer` went down (it may come back).
    fn down(&mut self, _state: &mut State, _peer: PeerId) {}

    /// The peer sent a ROUTE-REFRESH: send `family` again (between BoRR and
    /// EoRR when `enhanced`, RFC 7313).
    fn refresh(&mut self, _state: &mut State, _peer: PeerId, _family: Family, _enhanced: bool) {}

    /// A reload kept the session of `peer` (same definition): its routes may
    /// have changed; `previous` is the definition it replaces, the new one is
    /// `state.peers[&peer].neighbor`.
    fn reconfigured(&mut self, _state: &mut State, _peer: PeerId, _previous: &Neighbor) {}

    /// A reload changed the definition of `peer` so that its session is
    /// re-established (the new definition is in `state.peers`).
    fn redefined(&mut self, _state: &mut State, _peer: PeerId, _previous: &Neighbor) {}

    /// `peer` left the daemon for good (removed by a reload, or finished).
    fn removed(&mut self, _peer: PeerId) {}

    /// Called before every turn: push what waits, as far as the peers take
    /// it (`Reactor::queue_update` says when to stop). `true` when work is
    /// left, so the next poll must not sleep.
    fn flush(&mut self, _state: &mut State) -> bool {
        false
    }

    /// Something is due at this time (paced replies): the next poll must
    /// not sleep past it.
    fn wake_at(&self) -> Option<std::time::Instant> {
        None
    }

    /// Changes of the last reload are still being sent: ExaBGP defers the
    /// next SIGUSR1/SIGUSR2 until they are out.
    fn pending(&self) -> bool {
        false
    }
}

/// The process API, as the daemon drives it.
pub trait Api {
    /// Every reactor output, after the daemon's bookkeeping (a peer's `up`
    /// comes before the RIB is asked for its table; `Finished` before the
    /// peer leaves `state.peers`). Events for helpers are written with
    /// `state.reactor.write_process` to the helpers of
    /// `state.peers[&peer].helpers`.
    fn event(&mut self, _state: &mut State, _output: &Output) {}

    /// A line a helper wrote (not `debug …` lines, the reactor logs those).
    /// Whole-daemon commands (`shutdown`, `reload`, `restart`) go through
    /// `state.request`.
    fn command(&mut self, state: &mut State, process: ProcessId, line: &str);

    /// The line every helper gets when the daemon shuts down.
    fn shutdown_line(&self, helper: &Helper) -> String {
        shutdown_line(helper.process.encoder)
    }
}

/// What the daemon drives: the RIB and the API, as one value.
pub trait Hooks: Rib + Api {}

impl<T: Rib + Api> Hooks for T {}

/// An independent RIB and API as one [`Hooks`].
#[derive(Debug, Default)]
pub struct Pair<R, A> {
    pub rib: R,
    pub api: A,
}

impl<R: Rib, A> Rib for Pair<R, A> {
    fn established(&mut self, state: &mut State, peer: PeerId) {
        self.rib.established(state, peer)
    }
    fn down(&mut self, state: &mut State, peer: PeerId) {
        self.rib.down(state, peer)
    }
    fn refresh(&mut self, state: &mut State, peer: PeerId, family: Family, enhanced: bool) {
        self.rib.refresh(state, peer, family, enhanced)
    }
    fn reconfigured(&mut self, state: &mut State, peer: PeerId, previous: &Neighbor) {
        self.rib.reconfigured(state, peer, previous)
    }
    fn redefined(&mut self, state: &mut State, peer: PeerId, previous: &Neighbor) {
        self.rib.redefined(state, peer, previous)
    }
    fn removed(&mut self, peer: PeerId) {
        self.rib.removed(peer)
    }
    fn flush(&mut self, state: &mut State) -> bool {
        self.rib.flush(state)
    }
    fn wake_at(&self) -> Option<std::time::Instant> {
        self.rib.wake_at()
    }
    fn pending(&self) -> bool {
        self.rib.pending()
    }
}

impl<R, A: Api> Api for Pair<R, A> {
    fn event(&mut self, state: &mut State, output: &Output) {
        self.api.event(state, output)
    }
    fn command(&mut self, state: &mut State, process: ProcessId, line: &str) {
        self.api.command(state, process, line)
    }
    fn shutdown_line(&self, helper: &Helper) -> String {
        self.api.shutdown_line(helper)
    }
}

/// ExaBGP's `shutdown` notification for a helper: text `shutdown <pid>
/// <ppid>`, JSON a `notification` event.
pub fn shutdown_line(encoder: Encoder) -> String {
    use crate::api::envelope;
    let writer = envelope::Writer::current();
    match encoder {
        Encoder::Text => format!("shutdown {} {}", writer.pid, writer.ppid),
        Encoder::Json => {
            let mut out = String::new();
            writer.begin(&mut out, envelope::now(), None, "notification", None);
            out.push_str("\"notification\": \"shutdown\"");
            envelope::end(&mut out);
            out
        }
    }
}

/// A RIB stand-in: no routes, only the End-of-RIB markers ExaBGP sends
/// when it has nothing to announce.
#[derive(Debug, Default)]
pub struct EndOfRib;

impl Rib for EndOfRib {
    fn established(&mut self, state: &mut State, peer: PeerId) {
        let manual = state
            .peers
            .get(&peer)
            .is_some_and(|p| p.neighbor.manual_eor);
        if !manual {
            send_eors(state, peer);
        }
    }
}

/// End-of-RIB for every negotiated family, in the negotiated order; a
/// KEEPALIVE when no family was negotiated (ExaBGP's `new_eors`).
pub fn send_eors(state: &mut State, peer: PeerId) {
    let families: Vec<Family> = match state.reactor.peer(peer).and_then(|p| p.negotiated()) {
        Some(n) => n.families.clone(),
        None => return,
    };
    if families.is_empty() {
        state.reactor.send_message(peer, &Message::KeepAlive);
        return;
    }
    for family in families {
        let mut out = bytes::BytesMut::new();
        crate::bgp::message::update::pack_eor(family, &mut out);
        if !state.reactor.queue_update(peer, out.freeze()) {
            log::debug!(target: "reactor", "could not queue the EOR of {} {}", family.afi, family.safi);
        }
    }
}

/// An API stand-in: helper lines are logged at debug level and get no
/// answer; no event is written.
#[derive(Debug, Default)]
pub struct LogCommands;

impl Api for LogCommands {
    fn command(&mut self, state: &mut State, process: ProcessId, line: &str) {
        let name = state
            .helper(process)
            .map(|h| h.process.name.as_str())
            .unwrap_or("?");
        log::debug!(target: "processes", "command from process {}: {}", name, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shutdown_names_pids() {
        let line = shutdown_line(Encoder::Text);
        assert!(
            line.starts_with(&format!("shutdown {} ", std::process::id())),
            "{line}"
        );
    }

    #[test]
    fn json_shutdown_is_a_notification_event() {
        let line = shutdown_line(Encoder::Json);
        assert!(
            line.starts_with("{ \"exabgp\": \"5.0.0\", \"time\": "),
            "{line}"
        );
        assert!(
            line.ends_with("\"type\": \"notification\", \"notification\": \"shutdown\" }"),
            "{line}"
        );
    }
}
