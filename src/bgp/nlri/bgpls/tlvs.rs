//! BGP-LS descriptor TLVs (RFC 9552 §5.2): node descriptor sub-TLVs and the
//! link / prefix / SRv6 SID descriptors ExaBGP decodes.
//!
//! ```text
//! | Type (2) | Length (2) | Value (variable) |
//! ```

use std::fmt::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::bgp::nlri::util::{invalid_network, ip_from, Ip, Ipv6Hex};
use crate::bgp::notify::Notify;

pub const LOCAL_NODE: u16 = 256;
pub const REMOTE_NODE: u16 = 257;
pub const LINK_ID: u16 = 258;
pub const IPV4_IFACE: u16 = 259;
pub const IPV4_NEIGH: u16 = 260;
pub const IPV6_IFACE: u16 = 261;
pub const IPV6_NEIGH: u16 = 262;
pub const MULTI_TOPOLOGY: u16 = 263;
pub const OSPF_ROUTE_TYPE: u16 = 264;
pub const IP_REACHABILITY: u16 = 265;
pub const SRV6_SID_INFO: u16 = 518;

const NODE_AS: u16 = 512;
const NODE_BGPLS_ID: u16 = 513;
const NODE_OSPF_AREA: u16 = 514;
const NODE_IGP_ROUTER: u16 = 515;

/// Split one TLV off the front: (type, value). A value running past the end
/// is cut short, as ExaBGP's slicing does.
pub(crate) fn next_tlv<'a>(b: &mut &'a [u8]) -> Result<(u16, &'a [u8]), Notify> {
    if b.len() < 4 {
        return Err(invalid_network("truncated BGP-LS TLV"));
    }
    let t = u16::from_be_bytes([b[0], b[1]]);
    let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
    let end = (4 + len).min(b.len());
    let value = &b[4..end];
    *b = &b[end..];
    Ok((t, value))
}

/// A node descriptor sub-TLV (RFC 9552 §5.2.1.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeDescriptor {
    As(u32),
    BgpLsId(u32),
    OspfArea(IpAddr),
    /// IS-IS system id (6 octets), or pseudonode id (7, the last being the PSN).
    IsisRouter(Vec<u8>),
    /// OSPF router id, and the designated router for a pseudonode.
    OspfRouter(Ipv4Addr, Option<Ipv4Addr>),
}

fn v4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

impl NodeDescriptor {
    /// Decode the sub-TLVs of a node descriptor TLV; the IGP (protocol-id)
    /// tells how to read the router id (RFC 9552 §5.2.1.4).
    pub(crate) fn unpack_all(mut value: &[u8], proto: u8) -> Result<Vec<NodeDescriptor>, Notify> {
        let mut out = Vec::new();
        while !value.is_empty() {
            let (t, v) = next_tlv(&mut value)?;
            let bad = || invalid_network("invalid node descriptor sub-tlv");
            out.push(match (t, v.len()) {
                (NODE_AS, 4) => NodeDescriptor::As(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
                (NODE_BGPLS_ID, 4) => NodeDescriptor::BgpLsId(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
                (NODE_OSPF_AREA, 4 | 16) => NodeDescriptor::OspfArea(ip_from(v).ok_or_else(bad)?),
                (NODE_IGP_ROUTER, n) => match proto {
                    1 | 2 if n == 6 || n == 7 => NodeDescriptor::IsisRouter(v.to_vec()),
                    3 | 5 | 6 | 227 if n == 4 => NodeDescriptor::OspfRouter(v4(v), None),
                    3 | 5 | 6 | 227 if n == 8 => NodeDescriptor::OspfRouter(v4(v), Some(v4(&v[4..]))),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            });
        }
        Ok(out)
    }

    /// `{ "autonomous-system": 65001 }`, `{ "router-id": "10.1.4.1", "designated-router-id": "10.1.1.2" }`, ...
    pub fn json(&self, out: &mut String) {
        let _ = match self {
            NodeDescriptor::As(n) => write!(out, "{{ \"autonomous-system\": {n} }}"),
            NodeDescriptor::BgpLsId(n) => write!(out, "{{ \"bgp-ls-identifier\": \"{n}\" }}"),
            NodeDescriptor::OspfArea(ip) => write!(out, "{{ \"ospf-area-id\": \"{}\" }}", Ip(*ip)),
            NodeDescriptor::IsisRouter(id) => {
                out.push_str("{ \"router-id\": \"");
                for b in id {
                    let _ = write!(out, "{b:02x}");
                }
                out.push('"');
                match id.get(6) {
                    Some(&psn) if psn != 0 => write!(out, ", \"psn\": \"{psn}\" }}"),
                    _ => write!(out, " }}"),
                }
            }
            NodeDescriptor::OspfRouter(id, None) => write!(out, "{{ \"router-id\": \"{id}\" }}"),
            NodeDescriptor::OspfRouter(id, Some(dr)) => write!(out, "{{ \"router-id\": \"{id}\", \"designated-router-id\": \"{dr}\" }}"),
        };
    }
}

pub(crate) fn json_list<T>(out: &mut String, items: &[T], one: impl Fn(&mut String, &T)) {
    out.push_str("[ ");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        one(out, item);
    }
    out.push_str(" ]");
}

/// IP Reachability Information (RFC 9552 §5.2.3.2). ExaBGP reads every
/// octet after the length as the prefix (a workaround for an IOS-XR bug)
/// and prints it as an address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpReach {
    pub len: u8,
    pub octets: Vec<u8>,
    pub v6: bool,
}

impl IpReach {
    pub(crate) fn unpack(value: &[u8], v6: bool) -> Result<IpReach, Notify> {
        let (&len, octets) = value.split_first().ok_or_else(|| invalid_network("empty IP reachability TLV"))?;
        if octets.len() > if v6 { 16 } else { 4 } {
            // ExaBGP fails on these too (IPv6), or prints five dotted numbers (IPv4): refuse both.
            return Err(invalid_network("IP reachability prefix longer than an address"));
        }
        Ok(IpReach { len, octets: octets.to_vec(), v6 })
    }

    pub fn json(&self, out: &mut String) {
        let _ = write!(out, "\"ip-reachability-tlv\": \"{self}\", \"ip-reach-prefix\": \"{self}/{}\"", self.len);
    }
}

impl fmt::Display for IpReach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v6 {
            let mut a = [0u8; 16];
            a[..self.octets.len()].copy_from_slice(&self.octets);
            write!(f, "{}", Ipv6Hex(Ipv6Addr::from(a)))
        } else {
            let mut a = [0u8; 4];
            a[..self.octets.len()].copy_from_slice(&self.octets);
            write!(f, "{}", Ipv4Addr::from(a))
        }
    }
}
