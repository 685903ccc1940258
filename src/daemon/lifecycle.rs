//! The daemon: start-up, the main loop, reload/restart and shutdown
//! (ExaBGP `reactor/loop.py`).
//!
//! Start-up, in ExaBGP's order: detach (`daemon.daemonize`), listen on
//! `tcp.bind`, load the first configuration, listen for `listen <port>`
//! neighbors, start helpers (before or after dropping root privileges, per
//! `daemon.drop`), write the PID file, wait for `tcp.delay`, then start the
//! peers. Any failure there ends the daemon with exit code 1.
//!
//! The loop: the RIB flushes what waits, the reactor turns (sleeping in
//! poll when nothing is due), and every output is booked (peer tables),
//! handed to the API hook, then acted upon (RIB on `up`, signals, helper
//! failures). With `tcp.attempts` > 0 the daemon shuts down once no peer is
//! left: this is how every functional test ends.
//!
//! Shutdown (SIGTERM/SIGHUP/SIGINT, API `shutdown`, last peer gone): every
//! peer closes its connection without a NOTIFICATION (ExaBGP's shutdown
//! path), helpers get `shutdown` and are terminated (SIGTERM, SIGKILL after
//! 2 s), the PID file goes. Exit 0, or 1 after a fatal helper problem.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::bgp::notify::{code, Notify};
use crate::config::{self, Configuration, ConfigError, LoadOptions, Neighbor};
use crate::environment::Environment;
use crate::reactor::fsm::Report;
use crate::reactor::signal::{self, SignalKind};
use crate::reactor::{Output, PeerId, PeerOutput, Reactor};

use super::hooks::{Api, EndOfRib, LogCommands, Rib};
use super::settings::{self, Defaults};
use super::state::{Helper, Peer, Request, State};
use super::system::{self, PidFile, Privileges};

/// Exit codes (ExaBGP `Reactor.Exit`).
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;

/// How long helpers get to read `shutdown` before they are terminated.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(100);
/// ExaBGP's Cease subcode when a changed neighbor is re-established.
const PEER_DECONFIGURED: u8 = 3;

/// The configuration files, read one at a time in turn: ExaBGP takes the
/// first file at start-up and the next one at each reload (with a single
/// file, the same one again).
#[derive(Clone, Debug)]
pub struct Configs {
    files: Vec<PathBuf>,
    next: usize,
    options: LoadOptions,
}

impl Configs {
    pub fn new(files: Vec<PathBuf>, options: LoadOptions) -> Configs {
        Configs { files, next: 0, options }
    }

    /// Loads the next file in the rotation.
    pub fn load_next(&mut self) -> Result<Configuration, ConfigError> {
        let Some(path) = self.files.get(self.next % self.files.len().max(1)) else {
            return Err(ConfigError::new("", 0, 0, "a configuration file was expected, found none"));
        };
        self.next = (self.next + 1) % self.files.len().max(1);
        config::load_file(path, &self.options)
    }
}

/// What start-up may do to the process itself. Everything on for the real
/// server; tests running the daemon inside the test binary turn it off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Startup {
    /// chdir `/`, umask, daemonize, drop privileges, PID file.
    pub manage_process: bool,
    /// Install the signal handlers.
    pub signals: bool,
}

impl Default for Startup {
    fn default() -> Startup {
        Startup { manage_process: true, signals: true }
    }
}

pub struct Daemon {
    pub state: State,
    rib: Box<dyn Rib>,
    api: Box<dyn Api>,
    configs: Configs,
    defaults: Defaults,
    pid: PidFile,
    /// `tcp.attempts` > 0: leave once every peer finished.
    stopping: bool,
    /// Peers are only started at this time (`tcp.delay`).
    start_at: Option<Instant>,
    /// A reload waiting for the RIB to send the previous one's changes.
    deferred: Option<Request>,
    /// Set when the loop must end, with the exit code.
    exit: Option<u8>,
    outputs: Vec<Output>,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon").field("state", &self.state).field("exit", &self.exit).finish()
    }
}

impl Daemon {
    /// A daemon with the stand-in hooks (End-of-RIB only, commands logged).
    pub fn new(configs: Configs, env: Environment) -> std::io::Result<Daemon> {
        Daemon::with_hooks(configs, env, Box::new(EndOfRib), Box::new(LogCommands))
    }

