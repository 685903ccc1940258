//! Just enough BGP for a load peer: frame messages, build and read OPEN,
//! build the source peer's UPDATEs, and count prefixes in received UPDATEs
//! without building any per-route value (RFC 4271 section 4).
//!
//! Only IPv4/IPv6 unicast-style NLRI (a length byte then the prefix bytes)
//! are walked; other families are counted as one "message" so EoR detection
//! still works for them.

use std::fmt;

/// RFC 4271 section 4.1: 16-byte marker, 2-byte length, 1-byte type.
pub const HEADER_LEN: usize = 19;
/// RFC 8654 raises the ceiling to 65535; accepting it costs nothing here.
pub const MAX_LEN: usize = 65535;

pub const OPEN: u8 = 1;
pub const UPDATE: u8 = 2;
pub const NOTIFICATION: u8 = 3;
pub const KEEPALIVE: u8 = 4;
pub const ROUTE_REFRESH: u8 = 5;

/// RFC 6793: the 2-byte stand-in for a 4-byte AS number.
const AS_TRANS: u16 = 23456;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(text: impl Into<String>) -> Result<T, WireError> {
    Err(WireError(text.into()))
}

fn be16(data: &[u8], at: usize) -> Result<usize, WireError> {
    match data.get(at..at + 2) {
        Some(b) => Ok(usize::from(b[0]) << 8 | usize::from(b[1])),
        None => err("truncated 16-bit field"),
    }
}

/// Length of the complete message at the front of `buf`, once it is all there.
pub fn frame(buf: &[u8]) -> Result<Option<(usize, u8)>, WireError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    if buf[..16].iter().any(|b| *b != 0xff) {
        return err("bad marker");
    }
    let len = be16(buf, 16)?;
    if !(HEADER_LEN..=MAX_LEN).contains(&len) {
        return err(format!("bad message length {len}"));
    }
    if buf.len() < len {
        return Ok(None);
    }
    Ok(Some((len, buf[18])))
}

fn message(kind: u8, body: &[u8], out: &mut Vec<u8>) {
    let len = HEADER_LEN + body.len();
    out.extend_from_slice(&[0xff; 16]);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.push(kind);
    out.extend_from_slice(body);
}

pub fn keepalive() -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    message(KEEPALIVE, &[], &mut out);
    out
}

/// RFC 4724 section 2: the IPv4 unicast End-of-RIB is an empty UPDATE.
pub fn eor_ipv4_unicast() -> Vec<u8> {
    let mut out = Vec::with_capacity(23);
    message(UPDATE, &[0, 0, 0, 0], &mut out);
    out
}

/// RFC 4486 Cease / administrative shutdown, sent when the bench stops.
pub fn cease() -> Vec<u8> {
    let mut out = Vec::with_capacity(21);
    message(NOTIFICATION, &[6, 2], &mut out);
    out
}

/// The parts of a peer's OPEN the load peer needs to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub asn: u32,
    pub hold: u16,
    pub router_id: [u8; 4],
    /// (code, value) for every capability, in order (RFC 5492).
    pub caps: Vec<(u8, Vec<u8>)>,
}

impl Open {
    pub fn has_cap(&self, code: u8) -> bool {
        self.caps.iter().any(|(c, _)| *c == code)
    }

    /// Parse an OPEN message (header included).
    pub fn parse(msg: &[u8]) -> Result<Open, WireError> {
        let body = msg.get(HEADER_LEN..).unwrap_or(&[]);
        if body.len() < 10 {
            return err("OPEN too short");
        }
        if body[0] != 4 {
            return err(format!("OPEN version {}", body[0]));
        }
        let mut asn = be16(body, 1)? as u32;
        let hold = be16(body, 3)? as u16;
        let router_id = [body[5], body[6], body[7], body[8]];
        let mut params_len = usize::from(body[9]);
        let mut at = 10;
        let mut wide = false;
        // RFC 9072: a 255/255 pair announces 2-byte parameter lengths.
        if params_len == 255 && body.get(10) == Some(&255) {
            params_len = be16(body, 11)?;
            at = 13;
            wide = true;
        }
        let params = match body.get(at..at + params_len) {
            Some(p) => p,
            None => return err("OPEN parameters truncated"),
        };
        let mut caps = Vec::new();
        let mut i = 0;
        while i < params.len() {
            let kind = params[i];
            let (len, head) = if wide { (be16(params, i + 1)?, 3) } else { (usize::from(*params.get(i + 1).unwrap_or(&0)), 2) };
            let value = match params.get(i + head..i + head + len) {
                Some(v) => v,
                None => return err("OPEN parameter truncated"),
            };
            i += head + len;
            if kind != 2 {
                continue;
            }
            let mut j = 0;
            while j < value.len() {
                let code = value[j];
                let clen = usize::from(*value.get(j + 1).unwrap_or(&0));
                let cval = match value.get(j + 2..j + 2 + clen) {
                    Some(v) => v,
                    None => return err("capability truncated"),
                };
                if code == 65 && cval.len() == 4 {
                    asn = u32::from_be_bytes([cval[0], cval[1], cval[2], cval[3]]);
                }
                caps.push((code, cval.to_vec()));
                j += 2 + clen;
            }
        }
        Ok(Open { asn, hold, router_id, caps })
    }

