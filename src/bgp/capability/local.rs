//! The capabilities we announce, built from a neighbor's configuration in
//! ExaBGP's order: multiprotocol, asn4, extended next-hop, add-path,
//! graceful restart, route-refresh and enhanced route-refresh, operational,
//! extended message, hostname, software version, multisession.
//!
//! The configuration work fills `LocalCapabilities`; this module only
//! decides what goes in the OPEN and in which order.

use crate::bgp::iana::{Afi, Family};

use super::{
    AddPath, Asn4, Capabilities, Capability, EnhancedRouteRefresh, ExtendedMessage, Graceful, HostName, MultiProtocol,
    MultiSession, NextHop, OperationalCapability, RouteRefresh, Software,
};

/// The parts of a neighbor's configuration that shape its OPEN.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalCapabilities {
    /// The configured families, in the neighbor's order.
    pub families: Vec<Family>,
    pub local_as: u32,
    /// `capability { asn4 … }` (ExaBGP's default is enabled).
    pub asn4: bool,
    /// `capability { nexthop … }`.
    pub nexthop: bool,
    /// The `nexthop { … }` conversions configured; only ExaBGP's known ones are announced.
    pub nexthops: Vec<(Family, Afi)>,
    /// `capability { add-path … }` as its Send/Receive value; 0 when disabled.
    pub add_path: u8,
    /// The families configured for ADD-PATH.
    pub addpath_families: Vec<Family>,
    /// `capability { graceful-restart N }` restart time; 0 when disabled.
    pub graceful_restart: u16,
    /// We are coming back from a restart (sets the R bit).
    pub restarted: bool,
    pub route_refresh: bool,
    pub operational: bool,
    pub extended_message: bool,
    pub host_name: Option<String>,
    pub domain_name: Option<String>,
    /// `Some(release)` when `capability { software-version … }` is enabled.
    pub software_version: Option<String>,
    pub multi_session: bool,
}

