//! RIB behaviour against the qa golden files: the API operations of a qa
//! test replayed as RIB calls must produce, bucket by bucket, the bytes the
//! test peer expects (qa/encoding/<test>.msg, qa-harness.md §2.3, §7.2).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

use bytes::BytesMut;

use super::*;
use crate::bgp::attribute::{Attribute, Attributes, NextHop};
use crate::bgp::iana::Family;
use crate::bgp::message::update::{Action, Update, HEADER_LEN};
use crate::bgp::negotiated::{Negotiated, Refresh};
use crate::bgp::nlri::{Inet, Nlri, Prefix};

/// The qa data: `qa/` in the crate, else the shared copy.
fn qa_file(name: &str) -> Option<String> {
    let candidates = [
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("qa/encoding"),
        PathBuf::from("/work/shared/exabgp-qa/encoding"),
    ];
    candidates.iter().find_map(|d| std::fs::read_to_string(d.join(name)).ok())
}

/// The expected messages of a .msg file, per bucket in script order
/// (letter, then step), upper-case hex without colons (qa-harness.md §2.2).
fn buckets(test: &str) -> Vec<Vec<String>> {
    let text = qa_file(&format!("{test}.msg")).expect("qa data");
    let mut map: BTreeMap<(char, u32), Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let line: String = line.trim().chars().filter(|c| !c.is_whitespace()).collect();
        if line.is_empty() || line.contains('#') || line.starts_with("option:") {
            continue;
        }
        let mut parts = line.splitn(3, ':');
        let (step, kind, content) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        if kind != "raw" {
            continue;
        }
        let (letter, number) = match step.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => (c.to_ascii_uppercase(), &step[1..]),
            _ => ('A', step),
        };
        let hex: String = content.chars().filter(|c| *c != ':').collect::<String>().to_uppercase();
        map.entry((letter, number.parse().unwrap())).or_default().push(hex);
    }
    map.into_values().collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// iBGP, ipv4 unicast only: what every test below negotiates.
fn neg() -> Negotiated {
    Negotiated { local_as: 1, peer_as: 1, families: vec![Family::IPV4_UNICAST], ..Negotiated::default() }
}

fn v4(s: &str) -> Nlri {
    let (a, l) = s.split_once('/').unwrap_or((s, "32"));
    Nlri::Inet(Inet {
        family: Family::IPV4_UNICAST,
        path_id: None,
        prefix: Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap(),
    })
}

/// What `announce route <prefix> next-hop <nh>` gives: a NEXT_HOP
/// attribute (ORIGIN, AS_PATH and LOCAL_PREF are defaults added on pack).
fn attrs(nh: &str) -> Rc<Attributes> {
    let mut a = Attributes::new();
    a.insert(Attribute::NextHop(nh.parse().unwrap()));
    Rc::new(a)
}

fn announce(prefix: &str, nh: &str) -> Change {
    Change::announce(v4(prefix), NextHop::Ip(nh.parse().unwrap()), attrs(nh))
}

fn withdraw(prefix: &str, nh: &str) -> Change {
    Change::withdraw(v4(prefix), NextHop::Ip(nh.parse().unwrap()), attrs(nh))
}

/// Everything the cursor has, as hex messages.
fn drain(rib: &mut AdjRibOut, neg: &Negotiated) -> Vec<String> {
    let mut out = BytesMut::new();
    while rib.next_messages(neg, 1000, &mut out) > 0 {}
    split(&out)
}

fn split(mut b: &[u8]) -> Vec<String> {
    let mut v = Vec::new();
    while b.len() >= HEADER_LEN {
        let len = u16::from_be_bytes([b[16], b[17]]) as usize;
        v.push(hex(&b[..len]));
        b = &b[len..];
    }
    assert!(b.is_empty());
    v
}

fn established(manual_eor: bool) -> AdjRibOut {
    let mut rib = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    rib.session_up(manual_eor);
    rib.replace_restart(&[], &[]);
    rib
}

