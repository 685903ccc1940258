//! ORIGINATOR_ID (RFC 4456 §8): optional non-transitive, a four-octet router id.

use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OriginatorId(pub Ipv4Addr);

impl OriginatorId {
    pub fn unpack(data: &[u8]) -> Result<OriginatorId, Notify> {
        super::read_u32(data).map(|v| OriginatorId(Ipv4Addr::from(v)))
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_slice(&self.0.octets());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let o = OriginatorId::unpack(&[9, 9, 9, 9]).unwrap();
        assert_eq!(o.0.to_string(), "9.9.9.9");
        let mut out = BytesMut::new();
        o.pack(&mut out);
        assert_eq!(&out[..], &[9, 9, 9, 9]);
        assert!(OriginatorId::unpack(&[9, 9, 9]).is_err());
    }
}
