//! Configuration errors: where, and what was expected instead of what was found.

use std::fmt;

/// A configuration problem at a position in a file.
///
/// `Display` gives `file:line:column: message`; messages are written as
/// `<what was expected>, found <what>` wherever there is a token to show.
/// Lines and columns are 1-based and refer to the physical file (a statement
/// continued with a trailing `\` reports the line its token is on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

// ===== impl ConfigError =====

impl ConfigError {
    pub fn new(file: &str, line: u32, column: u32, message: impl Into<String>) -> ConfigError {
        ConfigError { file: file.to_string(), line, column, message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Quote a token for an error message, shortened so that a huge token
/// cannot produce a huge message.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::with_capacity(text.len().min(MAX) + 8);
    out.push('"');
    for (n, c) in text.chars().enumerate() {
        if n == MAX {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.push_str(&c.escape_default().to_string());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_file_line_column() {
        let e = ConfigError::new("a.conf", 3, 7, "an IP address was expected, found \"x\"");
        assert_eq!(e.to_string(), "a.conf:3:7: an IP address was expected, found \"x\"");
    }

    #[test]
    fn shown_truncates_and_escapes() {
        assert_eq!(shown("a\nb"), "\"a\\nb\"");
        let long = "x".repeat(500);
        assert!(shown(&long).len() < 80);
    }
}
