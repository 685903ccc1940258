//! Flow specification, ExaBGP's `flow` and `flow-vpn` (RFC 8955 for IPv4,
//! RFC 8956 for IPv6).
//!
//! ```text
//! +--------------------------------+
//! | length (0xnn or 0xfn nn)       |   1 octet below 240, else 2 (RFC 8955 §4.1)
//! +--------------------------------+
//! | [RD (8 octets), flow-vpn only] |   RFC 8955 §8
//! +--------------------------------+
//! | components, in increasing type |
//! +--------------------------------+
//! ```
//!
//! A prefix component is `type, length[, offset], prefix octets`; the others
//! are `type` then `operator, value` pairs up to the end-of-list bit.

use std::fmt::{self, Write};
use std::net::IpAddr;

use bytes::{BufMut, BytesMut};

use super::cidr::Prefix;
use super::qualifier::RouteDistinguisher;
use super::util::{be_number, invalid_network, push, take, take_u8, Ip};
use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::notify::{code, Notify};

/// Operator bits (RFC 8955 §4.2.1.1 and §4.2.1.2).
pub mod op {
    pub const END_OF_LIST: u8 = 0x80;
    pub const AND: u8 = 0x40;
    pub const LEN_MASK: u8 = 0x30;
    // numeric
    pub const LT: u8 = 0x04;
    pub const GT: u8 = 0x02;
    pub const EQ: u8 = 0x01;
    // bitmask
    pub const NOT: u8 = 0x02;
    pub const MATCH: u8 = 0x01;
}

/// Component type codes (RFC 8955 §4.2.2, RFC 8956 §3).
pub mod component {
    pub const DESTINATION: u8 = 1;
    pub const SOURCE: u8 = 2;
    pub const PROTOCOL: u8 = 3; // next-header for IPv6
    pub const PORT: u8 = 4;
    pub const DESTINATION_PORT: u8 = 5;
    pub const SOURCE_PORT: u8 = 6;
    pub const ICMP_TYPE: u8 = 7;
    pub const ICMP_CODE: u8 = 8;
    pub const TCP_FLAGS: u8 = 9;
    pub const PACKET_LENGTH: u8 = 10;
    pub const DSCP: u8 = 11; // traffic-class for IPv6
    pub const FRAGMENT: u8 = 12;
    pub const FLOW_LABEL: u8 = 13; // IPv6 only
}

/// How a component's values are encoded and shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Prefix,
    Numeric,
    Bitmask,
}

/// ExaBGP's name for a component, and its kind; `None` when the type is
/// not defined for the AFI.
fn describe(v6: bool, code: u8) -> Option<(&'static str, Kind)> {
    use component::*;
    Some(match (code, v6) {
        (DESTINATION, false) => ("destination-ipv4", Kind::Prefix),
        (SOURCE, false) => ("source-ipv4", Kind::Prefix),
        (DESTINATION, true) => ("destination-ipv6", Kind::Prefix),
        (SOURCE, true) => ("source-ipv6", Kind::Prefix),
        (PROTOCOL, false) => ("protocol", Kind::Numeric),
        (PROTOCOL, true) => ("next-header", Kind::Numeric),
        (PORT, _) => ("port", Kind::Numeric),
        (DESTINATION_PORT, _) => ("destination-port", Kind::Numeric),
        (SOURCE_PORT, _) => ("source-port", Kind::Numeric),
        (ICMP_TYPE, _) => ("icmp-type", Kind::Numeric),
        (ICMP_CODE, _) => ("icmp-code", Kind::Numeric),
        (TCP_FLAGS, _) => ("tcp-flags", Kind::Bitmask),
        (PACKET_LENGTH, _) => ("packet-length", Kind::Numeric),
        (DSCP, false) => ("dscp", Kind::Numeric),
        (DSCP, true) => ("traffic-class", Kind::Numeric),
        (FRAGMENT, _) => ("fragment", Kind::Bitmask),
        (FLOW_LABEL, true) => ("flow-label", Kind::Numeric),
        _ => return None,
    })
}

