//! Command acknowledgements (api.md §3).
//!
//! Every process starts with `exabgp.api.ack`. Whether an answer is written
//! is decided when it is written, so an asynchronous command finishing after
//! `enable-ack` is answered even if it was read while acks were off.
//! Answers are the plain words for JSON processes too: ExaBGP has JSON
//! forms ([`JSON_DONE`] …) but never selects them.

/// The success answer, newline included.
pub const DONE: &str = "done\n";
/// The failure answer, newline included.
pub const ERROR: &str = "error\n";
/// ExaBGP's unused JSON answers (kept for a future `ack json` option).
pub const JSON_DONE: &str = "{ \"answer\": \"done\", \"message\": \"command completed\" }\n";
pub const JSON_ERROR: &str = "{ \"answer\": \"error\", \"message\": \"this command does not support json output\" }\n";
pub const JSON_SHUTDOWN: &str = "{ \"answer\": \"shutdown\", \"message\": \"exbgp exited\" }\n";

/// One process's ack switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acks {
    enabled: bool,
}

impl Acks {
    /// `default` is `exabgp.api.ack`.
    pub fn new(default: bool) -> Acks {
        Acks { enabled: default }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// What to write when a command succeeded.
    pub fn done(&self) -> Option<&'static str> {
        self.enabled.then_some(DONE)
    }

    /// What to write when a command failed.
    pub fn error(&self) -> Option<&'static str> {
        self.enabled.then_some(ERROR)
    }

    /// `enable-ack`: acks on, and this command is answered.
    pub fn enable(&mut self) -> Option<&'static str> {
        self.enabled = true;
        Some(DONE)
    }

    /// `disable-ack`: this command is still answered, later ones are not.
    pub fn disable(&mut self) -> Option<&'static str> {
        self.enabled = false;
        Some(DONE)
    }

    /// `silence-ack`: acks off, this command included.
    pub fn silence(&mut self) -> Option<&'static str> {
        self.enabled = false;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a helper reading its stdin would see, for a list of commands
    /// that each succeed, `Ok` being a route announcement.
    fn run(default: bool, script: &[&str]) -> Vec<&'static str> {
        let mut acks = Acks::new(default);
        let mut seen = Vec::new();
        for cmd in script {
            let answer = match *cmd {
                "enable-ack" => acks.enable(),
                "disable-ack" => acks.disable(),
                "silence-ack" => acks.silence(),
                "bad" => acks.error(),
                _ => acks.done(),
            };
            seen.extend(answer);
        }
        seen
    }

    #[test]
    fn api_ack_control_sequence() {
        // announce (done), disable-ack (done), announce (nothing),
        // enable-ack (done), announce (done).
        let seen = run(true, &["announce", "disable-ack", "announce", "enable-ack", "announce"]);
        assert_eq!(seen, vec![DONE, DONE, DONE, DONE]);
        let seen = run(true, &["announce", "disable-ack", "announce"]);
        assert_eq!(seen, vec![DONE, DONE]);
    }

    #[test]
    fn api_silence_ack_sequence() {
        // announce (done), silence-ack (nothing), announce (nothing),
        // enable-ack (done), announce (done).
        assert_eq!(run(true, &["announce", "silence-ack"]), vec![DONE]);
        assert_eq!(run(true, &["announce", "silence-ack", "announce"]), vec![DONE]);
        assert_eq!(
            run(true, &["announce", "silence-ack", "announce", "enable-ack", "announce"]),
            vec![DONE, DONE, DONE]
        );
    }

    #[test]
    fn errors_follow_the_switch() {
        assert_eq!(run(true, &["bad"]), vec![ERROR]);
        assert_eq!(run(true, &["silence-ack", "bad"]), Vec::<&str>::new());
        assert_eq!(run(false, &["announce", "bad"]), Vec::<&str>::new());
        assert_eq!(run(false, &["enable-ack", "bad"]), vec![DONE, ERROR]);
    }

    #[test]
    fn decided_when_written() {
        // An async command read while acks were off, finishing after enable-ack.
        let mut acks = Acks::new(true);
        acks.silence();
        let queued_answer_time_state = {
            acks.enable();
            acks.done()
        };
        assert_eq!(queued_answer_time_state, Some(DONE));
    }
}
