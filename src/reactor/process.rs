//! Helper processes of the API (ExaBGP `reactor/api/processes.py`).
//!
//! Spawning (api.md §1.2): argv is the `run` tokens, executed directly (no
//! shell); stdin and stdout are pipes, stderr is inherited (ExaBGP does not
//! redirect it; `StderrMode::Log` is offered for daemons without a terminal);
//! the child gets `TERM=dumb` and its own process group, so a ^C on the
//! daemon's terminal does not reach it.
//!
//! Reading: stdout is framed into lines, right-stripped. A byte outside
//! ASCII, EOF or a read error is a *process problem*: the child is terminated
//! and, when respawn is on, started again at once. Lines starting `debug ` are
//! only logged.
//!
//! Respawn limit (api.md §1.4): spawns are counted per 64-second window,
//! the first spawn included; the sixth in one window is fatal for the daemon
//! (`Spawned::TooManyDeaths`), the child having been started already.
//!
//! Writing, and why it cannot block: ExaBGP writes to a helper with a blocking
//! write, so a helper that stops reading freezes the whole daemon (no
//! KEEPALIVE goes out, every session drops after its hold time). Here each
//! helper has its own queue, flushed when the pipe is writable, in order.
//!  * The queue grows while the helper is behind, up to `write_limit` bytes
//!    (default 64 MiB, about 200,000 JSON UPDATE events). Producers are not
//!    paused: pausing a peer's reads would also stop reading its KEEPALIVEs
//!    and its hold timer would end the session, which is what this avoids.
//!    Above `HIGH_WATER` bytes `write_line` says `Backlogged`, for callers
//!    that can slow down on their own.
//!  * A line that would pass `write_limit` is refused (`Overflow`): it is
//!    logged (error, with the overflow count) and the helper counts as broken
//!    (a process problem): the reactor terminates it and respawns it under the
//!    respawn rules. Lines still queued for it are dropped with it, and so
//!    are lines written while no instance runs (between the death and the
//!    respawn, or for good without respawn). Every dropped line is counted
//!    (`dropped_lines`); the count is logged when the next instance starts.
//!    What an instance receives is always a gap-free, in-order run of lines.
//!  * After a backlog drained, a queue buffer larger than `HIGH_WATER` is
//!    released, so a spike does not keep its memory.
//!
//! Termination: SIGTERM, then SIGKILL 2 s later if it is still there (the
//! reactor keeps dying children in a graveyard and reaps them from a timer).

use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use mio::unix::pipe::{Receiver, Sender};

/// ExaBGP: at most five spawns per window when `api.respawn` is on.
pub const RESPAWN_LIMIT: u32 = 5;
/// Spawns are counted in aligned windows of this many seconds.
pub const RESPAWN_WINDOW_SECS: u64 = 64;
/// From SIGTERM to SIGKILL.
pub const KILL_AFTER: Duration = Duration::from_secs(2);
/// Queued bytes above which a helper is backlogged.
pub const HIGH_WATER: usize = 1024 * 1024;
/// Queued bytes past which the helper is considered broken.
pub const DEFAULT_WRITE_LIMIT: usize = 64 * 1024 * 1024;
/// ExaBGP reads at most this much at once.
const READ_CHUNK: usize = 16 * 1024;
/// Bytes read per turn before giving others a go.
const READ_BUDGET: usize = 256 * 1024;
/// A line longer than this without a newline is a process problem.
const MAX_LINE: usize = 16 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StderrMode {
    /// The daemon's own stderr (ExaBGP).
    #[default]
    Inherit,
    /// Read through a pipe and logged line by line (target `process`).
    Log,
}

/// A `process` section, as far as spawning is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSpec {
    pub name: String,
    /// Program and arguments, resolved by the configuration.
    pub argv: Vec<String>,
    /// The section's `respawn` (default true).
    pub respawn: bool,
    pub stderr: StderrMode,
}

/// Why a helper counts as having a problem.
#[derive(Debug)]
pub enum Problem {
    /// stdout reached EOF (the helper exited or closed it).
    Eof,
    NotAscii,
    LineTooLong,
    Io(io::Error),
    /// The write queue passed `write_limit`.
    Overflow,
}

