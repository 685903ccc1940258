//! Interoperability tests: the daemon under test peers on loopback with real BGP implementations
//! (BIRD 2, GoBGP, FRR's bgpd) and every scenario is checked through the implementation's own
//! CLI (birdc, gobgp, vtysh). `qa/interop/install.sh` installs them from Debian's packages; an
//! implementation that is not installed is skipped with the reason printed.
//!
//! The daemon is our `exabgp` binary unless `EXABGP_INTEROP_DAEMON` names another one (e.g. the
//! reference ExaBGP from PyPI). Each scenario prints PASS/FAIL/SKIP; the binary fails only when a
//! scenario named in `qa/interop/ratchet.txt` fails, so the suite can run before the daemon
//! establishes sessions and then ratchet up.
//!
//! Everything runs in a private network namespace (`unshare --net`, loopback only) when the
//! system allows it; otherwise on the host's loopback with the same loopback-only configs.
//!
//! Environment: `EXABGP_INTEROP_DAEMON` (daemon binary), `EXABGP_INTEROP_PYTHON` (python for the
//! API helper), `EXABGP_INTEROP_KEEP=1` (keep the work directory), `EXABGP_INTEROP_NETNS=0` (do
//! not enter a network namespace). A command-line argument selects scenarios by substring.

mod daemon;
mod peer;
mod util;

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use peer::Impl;
use util::{wait_for, Proc};

/// Set on the re-executed child running inside the private network namespace.
const INSIDE: &str = "EXABGP_INTEROP_INSIDE";

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if std::env::var_os(INSIDE).is_none() {
        if let Some(code) = reexec_in_netns() {
            std::process::exit(code);
        }
    } else {
        match Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status()
        {
            Ok(s) if s.success() => println!("interop: running in a private network namespace"),
            _ => println!("interop: could not bring lo up in the network namespace"),
        }
    }
    std::process::exit(run(&filters));
}

