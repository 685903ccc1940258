//! `show neighbor configuration`: a neighbor's settings as configuration
//! text, the way ExaBGP prints a neighbor (`str(neighbor)`; rendered by
//! `Neighbor::configuration_text`): its routes are not listed, unset values
//! show as Python's `None`, two spaces per level.

use crate::config::neighbor::Neighbor;

/// The lines `show neighbor` answers when no view was named.
pub const USAGE: [&str; 2] =
    ["please specify summary, extensive or configuration", "you can filter by peer ip address adding it after the word neighbor"];

/// Appends `n`'s configuration text (no trailing newline): the same text
/// `exabgp validate` prints.
pub fn neighbor(n: &Neighbor, out: &mut String) {
    out.push_str(n.configuration_text().trim_end_matches('\n'));
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
