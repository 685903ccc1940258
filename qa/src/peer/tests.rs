//! The peer against a fake daemon: replaying each shipped `.msg` file must succeed,
//! and every kind of wrong session must not.

use super::*;
use crate::script::{parse_msg, Entry};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

const QA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/qa/encoding");

fn quiet() -> Log {
    Arc::new(Mutex::new(Box::new(io::sink())))
}

fn script(name: &str) -> Script {
    let path = format!("{QA}/{name}.msg");
    let text = std::fs::read_to_string(&path).unwrap();
    parse_msg(&path, &text).unwrap()
}

/// A synthetic daemon OPEN: AS 65533, hold 180, router-id 10.0.0.2, MP ipv4/unicast + AS4.
fn synthetic_open() -> Vec<u8> {
    crate::script::decode_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002D0104FFFD00B40A000002100206010400010001020641040000FFFD")
        .unwrap()
}

fn full(entry: &Entry) -> Option<Vec<u8>> {
    match entry {
        Entry::Raw { bytes, marker: true, .. } => Some(bytes.clone()),
        Entry::Raw { bytes, marker: false, .. } => {
            let mut m = vec![0xff; 16];
            m.extend_from_slice(bytes);
            Some(m)
        }
        _ => None,
    }
}

/// What the fake daemon sends: the OPEN, then per session letter the expected messages
/// (each step reversed, to prove any order is accepted).
struct Plan {
    open: Vec<u8>,
    sessions: Vec<Vec<Vec<u8>>>,
}

fn plan_of(script: &Script) -> Plan {
    let mut open = synthetic_open();
    let mut sessions: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut letter = None;
    for (index, step) in script.steps.iter().enumerate() {
        if letter != Some(step.letter) {
            letter = Some(step.letter);
            sessions.push(Vec::new());
        }
        let mut messages: Vec<Vec<u8>> = step.entries.iter().filter_map(full).collect();
        if index == 0 && script.options.inspect_open {
            let at = messages
                .iter()
                .position(|m| wire::kind(m) == wire::OPEN)
                .expect("an OPEN to inspect");
            open = messages.remove(at);
        }
        messages.reverse();
        if let Some(last) = sessions.last_mut() {
            last.extend(messages);
        }
    }
    Plan { open, sessions }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// one write per message, waiting for the peer's KEEPALIVE each time
    LockStep,
    /// all messages of a session in a single write
    Joined,
    /// every message in two writes, 10 ms apart
    Split,
}

struct Fake {
    stream: TcpStream,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    closed: Arc<AtomicBool>,
}

impl Fake {
    fn connect(addr: SocketAddr) -> Fake {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let (mut reader, r, c) = (stream.try_clone().unwrap(), received.clone(), closed.clone());
        thread::spawn(move || {
            let mut framer = Framer::default();
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => framer.push(&buf[..n]),
                }
                while let Ok(Some(m)) = framer.next_message() {
                    r.lock().unwrap().push(m);
                }
            }
            c.store(true, Ordering::SeqCst);
        });
        Fake { stream, received, closed }
    }

    fn write(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    fn keepalives(&self) -> usize {
        self.received.lock().unwrap().iter().filter(|m| wire::kind(m) == wire::KEEPALIVE).count()
    }

    /// Wait until the peer answered `n` messages with KEEPALIVEs (or closed).
    fn sync(&self, n: usize) {
        let start = Instant::now();
        while self.keepalives() < n
            && !self.closed.load(Ordering::SeqCst)
            && start.elapsed() < Duration::from_secs(5)
        {
            thread::sleep(Duration::from_millis(2));
        }
    }

    fn received(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap().clone()
    }
}

fn start(
    script: Script,
    pid: Option<i32>,
    limit: Duration,
) -> (SocketAddr, thread::JoinHandle<Outcome>) {
    let config = PeerConfig { port: 0, script, daemon_pid: pid, ..PeerConfig::default() };
    let peer = Peer::bind(config, quiet()).unwrap();
    let addr = peer.local_addr().unwrap();
    (addr, thread::spawn(move || peer.run(Some(limit))))
}

/// Play sessions against the peer; returns the last connection for inspection.
fn play(addr: SocketAddr, plan: &Plan, mode: Mode) -> Fake {
    let mut last = None;
    for messages in &plan.sessions {
        let mut fake = Fake::connect(addr);
        fake.write(&plan.open);
        fake.sync(1);
        match mode {
            Mode::LockStep => {
                for (i, m) in messages.iter().enumerate() {
                    fake.write(m);
                    fake.sync(i + 2);
                }
            }
            Mode::Joined => fake.write(&messages.concat()),
            Mode::Split => {
                for m in messages {
                    let half = m.len() / 2;
                    fake.write(&m[..half]);
                    thread::sleep(Duration::from_millis(10));
                    fake.write(&m[half..]);
                }
            }
        }
        fake.sync(1 + messages.len());
        last = Some(fake);
    }
    let mut fake = last.unwrap_or_else(|| {
        let mut f = Fake::connect(addr);
        f.write(&plan.open);
        f.sync(1);
        f
    });
    // A final KEEPALIVE is what completes a script made only of actions (api-notification).
    fake.write(&wire::keepalive());
    fake
}

