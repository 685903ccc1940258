//! The `exabgp` command line, compatible with ExaBGP's.
//!
//! `exabgp <subcommand> [options]` with the subcommands `server`, `validate`,
//! `env`, `decode`, `version`, `cli` and `healthcheck`. ExaBGP 4.x
//! compatibility: unless `-h`/`--help` is present, when the first argument is
//! not a subcommand, `server` is inserted (`exabgp conf.conf`, `exabgp -d
//! conf.conf`). Mistakes are reported like Python's argparse does (usage,
//! one `error:` line, exit status 2).
//!
//! [`parse`] decides what to do from the arguments alone; [`execute`] does
//! it with the loaded environment, handing over to the seams
//! (`server::run`, `validate::run`, `decode::run`, `client::run`) that the
//! rest of the program implements.

pub mod args;
pub mod client;
pub mod decode;
pub mod healthcheck;
pub mod help;
pub mod server;
pub mod validate;
pub mod version;

use std::io::Write;
use std::process::ExitCode;

use crate::environment::{defaults_listing, EnvError, Environment};
use crate::logger;
use args::{ArgsError, OptSpec, Positional, Spec, ValueKind};

/// The subcommands, in the order ExaBGP checks them for the 4.x rule.
pub const SUBCOMMANDS: [&str; 7] = [
    "version",
    "cli",
    "healthcheck",
    "decode",
    "server",
    "env",
    "validate",
];

/// The order argparse lists them in messages.
const CHOICES: [&str; 7] = [
    "version",
    "cli",
    "healthcheck",
    "env",
    "decode",
    "server",
    "validate",
];

/// Exit status of an argparse error.
pub const USAGE_ERROR: u8 = 2;

const SERVER_OPTIONS: &[OptSpec] = &[
    OptSpec::flag(Some('v'), "verbose"),
    OptSpec::flag(Some('d'), "debug"),
    OptSpec::int(Some('s'), "signal"),
    OptSpec::flag(Some('1'), "once"),
    OptSpec::flag(Some('p'), "pdb"),
    OptSpec::flag(Some('P'), "passive"),
    OptSpec::flag(Some('m'), "memory"),
    OptSpec::value(None, "profile"),
];

const VALIDATE_OPTIONS: &[OptSpec] = &[
    OptSpec::flag(Some('n'), "neighbor"),
    OptSpec::flag(Some('r'), "route"),
    OptSpec::flag(Some('v'), "verbose"),
    OptSpec::flag(Some('p'), "pdb"),
];

const ENV_OPTIONS: &[OptSpec] = &[
    OptSpec::flag(Some('d'), "diff"),
    OptSpec::flag(Some('e'), "env"),
];

const DECODE_OPTIONS: &[OptSpec] = &[
    OptSpec::flag(Some('n'), "nlri"),
    OptSpec::flag(Some('u'), "update"),
    OptSpec::flag(Some('o'), "open"),
    OptSpec::flag(Some('d'), "debug"),
    OptSpec::flag(Some('p'), "pdb"),
    OptSpec::value(Some('c'), "configuration"),
    OptSpec::value(Some('f'), "family"),
    OptSpec::flag(Some('i'), "path-information"),
];

const CLI_OPTIONS: &[OptSpec] = &[OptSpec::value(None, "pipename")];

const fn real(short: Option<char>, long: &'static str) -> OptSpec {
    OptSpec {
        short,
        long,
        aliases: &[],
        kind: ValueKind::Real,
    }
}

