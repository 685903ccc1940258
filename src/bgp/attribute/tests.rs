//! Tests of `Attributes`: renderings against api.md's live samples, ExaBGP's
//! packing rules (defaults, skips, AS4_* generation, extended length), every
//! attribute's round trip and the RFC 7606 classification.

use std::net::Ipv4Addr;

use super::community::extended::ExtendedCommunity;
use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

fn ibgp() -> Negotiated {
    Negotiated { local_as: 65001, peer_as: 65001, ..Negotiated::default() }
}

fn ebgp() -> Negotiated {
    Negotiated { local_as: 65001, peer_as: 65002, ..Negotiated::default() }
}

/// The attribute set of api.md §5.6 / §6 live samples.
fn sample() -> Attributes {
    let mut a = Attributes::new();
    a.insert(Attribute::Origin(Origin::IGP));
    a.insert(Attribute::AsPath(AsPath::sequence(vec![65002, 65010])));
    a.insert(Attribute::NextHop("127.0.0.2".parse().unwrap()));
    a.insert(Attribute::Med(Med(10)));
    a.insert(Attribute::AtomicAggregate);
    a.insert(Attribute::Aggregator(Aggregator { asn: 65002, speaker: Ipv4Addr::new(1, 2, 3, 4) }));
    let mut c = Communities::new();
    c.push(community::initial::NO_EXPORT);
    c.push((65002 << 16) | 1);
    a.insert(Attribute::Communities(c));
    a.insert(Attribute::OriginatorId(OriginatorId(Ipv4Addr::new(9, 9, 9, 9))));
    a.insert(Attribute::ClusterList(ClusterList(vec![Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2)])));
    let mut e = ExtendedCommunities::new();
    e.push(ExtendedCommunity(72903127120216069u64.to_be_bytes()));
    e.push(ExtendedCommunity(842131417595911u64.to_be_bytes()));
    a.insert(Attribute::ExtendedCommunities(e));
    let mut l = LargeCommunities::new();
    l.push(LargeCommunity(65002, 1, 2));
    a.insert(Attribute::LargeCommunities(l));
    a
}

#[test]
fn json_matches_the_live_sample() {
    let mut j = String::new();
    sample().json(&mut j);
    assert_eq!(
        j,
        r#""origin": "igp", "as-path": {"0": {"element": "as-sequence", "value": [65002, 65010]}}, "med": 10, "atomic-aggregate": true, "aggregator": "65002:1.2.3.4", "community": [ [ 65002, 1 ], [ 65535, 65281 ] ], "originator-id": "9.9.9.9", "cluster-list": [ "1.1.1.1", "2.2.2.2" ], "extended-community": [ { "value": 842131417595911, "string": "target:65002:7" }, { "value": 72903127120216069, "string": "origin:1.2.3.4:5" } ], "large-community": [ [ 65002, 1 , 2 ] ]"#
    );
}

#[test]
fn text_matches_the_live_sample() {
    let mut t = String::new();
    sample().text(&mut t);
    assert_eq!(
        t,
        " origin igp as-path ( 65002 65010 ) med 10 atomic-aggregate aggregator ( 65002:1.2.3.4 ) community [ 65002:1 no-export ] originator-id 9.9.9.9 cluster-list [ 1.1.1.1 2.2.2.2 ] extended-community [ target:65002:7 origin:1.2.3.4:5 ] large-community 65002:1:2"
    );
}

#[test]
fn sample_round_trips() {
    let neg = ibgp();
    let mut out = BytesMut::new();
    sample().pack(&neg, false, &mut out);
    let parsed = Attributes::unpack(&out, &neg).unwrap();
    assert!(parsed.errors.is_empty());
    assert_eq!(parsed.attributes, sample());
    let mut again = BytesMut::new();
    parsed.attributes.pack_verbatim(&neg, &mut again);
    assert_eq!(out, again);
}

#[test]
fn defaults_on_ibgp_and_ebgp() {
    let empty = Attributes::new();
    let mut out = BytesMut::new();
    empty.pack(&ibgp(), true, &mut out);
    assert_eq!(to_hex(&out), "4001010040020040050400000064");
    out.clear();
    empty.pack(&ebgp(), true, &mut out);
    assert_eq!(to_hex(&out), "40010100400206020100 00FDE9".replace(' ', ""));
    out.clear();
    empty.pack(&ibgp(), false, &mut out);
    assert!(out.is_empty());
}

