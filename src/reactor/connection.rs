//! One non-blocking BGP TCP connection: connect (with optional local bind,
//! TCP MD5 and TTL), connect-completion check, rx framing and a prioritised,
//! bounded tx queue.
//!
//! Lifecycle: `Connection::connect` (outgoing, `connected() == false` until
//! `check_connect` says so) or `Connection::accepted` (incoming). The owner
//! registers `stream_mut()` with its token, calls `read` on READABLE and
//! `flush` when bytes are queued, and drops the value to close.
//!
//! Frames are cut by the codec's `bgp::framing::split`, which checks each
//! header as soon as it is in (RFC 4271 §6.1) with ExaBGP's error texts.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr};

use bytes::{Buf, Bytes, BytesMut};
use mio::net::TcpStream;
use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::bgp::framing::{self, HEADER_LEN};
use crate::bgp::negotiated::MSG_SIZE_STANDARD;
use crate::bgp::notify::Notify;

pub use crate::bgp::framing::Frame;
/// Bytes read from the socket per `read` call before giving others a turn.
pub const READ_BUDGET: usize = 256 * 1024;
/// Default limit of queued low-priority bytes (UPDATEs) per connection.
pub const DEFAULT_TX_LIMIT: usize = 4 * 1024 * 1024;
/// At most this many buffers per vectored write.
const MAX_IOVECS: usize = 64;

/// Which way the TCP connection was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Outgoing,
    Incoming,
}

/// Queue a message goes to. KEEPALIVE, NOTIFICATION and OPEN jump ahead of
/// UPDATEs so that a large table cannot starve the hold timer of the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    Urgent,
    /// UPDATEs: refused once `tx_limit` bytes wait (back-pressure).
    Bulk,
    /// In line with the UPDATEs but never refused: ROUTE-REFRESH and
    /// OPERATIONAL from the API, whose place among the UPDATEs matters
    /// (RFC 7313 §4: BoRR, the routes, then EoRR).
    Ordered,
}

/// What to do to an outgoing socket before connecting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Bind to this address (port 0) before connecting.
    pub local: Option<IpAddr>,
    /// TCP MD5 signature key (RFC 2385), already decoded.
    pub md5: Option<Vec<u8>>,
    /// IP TTL / IPv6 unicast hops of our packets (ExaBGP `outgoing-ttl`).
    pub ttl: Option<u8>,
}

/// What a `read` saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOutcome {
    pub bytes: usize,
    /// The peer closed its side.
    pub eof: bool,
    /// The budget ran out before WouldBlock: read again next turn.
    pub more: bool,
}

#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    direction: Direction,
    peer: SocketAddr,
    connected: bool,
    rx: BytesMut,
    max_frame: usize,
    urgent: VecDeque<Bytes>,
    bulk: VecDeque<Bytes>,
    /// The rest of a message cut by a short write; it goes out before any
    /// other so that messages never interleave.
    inflight: Option<Bytes>,
    bulk_bytes: usize,
    queued_bytes: usize,
    tx_limit: usize,
}

// ===== impl Connection =====