const HEALTHCHECK_OPTIONS: &[OptSpec] = &[
    OptSpec::flag(Some('s'), "silent"),
    OptSpec {
        short: None,
        long: "syslog-facility",
        aliases: &["-sF"],
        kind: ValueKind::Optional,
    },
    OptSpec::flag(None, "no-syslog"),
    OptSpec::flag(Some('d'), "debug"),
    OptSpec::flag(Some('a'), "no-ack"),
    OptSpec::flag(None, "sudo"),
    OptSpec::value(Some('n'), "name"),
    OptSpec::value(Some('F'), "config"),
    OptSpec::value(Some('p'), "pid"),
    OptSpec::value(None, "user"),
    OptSpec::value(None, "group"),
    real(Some('i'), "interval"),
    real(Some('f'), "fast-interval"),
    OptSpec::int(Some('t'), "timeout"),
    OptSpec::int(None, "rise"),
    OptSpec::int(None, "fall"),
    OptSpec::value(None, "disable"),
    OptSpec {
        short: Some('c'),
        long: "command",
        aliases: &["--cmd"],
        kind: ValueKind::Value,
    },
    OptSpec::value(Some('N'), "next-hop"),
    OptSpec::value(None, "ip"),
    OptSpec::value(None, "ip-ifname"),
    OptSpec::int(None, "local-preference"),
    OptSpec::flag(None, "deaggregate-networks"),
    OptSpec::flag(None, "no-ip-setup"),
    OptSpec::flag(None, "dynamic-ip-setup"),
    OptSpec::value(None, "label"),
    OptSpec::flag(None, "label-exact-match"),
    OptSpec::int(None, "start-ip"),
    OptSpec::int(None, "up-metric"),
    OptSpec::int(None, "down-metric"),
    OptSpec::int(None, "disabled-metric"),
    OptSpec::int(None, "increase"),
    OptSpec::value(None, "community"),
    OptSpec::value(None, "extended-community"),
    OptSpec::value(None, "large-community"),
    OptSpec::value(None, "disabled-community"),
    OptSpec::value(None, "as-path"),
    OptSpec::value(None, "up-as-path"),
    OptSpec::value(None, "down-as-path"),
    OptSpec::value(None, "disabled-as-path"),
    OptSpec::flag(None, "withdraw-on-down"),
    OptSpec::int(None, "path-id"),
    OptSpec::value(None, "neighbor"),
    OptSpec::flag(None, "debounce"),
    OptSpec::value(None, "execute"),
    OptSpec::value(None, "up-execute"),
    OptSpec::value(None, "down-execute"),
    OptSpec::value(None, "disabled-execute"),
];

