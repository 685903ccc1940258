//! `family { … }`, `add-path { … }` and `nexthop { … }` (spec §7.1–7.3).

use crate::bgp::iana::{Afi, Family, Safi};

use super::error::ConfigError;
use super::syntax::Node;
use super::value::Args;

/// Every family ExaBGP knows, in its order (AFI code, then SAFI code): used
/// when a neighbor lists none, or `all`.
pub const ALL_FAMILIES: [Family; 21] = [
    Family::IPV4_UNICAST,
    Family::IPV4_MULTICAST,
    Family::IPV4_NLRI_MPLS,
    Family::IPV4_MCAST_VPN,
    Family::IPV4_MUP,
    Family::IPV4_MPLS_VPN,
    Family::IPV4_RTC,
    Family::IPV4_FLOW,
    Family::IPV4_FLOW_VPN,
    Family::IPV6_UNICAST,
    Family::IPV6_MULTICAST,
    Family::IPV6_NLRI_MPLS,
    Family::IPV6_MCAST_VPN,
    Family::IPV6_MUP,
    Family::IPV6_MPLS_VPN,
    Family::IPV6_FLOW,
    Family::IPV6_FLOW_VPN,
    Family::L2VPN_VPLS,
    Family::L2VPN_EVPN,
    Family::BGP_LS,
    Family::BGP_LS_VPN,
];

/// The pairs that can be written in `family {}` / `add-path {}`. `ipv6
/// multicast` and `ipv4 rtc` are only reachable through "all".
fn writable(afi: &str, safi: &str) -> Option<Family> {
    let family = match (afi, safi) {
        ("ipv4", "unicast") => Family::IPV4_UNICAST,
        ("ipv4", "multicast") => Family::IPV4_MULTICAST,
        ("ipv4", "nlri-mpls") => Family::IPV4_NLRI_MPLS,
        ("ipv4", "mpls-vpn") => Family::IPV4_MPLS_VPN,
        ("ipv4", "mcast-vpn") => Family::IPV4_MCAST_VPN,
        ("ipv4", "flow") => Family::IPV4_FLOW,
        ("ipv4", "flow-vpn") => Family::IPV4_FLOW_VPN,
        ("ipv4", "mup") => Family::IPV4_MUP,
        ("ipv6", "unicast") => Family::IPV6_UNICAST,
        ("ipv6", "nlri-mpls") => Family::IPV6_NLRI_MPLS,
        ("ipv6", "mpls-vpn") => Family::IPV6_MPLS_VPN,
        ("ipv6", "mcast-vpn") => Family::IPV6_MCAST_VPN,
        ("ipv6", "mup") => Family::IPV6_MUP,
        ("ipv6", "flow") => Family::IPV6_FLOW,
        ("ipv6", "flow-vpn") => Family::IPV6_FLOW_VPN,
        ("l2vpn", "vpls") => Family::L2VPN_VPLS,
        ("l2vpn", "evpn") => Family::L2VPN_EVPN,
        ("bgp-ls", "bgp-ls") => Family::BGP_LS,
        ("bgp-ls", "bgp-ls-vpn") => Family::BGP_LS_VPN,
        _ => return None,
    };
    Some(family)
}

/// What one `family {}` or `add-path {}` block says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FamilyBlock {
    /// Explicit pairs, in the order written.
    pub(crate) pairs: Vec<Family>,
    /// The block held at least one statement (`all` included): for
    /// `add-path`, an empty block means "every family", `all` means none.
    pub(crate) any_statement: bool,
}

/// Parse a `family` or `add-path` section.
pub(crate) fn parse_block(node: Node<'_>) -> Result<FamilyBlock, ConfigError> {
    let mut block = FamilyBlock::default();
    let mut all = false;
    for item in node.children() {
        let keyword = item.keyword();
        if item.is_section() {
            return Err(keyword.expected("an afi/safi pair was expected (no section)"));
        }
        block.any_statement = true;
        match keyword.text() {
            "all" => {
                // Quirk: `all` after explicit pairs is silently ignored.
                if block.pairs.is_empty() {
                    all = true;
                }
            }
            afi @ ("ipv4" | "ipv6" | "l2vpn" | "bgp-ls") => {
                if all {
                    return Err(keyword.expected("no family after 'all' was expected"));
                }
                let mut args = Args::new(item);
                let safi = args.value("a safi was expected")?;
                let lower = safi.text().to_ascii_lowercase();
                let family = writable(afi, &lower).ok_or_else(|| safi.expected(&format!("a valid safi for {} was expected", afi)))?;
                if block.pairs.contains(&family) {
                    return Err(safi.expected(&format!("a pair not listed before was expected (duplicate afi/safi pair {} {})", afi, lower)));
                }
                block.pairs.push(family);
            }
            _ => return Err(keyword.expected("an afi (ipv4, ipv6, l2vpn, bgp-ls) or all was expected")),
        }
    }
    Ok(block)
}

