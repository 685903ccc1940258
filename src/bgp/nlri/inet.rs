//! Plain IP prefixes: ipv4/ipv6 unicast and multicast (RFC 4271 §4.3, RFC 4760),
//! with an optional ADD-PATH path identifier (RFC 7911 §3).

use std::fmt;

use bytes::{BufMut, BytesMut};

use super::cidr::Prefix;
use crate::bgp::iana::Family;
use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Inet {
    /// Unicast or multicast; the AFI always matches `prefix`.
    pub family: Family,
    pub path_id: Option<u32>,
    pub prefix: Prefix,
}

impl Inet {
    pub fn unpack(family: Family, buf: &mut &[u8], addpath: bool) -> Result<Inet, Notify> {
        let path_id = if addpath { Some(read_path_id(buf)?) } else { None };
        let prefix = Prefix::unpack(family.afi, buf)?;
        Ok(Inet { family, path_id, prefix })
    }

    pub fn pack(&self, addpath: bool, out: &mut BytesMut) {
        if addpath {
            // RFC 7911 §3: a path we did not number goes out as 0.
            out.put_u32(self.path_id.unwrap_or(0));
        }
        self.prefix.pack(out);
    }

    /// `{ "nlri": "10.0.0.0/24" }`, with `"path-information"` when a path id is set.
    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"nlri\": \"");
        self.prefix.push_text(out);
        out.push('"');
        if let Some(id) = self.path_id {
            out.push_str(", \"path-information\": \"");
            push_path_id(out, id);
            out.push('"');
        }
        out.push_str(" }");
    }
}

/// Read the 4-octet ADD-PATH path identifier (RFC 7911 §3).
pub fn read_path_id(buf: &mut &[u8]) -> Result<u32, Notify> {
    if buf.len() < 4 {
        return Err(super::cidr::invalid_network("not enough data for the path identifier"));
    }
    let id = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    *buf = &buf[4..];
    Ok(id)
}

/// ExaBGP shows path identifiers in dotted-quad form.
pub fn push_path_id(out: &mut String, id: u32) {
    super::util::push_ipv4(out, std::net::Ipv4Addr::from(id));
}


impl fmt::Display for Inet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.prefix)?;
        if let Some(id) = self.path_id {
            write!(f, " path-information {}", std::net::Ipv4Addr::from(id))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addpath_round_trip_and_json() {
        let wire = [0u8, 0, 0, 7, 24, 10, 0, 0];
        let mut buf = &wire[..];
        let n = Inet::unpack(Family::IPV4_UNICAST, &mut buf, true).unwrap();
        assert!(buf.is_empty());
        let mut out = BytesMut::new();
        n.pack(true, &mut out);
        assert_eq!(&out[..], &wire[..]);
        let mut j = String::new();
        n.json(&mut j);
        assert_eq!(j, r#"{ "nlri": "10.0.0.0/24", "path-information": "0.0.0.7" }"#);
        assert_eq!(n.to_string(), "10.0.0.0/24 path-information 0.0.0.7");
    }

    #[test]
    fn short_path_id_is_an_error() {
        let mut buf = &[0u8, 0, 1][..];
        assert!(Inet::unpack(Family::IPV4_UNICAST, &mut buf, true).is_err());
    }
}
