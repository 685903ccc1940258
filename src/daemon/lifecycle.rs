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
use crate::config::{self, ConfigError, Configuration, LoadOptions, Neighbor};
use crate::environment::Environment;
use crate::reactor::fsm::Report;
use crate::reactor::signal::{self, SignalKind};
use crate::reactor::{Output, PeerId, PeerOutput, Reactor};

use super::hooks::Hooks;
use super::settings::{self, Defaults};
use super::state::{Helper, Peer, Request, State};
use super::system::{self, PidFile, Privileges};

/// Exit codes (ExaBGP `Reactor.Exit`).
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;

/// How long helpers get to read `shutdown` before they are terminated.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(100);
/// How long a newly established session waits before its table goes out,
/// so that what the peer sent right behind its KEEPALIVE (often an UPDATE in
/// the next segment) is read and reported first: ExaBGP reads its input
/// before it writes its RIB, and api-check depends on that order.
const INITIAL_TABLE_DELAY: Duration = Duration::from_millis(20);

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
        Configs {
            files,
            next: 0,
            options,
        }
    }

    /// Loads the next file in the rotation.
    pub fn load_next(&mut self) -> Result<Configuration, ConfigError> {
        let Some(path) = self.files.get(self.next % self.files.len().max(1)) else {
            return Err(ConfigError::new(
                "",
                0,
                0,
                "a configuration file was expected, found none",
            ));
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
        Startup {
            manage_process: true,
            signals: true,
        }
    }
}

pub struct Daemon {
    pub state: State,
    hooks: Box<dyn Hooks>,
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
    /// `shutdown` ran (it runs once).
    down: bool,
    outputs: Vec<Output>,
    /// Peers that reached Established, and when their table goes out
    /// (`INITIAL_TABLE_DELAY`).
    newly_up: Vec<(PeerId, Instant)>,
    /// Addresses listened on.
    listening: Vec<std::net::SocketAddr>,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("state", &self.state)
            .field("exit", &self.exit)
            .finish()
    }
}

impl Daemon {
    /// A daemon with the real hooks: the RIBs and the process API
    /// (`routing::Routing`).
    pub fn new(configs: Configs, env: Environment) -> std::io::Result<Daemon> {
        Daemon::with_hooks(configs, env, Box::new(super::routing::Routing::default()))
    }

