//! The process API: what helper programs read and write.

pub mod envelope;
pub mod event;
pub mod json;
pub mod text;
pub mod ack;
pub mod command;
pub mod line;
pub mod selector;
pub mod show;
pub mod delivery;
