//! The RIBs of one neighbor (ExaBGP's `rib/`): what we send (`AdjRibOut`,
//! with the cursor the session pulls UPDATEs from) and what we received
//! (`AdjRibIn`). Sans-IO: no sockets, no clock.

pub mod cache;
pub mod change;
pub mod incoming;
pub mod ordered;
pub mod outgoing;
pub mod pyset;

pub use change::{Change, RouteKey};
pub use incoming::AdjRibIn;
pub use outgoing::AdjRibOut;

#[cfg(test)]
mod tests;
