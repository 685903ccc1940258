//! The subset of Python's `configparser` that ExaBGP's `exabgp.env` relies on.
//!
//! Same rules as `ConfigParser()` with its defaults: `[section]` headers
//! (case-sensitive), `key = value` or `key: value` (split at the first `=` or
//! `:`, key lower-cased, both sides trimmed), whole-line `#`/`;` comments,
//! indented continuation lines, a `[DEFAULT]` section whose keys every
//! section inherits, `%%` and `%(key)s` interpolation. A key without a value,
//! a key before any section or a duplicate is an error, as it is for Python.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IniError {
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            f.write_str(&self.reason)
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ini {
    defaults: Vec<(String, String)>,
    sections: Vec<(String, Vec<(String, String)>)>,
}

const DEFAULT: &str = "DEFAULT";

impl Ini {
    pub fn parse(text: &str) -> Result<Ini, IniError> {
        let mut ini = Ini::default();
        // Index of the current section (None = DEFAULT) and of the current key.
        let mut current: Option<Option<usize>> = None;
        let mut last_key: Option<usize> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = n + 1;
            let stripped = raw.trim();
            if stripped.is_empty() || stripped.starts_with('#') || stripped.starts_with(';') {
                continue;
            }
            let indented = raw.starts_with([' ', '\t']);
            if indented {
                if let (Some(section), Some(key)) = (current, last_key) {
                    let entries = ini.entries_mut(section);
                    if let Some(entry) = entries.get_mut(key) {
                        entry.1.push('\n');
                        entry.1.push_str(stripped);
                        continue;
                    }
                }
            }
            if let Some(rest) = stripped.strip_prefix('[') {
                if let Some(end) = rest.rfind(']') {
                    let name = &rest[..end];
                    if !name.is_empty() {
                        if name == DEFAULT {
                            current = Some(None);
                        } else if ini.sections.iter().any(|(s, _)| s == name) {
                            return Err(IniError {
                                line,
                                reason: format!("section '{name}' already exists"),
                            });
                        } else {
                            ini.sections.push((name.to_string(), Vec::new()));
                            current = Some(Some(ini.sections.len() - 1));
                        }
                        last_key = None;
                        continue;
                    }
                }
            }
            let Some(section) = current else {
                return Err(IniError {
                    line,
                    reason: "key found before any [section] header".into(),
                });
            };
            let Some(split) = stripped.find(['=', ':']) else {
                return Err(IniError {
                    line,
                    reason: format!("'{stripped}' is not a key = value line"),
                });
            };
            let key = stripped[..split].trim().to_lowercase();
            let value = stripped[split + 1..].trim().to_string();
            let entries = ini.entries_mut(section);
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(IniError {
                    line,
                    reason: format!("key '{key}' already exists in this section"),
                });
            }
            entries.push((key, value));
            last_key = Some(entries.len() - 1);
        }
        Ok(ini)
    }

    fn entries_mut(&mut self, section: Option<usize>) -> &mut Vec<(String, String)> {
        match section.and_then(|i| self.sections.get_mut(i)) {
            Some((_, entries)) => entries,
            None => &mut self.defaults,
        }
    }

    fn raw(&self, section: &str, key: &str) -> Option<&str> {
        let (_, entries) = self.sections.iter().find(|(s, _)| s == section)?;
        entries
            .iter()
            .chain(self.defaults.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key` in `section` after interpolation; `None` when the
    /// section or the key is missing (a missing section does not inherit
    /// `[DEFAULT]`, as in Python).
    pub fn get(&self, section: &str, key: &str) -> Result<Option<String>, IniError> {
        let key = key.to_lowercase();
        match self.raw(section, &key) {
            None => Ok(None),
            Some(raw) => self.interpolate(section, raw, 0).map(Some),
        }
    }

    fn interpolate(&self, section: &str, raw: &str, depth: usize) -> Result<String, IniError> {
        let err = |reason: String| IniError { line: 0, reason };
        if depth > 10 {
            return Err(err(format!("[{section}]: interpolation too deep")));
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(tail) = after.strip_prefix('%') {
                out.push('%');
                rest = tail;
            } else if let Some(tail) = after.strip_prefix('(') {
                let Some(close) = tail.find(")s") else {
                    return Err(err(format!("[{section}]: bad interpolation in '{raw}'")));
                };
                let name = tail[..close].to_lowercase();
                let Some(value) = self.raw(section, &name) else {
                    return Err(err(format!(
                        "[{section}]: '{name}' is not defined (interpolation)"
                    )));
                };
                out.push_str(&self.interpolate(section, value, depth + 1)?);
                rest = &tail[close + 2..];
            } else {
                return Err(err(format!(
                    "[{section}]: '%' must be followed by '%' or '(' in '{raw}'"
                )));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_and_comments() {
        let ini = Ini::parse(
            "# comment\n[exabgp.tcp]\nport = 1791\nBind: 127.0.0.1 ::1\n; other\n\n[exabgp.log]\nlevel='debug'\n",
        )
        .unwrap();
        assert_eq!(
            ini.get("exabgp.tcp", "port").unwrap().as_deref(),
            Some("1791")
        );
        assert_eq!(
            ini.get("exabgp.tcp", "bind").unwrap().as_deref(),
            Some("127.0.0.1 ::1")
        );
        assert_eq!(
            ini.get("exabgp.log", "level").unwrap().as_deref(),
            Some("'debug'")
        );
        assert_eq!(ini.get("exabgp.log", "missing").unwrap(), None);
        assert_eq!(ini.get("exabgp.api", "ack").unwrap(), None);
        // section names are case-sensitive
        assert_eq!(ini.get("EXABGP.tcp", "port").unwrap(), None);
    }

    #[test]
    fn empty_value_is_empty_string() {
        let ini = Ini::parse("[s]\nkey =\n").unwrap();
        assert_eq!(ini.get("s", "key").unwrap().as_deref(), Some(""));
    }

    #[test]
    fn defaults_apply_to_existing_sections_only() {
        let ini = Ini::parse("[DEFAULT]\nattempts = 3\n[exabgp.tcp]\nport = 1\n").unwrap();
        assert_eq!(
            ini.get("exabgp.tcp", "attempts").unwrap().as_deref(),
            Some("3")
        );
        assert_eq!(ini.get("exabgp.api", "attempts").unwrap(), None);
    }

    #[test]
    fn continuation_lines() {
        let ini = Ini::parse("[s]\nk = a\n  b\n").unwrap();
        assert_eq!(ini.get("s", "k").unwrap().as_deref(), Some("a\nb"));
    }

    #[test]
    fn interpolation() {
        let ini = Ini::parse("[s]\na = 50%%\nb = %(a)s!\nc = 5%\n").unwrap();
        assert_eq!(ini.get("s", "a").unwrap().as_deref(), Some("50%"));
        assert_eq!(ini.get("s", "b").unwrap().as_deref(), Some("50%!"));
        assert!(ini.get("s", "c").is_err());
    }

    #[test]
    fn errors() {
        assert_eq!(Ini::parse("key = 1\n").unwrap_err().line, 1);
        assert_eq!(Ini::parse("[s]\nport\n").unwrap_err().line, 2);
        assert_eq!(Ini::parse("[s]\na=1\na=2\n").unwrap_err().line, 3);
        assert_eq!(Ini::parse("[s]\n[s]\n").unwrap_err().line, 2);
    }
}
