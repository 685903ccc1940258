//! BGP Mobile User Plane, ExaBGP's `mup` (draft-mpmz-bess-mup-safi): the
//! 3GPP-5G architecture's four route types; others are kept raw.
//!
//! ```text
//! | Architecture Type (1) | Route Type (2) | Length (1) | Route Type specific |
//! ```

pub mod dsd;
pub mod isd;
pub mod t1st;
pub mod t2st;

use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::{BufMut, BytesMut};

pub use dsd::Dsd;
pub use isd::Isd;
pub use t1st::T1st;
pub use t2st::T2st;

use super::util::{push, take, take_u16, take_u8, Hex0xLower};
use crate::bgp::iana::Afi;
use crate::bgp::notify::Notify;

/// The 3GPP 5G architecture type.
pub const ARCH_3GPP_5G: u8 = 1;

#[derive(Clone, Debug)]
pub enum MupRoute {
    Isd(Isd),
    Dsd(Dsd),
    T1st(T1st),
    T2st(T2st),
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Mup {
    afi: Afi,
    arch: u8,
    code: u16,
    body: Vec<u8>,
    route: MupRoute,
}

impl PartialEq for Mup {
    fn eq(&self, other: &Self) -> bool {
        (self.afi, self.arch, self.code) == (other.afi, other.arch, other.code) && self.body == other.body
    }
}

impl Eq for Mup {}

impl Hash for Mup {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.afi, self.arch, self.code).hash(state);
        self.body.hash(state);
    }
}

impl Mup {
    /// Build the wire form of a route (for configuration and API).
    pub fn new(afi: Afi, route: MupRoute) -> Mup {
        let mut body = Vec::new();
        let code = match &route {
            MupRoute::Isd(r) => {
                r.build(&mut body);
                Isd::CODE
            }
            MupRoute::Dsd(r) => {
                r.build(&mut body);
                Dsd::CODE
            }
            MupRoute::T1st(r) => {
                r.build(&mut body);
                T1st::CODE
            }
            MupRoute::T2st(r) => {
                r.build(&mut body);
                T2st::CODE
            }
            MupRoute::Unknown => 0,
        };
        Mup { afi, arch: ARCH_3GPP_5G, code, body, route }
    }

    pub fn from_body(afi: Afi, arch: u8, code: u16, body: &[u8]) -> Result<Mup, Notify> {
        let route = match (arch, code) {
            (ARCH_3GPP_5G, Isd::CODE) => MupRoute::Isd(Isd::parse(afi, body)?),
            (ARCH_3GPP_5G, Dsd::CODE) => MupRoute::Dsd(Dsd::parse(body)?),
            (ARCH_3GPP_5G, T1st::CODE) => MupRoute::T1st(T1st::parse(afi, body)?),
            (ARCH_3GPP_5G, T2st::CODE) => MupRoute::T2st(T2st::parse(afi, body)?),
            _ => MupRoute::Unknown,
        };
        Ok(Mup { afi, arch, code, body: body.to_vec(), route })
    }

    pub fn afi(&self) -> Afi {
        self.afi
    }

    pub fn arch(&self) -> u8 {
        self.arch
    }

    pub fn code(&self) -> u16 {
        self.code
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn route(&self) -> &MupRoute {
        &self.route
    }

    pub fn unpack(afi: Afi, buf: &mut &[u8]) -> Result<Mup, Notify> {
        let arch = take_u8(buf, "missing mup architecture type")?;
        let code = take_u16(buf, "missing mup route type")?;
        let len = take_u8(buf, "missing mup length")?;
        let body = take(buf, usize::from(len), "mup route longer than the data")?;
        Mup::from_body(afi, arch, code, body)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u8(self.arch);
        out.put_u16(self.code);
        out.put_u8(self.body.len() as u8);
        out.put_slice(&self.body);
    }

    fn push_raw(&self, out: &mut String) {
        push(out, format_args!("{:02X}{:04X}{:02X}", self.arch, self.code, self.body.len() as u8));
        crate::json::hex_upper(out, &self.body);
    }

    pub fn json(&self, out: &mut String) {
        match &self.route {
            MupRoute::Unknown => {
                push(out, format_args!("{{ \"arch\": {}, \"code\": {}, \"raw\": \"", self.arch, self.code));
                self.push_raw(out);
                out.push_str("\" }");
            }
            MupRoute::Isd(r) => {
                out.push_str("{ ");
                r.json_fields(out);
                out.push_str(", \"raw\": \"");
                self.push_raw(out);
                out.push_str("\" }");
            }
            MupRoute::Dsd(r) => {
                out.push_str("{ ");
                r.json_fields(out);
                out.push_str(", \"raw\": \"");
                self.push_raw(out);
                out.push_str("\" }");
            }
            MupRoute::T1st(r) => {
                out.push_str("{ ");
                r.json_fields(out);
                out.push_str("\"raw\": \"");
                self.push_raw(out);
                out.push_str("\" }");
            }
            MupRoute::T2st(r) => {
                out.push_str("{ ");
                r.json_fields(out);
                out.push_str("\"raw\": \"");
                self.push_raw(out);
                out.push_str("\" }");
            }
        }
    }
}

/// ExaBGP's `str()`: `mup:isd::<rd>:<prefix>/<len>` and so on, or `mup:unknown:0x<hex>`.
impl fmt::Display for Mup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.route {
            MupRoute::Isd(r) => write!(f, "mup:isd::{r}"),
            MupRoute::Dsd(r) => write!(f, "mup:dsd::{r}"),
            MupRoute::T1st(r) => write!(f, "mup:t1st::{r}"),
            MupRoute::T2st(r) => write!(f, "mup:t2st::{r}"),
            MupRoute::Unknown => write!(f, "mup:unknown:{}", Hex0xLower(&self.body)),
        }
    }
}

