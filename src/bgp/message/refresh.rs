//! ROUTE-REFRESH (RFC 2918 §3), with the RFC 7313 §3.2 subtypes in the
//! reserved octet.
//!
//! ```text
//!  0       7      15      23      31
//! +-------+-------+-------+-------+
//! |      AFI      | Subtype| SAFI |
//! +-------+-------+-------+-------+
//! ```

use std::fmt::Write;

use bytes::{BufMut, BytesMut};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::notify::{code, subcode, Notify};

/// RFC 7313 §3.2 message subtypes.
pub const QUERY: u8 = 0;
pub const BEGIN: u8 = 1;
pub const END: u8 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteRefresh {
    pub afi: Afi,
    pub safi: Safi,
    pub subtype: u8,
}

impl RouteRefresh {
    pub const LEN: usize = 4;

    pub fn new(family: Family, subtype: u8) -> RouteRefresh {
        RouteRefresh { afi: family.afi, safi: family.safi, subtype }
    }

    pub fn family(&self) -> Family {
        Family::new(self.afi, self.safi)
    }

    pub fn unpack(body: &[u8]) -> Result<RouteRefresh, Notify> {
        let [a, b, subtype, safi] = *body else {
            return Err(Notify::with_text(
                code::ROUTE_REFRESH,
                subcode::INVALID_MESSAGE_LENGTH,
                "invalid route-refresh message",
            ));
        };
        if subtype > END {
            return Err(Notify::with_text(
                code::ROUTE_REFRESH,
                subcode::MALFORMED_MESSAGE_SUBTYPE,
                "invalid route-refresh message subtype",
            ));
        }
        Ok(RouteRefresh { afi: Afi(u16::from_be_bytes([a, b])), safi: Safi(safi), subtype })
    }

    pub fn pack_body(&self, out: &mut BytesMut) {
        out.put_u16(self.afi.0);
        out.put_u8(self.subtype);
        out.put_u8(self.safi.0);
    }

    /// ExaBGP's word for the subtype.
    pub fn subtype_name(&self) -> &'static str {
        match self.subtype {
            QUERY => "query",
            BEGIN => "begin",
            END => "end",
            _ => "invalid",
        }
    }

    /// `"route-refresh": { "afi": "ipv4", "safi": "unicast", "subtype": "query" }`.
    /// ExaBGP doubles the quotes (`""ipv4""`, invalid JSON); here they are single.
    pub fn json(&self, out: &mut String) {
        let _ = write!(
            out,
            "\"route-refresh\": {{ \"afi\": \"{}\", \"safi\": \"{}\", \"subtype\": \"{}\" }}",
            self.afi,
            self.safi,
            self.subtype_name()
        );
    }

    /// `route-refresh afi ipv4 safi unicast query`
    pub fn text(&self, out: &mut String) {
        let _ = write!(out, "route-refresh afi {} safi {} {}", self.afi, self.safi, self.subtype_name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_qa_messages() {
        for body in [[0, 1, 0, 1], [0, 1, 1, 1], [0, 1, 2, 1]] {
            let r = RouteRefresh::unpack(&body).unwrap();
            let mut out = BytesMut::new();
            r.pack_body(&mut out);
            assert_eq!(&out[..], &body);
        }
        assert_eq!(RouteRefresh::unpack(&[0, 1, 1, 1]).unwrap().subtype_name(), "begin");
    }

    #[test]
    fn errors_7_1_and_7_2() {
        let e = RouteRefresh::unpack(&[0, 1, 0]).unwrap_err();
        assert_eq!((e.code, e.subcode), (7, 1));
        assert_eq!(e.data, b"invalid route-refresh message");
        let e = RouteRefresh::unpack(&[0, 1, 3, 1]).unwrap_err();
        assert_eq!((e.code, e.subcode), (7, 2));
        assert_eq!(e.data, b"invalid route-refresh message subtype");
    }

    #[test]
    fn renderings() {
        let r = RouteRefresh::new(Family::IPV4_UNICAST, QUERY);
        let mut s = String::new();
        r.json(&mut s);
        assert_eq!(s, r#""route-refresh": { "afi": "ipv4", "safi": "unicast", "subtype": "query" }"#);
        s.clear();
        r.text(&mut s);
        assert_eq!(s, "route-refresh afi ipv4 safi unicast query");
    }
}
