//! Where ExaBGP looks for its files: ROOT, `<ROOT>/etc/exabgp`, the ini file
//! and configuration file names (ExaBGP's `environment/base.py` and
//! `getconf`).

use std::path::{Path, PathBuf};

pub const APPLICATION: &str = "exabgp";

/// Python's `os.path.normpath`: a purely lexical clean-up (no symlinks are
/// followed): `.` and empty components go, `..` removes the previous
/// component, a leading `//` is kept as POSIX requires.
pub fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let initial = if path.starts_with("//") && !path.starts_with("///") {
        "//"
    } else if path.starts_with('/') {
        "/"
    } else {
        ""
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if initial.is_empty() {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = format!("{initial}{}", parts.join("/"));
    if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// Python's `os.path.abspath`: joined to the current directory, normalised.
pub fn abspath(path: &str, cwd: &str) -> String {
    if path.starts_with('/') {
        normpath(path)
    } else {
        normpath(&format!("{cwd}/{path}"))
    }
}

/// Python's `os.path.join(a, b)` for two parts.
fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_string()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// Python's `os.path.dirname`.
fn dirname(path: &str) -> &str {
    let end = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    let head = &path[..end];
    if head.bytes().any(|b| b != b'/') {
        head.trim_end_matches('/')
    } else {
        head
    }
}

/// ROOT from `$EXABGP_ROOT` or the directory of the program (`argv0`, already
/// made a path: see [`program_path`]): a final `/bin` or `/sbin` is dropped,
/// and anything from `src/exabgp/application` on.
pub fn find_root(exabgp_root: Option<&str>, program: &str, cwd: &str) -> String {
    let mut root = match exabgp_root {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => dirname(program).to_string(),
    };
    root = normpath(&abspath(&root, cwd));
    if root.ends_with("/bin") || root.ends_with("/sbin") {
        root = normpath(&join(&root, ".."));
    }
    if let Some(index) = root.find("src/exabgp/application") {
        root.truncate(index);
    }
    if root.ends_with('/') && root.len() > 1 {
        root.pop();
    }
    root
}

/// The program's path as a Python script would see it in `sys.argv[0]`: when
/// the shell found it through `$PATH` (no `/` in argv[0]) the kernel hands a
/// script its full path, so look it up the same way.
pub fn program_path(argv0: &str, path_var: Option<&str>) -> String {
    if argv0.contains('/') {
        return argv0.to_string();
    }
    if let Some(path_var) = path_var {
        for dir in path_var.split(':') {
            let dir = if dir.is_empty() { "." } else { dir };
            let candidate = join(dir, argv0);
            if Path::new(&candidate).is_file() {
                return candidate;
            }
        }
    }
    argv0.to_string()
}

/// The locations derived from ROOT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locations {
    pub root: PathBuf,
    /// `<ROOT>/etc/exabgp`
    pub etc: PathBuf,
    /// `<ROOT>/etc/exabgp/exabgp.env`
    pub env_file: PathBuf,
}

impl Locations {
    pub fn new(root: &str) -> Locations {
        let etc = join(&join(root, "etc"), APPLICATION);
        let env_file = join(&etc, &format!("{APPLICATION}.env"));
        Locations {
            root: PathBuf::from(root),
            etc: PathBuf::from(etc),
            env_file: PathBuf::from(env_file),
        }
    }

    /// From the running process (environment, argv[0], current directory).
    pub fn from_process() -> Locations {
        let argv0 = std::env::args_os()
            .next()
            .map(|a| a.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path_var = std::env::var("PATH").ok();
        let program = program_path(&argv0, path_var.as_deref());
        let exabgp_root = std::env::var("EXABGP_ROOT").ok();
        Locations::new(&find_root(exabgp_root.as_deref(), &program, &current_dir()))
    }

    /// ExaBGP's `getconf`: a name starting with `etc/exabgp` is taken inside
    /// `<ROOT>/etc/exabgp`, anything else is normalised; the result is made
    /// absolute and must be an existing file (symlinks are followed for the
    /// test but the returned name is not resolved, so that atomic symlink
    /// swaps keep working). `None` when it is not a file.
    pub fn getconf(&self, name: &str) -> Option<PathBuf> {
        let normalised = match name.strip_prefix("etc/exabgp") {
            // ExaBGP skips 11 characters, i.e. `etc/exabgp` and the separator.
            Some(rest) => {
                let rest = rest.get(1..).unwrap_or("");
                join(&self.etc.to_string_lossy(), rest)
            }
            None => normpath(name),
        };
        let absolute = abspath(&normalised, &current_dir());
        if Path::new(&absolute).is_file() {
            Some(PathBuf::from(absolute))
        } else {
            None
        }
    }
}

fn current_dir() -> String {
    std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normpath_like_python() {
        assert_eq!(normpath("a/./b//c/"), "a/b/c");
        assert_eq!(normpath("/a/../../b"), "/b");
        assert_eq!(normpath("../a/.."), "..");
        assert_eq!(normpath(""), ".");
        assert_eq!(normpath("//a"), "//a");
        assert_eq!(normpath("///a"), "/a");
        assert_eq!(abspath("x/../y.conf", "/tmp"), "/tmp/y.conf");
    }

    #[test]
    fn root_rules() {
        assert_eq!(
            find_root(Some("/opt/exa/"), "/usr/bin/exabgp", "/"),
            "/opt/exa"
        );
        assert_eq!(find_root(None, "/usr/sbin/exabgp", "/"), "/usr");
        assert_eq!(find_root(None, "/usr/local/bin/exabgp", "/"), "/usr/local");
        assert_eq!(
            find_root(None, "target/debug/exabgp", "/repo"),
            "/repo/target/debug"
        );
        assert_eq!(find_root(Some(""), "./sbin/exabgp", "/repo"), "/repo");
        assert_eq!(
            find_root(None, "/repo/src/exabgp/application/main.py", "/"),
            "/repo"
        );
        assert_eq!(find_root(None, "exabgp", "/here"), "/here");
        assert_eq!(find_root(None, "/exabgp", "/here"), "/");
    }

    #[test]
    fn locations() {
        let l = Locations::new("/usr");
        assert_eq!(l.etc, PathBuf::from("/usr/etc/exabgp"));
        assert_eq!(l.env_file, PathBuf::from("/usr/etc/exabgp/exabgp.env"));
        let l = Locations::new("/");
        assert_eq!(l.env_file, PathBuf::from("/etc/exabgp/exabgp.env"));
    }

    #[test]
    fn getconf_resolves_etc_exabgp_inside_root() {
        let dir = std::env::temp_dir().join(format!("exabgp-getconf-{}", std::process::id()));
        let etc = dir.join("etc/exabgp");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(etc.join("x.conf"), "").unwrap();
        let l = Locations::new(&dir.to_string_lossy());
        assert_eq!(l.getconf("etc/exabgp/x.conf"), Some(etc.join("x.conf")));
        assert_eq!(l.getconf("etc/exabgp/missing.conf"), None);
        let abs = etc.join("x.conf");
        let abs = abs.to_string_lossy();
        assert_eq!(l.getconf(&abs), Some(PathBuf::from(&*abs)));
        // a directory is not a configuration file
        assert_eq!(l.getconf(&etc.to_string_lossy()), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn program_path_searches_path() {
        assert_eq!(program_path("./x", None), "./x");
        assert_eq!(
            program_path("sh", Some("/nonexistent:/bin:/usr/bin")),
            "/bin/sh"
        );
        assert_eq!(
            program_path("no-such-program-x", Some("/bin")),
            "no-such-program-x"
        );
    }
}
