//! OPEN capabilities (RFC 5492) and their negotiation into `Negotiated`.
//!
//! ```text
//! Optional parameter (RFC 4271 §4.2)      Capability (RFC 5492 §4)
//! +--------------+----------------+       +------------------------------+
//! | Parm. Type   | Parm. Length   |       | Capability Code (1 octet)    |
//! +--------------+----------------+       | Capability Length (1 octet)  |
//! | Parameter Value (variable)    |       | Capability Value (variable)  |
//! +-------------------------------+       +------------------------------+
//! ```
//! With RFC 9072 extended optional parameters, the parameter length is two
//! octets and the block starts with 255, 255 and a two-octet length.
//!
//! `Capabilities` behaves like ExaBGP's dict: one entry per code in order of
//! first appearance; a repeated code is merged into the first (multiprotocol
//! families accumulate, graceful-restart and add-path families are updated…).
//! Encoding puts each capability value in its own optional parameter, like
//! ExaBGP (the test peer of the functional suite depends on it).

pub mod addpath;
pub mod asn4;
pub mod extended;
pub mod graceful;
pub mod hostname;
pub mod local;
pub mod mp;
pub mod ms;
pub mod negotiate;
pub mod nexthop;
pub mod operational;
pub mod refresh;
pub mod software;
pub mod unknown;

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::bgp::iana::cap_code;
use crate::bgp::notify::{code, Notify};

pub use addpath::AddPath;
pub use asn4::Asn4;
pub use extended::ExtendedMessage;
pub use graceful::Graceful;
pub use hostname::HostName;
pub use local::LocalCapabilities;
pub use mp::MultiProtocol;
pub use ms::MultiSession;
pub use negotiate::{family_mismatch, negotiate, Expect, Mismatch};
pub use nexthop::NextHop;
pub use operational::OperationalCapability;
pub use refresh::{EnhancedRouteRefresh, RouteRefresh};
pub use software::Software;
pub use unknown::UnknownCapability;

/// Optional parameter types (RFC 4271 §4.2, RFC 5492 §4).
pub const PARAM_AUTHENTICATION: u8 = 1;
pub const PARAM_CAPABILITIES: u8 = 2;
/// RFC 9072 §2: Non-Ext OP Len and Non-Ext OP Type both 255.
pub const PARAM_EXTENDED: u8 = 255;

/// ExaBGP at the reference commit leaves out every capability whose value is
/// empty (route-refresh, enhanced route-refresh, extended message,
/// operational, an unset hostname) when it encodes an OPEN, while still
/// counting them as announced when it negotiates. Kept for byte-identical
/// OPENs; flipping this sends them as RFC 2918/7313/8654 intend.
pub const SEND_EMPTY_VALUES: bool = false;

/// A capability of an OPEN message we failed to decode. ExaBGP only gets
/// there through a Python exception, which it turns into this NOTIFICATION.
pub(crate) fn undecodable() -> Notify {
    crate::bgp::message::undecodable(crate::bgp::iana::MessageType::OPEN.0)
}

/// ExaBGP's name of a capability code: the JSON key of a capability in an
/// OPEN we send, and the text of multisession's code list.
pub fn code_name(code: u8) -> String {
    let name = match code {
        0 => "reserved",
        cap_code::MULTIPROTOCOL => "multiprotocol",
        cap_code::ROUTE_REFRESH => "route-refresh",
        cap_code::OUTBOUND_ROUTE_FILTERING => "outbound-route-filtering",
        4 => "multiple-routes",
        cap_code::EXTENDED_NEXT_HOP => "nexthop",
        cap_code::EXTENDED_MESSAGE => "extended-message",
        cap_code::GRACEFUL_RESTART => "graceful-restart",
        cap_code::FOUR_BYTES_ASN => "asn4",
        cap_code::DYNAMIC_CAPABILITY => "dynamic-capability",
        cap_code::MULTISESSION => "multi-session",
        cap_code::ADD_PATH => "add-path",
        cap_code::ENHANCED_ROUTE_REFRESH => "enhanced-route-refresh",
        cap_code::OPERATIONAL => "operational",
        cap_code::ROUTE_REFRESH_CISCO => "cisco-route-refresh",
        // sic: ExaBGP's spelling.
        cap_code::MULTISESSION_CISCO => "cisco-multi-sesion",
        cap_code::HOSTNAME => "hostname",
        cap_code::SOFTWARE_VERSION => "software-version",
        other => return format!("unknown capability {other:#x}"),
    };
    name.to_owned()
}