/// Largest value length ExaBGP chooses for a component when it encodes
/// (protocol, ICMP, DSCP: 1 octet; ports, length, flags: 2; flow label: 4).
fn max_value_len(code: u8) -> usize {
    use component::*;
    match code {
        PORT | DESTINATION_PORT | SOURCE_PORT | TCP_FLAGS | PACKET_LENGTH | FRAGMENT => 2,
        FLOW_LABEL => 4,
        _ => 1,
    }
}

/// One element of a component.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlowItem {
    /// A destination or source prefix; IPv6 ones carry an offset (RFC 8956 §3.1).
    Prefix { prefix: Prefix, offset: Option<u8> },
    /// An operator octet (without the end-of-list bit, which `pack` sets)
    /// and its value; the operator's length bits give the value's size.
    Op { op: u8, value: u64 },
}

impl FlowItem {
    /// An operator/value pair for component `code`, with the value length
    /// ExaBGP would pick (1, 2 or 4 octets, the smallest that fits within
    /// the component's maximum). `op` holds the AND and comparison bits.
    pub fn op(code: u8, op_bits: u8, value: u64) -> FlowItem {
        let max = max_value_len(code);
        let len = if value < 1 << 8 || max == 1 {
            1
        } else if value < 1 << 16 || max == 2 {
            2
        } else {
            4
        };
        let len_bits = match len {
            1 => 0x00,
            2 => 0x10,
            _ => 0x20,
        };
        FlowItem::Op { op: (op_bits & !(op::END_OF_LIST | op::LEN_MASK)) | len_bits, value }
    }

    fn and(&self) -> bool {
        matches!(self, FlowItem::Op { op, .. } if op & op::AND != 0)
    }
}

/// A component: its type and its elements, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FlowComponent {
    pub code: u8,
    pub items: Vec<FlowItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    /// ipv4/ipv6 flow or flow-vpn.
    pub family: Family,
    /// Present for flow-vpn.
    pub rd: Option<RouteDistinguisher>,
    /// In increasing type order (RFC 8955 §4.2).
    pub components: Vec<FlowComponent>,
}

/// RFC 8955 §4.1: lengths from 240 need the 2-octet form, which holds 12 bits.
pub const MAX_LENGTH: usize = 0x0FFF;

impl Flow {
    pub fn new(family: Family) -> Flow {
        let rd = if family.safi == Safi::FLOW_VPN { Some(RouteDistinguisher::default()) } else { None };
        Flow { family, rd, components: Vec::new() }
    }

    fn v6(&self) -> bool {
        self.family.afi == Afi::IPV6
    }

    /// Add an element to component `code`, keeping components ordered.
    /// Returns false when the type is not defined for the family.
    pub fn add(&mut self, code: u8, item: FlowItem) -> bool {
        if describe(self.v6(), code).is_none() {
            return false;
        }
        match self.components.binary_search_by_key(&code, |c| c.code) {
            Ok(i) => self.components[i].items.push(item),
            Err(i) => self.components.insert(i, FlowComponent { code, items: vec![item] }),
        }
        true
    }

