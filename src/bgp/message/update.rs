//! UPDATE (RFC 4271 §4.3, RFC 4760): withdrawn routes, path attributes, NLRI.
//!
//! ```text
//! +-----------------------------------------------------+
//! |   Withdrawn Routes Length (2 octets)                |
//! |   Withdrawn Routes (variable)                       |
//! |   Total Path Attribute Length (2 octets)            |
//! |   Path Attributes (variable)                        |
//! |   Network Layer Reachability Information (variable) |
//! +-----------------------------------------------------+
//! ```
//!
//! Decoding gives an `Update` (or an End-of-RIB, RFC 4724 §2); encoding
//! either re-packs one decoded `Update` or, with `pack_routes`, splits a set of
//! routes sharing one `Attributes` over as many messages as the size allows,
//! exactly as ExaBGP's `Update.messages` does.

use std::cmp::Ordering;
use std::fmt::Write;

use bytes::{BufMut, BytesMut};
use log::error;

use crate::bgp::attribute::{
    flag, put_attribute, AttrError, Attributes, ErrorAction, MpReach, MpUnreach, NextHop,
};
use crate::bgp::iana::{attr_code, Afi, Family, MessageType, Safi};
use crate::bgp::negotiated::{Direction, Negotiated};
use crate::bgp::nlri::Nlri;
use crate::bgp::notify::{code, subcode, Notify};

/// Length of the BGP header (RFC 4271 §4.1).
pub const HEADER_LEN: usize = 19;

/// The fixed part of an MP End-of-RIB: no withdrawn routes, seven octets of
/// attributes, MP_UNREACH_NLRI with Extended Length and three octets.
const EOR_PREFIX: [u8; 8] = [0x00, 0x00, 0x00, 0x07, 0x90, 0x0f, 0x00, 0x03];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Announce,
    Withdraw,
}

/// A decoded UPDATE.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Update {
    /// The classic Withdrawn Routes field (ipv4 unicast).
    pub withdrawn: Vec<Nlri>,
    /// Path attributes without MP_REACH_NLRI / MP_UNREACH_NLRI.
    pub attributes: Attributes,
    /// The classic NLRI field (ipv4 unicast), next-hop in `attributes`.
    pub announced: Vec<Nlri>,
    pub mp_unreach: Option<MpUnreach>,
    pub mp_reach: Option<MpReach>,
    /// Errors handled without a session reset (RFC 7606).
    pub errors: Vec<AttrError>,
}

impl Update {
    /// Decode an UPDATE body (after the 19-octet header). `Err` is a session
    /// reset with the NOTIFICATION to send (RFC 4271 §6.3, RFC 7606 §3-§5).
    pub fn unpack(body: &[u8], neg: &Negotiated) -> Result<Update, Notify> {
        // ExaBGP recognises the MP End-of-RIB by its bytes before decoding.
        if body.len() == 11 && body[..8] == EOR_PREFIX {
            let family = Family::new(Afi(u16::from_be_bytes([body[8], body[9]])), Safi(body[10]));
            return Ok(Update { mp_unreach: Some(MpUnreach { family, nlris: Vec::new() }), ..Update::default() });
        }
        let (withdrawn, attributes, announced) = split(body)?;
        let parsed = Attributes::unpack(attributes, neg)?;
        let v4 = Family::IPV4_UNICAST;
        let addpath = neg.addpath(v4, Direction::In);
        let mut update = Update {
            withdrawn: nlris(v4, withdrawn, addpath, neg)?,
            announced: nlris(v4, announced, addpath, neg)?,
            attributes: parsed.attributes,
            mp_unreach: parsed.mp_unreach,
            mp_reach: parsed.mp_reach,
            errors: parsed.errors,
        };
        update.check_mandatory();
        Ok(update)
    }

    /// RFC 7606 §3.d: missing well-known mandatory attributes are
    /// treat-as-withdraw, and only matter when there is NLRI. NEXT_HOP is only
    /// mandatory for the classic NLRI field (RFC 4760 §3).
    fn check_mandatory(&mut self) {
        let mp = self.mp_reach.as_ref().is_some_and(|m| !m.nlris.is_empty());
        if self.announced.is_empty() && !mp {
            return;
        }
        let required: &[u8] = if self.announced.is_empty() {
            &[attr_code::ORIGIN, attr_code::AS_PATH]
        } else {
            &[attr_code::ORIGIN, attr_code::AS_PATH, attr_code::NEXT_HOP]
        };
        for &code in required {
            if !self.attributes.has(code) && !self.errors.iter().any(|e| e.code == code) {
                self.errors.push(AttrError {
                    action: ErrorAction::TreatAsWithdraw,
                    code,
                    notify: Notify::with_data(code::UPDATE_MESSAGE, subcode::MISSING_WELL_KNOWN_ATTRIBUTE, &[code]),
                    family: None,
                });
            }
        }
    }

