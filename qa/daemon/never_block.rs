//! Issue #7, "never block": the real `exabgp` daemon against a BGP peer
//! written here, with helpers that stop reading, flood it with commands,
//! send garbage, exit or cannot start.
//!
//! Timing: every session uses hold time 3 s, so the daemon must send a
//! KEEPALIVE every second (RFC 4271 §4.4: a third of the hold time). The peer
//! records when each KEEPALIVE of the daemon arrives; a gap may be the 1 s
//! interval plus `KEEPALIVE_MARGIN`, which keeps it 0.6 s under the hold time.
//! The margin is for a debug build on a shared 2-core machine: a loop turn
//! that parses a 256 KiB batch of commands, or packs a large attribute
//! bucket into UPDATEs, delays the timer by that turn. Measured worst gaps:
//! 1.0 s with a stopped helper, 1.15-1.5 s while flooding 200,000 routes
//! (1.9 s with 1,000,000, whose one-bucket packing is a single long turn).
//!
//! The tests take a lock so that they run one at a time: each one's timing
//! should not depend on the CPU the others use.

mod common;
use common::Scratch;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const EXABGP: &str = env!("CARGO_BIN_EXE_exabgp");

const HOLD: u16 = 3;
/// One keepalive interval (hold / 3) and the scheduling margin (see above).
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(1);
const KEEPALIVE_MARGIN: Duration = Duration::from_millis(1400);

const KEEPALIVE: [u8; 19] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0, 19, 4,
];

static SERIAL: Mutex<()> = Mutex::new(());

/// One test at a time (a failed test poisons the lock: ignore that).
fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

// ----- scratch files -----

fn scratch(name: &str) -> Scratch {
    common::scratch("never-block", name)
}

fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    common::write_mode(dir, name, text, mode)
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    write(dir, name, &format!("#!/bin/sh\n{body}\n"), 0o755)
}

fn neighbor(api: &str) -> String {
    format!(
        "neighbor 127.0.0.1 {{ router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; \
         hold-time {HOLD}; family {{ ipv4 unicast; }} {api} }}\n"
    )
}

// ----- the daemon -----

struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// The daemon as the functional harness starts it, logging to a file
    /// (a pipe nobody reads could itself block it).
    fn start(dir: &Path, conf: &Path, port: u16, extra: &[(&str, &str)]) -> Daemon {
        let log = dir.join("daemon.log");
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let mut c = Command::new(EXABGP);
        c.args(["-d", "-p"])
            .arg(conf)
            .env("exabgp_version", "5.0.0-0+test")
            .env("exabgp_tcp_connections", "1")
            .env("exabgp_api_cli", "false")
            .env("exabgp_tcp_bind", "")
            .env("exabgp_tcp_port", port.to_string())
            .env("exabgp_log_enable", "true")
            .env("exabgp_log_destination", "stdout")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (k, v) in extra {
            c.env(k, v);
        }
        Daemon { child: c.spawn().unwrap(), log }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn exited(&mut self) -> Option<i32> {
        self.child.try_wait().ok().flatten().map(|s| s.code().unwrap_or(-1))
    }

    /// Waits for it to exit by itself; `None` if it did not.
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Some(code) = self.exited() {
                return Some(code);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// (VmRSS, VmHWM) in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!("--- daemon log (last lines) ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
        if self.exited().is_none() {
            // SAFETY: signalling our own child; SIGTERM lets it end its helpers.
            unsafe {
                libc::kill(self.pid(), libc::SIGTERM);
            }
            if self.wait(Duration::from_secs(10)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_pid(path: &Path) -> i32 {
    wait_for("the helper's pid", Duration::from_secs(10), || {
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    })
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

// ----- the BGP peer -----

/// What the peer saw from the daemon.
#[derive(Default)]
struct Seen {
    /// Arrival of every message after the OPEN, and its type.
    arrivals: Vec<(Instant, u8)>,
    notification: Option<Vec<u8>>,
    closed: bool,
    /// Announced IPv4 prefixes, in order, as (address << 8) | length.
    announced: Vec<u64>,
    withdrawn: Vec<u64>,
}

struct Peer {
    out: Arc<Mutex<TcpStream>>,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    /// Ends `stream` only (KEEPALIVEs go on).
    stop_stream: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    established: Instant,
}

fn read_message(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut header = [0u8; 19];
    s.read_exact(&mut header).ok()?;
    let len = usize::from(u16::from_be_bytes([header[16], header[17]]));
    let mut body = vec![0u8; len.checked_sub(19)?];
    s.read_exact(&mut body).ok()?;
    let mut m = header.to_vec();
    m.extend(body);
    Some(m)
}

/// The prefixes of an IPv4 NLRI field (RFC 4271 §4.3).
fn prefixes(mut data: &[u8], into: &mut Vec<u64>) {
    while let Some((&len, rest)) = data.split_first() {
        let n = usize::from(len).div_ceil(8);
        if len > 32 || rest.len() < n {
            return;
        }
        let mut addr = [0u8; 4];
        addr[..n].copy_from_slice(&rest[..n]);
        into.push(u64::from(u32::from_be_bytes(addr)) << 8 | u64::from(len));
        data = &rest[n..];
    }
}

fn prefix(addr: u32, len: u8) -> u64 {
    u64::from(addr) << 8 | u64::from(len)
}

fn record_update(m: &[u8], seen: &mut Seen) {
    let body = &m[19..];
    let Some(wlen) = body.get(..2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else { return };
    let Some(withdrawn) = body.get(2..2 + wlen) else { return };
    prefixes(withdrawn, &mut seen.withdrawn);
    let rest = &body[2 + wlen..];
    let Some(alen) = rest.get(..2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else { return };
    if let Some(nlri) = rest.get(2 + alen..) {
        prefixes(nlri, &mut seen.announced);
    }
}

impl Peer {
    /// Accepts the daemon, answers its OPEN (hold time `HOLD`) and starts
    /// reading, and sending a KEEPALIVE every second.
    fn accept(listener: &TcpListener) -> Peer {
        listener.set_nonblocking(true).unwrap();
        let (mut s, _) = wait_for("the daemon to connect", Duration::from_secs(15), || listener.accept().ok());
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut open = read_message(&mut s).expect("the daemon's OPEN");
        assert_eq!(open[18], 1, "expected an OPEN");
        open[22..24].copy_from_slice(&HOLD.to_be_bytes());
        open[27] = open[27].wrapping_add(1);
        s.write_all(&open).unwrap();
        s.write_all(&KEEPALIVE).unwrap();
        // The daemon's KEEPALIVE confirms our OPEN: Established.
        let first = read_message(&mut s).expect("the daemon's KEEPALIVE");
        assert_eq!(first[18], 4, "expected a KEEPALIVE, got {first:?}");
        let established = Instant::now();
        s.set_read_timeout(None).unwrap();

        let out = Arc::new(Mutex::new(s.try_clone().unwrap()));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        {
            let seen = seen.clone();
            let mut s = s;
            threads.push(std::thread::spawn(move || loop {
                let Some(m) = read_message(&mut s) else {
                    seen.lock().unwrap().closed = true;
                    return;
                };
                let now = Instant::now();
                let mut seen = seen.lock().unwrap();
                seen.arrivals.push((now, m[18]));
                match m[18] {
                    2 => record_update(&m, &mut seen),
                    3 => {
                        seen.notification = Some(m);
                    }
                    _ => {}
                }
            }));
        }
        {
            let out = out.clone();
            let stop = stop.clone();
            threads.push(std::thread::spawn(move || {
                let mut next = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    if Instant::now() >= next {
                        if out.lock().unwrap().write_all(&KEEPALIVE).is_err() {
                            return;
                        }
                        next += Duration::from_secs(1);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }));
        }
        Peer { out, seen, stop, stop_stream: Arc::new(AtomicBool::new(false)), threads, established }
    }

    /// Streams UPDATEs of `per_update` /32s from 100.0.0.0 up, `per_tick`
    /// UPDATEs every 10 ms, until stopped; returns how many prefixes went.
    fn stream(&mut self, per_update: u32, per_tick: u32) -> Arc<Mutex<u32>> {
        let sent = Arc::new(Mutex::new(0u32));
        let out = self.out.clone();
        let stop = self.stop.clone();
        let stop_stream = self.stop_stream.clone();
        let count = sent.clone();
        self.threads.push(std::thread::spawn(move || {
            let mut next = Instant::now();
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) && !stop_stream.load(Ordering::Relaxed) {
                let mut batch = Vec::new();
                for _ in 0..per_tick {
                    batch.extend(update(0x6400_0000 + n, per_update));
                    n += per_update;
                }
                if out.lock().unwrap().write_all(&batch).is_err() {
                    return;
                }
                *count.lock().unwrap() = n;
                next += Duration::from_millis(10);
                if let Some(d) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(d);
                }
            }
        }));
        sent
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }

    /// The session is up and the daemon's messages came on time from
    /// Established until now. Returns the longest gap.
    fn assert_healthy(&self, what: &str) -> Duration {
        let now = Instant::now();
        let seen = self.seen();
        assert!(seen.notification.is_none(), "{what}: the daemon sent a NOTIFICATION {:?}", seen.notification);
        assert!(!seen.closed, "{what}: the daemon closed the session");
        let limit = KEEPALIVE_INTERVAL + KEEPALIVE_MARGIN;
        let mut worst = Duration::ZERO;
        // KEEPALIVEs only: the daemon sends them on its timer whatever else
        // it sends (as ExaBGP does), and they are what the test checks.
        let mut last = self.established;
        for at in seen.arrivals.iter().filter(|(_, t)| *t == 4).map(|(at, _)| *at).chain([now]) {
            let gap = at.saturating_duration_since(last);
            worst = worst.max(gap);
            last = at;
        }
        assert!(
            worst <= limit,
            "{what}: {worst:?} without a KEEPALIVE from the daemon (limit {limit:?}, hold time {HOLD} s)"
        );
        worst
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.out.lock().map(|s| s.shutdown(std::net::Shutdown::Both));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// An iBGP UPDATE announcing `count` /32s from `first` (ORIGIN IGP, empty
/// AS_PATH, NEXT_HOP 127.0.0.1, LOCAL_PREF 100).
fn update(first: u32, count: u32) -> Vec<u8> {
    let attrs: [u8; 21] = [
        0x40, 1, 1, 0, // ORIGIN
        0x40, 2, 0, // AS_PATH
        0x40, 3, 4, 127, 0, 0, 1, // NEXT_HOP
        0x40, 5, 4, 0, 0, 0, 100, // LOCAL_PREF
    ];
    let mut m = vec![0xff; 16];
    m.extend([0, 0, 2, 0, 0]);
    m.extend((attrs.len() as u16).to_be_bytes());
    m.extend(attrs);
    for i in 0..count {
        m.push(32);
        m.extend((first + i).to_be_bytes());
    }
    let len = m.len() as u16;
    m[16..18].copy_from_slice(&len.to_be_bytes());
    m
}

fn listen() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

fn signal(pid: i32, sig: libc::c_int) {
    // SAFETY: kill(2) on a helper of our own daemon.
    unsafe {
        libc::kill(pid, sig);
    }
}

// ----- 1. a helper that stops reading -----

/// The helper subscribed to received UPDATEs is frozen (SIGSTOP) for three
/// hold times while the peer keeps sending. The daemon queues what the
/// helper cannot take (bounded, see README "Process API"), keeps its session
/// and its KEEPALIVEs going, and after SIGCONT the helper gets every prefix,
/// in the order the peer sent them.
#[test]
fn frozen_helper_blocks_nothing_and_loses_nothing() {
    let _serial = serial();
    let dir = scratch("sigstop");
    let (listener, port) = listen();
    let prefixes = dir.join("prefixes");
    let pid_file = dir.join("helper.pid");
    script(
        &dir,
        "collect.sh",
        &format!(
            // fd 3 keeps stdout open: EOF on it would be a process problem.
            "echo $$ > {}\nexec grep --line-buffered -o '[0-9][0-9.]*/32' 3>&1 > {}",
            pid_file.display(),
            prefixes.display()
        ),
    );
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process collect {{ run {}; encoder json; }}\n{}",
            dir.join("collect.sh").display(),
            neighbor("api { processes [ collect ]; receive { parsed; update; } }")
        ),
        0o644,
    );
    let daemon = Daemon::start(&dir, &conf, port, &[]);
    let helper = read_pid(&pid_file);
    let mut peer = Peer::accept(&listener);
    let (rss_start, _) = daemon.memory();

    // 10 UPDATEs of 10 prefixes every 10 ms: 10,000 prefixes a second.
    let sent = peer.stream(10, 10);
    std::thread::sleep(Duration::from_secs(1));
    signal(helper, libc::SIGSTOP);
    let frozen = Instant::now();
    let mut hwm = 0;
    while frozen.elapsed() < Duration::from_secs(3 * u64::from(HOLD)) {
        std::thread::sleep(Duration::from_millis(250));
        hwm = hwm.max(daemon.memory().1);
        peer.assert_healthy("while the helper is stopped");
    }
    signal(helper, libc::SIGCONT);
    std::thread::sleep(Duration::from_millis(500));
    peer.stop_stream.store(true, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(100));
    let total = *sent.lock().unwrap();
    let worst = peer.assert_healthy("after SIGCONT");

    // Everything the peer sent reaches the helper, in order.
    let expected: Vec<String> = (0..total)
        .map(|i| std::net::Ipv4Addr::from(0x6400_0000 + i).to_string() + "/32")
        .collect();
    let got = wait_for("the helper to catch up", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&prefixes).ok()?;
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        (lines.len() >= expected.len()).then_some(lines)
    });
    assert!(got == expected, "the helper got {} prefixes, {} expected, or not in order", got.len(), expected.len());
    assert!(alive(helper), "the helper was restarted");
    let (_, hwm_end) = daemon.memory();
    hwm = hwm.max(hwm_end);
    let log = daemon.log();
    assert!(!log.contains("write queue full"), "{log}");
    assert!(!log.contains("were dropped while it was down"), "{log}");
    // The queue held 9 s of events, a few MB of JSON (measured VmHWM: 33 MiB
    // in a debug build). 64 MiB is the queue's own limit: reaching it here
    // would mean something else grows.
    eprintln!(
        "sigstop: {total} prefixes, worst KEEPALIVE gap {worst:?}, VmRSS at start {rss_start} KiB, VmHWM {hwm} KiB"
    );
    assert!(hwm < 64 * 1024, "VmHWM {hwm} KiB");
}

// ----- 2. a helper that floods the daemon -----

/// How many `announce route` lines the flood helper writes:
/// `EXABGP_FLOOD_ROUTES`, else 1,000,000 in a release build and 200,000 in
/// a debug one (a debug daemon takes about 20 us a route, and the test must
/// end well within a minute under `cargo test`).
fn flood_routes() -> u32 {
    if let Some(n) = std::env::var("EXABGP_FLOOD_ROUTES").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    if cfg!(debug_assertions) {
        200_000
    } else {
        1_000_000
    }
}

/// A helper writes its commands as fast as it can once the session is up:
/// the daemon keeps reading the peer and sending its KEEPALIVEs on time
/// between batches, and the peer ends up with every route.
#[test]
fn command_flood_keeps_the_session_alive() {
    let _serial = serial();
    let dir = scratch("flood");
    let (listener, port) = listen();
    let go = dir.join("go");
    let n = flood_routes();
    script(
        &dir,
        "flood.sh",
        &format!(
            "while [ ! -e {go} ]; do sleep 0.05; done\n\
             awk 'BEGIN {{ for (i = 0; i < {n}; i++) printf \"announce route 10.%d.%d.%d/32 next-hop 127.0.0.1\\n\", \
             int(i / 65536) % 256, int(i / 256) % 256, i % 256 }}'\n\
             exec cat 3>&1 > /dev/null",
            go = go.display()
        ),
    );
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process flood {{ run {}; encoder text; }}\n{}",
            dir.join("flood.sh").display(),
            neighbor("api { processes [ flood ]; }")
        ),
        0o644,
    );
    let daemon = Daemon::start(&dir, &conf, port, &[]);
    let peer = Peer::accept(&listener);
    std::fs::write(&go, "").unwrap();
    let start = Instant::now();
    let mut hwm = 0;
    let limit = Duration::from_secs(std::env::var("EXABGP_FLOOD_LIMIT").ok().and_then(|v| v.parse().ok()).unwrap_or(50));
    loop {
        std::thread::sleep(Duration::from_millis(250));
        hwm = hwm.max(daemon.memory().1);
        peer.assert_healthy("during the flood");
        let got = peer.seen().announced.len();
        if got >= n as usize {
            break;
        }
        assert!(start.elapsed() < limit, "the peer has {got} of {n} routes after {limit:?}");
    }
    let took = start.elapsed();
    // A little longer: the session must survive the end of the flood too.
    std::thread::sleep(Duration::from_millis(1500));
    let worst = peer.assert_healthy("after the flood");
    let seen = peer.seen();
    assert_eq!(seen.announced.len(), n as usize, "duplicates or extras");
    let mut sorted = seen.announced.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), n as usize, "some routes came twice");
    assert!(seen.withdrawn.is_empty());
    drop(seen);
    assert_eq!(spawns(&daemon.log(), "flood"), 1, "the flood helper was restarted");
    eprintln!("flood: {n} routes in {took:?}, worst KEEPALIVE gap {worst:?}, VmHWM {hwm} KiB");
    // The adj-rib-out holds every route (about 0.5 KiB each in a debug
    // build: VmHWM 103 MiB for 200,000); reading the helper faster than the
    // routes go out must not add a buffer of its own on top.
    let cap = 64 * 1024 + u64::from(n);
    assert!(hwm < cap, "VmHWM {hwm} KiB, cap {cap} KiB");
}