/// Result of queueing one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStatus {
    Queued,
    /// Queued, but the helper is behind: pause producers.
    Backlogged,
    /// Refused: the helper is broken (see the module notes).
    Overflow,
    /// No helper is running.
    NotRunning,
}

/// Result of a spawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spawned {
    Ok,
    /// Sixth spawn in one window: ExaBGP exits (`Too many death for …`).
    TooManyDeaths,
}

/// What a read turn produced besides lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ReadStatus {
    /// The budget ran out: read again next turn.
    pub more: bool,
}

#[derive(Debug)]
pub struct Process {
    spec: ProcessSpec,
    child: Option<Child>,
    stdout: Option<Receiver>,
    stdin: Option<Sender>,
    stderr: Option<Receiver>,
    rx: Vec<u8>,
    err_rx: Vec<u8>,
    tx: BytesMut,
    /// Lines in `tx` (a partly written one included), kept as lines are
    /// queued and written: counting them at once in a 64 MiB queue would
    /// stall the loop.
    tx_lines: u64,
    write_limit: usize,
    /// (window start, spawns in it).
    spawns: Option<(u64, u32)>,
    respawn_limit: u32,
    /// Times the queue passed `write_limit`.
    overflows: u64,
    /// Lines that never reached a helper (see the module notes).
    dropped: u64,
    /// `dropped` when it was last logged.
    dropped_logged: u64,
}

// ===== impl Process =====

