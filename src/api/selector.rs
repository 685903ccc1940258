//! Neighbor selectors in front of a command (api.md §2.2):
//! `neighbor <ip> [local-ip <ip>] [local-as <asn>] [peer-as <asn>]
//! [router-id <id>] [family-allowed <x>] [, neighbor …] <command>`.
//!
//! A selector is matched, as in ExaBGP, against each peer's key string
//! ([`peer_key`]): every `key value` pair must occur in it as whole words.

use std::fmt::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

use crate::bgp::iana::Family;

/// The words that may start a selector pair.
const KEYS: [&str; 6] = ["neighbor", "local-ip", "local-as", "peer-as", "router-id", "family-allowed"];

/// Alternatives (OR) of pair lists (AND). Empty: no selector was written,
/// the command applies to the peers the daemon picks by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    alternatives: Vec<Vec<String>>,
}

/// A selector that is not followed by a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingCommand;

impl fmt::Display for MissingCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no command after the neighbor selector")
    }
}

impl Selector {
    /// No selector was written.
    pub fn is_empty(&self) -> bool {
        self.alternatives.is_empty()
    }

    /// The `key value` pairs of each alternative.
    pub fn alternatives(&self) -> &[Vec<String>] {
        &self.alternatives
    }

    /// Whether the peer with this key is selected. An empty selector selects
    /// every candidate (ExaBGP's `match_neighbors` without descriptions).
    pub fn matches(&self, key: &str) -> bool {
        self.is_empty() || self.alternatives.iter().any(|pairs| all_pairs_match(pairs, key))
    }
}

/// One alternative: ExaBGP stops at `neighbor *`, which matches anything.
fn all_pairs_match(pairs: &[String], key: &str) -> bool {
    for pair in pairs {
        if pair.trim() == "neighbor *" {
            return true;
        }
        if !contains_words(key, pair) {
            return false;
        }
    }
    true
}

/// `(^|\s)<needle>($|\s|,)` without a regex.
fn contains_words(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let bytes = hay.as_bytes();
    hay.match_indices(needle).any(|(at, _)| {
        let before = at == 0 || bytes.get(at - 1).is_some_and(|b| b.is_ascii_whitespace());
        let end = at + needle.len();
        let after = end == bytes.len() || bytes.get(end).is_some_and(|b| b.is_ascii_whitespace() || *b == b',');
        before && after
    })
}

/// Split a normalised line into its selector and the command that follows
/// (ExaBGP's `extract_neighbors`). Lines not starting with `neighbor ` have
/// no selector.
pub fn extract(line: &str) -> Result<(Selector, &str), MissingCommand> {
    let Some((first, rest)) = line.split_once(' ') else {
        return Ok((Selector::default(), line));
    };
    if first != "neighbor" {
        return Ok((Selector::default(), line));
    }
    let Some((ip, mut command)) = rest.split_once(' ') else {
        // `neighbor X`: ExaBGP takes X as the command.
        return Ok((Selector::default(), rest));
    };
    let mut alternatives = Vec::new();
    let mut current = vec![format!("neighbor {ip}")];
    loop {
        let Some((key, after)) = command.split_once(' ') else {
            // A one-word command after the selector.
            alternatives.push(current);
            return Ok((Selector { alternatives }, command));
        };
        if key == "," {
            alternatives.push(std::mem::take(&mut current));
            command = after;
            continue;
        }
        if !KEYS.contains(&key) {
            if !current.is_empty() {
                alternatives.push(current);
            }
            return Ok((Selector { alternatives }, command));
        }
        // ExaBGP loops forever (or fails) on a pair with nothing after it.
        let (value, remaining) = after.split_once(' ').ok_or(MissingCommand)?;
        current.push(format!("{key} {value}"));
        command = remaining;
    }
}

/// A peer's key as ExaBGP builds it (`Neighbor.name()`):
/// `neighbor <peer> local-ip <local> local-as <asn> peer-as <asn> router-id <id> family-allowed <in-open|afi-safi/…>`.
/// `None` AS numbers print `auto`, a `None` local address `None` (as
/// ExaBGP does when the address is discovered); `multi_session` families
/// are listed, otherwise `in-open`.
pub fn peer_key(
    peer: IpAddr,
    local: Option<IpAddr>,
    local_as: Option<u32>,
    peer_as: Option<u32>,
    router_id: Ipv4Addr,
    multi_session: Option<&[Family]>,
) -> String {
    let mut s = format!("neighbor {peer} local-ip ");
    match local {
        Some(ip) => {
            let _ = write!(s, "{ip}");
        }
        None => s.push_str("None"),
    }
    s.push_str(" local-as ");
    push_auto(&mut s, local_as);
    s.push_str(" peer-as ");
    push_auto(&mut s, peer_as);
    let _ = write!(s, " router-id {router_id} family-allowed ");
    match multi_session {
        None => s.push_str("in-open"),
        Some(families) => {
            for (i, f) in families.iter().enumerate() {
                if i > 0 {
                    s.push('/');
                }
                let _ = write!(s, "{}-{}", f.afi, f.safi);
            }
        }
    }
    s
}

