//! Route attribute keywords shared by `static`, `announce`, `flow`, `l2vpn`
//! and the API (spec §11): each parses its value from the word stream into
//! a typed attribute of the draft route.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

use crate::bgp::attribute::sr::prefixsid::SrTlv;
use crate::bgp::attribute::sr::srv6::{ServiceSubTlv, SidStructure, SubSubTlv};
use crate::bgp::attribute::{
    self, Aggregator, Aigp, AsPath, Attribute, Attributes, ClusterList, Communities, ExtendedCommunities,
    ExtendedCommunity, Generic, LargeCommunities, LargeCommunity, LocalPreference, Med, Origin, OriginatorId,
    PrefixSid, Segment, SegmentType,
};
use crate::bgp::iana::{attr_code, Afi};
use crate::bgp::negotiated::Negotiated;
use crate::bgp::nlri::{Labels, RouteDistinguisher};
use crate::config::error::ConfigError;
use crate::config::syntax::Word;

use super::words::RouteWords;
use super::NextHopSpec;

/// What a route statement collects before its NLRI is built.
#[derive(Clone, Debug, Default)]
pub(crate) struct Draft {
    pub(crate) attrs: Attributes,
    pub(crate) nexthop: NextHopSpec,
    pub(crate) path_id: Option<u32>,
    pub(crate) labels: Option<Labels>,
    pub(crate) rd: Option<RouteDistinguisher>,
    pub(crate) split: Option<u8>,
    pub(crate) watchdog: Option<Rc<str>>,
    pub(crate) name: Option<Rc<str>>,
    pub(crate) withdraw: bool,
}

impl Draft {
    /// The route tags of a route made from this draft.
    pub(crate) fn tags(&self) -> Option<Box<super::RouteTags>> {
        super::RouteTags::boxed(self.watchdog.clone(), self.withdraw, self.name.clone())
    }

    /// Add an attribute as the reference's `Attributes.add`: extended
    /// communities accumulate; for any other code the first value written
    /// stays and later ones are ignored.
    pub(crate) fn add(&mut self, attr: Attribute) {
        if let Attribute::ExtendedCommunities(c) = attr {
            add_extended(self, c);
            return;
        }
        if !self.attrs.has(attr.code()) {
            self.attrs.insert(attr);
        }
    }
}

/// Plain decimal digits only (Python's `str.isdigit` for ASCII).
pub(crate) fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn u32_of(w: &Word<'_>, what: &str) -> Result<u32, ConfigError> {
    let t = w.text();
    if !digits(t) {
        return Err(w.expected(what));
    }
    t.parse::<u32>().map_err(|_| w.expected(what))
}

/// Decimal or `0x` hexadecimal.
pub(crate) fn number_of(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None if digits(text) => text.parse().ok(),
        None => None,
    }
}

pub(crate) fn ip_of(w: &Word<'_>) -> Result<IpAddr, ConfigError> {
    w.text().parse::<IpAddr>().map_err(|_| w.expected("an IP address was expected"))
}


/// `next-hop <ip>|self`. `self` takes the route's AFI (§11.2); with
/// `map_v4`, an IPv4 next-hop of an IPv6 route becomes `::ffff:a.b.c.d`.
pub(crate) fn next_hop(w: &mut RouteWords<'_>, d: &mut Draft, afi: Afi, map_v4: bool) -> Result<(), ConfigError> {
    let word = w.expect("an IP address or self was expected")?;
    if word.text().eq_ignore_ascii_case("self") {
        d.nexthop = NextHopSpec::SelfAfi(afi);
        d.attrs.remove(attr_code::NEXT_HOP);
        return Ok(());
    }
    let mut ip = word.text().parse::<IpAddr>().map_err(|_| word.expected("an IP address or self was expected"))?;
    if let (IpAddr::V4(v4), true) = (ip, map_v4 && afi == Afi::IPV6) {
        ip = IpAddr::V6(v4.to_ipv6_mapped());
    }
    d.nexthop = NextHopSpec::Ip(ip);
    d.add(Attribute::NextHop(ip));
    Ok(())
}

