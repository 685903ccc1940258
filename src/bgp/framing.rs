//! The 19-byte message header (RFC 4271 §4.1) and cutting a byte stream into
//! whole messages.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +                           Marker (16 x 0xFF)                  +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Length               |      Type     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The header is checked as soon as its 19 bytes are in, before waiting for the
//! body, so a bogus length is refused at once (RFC 4271 §6.1). Like ExaBGP, the
//! NOTIFICATION data is a sentence naming the problem, not the raw field.

use bytes::{BufMut, Bytes, BytesMut};

use super::iana::MessageType;
use super::notify::{code, subcode, Notify};

pub const MARKER: [u8; 16] = [0xFF; 16];
pub const HEADER_LEN: usize = 19;

/// One whole message cut from the stream; `header` and `body` share one buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: MessageType,
    /// The 19 header bytes, for the API's `header` field.
    pub header: Bytes,
    pub body: Bytes,
}

/// An encoded message would be longer than the peer accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    pub len: usize,
    pub max: usize,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "message of {} bytes exceeds the maximum of {}", self.len, self.max)
    }
}

impl std::error::Error for TooLarge {}

/// ExaBGP's upper-case name of a message type, as used in its error sentences.
pub fn type_name(kind: u8) -> String {
    match kind {
        0 => "NOP".into(),
        1 => "OPEN".into(),
        2 => "UPDATE".into(),
        3 => "NOTIFICATION".into(),
        4 => "KEEPALIVE".into(),
        5 => "ROUTE_REFRESH".into(),
        6 => "OPERATIONAL".into(),
        n => format!("unknown message {n:#x}"),
    }
}

/// ExaBGP's short name (`open`, `update`, `refresh`, …): the API's `type` and
/// statistics keys.
pub fn short_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        0 => "nop",
        1 => "open",
        2 => "update",
        3 => "notification",
        4 => "keepalive",
        5 => "refresh",
        6 => "operational",
        _ => return None,
    })
}

/// Whether `len` (header included) is acceptable for this message type
/// (RFC 4271 §4.2-4.5, RFC 2918 §3); other types only need a whole header.
pub fn length_ok(kind: u8, len: usize) -> bool {
    match MessageType(kind) {
        MessageType::OPEN => len >= 29,
        MessageType::UPDATE => len >= 23,
        MessageType::NOTIFICATION => len >= 21,
        MessageType::KEEPALIVE => len == HEADER_LEN,
        MessageType::ROUTE_REFRESH => len == 23,
        _ => len >= HEADER_LEN,
    }
}

/// RFC 4271 §6.1: Bad Message Length, with ExaBGP's sentence as data.
pub fn bad_length(kind: u8, len: usize) -> Notify {
    let text = format!("{} has an invalid message length of {}", type_name(kind), len);
    Notify::with_text(code::MESSAGE_HEADER, subcode::BAD_MESSAGE_LENGTH, &text)
}

/// Check a 19-byte header; returns (type, total length).
///
/// `msg_size` is 4096, or 65535 once extended messages are agreed (RFC 8654 §4;
/// like ExaBGP the bigger size then applies to every type).
pub fn unpack_header(header: &[u8], msg_size: usize) -> Result<(u8, usize), Notify> {
    if header.len() < HEADER_LEN {
        return Err(bad_length(0, header.len()));
    }
    if header[..16] != MARKER {
        return Err(Notify::with_text(
            code::MESSAGE_HEADER,
            subcode::CONNECTION_NOT_SYNCHRONIZED,
            "The packet received does not contain a BGP marker",
        ));
    }
    let len = u16::from_be_bytes([header[16], header[17]]) as usize;
    let kind = header[18];
    if len < HEADER_LEN || len > msg_size || !length_ok(kind, len) {
        return Err(bad_length(kind, len));
    }
    Ok((kind, len))
}

/// Cut the next whole message off the front of `rx`.
///
/// `Ok(None)` until a whole message is buffered. On error the buffer is left
/// as is: the session is going down anyway.
pub fn split(rx: &mut BytesMut, msg_size: usize) -> Result<Option<Frame>, Notify> {
    if rx.len() < HEADER_LEN {
        return Ok(None);
    }
    let (kind, len) = unpack_header(&rx[..HEADER_LEN], msg_size)?;
    if rx.len() < len {
        return Ok(None);
    }
    let mut whole = rx.split_to(len).freeze();
    let header = whole.split_to(HEADER_LEN);
    Ok(Some(Frame { kind: MessageType(kind), header, body: whole }))
}

