//! `show neighbor configuration`: a neighbor's settings as configuration
//! text, the way ExaBGP prints a neighbor (`str(neighbor)`): its routes are
//! not listed, unset values show as Python's `None`, and the tab-indented
//! text has every tab turned into two spaces.

use std::fmt::Write;

use crate::config::api::{Api, MessageFlags};
use crate::config::capability::AddPathMode;
use crate::config::neighbor::Neighbor;

/// The lines `show neighbor` answers when no view was named.
pub const USAGE: [&str; 2] =
    ["please specify summary, extensive or configuration", "you can filter by peer ip address adding it after the word neighbor"];

fn on_off(flag: bool) -> &'static str {
    if flag {
        "true"
    } else {
        "false"
    }
}

fn enable(flag: bool) -> &'static str {
    if flag {
        "enable"
    } else {
        "disable"
    }
}

fn or_none<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "None".to_string(), |v| v.to_string())
}

fn add_path(mode: AddPathMode) -> &'static str {
    match mode {
        AddPathMode::Disabled => "disable",
        AddPathMode::Receive => "receive",
        AddPathMode::Send => "send",
        AddPathMode::SendReceive => "send/receive",
    }
}

/// The message flags of one direction, in ExaBGP's listing order.
fn message_flags(flags: &MessageFlags) -> [(&'static str, bool); 9] {
    [
        ("packets", flags.packets),
        ("parsed", flags.parsed),
        ("consolidate", flags.consolidate),
        ("notification", flags.notification),
        ("open", flags.open),
        ("keepalive", flags.keepalive),
        ("update", flags.update),
        ("refresh", flags.refresh),
        ("operational", flags.operational),
    ]
}

/// One `api` block per process named in the neighbor's blocks (in order,
/// repeats kept, as ExaBGP's flattened `processes` list), each flag on when
/// any block naming the process sets it.
fn api_blocks(blocks: &[Api], out: &mut String) {
    for process in blocks.iter().flat_map(|b| b.processes.iter()) {
        let mine: Vec<&Api> = blocks.iter().filter(|b| b.processes.contains(process)).collect();
        let _ = writeln!(out, "\tapi {{\n\t\tprocesses [ {process} ];");
        let globals = [
            ("neighbor-changes", mine.iter().any(|a| a.neighbor_changes)),
            ("negotiated", mine.iter().any(|a| a.negotiated)),
            ("fsm", mine.iter().any(|a| a.fsm)),
            ("signal", mine.iter().any(|a| a.signal)),
        ];
        for (name, _) in globals.iter().filter(|(_, on)| *on) {
            let _ = writeln!(out, "\t\t{name};");
        }
        for (direction, flags) in [
            ("receive", mine.iter().map(|a| message_flags(&a.receive)).collect::<Vec<_>>()),
            ("send", mine.iter().map(|a| message_flags(&a.send)).collect()),
        ] {
            let on: Vec<&str> = (0..9)
                .filter(|&i| flags.iter().any(|f| f.get(i).is_some_and(|(_, on)| *on)))
                .filter_map(|i| message_flags(&MessageFlags::default()).get(i).map(|(name, _)| *name))
                .collect();
            if !on.is_empty() {
                let _ = writeln!(out, "\t\t{direction} {{");
                for name in on {
                    let _ = writeln!(out, "\t\t\t{name};");
                }
                out.push_str("\t\t}\n");
            }
        }
        out.push_str("\t}\n");
    }
}

/// Appends `n`'s configuration text (no trailing newline), as ExaBGP's
/// `NeighborTemplate.configuration(neighbor, False)`.
pub fn neighbor(n: &Neighbor, out: &mut String) {
    let mut t = String::new();
    let c = &n.capability;
    let _ = writeln!(t, "neighbor {} {{", n.peer_address);
    let _ = writeln!(t, "\tdescription \"{}\";", n.description);
    let _ = writeln!(t, "\trouter-id {};", or_none(n.router_id));
    let _ = writeln!(t, "\thost-name {};", or_none(n.host_name.as_deref()));
    let _ = writeln!(t, "\tdomain-name {};", or_none(n.domain_name.as_deref()));
    let local = n.local_address.map_or_else(|| "auto".to_string(), |a| a.to_string());
    let _ = writeln!(t, "\tlocal-address {local};");
    let _ = writeln!(t, "\tsource-interface {};", or_none(n.source_interface.as_deref()));
    let _ = writeln!(t, "\tlocal-as {};", or_none(n.local_as));
    let _ = writeln!(t, "\tpeer-as {};", or_none(n.peer_as));
    let _ = writeln!(t, "\thold-time {};", n.hold_time);
    if n.rate_limit == 0 {
        t.push_str("\trate-limit disable;\n");
    } else {
        let _ = writeln!(t, "\trate-limit {};", n.rate_limit);
    }
    let _ = writeln!(t, "\tmanual-eor {};", on_off(n.manual_eor));
    let _ = writeln!(t, "\n\tpassive {};", on_off(n.passive));
    if n.listen != 0 {
        let _ = writeln!(t, "\n\tlisten {};", n.listen);
    }
    if n.connect != 0 {
        let _ = writeln!(t, "\n\tconnect {};", n.connect);
    }
    let _ = writeln!(t, "\tgroup-updates {};", on_off(n.group_updates));
    let _ = writeln!(t, "\tauto-flush {};", on_off(n.auto_flush));
    let _ = writeln!(t, "\tadj-rib-in {};", on_off(n.adj_rib_in));
    let _ = writeln!(t, "\tadj-rib-out {};", on_off(n.adj_rib_out));
    if let Some(password) = n.md5_password.as_deref().filter(|p| !p.is_empty()) {
        let _ = writeln!(t, "\tmd5-password \"{password}\";");
    }
    let _ = writeln!(t, "\tmd5-base64 {};", on_off(n.md5_base64));
    if !n.auto_discovery() {
        let _ = writeln!(t, "\tmd5-ip \"{}\";", or_none(n.md5_ip.or(n.local_address)));
    }
    if let Some(ttl) = n.outgoing_ttl.filter(|&v| v != 0) {
        let _ = writeln!(t, "\toutgoing-ttl {ttl};");
    }
    if let Some(ttl) = n.incoming_ttl.filter(|&v| v != 0) {
        let _ = writeln!(t, "\tincoming-ttl {ttl};");
    }
    t.push_str("\tcapability {\n");
    let _ = writeln!(t, "\t\tasn4 {};", enable(c.asn4));
    let _ = writeln!(t, "\t\troute-refresh {};", enable(c.route_refresh));
    let restart = c.graceful_restart.filter(|&v| v != 0).map_or_else(|| "disable".to_string(), |v| v.to_string());
    let _ = writeln!(t, "\t\tgraceful-restart {restart};");
    let _ = writeln!(t, "\t\tsoftware-version {};", enable(c.software_version));
    let _ = writeln!(t, "\t\tnexthop {};", enable(c.nexthop.unwrap_or(false)));
    let _ = writeln!(t, "\t\tadd-path {};", add_path(c.add_path));
    let _ = writeln!(t, "\t\tmulti-session {};", enable(c.multi_session));
    let _ = writeln!(t, "\t\toperational {};", enable(c.operational));
    let _ = writeln!(t, "\t\taigp {};", enable(c.aigp.unwrap_or(false)));
    t.push_str("\t}\n\tfamily {");
    for family in &n.families {
        let _ = write!(t, "\n\t\t{family};");
    }
    t.push_str("\n\t}\n\tnexthop {");
    for (family, afi) in &n.nexthops {
        let _ = write!(t, "\n\t\t{family} {afi};");
    }
    t.push_str("\n\t}\n\tadd-path {");
    for family in &n.addpaths {
        let _ = write!(t, "\n\t\t{family};");
    }
    t.push_str("\n\t}\n");
    api_blocks(&n.api, &mut t);
    t.push('}');
    out.push_str(&t.replace('\t', "  "));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Neighbor> {
        let options = crate::config::LoadOptions { check_programs: false, ..Default::default() };
        crate::config::load_str("a.conf", text, &options).unwrap().neighbors
    }

    /// The text ExaBGP 8a419f78a printed for these two neighbors (taken
    /// from a run of the reference).
    #[test]
    fn matches_the_reference() {
        let n = parse(
            "process p { run /bin/cat; encoder text; }\n\
             neighbor 127.0.0.9 {\n\tdescription \"test peer\";\n\trouter-id 1.2.3.4;\n\tlocal-address 127.0.0.1;\n\
             \tlocal-as 65000;\n\tpeer-as 65001;\n\thold-time 30;\n\
             \tcapability { graceful-restart 120; add-path send/receive; route-refresh; }\n\
             \tfamily { ipv4 unicast; ipv6 unicast; }\n\
             \tapi { processes [ p ]; neighbor-changes; receive { parsed; update; } send { packets; } }\n\
             \tstatic { route 10.0.0.0/24 next-hop 1.1.1.1 med 5; }\n}\n",
        );
        let mut out = String::new();
        neighbor(&n[0], &mut out);
        let want = [
            "neighbor 127.0.0.9 {",
            "  description \"test peer\";",
            "  router-id 1.2.3.4;",
            "  host-name None;",
            "  domain-name None;",
            "  local-address 127.0.0.1;",
            "  source-interface None;",
            "  local-as 65000;",
            "  peer-as 65001;",
            "  hold-time 30;",
            "  rate-limit disable;",
            "  manual-eor false;",
            "",
            "  passive false;",
            "  group-updates true;",
            "  auto-flush true;",
            "  adj-rib-in true;",
            "  adj-rib-out true;",
            "  md5-base64 false;",
            "  md5-ip \"127.0.0.1\";",
            "  capability {",
            "    asn4 enable;",
            "    route-refresh enable;",
            "    graceful-restart 120;",
            "    software-version disable;",
            "    nexthop disable;",
            "    add-path send/receive;",
            "    multi-session disable;",
            "    operational disable;",
            "    aigp disable;",
            "  }",
            "  family {",
            "    ipv4 unicast;",
            "    ipv6 unicast;",
            "  }",
            "  nexthop {",
            "  }",
            "  add-path {",
            "    ipv4 unicast;",
            "    ipv6 unicast;",
            "  }",
            "  api {",
            "    processes [ p ];",
            "    neighbor-changes;",
            "    receive {",
            "      parsed;",
            "      update;",
            "    }",
            "    send {",
            "      packets;",
            "    }",
            "  }",
            "}",
        ]
        .join("\n");
        assert_eq!(out, want);
    }

    #[test]
    fn passive_neighbor_with_every_family() {
        let n = parse(
            "neighbor 127.0.0.10 {\n\trouter-id 1.2.3.4;\n\tlocal-address 127.0.0.1;\n\tlocal-as 65000;\n\
             \tpeer-as 65002;\n\tpassive;\n}\n",
        );
        let mut out = String::new();
        neighbor(&n[0], &mut out);
        assert!(out.contains("  description \"\";\n"), "{out}");
        assert!(out.contains("\n\n  passive true;\n"), "{out}");
        assert!(out.contains("    graceful-restart disable;\n    software-version disable;\n"), "{out}");
        assert!(out.contains("    ipv6 flow-vpn;\n    l2vpn vpls;\n    l2vpn evpn;\n    bgp-ls bgp-ls;\n"), "{out}");
        assert!(out.ends_with("  nexthop {\n  }\n  add-path {\n  }\n}"), "{out}");
    }
}
