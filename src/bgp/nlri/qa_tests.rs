//! Tests against ExaBGP's own test data, and a no-panic generator.
//!
//! - every NLRI field found in `qa/encoding/*.msg` (UPDATE NLRI and
//!   withdrawn fields, MP_REACH/MP_UNREACH NLRI) must decode and re-encode
//!   byte for byte (`testdata/encoding-vectors.txt`, extracted from the
//!   messages with a throw-away scanner);
//! - the NLRI elements of `qa/decoding/*` (flow, evpn, bgp-ls) must render
//!   the JSON ExaBGP printed, compared as parsed JSON like ExaBGP's harness;
//! - random and mutated input for every family must never panic, and what
//!   decodes must survive pack + unpack unchanged.

use std::collections::BTreeMap;
use std::net::IpAddr;

use bytes::BytesMut;

use super::util::ip_from;
use super::Nlri;
use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::negotiated::Negotiated;

fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|c| c.is_ascii_hexdigit()).collect();
    s.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
}

/// Decode every NLRI in `data`.
fn decode_all(family: Family, mut data: &[u8], addpath: bool) -> Vec<Nlri> {
    let neg = Negotiated::default();
    let mut out = Vec::new();
    while !data.is_empty() {
        match Nlri::unpack(family, &mut data, addpath, &neg) {
            Ok(n) => out.push(n),
            Err(e) => panic!("{family} {e}"),
        }
    }
    out
}

#[test]
fn encoding_vectors_round_trip_exactly() {
    let mut count = 0;
    for line in include_str!("testdata/encoding-vectors.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        let family = Family::new(Afi(w[0].parse().unwrap()), Safi(w[1].parse().unwrap()));
        let addpath = w[2] == "1";
        let wire = hex(w[3]);
        let nlris = decode_all(family, &wire, addpath);
        let mut out = BytesMut::new();
        for n in &nlris {
            assert!(!matches!(n, Nlri::Unknown { .. }), "{line}");
            assert_eq!(n.family(), family);
            n.pack(addpath, &mut out);
            // Every rendering works.
            let mut j = String::new();
            n.json(&mut j);
            let _ = (n.to_string(), n.extensive(None).to_string(), n.text(None).to_string());
        }
        assert_eq!(&out[..], &wire[..], "{line}");
        count += 1;
    }
    assert_eq!(count, 172);
}

#[test]
fn encoding_vectors_render_like_exabgp() {
    // A few full renderings of the vectors above, checked against the
    // routes configured in the matching qa/encoding .ci/.conf files.
    let cases: &[(Family, &str, &str)] = &[
        (Family::IPV4_FLOW, "0C0120C0A8000102200A000001", "flow destination-ipv4 192.168.0.1/32 source-ipv4 10.0.0.1/32"),
        (Family::IPV4_FLOW, "030C8008", "flow fragment last-fragment"),
        (Family::IPV4_FLOW, "0C02180A000003810605910C38", "flow source-ipv4 10.0.0.0/24 protocol =tcp destination-port =3128"),
        (
            Family::IPV4_FLOW,
            "1C0120C0A8000102200A00000A038606048600059601BB060650961F90",
            "flow destination-ipv4 192.168.0.1/32 source-ipv4 10.0.0.10/32 protocol !=tcp port !=0 destination-port !=443 source-port [ !=80 !=8080 ]",
        ),
        (
            Family::IPV4_FLOW,
            "1C01200A00000202200A00000103810605910C3809000200044001C308",
            "flow destination-ipv4 10.0.0.2/32 source-ipv4 10.0.0.1/32 protocol =tcp destination-port =3128 tcp-flags [ syn rst&fin&!=push ]",
        ),
        (
            Family::IPV6_FLOW,
            "300180002A020B80001500007ACA39FFFEAEA87A028078000000000000000000000000000000010381110B81650D9107DD",
            "flow destination-ipv6 2a02:b80:15:0:7aca:39ff:feae:a87a/128/0 source-ipv6 ::1/128/120 next-header =udp traffic-class =101 flow-label =2013",
        ),
        (Family::IPV4_MPLS_VPN, "6A0006E10000F76500000064800040", "128.0.64.0/18 label 110 rd 63333:100"),
        (Family::IPV6_MPLS_VPN, "880039E100000C8F22C6DB3D20014B5020C0", "2001:4b50:20c0::/48 label 926 rd 3215:583457597"),
        (Family::IPV6_UNICAST, "802A020B80000000010000000000000001", "2a02:b80:0:1::1/128"),
    ];
    for (family, h, text) in cases {
        let nlris = decode_all(*family, &hex(h), false);
        assert_eq!(nlris.len(), 1);
        assert_eq!(nlris[0].to_string(), *text);
    }
}

