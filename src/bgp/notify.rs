//! NOTIFICATION codes (RFC 4271 §4.5, §6) and `Notify`, a NOTIFICATION we
//! intend to send.
//!
//! Every codec and FSM error is a `Notify`, so that it can go on the wire as
//! is. Like ExaBGP, the data defaults to the ASCII name of the subcode, and
//! Cease/Administrative-Shutdown and Cease/Administrative-Reset carry an RFC
//! 8203/9003 shutdown communication (a length byte, then UTF-8 text).

use std::fmt;

/// A NOTIFICATION to send: code, subcode and data exactly as they go on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notify {
    pub code: u8,
    pub subcode: u8,
    pub data: Vec<u8>,
}

/// Error codes (RFC 4271 §4.5, RFC 7313 §5, RFC 9687 §6).
pub mod code {
    pub const MESSAGE_HEADER: u8 = 1;
    pub const OPEN_MESSAGE: u8 = 2;
    pub const UPDATE_MESSAGE: u8 = 3;
    pub const HOLD_TIMER_EXPIRED: u8 = 4;
    pub const FSM: u8 = 5;
    pub const CEASE: u8 = 6;
    pub const ROUTE_REFRESH: u8 = 7;
    pub const SEND_HOLD_TIMER_EXPIRED: u8 = 8;
}

/// Subcodes, named after the RFC text (RFC 4271 §6.1–6.3, RFC 5492, RFC 6608, RFC 4486).
pub mod subcode {
    // Message header error (RFC 4271 §6.1)
    pub const CONNECTION_NOT_SYNCHRONIZED: u8 = 1;
    pub const BAD_MESSAGE_LENGTH: u8 = 2;
    pub const BAD_MESSAGE_TYPE: u8 = 3;
    // OPEN message error (RFC 4271 §6.2, RFC 5492)
    pub const UNSUPPORTED_VERSION_NUMBER: u8 = 1;
    pub const BAD_PEER_AS: u8 = 2;
    pub const BAD_BGP_IDENTIFIER: u8 = 3;
    pub const UNSUPPORTED_OPTIONAL_PARAMETER: u8 = 4;
    pub const UNACCEPTABLE_HOLD_TIME: u8 = 6;
    pub const UNSUPPORTED_CAPABILITY: u8 = 7;
    // UPDATE message error (RFC 4271 §6.3)
    pub const MALFORMED_ATTRIBUTE_LIST: u8 = 1;
    pub const UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: u8 = 2;
    pub const MISSING_WELL_KNOWN_ATTRIBUTE: u8 = 3;
    pub const ATTRIBUTE_FLAGS_ERROR: u8 = 4;
    pub const ATTRIBUTE_LENGTH_ERROR: u8 = 5;
    pub const INVALID_ORIGIN_ATTRIBUTE: u8 = 6;
    pub const INVALID_NEXT_HOP_ATTRIBUTE: u8 = 8;
    pub const OPTIONAL_ATTRIBUTE_ERROR: u8 = 9;
    pub const INVALID_NETWORK_FIELD: u8 = 10;
    pub const MALFORMED_AS_PATH: u8 = 11;
    // Finite state machine error (RFC 6608)
    pub const UNEXPECTED_IN_OPENSENT: u8 = 1;
    pub const UNEXPECTED_IN_OPENCONFIRM: u8 = 2;
    pub const UNEXPECTED_IN_ESTABLISHED: u8 = 3;
    // Cease (RFC 4486)
    pub const MAX_PREFIXES: u8 = 1;
    pub const ADMINISTRATIVE_SHUTDOWN: u8 = 2;
    pub const PEER_DECONFIGURED: u8 = 3;
    pub const ADMINISTRATIVE_RESET: u8 = 4;
    pub const CONNECTION_REJECTED: u8 = 5;
    pub const OTHER_CONFIGURATION_CHANGE: u8 = 6;
    pub const CONNECTION_COLLISION_RESOLUTION: u8 = 7;
    pub const OUT_OF_RESOURCES: u8 = 8;
    // ROUTE-REFRESH message error (RFC 7313 §5)
    pub const INVALID_MESSAGE_LENGTH: u8 = 1;
    pub const MALFORMED_MESSAGE_SUBTYPE: u8 = 2;
}

/// ExaBGP's name for an error code.
pub fn code_name(code: u8) -> &'static str {
    match code {
        1 => "Message header error",
        2 => "OPEN message error",
        3 => "UPDATE message error",
        4 => "Hold timer expired",
        5 => "State machine error",
        6 => "Cease",
        // RFC 9687 (IANA name); ExaBGP predates it and says "unknown error".
        8 => "Send Hold Timer Expired",
        _ => "unknown error",
    }
}

