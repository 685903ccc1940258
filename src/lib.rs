//! A drop-in replacement for ExaBGP.
//!
//! The crate is a library so that the functional harness under `qa/` and the
//! benchmarks can reach the codec, the configuration and the FSM directly; the
//! `exabgp` binary (`src/main.rs`) is a thin command-line front end.

pub mod api;
pub mod bgp;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod environment;
pub mod json;
pub mod logger;
pub mod reactor;
pub mod rib;
