//! Rendering of the BGP-LS attribute TLVs, in ExaBGP's JSON shapes.
//!
//! Node: RFC 9552 §5.3.1 (1024–1029), RFC 9085 §2.1 (1034, 1035), RFC 9514 §2 (1038).
//! Link: RFC 9552 §5.3.2 (1030, 1031, 1088–1098), RFC 9085 §2.2 (1099, 1100),
//! RFC 9514 §4 (1106–1108). Prefix: RFC 9552 §5.3.3 (1152–1157), RFC 9085 §2.3
//! (1158, 1170, 1171), RFC 9514 §5–§8 (1162, 1250, 1252).

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::super::{push_decimal, push_py_float};

type R = Result<(), ()>;

/// TLVs ExaBGP merges when repeated: router ids, End.X SIDs, LAN adjacency
/// SIDs and every TLV it does not know.
pub(super) fn merges(t: u16) -> bool {
    matches!(t, 1028 | 1029 | 1100 | 1106 | 1107 | 1108) || name(t).is_none()
}

fn name(t: u16) -> Option<&'static str> {
    Some(match t {
        1024 => "node-flags",
        1025 => "opaque",
        1026 => "node-name",
        1027 => "area-id",
        1028 | 1029 => "local-te-router-ids",
        1030 | 1031 => "remote-te-router-id",
        1034 => "sr-capability-flags",
        1035 => "sr-algorithms",
        1038 => "srv6-capabilities",
        1088 => "admin-group-mask",
        1089 => "maximum-link-bandwidth",
        1090 => "maximum-reservable-link-bandwidth",
        1091 => "unreserved-bandwidth",
        1092 => "te-metric",
        1093 => "link-protection-flags",
        1094 => "mpls-mask",
        1095 => "igp-metric",
        1096 => "shared-risk-link-groups",
        1097 => "opaque-link",
        1098 => "link-name",
        1099 => "sr-adj",
        1100 => "sr-adj-lan-sids",
        1106 => "srv6-endx",
        1107 => "srv6-lan-endx-isis",
        1108 => "srv6-lan-endx-ospf",
        1152 => "igp-flags",
        1153 => "igp-route-tags",
        1154 => "igp-extended-route-tags",
        1155 => "prefix-metric",
        1156 => "ospf-forwarding-address",
        1157 => "opaque-prefix",
        1158 => "sr-prefix-flags",
        1162 => "srv6-locator",
        1170 => "sr-prefix-attribute-flags",
        1171 => "sr-source-router-id",
        1250 => "srv6-endpoint-behavior",
        1252 => "srv6-sid-structure",
        _ => return None,
    })
}

const NODE_FLAGS: &[&str] = &["O", "T", "E", "B", "R", "V", "RSV", "RSV"];
const SR_CAP_FLAGS: &[&str] = &["I", "V", "RSV", "RSV", "RSV", "RSV", "RSV", "RSV"];
const PROTECTION_FLAGS: &[&str] =
    &["ExtraTrafic", "Unprotected", "Shared", "Dedicated 1:1", "Dedicated 1+1", "Enhanced", "RSV", "RSV"];
const MPLS_FLAGS: &[&str] = &["LDP", "RSVP-TE", "RSV", "RSV", "RSV", "RSV", "RSV", "RSV"];
const ADJ_FLAGS: &[&str] = &["F", "B", "V", "L", "S", "P", "RSV", "RSV"];
const SRV6_FLAGS: &[&str] = &["B", "S", "P", "RSV", "RSV", "RSV", "RSV", "RSV"];
const IGP_FLAGS: &[&str] = &["D", "N", "L", "P", "RSV", "RSV", "RSV", "RSV"];
const PREFIX_FLAGS: &[&str] = &["R", "N", "P", "E", "V", "L", "RSV", "RSV"];
const PREFIX_ATTR_FLAGS: &[&str] = &["X", "R", "N", "RSV", "RSV", "RSV", "RSV", "RSV"];
const LOCATOR_FLAGS: &[&str] = &["D", "RSV", "RSV", "RSV", "RSV", "RSV", "RSV", "RSV"];

