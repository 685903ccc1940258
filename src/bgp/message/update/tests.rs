//! UPDATE tests: the qa golden files (encoding round trips, decoding JSON),
//! route packing, End-of-RIB, RFC 7606 outcomes and a no-panic generator.

use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;

use super::*;
use crate::bgp::attribute::{Attribute, AsPath, LocalPreference, Med, Origin};
use crate::bgp::nlri::{Inet, Prefix};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
}

fn all_families() -> Vec<Family> {
    vec![
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
    ]
}

/// An iBGP session where every family was negotiated.
fn neg() -> Negotiated {
    Negotiated { local_as: 65533, peer_as: 65533, families: all_families(), ..Negotiated::default() }
}

/// The qa data: `qa/` in the crate once merged, the shared copy until then.
fn qa_dir(sub: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var("EXABGP_QA").ok().map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("qa")),
        Some(PathBuf::from("/work/shared/exabgp-qa")),
    ];
    candidates.into_iter().flatten().map(|p| p.join(sub)).find(|p| p.is_dir())
}

/// The session a qa configuration describes, as far as UPDATE encoding cares.
fn neg_for(name: &str) -> Negotiated {
    let mut n = neg();
    let conf = qa_dir("etc").and_then(|d| std::fs::read_to_string(d.join(format!("{name}.conf"))).ok());
    let conf = conf.unwrap_or_default();
    if name == "conf-no-asn4" || conf.contains("asn4 disable") {
        n.asn4 = false;
    }
    if conf.contains("add-path") {
        n.addpath_send = all_families();
        n.addpath_receive = all_families();
    }
    if conf.contains("aigp enable") {
        n.aigp = true;
    }
    if conf.contains("nexthop") {
        n.nexthop = vec![(Family::IPV4_UNICAST, Afi::IPV6), (Family::IPV6_UNICAST, Afi::IPV4)];
    }
    n
}

fn has_unknown_nlri(u: &Update) -> bool {
    u.announces().any(|(n, _)| matches!(n, Nlri::Unknown { .. })) || u.withdraws().any(|n| matches!(n, Nlri::Unknown { .. }))
}

/// Every UPDATE the daemon must send (qa/encoding/*.msg `raw:` lines)
/// decodes without error and re-encodes to the same bytes. Families whose
/// NLRI decoder is not there yet are listed; they must still not fail.
#[test]
fn qa_encoding_round_trip() {
    let Some(dir) = qa_dir("encoding") else {
        eprintln!("qa/encoding not found: skipped");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    let (mut checked, mut raw_nlri, mut skipped, mut failures) = (0, 0, Vec::new(), Vec::new());
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "msg")) {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let neg = neg_for(&name);
        for line in std::fs::read_to_string(path).unwrap().lines() {
            // The peer drops every line holding a `#` (qa-harness.md 2.2).
            if line.contains('#') {
                continue;
            }
            let Some((_, raw)) = line.split_once("raw:") else { continue };
            let bytes = hex(raw);
            if bytes.len() < HEADER_LEN || bytes[18] != 2 {
                continue;
            }
            let body = &bytes[HEADER_LEN..];
            let update = match Update::unpack(body, &neg) {
                Ok(u) => u,
                Err(e) => {
                    failures.push(format!("{name}: {raw}: decode error {e}"));
                    continue;
                }
            };
            let mut json = String::new();
            update.json(&mut json);
            let mut text = String::new();
            update.text("neighbor 127.0.0.1 receive update", &mut text);
            let mut out = BytesMut::new();
            update.pack(&neg, &mut out);
            if !update.errors.is_empty() || out[..] != bytes[..] {
                if has_unknown_nlri(&update) {
                    skipped.push(format!("{name}: {raw}"));
                } else {
                    failures.push(format!(
                        "{name}: errors {:?}\n  want {}\n  got  {}",
                        update.errors,
                        raw,
                        out.iter().map(|b| format!("{b:02X}")).collect::<String>()
                    ));
                }
                continue;
            }
            if has_unknown_nlri(&update) {
                raw_nlri += 1;
            }
            checked += 1;
        }
    }
    eprintln!(
        "qa encoding: {checked} UPDATEs round-trip ({raw_nlri} of them through raw NLRI of families not decoded yet), {} skipped",
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  skipped {s}");
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 300, "only {checked} UPDATEs checked");
}

