//! LARGE_COMMUNITY (RFC 8092): optional transitive, a list of twelve-octet
//! values `global:local1:local2`.

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LargeCommunity(pub u32, pub u32, pub u32);

impl fmt::Display for LargeCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.0, self.1, self.2)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct LargeCommunities(Vec<LargeCommunity>);

impl LargeCommunities {
    pub fn new() -> LargeCommunities {
        LargeCommunities(Vec::new())
    }

    /// Add one, keeping the list sorted and free of duplicates (RFC 8092 §5).
    pub fn push(&mut self, c: LargeCommunity) {
        if let Err(at) = self.0.binary_search(&c) {
            self.0.insert(at, c);
        }
    }

    pub fn as_slice(&self) -> &[LargeCommunity] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn unpack(data: &[u8]) -> Result<LargeCommunities, Notify> {
        if !data.len().is_multiple_of(12) {
            // RFC 8092 §6: treat-as-withdraw.
            return Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data));
        }
        let mut l = LargeCommunities::new();
        for c in data.chunks_exact(12) {
            let w = |i: usize| u32::from_be_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
            l.push(LargeCommunity(w(0), w(4), w(8)));
        }
        Ok(l)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for c in &self.0 {
            out.put_u32(c.0);
            out.put_u32(c.1);
            out.put_u32(c.2);
        }
    }

    /// `[ [ 65002, 1 , 2 ] ]` (sic: a space before the second comma).
    pub fn json(&self, out: &mut String) {
        out.push_str("[ ");
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            super::super::push_fmt(out, format_args!("[ {}, {} , {} ]", c.0, c.1, c.2));
        }
        out.push_str(" ]");
    }
}

impl fmt::Display for LargeCommunities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::initial::list_text(f, self.0.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_dedup_and_json() {
        let one = [0, 0, 0xfd, 0xea, 0, 0, 0, 1, 0, 0, 0, 2];
        let mut wire = one.to_vec();
        wire.extend_from_slice(&one);
        let l = LargeCommunities::unpack(&wire).unwrap();
        assert_eq!(l.as_slice().len(), 1);
        let mut out = BytesMut::new();
        l.pack(&mut out);
        assert_eq!(&out[..], &one);
        let mut j = String::new();
        l.json(&mut j);
        assert_eq!(j, "[ [ 65002, 1 , 2 ] ]");
        assert_eq!(l.to_string(), "65002:1:2");
        assert!(LargeCommunities::unpack(&one[..11]).is_err());
    }
}
