//! NEXT_HOP (RFC 4271 §4.3, §5.1.3) and the next-hop a route carries.
//!
//! The NEXT_HOP attribute itself is `Attribute::NextHop(IpAddr)`; `NextHop` here
//! is the per-route value, which for MP families travels in MP_REACH_NLRI
//! (RFC 4760 §3), possibly with an IPv6 link-local second address (RFC 2545 §3).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, BytesMut};

use crate::bgp::iana::Afi;
use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum NextHop {
    /// No next-hop (flow routes, withdrawals): ExaBGP's `no-nexthop`.
    #[default]
    None,
    Ip(IpAddr),
    /// RFC 2545 §3: a global and a link-local IPv6 address.
    Ipv6LinkLocal { global: Ipv6Addr, link_local: Ipv6Addr },
}

impl NextHop {
    pub fn is_none(&self) -> bool {
        matches!(self, NextHop::None)
    }

    /// The address family of the (first) address; `None` without one.
    pub fn afi(&self) -> Option<Afi> {
        match self {
            NextHop::None => None,
            NextHop::Ip(IpAddr::V4(_)) => Some(Afi::IPV4),
            _ => Some(Afi::IPV6),
        }
    }

    /// The address the JSON groups routes under.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            NextHop::None => None,
            NextHop::Ip(ip) => Some(*ip),
            NextHop::Ipv6LinkLocal { global, .. } => Some(IpAddr::V6(*global)),
        }
    }

    /// Wire length of the address(es), without any route distinguisher.
    pub fn wire_len(&self) -> usize {
        match self {
            NextHop::None => 0,
            NextHop::Ip(IpAddr::V4(_)) => 4,
            NextHop::Ip(IpAddr::V6(_)) => 16,
            NextHop::Ipv6LinkLocal { .. } => 32,
        }
    }

    pub fn pack(&self, out: &mut BytesMut) {
        match self {
            NextHop::None => {}
            NextHop::Ip(IpAddr::V4(a)) => out.put_slice(&a.octets()),
            NextHop::Ip(IpAddr::V6(a)) => out.put_slice(&a.octets()),
            NextHop::Ipv6LinkLocal { global, link_local } => {
                out.put_slice(&global.octets());
                out.put_slice(&link_local.octets());
            }
        }
    }

    /// Decode 0, 4, 16 or 32 octets of addresses.
    pub fn from_bytes(data: &[u8]) -> Option<NextHop> {
        Some(match data.len() {
            0 => NextHop::None,
            4 => NextHop::Ip(IpAddr::V4(Ipv4Addr::new(data[0], data[1], data[2], data[3]))),
            16 => NextHop::Ip(IpAddr::V6(Ipv6Addr::from(to16(data)?))),
            32 => NextHop::Ipv6LinkLocal {
                global: Ipv6Addr::from(to16(&data[..16])?),
                link_local: Ipv6Addr::from(to16(&data[16..])?),
            },
            _ => return None,
        })
    }
}

fn to16(data: &[u8]) -> Option<[u8; 16]> {
    data.try_into().ok()
}

/// The NEXT_HOP attribute value: four octets (RFC 4271 §5.1.3); ExaBGP also
/// reads sixteen.
pub fn unpack_attribute(data: &[u8]) -> Result<IpAddr, Notify> {
    match NextHop::from_bytes(data) {
        Some(NextHop::Ip(ip)) => Ok(ip),
        _ => Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data)),
    }
}

pub fn pack_attribute(ip: &IpAddr, out: &mut BytesMut) {
    match ip {
        IpAddr::V4(a) => out.put_slice(&a.octets()),
        IpAddr::V6(a) => out.put_slice(&a.octets()),
    }
}

impl fmt::Display for NextHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip() {
            None => f.write_str("no-nexthop"),
            Some(ip) => write!(f, "{ip}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_size() {
        let mut wire = [0xfeu8; 32];
        wire[16] = 0xfe;
        for len in [0usize, 4, 16, 32] {
            let nh = NextHop::from_bytes(&wire[..len]).unwrap();
            assert_eq!(nh.wire_len(), len);
            let mut out = BytesMut::new();
            nh.pack(&mut out);
            assert_eq!(&out[..], &wire[..len]);
        }
        assert!(NextHop::from_bytes(&wire[..5]).is_none());
        assert_eq!(NextHop::None.to_string(), "no-nexthop");
        assert_eq!(unpack_attribute(&[101, 1, 101, 1]).unwrap().to_string(), "101.1.101.1");
        assert!(unpack_attribute(&[]).is_err());
    }
}
