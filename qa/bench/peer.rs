//! The loopback load peer: listens on one port at one or more 127.x.y.z
//! addresses, answers the daemon's OPEN, keeps the sessions up with
//! KEEPALIVEs, and either counts what the daemon sends (sink) or feeds it a
//! generated table (source).
//!
//! Blocking sockets with a thread per session (the no-threads rule is for the
//! daemon); one mio poll thread accepts on every listener so 1,000 addresses
//! do not cost 1,000 accept threads.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener, TcpStream};
use std::os::fd::{FromRawFd, IntoRawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};

use crate::wire::{self, Open};

/// What the peer does once a session is established.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// Count what the daemon announces.
    Sink,
    /// Send `n` /24 prefixes, `per_update` a message, over `sets` attribute sets, then EoR.
    Source { n: u64, per_update: u64, sets: u32 },
}

/// A moment recorded once, the first time something happens.
#[derive(Debug, Default)]
pub struct Mark(Mutex<Option<SystemTime>>);

impl Mark {
    pub fn set(&self, at: SystemTime) {
        if let Ok(mut slot) = self.0.lock() {
            if slot.is_none() {
                *slot = Some(at);
            }
        }
    }

    pub fn get(&self) -> Option<SystemTime> {
        self.0.lock().ok().and_then(|slot| *slot)
    }
}

/// When the counters reach these values the matching mark is set.
#[derive(Debug, Clone, Copy, Default)]
pub struct Targets {
    pub established: usize,
    pub prefixes: u64,
    pub eors: usize,
}

/// Counters shared by every session of one load peer.
#[derive(Debug, Default)]
pub struct Stats {
    pub targets: Targets,
    pub established: AtomicUsize,
    pub prefixes: AtomicU64,
    pub withdrawn: AtomicU64,
    pub updates: AtomicU64,
    pub eors: AtomicUsize,
    /// Sessions the daemon closed (or reset) while the bench was running.
    pub closed: AtomicUsize,
    pub all_established: Mark,
    pub all_prefixes: Mark,
    pub all_eors: Mark,
    /// Source role: first UPDATE written, last byte (EoR) written.
    pub first_sent: Mark,
    pub all_sent: Mark,
    pub errors: Mutex<Vec<String>>,
    /// Source role: a file whose existence the first UPDATE waits for (the
    /// helper that reads the daemon's output says it is ready), so that
    /// the timed work starts with everyone running.
    pub gate: Mutex<Option<std::path::PathBuf>>,
}

impl Stats {
    fn new(targets: Targets) -> Stats {
        Stats { targets, ..Stats::default() }
    }

    fn error(&self, text: String) {
        if let Ok(mut errors) = self.errors.lock() {
            if errors.len() < 20 {
                errors.push(text);
            }
        }
    }

    pub fn first_error(&self) -> Option<String> {
        self.errors.lock().ok().and_then(|e| e.first().cloned())
    }

    fn count(&self, c: wire::UpdateCount) {
        let now = SystemTime::now();
        self.updates.fetch_add(1, Ordering::Relaxed);
        if c.announced > 0 {
            let before = self.prefixes.fetch_add(c.announced, Ordering::AcqRel);
            let target = self.targets.prefixes;
            if target > 0 && before < target && before + c.announced >= target {
                self.all_prefixes.set(now);
            }
        }
        if c.withdrawn > 0 {
            self.withdrawn.fetch_add(c.withdrawn, Ordering::Relaxed);
        }
        if c.eor {
            let before = self.eors.fetch_add(1, Ordering::AcqRel);
            if before + 1 == self.targets.eors {
                self.all_eors.set(now);
            }
        }
    }

    fn up(&self) {
        let before = self.established.fetch_add(1, Ordering::AcqRel);
        if before + 1 == self.targets.established {
            self.all_established.set(SystemTime::now());
        }
    }
}

/// Every session's socket (to shut it down) and thread (to join it).
type Sessions = Arc<Mutex<Vec<(TcpStream, JoinHandle<()>)>>>;

/// A running load peer. Dropping it (or `stop`) ends every thread.
pub struct LoadPeer {
    pub port: u16,
    pub stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    sessions: Sessions,
}

/// The AS number the load peer uses; the generated configs name it as peer-as.
pub const PEER_AS: u32 = 65001;