    /// Encode as a full OPEN message.
    pub fn encode(&self) -> Vec<u8> {
        let mut caps = Vec::new();
        for (code, value) in &self.caps {
            caps.push(*code);
            caps.push(value.len() as u8);
            caps.extend_from_slice(value);
        }
        let mut body = Vec::with_capacity(10 + caps.len() + 2);
        body.push(4);
        let two = if self.asn > 0xffff { AS_TRANS } else { self.asn as u16 };
        body.extend_from_slice(&two.to_be_bytes());
        body.extend_from_slice(&self.hold.to_be_bytes());
        body.extend_from_slice(&self.router_id);
        if caps.is_empty() {
            body.push(0);
        } else {
            body.push((caps.len() + 2) as u8);
            body.push(2);
            body.push(caps.len() as u8);
            body.extend_from_slice(&caps);
        }
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        message(OPEN, &body, &mut out);
        out
    }

    /// The OPEN a load peer answers `theirs` with: the same families and
    /// route-refresh, a 4-byte AS if they offered one, nothing that would
    /// change the NLRI encoding (ADD-PATH) or the message size (RFC 8654).
    pub fn answer(theirs: &Open, asn: u32, router_id: [u8; 4]) -> Open {
        let mut caps = Vec::new();
        for (code, value) in &theirs.caps {
            match code {
                // multiprotocol (RFC 4760), route refresh (RFC 2918), enhanced refresh (RFC 7313)
                1 | 2 | 70 | 128 => caps.push((*code, value.clone())),
                65 => caps.push((65, asn.to_be_bytes().to_vec())),
                _ => {}
            }
        }
        Open { asn, hold: theirs.hold, router_id, caps }
    }
}

/// What one received UPDATE carried.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpdateCount {
    pub announced: u64,
    pub withdrawn: u64,
    /// End-of-RIB for some family (RFC 4724 section 2).
    pub eor: bool,
}

/// Count length-prefixed NLRI (RFC 4271 section 4.3 / RFC 4760 section 5).
fn count_prefixes(data: &[u8]) -> Result<u64, WireError> {
    let mut i = 0;
    let mut count = 0;
    while i < data.len() {
        let bits = usize::from(data[i]);
        i += 1 + bits.div_ceil(8);
        count += 1;
    }
    if i != data.len() {
        return err("NLRI overruns its field");
    }
    Ok(count)
}

/// Prefix-walkable families: IPv4/IPv6 unicast and multicast.
fn walkable(afi: usize, safi: u8) -> bool {
    (afi == 1 || afi == 2) && (safi == 1 || safi == 2)
}

