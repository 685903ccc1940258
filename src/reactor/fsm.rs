//! The BGP finite state machine (RFC 4271 §8), without sockets or a clock.
//!
//! Contract: `Fsm::handle(now, event, &mut actions)` is the only entry point.
//! It never reads the clock (`now` is passed in), never does I/O and never
//! panics; what should happen is pushed as `Action`s onto a queue the peer
//! owns (send a message, arm or disarm a timer, report to the API, close the
//! connection, open one). The peer executes them in order.
//!
//! The wire codec sits outside (`peer.rs`): it turns frames into
//! `Received` (or a `Notify` when decoding failed, fed as
//! `Event::MessageError`), checks the peer's OPEN against ours with
//! `capability::negotiate` (its verdict rides in `Received::Open`) and turns
//! `OutMessage` into bytes.
//!
//! Reports follow ExaBGP's API, not the RFC states: ExaBGP announces
//! `ACTIVE, IDLE` when a session attempt starts (an accepted connection
//! starts one too), `CONNECT` once TCP is up, `OPENSENT` once its OPEN is out,
//! then `negotiated` (`Report::Negotiated`), `OPENCONFIRM` and
//! `ESTABLISHED` + `up`; a session that had TCP ends
//! with `down <reason>` then `IDLE`; a shutdown adds one more `IDLE`.
//! Connect retries are silent (ExaBGP retries inside its IDLE).
//!
//! Lifecycle: Idle --ManualStart--> Connect (or Active when passive) --TCP up-->
//! OpenSent (OPEN sent, hold = `open_wait`) --OPEN--> OpenConfirm (KEEPALIVE
//! sent, hold/keepalive armed) --KEEPALIVE--> Established. Every failure goes
//! back to Idle and, unless the peer was stopped or ran out of connection
//! attempts, arms the IdleHold timer with ExaBGP's backoff (`delay.rs`).
//!
//! Where ExaBGP and RFC 4271 differ, ExaBGP wins when the peer or a helper
//! could see the difference (NOTIFICATION codes and data, API reasons); each
//! such place says so.

use std::fmt;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::bgp::notify::{code, subcode, Notify};

use super::delay::Backoff;
use super::timer::TimerKind;

/// ExaBGP's `bgp.openwait` default: how long OpenSent waits for the OPEN.
pub const DEFAULT_OPEN_WAIT: Duration = Duration::from_secs(60);
/// RFC 9687 §4: the SendHoldTime is at least 8 minutes by default.
pub const DEFAULT_SEND_HOLD: Duration = Duration::from_secs(8 * 60);
/// Wait before retrying a refused or failed outgoing connect. ExaBGP retries on
/// every loop turn (about 10 ms); one second keeps the log and the peer quiet
/// while still connecting soon after the peer starts listening.
pub const DEFAULT_CONNECT_RETRY: Duration = Duration::from_secs(1);

/// RFC 4271 §8.2.2 session states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

/// What the FSM needs from the neighbor configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsmConfig {
    /// Our ASN; `None` mirrors the peer's (ExaBGP without `local-as`: read
    /// the OPEN first, answer with the same ASN).
    pub local_as: Option<u32>,
    pub router_id: Ipv4Addr,
    /// The Hold Time we advertise.
    pub hold_time: u16,
    /// Never connect out, only wait for the peer.
    pub passive: bool,
    /// OpenSent hold timer (RFC 4271 §8.2.2 suggests 4 minutes, ExaBGP 60 s).
    pub open_wait: Duration,
    pub connect_retry: Duration,
    /// Sessions (outgoing connect cycles) before the peer stops; 0 = unlimited
    /// (ExaBGP `tcp.attempts`).
    pub attempts: u32,
    /// RFC 9687 SendHoldTime; `None`: the RFC's default (see `send_hold_for`).
    pub send_hold: Option<Duration>,
}

impl Default for FsmConfig {
    fn default() -> Self {
        FsmConfig {
            local_as: None,
            router_id: Ipv4Addr::UNSPECIFIED,
            hold_time: 180,
            passive: false,
            open_wait: DEFAULT_OPEN_WAIT,
            connect_retry: DEFAULT_CONNECT_RETRY,
            attempts: 0,
            send_hold: None,
        }
    }
}

/// A decoded message, reduced to what the FSM looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// `asn` is the OPEN's My AS field (AS_TRANS for a 4-octet peer): what
    /// mirror mode answers with, as ExaBGP does. `refusal` is the codec's verdict on the OPEN (`capability::negotiate`:
    /// peer AS, identifier, hold time, multisession); the FSM sends it after
    /// its own OPEN when it mirrors the peer's ASN, as ExaBGP does.
    Open {
        asn: u32,
        hold_time: u16,
        router_id: Ipv4Addr,
        refusal: Option<Notify>,
    },
    KeepAlive,
    Update,
    Notification {
        code: u8,
        subcode: u8,
    },
    RouteRefresh,
    /// draft-ietf-idr-operational-message; `name` is ExaBGP's (`ADM`, …).
    Operational {
        name: &'static str,
    },
}

/// A message the FSM wants sent; the codec adds capabilities to the OPEN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutMessage {
    Open { asn: u32, hold_time: u16, router_id: Ipv4Addr },
    KeepAlive,
    Notification(Notify),
}

/// RFC 4271 §8.1 events (numbers in the comments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// 1 ManualStart, 5 ManualStart_with_PassiveTcpEstablishment (passive
    /// comes from the configuration).
    ManualStart,
    /// 2 ManualStop. `cease` is sent when an OPEN was already sent (ExaBGP's
    /// `teardown <subcode>`); `None` closes silently (ExaBGP's shutdown path).
    /// `restart` starts the peer again once the connection is gone.
    ManualStop { cease: Option<Notify>, restart: bool },
    /// 9 ConnectRetry_Timer_Expires
    ConnectRetryTimerExpires,
    /// 10 HoldTimer_Expires
    HoldTimerExpires,
    /// 11 KeepaliveTimer_Expires
    KeepaliveTimerExpires,
    /// RFC 9687 event 29 SendHoldTimer_Expires. The peer feeds it only when
    /// output is waiting and none of it could be written for SendHoldTime.
    SendHoldTimerExpires,
    /// RFC 9687 §4: "each time the local system sends" restarts the
    /// SendHoldTimer. The peer feeds it when a write made progress, when
    /// nothing waits to be written, and when output starts waiting.
    SendProgress,
    /// 13 IdleHoldTimer_Expires: the reconnect backoff is over.
    IdleHoldTimerExpires,
    /// 17 TcpConnectionConfirmed: an accepted connection was given to this
    /// peer.
    TcpConnectionConfirmed,
    /// 16 Tcp_CR_Acked: our outgoing connect completed.
    TcpCrAcked,
    /// 18 TcpConnectionFails: connect failed, or the connection was lost.
    TcpConnectionFails,
    /// 19 BGPOpen, 25 NotifMsg, 26 KeepAliveMsg, 27 UpdateMsg, and ROUTE-REFRESH.
    Message(Received),
    /// 21 BGPHeaderErr, 22 BGPOpenMsgErr, 28 UpdateMsgErr: the codec's verdict.
    MessageError(Notify),
    /// 23 OpenCollisionDump: an incoming connection wins (see `collision`);
    /// the current one is dropped before the new one is confirmed.
    OpenCollisionDump,
}

/// Why a connection was closed (not what went on the wire).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// An outgoing connect did not complete; no session existed.
    ConnectFailed,
    /// EOF or a socket error on an established TCP connection.
    ConnectionLost,
    NotifySent(Notify),
    NotificationReceived {
        code: u8,
        subcode: u8,
    },
    /// ManualStop without a NOTIFICATION.
    Stopped,
    /// Dropped in favour of another connection (RFC 4271 §6.8).
    Collision,
    /// A connection was offered while the peer is stopped.
    Refused,
}