    /// TODO(lead): the place where the adj-rib-out and the API layer plug in.
    pub fn with_hooks(
        configs: Configs,
        env: Environment,
        rib: Box<dyn Rib>,
        api: Box<dyn Api>,
    ) -> std::io::Result<Daemon> {
        let mut reactor = Reactor::new()?;
        reactor.set_respawn(env.api.respawn);
        let defaults = Defaults::new(&env, &|k| std::env::var(k).ok());
        let pid = PidFile::new(&env.daemon.pid);
        let stopping = env.tcp.attempts > 0;
        Ok(Daemon {
            state: State::new(reactor, env),
            rib,
            api,
            configs,
            defaults,
            pid,
            stopping,
            start_at: None,
            deferred: None,
            exit: None,
            outputs: Vec::new(),
        })
    }

    /// Overrides the connect port (tests: the scripted peer's port).
    pub fn set_connect_port(&mut self, port: u16) {
        self.defaults.connect_port = Some(port);
    }

    /// Start-up then the loop; the exit code.
    pub fn run(&mut self, startup: Startup) -> u8 {
        if let Err(code) = self.start(startup) {
            return code;
        }
        self.run_loop()
    }

    /// Everything before the loop, in ExaBGP's order.
    pub fn start(&mut self, startup: Startup) -> Result<(), u8> {
        let env = self.state.env.clone();
        if startup.manage_process {
            system::enter(env.daemon.umask);
            if env.daemon.daemonize {
                let terminal = env.log.enable
                    && matches!(env.log.destination.to_ascii_lowercase().as_str(), "stdout" | "stderr");
                system::daemonize(terminal);
            }
        }
        if startup.signals {
            if let Err(e) = self.state.reactor.watch_signals() {
                log::error!(target: "reactor", "could not watch signals: {}", e);
                return Err(EXIT_ERROR);
            }
        }
        let configuration = match self.configs.load_next() {
            Ok(c) => c,
            Err(e) => {
                log::error!(target: "configuration", "could not load/reload configuration");
                log::error!(target: "configuration", "{}", e);
                return Err(EXIT_ERROR);
            }
        };
        log::info!(target: "configuration", "performing reload of exabgp {}", crate::cli::version::version());
        for plan in settings::listeners(&env, &configuration.neighbors) {
            if let Err(e) = self.state.reactor.listen(plan.addr, &plan.options) {
                log::error!(target: "network", "could not listen on {}: {}", plan.addr, e);
                return Err(EXIT_ERROR);
            }
        }
        let drop_first = env.daemon.drop;
        if !drop_first {
            self.start_helpers(&configuration, false);
        }
        if startup.manage_process {
            match system::drop_privileges(&env.daemon.user) {
                Ok(Privileges::Dropped { uid, gid }) => {
                    log::debug!(target: "daemon", "dropped privileges to uid {} gid {}", uid, gid)
                }
                Ok(Privileges::Unprivileged) => {}
                Err(e) => {
                    log::error!(
                        target: "reactor",
                        "could not drop privileges to '{}' refusing to run as root ({})",
                        env.daemon.user,
                        e
                    );
                    log::error!(
                        target: "reactor",
                        "set the environmemnt value exabgp.daemon.user to change the unprivileged user"
                    );
                    return Err(EXIT_ERROR);
                }
            }
        }
        if drop_first {
            self.start_helpers(&configuration, false);
        }
        if startup.manage_process {
            if let Err(e) = self.pid.save() {
                log::error!(target: "daemon", "{}", e);
                return Err(EXIT_ERROR);
            }
        }
        self.state.configuration = Some(configuration);
        let delay = u64::from(env.tcp.delay) * 60;
        if delay > 0 {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let wait = delay - now % delay;
            log::debug!(target: "reactor", "waiting for {} seconds before connecting", wait);
            self.start_at = Some(Instant::now() + Duration::from_secs(wait));
        } else {
            self.add_configured_peers();
        }
        log::info!(target: "reactor", "loaded new configuration successfully");
        Ok(())
    }

