//! SRv6 service sub-TLVs and sub-sub-TLVs (RFC 9252 §3.1, §3.2.1).
//!
//! ```text
//! SID information sub-TLV (type 1):
//!   reserved(1) SID(16) flags(1) endpoint behavior(2) reserved(1) sub-sub-TLVs
//! SID structure sub-sub-TLV (type 1):
//!   block(1) node(1) function(1) argument(1) transposition length(1) offset(1)
//! ```

use std::fmt;
use std::net::Ipv6Addr;

use bytes::{BufMut, BytesMut};

use super::prefixsid::put_tlv_u16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SidStructure {
    pub locator_block: u8,
    pub locator_node: u8,
    pub function: u8,
    pub argument: u8,
    pub transposition_length: u8,
    pub transposition_offset: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubSubTlv {
    Structure(SidStructure),
    Unknown { code: u8, data: Vec<u8> },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServiceSubTlv {
    SidInformation { sid: Ipv6Addr, flags: u8, behavior: u16, subs: Vec<SubSubTlv> },
    Unknown { code: u8, data: Vec<u8> },
}

/// Split `type(1) length(2) value`; `None` when truncated.
fn split(data: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let [t, h, l, tail @ ..] = rest else { return None };
        let len = u16::from_be_bytes([*h, *l]) as usize;
        if tail.len() < len {
            return None;
        }
        out.push((*t, &tail[..len]));
        rest = &tail[len..];
    }
    Some(out)
}

impl ServiceSubTlv {
    pub fn unpack_list(data: &[u8]) -> Option<Vec<ServiceSubTlv>> {
        let mut subs = Vec::new();
        for (t, v) in split(data)? {
            subs.push(match t {
                1 => {
                    if v.len() < 21 {
                        return None;
                    }
                    let sid: [u8; 16] = v[1..17].try_into().ok()?;
                    let mut inner = Vec::new();
                    for (c, d) in split(&v[21..])? {
                        inner.push(match (c, d) {
                            (1, [a, b, c, d, e, f]) => SubSubTlv::Structure(SidStructure {
                                locator_block: *a,
                                locator_node: *b,
                                function: *c,
                                argument: *d,
                                transposition_length: *e,
                                transposition_offset: *f,
                            }),
                            _ => SubSubTlv::Unknown { code: c, data: d.to_vec() },
                        });
                    }
                    ServiceSubTlv::SidInformation {
                        sid: Ipv6Addr::from(sid),
                        flags: v[17],
                        behavior: u16::from_be_bytes([v[18], v[19]]),
                        subs: inner,
                    }
                }
                code => ServiceSubTlv::Unknown { code, data: v.to_vec() },
            });
        }
        Some(subs)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        match self {
            ServiceSubTlv::SidInformation { sid, flags, behavior, subs } => {
                out.put_u8(1);
                put_tlv_u16(out, |out| {
                    out.put_u8(0);
                    out.put_slice(&sid.octets());
                    out.put_u8(*flags);
                    out.put_u16(*behavior);
                    out.put_u8(0);
                    for s in subs {
                        match s {
                            SubSubTlv::Structure(st) => {
                                out.put_u8(1);
                                out.put_u16(6);
                                out.put_slice(&[
                                    st.locator_block,
                                    st.locator_node,
                                    st.function,
                                    st.argument,
                                    st.transposition_length,
                                    st.transposition_offset,
                                ]);
                            }
                            SubSubTlv::Unknown { code, data } => {
                                out.put_u8(*code);
                                out.put_u16(data.len() as u16);
                                out.put_slice(data);
                            }
                        }
                    }
                });
            }
            ServiceSubTlv::Unknown { code, data } => {
                out.put_u8(*code);
                out.put_u16(data.len() as u16);
                out.put_slice(data);
            }
        }
    }

    /// `{ "sid": "...", "flags": 0, "endpoint_behavior": N, "structure": {...} }`;
    /// unknown sub-TLVs render as nothing, as in ExaBGP.
    pub fn json(&self, out: &mut String) {
        let ServiceSubTlv::SidInformation { sid, flags, behavior, subs } = self else { return };
        super::super::push_fmt(
            out,
            format_args!("{{ \"sid\": \"{sid}\", \"flags\": {flags}, \"endpoint_behavior\": {behavior}"),
        );
        for s in subs {
            if let SubSubTlv::Structure(st) = s {
                super::super::push_fmt(
                    out,
                    format_args!(
                        ", \"structure\": {{\"locator-block-length\": {}, \"locator-node-length\": {}, \"function-length\": {}, \"argument-length\": {}, \"transposition-length\": {}, \"transposition-offset\": {}}}",
                        st.locator_block,
                        st.locator_node,
                        st.function,
                        st.argument,
                        st.transposition_length,
                        st.transposition_offset
                    ),
                );
            }
        }
        out.push_str(" }");
    }
}

impl fmt::Display for SubSubTlv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubSubTlv::Structure(s) => write!(
                f,
                "sid-structure [{},{},{},{},{},{}]",
                s.locator_block,
                s.locator_node,
                s.function,
                s.argument,
                s.transposition_length,
                s.transposition_offset
            ),
            SubSubTlv::Unknown { code, .. } => {
                write!(f, "SRv6 Service Data Sub-Sub-TLV type {code} not implemented")
            }
        }
    }
}

impl fmt::Display for ServiceSubTlv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceSubTlv::SidInformation { sid, flags, behavior, subs } => {
                write!(f, "sid-information [ sid:{sid} flags:{flags} endpoint_behavior:0x{behavior:x} ")?;
                if !subs.is_empty() {
                    f.write_str(" [ ")?;
                    for (i, s) in subs.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{s}")?;
                    }
                    f.write_str(" ]")?;
                }
                Ok(())
            }
            ServiceSubTlv::Unknown { code, .. } => write!(f, "SRv6 Service Sub-TLV type {code} not implemented"),
        }
    }
}
