//! ADD-PATH capability, code 69 (RFC 7911 §4).
//!
//! ```text
//! +------------------------------------------------+
//! | AFI (2 octets) | SAFI (1 octet) | Send/Receive |   repeated
//! +------------------------------------------------+
//! ```

use std::fmt::{self, Write};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::notify::Notify;

use super::undecodable;

/// RFC 7911 §4 Send/Receive values.
pub const RECEIVE: u8 = 1;
pub const SEND: u8 = 2;
pub const SEND_RECEIVE: u8 = 3;

/// ExaBGP's words for a Send/Receive value.
pub fn direction_name(value: u8) -> &'static str {
    match value {
        0 => "disabled",
        RECEIVE => "receive",
        SEND => "send",
        SEND_RECEIVE => "send/receive",
        // ExaBGP has no word for these (its encoder fails on them).
        _ => "unknown",
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddPath {
    /// In order of first appearance; a repeated family replaces its value in place.
    pub families: Vec<(Family, u8)>,
}

impl AddPath {
    /// The families ExaBGP will announce ADD-PATH for, in its fixed order.
    pub const ANNOUNCEABLE: [Family; 8] = [
        Family::IPV4_UNICAST,
        Family::IPV6_UNICAST,
        Family::IPV4_NLRI_MPLS,
        Family::IPV6_NLRI_MPLS,
        Family::IPV4_MPLS_VPN,
        Family::IPV6_MPLS_VPN,
        Family::IPV4_MUP,
        Family::IPV6_MUP,
    ];

    pub fn add(&mut self, family: Family, value: u8) {
        match self.families.iter_mut().find(|(f, _)| *f == family) {
            Some(entry) => entry.1 = value,
            None => self.families.push((family, value)),
        }
    }

    pub fn get(&self, family: Family) -> u8 {
        self.families.iter().find(|(f, _)| *f == family).map_or(0, |(_, v)| *v)
    }

    pub fn merge(&mut self, mut data: &[u8]) -> Result<(), Notify> {
        while !data.is_empty() {
            match data {
                [a, b, s, v, tail @ ..] => {
                    self.add(Family::new(Afi(u16::from_be_bytes([*a, *b])), Safi(*s)), *v);
                    data = tail;
                }
                _ => return Err(undecodable()),
            }
        }
        Ok(())
    }

    /// Families whose value is 0 are left out, as ExaBGP does.
    pub fn value(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4 * self.families.len());
        for (f, sr) in &self.families {
            if *sr != 0 {
                v.extend_from_slice(&f.afi.0.to_be_bytes());
                v.push(f.safi.0);
                v.push(*sr);
            }
        }
        v
    }

    /// `{ "name": "addpath", "ipv4/unicast": "send/receive","ipv6/unicast": "receive" }`
    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"name\": \"addpath\"");
        for (i, (f, sr)) in self.families.iter().enumerate() {
            out.push_str(if i == 0 { ", " } else { "," });
            let _ = write!(out, "\"{}/{}\": \"{}\"", f.afi, f.safi, direction_name(*sr));
        }
        out.push_str(" }");
    }
}

impl fmt::Display for AddPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AddPath(")?;
        for (i, (fam, sr)) in self.families.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{} {} {}", direction_name(*sr), fam.afi, fam.safi)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let bytes = [0, 1, 1, 3, 0, 2, 1, 1];
        let mut a = AddPath::default();
        a.merge(&bytes).unwrap();
        assert_eq!(a.value(), bytes.to_vec());
        assert_eq!(a.get(Family::IPV6_UNICAST), RECEIVE);
        let mut s = String::new();
        a.json(&mut s);
        assert_eq!(s, r#"{ "name": "addpath", "ipv4/unicast": "send/receive","ipv6/unicast": "receive" }"#);
        assert_eq!(a.to_string(), "AddPath(send/receive ipv4 unicast,receive ipv6 unicast)");
        s.clear();
        AddPath::default().json(&mut s);
        assert_eq!(s, r#"{ "name": "addpath" }"#);
    }

    #[test]
    fn malformed_and_repeats() {
        let mut a = AddPath::default();
        assert!(a.merge(&[0, 1, 1]).is_err());
        let mut a = AddPath::default();
        a.merge(&[0, 1, 1, 1, 0, 1, 1, 2]).unwrap();
        assert_eq!(a.families, vec![(Family::IPV4_UNICAST, SEND)]);
    }
}
