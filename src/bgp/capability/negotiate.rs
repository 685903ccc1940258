//! What two OPENs agree on (`Negotiated`), and the checks ExaBGP makes on the
//! peer's OPEN once both are known (RFC 4271 §6.2, RFC 6286, RFC 6793 §4).
//!
//! ExaBGP computes the agreement first and validates afterwards; both steps
//! are done here, in its order, so the first error it would report is the one
//! returned.

use std::fmt::Write;
use std::net::Ipv4Addr;

use crate::bgp::iana::{cap_code, Family};
use crate::bgp::message::open::{Open, AS_TRANS};
use crate::bgp::negotiated::{Negotiated, Refresh, MSG_SIZE_EXTENDED, MSG_SIZE_STANDARD};
use crate::bgp::notify::{code, subcode, Notify};

use super::addpath::{RECEIVE, SEND};
use super::{code_name, Capabilities, Capability};

/// What the neighbor's configuration expects of the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// `peer-as`; `None` accepts any.
    pub peer_as: Option<u32>,
    /// `local-as`.
    pub local_as: u32,
    /// Our `router-id`.
    pub router_id: Ipv4Addr,
    /// `capability { aigp … }`: not a wire capability, taken from the configuration.
    pub aigp: bool,
}

/// OPEN subcodes of draft-ietf-idr-bgp-multisession §7 (not in RFC 4271's table).
const GROUPING_CONFLICT: u8 = 8;
const GROUPING_REQUIRED: u8 = 9;

/// RFC 4271 §6.2 hold time floor: 0 or at least 3 seconds.
pub const HOLD_TIME_MIN: u16 = 3;

/// Agree on the session parameters and check the peer's OPEN.
pub fn negotiate(sent: &Open, received: &Open, expect: &Expect) -> Result<Negotiated, Notify> {
    let ours = &sent.capabilities;
    let theirs = &received.capabilities;
    let both = |code: u8| ours.announced(code) && theirs.announced(code);

    let asn4 = both(cap_code::FOUR_BYTES_ASN);
    let mut peer_as = received.asn;
    if received.asn == AS_TRANS as u32 && asn4 {
        // RFC 6793 §4.1: the real AS is in the capability.
        peer_as = theirs.asn4().unwrap_or(peer_as);
    }

    let mut families = Vec::new();
    if let (Some(s), Some(r)) = (ours.multiprotocol(), theirs.multiprotocol()) {
        families.extend(r.families.iter().filter(|f| s.families.contains(f)));
    }

    let mut nexthop = Vec::new();
    if let (Some(s), Some(r)) = (ours.nexthop(), theirs.nexthop()) {
        nexthop.extend(r.entries.iter().filter(|e| s.entries.contains(e)));
    }

    let (addpath_send, addpath_receive) = addpath(ours, theirs);

    // Like ExaBGP, only code 2 counts for route-refresh (not Cisco's 128).
    let refresh = if both(cap_code::ENHANCED_ROUTE_REFRESH) {
        Refresh::Enhanced
    } else if both(cap_code::ROUTE_REFRESH) {
        Refresh::Normal
    } else {
        Refresh::Absent
    };

    let msg_size = if both(cap_code::EXTENDED_MESSAGE) { MSG_SIZE_EXTENDED } else { MSG_SIZE_STANDARD };

    let (multisession, multisession_error) = multisession(ours, theirs);

    let negotiated = Negotiated {
        local_as: sent.asn,
        peer_as,
        asn4,
        hold_time: sent.hold_time.min(received.hold_time),
        families,
        nexthop,
        addpath_send,
        addpath_receive,
        msg_size,
        refresh,
        operational: both(cap_code::OPERATIONAL),
        multisession,
        aigp: expect.aigp,
    };

    if let Some(expected) = expect.peer_as {
        if negotiated.peer_as != expected {
            let text = format!("ASN in OPEN ({}) did not match ASN expected ({})", received.asn, expected);
            return Err(Notify::with_text(code::OPEN_MESSAGE, subcode::BAD_PEER_AS, &text));
        }
    }
    // RFC 6286 §2.2: a BGP Identifier of 0 is invalid.
    if received.router_id.is_unspecified() {
        return Err(Notify::with_text(code::OPEN_MESSAGE, subcode::BAD_BGP_IDENTIFIER, "0.0.0.0 is an invalid router_id"));
    }
    // RFC 6286 §2.2: unique within an AS, so iBGP peers must differ.
    if received.asn == expect.local_as && received.router_id == expect.router_id {
        let text = format!(
            "BGP Identifier collision, same router-id ({}) on both sides of this IBGP session",
            received.router_id
        );
        return Err(Notify::with_text(code::OPEN_MESSAGE, subcode::BAD_BGP_IDENTIFIER, &text));
    }
    // RFC 4271 §4.2: "MUST be either zero or at least three seconds".
    if received.hold_time != 0 && received.hold_time < HOLD_TIME_MIN {
        let text = format!("Hold Time is invalid ({})", received.hold_time);
        return Err(Notify::with_text(code::OPEN_MESSAGE, subcode::UNACCEPTABLE_HOLD_TIME, &text));
    }
    if let Some(error) = multisession_error {
        return Err(error);
    }
    Ok(negotiated)
}

