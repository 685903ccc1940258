//! EXTENDED COMMUNITIES (RFC 4360) and IPv6 ADDRESS SPECIFIC EXTENDED
//! COMMUNITIES (RFC 5701): optional transitive lists of eight- and
//! twenty-octet values.
//!
//! ```text
//! +------+---------+---------------------------+
//! | type | subtype | value (6 or 18 octets)    |
//! +------+---------+---------------------------+
//! ```
//!
//! Values stay raw; the `string` rendering dispatches like ExaBGP on
//! (type & 0x0F, subtype), so a non-transitive variant (0x40 bit) and the
//! IANA/IETF variants render like their transitive form.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, BytesMut};

use super::super::push_decimal;
use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExtendedCommunity(pub [u8; 8]);

impl ExtendedCommunity {
    pub fn value(&self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    fn u16_at(&self, i: usize) -> u16 {
        u16::from_be_bytes([self.0[i], self.0[i + 1]])
    }

    fn u32_at(&self, i: usize) -> u32 {
        u32::from_be_bytes([self.0[i], self.0[i + 1], self.0[i + 2], self.0[i + 3]])
    }

    fn ip_at(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::new(self.0[i], self.0[i + 1], self.0[i + 2], self.0[i + 3])
    }

    fn f32_at(&self, i: usize) -> f32 {
        f32::from_bits(self.u32_at(i))
    }

    /// Whether ExaBGP knows this sub-type (and so gives it a `string`).
    pub fn known(&self) -> bool {
        self.write_known(&mut NullWriter).is_some()
    }

    /// The JSON element: `{ "value": <u64>, "string": "<text>" }`; the string
    /// is empty for sub-types ExaBGP does not know.
    pub fn json(&self, out: &mut String) {
        super::super::push_fmt(out, format_args!("{{ \"value\": {}, \"string\": \"", self.value()));
        let _ = self.write_known(out);
        out.push_str("\" }");
    }

    /// Write the known rendering; `None` when the sub-type is not known.
    fn write_known(&self, w: &mut dyn fmt::Write) -> Option<()> {
        let t = self.0[0] & 0x0f;
        let st = self.0[1];
        let r = match (t, st) {
            // RFC 4360 §4: route target; RFC 5668 for the four-octet form.
            (0, 0x02) => write!(w, "target:{}:{}", self.u16_at(2), self.u32_at(4)),
            (1, 0x02) => write!(w, "target:{}:{}", self.ip_at(2), self.u16_at(6)),
            (2, 0x02) => write!(w, "target:{}:{}", self.u32_at(2), self.u16_at(6)),
            // RFC 4360 §5: route origin.
            (0, 0x03) => write!(w, "origin:{}:{}", self.u16_at(2), self.ip_at(4)),
            (1, 0x03) => write!(w, "origin:{}:{}", self.ip_at(2), self.u16_at(6)),
            (2, 0x03) => write!(w, "origin:{}:{}", self.u32_at(2), self.u16_at(6)),
            // RFC 7153 / draft-ietf-idr-rt-derived-community: RT record.
            (0, 0x13) => write!(w, "rtrecord:{}:{}", self.u16_at(2), self.u32_at(4)),
            (1, 0x13) => write!(w, "rtrecord:{}:{}", self.ip_at(2), self.u16_at(6)),
            (2, 0x13) => write!(w, "rtrecord:{}:{}", self.u32_at(2), self.u16_at(6)),
            // draft-ietf-idr-link-bandwidth (type 0x40, sub-type 4); ExaBGP's spelling.
            (0, 0x04) => write!(w, "bandwith:{}:{:.0}", self.u16_at(2), self.f32_at(4)),
            // RFC 8955 §7: flowspec traffic-rate, -action, redirect, marking.
            (0, 0x06) => write!(w, "rate-limit:{}", float_as_int(self.f32_at(4))),
            (0, 0x07) => {
                let bits = self.0[7];
                let mut s = String::new();
                if bits & 0x02 != 0 {
                    s.push_str("sample");
                }
                if bits & 0x01 != 0 {
                    if !s.is_empty() {
                        s.push('-');
                    }
                    s.push_str("terminal");
                }
                write!(w, "action {s}")
            }
            (0, 0x08) => write!(w, "redirect:{}:{}", self.u16_at(2), self.u32_at(4)),
            (2, 0x08) => write!(w, "redirect:{}:{}", self.u32_at(2), self.u16_at(6)),
            (0, 0x09) => write!(w, "mark {}", self.0[7]),
            // RFC 4761 §3.2.4: layer-2 info.
            (0, 0x0a) => write!(w, "l2info:{}:{}:{}:{}", self.0[2], self.0[3], self.u16_at(4), self.u16_at(6)),
            // draft-ietf-idr-flowspec-redirect-ip: redirect to IPv4 next-hop.
            (1, 0x0c) => {
                if self.u16_at(6) & 1 != 0 {
                    write!(w, "copy-to-nexthop-ietf {} (with copy)", self.ip_at(2))
                } else {
                    write!(w, "redirect-to-nexthop-ietf {}", self.ip_at(2))
                }
            }
            // draft-simpson-idr-flowspec-redirect.
            (8, 0x00) => {
                if self.0[7] & 1 != 0 {
                    write!(w, "copy-to-nexthop")
                } else {
                    write!(w, "redirect-to-nexthop")
                }
            }
            // RFC 9012 §4.1: encapsulation.
            (3, 0x0c) => {
                let t = self.u16_at(6);
                match encap_name(t) {
                    Some(n) => write!(w, "encap:{n}"),
                    None => write!(w, "encap:encap:UNKNOWN-{t}"),
                }
            }
            // draft-ietf-bess-service-chaining: consistent hash sort order.
            (3, 0x14) => write!(w, "consistentHashSortOrder:{}", self.u32_at(2)),
            // RFC 7432 §7.7: MAC mobility.
            (6, 0x00) => {
                let sticky = if self.0[2] == 1 { ":sticky" } else { "" };
                write!(w, "mac-mobility:{}{}", self.u32_at(4), sticky)
            }
            // RFC 8955 / draft-ietf-idr-flowspec-interfaceset.
            (7, 0x02) => {
                let v = self.u16_at(6);
                let dir = v >> 14;
                let d = match dir {
                    1 => "input".to_string(),
                    2 => "output".to_string(),
                    3 => "input-output".to_string(),
                    n => n.to_string(),
                };
                write!(w, "interface-set:{}:{}:{}", d, self.u32_at(2), v & 0x1fff)
            }
            // draft-mpmz-bess-mup-safi: MUP segment identifier.
            (0x0c, 0x00) => write!(w, "mup:{}:{}", self.u16_at(2), self.u32_at(4)),
            _ => return None,
        };
        r.ok()
    }
}

/// Python's `'%d' % float`: truncation toward zero.
fn float_as_int(v: f32) -> i64 {
    if v.is_nan() {
        0
    } else {
        v.trunc() as i64
    }
}

fn encap_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "Default",
        1 => "L2TPv3",
        2 => "GRE",
        7 => "IP-in-IP",
        8 => "VXLAN",
        9 => "NVGRE",
        10 => "MPLS",
        12 => "VXLAN-GPE",
        13 => "MPLS-in-UDP",
        _ => return None,
    })
}