impl Connection {
    /// Starts a non-blocking connect to `peer`. An immediate failure (bad
    /// bind address, unreachable network, MD5 unsupported) is an error; a
    /// refused connection shows up later in `check_connect`.
    pub fn connect(peer: SocketAddr, options: &ConnectOptions) -> io::Result<Connection> {
        let socket = Socket::new(Domain::for_address(peer), Type::STREAM, Some(Protocol::TCP))?;
        // ExaBGP sets both so that a restart can reuse the local address.
        let _ = socket.set_reuse_address(true);
        if let Some(key) = &options.md5 {
            set_md5(&socket, peer.ip(), key)?;
        }
        if let Some(ttl) = options.ttl {
            set_ttl(&socket, peer.ip(), ttl)?;
        }
        if let Some(local) = options.local {
            socket.bind(&SocketAddr::new(local, 0).into())?;
        }
        socket.set_nonblocking(true)?;
        match socket.connect(&peer.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream::from_std(std::net::TcpStream::from(socket));
        Ok(Connection::new(stream, Direction::Outgoing, peer, false))
    }

    /// Wraps an accepted stream (already non-blocking, from mio's listener).
    pub fn accepted(stream: TcpStream, peer: SocketAddr) -> Connection {
        // BGP messages are written whole; Nagle would only delay KEEPALIVEs.
        let _ = stream.set_nodelay(true);
        Connection::new(stream, Direction::Incoming, peer, true)
    }

    fn new(
        stream: TcpStream,
        direction: Direction,
        peer: SocketAddr,
        connected: bool,
    ) -> Connection {
        Connection {
            stream,
            direction,
            peer,
            connected,
            rx: BytesMut::with_capacity(MSG_SIZE_STANDARD),
            max_frame: MSG_SIZE_STANDARD,
            urgent: VecDeque::new(),
            bulk: VecDeque::new(),
            inflight: None,
            bulk_bytes: 0,
            queued_bytes: 0,
            tx_limit: DEFAULT_TX_LIMIT,
        }
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    pub fn connected(&self) -> bool {
        self.connected
    }

    /// For registering with mio.
    pub fn stream_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// RFC 8654: raise the frame limit once extended messages are agreed.
    pub fn set_max_frame(&mut self, size: usize) {
        self.max_frame = size.max(HEADER_LEN);
    }

    pub fn set_tx_limit(&mut self, limit: usize) {
        self.tx_limit = limit;
    }

    /// After a WRITABLE (or error) event on an outgoing connect: `Ok(true)`
    /// when connected, `Ok(false)` when still in progress, `Err` when it
    /// failed (mio's documented recipe: `take_error`, then `peer_addr`).
    pub fn check_connect(&mut self) -> io::Result<bool> {
        if self.connected {
            return Ok(true);
        }
        if let Some(err) = self.stream.take_error()? {
            return Err(err);
        }
        match self.stream.peer_addr() {
            Ok(_) => {
                self.connected = true;
                let _ = self.stream.set_nodelay(true);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reads until WouldBlock, EOF or the budget.
    pub fn read(&mut self) -> io::Result<ReadOutcome> {
        let mut outcome = ReadOutcome { bytes: 0, eof: false, more: false };
        loop {
            if outcome.bytes >= READ_BUDGET {
                outcome.more = true;
                return Ok(outcome);
            }
            if self.rx.capacity() - self.rx.len() < 4096 {
                self.rx.reserve(16 * 1024);
            }
            let len = self.rx.len();
            let spare = self.rx.capacity() - len;
            // Grow the initialised length, read into it, then cut back.
            self.rx.resize(len + spare, 0);
            let result = self.stream.read(&mut self.rx[len..]);
            match result {
                Ok(0) => {
                    self.rx.truncate(len);
                    outcome.eof = true;
                    return Ok(outcome);
                }
                Ok(n) => {
                    self.rx.truncate(len + n);
                    outcome.bytes += n;
                }
                Err(e) => {
                    self.rx.truncate(len);
                    match e.kind() {
                        io::ErrorKind::WouldBlock => return Ok(outcome),
                        io::ErrorKind::Interrupted => continue,
                        _ => return Err(e),
                    }
                }
            }
        }
    }

    /// The next whole message waiting in the rx buffer; `Err` is the
    /// NOTIFICATION a bad header calls for.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, Notify> {
        framing::split(&mut self.rx, self.max_frame)
    }

    /// Bytes received but not yet framed.
    pub fn rx_pending(&self) -> usize {
        self.rx.len()
    }

    /// Queues one encoded message. Urgent messages are always taken; bulk
    /// ones are refused (`false`) once `tx_limit` bytes of bulk are waiting,
    /// which is the caller's cue to stop producing (back-pressure).
    pub fn queue(&mut self, message: Bytes, priority: Priority) -> bool {
        let len = message.len();
        match priority {
            Priority::Urgent => self.urgent.push_back(message),
            Priority::Bulk => {
                if self.bulk_bytes >= self.tx_limit {
                    return false;
                }
                self.bulk_bytes += len;
                self.bulk.push_back(message);
            }
            Priority::Ordered => {
                self.bulk_bytes += len;
                self.bulk.push_back(message);
            }
        }
        self.queued_bytes += len;
        true
    }

    /// Room for more UPDATEs.
    pub fn can_queue_bulk(&self) -> bool {
        self.bulk_bytes < self.tx_limit
    }

    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes
    }

    /// Forgets the queued UPDATEs (the session is being closed).
    pub fn drop_bulk(&mut self) {
        self.queued_bytes -= self.bulk_bytes;
        self.bulk.clear();
        self.bulk_bytes = 0;
    }

    /// Writes until the queue is empty (`Ok(true)`) or WouldBlock (`Ok(false)`).
    pub fn flush(&mut self) -> io::Result<bool> {
        while self.queued_bytes > 0 {
            let written = if let Some(rest) = &self.inflight {
                self.stream.write(rest)
            } else {
                let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
                let mut count = 0;
                for (slot, buf) in slices.iter_mut().zip(self.urgent.iter().chain(self.bulk.iter()))
                {
                    *slot = IoSlice::new(buf);
                    count += 1;
                }
                self.stream.write_vectored(&slices[..count])
            };
            match written {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "connection closed")),
                Ok(n) => self.consume(n),
                Err(e) => match e.kind() {
                    io::ErrorKind::WouldBlock => return Ok(false),
                    io::ErrorKind::Interrupted => continue,
                    _ => return Err(e),
                },
            }
        }
        Ok(true)
    }

    /// Drops `n` written bytes from the front of the queues.
    fn consume(&mut self, mut n: usize) {
        self.queued_bytes -= n;
        if let Some(rest) = &mut self.inflight {
            rest.advance(n);
            if rest.is_empty() {
                self.inflight = None;
            }
            return;
        }
        while n > 0 {
            let (front, bulk) = match self.urgent.pop_front() {
                Some(front) => (front, false),
                None => match self.bulk.pop_front() {
                    Some(front) => (front, true),
                    None => return,
                },
            };
            if bulk {
                self.bulk_bytes -= front.len();
            }
            if n >= front.len() {
                n -= front.len();
            } else {
                let mut rest = front;
                rest.advance(n);
                self.inflight = Some(rest);
                return;
            }
        }
    }

    /// Half-closes our side (best effort) before the value is dropped.
    pub fn shutdown(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// RFC 2385 TCP MD5 signature for traffic with `peer` (Linux TCP_MD5SIG).
#[cfg(target_os = "linux")]
pub fn set_md5<S: std::os::fd::AsFd>(socket: &S, peer: IpAddr, key: &[u8]) -> io::Result<()> {
    use std::os::fd::AsRawFd;

    /// `struct tcp_md5sig` from linux/tcp.h.
    #[repr(C)]
    struct TcpMd5Sig {
        addr: libc::sockaddr_storage,
        flags: u8,
        prefixlen: u8,
        keylen: u16,
        ifindex: libc::c_int,
        key: [u8; 80],
    }

    if key.len() > 80 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "TCP MD5 key longer than 80 bytes",
        ));
    }
    // SAFETY: all-zero is a valid value for these plain C structs.
    let mut sig: TcpMd5Sig = unsafe { std::mem::zeroed() };
    let addr = socket2::SockAddr::from(SocketAddr::new(peer, 0));
    // SAFETY: SockAddr holds a sockaddr_storage-sized buffer of `len` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(
            addr.as_ptr() as *const u8,
            &mut sig.addr as *mut libc::sockaddr_storage as *mut u8,
            addr.len() as usize,
        );
    }
    sig.keylen = key.len() as u16;
    sig.key[..key.len()].copy_from_slice(key);
    let fd = socket.as_fd().as_raw_fd();
    // SAFETY: the pointer and length describe `sig`, alive for the call.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_MD5SIG,
            &sig as *const TcpMd5Sig as *const libc::c_void,
            std::mem::size_of::<TcpMd5Sig>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
