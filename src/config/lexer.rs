//! The configuration tokeniser, following ExaBGP's `configuration/core/format.py`.
//!
//! Reading (§1.1 of the spec): physical lines end at `\n`, `\r\n` or `\r`;
//! trailing whitespace is stripped; a stripped line ending in `\` is joined
//! with the next one (the backslash stays, so `\` + indentation decodes to a
//! space). Backslash escapes are decoded over the whole logical line *before*
//! tokenising, so `\;` is a terminator and `\"` a quote, as in the reference.
//!
//! Tokens (§1.2): whitespace separates words; `;` `{` `}` end a statement and
//! are its last token; `,` `[` `]` are words of their own; `"` and `'` quote
//! (a quote of the other kind inside a quoted string *switches* the quote
//! character and is dropped — the reference's behaviour); `#` starts a comment
//! only when nothing is pending. Every statement must end on its logical line.
//!
//! Tokens are spans into the source; only a token whose text differs from its
//! source bytes (quotes in the middle of a word, escapes) gets an owned copy.
//! This keeps a million-route file at a few bytes per token.

use std::collections::VecDeque;

/// A word: `len & COOKED == 0` → `text[pos..pos+len]`; otherwise the text is
/// `cooked[len & !COOKED]` and `pos` is only its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawWord {
    pub(crate) pos: u32,
    pub(crate) len: u32,
}

pub(crate) const COOKED: u32 = 1 << 31;

/// How a statement ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminator {
    /// `;`: a command.
    Semicolon,
    /// `{`: opens a section.
    Open,
    /// `}`: closes the current section.
    Close,
}

/// A statement as the lexer sees it: a run of words in the shared word
/// vector and the terminator.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawStatement {
    pub(crate) first_word: u32,
    pub(crate) n_words: u32,
    pub(crate) terminator: Terminator,
    pub(crate) terminator_pos: u32,
    /// Lexed by the plain-line path: every word is a span of the text and
    /// [`plain_word`] finds them again from the first one's offset.
    pub(crate) plain: bool,
}

/// A lexing error: byte offset in the source and the message.
#[derive(Debug)]
pub(crate) struct LexError {
    pub(crate) offset: u32,
    pub(crate) message: String,
}

fn err(offset: usize, message: impl Into<String>) -> LexError {
    LexError { offset: offset as u32, message: message.into() }
}

/// Whitespace removed at the end of a line, as Python's `str.rstrip()`.
fn is_strippable(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

pub(crate) struct Lexer<'s> {
    text: &'s str,
    /// Start of the next physical line.
    next_line: usize,
    /// Statements of the logical line being handed out.
    ready: VecDeque<RawStatement>,
}

/// The word being accumulated.
struct Pending {
    start: Option<usize>,
    end: usize,
    buf: Option<Vec<u8>>,
}

impl Pending {
    fn new() -> Pending {
        Pending { start: None, end: 0, buf: None }
    }

    fn push(&mut self, text: &[u8], b: u8, off: usize, raw: bool) {
        match self.start {
            None => {
                self.start = Some(off);
                if raw {
                    self.end = off + 1;
                    self.buf = None;
                } else {
                    self.buf = Some(vec![b]);
                }
            }
            Some(start) => {
                if self.buf.is_none() && raw && off == self.end {
                    self.end += 1;
                    return;
                }
                let buf = self.buf.get_or_insert_with(|| text.get(start..self.end).unwrap_or_default().to_vec());
                buf.push(b);
            }
        }
    }

