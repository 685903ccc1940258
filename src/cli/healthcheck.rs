//! `exabgp healthcheck`: its options are accepted (see `help::HEALTHCHECK`).

use std::process::ExitCode;

/// TODO(healthcheck): not implemented yet.
pub fn run() -> ExitCode {
    eprintln!("exabgp: healthcheck not implemented yet");
    ExitCode::from(1)
}
