//! The JSON encoder (api.md §5): one line per event.
//!
//! Differences from ExaBGP, which writes some events as invalid JSON (§5.9):
//! here every line is valid JSON with the same keys and spacing. Route-refresh
//! and operational values are single-quoted strings (ExaBGP: `""ipv4""`),
//! negotiated families / next-hops are quoted strings, a `down` reason and a
//! notification message are fully escaped (ExaBGP escapes only `"`, after
//! turning brackets and braces into parentheses, which is kept).

use std::fmt::Write;

use crate::api::envelope::{self, NeighborId};
use crate::api::event::{long_name, Context, Event, Message, Raw};
use crate::bgp::capability::KeyStyle;
use crate::bgp::negotiated::Negotiated;

/// Render one event, newline included.
pub fn event(ctx: &Context<'_>, id: &NeighborId, counter: &mut u64, event: &Event<'_>, out: &mut String) {
    *counter += 1;
    let c = Some(*counter);
    match event {
        Event::Connected => state(ctx, id, c, "connected", None, out),
        Event::Up => state(ctx, id, c, "up", None, out),
        Event::Down { reason } => state(ctx, id, c, "down", Some(reason), out),
        Event::Fsm { state } => {
            ctx.writer.begin(out, ctx.time, c, "fsm", None);
            envelope::neighbor(out, id, None, |o| {
                o.push_str("\"state\": ");
                crate::json::string(o, state);
            });
        }
        Event::Signal { code, name } => {
            ctx.writer.begin(out, ctx.time, c, "signal", None);
            envelope::neighbor(out, id, None, |o| {
                let _ = write!(o, "\"code\": \"{code}\", \"name\": ");
                crate::json::string(o, name);
            });
        }
        Event::Negotiated(n) => {
            ctx.writer.begin(out, ctx.time, c, "negotiated", None);
            envelope::neighbor(out, id, None, |o| n.json(o));
        }
        Event::Message { direction, message, negotiated, raw } => {
            let raw = raw.map(|r| (r.header, r.body));
            ctx.writer.begin(out, ctx.time, c, message.kind(), raw);
            envelope::neighbor(out, id, Some(*direction), |o| payload(ctx, *direction, message, *negotiated, o));
        }
        Event::Packets { direction, category, negotiated, raw } => {
            ctx.writer.begin(out, ctx.time, c, long_name(*category), None);
            envelope::neighbor(out, id, Some(*direction), |o| packets(*category, raw, *negotiated, o));
        }
    }
    envelope::end(out);
    out.push('\n');
}

/// `{ … "type": "notification", "notification": "shutdown" }`, no counter.
pub fn shutdown(ctx: &Context<'_>, out: &mut String) {
    ctx.writer.begin(out, ctx.time, None, "notification", None);
    out.push_str("\"notification\": \"shutdown\"");
    envelope::end(out);
    out.push('\n');
}

fn state(ctx: &Context<'_>, id: &NeighborId, c: Option<u64>, name: &str, reason: Option<&str>, out: &mut String) {
    ctx.writer.begin(out, ctx.time, c, "state", None);
    envelope::neighbor(out, id, None, |o| {
        let _ = write!(o, "\"state\": \"{name}\"");
        if let Some(reason) = reason {
            o.push_str(", \"reason\": ");
            crate::json::string(o, &down_reason(reason));
        }
    });
}

/// ExaBGP turns brackets and braces of a down reason into parentheses
/// (`stop, message [shutting down]` → `stop, message (shutting down)`).
pub fn down_reason(reason: &str) -> String {
    reason
        .chars()
        .map(|c| match c {
            '[' | '{' => '(',
            ']' | '}' => ')',
            c => c,
        })
        .collect()
}

fn payload(
    ctx: &Context<'_>,
    direction: envelope::Direction,
    m: &Message<'_>,
    neg: Option<&Negotiated>,
    o: &mut String,
) {
    match m {
        Message::Open(open) => {
            let keys = if direction == envelope::Direction::Send { KeyStyle::Names } else { KeyStyle::Codes };
            open.json(o, keys);
        }
        Message::Update(u) => {
            o.push_str("\"message\": ");
            u.json_with(ctx.compact, o);
            negotiated(neg, o);
        }
        Message::Eor(family) => {
            o.push_str("\"message\": { ");
            crate::bgp::message::update::eor_json(*family, o);
            o.push_str(" }");
            negotiated(neg, o);
        }
        Message::Notification(n) => n.json(o),
        Message::KeepAlive => {}
        Message::Refresh(r) => r.json(o),
        Message::Operational(op) => op.json(o),
    }
}

fn negotiated(neg: Option<&Negotiated>, o: &mut String) {
    if let Some(n) = neg {
        o.push_str(", ");
        n.json(o);
    }
}

