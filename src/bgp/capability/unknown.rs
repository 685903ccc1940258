//! A capability ExaBGP does not interpret (RFC 5492 §5: ignore it), kept raw.

use std::fmt::{self, Write};

use super::code_name;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCapability {
    pub code: u8,
    pub data: Vec<u8>,
}

impl UnknownCapability {
    /// Where the code sits in the IANA registry, in ExaBGP's words.
    pub fn iana(&self) -> &'static str {
        match self.code {
            128..=255 => "reserved",
            70..=127 => "unassigned",
            _ => "unknown",
        }
    }

    /// `{ "name": "unknown", "iana": "unknown", "value": 66, "raw": "6C6F72656D" }`
    pub fn json(&self, out: &mut String) {
        let _ = write!(out, "{{ \"name\": \"unknown\", \"iana\": \"{}\", \"value\": {}, \"raw\": \"", self.iana(), self.code);
        crate::json::hex_upper(out, &self.data);
        out.push_str("\" }");
    }
}

impl fmt::Display for UnknownCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.iana() {
            "reserved" => "Reserved",
            "unassigned" => "Unassigned",
            _ => "Unknown",
        };
        write!(f, "{} {}", kind, code_name(self.code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings() {
        let u = UnknownCapability { code: 66, data: b"lorem".to_vec() };
        let mut s = String::new();
        u.json(&mut s);
        assert_eq!(s, r#"{ "name": "unknown", "iana": "unknown", "value": 66, "raw": "6C6F72656D" }"#);
        assert_eq!(u.to_string(), "Unknown unknown capability 0x42");
        let r = UnknownCapability { code: 200, data: vec![] };
        assert_eq!(r.to_string(), "Reserved unknown capability 0xc8");
        let a = UnknownCapability { code: 71, data: vec![] };
        assert_eq!(a.iana(), "unassigned");
    }
}
