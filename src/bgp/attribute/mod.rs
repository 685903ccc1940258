//! Path attributes (RFC 4271 §4.3, §5) with RFC 7606 error handling.
//!
//! Owner: the attributes work (issue 4).
