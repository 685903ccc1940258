//! Run the encoding suite inside a private network namespace holding only `lo`, so a
//! daemon under test can never reach a real network (api-multiple-api names
//! 192.168.0.1 on purpose).
//!
//! Done in-process with unshare(2) — no `unshare`/`ip` binaries needed. Must be called
//! while the process is still single-threaded: unshare only moves the calling thread,
//! and every child spawned afterwards inherits the namespace.

use std::io;

/// Move this process into a fresh network namespace and bring `lo` up.
/// Tries a plain network namespace (needs CAP_SYS_ADMIN, e.g. root), then a user +
/// network namespace (works unprivileged where user namespaces are allowed).
pub fn enter_private_network() -> Result<&'static str, String> {
    // SAFETY: unshare(2) takes flags only.
    let plain = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    let kind = if plain == 0 {
        "network namespace"
    } else {
        let first = io::Error::last_os_error();
        // SAFETY: as above.
        let uid = unsafe { libc::getuid() };
        // SAFETY: as above.
        let gid = unsafe { libc::getgid() };
        // SAFETY: as above.
        if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } != 0 {
            return Err(format!(
                "unshare(CLONE_NEWNET): {first}; unshare(CLONE_NEWUSER|CLONE_NEWNET): {}",
                io::Error::last_os_error()
            ));
        }
        // Map ourselves to root inside the user namespace so we may configure lo.
        let _ = std::fs::write("/proc/self/setgroups", "deny");
        std::fs::write("/proc/self/uid_map", format!("0 {uid} 1"))
            .map_err(|e| format!("uid_map: {e}"))?;
        std::fs::write("/proc/self/gid_map", format!("0 {gid} 1"))
            .map_err(|e| format!("gid_map: {e}"))?;
        "user and network namespace"
    };
    loopback_up().map_err(|e| format!("bringing lo up: {e}"))?;
    Ok(kind)
}

/// SIOCGIFFLAGS / SIOCSIFFLAGS on "lo": set IFF_UP (what `ip link set lo up` does).
fn loopback_up() -> io::Result<()> {
    // SAFETY: plain socket(2); the descriptor is closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
        *slot = *byte as libc::c_char;
    }
    let result = (|| {
        // SAFETY: fd is a socket, request is a valid ifreq naming "lo".
        if unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut request) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the kernel filled the flags member of the union.
        unsafe {
            request.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        }
        // SAFETY: as above.
        if unsafe { libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &request) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    })();
    // SAFETY: fd is ours.
    unsafe { libc::close(fd) };
    result
}

/// Is this address text a loopback address (127.0.0.0/8 or ::1)?
pub fn is_loopback(address: &str) -> bool {
    match address.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// Neighbour addresses named in a configuration that are not loopback
/// (`neighbor ADDRESS {` lines; template names are not addresses and are ignored).
pub fn non_loopback_neighbors(config: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in config.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("neighbor") {
            continue;
        }
        let Some(address) = words.next() else { continue };
        let address = address.trim_end_matches('{').trim_end_matches(';');
        if address.parse::<std::net::IpAddr>().is_ok()
            && !is_loopback(address)
            && !found.iter().any(|f| f == address)
        {
            found.push(address.to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_non_loopback_neighbors() {
        let config = "neighbor 127.0.0.1 {\n}\n  neighbor 192.168.0.1 {\ntemplate {\n neighbor public {\n}}\n\
                      neighbor ::1 {\n}\nneighbor 2001:db8::1{\n";
        assert_eq!(non_loopback_neighbors(config), vec!["192.168.0.1", "2001:db8::1"]);
        assert!(is_loopback("127.1.2.3") && is_loopback("::1") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn shipped_configs_only_api_multiple_api_leaves_loopback() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/qa/etc");
        let mut outside = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) == Some("conf") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !non_loopback_neighbors(&text).is_empty() {
                    outside.push(path.file_name().unwrap().to_string_lossy().to_string());
                }
            }
        }
        assert!(outside.contains(&"api-multiple-api.conf".to_string()), "{outside:?}");
    }
}
