//! EVPN route type 2, MAC/IP Advertisement (RFC 7432 §7.2).
//!
//! ```text
//! | RD (8) | ESI (10) | Ethernet Tag ID (4) | MAC len (1) | MAC (6) |
//! | IP len (1) | IP (0, 4 or 16) | MPLS Label1 (3) | [MPLS Label2 (3)] |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::nlri::qualifier::{Esi, EthernetTag, Labels, Mac, RouteDistinguisher};
use crate::bgp::nlri::util::{bad_length, ip_from, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacAdv {
    pub rd: RouteDistinguisher,
    pub esi: Esi,
    pub etag: EthernetTag,
    pub mac: Mac,
    /// The MAC length field, in bits (48).
    pub maclen: u8,
    pub ip: Option<IpAddr>,
    /// Only the first label is decoded, like ExaBGP (a second one stays in the raw octets).
    pub label: Labels,
}

impl MacAdv {
    pub const CODE: u8 = 2;
    pub const NAME: &'static str = "MAC/IP advertisement";

    pub(crate) fn parse(b: &[u8]) -> Result<MacAdv, Notify> {
        // The body length tells the IP size: none, IPv4 or IPv6, with one or two labels.
        let iplen = match b.len() {
            33 | 36 => 0,
            37 | 40 => 4,
            49 | 52 => 16,
            n => return Err(bad_length(&format!("Data field length is given as {n}, but does not match one of the expected lengths"))),
        };
        let (rd, esi, etag) = super::prefix::rd_esi_etag(b);
        let maclen = b[22];
        if maclen > 48 {
            return Err(bad_length("invalid MAC Address length in MAC/IP advertisement"));
        }
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&b[23..29]);
        if iplen == 0 && b[29] != 0 {
            return Err(bad_length("IP length is given, but current MAC route has no IP information"));
        }
        let ip = if iplen == 0 { None } else { ip_from(&b[30..30 + iplen]) };
        let label = Labels::one_from(&b[30 + iplen..33 + iplen]);
        Ok(MacAdv { rd, esi, etag, mac: Mac(mac), maclen, ip, label })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.extend_from_slice(&self.esi.0);
        out.extend_from_slice(&self.etag.0.to_be_bytes());
        out.push(self.maclen);
        out.extend_from_slice(&self.mac.0);
        match &self.ip {
            Some(ip) => {
                out.push(if ip.is_ipv4() { 32 } else { 128 });
                ip_octets(ip, out);
            }
            None => out.push(0),
        }
        out.extend(self.label.octets());
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        self.rd.json(out);
        out.push_str(", ");
        self.esi.json(out);
        out.push_str(", ");
        self.etag.json(out);
        out.push_str(", ");
        self.mac.json(out);
        out.push_str(", ");
        self.label.json(out);
        if let Some(ip) = self.ip {
            push(out, format_args!(", \"ip\": \"{}\"", Ip(ip)));
        }
        out.push_str(" }");
    }
}

impl fmt::Display for MacAdv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // ExaBGP compares the MAC's octet count (6) with 48, so the length always shows.
        write!(f, "{}:{}:{}:{}/{}:", self.rd, self.esi, self.etag, self.mac, self.maclen)?;
        if let Some(ip) = self.ip {
            write!(f, "{}", Ip(ip))?;
        }
        write!(f, ":{}", self.label.text())
    }
}
