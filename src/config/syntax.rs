//! The generic syntax tree: sections (`name args… { … }`) and statements
//! (`keyword args… ;`), every node and word with its position.
//!
//! Nesting follows ExaBGP's `dispatch` loop (spec §1.3–1.4):
//! * the end of the file closes every open section silently;
//! * a `}` with no open section ends the parse, and the rest of the file is
//!   ignored (the reference still reads one more statement ahead, so a
//!   lexing error in that statement is reported);
//! * words written before a `}` (`foo }`) are ignored;
//! * a file with no statement at all is an error.
//!
//! Storage is flat (one vector of nodes, one of words) so that a file with a
//! million routes costs a few dozen bytes per route; `Node` and `Word` are
//! borrowed views, [`Section`] an owned handle (an `Arc` and an index).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::error::{shown, ConfigError};
use super::lexer::{plain_word, Lexer, RawWord, Terminator, COOKED};

const NONE: u32 = u32::MAX;

/// How [`Document::set_line`] reads each byte of a simple line: part of a
/// word, a blank, a word of its own (`,` `[` `]`), or something only the
/// lexer handles (quotes, escapes, terminators, comments, line ends).
const WORD: u8 = 0;
const BLANK: u8 = 1;
const SINGLE: u8 = 2;
const BAIL: u8 = 3;
const SIMPLE_CLASS: [u8; 256] = {
    let mut t = [WORD; 256];
    t[b' ' as usize] = BLANK;
    t[b'\t' as usize] = BLANK;
    t[b',' as usize] = SINGLE;
    t[b'[' as usize] = SINGLE;
    t[b']' as usize] = SINGLE;
    let bail = [b'\\', b'"', b'\'', b';', b'{', b'}', b'#', b'\r', b'\n'];
    let mut i = 0;
    while i < bail.len() {
        t[bail[i] as usize] = BAIL;
        i += 1;
    }
    t
};

/// A 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Copy, Debug)]
struct RawNode {
    /// Index of the first word in `Document::words`, or with `plain` the
    /// text offset of the first word (the words are found again in the
    /// text: a million-route file then keeps no word table).
    first_word: u32,
    n_words: u32,
    /// Offset of the terminator (`;` or `{`).
    end: u32,
    /// Offset of the closing `}`, `NONE` if closed by the end of the file.
    close: u32,
    first_child: u32,
    next_sibling: u32,
    section: bool,
    plain: bool,
}

/// One parsed configuration file.
#[derive(Debug)]
pub struct Document {
    name: String,
    text: String,
    words: Vec<RawWord>,
    cooked: Vec<Box<str>>,
    nodes: Vec<RawNode>,
    first_root: u32,
    /// Offset of the extra top-level `}` that ended the parse, if any.
    truncated_at: Option<u32>,
    /// Start offset of each line, built when a position before the last
    /// one asked for is wanted (error reports).
    line_starts: OnceLock<Vec<u32>>,
    /// The last line start found by a forward scan: `line << 32 | offset`.
    /// Loading asks for positions in file order (one per neighbor), so each
    /// asks only for the text since the previous one.
    forward: AtomicU64,
}

impl Document {
    /// Tokenise and build the tree of `text`; `name` is used in errors.
    pub fn parse(name: &str, text: String) -> Result<Document, ConfigError> {
        if text.len() >= (COOKED - 1) as usize {
            return Err(ConfigError::new(name, 1, 1, "a configuration smaller than 2GB was expected, found a larger file"));
        }
        let mut doc = Document {
            name: name.to_string(),
            text: String::new(),
            words: Vec::new(),
            cooked: Vec::new(),
            nodes: Vec::new(),
            first_root: NONE,
            truncated_at: None,
            line_starts: OnceLock::new(),
            forward: AtomicU64::new(1 << 32),
        };
        let result = Document::build(&text, &mut doc);
        doc.text = text;
        match result {
            Ok(()) => Ok(doc),
            Err((offset, message)) => Err(doc.error_at(offset, message)),
        }
    }

    /// An empty document to be filled by [`Document::set_line`] again and
    /// again (API command lines): its buffers are kept between lines.
    pub fn line_buffer(name: &str) -> Document {
        Document {
            name: name.to_string(),
            text: String::new(),
            words: Vec::new(),
            cooked: Vec::new(),
            nodes: Vec::new(),
            first_root: NONE,
            truncated_at: None,
            line_starts: OnceLock::new(),
            forward: AtomicU64::new(1 << 32),
        }
    }

