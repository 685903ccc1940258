//! The reactor's boundary with the wire codec: `OutMessage` to bytes and a
//! frame to the `Received` kind the FSM needs.
//!
//! STAGE TWO: this is a deliberately small local codec so that the reactor
//! can be tested alone. It writes OPENs without optional parameters and reads
//! only the fixed OPEN fields (no capabilities, so no 4-octet ASN). The lead
//! replaces `encode`/`decode` with `bgp::message` (OPEN with capabilities from
//! the neighbor, `Negotiated`, full UPDATE decoding) behind the same calls.

use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{subcode, Notify};

use super::connection::{Frame, HEADER_LEN};
use super::fsm::{OutMessage, Received};

/// RFC 4271 §4.1 message types.
pub const OPEN: u8 = 1;
pub const UPDATE: u8 = 2;
pub const NOTIFICATION: u8 = 3;
pub const KEEPALIVE: u8 = 4;
/// RFC 2918.
pub const ROUTE_REFRESH: u8 = 5;

/// RFC 6793 §9: AS_TRANS stands in for a 4-octet ASN in the 2-octet field.
const AS_TRANS: u16 = 23456;
/// RFC 4271 §4.2: version, my AS, hold time, BGP identifier, opt param len.
const OPEN_MIN_BODY: usize = 10;

/// Appends `message`, header included.
pub fn encode(message: &OutMessage, out: &mut BytesMut) {
    match message {
        OutMessage::Open { asn, hold_time, router_id } => {
            let start = header(OPEN, out);
            out.put_u8(4);
            out.put_u16(u16::try_from(*asn).unwrap_or(AS_TRANS));
            out.put_u16(*hold_time);
            out.put_slice(&router_id.octets());
            out.put_u8(0);
            set_length(out, start);
        }
        OutMessage::KeepAlive => {
            let start = header(KEEPALIVE, out);
            set_length(out, start);
        }
        OutMessage::Notification(notify) => encode_notification(notify, out),
    }
}

/// RFC 4271 §4.5. Data is cut so that the message fits 4096 octets.
pub fn encode_notification(notify: &Notify, out: &mut BytesMut) {
    let start = header(NOTIFICATION, out);
    out.put_u8(notify.code);
    out.put_u8(notify.subcode);
    let room = 4096 - HEADER_LEN - 2;
    out.put_slice(&notify.data[..notify.data.len().min(room)]);
    set_length(out, start);
}

fn header(kind: u8, out: &mut BytesMut) -> usize {
    let start = out.len();
    out.put_bytes(0xFF, 16);
    out.put_u16(0);
    out.put_u8(kind);
    start
}

fn set_length(out: &mut BytesMut, start: usize) {
    let len = (out.len() - start) as u16;
    out[start + 16..start + 18].copy_from_slice(&len.to_be_bytes());
}

/// The kind of a whole frame, or the NOTIFICATION its defects call for.
pub fn decode(frame: &Frame) -> Result<Received, Notify> {
    let body = frame.bytes.get(HEADER_LEN..).unwrap_or(&[]);
    match frame.kind {
        OPEN => {
            if body.len() < OPEN_MIN_BODY {
                return Err(Notify::header(subcode::BAD_MESSAGE_LENGTH));
            }
            if body[0] != 4 {
                // RFC 4271 §6.2: data is the largest version we support.
                return Err(Notify::with_data(2, subcode::UNSUPPORTED_VERSION_NUMBER, &[0, 4]));
            }
            Ok(Received::Open {
                asn: u32::from(u16::from_be_bytes([body[1], body[2]])),
                hold_time: u16::from_be_bytes([body[3], body[4]]),
                router_id: Ipv4Addr::new(body[5], body[6], body[7], body[8]),
            })
        }
        UPDATE => Ok(Received::Update),
        NOTIFICATION => match body {
            [code, subcode, ..] => Ok(Received::Notification { code: *code, subcode: *subcode }),
            _ => Err(Notify::header(subcode::BAD_MESSAGE_LENGTH)),
        },
        KEEPALIVE if body.is_empty() => Ok(Received::KeepAlive),
        KEEPALIVE => Err(Notify::with_data(
            1,
            subcode::BAD_MESSAGE_LENGTH,
            &((frame.bytes.len()) as u16).to_be_bytes(),
        )),
        ROUTE_REFRESH => Ok(Received::RouteRefresh),
        other => Err(Notify::with_data(1, subcode::BAD_MESSAGE_TYPE, &[other])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reactor::connection::split_frame;

    fn round_trip(message: &OutMessage) -> Result<Received, Notify> {
        let mut buf = BytesMut::new();
        encode(message, &mut buf);
        let frame = split_frame(&mut buf, 4096)?.expect("whole frame");
        assert!(buf.is_empty());
        decode(&frame)
    }

    #[test]
    fn open_round_trip() {
        let id = Ipv4Addr::new(1, 2, 3, 4);
        let got = round_trip(&OutMessage::Open { asn: 65001, hold_time: 90, router_id: id });
        assert_eq!(got, Ok(Received::Open { asn: 65001, hold_time: 90, router_id: id }));
    }

    #[test]
    fn open_with_four_octet_asn_sends_as_trans() {
        let id = Ipv4Addr::new(1, 2, 3, 4);
        let got = round_trip(&OutMessage::Open { asn: 4_200_000_000, hold_time: 0, router_id: id });
        assert_eq!(got, Ok(Received::Open { asn: 23456, hold_time: 0, router_id: id }));
    }

    #[test]
    fn keepalive_is_nineteen_bytes() {
        let mut buf = BytesMut::new();
        encode(&OutMessage::KeepAlive, &mut buf);
        assert_eq!(buf.len(), 19);
        assert_eq!(buf[18], KEEPALIVE);
        assert_eq!(round_trip(&OutMessage::KeepAlive), Ok(Received::KeepAlive));
    }

    #[test]
    fn notification_round_trip() {
        let n = Notify::cease(4);
        let got = round_trip(&OutMessage::Notification(n));
        assert_eq!(got, Ok(Received::Notification { code: 6, subcode: 4 }));
    }

    #[test]
    fn unknown_type_is_bad_message_type() {
        let frame = Frame { kind: 9, bytes: bytes::Bytes::from(vec![0xFF; 19]) };
        let err = decode(&frame).unwrap_err();
        assert_eq!((err.code, err.subcode, err.data), (1, 3, vec![9]));
    }

    #[test]
    fn short_open_is_rejected() {
        let mut m = vec![0xFF; 16];
        m.extend_from_slice(&[0, 21, OPEN, 4, 0]);
        let frame = Frame { kind: OPEN, bytes: bytes::Bytes::from(m) };
        assert!(decode(&frame).is_err());
    }
}
