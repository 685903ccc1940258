//! Labelled unicast, ExaBGP's `nlri-mpls` (RFC 8277): a path identifier when
//! ADD-PATH is on, then one length octet counting labels and prefix bits.
//!
//! ```text
//! +---------------------------+
//! |   Length (1 octet, bits)  |
//! +---------------------------+
//! |   Label stack (3 octets each, until bottom-of-stack)
//! +---------------------------+
//! |   Prefix (variable)       |
//! +---------------------------+
//! ```

use std::fmt;
use std::net::IpAddr;

use bytes::{BufMut, BytesMut};

use super::cidr::Prefix;
use super::inet::{push_path_id, read_path_id};
use super::qualifier::labels::WITHDRAW_LABEL;
use super::qualifier::{Labels, RouteDistinguisher};
use super::util::{invalid_network, take, Ip};
use crate::bgp::iana::Family;
use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub family: Family,
    pub path_id: Option<u32>,
    pub labels: Labels,
    pub prefix: Prefix,
}

/// The fields shared by labelled and VPN prefixes, as decoded.
pub(crate) struct Labelled {
    pub path_id: Option<u32>,
    pub labels: Labels,
    pub rd: Option<RouteDistinguisher>,
    pub prefix: Prefix,
}

/// Decode path-id, labels, optional RD and prefix the way ExaBGP's
/// `INET.unpack_nlri` does: labels are read while the length leaves room for
/// one, stopping at bottom-of-stack, at the RFC 8277 §2.4 withdrawal value
/// 0x800000, or at an all-zero entry.
pub(crate) fn unpack_labelled(family: Family, buf: &mut &[u8], addpath: bool, with_rd: bool) -> Result<Labelled, Notify> {
    let path_id = if addpath { Some(read_path_id(buf)?) } else { None };
    let mut bits = i32::from(take(buf, 1, "missing NLRI length")?[0]);
    let rd_bits = if with_rd { 64 } else { 0 };
    let mut labels = Labels::NONE;
    while bits - rd_bits >= 24 {
        let b = take(buf, 3, "not enough data for the label stack")?;
        let raw = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        bits -= 24;
        if !labels.push_raw(raw) {
            return Err(invalid_network("too many labels"));
        }
        // ExaBGP stops at 0x800000 only for withdrawals; without the action
        // here we always do: in an announcement that value has no BoS bit and
        // is not a usable label stack anyway.
        if raw == WITHDRAW_LABEL || raw == 0 || raw & 1 == 1 {
            break;
        }
    }
    let rd = if with_rd {
        bits -= 64;
        if bits < 0 {
            return Err(invalid_network("invalid length in NLRI prefix"));
        }
        Some(RouteDistinguisher::unpack(buf)?)
    } else {
        None
    };
    if bits < 0 {
        return Err(invalid_network("invalid length in NLRI prefix"));
    }
    let prefix = Prefix::unpack_bits(family.afi, bits as u8, buf)?;
    Ok(Labelled { path_id, labels, rd, prefix })
}

pub(crate) fn pack_labelled(
    path_id: Option<u32>,
    labels: &Labels,
    rd: Option<&RouteDistinguisher>,
    prefix: &Prefix,
    addpath: bool,
    out: &mut BytesMut,
) {
    if addpath {
        out.put_u32(path_id.unwrap_or(0));
    }
    let bits = labels.wire_len() * 8 + if rd.is_some() { 64 } else { 0 } + prefix.len() as usize;
    debug_assert!(bits <= 255, "labelled NLRI longer than its length octet allows");
    out.put_u8(bits as u8);
    labels.pack(out);
    if let Some(rd) = rd {
        rd.pack(out);
    }
    out.put_slice(prefix.packed_addr());
}

/// `{ "nlri": "p", "path-information": .., "label": .., "rd": .. }`, each
/// optional part only when present (ExaBGP's `_internal` list).
pub(crate) fn json_labelled(
    out: &mut String,
    prefix: &Prefix,
    path_id: Option<u32>,
    labels: &Labels,
    rd: Option<&RouteDistinguisher>,
    compact: bool,
) {
    if path_id.is_none() && labels.is_empty() && rd.is_none() {
        if compact {
            out.push('"');
            prefix.push_text(out);
            out.push('"');
        } else {
            out.push_str("{ \"nlri\": \"");
            prefix.push_text(out);
            out.push_str("\" }");
        }
        return;
    }
    out.push_str("{ \"nlri\": \"");
    prefix.push_text(out);
    out.push('"');
    if let Some(id) = path_id {
        out.push_str(", \"path-information\": \"");
        push_path_id(out, id);
        out.push('"');
    }
    if !labels.is_empty() {
        out.push_str(", ");
        labels.json(out);
    }
    if let Some(rd) = rd {
        out.push_str(", ");
        rd.json(out);
    }
    out.push_str(" }");
}

