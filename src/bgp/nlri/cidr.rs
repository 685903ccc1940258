//! An IP prefix as it travels in NLRI: a length in bits, then just enough
//! octets to hold it (RFC 4271 §4.3, RFC 4760 §5).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, BytesMut};

use crate::bgp::iana::Afi;
use crate::bgp::notify::{subcode, Notify};

/// An IPv4 or IPv6 prefix. The address is kept in 16 octets (IPv4 in the
/// first four) so that the type is `Copy` and allocation-free.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    v6: bool,
    len: u8,
    addr: [u8; 16],
}

impl Prefix {
    /// A prefix of `len` bits; bits past `len` are cleared. `None` when `len`
    /// is longer than the family allows.
    pub fn new(addr: IpAddr, len: u8) -> Option<Prefix> {
        let (v6, bytes, max) = match addr {
            IpAddr::V4(a) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&a.octets());
                (false, b, 32)
            }
            IpAddr::V6(a) => (true, a.octets(), 128),
        };
        if len > max {
            return None;
        }
        let mut p = Prefix { v6, len, addr: bytes };
        p.clear_host_bits();
        Some(p)
    }

    fn clear_host_bits(&mut self) {
        let full = (self.len / 8) as usize;
        let rem = self.len % 8;
        let mut i = full;
        if rem != 0 {
            self.addr[i] &= 0xffu8 << (8 - rem);
            i += 1;
        }
        for b in &mut self.addr[i..] {
            *b = 0;
        }
    }

    pub fn afi(&self) -> Afi {
        if self.v6 {
            Afi::IPV6
        } else {
            Afi::IPV4
        }
    }

    /// The prefix length in bits (a /0 is not "empty", hence no `is_empty`).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u8 {
        self.len
    }

    /// The largest length the family allows (32 or 128).
    pub fn max_len(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    pub fn addr(&self) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(self.addr))
        } else {
            IpAddr::V4(Ipv4Addr::new(self.addr[0], self.addr[1], self.addr[2], self.addr[3]))
        }
    }

    /// Octets needed on the wire for the address part.
    pub fn wire_octets(&self) -> usize {
        (self.len as usize).div_ceil(8)
    }

    /// The significant address octets (no length byte).
    pub fn packed_addr(&self) -> &[u8] {
        &self.addr[..self.wire_octets()]
    }

    /// Append the length octet and the significant address octets.
    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u8(self.len);
        out.put_slice(self.packed_addr());
    }

    /// Decode `len` bits of address for `afi` from the front of `buf`.
    /// The length octet has already been read (callers subtract labels and
    /// route distinguishers from it first).
    pub fn unpack_bits(afi: Afi, len: u8, buf: &mut &[u8]) -> Result<Prefix, Notify> {
        let (v6, max) = match afi {
            Afi::IPV4 => (false, 32),
            Afi::IPV6 => (true, 128),
            _ => return Err(invalid_network("prefix for a non-IP family")),
        };
        if len > max {
            return Err(invalid_network("prefix length longer than the address"));
        }
        let n = (len as usize).div_ceil(8);
        if buf.len() < n {
            return Err(invalid_network("not enough data for the prefix length"));
        }
        let mut addr = [0u8; 16];
        addr[..n].copy_from_slice(&buf[..n]);
        *buf = &buf[n..];
        // RFC 4271 §4.3 calls the trailing bits irrelevant, but ExaBGP keeps
        // (and shows, and re-sends) them: do the same so that output matches.
        Ok(Prefix { v6, len, addr })
    }

    /// Decode a length octet and the prefix after it.
    pub fn unpack(afi: Afi, buf: &mut &[u8]) -> Result<Prefix, Notify> {
        let Some((&len, rest)) = buf.split_first() else {
            return Err(invalid_network("missing prefix length"));
        };
        *buf = rest;
        Prefix::unpack_bits(afi, len, buf)
    }
}

/// RFC 4271 §6.3: a syntactically incorrect NLRI field is "Invalid Network Field".
pub(crate) fn invalid_network(why: &str) -> Notify {
    Notify::with_text(
        crate::bgp::notify::code::UPDATE_MESSAGE,
        subcode::INVALID_NETWORK_FIELD,
        why,
    )
}

impl Prefix {
    /// Append `addr/len`, as `Display` writes it, without the formatting
    /// machinery (JSON for every received prefix).
    pub fn push_text(&self, out: &mut String) {
        if self.v6 {
            super::util::push_ip(out, self.addr());
            out.push('/');
            super::util::push_u32(out, u32::from(self.len));
            return;
        }
        // IPv4: the text goes to an aligned buffer, checked whole (NUL
        // padding after the text), so `from_utf8` takes its word-at-a-time
        // path; only the text written is then appended.
        let mut buf = Ascii32([0u8; 32]);
        let n = self.ipv4_text(&mut buf.0);
        if let Some(text) = std::str::from_utf8(&buf.0).ok().and_then(|t| t.get(..n)) {
            out.push_str(text);
        }
    }

    /// Append an IPv4 prefix's text as bytes (ASCII), for writers that
    /// check a whole batch of text once; `false` (nothing written) for IPv6.
    pub fn push_text_bytes(&self, out: &mut Vec<u8>) -> bool {
        if self.v6 {
            return false;
        }
        let mut buf = [0u8; 32];
        let n = self.ipv4_text(&mut buf);
        // A copy of constant size (no call), then the padding cut off.
        let keep = out.len() + n;
        out.extend_from_slice(&buf);
        out.truncate(keep);
        true
    }