    pub fn unpack(family: Family, buf: &mut &[u8]) -> Result<Flow, Notify> {
        let first = take_u8(buf, "missing flow length")?;
        let len = if first & 0xF0 == 0xF0 {
            // RFC 8955 §4.1 (ExaBGP shifts by 16 here, which only works below 256).
            (usize::from(first & 0x0F) << 8) | usize::from(take_u8(buf, "missing flow length")?)
        } else {
            usize::from(first)
        };
        let mut body = take(buf, len, "invalid length at the start of the the flow")?;
        let mut flow = Flow::new(family);
        if family.safi == Safi::FLOW_VPN {
            flow.rd = Some(RouteDistinguisher::unpack(&mut body)?);
        }
        let v6 = family.afi == Afi::IPV6;
        while let Some(&code) = body.first() {
            body = &body[1..];
            let Some((_, kind)) = describe(v6, code) else {
                return Err(invalid_network("unknown flowspec component received for address family"));
            };
            // RFC 8955 §4.2: components must come in increasing type order
            // (ExaBGP accepts a repeated type and merges it).
            if flow.components.last().is_some_and(|c| c.code > code) {
                return Err(invalid_network("components are not sent in the right order"));
            }
            if flow.components.last().is_none_or(|c| c.code != code) {
                flow.components.push(FlowComponent { code, items: Vec::new() });
            }
            let mut items = Vec::new();
            match kind {
                Kind::Prefix => items.push(unpack_prefix(v6, &mut body)?),
                _ => loop {
                    let o = take_u8(&mut body, "truncated flow operator")?;
                    let size = 1usize << ((o & op::LEN_MASK) >> 4);
                    let value = be_number(take(&mut body, size, "truncated flow value")?);
                    items.push(FlowItem::Op { op: o & !op::END_OF_LIST, value });
                    if o & op::END_OF_LIST != 0 {
                        break;
                    }
                },
            }
            if let Some(c) = flow.components.last_mut() {
                c.items.extend(items);
            }
        }
        Ok(flow)
    }

    /// Octets of the components (and RD), without the length prefix.
    pub fn body_len(&self) -> usize {
        let mut n = if self.rd.is_some() { 8 } else { 0 };
        for c in &self.components {
            if c.items.iter().any(|i| matches!(i, FlowItem::Op { .. })) {
                n += 1;
            }
            for item in &c.items {
                n += match item {
                    FlowItem::Prefix { prefix, offset } => 2 + usize::from(offset.is_some()) + prefix.wire_octets(),
                    FlowItem::Op { op, .. } => 1 + (1usize << ((op & op::LEN_MASK) >> 4)),
                };
            }
        }
        n
    }

    /// The wire form, or ExaBGP's NOTIFICATION (3, 0) when the rule is too
    /// large for the length field (then nothing is written).
    pub fn pack_checked(&self, out: &mut BytesMut) -> Result<(), Notify> {
        let len = self.body_len();
        if len < 0xF0 {
            out.put_u8(len as u8);
        } else if len < MAX_LENGTH {
            out.put_u16(0xF000 | len as u16);
        } else {
            return Err(Notify::with_text(
                code::UPDATE_MESSAGE,
                0,
                "my administrator attempted to announce a Flow Spec rule larger than encoding allows, protecting the innocent the only way I can",
            ));
        }
        if let Some(rd) = &self.rd {
            rd.pack(out);
        }
        for c in &self.components {
            let mut typed = false;
            let last = c.items.len().saturating_sub(1);
            for (i, item) in c.items.iter().enumerate() {
                match item {
                    FlowItem::Prefix { prefix, offset } => {
                        out.put_u8(c.code);
                        out.put_u8(prefix.len());
                        if let Some(o) = offset {
                            out.put_u8(*o);
                        }
                        out.put_slice(prefix.packed_addr());
                    }
                    FlowItem::Op { op: o, value } => {
                        if !typed {
                            out.put_u8(c.code);
                            typed = true;
                        }
                        let eol = if i == last { op::END_OF_LIST } else { 0 };
                        out.put_u8((o & !op::END_OF_LIST) | eol);
                        let size = 1usize << ((o & op::LEN_MASK) >> 4);
                        out.put_slice(&value.to_be_bytes()[8 - size..]);
                    }
                }
            }
        }
        Ok(())
    }

