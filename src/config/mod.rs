//! The ExaBGP configuration language (spec: configuration.md §1–§8, §17, §21, §22).
//!
//! Three layers:
//! * `lexer` (private) turns text into statements, with ExaBGP's quoting,
//!   comment, escape and line-continuation rules;
//! * [`syntax`] builds the generic tree of sections and statements, every
//!   word with its position, with the reference's end-of-file quirks;
//! * this module and its children build the typed model: [`Process`],
//!   [`Neighbor`] (templates merged, defaults applied, post-processing and
//!   validation of §6 done), capabilities, families, `api` bindings.
//!
//! Route-bearing sections (`static`, `announce`, `flow`, `l2vpn`) are kept
//! as syntax-tree handles in [`Neighbor::route_sections`] and converted by
//! [`route`] (stage two) at the end of [`load`], after which the handles
//! and the syntax tree (with the file's text) are dropped, so a loaded
//! configuration costs its typed values only: [`Neighbor::routes`] holds
//! typed [`route::Route`]s in the reference's order (own `static`, `l2vpn`,
//! `flow`, then own `announce`, then the templates' sections), every route
//! of a configured family (§6.11, IPv4 unicast excepted) and `next-hop self`
//! resolved (§11.2). [`route::pack_initial`] gives the UPDATEs ExaBGP sends
//! for them when a session comes up.
//!
//! Errors are [`ConfigError`] values (`file:line:column: <expected>, found
//! <what>`); the first error wins. Lexing errors anywhere in the file are
//! reported before model errors (the reference reads one statement ahead, so
//! in a file with two different errors it may name another one first).
//!
//! The API reuses the route grammar: [`route::lex_line`] lexes one command
//! line with this lexer and [`route::parse_route`] reads its words.

pub mod api;
pub mod capability;
pub mod error;
pub mod family;
mod lexer;
pub mod neighbor;
pub mod process;
mod regex;
pub mod route;
pub mod syntax;
mod value;

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use api::{Api, MessageFlags};
pub use capability::{AddPathMode, Capabilities};
pub use error::ConfigError;
pub use family::ALL_FAMILIES;
pub use lexer::Terminator;
pub use neighbor::{Neighbor, RouteSection, RouteSectionKind};
pub use process::{Encoder, Process};
pub use syntax::{Document, Node, Position, Section, Word};

use neighbor::{Context, NeighborDraft};

/// The parts of the process environment the configuration depends on.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// `$EXABGP_ETC`, for `run etc/exabgp/…` programs.
    pub exabgp_etc: Option<PathBuf>,
    /// `$PWD`, for `run etc/exabgp/…` programs.
    pub pwd: Option<PathBuf>,
    /// `$PATH`, searched for relative `run` programs.
    pub path: Option<OsString>,
    /// Environment `bgp.passive`: every neighbor counts as passive for the
    /// peer-range check.
    pub bgp_passive: bool,
    /// Check that `run` programs exist and are executable (the reference
    /// always does; tests of configurations whose scripts are absent turn
    /// it off).
    pub check_programs: bool,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions { exabgp_etc: None, pwd: None, path: None, bgp_passive: false, check_programs: true }
    }
}

impl LoadOptions {
    /// Read `EXABGP_ETC`, `PWD`, `PATH` and `exabgp.bgp.passive` /
    /// `exabgp_bgp_passive` from the process environment.
    pub fn from_env() -> LoadOptions {
        let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let passive = std::env::var("exabgp.bgp.passive")
            .or_else(|_| std::env::var("exabgp_bgp_passive"))
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "yes" | "on" | "enable" | "true"))
            .unwrap_or(false);
        LoadOptions {
            exabgp_etc: non_empty("EXABGP_ETC").map(PathBuf::from),
            pwd: non_empty("PWD").map(PathBuf::from),
            path: non_empty("PATH"),
            bgp_passive: passive,
            check_programs: true,
        }
    }
}

/// One loaded configuration file.
#[derive(Clone, Debug)]
pub struct Configuration {
    /// The file name as given.
    pub file: String,
    /// Helper processes, in definition order (names are unique).
    pub processes: Vec<Process>,
    /// Neighbors, in definition order.
    pub neighbors: Vec<Neighbor>,
}

impl Configuration {
    pub fn process(&self, name: &str) -> Option<&Process> {
        self.processes.iter().find(|p| p.name == name)
    }
}

/// Load several configuration files. As in ExaBGP, each file is a separate
/// configuration (the server runs one per file, or rotates through them on
/// reload with `debug.rotate`); the first error wins.
pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Result<Vec<Configuration>, ConfigError> {
    paths.iter().map(|p| load_file(p, options)).collect()
}

/// Load one configuration file.
pub fn load_file(path: &Path, options: &LoadOptions) -> Result<Configuration, ConfigError> {
    let name = path.to_string_lossy().into_owned();
    let real = std::fs::canonicalize(path).map_err(|e| ConfigError::new(&name, 0, 0, format!("a readable configuration file was expected, found {}", e)))?;
    if !real.is_file() {
        return Err(ConfigError::new(&name, 0, 0, "a configuration file was expected, found something else (a directory?)"));
    }
    let bytes = std::fs::read(&real).map_err(|e| ConfigError::new(&name, 0, 0, format!("a readable configuration file was expected, found {}", e)))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
            let line = prefix.matches('\n').count() as u32 + 1;
            let column = prefix.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
            return Err(ConfigError::new(&name, line, column, "UTF-8 text was expected, found invalid bytes"));
        }
    };
    let dir = real.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
    load_text(&name, text, &dir, options, false)
}

