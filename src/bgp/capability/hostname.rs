//! FQDN capability, code 73 (draft-walton-bgp-hostname-capability-02 §3).
//!
//! ```text
//! +--------------------------------+
//! | Hostname Length (1 octet)      |
//! | Hostname (variable)            |
//! | Domain Name Length (1 octet)   |
//! | Domain Name (variable)         |
//! +--------------------------------+
//! ```

use std::fmt;

use crate::bgp::notify::Notify;

use super::undecodable;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostName {
    /// `None` when not configured: ExaBGP then sends nothing and renders `None`.
    pub host: Option<String>,
    pub domain: Option<String>,
}

impl HostName {
    /// The draft limits each name to 64 octets; ExaBGP cuts longer ones.
    pub const MAX_LEN: usize = 64;

    pub fn unpack(data: &[u8]) -> Result<HostName, Notify> {
        let (&l1, rest) = data.split_first().ok_or_else(undecodable)?;
        let l1 = l1 as usize;
        // ExaBGP slices leniently: a short name is taken as it is…
        let host = &rest[..l1.min(rest.len())];
        // …but the domain length octet must be there.
        let l2 = *rest.get(l1).ok_or_else(undecodable)? as usize;
        let tail = &rest[l1 + 1..];
        let domain = &tail[..l2.min(tail.len())];
        let text = |b: &[u8]| std::str::from_utf8(b).map(str::to_owned).map_err(|_| undecodable());
        Ok(HostName { host: Some(text(host)?), domain: Some(text(domain)?) })
    }

    /// Empty when no host name is set: the capability is then not sent.
    pub fn value(&self) -> Vec<u8> {
        let mut v = Vec::new();
        let host = match self.host.as_deref() {
            Some(h) if !h.is_empty() => h.as_bytes(),
            _ => return v,
        };
        let host = &host[..host.len().min(Self::MAX_LEN)];
        v.push(host.len() as u8);
        v.extend_from_slice(host);
        match self.domain.as_deref() {
            Some(d) if !d.is_empty() => {
                let d = &d.as_bytes()[..d.len().min(Self::MAX_LEN)];
                v.push(d.len() as u8);
                v.extend_from_slice(d);
            }
            _ => v.push(0),
        }
        v
    }

    /// `{ "host-name": "h", "domain-name": "d" }` (no `name` key, as ExaBGP).
    pub fn json(&self, out: &mut String) {
        out.push_str("{ \"host-name\": ");
        crate::json::string(out, self.host.as_deref().unwrap_or("None"));
        out.push_str(", \"domain-name\": ");
        crate::json::string(out, self.domain.as_deref().unwrap_or("None"));
        out.push_str(" }");
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Hostname({} {})",
            self.host.as_deref().unwrap_or("None"),
            self.domain.as_deref().unwrap_or("None")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let mut bytes = vec![12u8];
        bytes.extend_from_slice(b"my-host-name");
        bytes.push(18);
        bytes.extend_from_slice(b"my-domain-name.com");
        let h = HostName::unpack(&bytes).unwrap();
        assert_eq!(h.host.as_deref(), Some("my-host-name"));
        assert_eq!(h.value(), bytes);
        let mut s = String::new();
        h.json(&mut s);
        assert_eq!(s, r#"{ "host-name": "my-host-name", "domain-name": "my-domain-name.com" }"#);
        assert_eq!(h.to_string(), "Hostname(my-host-name my-domain-name.com)");
    }

    #[test]
    fn unset_names() {
        let h = HostName::default();
        assert!(h.value().is_empty());
        let mut s = String::new();
        h.json(&mut s);
        assert_eq!(s, r#"{ "host-name": "None", "domain-name": "None" }"#);
        let h = HostName { host: Some("h".into()), domain: None };
        assert_eq!(h.value(), vec![1, b'h', 0]);
    }

    #[test]
    fn malformed() {
        assert!(HostName::unpack(&[]).is_err());
        assert!(HostName::unpack(&[2, b'a', b'b']).is_err());
        assert!(HostName::unpack(&[1, 0xFF, 0]).is_err());
        let h = HostName::unpack(&[1, b'a', 5, b'b']).unwrap();
        assert_eq!(h.domain.as_deref(), Some("b"));
    }
}
