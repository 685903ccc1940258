//! Path attributes (RFC 4271 §4.3, §5) with RFC 7606 error handling.
//!
//! One file per attribute, named as in ExaBGP. `Attributes` is the set an
//! UPDATE (or a route) carries: it packs in ExaBGP's order (attribute code,
//! then MP_UNREACH_NLRI and MP_REACH_NLRI last, which `message::update` adds)
//! with ExaBGP's flags, and it unpacks with the RFC 7606 classification.
//!
//! ```text
//!  0                   1
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+----------------+
//! |O|T|P|E| unused|  type code    | length (1 or 2)| value
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+----------------+
//! ```

pub mod aggregator;
pub mod aigp;
pub mod aspath;
pub mod atomicaggregate;
pub mod bgpls;
pub mod clusterlist;
pub mod community;
pub mod generic;
pub mod localpref;
pub mod med;
pub mod mprnlri;
pub mod mpurnlri;
pub mod nexthop;
pub mod origin;
pub mod originatorid;
pub mod pmsi;
pub mod sr;

use std::fmt::{self, Write};
use std::net::IpAddr;

use bytes::{BufMut, BytesMut};

pub use aggregator::Aggregator;
pub use aigp::Aigp;
pub use aspath::{AsPath, Segment, SegmentType, AS_TRANS};
pub use bgpls::LinkState;
pub use clusterlist::ClusterList;
pub use community::{
    Communities, ExtendedCommunities, ExtendedCommunitiesIpv6, ExtendedCommunity, ExtendedCommunityIpv6,
    LargeCommunities, LargeCommunity,
};
pub use generic::Generic;
pub use localpref::LocalPreference;
pub use med::Med;
pub use mprnlri::MpReach;
pub use mpurnlri::MpUnreach;
pub use nexthop::NextHop;
pub use origin::Origin;
pub use originatorid::OriginatorId;
pub use pmsi::Pmsi;
pub use sr::PrefixSid;

use crate::bgp::iana::{attr_code, Family};
use crate::bgp::negotiated::Negotiated;
use crate::bgp::notify::{code, subcode, Notify};

/// Attribute flag bits (RFC 4271 §4.3).
pub mod flag {
    pub const OPTIONAL: u8 = 0x80;
    pub const TRANSITIVE: u8 = 0x40;
    pub const PARTIAL: u8 = 0x20;
    pub const EXTENDED_LENGTH: u8 = 0x10;
}

/// What to do with a malformed UPDATE (RFC 7606 §2), from the mildest to the
/// harshest; an UPDATE takes the maximum over its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorAction {
    /// Drop the attribute, keep the routes ("attribute discard").
    Discard,
    /// Treat every route of the UPDATE as withdrawn.
    TreatAsWithdraw,
    /// Stop using the AFI/SAFI the MP attribute names.
    AfiSafiDisable,
    /// Send the NOTIFICATION and close the session (RFC 4271 §6.3).
    SessionReset,
}

impl ErrorAction {
    pub fn name(self) -> &'static str {
        match self {
            ErrorAction::Discard => "discard",
            ErrorAction::TreatAsWithdraw => "treat-as-withdraw",
            ErrorAction::AfiSafiDisable => "afi-safi-disable",
            ErrorAction::SessionReset => "session-reset",
        }
    }
}

/// One error found while decoding attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrError {
    pub action: ErrorAction,
    /// The attribute at fault (0 when the attribute list itself is broken).
    pub code: u8,
    /// The NOTIFICATION RFC 4271 §6.3 would send for it.
    pub notify: Notify,
    /// For `AfiSafiDisable`: the family named by the MP attribute.
    pub family: Option<Family>,
}

/// The static description of an attribute code (BIRD's `bgp_attr_table`).
#[derive(Clone, Copy, Debug)]
pub struct AttrInfo {
    pub code: u8,
    /// ExaBGP's name (`Attribute.CODE.names`).
    pub name: &'static str,
    /// The JSON key, `None` where ExaBGP has no representation (the generic
    /// `attribute-0xCC-0xFF` key is used) or where it is not an attribute in
    /// the JSON (NEXT_HOP goes with the NLRI, MP_* become announce/withdraw).
    pub json: Option<&'static str>,
    /// The flags we send (without Extended Length, added when needed).
    pub flags: u8,
    /// RFC 7606 §7 action when the attribute is malformed.
    pub action: ErrorAction,
}

const O: u8 = flag::OPTIONAL;
const T: u8 = flag::TRANSITIVE;

