//! `exabgp server`: the daemon that ties the environment, the configuration
//! and the reactor together (ExaBGP `application/server.py`,
//! `reactor/loop.py`, `reactor/daemon.py`).
//!
//! | file           | what                                                     |
//! |----------------|----------------------------------------------------------|
//! | `lifecycle.rs` | `Daemon`: start-up, main loop, reload/restart, shutdown  |
//! | `state.rs`     | peer and helper tables the hooks see (`State`)           |
//! | `hooks.rs`     | integration points: `Rib` (adj-rib-out), `Api` (process API) |
//! | `routing.rs`   | `Routing`: the real hooks; per-peer `AdjRibOut`/`AdjRibIn` |
//! | `commands.rs`  | helper commands: parse (config route grammar), act, ack  |
//! | `events.rs`    | peer events to subscribed helpers (JSON/text encoders)   |
//! | `settings.rs`  | `Neighbor` -> `PeerSettings`, `Process` -> `ProcessSpec`, listeners |
//! | `system.rs`    | umask/chdir, PID file, daemonize, privilege drop         |
//!
//! Several configuration files: with `debug.rotate` one daemon reads them in
//! turn (the first at start-up, the next at each reload); without it, as
//! ExaBGP, one daemon is forked per file and the parent waits for them.
//!
//! Integration points: `Daemon::with_hooks(configs, env, hooks)` takes the
//! adj-rib-out (`hooks::Rib`) and the process API (`hooks::Api`) as one
//! `Box<dyn Hooks>`; `routing::Routing` is the real one (RIBs in
//! `routing.rs`, commands in `commands.rs`, events in `events.rs`).
//! `EndOfRib` and `LogCommands` remain as minimal stand-ins for tests.
//!
//! Not done yet:
//! * the CLI named pipes (`api.cli`) are neither looked for nor served;
//! * a reload opens the `listen` sockets of new neighbors, but sockets
//!   already listening do not learn their MD5 keys;
//! * `rate-limit`, `--profile` and `--memory` have no effect;
//! * neighbors with a peer range (`peer-address` prefix) and
//!   `source-interface` run as their single address / without the
//!   interface (the reactor's `PeerSettings` has neither);
//! * multi-session neighbors are one peer (ExaBGP clones one per family).

pub mod commands;
pub mod events;
pub mod hooks;
pub mod lifecycle;
pub mod routing;
pub mod settings;
pub mod state;
pub mod stats;
pub mod system;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::server::ServerOptions;
use crate::config::LoadOptions;
use crate::environment::Environment;

pub use hooks::{Api, EndOfRib, Hooks, LogCommands, Pair, Rib};
pub use lifecycle::{Configs, Daemon, Startup};
pub use state::{Helper, Peer, Request, State};

/// `exabgp server` once the command line is parsed; the exit code.
pub fn serve(options: ServerOptions, env: Environment) -> ExitCode {
    if options.profile.is_some() {
        log::warn!(target: "reactor", "profiling is not available, running without it");
    }
    if let Some(seconds) = options.signal {
        // `-s N`: the parent sends SIGUSR1 to the daemon after N seconds
        // and leaves with its status.
        if let Some(code) = delayed_signal(Duration::from_secs(seconds), libc::SIGUSR1) {
            return code;
        }
    }
    if env.debug.rotate || options.configurations.len() <= 1 {
        return ExitCode::from(run(options.configurations, env));
    }
    fork_per_file(options.configurations, env)
}

/// One daemon over `files` (rotated on reload), with the RIBs and the
/// process API (`routing::Routing`).
pub fn run(files: Vec<PathBuf>, env: Environment) -> u8 {
    run_with_hooks(
        files,
        env,
        Box::new(routing::Routing::default()),
    )
}

/// One daemon over `files` (rotated on reload).
pub fn run_with_hooks(files: Vec<PathBuf>, env: Environment, hooks: Box<dyn Hooks>) -> u8 {
    log::info!(target: "welcome", "Thank you for using ExaBGP");
    log::debug!(target: "version", "{}", crate::cli::version::version());
    let mut load = LoadOptions::from_env();
    load.bgp_passive = env.bgp.passive;
    let configs = Configs::new(files, load);
    let mut daemon = match Daemon::with_hooks(configs, env, hooks) {
        Ok(d) => d,
        Err(e) => {
            log::error!(target: "reactor", "could not start the reactor: {}", e);
            return lifecycle::EXIT_ERROR;
        }
    };
    daemon.run(Startup::default())
}

/// ExaBGP without `debug.rotate`: a child per file, the parent ignores
/// SIGINT and waits for them all.
fn fork_per_file(files: Vec<PathBuf>, env: Environment) -> ExitCode {
    let mut children = Vec::new();
    for file in files {
        // SAFETY: single-threaded here (nothing started yet); the child
        // runs its daemon and leaves with `exit`, never returning.
        match unsafe { libc::fork() } {
            -1 => {
                log::error!(target: "reactor", "can not fork, errno {}", std::io::Error::last_os_error());
                return ExitCode::from(1);
            }
            0 => {
                let code = run(vec![file], env);
                std::process::exit(i32::from(code));
            }
            pid => children.push(pid),
        }
    }
    // SAFETY: ignoring SIGINT in this process only.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    for pid in children {
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe {
            libc::waitpid(pid, &mut status, 0);
        }
    }
    ExitCode::SUCCESS
}

/// Forks: the child returns `None` and goes on; the parent sleeps, signals
/// the child, waits for it and returns its exit status.
fn delayed_signal(delay: Duration, signal: i32) -> Option<ExitCode> {
    // SAFETY: single-threaded at this point; see `fork_per_file`.
    let pid = unsafe { libc::fork() };
    if pid <= 0 {
        return None;
    }
    std::thread::sleep(delay);
    let mut status = 0;
    // SAFETY: signalling and waiting for our own child.
    unsafe {
        libc::kill(pid, signal);
        libc::waitpid(pid, &mut status, 0);
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        1
    };
    Some(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