    fn has_content(&self) -> bool {
        self.start.is_some()
    }
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(text: &'s str) -> Lexer<'s> {
        Lexer { text, next_line: 0, ready: VecDeque::new() }
    }

    /// The next physical line as `[start, end)` with trailing whitespace
    /// stripped, or `None` at the end of the text.
    fn physical_line(&mut self) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let start = self.next_line;
        if start >= bytes.len() {
            return None;
        }
        let rest = bytes.get(start..).unwrap_or_default();
        let (end, next) = match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(n) => {
                let end = start + n;
                let crlf = bytes.get(end) == Some(&b'\r') && bytes.get(end + 1) == Some(&b'\n');
                (end, end + if crlf { 2 } else { 1 })
            }
            None => (bytes.len(), bytes.len()),
        };
        self.next_line = next;
        let line = self.text.get(start..end).unwrap_or_default();
        let trimmed = line.trim_end_matches(is_strippable);
        Some((start, start + trimmed.len()))
    }

    /// The next statement; its words are appended to `words` (and `cooked`).
    pub(crate) fn next_statement(
        &mut self,
        words: &mut Vec<RawWord>,
        cooked: &mut Vec<Box<str>>,
    ) -> Result<Option<RawStatement>, LexError> {
        loop {
            if let Some(statement) = self.ready.pop_front() {
                return Ok(Some(statement));
            }
            let Some((start, end)) = self.physical_line() else {
                return Ok(None);
            };
            let bytes = self.text.as_bytes();
            let first = bytes.get(start..end).unwrap_or_default();
            if !first.iter().any(|&b| matches!(b, b'\\' | b'"' | b'\'')) {
                // Fast path: no escape, continuation or quote, so every word
                // is a span of the line.
                self.tokenise_plain(first, start, words)?;
                continue;
            }
            let continued = first.last() == Some(&b'\\');
            if !continued && !first.contains(&b'\\') {
                // The line is its own text.
                let items = first.iter().enumerate().map(|(n, &b)| (b, start + n, true));
                self.tokenise(items, start, words, cooked)?;
                continue;
            }
            let mut segments = vec![(start, end)];
            let mut last_end = end;
            while bytes.get(last_end.saturating_sub(1)) == Some(&b'\\') && last_end > 0 {
                match self.physical_line() {
                    Some((s, e)) => {
                        segments.push((s, e));
                        last_end = e;
                        if s == e {
                            break;
                        }
                    }
                    None => return Err(err(last_end - 1, "a line after the line continuation '\\' was expected, found the end of the file")),
                }
            }
            let decoded = decode(bytes, &segments)?;
            self.tokenise(decoded.into_iter(), start, words, cooked)?;
        }
    }

    /// [`Lexer::tokenise`] for a line without quotes or backslashes (the
    /// bulk of any file): the same rules, over the bytes, without the
    /// per-byte bookkeeping of cooked words.
    fn tokenise_plain(&mut self, line: &[u8], line_start: usize, words: &mut Vec<RawWord>) -> Result<(), LexError> {
        let mut statement_start = words.len();
        // Start of the word being read, as an index into `line`.
        let mut word: Option<usize> = None;
        let push = |words: &mut Vec<RawWord>, from: usize, to: usize| {
            words.push(RawWord { pos: (line_start + from) as u32, len: (to - from) as u32 });
        };
        for (n, &b) in line.iter().enumerate() {
            match b {
                b';' | b'{' | b'}' => {
                    if let Some(from) = word.take() {
                        push(words, from, n);
                    }
                    let terminator = match b {
                        b';' => Terminator::Semicolon,
                        b'{' => Terminator::Open,
                        _ => Terminator::Close,
                    };
                    self.ready.push_back(RawStatement {
                        first_word: statement_start as u32,
                        n_words: (words.len() - statement_start) as u32,
                        terminator,
                        terminator_pos: (line_start + n) as u32,
                        plain: true,
                    });
                    statement_start = words.len();
                }
                b',' | b'[' | b']' => {
                    if let Some(from) = word.take() {
                        push(words, from, n);
                    }
                    push(words, n, n + 1);
                }
                b' ' | b'\t' | b'\r' | b'\n' => {
                    if let Some(from) = word.take() {
                        push(words, from, n);
                    }
                }
                b'#' => {
                    if word.is_some() || words.len() > statement_start {
                        let at = words.get(statement_start).map(|w| w.pos as usize).or(word.map(|w| line_start + w)).unwrap_or(line_start + n);
                        return Err(err(at, "';', '{' or '}' was expected before the comment, found '#'"));
                    }
                    return Ok(());
                }
                _ => {
                    if word.is_none() {
                        word = Some(n);
                    }
                }
            }
        }
        if word.is_some() || words.len() > statement_start {
            let at = words.get(statement_start).map(|w| w.pos as usize).or(word.map(|w| line_start + w)).unwrap_or(line_start);
            return Err(err(at, "';', '{' or '}' was expected at the end of the statement, found the end of the line"));
        }
        Ok(())
    }

    /// Split one logical line into statements (pushed on `self.ready`).
    fn tokenise(
        &mut self,
        items: impl Iterator<Item = (u8, usize, bool)>,
        line_start: usize,
        words: &mut Vec<RawWord>,
        cooked: &mut Vec<Box<str>>,
    ) -> Result<(), LexError> {
        let text = self.text.as_bytes();
        let mut statement_start = words.len();
        let mut word = Pending::new();
        let mut quote: u8 = 0;
        let mut quote_pos = line_start;

        let flush = |word: &mut Pending, words: &mut Vec<RawWord>, cooked: &mut Vec<Box<str>>, empty_at: Option<usize>| {
            let pending = std::mem::replace(word, Pending::new());
            match (pending.start, pending.buf) {
                (Some(start), None) => words.push(RawWord { pos: start as u32, len: (pending.end - start) as u32 }),
                (Some(start), Some(buf)) => {
                    let text = String::from_utf8_lossy(&buf).into_owned().into_boxed_str();
                    words.push(RawWord { pos: start as u32, len: COOKED | cooked.len() as u32 });
                    cooked.push(text);
                }
                (None, _) => {
                    if let Some(at) = empty_at {
                        words.push(RawWord { pos: at as u32, len: 0 });
                    }
                }
            }
        };

        for (b, off, raw) in items {
            if quote != 0 {
                if b == b'"' || b == b'\'' {
                    if b == quote {
                        quote = 0;
                        flush(&mut word, words, cooked, Some(quote_pos + 1));
                    } else {
                        // The reference switches to the other quote character.
                        quote = b;
                        quote_pos = off;
                    }
                } else {
                    word.push(text, b, off, raw);
                }
                continue;
            }
            match b {
                b'#' => {
                    if word.has_content() || words.len() > statement_start {
                        let at = words.get(statement_start).map(|w| w.pos as usize).or(word.start).unwrap_or(off);
                        return Err(err(at, "';', '{' or '}' was expected before the comment, found '#'"));
                    }
                    return Ok(());
                }
                b';' | b'{' | b'}' => {
                    flush(&mut word, words, cooked, None);
                    let terminator = match b {
                        b';' => Terminator::Semicolon,
                        b'{' => Terminator::Open,
                        _ => Terminator::Close,
                    };
                    self.ready.push_back(RawStatement {
                        first_word: statement_start as u32,
                        n_words: (words.len() - statement_start) as u32,
                        terminator,
                        terminator_pos: off as u32,
                        plain: false,
                    });
                    statement_start = words.len();
                }
                b',' | b'[' | b']' => {
                    flush(&mut word, words, cooked, None);
                    word.push(text, b, off, raw);
                    flush(&mut word, words, cooked, None);
                }
                b' ' | b'\t' | b'\r' | b'\n' => flush(&mut word, words, cooked, None),
                b'"' | b'\'' => {
                    quote = b;
                    quote_pos = off;
                }
                _ => word.push(text, b, off, raw),
            }
        }
        if word.has_content() || words.len() > statement_start {
            if quote != 0 {
                return Err(err(quote_pos, "a closing quote was expected, found the end of the line"));
            }
            let at = words.get(statement_start).map(|w| w.pos as usize).or(word.start).unwrap_or(line_start);
            return Err(err(at, "';', '{' or '}' was expected at the end of the statement, found the end of the line"));
        }
        // A lone unterminated quote with nothing pending is ignored, as in the reference.
        Ok(())
    }
}