#[test]
fn skips_like_exabgp() {
    let mut a = Attributes::new();
    a.insert(Attribute::NextHop("2001::1".parse().unwrap()));
    a.insert(Attribute::LocalPreference(LocalPreference(200)));
    a.insert(Attribute::Aigp(Aigp::new(5)));
    a.insert(Attribute::Communities(Communities::new()));
    let mut out = BytesMut::new();
    a.pack(&ebgp(), false, &mut out);
    // IPv6 NEXT_HOP, LOCAL_PREF on eBGP, AIGP not negotiated on eBGP and an
    // empty optional attribute are all left out.
    assert!(out.is_empty(), "{}", to_hex(&out));
    out.clear();
    a.pack(&ibgp(), false, &mut out);
    assert_eq!(to_hex(&out), "40050400000 0C8 801A0B01000B0000000000000005".replace(' ', ""));
}

#[test]
fn four_octet_asns_to_a_two_octet_peer() {
    let mut neg = ebgp();
    neg.asn4 = false;
    let mut a = Attributes::new();
    a.insert(Attribute::Origin(Origin::IGP));
    a.insert(Attribute::AsPath(AsPath::sequence(vec![65001, 4200000000])));
    a.insert(Attribute::Aggregator(Aggregator { asn: 4200000000, speaker: Ipv4Addr::new(1, 2, 3, 4) }));
    let mut out = BytesMut::new();
    a.pack(&neg, true, &mut out);
    assert_eq!(
        to_hex(&out),
        [
            "40010100",
            "40020602 02FDE95BA0",
            "C0110A0202 0000FDE9 FA56EA00",
            "C00706 5BA0 01020304",
            "C01208 FA56EA00 01020304",
        ]
        .concat()
        .replace(' ', "")
    );
    // And back from the two-octet peer: merged (RFC 6793 §4.2.3).
    let parsed = Attributes::unpack(&out, &neg).unwrap();
    assert!(parsed.errors.is_empty());
    assert_eq!(parsed.attributes, a);
}

#[test]
fn extended_length_when_longer_than_255() {
    let mut c = Communities::new();
    for i in 0..70 {
        c.push(i);
    }
    let mut a = Attributes::new();
    a.insert(Attribute::Communities(c));
    let mut out = BytesMut::new();
    a.pack_verbatim(&ibgp(), &mut out);
    assert_eq!(&out[..4], &[0xd0, 0x08, 0x01, 0x18]);
    assert_eq!(out.len(), 4 + 280);
    let parsed = Attributes::unpack(&out, &ibgp()).unwrap();
    assert_eq!(parsed.attributes, a);
}

#[test]
fn every_attribute_round_trips() {
    let mut neg = ibgp();
    neg.aigp = true;
    let body = [
        "400101 02",
        "400206 0201 0000FDE9",
        "400304 0A000001",
        "800404 00000064",
        "400504 000000C8",
        "400600",
        "C00708 0000FDE9 01020304",
        "C00808 FFFFFF01 FFFFFF02",
        "800904 01010101",
        "800A08 01010101 02020202",
        "C01010 0002FDEA00000007 8006000000000000",
        "C01609 0006 000641 0A000001",
        "C01914 000B 20010DB8000000000000000000000001 0009",
        "801A0B 01 000B 0000000000000064",
        "801D07 0447 0003 000001",
        "C0200C 0000FDEA 00000001 00000002",
        "C0280A 01 0007 00 0000 00000003",
        "E06302 ABCD",
    ]
    .concat();
    let wire = hex(&body);
    let parsed = Attributes::unpack(&wire, &neg).unwrap();
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.attributes.len(), 18);
    let mut out = BytesMut::new();
    parsed.attributes.pack_verbatim(&neg, &mut out);
    assert_eq!(to_hex(&out), to_hex(&wire));
    let mut j = String::new();
    parsed.attributes.json(&mut j);
    for piece in [
        r#""origin": "incomplete""#,
        r#""pmsi": "pmsi:ingressreplication:0:100(1601):10.0.0.1""#,
        r#""attribute-0x19-0xC0": "redirect 2001:db8::1:9""#,
        r#""aigp": "0x0000000000000064""#,
        r#""bgp-ls": { "igp-metric": 1 }"#,
        r#""bgp-prefix-sid": { "sr-label-index": 3 }"#,
        r#""attribute-0x63-0xE0": "0xabcd""#,
        r#""string": "rate-limit:0""#,
    ] {
        assert!(j.contains(piece), "{piece} not in {j}");
    }
    let mut t = String::new();
    parsed.attributes.text(&mut t);
    assert!(t.contains(" community [ no-export no-advertise ]"), "{t}");
    assert!(t.contains(" attribute [ 0x63 0xE0 0xabcd ]"), "{t}");
    assert!(t.contains(" bgp-prefix-sid [ 3 ]"), "{t}");
}

