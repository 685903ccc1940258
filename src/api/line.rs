//! Splitting a helper's output into command lines, and ExaBGP's
//! normalisation of each line before dispatch (api.md §1.3).

/// What one line read from a helper is.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// `debug <text>`: only logged (warning level), not a command.
    Debug(&'a str),
    /// A command, to normalise and dispatch (possibly empty: an `error`).
    Command(&'a str),
}

/// Per-process input buffer: bytes in, complete lines out.
#[derive(Debug, Default)]
pub struct Reader {
    buffer: Vec<u8>,
}

/// The helper wrote a byte that is not ASCII: ExaBGP treats the process as
/// broken (api.md §1.3, §1.4).
#[derive(Debug, PartialEq, Eq)]
pub struct NotAscii;

impl Reader {
    pub fn new() -> Reader {
        Reader::default()
    }

    /// Add bytes read from the helper's stdout.
    pub fn push(&mut self, data: &[u8]) -> Result<(), NotAscii> {
        if !data.is_ascii() {
            return Err(NotAscii);
        }
        self.buffer.extend_from_slice(data);
        Ok(())
    }

    /// Call `f` with each complete line (right-stripped), keeping a partial
    /// last line for later.
    pub fn lines(&mut self, mut f: impl FnMut(Line<'_>)) {
        let mut start = 0;
        while let Some(pos) = self.buffer[start..].iter().position(|&b| b == b'\n') {
            let end = start + pos;
            // The buffer holds ASCII only (checked in push).
            let text = std::str::from_utf8(&self.buffer[start..end]).unwrap_or("");
            f(classify(text));
            start = end + 1;
        }
        self.buffer.drain(..start);
    }

    /// Bytes of an unterminated line.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

/// Right-strip and recognise `debug ` lines.
pub fn classify(raw: &str) -> Line<'_> {
    let line = raw.trim_end_matches(is_space);
    match line.strip_prefix("debug ") {
        Some(rest) => Line::Debug(rest),
        None => Line::Command(line),
    }
}

/// Python's `str.isspace` for ASCII.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1f')
}

/// Eight copies of `b`.
const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The high bit of every byte of `v` that is zero, and no other bit (the
/// exact form of the test: no false positives above a zero byte).
fn zero_bytes(v: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !((v & LOW7).wrapping_add(LOW7) | v | LOW7)
}

/// Eight bytes as a little-endian word (byte 0 lowest).
fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (slot, &b) in w.iter_mut().zip(chunk) {
        *slot = b;
    }
    u64::from_le_bytes(w)
}

/// The offset of the first space in `bytes`, eight bytes at a time.
pub fn find_space(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let found = zero_bytes(word(chunk) ^ splat(b' '));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&b| b == b' ').map(|n| at + n)
}

/// Where [`normalise`] has work to do in `bytes`: a tab, a bracket, a
/// parenthesis, a comma, or the first of two spaces. Single spaces between
/// ordinary characters stay inside the runs copied whole. Eight bytes are
/// tested at a time.
fn next_special(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let v = word(chunk);
        let spaces = zero_bytes(v ^ splat(b' '));
        let found = zero_bytes(v ^ splat(b'\t'))
            | zero_bytes(v ^ splat(b'['))
            | zero_bytes(v ^ splat(b']'))
            | zero_bytes(v ^ splat(b'('))
            | zero_bytes(v ^ splat(b')'))
            | zero_bytes(v ^ splat(b','))
            // A space with another right after it in the same word.
            | (spaces & (spaces >> 8));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        // A space ending this word with one starting the next.
        if spaces >> 63 != 0 && bytes.get(at + 8) == Some(&b' ') {
            return Some(at + 7);
        }
        at += 8;
    }
    let mut i = at;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\t' | b'[' | b']' | b'(' | b')' | b',' => return Some(i),
            b' ' if bytes.get(i + 1) == Some(&b' ') => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// ExaBGP's `formated()`: strip, tabs to spaces, a space after `[` and `(`
