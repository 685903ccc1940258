//! The checks behind the cargo-fuzz targets, and the seed extraction.
//!
//! Each target (`fuzz_targets/*.rs`) is a one-line call into this library so
//! that the same checks also run on stable, without libFuzzer: `cargo test`
//! in this crate replays the qa/ messages and any corpus or regression file
//! through them (`tests/replay.rs`).
//!
//! Every check follows the same rule: decoding peer bytes may fail but never
//! panic, and whatever decodes must encode and decode back to an equal value
//! (the bytes may differ: non-canonical input is normalised on the way).

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use bytes::{Bytes, BytesMut};

use exabgp::bgp::capability::{negotiate, Capabilities, Capability, Expect, HostName, KeyStyle};
use exabgp::bgp::framing;
use exabgp::bgp::iana::{Afi, Family, Safi};
use exabgp::bgp::message::{Message, Open};
use exabgp::bgp::negotiated::{Negotiated, MSG_SIZE_EXTENDED, MSG_SIZE_STANDARD};
use exabgp::bgp::nlri::Nlri;

/// The families the `nlri` target picks from (index = first byte & 0x7f,
/// modulo the length). The last two have no decoder: they take the raw path.
pub const FAMILIES: &[Family] = &[
    Family::IPV4_UNICAST,
    Family::IPV4_MULTICAST,
    Family::IPV4_NLRI_MPLS,
    Family::IPV4_MPLS_VPN,
    Family::IPV4_FLOW,
    Family::IPV4_FLOW_VPN,
    Family::IPV4_MCAST_VPN,
    Family::IPV4_MUP,
    Family::IPV4_RTC,
    Family::IPV6_UNICAST,
    Family::IPV6_MULTICAST,
    Family::IPV6_NLRI_MPLS,
    Family::IPV6_MPLS_VPN,
    Family::IPV6_FLOW,
    Family::IPV6_FLOW_VPN,
    Family::IPV6_MCAST_VPN,
    Family::IPV6_MUP,
    Family::L2VPN_VPLS,
    Family::L2VPN_EVPN,
    Family::BGP_LS,
    Family::BGP_LS_VPN,
    Family::new(Afi::IPV4, Safi(255)),
    Family::new(Afi::L2VPN, Safi::UNICAST),
];

/// Selector bits of the `message` target's first byte.
pub const SEL_ASN4: u8 = 0x01;
pub const SEL_EXTENDED: u8 = 0x02;
pub const SEL_ADDPATH_RECEIVE: u8 = 0x04;
pub const SEL_ADDPATH_SEND: u8 = 0x08;

/// Selector bit of the `nlri` target's first byte: decode with ADD-PATH.
pub const SEL_NLRI_ADDPATH: u8 = 0x80;

/// The session state the `message` target decodes with, from its first byte.
pub fn negotiated(sel: u8) -> Negotiated {
    let all = FAMILIES.to_vec();
    Negotiated {
        asn4: sel & SEL_ASN4 != 0,
        msg_size: if sel & SEL_EXTENDED != 0 { MSG_SIZE_EXTENDED } else { MSG_SIZE_STANDARD },
        families: all.clone(),
        addpath_receive: if sel & SEL_ADDPATH_RECEIVE != 0 { all.clone() } else { Vec::new() },
        addpath_send: if sel & SEL_ADDPATH_SEND != 0 { all } else { Vec::new() },
        ..Negotiated::default()
    }
}

/// The `nlri` target's family and ADD-PATH flag, from its first byte.
pub fn nlri_selector(sel: u8) -> (Family, bool) {
    let family = FAMILIES[(sel & !SEL_NLRI_ADDPATH) as usize % FAMILIES.len()];
    (family, sel & SEL_NLRI_ADDPATH != 0)
}

/// The first byte that selects `family` in the `nlri` target, if listed.
pub fn nlri_selector_for(family: Family, addpath: bool) -> Option<u8> {
    let index = FAMILIES.iter().position(|f| *f == family)? as u8;
    Some(if addpath { index | SEL_NLRI_ADDPATH } else { index })
}

