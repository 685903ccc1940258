//! `exabgp-bench`: time our daemon (and optionally the reference ExaBGP) on
//! five scenarios against a loopback load peer. See qa/bench/README.md.

mod daemon;
mod gen;
mod peer;
mod report;
mod scenario;
mod wire;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use daemon::DaemonSpec;
use report::Row;
use scenario::{Failure, Params, Scenario};

const USAGE: &str = "Usage: exabgp-bench [options]";

/// Everything the command line chooses.
#[derive(Debug, Clone)]
struct Options {
    scenarios: Vec<Scenario>,
    ns: Vec<u64>,
    ks: Vec<u64>,
    params: Params,
    daemons: Vec<DaemonSpec>,
    json: bool,
    keep: bool,
}

fn list(text: &str, what: &str) -> Result<Vec<u64>, String> {
    let mut out = Vec::new();
    for word in text.split(',').filter(|w| !w.is_empty()) {
        let w = word.trim().to_ascii_lowercase().replace('_', "");
        let (digits, scale) = if let Some(d) = w.strip_suffix('m') {
            (d, 1_000_000)
        } else if let Some(d) = w.strip_suffix('k') {
            (d, 1000)
        } else {
            (w.as_str(), 1)
        };
        match digits.parse::<u64>() {
            Ok(v) if v > 0 => out.push(v * scale),
            _ => return Err(format!("--{what}: '{word}' is not a positive number")),
        }
    }
    if out.is_empty() {
        return Err(format!("--{what}: nothing given"));
    }
    Ok(out)
}

fn number(m: &getopts::Matches, name: &str, default: u64) -> Result<u64, String> {
    match m.opt_str(name) {
        Some(v) => v.parse().map_err(|_| format!("--{name}: '{v}' is not a number")),
        None => Ok(default),
    }
}