/// Render one (possibly merged) TLV as `"name": value`.
pub(super) fn render(t: u16, values: &[&[u8]], out: &mut String) -> R {
    let Some(key) = name(t) else {
        let _ = write!(out, "\"generic-lsid-{t}\": [");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('"');
            crate::json::hex_0x(out, v);
            out.push('"');
        }
        out.push(']');
        return Ok(());
    };
    let first = values.first().copied().unwrap_or(&[]);
    let _ = write!(out, "\"{key}\": ");
    match t {
        1024 => flags(out, NODE_FLAGS, exact(first, 1)?[0]),
        1025 | 1097 | 1157 => {
            out.push('"');
            crate::json::hex_0x(out, first);
            out.push('"');
            Ok(())
        }
        1026 | 1098 => {
            // RFC 9552 §5.3.1.3: at most 255 octets; ExaBGP reads it as ASCII.
            if first.len() > 255 || !first.is_ascii() {
                return Err(());
            }
            crate::json::string(out, std::str::from_utf8(first).map_err(|_| ())?);
            Ok(())
        }
        1027 => {
            out.push('"');
            push_decimal(out, first);
            out.push('"');
            Ok(())
        }
        1028 | 1029 => {
            out.push('[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "\"{}\"", ip(v)?);
            }
            out.push(']');
            Ok(())
        }
        1030 | 1031 | 1156 | 1171 => {
            let _ = write!(out, "\"{}\"", ip(first)?);
            Ok(())
        }
        1034 => {
            let [f, _, tlvs @ ..] = first else { return Err(()) };
            let mut rest: &[u8] = tlvs;
            flags(out, SR_CAP_FLAGS, *f)?;
            out.push_str(", \"sids\": [");
            let mut n = 0;
            // RFC 9085 §2.1.2: { range(3) SID/label sub-TLV 1161 }*.
            while !rest.is_empty() {
                let [a, b, c, t1, t2, l1, l2, tail @ ..] = rest else { return Err(()) };
                let range = u32::from_be_bytes([0, *a, *b, *c]);
                if u16::from_be_bytes([*t1, *t2]) != 1161 {
                    return Err(());
                }
                let len = u16::from_be_bytes([*l1, *l2]) as usize;
                let v = tail.get(..len).ok_or(())?;
                let sid = match v {
                    [x, y, z] => Some(u32::from_be_bytes([0, *x, *y, *z]) & 0xfffff),
                    [w, x, y, z] => Some(u32::from_be_bytes([*w, *x, *y, *z])),
                    _ => None,
                };
                if let Some(sid) = sid {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "[{range}, {sid}]");
                    n += 1;
                }
                rest = &tail[len..];
            }
            out.push(']');
            Ok(())
        }
        1035 => {
            out.push('[');
            if first.is_empty() {
                out.push('0');
            }
            for (i, a) in first.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{a}");
            }
            out.push(']');
            Ok(())
        }
        1038 => {
            let [a, b, ..] = first else { return Err(()) };
            let v = u16::from_be_bytes([*a, *b]) & (1 << 6);
            let _ = write!(out, "{{\"flags\": {{\"O\": {v}}}}}");
            Ok(())
        }
        1088 | 1092 | 1155 => {
            let _ = write!(out, "{}", be(exact(first, 4)?));
            Ok(())
        }
        1089 | 1090 => {
            push_py_float(out, f32_at(exact(first, 4)?, 0) as f64);
            Ok(())
        }
        1091 => {
            let v = exact(first, 32)?;
            out.push('[');
            for i in 0..8 {
                if i > 0 {
                    out.push_str(", ");
                }
                push_py_float(out, f32_at(v, i * 4) as f64);
            }
            out.push(']');
            Ok(())
        }
        1093 => flags(out, PROTECTION_FLAGS, exact(first, 2)?[0]),
        1094 => flags(out, MPLS_FLAGS, exact(first, 1)?[0]),
        1095 => {
            // RFC 9552 §5.3.2.4: one (IS-IS small), two (OSPF) or three (IS-IS wide) octets.
            match first.len() {
                1..=3 => {
                    let _ = write!(out, "{}", be(first));
                    Ok(())
                }
                _ => Err(()),
            }
        }
        1096 => list_of(out, first, 4),
        1153 => list_of(out, first, 4),
        1154 => list_of(out, first, 8),
        1099 => {
            let [f, weight, _, _, rest @ ..] = first else { return Err(()) };
            out.push_str("{\"flags\": ");
            flags(out, ADJ_FLAGS, *f)?;
            out.push_str(", \"sids\": ");
            let undecoded = sids(out, *f, rest, false)?;
            let _ = write!(out, ", \"weight\": {weight}, \"undecoded-sids\": [");
            if let Some(u) = undecoded {
                out.push('"');
                crate::json::hex_0x(out, u);
                out.push('"');
            }
            out.push_str("]}");
            Ok(())
        }
        1100 => {
            out.push('[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let [f, weight, _, _, s1, s2, s3, s4, s5, s6, rest @ ..] = v else { return Err(()) };
                out.push_str("{\"flags\": ");
                flags(out, ADJ_FLAGS, *f)?;
                let _ = write!(
                    out,
                    ", \"weight\": {weight}, \"system-id\": \"{s1:02x}{s2:02x}{s3:02x}{s4:02x}{s5:02x}{s6:02x}\", \"sids\": "
                );
                let undecoded = sids(out, *f, rest, false)?;
                out.push_str(", \"undecoded\": [");
                if let Some(u) = undecoded {
                    out.push('"');
                    crate::json::hex_0x(out, u);
                    out.push('"');
                }
                out.push_str("]}");
            }
            out.push(']');
            Ok(())
        }
        1106..=1108 => {
            out.push_str("[ ");
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                endx(out, t, v)?;
            }
            out.push_str(" ]");
            Ok(())
        }
        1152 => flags(out, IGP_FLAGS, exact(first, 1)?[0]),
        1158 => {
            // The key already written is "sr-prefix-flags".
            let [f, algo, _, _, rest @ ..] = first else { return Err(()) };
            flags(out, PREFIX_FLAGS, *f)?;
            out.push_str(", \"sids\": ");
            let undecoded = sids(out, *f << 2, rest, true)?;
            out.push_str(", \"undecoded-sids\": [");
            if let Some(u) = undecoded {
                out.push('"');
                crate::json::hex_0x(out, u);
                out.push('"');
            }
            let _ = write!(out, "], \"sr-algorithm\": {algo}");
            Ok(())
        }
        1162 => {
            let [f, algo, _, _, a, b, c, d, ..] = first else { return Err(()) };
            out.push_str("{\"flags\": ");
            flags(out, LOCATOR_FLAGS, *f)?;
            let _ = write!(out, ", \"algorithm\": {algo}, \"metric\": {}}}", u32::from_be_bytes([*a, *b, *c, *d]));
            Ok(())
        }
        1170 => flags(out, PREFIX_ATTR_FLAGS, *first.first().ok_or(())?),
        1250 => {
            let [a, b, _, algo, ..] = first else { return Err(()) };
            let _ = write!(
                out,
                "{{\"endpoint-behavior\": {}, \"flags\": [], \"algorithm\": {algo}}}",
                u16::from_be_bytes([*a, *b])
            );
            Ok(())
        }
        1252 => sid_structure_value(out, first),
        _ => Err(()),
    }
}

