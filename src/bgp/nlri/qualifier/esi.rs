//! Ethernet Segment Identifier (RFC 7432 §5): 10 octets.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Esi(pub [u8; 10]);

impl Esi {
    pub const LEN: usize = 10;

    /// `"esi": "-"`
    pub fn json(&self, out: &mut String) {
        out.push_str("\"esi\": \"");
        crate::bgp::nlri::util::push(out, self);
        out.push('"');
    }
}

/// ExaBGP prints the all-zero ESI as `-`, any other as colon-separated lower-case hex.
impl fmt::Display for Esi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == [0u8; 10] {
            return f.write_str("-");
        }
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_exabgp() {
        assert_eq!(Esi::default().to_string(), "-");
        assert_eq!(Esi([0, 1, 2, 3, 4, 5, 6, 7, 8, 0xab]).to_string(), "00:01:02:03:04:05:06:07:08:ab");
    }
}
