//! The 19-byte message header (RFC 4271 §4.1) and cutting a byte stream into
//! whole messages.
//!
//! Owner: the messages work (issue 4).