/// `{"loc_block_len": a, "loc_node_len": b, "func_len": c, "arg_len": d}`
fn sid_structure_value(out: &mut String, v: &[u8]) -> R {
    let [a, b, c, d, ..] = v else { return Err(()) };
    let _ = write!(out, "{{\"loc_block_len\": {a}, \"loc_node_len\": {b}, \"func_len\": {c}, \"arg_len\": {d}}}");
    Ok(())
}

/// One SRv6 End.X (1106) or LAN End.X (1107 IS-IS, 1108 OSPF) SID (RFC 9514 §4).
fn endx(out: &mut String, t: u16, v: &[u8]) -> R {
    let [b1, b2, f, algo, weight, _, rest @ ..] = v else { return Err(()) };
    out.push_str("{\"flags\": ");
    flags(out, SRV6_FLAGS, *f)?;
    let rest = match t {
        1107 => {
            let id = rest.get(..6).ok_or(())?;
            out.push_str(", \"neighbor-id\": \"");
            for b in id {
                let _ = write!(out, "{b:02x}");
            }
            out.push('"');
            &rest[6..]
        }
        1108 => {
            let id = rest.get(..4).ok_or(())?;
            let _ = write!(out, ", \"neighbor-id\": \"{}\"", ip(id)?);
            &rest[4..]
        }
        _ => rest,
    };
    let sid: [u8; 16] = rest.get(..16).ok_or(())?.try_into().map_err(|_| ())?;
    let _ = write!(
        out,
        ", \"behavior\": {}, \"algorithm\": {algo}, \"weight\": {weight}, \"sid\": \"{}\"",
        u16::from_be_bytes([*b1, *b2]),
        Ipv6Addr::from(sid)
    );
    let mut subs = &rest[16..];
    while subs.len() >= 4 {
        let code = u16::from_be_bytes([subs[0], subs[1]]);
        let len = u16::from_be_bytes([subs[2], subs[3]]) as usize;
        let value = subs.get(4..4 + len).ok_or(())?;
        if code == 1252 {
            out.push_str(", \"srv6-sid-structure\": ");
            sid_structure_value(out, value)?;
        } else {
            let _ = write!(out, ", \"{code}-undecoded\": \"");
            crate::json::hex_0x(out, value);
            out.push('"');
        }
        subs = &subs[4 + len..];
    }
    out.push('}');
    Ok(())
}

