//! The reactor: one single-threaded mio poll loop owning every socket, pipe,
//! timer and signal (style-examples §3).

pub mod delay;
pub mod fsm;
pub mod timer;
pub mod connection;
pub mod listener;
pub mod wire;