/// api-rib: announce / clear / flush, one UPDATE per withdrawn prefix.
fn api_rib(test: &str, enhanced: bool) {
    let expected = buckets(test);
    let n = Negotiated { refresh: if enhanced { Refresh::Enhanced } else { Refresh::Absent }, ..neg() };
    let mut rib = established(false);
    let mut got: Vec<Vec<String>> = Vec::new();
    got.push(drain(&mut rib, &n)); // 10: EoR

    rib.add_to_rib(announce("192.168.0.0/32", "10.0.0.0"), false);
    rib.withdraw(None);
    assert!(drain(&mut rib, &n).is_empty(), "cleared before sent: nothing");

    rib.add_to_rib(announce("192.168.0.1/32", "10.0.0.1"), false);
    got.push(drain(&mut rib, &n)); // 20
    rib.withdraw(None);
    got.push(drain(&mut rib, &n)); // 21
    rib.add_to_rib(announce("192.168.0.2/32", "10.0.0.2"), false);
    rib.add_to_rib(announce("192.168.0.3/32", "10.0.0.3"), false);
    got.push(drain(&mut rib, &n)); // 30
    rib.resend(enhanced, None);
    got.push(drain(&mut rib, &n)); // 31 (rr: 31, 32, 33)
    rib.add_to_rib(announce("192.168.0.4/32", "10.0.0.4"), false);
    got.push(drain(&mut rib, &n)); // 40
    rib.resend(enhanced, None);
    got.push(drain(&mut rib, &n)); // 41 (rr: 42, 45, 48)
    rib.withdraw(None);
    got.push(drain(&mut rib, &n)); // 50
    rib.add_to_rib(announce("192.168.0.5/32", "10.0.0.5"), false);
    got.push(drain(&mut rib, &n)); // 60

    let flat: Vec<String> = expected.into_iter().flatten().collect();
    let got: Vec<String> = got.into_iter().flatten().collect();
    assert_eq!(got, flat);
}

#[test]
fn qa_api_rib() {
    api_rib("api-rib", false);
}

#[test]
fn qa_api_rr_rib_frames_flush_with_borr_eorr() {
    api_rib("api-rr-rib", true);
}

/// api-fast: commands applied together before the session pulls; an API
/// withdraw replaces the pending announce in place (ExaBGP injects it with
/// add_to_rib), the first round leaves withdrawals out, group-updates off.
#[test]
fn qa_api_fast() {
    let expected = buckets("api-fast");
    let n = neg();
    let mut rib = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    rib.set_group_updates(false);
    rib.session_up(false);
    rib.replace_restart(&[], &[]);
    let mut first = drain(&mut rib, &n); // EoR
    let nh = "101.1.101.1";
    rib.add_to_rib(announce("1.1.0.0/24", nh), false);
    rib.add_to_rib(announce("1.1.0.0/25", nh), false);
    rib.add_to_rib(withdraw("1.1.0.0/24", nh), false);
    rib.add_to_rib(announce("1.1.0.0/25", nh), false);
    first.extend(drain(&mut rib, &n));
    assert_eq!(first, expected[0]);

    rib.add_to_rib(announce("2.2.0.0/25", nh), false);
    rib.add_to_rib(announce("2.2.0.0/24", nh), false);
    rib.add_to_rib(withdraw("2.2.0.0/25", nh), false);
    let second = drain(&mut rib, &n);
    assert_eq!(second[..1], expected[1][..]);
    let mut third = second[1..].to_vec();
    rib.add_to_rib(announce("0.0.0.0/0", "1.101.1.101"), false);
    third.extend(drain(&mut rib, &n));
    assert_eq!(third, expected[2]);
}

/// api-nexthop-self: re-announcing an identical route sends nothing.
#[test]
fn duplicate_announce_is_silent() {
    let n = neg();
    let mut rib = established(false);
    drain(&mut rib, &n);
    rib.add_to_rib(announce("2.2.0.1/32", "127.0.0.1"), false);
    let once = drain(&mut rib, &n);
    assert_eq!(
        once,
        vec!["FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003102000000154001010040020040030\
47F000001400504000000642002020001"
            .to_string()]
    );
    rib.add_to_rib(announce("2.2.0.1/32", "127.0.0.1"), false);
    rib.add_to_rib(announce("2.2.0.1/32", "127.0.0.1"), false);
    assert!(drain(&mut rib, &n).is_empty());
    // Another next-hop is a change; forced adds always go out.
    rib.add_to_rib(announce("2.2.0.1/32", "127.0.0.2"), false);
    assert_eq!(drain(&mut rib, &n).len(), 1);
    rib.add_to_rib(announce("2.2.0.1/32", "127.0.0.2"), true);
    assert_eq!(drain(&mut rib, &n).len(), 1);
}