// ---- a tiny JSON reader, to compare as ExaBGP's harness does (parsed, key order ignored)

#[derive(Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) {
        self.ws();
        assert_eq!(self.s[self.i] as char, c as char, "at {}", self.i);
        self.i += 1;
    }

    fn string(&mut self) -> String {
        self.eat(b'"');
        let mut out = String::new();
        while self.s[self.i] != b'"' {
            if self.s[self.i] == b'\\' {
                self.i += 1;
            }
            out.push(self.s[self.i] as char);
            self.i += 1;
        }
        self.i += 1;
        out
    }

    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.s[self.i] == b'}' {
                    self.i += 1;
                    return Json::Obj(m);
                }
                loop {
                    let k = self.string();
                    self.eat(b':');
                    m.insert(k, self.value());
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b'}' {
                        return Json::Obj(m);
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                    return Json::Arr(v);
                }
                loop {
                    v.push(self.value());
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b']' {
                        return Json::Arr(v);
                    }
                }
            }
            b'"' => Json::Str(self.string()),
            b't' => {
                self.i += 4;
                Json::Bool(true)
            }
            b'f' => {
                self.i += 5;
                Json::Bool(false)
            }
            b'n' => {
                self.i += 4;
                Json::Null
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && (self.s[self.i] == b'-' || self.s[self.i] == b'.' || self.s[self.i].is_ascii_alphanumeric()) {
                    self.i += 1;
                }
                Json::Num(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
            }
        }
    }
}

fn parse(s: &str) -> Json {
    let mut r = Reader { s: s.as_bytes(), i: 0 };
    let v = r.value();
    r.ws();
    assert_eq!(r.i, s.len(), "trailing data in {s}");
    v
}

fn get<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    match v {
        Json::Obj(m) => m.get(key),
        _ => None,
    }
}

/// The MP_REACH/MP_UNREACH contents of an UPDATE as the decoding files give
/// it (with or without marker and header): (reach?, next-hop, nlri bytes).
fn mp_fields(packet: &[u8]) -> Vec<(bool, Option<IpAddr>, Vec<u8>)> {
    let body = if packet.len() > 19 && packet[..16].iter().all(|b| *b == 0xFF) { &packet[19..] } else { packet };
    let wl = usize::from(u16::from_be_bytes([body[0], body[1]]));
    let al = usize::from(u16::from_be_bytes([body[2 + wl], body[3 + wl]]));
    let mut attrs = &body[4 + wl..4 + wl + al];
    let mut out = Vec::new();
    while !attrs.is_empty() {
        let (flags, code) = (attrs[0], attrs[1]);
        let (len, hdr) = if flags & 0x10 != 0 { (usize::from(u16::from_be_bytes([attrs[2], attrs[3]])), 4) } else { (usize::from(attrs[2]), 3) };
        let v = &attrs[hdr..hdr + len];
        attrs = &attrs[hdr + len..];
        if code == 14 {
            let nhl = usize::from(v[3]);
            let nh = &v[4..4 + nhl];
            let nh = ip_from(&nh[..nhl.min(16)]);
            out.push((true, nh, v[5 + nhl..].to_vec()));
        } else if code == 15 {
            out.push((false, None, v[3..].to_vec()));
        }
    }
    out
}

