//! OPERATIONAL (draft-ietf-idr-operational-message-00, type 6 as ExaBGP uses it).
//!
//! ```text
//! +--------------------------------+
//! | Type (2 octets)                |
//! | Length (2 octets)              |   length of what follows
//! +--------------------------------+
//! | AFI (2) | SAFI (1)             |
//! | [Router-ID (4) | Sequence (4)] |   queries and counters
//! | [Counter (4)]                  |   counters
//! | [Advisory text (UTF-8)]        |   advisories
//! +--------------------------------+
//! ```
//! ExaBGP knows ADM and ASM (advisories), RPCQ, APCQ, LPCQ (queries) and
//! RPCP, APCP, LPCP (counters).

use std::fmt::Write;
use std::net::Ipv4Addr;

use bytes::{BufMut, Bytes, BytesMut};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::notify::Notify;

use super::undecodable;

/// Operational message types (draft §3).
pub mod what {
    pub const ADM: u16 = 1;
    pub const ASM: u16 = 2;
    pub const RPCQ: u16 = 3;
    pub const RPCP: u16 = 4;
    pub const APCQ: u16 = 5;
    pub const APCP: u16 = 6;
    pub const LPCQ: u16 = 7;
    pub const LPCP: u16 = 8;
}

/// ExaBGP cuts advisories to 2 KiB (2045 octets and `...`).
pub const MAX_ADVISORY: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operational {
    /// ADM or ASM.
    Advisory { what: u16, family: Family, text: Vec<u8> },
    /// RPCQ, APCQ or LPCQ.
    Query { what: u16, family: Family, router_id: Ipv4Addr, sequence: u32 },
    /// RPCP, APCP or LPCP.
    Counter { what: u16, family: Family, router_id: Ipv4Addr, sequence: u32, counter: u32 },
    /// A type ExaBGP does not decode. ExaBGP fails on these (its session is
    /// reset without a NOTIFICATION); the reactor decides what to do.
    Unknown { what: u16, data: Bytes },
}

impl Operational {
    /// An advisory, cut to `MAX_ADVISORY` octets as ExaBGP does.
    pub fn advisory(what: u16, family: Family, text: &str) -> Operational {
        let mut bytes = text.as_bytes().to_vec();
        if bytes.len() > MAX_ADVISORY {
            bytes.truncate(MAX_ADVISORY - 3);
            bytes.extend_from_slice(b"...");
        }
        Operational::Advisory { what, family, text: bytes }
    }

    pub fn what(&self) -> u16 {
        match self {
            Operational::Advisory { what, .. }
            | Operational::Query { what, .. }
            | Operational::Counter { what, .. }
            | Operational::Unknown { what, .. } => *what,
        }
    }

