//! Multisession capability, code 68 (draft-ietf-idr-bgp-multisession-07 §5),
//! and the code Cisco really sends, 131.
//!
//! ExaBGP announces the capability codes that group its sessions (only
//! multiprotocol) as a zero octet followed by one capability per code, and
//! ignores the value of a received one.

use std::fmt::{self, Write};

use super::code_name;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiSession {
    /// Announced with Cisco's code 131 rather than 68.
    pub cisco: bool,
    /// Capability codes grouping the session; empty for a received capability.
    pub codes: Vec<u8>,
}

impl MultiSession {
    /// What ExaBGP announces: RFC code, grouped by multiprotocol.
    pub fn new() -> MultiSession {
        MultiSession { cisco: false, codes: vec![crate::bgp::iana::cap_code::MULTIPROTOCOL] }
    }

    pub fn code(&self) -> u8 {
        if self.cisco {
            crate::bgp::iana::cap_code::MULTISESSION_CISCO
        } else {
            crate::bgp::iana::cap_code::MULTISESSION
        }
    }

    /// Each value is its own capability: `[0]`, then one per code.
    pub fn values(&self) -> Vec<Vec<u8>> {
        let mut v = vec![vec![0u8]];
        v.extend(self.codes.iter().map(|c| vec![*c]));
        v
    }

    /// `{ "name": "multisession", "variant": "RFC", "capabilities": [ "multiprotocol" ] }`
    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"name\": \"multisession\", \"variant\": \"");
        out.push_str(if self.cisco { "Cisco" } else { "RFC" });
        out.push_str("\", \"capabilities\": [");
        for (i, c) in self.codes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, " \"{}\"", code_name(*c));
        }
        out.push_str(" ] }");
    }
}

impl Default for MultiSession {
    fn default() -> Self {
        MultiSession::new()
    }
}

impl fmt::Display for MultiSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.cisco { "Multisession " } else { "Multisession (RFC) " })?;
        for (i, c) in self.codes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(&code_name(*c))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings() {
        let m = MultiSession::new();
        assert_eq!(m.values(), vec![vec![0], vec![1]]);
        let mut s = String::new();
        m.json(&mut s);
        assert_eq!(s, r#"{ "name": "multisession", "variant": "RFC", "capabilities": [ "multiprotocol" ] }"#);
        assert_eq!(m.to_string(), "Multisession (RFC) multiprotocol");
        let r = MultiSession { cisco: true, codes: vec![] };
        assert_eq!(r.code(), 131);
        s.clear();
        r.json(&mut s);
        assert_eq!(s, r#"{ "name": "multisession", "variant": "Cisco", "capabilities": [ ] }"#);
        assert_eq!(r.to_string(), "Multisession ");
    }
}
