//! `exabgp decode`: turn a hex BGP message (or NLRI) into ExaBGP's JSON.
//!
//! This module holds the command-line side: the options, the payload
//! clean-up and the detection of what the payload is. Decoding itself is a
//! seam ([`run`]) for the codec.

use std::path::PathBuf;
use std::process::ExitCode;

use std::net::{IpAddr, Ipv4Addr};

use crate::api::envelope::{self, NeighborId, Writer};
use crate::bgp::capability::KeyStyle;
use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::message::notification::Notification;
use crate::bgp::message::open::Open;
use crate::bgp::message::update::Update;
use crate::bgp::negotiated::{Direction, Negotiated};
use crate::bgp::nlri::Nlri;
use crate::environment::Environment;

/// What the user said the payload is (`-n`, `-u`, `-o`). As in ExaBGP only
/// `Nlri` changes the decoding; `Update` and `Open` are informational and
/// the message type is detected from the bytes ([`classify`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Open,
    Update,
    Nlri,
    Auto,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    pub kind: Kind,
    /// The families of the neighbor used for decoding (`-f`); empty means
    /// every family ExaBGP knows (`family { all; }`). Ignored when
    /// `configuration` is given.
    pub families: Vec<Family>,
    /// `-i`: the neighbor negotiated ADD-PATH send/receive.
    pub path_information: bool,
    /// `-c FILE`: decode with the neighbor(s) of this configuration.
    pub configuration: Option<PathBuf>,
    /// The payload bytes (colons and spaces removed, hex decoded).
    pub payload: Vec<u8>,
}