/// RFC 7606 §7 (and the RFCs of later attributes) per code.
pub const TABLE: &[AttrInfo] = &[
    AttrInfo { code: 1, name: "origin", json: Some("origin"), flags: T, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 2, name: "as-path", json: Some("as-path"), flags: T, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 3, name: "next-hop", json: None, flags: T, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 4, name: "med", json: Some("med"), flags: O, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 5, name: "local-preference", json: Some("local-preference"), flags: T, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 6, name: "atomic-aggregate", json: Some("atomic-aggregate"), flags: T, action: ErrorAction::Discard },
    AttrInfo { code: 7, name: "aggregator", json: Some("aggregator"), flags: O | T, action: ErrorAction::Discard },
    AttrInfo { code: 8, name: "community", json: Some("community"), flags: O | T, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 9, name: "originator-id", json: Some("originator-id"), flags: O, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 10, name: "cluster-list", json: Some("cluster-list"), flags: O, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 14, name: "mp-reach-nlri", json: None, flags: O, action: ErrorAction::AfiSafiDisable },
    AttrInfo { code: 15, name: "mp-unreach-nlri", json: None, flags: O, action: ErrorAction::AfiSafiDisable },
    AttrInfo { code: 16, name: "extended-community", json: Some("extended-community"), flags: O | T, action: ErrorAction::TreatAsWithdraw },
    // RFC 6793 §6: a malformed AS4_PATH/AS4_AGGREGATOR is discarded.
    AttrInfo { code: 17, name: "as4-path", json: None, flags: O | T, action: ErrorAction::Discard },
    AttrInfo { code: 18, name: "as4-aggregator", json: Some("aggregator"), flags: O | T, action: ErrorAction::Discard },
    AttrInfo { code: 22, name: "pmsi-tunnel", json: Some("pmsi"), flags: O | T, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 25, name: "extended-community-ipv6", json: None, flags: O | T, action: ErrorAction::TreatAsWithdraw },
    AttrInfo { code: 26, name: "aigp", json: Some("aigp"), flags: O, action: ErrorAction::TreatAsWithdraw },
    // RFC 9552 §8.2.2: attribute discard.
    AttrInfo { code: 29, name: "bgp-ls", json: Some("bgp-ls"), flags: O, action: ErrorAction::Discard },
    // RFC 8092 §6.
    AttrInfo { code: 32, name: "large-community", json: Some("large-community"), flags: O | T, action: ErrorAction::TreatAsWithdraw },
    // RFC 8669 §6.
    AttrInfo { code: 40, name: "bgp-prefix-sid", json: Some("bgp-prefix-sid"), flags: O | T, action: ErrorAction::TreatAsWithdraw },
];

/// The description of `code`, `None` for codes we do not interpret.
pub fn info(code: u8) -> Option<&'static AttrInfo> {
    TABLE.iter().find(|i| i.code == code)
}

/// ExaBGP's name for an attribute code, `unknown-attribute-0x..` otherwise.
pub fn name(code: u8) -> String {
    match info(code) {
        Some(i) => i.name.to_string(),
        None => format!("unknown-attribute-{code:#x}"),
    }
}

/// One decoded path attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Attribute {
    Origin(Origin),
    AsPath(AsPath),
    /// NEXT_HOP; ExaBGP also keeps an IPv6 address here for routes whose
    /// next-hop travels in MP_REACH_NLRI (it is then not sent).
    NextHop(IpAddr),
    Med(Med),
    LocalPreference(LocalPreference),
    AtomicAggregate,
    Aggregator(Aggregator),
    Communities(Communities),
    OriginatorId(OriginatorId),
    ClusterList(ClusterList),
    ExtendedCommunities(ExtendedCommunities),
    As4Path(AsPath),
    As4Aggregator(Aggregator),
    Pmsi(Pmsi),
    ExtendedCommunitiesIpv6(ExtendedCommunitiesIpv6),
    Aigp(Aigp),
    BgpLs(LinkState),
    LargeCommunities(LargeCommunities),
    PrefixSid(PrefixSid),
    /// Anything else, kept raw with its flags.
    Unknown(Generic),
}