// ----- 3. garbage from a helper -----

/// A helper driven by the test through a FIFO; what the daemon writes to
/// it goes to the file `replies`.
struct Driven {
    fifo: std::fs::File,
    replies: PathBuf,
    read: usize,
}

impl Driven {
    fn setup(dir: &Path, name: &str) -> PathBuf {
        let fifo = dir.join("commands");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0);
        std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o666)).unwrap();
        // The background reader needs stdin through fd 3: a non-interactive
        // shell gives `&` jobs /dev/null as stdin.
        script(
            dir,
            name,
            &format!(
                "exec 3<&0\ncat <&3 > {}/replies &\nexec cat {}",
                dir.display(),
                fifo.display()
            ),
        )
    }

    fn open(dir: &Path) -> Driven {
        // Read-write: never blocks, and the helper's `cat` never sees EOF
        // while we hold it.
        let fifo = std::fs::OpenOptions::new().read(true).write(true).open(dir.join("commands")).unwrap();
        Driven { fifo, replies: dir.join("replies"), read: 0 }
    }

    /// Sends `line` and returns the daemon's next reply line.
    fn command(&mut self, line: &str) -> String {
        self.fifo.write_all(format!("{line}\n").as_bytes()).unwrap();
        let replies = self.replies.clone();
        let n = self.read;
        let reply = wait_for(&format!("a reply to {line:?}"), Duration::from_secs(10), || {
            let text = std::fs::read_to_string(&replies).ok()?;
            text.lines().nth(n).map(str::to_string).filter(|_| text.ends_with('\n') || text.lines().count() > n + 1)
        });
        self.read += 1;
        reply
    }
}

