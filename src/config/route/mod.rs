//! Configuration stage two: route-bearing statements parsed into typed
//! codec values (spec §9–§14), for the configuration file and for the API
//! commands that reuse the grammar (§16).
//!
//! Entry points:
//! * [`parse_route`]: one statement (or one API command's tail) → routes
//!   (`Vec`: `split` expands);
//! * [`build_routes`]: every [`RouteSection`](super::RouteSection) of a
//!   neighbor → `Neighbor::routes`, in the reference's order, with the
//!   family check (§6.11) and `next-hop self` resolved (§11.2).
//!
//! Attribute sets are interned ([`AttributeInterner`]): routes written with
//! the same attributes share one `Rc<Attributes>`, which is also what lets
//! the sender group them into one UPDATE.

mod attr;
mod flow;
mod other;
mod words;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::net::IpAddr;
use std::rc::Rc;

use crate::bgp::attribute::{Attribute, Attributes, NextHop};
use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::message::update::Action;
use crate::bgp::nlri::{Inet, IpVpn, Label, Labels, Nlri, Prefix};

use super::error::ConfigError;
use super::neighbor::{Neighbor, RouteSectionKind};
use super::syntax::{Node, Word};

pub use words::{lex_line, RouteWords};

use attr::Draft;

/// The next-hop as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum NextHopSpec {
    /// None given (flow routes, withdrawals, routes that need none).
    #[default]
    None,
    Ip(IpAddr),
    /// `next-hop self`, for a route of this AFI: resolved per neighbor.
    SelfAfi(Afi),
}

/// One route: NLRI, next-hop, shared attributes and the internal tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub nlri: Nlri,
    pub nexthop: NextHopSpec,
    /// Path attributes; NEXT_HOP is among them when the next-hop is an IP
    /// (ExaBGP keeps it there and sends it only when it is IPv4).
    pub attributes: Rc<Attributes>,
    /// `watchdog`, `withdraw` and `name`, when any is given: rare, so one
    /// pointer instead of 40 octets in every route (a million routes are
    /// kept to diff on reload).
    pub tags: Option<Box<RouteTags>>,
}

/// The internal tags of a route; never sent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RouteTags {
    /// `watchdog <name>`: the API `announce|withdraw watchdog <name>` group.
    pub watchdog: Option<Rc<str>>,
    /// `withdraw`: with a watchdog, the route starts withdrawn.
    pub withdraw: bool,
    /// `name <word>`: internal tag.
    pub name: Option<Rc<str>>,
}

impl RouteTags {
    /// The tags worth keeping: `None` when nothing is set.
    pub fn boxed(watchdog: Option<Rc<str>>, withdraw: bool, name: Option<Rc<str>>) -> Option<Box<RouteTags>> {
        if watchdog.is_none() && !withdraw && name.is_none() {
            return None;
        }
        Some(Box::new(RouteTags { watchdog, withdraw, name }))
    }
}

/// The name the API brief uses for a route fresh from the parser.
pub type ParsedRoute = Route;

impl Route {
    /// The `watchdog` tag.
    pub fn watchdog(&self) -> Option<&str> {
        self.tags.as_ref().and_then(|t| t.watchdog.as_deref())
    }

    /// The `withdraw` tag.
    pub fn withdraw(&self) -> bool {
        self.tags.as_ref().is_some_and(|t| t.withdraw)
    }

    /// The `name` tag.
    pub fn name(&self) -> Option<&str> {
        self.tags.as_ref().and_then(|t| t.name.as_deref())
    }

    /// The codec next-hop (`None` while `self` is unresolved).
    pub fn nexthop(&self) -> NextHop {
        match self.nexthop {
            NextHopSpec::Ip(ip) => NextHop::Ip(ip),
            _ => NextHop::None,
        }
    }

    /// Replace `next-hop self` with the neighbor's address (§11.2): the
    /// local-address when the AFI matches, else the router-id for IPv4
    /// routes; an error message otherwise.
    pub fn resolve(&mut self, neighbor: &Neighbor, interner: &mut AttributeInterner) -> Result<(), String> {
        if !matches!(self.nexthop, NextHopSpec::SelfAfi(_)) {
            return Ok(());
        }
        // The reference resolves on the route's AFI (`ip_self(nlri.afi)`).
        let afi = self.nlri.family().afi;
        let ip = match neighbor.local_address {
            Some(ip) if (ip.is_ipv4() && afi == Afi::IPV4) || (ip.is_ipv6() && afi == Afi::IPV6) => ip,
            Some(_) if afi == Afi::IPV4 => match neighbor.router_id {
                Some(id) => IpAddr::V4(id),
                None => return Err(self_error(afi, neighbor)),
            },
            _ => return Err(self_error(afi, neighbor)),
        };
        self.nexthop = NextHopSpec::Ip(ip);
        // Flow and VPLS routes carry the next-hop in the NLRI only.
        if !matches!(self.nlri, Nlri::Flow(_) | Nlri::Vpls(_)) {
            let mut attrs = (*self.attributes).clone();
            attrs.insert(Attribute::NextHop(ip));
            self.attributes = interner.intern(attrs);
        }
        Ok(())
    }
}

fn self_error(afi: Afi, neighbor: &Neighbor) -> String {
    let session = match neighbor.local_address {
        Some(IpAddr::V4(_)) => "ipv4",
        Some(IpAddr::V6(_)) => "ipv6",
        None => "unknown: local-address auto",
    };
    format!("use of \"next-hop self\": the route ({}) does not have the same family as the BGP tcp session ({})", afi, session)
}

/// Shares identical attribute sets.
#[derive(Debug, Default)]
pub struct AttributeInterner {
    set: HashSet<Rc<Attributes>>,
}

