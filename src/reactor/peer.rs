//! A peer: its settings, its FSM and its (at most one) connection; the
//! boundary between the sans-IO FSM and the wire codec.
//!
//! Codec boundary: frames come from `bgp::framing::split` (header errors are
//! the framing's `Notify`), bodies are decoded by `Message::unpack` (its
//! `Notify` goes out as the NOTIFICATION, as ExaBGP does), and the peer's OPEN
//! is checked against ours by `capability::negotiate`, whose `Negotiated` is
//! kept for the session (`Peer::negotiated`) and sets the frame size limit
//! (RFC 8654). The FSM's `OutMessage`s become an OPEN with the capabilities of
//! `PeerSettings::capabilities` (4-octet ASN in the capability, AS_TRANS in
//! My AS, RFC 6793 §4.1), KEEPALIVEs and NOTIFICATIONs.
//!
//! Lifecycle: created Idle by `Reactor::add_peer`, which feeds ManualStart.
//! The FSM asks for a connection (`Action::Connect`); completion, bytes and
//! EOF come back through `run`; accepted connections are offered through
//! `offer`, which applies the collision rules. When the FSM closes a
//! connection that still has a NOTIFICATION to write, the connection
//! *lingers* (flushed, UPDATEs dropped) for at most `LINGER` before it is
//! dropped. A peer that finished (stopped, or out of attempts) is removed by
//! the reactor at the end of the turn.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mio::{Interest, Registry, Token};

use crate::bgp::capability::{negotiate, Expect, LocalCapabilities};
use crate::bgp::framing::{Frame, HEADER_LEN};
use crate::bgp::iana::Family;
use crate::bgp::message::{pack_notify, undecodable, Message, Notification, Open};
use crate::bgp::message::refresh::QUERY;
use crate::bgp::negotiated::{Negotiated, Refresh};
use crate::bgp::notify::Notify;

use super::connection::{ConnectOptions, Connection, Direction, Priority};
use super::fsm::{Action, Collision, Event, Fsm, FsmConfig, OutMessage, Received, Report, State};
use super::fsm::{DEFAULT_CONNECT_RETRY, DEFAULT_OPEN_WAIT};
use super::timer::{TimerKind, Timers};

/// Frames handled per turn before other sources get theirs.
pub const FRAME_BUDGET: usize = 64;
/// Hold timer extension while unread input is waiting.
pub const HOLD_GRACE: Duration = Duration::from_secs(1);
/// How long a closing connection may take to flush its NOTIFICATION.
pub const LINGER: Duration = Duration::from_secs(1);

/// What the session layer needs from a `neighbor` section. STAGE TWO: built
/// from the configuration's `Neighbor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSettings {
    pub peer_address: IpAddr,
    /// ExaBGP `local-address` / `md5-ip`: bind outgoing connects to it and
    /// require incoming ones to reach it. `None`: any (auto).
    pub local_address: Option<IpAddr>,
    /// TCP port we connect to (`connect`, else `exabgp.tcp.port`, else 179).
    pub peer_port: u16,
    /// `listen <port>`: the reactor owner opens the listener.
    pub listen_port: Option<u16>,
    /// `None` mirrors the peer's ASN.
    pub local_as: Option<u32>,
    pub peer_as: Option<u32>,
    /// `None`: the local address of the connection, when it is IPv4.
    pub router_id: Option<Ipv4Addr>,
    pub hold_time: u16,
    pub passive: bool,
    /// TCP MD5 key, already decoded (`md5-password`, `md5-base64`).
    pub md5: Option<Vec<u8>>,
    pub outgoing_ttl: Option<u8>,
    pub incoming_ttl: Option<u8>,
    /// `tcp.attempts` (0 = unlimited).
    pub attempts: u32,
    /// `bgp.openwait`.
    pub open_wait: Duration,
    pub connect_retry: Duration,
    /// What the OPEN announces: families, add-path, graceful restart,
    /// route-refresh, asn4, multi-session, extended message, hostname and
    /// domain, software version, operational, extended next-hop. Its
    /// `local_as` is not read: the OPEN's ASN (configured, or mirrored from
    /// the peer) goes in the 4-octet AS capability. Nor is `restarted`: like
    /// ExaBGP (`FORCE_GRACEFUL`) every session sets the graceful-restart R bit.
    pub capabilities: LocalCapabilities,
    /// `capability { aigp … }`: not announced, only kept in `Negotiated`.
    pub aigp: bool,
    /// RFC 9687 SendHoldTime (environment `bgp.send_hold_time`); `None`:
    /// the RFC's default, the greater of 8 minutes and twice the Hold Time.
    pub send_hold: Option<Duration>,
}

