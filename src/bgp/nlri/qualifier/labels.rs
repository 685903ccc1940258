//! MPLS label stack as carried in NLRI (RFC 8277 §2): 3 octets per entry,
//! a 20-bit label, 3 bits of TC and the bottom-of-stack bit.
//!
//! Entries are kept exactly as received so that a re-encoded NLRI is
//! byte-identical (a withdrawal's 0x800000 stays 0x800000).

use std::fmt;

use bytes::{BufMut, BytesMut};

/// At most 10 entries fit in an NLRI (the length octet counts 255 bits).
pub const MAX_LABELS: usize = 10;

/// RFC 8277 §2.4 / RFC 3107 §3: the label field of a withdrawal.
pub const WITHDRAW_LABEL: u32 = 0x80_0000;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Labels {
    len: u8,
    /// ExaBGP shows the raw entry next to the label value for labels it
    /// decoded from EVPN routes (`[0, 1]`), not for IP prefixes (`[100]`).
    show_raw: bool,
    /// Entries as on the wire, 3 octets each (kept small: NLRI are stored by the million).
    raw: [[u8; 3]; MAX_LABELS],
}

impl Default for Labels {
    fn default() -> Self {
        Labels::NONE
    }
}

impl Labels {
    pub const NONE: Labels = Labels { len: 0, show_raw: false, raw: [[0; 3]; MAX_LABELS] };

    /// A stack of 20-bit label values, bottom-of-stack set on the last one
    /// (what ExaBGP sends for configured labels). `None` when too many or a
    /// value does not fit 20 bits.
    pub fn new(values: &[u32]) -> Option<Labels> {
        if values.len() > MAX_LABELS || values.iter().any(|v| *v > 0xF_FFFF) {
            return None;
        }
        let mut l = Labels::NONE;
        let last = values.len().saturating_sub(1);
        for (i, v) in values.iter().enumerate() {
            l.push_raw((v << 4) | u32::from(i == last));
        }
        Some(l)
    }

    /// Entries exactly as on the wire (24-bit values).
    pub fn from_raw(raw: &[u32]) -> Option<Labels> {
        if raw.len() > MAX_LABELS || raw.iter().any(|v| *v > 0xFF_FFFF) {
            return None;
        }
        let mut l = Labels::NONE;
        for r in raw {
            l.push_raw(*r);
        }
        Some(l)
    }

    pub(crate) fn push_raw(&mut self, raw: u32) -> bool {
        let i = self.len as usize;
        if i >= MAX_LABELS {
            return false;
        }
        let b = raw.to_be_bytes();
        self.raw[i] = [b[1], b[2], b[3]];
        self.len += 1;
        true
    }

    pub(crate) fn with_raw_shown(mut self) -> Labels {
        self.show_raw = true;
        self
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The 24-bit entries as on the wire.
    pub fn raw(&self) -> impl Iterator<Item = u32> + '_ {
        self.raw[..self.len as usize].iter().map(|b| u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// The 20-bit label values.
    pub fn values(&self) -> impl Iterator<Item = u32> + '_ {
        self.raw().map(|r| r >> 4)
    }

    /// The wire octets.
    pub fn octets(&self) -> impl Iterator<Item = u8> + '_ {
        self.raw[..self.len as usize].iter().flatten().copied()
    }

    /// Octets on the wire.
    pub fn wire_len(&self) -> usize {
        3 * self.len as usize
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for b in &self.raw[..self.len as usize] {
            out.put_slice(b);
        }
    }

    /// Decode one entry for an EVPN route (`Labels.unpack_labels` reads a
    /// single 3-octet field there).
    pub(crate) fn one_from(bytes: &[u8]) -> Labels {
        let mut l = Labels::NONE.with_raw_shown();
        if bytes.len() >= 3 {
            l.push_raw(u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]));
        }
        l
    }

    /// `"label": [ [100], [200] ]`; nothing for an empty stack.
    pub fn json(&self, out: &mut String) {
        if self.is_empty() {
            return;
        }
        out.push_str("\"label\": [ ");
        for (i, r) in self.raw().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            crate::bgp::nlri::util::push(out, format_args!("[{}", r >> 4));
            if self.show_raw && r != 0 {
                crate::bgp::nlri::util::push(out, format_args!(", {r}"));
            }
            out.push(']');
        }
        out.push_str(" ]");
    }

    /// ExaBGP's `str()`: ` label 100`, ` label [ 100 200 ]`, or nothing;
    /// the leading space is part of it.
    pub fn text(&self) -> LabelsText<'_> {
        LabelsText(self)
    }
}

pub struct LabelsText<'a>(&'a Labels);

impl fmt::Display for LabelsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.0;
        let one = |f: &mut fmt::Formatter<'_>, r: u32| -> fmt::Result {
            write!(f, "{}", r >> 4)?;
            if l.show_raw && r != 0 {
                write!(f, " ({r})")?;
            }
            Ok(())
        };
        match l.len() {
            0 => Ok(()),
            1 => {
                f.write_str(" label ")?;
                l.raw().try_for_each(|r| one(f, r))
            }
            _ => {
                f.write_str(" label [ ")?;
                for (i, r) in l.raw().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    one(f, r)?;
                }
                f.write_str(" ]")
            }
        }
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.raw()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_sets_bottom_of_stack_on_the_last_label() {
        let l = Labels::new(&[100, 200]).unwrap();
        assert_eq!(l.raw().collect::<Vec<_>>(), vec![100 << 4, (200 << 4) | 1]);
        let mut out = BytesMut::new();
        l.pack(&mut out);
        assert_eq!(&out[..], &[0x00, 0x06, 0x40, 0x00, 0x0c, 0x81]);
        let mut j = String::new();
        l.json(&mut j);
        assert_eq!(j, r#""label": [ [100], [200] ]"#);
        assert_eq!(l.text().to_string(), " label [ 100 200 ]");
        assert_eq!(Labels::new(&[100]).unwrap().text().to_string(), " label 100");
        assert_eq!(Labels::NONE.text().to_string(), "");
        assert!(Labels::new(&[1 << 20]).is_none());
    }

    #[test]
    fn evpn_labels_show_the_raw_entry() {
        let l = Labels::one_from(&[0, 0, 1]);
        let mut j = String::new();
        l.json(&mut j);
        assert_eq!(j, r#""label": [ [0, 1] ]"#);
        let l = Labels::one_from(&[0, 0, 0]);
        let mut j = String::new();
        l.json(&mut j);
        assert_eq!(j, r#""label": [ [0] ]"#);
    }
}
