//! Extended message capability, code 6 (RFC 8654 §3): empty value; when both
//! sides announce it, messages may be up to 65535 bytes.

use std::fmt;

use crate::bgp::negotiated::MSG_SIZE_EXTENDED;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtendedMessage;

impl ExtendedMessage {
    /// `{ "name": "extended-message", "size": 65535 }`
    pub fn json(self, out: &mut String) {
        out.push_str("{ \"name\": \"extended-message\", \"size\": ");
        out.push_str(&MSG_SIZE_EXTENDED.to_string());
        out.push_str(" }");
    }
}

impl fmt::Display for ExtendedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extended Message({MSG_SIZE_EXTENDED})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings() {
        let mut s = String::new();
        ExtendedMessage.json(&mut s);
        assert_eq!(s, r#"{ "name": "extended-message", "size": 65535 }"#);
        assert_eq!(ExtendedMessage.to_string(), "Extended Message(65535)");
    }
}
