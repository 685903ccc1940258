//! Small helpers for writing ExaBGP's hand-built JSON.
//!
//! ExaBGP builds its JSON from string fragments with irregular but stable
//! spacing, so we do the same: renderers append to a `String`.

use std::fmt::Write;

/// Append `s` as a JSON string literal (with the quotes), escaping what JSON
/// requires.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Append `bytes` as ExaBGP writes raw data: `0x` followed by upper-case hex.
pub fn hex_0x(out: &mut String, bytes: &[u8]) {
    out.push_str("0x");
    hex_upper(out, bytes);
}

/// Append `bytes` as upper-case hex with no prefix.
pub fn hex_upper(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        let mut s = String::new();
        string(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
    }

    #[test]
    fn hex_is_upper_case_with_prefix() {
        let mut s = String::new();
        hex_0x(&mut s, &[0x00, 0xab, 0x1f]);
        assert_eq!(s, "0x00AB1F");
    }
}