    /// ExaBGP's JSON: one list of strings per component, the RD, the
    /// next-hop when there is one, and the text form as `"string"`.
    pub fn json(&self, out: &mut String, nexthop: Option<IpAddr>) {
        out.push('{');
        let v6 = self.v6();
        for (n, c) in self.components.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let name = describe(v6, c.code).map_or("", |d| d.0);
            let mut list = String::new();
            for (i, item) in c.items.iter().enumerate() {
                if i > 0 && !item.and() {
                    list.push_str(", ");
                }
                let _ = write!(list, "\"{}\"", ItemText(v6, c.code, item));
            }
            // ExaBGP glues AND-ed elements by deleting the quotes between them.
            let list = list.replace("\"\"", "");
            push(out, format_args!(" \"{name}\": [ {list} ]"));
        }
        if let Some(rd) = &self.rd {
            out.push_str(", ");
            rd.json(out);
        }
        if let Some(nh) = nexthop {
            push(out, format_args!(", \"next-hop\": \"{}\"", Ip(nh)));
        }
        push(out, format_args!(", \"string\": \"{}\" }}", Extensive(self, nexthop)));
    }

    /// ExaBGP's `extensive()`: `flow destination-ipv4 10.0.0.1/32 ... rd x:y next-hop z`.
    pub fn fmt_extensive(&self, f: &mut fmt::Formatter<'_>, nexthop: Option<IpAddr>) -> fmt::Result {
        f.write_str("flow")?;
        let v6 = self.v6();
        for c in &self.components {
            let name = describe(v6, c.code).map_or("", |d| d.0);
            write!(f, " {name} ")?;
            let many = c.items.len() > 1;
            if many {
                f.write_str("[ ")?;
            }
            for (i, item) in c.items.iter().enumerate() {
                if i > 0 && !item.and() {
                    f.write_str(" ")?;
                }
                write!(f, "{}", ItemText(v6, c.code, item))?;
            }
            if many {
                f.write_str(" ]")?;
            }
        }
        if let Some(rd) = &self.rd {
            write!(f, " rd {rd}")?;
        }
        if let Some(nh) = nexthop {
            write!(f, " next-hop {}", Ip(nh))?;
        }
        Ok(())
    }
}

fn unpack_prefix(v6: bool, body: &mut &[u8]) -> Result<FlowItem, Notify> {
    let len = take_u8(body, "truncated flow prefix")?;
    if v6 {
        let offset = take_u8(body, "truncated flow prefix")?;
        // ExaBGP (unlike RFC 8956 §3.1) sends the first ceil(len/8) octets
        // whatever the offset; read what it writes.
        let prefix = Prefix::unpack_bits(Afi::IPV6, len, body)?;
        Ok(FlowItem::Prefix { prefix, offset: Some(offset) })
    } else {
        let prefix = Prefix::unpack_bits(Afi::IPV4, len, body)?;
        Ok(FlowItem::Prefix { prefix, offset: None })
    }
}

struct Extensive<'a>(&'a Flow, Option<IpAddr>);

impl fmt::Display for Extensive<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_extensive(f, self.1)
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_extensive(f, None)
    }
}

/// One element as ExaBGP prints it: `10.0.0.1/32`, `2a02::/128/0`, `=tcp`,
/// `>=80`, `&!fin+ece`, `first-fragment`.
struct ItemText<'a>(bool, u8, &'a FlowItem);

impl fmt::Display for ItemText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ItemText(v6, code, item) = *self;
        match item {
            FlowItem::Prefix { prefix, offset } => {
                write!(f, "{prefix}")?;
                if let Some(o) = offset {
                    write!(f, "/{o}")?;
                }
                Ok(())
            }
            FlowItem::Op { op: o, value } => {
                let o = o & 0x4F; // ExaBGP keeps AND and the low nibble
                match describe(v6, code).map(|d| d.1) {
                    Some(Kind::Bitmask) => {
                        match bitmask_op(o) {
                            Some(s) => f.write_str(s)?,
                            None => write!(f, "{o:02X}")?,
                        }
                        write_bits(f, code, *value)
                    }
                    _ => {
                        if o == 0x07 {
                            return f.write_str("true");
                        }
                        if o == 0x00 {
                            return f.write_str("false");
                        }
                        match numeric_op(o) {
                            Some(s) => f.write_str(s)?,
                            None => write!(f, "{o:02X}")?,
                        }
                        write_numeric(f, code, *value)
                    }
                }
            }
        }
    }
}