/// Target `message`: byte 0 chooses the `Negotiated` (see the `SEL_*`
/// bits), the rest is a TCP stream cut by `framing::split`; each frame is
/// decoded, rendered (JSON and text) and round-tripped through `pack`.
pub fn message(data: &[u8]) {
    let Some((&sel, stream)) = data.split_first() else { return };
    let neg = negotiated(sel);
    let mut rx = BytesMut::from(stream);
    while let Ok(Some(frame)) = framing::split(&mut rx, neg.msg_size) {
        let Ok(msg) = Message::unpack(frame.kind, frame.body.clone(), &neg) else { continue };
        render_message(&msg);
        let mut out = BytesMut::new();
        if msg.pack(&neg, &mut out).is_err() {
            // Too large once re-encoded: refused, not written.
            assert!(out.is_empty(), "a refused message left bytes behind");
            continue;
        }
        let again = match framing::split(&mut out, neg.msg_size) {
            Ok(Some(f)) => f,
            other => panic!("re-packed {msg:?} not accepted by framing: {other:?}"),
        };
        assert!(out.is_empty(), "re-packed {msg:?} longer than its header says");
        let back = match Message::unpack(again.kind, again.body.clone(), &neg) {
            Ok(back) => back,
            Err(e) => panic!("re-packed {msg:?} does not decode: {e:?}"),
        };
        if let Message::Open(_) = msg {
            // OPENs leave out empty-valued capabilities like ExaBGP
            // (`capability::SEND_EMPTY_VALUES`), so the first encoding may
            // lose some: from there on it must be a fixed point. The `open`
            // target checks the value round trip with empty values sent.
            let mut twice = BytesMut::new();
            let packed = back.pack(&neg, &mut twice);
            assert!(packed.is_ok(), "re-packed OPEN grew");
            assert_eq!(&twice[framing::HEADER_LEN..], &again.body[..], "OPEN encoding is not a fixed point");
        } else {
            assert_eq!(back, msg, "message round trip");
        }
    }
}

fn render_message(msg: &Message) {
    let mut s = String::new();
    match msg {
        Message::Open(o) => render_open(o),
        Message::Notification(n) => {
            n.json(&mut s);
            n.text(&mut s);
        }
        Message::RouteRefresh(r) => {
            r.json(&mut s);
            r.text(&mut s);
        }
        Message::Operational(o) => {
            o.json(&mut s);
            o.text(&mut s);
        }
        Message::Update(_) | Message::KeepAlive | Message::Unknown { .. } => {}
    }
}

fn render_open(o: &Open) {
    let mut s = String::new();
    o.json(&mut s, KeyStyle::Codes);
    o.text(&mut s);
    let expect = Expect { peer_as: None, local_as: 65000, router_id: Ipv4Addr::new(192, 0, 2, 1), aigp: false };
    // Both as ours and as theirs: negotiation walks both capability sets.
    let _ = negotiate(o, o, &expect);
}

/// Target `nlri`: byte 0 chooses the family and ADD-PATH (`nlri_selector`),
/// the rest is decoded one NLRI at a time until the end or an error; each
/// NLRI decoded must consume input, render, and round-trip through `pack`.
pub fn nlri(data: &[u8]) {
    let Some((&sel, mut buf)) = data.split_first() else { return };
    let (family, addpath) = nlri_selector(sel);
    let neg = Negotiated::default();
    while !buf.is_empty() {
        let before = buf.len();
        let Ok(n) = Nlri::unpack(family, &mut buf, addpath, &neg) else { break };
        assert!(buf.len() < before, "{family}: decoded {n:?} without consuming input");
        assert_eq!(n.family(), family, "decoded {n:?}");
        render_nlri(&n);
        let mut out = BytesMut::new();
        if n.pack_checked(addpath, &mut out).is_err() {
            // A flow too large for its length field: refused, not written.
            assert!(out.is_empty(), "a refused NLRI left bytes behind");
            continue;
        }
        let mut wire = &out[..];
        match Nlri::unpack(family, &mut wire, addpath, &neg) {
            Ok(back) => {
                assert!(wire.is_empty(), "{family}: re-packed {n:?} left {} bytes", wire.len());
                assert_eq!(back, n, "{family}: NLRI round trip");
            }
            Err(e) => panic!("{family}: re-packed {n:?} ({:02X?}) does not decode: {e:?}", &out[..]),
        }
    }
}

fn render_nlri(n: &Nlri) {
    let mut s = String::new();
    n.json(&mut s);
    n.json_full(&mut s, Some("192.0.2.1".parse().unwrap_or(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST))), true);
    let _ = write!(s, "{n} {} {}", n.extensive(None), n.text(None));
    let mut key = Vec::new();
    n.index(&mut key);
}

