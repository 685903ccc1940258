//! Start a daemon under test, watch it, and read what it cost from /proc.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Which daemon a measurement is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSpec {
    /// "ours" or "exabgp" (the reference).
    pub label: String,
    pub path: PathBuf,
}

/// Peak resident set and CPU time of the daemon process itself (its helper
/// processes are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub peak_rss_kib: u64,
    pub cpu_s: f64,
}

pub struct Daemon {
    child: Option<Child>,
    pub pid: u32,
    pub started: SystemTime,
    log: PathBuf,
}

/// Environment every daemon gets, so both read the same settings: connect
/// to the load peer's port, do not listen, keep the current user (no drop
/// to `nobody`, which could not read the temp dir), no CLI pipes.
pub fn environment(port: u16) -> Vec<(String, String)> {
    let user = current_user().unwrap_or_else(|| "root".to_string());
    vec![
        ("exabgp_tcp_port".into(), port.to_string()),
        ("exabgp_tcp_bind".into(), String::new()),
        ("exabgp_daemon_user".into(), user),
        ("exabgp_daemon_drop".into(), "false".into()),
        ("exabgp_daemon_daemonize".into(), "false".into()),
        ("exabgp_api_cli".into(), "false".into()),
        ("exabgp_log_destination".into(), "stdout".into()),
        ("exabgp_log_level".into(), "INFO".into()),
    ]
}

fn current_user() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy the name out at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr((*pw).pw_name).to_str().ok().map(str::to_string)
    }
}

impl Daemon {
    /// `<path> server <conf>` in `dir`, output to `dir/<label>.log`, in a
    /// process group of its own so its helpers are stopped with it.
    pub fn spawn(spec: &DaemonSpec, conf: &Path, env: &[(String, String)], dir: &Path) -> Result<Daemon, String> {
        let log = dir.join(format!("{}.log", spec.label));
        let out = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("cannot dup log: {e}"))?;
        let mut cmd = Command::new(&spec.path);
        cmd.arg("server").arg(conf).current_dir(dir).stdin(Stdio::null()).stdout(out).stderr(err).process_group(0);
        for (key, _) in std::env::vars_os() {
            if let Some(k) = key.to_str() {
                if k.to_ascii_lowercase().starts_with("exabgp") {
                    cmd.env_remove(k);
                }
            }
        }
        cmd.env("PYTHONUNBUFFERED", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = SystemTime::now();
        let child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", spec.path.display()))?;
        Ok(Daemon { pid: child.id(), child: Some(child), started, log })
    }

    /// If the daemon has exited: how, with the end of its output.
    pub fn exited(&mut self) -> Option<String> {
        let child = self.child.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => Some(format!("daemon exited ({status}): {}", self.log_tail())),
            Ok(None) => None,
            Err(e) => Some(format!("cannot wait for daemon: {e}")),
        }
    }

    /// The last meaningful line of the daemon's output.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(2000)));
            let _ = f.read_to_string(&mut text);
        }
        let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(no output)");
        line.trim().chars().take(200).collect()
    }

    pub fn usage(&self) -> Result<Usage, String> {
        usage_of(self.pid)
    }

    /// SIGTERM the group, then SIGKILL it if it lingers.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let group = -(self.pid as i32);
        // SAFETY: plain kill(2) on the process group we created.
        unsafe {
            libc::kill(group, libc::SIGTERM);
        }
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(20)),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
        // helpers left behind in the group
        // SAFETY: as above.
        unsafe {
            libc::kill(group, libc::SIGKILL);
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// VmHWM from /proc/<pid>/status and utime+stime from /proc/<pid>/stat.
pub fn usage_of(pid: u32) -> Result<Usage, String> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    let peak_rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no VmHWM for {pid}"))?;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    // the command name may hold spaces and parentheses: fields restart after the last ')'
    let rest = stat.rsplit_once(')').map(|(_, r)| r).ok_or_else(|| format!("bad /proc/{pid}/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| format!("bad /proc/{pid}/stat"));
    // utime and stime are fields 14 and 15 of stat(5); `rest` starts at field 3
    let (utime, stime) = (ticks(11)?, ticks(12)?);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = if hz > 0 { hz as f64 } else { 100.0 };
    Ok(Usage { peak_rss_kib, cpu_s: (utime + stime) as f64 / hz })
}

/// Is `path` the reference (a Python entry point) rather than a native binary?
pub fn is_python_script(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let Ok(mut f) = File::open(path) else { return false };
    let n = f.read(&mut head).unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"#!") && head.windows(6).any(|w| w == b"python")
}

/// First executable called `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| {
        fs::metadata(p).map(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        }).unwrap_or(false)
    })
}

/// Our daemon next to the bench binary (target/<profile>/exabgp), also when
/// the bench runs as a test from target/<profile>/deps.
pub fn default_ours() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        let mut dir = exe.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            let candidate = d.join("exabgp");
            if candidate.is_file() {
                return candidate;
            }
            if d.file_name().map(|n| n == "target").unwrap_or(false) {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    PathBuf::from("target/debug/exabgp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_of_self() {
        let u = usage_of(std::process::id()).expect("usage");
        assert!(u.peak_rss_kib > 0);
        assert!(u.cpu_s >= 0.0);
    }

    #[test]
    fn a_failing_daemon_is_reported_not_fatal() {
        let dir = std::env::temp_dir().join(format!("exabgp-bench-daemon-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("dir");
        let spec = DaemonSpec { label: "false".into(), path: PathBuf::from("/bin/false") };
        let mut d = Daemon::spawn(&spec, Path::new("/dev/null"), &environment(1), &dir).expect("spawn");
        let until = Instant::now() + Duration::from_secs(10);
        let why = loop {
            if let Some(why) = d.exited() {
                break why;
            }
            assert!(Instant::now() < until);
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(why.contains("daemon exited"), "{why}");
        d.stop();
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn environment_points_at_the_port() {
        let env = environment(4242);
        assert!(env.contains(&("exabgp_tcp_port".to_string(), "4242".to_string())));
    }
}
