//! The JSON envelope every API event is wrapped in (ExaBGP's JSON format 5.0.0).
//!
//! `{ "exabgp": "5.0.0", "time": T, "host" : "H", "pid" : P, "ppid" : PP, "counter": C, "type": "K", <content> }`
//!
//! The spacing is irregular but it is what deployed helpers see, so it is kept
//! exactly: a space before the colon after `host`, `pid` and `ppid`, none after
//! `counter` and `type`; ` , ` after the neighbor's `asn` object.

use std::fmt::Write;
use std::net::IpAddr;

/// The JSON format version (not the release): a constant in ExaBGP.
pub const JSON_VERSION: &str = "5.0.0";

/// Who is writing: fixed for the life of the daemon.
#[derive(Clone, Debug)]
pub struct Writer {
    pub host: String,
    pub pid: u32,
    pub ppid: u32,
}

/// The neighbor an event is about, as the envelope shows it.
#[derive(Clone, Copy, Debug)]
pub struct NeighborId {
    pub local_address: IpAddr,
    pub peer_address: IpAddr,
    pub local_as: u32,
    pub peer_as: u32,
}

/// Which way a message went: `receive`/`send` live, `in` for offline decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Receive,
    Send,
    /// What `exabgp decode` prints.
    In,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Receive => "receive",
            Direction::Send => "send",
            Direction::In => "in",
        }
    }
}

impl Writer {
    /// The running process's identity.
    pub fn current() -> Writer {
        Writer { host: hostname(), pid: std::process::id(), ppid: parent_pid() }
    }

    /// Start an event: everything up to and including `"type": "K", ` and, for
    /// consolidated events, the raw header and body. The caller appends the
    /// content, then calls [`end`].
    pub fn begin(&self, out: &mut String, time: f64, counter: Option<u64>, kind: &str, raw: Option<(&[u8], &[u8])>) {
        out.push_str("{ \"exabgp\": \"");
        out.push_str(JSON_VERSION);
        out.push_str("\", \"time\": ");
        push_python_float(out, time);
        out.push_str(", \"host\" : ");
        crate::json::string(out, &self.host);
        let _ = write!(out, ", \"pid\" : {}, \"ppid\" : {}, ", self.pid, self.ppid);
        if let Some(c) = counter {
            let _ = write!(out, "\"counter\": {c}, ");
        }
        let _ = write!(out, "\"type\": \"{kind}\", ");
        if let Some((header, body)) = raw {
            // ExaBGP omits each of these when it is empty; both are `0x`-prefixed.
            if !header.is_empty() {
                out.push_str("\"header\": \"");
                crate::json::hex_0x(out, header);
                out.push_str("\", ");
            }
            if !body.is_empty() {
                out.push_str("\"body\": \"");
                crate::json::hex_0x(out, body);
                out.push_str("\", ");
            }
        }
    }
}

/// Close an event started with [`Writer::begin`].
pub fn end(out: &mut String) {
    out.push_str(" }");
}

/// Write the neighbor object around `content` (which may be empty):
/// `"neighbor": { "address": {…}, "asn": {…} , "direction": "D", <content> }`.
pub fn neighbor(out: &mut String, id: &NeighborId, direction: Option<Direction>, content: impl FnOnce(&mut String)) {
    let _ = write!(
        out,
        "\"neighbor\": {{ \"address\": {{ \"local\": \"{}\", \"peer\": \"{}\" }}, \"asn\": {{ \"local\": {}, \"peer\": {} }} ",
        id.local_address, id.peer_address, id.local_as, id.peer_as
    );
    if let Some(d) = direction {
        let _ = write!(out, ", \"direction\": \"{}\"", d.name());
    }
    let mark = out.len();
    out.push_str(", ");
    let before = out.len();
    content(out);
    if out.len() == before {
        // No content: ExaBGP writes a single space instead of the comma.
        out.truncate(mark);
        out.push(' ');
    }
    out.push_str(" }");
}

/// Python's `repr(float)`: the shortest round-tripping digits, and always a
/// fractional part.
pub fn push_python_float(out: &mut String, v: f64) {
    let start = out.len();
    let _ = write!(out, "{v}");
    if v.is_finite() && !out[start..].contains(['.', 'e']) {
        out.push_str(".0");
    }
}

/// Seconds since the epoch, as ExaBGP's `time.time()`.
pub fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::from("localhost");
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn parent_pid() -> u32 {
    // SAFETY: getppid has no preconditions and cannot fail.
    unsafe { libc::getppid() as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> Writer {
        Writer { host: "h".into(), pid: 20164, ppid: 1 }
    }

    fn id() -> NeighborId {
        NeighborId {
            local_address: "127.0.0.1".parse().unwrap(),
            peer_address: "127.0.0.2".parse().unwrap(),
            local_as: 65001,
            peer_as: 65002,
        }
    }

    #[test]
    fn state_event_matches_the_reference_spacing() {
        let mut out = String::new();
        writer().begin(&mut out, 1795562191.93283, Some(1), "state", None);
        neighbor(&mut out, &id(), None, |o| o.push_str("\"state\": \"up\""));
        end(&mut out);
        assert_eq!(
            out,
            "{ \"exabgp\": \"5.0.0\", \"time\": 1795562191.93283, \"host\" : \"h\", \"pid\" : 20164, \"ppid\" : 1, \
             \"counter\": 1, \"type\": \"state\", \"neighbor\": { \"address\": { \"local\": \"127.0.0.1\", \"peer\": \
             \"127.0.0.2\" }, \"asn\": { \"local\": 65001, \"peer\": 65002 } , \"state\": \"up\" } }"
        );
    }

    #[test]
    fn keepalive_without_content_has_two_spaces() {
        let mut out = String::new();
        neighbor(&mut out, &id(), Some(Direction::Send), |_| {});
        assert!(out.ends_with("\"direction\": \"send\"  }"), "{out}");
    }

    #[test]
    fn python_float_repr() {
        let mut s = String::new();
        push_python_float(&mut s, 1655420577.632025);
        assert_eq!(s, "1655420577.632025");
        s.clear();
        push_python_float(&mut s, 12.0);
        assert_eq!(s, "12.0");
    }
}
