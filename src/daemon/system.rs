//! The process-level chores of ExaBGP's `reactor/daemon.py`: working
//! directory and umask, PID file, detaching from the terminal and dropping
//! root privileges (configuration.md §19.2, `daemon.*`).

use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// ExaBGP creates the PID file rw-r--r--.
const PID_MODE: u32 = 0o644;

/// `chdir /` and the configured umask, as ExaBGP does before anything else
/// (so helpers run from `/` and log files get `daemon.umask`).
pub fn enter(umask: u32) {
    // SAFETY: umask only changes this process's file creation mask.
    unsafe {
        libc::umask(umask as libc::mode_t);
    }
    if let Err(e) = std::env::set_current_dir("/") {
        log::debug!(target: "daemon", "could not change directory to /: {}", e);
    }
}

/// Whether `pid` names a live process (EPERM counts as alive).
pub fn pid_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The PID file of `daemon.pid`, removed again on shutdown.
#[derive(Debug, Default)]
pub struct PidFile {
    path: Option<PathBuf>,
    saved: bool,
}

/// Why the PID file could not be written (ExaBGP exits 1).
#[derive(Debug)]
pub enum PidError {
    /// It exists and names a live process.
    Running(PathBuf),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for PidError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PidError::Running(p) => write!(
                f,
                "PIDfile already exists and program still running {}",
                p.display()
            ),
            PidError::Io(p, e) => {
                write!(
                    f,
                    "issue accessing PID file {} (most likely permission or ownership): {}",
                    p.display(),
                    e
                )
            }
        }
    }
}

impl PidFile {
    /// `path` empty: no PID file.
    pub fn new(path: &str) -> PidFile {
        PidFile {
            path: (!path.is_empty()).then(|| PathBuf::from(path)),
            saved: false,
        }
    }

