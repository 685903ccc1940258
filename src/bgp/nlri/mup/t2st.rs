//! MUP Type 2 Session Transformed route (arch 1, type 4).
//!
//! ```text
//! | RD (8) | Endpoint Length (1, bits) | Endpoint Address (4 or 16) | TEID (0-4) |
//! ```
//! The endpoint length counts the address and the TEID bits after it.

use std::fmt;
use std::net::IpAddr;

use crate::bgp::iana::Afi;
use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::{bad_length, be_number, ip_from, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct T2st {
    pub rd: RouteDistinguisher,
    pub endpoint_len: u8,
    pub endpoint: IpAddr,
    pub teid: u32,
}

impl T2st {
    pub const CODE: u16 = 4;
    pub const NAME: &'static str = "Type2SessionTransformedRoute";

    pub(crate) fn parse(afi: Afi, b: &[u8]) -> Result<T2st, Notify> {
        let size = if afi == Afi::IPV6 { 16 } else { 4 };
        let bad = || bad_length("invalid Type 2 Session Transformed route");
        if b.len() < 9 + size {
            return Err(bad());
        }
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&b[..8]);
        let endpoint_len = b[8];
        let endpoint = ip_from(&b[9..9 + size]).ok_or_else(bad)?;
        let mut teid = 0;
        if usize::from(endpoint_len) > size * 8 {
            let teid_bits = usize::from(endpoint_len) - size * 8;
            let rest = &b[9 + size..];
            if teid_bits > 32 || rest.len() > 4 {
                return Err(bad_length("endpoint length is too large"));
            }
            teid = be_number(rest) as u32;
        }
        Ok(T2st { rd: RouteDistinguisher(rd), endpoint_len, endpoint, teid })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.push(self.endpoint_len);
        ip_octets(&self.endpoint, out);
        let addr_bits = if self.endpoint.is_ipv4() { 32 } else { 128 };
        let teid_bits = usize::from(self.endpoint_len).saturating_sub(addr_bits).min(32);
        let n = teid_bits.div_ceil(8);
        out.extend_from_slice(&self.teid.to_be_bytes()[4 - n..]);
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        // The doubled space before "arch" is ExaBGP's.
        push(
            out,
            format_args!("\"name\": \"{}\",  \"arch\": 1, \"code\": {}, \"endpoint_len\": {}, \"endpoint_ip\": \"{}\", ", T2st::NAME, T2st::CODE, self.endpoint_len, Ip(self.endpoint)),
        );
        self.rd.json(out);
        push(out, format_args!(", \"teid\": \"{}\", ", self.teid));
    }
}

impl fmt::Display for T2st {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}:{}:", self.rd, self.endpoint_len, Ip(self.endpoint), self.teid)
    }
}
