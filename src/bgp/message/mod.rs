//! BGP messages (RFC 4271 §4) as one `Message` enum.
//!
//! Owner of this file and of open/notification/keepalive/refresh/operational:
//! the messages work (issue 4). `update.rs` belongs to the attributes work.

pub mod update;