impl AttributeInterner {
    pub fn new() -> AttributeInterner {
        AttributeInterner::default()
    }

    pub fn intern(&mut self, attrs: Attributes) -> Rc<Attributes> {
        if let Some(found) = self.set.get(&attrs) {
            return found.clone();
        }
        let rc = Rc::new(attrs);
        self.set.insert(rc.clone());
        rc
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// Which grammar a statement uses; the words start after its keyword(s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    /// `static { route <prefix> … ; }` and API `announce route …` (§9; split applies).
    Static,
    /// `static { attributes … nlri <prefix> … ; }` and API `announce attributes …`.
    StaticAttributes,
    /// `announce { ipv4|ipv6 { unicast|multicast|nlri-mpls|mpls-vpn <prefix> … } }`
    /// and API `announce ipv4 unicast …` (§10; split is not applied).
    Announce(Family),
    /// `flow { route <components and actions…>; }` and API `announce flow route …`.
    Flow,
    /// `announce { ipv4|ipv6 { flow|flow-vpn … } }` (§12).
    AnnounceFlow(Family),
    /// `l2vpn { vpls …; }`, `announce { l2vpn { vpls …; } }`, API `announce vpls …` (§13).
    Vpls,
    /// `announce { ipv4|ipv6 { mcast-vpn … } }` (§14.1).
    McastVpn(Afi),
    /// `announce { ipv4|ipv6 { mup … } }` (§14.2).
    Mup(Afi),
}

/// State shared by the statements of one configuration (or API session).
#[derive(Debug)]
pub struct RouteContext {
    /// API `withdraw …` parses with `Action::Withdraw` (no next-hop check);
    /// configuration routes are all announced.
    pub action: Action,
    pub interner: AttributeInterner,
    cache: Repeat,
}

impl RouteContext {
    pub fn new(action: Action) -> RouteContext {
        RouteContext { action, interner: AttributeInterner::new(), cache: Repeat::default() }
    }
}

/// Bulk configurations and API feeds repeat the same attribute words on
/// every line (`route <prefix> next-hop X community [ … ];`), often cycling
/// through a few sets: when a statement's words after the prefix are those
/// of a recent statement, its parsed draft, interned attributes and SAFI
/// choice are reused instead of worked out again.
#[derive(Debug, Default)]
struct Repeat {
    /// The key of the statement being looked up (see [`Repeat::key_of`]).
    scratch: Vec<u8>,
    /// (hash of the key, key, what the words gave), at most [`REPEAT_SETS`].
    entries: Vec<(u64, Vec<u8>, Cached)>,
    /// Per entry: the raw text after the prefix of an API line (with its
    /// AFI byte first, and its hash) known to give that entry, so that the
    /// next line with the same text skips lexing ([`static_route_fast`]).
    lines: Vec<Option<(u64, Vec<u8>)>>,
    /// The entry used last (checked first), and the next one to replace.
    last: usize,
    victim: usize,
}

/// Attribute sets remembered: enough for feeds cycling through a few sets,
/// small enough that a miss costs little.
const REPEAT_SETS: usize = 16;

#[derive(Debug)]
struct Cached {
    /// The draft, its attributes moved out into `attributes`.
    draft: Draft,
    attributes: Rc<Attributes>,
    /// The SAFI the words ask for (`rd`, `label`), `None` when the prefix decides.
    safi: Option<Safi>,
}

impl Repeat {
    /// The grammar tag, the AFI, then each word as its length (4 bytes,
    /// little-endian) and its bytes: no two word lists share a key.
    fn key_of(&mut self, tag: u8, afi: Afi, words: &RouteWords<'_>) -> u64 {
        self.scratch.clear();
        self.scratch.push(tag);
        self.scratch.push(if afi == Afi::IPV6 { b'6' } else { b'4' });
        let mut w = words.clone();
        while let Some(word) = w.next() {
            let text = word.text().as_bytes();
            self.scratch.extend_from_slice(&(text.len() as u32).to_le_bytes());
            self.scratch.extend_from_slice(text);
        }
        // A multiply-rotate hash over 8-byte chunks: the keys are short and
        // only compared with a few entries.
        let mut hash: u64 = self.scratch.len() as u64;
        let mut chunks = self.scratch.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            hash = (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
        }
        let mut word = [0u8; 8];
        for (slot, &b) in word.iter_mut().zip(chunks.remainder()) {
            *slot = b;
        }
        (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// The index of the entry for `words` (with `tag` and `afi`), if one is
    /// kept; allocates nothing.
    fn lookup(&mut self, tag: u8, afi: Afi, words: &RouteWords<'_>) -> (u64, Option<usize>) {
        let hash = self.key_of(tag, afi, words);
        let same = |e: &(u64, Vec<u8>, Cached), key: &[u8]| e.0 == hash && e.1 == key;
        if self.entries.get(self.last).is_some_and(|e| same(e, &self.scratch)) {
            return (hash, Some(self.last));
        }
        let found = self.entries.iter().position(|e| same(e, &self.scratch));
        if let Some(i) = found {
            self.last = i;
        }
        (hash, found)
    }

    /// Remember the key just looked up (`hash` from [`Repeat::lookup`]) and
    /// what its words gave; returns the entry's index.
    fn store(&mut self, hash: u64, cached: Cached) -> usize {
        let key = self.scratch.clone();
        let at = if self.entries.len() < REPEAT_SETS {
            self.entries.push((hash, key, cached));
            self.lines.push(None);
            self.entries.len() - 1
        } else {
            let at = self.victim % REPEAT_SETS;
            self.victim = (at + 1) % REPEAT_SETS;
            if let Some(e) = self.entries.get_mut(at) {
                *e = (hash, key, cached);
            }
            if let Some(line) = self.lines.get_mut(at) {
                *line = None;
            }
            at
        };
        self.last = at;
        at
    }

    fn get(&self, at: usize) -> Option<&Cached> {
        self.entries.get(at).map(|e| &e.2)
    }

    /// The entry an API line's text after the prefix is known to give.
    fn by_line(&self, afi: Afi, rest: &str) -> Option<usize> {
        let hash = line_hash(afi, rest);
        let same = |l: &Option<(u64, Vec<u8>)>| {
            l.as_ref().is_some_and(|(h, text)| {
                *h == hash && text.split_first().is_some_and(|(a, t)| *a == afi_byte(afi) && t == rest.as_bytes())
            })
        };
        if self.lines.get(self.last).is_some_and(same) {
            return Some(self.last);
        }
        self.lines.iter().position(same)
    }
}

fn afi_byte(afi: Afi) -> u8 {
    if afi == Afi::IPV6 {
        b'6'
    } else {
        b'4'
    }
}

/// The hash of an API line's text after the prefix (multiply-rotate over
/// 8-byte chunks, the AFI mixed in).
fn line_hash(afi: Afi, rest: &str) -> u64 {
    let bytes = rest.as_bytes();
    let mut hash: u64 = (bytes.len() as u64) ^ (u64::from(afi_byte(afi)) << 56);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
    let mut word = [0u8; 8];
    for (slot, &b) in word.iter_mut().zip(chunks.remainder()) {
        *slot = b;
    }
    (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A prefix token that the lexer keeps as one word and [`prefix`] accepts,
/// read without a document; `None` for anything else (the full path then
/// reads it, with its error message).
fn plain_prefix(text: &str) -> Option<Prefix> {
    if let Some(p) = ipv4_prefix(text.as_bytes()) {
        return Some(p);
    }
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'/')) {
        return None;
    }
    let (ip, len) = match bytes.iter().position(|&b| b == b'/') {
        Some(at) => (text.get(..at)?, Some(text.get(at + 1..)?)),
        None => (text, None),
    };
    let ip: IpAddr = if ip.as_bytes().contains(&b':') { ip.parse().ok()? } else { IpAddr::V4(dotted_quad(ip)?) };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(l) if attr::digits(l) && l.len() <= 3 => small_number(l).filter(|l| *l <= u32::from(max))? as u8,
        Some(_) => return None,
    };
    let bits: u128 = match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)) << 96,
        IpAddr::V6(a) => u128::from(a),
    };
    if bits.checked_shl(u32::from(len)).unwrap_or(0) != 0 {
        return None;
    }
    Prefix::new(ip, len)
}

