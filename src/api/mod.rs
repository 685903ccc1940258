//! The process API: what helper programs read and write.

pub mod envelope;
