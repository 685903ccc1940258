//! Route Target membership, ExaBGP's `ipv4 rtc` (RFC 4684 §4).
//!
//! ```text
//! +-------------------------------+
//! | length (1 octet): 0 or 96     |
//! +-------------------------------+
//! | origin AS (4 octets)          |
//! +-------------------------------+
//! | route target (8 octets)       |
//! +-------------------------------+
//! ```
//!
//! Like ExaBGP, only the default route (length 0) and full 96-bit routes
//! are understood; the route target's transitive/optional type bits are
//! cleared, as they mean nothing inside NLRI.

use std::fmt;
use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use super::util::{invalid_network, push, take, take_u8};
use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rtc {
    /// Length 0: the default route target membership.
    Wildcard,
    Route { origin: u32, rt: [u8; 8] },
}

impl Rtc {
    pub fn new(origin: u32, mut rt: [u8; 8]) -> Rtc {
        rt[0] &= 0x3F;
        Rtc::Route { origin, rt }
    }

    pub fn unpack(buf: &mut &[u8]) -> Result<Rtc, Notify> {
        match take_u8(buf, "missing rtc length")? {
            0 => Ok(Rtc::Wildcard),
            96 => {
                let b = take(buf, 12, "truncated rtc route")?;
                let origin = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                let mut rt = [0u8; 8];
                rt.copy_from_slice(&b[4..]);
                Ok(Rtc::new(origin, rt))
            }
            _ => Err(invalid_network("incorrect RT length (only 0 and 96 are supported)")),
        }
    }

    pub fn pack(&self, out: &mut BytesMut) {
        match self {
            Rtc::Wildcard => out.put_u8(0),
            Rtc::Route { origin, rt } => {
                out.put_u8(96);
                out.put_u32(*origin);
                out.put_slice(rt);
            }
        }
    }

    /// ExaBGP has no JSON for RTC (its encoder fails); this follows its text:
    /// `{ "origin": 65000, "rt": "target:65000:1" }` or `{ "rt": "wildcard" }`.
    pub fn json(&self, out: &mut String) {
        match self {
            Rtc::Wildcard => out.push_str("{ \"rt\": \"wildcard\" }"),
            Rtc::Route { origin, rt } => push(out, format_args!("{{ \"origin\": {origin}, \"rt\": \"{}\" }}", RouteTarget(rt))),
        }
    }
}

/// A route-target extended community as ExaBGP prints it (RFC 4360 §4,
/// RFC 5668), or the raw value for any other community.
struct RouteTarget<'a>(&'a [u8; 8]);

impl fmt::Display for RouteTarget<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        let u16at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let u32at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        match (b[0] & 0x0F, b[1]) {
            (0, 2) => write!(f, "target:{}:{}", u16at(2), u32at(4)),
            (1, 2) => write!(f, "target:{}:{}", Ipv4Addr::new(b[2], b[3], b[4], b[5]), u16at(6)),
            (2, 2) => write!(f, "target:{}:{}", u32at(2), u16at(6)),
            _ => write!(f, "0x{:016X}", u64::from_be_bytes(*b)),
        }
    }
}

impl fmt::Display for Rtc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rtc::Wildcard => f.write_str("rtc wildcard"),
            Rtc::Route { origin, rt } => write!(f, "rtc {origin}:{}", RouteTarget(rt)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_render() {
        let wire = [96u8, 0, 0, 0xFD, 0xE8, 0x00, 0x02, 0xFD, 0xE8, 0, 0, 0, 1];
        let mut buf = &wire[..];
        let r = Rtc::unpack(&mut buf).unwrap();
        assert!(buf.is_empty());
        let mut out = BytesMut::new();
        r.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        assert_eq!(r.to_string(), "rtc 65000:target:65000:1");
        let mut j = String::new();
        r.json(&mut j);
        assert_eq!(j, r#"{ "origin": 65000, "rt": "target:65000:1" }"#);
        let mut buf = &[0u8][..];
        assert_eq!(Rtc::unpack(&mut buf).unwrap().to_string(), "rtc wildcard");
    }

    #[test]
    fn transitive_bits_are_cleared_and_bad_lengths_rejected() {
        let mut buf = &[96u8, 0, 0, 0, 1, 0x40, 0x02, 0, 1, 0, 0, 0, 2][..];
        let r = Rtc::unpack(&mut buf).unwrap();
        assert_eq!(r, Rtc::Route { origin: 1, rt: [0, 2, 0, 1, 0, 0, 0, 2] });
        for wire in [&[32u8, 0, 0, 0, 1][..], &[96u8, 0][..]] {
            let mut buf = wire;
            assert_eq!(Rtc::unpack(&mut buf).unwrap_err().subcode, 10);
        }
    }
}