/// `a.b.c.d/len` in one pass (the bulk API form); `None` for anything
/// else, valid or not, which [`plain_prefix`] then reads the long way.
fn ipv4_prefix(bytes: &[u8]) -> Option<Prefix> {
    let mut address: u32 = 0;
    let mut octets = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    let mut leading_zero = false;
    let mut rest = bytes.iter();
    for &b in &mut rest {
        match b {
            b'0'..=b'9' => {
                if digits == 0 {
                    leading_zero = b == b'0';
                } else if leading_zero || digits == 3 {
                    return None;
                }
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
            }
            b'.' | b'/' => {
                if digits == 0 || value > 255 || octets == 4 {
                    return None;
                }
                address = address << 8 | value;
                octets += 1;
                value = 0;
                digits = 0;
                if b == b'/' {
                    break;
                }
            }
            _ => return None,
        }
    }
    if octets != 4 || digits != 0 {
        return None;
    }
    // The length: one to three digits, at most 32.
    let mut len: u32 = 0;
    let mut len_digits = 0;
    for &b in rest {
        if !b.is_ascii_digit() || len_digits == 3 {
            return None;
        }
        len = len * 10 + u32::from(b - b'0');
        len_digits += 1;
    }
    if len_digits == 0 || len > 32 {
        return None;
    }
    // No host bits (a checked shift: /0 shifts by 32).
    if address.checked_shl(len).unwrap_or(0) != 0 {
        return None;
    }
    Prefix::new(IpAddr::V4(std::net::Ipv4Addr::from(address)), len as u8)
}

/// Decimal digits (at most 3, checked by the caller) as a number.
fn small_number(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    Some(digits.bytes().fold(0u32, |n, b| n * 10 + u32::from(b.wrapping_sub(b'0'))))
}

/// `a.b.c.d` as the standard parser reads it (four decimal octets, no
/// leading zeros), without its generic machinery; `None` for anything else.
fn dotted_quad(text: &str) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut n = 0usize;
    // (value, digits) of the octet being read.
    let mut value = 0u32;
    let mut digits = 0u32;
    let mut first = 0u8;
    for b in text.bytes().chain(std::iter::once(b'.')) {
        if b == b'.' {
            if digits == 0 || (digits > 1 && first == b'0') || value > 255 {
                return None;
            }
            *octets.get_mut(n)? = value as u8;
            n += 1;
            value = 0;
            digits = 0;
        } else if b.is_ascii_digit() {
            if digits == 0 {
                first = b;
            }
            digits += 1;
            if digits > 3 {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        } else {
            return None;
        }
    }
    (n == 4).then(|| std::net::Ipv4Addr::from(octets))
}

