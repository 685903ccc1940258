//! EVPN route type 4, Ethernet Segment (RFC 7432 §7.4).
//!
//! ```text
//! | RD (8) | ESI (10) | IP len (1) | Originating router's IP (4 or 16) |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::nlri::qualifier::{Esi, RouteDistinguisher};
use crate::bgp::nlri::util::{bad_length, ip_from, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub rd: RouteDistinguisher,
    pub esi: Esi,
    pub ip: IpAddr,
}

impl Segment {
    pub const CODE: u8 = 4;
    pub const NAME: &'static str = "Ethernet Segment";

    pub(crate) fn parse(b: &[u8]) -> Result<Segment, Notify> {
        if b.len() < 19 {
            return Err(bad_length("invalid Ethernet Segment route length"));
        }
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&b[..8]);
        let mut esi = [0u8; 10];
        esi.copy_from_slice(&b[8..18]);
        let n = match b[18] {
            32 => 4,
            128 => 16,
            _ => return Err(bad_length("IP length field is not 32 (IPv4) or 128 (IPv6) bits in Ethernet Segment")),
        };
        let ip = b.get(19..19 + n).and_then(ip_from).ok_or_else(|| bad_length("truncated Ethernet Segment route"))?;
        Ok(Segment { rd: RouteDistinguisher(rd), esi: Esi(esi), ip })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.extend_from_slice(&self.esi.0);
        out.push(if self.ip.is_ipv4() { 32 } else { 128 });
        ip_octets(&self.ip, out);
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        self.rd.json(out);
        out.push_str(", ");
        self.esi.json(out);
        push(out, format_args!(", \"ip\": \"{}\" }}", Ip(self.ip)));
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.rd, self.esi, Ip(self.ip))
    }
}