impl Attribute {
    pub fn code(&self) -> u8 {
        match self {
            Attribute::Origin(_) => attr_code::ORIGIN,
            Attribute::AsPath(_) => attr_code::AS_PATH,
            Attribute::NextHop(_) => attr_code::NEXT_HOP,
            Attribute::Med(_) => attr_code::MED,
            Attribute::LocalPreference(_) => attr_code::LOCAL_PREF,
            Attribute::AtomicAggregate => attr_code::ATOMIC_AGGREGATE,
            Attribute::Aggregator(_) => attr_code::AGGREGATOR,
            Attribute::Communities(_) => attr_code::COMMUNITY,
            Attribute::OriginatorId(_) => attr_code::ORIGINATOR_ID,
            Attribute::ClusterList(_) => attr_code::CLUSTER_LIST,
            Attribute::ExtendedCommunities(_) => attr_code::EXTENDED_COMMUNITY,
            Attribute::As4Path(_) => attr_code::AS4_PATH,
            Attribute::As4Aggregator(_) => attr_code::AS4_AGGREGATOR,
            Attribute::Pmsi(_) => attr_code::PMSI_TUNNEL,
            Attribute::ExtendedCommunitiesIpv6(_) => attr_code::IPV6_EXTENDED_COMMUNITY,
            Attribute::Aigp(_) => attr_code::AIGP,
            Attribute::BgpLs(_) => attr_code::BGP_LS,
            Attribute::LargeCommunities(_) => attr_code::LARGE_COMMUNITY,
            Attribute::PrefixSid(_) => attr_code::BGP_PREFIX_SID,
            Attribute::Unknown(g) => g.code,
        }
    }

    /// The flags this attribute is sent with (Extended Length excepted).
    pub fn flags(&self) -> u8 {
        match self {
            Attribute::Unknown(g) => g.flags,
            a => info(a.code()).map_or(O | T, |i| i.flags),
        }
    }

    /// Write flags, code, length and value. AS_PATH and AGGREGATOR sent to a
    /// two-octet peer are followed by AS4_PATH / AS4_AGGREGATOR when a
    /// four-octet ASN had to be replaced (RFC 6793 §4.2.2).
    pub fn pack(&self, neg: &Negotiated, out: &mut BytesMut) {
        let flags = self.flags();
        let code = self.code();
        match self {
            Attribute::Origin(o) => put_attribute(out, flags, code, |b| o.pack(b)),
            Attribute::AsPath(p) => {
                put_attribute(out, flags, code, |b| {
                    p.pack_segments(neg.asn4, b);
                });
                if !neg.asn4 && p.needs_as4() {
                    put_attribute(out, O | T, attr_code::AS4_PATH, |b| {
                        p.pack_segments(true, b);
                    });
                }
            }
            Attribute::NextHop(ip) => put_attribute(out, flags, code, |b| nexthop::pack_attribute(ip, b)),
            Attribute::Med(m) => put_attribute(out, flags, code, |b| m.pack(b)),
            Attribute::LocalPreference(l) => put_attribute(out, flags, code, |b| l.pack(b)),
            Attribute::AtomicAggregate => put_attribute(out, flags, code, |_| {}),
            Attribute::Aggregator(a) => {
                put_attribute(out, flags, code, |b| a.pack(neg.asn4, b));
                if !neg.asn4 && a.asn > 0xffff {
                    put_attribute(out, O | T, attr_code::AS4_AGGREGATOR, |b| a.pack(true, b));
                }
            }
            Attribute::Communities(c) => put_attribute(out, flags, code, |b| c.pack(b)),
            Attribute::OriginatorId(o) => put_attribute(out, flags, code, |b| o.pack(b)),
            Attribute::ClusterList(c) => put_attribute(out, flags, code, |b| c.pack(b)),
            Attribute::ExtendedCommunities(c) => put_attribute(out, flags, code, |b| c.pack(b)),
            Attribute::As4Path(p) => put_attribute(out, flags, code, |b| {
                p.pack_segments(true, b);
            }),
            Attribute::As4Aggregator(a) => put_attribute(out, flags, code, |b| a.pack(true, b)),
            Attribute::Pmsi(p) => put_attribute(out, flags, code, |b| p.pack(b)),
            Attribute::ExtendedCommunitiesIpv6(c) => put_attribute(out, flags, code, |b| c.pack(b)),
            Attribute::Aigp(a) => put_attribute(out, flags, code, |b| a.pack(b)),
            Attribute::BgpLs(l) => put_attribute(out, flags, code, |b| l.pack(b)),
            Attribute::LargeCommunities(l) => put_attribute(out, flags, code, |b| l.pack(b)),
            Attribute::PrefixSid(p) => put_attribute(out, flags, code, |b| p.pack(b)),
            Attribute::Unknown(g) => put_attribute(out, flags, code, |b| b.put_slice(&g.data)),
        }
    }