const DECODING: &[(&str, &str)] = &[
        ("bgp-flow-1", include_str!("testdata/decoding/bgp-flow-1")),
        ("bgp-flow-2", include_str!("testdata/decoding/bgp-flow-2")),
        ("bgp-flow-3", include_str!("testdata/decoding/bgp-flow-3")),
        ("bgp-flow-4", include_str!("testdata/decoding/bgp-flow-4")),
        ("bgp-evpn-1", include_str!("testdata/decoding/bgp-evpn-1")),
        ("bgp-ls-1", include_str!("testdata/decoding/bgp-ls-1")),
        ("bgp-ls-2", include_str!("testdata/decoding/bgp-ls-2")),
        ("bgp-ls-3", include_str!("testdata/decoding/bgp-ls-3")),
        ("bgp-ls-4", include_str!("testdata/decoding/bgp-ls-4")),
        ("bgp-ls-5", include_str!("testdata/decoding/bgp-ls-5")),
        ("bgp-ls-6", include_str!("testdata/decoding/bgp-ls-6")),
        ("bgp-ls-7", include_str!("testdata/decoding/bgp-ls-7")),
        ("bgp-ls-8", include_str!("testdata/decoding/bgp-ls-8")),
        ("bgp-ls-9", include_str!("testdata/decoding/bgp-ls-9")),
        ("bgp-ls-10", include_str!("testdata/decoding/bgp-ls-10")),
];

/// (family, type line word, packet) of each decoding file.
fn decoding_packets() -> Vec<(Family, bool, Vec<u8>)> {
    DECODING
        .iter()
        .map(|(_, text)| {
            let mut lines = text.lines();
            let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
            (Family::from_names(head[1], head[2]).unwrap(), head[0] == "nlri", hex(&lines.next().unwrap().replace(':', "")))
        })
        .collect()
}

#[test]
fn decoding_files_nlri_json_matches_exabgp() {
    for (name, text) in DECODING {
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        let family = Family::from_names(head[1], head[2]).unwrap();
        let packet = hex(&lines.next().unwrap().replace(':', ""));
        let expected = parse(lines.next().unwrap().trim());
        let render = |nlris: &[Nlri], nh: Option<IpAddr>| -> Json {
            let mut s = String::from("[ ");
            for (i, n) in nlris.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                n.json_full(&mut s, nh, false);
            }
            s.push_str(" ]");
            parse(&s)
        };
        if head[0] == "nlri" {
            let nlris = decode_all(family, &packet, false);
            assert_eq!(render(&nlris, None), Json::Arr(vec![expected]), "{name}");
            continue;
        }
        let update = get(get(&expected, "neighbor").unwrap(), "message").and_then(|m| get(m, "update")).unwrap();
        let key = family.to_string();
        let mut checked = 0;
        for (reach, nh, data) in mp_fields(&packet) {
            let nlris = decode_all(family, &data, false);
            let mut out = BytesMut::new();
            for n in &nlris {
                n.pack(false, &mut out);
            }
            if *name != "bgp-ls-1" {
                assert_eq!(&out[..], &data[..], "{name} round trip");
            }
            if reach {
                let Some(Json::Obj(by_nh)) = get(get(update, "announce").unwrap(), &key) else { panic!("{name}") };
                let (nh_key, list) = by_nh.iter().next().unwrap();
                let nh_shown = if nh_key == "no-nexthop" { None } else { nh };
                if let Some(ip) = nh_shown {
                    assert_eq!(super::util::Ip(ip).to_string(), *nh_key, "{name}");
                }
                assert_eq!(&render(&nlris, nh_shown), list, "{name}");
            } else {
                let list = get(get(update, "withdraw").unwrap(), &key).unwrap();
                assert_eq!(&render(&nlris, None), list, "{name}");
            }
            checked += 1;
        }
        assert_eq!(checked, 1, "{name}");
    }
}

// ---- no-panic generator

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FAMILIES: &[Family] = &[
    Family::IPV4_UNICAST,
    Family::IPV6_UNICAST,
    Family::IPV4_MULTICAST,
    Family::IPV4_NLRI_MPLS,
    Family::IPV6_NLRI_MPLS,
    Family::IPV4_MPLS_VPN,
    Family::IPV6_MPLS_VPN,
    Family::IPV4_FLOW,
    Family::IPV6_FLOW,
    Family::IPV4_FLOW_VPN,
    Family::IPV6_FLOW_VPN,
    Family::IPV4_MCAST_VPN,
    Family::IPV6_MCAST_VPN,
    Family::IPV4_MUP,
    Family::IPV6_MUP,
    Family::IPV4_RTC,
    Family::L2VPN_VPLS,
    Family::L2VPN_EVPN,
    Family::BGP_LS,
    Family::BGP_LS_VPN,
];