/// SID/label list after SR flags (RFC 9085 §2.2.1): V and L set means
/// three-octet labels, both clear four-octet indexes; anything else is left
/// undecoded (returned). `f` holds V in bit 5 and L in bit 4 (0x20, 0x10).
fn sids<'a>(out: &mut String, f: u8, mut rest: &'a [u8], strict_index: bool) -> Result<Option<&'a [u8]>, ()> {
    let v = f & 0x20 != 0;
    let l = f & 0x10 != 0;
    out.push('[');
    let mut n = 0;
    let mut undecoded = None;
    while !rest.is_empty() {
        let sid = if v && l {
            let [a, b, c, tail @ ..] = rest else { return Err(()) };
            rest = tail;
            u32::from_be_bytes([0, *a, *b, *c])
        } else if !v && !l {
            if strict_index && rest.len() != 4 {
                return Err(());
            }
            let [a, b, c, d, tail @ ..] = rest else { return Err(()) };
            rest = tail;
            u32::from_be_bytes([*a, *b, *c, *d])
        } else {
            undecoded = Some(rest);
            break;
        };
        if n > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{sid}");
        n += 1;
    }
    out.push(']');
    Ok(undecoded)
}

/// `{"O": 0, "T": 1, ..., "RSV": 0}`: one key per flag name (first-appearance
/// order); reserved bits must be clear.
fn flags(out: &mut String, names: &[&str], byte: u8) -> R {
    let mut seen: Vec<&str> = Vec::with_capacity(8);
    for (i, n) in names.iter().enumerate() {
        let bit = (byte >> (7 - i)) & 1;
        if *n == "RSV" && bit != 0 {
            return Err(());
        }
        if !seen.contains(n) {
            seen.push(n);
        }
    }
    out.push('{');
    for (j, n) in seen.iter().enumerate() {
        if j > 0 {
            out.push_str(", ");
        }
        // The value shown is that of the last bit with this name.
        let i = names.iter().rposition(|x| x == n).unwrap_or(0);
        let _ = write!(out, "\"{n}\": {}", (byte >> (7 - i)) & 1);
    }
    out.push('}');
    Ok(())
}

fn list_of(out: &mut String, v: &[u8], size: usize) -> R {
    if !v.len().is_multiple_of(size) {
        return Err(());
    }
    out.push('[');
    for (i, c) in v.chunks_exact(size).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}", be(c));
    }
    out.push(']');
    Ok(())
}

fn exact(v: &[u8], n: usize) -> Result<&[u8], ()> {
    if v.len() == n {
        Ok(v)
    } else {
        Err(())
    }
}

fn be(v: &[u8]) -> u64 {
    v.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64)
}

fn f32_at(v: &[u8], i: usize) -> f32 {
    f32::from_bits(u32::from_be_bytes([v[i], v[i + 1], v[i + 2], v[i + 3]]))
}

fn ip(v: &[u8]) -> Result<IpAddr, ()> {
    match v.len() {
        4 => Ok(IpAddr::V4(Ipv4Addr::new(v[0], v[1], v[2], v[3]))),
        16 => {
            let a: [u8; 16] = v.try_into().map_err(|_| ())?;
            Ok(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => Err(()),
    }
}