/// Malformed commands get the `error` ack (ExaBGP answers with the bare
/// word; the daemon's log says what was wrong) and change nothing: the route
/// announced before stays, the session stays, later commands still work.
#[test]
fn malformed_commands_get_an_error_and_change_nothing() {
    let _serial = serial();
    let dir = scratch("malformed");
    let (listener, port) = listen();
    let run = Driven::setup(&dir, "driven.sh");
    let conf = write(
        &dir,
        "a.conf",
        &format!("process driven {{ run {}; encoder text; }}\n{}", run.display(), neighbor("api { processes [ driven ]; }")),
        0o644,
    );
    let daemon = Daemon::start(&dir, &conf, port, &[]);
    let peer = Peer::accept(&listener);
    let mut helper = Driven::open(&dir);
    let kept = prefix(0x0a09_0000, 16);
    assert_eq!(helper.command("announce route 10.9.0.0/16 next-hop 127.0.0.1"), "done");
    wait_for("10.9.0.0/16 at the peer", Duration::from_secs(10), || {
        peer.seen().announced.contains(&kept).then_some(())
    });
    let before = peer.seen().arrivals.iter().filter(|(_, t)| *t == 2).count();

    // Each: the line, and how the daemon's log names the problem.
    let bad = [
        ("announce route 10.9.0.0/33 next-hop 127.0.0.1", "a prefix length of at most 32 was expected"),
        ("announce route 10.10.0.0/16 next-hop banana", "an IP address or self was expected, found \"banana\""),
        ("withdraw route", "nothing to parse"),
        ("announce routes 10.11.0.0/16 next-hop 127.0.0.1", "command not understood"),
        ("bogus command here", "command not understood"),
        ("announce route 10.12.0.0/16 next-hop 127.0.0.1 community [ 65536:1 ]", "at most 65535"),
    ];
    for (line, _) in bad {
        assert_eq!(helper.command(line), "error", "for {line:?}");
    }
    // More than a hold time, with nothing changing at the peer.
    std::thread::sleep(Duration::from_secs(u64::from(HOLD) + 1));
    peer.assert_healthy("after the malformed commands");
    {
        let seen = peer.seen();
        let updates = seen.arrivals.iter().filter(|(_, t)| *t == 2).count();
        assert_eq!(updates, before, "a malformed command sent an UPDATE");
        assert!(seen.withdrawn.is_empty(), "withdrawn: {:?}", seen.withdrawn);
    }
    let log = daemon.log();
    for (line, reason) in bad {
        let said = format!("not understood: {line} (");
        assert!(
            log.lines().any(|l| l.contains(&said) && l.contains(reason)),
            "the log does not name the problem with {line:?}:\n{log}"
        );
    }
    // The API still works.
    assert_eq!(helper.command("announce route 10.13.0.0/16 next-hop 127.0.0.1"), "done");
    wait_for("10.13.0.0/16 at the peer", Duration::from_secs(10), || {
        peer.seen().announced.contains(&prefix(0x0a0d_0000, 16)).then_some(())
    });
    peer.assert_healthy("at the end");
}

