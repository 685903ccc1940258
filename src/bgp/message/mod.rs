//! BGP messages (RFC 4271 §4) as one `Message` enum.
//!
//! `Message::unpack` takes a frame cut by `framing::split` (header already
//! checked) and returns the typed message or the NOTIFICATION to send;
//! `Message::pack` writes header and body, the length filled in last.
//!
//! Owner of this file and of open/notification/keepalive/refresh/operational:
//! the messages work (issue 4). `update.rs` belongs to the attributes work.

pub mod keepalive;
pub mod notification;
pub mod open;
pub mod operational;
pub mod refresh;
pub mod unknown;
pub mod update;

use bytes::{BufMut, Bytes, BytesMut};

use crate::bgp::framing::{self, TooLarge};
use crate::bgp::iana::MessageType;
use crate::bgp::negotiated::Negotiated;
use crate::bgp::notify::Notify;

pub use keepalive::KeepAlive;
pub use notification::Notification;
pub use open::Open;
pub use operational::Operational;
pub use refresh::RouteRefresh;
pub use unknown::undecodable;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Open(Open),
    /// The raw UPDATE body; the attributes work decodes it.
    Update(Bytes),
    Notification(Notification),
    KeepAlive,
    RouteRefresh(RouteRefresh),
    Operational(Operational),
    /// Only ever built to be sent (ExaBGP refuses unknown types it receives).
    Unknown { kind: u8, body: Bytes },
}

impl Message {
    pub fn kind(&self) -> MessageType {
        match self {
            Message::Open(_) => MessageType::OPEN,
            Message::Update(_) => MessageType::UPDATE,
            Message::Notification(_) => MessageType::NOTIFICATION,
            Message::KeepAlive => MessageType::KEEPALIVE,
            Message::RouteRefresh(_) => MessageType::ROUTE_REFRESH,
            Message::Operational(_) => MessageType::OPERATIONAL,
            Message::Unknown { kind, .. } => MessageType(*kind),
        }
    }

    /// Decode the body of a message whose header `framing` accepted.
    pub fn unpack(kind: MessageType, body: Bytes, _negotiated: &Negotiated) -> Result<Message, Notify> {
        Ok(match kind {
            MessageType::OPEN => Message::Open(Open::unpack(&body)?),
            MessageType::UPDATE => Message::Update(body),
            MessageType::NOTIFICATION => Message::Notification(Notification::unpack(&body)?),
            MessageType::KEEPALIVE => {
                KeepAlive::unpack(&body)?;
                Message::KeepAlive
            }
            MessageType::ROUTE_REFRESH => Message::RouteRefresh(RouteRefresh::unpack(&body)?),
            MessageType::OPERATIONAL => Message::Operational(Operational::unpack(&body)?),
            MessageType(other) => return Err(undecodable(other)),
        })
    }

    /// Append the whole message (header and body) to `out`. A message longer
    /// than `negotiated.msg_size` is not written and the error says so.
    pub fn pack(&self, negotiated: &Negotiated, out: &mut BytesMut) -> Result<(), TooLarge> {
        let at = framing::start(out, self.kind().0);
        match self {
            Message::Open(m) => m.pack_body(out),
            Message::Update(body) | Message::Unknown { body, .. } => out.put_slice(body),
            Message::Notification(m) => m.pack_body(out),
            Message::KeepAlive => {}
            Message::RouteRefresh(m) => m.pack_body(out),
            Message::Operational(m) => m.pack_body(out),
        }
        framing::finish(out, at, negotiated.msg_size)
    }
}

