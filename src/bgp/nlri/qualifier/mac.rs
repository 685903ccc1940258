//! MAC address (RFC 7432 §7.2), shown as ExaBGP does: upper-case, colon-separated.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// Parse `fc:15:b4:78:7b:8f` (case-insensitive).
    pub fn parse(s: &str) -> Option<Mac> {
        let mut m = [0u8; 6];
        let mut parts = s.split(':');
        for b in &mut m {
            *b = u8::from_str_radix(parts.next()?, 16).ok()?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Mac(m))
    }

    /// `"mac": "FC:15:B4:78:7B:8F"`
    pub fn json(&self, out: &mut String) {
        crate::bgp::nlri::util::push(out, format_args!("\"mac\": \"{self}\""));
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.0;
        write!(f, "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}", m[0], m[1], m[2], m[3], m[4], m[5])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_render() {
        let m = Mac::parse("fc:15:b4:78:7b:8f").unwrap();
        assert_eq!(m.to_string(), "FC:15:B4:78:7B:8F");
        assert!(Mac::parse("fc:15:b4:78:7b").is_none());
        assert!(Mac::parse("fc:15:b4:78:7b:8f:00").is_none());
    }
}
