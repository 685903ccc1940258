//! `cargo test` entry for the functional suites (a `harness = false` test).
//!
//! Runs `exabgp-qa all --ratchet qa/ratchet.txt` against the freshly built `exabgp`
//! and fails only when a test listed in the ratchet fails. Extra arguments are passed
//! through, e.g. `cargo test --test functional -- encoding api-rr`.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let root = env!("CARGO_MANIFEST_DIR");
    // libtest-style flags cargo may pass (e.g. --nocapture) mean nothing here.
    let extra: Vec<String> =
        std::env::args().skip(1).filter(|a| !a.starts_with("--") || a == "--no-netns").collect();
    let status = Command::new(env!("CARGO_BIN_EXE_exabgp-qa"))
        .arg("--daemon")
        .arg(env!("CARGO_BIN_EXE_exabgp"))
        .arg("--qa")
        .arg(format!("{root}/qa"))
        .arg("--ratchet")
        .arg(format!("{root}/qa/ratchet.txt"))
        .args(extra)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("functional tests: exabgp-qa {s}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("functional tests: cannot run exabgp-qa: {e}");
            ExitCode::FAILURE
        }
    }
}