/// One capability, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capability {
    MultiProtocol(MultiProtocol),
    RouteRefresh(RouteRefresh),
    EnhancedRouteRefresh(EnhancedRouteRefresh),
    NextHop(NextHop),
    ExtendedMessage(ExtendedMessage),
    Graceful(Graceful),
    Asn4(Asn4),
    MultiSession(MultiSession),
    AddPath(AddPath),
    HostName(HostName),
    Software(Software),
    Operational(OperationalCapability),
    Unknown(UnknownCapability),
}

impl Capability {
    pub fn code(&self) -> u8 {
        match self {
            Capability::MultiProtocol(_) => cap_code::MULTIPROTOCOL,
            Capability::RouteRefresh(r) => r.code(),
            Capability::EnhancedRouteRefresh(_) => cap_code::ENHANCED_ROUTE_REFRESH,
            Capability::NextHop(_) => cap_code::EXTENDED_NEXT_HOP,
            Capability::ExtendedMessage(_) => cap_code::EXTENDED_MESSAGE,
            Capability::Graceful(_) => cap_code::GRACEFUL_RESTART,
            Capability::Asn4(_) => cap_code::FOUR_BYTES_ASN,
            Capability::MultiSession(m) => m.code(),
            Capability::AddPath(_) => cap_code::ADD_PATH,
            Capability::HostName(_) => cap_code::HOSTNAME,
            Capability::Software(_) => cap_code::SOFTWARE_VERSION,
            Capability::Operational(_) => cap_code::OPERATIONAL,
            Capability::Unknown(u) => u.code,
        }
    }

    /// A fresh, empty capability for `code`, ready to merge a value into.
    fn empty(code: u8) -> Capability {
        match code {
            cap_code::MULTIPROTOCOL => Capability::MultiProtocol(MultiProtocol::default()),
            cap_code::ROUTE_REFRESH => Capability::RouteRefresh(RouteRefresh { cisco: false }),
            cap_code::ROUTE_REFRESH_CISCO => Capability::RouteRefresh(RouteRefresh { cisco: true }),
            cap_code::ENHANCED_ROUTE_REFRESH => Capability::EnhancedRouteRefresh(EnhancedRouteRefresh),
            cap_code::EXTENDED_NEXT_HOP => Capability::NextHop(NextHop::default()),
            cap_code::EXTENDED_MESSAGE => Capability::ExtendedMessage(ExtendedMessage),
            cap_code::GRACEFUL_RESTART => Capability::Graceful(Graceful::default()),
            cap_code::FOUR_BYTES_ASN => Capability::Asn4(Asn4(0)),
            cap_code::MULTISESSION => Capability::MultiSession(MultiSession { cisco: false, codes: Vec::new() }),
            cap_code::MULTISESSION_CISCO => Capability::MultiSession(MultiSession { cisco: true, codes: Vec::new() }),
            cap_code::ADD_PATH => Capability::AddPath(AddPath::default()),
            cap_code::HOSTNAME => Capability::HostName(HostName::default()),
            cap_code::SOFTWARE_VERSION => Capability::Software(Software { version: String::new() }),
            cap_code::OPERATIONAL => Capability::Operational(OperationalCapability),
            other => Capability::Unknown(UnknownCapability { code: other, data: Vec::new() }),
        }
    }

