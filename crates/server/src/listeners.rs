//! The daemon's TCP listeners: taken over when whoever started Wharf hands them over, else
//! bound here. systemd's socket activation (the `wharf.socket` unit `wharf init` writes)
//! hands them over through `LISTEN_FDS`; so does an older Wharf when a new one takes over
//! serving from it. A handed-over socket stays open in its holder while Wharf restarts, so
//! clients that connect meanwhile wait in its queue instead of being refused. A socket is
//! matched to a listener by the address it is bound to (`ListenStream=0.0.0.0:80` serves
//! `--http-listen 0.0.0.0:80`).

use anyhow::Context;
use std::net::SocketAddr;
use wharf_proxy::ProxyListener;

/// The listening TCP sockets handed over at start, not yet claimed by a listener.
#[derive(Default)]
pub struct Inherited {
    sockets: Vec<(SocketAddr, std::net::TcpListener)>,
}

impl Inherited {
    /// Take the sockets handed over through `LISTEN_FDS` (and `LISTEN_PID` when set). They
    /// are not passed on to the processes Wharf runs, nor are the variables.
    pub fn from_env() -> anyhow::Result<Inherited> {
        let mut fds = listenfd::ListenFd::from_env();
        let mut sockets = Vec::new();
        for index in 0..fds.len() {
            let socket = fds
                .take_tcp_listener(index)
                .with_context(|| format!("taking the handed-over socket {index} (LISTEN_FDS)"))?;
            if let Some(socket) = socket {
                let addr = socket.local_addr()?;
                tracing::info!(%addr, "listening socket handed over");
                sockets.push((addr, socket));
            }
        }
        Ok(Inherited { sockets })
    }

    /// The handed-over sockets bound to `addr` (there may be one per worker of the Wharf that
    /// handed them over).
    fn take(&mut self, addr: SocketAddr) -> Vec<std::net::TcpListener> {
        let (mine, rest) = std::mem::take(&mut self.sockets)
            .into_iter()
            .partition(|(bound, _)| *bound == addr);
        self.sockets = rest;
        mine.into_iter().map(|(_, socket)| socket).collect()
    }

    /// The proxy's listener on `addr`: the handed-over sockets if any, else bound here.
    pub fn proxy(&mut self, addr: SocketAddr, workers: usize) -> anyhow::Result<ProxyListener> {
        let handed = self.take(addr);
        if handed.is_empty() {
            return ProxyListener::bind(addr, workers)
                .with_context(|| format!("binding the proxy to {addr}"));
        }
        ProxyListener::from_sockets(handed, workers)
            .with_context(|| format!("serving on the handed-over socket of {addr}"))
    }

    /// A plain listener on `addr` (`what`: the API, `/metrics`): the handed-over socket if any,
    /// else bound here.
    pub async fn plain(
        &mut self,
        addr: SocketAddr,
        what: &str,
    ) -> anyhow::Result<tokio::net::TcpListener> {
        match self.take(addr).into_iter().next() {
            Some(socket) => {
                socket.set_nonblocking(true)?;
                Ok(tokio::net::TcpListener::from_std(socket)?)
            }
            None => tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {what} to {addr}")),
        }
    }

    /// Say which handed-over sockets no listener uses (they are closed).
    pub fn report_unused(self) {
        for (addr, _) in self.sockets {
            tracing::warn!(%addr, "a socket was handed over for an address Wharf does not listen on; closing it");
        }
    }
}
