//! NLRI for every family ExaBGP speaks.
//!
//! Contract the rest of the codec relies on (keep these signatures when adding
//! families):
//! - `Nlri::family(&self) -> Family`
//! - `Nlri::unpack(family, &mut &[u8], addpath, &Negotiated) -> Result<Nlri, Notify>`:
//!   decode one NLRI from the front of the buffer, advancing it;
//! - `Nlri::pack(&self, addpath, &mut BytesMut)`: the wire form;
//! - `Nlri::json(&self, &mut String)`: ExaBGP's JSON element of an announce/withdraw list;
//! - `Display`: ExaBGP's text form.
//!
//! Additions:
//! - `json_full(out, nexthop, compact)`: the JSON with the next-hop the NLRI
//!   arrived with (flow and BGP-LS show it) and `exabgp.api.compact`;
//! - `extensive(nexthop)`: ExaBGP's `extensive()`, what the text API prints
//!   after `announced`/`withdrawn`; `text(nexthop)`: ExaBGP's `str()` with
//!   the next-hop (adj-rib listings);
//! - `index(out)`: the RIB key as ExaBGP builds it (labels excluded).
//!
//! Decoding notes: labelled NLRI stop their label stack at 0x800000 in
//! announcements as well as withdrawals (ExaBGP only does for withdrawals;
//! it makes no difference for any sane announcement). ADD-PATH applies to
//! inet, labelled and VPN prefixes only, as in ExaBGP. Errors are NOTIFICATION
//! 3/10 (Invalid Network Field), or 3/5 where ExaBGP raises that (EVPN,
//! MVPN, MUP field lengths); a flow whose components are bad is an error
//! too (ExaBGP drops just that NLRI: the buffer has then been advanced past
//! it, so a caller may skip it likewise).

pub mod bgpls;
pub mod cidr;
pub mod evpn;
pub mod flow;
pub mod inet;
pub mod ipvpn;
pub mod label;
pub mod mup;
pub mod mvpn;
pub mod qualifier;
pub mod rtc;
pub mod util;
pub mod vpls;

#[cfg(test)]
mod qa_tests;

use std::fmt;
use std::net::IpAddr;

use bytes::{BufMut, BytesMut};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::negotiated::Negotiated;
use crate::bgp::notify::Notify;

pub use bgpls::BgpLs;
pub use cidr::Prefix;
pub use evpn::Evpn;
pub use flow::Flow;
pub use inet::Inet;
pub use ipvpn::IpVpn;
pub use label::Label;
pub use mup::Mup;
pub use mvpn::Mvpn;
pub use qualifier::{Esi, EthernetTag, Labels, Mac, RouteDistinguisher};
pub use rtc::Rtc;
pub use vpls::Vpls;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Nlri {
    /// ipv4/ipv6 unicast and multicast.
    Inet(Inet),
    /// ipv4/ipv6 nlri-mpls.
    Label(Label),
    /// ipv4/ipv6 mpls-vpn.
    IpVpn(IpVpn),
    /// ipv4/ipv6 flow and flow-vpn.
    Flow(Flow),
    /// l2vpn vpls.
    Vpls(Vpls),
    /// ipv4 rtc.
    Rtc(Rtc),
    /// l2vpn evpn.
    Evpn(Box<Evpn>),
    /// ipv4/ipv6 mcast-vpn.
    Mvpn(Box<Mvpn>),
    /// ipv4/ipv6 mup.
    Mup(Box<Mup>),
    /// bgp-ls bgp-ls and bgp-ls-vpn.
    BgpLs(Box<BgpLs>),
    /// A family we carry but do not interpret: the remaining bytes, kept raw.
    Unknown { family: Family, data: Vec<u8> },
}

fn ip_afi(afi: Afi) -> bool {
    afi == Afi::IPV4 || afi == Afi::IPV6
}

/// Whether the NLRI of `family` can carry an ADD-PATH identifier here.
fn takes_path_id(family: Family) -> bool {
    matches!(family.safi, Safi::UNICAST | Safi::MULTICAST | Safi::NLRI_MPLS | Safi::MPLS_VPN)
}

/// Part of `index()`: whether a path id was given, and which.
pub(crate) fn index_path(out: &mut Vec<u8>, path_id: Option<u32>) {
    match path_id {
        None => out.push(0),
        Some(id) => {
            out.push(1);
            out.extend_from_slice(&id.to_be_bytes());
        }
    }
}

