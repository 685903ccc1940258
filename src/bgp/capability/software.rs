//! Software version capability, code 75 (draft-abraitis-bgp-version-capability §3):
//! a length octet and a UTF-8 version string.

use std::fmt;

use crate::bgp::notify::Notify;

use super::undecodable;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Software {
    pub version: String,
}

impl Software {
    /// ExaBGP cuts longer strings to 61 characters and `...`.
    pub const MAX_LEN: usize = 64;

    /// What ExaBGP announces: `ExaBGP/<release>`.
    pub fn exabgp(release: &str) -> Software {
        let mut version = format!("ExaBGP/{release}");
        if version.chars().count() > Self::MAX_LEN {
            version = version.chars().take(Self::MAX_LEN - 3).collect::<String>() + "...";
        }
        Software { version }
    }

    pub fn unpack(data: &[u8]) -> Result<Software, Notify> {
        let (&len, rest) = data.split_first().ok_or_else(undecodable)?;
        let text = &rest[..(len as usize).min(rest.len())];
        let version = std::str::from_utf8(text).map_err(|_| undecodable())?.to_owned();
        Ok(Software { version })
    }

    pub fn value(&self) -> Vec<u8> {
        let b = self.version.as_bytes();
        let b = &b[..b.len().min(255)];
        let mut v = Vec::with_capacity(b.len() + 1);
        v.push(b.len() as u8);
        v.extend_from_slice(b);
        v
    }

    /// `{ "software": "ExaBGP/5.0.0" }` (no `name` key, as ExaBGP).
    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"software\": ");
        crate::json::string(out, &self.version);
        out.push_str(" }");
    }
}

impl fmt::Display for Software {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Software({})", self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let s = Software::exabgp("5.0.0-0+test");
        let v = s.value();
        assert_eq!(v[0], 19);
        assert_eq!(Software::unpack(&v).unwrap(), s);
        let mut j = String::new();
        s.json(&mut j);
        assert_eq!(j, r#"{ "software": "ExaBGP/5.0.0-0+test" }"#);
        assert_eq!(s.to_string(), "Software(ExaBGP/5.0.0-0+test)");
    }

    #[test]
    fn long_versions_are_cut() {
        let s = Software::exabgp(&"x".repeat(100));
        assert_eq!(s.version.len(), 64);
        assert!(s.version.ends_with("..."));
    }

    #[test]
    fn malformed() {
        assert!(Software::unpack(&[]).is_err());
        assert!(Software::unpack(&[1, 0xC3]).is_err());
    }
}
