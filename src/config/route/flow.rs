//! FlowSpec routes (spec §12, RFC 8955/8956): `match` components,
//! `then` actions (extended communities, next-hop), `scope`.

use std::net::IpAddr;

use crate::bgp::attribute::{Attribute, ExtendedCommunities, ExtendedCommunitiesIpv6, ExtendedCommunity, ExtendedCommunityIpv6};
use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::nlri::flow::{component, named_value, op, FlowItem};
use crate::bgp::nlri::{Flow, Nlri, Prefix};
use crate::config::error::ConfigError;
use crate::config::syntax::{Node, Word};

use super::attr::{self, Draft};
use super::words::RouteWords;
use super::{finish, NextHopSpec, Route, RouteContext};

/// Components collected before the AFI is known.
#[derive(Default)]
struct FlowDraft {
    items: Vec<(u8, FlowItem)>,
    v6: Option<bool>,
}

fn component_code(name: &str) -> Option<u8> {
    use component::*;
    Some(match name {
        "source" | "source-ipv4" | "source-ipv6" => SOURCE,
        "destination" | "destination-ipv4" | "destination-ipv6" => DESTINATION,
        "protocol" | "next-header" => PROTOCOL,
        "port" => PORT,
        "destination-port" => DESTINATION_PORT,
        "source-port" => SOURCE_PORT,
        "icmp-type" => ICMP_TYPE,
        "icmp-code" => ICMP_CODE,
        "tcp-flags" => TCP_FLAGS,
        "packet-length" => PACKET_LENGTH,
        "dscp" | "traffic-class" => DSCP,
        "fragment" => FRAGMENT,
        "flow-label" => FLOW_LABEL,
        _ => return None,
    })
}

fn flow_prefix(w: &Word<'_>, f: &mut FlowDraft) -> Result<FlowItem, ConfigError> {
    const WHAT: &str = "a flow prefix (ip/length, or ipv6/length/offset) was expected";
    let t = w.text();
    let mut parts = t.split('/');
    let ip: IpAddr = parts.next().and_then(|s| s.parse().ok()).ok_or_else(|| w.expected(WHAT))?;
    let len: u8 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(|| w.expected(WHAT))?;
    let offset: Option<u8> = match parts.next() {
        Some(o) if ip.is_ipv6() => Some(o.parse().map_err(|_| w.expected(WHAT))?),
        Some(_) => return Err(w.expected(WHAT)),
        None => None,
    };
    if parts.next().is_some() {
        return Err(w.expected(WHAT));
    }
    let v6 = ip.is_ipv6();
    if f.v6.is_some_and(|x| x != v6) {
        return Err(w.expected("source and destination of one address family were expected"));
    }
    f.v6 = Some(v6);
    let prefix = Prefix::new(ip, len).ok_or_else(|| w.expected(WHAT))?;
    Ok(FlowItem::Prefix { prefix, offset: if v6 { Some(offset.unwrap_or(0)) } else { None } })
}

/// The largest value a component keyword takes, beyond its wire size:
/// `dscp` is 6 bits (RFC 2474).
fn limit(keyword: &str) -> u64 {
    if keyword == "dscp" {
        0x3F
    } else {
        u64::MAX
    }
}

fn value(code: u8, text: &str, w: &Word<'_>, max: u64) -> Result<u64, ConfigError> {
    let v = if code == component::FLOW_LABEL {
        attr::number_of(text).filter(|v| *v < 1 << 20)
    } else {
        named_value(code, text)
    };
    let v = v.ok_or_else(|| w.expected("a flow value (number or name) was expected"))?;
    if v > max {
        return Err(w.expected(&format!("a value of at most {} was expected", max)));
    }
    Ok(v)
}