/// Every qa UPDATE of decoded families is what `pack_routes` produces from
/// its own routes and attributes: same NLRI order, same fields, same
/// attribute order and flags.
#[test]
fn qa_encoding_regenerated_by_pack_routes() {
    let Some(dir) = qa_dir("encoding") else {
        eprintln!("qa/encoding not found: skipped");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    let (mut checked, mut failures) = (0, Vec::new());
    let mut packer = Packer::new();
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "msg")) {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        for line in std::fs::read_to_string(path).unwrap().lines() {
            // The peer drops every line holding a `#` (qa-harness.md 2.2).
            if line.contains('#') {
                continue;
            }
            let Some((_, raw)) = line.split_once("raw:") else { continue };
            let bytes = hex(raw);
            if bytes.len() < HEADER_LEN || bytes[18] != 2 {
                continue;
            }
            let mut neg = neg_for(&name);
            let Ok(update) = Update::unpack(&bytes[HEADER_LEN..], &neg) else { continue };
            if update.eor().is_some() || has_unknown_nlri(&update) {
                continue;
            }
            let classic = !update.withdrawn.is_empty() || !update.announced.is_empty();
            let mp = update.mp_reach.is_some() || update.mp_unreach.is_some();
            // Both kinds in one message, or none (ExaBGP sends the
            // attributes alone for a flow family whose withdrawals it held
            // back: not reproducible from routes).
            let empty = update.announces().next().is_none() && update.withdraws().next().is_none();
            if (classic && mp) || empty {
                continue;
            }
            // iBGP sessions always carry LOCAL_PREF (ExaBGP adds it).
            if !update.attributes.has(attr_code::LOCAL_PREF) {
                neg.peer_as = neg.local_as + 1;
            }
            let mut routes = Vec::new();
            let hops: Vec<(Nlri, NextHop)> = update.announces().map(|(n, h)| (n.clone(), h)).collect();
            for (n, h) in &hops {
                routes.push(RouteRef { nlri: n, nexthop: h, action: Action::Announce });
            }
            let none = NextHop::None;
            for n in update.withdraws() {
                routes.push(RouteRef { nlri: n, nexthop: &none, action: Action::Withdraw });
            }
            let mut out = BytesMut::new();
            let n = packer.pack_routes(&update.attributes, &routes, &neg, true, &mut out);
            if n != 1 || out[..] != bytes[..] {
                failures.push(format!("{name}: {n} messages\n  want {raw}\n  got  {}", to_hex(&out)));
                continue;
            }
            checked += 1;
        }
    }
    eprintln!("qa encoding: {checked} UPDATEs regenerated by pack_routes");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Remove whitespace outside JSON strings (the qa decoding files have
/// stale spacing; the harness compares parsed JSON).
fn squash(s: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut escaped = false;
    for c in s.chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The balanced `{...}` value following `key` in `s`.
fn object_after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let start = s.find(key)? + key.len();
    let open = start + s[start..].find('{')?;
    let mut depth = 0;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in s[open..].char_indices() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[open..open + i + 1]);
                }
            }
            _ => {}
        }
    }
    None
}

fn decode_qa(name: &str) -> Option<(Update, String)> {
    let dir = qa_dir("decoding")?;
    let text = std::fs::read_to_string(dir.join(name)).ok()?;
    let mut lines = text.lines();
    let _kind = lines.next()?;
    let mut bytes = hex(lines.next()?);
    if bytes.len() >= 16 && bytes[..16].iter().all(|&b| b == 0xff) {
        bytes.drain(..HEADER_LEN);
    }
    let update = Update::unpack(&bytes, &neg()).unwrap_or_else(|e| panic!("{name}: {e}"));
    Some((update, lines.next()?.to_string()))
}

