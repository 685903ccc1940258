//! Whole-configuration tests: good and bad files, the QA corpus, robustness.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use super::*;
use crate::bgp::iana::Family;

fn options() -> LoadOptions {
    LoadOptions { path: Some("/usr/bin:/bin".into()), ..LoadOptions::default() }
}

fn load(text: &str) -> Result<Configuration, ConfigError> {
    super::load_str_keeping_syntax("t.conf", text, &options())
}

const BASE: &str = "router-id 1.2.3.4; local-as 1; peer-as 2; local-address 127.0.0.1;";

fn one(body: &str) -> Result<Neighbor, ConfigError> {
    let text = format!("neighbor 127.0.0.1 {{\n{}\n{}\n}}\n", BASE, body);
    load(&text).map(|c| c.neighbors.into_iter().next().unwrap())
}

// ===== good configurations =====

#[test]
fn neighbor_defaults() {
    let n = one("").unwrap();
    assert_eq!(n.peer_address, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
    assert_eq!(n.hold_time, 180);
    assert!(!n.passive && n.group_updates && n.auto_flush && n.adj_rib_in && n.adj_rib_out && !n.manual_eor);
    assert_eq!((n.listen, n.connect, n.rate_limit), (0, 0, 0));
    assert_eq!(n.families, ALL_FAMILIES.to_vec());
    assert_eq!(n.md5_ip, n.local_address);
    assert_eq!(n.capability, Capabilities::default());
    assert!(n.addpaths.is_empty() && n.nexthops.is_empty() && n.api.is_empty());
    assert_eq!(
        n.name(),
        "neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 1 peer-as 2 router-id 1.2.3.4 family-allowed in-open"
    );
}

#[test]
fn neighbor_keywords() {
    let n = one(
        "description \"a b\"; hold-time 90; rate-limit 10; passive; listen 1790; connect 1791; outgoing-ttl 10;
         incoming-ttl disable; md5-password secret; md5-ip 127.0.0.2; group-updates false; auto-flush disable;
         adj-rib-out; adj-rib-in true; manual-eor true; host-name host.example; domain-name example.com;
         source-interface eth0; local-as 1.10; peer-as auto;",
    )
    .unwrap();
    assert_eq!(n.description, "a b");
    assert_eq!((n.hold_time, n.rate_limit, n.listen, n.connect), (90, 10, 1790, 1791));
    assert!(n.passive && !n.group_updates && !n.auto_flush && !n.adj_rib_out && n.adj_rib_in && n.manual_eor);
    assert_eq!((n.outgoing_ttl, n.incoming_ttl), (Some(10), None));
    assert_eq!(n.md5_key.as_deref(), Some(&b"secret"[..]));
    assert_eq!(n.md5_ip, Some("127.0.0.2".parse().unwrap()));
    assert_eq!(n.host_name.as_deref(), Some("host.example"));
    assert_eq!(n.domain_name.as_deref(), Some("example.com"));
    assert_eq!(n.source_interface.as_deref(), Some("eth0"));
    assert_eq!((n.local_as, n.peer_as), (Some(65546), None));
}

#[test]
fn router_id_derivation_and_auto_discovery() {
    let c = load("neighbor 10.0.0.1 { local-address 10.0.0.2; local-as 1; peer-as 1; }").unwrap();
    assert_eq!(c.neighbors[0].router_id, Some(Ipv4Addr::new(10, 0, 0, 2)));
    let c = load("neighbor 10.0.0.1 { router-id 1.1.1.1; local-address auto; }").unwrap();
    assert!(c.neighbors[0].auto_discovery());
    assert_eq!(c.neighbors[0].md5_ip, None);
    assert!(c.neighbors[0].name().contains("local-ip None local-as auto peer-as auto"));
    let c = load("neighbor ::1 { router-id 1.1.1.1; local-address ::1; }").unwrap();
    assert_eq!(c.neighbors[0].router_id, Some(Ipv4Addr::new(1, 1, 1, 1)));
}

#[test]
fn families_sorted_and_capabilities() {
    let n = one(
        "family { ipv6 unicast; ipv4 mpls-vpn; ipv4 unicast; }
         capability { add-path send; graceful-restart; nexthop; multi-session; }
         add-path { ipv4 unicast; l2vpn vpls; }
         nexthop { ipv4 unicast ipv6; ipv4 mpls-vpn ipv6; ipv6 unicast ipv4; }",
    )
    .unwrap();
    assert_eq!(n.families, vec![Family::IPV4_UNICAST, Family::IPV4_MPLS_VPN, Family::IPV6_UNICAST]);
    assert_eq!(n.addpaths, vec![Family::IPV4_UNICAST]);
    assert_eq!(n.capability.graceful_restart, Some(180));
    assert_eq!(n.nexthops.len(), 2, "ipv4 mpls-vpn needs ipv6 mpls-vpn configured: {:?}", n.nexthops);
    assert!(n.name().ends_with("family-allowed ipv4-unicast/ipv4-mpls-vpn/ipv6-unicast"));
    assert_eq!(n.outgoing_families(), &[Family::IPV6_UNICAST]);
}

#[test]
fn addpath_block_rules() {
    let n = one("family { ipv4 unicast; ipv6 unicast; } capability { add-path receive; }").unwrap();
    assert_eq!(n.addpaths, vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]);
    let n = one("family { ipv4 unicast; } capability { add-path receive; } add-path { all; }").unwrap();
    assert!(n.addpaths.is_empty());
    let n = one("family { ipv4 unicast; } add-path { ipv4 unicast; }").unwrap();
    assert!(n.addpaths.is_empty(), "capability off");
}

