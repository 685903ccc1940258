//! ExaBGP's environment settings (`exabgp.<section>.<key>`).
//!
//! Every setting is read once at start-up, in this order of precedence: the
//! process environment `exabgp.<section>.<key>`, then `exabgp_<section>_<key>`,
//! then the ini file `<ROOT>/etc/exabgp/exabgp.env` (section
//! `[exabgp.<section>]`), then the built-in default. The values land in typed
//! fields (`env.tcp.port: u16`, `env.api.ack: bool`, …); `exabgp env` prints
//! them back in ExaBGP's exact formats.

pub mod ini;
pub mod parsing;
pub mod root;

use std::fmt;
use std::net::IpAddr;

pub use ini::{Ini, IniError};
pub use parsing::{Encoder, Expected};
pub use root::Locations;

use crate::logger::Level;

/// How a setting is read and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `1 yes on enable true` → true, anything else false; printed `true`/`false`.
    Bool,
    /// Non-negative integer, printed as is.
    Unsigned,
    /// TCP port.
    Port,
    /// Real number, printed like Python's `repr(float)`.
    Real,
    /// Unquoted string, printed quoted.
    Str,
    /// Existing user name, printed quoted.
    User,
    /// Octal, printed `'0o137'`.
    Umask,
    /// Log level name, printed upper-case without quotes.
    Level,
    /// `text` or `json`.
    Encoder,
    /// Space separated IP addresses, printed quoted.
    IpList,
}

/// A typed value of one setting.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    U32(u32),
    U16(u16),
    F64(f64),
    Str(String),
    Level(Level),
    Encoder(Encoder),
    Ips(Vec<IpAddr>),
}

/// Conversion between a field's Rust type and [`Value`].
trait Field: Sized {
    fn to_value(&self) -> Value;
    fn from_value(value: Value) -> Option<Self>;
}

