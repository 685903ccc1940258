//! The commands helpers write (api.md §2), parsed once into typed values.
//!
//! A line is first normalised ([`crate::api::line::normalise`]), then handed
//! to the first command name that it contains the way ExaBGP looks for it
//! (§2.1: the names in reverse lexicographic order, each found as a
//! substring followed by a space, or at the end of the line after a space,
//! or as the whole line). The matching handler then reads the line as
//! ExaBGP's does, quirks included (see each variant).
//!
//! Commands carrying routes hand the words after their name to a
//! [`RouteParser`], which the configuration's route grammar implements, and
//! keep its result: the text is read once.

use std::fmt;

use crate::api::selector::{self, Selector};
use crate::bgp::iana::Family;

/// Announce or withdraw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Announce,
    Withdraw,
}

/// Which configuration grammar reads the words after the command name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    /// `announce route <text>`: a `route <text>` statement of a `static`
    /// block (api.md §2.3).
    Route,
    /// `announce ipv4 <text>`: `<safi> <nlri…>` as inside `announce { ipv4 { … } }` (§2.4).
    Ipv4,
    /// `announce ipv6 <text>`, as `Ipv4`.
    Ipv6,
    /// `announce attribute[s] <text>`: `<attributes…> nlri <prefix>…` (§2.5).
    Attributes,
    /// `announce flow <text>`: a `flow` section's content, usually
    /// `route { match { … } then { … } }` or the one-line form (§2.6).
    Flow,
    /// `announce vpls <text>`: an l2vpn `vpls` statement's content (§2.7).
    Vpls,
    /// `announce operational <text>`: `<type> afi <afi> safi <safi> …`
    /// (§2.8; the type is one of asm adm rpcq rpcp apcq apcp lpcq lpcp).
    Operational,
}

/// The hook to the configuration's route grammar. `text` is the rest of the
/// normalised line after the command name (never empty); `Err` carries the
/// reason the daemon logs before answering `error`.
pub trait RouteParser {
    type Output;
    fn parse(&mut self, kind: RouteKind, action: Action, text: &str) -> Result<Self::Output, String>;
}

/// `show adj-rib in` or `out`; also `clear adj-rib in|out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rib {
    In,
    Out,
}

/// What `show neighbor` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeighborView {
    /// `json` anywhere on the line: one JSON list of every peer.
    Json,
    Summary,
    Extensive,
    Configuration,
    /// No option: the two usage lines ([`SHOW_NEIGHBOR_USAGE`]), then `done`.
    Usage,
}

/// The routes `show adj-rib` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RibFamily {
    All,
    /// `inet`: ipv4/ipv6 unicast, multicast, labelled and VPN prefixes.
    Inet,
    Flow,
    /// `l2vpn`: VPLS and EVPN.
    L2vpn,
}

/// The two lines `show neighbor` prints without an option.
pub const SHOW_NEIGHBOR_USAGE: [&str; 2] = [
    "please specify summary, extensive or configuration",
    "you can filter by peer ip address adding it after the word neighbor",
];

/// One parsed command. `R` is the route parser's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command<R> {
    /// A line with `# ` in it: logged, answered `done`.
    Comment,
    Help,
    /// Prints `shutdown in progress`, answers `done`, stops the daemon.
    Shutdown,
    /// Prints `reload in progress`, answers `done`.
    Reload,
    /// Prints `restart in progress`, answers `done`.
    Restart,
    /// Prints `exabgp <version>`, answers `done`.
    Version,
    EnableAck,
    DisableAck,
    SilenceAck,
    /// Drops the process's queued commands; no answer at all.
    Reset,
    /// ExaBGP's test hook (a task that raises); no answer.
    Crash,
    /// Cease with this subcode to the matching established peers; `done`
    /// even when none matches. Quirk kept from ExaBGP: without a selector
    /// nothing is torn down (still `done`).
    Teardown {
        selector: Selector,
        subcode: u8,
    },
    /// `show neighbor …`. `limit`: the last word when it is not `neighbor`
    /// (an exact peer address for summary, a substring of the peer's key
    /// for extensive and configuration; ignored by json).
    ShowNeighbor {
        view: NeighborView,
        limit: Option<String>,
    },
    /// `show adj-rib in|out [extensive] [json] [inet|flow|l2vpn] [<ip>]`.
    /// Use [`ShowAdjRib::selects`] to pick the peers.
    ShowAdjRib(ShowAdjRib),
    /// Resend the adj-rib-out of the matching established peers (`error`
    /// when none matches).
    FlushAdjRibOut {
        selector: Selector,
    },
    /// Clear adj-rib-in, or withdraw the adj-rib-out, of the matching peers
    /// (all peers, not only established ones; `error` when none matches).
    ClearAdjRib {
        selector: Selector,
        rib: Rib,
    },
    /// End-of-RIB for this family to the matching established peers.
    Eor {
        selector: Selector,
        family: Family,
    },
    /// ROUTE-REFRESH to the matching established peers negotiating `family`.
    RouteRefresh {
        selector: Selector,
        family: Family,
    },
    /// Routes (or an operational message, `kind == Operational`) for the
    /// matching peers among those the process owns.
    Routes {
        selector: Selector,
        action: Action,
        kind: RouteKind,
        routes: R,
    },
    /// `announce operational <type> …` for the matching peers among those
    /// the process owns (queries and counters without their router-id).
    Operational {
        selector: Selector,
        message: crate::bgp::message::Operational,
    },
    /// `announce operational` whose word 2 is not a known type (which is
    /// the case whenever a selector is written): answered `done`, nothing
    /// sent.
    OperationalIgnored,
    /// `announce|withdraw watchdog [name]`: every configured neighbor,
    /// selectors ignored. `None`: use the process's name. Quirk kept: the
    /// name is word 2 of the whole line.
    Watchdog {
        action: Action,
        name: Option<String>,
    },
}