/// The §11 keywords every route statement takes. Returns `Ok(false)` when
/// `key` is not one of them.
pub(crate) fn common(key: &Word<'_>, w: &mut RouteWords<'_>, d: &mut Draft, afi: Afi) -> Result<bool, ConfigError> {
    match key.text() {
        "next-hop" => next_hop(w, d, afi, false)?,
        "origin" => {
            let v = w.expect("an origin (igp, egp or incomplete) was expected")?;
            let o = match v.text().to_ascii_lowercase().as_str() {
                "igp" => Origin::IGP,
                "egp" => Origin::EGP,
                "incomplete" => Origin::INCOMPLETE,
                _ => return Err(v.expected("an origin (igp, egp or incomplete) was expected")),
            };
            d.add(Attribute::Origin(o));
        }
        "med" => {
            let v = w.expect("a MED (decimal number) was expected")?;
            d.add(Attribute::Med(Med(u32_of(&v, "a MED (decimal number) was expected")?)));
        }
        "local-preference" => {
            let v = w.expect("a local-preference (decimal number) was expected")?;
            let n = u32_of(&v, "a local-preference (decimal number) was expected")?;
            d.add(Attribute::LocalPreference(LocalPreference(n)));
        }
        "as-path" => d.add(Attribute::AsPath(as_path(w)?)),
        "atomic-aggregate" => d.add(Attribute::AtomicAggregate),
        "aggregator" => d.add(Attribute::Aggregator(aggregator(w)?)),
        "originator-id" => {
            let v = w.expect("an originator-id (IPv4 address) was expected")?;
            let ip = v.text().parse::<Ipv4Addr>().map_err(|_| v.expected("an originator-id (IPv4 address) was expected"))?;
            d.add(Attribute::OriginatorId(OriginatorId(ip)));
        }
        "cluster-list" => {
            let mut ids = Vec::new();
            list(w, "a cluster-id (IPv4 address) was expected", |v| {
                ids.push(v.text().parse::<Ipv4Addr>().map_err(|_| v.expected("a cluster-id (IPv4 address) was expected"))?);
                Ok(())
            })?;
            d.add(Attribute::ClusterList(ClusterList(ids)));
        }
        "community" => {
            let mut c = Communities::new();
            list(w, "a community was expected", |v| {
                c.push(community(&v)?);
                Ok(())
            })?;
            d.add(Attribute::Communities(c));
        }
        "large-community" => {
            let mut c = LargeCommunities::new();
            list(w, "a large-community was expected", |v| {
                let lc = large_community(&v)?;
                if !c.as_slice().contains(&lc) {
                    c.push(lc);
                }
                Ok(())
            })?;
            d.add(Attribute::LargeCommunities(c));
        }
        "extended-community" => {
            let mut c = ExtendedCommunities::new();
            list(w, "an extended-community was expected", |v| {
                c.push(extended_community(&v)?);
                Ok(())
            })?;
            add_extended(d, c);
        }
        "aigp" => {
            let v = w.expect("an aigp value (decimal or 0x hexadecimal) was expected")?;
            let n = number_of(v.text()).ok_or_else(|| v.expected("an aigp value (decimal or 0x hexadecimal) was expected"))?;
            d.add(Attribute::Aigp(Aigp::new(n)));
        }
        "attribute" => generic(w, d)?,
        "name" => {
            let v = w.expect("a name was expected")?;
            d.name = Some(Rc::from(v.text()));
        }
        "split" => {
            let v = w.expect("a split size (/<number>) was expected")?;
            let n = v.text().strip_prefix('/').filter(|s| digits(s)).and_then(|s| s.parse::<u8>().ok());
            let max = if afi == Afi::IPV6 { 128 } else { 32 };
            match n {
                Some(n) if n <= max => d.split = Some(n),
                _ => return Err(v.expected(&format!("a split size /0 to /{} was expected", max))),
            }
        }
        "watchdog" => {
            let v = w.expect("a watchdog name was expected")?;
            if matches!(v.text().to_ascii_lowercase().as_str(), "announce" | "withdraw") {
                return Err(v.expected("a watchdog name other than announce or withdraw was expected"));
            }
            d.watchdog = Some(Rc::from(v.text()));
        }
        "withdraw" => d.withdraw = true,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Extended communities add to those already set (flow `then` actions and
/// `extended-community` statements accumulate), as the reference's
/// `Attributes.add` merges communities.
pub(crate) fn add_extended(d: &mut Draft, c: ExtendedCommunities) {
    if let Some(Attribute::ExtendedCommunities(old)) = d.attrs.get(attr_code::EXTENDED_COMMUNITY) {
        let mut merged = old.clone();
        for e in c.as_slice() {
            merged.push(*e);
        }
        d.attrs.insert(Attribute::ExtendedCommunities(merged));
    } else {
        d.attrs.insert(Attribute::ExtendedCommunities(c));
    }
}

/// One value, or `[ v v … ]`.
pub(crate) fn list<'d>(
    w: &mut RouteWords<'d>,
    what: &str,
    mut each: impl FnMut(Word<'d>) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    let first = w.expect(what)?;
    if first.text() != "[" {
        return each(first);
    }
    loop {
        // The message is only built when the list is cut short.
        let Some(v) = w.next() else {
            return Err(w.missing(&format!("{} or ']'", what.trim_end_matches(" was expected"))));
        };
        if v.text() == "]" {
            return Ok(());
        }
        each(v)?;
    }
}

/// `[ a b ] ( c d ) …`: AS_SEQUENCE and AS_SET segments.
fn as_path(w: &mut RouteWords<'_>) -> Result<AsPath, ConfigError> {
    const WHAT: &str = "an as-path ('[ asn … ]' or '( asn … )') was expected";
    let mut segments = Vec::new();
    loop {
        let open = w.expect(WHAT)?;
        let (kind, close) = match open.text() {
            "[" => (SegmentType::Sequence, "]"),
            "(" => (SegmentType::Set, ")"),
            _ => return Err(open.expected(WHAT)),
        };
        let mut asns = Vec::new();
        loop {
            let v = w.expect("an ASN was expected")?;
            match v.text() {
                "," => continue,
                t if t == close => break,
                _ => asns.push(u32_of(&v, "an ASN was expected")?),
            }
        }
        segments.push(Segment { kind, asns });
        if !matches!(w.peek().map(|p| p.text()), Some("[") | Some("(")) {
            return Ok(AsPath { segments });
        }
    }
}

/// `( ASN:IPv4 )` or `(ASN:IPv4)`.
fn aggregator(w: &mut RouteWords<'_>) -> Result<Aggregator, ConfigError> {
    const WHAT: &str = "an aggregator ( asn:ipv4 ) was expected";
    let first = w.expect(WHAT)?;
    let mut text = first.text();
    let mut at = first;
    let mut eat = false;
    if text == "(" {
        at = w.expect(WHAT)?;
        text = at.text();
        eat = true;
        if let Some(t) = text.strip_suffix(')') {
            text = t;
            eat = false;
        }
    } else if let Some(t) = text.strip_prefix('(') {
        match t.strip_suffix(')') {
            Some(inner) => text = inner,
            None => {
                text = t;
                eat = true;
            }
        }
    }
    let (asn, ip) = text.split_once(':').ok_or_else(|| at.expected(WHAT))?;
    let asn = if digits(asn) { asn.parse::<u32>().ok() } else { None };
    let ip = ip.parse::<Ipv4Addr>().ok();
    let (Some(asn), Some(speaker)) = (asn, ip) else { return Err(at.expected(WHAT)) };
    if eat {
        let close = w.expect("')' was expected")?;
        if close.text() != ")" {
            return Err(close.expected("')' was expected"));
        }
    }
    Ok(Aggregator { asn, speaker })
}

/// §11.3 community values.
pub(crate) fn community(v: &Word<'_>) -> Result<u32, ConfigError> {
    const WHAT: &str = "a community (A:B, a number or a well-known name) was expected";
    let t = v.text();
    if let Some((a, b)) = t.split_once(':').filter(|(a, _)| !a.is_empty()) {
        if !digits(a) || !digits(b) {
            return Err(v.expected(WHAT));
        }
        let (Ok(a), Ok(b)) = (a.parse::<u16>(), b.parse::<u16>()) else {
            return Err(v.expected("a community with both parts at most 65535 was expected"));
        };
        return Ok((u32::from(a) << 16) | u32::from(b));
    }
    if t.len() > 2 && t[..2].eq_ignore_ascii_case("0x") {
        return u32::from_str_radix(&t[2..], 16).map_err(|_| v.expected(WHAT));
    }
    use attribute::community::initial::*;
    Ok(match t.to_ascii_lowercase().as_str() {
        "no-export" | "no_export" => NO_EXPORT,
        "no-advertise" | "no_advertise" => NO_ADVERTISE,
        "no-export-subconfed" => NO_EXPORT_SUBCONFED,
        "nopeer" | "no-peer" => NO_PEER,
        "blackhole" => BLACKHOLE,
        _ if digits(t) => t.parse::<u32>().map_err(|_| v.expected(WHAT))?,
        _ => return Err(v.expected(WHAT)),
    })
}

fn large_community(v: &Word<'_>) -> Result<LargeCommunity, ConfigError> {
    const WHAT: &str = "a large-community (A:B:C) was expected";
    let t = v.text();
    if t.contains(':') {
        let mut parts = t.split(':');
        let mut n = [0u32; 3];
        for slot in n.iter_mut() {
            let p = parts.next().ok_or_else(|| v.expected(WHAT))?;
            *slot = if digits(p) { p.parse::<u32>().map_err(|_| v.expected(WHAT))? } else { return Err(v.expected(WHAT)) };
        }
        if parts.next().is_some() {
            return Err(v.expected(WHAT));
        }
        return Ok(LargeCommunity(n[0], n[1], n[2]));
    }
    if digits(t) {
        let n = t.parse::<u128>().ok().filter(|n| *n >> 96 == 0).ok_or_else(|| v.expected(WHAT))?;
        return Ok(LargeCommunity((n >> 64) as u32, (n >> 32) as u32, n as u32));
    }
    Err(v.expected(WHAT))
}

/// §11.3 extended community values.
pub(crate) fn extended_community(v: &Word<'_>) -> Result<ExtendedCommunity, ConfigError> {
    const WHAT: &str = "an extended-community (type:a:b or 0x + 16 hex digits) was expected";
    let t = v.text();
    let bad = || v.expected(WHAT);
    if !t.contains(':') {
        if t.len() > 2 && t[..2].eq_ignore_ascii_case("0x") {
            let h = &t[2..];
            if h.len() != 16 {
                return Err(bad());
            }
            let n = u64::from_str_radix(h, 16).map_err(|_| bad())?;
            return Ok(ExtendedCommunity(n.to_be_bytes()));
        }
        if t == "redirect-to-nexthop" {
            return Ok(ExtendedCommunity([0x08, 0, 0, 0, 0, 0, 0, 0]));
        }
        return Err(bad());
    }
    let parts: Vec<&str> = t.split(':').collect();
    let (mut kind, fields): (String, &[&str]) = match parts.as_slice() {
        [_, _] => ("target".to_string(), &parts[..]),
        [k, rest @ ..] => (k.to_string(), rest),
        [] => return Err(bad()),
    };
    let mut values = Vec::with_capacity(fields.len());
    for f in fields {
        let digit = f.strip_suffix('L').unwrap_or(f);
        // Fields are decimal (optionally `L`-suffixed) or dotted IPv4; the
        // reference has no hexadecimal field.
        let value: u64 = if digits(digit) {
            digit.parse().map_err(|_| bad())?
        } else if f.contains('.') {
            u64::from(u32::from(f.parse::<Ipv4Addr>().map_err(|_| bad())?))
        } else {
            return Err(bad());
        };
        values.push(value);
    }
    if kind == "target" || kind == "origin" {
        let first = fields.first().copied().unwrap_or("");
        if values.first().copied().unwrap_or(0) > 0xFFFF || first.contains('.') || first.ends_with('L') {
            kind.push('4');
        }
    }
    let (header, layout): ([u8; 2], &[u8]) = match kind.as_str() {
        "target" => ([0x00, 0x02], &[2, 4]),
        "target4" => ([0x01, 0x02], &[4, 2]),
        "origin" => ([0x00, 0x03], &[2, 4]),
        "origin4" => ([0x01, 0x03], &[4, 2]),
        "redirect" => ([0x80, 0x08], &[2, 4]),
        "l2info" => ([0x80, 0x0A], &[1, 1, 2, 2]),
        "bandwidth" => ([0x40, 0x04], &[2, 0]),
        "mup" => ([0x0C, 0x00], &[2, 4]),
        _ => return Err(v.expected("an extended-community type (target, origin, redirect, l2info, bandwidth, mup) was expected")),
    };
    if values.len() != layout.len() {
        return Err(v.expected(&format!("an extended-community {} with {} fields was expected", kind, layout.len())));
    }
    let mut out = [0u8; 8];
    out[..2].copy_from_slice(&header);
    let mut at = 2;
    for (size, value) in layout.iter().zip(&values) {
        let (size, bytes) = match size {
            // IEEE-754 single precision of the value (bandwidth).
            0 => {
                if *value > 0xFFFF_FFFF {
                    return Err(v.expected("an extended-community value that fits its field was expected"));
                }
                (4usize, u64::from((*value as f32).to_bits()))
            }
            s => {
                if *value >> (8 * u32::from(*s)) != 0 {
                    return Err(v.expected("an extended-community value that fits its field was expected"));
                }
                (*s as usize, *value)
            }
        };
        let be = bytes.to_be_bytes();
        out[at..at + size].copy_from_slice(&be[8 - size..]);
        at += size;
    }
    Ok(ExtendedCommunity(out))
}

/// `attribute [ 0xCODE 0xFLAGS 0xDATA ]`: a code ExaBGP knows is decoded
/// into that attribute; any other is sent as given.
fn generic(w: &mut RouteWords<'_>, d: &mut Draft) -> Result<(), ConfigError> {
    let open = w.expect("'[' was expected")?;
    if open.text() != "[" {
        return Err(open.expected("'[' was expected"));
    }
    let hex = |word: &Word<'_>, what: &str| -> Result<Vec<u8>, ConfigError> {
        let t = word.text().to_ascii_lowercase();
        let h = t.strip_prefix("0x").ok_or_else(|| word.expected(what))?;
        if h.len() % 2 != 0 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(word.expected(what));
        }
        Ok((0..h.len() / 2).filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok()).collect())
    };
    let code_w = w.expect("an attribute code (0x hexadecimal) was expected")?;
    let code = number_of(&code_w.text().to_ascii_lowercase())
        .filter(|c| code_w.text().len() > 2 && code_w.text()[..2].eq_ignore_ascii_case("0x") && *c <= 0xFF)
        .ok_or_else(|| code_w.expected("an attribute code (0x hexadecimal, at most 0xFF) was expected"))? as u8;
    let flags_w = w.expect("attribute flags (0x hexadecimal) were expected")?;
    let flags = number_of(&flags_w.text().to_ascii_lowercase())
        .filter(|c| flags_w.text().len() > 2 && flags_w.text()[..2].eq_ignore_ascii_case("0x") && *c <= 0xFF)
        .ok_or_else(|| flags_w.expected("attribute flags (0x hexadecimal, at most 0xFF) were expected"))? as u8;
    let data_w = w.expect("attribute data (0x hexadecimal) was expected")?;
    let data = hex(&data_w, "attribute data (0x and an even number of hexadecimal digits) was expected")?;
    let close = w.expect("']' was expected")?;
    if close.text() != "]" {
        return Err(close.expected("']' was expected"));
    }
    if data.len() > 0xFFFF {
        return Err(data_w.expected("attribute data of at most 65535 bytes was expected"));
    }
    let known = attribute::info(code).is_some()
        && !matches!(code, attr_code::MP_REACH_NLRI | attr_code::MP_UNREACH_NLRI);
    if known {
        let mut raw = Vec::with_capacity(data.len() + 4);
        raw.push(flags | attribute::flag::EXTENDED_LENGTH);
        raw.push(code);
        raw.extend_from_slice(&(data.len() as u16).to_be_bytes());
        raw.extend_from_slice(&data);
        let neg = Negotiated { asn4: true, ..Negotiated::default() };
        let parsed = crate::bgp::attribute::Attributes::unpack(&raw, &neg)
            .ok()
            .filter(|p| p.errors.is_empty())
            .and_then(|p| p.attributes.iter().next().cloned());
        match parsed {
            Some(a) => d.add(a),
            None => return Err(data_w.expected(&format!("valid data for attribute code {} was expected", code))),
        }
        return Ok(());
    }
    d.add(Attribute::Unknown(Generic { code, flags, data }));
    Ok(())
}