#[test]
fn nexthop_block_turns_capability_on() {
    let n = one("family { ipv4 unicast; ipv6 unicast; } nexthop { ipv4 unicast ipv6; }").unwrap();
    assert_eq!(n.capability.nexthop, Some(true));
    let n = one("family { ipv4 unicast; ipv6 unicast; } nexthop { ipv4 unicast ipv6; } capability { nexthop disable; }").unwrap();
    assert_eq!(n.capability.nexthop, Some(false));
    assert!(n.nexthops.is_empty());
    let n = one("nexthop { }").unwrap();
    assert_eq!(n.capability.nexthop, None);
}

#[test]
fn templates_merge_with_template_scalars_winning() {
    let c = load(
        "process p { run /bin/sh; encoder json; }
         template {
           neighbor t1 { hold-time 40; family { ipv4 unicast; } capability { route-refresh; } api a1 { processes [ p ]; receive { update; } } static { route 1.0.0.0/8 next-hop 1.1.1.1; } }
           neighbor t2 { hold-time 50; family { ipv6 unicast; } }
         }
         neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; hold-time 90; description own;
           inherit [ t1 missing t2 ]; static { } }
         neighbor 127.0.0.2 { router-id 1.2.3.4; local-address 127.0.0.1; inherit t1; }",
    )
    .unwrap();
    let n = &c.neighbors[0];
    assert_eq!(n.hold_time, 50);
    assert_eq!(n.description, "own");
    assert_eq!(n.families, vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]);
    assert!(n.capability.route_refresh);
    assert_eq!(n.api.len(), 1);
    assert!(n.api[0].receive.update);
    assert_eq!(n.route_sections.len(), 2);
    assert_eq!(n.route_sections[0].template, None);
    assert_eq!(n.route_sections[1].template.as_deref(), Some("t1"));
    assert_eq!(n.route_sections[1].kind, RouteSectionKind::Static);
    assert_eq!(n.route_sections[1].section.node().children().count(), 1);
    assert_eq!(n.api_processes(&c.processes), vec!["p"]);
    assert_eq!(c.neighbors[1].hold_time, 40);
}

#[test]
fn same_session_ignores_description_and_routes() {
    let a = one("description a; static { route 1.0.0.0/8 next-hop 1.1.1.1; }").unwrap();
    let b = one("description b;").unwrap();
    let c = one("hold-time 90;").unwrap();
    assert!(a.same_session(&b));
    assert!(!a.same_session(&c));
}

#[test]
fn template_defined_later_is_ignored() {
    let c = load("neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; inherit t; } template { neighbor t { hold-time 40; } }")
        .unwrap();
    assert_eq!(c.neighbors[0].hold_time, 180);
}