/// One `term(&term)*` expression.
fn expression(code: u8, max: u64, w: &Word<'_>, first_and: bool, out: &mut Vec<(u8, FlowItem)>) -> Result<(), ConfigError> {
    let binary = matches!(code, component::TCP_FLAGS | component::FRAGMENT);
    let mut and = first_and;
    for term in w.text().split('&') {
        if term.is_empty() {
            return Err(w.expected("a flow expression not ending with '&' was expected"));
        }
        let (bits, rest) = if binary {
            if let Some(r) = term.strip_prefix("!=") {
                (op::NOT | op::MATCH, r)
            } else if let Some(r) = term.strip_prefix('!') {
                (op::NOT, r)
            } else if let Some(r) = term.strip_prefix('=') {
                (op::MATCH, r)
            } else {
                (0, term)
            }
        } else if let Some(r) = term.strip_prefix(">=") {
            (op::GT | op::EQ, r)
        } else if let Some(r) = term.strip_prefix("<=") {
            (op::LT | op::EQ, r)
        } else if let Some(r) = term.strip_prefix("!=") {
            (op::LT | op::GT, r)
        } else if let Some(r) = term.strip_prefix('>') {
            (op::GT, r)
        } else if let Some(r) = term.strip_prefix('<') {
            (op::LT, r)
        } else if let Some(r) = term.strip_prefix('=') {
            (op::EQ, r)
        } else if term.starts_with('!') {
            return Err(w.expected("a flow operator (=, >, >=, <, <=, !=) was expected"));
        } else if term.len() >= 4 && term[..4].eq_ignore_ascii_case("true") {
            (op::LT | op::GT | op::EQ, &term[4..])
        } else if term.len() >= 5 && term[..5].eq_ignore_ascii_case("false") {
            (0, &term[5..])
        } else {
            (op::EQ, term)
        };
        let v = value(code, rest, w, max)?;
        let and_bit = if and { op::AND } else { 0 };
        out.push((code, FlowItem::op(code, bits | and_bit, v)));
        and = true;
    }
    Ok(())
}

/// A component's value: one expression or `[ expr expr … ]`.
fn component_value(code: u8, max: u64, w: &mut RouteWords<'_>, f: &mut FlowDraft) -> Result<(), ConfigError> {
    let first = w.expect("a flow value was expected")?;
    let prefix_kind = matches!(code, component::SOURCE | component::DESTINATION);
    let one = |word: &Word<'_>, f: &mut FlowDraft| -> Result<(), ConfigError> {
        if prefix_kind {
            let item = flow_prefix(word, f)?;
            f.items.push((code, item));
            Ok(())
        } else {
            expression(code, max, word, false, &mut f.items)
        }
    };
    if first.text() != "[" {
        return one(&first, f);
    }
    loop {
        let v = w.expect("a flow value or ']' was expected")?;
        if v.text() == "]" {
            return Ok(());
        }
        one(&v, f)?;
    }
}

fn ext(bytes: [u8; 8]) -> ExtendedCommunities {
    let mut c = ExtendedCommunities::new();
    c.push(ExtendedCommunity(bytes));
    c
}

fn rate(rate: f32) -> [u8; 8] {
    let r = rate.to_bits().to_be_bytes();
    [0x80, 0x06, 0, 0, r[0], r[1], r[2], r[3]]
}

/// IPv6 extended communities do not accumulate in the reference: the first
/// action that sets them wins.
fn add_ipv6_ext(d: &mut Draft, c: ExtendedCommunityIpv6) {
    let mut all = ExtendedCommunitiesIpv6::new();
    all.push(c);
    d.add(Attribute::ExtendedCommunitiesIpv6(all));
}

fn redirect_simpson(copy: bool) -> [u8; 8] {
    [0x08, 0, 0, 0, 0, 0, 0, u8::from(copy)]
}

