//! BGP-LS, ExaBGP's `bgp-ls bgp-ls` and `bgp-ls bgp-ls-vpn` (RFC 9552 §5.2,
//! RFC 9514 §6 for SRv6 SIDs). ExaBGP only receives these; so do we, with
//! the same JSON, kept byte-exact for re-encoding.
//!
//! ```text
//! +-------------------------------+-------------------------------+
//! |            NLRI Type          |     Total NLRI Length         |
//! +-------------------------------+-------------------------------+
//! |      Route Distinguisher (8, bgp-ls-vpn only)                 |
//! +---------------------------------------------------------------+
//! | Protocol-ID (1) | Identifier (8) | descriptor TLVs ...        //
//! +---------------------------------------------------------------+
//! ```

pub mod link;
pub mod node;
pub mod prefix;
pub mod srv6sid;
pub mod tlvs;

use std::fmt::{self, Write};
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use bytes::{BufMut, BytesMut};

pub use link::Link;
pub use node::Node;
pub use prefix::PrefixLs;
pub use srv6sid::Srv6Sid;
pub use tlvs::NodeDescriptor;

use super::qualifier::RouteDistinguisher;
use super::util::{invalid_network, take_u16, Hex0xLower, Ip};
use crate::bgp::iana::Safi;
use crate::bgp::notify::Notify;

/// NLRI types (RFC 9552 §5.2, RFC 9514 §6).
pub mod code {
    pub const NODE: u16 = 1;
    pub const LINK: u16 = 2;
    pub const PREFIX_V4: u16 = 3;
    pub const PREFIX_V6: u16 = 4;
    pub const SRV6_SID: u16 = 6;
}

/// Protocol-IDs ExaBGP accepts (RFC 9552 §5.2, plus freertr's 227).
pub(crate) fn check_proto(p: u8) -> Result<(), Notify> {
    match p {
        1..=6 | 227 => Ok(()),
        _ => Err(invalid_network("BGP-LS Protocol-ID is not valid")),
    }
}

/// Protocol-ID and Identifier, the common head of every known NLRI type.
pub(crate) fn head(body: &[u8]) -> Result<(u8, u64, &[u8]), Notify> {
    if body.len() < 9 {
        return Err(invalid_network("truncated BGP-LS NLRI"));
    }
    check_proto(body[0])?;
    let mut d = [0u8; 8];
    d.copy_from_slice(&body[1..9]);
    Ok((body[0], u64::from_be_bytes(d), &body[9..]))
}

#[derive(Clone, Debug)]
pub enum BgpLsRoute {
    Node(Node),
    Link(Link),
    Prefix(PrefixLs),
    Srv6Sid(Srv6Sid),
    Unknown,
}

#[derive(Clone, Debug)]
pub struct BgpLs {
    safi: Safi,
    code: u16,
    rd: Option<RouteDistinguisher>,
    body: Vec<u8>,
    route: BgpLsRoute,
}

impl PartialEq for BgpLs {
    fn eq(&self, other: &Self) -> bool {
        (self.safi, self.code, self.rd) == (other.safi, other.code, other.rd) && self.body == other.body
    }
}

impl Eq for BgpLs {}

impl Hash for BgpLs {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.safi, self.code, self.rd).hash(state);
        self.body.hash(state);
    }
}

impl BgpLs {
    pub fn safi(&self) -> Safi {
        self.safi
    }

    pub fn code(&self) -> u16 {
        self.code
    }

