//! ExaBGP's log line layouts (`logger/format.py` and `logger/color.py`).
//!
//! Short: `source          message` (source padded to 15).
//! Long:  `HH:MM:SS pid    source          message` (pid padded to 6).
//! On a terminal the source and message are coloured by severity and the
//! line starts with `\r`. Files always get the long form, syslog the short.
//!
//! [`record`] is the env_logger format closure's body: it turns one `log`
//! record into framed lines for the [`Sink`](super::sink::Sink).

use std::borrow::Cow;
use std::io;

use super::{sink, Level};

const END: &str = "\x1b[0m";

fn source_colour(level: Level) -> &'static str {
    match level {
        Level::Fatal | Level::Critical => "\x1b[00;31m",
        Level::Error => "\x1b[01;31m",
        Level::Warning => "\x1b[01;33m",
        Level::Info => "\x1b[01;32m",
        Level::Debug => "",
        Level::NotSet => "\x1b[01;34m",
    }
}

fn message_colour(level: Level) -> &'static str {
    match level {
        Level::Fatal | Level::Error | Level::Warning | Level::Info => "\x1b[1m",
        Level::Critical | Level::Debug | Level::NotSet => "",
    }
}

/// Which layout a destination uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub short: bool,
    pub colour: bool,
}

/// Format one line (no trailing newline). `clock` is `HH:MM:SS` local time.
pub fn line(
    layout: Layout,
    level: Level,
    source: &str,
    message: &str,
    clock: &str,
    pid: u32,
) -> String {
    let (source, message, prefix) = if layout.colour {
        let sc = source_colour(level);
        let source = if sc.is_empty() {
            source.to_string()
        } else {
            format!("{sc}{source:<15}{END}")
        };
        let mc = message_colour(level);
        let message = if mc.is_empty() {
            message.to_string()
        } else {
            format!("{mc}{message:<8}{END}")
        };
        (source, message, "\r")
    } else {
        (source.to_string(), message.to_string(), "")
    };
    if layout.short {
        format!("{prefix}{source:<15} {message}")
    } else {
        format!("{prefix}{clock} {pid:<6} {source:<15} {message}")
    }
}

/// Everything the format closure needs besides the record, fixed at
/// [`init`](super::init).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub layout: Layout,
    /// Prefix each line with its syslog `<PRI>`.
    pub syslog: bool,
    pub pid: u32,
}

/// Format a record: one output line per message line, as ExaBGP does, each
/// framed for the sink.
pub fn record<W: io::Write + ?Sized>(
    out: &mut W,
    style: &Style,
    record: &log::Record<'_>,
) -> io::Result<()> {
    let (level, source) = super::exabgp_level(record);
    let message: Cow<'_, str> = match record.args().as_str() {
        Some(text) => Cow::Borrowed(text),
        None => Cow::Owned(record.args().to_string()),
    };
    let clock = if style.layout.short {
        String::new()
    } else {
        clock()
    };
    for text in message.split('\n') {
        let text = line(style.layout, level, source, text, &clock, style.pid);
        sink::frame(out, style.syslog, level, &text)?;
    }
    Ok(())
}

/// Local wall-clock time as `HH:MM:SS`.
pub fn clock() -> String {
    // SAFETY: time(NULL) and localtime_r with valid pointers to locals.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return "00:00:00".into();
        }
        format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN_SHORT: Layout = Layout {
        short: true,
        colour: false,
    };
    const PLAIN_LONG: Layout = Layout {
        short: false,
        colour: false,
    };

    #[test]
    fn short_and_long() {
        assert_eq!(
            line(
                PLAIN_SHORT,
                Level::Info,
                "welcome",
                "Thank you",
                "12:00:01",
                42
            ),
            "welcome         Thank you"
        );
        assert_eq!(
            line(PLAIN_LONG, Level::Info, "reactor", "hello", "12:00:01", 42),
            "12:00:01 42     reactor         hello"
        );
        assert_eq!(
            line(
                PLAIN_SHORT,
                Level::Info,
                "a-very-long-source-name",
                "m",
                "",
                1
            ),
            "a-very-long-source-name m"
        );
    }

    #[test]
    fn colours() {
        let colour = Layout {
            short: true,
            colour: true,
        };
        assert_eq!(
            line(colour, Level::Info, "reactor", "hi", "", 1),
            "\r\x1b[01;32mreactor        \x1b[0m \x1b[1mhi      \x1b[0m"
        );
        // debug has no colour: padded like the plain layout
        assert_eq!(
            line(colour, Level::Debug, "reactor", "hi", "", 1),
            "\rreactor         hi"
        );
        let long = Layout {
            short: false,
            colour: true,
        };
        assert_eq!(
            line(long, Level::Critical, "reactor", "x", "01:02:03", 7),
            "\r01:02:03 7      \x1b[00;31mreactor        \x1b[0m x"
        );
    }

    #[test]
    fn clock_shape() {
        let c = clock();
        assert_eq!(c.len(), 8);
        assert_eq!(&c[2..3], ":");
    }

    fn formatted(style: &Style, level: Level, target: &str, message: &str) -> String {
        let (log_level, target) = level.record_shape(target);
        let mut out = Vec::new();
        record(
            &mut out,
            style,
            &log::Record::builder()
                .level(log_level)
                .target(&target)
                .args(format_args!("{message}"))
                .build(),
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn records_by_severity() {
        let colour = Style {
            layout: Layout {
                short: true,
                colour: true,
            },
            syslog: false,
            pid: 1,
        };
        assert_eq!(
            formatted(&colour, Level::Critical, "reactor", "a\nb"),
            "\r\x1b[00;31mreactor        \x1b[0m a\n\r\x1b[00;31mreactor        \x1b[0m b\n"
        );
        assert_eq!(
            formatted(&colour, Level::NotSet, "reactor", "x"),
            "\r\x1b[01;34mreactor        \x1b[0m x\n"
        );
        assert_eq!(
            formatted(&colour, Level::Error, "reactor", "x"),
            "\r\x1b[01;31mreactor        \x1b[0m \x1b[1mx       \x1b[0m\n"
        );
        let syslog = Style {
            layout: PLAIN_SHORT,
            syslog: true,
            pid: 1,
        };
        assert_eq!(
            formatted(&syslog, Level::Fatal, "daemon", "x"),
            "<26>daemon          x\n"
        );
        let long = Style {
            layout: PLAIN_LONG,
            syslog: false,
            pid: 77,
        };
        let text = formatted(&long, Level::Info, "welcome", "hi");
        assert!(text.ends_with(" 77     welcome         hi\n"), "{text}");
        assert_eq!(text.len(), "HH:MM:SS 77     welcome         hi\n".len());
    }
}
