//! VPLS auto-discovery and signalling, ExaBGP's `l2vpn vpls` (RFC 4761 §3.2.2).
//!
//! ```text
//! +------------------------------------+
//! |  Length (2 octets) = 17            |
//! +------------------------------------+
//! |  Route Distinguisher (8 octets)    |
//! +------------------------------------+
//! |  VE ID (2 octets)                  |
//! +------------------------------------+
//! |  VE Block Offset (2 octets)        |
//! +------------------------------------+
//! |  VE Block Size (2 octets)          |
//! +------------------------------------+
//! |  Label Base (3 octets)             |
//! +------------------------------------+
//! ```

use std::fmt;
use std::net::IpAddr;

use bytes::{BufMut, BytesMut};

use super::qualifier::RouteDistinguisher;
use super::util::{invalid_network, push, take, take_u16, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vpls {
    pub rd: RouteDistinguisher,
    /// VE ID.
    pub endpoint: u16,
    pub offset: u16,
    pub size: u16,
    /// The 20-bit label base (sent with the bottom-of-stack bit set).
    pub base: u32,
}

impl Vpls {
    pub const BODY_LEN: u16 = 17;

    pub fn unpack(buf: &mut &[u8]) -> Result<Vpls, Notify> {
        let len = take_u16(buf, "missing l2vpn vpls length")?;
        if len != Vpls::BODY_LEN {
            return Err(invalid_network("l2vpn vpls message length is not consistent with encoded bgp"));
        }
        let rd = RouteDistinguisher::unpack(buf)?;
        let endpoint = take_u16(buf, "truncated l2vpn vpls")?;
        let offset = take_u16(buf, "truncated l2vpn vpls")?;
        let size = take_u16(buf, "truncated l2vpn vpls")?;
        let b = take(buf, 3, "truncated l2vpn vpls")?;
        let base = u32::from_be_bytes([0, b[0], b[1], b[2]]) >> 4;
        Ok(Vpls { rd, endpoint, offset, size, base })
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u16(Vpls::BODY_LEN);
        self.rd.pack(out);
        out.put_u16(self.endpoint);
        out.put_u16(self.offset);
        out.put_u16(self.size);
        // ExaBGP always sets bottom-of-stack on the label base.
        out.put_slice(&(((self.base & 0xF_FFFF) << 4) | 1).to_be_bytes()[1..]);
    }

    /// `{ "rd": "..", "endpoint": N, "base": N, "offset": N, "size": N }`
    pub fn json(&self, out: &mut String) {
        out.push_str("{ ");
        self.rd.json(out);
        push(out, format_args!(", \"endpoint\": {}, \"base\": {}, \"offset\": {}, \"size\": {} }}", self.endpoint, self.base, self.offset, self.size));
    }

    /// ExaBGP's `extensive()`; without a next-hop it keeps its trailing space.
    pub fn fmt_extensive(&self, f: &mut fmt::Formatter<'_>, nexthop: Option<IpAddr>) -> fmt::Result {
        write!(f, "vpls rd {} endpoint {} base {} offset {} size {} ", self.rd, self.endpoint, self.base, self.offset, self.size)?;
        if let Some(nh) = nexthop {
            write!(f, "next-hop {}", Ip(nh))?;
        }
        Ok(())
    }
}

impl fmt::Display for Vpls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_extensive(f, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_vpls_round_trip_and_render() {
        let wire = [0x00, 0x11, 0x00, 0x01, 0xC0, 0xA8, 0xC9, 0x01, 0x00, 0x7B, 0x00, 0x05, 0x00, 0x01, 0x00, 0x08, 0x02, 0x9C, 0xE1];
        let mut buf = &wire[..];
        let v = Vpls::unpack(&mut buf).unwrap();
        assert!(buf.is_empty());
        let mut out = BytesMut::new();
        v.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        let mut j = String::new();
        v.json(&mut j);
        assert_eq!(j, r#"{ "rd": "192.168.201.1:123", "endpoint": 5, "base": 10702, "offset": 1, "size": 8 }"#);
        assert_eq!(v.to_string(), "vpls rd 192.168.201.1:123 endpoint 5 base 10702 offset 1 size 8 ");
    }

    #[test]
    fn wrong_length_is_invalid_network_field() {
        for wire in [&[0u8, 0x10][..], &[0u8, 0x11, 0, 1][..], &[0u8][..]] {
            let mut buf = wire;
            let e = Vpls::unpack(&mut buf).unwrap_err();
            assert_eq!((e.code, e.subcode), (3, 10));
        }
    }
}