    /// Replace the content with one statement: `line` (right-trimmed) and
    /// a `;`, lexed as [`Document::parse`] would. A line without quotes,
    /// escapes, comments or other terminators (every usual API command) is
    /// split here directly, reusing the buffers: no allocation once they
    /// have grown.
    pub fn set_line(&mut self, line: &str) -> Result<(), ConfigError> {
        let line = line.trim_end();
        self.text.clear();
        self.text.push_str(line);
        self.text.push(';');
        self.words.clear();
        self.cooked.clear();
        self.nodes.clear();
        self.first_root = NONE;
        self.truncated_at = None;
        if self.line_starts.get().is_some() {
            self.line_starts = OnceLock::new();
        }
        self.forward.store(1 << 32, Ordering::Relaxed);
        let bytes = line.as_bytes();
        if self.text.len() < (COOKED - 1) as usize && self.split_simple(bytes) {
            self.nodes.push(RawNode {
                first_word: 0,
                n_words: self.words.len() as u32,
                end: bytes.len() as u32,
                close: NONE,
                first_child: NONE,
                next_sibling: NONE,
                section: false,
                plain: false,
            });
            self.first_root = 0;
            return Ok(());
        }
        self.words.clear();
        if self.text.len() >= (COOKED - 1) as usize {
            return Err(ConfigError::new(&self.name, 1, 1, "a configuration smaller than 2GB was expected, found a larger file"));
        }
        let text = std::mem::take(&mut self.text);
        let result = Document::build(&text, self);
        self.text = text;
        result.map_err(|(offset, message)| self.error_at(offset, message))
    }

    /// The words of a line without quotes, escapes, comments or
    /// terminators, by the lexer's plain-line rules (blanks separate words,
    /// `,` `[` `]` are words of their own); `false` (words left partial)
    /// when the line has something else, or no word.
    fn split_simple(&mut self, bytes: &[u8]) -> bool {
        let mut start: Option<usize> = None;
        for (n, &b) in bytes.iter().enumerate() {
            match SIMPLE_CLASS.get(usize::from(b)).copied().unwrap_or(BAIL) {
                WORD => {
                    if start.is_none() {
                        start = Some(n);
                    }
                }
                BLANK => {
                    if let Some(from) = start.take() {
                        self.words.push(RawWord { pos: from as u32, len: (n - from) as u32 });
                    }
                }
                SINGLE => {
                    if let Some(from) = start.take() {
                        self.words.push(RawWord { pos: from as u32, len: (n - from) as u32 });
                    }
                    self.words.push(RawWord { pos: n as u32, len: 1 });
                }
                _ => return false,
            }
        }
        if let Some(from) = start {
            self.words.push(RawWord { pos: from as u32, len: (bytes.len() - from) as u32 });
        }
        !self.words.is_empty()
    }