/// `announce route <text>` without lexing: when the text is a plain prefix
/// then words already seen (an earlier line of the same attribute set), the
/// cached draft gives the route. `false` when the full path must run (an
/// unknown text, or anything that would be an error there: it then reports
/// it with its position).
pub fn static_route_fast(text: &str, ctx: &mut RouteContext, out: &mut Vec<Route>) -> bool {
    let Some((p, rest)) = text.split_once(' ') else { return false };
    let Some(prefix) = plain_prefix(p) else { return false };
    let afi = prefix.afi();
    let Some(at) = ctx.cache.by_line(afi, rest) else { return false };
    ctx.cache.last = at;
    let Some(Cached { draft: d, attributes, safi }) = ctx.cache.get(at) else { return false };
    let family = Family::new(afi, safi.unwrap_or_else(|| safi_of(&prefix)));
    if !ip_checks_pass(family, d, Form::StaticLine, ctx) {
        return false;
    }
    if let Some(cut) = d.split {
        if cut > prefix.len() && u32::from(cut - prefix.len()) > MAX_SPLIT {
            return false;
        }
    }
    let route = Route {
        nlri: build_ip_nlri(family, prefix, d),
        nexthop: d.nexthop,
        attributes: attributes.clone(),
        tags: d.tags(),
    };
    split(route, d.split, out);
    true
}

/// After `text` (an `announce route` text) was read by the full path:
/// remember which cached entry its words after the prefix gave.
pub fn remember_static_line(text: &str, ctx: &mut RouteContext) {
    let Some((p, rest)) = text.split_once(' ') else { return };
    let Some(prefix) = plain_prefix(p) else { return };
    let afi = prefix.afi();
    let at = ctx.cache.last;
    if ctx.cache.entries.get(at).is_none_or(|e| e.1.get(1) != Some(&afi_byte(afi))) {
        return;
    }
    let mut key = Vec::with_capacity(rest.len() + 1);
    key.push(afi_byte(afi));
    key.extend_from_slice(rest.as_bytes());
    if let Some(line) = ctx.cache.lines.get_mut(at) {
        *line = Some((line_hash(afi, rest), key));
    }
}

impl Default for RouteContext {
    fn default() -> RouteContext {
        RouteContext::new(Action::Announce)
    }
}

/// [`parse_route`] appending to `out`: a caller parsing line after line
/// (the API) keeps one vector.
pub fn parse_route_into(
    kind: RouteKind,
    words: &mut RouteWords<'_>,
    ctx: &mut RouteContext,
    out: &mut Vec<Route>,
) -> Result<(), ConfigError> {
    match kind {
        RouteKind::Static => static_route_into(words, ctx, out),
        _ => {
            out.extend(parse_route(kind, words, ctx)?);
            Ok(())
        }
    }
}

/// Parse one route statement of `kind`; `words` start after the keyword(s)
/// (`route`, `attributes`, `unicast`, `flow`, `vpls`, …).
pub fn parse_route(kind: RouteKind, words: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    match kind {
        RouteKind::Static => static_route(words, ctx),
        RouteKind::StaticAttributes => static_attributes(words, ctx),
        RouteKind::Announce(family) => announce_ip(family, words, ctx),
        RouteKind::Flow => flow::one_line(None, words, ctx),
        RouteKind::AnnounceFlow(family) => flow::one_line(Some(family), words, ctx),
        RouteKind::Vpls => other::vpls_line(words, ctx),
        RouteKind::McastVpn(afi) => other::mvpn(afi, words, ctx),
        RouteKind::Mup(afi) => other::mup(afi, words, ctx),
    }
}

/// A flow route written as a section (`route [name] { match { … } then
/// { … } }`): the configuration's block form and the API's
/// `announce flow route { … }` (its line lexes into a section node).
pub fn parse_flow_block(node: Node<'_>, ctx: &mut RouteContext) -> Result<Route, ConfigError> {
    flow::block(node, ctx)
}

/// A static route written as a section (`route <prefix> { … }`).
pub fn parse_route_block(node: Node<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    static_route_block(node, ctx)
}

// ===== prefixes and IP routes =====

/// `a.b.c.d/len`, `v6/len` or a host address; host bits must be zero.
pub(crate) fn prefix(w: &Word<'_>) -> Result<Prefix, ConfigError> {
    const WHAT: &str = "a prefix (ip/length) was expected";
    let (ip, len) = match w.text().split_once('/') {
        Some((ip, len)) => (ip, Some(len)),
        None => (w.text(), None),
    };
    let ip: IpAddr = ip.parse().map_err(|_| w.expected(WHAT))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(l) if attr::digits(l) => l.parse::<u8>().ok().filter(|l| *l <= max).ok_or_else(|| {
            w.expected(&format!("a prefix length of at most {} was expected", max))
        })?,
        Some(_) => return Err(w.expected(WHAT)),
    };
    let bits: u128 = match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)) << 96,
        IpAddr::V6(a) => u128::from(a),
    };
    let host = bits.checked_shl(u32::from(len)).unwrap_or(0);
    if host != 0 {
        return Err(w.expected(&format!("a network address for /{} (no host bits set) was expected", len)));
    }
    Prefix::new(ip, len).ok_or_else(|| w.expected(WHAT))
}

/// The SAFI a bare prefix implies: IPv4 multicast addresses give multicast.
fn safi_of(p: &Prefix) -> Safi {
    match p.addr() {
        IpAddr::V4(a) if a.is_multicast() => Safi::MULTICAST,
        _ => Safi::UNICAST,
    }
}

fn build_ip_nlri(family: Family, prefix: Prefix, d: &Draft) -> Nlri {
    match family.safi {
        Safi::MPLS_VPN => Nlri::IpVpn(IpVpn {
            family,
            path_id: d.path_id,
            labels: d.labels.unwrap_or(Labels::NONE),
            rd: d.rd.unwrap_or_default(),
            prefix,
        }),
        Safi::NLRI_MPLS => Nlri::Label(Label { family, path_id: d.path_id, labels: d.labels.unwrap_or(Labels::NONE), prefix }),
        _ => Nlri::Inet(Inet { family, path_id: d.path_id, prefix }),
    }
}