/// api-teardown: after each reconnect the whole adj-rib-out goes out again.
#[test]
fn qa_api_teardown_readvertises() {
    let expected = buckets("api-teardown");
    let n = neg();
    let mut rib = established(false);
    rib.add_to_rib(announce("1.1.0.0/16", "1.1.1.1"), false);
    let mut a1 = drain(&mut rib, &n);
    a1.sort();
    let mut want = expected[0].clone();
    want.sort();
    assert_eq!(a1, want);

    let mut sessions = Vec::new();
    for (prefix, nh) in [("2.2.0.0/16", "2.2.2.2"), ("3.3.0.0/16", "3.3.3.3")] {
        // Teardown: the session goes, the pending work with it.
        rib.reset();
        rib.add_to_rib(announce(prefix, nh), false);
        rib.session_up(false);
        rib.replace_restart(&[], &[]);
        sessions.push(drain(&mut rib, &n));
    }
    // expected: A1, A2 (notification), B1, B2, C1. A bucket is unordered;
    // ExaBGP sends the route queued while down first (its bucket exists
    // before replace_restart re-queues the cache), then the others.
    for (got, want) in sessions.iter().zip([&expected[2], &expected[4]]) {
        let (mut g, mut w) = (got.clone(), want.clone());
        g.sort();
        w.sort();
        assert_eq!(g, w);
    }
    assert_eq!(sessions[0], vec![expected[2][1].clone(), expected[2][0].clone(), expected[2][2].clone()]);
}

/// api-reload: the new configuration drops 2.0.0.0/24: withdrawn; the
/// unchanged 1.0.0.0/24 is not re-sent; API routes stay.
#[test]
fn qa_api_reload_withdraws_what_disappeared() {
    let expected = buckets("api-reload");
    let n = neg();
    let one = vec![announce("1.0.0.0/24", "4.0.0.0"), announce("2.0.0.0/24", "4.0.0.0")];
    let two = vec![announce("1.0.0.0/24", "4.0.0.0")];
    let mut rib = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    rib.set_group_updates(false);
    for c in &one {
        rib.add_to_rib_watchdog(c.clone(), None, false);
    }
    rib.session_up(false);
    rib.replace_restart(&[], &one);
    assert_eq!(drain(&mut rib, &n), expected[0]);
    rib.replace_reload(&one, &two);
    rib.add_to_rib(announce("3.0.0.0/24", "4.0.0.0"), false);
    assert_eq!(drain(&mut rib, &n), expected[1]);
}

/// A reload that changes one route's attributes re-announces that route
/// only (ExaBGP would keep the old attributes at the peer).
#[test]
fn reload_re_announces_a_changed_route_only() {
    let n = neg();
    let one = vec![announce("1.0.0.0/24", "4.0.0.0"), announce("2.0.0.0/24", "4.0.0.0")];
    let two = vec![announce("1.0.0.0/24", "4.0.0.0"), announce("2.0.0.0/24", "5.0.0.0")];
    let mut rib = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    for c in &one {
        rib.add_to_rib_watchdog(c.clone(), None, false);
    }
    rib.session_up(true);
    rib.replace_restart(&[], &one);
    drain(&mut rib, &n);
    rib.replace_reload(&one, &two);
    let mut direct = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    direct.session_up(true);
    direct.add_to_rib(announce("2.0.0.0/24", "5.0.0.0"), true);
    assert_eq!(drain(&mut rib, &n), drain(&mut direct, &n));
    // Same configuration again: nothing to send.
    rib.replace_reload(&two, &two);
    assert!(drain(&mut rib, &n).is_empty());
}

/// conf-watchdog: the tagged route starts withheld; announce / withdraw
/// watchdog toggle it.
#[test]
fn qa_conf_watchdog() {
    let expected = buckets("conf-watchdog");
    let n = neg();
    let mut rib = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    rib.add_to_rib_watchdog(announce("66.66.66.66/32", "1.2.3.4"), None, false);
    rib.add_to_rib_watchdog(announce("77.77.77.77/32", "1.2.3.4"), Some("dnsr"), true);
    rib.add_to_rib_watchdog(announce("88.88.88.88/32", "1.2.3.4"), None, false);
    rib.add_to_rib_watchdog(announce("100.100.100.100/32", "192.168.1.100"), None, false);
    rib.session_up(false);
    rib.replace_restart(&[], &[]);
    let mut first = drain(&mut rib, &n);
    rib.announce_watchdog("dnsr");
    first.extend(drain(&mut rib, &n));
    let mut sorted = first.clone();
    sorted.sort();
    let mut want = expected[0].clone();
    want.sort();
    assert_eq!(sorted, want);
    for (i, bucket) in expected.iter().enumerate().skip(1) {
        if i % 2 == 1 {
            rib.withdraw_watchdog("dnsr");
        } else {
            rib.announce_watchdog("dnsr");
        }
        assert_eq!(&drain(&mut rib, &n), bucket, "bucket {}", i + 1);
    }
    // Unknown names are ignored.
    rib.announce_watchdog("nope");
    assert!(drain(&mut rib, &n).is_empty());
}