    /// Write an IPv4 prefix's text at the start of `buf`; its length. Each
    /// octet is four octets of a table (its digits, a dot, padding).
    fn ipv4_text(&self, buf: &mut [u8; 32]) -> usize {
        let mut n = 0;
        for &octet in self.addr.iter().take(4) {
            let (text, len) = OCTETS.get(octet as usize).copied().unwrap_or(([b'0', b'.', b' ', b' '], 2));
            if let Some(dst) = buf.get_mut(n..n + 4) {
                dst.copy_from_slice(&text);
            }
            n += len;
        }
        // The last dot becomes the slash, then the length's digits.
        if let Some(slash) = buf.get_mut(n.wrapping_sub(1)) {
            *slash = b'/';
        }
        let (text, len) = OCTETS.get(self.len as usize).copied().unwrap_or(([b'0', b'.', b' ', b' '], 2));
        if let Some(dst) = buf.get_mut(n..n + 4) {
            dst.copy_from_slice(&text);
        }
        n + len - 1
    }
}

/// A text buffer aligned for `from_utf8`'s word-at-a-time ASCII check.
#[repr(align(16))]
struct Ascii32([u8; 32]);

/// Each octet's decimal digits then a dot, padded to four, and how many of
/// those are text (digits and dot).
const OCTETS: [([u8; 4], usize); 256] = octet_table();

const fn octet_table() -> [([u8; 4], usize); 256] {
    let mut table = [([b' '; 4], 0); 256];
    let mut i = 0;
    while i < 256 {
        let v = i as u8;
        let (h, t, u) = (b'0' + v / 100, b'0' + v / 10 % 10, b'0' + v % 10);
        table[i] = if v >= 100 {
            ([h, t, u, b'.'], 4)
        } else if v >= 10 {
            ([t, u, b'.', b' '], 3)
        } else {
            ([u, b'.', b' ', b' '], 2)
        };
        i += 1;
    }
    table
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", super::util::Ip(self.addr()), self.len)
    }
}

impl fmt::Debug for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_text_matches_display() {
        let mut out = String::new();
        let mut seed: u32 = 3;
        for len in 0..=32u8 {
            for _ in 0..200 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let p = Prefix::new(IpAddr::V4(std::net::Ipv4Addr::from(seed)), len).unwrap();
                out.clear();
                p.push_text(&mut out);
                assert_eq!(out, p.to_string());
            }
        }
        let p = Prefix::new("2001:db8::".parse().unwrap(), 48).unwrap();
        out.clear();
        p.push_text(&mut out);
        assert_eq!(out, "2001:db8::/48");
        let mut bytes = Vec::new();
        assert!(!p.push_text_bytes(&mut bytes));
        assert!(bytes.is_empty());
        for len in [0u8, 7, 9, 10, 24, 32] {
            let p = Prefix::new("255.10.0.0".parse().unwrap(), len).unwrap();
            bytes.clear();
            assert!(p.push_text_bytes(&mut bytes));
            assert_eq!(String::from_utf8(bytes.clone()).unwrap(), p.to_string());
        }
    }

    #[test]
    fn round_trip_ipv4_and_ipv6() {
        for (afi, wire) in [
            (Afi::IPV4, &[24u8, 10, 0, 1][..]),
            (Afi::IPV4, &[0u8][..]),
            (Afi::IPV4, &[32u8, 1, 2, 3, 4][..]),
            (Afi::IPV6, &[64u8, 0xfc, 0, 0, 1, 0, 0, 0, 0][..]),
        ] {
            let mut buf = wire;
            let p = Prefix::unpack(afi, &mut buf).unwrap();
            assert!(buf.is_empty());
            let mut out = BytesMut::new();
            p.pack(&mut out);
            assert_eq!(&out[..], wire);
        }
    }

    #[test]
    fn renders_like_exabgp() {
        let mut buf = &[24u8, 10, 0, 1][..];
        assert_eq!(Prefix::unpack(Afi::IPV4, &mut buf).unwrap().to_string(), "10.0.1.0/24");
        let mut buf = &[64u8, 0xfc, 0, 0, 1, 0, 0, 0, 0][..];
        assert_eq!(Prefix::unpack(Afi::IPV6, &mut buf).unwrap().to_string(), "fc00:1::/64");
    }

    #[test]
    fn host_bits_on_the_wire_are_kept_like_exabgp() {
        let wire = [23u8, 10, 0, 1];
        let mut buf = &wire[..];
        let p = Prefix::unpack(Afi::IPV4, &mut buf).unwrap();
        assert_eq!(p.to_string(), "10.0.1.0/23");
        let mut out = BytesMut::new();
        p.pack(&mut out);
        assert_eq!(&out[..], &wire[..]);
        // Constructed prefixes are canonical.
        let q = Prefix::new("10.0.1.0".parse().unwrap(), 23).unwrap();
        assert_eq!(q.to_string(), "10.0.0.0/23");
    }

    #[test]
    fn bad_lengths_are_invalid_network_field() {
        for wire in [&[33u8, 1, 2, 3, 4, 5][..], &[24u8, 10][..], &[][..]] {
            let mut buf = wire;
            let e = Prefix::unpack(Afi::IPV4, &mut buf).unwrap_err();
            assert_eq!((e.code, e.subcode), (3, 10));
        }
    }
}
