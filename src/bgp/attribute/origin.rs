//! ORIGIN (RFC 4271 §4.3, §5.1.1): well-known mandatory, one octet.
//!
//! ```text
//! +--------+
//! | origin |  0 IGP, 1 EGP, 2 INCOMPLETE
//! +--------+
//! ```

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin(pub u8);

impl Origin {
    pub const IGP: Origin = Origin(0);
    pub const EGP: Origin = Origin(1);
    pub const INCOMPLETE: Origin = Origin(2);

    pub fn unpack(data: &[u8]) -> Result<Origin, Notify> {
        match data {
            [v] if *v <= 2 => Ok(Origin(*v)),
            // RFC 4271 §6.3: an undefined value is "Invalid ORIGIN Attribute".
            [_] => Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::INVALID_ORIGIN_ATTRIBUTE, data)),
            _ => Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data)),
        }
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u8(self.0);
    }

    pub fn from_name(name: &str) -> Option<Origin> {
        Some(match name {
            "igp" => Origin::IGP,
            "egp" => Origin::EGP,
            "incomplete" => Origin::INCOMPLETE,
            _ => return None,
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            0 => "igp",
            1 => "egp",
            2 => "incomplete",
            _ => "invalid",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        for v in 0..3u8 {
            let o = Origin::unpack(&[v]).unwrap();
            let mut out = BytesMut::new();
            o.pack(&mut out);
            assert_eq!(&out[..], &[v]);
        }
        assert_eq!(Origin::unpack(&[3]).unwrap_err().subcode, subcode::INVALID_ORIGIN_ATTRIBUTE);
        assert_eq!(Origin::unpack(&[0, 0]).unwrap_err().subcode, subcode::ATTRIBUTE_LENGTH_ERROR);
        assert_eq!(Origin::from_name("egp"), Some(Origin::EGP));
        assert_eq!(Origin::INCOMPLETE.to_string(), "incomplete");
    }
}
