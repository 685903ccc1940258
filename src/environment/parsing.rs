//! Readers and writers for `exabgp.<section>.<key>` values.
//!
//! Each setting has a reader (text → typed value, as ExaBGP's
//! `environment/parsing.py` converts it) and a writer (typed value → the text
//! `exabgp env` prints). The writers must reproduce ExaBGP's output byte for
//! byte, including its quoting rules and Python's number formatting.

use std::ffi::CString;
use std::fmt;
use std::net::IpAddr;

use crate::logger::Level;

/// Why a value was refused: the expected type, shown in the error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Integer,
    Real,
    Octal,
    Port,
    LogLevel,
    Encoder,
    IpList,
    User,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Integer => "a non-negative integer",
            Expected::Real => "a real number",
            Expected::Octal => "an octal number",
            Expected::Port => "a port number (0-65535)",
            Expected::LogLevel => "one of FATAL CRITICAL ERROR WARNING INFO DEBUG NOTSET",
            Expected::Encoder => "text or json",
            Expected::IpList => "a space separated list of IP addresses",
            Expected::User => "a user name existing on this system",
        })
    }
}

/// `strip()` then drop any run of `'` or `"` at both ends (Python's
/// `_.strip().strip('\'"')`).
pub fn unquote(text: &str) -> &str {
    text.trim().trim_matches(|c| c == '\'' || c == '"')
}

/// True only for `1 yes on enable true`, in any case; anything else is false
/// (ExaBGP never rejects a boolean).
pub fn boolean(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "1" | "yes" | "on" | "enable" | "true"
    )
}

/// Python's `int()`: surrounding white space and a sign are allowed, as are
/// single underscores between digits.
fn python_int(text: &str, radix: u32) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    let value = i64::from_str_radix(&cleaned, radix).ok()?;
    Some(if neg { -value } else { value })
}

/// A non-negative integer (ExaBGP takes any `int`; the values it reads are
/// counts, seconds and minutes, for which a negative number is meaningless).
pub fn unsigned(text: &str) -> Result<u32, Expected> {
    python_int(text, 10)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(Expected::Integer)
}

pub fn port(text: &str) -> Result<u16, Expected> {
    python_int(text, 10)
        .and_then(|v| u16::try_from(v).ok())
        .ok_or(Expected::Port)
}

/// Python's `float()`.
pub fn real(text: &str) -> Result<f64, Expected> {
    let t = text.trim();
    let cleaned: String = t.chars().filter(|&c| c != '_').collect();
    cleaned.parse::<f64>().map_err(|_| Expected::Real)
}

/// `int(_, 8)`, which also accepts a `0o` prefix (so `exabgp env` output,
/// `'0o137'`, reads back).
pub fn umask(text: &str) -> Result<u32, Expected> {
    let t = text.trim();
    let t = t
        .strip_prefix("0o")
        .or_else(|| t.strip_prefix("0O"))
        .unwrap_or(t);
    python_int(t, 8)
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v <= 0o7777)
        .ok_or(Expected::Octal)
}

/// The level names of Python's `logging`, upper-cased.
pub fn level(text: &str) -> Result<Level, Expected> {
    Level::from_name(&text.to_uppercase()).ok_or(Expected::LogLevel)
}

/// The API encoder, `text` or `json` (any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoder {
    Text,
    Json,
}

impl Encoder {
    pub fn name(self) -> &'static str {
        match self {
            Encoder::Text => "text",
            Encoder::Json => "json",
        }
    }
}

impl fmt::Display for Encoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub fn encoder(text: &str) -> Result<Encoder, Expected> {
    match text.to_lowercase().as_str() {
        "text" => Ok(Encoder::Text),
        "json" => Ok(Encoder::Json),
        _ => Err(Expected::Encoder),
    }
}

/// Space separated addresses (only `' '` separates, as in ExaBGP); empty
/// items are skipped, so an empty string is an empty list.
pub fn ip_list(text: &str) -> Result<Vec<IpAddr>, Expected> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<IpAddr>().map_err(|_| Expected::IpList))
        .collect()
}

/// The user must exist (ExaBGP checks with `getpwnam` even when not root).
pub fn user(text: &str) -> Result<String, Expected> {
    if user_exists(text) {
        Ok(text.to_string())
    } else {
        Err(Expected::User)
    }
}

pub fn user_exists(name: &str) -> bool {
    let Ok(cname) = CString::new(name) else {
        return false;
    };
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16384];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the duration of the call and `buf`
    // is as large as we say; getpwnam_r does not keep them.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    rc == 0 && !result.is_null()
}

// ===== writers =====

/// `'value'`
pub fn quote(text: &str) -> String {
    format!("'{text}'")
}