    /// The harshest RFC 7606 action taken while decoding, if any.
    pub fn action(&self) -> Option<ErrorAction> {
        self.errors.iter().map(|e| e.action).max()
    }

    /// RFC 4724 §2 / ExaBGP: an UPDATE with no attributes and no NLRI is the
    /// End-of-RIB of the MP_UNREACH (or MP_REACH) family, ipv4 unicast when
    /// it has neither.
    pub fn eor(&self) -> Option<Family> {
        let mp_empty = self.mp_unreach.as_ref().is_none_or(|m| m.nlris.is_empty())
            && self.mp_reach.as_ref().is_none_or(|m| m.nlris.is_empty());
        if !self.attributes.is_empty() || !self.withdrawn.is_empty() || !self.announced.is_empty() || !mp_empty {
            return None;
        }
        Some(match (&self.mp_unreach, &self.mp_reach) {
            (Some(u), _) => u.family,
            (None, Some(r)) => r.family,
            (None, None) => Family::IPV4_UNICAST,
        })
    }

    /// Every announced route with its next-hop: the classic NLRI (next-hop
    /// from the NEXT_HOP attribute), then MP_REACH_NLRI.
    pub fn announces(&self) -> impl Iterator<Item = (&Nlri, NextHop)> + '_ {
        let classic = self.attributes.next_hop().map_or(NextHop::None, NextHop::Ip);
        let mp = self.mp_reach.iter().flat_map(|m| m.nlris.iter().map(move |n| (n, m.nexthop)));
        self.announced.iter().map(move |n| (n, classic)).chain(mp)
    }

    /// Every withdrawn route: the classic field, then MP_UNREACH_NLRI.
    pub fn withdraws(&self) -> impl Iterator<Item = &Nlri> + '_ {
        self.withdrawn.iter().chain(self.mp_unreach.iter().flat_map(|m| m.nlris.iter()))
    }

    /// Encode this UPDATE as one message (header included), in ExaBGP's
    /// order: attributes by code, then MP_UNREACH_NLRI, then MP_REACH_NLRI.
    /// Nothing is added or dropped, so a decoded UPDATE re-encodes to itself.
    pub fn pack(&self, neg: &Negotiated, out: &mut BytesMut) {
        if let Some(family) = self.eor() {
            if self.mp_unreach.is_some() || self.mp_reach.is_some() {
                // ipv4 unicast may also end with the MP form.
                pack_mp_eor(family, out);
            } else {
                pack_eor(family, out);
            }
            return;
        }
        let start = begin_message(out);
        let v4 = Family::IPV4_UNICAST;
        let addpath = neg.addpath(v4, Direction::Out);
        let at = out.len();
        out.put_u16(0);
        for n in &self.withdrawn {
            n.pack(addpath, out);
        }
        patch_u16(out, at);
        let at = out.len();
        out.put_u16(0);
        self.attributes.pack_verbatim(neg, out);
        if let Some(u) = &self.mp_unreach {
            put_attribute(out, flag::OPTIONAL, attr_code::MP_UNREACH_NLRI, |b| u.pack(neg, b));
        }
        if let Some(r) = &self.mp_reach {
            put_attribute(out, flag::OPTIONAL, attr_code::MP_REACH_NLRI, |b| r.pack(neg, b));
        }
        patch_u16(out, at);
        for n in &self.announced {
            n.pack(addpath, out);
        }
        end_message(out, start);
    }

    /// The value of the JSON `"message"` key: `{ "update": { ... } }`, or
    /// `{ "eor": { "afi" : "ipv4", "safi" : "unicast" } }` (api.md §5.6).
    pub fn json(&self, out: &mut String) {
        self.json_with(false, out)
    }

    /// As `json`; with `compact` (env `exabgp.api.compact`) a unicast or
    /// multicast prefix without path-id is the bare string `"10.0.0.0/24"`.
    pub fn json_with(&self, compact: bool, out: &mut String) {
        if let Some(family) = self.eor() {
            out.push_str("{ ");
            eor_json(family, out);
            out.push_str(" }");
            return;
        }
        out.push_str("{ \"update\": { ");
        let has_attributes = !self.attributes.is_empty();
        if has_attributes {
            out.push_str("\"attribute\": { ");
            self.attributes.json(out);
            out.push_str(" }");
        }

        // Announces grouped by family, then next-hop, in order of first
        // appearance in `reported_announces`; walked once to find the groups,
        // then once per group over the fields themselves (usually one group).
        let classic = self.attributes.next_hop().map_or(NextHop::None, NextHop::Ip);
        let (mp_nlris, mp_first, mp_second) = match &self.mp_reach {
            Some(m) => {
                let (first, second) = reported_hops(m.nexthop);
                (m.nlris.as_slice(), first, second)
            }
            None => (&[][..], NextHop::None, None),
        };
        let mut groups: Vec<(Family, NextHop)> = Vec::new();
        let mut last = None;
        for n in &self.announced {
            let family = n.family();
            if last != Some(family) {
                last = Some(family);
                add_group(&mut groups, family, classic);
            }
        }
        let mut last = None;
        for n in mp_nlris {
            let family = n.family();
            if last == Some(family) {
                continue; // its groups are in already
            }
            last = Some(family);
            add_group(&mut groups, family, mp_first);
            if let Some(second) = mp_second {
                add_group(&mut groups, family, second);
            }
        }
        // The text of plain IPv4 prefixes, a list at a time (see `Items`),
        // sized for the longest list so that it is allocated once.
        let longest = (self.announced.len() + mp_nlris.len()).max(self.withdrawn.len() + self.mp_unreach.as_ref().map_or(0, |m| m.nlris.len()));
        let mut bytes = Vec::with_capacity(longest * 32);
        let mut wrote_nlri = false;
        if !groups.is_empty() {
            if has_attributes {
                out.push_str(", ");
            }
            out.push_str("\"announce\": { ");
            for (gi, &(family, _)) in groups.iter().enumerate() {
                if groups.get(..gi).is_some_and(|before| before.iter().any(|g| g.0 == family)) {
                    continue; // written with the family's first group
                }
                if gi > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "\"{family}\": {{ ");
                let mut first_hop = true;
                for &(_, hop) in groups.iter().skip(gi).filter(|g| g.0 == family) {
                    if !first_hop {
                        out.push_str(", ");
                    }
                    first_hop = false;
                    let _ = write!(out, "\"{hop}\": [ ");
                    let mut items = Items::new(compact, &mut bytes);
                    if classic == hop {
                        for n in self.announced.iter().filter(|n| n.family() == family) {
                            items.push(n, &hop, out);
                        }
                    }
                    let twice = mp_second == Some(hop);
                    if mp_first == hop || twice {
                        for n in mp_nlris.iter().filter(|n| n.family() == family) {
                            if mp_first == hop {
                                items.push(n, &hop, out);
                            }
                            if twice {
                                items.push(n, &hop, out);
                            }
                        }
                    }
                    items.flush(out);
                    out.push_str(" ]");
                }
                out.push_str(" }");
            }
            out.push_str(" }");
            wrote_nlri = true;
        }

        let unreach: &[Nlri] = self.mp_unreach.as_ref().map_or(&[][..], |m| m.nlris.as_slice());
        let mut families: Vec<Family> = Vec::new();
        for n in self.withdrawn.iter().chain(unreach) {
            let family = n.family();
            if families.last() != Some(&family) && !families.contains(&family) {
                families.push(family);
            }
        }
        if !families.is_empty() {
            if has_attributes || wrote_nlri {
                out.push_str(", ");
            }
            out.push_str("\"withdraw\": { ");
            for (fi, family) in families.iter().enumerate() {
                if fi > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "\"{family}\": [ ");
                let mut items = Items::new(compact, &mut bytes);
                for n in self.withdrawn.iter().chain(unreach).filter(|n| n.family() == *family) {
                    items.push(n, &NextHop::None, out);
                }
                items.flush(out);
                out.push_str(" ]");
            }
            out.push_str(" }");
        }
        out.push_str(" } }");
    }

    /// The text encoder's NLRI lines (api.md §6), each `<prefix> ...\n`,
    /// without the `start` / `end` lines around them.
    pub fn text(&self, prefix: &str, out: &mut String) {
        if let Some(family) = self.eor() {
            let _ = writeln!(out, "{prefix} route eor {}/{} ({family})", family.afi.0, family.safi.0);
            return;
        }
        let mut attrs = String::new();
        self.attributes.text(&mut attrs);
        // ExaBGP's NLRI order: classic withdrawn, classic announced,
        // MP_UNREACH_NLRI, MP_REACH_NLRI.
        for n in &self.withdrawn {
            let _ = writeln!(out, "{prefix} withdrawn {n}");
        }
        let classic = self.attributes.next_hop().map_or(NextHop::None, NextHop::Ip);
        let line = |out: &mut String, n: &Nlri, nh: &NextHop| match nh.ip() {
            Some(ip) => {
                let _ = writeln!(out, "{prefix} announced {n} next-hop {ip}{attrs}");
            }
            None => {
                let _ = writeln!(out, "{prefix} {n} {attrs}");
            }
        };
        for n in &self.announced {
            line(out, n, &classic);
        }
        for w in self.mp_unreach.iter().flat_map(|m| m.nlris.iter()) {
            let _ = writeln!(out, "{prefix} withdrawn {w}");
        }
        if let Some(m) = &self.mp_reach {
            for n in &m.nlris {
                match m.nexthop {
                    NextHop::Ipv6LinkLocal { global, link_local } => {
                        line(out, n, &NextHop::Ip(std::net::IpAddr::V6(global)));
                        line(out, n, &NextHop::Ip(std::net::IpAddr::V6(link_local)));
                    }
                    nh => line(out, n, &nh),
                }
            }
        }
    }
}

