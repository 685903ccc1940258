//! `process <name> { run …; encoder …; respawn …; }` (spec §3).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use super::error::ConfigError;
use super::syntax::Node;
use super::value::{boolean, Args};
use super::LoadOptions;

/// How a helper process reads and writes API messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoder {
    Text,
    Json,
}

/// A helper process definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub name: String,
    /// The resolved program, then its arguments (quoted words are one
    /// argument; `,` `[` `]` are arguments of their own).
    pub run: Vec<String>,
    pub encoder: Encoder,
    /// Restart the process when it dies (also needs env `api.respawn`).
    pub respawn: bool,
}

/// Parse a `process` section.
pub(crate) fn parse(node: Node<'_>, config_dir: &Path, options: &LoadOptions) -> Result<Process, ConfigError> {
    let name = node.arg(0).ok_or_else(|| node.missing("a process name was expected"))?;
    let mut run = None;
    let mut encoder = None;
    let mut respawn = true;
    for item in node.children() {
        let keyword = item.keyword();
        if item.is_section() {
            return Err(keyword.expected("run, encoder or respawn was expected in process (no section)"));
        }
        let mut args = Args::new(item);
        match keyword.text() {
            "run" => run = Some(parse_run(&mut args, config_dir, options)?),
            "encoder" => {
                let w = args.value("an encoder (text or json) was expected")?;
                encoder = Some(match w.text() {
                    "text" => Encoder::Text,
                    "json" => Encoder::Json,
                    _ => return Err(w.expected("an encoder (text or json) was expected")),
                });
            }
            "respawn" => respawn = boolean(&mut args, true)?,
            _ => return Err(keyword.expected("a process keyword (run, encoder, respawn) was expected")),
        }
    }
    let missing: Vec<&str> = [("run", run.is_none()), ("encoder", encoder.is_none())]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(k, _)| *k)
        .collect();
    match (run, encoder) {
        (Some(run), Some(encoder)) => Ok(Process { name: name.text().to_string(), run, encoder, respawn }),
        _ => Err(name.error(format!("process {} is incomplete: unset {}", name.text(), missing.join(", ")))),
    }
}

fn parse_run(args: &mut Args<'_>, config_dir: &Path, options: &LoadOptions) -> Result<Vec<String>, ConfigError> {
    let program = args.value("a program to run was expected")?;
    if program.text().is_empty() {
        return Err(program.expected("a program to run was expected"));
    }
    let resolved = resolve(program.text(), config_dir, options);
    if options.check_programs {
        check_program(&resolved).map_err(|why| program.error(format!("{}: \"{}\"", why, resolved)))?;
    }
    let mut run = vec![resolved];
    run.extend(args.rest().into_iter().map(|w| w.text().to_string()));
    Ok(run)
}

