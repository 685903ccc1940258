//! `exabgp validate`: load each configuration (syntax, neighbors, routes);
//! with `-n` re-generate each neighbor's configuration, with `-r` check
//! that every route encodes, decodes and re-encodes to the same bytes.
//!
//! Exit codes follow the reference: 0 when every file is valid, 1 at the
//! first file that is not (after logging why).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{self, LoadOptions};
use crate::environment::Environment;
use crate::logger::{self, Level};

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

fn critical(args: std::fmt::Arguments<'_>) {
    logger::emit(Level::Critical, "configuration", args);
}

/// What went wrong with one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Loading failed: `file:line:column: <expected>, found <what>`.
    Config(config::ConfigError),
    /// `-r`: a route did not survive encode/decode.
    Route(String),
}

/// Check one file; `Ok` carries the lines to report at INFO level.
pub fn check(path: &std::path::Path, options: &ValidateOptions, load: &LoadOptions) -> Result<Vec<String>, Invalid> {
    let conf = config::load_file(path, load).map_err(Invalid::Config)?;
    let mut notes = vec!["\u{2713} loading".to_string()];
    if options.neighbor {
        for n in &conf.neighbors {
            log::debug!(target: "configuration", "{}", n.configuration_text());
            notes.push(format!("\u{2713} neighbor  {}", n.peer_address));
        }
    }
    if options.route {
        for n in &conf.neighbors {
            config::route::self_check(n).map_err(Invalid::Route)?;
        }
        notes.push("\u{2713} routes".to_string());
    }
    Ok(notes)
}

/// Validate the files: exit 0 when all are valid, 1 at the first invalid
/// one (printing the error as `file:line:column: message` on stderr and
/// logging `<file> is not a valid config file`).
pub fn run(options: ValidateOptions, env: Environment) -> ExitCode {
    let mut load = LoadOptions::from_env();
    load.bgp_passive = load.bgp_passive || env.bgp.passive;
    for path in &options.configurations {
        // `cli::resolve` already logged "loading <file>".
        let shown = path.display();
        match check(path, &options, &load) {
            Ok(notes) => {
                for n in notes {
                    log::info!(target: "configuration", "{}", n);
                }
            }
            Err(Invalid::Config(e)) => {
                eprintln!("{}", e);
                critical(format_args!("{} is not a valid config file", shown));
                return ExitCode::from(1);
            }
            Err(Invalid::Route(e)) => {
                eprintln!("{}: {}", shown, e);
                critical(format_args!("{} has an invalid route", shown));
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qa_etc() -> Option<PathBuf> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("qa/etc");
        p.is_dir().then_some(p)
    }

    fn opts() -> ValidateOptions {
        ValidateOptions { configurations: Vec::new(), neighbor: true, route: true, verbose: false, pdb: false }
    }

    /// Every qa configuration is valid, routes included (`validate -nr`).
    #[test]
    fn every_qa_configuration_validates_with_route_check() {
        let Some(dir) = qa_etc() else { return };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .collect();
        files.sort();
        // The helper programs live in qa/etc/run; their existence is checked
        // elsewhere (they need the qa environment).
        let load = LoadOptions { check_programs: false, ..LoadOptions::default() };
        let mut bad = Vec::new();
        for f in &files {
            if let Err(e) = check(f, &opts(), &load) {
                bad.push(format!("{}: {:?}", f.display(), e));
            }
        }
        assert!(files.len() >= 80, "only {} qa configurations", files.len());
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn an_invalid_route_is_reported_with_its_position() {
        let dir = std::env::temp_dir().join(format!("exabgp-validate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("bad.conf");
        std::fs::write(
            &f,
            "neighbor 127.0.0.1 {\n local-as 1; peer-as 1; router-id 1.1.1.1; local-address 127.0.0.1;\n static {\n  route 10.0.0.0/24 next-hop 1.2.3.4 med x;\n }\n}\n",
        )
        .unwrap();
        let load = LoadOptions { check_programs: false, ..LoadOptions::default() };
        match check(&f, &opts(), &load) {
            Err(Invalid::Config(e)) => {
                assert_eq!((e.line, e.column), (4, 42), "{e}");
                assert!(e.to_string().contains("found \"x\""), "{e}");
            }
            other => panic!("{other:?}"),
        }
        let mut o = opts();
        o.configurations = vec![f.clone()];
        assert_eq!(run(o, crate::environment::Environment::defaults(crate::environment::Locations::from_process())), ExitCode::from(1));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
