//! The encoding test files: `NAME.ci` (which configurations the daemon runs) and
//! `NAME.msg` (what the test peer expects, and how it behaves).
//!
//! Every malformed line is reported as `file:line: reason`; nothing here panics on
//! input, because a broken data file must show up as a failing test, not a crash.

use std::collections::BTreeMap;
use std::fmt;

/// A problem in a data file, located to the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// Peer behaviour switches set by `option:` lines (or peer command-line flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerOptions {
    /// `option:bind:ipv6` — listen on `[::1]` instead of 127.0.0.1.
    pub bind_ipv6: bool,
    /// `option:open:send-unknown-capability` — append capability 66 to the OPEN reply.
    pub send_unknown_capability: bool,
    /// `option:open:inspect-open-message` — the daemon's OPEN is the first expectation.
    pub inspect_open: bool,
    /// `option:open:send-unknown-message` — send a type-255 message after the OPEN reply.
    pub send_unknown_message: bool,
    /// `option:update:send-default-route` — send 0.0.0.0/32 after the OPEN reply.
    pub send_default_route: bool,
    /// `option:asn:N` — the AS number put in the OPEN reply.
    pub asn: Option<u16>,
    /// `option:tcp_connections:N` — read by the runner, given to the daemon.
    pub tcp_connections: Option<u32>,
}

/// One entry of a step: a message to receive, or an action the peer performs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A complete BGP message. With `marker == false` the file omitted the 16-byte
    /// marker and `bytes` starts at the length field.
    Raw { bytes: Vec<u8>, marker: bool, line: usize },
    /// Send this signal to the daemon when the entry reaches the front of its step.
    Signal { name: String, number: i32, line: usize },
    /// Send a NOTIFICATION Cease/0 carrying this text when the entry reaches the front.
    Notification { text: String, line: usize },
}

impl Entry {
    /// Does the received message (full bytes, marker included) satisfy this entry?
    pub fn matches(&self, message: &[u8]) -> bool {
        match self {
            Entry::Raw { bytes, marker: true, .. } => message == bytes.as_slice(),
            Entry::Raw { bytes, marker: false, .. } => message.get(16..) == Some(bytes.as_slice()),
            Entry::Signal { .. } | Entry::Notification { .. } => false,
        }
    }

    pub fn line(&self) -> usize {
        match self {
            Entry::Raw { line, .. }
            | Entry::Signal { line, .. }
            | Entry::Notification { line, .. } => *line,
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Raw { bytes, marker: true, .. } => f.write_str(&crate::wire::pretty_hex(bytes)),
            Entry::Raw { bytes, marker: false, .. } => {
                let mut full = vec![0xff; 16];
                full.extend_from_slice(bytes);
                write!(f, "(no marker) {}", crate::wire::pretty_hex(&full))
            }
            Entry::Signal { name, .. } => write!(f, "signal:{name}"),
            Entry::Notification { text, .. } => write!(f, "notification:{text}"),
        }
    }
}

/// A group of entries that may be satisfied in any order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Session letter (`A` for a purely numeric prefix).
    pub letter: char,
    pub number: u64,
    pub entries: Vec<Entry>,
}

/// A parsed `.msg` file: options plus the steps in the order they must complete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub options: PeerOptions,
    pub steps: Vec<Step>,
}

impl Script {
    pub fn is_empty(&self) -> bool {
        self.steps.iter().all(|s| s.entries.is_empty())
    }
}

/// Parse the first line of a `.ci` file into configuration file names.
pub fn parse_ci(file: &str, text: &str) -> Result<Vec<String>, ParseError> {
    let first = text.lines().next().unwrap_or("");
    let names: Vec<String> = first.split_whitespace().map(str::to_string).collect();
    if names.is_empty() {
        return Err(ParseError {
            file: file.to_string(),
            line: 1,
            reason: "no configuration file named".into(),
        });
    }
    Ok(names)
}

/// Parse a `.msg` file.
pub fn parse_msg(file: &str, text: &str) -> Result<Script, ParseError> {
    let mut options = PeerOptions::default();
    let mut steps: BTreeMap<(char, u64), Vec<Entry>> = BTreeMap::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = index + 1;
        let err = |reason: String| ParseError { file: file.to_string(), line, reason };
        let trimmed = raw_line.trim();
        // A '#' anywhere comments the whole line out (even `1:raw:..#..`).
        if trimmed.is_empty() || trimmed.contains('#') {
            continue;
        }
        if let Some(option) = trimmed.strip_prefix("option:") {
            parse_option(option, &mut options).map_err(err)?;
            continue;
        }
        let (letter, number, entry) = parse_expectation(trimmed, line).map_err(err)?;
        steps.entry((letter, number)).or_default().push(entry);
    }
    let steps = steps
        .into_iter()
        .map(|((letter, number), entries)| Step { letter, number, entries })
        .collect();
    Ok(Script { options, steps })
}

