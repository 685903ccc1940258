//! `exabgp cli` (send a command to a running server through its named
//! pipes) and the internal pipe helper ExaBGP starts when `exabgp_cli_pipe`
//! is set.

use std::process::ExitCode;

use crate::environment::Environment;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// `--pipename NAME` (default `exabgp.api.pipename`).
    pub pipename: Option<String>,
    /// The command words (ExaBGP sends `help` when there are none).
    pub command: Vec<String>,
}

/// TODO(cli): not implemented yet.
pub fn run(options: ClientOptions, env: Environment) -> ExitCode {
    let _ = (options, env);
    eprintln!("exabgp: cli not implemented yet");
    ExitCode::from(1)
}

/// ExaBGP runs as its own CLI pipe helper when `exabgp_cli_pipe` names a
/// folder. TODO(cli): not implemented yet.
pub fn pipe_helper(folder: &str) -> ExitCode {
    let _ = folder;
    eprintln!("exabgp: cli pipe helper not implemented yet");
    ExitCode::from(1)
}
