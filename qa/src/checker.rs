//! The test peer's judge: consumes received messages against the steps of a script.
//!
//! Pure logic (no sockets) so every verdict can be unit tested. Rules (spec 2.3, 3.4, 3.5):
//! steps are consumed in order, entries inside the current step in any order; actions
//! (signal, notification) fire when they reach the front of the current step.

use std::collections::VecDeque;
use std::fmt::Write as _;

use crate::script::{Entry, Step};
use crate::wire;

/// Something the peer must do after a verdict, in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this signal to the daemon.
    Signal { name: String, number: i32 },
    /// Write this message (a NOTIFICATION) to the session.
    Send(Vec<u8>),
    /// Answer a ROUTE-REFRESH: write every accepted non-EoR UPDATE, then a KEEPALIVE.
    Replay(Vec<Vec<u8>>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The message was acceptable; perform `actions`; with `completed` the test is over.
    Accepted { actions: Vec<Action>, completed: bool },
    /// The test failed; the text explains why (received message, candidates, rules).
    Rejected(String),
}

pub struct Checker {
    /// All steps as parsed, for failure reports.
    rules: Vec<Step>,
    current: Vec<Entry>,
    pending: VecDeque<Vec<Entry>>,
    /// Accepted non-EoR UPDATEs, replayed on ROUTE-REFRESH (across sessions).
    updates: Vec<Vec<u8>>,
}

impl Checker {
    pub fn new(steps: Vec<Step>) -> Checker {
        let pending = steps.iter().map(|s| s.entries.clone()).collect();
        Checker { rules: steps, current: Vec::new(), pending, updates: Vec::new() }
    }

    /// A new TCP session starts. Returns false when the current step still has
    /// entries left over from a previous session (informational only).
    pub fn session_start(&mut self) -> bool {
        if self.current.is_empty() {
            self.advance();
            true
        } else {
            false
        }
    }

    pub fn completed(&self) -> bool {
        self.current.is_empty() && self.pending.is_empty()
    }

    /// The step-start actions run right after the OPEN reply (spec 3.3 step 4).
    pub fn open_actions(&mut self) -> Vec<Action> {
        self.actions(false)
    }

    /// Judge one received message (full bytes). KEEPALIVEs are always accepted.
    pub fn check(&mut self, message: &[u8]) -> Verdict {
        let kind = wire::kind(message);
        if kind == wire::KEEPALIVE {
            return Verdict::Accepted { actions: Vec::new(), completed: self.completed() };
        }
        if self.completed() {
            // Nothing left to expect: only a trailing End-of-RIB is tolerated.
            if wire::is_eor(message) {
                return Verdict::Accepted { actions: Vec::new(), completed: true };
            }
            return Verdict::Rejected(format!(
                "received extra message\nreceived    {}\n",
                wire::pretty_hex(message)
            ));
        }
        match self.current.iter().position(|e| e.matches(message)) {
            Some(index) => {
                self.current.remove(index);
                if kind == wire::UPDATE && !wire::is_eor(message) {
                    self.updates.push(message.to_vec());
                }
                let actions = self.actions(kind == wire::ROUTE_REFRESH);
                Verdict::Accepted { actions, completed: self.completed() }
            }
            None => Verdict::Rejected(self.report(message)),
        }
    }

    fn advance(&mut self) {
        while self.current.is_empty() {
            match self.pending.pop_front() {
                Some(next) => self.current = next,
                None => break,
            }
        }
    }

    fn actions(&mut self, route_refresh: bool) -> Vec<Action> {
        let mut actions = Vec::new();
        self.advance();
        if let Some(Entry::Signal { name, number, .. }) = self.current.first() {
            actions.push(Action::Signal { name: name.clone(), number: *number });
            self.current.remove(0);
            self.advance();
        }
        if let Some(Entry::Notification { text, .. }) = self.current.first() {
            actions.push(Action::Send(wire::cease(text)));
            self.current.remove(0);
            self.advance();
        }
        if route_refresh {
            actions.push(Action::Replay(self.updates.clone()));
        }
        actions
    }