    pub fn rd(&self) -> Option<&RouteDistinguisher> {
        self.rd.as_ref()
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn route(&self) -> &BgpLsRoute {
        &self.route
    }

    /// Like ExaBGP, a length running past the data takes what is there
    /// (qa/decoding/bgp-ls-1 declares 0xFFFF).
    pub fn unpack(safi: Safi, buf: &mut &[u8]) -> Result<BgpLs, Notify> {
        let code = take_u16(buf, "missing BGP-LS NLRI type")?;
        let len = usize::from(take_u16(buf, "missing BGP-LS NLRI length")?).min(buf.len());
        let mut whole = &buf[..len];
        *buf = &buf[len..];
        let known = matches!(code, code::NODE | code::LINK | code::PREFIX_V4 | code::PREFIX_V6 | code::SRV6_SID);
        let rd = if safi == Safi::BGP_LS_VPN && known { Some(RouteDistinguisher::unpack(&mut whole)?) } else { None };
        let body = whole;
        let route = match code {
            code::NODE => BgpLsRoute::Node(Node::parse(body)?),
            code::LINK => BgpLsRoute::Link(Link::parse(body)?),
            code::PREFIX_V4 => BgpLsRoute::Prefix(PrefixLs::parse(body, false)?),
            code::PREFIX_V6 => BgpLsRoute::Prefix(PrefixLs::parse(body, true)?),
            code::SRV6_SID => BgpLsRoute::Srv6Sid(Srv6Sid::parse(body)?),
            _ => BgpLsRoute::Unknown,
        };
        Ok(BgpLs { safi, code, rd, body: body.to_vec(), route })
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u16(self.code);
        let rd_len = if self.rd.is_some() { 8 } else { 0 };
        out.put_u16((self.body.len() + rd_len) as u16);
        if let Some(rd) = &self.rd {
            rd.pack(out);
        }
        out.put_slice(&self.body);
    }

    /// ExaBGP's JSON. Node and prefix NLRI carry the next-hop they arrived
    /// with (`"None"` when there is none, e.g. in a withdrawal).
    pub fn json(&self, out: &mut String, nexthop: Option<IpAddr>) {
        let nh = NextHop(nexthop);
        match &self.route {
            BgpLsRoute::Node(r) => r.json(out, &nh, self.rd.as_ref()),
            BgpLsRoute::Link(r) => r.json(out, self.rd.as_ref()),
            BgpLsRoute::Prefix(r) => r.json(out, &nh, self.rd.as_ref()),
            BgpLsRoute::Srv6Sid(r) => r.json(out),
            BgpLsRoute::Unknown => {
                // ExaBGP packs the type and length of unknown NLRI as one octet each here.
                let _ = write!(out, "{{ \"code\": {}, \"parsed\": false, \"raw\": \"{:02X}{:02X}", self.code, self.code as u8, self.body.len() as u8);
                crate::json::hex_upper(out, &self.body);
                out.push_str("\" }");
            }
        }
    }
}

pub(crate) struct NextHop(Option<IpAddr>);

impl fmt::Display for NextHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(ip) => write!(f, "{}", Ip(ip)),
            None => f.write_str("None"),
        }
    }
}

/// ExaBGP's `str()` is the JSON for node, link and prefix NLRI.
impl fmt::Display for BgpLs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.route {
            BgpLsRoute::Srv6Sid(_) => f.write_str("bgp-ls:srv6_sid:0x"),
            BgpLsRoute::Unknown => write!(f, "bgp-ls:unknown:{}", Hex0xLower(&self.body)),
            _ => {
                let mut s = String::new();
                self.json(&mut s, None);
                f.write_str(&s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn decoding_bgp_ls_1_takes_what_is_there() {
        let wire = hex("0002FFFF03000000000000000001000020020000040000000102010004C0A87A7E0202000400000000020300040A0A0A0A01010020020000040000000102010004C0A87A7E0202000400000000020300040A020202");
        let mut buf = &wire[..];
        let n = BgpLs::unpack(Safi::BGP_LS, &mut buf).unwrap();
        assert!(buf.is_empty());
        let mut j = String::new();
        n.json(&mut j, None);
        assert_eq!(
            j,
            r#"{ "ls-nlri-type": "bgpls-link", "l3-routing-topology": 0, "protocol-id": 3, "local-node-descriptors": [ { "autonomous-system": 1 }, { "bgp-ls-identifier": "3232266878" }, { "ospf-area-id": "0.0.0.0" }, { "router-id": "10.10.10.10" } ], "remote-node-descriptors": [ { "autonomous-system": 1 }, { "bgp-ls-identifier": "3232266878" }, { "ospf-area-id": "0.0.0.0" }, { "router-id": "10.2.2.2" } ], "interface-addresses": [  ], "neighbor-addresses": [  ], "multi-topology-ids": [  ], "link-identifiers": [  ] }"#
        );
        // Re-encoded with the true length.
        let mut out = BytesMut::new();
        n.pack(&mut out);
        assert_eq!(&out[4..], &wire[4..]);
        assert_eq!(u16::from_be_bytes([out[2], out[3]]) as usize, wire.len() - 4);
    }

    #[test]
    fn unknown_type_and_vpn_rd() {
        let wire = hex("0009000201FF");
        let n = BgpLs::unpack(Safi::BGP_LS, &mut &wire[..]).unwrap();
        let mut j = String::new();
        n.json(&mut j, None);
        assert_eq!(j, r#"{ "code": 9, "parsed": false, "raw": "090201FF" }"#);
        assert_eq!(n.to_string(), "bgp-ls:unknown:0x01ff");
        // A node NLRI in bgp-ls-vpn, with an RD.
        let wire = hex(concat!("0001001D", "0000000100000002", "02", "0000000000000000", "01000008", "02000004000000FF"));
        let mut buf = &wire[..];
        let n = BgpLs::unpack(Safi::BGP_LS_VPN, &mut buf).unwrap();
        let mut j = String::new();
        n.json(&mut j, Some("1.2.3.4".parse().unwrap()));
        assert_eq!(j, r#"{ "ls-nlri-type": "bgpls-node", "l3-routing-topology": 0, "protocol-id": 2, "node-descriptors": [ { "autonomous-system": 255 } ], "nexthop": "1.2.3.4", "rd": "1:2" }"#);
        let mut out = BytesMut::new();
        n.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
    }
}
