//! The three suites (spec sections 4, 5, 6): discovery, running each test with a
//! bounded number in parallel, judging, and keeping the output of failures.

use std::collections::VecDeque;
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::json;
use crate::netns;
use crate::script::{parse_ci, parse_msg};

pub const FIRST_PORT: u16 = 1790;
/// Version string the daemon must announce (software-version capability, JSON).
pub const TEST_VERSION: &str = "5.0.0-0+test";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Suite {
    Encoding,
    Decoding,
    Parsing,
}

impl Suite {
    pub const ALL: [Suite; 3] = [Suite::Encoding, Suite::Decoding, Suite::Parsing];

    pub fn name(self) -> &'static str {
        match self {
            Suite::Encoding => "encoding",
            Suite::Decoding => "decoding",
            Suite::Parsing => "parsing",
        }
    }

    pub fn from_name(name: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Test {
    pub suite: Suite,
    pub name: String,
    /// The data file: `encoding/NAME.ci`, `decoding/NAME`, `etc/NAME.conf`.
    pub path: PathBuf,
    /// Encoding only: the test listens on `FIRST_PORT + index` (index in sorted order).
    pub index: usize,
}

impl Test {
    pub fn id(&self) -> String {
        format!("{}/{}", self.suite, self.name)
    }

    /// The reference mapping: `FIRST_PORT + index`.
    pub fn port(&self) -> u16 {
        self.port_from(FIRST_PORT)
    }

    pub fn port_from(&self, first: u16) -> u16 {
        first.saturating_add(self.index as u16)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail(String),
    Timeout(String),
    Skip(String),
}

impl Status {
    pub fn passed(&self) -> bool {
        matches!(self, Status::Pass)
    }
    pub fn failed(&self) -> bool {
        matches!(self, Status::Fail(_) | Status::Timeout(_))
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub id: String,
    pub status: Status,
    /// Where the outputs of a failed test were kept.
    pub kept: Option<PathBuf>,
    pub elapsed: Duration,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        match &self.status {
            Status::Pass => write!(f, "pass     {} ({secs:.1}s)", self.id)?,
            Status::Fail(why) => write!(f, "FAIL     {} ({secs:.1}s): {why}", self.id)?,
            Status::Timeout(why) => write!(f, "TIMEOUT  {} ({secs:.1}s): {why}", self.id)?,
            Status::Skip(why) => write!(f, "skip     {}: {why}", self.id)?,
        }
        if let Some(dir) = &self.kept {
            write!(f, " [output in {}]", display_path(dir))?;
        }
        Ok(())
    }
}

/// A path relative to the working directory when it is below it.
pub fn display_path(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => path.strip_prefix(&cwd).unwrap_or(path).display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// The `qa/` folder (absolute).
    pub qa: PathBuf,
    /// The daemon under test (`exabgp`).
    pub daemon: PathBuf,
    /// This program, run as `exabgp-qa peer` for the test peer.
    pub peer: PathBuf,
    /// Where failing tests keep their outputs (`qa/out`).
    pub out: PathBuf,
    pub jobs: usize,
    /// Hard limit per test.
    pub timeout: Duration,
    /// Encoding: give up when the peer logged nothing for this long.
    pub idle: Duration,
    /// Encoding: the daemon runs in a private network namespace.
    pub isolated: bool,
    /// Encoding: port of the first test (1790, as upstream).
    pub first_port: u16,
    /// Keep the outputs of passing tests too.
    pub keep: bool,
}

// ---------------------------------------------------------------------------
// discovery

fn sorted_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .filter(|(name, _)| keep(name))
        .collect();
    // plain byte order, as the reference does
    files.sort();
    Ok(files)
}

/// Every test of the three suites, each suite in sorted order.
pub fn discover(qa: &Path) -> Result<Vec<Test>, String> {
    let mut tests = Vec::new();
    let encoding = sorted_files(&qa.join("encoding"), |n| n.ends_with(".ci"))?;
    for (index, (file, path)) in encoding.into_iter().enumerate() {
        let name = file.trim_end_matches(".ci").to_string();
        tests.push(Test { suite: Suite::Encoding, name, path, index });
    }
    let decoding = sorted_files(&qa.join("decoding"), |n| !n.starts_with('.'))?;
    for (index, (file, path)) in decoding.into_iter().enumerate() {
        let name = file.split('.').next().unwrap_or(&file).to_string();
        tests.push(Test { suite: Suite::Decoding, name, path, index });
    }
    // Parsing tests keep everything but `.conf` so api-reload.1 and api-reload.2 differ.
    let parsing = sorted_files(&qa.join("etc"), |n| n.ends_with(".conf"))?;
    for (index, (file, path)) in parsing.into_iter().enumerate() {
        let name = file.trim_end_matches(".conf").to_string();
        tests.push(Test { suite: Suite::Parsing, name, path, index });
    }
    Ok(tests)
}

// ---------------------------------------------------------------------------
// processes

fn log_file(path: &Path) -> io::Result<(Stdio, Stdio)> {
    let file = File::create(path)?;
    let err = file.try_clone()?;
    Ok((Stdio::from(file), Stdio::from(err)))
}

/// Start a child in its own process group (so it and its helpers can be killed
/// together), stdin from /dev/null, stdout and stderr into `log`.
fn spawn(command: &mut Command, log: &Path) -> io::Result<Child> {
    let (out, err) = log_file(log)?;
    command.stdin(Stdio::null()).stdout(out).stderr(err).process_group(0);
    // SAFETY: prctl is async-signal-safe; it makes the child die if the runner's
    // thread that started it dies (e.g. the runner is interrupted).
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command.spawn()
}

/// Every live process descended from `root` (read from /proc).
fn descendants(root: i32) -> Vec<i32> {
    let mut parents: Vec<(i32, i32)> = Vec::new();
    if let Ok(dir) = fs::read_dir("/proc") {
        for entry in dir.filter_map(|e| e.ok()) {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else { continue };
            // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse::<i32>().ok()) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        for (pid, ppid) in &parents {
            if *ppid == parent && !found.contains(pid) {
                found.push(*pid);
            }
        }
        i += 1;
    }
    found.remove(0);
    found
}

/// Stop a child, its process group and its descendants: SIGTERM, a short grace, SIGKILL.
fn kill_all(child: &mut Child) {
    let pid = child.id() as i32;
    let mut stray = descendants(pid);
    let signal_all = |signal: i32, stray: &[i32]| {
        // SAFETY: kill(2) on our child's process group and its descendants.
        unsafe {
            libc::kill(-pid, signal);
            for p in stray {
                libc::kill(*p, signal);
            }
        }
    };
    signal_all(libc::SIGTERM, &stray);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    stray.retain(|p| Path::new(&format!("/proc/{p}")).exists());
    signal_all(libc::SIGKILL, &stray);
    let _ = child.wait();
}

/// Wait for a child with a limit; kills it on timeout.
fn wait_limited(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                kill_all(child);
                return Some(status);
            }
            Ok(None) if start.elapsed() < limit => thread::sleep(Duration::from_millis(20)),
            _ => {
                kill_all(child);
                return None;
            }
        }
    }
}

