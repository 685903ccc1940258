//! MPLS VPN prefixes, ExaBGP's `mpls-vpn` (RFC 4364 §4.3.4, RFC 8277): the
//! labelled form with a route distinguisher between labels and prefix.
//!
//! ```text
//! | Length (bits) | Labels (3 octets each) | RD (8 octets) | Prefix |
//! ```

use std::fmt;
use std::net::IpAddr;

use bytes::BytesMut;

use super::cidr::Prefix;
use super::label::{json_labelled, pack_labelled, unpack_labelled, write_nexthop, write_prefix};
use super::qualifier::{Labels, RouteDistinguisher};
use crate::bgp::iana::Family;
use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpVpn {
    pub family: Family,
    pub path_id: Option<u32>,
    pub labels: Labels,
    pub rd: RouteDistinguisher,
    pub prefix: Prefix,
}

impl IpVpn {
    pub fn unpack(family: Family, buf: &mut &[u8], addpath: bool) -> Result<IpVpn, Notify> {
        let d = unpack_labelled(family, buf, addpath, true)?;
        Ok(IpVpn { family, path_id: d.path_id, labels: d.labels, rd: d.rd.unwrap_or_default(), prefix: d.prefix })
    }

    pub fn pack(&self, addpath: bool, out: &mut BytesMut) {
        pack_labelled(self.path_id, &self.labels, Some(&self.rd), &self.prefix, addpath, out);
    }

    /// `{ "nlri": "p", "label": [ [n] ], "rd": "x:y" }` (path-information first when set).
    pub fn json(&self, out: &mut String) {
        json_labelled(out, &self.prefix, self.path_id, &self.labels, Some(&self.rd), false);
    }

    /// ExaBGP's `extensive()`: prefix, labels, next-hop, then ` rd x:y`.
    pub fn fmt_extensive(&self, f: &mut fmt::Formatter<'_>, nexthop: Option<IpAddr>) -> fmt::Result {
        write_prefix(f, &self.prefix, self.path_id, &self.labels)?;
        write_nexthop(f, nexthop)?;
        write!(f, " rd {}", self.rd)
    }

    /// RIB key bytes: RD and prefix, not the labels (ExaBGP's `index()`).
    pub fn index(&self, out: &mut Vec<u8>) {
        super::index_path(out, self.path_id);
        out.push(64 + self.prefix.len());
        out.extend_from_slice(&self.rd.0);
        out.extend_from_slice(self.prefix.packed_addr());
    }
}

impl fmt::Display for IpVpn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_extensive(f, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(family: Family, wire: &[u8], addpath: bool) -> IpVpn {
        let mut buf = wire;
        let n = IpVpn::unpack(family, &mut buf, addpath).unwrap();
        assert!(buf.is_empty());
        let mut out = BytesMut::new();
        n.pack(addpath, &mut out);
        assert_eq!(&out[..], wire);
        n
    }

    #[test]
    fn vpnv4_from_api_vpnv4() {
        let wire = [0x68, 0x00, 0x3E, 0x81, 0x00, 0x00, 0xFD, 0xE8, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04];
        let n = round_trip(Family::IPV4_MPLS_VPN, &wire, false);
        assert_eq!(n.to_string(), "1.4.0.0/16 label 1000 rd 65000:1");
        let mut j = String::new();
        n.json(&mut j);
        assert_eq!(j, r#"{ "nlri": "1.4.0.0/16", "label": [ [1000] ], "rd": "65000:1" }"#);
    }

    #[test]
    fn addpath_from_conf_addpath() {
        let wire = [0, 0, 0, 0x0A, 0x70, 0x04, 0xE2, 0xC1, 0, 0, 0, 0x64, 0, 0, 0, 0x64, 0x0A, 0, 0];
        let n = round_trip(Family::IPV4_MPLS_VPN, &wire, true);
        assert_eq!(n.to_string(), "10.0.0.0/24 path-information 0.0.0.10 label 20012 rd 100:100");
        let mut j = String::new();
        n.json(&mut j);
        assert_eq!(j, r#"{ "nlri": "10.0.0.0/24", "path-information": "0.0.0.10", "label": [ [20012] ], "rd": "100:100" }"#);
    }

    #[test]
    fn too_short_for_the_rd_is_invalid_network_field() {
        for wire in [&[0x58u8, 0, 0, 1, 0, 0][..], &[40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1][..]] {
            let mut buf = wire;
            let e = IpVpn::unpack(Family::IPV4_MPLS_VPN, &mut buf, false).unwrap_err();
            assert_eq!((e.code, e.subcode), (3, 10));
        }
    }
}