struct NullWriter;

impl fmt::Write for NullWriter {
    fn write_str(&mut self, _: &str) -> fmt::Result {
        Ok(())
    }
}

/// The known rendering, or `0x` and sixteen upper-case hex digits.
impl fmt::Display for ExtendedCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.known() {
            let mut s = String::new();
            let _ = self.write_known(&mut s);
            f.write_str(&s)
        } else {
            write!(f, "0x{:016X}", self.value())
        }
    }
}

/// Insert keeping the list sorted by wire value, as ExaBGP keeps it.
fn sorted_insert<T: Ord>(list: &mut Vec<T>, c: T) {
    let at = list.partition_point(|x| *x <= c);
    list.insert(at, c);
}

/// Fixed-size communities of `N` octets each, sorted; a length that is not
/// a multiple of `N` is an attribute length error.
fn unpack_sorted<const N: usize, T: Ord>(data: &[u8], wrap: fn([u8; N]) -> T) -> Result<Vec<T>, Notify> {
    if !data.len().is_multiple_of(N) {
        return Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data));
    }
    let mut v: Vec<T> = data
        .chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            wrap(a)
        })
        .collect();
    v.sort();
    Ok(v)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ExtendedCommunities(Vec<ExtendedCommunity>);

impl ExtendedCommunities {
    pub fn new() -> ExtendedCommunities {
        ExtendedCommunities(Vec::new())
    }

