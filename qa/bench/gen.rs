//! Configuration files and API helper scripts for each scenario, written
//! under the run's temp dir. The same text is given to every daemon.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::Path;

use crate::peer::PEER_AS;
use crate::wire::prefix24;

/// The daemon's side of every session.
pub const LOCAL_ADDRESS: &str = "127.0.0.1";
pub const LOCAL_AS: u32 = 65000;

fn prefix_text(i: u64) -> String {
    let p = prefix24(i);
    format!("{}.{}.{}.0/24", p[0], p[1], p[2])
}

/// Attributes of set `s` as config/API text (the same for both forms).
fn attributes(s: u64) -> String {
    format!("next-hop {LOCAL_ADDRESS} med {s} community [{LOCAL_AS}:{s}]")
}

fn neighbor(out: &mut String, peer: Ipv4Addr, body: &str) {
    let _ = write!(
        out,
        "neighbor {peer} {{\n\trouter-id 10.0.0.1;\n\tlocal-address {LOCAL_ADDRESS};\n\tlocal-as {LOCAL_AS};\n\tpeer-as {PEER_AS};\n\thold-time 180;\n\tfamily {{\n\t\tipv4 unicast;\n\t}}\n{body}}}\n\n"
    );
}

fn static_block(out: &mut String, n: u64, sets: u64) {
    out.push_str("\tstatic {\n");
    let sets = sets.max(1);
    for i in 0..n {
        let _ = writeln!(out, "\t\troute {} {};", prefix_text(i), attributes(i % sets));
    }
    out.push_str("\t}\n");
}

/// Scenario 1: `n` static routes over `sets` attribute sets to one peer.
pub fn config_originate(peer: Ipv4Addr, n: u64, sets: u64) -> String {
    let mut body = String::with_capacity(n as usize * 80 + 256);
    static_block(&mut body, n, sets);
    let mut out = String::with_capacity(body.len() + 512);
    neighbor(&mut out, peer, &body);
    out
}

fn process(out: &mut String, name: &str, run: &str) {
    let _ = write!(out, "process {name} {{\n\trun {run};\n\tencoder json;\n}}\n\n");
}

/// Scenario 2: a helper announces the routes once the session is up.
pub fn api_feed(peer: Ipv4Addr, run: &str) -> String {
    let mut out = String::new();
    process(&mut out, "feed", run);
    neighbor(&mut out, peer, "\tapi {\n\t\tprocesses [ feed ];\n\t\tneighbor-changes;\n\t}\n");
    out
}

/// Scenario 3: a helper counts the routes the daemon receives.
pub fn receive_to_api(peer: Ipv4Addr, run: &str) -> String {
    let mut out = String::new();
    process(&mut out, "count", run);
    neighbor(&mut out, peer, "\tapi {\n\t\tprocesses [ count ];\n\t\treceive {\n\t\t\tparsed;\n\t\t\tupdate;\n\t\t}\n\t}\n");
    out
}

/// Scenarios 4 and 5: one neighbor per address, `table` static routes each.
pub fn many_peers(peers: &[Ipv4Addr], table: u64, sets: u64) -> String {
    let mut body = String::new();
    static_block(&mut body, table, sets);
    let mut out = String::with_capacity(peers.len() * (body.len() + 200));
    for p in peers {
        neighbor(&mut out, *p, &body);
    }
    out
}

/// Writes the stamp file atomically: the bench polls for it.
const STAMP: &str = r#"
def stamp(path, text):
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.rename(path + '.tmp', path)
"#;

/// Scenario 2 helper: argv n sets stamp. Builds every command first, waits
/// for the neighbor to come up, notes the time, writes them all, then
/// keeps draining the daemon's acknowledgements until its stdin closes.
pub fn feed_script() -> String {
    format!(
        r#"import json, os, sys, threading, time
{STAMP}
n, sets, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
up = threading.Event()

def read():
    for line in sys.stdin:
        if not up.is_set() and '"state"' in line:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get('type') == 'state' and msg.get('neighbor', {{}}).get('state') == 'up':
                up.set()
    os._exit(0)

threading.Thread(target=read, daemon=True).start()

def prefix(i):
    return '%d.%d.%d.0/24' % (16 + ((i >> 16) & 255), (i >> 8) & 255, i & 255)

lines = ['announce route %s next-hop {LOCAL_ADDRESS} med %d community [{LOCAL_AS}:%d]\n' % (prefix(i), i % sets, i % sets) for i in range(n)]
up.wait()
first = time.time()
out = sys.stdout
for i in range(0, n, 1000):
    out.write(''.join(lines[i:i + 1000]))
    out.flush()
stamp(path, '%.6f %d\n' % (first, n))
while True:
    time.sleep(3600)
"#
    )
}

