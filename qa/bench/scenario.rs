//! The five scenarios: each starts a load peer, writes the configuration
//! and helpers, starts one daemon, waits for the milestone it times, and
//! reads what the daemon cost.

use std::fmt;
use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::daemon::{self, Daemon, DaemonSpec, Usage};
use crate::gen;
use crate::peer::{self, LoadPeer, Role, Targets};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    ConfigOriginate,
    ApiFeed,
    ReceiveToApi,
    ManyPeers,
    Idle,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [Scenario::ConfigOriginate, Scenario::ApiFeed, Scenario::ReceiveToApi, Scenario::ManyPeers, Scenario::Idle];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::ConfigOriginate => "config-originate",
            Scenario::ApiFeed => "api-feed",
            Scenario::ReceiveToApi => "receive-to-api",
            Scenario::ManyPeers => "many-peers",
            Scenario::Idle => "idle",
        }
    }

    pub fn parse(text: &str) -> Option<Scenario> {
        Scenario::ALL.iter().copied().find(|s| s.name() == text || text.parse::<usize>().ok() == Some(*s as usize + 1))
    }

    /// Sized by peer count (`--k`) rather than route count (`--n`).
    pub fn by_peers(self) -> bool {
        matches!(self, Scenario::ManyPeers | Scenario::Idle)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings shared by every scenario of a run.
#[derive(Debug, Clone)]
pub struct Params {
    /// Attribute sets the routes are spread over.
    pub sets: u64,
    /// Prefixes per UPDATE from the source peer.
    pub per_update: u64,
    /// Routes each peer gets in many-peers and idle.
    pub table: u64,
    /// Idle measurement window.
    pub window: Duration,
    pub timeout: Duration,
    pub python: PathBuf,
}

/// One successful measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub wall_s: f64,
    pub routes: u64,
    pub routes_per_s: Option<f64>,
    pub usage: Usage,
    /// Scenario-specific figures, e.g. time to all established.
    pub extra: Vec<(&'static str, f64)>,
}

/// Why a measurement did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The daemon did not do the job (exited, timed out, misbehaved).
    Daemon(String),
    /// The bench itself broke: a bug to fix here.
    Bench(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Daemon(t) => write!(f, "daemon failed: {t}"),
            Failure::Bench(t) => write!(f, "BENCH BUG: {t}"),
        }
    }
}

fn bench(e: impl fmt::Display) -> Failure {
    Failure::Bench(e.to_string())
}