/// Count the prefixes in an UPDATE (header included).
pub fn count_update(msg: &[u8]) -> Result<UpdateCount, WireError> {
    let body = msg.get(HEADER_LEN..).unwrap_or(&[]);
    let wlen = be16(body, 0)?;
    let withdrawn = match body.get(2..2 + wlen) {
        Some(w) => w,
        None => return err("withdrawn routes truncated"),
    };
    let alen = be16(body, 2 + wlen)?;
    let astart = 4 + wlen;
    let attrs = match body.get(astart..astart + alen) {
        Some(a) => a,
        None => return err("path attributes truncated"),
    };
    let nlri = body.get(astart + alen..).unwrap_or(&[]);
    let mut out = UpdateCount {
        announced: count_prefixes(nlri)?,
        withdrawn: count_prefixes(withdrawn)?,
        eor: wlen == 0 && alen == 0 && nlri.is_empty(),
    };
    let mut i = 0;
    let mut only_empty_unreach = true;
    let mut saw_unreach = false;
    while i < attrs.len() {
        let flags = attrs[i];
        let code = *attrs.get(i + 1).unwrap_or(&0);
        let (len, head) = if flags & 0x10 != 0 {
            (be16(attrs, i + 2)?, 4)
        } else {
            (usize::from(*attrs.get(i + 2).unwrap_or(&0)), 3)
        };
        let value = match attrs.get(i + head..i + head + len) {
            Some(v) => v,
            None => return err("attribute truncated"),
        };
        i += head + len;
        match code {
            // MP_REACH_NLRI: AFI, SAFI, next-hop length and next-hop, reserved, NLRI
            14 => {
                only_empty_unreach = false;
                let afi = be16(value, 0)?;
                let safi = *value.get(2).unwrap_or(&0);
                let nhlen = usize::from(*value.get(3).unwrap_or(&0));
                let rest = value.get(5 + nhlen..).unwrap_or(&[]);
                out.announced += if walkable(afi, safi) { count_prefixes(rest)? } else { u64::from(!rest.is_empty()) };
            }
            // MP_UNREACH_NLRI: AFI, SAFI, withdrawn NLRI
            15 => {
                saw_unreach = true;
                let afi = be16(value, 0)?;
                let safi = *value.get(2).unwrap_or(&0);
                let rest = value.get(3..).unwrap_or(&[]);
                if !rest.is_empty() {
                    only_empty_unreach = false;
                }
                out.withdrawn += if walkable(afi, safi) { count_prefixes(rest)? } else { u64::from(!rest.is_empty()) };
            }
            _ => only_empty_unreach = false,
        }
    }
    if saw_unreach && only_empty_unreach && wlen == 0 && nlri.is_empty() {
        out.eor = true;
    }
    Ok(out)
}

/// The i-th distinct /24 the bench uses: 16.0.0.0/24, 16.0.1.0/24, ...
/// (1M of them stay within 16.0.0.0/4's lower half).
pub fn prefix24(i: u64) -> [u8; 3] {
    [16 + ((i >> 16) & 0xff) as u8, ((i >> 8) & 0xff) as u8, (i & 0xff) as u8]
}

/// Path attributes of attribute set `set` as a source peer with AS `asn`
/// sends them: ORIGIN IGP, AS_PATH [asn, 64512+set], NEXT_HOP, MED set,
/// COMMUNITIES asn:set (RFC 4271 section 5, RFC 1997).
fn source_attributes(asn: u32, asn4: bool, next_hop: [u8; 4], set: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&[0x40, 1, 1, 0]);
    let second = 64512 + (set % 1000);
    if asn4 {
        out.extend_from_slice(&[0x40, 2, 10, 2, 2]);
        out.extend_from_slice(&asn.to_be_bytes());
        out.extend_from_slice(&second.to_be_bytes());
    } else {
        let two = if asn > 0xffff { AS_TRANS } else { asn as u16 };
        out.extend_from_slice(&[0x40, 2, 6, 2, 2]);
        out.extend_from_slice(&two.to_be_bytes());
        out.extend_from_slice(&(second as u16).to_be_bytes());
    }
    out.extend_from_slice(&[0x40, 3, 4]);
    out.extend_from_slice(&next_hop);
    out.extend_from_slice(&[0x80, 4, 4]);
    out.extend_from_slice(&set.to_be_bytes());
    out.extend_from_slice(&[0xc0, 8, 4]);
    out.extend_from_slice(&((asn & 0xffff) as u16).to_be_bytes());
    out.extend_from_slice(&((set & 0xffff) as u16).to_be_bytes());
}

