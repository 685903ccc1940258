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
//!
//! The work is env_logger's: [`init`] builds an `env_logger::Logger` whose
//! filter directives encode the settings (`Config::filters`), whose
//! format closure is [`format::record`] and whose target is a [`Sink`]. As
//! `log` accepts a logger only once and [`init`] runs again after dropping
//! privileges, the installed `log::Log` only forwards to the current one.
//!
//! CRITICAL and FATAL travel as `Error` records (and [`emit`]'s NOTSET as a
//! `Trace` one) whose target starts with a marker ([`MARKS`]), so env_logger
//! can filter them on their own and the format closure can name them. Topic switches are
//! env_logger directives, which match target prefixes: a target that merely
//! starts with a topic name (`routes-x`) follows that topic's switch.

pub mod format;
pub mod sink;

use std::borrow::Cow;
use std::fmt;
use std::sync::RwLock;

use log::{LevelFilter, Log};

pub use sink::Destination;

use crate::environment::Environment;
use format::Layout;
use sink::Sink;

/// Target prefixes of the severities `log` has no level for; the control
/// characters keep them apart from any real target.
pub const MARKS: [(Level, &str); 3] = [
    (Level::Fatal, "\u{1}FATAL\u{1}"),
    (Level::Critical, "\u{1}CRITICAL\u{1}"),
    (Level::NotSet, "\u{1}NOTSET\u{1}"),
];

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

    /// How a message of this severity travels through `log`: its level and
    /// the marker its target gets, if any.
    fn to_log(self) -> (log::Level, Option<&'static str>) {
        let level = match self {
            Level::Fatal | Level::Critical | Level::Error => log::Level::Error,
            Level::Warning => log::Level::Warn,
            Level::Info => log::Level::Info,
            Level::Debug => log::Level::Debug,
            Level::NotSet => log::Level::Trace,
        };
        let mark = MARKS.iter().find(|(l, _)| *l == self).map(|(_, m)| *m);
        (level, mark)
    }

    /// The `log` level and target a message of this severity is sent with.
    fn record_shape(self, target: &str) -> (log::Level, Cow<'_, str>) {
        match self.to_log() {
            (level, Some(mark)) => (level, Cow::Owned(format!("{mark}{target}"))),
            (level, None) => (level, Cow::Borrowed(target)),
        }
    }

    /// The threshold for unmarked records: the most verbose `log` level
    /// still shown under `self` (none under CRITICAL or FATAL).
    fn plain_filter(self) -> LevelFilter {
        match self {
            Level::Fatal | Level::Critical => LevelFilter::Off,
            Level::Error => LevelFilter::Error,
            Level::Warning => LevelFilter::Warn,
            Level::Info => LevelFilter::Info,
            Level::Debug => LevelFilter::Debug,
            Level::NotSet => LevelFilter::Trace,
        }
    }

    /// The threshold for records marked with this level's marker.
    fn marked_filter(self, threshold: Level) -> LevelFilter {
        if self.passes(threshold) {
            self.to_log().0.to_level_filter()
        } else {
            LevelFilter::Off
        }
    }
}

