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

pub mod cidr;
pub mod inet;

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::bgp::iana::{Family, Safi};
use crate::bgp::negotiated::Negotiated;
use crate::bgp::notify::Notify;

pub use cidr::Prefix;
pub use inet::Inet;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Nlri {
    /// ipv4/ipv6 unicast and multicast.
    Inet(Inet),
    /// A family we carry but do not interpret: the remaining bytes, kept raw.
    Unknown { family: Family, data: Vec<u8> },
}

impl Nlri {
    pub fn family(&self) -> Family {
        match self {
            Nlri::Inet(n) => n.family,
            Nlri::Unknown { family, .. } => *family,
        }
    }

    /// Decode one NLRI of `family` from the front of `buf`, advancing it.
    pub fn unpack(family: Family, buf: &mut &[u8], addpath: bool, _neg: &Negotiated) -> Result<Nlri, Notify> {
        match family.safi {
            Safi::UNICAST | Safi::MULTICAST => Ok(Nlri::Inet(Inet::unpack(family, buf, addpath)?)),
            _ => {
                // Without a decoder the NLRI boundaries are unknown: keep the rest whole.
                let data = buf.to_vec();
                *buf = &[];
                Ok(Nlri::Unknown { family, data })
            }
        }
    }

    pub fn pack(&self, addpath: bool, out: &mut BytesMut) {
        match self {
            Nlri::Inet(n) => n.pack(addpath, out),
            Nlri::Unknown { data, .. } => out.put_slice(data),
        }
    }

    pub fn json(&self, out: &mut String) {
        match self {
            Nlri::Inet(n) => n.json(out),
            Nlri::Unknown { data, .. } => {
                out.push_str("{ \"raw\": \"");
                crate::json::hex_upper(out, data);
                out.push_str("\" }");
            }
        }
    }
}

impl fmt::Display for Nlri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Nlri::Inet(n) => fmt::Display::fmt(n, f),
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
