//! AIGP (RFC 7311 §3): optional non-transitive, a list of TLVs; type 1 carries
//! the eight-octet accumulated IGP metric.
//!
//! ```text
//! +--------+-------------------+------------------+
//! | type 1 | length 11 (2 oct) | metric (8 octets)|
//! +--------+-------------------+------------------+
//! ```

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code, subcode, Notify};

/// The TLVs are kept whole so that they are passed on unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Aigp {
    pub tlvs: Vec<u8>,
}

impl Aigp {
    /// One AIGP TLV carrying `metric`.
    pub fn new(metric: u64) -> Aigp {
        let mut tlvs = Vec::with_capacity(11);
        tlvs.push(1);
        tlvs.extend_from_slice(&11u16.to_be_bytes());
        tlvs.extend_from_slice(&metric.to_be_bytes());
        Aigp { tlvs }
    }

    /// RFC 7311 §3: every TLV length must fit; type 1 must be 11 octets long.
    pub fn unpack(data: &[u8]) -> Result<Aigp, Notify> {
        let mut rest = data;
        while !rest.is_empty() {
            let [t, h, l, ..] = rest else { return Err(bad(data)) };
            let len = u16::from_be_bytes([*h, *l]) as usize;
            if len < 3 || len > rest.len() || (*t == 1 && len != 11) {
                return Err(bad(data));
            }
            rest = &rest[len..];
        }
        Ok(Aigp { tlvs: data.to_vec() })
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_slice(&self.tlvs);
    }

    /// The metric of the first AIGP TLV.
    pub fn metric(&self) -> Option<u64> {
        let mut rest = &self.tlvs[..];
        while let [t, h, l, ..] = rest {
            let len = u16::from_be_bytes([*h, *l]) as usize;
            if *t == 1 {
                let v = rest.get(3..11)?;
                return Some(u64::from_be_bytes(v.try_into().ok()?));
            }
            rest = rest.get(len.max(3)..)?;
        }
        None
    }
}

/// ExaBGP prints the last eight octets in lower-case hex.
impl fmt::Display for Aigp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        let start = self.tlvs.len().saturating_sub(8);
        for b in &self.tlvs[start..] {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

fn bad(data: &[u8]) -> Notify {
    Notify::with_data(code::UPDATE_MESSAGE, subcode::OPTIONAL_ATTRIBUTE_ERROR, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_metric() {
        let a = Aigp::new(100);
        let b = Aigp::unpack(&a.tlvs).unwrap();
        assert_eq!(b.metric(), Some(100));
        let mut out = BytesMut::new();
        b.pack(&mut out);
        assert_eq!(&out[..], &a.tlvs[..]);
        assert_eq!(a.to_string(), "0x0000000000000064");
        assert!(Aigp::unpack(&[1, 0, 10, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Aigp::unpack(&[1, 0]).is_err());
    }
}
