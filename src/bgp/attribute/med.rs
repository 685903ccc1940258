//! MULTI_EXIT_DISC (RFC 4271 §4.3, §5.1.4): optional non-transitive, four octets.

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Med(pub u32);

impl Med {
    pub fn unpack(data: &[u8]) -> Result<Med, Notify> {
        super::read_u32(data).map(Med)
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
        let m = Med::unpack(&[0, 0, 0, 200]).unwrap();
        assert_eq!(m, Med(200));
        let mut out = BytesMut::new();
        m.pack(&mut out);
        assert_eq!(&out[..], &[0, 0, 0, 200]);
        assert!(Med::unpack(&[0, 0, 1]).is_err());
    }
}
