//! `exabgp-qa`: ExaBGP's functional tests for this implementation.
//!
//! * `exabgp-qa [SUITE] [TEST...] [options]` runs the encoding / decoding / parsing
//!   suites against the `exabgp` binary (see `--help`).
//! * `exabgp-qa peer [options] [FILE.msg]` is the scripted BGP test peer on its own.

mod checker;
mod json;
mod netns;
mod peer;
mod ratchet;
mod runner;
mod script;
mod wire;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use runner::{Report, Settings, Status, Suite, Test};

const USAGE: &str = "\
usage: exabgp-qa [SUITE] [TEST...] [options]
       exabgp-qa peer [peer options] [FILE.msg]

SUITE is all (default), encoding, decoding or parsing (several may be given). TEST
is a test name within the suite(s) (e.g. `exabgp-qa encoding api-rr`) or SUITE/NAME (e.g. parsing/api-reload.1).

options:
  --daemon PATH      daemon under test (default: exabgp next to this program)
  --qa DIR           the qa/ folder (default: the one of this source tree)
  --jobs N           tests run in parallel (default: 2 x cores)
  --timeout S        hard limit per test in seconds (default 60)
  --idle S           encoding: give up when the peer saw nothing for S seconds (default 10)
  --ratchet FILE     only tests listed in FILE must pass (exit 1 if one fails)
  --update-ratchet   add the tests that passed to the ratchet file
  --no-netns         do not create a private network namespace for encoding tests
  --list             list the tests (with encoding ports)
  --dry              print the commands each test would run
  --keep             keep the outputs of passing tests too
  --help

Outputs of failed tests are kept in qa/out/SUITE/NAME/ (peer.log, daemon.log,
commands.sh, ...); the FAIL line says where. The last line printed is `N passed, N failed`.

peer options:
  --port N           listen port (default: $exabgp.tcp.port, $exabgp_tcp_port, else 179)
  --ipv6             listen on [::1] instead of 127.0.0.1
  --asn N            AS number in the OPEN reply (as option:asn:N)
  --sink             accept anything, answer each message with a KEEPALIVE
  --echo             send every message back
  --view             print the expected steps before starting
  --daemon-pid PID   process that `signal:` lines are sent to
  --daemon-pid-file FILE   ... or a file holding that pid (read when needed)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("peer") {
        return peer_main(&args[1..]);
    }
    match run_main(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("exabgp-qa: {e}");
            ExitCode::from(2)
        }
    }
}

fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i).map(String::as_str).ok_or_else(|| format!("{flag} needs a value"))
}

fn number<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, String> {
    text.parse::<T>().map_err(|_| format!("{flag}: invalid value '{text}'"))
}

// ---------------------------------------------------------------------------
// the test peer

fn peer_main(args: &[String]) -> ExitCode {
    match peer_run(args) {
        Ok(code) => code,
        Err(e) => {
            println!("{e}");
            ExitCode::from(1)
        }
    }
}

fn peer_run(args: &[String]) -> Result<ExitCode, String> {
    let env_port =
        std::env::var("exabgp.tcp.port").or_else(|_| std::env::var("exabgp_tcp_port")).ok();
    let mut port: u16 = match env_port {
        Some(p) => number(&p, "exabgp_tcp_port")?,
        None => 179,
    };
    let (mut ipv6, mut asn, mut view, mut file) = (false, None, false, None);
    let mut config = peer::PeerConfig::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            "--port" => port = number(value(args, &mut i, arg)?, arg)?,
            "--ipv6" => ipv6 = true,
            "--asn" => asn = Some(number::<u16>(value(args, &mut i, arg)?, arg)?),
            "--sink" => config.sink = true,
            "--echo" => config.echo = true,
            "--view" => view = true,
            "--daemon-pid" => config.daemon_pid = Some(number(value(args, &mut i, arg)?, arg)?),
            "--daemon-pid-file" => {
                config.daemon_pid_file = Some(PathBuf::from(value(args, &mut i, arg)?))
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}\n\n{USAGE}")),
            _ => file = Some(arg.to_string()),
        }
        i += 1;
    }
    if port == 0 {
        return Err("invalid port 0".to_string());
    }
    if let Some(file) = &file {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        config.script = script::parse_msg(file, &text).map_err(|e| format!("invalid rule: {e}"))?;
    }
    config.port = port;
    config.script.options.bind_ipv6 |= ipv6;
    if asn.is_some() {
        config.script.options.asn = asn;
    }
    if config.sink {
        println!("sink mode: send anything, it gets a KEEPALIVE");
    } else if config.echo {
        println!("echo mode: every message is sent back");
    } else if config.script.is_empty() {
        return Err("no test data available to test against".to_string());
    }
    let peer = peer::Peer::bind(config, peer::stdout_log())
        .map_err(|e| format!("could not bind port {port}: {e}"))?;
    if view {
        println!("{}", peer.rules_text());
    }
    match peer.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(e) => return Err(format!("no local address: {e}")),
    }
    match peer.run(None) {
        peer::Outcome::Success => {
            println!("\nsuccessful");
            Ok(ExitCode::SUCCESS)
        }
        peer::Outcome::Failure(why) => {
            println!("\nfailed: {}", why.lines().next().unwrap_or(""));
            Ok(ExitCode::from(1))
        }
        peer::Outcome::Unfinished => Ok(ExitCode::from(1)),
    }
}