// ----- 4. helpers that exit or cannot start -----

/// How many times the daemon says it started `name`.
fn spawns(log: &str, name: &str) -> usize {
    let said = format!("process         forked process {name}");
    log.lines().filter(|l| l.contains(&said)).count()
}

/// A helper that announced a route and exits is started again
/// (`exabgp.api.respawn`, on by default), and its route stays at the peer.
#[test]
fn exited_helper_is_respawned_and_its_routes_stay() {
    let _serial = serial();
    let dir = scratch("respawn");
    let (listener, port) = listen();
    let runs = dir.join("runs");
    let go = dir.join("go");
    script(
        &dir,
        "once.sh",
        &format!(
            "echo $$ >> {runs}\n\
             if [ \"$(wc -l < {runs})\" -eq 1 ]; then\n\
             echo 'announce route 10.9.0.0/16 next-hop 127.0.0.1'\n\
             while [ ! -e {go} ]; do sleep 0.05; done\n\
             exit 0\n\
             fi\n\
             exec cat 3>&1 > /dev/null",
            runs = runs.display(),
            go = go.display()
        ),
    );
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process once {{ run {}; encoder text; }}\n{}",
            dir.join("once.sh").display(),
            neighbor("api { processes [ once ]; }")
        ),
        0o644,
    );
    let daemon = Daemon::start(&dir, &conf, port, &[]);
    let peer = Peer::accept(&listener);
    let route = prefix(0x0a09_0000, 16);
    wait_for("10.9.0.0/16 at the peer", Duration::from_secs(10), || {
        peer.seen().announced.contains(&route).then_some(())
    });
    let updates = peer.seen().arrivals.iter().filter(|(_, t)| *t == 2).count();
    std::fs::write(&go, "").unwrap();
    let pids = wait_for("the second run", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&runs).ok()?;
        let pids: Vec<i32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        (pids.len() >= 2).then_some(pids)
    });
    assert!(alive(pids[1]));
    // More than a hold time: no withdrawal, no new UPDATE, same session.
    std::thread::sleep(Duration::from_secs(u64::from(HOLD) + 1));
    peer.assert_healthy("after the respawn");
    {
        let seen = peer.seen();
        assert!(seen.withdrawn.is_empty(), "withdrawn after the helper left: {:?}", seen.withdrawn);
        assert_eq!(seen.arrivals.iter().filter(|(_, t)| *t == 2).count(), updates);
    }
    let text = std::fs::read_to_string(&runs).unwrap();
    assert_eq!(text.lines().count(), 2, "one respawn only: {text}");
    let log = daemon.log();
    assert_eq!(spawns(&log, "once"), 2, "{log}");
    assert!(log.contains("process once ended"), "{log}");
}

