//! OPEN capabilities (RFC 5492) and their negotiation into `Negotiated`.
//!
//! Owner: the messages work (issue 4).
