//! The reactor: one single-threaded mio poll loop owning every socket, pipe,
//! timer and signal (style-examples §3). No threads, no async.
//!
//! | file            | what                                                   |
//! |-----------------|--------------------------------------------------------|
//! | `event_loop.rs` | `Reactor`: Poll, `Slab<Source>`, run queue, `turn`     |
//! | `fsm.rs`        | sans-IO RFC 4271 §8 state machine                      |
//! | `timer.rs`      | deadline heap keyed by (Token, TimerKind)              |
//! | `delay.rs`      | ExaBGP's reconnect backoff                             |
//! | `peer.rs`       | settings + FSM + connection; executes FSM actions      |
//! | `connection.rs` | non-blocking TCP, framing, prioritised bounded tx      |
//! | `listener.rs`   | listening sockets, accepted connection -> peer          |
//! | `process.rs`    | helper processes: spawn, pipes, lines, respawn, kill   |
//! | `signal.rs`     | SIGTERM/HUP/INT/ALRM/USR1/USR2 as a poll source        |
//! | `wire.rs`       | STAGE TWO placeholder for the message codec            |

pub mod connection;
pub mod delay;
pub mod event_loop;
pub mod fsm;
pub mod listener;
pub mod peer;
pub mod process;
pub mod signal;
pub mod timer;
pub mod wire;

pub use event_loop::{Output, PeerId, ProcessId, Reactor, Source};