// ---------------------------------------------------------------------------
// the runner

struct Options {
    /// Empty: every suite.
    suites: Vec<Suite>,
    names: Vec<String>,
    daemon: Option<PathBuf>,
    qa: PathBuf,
    jobs: usize,
    timeout: u64,
    idle: u64,
    ratchet: Option<PathBuf>,
    update_ratchet: bool,
    netns: bool,
    list: bool,
    dry: bool,
    keep: bool,
}

fn parse_options(args: &[String]) -> Result<Option<Options>, String> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut o = Options {
        suites: Vec::new(),
        names: Vec::new(),
        daemon: None,
        qa: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/qa")),
        jobs: 2 * cores,
        timeout: 60,
        idle: 10,
        ratchet: None,
        update_ratchet: false,
        netns: true,
        list: false,
        dry: false,
        keep: false,
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(None);
            }
            "--daemon" => o.daemon = Some(PathBuf::from(value(args, &mut i, arg)?)),
            "--qa" => o.qa = PathBuf::from(value(args, &mut i, arg)?),
            "--jobs" | "-j" => o.jobs = number::<usize>(value(args, &mut i, arg)?, arg)?.max(1),
            "--timeout" => o.timeout = number(value(args, &mut i, arg)?, arg)?,
            "--idle" => o.idle = number(value(args, &mut i, arg)?, arg)?,
            "--ratchet" => o.ratchet = Some(PathBuf::from(value(args, &mut i, arg)?)),
            "--update-ratchet" => o.update_ratchet = true,
            "--no-netns" => o.netns = false,
            "--list" => o.list = true,
            "--dry" => o.dry = true,
            "--keep" => o.keep = true,
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}\n\n{USAGE}")),
            "all" if o.names.is_empty() => {}
            _ => match Suite::from_name(arg) {
                Some(suite) if o.names.is_empty() => o.suites.push(suite),
                _ => o.names.push(arg.to_string()),
            },
        }
        i += 1;
    }
    if o.update_ratchet && o.ratchet.is_none() {
        return Err("--update-ratchet needs --ratchet FILE".to_string());
    }
    Ok(Some(o))
}

fn select(all: Vec<Test>, suites: &[Suite], names: &[String]) -> Result<Vec<Test>, String> {
    let in_suite: Vec<Test> =
        all.into_iter().filter(|t| suites.is_empty() || suites.contains(&t.suite)).collect();
    if names.is_empty() {
        return Ok(in_suite);
    }
    let mut chosen = Vec::new();
    for name in names {
        let matched: Vec<&Test> =
            in_suite.iter().filter(|t| t.id() == *name || t.name == *name).collect();
        if matched.is_empty() {
            return Err(format!("no test named '{name}' (try --list)"));
        }
        for t in matched {
            if !chosen.contains(t) {
                chosen.push(t.clone());
            }
        }
    }
    Ok(chosen)
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    }
}

