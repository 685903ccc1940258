//! AS_PATH (RFC 4271 §4.3, §5.1.2) and AS4_PATH (RFC 6793 §3).
//!
//! ```text
//! segment: +------+--------+---------------------------+
//!          | type | count  | count × ASN (2 or 4 octets)|
//!          +------+--------+---------------------------+
//! type: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET (RFC 5065)
//! ```
//!
//! AS_PATH carries two-octet ASNs unless both sides announced the 4-octet AS
//! capability; AS4_PATH always carries four-octet ASNs.

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code, subcode, Notify};

/// RFC 6793 §9: the two-octet placeholder for a four-octet ASN.
pub const AS_TRANS: u32 = 23456;

/// RFC 4271 §4.3: the segment count is one octet.
const SEGMENT_MAX: usize = 255;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentType {
    Set = 1,
    Sequence = 2,
    ConfedSequence = 3,
    ConfedSet = 4,
}

impl SegmentType {
    pub fn from_u8(v: u8) -> Option<SegmentType> {
        Some(match v {
            1 => SegmentType::Set,
            2 => SegmentType::Sequence,
            3 => SegmentType::ConfedSequence,
            4 => SegmentType::ConfedSet,
            _ => return None,
        })
    }

    fn brackets(self) -> (&'static str, &'static str) {
        match self {
            SegmentType::Set => ("[", "]"),
            SegmentType::Sequence => ("(", ")"),
            SegmentType::ConfedSequence => ("{(", ")}"),
            SegmentType::ConfedSet => ("{[", "]}"),
        }
    }

    /// The JSON `element` name. The reference names both confederation
    /// segment types `as-sequence` at this commit; we keep its output.
    fn json_name(self) -> &'static str {
        match self {
            SegmentType::Set => "as-set",
            _ => "as-sequence",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Segment {
    pub kind: SegmentType,
    pub asns: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct AsPath {
    pub segments: Vec<Segment>,
}

impl AsPath {
    /// A path made of one AS_SEQUENCE.
    pub fn sequence(asns: Vec<u32>) -> AsPath {
        if asns.is_empty() {
            return AsPath::default();
        }
        AsPath { segments: vec![Segment { kind: SegmentType::Sequence, asns }] }
    }

    pub fn is_empty(&self) -> bool {
        self.segments.iter().all(|s| s.asns.is_empty())
    }

    /// Decode segments of `asn4`-sized ASNs. Errors are "Malformed AS_PATH"
    /// (RFC 4271 §6.3; RFC 7606 §7.2 adds zero-length segments).
    pub fn unpack(mut data: &[u8], asn4: bool) -> Result<AsPath, Notify> {
        let size = if asn4 { 4 } else { 2 };
        let mut segments = Vec::new();
        while let [t, n, rest @ ..] = data {
            let kind = SegmentType::from_u8(*t).ok_or_else(|| malformed("invalid AS_PATH segment type"))?;
            let count = *n as usize;
            if count == 0 {
                return Err(malformed("AS_PATH segment of zero length"));
            }
            let bytes = count * size;
            if rest.len() < bytes {
                return Err(malformed("not enough data to decode AS_PATH or AS4_PATH"));
            }
            let (body, tail) = rest.split_at(bytes);
            let asns = if asn4 {
                body.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect()
            } else {
                body.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]) as u32).collect()
            };
            segments.push(Segment { kind, asns });
            data = tail;
        }
        if !data.is_empty() {
            return Err(malformed("not enough data to decode AS_PATH or AS4_PATH"));
        }
        Ok(AsPath { segments })
    }

    /// Write the segments with `asn4`-sized ASNs; a four-octet ASN that does not
    /// fit becomes AS_TRANS (RFC 6793 §4.2.2). Returns whether one was replaced.
    pub fn pack_segments(&self, asn4: bool, out: &mut BytesMut) -> bool {
        let mut replaced = false;
        for seg in &self.segments {
            for chunk in seg.asns.chunks(SEGMENT_MAX) {
                out.put_u8(seg.kind as u8);
                out.put_u8(chunk.len() as u8);
                for &asn in chunk {
                    if asn4 {
                        out.put_u32(asn);
                    } else if asn > 0xffff {
                        out.put_u16(AS_TRANS as u16);
                        replaced = true;
                    } else {
                        out.put_u16(asn as u16);
                    }
                }
            }
        }
        replaced
    }

    /// Whether sending this path to a two-octet peer needs an AS4_PATH.
    pub fn needs_as4(&self) -> bool {
        self.segments.iter().any(|s| s.asns.iter().any(|&a| a > 0xffff))
    }

