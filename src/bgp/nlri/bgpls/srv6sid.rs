//! BGP-LS SRv6 SID NLRI (RFC 9514 §6): Protocol-ID, Identifier, local node
//! descriptors, then SRv6 SID descriptors (Multi-Topology, SRv6 SID Information).

use std::fmt::Write;
use std::net::Ipv6Addr;

use super::tlvs::*;
use crate::bgp::nlri::util::{invalid_network, Hex0x, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Srv6Descriptor {
    MultiTopology(u16),
    Sid(Ipv6Addr),
    Other(u16, Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Srv6Sid {
    pub proto: u8,
    pub domain: u64,
    pub nodes: Vec<NodeDescriptor>,
    pub descriptors: Vec<Srv6Descriptor>,
}

impl Srv6Sid {
    pub(crate) fn parse(body: &[u8]) -> Result<Srv6Sid, Notify> {
        let (proto, domain, mut rest) = super::head(body)?;
        let (t, v) = next_tlv(&mut rest)?;
        if t != LOCAL_NODE {
            return Err(invalid_network("only Local Node descriptors are allowed first in an SRv6 SID NLRI"));
        }
        let nodes = NodeDescriptor::unpack_all(v, proto)?;
        let mut descriptors = Vec::new();
        while !rest.is_empty() {
            let (t, v) = next_tlv(&mut rest)?;
            descriptors.push(match t {
                MULTI_TOPOLOGY if v.len() >= 2 => Srv6Descriptor::MultiTopology(u16::from_be_bytes([v[0], v[1]])),
                SRV6_SID_INFO if v.len() == 16 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(v);
                    Srv6Descriptor::Sid(Ipv6Addr::from(a))
                }
                MULTI_TOPOLOGY | SRV6_SID_INFO => return Err(invalid_network("invalid SRv6 SID descriptor")),
                _ => Srv6Descriptor::Other(t, v.to_vec()),
            });
        }
        Ok(Srv6Sid { proto, domain, nodes, descriptors })
    }

    /// The descriptors as ExaBGP builds them: a dict dumped by Python's
    /// `json.dumps`, multi-topology ids first (as strings), then the SID and
    /// generic TLVs in order of first appearance.
    pub(crate) fn json(&self, out: &mut String) {
        let _ = write!(
            out,
            "{{ \"ls-nlri-type\": \"bgpls-srv6sid\", \"l3-routing-topology\": {}, \"protocol-id\": {}, \"node-descriptors\": ",
            self.domain, self.proto
        );
        json_list(out, &self.nodes, |o, d| d.json(o));
        out.push_str(", \"srv6-sid-descriptors\": {\"multi-topology-ids\": [");
        let mut first = true;
        for d in &self.descriptors {
            if let Srv6Descriptor::MultiTopology(m) = d {
                if !first {
                    out.push_str(", ");
                }
                let _ = write!(out, "\"{m}\"");
                first = false;
            }
        }
        out.push(']');
        // Keys in order of first appearance; the SID keeps its last value.
        let mut keys: Vec<Option<u16>> = Vec::new();
        for d in &self.descriptors {
            let k = match d {
                Srv6Descriptor::MultiTopology(_) => continue,
                Srv6Descriptor::Sid(_) => None,
                Srv6Descriptor::Other(t, _) => Some(*t),
            };
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for k in keys {
            match k {
                None => {
                    let sid = self.descriptors.iter().rev().find_map(|d| match d {
                        Srv6Descriptor::Sid(s) => Some(*s),
                        _ => None,
                    });
                    if let Some(s) = sid {
                        let _ = write!(out, ", \"srv6-sid\": \"{}\"", Ip(s.into()));
                    }
                }
                Some(t) => {
                    let _ = write!(out, ", \"generic-tlv-{t}\": [");
                    let mut first = true;
                    for d in &self.descriptors {
                        if let Srv6Descriptor::Other(tt, v) = d {
                            if *tt == t {
                                if !first {
                                    out.push_str(", ");
                                }
                                let _ = write!(out, "\"{}\"", Hex0x(v));
                                first = false;
                            }
                        }
                    }
                    out.push(']');
                }
            }
        }
        out.push_str("} }");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srv6_sid_json_like_json_dumps() {
        let mut body = vec![2u8, 0, 0, 0, 0, 0, 0, 0, 0];
        body.extend_from_slice(&[1, 0, 0, 8, 2, 0, 0, 4, 0, 0, 0, 1]);
        body.extend_from_slice(&[1, 7, 0, 2, 0, 2]);
        body.extend_from_slice(&[2, 6, 0, 16, 0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        body.extend_from_slice(&[3, 0, 0, 1, 0xAB]);
        let s = Srv6Sid::parse(&body).unwrap();
        let mut j = String::new();
        s.json(&mut j);
        assert_eq!(
            j,
            r#"{ "ls-nlri-type": "bgpls-srv6sid", "l3-routing-topology": 0, "protocol-id": 2, "node-descriptors": [ { "autonomous-system": 1 } ], "srv6-sid-descriptors": {"multi-topology-ids": ["2"], "srv6-sid": "fc00::1", "generic-tlv-768": ["0xAB"]} }"#
        );
    }
}
