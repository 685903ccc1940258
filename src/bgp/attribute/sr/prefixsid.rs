//! BGP_PREFIX_SID (RFC 8669 §3): optional transitive, a list of TLVs.
//!
//! ```text
//! +------+-------------+------------------+
//! | type | length (2)  | value            |
//! +------+-------------+------------------+
//! type 1 label index:  reserved(1) flags(2) label index(4)
//! type 3 originator SRGB: flags(2) { base(3) range(3) }*
//! type 5/6 SRv6 L3/L2 service (RFC 9252 §2): reserved(1) sub-TLVs
//! ```

use std::fmt;

use bytes::{BufMut, BytesMut};

use super::srv6::ServiceSubTlv;
use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SrTlv {
    LabelIndex(u32),
    /// (base, range) pairs.
    Srgb(Vec<(u32, u32)>),
    L3Service(Vec<ServiceSubTlv>),
    L2Service(Vec<ServiceSubTlv>),
    Unknown { code: u8, data: Vec<u8> },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct PrefixSid {
    pub tlvs: Vec<SrTlv>,
}

impl PrefixSid {
    pub fn unpack(data: &[u8]) -> Result<PrefixSid, Notify> {
        let mut tlvs = Vec::new();
        for (t, value) in tlvs_of(data)? {
            tlvs.push(match t {
                1 => {
                    // RFC 8669 §3.1: the label index TLV is seven octets.
                    let [_, _, _, a, b, c, d] = value else { return Err(bad(data)) };
                    SrTlv::LabelIndex(u32::from_be_bytes([*a, *b, *c, *d]))
                }
                3 => {
                    let Some(ranges) = value.get(2..) else { return Err(bad(data)) };
                    if ranges.len() % 6 != 0 {
                        return Err(bad(data));
                    }
                    SrTlv::Srgb(
                        ranges
                            .chunks_exact(6)
                            .map(|c| (u32::from_be_bytes([0, c[0], c[1], c[2]]), u32::from_be_bytes([0, c[3], c[4], c[5]])))
                            .collect(),
                    )
                }
                5 | 6 => {
                    let Some(subs) = value.get(1..) else { return Err(bad(data)) };
                    let subs = ServiceSubTlv::unpack_list(subs).ok_or_else(|| bad(data))?;
                    if t == 5 {
                        SrTlv::L3Service(subs)
                    } else {
                        SrTlv::L2Service(subs)
                    }
                }
                code => SrTlv::Unknown { code, data: value.to_vec() },
            });
        }
        Ok(PrefixSid { tlvs })
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for tlv in &self.tlvs {
            match tlv {
                SrTlv::LabelIndex(i) => {
                    out.put_u8(1);
                    out.put_u16(7);
                    out.put_u8(0);
                    out.put_u16(0);
                    out.put_u32(*i);
                }
                SrTlv::Srgb(ranges) => {
                    out.put_u8(3);
                    out.put_u16((2 + ranges.len() * 6) as u16);
                    out.put_u16(0);
                    for (base, range) in ranges {
                        out.put_slice(&base.to_be_bytes()[1..]);
                        out.put_slice(&range.to_be_bytes()[1..]);
                    }
                }
                SrTlv::L3Service(subs) | SrTlv::L2Service(subs) => {
                    out.put_u8(if matches!(tlv, SrTlv::L3Service(_)) { 5 } else { 6 });
                    put_tlv_u16(out, |out| {
                        out.put_u8(0);
                        for s in subs {
                            s.pack(out);
                        }
                    });
                }
                SrTlv::Unknown { code, data } => {
                    out.put_u8(*code);
                    out.put_u16(data.len() as u16);
                    out.put_slice(data);
                }
            }
        }
    }

    /// `{ "sr-label-index": 10, "sr-srgbs": [[800000, 4096]] }`
    pub fn json(&self, out: &mut String) {
        out.push_str("{ ");
        for (i, tlv) in self.tlvs.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match tlv {
                SrTlv::LabelIndex(v) => super::super::push_fmt(out, format_args!("\"sr-label-index\": {v}")),
                SrTlv::Srgb(ranges) => {
                    out.push_str("\"sr-srgbs\": [");
                    for (j, (b, r)) in ranges.iter().enumerate() {
                        if j > 0 {
                            out.push_str(", ");
                        }
                        super::super::push_fmt(out, format_args!("[{b}, {r}]"));
                    }
                    out.push(']');
                }
                SrTlv::L3Service(subs) | SrTlv::L2Service(subs) => {
                    let name = if matches!(tlv, SrTlv::L3Service(_)) { "l3-service" } else { "l2-service" };
                    super::super::push_fmt(out, format_args!("\"{name}\": [ "));
                    for (j, s) in subs.iter().enumerate() {
                        if j > 0 {
                            out.push_str(", ");
                        }
                        s.json(out);
                    }
                    out.push_str(" ]");
                }
                SrTlv::Unknown { code, data } => {
                    super::super::push_fmt(out, format_args!("\"attribute-not-implemented-{code}\": \""));
                    crate::json::hex_0x(out, data);
                    out.push('"');
                }
            }
        }
        out.push_str(" }");
    }
}

