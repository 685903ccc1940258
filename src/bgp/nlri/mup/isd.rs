//! MUP Interwork Segment Discovery route (arch 1, type 1).
//!
//! ```text
//! | RD (8) | Prefix Length (1) | Prefix (variable) |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::iana::Afi;
use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::{bad_length, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Isd {
    pub rd: RouteDistinguisher,
    pub prefix_len: u8,
    pub prefix: IpAddr,
}

impl Isd {
    pub const CODE: u16 = 1;
    pub const NAME: &'static str = "InterworkSegmentDiscoveryRoute";

    pub(crate) fn parse(afi: Afi, b: &[u8]) -> Result<Isd, Notify> {
        if b.len() < 9 {
            return Err(bad_length("truncated Interwork Segment Discovery route"));
        }
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&b[..8]);
        let prefix = super::padded_ip(afi, &b[9..]).ok_or_else(|| bad_length("Interwork Segment Discovery prefix too long"))?;
        Ok(Isd { rd: RouteDistinguisher(rd), prefix_len: b[8], prefix })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.push(self.prefix_len);
        let mut ip = Vec::with_capacity(16);
        ip_octets(&self.prefix, &mut ip);
        let n = usize::from(self.prefix_len).div_ceil(8).min(ip.len());
        out.extend_from_slice(&ip[..n]);
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        push(
            out,
            format_args!("\"name\": \"{}\", \"arch\": 1, \"code\": {}, \"prefix_ip_len\": {}, \"prefix_ip\": \"{}\", ", Isd::NAME, Isd::CODE, self.prefix_len, Ip(self.prefix)),
        );
        self.rd.json(out);
    }
}

impl fmt::Display for Isd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.rd, Ip(self.prefix), self.prefix_len)
    }
}