impl<R> Command<R> {
    /// Answered at once, before queued work (api.md §2.11); the others are
    /// answered when their queued task ends.
    pub fn is_synchronous(&self) -> bool {
        matches!(
            self,
            Command::Comment
                | Command::Help
                | Command::Shutdown
                | Command::Reload
                | Command::Restart
                | Command::Version
                | Command::EnableAck
                | Command::DisableAck
                | Command::SilenceAck
                | Command::Reset
                | Command::Teardown { .. }
                | Command::OperationalIgnored
        )
    }
}

/// `show adj-rib …` once read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowAdjRib {
    pub rib: Rib,
    /// Lines use the peer's key and `nlri + attributes` (the line ends with
    /// ` extensive`).
    pub extensive: bool,
    pub json: bool,
    pub family: RibFamily,
    /// ExaBGP's peer filter: the first word left after removing the known
    /// ones; empty for all peers.
    pub last: String,
}

impl ShowAdjRib {
    /// Whether the peer with this key is listed: every peer when the word
    /// left is empty or one of `routes extensive static flow l2vpn`,
    /// otherwise peers whose key contains `neighbor <word>` (so, as in
    /// ExaBGP, `show adj-rib out inet` lists nothing).
    pub fn selects(&self, key: &str) -> bool {
        match self.last.as_str() {
            "" | "routes" | "extensive" | "static" | "flow" | "l2vpn" => true,
            word => key.contains(&format!("neighbor {word}")),
        }
    }
}

/// Why a line is answered `error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// No command name in the line.
    Unknown,
    /// `json` was written with a command that has no JSON form (ExaBGP
    /// fails with an internal KeyError here).
    NoJson(&'static str),
    /// The words between the selector and the command are not the command.
    Unexpected { command: &'static str },
    /// A selector without a command after it.
    MissingCommand,
    /// `announce route` etc. with nothing after it.
    MissingRoute(&'static str),
    /// The route grammar refused the text.
    Route(String),
    /// An argument is wrong; the message says which.
    Argument(&'static str),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Unknown => f.write_str("command not understood"),
            CommandError::NoJson(c) => write!(f, "{c} has no json output"),
            CommandError::Unexpected { command } => {
                write!(f, "unexpected words before '{command}'")
            }
            CommandError::MissingCommand => f.write_str("no command after the neighbor selector"),
            CommandError::MissingRoute(c) => write!(f, "nothing to parse after '{c}'"),
            CommandError::Route(why) => write!(f, "could not parse the route: {why}"),
            CommandError::Argument(why) => f.write_str(why),
        }
    }
}

/// Command names in ExaBGP's dispatch order (reverse lexicographic).
const NAMES: [&str; 36] = [
    "withdraw watchdog",
    "withdraw vpls",
    "withdraw route",
    "withdraw ipv6",
    "withdraw ipv4",
    "withdraw flow",
    "withdraw attributes",
    "withdraw attribute",
    "version",
    "teardown",
    "silence-ack",
    "shutdown",
    "show neighbor",
    "show adj-rib out",
    "show adj-rib in",
    "restart",
    "reset",
    "reload",
    "help",
    "flush adj-rib out",
    "enable-ack",
    "disable-ack",
    "crash",
    "clear adj-rib",
    "announce watchdog",
    "announce vpls",
    "announce route-refresh",
    "announce route",
    "announce operational",
    "announce ipv6",
    "announce ipv4",
    "announce flow",
    "announce eor",
    "announce attributes",
    "announce attribute",
    "#",
];

/// For each name in [`NAMES`]: the length of its last word, and whether it
/// has several words. A name with several words can only end at a word of
/// the line equal to its last word (the spaces line up); a one-word name
/// only at a word at least as long.
const LAST_WORD: [(u8, bool); 36] = {
    let mut t = [(0u8, false); 36];
    let mut i = 0;
    while i < NAMES.len() {
        let b = NAMES[i].as_bytes();
        let mut n = b.len();
        while n > 0 && b[n - 1] != b' ' {
            n -= 1;
        }
        t[i] = ((b.len() - n) as u8, n > 0);
        i += 1;
    }
    t
};

/// Indices (into [`NAMES`]) of the names ending with this byte.
fn ending_with(b: u8) -> &'static [u8] {
    match b {
        b'g' => &[0, 24],
        b's' => &[1, 6, 25, 33],
        b'e' => &[2, 7, 27, 34],
        b'6' => &[3, 29],
        b'4' => &[4, 30],
        b'w' => &[5, 31],
        b'n' => &[8, 9, 11, 14],
        b'k' => &[10, 20, 21],
        b'r' => &[12, 32],
        b't' => &[13, 15, 16, 19],
        b'd' => &[17],
        b'p' => &[18],
        b'h' => &[22, 26],
        b'b' => &[23],
        b'l' => &[28],
        b'#' => &[35],
        _ => &[],
    }
}