fn unix(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn secs(from: SystemTime, to: SystemTime) -> f64 {
    to.duration_since(from).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn rate(routes: u64, seconds: f64) -> Option<f64> {
    (seconds > 0.0).then(|| routes as f64 / seconds)
}

/// The address of the single-peer scenarios' load peer.
const PEER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

struct Run<'a> {
    daemon: Daemon,
    peer: LoadPeer,
    deadline: Instant,
    timeout: Duration,
    _dir: &'a Path,
}

impl Run<'_> {
    fn start<'a>(spec: &DaemonSpec, conf: &str, dir: &'a Path, peer: LoadPeer, timeout: Duration) -> Result<Run<'a>, Failure> {
        let path = dir.join("bench.conf");
        fs::write(&path, conf).map_err(|e| bench(format!("cannot write {}: {e}", path.display())))?;
        let daemon = Daemon::spawn(spec, &path, &daemon::environment(peer.port), dir).map_err(Failure::Daemon)?;
        Ok(Run { daemon, peer, deadline: Instant::now() + timeout, timeout, _dir: dir })
    }

    fn progress(&self) -> String {
        let s = &self.peer.stats;
        format!(
            "established {}, prefixes {}, EoR {}, closed {}",
            s.established.load(Ordering::Acquire),
            s.prefixes.load(Ordering::Acquire),
            s.eors.load(Ordering::Acquire),
            s.closed.load(Ordering::Acquire)
        )
    }

    /// Poll until `done`, the daemon exits, the load peer sees an error, or the deadline.
    fn wait(&mut self, stage: &str, mut done: impl FnMut(&Self) -> bool) -> Result<(), Failure> {
        loop {
            if done(self) {
                return Ok(());
            }
            if let Some(e) = self.peer.stats.first_error() {
                return Err(Failure::Daemon(format!("{stage}: {e} ({})", self.progress())));
            }
            if let Some(why) = self.daemon.exited() {
                return Err(Failure::Daemon(format!("{stage}: {why}")));
            }
            if Instant::now() > self.deadline {
                return Err(Failure::Daemon(format!("timed out after {}s {stage} ({})", self.timeout.as_secs(), self.progress())));
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sleep while checking the daemon stays up.
    fn hold(&mut self, stage: &str, span: Duration) -> Result<(), Failure> {
        let until = Instant::now() + span;
        self.deadline = self.deadline.max(until + Duration::from_secs(1));
        self.wait(stage, |_| Instant::now() >= until)
    }

    fn usage(&self) -> Result<Usage, Failure> {
        self.daemon.usage().map_err(Failure::Daemon)
    }

    fn finish(mut self) {
        self.daemon.stop();
        self.peer.stop();
    }
}

/// Run `scenario` at `size` (routes, or peers for many-peers/idle) against one daemon.
pub fn run(scenario: Scenario, size: u64, p: &Params, spec: &DaemonSpec, dir: &Path) -> Result<Measure, Failure> {
    if size == 0 {
        return Err(bench("size must be at least 1"));
    }
    if !spec.path.is_file() {
        return Err(Failure::Daemon(format!("{} not found", spec.path.display())));
    }
    fs::create_dir_all(dir).map_err(|e| bench(format!("cannot create {}: {e}", dir.display())))?;
    match scenario {
        Scenario::ConfigOriginate => config_originate(size, p, spec, dir),
        Scenario::ApiFeed => api_feed(size, p, spec, dir),
        Scenario::ReceiveToApi => receive_to_api(size, p, spec, dir),
        Scenario::ManyPeers => many_peers(size as usize, p, spec, dir, false),
        Scenario::Idle => many_peers(size as usize, p, spec, dir, true),
    }
}

/// 1: daemon start to End-of-RIB at the sink.
fn config_originate(n: u64, p: &Params, spec: &DaemonSpec, dir: &Path) -> Result<Measure, Failure> {
    let peer = LoadPeer::start(&[PEER], Role::Sink, Targets { established: 1, prefixes: n, eors: 1 }).map_err(bench)?;
    let mut run = Run::start(spec, &gen::config_originate(PEER, n, p.sets), dir, peer, p.timeout)?;
    run.wait("waiting for End-of-RIB", |r| r.peer.stats.all_eors.get().is_some())?;
    let usage = run.usage()?;
    let stats = &run.peer.stats;
    let got = stats.prefixes.load(Ordering::Acquire);
    if got < n {
        return Err(Failure::Daemon(format!("End-of-RIB after {got} of {n} prefixes")));
    }
    let started = run.daemon.started;
    let eor = stats.all_eors.get().unwrap_or(started);
    let established = stats.all_established.get().unwrap_or(started);
    let wall = secs(started, eor);
    let m = Measure { wall_s: wall, routes: n, routes_per_s: rate(n, wall), usage, extra: vec![("established_s", secs(started, established))] };
    run.finish();
    Ok(m)
}

fn python_run(p: &Params, dir: &Path, name: &str, text: &str, args: &[String]) -> Result<String, Failure> {
    let script = dir.join(name);
    fs::write(&script, text).map_err(|e| bench(format!("cannot write {}: {e}", script.display())))?;
    Ok(gen::run_line(&p.python, &script, args))
}

/// 2: the helper's first command to the last prefix at the sink.
fn api_feed(n: u64, p: &Params, spec: &DaemonSpec, dir: &Path) -> Result<Measure, Failure> {
    let stamp = dir.join("feed.stamp");
    let _ = fs::remove_file(&stamp);
    let run_line = python_run(p, dir, "feed.py", &gen::feed_script(), &[n.to_string(), p.sets.max(1).to_string(), stamp.display().to_string()])?;
    let peer = LoadPeer::start(&[PEER], Role::Sink, Targets { established: 1, prefixes: n, eors: 0 }).map_err(bench)?;
    let mut run = Run::start(spec, &gen::api_feed(PEER, &run_line), dir, peer, p.timeout)?;
    run.wait("waiting for the announced prefixes", |r| r.peer.stats.all_prefixes.get().is_some())?;
    let usage = run.usage()?;
    run.wait("waiting for the helper's stamp", |_| gen::read_stamp(&stamp).is_some())?;
    let (first, _) = gen::read_stamp(&stamp).unwrap_or_default();
    let started = run.daemon.started;
    let last = run.peer.stats.all_prefixes.get().unwrap_or(started);
    let wall = (unix(last) - first).max(0.0);
    let m = Measure { wall_s: wall, routes: n, routes_per_s: rate(n, wall), usage, extra: vec![("first_command_s", first - unix(started))] };
    run.finish();
    Ok(m)
}

/// 3: the source peer's first UPDATE to the helper counting the last prefix.
fn receive_to_api(n: u64, p: &Params, spec: &DaemonSpec, dir: &Path) -> Result<Measure, Failure> {
    let stamp = dir.join("count.stamp");
    let ready = dir.join("count.stamp.ready");
    let _ = fs::remove_file(&stamp);
    let _ = fs::remove_file(&ready);
    let run_line = python_run(p, dir, "count.py", &gen::count_script(), &[n.to_string(), stamp.display().to_string()])?;
    let role = Role::Source { n, per_update: p.per_update, sets: p.sets.max(1) as u32 };
    let peer = LoadPeer::start(&[PEER], role, Targets { established: 1, ..Targets::default() }).map_err(bench)?;
    // The source waits for the helper to be reading: a helper started
    // through a slow launcher (a pyenv shim takes 0.2 s) would otherwise
    // add its start-up to the time.
    if let Ok(mut gate) = peer.stats.gate.lock() {
        *gate = Some(ready.clone());
    }
    let mut run = Run::start(spec, &gen::receive_to_api(PEER, &run_line), dir, peer, p.timeout)?;
    run.wait("waiting for the helper to count every prefix", |_| gen::read_stamp(&stamp).is_some())?;
    let usage = run.usage()?;
    let (done, _) = gen::read_stamp(&stamp).unwrap_or_default();
    let started = run.daemon.started;
    let first = run.peer.stats.first_sent.get().unwrap_or(started);
    let wall = (done - unix(first)).max(0.0);
    let mut extra = vec![("established_s", secs(started, first))];
    if let Some(sent) = run.peer.stats.all_sent.get() {
        extra.push(("sent_s", secs(first, sent)));
    }
    let m = Measure { wall_s: wall, routes: n, routes_per_s: rate(n, wall), usage, extra };
    run.finish();
    Ok(m)
}

/// 4: daemon start to every peer established (and every table received);
/// 5: then the daemon's CPU over a quiet window, per minute.
fn many_peers(k: usize, p: &Params, spec: &DaemonSpec, dir: &Path, idle: bool) -> Result<Measure, Failure> {
    let addrs: Vec<Ipv4Addr> = (0..k).map(peer::many_address).collect();
    let table = p.table.max(1);
    let routes = k as u64 * table;
    let targets = Targets { established: k, prefixes: routes, eors: k };
    let peer = LoadPeer::start(&addrs, Role::Sink, targets).map_err(bench)?;
    let mut run = Run::start(spec, &gen::many_peers(&addrs, table, p.sets), dir, peer, p.timeout)?;
    run.wait("waiting for every peer's End-of-RIB", |r| r.peer.stats.all_eors.get().is_some())?;
    let started = run.daemon.started;
    let stats = run.peer.stats.clone();
    let up = stats.all_established.get().unwrap_or(started);
    let tables = stats.all_eors.get().unwrap_or(started);
    if !idle {
        let usage = run.usage()?;
        let wall = secs(started, up);
        let all = secs(started, tables);
        let m = Measure { wall_s: wall, routes, routes_per_s: rate(routes, all), usage, extra: vec![("all_tables_s", all)] };
        run.finish();
        return Ok(m);
    }
    run.hold("settling", Duration::from_secs(2))?;
    let before = run.usage()?;
    let closed = stats.closed.load(Ordering::Acquire);
    run.hold("idling", p.window)?;
    let after = run.usage()?;
    if stats.closed.load(Ordering::Acquire) != closed || stats.established.load(Ordering::Acquire) != k {
        return Err(Failure::Daemon(format!("sessions dropped while idle ({})", run.progress())));
    }
    let window = p.window.as_secs_f64().max(0.001);
    let cpu = (after.cpu_s - before.cpu_s).max(0.0);
    let m = Measure {
        wall_s: window,
        routes,
        routes_per_s: None,
        usage: Usage { peak_rss_kib: after.peak_rss_kib, cpu_s: cpu },
        extra: vec![("cpu_s_per_min", cpu * 60.0 / window), ("established_s", secs(started, up))],
    };
    run.finish();
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(s.name()), Some(s));
        }
        assert_eq!(Scenario::parse("1"), Some(Scenario::ConfigOriginate));
        assert_eq!(Scenario::parse("5"), Some(Scenario::Idle));
        assert_eq!(Scenario::parse("6"), None);
    }

    #[test]
    fn a_missing_daemon_is_a_daemon_failure() {
        let p = Params {
            sets: 1,
            per_update: 10,
            table: 1,
            window: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            python: PathBuf::from("python3"),
        };
        let spec = DaemonSpec { label: "none".into(), path: PathBuf::from("/nonexistent/exabgp") };
        let dir = std::env::temp_dir().join(format!("exabgp-bench-missing-{}", std::process::id()));
        for s in Scenario::ALL {
            assert!(matches!(run(s, 1, &p, &spec, &dir), Err(Failure::Daemon(_))));
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
