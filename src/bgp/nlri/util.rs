//! Small shared helpers for the NLRI decoders: bounded reads that turn a
//! short buffer into a NOTIFICATION, and address rendering exactly as
//! ExaBGP prints it.

use std::fmt::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::bgp::notify::{code, subcode, Notify};

pub(crate) use super::cidr::invalid_network;

/// RFC 4271 §6.3 "Attribute Length Error": ExaBGP raises 3/5 from several
/// route-type decoders (EVPN, MVPN, MUP) when a field length is impossible.
pub fn bad_length(why: &str) -> Notify {
    Notify::with_text(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, why)
}

/// Split `n` octets off the front of `buf`.
pub fn take<'a>(buf: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], Notify> {
    if buf.len() < n {
        return Err(invalid_network(what));
    }
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    Ok(head)
}

pub fn take_u8(buf: &mut &[u8], what: &str) -> Result<u8, Notify> {
    Ok(take(buf, 1, what)?[0])
}

pub fn take_u16(buf: &mut &[u8], what: &str) -> Result<u16, Notify> {
    let b = take(buf, 2, what)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

pub fn take_u32(buf: &mut &[u8], what: &str) -> Result<u32, Notify> {
    let b = take(buf, 4, what)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Big-endian unsigned value of up to 8 octets (longer input keeps the low 64 bits).
pub fn be_number(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b))
}

/// An address from 4 or 16 octets (ExaBGP's `IP.unpack_ip`).
pub fn ip_from(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

pub fn ip_octets(ip: &IpAddr, out: &mut Vec<u8>) {
    match ip {
        IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
        IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
    }
}

/// Renders an address as glibc's `inet_ntop` does (what Python's `socket`
/// gives ExaBGP): RFC 5952 zero compression, and `::a.b.c.d` /
/// `::ffff:a.b.c.d` for IPv4-compatible and IPv4-mapped addresses.
#[derive(Clone, Copy)]
pub struct Ip(pub IpAddr);

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(a) => write!(f, "{a}"),
            IpAddr::V6(a) => write_ipv6(f, &a, true),
        }
    }
}

/// Renders an IPv6 address as Python's `ipaddress` module does (no dotted tail).
pub struct Ipv6Hex(pub Ipv6Addr);

impl fmt::Display for Ipv6Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ipv6(f, &self.0, false)
    }
}

fn write_ipv6(f: &mut dyn Write, a: &Ipv6Addr, dotted: bool) -> fmt::Result {
    let w = a.segments();
    // Longest run of at least two zero words, the first one on ties (RFC 5952 §4.2).
    let (mut best, mut best_len, mut cur, mut cur_len) = (0usize, 0usize, 0usize, 0usize);
    for (i, word) in w.iter().enumerate() {
        if *word == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    if best_len < 2 {
        best_len = 0;
    }
    if dotted && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
        let v4 = Ipv4Addr::new((w[6] >> 8) as u8, w[6] as u8, (w[7] >> 8) as u8, w[7] as u8);
        return if best_len == 5 { write!(f, "::ffff:{v4}") } else { write!(f, "::{v4}") };
    }
    let mut i = 0;
    while i < 8 {
        if best_len > 0 && i == best {
            f.write_str("::")?;
            i += best_len;
            continue;
        }
        if i > 0 && !(best_len > 0 && i == best + best_len) {
            f.write_char(':')?;
        }
        write!(f, "{:x}", w[i])?;
        i += 1;
    }
    Ok(())
}

/// ExaBGP's `hexstring`: `0x` and upper-case hex.
pub struct Hex0x<'a>(pub &'a [u8]);

impl fmt::Display for Hex0x<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

/// Lower-case hex with a `0x` prefix (ExaBGP's fallback `str()` of EVPN/MVPN/MUP routes).
pub struct Hex0xLower<'a>(pub &'a [u8]);

impl fmt::Display for Hex0xLower<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Append anything `Display` to a JSON/text buffer.
pub fn push(out: &mut String, v: impl fmt::Display) {
    let _ = write!(out, "{v}");
}

/// Append a decimal number, digits written by hand: JSON for a million
/// prefixes must not go through the formatting machinery for each.
pub fn push_u32(out: &mut String, v: u32) {
    if v < 10 {
        out.push(char::from(b'0' + v as u8));
        return;
    }
    let mut buf = [0u8; 10];
    let mut at = buf.len();
    let mut rest = v;
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        at -= 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.reserve(buf.len() - at);
    for &b in buf.get(at..).unwrap_or_default() {
        out.push(char::from(b));
    }
}

/// Append an IPv4 address in dotted decimal (what `Display` gives).
pub fn push_ipv4(out: &mut String, a: Ipv4Addr) {
    out.reserve(15);
    for (i, octet) in a.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
}

/// Append an address as [`Ip`] renders it (IPv4 by hand).
pub fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => push_ipv4(out, a),
        IpAddr::V6(_) => push(out, Ip(ip)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> String {
        Ip(s.parse().unwrap()).to_string()
    }

    #[test]
    fn ipv6_like_inet_ntop() {
        assert_eq!(v6("2a02:29b8:1925::2e69"), "2a02:29b8:1925::2e69");
        assert_eq!(v6("::"), "::");
        assert_eq!(v6("::1"), "::1");
        assert_eq!(v6("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(v6("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(v6("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
        assert_eq!(v6("1:0:1:0:1:0:1:0"), "1:0:1:0:1:0:1:0");
        assert_eq!(v6("fc00:1000:1::1"), "fc00:1000:1::1");
        assert_eq!(v6("1::"), "1::");
        assert_eq!(Ipv6Hex("::1.2.3.4".parse().unwrap()).to_string(), "::102:304");
    }

    #[test]
    fn hand_written_numbers_and_addresses_match_display() {
        let mut out = String::new();
        for v in [0u32, 1, 9, 10, 99, 100, 255, 65535, 4_294_967_295, 1_000_000_000] {
            out.clear();
            push_u32(&mut out, v);
            assert_eq!(out, v.to_string());
        }
        let mut seed: u32 = 7;
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            for a in [Ipv4Addr::from(seed), Ipv4Addr::from(seed & 0x0f0f_0f0f), Ipv4Addr::from(seed & 0x0303_0303)] {
                out.clear();
                push_ipv4(&mut out, a);
                assert_eq!(out, a.to_string());
                out.clear();
                push_ip(&mut out, IpAddr::V4(a));
                assert_eq!(out, Ip(IpAddr::V4(a)).to_string());
            }
        }
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        out.clear();
        push_ip(&mut out, v6);
        assert_eq!(out, "2001:db8::1");
    }

    #[test]
    fn take_never_reads_past_the_end() {
        let mut b = &[1u8, 2][..];
        assert!(take(&mut b, 3, "x").is_err());
        assert_eq!(take_u16(&mut b, "x").unwrap(), 0x0102);
        assert!(take_u8(&mut b, "x").is_err());
    }
}