/// RFC 7911 §4: we send path-ids where we said "send" and the peer
/// "receive", and receive them the other way round. Families are listed in
/// the order we announced them, then the peer's others.
fn addpath(ours: &Capabilities, theirs: &Capabilities) -> (Vec<Family>, Vec<Family>) {
    let mut send = Vec::new();
    let mut receive = Vec::new();
    let ours_ap = ours.addpath();
    let theirs_ap = theirs.addpath();
    let mut union: Vec<Family> = ours_ap.map(|a| a.families.iter().map(|(f, _)| *f).collect()).unwrap_or_default();
    if let Some(t) = theirs_ap {
        for (f, _) in &t.families {
            if !union.contains(f) {
                union.push(*f);
            }
        }
    }
    for family in union {
        let here = ours_ap.map_or(0, |a| a.get(family));
        let there = theirs_ap.map_or(0, |a| a.get(family));
        if here & SEND != 0 && there & RECEIVE != 0 {
            send.push(family);
        }
        if here & RECEIVE != 0 && there & SEND != 0 {
            receive.push(family);
        }
    }
    (send, receive)
}

/// draft-ietf-idr-bgp-multisession: whether it is in use, and the error
/// ExaBGP reports (later, after the other checks) when it cannot be.
fn multisession(ours: &Capabilities, theirs: &Capabilities) -> (bool, Option<Notify>) {
    let rfc = ours.announced(cap_code::MULTISESSION) && theirs.announced(cap_code::MULTISESSION);
    let cisco = ours.announced(cap_code::MULTISESSION_CISCO) && theirs.announced(cap_code::MULTISESSION_CISCO);
    if !(rfc || cisco) {
        if ours.announced(cap_code::MULTISESSION) {
            let e = Notify::with_text(code::OPEN_MESSAGE, GROUPING_REQUIRED, "multisession is mandatory with this peer");
            return (false, Some(e));
        }
        return (false, None);
    }
    let grouping = |caps: &Capabilities| -> Vec<u8> {
        let ms = caps.multisession(false).or_else(|| caps.multisession(true));
        let mut codes: Vec<u8> = ms.map(|m| m.codes.clone()).unwrap_or_default();
        codes.sort_unstable();
        codes.dedup();
        if codes.is_empty() {
            codes.push(cap_code::MULTIPROTOCOL);
        }
        codes
    };
    let sent_codes = grouping(ours);
    let mut error = None;
    if sent_codes != grouping(theirs) {
        error = Some(Notify::with_text(
            code::OPEN_MESSAGE,
            GROUPING_CONFLICT,
            "multisession, our peer did not reply with the same sessionid",
        ));
    }
    // Each capability grouping the session must be the same on both sides.
    for c in sent_codes {
        let same = match (ours.get(c), theirs.get(c)) {
            (Some(a), Some(b)) => same_capability(a, b),
            _ => false,
        };
        if !same {
            let text = format!("when checking session id, capability {} did not match", code_name(c));
            error = Some(Notify::with_text(code::OPEN_MESSAGE, GROUPING_CONFLICT, &text));
            break;
        }
    }
    (error.is_none(), error)
}

fn same_capability(a: &Capability, b: &Capability) -> bool {
    a == b
}

/// A family one side has and the other has not (ExaBGP only logs these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Who is missing it: `"exabgp"` (only the peer announced it) or `"peer"`.
    pub missing: &'static str,
    pub family: Family,
}

