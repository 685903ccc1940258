//! Whole BGP sessions of the `exabgp` binary on loopback: two of our daemons
//! peering each other, the hold timer against a silent peer, a reload that
//! changes a few routes among many, and the RFC 9687 send hold timer against
//! a peer that stops reading while a healthy peer of the same daemon keeps
//! its keepalives.
//!
//! Every port is chosen by the kernel (bind to port 0), so this target never
//! clashes with the functional suites (1790+n). Bounds are generous where
//! the machine's load could matter; only the hold timer is held to hold
//! time + 1 s, as issue 6 asks.

mod common;
use common::{write, Scratch};

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EXABGP: &str = env!("CARGO_BIN_EXE_exabgp");

const KEEPALIVE: [u8; 19] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0, 19, 4,
];

/// How long something that must happen may take on a loaded machine.
const GENEROUS: Duration = Duration::from_secs(30);

// ===== scratch files =====

fn scratch(name: &str) -> Scratch {
    common::scratch("session", name)
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

// ===== the daemon =====

/// A running `exabgp` with its stdout and stderr in files; killed on drop.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts `exabgp -d -p CONF` with the functional harness's environment,
    /// logging to `<name>.log` in `dir`, plus `extra`.
    fn start(dir: &Path, name: &str, conf: &Path, extra: &[(&str, &str)]) -> Daemon {
        let log = dir.join(format!("{name}.log"));
        let out = File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let mut c = Command::new(EXABGP);
        c.args(["-d", "-p"])
            .arg(conf)
            .env("exabgp_version", "5.0.0-0+test")
            .env("exabgp_api_cli", "false")
            .env("exabgp_tcp_bind", "")
            .env("exabgp_log_enable", "true")
            .env("exabgp_log_destination", "stderr")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        for (k, v) in extra {
            c.env(k, v);
        }
        Daemon { child: c.spawn().unwrap(), log }
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(self.child.id() as i32, signal);
        }
    }

    fn log(&self) -> String {
        read_text(&self.log)
    }

    /// SIGTERM, then the exit code (`None` when it had to be killed).
    fn stop(mut self) -> Option<i32> {
        self.signal(libc::SIGTERM);
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A port nobody listens on at `ip` right now (bind, read, close).
fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port()
}

/// Waits for `done` to hold, polling; panics with `context()` after `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool, context: impl Fn() -> String) {
    let end = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < end, "timed out: {}", context());
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn accept(listener: &TcpListener, limit: Duration, daemon: &Daemon) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let end = Instant::now() + limit;
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                return s;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < end => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("the daemon did not connect: {e}\n{}", daemon.log()),
        }
    }
}

// ===== BGP on the test side =====

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

/// Reads the daemon's OPEN and answers with the same OPEN (same ASN and
/// capabilities), router-id + 1 and `hold_time`, then a KEEPALIVE. Returns
/// when our KEEPALIVE was written.
fn answer_open(s: &mut TcpStream, hold_time: u16) -> Instant {
    s.set_read_timeout(Some(GENEROUS)).unwrap();
    let mut open = read_message(s).expect("the daemon's OPEN");
    assert_eq!(open[18], 1, "not an OPEN: {open:02X?}");
    open[22..24].copy_from_slice(&hold_time.to_be_bytes());
    open[27] = open[27].wrapping_add(1);
    s.write_all(&open).unwrap();
    s.write_all(&KEEPALIVE).unwrap();
    Instant::now()
}

/// The IPv4 prefixes of an UPDATE's withdrawn-routes and NLRI fields.
#[derive(Debug, Default, PartialEq, Eq)]
struct Update {
    withdrawn: Vec<String>,
    announced: Vec<String>,
}

fn prefixes(mut field: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = field.split_first() {
        let octets = usize::from(len).div_ceil(8);
        let mut ip = [0u8; 4];
        ip[..octets].copy_from_slice(&rest[..octets]);
        out.push(format!("{}.{}.{}.{}/{}", ip[0], ip[1], ip[2], ip[3], len));
        field = &rest[octets..];
    }
    out
}

fn update(m: &[u8]) -> Update {
    let body = &m[19..];
    let withdrawn_len = usize::from(u16::from_be_bytes([body[0], body[1]]));
    let withdrawn = &body[2..2 + withdrawn_len];
    let rest = &body[2 + withdrawn_len..];
    let attr_len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    let nlri = &rest[2 + attr_len..];
    Update { withdrawn: prefixes(withdrawn), announced: prefixes(nlri) }
}