/// Re-runs this binary under `unshare --net` when that works; returns its exit code.
/// `None` means: run here, on the host's loopback.
fn reexec_in_netns() -> Option<i32> {
    if std::env::var("EXABGP_INTEROP_NETNS").as_deref() == Ok("0") {
        println!("interop: EXABGP_INTEROP_NETNS=0, running on the host loopback");
        return None;
    }
    let probe = Command::new("unshare")
        .args(["--net", "ip", "link", "set", "lo", "up"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !matches!(probe, Ok(s) if s.success()) {
        println!("interop: cannot create a network namespace with lo up (unshare --net, ip), running on the host loopback");
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let mut cmd = Command::new("unshare");
    // unshare execs the inner run, which must not outlive this one.
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let status = cmd
        .arg("--net")
        .arg("--")
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(INSIDE, "1")
        .status()
        .ok()?;
    Some(status.code().unwrap_or(1))
}

/// Shared by every scenario.
pub struct Ctx {
    pub daemon: PathBuf,
    pub python: PathBuf,
    pub qa: PathBuf,
    pub work: PathBuf,
}

/// One scenario's outcome.
enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

struct Report {
    filters: Vec<String>,
    results: Vec<(String, Outcome)>,
}

impl Report {
    fn wanted(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }

    fn record(&mut self, name: String, outcome: Outcome) {
        match &outcome {
            Outcome::Pass => println!("interop {name} ... PASS"),
            Outcome::Fail(why) => println!("interop {name} ... FAIL: {why}"),
            Outcome::Skip(why) => println!("interop {name} ... SKIP: {why}"),
        }
        self.results.push((name, outcome));
    }
}

fn run(filters: &[String]) -> i32 {
    let qa = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("qa")
        .join("interop");
    let daemon = std::env::var_os("EXABGP_INTEROP_DAEMON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_exabgp")));
    let python = std::env::var_os("EXABGP_INTEROP_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/python3", "/usr/local/bin/python3"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
        })
        .or_else(|| util::which("python3"))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let work = std::env::temp_dir().join(format!("exabgp-interop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    if let Err(e) = std::fs::create_dir_all(&work) {
        println!("interop: cannot create {}: {e}", work.display());
        return 1;
    }
    println!("interop: daemon under test {}", daemon.display());
    let ctx = Ctx {
        daemon,
        python,
        qa,
        work,
    };
    let mut report = Report {
        filters: filters.to_vec(),
        results: Vec::new(),
    };

    for (index, imp) in [Impl::Bird, Impl::Gobgp, Impl::Frr].into_iter().enumerate() {
        let names = scenario_names(imp);
        if !names.iter().any(|n| report.wanted(n)) {
            continue;
        }
        if let Some(missing) = imp.missing() {
            for name in names {
                if report.wanted(&name) {
                    report.record(
                        name,
                        Outcome::Skip(format!(
                            "{missing} not installed (qa/interop/install.sh installs it)"
                        )),
                    );
                }
            }
            continue;
        }
        run_impl(&ctx, imp, index as u8, &mut report);
    }

    let ratchet = load_ratchet(&ctx.qa.join("ratchet.txt"));
    let passed = report
        .results
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Pass))
        .count();
    let failed = report
        .results
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Fail(_)))
        .count();
    let skipped = report
        .results
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Skip(_)))
        .count();
    let mut regressions = Vec::new();
    for (name, outcome) in &report.results {
        if let Outcome::Fail(_) = outcome {
            if ratchet.contains(name) {
                regressions.push(name.clone());
            }
        }
    }
    let passing_unlisted: Vec<&String> = report
        .results
        .iter()
        .filter(|(n, o)| matches!(o, Outcome::Pass) && !ratchet.contains(n))
        .map(|(n, _)| n)
        .collect();
    if !passing_unlisted.is_empty() && std::env::var_os("EXABGP_INTEROP_DAEMON").is_none() {
        println!(
            "interop: passing but not in ratchet.txt (add them): {}",
            join(&passing_unlisted)
        );
    }
    if std::env::var_os("EXABGP_INTEROP_KEEP").is_some() || !regressions.is_empty() {
        println!("interop: logs kept in {}", ctx.work.display());
    } else {
        let _ = std::fs::remove_dir_all(&ctx.work);
    }
    println!();
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if regressions.is_empty() {
        0
    } else {
        println!(
            "interop: ratchet scenarios failing: {}",
            join(&regressions.iter().collect::<Vec<_>>())
        );
        1
    }
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn load_ratchet(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

const SESSION: &[&str] = &[
    "established",
    "announce-ipv4",
    "announce-ipv6",
    "api-announce",
    "withdraw",
    "receive-ipv4",
    "receive-ipv6",
    "flowspec-ipv4",
    "flowspec-ipv6",
    "keepalive",
];
const OTHERS: &[&str] = &["wrong-asn", "md5-good", "md5-bad"];

fn scenario_names(imp: Impl) -> Vec<String> {
    SESSION
        .iter()
        .chain(OTHERS)
        .map(|s| format!("{}/{}", imp.name(), s))
        .collect()
}

/// Addresses and ports of one session: daemon on 127.1.N.1, peer on 127.1.N.2.
pub struct Session {
    pub dir: PathBuf,
    pub local: String,
    pub peer: String,
    pub port: u16,
    pub api_port: u16,
    pub expect_as: u32,
    pub password: Option<String>,
    pub daemon_password: Option<String>,
}

impl Session {
    fn new(ctx: &Ctx, imp: Impl, index: u8, slot: u8, label: &str) -> Result<Session, String> {
        let n = index * 10 + slot + 1;
        let dir = ctx.work.join(format!("{}-{label}", imp.name()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        Ok(Session {
            dir,
            local: format!("127.1.{n}.1"),
            peer: format!("127.1.{n}.2"),
            port: 11700 + u16::from(n),
            api_port: 50100 + u16::from(n),
            expect_as: 65001,
            password: None,
            daemon_password: None,
        })
    }
}

/// Runs every scenario of one implementation, recording each.
fn run_impl(ctx: &Ctx, imp: Impl, index: u8, report: &mut Report) {
    let name = |s: &str| format!("{}/{}", imp.name(), s);

    if SESSION.iter().any(|s| report.wanted(&name(s))) {
        let results = match Session::new(ctx, imp, index, 0, "session") {
            Ok(s) => main_session(ctx, imp, &s),
            Err(e) => SESSION
                .iter()
                .map(|n| (n.to_string(), Err(e.clone())))
                .collect(),
        };
        for (scenario, r) in results {
            let full = name(&scenario);
            if report.wanted(&full) {
                report.record(full, r.map_or_else(Outcome::Fail, |_| Outcome::Pass));
            }
        }
    }

    let others: [(&str, Scenario); 3] = [
        ("wrong-asn", wrong_asn),
        ("md5-good", md5_good),
        ("md5-bad", md5_bad),
    ];
    for (slot, (scenario, f)) in others.into_iter().enumerate() {
        let full = name(scenario);
        if !report.wanted(&full) {
            continue;
        }
        let outcome = match Session::new(ctx, imp, index, slot as u8 + 1, scenario) {
            Ok(mut s) => match f(ctx, imp, &mut s) {
                Ok(()) => Outcome::Pass,
                Err(e) if e.starts_with("SKIP ") => Outcome::Skip(e[5..].to_string()),
                Err(e) => Outcome::Fail(e),
            },
            Err(e) => Outcome::Fail(e),
        };
        report.record(full, outcome);
    }
}

type Step = (String, Result<(), String>);

/// A scenario with a session of its own; an error starting with "SKIP " is a skip.
type Scenario = fn(&Ctx, Impl, &mut Session) -> Result<(), String>;

/// Starts the peer and then the daemon; both are killed when the returned guards drop.
fn start_both(ctx: &Ctx, imp: Impl, s: &Session) -> Result<(Proc, Proc), String> {
    let peer = imp.start(ctx, s)?;
    let daemon = daemon::start(ctx, imp, s)?;
    Ok((peer, daemon))
}

fn wait_established(imp: Impl, s: &Session, secs: u64) -> Result<(), String> {
    wait_for(Duration::from_secs(secs), || {
        let state = imp.state(s)?;
        if state.established {
            Ok(())
        } else {
            Err(state.text)
        }
    })
    .map_err(|last| format!("not established within {secs}s (peer says: {last})"))
}

/// One session carries the announce, withdraw, receive, flowspec and keepalive scenarios.
fn main_session(ctx: &Ctx, imp: Impl, s: &Session) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let guards = match start_both(ctx, imp, s) {
        Ok(g) => g,
        Err(e) => {
            return SESSION
                .iter()
                .map(|n| (n.to_string(), Err(e.clone())))
                .collect()
        }
    };
    if let Err(e) = wait_established(imp, s, 20) {
        let e = format!("{e}{}", daemon::tail(s));
        return SESSION
            .iter()
            .map(|n| (n.to_string(), Err(e.clone())))
            .collect();
    }
    steps.push(("established".into(), Ok(())));

    for (scenario, route) in [
        ("announce-ipv4", &peer::V4_STATIC),
        ("announce-ipv6", &peer::V6_STATIC),
    ] {
        steps.push((scenario.into(), imp.wait_route(s, route)));
    }

    daemon::command(s, peer::V4_API.announce);
    steps.push(("api-announce".into(), imp.wait_route(s, &peer::V4_API)));

    daemon::command(s, peer::V4_STATIC.withdraw);
    daemon::command(s, peer::V6_STATIC.withdraw);
    daemon::command(s, peer::V4_API.withdraw);
    // A withdrawal only proves something if the routes were there first.
    let announced = steps.iter().filter(|(n, _)| n.starts_with("announce-") || n == "api-announce").all(|(_, r)| r.is_ok());
    let gone = if announced {
        [&peer::V4_STATIC, &peer::V6_STATIC, &peer::V4_API]
            .iter()
            .map(|r| imp.wait_route_gone(s, r))
            .collect::<Result<Vec<()>, String>>()
            .map(|_| ())
    } else {
        Err("the routes never appeared, so their withdrawal was not tested".to_string())
    };
    steps.push(("withdraw".into(), gone));

    for (scenario, expect) in imp.received(s) {
        steps.push((scenario.into(), daemon::wait_received(s, &expect)));
    }

    steps.push(("flowspec-ipv4".into(), imp.wait_flows(s, false)));
    steps.push(("flowspec-ipv6".into(), imp.wait_flows(s, true)));
    steps.push(("keepalive".into(), keepalive(imp, s)));
    drop(guards);
    steps
}

/// Hold time 9 s means keepalives every 3 s: the session must stay up across more than three of
/// them, which it cannot do unless the daemon sends keepalives.
fn keepalive(imp: Impl, s: &Session) -> Result<(), String> {
    let before = imp.state(s)?;
    if !before.established {
        return Err(format!("session not established: {}", before.text));
    }
    // 12 s leaves room for a keepalive period a little over 3 s and still needs three of them.
    let deadline = std::time::Instant::now() + Duration::from_secs(12);
    while std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        let now = imp.state(s)?;
        if !now.established || now.since != before.since {
            // Both sides' logs: what ended the session is in one of them.
            let peer_log: String = imp.log(s).lines().rev().take(8).collect::<Vec<_>>().join(" / ");
            return Err(format!(
                "session went down or restarted (since {} -> {}): {}\n  peer log (newest first): {peer_log}{}",
                before.since,
                now.since,
                now.text,
                daemon::tail(s)
            ));
        }
    }
    let after = imp.state(s)?;
    if let (Some(a), Some(b)) = (before.keepalives, after.keepalives) {
        if b < a + 3 {
            return Err(format!(
                "peer received {} keepalives in 12s, expected at least 3",
                b.saturating_sub(a)
            ));
        }
    }
    Ok(())
}

/// The peer expects AS 65099 while the daemon says 65001: the peer must refuse the OPEN with
/// NOTIFICATION 2/2 (Bad Peer AS, RFC 4271 section 6.2) and log it.
fn wrong_asn(ctx: &Ctx, imp: Impl, s: &mut Session) -> Result<(), String> {
    s.expect_as = 65099;
    let _guards = start_both(ctx, imp, s)?;
    wait_for(Duration::from_secs(20), || {
        if imp.logged_bad_peer_as(&imp.log(s)) {
            Ok(())
        } else {
            Err(String::new())
        }
    })
    .map_err(|_| {
        format!(
            "peer did not log NOTIFICATION 2/2 (Bad Peer AS){}",
            daemon::tail(s)
        )
    })?;
    let state = imp.state(s)?;
    if state.established {
        return Err("session established despite the wrong ASN".into());
    }
    Ok(())
}

fn md5_supported() -> bool {
    util::tcp_counter("TCPMD5Failure").is_some()
}

fn md5_good(ctx: &Ctx, imp: Impl, s: &mut Session) -> Result<(), String> {
    if !md5_supported() {
        return Err("SKIP kernel has no TCP MD5 signature support".into());
    }
    s.password = Some("interop-secret".into());
    s.daemon_password = Some("interop-secret".into());
    let _guards = start_both(ctx, imp, s)?;
    wait_established(imp, s, 20).map_err(|e| format!("{e}{}", daemon::tail(s)))
}

/// With a wrong password the peer's kernel drops the daemon's signed SYNs: the MD5 failure
/// counter rises (proving the daemon tried, with a signature) and the session never comes up.
fn md5_bad(ctx: &Ctx, imp: Impl, s: &mut Session) -> Result<(), String> {
    let Some(before) = util::tcp_counter("TCPMD5Failure") else {
        return Err("SKIP kernel has no TCP MD5 signature support".into());
    };
    s.password = Some("interop-secret".into());
    s.daemon_password = Some("not-the-secret".into());
    let _guards = start_both(ctx, imp, s)?;
    wait_for(Duration::from_secs(20), || {
        util::tcp_counter("TCPMD5Failure")
            .filter(|n| *n > before)
            .map(|_| ())
            .ok_or_else(String::new)
    })
    .map_err(|_| {
        format!(
            "no TCP MD5 failure seen: the daemon did not try to connect with a signature{}",
            daemon::tail(s)
        )
    })?;
    // Give a wrongly accepted session the time to come up before checking it did not.
    std::thread::sleep(Duration::from_secs(3));
    let state = imp.state(s)?;
    if state.established {
        return Err("session established with a wrong MD5 password".into());
    }
    Ok(())
}
