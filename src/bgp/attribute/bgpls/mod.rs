//! BGP-LS attribute (RFC 9552 §5.3) and the node, link and prefix attribute
//! TLVs ExaBGP decodes (RFC 9552, RFC 9085, RFC 9514).

pub mod linkstate;
mod tlvs;

pub use linkstate::LinkState;