/// The initial table: routes first, then one End-of-RIB per negotiated
/// family, in the negotiated order; none with manual-eor until asked.
#[test]
fn eor_per_family_after_initial_table_and_manual_eor() {
    let n = Negotiated { families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST], ..neg() };
    let mut rib = AdjRibOut::new(true, n.families.clone());
    rib.add_to_rib(announce("10.0.0.0/8", "1.1.1.1"), false);
    rib.session_up(false);
    rib.replace_restart(&[], &[]);
    let got = drain(&mut rib, &n);
    assert_eq!(got.len(), 3);
    assert_eq!(got[1], "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702".to_string() + "00000000");
    assert_eq!(got[2], "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E02".to_string() + "0000000790" + "0F0003000201");

    rib.reset();
    rib.session_up(true);
    rib.replace_restart(&[], &[]);
    assert_eq!(drain(&mut rib, &n).len(), 1, "the route, no EoR");
    rib.queue_eor(Family::IPV6_UNICAST);
    assert_eq!(drain(&mut rib, &n), vec![got[2].clone()]);

    // No family negotiated: a KEEPALIVE stands for the EoR.
    let none = Negotiated { families: vec![], ..neg() };
    let mut rib = established(false);
    assert_eq!(drain(&mut rib, &none), vec!["FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304".to_string()]);
}

/// ExaBGP keeps a route replaced before it was sent in its old attribute
/// bucket: both versions go out, in bucket order.
#[test]
fn replaced_before_sent_goes_out_twice() {
    let n = neg();
    let mut rib = established(false);
    drain(&mut rib, &n);
    rib.add_to_rib(announce("10.0.0.0/8", "1.1.1.1"), false);
    rib.add_to_rib(announce("10.0.0.0/8", "2.2.2.2"), false);
    let got = drain(&mut rib, &n);
    assert_eq!(got.len(), 2);
    assert!(got[0].contains("4003040101010140"));
    assert!(got[1].contains("4003040202020240"));
    // Only the latest is remembered.
    let cached: Vec<&Change> = rib.cached_changes(None).collect();
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].nexthop, NextHop::Ip("2.2.2.2".parse().unwrap()));
}

/// del_from_rib cancels the pending announce and queues a withdraw, which
/// the first round of a session leaves out.
#[test]
fn del_cancels_pending_announce() {
    let n = neg();
    let mut rib = established(false);
    rib.add_to_rib(announce("10.0.0.0/8", "1.1.1.1"), false);
    rib.del_from_rib(announce("10.0.0.0/8", "1.1.1.1"));
    assert!(rib.pending());
    let q: Vec<&Change> = rib.queued_changes().collect();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].action, Action::Withdraw);
    assert_eq!(drain(&mut rib, &n), vec!["FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702".to_string() + "00000000"]);
    assert!(!rib.pending());
    rib.del_from_rib(announce("10.0.0.0/8", "1.1.1.1"));
    assert_eq!(drain(&mut rib, &n), vec!["FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001902".to_string() + "0002080A" + "0000"]);
}