/// ipv4 unicast decoding files: the whole `"message"` value matches.
#[test]
fn qa_decoding_ipv4_unicast() {
    for name in ["ipv4-unicast-1", "ipv4-unicast-2"] {
        let Some((update, expected)) = decode_qa(name) else {
            eprintln!("qa/decoding not found: skipped");
            return;
        };
        let mut json = String::new();
        update.json(&mut json);
        let want = object_after(&expected, "\"message\":").unwrap();
        assert_eq!(squash(&json), squash(want), "{name}");
    }
}

/// Other decoding files: the `"attribute"` object matches (their NLRI
/// families arrive with the NLRI work).
#[test]
fn qa_decoding_attributes() {
    let Some(dir) = qa_dir("decoding") else {
        eprintln!("qa/decoding not found: skipped");
        return;
    };
    let mut checked = 0;
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    names.sort();
    for name in names {
        let Ok(text) = std::fs::read_to_string(qa_dir("decoding").unwrap().join(&name)) else { continue };
        if !text.starts_with("update") {
            continue;
        }
        let (update, expected) = decode_qa(&name).unwrap();
        assert!(update.errors.is_empty(), "{name}: {:?}", update.errors);
        let mut json = String::new();
        update.json(&mut json);
        let want = object_after(&expected, "\"attribute\":").map(squash);
        let got = object_after(&json, "\"attribute\":").map(squash);
        assert_eq!(got, want, "{name}");
        // The NLRI's family and next-hop key are there already.
        if let Some(r) = &update.mp_reach {
            let key = format!("\"{}\": {{ \"{}\": [", r.family, r.nexthop);
            assert!(squash(&expected).contains(&squash(&key)), "{name}: {key}");
        }
        checked += 1;
    }
    assert!(checked >= 15, "{checked}");
}

fn v4(s: &str) -> Nlri {
    let (a, l) = s.split_once('/').unwrap();
    Nlri::Inet(Inet {
        family: Family::IPV4_UNICAST,
        path_id: None,
        prefix: Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap(),
    })
}