    /// Decode the value of a known attribute `code`.
    fn unpack(code: u8, data: &[u8], neg: &Negotiated) -> Result<Attribute, Notify> {
        Ok(match code {
            attr_code::ORIGIN => Attribute::Origin(Origin::unpack(data)?),
            attr_code::AS_PATH => Attribute::AsPath(AsPath::unpack(data, neg.asn4)?),
            attr_code::NEXT_HOP => Attribute::NextHop(nexthop::unpack_attribute(data)?),
            attr_code::MED => Attribute::Med(Med::unpack(data)?),
            attr_code::LOCAL_PREF => Attribute::LocalPreference(LocalPreference::unpack(data)?),
            attr_code::ATOMIC_AGGREGATE => {
                atomicaggregate::AtomicAggregate::unpack(data)?;
                Attribute::AtomicAggregate
            }
            attr_code::AGGREGATOR => Attribute::Aggregator(Aggregator::unpack(data, neg.asn4)?),
            attr_code::COMMUNITY => Attribute::Communities(Communities::unpack(data)?),
            attr_code::ORIGINATOR_ID => Attribute::OriginatorId(OriginatorId::unpack(data)?),
            attr_code::CLUSTER_LIST => Attribute::ClusterList(ClusterList::unpack(data)?),
            attr_code::EXTENDED_COMMUNITY => Attribute::ExtendedCommunities(ExtendedCommunities::unpack(data)?),
            attr_code::AS4_PATH => Attribute::As4Path(AsPath::unpack(data, true)?),
            attr_code::AS4_AGGREGATOR => Attribute::As4Aggregator(Aggregator::unpack(data, true)?),
            attr_code::PMSI_TUNNEL => Attribute::Pmsi(Pmsi::unpack(data)?),
            attr_code::IPV6_EXTENDED_COMMUNITY => {
                Attribute::ExtendedCommunitiesIpv6(ExtendedCommunitiesIpv6::unpack(data)?)
            }
            attr_code::AIGP => Attribute::Aigp(Aigp::unpack(data)?),
            attr_code::BGP_LS => Attribute::BgpLs(LinkState::unpack(data)?),
            attr_code::LARGE_COMMUNITY => Attribute::LargeCommunities(LargeCommunities::unpack(data)?),
            attr_code::BGP_PREFIX_SID => Attribute::PrefixSid(PrefixSid::unpack(data)?),
            _ => return Err(Notify::update(subcode::UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE)),
        })
    }

    /// The JSON member (`"name": value`), `None` where ExaBGP prints nothing
    /// (NEXT_HOP, which goes with the NLRI, and an empty AS_PATH, which it
    /// does not keep).
    pub fn json(&self, out: &mut String) -> bool {
        let code = self.code();
        let key = |out: &mut String, k: &str| {
            out.push('"');
            out.push_str(k);
            out.push_str("\": ");
        };
        match self {
            Attribute::NextHop(_) => return false,
            Attribute::AsPath(p) if p.segments.is_empty() => return false,
            Attribute::Origin(o) => push_fmt(out, format_args!("\"origin\": \"{o}\"")),
            Attribute::AsPath(p) => {
                key(out, "as-path");
                p.json(out);
            }
            Attribute::Med(m) => push_fmt(out, format_args!("\"med\": {}", m.0)),
            Attribute::LocalPreference(l) => push_fmt(out, format_args!("\"local-preference\": {}", l.0)),
            Attribute::AtomicAggregate => out.push_str("\"atomic-aggregate\": true"),
            Attribute::Aggregator(a) | Attribute::As4Aggregator(a) => {
                push_fmt(out, format_args!("\"aggregator\": \"{a}\""))
            }
            Attribute::Communities(c) => {
                key(out, "community");
                c.json(out);
            }
            Attribute::OriginatorId(o) => push_fmt(out, format_args!("\"originator-id\": \"{}\"", o.0)),
            Attribute::ClusterList(c) => {
                key(out, "cluster-list");
                c.json(out);
            }
            Attribute::ExtendedCommunities(c) => {
                key(out, "extended-community");
                c.json(out);
            }
            Attribute::Pmsi(p) => push_fmt(out, format_args!("\"pmsi\": \"{p}\"")),
            // ExaBGP writes its text form unquoted, `0x0000000000000064`: not
            // valid JSON, but what its consumers get (api.md §5.9 family).
            Attribute::Aigp(a) => push_fmt(out, format_args!("\"aigp\": \"{a}\"")),
            Attribute::BgpLs(l) => {
                key(out, "bgp-ls");
                l.json(out);
            }
            Attribute::LargeCommunities(l) => {
                key(out, "large-community");
                l.json(out);
            }
            Attribute::PrefixSid(p) => {
                key(out, "bgp-prefix-sid");
                p.json(out);
            }
            // No JSON representation in ExaBGP: the generic form with its text.
            Attribute::As4Path(_) | Attribute::ExtendedCommunitiesIpv6(_) | Attribute::Unknown(_) => {
                push_fmt(out, format_args!("\"attribute-0x{code:02X}-0x{:02X}\": \"", self.flags()));
                push_fmt(out, format_args!("{}", TextValue(self)));
                out.push('"');
            }
        }
        true
    }