/// Bind `addrs` on one common port, retrying with a new port if another
/// process holds it on one of the addresses.
fn bind_all(addrs: &[Ipv4Addr]) -> io::Result<(u16, Vec<StdListener>)> {
    let first = match addrs.first() {
        Some(a) => *a,
        None => return Err(io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on")),
    };
    let mut last = None;
    for _ in 0..20 {
        let lead = StdListener::bind(SocketAddr::from((first, 0)))?;
        let port = lead.local_addr()?.port();
        let mut all = vec![lead];
        let mut ok = true;
        for addr in &addrs[1..] {
            match StdListener::bind(SocketAddr::from((*addr, port))) {
                Ok(l) => all.push(l),
                Err(e) => {
                    last = Some(e);
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return Ok((port, all));
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("could not bind a common port")))
}

impl LoadPeer {
    /// Listen on every address in `addrs` (all must be loopback) and serve
    /// each session the daemon opens with `role`.
    pub fn start(addrs: &[Ipv4Addr], role: Role, targets: Targets) -> io::Result<LoadPeer> {
        if let Some(bad) = addrs.iter().find(|a| !a.is_loopback()) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{bad} is not a loopback address")));
        }
        let (port, listeners) = bind_all(addrs)?;
        let stats = Arc::new(Stats::new(targets));
        let stop = Arc::new(AtomicBool::new(false));
        let sessions = Arc::new(Mutex::new(Vec::new()));
        let poll = Poll::new()?;
        let mut mio_listeners = Vec::with_capacity(listeners.len());
        for (i, l) in listeners.into_iter().enumerate() {
            l.set_nonblocking(true)?;
            let mut ml = TcpListener::from_std(l);
            poll.registry().register(&mut ml, Token(i), Interest::READABLE)?;
            mio_listeners.push(ml);
        }
        let acceptor = {
            let (stats, stop, sessions) = (stats.clone(), stop.clone(), sessions.clone());
            thread::Builder::new()
                .name("bench-accept".into())
                .spawn(move || accept_loop(poll, mio_listeners, role, stats, stop, sessions))?
        };
        Ok(LoadPeer { port, stats, stop, acceptor: Some(acceptor), sessions })
    }

    /// End every session and thread.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        let taken = match self.sessions.lock() {
            Ok(mut s) => std::mem::take(&mut *s),
            Err(_) => Vec::new(),
        };
        for (stream, _) in &taken {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        for (_, handle) in taken {
            let _ = handle.join();
        }
    }
}

impl Drop for LoadPeer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(
    mut poll: Poll,
    listeners: Vec<TcpListener>,
    role: Role,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    sessions: Sessions,
) {
    let mut events = Events::with_capacity(256);
    while !stop.load(Ordering::Acquire) {
        if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(50))) {
            if e.kind() != io::ErrorKind::Interrupted {
                stats.error(format!("load peer poll: {e}"));
                return;
            }
        }
        for event in events.iter() {
            let Some(listener) = listeners.get(event.token().0) else { continue };
            loop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        // SAFETY: the descriptor comes straight from mio's stream, which gives it up.
                        let stream = unsafe { TcpStream::from_raw_fd(stream.into_raw_fd()) };
                        if let Err(e) = spawn_session(stream, role, &stats, &stop, &sessions) {
                            stats.error(format!("load peer session: {e}"));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        stats.error(format!("load peer accept: {e}"));
                        break;
                    }
                }
            }
        }
    }
}