    /// The main loop, until shutdown; the exit code.
    pub fn run_loop(&mut self) -> u8 {
        loop {
            if let Some(code) = self.exit {
                return self.shutdown(code);
            }
            if let Some(at) = self.start_at {
                if Instant::now() >= at {
                    self.start_at = None;
                    self.add_configured_peers();
                }
            }
            let busy = self.rib.flush(&mut self.state);
            let mut wait = if busy { Some(Duration::ZERO) } else { None };
            if let Some(at) = self.start_at {
                let left = at.saturating_duration_since(Instant::now());
                wait = Some(wait.map_or(left, |w| w.min(left)));
            }
            if let Err(e) = self.state.reactor.turn(wait) {
                log::error!(target: "reactor", "problem using poll, stopping: {}", e);
                return self.shutdown(EXIT_ERROR);
            }
            self.step();
        }
    }

    /// One pass over what the last turn produced.
    pub fn step(&mut self) {
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.extend(self.state.reactor.drain_outputs());
        for output in outputs.drain(..) {
            self.handle(output);
        }
        self.outputs = outputs;
        let requests = std::mem::take(&mut self.state.requests);
        for request in requests {
            self.apply(request);
        }
        if let Some(request) = self.deferred {
            if !self.rib.pending() {
                self.deferred = None;
                self.apply(request);
            }
        }
        if self.exit.is_none() && self.stopping && self.state.peers.is_empty() && self.start_at.is_none() {
            log::error!(target: "reactor", "exiting on peer termination");
            self.exit = Some(EXIT_OK);
        }
    }

    /// Whether the loop was asked to end, and with which code.
    pub fn exit_code(&self) -> Option<u8> {
        self.exit
    }

    fn handle(&mut self, output: Output) {
        // Bookkeeping first, so the hooks see the new state.
        if let Output::Peer { peer, event } = &output {
            if let Some(entry) = self.state.peers.get_mut(peer) {
                match event {
                    PeerOutput::Negotiated(n) => entry.negotiated = Some(n.clone()),
                    PeerOutput::Report(Report::Up { .. }) => entry.established = true,
                    PeerOutput::Report(Report::Down(_)) => {
                        entry.established = false;
                        entry.negotiated = None;
                    }
                    _ => {}
                }
            }
        }
        self.api.event(&mut self.state, &output);
        match output {
            Output::Peer { peer, event } => match event {
                PeerOutput::Report(Report::Up { .. }) => {
                    if let Some(p) = self.state.peers.get(&peer) {
                        log::info!(target: "reactor", "connected to peer {}", p.neighbor.peer_address);
                    }
                    self.rib.established(&mut self.state, peer);
                }
                PeerOutput::Report(Report::Down(_)) => self.rib.down(&mut self.state, peer),
                PeerOutput::Refresh { family, enhanced } => self.rib.refresh(&mut self.state, peer, family, enhanced),
                PeerOutput::Finished => {
                    if self.state.peers.remove(&peer).is_some() {
                        self.rib.removed(peer);
                    }
                }
                _ => {}
            },
            Output::ProcessLine { process, line } => self.api.command(&mut self.state, process, &line),
            Output::ProcessExited { process, respawning } => {
                let name = self.helper_name(process);
                log::debug!(target: "processes", "process {} ended (respawning: {})", name, respawning);
            }
            Output::ProcessBroken { process, error } => {
                // ExaBGP stops every peer once any helper could not start.
                let name = self.helper_name(process);
                log::error!(target: "processes", "could not start process {}: {}", name, error);
                if self.state.env.api.terminate {
                    self.exit = Some(EXIT_ERROR);
                } else {
                    log::error!(target: "processes", "ExaBGP lost the helper process for this peer - stopping");
                    let ids: Vec<PeerId> = self.state.peers.keys().copied().collect();
                    for id in ids {
                        self.state.reactor.stop_peer(id, None, false);
                    }
                }
            }
            Output::ProcessTooManyDeaths { process } => {
                let name = self.helper_name(process);
                log::error!(
                    target: "processes",
                    "Too many death for {} ({}) terminating program",
                    name,
                    crate::reactor::process::RESPAWN_LIMIT
                );
                self.exit = Some(EXIT_ERROR);
            }
            Output::Signal(received) => {
                let request = match received.kind {
                    SignalKind::Shutdown => Request::Shutdown,
                    SignalKind::Restart => Request::Restart,
                    SignalKind::Reload => Request::Reload,
                    SignalKind::FullReload => Request::FullReload,
                };
                log::debug!(target: "reactor", "{} received", signal::name_of(received.number));
                self.state.requests.push(request);
            }
        }
    }