fn last_line(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(no output)").trim().to_string()
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A command line with its extra environment, for logs and `--dry`.
fn describe(env: &[(String, String)], program: &Path, args: &[String]) -> String {
    let mut words = Vec::new();
    if !env.is_empty() {
        words.push("env".to_string());
        words.extend(env.iter().map(|(k, v)| format!("{k}={}", shell_quote(v))));
    }
    words.push(shell_quote(&program.display().to_string()));
    words.extend(args.iter().map(|a| shell_quote(a)));
    words.join(" ")
}

fn command(env: &[(String, String)], program: &Path, args: &[String]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

// ---------------------------------------------------------------------------
// encoding

/// What an encoding test runs: the peer, then the daemon.
pub struct EncodingPlan {
    pub peer_env: Vec<(String, String)>,
    pub peer_args: Vec<String>,
    pub daemon_env: Vec<(String, String)>,
    pub daemon_args: Vec<String>,
    pub outside: Vec<String>,
}

pub fn encoding_plan(
    settings: &Settings,
    test: &Test,
    pid_file: &Path,
) -> Result<EncodingPlan, String> {
    let ci_text =
        fs::read_to_string(&test.path).map_err(|e| format!("{}: {e}", test.path.display()))?;
    let ci_name = test.path.display().to_string();
    let configs = parse_ci(&ci_name, &ci_text).map_err(|e| e.to_string())?;
    let msg = test.path.with_extension("msg");
    let msg_text = fs::read_to_string(&msg).map_err(|e| format!("{}: {e}", msg.display()))?;
    let script = parse_msg(&msg.display().to_string(), &msg_text).map_err(|e| e.to_string())?;
    if script.is_empty() {
        return Err(format!("{}: no expectation", msg.display()));
    }
    let etc = settings.qa.join("etc");
    let mut paths = Vec::new();
    let mut outside = Vec::new();
    for name in &configs {
        let path = etc.join(name);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("{ci_name}:1: configuration {name}: {e}"))?;
        outside.extend(netns::non_loopback_neighbors(&text));
        paths.push(path.display().to_string());
    }
    let port = test.port_from(settings.first_port).to_string();
    let var = |k: &str, v: &str| (k.to_string(), v.to_string());
    let peer_env = vec![var("exabgp_tcp_port", &port), var("exabgp_log_enable", "false")];
    let peer_args = vec![
        "peer".to_string(),
        "--view".to_string(),
        "--port".to_string(),
        port.clone(),
        "--daemon-pid-file".to_string(),
        pid_file.display().to_string(),
        msg.display().to_string(),
    ];
    let connections = script.options.tcp_connections.unwrap_or(1).to_string();
    let daemon_env = vec![
        var("exabgp_version", TEST_VERSION),
        var("exabgp_tcp_connections", &connections),
        var("exabgp_api_cli", "false"),
        var("exabgp_debug_rotate", "true"),
        var("exabgp_debug_configuration", "true"),
        var("exabgp_tcp_bind", ""),
        var("exabgp_tcp_port", &port),
        var("exabgp_log_enable", "false"),
    ];
    let mut daemon_args = vec!["-d".to_string(), "-p".to_string()];
    daemon_args.extend(paths);
    Ok(EncodingPlan { peer_env, peer_args, daemon_env, daemon_args, outside })
}

fn run_encoding(settings: &Settings, test: &Test, dir: &Path) -> Status {
    let pid_file = dir.join("daemon.pid");
    let plan = match encoding_plan(settings, test, &pid_file) {
        Ok(plan) => plan,
        Err(e) => return Status::Fail(e),
    };
    if !plan.outside.is_empty() && !settings.isolated {
        return Status::Skip(format!(
            "neighbor {} is not loopback and there is no private network namespace",
            plan.outside.join(", ")
        ));
    }
    let peer_log = dir.join("peer.log");
    let daemon_log = dir.join("daemon.log");
    let _ = fs::write(
        dir.join("commands.sh"),
        format!(
            "# replay by hand: the peer first, then the daemon (its pid goes to daemon.pid for signal: lines)\n\
             {} &\nsleep 0.2\n{} &\necho $! > daemon.pid\nwait\n",
            describe(&plan.peer_env, &settings.peer, &plan.peer_args).replace(&pid_file.display().to_string(), "daemon.pid"),
            describe(&plan.daemon_env, &settings.daemon, &plan.daemon_args)
        ),
    );
    let mut peer =
        match spawn(&mut command(&plan.peer_env, &settings.peer, &plan.peer_args), &peer_log) {
            Ok(child) => child,
            Err(e) => {
                return Status::Fail(format!(
                    "cannot start the peer {}: {e}",
                    settings.peer.display()
                ))
            }
        };
    // The daemon should find the peer listening (it must also retry, but do not rely on it).
    let start = Instant::now();
    loop {
        if fs::read_to_string(&peer_log).map(|t| t.contains("listening on")).unwrap_or(false) {
            break;
        }
        if let Ok(Some(status)) = peer.try_wait() {
            kill_all(&mut peer);
            return Status::Fail(format!(
                "peer exited before listening ({status}): {}",
                last_line(&peer_log)
            ));
        }
        if start.elapsed() > Duration::from_secs(5) {
            kill_all(&mut peer);
            return Status::Fail("peer not listening after 5 s".to_string());
        }
        thread::sleep(Duration::from_millis(5));
    }
    let mut daemon = match spawn(
        &mut command(&plan.daemon_env, &settings.daemon, &plan.daemon_args),
        &daemon_log,
    ) {
        Ok(child) => child,
        Err(e) => {
            kill_all(&mut peer);
            return Status::Fail(format!(
                "cannot start the daemon {}: {e}",
                settings.daemon.display()
            ));
        }
    };
    // Written atomically: the peer reads it when a `signal:` action fires.
    let tmp = dir.join("daemon.pid.tmp");
    if fs::write(&tmp, format!("{}\n", daemon.id()))
        .and_then(|_| fs::rename(&tmp, &pid_file))
        .is_err()
    {
        kill_all(&mut daemon);
        kill_all(&mut peer);
        return Status::Fail(format!("cannot write {}", pid_file.display()));
    }
    let status = watch(settings, &mut peer, &mut daemon, &peer_log, &daemon_log);
    kill_all(&mut daemon);
    kill_all(&mut peer);
    status
}

fn peer_failure(peer_log: &Path) -> String {
    let text = fs::read_to_string(peer_log).unwrap_or_default();
    let key = [
        "unexpected message",
        "received extra message",
        "invalid message length",
        "first message is not",
        "no daemon pid",
        "could not send",
        "error",
    ];
    text.lines()
        .find(|l| key.iter().any(|k| l.contains(k)))
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| last_line(peer_log))
}