    /// Creates the file exclusively; a stale file (its pid is dead or
    /// unreadable as a pid is an error) is overwritten.
    pub fn save(&mut self) -> Result<(), PidError> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let pid = std::process::id();
        let file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PID_MODE)
            .open(&path)
        {
            Ok(f) => f,
            Err(_) => {
                let text = fs::read_to_string(&path).map_err(|e| PidError::Io(path.clone(), e))?;
                let old: i32 = text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .parse()
                    .map_err(|_| {
                        PidError::Io(
                            path.clone(),
                            io::Error::new(io::ErrorKind::InvalidData, "not a pid"),
                        )
                    })?;
                if pid_alive(old) {
                    return Err(PidError::Running(path));
                }
                OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .mode(PID_MODE)
                    .open(&path)
                    .map_err(|e| PidError::Io(path.clone(), e))?
            }
        };
        let mut file = file;
        file.write_all(format!("{pid}\n").as_bytes())
            .map_err(|e| PidError::Io(path.clone(), e))?;
        self.saved = true;
        log::warn!(target: "daemon", "Created PIDfile {} with value {}", path.display(), pid);
        Ok(())
    }

    /// Removes the file if we wrote it.
    pub fn remove(&mut self) {
        let Some(path) = self.path.as_deref() else {
            return;
        };
        if !self.saved {
            return;
        }
        self.saved = false;
        match fs::remove_file(path) {
            Ok(()) => log::debug!(target: "daemon", "Removed PIDfile {}", path.display()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(_) => log::error!(target: "daemon", "Can not remove PIDfile {}", path.display()),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// `daemon.daemonize`: double fork, new session, stdio on /dev/null.
/// Refused when logs go to stdout/stderr; skipped when stdin is a socket
/// or the parent is init (already supervised). Must run before the
/// reactor exists (no other threads, no registered descriptors).
pub fn daemonize(logs_to_terminal: bool) {
    if logs_to_terminal {
        log::error!(target: "daemon", "ExaBGP can not fork when logs are going to stdout/stderr");
        return;
    }
    // SAFETY: getppid has no preconditions.
    if stdin_is_socket() || unsafe { libc::getppid() } == 1 {
        return;
    }
    fork_exit();
    // SAFETY: setsid has no preconditions; failure is harmless here.
    unsafe {
        libc::setsid();
    }
    fork_exit();
    silence();
}

fn stdin_is_socket() -> bool {
    // SAFETY: fstat on fd 0 writes into our zeroed struct only.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::fstat(0, &mut st) };
    rc == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFSOCK
}

fn fork_exit() {
    // SAFETY: called while single-threaded; the parent leaves at once with
    // _exit so nothing of its state is run twice.
    match unsafe { libc::fork() } {
        -1 => log::error!(target: "daemon", "can not fork, errno {}", io::Error::last_os_error()),
        0 => {}
        _ => unsafe { libc::_exit(0) },
    }
}

/// stdin, stdout and stderr on /dev/null.
fn silence() {
    let Ok(null) = CString::new("/dev/null") else {
        return;
    };
    // SAFETY: plain descriptor juggling on 0..2.
    unsafe {
        let fd = libc::open(null.as_ptr(), libc::O_RDWR);
        if fd < 0 {
            return;
        }
        for target in 0..3 {
            if fd != target {
                libc::dup2(fd, target);
            }
        }
        if fd > 2 {
            libc::close(fd);
        }
    }
}

/// What `drop_privileges` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Privileges {
    /// Not root: nothing to do.
    Unprivileged,
    /// Now running as this uid/gid.
    Dropped { uid: u32, gid: u32 },
}

/// When running as uid or gid 0, become `user` (gid first). ExaBGP refuses
/// to go on as root when this fails.
pub fn drop_privileges(user: &str) -> Result<Privileges, String> {
    // SAFETY: getuid/getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    if uid != 0 && gid != 0 {
        return Ok(Privileges::Unprivileged);
    }
    let (nuid, ngid) = lookup_user(user).ok_or_else(|| format!("no such user '{user}'"))?;
    // SAFETY: setgid/setuid change credentials only; results are checked.
    unsafe {
        if gid == 0 && libc::setgid(ngid) != 0 {
            return Err(format!(
                "setgid({ngid}) failed: {}",
                io::Error::last_os_error()
            ));
        }
        if uid == 0 && libc::setuid(nuid) != 0 {
            return Err(format!(
                "setuid({nuid}) failed: {}",
                io::Error::last_os_error()
            ));
        }
        if libc::getuid() != nuid || libc::geteuid() != nuid || libc::getgid() != ngid {
            return Err("credentials did not change as asked".to_string());
        }
    }
    Ok(Privileges::Dropped {
        uid: nuid,
        gid: ngid,
    })
}

fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let cname = CString::new(name).ok()?;
    // SAFETY: every pointer is valid for the call and `buf` is as large as
    // we say; getpwnam_r keeps none of them.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16384];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    (rc == 0 && !result.is_null()).then_some((pwd.pw_uid, pwd.pw_gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("exabgp-daemon-pid-{}-{}", std::process::id(), name));
        let _ = fs::remove_file(&dir);
        dir
    }

    #[test]
    fn pid_file_written_and_removed() {
        let path = scratch("a");
        let mut pid = PidFile::new(path.to_str().unwrap());
        pid.save().unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        pid.remove();
        assert!(!path.exists());
    }

    #[test]
    fn live_pid_file_refused_stale_overwritten() {
        let path = scratch("b");
        fs::write(&path, format!("{}\n", std::process::id())).unwrap();
        let mut pid = PidFile::new(path.to_str().unwrap());
        assert!(matches!(pid.save(), Err(PidError::Running(_))));
        // No process has pid i32::MAX.
        fs::write(&path, format!("{}\n", i32::MAX)).unwrap();
        pid.save().unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        pid.remove();
    }

    #[test]
    fn no_pid_file_when_unset() {
        let mut pid = PidFile::new("");
        pid.save().unwrap();
        assert!(pid.path().is_none());
        pid.remove();
    }

    #[test]
    fn lookup_root() {
        assert_eq!(lookup_user("root"), Some((0, 0)));
        assert_eq!(lookup_user("no-such-user-exabgp"), None);
    }
}