/// A NOTIFICATION we send, as wire bytes (RFC 4271 §4.5).
pub fn pack_notify(notify: &Notify, out: &mut BytesMut) {
    let at = framing::start(out, MessageType::NOTIFICATION.0);
    out.put_u8(notify.code);
    out.put_u8(notify.subcode);
    // The data is cut rather than lost: a NOTIFICATION must get out.
    let room = crate::bgp::negotiated::MSG_SIZE_STANDARD - framing::HEADER_LEN - 2;
    out.put_slice(&notify.data[..notify.data.len().min(room)]);
    let _ = framing::finish(out, at, crate::bgp::negotiated::MSG_SIZE_STANDARD);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::framing::split;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| *c != ':').collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// The non-UPDATE messages of qa/encoding/*.msg.
    const QA: &[&str] = &[
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:05:00010001",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:05:00010101",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:05:00010201",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002A:03:06041441646D696E697374726174697665205265736574",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0040:03:010063616E206E6F74206465636F646520757064617465206D657373616765206F662074797065202232353522",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0045:01:04FFFD00B40A000002280206010400010001020641040000FFFD02164B14134578614247502F352E302E302D302B74657374",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0051:01:04FFFD00B40A000002340206010400010001020641040000FFFD022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0013:04:",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
        // qa/decoding/bgp-open-sofware-version
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00510104FFFD00B40A000002340206010400010001020641040000FFFD02224B201F4578614247502F6D61696E2D633261326561386562642D3230323430373135",
    ];

    fn decode(bytes: &[u8]) -> Message {
        let mut rx = BytesMut::from(bytes);
        let frame = split(&mut rx, 4096).unwrap().unwrap();
        assert!(rx.is_empty());
        Message::unpack(frame.kind, frame.body, &Negotiated::default()).unwrap()
    }

    #[test]
    fn qa_messages_round_trip() {
        for m in QA {
            let bytes = hex(m);
            let msg = decode(&bytes);
            let mut out = BytesMut::new();
            msg.pack(&Negotiated::default(), &mut out).unwrap();
            assert_eq!(&out[..], &bytes[..], "{m}");
        }
    }

    #[test]
    fn decoding_file_open_json() {
        let msg = decode(&hex(QA[9]));
        let Message::Open(open) = msg else { panic!("not an open") };
        let mut s = String::new();
        open.json(&mut s, crate::bgp::capability::KeyStyle::Codes);
        // Exactly as in qa/decoding/bgp-open-sofware-version.
        assert_eq!(
            s,
            r#""open": { "version": 4, "asn": 65533, "hold_time": 180, "router_id": "10.0.0.2", "capabilities": { "1": { "name": "multiprotocol", "families": [ "ipv4/unicast" ] }, "65": { "name": "asn4", "asn4": 65533 }, "75": { "software": "ExaBGP/main-c2a2ea8ebd-20240715" } } }"#
        );
    }

    #[test]
    fn unknown_types_are_refused_with_1_0() {
        for kind in [0u8, 7, 255] {
            let e = Message::unpack(MessageType(kind), Bytes::new(), &Negotiated::default()).unwrap_err();
            assert_eq!((e.code, e.subcode), (1, 0));
            assert_eq!(e.data, format!("can not decode update message of type \"{kind}\"").into_bytes());
        }
    }

    #[test]
    fn notify_is_packed_like_the_api_teardown_test() {
        let mut out = BytesMut::new();
        pack_notify(&Notify::cease(4), &mut out);
        assert_eq!(&out[..], &hex(QA[3])[..]);
        out.clear();
        pack_notify(&undecodable(255), &mut out);
        assert_eq!(&out[..], &hex(QA[4])[..]);
    }

    #[test]
    fn unknown_message_can_be_sent() {
        let mut out = BytesMut::new();
        Message::Unknown { kind: 255, body: Bytes::new() }.pack(&Negotiated::default(), &mut out).unwrap();
        assert_eq!(&out[..], &hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0013:FF")[..]);
    }

    #[test]
    fn oversized_updates_are_refused() {
        let mut out = BytesMut::new();
        let big = Message::Update(Bytes::from(vec![0u8; 5000]));
        assert!(big.pack(&Negotiated::default(), &mut out).is_err());
        assert!(out.is_empty());
        let n = Negotiated { msg_size: 65535, ..Negotiated::default() };
        assert!(big.pack(&n, &mut out).is_ok());
    }

    /// xorshift64*: deterministic, no extra crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Feed the bytes through framing and decoding; nothing may panic.
    fn exercise(bytes: &[u8], neg: &Negotiated) {
        let mut rx = BytesMut::from(bytes);
        while let Ok(Some(frame)) = split(&mut rx, neg.msg_size) {
            if let Ok(msg) = Message::unpack(frame.kind, frame.body.clone(), neg) {
                let mut out = BytesMut::new();
                let _ = msg.pack(neg, &mut out);
                let mut s = String::new();
                match &msg {
                    Message::Open(o) => {
                        o.json(&mut s, crate::bgp::capability::KeyStyle::Codes);
                        o.text(&mut s);
                        let _ = crate::bgp::capability::negotiate(
                            o,
                            o,
                            &crate::bgp::capability::Expect {
                                peer_as: None,
                                local_as: 1,
                                router_id: std::net::Ipv4Addr::new(9, 9, 9, 9),
                                aigp: false,
                            },
                        );
                    }
                    Message::Notification(n) => {
                        n.json(&mut s);
                        n.text(&mut s);
                    }
                    Message::RouteRefresh(r) => r.json(&mut s),
                    Message::Operational(o) => {
                        o.json(&mut s);
                        o.text(&mut s);
                    }
                    _ => {}
                }
            }
        }
        // Bodies straight to the decoders, without the framing's length checks.
        for kind in 0..=7u8 {
            let _ = Message::unpack(MessageType(kind), Bytes::copy_from_slice(bytes), neg);
        }
    }

    #[test]
    fn random_and_mutated_input_never_panics() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let neg = Negotiated::default();
        let seeds: Vec<Vec<u8>> = QA.iter().map(|m| hex(m)).collect();
        for _ in 0..10_000 {
            // Mutate a real message: flip, insert, delete, or rewrite the length.
            let mut m = seeds[rng.below(seeds.len())].clone();
            for _ in 0..1 + rng.below(4) {
                match rng.below(4) {
                    0 if !m.is_empty() => {
                        let i = rng.below(m.len());
                        m[i] = rng.next() as u8;
                    }
                    1 => {
                        let i = rng.below(m.len() + 1);
                        m.insert(i, rng.next() as u8);
                    }
                    2 if m.len() > 19 => {
                        let i = 19 + rng.below(m.len() - 19);
                        m.remove(i);
                    }
                    _ if m.len() >= 19 => {
                        // Keep the header consistent so the body decoders run.
                        let len = m.len() as u16;
                        m[16..18].copy_from_slice(&len.to_be_bytes());
                    }
                    _ => {}
                }
            }
            exercise(&m, &neg);
            // Pure noise behind a valid header.
            let n = rng.below(80);
            let mut noise = vec![0xFF; 16];
            noise.extend_from_slice(&((19 + n) as u16).to_be_bytes());
            noise.push(1 + rng.below(6) as u8);
            noise.extend((0..n).map(|_| rng.next() as u8));
            exercise(&noise, &neg);
        }
    }

    /// NOTIFICATION, ROUTE-REFRESH and OPERATIONAL bodies decoded by the
    /// reference implementation (testdata/misc-reference.txt).
    #[test]
    fn agrees_with_the_reference_on_generated_bodies() {
        let corpus = include_str!("testdata/misc-reference.txt");
        let mut checked = 0;
        for line in corpus.lines() {
            let f: Vec<&str> = line.split('|').collect();
            let body = hex(f[1]);
            match f[0] {
                "N" => {
                    let n = Notification::unpack(&body).unwrap();
                    assert_eq!(n.data, hex(f[2]), "{line}");
                }
                "R" => match RouteRefresh::unpack(&body) {
                    Ok(r) => {
                        assert_eq!(f[2], "ok", "{line}");
                        assert_eq!(
                            (r.afi.to_string(), r.safi.to_string(), r.subtype_name()),
                            (f[3].to_string(), f[4].to_string(), f[5]),
                            "{line}"
                        );
                    }
                    Err(e) => {
                        assert_eq!(f[2], "err", "{line}");
                        assert_eq!((e.code.to_string(), e.subcode.to_string()), (f[3].to_string(), f[4].to_string()));
                        assert_eq!(e.data, hex(f[5]), "{line}");
                    }
                },
                _ => {
                    let got = Operational::unpack(&Bytes::from(body));
                    match f[2] {
                        "exc" => assert_eq!(got.map_err(|e| (e.code, e.subcode)), Err((1, 0)), "{line}"),
                        "none" => assert!(matches!(got, Ok(Operational::Unknown { .. })), "{line}"),
                        _ => {
                            let o = got.unwrap();
                            let fam = o.family().unwrap();
                            assert_eq!(
                                (o.category(), o.name(), fam.afi.to_string(), fam.safi.to_string()),
                                (f[3], f[4], f[5].to_string(), f[6].to_string()),
                                "{line}"
                            );
                            let extra = match &o {
                                Operational::Advisory { text, .. } => {
                                    let mut s = String::new();
                                    crate::json::hex_upper(&mut s, text);
                                    s
                                }
                                Operational::Query { router_id, sequence, .. } => format!("{router_id} {sequence}"),
                                Operational::Counter { router_id, sequence, counter, .. } => {
                                    format!("{router_id} {sequence} {counter}")
                                }
                                Operational::Unknown { .. } => String::new(),
                            };
                            assert_eq!(extra, f[7], "{line}");
                        }
                    }
                }
            }
            checked += 1;
        }
        assert_eq!(checked, 800);
    }
}