impl Process {
    /// `respawn_enabled` is the global `api.respawn` (false: limit 0, never
    /// respawn).
    pub fn new(spec: ProcessSpec, respawn_enabled: bool) -> Process {
        Process {
            spec,
            child: None,
            stdout: None,
            stdin: None,
            stderr: None,
            rx: Vec::new(),
            err_rx: Vec::new(),
            tx: BytesMut::new(),
            tx_lines: 0,
            write_limit: DEFAULT_WRITE_LIMIT,
            spawns: None,
            respawn_limit: if respawn_enabled { RESPAWN_LIMIT } else { 0 },
            overflows: 0,
            dropped: 0,
            dropped_logged: 0,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn spec(&self) -> &ProcessSpec {
        &self.spec
    }

    pub fn set_write_limit(&mut self, limit: usize) {
        self.write_limit = limit;
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Whether a problem should lead to a new spawn.
    pub fn should_respawn(&self) -> bool {
        self.respawn_limit != 0 && self.spec.respawn
    }

    /// Starts the helper. `uptime_secs` is monotonic seconds (the reactor's
    /// clock since it started), bucketed into 64-second windows.
    pub fn spawn(&mut self, uptime_secs: u64) -> io::Result<Spawned> {
        let (program, args) = match self.spec.argv.split_first() {
            Some(split) => split,
            None => return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty command line")),
        };
        let mut command = Command::new(program);
        command
            .args(args)
            // Keeps terminal libraries from writing escape codes into the pipe.
            .env("TERM", "dumb")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match self.spec.stderr {
                StderrMode::Inherit => Stdio::inherit(),
                StderrMode::Log => Stdio::piped(),
            })
            .process_group(0);
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().map(Receiver::from);
        let stdin = child.stdin.take().map(Sender::from);
        let stderr = child.stderr.take().map(Receiver::from);
        // mio's conversions leave the pipes blocking.
        for pipe in [&stdout, &stderr].into_iter().flatten() {
            pipe.set_nonblocking(true)?;
        }
        if let Some(pipe) = &stdin {
            pipe.set_nonblocking(true)?;
        }
        log::debug!(target: "process", "forked process {}", self.spec.name);
        if self.dropped > self.dropped_logged {
            log::warn!(
                target: "process",
                "{}: {} line(s) for it were dropped while it was down ({} since the daemon started, {} write queue overflow(s))",
                self.spec.name,
                self.dropped - self.dropped_logged,
                self.dropped,
                self.overflows
            );
            self.dropped_logged = self.dropped;
        }
        self.child = Some(child);
        self.stdout = stdout;
        self.stdin = stdin;
        self.stderr = stderr;
        self.rx.clear();
        self.err_rx.clear();
        self.tx.clear();
        self.tx_lines = 0;

        let window = uptime_secs & !(RESPAWN_WINDOW_SECS - 1);
        let count = match self.spawns {
            Some((w, n)) if w == window => n + 1,
            _ => 1,
        };
        self.spawns = Some((window, count));
        if count > self.respawn_limit.max(1) {
            // The daemon is going down: this instance dying meanwhile (its
            // pipes are still polled while the daemon shuts down) must not
            // start a seventh.
            log::error!(
                target: "process",
                "Too many death for {} ({}) terminating program",
                self.spec.name,
                self.respawn_limit
            );
            self.respawn_limit = 0;
            return Ok(Spawned::TooManyDeaths);
        }
        Ok(Spawned::Ok)
    }

    pub fn stdout_mut(&mut self) -> Option<&mut Receiver> {
        self.stdout.as_mut()
    }

    pub fn stdin_mut(&mut self) -> Option<&mut Sender> {
        self.stdin.as_mut()
    }

    pub fn stderr_mut(&mut self) -> Option<&mut Receiver> {
        self.stderr.as_mut()
    }

    /// Reads stdout until WouldBlock or the budget, pushing whole lines.
    pub fn read_lines(&mut self, lines: &mut Lines) -> Result<ReadStatus, Problem> {
        let mut total = 0;
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            if total >= READ_BUDGET {
                return Ok(ReadStatus { more: true });
            }
            let Some(stdout) = self.stdout.as_mut() else {
                return Ok(ReadStatus::default());
            };
            match stdout.read(&mut chunk) {
                Ok(0) => {
                    self.take_lines(lines);
                    return Err(Problem::Eof);
                }
                Ok(n) => {
                    let data = &chunk[..n];
                    // ExaBGP decodes what it reads as ASCII and treats a
                    // failure as a process problem.
                    if !data.is_ascii() {
                        return Err(Problem::NotAscii);
                    }
                    total += n;
                    self.rx.extend_from_slice(data);
                    self.take_lines(lines);
                    if self.rx.len() > MAX_LINE {
                        return Err(Problem::LineTooLong);
                    }
                }
                Err(e) => match e.kind() {
                    io::ErrorKind::WouldBlock => return Ok(ReadStatus::default()),
                    io::ErrorKind::Interrupted => continue,
                    _ => return Err(Problem::Io(e)),
                },
            }
        }
    }

    fn take_lines(&mut self, lines: &mut Lines) {
        let mut start = 0;
        while let Some(pos) = self.rx.get(start..).and_then(find_newline) {
            let raw = self.rx.get(start..start + pos).unwrap_or(&[]);
            start += pos + 1;
            // Checked ASCII on the way in, so this is valid UTF-8; the
            // lossy decoder is the fallback only (it is slow per byte).
            let line = match std::str::from_utf8(raw) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(raw),
            };
            let line = line.trim_end();
            if let Some(debug) = line.strip_prefix("debug ") {
                log::warn!(target: "api", "debug info from {} : {} ", self.spec.name, debug);
            } else {
                lines.push(line);
            }
        }
        self.rx.drain(..start);
    }