/// A helper that keeps dying is started at most five times in one 64-second
/// window; the sixth start ends the daemon with exit code 1 (ExaBGP's
/// `Too many death` and its "process" exit code). Its route is never
/// withdrawn meanwhile.
#[test]
fn helper_dying_too_often_ends_the_daemon() {
    let _serial = serial();
    let dir = scratch("deaths");
    let (listener, port) = listen();
    let runs = dir.join("runs");
    let go = dir.join("go");
    // Each run announces, then exits once the test says so.
    script(
        &dir,
        "dying.sh",
        &format!(
            "echo $$ >> {runs}\n\
             echo 'announce route 10.9.0.0/16 next-hop 127.0.0.1'\n\
             while [ ! -e {go} ]; do sleep 0.05; done\n\
             exit 3",
            runs = runs.display(),
            go = go.display()
        ),
    );
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process dying {{ run {}; encoder text; }}\n{}",
            dir.join("dying.sh").display(),
            neighbor("api { processes [ dying ]; }")
        ),
        0o644,
    );
    let mut daemon = Daemon::start(&dir, &conf, port, &[]);
    let peer = Peer::accept(&listener);
    let route = prefix(0x0a09_0000, 16);
    wait_for("10.9.0.0/16 at the peer", Duration::from_secs(10), || {
        peer.seen().announced.contains(&route).then_some(())
    });
    std::fs::write(&go, "").unwrap();
    let code = daemon.wait(Duration::from_secs(20));
    let log = daemon.log();
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Too many death for dying (5) terminating program"), "{log}");
    assert_eq!(spawns(&log, "dying"), 6, "{log}");
    let runs = std::fs::read_to_string(&runs).unwrap();
    assert_eq!(runs.lines().count(), 6, "{runs}");
    assert!(peer.seen().withdrawn.is_empty());
}

/// With `exabgp.api.respawn=false` a helper that exits stays gone; the
/// daemon, the session and the route the helper announced stay.
#[test]
fn no_respawn_keeps_the_daemon_and_the_routes() {
    let _serial = serial();
    let dir = scratch("norespawn");
    let (listener, port) = listen();
    let runs = dir.join("runs");
    script(
        &dir,
        "once.sh",
        &format!(
            "echo $$ >> {}\necho 'announce route 10.9.0.0/16 next-hop 127.0.0.1'\nsleep 0.5\nexit 0",
            runs.display()
        ),
    );
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process once {{ run {}; encoder text; }}\n{}",
            dir.join("once.sh").display(),
            neighbor("api { processes [ once ]; }")
        ),
        0o644,
    );
    let mut daemon = Daemon::start(&dir, &conf, port, &[("exabgp_api_respawn", "false")]);
    let peer = Peer::accept(&listener);
    let route = prefix(0x0a09_0000, 16);
    wait_for("10.9.0.0/16 at the peer", Duration::from_secs(10), || {
        peer.seen().announced.contains(&route).then_some(())
    });
    std::thread::sleep(Duration::from_secs(u64::from(HOLD) + 1));
    peer.assert_healthy("after the helper left");
    assert!(peer.seen().withdrawn.is_empty());
    assert_eq!(daemon.exited(), None);
    assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 1);
    assert_eq!(spawns(&daemon.log(), "once"), 1);
}

