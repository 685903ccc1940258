//! The daemon under test: its configuration, its API helper's files, its log.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use crate::peer::Impl;
use crate::util::{self, render, squeeze, wait_for, Proc};
use crate::{Ctx, Session};

const RECEIVED: &str = "received.json";
const COMMANDS: &str = "commands.txt";
const LOG: &str = "daemon.log";

/// Writes the configuration and starts `DAEMON server CONF` in the session's directory.
pub fn start(ctx: &Ctx, imp: Impl, s: &Session) -> Result<Proc, String> {
    let md5 = match &s.daemon_password {
        Some(p) => format!("md5-password \"{p}\";"),
        None => String::new(),
    };
    let vars = vec![
        ("PYTHON", ctx.python.display().to_string()),
        ("HELPER", ctx.qa.join("helper.py").display().to_string()),
        ("RECEIVED", s.dir.join(RECEIVED).display().to_string()),
        ("COMMANDS", s.dir.join(COMMANDS).display().to_string()),
        ("PEER", s.peer.clone()),
        ("LOCAL", s.local.clone()),
        ("PEER_AS", imp.asn().to_string()),
        ("PORT", s.port.to_string()),
        ("MD5", md5),
    ];
    let conf = s.dir.join("exabgp.conf");
    render(&ctx.qa.join("exabgp.conf.in"), &vars, &conf)?;
    std::fs::write(s.dir.join(COMMANDS), "")
        .map_err(|e| format!("cannot create {COMMANDS}: {e}"))?;

    let mut cmd = Command::new(&ctx.daemon);
    cmd.arg("server").arg(&conf).current_dir(&s.dir);
    for (key, _) in std::env::vars_os() {
        if key
            .to_string_lossy()
            .to_ascii_lowercase()
            .starts_with("exabgp")
        {
            cmd.env_remove(key);
        }
    }
    // The daemon connects out and does not listen; as root it would drop to `nobody` and then
    // could not read the work directory or set MD5 keys.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        cmd.env("exabgp_daemon_user", "root");
    }
    cmd.env("exabgp_tcp_bind", "")
        .env("exabgp_log_level", "INFO")
        .env("EXABGP_ROOT", &s.dir);
    let mut proc = Proc::spawn("daemon", cmd, &s.dir.join(LOG))?;
    // A daemon that refuses the configuration exits at once: say so rather than time out later.
    std::thread::sleep(Duration::from_millis(300));
    if let Some(exit) = proc.exited() {
        return Err(format!("{exit}{}", tail(s)));
    }
    Ok(proc)
}

/// Hands an API command to the helper, which writes it to the daemon.
pub fn command(s: &Session, line: &str) {
    if let Ok(mut f) = std::fs::File::options()
        .append(true)
        .open(s.dir.join(COMMANDS))
    {
        let _ = writeln!(f, "{line}");
    }
}

/// Waits for a JSON message from the daemon that has every `want` fragment (whitespace removed).
pub fn wait_received(s: &Session, want: &[String]) -> Result<(), String> {
    let path = s.dir.join(RECEIVED);
    wait_for(Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(squeeze).collect();
        // The first fragment names the route; the others are its attributes.
        let first = want.first().map(String::as_str).unwrap_or_default();
        let Some(line) = lines.iter().find(|l| l.contains(first)) else {
            return Err(format!(
                "no message with {first} in {RECEIVED} ({} lines)",
                lines.len()
            ));
        };
        let missing: Vec<&String> = want.iter().filter(|w| !line.contains(w.as_str())).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("message {line} misses {missing:?}"))
        }
    })
}

/// The end of the daemon's log, for failure messages.
pub fn tail(s: &Session) -> String {
    let t = util::tail(&s.dir.join(LOG), 6);
    if t.is_empty() {
        String::new()
    } else {
        format!("\n  daemon log:{t}")
    }
}