impl Nlri {
    pub fn family(&self) -> Family {
        match self {
            Nlri::Inet(n) => n.family,
            Nlri::Label(n) => n.family,
            Nlri::IpVpn(n) => n.family,
            Nlri::Flow(n) => n.family,
            Nlri::Vpls(_) => Family::L2VPN_VPLS,
            Nlri::Rtc(_) => Family::IPV4_RTC,
            Nlri::Evpn(_) => Family::L2VPN_EVPN,
            Nlri::Mvpn(n) => Family::new(n.afi(), Safi::MCAST_VPN),
            Nlri::Mup(n) => Family::new(n.afi(), Safi::MUP),
            Nlri::BgpLs(n) => Family::new(Afi::BGP_LS, n.safi()),
            Nlri::Unknown { family, .. } => *family,
        }
    }

    /// Decode one NLRI of `family` from the front of `buf`, advancing it.
    pub fn unpack(family: Family, buf: &mut &[u8], addpath: bool, _neg: &Negotiated) -> Result<Nlri, Notify> {
        let addpath = addpath && takes_path_id(family);
        let ip = ip_afi(family.afi);
        Ok(match family.safi {
            Safi::UNICAST | Safi::MULTICAST if ip => Nlri::Inet(Inet::unpack(family, buf, addpath)?),
            Safi::NLRI_MPLS if ip => Nlri::Label(Label::unpack(family, buf, addpath)?),
            Safi::MPLS_VPN if ip => Nlri::IpVpn(IpVpn::unpack(family, buf, addpath)?),
            Safi::FLOW | Safi::FLOW_VPN if ip => Nlri::Flow(Flow::unpack(family, buf)?),
            Safi::MCAST_VPN if ip => Nlri::Mvpn(Box::new(Mvpn::unpack(family.afi, buf)?)),
            Safi::MUP if ip => Nlri::Mup(Box::new(Mup::unpack(family.afi, buf)?)),
            Safi::RTC if family.afi == Afi::IPV4 => Nlri::Rtc(Rtc::unpack(buf)?),
            Safi::VPLS if family.afi == Afi::L2VPN => Nlri::Vpls(Vpls::unpack(buf)?),
            Safi::EVPN if family.afi == Afi::L2VPN => Nlri::Evpn(Box::new(Evpn::unpack(buf)?)),
            Safi::BGP_LS | Safi::BGP_LS_VPN if family.afi == Afi::BGP_LS => Nlri::BgpLs(Box::new(BgpLs::unpack(family.safi, buf)?)),
            _ => {
                // Without a decoder the NLRI boundaries are unknown: keep the rest whole.
                let data = buf.to_vec();
                *buf = &[];
                Nlri::Unknown { family, data }
            }
        })
    }

    /// The wire form. A flow too large for its length field (over 4094
    /// octets) writes nothing: see `pack_checked`.
    pub fn pack(&self, addpath: bool, out: &mut BytesMut) {
        let _ = self.pack_checked(addpath, out);
    }

    /// The wire form, or ExaBGP's NOTIFICATION (3, 0) for a flow rule too
    /// large to encode (nothing is written then).
    pub fn pack_checked(&self, addpath: bool, out: &mut BytesMut) -> Result<(), Notify> {
        let addpath = addpath && takes_path_id(self.family());
        match self {
            Nlri::Inet(n) => n.pack(addpath, out),
            Nlri::Label(n) => n.pack(addpath, out),
            Nlri::IpVpn(n) => n.pack(addpath, out),
            // Checks the size before writing anything.
            Nlri::Flow(n) => n.pack_checked(out)?,
            Nlri::Vpls(n) => n.pack(out),
            Nlri::Rtc(n) => n.pack(out),
            Nlri::Evpn(n) => n.pack(out),
            Nlri::Mvpn(n) => n.pack(out),
            Nlri::Mup(n) => n.pack(out),
            Nlri::BgpLs(n) => n.pack(out),
            Nlri::Unknown { data, .. } => out.put_slice(data),
        }
        Ok(())
    }

    /// ExaBGP's JSON element, for an NLRI with no next-hop known.
    pub fn json(&self, out: &mut String) {
        self.json_full(out, None, false);
    }