/// All UPDATEs a source peer sends for `n` prefixes, `per_update` /24s per
/// message, attribute set rotating over `sets`, then the IPv4 unicast EoR.
pub fn source_updates(n: u64, per_update: u64, sets: u32, asn: u32, asn4: bool, next_hop: [u8; 4]) -> Vec<u8> {
    let per = per_update.clamp(1, 900);
    let sets = sets.max(1);
    let mut out = Vec::with_capacity((n * 4 + (n / per + 1) * 60) as usize + 23);
    let mut attrs = Vec::with_capacity(64);
    let mut next = 0u64;
    let mut index = 0u32;
    while next < n {
        let take = per.min(n - next);
        attrs.clear();
        source_attributes(asn, asn4, next_hop, index % sets, &mut attrs);
        let len = HEADER_LEN + 4 + attrs.len() + (take as usize) * 4;
        out.extend_from_slice(&[0xff; 16]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.push(UPDATE);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        out.extend_from_slice(&attrs);
        for i in next..next + take {
            out.push(24);
            out.extend_from_slice(&prefix24(i));
        }
        next += take;
        index += 1;
    }
    out.extend_from_slice(&eor_ipv4_unicast());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(stream: &[u8]) -> (u64, u64, usize) {
        let (mut announced, mut eors, mut messages) = (0, 0, 0);
        let mut rest = stream;
        while let Some((len, kind)) = frame(rest).expect("frame") {
            assert_eq!(kind, UPDATE);
            let c = count_update(&rest[..len]).expect("count");
            announced += c.announced;
            eors += u64::from(c.eor);
            messages += 1;
            rest = &rest[len..];
        }
        assert!(rest.is_empty());
        (announced, eors, messages)
    }

    #[test]
    fn source_updates_count_back() {
        for (n, per) in [(0u64, 500u64), (1, 500), (999, 500), (1000, 500), (1001, 1000), (12345, 700)] {
            let stream = source_updates(n, per, 7, 65001, true, [127, 0, 0, 2]);
            let (announced, eors, messages) = walk(&stream);
            assert_eq!(announced, n);
            assert_eq!(eors, 1);
            assert_eq!(messages as u64, n.div_ceil(per.min(900)) + 1);
        }
        let stream = source_updates(5000, 900, 3, 70000, false, [127, 0, 0, 2]);
        assert_eq!(walk(&stream).0, 5000);
    }

    #[test]
    fn updates_fit_the_standard_size() {
        let stream = source_updates(100_000, 2000, 2, 65001, true, [127, 0, 0, 2]);
        let mut rest = &stream[..];
        while let Some((len, _)) = frame(rest).expect("frame") {
            assert!(len <= 4096, "{len}");
            rest = &rest[len..];
        }
    }

    #[test]
    fn open_round_trip_and_answer() {
        let theirs = Open {
            asn: 65000,
            hold: 180,
            router_id: [10, 0, 0, 1],
            caps: vec![(1, vec![0, 1, 0, 1]), (1, vec![0, 2, 0, 1]), (2, vec![]), (65, vec![0, 0, 0xfd, 0xe8]), (69, vec![0, 1, 1, 3]), (6, vec![])],
        };
        let bytes = theirs.encode();
        assert_eq!(frame(&bytes).expect("frame"), Some((bytes.len(), OPEN)));
        assert_eq!(Open::parse(&bytes).expect("parse"), theirs);
        let ours = Open::answer(&theirs, 70000, [127, 0, 0, 2]);
        assert_eq!(ours.caps, vec![(1, vec![0, 1, 0, 1]), (1, vec![0, 2, 0, 1]), (2, vec![]), (65, 70000u32.to_be_bytes().to_vec())]);
        let back = Open::parse(&ours.encode()).expect("parse");
        assert_eq!(back.asn, 70000);
        assert_eq!(back.hold, 180);
    }

    #[test]
    fn eor_forms() {
        assert!(count_update(&eor_ipv4_unicast()).expect("count").eor);
        // MP_UNREACH with only AFI 2 / SAFI 1: the IPv6 unicast EoR
        let mut msg = Vec::new();
        message(UPDATE, &[0, 0, 0, 6, 0x80, 15, 3, 0, 2, 1], &mut msg);
        let c = count_update(&msg).expect("count");
        assert!(c.eor);
        assert_eq!(c.announced, 0);
        // MP_REACH IPv6 with two prefixes is not an EoR
        let mut msg = Vec::new();
        let mut attr = vec![0x80, 14, 0, 0, 2, 1, 16];
        attr.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        attr.push(0);
        attr.extend_from_slice(&[32, 0x20, 0x01, 0x0d, 0xb8, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1]);
        attr[2] = (attr.len() - 3) as u8;
        let mut body = vec![0, 0, 0, attr.len() as u8];
        body.extend_from_slice(&attr);
        message(UPDATE, &body, &mut msg);
        let c = count_update(&msg).expect("count");
        assert_eq!((c.announced, c.eor), (2, false));
    }

    #[test]
    fn malformed_is_an_error_not_a_panic() {
        assert!(frame(&[0u8; 19]).is_err());
        let mut msg = eor_ipv4_unicast();
        msg.push(24);
        msg.push(1);
        msg[17] = msg.len() as u8;
        assert!(count_update(&msg).is_err());
        assert!(Open::parse(&keepalive()).is_err());
        for cut in 0..30 {
            let open = Open { asn: 1, hold: 3, router_id: [1, 1, 1, 1], caps: vec![(1, vec![0, 1, 0, 1])] }.encode();
            let _ = Open::parse(&open[..cut.min(open.len())]);
        }
    }
}
