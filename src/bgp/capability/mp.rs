//! Multiprotocol extensions capability, code 1 (RFC 4760 §8).
//!
//! ```text
//! +-------+-------+-------+-------+
//! |      AFI      | Res.  | SAFI  |
//! +-------+-------+-------+-------+
//! ```
//! One family per capability; ExaBGP gathers all code-1 capabilities of an
//! OPEN into one list and sends each family as its own capability.

use std::fmt::{self, Write};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::notify::Notify;

use super::undecodable;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultiProtocol {
    pub families: Vec<Family>,
}

impl MultiProtocol {
    /// Add the family of one received capability value. Like ExaBGP, bytes past
    /// the fourth are ignored and a missing SAFI reads as 0.
    pub fn merge(&mut self, data: &[u8]) -> Result<(), Notify> {
        if data.len() < 2 {
            return Err(undecodable());
        }
        let afi = Afi(u16::from_be_bytes([data[0], data[1]]));
        let safi = Safi(data.get(3).copied().unwrap_or(0));
        self.families.push(Family::new(afi, safi));
        Ok(())
    }

    /// One capability value per family.
    pub fn values(&self) -> Vec<Vec<u8>> {
        self.families
            .iter()
            .map(|f| {
                let a = f.afi.0.to_be_bytes();
                vec![a[0], a[1], 0, f.safi.0]
            })
            .collect()
    }

    /// `{ "name": "multiprotocol", "families": [ "ipv4/unicast", "ipv6/unicast" ] }`
    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"name\": \"multiprotocol\", \"families\": [");
        for (i, f) in self.families.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, " \"{}/{}\"", f.afi, f.safi);
        }
        out.push_str(" ] }");
    }
}

impl fmt::Display for MultiProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Multiprotocol(")?;
        for (i, fam) in self.families.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{} {}", fam.afi, fam.safi)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let mut mp = MultiProtocol::default();
        mp.merge(&[0, 1, 0, 1]).unwrap();
        mp.merge(&[0, 2, 0, 133]).unwrap();
        assert_eq!(mp.families, vec![Family::IPV4_UNICAST, Family::IPV6_FLOW]);
        assert_eq!(mp.values(), vec![vec![0, 1, 0, 1], vec![0, 2, 0, 133]]);
        let mut s = String::new();
        mp.json(&mut s);
        assert_eq!(s, r#"{ "name": "multiprotocol", "families": [ "ipv4/unicast", "ipv6/flow" ] }"#);
        assert_eq!(mp.to_string(), "Multiprotocol(ipv4 unicast,ipv6 flow)");
    }

    #[test]
    fn short_values() {
        let mut mp = MultiProtocol::default();
        assert!(mp.merge(&[0]).is_err());
        mp.merge(&[0, 1]).unwrap();
        assert_eq!(mp.families[0].safi, Safi(0));
        let mut s = String::new();
        MultiProtocol::default().json(&mut s);
        assert_eq!(s, r#"{ "name": "multiprotocol", "families": [ ] }"#);
    }
}