#[test]
fn processes_match_links() {
    let c = load(
        "process add-one { run /bin/sh; encoder text; } process other { run /bin/sh; encoder text; }
         neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; api { processes-match [ \"^add\" ]; } }",
    )
    .unwrap();
    assert_eq!(c.neighbors[0].api_processes(&c.processes), vec!["add-one"]);
}

#[test]
fn route_sections_are_kept_in_order() {
    let n = one("static { route 10.0.0.0/8 next-hop 1.2.3.4; } announce { ipv4 { unicast 1.0.0.0/8 next-hop 1.1.1.1; } } flow { } l2vpn { } static { }")
        .unwrap();
    let kinds: Vec<_> = n.route_sections.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![RouteSectionKind::Static, RouteSectionKind::Announce, RouteSectionKind::Flow, RouteSectionKind::L2vpn, RouteSectionKind::Static]
    );
    let first = n.route_sections[0].section.node();
    let route = first.children().next().unwrap();
    assert_eq!(route.keyword().text(), "route");
    assert_eq!(route.arg(0).unwrap().text(), "10.0.0.0/8");
    assert_eq!(route.position(), Position { line: 3, column: 10 });
}

#[test]
fn quirks_kept() {
    // A peer range needs passive (or env bgp.passive).
    assert!(one("").is_ok());
    assert!(load("neighbor 10.0.0.0/24 { router-id 1.2.3.4; local-address 10.0.0.1; passive; }").is_ok());
    let o = LoadOptions { bgp_passive: true, ..options() };
    assert!(load_str("t", "neighbor 10.0.0.0/24 { router-id 1.2.3.4; local-address 10.0.0.1; }", &o).is_ok());
    // Extra `}` ends the parse; a missing one is fine.
    let c = load("neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; }\n}\nneighbor garbage {").unwrap();
    assert_eq!(c.neighbors.len(), 1);
    assert_eq!(load("neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1;").unwrap().neighbors.len(), 1);
    // Words before `}` are ignored (even a keyword).
    assert_eq!(one("hold-time 90 }").unwrap().hold_time, 180);
    // Extra words after a value are ignored.
    assert_eq!(one("hold-time 90 extra;").unwrap().hold_time, 90);
    // Two blocks for one peer that differ (here peer-as) are two neighbors.
    let c = load(
        "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; peer-as 1; }
         neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; peer-as 2; }",
    )
    .unwrap();
    assert_eq!(c.neighbors.len(), 2);
    // md5-base64 auto behaves as false.
    let n = one("md5-password abc; md5-base64 auto;").unwrap();
    assert!(!n.md5_base64);
    let n = one("md5-password YWJj; md5-base64;").unwrap();
    assert_eq!(n.md5_key.as_deref(), Some(&b"YWJj"[..]));
    let n = one("md5-password YWJj; md5-base64 true;").unwrap();
    assert_eq!(n.md5_key.as_deref(), Some(&b"abc"[..]));
    // A configuration with only a top-level `}` is an empty configuration.
    assert_eq!(load("}\n").unwrap().neighbors.len(), 0);
    // Empty operational section.
    assert!(one("operational { }").is_ok());
}

