//! The process API: what helper programs read and write.

pub mod envelope;
pub mod event;
pub mod json;
pub mod text;