/// `run` naming a missing or non-executable file: like ExaBGP, the
/// configuration is refused (exit 1) with the reason and the path.
#[test]
fn helper_that_cannot_be_found_or_run_is_a_configuration_error() {
    let _serial = serial();
    let dir = scratch("badpath");
    let plain = write(&dir, "plain.sh", "#!/bin/sh\nexit 0\n", 0o644);
    let cases = [
        (dir.join("missing.sh"), "can not locate the program"),
        (plain, "exabgp will not be able to run this program"),
    ];
    for (i, (program, reason)) in cases.iter().enumerate() {
        let conf = write(
            &dir,
            &format!("{i}.conf"),
            &format!("process broken {{ run {}; encoder text; }}\n{}", program.display(), neighbor("")),
            0o644,
        );
        let mut daemon = Daemon::start(&dir, &conf, 1, &[]);
        let code = daemon.wait(Duration::from_secs(10));
        let log = daemon.log();
        assert_eq!(code, Some(1), "{log}");
        assert!(log.contains(reason), "{reason:?} not in:\n{log}");
        assert!(log.contains(&program.display().to_string()), "{log}");
    }
}

/// A helper that passes the configuration's checks but cannot be executed
/// (its interpreter is missing): ExaBGP marks it broken, logs it, and stops
/// every peer while it is broken (or exits 1 with `exabgp.api.terminate`).
#[test]
fn helper_that_fails_to_start_stops_the_peers() {
    let _serial = serial();
    let dir = scratch("badexec");
    let (listener, port) = listen();
    let program = write(&dir, "noexec.sh", "#!/nonexistent/interpreter\n", 0o755);
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process broken {{ run {}; encoder text; }}\n{}",
            program.display(),
            neighbor("api { processes [ broken ]; }")
        ),
        0o644,
    );
    // tcp.connections 0 (the default, unlike the functional harness's 1):
    // a daemon whose peers all stopped then stays up, as ExaBGP's does.
    let mut daemon = Daemon::start(&dir, &conf, port, &[("exabgp_tcp_connections", "0")]);
    wait_for("the peer to stop", Duration::from_secs(10), || {
        daemon.log().contains("ExaBGP lost the helper process for this peer - stopping").then_some(())
    });
    let log = daemon.log();
    assert!(log.contains("could not start process broken: No such file or directory"), "{log}");
    // Whatever connection was made before the peer stopped is dropped, and
    // no new one comes.
    listener.set_nonblocking(true).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    while listener.accept().is_ok() {}
    std::thread::sleep(Duration::from_secs(3));
    assert!(listener.accept().is_err(), "the stopped peer connected again");
    assert_eq!(daemon.exited(), None, "the daemon keeps running:\n{}", daemon.log());
    drop(daemon);

    let mut daemon = Daemon::start(&dir, &conf, port, &[("exabgp_api_terminate", "true")]);
    let code = daemon.wait(Duration::from_secs(10));
    let log = daemon.log();
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("could not start process broken"), "{log}");
}

/// The /32s of each UPDATE in a helper's `packets` events (`"body": "0x…"`),
/// as offsets from 100.0.0.0, in order.
fn packet_prefixes(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(at) = line.find("\"body\": \"0x") else { continue };
        let hex = &line[at + 11..];
        let hex = &hex[..hex.find('"').unwrap_or(hex.len())];
        let body: Vec<u8> = (0..hex.len() / 2)
            .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        let mut message = vec![0xff; 16];
        message.extend([0, 0, 2]);
        message.extend(body);
        let mut seen = Seen::default();
        record_update(&message, &mut seen);
        out.extend(seen.announced.iter().map(|p| ((p >> 8) as u32).wrapping_sub(0x6400_0000)));
    }
    out
}