/// `"message": { "category": 2, "header": "0x…", "body": "0x…" } [, "negotiated": { … } ]`
fn packets(category: u8, raw: &Raw<'_>, neg: Option<&Negotiated>, o: &mut String) {
    let _ = write!(o, "\"message\": {{ \"category\": {category}, \"header\": \"");
    crate::json::hex_0x(o, raw.header);
    o.push_str("\", \"body\": \"");
    crate::json::hex_0x(o, raw.body);
    o.push_str("\" } ");
    negotiated(neg, o);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::api::envelope::{Direction, Writer};
    use crate::api::event::{encode, Encoding};
    use crate::bgp::message::{Notification, RouteRefresh};

    pub(crate) fn writer() -> Writer {
        Writer { host: "h".into(), pid: 20164, ppid: 1 }
    }

    pub(crate) fn id() -> NeighborId {
        NeighborId {
            local_address: "127.0.0.1".parse().unwrap(),
            peer_address: "127.0.0.2".parse().unwrap(),
            local_as: 65001,
            peer_as: 65002,
        }
    }

    const HEAD: &str = "{ \"exabgp\": \"5.0.0\", \"time\": 1.5, \"host\" : \"h\", \"pid\" : 20164, \"ppid\" : 1, ";
    const NEIGHBOR: &str = "\"neighbor\": { \"address\": { \"local\": \"127.0.0.1\", \"peer\": \"127.0.0.2\" }, \
                            \"asn\": { \"local\": 65001, \"peer\": 65002 } ";

    fn render(event: Event<'_>, counter: &mut u64) -> String {
        let w = writer();
        let ctx = Context { writer: &w, time: 1.5, compact: false };
        let mut out = String::new();
        assert!(encode(Encoding::Json, &ctx, &id(), counter, &event, &mut out));
        out
    }

    #[test]
    fn state_events() {
        let mut c = 0;
        assert_eq!(
            render(Event::Connected, &mut c),
            format!("{HEAD}\"counter\": 1, \"type\": \"state\", {NEIGHBOR}, \"state\": \"connected\" }} }}\n")
        );
        assert_eq!(
            render(Event::Up, &mut c),
            format!("{HEAD}\"counter\": 2, \"type\": \"state\", {NEIGHBOR}, \"state\": \"up\" }} }}\n")
        );
        assert_eq!(
            render(Event::Down { reason: "stop, message [shutting down] \"x\"" }, &mut c),
            format!(
                "{HEAD}\"counter\": 3, \"type\": \"state\", {NEIGHBOR}, \"state\": \"down\", \
                 \"reason\": \"stop, message (shutting down) \\\"x\\\"\" }} }}\n"
            )
        );
    }

    #[test]
    fn fsm_and_signal() {
        let mut c = 6;
        assert_eq!(
            render(Event::Fsm { state: "OPENSENT" }, &mut c),
            format!("{HEAD}\"counter\": 7, \"type\": \"fsm\", {NEIGHBOR}, \"state\": \"OPENSENT\" }} }}\n")
        );
        assert_eq!(
            render(Event::Signal { code: 15, name: "SIGTERM" }, &mut c),
            format!("{HEAD}\"counter\": 8, \"type\": \"signal\", {NEIGHBOR}, \"code\": \"15\", \"name\": \"SIGTERM\" }} }}\n")
        );
    }

    #[test]
    fn shutdown_has_no_counter() {
        let w = writer();
        let ctx = Context { writer: &w, time: 1.5, compact: false };
        let mut out = String::new();
        crate::api::event::shutdown(Encoding::Json, &ctx, &mut out);
        assert_eq!(out, format!("{HEAD}\"type\": \"notification\", \"notification\": \"shutdown\" }}\n"));
    }

    #[test]
    fn keepalive_parsed_and_consolidated() {
        let mut c = 0;
        let e = Event::Message { direction: Direction::Send, message: Message::KeepAlive, negotiated: None, raw: None };
        assert_eq!(
            render(e, &mut c),
            format!("{HEAD}\"counter\": 1, \"type\": \"keepalive\", {NEIGHBOR}, \"direction\": \"send\"  }} }}\n")
        );
        let header = [0xffu8; 16].iter().copied().chain([0, 19, 4]).collect::<Vec<u8>>();
        let raw = Raw { header: &header, body: &[] };
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::KeepAlive,
            negotiated: None,
            raw: Some(raw),
        };
        assert_eq!(
            render(e, &mut c),
            format!(
                "{HEAD}\"counter\": 2, \"type\": \"keepalive\", \"header\": \"0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304\", \
                 {NEIGHBOR}, \"direction\": \"receive\"  }} }}\n"
            )
        );
    }

    #[test]
    fn packets_form() {
        let mut c = 0;
        let header = [0xffu8; 16].iter().copied().chain([0, 23, 2]).collect::<Vec<u8>>();
        let raw = Raw { header: &header, body: &[0, 0, 0, 0] };
        let e = Event::Packets { direction: Direction::Receive, category: 2, negotiated: None, raw };
        assert_eq!(
            render(e, &mut c),
            format!(
                "{HEAD}\"counter\": 1, \"type\": \"update\", {NEIGHBOR}, \"direction\": \"receive\", \"message\": \
                 {{ \"category\": 2, \"header\": \"0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702\", \"body\": \"0x00000000\" }}  }} }}\n"
            )
        );
        let header = [0xffu8; 16].iter().copied().chain([0, 19, 4]).collect::<Vec<u8>>();
        let raw = Raw { header: &header, body: &[] };
        let e = Event::Packets { direction: Direction::Send, category: 4, negotiated: None, raw };
        assert!(render(e, &mut c).contains("\"type\": \"keepalive\", "));
        let e = Event::Packets { direction: Direction::Send, category: 4, negotiated: None, raw };
        assert!(render(e, &mut c).contains("\"body\": \"0x\" }  }"));
        let e = Event::Packets { direction: Direction::Send, category: 5, negotiated: None, raw };
        assert!(render(e, &mut c).contains("\"type\": \"route-refresh\", "));
    }

    #[test]
    fn packets_with_negotiated() {
        let mut c = 0;
        let n = Negotiated::default();
        let mut neg = String::new();
        n.json(&mut neg);
        let raw = Raw { header: &[0xff; 19], body: &[] };
        let e = Event::Packets { direction: Direction::Send, category: 4, negotiated: Some(&n), raw };
        let out = render(e, &mut c);
        assert!(out.ends_with(&format!("\"body\": \"0x\" }} , {neg} }} }}\n")), "{out}");
    }

    #[test]
    fn notification_refresh() {
        let mut c = 0;
        let n = Notification { code: 6, subcode: 2, raw: b"bye".to_vec(), data: b"bye".to_vec() };
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::Notification(&n),
            negotiated: None,
            raw: None,
        };
        assert_eq!(
            render(e, &mut c),
            format!(
                "{HEAD}\"counter\": 1, \"type\": \"notification\", {NEIGHBOR}, \"direction\": \"receive\", \
                 \"notification\": {{ \"code\": 6, \"subcode\": 2, \"data\": \"0x627965\", \"message\": \"bye\" }}  }} }}\n"
            )
        );
        let r = RouteRefresh { afi: crate::bgp::iana::Afi::IPV4, safi: crate::bgp::iana::Safi::UNICAST, subtype: 0 };
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::Refresh(&r),
            negotiated: None,
            raw: None,
        };
        assert_eq!(
            render(e, &mut c),
            format!(
                "{HEAD}\"counter\": 2, \"type\": \"refresh\", {NEIGHBOR}, \"direction\": \"receive\", \
                 \"route-refresh\": {{ \"afi\": \"ipv4\", \"safi\": \"unicast\", \"subtype\": \"query\" }} }} }}\n"
            )
        );
    }

    #[test]
    fn eor_and_negotiated() {
        let mut c = 0;
        let n = Negotiated::default();
        let mut neg = String::new();
        n.json(&mut neg);
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::Eor(crate::bgp::iana::Family::IPV4_UNICAST),
            negotiated: Some(&n),
            raw: None,
        };
        assert_eq!(
            render(e, &mut c),
            format!(
                "{HEAD}\"counter\": 1, \"type\": \"update\", {NEIGHBOR}, \"direction\": \"receive\", \"message\": \
                 {{ \"eor\": {{ \"afi\" : \"ipv4\", \"safi\" : \"unicast\" }} }}, {neg} }} }}\n"
            )
        );
        assert!(neg.ends_with("} } "), "{neg}");
        let out = render(Event::Negotiated(&n), &mut c);
        assert_eq!(out, format!("{HEAD}\"counter\": 2, \"type\": \"negotiated\", {NEIGHBOR}, {neg} }} }}\n"));
    }

    #[test]
    fn counter_is_shared_between_processes() {
        // Two JSON processes and one text process on one neighbor: the text
        // one does not count, the JSON ones see 1 and 2.
        let w = writer();
        let ctx = Context { writer: &w, time: 1.5, compact: false };
        let mut counter = 0;
        let mut a = String::new();
        let mut b = String::new();
        let mut t = String::new();
        encode(Encoding::Json, &ctx, &id(), &mut counter, &Event::Up, &mut a);
        encode(Encoding::Text, &ctx, &id(), &mut counter, &Event::Up, &mut t);
        encode(Encoding::Json, &ctx, &id(), &mut counter, &Event::Up, &mut b);
        assert!(a.contains("\"counter\": 1,"));
        assert!(b.contains("\"counter\": 2,"));
        assert_eq!(counter, 2);
    }

    #[test]
    fn every_line_is_valid_json() {
        // Cheap structural check: balanced quotes and braces.
        let mut c = 0;
        for e in [Event::Up, Event::Down { reason: "a [b] {c} \"d\" \\ \n" }, Event::Fsm { state: "IDLE" }] {
            let out = render(e, &mut c);
            let line = out.trim_end_matches('\n');
            assert!(!line.contains('\n'));
            let mut depth = 0i32;
            let mut in_str = false;
            let mut esc = false;
            for ch in line.chars() {
                if in_str {
                    match (esc, ch) {
                        (true, _) => esc = false,
                        (false, '\\') => esc = true,
                        (false, '"') => in_str = false,
                        _ => {}
                    }
                    continue;
                }
                match ch {
                    '"' => in_str = true,
                    '{' | '[' => depth += 1,
                    '}' | ']' => depth -= 1,
                    _ => {}
                }
            }
            assert_eq!((depth, in_str), (0, false), "{line}");
        }
    }
}