/// A record's ExaBGP severity and source (its target without any marker).
pub fn exabgp_level<'a>(record: &'a log::Record<'_>) -> (Level, &'a str) {
    let target = record.target();
    for (level, mark) in MARKS {
        if let Some(source) = target.strip_prefix(mark) {
            return (level, source);
        }
    }
    (Level::from_log(record.level()), target)
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

    /// Would a message of this severity and target be written? Asks the
    /// env_logger filter [`init`] would install.
    pub fn allows(&self, level: Level, target: &str) -> bool {
        let (log_level, target) = level.record_shape(target);
        let metadata = log::Metadata::builder()
            .level(log_level)
            .target(&target)
            .build();
        self.filter_only().enabled(&metadata)
    }

    /// The most verbose level any record may have to be written.
    #[cfg(test)]
    fn max_filter(&self) -> LevelFilter {
        self.filter_only().filter()
    }

    fn filter_only(&self) -> env_logger::Logger {
        let mut builder = env_logger::Builder::new();
        self.filters(&mut builder);
        builder.build()
    }

    /// The settings as env_logger directives (the longest matching target
    /// prefix wins): a default for plain records, one per severity marker,
    /// and `Off` for every topic switched off, marked or not.
    fn filters(&self, builder: &mut env_logger::Builder) {
        if !self.enable {
            builder.filter_level(LevelFilter::Off);
            return;
        }
        // ExaBGP's `log.silence()` keeps CRITICAL and FATAL only.
        let threshold = if self.silenced {
            self.level.min(Level::Critical)
        } else {
            self.level
        };
        builder.filter_level(threshold.plain_filter());
        for (level, mark) in MARKS {
            builder.filter(Some(mark), level.marked_filter(threshold));
        }
        for (topic, on) in TOPICS.iter().zip(self.topics) {
            if !on {
                builder.filter(Some(topic), LevelFilter::Off);
                for (_, mark) in MARKS {
                    builder.filter(Some(&format!("{mark}{topic}")), LevelFilter::Off);
                }
            }
        }
    }
}

/// The installed `log::Log`: hands records to the env_logger built by the
/// latest [`init`].
struct Forward {
    current: RwLock<Option<env_logger::Logger>>,
}

static FORWARD: Forward = Forward {
    current: RwLock::new(None),
};

impl Log for Forward {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        match self.current.read() {
            Ok(guard) => guard.as_ref().is_some_and(|l| l.enabled(metadata)),
            Err(_) => false,
        }
    }

    fn log(&self, record: &log::Record<'_>) {
        if let Ok(guard) = self.current.read() {
            if let Some(logger) = guard.as_ref() {
                logger.log(record);
            }
        }
    }

    fn flush(&self) {
        if let Ok(guard) = self.current.read() {
            if let Some(logger) = guard.as_ref() {
                logger.flush();
            }
        }
    }
}

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
    let (logger, error) = build(&config);
    let max = logger.filter();
    if let Ok(mut guard) = FORWARD.current.write() {
        *guard = Some(logger);
    }
    // Only the first call can install the forwarder; later ones swapped
    // what it forwards to.
    let _ = log::set_logger(&FORWARD);
    log::set_max_level(max);
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The env_logger for these settings, and the error opening its sink if
/// it fell back to stderr.
fn build(config: &Config) -> (env_logger::Logger, Option<String>) {
    let (sink, error) = match Sink::open(&config.destination) {
        Ok(sink) => (sink, None),
        Err(e) => (Sink::Stderr, Some(e)),
    };
    let style = format::Style {
        layout: Layout {
            short: match config.destination {
                Destination::File(_) => false,
                Destination::Syslog | Destination::Remote(_) => true,
                _ => config.short,
            },
            colour: is_tty(&config.destination),
        },
        syslog: sink.is_syslog(),
        pid: std::process::id(),
    };
    let mut builder = env_logger::Builder::new();
    config.filters(&mut builder);
    builder
        .format(move |buf, record| format::record(buf, &style, record))
        .write_style(env_logger::WriteStyle::Never)
        .target(env_logger::Target::Pipe(Box::new(sink)));
    (builder.build(), error)
}

/// Log a message at one of ExaBGP's severities (the `log` macros cover all
/// but CRITICAL and FATAL).
pub fn emit(level: Level, target: &str, args: fmt::Arguments<'_>) {
    if level.to_log().0 <= log::max_level() {
        emit_to(log::logger(), level, target, args);
    }
}