    /// Reads stderr (in `StderrMode::Log`) and logs each line.
    pub fn drain_stderr(&mut self) -> Result<(), Problem> {
        let Some(stderr) = self.stderr.as_mut() else {
            return Ok(());
        };
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            match stderr.read(&mut chunk) {
                // EOF: the pipe stays until the process entry closes it, so
                // that it is deregistered before it is dropped.
                Ok(0) => return Ok(()),
                Ok(n) => {
                    self.err_rx.extend_from_slice(&chunk[..n]);
                    while let Some(pos) = self.err_rx.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = self.err_rx.drain(..=pos).collect();
                        let text = String::from_utf8_lossy(&line);
                        log::warn!(target: "process", "{} stderr: {}", self.spec.name, text.trim_end());
                    }
                    if self.err_rx.len() > READ_BUDGET {
                        self.err_rx.clear();
                    }
                }
                Err(e) => match e.kind() {
                    io::ErrorKind::WouldBlock => return Ok(()),
                    io::ErrorKind::Interrupted => continue,
                    _ => return Err(Problem::Io(e)),
                },
            }
        }
    }

    /// Queues `line` and a newline (see the module notes for the policy).
    pub fn write_line(&mut self, line: &str) -> WriteStatus {
        if self.stdin.is_none() {
            self.dropped += 1;
            return WriteStatus::NotRunning;
        }
        if self.tx.len() + line.len() + 1 > self.write_limit {
            self.overflows += 1;
            self.dropped += 1;
            log::error!(
                target: "process",
                "{}: write queue full ({} bytes queued, limit {}), overflow {}: the helper is restarted, the line and what is queued are dropped",
                self.spec.name,
                self.tx.len(),
                self.write_limit,
                self.overflows
            );
            return WriteStatus::Overflow;
        }
        self.tx.extend_from_slice(line.as_bytes());
        self.tx.extend_from_slice(b"\n");
        self.tx_lines += 1;
        if self.tx.len() > HIGH_WATER {
            WriteStatus::Backlogged
        } else {
            WriteStatus::Queued
        }
    }

    /// Times the write queue passed `write_limit` (each restarted the helper).
    pub fn overflows(&self) -> u64 {
        self.overflows
    }

    /// Lines that never reached an instance of the helper: refused on
    /// overflow, still queued when it was terminated, or written while it
    /// was not running.
    pub fn dropped_lines(&self) -> u64 {
        self.dropped
    }

    pub fn queued_bytes(&self) -> usize {
        self.tx.len()
    }

    pub fn is_backlogged(&self) -> bool {
        self.tx.len() > HIGH_WATER
    }

    /// Writes until the queue is empty (`Ok(true)`) or the pipe is full
    /// (`Ok(false)`). EPIPE and other errors are process problems.
    pub fn flush(&mut self) -> Result<bool, Problem> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Ok(true);
        };
        while !self.tx.is_empty() {
            match stdin.write(&self.tx) {
                Ok(0) => return Err(Problem::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    if n >= self.tx.len() {
                        // All written (the usual case): nothing to count.
                        self.tx_lines = 0;
                    } else {
                        let written = self.tx.get(..n).unwrap_or_default();
                        // Saturating: a caller's line may hold a newline of its own.
                        let done = written.iter().filter(|&&b| b == b'\n').count() as u64;
                        self.tx_lines = self.tx_lines.saturating_sub(done);
                    }
                    self.tx.advance(n);
                }
                Err(e) => match e.kind() {
                    io::ErrorKind::WouldBlock => return Ok(false),
                    io::ErrorKind::Interrupted => continue,
                    _ => return Err(Problem::Io(e)),
                },
            }
        }
        // A drained backlog gives its memory back.
        if self.tx.capacity() > HIGH_WATER {
            self.tx = BytesMut::new();
        }
        Ok(true)
    }

    /// Closes the pipes and sends SIGTERM; the caller keeps the child until
    /// it is reaped (`Dying`). The pipes must be deregistered first.
    pub fn terminate(&mut self, now: Instant) -> Option<Dying> {
        self.stdout = None;
        self.stdin = None;
        self.stderr = None;
        self.dropped += self.tx_lines;
        self.tx_lines = 0;
        self.tx = BytesMut::new();
        self.rx.clear();
        let child = self.child.take()?;
        log::debug!(target: "process", "terminating process {}", self.spec.name);
        signal(&child, libc::SIGTERM);
        Some(Dying {
            name: self.spec.name.clone(),
            child,
            kill_at: now + KILL_AFTER,
            killed: false,
        })
    }
}

/// A terminated helper not yet reaped.
#[derive(Debug)]
pub struct Dying {
    pub name: String,
    child: Child,
    kill_at: Instant,
    killed: bool,
}