fn is_eor(m: &[u8]) -> bool {
    m.len() == 23 && m[18] == 2 && m[19..] == [0, 0, 0, 0]
}

/// `n` static routes 10.x.y.0/24, one per line.
fn routes(n: usize, extra: &str) -> String {
    (0..n)
        .map(|i| format!("\t\troute 10.{}.{}.0/24 next-hop 127.0.0.1{extra};\n", i / 256, i % 256))
        .collect()
}

// ===== a: two daemons =====

/// Two of our daemons on loopback, one listening (passive) on
/// `tcp.bind`/`tcp.port`, one connecting: both reach Established and each
/// receives the other's configured routes (seen by a JSON API helper).
#[test]
fn two_daemons_peer_and_exchange_routes() {
    let dir = scratch("pair");
    let port = free_port("127.0.0.2");
    let conf = |me: &str, peer: &str, asn: u32, peer_as: u32, passive: bool, octet: u8| {
        let json = dir.join(format!("{me}.json"));
        format!(
            "process dump {{ run /bin/sh -c \"cat > {}; true\"; encoder json; }}\n\
             neighbor {peer} {{\n\
             \trouter-id {me};\n\tlocal-address {me};\n\tlocal-as {asn};\n\tpeer-as {peer_as};\n\
             \tpassive {passive};\n\thold-time 30;\n\
             \tfamily {{ ipv4 unicast; }}\n\
             \tapi {{ processes [ dump ]; neighbor-changes; receive {{ parsed; update; }} }}\n\
             \tstatic {{\n\
             \t\troute 10.{octet}.0.0/24 next-hop {me};\n\
             \t\troute 10.{octet}.1.0/24 next-hop {me} med 7;\n\
             \t\troute 10.{octet}.2.0/23 next-hop {me} community 65000:1;\n\
             \t}}\n}}\n",
            json.display()
        )
    };
    let a = write(&dir, "a.conf", &conf("127.0.0.2", "127.0.0.3", 65002, 65003, true, 2));
    let b = write(&dir, "b.conf", &conf("127.0.0.3", "127.0.0.2", 65003, 65002, false, 3));
    let port_text = port.to_string();
    let listening = Daemon::start(
        &dir,
        "a",
        &a,
        &[("exabgp_tcp_bind", "127.0.0.2"), ("exabgp_tcp_port", &port_text)],
    );
    // Give the listener a moment; the connecting side retries anyway.
    std::thread::sleep(Duration::from_millis(200));
    let connecting = Daemon::start(&dir, "b", &b, &[("exabgp_tcp_port", &port_text)]);
    let a_json = dir.join("127.0.0.2.json");
    let b_json = dir.join("127.0.0.3.json");
    let got_all = |path: &Path, octet: u8| {
        let text = read_text(path);
        let up = text.lines().any(|l| l.contains("\"state\": \"up\""));
        let routes = [format!("10.{octet}.0.0/24"), format!("10.{octet}.1.0/24"), format!("10.{octet}.2.0/23")];
        up && routes.iter().all(|r| {
            text.lines().any(|l| l.contains("\"update\"") && l.contains("\"announce\"") && l.contains(r.as_str()))
        })
    };
    let context = || {
        format!(
            "\nA api:\n{}\nB api:\n{}\nA log:\n{}\nB log:\n{}",
            read_text(&a_json),
            read_text(&b_json),
            listening.log(),
            connecting.log()
        )
    };
    wait_for(GENEROUS, || got_all(&a_json, 3) && got_all(&b_json, 2), context);
    // Nothing went down on the way.
    for path in [&a_json, &b_json] {
        assert!(!read_text(path).contains("\"state\": \"down\""), "{}", context());
    }
    // The attributes made it across: B's view of A's med route.
    let b_text = read_text(&b_json);
    let med = b_text.lines().find(|l| l.contains("10.2.1.0/24")).unwrap_or_default();
    assert!(med.contains("\"med\": 7"), "{med}");
    assert_eq!(connecting.stop(), Some(0));
    assert_eq!(listening.stop(), Some(0));
}