fn run_main(args: &[String]) -> Result<ExitCode, String> {
    let Some(o) = parse_options(args)? else { return Ok(ExitCode::SUCCESS) };
    let me = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let daemon = match &o.daemon {
        Some(d) => absolute(d),
        None => me.with_file_name("exabgp"),
    };
    let qa = absolute(&o.qa);
    let tests = select(runner::discover(&qa)?, &o.suites, &o.names)?;
    // Enter the namespace before any thread exists (unshare moves only the caller).
    let has_encoding = tests.iter().any(|t| t.suite == Suite::Encoding);
    let isolated = if !has_encoding || o.list || o.dry {
        false
    } else if !o.netns {
        println!(
            "network: host namespace (--no-netns); tests with non-loopback neighbors are skipped"
        );
        false
    } else {
        match netns::enter_private_network() {
            Ok(kind) => {
                println!("network: private {kind}, loopback only");
                true
            }
            Err(e) => {
                println!("network: no private namespace ({e}); tests with non-loopback neighbors are skipped");
                false
            }
        }
    };
    let settings = Settings {
        out: qa.join("out"),
        qa,
        daemon,
        peer: me,
        jobs: o.jobs,
        timeout: Duration::from_secs(o.timeout),
        idle: Duration::from_secs(o.idle),
        isolated,
        first_port: runner::FIRST_PORT,
        keep: o.keep,
    };
    if o.list {
        for t in &tests {
            match t.suite {
                Suite::Encoding => println!("{:<50} port {}", t.id(), t.port()),
                _ => println!("{}", t.id()),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if o.dry {
        for t in &tests {
            println!("# {}\n{}", t.id(), runner::dry(&settings, t));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !settings.daemon.exists() {
        return Err(format!(
            "daemon {} not found (build it, or use --daemon)",
            settings.daemon.display()
        ));
    }
    let ratchet = match &o.ratchet {
        Some(path) => Some(ratchet::load(path)?),
        None => None,
    };
    println!(
        "running {} test(s), {} at a time, daemon {}",
        tests.len(),
        settings.jobs,
        runner::display_path(&settings.daemon)
    );
    let reports = runner::run_all(&settings, tests, |r| println!("{r}"));
    Ok(summarise(&reports, ratchet, o.ratchet.as_deref(), o.update_ratchet))
}

fn summarise(
    reports: &[Report],
    ratchet: Option<ratchet::Ratchet>,
    path: Option<&Path>,
    update: bool,
) -> ExitCode {
    let mut by_suite: Vec<(Suite, usize, usize)> = Vec::new();
    for suite in Suite::ALL {
        let of: Vec<&Report> =
            reports.iter().filter(|r| r.id.starts_with(&format!("{suite}/"))).collect();
        if !of.is_empty() {
            by_suite.push((suite, of.iter().filter(|r| r.status.passed()).count(), of.len()));
        }
    }
    println!();
    for (suite, pass, total) in &by_suite {
        println!("{suite}: {pass}/{total} passed");
    }
    let passed = reports.iter().filter(|r| r.status.passed()).count();
    let failed = reports.iter().filter(|r| r.status.failed()).count();
    let skipped: Vec<&Report> =
        reports.iter().filter(|r| matches!(r.status, Status::Skip(_))).collect();
    if !skipped.is_empty() {
        println!(
            "{} skipped: {}",
            skipped.len(),
            skipped.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(" ")
        );
    }
    let mut code = if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) };
    if let (Some(mut ratchet), Some(path)) = (ratchet, path) {
        let verdict = ratchet::judge(&ratchet, reports);
        for id in &verdict.skipped {
            println!("ratchet: {id} is listed but was skipped");
        }
        if !verdict.new_passes.is_empty() {
            if update {
                ratchet.tests.extend(verdict.new_passes.iter().cloned());
                match std::fs::write(path, ratchet::render(&ratchet)) {
                    Ok(()) => println!(
                        "ratchet: added {} test(s) to {}",
                        verdict.new_passes.len(),
                        path.display()
                    ),
                    Err(e) => println!("ratchet: cannot write {}: {e}", path.display()),
                }
            } else {
                println!("ratchet: these pass but are not listed; add them to the ratchet (--update-ratchet):");
                for id in &verdict.new_passes {
                    println!("  {id}");
                }
            }
        }
        if verdict.regressions.is_empty() {
            println!("ratchet: ok ({} listed test(s) hold)", ratchet.tests.len());
            code = ExitCode::SUCCESS;
        } else {
            println!(
                "ratchet: REGRESSION, listed test(s) failed: {}",
                verdict.regressions.join(" ")
            );
            code = ExitCode::from(1);
        }
    }
    println!("{passed} passed, {failed} failed");
    code
}
