//! Ethernet Tag ID (RFC 7432 §7): 4 octets, shown as a decimal number.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct EthernetTag(pub u32);

impl EthernetTag {
    /// `"ethernet-tag": 1901`
    pub fn json(&self, out: &mut String) {
        crate::bgp::nlri::util::push(out, format_args!("\"ethernet-tag\": {}", self.0));
    }
}

impl fmt::Display for EthernetTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