macro_rules! field {
    ($ty:ty, $variant:ident) => {
        impl Field for $ty {
            fn to_value(&self) -> Value {
                Value::$variant(self.clone())
            }
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}

field!(bool, Bool);
field!(u32, U32);
field!(u16, U16);
field!(f64, F64);
field!(String, Str);
field!(Level, Level);
field!(Encoder, Encoder);
field!(Vec<IpAddr>, Ips);

/// The description of one setting.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    pub section: &'static str,
    pub key: &'static str,
    pub kind: Kind,
    /// The default as ExaBGP writes it (text, read like any other value).
    pub default: &'static str,
    pub help: &'static str,
}

/// Settings ExaBGP does not have: readable like any other, but left out of
/// `exabgp env` and the help listing, which stay byte-identical to ExaBGP's.
pub const EXTENSIONS: &[(&str, &str)] = &[("bgp", "send_hold_time")];

impl Setting {
    /// `debug` (and ExaBGP's `internal`) are readable but never printed;
    /// nor are our `EXTENSIONS`.
    pub fn hidden(&self) -> bool {
        self.section == "debug"
            || self.section == "internal"
            || EXTENSIONS.contains(&(self.section, self.key))
    }
}

/// Continuation lines of multi-line help texts are indented by 33 spaces.
macro_rules! indent33 {
    () => {
        "\n                                 "
    };
}

macro_rules! settings {
    ($(
        $(#[$smeta:meta])*
        $section:ident : $Struct:ident {
            $( $field:ident : $ty:ty = $kind:ident, $default:expr, $help:expr; )*
        }
    )*) => {
        $(
            $(#[$smeta])*
            #[derive(Clone, Debug, PartialEq)]
            pub struct $Struct {
                $( pub $field: $ty, )*
            }
        )*

        /// Every setting, in ExaBGP's definition order (the `exabgp env -e` order).
        pub const SETTINGS: &[Setting] = &[
            $( $( Setting {
                section: stringify!($section),
                key: stringify!($field),
                kind: Kind::$kind,
                default: $default,
                help: $help,
            }, )* )*
        ];

        /// All settings, typed.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Environment {
            $( pub $section: $Struct, )*
            /// ROOT and the files derived from it.
            pub locations: Locations,
        }

        impl Environment {
            /// The typed value of `section.key`.
            pub fn get(&self, section: &str, key: &str) -> Option<Value> {
                $( $(
                    if section == stringify!($section) && key == stringify!($field) {
                        return Some(self.$section.$field.to_value());
                    }
                )* )*
                None
            }

            /// Store a value; false if the key is unknown or the type does not fit.
            pub fn set(&mut self, section: &str, key: &str, value: Value) -> bool {
                $( $(
                    if section == stringify!($section) && key == stringify!($field) {
                        return match <$ty as Field>::from_value(value) {
                            Some(v) => { self.$section.$field = v; true }
                            None => false,
                        };
                    }
                )* )*
                false
            }

            /// Built-in defaults (no environment, no ini file).
            pub fn defaults(locations: Locations) -> Environment {
                Environment {
                    $( $section: $Struct {
                        $( $field: <$ty as Field>::from_value(read_default(Kind::$kind, $default))
                            .unwrap_or_else(|| unreachable_default(stringify!($section), stringify!($field))), )*
                    }, )*
                    locations,
                }
            }
        }
    };
}

fn read_default(kind: Kind, text: &str) -> Value {
    // Defaults are not validated against the system (the default user
    // `nobody` is checked when the settings are loaded, like any value).
    match kind {
        Kind::User => Value::Str(text.to_string()),
        _ => read(kind, text).unwrap_or(Value::Str(String::new())),
    }
}

#[cold]
fn unreachable_default<T>(section: &str, key: &str) -> T {
    // The table below is static; its tests check every default reads back.
    panic!("built-in default of {section}.{key} does not match its type")
}

settings! {
    profile: Profile {
        enable: bool = Bool, "false", "toggle profiling of the code";
        file: String = Str, "", "profiling result file, none means stdout, no overwriting";
    }
    pdb: Pdb {
        enable: bool = Bool, "false", "on program fault, start pdb the python interactive debugger";
    }
    daemon: Daemon {
        pid: String = Str, "", "where to save the pid if we manage it";
        user: String = User, "nobody", "user to run the program as";
        daemonize: bool = Bool, "false", "should we run in the background";
        drop: bool = Bool, "true", "drop privileges before forking processes";
        umask: u32 = Umask, "0137", "run daemon with this umask, governs perms of logfiles etc.";
    }
    log: Log {
        enable: bool = Bool, "true", "enable logging to file or syslog";
        level: Level = Level, "INFO", "log message with at least the priority SYSLOG.<level>";
        destination: String = Str, "stdout", concat!(
            "where logging should log",
            indent33!(), " syslog (or no setting) sends the data to the local syslog syslog",
            indent33!(), " host:<location> sends the data to a remote syslog server",
            indent33!(), " stdout sends the data to stdout",
            indent33!(), " stderr sends the data to stderr",
            indent33!(), " <filename> send the data to a file");
        all: bool = Bool, "false", "report debug information for everything";
        configuration: bool = Bool, "true", "report command parsing";
        reactor: bool = Bool, "true", "report signal received, command reload";
        daemon: bool = Bool, "true", "report pid change, forking, ...";
        processes: bool = Bool, "true", "report handling of forked processes";
        network: bool = Bool, "true", "report networking information (TCP/IP, network state,...)";
        statistics: bool = Bool, "true", "report packet statistics";
        packets: bool = Bool, "false", "report BGP packets sent and received";
        rib: bool = Bool, "false", "report change in locally configured routes";
        message: bool = Bool, "false", "report changes in route announcement on config reload";
        timers: bool = Bool, "false", "report keepalives timers";
        routes: bool = Bool, "false", "report received routes";
        parser: bool = Bool, "false", "report BGP message parsing details";
        short: bool = Bool, "true", "use short log format (not prepended with time,level,pid and source)";
    }
    tcp: Tcp {
        once: bool = Bool, "false", "only one tcp connection attempt per peer (for debuging scripts) - deprecated, use tcp.attempts";
        attempts: u32 = Unsigned, "0", "maximum tcp connection attempts per peer (0 for unlimited)";
        delay: u32 = Unsigned, "0", "start to announce route when the minutes in the hours is a modulo of this number";
        bind: Vec<IpAddr> = IpList, "", "Space separated list of IPs to bind on when listening (no ip to disable)";
        port: u16 = Port, "179", "port to bind on when listening";
        acl: bool = Bool, "", "(experimental please do not use) unimplemented";
    }
    bgp: Bgp {
        passive: bool = Bool, "false", "ignore the peer configuration and make all peers passive";
        openwait: u32 = Unsigned, "60", "how many seconds we wait for an open once the TCP session is established";
        send_hold_time: u32 = Unsigned, "0", "RFC 9687 send hold time in seconds (0: the greater of 480 and twice the hold time)";
    }
    cache: Cache {
        attributes: bool = Bool, "true", "cache all attributes (configuration and wire) for faster parsing";
        nexthops: bool = Bool, "true", "cache routes next-hops (deprecated: next-hops are always cached)";
    }
    api: Api {
        ack: bool = Bool, "true", "acknowledge api command(s) and report issues";
        chunk: u32 = Unsigned, "1", "maximum lines to print before yielding in show routes api";
        encoder: Encoder = Encoder, "json", "(experimental) default encoder to use with with external API (text or json)";
        compact: bool = Bool, "false", "shorter JSON encoding for IPv4/IPv6 Unicast NLRI";
        respawn: bool = Bool, "true", "should we try to respawn helper processes if they dies";
        terminate: bool = Bool, "false", "should we terminate ExaBGP if any helper process dies";
        cli: bool = Bool, "true", "should we create a named pipe for the cli";
        pipename: String = Str, "exabgp", "name to be used for the exabgp pipe";
    }
    reactor: Reactor {
        speed: f64 = Real, "1.0", concat!("reactor loop time", indent33!(), " use only if you understand the code.");
        asyncio: bool = Bool, "false", "use asyncio event loop instead of generator-based loop";
    }
    /// Internal settings: readable from the environment, never printed.
    debug: Debug {
        pdb: bool = Bool, "false", "enable python debugger on errors";
        memory: bool = Bool, "false", "command line option --memory";
        configuration: bool = Bool, "false", "undocumented option: raise when parsing configuration errors";
        selfcheck: bool = Bool, "false", "does a self check on the configuration file";
        route: String = Str, "", "decode the route using the configuration";
        defensive: bool = Bool, "false", "generate random fault in the code in purpose";
        rotate: bool = Bool, "false", "rotate configurations file on reload (signal)";
    }
}

/// Convert a text value the way ExaBGP's reader for `kind` does.
pub fn read(kind: Kind, text: &str) -> Result<Value, Expected> {
    Ok(match kind {
        Kind::Bool => Value::Bool(parsing::boolean(text)),
        Kind::Unsigned => Value::U32(parsing::unsigned(text)?),
        Kind::Port => Value::U16(parsing::port(text)?),
        Kind::Real => Value::F64(parsing::real(text)?),
        Kind::Str => Value::Str(parsing::unquote(text).to_string()),
        Kind::User => Value::Str(parsing::user(text)?),
        Kind::Umask => Value::U32(parsing::umask(text)?),
        Kind::Level => Value::Level(parsing::level(text)?),
        Kind::Encoder => Value::Encoder(parsing::encoder(text)?),
        Kind::IpList => Value::Ips(parsing::ip_list(text)?),
    })
}

/// Print a value the way ExaBGP's writer for `kind` does.
pub fn write(kind: Kind, value: &Value) -> String {
    match (kind, value) {
        (Kind::Umask, Value::U32(v)) => parsing::write_umask(*v),
        (_, Value::Bool(v)) => parsing::write_bool(*v).to_string(),
        (_, Value::U32(v)) => v.to_string(),
        (_, Value::U16(v)) => v.to_string(),
        (_, Value::F64(v)) => parsing::python_float(*v),
        (_, Value::Str(v)) => parsing::quote(v),
        (_, Value::Level(v)) => v.name().to_string(),
        (_, Value::Encoder(v)) => v.name().to_string(),
        (_, Value::Ips(v)) => parsing::write_ip_list(v),
    }
}

/// A setting that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvError {
    /// `section.key` has a value its type refuses.
    Invalid {
        section: String,
        key: String,
        value: String,
        expected: Expected,
    },
    /// The ini file exists but can not be read or parsed.
    File { path: String, reason: String },
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvError::Invalid {
                section,
                key,
                value,
                expected,
            } => {
                write!(
                    f,
                    "invalid value for {section}.{key} : {value} (expected {expected})"
                )
            }
            EnvError::File { path, reason } => {
                write!(f, "invalid environment file {path}: {reason}")
            }
        }
    }
}

