//! The reactor: one single-threaded mio poll loop owning every socket, pipe,
//! timer and signal (style-examples §3). No threads, no async.
//!
//! | file            | what                                                   |
//! |-----------------|--------------------------------------------------------|
//! | `event_loop.rs` | `Reactor`: Poll, `Slab<Source>`, run queue, `turn`     |
//! | `fsm.rs`        | sans-IO RFC 4271 §8 state machine                      |
//! | `timer.rs`      | deadline heap keyed by (Token, TimerKind)              |
//! | `delay.rs`      | ExaBGP's reconnect backoff                             |
//! | `peer.rs`       | settings, FSM, connection; codec boundary, `Negotiated` |
//! | `connection.rs` | non-blocking TCP, framing, prioritised bounded tx      |
//! | `listener.rs`   | listening sockets, accepted connection -> peer          |
//! | `process.rs`    | helper processes: spawn, pipes, lines, respawn, kill   |
//! | `signal.rs`     | SIGTERM/HUP/INT/ALRM/USR1/USR2 as a poll source        |
//!
//! Lifecycle of a peer: `Reactor::add_peer` puts it in the slab (its token
//! is its `PeerId`) and feeds ManualStart. Its FSM arms ConnectRetry, Hold,
//! Keepalive, SendHold (RFC 9687; the peer feeds `SendProgress` when a
//! write moves bytes or nothing waits, so only output stuck for
//! SendHoldTime ends the session) and IdleHold through actions; the peer owns at most one
//! connection (plus one lingering while a final NOTIFICATION drains), always
//! registered under the peer's token. A stopped peer, or one out of
//! `tcp.attempts`, reports `Finished` and leaves the slab at the end of the
//! turn; a peer that only lost its session stays and reconnects after the
//! backoff.
//!
//! Lifecycle of a helper: `add_process` spawns it and gives its stdout (and
//! stderr in `StderrMode::Log`) a slab entry each, READABLE; stdin gets an
//! entry registered WRITABLE only while bytes wait. A process problem closes
//! those entries, SIGTERMs the child into the graveyard (reaped every 50 ms,
//! SIGKILLed after 2 s) and arms a Respawn timer when respawn is allowed.
//!
//! The owner (daemon, API, RIB) drives `turn` in a loop and, after each,
//! drains `Output`s: signals, helper lines, peer reports and received
//! messages (`PeerOutput::Received`, decoded, with the raw bytes and the
//! session's `Negotiated`); it answers with `write_process`, `stop_peer`,
//! `queue_update` (pre-encoded UPDATEs), `send_message`….
//!
//! What the API prints comes from `PeerOutput`s in ExaBGP's order:
//! `Connected` (`state: connected`), `Report::Fsm` (`fsm` messages, ExaBGP's
//! sequence rather than RFC 4271's states, see `fsm.rs`), `Negotiated`,
//! `Report::Up`, `Report::Down(reason)` (`reason` is its `Display`),
//! `Received`/`Sent` packets, and `Refresh` for the RIB.
//!
//! STAGE TWO: `Message::Update` carries the raw body until the typed UPDATE
//! lands; `PeerSettings` is built by hand until the configuration model does.

pub mod connection;
pub mod delay;
pub mod event_loop;
pub mod fsm;
pub mod listener;
pub mod peer;
pub mod process;
pub mod signal;
pub mod timer;

pub use event_loop::{Output, PeerId, ProcessId, Reactor, Source};
pub use peer::{Packet, PeerOutput, PeerSettings};