/// The next-hop(s) an MP_REACH_NLRI's routes are reported under: with a
/// link-local second next-hop, ExaBGP's decoder gives every NLRI once per
/// address, so the JSON lists each route under both.
fn reported_hops(nexthop: NextHop) -> (NextHop, Option<NextHop>) {
    match nexthop {
        NextHop::Ipv6LinkLocal { global, link_local } => (
            NextHop::Ip(std::net::IpAddr::V6(global)),
            Some(NextHop::Ip(std::net::IpAddr::V6(link_local))),
        ),
        other => (other, None),
    }
}

/// Note a (family, next-hop) group of announces, if it is new.
fn add_group(groups: &mut Vec<(Family, NextHop)>, family: Family, hop: NextHop) {
    if groups.last() != Some(&(family, hop)) && !groups.contains(&(family, hop)) {
        groups.push((family, hop));
    }
}

/// The items of one announce or withdraw list. A plain IPv4 prefix (the
/// bulk of a table) is written to `bytes` and that text is checked as
/// UTF-8 once per run of them rather than once per prefix; any other NLRI
/// goes through `nlri_json`. The output is the same either way.
struct Items<'a> {
    compact: bool,
    first: bool,
    /// The last item is a prefix in `bytes` whose closing is not written.
    open: bool,
    bytes: &'a mut Vec<u8>,
}

