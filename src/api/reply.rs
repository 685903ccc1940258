//! The immediate replies to commands that need nothing from the daemon but
//! the version string (api.md §2.11, §3): their output lines, then the ack
//! as the process's [`Acks`] decides.

use crate::api::ack::Acks;
use crate::api::command::{help_lines, Command, NeighborView, SHOW_NEIGHBOR_USAGE};

/// Append the reply to `cmd` and return true, or return false (writing
/// nothing) when the command needs the daemon (routes, RIB, peers).
///
/// The daemon still acts on `Shutdown`, `Reload`, `Restart` (the signal
/// they stand for) and `Reset` (drop the process's queued commands); `Crash`
/// gets no reply.
pub fn control<R>(cmd: &Command<R>, acks: &mut Acks, version: &str, out: &mut String) -> bool {
    let ack = match cmd {
        Command::Comment | Command::OperationalIgnored => acks.done(),
        Command::Help => {
            for line in help_lines() {
                out.push_str(&line);
                out.push('\n');
            }
            acks.done()
        }
        Command::Shutdown => in_progress(out, "shutdown", acks),
        Command::Reload => in_progress(out, "reload", acks),
        Command::Restart => in_progress(out, "restart", acks),
        Command::Version => {
            out.push_str("exabgp ");
            out.push_str(version);
            out.push('\n');
            acks.done()
        }
        Command::EnableAck => acks.enable(),
        Command::DisableAck => acks.disable(),
        Command::SilenceAck => acks.silence(),
        Command::Reset | Command::Crash => None,
        Command::ShowNeighbor { view: NeighborView::Usage, .. } => {
            for line in SHOW_NEIGHBOR_USAGE {
                out.push_str(line);
                out.push('\n');
            }
            acks.done()
        }
        _ => return false,
    };
    out.push_str(ack.unwrap_or(""));
    true
}

fn in_progress(out: &mut String, what: &str, acks: &Acks) -> Option<&'static str> {
    out.push_str(what);
    out.push_str(" in progress\n");
    acks.done()
}

/// The reply to a line that did not parse.
pub fn error(acks: &Acks, out: &mut String) {
    out.push_str(acks.error().unwrap_or(""));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::command::{parse, Action, RouteKind, RouteParser};
    use crate::api::line::normalise;

    struct Ok1;
    impl RouteParser for Ok1 {
        type Output = ();
        fn parse(&mut self, _: RouteKind, _: Action, _: &str) -> Result<(), String> {
            Ok(())
        }
    }

    /// Feed lines as one process would, collecting everything written back
    /// (route commands answered `done` at once here).
    fn session(lines: &[&str]) -> String {
        let mut acks = Acks::new(true);
        let mut out = String::new();
        let mut buf = String::new();
        for raw in lines {
            normalise(raw, &mut buf);
            match parse(&buf, &mut Ok1) {
                Ok(cmd) => {
                    if !control(&cmd, &mut acks, "5.0.0-test", &mut out) {
                        out.push_str(acks.done().unwrap_or(""));
                    }
                }
                Err(_) => error(&acks, &mut out),
            }
        }
        out
    }

    #[test]
    fn live_batch() {
        // api.md §2.11: version, bogus, comment, enable-ack.
        assert_eq!(
            session(&["version", "bogus command here", "# a comment", "enable-ack"]),
            "exabgp 5.0.0-test\ndone\nerror\ndone\ndone\n"
        );
    }

    #[test]
    fn ack_control_script() {
        let out = session(&[
            "announce route 1.1.0.0/24 next-hop 101.1.101.1",
            "disable-ack",
            "announce route 1.2.0.0/24 next-hop 101.1.101.1",
            "enable-ack",
            "announce route 1.3.0.0/24 next-hop 101.1.101.1",
        ]);
        assert_eq!(out, "done\ndone\ndone\ndone\n");
    }

    #[test]
    fn silence_ack_script() {
        let out = session(&[
            "announce route 2.1.0.0/24 next-hop 102.1.102.1",
            "silence-ack",
            "announce route 2.2.0.0/24 next-hop 102.1.102.1",
            "bogus",
            "version",
            "enable-ack",
            "announce route 2.3.0.0/24 next-hop 102.1.102.1",
        ]);
        // Output lines are written whatever the ack state.
        assert_eq!(out, "done\nexabgp 5.0.0-test\ndone\ndone\n");
    }

    #[test]
    fn control_outputs() {
        assert_eq!(session(&["shutdown"]), "shutdown in progress\ndone\n");
        assert_eq!(session(&["reload"]), "reload in progress\ndone\n");
        assert_eq!(session(&["restart"]), "restart in progress\ndone\n");
        assert_eq!(session(&["reset"]), "");
        assert_eq!(session(&["crash"]), "");
        assert_eq!(session(&["announce operational foo"]), "done\n");
        assert_eq!(
            session(&["show neighbor"]),
            "please specify summary, extensive or configuration\n\
             you can filter by peer ip address adding it after the word neighbor\ndone\n"
        );
        let help = session(&["help"]);
        assert!(help.starts_with("\navailable API commands are listed here:\n"));
        assert!(help.ends_with("version \n\ndone\n"));
    }
}