    /// ExaBGP's JSON element. `nexthop` is the next-hop the NLRI was
    /// announced with (flow shows `"next-hop"`, BGP-LS node and prefix
    /// `"nexthop"`); `compact` is `exabgp.api.compact` (a bare string for
    /// inet prefixes without a path id).
    pub fn json_full(&self, out: &mut String, nexthop: Option<IpAddr>, compact: bool) {
        match self {
            Nlri::Inet(n) => label::json_labelled(out, &n.prefix, n.path_id, &Labels::NONE, None, compact),
            Nlri::Label(n) => n.json(out),
            Nlri::IpVpn(n) => n.json(out),
            Nlri::Flow(n) => n.json(out, nexthop),
            Nlri::Vpls(n) => n.json(out),
            Nlri::Rtc(n) => n.json(out),
            Nlri::Evpn(n) => n.json(out),
            Nlri::Mvpn(n) => n.json(out),
            Nlri::Mup(n) => n.json(out),
            Nlri::BgpLs(n) => n.json(out, nexthop),
            Nlri::Unknown { data, .. } => {
                out.push_str("{ \"raw\": \"");
                crate::json::hex_upper(out, data);
                out.push_str("\" }");
            }
        }
    }

    /// ExaBGP's `extensive()`: what the text API prints after `announced`
    /// or `withdrawn`, including ` next-hop <ip>` where ExaBGP puts it.
    /// Families without their own (rtc, evpn, mvpn, mup, bgp-ls) give
    /// ExaBGP's generic `afi <afi> safi <safi>`.
    pub fn extensive(&self, nexthop: Option<IpAddr>) -> Extensive<'_> {
        Extensive { nlri: self, nexthop, generic: true }
    }

    /// ExaBGP's `str()` of an NLRI carrying `nexthop` (used when listing a
    /// RIB): the same as `extensive` where ExaBGP defines one, else `Display`.
    pub fn text(&self, nexthop: Option<IpAddr>) -> Extensive<'_> {
        Extensive { nlri: self, nexthop, generic: false }
    }

    /// Append the RIB key: family, then what identifies the route the way
    /// ExaBGP's `index()` does (labels are not part of a labelled or VPN
    /// route's key; other families use their wire form).
    pub fn index(&self, out: &mut Vec<u8>) {
        let f = self.family();
        out.extend_from_slice(&f.afi.0.to_be_bytes());
        out.push(f.safi.0);
        match self {
            Nlri::Inet(n) => {
                index_path(out, n.path_id);
                out.push(n.prefix.len());
                out.extend_from_slice(n.prefix.packed_addr());
            }
            Nlri::Label(n) => n.index(out),
            Nlri::IpVpn(n) => n.index(out),
            other => {
                let mut b = BytesMut::new();
                other.pack(false, &mut b);
                out.extend_from_slice(&b);
            }
        }
    }
}

/// See `Nlri::extensive` and `Nlri::text`.
pub struct Extensive<'a> {
    nlri: &'a Nlri,
    nexthop: Option<IpAddr>,
    generic: bool,
}

impl fmt::Display for Extensive<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nh = self.nexthop;
        match self.nlri {
            Nlri::Inet(n) => {
                write!(f, "{n}")?;
                label::write_nexthop(f, nh)
            }
            Nlri::Label(n) => n.fmt_extensive(f, nh),
            Nlri::IpVpn(n) => n.fmt_extensive(f, nh),
            Nlri::Flow(n) => n.fmt_extensive(f, nh),
            Nlri::Vpls(n) => n.fmt_extensive(f, nh),
            Nlri::Unknown { .. } => write!(f, "{}", self.nlri),
            other if self.generic => {
                let fam = other.family();
                write!(f, "afi {} safi {}", fam.afi, fam.safi)
            }
            Nlri::BgpLs(n) if !matches!(n.route(), bgpls::BgpLsRoute::Srv6Sid(_) | bgpls::BgpLsRoute::Unknown) => {
                let mut s = String::new();
                n.json(&mut s, nh);
                f.write_str(&s)
            }
            other => write!(f, "{other}"),
        }
    }
}

