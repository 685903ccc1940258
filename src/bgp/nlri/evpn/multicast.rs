//! EVPN route type 3, Inclusive Multicast Ethernet Tag (RFC 7432 §7.3).
//!
//! ```text
//! | RD (8) | Ethernet Tag ID (4) | IP len (1) | Originating router's IP (4 or 16) |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::nlri::qualifier::{EthernetTag, RouteDistinguisher};
use crate::bgp::nlri::util::{bad_length, ip_from, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Multicast {
    pub rd: RouteDistinguisher,
    pub etag: EthernetTag,
    pub ip: IpAddr,
}

impl Multicast {
    pub const CODE: u8 = 3;
    pub const NAME: &'static str = "Inclusive Multicast Ethernet Tag";

    pub(crate) fn parse(b: &[u8]) -> Result<Multicast, Notify> {
        if b.len() < 13 {
            return Err(bad_length("invalid Inclusive Multicast route length"));
        }
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&b[..8]);
        let etag = u32::from_be_bytes([b[8], b[9], b[10], b[11]]);
        let n = match b[12] {
            32 => 4,
            128 => 16,
            _ => return Err(bad_length("IP length is not 32 or 128 in Inclusive Multicast route")),
        };
        let ip = b.get(13..13 + n).and_then(ip_from).ok_or_else(|| bad_length("truncated Inclusive Multicast route"))?;
        Ok(Multicast { rd: RouteDistinguisher(rd), etag: EthernetTag(etag), ip })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.extend_from_slice(&self.etag.0.to_be_bytes());
        out.push(if self.ip.is_ipv4() { 32 } else { 128 });
        ip_octets(&self.ip, out);
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        self.rd.json(out);
        out.push_str(", ");
        self.etag.json(out);
        push(out, format_args!(", \"ip\": \"{}\" }}", Ip(self.ip)));
    }
}

impl fmt::Display for Multicast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.rd, self.etag, Ip(self.ip))
    }
}
