//! Where log lines go: a stream, a file, the local syslog (`/dev/log`) or a
//! remote syslog over UDP.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

use super::Level;

/// The parsed `exabgp.log.destination`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    Stderr,
    Syslog,
    /// `host:<address>[:port]`, UDP, port 514 by default.
    Remote(String),
    /// `file:<path>` or any other value.
    File(PathBuf),
}

impl Destination {
    pub fn parse(text: &str) -> Destination {
        match text {
            "stdout" => Destination::Stdout,
            "stderr" => Destination::Stderr,
            "syslog" => Destination::Syslog,
            _ => {
                if let Some(host) = text.strip_prefix("host:") {
                    Destination::Remote(host.to_string())
                } else {
                    Destination::File(PathBuf::from(text.strip_prefix("file:").unwrap_or(text)))
                }
            }
        }
    }

    /// ExaBGP can only fork one process per configuration file when the
    /// logs do not go to a file.
    pub fn allows_fork(&self) -> bool {
        !matches!(self, Destination::File(_))
    }
}

/// The syslog facility ExaBGP uses (`daemon`).
const FACILITY_DAEMON: u8 = 3;

/// RFC 5424 §6.2.1 severity for a level, as Python's SysLogHandler maps it.
pub fn syslog_severity(level: Level) -> u8 {
    match level {
        Level::Fatal | Level::Critical => 2,
        Level::Error => 3,
        Level::Warning => 4,
        Level::Info => 6,
        Level::Debug | Level::NotSet => 7,
    }
}

/// The `<PRI>` value of a syslog message at this level (RFC 5424 §6.2.1).
pub fn syslog_priority(level: Level) -> u16 {
    u16::from(FACILITY_DAEMON) * 8 + u16::from(syslog_severity(level))
}

/// A syslog datagram as Python's SysLogHandler sends it: `<PRI>line\0`.
pub fn syslog_datagram(level: Level, line: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() + 6);
    // Writing to a Vec cannot fail.
    let _ = frame(&mut out, true, level, line);
    if let Some(last) = out.last_mut() {
        *last = 0;
    }
    out
}

/// Write one formatted line the way a [`Sink`] expects it: `line\n`, or
/// `<PRI>line\n` for syslog sinks, which turn each such line into one
/// NUL-terminated datagram. The env_logger format closure and
/// [`Sink::write_line`] both go through here.
pub fn frame<W: Write + ?Sized>(
    out: &mut W,
    syslog: bool,
    level: Level,
    line: &str,
) -> std::io::Result<()> {
    if syslog {
        write!(out, "<{}>", syslog_priority(level))?;
    }
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")
}

/// Where the lines go; given to env_logger as its `Target::Pipe`, so it
/// receives each log record's framed lines (see [`frame`]) in one `write`.
pub enum Sink {
    Stderr,
    File(File),
    Syslog(UnixDatagram),
    Udp(UdpSocket, SocketAddr),
}

impl Sink {
    pub fn open(destination: &Destination) -> Result<Sink, String> {
        match destination {
            // ExaBGP (at the reference commit) writes its "stdout" logs to the
            // process's standard error; we do the same.
            Destination::Stdout | Destination::Stderr => Ok(Sink::Stderr),
            Destination::File(path) => OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map(Sink::File)
                .map_err(|e| format!("can not open log file {}: {e}", path.display())),
            Destination::Syslog => {
                let socket = UnixDatagram::unbound().map_err(|e| format!("syslog: {e}"))?;
                socket
                    .connect("/dev/log")
                    .map_err(|e| format!("syslog /dev/log: {e}"))?;
                Ok(Sink::Syslog(socket))
            }
            Destination::Remote(host) => {
                let target = remote_address(host)
                    .ok_or_else(|| format!("syslog host {host} is not valid"))?;
                let bind: SocketAddr = if target.is_ipv4() {
                    SocketAddr::from(([0, 0, 0, 0], 0))
                } else {
                    SocketAddr::from(([0u16; 8], 0))
                };
                let socket =
                    UdpSocket::bind(bind).map_err(|e| format!("syslog host {host}: {e}"))?;
                Ok(Sink::Udp(socket, target))
            }
        }
    }

    /// Whether lines for this sink are plain text lines (stream/file) or
    /// syslog datagrams.
    pub fn is_syslog(&self) -> bool {
        matches!(self, Sink::Syslog(_) | Sink::Udp(..))
    }