/// Families announced by only one side, ours first.
pub fn family_mismatch(sent: &Open, received: &Open) -> Vec<Mismatch> {
    let empty = Vec::new();
    let s = sent.capabilities.multiprotocol().map_or(&empty, |m| &m.families);
    let r = received.capabilities.multiprotocol().map_or(&empty, |m| &m.families);
    let mut out: Vec<Mismatch> = Vec::new();
    for f in s.iter().filter(|f| !r.contains(f)) {
        if !out.iter().any(|m| m.family == *f) {
            out.push(Mismatch { missing: "peer", family: *f });
        }
    }
    for f in r.iter().filter(|f| !s.contains(f)) {
        if !out.iter().any(|m| m.family == *f) {
            out.push(Mismatch { missing: "exabgp", family: *f });
        }
    }
    out
}

// ===== impl Negotiated =====

impl Negotiated {
    /// The `"negotiated": { … } ` fragment of api.md §5.4, trailing space
    /// included as ExaBGP writes it.
    ///
    /// ExaBGP writes `families` and `nexthop` entries unquoted (invalid
    /// JSON); here they are quoted strings with the same words.
    pub fn json(&self, out: &mut String) {
        let _ = write!(
            out,
            "\"negotiated\": {{ \"message_size\": {}, \"hold_time\": {}, \"asn4\": {}, \"multisession\": {}, \"operational\": {}, \"refresh\": \"{}\", \"families\": ",
            self.msg_size,
            self.hold_time,
            self.asn4,
            self.multisession,
            self.operational,
            self.refresh.name()
        );
        json_list(out, self.families.iter().map(|f| f.to_string()));
        out.push_str(", \"nexthop\": ");
        json_list(out, self.nexthop.iter().map(|(f, nh)| format!("{f} {nh}")));
        out.push_str(", \"add_path\": { \"send\": ");
        json_list(out, self.families.iter().filter(|f| self.addpath_send.contains(f)).map(|f| f.to_string()));
        out.push_str(", \"receive\": ");
        json_list(out, self.families.iter().filter(|f| self.addpath_receive.contains(f)).map(|f| f.to_string()));
        out.push_str(" } } ");
    }
}