/// Where values come from: a process-environment lookup and the parsed ini.
pub struct Sources<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub ini: Option<&'a Ini>,
}

impl Environment {
    /// Load every setting with ExaBGP's precedence, then apply the
    /// `tcp.connections` / `tcp.once` compatibility aliases.
    pub fn load(sources: &Sources<'_>, locations: Locations) -> Result<Environment, EnvError> {
        let mut env = Environment::defaults(locations);
        for setting in SETTINGS {
            let dotted = format!("exabgp.{}.{}", setting.section, setting.key);
            let underscored = dotted.replace('.', "_");
            let text = match (sources.var)(&dotted).or_else(|| (sources.var)(&underscored)) {
                Some(text) => text,
                None => {
                    let from_ini = match sources.ini {
                        Some(ini) => ini
                            .get(&format!("exabgp.{}", setting.section), setting.key)
                            .map_err(|e| EnvError::File {
                                path: env.locations.env_file.to_string_lossy().into_owned(),
                                reason: e.to_string(),
                            })?,
                        None => None,
                    };
                    match from_ini {
                        // ini values are always unquoted, whatever their type
                        Some(text) => parsing::unquote(&text).to_string(),
                        None => setting.default.to_string(),
                    }
                }
            };
            let value = read(setting.kind, &text).map_err(|expected| EnvError::Invalid {
                section: setting.section.into(),
                key: setting.key.into(),
                value: text.clone(),
                expected,
            })?;
            env.set(setting.section, setting.key, value);
        }

        // Compatibility aliases, from the process environment only.
        let non_empty = |name: &str| (sources.var)(name).filter(|v| !v.is_empty());
        let connections =
            non_empty("exabgp.tcp.connections").or_else(|| non_empty("exabgp_tcp_connections"));
        let once = non_empty("exabgp.tcp.once").or_else(|| non_empty("exabgp_tcp_once"));
        let attempts =
            non_empty("exabgp.tcp.attempts").or_else(|| non_empty("exabgp_tcp_attempts"));
        if let Some(text) = &connections {
            env.tcp.attempts = parsing::unsigned(text).map_err(|expected| EnvError::Invalid {
                section: "tcp".into(),
                key: "connections".into(),
                value: text.clone(),
                expected,
            })?;
        }
        if once.is_some() && attempts.is_none() && connections.is_none() {
            env.tcp.attempts = u32::from(env.tcp.once);
        }
        Ok(env)
    }

