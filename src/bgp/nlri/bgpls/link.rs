//! BGP-LS Link NLRI (RFC 9552 §5.2.2): Protocol-ID, Identifier, local and
//! remote node descriptors, then link descriptors.

use std::fmt::Write;
use std::net::IpAddr;

use super::tlvs::*;
use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::{invalid_network, ip_from, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub proto: u8,
    pub domain: u64,
    pub local: Vec<NodeDescriptor>,
    pub remote: Vec<NodeDescriptor>,
    pub interface_addresses: Vec<IpAddr>,
    pub neighbor_addresses: Vec<IpAddr>,
    /// The first id of each Multi-Topology TLV, as ExaBGP reads it.
    pub multi_topology_ids: Vec<u16>,
    /// Link Local/Remote Identifiers (TLV 258). Decoded, but like ExaBGP
    /// (whose empty-looking identifier object drops out) never shown.
    pub link_ids: Vec<(u32, u32)>,
}

impl Link {
    pub(crate) fn parse(body: &[u8]) -> Result<Link, Notify> {
        let (proto, domain, mut rest) = super::head(body)?;
        let mut link = Link {
            proto,
            domain,
            local: Vec::new(),
            remote: Vec::new(),
            interface_addresses: Vec::new(),
            neighbor_addresses: Vec::new(),
            multi_topology_ids: Vec::new(),
            link_ids: Vec::new(),
        };
        let addr = |v: &[u8]| ip_from(v).ok_or_else(|| invalid_network("BGP-LS address is not 4 or 16 octets"));
        while !rest.is_empty() {
            let (t, v) = next_tlv(&mut rest)?;
            match t {
                LOCAL_NODE => link.local = NodeDescriptor::unpack_all(v, proto)?,
                REMOTE_NODE => link.remote = NodeDescriptor::unpack_all(v, proto)?,
                LINK_ID => {
                    if v.len() < 8 {
                        return Err(invalid_network("truncated link identifiers"));
                    }
                    // ExaBGP keeps only the last one.
                    link.link_ids = vec![(u32::from_be_bytes([v[0], v[1], v[2], v[3]]), u32::from_be_bytes([v[4], v[5], v[6], v[7]]))];
                }
                IPV4_IFACE | IPV6_IFACE => link.interface_addresses.push(addr(v)?),
                IPV4_NEIGH | IPV6_NEIGH => link.neighbor_addresses.push(addr(v)?),
                MULTI_TOPOLOGY => {
                    if v.len() < 2 {
                        return Err(invalid_network("truncated multi-topology id"));
                    }
                    link.multi_topology_ids.push(u16::from_be_bytes([v[0], v[1]]));
                }
                // Other link descriptors are skipped, as ExaBGP does (it logs them).
                _ => {}
            }
        }
        Ok(link)
    }

    pub(crate) fn json(&self, out: &mut String, rd: Option<&RouteDistinguisher>) {
        let _ = write!(out, "{{ \"ls-nlri-type\": \"bgpls-link\", \"l3-routing-topology\": {}, \"protocol-id\": {}, ", self.domain, self.proto);
        out.push_str("\"local-node-descriptors\": ");
        json_list(out, &self.local, |o, d| d.json(o));
        out.push_str(", \"remote-node-descriptors\": ");
        json_list(out, &self.remote, |o, d| d.json(o));
        out.push_str(", \"interface-addresses\": ");
        json_list(out, &self.interface_addresses, |o, a| {
            let _ = write!(o, "\"{}\"", Ip(*a));
        });
        out.push_str(", \"neighbor-addresses\": ");
        json_list(out, &self.neighbor_addresses, |o, a| {
            let _ = write!(o, "\"{}\"", Ip(*a));
        });
        out.push_str(", \"multi-topology-ids\": ");
        json_list(out, &self.multi_topology_ids, |o, m| {
            let _ = write!(o, "{m}");
        });
        // ExaBGP always shows this list empty (qa/decoding/bgp-ls-6 has TLV 258).
        out.push_str(", \"link-identifiers\": [  ]");
        if let Some(rd) = rd {
            // ExaBGP wraps this pair in braces inside the object (invalid
            // JSON); we write the plain pair (COMPATIBILITY.md).
            out.push_str(", ");
            rd.json(out);
        }
        out.push_str(" }");
    }
}
