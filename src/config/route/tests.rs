//! Route grammar tests: qa byte-exactness, bad routes with positions,
//! and the million-route load.

use std::path::PathBuf;

use bytes::BytesMut;

use super::*;
use crate::bgp::message::update::Packer;
use crate::bgp::negotiated::Negotiated;
use crate::config::{load_str, LoadOptions};

fn options() -> LoadOptions {
    LoadOptions { check_programs: false, ..LoadOptions::default() }
}

fn qa_dir(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("qa").join(sub);
    p.is_dir().then_some(p)
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2).filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()).collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

fn negotiated_for(n: &Neighbor) -> Negotiated {
    offline_negotiated(n)
}

/// Split a packed stream into messages.
fn messages(mut b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while b.len() >= 19 {
        let len = usize::from(u16::from_be_bytes([b[16], b[17]]));
        if len < 19 || len > b.len() {
            break;
        }
        out.push(b[..len].to_vec());
        b = &b[len..];
    }
    out
}

/// The first bucket of a qa/encoding file: raw lines sharing the first
/// raw line's step prefix, `#` lines skipped.
fn first_bucket(path: &std::path::Path) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut first: Option<String> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.contains('#') {
            continue;
        }
        let Some((step, raw)) = line.split_once(":raw:") else { continue };
        match &first {
            None => first = Some(step.to_string()),
            Some(f) if f != step => continue,
            _ => {}
        }
        out.push(hex(raw));
    }
    out
}

/// Every UPDATE the configuration's routes pack to is in the first bucket
/// of the matching qa/encoding file.
#[test]
fn qa_configurations_pack_to_the_expected_bytes() {
    let (Some(etc), Some(enc)) = (qa_dir("etc"), qa_dir("encoding")) else {
        eprintln!("qa not found: skipped");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&etc)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".conf"))
        .collect();
    names.sort();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for name in &names {
        let stem = name.trim_end_matches(".conf");
        let msg = enc.join(format!("{stem}.msg"));
        if !msg.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(etc.join(name)).unwrap();
        let config = match load_str(name, &text, &options()) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let bucket = first_bucket(&msg);
        let mut packer = Packer::new();
        let (mut produced, mut matched, mut missing) = (0, 0, Vec::new());
        let mut got_all = Vec::new();
        for n in &config.neighbors {
            let neg = negotiated_for(n);
            let mut out = BytesMut::new();
            pack_initial(&n.routes, n.group_updates, &neg, &mut packer, &mut out);
            for m in messages(&out) {
                produced += 1;
                if bucket.contains(&m) {
                    matched += 1;
                } else {
                    missing.push(to_hex(&m));
                }
                got_all.push(m);
            }
        }
        let expected_updates = bucket.iter().filter(|b| b.len() > 23 && b.get(18) == Some(&2) && !is_eor(b)).count();
        let not_produced = bucket.iter().filter(|b| b.get(18) == Some(&2) && !is_eor(b) && !got_all.contains(b)).count();
        if stem.starts_with("conf-") && not_produced != 0 {
            failures.push(format!("{stem}: {not_produced} expected UPDATEs not produced"));
        }
        report.push(format!(
            "{stem}: {produced} produced, {matched} in first bucket, {} expected UPDATEs not produced (of {expected_updates})",
            not_produced
        ));
        if !missing.is_empty() {
            failures.push(format!("{stem}: not in the first bucket:\n    {}", missing.join("\n    ")));
        }
    }
    eprintln!("{}", report.join("\n"));
    eprintln!("FAILURES ({}):\n{}", failures.len(), failures.join("\n"));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

fn is_eor(b: &[u8]) -> bool {
    b.len() == 23 || (b.len() == 30 && b.get(23..26) == Some(&[0x90, 0x0f, 0x00][..]))
}

// ===== bad routes: each error at its line and column =====