fn parse_option(option: &str, options: &mut PeerOptions) -> Result<(), String> {
    match option {
        "bind:ipv6" => options.bind_ipv6 = true,
        "open:send-unknown-capability" => options.send_unknown_capability = true,
        "open:inspect-open-message" => options.inspect_open = true,
        "open:send-unknown-message" => options.send_unknown_message = true,
        "update:send-default-route" => options.send_default_route = true,
        _ => {
            if let Some(value) = option.strip_prefix("asn:") {
                let asn = value
                    .trim()
                    .parse::<u16>()
                    .map_err(|_| format!("invalid ASN '{value}' (0-65535)"))?;
                options.asn = Some(asn);
            } else if let Some(value) = option.strip_prefix("tcp_connections:") {
                let n = value
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("invalid connection count '{value}'"))?;
                options.tcp_connections = Some(n);
            } else {
                return Err(format!("unknown option 'option:{option}'"));
            }
        }
    }
    Ok(())
}

fn parse_expectation(line_text: &str, line: usize) -> Result<(char, u64, Entry), String> {
    // Notification text keeps its spaces and case; everything else is normalised.
    let normalised: String = if line_text.contains("notification:") {
        line_text.to_string()
    } else {
        line_text.chars().filter(|c| *c != ' ').collect::<String>().to_ascii_lowercase()
    };
    let mut fields = normalised.splitn(3, ':');
    let (prefix, kind, content) = match (fields.next(), fields.next(), fields.next()) {
        (Some(p), Some(k), Some(c)) => (p.trim(), k.trim().to_ascii_lowercase(), c),
        _ => return Err(format!("invalid rule '{line_text}' (expected STEP:KIND:CONTENT)")),
    };
    let (letter, digits) = match prefix.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => (c.to_ascii_uppercase(), &prefix[1..]),
        Some(_) => ('A', prefix),
        None => return Err("missing step number".to_string()),
    };
    let number = digits.parse::<u64>().map_err(|_| format!("invalid step '{prefix}'"))?;
    let entry = match kind.as_str() {
        "raw" => {
            let hex: String = content.chars().filter(|c| *c != ':').collect();
            let bytes = decode_hex(&hex)?;
            if bytes.is_empty() {
                return Err("empty raw message".to_string());
            }
            let marker = hex.len() >= 32
                && hex[..32].eq_ignore_ascii_case("ffffffffffffffffffffffffffffffff");
            Entry::Raw { bytes, marker, line }
        }
        "signal" => {
            let name = content.trim().to_ascii_uppercase();
            let number = signal_number(&name)
                .ok_or_else(|| format!("unknown signal '{}'", content.trim()))?;
            Entry::Signal { name, number, line }
        }
        "notification" => Entry::Notification { text: content.to_string(), line },
        other => return Err(format!("unknown kind '{other}' (raw, signal or notification)")),
    };
    Ok((letter, number, entry))
}

/// Decode a hex string (either case) into bytes.
pub fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    let nibble = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!("invalid hex digit '{}'", c as char)),
        }
    };
    digits
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Ok(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => Err("odd number of hex digits".to_string()),
        })
        .collect()
}

