//! EVPN route type 5, IP Prefix Advertisement (RFC 9136 §3.1).
//!
//! ```text
//! | RD (8) | ESI (10) | Ethernet Tag ID (4) | IP prefix len (1) |
//! | IP prefix (4 or 16) | GW IP (4 or 16) | MPLS Label (3) |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::nlri::qualifier::{Esi, EthernetTag, Labels, RouteDistinguisher};
use crate::bgp::nlri::util::{bad_length, ip_from, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixAdv {
    pub rd: RouteDistinguisher,
    pub esi: Esi,
    pub etag: EthernetTag,
    pub label: Labels,
    pub ip: IpAddr,
    pub iplen: u8,
    pub gateway: IpAddr,
}

/// RD, ESI and Ethernet tag from the first 22 octets (callers check the length).
pub(crate) fn rd_esi_etag(b: &[u8]) -> (RouteDistinguisher, Esi, EthernetTag) {
    let mut rd = [0u8; 8];
    rd.copy_from_slice(&b[..8]);
    let mut esi = [0u8; 10];
    esi.copy_from_slice(&b[8..18]);
    let etag = u32::from_be_bytes([b[18], b[19], b[20], b[21]]);
    (RouteDistinguisher(rd), Esi(esi), EthernetTag(etag))
}

impl PrefixAdv {
    pub const CODE: u8 = 5;
    pub const NAME: &'static str = "IP Prefix Advertisement";

    pub(crate) fn parse(b: &[u8]) -> Result<PrefixAdv, Notify> {
        let n = match b.len() {
            34 => 4,
            58 => 16,
            l => return Err(bad_length(&format!("Data field length is given as {l}, but EVPN route currently support only IPv4 or IPv6(34 or 58)"))),
        };
        let (rd, esi, etag) = rd_esi_etag(b);
        let iplen = b[22];
        let bad = || bad_length("invalid IP Prefix route");
        let ip = ip_from(&b[23..23 + n]).ok_or_else(bad)?;
        let gateway = ip_from(&b[23 + n..23 + 2 * n]).ok_or_else(bad)?;
        let label = Labels::one_from(&b[23 + 2 * n..]);
        Ok(PrefixAdv { rd, esi, etag, label, ip, iplen, gateway })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.extend_from_slice(&self.esi.0);
        out.extend_from_slice(&self.etag.0.to_be_bytes());
        out.push(self.iplen);
        ip_octets(&self.ip, out);
        ip_octets(&self.gateway, out);
        out.extend(self.label.octets());
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        self.rd.json(out);
        out.push_str(", ");
        self.esi.json(out);
        out.push_str(", ");
        self.etag.json(out);
        out.push_str(", ");
        self.label.json(out);
        push(out, format_args!(", \"ip\": \"{}\", \"iplen\": {}, \"gateway\": \"{}\" }}", Ip(self.ip), self.iplen, Ip(self.gateway)));
    }
}

impl fmt::Display for PrefixAdv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}:{}/{}:{}:{}", self.rd, self.esi, self.etag, Ip(self.ip), self.iplen, Ip(self.gateway), self.label.text())
    }
}