/// Load a configuration held in memory (tests, API). Relative `run`
/// programs resolve against the current directory.
pub fn load_str(name: &str, text: &str, options: &LoadOptions) -> Result<Configuration, ConfigError> {
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    load_text(name, text.to_string(), &dir, options, false)
}

/// [`load_str`] keeping [`Neighbor::route_sections`] (and so the syntax
/// tree) alive, for tests that look at the tree.
#[cfg(test)]
pub(crate) fn load_str_keeping_syntax(name: &str, text: &str, options: &LoadOptions) -> Result<Configuration, ConfigError> {
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    load_text(name, text.to_string(), &dir, options, true)
}

/// What [`validate`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validated {
    pub file: String,
    pub processes: usize,
    pub neighbors: usize,
    /// Routes configured over all neighbors.
    pub routes: usize,
}

/// Check configuration files: syntax, processes, neighbors, templates,
/// families, capabilities, `api` links and routes.
pub fn validate(paths: &[PathBuf], options: &LoadOptions) -> Result<Vec<Validated>, ConfigError> {
    let configs = load(paths, options)?;
    Ok(configs
        .iter()
        .map(|c| Validated {
            file: c.file.clone(),
            processes: c.processes.len(),
            neighbors: c.neighbors.len(),
            routes: c.neighbors.iter().map(|n| n.routes.len()).sum(),
        })
        .collect())
}

fn load_text(name: &str, text: String, config_dir: &Path, options: &LoadOptions, keep_syntax: bool) -> Result<Configuration, ConfigError> {
    let doc = Arc::new(Document::parse(name, text)?);
    let mut ctx = Context { doc: doc.clone(), api_names: Vec::new(), auto_api: 0 };
    let mut processes: Vec<Process> = Vec::new();
    let mut templates: Vec<(String, NeighborDraft)> = Vec::new();
    let mut neighbors: Vec<Neighbor> = Vec::new();
    let mut indexes: Vec<String> = Vec::new();

    for node in doc.root() {
        let keyword = node.keyword();
        if !node.is_section() {
            return Err(keyword.expected("a process, template or neighbor section was expected"));
        }
        match keyword.text() {
            "process" => {
                let process = process::parse(node, config_dir, options)?;
                if processes.iter().any(|p| p.name == process.name) {
                    let at = node.arg(0).unwrap_or(keyword);
                    return Err(at.expected("a process name not used before was expected"));
                }
                processes.push(process);
            }
            "template" => {
                for child in node.children() {
                    let key = child.keyword();
                    if !child.is_section() || key.text() != "neighbor" {
                        return Err(key.expected("a neighbor section was expected in template"));
                    }
                    let name = neighbor::template_name(child)?;
                    if templates.iter().any(|(n, _)| n == name.text()) {
                        return Err(name.expected("a template name not used before was expected"));
                    }
                    let draft = neighbor::parse_body(child, &mut ctx)?;
                    templates.push((name.text().to_string(), draft));
                }
            }
            "neighbor" => {
                let address = neighbor::header_address(node)?;
                let mut draft = neighbor::parse_body(node, &mut ctx)?;
                neighbor::set_header_address(&mut draft, address);
                // Templates defined later in the file are not known yet, as in the reference.
                let built = neighbor::finalize(draft, node, &templates, options)?;
                let index = built.index();
                if indexes.contains(&index) {
                    return Err(keyword.error(format!("a neighbor defined once was expected, found a duplicate peer definition ({})", index)));
                }
                indexes.push(index);
                neighbors.push(built);
            }
            _ => return Err(keyword.expected("a process, template or neighbor section was expected")),
        }
    }

    check_api_links(&doc, &neighbors, &processes)?;
    let mut route_ctx = route::RouteContext::default();
    for n in neighbors.iter_mut() {
        route::build_routes(n, &mut route_ctx)?;
        if !keep_syntax {
            // The routes are built: the tree (and the text) can go.
            n.route_sections = Vec::new();
        }
    }
    Ok(Configuration { file: name.to_string(), processes, neighbors })
}

/// §6.15: processes named by `api` blocks must exist; `processes` and
/// `processes-match` cannot be mixed in one neighbor; a `processes-match`
/// list must match at least one process.
fn check_api_links(doc: &Document, neighbors: &[Neighbor], processes: &[Process]) -> Result<(), ConfigError> {
    for n in neighbors {
        let with_list = n.api.iter().find(|a| !a.processes.is_empty());
        let with_match = n.api.iter().find(|a| !a.processes_match.is_empty());
        if let (Some(_), Some(m)) = (with_list, with_match) {
            return Err(doc.error_at(m.offset, format!("either processes or processes-match was expected for neighbor {}, found both", n.peer_address)));
        }
        for a in &n.api {
            for p in &a.processes {
                if !processes.iter().any(|d| &d.name == p) {
                    return Err(doc.error_at(a.offset, format!("a defined process was expected, found \"{}\" (used by neighbor {})", p, n.peer_address)));
                }
            }
        }
        let patterns: Vec<&String> = n.api.iter().flat_map(|a| a.processes_match.iter()).collect();
        if !patterns.is_empty() {
            let any = patterns.iter().any(|pat| {
                regex::Regex::new(pat).map(|re| processes.iter().any(|p| re.matches_start(&p.name))).unwrap_or(false)
            });
            if !any {
                let offset = with_match.map(|a| a.offset).unwrap_or(0);
                return Err(doc.error_at(offset, format!("a processes-match matching a defined process was expected for neighbor {}, found none", n.peer_address)));
            }
        }
    }
    Ok(())
}
