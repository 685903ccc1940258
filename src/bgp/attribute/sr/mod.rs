//! BGP Prefix-SID (RFC 8669) and its SRv6 service TLVs (RFC 9252).

pub mod prefixsid;
pub mod srv6;

pub use prefixsid::{PrefixSid, SrTlv};
pub use srv6::{ServiceSubTlv, SidStructure, SubSubTlv};