/// Signal names accepted by `signal:` (with or without the `SIG` prefix).
pub fn signal_number(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    Some(match bare {
        "HUP" => libc::SIGHUP,
        "INT" => libc::SIGINT,
        "QUIT" => libc::SIGQUIT,
        "USR1" => libc::SIGUSR1,
        "USR2" => libc::SIGUSR2,
        "ALRM" => libc::SIGALRM,
        "TERM" => libc::SIGTERM,
        "KILL" => libc::SIGKILL,
        "CONT" => libc::SIGCONT,
        "STOP" => libc::SIGSTOP,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(hex: &str, line: usize) -> Entry {
        let marker = hex.starts_with("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
        Entry::Raw { bytes: decode_hex(hex).unwrap(), marker, line }
    }

    const EOR: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000";

    #[test]
    fn styles_of_raw_are_equivalent() {
        let text = "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n\
                    1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702:00000000\n\
                    1 : RAW : ffffffffffffffffffffffffffffffff 0017 02 00000000\n";
        let script = parse_msg("t.msg", text).unwrap();
        assert_eq!(script.steps.len(), 1);
        let expected = raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000", 0);
        for (i, e) in script.steps[0].entries.iter().enumerate() {
            match (e, &expected) {
                (Entry::Raw { bytes, marker, line }, Entry::Raw { bytes: b, marker: m, .. }) => {
                    assert_eq!((bytes, marker, *line), (b, m, i + 1));
                }
                _ => panic!("not raw"),
            }
        }
    }

    #[test]
    fn comments_options_and_ordering() {
        let text = "# a comment\n\
                    option:asn:65000\n\
                    option:bind:ipv6\n\
                    option:open:send-unknown-capability\n\
                    option:open:inspect-open-message\n\
                    option:open:send-unknown-message\n\
                    option:update:send-default-route\n\
                    option:tcp_connections:3\n\
                    \n\
                    #2:raw:FFFF\n\
                    B1:raw:0017020000000000\n\
                    20:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n\
                    3:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000 # trailing\n\
                    A3:signal:sigusr1\n\
                    C1:notification:Closing Session\n";
        let script = parse_msg("t.msg", text).unwrap();
        let o = &script.options;
        assert!(
            o.bind_ipv6 && o.send_unknown_capability && o.inspect_open && o.send_unknown_message
        );
        assert!(o.send_default_route);
        assert_eq!(o.asn, Some(65000));
        assert_eq!(o.tcp_connections, Some(3));
        let order: Vec<(char, u64, usize)> =
            script.steps.iter().map(|s| (s.letter, s.number, s.entries.len())).collect();
        // A3 before A20 (numeric), then B, then C; the '#' line is dropped entirely.
        assert_eq!(order, vec![('A', 3, 1), ('A', 20, 1), ('B', 1, 1), ('C', 1, 1)]);
        assert_eq!(
            script.steps[0].entries[0],
            Entry::Signal { name: "SIGUSR1".into(), number: libc::SIGUSR1, line: 14 }
        );
        assert_eq!(
            script.steps[3].entries[0],
            Entry::Notification { text: "Closing Session".into(), line: 15 }
        );
        match &script.steps[2].entries[0] {
            Entry::Raw { marker, .. } => assert!(!marker),
            _ => panic!(),
        }
    }

    #[test]
    fn entry_without_marker_matches_from_length() {
        let eor = decode_hex(EOR).unwrap();
        // One byte too many: no match.
        let e = raw("0017020000000000", 1);
        assert!(!e.matches(&eor));
        let e = raw("00170200000000", 1);
        assert!(e.matches(&eor));
        assert!(!e.matches(&eor[..10]));
        let full = raw(EOR, 1);
        assert!(full.matches(&eor));
        let mut other = eor.clone();
        other[22] = 1;
        assert!(!full.matches(&other));
    }

    fn error_of(text: &str) -> ParseError {
        parse_msg("qa/encoding/bad.msg", text).unwrap_err()
    }

    #[test]
    fn malformed_lines_report_file_and_line() {
        let good = "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n";
        let cases = [
            ("1:raw\n", "invalid rule"),
            ("x:raw:00\n", "invalid step"),
            ("Ax:raw:00\n", "invalid step"),
            (":raw:00\n", "missing step"),
            ("1:raw:FFF\n", "odd number"),
            ("1:raw:zz\n", "invalid hex"),
            ("1:raw:\n", "empty raw"),
            ("1:json:{}\n", "unknown kind"),
            ("1:signal:SIGBOGUS\n", "unknown signal"),
            ("option:asn:70000\n", "invalid ASN"),
            ("option:tcp_connections:0\n", "invalid connection"),
            ("option:SIGUSR1:3\n", "unknown option"),
            ("99999999999999999999999:raw:00\n", "invalid step"),
        ];
        for (bad, reason) in cases {
            let text = format!("{good}\n{bad}");
            let e = error_of(&text);
            assert_eq!(e.line, 3, "{bad}");
            assert!(e.reason.contains(reason), "{bad}: {}", e.reason);
            assert!(e.to_string().starts_with("qa/encoding/bad.msg:3: "), "{e}");
        }
    }

    #[test]
    fn never_panics_on_noise() {
        let mut seed = 12345u64;
        let alphabet = b"0123456789abcdefABCDEF:# \nAZraw:signal:notification:option:";
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..60 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let c = alphabet[(seed >> 33) as usize % alphabet.len()];
                s.push(c as char);
            }
            let _ = parse_msg("noise.msg", &s);
            let _ = parse_ci("noise.ci", &s);
        }
        // Multi-byte characters must not split a char boundary.
        let _ = parse_msg("u.msg", "é1:raw:00\n1é:raw:00\nαβ:signal:x\n");
    }

    #[test]
    fn ci_first_line_only() {
        assert_eq!(parse_ci("a.ci", "x.conf  y.conf\nz.conf").unwrap(), vec!["x.conf", "y.conf"]);
        assert_eq!(parse_ci("a.ci", "x.conf").unwrap(), vec!["x.conf"]);
        let e = parse_ci("a.ci", "\nx.conf").unwrap_err();
        assert_eq!(e.to_string(), "a.ci:1: no configuration file named");
    }

    #[test]
    fn every_shipped_msg_file_parses() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/qa/encoding");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.display().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            if name.ends_with(".msg") {
                let script = parse_msg(&name, &text).unwrap_or_else(|e| panic!("{e}"));
                assert!(!script.is_empty(), "{name}");
                count += 1;
            } else if name.ends_with(".ci") {
                parse_ci(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        assert_eq!(count, 72);
    }
}