    /// Add one, keeping the list sorted by wire value.
    pub fn push(&mut self, c: ExtendedCommunity) {
        sorted_insert(&mut self.0, c);
    }

    pub fn as_slice(&self) -> &[ExtendedCommunity] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn unpack(data: &[u8]) -> Result<ExtendedCommunities, Notify> {
        // RFC 7606 §7.14.
        unpack_sorted(data, ExtendedCommunity).map(ExtendedCommunities)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for c in &self.0 {
            out.put_slice(&c.0);
        }
    }

    /// `[ { "value": N, "string": "..." }, ... ]`
    pub fn json(&self, out: &mut String) {
        out.push_str("[ ");
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            c.json(out);
        }
        out.push_str(" ]");
    }
}

impl fmt::Display for ExtendedCommunities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::initial::list_text(f, self.0.iter())
    }
}

/// An IPv6 address specific extended community (RFC 5701).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExtendedCommunityIpv6(pub [u8; 20]);

impl ExtendedCommunityIpv6 {
    fn ip(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.0[2..18]);
        Ipv6Addr::from(a)
    }

    fn tail(&self) -> u16 {
        u16::from_be_bytes([self.0[18], self.0[19]])
    }

    fn write_known(&self, w: &mut dyn fmt::Write) -> Option<()> {
        let r = match (self.0[0] & 0x0f, self.0[1]) {
            // draft-ietf-idr-flowspec-redirect-ip: redirect to IPv6 next-hop.
            (0, 0x0c) => {
                if self.tail() & 1 != 0 {
                    write!(w, "copy-to-nexthop-ietf {} (with copy)", self.ip())
                } else {
                    write!(w, "redirect-to-nexthop-ietf {}", self.ip())
                }
            }
            // RFC 8956 §6: redirect to an IPv6-address-specific route target.
            (0, 0x0b) => write!(w, "redirect {}:{}", self.ip(), self.tail()),
            _ => return None,
        };
        r.ok()
    }

    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"value\": ");
        push_decimal(out, &self.0);
        out.push_str(", \"string\": \"");
        let _ = self.write_known(out);
        out.push_str("\" }");
    }
}

impl fmt::Display for ExtendedCommunityIpv6 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        if self.write_known(&mut s).is_some() {
            return f.write_str(&s);
        }
        // ExaBGP formats the value as an integer with `{:016X}`: no leading
        // zeros beyond sixteen digits.
        let mut digits = String::with_capacity(40);
        for b in &self.0 {
            let _ = write!(digits, "{b:02X}");
        }
        let trimmed = digits.trim_start_matches('0');
        write!(f, "0x{trimmed:0>16}")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ExtendedCommunitiesIpv6(Vec<ExtendedCommunityIpv6>);

impl ExtendedCommunitiesIpv6 {
    pub fn new() -> ExtendedCommunitiesIpv6 {
        ExtendedCommunitiesIpv6(Vec::new())
    }

    pub fn push(&mut self, c: ExtendedCommunityIpv6) {
        sorted_insert(&mut self.0, c);
    }

