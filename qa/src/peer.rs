//! The test peer: listens on loopback, answers the daemon's OPEN, checks every
//! message against a script and decides the test (spec section 3).
//!
//! Blocking sockets and one thread per connection: simple, and this is a test tool.
//! All connections share one `Checker`. `Peer::run` returns the outcome instead of
//! exiting so the peer can be driven in-process by unit tests.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::checker::{Action, Checker, Verdict};
use crate::script::Script;
use crate::wire::{self, Framer};

/// How the peer behaves.
#[derive(Debug, Clone, Default)]
pub struct PeerConfig {
    pub port: u16,
    pub script: Script,
    /// Accept anything, answer each message with a KEEPALIVE, never finish.
    pub sink: bool,
    /// Send every message back, never finish.
    pub echo: bool,
    /// Where `signal:` actions go: a pid, or a file holding it (written by the runner
    /// once the daemon is started; read when the action fires).
    pub daemon_pid: Option<i32>,
    pub daemon_pid_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every expectation met (`successful`).
    Success,
    /// The test failed; the text says why.
    Failure(String),
    /// `run` was given a deadline and it passed first.
    Unfinished,
}

/// Line-oriented log shared by all threads.
pub type Log = Arc<Mutex<Box<dyn Write + Send>>>;

pub fn stdout_log() -> Log {
    Arc::new(Mutex::new(Box::new(io::stdout())))
}