    /// Load from the running process: its environment and `<ROOT>/etc/exabgp/exabgp.env`.
    pub fn from_process() -> Result<Environment, EnvError> {
        let locations = Locations::from_process();
        let ini = match std::fs::read(&locations.env_file) {
            Ok(bytes) => {
                let path = locations.env_file.to_string_lossy().into_owned();
                let text = String::from_utf8(bytes).map_err(|_| EnvError::File {
                    path: path.clone(),
                    reason: "not valid UTF-8".into(),
                })?;
                Some(Ini::parse(&text).map_err(|e| EnvError::File {
                    path,
                    reason: e.to_string(),
                })?)
            }
            // A missing (or unreadable) file is not an error: defaults apply.
            Err(_) => None,
        };
        let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        Environment::load(
            &Sources {
                var: &var,
                ini: ini.as_ref(),
            },
            locations,
        )
    }

    fn is_default(&self, setting: &Setting) -> bool {
        self.get(setting.section, setting.key) == Some(read_default(setting.kind, setting.default))
    }

    fn line_value(&self, setting: &Setting) -> String {
        match self.get(setting.section, setting.key) {
            Some(v) => write(setting.kind, &v),
            None => String::new(),
        }
    }

    /// `exabgp env`: ini form, sections and keys sorted, hidden sections
    /// left out; with `diff`, only values that differ from the default (and
    /// only the headers of sections that have some).
    pub fn to_ini(&self, diff: bool) -> String {
        let mut sections: Vec<&str> = SETTINGS
            .iter()
            .filter(|s| !s.hidden())
            .map(|s| s.section)
            .collect();
        sections.sort_unstable();
        sections.dedup();
        let mut out = String::new();
        for section in sections {
            let mut settings: Vec<&Setting> =
                SETTINGS.iter().filter(|s| s.section == section && !s.hidden()).collect();
            settings.sort_by_key(|s| s.key);
            let mut header = true;
            for setting in settings {
                if diff && self.is_default(setting) {
                    continue;
                }
                if header {
                    out.push_str(&format!("\n[exabgp.{section}]\n"));
                    header = false;
                }
                out.push_str(&format!("{} = {}\n", setting.key, self.line_value(setting)));
            }
        }
        out
    }