/// With group-updates, ipv4 unicast routes sharing attributes share an
/// UPDATE; routes of other families get one UPDATE each.
#[test]
fn grouping_per_family() {
    let n = Negotiated { families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST], ..neg() };
    let mut rib = AdjRibOut::new(true, n.families.clone());
    rib.session_up(true);
    let a = attrs("1.1.1.1");
    for p in ["10.0.0.0/8", "11.0.0.0/8", "12.0.0.0/8"] {
        rib.add_to_rib(Change::announce(v4(p), NextHop::Ip("1.1.1.1".parse().unwrap()), a.clone()), false);
    }
    let mut v6a = Attributes::new();
    v6a.insert(Attribute::NextHop("2001::1".parse().unwrap()));
    let v6a = Rc::new(v6a);
    for p in ["2001:db8::/32", "2001:db9::/32"] {
        let (addr, len) = p.split_once('/').unwrap();
        let nlri = Nlri::Inet(Inet {
            family: Family::IPV6_UNICAST,
            path_id: None,
            prefix: Prefix::new(addr.parse().unwrap(), len.parse().unwrap()).unwrap(),
        });
        rib.add_to_rib(Change::announce(nlri, NextHop::Ip("2001::1".parse().unwrap()), v6a.clone()), false);
    }
    let got = drain(&mut rib, &n);
    assert_eq!(got.len(), 3);
    assert!(got[0].ends_with("080A080B080C"));
    assert!(got[1].ends_with("2020010DB8"));
    assert!(got[2].ends_with("2020010DB9"));

    rib.set_group_updates(false);
    rib.resend(false, Some(Family::IPV4_UNICAST));
    assert_eq!(drain(&mut rib, &n).len(), 3, "resent routes go one per UPDATE");
}

/// Back-pressure: pulling one message at a time gives the same bytes as
/// pulling everything, and nothing is lost.
#[test]
fn budget_does_not_change_the_stream() {
    let n = neg();
    let build = || {
        let mut rib = established(false);
        let a = attrs("1.1.1.1");
        for i in 0..3000u32 {
            let nlri = Nlri::Inet(Inet {
                family: Family::IPV4_UNICAST,
                path_id: None,
                prefix: Prefix::new(std::net::Ipv4Addr::from(0x0a00_0000 + (i << 8)).into(), 24).unwrap(),
            });
            rib.add_to_rib(Change::announce(nlri, NextHop::Ip("1.1.1.1".parse().unwrap()), a.clone()), false);
        }
        rib
    };
    let mut all = build();
    let whole = drain(&mut all, &n);
    assert!(whole.len() > 3, "split over several messages: {}", whole.len());

    let mut rib = build();
    let mut out = BytesMut::new();
    let mut calls = 0;
    loop {
        let before = out.len();
        let got = rib.next_messages(&n, 1, &mut out);
        if got == 0 {
            break;
        }
        assert_eq!(got, 1);
        assert!(out.len() > before);
        calls += 1;
        // Work arriving mid-round waits for the next round.
        if calls == 1 {
            rib.add_to_rib(announce("192.0.2.0/24", "9.9.9.9"), false);
        }
    }
    // The route added mid-round goes in a second round, before the EoR.
    let stream = split(&out);
    let routes = whole.len() - 1;
    assert_eq!(stream.len(), whole.len() + 1);
    assert!(stream[..routes] == whole[..routes], "same UPDATEs");
    assert!(stream[routes].ends_with("18C00002"));
    assert_eq!(stream[routes + 1], whole[routes]);
    assert!(!rib.has_messages());
}

/// The adj-rib-in follows announces and withdrawals, and forgets all on
/// clear; disabled it keeps nothing.
#[test]
fn adj_rib_in_tracks_received_routes() {
    let n = neg();
    let expected = buckets("api-rib");
    let mut rib = AdjRibIn::new(true, vec![Family::IPV4_UNICAST]);
    // 20: announce 192.168.0.1/32, 21: withdraw it; 30: .2 and .3
    let body = |h: &str| Update::unpack(&unhex(h)[HEADER_LEN..], &n).unwrap();
    rib.update(&body(&expected[1][0]));
    assert_eq!(rib.len(), 1);
    let c = rib.cached_changes(None).next().unwrap();
    assert_eq!(c.nlri, v4("192.168.0.1/32"));
    assert_eq!(c.nexthop, NextHop::Ip("10.0.0.1".parse().unwrap()));
    assert_eq!(c.attributes.local_preference(), Some(100));
    rib.update(&body(&expected[2][0]));
    assert!(rib.is_empty());
    rib.update(&body(&expected[3][0]));
    rib.update(&body(&expected[3][1]));
    assert_eq!(rib.cached_changes(None).count(), 2);
    assert_eq!(rib.cached_changes(Some(&[Family::IPV6_UNICAST])).count(), 0);
    rib.clear();
    assert!(rib.is_empty());

    let mut off = AdjRibIn::new(false, vec![Family::IPV4_UNICAST]);
    off.update(&body(&expected[3][0]));
    assert!(off.is_empty());
}

fn v6(s: &str) -> Nlri {
    let (a, l) = s.split_once('/').unwrap();
    Nlri::Inet(Inet {
        family: Family::IPV6_UNICAST,
        path_id: None,
        prefix: Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap(),
    })
}