/// Lexical normalisation (Python's `os.path.abspath` without the cwd part).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The candidates of spec §3; the last existing one wins, otherwise the
/// program is used as written.
pub(crate) fn resolve(program: &str, config_dir: &Path, options: &LoadOptions) -> String {
    if program.starts_with('/') {
        return program.to_string();
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if program.starts_with("etc/exabgp") {
        let rest: PathBuf = program.split('/').skip(2).collect();
        match &options.exabgp_etc {
            Some(etc) => {
                candidates.push(etc.join(rest));
                candidates.push(PathBuf::from("/etc/exabgp"));
            }
            None => {
                candidates.push(PathBuf::from("/etc/exabgp"));
                if let Some(pwd) = &options.pwd {
                    let last = pwd.file_name().and_then(|s| s.to_str()).unwrap_or("");
                    if last == "etc" || last == "sbin" {
                        if let Some(parent) = pwd.parent() {
                            candidates.push(parent.join(program));
                        }
                    }
                    if !pwd.components().any(|c| c.as_os_str() == "etc") {
                        candidates.push(pwd.join(program));
                    }
                }
            }
        }
    } else {
        candidates.push(Path::new("/etc/exabgp").join(program));
        candidates.push(config_dir.join(program));
        if let Some(path) = &options.path {
            for dir in std::env::split_paths(path) {
                candidates.push(dir.join(program));
            }
        }
    }
    let mut chosen = program.to_string();
    for candidate in candidates {
        let candidate = normalise(&candidate);
        if candidate.exists() {
            chosen = candidate.to_string_lossy().into_owned();
        }
    }
    chosen
}

/// The reference's checks: exists, not a directory, not setuid/setgid,
/// executable by us, a regular file.
fn check_program(program: &str) -> Result<(), &'static str> {
    let meta = std::fs::metadata(program).map_err(|_| "can not locate the program")?;
    if meta.is_dir() {
        return Err("can not execute directories");
    }
    let mode = meta.permissions().mode();
    if mode & 0o4000 != 0 {
        return Err("refusing to run setuid programs");
    }
    if mode & 0o2000 != 0 {
        return Err("refusing to run setgid programs");
    }
    // SAFETY: getuid/getgid have no preconditions and cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let mut check = 0o001;
    if meta.uid() == uid {
        check |= 0o100;
    }
    if meta.gid() == gid {
        check |= 0o010;
    }
    if mode & check == 0 {
        return Err("exabgp will not be able to run this program");
    }
    if !meta.is_file() {
        return Err("program must be a regular file");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::syntax::Document;

    fn options() -> LoadOptions {
        LoadOptions { path: Some("/usr/bin:/bin".into()), ..LoadOptions::default() }
    }

    fn parse_text(text: &str) -> Result<Process, ConfigError> {
        let doc = Document::parse("t", text.to_string()).unwrap();
        parse(doc.root().next().unwrap(), Path::new("/nonexistent"), &options())
    }

    #[test]
    fn full_process() {
        let p = parse_text("process a.b { run /bin/sh -c \"echo x\" [ 1 ]; encoder json; respawn false; }").unwrap();
        assert_eq!(p.name, "a.b");
        assert_eq!(p.run, vec!["/bin/sh", "-c", "echo x", "[", "1", "]"]);
        assert_eq!(p.encoder, Encoder::Json);
        assert!(!p.respawn);
        let p = parse_text("process a { run /bin/sh; encoder text; respawn; }").unwrap();
        assert!(p.respawn);
    }

    #[test]
    fn path_lookup() {
        let p = parse_text("process a { run sh; encoder text; }").unwrap();
        assert!(p.run[0].ends_with("/sh") && p.run[0].starts_with('/'));
    }

    #[test]
    fn errors() {
        let e = parse_text("process a { run /bin/sh; }").unwrap_err();
        assert!(e.message.contains("encoder"), "{}", e);
        let e = parse_text("process a { encoder yaml; run /bin/sh; }").unwrap_err();
        assert_eq!((e.line, e.column), (1, 21));
        assert!(parse_text("process a { run /nonexistent/prog; encoder text; }").is_err());
        assert!(parse_text("process a { run /tmp; encoder text; }").is_err());
        assert!(parse_text("process a { run; encoder text; }").is_err());
        assert!(parse_text("process a { exec /bin/sh; encoder text; }").is_err());
    }

    #[test]
    fn resolution_order() {
        let dir = std::env::temp_dir().join(format!("exabgp-resolve-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("run")).unwrap();
        std::fs::write(dir.join("run/x.run"), "").unwrap();
        assert_eq!(resolve("./run/x.run", &dir, &options()), dir.join("run/x.run").to_string_lossy());
        assert_eq!(resolve("./run/missing", &dir, &options()), "./run/missing");
        let o = LoadOptions { exabgp_etc: Some(dir.clone()), ..options() };
        assert_eq!(resolve("etc/exabgp/run/x.run", Path::new("/"), &o), dir.join("run/x.run").to_string_lossy());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