fn numeric_op(o: u8) -> Option<&'static str> {
    Some(match o {
        0x07 => "true",
        0x04 => "<",
        0x02 => ">",
        0x01 => "=",
        0x05 => "<=",
        0x03 => ">=",
        0x06 => "!=",
        0x00 => "false",
        0x47 => "&true",
        0x44 => "&<",
        0x42 => "&>",
        0x41 => "&=",
        0x45 => "&<=",
        0x43 => "&>=",
        0x46 => "&!=",
        0x40 => "&false",
        _ => return None,
    })
}

fn bitmask_op(o: u8) -> Option<&'static str> {
    Some(match o {
        0x00 => "",
        0x02 => "!",
        0x01 => "=",
        0x03 => "!=",
        0x40 => "&",
        0x42 => "&!",
        0x41 => "&=",
        0x43 => "&!=",
        _ => return None,
    })
}

const PROTOCOLS: [(u64, &str); 13] = [
    (1, "icmp"),
    (2, "igmp"),
    (6, "tcp"),
    (8, "egp"),
    (17, "udp"),
    (46, "rsvp"),
    (47, "gre"),
    (50, "esp"),
    (51, "ah"),
    (89, "ospf"),
    (94, "ipip"),
    (103, "pim"),
    (132, "sctp"),
];

const ICMP_TYPES: [(u64, &str); 16] = [
    (0, "echo-reply"),
    (3, "unreachable"),
    (5, "redirect"),
    (8, "echo-request"),
    (9, "router-advertisement"),
    (10, "router-solicit"),
    (11, "time-exceeded"),
    (12, "parameter-problem"),
    (13, "timestamp"),
    (14, "timestamp-reply"),
    (40, "photuris"),
    (41, "experimental-mobility"),
    (42, "extended-echo-request"),
    (43, "extended-echo-reply"),
    (253, "experimental-one"),
    (254, "experimental-two"),
];

const TCP_FLAGS: [(u64, &str); 9] = [
    (0x01, "fin"),
    (0x02, "syn"),
    (0x04, "rst"),
    (0x08, "push"),
    (0x10, "ack"),
    (0x20, "urg"),
    (0x40, "ece"),
    (0x80, "cwr"),
    (0x100, "ns"),
];

const FRAGMENTS: [(u64, &str); 4] = [(0x01, "dont-fragment"), (0x02, "is-fragment"), (0x04, "first-fragment"), (0x08, "last-fragment")];

const ICMP_CODES: [(u64, &str); 24] = [
    (0x0, "network-unreachable"),
    (0x1, "host-unreachable"),
    (0x2, "protocol-unreachable"),
    (0x3, "port-unreachable"),
    (0x4, "fragmentation-needed"),
    (0x5, "source-route-failed"),
    (0x6, "destination-network-unknown"),
    (0x7, "destination-host-unknown"),
    (0x8, "source-host-isolated"),
    (0x9, "destination-network-prohibited"),
    (0xA, "destination-host-prohibited"),
    (0xB, "network-unreachable-for-tos"),
    (0xC, "host-unreachable-for-tos"),
    (0xD, "communication-prohibited-by-filtering"),
    (0xE, "host-precedence-violation"),
    (0xF, "precedence-cutoff-in-effect"),
    (0x0, "redirect-for-network"),
    (0x1, "redirect-for-host"),
    (0x2, "redirect-for-tos-and-net"),
    (0x3, "redirect-for-tos-and-host"),
    (0x0, "ttl-eq-zero-during-transit"),
    (0x1, "ttl-eq-zero-during-reassembly"),
    (0x1, "required-option-missing"),
    (0x2, "ip-header-bad"),
];

