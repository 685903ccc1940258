use super::*;
use crate::api::line::normalise;

/// Records what the route grammar was given; refuses text starting with `bad`.
#[derive(Default)]
struct Fake {
    calls: Vec<(RouteKind, Action, String)>,
}

impl RouteParser for Fake {
    type Output = String;
    fn parse(&mut self, kind: RouteKind, action: Action, text: &str) -> Result<String, String> {
        self.calls.push((kind, action, text.to_string()));
        if text.starts_with("bad") {
            return Err("refused".into());
        }
        Ok(text.to_string())
    }
}

fn cmd(raw: &str) -> Result<Command<String>, CommandError> {
    let mut line = String::new();
    normalise(raw, &mut line);
    parse(&line, &mut Fake::default())
}

fn key(peer: &str, local_as: u32, peer_as: u32, router_id: &str) -> String {
    crate::api::selector::peer_key(
        peer.parse().unwrap(),
        Some("127.0.0.1".parse().unwrap()),
        Some(local_as),
        Some(peer_as),
        router_id.parse().unwrap(),
        None,
    )
}

/// A route command: its selector, action, kind and the text the hook got.
fn route(raw: &str) -> (Selector, Action, RouteKind, String) {
    match cmd(raw) {
        Ok(Command::Routes { selector, action, kind, routes }) => (selector, action, kind, routes),
        other => panic!("{raw}: {other:?}"),
    }
}

fn plain(raw: &str, kind: RouteKind, action: Action, text: &str) {
    let (s, a, k, t) = route(raw);
    assert!(s.is_empty(), "{raw}");
    assert_eq!((a, k, t.as_str()), (action, kind, text), "{raw}");
}

#[test]
fn dispatch_order_and_substrings() {
    assert_eq!(dispatch("announce route 1.0.0.0/24 next-hop 1.1.1.1"), Some("announce route"));
    assert_eq!(dispatch("announce route-refresh ipv4 unicast"), Some("announce route-refresh"));
    assert_eq!(dispatch("announce attributes med 1 nlri 1.0.0.0/24"), Some("announce attributes"));
    assert_eq!(dispatch("announce attribute med 1 nlri 1.0.0.0/24"), Some("announce attribute"));
    assert_eq!(dispatch("version"), Some("version"));
    assert_eq!(dispatch("what version"), Some("version"));
    // `version ` anywhere wins over later names.
    assert_eq!(dispatch("announce route 1.0.0.0/24 version 4"), Some("version"));
    // ExaBGP's real order: `shutdown` sorts before `show …`.
    assert_eq!(dispatch("show neighbor shutdown x"), Some("shutdown"));
    assert_eq!(dispatch("show neighbor summary"), Some("show neighbor"));
    assert_eq!(dispatch("show neighbor"), Some("show neighbor"));
    assert_eq!(dispatch("# a comment"), Some("#"));
    assert_eq!(dispatch("#"), Some("#"));
    assert_eq!(dispatch("#comment"), None);
    assert_eq!(dispatch("announce routex"), None);
    assert_eq!(dispatch("xannounce route 1"), Some("announce route"));
    assert_eq!(dispatch(""), None);
    assert_eq!(dispatch("bogus command here"), None);
    assert_eq!(dispatch("neighbor 127.0.0.1 teardown 4"), Some("teardown"));
    assert_eq!(dispatch("show adj-rib-in"), None);
}

#[test]
fn dispatch_agrees_with_the_naive_rule() {
    let lines = [
        "announce route 1.0.0.0/24 next-hop 1.1.1.1 watchdog dnsr withdraw",
        "withdraw route 1.0.0.0/24 reset",
        "help me",
        "clear adj-rib out",
        "flush adj-rib out crash",
        "a b c d enable-ack",
        "show adj-rib in extensive",
        "show adj-rib out",
        "announce eor ipv4 unicast",
        "withdraw watchdog",
        "reload",
        "restart now",
    ];
    for line in lines {
        let naive = NAMES
            .iter()
            .find(|n| line == **n || line.ends_with(&format!(" {n}")) || line.contains(&format!("{n} ")))
            .copied();
        assert_eq!(dispatch(line), naive, "{line}");
    }
}

#[test]
fn ending_with_covers_the_names() {
    for (idx, name) in NAMES.iter().enumerate() {
        let last = *name.as_bytes().last().unwrap();
        assert!(ending_with(last).contains(&(idx as u8)), "{name}");
        assert!(ending_with(last).windows(2).all(|w| w[0] < w[1]), "{name}: sorted");
    }
    for b in 0..=255u8 {
        for &idx in ending_with(b) {
            assert_eq!(*NAMES[usize::from(idx)].as_bytes().last().unwrap(), b);
        }
    }
}