    /// RFC 6793 §4.2.3 path length: an AS_SET counts as one, confederation
    /// segments do not count.
    fn path_count(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s.kind {
                SegmentType::Sequence => s.asns.len(),
                SegmentType::Set => 1,
                _ => 0,
            })
            .sum()
    }

    /// Rebuild the real path from an AS_PATH received from a two-octet peer and
    /// its AS4_PATH (RFC 6793 §4.2.3): keep the leading ASes of AS_PATH that
    /// AS4_PATH lacks, then append AS4_PATH. An AS4_PATH longer than AS_PATH is
    /// ignored.
    pub fn merge_as4(&self, as4: &AsPath) -> AsPath {
        let n2 = self.path_count();
        let n4 = as4.path_count();
        if n2 < n4 {
            return self.clone();
        }
        let mut keep = n2 - n4;
        let mut segments: Vec<Segment> = Vec::new();
        for seg in &self.segments {
            match seg.kind {
                SegmentType::Sequence => {
                    if keep == 0 {
                        continue;
                    }
                    let take = keep.min(seg.asns.len());
                    keep -= take;
                    segments.push(Segment { kind: seg.kind, asns: seg.asns[..take].to_vec() });
                }
                SegmentType::Set => {
                    if keep == 0 {
                        continue;
                    }
                    keep -= 1;
                    segments.push(seg.clone());
                }
                _ => segments.push(seg.clone()),
            }
        }
        for seg in &as4.segments {
            // Merge adjacent sequences so that the result is what the
            // four-octet speaker originally sent.
            match (segments.last_mut(), seg.kind) {
                (Some(last), SegmentType::Sequence) if last.kind == SegmentType::Sequence => {
                    last.asns.extend_from_slice(&seg.asns)
                }
                _ => segments.push(seg.clone()),
            }
        }
        AsPath { segments }
    }

    /// `{"0": {"element": "as-sequence", "value": [1, 2]}}` (Python json.dumps spacing).
    pub fn json(&self, out: &mut String) {
        out.push('{');
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            super::push_fmt(out, format_args!("\"{i}\": {{\"element\": \"{}\", \"value\": [", seg.kind.json_name()));
            for (j, asn) in seg.asns.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                super::push_fmt(out, asn);
            }
            out.push_str("]}");
        }
        out.push('}');
    }
}

/// ExaBGP's text form: `( 1 2 ) [ 3 4 ]`.
impl fmt::Display for AsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            let (head, tail) = seg.kind.brackets();
            write!(f, "{head} ")?;
            for (j, asn) in seg.asns.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{asn}")?;
            }
            write!(f, " {tail}")?;
        }
        Ok(())
    }
}

fn malformed(why: &str) -> Notify {
    Notify::with_text(code::UPDATE_MESSAGE, subcode::MALFORMED_AS_PATH, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_two_and_four_octets() {
        let wire4 = [2u8, 2, 0, 0, 0xe1, 0xdd, 0, 0, 0x1b, 0x1b, 1, 1, 0, 0, 0, 5];
        let p = AsPath::unpack(&wire4, true).unwrap();
        let mut out = BytesMut::new();
        assert!(!p.pack_segments(true, &mut out));
        assert_eq!(&out[..], &wire4);
        assert_eq!(p.to_string(), "( 57821 6939 ) [ 5 ]");
        let mut j = String::new();
        p.json(&mut j);
        assert_eq!(
            j,
            r#"{"0": {"element": "as-sequence", "value": [57821, 6939]}, "1": {"element": "as-set", "value": [5]}}"#
        );
        let wire2 = [2u8, 1, 0, 100];
        let p = AsPath::unpack(&wire2, false).unwrap();
        let mut out = BytesMut::new();
        p.pack_segments(false, &mut out);
        assert_eq!(&out[..], &wire2);
    }

    #[test]
    fn malformed_paths() {
        for bad in [&[5u8, 1, 0, 1][..], &[2, 2, 0, 1][..], &[2, 0][..], &[2][..]] {
            assert_eq!(AsPath::unpack(bad, false).unwrap_err().subcode, subcode::MALFORMED_AS_PATH);
        }
    }

    #[test]
    fn four_octet_asn_becomes_as_trans() {
        let p = AsPath::sequence(vec![65000, 4200000000]);
        let mut out = BytesMut::new();
        assert!(p.pack_segments(false, &mut out));
        assert_eq!(&out[..], &[2, 2, 0xfd, 0xe8, 0x5b, 0xa0]);
    }

    #[test]
    fn long_sequences_are_split_in_255() {
        let p = AsPath::sequence((0..300).collect());
        let mut out = BytesMut::new();
        p.pack_segments(true, &mut out);
        assert_eq!(out.len(), 2 + 255 * 4 + 2 + 45 * 4);
        assert_eq!(out[1], 255);
    }

    #[test]
    fn rfc6793_merge() {
        let as2 = AsPath::sequence(vec![100, AS_TRANS, AS_TRANS]);
        let as4 = AsPath::sequence(vec![4200000000, 4200000001]);
        assert_eq!(as2.merge_as4(&as4), AsPath::sequence(vec![100, 4200000000, 4200000001]));
        // AS4_PATH longer than AS_PATH: ignored.
        let short = AsPath::sequence(vec![AS_TRANS]);
        assert_eq!(short.merge_as4(&as4), short);
    }
}