/// and before `]` and `)`, ` , ` around commas, runs of spaces collapsed.
/// `out` is cleared first so one buffer can serve every line.
pub fn normalise(raw: &str, out: &mut String) {
    out.clear();
    let line = raw.trim_matches(is_space);
    out.reserve(line.len() + 8);
    // `space`: the output ends with a space. Runs are copied whole; the
    // special bytes are ASCII, so every cut is on a character boundary.
    let mut space = false;
    let mut rest = line;
    loop {
        let at = next_special(rest.as_bytes());
        let mut run = match at {
            Some(at) => rest.get(..at).unwrap_or(""),
            None => rest,
        };
        if space {
            run = run.trim_start_matches(' ');
        }
        if !run.is_empty() {
            out.push_str(run);
            space = run.ends_with(' ');
        }
        let Some(at) = at else { break };
        let Some(&b) = rest.as_bytes().get(at) else { break };
        rest = rest.get(at + 1..).unwrap_or("");
        let (before, c, after) = match b {
            b'[' => (false, Some('['), true),
            b'(' => (false, Some('('), true),
            b']' => (true, Some(']'), false),
            b')' => (true, Some(')'), false),
            b',' => (true, Some(','), true),
            _ => (true, None, false),
        };
        if before && !space {
            out.push(' ');
            space = true;
        }
        if let Some(c) = c {
            out.push(c);
            space = false;
        }
        if after && !space {
            out.push(' ');
            space = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        let mut out = String::new();
        normalise(s, &mut out);
        out
    }

    #[test]
    fn normalisation_like_formated() {
        assert_eq!(
            n("  announce route 1.0.0.0/24  next-hop 1.1.1.1\t\tmed 2  "),
            "announce route 1.0.0.0/24 next-hop 1.1.1.1 med 2"
        );
        assert_eq!(n("community [2:1]"), "community [ 2:1 ]");
        assert_eq!(n("a [64,24,16]"), "a [ 64 , 24 , 16 ]");
        assert_eq!(
            n("neighbor 1.1.1.1 router-id 1.2.3.4, neighbor 1.1.1.1 x"),
            "neighbor 1.1.1.1 router-id 1.2.3.4 , neighbor 1.1.1.1 x"
        );
        assert_eq!(n("( l3-service x )"), "( l3-service x )");
        assert_eq!(n("aggregator (1:2.3.4.5)"), "aggregator ( 1:2.3.4.5 )");
        // Stripping happens before the replacements, as in ExaBGP.
        assert_eq!(n("x ("), "x ( ");
        assert_eq!(n("]x"), " ]x");
        assert_eq!(n(""), "");
        assert_eq!(n("   "), "");
    }

    /// ExaBGP's steps, literally.
    fn literal(line: &str) -> String {
        let mut s = line
            .trim_matches(is_space)
            .replace('\t', " ")
            .replace(']', " ]")
            .replace('[', "[ ")
            .replace(')', " )")
            .replace('(', "( ")
            .replace(',', " , ");
        while s.contains("  ") {
            s = s.replace("  ", " ");
        }
        s
    }

    #[test]
    fn agrees_with_the_literal_steps() {
        let pieces = ["a", "bc", " ", "  ", "\t", "[", "]", "(", ")", ",", "é", "1.0.0.0/24", "\r", "x y", " [ ", " ] ", "a b c"];
        let mut seed: u64 = 12345;
        for _ in 0..20_000 {
            let mut raw = String::new();
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                raw.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            assert_eq!(n(&raw), literal(&raw), "{raw:?}");
        }
    }

    /// The word-at-a-time scanners agree with a byte-by-byte search at
    /// every offset and length.
    #[test]
    fn scanners_agree_with_bytewise_search() {
        let alphabet = b"a (),[]\t x\x00\x80\xff!\x21\x1f";
        let mut seed: u64 = 99;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let bytes: Vec<u8> = (0..len).map(|i| alphabet[((seed >> (i % 50)) as usize + i * 7) % alphabet.len()]).collect();
            let space = bytes.iter().position(|&b| b == b' ');
            assert_eq!(find_space(&bytes), space, "{bytes:?}");
            let special = (0..bytes.len()).find(|&i| match bytes[i] {
                b'\t' | b'[' | b']' | b'(' | b')' | b',' => true,
                b' ' => bytes.get(i + 1) == Some(&b' '),
                _ => false,
            });
            assert_eq!(next_special(&bytes), special, "{bytes:?}");
        }
    }

    #[test]
    fn reader_splits_and_keeps_partial_lines() {
        let mut r = Reader::new();
        r.push(b"version\r\ndebug hello\nannounce ro").unwrap();
        let mut got = Vec::new();
        r.lines(|l| got.push(format!("{l:?}")));
        assert_eq!(got, vec!["Command(\"version\")", "Debug(\"hello\")"]);
        assert_eq!(r.pending(), 11);
        r.push(b"ute 1.0.0.0/24 next-hop 1.1.1.1\n").unwrap();
        got.clear();
        r.lines(|l| got.push(format!("{l:?}")));
        assert_eq!(got, vec!["Command(\"announce route 1.0.0.0/24 next-hop 1.1.1.1\")"]);
        assert_eq!(r.pending(), 0);
        assert_eq!(r.push("é".as_bytes()), Err(NotAscii));
    }
}