/// Decode everything decodable; whatever decodes must render and survive
/// pack + unpack unchanged.
fn exercise(family: Family, data: &[u8], addpath: bool) -> usize {
    let neg = Negotiated::default();
    let mut buf = data;
    let mut decoded = 0;
    while !buf.is_empty() {
        let before = buf.len();
        let Ok(n) = Nlri::unpack(family, &mut buf, addpath, &neg) else { return decoded };
        decoded += 1;
        assert!(buf.len() < before, "{family}: no progress");
        let mut s = String::new();
        n.json_full(&mut s, Some("10.0.0.1".parse().unwrap()), true);
        let _ = (n.to_string(), n.extensive(None).to_string(), n.text(None).to_string());
        let mut key = Vec::new();
        n.index(&mut key);
        let mut out = BytesMut::new();
        if n.pack_checked(addpath, &mut out).is_err() {
            continue;
        }
        let mut again = &out[..];
        let m = Nlri::unpack(family, &mut again, addpath, &neg).unwrap_or_else(|e| panic!("{family} {e} re-decoding {:02X?} from {data:02X?}", &out[..]));
        assert!(again.is_empty(), "{family}: re-encoded NLRI not consumed whole");
        assert_eq!(m, n, "{family}: {data:02X?}");
    }
    decoded
}

#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut seeds: Vec<(Family, bool, Vec<u8>)> = include_str!("testdata/encoding-vectors.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (Family::new(Afi(w[0].parse().unwrap()), Safi(w[1].parse().unwrap())), w[2] == "1", hex(w[3]))
        })
        .collect();
    // EVPN, BGP-LS and RTC have no qa/encoding vectors: seed from qa/decoding and by hand.
    for (family, raw_nlri, packet) in decoding_packets() {
        if raw_nlri {
            seeds.push((family, false, packet));
        } else {
            for (_, _, data) in mp_fields(&packet) {
                seeds.push((family, false, data));
            }
        }
    }
    seeds.push((Family::IPV4_RTC, false, hex("600000FDE80002FDE80000000100")));
    seeds.push((Family::L2VPN_EVPN, false, hex("011900000001000000020000000000000000000000000005000641")));
    seeds.push((Family::L2VPN_EVPN, false, hex("031100000001000000020000000520C0000201")));
    seeds.push((Family::L2VPN_EVPN, false, hex("041700000001000000020102030405060708090A20C0000201")));
    seeds.push((Family::L2VPN_EVPN, false, hex("05220000000100000002000000000000000000000000000518C0000200C000020100064100")));
    let mut buf = Vec::new();
    let mut decoded = std::collections::HashMap::new();
    for round in 0..40_000 {
        buf.clear();
        let (family, addpath) = if round % 2 == 0 {
            let (f, a, v) = &seeds[rng.below(seeds.len())];
            buf.extend_from_slice(v);
            // Flip, insert, delete or truncate a few octets.
            for _ in 0..1 + rng.below(4) {
                if buf.is_empty() {
                    break;
                }
                let i = rng.below(buf.len());
                match rng.below(4) {
                    0 => buf[i] ^= 1 << rng.below(8),
                    1 => buf[i] = rng.next() as u8,
                    2 => buf.insert(i, rng.next() as u8),
                    _ => buf.truncate(i),
                }
            }
            (*f, *a)
        } else {
            let f = FAMILIES[rng.below(FAMILIES.len())];
            // Plausible heads help reach deeper: a small length octet or type first.
            let n = rng.below(64);
            for _ in 0..n {
                buf.push(rng.next() as u8);
            }
            if !buf.is_empty() && rng.below(2) == 0 {
                buf[0] = (n as u8).saturating_sub(1 + rng.below(3) as u8);
            }
            (f, rng.below(4) == 0)
        };
        *decoded.entry(family).or_insert(0) += exercise(family, &buf, addpath);
    }
    // The generator must reach past the first checks of every family.
    for f in FAMILIES {
        assert!(decoded.get(f).copied().unwrap_or(0) > 0, "{f}: nothing ever decoded");
    }
    eprintln!("{decoded:?}");
}
