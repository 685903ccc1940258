//! Python-argparse-compatible option parsing on top of `getopts`.
//!
//! ExaBGP's command line is argparse's: long options may be abbreviated to
//! any unique prefix, `-h`/`--help` wins wherever it appears, a value-taking
//! option refuses a value that looks like an option, positionals can be
//! mixed with options, and every mistake is one `error:` line after the
//! usage, exit status 2. `getopts` does the splitting; this module adds the
//! argparse rules around it and produces argparse's messages.

use std::collections::HashMap;

/// One option of a subcommand.
#[derive(Clone, Copy, Debug)]
pub struct OptSpec {
    pub short: Option<char>,
    pub long: &'static str,
    /// Other spellings argparse accepts for the same option (`--cmd`, `-sF`).
    pub aliases: &'static [&'static str],
    pub kind: ValueKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `store_true`
    Flag,
    /// Takes one value.
    Value,
    /// Takes one value that must be an integer (argparse `type=int`).
    Int,
    /// Takes one value that must be a real number (argparse `type=float`).
    Real,
    /// `nargs='?'`: an optional value.
    Optional,
}

impl OptSpec {
    pub const fn flag(short: Option<char>, long: &'static str) -> OptSpec {
        OptSpec {
            short,
            long,
            aliases: &[],
            kind: ValueKind::Flag,
        }
    }
    pub const fn value(short: Option<char>, long: &'static str) -> OptSpec {
        OptSpec {
            short,
            long,
            aliases: &[],
            kind: ValueKind::Value,
        }
    }
    pub const fn int(short: Option<char>, long: &'static str) -> OptSpec {
        OptSpec {
            short,
            long,
            aliases: &[],
            kind: ValueKind::Int,
        }
    }

    /// argparse's name for the option in messages: `-s/--signal` or `--profile`.
    pub fn display(&self) -> String {
        match self.short {
            Some(c) => format!("-{c}/--{}", self.long),
            None => format!("--{}", self.long),
        }
    }
}

/// The positional arguments of a subcommand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Positional {
    None,
    One(&'static str),
    OneOrMore(&'static str),
    Any,
}

/// A subcommand's grammar and texts.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// `exabgp server` (used in error lines).
    pub prog: &'static str,
    /// The usage block (ends with a newline).
    pub usage: &'static str,
    /// The whole `--help` text (ends with a newline).
    pub help: &'static str,
    pub options: &'static [OptSpec],
    pub positional: Positional,
}

/// What went wrong, or `--help`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgsError {
    /// Print the help text on stdout, exit 0.
    Help,
    /// An error of this subcommand: `<usage>\n<prog>: error: <message>`, exit 2.
    Sub(String),
    /// Arguments nobody claimed, reported by the main parser, exit 2.
    Unrecognized(Vec<String>),
}

/// The parsed options: flag counts, option values (in order) and positionals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matches {
    flags: HashMap<&'static str, usize>,
    values: HashMap<&'static str, Vec<Option<String>>>,
    pub free: Vec<String>,
}

impl Matches {
    pub fn flag(&self, long: &str) -> bool {
        self.flags.get(long).copied().unwrap_or(0) > 0
    }

    /// The last value given (argparse keeps the last one).
    pub fn value(&self, long: &str) -> Option<&str> {
        self.values.get(long)?.last()?.as_deref()
    }

    /// Whether an option (with an optional value) was present at all.
    pub fn present(&self, long: &str) -> bool {
        self.values.get(long).is_some_and(|v| !v.is_empty())
    }

    /// All values (for `action='append'` options).
    pub fn values(&self, long: &str) -> Vec<String> {
        self.values
            .get(long)
            .map(|v| v.iter().flatten().cloned().collect())
            .unwrap_or_default()
    }
}

/// Python's `int()` on a command-line value.
pub fn python_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if !cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = cleaned.parse::<i64>().ok()?;
    Some(if neg { -v } else { v })
}

fn looks_like_option(token: &str) -> bool {
    token.starts_with('-') && token.len() > 1
}