/// `label N` or `label [ N N … ]` (20-bit values).
pub(crate) fn labels(w: &mut RouteWords<'_>) -> Result<Labels, ConfigError> {
    let mut values = Vec::new();
    let mut last = None;
    list(w, "a label (0 to 1048575) was expected", |v| {
        let n = u32_of(&v, "a label (0 to 1048575) was expected")?;
        if n > 0xF_FFFF {
            return Err(v.expected("a label (0 to 1048575) was expected"));
        }
        values.push(n);
        last = Some(v);
        Ok(())
    })?;
    match Labels::new(&values) {
        Some(l) => Ok(l),
        None => Err(match last {
            Some(v) => v.expected("fewer labels were expected"),
            None => w.missing("a label was expected"),
        }),
    }
}

/// `rd A:N` (§11.1).
pub(crate) fn rd(w: &mut RouteWords<'_>) -> Result<RouteDistinguisher, ConfigError> {
    const WHAT: &str = "a route-distinguisher (asn:number or ipv4:number) was expected";
    let v = w.expect(WHAT)?;
    RouteDistinguisher::parse(v.text()).ok_or_else(|| v.expected(WHAT))
}

/// `path-information N|a.b.c.d`.
pub(crate) fn path_information(w: &mut RouteWords<'_>) -> Result<u32, ConfigError> {
    const WHAT: &str = "a path-information (number or IPv4 address) was expected";
    let v = w.expect(WHAT)?;
    if digits(v.text()) {
        return v.text().parse::<u32>().map_err(|_| v.expected(WHAT));
    }
    v.text().parse::<Ipv4Addr>().map(u32::from).map_err(|_| v.expected(WHAT))
}