impl Dying {
    /// Reaps if it exited, SIGKILLs it once `KILL_AFTER` has passed.
    /// Returns true when it is gone.
    pub fn check(&mut self, now: Instant) -> bool {
        match self.child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) => {}
            // ECHILD: someone else reaped it.
            Err(_) => return true,
        }
        if !self.killed && now >= self.kill_at {
            log::debug!(target: "process", "force kill unresponsive {}", self.name);
            let _ = self.child.kill();
            self.killed = true;
        }
        false
    }

    /// SIGKILL at once (the reactor is going away).
    pub fn kill_now(&mut self) {
        if !self.killed {
            let _ = self.child.kill();
            self.killed = true;
        }
    }

    /// Blocks until the child is gone, for shutdown: SIGKILL at `kill_at`.
    pub fn wait(mut self) {
        loop {
            let now = Instant::now();
            if self.check(now) {
                return;
            }
            if self.killed {
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn signal(child: &Child, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) on a child we have not reaped yet, so the pid is ours.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// Whole lines from a helper, in order: one text buffer and the end of
/// each line, so that reading a million lines does not allocate a million
/// strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lines {
    text: String,
    ends: Vec<usize>,
}

impl Lines {
    pub fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The lines, in the order read.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter().copied()).map(|(a, b)| self.text.get(a..b).unwrap_or(""))
    }
}