impl fmt::Display for Nlri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Nlri::Inet(n) => fmt::Display::fmt(n, f),
            Nlri::Label(n) => fmt::Display::fmt(n, f),
            Nlri::IpVpn(n) => fmt::Display::fmt(n, f),
            Nlri::Flow(n) => fmt::Display::fmt(n, f),
            Nlri::Vpls(n) => fmt::Display::fmt(n, f),
            Nlri::Rtc(n) => fmt::Display::fmt(n, f),
            Nlri::Evpn(n) => fmt::Display::fmt(n, f),
            Nlri::Mvpn(n) => fmt::Display::fmt(n, f),
            Nlri::Mup(n) => fmt::Display::fmt(n, f),
            Nlri::BgpLs(n) => fmt::Display::fmt(n, f),
            Nlri::Unknown { family, data } => {
                write!(f, "{family} raw ")?;
                for b in data {
                    write!(f, "{b:02X}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neg() -> Negotiated {
        Negotiated::default()
    }

    #[test]
    fn dispatch_and_text_forms() {
        let wire = [24u8, 10, 0, 0];
        let n = Nlri::unpack(Family::IPV4_UNICAST, &mut &wire[..], false, &neg()).unwrap();
        let nh: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(n.extensive(Some(nh)).to_string(), "10.0.0.0/24 next-hop 127.0.0.2");
        let mut j = String::new();
        n.json_full(&mut j, Some(nh), true);
        assert_eq!(j, r#""10.0.0.0/24""#);
        let mut j = String::new();
        n.json(&mut j);
        assert_eq!(j, r#"{ "nlri": "10.0.0.0/24" }"#);

        let wire = [0x68, 0x00, 0x3E, 0x81, 0x00, 0x00, 0xFD, 0xE8, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04];
        let n = Nlri::unpack(Family::IPV4_MPLS_VPN, &mut &wire[..], false, &neg()).unwrap();
        assert_eq!(n.extensive(Some(nh)).to_string(), "1.4.0.0/16 label 1000 next-hop 127.0.0.2 rd 65000:1");

        let wire = [0u8];
        let n = Nlri::unpack(Family::IPV4_RTC, &mut &wire[..], false, &neg()).unwrap();
        assert_eq!(n.extensive(None).to_string(), "afi ipv4 safi rtc");
        assert_eq!(n.text(None).to_string(), "rtc wildcard");
    }

    #[test]
    fn index_ignores_labels() {
        let a = [48u8, 0, 0, 0x11, 10, 0, 0];
        let b = [48u8, 0x80, 0, 0, 10, 0, 0];
        let na = Nlri::unpack(Family::IPV4_NLRI_MPLS, &mut &a[..], false, &neg()).unwrap();
        let nb = Nlri::unpack(Family::IPV4_NLRI_MPLS, &mut &b[..], false, &neg()).unwrap();
        assert_ne!(na, nb);
        let (mut ia, mut ib) = (Vec::new(), Vec::new());
        na.index(&mut ia);
        nb.index(&mut ib);
        assert_eq!(ia, ib);
    }

    #[test]
    fn addpath_is_ignored_where_exabgp_ignores_it() {
        let wire = [0u8, 0x11, 0x00, 0x01, 0xC0, 0xA8, 0xC9, 0x01, 0x00, 0x7B, 0x00, 0x05, 0x00, 0x01, 0x00, 0x08, 0x02, 0x9C, 0xE1];
        let n = Nlri::unpack(Family::L2VPN_VPLS, &mut &wire[..], true, &neg()).unwrap();
        let mut out = BytesMut::new();
        n.pack(true, &mut out);
        assert_eq!(&out[..], &wire[..]);
    }

    #[test]
    fn nlri_stays_small() {
        // Stored by the million in RIBs: large families are boxed.
        assert!(std::mem::size_of::<Nlri>() <= 80, "{}", std::mem::size_of::<Nlri>());
        assert!(std::mem::size_of::<Inet>() <= 32, "{}", std::mem::size_of::<Inet>());
    }

    #[test]
    fn unknown_family_is_kept_raw() {
        let fam = Family::new(Afi::L2VPN, Safi::UNICAST);
        let mut buf = &[1u8, 2, 3][..];
        let n = Nlri::unpack(fam, &mut buf, false, &neg()).unwrap();
        assert!(buf.is_empty());
        assert_eq!(n, Nlri::Unknown { family: fam, data: vec![1, 2, 3] });
    }
}
