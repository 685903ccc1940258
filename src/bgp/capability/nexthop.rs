//! Extended next-hop encoding capability, code 5 (RFC 8950 §3).
//!
//! ```text
//! +-----------------------------------------------------+
//! | NLRI AFI (2) | NLRI SAFI (2) | Nexthop AFI (2)       |   repeated
//! +-----------------------------------------------------+
//! ```
//! ExaBGP reads the SAFI from the low octet of its two.

use std::fmt::{self, Write};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::notify::Notify;

use super::undecodable;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NextHop {
    /// (NLRI family, next-hop AFI), without duplicates.
    pub entries: Vec<(Family, Afi)>,
}

impl NextHop {
    /// The conversions ExaBGP will announce, in its fixed order.
    pub const ANNOUNCEABLE: [(Family, Afi); 4] = [
        (Family::IPV4_UNICAST, Afi::IPV6),
        (Family::IPV4_MULTICAST, Afi::IPV6),
        (Family::IPV4_NLRI_MPLS, Afi::IPV6),
        (Family::IPV4_MPLS_VPN, Afi::IPV6),
    ];

    pub fn add(&mut self, family: Family, nexthop: Afi) {
        if !self.entries.contains(&(family, nexthop)) {
            self.entries.push((family, nexthop));
        }
    }

    pub fn merge(&mut self, mut data: &[u8]) -> Result<(), Notify> {
        while !data.is_empty() {
            match data {
                [a, b, _, s, n1, n2, tail @ ..] => {
                    let family = Family::new(Afi(u16::from_be_bytes([*a, *b])), Safi(*s));
                    self.add(family, Afi(u16::from_be_bytes([*n1, *n2])));
                    data = tail;
                }
                _ => return Err(undecodable()),
            }
        }
        Ok(())
    }

    pub fn value(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(6 * self.entries.len());
        for (f, nh) in &self.entries {
            v.extend_from_slice(&f.afi.0.to_be_bytes());
            v.push(0);
            v.push(f.safi.0);
            v.extend_from_slice(&nh.0.to_be_bytes());
        }
        v
    }

    /// `{ "name": "nexthop", "conversion": [ "ipv4/unicast/ipv6" ] }`
    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"name\": \"nexthop\", \"conversion\": [");
        for (i, (f, nh)) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, " \"{}/{}/{}\"", f.afi, f.safi, nh);
        }
        out.push_str(" ] }");
    }
}

impl fmt::Display for NextHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NextHop(")?;
        for (i, (fam, nh)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{} {} {}", fam.afi, fam.safi, nh)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let bytes = [0, 1, 0, 1, 0, 2, 0, 1, 0, 128, 0, 2];
        let mut n = NextHop::default();
        n.merge(&bytes).unwrap();
        assert_eq!(n.value(), bytes.to_vec());
        let mut s = String::new();
        n.json(&mut s);
        assert_eq!(s, r#"{ "name": "nexthop", "conversion": [ "ipv4/unicast/ipv6", "ipv4/mpls-vpn/ipv6" ] }"#);
        assert_eq!(n.to_string(), "NextHop(ipv4 unicast ipv6,ipv4 mpls-vpn ipv6)");
    }

    #[test]
    fn malformed_and_duplicates() {
        let mut n = NextHop::default();
        assert!(n.merge(&[0, 1, 0, 1, 0]).is_err());
        let mut n = NextHop::default();
        n.merge(&[0, 1, 0, 1, 0, 2, 0, 1, 0, 1, 0, 2]).unwrap();
        assert_eq!(n.entries.len(), 1);
    }
}