/// ExaBGP's name for a (code, subcode) pair, `None` where it has none.
pub fn subcode_name(code: u8, subcode: u8) -> Option<&'static str> {
    Some(match (code, subcode) {
        (1, 0) | (2, 0) | (3, 0) | (4, 0) | (5, 0) | (6, 0) | (8, 0) => "Unspecific",
        (1, 1) => "Connection Not Synchronized",
        (1, 2) => "Bad Message Length",
        (1, 3) => "Bad Message Type",
        (2, 1) => "Unsupported Version Number",
        (2, 2) => "Bad Peer AS",
        (2, 3) => "Bad BGP Identifier",
        (2, 4) => "Unsupported Optional Parameter",
        (2, 5) => "Authentication Notification (Deprecated)",
        (2, 6) => "Unacceptable Hold Time",
        (2, 7) => "Unsupported Capability",
        (2, 8) => "Grouping Conflict",
        (2, 9) => "Grouping Required",
        (2, 10) => "Capability Value Mismatch",
        (3, 1) => "Malformed Attribute List",
        (3, 2) => "Unrecognized Well-known Attribute",
        (3, 3) => "Missing Well-known Attribute",
        (3, 4) => "Attribute Flags Error",
        (3, 5) => "Attribute Length Error",
        (3, 6) => "Invalid ORIGIN Attribute",
        (3, 7) => "AS Routing Loop",
        (3, 8) => "Invalid NEXT_HOP Attribute",
        (3, 9) => "Optional Attribute Error",
        (3, 10) => "Invalid Network Field",
        (3, 11) => "Malformed AS_PATH",
        (5, 1) => "Receive Unexpected Message in OpenSent State",
        (5, 2) => "Receive Unexpected Message in OpenConfirm State",
        (5, 3) => "Receive Unexpected Message in Established State",
        (6, 1) => "Maximum Number of Prefixes Reached",
        (6, 2) => "Administrative Shutdown",
        (6, 3) => "Peer De-configured",
        (6, 4) => "Administrative Reset",
        (6, 5) => "Connection Rejected",
        (6, 6) => "Other Configuration Change",
        (6, 7) => "Connection Collision Resolution",
        (6, 8) => "Out of Resources",
        (7, 1) => "Invalid Message Length",
        (7, 2) => "Malformed Message Subtype",
        _ => return None,
    })
}

/// Whether (code, subcode) carries an RFC 8203/9003 shutdown communication.
pub fn is_shutdown_communication(code: u8, subcode: u8) -> bool {
    code == code::CEASE
        && (subcode == subcode::ADMINISTRATIVE_SHUTDOWN || subcode == subcode::ADMINISTRATIVE_RESET)
}

// ===== impl Notify =====

impl Notify {
    /// A NOTIFICATION whose data is ExaBGP's default: the subcode's name (or
    /// `unknown notification type`), as a shutdown communication where the
    /// subcode calls for one.
    pub fn new(code: u8, subcode: u8) -> Notify {
        let text = subcode_name(code, subcode).unwrap_or("unknown notification type");
        Notify::with_text(code, subcode, text)
    }

    /// A NOTIFICATION carrying `text`; for Cease 2 and 4 it is prefixed with its
    /// length (RFC 9003 §2: at most 255 octets, so longer text is cut on a
    /// character boundary).
    pub fn with_text(code: u8, subcode: u8, text: &str) -> Notify {
        let mut data = Vec::with_capacity(text.len() + 1);
        if is_shutdown_communication(code, subcode) {
            let mut end = text.len().min(255);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            data.push(end as u8);
            data.extend_from_slice(&text.as_bytes()[..end]);
        } else {
            data.extend_from_slice(text.as_bytes());
        }
        Notify { code, subcode, data }
    }

    /// A NOTIFICATION with exactly these data bytes (RFC 4271 §6 often asks for
    /// the offending field to be echoed).
    pub fn with_data(code: u8, subcode: u8, data: &[u8]) -> Notify {
        Notify { code, subcode, data: data.to_vec() }
    }

    pub fn header(subcode: u8) -> Notify {
        Notify::new(code::MESSAGE_HEADER, subcode)
    }

    pub fn open(subcode: u8) -> Notify {
        Notify::new(code::OPEN_MESSAGE, subcode)
    }

    pub fn update(subcode: u8) -> Notify {
        Notify::new(code::UPDATE_MESSAGE, subcode)
    }

    pub fn cease(subcode: u8) -> Notify {
        Notify::new(code::CEASE, subcode)
    }
}

impl fmt::Display for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub = subcode_name(self.code, self.subcode).unwrap_or("unknow reason");
        write!(f, "{} / {}", code_name(self.code), sub)?;
        if !self.data.is_empty() {
            write!(f, " / {}", String::from_utf8_lossy(&self.data))?;
        }
        Ok(())
    }
}

impl std::error::Error for Notify {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_data_is_the_subcode_name() {
        let n = Notify::header(subcode::BAD_MESSAGE_LENGTH);
        assert_eq!(n.data, b"Bad Message Length");
    }

    #[test]
    fn administrative_reset_carries_a_length_prefixed_communication() {
        // api-teardown expects 0x14 "Administrative Reset".
        let n = Notify::cease(subcode::ADMINISTRATIVE_RESET);
        assert_eq!(n.data[0], 0x14);
        assert_eq!(&n.data[1..], b"Administrative Reset");
    }

    #[test]
    fn send_hold_timer_expired_has_a_name() {
        assert_eq!(code_name(code::SEND_HOLD_TIMER_EXPIRED), "Send Hold Timer Expired");
        let n = Notify::with_data(8, 0, &[]);
        assert_eq!(n.to_string(), "Send Hold Timer Expired / Unspecific");
    }

    #[test]
    fn long_shutdown_communication_is_cut_at_255_bytes() {
        let text = "é".repeat(200);
        let n = Notify::with_text(6, 2, &text);
        assert_eq!(n.data[0] as usize, n.data.len() - 1);
        assert!(n.data.len() - 1 <= 255);
        assert!(std::str::from_utf8(&n.data[1..]).is_ok());
    }
}
