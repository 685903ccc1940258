//! LOCAL_PREF (RFC 4271 §4.3, §5.1.5): well-known, four octets, iBGP only.

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalPreference(pub u32);

impl LocalPreference {
    pub fn unpack(data: &[u8]) -> Result<LocalPreference, Notify> {
        super::read_u32(data).map(LocalPreference)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u32(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let l = LocalPreference::unpack(&[0, 0, 0, 100]).unwrap();
        assert_eq!(l, LocalPreference(100));
        let mut out = BytesMut::new();
        l.pack(&mut out);
        assert_eq!(&out[..], &[0, 0, 0, 100]);
        assert!(LocalPreference::unpack(&[]).is_err());
    }
}