    fn helper_name(&self, process: crate::reactor::ProcessId) -> String {
        self.state.helper(process).map(|h| h.process.name.clone()).unwrap_or_else(|| format!("{:?}", process))
    }

    fn apply(&mut self, request: Request) {
        if self.exit.is_some() {
            return;
        }
        match request {
            Request::Shutdown => self.exit = Some(EXIT_OK),
            Request::Restart => self.restart(),
            Request::Reload | Request::FullReload => {
                if self.rib.pending() {
                    log::debug!(target: "reactor", "reload deferred until the previous changes are sent");
                    self.deferred = Some(request);
                } else {
                    self.reload(request == Request::FullReload);
                }
            }
        }
    }

    // --- peers and helpers ---

    fn add_configured_peers(&mut self) {
        let neighbors: Vec<Neighbor> =
            self.state.configuration.as_ref().map(|c| c.neighbors.clone()).unwrap_or_default();
        for neighbor in neighbors {
            self.add_peer(neighbor);
        }
    }

    fn add_peer(&mut self, neighbor: Neighbor) {
        log::debug!(target: "reactor", "new peer: {}", neighbor.name());
        let settings = settings::peer_settings(&neighbor, &self.defaults);
        let id = self.state.reactor.add_peer(settings);
        let helpers = self.state.helpers_of(&neighbor);
        let key = neighbor.index();
        self.state.peers.insert(
            id,
            Peer { id, key, neighbor, helpers, negotiated: None, established: false, retired: false },
        );
    }

    /// Starts the helpers of `configuration`: new ones are spawned, removed
    /// ones terminated, existing ones kept (or restarted when `restart`).
    fn start_helpers(&mut self, configuration: &Configuration, restart: bool) {
        let mut kept = Vec::new();
        for helper in std::mem::take(&mut self.state.helpers) {
            match configuration.process(&helper.process.name) {
                Some(p) if !restart => kept.push(Helper { id: helper.id, process: p.clone() }),
                _ => {
                    log::debug!(target: "processes", "terminating process {}", helper.process.name);
                    self.state.reactor.stop_process(helper.id);
                }
            }
        }
        self.state.helpers = kept;
        for process in &configuration.processes {
            if self.state.helper_named(&process.name).is_some() {
                continue;
            }
            let id = self.state.reactor.add_process(settings::process_spec(process));
            log::debug!(target: "processes", "forked process {}", process.name);
            self.state.helpers.push(Helper { id, process: process.clone() });
        }
        let bindings: Vec<(PeerId, Vec<crate::reactor::ProcessId>)> =
            self.state.peers.values().map(|p| (p.id, self.state.helpers_of(&p.neighbor))).collect();
        for (id, helpers) in bindings {
            if let Some(p) = self.state.peers.get_mut(&id) {
                p.helpers = helpers;
            }
        }
    }

    /// Tear a session down so that it comes back with `neighbor`: a Cease
    /// (Peer De-configured) unless graceful restart was negotiated, then
    /// ExaBGP closes silently.
    fn reestablish(&mut self, id: PeerId) {
        let Some(entry) = self.state.peers.get(&id) else { return };
        let settings = settings::peer_settings(&entry.neighbor, &self.defaults);
        let graceful = entry.neighbor.capability.graceful_restart.is_some_and(|t| t != 0)
            && self.state.reactor.peer(id).and_then(|p| p.sent_open()).is_some();
        self.state.reactor.reconfigure_peer(id, settings);
        let cease = (!graceful).then(|| Notify::new(code::CEASE, PEER_DECONFIGURED));
        self.state.reactor.stop_peer(id, cease, true);
    }

    fn retire(&mut self, id: PeerId) {
        if let Some(p) = self.state.peers.get_mut(&id) {
            log::debug!(target: "reactor", "removing peer: {}", p.neighbor.name());
            p.retired = true;
        }
        self.state.reactor.stop_peer(id, None, false);
    }

    fn load(&mut self) -> Option<Configuration> {
        log::info!(target: "configuration", "performing reload of exabgp {}", crate::cli::version::version());
        match self.configs.load_next() {
            Ok(c) => Some(c),
            Err(e) => {
                log::error!(target: "configuration", "could not load/reload configuration");
                log::error!(target: "configuration", "{}", e);
                None
            }
        }
    }