impl<'a> Items<'a> {
    fn new(compact: bool, bytes: &'a mut Vec<u8>) -> Items<'a> {
        bytes.clear();
        Items { compact, first: true, open: false, bytes }
    }

    fn push(&mut self, n: &Nlri, nexthop: &NextHop, out: &mut String) {
        if let Nlri::Inet(inet) = n {
            if inet.path_id.is_none() && inet.prefix.afi() == Afi::IPV4 {
                // Two copies per prefix, of constant sizes.
                match self.compact {
                    true => self.prefix::<true>(&inet.prefix),
                    false => self.prefix::<false>(&inet.prefix),
                }
                return;
            }
        }
        self.flush(out);
        if !self.first {
            out.push_str(", ");
        }
        self.first = false;
        nlri_json(n, nexthop, self.compact, out);
    }

    /// `{ "nlri": "<prefix>" }`, or `"<prefix>"` when `COMPACT`.
    fn prefix<const COMPACT: bool>(&mut self, prefix: &crate::bgp::nlri::Prefix) {
        let open: &[u8] = if COMPACT { b"\"" } else { b"{ \"nlri\": \"" };
        let between: &[u8] = if COMPACT { b"\", \"" } else { b"\" }, { \"nlri\": \"" };
        let separated: &[u8] = if COMPACT { b", \"" } else { b", { \"nlri\": \"" };
        match (self.open, self.first) {
            (true, _) => self.bytes.extend_from_slice(between),
            (false, true) => self.bytes.extend_from_slice(open),
            (false, false) => self.bytes.extend_from_slice(separated),
        }
        prefix.push_text_bytes(self.bytes);
        self.open = true;
        self.first = false;
    }

    /// Write the batched text (at the end of the list, or before an item
    /// written otherwise).
    fn flush(&mut self, out: &mut String) {
        if self.open {
            self.bytes.extend_from_slice(if self.compact { b"\"" } else { b"\" }" });
            self.open = false;
        }
        // Only ASCII was written, so this never fails.
        if let Ok(text) = std::str::from_utf8(self.bytes) {
            out.push_str(text);
        }
        self.bytes.clear();
    }
}

/// One NLRI of an announce or withdraw list. Some families (flow, BGP-LS)
/// show the next-hop inside their own object too.
fn nlri_json(n: &Nlri, nexthop: &NextHop, compact: bool, out: &mut String) {
    let ip = match nexthop {
        NextHop::None => None,
        NextHop::Ip(ip) => Some(*ip),
        NextHop::Ipv6LinkLocal { global, .. } => Some(std::net::IpAddr::V6(*global)),
    };
    n.json_full(out, ip, compact);
}

/// `"eor": { "afi" : "ipv4", "safi" : "unicast" }` (sic: spaces before colons).
pub fn eor_json(family: Family, out: &mut String) {
    let _ = write!(out, "\"eor\": {{ \"afi\" : \"{}\", \"safi\" : \"{}\" }}", family.afi, family.safi);
}

/// An End-of-RIB message (RFC 4724 §2): an empty UPDATE for ipv4 unicast, an
/// MP_UNREACH_NLRI with no NLRI (flags 0x90, as ExaBGP sends it) otherwise.
pub fn pack_eor(family: Family, out: &mut BytesMut) {
    if family != Family::IPV4_UNICAST {
        return pack_mp_eor(family, out);
    }
    let start = begin_message(out);
    out.put_u32(0);
    end_message(out, start);
}

/// The MP form of End-of-RIB for any family, ipv4 unicast included.
pub fn pack_mp_eor(family: Family, out: &mut BytesMut) {
    let start = begin_message(out);
    out.put_slice(&EOR_PREFIX);
    out.put_u16(family.afi.0);
    out.put_u8(family.safi.0);
    end_message(out, start);
}

/// The withdrawn routes, path attributes and NLRI fields of an UPDATE body.
pub type Fields<'a> = (&'a [u8], &'a [u8], &'a [u8]);

