//! The poll loop (style-examples §3).
//!
//! Contract: `Reactor` owns the `mio::Poll`, every source (listeners, peers,
//! helper pipes, the signal pipe) in one `Slab` keyed by `Token`, the timers
//! and the run queue. `turn` is one iteration:
//!
//! 1. timeout = time to the earliest deadline, zero when the run queue or
//!    the flush list is not empty, capped by the caller's `max_wait`;
//! 2. poll (retrying on EINTR), then read the clock once: `now`;
//! 3. mark readiness and queue each woken source once, doing no work;
//! 4. run the queued sources (each with its own budget: a source with work
//!    left asks to run again next turn, which makes the next poll not wait);
//! 5. expire timers after I/O and give them to their owners;
//! 6. (the owner applies API commands between turns, see `drain_outputs`);
//! 7. flush writes; WRITABLE interest is kept only while bytes are queued;
//! 8. reap sources closed during the turn (slab keys are reused only then).
//!
//! It never busy-polls: with nothing queued it sleeps in `poll` until an
//! event or the next deadline. It never blocks elsewhere, except
//! `terminate_processes`, meant for shutdown.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

use crate::bgp::message::Message;
use crate::bgp::notify::Notify;

use super::connection::Connection;
use super::fsm::State;
use super::listener::{self, Accepted, ListenOptions, Listener, Match};
use super::peer::{Ctx, Peer, PeerOutput, PeerSettings, Step};
use super::process::{Dying, Problem, Process, ProcessSpec, Spawned, WriteStatus};
use super::signal::{self, SignalSource};
use super::timer::{TimerKind, Timers};

/// Events read per poll.
const EVENT_CAPACITY: usize = 1024;
/// Connections accepted per listener per turn.
const ACCEPT_BUDGET: usize = 64;
/// Timer token of the dying-children reaper.
const GRAVEYARD: Token = Token(usize::MAX - 1);
/// Timer tokens of processes are `PROCESS_TIMERS + id`.
const PROCESS_TIMERS: usize = usize::MAX / 2;
/// How often dying children are checked.
const REAP_EVERY: Duration = Duration::from_millis(50);

/// A peer, named by its slab token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub Token);

/// A helper process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId(pub usize);

/// Everything the poll can wake.
#[derive(Debug)]
pub enum Source {
    Listener(Listener),
    Peer(Box<Peer>),
    /// Our read end of a helper's stdout.
    ProcessOut(ProcessId),
    /// Our write end of a helper's stdin.
    ProcessIn(ProcessId),
    /// A helper's stderr, in `StderrMode::Log`.
    ProcessErr(ProcessId),
    Signal(SignalSource),
}

/// What happened, for the owner (API, RIB, daemon) to act on between turns.
#[derive(Debug)]
pub enum Output {
    Peer {
        peer: PeerId,
        event: PeerOutput,
    },
    /// Lines from a helper, as read in one go (not normalised; `debug `
    /// lines are not here).
    ProcessLines {
        process: ProcessId,
        lines: super::process::Lines,
    },
    /// A helper had a problem (EOF, error, overflow) and was terminated.
    ProcessExited {
        process: ProcessId,
        respawning: bool,
    },
    /// A helper could not be started (ExaBGP marks it broken: peers stop).
    ProcessBroken {
        process: ProcessId,
        error: String,
    },
    /// Sixth spawn in a 64 s window: ExaBGP exits with its `process` code.
    ProcessTooManyDeaths {
        process: ProcessId,
    },
    Signal(signal::Received),
}

#[derive(Debug)]
struct Entry {
    source: Source,
    /// Readable, EOF or error seen since the source last ran (sozu's
    /// `Readiness.event |= …`); writable events go to the flush list.
    readable: bool,
    scheduled: bool,
    closed: bool,
}

impl Entry {
    fn new(source: Source) -> Entry {
        Entry { source, readable: false, scheduled: false, closed: false }
    }
}

#[derive(Debug)]
struct ProcEntry {
    process: Process,
    out: Option<Token>,
    input: Option<Token>,
    err: Option<Token>,
    /// Whether stdin is registered for WRITABLE (only while bytes wait).
    input_registered: bool,
}

pub struct Reactor {
    poll: Poll,
    events: Events,
    sources: Slab<Entry>,
    processes: Slab<ProcEntry>,
    run_queue: VecDeque<Token>,
    flush_list: Vec<Token>,
    closing: Vec<Token>,
    timers: Timers,
    graveyard: Vec<Dying>,
    outputs: Vec<Output>,
    peer_outputs: Vec<PeerOutput>,
    lines: super::process::Lines,
    accepted: Vec<Accepted>,
    epoch: Instant,
    respawn_enabled: bool,
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.sources.len())
            .field("processes", &self.processes.len())
            .field("timers", &self.timers.len())
            .finish()
    }
}

// ===== impl Reactor =====