    fn report(&self, message: &[u8]) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "unexpected message");
        let _ = writeln!(s, "received    {}", wire::pretty_hex(message));
        let _ = writeln!(s, "\n{} candidate(s) in the current step:", self.current.len());
        for (i, entry) in self.current.iter().enumerate() {
            let _ = writeln!(s, "option {:02}   {entry}   (line {})", i + 1, entry.line());
        }
        s.push('\n');
        s.push_str(&self.rules_text());
        s
    }

    /// All steps, for `--view` and failure reports.
    pub fn rules_text(&self) -> String {
        let mut s = String::from("rules:\n");
        for step in &self.rules {
            for entry in &step.entries {
                let _ = writeln!(s, "  {}{:<4} {entry}", step.letter, step.number);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{decode_hex, parse_msg};

    fn update(last: u8) -> Vec<u8> {
        // announce 10.0.0.<last>/32 with ORIGIN only: enough to be a distinct UPDATE.
        let mut m = decode_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002002000000044001010020").unwrap();
        m.extend([10, 0, 0, last]);
        m[17] = m.len() as u8;
        m
    }

    fn eor() -> Vec<u8> {
        decode_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000").unwrap()
    }

    fn line(step: &str, m: &[u8]) -> String {
        format!("{step}:raw:{}\n", wire::pretty_hex(m))
    }

    fn checker(text: &str) -> Checker {
        let mut c = Checker::new(parse_msg("t.msg", text).unwrap().steps);
        assert!(c.session_start());
        c
    }

    fn accepted(v: &Verdict) -> bool {
        matches!(v, Verdict::Accepted { .. })
    }

    fn done(v: &Verdict) -> bool {
        matches!(v, Verdict::Accepted { completed: true, .. })
    }

    #[test]
    fn right_session_in_any_order_within_a_step() {
        let text = [
            line("1", &eor()),
            line("1", &update(1)),
            line("1", &update(2)),
            line("2", &update(3)),
        ]
        .concat();
        let mut c = checker(&text);
        assert!(accepted(&c.check(&update(2))));
        assert!(accepted(&c.check(&wire::keepalive())));
        assert!(accepted(&c.check(&eor())));
        assert!(!done(&c.check(&update(1))));
        assert!(done(&c.check(&update(3))));
    }

    #[test]
    fn wrong_bytes_are_rejected_with_a_report() {
        let text = [line("1", &update(1)), line("1", &eor())].concat();
        let mut c = checker(&text);
        match c.check(&update(9)) {
            Verdict::Rejected(report) => {
                assert!(report.contains("unexpected message"));
                assert!(report.contains(&wire::pretty_hex(&update(9))));
                assert!(report.contains("2 candidate(s)"));
                assert!(report.contains(&wire::pretty_hex(&update(1))));
                assert!(report.contains("rules:"));
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn wrong_order_across_steps_is_rejected() {
        let text = [line("1", &update(1)), line("2", &update(2))].concat();
        let mut c = checker(&text);
        assert!(!accepted(&c.check(&update(2))));
    }

    #[test]
    fn a_missing_message_never_completes() {
        let text = [line("1", &update(1)), line("1", &update(2))].concat();
        let mut c = checker(&text);
        assert!(matches!(c.check(&update(1)), Verdict::Accepted { completed: false, .. }));
        assert!(matches!(c.check(&wire::keepalive()), Verdict::Accepted { completed: false, .. }));
        assert!(!c.completed());
    }

    #[test]
    fn duplicates_must_each_be_matched_and_an_extra_copy_fails() {
        let text = [line("1", &update(1)), line("1", &update(1)), line("2", &update(2))].concat();
        let mut c = checker(&text);
        assert!(accepted(&c.check(&update(1))));
        assert!(accepted(&c.check(&update(1))));
        assert!(!accepted(&c.check(&update(1))), "third copy belongs to no step");
    }

    #[test]
    fn extra_message_after_everything() {
        let mut c = checker("A1:notification:closing session because we can\n");
        assert_eq!(
            c.open_actions(),
            vec![Action::Send(wire::cease("closing session because we can"))]
        );
        assert!(c.completed());
        assert!(
            matches!(c.check(&update(1)), Verdict::Rejected(r) if r.contains("received extra message"))
        );
        let mut c = checker("A1:notification:bye\n");
        c.open_actions();
        assert!(done(&c.check(&eor())));
        let mut c = checker("A1:notification:bye\n");
        c.open_actions();
        assert!(done(&c.check(&wire::keepalive())));
    }

    #[test]
    fn signal_fires_when_the_previous_step_completes() {
        let text =
            format!("{}A2:signal:SIGUSR1\n{}", line("A1", &update(1)), line("A3", &update(2)));
        let mut c = checker(&text);
        assert_eq!(c.open_actions(), vec![]);
        match c.check(&update(1)) {
            Verdict::Accepted { actions, completed: false } => {
                assert_eq!(
                    actions,
                    vec![Action::Signal { name: "SIGUSR1".into(), number: libc::SIGUSR1 }]
                );
            }
            v => panic!("{v:?}"),
        }
        assert!(done(&c.check(&update(2))));
    }

    #[test]
    fn route_refresh_replays_accepted_updates() {
        let rr = decode_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170500010001").unwrap();
        let text = [
            line("1", &eor()),
            line("2", &update(1)),
            line("2", &update(2)),
            line("3", &rr),
            line("4", &update(3)),
        ]
        .concat();
        let mut c = checker(&text);
        for m in [eor(), update(2), update(1)] {
            assert!(accepted(&c.check(&m)));
        }
        match c.check(&rr) {
            Verdict::Accepted { actions, completed: false } => {
                assert_eq!(actions, vec![Action::Replay(vec![update(2), update(1)])]);
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn sessions_share_one_state() {
        let text =
            [line("A1", &update(1)), line("A1", &update(2)), line("B1", &update(3))].concat();
        let mut c = checker(&text);
        assert!(accepted(&c.check(&update(1))));
        // a new session while A1 still has an entry: the step carries over
        assert!(!c.session_start());
        assert!(!accepted(&c.check(&update(3))));
    }
}
