//! IANA registries the codec dispatches on.
//!
//! Names are ExaBGP's spellings (`nlri-mpls`, `mpls-vpn`, `flow`, …): they appear
//! in configuration files, API commands and JSON, so they are part of the
//! compatibility surface.

use std::fmt;

/// Address Family Identifier.
/// <https://www.iana.org/assignments/address-family-numbers/>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Afi(pub u16);

impl Afi {
    pub const IPV4: Afi = Afi(1);
    pub const IPV6: Afi = Afi(2);
    pub const L2VPN: Afi = Afi(25);
    pub const BGP_LS: Afi = Afi(16388);

    /// ExaBGP's name, `None` for an AFI it does not know.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Afi::IPV4 => "ipv4",
            Afi::IPV6 => "ipv6",
            Afi::L2VPN => "l2vpn",
            Afi::BGP_LS => "bgp-ls",
            _ => return None,
        })
    }

    pub fn from_name(name: &str) -> Option<Afi> {
        Some(match name {
            "ipv4" => Afi::IPV4,
            "ipv6" => Afi::IPV6,
            "l2vpn" => Afi::L2VPN,
            "bgp-ls" => Afi::BGP_LS,
            _ => return None,
        })
    }
}

impl fmt::Display for Afi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            // ExaBGP's internal placeholder value has a name of its own.
            None if self.0 == 0 => f.write_str("undefined"),
            None => write!(f, "unknown-afi-{:#x}", self.0),
        }
    }
}

/// Subsequent Address Family Identifier.
/// <https://www.iana.org/assignments/safi-namespace/>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Safi(pub u8);

impl Safi {
    pub const UNICAST: Safi = Safi(1);
    pub const MULTICAST: Safi = Safi(2);
    pub const NLRI_MPLS: Safi = Safi(4);
    pub const MCAST_VPN: Safi = Safi(5);
    pub const VPLS: Safi = Safi(65);
    pub const EVPN: Safi = Safi(70);
    pub const BGP_LS: Safi = Safi(71);
    pub const BGP_LS_VPN: Safi = Safi(72);
    pub const MUP: Safi = Safi(85);
    pub const MPLS_VPN: Safi = Safi(128);
    pub const RTC: Safi = Safi(132);
    pub const FLOW: Safi = Safi(133);
    pub const FLOW_VPN: Safi = Safi(134);

    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Safi::UNICAST => "unicast",
            Safi::MULTICAST => "multicast",
            Safi::NLRI_MPLS => "nlri-mpls",
            Safi::MCAST_VPN => "mcast-vpn",
            Safi::VPLS => "vpls",
            Safi::EVPN => "evpn",
            Safi::BGP_LS => "bgp-ls",
            Safi::BGP_LS_VPN => "bgp-ls-vpn",
            Safi::MUP => "mup",
            Safi::MPLS_VPN => "mpls-vpn",
            Safi::RTC => "rtc",
            Safi::FLOW => "flow",
            Safi::FLOW_VPN => "flow-vpn",
            _ => return None,
        })
    }

    pub fn from_name(name: &str) -> Option<Safi> {
        Some(match name {
            "unicast" => Safi::UNICAST,
            "multicast" => Safi::MULTICAST,
            "nlri-mpls" => Safi::NLRI_MPLS,
            "mcast-vpn" => Safi::MCAST_VPN,
            "vpls" => Safi::VPLS,
            "evpn" => Safi::EVPN,
            "bgp-ls" => Safi::BGP_LS,
            "bgp-ls-vpn" => Safi::BGP_LS_VPN,
            "mup" => Safi::MUP,
            "mpls-vpn" => Safi::MPLS_VPN,
            "rtc" => Safi::RTC,
            "flow" => Safi::FLOW,
            "flow-vpn" => Safi::FLOW_VPN,
            _ => return None,
        })
    }
}

impl fmt::Display for Safi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "unknown safi {}", self.0),
        }
    }
}

/// An (AFI, SAFI) pair. `Display` gives ExaBGP's `"ipv4 unicast"` form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Family {
    pub afi: Afi,
    pub safi: Safi,
}

impl Family {
    pub const fn new(afi: Afi, safi: Safi) -> Family {
        Family { afi, safi }
    }