const HEAD: &str = "neighbor 127.0.0.1 {\n router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1;\n family { ipv4 unicast; ipv6 unicast; ipv4 flow; l2vpn vpls; ipv4 mpls-vpn; ipv4 nlri-mpls; ipv4 mcast-vpn; }\n";

/// `line` (4 = first line after HEAD) holds the error; `at` is the text
/// the error points at (its first occurrence on that line, or `;`).
fn bad(body: &str, line: u32, at: &str, message: &str) {
    let text = format!("{HEAD}{body}\n}}\n");
    let err = match load_str("bad.conf", &text, &options()) {
        Ok(_) => panic!("accepted:\n{body}"),
        Err(e) => e,
    };
    let l = text.lines().nth(line as usize - 1).unwrap();
    let column = l.find(at).unwrap_or_else(|| panic!("{at:?} not on line {line}")) as u32 + 1;
    assert_eq!((err.line, err.column), (line, column), "{err}\n{body}");
    assert!(err.to_string().contains(message), "{err} lacks {message:?}");
    assert!(err.to_string().starts_with("bad.conf:"), "{err}");
}

#[test]
fn bad_prefixes_and_next_hops() {
    bad(" static { route 10.0.0.256/24 next-hop 1.2.3.4; }", 4, "10.0.0.256", "a prefix (ip/length) was expected, found \"10.0.0.256/24\"");
    bad(" static { route 10.0.0.0/33 next-hop 1.2.3.4; }", 4, "10.0.0.0/33", "a prefix length of at most 32");
    bad(" static { route 2001::/129 next-hop ::1; }", 4, "2001::/129", "at most 128");
    bad(" static { route 10.0.0.1/24 next-hop 1.2.3.4; }", 4, "10.0.0.1/24", "no host bits set");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3; }", 4, "1.2.3;", "an IP address or self was expected, found \"1.2.3\"");
    bad(" static { route 10.0.0.0/24 med 5; }", 4, "10.0.0.0/24", "missing next-hop");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 med; }", 4, ";", "a MED (decimal number) was expected, found the end of the statement");
    bad(" static {\n  route 10.0.0.0/24 {\n   next-hop 1.2.3.4;\n   med x;\n  }\n }", 7, "x;", "found \"x\"");
}

#[test]
fn bad_communities() {
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 community [ 1:2 65536:1 ]; }", 4, "65536:1", "both parts at most 65535");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 community no-such-name; }", 4, "no-such-name", "a community");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 extended-community colour:1:2; }", 4, "colour:1:2", "an extended-community type");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 extended-community target:1:4294967296; }", 4, "target:1:4294967296", "fits its field");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 extended-community 0x0102; }", 4, "0x0102", "16 hex digits");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 large-community 1:2; }", 4, "1:2;", "a large-community (A:B:C)");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 large-community [ 1:2:4294967296 ]; }", 4, "1:2:4294967296", "large-community");
}

#[test]
fn bad_attributes() {
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 colour red; }", 4, "colour", "a route attribute keyword was expected, found \"colour\"");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 as-path 65000; }", 4, "65000", "an as-path");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 origin best; }", 4, "best", "an origin");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 aggregator ( 1:1.2.3 ); }", 4, "1:1.2.3", "an aggregator");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 attribute [ 0x99 0xC0 0x123 ]; }", 4, "0x123", "even number of hexadecimal digits");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 label 1048576; }", 4, "1048576", "a label (0 to 1048575)");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 label 5 rd 1:2:3; }", 4, "1:2:3", "a route-distinguisher");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 rd 65536:65536 label 5; }", 4, "65536:65536", "a route-distinguisher");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 split /33; }", 4, "/33", "a split size /0 to /32");
    bad(" static { route 0.0.0.0/4 next-hop 1.2.3.4 split /32; }", 4, "0.0.0.0/4", "a split of at most 2^24 routes");
    bad(" static { route 10.0.0.0/24 next-hop 1.2.3.4 watchdog withdraw; }", 4, "withdraw;", "a watchdog name");
    bad(" announce { ipv4 { unicast 10.0.0.0/24 next-hop 1.2.3.4 label 5; } }", 4, "label", "a route attribute keyword was expected");
    bad(" announce { ipv4 { unicast 2001::/64 next-hop 1.2.3.4; } }", 4, "2001::/64", "an ipv4 prefix was expected");
    bad(" announce { ipv4 { anycast 10.0.0.0/24 next-hop 1.2.3.4; } }", 4, "anycast", "unicast, multicast");
}

