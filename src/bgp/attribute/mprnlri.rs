//! MP_REACH_NLRI (RFC 4760 §3): optional non-transitive.
//!
//! ```text
//! +---------------------------------------------------------+
//! | AFI (2) | SAFI (1) | next-hop length (1)                 |
//! | next-hop (variable: [RD zeros] address [link-local])     |
//! | reserved (1)                                             |
//! | NLRI (variable)                                          |
//! +---------------------------------------------------------+
//! ```
//!
//! The next-hop is an IPv6 global address optionally followed by a
//! link-local one (RFC 2545 §3), preceded by an all-zero route distinguisher
//! for VPN families (RFC 4364 §4.3.2, RFC 4659 §3.2.1), or of the other address
//! family with the extended next-hop capability (RFC 8950).

use bytes::{BufMut, BytesMut};

use super::nexthop::NextHop;
use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::negotiated::{Direction, Negotiated};
use crate::bgp::nlri::Nlri;
use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MpReach {
    pub family: Family,
    pub nexthop: NextHop,
    pub nlris: Vec<Nlri>,
}

/// Next-hop lengths ExaBGP accepts per family, and the route distinguisher
/// that precedes the address.
pub fn nexthop_lengths(family: Family) -> Option<(&'static [usize], usize)> {
    let f = family;
    Some(match (f.afi, f.safi) {
        (Afi::IPV4, Safi::UNICAST | Safi::MULTICAST | Safi::NLRI_MPLS | Safi::MCAST_VPN) => (&[4], 0),
        (Afi::IPV4, Safi::MUP | Safi::RTC) => (&[4, 16], 0),
        (Afi::IPV4, Safi::MPLS_VPN) => (&[12], 8),
        (Afi::IPV4, Safi::FLOW | Safi::FLOW_VPN) => (&[0, 4], 0),
        (Afi::IPV6, Safi::UNICAST | Safi::NLRI_MPLS) => (&[16, 32], 0),
        (Afi::IPV6, Safi::MUP | Safi::MCAST_VPN) => (&[4, 16], 0),
        (Afi::IPV6, Safi::MPLS_VPN) => (&[24, 40], 8),
        (Afi::IPV6, Safi::FLOW | Safi::FLOW_VPN) => (&[0, 16, 32], 0),
        (Afi::L2VPN, Safi::VPLS | Safi::EVPN) => (&[4], 0),
        (Afi::BGP_LS, Safi::BGP_LS) => (&[4, 16], 0),
        _ => return None,
    })
}

/// The route distinguisher length in front of a next-hop of `family`.
pub fn nexthop_rd(family: Family) -> usize {
    if family.safi == Safi::MPLS_VPN {
        8
    } else {
        0
    }
}

impl MpReach {
    /// Decode the attribute value. Errors carry RFC 4760 §7 semantics: the
    /// caller disables the family (RFC 7606 §5.3).
    pub fn unpack(data: &[u8], neg: &Negotiated) -> Result<MpReach, Notify> {
        let [a1, a2, safi, nh_len, rest @ ..] = data else {
            return Err(error("MP_REACH_NLRI too short"));
        };
        let family = Family::new(Afi(u16::from_be_bytes([*a1, *a2])), Safi(*safi));
        if !neg.families.contains(&family) {
            return Err(error("presented a non-negotiated family"));
        }
        let nh_len = *nh_len as usize;
        let (lengths, rd) = nexthop_lengths(family).ok_or_else(|| error("unsupported family"))?;
        let mut ok = lengths.contains(&nh_len);
        if !ok && !neg.nexthop.is_empty() {
            // RFC 8950: a next-hop of the other IP family.
            let other = if nh_len - rd.min(nh_len) == 4 { Afi::IPV4 } else { Afi::IPV6 };
            if let Some((l, _)) = nexthop_lengths(Family::new(other, family.safi)) {
                ok = l.contains(&nh_len);
            }
        }
        if !ok || rest.len() < nh_len + 1 {
            return Err(error("invalid next-hop length"));
        }
        let (nh, rest) = rest.split_at(nh_len);
        let rd = rd.min(nh.len());
        if nh[..rd].iter().any(|&b| b != 0) {
            return Err(error("MP_REACH_NLRI next-hop's route-distinguisher must be zero"));
        }
        let nexthop = NextHop::from_bytes(&nh[rd..]).ok_or_else(|| error("invalid next-hop"))?;
        // rest[0] is the reserved octet (was the SNPA count): RFC 4760 §3 says
        // to ignore it.
        let mut buf = &rest[1..];
        let addpath = neg.addpath(family, Direction::In);
        let mut nlris = Vec::new();
        while !buf.is_empty() {
            let before = buf.len();
            nlris.push(Nlri::unpack(family, &mut buf, addpath, neg)?);
            if buf.len() == before {
                return Err(error("NLRI decoder made no progress"));
            }
        }
        Ok(MpReach { family, nexthop, nlris })
    }