/// What the peer wants from the reactor after a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Work is left (budget ran out): run again next turn without waiting.
    Again,
    /// Nothing to do until the next event or timer.
    Idle,
    /// Finished: remove the peer.
    Close,
}

/// A message that crossed the wire, for the API: decoded, raw, and what the
/// session had agreed when it crossed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// STAGE TWO: `Message::Update` is the raw body until the typed UPDATE lands.
    pub message: Message,
    /// The 19 header bytes (the API's `header`).
    pub header: Bytes,
    /// The bytes after the header (the API's `body`).
    pub body: Bytes,
    /// `None` until both OPENs are known (so for the OPENs themselves, unless
    /// the peer's OPEN completed the negotiation). Shared: cloning is cheap.
    pub negotiated: Option<Rc<Negotiated>>,
}

/// A peer's notifications to the reactor owner, in the order they happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerOutput {
    /// ExaBGP's `fsm`, `up` and `down` API messages.
    Report(Report),
    /// A TCP connection is up (ExaBGP's `state: connected`); it comes before
    /// the `fsm` reports of the session it starts.
    Connected {
        direction: Direction,
        local: Option<SocketAddr>,
        remote: SocketAddr,
    },
    /// A message was received and decoded (before the FSM acted on it).
    Received(Packet),
    /// The peer's OPEN was accepted: ExaBGP's `negotiated` API message, in
    /// its place (after the OPENs, before `OPENCONFIRM`).
    Negotiated(Rc<Negotiated>),
    /// A message this layer sent: OPEN, KEEPALIVE, NOTIFICATION and what
    /// `send_message` queued; not the UPDATEs of `queue_update` (their
    /// producer knows them).
    Sent(Packet),
    /// The peer sent a ROUTE-REFRESH in Established: send it `family` again,
    /// between BoRR and EoRR when `enhanced` (RFC 7313; ExaBGP `resend`).
    Refresh { family: Family, enhanced: bool },
    Finished,
}

/// What `run` and friends need from the reactor.
pub struct Ctx<'a> {
    pub registry: &'a Registry,
    pub timers: &'a mut Timers,
    pub outputs: &'a mut Vec<PeerOutput>,
    pub token: Token,
}

#[derive(Debug)]
pub struct Peer {
    settings: PeerSettings,
    fsm: Fsm,
    conn: Option<Connection>,
    /// (connection, what it is registered for).
    interest: Option<Interest>,
    lingering: Option<(Connection, Instant)>,
    /// The OPEN we sent on the current connection.
    sent_open: Option<Open>,
    /// What the current session agreed (both OPENs known and accepted).
    negotiated: Option<Rc<Negotiated>>,
    actions: Vec<Action>,
    /// The last read stopped on the budget, not on WouldBlock.
    read_more: bool,
    /// Nothing was waiting to be written after the last flush (RFC 9687:
    /// output that starts waiting starts the SendHoldTimer afresh).
    tx_idle: bool,
    finished: bool,
}

// ===== impl PeerSettings =====

