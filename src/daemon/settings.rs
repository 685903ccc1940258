//! From the configuration model to what the reactor runs: a `Neighbor`
//! becomes `PeerSettings` (with the `LocalCapabilities` of its OPEN), a
//! `Process` becomes a `ProcessSpec`, and the environment says where to
//! listen (configuration.md §17, §19).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::bgp::capability::LocalCapabilities;
use crate::config::{Neighbor, Process};
use crate::environment::Environment;
use crate::reactor::listener::ListenOptions;
use crate::reactor::process::{ProcessSpec, StderrMode};
use crate::reactor::PeerSettings;

/// The BGP port, when neither the neighbor nor the process environment
/// names another.
pub const BGP_PORT: u16 = 179;

/// What the daemon reads once at start-up besides the typed environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// `exabgp.tcp.port` / `exabgp_tcp_port` from the *process environment*
    /// when numeric: ExaBGP's connect port does not look at the ini file.
    pub connect_port: Option<u16>,
    /// `bgp.passive` (or `-P`): every neighbor is passive.
    pub passive: bool,
    /// `tcp.attempts` (0 = unlimited).
    pub attempts: u32,
    /// `bgp.openwait`.
    pub open_wait: Duration,
    /// What the software-version capability announces (`ExaBGP/<release>`).
    pub release: String,
    /// `bgp.send_hold_time` (ours, RFC 9687); `None`: the RFC's default.
    pub send_hold: Option<Duration>,
}

impl Defaults {
    /// From the environment; `var` reads the process environment.
    pub fn new(env: &Environment, var: &dyn Fn(&str) -> Option<String>) -> Defaults {
        let numeric =
            |k: &str| var(k).filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
        let connect_port = numeric("exabgp.tcp.port")
            .or_else(|| numeric("exabgp_tcp_port"))
            .and_then(|v| v.parse::<u16>().ok());
        Defaults {
            connect_port,
            passive: env.bgp.passive,
            attempts: env.tcp.attempts,
            open_wait: Duration::from_secs(u64::from(env.bgp.openwait)),
            release: crate::cli::version::version(),
            send_hold: (env.bgp.send_hold_time != 0)
                .then(|| Duration::from_secs(u64::from(env.bgp.send_hold_time))),
        }
    }
}

/// A neighbor's session settings (§17): connect port from `connect`, else
/// the environment, else 179; passive when the neighbor or `bgp.passive`
/// says so; MD5 key already decoded by the configuration.
pub fn peer_settings(neighbor: &Neighbor, defaults: &Defaults) -> PeerSettings {
    let mut s = PeerSettings::new(neighbor.peer_address);
    s.local_address = neighbor.local_address;
    s.peer_port = match neighbor.connect {
        0 => defaults.connect_port.unwrap_or(BGP_PORT),
        port => port,
    };
    s.listen_port = (neighbor.listen != 0).then_some(neighbor.listen);
    s.local_as = neighbor.local_as;
    s.peer_as = neighbor.peer_as;
    s.router_id = neighbor.router_id;
    s.hold_time = neighbor.hold_time;
    s.passive = neighbor.passive || defaults.passive;
    s.md5 = neighbor.md5_key.clone().filter(|k| !k.is_empty());
    s.outgoing_ttl = neighbor.outgoing_ttl.filter(|t| *t != 0);
    s.incoming_ttl = neighbor.incoming_ttl.filter(|t| *t != 0);
    s.attempts = defaults.attempts;
    s.open_wait = defaults.open_wait;
    s.send_hold = defaults.send_hold;
    s.capabilities = local_capabilities(neighbor, &defaults.release);
    s.aigp = neighbor.capability.aigp == Some(true);
    s
}

/// What a neighbor's OPEN announces, ExaBGP's `Capabilities.new`: every
/// configured family (multi-session restricts only the outgoing RIB), the
/// graceful-restart time when enabled, the software version of this
/// release when enabled.
pub fn local_capabilities(neighbor: &Neighbor, release: &str) -> LocalCapabilities {
    let c = &neighbor.capability;
    LocalCapabilities {
        families: neighbor.families.clone(),
        // The peer layer puts the OPEN's ASN (configured or mirrored) here.
        local_as: neighbor.local_as.unwrap_or(0),
        asn4: c.asn4,
        nexthop: c.nexthop == Some(true),
        nexthops: neighbor.nexthops.clone(),
        add_path: c.add_path.code(),
        addpath_families: neighbor.addpaths.clone(),
        graceful_restart: c.graceful_restart.unwrap_or(0),
        restarted: false,
        route_refresh: c.route_refresh,
        operational: c.operational,
        extended_message: c.extended_message,
        host_name: neighbor.host_name.clone(),
        domain_name: neighbor.domain_name.clone(),
        software_version: c.software_version.then(|| release.to_string()),
        multi_session: c.multi_session,
    }
}