fn spawn_session(
    stream: TcpStream,
    role: Role,
    stats: &Arc<Stats>,
    stop: &Arc<AtomicBool>,
    sessions: &Sessions,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    let keep = stream.try_clone()?;
    let (stats, stop) = (stats.clone(), stop.clone());
    let handle = thread::Builder::new().name("bench-session".into()).stack_size(256 * 1024).spawn(move || {
        if let Err(e) = Session::new(stream, role, stats.clone(), stop.clone()).and_then(|mut s| s.run()) {
            if !stop.load(Ordering::Acquire) {
                stats.error(e);
            }
        }
    })?;
    if let Ok(mut s) = sessions.lock() {
        s.push((keep, handle));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    OpenSent,
    OpenConfirm,
    Established,
}

struct Session {
    reader: TcpStream,
    writer: Arc<Mutex<TcpStream>>,
    role: Role,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    local: Ipv4Addr,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    state: State,
    keepalive_every: Option<Duration>,
    next_keepalive: Instant,
    asn4: bool,
}

impl Session {
    fn new(stream: TcpStream, role: Role, stats: Arc<Stats>, stop: Arc<AtomicBool>) -> Result<Session, String> {
        let local = match stream.local_addr() {
            Ok(SocketAddr::V4(a)) => *a.ip(),
            Ok(other) => return Err(format!("load peer: unexpected local address {other}")),
            Err(e) => return Err(format!("load peer: {e}")),
        };
        let writer = stream.try_clone().map_err(|e| format!("load peer: {e}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(1))).map_err(|e| format!("load peer: {e}"))?;
        Ok(Session {
            reader: stream,
            writer: Arc::new(Mutex::new(writer)),
            role,
            stats,
            stop,
            local,
            buf: vec![0; 1 << 18],
            start: 0,
            end: 0,
            state: State::OpenSent,
            keepalive_every: None,
            next_keepalive: Instant::now(),
            asn4: false,
        })
    }

    fn send(&self, bytes: &[u8]) -> Result<(), String> {
        let mut w = self.writer.lock().map_err(|_| "load peer: writer lock poisoned".to_string())?;
        w.write_all(bytes).map_err(|e| format!("load peer write: {e}"))
    }

    fn run(&mut self) -> Result<(), String> {
        loop {
            if self.stop.load(Ordering::Acquire) {
                let _ = self.send(&wire::cease());
                return Ok(());
            }
            if let Some(every) = self.keepalive_every {
                if Instant::now() >= self.next_keepalive {
                    self.send(&wire::keepalive())?;
                    self.next_keepalive = Instant::now() + every;
                }
            }
            if self.end == self.buf.len() {
                // Keep whatever partial message is left at the front.
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    if !self.stop.load(Ordering::Acquire) {
                        self.stats.closed.fetch_add(1, Ordering::AcqRel);
                    }
                    return Ok(());
                }
                Ok(n) => self.end += n,
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted) => continue,
                Err(e) => {
                    if !self.stop.load(Ordering::Acquire) {
                        self.stats.closed.fetch_add(1, Ordering::AcqRel);
                        return Err(format!("load peer read: {e}"));
                    }
                    return Ok(());
                }
            }
            while let Some((len, kind)) = wire::frame(&self.buf[self.start..self.end]).map_err(|e| format!("load peer framing: {e}"))? {
                let at = self.start;
                self.start += len;
                self.message(kind, at, len)?;
            }
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
        }
    }

    fn message(&mut self, kind: u8, at: usize, len: usize) -> Result<(), String> {
        let msg = &self.buf[at..at + len];
        match (self.state, kind) {
            (State::OpenSent, wire::OPEN) => {
                let theirs = Open::parse(msg).map_err(|e| format!("daemon OPEN: {e}"))?;
                self.asn4 = theirs.has_cap(65);
                let ours = Open::answer(&theirs, PEER_AS, self.local.octets());
                // RFC 4271 section 4.4: keepalives at a third of the negotiated hold time.
                if theirs.hold > 0 {
                    self.keepalive_every = Some(Duration::from_secs(u64::from(theirs.hold / 3).max(1)));
                }
                self.send(&ours.encode())?;
                self.send(&wire::keepalive())?;
                // Wake only as often as KEEPALIVEs need: 1,000 idle sessions
                // should not steal CPU from the daemon being measured.
                let wake = self.keepalive_every.map(|e| e / 2).unwrap_or(Duration::from_secs(30)).max(Duration::from_millis(100));
                self.reader.set_read_timeout(Some(wake)).map_err(|e| format!("load peer: {e}"))?;
                self.next_keepalive = Instant::now() + self.keepalive_every.unwrap_or(Duration::from_secs(3600));
                self.state = State::OpenConfirm;
            }
            (State::OpenConfirm, wire::KEEPALIVE) => {
                self.state = State::Established;
                self.stats.up();
                if let Role::Source { n, per_update, sets } = self.role {
                    self.start_source(n, per_update, sets)?;
                }
            }
            (State::Established, wire::UPDATE) => {
                let c = wire::count_update(msg).map_err(|e| format!("daemon UPDATE: {e}"))?;
                self.stats.count(c);
            }
            (State::Established, wire::KEEPALIVE) | (State::Established, wire::ROUTE_REFRESH) => {}
            (_, wire::NOTIFICATION) => {
                let code = msg.get(19).copied().unwrap_or(0);
                let sub = msg.get(20).copied().unwrap_or(0);
                return Err(format!("daemon sent NOTIFICATION {code}/{sub}"));
            }
            (state, kind) => return Err(format!("unexpected message type {kind} in {state:?}")),
        }
        Ok(())
    }

    /// Generate the table and write it from its own thread, a chunk of whole
    /// messages at a time so this thread's KEEPALIVEs never split one.
    fn start_source(&self, n: u64, per_update: u64, sets: u32) -> Result<(), String> {
        let writer = self.writer.clone();
        let stats = self.stats.clone();
        let stop = self.stop.clone();
        let (asn4, local) = (self.asn4, self.local.octets());
        thread::Builder::new()
            .name("bench-source".into())
            .spawn(move || {
                let stream = wire::source_updates(n, per_update, sets, PEER_AS, asn4, local);
                let mut at = 0;
                let gate = stats.gate.lock().ok().and_then(|g| g.clone());
                if let Some(gate) = gate {
                    let give_up = Instant::now() + Duration::from_secs(60);
                    while !gate.exists() && Instant::now() < give_up {
                        if stop.load(Ordering::Acquire) {
                            return;
                        }
                        thread::sleep(Duration::from_millis(1));
                    }
                }
                stats.first_sent.set(SystemTime::now());
                while at < stream.len() {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    let mut end = at;
                    while end < stream.len() && end - at < 64 * 1024 {
                        match wire::frame(&stream[end..]) {
                            Ok(Some((len, _))) => end += len,
                            _ => {
                                stats.error("source: generated stream does not frame".into());
                                return;
                            }
                        }
                    }
                    let written = match writer.lock() {
                        Ok(mut w) => w.write_all(&stream[at..end]),
                        Err(_) => return,
                    };
                    if let Err(e) = written {
                        if !stop.load(Ordering::Acquire) {
                            stats.error(format!("source write: {e}"));
                        }
                        return;
                    }
                    at = end;
                }
                stats.all_sent.set(SystemTime::now());
            })
            .map(|_| ())
            .map_err(|e| format!("load peer: {e}"))
    }
}

/// The `i`-th address of a many-peer load peer: 127.1.x.y with y in 1..=200,
/// so no address ends in .0 or .255.
pub fn many_address(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 1 + (i / 50_000) as u8, ((i / 200) % 250) as u8, (i % 200 + 1) as u8)
}