/// Parse a `nexthop` section: `<afi> <safi> <nexthop-afi>;` entries.
pub(crate) fn parse_nexthop(node: Node<'_>) -> Result<Vec<(Family, Afi)>, ConfigError> {
    let mut entries = Vec::new();
    for item in node.children() {
        let keyword = item.keyword();
        if item.is_section() {
            return Err(keyword.expected("an afi safi nexthop-afi entry was expected (no section)"));
        }
        let (afi, other) = match keyword.text() {
            "ipv4" => (Afi::IPV4, "ipv6"),
            "ipv6" => (Afi::IPV6, "ipv4"),
            _ => return Err(keyword.expected("ipv4 or ipv6 was expected")),
        };
        let mut args = Args::new(item);
        let safi = args.value("a safi (unicast, multicast, nlri-mpls, mpls-vpn) was expected")?;
        let safi_value = match safi.text().to_ascii_lowercase().as_str() {
            "unicast" => Safi::UNICAST,
            "multicast" => Safi::MULTICAST,
            "nlri-mpls" => Safi::NLRI_MPLS,
            "mpls-vpn" => Safi::MPLS_VPN,
            _ => return Err(safi.expected("a safi (unicast, multicast, nlri-mpls, mpls-vpn) was expected")),
        };
        let nh = args.value(&format!("the next-hop afi {} was expected", other))?;
        if !nh.text().eq_ignore_ascii_case(other) {
            return Err(nh.expected(&format!("the next-hop afi {} was expected", other)));
        }
        let nh_afi = if afi == Afi::IPV4 { Afi::IPV6 } else { Afi::IPV4 };
        entries.push((Family::new(afi, safi_value), nh_afi));
    }
    Ok(entries)
}

/// Sort as ExaBGP does (AFI code, then SAFI code) and drop duplicates.
pub(crate) fn sorted(mut families: Vec<Family>) -> Vec<Family> {
    families.sort();
    families.dedup();
    families
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::syntax::Document;

    fn block(text: &str) -> Result<FamilyBlock, ConfigError> {
        let doc = Document::parse("t", text.to_string()).unwrap();
        parse_block(doc.root().next().unwrap())
    }

    #[test]
    fn all_families_are_sorted() {
        assert_eq!(sorted(ALL_FAMILIES.to_vec()), ALL_FAMILIES.to_vec());
    }

    #[test]
    fn pairs() {
        let b = block("family { ipv6 unicast; ipv4 UNICAST; l2vpn vpls; bgp-ls bgp-ls; }").unwrap();
        assert_eq!(b.pairs, vec![Family::IPV6_UNICAST, Family::IPV4_UNICAST, Family::L2VPN_VPLS, Family::BGP_LS]);
        assert_eq!(sorted(b.pairs)[0], Family::IPV4_UNICAST);
        assert!(block("family { }").unwrap().pairs.is_empty());
    }

    #[test]
    fn all_rules() {
        let b = block("family { all; }").unwrap();
        assert!(b.pairs.is_empty() && b.any_statement);
        assert_eq!(block("family { ipv4 unicast; all; }").unwrap().pairs, vec![Family::IPV4_UNICAST]);
        assert!(block("family { all; ipv4 unicast; }").is_err());
    }

    #[test]
    fn errors() {
        let e = block("family {\n ipv6 multicast;\n}").unwrap_err();
        assert_eq!((e.line, e.column), (2, 7));
        assert!(block("family { ipv4 rtc; }").is_err());
        assert!(block("family { ipv4 unicast; ipv4 unicast; }").is_err());
        assert!(block("family { minimal; }").is_err());
        assert!(block("family { ipv4; }").is_err());
        assert!(block("family { Ipv4 unicast; }").is_err());
    }

    #[test]
    fn nexthop() {
        let doc = Document::parse("t", "nexthop { ipv4 unicast ipv6; ipv6 mpls-vpn ipv4; }".to_string()).unwrap();
        let n = parse_nexthop(doc.root().next().unwrap()).unwrap();
        assert_eq!(n, vec![(Family::IPV4_UNICAST, Afi::IPV6), (Family::IPV6_MPLS_VPN, Afi::IPV4)]);
        let doc = Document::parse("t", "nexthop { ipv4 unicast ipv4; }".to_string()).unwrap();
        assert!(parse_nexthop(doc.root().next().unwrap()).is_err());
        let doc = Document::parse("t", "nexthop { ipv4 flow ipv6; }".to_string()).unwrap();
        assert!(parse_nexthop(doc.root().next().unwrap()).is_err());
    }
}