/// The keywords of static routes beyond §11 (label, rd, path-information,
/// prefix SIDs).
fn static_keyword(key: &Word<'_>, w: &mut RouteWords<'_>, d: &mut Draft, afi: Afi) -> Result<(), ConfigError> {
    match key.text() {
        "label" => d.labels = Some(attr::labels(w)?),
        "rd" | "route-distinguisher" => d.rd = Some(attr::rd(w)?),
        "path-information" => d.path_id = Some(attr::path_information(w)?),
        "bgp-prefix-sid" => attr::prefix_sid(w, d)?,
        "bgp-prefix-sid-srv6" => attr::prefix_sid_srv6(w, d)?,
        _ => {
            if !attr::common(key, w, d, afi)? {
                return Err(key.expected("a route attribute keyword was expected"));
            }
        }
    }
    Ok(())
}

const MISSING: &str = "invalid route (missing next-hop, label or rd ?)";

/// Where an IP route was written: the reference checks each form apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    StaticLine,
    StaticBlock,
    Announce,
}

/// The reference's checks on an announced IP route.
fn check_ip(family: Family, d: &Draft, form: Form, ctx: &RouteContext, at: &Word<'_>) -> Result<(), ConfigError> {
    if ctx.action != Action::Announce {
        return Ok(());
    }
    if ip_checks_pass(family, d, form, ctx) {
        Ok(())
    } else {
        Err(at.error(format!("{}: {}", at.text(), MISSING)))
    }
}

/// [`check_ip`] without the error.
fn ip_checks_pass(family: Family, d: &Draft, form: Form, ctx: &RouteContext) -> bool {
    if ctx.action != Action::Announce {
        return true;
    }
    match family.safi {
        Safi::UNICAST => d.nexthop != NextHopSpec::None,
        // `announce { ipvX { multicast … } }` has no next-hop check.
        Safi::MULTICAST => d.nexthop != NextHopSpec::None || form == Form::Announce,
        Safi::NLRI_MPLS => d.labels.is_some(),
        Safi::MPLS_VPN if form == Form::StaticLine && d.labels.is_none() => false,
        Safi::MPLS_VPN => d.rd.is_some(),
        _ => true,
    }
}

fn finish(nlri: Nlri, d: Draft, ctx: &mut RouteContext) -> Route {
    let attributes = ctx.interner.intern(d.attrs);
    Route { nlri, nexthop: d.nexthop, attributes, tags: RouteTags::boxed(d.watchdog, d.withdraw, d.name) }
}

/// §11.4: `split /N` expands a shorter prefix into its /N parts.
fn split(route: Route, cut: Option<u8>, out: &mut Vec<Route>) {
    let Some(cut) = cut else {
        out.push(route);
        return;
    };
    let prefix = match &route.nlri {
        Nlri::Inet(n) => n.prefix,
        Nlri::Label(n) => n.prefix,
        Nlri::IpVpn(n) => n.prefix,
        _ => {
            out.push(route);
            return;
        }
    };
    if prefix.len() >= cut {
        out.push(route);
        return;
    }
    let v4 = prefix.addr().is_ipv4();
    let bits: u32 = if v4 { 32 } else { 128 };
    let base: u128 = match prefix.addr() {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    };
    let step: u128 = 1u128.checked_shl(bits - u32::from(cut)).unwrap_or(0);
    let count: u128 = 1u128 << (cut - prefix.len());
    for i in 0..count {
        let value = base.wrapping_add(step.wrapping_mul(i));
        let addr = if v4 { IpAddr::V4((value as u32).into()) } else { IpAddr::V6(value.into()) };
        let Some(p) = Prefix::new(addr, cut) else { continue };
        let mut r = route.clone();
        match &mut r.nlri {
            Nlri::Inet(n) => n.prefix = p,
            Nlri::Label(n) => n.prefix = p,
            Nlri::IpVpn(n) => n.prefix = p,
            _ => {}
        }
        out.push(r);
    }
}

/// Largest number of routes one `split` may produce.
const MAX_SPLIT: u32 = 24;

fn check_split(d: &Draft, prefix: &Prefix, at: &Word<'_>) -> Result<(), ConfigError> {
    if let Some(cut) = d.split {
        if cut > prefix.len() && u32::from(cut - prefix.len()) > MAX_SPLIT {
            return Err(at.error(format!("a split of at most 2^{} routes was expected, found /{} of a /{}", MAX_SPLIT, cut, prefix.len())));
        }
    }
    Ok(())
}

/// `route <prefix> <attributes…>`.
fn static_route(w: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let mut out = Vec::with_capacity(1);
    static_route_into(w, ctx, &mut out)?;
    Ok(out)
}

/// The SAFI the words of a static route ask for, if any.
fn static_safi(w: &RouteWords<'_>) -> Option<Safi> {
    if w.contains("rd") || w.contains("route-distinguisher") {
        Some(Safi::MPLS_VPN)
    } else if w.contains("label") {
        Some(Safi::NLRI_MPLS)
    } else {
        None
    }
}

