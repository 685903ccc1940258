//! MVPN route type 5, Source Active A-D (RFC 6514 §4.5).
//!
//! ```text
//! | RD (8) | Multicast Source Length (1) | Source (4/16) |
//! | Multicast Group Length (1) | Group (4/16) |
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::{bad_length, ip_octets, Ip};
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceAd {
    pub rd: RouteDistinguisher,
    pub source: IpAddr,
    pub group: IpAddr,
}

/// Read a length-prefixed (in bits) address of 32 or 128 bits.
pub(crate) fn read_ip(b: &mut &[u8]) -> Result<IpAddr, Notify> {
    let bad = || bad_length("multicast address length is not 32 or 128 bits");
    let (&bits, rest) = b.split_first().ok_or_else(bad)?;
    let n = match bits {
        32 => 4,
        128 => 16,
        _ => return Err(bad()),
    };
    let ip = rest.get(..n).and_then(crate::bgp::nlri::util::ip_from).ok_or_else(bad)?;
    *b = &rest[n..];
    Ok(ip)
}

pub(crate) fn write_ip(ip: &IpAddr, out: &mut Vec<u8>) {
    out.push(if ip.is_ipv4() { 32 } else { 128 });
    ip_octets(ip, out);
}

impl SourceAd {
    pub const CODE: u8 = 5;
    pub const NAME: &'static str = "Source Active A-D Route";

    pub(crate) fn parse(body: &[u8]) -> Result<SourceAd, Notify> {
        if body.len() != 18 && body.len() != 42 {
            return Err(bad_length(&format!("Unsupported Source Active A-D route length ({} bytes).", body.len())));
        }
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&body[..8]);
        let mut b = &body[8..];
        let source = read_ip(&mut b)?;
        let group = read_ip(&mut b)?;
        if !b.is_empty() {
            return Err(bad_length("Source Active A-D route has trailing data"));
        }
        Ok(SourceAd { rd: RouteDistinguisher(rd), source, group })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        write_ip(&self.source, out);
        write_ip(&self.group, out);
    }
}

impl fmt::Display for SourceAd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.rd, Ip(self.source), Ip(self.group))
    }
}