    pub const IPV4_UNICAST: Family = Family::new(Afi::IPV4, Safi::UNICAST);
    pub const IPV4_MULTICAST: Family = Family::new(Afi::IPV4, Safi::MULTICAST);
    pub const IPV4_NLRI_MPLS: Family = Family::new(Afi::IPV4, Safi::NLRI_MPLS);
    pub const IPV4_MPLS_VPN: Family = Family::new(Afi::IPV4, Safi::MPLS_VPN);
    pub const IPV4_FLOW: Family = Family::new(Afi::IPV4, Safi::FLOW);
    pub const IPV4_FLOW_VPN: Family = Family::new(Afi::IPV4, Safi::FLOW_VPN);
    pub const IPV4_MCAST_VPN: Family = Family::new(Afi::IPV4, Safi::MCAST_VPN);
    pub const IPV4_MUP: Family = Family::new(Afi::IPV4, Safi::MUP);
    pub const IPV4_RTC: Family = Family::new(Afi::IPV4, Safi::RTC);
    pub const IPV6_UNICAST: Family = Family::new(Afi::IPV6, Safi::UNICAST);
    pub const IPV6_MULTICAST: Family = Family::new(Afi::IPV6, Safi::MULTICAST);
    pub const IPV6_NLRI_MPLS: Family = Family::new(Afi::IPV6, Safi::NLRI_MPLS);
    pub const IPV6_MPLS_VPN: Family = Family::new(Afi::IPV6, Safi::MPLS_VPN);
    pub const IPV6_FLOW: Family = Family::new(Afi::IPV6, Safi::FLOW);
    pub const IPV6_FLOW_VPN: Family = Family::new(Afi::IPV6, Safi::FLOW_VPN);
    pub const IPV6_MCAST_VPN: Family = Family::new(Afi::IPV6, Safi::MCAST_VPN);
    pub const IPV6_MUP: Family = Family::new(Afi::IPV6, Safi::MUP);
    pub const L2VPN_VPLS: Family = Family::new(Afi::L2VPN, Safi::VPLS);
    pub const L2VPN_EVPN: Family = Family::new(Afi::L2VPN, Safi::EVPN);
    pub const BGP_LS: Family = Family::new(Afi::BGP_LS, Safi::BGP_LS);
    pub const BGP_LS_VPN: Family = Family::new(Afi::BGP_LS, Safi::BGP_LS_VPN);

    /// Parse ExaBGP's two-word form, `"ipv4 unicast"`.
    pub fn from_names(afi: &str, safi: &str) -> Option<Family> {
        Some(Family::new(Afi::from_name(afi)?, Safi::from_name(safi)?))
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.afi, self.safi)
    }
}

/// BGP message types (RFC 4271 §4.1, RFC 2918, draft-ietf-idr-operational-message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageType(pub u8);

impl MessageType {
    pub const OPEN: MessageType = MessageType(1);
    pub const UPDATE: MessageType = MessageType(2);
    pub const NOTIFICATION: MessageType = MessageType(3);
    pub const KEEPALIVE: MessageType = MessageType(4);
    pub const ROUTE_REFRESH: MessageType = MessageType(5);
    pub const OPERATIONAL: MessageType = MessageType(6);
}

/// Path attribute type codes.
/// <https://www.iana.org/assignments/bgp-parameters/bgp-parameters.xhtml#bgp-parameters-2>
pub mod attr_code {
    pub const ORIGIN: u8 = 1;
    pub const AS_PATH: u8 = 2;
    pub const NEXT_HOP: u8 = 3;
    pub const MED: u8 = 4;
    pub const LOCAL_PREF: u8 = 5;
    pub const ATOMIC_AGGREGATE: u8 = 6;
    pub const AGGREGATOR: u8 = 7;
    pub const COMMUNITY: u8 = 8;
    pub const ORIGINATOR_ID: u8 = 9;
    pub const CLUSTER_LIST: u8 = 10;
    pub const MP_REACH_NLRI: u8 = 14;
    pub const MP_UNREACH_NLRI: u8 = 15;
    pub const EXTENDED_COMMUNITY: u8 = 16;
    pub const AS4_PATH: u8 = 17;
    pub const AS4_AGGREGATOR: u8 = 18;
    pub const PMSI_TUNNEL: u8 = 22;
    pub const TUNNEL_ENCAP: u8 = 23;
    pub const IPV6_EXTENDED_COMMUNITY: u8 = 25;
    pub const AIGP: u8 = 26;
    pub const BGP_LS: u8 = 29;
    pub const LARGE_COMMUNITY: u8 = 32;
    pub const BGP_PREFIX_SID: u8 = 40;
}

/// Capability codes.
/// <https://www.iana.org/assignments/capability-codes/>
pub mod cap_code {
    pub const MULTIPROTOCOL: u8 = 1;
    pub const ROUTE_REFRESH: u8 = 2;
    pub const OUTBOUND_ROUTE_FILTERING: u8 = 3;
    pub const EXTENDED_NEXT_HOP: u8 = 5;
    pub const EXTENDED_MESSAGE: u8 = 6;
    pub const GRACEFUL_RESTART: u8 = 64;
    pub const FOUR_BYTES_ASN: u8 = 65;
    pub const DYNAMIC_CAPABILITY: u8 = 67;
    pub const MULTISESSION: u8 = 68;
    pub const ADD_PATH: u8 = 69;
    pub const ENHANCED_ROUTE_REFRESH: u8 = 70;
    pub const HOSTNAME: u8 = 73;
    pub const SOFTWARE_VERSION: u8 = 75;
    pub const OPERATIONAL: u8 = 185;
    pub const ROUTE_REFRESH_CISCO: u8 = 128;
    /// What Cisco sends for multi-session, in the private-use range.
    pub const MULTISESSION_CISCO: u8 = 131;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_round_trip() {
        for f in [Family::IPV4_UNICAST, Family::IPV6_FLOW_VPN, Family::L2VPN_EVPN, Family::BGP_LS] {
            let s = f.to_string();
            let mut w = s.split(' ');
            let back = Family::from_names(w.next().unwrap(), w.next().unwrap());
            assert_eq!(back, Some(f));
        }
    }

    #[test]
    fn unknown_codes_render_like_exabgp() {
        assert_eq!(Afi(7).to_string(), "unknown-afi-0x7");
        assert_eq!(Safi(99).to_string(), "unknown safi 99");
    }
}