#[test]
fn multiple_files_are_separate_configurations() {
    let dir = std::env::temp_dir().join(format!("exabgp-multi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.conf");
    let b = dir.join("b.conf");
    std::fs::write(&a, "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; }\n").unwrap();
    std::fs::write(&b, "neighbor 127.0.0.2 { router-id 1.2.3.4; local-address 127.0.0.1; }\nneighbor 127.0.0.3 { router-id 1.2.3.4; local-address 127.0.0.1; }\n").unwrap();
    let all = super::load(&[a.clone(), b.clone()], &options()).unwrap();
    assert_eq!(all.iter().map(|c| c.neighbors.len()).collect::<Vec<_>>(), vec![1, 2]);
    let v = validate(&[a.clone(), b.clone()], &options()).unwrap();
    assert_eq!(v[1].neighbors, 2);
    std::fs::write(&b, "neighbor x {}\n").unwrap();
    let e = super::load(&[a, b.clone()], &options()).unwrap_err();
    assert_eq!(e.file, b.to_string_lossy());
    assert!(load_file(&dir.join("missing.conf"), &options()).is_err());
    assert!(load_file(&dir, &options()).is_err());
    std::fs::write(&b, b"neighbor \xff\xfe {}\n").unwrap();
    let e = load_file(&b, &options()).unwrap_err();
    assert_eq!((e.line, e.column), (1, 10));
    let _ = std::fs::remove_dir_all(&dir);
}

// ===== bad configurations: each asserts the line and column =====

fn bad(text: &str, line: u32, column: u32) -> ConfigError {
    match load(text) {
        Ok(_) => panic!("accepted:\n{}", text),
        Err(e) => {
            assert_eq!((e.line, e.column), (line, column), "{}\n--- for ---\n{}", e, text);
            assert!(e.to_string().starts_with(&format!("t.conf:{}:{}: ", line, column)));
            e
        }
    }
}

fn bad_body(body: &str, column: u32) -> ConfigError {
    bad(&format!("neighbor 127.0.0.1 {{\n{}\n{}\n}}\n", BASE, body), 3, column)
}

#[test]
fn bad_lexical() {
    bad("", 1, 1); // empty file
    bad("\n# comment only\n", 1, 1);
    bad("neighbor 127.0.0.1 {\n hold-time 90\n}\n", 2, 2); // missing ;
    bad("neighbor 127.0.0.1 {\n description \"abc;\n}\n", 2, 14); // unterminated quote
    bad("neighbor 127.0.0.1 {\n hold-time 90 # comment\n}\n", 2, 2); // comment with a pending statement
    bad("neighbor 127.0.0.1 {\n description a\\u0041;\n}\n", 2, 15); // \u escape
    bad("neighbor 127.0.0.1 { \\\n", 1, 22); // continuation at end of file
    bad("\u{1}\u{2}\u{3}garbage\u{0}\u{7f}", 1, 1); // binary garbage
    let huge = format!("neighbor 127.0.0.1 {{\n description {};\n hold-time x;\n}}\n", "x".repeat(1 << 20));
    let e = bad(&huge, 3, 12); // a huge line before the error
    assert!(e.message.len() < 200);
    bad(&format!("neighbor 127.0.0.1 {{ {}\n", "a".repeat(1 << 20)), 1, 22); // a huge pending word
}

#[test]
fn bad_structure() {
    bad("Neighbor 127.0.0.1 { }\n", 1, 1); // keywords are case-sensitive
    bad("group g { }\n", 1, 1); // no group at this commit
    bad("hold-time 90;\n", 1, 1); // a statement at top level
    bad("{\n}\n", 1, 1); // a section without a name
    bad_body("unknown-keyword 1;", 1);
    bad_body("family ipv4 unicast;", 1); // a section written as a statement
    bad_body("hold-time 90 { }", 1); // a statement written as a section
    bad_body("hold-time 90;;", 14); // an empty statement
    bad_body("process p { run /bin/sh; encoder text; }", 1); // process inside a neighbor
    bad("template { hold-time 90; }\n", 1, 12);
    bad("template { neighbor { } }\n", 1, 21);
    bad("template { neighbor a/b { } }\n", 1, 21);
    bad("template { neighbor t { } neighbor t { } }\n", 1, 36);
}

#[test]
fn bad_values() {
    bad("neighbor 300.0.0.1 { }\n", 1, 10); // bad IP
    bad("neighbor { }\n", 1, 10); // no peer address
    bad("neighbor 10.0.0.1/33 { passive; }\n", 1, 10);
    bad_body("local-address 127.0.0.256;", 15);
    bad_body("router-id ::1;", 11);
    bad_body("local-as 4294967296;", 10); // ASN out of range
    bad_body("peer-as -1;", 9);
    bad_body("peer-as;", 8);
    bad_body("hold-time 2;", 11); // bad hold-time
    bad_body("hold-time 65536;", 11);
    bad_body("hold-time abc;", 11);
    bad_body("rate-limit 0;", 12);
    bad_body("listen 65536;", 8);
    bad_body("outgoing-ttl 256;", 14);
    bad_body("passive maybe;", 9);
    bad_body("md5-password \"\";", 15); // bad md5
    bad_body("host-name router1;", 11);
    bad_body("domain-name 1example.com;", 13);
    bad_body("inherit a b;", 9);
    bad_body("inherit [ ];", 9);
    bad_body("family { ipv4 bogus; }", 15); // bad family
    bad_body("family { ipv6 multicast; }", 15);
    bad_body("family { ipv4 unicast; ipv4 unicast; }", 29);
    bad_body("family { all; ipv4 unicast; }", 15);
    bad_body("family { ipx unicast; }", 10);
    bad_body("capability { graceful-restart 70000; }", 31);
    bad_body("capability { add-path receive/send; }", 23);
    bad_body("capability { refresh; }", 14);
    bad_body("nexthop { ipv4 unicast ipv4; }", 24);
    bad_body("api { processes p; }", 17);
    bad_body("api { send { everything; } }", 14);
    bad_body("operational { asm afi ipv4 safi unicast advisory \"x\"; }", 15);
}

#[test]
fn bad_post_processing() {
    // Errors found when the neighbor closes point at the `neighbor` keyword.
    bad("neighbor 127.0.0.1 { router-id 1.2.3.4; local-address ::1; }\n", 1, 1);
    bad("neighbor ::1 { local-address ::1; }\n", 1, 1); // IPv6 peer without router-id
    bad("neighbor 127.0.0.1 { local-address auto; }\n", 1, 1); // auto without router-id
    bad("neighbor 127.0.0.1 { router-id 1.2.3.4; listen 1790; }\n", 1, 1); // listen without local-address
    bad("neighbor 10.0.0.0/24 { router-id 1.2.3.4; local-address 10.0.0.1; }\n", 1, 1); // range, not passive
    bad_body_at_neighbor(&format!("md5-password {};", "x".repeat(81)));
    bad_body_at_neighbor("md5-password abc; md5-base64 true;");
    // Duplicate neighbor.
    bad(
        "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; }\nneighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; }\n",
        2,
        1,
    );
    // Duplicate process.
    bad("process a { run /bin/sh; encoder text; }\nprocess a { run /bin/sh; encoder text; }\n", 2, 9);
    // Incomplete process.
    bad("process a {\n run /bin/sh;\n}\n", 1, 9);
    // api naming an unknown process.
    bad("neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1;\n api { processes [ nope ]; } }\n", 2, 2);
    // processes and processes-match together.
    bad(
        "process a { run /bin/sh; encoder text; }\nneighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1;\n api { processes [ a ]; }\n api { processes-match [ a ]; } }\n",
        4,
        2,
    );
    // processes-match matching nothing.
    bad("process a { run /bin/sh; encoder text; }\nneighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1;\n api { processes-match [ b ]; } }\n", 3, 2);
    // Duplicate api names, even across neighbors.
    bad(
        "neighbor 127.0.0.1 { router-id 1.2.3.4; local-address 127.0.0.1; api x { } }\nneighbor 127.0.0.2 { router-id 1.2.3.4; local-address 127.0.0.1; api x { } }\n",
        2,
        70,
    );
    // Missing program.
    bad("process a {\n run /nonexistent/program;\n encoder text;\n}\n", 2, 6);
}

fn bad_body_at_neighbor(body: &str) {
    bad(&format!("neighbor 127.0.0.1 {{\n{}\n{}\n}}\n", BASE, body), 1, 1);
}

// ===== robustness =====

/// A small xorshift generator: deterministic, no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEED_CONFIG: &str = "process p { run /bin/sh -c \"x y\"; encoder json; respawn false; }
template { neighbor t { hold-time 40; family { ipv4 unicast; ipv6 unicast; ipv4 flow; ipv4 flow-vpn; ipv6 flow; l2vpn vpls; ipv4 mpls-vpn; ipv4 nlri-mpls; ipv4 mcast-vpn; ipv6 mup; } capability { add-path send/receive; graceful-restart 5; } api a { processes [ p ]; receive { parsed; update; } } } }
neighbor 127.0.0.1 {
  router-id 1.2.3.4; local-as 65000; peer-as 1.5; local-address 127.0.0.1; inherit [ t ];
  md5-password 'se cret'; outgoing-ttl 5; nexthop { ipv4 unicast ipv6; } add-path { ipv4 unicast; }
  static { route 10.0.0.0/8 next-hop 1.2.3.4 community [ 1:1 2:2 ] as-path [ 1 2 ] ( 3 4 ) split /10; route 2001::/16 { next-hop ::1; } }
  static { route 10.1.0.0/16 label [ 5 6 ] rd 1.2.3.4:5 next-hop self extended-community [ target:1:2 origin:1.2.3.4:5 0x0002000100000002 ] large-community 1:2:3 aggregator ( 1:1.2.3.4 ) attribute [ 0x99 0xC0 0x0102 ] aigp 0x10 path-information 1.2.3.4; }
  static { attributes med 5 local-preference 6 originator-id 1.1.1.1 cluster-list [ 1.1.1.1 2.2.2.2 ] bgp-prefix-sid [ 1, [ ( 2,3 ) ] ] nlri 10.2.0.0/16 10.3.0.0/16; }
  flow { route x { rd 1:2; next-hop 1.2.3.4; match { source 1.0.0.0/8; destination-port [ >8080&<8088 =3128 ]; tcp-flags [ syn&!=ack ]; fragment is-fragment; } then { discard; rate-limit 9600; redirect 1:2; mark 5; action sample; copy 1.2.3.4; } scope { interface-set transitive:input:1:2; } } }
  flow { route source 2001::/64/0 next-header tcp redirect-to-nexthop-ietf 2001::1; }
  l2vpn { vpls \\
    endpoint 5 base 10 offset 1 size 8 rd 1:2 next-hop 1.2.3.4; vpls s { endpoint 6; base 1; offset 1; size 2; rd 1:3; next-hop 1.2.3.4; } }
  announce { ipv4 { unicast 10.9.0.0/16 next-hop 1.2.3.4 origin egp; mcast-vpn source-ad source 1.1.1.1 group 2.2.2.2 rd 1:1 next-hop 1.2.3.4; flow-vpn destination 1.2.3.0/24 rd 1:2 accept; }
    ipv6 { mup mup-t1st 2001:db8::/64 rd 1:1 teid 5 qfi 9 endpoint 2001::1 next-hop 1.2.3.4 bgp-prefix-sid-srv6 ( l3-service 2001::2 0x48 [ 64,24,16,0,0,0 ] ); } }
}
";

const FRAGMENTS: [&str; 24] = [
    "{", "}", ";", "[", "]", ",", "\"", "'", "#", "\\", "\n", " ", "neighbor", "process", "template", "family", "api",
    "127.0.0.1", "::1", "auto", "true", "65536", "\u{e9}", "\0",
];

#[test]
fn random_and_mutated_text_never_panics() {
    let opts = LoadOptions { check_programs: false, ..options() };
    assert!(load_str("seed", SEED_CONFIG, &opts).is_ok(), "{:?}", load_str("seed", SEED_CONFIG, &opts).err());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let seed: Vec<char> = SEED_CONFIG.chars().collect();
    for round in 0..3000 {
        let text: String = if round % 3 == 0 {
            // Random fragments.
            (0..rng.below(60)).map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())]).collect()
        } else {
            // Mutations of a valid configuration: delete, duplicate, replace.
            let mut chars = seed.clone();
            for _ in 0..1 + rng.below(6) {
                let at = rng.below(chars.len());
                match rng.below(4) {
                    0 => {
                        chars.remove(at.min(chars.len().saturating_sub(1)));
                    }
                    1 => {
                        let f: Vec<char> = FRAGMENTS[rng.below(FRAGMENTS.len())].chars().collect();
                        for (n, c) in f.into_iter().enumerate() {
                            chars.insert((at + n).min(chars.len()), c);
                        }
                    }
                    2 => {
                        let len = rng.below(40).min(chars.len() - at);
                        chars.drain(at..at + len);
                    }
                    _ => {
                        if let Some(c) = chars.get_mut(at) {
                            const REPLACEMENTS: &[u8] = b" ;{}[]\"'#\\\nax9.:/";
                            *c = char::from(REPLACEMENTS[rng.below(REPLACEMENTS.len())]);
                        }
                    }
                }
            }
            chars.into_iter().collect()
        };
        if let Err(e) = load_str("fuzz", &text, &opts) {
            assert!(e.line >= 1 && e.column >= 1, "{} for {:?}", e, text);
            let _ = e.to_string();
        }
    }
}