    /// Write one formatted line. Errors are dropped: logging must never
    /// stop the daemon.
    pub fn write_line(&mut self, level: Level, line: &str) {
        let mut buf = Vec::with_capacity(line.len() + 6);
        let _ = frame(&mut buf, self.is_syslog(), level, line);
        let _ = self.write_all(&buf);
    }

    /// One datagram per `\n`-terminated line, the newline replaced by the
    /// NUL Python's SysLogHandler appends. A failed send only loses its own
    /// line.
    fn send_lines(&self, buf: &[u8]) {
        let mut datagram = Vec::new();
        for line in buf.split_inclusive(|b| *b == b'\n') {
            datagram.clear();
            datagram.extend_from_slice(line.strip_suffix(b"\n").unwrap_or(line));
            datagram.push(0);
            match self {
                Sink::Syslog(socket) => {
                    let _ = socket.send(&datagram);
                }
                Sink::Udp(socket, target) => {
                    let _ = socket.send_to(&datagram, *target);
                }
                Sink::Stderr | Sink::File(_) => {}
            }
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stderr => {
                // Whole records under one lock, so lines are never interleaved.
                let mut err = std::io::stderr().lock();
                err.write_all(buf)?;
                err.flush()?;
                Ok(buf.len())
            }
            Sink::File(file) => file.write(buf),
            Sink::Syslog(_) | Sink::Udp(..) => {
                self.send_lines(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            Sink::Stderr | Sink::Syslog(_) | Sink::Udp(..) => Ok(()),
        }
    }
}

/// `addr`, `addr:port`, `[v6]:port` or a name; port 514 when not given.
pub fn remote_address(host: &str) -> Option<SocketAddr> {
    if let Ok(addr) = host.parse::<SocketAddr>() {
        return Some(addr);
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Some(SocketAddr::new(ip, 514));
    }
    let with_port = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:514")
    };
    with_port.to_socket_addrs().ok()?.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        assert_eq!(Destination::parse("stdout"), Destination::Stdout);
        assert_eq!(Destination::parse("stderr"), Destination::Stderr);
        assert_eq!(Destination::parse("syslog"), Destination::Syslog);
        assert_eq!(
            Destination::parse("host:127.0.0.1"),
            Destination::Remote("127.0.0.1".into())
        );
        assert_eq!(
            Destination::parse("file:/tmp/x"),
            Destination::File("/tmp/x".into())
        );
        assert_eq!(
            Destination::parse("/var/log/exabgp.log"),
            Destination::File("/var/log/exabgp.log".into())
        );
        assert!(Destination::Syslog.allows_fork());
        assert!(!Destination::File("x".into()).allows_fork());
    }

    #[test]
    fn remote_addresses() {
        assert_eq!(
            remote_address("127.0.0.1"),
            Some("127.0.0.1:514".parse().unwrap())
        );
        assert_eq!(
            remote_address("127.0.0.1:1514"),
            Some("127.0.0.1:1514".parse().unwrap())
        );
        assert_eq!(remote_address("::1"), Some("[::1]:514".parse().unwrap()));
        assert_eq!(
            remote_address("[::1]:10514"),
            Some("[::1]:10514".parse().unwrap())
        );
    }

    #[test]
    fn datagram_format() {
        // daemon (3) * 8 + info (6)
        assert_eq!(
            syslog_datagram(Level::Info, "reactor         hi"),
            b"<30>reactor         hi\0".to_vec()
        );
        assert_eq!(syslog_datagram(Level::Critical, "x"), b"<26>x\0".to_vec());
        assert_eq!(syslog_datagram(Level::Debug, "x"), b"<31>x\0".to_vec());
    }

    #[test]
    fn udp_sink_sends_to_loopback() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver
            .set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .unwrap();
        let port = receiver.local_addr().unwrap().port();
        let mut sink = Sink::open(&Destination::Remote(format!("127.0.0.1:{port}"))).unwrap();
        assert!(sink.is_syslog());
        sink.write_line(Level::Warning, "network         hello");
        let mut buf = [0u8; 128];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"<28>network         hello\0");
    }

    #[test]
    fn file_sink_appends() {
        let path = std::env::temp_dir().join(format!("exabgp-log-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut sink = Sink::open(&Destination::File(path.clone())).unwrap();
        sink.write_line(Level::Info, "one");
        sink.write_line(Level::Info, "two");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
        let _ = std::fs::remove_file(&path);
    }
}
