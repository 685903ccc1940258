//! Operational message capability, code 185 (ExaBGP's private code for
//! draft-ietf-idr-operational-message): empty value.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationalCapability;

impl OperationalCapability {
    pub fn json(self, out: &mut String) {
        out.push_str("{ \"name\": \"operational\" }");
    }
}

impl fmt::Display for OperationalCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Operational")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings() {
        let mut s = String::new();
        OperationalCapability.json(&mut s);
        assert_eq!(s, r#"{ "name": "operational" }"#);
        assert_eq!(OperationalCapability.to_string(), "Operational");
    }
}