/// `bgp-prefix-sid [ index ]` or `[ index, [ ( base,range ) … ] ]`
/// (RFC 8669: Label-Index TLV and Originator SRGB TLV).
pub(crate) fn prefix_sid(w: &mut RouteWords<'_>, d: &mut Draft) -> Result<(), ConfigError> {
    const WHAT: &str = "a bgp-prefix-sid ('[ label-index ]') was expected";
    let open = w.expect(WHAT)?;
    if open.text() != "[" {
        return Err(open.expected(WHAT));
    }
    let idx_w = w.expect(WHAT)?;
    let index = u32_of(&idx_w, "a label-index was expected")?;
    let mut srgb = Vec::new();
    let mut nums: Vec<u32> = Vec::new();
    let mut depth = 1;
    while depth > 0 {
        let t = w.expect("']' was expected")?;
        match t.text() {
            "[" => depth += 1,
            "]" => depth -= 1,
            "," => {}
            s => {
                // `( base,range )` with or without spaces; `,` is its own word.
                for piece in s.split(['(', ')']) {
                    if piece.is_empty() {
                        continue;
                    }
                    nums.push(u32_of(&t, "an SRGB base or range was expected").or_else(|_| {
                        piece.parse::<u32>().map_err(|_| t.expected("an SRGB base or range was expected"))
                    })?);
                }
                if s.ends_with(')') && nums.len() >= 2 {
                    let range = nums.pop().unwrap_or(0);
                    let base = nums.pop().unwrap_or(0);
                    srgb.push((base, range));
                    nums.clear();
                }
            }
        }
    }
    let mut tlvs = vec![SrTlv::LabelIndex(index)];
    if !srgb.is_empty() {
        tlvs.push(SrTlv::Srgb(srgb));
    }
    d.add(Attribute::PrefixSid(PrefixSid { tlvs }));
    Ok(())
}