/// Target `open`: the input is an OPEN body (version onwards). It goes to
/// `Capabilities::unpack` from the Opt Parm Len octet and to `Open::unpack`;
/// what decodes must round-trip.
pub fn open(data: &[u8]) {
    if let Some(params) = data.get(Open::MIN_LEN - 1..) {
        if let Ok(caps) = Capabilities::unpack(params) {
            let mut s = String::new();
            caps.json(&mut s, KeyStyle::Codes);
            let mut out = BytesMut::new();
            caps.pack(&mut out);
            let back = match Capabilities::unpack(&out) {
                Ok(back) => back,
                Err(e) => panic!("re-packed {caps:?} ({:02X?}) does not decode: {e:?}", &out[..]),
            };
            if caps.iter().all(survives) {
                assert_eq!(back, caps, "capabilities round trip");
            }
            let mut twice = BytesMut::new();
            back.pack(&mut twice);
            assert_eq!(twice, out, "capability encoding is not a fixed point");
        }
    }
    if let Ok(o) = Open::unpack(data) {
        render_open(&o);
        let mut out = BytesMut::new();
        o.pack_body(&mut out);
        let back = match Open::unpack(&out) {
            Ok(back) => back,
            Err(e) => panic!("re-packed {o:?} does not decode: {e:?}"),
        };
        if o.capabilities.iter().all(survives) {
            assert_eq!(back, o, "open round trip");
        }
        let mut twice = BytesMut::new();
        back.pack_body(&mut twice);
        assert_eq!(twice, out, "OPEN encoding is not a fixed point");
    }
    // The whole message path too, as the session would see it.
    let _ = Message::unpack(exabgp::bgp::iana::MessageType::OPEN, Bytes::copy_from_slice(data), &Negotiated::default());
}

/// Whether a received capability comes back equal from `pack` and
/// `unpack`. Not those ExaBGP's encoding changes on purpose: empty values
/// are left out (`capability::SEND_EMPTY_VALUES`), an empty host name means
/// "none configured", names are cut to 64 octets, and ADD-PATH families
/// whose Send/Receive is 0 are not announced.
fn survives(cap: &Capability) -> bool {
    if let Capability::AddPath(a) = cap {
        // A family with Send/Receive 0 is not announced.
        if a.families.iter().any(|(_, v)| *v == 0) {
            return false;
        }
    }
    if let Capability::HostName(h) = cap {
        let len = |n: &Option<String>| n.as_deref().map_or(0, str::len);
        if len(&h.host) == 0 || len(&h.host) > HostName::MAX_LEN || len(&h.domain) > HostName::MAX_LEN {
            return false;
        }
    }
    cap.values().iter().all(|v| !v.is_empty() && v.len() <= 255)
}

// ---------------------------------------------------------------------------
// Seeds

/// Every hex BGP stream in `text`: a run of hex digits and colons starting
/// with the 32 `F` of a marker (qa/encoding `N:raw:FFFF…:0017:02:…` lines and
/// the hex line of qa/decoding files alike), colons removed.
pub fn hex_streams(text: &str) -> Vec<Vec<u8>> {
    const MARKER: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";
    let mut found = Vec::new();
    for line in text.lines() {
        let upper = line.to_ascii_uppercase();
        let mut from = 0;
        while let Some(at) = upper[from..].find(MARKER) {
            let start = from + at;
            let run: String = upper[start..].chars().take_while(|c| c.is_ascii_hexdigit() || *c == ':').collect();
            from = start + run.len();
            let digits: Vec<u8> = run.bytes().filter(|c| *c != b':').collect();
            if !digits.len().is_multiple_of(2) {
                continue;
            }
            let bytes: Option<Vec<u8>> = digits
                .chunks(2)
                .map(|p| std::str::from_utf8(p).ok().and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect();
            if let Some(b) = bytes {
                found.push(b);
            }
        }
    }
    found
}

/// Cut a stream into messages by their length field; stops at the first
/// malformed header (the seeds are well formed, fuzzed input is not cut here).
pub fn split_messages(mut stream: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while stream.len() >= framing::HEADER_LEN {
        let len = u16::from_be_bytes([stream[16], stream[17]]) as usize;
        if len < framing::HEADER_LEN || len > stream.len() {
            break;
        }
        let (msg, rest) = stream.split_at(len);
        out.push(msg);
        stream = rest;
    }
    out
}

/// `nlri` target inputs (selector byte first) from one UPDATE message:
/// the IPv4 withdrawn and announced fields, and the NLRI of MP_REACH_NLRI
/// and MP_UNREACH_NLRI (RFC 4760). Walks the attributes without the
/// attribute decoders, skipping what does not parse.
pub fn nlri_seeds(msg: &[u8]) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let Some(body) = msg.get(framing::HEADER_LEN..) else { return seeds };
    if msg.get(18) != Some(&2) {
        return seeds;
    }
    let mut push = |family: Family, nlri: &[u8]| {
        if nlri.is_empty() {
            return;
        }
        for addpath in [false, true] {
            // Path ids only exist for these SAFIs; the other bit is noise.
            let takes = matches!(family.safi, Safi::UNICAST | Safi::MULTICAST | Safi::NLRI_MPLS | Safi::MPLS_VPN);
            if addpath && !takes {
                continue;
            }
            if let Some(sel) = nlri_selector_for(family, addpath) {
                let mut seed = vec![sel];
                seed.extend_from_slice(nlri);
                seeds.push(seed);
            }
        }
    };
    let field = |at: usize| -> Option<(&[u8], usize)> {
        let len = u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]) as usize;
        Some((body.get(at + 2..at + 2 + len)?, at + 2 + len))
    };
    let Some((withdrawn, at)) = field(0) else { return seeds };
    push(Family::IPV4_UNICAST, withdrawn);
    let Some((mut attrs, at)) = field(at) else { return seeds };
    push(Family::IPV4_UNICAST, &body[at..]);
    while attrs.len() >= 3 {
        let flags = attrs[0];
        let code = attrs[1];
        let (len, head) = if flags & 0x10 != 0 {
            match attrs.get(2..4) {
                Some(l) => (u16::from_be_bytes([l[0], l[1]]) as usize, 4),
                None => break,
            }
        } else {
            (attrs[2] as usize, 3)
        };
        let Some(value) = attrs.get(head..head + len) else { break };
        attrs = &attrs[head + len..];
        if value.len() < 3 {
            continue;
        }
        let family = Family::new(Afi(u16::from_be_bytes([value[0], value[1]])), Safi(value[2]));
        match code {
            // MP_REACH_NLRI: AFI, SAFI, next-hop length, next-hop, reserved, NLRI.
            14 => {
                let Some(&nh) = value.get(3) else { continue };
                if let Some(nlri) = value.get(4 + nh as usize + 1..) {
                    push(family, nlri);
                }
            }
            // MP_UNREACH_NLRI: AFI, SAFI, withdrawn NLRI.
            15 => push(family, &value[3..]),
            _ => {}
        }
    }
    seeds
}