fn spec(name: &str) -> Option<Spec> {
    Some(match name {
        "version" => Spec {
            prog: "exabgp version",
            usage: help::VERSION_USAGE,
            help: help::VERSION,
            options: &[],
            positional: Positional::None,
        },
        "cli" => Spec {
            prog: "exabgp cli",
            usage: help::CLI_USAGE,
            help: help::CLI,
            options: CLI_OPTIONS,
            positional: Positional::Any,
        },
        "healthcheck" => Spec {
            prog: "exabgp healthcheck",
            usage: help::HEALTHCHECK_USAGE,
            help: help::HEALTHCHECK,
            options: HEALTHCHECK_OPTIONS,
            positional: Positional::None,
        },
        "env" => Spec {
            prog: "exabgp env",
            usage: help::ENV_USAGE,
            help: help::ENV,
            options: ENV_OPTIONS,
            positional: Positional::None,
        },
        "decode" => Spec {
            prog: "exabgp decode",
            usage: help::DECODE_USAGE,
            help: help::DECODE,
            options: DECODE_OPTIONS,
            positional: Positional::One("payload"),
        },
        "server" => Spec {
            prog: "exabgp server",
            usage: help::SERVER_USAGE,
            help: help::SERVER,
            options: SERVER_OPTIONS,
            positional: Positional::OneOrMore("configuration"),
        },
        "validate" => Spec {
            prog: "exabgp validate",
            usage: help::VALIDATE_USAGE,
            help: help::VALIDATE,
            options: VALIDATE_OPTIONS,
            positional: Positional::OneOrMore("configuration"),
        },
        _ => return None,
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerArgs {
    pub verbose: bool,
    pub debug: bool,
    pub signal: Option<i64>,
    pub once: bool,
    pub pdb: bool,
    pub passive: bool,
    pub memory: bool,
    pub profile: String,
    /// As given (resolved later with `getconf`).
    pub configurations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidateArgs {
    pub neighbor: bool,
    pub route: bool,
    pub verbose: bool,
    pub pdb: bool,
    pub configurations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeArgs {
    pub nlri: bool,
    pub update: bool,
    pub open: bool,
    pub debug: bool,
    pub pdb: bool,
    pub configuration: Option<String>,
    pub family: Option<String>,
    pub path_information: bool,
    pub payload: String,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Print this on stdout and exit 0 (`--help`).
    Help(String),
    /// Print this on stderr and exit 2 (argparse error).
    Usage(String),
    /// No arguments at all: help and the settings list, exit 1.
    NoArguments,
    Version,
    Env {
        diff: bool,
        env: bool,
    },
    Server(ServerArgs),
    Validate(ValidateArgs),
    Decode(DecodeArgs),
    Cli(client::ClientOptions),
    Healthcheck,
}

/// ExaBGP 4.x compatibility: insert `server` when the first argument is not
/// a subcommand, unless `-h` or `--help` is anywhere on the line.
pub fn compat_4x(argv: &[String]) -> Vec<String> {
    let mut out = argv.to_vec();
    let wants_help = argv.iter().skip(1).any(|a| a == "-h" || a == "--help");
    if let Some(first) = argv.get(1) {
        if !wants_help && !SUBCOMMANDS.contains(&first.as_str()) {
            out.insert(1, "server".to_string());
        }
    }
    out
}

fn usage_error(usage: &str, prog: &str, message: &str) -> Command {
    Command::Usage(format!("{usage}{prog}: error: {message}\n"))
}

/// Decide what to do from `argv` (program name first).
pub fn parse(argv: &[String]) -> Command {
    let argv = compat_4x(argv);
    let rest = argv.get(1..).unwrap_or(&[]);
    if rest.is_empty() {
        return Command::NoArguments;
    }
    // Main parser: options before the subcommand (only -h exists there).
    let mut unrecognized: Vec<String> = Vec::new();
    let mut position = None;
    for (i, token) in rest.iter().enumerate() {
        if token == "-h" || (token.len() > 2 && "--help".starts_with(token.as_str())) {
            return Command::Help(help::MAIN.to_string());
        }
        if token.starts_with('-') && token.len() > 1 && token != "--" {
            unrecognized.push(token.clone());
            continue;
        }
        position = Some(i);
        break;
    }
    let Some(position) = position else {
        return usage_error(
            help::MAIN_USAGE,
            "exabgp",
            &format!("unrecognized arguments: {}", unrecognized.join(" ")),
        );
    };
    let name = rest.get(position).map(String::as_str).unwrap_or_default();
    let Some(spec) = spec(name) else {
        let choices: Vec<String> = CHOICES.iter().map(|c| format!("'{c}'")).collect();
        return usage_error(
            help::MAIN_USAGE,
            "exabgp",
            &format!(
                "argument {{{}}}: invalid choice: '{name}' (choose from {})",
                CHOICES.join(","),
                choices.join(", ")
            ),
        );
    };
    let sub_args = rest.get(position + 1..).unwrap_or(&[]);
    let mut matches = match spec.parse(sub_args) {
        Ok(m) => m,
        Err(ArgsError::Help) => return Command::Help(spec.help.to_string()),
        Err(ArgsError::Sub(message)) => return usage_error(spec.usage, spec.prog, &message),
        Err(ArgsError::Unrecognized(mut more)) => {
            unrecognized.append(&mut more);
            return usage_error(
                help::MAIN_USAGE,
                "exabgp",
                &format!("unrecognized arguments: {}", unrecognized.join(" ")),
            );
        }
    };
    if !unrecognized.is_empty() {
        return usage_error(
            help::MAIN_USAGE,
            "exabgp",
            &format!("unrecognized arguments: {}", unrecognized.join(" ")),
        );
    }
    let free = std::mem::take(&mut matches.free);
    match name {
        "version" => Command::Version,
        "env" => Command::Env {
            diff: matches.flag("diff"),
            env: matches.flag("env"),
        },
        "server" => Command::Server(ServerArgs {
            verbose: matches.flag("verbose"),
            debug: matches.flag("debug"),
            signal: matches.value("signal").and_then(args::python_int),
            once: matches.flag("once"),
            pdb: matches.flag("pdb"),
            passive: matches.flag("passive"),
            memory: matches.flag("memory"),
            profile: matches.value("profile").unwrap_or_default().to_string(),
            configurations: free,
        }),
        "validate" => Command::Validate(ValidateArgs {
            neighbor: matches.flag("neighbor"),
            route: matches.flag("route"),
            verbose: matches.flag("verbose"),
            pdb: matches.flag("pdb"),
            configurations: free,
        }),
        "decode" => Command::Decode(DecodeArgs {
            nlri: matches.flag("nlri"),
            update: matches.flag("update"),
            open: matches.flag("open"),
            debug: matches.flag("debug"),
            pdb: matches.flag("pdb"),
            configuration: matches.value("configuration").map(str::to_string),
            family: matches.value("family").map(str::to_string),
            path_information: matches.flag("path-information"),
            payload: free.into_iter().next().unwrap_or_default(),
        }),
        "cli" => Command::Cli(client::ClientOptions {
            pipename: matches.value("pipename").map(str::to_string),
            command: free,
        }),
        _ => Command::Healthcheck,
    }
}

fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn init_logging(config: logger::Config) {
    if let Err(e) = logger::init(config) {
        eprintln!("exabgp: {e}, logging to stderr");
    }
}

/// The help text and settings list printed when there are no arguments.
pub fn no_arguments_text() -> String {
    let lines: Vec<String> = defaults_listing()
        .into_iter()
        .map(|l| format!("    {l}"))
        .collect();
    format!(
        "{}\nEnvironment values are:\n{}",
        help::MAIN,
        lines.join("\n")
    )
}

/// Resolve configuration names; the first missing one is logged (CRITICAL)
/// and gives `Err`.
fn resolve(
    env: &Environment,
    names: &[String],
    announce: bool,
) -> Result<Vec<std::path::PathBuf>, ExitCode> {
    let mut paths = Vec::with_capacity(names.len());
    for name in names {
        if announce {
            log::info!(target: "configuration", "loading {name}");
        }
        match env.locations.getconf(name) {
            Some(path) => paths.push(path),
            None => {
                crate::critical!(target: "configuration", "{name} is not an exabgp config file");
                return Err(ExitCode::from(1));
            }
        }
    }
    Ok(paths)
}

/// Carry out a command.
pub fn execute(command: Command, mut env: Environment) -> ExitCode {
    match command {
        Command::Help(text) => {
            out(&text);
            ExitCode::SUCCESS
        }
        Command::Usage(text) => {
            eprint!("{text}");
            ExitCode::from(USAGE_ERROR)
        }
        Command::NoArguments => {
            out(&no_arguments_text());
            ExitCode::from(1)
        }
        Command::Version => {
            out(&version::report(&version::version(), &version::from()));
            ExitCode::SUCCESS
        }
        Command::Env {
            diff,
            env: env_form,
        } => {
            out(&if env_form {
                env.to_env(diff)
            } else {
                env.to_ini(diff)
            });
            ExitCode::SUCCESS
        }
        Command::Server(a) => {
            // Must happen before the logger is set up, as in ExaBGP.
            if a.verbose || a.debug {
                env.log.all = true;
                env.log.level = logger::Level::Debug;
                env.log.short = false;
            }
            if a.debug || a.pdb {
                env.debug.pdb = true;
            }
            init_logging(logger::Config::from_env(&env));
            if !a.profile.is_empty() {
                env.profile.enable = true;
                env.profile.file = a.profile.clone();
            }
            if a.once {
                env.tcp.once = true;
            }
            if a.memory {
                env.debug.memory = true;
            }
            if a.passive {
                env.bgp.passive = true;
            }
            let configurations = match resolve(&env, &a.configurations, false) {
                Ok(paths) => paths,
                Err(code) => return code,
            };
            let forks = !env.debug.rotate && configurations.len() > 1;
            if forks && !logger::Destination::parse(&env.log.destination).allows_fork() {
                log::error!(
                    target: "configuration",
                    "can not log to files when running multiple configuration (as we fork)"
                );
                return ExitCode::from(1);
            }
            let options = server::ServerOptions {
                configurations,
                once: a.once,
                passive: a.passive,
                signal: a
                    .signal
                    .and_then(|s| u64::try_from(s).ok())
                    .filter(|s| *s > 0),
                profile: (!a.profile.is_empty()).then_some(a.profile),
                memory: a.memory,
                verbose: a.verbose,
                debug: a.debug,
                pdb: a.pdb,
            };
            server::run(options, env)
        }
        Command::Validate(a) => {
            if a.verbose {
                env.log.all = true;
                env.log.level = logger::Level::Debug;
            }
            if a.pdb {
                env.debug.pdb = true;
            }
            init_logging(logger::Config::from_env(&env));
            if a.verbose {
                env.log.parser = true;
            }
            let configurations = match resolve(&env, &a.configurations, true) {
                Ok(paths) => paths,
                Err(code) => return code,
            };
            let options = validate::ValidateOptions {
                configurations,
                neighbor: a.neighbor,
                route: a.route,
                verbose: a.verbose,
                pdb: a.pdb,
            };
            validate::run(options, env)
        }
        Command::Decode(a) => decode_command(a, env),
        Command::Cli(options) => client::run(options, env),
        Command::Healthcheck => healthcheck::run(),
    }
}

fn decode_command(a: DecodeArgs, mut env: Environment) -> ExitCode {
    let text = decode::sanitize(&a.payload);
    if !decode::is_bgp(&text) {
        out(&decode::not_hex_help());
        return ExitCode::from(1);
    }
    env.bgp.passive = true;
    env.log.parser = true;
    env.tcp.bind.clear();
    let config = if a.debug {
        env.log.all = true;
        env.log.level = logger::Level::Debug;
        logger::Config::from_env(&env)
    } else {
        let mut c = logger::Config::from_env(&env);
        c.silenced = true;
        c
    };
    if a.pdb {
        env.debug.pdb = true;
    }
    init_logging(config);

    let invalid = || {
        out("invalid payload\n");
        ExitCode::from(1)
    };
    let (configuration, families) = match (&a.configuration, &a.family) {
        (Some(name), _) => match env.locations.getconf(name) {
            Some(path) => (Some(path), Vec::new()),
            None => return invalid(),
        },
        (None, Some(family)) => match decode::parse_families(family) {
            Ok(families) => (None, families),
            Err(decode::FamilyError::Odd) => {
                out("families provided are invalid");
                return ExitCode::from(1);
            }
            Err(decode::FamilyError::Unknown(_)) => return invalid(),
        },
        (None, None) => (None, Vec::new()),
    };
    let Some(payload) = decode::hex_bytes(&text) else {
        return invalid();
    };
    let kind = if a.nlri {
        decode::Kind::Nlri
    } else if a.update {
        decode::Kind::Update
    } else if a.open {
        decode::Kind::Open
    } else {
        decode::Kind::Auto
    };
    let options = decode::DecodeOptions {
        kind,
        families,
        path_information: a.path_information,
        configuration,
        payload,
    };
    decode::run(options, env)
}

/// The program: environment, command line, then the subcommand.
pub fn main() -> ExitCode {
    if let Some(folder) = std::env::var_os("exabgp_cli_pipe").filter(|v| !v.is_empty()) {
        return client::pipe_helper(&folder.to_string_lossy());
    }
    // ExaBGP loads its settings before it looks at the command line, so a
    // bad value fails every subcommand.
    let env = match Environment::from_process() {
        Ok(env) => env,
        Err(e) => {
            report_env_error(&e);
            return ExitCode::from(1);
        }
    };
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    execute(parse(&argv), env)
}

fn report_env_error(e: &EnvError) {
    eprintln!("exabgp: {e}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<String> {
        std::iter::once("exabgp")
            .chain(line.split_whitespace())
            .map(String::from)
            .collect()
    }

    fn parse_line(line: &str) -> Command {
        parse(&argv(line))
    }

    #[test]
    fn compat_rule_inserts_server() {
        assert_eq!(compat_4x(&argv("conf.conf")), argv("server conf.conf"));
        assert_eq!(
            compat_4x(&argv("-d conf.conf")),
            argv("server -d conf.conf")
        );
        assert_eq!(
            compat_4x(&argv("--once x.conf")),
            argv("server --once x.conf")
        );
        assert_eq!(compat_4x(&argv("env -e")), argv("env -e"));
        assert_eq!(compat_4x(&argv("conf.conf -h")), argv("conf.conf -h"));
        assert_eq!(compat_4x(&argv("")), argv(""));
        // there is no `help` subcommand: it is a configuration file name
        assert_eq!(compat_4x(&argv("help")), argv("server help"));
    }

    #[test]
    fn no_arguments() {
        assert_eq!(parse_line(""), Command::NoArguments);
        let text = no_arguments_text();
        assert!(text.starts_with(help::MAIN));
        assert!(text.contains("\nEnvironment values are:\n    exabgp.api.ack "));
        assert!(text.ends_with("port to bind on when listening. default (179)"));
    }

    #[test]
    fn help_texts() {
        assert_eq!(parse_line("-h"), Command::Help(help::MAIN.into()));
        assert_eq!(parse_line("--help"), Command::Help(help::MAIN.into()));
        assert_eq!(parse_line("-h server"), Command::Help(help::MAIN.into()));
        assert_eq!(parse_line("server -h"), Command::Help(help::SERVER.into()));
        assert_eq!(
            parse_line("decode --help"),
            Command::Help(help::DECODE.into())
        );
        assert_eq!(
            parse_line("validate x -h"),
            Command::Help(help::VALIDATE.into())
        );
        assert_eq!(parse_line("env -h"), Command::Help(help::ENV.into()));
        assert_eq!(
            parse_line("version -h"),
            Command::Help(help::VERSION.into())
        );
        assert_eq!(parse_line("cli -h"), Command::Help(help::CLI.into()));
        assert_eq!(
            parse_line("healthcheck -h"),
            Command::Help(help::HEALTHCHECK.into())
        );
        for text in [
            help::MAIN,
            help::SERVER,
            help::DECODE,
            help::VALIDATE,
            help::HEALTHCHECK,
        ] {
            assert!(!text.to_lowercase().contains("python"), "{text}");
        }
        for text in [help::MAIN, help::SERVER, help::DECODE, help::VALIDATE] {
            assert!(text.lines().all(|l| l.len() <= 80), "{text}");
        }
    }

    #[test]
    fn usage_errors() {
        let Command::Usage(text) = parse_line("--test x") else {
            panic!()
        };
        assert_eq!(
            text,
            "usage: exabgp [-h] {version,cli,healthcheck,env,decode,server,validate} ...\n\
             exabgp: error: unrecognized arguments: --test\n"
        );
        let Command::Usage(text) = parse_line("server") else {
            panic!()
        };
        assert!(text.starts_with(help::SERVER_USAGE));
        assert!(text.ends_with(
            "exabgp server: error: the following arguments are required: configuration\n"
        ));
        // `--version` is not an option: `server --version` without a file
        let Command::Usage(text) = parse_line("--version") else {
            panic!()
        };
        assert!(text.ends_with(
            "exabgp server: error: the following arguments are required: configuration\n"
        ));
        let Command::Usage(text) = parse_line("conf -h") else {
            panic!()
        };
        assert!(text.ends_with(
            "exabgp: error: argument {version,cli,healthcheck,env,decode,server,validate}: invalid choice: 'conf' \
             (choose from 'version', 'cli', 'healthcheck', 'env', 'decode', 'server', 'validate')\n"
        ));
        let Command::Usage(text) = parse_line("env extra") else {
            panic!()
        };
        assert!(text.ends_with("exabgp: error: unrecognized arguments: extra\n"));
        let Command::Usage(text) = parse_line("decode -f") else {
            panic!()
        };
        assert!(
            text.ends_with("exabgp decode: error: argument -f/--family: expected one argument\n")
        );
        let Command::Usage(text) = parse_line("server -s abc x") else {
            panic!()
        };
        assert!(text
            .ends_with("exabgp server: error: argument -s/--signal: invalid int value: 'abc'\n"));
    }

    #[test]
    fn subcommands() {
        assert_eq!(parse_line("version"), Command::Version);
        assert_eq!(
            parse_line("env"),
            Command::Env {
                diff: false,
                env: false
            }
        );
        assert_eq!(
            parse_line("env -d -e"),
            Command::Env {
                diff: true,
                env: true
            }
        );
        assert_eq!(
            parse_line("env -de"),
            Command::Env {
                diff: true,
                env: true
            }
        );
        let Command::Server(s) = parse_line("-d -p /a.conf /b.conf") else {
            panic!()
        };
        assert!(s.debug && s.pdb && !s.verbose);
        assert_eq!(s.configurations, vec!["/a.conf", "/b.conf"]);
        let Command::Server(s) = parse_line("server -1 -P -m -s 3 --profile out x") else {
            panic!()
        };
        assert!(s.once && s.passive && s.memory);
        assert_eq!(s.signal, Some(3));
        assert_eq!(s.profile, "out");
        let Command::Validate(v) = parse_line("validate -nrv /x.conf") else {
            panic!()
        };
        assert!(v.neighbor && v.route && v.verbose && !v.pdb);
        let Command::Cli(c) = parse_line("cli --pipename p show neighbor") else {
            panic!()
        };
        assert_eq!(c.pipename.as_deref(), Some("p"));
        assert_eq!(c.command, vec!["show", "neighbor"]);
        assert_eq!(
            parse_line("healthcheck -sF local0 --cmd true --ip 1.2.3.4/32 --rise 2 -i 0.5"),
            Command::Healthcheck
        );
        let Command::Usage(_) = parse_line("healthcheck --rise x") else {
            panic!()
        };
    }

    #[test]
    fn decode_arguments() {
        let mut line = argv("decode -f");
        line.push("ipv4 unicast".into());
        line.push("--update".into());
        line.push("FFFF:00".into());
        let Command::Decode(d) = parse(&line) else {
            panic!()
        };
        assert_eq!(d.family.as_deref(), Some("ipv4 unicast"));
        assert!(d.update && !d.nlri && !d.open);
        assert_eq!(d.payload, "FFFF:00");
        let Command::Decode(d) = parse_line("decode -n -i -c x.conf 0000") else {
            panic!()
        };
        assert!(d.nlri && d.path_information);
        assert_eq!(d.configuration.as_deref(), Some("x.conf"));
    }
}