/// For the API and the logs, in ExaBGP's order (see the module notes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// ExaBGP's `fsm` API message: the state it would announce now. This is
    /// ExaBGP's view (see the module notes), not `Fsm::state`.
    Fsm(State),
    /// The peer's OPEN was accepted (ExaBGP's `negotiated` API message, sent
    /// just before OPENCONFIRM; the peer layer attaches the agreement).
    Negotiated,
    /// The session reached Established with this negotiated Hold Time
    /// (`state: up`).
    Up { hold_time: u16 },
    /// A session that had a TCP connection went down (`state: down`, with
    /// the reason's `Display` as `reason`).
    Down(Reason),
}

/// What the peer must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Start an outgoing TCP connection.
    Connect,
    Send(OutMessage),
    Arm(TimerKind, Instant),
    Disarm(TimerKind),
    Report(Report),
    /// Close the current connection (after flushing what was queued).
    Close(Reason),
    /// The peer will not start again (stopped, or out of attempts): the
    /// reactor may drop it.
    Finished,
}

/// Verdict on a new incoming connection (RFC 4271 §6.8, ExaBGP's rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Collision {
    /// Send this NOTIFICATION on the new connection and close it.
    Reject(Notify),
    /// Take it: feed `OpenCollisionDump` if a connection exists, swap the
    /// sockets, then feed `TcpConnectionConfirmed`.
    Accept,
}

/// What we learnt from the peer's OPEN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerOpen {
    pub asn: u32,
    pub hold_time: u16,
    pub router_id: Ipv4Addr,
}

#[derive(Debug)]
pub struct Fsm {
    state: State,
    config: FsmConfig,
    /// Log target, `peer <address>` as in ExaBGP.
    label: String,
    /// Started and not stopped for good: the peer connects and accepts.
    enabled: bool,
    /// A TCP connection exists (beyond a connect in progress).
    tcp_up: bool,
    /// Negotiated Hold Time (RFC 4271 §4.2: the smaller of the two).
    hold_time: u16,
    peer_open: Option<PeerOpen>,
    backoff: Backoff,
    /// Outgoing connect cycles started (ExaBGP `connection_attempts`).
    attempts: u32,
    /// KEEPALIVEs received in Established while the Hold Time is zero.
    zero_hold_keepalives: u32,
}

// ===== impl State =====

impl State {
    /// ExaBGP's name, as written in the API (`fsm` messages) and logs.
    pub fn name(self) -> &'static str {
        match self {
            State::Idle => "IDLE",
            State::Connect => "CONNECT",
            State::Active => "ACTIVE",
            State::OpenSent => "OPENSENT",
            State::OpenConfirm => "OPENCONFIRM",
            State::Established => "ESTABLISHED",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ===== impl Reason =====

impl fmt::Display for Reason {
    /// The `down` reason strings of ExaBGP's API (api.md §5.3).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ConnectFailed => f.write_str("connection failed"),
            Reason::ConnectionLost => f.write_str("closing connection"),
            Reason::NotifySent(n) => write!(f, "notification sent ({},{})", n.code, n.subcode),
            Reason::NotificationReceived { code, subcode } => {
                write!(f, "notification received ({},{})", code, subcode)
            }
            // ExaBGP's shutdown text; its JSON encoder turns [] into ().
            Reason::Stopped => f.write_str("stop, message [shutting down]"),
            Reason::Collision => f.write_str(
                "closing outgoing connection as we have another incoming on with higher router-id",
            ),
            Reason::Refused => f.write_str("connection refused"),
        }
    }
}

// ===== impl Received =====

impl Received {
    /// How ExaBGP prints the message in its "not an open message" error.
    /// STAGE TWO: an UPDATE prints its routes there; until the typed UPDATE
    /// lands it prints nothing.
    pub fn exabgp_name(&self) -> String {
        match self {
            Received::Open { .. } => "OPEN".into(),
            Received::KeepAlive => "KEEPALIVE".into(),
            Received::Update => String::new(),
            Received::Notification { .. } => "NOTIFICATION".into(),
            Received::RouteRefresh => "REFRESH".into(),
            Received::Operational { name } => format!("operational {name}"),
        }
    }
}

// ===== impl Event =====

impl Event {
    /// The event a reactor timer stands for, if it is an FSM timer.
    pub fn from_timer(kind: TimerKind) -> Option<Event> {
        match kind {
            TimerKind::ConnectRetry => Some(Event::ConnectRetryTimerExpires),
            TimerKind::Hold => Some(Event::HoldTimerExpires),
            TimerKind::Keepalive => Some(Event::KeepaliveTimerExpires),
            TimerKind::SendHold => Some(Event::SendHoldTimerExpires),
            TimerKind::IdleHold => Some(Event::IdleHoldTimerExpires),
            TimerKind::Respawn | TimerKind::Kill | TimerKind::Linger => None,
        }
    }
}

// ===== impl Fsm =====

/// The timers the FSM owns.
const FSM_TIMERS: [TimerKind; 5] = [
    TimerKind::ConnectRetry,
    TimerKind::Hold,
    TimerKind::Keepalive,
    TimerKind::SendHold,
    TimerKind::IdleHold,
];