/// `announce operational` between two of our daemons, both with the
/// `operational` capability configured: the commands are written before the
/// session is up (queued, sent once Established), and the other daemon's
/// helper sees the ADM advisory (spaces kept) and the RPCQ query.
#[test]
fn operational_messages_cross_between_two_daemons() {
    let dir = scratch("operational");
    let port = free_port("127.0.0.4");
    let json = dir.join("received.json");
    let listening_conf = write(
        &dir,
        "a.conf",
        &format!(
            "process dump {{ run /bin/sh -c \"cat > {}; true\"; encoder json; }}\n\
             neighbor 127.0.0.5 {{ router-id 127.0.0.4; local-address 127.0.0.4; local-as 1; peer-as 1;\n\
             \tpassive; hold-time 30; capability {{ operational enable; }} family {{ ipv4 unicast; }}\n\
             \tapi {{ processes [ dump ]; neighbor-changes; receive {{ parsed; operational; }} }} }}\n",
            json.display()
        ),
    );
    let sender = write(
        &dir,
        "send.sh",
        "#!/bin/sh\necho 'announce operational adm afi ipv4 safi unicast advisory \"hello world\"'\n\
         echo 'announce operational rpcq afi ipv4 safi unicast sequence 5'\nexec sleep 60\n",
    );
    std::fs::set_permissions(&sender, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let connecting_conf = write(
        &dir,
        "b.conf",
        &format!(
            "process send {{ run {}; encoder json; }}\n\
             neighbor 127.0.0.4 {{ router-id 127.0.0.5; local-address 127.0.0.5; local-as 1; peer-as 1;\n\
             \thold-time 30; capability {{ operational enable; }} family {{ ipv4 unicast; }}\n\
             \tapi {{ processes [ send ]; }} }}\n",
            sender.display()
        ),
    );
    let port_text = port.to_string();
    let listening = Daemon::start(
        &dir,
        "a",
        &listening_conf,
        &[("exabgp_tcp_bind", "127.0.0.4"), ("exabgp_tcp_port", &port_text)],
    );
    std::thread::sleep(Duration::from_millis(200));
    let connecting = Daemon::start(&dir, "b", &connecting_conf, &[("exabgp_tcp_port", &port_text)]);
    let context = || format!("\nA api:\n{}\nA log:\n{}\nB log:\n{}", read_text(&json), listening.log(), connecting.log());
    let seen = |needle: &str| read_text(&json).lines().any(|l| l.contains("\"type\": \"operational\"") && l.contains(needle));
    wait_for(GENEROUS, || seen("\"advisory\": \"hello world\"") && seen("\"name\": \"RPCQ\""), context);
    assert_eq!(connecting.stop(), Some(0));
    assert_eq!(listening.stop(), Some(0));
}

// ===== b: hold timer =====

/// A peer with hold time 3 that sends OPEN and KEEPALIVE, then nothing:
/// the daemon sends NOTIFICATION 4/0 (no data, as ExaBGP) within hold time
/// + 1 s of the peer's last message, and closes.
#[test]
fn silent_peer_gets_hold_timer_expired_in_time() {
    let dir = scratch("hold");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let conf = write(
        &dir,
        "a.conf",
        "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; \
         family { ipv4 unicast; } static { route 10.0.0.0/24 next-hop 127.0.0.1; } }\n",
    );
    let daemon =
        Daemon::start(&dir, "d", &conf, &[("exabgp_tcp_port", &port), ("exabgp_tcp_connections", "1")]);
    let mut s = accept(&listener, GENEROUS, &daemon);
    let last_sent = answer_open(&mut s, 3);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut keepalives = 0;
    let notification = loop {
        let m = read_message(&mut s)
            .unwrap_or_else(|| panic!("closed without a NOTIFICATION\n{}", daemon.log()));
        match m[18] {
            3 => break m,
            4 => keepalives += 1,
            _ => {}
        }
    };
    let elapsed = last_sent.elapsed();
    assert_eq!(
        notification,
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 21, 3, 4, 0]
    );
    assert!(elapsed >= Duration::from_millis(2900), "too early: {elapsed:?}");
    assert!(elapsed <= Duration::from_secs(4), "hold 3 s + 1 s exceeded: {elapsed:?}");
    // KEEPALIVEs every second meanwhile (OpenConfirm's, then Established's).
    assert!(keepalives >= 2, "{keepalives} KEEPALIVEs");
    // Then the connection is closed.
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{rest:02X?}");
}

// ===== c: reload =====