    /// Merge one received value into this capability, as ExaBGP does for a
    /// repeated code.
    fn merge(&mut self, data: &[u8]) -> Result<(), Notify> {
        match self {
            Capability::MultiProtocol(mp) => mp.merge(data),
            Capability::NextHop(n) => n.merge(data),
            Capability::Graceful(g) => g.merge(data),
            Capability::AddPath(a) => a.merge(data),
            Capability::Asn4(a) => {
                *a = Asn4::unpack(data)?;
                Ok(())
            }
            Capability::HostName(h) => {
                *h = HostName::unpack(data)?;
                Ok(())
            }
            Capability::Software(s) => {
                *s = Software::unpack(data)?;
                Ok(())
            }
            Capability::Unknown(u) => {
                u.data = data.to_vec();
                Ok(())
            }
            // Empty by definition; ExaBGP ignores whatever value came with
            // them, multisession's included.
            Capability::RouteRefresh(_)
            | Capability::EnhancedRouteRefresh(_)
            | Capability::ExtendedMessage(_)
            | Capability::MultiSession(_)
            | Capability::Operational(_) => Ok(()),
        }
    }

    /// The capability values, each sent as its own capability.
    pub fn values(&self) -> Vec<Vec<u8>> {
        match self {
            Capability::MultiProtocol(mp) => mp.values(),
            Capability::MultiSession(m) => m.values(),
            Capability::NextHop(n) => vec![n.value()],
            Capability::Graceful(g) => vec![g.value()],
            Capability::Asn4(a) => vec![a.value()],
            Capability::AddPath(a) => vec![a.value()],
            Capability::HostName(h) => vec![h.value()],
            Capability::Software(s) => vec![s.value()],
            Capability::Unknown(u) => vec![u.data.clone()],
            Capability::RouteRefresh(_)
            | Capability::EnhancedRouteRefresh(_)
            | Capability::ExtendedMessage(_)
            | Capability::Operational(_) => vec![Vec::new()],
        }
    }

    /// ExaBGP's JSON object for this capability.
    pub fn json(&self, out: &mut String) {
        match self {
            Capability::MultiProtocol(c) => c.json(out),
            Capability::RouteRefresh(c) => c.json(out),
            Capability::EnhancedRouteRefresh(c) => c.json(out),
            Capability::NextHop(c) => c.json(out),
            Capability::ExtendedMessage(c) => c.json(out),
            Capability::Graceful(c) => c.json(out),
            Capability::Asn4(c) => c.json(out),
            Capability::MultiSession(c) => c.json(out),
            Capability::AddPath(c) => c.json(out),
            Capability::HostName(c) => c.json(out),
            Capability::Software(c) => c.json(out),
            Capability::Operational(c) => c.json(out),
            Capability::Unknown(c) => c.json(out),
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::MultiProtocol(c) => c.fmt(f),
            Capability::RouteRefresh(c) => c.fmt(f),
            Capability::EnhancedRouteRefresh(c) => c.fmt(f),
            Capability::NextHop(c) => c.fmt(f),
            Capability::ExtendedMessage(c) => c.fmt(f),
            Capability::Graceful(c) => c.fmt(f),
            Capability::Asn4(c) => c.fmt(f),
            Capability::MultiSession(c) => c.fmt(f),
            Capability::AddPath(c) => c.fmt(f),
            Capability::HostName(c) => c.fmt(f),
            Capability::Software(c) => c.fmt(f),
            Capability::Operational(c) => c.fmt(f),
            Capability::Unknown(c) => c.fmt(f),
        }
    }
}

/// How the JSON keys of an OPEN's capabilities are written: ExaBGP uses names
/// for an OPEN it sends and decimal codes for one it receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStyle {
    Names,
    Codes,
}

/// The capabilities of one OPEN, one entry per code, in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    caps: Vec<Capability>,
}