#[test]
fn hundred_thousand_routes_load() {
    let mut text = String::with_capacity(5_000_000);
    text.push_str("neighbor 127.0.0.1 {\n router-id 1.2.3.4; local-address 127.0.0.1;\n static {\n");
    for n in 0..100_000u32 {
        text.push_str(&format!("  route 10.{}.{}.{}/32 next-hop 1.2.3.4;\n", n >> 16, (n >> 8) & 255, n & 255));
    }
    text.push_str(" }\n}\n");
    let c = load(&text).unwrap();
    let stat = &c.neighbors[0].route_sections[0];
    assert_eq!(stat.section.node().children().count(), 100_000);
    let last = stat.section.node().children().last().unwrap();
    assert_eq!(last.arg(0).unwrap().text(), "10.1.134.159/32");
    assert_eq!(last.position().line, 100_003);
}

// ===== the QA corpus (spec §21) =====

/// Copy a configuration into a scratch directory next to stub `run`
/// programs (the QA copy has no `run/` scripts) and a stub `python3`.
fn stage(conf: &Path, scratch: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let text = std::fs::read_to_string(conf).unwrap_or_default();
    let bin = scratch.join("bin");
    std::fs::create_dir_all(scratch.join("run")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    let stubs = text
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| w.starts_with("./run/"))
        .map(|w| scratch.join(w.trim_start_matches("./")))
        .chain(std::iter::once(bin.join("python3")));
    for stub in stubs {
        std::fs::write(&stub, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let target = scratch.join(conf.file_name().unwrap_or_default());
    std::fs::write(&target, text).unwrap();
    target
}

fn load_corpus(dir: &Path) -> usize {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    files.sort();
    let scratch = std::env::temp_dir().join(format!("exabgp-qa-etc-{}", std::process::id()));
    let opts = LoadOptions { path: Some(scratch.join("bin").into_os_string()), ..LoadOptions::default() };
    let mut failures = Vec::new();
    for f in &files {
        let staged = stage(f, &scratch);
        match load_file(&staged, &opts) {
            Ok(c) => assert!(!c.neighbors.is_empty(), "{} has no neighbor", f.display()),
            Err(e) => failures.push(e.to_string()),
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), files.len(), failures.join("\n"));
    files.len()
}

#[test]
fn qa_etc_configurations_load() {
    let dir = std::env::var_os("EXABGP_QA_ETC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/qa/etc")));
    if !dir.is_dir() {
        println!("note: {} is absent; set EXABGP_QA_ETC to run the QA configuration test", dir.display());
        return;
    }
    let n = load_corpus(&dir);
    assert!(n >= 80, "only {} configurations found", n);
}