    fn build(text: &str, doc: &mut Document) -> Result<(), (u32, String)> {
        let mut lexer = Lexer::new(text);
        // (section node, last child) for each open section.
        let mut stack: Vec<(u32, u32)> = Vec::new();
        let mut root_last = NONE;
        let mut seen_any = false;
        loop {
            let statement = lexer
                .next_statement(&mut doc.words, &mut doc.cooked)
                .map_err(|e| (e.offset, e.message))?;
            let Some(statement) = statement else {
                if !seen_any {
                    return Err((0, "a configuration statement was expected, found an empty file".to_string()));
                }
                return Ok(());
            };
            seen_any = true;
            match statement.terminator {
                Terminator::Close => {
                    // Words before `}` are ignored by the reference.
                    if statement.n_words > 0 {
                        log::warn!(target: "configuration", "{}: words before '}}' are ignored", doc.name);
                    }
                    match stack.pop() {
                        Some((node, _)) => {
                            if let Some(n) = doc.nodes.get_mut(node as usize) {
                                n.close = statement.terminator_pos;
                            }
                        }
                        None => {
                            doc.truncated_at = Some(statement.terminator_pos);
                            // One statement of look-ahead, as the reference's tokeniser.
                            lexer.next_statement(&mut doc.words, &mut doc.cooked).map_err(|e| (e.offset, e.message))?;
                            return Ok(());
                        }
                    }
                }
                Terminator::Semicolon | Terminator::Open => {
                    let index = doc.nodes.len() as u32;
                    let mut first_word = statement.first_word;
                    // A plain statement whose words are the last ones stored
                    // (always, with one statement per line) gives them back.
                    let last = statement.first_word as usize + statement.n_words as usize == doc.words.len();
                    let plain = statement.plain && statement.n_words > 0 && last;
                    if plain {
                        first_word = doc.words.get(statement.first_word as usize).map(|w| w.pos).unwrap_or(statement.terminator_pos);
                        doc.words.truncate(statement.first_word as usize);
                    }
                    doc.nodes.push(RawNode {
                        first_word,
                        n_words: statement.n_words,
                        end: statement.terminator_pos,
                        close: NONE,
                        first_child: NONE,
                        next_sibling: NONE,
                        section: statement.terminator == Terminator::Open,
                        plain,
                    });
                    let previous = match stack.last_mut() {
                        Some((parent, last)) => {
                            let previous = *last;
                            *last = index;
                            if previous == NONE {
                                if let Some(p) = doc.nodes.get_mut(*parent as usize) {
                                    p.first_child = index;
                                }
                            }
                            previous
                        }
                        None => {
                            let previous = root_last;
                            root_last = index;
                            if previous == NONE {
                                doc.first_root = index;
                            }
                            previous
                        }
                    };
                    if previous != NONE {
                        if let Some(p) = doc.nodes.get_mut(previous as usize) {
                            p.next_sibling = index;
                        }
                    }
                    if statement.terminator == Terminator::Open {
                        stack.push((index, NONE));
                    }
                }
            }
        }
    }

    /// The file name given to [`Document::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The top-level nodes.
    pub fn root(&self) -> Children<'_> {
        Children { doc: self, next: self.first_root }
    }

    /// Where the parse stopped on an extra top-level `}`, if it did.
    pub fn truncated_at(&self) -> Option<Position> {
        self.truncated_at.map(|o| self.position(o))
    }

    /// The line and column of a byte offset. The table of line starts is
    /// built on first use, so files that load without error never pay for it.
    pub fn position(&self, offset: u32) -> Position {
        let offset = offset.min(self.text.len() as u32);
        let (line, line_start) = self.line_of(offset);
        let column = self
            .text
            .get(line_start as usize..offset as usize)
            .map(|s| s.chars().count())
            .unwrap_or(offset.saturating_sub(line_start) as usize) as u32
            + 1;
        Position { line, column }
    }

    /// The 1-based line holding `offset` and the offset where it starts.
    fn line_of(&self, offset: u32) -> (u32, u32) {
        let bytes = self.text.as_bytes();
        // A line ends at `\n`, `\r\n` or a lone `\r`.
        let is_end = |n: usize, b: u8| b == b'\n' || (b == b'\r' && bytes.get(n + 1) != Some(&b'\n'));
        let cached = self.forward.load(Ordering::Relaxed);
        let (mut line, mut start) = ((cached >> 32) as u32, cached as u32);
        if start <= offset {
            let from = start as usize;
            for (n, &b) in bytes.get(from..offset as usize).unwrap_or_default().iter().enumerate() {
                if is_end(from + n, b) {
                    line += 1;
                    start = (from + n + 1) as u32;
                }
            }
            self.forward.store(u64::from(line) << 32 | u64::from(start), Ordering::Relaxed);
            return (line, start);
        }
        let starts = self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            for (n, &b) in bytes.iter().enumerate() {
                if is_end(n, b) {
                    starts.push(n as u32 + 1);
                }
            }
            starts
        });
        let line = starts.partition_point(|&s| s <= offset).max(1);
        (line as u32, starts.get(line - 1).copied().unwrap_or(0))
    }

    /// An error at a byte offset of this document.
    pub fn error_at(&self, offset: u32, message: impl Into<String>) -> ConfigError {
        let p = self.position(offset);
        ConfigError::new(&self.name, p.line, p.column, message)
    }

    fn word(&self, raw: RawWord) -> Word<'_> {
        let text = if raw.len & COOKED != 0 {
            self.cooked.get((raw.len & !COOKED) as usize).map(|s| &**s).unwrap_or("")
        } else {
            self.text.get(raw.pos as usize..(raw.pos as usize + raw.len as usize)).unwrap_or("")
        };
        Word { doc: self, text, offset: raw.pos }
    }

    fn node(&self, index: u32) -> Option<Node<'_>> {
        self.nodes.get(index as usize).map(|raw| Node { doc: self, index, raw: *raw })
    }
}

