//! MUP Direct Segment Discovery route (arch 1, type 2).
//!
//! ```text
//! | RD (8) | Address (4 or 16) |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::{bad_length, ip_from, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dsd {
    pub rd: RouteDistinguisher,
    pub ip: IpAddr,
}

impl Dsd {
    pub const CODE: u16 = 2;
    pub const NAME: &'static str = "DirectSegmentDiscoveryRoute";

    pub(crate) fn parse(b: &[u8]) -> Result<Dsd, Notify> {
        let size = b.len().saturating_sub(8);
        let ip = match b.get(8..) {
            Some(a) if b.len() >= 8 => ip_from(a),
            _ => None,
        };
        let Some(ip) = ip else {
            return Err(bad_length(&format!("Invalid IP size, expect 4 or 16 octets. accuracy size {size}")));
        };
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&b[..8]);
        Ok(Dsd { rd: RouteDistinguisher(rd), ip })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        ip_octets(&self.ip, out);
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        push(out, format_args!("\"name\": \"{}\", \"arch\": 1, \"code\": {}, \"ip\": \"{}\", ", Dsd::NAME, Dsd::CODE, Ip(self.ip)));
        self.rd.json(out);
    }
}

impl fmt::Display for Dsd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.rd, Ip(self.ip))
    }
}