pub fn set_md5<S>(_socket: &S, _peer: IpAddr, _key: &[u8]) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "TCP MD5 is only supported on Linux"))
}

/// TTL of our packets (IP_TTL, or IPV6_UNICAST_HOPS for an IPv6 peer).
pub fn set_ttl<S: std::os::fd::AsFd>(socket: &S, peer: IpAddr, ttl: u8) -> io::Result<()> {
    let sock = SockRef::from(socket);
    match peer {
        IpAddr::V4(_) => sock.set_ttl(u32::from(ttl)),
        IpAddr::V6(_) => sock.set_unicast_hops_v6(u32::from(ttl)),
    }
}

/// RFC 5082 GTSM: drop packets arriving with a TTL below `ttl` (IP_MINTTL,
/// IPV6_MINHOPCOUNT). Like ExaBGP, IPv4 also sends with that TTL.
#[cfg(target_os = "linux")]
pub fn set_min_ttl<S: std::os::fd::AsFd>(socket: &S, v6: bool, ttl: u8) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    /// linux/in6.h; not exported by libc for every Linux target.
    const IPV6_MINHOPCOUNT: libc::c_int = 73;
    let (level, name) = if v6 {
        (libc::IPPROTO_IPV6, IPV6_MINHOPCOUNT)
    } else {
        (libc::IPPROTO_IP, libc::IP_MINTTL)
    };
    let value = libc::c_int::from(ttl);
    let fd = socket.as_fd().as_raw_fd();
    // SAFETY: the pointer and length describe `value`, alive for the call.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &value as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    if !v6 {
        SockRef::from(socket).set_ttl(u32::from(ttl))?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn set_min_ttl<S>(_socket: &S, _v6: bool, _ttl: u8) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "IP_MINTTL is only supported on Linux"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linux without CONFIG_TCP_MD5SIG answers ENOENT/ENOPROTOOPT: skip then.
    fn md5_unsupported(e: &io::Error) -> bool {
        matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOPROTOOPT))
    }

    #[test]
    fn md5_signed_connection_over_loopback() {
        use std::io::Read;
        let key = b"exabgp-secret".to_vec();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let listener = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
        if let Err(e) = set_md5(&listener, peer, &key) {
            assert!(md5_unsupported(&e), "{}", e);
            return;
        }
        listener.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
        listener.listen(1).unwrap();
        let addr = listener.local_addr().unwrap().as_socket().unwrap();
        let options = ConnectOptions { md5: Some(key), ..ConnectOptions::default() };
        let mut conn = Connection::connect(addr, &options).unwrap();
        let (server, _) = listener.accept().unwrap();
        let mut server = std::net::TcpStream::from(server);
        let start = std::time::Instant::now();
        while !conn.check_connect().unwrap() {
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        conn.queue(Bytes::from_static(b"signed"), Priority::Urgent);
        while !conn.flush().unwrap() {}
        let mut got = [0u8; 6];
        server.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"signed");
    }

    #[test]
    fn md5_key_longer_than_eighty_bytes_is_refused() {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
        let err = set_md5(&socket, "127.0.0.1".parse().unwrap(), &[b'k'; 81]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn ttl_and_gtsm_options_apply() {
        let v4 = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
        set_ttl(&v4, "127.0.0.1".parse().unwrap(), 1).unwrap();
        assert_eq!(v4.ttl().unwrap(), 1);
        set_min_ttl(&v4, false, 255).unwrap();
        assert_eq!(v4.ttl().unwrap(), 255);
        if let Ok(v6) = Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP)) {
            set_ttl(&v6, "::1".parse().unwrap(), 2).unwrap();
            assert_eq!(v6.unicast_hops_v6().unwrap(), 2);
            set_min_ttl(&v6, true, 255).unwrap();
        }
    }
}
