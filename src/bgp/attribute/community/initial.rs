//! COMMUNITIES (RFC 1997): optional transitive, a list of four-octet values.

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code, subcode, Notify};

pub const NO_EXPORT: u32 = 0xFFFF_FF01;
pub const NO_ADVERTISE: u32 = 0xFFFF_FF02;
pub const NO_EXPORT_SUBCONFED: u32 = 0xFFFF_FF03;
/// RFC 3765.
pub const NO_PEER: u32 = 0xFFFF_FF04;
/// RFC 7999.
pub const BLACKHOLE: u32 = 0xFFFF_029A;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Communities(Vec<u32>);

impl Communities {
    pub fn new() -> Communities {
        Communities(Vec::new())
    }

    /// Add one community, keeping the list sorted (duplicates are kept, as
    /// ExaBGP does).
    pub fn push(&mut self, c: u32) {
        let at = self.0.partition_point(|&x| x <= c);
        self.0.insert(at, c);
    }

    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn unpack(data: &[u8]) -> Result<Communities, Notify> {
        if !data.len().is_multiple_of(4) {
            // RFC 7606 §7.8.
            return Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data));
        }
        let mut v: Vec<u32> =
            data.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect();
        v.sort_unstable();
        Ok(Communities(v))
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for c in &self.0 {
            out.put_u32(*c);
        }
    }

    /// `[ [ 65002, 1 ], [ 65535, 65281 ] ]`: well-known values stay numeric.
    pub fn json(&self, out: &mut String) {
        out.push_str("[ ");
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            super::super::push_fmt(out, format_args!("[ {}, {} ]", c >> 16, c & 0xffff));
        }
        out.push_str(" ]");
    }
}

/// The name ExaBGP gives a community in text.
pub fn name(c: u32) -> Option<&'static str> {
    Some(match c {
        NO_EXPORT => "no-export",
        NO_ADVERTISE => "no-advertise",
        NO_EXPORT_SUBCONFED => "no-export-subconfed",
        NO_PEER => "no-peer",
        BLACKHOLE => "blackhole",
        _ => return None,
    })
}

/// One community in text: its well-known name or `high:low`.
pub struct CommunityText(pub u32);

impl fmt::Display for CommunityText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match name(self.0) {
            Some(n) => f.write_str(n),
            None => write!(f, "{}:{}", self.0 >> 16, self.0 & 0xffff),
        }
    }
}

/// The bare community when there is one, `[ a b ]` otherwise.
impl fmt::Display for Communities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        list_text(f, self.0.iter().map(|c| CommunityText(*c)))
    }
}

/// ExaBGP's text list: nothing, the single item, or `[ a b c ]`.
pub(crate) fn list_text<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl ExactSizeIterator<Item = T>,
) -> fmt::Result {
    let n = items.len();
    if n > 1 {
        f.write_str("[ ")?;
    }
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write!(f, "{item}")?;
    }
    if n > 1 {
        f.write_str(" ]")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_sorted_and_named() {
        let wire = [0xfd, 0xea, 0, 1, 0xff, 0xff, 0xff, 0x01];
        let c = Communities::unpack(&wire).unwrap();
        let mut out = BytesMut::new();
        c.pack(&mut out);
        assert_eq!(&out[..], &wire);
        assert_eq!(c.to_string(), "[ 65002:1 no-export ]");
        let mut j = String::new();
        c.json(&mut j);
        assert_eq!(j, "[ [ 65002, 1 ], [ 65535, 65281 ] ]");
        let mut s = Communities::new();
        s.push(BLACKHOLE);
        s.push(1);
        assert_eq!(s.as_slice(), &[1, BLACKHOLE]);
        assert!(Communities::unpack(&[1, 2, 3]).is_err());
    }
}