/// Seeds for each target from the hex streams of one qa file, as
/// (target, input) pairs.
pub fn seeds_from_text(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for stream in hex_streams(text) {
        let msgs = split_messages(&stream);
        let big = msgs.iter().any(|m| m.len() > MSG_SIZE_STANDARD);
        let mut seed = vec![if big { SEL_ASN4 | SEL_EXTENDED } else { SEL_ASN4 }];
        seed.extend_from_slice(&stream);
        out.push(("message", seed));
        for m in msgs {
            match m.get(18) {
                Some(1) => out.push(("open", m[framing::HEADER_LEN..].to_vec())),
                Some(2) => out.extend(nlri_seeds(m).into_iter().map(|s| ("nlri", s))),
                _ => {}
            }
        }
    }
    out
}

/// Run the named target on one input (the replay test and the seed tool).
/// Target `config`: the bytes as a configuration file. Loading must return
/// a value or a positioned error, never panic; an error's position must be
/// inside the text (line and column from 1).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = exabgp::config::LoadOptions { check_programs: false, ..Default::default() };
    if let Err(e) = exabgp::config::load_str("fuzz.conf", text, &options) {
        assert!(e.line >= 1 && e.column >= 1, "error without a position: {e}");
        let _ = e.to_string();
    }
}

pub fn run(target: &str, data: &[u8]) {
    match target {
        "message" => message(data),
        "nlri" => nlri(data),
        "open" => open(data),
        "config" => config(data),
        _ => {}
    }
}

pub const TARGETS: &[&str] = &["message", "nlri", "open"];

/// Every qa file the seeds come from: `encoding/*.msg` and everything in
/// `decoding/`, sorted; missing directories give nothing.
pub fn qa_files(qa: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for (dir, ext) in [("encoding", Some("msg")), ("decoding", None)] {
        let Ok(entries) = std::fs::read_dir(qa.join(dir)) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_file() && (ext.is_none() || path.extension().and_then(|x| x.to_str()) == ext) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_streams_finds_encoding_and_decoding_forms() {
        let text = "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n\
                    update\nffffffffffffffffffffffffffffffff0013 04\n# comment";
        let s = hex_streams(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].len(), 23);
        assert_eq!(s[1].len(), 18, "stops at the space");
    }

    #[test]
    fn nlri_seeds_from_mp_reach() {
        // qa/decoding/bgp-flow-1: one IPv6 flow in MP_REACH_NLRI.
        let text = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0056:02:0000003F4001010040020040050400000064800E2E0002850000280180002A0229B8192500000000000000002E69024000BEEFF00E000000000381060C000400028008";
        let seeds = seeds_from_text(text);
        let nlri: Vec<_> = seeds.iter().filter(|(t, _)| *t == "nlri").collect();
        assert_eq!(nlri.len(), 1);
        assert_eq!(nlri_selector(nlri[0].1[0]), (Family::IPV6_FLOW, false));
        assert_eq!(nlri[0].1[1], 0x28, "flow length octet");
        for (t, s) in &seeds {
            run(t, s);
        }
    }

    #[test]
    fn selectors_cover_every_family() {
        for (i, f) in FAMILIES.iter().enumerate() {
            assert_eq!(nlri_selector(i as u8), (*f, false));
            assert_eq!(nlri_selector_for(*f, true).map(nlri_selector), Some((*f, true)));
        }
    }
}