/// The prefix octets of an ISD/T1ST route, zero-padded to the family's address size.
pub(crate) fn padded_ip(afi: Afi, bytes: &[u8]) -> Option<std::net::IpAddr> {
    let size = if afi == Afi::IPV6 { 16 } else { 4 };
    if bytes.len() > size {
        return None;
    }
    let mut a = [0u8; 16];
    a[..bytes.len()].copy_from_slice(bytes);
    super::util::ip_from(&a[..size])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn one(afi: Afi, h: &str) -> (String, String) {
        let wire = hex(h);
        let mut buf = &wire[..];
        let n = Mup::unpack(afi, &mut buf).unwrap();
        assert!(buf.is_empty());
        let mut out = BytesMut::new();
        n.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        let rebuilt = Mup::new(afi, n.route().clone());
        if !matches!(n.route(), MupRoute::Unknown) {
            assert_eq!(rebuilt, n, "{h}");
        }
        let mut j = String::new();
        n.json(&mut j);
        (n.to_string(), j)
    }

    #[test]
    fn conf_srv6_mup_routes() {
        let (s, j) = one(Afi::IPV4, "0100010C0000006400000064180A0001");
        assert_eq!(s, "mup:isd::100:100:10.0.1.0/24");
        assert_eq!(j, r#"{ "name": "InterworkSegmentDiscoveryRoute", "arch": 1, "code": 1, "prefix_ip_len": 24, "prefix_ip": "10.0.1.0", "rd": "100:100", "raw": "0100010C0000006400000064180A0001" }"#);
        let (s, j) = one(Afi::IPV4, "0100020C00000064000000640A000001");
        assert_eq!(s, "mup:dsd::100:100:10.0.0.1");
        assert_eq!(j, r#"{ "name": "DirectSegmentDiscoveryRoute", "arch": 1, "code": 2, "ip": "10.0.0.1", "rd": "100:100", "raw": "0100020C00000064000000640A000001" }"#);
        let (s, j) = one(Afi::IPV4, "01000317000000640000006420C0A800010000303909200A000001");
        assert_eq!(s, "mup:t1st::100:100:192.168.0.1/32:12345:9:10.0.0.1/32");
        assert_eq!(j, r#"{ "name": "Type1SessionTransformedRoute", "arch": 1, "code": 3, "prefix_ip_len": 32, "prefix_ip": "192.168.0.1", "teid": "12345", "qfi": "9", "rd": "100:100", "endpoint_ip_len": 32, "endpoint_ip": "10.0.0.1", "source_ip_len": 0, "source_ip": "", "raw": "01000317000000640000006420C0A800010000303909200A000001" }"#);
        let (s, _) = one(Afi::IPV4, "0100031C000000640000006420C0A800020000303909200A000001200A000101");
        assert_eq!(s, "mup:t1st::100:100:192.168.0.2/32:12345:9:10.0.0.1/32:10.0.1.1/32");
        let (s, j) = one(Afi::IPV4, "010004110000006400000064400A00000100003039");
        assert_eq!(s, "mup:t2st::100:100:64:10.0.0.1:12345:");
        assert_eq!(j, r#"{ "name": "Type2SessionTransformedRoute",  "arch": 1, "code": 4, "endpoint_len": 64, "endpoint_ip": "10.0.0.1", "rd": "100:100", "teid": "12345", "raw": "010004110000006400000064400A00000100003039" }"#);
        let (s, _) = one(Afi::IPV4, "010004100000006400000064370A000001003039");
        assert_eq!(s, "mup:t2st::100:100:55:10.0.0.1:12345:");
        let (s, _) = one(Afi::IPV6, "0100041D0000006400000064A02001000000000000000000000000000100003039");
        assert_eq!(s, "mup:t2st::100:100:160:2001::1:12345:");
        let (s, _) = one(Afi::IPV6, "0100032F00000064000000648020010DB800010001000000000000000100003039098020010000000000000000000000000001");
        assert_eq!(s, "mup:t1st::100:100:2001:db8:1:1::1/128:12345:9:2001::1/128");
        let (s, j) = one(Afi::IPV4, "0200090100");
        assert_eq!(s, "mup:unknown:0x00");
        assert_eq!(j, r#"{ "arch": 2, "code": 9, "raw": "0200090100" }"#);
    }

    #[test]
    fn malformed_routes_are_rejected() {
        for h in ["0100020B000000640000006400000001", "010003090000006400000064FF", "01000411000000640000006460", "010001"] {
            let wire = hex(h);
            let mut buf = &wire[..];
            assert!(Mup::unpack(Afi::IPV4, &mut buf).is_err(), "{h}");
        }
    }
}
