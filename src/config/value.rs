//! Generic value parsers (spec §1.5), over the arguments of one statement.
//!
//! As in the reference, a parser reads the words it needs and a missing word
//! reads as empty; words left over after the value are ignored (ExaBGP never
//! checks for them, and refusing them would reject configurations it accepts).

use std::net::{IpAddr, Ipv4Addr};

use super::error::ConfigError;
use super::syntax::{Node, Word, Words};

/// The arguments of a statement, read one at a time.
pub(crate) struct Args<'d> {
    node: Node<'d>,
    words: std::iter::Peekable<Words<'d>>,
}

impl<'d> Args<'d> {
    pub(crate) fn new(node: Node<'d>) -> Args<'d> {
        Args { node, words: node.args().peekable() }
    }

    pub(crate) fn next(&mut self) -> Option<Word<'d>> {
        self.words.next()
    }

    /// The next word, or an error "`what`, found ';'" placed at the terminator.
    pub(crate) fn value(&mut self, what: &str) -> Result<Word<'d>, ConfigError> {
        match self.words.next() {
            Some(w) => Ok(w),
            None => Err(self.node.missing(what)),
        }
    }

    /// Every remaining word.
    pub(crate) fn rest(&mut self) -> Vec<Word<'d>> {
        self.words.by_ref().collect()
    }

    pub(crate) fn node(&self) -> Node<'d> {
        self.node
    }
}

const BOOLEAN: &str = "a boolean (true, false, enable, disable) was expected";

fn boolean_word(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "enable" | "enabled" => Some(true),
        "false" | "disable" | "disabled" => Some(false),
        _ => None,
    }
}

/// `true|enable|enabled` / `false|disable|disabled`, case-insensitive; a bare
/// keyword (or an empty word) gives `bare`.
pub(crate) fn boolean(args: &mut Args<'_>, bare: bool) -> Result<bool, ConfigError> {
    match args.next() {
        None => Ok(bare),
        Some(w) if w.text().is_empty() => Ok(bare),
        Some(w) => boolean_word(w.text()).ok_or_else(|| w.expected(BOOLEAN)),
    }
}

/// A boolean or `auto` (`None`).
pub(crate) fn auto_boolean(args: &mut Args<'_>, bare: bool) -> Result<Option<bool>, ConfigError> {
    match args.next() {
        None => Ok(Some(bare)),
        Some(w) if w.text().is_empty() => Ok(Some(bare)),
        Some(w) if w.text().eq_ignore_ascii_case("auto") => Ok(None),
        Some(w) => boolean_word(w.text()).map(Some).ok_or_else(|| w.expected("a boolean or auto was expected")),
    }
}

/// An unsigned decimal integer (ASCII digits only).
pub(crate) fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A decimal number in `0..=max`.
pub(crate) fn number(w: Word<'_>, max: u64, what: &str) -> Result<u64, ConfigError> {
    match decimal(w.text()) {
        Some(n) if n <= max => Ok(n),
        _ => Err(w.expected(&format!("{} (0..{}) was expected", what, max))),
    }
}

/// An ASN: decimal `N` or asdot `H.L` (= H·65536 + L, as the reference
/// computes it). Values that do not fit 32 bits are refused (the reference
/// accepts them and fails later when it encodes the OPEN).
pub(crate) fn asn(w: Word<'_>) -> Result<u32, ConfigError> {
    let text = w.text();
    let value = match text.split_once('.') {
        Some((high, low)) => match (decimal(high), decimal(low)) {
            (Some(h), Some(l)) => h.checked_mul(65536).and_then(|h| h.checked_add(l)),
            _ => None,
        },
        None => decimal(text),
    };
    match value {
        Some(v) if v <= u64::from(u32::MAX) => Ok(v as u32),
        _ => Err(w.expected("an ASN (0..4294967295 or asdot H.L) was expected")),
    }
}

/// An ASN or `auto` (`None`).
pub(crate) fn auto_asn(args: &mut Args<'_>) -> Result<Option<u32>, ConfigError> {
    let w = args.value("an ASN or auto was expected")?;
    if w.text() == "auto" {
        return Ok(None);
    }
    asn(w).map(Some)
}

pub(crate) fn ip(w: Word<'_>) -> Result<IpAddr, ConfigError> {
    w.text().parse::<IpAddr>().map_err(|_| w.expected("an IP address was expected"))
}

pub(crate) fn ipv4(w: Word<'_>, what: &str) -> Result<Ipv4Addr, ConfigError> {
    w.text().parse::<Ipv4Addr>().map_err(|_| w.expected(what))
}

/// `ip` or `ip/len` (a peer range); the default length is the host length.
/// Host bits may be set, as in the reference.
pub(crate) fn ip_range(w: Word<'_>) -> Result<(IpAddr, u8), ConfigError> {
    let (addr, len) = match w.text().split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (w.text(), None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| w.expected("an IP address or prefix was expected"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(l) => match decimal(l) {
            Some(n) if n <= u64::from(max) => n as u8,
            _ => return Err(w.expected(&format!("a prefix length (0..{}) was expected", max))),
        },
    };
    Ok((ip, len))
}

/// A TCP port. The reference has its range checks after a `return`, so it
/// takes any integer; out-of-range ports cannot be used, so they are refused.
pub(crate) fn port(args: &mut Args<'_>) -> Result<u16, ConfigError> {
    let w = args.value("a port number was expected")?;
    number(w, 65535, "a port number").map(|n| n as u16)
}

/// Characters allowed in process, template and api names.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::syntax::Document;

    fn with_args<T>(text: &str, f: impl FnOnce(&mut Args<'_>) -> T) -> T {
        let doc = Document::parse("t", text.to_string()).unwrap();
        let node = doc.root().next().unwrap();
        let mut args = Args::new(node);
        f(&mut args)
    }

    #[test]
    fn booleans() {
        assert!(with_args("x;", |a| boolean(a, true)).unwrap());
        assert!(!with_args("x Disabled;", |a| boolean(a, true)).unwrap());
        assert!(with_args("x ENABLE;", |a| boolean(a, false)).unwrap());
        assert!(with_args("x maybe;", |a| boolean(a, false)).is_err());
        assert_eq!(with_args("x auto;", |a| auto_boolean(a, false)).unwrap(), None);
    }

    #[test]
    fn asns() {
        assert_eq!(with_args("x 65000;", auto_asn).unwrap(), Some(65000));
        assert_eq!(with_args("x 1.10;", auto_asn).unwrap(), Some(65546));
        assert_eq!(with_args("x auto;", auto_asn).unwrap(), None);
        assert_eq!(with_args("x 4294967295;", auto_asn).unwrap(), Some(u32::MAX));
        assert!(with_args("x 4294967296;", auto_asn).is_err());
        assert!(with_args("x -1;", auto_asn).is_err());
        assert!(with_args("x;", auto_asn).is_err());
    }

    #[test]
    fn addresses_and_ports() {
        let w = |t: &str| with_args(&format!("x {};", t), |a| ip_range(a.next().unwrap()));
        assert_eq!(w("10.0.0.1").unwrap().1, 32);
        assert_eq!(w("10.0.0.0/24").unwrap().1, 24);
        assert_eq!(w("::1").unwrap().1, 128);
        assert!(w("10.0.0.1/33").is_err());
        assert!(w("10.0.0").is_err());
        assert_eq!(with_args("x 179;", port).unwrap(), 179);
        assert!(with_args("x 65536;", port).is_err());
        assert!(valid_name("a.b-c_9"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(""));
    }
}
