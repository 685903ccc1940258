//! UPDATE (RFC 4271 §4.3, RFC 4760): withdrawn routes, path attributes, NLRI.
//!
//! Owner: the attributes work (issue 4).