impl Capabilities {
    pub fn new() -> Capabilities {
        Capabilities::default()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Capability> {
        self.caps.iter()
    }

    pub fn len(&self) -> usize {
        self.caps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.caps.is_empty()
    }

    pub fn get(&self, code: u8) -> Option<&Capability> {
        self.caps.iter().find(|c| c.code() == code)
    }

    /// Whether `code` is in this OPEN (for ours: configured, even if not on the wire).
    pub fn announced(&self, code: u8) -> bool {
        self.get(code).is_some()
    }

    /// Add a capability, replacing one with the same code in place.
    pub fn insert(&mut self, cap: Capability) {
        let code = cap.code();
        match self.caps.iter_mut().find(|c| c.code() == code) {
            Some(slot) => *slot = cap,
            None => self.caps.push(cap),
        }
    }

    pub fn multiprotocol(&self) -> Option<&MultiProtocol> {
        match self.get(cap_code::MULTIPROTOCOL) {
            Some(Capability::MultiProtocol(c)) => Some(c),
            _ => None,
        }
    }

    pub fn asn4(&self) -> Option<u32> {
        match self.get(cap_code::FOUR_BYTES_ASN) {
            Some(Capability::Asn4(c)) => Some(c.0),
            _ => None,
        }
    }

    pub fn addpath(&self) -> Option<&AddPath> {
        match self.get(cap_code::ADD_PATH) {
            Some(Capability::AddPath(c)) => Some(c),
            _ => None,
        }
    }

    pub fn nexthop(&self) -> Option<&NextHop> {
        match self.get(cap_code::EXTENDED_NEXT_HOP) {
            Some(Capability::NextHop(c)) => Some(c),
            _ => None,
        }
    }

    pub fn graceful(&self) -> Option<&Graceful> {
        match self.get(cap_code::GRACEFUL_RESTART) {
            Some(Capability::Graceful(c)) => Some(c),
            _ => None,
        }
    }

    pub fn multisession(&self, cisco: bool) -> Option<&MultiSession> {
        let code = if cisco { cap_code::MULTISESSION_CISCO } else { cap_code::MULTISESSION };
        match self.get(code) {
            Some(Capability::MultiSession(c)) => Some(c),
            _ => None,
        }
    }

    /// Merge one received capability (code and value) into the collection.
    pub fn merge(&mut self, code: u8, value: &[u8]) -> Result<(), Notify> {
        match self.caps.iter_mut().find(|c| c.code() == code) {
            Some(cap) => cap.merge(value),
            None => {
                let mut cap = Capability::empty(code);
                cap.merge(value)?;
                self.caps.push(cap);
                Ok(())
            }
        }
    }

    /// Decode the optional parameters of an OPEN: `data` starts at the
    /// "Opt Parm Len" octet (RFC 4271 §4.2, RFC 9072 §2).
    pub fn unpack(data: &[u8]) -> Result<Capabilities, Notify> {
        let mut caps = Capabilities::new();
        let (params, extended) = match *data {
            [] | [0] | [0, ..] => return Ok(caps),
            [PARAM_EXTENDED, PARAM_EXTENDED, ref rest @ ..] => {
                let (len, params) = match rest {
                    [a, b, params @ ..] => (u16::from_be_bytes([*a, *b]) as usize, params),
                    _ => return Err(undecodable()),
                };
                if len == 0 {
                    return Ok(caps);
                }
                // ExaBGP reads what is there when the length overruns the message.
                (&params[..len.min(params.len())], true)
            }
            [len, ref params @ ..] => (&params[..(len as usize).min(params.len())], false),
        };

        let mut rest = params;
        while !rest.is_empty() {
            let (kind, value, tail) = if extended { split_extended_param(rest)? } else { split_param(rest)? };
            rest = tail;
            match kind {
                // RFC 5492 §4 made it deprecated; ExaBGP refuses it.
                PARAM_AUTHENTICATION => return Err(Notify::open(5)),
                PARAM_CAPABILITIES => {
                    let mut value = value;
                    while !value.is_empty() {
                        let (code, cap, tail) = split_tlv("capability", value)?;
                        caps.merge(code, cap)?;
                        value = tail;
                    }
                }
                other => {
                    return Err(Notify::with_text(
                        code::OPEN_MESSAGE,
                        0,
                        &format!("Unknow OPEN parameter {other:#x}"),
                    ))
                }
            }
        }
        Ok(caps)
    }

    /// Every (code, value) pair as it goes on the wire, in order.
    fn wire_values(&self, send_empty: bool) -> Vec<(u8, Vec<u8>)> {
        let mut out = Vec::new();
        for cap in &self.caps {
            for value in cap.values() {
                if value.is_empty() && !send_empty {
                    continue;
                }
                // A capability value is at most 255 octets (RFC 5492 §4);
                // ours are far shorter, so this only guards hand-built ones.
                if value.len() > 255 {
                    continue;
                }
                out.push((cap.code(), value));
            }
        }
        out
    }

    /// Write "Opt Parm Len" and the optional parameters, each capability in its
    /// own parameter, switching to RFC 9072 extended parameters when the
    /// block reaches 255 octets.
    pub fn pack(&self, out: &mut BytesMut) {
        self.pack_with(out, SEND_EMPTY_VALUES)
    }

    /// As `pack`, choosing whether empty-valued capabilities are sent.
    pub fn pack_with(&self, out: &mut BytesMut, send_empty: bool) {
        let values = self.wire_values(send_empty);
        let short: usize = values.iter().map(|(_, v)| 4 + v.len()).sum();
        if short < 255 {
            out.put_u8(short as u8);
            for (code, v) in &values {
                out.put_u8(PARAM_CAPABILITIES);
                out.put_u8((v.len() + 2) as u8);
                out.put_u8(*code);
                out.put_u8(v.len() as u8);
                out.put_slice(v);
            }
            return;
        }
        let long: usize = values.iter().map(|(_, v)| 5 + v.len()).sum();
        out.put_u8(PARAM_EXTENDED);
        out.put_u8(PARAM_EXTENDED);
        out.put_u16(long.min(u16::MAX as usize) as u16);
        for (code, v) in &values {
            out.put_u8(PARAM_CAPABILITIES);
            out.put_u16((v.len() + 2) as u16);
            out.put_u8(*code);
            out.put_u8(v.len() as u8);
            out.put_slice(v);
        }
    }

    /// `{ "1": { … }, "65": { … } }` (or with names as keys).
    pub fn json(&self, out: &mut String, keys: KeyStyle) {
        out.push_str("{ ");
        for (i, cap) in self.caps.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('"');
            match keys {
                KeyStyle::Names => out.push_str(&code_name(cap.code())),
                KeyStyle::Codes => out.push_str(&cap.code().to_string()),
            }
            out.push_str("\": ");
            cap.json(out);
        }
        out.push_str(" }");
    }
}