/// A word of a statement, with its position.
#[derive(Clone, Copy, Debug)]
pub struct Word<'d> {
    doc: &'d Document,
    text: &'d str,
    offset: u32,
}

impl<'d> Word<'d> {
    pub fn text(&self) -> &'d str {
        self.text
    }

    pub fn offset(&self) -> u32 {
        self.offset
    }

    pub fn position(&self) -> Position {
        self.doc.position(self.offset)
    }

    /// `"<expected>, found "<this word>""` at this word.
    pub fn expected(&self, what: &str) -> ConfigError {
        self.doc.error_at(self.offset, format!("{}, found {}", what, shown(self.text)))
    }

    /// An error with a free message at this word.
    pub fn error(&self, message: impl Into<String>) -> ConfigError {
        self.doc.error_at(self.offset, message)
    }
}

/// A statement or a section.
#[derive(Clone, Copy, Debug)]
pub struct Node<'d> {
    doc: &'d Document,
    index: u32,
    raw: RawNode,
}

impl<'d> Node<'d> {
    pub fn document(&self) -> &'d Document {
        self.doc
    }

    pub fn is_section(&self) -> bool {
        self.raw.section
    }

    /// All the words: the keyword then the arguments.
    pub fn words(&self) -> Words<'d> {
        if self.raw.plain {
            let inner = WordsInner::Plain { at: self.raw.first_word, end: self.raw.end, left: self.raw.n_words };
            return Words { doc: self.doc, inner };
        }
        let start = self.raw.first_word as usize;
        let end = start + self.raw.n_words as usize;
        Words { doc: self.doc, inner: WordsInner::Stored(self.doc.words.get(start..end).unwrap_or_default().iter()) }
    }

    /// The first word, or an empty word at the terminator for `;` / `{` alone.
    pub fn keyword(&self) -> Word<'d> {
        self.words().next().unwrap_or(Word { doc: self.doc, text: "", offset: self.raw.end })
    }

    /// The words after the keyword.
    pub fn args(&self) -> Words<'d> {
        let mut w = self.words();
        w.next();
        w
    }

    /// The n-th argument (0 is the first word after the keyword).
    pub fn arg(&self, n: usize) -> Option<Word<'d>> {
        self.args().nth(n)
    }

    pub fn n_args(&self) -> usize {
        (self.raw.n_words as usize).saturating_sub(1)
    }

    /// Position of the keyword (or of the terminator when there is none).
    pub fn position(&self) -> Position {
        self.keyword().position()
    }

    /// Offset of the `;` or `{` ending the statement.
    pub fn end_offset(&self) -> u32 {
        self.raw.end
    }

    /// An error placed just after the last word, for "missing value" errors.
    pub fn missing(&self, what: &str) -> ConfigError {
        let found = match self.raw.section {
            true => "'{'",
            false => "';'",
        };
        self.doc.error_at(self.raw.end, format!("{}, found {}", what, found))
    }

    /// Position of the `}` that closed this section (`None` if the end of
    /// the file closed it, or for a statement).
    pub fn close_position(&self) -> Option<Position> {
        (self.raw.close != NONE).then(|| self.doc.position(self.raw.close))
    }

    /// The content of a section (nothing for a statement).
    pub fn children(&self) -> Children<'d> {
        Children { doc: self.doc, next: if self.raw.section { self.raw.first_child } else { NONE } }
    }

    pub(crate) fn index(&self) -> u32 {
        self.index
    }
}

/// Iterator over the words of a node.
#[derive(Clone, Debug)]
pub struct Words<'d> {
    doc: &'d Document,
    inner: WordsInner<'d>,
}

#[derive(Clone, Debug)]
enum WordsInner<'d> {
    Stored(std::slice::Iter<'d, RawWord>),
    /// Words found again in the text, from `at` up to the terminator.
    Plain { at: u32, end: u32, left: u32 },
}