    /// The text form (` name value`, leading space), as ExaBGP's
    /// `Attributes.__repr__` writes it.
    pub fn text(&self, out: &mut String) {
        let code = self.code();
        match self {
            Attribute::NextHop(_) => {}
            Attribute::AsPath(p) if p.segments.is_empty() => {}
            Attribute::AtomicAggregate => out.push_str(" atomic-aggregate"),
            Attribute::Aggregator(a) | Attribute::As4Aggregator(a) => {
                push_fmt(out, format_args!(" aggregator ( {a} )"))
            }
            Attribute::As4Path(_) | Attribute::ExtendedCommunitiesIpv6(_) | Attribute::Unknown(_) => {
                push_fmt(out, format_args!(" attribute [ 0x{code:02X} 0x{:02X} {} ]", self.flags(), TextValue(self)))
            }
            _ => {
                let n = match self {
                    Attribute::Pmsi(_) => "pmsi",
                    _ => info(code).map_or("", |i| i.name),
                };
                push_fmt(out, format_args!(" {n} {}", TextValue(self)))
            }
        }
    }
}

/// The value part of the text form.
struct TextValue<'a>(&'a Attribute);

impl fmt::Display for TextValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Attribute::Origin(o) => write!(f, "{o}"),
            Attribute::AsPath(p) | Attribute::As4Path(p) => write!(f, "{p}"),
            Attribute::NextHop(ip) => write!(f, "{ip}"),
            Attribute::Med(m) => write!(f, "{}", m.0),
            Attribute::LocalPreference(l) => write!(f, "{}", l.0),
            Attribute::AtomicAggregate => Ok(()),
            Attribute::Aggregator(a) | Attribute::As4Aggregator(a) => write!(f, "{a}"),
            Attribute::Communities(c) => write!(f, "{c}"),
            Attribute::OriginatorId(o) => write!(f, "{}", o.0),
            Attribute::ClusterList(c) => write!(f, "{c}"),
            Attribute::ExtendedCommunities(c) => write!(f, "{c}"),
            Attribute::Pmsi(p) => write!(f, "{p}"),
            Attribute::ExtendedCommunitiesIpv6(c) => write!(f, "{c}"),
            Attribute::Aigp(a) => write!(f, "{a}"),
            Attribute::BgpLs(l) => write!(f, "{l}"),
            Attribute::LargeCommunities(l) => write!(f, "{l}"),
            Attribute::PrefixSid(p) => write!(f, "{p}"),
            Attribute::Unknown(g) => write!(f, "{g}"),
        }
    }
}

/// The attributes of an UPDATE or of a route, at most one per code, kept in
/// code order. MP_REACH_NLRI / MP_UNREACH_NLRI are not attributes here: they
/// belong to the UPDATE. Routes with the same attributes should share one
/// value (`Rc<Attributes>`); `Hash + Eq` allow interning.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Attributes {
    list: Vec<Attribute>,
}

/// How routes share one attribute set (single-threaded daemon).
pub type SharedAttributes = std::rc::Rc<Attributes>;

/// The outcome of decoding the path attributes of an UPDATE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub attributes: Attributes,
    pub mp_reach: Option<MpReach>,
    pub mp_unreach: Option<MpUnreach>,
    /// Errors handled without resetting the session (RFC 7606).
    pub errors: Vec<AttrError>,
}

impl Parsed {
    /// The harshest action over the errors, `None` when there were none.
    pub fn action(&self) -> Option<ErrorAction> {
        self.errors.iter().map(|e| e.action).max()
    }
}