/// Summary lines compared with the reference by a script during development
/// (`EXABGP_QA_DUMP=dir cargo test --lib config::tests::dump_summary -- --ignored --nocapture`).
#[test]
#[ignore]
fn dump_summary() {
    let Some(dir) = std::env::var_os("EXABGP_QA_DUMP").map(PathBuf::from) else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "conf")).collect();
    files.sort();
    let opts = LoadOptions { check_programs: false, ..LoadOptions::from_env() };
    let yn = |b: bool| if b { "1" } else { "0" };
    for f in files {
        let file = f.file_name().unwrap().to_string_lossy().into_owned();
        let c = match load_file(&f, &opts) {
            Ok(c) => c,
            Err(e) => {
                println!("{} ERROR {}", file, e);
                continue;
            }
        };
        for p in &c.processes {
            println!("{} P {} {:?} {} [{}]", file, p.name, p.encoder, yn(p.respawn), p.run[1..].join(","));
        }
        for n in &c.neighbors {
            let cap = &n.capability;
            println!("{} N {}", file, n.name());
            println!(
                "{} N desc={:?} hold={} rl={} passive={} listen={} connect={} ttl={:?}/{:?} md5={:?}/{} md5ip={:?} gu={} af={} ribin={} ribout={} eor={} host={:?} dom={:?} src={:?}",
                file, n.description, n.hold_time, n.rate_limit, yn(n.passive), n.listen, n.connect, n.outgoing_ttl, n.incoming_ttl,
                n.md5_password, yn(n.md5_base64), n.md5_ip.map(|i| i.to_string()), yn(n.group_updates), yn(n.auto_flush), yn(n.adj_rib_in), yn(n.adj_rib_out), yn(n.manual_eor), n.host_name, n.domain_name, n.source_interface
            );
            println!(
                "{} C asn4={} em={} gr={:?} ms={} op={} ap={} rr={} nh={:?} aigp={:?} sv={}",
                file, yn(cap.asn4), yn(cap.extended_message), cap.graceful_restart, yn(cap.multi_session), yn(cap.operational), cap.add_path.code(), yn(cap.route_refresh), cap.nexthop, cap.aigp, yn(cap.software_version)
            );
            let fam: Vec<String> = n.families.iter().map(|f| f.to_string()).collect();
            let nh: Vec<String> = n.nexthops.iter().map(|(f, a)| format!("{} {}", f, a)).collect();
            let ap: Vec<String> = n.addpaths.iter().map(|f| f.to_string()).collect();
            println!("{} F {} | {} | {}", file, fam.join(","), nh.join(","), ap.join(","));
            let mut procs: Vec<&str> = n.api.iter().flat_map(|a| a.processes.iter().map(|s| s.as_str())).collect();
            procs.sort();
            let mut flags = Vec::new();
            for a in &n.api {
                for p in &a.processes {
                    let f = |name: &str, on: bool| if on { Some(format!("{}:{}", name, p)) } else { None };
                    let s = a.send;
                    let r = a.receive;
                    for x in [
                        f("neighbor-changes", a.neighbor_changes), f("negotiated", a.negotiated), f("fsm", a.fsm), f("signal", a.signal),
                        f("send-parsed", s.parsed), f("send-packets", s.packets), f("send-consolidate", s.consolidate), f("send-open", s.open), f("send-update", s.update), f("send-notification", s.notification), f("send-keepalive", s.keepalive), f("send-refresh", s.refresh), f("send-operational", s.operational),
                        f("receive-parsed", r.parsed), f("receive-packets", r.packets), f("receive-consolidate", r.consolidate), f("receive-open", r.open), f("receive-update", r.update), f("receive-notification", r.notification), f("receive-keepalive", r.keepalive), f("receive-refresh", r.refresh), f("receive-operational", r.operational),
                    ].into_iter().flatten() {
                        flags.push(x);
                    }
                }
            }
            flags.sort();
            let mut pm: Vec<&str> = n.api.iter().flat_map(|a| a.processes_match.iter().map(|s| s.as_str())).collect();
            pm.sort();
            println!("{} A {} | {} | {}", file, procs.join(","), pm.join(","), flags.join(","));
            for line in n.configuration_text().split('\n') {
                println!("{} T {}", file, line);
            }
        }
    }
}

