//! A peer: its settings, its FSM and its (at most one) connection.
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
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mio::{Interest, Registry, Token};

use crate::bgp::notify::Notify;

use super::connection::{ConnectOptions, Connection, Direction, Frame, Priority};
use super::fsm::{Action, Collision, Event, Fsm, FsmConfig, Received, Report, State};
use super::fsm::{DEFAULT_CONNECT_RETRY, DEFAULT_OPEN_WAIT};
use super::timer::{TimerKind, Timers};
use super::wire;

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

/// A peer's notifications to the reactor owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerOutput {
    Report(Report),
    /// A TCP connection is up (ExaBGP's `connected` state for outgoing ones).
    Connected {
        direction: Direction,
        local: Option<SocketAddr>,
        remote: SocketAddr,
    },
    /// A message was received; `kind` is what the FSM saw.
    Message {
        kind: Received,
        frame: Frame,
    },
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
    actions: Vec<Action>,
    /// The last read stopped on the budget, not on WouldBlock.
    read_more: bool,
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
        }
    }

    pub fn fsm_config(&self) -> FsmConfig {
        FsmConfig {
            local_as: self.local_as,
            peer_as: self.peer_as,
            router_id: self.router_id.unwrap_or(Ipv4Addr::UNSPECIFIED),
            hold_time: self.hold_time,
            passive: self.passive,
            open_wait: self.open_wait,
            connect_retry: self.connect_retry,
            attempts: self.attempts,
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
            actions: Vec::new(),
            read_more: false,
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

    /// Feeds one event and carries out what the FSM asks.
    pub fn handle(&mut self, now: Instant, event: Event, ctx: &mut Ctx<'_>) {
        self.fsm.handle(now, event, &mut self.actions);
        self.execute(now, ctx);
    }

    /// ManualStop (ExaBGP `teardown`/`stop`).
    pub fn stop(&mut self, now: Instant, cease: Option<Notify>, restart: bool, ctx: &mut Ctx<'_>) {
        self.handle(now, Event::ManualStop { cease, restart }, ctx);
    }

    /// Queues an encoded UPDATE (or any message the codec built). `false`
    /// when there is no session or the queue is full (back-pressure).
    pub fn queue_update(&mut self, message: Bytes) -> bool {
        if self.fsm.state() != State::Established {
            return false;
        }
        match &mut self.conn {
            Some(conn) => conn.queue(message, Priority::Bulk),
            None => false,
        }
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
                wire::encode_notification(&notify, &mut buf);
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
            match wire::decode(&frame) {
                Ok(kind) => {
                    ctx.outputs.push(PeerOutput::Message { kind: kind.clone(), frame });
                    self.handle(now, Event::Message(kind), ctx);
                }
                Err(notify) => self.handle(now, Event::MessageError(notify), ctx),
            }
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
        let result = match self.conn.as_mut() {
            Some(conn) if conn.connected() => conn.flush(),
            _ => return,
        };
        match result {
            Ok(_) => self.update_interest(ctx),
            Err(e) => {
                log::debug!(target: "network", "{} problem sending: {}", self.remote(), e);
                self.handle(now, Event::TcpConnectionFails, ctx);
            }
        }
    }

    /// A timer of this peer fired.
    pub fn on_timer(&mut self, now: Instant, kind: TimerKind, ctx: &mut Ctx<'_>) {
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
        ctx.outputs.push(PeerOutput::Connected {
            direction: conn.direction(),
            local,
            remote: conn.peer_addr(),
        });
        self.handle(now, Event::TcpConnectionConfirmed, ctx);
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
        self.conn = Some(conn);
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
    }

    /// Closes the connection, letting a queued NOTIFICATION out first.
    fn close_connection(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let Some(mut conn) = self.conn.take() else { return };
        self.interest = None;
        self.read_more = false;
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
                    Action::Send(message) => {
                        if let Some(conn) = self.conn.as_mut() {
                            let mut buf = BytesMut::new();
                            wire::encode(&message, &mut buf);
                            conn.queue(buf.freeze(), Priority::Urgent);
                        }
                    }
                    Action::Arm(kind, at) => ctx.timers.arm(ctx.token, kind, at),
                    Action::Disarm(kind) => ctx.timers.disarm(ctx.token, kind),
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