fn say(log: &Log, text: &str) {
    if let Ok(mut out) = log.lock() {
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

struct Shared {
    config: PeerConfig,
    checker: Mutex<Checker>,
    log: Log,
    stop: AtomicBool,
    outcome: Mutex<Option<mpsc::Sender<Outcome>>>,
    streams: Mutex<Vec<TcpStream>>,
}

impl Shared {
    /// Record the outcome (first one wins) and close every session, as the reference
    /// peer does when it exits.
    fn finish(&self, outcome: Outcome) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(mut sender) = self.outcome.lock() {
            if let Some(tx) = sender.take() {
                let _ = tx.send(outcome);
            }
        }
        if let Ok(streams) = self.streams.lock() {
            for s in streams.iter() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

pub struct Peer {
    listener: TcpListener,
    shared: Arc<Shared>,
    receiver: mpsc::Receiver<Outcome>,
}

impl Peer {
    /// Bind the listening socket (loopback only). Port 0 picks a free port.
    pub fn bind(config: PeerConfig, log: Log) -> io::Result<Peer> {
        let address: SocketAddr = if config.script.options.bind_ipv6 {
            (Ipv6Addr::LOCALHOST, config.port).into()
        } else {
            (Ipv4Addr::LOCALHOST, config.port).into()
        };
        let listener = TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let steps = config.script.steps.clone();
        let (tx, receiver) = mpsc::channel();
        let shared = Arc::new(Shared {
            config,
            checker: Mutex::new(Checker::new(steps)),
            log,
            stop: AtomicBool::new(false),
            outcome: Mutex::new(Some(tx)),
            streams: Mutex::new(Vec::new()),
        });
        Ok(Peer { listener, shared, receiver })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn rules_text(&self) -> String {
        self.shared.checker.lock().map(|c| c.rules_text()).unwrap_or_default()
    }

    /// Serve until the test is decided (or `deadline` passes). Sessions are closed
    /// when this returns.
    pub fn run(self, deadline: Option<Duration>) -> Outcome {
        let shared = self.shared.clone();
        let listener = self.listener;
        let acceptor = thread::spawn(move || accept_loop(listener, shared));
        let outcome = match deadline {
            Some(limit) => self.receiver.recv_timeout(limit).unwrap_or(Outcome::Unfinished),
            None => self.receiver.recv().unwrap_or(Outcome::Unfinished),
        };
        self.shared.finish(outcome.clone());
        let _ = acceptor.join();
        outcome
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut workers = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, from)) => {
                let shared = shared.clone();
                workers.push(thread::spawn(move || session(stream, from, shared)));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(10))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                ) => {}
            Err(e) => {
                shared.finish(Outcome::Failure(format!("accept failed: {e}")));
            }
        }
    }
    for w in workers {
        let _ = w.join();
    }
}

fn session(stream: TcpStream, from: SocketAddr, shared: Arc<Shared>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_nodelay(true);
    if let Ok(clone) = stream.try_clone() {
        if let Ok(mut list) = shared.streams.lock() {
            list.push(clone);
        }
    }
    let mut session = Session { stream, shared: shared.clone(), opened: false, counter: 0 };
    say(&shared.log, &format!("\nnew session from {from}"));
    if let Ok(mut checker) = shared.checker.lock() {
        if !checker.session_start() {
            say(&shared.log, "some messages are from a previous session");
        }
    }
    let mut framer = Framer::default();
    let mut buffer = [0u8; 65536];
    while !shared.stopped() {
        match session.stream.read(&mut buffer) {
            // The reference peer keeps waiting after EOF: the test is not over.
            Ok(0) => {
                let partial = match framer.pending() {
                    0 => String::new(),
                    n => format!(" ({n} bytes of an incomplete message left)"),
                };
                say(&shared.log, &format!("session from {from} closed by the daemon{partial}"));
                return;
            }
            Ok(n) => framer.push(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(e) => {
                say(&shared.log, &format!("session from {from} failed: {e}"));
                return;
            }
        }
        loop {
            match framer.next_message() {
                Ok(Some(message)) => {
                    if let Err(failure) = session.handle(&message) {
                        say(&shared.log, &failure);
                        shared.finish(Outcome::Failure(failure));
                        return;
                    }
                    if shared.stopped() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    shared.finish(Outcome::Failure(e));
                    return;
                }
            }
        }
    }
}

struct Session {
    stream: TcpStream,
    shared: Arc<Shared>,
    opened: bool,
    counter: u64,
}

impl Session {
    fn send(&mut self, label: &str, message: &[u8]) {
        say(&self.shared.log, &format!("{label:<15}{}", wire::pretty_hex(message)));
        if let Err(e) = self.stream.write_all(message) {
            say(&self.shared.log, &format!("write failed: {e}"));
        }
    }

    fn handle(&mut self, message: &[u8]) -> Result<(), String> {
        let shared = self.shared.clone();
        let config = &shared.config;
        let options = &config.script.options;
        // Hold the judge for the whole message so concurrent sessions see one order.
        let mut checker = shared.checker.lock().map_err(|_| "checker lock poisoned".to_string())?;
        if !self.opened {
            self.opened = true;
            say(&shared.log, &format!("{:<15}{}", "open recv", wire::pretty_hex(message)));
            let reply = wire::open_reply(message, options.asn, options.send_unknown_capability)?;
            self.send("open sent", &reply);
            self.send("keepalive sent", &wire::keepalive());
            if options.send_unknown_message {
                self.send("unknown", &wire::unknown_message());
            }
            if options.inspect_open && !config.sink && !config.echo {
                return self.verdict(&mut checker, message);
            }
            let actions = checker.open_actions();
            self.perform(actions)?;
            if options.send_default_route {
                self.send("default", &wire::default_route());
            }
            return Ok(());
        }
        self.counter += 1;
        if config.sink {
            say(
                &shared.log,
                &format!("{:<15}{}", format!("sank #{}", self.counter), wire::pretty_hex(message)),
            );
            self.send("keepalive sent", &wire::keepalive());
            return Ok(());
        }
        if config.echo {
            self.send(&format!("echo #{}", self.counter), message);
            return Ok(());
        }
        // Lines about KEEPALIVEs start with "keepalive": the runner does not count them
        // as progress (a daemon that only keeps the session alive is stuck).
        let label =
            if wire::kind(message) == wire::KEEPALIVE { "keepalive recv" } else { "msg  recv" };
        say(&shared.log, &format!("{label:<15}{}", wire::pretty_hex(message)));
        self.send("keepalive sent", &wire::keepalive());
        self.verdict(&mut checker, message)
    }

    fn verdict(&mut self, checker: &mut Checker, message: &[u8]) -> Result<(), String> {
        match checker.check(message) {
            Verdict::Rejected(report) => Err(report),
            Verdict::Accepted { actions, completed } => {
                self.perform(actions)?;
                if completed {
                    self.shared.finish(Outcome::Success);
                }
                Ok(())
            }
        }
    }

    fn perform(&mut self, actions: Vec<Action>) -> Result<(), String> {
        for action in actions {
            match action {
                Action::Signal { name, number } => {
                    let pid = daemon_pid(&self.shared.config)?;
                    say(&self.shared.log, &format!("sending signal {name} to pid {pid}"));
                    // SAFETY: kill(2) with a pid read from our own runner; no memory involved.
                    if unsafe { libc::kill(pid, number) } != 0 {
                        return Err(format!(
                            "could not send {name} to pid {pid}: {}",
                            io::Error::last_os_error()
                        ));
                    }
                }
                Action::Send(message) => self.send("notify sent", &message),
                Action::Replay(updates) => {
                    for update in updates {
                        self.send("rr   sent", &update);
                    }
                    self.send("keepalive sent", &wire::keepalive());
                }
            }
        }
        Ok(())
    }
}

/// The daemon's pid for `signal:` actions. A pid file may still be in the making
/// when the first session arrives, so wait for it a little.
fn daemon_pid(config: &PeerConfig) -> Result<i32, String> {
    if let Some(pid) = config.daemon_pid {
        return Ok(pid);
    }
    let Some(path) = &config.daemon_pid_file else {
        return Err(
            "signal requested but no daemon pid given (use --daemon-pid or --daemon-pid-file)"
                .into(),
        );
    };
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(pid) = text.trim().parse::<i32>() {
                if pid > 0 {
                    return Ok(pid);
                }
            }
        }
        if start.elapsed() > Duration::from_secs(2) {
            return Err(format!("no daemon pid in {}", path.display()));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests;