#[cfg(test)]
pub mod speaker {
    //! A tiny scripted BGP speaker standing in for a daemon, so the load
    //! peer is tested even when no daemon runs.

    use super::*;

    pub struct Speaker {
        pub stream: TcpStream,
        buf: Vec<u8>,
    }

    impl Speaker {
        /// Connect and bring the session up; returns the load peer's OPEN.
        pub fn connect(to: SocketAddr, families: &[(u16, u8)]) -> Speaker {
            let stream = TcpStream::connect(to).expect("connect");
            stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
            let mut caps: Vec<(u8, Vec<u8>)> = families.iter().map(|(afi, safi)| (1, vec![(afi >> 8) as u8, *afi as u8, 0, *safi])).collect();
            caps.push((65, 65000u32.to_be_bytes().to_vec()));
            caps.push((69, vec![0, 1, 1, 3]));
            let open = Open { asn: 65000, hold: 9, router_id: [10, 0, 0, 1], caps };
            let mut s = Speaker { stream, buf: Vec::new() };
            s.stream.write_all(&open.encode()).expect("send open");
            let (kind, msg) = s.read();
            assert_eq!(kind, wire::OPEN);
            let theirs = Open::parse(&msg).expect("their open");
            assert_eq!(theirs.asn, PEER_AS);
            assert_eq!(theirs.hold, 9);
            assert!(theirs.has_cap(65) && !theirs.has_cap(69), "{theirs:?}");
            assert_eq!(s.read().0, wire::KEEPALIVE);
            s.stream.write_all(&wire::keepalive()).expect("send keepalive");
            s
        }

        /// Next message that is not a KEEPALIVE (type, bytes).
        pub fn read(&mut self) -> (u8, Vec<u8>) {
            loop {
                if let Some((len, kind)) = wire::frame(&self.buf).expect("frame") {
                    let msg: Vec<u8> = self.buf.drain(..len).collect();
                    return (kind, msg);
                }
                let mut chunk = [0u8; 65536];
                let n = self.stream.read(&mut chunk).expect("read");
                assert!(n > 0, "load peer closed");
                self.buf.extend_from_slice(&chunk[..n]);
            }
        }

