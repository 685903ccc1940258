//! `exabgp version` and the version strings used elsewhere.
//!
//! ExaBGP's version can be overridden with the environment variable
//! `exabgp_version` (its launcher and the functional tests set it); that
//! string is what the software-version capability (`ExaBGP/<version>`), the
//! API `version` command and the logs use. The JSON `exabgp` field always
//! carries the format version [`JSON`].

use std::path::Path;

/// The ExaBGP release this implementation is compatible with.
pub const COMPATIBLE: &str = "5.0.0";
/// The version written in the `exabgp` field of JSON messages.
pub const JSON: &str = "5.0.0";
/// The version of the text API encoding.
pub const TEXT: &str = "5.0.0";

/// `$exabgp_version` when set (even empty, as in ExaBGP), else [`COMPATIBLE`].
pub fn version() -> String {
    match std::env::var_os("exabgp_version") {
        Some(v) => v.to_string_lossy().into_owned(),
        None => COMPATIBLE.to_string(),
    }
}

/// `uname` fields as Python's `platform.uname()[:5]` joins them.
pub fn uname() -> String {
    // SAFETY: uname fills the zeroed struct; each field is NUL-terminated.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return String::new();
    }
    let field = |f: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    [
        field(&u.sysname),
        field(&u.nodename),
        field(&u.release),
        field(&u.version),
        field(&u.machine),
    ]
    .join(" ")
}

/// The lines `exabgp version` prints. ExaBGP's second line describes the
/// Python interpreter; ours describes the program build.
pub fn report(version: &str, from: &Path) -> String {
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "ExaBGP : {version}\nRust   : {} {} ({build} build, {} {})\nUname  : {}\nFrom   : {}\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        uname(),
        from.display()
    )
}

/// Where the program lives (ExaBGP prints the directory of its package).
pub fn from() -> std::path::PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_layout() {
        let text = report("5.0.0-0+test", Path::new("/usr/sbin"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "ExaBGP : 5.0.0-0+test");
        assert!(lines[1].starts_with("Rust   : exabgp "));
        assert!(lines[2].starts_with("Uname  : Linux "));
        assert_eq!(lines[3], "From   : /usr/sbin");
    }

    #[test]
    fn versions() {
        assert_eq!(JSON, "5.0.0");
        assert!(!version().is_empty() || std::env::var_os("exabgp_version").is_some());
    }
}