impl<'d> Iterator for Words<'d> {
    type Item = Word<'d>;
    fn next(&mut self) -> Option<Word<'d>> {
        match &mut self.inner {
            WordsInner::Stored(raw) => raw.next().map(|r| self.doc.word(*r)),
            WordsInner::Plain { at, end, left } => {
                if *left == 0 {
                    return None;
                }
                let (start, stop) = plain_word(self.doc.text.as_bytes(), *at as usize, *end as usize)?;
                *at = stop as u32;
                *left -= 1;
                let text = self.doc.text.get(start..stop).unwrap_or("");
                Some(Word { doc: self.doc, text, offset: start as u32 })
            }
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            WordsInner::Stored(raw) => raw.size_hint(),
            WordsInner::Plain { left, .. } => (*left as usize, Some(*left as usize)),
        }
    }
}

impl ExactSizeIterator for Words<'_> {}

/// Iterator over the nodes of a section.
#[derive(Clone, Debug)]
pub struct Children<'d> {
    doc: &'d Document,
    next: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = Node<'d>;
    fn next(&mut self) -> Option<Node<'d>> {
        if self.next == NONE {
            return None;
        }
        let node = self.doc.node(self.next)?;
        self.next = node.raw.next_sibling;
        Some(node)
    }
}

/// An owned handle on a section of a shared [`Document`].
#[derive(Clone, Debug)]
pub struct Section {
    doc: Arc<Document>,
    index: u32,
}

impl Section {
    pub(crate) fn new(doc: Arc<Document>, node: &Node<'_>) -> Section {
        Section { doc, index: node.index() }
    }