impl PeerSettings {
    /// ExaBGP's defaults for a neighbor at `peer_address`.
    pub fn new(peer_address: IpAddr) -> PeerSettings {
        PeerSettings {
            peer_address,
            local_address: None,
            peer_port: 179,
            listen_port: None,
            local_as: None,
            peer_as: None,
            router_id: None,
            hold_time: 180,
            passive: false,
            md5: None,
            outgoing_ttl: None,
            incoming_ttl: None,
            attempts: 0,
            open_wait: DEFAULT_OPEN_WAIT,
            connect_retry: DEFAULT_CONNECT_RETRY,
            // ExaBGP: ipv4 unicast when no family is configured, asn4 on.
            capabilities: LocalCapabilities {
                families: vec![Family::IPV4_UNICAST],
                asn4: true,
                ..LocalCapabilities::default()
            },
            aigp: false,
            send_hold: None,
        }
    }

    pub fn fsm_config(&self) -> FsmConfig {
        FsmConfig {
            local_as: self.local_as,
            router_id: self.router_id.unwrap_or(Ipv4Addr::UNSPECIFIED),
            hold_time: self.hold_time,
            passive: self.passive,
            open_wait: self.open_wait,
            connect_retry: self.connect_retry,
            attempts: self.attempts,
            send_hold: self.send_hold,
        }
    }

    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions { local: self.local_address, md5: self.md5.clone(), ttl: self.outgoing_ttl }
    }

    /// `peer <address>`, ExaBGP's log source for a peer.
    pub fn label(&self) -> String {
        format!("peer {}", self.peer_address)
    }
}

// ===== impl Peer =====

impl Peer {
    pub fn new(settings: PeerSettings) -> Peer {
        let fsm = Fsm::new(settings.fsm_config(), settings.label());
        Peer {
            settings,
            fsm,
            conn: None,
            interest: None,
            lingering: None,
            sent_open: None,
            negotiated: None,
            actions: Vec::new(),
            read_more: false,
            tx_idle: true,
            finished: false,
        }
    }

    pub fn settings(&self) -> &PeerSettings {
        &self.settings
    }

    /// New settings (a configuration reload); they apply from the next
    /// session, the current one is left alone.
    pub fn set_settings(&mut self, settings: PeerSettings) {
        self.fsm.set_config(settings.fsm_config());
        self.settings = settings;
    }

    pub fn fsm(&self) -> &Fsm {
        &self.fsm
    }

    pub fn state(&self) -> State {
        self.fsm.state()
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// What the current session agreed; `None` before the peer's OPEN was
    /// accepted and after the session ended.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_deref()
    }

    /// The OPEN we sent on the current connection.
    pub fn sent_open(&self) -> Option<&Open> {
        self.sent_open.as_ref()
    }

    /// Feeds one event and carries out what the FSM asks.
    pub fn handle(&mut self, now: Instant, event: Event, ctx: &mut Ctx<'_>) {
        self.fsm.handle(now, event, &mut self.actions);
        self.execute(now, ctx);
    }

    /// ManualStop (ExaBGP `teardown`/`stop`).
    pub fn stop(&mut self, now: Instant, cease: Option<Notify>, restart: bool, ctx: &mut Ctx<'_>) {
        self.handle(now, Event::ManualStop { cease, restart }, ctx);
    }

    /// Queues an encoded UPDATE (header included; any message the codec
    /// built). `false` when there is no session or the queue is full
    /// (back-pressure).
    pub fn queue_update(&mut self, message: Bytes) -> bool {
        if self.fsm.state() != State::Established {
            return false;
        }
        match &mut self.conn {
            Some(conn) => conn.queue(message, Priority::Bulk),
            None => false,
        }
    }

