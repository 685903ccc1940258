//! NLRI for every family ExaBGP speaks.
//!
//! Owner: the NLRI work (issue 4).
//!
//! Contract the rest of the codec relies on (keep these signatures):
//!
//! ```ignore
//! pub enum Nlri { /* one variant per family kind, plus Unknown { family, data } */ }
//! impl Nlri {
//!     pub fn family(&self) -> Family;
//!     /// Decode one NLRI of `family` from the front of `buf`, advancing it.
//!     /// `addpath`: a 4-byte path identifier precedes it (RFC 7911).
//!     pub fn unpack(family: Family, buf: &mut &[u8], addpath: bool, neg: &Negotiated) -> Result<Nlri, Notify>;
//!     /// Append the wire form (with the path identifier when `addpath`).
//!     pub fn pack(&self, addpath: bool, out: &mut BytesMut);
//!     /// Append ExaBGP's JSON for this NLRI (the element of an announce/withdraw list).
//!     pub fn json(&self, out: &mut String);
//! }
//! impl fmt::Display for Nlri  // ExaBGP's text form, as in `announce route …` / text encoder
//! ```