    /// The section itself, to read its words and children.
    pub fn node(&self) -> Node<'_> {
        // The index comes from a node of this document, so it exists.
        self.doc.node(self.index).unwrap_or(Node {
            doc: &self.doc,
            index: self.index,
            raw: RawNode { first_word: 0, n_words: 0, end: 0, close: NONE, first_child: NONE, next_sibling: NONE, section: true, plain: false },
        })
    }

    pub fn document(&self) -> &Arc<Document> {
        &self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Document, ConfigError> {
        Document::parse("t.conf", text.to_string())
    }

    fn shape(nodes: Children<'_>) -> String {
        let mut out = String::new();
        for n in nodes {
            let words: Vec<&str> = n.words().map(|w| w.text()).collect();
            out.push_str(&words.join(" "));
            if n.is_section() {
                out.push('{');
                out.push_str(&shape(n.children()));
                out.push('}');
            } else {
                out.push(';');
            }
        }
        out
    }

    #[test]
    fn nesting() {
        let doc = parse("a 1 {\n b 2;\n c { d; }\n}\ne;\n").unwrap();
        assert_eq!(shape(doc.root()), "a 1{b 2;c{d;}}e;");
        let a = doc.root().next().unwrap();
        assert_eq!(a.position(), Position { line: 1, column: 1 });
        assert_eq!(a.close_position(), Some(Position { line: 4, column: 1 }));
        let b = a.children().next().unwrap();
        assert_eq!(b.arg(0).unwrap().position(), Position { line: 2, column: 4 });
    }

    /// Plain statements (words found again in the text) and stored ones
    /// (quotes, several statements on a line) read the same.
    #[test]
    fn plain_and_stored_words_agree() {
        let doc = parse("x 1 [a,b] ; y \"q r\" [ c ];\nz\t[d ,e]  f;\nw {\n}\n").unwrap();
        assert_eq!(shape(doc.root()), "x 1 [ a , b ];y q r [ c ];z [ d , e ] f;w{}");
        let z = doc.root().nth(2).unwrap();
        assert_eq!(z.words().len(), 7);
        assert_eq!(z.n_args(), 6);
        let f = z.args().last().unwrap();
        assert_eq!((f.text(), f.position()), ("f", Position { line: 2, column: 11 }));
        assert_eq!(z.arg(1).unwrap().text(), "d");
    }

    /// A reused line document reads every line as a fresh parse of the
    /// line and a `;` does: words, positions and errors.
    #[test]
    fn set_line_agrees_with_parse() {
        let lines = [
            "announce route 10.0.0.0/24 next-hop 1.2.3.4 community [ 65000:1 ]",
            "x[a,b]c  d\tе ",
            "route 1.0.0.0/24 as-path ( 1 2 )",
            "a \"q r\" b",
            "flow route { match { source 10.0.0.1/32; } then { discard; } }",
            "a; b",
            "say 'x",
            "bad \"quote",
            "# comment",
            "a # b",
            "   ",
            "x\\",
        ];
        let mut doc = Document::line_buffer("api");
        for line in lines.iter().chain(lines.iter()) {
            let fresh = Document::parse("api", format!("{};", line.trim_end()));
            let reused = doc.set_line(line);
            match (fresh, reused) {
                (Ok(fresh), Ok(())) => {
                    assert_eq!(shape(fresh.root()), shape(doc.root()), "{line:?}");
                    for (a, b) in fresh.root().zip(doc.root()) {
                        let pa: Vec<_> = a.words().map(|w| (w.text(), w.position())).collect();
                        let pb: Vec<_> = b.words().map(|w| (w.text(), w.position())).collect();
                        assert_eq!(pa, pb, "{line:?}");
                        assert_eq!(a.missing("m").to_string(), b.missing("m").to_string());
                    }
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{line:?}"),
                (a, b) => panic!("{line:?}: {a:?} / {b:?}"),
            }
        }
    }

    #[test]
    fn unclosed_at_eof_is_accepted() {
        let doc = parse("a {\n b {\n c;\n").unwrap();
        assert_eq!(shape(doc.root()), "a{b{c;}}");
        assert_eq!(doc.root().next().unwrap().close_position(), None);
    }

    #[test]
    fn extra_close_truncates() {
        let doc = parse("a { b; }\n}\nthis is ignored;\n").unwrap();
        assert_eq!(shape(doc.root()), "a{b;}");
        assert_eq!(doc.truncated_at(), Some(Position { line: 2, column: 1 }));
        // Look-ahead of one statement: its lexing error is reported ...
        assert!(parse("a { b; }\n}\nbad line\n").is_err());
        // ... but not beyond.
        assert!(parse("a { b; }\n}\nok;\nbad line\n").is_ok());
    }

    #[test]
    fn words_before_close_are_dropped() {
        let doc = parse("a { b 1 }\n").unwrap();
        assert_eq!(shape(doc.root()), "a{}");
    }

    #[test]
    fn empty_file_is_an_error() {
        let e = parse("").unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        assert!(parse("# only a comment\n\n").is_err());
    }

    #[test]
    fn error_position_counts_characters() {
        let e = parse("é;\n  ab \"cd\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 6));
        let e = parse("x;\r\n\r\n y z\r\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 2));
    }

    /// Positions asked for in any order (forward scan, then the table for
    /// earlier offsets) agree with a direct count.
    #[test]
    fn positions_in_any_order() {
        let text = "a;\r\nb;\rc;\n\n  dé f;\ng;\n";
        let direct = |offset: usize| {
            let before = &text[..offset];
            let line = before.replace("\r\n", "\n").replace('\r', "\n").matches('\n').count() as u32 + 1;
            let start = before.rfind(['\n', '\r']).map(|n| n + 1).unwrap_or(0);
            Position { line, column: text[start..offset].chars().count() as u32 + 1 }
        };
        let offsets: Vec<usize> = (0..text.len()).filter(|n| text.is_char_boundary(*n) && !text[*n..].starts_with('\n')).collect();
        let doc = parse(text).unwrap();
        for &o in offsets.iter().chain(offsets.iter().rev()).chain(offsets.iter()) {
            assert_eq!(doc.position(o as u32), direct(o), "offset {o}");
        }
    }

    #[test]
    fn large_input_is_fast_enough() {
        let mut text = String::from("neighbor 10.0.0.1 {\n static {\n");
        for n in 0..100_000u32 {
            text.push_str(&format!("  route 10.{}.{}.0/24 next-hop 1.2.3.4;\n", n >> 8 & 255, n & 255));
        }
        text.push_str(" }\n}\n");
        let doc = parse(&text).unwrap();
        let neighbor = doc.root().next().unwrap();
        let stat = neighbor.children().next().unwrap();
        assert_eq!(stat.children().count(), 100_000);
        // Only quoted/escaped words are copied, and plain lines keep no
        // word table (their words are found again in the text).
        assert!(doc.cooked.is_empty());
        assert!(doc.words.is_empty());
        let last = stat.children().last().unwrap();
        let words: Vec<&str> = last.words().map(|w| w.text()).collect();
        assert_eq!(words, ["route", "10.134.159.0/24", "next-hop", "1.2.3.4"]);
        assert_eq!(last.arg(0).unwrap().position(), Position { line: 100_002, column: 9 });
    }
}