/// `then` actions and `scope` keywords. Returns false if `key` is not one.
fn action(key: &Word<'_>, w: &mut RouteWords<'_>, d: &mut Draft) -> Result<bool, ConfigError> {
    match key.text() {
        "accept" => {}
        "discard" => attr::add_extended(d, ext(rate(0.0))),
        "rate-limit" => {
            let v = w.expect("a rate in bytes per second was expected")?;
            let n = attr::u32_of(&v, "a rate in bytes per second was expected").map(f64::from).or_else(|_| {
                v.text().parse::<u64>().map(|n| n as f64).map_err(|_| v.expected("a rate in bytes per second was expected"))
            })?;
            let n = n.min(1e12);
            if n < 9600.0 && n != 0.0 {
                log::warn!(target: "configuration", "rate-limiting flow under 9600 bytes per seconds may not work");
            }
            attr::add_extended(d, ext(rate(n as f32)));
        }
        "redirect" => {
            let v = w.expect("a redirect target (asn:number or IP) was expected")?;
            let t = v.text();
            let colons = t.matches(':').count();
            let bracketed = t.starts_with('[') && t.ends_with(']');
            if colons == 0 || (colons > 1 && !t.contains('[') && !t.contains(']')) || bracketed {
                let ip: IpAddr = t.trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| v.expected("an IP address was expected"))?;
                d.nexthop = NextHopSpec::Ip(ip);
                attr::add_extended(d, ext(redirect_simpson(false)));
            } else if colons > 1 {
                let (ip, nn) = t.split_once("]:").ok_or_else(|| v.expected("an IPv6 redirect [ip]:number was expected"))?;
                let ip: std::net::Ipv6Addr = ip.trim_start_matches('[').parse().map_err(|_| v.expected("an IPv6 address was expected"))?;
                let nn: u16 = nn.parse().map_err(|_| v.expected("a 16-bit local administrator was expected"))?;
                d.nexthop = NextHopSpec::Ip(IpAddr::V6(ip));
                let mut b = [0u8; 20];
                b[1] = 0x02;
                b[2..18].copy_from_slice(&ip.octets());
                b[18..].copy_from_slice(&nn.to_be_bytes());
                add_ipv6_ext(d, ExtendedCommunityIpv6(b));
            } else {
                let (asn, nn) = t.split_once(':').unwrap_or((t, ""));
                if asn.contains('.') {
                    return Err(v.expected("a redirect asn:number was expected (ipv4:number is not supported)"));
                }
                let asn: u64 = asn.parse().map_err(|_| v.expected("a redirect asn:number was expected"))?;
                let nn: u64 = nn.parse().map_err(|_| v.expected("a redirect asn:number was expected"))?;
                let mut b = [0u8; 8];
                if asn >= 1 << 32 {
                    return Err(v.expected("a 32-bit asn was expected"));
                } else if asn >= 1 << 16 {
                    if nn >= 1 << 16 {
                        return Err(v.expected("a 16-bit local administrator (with a 4-byte asn) was expected"));
                    }
                    b[..2].copy_from_slice(&[0x82, 0x08]);
                    b[2..6].copy_from_slice(&(asn as u32).to_be_bytes());
                    b[6..].copy_from_slice(&(nn as u16).to_be_bytes());
                } else {
                    if nn >= 1 << 32 {
                        return Err(v.expected("a 32-bit local administrator was expected"));
                    }
                    b[..2].copy_from_slice(&[0x80, 0x08]);
                    b[2..4].copy_from_slice(&(asn as u16).to_be_bytes());
                    b[4..].copy_from_slice(&(nn as u32).to_be_bytes());
                }
                attr::add_extended(d, ext(b));
            }
        }
        "redirect-to-nexthop" => attr::add_extended(d, ext(redirect_simpson(false))),
        "redirect-to-nexthop-ietf" => {
            let v = w.expect("an IP address was expected")?;
            match attr::ip_of(&v)? {
                IpAddr::V4(ip) => {
                    let o = ip.octets();
                    attr::add_extended(d, ext([0x01, 0x0C, o[0], o[1], o[2], o[3], 0, 0]));
                }
                IpAddr::V6(ip) => {
                    let mut b = [0u8; 20];
                    b[1] = 0x0C;
                    b[2..18].copy_from_slice(&ip.octets());
                    add_ipv6_ext(d, ExtendedCommunityIpv6(b));
                }
            }
        }
        "copy" => {
            let v = w.expect("an IP address was expected")?;
            d.nexthop = NextHopSpec::Ip(attr::ip_of(&v)?);
            attr::add_extended(d, ext(redirect_simpson(true)));
        }
        "mark" => {
            let v = w.expect("a DSCP value (0-63) was expected")?;
            let n = attr::u32_of(&v, "a DSCP value (0-63) was expected")?;
            if n > 63 {
                return Err(v.expected("a DSCP value (0-63) was expected"));
            }
            attr::add_extended(d, ext([0x80, 0x09, 0, 0, 0, 0, 0, n as u8]));
        }
        "action" => {
            let v = w.expect("a flow action (sample, terminal or sample-terminal) was expected")?;
            let (s, t) = (v.text().contains("sample"), v.text().contains("terminal"));
            if !s && !t {
                return Err(v.expected("a flow action (sample, terminal or sample-terminal) was expected"));
            }
            attr::add_extended(d, ext([0x80, 0x07, 0, 0, 0, 0, 0, (u8::from(s) << 1) | u8::from(t)]));
        }
        "interface-set" => {
            let mut c = ExtendedCommunities::new();
            attr::list(w, "an interface-set (transitive:input:asn:group) was expected", |v| {
                c.push(interface_set(&v)?);
                Ok(())
            })?;
            attr::add_extended(d, c);
        }
        "community" | "large-community" | "extended-community" => {
            return attr::common(key, w, d, Afi::IPV4);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn interface_set(v: &Word<'_>) -> Result<ExtendedCommunity, ConfigError> {
    const WHAT: &str = "an interface-set (transitive|non-transitive:input|output|input-output:asn:group) was expected";
    let parts: Vec<&str> = v.text().split(':').collect();
    let [trans, dir, asn, group] = parts.as_slice() else { return Err(v.expected(WHAT)) };
    let kind = match *trans {
        "transitive" => 0x07,
        "non-transitive" => 0x47,
        _ => return Err(v.expected(WHAT)),
    };
    let dir: u16 = match *dir {
        "input" => 1,
        "output" => 2,
        "input-output" => 3,
        _ => return Err(v.expected(WHAT)),
    };
    let asn: u32 = if attr::digits(asn) { asn.parse().map_err(|_| v.expected(WHAT))? } else { return Err(v.expected(WHAT)) };
    let group: u16 = group.parse().ok().filter(|g| *g < 1 << 14).ok_or_else(|| v.expected(WHAT))?;
    let a = asn.to_be_bytes();
    let t = ((dir << 14) + group).to_be_bytes();
    Ok(ExtendedCommunity([kind, 0x02, a[0], a[1], a[2], a[3], t[0], t[1]]))
}

fn build(fam: Option<Family>, f: FlowDraft, d: Draft, ctx: &mut RouteContext, at: &Word<'_>) -> Result<Route, ConfigError> {
    let afi = match (fam, f.v6) {
        (_, Some(true)) => Afi::IPV6,
        (_, Some(false)) => Afi::IPV4,
        (Some(fam), None) => fam.afi,
        (None, None) => Afi::IPV4,
    };
    let vpn = d.rd.is_some() || fam.is_some_and(|f| f.safi == Safi::FLOW_VPN);
    let family = Family::new(afi, if vpn { Safi::FLOW_VPN } else { Safi::FLOW });
    let mut flow = Flow::new(family);
    if let Some(rd) = d.rd {
        flow.rd = Some(rd);
    }
    for (code, item) in f.items {
        if !flow.add(code, item) {
            return Err(at.expected(&format!("flow components valid for {} were expected", afi)));
        }
    }
    let mut b = bytes::BytesMut::new();
    if flow.pack_checked(&mut b).is_err() {
        return Err(at.expected("a flow rule short enough to encode was expected"));
    }
    Ok(finish(Nlri::Flow(flow), d, ctx))
}

/// `flow { route …; }` one-line form and `announce { ipvX { flow …; } }`.
pub(super) fn one_line(fam: Option<Family>, w: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let mut f = FlowDraft::default();
    let mut d = Draft::default();
    let at = w.peek();
    while let Some(key) = w.next() {
        if let Some(code) = component_code(key.text()) {
            component_value(code, limit(key.text()), w, &mut f)?;
            continue;
        }
        // The `flow { route …; }` one-liner takes components and actions
        // only; announce sections also take an rd (flow-vpn).
        match key.text() {
            "rd" | "route-distinguisher" if fam.is_some() => d.rd = Some(attr::rd(w)?),
            _ => {
                if !action(&key, w, &mut d)? {
                    return Err(key.expected("a flow match component or action was expected"));
                }
            }
        }
    }
    let at = match at {
        Some(a) => a,
        None => return Err(w.missing("a flow rule was expected")),
    };
    Ok(vec![build(fam, f, d, ctx, &at)?])
}

/// Flow `next-hop` sets the NLRI next-hop only (no NEXT_HOP attribute).
fn next_hop(w: &mut RouteWords<'_>, d: &mut Draft) -> Result<(), ConfigError> {
    let v = w.expect("an IP address or self was expected")?;
    if v.text().eq_ignore_ascii_case("self") {
        d.nexthop = NextHopSpec::SelfAfi(Afi::IPV4);
    } else {
        d.nexthop = NextHopSpec::Ip(attr::ip_of(&v)?);
    }
    Ok(())
}

/// `route [name] { rd; next-hop; match { } then { } scope { } }` (also the
/// API's `announce flow route { … }`, whose line lexes into such a section).
pub(super) fn block(node: Node<'_>, ctx: &mut RouteContext) -> Result<Route, ConfigError> {
    let mut f = FlowDraft::default();
    let mut d = Draft::default();
    for child in node.children() {
        let key = child.keyword();
        if child.is_section() {
            let part = key.text();
            if !matches!(part, "match" | "then" | "scope") {
                return Err(key.expected("match, then or scope was expected"));
            }
            for st in child.children() {
                let k = st.keyword();
                if st.is_section() {
                    return Err(k.expected("a flow statement was expected"));
                }
                let mut w = RouteWords::args(st);
                match (part, component_code(k.text())) {
                    ("match", Some(code)) => component_value(code, limit(k.text()), &mut w, &mut f)?,
                    ("match", None) => return Err(k.expected("a flow match component was expected")),
                    ("scope", _) if k.text() != "interface-set" => return Err(k.expected("interface-set was expected")),
                    _ => {
                        if !action(&k, &mut w, &mut d)? {
                            return Err(k.expected("a flow action was expected"));
                        }
                    }
                }
                if let Some(extra) = w.next() {
                    return Err(extra.expected("';' was expected"));
                }
            }
            continue;
        }
        let mut w = RouteWords::args(child);
        match key.text() {
            "rd" | "route-distinguisher" => d.rd = Some(attr::rd(&mut w)?),
            "next-hop" => next_hop(&mut w, &mut d)?,
            _ => return Err(key.expected("rd, next-hop, match, then or scope was expected")),
        }
    }
    build(None, f, d, ctx, &node.keyword())
}

/// A `flow { … }` section.
pub(super) fn section(node: Node<'_>, ctx: &mut RouteContext, out: &mut super::Sink) -> Result<(), ConfigError> {
    for child in node.children() {
        let key = child.keyword();
        match (key.text(), child.is_section()) {
            ("route", true) => out.add(&key, vec![block(child, ctx)?]),
            ("route", false) => out.add(&key, one_line(None, &mut RouteWords::args(child), ctx)?),
            _ => return Err(key.expected("route was expected in flow")),
        }
    }
    Ok(())
}
