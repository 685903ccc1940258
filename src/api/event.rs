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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::json::tests::{id, writer};

    /// UPDATE body: origin igp, as-path (65001), next-hop 127.0.0.1,
    /// NLRI 20.0.0.0/24 and 20.0.1.0/24 (the live sample of api.md §5.6).
    const BODY: [u8; 32] = [
        0, 0, 0, 20, 0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, 0x40, 3, 4, 127, 0, 0, 1, 24, 20, 0, 0, 24, 20,
        0, 1,
    ];

    fn neg() -> Negotiated {
        Negotiated { asn4: true, ..Negotiated::default() }
    }

    fn render(encoding: Encoding, e: &Event<'_>) -> String {
        let w = writer();
        let ctx = Context { writer: &w, time: 1.5, compact: false };
        let mut out = String::new();
        let mut c = 0;
        encode(encoding, &ctx, &id(), &mut c, e, &mut out);
        out
    }

    #[test]
    fn update_json_live_sample() {
        let n = neg();
        let u = Update::unpack(&BODY, &n).unwrap();
        let mut negj = String::new();
        n.json(&mut negj);
        let e = Event::Message {
            direction: Direction::Send,
            message: Message::Update(&u),
            negotiated: Some(&n),
            raw: None,
        };
        let out = render(Encoding::Json, &e);
        let expected_tail = format!(
            "\"type\": \"update\", \"neighbor\": {{ \"address\": {{ \"local\": \"127.0.0.1\", \"peer\": \"127.0.0.2\" }}, \
             \"asn\": {{ \"local\": 65001, \"peer\": 65002 }} , \"direction\": \"send\", \"message\": {{ \"update\": {{ \
             \"attribute\": {{ \"origin\": \"igp\", \"as-path\": {{\"0\": {{\"element\": \"as-sequence\", \"value\": [65001]}}}} }}, \
             \"announce\": {{ \"ipv4 unicast\": {{ \"127.0.0.1\": [ {{ \"nlri\": \"20.0.0.0/24\" }}, {{ \"nlri\": \"20.0.1.0/24\" }} ] }} }} }} }}, \
             {negj} }} }}\n"
        );
        assert!(out.ends_with(&expected_tail), "{out}\n{expected_tail}");
        assert!(out.contains("\"counter\": 1, \"type\": \"update\""));
    }

    #[test]
    fn update_json_compact_and_consolidated() {
        let n = neg();
        let u = Update::unpack(&BODY, &n).unwrap();
        let w = writer();
        let ctx = Context { writer: &w, time: 1.5, compact: true };
        let header: Vec<u8> = [0xffu8; 16].iter().copied().chain([0, 51, 2]).collect();
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::Update(&u),
            negotiated: None,
            raw: Some(Raw { header: &header, body: &BODY }),
        };
        let mut out = String::new();
        let mut c = 0;
        encode(Encoding::Json, &ctx, &id(), &mut c, &e, &mut out);
        assert!(out.contains("\"127.0.0.1\": [ \"20.0.0.0/24\", \"20.0.1.0/24\" ]"), "{out}");
        assert!(out.contains("\"type\": \"update\", \"header\": \"0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003302\", \"body\": \"0x00000014"), "{out}");
        assert!(out.ends_with("] } } } } } }\n"), "{out}");
    }

    #[test]
    fn update_text_block() {
        let n = neg();
        let u = Update::unpack(&BODY, &n).unwrap();
        let e =
            Event::Message { direction: Direction::Receive, message: Message::Update(&u), negotiated: None, raw: None };
        let out = render(Encoding::Text, &e);
        let lines: Vec<&str> = out.split('\n').collect();
        assert_eq!(lines[0], "neighbor 127.0.0.2 receive update start");
        assert!(
            lines[1]
                .starts_with("neighbor 127.0.0.2 receive update announced 20.0.0.0/24 next-hop 127.0.0.1 origin igp"),
            "{out}"
        );
        assert!(
            lines[2]
                .starts_with("neighbor 127.0.0.2 receive update announced 20.0.1.0/24 next-hop 127.0.0.1 origin igp"),
            "{out}"
        );
        assert_eq!(&lines[3..], &["neighbor 127.0.0.2 receive update end", "", ""]);
    }

    #[test]
    fn open_json_key_styles() {
        use crate::bgp::capability::{Asn4, Capabilities, Capability};
        let mut caps = Capabilities::new();
        caps.insert(Capability::Asn4(Asn4(65001)));
        let open =
            Open { version: 4, asn: 65001, hold_time: 9, router_id: "1.1.1.1".parse().unwrap(), capabilities: caps };
        let sent = render(
            Encoding::Json,
            &Event::Message { direction: Direction::Send, message: Message::Open(&open), negotiated: None, raw: None },
        );
        assert!(
            sent.contains(", \"direction\": \"send\", \"open\": { \"version\": 4, \"asn\": 65001, \"hold_time\": 9, \"router_id\": \"1.1.1.1\", \"capabilities\": { \"asn4\": "),
            "{sent}"
        );
        assert!(sent.ends_with(" } } } }\n"), "{sent}");
        let received = render(
            Encoding::Json,
            &Event::Message {
                direction: Direction::Receive,
                message: Message::Open(&open),
                negotiated: None,
                raw: None,
            },
        );
        assert!(received.contains("\"capabilities\": { \"65\": "), "{received}");
        let text = render(
            Encoding::Text,
            &Event::Message { direction: Direction::Send, message: Message::Open(&open), negotiated: None, raw: None },
        );
        assert!(
            text.starts_with(
                "neighbor 127.0.0.2 send open version 4 asn 65001 hold_time 9 router_id 1.1.1.1 capabilities ["
            ),
            "{text}"
        );
        assert!(text.ends_with("]\n\n"), "{text}");
    }

    #[test]
    fn raw_split() {
        let msg = [0xffu8; 19];
        let r = Raw::split(&msg);
        assert_eq!((r.header.len(), r.body.len()), (19, 0));
        let r = Raw::split(&[1, 2]);
        assert_eq!((r.header.len(), r.body.len()), (2, 0));
    }
}
