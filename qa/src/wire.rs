//! The few BGP messages the test peer builds itself, plus framing and hex display.
//! (RFC 4271 section 4: 16-byte marker, 2-byte length, 1-byte type.)

use std::fmt::Write as _;

pub const HEADER_LEN: usize = 19;
pub const MAX_LEN: usize = 65535;

pub const OPEN: u8 = 1;
pub const UPDATE: u8 = 2;
pub const NOTIFICATION: u8 = 3;
pub const KEEPALIVE: u8 = 4;
pub const ROUTE_REFRESH: u8 = 5;

fn with_header(kind: u8, body: &[u8]) -> Vec<u8> {
    let len = HEADER_LEN + body.len();
    let mut out = vec![0xff; 16];
    out.extend_from_slice(&(len.min(MAX_LEN) as u16).to_be_bytes());
    out.push(kind);
    out.extend_from_slice(body);
    out
}

pub fn keepalive() -> Vec<u8> {
    with_header(KEEPALIVE, &[])
}

/// A message of type 255, which no RFC defines (for `send-unknown-message`).
pub fn unknown_message() -> Vec<u8> {
    with_header(255, &[])
}

/// NOTIFICATION Cease (6), subcode 0, with free text as data.
pub fn cease(text: &str) -> Vec<u8> {
    let mut body = vec![6, 0];
    body.extend_from_slice(text.as_bytes());
    with_header(NOTIFICATION, &body)
}

/// UPDATE announcing 0.0.0.0/32: ORIGIN IGP, empty AS_PATH, NEXT_HOP 127.0.0.1, LOCAL_PREF 100.
pub fn default_route() -> Vec<u8> {
    let attributes: [u8; 21] = [
        0x40, 0x01, 0x01, 0x00, // ORIGIN IGP
        0x40, 0x02, 0x00, // AS_PATH empty
        0x40, 0x03, 0x04, 127, 0, 0, 1, // NEXT_HOP
        0x40, 0x05, 0x04, 0, 0, 0, 100, // LOCAL_PREF
    ];
    let mut body = vec![0, 0, 0, attributes.len() as u8];
    body.extend_from_slice(&attributes);
    body.extend_from_slice(&[32, 0, 0, 0, 0]);
    with_header(UPDATE, &body)
}

/// Message type of a framed message.
pub fn kind(message: &[u8]) -> u8 {
    message.get(18).copied().unwrap_or(0)
}

/// An End-of-RIB as the reference peer recognises it: an UPDATE whose body is 4
/// bytes (IPv4 unicast, RFC 4724 section 2) or 11 bytes (empty MP_UNREACH).
pub fn is_eor(message: &[u8]) -> bool {
    kind(message) == UPDATE && matches!(message.len().saturating_sub(HEADER_LEN), 4 | 11)
}

/// The OPEN the peer answers with, derived from the daemon's own OPEN so both sides
/// agree on AS, hold time and capabilities.
///
/// * no `asn`: identical but for the lowest router-id byte, plus one.
/// * `asn`: My-AS set to it, and the AS4 capability value too when it is the first
///   capability of an optional parameter (RFC 6793); router-id unchanged.
/// * `unknown_capability`: append parameter 2 holding capability 66 "loremipsum".
pub fn open_reply(
    open: &[u8],
    asn: Option<u16>,
    unknown_capability: bool,
) -> Result<Vec<u8>, String> {
    // header + version, AS, hold time, router id, optional-parameters length
    if open.len() < HEADER_LEN + 10 || kind(open) != OPEN {
        return Err(format!("first message is not an OPEN: {}", pretty_hex(open)));
    }
    let mut out = open.to_vec();
    let body = HEADER_LEN;
    match asn {
        None => out[body + 8] = out[body + 8].wrapping_add(1),
        Some(asn) => {
            out[body + 1..body + 3].copy_from_slice(&asn.to_be_bytes());
            let mut offset = body + 10;
            while let (Some(&kind), Some(&len)) = (out.get(offset), out.get(offset + 1)) {
                if kind == 2 && out.get(offset + 2) == Some(&65) {
                    if let Some(value) = out.get_mut(offset + 4..offset + 8) {
                        value.copy_from_slice(&u32::from(asn).to_be_bytes());
                    }
                    break;
                }
                offset += 2 + usize::from(len);
            }
        }
    }
    if unknown_capability {
        let value = b"loremipsum";
        let mut parameter = vec![2, (2 + value.len()) as u8, 66, value.len() as u8];
        parameter.extend_from_slice(value);
        let length = out.len() + parameter.len();
        let optional = usize::from(out[body + 9]) + parameter.len();
        if length > MAX_LEN || optional > 255 {
            return Err("OPEN too large to add a capability".to_string());
        }
        out[16..18].copy_from_slice(&(length as u16).to_be_bytes());
        out[body + 9] = optional as u8;
        out.extend_from_slice(&parameter);
    }
    Ok(out)
}

