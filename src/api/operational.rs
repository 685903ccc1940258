//! `announce operational <type> afi <afi> safi <safi> …` (api.md §2.8):
//! the text after `announce operational` into an OPERATIONAL message.
//!
//! The keys must come in ExaBGP's order: `afi`, `safi`, then `advisory`
//! (ADM, ASM), `sequence` (queries) or `sequence` and `counter` (counters).
//! Words after those are ignored, as ExaBGP reads only as many as it needs.
//! Queries and counters carry the router-id of the session they go out on
//! (filled in when sent: [`with_router_id`]); a sequence of 0 means 1, the
//! only value ExaBGP's automatic numbering ever produces.

use std::net::Ipv4Addr;

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::message::operational::{what, MAX_ADVISORY};
use crate::bgp::message::Operational;

/// The words of `text`; a `"…"` run is one word, quotes included.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let end = match rest.strip_prefix('"') {
            Some(after) => after.find('"').map_or(rest.len(), |i| i + 2),
            None => rest.find(char::is_whitespace).unwrap_or(rest.len()),
        };
        let (word, tail) = rest.split_at(end);
        out.push(word);
        rest = tail.trim_start();
    }
    out
}

/// Parses `<type> afi <afi> safi <safi> …`; the error says what is wrong.
pub fn parse(text: &str) -> Result<Operational, String> {
    let words = words(text);
    let Some((kind, rest)) = words.split_first() else { return Err("an operational type was expected".into()) };
    let kind = kind.to_ascii_lowercase();
    let (code, keys): (u16, &[&str]) = match kind.as_str() {
        "adm" => (what::ADM, &["afi", "safi", "advisory"]),
        "asm" => (what::ASM, &["afi", "safi", "advisory"]),
        "rpcq" => (what::RPCQ, &["afi", "safi", "sequence"]),
        "apcq" => (what::APCQ, &["afi", "safi", "sequence"]),
        "lpcq" => (what::LPCQ, &["afi", "safi", "sequence"]),
        "rpcp" => (what::RPCP, &["afi", "safi", "sequence", "counter"]),
        "apcp" => (what::APCP, &["afi", "safi", "sequence", "counter"]),
        "lpcp" => (what::LPCP, &["afi", "safi", "sequence", "counter"]),
        other => return Err(format!("unknown operational type {other}")),
    };
    if rest.len() < keys.len() * 2 {
        return Err(format!("invalid operational syntax, missing argument(s) {}", keys.join(", ")));
    }
    let (mut afi, mut safi, mut advisory, mut sequence, mut counter) = (None, None, None, 0u32, 0u32);
    for (key, pair) in keys.iter().zip(rest.chunks(2)) {
        let (Some(name), Some(value)) = (pair.first(), pair.get(1)) else {
            return Err(format!("invalid operational syntax, missing argument {key}"));
        };
        if !name.eq_ignore_ascii_case(key) {
            return Err(format!("invalid operational syntax, unknown argument {name} (expected {key})"));
        }
        let bad = || format!("invalid operational value for {key}: {value}");
        match *key {
            "afi" => afi = Some(Afi::from_name(&value.to_ascii_lowercase()).ok_or_else(bad)?),
            "safi" => safi = Some(Safi::from_name(&value.to_ascii_lowercase()).ok_or_else(bad)?),
            "sequence" => sequence = value.parse::<u32>().map_err(|_| bad())?,
            "counter" => counter = value.parse::<u32>().map_err(|_| bad())?,
            _ => {
                let text = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
                if text.len() > MAX_ADVISORY {
                    return Err(format!("advisory longer than {MAX_ADVISORY} octets"));
                }
                advisory = Some(text);
            }
        }
    }
    let (Some(afi), Some(safi)) = (afi, safi) else { return Err("afi and safi are required".into()) };
    let family = Family { afi, safi };
    let sequence = sequence.max(1);
    let router_id = Ipv4Addr::UNSPECIFIED;
    Ok(match (advisory, keys.len()) {
        (Some(text), _) => Operational::advisory(code, family, text),
        (None, 3) => Operational::Query { what: code, family, router_id, sequence },
        (None, _) => Operational::Counter { what: code, family, router_id, sequence, counter },
    })
}

/// Queries and counters parsed without a router-id take the session's.
pub fn with_router_id(message: &Operational, ours: Ipv4Addr) -> Operational {
    let mut message = message.clone();
    match &mut message {
        Operational::Query { router_id, .. } | Operational::Counter { router_id, .. }
            if router_id.is_unspecified() =>
        {
            *router_id = ours;
        }
        _ => {}
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisories_keep_their_whole_quoted_text() {
        let op = parse("adm afi ipv4 safi unicast advisory \"two  words\"").unwrap();
        assert_eq!(op, Operational::advisory(what::ADM, Family::IPV4_UNICAST, "two  words"));
        let op = parse("ASM afi ipv6 safi unicast advisory plain").unwrap();
        assert_eq!(op, Operational::advisory(what::ASM, Family { afi: Afi::IPV6, safi: Safi::UNICAST }, "plain"));
    }

    #[test]
    fn queries_and_counters() {
        let op = parse("rpcq afi ipv4 safi unicast sequence 10").unwrap();
        let q = Operational::Query {
            what: what::RPCQ,
            family: Family::IPV4_UNICAST,
            router_id: Ipv4Addr::UNSPECIFIED,
            sequence: 10,
        };
        assert_eq!(op, q);
        let filled = with_router_id(&op, Ipv4Addr::new(1, 2, 3, 4));
        assert!(matches!(filled, Operational::Query { router_id, .. } if router_id == Ipv4Addr::new(1, 2, 3, 4)));
        let op = parse("lpcp afi ipv4 safi unicast sequence 0 counter 7 extra words").unwrap();
        assert!(matches!(op, Operational::Counter { sequence: 1, counter: 7, .. }));
    }

    #[test]
    fn errors_name_the_problem() {
        for (text, needle) in [
            ("", "type"),
            ("xyz afi ipv4 safi unicast", "unknown operational type"),
            ("rpcq afi ipv4 safi unicast", "missing"),
            ("rpcq safi unicast afi ipv4 sequence 1", "unknown argument safi"),
            ("rpcq afi ipv5 safi unicast sequence 1", "afi"),
            ("rpcq afi ipv4 safi unicast sequence -1", "sequence"),
            ("rpcp afi ipv4 safi unicast sequence 1 counter 99999999999", "counter"),
            ("rpcq afi ipv4 safi unicast router-id 1.2.3.4", "unknown argument router-id"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        let long = format!("adm afi ipv4 safi unicast advisory \"{}\"", "x".repeat(MAX_ADVISORY + 1));
        assert!(parse(&long).is_err());
    }
}
