//! MP_UNREACH_NLRI (RFC 4760 §4): optional non-transitive.
//!
//! ```text
//! +--------------------------------+
//! | AFI (2) | SAFI (1)             |
//! | withdrawn routes (variable)    |
//! +--------------------------------+
//! ```
//!
//! With no withdrawn routes it is the End-of-RIB marker of its family
//! (RFC 4724 §2).

use bytes::{BufMut, BytesMut};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::negotiated::{Direction, Negotiated};
use crate::bgp::nlri::Nlri;
use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MpUnreach {
    pub family: Family,
    pub nlris: Vec<Nlri>,
}

impl MpUnreach {
    pub fn unpack(data: &[u8], neg: &Negotiated) -> Result<MpUnreach, Notify> {
        let [a1, a2, safi, rest @ ..] = data else {
            return Err(error("MP_UNREACH_NLRI too short"));
        };
        let family = Family::new(Afi(u16::from_be_bytes([*a1, *a2])), Safi(*safi));
        if !neg.families.contains(&family) {
            return Err(error("presented a non-negotiated family"));
        }
        let addpath = neg.addpath(family, Direction::In);
        let mut buf = rest;
        let mut nlris = Vec::new();
        while !buf.is_empty() {
            let before = buf.len();
            nlris.push(Nlri::unpack(family, &mut buf, addpath, neg)?);
            if buf.len() == before {
                return Err(error("NLRI decoder made no progress"));
            }
        }
        Ok(MpUnreach { family, nlris })
    }

    pub fn pack_header(family: Family, out: &mut BytesMut) {
        out.put_u16(family.afi.0);
        out.put_u8(family.safi.0);
    }

    pub fn pack(&self, neg: &Negotiated, out: &mut BytesMut) {
        MpUnreach::pack_header(self.family, out);
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

    #[test]
    fn round_trip_and_eor() {
        let neg = Negotiated { families: vec![Family::IPV6_UNICAST], ..Negotiated::default() };
        let wire = [0u8, 2, 1, 0x40, 0xfc, 0, 0, 1, 0, 0, 0, 0];
        let mp = MpUnreach::unpack(&wire, &neg).unwrap();
        assert_eq!(mp.nlris.len(), 1);
        let mut out = BytesMut::new();
        mp.pack(&neg, &mut out);
        assert_eq!(&out[..], &wire[..]);
        let eor = MpUnreach::unpack(&[0, 2, 1], &neg).unwrap();
        assert!(eor.nlris.is_empty());
        assert!(MpUnreach::unpack(&[0, 1, 1], &neg).is_err());
        assert!(MpUnreach::unpack(&[0, 2], &neg).is_err());
    }
}