    /// ExaBGP's name of the type (`ADM`, `RPCQ`, …).
    pub fn name(&self) -> &'static str {
        match self.what() {
            what::ADM => "ADM",
            what::ASM => "ASM",
            what::RPCQ => "RPCQ",
            what::RPCP => "RPCP",
            what::APCQ => "APCQ",
            what::APCP => "APCP",
            what::LPCQ => "LPCQ",
            what::LPCP => "LPCP",
            _ => "unknown",
        }
    }

    /// ExaBGP's category: `advisory`, `query`, `counter` (the API event kinds).
    pub fn category(&self) -> &'static str {
        match self {
            Operational::Advisory { .. } => "advisory",
            Operational::Query { .. } => "query",
            Operational::Counter { .. } => "counter",
            Operational::Unknown { .. } => "unknown",
        }
    }

    pub fn family(&self) -> Option<Family> {
        match self {
            Operational::Advisory { family, .. }
            | Operational::Query { family, .. }
            | Operational::Counter { family, .. } => Some(*family),
            Operational::Unknown { .. } => None,
        }
    }

    pub fn unpack(body: &Bytes) -> Result<Operational, Notify> {
        // ExaBGP indexes without checking; short input ends in its catch-all.
        let short = || undecodable(6);
        let b: &[u8] = body;
        if b.len() < 4 {
            return Err(short());
        }
        let what = u16::from_be_bytes([b[0], b[1]]);
        let length = u16::from_be_bytes([b[2], b[3]]) as usize;
        let family = |b: &[u8]| -> Result<Family, Notify> {
            match b.get(4..7) {
                Some(&[a1, a2, s]) => Ok(Family::new(Afi(u16::from_be_bytes([a1, a2])), Safi(s))),
                _ => Err(short()),
            }
        };
        let u32_at = |at: usize| -> Result<u32, Notify> {
            match b.get(at..at + 4) {
                Some(&[x1, x2, x3, x4]) => Ok(u32::from_be_bytes([x1, x2, x3, x4])),
                _ => Err(short()),
            }
        };
        match what {
            what::ADM | what::ASM => {
                let family = family(b)?;
                // The text runs to the announced length, or what is there.
                let end = (length + 4).min(b.len());
                let text = b.get(7..end).unwrap_or(&[]).to_vec();
                Ok(Operational::Advisory { what, family, text })
            }
            what::RPCQ | what::APCQ | what::LPCQ => Ok(Operational::Query {
                what,
                family: family(b)?,
                router_id: Ipv4Addr::from(u32_at(7)?),
                sequence: u32_at(11)?,
            }),
            what::RPCP | what::APCP | what::LPCP => Ok(Operational::Counter {
                what,
                family: family(b)?,
                router_id: Ipv4Addr::from(u32_at(7)?),
                sequence: u32_at(11)?,
                counter: u32_at(15)?,
            }),
            _ => Ok(Operational::Unknown { what, data: body.slice(4..) }),
        }
    }

    pub fn pack_body(&self, out: &mut BytesMut) {
        out.put_u16(self.what());
        let at = out.len();
        out.put_u16(0);
        if let Some(family) = self.family() {
            out.put_u16(family.afi.0);
            out.put_u8(family.safi.0);
        }
        match self {
            Operational::Advisory { text, .. } => out.put_slice(text),
            Operational::Query { router_id, sequence, .. } => {
                out.put_slice(&router_id.octets());
                out.put_u32(*sequence);
            }
            Operational::Counter { router_id, sequence, counter, .. } => {
                out.put_slice(&router_id.octets());
                out.put_u32(*sequence);
                out.put_u32(*counter);
            }
            Operational::Unknown { data, .. } => out.put_slice(data),
        }
        let len = (out.len() - at - 2).min(u16::MAX as usize) as u16;
        out[at..at + 2].copy_from_slice(&len.to_be_bytes());
    }

    /// `"operational": { "name": "ADM", "afi": "ipv4", "safi": "unicast", "advisory": "text" }`
    /// (or the query / counter forms). ExaBGP doubles the quotes of these
    /// values (and shows an advisory as a Python bytes literal); here they are
    /// plain JSON strings.
    pub fn json(&self, out: &mut String) {
        let _ = write!(out, "\"operational\": {{ \"name\": \"{}\"", self.name());
        if let Some(f) = self.family() {
            let _ = write!(out, ", \"afi\": \"{}\", \"safi\": \"{}\"", f.afi, f.safi);
        }
        match self {
            Operational::Advisory { text, .. } => {
                out.push_str(", \"advisory\": ");
                crate::json::string(out, &String::from_utf8_lossy(text));
            }
            Operational::Query { .. } => {}
            Operational::Counter { router_id, sequence, counter, .. } => {
                let _ = write!(out, ", \"router-id\": \"{router_id}\", \"sequence\": {sequence}, \"counter\": {counter}");
            }
            Operational::Unknown { what, data } => {
                let _ = write!(out, ", \"type\": {what}, \"raw\": \"");
                crate::json::hex_upper(out, data);
                out.push('"');
            }
        }
        out.push_str(" }");
    }

    /// `operational ADM afi ipv4 safi unicast advisory "text"` and the like.
    pub fn text(&self, out: &mut String) {
        let _ = write!(out, "operational {}", self.name());
        if let Some(f) = self.family() {
            let _ = write!(out, " afi {} safi {}", f.afi, f.safi);
        }
        match self {
            Operational::Advisory { text, .. } => {
                let _ = write!(out, " advisory \"{}\"", String::from_utf8_lossy(text));
            }
            Operational::Query { .. } => {}
            Operational::Counter { router_id, sequence, counter, .. } => {
                let _ = write!(out, " router-id {router_id} sequence {sequence} counter {counter}");
            }
            Operational::Unknown { what, .. } => {
                let _ = write!(out, " type {what}");
            }
        }
    }
}

/// ExaBGP's numbering of queries and counters sent without a sequence (or
/// with 0): one counter per router-id, shared by every peer.
///
/// ExaBGP reads the counter under the router-id given in the command but
/// stores it under the one it sent, so without an explicit router-id the
/// sequence is always 1. Reproduced because the peer sees it.
#[derive(Clone, Debug, Default)]
pub struct Sequencer {
    last: Vec<(Option<Ipv4Addr>, u32)>,
}