/// An MP_REACH_NLRI with a link-local next-hop: ExaBGP keeps the route
/// under the link-local address.
#[test]
fn adj_rib_in_link_local_next_hop() {
    let mut rib = AdjRibIn::new(true, vec![Family::IPV6_UNICAST]);
    let update = Update {
        mp_reach: Some(crate::bgp::attribute::MpReach {
            family: Family::IPV6_UNICAST,
            nexthop: NextHop::Ipv6LinkLocal {
                global: "2001::1".parse().unwrap(),
                link_local: "fe80::1".parse().unwrap(),
            },
            nlris: vec![v6("2001:db8::/32")],
        }),
        ..Update::default()
    };
    rib.update(&update);
    let held: Vec<&Change> = rib.cached_changes(None).collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].nexthop, NextHop::Ip("fe80::1".parse().unwrap()));
}

/// Enhanced refresh over two families: BoRR per family (Python set order),
/// the routes one UPDATE each, EoRR per family (RFC 7313 §4).
#[test]
fn enhanced_resend_two_families() {
    let n = Negotiated { families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST], ..neg() };
    let mut rib = AdjRibOut::new(true, vec![Family::IPV6_UNICAST, Family::IPV4_UNICAST]);
    rib.session_up(true);
    let mut a6 = Attributes::new();
    a6.insert(Attribute::NextHop("2001::1".parse().unwrap()));
    rib.add_to_rib(Change::announce(v6("2001:db8::/32"), NextHop::Ip("2001::1".parse().unwrap()), Rc::new(a6)), false);
    rib.add_to_rib(announce("10.0.0.0/8", "1.1.1.1"), false);
    rib.add_to_rib(announce("11.0.0.0/8", "1.1.1.1"), false);
    assert_eq!(drain(&mut rib, &n).len(), 2, "v6 route, then the two v4 routes in one UPDATE");
    rib.resend(true, None);
    let got = drain(&mut rib, &n);
    let borr = |afi: &str| format!("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001705{afi}0101");
    let eorr = |afi: &str| format!("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001705{afi}0201");
    assert_eq!(got.len(), 7);
    assert_eq!(got[..2], [borr("0001"), borr("0002")]);
    assert!(got[2].ends_with("080A") && got[3].ends_with("080B"), "ipv4 first: set order");
    assert!(got[4].ends_with("2020010DB8"));
    assert_eq!(got[5..], [eorr("0001"), eorr("0002")]);
    // A refresh request for one family re-sends that family only.
    rib.resend(false, Some(Family::IPV6_UNICAST));
    assert_eq!(drain(&mut rib, &n).len(), 1);
    // The pending view while a change waits.
    rib.add_to_rib(announce("12.0.0.0/8", "1.1.1.1"), false);
    rib.add_to_rib(announce("12.0.0.0/8", "2.2.2.2"), false);
    let queued: Vec<&Change> = rib.queued_changes().collect();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].nexthop, NextHop::Ip("2.2.2.2".parse().unwrap()));
}

/// adj-rib-out off: nothing remembered, so nothing re-sent and no
/// duplicate suppression.
#[test]
fn adj_rib_out_disabled() {
    let n = neg();
    let mut rib = AdjRibOut::new(false, vec![Family::IPV4_UNICAST]);
    rib.session_up(true);
    rib.add_to_rib(announce("10.0.0.0/8", "1.1.1.1"), false);
    assert_eq!(drain(&mut rib, &n).len(), 1);
    rib.add_to_rib(announce("10.0.0.0/8", "1.1.1.1"), false);
    assert_eq!(drain(&mut rib, &n).len(), 1);
    rib.reset();
    rib.session_up(true);
    rib.replace_restart(&[], &[]);
    assert!(drain(&mut rib, &n).is_empty());
}

/// Families removed by a reload are forgotten.
#[test]
fn set_families_forgets_removed_families() {
    let mut rib = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    rib.add_to_rib(announce("10.0.0.0/8", "1.1.1.1"), false);
    assert_eq!(rib.cached_changes(None).count(), 1);
    rib.set_families(vec![Family::IPV6_UNICAST]);
    assert_eq!(rib.cached_changes(None).count(), 0);
    rib.set_families(vec![Family::IPV4_UNICAST]);
    assert_eq!(rib.cached_changes(None).count(), 0);
}