pub fn write_bool(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// ExaBGP prints `oct(umask)` quoted: `'0o137'`.
pub fn write_umask(value: u32) -> String {
    format!("'0o{value:o}'")
}

pub fn write_ip_list(ips: &[IpAddr]) -> String {
    let joined: Vec<String> = ips.iter().map(|ip| ip.to_string()).collect();
    quote(&joined.join(" "))
}

/// Python's `repr(float)`: the shortest round-trip digits, positional between
/// 1e-4 and 1e16 (always with a fractional part), scientific outside
/// (`2e-07`, `1e+16`).
pub fn python_float(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `{:e}` gives the shortest round-trip mantissa, e.g. "2e-7", "1.5e0".
    let sci = format!("{value:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    if (-4..16).contains(&exp) {
        let s = format!("{value}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_strips_space_then_quotes() {
        assert_eq!(unquote("  'abc'  "), "abc");
        assert_eq!(unquote("\"'x'\""), "x");
        assert_eq!(unquote(" ' a b ' "), " a b ");
        assert_eq!(unquote(""), "");
    }

    #[test]
    fn booleans() {
        for t in ["1", "yes", "ON", "Enable", "TRUE", "true"] {
            assert!(boolean(t), "{t}");
        }
        for t in ["0", "no", "false", "", " true", "'true'", "y", "2"] {
            assert!(!boolean(t), "{t}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(unsigned("179"), Ok(179));
        assert_eq!(unsigned(" +12 "), Ok(12));
        assert_eq!(unsigned("1_000"), Ok(1000));
        assert_eq!(unsigned("abc"), Err(Expected::Integer));
        assert_eq!(unsigned(""), Err(Expected::Integer));
        assert_eq!(unsigned("-1"), Err(Expected::Integer));
        assert_eq!(unsigned("1__0"), Err(Expected::Integer));
        assert_eq!(port("65535"), Ok(65535));
        assert_eq!(port("65536"), Err(Expected::Port));
    }

    #[test]
    fn reals() {
        assert_eq!(real("1.0"), Ok(1.0));
        assert_eq!(real(" 2 "), Ok(2.0));
        assert_eq!(real("2e-7"), Ok(2e-7));
        assert_eq!(real("x"), Err(Expected::Real));
    }

    #[test]
    fn umask_reads_octal_and_python_prefix() {
        assert_eq!(umask("0137"), Ok(0o137));
        assert_eq!(umask("0o22"), Ok(0o22));
        assert_eq!(umask("022"), Ok(0o22));
        assert_eq!(umask("8"), Err(Expected::Octal));
        assert_eq!(write_umask(0o137), "'0o137'");
        assert_eq!(write_umask(0o22), "'0o22'");
        assert_eq!(write_umask(0), "'0o0'");
    }

    #[test]
    fn levels_and_encoders() {
        assert_eq!(level("debug"), Ok(Level::Debug));
        assert_eq!(level("NOTSET"), Ok(Level::NotSet));
        assert_eq!(level("verbose"), Err(Expected::LogLevel));
        assert_eq!(level(" info"), Err(Expected::LogLevel));
        assert_eq!(encoder("TEXT"), Ok(Encoder::Text));
        assert_eq!(encoder("json"), Ok(Encoder::Json));
        assert_eq!(encoder("xml"), Err(Expected::Encoder));
    }

    #[test]
    fn ip_lists() {
        assert_eq!(ip_list(""), Ok(vec![]));
        assert_eq!(ip_list("  "), Ok(vec![]));
        let l = ip_list("127.0.0.1  ::1").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(write_ip_list(&l), "'127.0.0.1 ::1'");
        assert_eq!(write_ip_list(&[]), "''");
        assert_eq!(ip_list("1.2.3.4,5.6.7.8"), Err(Expected::IpList));
        assert_eq!(ip_list("01.2.3.4"), Err(Expected::IpList));
    }

    #[test]
    fn users() {
        assert!(user_exists("root"));
        assert!(!user_exists("no-such-user-exabgp"));
        assert!(!user_exists("a\0b"));
        assert_eq!(user("no-such-user-exabgp"), Err(Expected::User));
    }

    #[test]
    fn python_float_repr() {
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(2.0), "2.0");
        assert_eq!(python_float(0.1), "0.1");
        assert_eq!(python_float(1.5), "1.5");
        assert_eq!(python_float(2e-7), "2e-07");
        assert_eq!(python_float(0.0001), "0.0001");
        assert_eq!(python_float(0.00001), "1e-05");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(123456789012345.0), "123456789012345.0");
        assert_eq!(python_float(1.5e300), "1.5e+300");
        assert_eq!(python_float(-2.5), "-2.5");
        assert_eq!(python_float(0.0), "0.0");
        assert_eq!(python_float(f64::INFINITY), "inf");
    }
}