impl Attributes {
    pub fn new() -> Attributes {
        Attributes { list: Vec::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Attribute> {
        self.list.iter()
    }

    pub fn get(&self, code: u8) -> Option<&Attribute> {
        self.list.binary_search_by_key(&code, |a| a.code()).ok().and_then(|i| self.list.get(i))
    }

    pub fn has(&self, code: u8) -> bool {
        self.get(code).is_some()
    }

    /// Add `attr`, replacing any attribute with the same code.
    pub fn insert(&mut self, attr: Attribute) {
        match self.list.binary_search_by_key(&attr.code(), |a| a.code()) {
            Ok(i) => self.list[i] = attr,
            Err(i) => self.list.insert(i, attr),
        }
    }

    pub fn remove(&mut self, code: u8) -> Option<Attribute> {
        let i = self.list.binary_search_by_key(&code, |a| a.code()).ok()?;
        Some(self.list.remove(i))
    }

    pub fn origin(&self) -> Option<Origin> {
        match self.get(attr_code::ORIGIN) {
            Some(Attribute::Origin(o)) => Some(*o),
            _ => None,
        }
    }

    pub fn as_path(&self) -> Option<&AsPath> {
        match self.get(attr_code::AS_PATH) {
            Some(Attribute::AsPath(p)) => Some(p),
            _ => None,
        }
    }

    pub fn next_hop(&self) -> Option<IpAddr> {
        match self.get(attr_code::NEXT_HOP) {
            Some(Attribute::NextHop(ip)) => Some(*ip),
            _ => None,
        }
    }

    pub fn med(&self) -> Option<u32> {
        match self.get(attr_code::MED) {
            Some(Attribute::Med(m)) => Some(m.0),
            _ => None,
        }
    }

    pub fn local_preference(&self) -> Option<u32> {
        match self.get(attr_code::LOCAL_PREF) {
            Some(Attribute::LocalPreference(l)) => Some(l.0),
            _ => None,
        }
    }

    /// Encode every attribute in code order, as ExaBGP's `pack_attribute`:
    /// with `with_defaults`, a missing ORIGIN (IGP), AS_PATH (empty on iBGP,
    /// our AS on eBGP) and, on iBGP, LOCAL_PREF (100) are added; NEXT_HOP is
    /// only sent when it is IPv4, LOCAL_PREF only on iBGP, AIGP only when
    /// negotiated or on iBGP (RFC 7311 §3).
    pub fn pack(&self, neg: &Negotiated, with_defaults: bool, out: &mut BytesMut) {
        let ibgp = neg.local_as == neg.peer_as;
        let mut defaults: [Option<Attribute>; 3] = [None, None, None];
        if with_defaults {
            if !self.has(attr_code::ORIGIN) {
                defaults[0] = Some(Attribute::Origin(Origin::IGP));
            }
            if !self.has(attr_code::AS_PATH) {
                let path = if ibgp { AsPath::default() } else { AsPath::sequence(vec![neg.local_as]) };
                defaults[1] = Some(Attribute::AsPath(path));
            }
            if ibgp && !self.has(attr_code::LOCAL_PREF) {
                defaults[2] = Some(Attribute::LocalPreference(LocalPreference(100)));
            }
        }
        let mut pending = defaults.iter().flatten().peekable();
        for attr in &self.list {
            let code = attr.code();
            while let Some(d) = pending.next_if(|d| d.code() < code) {
                d.pack(neg, out);
            }
            let skip = match attr {
                Attribute::NextHop(ip) => !ip.is_ipv4(),
                Attribute::LocalPreference(_) => !ibgp,
                Attribute::Aigp(_) => !(neg.aigp || ibgp),
                _ => false,
            };
            if !skip {
                attr.pack(neg, out);
            }
        }
        for d in pending {
            d.pack(neg, out);
        }
    }

    /// Encode every attribute as it is, in code order, with no default added
    /// and none skipped: a decoded set re-encodes to the same bytes.
    pub fn pack_verbatim(&self, neg: &Negotiated, out: &mut BytesMut) {
        for attr in &self.list {
            attr.pack(neg, out);
        }
    }

    /// Decode the path attribute field of an UPDATE (RFC 4271 §4.3) with
    /// RFC 7606 error handling. `Err` is a session reset, with the
    /// NOTIFICATION to send; every other error is in `Parsed::errors`.
    pub fn unpack(data: &[u8], neg: &Negotiated) -> Result<Parsed, Notify> {
        let mut parsed = Parsed { attributes: Attributes::new(), mp_reach: None, mp_unreach: None, errors: Vec::new() };
        let mut seen = [false; 256];
        let mut rest = data;
        while !rest.is_empty() {
            // RFC 7606 §4: a header or value overrunning the attribute field
            // is treat-as-withdraw.
            let (flags, code, len, hdr) = match rest {
                [f, c, h, l, ..] if f & flag::EXTENDED_LENGTH != 0 => {
                    (*f, *c, u16::from_be_bytes([*h, *l]) as usize, 4)
                }
                [f, c, l, ..] if f & flag::EXTENDED_LENGTH == 0 => (*f, *c, *l as usize, 3),
                _ => {
                    parsed.errors.push(list_error(rest));
                    break;
                }
            };
            if rest.len() < hdr + len {
                parsed.errors.push(list_error(rest));
                break;
            }
            let whole = &rest[..hdr + len];
            let value = &rest[hdr..hdr + len];
            rest = &rest[hdr + len..];

            if seen[code as usize] {
                // RFC 7606 §3.g: a repeated MP attribute resets the session;
                // other repeats are discarded.
                if code == attr_code::MP_REACH_NLRI || code == attr_code::MP_UNREACH_NLRI {
                    return Err(Notify::update(subcode::MALFORMED_ATTRIBUTE_LIST));
                }
                parsed.errors.push(AttrError {
                    action: ErrorAction::Discard,
                    code,
                    notify: Notify::update(subcode::MALFORMED_ATTRIBUTE_LIST),
                    family: None,
                });
                continue;
            }
            seen[code as usize] = true;

            let Some(inf) = info(code) else {
                // RFC 4271 §6.3 would reset the session for an unknown
                // well-known attribute; ExaBGP keeps any unknown transitive
                // attribute (and sends such ones from its configuration).
                if flags & flag::TRANSITIVE != 0 {
                    // RFC 4271 §5: passed on, marked Partial.
                    parsed.attributes.insert(Attribute::Unknown(Generic {
                        code,
                        flags: flags | flag::PARTIAL,
                        data: value.to_vec(),
                    }));
                }
                // Unknown optional non-transitive: quietly ignored (§5).
                continue;
            };

            match Attributes::unpack_one(inf, flags, whole, value, neg, &mut parsed) {
                Ok(()) => {}
                Err(e) if e.action == ErrorAction::SessionReset => return Err(e.notify),
                Err(e) => parsed.errors.push(e),
            }
        }
        parsed.attributes.merge_as4(neg);
        Ok(parsed)
    }

    fn unpack_one(
        inf: &AttrInfo,
        flags: u8,
        whole: &[u8],
        value: &[u8],
        neg: &Negotiated,
        parsed: &mut Parsed,
    ) -> Result<(), AttrError> {
        let code = inf.code;
        let is_mp = code == attr_code::MP_REACH_NLRI || code == attr_code::MP_UNREACH_NLRI;
        let mp_family = || match value {
            [a, b, s, ..] => Some(Family::new(crate::bgp::iana::Afi(u16::from_be_bytes([*a, *b])), crate::bgp::iana::Safi(*s))),
            _ => None,
        };
        let fail = |notify: Notify| {
            // RFC 7606 §5.3: an MP attribute whose family cannot be read resets.
            let family = if is_mp { mp_family() } else { None };
            let action = if is_mp && family.is_none() { ErrorAction::SessionReset } else { inf.action };
            AttrError { action, code, notify, family }
        };

        // RFC 7606 §3.c: only the Optional and Transitive bits are checked
        // against the definition (ExaBGP also ignores Partial).
        if flags & (O | T) != inf.flags & (O | T) {
            return Err(fail(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_FLAGS_ERROR, whole)));
        }
        // RFC 7606 §3.d is per attribute; AS_PATH and ATOMIC_AGGREGATE may be empty.
        if value.is_empty() && code != attr_code::AS_PATH && code != attr_code::ATOMIC_AGGREGATE {
            return Err(fail(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, whole)));
        }
        match code {
            attr_code::MP_REACH_NLRI => {
                parsed.mp_reach = Some(MpReach::unpack(value, neg).map_err(fail)?);
            }
            attr_code::MP_UNREACH_NLRI => {
                parsed.mp_unreach = Some(MpUnreach::unpack(value, neg).map_err(fail)?);
            }
            // RFC 6793 §4.1: a NEW speaker ignores AS4_* from a NEW speaker.
            attr_code::AS4_PATH | attr_code::AS4_AGGREGATOR if neg.asn4 => {}
            // ExaBGP only keeps AIGP where it was negotiated (RFC 7311 §3).
            attr_code::AIGP if !neg.aigp => {}
            _ => parsed.attributes.insert(Attribute::unpack(code, value, neg).map_err(fail)?),
        }
        Ok(())
    }