/// A `process` section as the reactor spawns it: the resolved argv, run
/// directly, stderr inherited (as ExaBGP), respawn as configured.
pub fn process_spec(process: &Process) -> ProcessSpec {
    ProcessSpec {
        name: process.name.clone(),
        argv: process.run.clone(),
        respawn: process.respawn,
        stderr: StderrMode::Inherit,
    }
}

/// One listening socket to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    pub addr: SocketAddr,
    pub options: ListenOptions,
}

/// Where to listen (§17): each `tcp.bind` address on `tcp.port`, with the
/// MD5 keys of the neighbors of the same address family; and, for each
/// neighbor with `listen <port>`, its md5-ip (else its local address, else
/// any) on that port, with its key and incoming TTL.
pub fn listeners(env: &Environment, neighbors: &[Neighbor]) -> Vec<Listen> {
    let mut out = Vec::new();
    for ip in &env.tcp.bind {
        let md5 = neighbors
            .iter()
            .filter(|n| n.peer_address.is_ipv4() == ip.is_ipv4())
            .filter_map(|n| {
                n.md5_key
                    .clone()
                    .filter(|k| !k.is_empty())
                    .map(|k| (n.peer_address, k))
            })
            .collect();
        out.push(Listen {
            addr: SocketAddr::new(*ip, env.tcp.port),
            options: ListenOptions { md5, min_ttl: None },
        });
    }
    for n in neighbors.iter().filter(|n| n.listen != 0) {
        let ip = n
            .md5_ip
            .or(n.local_address)
            .unwrap_or(if n.peer_address.is_ipv4() {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            } else {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            });
        let addr = SocketAddr::new(ip, n.listen);
        let md5: Vec<(IpAddr, Vec<u8>)> = n
            .md5_key
            .clone()
            .filter(|k| !k.is_empty())
            .map(|k| vec![(n.peer_address, k)])
            .unwrap_or_default();
        let min_ttl = n.incoming_ttl.filter(|t| *t != 0);
        // Several neighbors may share one `listen` socket: merge their keys.
        match out.iter_mut().find(|l| l.addr == addr) {
            Some(existing) => {
                existing.options.md5.extend(md5);
                if existing.options.min_ttl.is_none() {
                    existing.options.min_ttl = min_ttl;
                }
            }
            None => out.push(Listen {
                addr,
                options: ListenOptions { md5, min_ttl },
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::capability::Capabilities;
    use crate::config::{load_str, LoadOptions};
    use crate::environment::Locations;

    fn neighbors(text: &str) -> Vec<Neighbor> {
        let options = LoadOptions {
            check_programs: false,
            ..LoadOptions::default()
        };
        match load_str("test.conf", text, &options) {
            Ok(c) => c.neighbors,
            Err(e) => panic!("{e}"),
        }
    }

    fn defaults() -> Defaults {
        Defaults {
            connect_port: Some(1790),
            passive: false,
            attempts: 1,
            open_wait: Duration::from_secs(60),
            release: "5.0.0-0+test".to_string(),
            send_hold: None,
        }
    }

    fn open_hex(caps: &Capabilities) -> String {
        let mut out = bytes::BytesMut::new();
        caps.pack(&mut out);
        let mut hex = String::new();
        crate::json::hex_upper(&mut hex, &out);
        hex
    }

    #[test]
    fn neighbor_to_peer_settings() {
        let n = neighbors(
            "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 2; hold-time 30; family { ipv4 unicast; } }",
        );
        let s = peer_settings(&n[0], &defaults());
        assert_eq!(s.peer_address, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(s.local_address, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(s.peer_port, 1790);
        assert_eq!(s.local_as, Some(1));
        assert_eq!(s.peer_as, Some(2));
        assert_eq!(s.router_id, Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(s.hold_time, 30);
        assert_eq!(s.attempts, 1);
        assert!(!s.passive);
        assert_eq!(s.listen_port, None);
    }

    #[test]
    fn connect_overrides_environment_port_and_bgp_passive_applies() {
        let n = neighbors(
            "neighbor 10.0.0.1 { local-as auto; peer-as auto; router-id 1.1.1.1; connect 1234; }",
        );
        let mut d = defaults();
        d.passive = true;
        let s = peer_settings(&n[0], &d);
        assert_eq!(s.peer_port, 1234);
        assert!(s.passive);
        assert_eq!(s.local_as, None);
        assert_eq!(s.peer_as, None);
        d.connect_port = None;
        let n = neighbors("neighbor 10.0.0.1 { local-as 1; peer-as 1; router-id 1.1.1.1; }");
        assert_eq!(peer_settings(&n[0], &d).peer_port, BGP_PORT);
    }

    #[test]
    fn connect_port_only_from_numeric_process_environment() {
        let env = Environment::defaults(Locations::new("/"));
        let d = Defaults::new(&env, &|k| {
            (k == "exabgp_tcp_port").then(|| "1795".to_string())
        });
        assert_eq!(d.connect_port, Some(1795));
        let d = Defaults::new(&env, &|k| {
            (k == "exabgp.tcp.port").then(|| "x179".to_string())
        });
        assert_eq!(d.connect_port, None);
        let d = Defaults::new(&env, &|k| match k {
            "exabgp.tcp.port" => Some("1000".to_string()),
            "exabgp_tcp_port" => Some("2000".to_string()),
            _ => None,
        });
        assert_eq!(d.connect_port, Some(1000));
    }

    /// conf-cap-software-version.msg: the OPEN's optional parameters (with their length).
    #[test]
    fn software_version_capability_bytes() {
        let n = neighbors(
            "neighbor 127.0.0.1 { router-id 10.0.0.2; local-address 127.0.0.1; local-as 65533; peer-as 65533; capability { software-version enable; } family { ipv4 unicast; } }",
        );
        let caps = local_capabilities(&n[0], "5.0.0-0+test").build();
        assert_eq!(
            open_hex(&caps),
            "280206010400010001020641040000FFFD02164B14134578614247502F352E302E302D302B74657374"
        );
    }

    /// conf-hostname.msg: the OPEN's optional parameters.
    #[test]
    fn hostname_capability_bytes() {
        let n = neighbors(
            "neighbor 127.0.0.1 { router-id 10.0.0.2; local-address 127.0.0.1; local-as 65533; peer-as 65533; hold-time 180; host-name my-host-name; domain-name my-domain-name.com; family { ipv4 unicast; } }",
        );
        let caps = local_capabilities(&n[0], "x").build();
        assert_eq!(
            open_hex(&caps),
            "340206010400010001020641040000FFFD022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D"
        );
    }

    #[test]
    fn listen_plan() {
        let mut env = Environment::defaults(Locations::new("/"));
        let n = neighbors(
            "neighbor 127.0.0.1 { router-id 1.1.1.1; local-address 127.0.0.1; local-as 1; peer-as 1; md5-password secret; }
             neighbor 127.0.0.2 { router-id 1.1.1.1; local-address 127.0.0.1; local-as 1; peer-as 1; listen 1800; }",
        );
        assert_eq!(listeners(&env, &n[..1]), vec![]);
        env.tcp.bind = vec!["127.0.0.1".parse().unwrap()];
        env.tcp.port = 1799;
        let plan = listeners(&env, &n);
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].addr, "127.0.0.1:1799".parse().unwrap());
        assert_eq!(
            plan[0].options.md5,
            vec![("127.0.0.1".parse().unwrap(), b"secret".to_vec())]
        );
        assert_eq!(plan[1].addr, "127.0.0.1:1800".parse().unwrap());
        assert!(plan[1].options.md5.is_empty());
    }

    #[test]
    fn process_spec_keeps_argv() {
        let p = Process {
            name: "p".into(),
            run: vec!["/bin/cat".into(), "-u".into()],
            encoder: crate::config::Encoder::Text,
            respawn: false,
        };
        let spec = process_spec(&p);
        assert_eq!(spec.argv, vec!["/bin/cat".to_string(), "-u".to_string()]);
        assert!(!spec.respawn);
    }
}
