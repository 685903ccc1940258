//! Listening sockets, and matching an accepted connection to a configured
//! peer (ExaBGP `reactor/listener.py`).
//!
//! ExaBGP listens only when `tcp.bind` lists addresses or a neighbor sets
//! `listen <port>`. An accepted connection belongs to the neighbor whose
//! peer-address is the remote address and whose local-address (when set) is
//! the address the connection reached. Anything else is answered with a
//! Cease NOTIFICATION and closed.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use bytes::BytesMut;
use mio::net::{TcpListener, TcpStream};
use socket2::{Domain, Protocol, Socket, Type};

use crate::bgp::notify::{code, subcode, Notify};

use super::connection::{set_md5, set_min_ttl};
use crate::bgp::message::pack_notify;

/// ExaBGP's listen backlog.
pub const BACKLOG: i32 = 200;

/// What a listening socket needs besides its address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListenOptions {
    /// TCP MD5 keys, one per peer address (the kernel matches on the peer).
    pub md5: Vec<(IpAddr, Vec<u8>)>,
    /// RFC 5082 GTSM minimum TTL (ExaBGP `incoming-ttl`).
    pub min_ttl: Option<u8>,
}

#[derive(Debug)]
pub struct Listener {
    socket: TcpListener,
    addr: SocketAddr,
}

/// A connection just accepted.
#[derive(Debug)]
pub struct Accepted {
    pub stream: TcpStream,
    pub remote: SocketAddr,
    pub local: SocketAddr,
}

/// Which configured peer an accepted connection belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match<K> {
    Peer(K),
    /// No neighbor for this address: Cease / Peer De-configured (6/3).
    None,
    /// Several neighbors claim it: Cease / Connection Rejected (6/5).
    Ambiguous,
}

// ===== impl Listener =====

impl Listener {
    pub fn bind(addr: SocketAddr, options: &ListenOptions) -> io::Result<Listener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        for (peer, key) in &options.md5 {
            set_md5(&socket, *peer, key)?;
        }
        if let Some(ttl) = options.min_ttl {
            set_min_ttl(&socket, addr.is_ipv6(), ttl)?;
        }
        let _ = socket.set_reuse_address(true);
        if addr.is_ipv6() {
            // As ExaBGP: an IPv6 listener does not take IPv4 connections.
            let _ = socket.set_only_v6(true);
        }
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        socket.listen(BACKLOG)?;
        let socket = TcpListener::from_std(std::net::TcpListener::from(socket));
        let addr = socket.local_addr()?;
        log::debug!(target: "network", "listening for BGP session(s) on {}", addr);
        Ok(Listener { socket, addr })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn socket_mut(&mut self) -> &mut TcpListener {
        &mut self.socket
    }

    /// Accepts until WouldBlock (at most `budget` connections).
    pub fn accept_all(&mut self, budget: usize, out: &mut Vec<Accepted>) -> io::Result<()> {
        for _ in 0..budget {
            match self.socket.accept() {
                Ok((stream, remote)) => {
                    let local = stream.local_addr()?;
                    log::debug!(target: "network", "connection from {} to {}", remote, local);
                    out.push(Accepted { stream, remote, local });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // ECONNABORTED and friends concern one connection only.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Finds the peer for a connection from `remote` to `local` among
/// `(key, peer address, local address)` candidates.
pub fn match_peer<K: Copy>(
    candidates: impl IntoIterator<Item = (K, IpAddr, Option<IpAddr>)>,
    remote: IpAddr,
    local: IpAddr,
) -> Match<K> {
    let mut found = Match::None;
    for (key, peer_address, local_address) in candidates {
        if unmap(peer_address) != unmap(remote) {
            continue;
        }
        if let Some(ours) = local_address {
            if unmap(ours) != unmap(local) {
                continue;
            }
        }
        found = match found {
            Match::None => Match::Peer(key),
            _ => return Match::Ambiguous,
        };
    }
    found
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// The NOTIFICATION for a connection nobody takes.
pub fn refusal(found: &Match<impl Copy>) -> Notify {
    match found {
        Match::Ambiguous => Notify::with_text(
            code::CEASE,
            subcode::CONNECTION_REJECTED,
            "could not accept the connection (more than one neighbor match)",
        ),
        _ => Notify::with_text(
            code::CEASE,
            subcode::PEER_DECONFIGURED,
            "no session configured for the peer",
        ),
    }
}

/// Best effort: write the NOTIFICATION to a fresh connection and drop it.
/// Its send buffer is empty, so one non-blocking write nearly always takes
/// the whole message; if not, the peer sees a plain close.
pub fn reject(mut stream: TcpStream, notify: &Notify) {
    let mut buf = BytesMut::new();
    pack_notify(notify, &mut buf);
    let _ = stream.write(&buf);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn match_peer_by_remote_address() {
        let peers = [(1, ip("10.0.0.1"), None), (2, ip("10.0.0.2"), None)];
        assert_eq!(match_peer(peers, ip("10.0.0.2"), ip("10.0.0.254")), Match::Peer(2));
        assert_eq!(match_peer(peers, ip("10.0.0.3"), ip("10.0.0.254")), Match::None);
    }

    #[test]
    fn match_peer_checks_the_local_address_when_configured() {
        let peers = [(1, ip("10.0.0.1"), Some(ip("10.0.0.100")))];
        assert_eq!(match_peer(peers, ip("10.0.0.1"), ip("10.0.0.100")), Match::Peer(1));
        assert_eq!(match_peer(peers, ip("10.0.0.1"), ip("10.0.0.200")), Match::None);
    }

    #[test]
    fn match_peer_two_claims_are_ambiguous() {
        let peers = [(1, ip("10.0.0.1"), None), (2, ip("10.0.0.1"), None)];
        let found = match_peer(peers, ip("10.0.0.1"), ip("10.0.0.100"));
        assert_eq!(found, Match::Ambiguous);
        assert_eq!(refusal(&found).subcode, 5);
    }

    #[test]
    fn match_peer_unmaps_ipv4_mapped_addresses() {
        let peers = [(7, ip("127.0.0.1"), None)];
        let mapped = IpAddr::V6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped());
        assert_eq!(match_peer(peers, mapped, ip("::1")), Match::Peer(7));
    }

    #[test]
    fn unknown_peer_refusal_is_peer_deconfigured() {
        let n = refusal(&Match::<u8>::None);
        assert_eq!((n.code, n.subcode), (6, 3));
    }
}