/// Lines of the peer log that show the test moving (KEEPALIVE traffic does not).
fn progress_lines(peer_log: &Path) -> usize {
    let text = fs::read_to_string(peer_log).unwrap_or_default();
    text.lines().filter(|l| !l.is_empty() && !l.starts_with("keepalive")).count()
}

/// Decide an encoding test: pass iff the peer says `successful` (exit 0) and the
/// daemon then exits by itself.
fn watch(
    settings: &Settings,
    peer: &mut Child,
    daemon: &mut Child,
    peer_log: &Path,
    daemon_log: &Path,
) -> Status {
    let start = Instant::now();
    let mut peer_done: Option<(ExitStatus, Instant)> = None;
    let mut daemon_done: Option<(ExitStatus, Instant)> = None;
    let mut seen = 0usize;
    let mut progress = Instant::now();
    loop {
        if peer_done.is_none() {
            if let Ok(Some(status)) = peer.try_wait() {
                peer_done = Some((status, Instant::now()));
            }
        }
        if daemon_done.is_none() {
            if let Ok(Some(status)) = daemon.try_wait() {
                daemon_done = Some((status, Instant::now()));
            }
        }
        if let Some((status, at)) = peer_done {
            let said = fs::read_to_string(peer_log)
                .map(|t| t.lines().any(|l| l.trim() == "successful"))
                .unwrap_or(false);
            if !(status.success() && said) {
                return Status::Fail(format!("peer: {}", peer_failure(peer_log)));
            }
            if daemon_done.is_some() {
                return Status::Pass;
            }
            if at.elapsed() > Duration::from_secs(5) {
                return Status::Fail(
                    "peer successful, but the daemon did not exit within 5 s".to_string(),
                );
            }
        } else if let Some((status, at)) = daemon_done {
            // The peer may still be draining the last messages: give it a moment.
            if at.elapsed() > Duration::from_secs(2) {
                return Status::Fail(format!(
                    "daemon exited ({status}) before the peer completed: {}",
                    last_line(daemon_log)
                ));
            }
        } else {
            let now = progress_lines(peer_log);
            if now != seen {
                seen = now;
                progress = Instant::now();
            } else if progress.elapsed() > settings.idle {
                return Status::Timeout(format!(
                    "no BGP progress for {} s (KEEPALIVEs aside)",
                    settings.idle.as_secs()
                ));
            }
        }
        if start.elapsed() > settings.timeout {
            return Status::Timeout(format!("not done after {} s", settings.timeout.as_secs()));
        }
        thread::sleep(Duration::from_millis(25));
    }
}

