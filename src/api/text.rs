//! The text encoder (api.md §6).
//!
//! Every event ends with a newline and the writer adds another, so each is
//! followed by an empty line, except operational messages, which ExaBGP
//! renders without their own newline. fsm, signal and negotiated print
//! nothing.

use std::fmt::Write;

use crate::api::envelope::{NeighborId, Writer};
use crate::api::event::{Event, Message, Raw};

/// Render one event; false when the text encoder ignores it.
pub fn event(id: &NeighborId, event: &Event<'_>, out: &mut String) -> bool {
    let peer = id.peer_address;
    match event {
        Event::Connected => {
            let _ = writeln!(out, "neighbor {peer} connected");
        }
        Event::Up => {
            let _ = writeln!(out, "neighbor {peer} up");
        }
        Event::Down { reason } => {
            let _ = writeln!(out, "neighbor {peer} down - {reason}");
        }
        Event::Fsm { .. } | Event::Signal { .. } | Event::Negotiated(_) => return false,
        Event::Packets { direction, category, raw, .. } => {
            let _ = write!(out, "neighbor {peer} {} {category}", direction.name());
            header_body(Some(*raw), out);
            out.push('\n');
        }
        Event::Message { direction, message, raw, .. } => {
            let dir = direction.name();
            match message {
                Message::Update(_) | Message::Eor(_) => {
                    let prefix = format!("neighbor {peer} {dir} update");
                    let _ = writeln!(out, "{prefix} start");
                    match message {
                        Message::Update(u) => u.text(&prefix, out),
                        Message::Eor(f) => {
                            let _ = writeln!(out, "{prefix} route eor {}/{} ({f})", f.afi.0, f.safi.0);
                        }
                        _ => {}
                    }
                    if raw.is_some_and(|r| !r.header.is_empty() || !r.body.is_empty()) {
                        header_body(*raw, out);
                        out.push('\n');
                    }
                    let _ = writeln!(out, "{prefix} end");
                }
                Message::Operational(op) => {
                    let _ = write!(out, "neighbor {peer} {dir} ");
                    op.text(out);
                    header_body(*raw, out);
                    // ExaBGP's operational lines lack the event's own newline.
                    out.push('\n');
                    return true;
                }
                other => {
                    let _ = write!(out, "neighbor {peer} {dir} ");
                    match other {
                        Message::Open(o) => o.text(out),
                        Message::Notification(n) => n.text(out),
                        Message::KeepAlive => out.push_str("keepalive"),
                        Message::Refresh(r) => r.text(out),
                        _ => {}
                    }
                    header_body(*raw, out);
                    out.push('\n');
                }
            }
        }
    }
    out.push('\n');
    true
}

/// `shutdown <pid> <ppid>`, then the writer's newline.
pub fn shutdown(w: &Writer, out: &mut String) {
    let _ = write!(out, "shutdown {} {}\n\n", w.pid, w.ppid);
}