fn sleeper() -> std::process::Child {
    Command::new("sleep").arg("30").spawn().unwrap()
}

fn signalled_with_usr1(mut child: std::process::Child) -> bool {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.signal() == Some(libc::SIGUSR1);
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_shipped_script_succeeds_against_a_faithful_daemon() {
    let mut names: Vec<String> = std::fs::read_dir(QA)
        .unwrap()
        .filter_map(|e| {
            e.ok()?.file_name().into_string().ok()?.strip_suffix(".msg").map(str::to_string)
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 72);
    for name in names {
        let s = script(&name);
        let needs_signal =
            s.steps.iter().flat_map(|st| &st.entries).any(|e| matches!(e, Entry::Signal { .. }));
        let child = needs_signal.then(sleeper);
        let plan = plan_of(&s);
        let (addr, peer) = start(s, child.as_ref().map(|c| c.id() as i32), Duration::from_secs(10));
        let _fake = play(addr, &plan, Mode::LockStep);
        assert_eq!(peer.join().unwrap(), Outcome::Success, "{name}");
        if let Some(child) = child {
            assert!(signalled_with_usr1(child), "{name}: daemon did not get SIGUSR1");
        }
    }
}

#[test]
fn framing_survives_split_and_joined_segments() {
    for mode in [Mode::Joined, Mode::Split] {
        for name in ["api-rib", "conf-largecommunity", "api-teardown"] {
            let s = script(name);
            let plan = plan_of(&s);
            let (addr, peer) = start(s, None, Duration::from_secs(10));
            play(addr, &plan, mode);
            assert_eq!(peer.join().unwrap(), Outcome::Success, "{name}");
        }
    }
}

#[test]
fn a_missing_message_never_succeeds() {
    let s = script("api-announce");
    let mut plan = plan_of(&s);
    plan.sessions[0].pop();
    let (addr, peer) = start(s, None, Duration::from_millis(1500));
    let _fake = play(addr, &plan, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Unfinished);
}

#[test]
fn wrong_bytes_fail() {
    let s = script("api-announce");
    let mut plan = plan_of(&s);
    let last = plan.sessions[0].last_mut().unwrap();
    let at = last.len() - 1;
    last[at] ^= 1;
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    play(addr, &plan, Mode::LockStep);
    match peer.join().unwrap() {
        Outcome::Failure(report) => assert!(report.contains("unexpected message"), "{report}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_extra_message_fails() {
    // a copy of a message the step holds once belongs nowhere
    let s = script("api-rib");
    let mut plan = plan_of(&s);
    let first = plan.sessions[0][0].clone();
    plan.sessions[0].insert(0, first);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    play(addr, &plan, Mode::LockStep);
    assert!(matches!(peer.join().unwrap(), Outcome::Failure(_)));

    // with nothing left to expect, anything but an End-of-RIB is "extra"
    let s = script("api-notification");
    let mut plan = plan_of(&s);
    let route = script("api-announce").steps[0]
        .entries
        .iter()
        .filter_map(full)
        .find(|m| !wire::is_eor(m))
        .unwrap();
    plan.sessions = vec![vec![route]];
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    let fake = play(addr, &plan, Mode::LockStep);
    match peer.join().unwrap() {
        Outcome::Failure(report) => assert!(report.contains("extra message"), "{report}"),
        other => panic!("{other:?}"),
    }
    // the notification action was performed right after the OPEN reply
    let got = fake.received();
    assert_eq!(got.get(2).map(|m| wire::kind(m)), Some(wire::NOTIFICATION));
}

#[test]
fn wrong_order_across_steps_fails() {
    let s = script("api-rib");
    let mut plan = plan_of(&s);
    // step 10 is the EoR alone; send step 20's UPDATE first
    let eor = plan.sessions[0].remove(0);
    plan.sessions[0].insert(1, eor);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    play(addr, &plan, Mode::LockStep);
    assert!(matches!(peer.join().unwrap(), Outcome::Failure(_)));
}

#[test]
fn an_early_close_is_not_success_but_a_later_session_can_finish() {
    let s = script("api-rib");
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    let all = &plan.sessions[0];
    let (head, tail) = all.split_at(all.len() / 2);
    {
        let mut fake = Fake::connect(addr);
        fake.write(&plan.open);
        for m in head {
            fake.write(m);
        }
        fake.sync(1 + head.len());
        // dropped: the daemon closed the session early
    }
    thread::sleep(Duration::from_millis(300));
    assert!(!peer.is_finished(), "the peer must keep waiting after EOF");
    let rest = Plan { open: plan.open.clone(), sessions: vec![tail.to_vec()] };
    play(addr, &rest, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Success);
}

#[test]
fn signal_goes_to_the_pid_from_the_pid_file() {
    let s = script("api-reload");
    let plan = plan_of(&s);
    let child = sleeper();
    let dir = std::env::temp_dir().join(format!("exabgp-qa-pid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("daemon.pid");
    std::fs::write(&file, format!("{}\n", child.id())).unwrap();
    let config =
        PeerConfig { port: 0, script: s, daemon_pid_file: Some(file), ..PeerConfig::default() };
    let peer = Peer::bind(config, quiet()).unwrap();
    let addr = peer.local_addr().unwrap();
    let handle = thread::spawn(move || peer.run(Some(Duration::from_secs(10))));
    play(addr, &plan, Mode::LockStep);
    assert_eq!(handle.join().unwrap(), Outcome::Success);
    assert!(signalled_with_usr1(child));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_signal_without_a_pid_fails() {
    let s = script("api-reload");
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    play(addr, &plan, Mode::LockStep);
    match peer.join().unwrap() {
        Outcome::Failure(report) => assert!(report.contains("no daemon pid"), "{report}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn route_refresh_is_answered_with_the_accepted_updates() {
    let s = script("api-rr");
    let accepted: Vec<Vec<u8>> = s.steps[1].entries.iter().filter_map(full).collect();
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    let fake = play(addr, &plan, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Success);
    let updates: Vec<Vec<u8>> =
        fake.received().into_iter().filter(|m| wire::kind(m) == wire::UPDATE).collect();
    // the two step-2 routes, in the order the fake sent them (reversed)
    let mut expected = accepted;
    expected.reverse();
    assert_eq!(updates, expected);
}

#[test]
fn open_reply_honours_the_script_options() {
    // conf-ebgp: option:asn:65000
    let s = script("conf-ebgp");
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    let fake = play(addr, &plan, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Success);
    let got = fake.received();
    assert_eq!(got[0], wire::open_reply(&plan.open, Some(65000), false).unwrap());
    assert_eq!(wire::kind(&got[1]), wire::KEEPALIVE);

    // unknown-message: a type 255 right after the OPEN reply and its KEEPALIVE
    let s = script("unknown-message");
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    let fake = play(addr, &plan, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Success);
    assert_eq!(fake.received()[2], wire::unknown_message());

    // conf-unknowncap: capability 66 appended
    let s = script("conf-unknowncap");
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    let fake = play(addr, &plan, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Success);
    assert!(fake.received()[0].ends_with(b"loremipsum"));

    // api-check: default route after the OPEN reply
    let s = script("api-check");
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    let fake = play(addr, &plan, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Success);
    assert_eq!(fake.received()[2], wire::default_route());
}

#[test]
fn inspected_open_must_match() {
    let s = script("conf-hostname");
    let mut plan = plan_of(&s);
    plan.open = synthetic_open();
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    play(addr, &plan, Mode::LockStep);
    assert!(matches!(peer.join().unwrap(), Outcome::Failure(_)));
}

#[test]
fn ipv6_bind_listens_on_the_ipv6_loopback() {
    let s = script("conf-ipself6");
    assert!(s.options.bind_ipv6);
    let plan = plan_of(&s);
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    assert_eq!(addr.ip(), std::net::IpAddr::V6(Ipv6Addr::LOCALHOST));
    play(addr, &plan, Mode::LockStep);
    assert_eq!(peer.join().unwrap(), Outcome::Success);
}

#[test]
fn a_bad_length_field_fails() {
    let s = script("api-announce");
    let mut plan = plan_of(&s);
    plan.sessions[0][0][17] = 3;
    let (addr, peer) = start(s, None, Duration::from_secs(10));
    play(addr, &plan, Mode::LockStep);
    assert!(
        matches!(peer.join().unwrap(), Outcome::Failure(r) if r.contains("invalid message length"))
    );
}

#[test]
fn sink_and_echo_never_finish() {
    for (sink, echo) in [(true, false), (false, true)] {
        let config = PeerConfig { port: 0, sink, echo, ..PeerConfig::default() };
        let peer = Peer::bind(config, quiet()).unwrap();
        let addr = peer.local_addr().unwrap();
        let handle = thread::spawn(move || peer.run(Some(Duration::from_millis(800))));
        let mut fake = Fake::connect(addr);
        fake.write(&synthetic_open());
        let update =
            script("api-announce").steps[0].entries.iter().filter_map(full).next().unwrap();
        fake.write(&update);
        thread::sleep(Duration::from_millis(200));
        let got = fake.received();
        if echo {
            assert_eq!(got.last(), Some(&update));
        } else {
            assert_eq!(got.iter().filter(|m| wire::kind(m) == wire::KEEPALIVE).count(), 2);
        }
        assert_eq!(handle.join().unwrap(), Outcome::Unfinished);
    }
}
