//! The BGP implementations the daemon peers with, and what each must show through its own CLI.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::util::{self, output, render, squeeze, wait_for, Proc};
use crate::{Ctx, Session};

const CLI_TIMEOUT: Duration = Duration::from_secs(10);
const ROUTE_TIMEOUT: Duration = Duration::from_secs(15);

/// A unicast route the daemon announces, with the attributes the peer must show.
pub struct Route {
    pub prefix: &'static str,
    pub v6: bool,
    pub next_hop: &'static str,
    pub as_path: &'static [u32],
    pub med: u32,
    pub communities: &'static [(u16, u16)],
    pub large: &'static [(u32, u32, u32)],
    /// API commands for the helper (the static routes only use `withdraw`).
    pub announce: &'static str,
    pub withdraw: &'static str,
}

/// Must match the `static` block of exabgp.conf.in.
pub const V4_STATIC: Route = Route {
    prefix: "10.1.0.0/24",
    v6: false,
    next_hop: "192.0.2.1",
    as_path: &[65001, 64999],
    med: 50,
    communities: &[(65001, 1), (65001, 2)],
    large: &[(65001, 1, 2)],
    announce: "",
    withdraw: "withdraw route 10.1.0.0/24 next-hop 192.0.2.1",
};

pub const V6_STATIC: Route = Route {
    prefix: "2001:db8:1::/48",
    v6: true,
    next_hop: "2001:db8::1",
    as_path: &[65001, 64998],
    med: 60,
    communities: &[(65001, 3)],
    large: &[(65001, 3, 4)],
    announce: "",
    withdraw: "withdraw route 2001:db8:1::/48 next-hop 2001:db8::1",
};

/// Announced through the API once the session is up.
pub const V4_API: Route = Route {
    prefix: "10.2.0.0/24",
    v6: false,
    next_hop: "192.0.2.2",
    as_path: &[65001, 64997, 64996],
    med: 10,
    communities: &[(65001, 10)],
    large: &[(65001, 10, 20)],
    announce: "announce route 10.2.0.0/24 next-hop 192.0.2.2 med 10 community [ 65001:10 ] \
               large-community [ 65001:10:20 ] as-path [ 65001 64997 64996 ]",
    withdraw: "withdraw route 10.2.0.0/24 next-hop 192.0.2.2",
};

/// What the peer's session looks like now.
pub struct State {
    pub established: bool,
    /// Changes when the session restarts.
    pub since: String,
    /// Keepalives the peer received, where its CLI tells.
    pub keepalives: Option<u64>,
    /// The CLI's answer, for failure messages.
    pub text: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    Bird,
    Gobgp,
    Frr,
}

/// FRR installs its daemons outside PATH.
const FRR_BGPD: &str = "/usr/lib/frr/bgpd";