/// Find the reference: `exabgp` on PATH, or a path; it must be the Python one.
fn reference(given: &str, ours: &std::path::Path) -> Result<DaemonSpec, String> {
    let path = if given == "exabgp" {
        daemon::which("exabgp").ok_or("--against exabgp: no exabgp on PATH (pip install exabgp)")?
    } else {
        PathBuf::from(given)
    };
    if !path.is_file() {
        return Err(format!("--against: {} not found", path.display()));
    }
    let same = match (path.canonicalize(), ours.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same || !daemon::is_python_script(&path) {
        return Err(format!("--against: {} is not the Python ExaBGP", path.display()));
    }
    Ok(DaemonSpec { label: "exabgp".into(), path })
}

fn options(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = getopts::Options::new();
    o.optopt("s", "scenario", "comma list of scenarios or 1-5 (default: all)", "LIST");
    o.optopt("n", "", "(or --n) routes for config-originate, api-feed, receive-to-api (default 100000)", "LIST");
    o.optopt("k", "", "(or --k) peers for many-peers and idle (default 100)", "LIST");
    o.optopt("", "sets", "attribute sets the routes are spread over (default 10)", "S");
    o.optopt("", "per-update", "prefixes per UPDATE from the source peer (default 500)", "P");
    o.optopt("", "table", "routes per peer in many-peers and idle (default 10)", "T");
    o.optopt("", "window", "idle measurement window in seconds (default 60)", "SECS");
    o.optopt("", "timeout", "per scenario and daemon, seconds (default 600)", "SECS");
    o.optopt("", "daemon", "our exabgp binary (default: next to this one)", "PATH");
    o.optopt("", "against", "also run the reference: 'exabgp' (from PATH) or a path", "EXABGP");
    o.optflag("", "only-against", "run only the reference");
    o.optopt("", "python", "python3 for the API helpers (default: python3 on PATH)", "PATH");
    o.optflag("", "json", "print JSON on stdout (the table goes to stderr)");
    o.optflag("", "keep", "keep the temp dir with configs, helpers and daemon logs");
    o.optflag("h", "help", "this help");
    // getopts wants long names of two letters or more: take --n/--k as -n/-k.
    let args: Vec<String> = args
        .iter()
        .map(|a| match a.as_str() {
            "--n" => "-n".to_string(),
            "--k" => "-k".to_string(),
            _ => match a.strip_prefix("--n=").or_else(|| a.strip_prefix("--k=")) {
                Some(v) => format!("-{}{v}", &a[2..3]),
                None => a.clone(),
            },
        })
        .collect();
    let m = o.parse(&args).map_err(|e| e.to_string())?;
    if m.opt_present("help") {
        print!("{}", o.usage(USAGE));
        return Ok(None);
    }
    let scenarios = match m.opt_str("scenario") {
        None => Scenario::ALL.to_vec(),
        Some(s) if s == "all" => Scenario::ALL.to_vec(),
        Some(s) => s
            .split(',')
            .map(|w| Scenario::parse(w.trim()).ok_or(format!("--scenario: unknown '{w}'")))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let ns = list(&m.opt_str("n").unwrap_or_else(|| "100000".into()), "n")?;
    let ks = list(&m.opt_str("k").unwrap_or_else(|| "100".into()), "k")?;
    let python = match m.opt_str("python") {
        Some(p) => PathBuf::from(p),
        None => daemon::which("python3").ok_or("no python3 on PATH for the API helpers (or give --python)")?,
    };
    let params = Params {
        sets: number(&m, "sets", 10)?.max(1),
        per_update: number(&m, "per-update", 500)?.clamp(1, 900),
        table: number(&m, "table", 10)?.max(1),
        window: Duration::from_secs(number(&m, "window", 60)?.max(1)),
        timeout: Duration::from_secs(number(&m, "timeout", 600)?.max(1)),
        python,
    };
    let ours = m.opt_str("daemon").map(PathBuf::from).unwrap_or_else(daemon::default_ours);
    let mut daemons = Vec::new();
    if !m.opt_present("only-against") {
        daemons.push(DaemonSpec { label: "ours".into(), path: ours.clone() });
    }
    if let Some(a) = m.opt_str("against") {
        daemons.push(reference(&a, &ours)?);
    } else if m.opt_present("only-against") {
        return Err("--only-against needs --against".into());
    }
    Ok(Some(Options { scenarios, ns, ks, params, daemons, json: m.opt_present("json"), keep: m.opt_present("keep") }))
}

/// Raise the descriptor limit: 1,000 peers need 2,000+ descriptors on each side.
fn raise_nofile() {
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < r.rlim_max {
            r.rlim_cur = r.rlim_max.min(1 << 20);
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

/// Run every scenario, size and daemon; rows in that order.
fn bench(o: &Options, dir: &std::path::Path, progress: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    for scenario in &o.scenarios {
        let sizes = if scenario.by_peers() { &o.ks } else { &o.ns };
        for size in sizes {
            for spec in &o.daemons {
                if progress {
                    eprintln!("bench: {scenario} {}={size} against {} ({})", if scenario.by_peers() { "k" } else { "n" }, spec.label, spec.path.display());
                }
                let sub = dir.join(format!("{}-{size}-{}", scenario.name(), spec.label));
                let result = scenario::run(*scenario, *size, &o.params, spec, &sub);
                if progress {
                    match &result {
                        Ok(m) => eprintln!("bench:   {:.3}s", m.wall_s),
                        Err(f) => eprintln!("bench:   {f}"),
                    }
                }
                rows.push(Row { scenario: *scenario, size: *size, daemon: spec.clone(), result });
            }
        }
    }
    rows
}

/// 0 when every scenario (at every size) ran for at least one daemon; 1
/// when some ran for none; 2 on a bench bug.
fn status(rows: &[Row]) -> u8 {
    if rows.iter().any(|r| matches!(r.result, Err(Failure::Bench(_)))) {
        return 2;
    }
    let mut ok = true;
    for r in rows {
        let any = rows.iter().any(|o| o.scenario == r.scenario && o.size == r.size && o.result.is_ok());
        ok &= any;
    }
    u8::from(!ok)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match options(&args) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exabgp-bench: {e}");
            eprintln!("{USAGE} (--help for the list)");
            return ExitCode::from(2);
        }
    };
    raise_nofile();
    let dir = std::env::temp_dir().join(format!("exabgp-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("exabgp-bench: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let rows = bench(&o, &dir, true);
    let table = report::table(&rows);
    if o.json {
        eprint!("{table}");
        println!("{}", report::json(&rows, &o.params));
    } else {
        print!("{table}");
    }
    if o.keep {
        eprintln!("bench: files kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    ExitCode::from(status(&rows))
}

#[cfg(test)]
mod tests {
    //! The smoke test CI runs: every scenario at a tiny size against each
    //! daemon that is available. It asserts that the bench works (configs,
    //! helpers, load peer, measurement), never a duration.

    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn option_parsing() {
        let o = options(&args("--scenario config-originate,5 --n 100k,1m --k=3 --sets 2")).expect("ok").expect("some");
        assert_eq!(o.scenarios, vec![Scenario::ConfigOriginate, Scenario::Idle]);
        assert_eq!(o.ns, vec![100_000, 1_000_000]);
        assert_eq!(o.ks, vec![3]);
        assert_eq!(o.params.sets, 2);
        assert_eq!(o.daemons.len(), 1);
        assert!(options(&args("--scenario nope")).is_err());
        assert!(options(&args("--n 0")).is_err());
        assert!(options(&args("--only-against")).is_err());
        assert!(options(&args("--against /bin/sh")).is_err());
    }

    #[test]
    fn exit_status() {
        let spec = DaemonSpec { label: "ours".into(), path: PathBuf::from("x") };
        let m = scenario::Measure { wall_s: 1.0, routes: 1, routes_per_s: Some(1.0), usage: daemon::Usage::default(), extra: vec![] };
        let row = |result| Row { scenario: Scenario::Idle, size: 1, daemon: spec.clone(), result };
        assert_eq!(status(&[row(Err(Failure::Daemon("x".into()))), row(Ok(m.clone()))]), 0);
        assert_eq!(status(&[row(Err(Failure::Daemon("x".into())))]), 1);
        assert_eq!(status(&[row(Ok(m)), row(Err(Failure::Bench("x".into())))]), 2);
    }

    /// The reference, when a test machine has it: $EXABGP_BENCH_REFERENCE,
    /// else a Python `exabgp` on PATH.
    fn available_reference() -> Option<DaemonSpec> {
        let given = std::env::var("EXABGP_BENCH_REFERENCE").unwrap_or_else(|_| "exabgp".into());
        reference(&given, &daemon::default_ours()).ok()
    }

    #[test]
    fn smoke_every_scenario_at_tiny_size() {
        raise_nofile();
        let Some(python) = daemon::which("python3") else {
            eprintln!("smoke: no python3, skipping the daemon runs");
            return;
        };
        let mut daemons = vec![DaemonSpec { label: "ours".into(), path: daemon::default_ours() }];
        daemons.extend(available_reference());
        let o = Options {
            scenarios: Scenario::ALL.to_vec(),
            ns: vec![50],
            ks: vec![3],
            params: Params {
                sets: 3,
                per_update: 20,
                table: 2,
                window: Duration::from_secs(1),
                timeout: Duration::from_secs(30),
                python,
            },
            daemons,
            json: true,
            keep: false,
        };
        let dir = std::env::temp_dir().join(format!("exabgp-bench-smoke-{}", std::process::id()));
        let rows = bench(&o, &dir, false);
        let _ = std::fs::remove_dir_all(&dir);
        eprint!("{}", report::table(&rows));
        assert_eq!(rows.len(), 5 * o.daemons.len());
        for r in &rows {
            // A daemon may fail (ours does not run sessions yet); the bench may not.
            assert!(!matches!(r.result, Err(Failure::Bench(_))), "{:?}", r.result);
            if r.daemon.label == "exabgp" {
                let m = r.result.as_ref().unwrap_or_else(|f| panic!("reference failed {}: {f}", r.scenario));
                assert!(m.usage.peak_rss_kib > 0);
            }
        }
        let json = report::json(&rows, &o.params);
        assert!(json.starts_with('{') && json.ends_with('}'));
        for s in Scenario::ALL {
            assert!(json.contains(&format!("\"scenario\": \"{s}\"")), "{json}");
        }
    }
}