/// SIGUSR1 with a configuration where, among 300 routes, one is removed,
/// one added and one has another MED: the peer receives one UPDATE for the
/// changed route and one withdrawing the removed route and announcing the
/// added one (grouped: both carry the same attributes), and nothing for the
/// 297 unchanged routes.
#[test]
fn reload_sends_only_what_changed() {
    let dir = scratch("reload");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let conf = |routes: &str| {
        format!(
            "neighbor 127.0.0.1 {{ router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1;\n\
             \tfamily {{ ipv4 unicast; }}\n\tstatic {{\n{routes}\t}}\n}}\n"
        )
    };
    let before = routes(300, "");
    let path = write(&dir, "a.conf", &conf(&before));
    let daemon = Daemon::start(&dir, "d", &path, &[("exabgp_tcp_port", &port)]);
    let mut s = accept(&listener, GENEROUS, &daemon);
    answer_open(&mut s, 180);
    let mut announced = Vec::new();
    loop {
        let m = read_message(&mut s).unwrap_or_else(|| panic!("closed\n{}", daemon.log()));
        if is_eor(&m) {
            break;
        }
        if m[18] == 2 {
            announced.extend(update(&m).announced);
        }
    }
    assert_eq!(announced.len(), 300);

    // 10.0.0.0/24 removed, 10.0.1.0/24 with a MED, 10.9.9.0/24 added.
    let after: String = before
        .lines()
        .filter(|l| !l.contains("10.0.0.0/24"))
        .map(|l| if l.contains("10.0.1.0/24") { l.replace(';', " med 100;") } else { l.to_string() })
        .chain(std::iter::once("\t\troute 10.9.9.0/24 next-hop 127.0.0.1;".to_string()))
        .map(|l| l + "\n")
        .collect();
    write(&dir, "a.conf", &conf(&after));
    daemon.signal(libc::SIGUSR1);

    let mut updates = Vec::new();
    let mut done_at: Option<Instant> = None;
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let end = Instant::now() + GENEROUS;
    // Until both changes arrived, then 2 s more for anything extra.
    while done_at.is_none_or(|t| t.elapsed() < Duration::from_secs(2)) {
        assert!(Instant::now() < end, "reload not sent: {updates:?}\n{}", daemon.log());
        let mut header = [0u8; 19];
        match s.peek(&mut header) {
            Ok(19) => {}
            Ok(0) => panic!("closed\n{}", daemon.log()),
            _ => continue,
        }
        s.set_read_timeout(Some(GENEROUS)).unwrap();
        let m = read_message(&mut s).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        if m[18] == 2 {
            updates.push(update(&m));
        }
        let withdrawn = updates.iter().any(|u| u.withdrawn.contains(&"10.0.0.0/24".to_string()));
        let added = updates.iter().any(|u| u.announced.contains(&"10.9.9.0/24".to_string()));
        let changed = updates.iter().any(|u| u.announced.contains(&"10.0.1.0/24".to_string()));
        if withdrawn && added && changed && done_at.is_none() {
            done_at = Some(Instant::now());
        }
    }
    // The changed route in its own UPDATE (new attributes: its own bucket,
    // filed first), then the withdrawal and the addition sharing the
    // unchanged attributes. ExaBGP would not re-send 10.0.1.0/24 at all
    // (COMPATIBILITY.md).
    let expected = [
        Update { withdrawn: vec![], announced: vec!["10.0.1.0/24".into()] },
        Update { withdrawn: vec!["10.0.0.0/24".into()], announced: vec!["10.9.9.0/24".into()] },
    ];
    assert_eq!(updates, expected, "\n{}", daemon.log());
    drop(s);
}

// ===== d: send hold timer =====