/// The word of a plain statement (see [`Lexer::tokenise_plain`]) at or after
/// `at`, before `end`: `(start, end)` of its bytes, or `None` when only
/// blanks are left.
pub(crate) fn plain_word(text: &[u8], at: usize, end: usize) -> Option<(usize, usize)> {
    // One table look-up per byte: route lines are walked several times per
    // route, a million routes at a time.
    let region = text.get(at..end.min(text.len()))?;
    let skip = region.iter().position(|&b| BYTE_CLASS[b as usize] != BLANK)?;
    let rest = region.get(skip..)?;
    let start = at + skip;
    if rest.first().is_some_and(|&b| BYTE_CLASS[b as usize] == ALONE) {
        return Some((start, start + 1));
    }
    let len = rest.iter().skip(1).position(|&b| BYTE_CLASS[b as usize] != 0).map_or(rest.len(), |p| p + 1);
    Some((start, start + len))
}

/// `BYTE_CLASS` values: blanks separate words, `,` `[` `]` are words alone.
const BLANK: u8 = 1;
const ALONE: u8 = 2;

static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = BLANK;
    t[b'\t' as usize] = BLANK;
    t[b'\r' as usize] = BLANK;
    t[b'\n' as usize] = BLANK;
    t[b',' as usize] = ALONE;
    t[b'[' as usize] = ALONE;
    t[b']' as usize] = ALONE;
    t
};

