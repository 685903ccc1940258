//! MUP Type 1 Session Transformed route (arch 1, type 3).
//!
//! ```text
//! | RD (8) | Prefix Length (1) | Prefix (variable) |
//! | TEID (4) | QFI (1) | Endpoint Address Length (1) | Endpoint Address |
//! | [Source Address Length (1) | Source Address] |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::iana::Afi;
use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::{bad_length, ip_octets, push, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct T1st {
    pub rd: RouteDistinguisher,
    pub prefix_len: u8,
    pub prefix: IpAddr,
    pub teid: u32,
    pub qfi: u8,
    pub endpoint_len: u8,
    pub endpoint: IpAddr,
    /// The optional source address and its length in bits.
    pub source: Option<(u8, IpAddr)>,
}

fn addr(b: &mut &[u8]) -> Result<(u8, IpAddr), Notify> {
    let bad = || bad_length("mup t1st address length is not 32bit or 128bit");
    let (&bits, rest) = b.split_first().ok_or_else(bad)?;
    let n = match bits {
        32 => 4,
        128 => 16,
        _ => return Err(bad()),
    };
    let ip = rest.get(..n).and_then(crate::bgp::nlri::util::ip_from).ok_or_else(bad)?;
    *b = &rest[n..];
    Ok((bits, ip))
}

impl T1st {
    pub const CODE: u16 = 3;
    pub const NAME: &'static str = "Type1SessionTransformedRoute";

    pub(crate) fn parse(afi: Afi, b: &[u8]) -> Result<T1st, Notify> {
        let bad = || bad_length("truncated Type 1 Session Transformed route");
        if b.len() < 9 {
            return Err(bad());
        }
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&b[..8]);
        let prefix_len = b[8];
        let n = usize::from(prefix_len).div_ceil(8);
        let prefix = b.get(9..9 + n).and_then(|p| super::padded_ip(afi, p)).ok_or_else(bad)?;
        let mut rest = &b[9 + n..];
        if rest.len() < 5 {
            return Err(bad());
        }
        let teid = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let qfi = rest[4];
        rest = &rest[5..];
        let (endpoint_len, endpoint) = addr(&mut rest)?;
        let source = if rest.is_empty() { None } else { Some(addr(&mut rest)?) };
        if !rest.is_empty() {
            return Err(bad_length("trailing data in Type 1 Session Transformed route"));
        }
        Ok(T1st { rd: RouteDistinguisher(rd), prefix_len, prefix, teid, qfi, endpoint_len, endpoint, source })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.push(self.prefix_len);
        let mut ip = Vec::with_capacity(16);
        ip_octets(&self.prefix, &mut ip);
        let n = usize::from(self.prefix_len).div_ceil(8).min(ip.len());
        out.extend_from_slice(&ip[..n]);
        out.extend_from_slice(&self.teid.to_be_bytes());
        out.push(self.qfi);
        out.push(self.endpoint_len);
        ip_octets(&self.endpoint, out);
        if let Some((len, ip)) = &self.source {
            out.push(*len);
            ip_octets(ip, out);
        }
    }

    /// ExaBGP's fields. ExaBGP forgets the comma after `endpoint_ip` (invalid
    /// JSON) and prints an absent source as Python's `b''`: we write the comma
    /// and an empty string (COMPATIBILITY.md).
    pub(crate) fn json_fields(&self, out: &mut String) {
        push(
            out,
            format_args!(
                "\"name\": \"{}\", \"arch\": 1, \"code\": {}, \"prefix_ip_len\": {}, \"prefix_ip\": \"{}\", \"teid\": \"{}\", \"qfi\": \"{}\", ",
                T1st::NAME,
                T1st::CODE,
                self.prefix_len,
                Ip(self.prefix),
                self.teid,
                self.qfi
            ),
        );
        self.rd.json(out);
        push(out, format_args!(", \"endpoint_ip_len\": {}, \"endpoint_ip\": \"{}\", ", self.endpoint_len, Ip(self.endpoint)));
        match &self.source {
            Some((len, ip)) => push(out, format_args!("\"source_ip_len\": {len}, \"source_ip\": \"{}\", ", Ip(*ip))),
            None => out.push_str("\"source_ip_len\": 0, \"source_ip\": \"\", "),
        }
    }
}

impl fmt::Display for T1st {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // ExaBGP prints the prefix length after the endpoint too.
        write!(f, "{}:{}/{}:{}:{}:{}/{}", self.rd, Ip(self.prefix), self.prefix_len, self.teid, self.qfi, Ip(self.endpoint), self.prefix_len)?;
        if let Some((len, ip)) = &self.source {
            if *len != 0 {
                write!(f, ":{}/{}", Ip(*ip), len)?;
            }
        }
        Ok(())
    }
}
