//! EVPN, ExaBGP's `l2vpn evpn` (RFC 7432 §7, RFC 9136 for type 5).
//!
//! ```text
//! +-----------------------------------+
//! |    Route Type (1 octet)           |
//! +-----------------------------------+
//! |     Length (1 octet)              |
//! +-----------------------------------+
//! | Route Type specific (variable)    |
//! +-----------------------------------+
//! ```
//!
//! The route-type body is kept as received (it is what goes back on the wire,
//! what `"raw"` shows, and what identifies the route, as in ExaBGP's
//! `index()`); the decoded fields are kept next to it for rendering.

pub mod ethernetad;
pub mod mac;
pub mod multicast;
pub mod prefix;
pub mod segment;

use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::{BufMut, BytesMut};

pub use ethernetad::EthernetAd;
pub use mac::MacAdv;
pub use multicast::Multicast;
pub use prefix::PrefixAdv;
pub use segment::Segment;

use super::util::{push, take, take_u8, Hex0xLower};
use crate::bgp::notify::Notify;

/// The decoded view of a route type.
#[derive(Clone, Debug)]
pub enum EvpnRoute {
    EthernetAd(EthernetAd),
    Mac(MacAdv),
    Multicast(Multicast),
    Segment(Segment),
    Prefix(PrefixAdv),
    /// A route type ExaBGP does not decode: shown raw.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Evpn {
    code: u8,
    body: Vec<u8>,
    route: EvpnRoute,
}

impl PartialEq for Evpn {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code && self.body == other.body
    }
}

impl Eq for Evpn {}

impl Hash for Evpn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
        self.body.hash(state);
    }
}

impl Evpn {
    /// Build the wire form of a decoded-style route (for configuration and API).
    pub fn new(route: EvpnRoute) -> Evpn {
        let mut body = Vec::new();
        let code = match &route {
            EvpnRoute::EthernetAd(r) => {
                r.build(&mut body);
                EthernetAd::CODE
            }
            EvpnRoute::Mac(r) => {
                r.build(&mut body);
                MacAdv::CODE
            }
            EvpnRoute::Multicast(r) => {
                r.build(&mut body);
                Multicast::CODE
            }
            EvpnRoute::Segment(r) => {
                r.build(&mut body);
                Segment::CODE
            }
            EvpnRoute::Prefix(r) => {
                r.build(&mut body);
                PrefixAdv::CODE
            }
            EvpnRoute::Unknown => 0,
        };
        Evpn { code, body, route }
    }

    /// A route of any type from its body octets.
    pub fn from_body(code: u8, body: &[u8]) -> Result<Evpn, Notify> {
        let route = match code {
            EthernetAd::CODE => EvpnRoute::EthernetAd(EthernetAd::parse(body)?),
            MacAdv::CODE => EvpnRoute::Mac(MacAdv::parse(body)?),
            Multicast::CODE => EvpnRoute::Multicast(Multicast::parse(body)?),
            Segment::CODE => EvpnRoute::Segment(Segment::parse(body)?),
            PrefixAdv::CODE => EvpnRoute::Prefix(PrefixAdv::parse(body)?),
            _ => EvpnRoute::Unknown,
        };
        Ok(Evpn { code, body: body.to_vec(), route })
    }

