//! A statement's words as a stream the route grammar reads, with one word of
//! look-ahead and errors placed at the word (or at the statement's end).
//!
//! Both configuration statements and single API command lines feed it: an
//! API line is lexed with the configuration lexer ([`lex_line`]).

use crate::config::error::ConfigError;
use crate::config::syntax::{self, Document, Node, Word};

/// The words of one statement, read left to right.
#[derive(Clone, Debug)]
pub struct RouteWords<'d> {
    doc: &'d Document,
    inner: syntax::Words<'d>,
    /// Offset of the statement's terminator, for "missing value" errors.
    end: u32,
}

impl<'d> RouteWords<'d> {
    /// The arguments of `node` (the words after its keyword).
    pub fn args(node: Node<'d>) -> RouteWords<'d> {
        RouteWords { doc: node.document(), inner: node.args(), end: node.end_offset() }
    }

    /// Every word of `node`, keyword included (API lines).
    pub fn all(node: Node<'d>) -> RouteWords<'d> {
        RouteWords { doc: node.document(), inner: node.words(), end: node.end_offset() }
    }

    pub fn document(&self) -> &'d Document {
        self.doc
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Word<'d>> {
        self.inner.next()
    }

    pub fn peek(&self) -> Option<Word<'d>> {
        self.inner.clone().next()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.len() == 0
    }

    /// Whether a word still to be read is exactly `text` (the reference
    /// looks at the whole statement to pick the NLRI type).
    pub fn contains(&self, text: &str) -> bool {
        self.inner.clone().any(|w| w.text() == text)
    }

    /// The last word still to be read.
    pub fn last(&self) -> Option<Word<'d>> {
        self.inner.clone().last()
    }

    /// The next word, or `<what>, found end of statement` at the terminator.
    pub fn expect(&mut self, what: &str) -> Result<Word<'d>, ConfigError> {
        match self.inner.next() {
            Some(w) => Ok(w),
            None => Err(self.missing(what)),
        }
    }

    /// An error at the end of the statement.
    pub fn missing(&self, what: &str) -> ConfigError {
        self.doc.error_at(self.end, format!("{}, found the end of the statement", what))
    }
}

/// Lex one API command line with the configuration lexer (quotes, escapes,
/// `[ ] ,` as words of their own). The result holds one statement; read it
/// with `RouteWords::all(doc.root().next())`. Errors carry `name`, line 1
/// and the column in `line`.
pub fn lex_line(name: &str, line: &str) -> Result<Document, ConfigError> {
    let mut text = String::with_capacity(line.len() + 1);
    // A `;` or `{` inside the line would end the statement early: keep the
    // first statement only, the rest is reported as unexpected by callers.
    text.push_str(line.trim_end());
    text.push(';');
    Document::parse(name, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_peek_and_missing() {
        let doc = lex_line("api", "announce route 10.0.0.0/24 next-hop").unwrap();
        let node = doc.root().next().unwrap();
        let mut w = RouteWords::all(node);
        assert_eq!(w.peek().unwrap().text(), "announce");
        assert!(w.contains("next-hop"));
        assert_eq!(w.last().unwrap().text(), "next-hop");
        for _ in 0..4 {
            w.next();
        }
        let e = w.expect("an IP address was expected").unwrap_err();
        assert_eq!((e.line, e.column), (1, 36));
    }
}
