//! BGP-LS IPv4/IPv6 Topology Prefix NLRI (RFC 9552 §5.2.3): Protocol-ID,
//! Identifier, local node descriptors, then prefix descriptors.

use std::fmt::Write;

use super::tlvs::*;
use super::NextHop;
use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::invalid_network;
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixLs {
    /// NLRI type 4 rather than 3.
    pub v6: bool,
    pub proto: u8,
    pub domain: u64,
    pub nodes: Vec<NodeDescriptor>,
    pub ospf_route_type: Option<u8>,
    pub reach: Option<IpReach>,
}

impl PrefixLs {
    pub(crate) fn parse(body: &[u8], v6: bool) -> Result<PrefixLs, Notify> {
        let (proto, domain, mut rest) = super::head(body)?;
        let mut p = PrefixLs { v6, proto, domain, nodes: Vec::new(), ospf_route_type: None, reach: None };
        while !rest.is_empty() {
            let (t, v) = next_tlv(&mut rest)?;
            match t {
                LOCAL_NODE => p.nodes.extend(NodeDescriptor::unpack_all(v, proto)?),
                OSPF_ROUTE_TYPE => match v {
                    [t] => p.ospf_route_type = Some(*t),
                    _ => return Err(invalid_network("OSPF route type is not one octet")),
                },
                IP_REACHABILITY => p.reach = Some(IpReach::unpack(v, v6)?),
                _ => {}
            }
        }
        Ok(p)
    }

    pub(crate) fn json(&self, out: &mut String, nh: &NextHop, rd: Option<&RouteDistinguisher>) {
        let name = if self.v6 { "bgpls-prefix-v6" } else { "bgpls-prefix-v4" };
        let _ = write!(
            out,
            "{{ \"ls-nlri-type\": \"{name}\", \"l3-routing-topology\": {}, \"protocol-id\": {}, \"node-descriptors\": ",
            self.domain, self.proto
        );
        json_list(out, &self.nodes, |o, d| d.json(o));
        if let Some(r) = &self.reach {
            out.push_str(", ");
            r.json(out);
        }
        let _ = write!(out, ", \"nexthop\": \"{nh}\"");
        if let Some(t) = self.ospf_route_type {
            let _ = write!(out, ", \"ospf-route-type\": {t}");
        }
        if let Some(rd) = rd {
            out.push_str(", ");
            rd.json(out);
        }
        out.push_str(" }");
    }
}
