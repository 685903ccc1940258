//! CLUSTER_LIST (RFC 4456 §8): optional non-transitive, a list of four-octet cluster ids.

use std::fmt;
use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ClusterList(pub Vec<Ipv4Addr>);

impl ClusterList {
    pub fn unpack(data: &[u8]) -> Result<ClusterList, Notify> {
        if !data.len().is_multiple_of(4) {
            return Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data));
        }
        Ok(ClusterList(data.chunks_exact(4).map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3])).collect()))
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for c in &self.0 {
            out.put_slice(&c.octets());
        }
    }

    /// `[ "1.1.1.1", "2.2.2.2" ]`
    pub fn json(&self, out: &mut String) {
        out.push_str("[ ");
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('"');
            super::push_fmt(out, c);
            out.push('"');
        }
        out.push_str(" ]");
    }
}

/// ExaBGP's text form, `[ a b ]`: it compares the length in octets with one,
/// so even a single id gets the brackets.
impl fmt::Display for ClusterList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[ ")?;
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str(" ]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let wire = [1, 1, 1, 1, 2, 2, 2, 2];
        let c = ClusterList::unpack(&wire).unwrap();
        let mut out = BytesMut::new();
        c.pack(&mut out);
        assert_eq!(&out[..], &wire);
        assert_eq!(c.to_string(), "[ 1.1.1.1 2.2.2.2 ]");
        let mut j = String::new();
        c.json(&mut j);
        assert_eq!(j, r#"[ "1.1.1.1", "2.2.2.2" ]"#);
        assert_eq!(ClusterList::unpack(&[1, 1, 1, 1]).unwrap().to_string(), "[ 1.1.1.1 ]");
        assert!(ClusterList::unpack(&[1, 2, 3]).is_err());
    }
}
