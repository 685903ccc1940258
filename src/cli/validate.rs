//! `exabgp validate`: the seam between the command line and the
//! configuration parser.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::environment::Environment;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidateOptions {
    /// Absolute paths of existing files, in command-line order.
    pub configurations: Vec<PathBuf>,
    /// `-n/--neighbor`: re-generate each neighbor's configuration.
    pub neighbor: bool,
    /// `-r/--route`: encode/decode self-check of every route.
    pub route: bool,
    /// `-v/--verbose`
    pub verbose: bool,
    /// `-p/--pdb`
    pub pdb: bool,
}

/// Validate the files: exit 0 when all are valid, 1 at the first invalid one
/// (logging `<file> is not a valid config file`). TODO(config): not implemented yet.
pub fn run(options: ValidateOptions, env: Environment) -> ExitCode {
    let _ = (options, env);
    eprintln!("exabgp: validate not implemented yet");
    ExitCode::from(1)
}