/// Decode the escapes of a logical line made of `segments`.
fn decode(bytes: &[u8], segments: &[(usize, usize)]) -> Result<Vec<(u8, usize, bool)>, LexError> {
    let mut flat = segments
        .iter()
        .flat_map(|&(s, e)| (s..e).filter_map(move |n| bytes.get(n).map(|&b| (b, n))))
        .peekable();
    let mut out = Vec::new();
    while let Some((b, off)) = flat.next() {
        if b != b'\\' {
            out.push((b, off, true));
            continue;
        }
        let Some((esc, _)) = flat.next() else {
            return Err(err(off, "a character after the escape '\\' was expected, found the end of the line"));
        };
        let decoded = match esc {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            // The reference crashes on `\uXXXX` (bytes joined into a str), so it
            // can never be part of a valid configuration.
            b'u' => return Err(err(off, "a supported escape was expected, found '\\u' (not supported by ExaBGP)")),
            other => other,
        };
        out.push((decoded, off, false));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lexed = Vec<(Vec<String>, Terminator)>;

    fn lex(text: &str) -> Result<Lexed, (u32, String)> {
        let mut lexer = Lexer::new(text);
        let mut words = Vec::new();
        let mut cooked = Vec::new();
        let mut out = Vec::new();
        loop {
            match lexer.next_statement(&mut words, &mut cooked) {
                Ok(Some(s)) => {
                    let ws = (s.first_word..s.first_word + s.n_words)
                        .map(|n| {
                            let w = words[n as usize];
                            if w.len & COOKED != 0 {
                                cooked[(w.len & !COOKED) as usize].to_string()
                            } else {
                                text[w.pos as usize..(w.pos + w.len) as usize].to_string()
                            }
                        })
                        .collect();
                    out.push((ws, s.terminator));
                }
                Ok(None) => return Ok(out),
                Err(e) => return Err((e.offset, e.message)),
            }
        }
    }

    fn words(text: &str) -> Vec<Vec<String>> {
        lex(text).unwrap().into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn terminators_and_separators() {
        let got = lex("a b; c {\n}").unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (vec!["a".to_string(), "b".to_string()], Terminator::Semicolon));
        assert_eq!(got[1].1, Terminator::Open);
        assert_eq!(got[2], (vec![], Terminator::Close));
        assert_eq!(words("community [30740:0,1];"), vec![vec!["community", "[", "30740:0", ",", "1", "]"]]);
    }

    #[test]
    fn quotes() {
        assert_eq!(words("d \"a b;c{#\";"), vec![vec!["d", "a b;c{#"]]);
        assert_eq!(words("d \"\";"), vec![vec!["d", ""]]);
        assert_eq!(words("d ab\"c d\";"), vec![vec!["d", "abc d"]]);
        assert_eq!(words("d \"a\"b;"), vec![vec!["d", "a", "b"]]);
        assert_eq!(words("d 'x y';"), vec![vec!["d", "x y"]]);
        // A quote of the other kind switches the quote character (reference quirk).
        assert!(lex("d \"it's\";").is_err());
        assert!(lex("d \"a'b'\";").is_err());
    }

    #[test]
    fn comments() {
        assert_eq!(words("# x\na; # y\n"), vec![vec!["a"]]);
        assert!(lex("a 1 # x\n").is_err());
        assert!(lex("a 1# x\n").is_err());
    }

    #[test]
    fn statement_must_end_on_its_line() {
        let e = lex("neighbor 1.2.3.4 {\n  hold-time 90\n}\n").unwrap_err();
        assert_eq!(e.0, 21);
        assert!(lex("a \"b\n\";").is_err());
    }

    #[test]
    fn continuation_and_escapes() {
        assert_eq!(words("vpls \\\n   endpoint 5 \\\n   base 10;\n"), vec![vec!["vpls", "endpoint", "5", "base", "10"]]);
        assert_eq!(words("a\\tb;"), vec![vec!["a", "b"]]);
        assert_eq!(words("a x\\;"), vec![vec!["a", "x"]]);
        assert_eq!(words("a x\\zy;"), vec![vec!["a", "xzy"]]);
        assert!(lex("a \\u0041;").is_err());
        assert!(lex("a b \\").is_err());
        assert!(lex("a b \\\n").is_err());
    }

    #[test]
    fn newlines_and_whitespace() {
        assert_eq!(words("a;\r\nb;\rc;\n"), vec![vec!["a"], vec!["b"], vec!["c"]]);
        assert_eq!(words("a\tb   ;   \n"), vec![vec!["a", "b"]]);
    }

    #[test]
    fn lone_quote_is_ignored() {
        assert_eq!(words("\"\na;"), vec![vec!["a"]]);
    }

    /// The plain-line fast path and the general tokeniser agree, errors
    /// included.
    #[test]
    fn plain_path_matches_general_path() {
        let lines = [
            "a b;", "a b", "a {", "}", "a b; c { d; } e;", "x[1,2]y;", "community [ 1:2 , 3:4 ];", "  a\tb  ;",
            "# c", "a # c", "a; # c", "a;# c", "a#b;", ";", "{", "a b }", "é ü;", ",;", "a\r;", "\x0bq;", "a;b",
        ];
        for line in lines {
            let run = |plain: bool| {
                let mut lexer = Lexer::new(line);
                let mut words = Vec::new();
                let mut cooked = Vec::new();
                let result = if plain {
                    lexer.tokenise_plain(line.as_bytes(), 0, &mut words)
                } else {
                    let items = line.bytes().enumerate().map(|(n, b)| (b, n, true));
                    lexer.tokenise(items, 0, &mut words, &mut cooked)
                };
                let statements: Vec<_> = lexer.ready.iter().map(|s| (s.first_word, s.n_words, s.terminator, s.terminator_pos)).collect();
                (result.map_err(|e| (e.offset, e.message)), words, statements)
            };
            assert_eq!(run(true), run(false), "{line:?}");
        }
    }

    #[test]
    fn multibyte_text() {
        assert_eq!(words("description \"héllo wörld\";"), vec![vec!["description", "héllo wörld"]]);
        assert_eq!(words("description h\\éllo;"), vec![vec!["description", "héllo"]]);
    }

    #[test]
    fn plain_word_splits_like_the_byte_loop() {
        fn reference(text: &[u8], mut at: usize, end: usize) -> Option<(usize, usize)> {
            let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | b'\r' | b'\n'));
            while at < end && blank(text.get(at)) {
                at += 1;
            }
            if at >= end {
                return None;
            }
            if matches!(text.get(at), Some(b',' | b'[' | b']')) {
                return Some((at, at + 1));
            }
            let mut stop = at + 1;
            while stop < end && !(blank(text.get(stop)) || matches!(text.get(stop), Some(b',' | b'[' | b']') | None)) {
                stop += 1;
            }
            Some((at, stop))
        }
        let text = b"  route 10.0.0.0/24 next-hop 1.2.3.4 community [65000:1,65000:2]\t med\r\n5 ;x";
        for at in 0..text.len() {
            for end in at..=text.len() {
                assert_eq!(plain_word(text, at, end), reference(text, at, end), "{at} {end}");
            }
        }
    }
}
