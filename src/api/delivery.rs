//! Which processes get which events of a neighbor (api.md §4), built from
//! its `api` blocks the way ExaBGP flattens them: one list of process names
//! per event key, the `processes` of every block where the flag is on, in
//! block order and without removing duplicates (a process named in two
//! blocks with the same flag gets the event twice, as in ExaBGP).
//! `processes-match` gives command rights only, no events.

use crate::api::envelope::Direction;
use crate::config::api::{Api, MessageFlags};

/// Per-direction lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lists {
    pub parsed: Vec<String>,
    pub packets: Vec<String>,
    pub consolidate: Vec<String>,
    pub open: Vec<String>,
    pub update: Vec<String>,
    pub notification: Vec<String>,
    pub keepalive: Vec<String>,
    pub refresh: Vec<String>,
    pub operational: Vec<String>,
}

impl Lists {
    fn add(&mut self, flags: &MessageFlags, procs: &[String]) {
        let pairs: [(&mut Vec<String>, bool); 9] = [
            (&mut self.parsed, flags.parsed),
            (&mut self.packets, flags.packets),
            (&mut self.consolidate, flags.consolidate),
            (&mut self.open, flags.open),
            (&mut self.update, flags.update),
            (&mut self.notification, flags.notification),
            (&mut self.keepalive, flags.keepalive),
            (&mut self.refresh, flags.refresh),
            (&mut self.operational, flags.operational),
        ];
        for (list, on) in pairs {
            if on {
                list.extend(procs.iter().cloned());
            }
        }
    }

    /// The processes subscribed to a message type (numeric BGP type).
    pub fn for_type(&self, category: u8) -> &[String] {
        match category {
            1 => &self.open,
            2 => &self.update,
            3 => &self.notification,
            4 => &self.keepalive,
            5 => &self.refresh,
            6 => &self.operational,
            _ => &[],
        }
    }
}

/// A neighbor's event subscriptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscriptions {
    /// `state` events (connected, up, down).
    pub neighbor_changes: Vec<String>,
    pub negotiated: Vec<String>,
    pub fsm: Vec<String>,
    pub signal: Vec<String>,
    pub send: Lists,
    pub receive: Lists,
}

/// What to render for one message (see [`Subscriptions::plan`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// An `Event::Packets`, for the direction's `packets` processes.
    pub packets: bool,
    /// An `Event::Message`, for the type's processes; `Some(true)`: with
    /// the raw header and body (`consolidate`).
    pub decoded: Option<bool>,
    /// Whether `negotiated` goes into the events (updates and packets).
    pub negotiated: bool,
}

impl Plan {
    pub const NOTHING: Plan = Plan { packets: false, decoded: None, negotiated: false };
}

impl Subscriptions {
    pub fn from_blocks<'a>(blocks: impl IntoIterator<Item = &'a Api>) -> Subscriptions {
        let mut s = Subscriptions::default();
        for api in blocks {
            let procs = &api.processes;
            for (list, on) in [
                (&mut s.neighbor_changes, api.neighbor_changes),
                (&mut s.negotiated, api.negotiated),
                (&mut s.fsm, api.fsm),
                (&mut s.signal, api.signal),
            ] {
                if on {
                    list.extend(procs.iter().cloned());
                }
            }
            s.send.add(&api.send, procs);
            s.receive.add(&api.receive, procs);
        }
        s
    }

    pub fn lists(&self, direction: Direction) -> &Lists {
        match direction {
            Direction::Send => &self.send,
            Direction::Receive | Direction::In => &self.receive,
        }
    }

    /// What ExaBGP reports for a message of type `category` going
    /// `direction` (reactor/protocol.py): nothing unless some process has
    /// the type's flag; then with `consolidate` one decoded event carrying
    /// the raw octets (sent messages: only if `packets` is on too; received
    /// ones: always), otherwise a packets event if `packets`, then a
    /// decoded one if `parsed`. The format flags are tested on the neighbor
    /// as a whole, whichever process set them. Sent messages always carry
    /// `negotiated`; received ones when the neighbor has `negotiated`.
    pub fn plan(&self, direction: Direction, category: u8) -> Plan {
        let l = self.lists(direction);
        if l.for_type(category).is_empty() {
            return Plan::NOTHING;
        }
        let packets = !l.packets.is_empty();
        let parsed = !l.parsed.is_empty();
        let consolidate = !l.consolidate.is_empty();
        let negotiated = direction == Direction::Send || !self.negotiated.is_empty();
        if consolidate {
            let with_raw = direction != Direction::Send || packets;
            return Plan { packets: false, decoded: Some(with_raw), negotiated };
        }
        Plan { packets, decoded: parsed.then_some(false), negotiated }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(procs: &[&str], f: impl FnOnce(&mut Api)) -> Api {
        let mut a = Api { processes: procs.iter().map(|s| s.to_string()).collect(), ..Default::default() };
        f(&mut a);
        a
    }

    #[test]
    fn flatten_keeps_order_and_duplicates() {
        let a = block(&["p1", "p2"], |a| {
            a.neighbor_changes = true;
            a.receive.update = true;
            a.receive.parsed = true;
        });
        let b = block(&["p1"], |a| {
            a.neighbor_changes = true;
            a.send.open = true;
        });
        let s = Subscriptions::from_blocks([&a, &b]);
        assert_eq!(s.neighbor_changes, vec!["p1", "p2", "p1"]);
        assert_eq!(s.receive.for_type(2), ["p1", "p2"]);
        assert_eq!(s.send.for_type(1), ["p1"]);
        assert!(s.fsm.is_empty());
    }

    #[test]
    fn plans() {
        // `update` alone: nothing.
        let s = Subscriptions::from_blocks([&block(&["p"], |a| a.receive.update = true)]);
        assert_eq!(s.plan(Direction::Receive, 2), Plan { packets: false, decoded: None, negotiated: false });
        // parsed + packets: both, packets first (the caller's order).
        let s = Subscriptions::from_blocks([&block(&["p"], |a| {
            a.receive.update = true;
            a.receive.parsed = true;
            a.receive.packets = true;
            a.negotiated = true;
        })]);
        assert_eq!(s.plan(Direction::Receive, 2), Plan { packets: true, decoded: Some(false), negotiated: true });
        assert_eq!(s.plan(Direction::Receive, 4), Plan::NOTHING);
        // consolidate: received always raw, sent only with packets.
        let s = Subscriptions::from_blocks([&block(&["p"], |a| {
            a.receive.keepalive = true;
            a.receive.consolidate = true;
            a.send.keepalive = true;
            a.send.consolidate = true;
        })]);
        assert_eq!(s.plan(Direction::Receive, 4), Plan { packets: false, decoded: Some(true), negotiated: false });
        assert_eq!(s.plan(Direction::Send, 4), Plan { packets: false, decoded: Some(false), negotiated: true });
    }
}