/// A component value written as ExaBGP's configuration accepts it
/// (`Resource.named`): names from the component's table (protocols, ICMP
/// types and codes, TCP flags with `urgent` for `urg`, fragment bits), or
/// numbers up to 0xFFFF in decimal or `0x` hex, joined with `+` and summed.
/// Well-known TCP/UDP service names (IANA's service name registry) that a
/// port component accepts in place of its number (`destination-port =https`).
/// ExaBGP knows the whole registry; these are the names operators write.
const PORTS: [(u64, &str); 52] = [
    (1, "tcpmux"),
    (7, "echo"),
    (9, "discard"),
    (13, "daytime"),
    (20, "ftp-data"),
    (21, "ftp"),
    (22, "ssh"),
    (23, "telnet"),
    (25, "smtp"),
    (37, "time"),
    (49, "tacacs"),
    (53, "domain"),
    (67, "bootps"),
    (68, "bootpc"),
    (69, "tftp"),
    (70, "gopher"),
    (79, "finger"),
    (80, "http"),
    (88, "kerberos"),
    (110, "pop3"),
    (111, "sunrpc"),
    (113, "auth"),
    (119, "nntp"),
    (123, "ntp"),
    (137, "netbios-ns"),
    (138, "netbios-dgm"),
    (139, "netbios-ssn"),
    (143, "imap"),
    (161, "snmp"),
    (162, "snmptrap"),
    (179, "bgp"),
    (194, "irc"),
    (389, "ldap"),
    (443, "https"),
    (445, "microsoft-ds"),
    (500, "isakmp"),
    (514, "syslog"),
    (587, "submission"),
    (636, "ldaps"),
    (873, "rsync"),
    (993, "imaps"),
    (995, "pop3s"),
    (1194, "openvpn"),
    (1433, "ms-sql-s"),
    (1812, "radius"),
    (1813, "radius-acct"),
    (3306, "mysql"),
    (3389, "ms-wbt-server"),
    (3784, "bfd-control"),
    (5060, "sip"),
    (5432, "postgresql"),
    (8080, "http-alt"),
];

pub fn named_value(code: u8, text: &str) -> Option<u64> {
    let table: &[(u64, &str)] = match code {
        component::PROTOCOL => &PROTOCOLS,
        component::ICMP_TYPE => &ICMP_TYPES,
        component::ICMP_CODE => &ICMP_CODES,
        component::TCP_FLAGS => &TCP_FLAGS,
        component::FRAGMENT => &FRAGMENTS,
        component::PORT | component::DESTINATION_PORT | component::SOURCE_PORT => &PORTS,
        _ => &[],
    };
    let mut total = 0u64;
    for part in text.split('+') {
        let name = part.to_ascii_lowercase().replace('_', "-");
        let by_name = table.iter().find(|(_, n)| *n == name).map(|(v, _)| *v);
        let by_name = by_name.or_else(|| (code == component::TCP_FLAGS && name == "urgent").then_some(0x20));
        let value = match by_name {
            Some(v) => v,
            None if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => part.parse().ok().filter(|v| *v <= 0xFFFF)?,
            None => {
                let h = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X"))?;
                u64::from_str_radix(h, 16).ok().filter(|v| *v <= 0xFFFF)?
            }
        };
        total += value;
    }
    Some(total)
}