    /// RFC 6793 §4.2.3: rebuild AS_PATH and AGGREGATOR from AS4_PATH and
    /// AS4_AGGREGATOR received from a two-octet peer.
    fn merge_as4(&mut self, neg: &Negotiated) {
        if neg.asn4 {
            return;
        }
        let as4_aggregator = match self.remove(attr_code::AS4_AGGREGATOR) {
            Some(Attribute::As4Aggregator(a)) => Some(a),
            _ => None,
        };
        let as4_path = match self.remove(attr_code::AS4_PATH) {
            Some(Attribute::As4Path(p)) => Some(p),
            _ => None,
        };
        let mut use_as4_path = true;
        if let Some(a4) = as4_aggregator {
            match self.get(attr_code::AGGREGATOR) {
                // AGGREGATOR from a NEW speaker: take AS4_AGGREGATOR.
                Some(Attribute::Aggregator(a)) if a.asn == AS_TRANS => {
                    self.insert(Attribute::Aggregator(a4));
                }
                // Aggregated by an OLD speaker: AS4_* are stale, ignore both.
                Some(Attribute::Aggregator(_)) => use_as4_path = false,
                _ => {}
            }
        }
        if let (true, Some(p4)) = (use_as4_path, as4_path) {
            if let Some(p2) = self.as_path() {
                let merged = p2.merge_as4(&p4);
                self.insert(Attribute::AsPath(merged));
            }
        }
    }

