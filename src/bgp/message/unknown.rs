//! Message types ExaBGP does not handle.
//!
//! On receipt ExaBGP reads the whole message, then refuses it with
//! NOTIFICATION 1/0 (not RFC 4271's 1/3): the functional test
//! `unknown-message` expects exactly that reply to a type-255 message. Type 0
//! (ExaBGP's internal NOP) ends the same way.

use crate::bgp::notify::{code, Notify};

/// ExaBGP's catch-all for a message it cannot decode. Its wording says
/// "update" whatever the type; it is what the peer sees, so it is kept.
pub fn undecodable(kind: u8) -> Notify {
    Notify::with_text(code::MESSAGE_HEADER, 0, &format!("can not decode update message of type \"{kind}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_unknown_message_test() {
        // qa/encoding/unknown-message.msg: 1/0 with this text.
        let n = undecodable(255);
        assert_eq!((n.code, n.subcode), (1, 0));
        let expected = "63616E206E6F74206465636F646520757064617465206D657373616765206F662074797065202232353522";
        let mut hex = String::new();
        crate::json::hex_upper(&mut hex, &n.data);
        assert_eq!(hex, expected);
    }
}