    pub fn as_slice(&self) -> &[ExtendedCommunityIpv6] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn unpack(data: &[u8]) -> Result<ExtendedCommunitiesIpv6, Notify> {
        // RFC 7606 §7.14 (RFC 5701 for the IPv6 form).
        unpack_sorted(data, ExtendedCommunityIpv6).map(ExtendedCommunitiesIpv6)
    }

    pub fn pack(&self, out: &mut BytesMut) {
        for c in &self.0 {
            out.put_slice(&c.0);
        }
    }

    pub fn json(&self, out: &mut String) {
        out.push_str("[ ");
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            c.json(out);
        }
        out.push_str(" ]");
    }
}

impl fmt::Display for ExtendedCommunitiesIpv6 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::initial::list_text(f, self.0.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ec(v: u64) -> ExtendedCommunity {
        ExtendedCommunity(v.to_be_bytes())
    }

    #[test]
    fn renderings_like_exabgp() {
        assert_eq!(ec(842131417595911).to_string(), "target:65002:7");
        assert_eq!(ec(72903127120216069).to_string(), "origin:1.2.3.4:5");
        assert_eq!(ec(9225060886715039744).to_string(), "rate-limit:0");
        let mut j = String::new();
        ec(9225060886715039744).json(&mut j);
        assert_eq!(j, r#"{ "value": 9225060886715039744, "string": "rate-limit:0" }"#);
        assert_eq!(ExtendedCommunity([0x80, 0x08, 0xfd, 0xe8, 0, 0, 0, 100]).to_string(), "redirect:65000:100");
        assert_eq!(ExtendedCommunity([0x80, 0x09, 0, 0, 0, 0, 0, 10]).to_string(), "mark 10");
        assert_eq!(ExtendedCommunity([0x80, 0x07, 0, 0, 0, 0, 0, 3]).to_string(), "action sample-terminal");
        assert_eq!(ExtendedCommunity([0x03, 0x0c, 0, 0, 0, 0, 0, 8]).to_string(), "encap:VXLAN");
        assert_eq!(ExtendedCommunity([0x06, 0x00, 1, 0, 0, 0, 0, 5]).to_string(), "mac-mobility:5:sticky");
        assert_eq!(ExtendedCommunity([0x80, 0x0a, 19, 0, 5, 220, 0, 0]).to_string(), "l2info:19:0:1500:0");
        let rate = ExtendedCommunity([0x80, 0x06, 0, 0, 0x47, 0x7f, 0xff, 0x00]);
        assert_eq!(rate.to_string(), "rate-limit:65535");
        let unknown = ExtendedCommunity([0x05, 0x77, 0, 0, 0, 0, 0, 1]);
        assert_eq!(unknown.to_string(), "0x0577000000000001");
        let mut j = String::new();
        unknown.json(&mut j);
        assert!(j.ends_with(r#""string": "" }"#));
    }

    #[test]
    fn lists_round_trip_sorted() {
        let mut wire = Vec::new();
        wire.extend_from_slice(&ec(1).0);
        wire.extend_from_slice(&ec(2).0);
        let l = ExtendedCommunities::unpack(&wire).unwrap();
        let mut out = BytesMut::new();
        l.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        assert!(ExtendedCommunities::unpack(&wire[..7]).is_err());
        let mut v6 = [0u8; 20];
        v6[1] = 0x0b;
        v6[17] = 1;
        v6[19] = 9;
        let l6 = ExtendedCommunitiesIpv6::unpack(&v6).unwrap();
        assert_eq!(l6.to_string(), "redirect ::1:9");
        let mut out = BytesMut::new();
        l6.pack(&mut out);
        assert_eq!(&out[..], &v6);
    }

    #[test]
    fn big_decimal() {
        use super::super::super::push_decimal;
        let mut s = String::new();
        push_decimal(&mut s, &[1, 0]);
        assert_eq!(s, "256");
        let mut s = String::new();
        push_decimal(&mut s, &[0; 20]);
        assert_eq!(s, "0");
    }
}