impl Sequencer {
    /// The router-id and sequence to send: `router_id` defaults to ours.
    pub fn resolve(&mut self, router_id: Option<Ipv4Addr>, sequence: u32, ours: Ipv4Addr) -> (Ipv4Addr, u32) {
        let sent_id = router_id.unwrap_or(ours);
        if sequence != 0 {
            return (sent_id, sequence);
        }
        let previous = self.last.iter().find(|(k, _)| *k == router_id).map_or(0, |(_, v)| *v);
        let next = (previous as u64 + 1) % 0xFFFF_FFFF;
        let next = next as u32;
        match self.last.iter_mut().find(|(k, _)| *k == Some(sent_id)) {
            Some(slot) => slot.1 = next,
            None => self.last.push((Some(sent_id), next)),
        }
        (sent_id, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(op: &Operational) -> Vec<u8> {
        let mut out = BytesMut::new();
        op.pack_body(&mut out);
        let back = Operational::unpack(&out.clone().freeze()).unwrap();
        assert_eq!(&back, op);
        out.to_vec()
    }

    #[test]
    fn every_kind_round_trips() {
        let adm = Operational::advisory(what::ADM, Family::IPV4_UNICAST, "hello");
        assert_eq!(round_trip(&adm), b"\x00\x01\x00\x08\x00\x01\x01hello".to_vec());
        round_trip(&Operational::advisory(what::ASM, Family::IPV6_UNICAST, ""));
        for w in [what::RPCQ, what::APCQ, what::LPCQ] {
            let q = Operational::Query { what: w, family: Family::IPV4_UNICAST, router_id: Ipv4Addr::new(1, 2, 3, 4), sequence: 1 };
            assert_eq!(round_trip(&q).len(), 15);
        }
        for w in [what::RPCP, what::APCP, what::LPCP] {
            let c = Operational::Counter {
                what: w,
                family: Family::IPV4_UNICAST,
                router_id: Ipv4Addr::new(1, 2, 3, 4),
                sequence: 7,
                counter: 42,
            };
            assert_eq!(round_trip(&c).len(), 19);
        }
        round_trip(&Operational::Unknown { what: 9, data: Bytes::from_static(b"\x00\x01") });
    }

    #[test]
    fn sequences_follow_exabgp() {
        let ours = Ipv4Addr::new(10, 0, 0, 1);
        let other = Ipv4Addr::new(1, 2, 3, 4);
        let mut seq = Sequencer::default();
        assert_eq!(seq.resolve(None, 0, ours), (ours, 1));
        assert_eq!(seq.resolve(None, 0, ours), (ours, 1));
        assert_eq!(seq.resolve(Some(other), 0, ours), (other, 1));
        assert_eq!(seq.resolve(Some(other), 0, ours), (other, 2));
        assert_eq!(seq.resolve(Some(other), 9, ours), (other, 9));
        assert_eq!(seq.resolve(Some(ours), 0, ours), (ours, 2));
    }

    #[test]
    fn long_advisories_are_cut() {
        let a = Operational::advisory(what::ADM, Family::IPV4_UNICAST, &"x".repeat(3000));
        match a {
            Operational::Advisory { text, .. } => {
                assert_eq!(text.len(), MAX_ADVISORY);
                assert!(text.ends_with(b"..."));
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn short_bodies_are_undecodable() {
        for body in [&b"\x00"[..], b"\x00\x01\x00\x03\x00\x01", b"\x00\x03\x00\x0b\x00\x01\x01\x01\x02\x03\x04\x00"] {
            let e = Operational::unpack(&Bytes::copy_from_slice(body)).unwrap_err();
            assert_eq!((e.code, e.subcode), (1, 0));
            assert_eq!(e.data, b"can not decode update message of type \"6\"");
        }
    }

    #[test]
    fn renderings() {
        let adm = Operational::advisory(what::ADM, Family::IPV4_UNICAST, "say \"hi\"");
        let mut s = String::new();
        adm.json(&mut s);
        assert_eq!(s, r#""operational": { "name": "ADM", "afi": "ipv4", "safi": "unicast", "advisory": "say \"hi\"" }"#);
        s.clear();
        adm.text(&mut s);
        assert_eq!(s, r#"operational ADM afi ipv4 safi unicast advisory "say "hi"""#);
        let c = Operational::Counter {
            what: what::LPCP,
            family: Family::IPV4_UNICAST,
            router_id: Ipv4Addr::new(1, 2, 3, 4),
            sequence: 7,
            counter: 42,
        };
        s.clear();
        c.json(&mut s);
        assert_eq!(
            s,
            r#""operational": { "name": "LPCP", "afi": "ipv4", "safi": "unicast", "router-id": "1.2.3.4", "sequence": 7, "counter": 42 }"#
        );
        s.clear();
        c.text(&mut s);
        assert_eq!(s, "operational LPCP afi ipv4 safi unicast router-id 1.2.3.4 sequence 7 counter 42");
        let q = Operational::Query { what: what::RPCQ, family: Family::IPV6_UNICAST, router_id: Ipv4Addr::new(1, 2, 3, 4), sequence: 1 };
        s.clear();
        q.json(&mut s);
        assert_eq!(s, r#""operational": { "name": "RPCQ", "afi": "ipv6", "safi": "unicast" }"#);
        s.clear();
        q.text(&mut s);
        assert_eq!(s, "operational RPCQ afi ipv6 safi unicast");
    }
}