/// Split the three fields of an UPDATE body (RFC 4271 §6.3: lengths that do
/// not add up are a Malformed Attribute List).
pub fn split(body: &[u8]) -> Result<Fields<'_>, Notify> {
    let malformed = || Notify::update(subcode::MALFORMED_ATTRIBUTE_LIST);
    let [w1, w2, rest @ ..] = body else { return Err(malformed()) };
    let wlen = u16::from_be_bytes([*w1, *w2]) as usize;
    if rest.len() < wlen + 2 {
        return Err(malformed());
    }
    let (withdrawn, rest) = rest.split_at(wlen);
    let alen = u16::from_be_bytes([rest[0], rest[1]]) as usize;
    let rest = &rest[2..];
    if rest.len() < alen {
        return Err(malformed());
    }
    let (attributes, announced) = rest.split_at(alen);
    Ok((withdrawn, attributes, announced))
}

fn nlris(family: Family, mut buf: &[u8], addpath: bool, neg: &Negotiated) -> Result<Vec<Nlri>, Notify> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let before = buf.len();
        out.push(Nlri::unpack(family, &mut buf, addpath, neg)?);
        if buf.len() == before {
            return Err(Notify::update(subcode::INVALID_NETWORK_FIELD));
        }
    }
    Ok(out)
}

/// Start a message: marker, length placeholder, type. Returns its offset.
fn begin_message(out: &mut BytesMut) -> usize {
    let start = out.len();
    out.put_bytes(0xff, 16);
    out.put_u16(0);
    out.put_u8(MessageType::UPDATE.0);
    start
}

fn end_message(out: &mut BytesMut, start: usize) {
    let len = (out.len() - start) as u16;
    out[start + 16..start + 18].copy_from_slice(&len.to_be_bytes());
}

/// Fill the two-octet length at `at` with what follows it.
fn patch_u16(out: &mut BytesMut, at: usize) {
    let len = (out.len() - at - 2) as u16;
    out[at..at + 2].copy_from_slice(&len.to_be_bytes());
}

// ===== packing a set of routes =====

/// One route to send: its NLRI, next-hop and whether it is announced or
/// withdrawn. Every route given to `pack_routes` shares the same attributes.
#[derive(Clone, Copy, Debug)]
pub struct RouteRef<'a> {
    pub nlri: &'a Nlri,
    pub nexthop: &'a NextHop,
    pub action: Action,
}

/// Reusable buffers for `pack_routes`, so that steady-state packing does not
/// allocate.
#[derive(Default)]
pub struct Packer {
    attr: BytesMut,
    withdraws: BytesMut,
    announced: BytesMut,
    mp_reach: BytesMut,
    mp_unreach: BytesMut,
    payload: BytesMut,
    nlri: BytesMut,
    order: Vec<usize>,
    /// Sort keys computed once per route when every route is a prefix.
    inet_keys: Vec<(InetSortKey, u32)>,
    key_a: BytesMut,
    key_b: BytesMut,
    classic: Vec<usize>,
    mp_families: Vec<Family>,
    hops: Vec<NextHop>,
}

impl Packer {
    pub fn new() -> Packer {
        Packer::default()
    }

