//! ATOMIC_AGGREGATE (RFC 4271 §4.3, §5.1.6): well-known discretionary, no value.

use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AtomicAggregate;

impl AtomicAggregate {
    pub fn unpack(data: &[u8]) -> Result<AtomicAggregate, Notify> {
        if data.is_empty() {
            Ok(AtomicAggregate)
        } else {
            // RFC 7606 §7.6: a non-zero length is malformed (handled as attribute-discard).
            Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_empty_is_valid() {
        assert!(AtomicAggregate::unpack(&[]).is_ok());
        assert!(AtomicAggregate::unpack(&[1]).is_err());
    }
}