/// Upper-case hex with no separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// `MARKER:LENGTH:TYPE:BODY`, the layout used by the `.msg` files.
pub fn pretty_hex(message: &[u8]) -> String {
    if message.len() < HEADER_LEN {
        return hex(message);
    }
    format!(
        "{}:{}:{}:{}",
        hex(&message[..16]),
        hex(&message[16..18]),
        hex(&message[18..19]),
        hex(&message[19..])
    )
}

/// Splits a byte stream into BGP messages whatever the TCP segmentation.
#[derive(Default)]
pub struct Framer {
    buffer: Vec<u8>,
}

impl Framer {
    pub fn push(&mut self, data: &[u8]) {
        self.buffer.extend_from_slice(data);
    }

    /// The next complete message, `Ok(None)` when more bytes are needed, or an error
    /// for a length field outside 19..=65535 (RFC 4271 section 4.1).
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, String> {
        let Some(field) = self.buffer.get(16..18) else { return Ok(None) };
        let length = usize::from(u16::from_be_bytes([field[0], field[1]]));
        if length < HEADER_LEN {
            return Err(format!("invalid message length {length}: {}", hex(&self.buffer[..18])));
        }
        if self.buffer.len() < length {
            return Ok(None);
        }
        let rest = self.buffer.split_off(length);
        Ok(Some(std::mem::replace(&mut self.buffer, rest)))
    }

    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::decode_hex;

    #[test]
    fn default_route_matches_the_documented_bytes() {
        let documented = [
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
            "0031",
            "02",
            "0000",
            "0015",
            "40010100",
            "400200",
            "4003047F000001",
            "40050400000064",
            "2000000000",
        ];
        assert_eq!(hex(&default_route()), documented.concat());
    }

    #[test]
    fn simple_messages() {
        assert_eq!(hex(&keepalive()), "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304");
        assert_eq!(hex(&unknown_message()), "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0013FF");
        assert_eq!(hex(&cease("ab")), "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170306006162");
        assert!(is_eor(&decode_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000").unwrap()));
        assert!(!is_eor(&keepalive()));
        assert!(!is_eor(&default_route()));
    }

    // OPEN AS 65533, hold 180, router-id 10.0.0.2, capabilities each in its own parameter:
    // multiprotocol ipv4/unicast, then AS4 65533.
    const OPEN_HEX: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002D0104FFFD00B40A00000210\
                            02060104000100010206410400 00FFFD";

    fn open() -> Vec<u8> {
        decode_hex(&OPEN_HEX.replace(' ', "")).unwrap()
    }

    #[test]
    fn open_reply_increments_router_id() {
        let reply = open_reply(&open(), None, false).unwrap();
        let mut expected = open();
        expected[19 + 8] = 3;
        assert_eq!(reply, expected);
        let mut wrap = open();
        wrap[19 + 8] = 255;
        assert_eq!(open_reply(&wrap, None, false).unwrap()[19 + 8], 0);
    }

    #[test]
    fn open_reply_with_asn() {
        let reply = open_reply(&open(), Some(65000), false).unwrap();
        assert_eq!(&reply[20..22], &65000u16.to_be_bytes());
        assert_eq!(reply[19 + 8], 2, "router id unchanged");
        assert_eq!(&reply[reply.len() - 4..], &65000u32.to_be_bytes());
        assert_eq!(reply.len(), open().len());
    }

    #[test]
    fn open_reply_with_unknown_capability() {
        let reply = open_reply(&open(), None, true).unwrap();
        assert_eq!(reply.len(), open().len() + 14);
        assert_eq!(u16::from_be_bytes([reply[16], reply[17]]) as usize, reply.len());
        assert_eq!(reply[28], 0x10 + 14);
        assert_eq!(&reply[reply.len() - 14..reply.len() - 10], &[2, 12, 66, 10]);
        assert_eq!(&reply[reply.len() - 10..], b"loremipsum");
    }

    #[test]
    fn open_reply_rejects_non_open_and_truncated() {
        assert!(open_reply(&keepalive(), None, false).is_err());
        assert!(open_reply(&open()[..25], None, false).is_err());
        // A capability parameter claiming more bytes than present must not panic.
        let mut bad = open();
        bad.truncate(bad.len() - 3);
        let _ = open_reply(&bad, Some(1), true);
    }

    #[test]
    fn framer_handles_split_and_joined_segments() {
        let mut stream = keepalive();
        stream.extend(default_route());
        stream.extend(keepalive());
        for chunk in [1usize, 2, 7, 19, 64] {
            let mut framer = Framer::default();
            let mut got = Vec::new();
            for piece in stream.chunks(chunk) {
                framer.push(piece);
                while let Some(m) = framer.next_message().unwrap() {
                    got.push(m);
                }
            }
            assert_eq!(got, vec![keepalive(), default_route(), keepalive()], "chunk {chunk}");
            assert_eq!(framer.pending(), 0);
        }
        let mut framer = Framer::default();
        framer.push(&decode_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001204").unwrap());
        assert!(framer.next_message().is_err());
    }
}