    /// The JSON members, `"origin": "igp", "med": 10, ...` (no braces), as
    /// ExaBGP's `Attributes.json()`.
    pub fn json(&self, out: &mut String) {
        let mut first = true;
        for attr in &self.list {
            let mark = out.len();
            if !first {
                out.push_str(", ");
            }
            if attr.json(out) {
                first = false;
            } else {
                out.truncate(mark);
            }
        }
    }

    /// The text form, each attribute with a leading space
    /// (` origin igp as-path ( 1 2 ) med 10`).
    pub fn text(&self, out: &mut String) {
        for attr in &self.list {
            attr.text(out);
        }
    }
}

fn list_error(rest: &[u8]) -> AttrError {
    AttrError {
        action: ErrorAction::TreatAsWithdraw,
        code: rest.get(1).copied().unwrap_or(0),
        notify: Notify::update(subcode::MALFORMED_ATTRIBUTE_LIST),
        family: None,
    }
}

// ===== helpers shared by the attribute files =====

/// Write one attribute: flags, code, length and the value `f` writes. The
/// Extended Length bit is set when the value exceeds 255 octets (or when the
/// flags already ask for it); an optional attribute with an empty value is
/// not sent at all, as ExaBGP does.
pub fn put_attribute(out: &mut BytesMut, flags: u8, code: u8, f: impl FnOnce(&mut BytesMut)) {
    let start = out.len();
    out.put_u8(flags);
    out.put_u8(code);
    out.put_u8(0);
    let vstart = out.len();
    f(out);
    let len = out.len() - vstart;
    if flags & flag::OPTIONAL != 0 && len == 0 {
        out.truncate(start);
        return;
    }
    if len > 0xffff {
        // Cannot be encoded (RFC 4271 §4.3: two-octet length); never sent.
        log::error!(target: "parser", "attribute {code} is {len} octets long, it can not be sent");
        out.truncate(start);
        return;
    }
    if len > 255 || flags & flag::EXTENDED_LENGTH != 0 {
        out.put_u8(0);
        out.copy_within(vstart..vstart + len, vstart + 1);
        out[start] |= flag::EXTENDED_LENGTH;
        out[start + 2..start + 4].copy_from_slice(&(len as u16).to_be_bytes());
    } else {
        out[start + 2] = len as u8;
    }
}

/// A four-octet value (MED, LOCAL_PREF, ORIGINATOR_ID).
pub(crate) fn read_u32(data: &[u8]) -> Result<u32, Notify> {
    match data {
        [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data)),
    }
}

/// Append anything `Display` to a `String`.
pub(crate) fn push_fmt(out: &mut String, v: impl fmt::Display) {
    let _ = write!(out, "{v}");
}

/// Append a big-endian unsigned integer of any size in decimal.
pub(crate) fn push_decimal(out: &mut String, bytes: &[u8]) {
    let mut n: Vec<u8> = bytes.to_vec();
    let mut digits = Vec::new();
    while n.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in n.iter_mut() {
            let cur = (rem << 8) | *b as u32;
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        out.push('0');
    }
    for d in digits.iter().rev() {
        out.push(*d as char);
    }
}

/// Append a float the way Python's `repr` writes it: shortest round-trip
/// digits, positional between 1e-4 and 1e16 (always with a `.0`),
/// `1e+16` style outside.
pub(crate) fn push_py_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // `{:e}` gives the shortest round-trip digits: "1.25e8".
    let e = format!("{v:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..-point {
                out.push('0');
            }
            out.push_str(&digits);
        } else if point as usize >= digits.len() {
            out.push_str(&digits);
            for _ in 0..(point as usize - digits.len()) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point as usize]);
            out.push('.');
            out.push_str(&digits[point as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

#[cfg(test)]
mod tests;
