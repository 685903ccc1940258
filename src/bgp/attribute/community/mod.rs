//! Communities: standard (RFC 1997), extended (RFC 4360, RFC 5701) and large
//! (RFC 8092). Like ExaBGP, each list is kept sorted by wire value, which is
//! also the order it is sent in.

pub mod extended;
pub mod initial;
pub mod large;

pub use extended::{ExtendedCommunities, ExtendedCommunitiesIpv6, ExtendedCommunity, ExtendedCommunityIpv6};
pub use initial::Communities;
pub use large::{LargeCommunities, LargeCommunity};
