//! Signals as a poll source (ExaBGP `reactor/interrupt.py`,
//! configuration.md §20), through `signal-hook-mio`: the handler only writes
//! to a self-pipe that the loop reads, so nothing runs in signal context.
//!
//! | signal          | meaning     |
//! |-----------------|-------------|
//! | SIGTERM, SIGHUP, SIGINT | shutdown |
//! | SIGALRM         | restart     |
//! | SIGUSR1         | reload      |
//! | SIGUSR2         | full reload (helpers restarted too) |
//!
//! "While one signal is handled, others are ignored" is the owner's rule:
//! this module reports every signal it reads.

use std::io;

use signal_hook::consts::signal::{SIGALRM, SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
use signal_hook_mio::v1_0::Signals;

/// What a signal asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalKind {
    Shutdown,
    Restart,
    Reload,
    FullReload,
}

/// A signal read from the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    pub kind: SignalKind,
    /// The raw number, reported to helpers as a string (api.md §5.3).
    pub number: i32,
}

pub const WATCHED: [i32; 6] = [SIGTERM, SIGHUP, SIGINT, SIGALRM, SIGUSR1, SIGUSR2];

/// The meaning of a signal number, `None` for one we do not watch.
pub fn kind_of(number: i32) -> Option<SignalKind> {
    match number {
        SIGTERM | SIGHUP | SIGINT => Some(SignalKind::Shutdown),
        SIGALRM => Some(SignalKind::Restart),
        SIGUSR1 => Some(SignalKind::Reload),
        SIGUSR2 => Some(SignalKind::FullReload),
        _ => None,
    }
}

/// ExaBGP's name of a signal number (`signal` API message).
pub fn name_of(number: i32) -> &'static str {
    match number {
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGALRM => "SIGALRM",
        SIGUSR1 => "SIGUSR1",
        SIGUSR2 => "SIGUSR2",
        _ => "unknown",
    }
}

/// The registered signal handlers and their self-pipe.
pub struct SignalSource {
    signals: Signals,
}

impl std::fmt::Debug for SignalSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignalSource")
    }
}

impl SignalSource {
    /// Installs handlers for `WATCHED`.
    pub fn new() -> io::Result<SignalSource> {
        Ok(SignalSource { signals: Signals::new(WATCHED)? })
    }

    pub fn signals_mut(&mut self) -> &mut Signals {
        &mut self.signals
    }

    /// Every signal delivered since the last call.
    pub fn drain(&mut self, out: &mut Vec<Received>) {
        for number in self.signals.pending() {
            if let Some(kind) = kind_of(number) {
                log::info!(target: "reactor", "{} received", name_of(number));
                out.push(Received { kind, number });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_map_like_exabgp() {
        assert_eq!(kind_of(SIGTERM), Some(SignalKind::Shutdown));
        assert_eq!(kind_of(SIGHUP), Some(SignalKind::Shutdown));
        assert_eq!(kind_of(SIGINT), Some(SignalKind::Shutdown));
        assert_eq!(kind_of(SIGALRM), Some(SignalKind::Restart));
        assert_eq!(kind_of(SIGUSR1), Some(SignalKind::Reload));
        assert_eq!(kind_of(SIGUSR2), Some(SignalKind::FullReload));
        assert_eq!(kind_of(libc::SIGCHLD), None);
        assert_eq!(name_of(SIGUSR1), "SIGUSR1");
    }
}