impl fmt::Display for SrTlv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SrTlv::LabelIndex(v) => write!(f, "{v}"),
            SrTlv::Srgb(ranges) => {
                f.write_str("[ ")?;
                for (j, (b, r)) in ranges.iter().enumerate() {
                    if j > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "( {b},{r} )")?;
                }
                f.write_str(" ]")
            }
            SrTlv::L3Service(subs) | SrTlv::L2Service(subs) => {
                let name = if matches!(self, SrTlv::L3Service(_)) { "l3-service" } else { "l2-service" };
                write!(f, "{name} [ ")?;
                for (j, s) in subs.iter().enumerate() {
                    if j > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{s}")?;
                }
                f.write_str(" ]")
            }
            SrTlv::Unknown { code, .. } => write!(f, "Attribute with code [ {code} ] not implemented"),
        }
    }
}

/// ExaBGP's text: `[ index, srgb ]` when a label index is present, otherwise
/// every TLV.
impl fmt::Display for PrefixSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = self.tlvs.iter().find(|t| matches!(t, SrTlv::LabelIndex(_)));
        if let Some(index) = index {
            return match self.tlvs.iter().find(|t| matches!(t, SrTlv::Srgb(_))) {
                Some(srgb) => write!(f, "[ {index}, {srgb} ]"),
                None => write!(f, "[ {index} ]"),
            };
        }
        f.write_str("[ ")?;
        for (j, t) in self.tlvs.iter().enumerate() {
            if j > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{t}")?;
        }
        f.write_str(" ]")
    }
}

/// Split `type(1) length(2) value` TLVs; `None`-free: a truncated TLV is an error.
pub(crate) fn tlvs_of(data: &[u8]) -> Result<Vec<(u8, &[u8])>, Notify> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let [t, h, l, tail @ ..] = rest else { return Err(bad(data)) };
        let len = u16::from_be_bytes([*h, *l]) as usize;
        if tail.len() < len {
            return Err(bad(data));
        }
        out.push((*t, &tail[..len]));
        rest = &tail[len..];
    }
    Ok(out)
}

/// Write a two-octet length, then what `f` writes, and patch the length.
pub(crate) fn put_tlv_u16(out: &mut BytesMut, f: impl FnOnce(&mut BytesMut)) {
    let at = out.len();
    out.put_u16(0);
    f(out);
    let len = (out.len() - at - 2) as u16;
    out[at..at + 2].copy_from_slice(&len.to_be_bytes());
}

fn bad(data: &[u8]) -> Notify {
    Notify::with_data(code::UPDATE_MESSAGE, subcode::OPTIONAL_ATTRIBUTE_ERROR, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn label_index_and_srgb() {
        let wire = hex("010007000000000000030300080000000C35000FA0");
        let p = PrefixSid::unpack(&wire).unwrap();
        let mut out = BytesMut::new();
        p.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        assert_eq!(p.to_string(), "[ 3, [ ( 3125,4000 ) ] ]");
        let mut j = String::new();
        p.json(&mut j);
        assert_eq!(j, r#"{ "sr-label-index": 3, "sr-srgbs": [[3125, 4000]] }"#);
    }

    #[test]
    fn srv6_l3_service_from_qa() {
        let wire = hex("0500220001001E0020010DB800010001000000000000000000004800010006401810000000");
        let p = PrefixSid::unpack(&wire).unwrap();
        let mut out = BytesMut::new();
        p.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        let mut j = String::new();
        p.json(&mut j);
        assert!(j.contains(r#""sid": "2001:db8:1:1::""#), "{j}");
        assert!(j.contains(r#""locator-block-length": 64"#), "{j}");
    }

    #[test]
    fn truncated_is_an_error() {
        assert!(PrefixSid::unpack(&[1, 0, 7, 0]).is_err());
        assert!(PrefixSid::unpack(&[1, 0, 2, 0, 0]).is_err());
    }
}
