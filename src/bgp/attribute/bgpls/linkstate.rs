//! BGP-LS attribute (type 29, RFC 9552 §5.3): optional non-transitive, a list
//! of TLVs.
//!
//! ```text
//! +--------------+--------------+-------------+
//! | type (2)     | length (2)   | value       |
//! +--------------+--------------+-------------+
//! ```
//!
//! The TLVs are kept raw (so the attribute is passed on byte for byte) and
//! decoded when rendered. ExaBGP merges some repeated TLVs (router ids,
//! SRv6 End.X, unknown ones) into one list at the place of the first.

use std::fmt;

use bytes::{BufMut, BytesMut};

use super::tlvs;
use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct LinkState {
    pub tlvs: Vec<(u16, Vec<u8>)>,
}

impl LinkState {
    /// Split the TLVs and check that every one ExaBGP knows decodes.
    pub fn unpack(data: &[u8]) -> Result<LinkState, Notify> {
        let mut list = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let [a, b, c, d, tail @ ..] = rest else { return Err(bad(data)) };
            let t = u16::from_be_bytes([*a, *b]);
            let len = u16::from_be_bytes([*c, *d]) as usize;
            if tail.len() < len {
                return Err(bad(data));
            }
            list.push((t, tail[..len].to_vec()));
            rest = &tail[len..];
        }
        let ls = LinkState { tlvs: list };
        let mut scratch = String::new();
        if ls.render(&mut scratch).is_err() {
            return Err(bad(data));
        }
        Ok(ls)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for (t, v) in &self.tlvs {
            out.put_u16(*t);
            out.put_u16(v.len() as u16);
            out.put_slice(v);
        }
    }

    /// `{ "igp-metric": 1, ... }`
    pub fn json(&self, out: &mut String) {
        let start = out.len();
        if self.render(out).is_err() {
            // Cannot happen for a value that went through `unpack`; keep the
            // output well-formed for hand-built ones.
            out.truncate(start);
            out.push_str("{  }");
        }
    }

    fn render(&self, out: &mut String) -> Result<(), ()> {
        // Group mergeable TLVs at the place of their first occurrence.
        let mut entries: Vec<(u16, Vec<&[u8]>)> = Vec::new();
        for (t, v) in &self.tlvs {
            if tlvs::merges(*t) {
                if let Some(e) = entries.iter_mut().find(|e| e.0 == *t) {
                    e.1.push(v);
                    continue;
                }
            }
            entries.push((*t, vec![v.as_slice()]));
        }
        out.push_str("{ ");
        for (i, (t, values)) in entries.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            tlvs::render(*t, values, out)?;
        }
        out.push_str(" }");
        Ok(())
    }
}

/// ExaBGP joins the TLV renderings with `, `; we show the JSON members.
impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.json(&mut s);
        let inner = s.strip_prefix("{ ").and_then(|s| s.strip_suffix(" }")).unwrap_or(&s);
        f.write_str(inner)
    }
}

fn bad(data: &[u8]) -> Notify {
    Notify::with_data(code::UPDATE_MESSAGE, subcode::OPTIONAL_ATTRIBUTE_ERROR, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn render(h: &str) -> String {
        let ls = LinkState::unpack(&hex(h)).unwrap();
        let mut out = BytesMut::new();
        ls.pack(&mut out);
        assert_eq!(&out[..], &hex(h)[..]);
        let mut s = String::new();
        ls.json(&mut s);
        s
    }

    #[test]
    fn igp_metric() {
        assert_eq!(render("04470003000001"), r#"{ "igp-metric": 1 }"#);
    }

    #[test]
    fn bgp_ls_6_router_ids_and_endx() {
        let s = render(
            "0404 0004 0A00 CA01 0405 0010 FC00 1000 0112 0000 0000 0000 0000 0001 0406 0004 0A00 0201 \
             0407 0010 FC00 1000 0002 0000 0000 0000 0000 0001 0441 0004 4E95 02F9 0447 0003 0000 0A \
             0452 001E 0039 8000 0000 FC00 1000 0112 E002 0000 0000 0000 0000 04E4 0004 2010 1000 \
             045A 0004 0000 000A",
        );
        assert_eq!(
            s,
            r#"{ "local-te-router-ids": ["10.0.202.1"], "local-te-router-ids": ["fc00:1000:112::1"], "remote-te-router-id": "10.0.2.1", "remote-te-router-id": "fc00:1000:2::1", "maximum-link-bandwidth": 1250000000.0, "igp-metric": 10, "srv6-endx": [ {"flags": {"B": 1, "S": 0, "P": 0, "RSV": 0}, "behavior": 57, "algorithm": 0, "weight": 0, "sid": "fc00:1000:112:e002::", "srv6-sid-structure": {"loc_block_len": 32, "loc_node_len": 16, "func_len": 16, "arg_len": 0}} ], "generic-lsid-1114": ["0x0000000A"] }"#
        );
    }

    #[test]
    fn truncated_or_invalid_tlvs_are_errors() {
        assert!(LinkState::unpack(&hex("0447000300")).is_err());
        assert!(LinkState::unpack(&hex("044700")).is_err());
        // IGP metric of four octets is invalid.
        assert!(LinkState::unpack(&hex("044700040000000A")).is_err());
    }
}