impl Reactor {
    pub fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            poll: Poll::new()?,
            events: Events::with_capacity(EVENT_CAPACITY),
            sources: Slab::new(),
            processes: Slab::new(),
            run_queue: VecDeque::new(),
            flush_list: Vec::new(),
            closing: Vec::new(),
            timers: Timers::new(),
            graveyard: Vec::new(),
            outputs: Vec::new(),
            peer_outputs: Vec::new(),
            lines: Default::default(),
            accepted: Vec::new(),
            epoch: Instant::now(),
            respawn_enabled: true,
        })
    }

    /// ExaBGP `api.respawn` (default true); applies to processes added later.
    pub fn set_respawn(&mut self, enabled: bool) {
        self.respawn_enabled = enabled;
    }

    // --- owner API: sources ---

    /// Installs the handlers of `signal::WATCHED` and polls their pipe.
    pub fn watch_signals(&mut self) -> io::Result<()> {
        let mut source = SignalSource::new()?;
        let entry = self.sources.vacant_entry();
        let token = Token(entry.key());
        self.poll.registry().register(source.signals_mut(), token, Interest::READABLE)?;
        entry.insert(Entry::new(Source::Signal(source)));
        Ok(())
    }

    /// Listens on `addr`; returns the bound address (useful with port 0).
    pub fn listen(&mut self, addr: SocketAddr, options: &ListenOptions) -> io::Result<SocketAddr> {
        let mut listener = Listener::bind(addr, options)?;
        let bound = listener.local_addr();
        let entry = self.sources.vacant_entry();
        let token = Token(entry.key());
        self.poll.registry().register(listener.socket_mut(), token, Interest::READABLE)?;
        entry.insert(Entry::new(Source::Listener(listener)));
        Ok(bound)
    }

    /// Adds a peer and starts it (ManualStart).
    pub fn add_peer(&mut self, settings: PeerSettings) -> PeerId {
        let token =
            Token(self.sources.insert(Entry::new(Source::Peer(Box::new(Peer::new(settings))))));
        let now = Instant::now();
        self.with_peer(token, |peer, ctx| peer.handle(now, super::fsm::Event::ManualStart, ctx));
        PeerId(token)
    }

    /// ManualStop: `cease` goes out if an OPEN was sent; `restart` starts the
    /// peer again after ExaBGP's delay.
    pub fn stop_peer(&mut self, peer: PeerId, cease: Option<Notify>, restart: bool) {
        let now = Instant::now();
        self.with_peer(peer.0, |p, ctx| p.stop(now, cease, restart, ctx));
    }

    /// New settings for a peer, used from its next session.
    pub fn reconfigure_peer(&mut self, peer: PeerId, settings: PeerSettings) {
        if let Some(Entry { source: Source::Peer(p), closed: false, .. }) =
            self.sources.get_mut(peer.0 .0)
        {
            p.set_settings(settings);
        }
    }

    /// Drops a peer at once, closing its connection without a NOTIFICATION.
    pub fn remove_peer(&mut self, peer: PeerId) {
        if let Some(Entry { source: Source::Peer(_), .. }) = self.sources.get(peer.0 .0) {
            self.reap(peer.0);
        }
    }

    pub fn peer(&self, peer: PeerId) -> Option<&Peer> {
        match self.sources.get(peer.0 .0) {
            Some(Entry { source: Source::Peer(p), closed: false, .. }) => Some(p),
            _ => None,
        }
    }

    pub fn peer_state(&self, peer: PeerId) -> Option<State> {
        self.peer(peer).map(|p| p.state())
    }

    /// Every live peer.
    pub fn peers(&self) -> Vec<PeerId> {
        self.sources
            .iter()
            .filter(|(_, e)| !e.closed && matches!(e.source, Source::Peer(_)))
            .map(|(key, _)| PeerId(Token(key)))
            .collect()
    }

    /// Queues an encoded UPDATE for an established peer; `false` when it
    /// cannot take more now (no session, or back-pressure).
    pub fn queue_update(&mut self, peer: PeerId, message: Bytes) -> bool {
        let queued = match self.sources.get_mut(peer.0 .0) {
            Some(Entry { source: Source::Peer(p), closed: false, .. }) => p.queue_update(message),
            _ => false,
        };
        if queued {
            self.flush_list.push(peer.0);
        }
        queued
    }

    /// Sends a ROUTE-REFRESH, OPERATIONAL (in line with the queued UPDATEs)
    /// or NOTIFICATION (which ends the session, like `teardown`) to an
    /// established peer; `false` when it is not established, for an OPEN, or
    /// when the message is too long for the session (see `Peer::send_message`).
    pub fn send_message(&mut self, peer: PeerId, message: &Message) -> bool {
        let now = Instant::now();
        self.with_peer(peer.0, |p, ctx| p.send_message(now, message, ctx)).unwrap_or(false)
    }

    /// Adds and spawns a helper (failures come as `Output`s).
    pub fn add_process(&mut self, spec: ProcessSpec) -> ProcessId {
        let process = Process::new(spec, self.respawn_enabled);
        let id = ProcessId(self.processes.insert(ProcEntry {
            process,
            out: None,
            input: None,
            err: None,
            input_registered: false,
        }));
        self.spawn_process(id);
        id
    }

    pub fn process(&self, id: ProcessId) -> Option<&Process> {
        self.processes.get(id.0).map(|e| &e.process)
    }

    /// Overrides `process::DEFAULT_WRITE_LIMIT` for one helper.
    pub fn set_process_write_limit(&mut self, id: ProcessId, limit: usize) {
        if let Some(entry) = self.processes.get_mut(id.0) {
            entry.process.set_write_limit(limit);
        }
    }

    pub fn process_ids(&self) -> Vec<ProcessId> {
        self.processes.iter().map(|(key, _)| ProcessId(key)).collect()
    }

    /// Queues a line (a newline is added) for a helper's stdin.
    pub fn write_process(&mut self, id: ProcessId, line: &str) -> WriteStatus {
        let Some(entry) = self.processes.get_mut(id.0) else {
            return WriteStatus::NotRunning;
        };
        let status = entry.process.write_line(line);
        match status {
            WriteStatus::Overflow => {
                // `write_line` logged it (with the overflow count).
                self.process_problem(id, Problem::Overflow, Instant::now());
            }
            WriteStatus::Queued | WriteStatus::Backlogged => {
                if let Some(token) = entry.input {
                    self.flush_list.push(token);
                }
            }
            WriteStatus::NotRunning => {}
        }
        status
    }

    /// Terminates a helper for good (configuration removed it).
    pub fn stop_process(&mut self, id: ProcessId) {
        if self.processes.contains(id.0) {
            self.timers.disarm(process_timer(id), TimerKind::Respawn);
            self.close_pipes(id);
            let now = Instant::now();
            if let Some(dying) = self.processes.get_mut(id.0).and_then(|e| e.process.terminate(now))
            {
                self.bury(dying, now);
            }
            self.processes.remove(id.0);
        }
    }

    /// Shutdown: SIGTERM every helper, wait up to 2 s, SIGKILL the rest.
    /// Blocks (ExaBGP joins its terminating threads the same way).
    pub fn terminate_processes(&mut self) {
        let now = Instant::now();
        let ids: Vec<ProcessId> = self.process_ids();
        let mut dying = std::mem::take(&mut self.graveyard);
        for id in ids {
            self.timers.disarm(process_timer(id), TimerKind::Respawn);
            self.close_pipes(id);
            if let Some(d) = self.processes.get_mut(id.0).and_then(|e| e.process.terminate(now)) {
                dying.push(d);
            }
            self.processes.remove(id.0);
        }
        self.timers.disarm(GRAVEYARD, TimerKind::Kill);
        for d in dying {
            d.wait();
        }
    }

    /// What happened during the last turns.
    pub fn drain_outputs(&mut self) -> std::vec::Drain<'_, Output> {
        self.outputs.drain(..)
    }

    // --- the loop ---

    /// One iteration; waits at most `max_wait` (`None`: until something
    /// happens or a timer is due).
    pub fn turn(&mut self, max_wait: Option<Duration>) -> io::Result<()> {
        // 1. timeout
        let mut timeout =
            self.timers.next_deadline().map(|at| at.saturating_duration_since(Instant::now()));
        if !self.run_queue.is_empty() || !self.flush_list.is_empty() {
            timeout = Some(Duration::ZERO);
        }
        timeout = match (timeout, max_wait) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // 2. poll
        loop {
            match self.poll.poll(&mut self.events, timeout) {
                Ok(()) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        let now = Instant::now();
        // 3. mark and queue
        for event in self.events.iter() {
            let token = event.token();
            let Some(entry) = self.sources.get_mut(token.0) else { continue };
            if entry.closed {
                continue;
            }
            let input = event.is_readable() || event.is_read_closed() || event.is_error();
            entry.readable |= input;
            if event.is_writable() {
                match entry.source {
                    Source::ProcessIn(_) => self.flush_list.push(token),
                    // A connect completes with WRITABLE: the peer must run.
                    Source::Peer(_) => self.flush_list.push(token),
                    _ => {}
                }
            }
            let wake = input || matches!(entry.source, Source::Peer(_));
            if wake && !entry.scheduled {
                entry.scheduled = true;
                self.run_queue.push_back(token);
            }
        }
        // 4. run
        for _ in 0..self.run_queue.len() {
            let Some(token) = self.run_queue.pop_front() else { break };
            let readable = match self.sources.get_mut(token.0) {
                Some(entry) if !entry.closed => {
                    entry.scheduled = false;
                    std::mem::take(&mut entry.readable)
                }
                _ => continue,
            };
            self.run_source(token, readable, now);
        }
        // 5. timers
        while let Some((token, kind)) = self.timers.pop_expired(now) {
            self.on_timer(token, kind, now);
        }
        // 7. flush
        let mut flush = std::mem::take(&mut self.flush_list);
        flush.sort_unstable();
        flush.dedup();
        for token in flush.drain(..) {
            self.flush_source(token, now);
        }
        // Anything queued while flushing goes out next turn (no wait).
        flush.append(&mut self.flush_list);
        self.flush_list = flush;
        // 8. reap
        while let Some(token) = self.closing.pop() {
            self.reap(token);
        }
        Ok(())
    }

    fn schedule(&mut self, token: Token) {
        if let Some(entry) = self.sources.get_mut(token.0) {
            if !entry.closed && !entry.scheduled {
                entry.scheduled = true;
                self.run_queue.push_back(token);
            }
        }
    }

    fn run_source(&mut self, token: Token, readable: bool, now: Instant) {
        let Some(entry) = self.sources.get_mut(token.0) else { return };
        match &mut entry.source {
            Source::Listener(listener) => {
                let before = self.accepted.len();
                if let Err(e) = listener.accept_all(ACCEPT_BUDGET, &mut self.accepted) {
                    log::error!(target: "network", "accept failed: {}", e);
                }
                let again = self.accepted.len() - before >= ACCEPT_BUDGET;
                let accepted = std::mem::take(&mut self.accepted);
                for connection in accepted {
                    self.dispatch_accepted(connection, now);
                }
                if again {
                    self.schedule(token);
                }
            }
            Source::Peer(_) => {
                let step = self.with_peer(token, |peer, ctx| peer.run(now, readable, ctx));
                if step == Some(Step::Again) {
                    self.schedule(token);
                }
            }
            Source::ProcessOut(id) => {
                let id = *id;
                self.read_process(id, token, now);
            }
            Source::ProcessErr(id) => {
                let id = *id;
                if let Some(entry) = self.processes.get_mut(id.0) {
                    if let Err(problem) = entry.process.drain_stderr() {
                        log::debug!(target: "process", "stderr of {}: {:?}", entry.process.name(), problem);
                    }
                }
            }
            Source::ProcessIn(_) => self.flush_list.push(token),
            Source::Signal(signals) => {
                let mut received = Vec::new();
                signals.drain(&mut received);
                self.outputs.extend(received.into_iter().map(Output::Signal));
            }
        }
    }

    /// Gives an accepted connection to its peer, or refuses it.
    fn dispatch_accepted(&mut self, accepted: Accepted, now: Instant) {
        let candidates = self.sources.iter().filter_map(|(key, e)| match &e.source {
            Source::Peer(p) if !e.closed => {
                let s = p.settings();
                Some((key, s.peer_address, s.local_address))
            }
            _ => None,
        });
        let found = listener::match_peer(candidates, accepted.remote.ip(), accepted.local.ip());
        match found {
            Match::Peer(key) => {
                let token = Token(key);
                let conn = Connection::accepted(accepted.stream, accepted.remote);
                log::debug!(target: "network", "accepted connection from {}", accepted.remote);
                self.with_peer(token, |peer, ctx| peer.offer(now, conn, ctx));
            }
            Match::None | Match::Ambiguous => {
                let notify = listener::refusal(&found);
                log::debug!(target: "network", "no session configured for {}", accepted.remote);
                listener::reject(accepted.stream, &notify);
            }
        }
    }

    /// Runs `f` on the peer at `token` with a context, then collects its
    /// outputs, queues its flush and marks it closed when it finished.
    fn with_peer<R>(
        &mut self,
        token: Token,
        f: impl FnOnce(&mut Peer, &mut Ctx<'_>) -> R,
    ) -> Option<R> {
        let Reactor { poll, sources, timers, peer_outputs, .. } = self;
        let entry = sources.get_mut(token.0)?;
        if entry.closed {
            return None;
        }
        let Source::Peer(peer) = &mut entry.source else { return None };
        let mut ctx = Ctx { registry: poll.registry(), timers, outputs: peer_outputs, token };
        let result = f(peer, &mut ctx);
        let step = peer.step();
        if step == Step::Close {
            entry.closed = true;
            self.closing.push(token);
        }
        self.flush_list.push(token);
        let id = PeerId(token);
        self.outputs
            .extend(self.peer_outputs.drain(..).map(|event| Output::Peer { peer: id, event }));
        Some(result)
    }

    fn on_timer(&mut self, token: Token, kind: TimerKind, now: Instant) {
        if token == GRAVEYARD {
            self.graveyard.retain_mut(|d| !d.check(now));
            if !self.graveyard.is_empty() {
                self.timers.arm(GRAVEYARD, TimerKind::Kill, now + REAP_EVERY);
            }
            return;
        }
        if token.0 >= PROCESS_TIMERS {
            let id = ProcessId(token.0 - PROCESS_TIMERS);
            if kind == TimerKind::Respawn && self.processes.contains(id.0) {
                log::debug!(target: "process", "respawning process {:?}", id);
                self.spawn_process(id);
            }
            return;
        }
        self.with_peer(token, |peer, ctx| peer.on_timer(now, kind, ctx));
    }

    fn flush_source(&mut self, token: Token, now: Instant) {
        let Some(entry) = self.sources.get_mut(token.0) else { return };
        if entry.closed {
            return;
        }
        match &entry.source {
            Source::Peer(_) => {
                let Reactor { poll, sources, timers, peer_outputs, .. } = self;
                if let Some(Entry { source: Source::Peer(peer), .. }) = sources.get_mut(token.0) {
                    let mut ctx =
                        Ctx { registry: poll.registry(), timers, outputs: peer_outputs, token };
                    peer.flush(now, &mut ctx);
                    let step = peer.step();
                    if step == Step::Close {
                        if let Some(entry) = sources.get_mut(token.0) {
                            entry.closed = true;
                        }
                        self.closing.push(token);
                    }
                    let id = PeerId(token);
                    self.outputs.extend(
                        self.peer_outputs.drain(..).map(|event| Output::Peer { peer: id, event }),
                    );
                }
            }
            Source::ProcessIn(id) => {
                let id = *id;
                self.flush_process(id, token, now);
            }
            _ => {}
        }
    }

    // --- processes ---

    fn spawn_process(&mut self, id: ProcessId) {
        let uptime = self.epoch.elapsed().as_secs();
        let Some(entry) = self.processes.get_mut(id.0) else { return };
        match entry.process.spawn(uptime) {
            Ok(spawned) => {
                if spawned == Spawned::TooManyDeaths {
                    self.outputs.push(Output::ProcessTooManyDeaths { process: id });
                }
                if let Err(e) = self.register_pipes(id) {
                    log::error!(target: "process", "could not watch process {:?}: {}", id, e);
                    self.outputs.push(Output::ProcessBroken { process: id, error: e.to_string() });
                }
            }
            Err(e) => {
                log::error!(target: "process", "could not start process {}: {}", entry.process.name(), e);
                self.outputs.push(Output::ProcessBroken { process: id, error: e.to_string() });
            }
        }
    }

    fn register_pipes(&mut self, id: ProcessId) -> io::Result<()> {
        let Reactor { poll, sources, processes, .. } = self;
        let Some(entry) = processes.get_mut(id.0) else { return Ok(()) };
        if let Some(stdout) = entry.process.stdout_mut() {
            let slot = sources.vacant_entry();
            let token = Token(slot.key());
            poll.registry().register(stdout, token, Interest::READABLE)?;
            slot.insert(Entry::new(Source::ProcessOut(id)));
            entry.out = Some(token);
        }
        if let Some(stderr) = entry.process.stderr_mut() {
            let slot = sources.vacant_entry();
            let token = Token(slot.key());
            poll.registry().register(stderr, token, Interest::READABLE)?;
            slot.insert(Entry::new(Source::ProcessErr(id)));
            entry.err = Some(token);
        }
        if entry.process.stdin_mut().is_some() {
            // Registered for WRITABLE only while bytes wait (flush_process).
            let token = Token(sources.insert(Entry::new(Source::ProcessIn(id))));
            entry.input = Some(token);
            entry.input_registered = false;
        }
        Ok(())
    }

    fn read_process(&mut self, id: ProcessId, token: Token, now: Instant) {
        let Some(entry) = self.processes.get_mut(id.0) else { return };
        let result = entry.process.read_lines(&mut self.lines);
        if !self.lines.is_empty() {
            self.outputs.push(Output::ProcessLines { process: id, lines: std::mem::take(&mut self.lines) });
        }
        match result {
            Ok(status) => {
                if status.more {
                    self.schedule(token);
                }
            }
            Err(problem) => self.process_problem(id, problem, now),
        }
    }

    fn flush_process(&mut self, id: ProcessId, token: Token, now: Instant) {
        let Reactor { poll, processes, .. } = self;
        let Some(entry) = processes.get_mut(id.0) else { return };
        match entry.process.flush() {
            Ok(done) => {
                let Some(stdin) = entry.process.stdin_mut() else { return };
                if done && entry.input_registered {
                    let _ = poll.registry().deregister(stdin);
                    entry.input_registered = false;
                } else if !done
                    && !entry.input_registered
                    && poll.registry().register(stdin, token, Interest::WRITABLE).is_ok()
                {
                    entry.input_registered = true;
                }
            }
            Err(problem) => self.process_problem(id, problem, now),
        }
    }

    /// Deregisters a helper's pipes and marks their entries closed.
    fn close_pipes(&mut self, id: ProcessId) {
        let Reactor { poll, sources, processes, closing, .. } = self;
        let Some(entry) = processes.get_mut(id.0) else { return };
        if let Some(stdout) = entry.process.stdout_mut() {
            let _ = poll.registry().deregister(stdout);
        }
        if let Some(stderr) = entry.process.stderr_mut() {
            let _ = poll.registry().deregister(stderr);
        }
        if entry.input_registered {
            if let Some(stdin) = entry.process.stdin_mut() {
                let _ = poll.registry().deregister(stdin);
            }
            entry.input_registered = false;
        }
        for token in [entry.out.take(), entry.input.take(), entry.err.take()].into_iter().flatten()
        {
            if let Some(source) = sources.get_mut(token.0) {
                source.closed = true;
                closing.push(token);
            }
        }
    }

    /// ExaBGP `_handle_problem`: terminate, and respawn when allowed.
    fn process_problem(&mut self, id: ProcessId, problem: Problem, now: Instant) {
        let Some(entry) = self.processes.get(id.0) else { return };
        let respawning = entry.process.should_respawn();
        log::debug!(
            target: "process",
            "process {} ended ({:?}){}",
            entry.process.name(),
            problem,
            if respawning { ", restarting it" } else { "" }
        );
        self.close_pipes(id);
        if let Some(dying) = self.processes.get_mut(id.0).and_then(|e| e.process.terminate(now)) {
            self.bury(dying, now);
        }
        self.outputs.push(Output::ProcessExited { process: id, respawning });
        if respawning {
            self.timers.arm(process_timer(id), TimerKind::Respawn, now);
        }
    }

    fn bury(&mut self, dying: Dying, now: Instant) {
        self.graveyard.push(dying);
        if !self.timers.is_armed(GRAVEYARD, TimerKind::Kill) {
            self.timers.arm(GRAVEYARD, TimerKind::Kill, now + REAP_EVERY);
        }
    }

    /// Removes a slab entry, deregistering what it owns.
    fn reap(&mut self, token: Token) {
        if !self.sources.contains(token.0) {
            return;
        }
        let mut entry = self.sources.remove(token.0);
        match &mut entry.source {
            Source::Peer(peer) => {
                let mut ctx = Ctx {
                    registry: self.poll.registry(),
                    timers: &mut self.timers,
                    outputs: &mut self.peer_outputs,
                    token,
                };
                peer.deregister(&mut ctx);
                self.peer_outputs.clear();
            }
            Source::Listener(listener) => {
                let _ = self.poll.registry().deregister(listener.socket_mut());
            }
            Source::Signal(signals) => {
                let _ = self.poll.registry().deregister(signals.signals_mut());
            }
            // Pipes were deregistered by close_pipes.
            Source::ProcessOut(_) | Source::ProcessIn(_) | Source::ProcessErr(_) => {}
        }
    }
}

impl Drop for Reactor {
    /// Children must not outlive the reactor: whatever `terminate_processes`
    /// did not already end is killed outright here.
    fn drop(&mut self) {
        let now = Instant::now();
        let mut dying = std::mem::take(&mut self.graveyard);
        for (_, entry) in self.processes.iter_mut() {
            dying.extend(entry.process.terminate(now));
        }
        for mut d in dying {
            d.kill_now();
            d.wait();
        }
    }
}

fn process_timer(id: ProcessId) -> Token {
    Token(PROCESS_TIMERS + id.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::capability::LocalCapabilities;
    use crate::bgp::iana::{Family, MessageType};
    use crate::bgp::message::{Open, RouteRefresh};
    use crate::bgp::negotiated::Negotiated;
    use crate::reactor::connection::{ConnectOptions, Frame, Priority};
    use crate::reactor::fsm::Report;
    use crate::reactor::peer::Packet;
    use bytes::BytesMut;
    use crate::reactor::process::StderrMode;
    use std::io::{Read, Write};
    use std::net::{IpAddr, Ipv4Addr};

    const DEADLINE: Duration = Duration::from_secs(10);

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Turns until `done` holds over the outputs seen so far (or panics).
    fn turn_until(
        reactor: &mut Reactor,
        seen: &mut Vec<Output>,
        done: impl Fn(&Reactor, &[Output]) -> bool,
    ) {
        let start = Instant::now();
        while !done(reactor, seen) {
            assert!(start.elapsed() < DEADLINE, "timed out; outputs: {:#?}", seen);
            reactor.turn(Some(Duration::from_millis(50))).unwrap();
            seen.extend(reactor.drain_outputs());
        }
    }

    fn is_up(o: &Output, who: PeerId) -> bool {
        matches!(o, Output::Peer { peer, event: PeerOutput::Report(Report::Up { .. }) } if *peer == who)
    }

    fn settings(peer: &str, local: &str, local_as: u32, peer_as: u32) -> PeerSettings {
        PeerSettings {
            local_address: Some(ip(local)),
            local_as: Some(local_as),
            peer_as: Some(peer_as),
            hold_time: 30,
            connect_retry: Duration::from_millis(20),
            ..PeerSettings::new(ip(peer))
        }
    }

    /// The API-visible sequence of one peer: `fsm` states, `connected`,
    /// `up`, `down <reason>`.
    fn api_sequence(seen: &[Output], who: PeerId) -> Vec<String> {
        seen.iter()
            .filter_map(|o| match o {
                Output::Peer { peer, event } if *peer == who => match event {
                    PeerOutput::Report(Report::Fsm(state)) => Some(state.name().to_string()),
                    PeerOutput::Report(Report::Up { .. }) => Some("up".into()),
                    PeerOutput::Report(Report::Down(reason)) => Some(format!("down {reason}")),
                    PeerOutput::Connected { .. } => Some("connected".into()),
                    PeerOutput::Negotiated(_) => Some("negotiated".into()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    fn received(o: &Output, who: PeerId) -> Option<&Packet> {
        match o {
            Output::Peer { peer, event: PeerOutput::Received(p) } if *peer == who => Some(p),
            _ => None,
        }
    }

    fn sent_by(o: &Output, who: PeerId) -> Option<&Packet> {
        match o {
            Output::Peer { peer, event: PeerOutput::Sent(p) } if *peer == who => Some(p),
            _ => None,
        }
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| *c != ':').collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    const FOUR_OCTET_AS: u32 = 4_200_000_001;

    #[test]
    fn two_peers_establish_over_loopback_then_teardown() {
        let mut reactor = Reactor::new().unwrap();
        let bound =
            reactor.listen("127.0.0.3:0".parse().unwrap(), &ListenOptions::default()).unwrap();
        let families = vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST];
        let caps = LocalCapabilities {
            families: families.clone(),
            asn4: true,
            add_path: 3,
            addpath_families: vec![Family::IPV4_UNICAST],
            route_refresh: true,
            ..LocalCapabilities::default()
        };
        let passive = reactor.add_peer(PeerSettings {
            passive: true,
            router_id: Some(Ipv4Addr::new(2, 2, 2, 2)),
            capabilities: LocalCapabilities { families: vec![Family::IPV4_UNICAST], ..caps.clone() },
            ..settings("127.0.0.2", "127.0.0.3", 65002, FOUR_OCTET_AS)
        });
        let active = reactor.add_peer(PeerSettings {
            peer_port: bound.port(),
            capabilities: caps,
            ..settings("127.0.0.3", "127.0.0.2", FOUR_OCTET_AS, 65002)
        });
        let mut seen = Vec::new();
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter().any(|o| is_up(o, active)) && o.iter().any(|o| is_up(o, passive))
        });
        assert_eq!(reactor.peer_state(active), Some(State::Established));
        assert_eq!(reactor.peer_state(passive), Some(State::Established));
        // ExaBGP's API sequences (api.md §5.3).
        let session = ["CONNECT", "OPENSENT", "negotiated", "OPENCONFIRM", "ESTABLISHED", "up"];
        let mut outgoing = vec!["ACTIVE", "IDLE", "connected"];
        outgoing.extend(session);
        assert_eq!(api_sequence(&seen, active), outgoing);
        let mut incoming = vec!["connected", "ACTIVE", "IDLE"];
        incoming.extend(session);
        assert_eq!(api_sequence(&seen, passive), incoming);
        // The active side learnt its router-id from its local address.
        assert_eq!(
            reactor.peer(active).unwrap().fsm().config().router_id,
            Ipv4Addr::new(127, 0, 0, 2)
        );
        // Real OPENs: the 4-octet ASN travels as AS_TRANS plus the capability.
        let open = seen.iter().find_map(|o| received(o, passive)).expect("OPEN received").clone();
        let Message::Open(peer_open) = &open.message else { panic!("not an OPEN: {open:?}") };
        assert_eq!(&open.body[1..3], &[0x5B, 0xA0]);
        assert_eq!(peer_open.capabilities.asn4(), Some(FOUR_OCTET_AS));
        assert_eq!(open.header.len(), 19);
        let sent_open = seen.iter().find_map(|o| sent_by(o, active)).expect("OPEN sent");
        assert_eq!(sent_open.body, open.body);
        // Both sides agreed: asn4, the common family, add-path both ways.
        for (who, peer_as) in [(active, 65002), (passive, FOUR_OCTET_AS)] {
            let n = reactor.peer(who).unwrap().negotiated().expect("negotiated").clone();
            assert!(n.asn4);
            assert_eq!(n.peer_as, peer_as);
            assert_eq!(n.families, vec![Family::IPV4_UNICAST]);
            assert_eq!(n.addpath_send, vec![Family::IPV4_UNICAST]);
            assert_eq!(n.addpath_receive, vec![Family::IPV4_UNICAST]);
            // ExaBGP's encoder leaves empty capabilities (route-refresh)
            // out of the OPEN (capability::SEND_EMPTY_VALUES): not agreed.
            assert_eq!(n.refresh, crate::bgp::negotiated::Refresh::Absent);
        }

        // A real UPDATE: 10.0.0.0/24 path-id 1, ORIGIN IGP, AS_PATH
        // [4200000001] in 4 octets, NEXT_HOP 127.0.0.3.
        let body = hex("0000:0014:40010100:400206:0201FA56EA01:4003047F000003:00000001180A0000");
        let mut update = BytesMut::new();
        Message::Update(Bytes::from(body.clone()))
            .pack(&Negotiated::default(), &mut update)
            .unwrap();
        assert!(reactor.queue_update(active, update.freeze()));
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter().any(|o| matches!(received(o, passive), Some(p) if matches!(p.message, Message::Update(_))))
        });
        let got = seen
            .iter()
            .filter_map(|o| received(o, passive))
            .find(|p| matches!(p.message, Message::Update(_)))
            .unwrap();
        assert_eq!(got.message, Message::Update(Bytes::from(body.clone())));
        assert_eq!(&got.body[..], &body[..]);
        assert_eq!(&got.header[16..], &[0, (19 + body.len()) as u8, 2]);
        let n = got.negotiated.as_ref().expect("negotiated with the UPDATE");
        assert!(n.addpath(Family::IPV4_UNICAST, crate::bgp::negotiated::Direction::In));

        // ROUTE-REFRESH from the API: the other side is asked to resend.
        let refresh = Message::RouteRefresh(RouteRefresh::new(Family::IPV4_UNICAST, 0));
        assert!(reactor.send_message(active, &refresh));
        assert!(!reactor.send_message(active, &Message::Open(peer_open.clone())));
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter().any(|o| matches!(o, Output::Peer { peer, event: PeerOutput::Refresh { family: Family::IPV4_UNICAST, enhanced: false } } if *peer == passive))
        });

        // Teardown 6/4 from the active side: the passive side sees it.
        let cease = Notify::cease(crate::bgp::notify::subcode::ADMINISTRATIVE_RESET);
        reactor.stop_peer(active, Some(cease), false);
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter().any(|o| matches!(received(o, passive), Some(Packet { message: Message::Notification(n), .. }) if (n.code, n.subcode) == (6, 4)))
        });
        turn_until(&mut reactor, &mut seen, |r, _| reactor_peer_gone(r, active));
        let tail = |who| {
            let all = api_sequence(&seen, who);
            all[all.len() - 2..].to_vec()
        };
        assert_eq!(tail(active), ["down notification sent (6,4)", "IDLE"]);
        assert_eq!(tail(passive), ["down notification received (6,4)", "IDLE"]);
        assert!(reactor.peer(passive).unwrap().negotiated().is_none());
        // The passive peer goes back to waiting.
        let mut seen2 = Vec::new();
        turn_until(&mut reactor, &mut seen2, |r, _| r.peer_state(passive) == Some(State::Active));
    }

    /// A scripted peer on a plain socket: the reactor connects to it.
    struct FakePeer {
        listener: std::net::TcpListener,
    }

    impl FakePeer {
        fn new() -> FakePeer {
            FakePeer { listener: std::net::TcpListener::bind("127.0.0.1:0").unwrap() }
        }

        fn settings(&self) -> PeerSettings {
            PeerSettings {
                peer_port: self.listener.local_addr().unwrap().port(),
                router_id: Some(Ipv4Addr::new(1, 1, 1, 1)),
                ..settings("127.0.0.1", "127.0.0.1", 65001, 65002)
            }
        }

        /// Accepts the reactor's connection, writes `script` at once, then
        /// returns every message the reactor sent until it closed.
        fn run(&self, reactor: &mut Reactor, script: &[u8], seen: &mut Vec<Output>) -> Vec<Vec<u8>> {
            self.listener.set_nonblocking(true).unwrap();
            let start = Instant::now();
            let mut stream = loop {
                reactor.turn(Some(Duration::from_millis(10))).unwrap();
                seen.extend(reactor.drain_outputs());
                if let Ok((stream, _)) = self.listener.accept() {
                    break stream;
                }
                assert!(start.elapsed() < DEADLINE, "no connection");
            };
            stream.set_nonblocking(true).unwrap();
            stream.write_all(script).unwrap();
            let mut wire = Vec::new();
            loop {
                reactor.turn(Some(Duration::from_millis(10))).unwrap();
                seen.extend(reactor.drain_outputs());
                let mut buf = [0u8; 4096];
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => wire.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => break,
                }
                assert!(start.elapsed() < DEADLINE, "not closed; got {wire:02X?}");
            }
            let mut messages = Vec::new();
            let mut rest = &wire[..];
            while rest.len() >= 19 {
                let len = usize::from(u16::from_be_bytes([rest[16], rest[17]]));
                messages.push(rest[..len].to_vec());
                rest = &rest[len..];
            }
            messages
        }
    }

    /// The OPEN a test peer sends: AS `asn`, ipv4 unicast and asn4.
    fn peer_open_bytes(asn: u32, hold_time: u16) -> Vec<u8> {
        let caps = LocalCapabilities {
            families: vec![Family::IPV4_UNICAST],
            local_as: asn,
            asn4: true,
            ..LocalCapabilities::default()
        };
        let open = Open::new(asn, hold_time, Ipv4Addr::new(2, 2, 2, 2), caps.build());
        let mut out = BytesMut::new();
        Message::Open(open).pack(&Negotiated::default(), &mut out).unwrap();
        out.to_vec()
    }

    const KEEPALIVE: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0013:04";

    /// Runs `script` against a reactor peer; returns the messages it sent
    /// and its API sequence.
    fn scripted(script: &[u8]) -> (Vec<Vec<u8>>, Vec<String>) {
        let (messages, seen, id) = scripted_with(|s| s, script);
        (messages, api_sequence(&seen, id))
    }

    /// As `scripted`, with adjusted settings; returns every output.
    fn scripted_with(
        adjust: impl FnOnce(PeerSettings) -> PeerSettings,
        script: &[u8],
    ) -> (Vec<Vec<u8>>, Vec<Output>, PeerId) {
        let mut reactor = Reactor::new().unwrap();
        let fake = FakePeer::new();
        let id = reactor.add_peer(adjust(PeerSettings { attempts: 1, ..fake.settings() }));
        let mut seen = Vec::new();
        let messages = fake.run(&mut reactor, script, &mut seen);
        turn_until(&mut reactor, &mut seen, |r, _| r.peer(id).is_none());
        (messages, seen, id)
    }

    /// An OPEN from AS 65002 with ipv4 unicast, asn4 and the extended
    /// message capability (RFC 8654), which ExaBGP's encoder leaves out.
    const EXTENDED_OPEN: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:01:04FDEA00B402020202:14:020601040001000102064104 0000FDEA:02020600";

    /// A valid UPDATE of 5023 octets: 1000 withdrawn /32s.
    fn big_update() -> Vec<u8> {
        let mut m = hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:139F:02:1388");
        for i in 0..1000u32 {
            m.push(32);
            m.extend_from_slice(&(0x0A00_0000 + i).to_be_bytes());
        }
        m.extend_from_slice(&[0, 0]);
        assert_eq!(m.len(), 5023);
        m
    }

    /// A quiet session (nothing to write between KEEPALIVEs) is not a
    /// stalled one, however short the SendHoldTime.
    #[test]
    fn quiet_session_survives_a_short_send_hold_time() {
        let mut reactor = Reactor::new().unwrap();
        let bound =
            reactor.listen("127.0.0.5:0".parse().unwrap(), &ListenOptions::default()).unwrap();
        let short = Some(Duration::from_millis(100));
        let passive = reactor.add_peer(PeerSettings {
            passive: true,
            router_id: Some(Ipv4Addr::new(2, 2, 2, 2)),
            send_hold: short,
            ..settings("127.0.0.4", "127.0.0.5", 65002, 65001)
        });
        let active = reactor.add_peer(PeerSettings {
            peer_port: bound.port(),
            send_hold: short,
            ..settings("127.0.0.5", "127.0.0.4", 65001, 65002)
        });
        let mut seen = Vec::new();
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter().any(|o| is_up(o, active)) && o.iter().any(|o| is_up(o, passive))
        });
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(700) {
            reactor.turn(Some(Duration::from_millis(50))).unwrap();
            seen.extend(reactor.drain_outputs());
        }
        assert_eq!(reactor.peer_state(active), Some(State::Established));
        assert_eq!(reactor.peer_state(passive), Some(State::Established));
        assert!(!api_sequence(&seen, active).iter().any(|s| s.starts_with("down")));
    }

    /// RFC 9687: a peer that completes the OPEN exchange and then reads
    /// nothing is closed with 8/0 once SendHoldTime passed without progress.
    #[test]
    fn stalled_reader_is_closed_by_the_send_hold_timer() {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        // A small receive window, set before listen so accepted sockets
        // inherit it: the stall shows after a few KiB.
        socket.set_recv_buffer_size(4096).unwrap();
        socket.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
        socket.listen(8).unwrap();
        let listener: std::net::TcpListener = socket.into();
        listener.set_nonblocking(true).unwrap();
        let mut reactor = Reactor::new().unwrap();
        let id = reactor.add_peer(PeerSettings {
            peer_port: listener.local_addr().unwrap().port(),
            router_id: Some(Ipv4Addr::new(1, 1, 1, 1)),
            attempts: 1,
            send_hold: Some(Duration::from_secs(1)),
            ..settings("127.0.0.1", "127.0.0.1", 65001, 65002)
        });
        let mut seen = Vec::new();
        let start = Instant::now();
        let mut stream = loop {
            reactor.turn(Some(Duration::from_millis(10))).unwrap();
            seen.extend(reactor.drain_outputs());
            if let Ok((stream, _)) = listener.accept() {
                break stream;
            }
            assert!(start.elapsed() < DEADLINE, "no connection");
        };
        let mut script = peer_open_bytes(65002, 30);
        script.extend(hex(KEEPALIVE));
        stream.write_all(&script).unwrap();
        turn_until(&mut reactor, &mut seen, |_, o| o.iter().any(|o| is_up(o, id)));
        // Far more than the socket buffers hold; the peer never reads.
        let update = Bytes::from(big_update());
        let mut queued = 0;
        while reactor.queue_update(id, update.clone()) {
            queued += 1;
        }
        assert!(queued > 100, "{queued}");
        let stalled_from = Instant::now();
        let is_8_0 = |o: &Output| {
            matches!(o, Output::Peer { peer, event: PeerOutput::Report(Report::Down(super::super::fsm::Reason::NotifySent(n))) }
                if *peer == id && (n.code, n.subcode) == (8, 0))
        };
        turn_until(&mut reactor, &mut seen, |_, o| o.iter().any(is_8_0));
        let elapsed = stalled_from.elapsed();
        assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
        let sent = seen.iter().filter_map(|o| sent_by(o, id)).any(|p| {
            matches!(&p.message, Message::Notification(n) if (n.code, n.subcode) == (8, 0) && n.raw == b"Send Hold Timer Expired")
        });
        assert!(sent, "the 8/0 NOTIFICATION was not attempted");
        let sequence = api_sequence(&seen, id);
        assert_eq!(sequence[sequence.len() - 3..], ["down notification sent (8,0)", "IDLE", "IDLE"]);
        turn_until(&mut reactor, &mut seen, |r, _| r.peer(id).is_none());
        drop(stream);
    }

    #[test]
    fn mirror_mode_answers_with_the_peer_asn_after_its_open() {
        let mut script = peer_open_bytes(65002, 180);
        script.extend(hex(KEEPALIVE));
        script.extend(hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0013:FF"));
        let (messages, seen, id) =
            scripted_with(|s| PeerSettings { local_as: None, ..s }, &script);
        assert_eq!(messages.len(), 3, "{messages:02X?}");
        assert_eq!((messages[0][18], &messages[0][20..22]), (1, &[0xFD, 0xEA][..]));
        assert_eq!(messages[1], hex(KEEPALIVE));
        assert_eq!(messages[2][19..21], [1, 0]);
        assert_eq!(
            api_sequence(&seen, id),
            [
                "ACTIVE", "IDLE", "connected", "CONNECT", "OPENSENT", "negotiated", "OPENCONFIRM",
                "ESTABLISHED", "up", "down notification sent (1,0)", "IDLE", "IDLE"
            ]
        );
    }

    #[test]
    fn extended_message_raises_the_frame_limit() {
        let mut script = hex(&EXTENDED_OPEN.replace(' ', ""));
        script.extend(hex(KEEPALIVE));
        script.extend(big_update());
        // Then something to end the session on.
        script.extend(hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0013:FF"));
        let extended = |s: PeerSettings| PeerSettings {
            capabilities: LocalCapabilities { extended_message: true, ..s.capabilities.clone() },
            ..s
        };
        let (messages, seen, id) = scripted_with(extended, &script);
        assert_eq!(messages.len(), 3, "{messages:02X?}");
        assert_eq!(messages[2][19..21], [1, 0]);
        let update = seen
            .iter()
            .filter_map(|o| received(o, id))
            .find(|p| matches!(p.message, Message::Update(_)))
            .expect("big UPDATE received");
        assert_eq!(update.body.len(), 5004);
        assert_eq!(update.negotiated.as_ref().map(|n| n.msg_size), Some(65535));

        // Without the capability on our side, the same UPDATE is too long.
        let (messages, _, _) = scripted_with(|s| s, &script);
        assert_eq!(messages.len(), 3, "{messages:02X?}");
        let mut expected = vec![3u8, 1, 2];
        expected.extend_from_slice(b"UPDATE has an invalid message length of 5023");
        assert_eq!(messages[2][18..], expected[..]);
    }

    /// Our OPEN, our KEEPALIVE, then `notification` (hex) exactly.
    fn assert_refused_after_established(
        (messages, sequence): &(Vec<Vec<u8>>, Vec<String>),
        notification: &str,
    ) {
        assert_eq!(messages.len(), 3, "{messages:02X?} {sequence:?}");
        assert_eq!(messages[0][18], 1);
        assert_eq!(messages[1], hex(KEEPALIVE));
        assert_eq!(messages[2], hex(notification));
    }

    #[test]
    fn unknown_message_type_gets_the_qa_notification() {
        // qa/encoding/unknown-message: the test peer answers the OPEN with
        // its OPEN, a KEEPALIVE and a 19-byte message of type 255.
        let mut script = peer_open_bytes(65002, 180);
        script.extend(hex(KEEPALIVE));
        script.extend(hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0013:FF"));
        let outcome = scripted(&script);
        let qa = std::fs::read_to_string("/work/shared/exabgp-qa/encoding/unknown-message.msg")
            .ok()
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix("1:raw:").map(str::to_string)));
        let expected = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0040:03:010063616E206E6F74206465636F646520757064617465206D657373616765206F662074797065202232353522";
        if let Some(qa) = qa {
            assert_eq!(qa, expected);
        }
        assert_refused_after_established(&outcome, expected);
    }

    #[test]
    fn bad_marker_gets_1_1_with_exabgp_text() {
        let mut script = peer_open_bytes(65002, 180);
        script.extend(hex(KEEPALIVE));
        script.extend(hex("FFFFFFFFFFFFFFFF00FFFFFFFFFFFFFF:0013:04"));
        let outcome = scripted(&script);
        assert_refused_after_established(&outcome, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0046030101546865207061636B657420726563656976656420646F6573206E6F7420636F6E7461696E206120424750206D61726B6572");
        assert!(outcome.1.contains(&"down notification sent (1,1)".to_string()), "{:?}", outcome.1);
    }

    #[test]
    fn bad_length_gets_1_2_with_exabgp_text() {
        let mut script = peer_open_bytes(65002, 180);
        script.extend(hex(KEEPALIVE));
        script.extend(hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0014:04:00"));
        let outcome = scripted(&script);
        assert_refused_after_established(&outcome, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00420301024B454550414C4956452068617320616E20696E76616C6964206D657373616765206C656E677468206F66203230");
    }

    #[test]
    fn open_with_wrong_peer_as_gets_2_2() {
        let (messages, sequence) = scripted(&peer_open_bytes(65003, 180));
        assert_eq!(messages.len(), 2, "{messages:02X?}");
        assert_eq!(messages[0][18], 1);
        assert_eq!(messages[1], hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF004B03020241534E20696E204F50454E202836353030332920646964206E6F74206D617463682041534E2065787065637465642028363530303229"));
        // Out of attempts (1): down, IDLE, and the final IDLE of a stop.
        assert_eq!(
            sequence,
            ["ACTIVE", "IDLE", "connected", "CONNECT", "OPENSENT", "down notification sent (2,2)", "IDLE", "IDLE"]
        );
    }

    #[test]
    fn open_with_hold_time_one_gets_2_6() {
        let (messages, _) = scripted(&peer_open_bytes(65002, 1));
        assert_eq!(messages.len(), 2, "{messages:02X?}");
        assert_eq!(messages[1], hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002D030206486F6C642054696D6520697320696E76616C696420283129"));
    }

    fn reactor_peer_gone(reactor: &Reactor, id: PeerId) -> bool {
        reactor.peer(id).is_none()
    }

    #[test]
    fn unknown_peer_is_refused_with_cease_peer_deconfigured() {
        let mut reactor = Reactor::new().unwrap();
        let bound =
            reactor.listen("127.0.0.1:0".parse().unwrap(), &ListenOptions::default()).unwrap();
        let mut client = std::net::TcpStream::connect(bound).unwrap();
        client.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let start = Instant::now();
        let mut got = Vec::new();
        loop {
            reactor.turn(Some(Duration::from_millis(20))).unwrap();
            let mut buf = [0u8; 256];
            match client.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
            assert!(start.elapsed() < DEADLINE);
        }
        // NOTIFICATION 6/3.
        assert_eq!(got.get(18..21), Some(&[3u8, 6, 3][..]));
    }

    #[test]
    fn refused_connect_is_retried_silently_until_the_peer_listens() {
        let mut reactor = Reactor::new().unwrap();
        // A port nobody listens on: bind then drop a listener.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let peer = reactor.add_peer(PeerSettings {
            peer_port: port,
            local_address: None,
            ..settings("127.0.0.1", "127.0.0.1", 65001, 65002)
        });
        let mut seen = Vec::new();
        // A few refused connects (20 ms apart).
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(100) {
            reactor.turn(Some(Duration::from_millis(10))).unwrap();
            seen.extend(reactor.drain_outputs());
        }
        assert!(matches!(reactor.peer_state(peer), Some(State::Connect | State::Active)));
        // ExaBGP retries inside IDLE: nothing more for the API.
        assert_eq!(api_sequence(&seen, peer), ["ACTIVE", "IDLE"]);
        // Once something listens, a retry gets through.
        let _listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter().any(|o| matches!(o, Output::Peer { event: PeerOutput::Connected { .. }, .. }))
        });
        assert_eq!(api_sequence(&seen, peer), ["ACTIVE", "IDLE", "connected", "CONNECT", "OPENSENT"]);
    }

    #[test]
    fn connection_exchanges_framed_bytes_urgent_first() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut conn = Connection::connect(addr, &ConnectOptions::default()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let mut poll = Poll::new().unwrap();
        poll.registry()
            .register(conn.stream_mut(), Token(0), Interest::READABLE | Interest::WRITABLE)
            .unwrap();
        let mut events = Events::with_capacity(8);
        let start = Instant::now();
        while !conn.check_connect().unwrap() {
            poll.poll(&mut events, Some(Duration::from_millis(10))).unwrap();
            assert!(start.elapsed() < DEADLINE);
        }
        let frame = |kind: u8, fill: u8, len: usize| {
            let mut m = vec![0xFF; 16];
            m.extend_from_slice(&(len as u16).to_be_bytes());
            m.push(kind);
            m.resize(len, fill);
            Bytes::from(m)
        };
        assert!(conn.queue(frame(2, 0xA, 100), Priority::Bulk));
        assert!(conn.queue(frame(2, 0xB, 200), Priority::Bulk));
        assert!(conn.queue(frame(4, 0, 19), Priority::Urgent));
        assert!(conn.flush().unwrap());
        assert_eq!(conn.queued_bytes(), 0);
        let mut wire = vec![0u8; 319];
        server.read_exact(&mut wire).unwrap();
        assert_eq!(wire[18], 4, "KEEPALIVE goes ahead of the UPDATEs");
        assert_eq!((wire[19 + 18], wire[19 + 99]), (2, 0xA));
        assert_eq!(wire[318], 0xB);

        // And the other way: bytes split in odd places come out as frames.
        let m1 = frame(2, 1, 50);
        let m2 = frame(4, 0, 19);
        server.write_all(&m1[..7]).unwrap();
        server.write_all(&m1[7..]).unwrap();
        server.write_all(&m2).unwrap();
        let mut frames: Vec<Frame> = Vec::new();
        while frames.len() < 2 {
            poll.poll(&mut events, Some(Duration::from_millis(10))).unwrap();
            let outcome = conn.read().unwrap();
            assert!(!outcome.eof);
            while let Some(f) = conn.next_frame().unwrap() {
                frames.push(f);
            }
            assert!(start.elapsed() < DEADLINE);
        }
        assert_eq!(frames[0].header, m1.slice(..19));
        assert_eq!(frames[0].body, m1.slice(19..));
        assert_eq!(frames[1].kind, MessageType::KEEPALIVE);
        drop(server);
        let start = Instant::now();
        loop {
            poll.poll(&mut events, Some(Duration::from_millis(10))).unwrap();
            if conn.read().unwrap().eof {
                break;
            }
            assert!(start.elapsed() < DEADLINE);
        }
    }

    #[test]
    fn bulk_queue_is_bounded_but_urgent_always_fits() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut conn =
            Connection::connect(listener.local_addr().unwrap(), &ConnectOptions::default())
                .unwrap();
        conn.set_tx_limit(1000);
        assert!(conn.queue(Bytes::from(vec![0u8; 600]), Priority::Bulk));
        assert!(conn.queue(Bytes::from(vec![0u8; 600]), Priority::Bulk));
        assert!(!conn.can_queue_bulk());
        assert!(!conn.queue(Bytes::from(vec![0u8; 10]), Priority::Bulk));
        assert!(conn.queue(Bytes::from(vec![0u8; 19]), Priority::Urgent));
        assert_eq!(conn.queued_bytes(), 1219);
        conn.drop_bulk();
        assert_eq!(conn.queued_bytes(), 19);
    }

    fn sh(name: &str, script: &str) -> ProcessSpec {
        ProcessSpec {
            name: name.into(),
            argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
            respawn: true,
            stderr: StderrMode::Inherit,
        }
    }

    fn lines_of(seen: &[Output], id: ProcessId) -> Vec<String> {
        seen.iter()
            .filter_map(|o| match o {
                Output::ProcessLines { process, lines } if *process == id => Some(lines.iter().map(str::to_string)),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn helper_echoes_lines_through_the_pipes() {
        let mut reactor = Reactor::new().unwrap();
        let id = reactor.add_process(sh("echo", "exec cat"));
        assert_eq!(
            reactor.write_process(id, "announce route 10.0.0.0/8 next-hop 1.2.3.4"),
            WriteStatus::Queued
        );
        assert_eq!(reactor.write_process(id, "debug only logged"), WriteStatus::Queued);
        assert_eq!(reactor.write_process(id, "shutdown\r"), WriteStatus::Queued);
        let mut seen = Vec::new();
        turn_until(&mut reactor, &mut seen, |_, o| lines_of(o, id).len() >= 2);
        assert_eq!(lines_of(&seen, id), ["announce route 10.0.0.0/8 next-hop 1.2.3.4", "shutdown"]);
    }

    #[test]
    fn helper_stderr_can_go_to_the_log() {
        let mut reactor = Reactor::new().unwrap();
        let spec = ProcessSpec {
            stderr: StderrMode::Log,
            ..sh("noisy", "i=0; while [ $i -lt 6000 ]; do echo complaint $i >&2; i=$((i+1)); done; echo done; exec cat")
        };
        let id = reactor.add_process(spec);
        let mut seen = Vec::new();
        // 6000 stderr lines (~80 KiB) exceed a pipe buffer: only drained stderr lets
        // the helper reach its stdout line.
        turn_until(&mut reactor, &mut seen, |_, o| lines_of(o, id) == ["done"]);
    }

    #[test]
    fn helper_exit_is_respawned() {
        let mut reactor = Reactor::new().unwrap();
        let id = reactor.add_process(sh("once", "echo started; exit 0"));
        let mut seen = Vec::new();
        turn_until(&mut reactor, &mut seen, |_, o| lines_of(o, id).len() >= 2);
        assert!(seen.iter().any(|o| matches!(o, Output::ProcessExited { respawning: true, .. })));
    }

    #[test]
    fn helper_dying_too_often_is_fatal() {
        let mut reactor = Reactor::new().unwrap();
        let id = reactor.add_process(sh("crash", "exit 1"));
        let mut seen = Vec::new();
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter()
                .any(|o| matches!(o, Output::ProcessTooManyDeaths { process } if *process == id))
        });
        let exits = seen.iter().filter(|o| matches!(o, Output::ProcessExited { .. })).count();
        assert_eq!(exits, 5);
    }

    #[test]
    fn helper_without_respawn_stays_dead() {
        let mut reactor = Reactor::new().unwrap();
        let id = reactor.add_process(ProcessSpec { respawn: false, ..sh("once", "exit 0") });
        let mut seen = Vec::new();
        turn_until(&mut reactor, &mut seen, |_, o| {
            o.iter().any(|o| matches!(o, Output::ProcessExited { respawning: false, .. }))
        });
        for _ in 0..5 {
            reactor.turn(Some(Duration::from_millis(5))).unwrap();
        }
        assert!(!reactor.process(id).unwrap().is_running());
    }

    #[test]
    fn stopped_helper_does_not_block_the_loop() {
        let mut reactor = Reactor::new().unwrap();
        let id = reactor.add_process(sh("stuck", "exec cat"));
        reactor.set_process_write_limit(id, 256 * 1024);
        let pid = reactor.process(id).unwrap().pid().unwrap() as libc::pid_t;
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        let line = "x".repeat(1023);
        let mut statuses = Vec::new();
        let start = Instant::now();
        // Far more than the pipe holds: every call and turn returns at once.
        for _ in 0..400 {
            let status = reactor.write_process(id, &line);
            statuses.push(status);
            if status == WriteStatus::Overflow {
                break;
            }
            reactor.turn(Some(Duration::ZERO)).unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(2), "the loop blocked");
        assert!(statuses.contains(&WriteStatus::Overflow));
        let queued_max = 256 * 1024;
        assert!(reactor.process(id).map_or(0, |p| p.queued_bytes()) <= queued_max);
        // Policy: the helper counts as broken, is terminated and respawned.
        let mut seen: Vec<Output> = reactor.drain_outputs().collect();
        assert!(seen.iter().any(|o| matches!(o, Output::ProcessExited { respawning: true, .. })));
        turn_until(&mut reactor, &mut seen, |r, _| {
            r.process(id).and_then(|p| p.pid()).is_some_and(|p| p as libc::pid_t != pid)
        });
        // The new helper works.
        reactor.write_process(id, "again");
        turn_until(&mut reactor, &mut seen, |_, o| lines_of(o, id).iter().any(|l| l == "again"));
        // SAFETY: our stopped child; let it see its SIGTERM now.
        unsafe { libc::kill(pid, libc::SIGCONT) };
    }

    #[test]
    fn shutdown_terminates_every_helper() {
        let mut reactor = Reactor::new().unwrap();
        let a = reactor.add_process(sh("a", "exec cat"));
        let b = reactor.add_process(sh("b", "exec sleep 30"));
        let pids: Vec<u32> = [a, b].iter().filter_map(|id| reactor.process(*id)?.pid()).collect();
        assert_eq!(pids.len(), 2);
        let start = Instant::now();
        reactor.terminate_processes();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(reactor.process_ids().is_empty());
        for pid in pids {
            // SAFETY: signal 0 only checks existence; reaped children are gone.
            let alive = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
            assert!(!alive, "pid {} survived", pid);
        }
        reactor.turn(Some(Duration::ZERO)).unwrap();
    }

    #[test]
    fn idle_reactor_sleeps_instead_of_spinning() {
        let mut reactor = Reactor::new().unwrap();
        let start = Instant::now();
        let mut turns = 0;
        while start.elapsed() < Duration::from_millis(100) {
            reactor.turn(Some(Duration::from_millis(25))).unwrap();
            turns += 1;
        }
        assert!(turns <= 6, "{} turns in 100 ms", turns);
    }

    #[test]
    fn signals_arrive_as_outputs() {
        let mut reactor = Reactor::new().unwrap();
        reactor.watch_signals().unwrap();
        signal_hook::low_level::raise(libc::SIGUSR2).unwrap();
        let mut seen = Vec::new();
        turn_until(&mut reactor, &mut seen, |_, o| !o.is_empty());
        assert!(matches!(
            seen[..],
            [Output::Signal(signal::Received {
                kind: signal::SignalKind::FullReload,
                number: libc::SIGUSR2
            })]
        ));
    }
}