    pub fn code(&self) -> u8 {
        self.code
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn route(&self) -> &EvpnRoute {
        &self.route
    }

    pub fn unpack(buf: &mut &[u8]) -> Result<Evpn, Notify> {
        let code = take_u8(buf, "missing evpn route type")?;
        let len = take_u8(buf, "missing evpn length")?;
        let body = take(buf, usize::from(len), "evpn route longer than the data")?;
        Evpn::from_body(code, body)
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

    /// `{ "code": N, "parsed": true, "raw": "..", "name": .., ... }`, or for
    /// route types it does not know `{ "code": N, "parsed": false, "raw": ".." }`.
    pub fn json(&self, out: &mut String) {
        match &self.route {
            EvpnRoute::Unknown => {
                push(out, format_args!("{{ \"code\": {}, \"parsed\": false, \"raw\": \"", self.code));
                self.push_raw(out);
                out.push_str("\" }");
            }
            route => {
                let name = match route {
                    EvpnRoute::EthernetAd(_) => EthernetAd::NAME,
                    EvpnRoute::Mac(_) => MacAdv::NAME,
                    EvpnRoute::Multicast(_) => Multicast::NAME,
                    EvpnRoute::Segment(_) => Segment::NAME,
                    _ => PrefixAdv::NAME,
                };
                push(out, format_args!("{{ \"code\": {}, \"parsed\": true, \"raw\": \"", self.code));
                self.push_raw(out);
                push(out, format_args!("\", \"name\": \"{name}\", "));
                match route {
                    EvpnRoute::EthernetAd(r) => r.json_fields(out),
                    EvpnRoute::Mac(r) => r.json_fields(out),
                    EvpnRoute::Multicast(r) => r.json_fields(out),
                    EvpnRoute::Segment(r) => r.json_fields(out),
                    EvpnRoute::Prefix(r) => r.json_fields(out),
                    EvpnRoute::Unknown => {}
                }
            }
        }
    }
}

/// ExaBGP's `str()`: `evpn:macadv::<rd>:<esi>:...` (the doubled colon is
/// its), or `evpn:unknown:0x<hex>`.
impl fmt::Display for Evpn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.route {
            EvpnRoute::EthernetAd(r) => write!(f, "evpn:ethernetad::{r}"),
            EvpnRoute::Mac(r) => write!(f, "evpn:macadv::{r}"),
            EvpnRoute::Multicast(r) => write!(f, "evpn:multicast::{r}"),
            EvpnRoute::Segment(r) => write!(f, "evpn:segment::{r}"),
            EvpnRoute::Prefix(r) => write!(f, "evpn:prfxadv::{r}"),
            EvpnRoute::Unknown => write!(f, "evpn:unknown:{}", Hex0xLower(&self.body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// The withdraw list of qa/decoding/bgp-evpn-1, element by element.
    #[test]
    fn decoding_bgp_evpn_1() {
        let cases = [
            ("08260001252C37768EAD000002001600000000030000085D0020EFFFFFFF20252C37760000000000", r#"{ "code": 8, "parsed": false, "raw": "08260001252C37768EAD000002001600000000030000085D0020EFFFFFFF20252C37760000000000" }"#),
            ("02210001252C37370001000000000000000000000000076D30FC15B4787B8F00000000", r#"{ "code": 2, "parsed": true, "raw": "02210001252C37370001000000000000000000000000076D30FC15B4787B8F00000000", "name": "MAC/IP advertisement", "rd": "37.44.55.55:1", "esi": "-", "ethernet-tag": 1901, "mac": "FC:15:B4:78:7B:8F", "label": [ [0] ] }"#),
            ("02250001252C372E0001000000000000000000000000051530E88088308BE9200A22100A000000", r#"{ "code": 2, "parsed": true, "raw": "02250001252C372E0001000000000000000000000000051530E88088308BE9200A22100A000000", "name": "MAC/IP advertisement", "rd": "37.44.55.46:1", "esi": "-", "ethernet-tag": 1301, "mac": "E8:80:88:30:8B:E9", "label": [ [0] ], "ip": "10.34.16.10" }"#),
        ];
        for (h, expected) in cases {
            let wire = hex(h);
            let mut buf = &wire[..];
            let n = Evpn::unpack(&mut buf).unwrap();
            assert!(buf.is_empty());
            let mut j = String::new();
            n.json(&mut j);
            assert_eq!(j, expected);
            let mut out = BytesMut::new();
            n.pack(&mut out);
            assert_eq!(&out[..], &wire[..]);
        }
        let wire = hex(cases[2].0);
        let n = Evpn::unpack(&mut &wire[..]).unwrap();
        assert_eq!(n.to_string(), "evpn:macadv::37.44.55.46:1:-:1301:E8:80:88:30:8B:E9/48:10.34.16.10: label 0");
        let wire = hex(cases[0].0);
        let n = Evpn::unpack(&mut &wire[..]).unwrap();
        assert!(n.to_string().starts_with("evpn:unknown:0x0001252c"));
    }

    #[test]
    fn other_route_types_render_like_exabgp() {
        let cases = [
            (
                "011900000001000000020000000000000000000000000005000641",
                r#"{ "code": 1, "parsed": true, "raw": "011900000001000000020000000000000000000000000005000641", "name": "Ethernet Auto-Discovery", "rd": "1:2", "esi": "-", "ethernet-tag": 5, "label": [ [100, 1601] ] }"#,
                "evpn:ethernetad::1:2:-:5: label 100 (1601)",
            ),
            (
                "031100000001000000020000000520C0000201",
                r#"{ "code": 3, "parsed": true, "raw": "031100000001000000020000000520C0000201", "name": "Inclusive Multicast Ethernet Tag", "rd": "1:2", "ethernet-tag": 5, "ip": "192.0.2.1" }"#,
                "evpn:multicast::1:2:5:192.0.2.1",
            ),
            (
                "041700000001000000020102030405060708090A20C0000201",
                r#"{ "code": 4, "parsed": true, "raw": "041700000001000000020102030405060708090A20C0000201", "name": "Ethernet Segment", "rd": "1:2", "esi": "01:02:03:04:05:06:07:08:09:0a", "ip": "192.0.2.1" }"#,
                "evpn:segment::1:2:01:02:03:04:05:06:07:08:09:0a:192.0.2.1",
            ),
            (
                "05220000000100000002000000000000000000000000000518C0000200C0000201000641",
                r#"{ "code": 5, "parsed": true, "raw": "05220000000100000002000000000000000000000000000518C0000200C0000201000641", "name": "IP Prefix Advertisement", "rd": "1:2", "esi": "-", "ethernet-tag": 5, "label": [ [100, 1601] ], "ip": "192.0.2.0", "iplen": 24, "gateway": "192.0.2.1" }"#,
                "evpn:prfxadv::1:2:-:5:192.0.2.0/24:192.0.2.1: label 100 (1601)",
            ),
        ];
        for (h, json, text) in cases {
            let wire = hex(h);
            let mut buf = &wire[..];
            let n = Evpn::unpack(&mut buf).unwrap();
            assert!(buf.is_empty());
            let mut j = String::new();
            n.json(&mut j);
            assert_eq!(j, json);
            assert_eq!(n.to_string(), text);
            // Built from its fields, the route has the same octets.
            assert_eq!(Evpn::new(n.route().clone()), n);
        }
    }

    #[test]
    fn truncated_route_is_invalid_network_field() {
        let mut buf = &[2u8, 0x21, 0, 1][..];
        assert_eq!(Evpn::unpack(&mut buf).unwrap_err().subcode, 10);
    }
}
