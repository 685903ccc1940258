//! Route Distinguisher (RFC 4364 §4.2): a 2-octet type then 6 octets of value.
//!
//! ```text
//! type 0: | 0 | ASN (2)          | assigned number (4) |   "65000:1"
//! type 1: | 1 | IPv4 address (4)      | number (2)     |   "1.2.3.4:1"
//! type 2: | 2 | ASN (4)               | number (2)     |   "4200000000:1"
//! ```

use std::fmt;
use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use crate::bgp::nlri::util::{push, take, Hex0x};
use crate::bgp::notify::Notify;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RouteDistinguisher(pub [u8; 8]);

impl RouteDistinguisher {
    pub const LEN: usize = 8;

    pub fn from_asn2(asn: u16, number: u32) -> RouteDistinguisher {
        let mut b = [0u8; 8];
        b[2..4].copy_from_slice(&asn.to_be_bytes());
        b[4..8].copy_from_slice(&number.to_be_bytes());
        RouteDistinguisher(b)
    }

    pub fn from_ipv4(ip: Ipv4Addr, number: u16) -> RouteDistinguisher {
        let mut b = [0u8; 8];
        b[1] = 1;
        b[2..6].copy_from_slice(&ip.octets());
        b[6..8].copy_from_slice(&number.to_be_bytes());
        RouteDistinguisher(b)
    }

    pub fn from_asn4(asn: u32, number: u16) -> RouteDistinguisher {
        let mut b = [0u8; 8];
        b[1] = 2;
        b[2..6].copy_from_slice(&asn.to_be_bytes());
        b[6..8].copy_from_slice(&number.to_be_bytes());
        RouteDistinguisher(b)
    }

    /// ExaBGP's configuration syntax: `ip:n` is type 1; `asn:n` is type 0 when
    /// the ASN fits 16 bits and n fits 32 bits, else type 2.
    pub fn parse(s: &str) -> Option<RouteDistinguisher> {
        let (admin, number) = s.split_once(':')?;
        if admin.is_empty() {
            return None;
        }
        if admin.contains('.') {
            let ip: Ipv4Addr = admin.parse().ok()?;
            return Some(RouteDistinguisher::from_ipv4(ip, number.parse().ok()?));
        }
        let asn: u64 = admin.parse().ok()?;
        let n: u64 = number.parse().ok()?;
        if asn < 1 << 16 && n < 1 << 32 {
            Some(RouteDistinguisher::from_asn2(asn as u16, n as u32))
        } else if asn < 1 << 32 && n < 1 << 16 {
            Some(RouteDistinguisher::from_asn4(asn as u32, n as u16))
        } else {
            None
        }
    }

    pub fn unpack(buf: &mut &[u8]) -> Result<RouteDistinguisher, Notify> {
        let b = take(buf, 8, "not enough data for the route distinguisher")?;
        let mut rd = [0u8; 8];
        rd.copy_from_slice(b);
        Ok(RouteDistinguisher(rd))
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_slice(&self.0);
    }

    /// `"rd": "65000:1"`
    pub fn json(&self, out: &mut String) {
        out.push_str("\"rd\": \"");
        push(out, self);
        out.push('"');
    }
}

impl fmt::Display for RouteDistinguisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        let u16at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let u32at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        match u16at(0) {
            0 => write!(f, "{}:{}", u16at(2), u32at(4)),
            1 => write!(f, "{}.{}.{}.{}:{}", b[2], b[3], b[4], b[5], u16at(6)),
            2 => write!(f, "{}:{}", u32at(2), u16at(6)),
            _ => write!(f, "{}", Hex0x(b)),
        }
    }
}

impl fmt::Debug for RouteDistinguisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rd {self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_types_and_unknown_render_like_exabgp() {
        let mut b = &[0u8, 0, 0xff, 0xff, 0, 1, 0, 0][..];
        assert_eq!(RouteDistinguisher::unpack(&mut b).unwrap().to_string(), "65535:65536");
        assert_eq!(RouteDistinguisher([0, 1, 37, 44, 55, 55, 0, 1]).to_string(), "37.44.55.55:1");
        assert_eq!(RouteDistinguisher([0, 2, 0, 1, 0, 0, 0, 7]).to_string(), "65536:7");
        assert_eq!(RouteDistinguisher([0, 9, 0, 1, 0, 0, 0, 7]).to_string(), "0x0009000100000007");
    }

    #[test]
    fn parse_picks_the_type_like_exabgp() {
        assert_eq!(RouteDistinguisher::parse("65535:65536"), Some(RouteDistinguisher([0, 0, 0xff, 0xff, 0, 1, 0, 0])));
        assert_eq!(RouteDistinguisher::parse("65536:7"), Some(RouteDistinguisher([0, 2, 0, 1, 0, 0, 0, 7])));
        assert_eq!(RouteDistinguisher::parse("1.2.3.4:5"), Some(RouteDistinguisher([0, 1, 1, 2, 3, 4, 0, 5])));
        assert_eq!(RouteDistinguisher::parse("65536:65536"), None);
        assert_eq!(RouteDistinguisher::parse("x"), None);
        let mut j = String::new();
        RouteDistinguisher::from_asn2(1, 2).json(&mut j);
        assert_eq!(j, r#""rd": "1:2""#);
    }

    #[test]
    fn short_input_is_an_error() {
        let mut b = &[0u8; 7][..];
        assert!(RouteDistinguisher::unpack(&mut b).is_err());
    }
}