/// Scenario 3 helper: argv n stamp. Says it is ready to read (creates
/// `<stamp>.ready`, which the source peer waits for before its first
/// UPDATE), then counts announced NLRI in the daemon's JSON and notes the
/// time the n-th arrives.
pub fn count_script() -> String {
    format!(
        r#"import json, os, sys, time
{STAMP}
n, path = int(sys.argv[1]), sys.argv[2]
stamp(path + '.ready', '%.6f 0\n' % time.time())
seen = 0
for line in sys.stdin:
    if seen >= n or '"announce"' not in line:
        continue
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    announce = msg.get('neighbor', {{}}).get('message', {{}}).get('update', {{}}).get('announce', {{}})
    for family in announce.values():
        for routes in family.values():
            seen += len(routes)
    if seen >= n:
        stamp(path, '%.6f %d\n' % (time.time(), seen))
"#
    )
}

/// The `run` line for a helper: absolute python3, unbuffered, with arguments.
pub fn run_line(python: &Path, script: &Path, args: &[String]) -> String {
    let mut line = format!("{} -u {}", python.display(), script.display());
    for a in args {
        line.push(' ');
        line.push_str(a);
    }
    line
}

/// Read a helper's stamp file: (unix time, count).
pub fn read_stamp(path: &Path) -> Option<(f64, u64)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut words = text.split_whitespace();
    let at = words.next()?.parse().ok()?;
    let count = words.next()?.parse().ok()?;
    Some((at, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originate_has_every_route_once() {
        let conf = config_originate(Ipv4Addr::new(127, 0, 0, 2), 1000, 7);
        assert_eq!(conf.matches("\t\troute ").count(), 1000);
        assert!(conf.contains("route 16.0.0.0/24 next-hop 127.0.0.1 med 0 community [65000:0];"));
        assert!(conf.contains("route 16.0.3.0/24 next-hop 127.0.0.1 med 3 community [65000:3];"));
        assert!(conf.contains("neighbor 127.0.0.2 {"));
        assert!(conf.contains("peer-as 65001;"));
        assert_eq!(conf.matches('{').count(), conf.matches('}').count());
    }

    #[test]
    fn many_peers_names_only_loopback() {
        let peers: Vec<Ipv4Addr> = (0..3).map(crate::peer::many_address).collect();
        let conf = many_peers(&peers, 5, 2);
        assert_eq!(conf.matches("neighbor 127.1.").count(), 3);
        assert_eq!(conf.matches("\t\troute ").count(), 15);
        for word in conf.split(|c: char| c.is_whitespace() || c == ';') {
            if let Ok(ip) = word.parse::<Ipv4Addr>() {
                assert!(ip.is_loopback() || ip == Ipv4Addr::new(10, 0, 0, 1), "{ip}");
            }
        }
    }

    #[test]
    fn helpers_name_their_process() {
        let run = run_line(Path::new("/usr/bin/python3"), Path::new("/tmp/x/feed.py"), &["10".into(), "2".into()]);
        assert_eq!(run, "/usr/bin/python3 -u /tmp/x/feed.py 10 2");
        assert!(api_feed(Ipv4Addr::new(127, 0, 0, 2), &run).contains("processes [ feed ];"));
        assert!(receive_to_api(Ipv4Addr::new(127, 0, 0, 2), &run).contains("receive {"));
        assert!(feed_script().contains("announce route %s next-hop 127.0.0.1"));
        assert!(count_script().contains("'announce'"));
    }

    #[test]
    fn stamp_parses() {
        let dir = std::env::temp_dir().join(format!("exabgp-bench-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("stamp");
        assert_eq!(read_stamp(&path), None);
        std::fs::write(&path, "1764031200.250000 42\n").expect("write");
        assert_eq!(read_stamp(&path), Some((1764031200.25, 42)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
