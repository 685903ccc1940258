//! Support for 4-octet AS numbers, code 65 (RFC 6793 §3): the speaker's AS as
//! a 4-octet value.

use std::fmt;

use crate::bgp::notify::Notify;

use super::undecodable;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asn4(pub u32);

impl Asn4 {
    /// Like ExaBGP, a 2-octet value is read as a 2-octet AS; any other length
    /// but 4 cannot be decoded.
    pub fn unpack(data: &[u8]) -> Result<Asn4, Notify> {
        match *data {
            [a, b, c, d] => Ok(Asn4(u32::from_be_bytes([a, b, c, d]))),
            [a, b] => Ok(Asn4(u16::from_be_bytes([a, b]) as u32)),
            _ => Err(undecodable()),
        }
    }

    pub fn value(self) -> Vec<u8> {
        self.0.to_be_bytes().to_vec()
    }

    /// `{ "name": "asn4", "asn4": 65001 }`
    pub fn json(self, out: &mut String) {
        out.push_str("{ \"name\": \"asn4\", \"asn4\": ");
        out.push_str(&self.0.to_string());
        out.push_str(" }");
    }
}

impl fmt::Display for Asn4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ASN4({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let a = Asn4::unpack(&[0, 0, 0xFD, 0xE9]).unwrap();
        assert_eq!(a, Asn4(65001));
        assert_eq!(a.value(), vec![0, 0, 0xFD, 0xE9]);
        let mut s = String::new();
        a.json(&mut s);
        assert_eq!(s, r#"{ "name": "asn4", "asn4": 65001 }"#);
        assert_eq!(a.to_string(), "ASN4(65001)");
    }

    #[test]
    fn odd_lengths() {
        assert_eq!(Asn4::unpack(&[0xFD, 0xE9]), Ok(Asn4(65001)));
        for bad in [&[][..], &[1], &[1, 2, 3], &[1, 2, 3, 4, 5]] {
            let e = Asn4::unpack(bad).unwrap_err();
            assert_eq!((e.code, e.subcode), (1, 0));
        }
    }
}