/// The queue limit reached: a helper stopped for good while large UPDATEs
/// keep coming. The documented outcome (README, "Process API"): the line
/// that does not fit is refused, the overflow is logged and counted, the
/// helper is terminated and respawned; the first instance got a gap-free
/// run of events from the start, the second a gap-free run to the end, and
/// the lines in between are counted as dropped. The session never notices.
#[test]
fn stopped_helper_overflowing_its_queue_is_restarted() {
    let _serial = serial();
    let dir = scratch("overflow");
    let (listener, port) = listen();
    let pids = dir.join("pids");
    script(
        &dir,
        "collect.sh",
        &format!("echo $$ >> {}\nexec cat 3>&1 > {}/events.$$", pids.display(), dir.display()),
    );
    // Raw packets only: the cheapest events to make, so that the 64 MiB
    // limit is reached in seconds even by a debug build.
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process collect {{ run {}; encoder json; }}\n{}",
            dir.join("collect.sh").display(),
            // Without adj-rib-in: millions of distinct prefixes would grow its
            // table, whose rehashes stall the loop (not what this tests).
            neighbor("adj-rib-in false; api { processes [ collect ]; receive { packets; update; } }")
        ),
        0o644,
    );
    let daemon = Daemon::start(&dir, &conf, port, &[]);
    let first = read_pid(&pids);
    let mut peer = Peer::accept(&listener);
    let events = |pid: i32| std::fs::read_to_string(dir.join(format!("events.{pid}"))).unwrap_or_default();
    // Near full-size UPDATEs (4,094 bytes, 810 prefixes), 8 MB/s at most;
    // the helper stops once it has seen some.
    let sent = peer.stream(810, 20);
    wait_for("the first events", Duration::from_secs(10), || (!packet_prefixes(&events(first)).is_empty()).then_some(()));
    signal(first, libc::SIGSTOP);
    let start = Instant::now();
    let mut hwm = 0;
    loop {
        std::thread::sleep(Duration::from_millis(250));
        hwm = hwm.max(daemon.memory().1);
        peer.assert_healthy("while the queue fills");
        if daemon.log().contains("write queue full") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no overflow after 30 s ({} prefixes, VmRSS {} KiB)", *sent.lock().unwrap(), daemon.memory().0);
    }
    let filled = start.elapsed();
    let second = wait_for("the respawn", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&pids).ok()?;
        text.lines().nth(1)?.trim().parse::<i32>().ok()
    });
    std::thread::sleep(Duration::from_secs(1));
    peer.stop_stream.store(true, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(100));
    let total = *sent.lock().unwrap();
    wait_for("the first helper to be gone", Duration::from_secs(5), || (!alive(first)).then_some(()));

    let last = total - 1;
    let got = wait_for("the second helper to catch up", Duration::from_secs(20), || {
        let got = packet_prefixes(&events(second));
        (got.last() == Some(&last)).then_some(got)
    });
    let worst = peer.assert_healthy("after the overflow");
    hwm = hwm.max(daemon.memory().1);
    let before = packet_prefixes(&events(first));
    assert!(!before.is_empty());
    assert!(before.iter().enumerate().all(|(i, &p)| p as usize == i), "the first instance's events have a gap");
    let from = got.first().copied().unwrap_or(0);
    assert!(got.iter().enumerate().all(|(i, &p)| p == from + i as u32), "the second instance's events have a gap");
    assert!(from as usize > before.len(), "events lost in the overflow were delivered");
    let log = daemon.log();
    assert_eq!(log.matches("write queue full").count(), 1, "{log}");
    assert!(log.contains("overflow 1: the helper is restarted"), "{log}");
    assert!(log.contains("were dropped while it was down"), "{log}");
    assert_eq!(spawns(&log, "collect"), 2);
    eprintln!(
        "overflow: after {filled:?}; {total} prefixes sent, first instance got {}, second from {from}, {} dropped; \
         worst KEEPALIVE gap {worst:?}, VmHWM {hwm} KiB",
        before.len(),
        from as usize - before.len()
    );
    // The 64 MiB queue and the rest of the daemon (measured: 73-76 MiB),
    // with room for a reallocation while the queue grows.
    assert!(hwm < 128 * 1024, "VmHWM {hwm} KiB");
}

/// SIGTERM while a stopped helper has a backlog: the daemon does not wait for
/// it to read (0.1 s, then SIGTERM, then SIGKILL after 2 s) and exits 0.
#[test]
fn shutdown_does_not_wait_for_a_stopped_helper() {
    let _serial = serial();
    let dir = scratch("shutdown");
    let (listener, port) = listen();
    let pid_file = dir.join("helper.pid");
    script(&dir, "collect.sh", &format!("echo $$ > {}\nexec cat 3>&1 > /dev/null", pid_file.display()));
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process collect {{ run {}; encoder json; }}\n{}",
            dir.join("collect.sh").display(),
            neighbor("api { processes [ collect ]; receive { parsed; update; } }")
        ),
        0o644,
    );
    let mut daemon = Daemon::start(&dir, &conf, port, &[]);
    let helper = read_pid(&pid_file);
    let mut peer = Peer::accept(&listener);
    signal(helper, libc::SIGSTOP);
    let _sent = peer.stream(10, 10);
    std::thread::sleep(Duration::from_secs(2));
    peer.assert_healthy("before the shutdown");
    signal(daemon.pid(), libc::SIGTERM);
    let start = Instant::now();
    let code = daemon.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{}", daemon.log());
    assert!(start.elapsed() < Duration::from_secs(5), "shutdown took {:?}", start.elapsed());
    wait_for("the helper to be gone", Duration::from_secs(5), || (!alive(helper)).then_some(()));
}
