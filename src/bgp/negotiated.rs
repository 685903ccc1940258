//! `Negotiated`: what the OPEN exchange agreed, handed to every pack and unpack.
//!
//! The capability module fills it from the two OPENs
//! (`capability::negotiate`); offline users (`exabgp decode`, tests, the
//! configuration's self-check) build one by hand.

use super::iana::Family;

/// Standard maximum message size (RFC 4271 §4.1).
pub const MSG_SIZE_STANDARD: usize = 4096;
/// Maximum message size with the extended-message capability (RFC 8654).
pub const MSG_SIZE_EXTENDED: usize = 65535;

/// Route-refresh flavour agreed with the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Refresh {
    #[default]
    Absent,
    /// RFC 2918 (or Cisco's pre-standard code 128).
    Normal,
    /// RFC 7313.
    Enhanced,
}

impl Refresh {
    pub fn name(self) -> &'static str {
        match self {
            Refresh::Absent => "absent",
            Refresh::Normal => "normal",
            Refresh::Enhanced => "enhanced",
        }
    }
}

/// Which direction a message travels: it decides which ADD-PATH flag applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A message we receive (ExaBGP's `IN`): path-ids present if we agreed to receive them.
    In,
    /// A message we send (`OUT`): path-ids present if we agreed to send them.
    Out,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    pub local_as: u32,
    pub peer_as: u32,
    /// Both sides announced the 4-octet AS capability (RFC 6793).
    pub asn4: bool,
    pub hold_time: u16,
    pub families: Vec<Family>,
    /// RFC 8950 extended next-hop: (nlri family, next-hop AFI) pairs agreed.
    pub nexthop: Vec<(Family, crate::bgp::iana::Afi)>,
    /// Families where we send path identifiers (RFC 7911).
    pub addpath_send: Vec<Family>,
    /// Families where we receive path identifiers (RFC 7911).
    pub addpath_receive: Vec<Family>,
    pub msg_size: usize,
    pub refresh: Refresh,
    pub operational: bool,
    pub multisession: bool,
    pub aigp: bool,
}

impl Default for Negotiated {
    fn default() -> Self {
        Negotiated {
            local_as: 0,
            peer_as: 0,
            asn4: true,
            hold_time: 180,
            families: vec![Family::IPV4_UNICAST],
            nexthop: Vec::new(),
            addpath_send: Vec::new(),
            addpath_receive: Vec::new(),
            msg_size: MSG_SIZE_STANDARD,
            refresh: Refresh::Absent,
            operational: false,
            multisession: false,
            aigp: false,
        }
    }
}

impl Negotiated {
    /// Whether NLRI of `family` travelling in `direction` carry a path identifier.
    pub fn addpath(&self, family: Family, direction: Direction) -> bool {
        match direction {
            Direction::In => self.addpath_receive.contains(&family),
            Direction::Out => self.addpath_send.contains(&family),
        }
    }

    /// Whether the internal (iBGP) rules apply.
    pub fn is_ibgp(&self) -> bool {
        self.local_as == self.peer_as
    }
}