/// ExaBGP's rule as written, to compare with.
fn naive(line: &str) -> Option<&'static str> {
    NAMES.iter().find(|n| line == **n || line.ends_with(&format!(" {n}")) || line.contains(&format!("{n} "))).copied()
}

#[test]
fn dispatch_agrees_with_the_naive_rule_on_generated_lines() {
    // Lines made of command words, fragments and glued words.
    let words = [
        "announce",
        "withdraw",
        "route",
        "route-refresh",
        "attribute",
        "attributes",
        "xannounce",
        "version",
        "show",
        "neighbor",
        "adj-rib",
        "in",
        "out",
        "eor",
        "flow",
        "vpls",
        "ipv4",
        "ipv6",
        "watchdog",
        "#",
        "help",
        "reset",
        "1.0.0.0/24",
        "shutdownx",
        "teardown",
        "clear",
        "flush",
        "crash",
        "silence-ack",
        "enable-ack",
        "disable-ack",
        "operational",
        "restart",
        "reload",
        "",
        "x",
    ];
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..20_000 {
        let count = 1 + next(5);
        let mut line = String::new();
        for i in 0..count {
            if i > 0 {
                // Mostly spaces, sometimes glued.
                if next(5) != 0 {
                    line.push(' ');
                }
            }
            line.push_str(words[next(words.len())]);
        }
        assert_eq!(dispatch(&line), naive(&line), "{line:?}");
    }
}

#[test]
fn control_commands() {
    assert_eq!(cmd("help"), Ok(Command::Help));
    assert_eq!(cmd("shutdown"), Ok(Command::Shutdown));
    assert_eq!(cmd("reload"), Ok(Command::Reload));
    assert_eq!(cmd("restart"), Ok(Command::Restart));
    assert_eq!(cmd("version"), Ok(Command::Version));
    assert_eq!(cmd("# a comment"), Ok(Command::Comment));
    assert_eq!(cmd("enable-ack"), Ok(Command::EnableAck));
    assert_eq!(cmd("disable-ack"), Ok(Command::DisableAck));
    assert_eq!(cmd("silence-ack"), Ok(Command::SilenceAck));
    assert_eq!(cmd("reset"), Ok(Command::Reset));
    assert_eq!(cmd("crash"), Ok(Command::Crash));
    assert_eq!(cmd("  \tversion\t "), Ok(Command::Version));
    assert!(cmd("version").unwrap().is_synchronous());
    assert!(!cmd("announce route 1.0.0.0/24 next-hop 1.1.1.1").unwrap().is_synchronous());
}