/// [`static_route`] appending to `out` (no vector per statement).
fn static_route_into(w: &mut RouteWords<'_>, ctx: &mut RouteContext, out: &mut Vec<Route>) -> Result<(), ConfigError> {
    let at = w.expect("a prefix was expected")?;
    let prefix = prefix(&at)?;
    let afi = prefix.afi();
    let at_entry = match ctx.cache.lookup(b'r', afi, w) {
        (_, Some(found)) => found,
        (hash, None) => {
            let safi = static_safi(w);
            let mut d = Draft::default();
            while let Some(key) = w.next() {
                static_keyword(&key, w, &mut d, afi)?;
            }
            let attributes = ctx.interner.intern(std::mem::take(&mut d.attrs));
            ctx.cache.store(hash, Cached { draft: d, attributes, safi })
        }
    };
    let Some(Cached { draft: d, attributes, safi }) = ctx.cache.get(at_entry) else {
        return Err(at.expected("a route was expected"));
    };
    let family = Family::new(afi, safi.unwrap_or_else(|| safi_of(&prefix)));
    check_ip(family, d, Form::StaticLine, ctx, &at)?;
    check_split(d, &prefix, &at)?;
    let route = Route {
        nlri: build_ip_nlri(family, prefix, d),
        nexthop: d.nexthop,
        attributes: attributes.clone(),
        tags: d.tags(),
    };
    split(route, d.split, out);
    Ok(())
}

/// `route <prefix> { <keyword> <value>; … }`: one attribute per statement;
/// the NLRI type is decided when the block closes.
fn static_route_block(node: Node<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let at = node.arg(0).ok_or_else(|| node.missing("a prefix was expected"))?;
    let prefix = prefix(&at)?;
    if let Some(extra) = node.arg(1) {
        return Err(extra.expected("'{' was expected"));
    }
    let afi = prefix.afi();
    let mut d = Draft::default();
    for child in node.children() {
        if child.is_section() {
            return Err(child.keyword().expected("a route attribute statement was expected"));
        }
        let mut w = RouteWords::args(child);
        let key = child.keyword();
        static_keyword(&key, &mut w, &mut d, afi)?;
        if let Some(extra) = w.next() {
            return Err(extra.expected("';' was expected"));
        }
    }
    let safi = if d.rd.is_some() {
        Safi::MPLS_VPN
    } else if d.labels.is_some() {
        Safi::NLRI_MPLS
    } else {
        safi_of(&prefix)
    };
    let family = Family::new(afi, safi);
    check_ip(family, &d, Form::StaticBlock, ctx, &at)?;
    check_split(&d, &prefix, &at)?;
    let cut = d.split;
    let nlri = build_ip_nlri(family, prefix, &d);
    let mut out = Vec::with_capacity(1);
    split(finish(nlri, d, ctx), cut, &mut out);
    Ok(out)
}

/// `attributes <attributes…> nlri <prefix> <prefix> …`.
fn static_attributes(w: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let last = w.last().ok_or_else(|| w.missing("attributes and nlri were expected"))?;
    let last_prefix = prefix(&last)?;
    let afi = last_prefix.afi();
    let safi = if w.contains("rd") || w.contains("route-distinguisher") {
        Safi::MPLS_VPN
    } else if w.contains("label") {
        Safi::NLRI_MPLS
    } else {
        safi_of(&last_prefix)
    };
    let family = Family::new(afi, safi);
    let mut d = Draft::default();
    loop {
        // As the reference: attributes without `nlri` announce nothing.
        let Some(key) = w.next() else { return Ok(Vec::new()) };
        if key.text() == "nlri" {
            break;
        }
        static_keyword(&key, w, &mut d, afi)?;
    }
    let attributes = ctx.interner.intern(std::mem::take(&mut d.attrs));
    let mut out = Vec::new();
    while let Some(word) = w.next() {
        let p = prefix(&word)?;
        if p.afi() != afi {
            return Err(word.expected("prefixes of one address family were expected"));
        }
        out.push(Route {
            nlri: build_ip_nlri(family, p, &d),
            nexthop: d.nexthop,
            attributes: attributes.clone(),
            tags: d.tags(),
        });
    }
    Ok(out)
}

/// `unicast|multicast|nlri-mpls|mpls-vpn <prefix> …` in an `ipv4`/`ipv6` block.
fn announce_ip(family: Family, w: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let at = w.expect("a prefix was expected")?;
    let prefix = prefix(&at)?;
    if prefix.afi() != family.afi {
        return Err(at.expected(&format!("an {} prefix was expected", family.afi)));
    }
    let mut d = Draft::default();
    while let Some(key) = w.next() {
        match (key.text(), family.safi) {
            ("path-information", Safi::UNICAST | Safi::NLRI_MPLS | Safi::MPLS_VPN) => {
                d.path_id = Some(attr::path_information(w)?)
            }
            ("label", Safi::NLRI_MPLS | Safi::MPLS_VPN) => d.labels = Some(attr::labels(w)?),
            ("rd" | "route-distinguisher", Safi::MPLS_VPN) => d.rd = Some(attr::rd(w)?),
            _ => {
                if !attr::common(&key, w, &mut d, family.afi)? {
                    return Err(key.expected("a route attribute keyword was expected"));
                }
            }
        }
    }
    check_ip(family, &d, Form::Announce, ctx, &at)?;
    // §10: split is accepted but not applied in announce sections.
    let nlri = build_ip_nlri(family, prefix, &d);
    Ok(vec![finish(nlri, d, ctx)])
}

// ===== sections of a neighbor =====

fn static_section(node: Node<'_>, ctx: &mut RouteContext, out: &mut Sink) -> Result<(), ConfigError> {
    // One route per statement in bulk files: size the vectors once rather
    // than doubling them (a doubled million-route vector is 60 MiB of slack).
    let statements = node.children().count();
    out.routes.reserve(statements);
    out.at.reserve(statements);
    for child in node.children() {
        let key = child.keyword();
        match (key.text(), child.is_section()) {
            ("route", false) => {
                let before = out.routes.len();
                static_route_into(&mut RouteWords::args(child), ctx, &mut out.routes)?;
                out.mark(&key, before);
            }
            ("route", true) => out.add(&key, static_route_block(child, ctx)?),
            ("attributes" | "attribute", false) => out.add(&key, static_attributes(&mut RouteWords::args(child), ctx)?),
            _ => return Err(key.expected("route or attributes was expected in static")),
        }
    }
    Ok(())
}

