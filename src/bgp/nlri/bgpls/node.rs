//! BGP-LS Node NLRI (RFC 9552 §5.2.1): Protocol-ID, Identifier, then the
//! Local Node Descriptors TLV (256).

use std::fmt::Write;

use super::tlvs::{json_list, next_tlv, NodeDescriptor, LOCAL_NODE};
use super::NextHop;
use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::invalid_network;
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub proto: u8,
    pub domain: u64,
    pub nodes: Vec<NodeDescriptor>,
}

impl Node {
    pub(crate) fn parse(body: &[u8]) -> Result<Node, Notify> {
        let (proto, domain, mut rest) = super::head(body)?;
        let (t, value) = next_tlv(&mut rest)?;
        if t != LOCAL_NODE {
            return Err(invalid_network("only Local Node descriptors are allowed in a Node NLRI"));
        }
        // ExaBGP ignores anything after the local node descriptors.
        Ok(Node { proto, domain, nodes: NodeDescriptor::unpack_all(value, proto)? })
    }

    pub(crate) fn json(&self, out: &mut String, nh: &NextHop, rd: Option<&RouteDistinguisher>) {
        let _ = write!(
            out,
            "{{ \"ls-nlri-type\": \"bgpls-node\", \"l3-routing-topology\": {}, \"protocol-id\": {}, \"node-descriptors\": ",
            self.domain, self.proto
        );
        json_list(out, &self.nodes, |o, d| d.json(o));
        let _ = write!(out, ", \"nexthop\": \"{nh}\"");
        if let Some(rd) = rd {
            out.push_str(", ");
            rd.json(out);
        }
        out.push_str(" }");
    }
}
