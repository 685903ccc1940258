//! MVPN route type 6, C-multicast Shared Tree Join (RFC 6514 §4.6); type 7
//! (`sourcejoin.rs`) has the same layout.
//!
//! ```text
//! | RD (8) | Source AS (4) | Multicast Source Length (1) | Source (4/16) |
//! | Multicast Group Length (1) | Group (4/16) |
//! ```

use std::fmt;
use std::net::IpAddr;

use super::sourcead::{read_ip, write_ip};
use crate::bgp::nlri::qualifier::RouteDistinguisher;
use crate::bgp::nlri::util::{bad_length, push, Ip};
use crate::bgp::notify::Notify;

/// The body shared by C-multicast route types 6 and 7.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CMulticast {
    pub rd: RouteDistinguisher,
    pub source_as: u32,
    pub source: IpAddr,
    pub group: IpAddr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedJoin(pub CMulticast);

impl SharedJoin {
    pub const CODE: u8 = 6;
    pub const NAME: &'static str = "C-Multicast Shared Tree Join route";
}

impl CMulticast {
    pub(crate) fn parse(body: &[u8]) -> Result<CMulticast, Notify> {
        if body.len() != 22 && body.len() != 46 {
            return Err(bad_length(&format!("Invalid C-Multicast Route length ({} bytes).", body.len())));
        }
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&body[..8]);
        let source_as = u32::from_be_bytes([body[8], body[9], body[10], body[11]]);
        let mut b = &body[12..];
        let source = read_ip(&mut b)?;
        let group = read_ip(&mut b)?;
        if !b.is_empty() {
            return Err(bad_length("C-Multicast route has trailing data"));
        }
        Ok(CMulticast { rd: RouteDistinguisher(rd), source_as, source, group })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.extend_from_slice(&self.source_as.to_be_bytes());
        write_ip(&self.source, out);
        write_ip(&self.group, out);
    }

    pub(crate) fn json_fields(&self, out: &mut String) {
        self.rd.json(out);
        push(
            out,
            format_args!(", \"source-as\": \"{}\", \"source\": \"{}\", \"group\": \"{}\"}}", self.source_as, Ip(self.source), Ip(self.group)),
        );
    }
}

impl fmt::Display for CMulticast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}:{}", self.rd, self.source_as, Ip(self.source), Ip(self.group))
    }
}