#[test]
fn malformed() {
    assert_eq!(cmd(""), Err(CommandError::Unknown));
    assert_eq!(cmd("bogus command here"), Err(CommandError::Unknown));
    assert_eq!(cmd("announce"), Err(CommandError::Unknown));
    assert_eq!(cmd("announce route"), Err(CommandError::MissingRoute("announce route")));
    assert_eq!(cmd("announce ipv4"), Err(CommandError::MissingRoute("announce ipv4")));
    assert_eq!(
        cmd("neighbor 1.1.1.1 foo announce route 1.0.0.0/24"),
        Err(CommandError::Unexpected { command: "announce route" })
    );
    assert_eq!(cmd("announce route bad route"), Err(CommandError::Route("refused".into())));
    assert_eq!(cmd("version json"), Err(CommandError::NoJson("version")));
    assert_eq!(cmd("announce route 1.0.0.0/24 next-hop 1.1.1.1 json"), Err(CommandError::NoJson("announce route")));
    assert!(matches!(cmd("teardown"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("neighbor 127.0.0.1 teardown"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("neighbor 127.0.0.1 teardown x"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("neighbor 127.0.0.1 teardown 4 5"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("neighbor 127.0.0.1 teardown 256"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("announce eor ipv4"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("announce eor ipv4 nothing"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("announce route-refresh"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("announce route-refresh ipv4 unicast x"), Err(CommandError::Argument(_))));
    assert!(matches!(cmd("show adj-rib"), Err(CommandError::Unknown)));
    assert!(matches!(cmd("neighbor 1.1.1.1 local-as 1"), Err(CommandError::Unknown)));
    assert!(matches!(cmd("neighbor 1.1.1.1 local-as announce route 1"), Err(CommandError::Unexpected { .. })));
    assert_eq!(cmd("neighbor 1.1.1.1 router-id teardown"), Err(CommandError::MissingCommand));
    // Every error has a message.
    for e in [CommandError::Unknown, CommandError::NoJson("x"), CommandError::MissingCommand] {
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn teardown_forms() {
    match cmd("neighbor 127.0.0.1 teardown 4") {
        Ok(Command::Teardown { selector, subcode: 4 }) => assert!(selector.matches(&key("127.0.0.1", 1, 1, "1.2.3.4"))),
        other => panic!("{other:?}"),
    }
    // Without a selector ExaBGP tears nothing down (and says done).
    match cmd("teardown 2") {
        Ok(Command::Teardown { selector, subcode: 2 }) => assert!(selector.is_empty()),
        other => panic!("{other:?}"),
    }
    assert!(cmd("teardown 2").unwrap().is_synchronous());
}

#[test]
fn show_neighbor_forms() {
    let show = |raw| match cmd(raw) {
        Ok(Command::ShowNeighbor { view, limit }) => (view, limit),
        other => panic!("{raw}: {other:?}"),
    };
    assert_eq!(show("show neighbor summary"), (NeighborView::Summary, None));
    assert_eq!(show("show neighbor extensive"), (NeighborView::Extensive, None));
    assert_eq!(show("show neighbor configuration"), (NeighborView::Configuration, None));
    assert_eq!(show("show neighbor"), (NeighborView::Usage, None));
    assert_eq!(show("show neighbor json"), (NeighborView::Json, None));
    assert_eq!(show("show neighbor summary 127.0.0.2"), (NeighborView::Summary, Some("127.0.0.2".into())));
    assert_eq!(show("show neighbor 127.0.0.2 extensive"), (NeighborView::Extensive, Some("127.0.0.2".into())));
    assert_eq!(show("show neighbor extensive json"), (NeighborView::Json, None));
}

#[test]
fn show_adj_rib_forms() {
    let show = |raw| match cmd(raw) {
        Ok(Command::ShowAdjRib(s)) => s,
        other => panic!("{raw}: {other:?}"),
    };
    let s = show("show adj-rib in");
    assert_eq!((s.rib, s.extensive, s.json, s.family, s.last.as_str()), (Rib::In, false, false, RibFamily::All, ""));
    let s = show("show adj-rib out extensive");
    assert_eq!((s.rib, s.extensive), (Rib::Out, true));
    assert!(s.selects(&key("127.0.0.1", 1, 1, "1.2.3.4")));
    let s = show("show adj-rib out json");
    assert!(s.json);
    let s = show("show adj-rib out 127.0.0.1");
    assert_eq!(s.last, "127.0.0.1");
    assert!(s.selects(&key("127.0.0.1", 1, 1, "1.2.3.4")));
    assert!(!s.selects(&key("127.0.0.2", 1, 1, "1.2.3.4")));
    let s = show("show adj-rib out flow");
    assert_eq!(s.family, RibFamily::Flow);
    assert!(s.selects("anything"));
    // ExaBGP quirk: `inet` stays as the peer filter and lists nothing.
    let s = show("show adj-rib out inet");
    assert_eq!(s.family, RibFamily::Inet);
    assert!(!s.selects(&key("127.0.0.1", 1, 1, "1.2.3.4")));
}

#[test]
fn rib_commands() {
    match cmd("flush adj-rib out") {
        Ok(Command::FlushAdjRibOut { selector }) => assert!(selector.is_empty()),
        other => panic!("{other:?}"),
    }
    match cmd("neighbor 127.0.0.1 flush adj-rib out") {
        Ok(Command::FlushAdjRibOut { selector }) => assert!(!selector.is_empty()),
        other => panic!("{other:?}"),
    }
    assert!(matches!(cmd("clear adj-rib out"), Ok(Command::ClearAdjRib { rib: Rib::Out, .. })));
    assert!(matches!(cmd("clear adj-rib in"), Ok(Command::ClearAdjRib { rib: Rib::In, .. })));
    assert!(matches!(cmd("clear adj-rib"), Ok(Command::ClearAdjRib { rib: Rib::Out, .. })));
}

#[test]
fn eor_refresh_operational() {
    let eor = |raw| match cmd(raw) {
        Ok(Command::Eor { family, .. }) => family,
        other => panic!("{raw}: {other:?}"),
    };
    // api-eor / api-manual-eor
    assert_eq!(eor("announce eor"), Family::IPV4_UNICAST);
    assert_eq!(eor("announce eor ipv6 unicast"), Family::IPV6_UNICAST);
    assert_eq!(eor("announce eor ipv4 unicast"), Family::IPV4_UNICAST);
    assert_eq!(eor("neighbor 127.0.0.1 announce eor ipv4 flow"), Family::IPV4_FLOW);
    // api-rr
    match cmd("announce route-refresh ipv4 unicast") {
        Ok(Command::RouteRefresh { selector, family }) => {
            assert!(selector.is_empty());
            assert_eq!(family, Family::IPV4_UNICAST);
        }
        other => panic!("{other:?}"),
    }
    match cmd("announce operational adm afi ipv4 safi unicast advisory \"text\"") {
        Ok(Command::Operational { selector, message }) => {
            assert!(selector.is_empty());
            assert_eq!(message, crate::bgp::message::Operational::advisory(1, Family::IPV4_UNICAST, "text"));
        }
        other => panic!("{other:?}"),
    }
    match cmd("announce operational RPCQ afi ipv4 safi unicast sequence 10") {
        Ok(Command::Operational { message: crate::bgp::message::Operational::Query { sequence, .. }, .. }) => {
            assert_eq!(sequence, 10)
        }
        other => panic!("{other:?}"),
    }
    // A known type with bad arguments: an error naming them.
    assert!(cmd("announce operational rpcq afi ipv4 safi unicast").is_err());
    // Unknown type, or a selector moving the type off word 2: done, ignored.
    assert_eq!(cmd("announce operational xyz afi ipv4"), Ok(Command::OperationalIgnored));
    assert_eq!(cmd("announce operational"), Ok(Command::OperationalIgnored));
    assert_eq!(
        cmd("neighbor 127.0.0.1 announce operational adm afi ipv4 safi unicast advisory \"x\""),
        Ok(Command::OperationalIgnored)
    );
}

#[test]
fn watchdog() {
    // conf-watchdog
    assert_eq!(
        cmd("announce watchdog dnsr"),
        Ok(Command::Watchdog { action: Action::Announce, name: Some("dnsr".into()) })
    );
    assert_eq!(
        cmd("withdraw watchdog dnsr"),
        Ok(Command::Watchdog { action: Action::Withdraw, name: Some("dnsr".into()) })
    );
    assert_eq!(cmd("withdraw watchdog"), Ok(Command::Watchdog { action: Action::Withdraw, name: None }));
    // Word 2 of the whole line, as ExaBGP reads it.
    assert_eq!(
        cmd("neighbor 1.1.1.1 announce watchdog dnsr"),
        Ok(Command::Watchdog { action: Action::Announce, name: Some("announce".into()) })
    );
}

/// Every command the qa helper programs send (qa-harness.md §7.2).
#[test]
fn qa_ack_and_simple_announces() {
    use Action::*;
    use RouteKind::*;
    // api-ack-control, api-silence-ack
    for p in ["1.1.0.0/24 next-hop 101.1.101.1", "1.2.0.0/24 next-hop 101.1.101.1", "2.1.0.0/24 next-hop 102.1.102.1"] {
        plain(&format!("announce route {p}"), Route, Announce, p);
    }
    // api-add-remove
    plain("announce route 1.1.0.0/25 next-hop 101.1.101.1", Route, Announce, "1.1.0.0/25 next-hop 101.1.101.1");
    plain("withdraw route 1.1.0.0/24", Route, Withdraw, "1.1.0.0/24");
    plain("withdraw route 1.1.0.0/25 next-hop 0.0.0.0", Route, Withdraw, "1.1.0.0/25 next-hop 0.0.0.0");
    // api-check (no prefix length)
    let (s, _, _, t) = route("neighbor 127.0.0.1 announce route 1.2.3.4 next-hop 5.6.7.8");
    assert!(s.matches(&key("127.0.0.1", 1, 1, "1.2.3.4")));
    assert_eq!(t, "1.2.3.4 next-hop 5.6.7.8");
    // api-fast: two spaces
    plain("announce route 0.0.0.0/0  next-hop 1.101.1.101", Route, Announce, "0.0.0.0/0 next-hop 1.101.1.101");
    // api-nexthop-self, api-nexthop
    plain("announce route 2.2.0.0/16 next-hop self", Route, Announce, "2.2.0.0/16 next-hop self");
    let (s, _, _, t) = route("neighbor 127.0.0.1 announce route 2605::2/128 next-hop 2001::1 local-preference 500");
    assert!(!s.is_empty());
    assert_eq!(t, "2605::2/128 next-hop 2001::1 local-preference 500");
    // api-rib
    plain("announce route 192.168.0.0/32 next-hop 10.0.0.0", Route, Announce, "192.168.0.0/32 next-hop 10.0.0.0");
    // api-teardown
    plain("announce route 1.1.0.0/16 next-hop 1.1.1.1", Route, Announce, "1.1.0.0/16 next-hop 1.1.1.1");
    // api-open
    plain(
        "announce route 1.1.1.1/32 next-hop 101.1.101.1 med 200",
        Route,
        Announce,
        "1.1.1.1/32 next-hop 101.1.101.1 med 200",
    );
}

#[test]
fn qa_announcement_selectors() {
    let ours = key("127.0.0.1", 1, 1, "1.2.3.4");
    let cases: [(&str, bool, &str); 9] = [
        (
            "announce route 1.0.0.0/21 next-hop 101.1.101.1 med 200 community [2:1] split /23",
            true,
            "1.0.0.0/21 next-hop 101.1.101.1 med 200 community [ 2:1 ] split /23",
        ),
        ("neighbor 127.0.0.1 announce route 1.1.0.0/16 next-hop 101.1.101.1", true, "1.1.0.0/16 next-hop 101.1.101.1"),
        (
            "neighbor 127.0.0.1 local-as 1 announce route 1.2.0.0/22 next-hop 101.1.101.1 split /24",
            true,
            "1.2.0.0/22 next-hop 101.1.101.1 split /24",
        ),
        (
            "neighbor 127.0.0.1 peer-as 1 announce route 1.3.0.0/24 next-hop 101.1.101.1 split /25",
            true,
            "1.3.0.0/24 next-hop 101.1.101.1 split /25",
        ),
        (
            "neighbor 127.0.0.1 local-ip 127.0.0.1 announce route 1.4.0.0/16 next-hop 101.1.101.1 med 200",
            true,
            "1.4.0.0/16 next-hop 101.1.101.1 med 200",
        ),
        (
            "neighbor 127.0.0.1 router-id 1.2.3.4 announce route 1.5.0.0/16 next-hop 101.1.101.1 community [2:1]",
            true,
            "1.5.0.0/16 next-hop 101.1.101.1 community [ 2:1 ]",
        ),
        (
            "neighbor absentone local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 9.9.9.9/21 next-hop 101.1.101.1 med 200 community [2:1]",
            false,
            "9.9.9.9/21 next-hop 101.1.101.1 med 200 community [ 2:1 ]",
        ),
        (
            "neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.6.0.0/21 next-hop 101.1.101.1 med 200 community [2:1]",
            true,
            "1.6.0.0/21 next-hop 101.1.101.1 med 200 community [ 2:1 ]",
        ),
        (
            "neighbor 127.0.0.1 local-as 2 peer-as 3 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.8.0.0/21 next-hop 101.1.101.1 med 200 large-community [2914:1:0]",
            false,
            "1.8.0.0/21 next-hop 101.1.101.1 med 200 large-community [ 2914:1:0 ]",
        ),
    ];
    for (raw, selected, text) in cases {
        let (s, a, k, t) = route(raw);
        assert_eq!((a, k), (Action::Announce, RouteKind::Route), "{raw}");
        assert_eq!(s.matches(&ours), selected, "{raw}");
        assert_eq!(t, text, "{raw}");
    }
}

#[test]
fn qa_star_multi_neighbor_multisession() {
    let ours = key("127.0.0.1", 1, 1, "1.2.3.4");
    // api-announce-star
    let (s, _, _, t) = route("neighbor * announce route 1.1.0.0/24 next-hop 101.1.101.1");
    assert!(s.matches(&ours) && s.matches(&key("10.0.0.1", 5, 6, "9.9.9.9")));
    assert_eq!(t, "1.1.0.0/24 next-hop 101.1.101.1");
    // api-multi-neighbor
    let (s, _, _, t) = route(
        "neighbor 127.0.0.1 router-id 1.2.3.4, neighbor 127.0.0.1 announce route 1.1.0.0/25 next-hop 101.1.101.1",
    );
    assert_eq!(s.alternatives().len(), 2);
    assert!(s.matches(&ours));
    assert!(s.matches(&key("127.0.0.1", 1, 1, "9.9.9.9")), "second alternative");
    assert_eq!(t, "1.1.0.0/25 next-hop 101.1.101.1");
    plain(
        "withdraw route 1.1.0.0/24 next-hop 101.1.101.1",
        RouteKind::Route,
        Action::Withdraw,
        "1.1.0.0/24 next-hop 101.1.101.1",
    );
    // api-multisession: long runs of spaces, family-allowed.
    let ms = crate::api::selector::peer_key(
        "127.0.0.1".parse().unwrap(),
        Some("127.0.0.1".parse().unwrap()),
        Some(1),
        Some(1),
        "1.2.3.4".parse().unwrap(),
        Some(&[Family::IPV4_UNICAST]),
    );
    let (s, _, _, t) = route("announce      route 1.0.0.0/24     next-hop 101.1.101.1   med 200  community   [2:1]");
    assert!(s.is_empty());
    assert_eq!(t, "1.0.0.0/24 next-hop 101.1.101.1 med 200 community [ 2:1 ]");
    let (s, _, _, _) = route("neighbor   127.0.0.1    announce route 1.1.0.0/24 next-hop 101.1.101.1");
    assert!(s.matches(&ms));
    let (s, _, _, t) = route(
        "neighbor 127.0.0.1 local-as 1 family-allowed ipv4-unicast   announce route 1.2.0.0/24 next-hop 101.1.101.1",
    );
    assert!(s.matches(&ms));
    assert_eq!(t, "1.2.0.0/24 next-hop 101.1.101.1");
    let (s, _, _, _) =
        route("neighbor 127.0.0.1 local-as 1 family-allowed in-open announce route 9.9.9.9/24 next-hop 101.1.101.1");
    assert!(!s.matches(&ms));
    let (s, _, _, _) =
        route("neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.3.0.0/24 next-hop 101.1.101.1");
    assert!(s.matches(&ms));
}

#[test]
fn qa_attributes_vpn_vpls() {
    use Action::*;
    use RouteKind::*;
    // api-attributes-path
    let (s, a, k, t) = route(
        "neighbor 127.0.0.1 announce attributes path-information 1.2.3.4 next-hop 10.11.12.13 community [14:15] local-preference 16 nlri 16.17.18.19/32 20.21.22.23/32",
    );
    assert!(!s.is_empty());
    assert_eq!((a, k), (Announce, Attributes));
    assert_eq!(t, "path-information 1.2.3.4 next-hop 10.11.12.13 community [ 14:15 ] local-preference 16 nlri 16.17.18.19/32 20.21.22.23/32");
    // api-attributes-vpn (singular `attribute`)
    plain(
        "announce attribute route-distinguisher 63333:100 label [ 110 ] next-hop 10.0.99.12 origin igp as-path [100, 500] local-preference 100 extended-community 0:0 originator-id 10.0.99.12 nlri 128.0.64.0/18 128.0.0.0/18",
        Attributes,
        Announce,
        "route-distinguisher 63333:100 label [ 110 ] next-hop 10.0.99.12 origin igp as-path [ 100 , 500 ] local-preference 100 extended-community 0:0 originator-id 10.0.99.12 nlri 128.0.64.0/18 128.0.0.0/18",
    );
    // api-attributes
    plain(
        "announce attributes med 100 next-hop 101.1.101.1 nlri 1.0.0.1/32 1.0.0.2/32",
        Attributes,
        Announce,
        "med 100 next-hop 101.1.101.1 nlri 1.0.0.1/32 1.0.0.2/32",
    );
    plain(
        "announce attributes local-preference 200 as-path [ 1 2 3 4 ] next-hop 202.2.202.2 nlri 2.0.0.1/32 2.0.0.2/32",
        Attributes,
        Announce,
        "local-preference 200 as-path [ 1 2 3 4 ] next-hop 202.2.202.2 nlri 2.0.0.1/32 2.0.0.2/32",
    );
    plain("withdraw attributes med 100 nlri 1.0.0.1/32", Attributes, Withdraw, "med 100 nlri 1.0.0.1/32");
    // api-vpnv4
    let (_, a, k, t) = route(
        "neighbor 127.0.0.1 announce route 1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1 community 100:1 extended-community 0x0002FDE900000001 label 1000",
    );
    assert_eq!((a, k), (Announce, Route));
    assert_eq!(
        t,
        "1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1 community 100:1 extended-community 0x0002FDE900000001 label 1000"
    );
    let (_, a, _, _) = route(
        "neighbor 127.0.0.1 withdraw route 1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1 community 100:1 extended-community 0x0002FDE900000001 label 1000",
    );
    assert_eq!(a, Withdraw);
    // api-vpls
    let (s, a, k, t) = route(
        "neighbor 127.0.0.1 announce vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 next-hop 192.168.201.1 origin igp as-path [ 30740 30740 30740 30740 30740 30740 30740 ] local-preference 100 med 2000 community [ 54591:123] extended-community [ target:54591:6 l2info:19:0:1500:111] originator-id 192.168.22.1 cluster-list [ 3.3.3.3 192.168.201.1 ]",
    );
    assert!(!s.is_empty());
    assert_eq!((a, k), (Announce, Vpls));
    assert!(t.starts_with(
        "endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 next-hop 192.168.201.1 origin igp as-path [ 30740"
    ));
    assert!(t.ends_with("community [ 54591:123 ] extended-community [ target:54591:6 l2info:19:0:1500:111 ] originator-id 192.168.22.1 cluster-list [ 3.3.3.3 192.168.201.1 ]"));
    let (_, a, k, t) = route(
        "neighbor 127.0.0.1 withdraw vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 next-hop 192.168.201.1",
    );
    assert_eq!((a, k), (Withdraw, Vpls));
    assert_eq!(t, "endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 next-hop 192.168.201.1");
}

#[test]
fn qa_family_forms() {
    use Action::*;
    use RouteKind::*;
    // api-ipv4
    plain(
        "announce ipv4 unicast 10.0.1.0/24 next-hop 10.0.1.254 local-preference 200",
        Ipv4,
        Announce,
        "unicast 10.0.1.0/24 next-hop 10.0.1.254 local-preference 200",
    );
    plain(
        "announce ipv4 mup mup-isd 10.0.1.0/24 rd 100:100 next-hop 2001::1 extended-community [ target:10:10 ] bgp-prefix-sid-srv6 ( l3-service 2001:db8:1:1:: 0x48 [64,24,16,0,0,0] )",
        Ipv4,
        Announce,
        "mup mup-isd 10.0.1.0/24 rd 100:100 next-hop 2001::1 extended-community [ target:10:10 ] bgp-prefix-sid-srv6 ( l3-service 2001:db8:1:1:: 0x48 [ 64 , 24 , 16 , 0 , 0 , 0 ] )",
    );
    plain(
        "withdraw ipv4 unicast 10.0.1.0/24 next-hop 10.0.1.254 local-preference 200",
        Ipv4,
        Withdraw,
        "unicast 10.0.1.0/24 next-hop 10.0.1.254 local-preference 200",
    );
    // api-ipv6
    plain(
        "announce ipv6 unicast fc00:1::/64 next-hop 2001::11 local-preference 200",
        Ipv6,
        Announce,
        "unicast fc00:1::/64 next-hop 2001::11 local-preference 200",
    );
    plain(
        "withdraw ipv6 mup mup-isd 2001::/64 rd 100:100 next-hop 2001::2 extended-community [ target:10:10 ] bgp-prefix-sid-srv6 ( l3-service 2001:db8:1:1:: 0x47 [64,24,16,0,0,0] )",
        Ipv6,
        Withdraw,
        "mup mup-isd 2001::/64 rd 100:100 next-hop 2001::2 extended-community [ target:10:10 ] bgp-prefix-sid-srv6 ( l3-service 2001:db8:1:1:: 0x47 [ 64 , 24 , 16 , 0 , 0 , 0 ] )",
    );
    // api-mvpn
    let mvpn = [
        "ipv4 mcast-vpn shared-join rp 10.99.199.1 group 239.251.255.228 rd 65000:99999 source-as 65000 next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]",
        "ipv4 mcast-vpn source-join source 10.99.12.2 group 239.251.255.228 rd 65000:99999 source-as 65000 next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]",
        "ipv6 mcast-vpn shared-join rp fd00::1 group ff0e::1 rd 65000:99999 source-as 65000 next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]",
        "ipv6 mcast-vpn source-join source fd12::2 group ff0e::1 rd 65000:99999 source-as 65000 next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]",
        "ipv6 mcast-vpn source-ad source fd12::4 group ff0e::1 rd 65000:99999 next-hop 10.10.6.4 extended-community [ target:65000:99999 ]",
        "ipv4 mcast-vpn source-ad source 10.99.12.4 group 239.251.255.228 rd 65000:99999 next-hop 10.10.6.4 extended-community [ target:65000:99999 ]",
    ];
    for r in mvpn {
        let kind = if r.starts_with("ipv4") { Ipv4 } else { Ipv6 };
        let text = r.split_once(' ').unwrap().1;
        plain(&format!("announce {r}"), kind, Announce, text);
        plain(&format!("withdraw {r}"), kind, Withdraw, text);
    }
}

#[test]
fn qa_flow() {
    use Action::*;
    use RouteKind::Flow;
    // api-broken-flow
    let a =
        "flow route { match { source 170.170.170.170/32; destination 170.170.170.170/32; } then { rate-limit 1; } }";
    plain(&format!("announce {a}"), Flow, Announce, a.strip_prefix("flow ").unwrap());
    plain(&format!("withdraw {a}"), Flow, Withdraw, a.strip_prefix("flow ").unwrap());
    // api-flow (withdraw without a then block)
    plain(
        "withdraw flow route { match { source 0.0.0.0/32; destination 0.0.0.0/32; destination-port =3128; protocol tcp; } }",
        Flow,
        Withdraw,
        "route { match { source 0.0.0.0/32; destination 0.0.0.0/32; destination-port =3128; protocol tcp; } }",
    );
    // api-flow-merge
    let merge = [
        (
            "announce flow route { match { source 4.4.4.4/32; } then { rate-limit 0; } }",
            "route { match { source 4.4.4.4/32; } then { rate-limit 0; } }",
        ),
        (
            "announce flow route { match { source 6.6.6.6/32; } scope { interface-set [ non-transitive:input:3405770241:1 ]; } then { discard; } }",
            "route { match { source 6.6.6.6/32; } scope { interface-set [ non-transitive:input:3405770241:1 ]; } then { discard; } }",
        ),
        (
            "announce flow route { match { source 10.10.10.10/32; } scope { interface-set [ transitive:input-output:1234:10 transitive:input:1234:10 transitive:output:0:0]; } then { discard; } }",
            "route { match { source 10.10.10.10/32; } scope { interface-set [ transitive:input-output:1234:10 transitive:input:1234:10 transitive:output:0:0 ]; } then { discard; } }",
        ),
        (
            "announce flow route destination 133.130.1.219/32 discard interface-set [ transitive:input:1234:10]",
            "route destination 133.130.1.219/32 discard interface-set [ transitive:input:1234:10 ]",
        ),
        (
            "announce flow route destination 133.130.1.19/32 interface-set [ transitive:input:1234:10 ] discard",
            "route destination 133.130.1.19/32 interface-set [ transitive:input:1234:10 ] discard",
        ),
    ];
    for (raw, text) in merge {
        plain(raw, Flow, Announce, text);
    }
}

#[test]
fn qa_control_lines() {
    // api-multiple-api
    assert_eq!(cmd("shutdown"), Ok(Command::Shutdown));
    // api-rib
    assert!(matches!(cmd("clear adj-rib out"), Ok(Command::ClearAdjRib { rib: Rib::Out, .. })));
    assert!(matches!(cmd("flush adj-rib out"), Ok(Command::FlushAdjRibOut { .. })));
    // api-teardown
    assert!(matches!(cmd("neighbor 127.0.0.1 teardown 4"), Ok(Command::Teardown { subcode: 4, .. })));
}

#[test]
fn help_text() {
    let lines = help_lines();
    assert_eq!(
        &lines[..9],
        &[
            "",
            "available API commands are listed here:",
            "=======================================",
            "",
            "filter can be: [local-ip <ip>][local-as <asn>][peer-as <asn>][router-id <router-id>]",
            "",
            "command are:",
            "------------",
            "",
        ]
    );
    assert_eq!(lines[9], "# ");
    assert_eq!(lines[10], "[neighbor <ip> [filters]] announce attribute");
    assert!(lines.contains(&"show neighbor [ summary | extensive | configuration ] ".to_string()));
    assert!(lines.contains(&"show adj-rib in [ extensive ] ".to_string()));
    assert!(lines.contains(&"[neighbor <ip> [filters]] crash".to_string()));
    assert_eq!(lines[lines.len() - 2], "version ");
    assert_eq!(lines.last().map(String::as_str), Some(""));
    assert_eq!(lines.len(), 9 + 36 + 1);
}

#[test]
fn hook_sees_each_line_once() {
    let mut fake = Fake::default();
    let mut line = String::new();
    for raw in [
        "announce route 1.0.0.0/24 next-hop 1.1.1.1",
        "version",
        "withdraw flow route { match { source 1.1.1.1/32; } }",
    ] {
        normalise(raw, &mut line);
        let _ = parse(&line, &mut fake);
    }
    assert_eq!(fake.calls.len(), 2);
}

/// Rough speed of normalise + parse for `announce route` lines (run with
/// `cargo test --release -- --ignored parse_speed --nocapture`).
#[test]
#[ignore]
fn parse_speed() {
    struct Nop;
    impl RouteParser for Nop {
        type Output = usize;
        fn parse(&mut self, _: RouteKind, _: Action, text: &str) -> Result<usize, String> {
            Ok(text.len())
        }
    }
    let raw: Vec<String> = (0..200_000)
        .map(|i| format!("announce route 10.{}.{}.0/24 next-hop 1.1.1.1 med 100", i / 256 % 256, i % 256))
        .collect();
    let mut line = String::new();
    let start = std::time::Instant::now();
    let mut total = 0;
    for r in &raw {
        normalise(r, &mut line);
        if let Ok(Command::Routes { routes, .. }) = parse(&line, &mut Nop) {
            total += routes;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{} lines in {secs:.3}s: {:.0} lines/s ({total})", raw.len(), raw.len() as f64 / secs);
    let start = std::time::Instant::now();
    for r in &raw {
        normalise(r, &mut line);
        total += line.len();
    }
    println!("normalise: {:.0} ns/line", start.elapsed().as_nanos() as f64 / raw.len() as f64);
    let start = std::time::Instant::now();
    for r in &raw {
        total += dispatch(r).map_or(0, str::len);
    }
    println!("dispatch: {:.0} ns/line", start.elapsed().as_nanos() as f64 / raw.len() as f64);
    let start = std::time::Instant::now();
    for r in &raw {
        if let Ok(Command::Routes { routes, .. }) = parse(r, &mut Nop) {
            total += routes;
        }
    }
    println!("parse: {:.0} ns/line ({total})", start.elapsed().as_nanos() as f64 / raw.len() as f64);
}