/// ExaBGP's text: capabilities sorted by code, comma separated.
impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted: Vec<&Capability> = self.caps.iter().collect();
        sorted.sort_by_key(|c| c.code());
        for (i, cap) in sorted.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            cap.fmt(f)?;
        }
        Ok(())
    }
}

/// ExaBGP's lower-case hex of remaining bytes, used in its length errors.
fn hex_lower(data: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * data.len());
    s.push_str("0x");
    for b in data {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn bad_length(what: &str, detail: &str, data: &[u8]) -> Notify {
    Notify::with_text(code::OPEN_MESSAGE, 0, &format!("Bad length for OPEN {what} {detail} {}", hex_lower(data)))
}

/// A type/length/value with one-octet length (optional parameter or capability).
fn split_tlv<'a>(what: &str, data: &'a [u8]) -> Result<(u8, &'a [u8], &'a [u8]), Notify> {
    match data {
        [kind, len, rest @ ..] => {
            let len = *len as usize;
            if rest.len() < len {
                return Err(bad_length(what, "(buffer underrun)", data));
            }
            Ok((*kind, &rest[..len], &rest[len..]))
        }
        _ => Err(bad_length(what, "(<2)", data)),
    }
}

fn split_param(data: &[u8]) -> Result<(u8, &[u8], &[u8]), Notify> {
    split_tlv("parameter", data)
}