/// Decode and print; 0 when valid, else prints `invalid payload` and
/// returns 1.
pub fn run(options: DecodeOptions, env: Environment) -> ExitCode {
    if options.configuration.is_some() {
        // Needs the configuration's neighbors (issue 5): refuse rather than guess.
        eprintln!("exabgp: decode --configuration is not implemented yet");
        return ExitCode::from(1);
    }
    let neg = negotiated(&options);
    match render(&options, &neg, env.api.compact) {
        Some(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        None => {
            println!("invalid payload");
            ExitCode::from(1)
        }
    }
}

/// The session ExaBGP decodes against: its template neighbor 127.0.0.1,
/// AS 65533 on both sides, router-id 10.0.0.2, with the families asked for
/// (all by default) and ADD-PATH in both directions with `-i`.
pub fn negotiated(options: &DecodeOptions) -> Negotiated {
    let families = if options.families.is_empty() { every_family() } else { options.families.clone() };
    let addpath = if options.path_information { families.clone() } else { Vec::new() };
    Negotiated {
        local_as: DECODE_AS,
        peer_as: DECODE_AS,
        families,
        addpath_send: addpath.clone(),
        addpath_receive: addpath,
        ..Negotiated::default()
    }
}

const DECODE_AS: u32 = 65533;

fn every_family() -> Vec<Family> {
    let mut all = Vec::new();
    for (afi, safis) in [
        (Afi::IPV4, &[Safi::UNICAST, Safi::MULTICAST, Safi::NLRI_MPLS, Safi::MCAST_VPN, Safi::MPLS_VPN, Safi::FLOW, Safi::FLOW_VPN, Safi::MUP, Safi::RTC][..]),
        (Afi::IPV6, &[Safi::UNICAST, Safi::MULTICAST, Safi::NLRI_MPLS, Safi::MCAST_VPN, Safi::MPLS_VPN, Safi::FLOW, Safi::FLOW_VPN, Safi::MUP][..]),
        (Afi::L2VPN, &[Safi::VPLS, Safi::EVPN][..]),
        (Afi::BGP_LS, &[Safi::BGP_LS, Safi::BGP_LS_VPN][..]),
    ] {
        all.extend(safis.iter().map(|&safi| Family::new(afi, safi)));
    }
    all
}

/// The text `exabgp decode` prints for a valid payload (one JSON document per
/// line), `None` when the payload does not decode.
pub fn render(options: &DecodeOptions, neg: &Negotiated, compact: bool) -> Option<String> {
    let mut out = String::new();
    match classify(&options.payload, options.kind == Kind::Nlri) {
        Payload::Nlri(mut raw) => {
            // ExaBGP decodes NLRI in the neighbor's first family.
            let family = *neg.families.first()?;
            let addpath = neg.addpath(family, Direction::Out);
            let mut any = false;
            while !raw.is_empty() {
                let nlri = Nlri::unpack(family, &mut raw, addpath, neg).ok()?;
                nlri.json(&mut out);
                out.push('\n');
                any = true;
            }
            any.then_some(out)
        }
        Payload::Update(body) => {
            let update = Update::unpack(body, neg).ok()?;
            event(&mut out, "update", |o| {
                o.push_str("\"message\": ");
                update.json_with(compact, o);
            });
            Some(out)
        }
        Payload::Open(body) => {
            let open = Open::unpack(body).ok()?;
            event(&mut out, "open", |o| open.json(o, KeyStyle::Codes));
            Some(out)
        }
        Payload::Notification(body) => {
            let notification = Notification::unpack(body).ok()?;
            event(&mut out, "notification", |o| notification.json(o));
            Some(out)
        }
        Payload::Unknown(kind) => {
            println!("unknown type {kind}");
            None
        }
        Payload::Truncated => None,
    }
}

/// One event as ExaBGP's offline decoder writes it: counter 1, direction `in`.
fn event(out: &mut String, kind: &str, content: impl FnOnce(&mut String)) {
    let id = NeighborId {
        local_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        peer_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        local_as: DECODE_AS,
        peer_as: DECODE_AS,
    };
    Writer::current().begin(out, envelope::now(), Some(1), kind, None);
    envelope::neighbor(out, &id, Some(envelope::Direction::In), content);
    envelope::end(out);
    out.push('\n');
}

/// ExaBGP's test on the payload once spaces are removed: only hex digits
/// and colons.
pub fn is_bgp(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
}

/// The payload text with spaces (and surrounding white space) removed, as
/// ExaBGP checks it.
pub fn sanitize(payload: &str) -> String {
    payload.replace(' ', "").trim().to_string()
}

/// Hex to bytes, ignoring colons; an odd final digit is dropped, as ExaBGP
/// does. `None` if something else than hex digits remains.
pub fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| *b != b':').collect();
    digits
        .chunks_exact(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// Why the `-f` list was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FamilyError {
    /// An odd number of words: ExaBGP prints `families provided are invalid`.
    Odd,
    /// A name ExaBGP's configuration does not know.
    Unknown(String),
}

/// `-f "afi safi [afi safi ...]"`.
pub fn parse_families(text: &str) -> Result<Vec<Family>, FamilyError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() % 2 == 1 {
        return Err(FamilyError::Odd);
    }
    words
        .chunks_exact(2)
        .map(|pair| match pair {
            [afi, safi] => match (Afi::from_name(afi), Safi::from_name(safi)) {
                (Some(a), Some(s)) => Ok(Family::new(a, s)),
                _ => Err(FamilyError::Unknown(format!("{afi} {safi}"))),
            },
            _ => Err(FamilyError::Odd),
        })
        .collect()
}

/// The BGP marker (RFC 4271 §4.1).
const MARKER: [u8; 16] = [0xff; 16];
const HEADER_LEN: usize = 19;