fn announce_section(node: Node<'_>, ctx: &mut RouteContext, out: &mut Sink) -> Result<(), ConfigError> {
    for block in node.children() {
        let key = block.keyword();
        if !block.is_section() {
            return Err(key.expected("ipv4, ipv6 or l2vpn section was expected in announce"));
        }
        let afi = match key.text() {
            "ipv4" => Afi::IPV4,
            "ipv6" => Afi::IPV6,
            "l2vpn" => Afi::L2VPN,
            _ => return Err(key.expected("ipv4, ipv6 or l2vpn section was expected in announce")),
        };
        for st in block.children() {
            let k = st.keyword();
            if st.is_section() {
                return Err(k.expected("a route statement was expected"));
            }
            let kind = match (afi, k.text()) {
                (Afi::L2VPN, "vpls") => RouteKind::Vpls,
                (Afi::L2VPN, _) => return Err(k.expected("vpls was expected")),
                (_, "unicast") => RouteKind::Announce(Family::new(afi, Safi::UNICAST)),
                (_, "multicast") => RouteKind::Announce(Family::new(afi, Safi::MULTICAST)),
                (_, "nlri-mpls") => RouteKind::Announce(Family::new(afi, Safi::NLRI_MPLS)),
                (_, "mpls-vpn") => RouteKind::Announce(Family::new(afi, Safi::MPLS_VPN)),
                (_, "flow") => RouteKind::AnnounceFlow(Family::new(afi, Safi::FLOW)),
                (_, "flow-vpn") => RouteKind::AnnounceFlow(Family::new(afi, Safi::FLOW_VPN)),
                (_, "mcast-vpn") => RouteKind::McastVpn(afi),
                (_, "mup") => RouteKind::Mup(afi),
                _ => return Err(k.expected("unicast, multicast, nlri-mpls, mpls-vpn, flow, flow-vpn, mcast-vpn or mup was expected")),
            };
            out.add(&k, parse_route(kind, &mut RouteWords::args(st), ctx)?);
        }
    }
    Ok(())
}

/// Routes of a neighbor with where each was written (for later errors).
#[derive(Default)]
pub(crate) struct Sink {
    routes: Vec<Route>,
    at: Vec<u32>,
}

impl Sink {
    /// Record where the routes from index `from` on were written.
    fn mark(&mut self, statement: &Word<'_>, from: usize) {
        let added = self.routes.len().saturating_sub(from);
        self.at.extend(std::iter::repeat_n(statement.offset(), added));
    }

    fn add(&mut self, statement: &Word<'_>, routes: Vec<Route>) {
        self.at.extend(std::iter::repeat_n(statement.offset(), routes.len()));
        self.routes.extend(routes);
    }
}

/// Fill `neighbor.routes` from its route sections (§4 order, §6.11 family
/// check, §11.2 `next-hop self`).
pub(crate) fn build_routes(neighbor: &mut Neighbor, ctx: &mut RouteContext) -> Result<(), ConfigError> {
    let sections = std::mem::take(&mut neighbor.route_sections);
    let mut sink = Sink::default();
    // Own static/l2vpn/flow, then own announce, then the templates' ones.
    let order = |own: bool| {
        let s = &sections;
        [RouteSectionKind::Static, RouteSectionKind::L2vpn, RouteSectionKind::Flow, RouteSectionKind::Announce]
            .into_iter()
            .flat_map(move |k| s.iter().filter(move |r| r.kind == k && r.template.is_none() == own))
    };
    for section in order(true).chain(order(false)) {
        let node = section.section.node();
        match section.kind {
            RouteSectionKind::Static => static_section(node, ctx, &mut sink)?,
            RouteSectionKind::Announce => announce_section(node, ctx, &mut sink)?,
            RouteSectionKind::Flow => flow::section(node, ctx, &mut sink)?,
            RouteSectionKind::L2vpn => other::l2vpn_section(node, ctx, &mut sink)?,
        }
    }
    let doc = sections.first().map(|s| s.section.document().clone());
    let error = |offset: u32, message: String| match &doc {
        Some(d) => d.error_at(offset, message),
        None => ConfigError::new(&neighbor.file, neighbor.line, 1, message),
    };
    let mut routes = sink.routes;
    for (route, offset) in routes.iter_mut().zip(sink.at) {
        let family = route.nlri.family();
        if family != Family::IPV4_UNICAST && !neighbor.families.contains(&family) {
            return Err(error(
                offset,
                format!(
                    "a route of a configured family was expected, found a route of family {} {} (Trying to announce a route of type {},{} when we are not announcing the family to our peer)",
                    family.afi, family.safi, family.afi.0, family.safi.0
                ),
            ));
        }
        route.resolve(neighbor, &mut ctx.interner).map_err(|e| error(offset, e))?;
    }
    neighbor.route_sections = sections;
    neighbor.routes = std::rc::Rc::new(routes);
    Ok(())
}

// ===== the initial UPDATEs =====