#[test]
fn aigp_is_dropped_where_not_negotiated() {
    let wire = hex("801A0B01000B0000000000000064");
    let parsed = Attributes::unpack(&wire, &ibgp()).unwrap();
    assert!(parsed.attributes.is_empty());
}

#[test]
fn rfc7606_flags_and_lengths() {
    let neg = ibgp();
    // ORIGIN marked optional: flags error, treat-as-withdraw.
    let p = Attributes::unpack(&hex("C0010100"), &neg).unwrap();
    assert_eq!(p.action(), Some(ErrorAction::TreatAsWithdraw));
    assert_eq!(p.errors[0].notify.subcode, subcode::ATTRIBUTE_FLAGS_ERROR);
    // MED marked transitive: flags error, treat-as-withdraw.
    let p = Attributes::unpack(&hex("C00404 00000001"), &neg).unwrap();
    assert_eq!(p.action(), Some(ErrorAction::TreatAsWithdraw));
    // Partial is not checked (RFC 7606 §3.c names Optional and Transitive only).
    let p = Attributes::unpack(&hex("60010100 A00404 00000001"), &neg).unwrap();
    assert_eq!(p.action(), None);
    // Partial on an optional transitive attribute is fine.
    let p = Attributes::unpack(&hex("E00804FFFFFF01"), &neg).unwrap();
    assert_eq!(p.action(), None);
    // Zero-length LOCAL_PREF: treat-as-withdraw; zero-length ATOMIC_AGGREGATE is fine.
    let p = Attributes::unpack(&hex("400500 400600"), &neg).unwrap();
    assert_eq!(p.action(), Some(ErrorAction::TreatAsWithdraw));
    assert!(p.attributes.has(attr_code::ATOMIC_AGGREGATE));
    // ATOMIC_AGGREGATE with a value: discard, the rest is kept.
    let p = Attributes::unpack(&hex("40060101 40010100"), &neg).unwrap();
    assert_eq!(p.action(), Some(ErrorAction::Discard));
    assert!(p.attributes.has(attr_code::ORIGIN));
    // Malformed BGP-LS attribute: discard.
    let p = Attributes::unpack(&hex("801D03 044700"), &neg).unwrap();
    assert_eq!(p.action(), Some(ErrorAction::Discard));
    // A truncated attribute header: treat-as-withdraw.
    let p = Attributes::unpack(&hex("40010100 40"), &neg).unwrap();
    assert_eq!(p.action(), Some(ErrorAction::TreatAsWithdraw));
    // AS4_PATH from a four-octet peer is ignored (RFC 6793 §4.1).
    let p = Attributes::unpack(&hex("C01106 0201 0000FDE9"), &neg).unwrap();
    assert!(p.attributes.is_empty() && p.errors.is_empty());
}

#[test]
fn error_actions_are_ordered() {
    assert!(ErrorAction::Discard < ErrorAction::TreatAsWithdraw);
    assert!(ErrorAction::TreatAsWithdraw < ErrorAction::AfiSafiDisable);
    assert!(ErrorAction::AfiSafiDisable < ErrorAction::SessionReset);
    assert_eq!(name(2), "as-path");
    assert_eq!(name(0x63), "unknown-attribute-0x63");
    assert!(TABLE.windows(2).all(|w| w[0].code < w[1].code));
}

#[test]
fn python_float_repr() {
    for (v, want) in [
        (125000000.0, "125000000.0"),
        (1250000000.0, "1250000000.0"),
        (0.5, "0.5"),
        (123.456, "123.456"),
        (0.0001, "0.0001"),
        (0.000015, "1.5e-05"),
        (1e16, "1e+16"),
        (1.5e22, "1.5e+22"),
        (0.0, "0.0"),
        (-2.0, "-2.0"),
    ] {
        let mut s = String::new();
        push_py_float(&mut s, v);
        assert_eq!(s, want);
    }
}

#[test]
fn insert_keeps_code_order_and_replaces() {
    let mut a = Attributes::new();
    a.insert(Attribute::Med(Med(1)));
    a.insert(Attribute::Origin(Origin::EGP));
    a.insert(Attribute::Med(Med(2)));
    assert_eq!(a.len(), 2);
    assert_eq!(a.med(), Some(2));
    assert_eq!(a.iter().map(|x| x.code()).collect::<Vec<_>>(), vec![1, 4]);
    assert!(a.remove(1).is_some());
    assert_eq!(a.origin(), None);
}