    /// Write the value header (AFI, SAFI, next-hop, reserved) that precedes the
    /// NLRIs.
    pub fn pack_header(family: Family, nexthop: &NextHop, out: &mut BytesMut) {
        out.put_u16(family.afi.0);
        out.put_u8(family.safi.0);
        let rd = if nexthop.is_none() { 0 } else { nexthop_rd(family) };
        out.put_u8((rd + nexthop.wire_len()) as u8);
        out.put_bytes(0, rd);
        nexthop.pack(out);
        out.put_u8(0);
    }

    /// Length of what `pack_header` writes.
    pub fn header_len(family: Family, nexthop: &NextHop) -> usize {
        let rd = if nexthop.is_none() { 0 } else { nexthop_rd(family) };
        5 + rd + nexthop.wire_len()
    }

    /// The whole value, for one attribute.
    pub fn pack(&self, neg: &Negotiated, out: &mut BytesMut) {
        MpReach::pack_header(self.family, &self.nexthop, out);
        let addpath = neg.addpath(self.family, Direction::Out);
        for n in &self.nlris {
            n.pack(addpath, out);
        }
    }
}

fn error(why: &str) -> Notify {
    Notify::with_text(code::UPDATE_MESSAGE, subcode::OPTIONAL_ATTRIBUTE_ERROR, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neg() -> Negotiated {
        Negotiated {
            families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST],
            ..Negotiated::default()
        }
    }

    #[test]
    fn ipv6_unicast_round_trip() {
        // from qa/encoding/api-ipv6.msg
        let wire: Vec<u8> = [
            &[0x00, 0x02, 0x01, 0x10][..],
            &[0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11],
            &[0x00, 0x40, 0xfc, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
        ]
        .concat();
        let mp = MpReach::unpack(&wire, &neg()).unwrap();
        assert_eq!(mp.family, Family::IPV6_UNICAST);
        assert_eq!(mp.nexthop.to_string(), "2001::11");
        assert_eq!(mp.nlris.len(), 1);
        let mut out = BytesMut::new();
        mp.pack(&neg(), &mut out);
        assert_eq!(&out[..], &wire[..]);
    }

    #[test]
    fn link_local_next_hop() {
        let mut wire = vec![0x00, 0x02, 0x01, 32];
        wire.extend_from_slice(&[0x20; 16]);
        wire.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        wire.extend_from_slice(&[0, 8, 10]);
        let mp = MpReach::unpack(&wire, &neg()).unwrap();
        assert!(matches!(mp.nexthop, NextHop::Ipv6LinkLocal { .. }));
        let mut out = BytesMut::new();
        mp.pack(&neg(), &mut out);
        assert_eq!(&out[..], &wire[..]);
    }

    #[test]
    fn extended_next_hop_ipv4_route_ipv6_next_hop() {
        // qa/encoding/extended-nexthop.msg
        let mut wire = vec![0x00, 0x01, 0x01, 0x10];
        wire.extend_from_slice(&[0x0b, 0xad, 0xca, 0xfe].repeat(4));
        wire.extend_from_slice(&[0x00, 0x20, 0x99, 0x99, 0x99, 0x99]);
        assert!(MpReach::unpack(&wire, &neg()).is_err());
        let mut n = neg();
        n.nexthop.push((Family::IPV4_UNICAST, Afi::IPV6));
        let mp = MpReach::unpack(&wire, &n).unwrap();
        let mut out = BytesMut::new();
        mp.pack(&n, &mut out);
        assert_eq!(&out[..], &wire[..]);
    }

    #[test]
    fn errors() {
        let n = neg();
        assert!(MpReach::unpack(&[0, 1], &n).is_err());
        // not negotiated
        assert!(MpReach::unpack(&[0, 1, 4, 4, 1, 1, 1, 1, 0], &n).is_err());
        // bad next-hop length
        assert!(MpReach::unpack(&[0, 1, 1, 3, 1, 1, 1, 0], &n).is_err());
        // truncated NLRI
        assert!(MpReach::unpack(&[0, 1, 1, 4, 1, 1, 1, 1, 0, 24, 10], &n).is_err());
    }
}