/// The 1M-route size check of the brief (run by hand: `-- --ignored`).
#[test]
#[ignore]
fn million_routes_load() {
    let mut text = String::with_capacity(45_000_000);
    text.push_str("neighbor 127.0.0.1 {\n router-id 1.2.3.4; local-address 127.0.0.1;\n static {\n");
    for n in 0..1_000_000u32 {
        text.push_str(&format!("  route 10.{}.{}.{}/32 next-hop 1.2.3.4;\n", n >> 16, (n >> 8) & 255, n & 255));
    }
    text.push_str(" }\n}\n");
    let start = std::time::Instant::now();
    let c = load(&text).unwrap();
    println!("1M routes: {} bytes of text, loaded in {:?}", text.len(), start.elapsed());
    assert_eq!(c.neighbors[0].route_sections[0].section.node().children().count(), 1_000_000);
}
#[test]
fn configuration_text_matches_the_reference() {
    // Expected text produced by the reference for the same input.
    let c = load(GOLDEN_CONF).unwrap();
    assert_eq!(c.neighbors[0].configuration_text(), GOLDEN_TEXT);
}

const GOLDEN_CONF: &str = "process a { run /bin/cat; encoder text; }
neighbor 127.0.0.1 {
  router-id 1.2.3.4; local-as 1; peer-as auto; local-address 127.0.0.1; listen 1790; outgoing-ttl 5;
  md5-password \"s e\"; description \"d\";
  family { ipv4 unicast; ipv6 unicast; }
  capability { add-path send/receive; graceful-restart; route-refresh; }
  nexthop { ipv4 unicast ipv6; }
  api { processes [ a ]; neighbor-changes; receive { parsed; update; } send { packets; } }
}";