/// `[ "a", "b" ]`, or `[  ]` when empty, as ExaBGP spaces it.
fn json_list(out: &mut String, items: impl Iterator<Item = String>) {
    out.push_str("[ ");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        crate::json::string(out, &item);
    }
    out.push_str(" ]");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::capability::{AddPath, Asn4, LocalCapabilities, MultiProtocol, MultiSession, RouteRefresh};
    use crate::bgp::iana::Afi;

    fn open(asn: u32, hold: u16, id: [u8; 4], caps: Capabilities) -> Open {
        Open { version: 4, asn, hold_time: hold, router_id: Ipv4Addr::from(id), capabilities: caps }
    }

    fn expect() -> Expect {
        Expect { peer_as: Some(65002), local_as: 65001, router_id: Ipv4Addr::new(1, 1, 1, 1), aigp: false }
    }

    fn local(families: Vec<Family>) -> LocalCapabilities {
        LocalCapabilities { families, local_as: 65001, asn4: true, route_refresh: true, ..Default::default() }
    }

    #[test]
    fn basic_agreement() {
        let sent = open(65001, 9, [1, 1, 1, 1], local(vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]).build());
        let mut theirs = local(vec![Family::IPV6_UNICAST, Family::IPV4_FLOW]);
        theirs.local_as = 65002;
        theirs.route_refresh = false;
        let received = open(65002, 180, [2, 2, 2, 2], theirs.build());
        let n = negotiate(&sent, &received, &expect()).unwrap();
        assert_eq!(n.hold_time, 9);
        assert!(n.asn4);
        assert_eq!(n.peer_as, 65002);
        assert_eq!(n.local_as, 65001);
        assert_eq!(n.families, vec![Family::IPV6_UNICAST]);
        assert_eq!(n.refresh, Refresh::Absent);
        assert_eq!(n.msg_size, 4096);
        let m = family_mismatch(&sent, &received);
        assert_eq!(
            m,
            vec![
                Mismatch { missing: "peer", family: Family::IPV4_UNICAST },
                Mismatch { missing: "exabgp", family: Family::IPV4_FLOW }
            ]
        );
    }

    #[test]
    fn refresh_and_extended_message() {
        let mut l = local(vec![Family::IPV4_UNICAST]);
        l.extended_message = true;
        let sent = open(65001, 180, [1, 1, 1, 1], l.build());
        let mut r = l.clone();
        r.local_as = 65002;
        let received = open(65002, 180, [2, 2, 2, 2], r.build());
        let n = negotiate(&sent, &received, &expect()).unwrap();
        assert_eq!(n.refresh, Refresh::Enhanced);
        assert_eq!(n.msg_size, 65535);
        let mut caps = Capabilities::new();
        caps.insert(Capability::RouteRefresh(RouteRefresh { cisco: false }));
        let received = open(65002, 180, [2, 2, 2, 2], caps);
        assert_eq!(negotiate(&sent, &received, &expect()).unwrap().refresh, Refresh::Normal);
        let mut caps = Capabilities::new();
        caps.insert(Capability::RouteRefresh(RouteRefresh { cisco: true }));
        let received = open(65002, 180, [2, 2, 2, 2], caps);
        assert_eq!(negotiate(&sent, &received, &expect()).unwrap().refresh, Refresh::Absent);
    }

    #[test]
    fn as_trans_is_replaced_by_the_asn4_capability() {
        let mut l = local(vec![Family::IPV4_UNICAST]);
        l.local_as = 4_200_000_000;
        let received = open(AS_TRANS as u32, 180, [2, 2, 2, 2], l.build());
        let sent = open(65001, 180, [1, 1, 1, 1], local(vec![Family::IPV4_UNICAST]).build());
        let e = Expect { peer_as: Some(4_200_000_000), ..expect() };
        assert_eq!(negotiate(&sent, &received, &e).unwrap().peer_as, 4_200_000_000);
        let e = negotiate(&sent, &received, &expect()).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 2));
        assert_eq!(e.data, b"ASN in OPEN (23456) did not match ASN expected (65002)");
    }

    #[test]
    fn validation_errors_in_exabgp_order() {
        let sent = open(65001, 180, [1, 1, 1, 1], local(vec![Family::IPV4_UNICAST]).build());
        let mut caps = Capabilities::new();
        caps.insert(Capability::Asn4(Asn4(65002)));
        let e = negotiate(&sent, &open(65002, 180, [0, 0, 0, 0], caps.clone()), &expect()).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 3));
        assert_eq!(e.data, b"0.0.0.0 is an invalid router_id");
        let e = negotiate(&sent, &open(65002, 2, [2, 2, 2, 2], caps.clone()), &expect()).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 6));
        assert_eq!(e.data, b"Hold Time is invalid (2)");
        assert!(negotiate(&sent, &open(65002, 0, [2, 2, 2, 2], caps.clone()), &expect()).is_ok());
        let ibgp = Expect { peer_as: Some(65001), ..expect() };
        let mut caps1 = Capabilities::new();
        caps1.insert(Capability::Asn4(Asn4(65001)));
        let e = negotiate(&sent, &open(65001, 180, [1, 1, 1, 1], caps1), &ibgp).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 3));
        assert_eq!(e.data, b"BGP Identifier collision, same router-id (1.1.1.1) on both sides of this IBGP session");
        // Peer AS is checked before anything else.
        let e = negotiate(&sent, &open(65003, 2, [0, 0, 0, 0], caps), &expect()).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 2));
    }

    #[test]
    fn addpath_directions() {
        let mut ours = Capabilities::new();
        let mut a = AddPath::default();
        a.add(Family::IPV4_UNICAST, 3);
        a.add(Family::IPV6_UNICAST, 2);
        ours.insert(Capability::MultiProtocol(MultiProtocol { families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST] }));
        ours.insert(Capability::AddPath(a));
        let mut theirs = ours.clone();
        let mut b = AddPath::default();
        b.add(Family::IPV4_UNICAST, 2);
        b.add(Family::IPV6_UNICAST, 3);
        theirs.insert(Capability::AddPath(b));
        let n = negotiate(&open(65001, 180, [1, 1, 1, 1], ours), &open(65002, 180, [2, 2, 2, 2], theirs), &Expect {
            peer_as: None,
            ..expect()
        })
        .unwrap();
        assert_eq!(n.addpath_send, vec![Family::IPV6_UNICAST]);
        assert_eq!(n.addpath_receive, vec![Family::IPV4_UNICAST]);
        let mut s = String::new();
        n.json(&mut s);
        assert_eq!(
            s,
            r#""negotiated": { "message_size": 4096, "hold_time": 180, "asn4": false, "multisession": false, "operational": false, "refresh": "absent", "families": [ "ipv4 unicast", "ipv6 unicast" ], "nexthop": [  ], "add_path": { "send": [ "ipv6 unicast" ], "receive": [ "ipv4 unicast" ] } } "#
        );
    }

    #[test]
    fn nexthop_intersection() {
        let mut l = local(vec![Family::IPV4_UNICAST]);
        l.nexthop = true;
        l.nexthops = vec![(Family::IPV4_UNICAST, Afi::IPV6)];
        let sent = open(65001, 180, [1, 1, 1, 1], l.build());
        let mut r = l.clone();
        r.local_as = 65002;
        let n = negotiate(&sent, &open(65002, 180, [2, 2, 2, 2], r.build()), &expect()).unwrap();
        assert_eq!(n.nexthop, vec![(Family::IPV4_UNICAST, Afi::IPV6)]);
    }

    #[test]
    fn multisession_checks() {
        let mut l = local(vec![Family::IPV4_UNICAST]);
        l.multi_session = true;
        let sent = open(65001, 180, [1, 1, 1, 1], l.build());
        // Peer without multisession: 2/9.
        let plain = open(65002, 180, [2, 2, 2, 2], local(vec![Family::IPV4_UNICAST]).build());
        let e = negotiate(&sent, &plain, &expect()).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 9));
        // Peer with multisession (value ignored) and the same families: fine.
        let mut caps = local(vec![Family::IPV4_UNICAST]).build();
        caps.insert(Capability::MultiSession(MultiSession { cisco: false, codes: vec![] }));
        let n = negotiate(&sent, &open(65002, 180, [2, 2, 2, 2], caps), &expect()).unwrap();
        assert!(n.multisession);
        // Different families: 2/8.
        let mut caps = local(vec![Family::IPV6_UNICAST]).build();
        caps.insert(Capability::MultiSession(MultiSession { cisco: false, codes: vec![] }));
        let e = negotiate(&sent, &open(65002, 180, [2, 2, 2, 2], caps), &expect()).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 8));
        assert_eq!(e.data, b"when checking session id, capability multiprotocol did not match");
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// Pairs of OPENs negotiated and validated by the reference
    /// implementation (testdata/negotiate-reference.txt).
    #[test]
    fn agrees_with_the_reference_on_generated_pairs() {
        let corpus = include_str!("testdata/negotiate-reference.txt");
        let mut checked = 0;
        for line in corpus.lines() {
            let f: Vec<&str> = line.split('|').collect();
            let sent = Open::unpack(&hex(f[0])).unwrap();
            let received = Open::unpack(&hex(f[1])).unwrap();
            let expect = Expect {
                peer_as: f[2].parse().ok(),
                local_as: f[3].parse().unwrap(),
                router_id: f[4].parse().unwrap(),
                aigp: false,
            };
            let got = negotiate(&sent, &received, &expect);
            match f[5] {
                // ExaBGP failed with a KeyError (a multisession peer without
                // the capability grouping it); not reproduced.
                "exc" => continue,
                "err" => {
                    let e = got.expect_err(line);
                    assert_eq!((e.code.to_string(), e.subcode.to_string()), (f[6].to_string(), f[7].to_string()), "{line}");
                    assert_eq!(e.data, hex(f[8]), "{line}");
                }
                _ => {
                    let n = got.unwrap_or_else(|e| panic!("{line}: {e}"));
                    let join = |v: Vec<String>| v.join(",");
                    let fams = join(n.families.iter().map(|f| f.to_string()).collect());
                    let nh = join(n.nexthop.iter().map(|(f, a)| format!("{f} {a}")).collect());
                    let aps = join(n.families.iter().filter(|f| n.addpath_send.contains(f)).map(|f| f.to_string()).collect());
                    let apr =
                        join(n.families.iter().filter(|f| n.addpath_receive.contains(f)).map(|f| f.to_string()).collect());
                    let cap = |b: bool| if b { "True" } else { "False" };
                    let got = [
                        n.msg_size.to_string(),
                        n.hold_time.to_string(),
                        cap(n.asn4).to_string(),
                        cap(n.multisession).to_string(),
                        cap(n.operational).to_string(),
                        n.refresh.name().to_string(),
                        fams,
                        nh,
                        aps,
                        apr,
                        n.peer_as.to_string(),
                        n.local_as.to_string(),
                    ];
                    let want: Vec<String> = f[6..].iter().map(|s| s.to_string()).collect();
                    assert_eq!(got.to_vec(), want, "{line}");
                }
            }
            checked += 1;
        }
        assert!(checked > 1000);
    }
}