/// RFC 9072 §2: an optional parameter with a two-octet length.
fn split_extended_param(data: &[u8]) -> Result<(u8, &[u8], &[u8]), Notify> {
    match data {
        [kind, a, b, rest @ ..] => {
            let len = u16::from_be_bytes([*a, *b]) as usize;
            if rest.len() < len {
                return Err(bad_length("(extended) parameter", "(buffer underrun)", data));
            }
            Ok((*kind, &rest[..len], &rest[len..]))
        }
        _ => Err(bad_length("(extended) parameter", "(<3)", data)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::iana::Family;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn one_parameter_per_capability_round_trip() {
        // conf-hostname: MP ipv4/unicast, ASN4 65533, hostname.
        let data = hex("340206010400010001020641040000FFFD022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D");
        let caps = Capabilities::unpack(&data).unwrap();
        assert_eq!(caps.len(), 3);
        assert_eq!(caps.asn4(), Some(65533));
        let mut out = BytesMut::new();
        caps.pack(&mut out);
        assert_eq!(&out[..], &data[..]);
    }

    #[test]
    fn grouped_capabilities_decode_like_separate_ones() {
        // One parameter holding MP ipv4/unicast, MP ipv6/unicast and ASN4.
        let data = hex("14021201040001000101040002000141040000FFFD");
        let caps = Capabilities::unpack(&data).unwrap();
        assert_eq!(caps.multiprotocol().unwrap().families, vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]);
        let mut out = BytesMut::new();
        caps.pack(&mut out);
        let again = Capabilities::unpack(&out).unwrap();
        assert_eq!(again, caps);
    }

    #[test]
    fn extended_optional_parameters_rfc9072() {
        let mut caps = Capabilities::new();
        let mut mp = MultiProtocol::default();
        for safi in 0..70u8 {
            mp.families.push(Family::new(crate::bgp::iana::Afi::IPV4, crate::bgp::iana::Safi(safi)));
        }
        caps.insert(Capability::MultiProtocol(mp));
        let mut out = BytesMut::new();
        caps.pack(&mut out);
        assert_eq!(&out[..2], &[255, 255]);
        assert_eq!(u16::from_be_bytes([out[2], out[3]]) as usize, out.len() - 4);
        assert_eq!(&out[4..7], &[2, 0, 6]);
        let back = Capabilities::unpack(&out).unwrap();
        assert_eq!(back, caps);
    }

    #[test]
    fn empty_values_are_not_sent_but_still_announced() {
        let mut caps = Capabilities::new();
        caps.insert(Capability::RouteRefresh(RouteRefresh { cisco: false }));
        caps.insert(Capability::EnhancedRouteRefresh(EnhancedRouteRefresh));
        caps.insert(Capability::HostName(HostName::default()));
        let mut out = BytesMut::new();
        caps.pack(&mut out);
        assert_eq!(&out[..], &[0]);
        assert!(caps.announced(cap_code::ROUTE_REFRESH));
        out.clear();
        caps.pack_with(&mut out, true);
        assert_eq!(&out[..], &[12, 2, 2, 2, 0, 2, 2, 70, 0, 2, 2, 73, 0]);
        // An empty hostname value cannot be decoded (ExaBGP indexes its length octet).
        assert!(Capabilities::unpack(&out).is_err());
        let back = Capabilities::unpack(&[8, 2, 2, 2, 0, 2, 2, 70, 0]).unwrap();
        assert!(back.announced(cap_code::ENHANCED_ROUTE_REFRESH));
    }

    #[test]
    fn no_optional_parameters() {
        assert!(Capabilities::unpack(&[0]).unwrap().is_empty());
        assert!(Capabilities::unpack(&[]).unwrap().is_empty());
        assert!(Capabilities::unpack(&[255, 255, 0, 0]).unwrap().is_empty());
    }

    #[test]
    fn parameter_errors() {
        let e = Capabilities::unpack(&[1, 2]).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 0));
        assert_eq!(e.data, b"Bad length for OPEN parameter (<2) 0x02");
        let e = Capabilities::unpack(&[3, 2, 5, 1]).unwrap_err();
        assert_eq!(e.data, b"Bad length for OPEN parameter (buffer underrun) 0x020501");
        let e = Capabilities::unpack(&[3, 2, 1, 1]).unwrap_err();
        assert_eq!(e.data, b"Bad length for OPEN capability (<2) 0x01");
        let e = Capabilities::unpack(&[4, 2, 2, 1, 5]).unwrap_err();
        assert_eq!(e.data, b"Bad length for OPEN capability (buffer underrun) 0x0105");
        let e = Capabilities::unpack(&[2, 1, 0]).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 5));
        let e = Capabilities::unpack(&[2, 3, 0]).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 0));
        assert_eq!(e.data, b"Unknow OPEN parameter 0x3");
        let e = Capabilities::unpack(&[255, 255, 0, 2, 2, 0]).unwrap_err();
        assert_eq!(e.data, b"Bad length for OPEN (extended) parameter (<3) 0x0200");
        let e = Capabilities::unpack(&[255, 255, 0]).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 0));
        // A capability value we cannot decode: ExaBGP's catch-all.
        let e = Capabilities::unpack(&[4, 2, 2, 65, 0]).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 0));
        assert_eq!(e.data, b"can not decode update message of type \"1\"");
    }

    #[test]
    fn repeated_codes_merge_into_the_first_entry() {
        // MP v4, ASN4, MP v6: one multiprotocol entry, first.
        let data = hex("18020601040001000102064104000000010206010400020001");
        let caps = Capabilities::unpack(&data).unwrap();
        let codes: Vec<u8> = caps.iter().map(|c| c.code()).collect();
        assert_eq!(codes, vec![1, 65]);
        assert_eq!(caps.multiprotocol().unwrap().families.len(), 2);
    }

    #[test]
    fn unknown_capability_is_kept_raw() {
        // conf-unknowncap: capability 66 "loremipsum" in its own parameter.
        let mut data = vec![14, 2, 12, 66, 10];
        data.extend_from_slice(b"loremipsum");
        let caps = Capabilities::unpack(&data).unwrap();
        let mut s = String::new();
        caps.json(&mut s, KeyStyle::Codes);
        assert_eq!(s, r#"{ "66": { "name": "unknown", "iana": "unknown", "value": 66, "raw": "6C6F72656D697073756D" } }"#);
        let mut out = BytesMut::new();
        caps.pack(&mut out);
        assert_eq!(&out[..], &data[..]);
    }

    #[test]
    fn text_is_sorted_by_code() {
        let mut caps = Capabilities::new();
        caps.insert(Capability::Asn4(Asn4(65001)));
        caps.insert(Capability::MultiProtocol(MultiProtocol { families: vec![Family::IPV4_UNICAST] }));
        caps.insert(Capability::RouteRefresh(RouteRefresh { cisco: false }));
        assert_eq!(caps.to_string(), "Multiprotocol(ipv4 unicast), Route Refresh, ASN4(65001)");
        let mut s = String::new();
        caps.json(&mut s, KeyStyle::Names);
        assert_eq!(
            s,
            r#"{ "asn4": { "name": "asn4", "asn4": 65001 }, "multiprotocol": { "name": "multiprotocol", "families": [ "ipv4/unicast" ] }, "route-refresh": { "name": "route-refresh", "variant": "RFC" } }"#
        );
    }

    #[test]
    fn every_capability_decoder_survives_random_values() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let codes = [0u8, 1, 2, 3, 5, 6, 64, 65, 66, 68, 69, 70, 73, 75, 128, 131, 185, 200];
        for _ in 0..4000 {
            let code = codes[(next() % codes.len() as u64) as usize];
            let len = (next() % 14) as usize;
            let value: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let mut data = vec![(len + 4) as u8, 2, (len + 2) as u8, code, len as u8];
            data.extend_from_slice(&value);
            if let Ok(caps) = Capabilities::unpack(&data) {
                let mut out = BytesMut::new();
                caps.pack_with(&mut out, true);
                let mut s = String::new();
                caps.json(&mut s, KeyStyle::Codes);
                caps.json(&mut s, KeyStyle::Names);
                let _ = caps.to_string();
            }
        }
    }
}
