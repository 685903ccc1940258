//! `exabgp`: the command-line front end (see `exabgp::cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    exabgp::cli::main()
}
