//! Multicast VPN, ExaBGP's `mcast-vpn` (RFC 6514 §4): the route types
//! ExaBGP decodes (5 Source Active A-D, 6 Shared Tree Join, 7 Source Tree
//! Join); any other type is kept and shown raw.
//!
//! ```text
//! | Route Type (1) | Length (1) | Route Type specific (variable) |
//! ```

pub mod sharedjoin;
pub mod sourcead;
pub mod sourcejoin;

use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::{BufMut, BytesMut};

pub use sharedjoin::SharedJoin;
pub use sourcead::SourceAd;
pub use sourcejoin::SourceJoin;

use super::util::{push, take, take_u8, Hex0xLower};
use crate::bgp::iana::Afi;
use crate::bgp::notify::Notify;

#[derive(Clone, Debug)]
pub enum MvpnRoute {
    SourceAd(SourceAd),
    SharedJoin(SharedJoin),
    SourceJoin(SourceJoin),
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Mvpn {
    afi: Afi,
    code: u8,
    body: Vec<u8>,
    route: MvpnRoute,
}

impl PartialEq for Mvpn {
    fn eq(&self, other: &Self) -> bool {
        self.afi == other.afi && self.code == other.code && self.body == other.body
    }
}

impl Eq for Mvpn {}

impl Hash for Mvpn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.afi.hash(state);
        self.code.hash(state);
        self.body.hash(state);
    }
}

impl Mvpn {
    /// Build the wire form of a route (for configuration and API).
    pub fn new(afi: Afi, route: MvpnRoute) -> Mvpn {
        let mut body = Vec::new();
        let code = match &route {
            MvpnRoute::SourceAd(r) => {
                r.build(&mut body);
                SourceAd::CODE
            }
            MvpnRoute::SharedJoin(r) => {
                r.0.build(&mut body);
                SharedJoin::CODE
            }
            MvpnRoute::SourceJoin(r) => {
                r.0.build(&mut body);
                SourceJoin::CODE
            }
            MvpnRoute::Unknown => 0,
        };
        Mvpn { afi, code, body, route }
    }

    pub fn from_body(afi: Afi, code: u8, body: &[u8]) -> Result<Mvpn, Notify> {
        let route = match code {
            SourceAd::CODE => MvpnRoute::SourceAd(SourceAd::parse(body)?),
            SharedJoin::CODE => MvpnRoute::SharedJoin(SharedJoin(sharedjoin::CMulticast::parse(body)?)),
            SourceJoin::CODE => MvpnRoute::SourceJoin(SourceJoin(sharedjoin::CMulticast::parse(body)?)),
            _ => MvpnRoute::Unknown,
        };
        Ok(Mvpn { afi, code, body: body.to_vec(), route })
    }

    pub fn afi(&self) -> Afi {
        self.afi
    }