#[test]
fn bad_flows() {
    let m = |inner: &str| format!(" flow {{ route x {{ match {{ {inner} }} then {{ discard; }} }} }}");
    bad(&m("destination-port !80;"), 4, "!80", "a flow operator");
    bad(&m("destination-port >80&;"), 4, ">80&", "not ending with '&'");
    bad(&m("colour 5;"), 4, "colour", "a flow match component");
    bad(&m("source 10.0.0.0/8; destination 2001::/64;"), 4, "2001::/64", "one address family");
    bad(&m("protocol martian;"), 4, "martian", "a flow value");
    bad(&m("dscp 64;"), 4, "64;", "a value of at most 63");
    bad(" flow { route x { match { source 10.0.0.0/8; } then { mark 64; } } }", 4, "64;", "a DSCP value");
    bad(" flow { route x { match { source 10.0.0.0/8; } then { redirect 1.2.3.4:5; } } }", 4, "1.2.3.4:5", "ipv4:number is not supported");
    bad(" flow { route x { match { source 10.0.0.0/8; } then { interface-set sideways:input:1:2; } } }", 4, "sideways", "an interface-set");
    bad(" flow { route source 10.0.0.0/8 rd 1:1 discard; }", 4, "rd", "a flow match component or action");
}

#[test]
fn bad_families_and_next_hop_self() {
    // ipv6 flow is not configured.
    bad(" flow {\n  route x { match { source 2001::/64; } then { discard; } }\n }", 5, "route", "Trying to announce a route of type 2,133");
    bad(" announce { ipv6 { mpls-vpn 2001::/64 next-hop ::1 label 5 rd 1:1; } }", 4, "mpls-vpn", "not announcing the family");
    bad(" static { route 2001::/64 next-hop self; }", 4, "route", "use of \"next-hop self\"");
    bad(" l2vpn { vpls endpoint 5 base 1 offset 1 size 8 rd 1:1 next-hop self; }", 4, "vpls", "use of \"next-hop self\"");
    bad(" l2vpn { vpls base 1 offset 1 size 8 rd 1:1 next-hop 1.2.3.4; }", 4, "base", "an endpoint");
    bad(" l2vpn { vpls endpoint 5 base 70000 offset 1 size 8 rd 1:1 next-hop 1.2.3.4; }", 4, "70000", "a base (0-65535)");
    bad(" announce { ipv4 { mcast-vpn source-ad group 1.1.1.1 source 2.2.2.2 rd 1:1 next-hop 1.2.3.4; } }", 4, "group", "source was expected");
}

