//! Logging configured from `exabgp.log.*`, behind the `log` facade.
//!
//! Code logs with `log::info!(target: "reactor", ...)` etc.; the target is
//! ExaBGP's log "source". Twelve targets are topics that `exabgp.log.<topic>`
//! (or `exabgp.log.all`) switches on and off: [`TOPICS`]. Any other target
//! (a peer's name, `welcome`, a module path) is always logged when its level
//! passes. `exabgp.log.enable=false` writes nothing at all.
//!
//! ExaBGP has one more severity than `log`: use [`critical!`](crate::critical)
//! for CRITICAL. `log::Level::Trace` is treated as DEBUG.

pub mod format;
pub mod sink;

use std::fmt;
use std::sync::Mutex;

pub use sink::Destination;

use crate::environment::Environment;
use format::Layout;
use sink::Sink;

/// ExaBGP's (Python `logging`) levels, most severe first. As a threshold a
/// level lets through itself and everything more severe; NOTSET lets
/// everything through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Fatal,
    Critical,
    Error,
    Warning,
    Info,
    Debug,
    NotSet,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Fatal => "FATAL",
            Level::Critical => "CRITICAL",
            Level::Error => "ERROR",
            Level::Warning => "WARNING",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::NotSet => "NOTSET",
        }
    }

    /// Exact (upper-case) names only.
    pub fn from_name(name: &str) -> Option<Level> {
        Some(match name {
            "FATAL" => Level::Fatal,
            "CRITICAL" => Level::Critical,
            "ERROR" => Level::Error,
            "WARNING" => Level::Warning,
            "INFO" => Level::Info,
            "DEBUG" => Level::Debug,
            "NOTSET" => Level::NotSet,
            _ => return None,
        })
    }

    /// Is a message of severity `self` shown under `threshold`?
    pub fn passes(self, threshold: Level) -> bool {
        self <= threshold
    }

    fn from_log(level: log::Level) -> Level {
        match level {
            log::Level::Error => Level::Error,
            log::Level::Warn => Level::Warning,
            log::Level::Info => Level::Info,
            log::Level::Debug | log::Level::Trace => Level::Debug,
        }
    }

    fn to_filter(self) -> log::LevelFilter {
        match self {
            Level::Fatal | Level::Critical | Level::Error => log::LevelFilter::Error,
            Level::Warning => log::LevelFilter::Warn,
            Level::Info => log::LevelFilter::Info,
            Level::Debug => log::LevelFilter::Debug,
            Level::NotSet => log::LevelFilter::Trace,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Log targets switched by `exabgp.log.<name>`.
pub const TOPICS: [&str; 12] = [
    "configuration",
    "reactor",
    "daemon",
    "processes",
    "network",
    "statistics",
    "packets",
    "rib",
    "message",
    "timers",
    "routes",
    "parser",
];

/// Everything the logger needs, taken from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub enable: bool,
    pub level: Level,
    pub destination: Destination,
    pub short: bool,
    /// Per topic, in [`TOPICS`] order (already OR-ed with `log.all`).
    pub topics: [bool; 12],
    /// Only CRITICAL and FATAL get through (ExaBGP's `log.silence()`, used by
    /// `decode` without `-d`).
    pub silenced: bool,
}

impl Config {
    pub fn from_env(env: &Environment) -> Config {
        let l = &env.log;
        let switches = [
            l.configuration,
            l.reactor,
            l.daemon,
            l.processes,
            l.network,
            l.statistics,
            l.packets,
            l.rib,
            l.message,
            l.timers,
            l.routes,
            l.parser,
        ];
        Config {
            enable: l.enable,
            level: l.level,
            destination: Destination::parse(&l.destination),
            short: l.short,
            topics: switches.map(|on| l.all || on),
            silenced: false,
        }
    }

    /// Would a message of this severity and target be written?
    pub fn allows(&self, level: Level, target: &str) -> bool {
        if !self.enable || !level.passes(self.level) {
            return false;
        }
        if self.silenced && level > Level::Critical {
            return false;
        }
        match TOPICS.iter().position(|t| *t == target) {
            Some(i) => self.topics.get(i).copied().unwrap_or(true),
            None => true,
        }
    }

    fn max_filter(&self) -> log::LevelFilter {
        if !self.enable || self.silenced {
            log::LevelFilter::Off
        } else {
            self.level.to_filter()
        }
    }
}

struct State {
    config: Config,
    layout: Layout,
    sink: Sink,
    pid: u32,
}

struct Logger {
    state: Mutex<Option<State>>,
}

static LOGGER: Logger = Logger {
    state: Mutex::new(None),
};

fn is_tty(destination: &Destination) -> bool {
    // ExaBGP decides on colour by looking at the stream named by the
    // destination, even though it writes to stderr.
    let fd = match destination {
        Destination::Stdout => 1,
        Destination::Stderr => 2,
        _ => return false,
    };
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// Install (or re-install, e.g. after dropping privileges) the logger.
/// On error (file, syslog socket) the logger falls back to stderr and the
/// error is returned so the caller can report it.
pub fn init(config: Config) -> Result<(), String> {
    let (sink, error) = match Sink::open(&config.destination) {
        Ok(sink) => (sink, None),
        Err(e) => (Sink::Stderr, Some(e)),
    };
    let layout = Layout {
        short: match config.destination {
            Destination::File(_) => false,
            Destination::Syslog | Destination::Remote(_) => true,
            _ => config.short,
        },
        colour: is_tty(&config.destination),
    };
    let max = config.max_filter();
    let state = State {
        config,
        layout,
        sink,
        pid: std::process::id(),
    };
    if let Ok(mut guard) = LOGGER.state.lock() {
        *guard = Some(state);
    }
    // Only the first call can install the logger; later ones replaced the state.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(max);
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Log a message at one of ExaBGP's severities (the `log` macros cover all
/// but CRITICAL and FATAL).
pub fn emit(level: Level, target: &str, args: fmt::Arguments<'_>) {
    if let Ok(mut guard) = LOGGER.state.lock() {
        if let Some(state) = guard.as_mut() {
            write(state, level, target, args);
        }
    }
}

fn write(state: &mut State, level: Level, target: &str, args: fmt::Arguments<'_>) {
    if !state.config.allows(level, target) {
        return;
    }
    let message = args.to_string();
    let clock = if state.layout.short {
        String::new()
    } else {
        format::clock()
    };
    // One output line per message line, as ExaBGP does.
    for line in message.split('\n') {
        let text = format::line(state.layout, level, target, line, &clock, state.pid);
        state.sink.write_line(level, &text);
    }
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        match self.state.lock() {
            Ok(guard) => guard.as_ref().is_some_and(|s| {
                s.config
                    .allows(Level::from_log(metadata.level()), metadata.target())
            }),
            Err(_) => false,
        }
    }

    fn log(&self, record: &log::Record<'_>) {
        if let Ok(mut guard) = self.state.lock() {
            if let Some(state) = guard.as_mut() {
                write(
                    state,
                    Level::from_log(record.level()),
                    record.target(),
                    *record.args(),
                );
            }
        }
    }

    fn flush(&self) {}
}

/// `critical!(target: "reactor", "format", args…)`: ExaBGP's CRITICAL level.
#[macro_export]
macro_rules! critical {
    (target: $target:expr, $($arg:tt)+) => {
        $crate::logger::emit($crate::logger::Level::Critical, $target, format_args!($($arg)+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::{Environment, Locations};

    fn config() -> Config {
        Config::from_env(&Environment::defaults(Locations::new("/")))
    }

    #[test]
    fn level_names_and_order() {
        for name in [
            "FATAL", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET",
        ] {
            assert_eq!(Level::from_name(name).map(Level::name), Some(name));
        }
        assert_eq!(Level::from_name("info"), None);
        assert!(Level::Error.passes(Level::Info));
        assert!(Level::Info.passes(Level::Info));
        assert!(!Level::Debug.passes(Level::Info));
        assert!(Level::Debug.passes(Level::NotSet));
        // FATAL as a threshold lets only FATAL through
        assert!(!Level::Critical.passes(Level::Fatal));
    }

    #[test]
    fn defaults_filter_topics() {
        let c = config();
        assert!(c.allows(Level::Info, "reactor"));
        assert!(c.allows(Level::Info, "configuration"));
        assert!(!c.allows(Level::Info, "packets"));
        assert!(!c.allows(Level::Info, "parser"));
        assert!(!c.allows(Level::Debug, "reactor"));
        // not a topic: always on
        assert!(c.allows(Level::Info, "welcome"));
        assert!(c.allows(Level::Warning, "peer-1"));
    }

    #[test]
    fn all_and_verbose() {
        let mut env = Environment::defaults(Locations::new("/"));
        env.log.all = true;
        env.log.level = Level::Debug;
        let c = Config::from_env(&env);
        assert!(c.allows(Level::Debug, "packets"));
        assert!(c.allows(Level::Debug, "timers"));
    }

    #[test]
    fn disabled_writes_nothing() {
        let mut env = Environment::defaults(Locations::new("/"));
        env.log.enable = false;
        env.log.all = true;
        env.log.level = Level::Debug;
        let c = Config::from_env(&env);
        for target in TOPICS.iter().chain(["welcome", "peer-1"].iter()) {
            for level in [
                Level::Fatal,
                Level::Critical,
                Level::Error,
                Level::Info,
                Level::Debug,
            ] {
                assert!(!c.allows(level, target));
            }
        }
        assert_eq!(c.max_filter(), log::LevelFilter::Off);
    }

    #[test]
    fn silenced_keeps_critical() {
        let mut c = config();
        c.silenced = true;
        assert!(c.allows(Level::Critical, "configuration"));
        assert!(!c.allows(Level::Error, "configuration"));
        assert!(!c.allows(Level::Info, "welcome"));
    }

    #[test]
    fn file_destination_gets_long_lines() {
        let path = std::env::temp_dir().join(format!("exabgp-logger-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut c = config();
        c.destination = Destination::File(path.clone());
        init(c).unwrap();
        log::info!(target: "reactor", "one\ntwo");
        log::debug!(target: "reactor", "hidden");
        log::info!(target: "packets", "hidden");
        crate::critical!(target: "configuration", "bad {}", 1);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let pid = std::process::id().to_string();
        assert!(
            lines[0].ends_with(&format!(" {pid:<6} reactor         one")),
            "{}",
            lines[0]
        );
        assert!(lines[1].ends_with("reactor         two"));
        assert!(lines[2].ends_with("configuration   bad 1"));
        let mut off = config();
        off.enable = false;
        off.destination = Destination::File(path.clone());
        init(off).unwrap();
        crate::critical!(target: "configuration", "not written");
        log::error!(target: "x", "not written");
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
        let _ = std::fs::remove_file(&path);
    }
}