/// The command name ExaBGP hands this normalised line to.
///
/// A name matches where it ends just before a space, or at the end of the
/// line when it starts the line or follows a space; the earliest name in
/// [`NAMES`] wins. Only the word ends are visited, not every offset.
pub fn dispatch(line: &str) -> Option<&'static str> {
    let bytes = line.as_bytes();
    let mut best = NAMES.len();
    let mut from = 0;
    while from <= bytes.len() {
        // The next word end: a space, or the end of the line.
        let end = match bytes.get(from..).and_then(crate::api::line::find_space) {
            Some(n) => from + n,
            None => bytes.len(),
        };
        let word_len = end - from;
        from = end + 1;
        let Some(head) = bytes.get(..end) else { continue };
        let Some(&last) = head.last() else { continue };
        for &idx in ending_with(last) {
            let idx = usize::from(idx);
            if idx >= best {
                break;
            }
            let Some(name) = NAMES.get(idx) else { break };
            let Some(&(last_len, several)) = LAST_WORD.get(idx) else { break };
            let fits = if several { word_len == usize::from(last_len) } else { word_len >= name.len() };
            if !fits || !head.ends_with(name.as_bytes()) {
                continue;
            }
            let start = end - name.len();
            // At the end of the line the name must be the line or follow a space.
            if end == bytes.len() && start != 0 && bytes.get(start - 1) != Some(&b' ') {
                continue;
            }
            best = idx;
            break;
        }
        if best == 0 {
            break;
        }
    }
    NAMES.get(best).copied()
}

/// Parse one normalised line.
pub fn parse<P: RouteParser>(line: &str, hook: &mut P) -> Result<Command<P::Output>, CommandError> {
    let name = dispatch(line).ok_or(CommandError::Unknown)?;
    let json = line.contains("json") && line.split(' ').any(|w| w == "json");
    if json && !matches!(name, "show neighbor" | "show adj-rib out" | "show adj-rib in") {
        return Err(CommandError::NoJson(name));
    }
    Ok(match name {
        "#" => Command::Comment,
        "help" => Command::Help,
        "shutdown" => Command::Shutdown,
        "reload" => Command::Reload,
        "restart" => Command::Restart,
        "version" => Command::Version,
        "enable-ack" => Command::EnableAck,
        "disable-ack" => Command::DisableAck,
        "silence-ack" => Command::SilenceAck,
        "reset" => Command::Reset,
        "crash" => Command::Crash,
        "teardown" => teardown(line)?,
        "show neighbor" => show_neighbor(line, json),
        "show adj-rib out" | "show adj-rib in" => Command::ShowAdjRib(show_adj_rib(line, json)?),
        "flush adj-rib out" => Command::FlushAdjRibOut { selector: selected(line)?.0 },
        "clear adj-rib" => {
            let (selector, command) = selected(line)?;
            let rib = if command.split(' ').any(|w| w == "in" || w == "adj-rib-in") { Rib::In } else { Rib::Out };
            Command::ClearAdjRib { selector, rib }
        }
        "announce eor" => {
            let (selector, command) = selected(line)?;
            let family = match arguments(command).as_slice() {
                [] => Family::IPV4_UNICAST,
                [afi, safi] => Family::from_names(afi, safi).ok_or(CommandError::Argument("unknown family for eor"))?,
                _ => return Err(CommandError::Argument("eor takes no argument or <afi> <safi>")),
            };
            Command::Eor { selector, family }
        }
        "announce route-refresh" => {
            let (selector, command) = selected(line)?;
            let family = match arguments(command).as_slice() {
                [afi, safi] => {
                    Family::from_names(afi, safi).ok_or(CommandError::Argument("unknown family for route-refresh"))?
                }
                _ => return Err(CommandError::Argument("route-refresh takes <afi> <safi>")),
            };
            Command::RouteRefresh { selector, family }
        }
        "announce operational" => operational(line)?,
        "announce watchdog" | "withdraw watchdog" => Command::Watchdog {
            action: if name.starts_with('a') { Action::Announce } else { Action::Withdraw },
            name: line.split(' ').nth(2).map(str::to_string),
        },
        _ => routes(name, line, hook)?,
    })
}

