//! A small regular-expression matcher for `processes-match` (Python
//! `re.match` semantics: anchored at the start of the name, not at the end).
//!
//! Supported: literals, `.`, `^`, `$`, `*`, `+`, `?` (greedy), `\` escapes
//! (`\d \w \s` and literal characters), and `[…]` classes with ranges and
//! `^` negation. Groups, alternation and counted repetition are refused with
//! an error rather than matched wrongly (no regex crate in the allowed set).

#[derive(Clone, Debug, PartialEq, Eq)]
enum Atom {
    Any,
    Char(char),
    Class { negated: bool, items: Vec<(char, char)> },
    End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repeat {
    One,
    ZeroOrOne,
    ZeroOrMore,
    OneOrMore,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regex {
    pieces: Vec<(Atom, Repeat)>,
}

fn class_escape(c: char) -> Option<Vec<(char, char)>> {
    Some(match c {
        'd' => vec![('0', '9')],
        'w' => vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')],
        's' => vec![(' ', ' '), ('\t', '\r')],
        _ => return None,
    })
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Regex, String> {
        let mut chars = pattern.chars().peekable();
        let mut pieces: Vec<(Atom, Repeat)> = Vec::new();
        let mut first = true;
        while let Some(c) = chars.next() {
            let atom = match c {
                '^' if first => {
                    first = false;
                    continue;
                }
                '$' => Atom::End,
                '.' => Atom::Any,
                '\\' => {
                    let e = chars.next().ok_or("a trailing backslash")?;
                    match class_escape(e) {
                        Some(items) => Atom::Class { negated: false, items },
                        None if e.is_ascii_alphanumeric() => return Err(format!("unsupported escape \\{}", e)),
                        None => Atom::Char(e),
                    }
                }
                '[' => {
                    let negated = chars.peek() == Some(&'^');
                    if negated {
                        chars.next();
                    }
                    let mut items = Vec::new();
                    let mut start = true;
                    loop {
                        let c = chars.next().ok_or("an unterminated character set")?;
                        if c == ']' && !start {
                            break;
                        }
                        start = false;
                        let lo = if c == '\\' {
                            let e = chars.next().ok_or("a trailing backslash")?;
                            if let Some(mut class) = class_escape(e) {
                                items.append(&mut class);
                                continue;
                            }
                            e
                        } else {
                            c
                        };
                        if chars.peek() == Some(&'-') {
                            chars.next();
                            match chars.next() {
                                Some(']') => {
                                    items.push((lo, lo));
                                    items.push(('-', '-'));
                                    break;
                                }
                                Some(hi) if hi >= lo => items.push((lo, hi)),
                                Some(_) => return Err("a bad character range".to_string()),
                                None => return Err("an unterminated character set".to_string()),
                            }
                        } else {
                            items.push((lo, lo));
                        }
                    }
                    Atom::Class { negated, items }
                }
                '*' | '+' | '?' => return Err("nothing to repeat".to_string()),
                '(' | ')' | '|' | '{' | '}' => return Err(format!("'{}' is not supported", c)),
                other => Atom::Char(other),
            };
            first = false;
            let repeat = match chars.peek() {
                Some('*') => Repeat::ZeroOrMore,
                Some('+') => Repeat::OneOrMore,
                Some('?') => Repeat::ZeroOrOne,
                _ => Repeat::One,
            };
            if repeat != Repeat::One {
                chars.next();
                if matches!(chars.peek(), Some('*' | '+' | '?')) {
                    return Err("multiple repeat".to_string());
                }
            }
            pieces.push((atom, repeat));
        }
        Ok(Regex { pieces })
    }

    /// Does the pattern match at the start of `text` (`re.match`)?
    pub fn matches_start(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_here(&self.pieces, &chars, 0)
    }
}

fn atom_matches(atom: &Atom, c: char) -> bool {
    match atom {
        Atom::Any => c != '\n',
        Atom::Char(x) => *x == c,
        Atom::Class { negated, items } => items.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated,
        Atom::End => false,
    }
}

fn match_here(pieces: &[(Atom, Repeat)], text: &[char], at: usize) -> bool {
    let Some(((atom, repeat), rest)) = pieces.split_first() else {
        return true;
    };
    if *atom == Atom::End {
        return at == text.len() && match_here(rest, text, at);
    }
    let mut count = 0;
    while text.get(at + count).is_some_and(|c| atom_matches(atom, *c)) {
        count += 1;
        if *repeat == Repeat::One || *repeat == Repeat::ZeroOrOne {
            break;
        }
    }
    let min = match repeat {
        Repeat::One | Repeat::OneOrMore => 1,
        Repeat::ZeroOrOne | Repeat::ZeroOrMore => 0,
    };
    // Greedy, backtracking one character at a time.
    (min..=count).rev().any(|n| match_here(rest, text, at + n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Regex::new(p).unwrap().matches_start(t)
    }

    #[test]
    fn python_match_semantics() {
        assert!(m("^add", "add-remove"));
        assert!(m("add", "add-remove"));
        assert!(!m("remove", "add-remove"));
        assert!(m("a.*e$", "add-remove"));
        assert!(!m("a.*x$", "add-remove"));
        assert!(m("[a-c]+d", "abcd"));
        assert!(m("[^x]", "a"));
        assert!(m("a\\.b", "a.b"));
        assert!(!m("a\\.b", "axb"));
        assert!(m("\\d+-x?", "12-"));
        assert!(m("", "anything"));
    }

    #[test]
    fn refused() {
        for p in ["a[", "*a", "(a)", "a|b", "a{2}", "a**", "\\", "\\q"] {
            assert!(Regex::new(p).is_err(), "{}", p);
        }
    }
}
