//! EVPN route type 1, Ethernet Auto-Discovery (RFC 7432 §7.1).
//!
//! ```text
//! | RD (8) | ESI (10) | Ethernet Tag ID (4) | MPLS Label (3) |
//! ```

use std::fmt;

use crate::bgp::nlri::qualifier::{Esi, EthernetTag, Labels, RouteDistinguisher};
use crate::bgp::nlri::util::bad_length;
use crate::bgp::notify::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthernetAd {
    pub rd: RouteDistinguisher,
    pub esi: Esi,
    pub etag: EthernetTag,
    pub label: Labels,
}

impl EthernetAd {
    pub const CODE: u8 = 1;
    pub const NAME: &'static str = "Ethernet Auto-Discovery";

    pub(crate) fn parse(b: &[u8]) -> Result<EthernetAd, Notify> {
        if b.len() < 22 || (b.len() > 22 && b.len() < 25) {
            return Err(bad_length("invalid Ethernet Auto-Discovery route length"));
        }
        let (rd, esi, etag) = super::prefix::rd_esi_etag(b);
        Ok(EthernetAd { rd, esi, etag, label: Labels::one_from(b.get(22..25).unwrap_or(&[])) })
    }

    pub(crate) fn build(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rd.0);
        out.extend_from_slice(&self.esi.0);
        out.extend_from_slice(&self.etag.0.to_be_bytes());
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
        out.push_str(" }");
    }
}

impl fmt::Display for EthernetAd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}:{}", self.rd, self.esi, self.etag, self.label.text())
    }
}