    /// Sends a message from the API: ROUTE-REFRESH and OPERATIONAL go in
    /// line with the queued UPDATEs (never refused for back-pressure); a
    /// NOTIFICATION ends the session and restarts it, like ExaBGP's
    /// `teardown` (RFC 4271 §6: the connection closes after it). `false`
    /// when there is no established session, for an OPEN, or when the
    /// message is longer than the session allows.
    pub fn send_message(&mut self, now: Instant, message: &Message, ctx: &mut Ctx<'_>) -> bool {
        if self.fsm.state() != State::Established {
            return false;
        }
        let priority = match message {
            Message::Open(_) => return false,
            Message::Notification(n) => {
                let notify = Notify { code: n.code, subcode: n.subcode, data: n.raw.clone() };
                self.stop(now, Some(notify), true, ctx);
                return true;
            }
            Message::KeepAlive => Priority::Urgent,
            _ => Priority::Ordered,
        };
        let Some(negotiated) = self.negotiated.clone() else { return false };
        let mut buf = BytesMut::new();
        if let Err(e) = message.pack(&negotiated, &mut buf) {
            log::error!(target: &self.settings.label(), "not sending {}: {}", message.kind().0, e);
            return false;
        }
        let Some(conn) = self.conn.as_mut() else { return false };
        let bytes = buf.freeze();
        conn.queue(bytes.clone(), priority);
        ctx.outputs.push(PeerOutput::Sent(packet(message.clone(), bytes, Some(negotiated))));
        true
    }

    /// Room for more UPDATEs.
    pub fn can_queue_update(&self) -> bool {
        self.fsm.state() == State::Established
            && self.conn.as_ref().is_some_and(|c| c.can_queue_bulk())
    }

    /// An accepted connection for this peer. Refused ones get the
    /// NOTIFICATION of the collision rules and are closed here.
    pub fn offer(&mut self, now: Instant, conn: Connection, ctx: &mut Ctx<'_>) {
        match self.fsm.collision() {
            Collision::Reject(notify) => {
                log::debug!(
                    target: "network",
                    "refused connection from {} due to the state machine",
                    conn.peer_addr()
                );
                let mut conn = conn;
                let mut buf = BytesMut::new();
                pack_notify(&notify, &mut buf);
                conn.queue(buf.freeze(), Priority::Urgent);
                let _ = conn.flush();
                conn.shutdown();
            }
            Collision::Accept => {
                if self.conn.is_some() {
                    self.handle(now, Event::OpenCollisionDump, ctx);
                }
                if self.install(conn, ctx).is_ok() {
                    self.confirmed(now, ctx);
                }
            }
        }
    }