    /// Append to `out` the UPDATE messages for `routes` (all sharing
    /// `attributes`), exactly as ExaBGP's `Update.messages`: routes are sorted;
    /// ipv4 unicast/multicast withdrawals and announces with an IPv4 next-hop
    /// use the classic fields, the rest MP_REACH/MP_UNREACH per family; as many
    /// NLRI per message as `neg.msg_size` allows. Routes of families not
    /// negotiated are skipped. Returns the number of messages written.
    pub fn pack_routes(
        &mut self,
        attributes: &Attributes,
        routes: &[RouteRef<'_>],
        neg: &Negotiated,
        include_withdraw: bool,
        out: &mut BytesMut,
    ) -> usize {
        let mut count = 0;
        self.order.clear();
        self.order.extend((0..routes.len()).filter(|&i| neg.families.contains(&routes[i].nlri.family())));
        if self.order.iter().all(|&i| matches!(routes[i].nlri, Nlri::Inet(_))) {
            // The common case: one key per route instead of two per comparison.
            self.inet_keys.clear();
            for &i in &self.order {
                if let Nlri::Inet(n) = routes[i].nlri {
                    self.inet_keys.push((InetSortKey::new(n), i as u32));
                }
            }
            // Stable, as ExaBGP's `sorted`: equal keys keep their order,
            // here by the index (an unstable sort needs no scratch buffer
            // the size of the bucket).
            self.inet_keys.sort_unstable();
            self.order.clear();
            self.order.extend(self.inet_keys.iter().map(|&(_, i)| i as usize));
        } else {
            let (mut ka, mut kb) = (std::mem::take(&mut self.key_a), std::mem::take(&mut self.key_b));
            self.order.sort_by(|&a, &b| cmp_index(routes[a].nlri, routes[b].nlri, &mut ka, &mut kb));
            (self.key_a, self.key_b) = (ka, kb);
        }

        self.classic.clear();
        self.mp_families.clear();
        for &i in &self.order {
            let r = &routes[i];
            let f = r.nlri.family();
            let v4 = f.afi == Afi::IPV4 && (f.safi == Safi::UNICAST || f.safi == Safi::MULTICAST);
            if v4 && (r.action == Action::Withdraw || r.nexthop.afi() == Some(Afi::IPV4)) {
                self.classic.push(i);
            } else if !self.mp_families.contains(&f) {
                self.mp_families.push(f);
            }
        }
        if self.classic.is_empty() && self.mp_families.is_empty() {
            return 0;
        }

        // RFC 4760 §4: an UPDATE carrying only MP_UNREACH_NLRI needs no other
        // attribute; ExaBGP applies it to unicast/multicast withdrawals only.
        let mut include_defaults = true;
        if self.classic.is_empty() {
            include_defaults = !self.mp_families.iter().all(|f| {
                (f.safi == Safi::UNICAST || f.safi == Safi::MULTICAST)
                    && self.order.iter().all(|&i| {
                        routes[i].nlri.family() != *f || routes[i].action == Action::Withdraw
                    })
            });
        }

        self.attr.clear();
        // ExaBGP's `pack_attribute(with_default=False)` packs no attribute
        // at all (its set of codes is empty then), not only no defaults.
        if include_defaults {
            attributes.pack(neg, true, &mut self.attr);
        }
        let room = neg.msg_size as isize - HEADER_LEN as isize - 4 - self.attr.len() as isize;
        if room <= 0 {
            error!(target: "parser", "attributes size is so large we can not even pack one NLRI");
            return 0;
        }
        let room = room as usize;

        // Classic fields.
        self.withdraws.clear();
        self.announced.clear();
        for k in 0..self.classic.len() {
            let r = &routes[self.classic[k]];
            let addpath = neg.addpath(r.nlri.family(), Direction::Out);
            self.nlri.clear();
            r.nlri.pack(addpath, &mut self.nlri);
            if self.announced.len() + self.withdraws.len() + self.nlri.len() <= room {
                match r.action {
                    Action::Announce => self.announced.extend_from_slice(&self.nlri),
                    Action::Withdraw if include_withdraw => self.withdraws.extend_from_slice(&self.nlri),
                    Action::Withdraw => {}
                }
                continue;
            }
            if self.withdraws.is_empty() && self.announced.is_empty() {
                error!(target: "parser", "attributes size is so large we can not even pack one NLRI");
                return count;
            }
            count += self.flush_classic(out);
            self.withdraws.clear();
            self.announced.clear();
            match r.action {
                Action::Announce => self.announced.extend_from_slice(&self.nlri),
                Action::Withdraw if include_withdraw => self.withdraws.extend_from_slice(&self.nlri),
                Action::Withdraw => {}
            }
        }
        if !self.announced.is_empty() || !self.withdraws.is_empty() {
            count += self.flush_classic(out);
            // ExaBGP does not clear these here: they ride along with the first
            // MP message too (only matters when one call mixes both kinds).
        }

        // MP families, in order of first appearance.
        for fi in 0..self.mp_families.len() {
            let family = self.mp_families[fi];
            let addpath = neg.addpath(family, Direction::Out);
            self.mp_reach.clear();
            self.mp_unreach.clear();

            // MP_REACH_NLRI, one run per distinct next-hop.
            self.hops.clear();
            for &i in &self.order {
                let r = &routes[i];
                if self.is_mp(r, family) && r.action == Action::Announce && !self.hops.contains(r.nexthop) {
                    self.hops.push(*r.nexthop);
                }
            }
            let maximum = room.saturating_sub(self.withdraws.len() + self.announced.len());
            for hi in 0..self.hops.len() {
                let hop = self.hops[hi];
                self.payload.clear();
                MpReach::pack_header(family, &hop, &mut self.payload);
                let header_len = self.payload.len();
                for k in 0..self.order.len() {
                    let r = &routes[self.order[k]];
                    if !(self.is_mp(r, family) && r.action == Action::Announce && *r.nexthop == hop) {
                        continue;
                    }
                    self.nlri.clear();
                    r.nlri.pack(addpath, &mut self.nlri);
                    if attr_len(self.payload.len() + self.nlri.len()) > maximum {
                        if self.payload.len() == header_len || self.payload.len() > maximum {
                            error!(target: "parser", "attributes size is so large we can not even pack on MPRNLRI");
                            return count;
                        }
                        count += self.next_mp_reach(out);
                        self.payload.clear();
                        MpReach::pack_header(family, &hop, &mut self.payload);
                    }
                    self.payload.extend_from_slice(&self.nlri);
                }
                if self.payload.len() == header_len || self.payload.len() > maximum {
                    error!(target: "parser", "attributes size is so large we can not even pack on MPRNLRI");
                    return count;
                }
                count += self.next_mp_reach(out);
            }

            // MP_UNREACH_NLRI.
            let has_withdraw =
                self.order.iter().any(|&i| self.is_mp(&routes[i], family) && routes[i].action == Action::Withdraw);
            if include_withdraw && has_withdraw {
                let maximum = room.saturating_sub(self.withdraws.len() + self.announced.len() + self.mp_reach.len());
                self.payload.clear();
                MpUnreach::pack_header(family, &mut self.payload);
                let header_len = self.payload.len();
                for k in 0..self.order.len() {
                    let r = &routes[self.order[k]];
                    if !(self.is_mp(r, family) && r.action == Action::Withdraw) {
                        continue;
                    }
                    self.nlri.clear();
                    r.nlri.pack(addpath, &mut self.nlri);
                    if attr_len(self.payload.len() + self.nlri.len()) > maximum {
                        if self.payload.len() == header_len || self.payload.len() > maximum {
                            error!(target: "parser", "attributes size is so large we can not even pack on MPURNLRI");
                            return count;
                        }
                        count += self.next_mp_unreach(out);
                        self.payload.clear();
                        MpUnreach::pack_header(family, &mut self.payload);
                    }
                    self.payload.extend_from_slice(&self.nlri);
                }
                if self.payload.len() == header_len || self.payload.len() > maximum {
                    error!(target: "parser", "attributes size is so large we can not even pack on MPURNLRI");
                    return count;
                }
                count += self.next_mp_unreach(out);
            }

            write_message(out, &self.withdraws, &[&self.attr, &self.mp_unreach, &self.mp_reach], &self.announced);
            count += 1;
            self.withdraws.clear();
            self.announced.clear();
        }
        count
    }

    /// Whether `r` goes in the MP attributes of `family`.
    fn is_mp(&self, r: &RouteRef<'_>, family: Family) -> bool {
        let f = r.nlri.family();
        if f != family {
            return false;
        }
        let v4 = f.afi == Afi::IPV4 && (f.safi == Safi::UNICAST || f.safi == Safi::MULTICAST);
        !(v4 && (r.action == Action::Withdraw || r.nexthop.afi() == Some(Afi::IPV4)))
    }

    /// Send the classic fields; attributes only go with announces.
    fn flush_classic(&mut self, out: &mut BytesMut) -> usize {
        if self.announced.is_empty() {
            write_message(out, &self.withdraws, &[], &self.announced);
        } else {
            write_message(out, &self.withdraws, &[&self.attr], &self.announced);
        }
        1
    }

    /// `payload` is a complete MP_REACH_NLRI value: if one is already
    /// pending, send it first; the new one becomes pending.
    fn next_mp_reach(&mut self, out: &mut BytesMut) -> usize {
        let mut sent = 0;
        if !self.mp_reach.is_empty() {
            write_message(out, &self.withdraws, &[&self.attr, &self.mp_reach], &self.announced);
            self.announced.clear();
            self.withdraws.clear();
            sent = 1;
        }
        self.mp_reach.clear();
        let payload = std::mem::take(&mut self.payload);
        put_attribute(&mut self.mp_reach, flag::OPTIONAL, attr_code::MP_REACH_NLRI, |b| b.put_slice(&payload));
        self.payload = payload;
        sent
    }

    fn next_mp_unreach(&mut self, out: &mut BytesMut) -> usize {
        let mut sent = 0;
        if !self.mp_unreach.is_empty() {
            write_message(out, &self.withdraws, &[&self.attr, &self.mp_unreach, &self.mp_reach], &self.announced);
            self.mp_reach.clear();
            self.announced.clear();
            self.withdraws.clear();
            sent = 1;
        }
        self.mp_unreach.clear();
        let payload = std::mem::take(&mut self.payload);
        put_attribute(&mut self.mp_unreach, flag::OPTIONAL, attr_code::MP_UNREACH_NLRI, |b| b.put_slice(&payload));
        self.payload = payload;
        sent
    }
}

/// Size of an attribute with a `len`-octet value (ExaBGP's `Attribute._len`).
fn attr_len(len: usize) -> usize {
    if len <= 255 {
        len + 3
    } else {
        len + 4
    }
}

fn write_message(out: &mut BytesMut, withdraws: &[u8], attrs: &[&BytesMut], announced: &[u8]) {
    let start = begin_message(out);
    out.put_u16(withdraws.len() as u16);
    out.put_slice(withdraws);
    out.put_u16(attrs.iter().map(|a| a.len()).sum::<usize>() as u16);
    for a in attrs {
        out.put_slice(a);
    }
    out.put_slice(announced);
    end_message(out, start);
}

/// ExaBGP's NLRI sort key: `"%02x%02x" % (afi, safi)`, then for prefixes the
/// path-id (`no-pi` when absent) and the packed prefix (length first); for
/// other families the packed NLRI without path-id (as MVPN's `index()`).
fn cmp_index(a: &Nlri, b: &Nlri, buf_a: &mut BytesMut, buf_b: &mut BytesMut) -> Ordering {
    let fa = family_key(a.family());
    let fb = family_key(b.family());
    let (ka, la) = (fa.0, fa.1);
    let (kb, lb) = (fb.0, fb.1);
    match ka[..la].cmp(&kb[..lb]) {
        Ordering::Equal => {}
        o => return o,
    }
    match (a, b) {
        (Nlri::Inet(x), Nlri::Inet(y)) => {
            let kx = inet_key(x);
            let ky = inet_key(y);
            kx.0[..kx.1].cmp(&ky.0[..ky.1])
        }
        _ => {
            buf_a.clear();
            buf_b.clear();
            a.pack(false, buf_a);
            b.pack(false, buf_b);
            buf_a[..].cmp(&buf_b[..])
        }
    }
}

fn family_key(f: Family) -> ([u8; 8], usize) {
    let mut k = [0u8; 8];
    let mut len = hex_min2(f.afi.0, &mut k, 0);
    len = hex_min2(f.safi.0 as u16, &mut k, len);
    (k, len)
}

/// `"%02x" % v` written at `at` in `out`; the new length.
fn hex_min2(v: u16, out: &mut [u8; 8], at: usize) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = match v {
        0..=0xff => 2,
        0x100..=0xfff => 3,
        _ => 4,
    };
    let mut at = at;
    for d in (0..digits).rev() {
        if let Some(slot) = out.get_mut(at) {
            *slot = HEX[((v >> (4 * d)) & 0xf) as usize];
        }
        at += 1;
    }
    at
}

