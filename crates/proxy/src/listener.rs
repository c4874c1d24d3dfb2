//! `ProxyListener`: one listening address bound once per proxy worker. Every socket has
//! `SO_REUSEPORT`, so the kernel spreads new connections over the workers' sockets and no
//! two threads ever wait on the same accept queue. A socket handed over by whoever started
//! Wharf (systemd's socket activation, or an older Wharf on an upgrade) is used as it is:
//! its holder keeps it open across a restart, so that connections wait in its queue rather
//! than being refused; every worker then accepts on its own handle of it.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

/// Pending connections each socket queues before the kernel refuses more (tokio's default).
const BACKLOG: i32 = 1024;

/// A listening address with one socket per worker, bound before serving so that a port in
/// use is reported at start-up. See [`crate::ProxyServer`].
#[derive(Debug)]
pub struct ProxyListener {
    local: SocketAddr,
    pub(crate) sockets: Vec<std::net::TcpListener>,
}

impl ProxyListener {
    /// Listen on `addr` with `workers` sockets (at least one). Port 0 picks a free port,
    /// shared by all the sockets. An address something else already listens on is an
    /// error, as with a plain bind: `SO_REUSEPORT` only lets our own sockets share it.
    pub fn bind(addr: SocketAddr, workers: usize) -> io::Result<ProxyListener> {
        if addr.port() != 0 {
            // Another process whose sockets allow port reuse (an older Wharf still
            // running, say) would otherwise silently share the port with us. A socket
            // without SO_REUSEPORT binds only if nothing listens there.
            drop(socket(addr, false)?);
        }
        let first = socket(addr, true)?;
        let local = first.local_addr()?;
        let mut sockets = vec![first];
        for _ in 1..workers.max(1) {
            sockets.push(socket(local, true)?);
        }
        Ok(ProxyListener { local, sockets })
    }

    /// Listen on sockets that were handed over, already bound and listening. One socket is
    /// shared by `workers` workers (each accepts on a handle of its own); several (one per
    /// worker of the Wharf that handed them over) keep one worker each, so no queue is left
    /// without a worker.
    pub fn from_sockets(
        sockets: Vec<std::net::TcpListener>,
        workers: usize,
    ) -> io::Result<ProxyListener> {
        let Some(first) = sockets.first() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no socket was handed over",
            ));
        };
        let local = first.local_addr()?;
        let mut sockets = sockets;
        if sockets.len() == 1 {
            for _ in 1..workers.max(1) {
                let handle = sockets[0].try_clone()?;
                sockets.push(handle);
            }
        }
        for socket in &sockets {
            socket.set_nonblocking(true)?;
            // Not for the processes Wharf runs (git, for one): only Wharf serves on it.
            socket2::SockRef::from(socket).set_cloexec(true)?;
        }
        Ok(ProxyListener { local, sockets })
    }

    /// Handles of the listening sockets, to hand over to a Wharf that takes over serving.
    pub fn handles(&self) -> io::Result<Vec<std::net::TcpListener>> {
        self.sockets.iter().map(|s| s.try_clone()).collect()
    }

    /// The address bound (with the port chosen when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// How many sockets (one per worker) listen on the address.
    pub fn workers(&self) -> usize {
        self.sockets.len()
    }
}

/// A non-blocking socket bound to `addr`; listening (with `SO_REUSEPORT`) when `reuse_port`,
/// else only bound, as a check that the address is free.
fn socket(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As tokio's and std's listeners: a restart may bind while old connections are in TIME_WAIT.
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(reuse_port)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    if reuse_port {
        socket.listen(BACKLOG)?;
    }
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_share_one_port_and_a_used_port_is_refused() {
        let l = ProxyListener::bind("127.0.0.1:0".parse().unwrap(), 3).unwrap();
        assert_eq!(l.workers(), 3);
        let port = l.local_addr().port();
        assert_ne!(port, 0);
        for s in &l.sockets {
            assert_eq!(s.local_addr().unwrap().port(), port);
        }
        let err = ProxyListener::bind(l.local_addr(), 2).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let err = ProxyListener::bind(plain.local_addr().unwrap(), 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert_eq!(
            ProxyListener::bind("127.0.0.1:0".parse().unwrap(), 0)
                .unwrap()
                .workers(),
            1
        );
    }

    #[test]
    fn a_handed_over_socket_is_shared_by_every_worker_and_keeps_its_queue() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = held.local_addr().unwrap();
        // A client connects before anyone serves: it waits in the socket's queue.
        let early = std::net::TcpStream::connect(addr).unwrap();
        let l = ProxyListener::from_sockets(vec![held.try_clone().unwrap()], 3).unwrap();
        assert_eq!((l.workers(), l.local_addr()), (3, addr));
        drop(l);
        // The holder's socket still listens, and still has the waiting client.
        held.set_nonblocking(false).unwrap();
        let (accepted, _) = held.accept().unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), early.local_addr().unwrap());
        let several = vec![
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        ];
        assert_eq!(
            ProxyListener::from_sockets(several, 8).unwrap().workers(),
            2
        );
        assert!(ProxyListener::from_sockets(Vec::new(), 2).is_err());
    }
}