impl Spec {
    fn by_short(&self, c: char) -> Option<&'static OptSpec> {
        self.options.iter().find(|o| o.short == Some(c))
    }

    /// Resolve a `--name` (without the dashes) to its option, argparse
    /// style: exact name or alias, else a unique prefix.
    fn resolve_long(&self, name: &str) -> Result<Option<&'static OptSpec>, ArgsError> {
        if name == "help" {
            return Err(ArgsError::Help);
        }
        for o in self.options {
            if o.long == name || o.aliases.iter().any(|a| a.strip_prefix("--") == Some(name)) {
                return Ok(Some(o));
            }
        }
        // every long spelling, help included, in declaration order
        let mut spellings: Vec<(&str, Option<&'static OptSpec>)> = vec![("help", None)];
        for o in self.options {
            spellings.push((o.long, Some(o)));
            for a in o.aliases {
                if let Some(long) = a.strip_prefix("--") {
                    spellings.push((long, Some(o)));
                }
            }
        }
        let matching: Vec<&(&str, Option<&'static OptSpec>)> = spellings
            .iter()
            .filter(|(s, _)| s.starts_with(name))
            .collect();
        match matching.as_slice() {
            [] => Ok(None),
            [(_, None)] => Err(ArgsError::Help),
            [(_, Some(o))] => Ok(Some(o)),
            many => {
                let names: Vec<String> = many.iter().map(|(s, _)| format!("--{s}")).collect();
                Err(ArgsError::Sub(format!(
                    "ambiguous option: --{name} could match {}",
                    names.join(", ")
                )))
            }
        }
    }

    fn check_value(&self, o: &OptSpec, value: &str) -> Result<(), ArgsError> {
        let ok = match o.kind {
            ValueKind::Int => python_int(value).is_some(),
            ValueKind::Real => value.trim().parse::<f64>().is_ok(),
            _ => true,
        };
        if ok {
            return Ok(());
        }
        let kind = if o.kind == ValueKind::Int {
            "int"
        } else {
            "float"
        };
        Err(ArgsError::Sub(format!(
            "argument {}: invalid {kind} value: '{value}'",
            o.display()
        )))
    }

    /// Parse the arguments that follow the subcommand's name.
    pub fn parse(&self, args: &[String]) -> Result<Matches, ArgsError> {
        let mut rewritten: Vec<String> = Vec::with_capacity(args.len());
        let mut unrecognized: Vec<String> = Vec::new();
        let expected_one = |o: &OptSpec| {
            ArgsError::Sub(format!("argument {}: expected one argument", o.display()))
        };
        let mut i = 0;
        while let Some(token) = args.get(i) {
            i += 1;
            if token == "--" {
                rewritten.push(token.clone());
                rewritten.extend(args.iter().skip(i).cloned());
                break;
            }
            if let Some(alias_target) = self
                .options
                .iter()
                .find(|o| o.aliases.iter().any(|a| !a.starts_with("--") && a == token))
            {
                // single-dash multi-letter spellings such as `-sF`
                let long = alias_target.long;
                let next = args.get(i).filter(|v| !looks_like_option(v));
                match (alias_target.kind, next) {
                    (ValueKind::Flag, _) | (ValueKind::Optional, None) => {
                        rewritten.push(format!("--{long}"))
                    }
                    (_, Some(v)) => {
                        self.check_value(alias_target, v)?;
                        rewritten.push(format!("--{long}={v}"));
                        i += 1;
                    }
                    (_, None) => return Err(expected_one(alias_target)),
                }
                continue;
            }
            if let Some(body) = token.strip_prefix("--") {
                let (name, inline) = match body.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (body, None),
                };
                let Some(o) = self.resolve_long(name)? else {
                    unrecognized.push(token.clone());
                    continue;
                };
                match (o.kind, inline) {
                    (ValueKind::Flag, Some(v)) => {
                        return Err(ArgsError::Sub(format!(
                            "argument {}: ignored explicit argument '{v}'",
                            o.display()
                        )))
                    }
                    (ValueKind::Flag, None) => rewritten.push(format!("--{}", o.long)),
                    (ValueKind::Optional, Some(v)) => rewritten.push(format!("--{}={v}", o.long)),
                    (ValueKind::Optional, None) => {
                        match args.get(i).filter(|v| !looks_like_option(v)) {
                            Some(v) => {
                                rewritten.push(format!("--{}={v}", o.long));
                                i += 1;
                            }
                            None => rewritten.push(format!("--{}", o.long)),
                        }
                    }
                    (_, Some(v)) => {
                        self.check_value(o, v)?;
                        rewritten.push(format!("--{}={v}", o.long));
                    }
                    (_, None) => match args.get(i) {
                        Some(v) if !looks_like_option(v) => {
                            self.check_value(o, v)?;
                            rewritten.push(format!("--{}={v}", o.long));
                            i += 1;
                        }
                        _ => return Err(expected_one(o)),
                    },
                }
                continue;
            }
            if looks_like_option(token) {
                let cluster: Vec<char> = token.chars().skip(1).collect();
                let mut flags = String::new();
                for (j, &c) in cluster.iter().enumerate() {
                    if c == 'h' {
                        return Err(ArgsError::Help);
                    }
                    let Some(o) = self.by_short(c) else {
                        if j == 0 {
                            unrecognized.push(token.clone());
                            break;
                        }
                        // `-vx`: the known flag before it would swallow the rest
                        let name = cluster
                            .get(j - 1)
                            .and_then(|p| self.by_short(*p))
                            .map(|p| p.display())
                            .unwrap_or_default();
                        let rest: String = cluster.iter().skip(j).collect();
                        return Err(ArgsError::Sub(format!(
                            "argument {name}: ignored explicit argument '{rest}'"
                        )));
                    };
                    if o.kind == ValueKind::Flag {
                        flags.push(c);
                        continue;
                    }
                    if !flags.is_empty() {
                        rewritten.push(format!("-{}", std::mem::take(&mut flags)));
                    }
                    let rest: String = cluster.iter().skip(j + 1).collect();
                    let rest = rest.strip_prefix('=').map(str::to_string).unwrap_or(rest);
                    if !rest.is_empty() {
                        self.check_value(o, &rest)?;
                        rewritten.push(format!("--{}={rest}", o.long));
                    } else if o.kind == ValueKind::Optional {
                        match args.get(i).filter(|v| !looks_like_option(v)) {
                            Some(v) => {
                                rewritten.push(format!("--{}={v}", o.long));
                                i += 1;
                            }
                            None => rewritten.push(format!("--{}", o.long)),
                        }
                    } else {
                        match args.get(i) {
                            Some(v) if !looks_like_option(v) => {
                                self.check_value(o, v)?;
                                rewritten.push(format!("--{}={v}", o.long));
                                i += 1;
                            }
                            _ => return Err(expected_one(o)),
                        }
                    }
                    break;
                }
                if !flags.is_empty() {
                    rewritten.push(format!("-{flags}"));
                }
                continue;
            }
            rewritten.push(token.clone());
        }

        let mut opts = getopts::Options::new();
        for o in self.options {
            let short = o.short.map(String::from).unwrap_or_default();
            match o.kind {
                ValueKind::Flag => opts.optflagmulti(&short, o.long, ""),
                ValueKind::Optional => opts.optflagopt(&short, o.long, "", ""),
                _ => opts.optmulti(&short, o.long, "", ""),
            };
        }
        let parsed = opts
            .parse(&rewritten)
            .map_err(|e| ArgsError::Sub(format!("invalid arguments: {e}")))?;

        let mut matches = Matches::default();
        for o in self.options {
            match o.kind {
                ValueKind::Flag => {
                    matches.flags.insert(o.long, parsed.opt_count(o.long));
                }
                ValueKind::Optional => {
                    let count = parsed.opt_count(o.long);
                    if count > 0 {
                        let v = parsed.opt_strs(o.long);
                        let mut all: Vec<Option<String>> =
                            vec![None; count.saturating_sub(v.len())];
                        all.extend(v.into_iter().map(Some));
                        matches.values.insert(o.long, all);
                    }
                }
                _ => {
                    let v = parsed.opt_strs(o.long);
                    if !v.is_empty() {
                        matches
                            .values
                            .insert(o.long, v.into_iter().map(Some).collect());
                    }
                }
            }
        }
        let mut free = parsed.free;
        match self.positional {
            Positional::None => unrecognized.append(&mut free),
            Positional::One(name) => {
                if free.is_empty() {
                    return Err(ArgsError::Sub(format!(
                        "the following arguments are required: {name}"
                    )));
                }
                unrecognized.extend(free.drain(1..));
            }
            Positional::OneOrMore(name) => {
                if free.is_empty() {
                    return Err(ArgsError::Sub(format!(
                        "the following arguments are required: {name}"
                    )));
                }
            }
            Positional::Any => {}
        }
        if !unrecognized.is_empty() {
            return Err(ArgsError::Unrecognized(unrecognized));
        }
        matches.free = free;
        Ok(matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[OptSpec] = &[
        OptSpec::flag(Some('v'), "verbose"),
        OptSpec::flag(Some('d'), "debug"),
        OptSpec::int(Some('s'), "signal"),
        OptSpec::flag(Some('1'), "once"),
        OptSpec::flag(Some('p'), "pdb"),
        OptSpec::flag(Some('P'), "passive"),
        OptSpec::value(None, "profile"),
        OptSpec {
            short: Some('c'),
            long: "command",
            aliases: &["--cmd", "-xY"],
            kind: ValueKind::Value,
        },
    ];
    const SPEC: Spec = Spec {
        prog: "exabgp server",
        usage: "usage\n",
        help: "help\n",
        options: OPTIONS,
        positional: Positional::OneOrMore("configuration"),
    };

    fn parse(args: &[&str]) -> Result<Matches, ArgsError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        SPEC.parse(&args)
    }

    #[test]
    fn flags_values_and_positionals() {
        let m = parse(&[
            "-vd",
            "a.conf",
            "--profile",
            "out",
            "-s",
            "5",
            "b.conf",
            "-1",
        ])
        .unwrap();
        assert!(m.flag("verbose") && m.flag("debug") && m.flag("once"));
        assert!(!m.flag("pdb"));
        assert_eq!(m.value("profile"), Some("out"));
        assert_eq!(m.value("signal"), Some("5"));
        assert_eq!(m.free, vec!["a.conf", "b.conf"]);
        let m = parse(&["-s5", "--profile=x", "--profile", "y", "--", "-v"]).unwrap();
        assert_eq!(m.value("signal"), Some("5"));
        assert_eq!(m.value("profile"), Some("y"));
        assert_eq!(m.free, vec!["-v"]);
        assert!(!m.flag("verbose"));
        // repeated flags are fine
        assert!(parse(&["-v", "-v", "x"]).unwrap().flag("verbose"));
    }

    #[test]
    fn abbreviations_and_aliases() {
        let m = parse(&["--verb", "--prof", "p", "--pas", "x"]).unwrap();
        assert!(m.flag("verbose") && m.flag("passive"));
        assert_eq!(m.value("profile"), Some("p"));
        assert_eq!(
            parse(&["--p", "x"]),
            Err(ArgsError::Sub(
                "ambiguous option: --p could match --pdb, --passive, --profile".into()
            ))
        );
        assert_eq!(
            parse(&["--cmd", "true", "x"]).unwrap().value("command"),
            Some("true")
        );
        assert_eq!(
            parse(&["-xY", "ls", "x"]).unwrap().value("command"),
            Some("ls")
        );
    }

    #[test]
    fn help_anywhere() {
        assert_eq!(parse(&["x", "-h"]), Err(ArgsError::Help));
        assert_eq!(parse(&["--help"]), Err(ArgsError::Help));
        assert_eq!(parse(&["--he"]), Err(ArgsError::Help));
        assert_eq!(parse(&["-vh"]), Err(ArgsError::Help));
    }

    #[test]
    fn argparse_errors() {
        assert_eq!(
            parse(&[]),
            Err(ArgsError::Sub(
                "the following arguments are required: configuration".into()
            ))
        );
        assert_eq!(
            parse(&["--profile"]),
            Err(ArgsError::Sub(
                "argument --profile: expected one argument".into()
            ))
        );
        assert_eq!(
            parse(&["-s", "-1", "x"]),
            Err(ArgsError::Sub(
                "argument -s/--signal: expected one argument".into()
            ))
        );
        assert_eq!(
            parse(&["-s", "abc", "x"]),
            Err(ArgsError::Sub(
                "argument -s/--signal: invalid int value: 'abc'".into()
            ))
        );
        assert_eq!(
            parse(&["--once=3", "x"]),
            Err(ArgsError::Sub(
                "argument -1/--once: ignored explicit argument '3'".into()
            ))
        );
        assert_eq!(
            parse(&["-vx", "x"]),
            Err(ArgsError::Sub(
                "argument -v/--verbose: ignored explicit argument 'x'".into()
            ))
        );
        assert_eq!(
            parse(&["--test", "x"]),
            Err(ArgsError::Unrecognized(vec!["--test".into()]))
        );
        assert_eq!(
            parse(&["-x", "x", "--version"]),
            Err(ArgsError::Unrecognized(vec![
                "-x".into(),
                "--version".into()
            ]))
        );
        // the required positional is checked before unknown options are reported
        assert_eq!(
            parse(&["--test"]),
            Err(ArgsError::Sub(
                "the following arguments are required: configuration".into()
            ))
        );
    }

    #[test]
    fn python_ints() {
        assert_eq!(python_int(" 5 "), Some(5));
        assert_eq!(python_int("-5"), Some(-5));
        assert_eq!(python_int("1_0"), Some(10));
        assert_eq!(python_int("5.0"), None);
        assert_eq!(python_int(""), None);
    }
}