/// Pack the UPDATEs ExaBGP sends for `routes` when a session comes up
/// (`rib/outgoing.py` `updates()`): a later route for the same NLRI
/// replaces an earlier one; routes start withdrawn when tagged `withdraw`
/// with a watchdog (they are held back); with `group`, IPv4 unicast and
/// MVPN routes sharing one attribute set go in one UPDATE (as many as fit),
/// every other route in an UPDATE of its own. Returns the message count.
pub fn pack_initial(
    routes: &[Route],
    group: bool,
    neg: &crate::bgp::negotiated::Negotiated,
    packer: &mut crate::bgp::message::update::Packer,
    out: &mut bytes::BytesMut,
) -> usize {
    use crate::bgp::message::update::RouteRef;
    use std::collections::HashMap;
    // The RIB keys routes by attribute set, then family, then NLRI: a
    // later route with the same NLRI and attributes replaces the earlier
    // one in place; with other attributes both are sent.
    let mut groups: Vec<(&Rc<Attributes>, Family, Vec<&Route>)> = Vec::new();
    let mut slot: HashMap<(*const Attributes, &Nlri), (usize, usize)> = HashMap::new();
    for r in routes.iter().filter(|r| !(r.withdraw() && r.watchdog().is_some())) {
        let key = (Rc::as_ptr(&r.attributes), &r.nlri);
        if let Some(&(g, m)) = slot.get(&key) {
            if let Some(x) = groups.get_mut(g).and_then(|g| g.2.get_mut(m)) {
                *x = r;
            }
            continue;
        }
        let family = r.nlri.family();
        let g = match groups.iter().position(|g| Rc::ptr_eq(g.0, &r.attributes) && g.1 == family) {
            Some(g) => g,
            None => {
                groups.push((&r.attributes, family, Vec::new()));
                groups.len() - 1
            }
        };
        let members = &mut groups[g].2;
        slot.insert(key, (g, members.len()));
        members.push(r);
    }
    let mut count = 0;
    for (attrs, family, members) in &groups {
        let grouped = group && (*family == Family::IPV4_UNICAST || family.safi == Safi::MCAST_VPN);
        let nh: Vec<NextHop> = members.iter().map(|r| r.nexthop()).collect();
        let refs: Vec<RouteRef<'_>> = members
            .iter()
            .zip(&nh)
            .map(|(r, h)| RouteRef { nlri: &r.nlri, nexthop: h, action: Action::Announce })
            .collect();
        if grouped {
            count += packer.pack_routes(attrs, &refs, neg, true, out);
        } else {
            for one in refs.chunks(1) {
                count += packer.pack_routes(attrs, one, neg, true, out);
            }
        }
    }
    count
}

// ===== offline session and the route self-check =====

/// The session a neighbor would negotiate with a peer that mirrors its
/// OPEN (what `validate -r` and the qa tests use).
pub fn offline_negotiated(n: &Neighbor) -> crate::bgp::negotiated::Negotiated {
    use super::AddPathMode;
    let local_as = n.local_as.unwrap_or(0);
    let peer_as = n.peer_as.unwrap_or(local_as);
    let send = matches!(n.capability.add_path, AddPathMode::Send | AddPathMode::SendReceive);
    crate::bgp::negotiated::Negotiated {
        local_as,
        peer_as,
        asn4: n.capability.asn4,
        families: n.outgoing_families().to_vec(),
        addpath_send: if send { n.addpaths.clone() } else { Vec::new() },
        addpath_receive: n.addpaths.clone(),
        nexthop: if n.capability.nexthop == Some(true) { n.nexthops.clone() } else { Vec::new() },
        msg_size: if n.capability.extended_message {
            crate::bgp::negotiated::MSG_SIZE_EXTENDED
        } else {
            crate::bgp::negotiated::MSG_SIZE_STANDARD
        },
        aigp: n.capability.aigp == Some(true),
        ..crate::bgp::negotiated::Negotiated::default()
    }
}

/// `validate -r` (the reference's `check_generation`): every route of the
/// neighbor, on an iBGP session, is packed alone, decoded, packed again
/// from what was decoded, and both encodings must agree. The error names
/// the route.
pub fn self_check(n: &Neighbor) -> Result<usize, String> {
    use crate::bgp::message::update::{Packer, RouteRef, Update, HEADER_LEN};
    let mut neg = offline_negotiated(n);
    neg.local_as = neg.peer_as;
    // We decode what we sent: path-ids are read when they were written.
    neg.addpath_receive = neg.addpath_send.clone();
    // Families of routes that are never sent are skipped, as the RIB does.
    let mut packer = Packer::new();
    let mut checked = 0;
    for r in n.routes.iter() {
        if !neg.families.contains(&r.nlri.family()) {
            continue;
        }
        let hop = r.nexthop();
        let mut first = bytes::BytesMut::new();
        let one = [RouteRef { nlri: &r.nlri, nexthop: &hop, action: Action::Announce }];
        if packer.pack_routes(&r.attributes, &one, &neg, true, &mut first) == 0 {
            return Err(format!("route {} could not be encoded", r.nlri));
        }
        let len = usize::from(u16::from_be_bytes([first.get(16).copied().unwrap_or(0), first.get(17).copied().unwrap_or(0)]));
        let msg = first.get(..len).unwrap_or(&first[..]);
        let body = msg.get(HEADER_LEN..).unwrap_or(&[]);
        let update = Update::unpack(body, &neg).map_err(|e| format!("route {} does not decode: {}", r.nlri, e))?;
        if !update.errors.is_empty() {
            return Err(format!("route {} decodes with errors: {:?}", r.nlri, update.errors));
        }
        let decoded: Vec<(Nlri, NextHop)> = update.announces().map(|(n, h)| (n.clone(), h)).collect();
        let [(nlri, hop2)] = decoded.as_slice() else {
            return Err(format!("route {} decodes to {} routes", r.nlri, decoded.len()));
        };
        let mut second = bytes::BytesMut::new();
        let again = [RouteRef { nlri, nexthop: hop2, action: Action::Announce }];
        packer.pack_routes(&update.attributes, &again, &neg, true, &mut second);
        if second.get(..len) != Some(msg) {
            return Err(format!("route {} encodes differently after a decode", r.nlri));
        }
        checked += 1;
    }
    Ok(checked)
}
