//! AGGREGATOR (RFC 4271 §4.3, §5.1.7) and AS4_AGGREGATOR (RFC 6793 §3).
//!
//! ```text
//! +---------------------+-------------------+
//! | ASN (2 or 4 octets) | speaker (IPv4)    |
//! +---------------------+-------------------+
//! ```

use std::fmt;
use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use super::aspath::AS_TRANS;
use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Aggregator {
    pub asn: u32,
    pub speaker: Ipv4Addr,
}

impl Aggregator {
    /// AGGREGATOR is six octets from a two-octet peer, eight otherwise;
    /// AS4_AGGREGATOR is always eight (`asn4 = true`).
    pub fn unpack(data: &[u8], asn4: bool) -> Result<Aggregator, Notify> {
        match (asn4, data) {
            (true, [a, b, c, d, w, x, y, z]) => {
                Ok(Aggregator { asn: u32::from_be_bytes([*a, *b, *c, *d]), speaker: Ipv4Addr::new(*w, *x, *y, *z) })
            }
            (false, [a, b, w, x, y, z]) => {
                Ok(Aggregator { asn: u16::from_be_bytes([*a, *b]) as u32, speaker: Ipv4Addr::new(*w, *x, *y, *z) })
            }
            _ => Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data)),
        }
    }

    /// Write the value with a two- or four-octet ASN; a four-octet ASN sent to
    /// a two-octet peer becomes AS_TRANS (RFC 6793 §4.2.2).
    pub fn pack(&self, asn4: bool, out: &mut BytesMut) {
        if asn4 {
            out.put_u32(self.asn);
        } else if self.asn > 0xffff {
            out.put_u16(AS_TRANS as u16);
        } else {
            out.put_u16(self.asn as u16);
        }
        out.put_slice(&self.speaker.octets());
    }
}

/// `asn:speaker`, the form of both the JSON string and the text.
impl fmt::Display for Aggregator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.asn, self.speaker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_both_sizes() {
        let w4 = [0x00, 0xaa, 0x00, 0xaa, 10, 10, 10, 10];
        let a = Aggregator::unpack(&w4, true).unwrap();
        assert_eq!(a.to_string(), "11141290:10.10.10.10");
        let mut out = BytesMut::new();
        a.pack(true, &mut out);
        assert_eq!(&out[..], &w4);
        let mut out = BytesMut::new();
        a.pack(false, &mut out);
        assert_eq!(&out[..], &[0x5b, 0xa0, 10, 10, 10, 10]);
        let w2 = [0x01, 0x00, 1, 2, 3, 4];
        let mut out = BytesMut::new();
        Aggregator::unpack(&w2, false).unwrap().pack(false, &mut out);
        assert_eq!(&out[..], &w2);
        assert!(Aggregator::unpack(&w2, true).is_err());
    }
}