    /// A daemon with other hooks (tests, or the stand-ins `Pair { rib:
    /// EndOfRib, api: LogCommands }`).
    pub fn with_hooks(
        configs: Configs,
        env: Environment,
        hooks: Box<dyn Hooks>,
    ) -> std::io::Result<Daemon> {
        let mut reactor = Reactor::new()?;
        reactor.set_respawn(env.api.respawn);
        let defaults = Defaults::new(&env, &|k| std::env::var(k).ok());
        let pid = PidFile::new(&env.daemon.pid);
        let stopping = env.tcp.attempts > 0;
        Ok(Daemon {
            state: State::new(reactor, env),
            hooks,
            configs,
            defaults,
            pid,
            stopping,
            start_at: None,
            deferred: None,
            exit: None,
            down: false,
            outputs: Vec::new(),
            newly_up: Vec::new(),
            listening: Vec::new(),
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
                    && matches!(
                        env.log.destination.to_ascii_lowercase().as_str(),
                        "stdout" | "stderr"
                    );
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
            self.listening.push(plan.addr);
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
            if let Some(code) = self.iterate(None) {
                return code;
            }
        }
    }

    /// One iteration of the loop, sleeping at most `max_wait` (`None`: until
    /// something happens). `Some(exit code)` once the daemon has shut down.
    pub fn iterate(&mut self, max_wait: Option<Duration>) -> Option<u8> {
        if let Some(code) = self.exit {
            return Some(self.shutdown(code));
        }
        if let Some(at) = self.start_at {
            if Instant::now() >= at {
                self.start_at = None;
                self.add_configured_peers();
            }
        }
        let busy = self.hooks.flush(&mut self.state);
        let mut wait = if busy { Some(Duration::ZERO) } else { max_wait };
        if let Some(at) = self.hooks.wake_at() {
            let left = at.saturating_duration_since(Instant::now());
            wait = Some(wait.map_or(left, |w| w.min(left)));
        }
        if let Some(at) = self.start_at {
            let left = at.saturating_duration_since(Instant::now());
            wait = Some(wait.map_or(left, |w| w.min(left)));
        }
        if let Some(at) = self.newly_up.iter().map(|&(_, at)| at).min() {
            let left = at.saturating_duration_since(Instant::now());
            wait = Some(wait.map_or(left, |w| w.min(left)));
        }
        if let Err(e) = self.state.reactor.turn(wait) {
            log::error!(target: "reactor", "problem using poll, stopping: {}", e);
            return Some(self.shutdown(EXIT_ERROR));
        }
        self.step();
        None
    }

    /// One pass over what the last turn produced.
    pub fn step(&mut self) {
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.extend(self.state.reactor.drain_outputs());
        for output in outputs.drain(..) {
            self.handle(output);
        }
        self.outputs = outputs;
        let now = Instant::now();
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.newly_up).into_iter().partition(|&(_, at)| at <= now);
        self.newly_up = waiting;
        for (peer, _) in due {
            if self.state.peers.get(&peer).is_some_and(|p| p.established) {
                self.hooks.established(&mut self.state, peer);
            }
        }
        let requests = std::mem::take(&mut self.state.requests);
        for request in requests {
            self.apply(request);
        }
        if let Some(request) = self.deferred {
            if !self.hooks.pending() {
                self.deferred = None;
                self.apply(request);
            }
        }
        if self.exit.is_none()
            && self.stopping
            && self.state.peers.is_empty()
            && self.start_at.is_none()
        {
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
        self.hooks.event(&mut self.state, &output);
        match output {
            Output::Peer { peer, event } => match event {
                PeerOutput::Report(Report::Up { .. }) => {
                    if let Some(p) = self.state.peers.get(&peer) {
                        log::info!(target: "reactor", "connected to peer {}", p.neighbor.peer_address);
                    }
                    self.newly_up.push((peer, Instant::now() + INITIAL_TABLE_DELAY));
                }
                PeerOutput::Report(Report::Down(_)) => self.hooks.down(&mut self.state, peer),
                PeerOutput::Refresh { family, enhanced } => {
                    self.hooks.refresh(&mut self.state, peer, family, enhanced)
                }
                PeerOutput::Finished if self.state.peers.remove(&peer).is_some() => {
                    self.hooks.removed(peer)
                }
                _ => {}
            },
            Output::ProcessLines { process, lines } => {
                for line in lines.iter() {
                    self.hooks.command(&mut self.state, process, line)
                }
            }
            Output::ProcessExited {
                process,
                respawning,
            } => {
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
            Output::ProcessTooManyDeaths { .. } => {
                // The reactor logged `Too many death for …`, as ExaBGP does, once.
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

    /// Bytes still wait for a helper's stdin.
    fn helpers_have_input(&self) -> bool {
        self.state.helpers.iter().any(|h| {
            self.state
                .reactor
                .process(h.id)
                .is_some_and(|p| p.is_running() && p.queued_bytes() > 0)
        })
    }

    fn helper_name(&self, process: crate::reactor::ProcessId) -> String {
        self.state
            .helper(process)
            .map(|h| h.process.name.clone())
            .unwrap_or_else(|| format!("{:?}", process))
    }

    fn apply(&mut self, request: Request) {
        if self.exit.is_some() {
            return;
        }
        match request {
            Request::Shutdown => self.exit = Some(EXIT_OK),
            Request::Restart => self.restart(),
            Request::Reload | Request::FullReload => {
                if self.hooks.pending() {
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
        let neighbors: Vec<Neighbor> = self
            .state
            .configuration
            .as_ref()
            .map(|c| c.neighbors.clone())
            .unwrap_or_default();
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
            Peer {
                id,
                key,
                neighbor,
                helpers,
                negotiated: None,
                established: false,
                retired: false,
            },
        );
    }

    /// Starts the helpers of `configuration`: new ones are spawned, removed
    /// ones terminated, existing ones kept (or restarted when `restart`).
    fn start_helpers(&mut self, configuration: &Configuration, restart: bool) {
        let mut kept = Vec::new();
        for helper in std::mem::take(&mut self.state.helpers) {
            match configuration.process(&helper.process.name) {
                Some(p) if !restart => kept.push(Helper {
                    id: helper.id,
                    process: p.clone(),
                }),
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
            let id = self
                .state
                .reactor
                .add_process(settings::process_spec(process));
            // The reactor logs the fork, or why it failed: not repeated here.
            self.state.helpers.push(Helper {
                id,
                process: process.clone(),
            });
        }
        let bindings: Vec<(PeerId, Vec<crate::reactor::ProcessId>)> = self
            .state
            .peers
            .values()
            .map(|p| (p.id, self.state.helpers_of(&p.neighbor)))
            .collect();
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
        let Some(entry) = self.state.peers.get(&id) else {
            return;
        };
        let settings = settings::peer_settings(&entry.neighbor, &self.defaults);
        // The OPEN of the running session says whether it announced it.
        let graceful = self
            .state
            .reactor
            .peer(id)
            .and_then(|p| p.sent_open())
            .is_some_and(|open| open.capabilities.graceful().is_some());
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
    /// Not done: sockets already listening do not learn the MD5 keys of
    /// new neighbors.
    pub fn reload(&mut self, full: bool) {
        let Some(configuration) = self.load() else {
            return;
        };
        let wanted: BTreeMap<String, Neighbor> = configuration
            .neighbors
            .iter()
            .map(|n| (n.index(), n.clone()))
            .collect();
        let live: Vec<(PeerId, String)> = self
            .state
            .peers
            .values()
            .filter(|p| !p.retired)
            .map(|p| (p.id, p.key.clone()))
            .collect();
        for (id, key) in &live {
            if !wanted.contains_key(key) {
                self.retire(*id);
            }
        }
        self.start_helpers(&configuration, full);
        // New `listen` sockets (existing ones keep their MD5 keys).
        for plan in settings::listeners(&self.state.env, &configuration.neighbors) {
            if self.listening.contains(&plan.addr) {
                continue;
            }
            match self.state.reactor.listen(plan.addr, &plan.options) {
                Ok(_) => self.listening.push(plan.addr),
                Err(e) => {
                    log::error!(target: "network", "could not listen on {}: {}", plan.addr, e)
                }
            }
        }
        for (key, neighbor) in wanted {
            match self.state.peer_by_key(&key) {
                None => {
                    if self.start_at.is_none() {
                        self.add_peer(neighbor);
                    }
                }
                Some(id) => {
                    let helpers = self.state.helpers_of(&neighbor);
                    let Some(entry) = self.state.peers.get_mut(&id) else {
                        continue;
                    };
                    let same = entry.neighbor.same_session(&neighbor);
                    let previous = std::mem::replace(&mut entry.neighbor, neighbor);
                    entry.helpers = helpers;
                    if same {
                        log::debug!(target: "reactor", "peer definition identical, updating peer routes if required for {}", key);
                        self.hooks.reconfigured(&mut self.state, id, &previous);
                    } else {
                        log::debug!(target: "reactor", "peer definition change, establishing a new connection for {}", key);
                        self.hooks.redefined(&mut self.state, id, &previous);
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
        let live: Vec<(PeerId, String)> = self
            .state
            .peers
            .values()
            .filter(|p| !p.retired)
            .map(|p| (p.id, p.key.clone()))
            .collect();
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
        if self.down {
            return self.exit.unwrap_or(code);
        }
        self.down = true;
        log::error!(target: "reactor", "performing shutdown");
        let ids: Vec<PeerId> = self.state.peers.keys().copied().collect();
        for id in ids {
            self.state.reactor.stop_peer(id, None, false);
        }
        // The helpers hear about the sessions going down, then `shutdown`.
        let mut outputs: Vec<Output> = self.state.reactor.drain_outputs().collect();
        for output in outputs.drain(..) {
            self.hooks.event(&mut self.state, &output);
        }
        let lines: Vec<(crate::reactor::ProcessId, String)> = self
            .state
            .helpers
            .iter()
            .map(|h| (h.id, self.hooks.shutdown_line(h)))
            .collect();
        for (id, line) in lines {
            self.state.reactor.write_process(id, &line);
        }
        // Flush without waiting (a helper that leaves on `shutdown` must not
        // be seen dying, it would be respawned), then, as ExaBGP after its
        // blocking writes, give the helpers 0.1 s to read before the SIGTERM.
        let deadline = Instant::now() + SHUTDOWN_FLUSH;
        while Instant::now() < deadline && self.helpers_have_input() {
            if self.state.reactor.turn(Some(Duration::ZERO)).is_err() {
                break;
            }
            self.state.reactor.drain_outputs().for_each(drop);
        }
        if !self.state.helpers.is_empty() {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        }
        self.state.reactor.terminate_processes();
        self.state.helpers.clear();
        self.state.peers.clear();
        self.pid.remove();
        self.exit = Some(code);
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Locations;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::Path;

    const KEEPALIVE: [u8; 19] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0, 19, 4,
    ];

    /// A scratch directory, removed when the test ends.
    struct Scratch(PathBuf);

    impl std::ops::Deref for Scratch {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("exabgp-daemon-{}-{}", std::process::id(), name));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn daemon(files: Vec<PathBuf>, attempts: u32) -> Daemon {
        let mut env = Environment::defaults(Locations::new("/"));
        env.tcp.attempts = attempts;
        let options = LoadOptions {
            check_programs: true,
            ..LoadOptions::default()
        };
        Daemon::new(Configs::new(files, options), env).unwrap()
    }

    const IN_TEST: Startup = Startup {
        manage_process: false,
        signals: false,
    };

    /// Runs the loop until it exits (at most `limit`).
    fn run_for(d: &mut Daemon, limit: Duration) -> Option<u8> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Some(code) = d.iterate(Some(Duration::from_millis(50))) {
                return Some(code);
            }
        }
        None
    }

    fn read_message(s: &mut TcpStream) -> Option<Vec<u8>> {
        let mut header = [0u8; 19];
        s.read_exact(&mut header).ok()?;
        let len = usize::from(u16::from_be_bytes([header[16], header[17]]));
        let mut body = vec![0u8; len.checked_sub(19)?];
        s.read_exact(&mut body).ok()?;
        let mut m = header.to_vec();
        m.extend(body);
        Some(m)
    }

    /// The functional suite's test peer in miniature: echo the OPEN with
    /// router-id + 1, KEEPALIVE, then collect `updates` UPDATEs and close.
    fn scripted_peer(
        listener: TcpListener,
        updates: usize,
    ) -> std::thread::JoinHandle<Vec<Vec<u8>>> {
        std::thread::spawn(move || {
            let Ok((mut s, _)) = listener.accept() else {
                return Vec::new();
            };
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let Some(mut open) = read_message(&mut s) else {
                return Vec::new();
            };
            if let Some(b) = open.get_mut(27) {
                *b = b.wrapping_add(1);
            }
            let _ = s.write_all(&open);
            let _ = s.write_all(&KEEPALIVE);
            let mut got = Vec::new();
            while got.len() < updates {
                match read_message(&mut s) {
                    Some(m) if m.get(18) == Some(&2) => got.push(m),
                    Some(_) => {}
                    None => break,
                }
            }
            got
        })
    }

    #[test]
    fn session_sends_eors_and_daemon_exits_when_the_peer_closes() {
        let dir = scratch("session");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let conf = write(
            &dir,
            "a.conf",
            "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; family { ipv4 unicast; ipv6 unicast; } }",
        );
        let peer = scripted_peer(listener, 2);
        let mut d = daemon(vec![conf], 1);
        d.set_connect_port(port);
        d.start(IN_TEST).unwrap();
        assert_eq!(d.state.peers.len(), 1);
        let code = run_for(&mut d, Duration::from_secs(10));
        let updates = peer.join().unwrap();
        assert_eq!(code, Some(EXIT_OK));
        assert_eq!(
            updates,
            vec![
                // ipv4 unicast: the empty UPDATE.
                b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x17\x02\x00\x00\x00\x00".to_vec(),
                // ipv6 unicast: an empty MP_UNREACH_NLRI.
                b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x1e\x02\x00\x00\x00\x07\x90\x0f\x00\x03\x00\x02\x01"
                    .to_vec(),
            ]
        );
        assert!(d.state.peers.is_empty());
    }

    #[test]
    fn configured_routes_go_out_before_the_eor() {
        let dir = scratch("routes");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let conf = write(
            &dir,
            "a.conf",
            "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; \
             static { route 10.0.0.0/24 next-hop 1.1.1.1; } }",
        );
        let peer = scripted_peer(listener, 2);
        let mut d = daemon(vec![conf], 1);
        d.set_connect_port(port);
        d.start(IN_TEST).unwrap();
        assert_eq!(run_for(&mut d, Duration::from_secs(10)), Some(EXIT_OK));
        let updates = peer.join().unwrap();
        assert_eq!(updates.len(), 2);
        // NLRI 10.0.0.0/24 ends the first UPDATE; the EoR is empty.
        assert!(updates[0].ends_with(&[24, 10, 0, 0]), "{:?}", updates[0]);
        assert_eq!(updates[1].len(), 23);
    }

    #[test]
    fn manual_eor_sends_none() {
        let dir = scratch("manual");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let conf = write(
            &dir,
            "a.conf",
            "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; manual-eor true; }",
        );
        // The peer waits for one UPDATE that must not come: it gives up on
        // its read timeout only if the daemon sent nothing, so close from here.
        let peer = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut open = read_message(&mut s).unwrap();
            open[27] = open[27].wrapping_add(1);
            s.write_all(&open).unwrap();
            s.write_all(&KEEPALIVE).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(700)))
                .unwrap();
            let mut kinds = Vec::new();
            while let Some(m) = read_message(&mut s) {
                kinds.push(m[18]);
            }
            kinds
        });
        let mut d = daemon(vec![conf], 1);
        d.set_connect_port(port);
        d.start(IN_TEST).unwrap();
        let code = run_for(&mut d, Duration::from_secs(10));
        let kinds = peer.join().unwrap();
        assert_eq!(code, Some(EXIT_OK));
        assert!(!kinds.contains(&2), "{kinds:?}");
        assert!(kinds.contains(&4), "{kinds:?}");
    }

    #[test]
    fn shutdown_tells_and_terminates_helpers() {
        let dir = scratch("helpers");
        let pid_file = dir.join("pid");
        let input = dir.join("input");
        // `tee`, not `cat > file`: a helper that closes its stdout counts as
        // dead (and is respawned).
        let conf = write(
            &dir,
            "a.conf",
            &format!(
                "process p {{ run /bin/sh -c \"echo $$ > {}; exec tee {}\"; encoder text; }}\n",
                pid_file.display(),
                input.display()
            ),
        );
        let mut d = daemon(vec![conf], 0);
        d.start(IN_TEST).unwrap();
        assert_eq!(d.state.helpers.len(), 1);
        let end = Instant::now() + Duration::from_secs(5);
        while !std::fs::read_to_string(&pid_file).is_ok_and(|t| t.ends_with('\n'))
            && Instant::now() < end
        {
            assert_eq!(d.iterate(Some(Duration::from_millis(20))), None);
        }
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(system::pid_alive(pid));
        d.state.request(Request::Shutdown);
        assert_eq!(run_for(&mut d, Duration::from_secs(5)), Some(EXIT_OK));
        assert!(!system::pid_alive(pid));
        let said = std::fs::read_to_string(&input).unwrap();
        assert!(
            said.starts_with(&format!("shutdown {} ", std::process::id())),
            "{said:?}"
        );
    }

    #[test]
    fn reload_rotates_files_and_keeps_the_running_configuration_on_error() {
        let dir = scratch("reload");
        let neighbor = |ip: &str| {
            format!("neighbor {ip} {{ router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; passive true; }}\n")
        };
        let one = write(
            &dir,
            "one.conf",
            &(neighbor("127.0.0.2") + &neighbor("127.0.0.3")),
        );
        let two = write(
            &dir,
            "two.conf",
            &(neighbor("127.0.0.3") + &neighbor("127.0.0.4")),
        );
        let mut d = daemon(vec![one, two.clone()], 0);
        d.start(IN_TEST).unwrap();
        let addresses = |d: &Daemon| -> Vec<String> {
            d.state
                .peers
                .values()
                .filter(|p| !p.retired)
                .map(|p| p.neighbor.peer_address.to_string())
                .collect()
        };
        assert_eq!(addresses(&d), vec!["127.0.0.2", "127.0.0.3"]);
        let kept = d
            .state
            .peer_by_key(&d.state.peers.values().nth(1).unwrap().key)
            .unwrap();
        d.state.request(Request::Reload);
        d.step();
        let mut now = addresses(&d);
        now.sort();
        assert_eq!(now, vec!["127.0.0.3", "127.0.0.4"]);
        // The unchanged neighbor kept its peer.
        assert!(d.state.peers.contains_key(&kept));
        // The removed one leaves once the reactor reports it finished.
        assert_eq!(run_for(&mut d, Duration::from_millis(200)), None);
        assert_eq!(d.state.peers.len(), 2);
        // Back to the first file, which is now broken: nothing changes.
        std::fs::write(dir.join("one.conf"), "neighbor {").unwrap();
        d.state.request(Request::Reload);
        d.step();
        let mut now = addresses(&d);
        now.sort();
        assert_eq!(now, vec!["127.0.0.3", "127.0.0.4"]);
        d.state.request(Request::Shutdown);
        assert_eq!(run_for(&mut d, Duration::from_secs(5)), Some(EXIT_OK));
        let _ = two;
    }

    #[test]
    fn reload_opens_listen_sockets_of_new_neighbors() {
        let dir = scratch("listen");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base =
            "router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; passive true;";
        let one = write(
            &dir,
            "one.conf",
            &format!("neighbor 127.0.0.2 {{ {base} }}\n"),
        );
        let two = write(
            &dir,
            "two.conf",
            &format!("neighbor 127.0.0.2 {{ {base} listen {port}; }}\n"),
        );
        let mut d = daemon(vec![one, two], 0);
        d.start(IN_TEST).unwrap();
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
        d.state.request(Request::Reload);
        d.step();
        assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
        d.state.request(Request::Shutdown);
        assert_eq!(run_for(&mut d, Duration::from_secs(5)), Some(EXIT_OK));
    }

    #[test]
    fn reload_keeps_helpers_restart_restarts_them() {
        let dir = scratch("restart");
        let conf = write(
            &dir,
            "a.conf",
            "process p { run /bin/cat; encoder text; }\n\
             neighbor 127.0.0.2 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; passive true; }\n",
        );
        let mut d = daemon(vec![conf], 0);
        d.start(IN_TEST).unwrap();
        let helper = d.state.helpers[0].id;
        let pid = d.state.reactor.process(helper).and_then(|p| p.pid());
        let peer = *d.state.peers.keys().next().unwrap();
        // SIGUSR1: the helper is kept.
        d.state.request(Request::Reload);
        d.step();
        assert_eq!(
            d.state
                .reactor
                .process(d.state.helpers[0].id)
                .and_then(|p| p.pid()),
            pid
        );
        // SIGALRM: helpers restarted, the peer kept (its session restarts).
        d.state.request(Request::Restart);
        d.step();
        assert_eq!(d.state.helpers.len(), 1);
        assert_ne!(
            d.state
                .reactor
                .process(d.state.helpers[0].id)
                .and_then(|p| p.pid()),
            pid
        );
        assert!(d.state.peers.contains_key(&peer));
        d.state.request(Request::Shutdown);
        assert_eq!(run_for(&mut d, Duration::from_secs(5)), Some(EXIT_OK));
    }

    #[test]
    fn invalid_configuration_fails_start_up() {
        let dir = scratch("invalid");
        let conf = write(&dir, "bad.conf", "neighbor 127.0.0.1 { local-as; }");
        let mut d = daemon(vec![conf], 1);
        assert_eq!(d.start(IN_TEST), Err(EXIT_ERROR));
    }

    #[test]
    fn no_neighbor_and_attempts_exits_at_once() {
        let dir = scratch("empty");
        let conf = write(
            &dir,
            "empty.conf",
            "process p { run /bin/cat; encoder json; }\n",
        );
        let mut d = daemon(vec![conf], 1);
        d.start(IN_TEST).unwrap();
        assert_eq!(run_for(&mut d, Duration::from_secs(2)), Some(EXIT_OK));
    }
}
