//! KEEPALIVE (RFC 4271 §4.4): the header alone.

use crate::bgp::framing::{bad_length, HEADER_LEN};
use crate::bgp::iana::MessageType;
use crate::bgp::notify::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeepAlive;

impl KeepAlive {
    /// RFC 4271 §6.1: a KEEPALIVE longer than 19 octets is a Bad Message Length.
    pub fn unpack(body: &[u8]) -> Result<KeepAlive, Notify> {
        if body.is_empty() {
            Ok(KeepAlive)
        } else {
            Err(bad_length(MessageType::KEEPALIVE.0, HEADER_LEN + body.len()))
        }
    }

    /// `keepalive`
    pub fn text(&self, out: &mut String) {
        out.push_str("keepalive");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_body_is_1_2() {
        assert_eq!(KeepAlive::unpack(&[]), Ok(KeepAlive));
        let e = KeepAlive::unpack(&[0]).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 2));
        assert_eq!(e.data, b"KEEPALIVE has an invalid message length of 20");
    }
}