        pub fn read_update(&mut self) -> Vec<u8> {
            loop {
                let (kind, msg) = self.read();
                if kind == wire::UPDATE {
                    return msg;
                }
                assert_eq!(kind, wire::KEEPALIVE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::speaker::Speaker;
    use super::*;

    fn wait(what: impl Fn() -> bool) {
        let until = Instant::now() + Duration::from_secs(10);
        while !what() {
            assert!(Instant::now() < until, "timed out");
            thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn sink_counts_a_scripted_speaker() {
        let n = 2345;
        let targets = Targets { established: 1, prefixes: n, eors: 1 };
        let mut peer = LoadPeer::start(&[Ipv4Addr::new(127, 0, 0, 2)], Role::Sink, targets).expect("start");
        let mut s = Speaker::connect(SocketAddr::from(([127, 0, 0, 2], peer.port)), &[(1, 1)]);
        s.stream.write_all(&wire::source_updates(n, 300, 4, 65000, true, [127, 0, 0, 1])).expect("send");
        wait(|| peer.stats.all_eors.get().is_some());
        assert_eq!(peer.stats.prefixes.load(Ordering::Acquire), n);
        assert!(peer.stats.all_prefixes.get().is_some());
        assert!(peer.stats.all_established.get().is_some());
        assert_eq!(peer.stats.first_error(), None);
        peer.stop();
    }

    #[test]
    fn source_feeds_a_scripted_speaker() {
        let n = 4321;
        let role = Role::Source { n, per_update: 500, sets: 3 };
        let mut peer = LoadPeer::start(&[Ipv4Addr::new(127, 0, 0, 3)], role, Targets { established: 1, ..Targets::default() }).expect("start");
        let mut s = Speaker::connect(SocketAddr::from(([127, 0, 0, 3], peer.port)), &[(1, 1)]);
        let mut seen = 0;
        loop {
            let c = wire::count_update(&s.read_update()).expect("count");
            seen += c.announced;
            if c.eor {
                break;
            }
        }
        assert_eq!(seen, n);
        wait(|| peer.stats.all_sent.get().is_some());
        assert!(peer.stats.first_sent.get() <= peer.stats.all_sent.get());
        peer.stop();
    }

    #[test]
    fn many_addresses_share_a_port() {
        let addrs: Vec<Ipv4Addr> = (0..5).map(many_address).collect();
        let targets = Targets { established: 5, prefixes: 5, eors: 5 };
        let mut peer = LoadPeer::start(&addrs, Role::Sink, targets).expect("start");
        let mut speakers = Vec::new();
        for a in &addrs {
            let mut s = Speaker::connect(SocketAddr::from((*a, peer.port)), &[(1, 1)]);
            s.stream.write_all(&wire::source_updates(1, 10, 1, 65000, true, [127, 0, 0, 1])).expect("send");
            speakers.push(s);
        }
        wait(|| peer.stats.all_eors.get().is_some());
        assert_eq!(peer.stats.established.load(Ordering::Acquire), 5);
        assert_eq!(peer.stats.prefixes.load(Ordering::Acquire), 5);
        // hold time 9 s: the first KEEPALIVE after the OPEN's comes within 3 s
        let (kind, _) = speakers[0].read();
        assert_eq!(kind, wire::KEEPALIVE);
        peer.stop();
    }

    #[test]
    fn notification_is_reported() {
        let mut peer = LoadPeer::start(&[Ipv4Addr::new(127, 0, 0, 4)], Role::Sink, Targets::default()).expect("start");
        let mut s = Speaker::connect(SocketAddr::from(([127, 0, 0, 4], peer.port)), &[(1, 1)]);
        s.stream.write_all(&[0xff; 16]).expect("send");
        s.stream.write_all(&[0, 21, 3, 6, 2]).expect("send");
        wait(|| peer.stats.first_error().is_some());
        assert!(peer.stats.first_error().unwrap_or_default().contains("NOTIFICATION 6/2"));
        peer.stop();
    }

    #[test]
    fn addresses_are_loopback_and_distinct() {
        let all: Vec<Ipv4Addr> = (0..1000).map(many_address).collect();
        assert!(all.iter().all(|a| a.is_loopback() && a.octets()[3] != 0 && a.octets()[3] != 255));
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 1000);
        assert!(LoadPeer::start(&[Ipv4Addr::new(10, 0, 0, 1)], Role::Sink, Targets::default()).is_err());
    }
}