/// The position of the first `\n` in `bytes`, eight bytes at a time (a
/// helper's lines are read at up to a million a second).
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = ONES * b'\n' as u64;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ NL;
        // A zero byte in `x` is a newline in the chunk.
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            return chunk.iter().position(|&b| b == b'\n').map(|i| at + i);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&b| b == b'\n').map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(script: &str) -> ProcessSpec {
        ProcessSpec {
            name: "test".into(),
            argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
            respawn: true,
            stderr: StderrMode::Inherit,
        }
    }

    #[test]
    fn sixth_spawn_in_one_window_is_too_many() {
        let mut p = Process::new(spec("exit 0"), true);
        for _ in 0..5 {
            assert_eq!(p.spawn(130).unwrap(), Spawned::Ok);
            if let Some(d) = p.terminate(Instant::now()) {
                d.wait();
            }
        }
        assert_eq!(p.spawn(170).unwrap(), Spawned::TooManyDeaths);
        assert!(!p.should_respawn(), "the daemon exits: no seventh start");
        if let Some(d) = p.terminate(Instant::now()) {
            d.wait();
        }
        // A new window starts counting again.
        assert_eq!(p.spawn(192).unwrap(), Spawned::Ok);
        if let Some(d) = p.terminate(Instant::now()) {
            d.wait();
        }
    }

    #[test]
    fn respawn_disabled_globally_never_respawns() {
        let p = Process::new(spec("exit 0"), false);
        assert!(!p.should_respawn());
        let p = Process::new(ProcessSpec { respawn: false, ..spec("exit 0") }, true);
        assert!(!p.should_respawn());
    }

    #[test]
    fn newlines_are_found_at_every_offset() {
        for len in 0..40 {
            for at in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[at] = b'\n';
                if at + 1 < len {
                    bytes[len - 1] = b'\n';
                }
                assert_eq!(find_newline(&bytes), Some(at), "{len} {at}");
            }
            assert_eq!(find_newline(&vec![0x8a; len]), None);
            assert_eq!(find_newline(&vec![b'b'; len]), None);
        }
    }

    #[test]
    fn lines_are_right_stripped_and_debug_lines_skipped() {
        let mut p = Process::new(spec("exit 0"), true);
        p.rx.extend_from_slice(
            b"announce route 1.0.0.0/8 next-hop 1.1.1.1 \r\ndebug hello\npartial",
        );
        let mut lines = Lines::default();
        p.take_lines(&mut lines);
        assert_eq!(lines.iter().collect::<Vec<_>>(), ["announce route 1.0.0.0/8 next-hop 1.1.1.1"]);
        assert_eq!(p.rx, b"partial");
        p.rx.extend_from_slice(b" one\n\ntwo \n");
        p.take_lines(&mut lines);
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines.iter().collect::<Vec<_>>(),
            ["announce route 1.0.0.0/8 next-hop 1.1.1.1", "partial one", "", "two"]
        );
        assert!(p.rx.is_empty());
    }

    #[test]
    fn write_queue_is_bounded() {
        let mut p = Process::new(spec("exec sleep 5"), true);
        assert_eq!(p.write_line("x"), WriteStatus::NotRunning);
        p.spawn(0).unwrap();
        p.set_write_limit(10);
        assert_eq!(p.write_line("12345"), WriteStatus::Queued);
        assert_eq!(p.write_line("12345"), WriteStatus::Overflow);
        assert_eq!(p.queued_bytes(), 6);
        if let Some(d) = p.terminate(Instant::now()) {
            d.wait();
        }
    }

    #[test]
    fn every_line_that_never_reaches_a_helper_is_counted() {
        let mut p = Process::new(spec("exec sleep 5"), true);
        assert_eq!(p.write_line("before"), WriteStatus::NotRunning);
        p.spawn(0).unwrap();
        p.set_write_limit(16);
        assert_eq!(p.write_line("one"), WriteStatus::Queued);
        assert_eq!(p.write_line("two"), WriteStatus::Queued);
        assert_eq!(p.write_line("far too long a line"), WriteStatus::Overflow);
        assert_eq!((p.overflows(), p.dropped_lines()), (1, 2));
        // The two queued lines go with the terminated instance.
        if let Some(d) = p.terminate(Instant::now()) {
            d.wait();
        }
        assert_eq!(p.dropped_lines(), 4);
        assert_eq!(p.write_line("while down"), WriteStatus::NotRunning);
        assert_eq!(p.dropped_lines(), 5);
        // The next instance starts with an empty queue.
        p.spawn(1).unwrap();
        assert_eq!(p.queued_bytes(), 0);
        assert_eq!(p.write_line("three"), WriteStatus::Queued);
        if let Some(d) = p.terminate(Instant::now()) {
            d.wait();
        }
    }

    #[test]
    fn backlog_is_delivered_in_order_and_its_memory_released() {
        let out = std::env::temp_dir().join(format!("exabgp-process-backlog-{}", std::process::id()));
        let mut p = Process::new(spec(&format!("exec cat > {}", out.display())), true);
        p.spawn(0).unwrap();
        let mut backlogged = false;
        for i in 0..40_000 {
            backlogged |= p.write_line(&format!("{i:099}")) == WriteStatus::Backlogged;
        }
        assert!(backlogged && p.is_backlogged());
        let start = Instant::now();
        while !p.flush().unwrap() {
            assert!(start.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(p.queued_bytes(), 0);
        assert!(p.tx.capacity() <= HIGH_WATER);
        assert_eq!(p.dropped_lines(), 0);
        // Closing stdin lets `cat` finish the file and exit by itself.
        p.stdin = None;
        while p.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None))) {
            assert!(start.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some(d) = p.terminate(Instant::now()) {
            d.wait();
        }
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let _ = std::fs::remove_file(&out);
        let mut n = 0;
        for (i, line) in text.lines().enumerate() {
            assert_eq!(line, format!("{i:099}"));
            n += 1;
        }
        assert_eq!(n, 40_000);
    }

    #[test]
    fn helper_ignoring_sigterm_is_killed_after_the_grace_period() {
        let mut p = Process::new(spec("trap '' TERM; exec sleep 30"), true);
        p.spawn(0).unwrap();
        // Give the shell time to install its trap before SIGTERM arrives.
        std::thread::sleep(Duration::from_millis(50));
        let now = Instant::now();
        let mut dying = p.terminate(now).unwrap();
        assert!(!p.is_running());
        assert!(!dying.check(now), "SIGTERM is ignored");
        let later = now + KILL_AFTER;
        let start = Instant::now();
        while !dying.check(later) {
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn cooperative_helper_exits_on_sigterm() {
        let mut p = Process::new(spec("exec sleep 30"), true);
        p.spawn(0).unwrap();
        let now = Instant::now();
        let mut dying = p.terminate(now).unwrap();
        let start = Instant::now();
        while !dying.check(now) {
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn empty_command_line_is_an_error() {
        let mut p = Process::new(ProcessSpec { argv: vec![], ..spec("") }, true);
        assert!(p.spawn(0).is_err());
    }
}