/// The selector and what follows it.
fn selected(line: &str) -> Result<(Selector, &str), CommandError> {
    selector::extract(line).map_err(|_| CommandError::MissingCommand)
}

/// Words 2.. of a command (ExaBGP's `split(' ')[2:]`), without allocating
/// for the common short forms.
fn arguments(command: &str) -> Vec<&str> {
    command.split(' ').skip(2).collect()
}

fn teardown<R>(line: &str) -> Result<Command<R>, CommandError> {
    let (selector, command) = selected(line)?;
    let Some((_, code)) = command.split_once(' ') else {
        return Err(CommandError::Argument("teardown needs a subcode"));
    };
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommandError::Argument("the teardown subcode must be a number"));
    }
    let subcode =
        code.parse::<u8>().map_err(|_| CommandError::Argument("the teardown subcode must fit in an octet"))?;
    Ok(Command::Teardown { selector, subcode })
}

fn show_neighbor<R>(line: &str, json: bool) -> Command<R> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let mut take = |word: &str| match words.iter().position(|w| *w == word) {
        Some(at) => {
            words.remove(at);
            true
        }
        None => false,
    };
    let summary = take("summary");
    let extensive = take("extensive");
    let configuration = take("configuration");
    take("json");
    take("text");
    let limit = match words.last() {
        Some(&"neighbor") | None => None,
        Some(w) => Some(w.to_string()),
    };
    let view = if json {
        NeighborView::Json
    } else if summary {
        NeighborView::Summary
    } else if extensive {
        NeighborView::Extensive
    } else if configuration {
        NeighborView::Configuration
    } else {
        NeighborView::Usage
    };
    Command::ShowNeighbor { view, limit }
}

fn show_adj_rib(line: &str, json: bool) -> Result<ShowAdjRib, CommandError> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let extensive = line.ends_with(" extensive");
    let rib = match words.get(2) {
        Some(&"in") => Rib::In,
        Some(&"out") => Rib::Out,
        _ => return Err(CommandError::Argument("show adj-rib takes in or out")),
    };
    let family = if words.contains(&"inet") {
        RibFamily::Inet
    } else if words.contains(&"flow") {
        RibFamily::Flow
    } else if words.contains(&"l2vpn") {
        RibFamily::L2vpn
    } else {
        RibFamily::All
    };
    for remove in ["json", "show", "adj-rib", "adj-rib-in", "adj-rib-out", "in", "out", "extensive"] {
        if let Some(at) = words.iter().position(|w| *w == remove) {
            words.remove(at);
        }
    }
    let last = words.first().map(|w| w.to_string()).unwrap_or_default();
    Ok(ShowAdjRib { rib, extensive, json, family, last })
}

fn operational<R>(line: &str) -> Result<Command<R>, CommandError> {
    // ExaBGP checks the type at word 2 of the whole line.
    const TYPES: [&str; 8] = ["asm", "adm", "rpcq", "rpcp", "apcq", "apcp", "lpcq", "lpcp"];
    let word = line.split_whitespace().nth(2).unwrap_or("safe").to_ascii_lowercase();
    if !TYPES.contains(&word.as_str()) {
        return Ok(Command::OperationalIgnored);
    }
    let (selector, command) = selected(line)?;
    let text = after_name(command, "announce operational")?;
    let message = crate::api::operational::parse(text).map_err(CommandError::Route)?;
    Ok(Command::Operational { selector, message })
}

