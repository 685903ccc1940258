//! The BGP wire codec: messages, capabilities, path attributes and NLRI.
//!
//! Every decoder takes a `&Negotiated` (what the OPEN exchange agreed) and
//! returns `Result<_, Notify>` so that a malformed input becomes the
//! NOTIFICATION the RFCs name; every encoder writes into a `BytesMut`.

pub mod attribute;
pub mod capability;
pub mod framing;
pub mod iana;
pub mod message;
pub mod negotiated;
pub mod nlri;
pub mod notify;