impl Fsm {
    pub fn new(config: FsmConfig, label: impl Into<String>) -> Fsm {
        Fsm {
            state: State::Idle,
            config,
            label: label.into(),
            enabled: false,
            tcp_up: false,
            hold_time: 0,
            peer_open: None,
            backoff: Backoff::new(),
            attempts: 0,
            zero_hold_keepalives: 0,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn config(&self) -> &FsmConfig {
        &self.config
    }

    /// Takes a new configuration; it applies from the next session.
    pub fn set_config(&mut self, config: FsmConfig) {
        self.config = config;
    }

    /// Negotiated Hold Time (0 before OpenConfirm, or when disabled).
    pub fn hold_time(&self) -> u16 {
        self.hold_time
    }

    /// RFC 4271 §4.4: one third of the Hold Time; `None` when it is zero.
    pub fn keepalive_interval(&self) -> Option<Duration> {
        keepalive_for(self.hold_time)
    }

    pub fn peer_open(&self) -> Option<PeerOpen> {
        self.peer_open
    }

    /// Started, and not stopped for good.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Outgoing connect cycles so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Decides whether a new incoming connection may replace what we have.
    /// ExaBGP rules: refuse while Established; in OpenConfirm keep ours when
    /// the peer's BGP Identifier is lower than ours (RFC 4271 §6.8 compares
    /// identifiers; OpenSent has no identifier yet, so the newcomer wins).
    pub fn collision(&self) -> Collision {
        if !self.enabled {
            return Collision::Reject(Notify::cease(subcode::CONNECTION_REJECTED));
        }
        match self.state {
            State::Established => Collision::Reject(Notify::with_text(
                code::CEASE,
                subcode::CONNECTION_COLLISION_RESOLUTION,
                "could not accept the connection, already established",
            )),
            State::OpenConfirm => {
                let remote = self.peer_open.map(|o| o.router_id).unwrap_or(Ipv4Addr::UNSPECIFIED);
                if u32::from(remote) < u32::from(self.config.router_id) {
                    Collision::Reject(Notify::with_text(
                        code::CEASE,
                        subcode::CONNECTION_COLLISION_RESOLUTION,
                        "could not accept the connection, as another connection is already in open-confirm and will go through",
                    ))
                } else {
                    Collision::Accept
                }
            }
            _ => Collision::Accept,
        }
    }

    /// The single entry point: apply `event` at time `now`, pushing actions.
    pub fn handle(&mut self, now: Instant, event: Event, out: &mut Vec<Action>) {
        log::trace!(target: &self.label, "{} event {:?}", self.state, event);
        match event {
            Event::ManualStart => self.on_manual_start(now, out),
            Event::ManualStop { cease, restart } => self.on_manual_stop(now, cease, restart, out),
            Event::IdleHoldTimerExpires => {
                if self.state == State::Idle && self.enabled {
                    self.start(out);
                }
            }
            Event::ConnectRetryTimerExpires => self.on_connect_retry(out),
            Event::HoldTimerExpires => self.on_hold_expired(now, out),
            Event::KeepaliveTimerExpires => self.on_keepalive_timer(now, out),
            Event::SendHoldTimerExpires => self.on_send_hold_expired(now, out),
            Event::SendProgress => self.restart_send_hold(now, out),
            Event::TcpConnectionConfirmed => self.on_tcp_confirmed(now, true, out),
            Event::TcpCrAcked => self.on_tcp_confirmed(now, false, out),
            Event::TcpConnectionFails => self.on_tcp_fails(now, out),
            Event::Message(message) => self.on_message(now, message, out),
            Event::MessageError(notify) => {
                if self.tcp_up {
                    self.fail(now, notify, out);
                }
            }
            Event::OpenCollisionDump => self.on_collision_dump(out),
        }
    }

    /// The one place the state changes (logged; the API sees `report`).
    fn set_state(&mut self, new: State) {
        if new == self.state {
            return;
        }
        log::debug!(target: &self.label, "{} => {}", self.state, new);
        self.state = new;
    }

    /// An ExaBGP `fsm` API report.
    fn report(states: &[State], out: &mut Vec<Action>) {
        out.extend(states.iter().map(|s| Action::Report(Report::Fsm(*s))));
    }

    // --- starting ---

    fn on_manual_start(&mut self, _now: Instant, out: &mut Vec<Action>) {
        if self.state != State::Idle {
            return;
        }
        self.backoff.reset();
        self.start(out);
    }

    /// Idle -> Connect (connecting out) or Active (waiting for the peer).
    fn start(&mut self, out: &mut Vec<Action>) {
        self.enabled = true;
        out.push(Action::Disarm(TimerKind::IdleHold));
        if self.config.passive {
            // ExaBGP does not run a passive peer until a connection arrives.
            self.set_state(State::Active);
        } else {
            self.attempts = self.attempts.saturating_add(1);
            Self::report(&[State::Active, State::Idle], out);
            self.set_state(State::Connect);
            out.push(Action::Connect);
        }
    }

    fn on_connect_retry(&mut self, out: &mut Vec<Action>) {
        match self.state {
            // RFC 4271 §8.2.2 Active, event 9: try again, go to Connect.
            State::Active if self.enabled && !self.config.passive => {
                self.set_state(State::Connect);
                out.push(Action::Connect);
            }
            // Connect, event 9: drop the attempt and start a new one.
            State::Connect if !self.tcp_up => {
                out.push(Action::Close(Reason::ConnectFailed));
                out.push(Action::Connect);
            }
            _ => {}
        }
    }

    // --- stopping ---

    fn on_manual_stop(
        &mut self,
        now: Instant,
        cease: Option<Notify>,
        restart: bool,
        out: &mut Vec<Action>,
    ) {
        let open_sent =
            matches!(self.state, State::OpenSent | State::OpenConfirm | State::Established);
        let shutdown = cease.is_none() && !restart;
        let reason = match cease {
            Some(notify) if open_sent => {
                out.push(Action::Send(OutMessage::Notification(notify.clone())));
                Reason::NotifySent(notify)
            }
            _ => Reason::Stopped,
        };
        if self.tcp_up || self.state == State::Connect {
            self.close(reason, out);
        } else {
            self.go_idle(out);
        }
        if shutdown {
            // ExaBGP's `stop` announces IDLE once more.
            Self::report(&[State::Idle], out);
        }
        self.backoff.reset();
        self.enabled = restart;
        if restart {
            // A teardown reconnects at once (ExaBGP resets its delay).
            let wait = self.backoff.increase();
            out.push(Action::Arm(TimerKind::IdleHold, now + wait));
        } else {
            out.push(Action::Finished);
        }
    }

    /// Closes the current connection and returns to Idle, without deciding
    /// about a restart.
    fn close(&mut self, reason: Reason, out: &mut Vec<Action>) {
        let was_up = self.tcp_up;
        out.push(Action::Close(reason.clone()));
        if was_up {
            out.push(Action::Report(Report::Down(reason)));
            Self::report(&[State::Idle], out);
        }
        self.go_idle(out);
    }

    fn go_idle(&mut self, out: &mut Vec<Action>) {
        for kind in FSM_TIMERS {
            out.push(Action::Disarm(kind));
        }
        self.tcp_up = false;
        self.hold_time = 0;
        self.zero_hold_keepalives = 0;
        self.set_state(State::Idle);
    }

    /// A session ended: close, then back off and restart unless the peer is
    /// out of attempts (ExaBGP `can_reconnect`).
    fn session_down(&mut self, now: Instant, reason: Reason, out: &mut Vec<Action>) {
        self.close(reason, out);
        let limit = self.config.attempts;
        if limit != 0 && self.attempts >= limit {
            log::debug!(target: &self.label, "maximum connection attempts reached, stopping the peer");
            self.enabled = false;
        }
        if self.enabled {
            let wait = self.backoff.increase();
            out.push(Action::Arm(TimerKind::IdleHold, now + wait));
        } else {
            // ExaBGP's `stop` announces IDLE once more.
            Self::report(&[State::Idle], out);
            out.push(Action::Finished);
        }
    }

    /// Send `notify`, then end the session.
    fn fail(&mut self, now: Instant, notify: Notify, out: &mut Vec<Action>) {
        log::debug!(target: &self.label, "sending NOTIFICATION {}", notify);
        out.push(Action::Send(OutMessage::Notification(notify.clone())));
        self.session_down(now, Reason::NotifySent(notify), out);
    }

    fn on_collision_dump(&mut self, out: &mut Vec<Action>) {
        if self.tcp_up || self.state == State::Connect {
            // ExaBGP closes the losing connection without a NOTIFICATION.
            self.close(Reason::Collision, out);
        } else {
            self.go_idle(out);
        }
        // The incoming connection follows at once (ExaBGP resets its delay).
        self.backoff.reset();
    }

    // --- TCP ---

    /// `incoming`: an accepted connection, which starts a new session
    /// attempt in ExaBGP (hence `ACTIVE, IDLE` before `CONNECT`).
    fn on_tcp_confirmed(&mut self, now: Instant, incoming: bool, out: &mut Vec<Action>) {
        match self.state {
            State::Idle | State::Connect | State::Active if !self.tcp_up => {
                if !self.enabled {
                    // A stopped peer takes no connection.
                    out.push(Action::Close(Reason::Refused));
                    return;
                }
                self.tcp_up = true;
                self.peer_open = None;
                out.push(Action::Disarm(TimerKind::ConnectRetry));
                out.push(Action::Disarm(TimerKind::IdleHold));
                out.push(Action::Arm(TimerKind::Hold, now + self.config.open_wait));
                if incoming {
                    Self::report(&[State::Active, State::Idle], out);
                }
                Self::report(&[State::Connect], out);
                match self.config.local_as {
                    Some(asn) => {
                        self.send_open(asn, out);
                        self.set_state(State::OpenSent);
                        Self::report(&[State::OpenSent], out);
                    }
                    // Mirroring the peer's ASN: wait for its OPEN in Connect,
                    // as ExaBGP does.
                    None => self.set_state(State::Connect),
                }
            }
            _ => {
                // The peer must resolve collisions (`collision`) before
                // handing over a second connection.
                log::warn!(target: &self.label, "connection confirmed in {} ignored", self.state);
            }
        }
    }

    fn on_tcp_fails(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.tcp_up {
            self.session_down(now, Reason::ConnectionLost, out);
            return;
        }
        if self.state == State::Connect {
            // A refused connect is not a session: retry, without counting an
            // attempt or growing the backoff (ExaBGP keeps retrying).
            out.push(Action::Close(Reason::ConnectFailed));
            self.set_state(State::Active);
            out.push(Action::Arm(TimerKind::ConnectRetry, now + self.config.connect_retry));
        }
    }

    // --- timers ---

    fn on_hold_expired(&mut self, now: Instant, out: &mut Vec<Action>) {
        if !self.tcp_up {
            return;
        }
        match self.state {
            State::Connect | State::OpenSent => {
                // ExaBGP's OPEN wait sends 1/1 with this text, not RFC 4271's 4/0.
                let notify = Notify::with_text(
                    code::MESSAGE_HEADER,
                    subcode::CONNECTION_NOT_SYNCHRONIZED,
                    "waited for open too long, we do not like stuck in active",
                );
                self.fail(now, notify, out);
            }
            State::OpenConfirm | State::Established => {
                // RFC 4271 §6.5; ExaBGP sends no data.
                self.fail(now, Notify::with_data(code::HOLD_TIMER_EXPIRED, 0, &[]), out);
            }
            State::Idle | State::Active => {}
        }
    }

    fn on_keepalive_timer(&mut self, now: Instant, out: &mut Vec<Action>) {
        if !matches!(self.state, State::OpenConfirm | State::Established) {
            return;
        }
        out.push(Action::Send(OutMessage::KeepAlive));
        if let Some(every) = self.keepalive_interval() {
            out.push(Action::Arm(TimerKind::Keepalive, now + every));
        }
    }

    /// RFC 9687 §4 (Established): NOTIFICATION "Send Hold Timer Expired"
    /// (best effort: the peer is not reading), an error in the log, drop
    /// the connection, Idle. ExaBGP has no such timer.
    fn on_send_hold_expired(&mut self, now: Instant, out: &mut Vec<Action>) {
        if !self.tcp_up || self.state != State::Established {
            return;
        }
        let waited = self.send_hold_time().unwrap_or_default();
        log::error!(
            target: &self.label,
            "send hold timer expired: nothing could be written to the peer for {}s (RFC 9687), closing the session",
            waited.as_secs_f64()
        );
        // The data names the error, so that the API's `message` shows it.
        let code = code::SEND_HOLD_TIMER_EXPIRED;
        let notify = Notify::with_text(code, 0, crate::bgp::notify::code_name(code));
        self.fail(now, notify, out);
    }

    /// RFC 9687 §4: restart the SendHoldTimer, unless the negotiated Hold
    /// Time is zero (then it is not used at all).
    fn restart_send_hold(&mut self, now: Instant, out: &mut Vec<Action>) {
        if !self.tcp_up || self.state != State::Established {
            return;
        }
        if let Some(wait) = self.send_hold_time() {
            out.push(Action::Arm(TimerKind::SendHold, now + wait));
        }
    }

    /// The SendHoldTime of the current session: `None` before Established
    /// and when the negotiated Hold Time is zero.
    pub fn send_hold_time(&self) -> Option<Duration> {
        if self.state != State::Established {
            return None;
        }
        send_hold_for(self.hold_time, self.config.send_hold)
    }

    /// RFC 4271 §8.2.2: restart the HoldTimer on every message, if non-zero.
    fn restart_hold(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.hold_time != 0 {
            out.push(Action::Arm(
                TimerKind::Hold,
                now + Duration::from_secs(self.hold_time.into()),
            ));
        }
    }

    // --- messages ---

    fn on_message(&mut self, now: Instant, message: Received, out: &mut Vec<Action>) {
        if !self.tcp_up {
            // A frame from a connection already given up: nothing to do.
            return;
        }
        if let Received::Notification { code, subcode } = message {
            log::debug!(target: &self.label, "received NOTIFICATION {}/{}", code, subcode);
            self.session_down(now, Reason::NotificationReceived { code, subcode }, out);
            return;
        }
        match self.state {
            State::Connect | State::OpenSent => match message {
                Received::Open { asn, hold_time, router_id, refusal } => {
                    self.on_open(now, PeerOpen { asn, hold_time, router_id }, refusal, out)
                }
                // RFC 6608 §3: unexpected message in OpenSent, with ExaBGP's text.
                other => {
                    let text = format!(
                        "The first packet received is not an open message ({})",
                        other.exabgp_name()
                    );
                    let notify = Notify::with_text(code::FSM, subcode::UNEXPECTED_IN_OPENSENT, &text);
                    self.fail(now, notify, out)
                }
            },
            State::OpenConfirm => match message {
                Received::KeepAlive => {
                    self.restart_hold(now, out);
                    self.backoff.reset();
                    self.set_state(State::Established);
                    // RFC 9687 §4: set the SendHoldTimer on entering Established.
                    self.restart_send_hold(now, out);
                    Self::report(&[State::Established], out);
                    out.push(Action::Report(Report::Up { hold_time: self.hold_time }));
                }
                // RFC 6608 §3; ExaBGP also refuses a second OPEN here.
                _ => {
                    self.fail(now, Notify::new(code::FSM, subcode::UNEXPECTED_IN_OPENCONFIRM), out)
                }
            },
            State::Established => match message {
                Received::KeepAlive if self.hold_time == 0 => {
                    // ExaBGP tolerates one KEEPALIVE when the Hold Time is
                    // zero (RFC 4271 §4.4: none should be sent) and fails the
                    // session on the second, with this text.
                    self.zero_hold_keepalives += 1;
                    if self.zero_hold_keepalives > 1 {
                        let notify = Notify::with_text(
                            code::OPEN_MESSAGE,
                            subcode::UNACCEPTABLE_HOLD_TIME,
                            "Negotiated holdtime was zero, it was invalid to send us a keepalive messages",
                        );
                        self.fail(now, notify, out);
                    }
                }
                // ExaBGP ignores an OPEN in Established (RFC 6608 would
                // send 5/3); the peer would see the difference.
                Received::KeepAlive
                | Received::Update
                | Received::RouteRefresh
                | Received::Operational { .. }
                | Received::Open { .. } => self.restart_hold(now, out),
                // RFC 6608 §3: unexpected message in Established.
                _ => {
                    self.fail(now, Notify::new(code::FSM, subcode::UNEXPECTED_IN_ESTABLISHED), out)
                }
            },
            State::Idle | State::Active => {}
        }
    }

    fn send_open(&mut self, asn: u32, out: &mut Vec<Action>) {
        out.push(Action::Send(OutMessage::Open {
            asn,
            hold_time: self.config.hold_time,
            router_id: self.config.router_id,
        }));
    }

    fn on_open(
        &mut self,
        now: Instant,
        open: PeerOpen,
        refusal: Option<Notify>,
        out: &mut Vec<Action>,
    ) {
        if self.state == State::Connect {
            // Mirror mode: answer with the peer's own ASN, before checking.
            self.send_open(open.asn, out);
            self.set_state(State::OpenSent);
            Self::report(&[State::OpenSent], out);
        }
        self.peer_open = Some(open);
        if let Some(notify) = refusal {
            self.fail(now, notify, out);
            return;
        }
        // RFC 4271 §4.2: the smaller Hold Time of the two OPENs.
        self.hold_time = self.config.hold_time.min(open.hold_time);
        out.push(Action::Disarm(TimerKind::ConnectRetry));
        out.push(Action::Report(Report::Negotiated));
        self.set_state(State::OpenConfirm);
        Self::report(&[State::OpenConfirm], out);
        out.push(Action::Send(OutMessage::KeepAlive));
        match keepalive_for(self.hold_time) {
            Some(every) => {
                out.push(Action::Arm(
                    TimerKind::Hold,
                    now + Duration::from_secs(self.hold_time.into()),
                ));
                out.push(Action::Arm(TimerKind::Keepalive, now + every));
            }
            None => {
                out.push(Action::Disarm(TimerKind::Hold));
                out.push(Action::Disarm(TimerKind::Keepalive));
            }
        }
    }
}

/// RFC 4271 §4.4 / §10: KeepaliveTime is a third of the Hold Time (whole
/// seconds, as ExaBGP computes it).
pub fn keepalive_for(hold_time: u16) -> Option<Duration> {
    if hold_time == 0 {
        None
    } else {
        Some(Duration::from_secs(u64::from(hold_time / 3)))
    }
}

/// RFC 9687 §4: SendHoldTime defaults to the greater of 8 minutes and twice
/// the Hold Time; `configured` (environment `bgp.send_hold_time`) replaces
/// it. Not used when the negotiated Hold Time is zero.
pub fn send_hold_for(hold_time: u16, configured: Option<Duration>) -> Option<Duration> {
    if hold_time == 0 {
        return None;
    }
    let default = DEFAULT_SEND_HOLD.max(Duration::from_secs(2 * u64::from(hold_time)));
    Some(configured.unwrap_or(default))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL_ID: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const PEER_ID: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    fn config() -> FsmConfig {
        FsmConfig {
            local_as: Some(65001),
            router_id: LOCAL_ID,
            hold_time: 90,
            ..FsmConfig::default()
        }
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn peer_open(hold_time: u16) -> Event {
        Event::Message(Received::Open { asn: 65002, hold_time, router_id: PEER_ID, refusal: None })
    }

    fn reports(actions: &[Action]) -> Vec<Report> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Report(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    fn has_action(actions: &[Action], pred: impl Fn(&Action) -> bool) -> bool {
        actions.iter().any(pred)
    }

    fn sent(actions: &[Action]) -> Vec<OutMessage> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    fn sent_notify(actions: &[Action]) -> Option<Notify> {
        sent(actions).into_iter().find_map(|m| match m {
            OutMessage::Notification(n) => Some(n),
            _ => None,
        })
    }

    fn armed(actions: &[Action], kind: TimerKind) -> Option<Instant> {
        actions.iter().rev().find_map(|a| match a {
            Action::Arm(k, at) if *k == kind => Some(*at),
            _ => None,
        })
    }

    fn closed(actions: &[Action]) -> Option<Reason> {
        actions.iter().find_map(|a| match a {
            Action::Close(r) => Some(r.clone()),
            _ => None,
        })
    }

    /// Drives a fresh FSM to `state` at `t0`; returns the FSM.
    fn fsm_in(state: State, t0: Instant) -> Fsm {
        let mut fsm = Fsm::new(config(), "peer 10.0.0.2");
        let mut out = Vec::new();
        if state == State::Idle {
            return fsm;
        }
        fsm.handle(t0, Event::ManualStart, &mut out);
        if state == State::Connect {
            return fsm;
        }
        if state == State::Active {
            fsm.handle(t0, Event::TcpConnectionFails, &mut out);
            return fsm;
        }
        fsm.handle(t0, Event::TcpConnectionConfirmed, &mut out);
        if state == State::OpenSent {
            return fsm;
        }
        fsm.handle(t0, peer_open(180), &mut out);
        if state == State::OpenConfirm {
            return fsm;
        }
        fsm.handle(t0, Event::Message(Received::KeepAlive), &mut out);
        assert_eq!(fsm.state(), State::Established);
        fsm
    }

    fn run(fsm: &mut Fsm, now: Instant, event: Event) -> Vec<Action> {
        let mut out = Vec::new();
        fsm.handle(now, event, &mut out);
        out
    }

    // --- Idle ---

    #[test]
    fn idle_manual_start_connects_and_goes_to_connect() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Idle, t0);
        let out = run(&mut fsm, t0, Event::ManualStart);
        assert_eq!(fsm.state(), State::Connect);
        assert!(has_action(&out, |a| *a == Action::Connect));
        // ExaBGP announces a session attempt as ACTIVE then IDLE.
        assert_eq!(reports(&out), [Report::Fsm(State::Active), Report::Fsm(State::Idle)]);
        assert_eq!(fsm.attempts(), 1);
    }

    #[test]
    fn idle_manual_start_passive_waits_in_active() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { passive: true, ..config() }, "p");
        let out = run(&mut fsm, t0, Event::ManualStart);
        assert_eq!(fsm.state(), State::Active);
        assert!(!has_action(&out, |a| *a == Action::Connect));
        assert_eq!(fsm.attempts(), 0);
    }