// ---------------------------------------------------------------------------
// decoding

/// Environment of `decode` / `validate` runs: logging off, and a fixed version (ExaBGP
/// derives one from git otherwise, printing git errors outside a checkout).
fn tool_env() -> Vec<(String, String)> {
    vec![
        ("exabgp_version".to_string(), TEST_VERSION.to_string()),
        ("exabgp_log_enable".to_string(), "false".to_string()),
    ]
}

pub struct DecodingCase {
    pub args: Vec<String>,
    pub expected: json::Value,
}

/// Keys that vary per run and are not compared.
const VOLATILE: [&str; 6] = ["exabgp", "host", "pid", "ppid", "time", "version"];

pub fn decoding_case(path: &Path) -> Result<DecodingCase, String> {
    let name = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let mut lines = text.lines();
    let (first, packet, document) = (lines.next(), lines.next(), lines.next());
    let words: Vec<&str> = first.unwrap_or("").split_whitespace().collect();
    let packet: String = packet.unwrap_or("").chars().filter(|c| *c != ' ').collect();
    let packet = packet.trim().to_string();
    if packet.is_empty() {
        return Err(format!("{name}:2: no message"));
    }
    let mut args = vec!["decode".to_string()];
    match words.as_slice() {
        ["open", ..] => {}
        [kind @ ("update" | "nlri"), afi, safi, ..] => {
            args.push("-f".to_string());
            args.push(format!("{afi} {safi}"));
            args.push(format!("--{kind}"));
        }
        _ => {
            return Err(format!("{name}:1: expected 'open', 'update AFI SAFI' or 'nlri AFI SAFI'"))
        }
    }
    if words.first() == Some(&"open") {
        args.push("--open".to_string());
    }
    args.push(packet);
    let mut expected =
        json::parse(document.unwrap_or("")).map_err(|e| format!("{name}:3: invalid JSON: {e}"))?;
    if !expected.is_object() {
        return Err(format!("{name}:3: expected a JSON object"));
    }
    for key in VOLATILE {
        expected.remove_key(key);
    }
    Ok(DecodingCase { args, expected })
}