impl LocalCapabilities {
    pub fn build(&self) -> Capabilities {
        let mut caps = Capabilities::new();
        caps.insert(Capability::MultiProtocol(MultiProtocol { families: self.families.clone() }));
        if self.asn4 {
            caps.insert(Capability::Asn4(Asn4(self.local_as)));
        }
        if self.nexthop {
            let mut nh = NextHop::default();
            for (family, afi) in NextHop::ANNOUNCEABLE {
                if self.nexthops.contains(&(family, afi)) {
                    nh.add(family, afi);
                }
            }
            caps.insert(Capability::NextHop(nh));
        }
        if self.add_path != 0 {
            let mut ap = AddPath::default();
            for family in AddPath::ANNOUNCEABLE {
                if self.addpath_families.contains(&family) {
                    ap.add(family, self.add_path);
                }
            }
            caps.insert(Capability::AddPath(ap));
        }
        if self.graceful_restart != 0 {
            caps.insert(Capability::Graceful(Graceful::new(self.restarted, self.graceful_restart, &self.families)));
        }
        if self.route_refresh {
            caps.insert(Capability::RouteRefresh(RouteRefresh { cisco: false }));
            caps.insert(Capability::EnhancedRouteRefresh(EnhancedRouteRefresh));
        }
        if self.operational {
            caps.insert(Capability::Operational(OperationalCapability));
        }
        if self.extended_message {
            caps.insert(Capability::ExtendedMessage(ExtendedMessage));
        }
        // Always present (rendered as "None" when unset, sent only when set).
        caps.insert(Capability::HostName(HostName { host: self.host_name.clone(), domain: self.domain_name.clone() }));
        if let Some(release) = &self.software_version {
            caps.insert(Capability::Software(Software::exabgp(release)));
        }
        if self.multi_session {
            caps.insert(Capability::MultiSession(MultiSession::new()));
        }
        caps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::capability::KeyStyle;

    #[test]
    fn order_follows_exabgp() {
        let local = LocalCapabilities {
            families: vec![Family::IPV4_UNICAST],
            local_as: 65001,
            asn4: true,
            graceful_restart: 120,
            route_refresh: true,
            operational: true,
            extended_message: true,
            ..Default::default()
        };
        let caps = local.build();
        let mut s = String::new();
        caps.json(&mut s, KeyStyle::Names);
        // The live sample of api.md §5.5.
        assert_eq!(
            s,
            r#"{ "multiprotocol": { "name": "multiprotocol", "families": [ "ipv4/unicast" ] }, "asn4": { "name": "asn4", "asn4": 65001 }, "graceful-restart": { "name": "graceful restart", "time": 120, "address-family-flags": { "ipv4/unicast": [ "restart" ] }, "restart-flags": [ ]  }, "route-refresh": { "name": "route-refresh", "variant": "RFC" }, "enhanced-route-refresh": { "name": "enhanced-route-refresh" }, "operational": { "name": "operational" }, "extended-message": { "name": "extended-message", "size": 65535 }, "hostname": { "host-name": "None", "domain-name": "None" } }"#
        );
        assert_eq!(
            caps.to_string().to_lowercase(),
            "multiprotocol(ipv4 unicast), route refresh, extended message(65535), graceful restart flags 0x0 time 120 ipv4/unicast=0x80, asn4(65001), enhanced route refresh, hostname(none none), operational"
        );
    }

    #[test]
    fn addpath_and_nexthop_keep_exabgp_order_and_filter() {
        let local = LocalCapabilities {
            families: vec![Family::IPV6_UNICAST, Family::IPV4_UNICAST],
            asn4: false,
            nexthop: true,
            nexthops: vec![(Family::IPV4_MPLS_VPN, Afi::IPV6), (Family::IPV4_UNICAST, Afi::IPV6), (Family::IPV6_UNICAST, Afi::IPV4)],
            add_path: 3,
            addpath_families: vec![Family::IPV6_UNICAST, Family::IPV4_UNICAST, Family::IPV4_FLOW],
            multi_session: true,
            ..Default::default()
        };
        let caps = local.build();
        assert_eq!(caps.nexthop().unwrap().entries, vec![(Family::IPV4_UNICAST, Afi::IPV6), (Family::IPV4_MPLS_VPN, Afi::IPV6)]);
        assert_eq!(caps.addpath().unwrap().families, vec![(Family::IPV4_UNICAST, 3), (Family::IPV6_UNICAST, 3)]);
        let codes: Vec<u8> = caps.iter().map(|c| c.code()).collect();
        assert_eq!(codes, vec![1, 5, 69, 73, 68]);
    }

    fn families(s: &str) -> Vec<Family> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| {
                let (a, b) = x.split_once('/').unwrap();
                Family::new(Afi(a.parse().unwrap()), crate::bgp::iana::Safi(b.parse().unwrap()))
            })
            .collect()
    }

    /// Neighbor configurations turned into capabilities by the reference
    /// implementation (testdata/local-reference.txt: the settings, the
    /// encoded optional parameters, the JSON with names as keys, the text).
    #[test]
    fn agrees_with_the_reference_on_generated_configurations() {
        let corpus = include_str!("testdata/local-reference.txt");
        let mut checked = 0;
        for line in corpus.lines() {
            let f: Vec<&str> = line.split('|').collect();
            let p: Vec<&str> = f[0].split(';').collect();
            let flag = |s: &str| s == "1";
            let name = |s: &str| if s == "-" { None } else { Some(s.to_string()) };
            let local = LocalCapabilities {
                families: families(p[0]),
                asn4: flag(p[1]),
                local_as: p[2].parse().unwrap(),
                nexthop: flag(p[3]),
                nexthops: p[4]
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(|x| {
                        let v: Vec<u16> = x.split('/').map(|n| n.parse().unwrap()).collect();
                        (Family::new(Afi(v[0]), crate::bgp::iana::Safi(v[1] as u8)), Afi(v[2]))
                    })
                    .collect(),
                add_path: p[5].parse().unwrap(),
                addpath_families: families(p[6]),
                graceful_restart: p[7].parse().unwrap(),
                restarted: flag(p[8]),
                route_refresh: flag(p[9]),
                operational: flag(p[10]),
                extended_message: flag(p[11]),
                host_name: name(p[12]),
                domain_name: name(p[13]),
                software_version: if flag(p[14]) { Some("5.0.0-0+test".into()) } else { None },
                multi_session: flag(p[15]),
            };
            let caps = local.build();
            let mut out = bytes::BytesMut::new();
            caps.pack(&mut out);
            let mut wire = String::new();
            crate::json::hex_upper(&mut wire, &out);
            assert_eq!(wire, f[1], "{line}");
            let mut js = String::new();
            caps.json(&mut js, KeyStyle::Names);
            assert_eq!(js, f[2], "{line}");
            assert_eq!(caps.to_string().to_lowercase(), f[3], "{line}");
            checked += 1;
        }
        assert_eq!(checked, 300);
    }
}