fn push_auto(s: &mut String, v: Option<u32>) {
    match v {
        Some(n) => {
            let _ = write!(s, "{n}");
        }
        None => s.push_str("auto"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        peer_key(
            "127.0.0.1".parse().unwrap(),
            Some("127.0.0.1".parse().unwrap()),
            Some(1),
            Some(1),
            Ipv4Addr::new(1, 2, 3, 4),
            None,
        )
    }

    #[test]
    fn key_format() {
        assert_eq!(
            key(),
            "neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 1 peer-as 1 router-id 1.2.3.4 family-allowed in-open"
        );
        let ms = peer_key(
            "::1".parse().unwrap(),
            None,
            None,
            None,
            Ipv4Addr::new(1, 1, 1, 1),
            Some(&[Family::IPV4_UNICAST, Family::IPV6_UNICAST]),
        );
        assert_eq!(
            ms,
            "neighbor ::1 local-ip None local-as auto peer-as auto router-id 1.1.1.1 family-allowed ipv4-unicast/ipv6-unicast"
        );
    }

    #[test]
    fn no_selector() {
        let (s, c) = extract("announce route 1.0.0.0/24 next-hop 1.1.1.1").unwrap();
        assert!(s.is_empty());
        assert_eq!(c, "announce route 1.0.0.0/24 next-hop 1.1.1.1");
        assert!(s.matches("anything"));
    }

    #[test]
    fn pairs_and_alternatives() {
        let (s, c) =
            extract("neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route x")
                .unwrap();
        assert_eq!(c, "announce route x");
        assert_eq!(
            s.alternatives(),
            &[vec![
                "neighbor 127.0.0.1".to_string(),
                "local-as 1".into(),
                "peer-as 1".into(),
                "local-ip 127.0.0.1".into(),
                "router-id 1.2.3.4".into()
            ]]
        );
        assert!(s.matches(&key()));

        let (s, c) =
            extract("neighbor 127.0.0.1 router-id 1.2.3.4 , neighbor 127.0.0.1 announce route 1.1.0.0/25").unwrap();
        assert_eq!(c, "announce route 1.1.0.0/25");
        assert_eq!(s.alternatives().len(), 2);
        assert!(s.matches(&key()));

        let (s, _) = extract("neighbor 127.0.0.1 local-as 2 peer-as 3 announce route x").unwrap();
        assert!(!s.matches(&key()));
        let (s, _) = extract("neighbor absentone local-as 1 announce route x").unwrap();
        assert!(!s.matches(&key()));
        // Whole words only: 127.0.0.1 does not select 127.0.0.10.
        let (s, _) = extract("neighbor 127.0.0.1 teardown 4").unwrap();
        assert!(!s.matches(&key().replace("neighbor 127.0.0.1 ", "neighbor 127.0.0.10 ")));
        assert!(s.matches(&key()));
        let (s, _) = extract("neighbor 127.0.0.1 family-allowed in-open announce route x").unwrap();
        assert!(s.matches(&key()));
        let (s, _) = extract("neighbor 127.0.0.1 family-allowed ipv4-unicast announce route x").unwrap();
        assert!(!s.matches(&key()));
    }

    #[test]
    fn star() {
        let (s, c) = extract("neighbor * announce route 1.0.0.0/24 next-hop 1.1.1.1").unwrap();
        assert_eq!(c, "announce route 1.0.0.0/24 next-hop 1.1.1.1");
        assert!(s.matches(&key()));
        assert!(s.matches("neighbor 10.0.0.1 local-ip 10.0.0.2"));
    }

    #[test]
    fn odd_shapes() {
        assert_eq!(extract("neighbor").unwrap().1, "neighbor");
        assert_eq!(extract("neighbor 1.1.1.1").unwrap().1, "1.1.1.1");
        let (s, c) = extract("neighbor 1.1.1.1 teardown").unwrap();
        assert_eq!((s.alternatives().len(), c), (1, "teardown"));
        assert_eq!(extract("neighbor 1.1.1.1 local-as 1"), Err(MissingCommand));
    }
}