    /// One turn: connect completion, reads, frames, FSM. `readable`: the
    /// poll reported input (or EOF/error) since the last run.
    pub fn run(&mut self, now: Instant, readable: bool, ctx: &mut Ctx<'_>) -> Step {
        self.flush_lingering(now, ctx);
        let connecting = self.conn.as_ref().is_some_and(|c| !c.connected());
        if connecting {
            let checked = match self.conn.as_mut() {
                Some(conn) => conn.check_connect(),
                None => Ok(false),
            };
            match checked {
                Ok(true) => self.confirmed(now, ctx),
                Ok(false) => return self.step(),
                Err(e) => {
                    log::debug!(target: "network", "connection to {} failed: {}", self.remote(), e);
                    self.handle(now, Event::TcpConnectionFails, ctx);
                    return self.step();
                }
            }
        }
        let mut lost = false;
        let read = readable || self.read_more;
        if let Some(conn) = self.conn.as_mut().filter(|_| read) {
            match conn.read() {
                Ok(outcome) => {
                    self.read_more = outcome.more;
                    lost = outcome.eof;
                }
                Err(e) => {
                    log::debug!(target: "network", "{} lost TCP session: {}", conn.peer_addr(), e);
                    self.read_more = false;
                    lost = true;
                }
            }
        }
        let mut budget = FRAME_BUDGET;
        while budget > 0 {
            let Some(conn) = self.conn.as_mut() else { break };
            let frame = match conn.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(notify) => {
                    self.handle(now, Event::MessageError(notify), ctx);
                    break;
                }
            };
            budget -= 1;
            self.on_frame(now, frame, ctx);
        }
        if lost && self.conn.is_some() {
            // What was read before EOF has been handled above.
            let left = self.conn.as_ref().map_or(0, |c| c.rx_pending());
            if budget > 0 || left == 0 {
                self.handle(now, Event::TcpConnectionFails, ctx);
            } else {
                self.read_more = true;
            }
        }
        if budget == 0 {
            self.read_more = true;
        }
        self.step()
    }

    /// What the peer wants now (also after timers and flushes).
    pub fn step(&self) -> Step {
        if self.finished && self.lingering.is_none() {
            Step::Close
        } else if self.read_more && self.conn.is_some() {
            Step::Again
        } else {
            Step::Idle
        }
    }

    /// Writes what is queued; WRITABLE interest only while bytes remain.
    pub fn flush(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        self.flush_lingering(now, ctx);
        let (result, before, after) = match self.conn.as_mut() {
            Some(conn) if conn.connected() => {
                let before = conn.queued_bytes();
                let result = conn.flush();
                (result, before, conn.queued_bytes())
            }
            _ => return,
        };
        match result {
            Ok(_) => {
                self.send_progress(now, before, after, ctx);
                self.update_interest(ctx);
            }
            Err(e) => {
                log::debug!(target: "network", "{} problem sending: {}", self.remote(), e);
                self.handle(now, Event::TcpConnectionFails, ctx);
            }
        }
    }

    /// RFC 9687: a write that moved bytes, an empty queue, or output that
    /// just started waiting restart the SendHoldTimer; a write that moved
    /// nothing while output waits lets it run.
    fn send_progress(&mut self, now: Instant, before: usize, after: usize, ctx: &mut Ctx<'_>) {
        let progress = after < before || after == 0 || self.tx_idle;
        self.tx_idle = after == 0;
        if progress && self.fsm.state() == State::Established {
            self.handle(now, Event::SendProgress, ctx);
        }
    }

    /// A timer of this peer fired.
    pub fn on_timer(&mut self, now: Instant, kind: TimerKind, ctx: &mut Ctx<'_>) {
        if kind == TimerKind::SendHold && self.conn.as_ref().map_or(0, |c| c.queued_bytes()) == 0 {
            // Nothing waits to be written: the peer is not stalling us, the
            // session was only quiet (RFC 9687 measures sends, and a quiet
            // session with a short SendHoldTime must survive).
            self.handle(now, Event::SendProgress, ctx);
            return;
        }
        if kind == TimerKind::Hold && self.read_more {
            // Input is waiting that our budget has not reached yet: the
            // lateness is ours, not the peer's (BIRD does the same).
            ctx.timers.arm(ctx.token, TimerKind::Hold, now + HOLD_GRACE);
            return;
        }
        if kind == TimerKind::Linger {
            self.drop_lingering(ctx);
            return;
        }
        if let Some(event) = Event::from_timer(kind) {
            self.handle(now, event, ctx);
        }
    }

    /// Deregisters everything before the peer is dropped.
    pub fn deregister(&mut self, ctx: &mut Ctx<'_>) {
        self.drop_connection(ctx);
        self.drop_lingering(ctx);
        ctx.timers.disarm_all(ctx.token);
    }

    fn remote(&self) -> SocketAddr {
        SocketAddr::new(self.settings.peer_address, self.settings.peer_port)
    }

    /// The connection is up: learn the router-id if needed, tell the FSM.
    fn confirmed(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let Some(conn) = self.conn.as_ref() else { return };
        let local = conn.local_addr().ok();
        if self.settings.router_id.is_none() {
            // ExaBGP takes the local IPv4 address as router-id.
            if let Some(SocketAddr::V4(v4)) = local {
                let mut config = self.fsm.config().clone();
                config.router_id = *v4.ip();
                self.fsm.set_config(config);
            }
        }
        let direction = conn.direction();
        ctx.outputs.push(PeerOutput::Connected { direction, local, remote: conn.peer_addr() });
        let event = match direction {
            Direction::Outgoing => Event::TcpCrAcked,
            Direction::Incoming => Event::TcpConnectionConfirmed,
        };
        self.handle(now, event, ctx);
    }

    /// One whole message from the wire: decode it, check an OPEN, tell the
    /// owner, then the FSM.
    fn on_frame(&mut self, now: Instant, frame: Frame, ctx: &mut Ctx<'_>) {
        let decoded = match &self.negotiated {
            Some(negotiated) => Message::unpack(frame.kind, frame.body.clone(), negotiated),
            None => Message::unpack(frame.kind, frame.body.clone(), &Negotiated::default()),
        };
        let message = match decoded {
            Ok(message) => message,
            Err(notify) => {
                log::debug!(target: &self.settings.label(), "could not decode message type {}: {}", frame.kind.0, notify);
                self.handle(now, Event::MessageError(notify), ctx);
                return;
            }
        };
        let received = match &message {
            Message::Open(open) => self.check_open(open),
            Message::Update(_) => Received::Update,
            Message::Notification(n) => Received::Notification { code: n.code, subcode: n.subcode },
            Message::KeepAlive => Received::KeepAlive,
            Message::RouteRefresh(_) => Received::RouteRefresh,
            Message::Operational(o) => Received::Operational { name: o.name() },
            // `unpack` never builds one; refuse it the same way if it did.
            Message::Unknown { kind, .. } => {
                let notify = undecodable(*kind);
                self.handle(now, Event::MessageError(notify), ctx);
                return;
            }
        };
        let refresh = match &message {
            Message::RouteRefresh(r) => Some(*r),
            _ => None,
        };
        ctx.outputs.push(PeerOutput::Received(Packet {
            message,
            header: frame.header,
            body: frame.body,
            negotiated: self.negotiated.clone(),
        }));
        self.handle(now, Event::Message(received), ctx);
        if let (Some(r), State::Established) = (refresh, self.fsm.state()) {
            // ExaBGP resends for any subtype; BoRR/EoRR wrap it only when
            // the peer asked (subtype 0) and both sides agreed RFC 7313.
            let enhanced = r.subtype == QUERY
                && self.negotiated.as_ref().is_some_and(|n| n.refresh == Refresh::Enhanced);
            ctx.outputs.push(PeerOutput::Refresh { family: r.family(), enhanced });
        }
    }

    /// The OPEN we send (RFC 4271 §4.2, capabilities RFC 5492): `asn` is the
    /// configured or mirrored ASN.
    fn build_open(&self, asn: u32) -> Open {
        let config = self.fsm.config();
        let mut local = self.settings.capabilities.clone();
        local.local_as = asn;
        // ExaBGP always acts as if recovering from a restart (RFC 4724 §3 R bit).
        local.restarted = true;
        Open::new(asn, config.hold_time, config.router_id, local.build())
    }

    /// Negotiates with the peer's OPEN (while an OPEN is expected) and
    /// reduces it to what the FSM needs, with `negotiate`'s verdict.
    fn check_open(&mut self, received: &Open) -> Received {
        let mut refusal = None;
        if matches!(self.fsm.state(), State::Connect | State::OpenSent) {
            // Mirror mode: the FSM answers with the peer's My AS field, as
            // ExaBGP does; negotiate against that OPEN now.
            let mirrored;
            let sent = match &self.sent_open {
                Some(open) => open,
                None => {
                    mirrored = self.build_open(received.asn);
                    &mirrored
                }
            };
            let expect = Expect {
                peer_as: self.settings.peer_as,
                // Without `local-as` ExaBGP skips the same-identifier check;
                // no 2-octet My AS field equals u32::MAX.
                local_as: self.settings.local_as.unwrap_or(u32::MAX),
                router_id: self.fsm.config().router_id,
                aigp: self.settings.aigp,
            };
            match negotiate(sent, received, &expect) {
                Ok(negotiated) => {
                    if let Some(conn) = self.conn.as_mut() {
                        conn.set_max_frame(negotiated.msg_size);
                    }
                    self.negotiated = Some(Rc::new(negotiated));
                }
                Err(notify) => refusal = Some(notify),
            }
        }
        Received::Open {
            asn: received.asn,
            hold_time: received.hold_time,
            router_id: received.router_id,
            refusal,
        }
    }

    /// Encodes and queues what the FSM sends; tells the owner.
    fn send(&mut self, message: OutMessage, ctx: &mut Ctx<'_>) {
        if self.conn.is_none() {
            return;
        }
        let mut buf = BytesMut::new();
        let message = match message {
            OutMessage::Open { asn, .. } => {
                let open = self.build_open(asn);
                let message = Message::Open(open.clone());
                self.sent_open = Some(open);
                message
            }
            OutMessage::KeepAlive => Message::KeepAlive,
            OutMessage::Notification(notify) => {
                // Cut to fit rather than lost (`pack_notify`).
                pack_notify(&notify, &mut buf);
                Message::Notification(Notification::from_notify(&notify))
            }
        };
        if buf.is_empty() {
            if let Err(e) = message.pack(&Negotiated::default(), &mut buf) {
                log::error!(target: &self.settings.label(), "could not send message: {}", e);
                return;
            }
        }
        let bytes = buf.freeze();
        if let Some(conn) = self.conn.as_mut() {
            conn.queue(bytes.clone(), Priority::Urgent);
        }
        ctx.outputs.push(PeerOutput::Sent(packet(message, bytes, self.negotiated.clone())));
    }

    fn install(&mut self, mut conn: Connection, ctx: &mut Ctx<'_>) -> io::Result<()> {
        let interest = if conn.connected() {
            Interest::READABLE
        } else {
            // Completion of a connect shows as WRITABLE.
            Interest::READABLE | Interest::WRITABLE
        };
        ctx.registry.register(conn.stream_mut(), ctx.token, interest)?;
        self.interest = Some(interest);
        self.read_more = false;
        self.tx_idle = true;
        self.conn = Some(conn);
        self.forget_session();
        Ok(())
    }

    fn update_interest(&mut self, ctx: &mut Ctx<'_>) {
        let Some(conn) = self.conn.as_mut() else { return };
        let wanted = if !conn.connected() || conn.queued_bytes() > 0 {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        if self.interest != Some(wanted)
            && ctx.registry.reregister(conn.stream_mut(), ctx.token, wanted).is_ok()
        {
            self.interest = Some(wanted);
        }
    }

    fn drop_connection(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(mut conn) = self.conn.take() {
            let _ = ctx.registry.deregister(conn.stream_mut());
            conn.shutdown();
        }
        self.interest = None;
        self.read_more = false;
        self.forget_session();
    }

    /// The OPENs and their agreement belong to one connection.
    fn forget_session(&mut self) {
        self.sent_open = None;
        self.negotiated = None;
    }

    /// Closes the connection, letting a queued NOTIFICATION out first.
    fn close_connection(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let Some(mut conn) = self.conn.take() else { return };
        self.interest = None;
        self.read_more = false;
        self.forget_session();
        conn.drop_bulk();
        let done = !conn.connected() || matches!(conn.flush(), Ok(true) | Err(_));
        if done {
            let _ = ctx.registry.deregister(conn.stream_mut());
            conn.shutdown();
            return;
        }
        // Keep it (registered, same token) until flushed or LINGER passed.
        self.drop_lingering(ctx);
        let _ = ctx.registry.reregister(conn.stream_mut(), ctx.token, Interest::WRITABLE);
        ctx.timers.arm(ctx.token, TimerKind::Linger, now + LINGER);
        self.lingering = Some((conn, now + LINGER));
    }

    fn flush_lingering(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let Some((conn, until)) = self.lingering.as_mut() else { return };
        let done = matches!(conn.flush(), Ok(true) | Err(_)) || now >= *until;
        if done {
            self.drop_lingering(ctx);
        }
    }

    fn drop_lingering(&mut self, ctx: &mut Ctx<'_>) {
        if let Some((mut conn, _)) = self.lingering.take() {
            let _ = ctx.registry.deregister(conn.stream_mut());
            conn.shutdown();
            ctx.timers.disarm(ctx.token, TimerKind::Linger);
        }
    }

    /// Carries out the FSM's actions, feeding back the events they cause.
    fn execute(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        while !self.actions.is_empty() {
            let batch = std::mem::take(&mut self.actions);
            for action in batch {
                match action {
                    Action::Connect => self.connect(now, ctx),
                    Action::Send(message) => self.send(message, ctx),
                    Action::Arm(kind, at) => ctx.timers.arm(ctx.token, kind, at),
                    Action::Disarm(kind) => ctx.timers.disarm(ctx.token, kind),
                    Action::Report(Report::Negotiated) => {
                        if let Some(negotiated) = &self.negotiated {
                            ctx.outputs.push(PeerOutput::Negotiated(negotiated.clone()));
                        }
                    }
                    Action::Report(report) => ctx.outputs.push(PeerOutput::Report(report)),
                    Action::Close(_) => self.close_connection(now, ctx),
                    Action::Finished => {
                        self.finished = true;
                        ctx.outputs.push(PeerOutput::Finished);
                    }
                }
            }
        }
    }

    fn connect(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        self.drop_connection(ctx);
        let remote = self.remote();
        log::debug!(target: "reactor", "attempting connection to {}", remote);
        let result = Connection::connect(remote, &self.settings.connect_options())
            .and_then(|conn| self.install(conn, ctx));
        if let Err(e) = result {
            log::debug!(target: "reactor", "connection to {} failed: {}", remote, e);
            self.fsm.handle(now, Event::TcpConnectionFails, &mut self.actions);
        }
    }
}