fn lookup(table: &[(u64, &'static str)], v: u64) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
}

/// Numeric values: protocols and ICMP types by name when known (ExaBGP's
/// `Resource.short()`), everything else as a number.
fn write_numeric(f: &mut fmt::Formatter<'_>, code: u8, value: u64) -> fmt::Result {
    let name = match code {
        component::PROTOCOL => lookup(&PROTOCOLS, value),
        component::ICMP_TYPE => lookup(&ICMP_TYPES, value),
        _ => None,
    };
    match name {
        Some(n) => f.write_str(n),
        None => write!(f, "{value}"),
    }
}

/// Bitmask values: the set bits' names joined by `+` (ExaBGP's
/// `BitResource.__str__`), with its fallback for bits it has no name for.
fn write_bits(f: &mut fmt::Formatter<'_>, code: u8, value: u64) -> fmt::Result {
    let (table, what): (&[(u64, &str)], &str) =
        if code == component::TCP_FLAGS { (&TCP_FLAGS, "tcp flag") } else { (&FRAGMENTS, "fragment") };
    let mut rest = value;
    let mut first = true;
    for (bit, name) in table {
        if rest & bit != 0 {
            if !first {
                f.write_str("+")?;
            }
            f.write_str(name)?;
            first = false;
            rest &= !bit;
        }
    }
    if rest != 0 {
        if !first {
            f.write_str("+")?;
        }
        write!(f, "unknown {what} type {value}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn round_trip(family: Family, h: &str) -> Flow {
        let wire = hex(h);
        let mut buf = &wire[..];
        let f = Flow::unpack(family, &mut buf).unwrap();
        assert!(buf.is_empty(), "{h}");
        let mut out = BytesMut::new();
        f.pack_checked(&mut out).unwrap();
        assert_eq!(&out[..], &wire[..], "{h}");
        f
    }

    fn json(f: &Flow, nh: Option<IpAddr>) -> String {
        let mut s = String::new();
        f.json(&mut s, nh);
        s
    }

    #[test]
    fn decoding_bgp_flow_1_ipv6() {
        let f = round_trip(Family::IPV6_FLOW, "280180002A0229B8192500000000000000002E69024000BEEFF00E000000000381060C000400028008");
        assert_eq!(
            json(&f, None),
            r#"{ "destination-ipv6": [ "2a02:29b8:1925::2e69/128/0" ], "source-ipv6": [ "beef:f00e::/64/0" ], "next-header": [ "=tcp" ], "fragment": [ "first-fragment", "is-fragment", "last-fragment" ], "string": "flow destination-ipv6 2a02:29b8:1925::2e69/128/0 source-ipv6 beef:f00e::/64/0 next-header =tcp fragment [ first-fragment is-fragment last-fragment ]" }"#
        );
    }

    #[test]
    fn decoding_bgp_flow_2_3_4_tcp_flags() {
        let f = round_trip(Family::IPV4_FLOW, "0509010481 09".replace(' ', "").as_str());
        assert_eq!(json(&f, None), r#"{ "tcp-flags": [ "=rst", "=fin+push" ], "string": "flow tcp-flags [ =rst =fin+push ]" }"#);
        let f = round_trip(Family::IPV4_FLOW, "09090010008042 01C240");
        assert_eq!(json(&f, None), r#"{ "tcp-flags": [ "ack", "cwr&!fin&!ece" ], "string": "flow tcp-flags [ ack cwr&!fin&!ece ]" }"#);
        let f = round_trip(Family::IPV4_FLOW, "05090090C241");
        assert_eq!(json(&f, None), r#"{ "tcp-flags": [ "ack+cwr&!fin+ece" ], "string": "flow tcp-flags [ ack+cwr&!fin+ece ]" }"#);
    }

    #[test]
    fn flow_vpn_with_rd_and_next_hop() {
        let f = round_trip(Family::IPV4_FLOW_VPN, "0E0000FFFF0001000002200A000001");
        let nh: IpAddr = "1.2.3.4".parse().unwrap();
        assert_eq!(
            json(&f, Some(nh)),
            r#"{ "source-ipv4": [ "10.0.0.1/32" ], "rd": "65535:65536", "next-hop": "1.2.3.4", "string": "flow source-ipv4 10.0.0.1/32 rd 65535:65536 next-hop 1.2.3.4" }"#
        );
    }

    #[test]
    fn every_numeric_operator_and_port_lengths() {
        let f = round_trip(Family::IPV4_FLOW, "250120C0A8000102200A0000020301118106040150911F9005121F90541F98910C3806920400");
        assert_eq!(
            f.to_string(),
            "flow destination-ipv4 192.168.0.1/32 source-ipv4 10.0.0.2/32 protocol [ =udp =tcp ] port [ =80 =8080 ] destination-port [ >8080&<8088 =3128 ] source-port >1024"
        );
        let f = round_trip(Family::IPV4_FLOW, "0C0A02C854012C120190D401F4");
        assert_eq!(f.to_string(), "flow packet-length [ >200&<300 >400&<500 ]");
    }

    #[test]
    fn extended_length_and_operator_table() {
        let mut f = Flow::new(Family::IPV4_FLOW);
        for o in [0u8, 1, 2, 3, 4, 5, 6, 7, 0x40, 0x41, 0x47, 0x08] {
            f.add(component::PORT, FlowItem::op(component::PORT, o, 80));
        }
        for _ in 0..80 {
            f.add(component::PACKET_LENGTH, FlowItem::op(component::PACKET_LENGTH, op::EQ, 1500));
        }
        let mut out = BytesMut::new();
        f.pack_checked(&mut out).unwrap();
        assert_eq!(out[0] & 0xF0, 0xF0);
        let mut buf = &out[..];
        let back = Flow::unpack(Family::IPV4_FLOW, &mut buf).unwrap();
        assert_eq!(back, f);
        assert!(back.to_string().starts_with("flow port [ false =80 >80 >=80 <80 <=80 !=80 true&false80&=80&true80 0880 ]"));
    }

    #[test]
    fn unknown_bits_and_ipv6_only_components() {
        let mut f = Flow::new(Family::IPV6_FLOW);
        assert!(f.add(component::FLOW_LABEL, FlowItem::op(component::FLOW_LABEL, op::EQ, 0x12345)));
        assert!(f.add(component::DSCP, FlowItem::op(component::DSCP, op::EQ, 4)));
        assert!(f.add(component::TCP_FLAGS, FlowItem::op(component::TCP_FLAGS, op::MATCH, 0x201)));
        assert!(f.add(component::ICMP_TYPE, FlowItem::op(component::ICMP_TYPE, op::EQ, 8)));
        assert_eq!(
            f.to_string(),
            "flow icmp-type =echo-request tcp-flags =fin+unknown tcp flag type 513 traffic-class =4 flow-label =74565"
        );
        let mut g = Flow::new(Family::IPV4_FLOW);
        assert!(!g.add(component::FLOW_LABEL, FlowItem::op(component::FLOW_LABEL, op::EQ, 1)));
    }

    #[test]
    fn named_values_like_exabgp_configuration() {
        assert_eq!(named_value(component::TCP_FLAGS, "FIN+push"), Some(0x09));
        assert_eq!(named_value(component::TCP_FLAGS, "urgent"), Some(0x20));
        assert_eq!(named_value(component::PROTOCOL, "udp"), Some(17));
        assert_eq!(named_value(component::PROTOCOL, "47"), Some(47));
        assert_eq!(named_value(component::FRAGMENT, "is-fragment+last-fragment"), Some(0x0A));
        assert_eq!(named_value(component::ICMP_TYPE, "echo-request"), Some(8));
        assert_eq!(named_value(component::ICMP_CODE, "port-unreachable"), Some(3));
        assert_eq!(named_value(component::DESTINATION_PORT, "https"), Some(443));
        assert_eq!(named_value(component::PORT, "BGP"), Some(179));
        assert_eq!(named_value(component::SOURCE_PORT, "ftp_data"), Some(20));
        assert_eq!(named_value(component::DESTINATION_PORT, "no-such-service"), None);
        assert_eq!(named_value(component::DESTINATION_PORT, "0x1F90"), Some(8080));
        assert_eq!(named_value(component::DESTINATION_PORT, "http"), Some(80));
        assert_eq!(named_value(component::PACKET_LENGTH, "70000"), None);
    }

    #[test]
    fn malformed_flows_are_invalid_network_field() {
        for (fam, h) in [
            (Family::IPV4_FLOW, "05"),                 // length past the end
            (Family::IPV4_FLOW, "020D81"),             // flow-label is IPv6 only
            (Family::IPV4_FLOW, "0A0381060120C0A80001"), // out of order
            (Family::IPV4_FLOW, "020301"),             // no end-of-list
            (Family::IPV4_FLOW, "030391"),             // value truncated
            (Family::IPV4_FLOW, "030121C0"),           // prefix too long
            (Family::IPV4_FLOW_VPN, "0400000001"),     // short RD
            (Family::IPV4_FLOW, "F1"),                 // truncated 2-octet length
        ] {
            let w = hex(h);
            let mut buf = &w[..];
            let e = Flow::unpack(fam, &mut buf).unwrap_err();
            assert_eq!((e.code, e.subcode), (3, 10), "{h}");
        }
    }
}