impl Impl {
    pub fn name(self) -> &'static str {
        match self {
            Impl::Bird => "bird",
            Impl::Gobgp => "gobgp",
            Impl::Frr => "frr",
        }
    }

    /// The peer's own AS.
    pub fn asn(self) -> u32 {
        match self {
            Impl::Bird => 65010,
            Impl::Gobgp => 65020,
            Impl::Frr => 65030,
        }
    }

    /// The missing package, if any.
    pub fn missing(self) -> Option<&'static str> {
        let (programs, package): (&[&str], &str) = match self {
            Impl::Bird => (&["bird", "birdc"], "bird2"),
            Impl::Gobgp => (&["gobgpd", "gobgp"], "gobgpd"),
            Impl::Frr => (&[FRR_BGPD, "vtysh"], "frr"),
        };
        let found = |p: &&str| {
            if p.starts_with('/') {
                std::path::Path::new(p).is_file()
            } else {
                util::which(p).is_some()
            }
        };
        if programs.iter().all(found) {
            None
        } else {
            Some(package)
        }
    }

    pub fn log_path(self, s: &Session) -> PathBuf {
        s.dir.join(format!("{}.log", self.name()))
    }

    pub fn log(self, s: &Session) -> String {
        std::fs::read_to_string(self.log_path(s)).unwrap_or_default()
    }

    /// Writes the config, starts the implementation and waits until its CLI answers.
    pub fn start(self, ctx: &Ctx, s: &Session) -> Result<Proc, String> {
        let vars = vec![
            ("DIR", s.dir.display().to_string()),
            ("PEER", s.peer.clone()),
            ("LOCAL", s.local.clone()),
            ("PORT", s.port.to_string()),
            ("EXPECT_AS", s.expect_as.to_string()),
            ("PASSWORD", self.password_line(s)),
        ];
        let (template, conf) = match self {
            Impl::Bird => ("bird.conf.in", "bird.conf"),
            Impl::Gobgp => ("gobgp.toml.in", "gobgp.toml"),
            Impl::Frr => ("frr.conf.in", "frr.conf"),
        };
        let conf = s.dir.join(conf);
        render(&ctx.qa.join(template), &vars, &conf)?;
        let conf = conf.display().to_string();
        let mut proc = match self {
            Impl::Bird => {
                let mut cmd = Command::new("bird");
                cmd.args(["-f", "-c", &conf, "-s", &self.socket(s), "-P"])
                    .arg(s.dir.join("bird.pid"));
                // bird writes its own log file; its stderr goes next to it.
                Proc::spawn("bird", cmd, &s.dir.join("bird.stderr"))?
            }
            Impl::Gobgp => {
                let mut cmd = Command::new("gobgpd");
                cmd.args(["-f", &conf, "-t", "toml", "-l", "debug", "--pprof-disable"])
                    .arg(format!("--api-hosts=127.0.0.1:{}", s.api_port));
                Proc::spawn("gobgpd", cmd, &self.log_path(s))?
            }
            Impl::Frr => {
                // bgpd alone: no zebra (-Z), no kernel (-n), no privilege change (-S), listening
                // only on the peer address and port, no TCP vty (-P 0).
                let mut cmd = Command::new(FRR_BGPD);
                let port = s.port.to_string();
                cmd.args([
                    "-f", &conf, "-Z", "-n", "-S", "-p", &port, "-l", &s.peer, "-P", "0",
                ])
                .arg("--vty_socket")
                .arg(&s.dir)
                .arg("-i")
                .arg(s.dir.join("bgpd.pid"));
                Proc::spawn("bgpd", cmd, &s.dir.join("frr.stdout"))?
            }
        };
        wait_for(CLI_TIMEOUT, || {
            if let Some(exit) = proc.exited() {
                return Ok(Err(exit));
            }
            self.cli(s, &["show-status"]).map(Ok)
        })
        .map_err(|e| format!("{} did not come up: {e}", self.name()))?
        .map_err(|e| format!("{e}{}", util::tail(&self.log_path(s), 10)))?;
        if self == Impl::Gobgp {
            // The routes GoBGP announces to the daemon (BIRD's come from its config).
            for args in [
                "global rib add -a ipv4 10.9.0.0/24 nexthop 192.0.2.9 origin igp aspath 65030 med 77 \
                 community 65020:100 large-community 65020:1:2",
                "global rib add -a ipv6 2001:db8:9::/48 nexthop 2001:db8::9 origin igp med 78 \
                 community 65020:101 large-community 65020:3:4",
            ] {
                let args: Vec<&str> = args.split_whitespace().collect();
                self.cli(s, &args)?;
            }
        }
        Ok(proc)
    }

    fn socket(self, s: &Session) -> String {
        s.dir.join("bird.ctl").display().to_string()
    }

    fn password_line(self, s: &Session) -> String {
        match (&s.password, self) {
            (None, _) => String::new(),
            (Some(p), Impl::Bird) => format!("password \"{p}\";"),
            (Some(p), Impl::Gobgp) => format!("auth-password = \"{p}\""),
            (Some(p), Impl::Frr) => format!("neighbor {} password {p}", s.local),
        }
    }

    /// Runs the implementation's CLI; `show-status` is a readiness probe.
    pub fn cli(self, s: &Session, args: &[&str]) -> Result<String, String> {
        match self {
            Impl::Bird => {
                let sock = self.socket(s);
                let args: Vec<&str> = if args == ["show-status"] {
                    vec!["show", "status"]
                } else {
                    args.to_vec()
                };
                let mut full = vec!["-s", sock.as_str()];
                full.extend(args);
                let out = output("birdc", &full, CLI_TIMEOUT)?;
                if out.contains("Unable to connect") {
                    return Err(out);
                }
                Ok(out)
            }
            Impl::Gobgp => {
                let port = s.api_port.to_string();
                let args: Vec<&str> = if args == ["show-status"] {
                    vec!["global"]
                } else {
                    args.to_vec()
                };
                let mut full = vec!["-u", "127.0.0.1", "-p", port.as_str()];
                full.extend(args);
                output("gobgp", &full, CLI_TIMEOUT)
            }
            Impl::Frr => {
                let joined = if args == ["show-status"] {
                    "show bgp summary".to_string()
                } else {
                    args.join(" ")
                };
                let dir = s.dir.display().to_string();
                let out = output(
                    "vtysh",
                    &["--vty_socket", &dir, "-d", "bgpd", "-c", &joined],
                    CLI_TIMEOUT,
                )?;
                if out.contains("failed to connect") || out.contains("Exiting") {
                    return Err(out);
                }
                Ok(out)
            }
        }
    }

    pub fn state(self, s: &Session) -> Result<State, String> {
        match self {
            Impl::Bird => {
                let text = self.cli(s, &["show", "protocols", "all", "interop"])?;
                // "interop    BGP        ---        up     00:40:17.869  Established"
                let line = text
                    .lines()
                    .find(|l| l.starts_with("interop "))
                    .unwrap_or_default();
                let cols: Vec<&str> = line.split_whitespace().collect();
                Ok(State {
                    established: cols.get(5) == Some(&"Established"),
                    since: cols.get(4).copied().unwrap_or_default().to_string(),
                    keepalives: None,
                    text: text.lines().take(4).collect::<Vec<_>>().join(" / "),
                })
            }
            Impl::Gobgp => {
                let text = self.cli(s, &["neighbor", &s.local])?;
                let established = text.contains("BGP state = ESTABLISHED");
                // "BGP OutQ = 0, Flops = 0": flops count the session going down.
                let since = text
                    .lines()
                    .find(|l| l.contains("Flops"))
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let keepalives = text
                    .lines()
                    .find(|l| l.trim_start().starts_with("Keepalives:"))
                    .and_then(|l| l.split_whitespace().nth(2))
                    .and_then(|n| n.parse().ok());
                let first = text
                    .lines()
                    .find(|l| l.contains("BGP state"))
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                Ok(State {
                    established,
                    since,
                    keepalives,
                    text: first,
                })
            }
            Impl::Frr => {
                let text = self.cli(s, &["show", "bgp", "neighbor", &s.local, "json"])?;
                let json = squeeze(&text);
                let state = json
                    .split("\"bgpState\":\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or_default()
                    .to_string();
                Ok(State {
                    established: state == "Established",
                    // The established epoch is derived from the uptime and jitters: count sessions.
                    since: json_number(&json, "connectionsEstablished")
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    keepalives: json_number(&json, "keepalivesRecv"),
                    text: format!("bgpState {state}"),
                })
            }
        }
    }

    /// What the peer shows for `route`, or why it does not match.
    fn check_route(self, s: &Session, route: &Route) -> Result<(), String> {
        match self {
            Impl::Bird => {
                let table = if route.v6 { "master6" } else { "master4" };
                let text = self.cli(s, &["show", "route", route.prefix, "table", table, "all"])?;
                let block = bird_block(&text, route.prefix)
                    .ok_or_else(|| format!("{} not in {table}", route.prefix))?;
                let path: Vec<String> = route.as_path.iter().map(u32::to_string).collect();
                let comms: Vec<String> = route
                    .communities
                    .iter()
                    .map(|(a, b)| format!("({a},{b})"))
                    .collect();
                let large: Vec<String> = route
                    .large
                    .iter()
                    .map(|(a, b, c)| format!("({a}, {b}, {c})"))
                    .collect();
                let want = [
                    "BGP.origin: IGP".to_string(),
                    format!("BGP.as_path: {}", path.join(" ")),
                    format!("BGP.next_hop: {}", route.next_hop),
                    format!("BGP.med: {}", route.med),
                    format!("BGP.community: {}", comms.join(" ")),
                    format!("BGP.large_community: {}", large.join(" ")),
                ];
                let lines: Vec<&str> = block.iter().map(|l| l.trim()).collect();
                // BIRD may add the link-local next hop after the global one.
                let missing: Vec<&String> = want
                    .iter()
                    .filter(|w| {
                        !lines.iter().any(|l| {
                            l == w || (w.starts_with("BGP.next_hop") && l.starts_with(w.as_str()))
                        })
                    })
                    .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "{} shown as {:?}, missing {:?}",
                        route.prefix, lines, missing
                    ))
                }
            }
            Impl::Gobgp => {
                let family = if route.v6 { "ipv6" } else { "ipv4" };
                let text = self.cli(s, &["global", "rib", "-a", family, route.prefix, "-j"])?;
                let json = squeeze(&text);
                if !json.contains(&format!("\"{}\":[", route.prefix)) {
                    return Err(format!("{} not in the {family} rib", route.prefix));
                }
                let path: Vec<String> = route.as_path.iter().map(u32::to_string).collect();
                let comms: Vec<String> = route
                    .communities
                    .iter()
                    .map(|(a, b)| ((u32::from(*a) << 16) | u32::from(*b)).to_string())
                    .collect();
                let large: Vec<String> = route
                    .large
                    .iter()
                    .map(|(a, b, c)| {
                        format!("{{\"ASN\":{a},\"LocalData1\":{b},\"LocalData2\":{c}}}")
                    })
                    .collect();
                let want = [
                    "{\"type\":1,\"value\":0}".to_string(),
                    format!("\"asns\":[{}]", path.join(",")),
                    format!("\"nexthop\":\"{}\"", route.next_hop),
                    format!("{{\"type\":4,\"metric\":{}}}", route.med),
                    format!("\"communities\":[{}]", comms.join(",")),
                    format!("{{\"type\":32,\"value\":[{}]}}", large.join(",")),
                ];
                let missing: Vec<&String> =
                    want.iter().filter(|w| !json.contains(w.as_str())).collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "{} shown as {json}, missing {missing:?}",
                        route.prefix
                    ))
                }
            }
            Impl::Frr => {
                let family = if route.v6 { "ipv6" } else { "ipv4" };
                let text =
                    self.cli(s, &["show", "bgp", family, "unicast", route.prefix, "json"])?;
                let json = squeeze(&text);
                if !json.contains(&format!("\"prefix\":\"{}\"", route.prefix)) {
                    return Err(format!("{} not in the {family} table", route.prefix));
                }
                let path: Vec<String> = route.as_path.iter().map(u32::to_string).collect();
                let comms: Vec<String> = route
                    .communities
                    .iter()
                    .map(|(a, b)| format!("{a}:{b}"))
                    .collect();
                let large: Vec<String> = route
                    .large
                    .iter()
                    .map(|(a, b, c)| format!("{a}:{b}:{c}"))
                    .collect();
                // Squeezing removed the spaces inside FRR's strings too.
                let want = [
                    "\"origin\":\"IGP\"".to_string(),
                    format!("\"aspath\":{{\"string\":\"{}\"", path.join("")),
                    format!("\"ip\":\"{}\"", route.next_hop),
                    format!("\"metric\":{},", route.med),
                    format!("\"community\":{{\"string\":\"{}\"", comms.join("")),
                    format!("\"largeCommunity\":{{\"string\":\"{}\"", large.join("")),
                ];
                let missing: Vec<&String> =
                    want.iter().filter(|w| !json.contains(w.as_str())).collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "{} shown as {json}, missing {missing:?}",
                        route.prefix
                    ))
                }
            }
        }
    }

    pub fn wait_route(self, s: &Session, route: &Route) -> Result<(), String> {
        wait_for(ROUTE_TIMEOUT, || self.check_route(s, route))
    }

    pub fn wait_route_gone(self, s: &Session, route: &Route) -> Result<(), String> {
        wait_for(ROUTE_TIMEOUT, || {
            let present = match self {
                Impl::Bird => {
                    let table = if route.v6 { "master6" } else { "master4" };
                    // birdc exits non-zero with "Network not found" once it is gone.
                    match self.cli(s, &["show", "route", route.prefix, "table", table]) {
                        Ok(text) => text.lines().any(|l| l.starts_with(route.prefix)),
                        Err(e) if e.contains("Network not found") => false,
                        Err(e) => return Err(e),
                    }
                }
                Impl::Gobgp => {
                    let family = if route.v6 { "ipv6" } else { "ipv4" };
                    // gobgp exits non-zero with "Network not in table" once it is gone.
                    match self.cli(s, &["global", "rib", "-a", family, route.prefix, "-j"]) {
                        Ok(text) => squeeze(&text).contains(&format!("\"{}\":[{{", route.prefix)),
                        Err(e) if e.contains("not in table") => false,
                        Err(e) => return Err(e),
                    }
                }
                Impl::Frr => {
                    let family = if route.v6 { "ipv6" } else { "ipv4" };
                    let text =
                        self.cli(s, &["show", "bgp", family, "unicast", route.prefix, "json"])?;
                    squeeze(&text).contains(&format!("\"prefix\":\"{}\"", route.prefix))
                }
            };
            if present {
                Err(format!("{} still present after withdraw", route.prefix))
            } else {
                Ok(())
            }
        })
    }

    /// The FlowSpec rules of exabgp.conf.in, as the peer must show them: for each rule, the
    /// text that names it in the peer's table and what its entry must also show.
    fn flows(
        self,
        v6: bool,
    ) -> (
        Vec<&'static str>,
        &'static [(&'static str, &'static [&'static str])],
    ) {
        // Traffic-rate extended community (RFC 8955 section 7.3): rate 0 is discard, 9600 bytes/s
        // is the float 0x46160000.
        match (self, v6) {
            (Impl::Bird, false) => (
                vec!["show", "route", "table", "flowtab4", "all"],
                &[
                    (
                        "flow4 { dst 10.5.0.0/24; proto 6; dport 80; }",
                        &["BGP.ext_community: (generic, 0x80060000, 0x0)"],
                    ),
                    (
                        "flow4 { src 10.6.0.0/16; proto 17; dport 53; }",
                        &["BGP.ext_community: (generic, 0x80060000, 0x46160000)"],
                    ),
                ],
            ),
            (Impl::Bird, true) => (
                vec!["show", "route", "table", "flowtab6", "all"],
                &[(
                    "flow6 { dst 2001:db8:5::/48; next header 6; dport 443; }",
                    &["BGP.ext_community: (generic, 0x80060000, 0x0)"],
                )],
            ),
            (Impl::Gobgp, false) => (
                vec!["global", "rib", "-a", "ipv4-flowspec"],
                &[
                    (
                        "[destination: 10.5.0.0/24][protocol: ==tcp][destination-port: ==80]",
                        &["{Extcomms: [discard]}"],
                    ),
                    (
                        "[source: 10.6.0.0/16][protocol: ==udp][destination-port: ==53]",
                        &["{Extcomms: [rate: 9600.000000]}"],
                    ),
                ],
            ),
            (Impl::Gobgp, true) => (
                vec!["global", "rib", "-a", "ipv6-flowspec"],
                &[(
                    "[destination: 2001:db8:5::/48/0][protocol: ==tcp][destination-port: ==443]",
                    &["{Extcomms: [discard]}"],
                )],
            ),
            (Impl::Frr, false) => (
                vec!["show", "bgp", "ipv4", "flowspec", "detail"],
                &[
                    (
                        "Destination Address 10.5.0.0/24",
                        &[
                            "IP Protocol = 6",
                            "Destination Port = 80",
                            "FS:rate 0.000000",
                        ],
                    ),
                    (
                        "Source Address 10.6.0.0/16",
                        &[
                            "IP Protocol = 17",
                            "Destination Port = 53",
                            "FS:rate 9600.000000",
                        ],
                    ),
                ],
            ),
            (Impl::Frr, true) => (
                vec!["show", "bgp", "ipv6", "flowspec", "detail"],
                &[(
                    "Destination Address 2001:db8:5::/48/off 0",
                    &[
                        "IP Protocol = 6",
                        "Destination Port = 443",
                        "FS:rate 0.000000",
                    ],
                )],
            ),
        }
    }

    /// Waits until the peer shows every FlowSpec rule of one address family.
    pub fn wait_flows(self, s: &Session, v6: bool) -> Result<(), String> {
        let (command, rules) = self.flows(v6);
        wait_for(ROUTE_TIMEOUT, || {
            let text = self.cli(s, &command)?;
            // One entry per rule: BIRD's first line and its indented attributes, GoBGP's line,
            // FRR's "BGP flowspec entry:" paragraph.
            let entries: Vec<Vec<&str>> = match self {
                Impl::Bird => {
                    let mut entries: Vec<Vec<&str>> = Vec::new();
                    for line in text.lines() {
                        match entries.last_mut() {
                            Some(e) if line.starts_with('\t') || line.starts_with(' ') => {
                                e.push(line.trim())
                            }
                            _ => entries.push(vec![line.trim()]),
                        }
                    }
                    entries
                }
                Impl::Gobgp => text.lines().map(|l| vec![l]).collect(),
                Impl::Frr => text
                    .split("BGP flowspec entry:")
                    .skip(1)
                    .map(|e| e.lines().map(str::trim).collect())
                    .collect(),
            };
            for (key, want) in rules {
                let entry = entries
                    .iter()
                    .find(|e| e.iter().any(|l| l.contains(key)))
                    .ok_or_else(|| format!("{key} not in the peer's flow table: {text}"))?;
                // GoBGP shows a rule on one line, so its attributes are substrings there.
                let shown = |w: &&str| match self {
                    Impl::Gobgp => entry.iter().any(|l| l.contains(*w)),
                    _ => entry.iter().any(|l| l == w),
                };
                if let Some(miss) = want.iter().find(|w| !shown(w)) {
                    return Err(format!("flow {key} shown as {entry:?}, missing {miss}"));
                }
            }
            Ok(())
        })
    }

    /// The UPDATEs the peer sends, as the daemon's JSON must carry them (whitespace removed).
    pub fn received(self, s: &Session) -> Vec<(&'static str, Vec<String>)> {
        // BIRD sends itself as the IPv4 next hop (next hop self, the default over eBGP).
        let peer = &s.peer;
        match self {
            Impl::Bird => vec![
                (
                    "receive-ipv4",
                    vec![
                        format!("\"ipv4unicast\":{{\"{peer}\":[{{\"nlri\":\"10.9.0.0/24\"}}]}}"),
                        "\"origin\":\"igp\"".into(),
                        "\"as-path\":{\"0\":{\"element\":\"as-sequence\",\"value\":[65010,65030]}}"
                            .into(),
                        "\"med\":77".into(),
                        "\"community\":[[65010,100]]".into(),
                        "\"large-community\":[[65010,1,2]]".into(),
                    ],
                ),
                (
                    "receive-ipv6",
                    vec![
                        "\"ipv6unicast\":{\"2001:db8::9\":[{\"nlri\":\"2001:db8:9::/48\"}]}".into(),
                        "\"origin\":\"igp\"".into(),
                        "\"as-path\":{\"0\":{\"element\":\"as-sequence\",\"value\":[65010]}}"
                            .into(),
                        "\"med\":78".into(),
                        "\"community\":[[65010,101]]".into(),
                        "\"large-community\":[[65010,3,4]]".into(),
                    ],
                ),
            ],
            Impl::Frr => Self::frr_received(s),
            Impl::Gobgp => vec![
                (
                    "receive-ipv4",
                    vec![
                        // GoBGP keeps the next hop it was given (no next-hop-self).
                        "\"ipv4unicast\":{\"192.0.2.9\":[{\"nlri\":\"10.9.0.0/24\"}]}".into(),
                        "\"origin\":\"igp\"".into(),
                        "\"as-path\":{\"0\":{\"element\":\"as-sequence\",\"value\":[65020,65030]}}"
                            .into(),
                        "\"med\":77".into(),
                        "\"community\":[[65020,100]]".into(),
                        "\"large-community\":[[65020,1,2]]".into(),
                    ],
                ),
                (
                    "receive-ipv6",
                    vec![
                        "\"ipv6unicast\":{\"2001:db8::9\":[{\"nlri\":\"2001:db8:9::/48\"}]}".into(),
                        "\"origin\":\"igp\"".into(),
                        "\"as-path\":{\"0\":{\"element\":\"as-sequence\",\"value\":[65020]}}"
                            .into(),
                        "\"med\":78".into(),
                        "\"community\":[[65020,101]]".into(),
                        "\"large-community\":[[65020,3,4]]".into(),
                    ],
                ),
            ],
        }
    }

    /// The FRR expectations of `received`.
    fn frr_received(s: &Session) -> Vec<(&'static str, Vec<String>)> {
        let peer = &s.peer;
        vec![
            (
                "receive-ipv4",
                vec![
                    format!("\"ipv4unicast\":{{\"{peer}\":[{{\"nlri\":\"10.9.0.0/24\"}}]}}"),
                    "\"origin\":\"igp\"".into(),
                    "\"as-path\":{\"0\":{\"element\":\"as-sequence\",\"value\":[65030,65031]}}"
                        .into(),
                    "\"med\":77".into(),
                    "\"community\":[[65030,100]]".into(),
                    "\"large-community\":[[65030,1,2]]".into(),
                ],
            ),
            (
                "receive-ipv6",
                vec![
                    // FRR sets itself as next hop over eBGP: its IPv4 address, IPv4-mapped.
                    format!(
                        "\"ipv6unicast\":{{\"::ffff:{peer}\":[{{\"nlri\":\"2001:db8:9::/48\"}}]}}"
                    ),
                    "\"origin\":\"igp\"".into(),
                    "\"as-path\":{\"0\":{\"element\":\"as-sequence\",\"value\":[65030]}}".into(),
                    "\"med\":78".into(),
                    "\"community\":[[65030,101]]".into(),
                    "\"large-community\":[[65030,3,4]]".into(),
                ],
            ),
        ]
    }

    /// Whether the peer's log shows it refused the OPEN with NOTIFICATION 2/2 (Bad Peer AS).
    pub fn logged_bad_peer_as(self, log: &str) -> bool {
        match self {
            // BIRD logs the NOTIFICATION it sends with its RFC 4271 name.
            Impl::Bird => log
                .lines()
                .any(|l| l.contains("interop: Error: Bad peer AS")),
            Impl::Gobgp => {
                let log = squeeze(log);
                log.contains("\"BGPNotification\":{\"Header\":{\"Marker\":null,\"Len\":21,\"Type\":3},\"Body\":{\"ErrorCode\":2,\"ErrorSubcode\":2")
            }
            Impl::Frr => log.lines().any(|l| {
                l.contains("%NOTIFICATION: sent to neighbor")
                    && l.contains("2/2 (OPEN Message Error/Bad Peer AS)")
            }),
        }
    }
}

/// The lines of the route in BIRD's `show route ... all` output whose first line starts with `key`.
fn bird_block<'a>(text: &'a str, key: &str) -> Option<Vec<&'a str>> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(key));
    let first = lines.next()?;
    let mut block = vec![first];
    block.extend(lines.take_while(|l| l.starts_with('\t') || l.starts_with(' ')));
    Some(block)
}

/// The number after `"key":` in whitespace-free JSON.
fn json_number(json: &str, key: &str) -> Option<u64> {
    let rest = json.split(&format!("\"{key}\":")).nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}