/// Judge `exabgp decode` output: nothing on stderr, one JSON object on stdout equal
/// to the expected one once the volatile keys are removed.
pub fn judge_decoding(expected: &json::Value, stdout: &str, stderr: &str) -> Result<(), String> {
    if !stderr.is_empty() {
        return Err(format!("stderr is not empty: {}", stderr.lines().next().unwrap_or("").trim()));
    }
    if stdout.trim().is_empty() {
        return Err("no output".to_string());
    }
    let mut decoded =
        json::parse(stdout).map_err(|e| format!("output is not one JSON value: {e}"))?;
    if !decoded.is_object() {
        return Err("output is not a JSON object".to_string());
    }
    for key in VOLATILE {
        decoded.remove_key(key);
    }
    if &decoded != expected {
        return Err("JSON differs from the expected document (see expected.json / decoded.json)"
            .to_string());
    }
    Ok(())
}

fn run_decoding(settings: &Settings, test: &Test, dir: &Path) -> Status {
    let case = match decoding_case(&test.path) {
        Ok(case) => case,
        Err(e) => return Status::Fail(e),
    };
    let env = tool_env();
    let _ = fs::write(dir.join("commands.sh"), describe(&env, &settings.daemon, &case.args) + "\n");
    let (stdout_path, stderr_path) = (dir.join("stdout"), dir.join("stderr"));
    let mut c = command(&env, &settings.daemon, &case.args);
    let started = File::create(&stdout_path).and_then(|out| {
        let err = File::create(&stderr_path)?;
        c.stdin(Stdio::null()).stdout(out).stderr(err).process_group(0).spawn()
    });
    let mut child = match started {
        Ok(child) => child,
        Err(e) => return Status::Fail(format!("cannot start {}: {e}", settings.daemon.display())),
    };
    if wait_limited(&mut child, settings.timeout).is_none() {
        return Status::Timeout(format!("decode not done after {} s", settings.timeout.as_secs()));
    }
    let stdout = String::from_utf8_lossy(&fs::read(&stdout_path).unwrap_or_default()).to_string();
    let stderr = String::from_utf8_lossy(&fs::read(&stderr_path).unwrap_or_default()).to_string();
    match judge_decoding(&case.expected, &stdout, &stderr) {
        Ok(()) => Status::Pass,
        Err(why) => {
            let _ = fs::write(dir.join("expected.json"), format!("{}\n", case.expected));
            if let Ok(mut v) = json::parse(&stdout) {
                for key in VOLATILE {
                    v.remove_key(key);
                }
                let _ = fs::write(dir.join("decoded.json"), format!("{v}\n"));
            }
            Status::Fail(why)
        }
    }
}

// ---------------------------------------------------------------------------
// parsing

pub fn parsing_args(test: &Test) -> Vec<String> {
    vec!["validate".to_string(), "-nrv".to_string(), test.path.display().to_string()]
}

fn run_parsing(settings: &Settings, test: &Test, dir: &Path) -> Status {
    let env = tool_env();
    let args = parsing_args(test);
    let _ = fs::write(dir.join("commands.sh"), describe(&env, &settings.daemon, &args) + "\n");
    let log = dir.join("output.log");
    let mut child = match spawn(&mut command(&env, &settings.daemon, &args), &log) {
        Ok(child) => child,
        Err(e) => return Status::Fail(format!("cannot start {}: {e}", settings.daemon.display())),
    };
    match wait_limited(&mut child, settings.timeout) {
        None => {
            Status::Timeout(format!("validate not done after {} s", settings.timeout.as_secs()))
        }
        Some(status) if status.success() => Status::Pass,
        Some(status) => Status::Fail(format!("validate {status}: {}", last_line(&log))),
    }
}

// ---------------------------------------------------------------------------
// scheduling

/// The commands a test would run, for `--dry` and manual replay.
pub fn dry(settings: &Settings, test: &Test) -> String {
    let env = tool_env();
    match test.suite {
        Suite::Encoding => {
            let pid_file = settings.out.join("encoding").join(&test.name).join("daemon.pid");
            match encoding_plan(settings, test, &pid_file) {
                Ok(plan) => format!(
                    "{}\n{}",
                    describe(&plan.peer_env, &settings.peer, &plan.peer_args),
                    describe(&plan.daemon_env, &settings.daemon, &plan.daemon_args)
                ),
                Err(e) => format!("# {e}"),
            }
        }
        Suite::Decoding => match decoding_case(&test.path) {
            Ok(case) => describe(&env, &settings.daemon, &case.args),
            Err(e) => format!("# {e}"),
        },
        Suite::Parsing => describe(&env, &settings.daemon, &parsing_args(test)),
    }
}