const GOLDEN_TEXT: &str = "neighbor 127.0.0.1 {
  description \"d\";
  router-id 1.2.3.4;
  host-name None;
  domain-name None;
  local-address 127.0.0.1;
  source-interface None;
  local-as 1;
  peer-as None;
  hold-time 180;
  rate-limit disable;
  manual-eor false;

  passive false;

  listen 1790;
  group-updates true;
  auto-flush true;
  adj-rib-in true;
  adj-rib-out true;
  md5-password \"s e\";
  md5-base64 false;
  md5-ip \"127.0.0.1\";
  outgoing-ttl 5;
  capability {
    asn4 enable;
    route-refresh enable;
    graceful-restart 180;
    software-version disable;
    nexthop enable;
    add-path send/receive;
    multi-session disable;
    operational disable;
    aigp disable;
  }
  family {
    ipv4 unicast;
    ipv6 unicast;
  }
  nexthop {
    ipv4 unicast ipv6;
  }
  add-path {
    ipv4 unicast;
    ipv6 unicast;
  }
  api {
    processes [ a ];
    neighbor-changes;
    receive {
      parsed;
      update;
    }
    send {
      packets;
    }
  }
}";

#[test]
fn loading_drops_the_syntax_tree() {
    let text = format!("neighbor 127.0.0.1 {{\n{}\nstatic {{ route 10.0.0.0/8 next-hop 1.2.3.4; }}\n}}\n", BASE);
    let c = load_str("t.conf", &text, &options()).unwrap();
    assert!(c.neighbors[0].route_sections.is_empty());
    assert_eq!(c.neighbors[0].routes.len(), 1);
}