/// Write a header with a zero length; `finish` fills the length in.
/// Returns the offset of the message start.
pub fn start(out: &mut BytesMut, kind: u8) -> usize {
    let at = out.len();
    out.put_slice(&MARKER);
    out.put_u16(0);
    out.put_u8(kind);
    at
}

/// Fill in the length of the message that began at `at`. If it is longer than
/// `max`, it is removed from `out` again and the error says by how much.
pub fn finish(out: &mut BytesMut, at: usize, max: usize) -> Result<(), TooLarge> {
    let len = out.len() - at;
    if len > max || len > u16::MAX as usize {
        out.truncate(at);
        return Err(TooLarge { len, max });
    }
    out[at + 16..at + 18].copy_from_slice(&(len as u16).to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(len: u16, kind: u8) -> Vec<u8> {
        let mut v = MARKER.to_vec();
        v.extend_from_slice(&len.to_be_bytes());
        v.push(kind);
        v
    }

    #[test]
    fn waits_for_a_whole_message_then_splits_without_copy() {
        let mut rx = BytesMut::new();
        rx.extend_from_slice(&header(23, 2)[..10]);
        assert_eq!(split(&mut rx, 4096), Ok(None));
        rx.extend_from_slice(&header(23, 2)[10..]);
        rx.extend_from_slice(&[0, 0]);
        assert_eq!(split(&mut rx, 4096), Ok(None));
        rx.extend_from_slice(&[0, 0]);
        rx.extend_from_slice(&header(19, 4));
        let f = split(&mut rx, 4096).unwrap().unwrap();
        assert_eq!(f.kind, MessageType::UPDATE);
        assert_eq!(&f.body[..], &[0, 0, 0, 0]);
        assert_eq!(f.header.len(), 19);
        let k = split(&mut rx, 4096).unwrap().unwrap();
        assert_eq!(k.kind, MessageType::KEEPALIVE);
        assert!(k.body.is_empty());
        assert!(rx.is_empty());
    }

    #[test]
    fn bad_marker_is_1_1() {
        let mut h = header(19, 4);
        h[3] = 0;
        let e = unpack_header(&h, 4096).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 1));
        assert_eq!(e.data, b"The packet received does not contain a BGP marker");
    }

    #[test]
    fn bad_lengths_are_1_2_with_exabgp_sentence() {
        let e = unpack_header(&header(18, 4), 4096).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 2));
        assert_eq!(e.data, b"KEEPALIVE has an invalid message length of 18");
        let e = unpack_header(&header(20, 4), 4096).unwrap_err();
        assert_eq!(e.data, b"KEEPALIVE has an invalid message length of 20");
        let e = unpack_header(&header(28, 1), 4096).unwrap_err();
        assert_eq!(e.data, b"OPEN has an invalid message length of 28");
        let e = unpack_header(&header(22, 2), 4096).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 2));
        let e = unpack_header(&header(20, 3), 4096).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 2));
        let e = unpack_header(&header(24, 5), 4096).unwrap_err();
        assert_eq!(e.data, b"ROUTE_REFRESH has an invalid message length of 24");
        let e = unpack_header(&header(4097, 2), 4096).unwrap_err();
        assert_eq!(e.data, b"UPDATE has an invalid message length of 4097");
        assert!(unpack_header(&header(4097, 2), 65535).is_ok());
        let e = unpack_header(&header(5, 255), 4096).unwrap_err();
        assert_eq!(e.data, b"unknown message 0xff has an invalid message length of 5");
    }

    #[test]
    fn unknown_types_pass_the_header_check() {
        // ExaBGP refuses them later, after reading the body (message::unpack).
        assert_eq!(unpack_header(&header(19, 255), 4096), Ok((255, 19)));
    }

    #[test]
    fn oversized_header_error_is_raised_before_the_body_arrives() {
        let mut rx = BytesMut::from(&header(5000, 2)[..]);
        assert!(split(&mut rx, 4096).is_err());
    }

    #[test]
    fn start_and_finish_fill_the_length() {
        let mut out = BytesMut::new();
        let at = start(&mut out, 4);
        finish(&mut out, at, 4096).unwrap();
        assert_eq!(&out[..], &header(19, 4)[..]);
        let at = start(&mut out, 2);
        out.put_slice(&[0u8; 5000]);
        assert_eq!(finish(&mut out, at, 4096), Err(TooLarge { len: 5019, max: 4096 }));
        assert_eq!(out.len(), 19);
    }
}