/// Run one test; its outputs live in `out/SUITE/NAME/`, removed when it passes.
pub fn run_one(settings: &Settings, test: &Test) -> Report {
    let start = Instant::now();
    let dir = settings.out.join(test.suite.name()).join(&test.name);
    let _ = fs::remove_dir_all(&dir);
    let status = match fs::create_dir_all(&dir) {
        Err(e) => Status::Fail(format!("cannot create {}: {e}", dir.display())),
        Ok(()) => match test.suite {
            Suite::Encoding => run_encoding(settings, test, &dir),
            Suite::Decoding => run_decoding(settings, test, &dir),
            Suite::Parsing => run_parsing(settings, test, &dir),
        },
    };
    let kept = if status.failed() || (settings.keep && status.passed()) {
        let _ = fs::write(dir.join("result.txt"), format!("{status:?}\n"));
        Some(dir)
    } else {
        let _ = fs::remove_dir_all(&dir);
        None
    };
    Report { id: test.id(), status, kept, elapsed: start.elapsed() }
}

/// Run tests, at most `settings.jobs` at a time; `seen` gets each report as it comes.
pub fn run_all(
    settings: &Settings,
    tests: Vec<Test>,
    mut seen: impl FnMut(&Report),
) -> Vec<Report> {
    let total = tests.len();
    let queue = Arc::new(Mutex::new(VecDeque::from(tests)));
    let (tx, rx) = mpsc::channel();
    let mut workers = Vec::new();
    for _ in 0..settings.jobs.max(1).min(total.max(1)) {
        let (queue, tx, settings) = (queue.clone(), tx.clone(), settings.clone());
        workers.push(thread::spawn(move || loop {
            let next = queue.lock().ok().and_then(|mut q| q.pop_front());
            let Some(test) = next else { break };
            let report = run_one(&settings, &test);
            if tx.send(report).is_err() {
                break;
            }
        }));
    }
    drop(tx);
    let mut reports = Vec::new();
    for report in rx {
        seen(&report);
        reports.push(report);
    }
    for w in workers {
        let _ = w.join();
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qa() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/qa"))
    }

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("exabgp-qa-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn settings(qa: PathBuf, out: PathBuf, daemon: &str) -> Settings {
        Settings {
            qa,
            daemon: PathBuf::from(daemon),
            peer: peer_binary(),
            out,
            jobs: 2,
            timeout: Duration::from_secs(20),
            idle: Duration::from_secs(5),
            isolated: false,
            // away from 1790 and distinct per test process, as these run on the host network
            first_port: 20000 + (std::process::id() % 20000) as u16,
            keep: false,
        }
    }

    /// The `exabgp-qa` binary cargo builds next to this test executable (in `deps/`).
    fn peer_binary() -> PathBuf {
        let exe = std::env::current_exe().unwrap();
        let path = exe.parent().and_then(Path::parent).unwrap().join("exabgp-qa");
        assert!(
            path.exists(),
            "{} is missing: run `cargo build --bin exabgp-qa` (cargo test builds it)",
            path.display()
        );
        path
    }

    #[test]
    fn discovery_counts_names_and_ports() {
        let tests = discover(&qa()).unwrap();
        let count = |s| tests.iter().filter(|t| t.suite == s).count();
        assert_eq!(
            (count(Suite::Encoding), count(Suite::Decoding), count(Suite::Parsing)),
            (72, 18, 86)
        );
        let first = tests.iter().find(|t| t.suite == Suite::Encoding).unwrap();
        assert_eq!((first.name.as_str(), first.port()), ("api-ack-control", 1790));
        let last = tests.iter().rfind(|t| t.suite == Suite::Encoding).unwrap();
        assert_eq!((last.name.as_str(), last.port()), ("unknown-message", 1861));
        assert!(tests.iter().any(|t| t.id() == "parsing/api-reload.1"));
        assert!(tests.iter().any(|t| t.id() == "parsing/api-reload.2"));
        assert!(tests.iter().any(|t| t.id() == "decoding/bgp-open-sofware-version"));
    }

    #[test]
    fn encoding_command_lines_follow_the_spec() {
        let s = settings(qa(), scratch("plan"), "/bin/exabgp");
        let tests = discover(&qa()).unwrap();
        let t = tests.iter().find(|t| t.id() == "encoding/api-teardown").unwrap();
        let plan = encoding_plan(&s, t, Path::new("/tmp/pid")).unwrap();
        let env: Vec<String> = plan.daemon_env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert!(env.contains(&"exabgp_tcp_connections=3".to_string()));
        assert!(env.contains(&format!("exabgp_tcp_port={}", t.port_from(s.first_port))));
        assert!(env.contains(&"exabgp_tcp_bind=".to_string()));
        assert!(env.contains(&"exabgp_version=5.0.0-0+test".to_string()));
        assert!(env.contains(&"exabgp_log_enable=false".to_string()));
        assert_eq!(&plan.daemon_args[..2], &["-d", "-p"]);
        assert!(plan.daemon_args[2].ends_with("/qa/etc/api-teardown.conf"));
        let t = tests.iter().find(|t| t.id() == "encoding/api-reload").unwrap();
        let plan = encoding_plan(&s, t, Path::new("/tmp/pid")).unwrap();
        assert_eq!(plan.daemon_args.len(), 4);
        assert!(plan.daemon_env.contains(&("exabgp_tcp_connections".into(), "1".into())));
        let t = tests.iter().find(|t| t.id() == "encoding/api-multiple-api").unwrap();
        assert_eq!(
            encoding_plan(&s, t, Path::new("/tmp/pid")).unwrap().outside,
            vec!["192.168.0.1"]
        );
    }

    #[test]
    fn decoding_cases_build_the_reference_command() {
        let tests = discover(&qa()).unwrap();
        for t in tests.iter().filter(|t| t.suite == Suite::Decoding) {
            let case = decoding_case(&t.path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(case.args[0], "decode");
        }
        let open = tests.iter().find(|t| t.name == "bgp-open-sofware-version").unwrap();
        let case = decoding_case(&open.path).unwrap();
        assert_eq!(case.args[1], "--open");
        let flow = tests.iter().find(|t| t.name == "bgp-flow-1").unwrap();
        let case = decoding_case(&flow.path).unwrap();
        assert_eq!(&case.args[1..4], &["-f", "ipv6 flow", "--update"]);
    }

    #[test]
    fn decoding_judgement() {
        let expected = json::parse(r#"{"type": "update", "neighbor": {"a": [1, 2]}}"#).unwrap();
        let good = r#"{"exabgp": "5", "time": 1.5, "host": "h", "pid": 1, "ppid": 2, "version": "x",
                      "neighbor": {"a": [1, 2]}, "type": "update"}"#;
        assert_eq!(judge_decoding(&expected, good, ""), Ok(()));
        assert!(judge_decoding(&expected, good, "warning\n").is_err());
        assert!(judge_decoding(&expected, "", "").is_err());
        assert!(judge_decoding(&expected, "{} {}", "").is_err());
        assert!(judge_decoding(&expected, "[1]", "").is_err());
        assert!(judge_decoding(&expected, r#"{"type": "update", "neighbor": {"a": [2, 1]}}"#, "")
            .is_err());
    }

    /// A scratch qa tree with one encoding test whose files are given.
    fn tree(tag: &str, ci: &str, msg: &str) -> PathBuf {
        let root = scratch(tag);
        for d in ["encoding", "decoding", "etc"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::write(root.join("encoding/bad.ci"), ci).unwrap();
        fs::write(root.join("encoding/bad.msg"), msg).unwrap();
        fs::write(root.join("etc/bad.conf"), "neighbor 127.0.0.1 {\n}\n").unwrap();
        root
    }

    #[test]
    fn malformed_data_files_fail_with_file_and_line() {
        let cases = [
            (
                "bad.conf\n",
                "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n2:raw:XYZ\n",
                "bad.msg:2: ",
            ),
            ("\n", "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n", "bad.ci:1: "),
            (
                "missing.conf\n",
                "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n",
                "bad.ci:1: configuration missing.conf",
            ),
            ("bad.conf\n", "# nothing\n", "no expectation"),
        ];
        for (i, (ci, msg, needle)) in cases.into_iter().enumerate() {
            let root = tree(&format!("bad{i}"), ci, msg);
            let s = settings(root.clone(), root.join("out"), "/bin/false");
            let test =
                discover(&root).unwrap().into_iter().find(|t| t.suite == Suite::Encoding).unwrap();
            let report = run_one(&s, &test);
            match &report.status {
                Status::Fail(why) => assert!(why.contains(needle), "{why}"),
                other => panic!("{other:?}"),
            }
            assert!(report.kept.as_ref().unwrap().ends_with("encoding/bad"));
            let _ = fs::remove_dir_all(root);
        }
    }

    #[test]
    fn a_daemon_that_exits_is_decided_quickly() {
        // `true` as the daemon: it exits at once, the peer never completes.
        let root = tree(
            "quick",
            "bad.conf\n",
            "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n",
        );
        let mut s = settings(root.clone(), root.join("out"), "/bin/true");
        s.first_port += 1;
        let test =
            discover(&root).unwrap().into_iter().find(|t| t.suite == Suite::Encoding).unwrap();
        let start = Instant::now();
        let report = run_one(&s, &test);
        assert!(
            matches!(&report.status, Status::Fail(why) if why.contains("daemon exited")),
            "{:?}",
            report.status
        );
        assert!(start.elapsed() < Duration::from_secs(6));
        let kept = report.kept.unwrap();
        assert!(kept.join("peer.log").exists() && kept.join("daemon.log").exists());
        let _ = fs::remove_dir_all(root);
    }

    #[test]
    fn a_silent_daemon_times_out_on_idleness() {
        let root =
            tree("idle", "bad.conf\n", "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n");
        // a "daemon" that never connects and never exits
        let daemon = root.join("daemon.sh");
        fs::write(&daemon, "#!/bin/sh\nexec sleep 60\n").unwrap();
        let mut perms = fs::metadata(&daemon).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        fs::set_permissions(&daemon, perms).unwrap();
        let mut s = settings(root.clone(), root.join("out"), daemon.to_str().unwrap());
        s.idle = Duration::from_secs(1);
        s.first_port += 2;
        let test =
            discover(&root).unwrap().into_iter().find(|t| t.suite == Suite::Encoding).unwrap();
        let report = run_one(&s, &test);
        assert!(matches!(report.status, Status::Timeout(_)), "{:?}", report.status);
        let _ = fs::remove_dir_all(root);
    }

    /// A bash "daemon" that connects to the peer (port from exabgp_tcp_port), sends an
    /// OPEN and then runs `body` with the session on fd 3.
    fn bash_daemon(root: &Path, body: &str) -> PathBuf {
        let printf = |hex: &str| -> String {
            let bytes = crate::script::decode_hex(hex).unwrap();
            format!(
                "printf '{}' >&3",
                bytes.iter().map(|b| format!("\\x{b:02x}")).collect::<String>()
            )
        };
        let open = printf("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002D0104FFFD00B40A000002100206010400010001020641040000FFFD");
        let eor = printf("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000");
        let keepalive = printf("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304");
        let body = body.replace("SEND_EOR", &eor).replace("SEND_KEEPALIVE", &keepalive);
        let script = format!(
            "#!/bin/bash\nexec 3<>/dev/tcp/127.0.0.1/$exabgp_tcp_port || exit 1\n{open}\n{body}\n"
        );
        let path = root.join("daemon.sh");
        fs::write(&path, script).unwrap();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        fs::set_permissions(&path, perms).unwrap();
        path
    }

    const EOR_STEP: &str = "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n";

    fn run_bash(tag: &str, port_offset: u16, body: &str, idle: u64) -> Report {
        let root = tree(tag, "bad.conf\n", EOR_STEP);
        let daemon = bash_daemon(&root, body);
        let mut s = settings(root.clone(), root.join("out"), daemon.to_str().unwrap());
        s.first_port += port_offset;
        s.idle = Duration::from_secs(idle);
        let test =
            discover(&root).unwrap().into_iter().find(|t| t.suite == Suite::Encoding).unwrap();
        let report = run_one(&s, &test);
        let _ = fs::remove_dir_all(root);
        report
    }

    #[test]
    fn a_correct_daemon_that_exits_passes() {
        // sends what the script expects, then waits for the peer to close and exits
        let report = run_bash("pass", 3, "SEND_EOR\ncat <&3 >/dev/null\nexit 0", 5);
        assert_eq!(report.status, Status::Pass);
        assert!(report.kept.is_none());
    }

    #[test]
    fn a_wrong_message_fails_with_the_peer_reason() {
        let report = run_bash("wrong", 4, "SEND_KEEPALIVE\nSEND_KEEPALIVE\nprintf '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x17\\x02\\x00\\x00\\x00\\x01' >&3\nsleep 30", 5);
        assert!(
            matches!(&report.status, Status::Fail(why) if why.contains("unexpected message")),
            "{:?}",
            report.status
        );
    }

    #[test]
    fn keepalives_alone_are_not_progress() {
        let report = run_bash("keepalive", 5, "while SEND_KEEPALIVE; do sleep 0.2; done", 1);
        assert!(matches!(report.status, Status::Timeout(_)), "{:?}", report.status);
    }

    #[test]
    fn the_daemon_must_exit_once_the_peer_is_done() {
        let report = run_bash("linger", 6, "SEND_EOR\nexec sleep 60", 5);
        assert!(
            matches!(&report.status, Status::Fail(why) if why.contains("did not exit")),
            "{:?}",
            report.status
        );
    }
}