/// ` header 0x… body 0x…`, each part only when not empty.
fn header_body(raw: Option<Raw<'_>>, out: &mut String) {
    let Some(raw) = raw else { return };
    if !raw.header.is_empty() {
        out.push_str(" header ");
        crate::json::hex_0x(out, raw.header);
    }
    if !raw.body.is_empty() {
        out.push_str(" body ");
        crate::json::hex_0x(out, raw.body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::envelope::Direction;
    use crate::api::event::{encode, Context, Encoding};
    use crate::bgp::iana::Family;
    use crate::bgp::message::{Notification, Operational, RouteRefresh};

    fn render(e: Event<'_>) -> Option<String> {
        let w = crate::api::json::tests::writer();
        let ctx = Context { writer: &w, time: 1.5, compact: false };
        let mut out = String::new();
        let mut c = 0;
        let wrote = encode(Encoding::Text, &ctx, &crate::api::json::tests::id(), &mut c, &e, &mut out);
        assert_eq!(c, 0, "text does not count");
        wrote.then_some(out)
    }

    fn header(kind: u8, len: u8) -> Vec<u8> {
        [0xffu8; 16].iter().copied().chain([0, len, kind]).collect()
    }

    #[test]
    fn states() {
        assert_eq!(render(Event::Connected).unwrap(), "neighbor 127.0.0.2 connected\n\n");
        assert_eq!(render(Event::Up).unwrap(), "neighbor 127.0.0.2 up\n\n");
        assert_eq!(
            render(Event::Down { reason: "stop, message [shutting down]" }).unwrap(),
            "neighbor 127.0.0.2 down - stop, message [shutting down]\n\n"
        );
        assert_eq!(render(Event::Fsm { state: "IDLE" }), None);
        assert_eq!(render(Event::Signal { code: 15, name: "SIGTERM" }), None);
        let n = crate::bgp::negotiated::Negotiated::default();
        assert_eq!(render(Event::Negotiated(&n)), None);
    }

    #[test]
    fn shutdown_line() {
        let w = Writer { host: "h".into(), pid: 20164, ppid: 1 };
        let mut out = String::new();
        shutdown(&w, &mut out);
        assert_eq!(out, "shutdown 20164 1\n\n");
    }

    #[test]
    fn packets_lines() {
        let h = header(4, 19);
        let e = Event::Packets {
            direction: Direction::Send,
            category: 4,
            negotiated: None,
            raw: Raw { header: &h, body: &[] },
        };
        assert_eq!(render(e).unwrap(), "neighbor 127.0.0.2 send 4 header 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304\n\n");
        let h = header(2, 23);
        let e = Event::Packets {
            direction: Direction::Receive,
            category: 2,
            negotiated: None,
            raw: Raw { header: &h, body: &[0, 0, 0, 0] },
        };
        assert_eq!(
            render(e).unwrap(),
            "neighbor 127.0.0.2 receive 2 header 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702 body 0x00000000\n\n"
        );
    }

    #[test]
    fn keepalive_notification_refresh() {
        let m = |message| Event::Message { direction: Direction::Receive, message, negotiated: None, raw: None };
        assert_eq!(render(m(Message::KeepAlive)).unwrap(), "neighbor 127.0.0.2 receive keepalive\n\n");
        let n = Notification { code: 1, subcode: 0, raw: b"can".to_vec(), data: b"can".to_vec() };
        let e = Event::Message {
            direction: Direction::Send,
            message: Message::Notification(&n),
            negotiated: None,
            raw: None,
        };
        assert_eq!(render(e).unwrap(), "neighbor 127.0.0.2 send notification code 1 subcode 0 data 0x63616E\n\n");
        let r = RouteRefresh { afi: crate::bgp::iana::Afi::IPV4, safi: crate::bgp::iana::Safi::UNICAST, subtype: 0 };
        assert_eq!(
            render(m(Message::Refresh(&r))).unwrap(),
            "neighbor 127.0.0.2 receive route-refresh afi ipv4 safi unicast query\n\n"
        );
        // Consolidated: header and body on the same line.
        let h = header(4, 19);
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::KeepAlive,
            negotiated: None,
            raw: Some(Raw { header: &h, body: &[] }),
        };
        assert_eq!(
            render(e).unwrap(),
            "neighbor 127.0.0.2 receive keepalive header 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304\n\n"
        );
    }

    #[test]
    fn eor_block() {
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::Eor(Family::IPV4_UNICAST),
            negotiated: None,
            raw: None,
        };
        assert_eq!(
            render(e).unwrap(),
            "neighbor 127.0.0.2 receive update start\n\
             neighbor 127.0.0.2 receive update route eor 1/1 (ipv4 unicast)\n\
             neighbor 127.0.0.2 receive update end\n\n"
        );
        let h = header(2, 23);
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::Eor(Family::IPV4_UNICAST),
            negotiated: None,
            raw: Some(Raw { header: &h, body: &[0, 0, 0, 0] }),
        };
        assert_eq!(
            render(e).unwrap(),
            "neighbor 127.0.0.2 receive update start\n\
             neighbor 127.0.0.2 receive update route eor 1/1 (ipv4 unicast)\n \
             header 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702 body 0x00000000\n\
             neighbor 127.0.0.2 receive update end\n\n"
        );
    }

    #[test]
    fn operational_has_a_single_newline() {
        let op = Operational::advisory(1, Family::IPV4_UNICAST, "text");
        let e = Event::Message {
            direction: Direction::Receive,
            message: Message::Operational(&op),
            negotiated: None,
            raw: None,
        };
        let out = render(e).unwrap();
        assert!(out.starts_with("neighbor 127.0.0.2 receive operational "), "{out}");
        assert!(out.ends_with("advisory \"text\"\n"), "{out}");
        assert!(!out.ends_with("\n\n"));
    }
}
