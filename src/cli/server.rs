//! `exabgp server`: the seam between the command line and the reactor.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::environment::Environment;

/// Everything `exabgp server` was asked for. The environment passed along
/// with it already reflects the flags (`-v`/`-d` logging, `-P` passive,
/// `-1` once, `--profile`, `-m` memory, `-p` pdb).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerOptions {
    /// Absolute paths of existing files, in command-line order.
    pub configurations: Vec<PathBuf>,
    /// `-1/--once` (ExaBGP sets `tcp.once`, which has no effect there).
    pub once: bool,
    /// `-P/--passive`
    pub passive: bool,
    /// `-s/--signal N`: send SIGUSR1 after N seconds (N > 0).
    pub signal: Option<u64>,
    /// `--profile FILE` (`stdout` or a file name).
    pub profile: Option<String>,
    /// `-m/--memory`
    pub memory: bool,
    /// `-v/--verbose`
    pub verbose: bool,
    /// `-d/--debug`
    pub debug: bool,
    /// `-p/--pdb`
    pub pdb: bool,
}

/// Run the BGP speaker (`crate::daemon`).
pub fn run(options: ServerOptions, env: Environment) -> ExitCode {
    crate::daemon::serve(options, env)
}