/// RFC 9687 with `exabgp.bgp.send_hold_time` = 2: a peer that completes
/// the OPEN exchange and never reads again (small receive buffer) while the
/// daemon has thousands of UPDATEs for it is closed with a send-hold error;
/// meanwhile a second, healthy peer (hold time 3) gets its KEEPALIVEs on
/// time and is never torn down.
#[test]
fn send_hold_timer_closes_a_peer_that_stops_reading() {
    use socket2::{Domain, Socket, Type};

    let dir = scratch("sendhold");
    // The stalled peer: a small receive window, set before listen so the
    // accepted socket has it from the handshake.
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    // A small MSS too: Linux sizes the sender's buffer from it (about ten
    // segments), so that the daemon's socket fills after tens of KiB, not MiB.
    socket.set_mss(536).unwrap();
    socket.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
    socket.listen(8).unwrap();
    let stalled_listener: TcpListener = socket.into();
    let healthy_listener = TcpListener::bind("127.0.0.2:0").unwrap();
    let json = dir.join("api.json");
    // One UPDATE per route (group-updates false): about 1 MiB for the
    // stalled peer, 100 KiB for the healthy one.
    let neighbor = |peer: &str, port: u16, hold: u16, count: usize| {
        let table = routes(count, "");
        format!(
            "neighbor {peer} {{\n\trouter-id 1.2.3.4;\n\tlocal-address 127.0.0.1;\n\tlocal-as 1;\n\tpeer-as 1;\n\
             \tconnect {port};\n\thold-time {hold};\n\tgroup-updates false;\n\tfamily {{ ipv4 unicast; }}\n\
             \tapi {{ processes [ dump ]; neighbor-changes; }}\n\tstatic {{\n{table}\t}}\n}}\n"
        )
    };
    let conf = write(
        &dir,
        "a.conf",
        &format!(
            "process dump {{ run /bin/sh -c \"cat > {}; true\"; encoder json; }}\n{}{}",
            json.display(),
            neighbor("127.0.0.1", stalled_listener.local_addr().unwrap().port(), 30, 20000),
            neighbor("127.0.0.2", healthy_listener.local_addr().unwrap().port(), 3, 2000),
        ),
    );
    let daemon = Daemon::start(&dir, "d", &conf, &[("exabgp_bgp_send_hold_time", "2")]);

    // The healthy peer, in its own thread: reads everything, sends a
    // KEEPALIVE every second, notes when KEEPALIVEs arrive, until told to stop.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut healthy = accept(&healthy_listener, GENEROUS, &daemon);
    let healthy_thread = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut last_sent = answer_open(&mut healthy, 3);
            healthy.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
            let mut buf = Vec::new();
            let mut chunk = vec![0u8; 64 * 1024];
            let mut keepalives = Vec::new();
            let mut updates = 0usize;
            let mut trouble = None;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if last_sent.elapsed() >= Duration::from_secs(1) {
                    if healthy.write_all(&KEEPALIVE).is_err() {
                        trouble = Some("could not send a KEEPALIVE".to_string());
                        break;
                    }
                    last_sent = Instant::now();
                }
                match healthy.read(&mut chunk) {
                    Ok(0) => {
                        trouble = Some("the daemon closed the healthy session".to_string());
                        break;
                    }
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(e) => {
                        trouble = Some(format!("read: {e}"));
                        break;
                    }
                }
                let mut at = 0;
                while buf.len() >= at + 19 {
                    let len = usize::from(u16::from_be_bytes([buf[at + 16], buf[at + 17]]));
                    if buf.len() < at + len {
                        break;
                    }
                    match buf[at + 18] {
                        2 => updates += 1,
                        3 => trouble = Some(format!("NOTIFICATION {:02X?}", &buf[at..at + len])),
                        4 => keepalives.push(Instant::now()),
                        _ => {}
                    }
                    at += len;
                }
                buf.drain(..at);
            }
            (keepalives, updates, trouble)
        })
    };

    let mut stalled = accept(&stalled_listener, GENEROUS, &daemon);
    let established = answer_open(&mut stalled, 30);
    // From here on the stalled peer reads nothing.
    let down = || {
        read_text(&json)
            .lines()
            .any(|l| l.contains("\"state\": \"down\"") && l.contains("(8,0)"))
    };
    wait_for(GENEROUS, down, || format!("{}\n{}", read_text(&json), daemon.log()));
    let elapsed = established.elapsed();
    // The SendHoldTimer starts at Established at the earliest.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
    // The healthy session lives on for a while after.
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (keepalives, updates, trouble) = healthy_thread.join().unwrap();
    assert_eq!(trouble, None, "\n{}", daemon.log());
    assert!(updates > 2000, "{updates} UPDATEs");
    // Keepalive every second (hold 3): never a gap near the hold time.
    let gaps: Vec<Duration> = keepalives.windows(2).map(|w| w[1] - w[0]).collect();
    let worst = gaps.iter().max().copied().unwrap_or_default();
    assert!(keepalives.len() >= 3, "{} KEEPALIVEs", keepalives.len());
    assert!(worst <= Duration::from_millis(2000), "a KEEPALIVE came {worst:?} after the previous");
    eprintln!(
        "send hold: closed {elapsed:?} after Established; healthy peer: {updates} UPDATEs, {} KEEPALIVEs, worst gap {worst:?}",
        keepalives.len()
    );
    let log = daemon.log();
    assert!(log.contains("send hold timer expired"), "{log}");
    // The stalled connection is closed: what was in flight, then EOF.
    stalled.set_read_timeout(Some(GENEROUS)).unwrap();
    let mut rest = Vec::new();
    stalled.read_to_end(&mut rest).expect("EOF on the stalled connection");
    assert!(!rest.is_empty());
    assert_eq!(daemon.stop(), Some(0));
}