    /// `exabgp env -e`: `exabgp.section.key=value` lines in definition order.
    pub fn to_env(&self, diff: bool) -> String {
        let mut out = String::new();
        for setting in SETTINGS.iter().filter(|s| !s.hidden()) {
            if diff && self.is_default(setting) {
                continue;
            }
            out.push_str(&format!(
                "exabgp.{}.{}={}\n",
                setting.section,
                setting.key,
                self.line_value(setting)
            ));
        }
        out
    }
}

/// The list of settings with their help and default, as ExaBGP prints it
/// after the main help and in `decode`'s help (one string per setting,
/// without the prefix each caller adds).
pub fn defaults_listing() -> Vec<String> {
    let mut settings: Vec<&Setting> = SETTINGS.iter().filter(|s| !s.hidden()).collect();
    settings.sort_by_key(|s| (s.section, s.key));
    settings
        .into_iter()
        .map(|s| {
            let default = match s.kind {
                Kind::Str | Kind::User | Kind::Level => parsing::quote(s.default),
                _ => s.default.to_string(),
            };
            let pad = " ".repeat(18usize.saturating_sub(s.section.len() + s.key.len()));
            format!(
                "exabgp.{}.{} {pad} {}. default ({default})",
                s.section, s.key, s.help
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)], ini: Option<&str>) -> Result<Environment, EnvError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let var = move |name: &str| map.get(name).cloned();
        let ini = ini.map(|t| Ini::parse(t).unwrap());
        Environment::load(
            &Sources {
                var: &var,
                ini: ini.as_ref(),
            },
            Locations::new("/usr"),
        )
    }

    #[test]
    fn every_default_reads_back() {
        for s in SETTINGS {
            let v = read_default(s.kind, s.default);
            let env = Environment::defaults(Locations::new("/"));
            assert_eq!(
                env.get(s.section, s.key),
                Some(v),
                "{}.{}",
                s.section,
                s.key
            );
        }
    }

    #[test]
    fn defaults() {
        let env = load(&[], None).unwrap();
        assert_eq!(env.tcp.port, 179);
        assert!(env.tcp.bind.is_empty());
        assert!(env.api.ack);
        assert_eq!(env.api.encoder, Encoder::Json);
        assert_eq!(env.log.level, Level::Info);
        assert_eq!(env.daemon.user, "nobody");
        assert_eq!(env.daemon.umask, 0o137);
        assert_eq!(env.reactor.speed, 1.0);
        assert!(!env.tcp.acl);
        assert_eq!(env.api.pipename, "exabgp");
        assert!(!env.debug.rotate);
    }

    #[test]
    fn precedence_dotted_then_underscore_then_ini_then_default() {
        let ini = "[exabgp.tcp]\nport = '1793'\nattempts = 7\n[exabgp.api]\nack = false\n";
        let env = load(
            &[("exabgp.tcp.port", "1791"), ("exabgp_tcp_port", "1792")],
            Some(ini),
        )
        .unwrap();
        assert_eq!(env.tcp.port, 1791);
        let env = load(&[("exabgp_tcp_port", "1792")], Some(ini)).unwrap();
        assert_eq!(env.tcp.port, 1792);
        let env = load(&[], Some(ini)).unwrap();
        assert_eq!(env.tcp.port, 1793);
        assert_eq!(env.tcp.attempts, 7);
        assert!(!env.api.ack);
        assert!(env.api.respawn);
        // an empty variable is a value, not an absence
        let env = load(&[("exabgp_api_ack", "")], Some(ini)).unwrap();
        assert!(!env.api.ack);
        let env = load(&[("exabgp_log_all", "")], None).unwrap();
        assert!(!env.log.all);
    }

    #[test]
    fn process_values_are_not_unquoted_except_strings() {
        let env = load(
            &[
                ("exabgp_api_ack", "'true'"),
                ("exabgp_api_pipename", " 'pipe' "),
            ],
            None,
        )
        .unwrap();
        assert!(!env.api.ack);
        assert_eq!(env.api.pipename, "pipe");
        let env = load(&[], Some("[exabgp.api]\nack = 'true'\n")).unwrap();
        assert!(env.api.ack);
    }

    #[test]
    fn typed_values() {
        let env = load(
            &[
                ("exabgp.tcp.bind", "127.0.0.1 ::1"),
                ("exabgp_log_level", "debug"),
                ("exabgp_api_encoder", "TEXT"),
                ("exabgp_reactor_speed", "2e-7"),
                ("exabgp_daemon_umask", "022"),
                ("exabgp_daemon_user", "root"),
                ("exabgp_debug_rotate", "true"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            env.tcp.bind,
            vec![
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        assert_eq!(env.log.level, Level::Debug);
        assert_eq!(env.api.encoder, Encoder::Text);
        assert_eq!(env.reactor.speed, 2e-7);
        assert_eq!(env.daemon.umask, 0o22);
        assert_eq!(env.daemon.user, "root");
        assert!(env.debug.rotate);
    }

    #[test]
    fn bad_values_name_the_key_and_type() {
        let err = load(&[("exabgp_tcp_port", "abc")], None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for tcp.port : abc (expected a port number (0-65535))"
        );
        let err = load(&[("exabgp_log_level", "verbose")], None).unwrap_err();
        assert!(matches!(err, EnvError::Invalid { ref key, .. } if key == "level"));
        let err = load(&[("exabgp_daemon_user", "no-such-user-exabgp")], None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("invalid value for daemon.user : no-such-user-exabgp"));
        let err = load(&[], Some("[exabgp.tcp]\nbind = 1.2.3\n")).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("invalid value for tcp.bind : 1.2.3"));
        let err = load(&[], Some("[exabgp.tcp]\nport =\n")).unwrap_err();
        assert!(err.to_string().starts_with("invalid value for tcp.port :"));
        let err = load(&[], Some("[exabgp.tcp]\nport = 5%\n")).unwrap_err();
        assert!(matches!(err, EnvError::File { .. }));
    }

    #[test]
    fn send_hold_time_is_read_but_never_printed() {
        let env = load(&[("exabgp_bgp_send_hold_time", "3")], None).unwrap();
        assert_eq!(env.bgp.send_hold_time, 3);
        assert_eq!(env.to_env(true), "");
        assert_eq!(env.to_ini(true), "");
        assert!(!env.to_ini(false).contains("send_hold"));
        let env = load(&[], Some("[exabgp.bgp]\nsend_hold_time = 7\n")).unwrap();
        assert_eq!(env.bgp.send_hold_time, 7);
        assert_eq!(load(&[], None).unwrap().bgp.send_hold_time, 0);
        assert!(!defaults_listing().iter().any(|l| l.contains("send_hold")));
    }

    #[test]
    fn connection_aliases() {
        let env = load(&[("exabgp_tcp_connections", "3")], None).unwrap();
        assert_eq!(env.tcp.attempts, 3);
        let env = load(
            &[
                ("exabgp.tcp.connections", "2"),
                ("exabgp_tcp_attempts", "9"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(env.tcp.attempts, 2);
        let env = load(&[("exabgp_tcp_once", "true")], None).unwrap();
        assert_eq!(env.tcp.attempts, 1);
        let env = load(
            &[("exabgp_tcp_once", "false")],
            Some("[exabgp.tcp]\nattempts = 5\n"),
        )
        .unwrap();
        assert_eq!(env.tcp.attempts, 0);
        let env = load(
            &[("exabgp_tcp_once", "true"), ("exabgp_tcp_attempts", "4")],
            None,
        )
        .unwrap();
        assert_eq!(env.tcp.attempts, 4);
        // once from the ini file does not count
        let env = load(&[], Some("[exabgp.tcp]\nonce = true\n")).unwrap();
        assert_eq!(env.tcp.attempts, 0);
        assert!(env.tcp.once);
        assert!(load(&[("exabgp_tcp_connections", "x")], None).is_err());
    }

    const DEFAULT_ENV_E: &str = "exabgp.profile.enable=false
exabgp.profile.file=''
exabgp.pdb.enable=false
exabgp.daemon.pid=''
exabgp.daemon.user='nobody'
exabgp.daemon.daemonize=false
exabgp.daemon.drop=true
exabgp.daemon.umask='0o137'
exabgp.log.enable=true
exabgp.log.level=INFO
exabgp.log.destination='stdout'
exabgp.log.all=false
exabgp.log.configuration=true
exabgp.log.reactor=true
exabgp.log.daemon=true
exabgp.log.processes=true
exabgp.log.network=true
exabgp.log.statistics=true
exabgp.log.packets=false
exabgp.log.rib=false
exabgp.log.message=false
exabgp.log.timers=false
exabgp.log.routes=false
exabgp.log.parser=false
exabgp.log.short=true
exabgp.tcp.once=false
exabgp.tcp.attempts=0
exabgp.tcp.delay=0
exabgp.tcp.bind=''
exabgp.tcp.port=179
exabgp.tcp.acl=false
exabgp.bgp.passive=false
exabgp.bgp.openwait=60
exabgp.cache.attributes=true
exabgp.cache.nexthops=true
exabgp.api.ack=true
exabgp.api.chunk=1
exabgp.api.encoder=json
exabgp.api.compact=false
exabgp.api.respawn=true
exabgp.api.terminate=false
exabgp.api.cli=true
exabgp.api.pipename='exabgp'
exabgp.reactor.speed=1.0
exabgp.reactor.asyncio=false
";

    const DEFAULT_INI: &str = "
[exabgp.api]
ack = true
chunk = 1
cli = true
compact = false
encoder = json
pipename = 'exabgp'
respawn = true
terminate = false

[exabgp.bgp]
openwait = 60
passive = false

[exabgp.cache]
attributes = true
nexthops = true

[exabgp.daemon]
daemonize = false
drop = true
pid = ''
umask = '0o137'
user = 'nobody'

[exabgp.log]
all = false
configuration = true
daemon = true
destination = 'stdout'
enable = true
level = INFO
message = false
network = true
packets = false
parser = false
processes = true
reactor = true
rib = false
routes = false
short = true
statistics = true
timers = false

[exabgp.pdb]
enable = false

[exabgp.profile]
enable = false
file = ''

[exabgp.reactor]
asyncio = false
speed = 1.0

[exabgp.tcp]
acl = false
attempts = 0
bind = ''
delay = 0
once = false
port = 179
";

    #[test]
    fn printing_defaults_matches_exabgp() {
        let env = load(&[], None).unwrap();
        assert_eq!(env.to_env(false), DEFAULT_ENV_E);
        assert_eq!(env.to_ini(false), DEFAULT_INI);
        assert_eq!(env.to_env(true), "");
        assert_eq!(env.to_ini(true), "");
    }

    #[test]
    fn printing_differences() {
        let env = load(
            &[
                ("exabgp_tcp_port", "1790"),
                ("exabgp_log_level", "debug"),
                ("exabgp_reactor_speed", "2e-7"),
                ("exabgp_daemon_umask", "022"),
                ("exabgp_api_encoder", "TEXT"),
                ("exabgp_log_destination", "'\"/tmp/x\"'"),
                ("exabgp_log_all", "YES"),
                ("exabgp_debug_rotate", "true"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            env.to_ini(true),
            "\n[exabgp.api]\nencoder = text\n\n[exabgp.daemon]\numask = '0o22'\n\n[exabgp.log]\nall = true\n\
             destination = '/tmp/x'\nlevel = DEBUG\n\n[exabgp.reactor]\nspeed = 2e-07\n\n[exabgp.tcp]\nport = 1790\n"
        );
        assert_eq!(
            env.to_env(true),
            "exabgp.daemon.umask='0o22'\nexabgp.log.level=DEBUG\nexabgp.log.destination='/tmp/x'\n\
             exabgp.log.all=true\nexabgp.tcp.port=1790\nexabgp.api.encoder=text\nexabgp.reactor.speed=2e-07\n"
        );
    }

    #[test]
    fn printed_ini_reads_back() {
        let env = load(
            &[
                ("exabgp.tcp.bind", "127.0.0.1 ::1"),
                ("exabgp_daemon_umask", "0o22"),
            ],
            None,
        )
        .unwrap();
        let again = load(&[], Some(&env.to_ini(false))).unwrap();
        assert_eq!(again, env);
    }

    #[test]
    fn defaults_listing_format() {
        let lines = defaults_listing();
        assert_eq!(
            lines[0],
            "exabgp.api.ack              acknowledge api command(s) and report issues. default (true)"
        );
        assert!(lines.contains(
            &"exabgp.api.pipename         name to be used for the exabgp pipe. default ('exabgp')"
                .to_string()
        ));
        assert!(lines.contains(&"exabgp.log.level            log message with at least the priority SYSLOG.<level>. default ('INFO')".to_string()));
        assert!(lines.contains(&"exabgp.tcp.acl              (experimental please do not use) unimplemented. default ()".to_string()));
        assert!(lines.contains(&"exabgp.daemon.umask         run daemon with this umask, governs perms of logfiles etc.. default (0137)".to_string()));
        assert!(lines.contains(
            &"exabgp.reactor.speed        reactor loop time\n                                  use only if you understand the code.. default (1.0)"
                .to_string()
        ));
        assert_eq!(
            lines.last().map(String::as_str),
            Some("exabgp.tcp.port             port to bind on when listening. default (179)")
        );
        assert_eq!(lines.len(), 45);
    }
}