fn emit_to(logger: &dyn Log, level: Level, target: &str, args: fmt::Arguments<'_>) {
    let (log_level, target) = level.record_shape(target);
    logger.log(
        &log::Record::builder()
            .level(log_level)
            .target(&target)
            .args(args)
            .build(),
    );
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
        // env_logger directives match target prefixes
        assert!(!c.allows(Level::Info, "packets-x"));
        assert!(c.allows(Level::Info, "process"));
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

    fn udp_logger(mut c: Config) -> (env_logger::Logger, std::net::UdpSocket) {
        let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        let port = receiver.local_addr().unwrap().port();
        c.destination = Destination::Remote(format!("127.0.0.1:{port}"));
        let (logger, error) = build(&c);
        assert_eq!(error, None);
        (logger, receiver)
    }

    fn received(receiver: &std::net::UdpSocket) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = receiver.recv(&mut buf) {
            out.push(buf[..n].to_vec());
        }
        out
    }

    #[test]
    fn syslog_datagram_per_line() {
        let (logger, receiver) = udp_logger(config());
        emit_to(&logger, Level::Info, "reactor", format_args!("one\ntwo"));
        emit_to(
            &logger,
            Level::Critical,
            "welcome",
            format_args!("bad {}", 1),
        );
        emit_to(&logger, Level::Debug, "reactor", format_args!("hidden"));
        emit_to(&logger, Level::Warning, "packets", format_args!("hidden"));
        assert_eq!(
            received(&receiver),
            [
                b"<30>reactor         one\0".to_vec(),
                b"<30>reactor         two\0".to_vec(),
                b"<26>welcome         bad 1\0".to_vec(),
            ]
        );
    }

    #[test]
    fn severity_markers() {
        let mut c = config();
        c.level = Level::Critical;
        assert!(c.allows(Level::Critical, "reactor"));
        assert!(c.allows(Level::Fatal, "reactor"));
        assert!(!c.allows(Level::Error, "reactor"));
        // a switched-off topic drops even CRITICAL and FATAL
        assert!(!c.allows(Level::Critical, "packets"));
        assert!(!c.allows(Level::Fatal, "packets"));
        c.level = Level::Fatal;
        assert!(!c.allows(Level::Critical, "reactor"));
        assert!(c.allows(Level::Fatal, "reactor"));
        assert_eq!(c.max_filter(), log::LevelFilter::Error);
        c.level = Level::NotSet;
        assert!(c.allows(Level::NotSet, "welcome"));
        assert_eq!(c.max_filter(), log::LevelFilter::Trace);

        let (logger, receiver) = udp_logger(c);
        emit_to(&logger, Level::Fatal, "daemon", format_args!("f"));
        emit_to(&logger, Level::Critical, "daemon", format_args!("c"));
        emit_to(&logger, Level::NotSet, "daemon", format_args!("n"));
        // a plain record cannot pose as a marked one's source
        let record = log::Record::builder()
            .level(log::Level::Error)
            .target("daemon")
            .args(format_args!("e"))
            .build();
        assert_eq!(exabgp_level(&record), (Level::Error, "daemon"));
        assert_eq!(
            received(&receiver),
            [
                b"<26>daemon          f\0".to_vec(),
                b"<26>daemon          c\0".to_vec(),
                b"<31>daemon          n\0".to_vec(),
            ]
        );
    }

    #[test]
    fn silenced_and_disabled_send_nothing() {
        let mut c = config();
        c.silenced = true;
        let (logger, receiver) = udp_logger(c);
        emit_to(&logger, Level::Error, "configuration", format_args!("e"));
        emit_to(&logger, Level::Critical, "configuration", format_args!("c"));
        assert_eq!(received(&receiver), [b"<26>configuration   c\0".to_vec()]);

        let mut off = config();
        off.enable = false;
        off.topics = [true; 12];
        off.level = Level::NotSet;
        let (logger, receiver) = udp_logger(off);
        for level in [Level::Fatal, Level::Critical, Level::Error, Level::Debug] {
            emit_to(&logger, level, "reactor", format_args!("x"));
            emit_to(&logger, level, "welcome", format_args!("x"));
        }
        assert!(received(&receiver).is_empty());
        assert_eq!(logger.filter(), log::LevelFilter::Off);
    }
}