/// What a decode payload turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// `-n`: NLRI only, in the first family of the neighbor.
    Nlri(&'a [u8]),
    /// A full OPEN message: the bytes after the 19-byte header.
    Open(&'a [u8]),
    /// An UPDATE: the body after the header (or the whole payload when
    /// there was no marker: ExaBGP then takes it as an UPDATE body).
    Update(&'a [u8]),
    /// A full NOTIFICATION message: the body after the header.
    Notification(&'a [u8]),
    /// A message with a marker but another type (ExaBGP prints
    /// `unknown type <n>` and fails).
    Unknown(u8),
    /// A marker but not even a whole header.
    Truncated,
}

/// How ExaBGP interprets the payload: with `-n` it is NLRI; with a marker
/// it is a message whose type byte decides; without one it is an UPDATE
/// body (starting at the withdrawn-routes length).
///
/// For UPDATE and NOTIFICATION the body stops at the header's length
/// (clamped to the data). ExaBGP computes that length as
/// `(raw[16] << 16) + raw[17]`, which overshoots for messages of 256 bytes
/// or more; we use the real RFC 4271 length. OPEN takes everything after
/// the header, as ExaBGP does.
pub fn classify(raw: &[u8], nlri_only: bool) -> Payload<'_> {
    if nlri_only {
        return Payload::Nlri(raw);
    }
    if !raw.starts_with(&MARKER) {
        return Payload::Update(raw);
    }
    let (Some(&hi), Some(&lo), Some(&kind)) = (raw.get(16), raw.get(17), raw.get(18)) else {
        return Payload::Truncated;
    };
    let declared = usize::from(u16::from_be_bytes([hi, lo]));
    let end = declared.clamp(HEADER_LEN, raw.len());
    let body = raw.get(HEADER_LEN..end).unwrap_or(&[]);
    match kind {
        1 => Payload::Open(raw.get(HEADER_LEN..).unwrap_or(&[])),
        2 => Payload::Update(body),
        3 => Payload::Notification(body),
        other => Payload::Unknown(other),
    }
}

/// Printed (on stdout) when the payload is not hex; ExaBGP then exits 1.
pub fn not_hex_help() -> String {
    let mut out = String::from("Environment values are:\n");
    let lines: Vec<String> = crate::environment::defaults_listing()
        .into_iter()
        .map(|l| format!(" - {l}"))
        .collect();
    out.push_str(&lines.join("\n"));
    out.push_str("\n\n");
    out.push_str("The BGP message must be an hexadecimal string.\n\n");
    out.push_str("All colons or spaces are ignored, for example:\n\n");
    out.push_str("  001E0200000007900F0003000101\n");
    out.push_str("  001E:02:0000:0007:900F:0003:0001:01\n");
    out.push_str("  FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E0200000007900F0003000101\n");
    out.push_str("  FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:0000:0007:900F:0003:0001:01\n");
    out.push_str("  FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 001E02 00000007900F0003000101\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(kind: Kind, families: Vec<Family>, hex: &str) -> DecodeOptions {
        DecodeOptions { kind, families, path_information: false, configuration: None, payload: hex_bytes(hex).unwrap() }
    }

    #[test]
    fn update_decodes_to_one_json_event() {
        // One IPv4 unicast route with ORIGIN, AS_PATH, NEXT_HOP, MED and LOCAL_PREF.
        let o = options(
            Kind::Update,
            vec![Family::IPV4_UNICAST],
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0038020000001C4001010040020040030465016501800404000000C8400504000000642001010101",
        );
        let text = render(&o, &negotiated(&o), false).unwrap();
        assert_eq!(text.matches('\n').count(), 1);
        assert!(text.contains(r#""counter": 1, "type": "update", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" }, "asn": { "local": 65533, "peer": 65533 } , "direction": "in", "message": { "update": "#), "{text}");
        assert!(text.contains(r#""announce": { "ipv4 unicast": { "101.1.101.1": [ { "nlri": "1.1.1.1/32" } ] } }"#), "{text}");
    }

    #[test]
    fn truncated_or_garbage_is_invalid() {
        for hex in ["FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0017", "0000FFFF01", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001D0104"] {
            let o = options(Kind::Auto, Vec::new(), hex);
            assert_eq!(render(&o, &negotiated(&o), false), None, "{hex}");
        }
    }

    #[test]
    fn nlri_only_uses_the_first_family() {
        let o = options(Kind::Nlri, vec![Family::IPV4_UNICAST], "180A0001");
        assert_eq!(render(&o, &negotiated(&o), false).as_deref(), Some("{ \"nlri\": \"10.0.1.0/24\" }\n"));
    }

    #[test]
    fn payload_text() {
        assert!(is_bgp("FFFF:0056:02:00ab"));
        assert!(is_bgp(""));
        assert!(!is_bgp("zz"));
        assert!(!is_bgp("00 11"));
        assert_eq!(sanitize(" 0000 0098 4001\n"), "000000984001");
        assert_eq!(
            hex_bytes("FFFF:0056:02"),
            Some(vec![0xff, 0xff, 0x00, 0x56, 0x02])
        );
        assert_eq!(hex_bytes("abc"), Some(vec![0xab]));
        assert_eq!(hex_bytes("0g"), None);
        assert_eq!(hex_bytes(""), Some(vec![]));
    }

    #[test]
    fn families() {
        assert_eq!(
            parse_families("ipv4 unicast"),
            Ok(vec![Family::IPV4_UNICAST])
        );
        assert_eq!(
            parse_families("ipv4 flow  l2vpn evpn"),
            Ok(vec![Family::IPV4_FLOW, Family::L2VPN_EVPN])
        );
        assert_eq!(parse_families("bgp-ls bgp-ls"), Ok(vec![Family::BGP_LS]));
        assert_eq!(parse_families("ipv4"), Err(FamilyError::Odd));
        assert_eq!(parse_families("ipv4 unicast ipv6"), Err(FamilyError::Odd));
        assert_eq!(
            parse_families("ipv5 unicast"),
            Err(FamilyError::Unknown("ipv5 unicast".into()))
        );
        assert_eq!(parse_families(""), Ok(vec![]));
    }

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut m = MARKER.to_vec();
        m.extend_from_slice(&((body.len() + 19) as u16).to_be_bytes());
        m.push(kind);
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn classify_forms() {
        let body = [0u8, 0, 0, 7, 0x90, 0x0f, 0, 3, 0, 1, 1];
        // full UPDATE with marker
        let m = message(2, &body);
        assert_eq!(classify(&m, false), Payload::Update(&body));
        // UPDATE body only
        assert_eq!(classify(&body, false), Payload::Update(&body));
        // NLRI only
        assert_eq!(classify(&body, true), Payload::Nlri(&body));
        // OPEN takes everything after the header
        let open = message(1, &[4, 0xff, 0xfd, 0, 0xb4]);
        assert_eq!(
            classify(&open, false),
            Payload::Open(&[4, 0xff, 0xfd, 0, 0xb4])
        );
        let notification = message(3, &[6, 2]);
        assert_eq!(
            classify(&notification, false),
            Payload::Notification(&[6, 2])
        );
        assert_eq!(classify(&message(4, &[]), false), Payload::Unknown(4));
        assert_eq!(classify(&MARKER, false), Payload::Truncated);
        assert_eq!(classify(&[0xff; 18], false), Payload::Truncated);
    }

    #[test]
    fn classify_uses_the_header_length() {
        let body = [0u8, 0, 0, 0];
        let mut m = message(2, &body);
        m.extend_from_slice(&[0xde, 0xad]); // trailing bytes after the message
        assert_eq!(classify(&m, false), Payload::Update(&body));
        // a length longer than the data is clamped
        let mut short = message(2, &body);
        short[17] = 0xff;
        assert_eq!(classify(&short, false), Payload::Update(&body));
        // a length below the header size gives an empty body
        let mut tiny = message(2, &body);
        tiny[17] = 3;
        assert_eq!(classify(&tiny, false), Payload::Update(&[]));
    }

    #[test]
    fn qa_decoding_samples() {
        // shapes taken from qa/decoding: marker with colons, body only
        let with_marker = sanitize("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000");
        let raw = hex_bytes(&with_marker).unwrap();
        assert_eq!(classify(&raw, false), Payload::Update(&[0, 0, 0, 0]));
        let body_only = sanitize("0000 0000");
        let raw = hex_bytes(&body_only).unwrap();
        assert_eq!(classify(&raw, false), Payload::Update(&[0, 0, 0, 0]));
    }

    #[test]
    fn help_text_lists_settings() {
        let text = not_hex_help();
        assert!(text.starts_with("Environment values are:\n - exabgp.api.ack "));
        assert!(
            text.ends_with("  FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 001E02 00000007900F0003000101\n")
        );
    }
}
