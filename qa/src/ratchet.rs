//! The ratchet: tests known to pass. A listed test that fails breaks the build; a
//! passing test that is not listed is reported so it can be added (`--update-ratchet`).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::runner::{Report, Status};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ratchet {
    /// The leading comment block, kept verbatim when the file is rewritten.
    pub header: Vec<String>,
    /// `suite/test` identifiers.
    pub tests: BTreeSet<String>,
}

/// What a run means for the ratchet.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Listed and failed or timed out: a regression.
    pub regressions: Vec<String>,
    /// Passed but not listed.
    pub new_passes: Vec<String>,
    /// Listed but skipped (environment), reported only.
    pub skipped: Vec<String>,
}

pub fn parse(text: &str) -> Ratchet {
    let mut ratchet = Ratchet::default();
    let mut in_header = true;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            if in_header {
                ratchet.header.push(line.to_string());
            }
            continue;
        }
        in_header = false;
        // allow a trailing comment after the name
        let name = trimmed.split('#').next().unwrap_or("").trim();
        if !name.is_empty() {
            ratchet.tests.insert(name.to_string());
        }
    }
    while ratchet.header.last().map(|l| l.trim().is_empty()).unwrap_or(false) {
        ratchet.header.pop();
    }
    ratchet
}

pub fn load(path: &Path) -> Result<Ratchet, String> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(parse(&text)),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

pub fn render(ratchet: &Ratchet) -> String {
    let mut out = String::new();
    for line in &ratchet.header {
        out.push_str(line);
        out.push('\n');
    }
    if !ratchet.header.is_empty() {
        out.push('\n');
    }
    for test in &ratchet.tests {
        out.push_str(test);
        out.push('\n');
    }
    out
}

pub fn judge(ratchet: &Ratchet, reports: &[Report]) -> Verdict {
    let mut verdict = Verdict::default();
    for report in reports {
        let listed = ratchet.tests.contains(&report.id);
        match &report.status {
            Status::Pass if !listed => verdict.new_passes.push(report.id.clone()),
            Status::Fail(_) | Status::Timeout(_) if listed => {
                verdict.regressions.push(report.id.clone())
            }
            Status::Skip(_) if listed => verdict.skipped.push(report.id.clone()),
            _ => {}
        }
    }
    verdict.regressions.sort();
    verdict.new_passes.sort();
    verdict.skipped.sort();
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn report(id: &str, status: Status) -> Report {
        Report { id: id.to_string(), status, kept: None, elapsed: Duration::ZERO }
    }

    #[test]
    fn parse_and_render_keep_the_header() {
        let text = "# header\n# more\n\nparsing/b\nencoding/a  # note\n\n";
        let r = parse(text);
        assert_eq!(r.header, vec!["# header", "# more"]);
        assert_eq!(r.tests.iter().cloned().collect::<Vec<_>>(), vec!["encoding/a", "parsing/b"]);
        assert_eq!(render(&r), "# header\n# more\n\nencoding/a\nparsing/b\n");
        assert_eq!(parse(&render(&r)), r);
    }

    #[test]
    fn listed_failures_are_regressions_and_new_passes_are_reported() {
        let r = parse("# x\nencoding/a\nencoding/b\nencoding/c\n");
        let reports = [
            report("encoding/a", Status::Pass),
            report("encoding/b", Status::Fail("x".into())),
            report("encoding/c", Status::Skip("no netns".into())),
            report("encoding/d", Status::Pass),
            report("encoding/e", Status::Timeout("t".into())),
        ];
        let v = judge(&r, &reports);
        assert_eq!(v.regressions, vec!["encoding/b"]);
        assert_eq!(v.new_passes, vec!["encoding/d"]);
        assert_eq!(v.skipped, vec!["encoding/c"]);
        let v = judge(&r, &[report("encoding/a", Status::Timeout("t".into()))]);
        assert_eq!(v.regressions, vec!["encoding/a"]);
    }

    #[test]
    fn shipped_ratchet_names_existing_tests() {
        let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/qa"));
        let r = load(&root.join("ratchet.txt")).unwrap();
        assert!(!r.header.is_empty());
        let known: BTreeSet<String> =
            crate::runner::discover(&root).unwrap().iter().map(|t| t.id()).collect();
        for t in &r.tests {
            assert!(known.contains(t), "{t} is not a test");
        }
    }
}