#[test]
fn api_line_through_the_same_grammar() {
    let doc = lex_line("api", "announce route 10.0.0.0/22 next-hop 1.2.3.4 community [65000:1] split /24").unwrap();
    let mut w = RouteWords::all(doc.root().next().unwrap());
    assert_eq!(w.next().unwrap().text(), "announce");
    assert_eq!(w.next().unwrap().text(), "route");
    let mut ctx = RouteContext::default();
    let routes = parse_route(RouteKind::Static, &mut w, &mut ctx).unwrap();
    assert_eq!(routes.len(), 4);
    assert!(Rc::ptr_eq(&routes[0].attributes, &routes[3].attributes));
    assert_eq!(routes[3].nlri.to_string(), "10.0.3.0/24");
    // Withdrawals need no next-hop.
    let doc = lex_line("api", "10.0.0.0/24").unwrap();
    let mut ctx = RouteContext::new(Action::Withdraw);
    let r = parse_route(RouteKind::Static, &mut RouteWords::all(doc.root().next().unwrap()), &mut ctx).unwrap();
    assert_eq!(r[0].nexthop, NextHopSpec::None);
    // Errors give the column in the line.
    let doc = lex_line("api", "announce route 10.0.0.0/24 next-hop 1.2.3.4 med x").unwrap();
    let mut w = RouteWords::all(doc.root().next().unwrap());
    w.next();
    w.next();
    let e = parse_route(RouteKind::Static, &mut w, &mut RouteContext::default()).unwrap_err();
    assert_eq!((e.line, e.column), (1, 49), "{e}");
    // A flow block arrives as a section.
    let doc = lex_line("api", "announce flow route { match { source 10.0.0.1/32; } then { discard; } }").unwrap();
    let node = doc.root().next().unwrap();
    assert!(node.is_section());
    let r = parse_flow_block(node, &mut RouteContext::default()).unwrap();
    assert_eq!(r.nlri.family(), Family::IPV4_FLOW);
}

/// One context reading lines that cycle through more attribute sets than
/// its cache keeps gives what a fresh context gives for each line, and
/// lines of one set share their attributes.
#[test]
fn repeated_attribute_sets_are_reused() {
    let mut shared = RouteContext::default();
    let mut doc = crate::config::syntax::Document::line_buffer("api");
    let mut first: Vec<Option<Rc<Attributes>>> = vec![None; 40];
    for round in 0..3u32 {
        for i in 0..40u32 {
            let set = (i * 7 + round) % 40;
            let line = format!("10.{round}.{i}.0/24 next-hop 1.2.3.{} med {set} community [ 65000:{set} ]", set % 3);
            doc.set_line(&line).unwrap();
            let mut w = RouteWords::all(doc.root().next().unwrap());
            let got = parse_route(RouteKind::Static, &mut w, &mut shared).unwrap();
            let fresh_doc = lex_line("api", &line).unwrap();
            let mut w = RouteWords::all(fresh_doc.root().next().unwrap());
            let want = parse_route(RouteKind::Static, &mut w, &mut RouteContext::default()).unwrap();
            assert_eq!(got, want, "{line}");
            let slot = &mut first[set as usize];
            match slot {
                Some(rc) => assert_eq!(**rc, *got[0].attributes),
                None => *slot = Some(got[0].attributes.clone()),
            }
        }
    }
    // A set seen in the last few lines is the same shared value.
    doc.set_line("10.9.9.0/24 next-hop 1.2.3.0 med 39 community [ 65000:39 ]").unwrap();
    let a = parse_route(RouteKind::Static, &mut RouteWords::all(doc.root().next().unwrap()), &mut shared).unwrap();
    doc.set_line("10.9.8.0/24 next-hop 1.2.3.0 med 39 community [ 65000:39 ]").unwrap();
    let b = parse_route(RouteKind::Static, &mut RouteWords::all(doc.root().next().unwrap()), &mut shared).unwrap();
    assert!(Rc::ptr_eq(&a[0].attributes, &b[0].attributes));
    // A bad value is still an error with a cached set before it.
    doc.set_line("10.9.7.0/24 next-hop 1.2.3.0 med x").unwrap();
    assert!(parse_route(RouteKind::Static, &mut RouteWords::all(doc.root().next().unwrap()), &mut shared).is_err());
}

