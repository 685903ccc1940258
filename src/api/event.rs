//! The events a helper process can subscribe to (api.md §4) and the two
//! encoders that render them (JSON §5, text §6).
//!
//! Each call renders one event for one process, exactly the bytes written to
//! its stdin (the writer's newline included). The JSON `counter` is kept per
//! neighbor and shared by every process and event kind: ExaBGP increments it
//! once per JSON rendering, so the daemon passes the same `&mut u64` for every
//! process of a neighbor (text renderings do not touch it).

use crate::api::envelope::{Direction, NeighborId, Writer};
use crate::bgp::iana::Family;
use crate::bgp::message::update::Update;
use crate::bgp::message::{Notification, Open, Operational, RouteRefresh};
use crate::bgp::negotiated::Negotiated;

/// A process's `encoder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Text,
}

/// What stays the same for every event of one loop iteration.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub writer: &'a Writer,
    /// Seconds since the epoch (`time.time()`).
    pub time: f64,
    /// `exabgp.api.compact`.
    pub compact: bool,
}

/// A decoded BGP message, as the `parsed` / `consolidate` forms show it.
#[derive(Clone, Copy, Debug)]
pub enum Message<'a> {
    Open(&'a Open),
    /// An UPDATE; an End-of-RIB UPDATE renders as `eor`.
    Update(&'a Update),
    /// An End-of-RIB the daemon built itself, without an `Update` value.
    Eor(Family),
    Notification(&'a Notification),
    KeepAlive,
    Refresh(&'a RouteRefresh),
    Operational(&'a Operational),
}

impl Message<'_> {
    /// ExaBGP's JSON `type` of the decoded form.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Open(_) => "open",
            Message::Update(_) | Message::Eor(_) => "update",
            Message::Notification(_) => "notification",
            Message::KeepAlive => "keepalive",
            Message::Refresh(_) => "refresh",
            Message::Operational(_) => "operational",
        }
    }
}

/// The raw header (19 octets) and body of a message.
#[derive(Clone, Copy, Debug)]
pub struct Raw<'a> {
    pub header: &'a [u8],
    pub body: &'a [u8],
}

impl<'a> Raw<'a> {
    /// Split a whole message (header included).
    pub fn split(message: &'a [u8]) -> Raw<'a> {
        let (header, body) = message.split_at(message.len().min(19));
        Raw { header, body }
    }
}

/// One event about a neighbor.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// `state connected` (TCP session up).
    Connected,
    /// `state up` (ESTABLISHED).
    Up,
    /// `state down` with the reason as ExaBGP words it.
    Down { reason: &'a str },
    /// `fsm`: the new state's name (`IDLE`, `ACTIVE`, … `ESTABLISHED`). JSON only.
    Fsm { state: &'a str },
    /// `signal`: the signal number and its name (`SIGTERM`). JSON only.
    Signal { code: i32, name: &'a str },
    /// `negotiated`, after the OPENs are checked. JSON only.
    Negotiated(&'a Negotiated),
    /// The decoded form (`parsed`, or `consolidate` with `raw`).
    /// `negotiated` is added to updates only (as ExaBGP does); pass it for
    /// every sent message and for received ones when the neighbor has the
    /// `negotiated` flag. `raw` is `Some` only for `consolidate` + `packets`.
    Message { direction: Direction, message: Message<'a>, negotiated: Option<&'a Negotiated>, raw: Option<Raw<'a>> },
    /// The raw form (`packets`): the numeric message type and its octets.
    Packets { direction: Direction, category: u8, negotiated: Option<&'a Negotiated>, raw: Raw<'a> },
}

/// Render `event` for a process using `encoding`, appending the bytes to
/// write to `out`. Returns false (and writes nothing) when the encoder has
/// nothing to say: the text encoder ignores fsm, signal and negotiated.
pub fn encode(
    encoding: Encoding,
    ctx: &Context<'_>,
    neighbor: &NeighborId,
    counter: &mut u64,
    event: &Event<'_>,
    out: &mut String,
) -> bool {
    match encoding {
        Encoding::Json => {
            crate::api::json::event(ctx, neighbor, counter, event, out);
            true
        }
        Encoding::Text => crate::api::text::event(neighbor, event, out),
    }
}

/// The message every process gets when the daemon stops (api.md §1.6),
/// newline included. It has no counter.
pub fn shutdown(encoding: Encoding, ctx: &Context<'_>, out: &mut String) {
    match encoding {
        Encoding::Json => crate::api::json::shutdown(ctx, out),
        Encoding::Text => crate::api::text::shutdown(ctx.writer, out),
    }
}

/// ExaBGP's long name of a message type, the JSON `type` of a packets event.
pub fn long_name(category: u8) -> &'static str {
    match category {
        1 => "open",
        2 => "update",
        3 => "notification",
        4 => "keepalive",
        5 => "route-refresh",
        6 => "operational",
        _ => "unknown",
    }
}
