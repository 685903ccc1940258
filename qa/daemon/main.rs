//! `exabgp server` as a process: signals, exit codes, helpers, and a whole
//! session against a scripted peer the way the functional suite runs it.

mod common;
use common::{write, Scratch};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EXABGP: &str = env!("CARGO_BIN_EXE_exabgp");

const KEEPALIVE: [u8; 19] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0, 19, 4,
];

fn scratch(name: &str) -> Scratch {
    common::scratch("server", name)
}

/// The daemon as the functional harness starts it.
fn server(conf: &Path, port: u16, extra: &[(&str, &str)]) -> Command {
    let mut c = Command::new(EXABGP);
    c.args(["-d", "-p"])
        .arg(conf)
        .env("exabgp_version", "5.0.0-0+test")
        .env("exabgp_tcp_connections", "1")
        .env("exabgp_api_cli", "false")
        .env("exabgp_debug_rotate", "true")
        .env("exabgp_tcp_bind", "")
        .env("exabgp_tcp_port", port.to_string())
        .env("exabgp_log_enable", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        c.env(k, v);
    }
    c
}

fn wait(child: &mut Child, limit: Duration) -> Option<i32> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 }
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

#[test]
fn session_then_exit_when_the_peer_closes() {
    let dir = scratch("session");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let conf = write(
        &dir,
        "a.conf",
        "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; family { ipv4 unicast; } }\n",
    );
    let mut child = server(&conf, port, &[]).spawn().unwrap();
    let (mut s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut open = read_message(&mut s).unwrap();
    assert_eq!(open[18], 1);
    open[27] = open[27].wrapping_add(1);
    s.write_all(&open).unwrap();
    s.write_all(&KEEPALIVE).unwrap();
    let eor = loop {
        let m = read_message(&mut s).unwrap();
        if m[18] == 2 {
            break m;
        }
    };
    assert_eq!(&eor[16..], &[0, 23, 2, 0, 0, 0, 0]);
    drop(s);
    assert_eq!(wait(&mut child, Duration::from_secs(10)), Some(0));
}

#[test]
fn sigterm_exits_zero_and_terminates_helpers() {
    let dir = scratch("sigterm");
    let pid_file = dir.join("helper.pid");
    // Passive with nobody connecting: only a signal ends this daemon.
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process watcher {{ run /bin/sh -c \"echo $$ > {}; exec cat\"; encoder json; }}\n\
             neighbor 127.0.0.1 {{ router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; passive true; }}\n",
            pid_file.display()
        ),
    );
    let mut child = server(&conf, 1, &[]).spawn().unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    let helper = loop {
        if let Ok(text) = std::fs::read_to_string(&pid_file) {
            if let Ok(pid) = text.trim().parse::<i32>() {
                break pid;
            }
        }
        assert!(Instant::now() < end, "the helper never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(alive(helper));
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    assert_eq!(wait(&mut child, Duration::from_secs(10)), Some(0));
    assert!(!alive(helper), "helper {helper} survived the daemon");
}

#[test]
fn invalid_configuration_exits_one_with_the_reference_message() {
    let dir = scratch("invalid");
    let conf = write(&dir, "bad.conf", "neighbor 127.0.0.1 { local-as; }\n");
    let out = server(
        &conf,
        1,
        &[
            ("exabgp_log_enable", "true"),
            ("exabgp_log_destination", "stdout"),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("could not load/reload configuration"),
        "{text}"
    );
    assert!(text.contains("bad.conf:1:"), "{text}");
}

#[test]
fn missing_configuration_exits_one() {
    let dir = scratch("missing");
    let out = server(
        &dir.join("none.conf"),
        1,
        &[
            ("exabgp_log_enable", "true"),
            ("exabgp_log_destination", "stdout"),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("is not an exabgp config file"), "{text}");
}

/// `debug.rotate`: SIGUSR1 moves to the next file. The first keeps the
/// neighbor passive, the second makes it connect: only the reload can
/// bring the daemon to the scripted peer.
#[test]
fn sigusr1_rotates_to_the_next_configuration() {
    let dir = scratch("rotate");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let neighbor = |passive: bool| {
        format!(
            "neighbor 127.0.0.1 {{ router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; passive {passive}; }}\n"
        )
    };
    let one = write(&dir, "one.conf", &neighbor(true));
    let two = write(&dir, "two.conf", &neighbor(false));
    let mut command = server(&one, port, &[]);
    command.arg(&two);
    let mut child = command.spawn().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(listener.accept().is_err(), "a passive neighbor connected");
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGUSR1);
    }
    let end = Instant::now() + Duration::from_secs(15);
    let mut s = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(_) if Instant::now() < end => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("no connection after the reload: {e}"),
        }
    };
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let open = read_message(&mut s).unwrap();
    assert_eq!(open[18], 1);
    drop(s);
    // SAFETY: as above.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    assert_eq!(wait(&mut child, Duration::from_secs(10)), Some(0));
}