/// ExaBGP's `prefix()`: `10.0.0.0/24 path-information 0.0.0.1 label 100`.
pub(crate) fn write_prefix(f: &mut fmt::Formatter<'_>, prefix: &Prefix, path_id: Option<u32>, labels: &Labels) -> fmt::Result {
    write!(f, "{prefix}")?;
    if let Some(id) = path_id {
        write!(f, " path-information {}", std::net::Ipv4Addr::from(id))?;
    }
    write!(f, "{}", labels.text())
}

pub(crate) fn write_nexthop(f: &mut fmt::Formatter<'_>, nexthop: Option<IpAddr>) -> fmt::Result {
    match nexthop {
        Some(nh) => write!(f, " next-hop {}", Ip(nh)),
        None => Ok(()),
    }
}

impl Label {
    pub fn unpack(family: Family, buf: &mut &[u8], addpath: bool) -> Result<Label, Notify> {
        let d = unpack_labelled(family, buf, addpath, false)?;
        Ok(Label { family, path_id: d.path_id, labels: d.labels, prefix: d.prefix })
    }

    pub fn pack(&self, addpath: bool, out: &mut BytesMut) {
        pack_labelled(self.path_id, &self.labels, None, &self.prefix, addpath, out);
    }

    pub fn json(&self, out: &mut String) {
        json_labelled(out, &self.prefix, self.path_id, &self.labels, None, false);
    }

    /// ExaBGP's `extensive()`: the text form with the next-hop after the labels.
    pub fn fmt_extensive(&self, f: &mut fmt::Formatter<'_>, nexthop: Option<IpAddr>) -> fmt::Result {
        write_prefix(f, &self.prefix, self.path_id, &self.labels)?;
        write_nexthop(f, nexthop)
    }

    /// RIB key bytes: the labels are not part of a labelled route's identity.
    pub fn index(&self, out: &mut Vec<u8>) {
        super::index_path(out, self.path_id);
        out.push(self.prefix.len());
        out.extend_from_slice(self.prefix.packed_addr());
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_extensive(f, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(family: Family, wire: &[u8], addpath: bool) -> Label {
        let mut buf = wire;
        let n = Label::unpack(family, &mut buf, addpath).unwrap();
        assert!(buf.is_empty());
        let mut out = BytesMut::new();
        n.pack(addpath, &mut out);
        assert_eq!(&out[..], wire);
        n
    }

    #[test]
    fn labelled_prefix_from_conf_prefix_sid() {
        // 56 bits: one label (0xC3501 -> 800000 with BoS) and a /32.
        let n = round_trip(Family::IPV4_NLRI_MPLS, &[0x38, 0xC3, 0x50, 0x11, 0xC6, 0x33, 0x64, 0x64], false);
        assert_eq!(n.to_string(), "198.51.100.100/32 label 800001");
        let mut j = String::new();
        n.json(&mut j);
        assert_eq!(j, r#"{ "nlri": "198.51.100.100/32", "label": [ [800001] ] }"#);
    }

    #[test]
    fn withdrawal_label_ends_the_stack() {
        // 0x800000 has no BoS bit but ends the stack (RFC 8277 §2.4).
        let n = round_trip(Family::IPV4_NLRI_MPLS, &[48, 0x80, 0x00, 0x00, 10, 0, 0], false);
        assert_eq!(n.prefix.to_string(), "10.0.0.0/24");
        assert_eq!(n.labels.raw().collect::<Vec<_>>(), vec![0x800000]);
    }

    #[test]
    fn stack_of_two_and_addpath() {
        let n = round_trip(Family::IPV6_NLRI_MPLS, &[0, 0, 0, 9, 48 + 16, 0, 0x06, 0x40, 0, 0x0c, 0x81, 0x20, 0x01], true);
        assert_eq!(n.to_string(), "2001::/16 path-information 0.0.0.9 label [ 100 200 ]");
        let mut j = String::new();
        n.json(&mut j);
        assert_eq!(j, r#"{ "nlri": "2001::/16", "path-information": "0.0.0.9", "label": [ [100], [200] ] }"#);
    }

    #[test]
    fn malformed_lengths_are_invalid_network_field() {
        for wire in [&[24u8 + 33, 0, 0, 1, 1, 2, 3, 4, 5][..], &[48, 0, 0][..], &[][..], &[32, 0, 0, 1][..]] {
            let mut buf = wire;
            let e = Label::unpack(Family::IPV4_NLRI_MPLS, &mut buf, false).unwrap_err();
            assert_eq!((e.code, e.subcode), (3, 10), "{wire:?}");
        }
    }
}
