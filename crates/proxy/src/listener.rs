//! `ProxyListener`: one listening address bound once per proxy worker. Every socket has
//! `SO_REUSEPORT`, so the kernel spreads new connections over the workers' sockets and no
//! two threads ever wait on the same accept queue.

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
}