    pub fn code(&self) -> u8 {
        self.code
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn route(&self) -> &MvpnRoute {
        &self.route
    }

    pub fn unpack(afi: Afi, buf: &mut &[u8]) -> Result<Mvpn, Notify> {
        let code = take_u8(buf, "missing mvpn route type")?;
        let len = take_u8(buf, "missing mvpn length")?;
        let body = take(buf, usize::from(len), "mvpn route longer than the data")?;
        Mvpn::from_body(afi, code, body)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u8(self.code);
        out.put_u8(self.body.len() as u8);
        out.put_slice(&self.body);
    }

    fn push_raw(&self, out: &mut String) {
        push(out, format_args!("{:02X}{:02X}", self.code, self.body.len() as u8));
        crate::json::hex_upper(out, &self.body);
    }

    pub fn json(&self, out: &mut String) {
        let (name, c) = match &self.route {
            MvpnRoute::Unknown => {
                push(out, format_args!("{{ \"code\": {}, \"parsed\": false, \"raw\": \"", self.code));
                self.push_raw(out);
                out.push_str("\" }");
                return;
            }
            MvpnRoute::SourceAd(r) => {
                push(out, format_args!("{{ \"code\": {}, \"parsed\": true, \"raw\": \"", self.code));
                self.push_raw(out);
                push(out, format_args!("\", \"name\": \"{}\", ", SourceAd::NAME));
                r.rd.json(out);
                push(out, format_args!(", \"source\": \"{}\", \"group\": \"{}\"}}", super::util::Ip(r.source), super::util::Ip(r.group)));
                return;
            }
            MvpnRoute::SharedJoin(r) => (SharedJoin::NAME, &r.0),
            MvpnRoute::SourceJoin(r) => (SourceJoin::NAME, &r.0),
        };
        push(out, format_args!("{{ \"code\": {}, \"parsed\": true, \"raw\": \"", self.code));
        self.push_raw(out);
        push(out, format_args!("\", \"name\": \"{name}\", "));
        c.json_fields(out);
    }
}

/// ExaBGP's `str()`: `mvpn:sourcead::<rd>:<source>:<group>`, or `mvpn:unknown:0x<hex>`.
impl fmt::Display for Mvpn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.route {
            MvpnRoute::SourceAd(r) => write!(f, "mvpn:sourcead::{r}"),
            MvpnRoute::SharedJoin(r) => write!(f, "mvpn:shared-join::{}", r.0),
            MvpnRoute::SourceJoin(r) => write!(f, "mvpn:source-join::{}", r.0),
            MvpnRoute::Unknown => write!(f, "mvpn:unknown:{}", Hex0xLower(&self.body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn one(afi: Afi, h: &str) -> (Mvpn, String) {
        let wire = hex(h);
        let mut buf = &wire[..];
        let n = Mvpn::unpack(afi, &mut buf).unwrap();
        assert!(buf.is_empty());
        let mut out = BytesMut::new();
        n.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        let mut j = String::new();
        n.json(&mut j);
        (n, j)
    }

    #[test]
    fn conf_mvpn_routes() {
        let (n, j) = one(Afi::IPV4, "06160000FDE80001869F0000FDE8200A63C70120EFFBFFE4");
        assert_eq!(n.to_string(), "mvpn:shared-join::65000:99999:65000:10.99.199.1:239.251.255.228");
        assert_eq!(j, r#"{ "code": 6, "parsed": true, "raw": "06160000FDE80001869F0000FDE8200A63C70120EFFBFFE4", "name": "C-Multicast Shared Tree Join route", "rd": "65000:99999", "source-as": "65000", "source": "10.99.199.1", "group": "239.251.255.228"}"#);
        let (n, _) = one(Afi::IPV4, "07160000FDE80001869F0000FDE8200A630C0220EFFBFFE4");
        assert_eq!(n.to_string(), "mvpn:source-join::65000:99999:65000:10.99.12.2:239.251.255.228");
        let (n, j) = one(Afi::IPV6, "052A0000FDE80001869F80FD12000000000000000000000000000480FF0E0000000000000000000000000001");
        assert_eq!(n.to_string(), "mvpn:sourcead::65000:99999:fd12::4:ff0e::1");
        assert_eq!(j, r#"{ "code": 5, "parsed": true, "raw": "052A0000FDE80001869F80FD12000000000000000000000000000480FF0E0000000000000000000000000001", "name": "Source Active A-D Route", "rd": "65000:99999", "source": "fd12::4", "group": "ff0e::1"}"#);
        let (n, j) = one(Afi::IPV4, "0102AABB");
        assert_eq!(n.to_string(), "mvpn:unknown:0xaabb");
        assert_eq!(j, r#"{ "code": 1, "parsed": false, "raw": "0102AABB" }"#);
    }

    #[test]
    fn bad_lengths_are_attribute_length_errors() {
        for h in ["050400000000", "0616" /* truncated */, "06160000FDE80001869F0000FDE8180A63C70120EFFBFFE4"] {
            let wire = hex(h);
            let mut buf = &wire[..];
            let e = Mvpn::unpack(Afi::IPV4, &mut buf).unwrap_err();
            assert!(e.subcode == 5 || e.subcode == 10, "{h}");
        }
    }
}