/// `bgp-prefix-sid-srv6 ( l3-service|l2-service <sid> [behavior] [ [6 numbers] ] )`.
pub(crate) fn prefix_sid_srv6(w: &mut RouteWords<'_>, d: &mut Draft) -> Result<(), ConfigError> {
    const WHAT: &str = "a bgp-prefix-sid-srv6 ( l3-service|l2-service <ipv6> … ) was expected";
    let open = w.expect(WHAT)?;
    if open.text() != "(" {
        return Err(open.expected(WHAT));
    }
    let kind_w = w.expect(WHAT)?;
    let l3 = match kind_w.text() {
        "l3-service" => true,
        "l2-service" => false,
        _ => return Err(kind_w.expected("l3-service or l2-service was expected")),
    };
    let sid_w = w.expect("an IPv6 SID was expected")?;
    let sid = sid_w.text().parse::<Ipv6Addr>().map_err(|_| sid_w.expected("an IPv6 SID was expected"))?;
    let mut behavior = 0xFFFFu16;
    let mut subs = Vec::new();
    let mut next = w.expect("')' was expected")?;
    if next.text() != ")" && next.text() != "[" {
        behavior = number_of(next.text())
            .filter(|n| *n <= 0xFFFF)
            .ok_or_else(|| next.expected("an SRv6 endpoint behavior was expected"))? as u16;
        next = w.expect("')' was expected")?;
    }
    if next.text() == "[" {
        let mut n = Vec::new();
        loop {
            let t = w.expect("']' was expected")?;
            match t.text() {
                "]" => break,
                "," => {}
                s => n.push(s.parse::<u8>().map_err(|_| t.expected("an SRv6 SID structure length was expected"))?),
            }
        }
        let [lb, ln, f, a, tl, to] = n.as_slice() else {
            return Err(next.expected("an SRv6 SID structure of 6 numbers was expected"));
        };
        subs.push(SubSubTlv::Structure(SidStructure {
            locator_block: *lb,
            locator_node: *ln,
            function: *f,
            argument: *a,
            transposition_length: *tl,
            transposition_offset: *to,
        }));
        next = w.expect("')' was expected")?;
    }
    if next.text() != ")" {
        return Err(next.expected("')' was expected"));
    }
    let info = vec![ServiceSubTlv::SidInformation { sid, flags: 0, behavior, subs }];
    let tlv = if l3 { SrTlv::L3Service(info) } else { SrTlv::L2Service(info) };
    d.add(Attribute::PrefixSid(PrefixSid { tlvs: vec![tlv] }));
    Ok(())
}