/// `cmp_index`'s order for prefixes, computed once: the family's key, then
/// the prefix's. Kept small (one per route of a bucket is sorted).
#[derive(Clone, Copy, PartialEq, Eq)]
struct InetSortKey {
    family: [u8; 8],
    family_len: u8,
    prefix_len: u8,
    prefix: [u8; 22],
}

impl InetSortKey {
    fn new(n: &crate::bgp::nlri::Inet) -> InetSortKey {
        let (family, family_len) = family_key(n.family);
        let (prefix, prefix_len) = inet_key(n);
        InetSortKey { family, family_len: family_len as u8, prefix_len: prefix_len as u8, prefix }
    }

    fn family(&self) -> &[u8] {
        self.family.get(..usize::from(self.family_len)).unwrap_or(&self.family)
    }

    fn prefix(&self) -> &[u8] {
        self.prefix.get(..usize::from(self.prefix_len)).unwrap_or(&self.prefix)
    }
}

impl Ord for InetSortKey {
    fn cmp(&self, other: &InetSortKey) -> Ordering {
        self.family().cmp(other.family()).then_with(|| self.prefix().cmp(other.prefix()))
    }
}

impl PartialOrd for InetSortKey {
    fn partial_cmp(&self, other: &InetSortKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn inet_key(n: &crate::bgp::nlri::Inet) -> ([u8; 22], usize) {
    let mut k = [0u8; 22];
    let mut len = match n.path_id {
        None => {
            k[..5].copy_from_slice(b"no-pi");
            5
        }
        Some(id) => {
            k[..4].copy_from_slice(&id.to_be_bytes());
            4
        }
    };
    k[len] = n.prefix.len();
    len += 1;
    let p = n.prefix.packed_addr();
    k[len..len + p.len()].copy_from_slice(p);
    (k, len + p.len())
}

#[cfg(test)]
mod tests;