    /// SIGUSR1/SIGUSR2: new peers start, removed ones stop, changed ones are
    /// re-established, unchanged ones get their route changes (RIB hook).
    /// An invalid configuration is logged and the running one kept.
    ///
    /// Not done: listeners are not added or re-keyed (MD5) on reload.
    pub fn reload(&mut self, full: bool) {
        let Some(configuration) = self.load() else { return };
        let wanted: BTreeMap<String, Neighbor> =
            configuration.neighbors.iter().map(|n| (n.index(), n.clone())).collect();
        let live: Vec<(PeerId, String)> =
            self.state.peers.values().filter(|p| !p.retired).map(|p| (p.id, p.key.clone())).collect();
        for (id, key) in &live {
            if !wanted.contains_key(key) {
                self.retire(*id);
            }
        }
        self.start_helpers(&configuration, full);
        for (key, neighbor) in wanted {
            match self.state.peer_by_key(&key) {
                None => {
                    if self.start_at.is_none() {
                        self.add_peer(neighbor);
                    }
                }
                Some(id) => {
                    let helpers = self.state.helpers_of(&neighbor);
                    let Some(entry) = self.state.peers.get_mut(&id) else { continue };
                    let same = entry.neighbor.same_session(&neighbor);
                    let previous = std::mem::replace(&mut entry.neighbor, neighbor);
                    entry.helpers = helpers;
                    if same {
                        log::debug!(target: "reactor", "peer definition identical, updating peer routes if required for {}", key);
                        self.rib.reconfigured(&mut self.state, id, &previous);
                    } else {
                        log::debug!(target: "reactor", "peer definition change, establishing a new connection for {}", key);
                        self.reestablish(id);
                    }
                }
            }
        }
        self.state.configuration = Some(configuration);
        log::info!(target: "reactor", "loaded new configuration successfully");
    }

    /// SIGALRM: re-read the configuration, drop removed peers, re-establish
    /// every other session, restart every helper. As ExaBGP, peers new in
    /// the file are not started and kept peers keep their old definition.
    pub fn restart(&mut self) {
        log::info!(target: "reactor", "performing restart of exabgp {}", crate::cli::version::version());
        let configuration = self.load();
        let live: Vec<(PeerId, String)> =
            self.state.peers.values().filter(|p| !p.retired).map(|p| (p.id, p.key.clone())).collect();
        for (id, key) in live {
            let present = match &configuration {
                Some(c) => c.neighbors.iter().any(|n| n.index() == key),
                None => true,
            };
            if present {
                self.reestablish(id);
            } else {
                self.retire(id);
            }
        }
        if let Some(configuration) = configuration {
            self.start_helpers(&configuration, true);
            self.state.configuration = Some(configuration);
        } else if let Some(current) = self.state.configuration.clone() {
            self.start_helpers(&current, true);
        }
    }

    /// Close every session silently, tell the helpers, terminate them,
    /// remove the PID file; returns `code`.
    pub fn shutdown(&mut self, code: u8) -> u8 {
        log::error!(target: "reactor", "performing shutdown");
        let ids: Vec<PeerId> = self.state.peers.keys().copied().collect();
        for id in ids {
            self.state.reactor.stop_peer(id, None, false);
        }
        // The helpers hear about the sessions going down, then `shutdown`.
        let mut outputs: Vec<Output> = self.state.reactor.drain_outputs().collect();
        for output in outputs.drain(..) {
            self.api.event(&mut self.state, &output);
        }
        let lines: Vec<(crate::reactor::ProcessId, String)> =
            self.state.helpers.iter().map(|h| (h.id, self.api.shutdown_line(h))).collect();
        for (id, line) in lines {
            self.state.reactor.write_process(id, &line);
        }
        let deadline = Instant::now() + SHUTDOWN_FLUSH;
        loop {
            let queued = self.state.helpers.iter().any(|h| {
                self.state.reactor.process(h.id).is_some_and(|p| p.is_running() && p.queued_bytes() > 0)
            });
            let now = Instant::now();
            if !queued || now >= deadline {
                break;
            }
            if self.state.reactor.turn(Some(deadline - now)).is_err() {
                break;
            }
            self.state.reactor.drain_outputs().for_each(drop);
        }
        self.state.reactor.terminate_processes();
        self.state.helpers.clear();
        self.state.peers.clear();
        self.pid.remove();
        self.exit = Some(code);
        code
    }
}