fn v6(s: &str) -> Nlri {
    let (a, l) = s.split_once('/').unwrap();
    Nlri::Inet(Inet {
        family: Family::IPV6_UNICAST,
        path_id: None,
        prefix: Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap(),
    })
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

/// qa/encoding/conf-split.msg: one /24 per message with group-updates off.
#[test]
fn pack_routes_matches_conf_split() {
    let mut attrs = Attributes::new();
    attrs.insert(Attribute::NextHop("192.0.2.1".parse().unwrap()));
    attrs.insert(Attribute::Med(Med(200)));
    let mut c = crate::bgp::attribute::Communities::new();
    c.push((174 << 16) | 666);
    attrs.insert(Attribute::Communities(c));
    let nlri = v4("172.10.0.0/24");
    let nh = NextHop::Ip("192.0.2.1".parse().unwrap());
    let mut out = BytesMut::new();
    let n = Packer::new().pack_routes(
        &attrs,
        &[RouteRef { nlri: &nlri, nexthop: &nh, action: Action::Announce }],
        &neg(),
        true,
        &mut out,
    );
    assert_eq!(n, 1);
    assert_eq!(
        to_hex(&out),
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003E020000002340010100400200400304C0000201800404000000C840050400000064C0080400AE029A18AC0A00"
    );
}

/// qa/encoding/api-ipv6.msg: an ipv6 unicast route in MP_REACH_NLRI, and
/// its withdrawal in MP_UNREACH_NLRI with no other attribute.
#[test]
fn pack_routes_matches_api_ipv6() {
    let mut attrs = Attributes::new();
    attrs.insert(Attribute::Origin(Origin::IGP));
    attrs.insert(Attribute::AsPath(AsPath::default()));
    attrs.insert(Attribute::NextHop(IpAddr::V6("2001::11".parse().unwrap())));
    attrs.insert(Attribute::LocalPreference(LocalPreference(200)));
    let nlri = v6("fc00:1::/64");
    let nh = NextHop::Ip(IpAddr::V6("2001::11".parse::<Ipv6Addr>().unwrap()));
    let mut out = BytesMut::new();
    let mut packer = Packer::new();
    packer.pack_routes(&attrs, &[RouteRef { nlri: &nlri, nexthop: &nh, action: Action::Announce }], &neg(), true, &mut out);
    assert_eq!(
        to_hex(&out),
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0046020000002F40010100400200400504000000C8800E1E00020110200100000000000000000000000000110040FC00000100000000"
    );
    out.clear();
    // A withdrawal carries no attributes of its own.
    let none = Attributes::new();
    packer.pack_routes(&none, &[RouteRef { nlri: &nlri, nexthop: &nh, action: Action::Withdraw }], &neg(), true, &mut out);
    assert_eq!(to_hex(&out), "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0026020000000F800F0C00020140FC00000100000000");
}

/// Many prefixes: sorted like ExaBGP (length first), split at 4096 octets,
/// every message decodes back, nothing lost.
#[test]
fn pack_routes_splits_and_sorts() {
    let mut attrs = Attributes::new();
    attrs.insert(Attribute::Origin(Origin::IGP));
    attrs.insert(Attribute::NextHop("10.0.0.1".parse().unwrap()));
    let nh = NextHop::Ip("10.0.0.1".parse().unwrap());
    let mut nlris: Vec<Nlri> = (0..2000u32).map(|i| v4(&format!("20.{}.{}.0/24", i / 256, i % 256))).collect();
    nlris.push(v4("9.0.0.0/8"));
    let routes: Vec<RouteRef> =
        nlris.iter().map(|n| RouteRef { nlri: n, nexthop: &nh, action: Action::Announce }).collect();
    let mut out = BytesMut::new();
    let n = Packer::new().pack_routes(&attrs, &routes, &neg(), true, &mut out);
    assert!(n > 1);
    let mut seen = Vec::new();
    let mut rest = &out[..];
    let mut messages = 0;
    while !rest.is_empty() {
        let len = u16::from_be_bytes([rest[16], rest[17]]) as usize;
        assert!(len <= 4096);
        let u = Update::unpack(&rest[HEADER_LEN..len], &neg()).unwrap();
        assert!(u.errors.is_empty());
        seen.extend(u.announced);
        rest = &rest[len..];
        messages += 1;
    }
    assert_eq!(messages, n);
    assert_eq!(seen.len(), nlris.len());
    // /8 sorts before every /24 (ExaBGP sorts on the packed prefix).
    assert_eq!(seen[0], v4("9.0.0.0/8"));
}

#[test]
fn end_of_rib_both_forms() {
    let mut out = BytesMut::new();
    pack_eor(Family::IPV4_UNICAST, &mut out);
    assert_eq!(to_hex(&out), "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000");
    let u = Update::unpack(&out[HEADER_LEN..], &neg()).unwrap();
    assert_eq!(u.eor(), Some(Family::IPV4_UNICAST));
    let mut j = String::new();
    u.json(&mut j);
    assert_eq!(j, r#"{ "eor": { "afi" : "ipv4", "safi" : "unicast" } }"#);
    out.clear();
    pack_eor(Family::IPV6_UNICAST, &mut out);
    assert_eq!(to_hex(&out), "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E0200000007900F0003000201");
    let u = Update::unpack(&out[HEADER_LEN..], &neg()).unwrap();
    assert_eq!(u.eor(), Some(Family::IPV6_UNICAST));
    let mut t = String::new();
    u.text("p", &mut t);
    assert_eq!(t, "p route eor 2/1 (ipv6 unicast)\n");
    // MP_UNREACH_NLRI without NLRI and without Extended Length is an EoR too.
    let body = hex("00000006800F03000201");
    assert_eq!(Update::unpack(&body, &neg()).unwrap().eor(), Some(Family::IPV6_UNICAST));
    // An UPDATE with attributes is not an EoR.
    let body = hex("0000000440010100");
    assert_eq!(Update::unpack(&body, &neg()).unwrap().eor(), None);
}

#[test]
fn json_and_text_of_a_unicast_update() {
    let body = hex(
        "0000002D4001010040020A020200000001000000024003040A00000180040400000010C008040001000240050400000064\
         180A0000",
    );
    let u = Update::unpack(&body, &neg()).unwrap();
    let mut j = String::new();
    u.json(&mut j);
    assert_eq!(
        j,
        r#"{ "update": { "attribute": { "origin": "igp", "as-path": {"0": {"element": "as-sequence", "value": [1, 2]}}, "med": 16, "local-preference": 100, "community": [ [ 1, 2 ] ] }, "announce": { "ipv4 unicast": { "10.0.0.1": [ { "nlri": "10.0.0.0/24" } ] } } } }"#
    );
    let mut t = String::new();
    u.text("neighbor 1.1.1.1 receive update", &mut t);
    assert_eq!(
        t,
        "neighbor 1.1.1.1 receive update announced 10.0.0.0/24 next-hop 10.0.0.1 origin igp as-path ( 1 2 ) med 16 local-preference 100 community 1:2\n"
    );
}

#[test]
fn withdraw_only_json() {
    let body = hex("0004180A00000000");
    let u = Update::unpack(&body, &neg()).unwrap();
    let mut j = String::new();
    u.json(&mut j);
    assert_eq!(j, r#"{ "update": { "withdraw": { "ipv4 unicast": [ { "nlri": "10.0.0.0/24" } ] } } }"#);
}

// ===== RFC 7606 =====

fn outcome(body_hex: &str) -> Result<Option<ErrorAction>, Notify> {
    Update::unpack(&hex(body_hex), &neg()).map(|u| u.action())
}

#[test]
fn rfc7606_missing_well_known_only_matters_with_nlri() {
    // No ORIGIN, with NLRI: treat-as-withdraw.
    assert_eq!(outcome("0000000A40020040030401010101180101 01"), Ok(Some(ErrorAction::TreatAsWithdraw)));
    // No ORIGIN, no NLRI: fine.
    assert_eq!(outcome("0000000A40020040030401010101"), Ok(None));
}

#[test]
fn rfc7606_length_and_flag_errors() {
    // MED of 3 octets: treat-as-withdraw.
    assert_eq!(outcome("00000006800403000000"), Ok(Some(ErrorAction::TreatAsWithdraw)));
    // AGGREGATOR of the wrong size: discard.
    assert_eq!(outcome("00000006C00703000000"), Ok(Some(ErrorAction::Discard)));
    // ORIGIN sent as optional: flags error, treat-as-withdraw.
    assert_eq!(outcome("00000004C0010100"), Ok(Some(ErrorAction::TreatAsWithdraw)));
    // ORIGIN value 5: treat-as-withdraw.
    assert_eq!(outcome("0000000440010105"), Ok(Some(ErrorAction::TreatAsWithdraw)));
}

#[test]
fn rfc7606_attribute_list_errors() {
    // The last attribute overruns the attribute field: treat-as-withdraw.
    assert_eq!(outcome("0000000440010200"), Ok(Some(ErrorAction::TreatAsWithdraw)));
    // Total attribute length beyond the message: session reset, 3/1.
    let e = outcome("000000FF40010100").unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
    // Withdrawn length beyond the message: session reset.
    assert!(outcome("00FF0000").is_err());
}

#[test]
fn rfc7606_duplicates() {
    // ORIGIN twice: the second is discarded.
    assert_eq!(outcome("000000084001010040010102"), Ok(Some(ErrorAction::Discard)));
    // MP_UNREACH_NLRI twice: session reset, Malformed Attribute List.
    let e = outcome("0000000C800F03000201800F03000201").unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
}

#[test]
fn rfc7606_mp_errors() {
    // MP_REACH_NLRI with a bad next-hop length: AFI/SAFI disable for ipv6 unicast.
    let u = Update::unpack(&hex("0000000A800E0700020103010203"), &neg()).unwrap();
    assert_eq!(u.action(), Some(ErrorAction::AfiSafiDisable));
    assert_eq!(u.errors[0].family, Some(Family::IPV6_UNICAST));
    // MP_REACH_NLRI too short to name a family: session reset.
    assert!(outcome("00000005800E020002").is_err());
}

#[test]
fn rfc4271_unknown_attributes() {
    // Unknown optional transitive: kept, Partial set.
    let u = Update::unpack(&hex("00000004C06301AB"), &neg()).unwrap();
    let Some(Attribute::Unknown(g)) = u.attributes.get(0x63) else { panic!() };
    assert_eq!(g.flags, 0xe0);
    // Unknown optional non-transitive: dropped.
    let u = Update::unpack(&hex("00000004806301AB"), &neg()).unwrap();
    assert!(u.attributes.is_empty() || u.eor().is_some());
    // Unknown "well-known" transitive: ExaBGP keeps it (qa conf-generic-attribute).
    let u = Update::unpack(&hex("00000004606301AB"), &neg()).unwrap();
    assert!(u.attributes.has(0x63));
}

#[test]
fn rfc6793_as4_path_merge_from_two_octet_peer() {
    let mut n = neg();
    n.asn4 = false;
    // AS_PATH (100 AS_TRANS) and AS4_PATH (4200000000).
    let body = hex("00000012 400206020200645BA0 C011060201FA56EA00");
    let u = Update::unpack(&body, &n).unwrap();
    assert_eq!(u.attributes.as_path(), Some(&AsPath::sequence(vec![100, 4200000000])));
    assert!(!u.attributes.has(attr_code::AS4_PATH));
    // And back: AS_PATH with AS_TRANS then AS4_PATH.
    let mut out = BytesMut::new();
    u.attributes.pack_verbatim(&n, &mut out);
    assert_eq!(to_hex(&out), "400206020200645BA0C0110A020200000064FA56EA00");
}

// ===== robustness =====

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Random and mutated bodies never panic in unpack, JSON, text or pack.
#[test]
fn no_panic_on_random_and_mutated_updates() {
    let seeds: Vec<Vec<u8>> = vec![
        hex("0000002E40010100400206020200000001000000024003040A00000180040400000010C008040001000240050400000064180A0000"),
        hex("0000006E4001010040020040050400000064C010080002000A0000000AC028250500220001001E0020010DB800010001000000000000000000004700010006401810000000800E2A000255102001000000000000000000000000000200010001110000006400000064402001000000000000"),
        hex("00000093800E7240044704C0A8FF1D000002006503000000000000000001000020020000040000FDE902010004000000000202000400000000020300040A01010101010024020000040000FDE902010004000000000202000400000000020300080A0104010A010102010300040A010101010400040A0101024001010040020602010000FDE980040400000000801D0704470003000001"),
        hex("00000007900F0003000201"),
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut negs = vec![neg()];
    let mut n2 = neg();
    n2.asn4 = false;
    n2.addpath_receive = all_families();
    n2.addpath_send = all_families();
    negs.push(n2);
    for round in 0..20_000 {
        let mut body = if round % 4 == 0 {
            let len = (rng.next() % 64) as usize;
            (0..len).map(|_| rng.next() as u8).collect::<Vec<u8>>()
        } else {
            seeds[(rng.next() % seeds.len() as u64) as usize].clone()
        };
        for _ in 0..(rng.next() % 4) {
            if body.is_empty() {
                break;
            }
            let i = (rng.next() % body.len() as u64) as usize;
            match rng.next() % 3 {
                0 => body[i] = rng.next() as u8,
                1 => body.truncate(i),
                _ => body.insert(i, rng.next() as u8),
            }
        }
        let neg = &negs[round % negs.len()];
        if let Ok(u) = Update::unpack(&body, neg) {
            let mut s = String::new();
            u.json(&mut s);
            u.text("x", &mut s);
            let mut out = BytesMut::new();
            u.pack(neg, &mut out);
        }
    }
}

#[test]
fn mp_json_text_and_compact() {
    // qa/encoding/api-ipv6.msg: ipv6 unicast announce in MP_REACH_NLRI.
    let body = hex("0000002F40010100400200400504000000C8800E1E00020110200100000000000000000000000000110040FC00000100000000");
    let u = Update::unpack(&body, &neg()).unwrap();
    let mut j = String::new();
    u.json(&mut j);
    assert_eq!(
        j,
        r#"{ "update": { "attribute": { "origin": "igp", "local-preference": 200 }, "announce": { "ipv6 unicast": { "2001::11": [ { "nlri": "fc00:1::/64" } ] } } } }"#
    );
    let mut j = String::new();
    u.json_with(true, &mut j);
    assert!(j.contains(r#""2001::11": [ "fc00:1::/64" ]"#), "{j}");
    let mut t = String::new();
    u.text("n", &mut t);
    assert_eq!(t, "n announced fc00:1::/64 next-hop 2001::11 origin igp local-preference 200\n");
    let ipv6: Vec<_> = u.announces().map(|(n, h)| (n.family(), h)).collect();
    assert_eq!(ipv6, vec![(Family::IPV6_UNICAST, NextHop::Ip("2001::11".parse().unwrap()))]);
    // Withdrawal in MP_UNREACH_NLRI.
    let body = hex("0000000F800F0C00020140FC00000100000000");
    let u = Update::unpack(&body, &neg()).unwrap();
    let mut j = String::new();
    u.json(&mut j);
    assert_eq!(j, r#"{ "update": { "withdraw": { "ipv6 unicast": [ { "nlri": "fc00:1::/64" } ] } } }"#);
    let mut t = String::new();
    u.text("n", &mut t);
    assert_eq!(t, "n withdrawn fc00:1::/64\n");
}

#[test]
fn next_hop_only_attributes_render_an_empty_object() {
    // ExaBGP tests the attribute dict (NEXT_HOP included) for emptiness.
    let body = hex("000000074003040A000001180A0000");
    let u = Update::unpack(&body, &neg()).unwrap();
    let mut j = String::new();
    u.json(&mut j);
    assert!(j.starts_with(r#"{ "update": { "attribute": {  }, "announce": { "ipv4 unicast": { "10.0.0.1": ["#), "{j}");
    assert_eq!(u.action(), Some(ErrorAction::TreatAsWithdraw));
}

#[test]
fn oversized_attributes_are_not_sent() {
    let mut c = crate::bgp::attribute::Communities::new();
    for i in 0..20_000 {
        c.push(i);
    }
    let mut a = Attributes::new();
    a.insert(Attribute::Communities(c));
    a.insert(Attribute::Med(Med(1)));
    let mut out = BytesMut::new();
    a.pack_verbatim(&neg(), &mut out);
    assert_eq!(to_hex(&out), "80040400000001");
    // And routes whose attributes cannot fit a message produce nothing.
    let mut big = crate::bgp::attribute::Communities::new();
    for i in 0..2000 {
        big.push(i);
    }
    let mut a = Attributes::new();
    a.insert(Attribute::Communities(big));
    let nlri = v4("10.0.0.0/8");
    let nh = NextHop::Ip("1.1.1.1".parse().unwrap());
    let mut out = BytesMut::new();
    let n = Packer::new().pack_routes(&a, &[RouteRef { nlri: &nlri, nexthop: &nh, action: Action::Announce }], &neg(), true, &mut out);
    assert_eq!(n, 0);
    assert!(out.is_empty());
}

/// Differential testing helper (not a test): with `EXABGP_DIFF_INPUT`
/// naming a file of `family|hex` lines, print our `"message"` JSON for each,
/// to compare with `exabgp decode` of the reference.
#[test]
#[ignore]
fn print_json_for_diff() {
    let Ok(path) = std::env::var("EXABGP_DIFF_INPUT") else { return };
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let Some((_, h)) = line.split_once('|') else { continue };
        let bytes = hex(h);
        match Update::unpack(&bytes[HEADER_LEN..], &neg()) {
            Ok(u) if std::env::var("EXABGP_DIFF_MODE").is_ok_and(|m| m == "text") => {
                let mut t = String::new();
                u.attributes.text(&mut t);
                println!("{t}");
            }
            Ok(u) => {
                let mut j = String::new();
                u.json(&mut j);
                println!("{j}");
            }
            Err(e) => println!("ERROR {e}"),
        }
    }
}

#[test]
fn link_local_next_hop_is_reported_like_exabgp() {
    // Every NLRI appears under the global and the link-local address.
    let body = hex(
        "0000004840010100400200400504000000648 00E37 0002 01 20 20010000000000000000000000000011 \
         FE800000000000000000000000000001 00 40FC00000100000000 40FC00000200000000",
    );
    let u = Update::unpack(&body, &neg()).unwrap();
    let mut j = String::new();
    u.json(&mut j);
    assert!(j.contains(r#""announce": { "ipv6 unicast": { "2001::11": [ { "nlri": "fc00:1::/64" }, { "nlri": "fc00:2::/64" } ], "fe80::1": [ { "nlri": "fc00:1::/64" }, { "nlri": "fc00:2::/64" } ] } }"#), "{j}");
    assert_eq!(u.announces().count(), 2);
    let mut out = BytesMut::new();
    u.pack(&neg(), &mut out);
    assert_eq!(&out[HEADER_LEN..], &body[..]);
}

#[test]
fn family_key_is_python_hex() {
    for afi in [0u16, 1, 2, 25, 0xff, 0x100, 0xabc, 0x4004, 0xffff] {
        for safi in [0u8, 1, 4, 128, 133, 255] {
            let (k, len) = super::family_key(Family::new(crate::bgp::iana::Afi(afi), crate::bgp::iana::Safi(safi)));
            assert_eq!(std::str::from_utf8(&k[..len]).unwrap(), format!("{afi:02x}{safi:02x}"));
        }
    }
}

/// Announces grouped by family then next-hop, in order of first
/// appearance; withdrawals by family: classic fields and MP ones mixed.
#[test]
fn json_groups_families_and_next_hops_in_order() {
    let inet = |family: Family, s: &str| {
        let (a, l) = s.split_once('/').unwrap();
        Nlri::Inet(Inet { family, path_id: None, prefix: Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap() })
    };
    let v4 = |s: &str| inet(Family::IPV4_UNICAST, s);
    let v6 = |s: &str| inet(Family::IPV6_UNICAST, s);
    let u = Update {
        withdrawn: vec![v4("10.9.0.0/16"), v4("10.8.0.0/16")],
        announced: vec![],
        mp_unreach: Some(MpUnreach { family: Family::IPV6_UNICAST, nlris: vec![v6("2001:db8:9::/48")] }),
        mp_reach: Some(MpReach {
            family: Family::IPV6_UNICAST,
            nexthop: NextHop::Ipv6LinkLocal { global: "2001::1".parse().unwrap(), link_local: "fe80::1".parse().unwrap() },
            nlris: vec![v6("2001:db8:1::/48"), v6("2001:db8:2::/48")],
        }),
        ..Update::default()
    };
    let mut j = String::new();
    u.json_with(true, &mut j);
    assert_eq!(
        j,
        r#"{ "update": { "announce": { "ipv6 unicast": { "2001::1": [ "2001:db8:1::/48", "2001:db8:2::/48" ], "fe80::1": [ "2001:db8:1::/48", "2001:db8:2::/48" ] } }, "withdraw": { "ipv4 unicast": [ "10.9.0.0/16", "10.8.0.0/16" ], "ipv6 unicast": [ "2001:db8:9::/48" ] } } }"#
    );
}

/// Lists mixing plain IPv4 prefixes (written a run at a time) with other
/// NLRI (path-id, IPv6) give each item as `Nlri::json_full` does.
#[test]
fn json_lists_mixing_fast_and_other_items() {
    let inet = |family: Family, s: &str, path_id: Option<u32>| {
        let (a, l) = s.split_once('/').unwrap();
        Nlri::Inet(Inet { family, path_id, prefix: Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap() })
    };
    let v4 = Family::IPV4_UNICAST;
    let list = [
        inet(v4, "10.0.0.0/8", Some(7)),
        inet(v4, "10.1.0.0/16", None),
        inet(v4, "10.2.0.0/16", None),
        inet(v4, "10.3.0.0/16", Some(9)),
        inet(v4, "0.0.0.0/0", None),
        inet(v4, "192.168.255.255/32", Some(1)),
    ];
    for compact in [false, true] {
        for items in [&list[..], &list[1..3], &list[..1], &list[1..]] {
            let u = Update { withdrawn: items.to_vec(), ..Update::default() };
            let mut j = String::new();
            u.json_with(compact, &mut j);
            let mut expected = String::from(r#"{ "update": { "withdraw": { "ipv4 unicast": [ "#);
            for (i, n) in items.iter().enumerate() {
                if i > 0 {
                    expected.push_str(", ");
                }
                n.json_full(&mut expected, None, compact);
            }
            expected.push_str(" ] } } }");
            assert_eq!(j, expected);
        }
    }
}