/// 1M routes in 1000 attribute sets: add and pack rate. Run with
/// `cargo test --release --lib rib::tests::perf -- --ignored --nocapture`.
#[test]
#[ignore]
fn perf_million_routes() {
    let n = Negotiated { msg_size: crate::bgp::negotiated::MSG_SIZE_STANDARD, ..neg() };
    let sets: Vec<Rc<Attributes>> = (0..1000u32)
        .map(|i| {
            let mut a = Attributes::new();
            a.insert(Attribute::NextHop(std::net::Ipv4Addr::from(0x0b00_0000 + i).into()));
            Rc::new(a)
        })
        .collect();
    let mut rib = established(false);
    let start = std::time::Instant::now();
    let total = 1_000_000u32;
    for i in 0..total {
        let a = &sets[(i / 1000) as usize];
        let nlri = Nlri::Inet(Inet {
            family: Family::IPV4_UNICAST,
            path_id: None,
            prefix: Prefix::new(std::net::Ipv4Addr::from(0x1000_0000 + (i << 8)).into(), 24).unwrap(),
        });
        let nh = match a.next_hop() {
            Some(ip) => NextHop::Ip(ip),
            None => NextHop::None,
        };
        rib.add_to_rib(Change::announce(nlri, nh, a.clone()), false);
    }
    let added = start.elapsed();
    let start = std::time::Instant::now();
    let mut out = BytesMut::with_capacity(1 << 20);
    let mut messages = 0;
    loop {
        out.clear();
        let got = rib.next_messages(&n, 25, &mut out);
        if got == 0 {
            break;
        }
        messages += got;
    }
    let packed = start.elapsed();
    println!(
        "{total} routes: add {:.0} routes/s, pack {:.0} routes/s, {messages} messages",
        total as f64 / added.as_secs_f64(),
        total as f64 / packed.as_secs_f64()
    );
}

/// The per-route footprint the million-route case pays (keys inline).
#[test]
fn route_footprint() {
    assert!(std::mem::size_of::<RouteKey>() <= 40);
    assert!(std::mem::size_of::<Change>() <= 128);
}

/// The bulk-load shortcut (appending without lookups while every pending
/// key is cached) must give the stream a RIB without a cache gives, which
/// always looks keys up: repeated keys, replaced attributes, withdrawals
/// before the round, and a second round.
#[test]
fn bulk_append_matches_looked_up_filing() {
    let script = |rib: &mut AdjRibOut| {
        rib.session_up(false);
        for i in 0..300u32 {
            let p = format!("10.{}.{}.0/24", i / 256, i % 256);
            let nh = if i % 3 == 0 { "1.1.1.1" } else { "2.2.2.2" };
            rib.add_to_rib(announce(&p, nh), false);
        }
        // Same key again: same attributes (in place), other attributes (twice).
        rib.add_to_rib(announce("10.0.5.0/24", "2.2.2.2"), true);
        rib.add_to_rib(announce("10.0.7.0/24", "1.1.1.1"), true);
        rib.del_from_rib(withdraw("10.0.9.0/24", "1.1.1.1"));
        rib.add_to_rib(announce("10.0.9.0/24", "3.3.3.3"), true);
        rib.add_to_rib(announce("10.0.11.0/24", "3.3.3.3"), true);
    };
    let mut with_cache = AdjRibOut::new(true, vec![Family::IPV4_UNICAST]);
    let mut without = AdjRibOut::new(false, vec![Family::IPV4_UNICAST]);
    script(&mut with_cache);
    script(&mut without);
    let a: Vec<String> = with_cache.queued_changes().map(|c| format!("{c:?}")).collect();
    let b: Vec<String> = without.queued_changes().map(|c| format!("{c:?}")).collect();
    assert_eq!(a, b);
    assert_eq!(drain(&mut with_cache, &neg()), drain(&mut without, &neg()));
    // Second round, withdrawals included.
    for rib in [&mut with_cache, &mut without] {
        rib.add_to_rib(announce("10.0.1.0/24", "4.4.4.4"), true);
        rib.del_from_rib(withdraw("10.0.2.0/24", "2.2.2.2"));
        rib.add_to_rib(announce("11.0.0.0/8", "4.4.4.4"), true);
    }
    assert_eq!(drain(&mut with_cache, &neg()), drain(&mut without, &neg()));
    assert_eq!(with_cache.cached_changes(None).count(), 300);
}