    #[test]
    fn idle_connection_before_start_is_refused() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Idle, t0);
        let out = run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        assert_eq!(fsm.state(), State::Idle);
        assert_eq!(closed(&out), Some(Reason::Refused));
        assert!(matches!(fsm.collision(), Collision::Reject(n) if n.code == 6 && n.subcode == 5));
    }

    #[test]
    fn idle_messages_are_ignored() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Idle, t0);
        let out = run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        assert!(out.is_empty());
        assert_eq!(fsm.state(), State::Idle);
    }

    // --- Connect / Active ---

    #[test]
    fn connect_tcp_confirmed_sends_open_and_arms_open_wait() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Connect, t0);
        let out = run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        assert_eq!(fsm.state(), State::OpenSent);
        assert_eq!(
            sent(&out),
            [OutMessage::Open { asn: 65001, hold_time: 90, router_id: LOCAL_ID }]
        );
        assert_eq!(armed(&out, TimerKind::Hold), Some(t0 + DEFAULT_OPEN_WAIT));
    }

    #[test]
    fn connect_tcp_fails_goes_active_and_arms_connect_retry() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Connect, t0);
        let out = run(&mut fsm, t0, Event::TcpConnectionFails);
        assert_eq!(fsm.state(), State::Active);
        assert_eq!(closed(&out), Some(Reason::ConnectFailed));
        assert_eq!(armed(&out, TimerKind::ConnectRetry), Some(t0 + DEFAULT_CONNECT_RETRY));
        // No session existed: no "down" for the API.
        assert!(!has_action(&out, |a| matches!(a, Action::Report(Report::Down(_)))));
    }

    #[test]
    fn active_connect_retry_expiry_connects_again_without_counting_an_attempt() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Active, t0);
        let out = run(&mut fsm, t0 + secs(1), Event::ConnectRetryTimerExpires);
        assert_eq!(fsm.state(), State::Connect);
        assert!(has_action(&out, |a| *a == Action::Connect));
        assert_eq!(fsm.attempts(), 1);
    }

    #[test]
    fn refused_connects_do_not_exhaust_the_attempt_limit() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { attempts: 1, ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        for _ in 0..5 {
            let out = run(&mut fsm, t0, Event::TcpConnectionFails);
            assert!(!has_action(&out, |a| *a == Action::Finished));
            run(&mut fsm, t0, Event::ConnectRetryTimerExpires);
        }
        assert_eq!(fsm.state(), State::Connect);
    }

    #[test]
    fn passive_active_ignores_connect_retry() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { passive: true, ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        let out = run(&mut fsm, t0, Event::ConnectRetryTimerExpires);
        assert!(out.is_empty());
        assert_eq!(fsm.state(), State::Active);
    }

    #[test]
    fn active_incoming_connection_sends_open() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { passive: true, ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        assert_eq!(fsm.collision(), Collision::Accept);
        let out = run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        assert_eq!(fsm.state(), State::OpenSent);
        assert!(matches!(sent(&out)[..], [OutMessage::Open { .. }]));
    }

    #[test]
    fn connect_mirror_mode_waits_for_open_then_answers_with_peer_asn() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { local_as: None, ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        let out = run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        assert_eq!(fsm.state(), State::Connect);
        assert!(sent(&out).is_empty());
        assert!(armed(&out, TimerKind::Hold).is_some());
        let out = run(&mut fsm, t0, peer_open(180));
        assert_eq!(
            sent(&out),
            [
                OutMessage::Open { asn: 65002, hold_time: 90, router_id: LOCAL_ID },
                OutMessage::KeepAlive
            ]
        );
        assert_eq!(fsm.state(), State::OpenConfirm);
    }

    // --- OpenSent ---

    #[test]
    fn opensent_open_sends_keepalive_and_negotiates_smaller_hold_time() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, peer_open(30));
        assert_eq!(fsm.state(), State::OpenConfirm);
        assert_eq!(sent(&out), [OutMessage::KeepAlive]);
        assert_eq!(fsm.hold_time(), 30);
        assert_eq!(armed(&out, TimerKind::Hold), Some(t0 + secs(30)));
        assert_eq!(armed(&out, TimerKind::Keepalive), Some(t0 + secs(10)));
    }

    #[test]
    fn opensent_open_with_our_larger_hold_time_keeps_ours_smaller() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        run(&mut fsm, t0, peer_open(240));
        assert_eq!(fsm.hold_time(), 90);
        assert_eq!(fsm.keepalive_interval(), Some(secs(30)));
    }

    #[test]
    fn opensent_open_with_zero_hold_time_disables_hold_and_keepalive() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, peer_open(0));
        assert_eq!(fsm.state(), State::OpenConfirm);
        assert_eq!(fsm.hold_time(), 0);
        assert!(has_action(&out, |a| *a == Action::Disarm(TimerKind::Hold)));
        assert!(has_action(&out, |a| *a == Action::Disarm(TimerKind::Keepalive)));
        assert_eq!(armed(&out, TimerKind::Keepalive), None);
    }

    #[test]
    fn opensent_refused_open_sends_the_verdict_and_goes_down() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let refusal = Notify::with_text(2, 2, "ASN in OPEN (65003) did not match ASN expected (65002)");
        let out = run(
            &mut fsm,
            t0,
            Event::Message(Received::Open {
                asn: 65003,
                hold_time: 90,
                router_id: PEER_ID,
                refusal: Some(refusal.clone()),
            }),
        );
        assert_eq!(sent(&out), [OutMessage::Notification(refusal.clone())]);
        assert_eq!(closed(&out), Some(Reason::NotifySent(refusal.clone())));
        assert_eq!(fsm.state(), State::Idle);
        // ExaBGP: no OPENCONFIRM; `down` then IDLE.
        assert_eq!(
            reports(&out),
            [Report::Down(Reason::NotifySent(refusal)), Report::Fsm(State::Idle)]
        );
        assert_eq!(
            Reason::NotifySent(Notify::new(2, 6)).to_string(),
            "notification sent (2,6)"
        );
    }

    #[test]
    fn mirror_mode_sends_its_open_before_the_refusal() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { local_as: None, ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        run(&mut fsm, t0, Event::TcpCrAcked);
        let refusal = Notify::with_text(2, 6, "Hold Time is invalid (1)");
        let out = run(
            &mut fsm,
            t0,
            Event::Message(Received::Open {
                asn: 65002,
                hold_time: 1,
                router_id: PEER_ID,
                refusal: Some(refusal.clone()),
            }),
        );
        assert_eq!(
            sent(&out),
            [
                OutMessage::Open { asn: 65002, hold_time: 90, router_id: LOCAL_ID },
                OutMessage::Notification(refusal)
            ]
        );
    }

    #[test]
    fn opensent_keepalive_is_an_fsm_error_5_1() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        let n = sent_notify(&out).expect("notification");
        assert_eq!((n.code, n.subcode), (5, 1));
        assert_eq!(n.data, b"The first packet received is not an open message (KEEPALIVE)");
        assert_eq!(fsm.state(), State::Idle);
    }

    #[test]
    fn opensent_update_is_an_fsm_error_5_1() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, Event::Message(Received::Update));
        assert_eq!(sent_notify(&out).map(|n| (n.code, n.subcode)), Some((5, 1)));
    }

    #[test]
    fn opensent_hold_expiry_is_exabgp_open_wait_notification() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0 + DEFAULT_OPEN_WAIT, Event::HoldTimerExpires);
        let n = sent_notify(&out).expect("notification");
        assert_eq!((n.code, n.subcode), (1, 1));
        assert_eq!(fsm.state(), State::Idle);
        // First session failure: reconnect at once.
        assert_eq!(armed(&out, TimerKind::IdleHold), Some(t0 + DEFAULT_OPEN_WAIT));
    }

    #[test]
    fn opensent_notification_closes_without_answering() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, Event::Message(Received::Notification { code: 6, subcode: 2 }));
        assert!(sent(&out).is_empty());
        assert_eq!(closed(&out), Some(Reason::NotificationReceived { code: 6, subcode: 2 }));
        assert_eq!(fsm.state(), State::Idle);
    }

    #[test]
    fn opensent_decode_error_sends_the_codec_notification() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let notify = Notify::open(subcode::UNSUPPORTED_VERSION_NUMBER);
        let out = run(&mut fsm, t0, Event::MessageError(notify.clone()));
        assert_eq!(sent_notify(&out), Some(notify.clone()));
        assert_eq!(closed(&out), Some(Reason::NotifySent(notify)));
    }

    #[test]
    fn opensent_tcp_fails_goes_idle_and_backs_off() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, Event::TcpConnectionFails);
        assert_eq!(fsm.state(), State::Idle);
        assert_eq!(closed(&out), Some(Reason::ConnectionLost));
        assert!(has_action(&out, |a| *a == Action::Report(Report::Down(Reason::ConnectionLost))));
        assert_eq!(armed(&out, TimerKind::IdleHold), Some(t0));
        // The second failure in a row waits a second.
        let t1 = t0 + secs(5);
        run(&mut fsm, t1, Event::IdleHoldTimerExpires);
        run(&mut fsm, t1, Event::TcpConnectionConfirmed);
        let out = run(&mut fsm, t1, Event::TcpConnectionFails);
        assert_eq!(armed(&out, TimerKind::IdleHold), Some(t1 + secs(1)));
    }

    #[test]
    fn opensent_collision_accepts_newcomer() {
        let t0 = Instant::now();
        let fsm = fsm_in(State::OpenSent, t0);
        assert_eq!(fsm.collision(), Collision::Accept);
    }

    #[test]
    fn collision_dump_then_confirm_restarts_on_new_connection() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, Event::OpenCollisionDump);
        assert_eq!(closed(&out), Some(Reason::Collision));
        assert!(sent(&out).is_empty());
        assert!(armed(&out, TimerKind::IdleHold).is_none());
        let out = run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        assert_eq!(fsm.state(), State::OpenSent);
        assert!(matches!(sent(&out)[..], [OutMessage::Open { .. }]));
    }

    // --- OpenConfirm ---

    #[test]
    fn openconfirm_keepalive_goes_established_and_reports_up() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenConfirm, t0);
        let t1 = t0 + secs(1);
        let out = run(&mut fsm, t1, Event::Message(Received::KeepAlive));
        assert_eq!(fsm.state(), State::Established);
        assert!(has_action(&out, |a| *a == Action::Report(Report::Up { hold_time: 90 })));
        assert_eq!(armed(&out, TimerKind::Hold), Some(t1 + secs(90)));
    }

    #[test]
    fn openconfirm_update_is_an_fsm_error_5_2() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenConfirm, t0);
        let out = run(&mut fsm, t0, Event::Message(Received::Update));
        let n = sent_notify(&out).expect("notification");
        assert_eq!((n.code, n.subcode), (5, 2));
        assert_eq!(n.data, b"Receive Unexpected Message in OpenConfirm State");
    }

    #[test]
    fn openconfirm_hold_expiry_sends_4_0_without_data() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenConfirm, t0);
        let out = run(&mut fsm, t0 + secs(90), Event::HoldTimerExpires);
        let n = sent_notify(&out).expect("notification");
        assert_eq!((n.code, n.subcode, n.data.len()), (4, 0, 0));
        assert_eq!(fsm.state(), State::Idle);
    }

    #[test]
    fn openconfirm_keepalive_timer_sends_keepalive_and_rearms() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenConfirm, t0);
        let out = run(&mut fsm, t0 + secs(30), Event::KeepaliveTimerExpires);
        assert_eq!(sent(&out), [OutMessage::KeepAlive]);
        assert_eq!(armed(&out, TimerKind::Keepalive), Some(t0 + secs(60)));
    }

    #[test]
    fn openconfirm_collision_keeps_ours_when_peer_id_is_lower() {
        let t0 = Instant::now();
        let mut fsm =
            Fsm::new(FsmConfig { router_id: Ipv4Addr::new(10, 0, 0, 9), ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        run(&mut fsm, t0, peer_open(90));
        assert_eq!(fsm.state(), State::OpenConfirm);
        assert!(matches!(fsm.collision(), Collision::Reject(n) if (n.code, n.subcode) == (6, 7)));
    }

    #[test]
    fn openconfirm_collision_accepts_when_peer_id_is_higher() {
        let t0 = Instant::now();
        let fsm = fsm_in(State::OpenConfirm, t0);
        assert_eq!(fsm.collision(), Collision::Accept);
    }

    // --- Established ---

    #[test]
    fn established_collision_rejects_newcomer() {
        let t0 = Instant::now();
        let fsm = fsm_in(State::Established, t0);
        assert!(matches!(fsm.collision(), Collision::Reject(n) if (n.code, n.subcode) == (6, 7)));
    }

    #[test]
    fn established_update_restarts_hold_timer() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let t1 = t0 + secs(50);
        let out = run(&mut fsm, t1, Event::Message(Received::Update));
        assert_eq!(armed(&out, TimerKind::Hold), Some(t1 + secs(90)));
        assert!(sent(&out).is_empty());
    }

    #[test]
    fn established_route_refresh_restarts_hold_timer() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let out = run(&mut fsm, t0, Event::Message(Received::RouteRefresh));
        assert!(armed(&out, TimerKind::Hold).is_some());
    }

    #[test]
    fn established_open_is_ignored_like_exabgp() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let out = run(&mut fsm, t0, peer_open(90));
        assert!(sent(&out).is_empty());
        assert!(armed(&out, TimerKind::Hold).is_some());
        assert_eq!(fsm.state(), State::Established);
    }

    #[test]
    fn established_hold_expiry_sends_4_0_and_reconnects_at_once() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let t1 = t0 + secs(90);
        let out = run(&mut fsm, t1, Event::HoldTimerExpires);
        assert_eq!(sent_notify(&out).map(|n| (n.code, n.subcode)), Some((4, 0)));
        assert!(has_action(&out, |a| matches!(
            a,
            Action::Report(Report::Down(Reason::NotifySent(_)))
        )));
        for kind in FSM_TIMERS {
            assert!(has_action(&out, |a| *a == Action::Disarm(kind)));
        }
        // Established reset the backoff: the next session starts now.
        assert_eq!(armed(&out, TimerKind::IdleHold), Some(t1));
        let out = run(&mut fsm, t1, Event::IdleHoldTimerExpires);
        assert_eq!(fsm.state(), State::Connect);
        assert!(has_action(&out, |a| *a == Action::Connect));
    }

    // --- RFC 9687 SendHoldTimer ---

    #[test]
    fn send_hold_time_is_the_greater_of_8_minutes_and_twice_hold() {
        assert_eq!(send_hold_for(0, None), None);
        assert_eq!(send_hold_for(0, Some(secs(2))), None);
        assert_eq!(send_hold_for(3, None), Some(secs(480)));
        assert_eq!(send_hold_for(90, None), Some(secs(480)));
        assert_eq!(send_hold_for(240, None), Some(secs(480)));
        assert_eq!(send_hold_for(300, None), Some(secs(600)));
        assert_eq!(send_hold_for(90, Some(secs(2))), Some(secs(2)));
    }

    #[test]
    fn entering_established_arms_the_send_hold_timer() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenConfirm, t0);
        assert_eq!(fsm.send_hold_time(), None);
        let t1 = t0 + secs(1);
        let out = run(&mut fsm, t1, Event::Message(Received::KeepAlive));
        assert_eq!(armed(&out, TimerKind::SendHold), Some(t1 + secs(480)));
        assert_eq!(fsm.send_hold_time(), Some(secs(480)));
    }

    #[test]
    fn send_hold_follows_a_long_negotiated_hold_time() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { hold_time: 300, ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        run(&mut fsm, t0, peer_open(400));
        let out = run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        assert_eq!(armed(&out, TimerKind::SendHold), Some(t0 + secs(600)));
    }

    #[test]
    fn configured_send_hold_replaces_the_default() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { send_hold: Some(secs(2)), ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        run(&mut fsm, t0, peer_open(90));
        let out = run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        assert_eq!(armed(&out, TimerKind::SendHold), Some(t0 + secs(2)));
    }

    #[test]
    fn send_progress_restarts_the_send_hold_timer() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let t1 = t0 + secs(100);
        let out = run(&mut fsm, t1, Event::SendProgress);
        assert_eq!(out, [Action::Arm(TimerKind::SendHold, t1 + secs(480))]);
    }

    #[test]
    fn zero_hold_time_means_no_send_hold_timer() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        run(&mut fsm, t0, peer_open(0));
        let out = run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        assert_eq!(fsm.state(), State::Established);
        assert!(armed(&out, TimerKind::SendHold).is_none());
        assert_eq!(fsm.send_hold_time(), None);
        assert!(run(&mut fsm, t0, Event::SendProgress).is_empty());
    }

    #[test]
    fn send_hold_expiry_sends_8_0_and_goes_idle() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let t1 = t0 + secs(480);
        let out = run(&mut fsm, t1, Event::SendHoldTimerExpires);
        let n = sent_notify(&out).expect("notification");
        assert_eq!((n.code, n.subcode), (8, 0));
        assert_eq!(n.data, b"Send Hold Timer Expired");
        let reason = Reason::NotifySent(n.clone());
        assert_eq!(reason.to_string(), "notification sent (8,0)");
        assert_eq!(closed(&out), Some(reason.clone()));
        assert_eq!(reports(&out), [Report::Down(reason), Report::Fsm(State::Idle)]);
        assert!(has_action(&out, |a| *a == Action::Disarm(TimerKind::SendHold)));
        assert_eq!(fsm.state(), State::Idle);
        // Established had reset the backoff: reconnect at once.
        assert_eq!(armed(&out, TimerKind::IdleHold), Some(t1));
        // A late expiry of the old session does nothing.
        assert!(run(&mut fsm, t1, Event::SendHoldTimerExpires).is_empty());
        assert!(run(&mut fsm, t1, Event::SendProgress).is_empty());
    }

    #[test]
    fn send_hold_events_before_established_are_ignored() {
        let t0 = Instant::now();
        for state in [State::Idle, State::Connect, State::OpenSent, State::OpenConfirm] {
            let mut fsm = fsm_in(state, t0);
            assert!(run(&mut fsm, t0, Event::SendHoldTimerExpires).is_empty(), "{state}");
            assert!(run(&mut fsm, t0, Event::SendProgress).is_empty(), "{state}");
            assert_eq!(fsm.state(), state);
        }
    }

    #[test]
    fn send_hold_timer_maps_to_its_event() {
        assert_eq!(Event::from_timer(TimerKind::SendHold), Some(Event::SendHoldTimerExpires));
    }

    #[test]
    fn established_notification_reports_down_with_codes() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let out = run(&mut fsm, t0, Event::Message(Received::Notification { code: 6, subcode: 4 }));
        let reason = Reason::NotificationReceived { code: 6, subcode: 4 };
        assert_eq!(reason.to_string(), "notification received (6,4)");
        assert!(has_action(&out, |a| *a == Action::Report(Report::Down(reason.clone()))));
        assert!(sent(&out).is_empty());
    }

    #[test]
    fn established_second_keepalive_with_zero_hold_time_fails() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        run(&mut fsm, t0, peer_open(0));
        run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        assert_eq!(fsm.state(), State::Established);
        let out = run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        assert!(out.is_empty());
        let out = run(&mut fsm, t0, Event::Message(Received::KeepAlive));
        assert_eq!(sent_notify(&out).map(|n| (n.code, n.subcode)), Some((2, 6)));
    }

    #[test]
    fn established_teardown_sends_cease_and_restarts() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let cease = Notify::cease(subcode::ADMINISTRATIVE_RESET);
        let out =
            run(&mut fsm, t0, Event::ManualStop { cease: Some(cease.clone()), restart: true });
        assert_eq!(sent_notify(&out), Some(cease.clone()));
        assert_eq!(closed(&out), Some(Reason::NotifySent(cease)));
        assert_eq!(armed(&out, TimerKind::IdleHold), Some(t0));
        assert!(!has_action(&out, |a| *a == Action::Finished));
        assert!(fsm.is_enabled());
    }

    #[test]
    fn established_shutdown_closes_silently_and_finishes() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let out = run(&mut fsm, t0, Event::ManualStop { cease: None, restart: false });
        assert!(sent(&out).is_empty());
        assert_eq!(closed(&out), Some(Reason::Stopped));
        assert!(has_action(&out, |a| *a == Action::Finished));
        assert_eq!(fsm.state(), State::Idle);
        assert!(!fsm.is_enabled());
        // A stopped peer ignores its backoff timer.
        assert!(run(&mut fsm, t0, Event::IdleHoldTimerExpires).is_empty());
    }

    #[test]
    fn connect_stop_closes_the_pending_connect() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Connect, t0);
        let out =
            run(&mut fsm, t0, Event::ManualStop { cease: Some(Notify::cease(2)), restart: false });
        assert!(sent(&out).is_empty());
        assert_eq!(closed(&out), Some(Reason::Stopped));
    }

    #[test]
    fn attempt_limit_stops_the_peer_after_the_session_ends() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { attempts: 2, ..config() }, "p");
        run(&mut fsm, t0, Event::ManualStart);
        run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        let out = run(&mut fsm, t0, Event::TcpConnectionFails);
        assert!(!has_action(&out, |a| *a == Action::Finished));
        run(&mut fsm, t0, Event::IdleHoldTimerExpires);
        run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        let out = run(&mut fsm, t0, Event::TcpConnectionFails);
        assert!(has_action(&out, |a| *a == Action::Finished));
        assert!(armed(&out, TimerKind::IdleHold).is_none());
        assert!(!fsm.is_enabled());
    }

    #[test]
    fn stale_timer_events_after_close_are_ignored() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        run(&mut fsm, t0, Event::TcpConnectionFails);
        assert!(run(&mut fsm, t0, Event::HoldTimerExpires).is_empty());
        assert!(run(&mut fsm, t0, Event::KeepaliveTimerExpires).is_empty());
        assert!(run(&mut fsm, t0, Event::Message(Received::Update)).is_empty());
    }

    // --- ExaBGP's API view ---

    #[test]
    fn outgoing_session_reports_like_exabgp() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(config(), "p");
        let mut all = reports(&run(&mut fsm, t0, Event::ManualStart));
        // Refused connects are retried silently.
        all.extend(reports(&run(&mut fsm, t0, Event::TcpConnectionFails)));
        all.extend(reports(&run(&mut fsm, t0, Event::ConnectRetryTimerExpires)));
        all.extend(reports(&run(&mut fsm, t0, Event::TcpCrAcked)));
        all.extend(reports(&run(&mut fsm, t0, peer_open(90))));
        all.extend(reports(&run(&mut fsm, t0, Event::Message(Received::KeepAlive))));
        use State::*;
        assert_eq!(
            all,
            [
                Report::Fsm(Active),
                Report::Fsm(Idle),
                Report::Fsm(Connect),
                Report::Fsm(OpenSent),
                Report::Negotiated,
                Report::Fsm(OpenConfirm),
                Report::Fsm(Established),
                Report::Up { hold_time: 90 },
            ]
        );
        // Hold timer expiry: down, IDLE; the next attempt starts with ACTIVE, IDLE.
        let out = run(&mut fsm, t0 + secs(90), Event::HoldTimerExpires);
        assert_eq!(
            reports(&out),
            [Report::Down(Reason::NotifySent(Notify::with_data(4, 0, &[]))), Report::Fsm(Idle)]
        );
        let out = run(&mut fsm, t0 + secs(90), Event::IdleHoldTimerExpires);
        assert_eq!(reports(&out), [Report::Fsm(Active), Report::Fsm(Idle)]);
    }

    #[test]
    fn incoming_session_on_a_passive_peer_reports_like_exabgp() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(FsmConfig { passive: true, ..config() }, "p");
        // ExaBGP does not run a passive peer before a connection arrives.
        assert!(reports(&run(&mut fsm, t0, Event::ManualStart)).is_empty());
        let out = run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        use State::*;
        assert_eq!(
            reports(&out),
            [Report::Fsm(Active), Report::Fsm(Idle), Report::Fsm(Connect), Report::Fsm(OpenSent)]
        );
        // The OPEN goes out between CONNECT and OPENSENT (send-open API order).
        let open_at = out.iter().position(|a| matches!(a, Action::Send(OutMessage::Open { .. })));
        let opensent_at = out.iter().position(|a| *a == Action::Report(Report::Fsm(OpenSent)));
        assert!(open_at < opensent_at);
    }

    #[test]
    fn shutdown_reports_down_then_idle_twice() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::Established, t0);
        let out = run(&mut fsm, t0, Event::ManualStop { cease: None, restart: false });
        assert_eq!(
            reports(&out),
            [Report::Down(Reason::Stopped), Report::Fsm(State::Idle), Report::Fsm(State::Idle)]
        );
        assert_eq!(Reason::Stopped.to_string(), "stop, message [shutting down]");
    }

    #[test]
    fn collision_dump_reports_exabgp_reason() {
        let t0 = Instant::now();
        let mut fsm = fsm_in(State::OpenSent, t0);
        let out = run(&mut fsm, t0, Event::OpenCollisionDump);
        assert_eq!(reports(&out), [Report::Down(Reason::Collision), Report::Fsm(State::Idle)]);
        assert_eq!(
            Reason::Collision.to_string(),
            "closing outgoing connection as we have another incoming on with higher router-id"
        );
        let out = run(&mut fsm, t0, Event::TcpConnectionConfirmed);
        assert_eq!(reports(&out)[..3], [Report::Fsm(State::Active), Report::Fsm(State::Idle), Report::Fsm(State::Connect)]);
    }

    #[test]
    fn state_names_are_exabgp_api_names() {
        let names: Vec<&str> = [
            State::Idle,
            State::Active,
            State::Connect,
            State::OpenSent,
            State::OpenConfirm,
            State::Established,
        ]
        .iter()
        .map(|s| s.name())
        .collect();
        assert_eq!(names, ["IDLE", "ACTIVE", "CONNECT", "OPENSENT", "OPENCONFIRM", "ESTABLISHED"]);
    }

    #[test]
    fn keepalive_is_a_third_of_hold_time_in_whole_seconds() {
        assert_eq!(keepalive_for(0), None);
        assert_eq!(keepalive_for(3), Some(secs(1)));
        assert_eq!(keepalive_for(10), Some(secs(3)));
        assert_eq!(keepalive_for(180), Some(secs(60)));
    }
}