/// A sent message as a `Packet` (`bytes` is the whole message).
fn packet(message: Message, bytes: Bytes, negotiated: Option<Rc<Negotiated>>) -> Packet {
    let header = bytes.slice(..HEADER_LEN.min(bytes.len()));
    let body = bytes.slice(HEADER_LEN.min(bytes.len())..);
    Packet { message, header, body, negotiated }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| *c != ':').collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn settings() -> PeerSettings {
        PeerSettings {
            local_as: Some(65533),
            peer_as: Some(65533),
            router_id: Some(Ipv4Addr::new(10, 0, 0, 2)),
            ..PeerSettings::new("127.0.0.1".parse().unwrap())
        }
    }

    fn wire(open: Open) -> Vec<u8> {
        let mut out = BytesMut::new();
        Message::Open(open).pack(&Negotiated::default(), &mut out).unwrap();
        out.to_vec()
    }

    #[test]
    fn open_is_byte_identical_to_qa_conf_hostname() {
        let mut s = settings();
        s.capabilities.host_name = Some("my-host-name".into());
        s.capabilities.domain_name = Some("my-domain-name.com".into());
        let peer = Peer::new(s);
        // qa/encoding/conf-hostname.msg
        assert_eq!(
            wire(peer.build_open(65533)),
            hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0051:01:04FFFD00B40A000002340206010400010001020641040000FFFD022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D")
        );
    }

    #[test]
    fn open_sets_the_graceful_restart_bit_and_as_trans() {
        let mut s = settings();
        s.capabilities.graceful_restart = 120;
        let peer = Peer::new(s);
        let open = peer.build_open(4_200_000_000);
        assert_eq!(open.capabilities.asn4(), Some(4_200_000_000));
        let bytes = wire(open);
        assert_eq!(&bytes[20..22], &[0x5B, 0xA0]);
        // Capability 64: R bit and 120 s, then ipv4 unicast with F bit 0x80.
        let gr = hex("40:06:8078:0001:01:80");
        let at = bytes.windows(gr.len()).position(|w| w == gr.as_slice());
        assert!(at.is_some(), "{bytes:02X?}");
    }

    #[test]
    fn sent_packets_split_header_and_body() {
        let p = packet(Message::KeepAlive, Bytes::from(hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0013:04")), None);
        assert_eq!((p.header.len(), p.body.len()), (19, 0));
    }
}