fn routes<P: RouteParser>(name: &'static str, line: &str, hook: &mut P) -> Result<Command<P::Output>, CommandError> {
    let (action, kind) = match name {
        "announce route" => (Action::Announce, RouteKind::Route),
        "withdraw route" => (Action::Withdraw, RouteKind::Route),
        "announce ipv4" => (Action::Announce, RouteKind::Ipv4),
        "withdraw ipv4" => (Action::Withdraw, RouteKind::Ipv4),
        "announce ipv6" => (Action::Announce, RouteKind::Ipv6),
        "withdraw ipv6" => (Action::Withdraw, RouteKind::Ipv6),
        "announce attributes" | "announce attribute" => (Action::Announce, RouteKind::Attributes),
        "withdraw attributes" | "withdraw attribute" => (Action::Withdraw, RouteKind::Attributes),
        "announce flow" => (Action::Announce, RouteKind::Flow),
        "withdraw flow" => (Action::Withdraw, RouteKind::Flow),
        "announce vpls" => (Action::Announce, RouteKind::Vpls),
        "withdraw vpls" => (Action::Withdraw, RouteKind::Vpls),
        _ => return Err(CommandError::Unknown),
    };
    let (selector, command) = selected(line)?;
    let text = after_name(command, name)?;
    let routes = hook.parse(kind, action, text).map_err(CommandError::Route)?;
    Ok(Command::Routes { selector, action, kind, routes })
}

/// The text after `name ` at the start of `command`.
fn after_name<'a>(command: &'a str, name: &'static str) -> Result<&'a str, CommandError> {
    let rest = command.strip_prefix(name).ok_or(CommandError::Unexpected { command: name })?;
    if rest.is_empty() {
        return Err(CommandError::MissingRoute(name));
    }
    // `announce attribute` must not take `announce attributes …` apart.
    let text = rest.strip_prefix(' ').ok_or(CommandError::Unexpected { command: name })?;
    if text.is_empty() {
        return Err(CommandError::MissingRoute(name));
    }
    Ok(text)
}

/// The `help` output, one line per entry (each written with a newline),
/// followed by the `done` answer.
pub fn help_lines() -> Vec<String> {
    // (name, takes a neighbor selector, options) as ExaBGP registers them.
    const REGISTERED: [(&str, bool, &[&str]); 36] = [
        ("announce route", true, &[]),
        ("withdraw route", true, &[]),
        ("announce vpls", true, &[]),
        ("withdraw vpls", true, &[]),
        ("announce attribute", true, &[]),
        ("announce attributes", true, &[]),
        ("withdraw attribute", true, &[]),
        ("withdraw attributes", true, &[]),
        ("announce flow", true, &[]),
        ("withdraw flow", true, &[]),
        ("announce eor", true, &[]),
        ("announce route-refresh", true, &[]),
        ("announce operational", true, &[]),
        ("announce ipv4", true, &[]),
        ("withdraw ipv4", true, &[]),
        ("announce ipv6", true, &[]),
        ("withdraw ipv6", true, &[]),
        ("teardown", true, &[]),
        ("show neighbor", false, &["summary", "extensive", "configuration"]),
        ("show adj-rib out", false, &["extensive"]),
        ("show adj-rib in", false, &["extensive"]),
        ("flush adj-rib out", true, &[]),
        ("clear adj-rib", true, &[]),
        ("announce watchdog", true, &[]),
        ("withdraw watchdog", true, &[]),
        ("help", false, &[]),
        ("shutdown", false, &[]),
        ("reload", false, &[]),
        ("restart", false, &[]),
        ("version", false, &[]),
        ("#", false, &[]),
        ("reset", false, &[]),
        ("crash", true, &[]),
        ("disable-ack", false, &[]),
        ("enable-ack", false, &[]),
        ("silence-ack", false, &[]),
    ];
    let mut commands: Vec<String> = REGISTERED
        .iter()
        .map(|(name, neighbor, options)| {
            if *neighbor {
                format!("[neighbor <ip> [filters]] {name}")
            } else if options.is_empty() {
                format!("{name} ")
            } else {
                format!("{name} [ {} ] ", options.join(" | "))
            }
        })
        .collect();
    commands.sort();
    let mut lines: Vec<String> = [
        "",
        "available API commands are listed here:",
        "=======================================",
        "",
        "filter can be: [local-ip <ip>][local-as <asn>][peer-as <asn>][router-id <router-id>]",
        "",
        "command are:",
        "------------",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.extend(commands);
    lines.push(String::new());
    lines
}

#[cfg(test)]
mod tests;