/// The document-free prefix reader accepts what `prefix` accepts, and
/// gives the same prefix.
#[test]
fn plain_prefix_agrees_with_prefix() {
    let texts = [
        "10.0.0.0/24", "10.0.0.1/24", "10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/+1", "1.2.3.4/32", "0.0.0.0/0",
        "2001:db8::/32", "2001:db8::1/32", "::/0", "::1", "fe80::/10", "10.0.0.0/024", "010.0.0.0/8", "abc", "", "1.2.3/24",
        "::ffff:1.2.3.0/120", "1.2.3.0.0/24", "256.0.0.0/8", "255.255.255.255", "1..2.3/8", "1.2.3.4.", ".1.2.3.4", "0.0.0.0/00",
        "10.0.0.0/1000", "10.0.0.0/24/", "10.0.0/24", "10.0.0.0.0/24", "1.2.3.4/0", "0.0.0.0/0", "192.168.0.0/16", "192.168.1.0/23",
        "255.255.255.254/31", "01.2.3.0/24", "1.2.3.0/", "1.2.3.0/x", "1.2.3.256/32", "1000.2.3.0/24", "16.0.0.0/24",
    ];
    for text in texts {
        let doc = lex_line("t", if text.is_empty() { "\"\"" } else { text }).unwrap();
        let word = doc.root().next().unwrap().keyword();
        assert_eq!(plain_prefix(text), prefix(&word).ok(), "{text}");
    }
}

#[test]
fn interning_and_next_hop_self() {
    let text = format!(
        "{HEAD} static {{\n  route 10.0.0.0/24 next-hop self community 1:1;\n  route 10.0.1.0/24 next-hop self community 1:1;\n  route 10.0.2.0/24 next-hop 127.0.0.1 community 1:1;\n }}\n}}\n"
    );
    let c = load_str("t", &text, &options()).unwrap();
    let r = &c.neighbors[0].routes;
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].nexthop, NextHopSpec::Ip("127.0.0.1".parse().unwrap()));
    // `self` resolved to the same address shares the written set.
    assert!(Rc::ptr_eq(&r[0].attributes, &r[1].attributes));
    assert!(Rc::ptr_eq(&r[0].attributes, &r[2].attributes));
}

#[test]
fn tags_only_where_given() {
    let text = format!(
        "{HEAD} static {{\n  route 10.0.0.0/24 next-hop 1.2.3.4;\n  route 10.0.1.0/24 next-hop 1.2.3.4 watchdog dog withdraw;\n  route 10.0.2.0/24 next-hop 1.2.3.4 name web;\n }}\n}}\n"
    );
    let c = load_str("t", &text, &options()).unwrap();
    let r = &c.neighbors[0].routes;
    assert_eq!(r.len(), 3);
    assert!(r[0].tags.is_none());
    assert_eq!((r[0].watchdog(), r[0].withdraw(), r[0].name()), (None, false, None));
    assert_eq!((r[1].watchdog(), r[1].withdraw(), r[1].name()), (Some("dog"), true, None));
    assert_eq!((r[2].watchdog(), r[2].withdraw(), r[2].name()), (None, false, Some("web")));
    // The rare tags cost one pointer per route (a million are kept).
    assert!(std::mem::size_of::<Route>() <= 112, "{}", std::mem::size_of::<Route>());
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// The brief's size check (run by hand: `cargo test --release --lib
/// million_routes_parse -- --ignored --nocapture`).
#[test]
#[ignore]
fn million_routes_parse() {
    let mut text = String::with_capacity(60_000_000);
    text.push_str("neighbor 127.0.0.1 {\n router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1;\n static {\n");
    for n in 0..1_000_000u32 {
        text.push_str(&format!("  route 10.{}.{}.{}/32 next-hop 1.2.3.4 community [65000:1];\n", n >> 16, (n >> 8) & 255, n & 255));
    }
    text.push_str(" }\n}\n");
    let start = std::time::Instant::now();
    let doc = crate::config::Document::parse("m", text.clone()).unwrap();
    eprintln!("syntax tree alone: {:?}", start.elapsed());
    drop(doc);
    let before = rss_kib();
    let start = std::time::Instant::now();
    let c = load_str("million", &text, &options()).unwrap();
    let elapsed = start.elapsed();
    let after = rss_kib();
    let routes = &c.neighbors[0].routes;
    assert_eq!(routes.len(), 1_000_000);
    assert!(routes.iter().all(|r| Rc::ptr_eq(&r.attributes, &routes[0].attributes)));
    eprintln!(
        "1M routes: parsed in {:?}; RSS {} MiB -> {} MiB (+{} MiB, text {} MiB); size_of Route {} bytes",
        elapsed,
        before / 1024,
        after / 1024,
        after.saturating_sub(before) / 1024,
        text.len() >> 20,
        std::mem::size_of::<Route>()
    );
}

#[test]
fn first_attribute_wins_extended_communities_accumulate() {
    let text = format!(
        "{HEAD} static {{\n  route 10.0.0.0/24 {{ next-hop 1.2.3.4; med 5; med 6; extended-community target:1:1; extended-community target:2:2; }}\n }}\n}}\n"
    );
    let c = load_str("t", &text, &options()).unwrap();
    let a = &c.neighbors[0].routes[0].attributes;
    assert_eq!(a.med(), Some(5));
    match a.get(crate::bgp::iana::attr_code::EXTENDED_COMMUNITY) {
        Some(crate::bgp::attribute::Attribute::ExtendedCommunities(e)) => assert_eq!(e.as_slice().len(), 2),
        other => panic!("{other:?}"),
    }
}

/// Random word sequences through every grammar: errors, never panics.
#[test]
fn random_route_words_never_panic() {
    const WORDS: &[&str] = &[
        "10.0.0.0/24", "2001::/64", "2001::/64/8", "1.2.3.4", "::1", "self", "next-hop", "label", "rd", "1:1", "1.2.3.4:5",
        "65536:1", "[", "]", "(", ")", ",", "community", "extended-community", "large-community", "1:2:3", "target:1:2",
        "as-path", "1", "0", "4294967296", "0x", "0x1234", "split", "/24", "/0", "/32", "/128", "med", "origin", "igp",
        "attribute", "0x99", "0xC0", "path-information", "aggregator", "(1:1.2.3.4)", "cluster-list", "aigp", "name",
        "watchdog", "withdraw", "source", "destination", "port", ">80&<90", "=3128", "!=0", "tcp-flags", "syn&!ack",
        "fragment", "is-fragment", "redirect", "[2001::1]:5", "copy", "mark", "63", "action", "sample", "interface-set",
        "transitive:input:1:2", "rate-limit", "discard", "endpoint", "base", "offset", "size", "source-ad", "group",
        "shared-join", "rp", "source-as", "mup-isd", "mup-dsd", "mup-t1st", "mup-t2st", "teid", "qfi", "5/8", "nlri",
        "bgp-prefix-sid", "bgp-prefix-sid-srv6", "l3-service", "flow-label", "dscp", "\u{e9}", "",
    ];
    let kinds = [
        RouteKind::Static,
        RouteKind::StaticAttributes,
        RouteKind::Announce(Family::IPV4_UNICAST),
        RouteKind::Announce(Family::IPV6_MPLS_VPN),
        RouteKind::Announce(Family::IPV4_NLRI_MPLS),
        RouteKind::Flow,
        RouteKind::AnnounceFlow(Family::IPV6_FLOW_VPN),
        RouteKind::Vpls,
        RouteKind::McastVpn(Afi::IPV4),
        RouteKind::Mup(Afi::IPV6),
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut ctx = RouteContext::default();
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..20_000 {
        let len = next(14);
        let line: Vec<&str> = (0..len).map(|_| WORDS[next(WORDS.len())]).collect();
        let line = line.join(" ");
        let Ok(doc) = lex_line("fuzz", &line) else { continue };
        let Some(node) = doc.root().next() else { continue };
        let kind = kinds[round % kinds.len()];
        match parse_route(kind, &mut RouteWords::all(node), &mut ctx) {
            Ok(_) => parsed += 1,
            Err(e) => {
                refused += 1;
                assert!(e.line >= 1 && e.column >= 1, "{e}");
            }
        }
    }
    assert!(refused > 10_000, "{parsed} parsed, {refused} refused");
}
