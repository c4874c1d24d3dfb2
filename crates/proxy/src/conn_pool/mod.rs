//! Kept-alive TCP connections to backends ([`BackendConn`]), pooled per target and proxy
//! worker. Below both the routing nouns and the backend client, and knowing neither: a
//! [`Target`](crate::target::Target) makes its [`IdleConns`] and holds it, so that its idle
//! connections close when it goes; the backend client (`crate::upstream`) takes connections
//! from it and puts them back. The routing nouns never do either.
//!
//! Each target keeps, for each worker, a stack of idle connections (most recently used
//! first): a connection is registered with the reactor of the worker that dialed it, so
//! only that worker reuses it and no request crosses threads. A request takes one (after
//! a check that the backend has not closed it), or dials a new connection; its response
//! body puts it back when the exchange has ended cleanly. Idle connections older than
//! [`POOL_IDLE_TIMEOUT`] are closed, and dropping a target (when it leaves its route)
//! closes its idle connections.

mod conn;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) use conn::BackendConn;

use crate::per_worker::PerWorker;

/// How long an idle pooled backend connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle connections kept per target and worker; more are closed when they come back.
const MAX_IDLE_PER_TARGET: usize = 512;

/// Idle connections of one target, one pool per worker.
#[derive(Debug)]
pub(crate) struct IdleConns(PerWorker<ConnPool>);

impl IdleConns {
    /// No idle connections yet.
    pub(crate) fn new() -> Self {
        IdleConns(PerWorker::new())
    }

    /// The idle connections of the worker on this thread.
    pub(crate) fn local(&self) -> &ConnPool {
        self.0.local()
    }
}

/// Idle connections of one target on one worker.
#[derive(Debug, Default)]
pub(crate) struct ConnPool {
    idle: Mutex<VecDeque<(BackendConn, Instant)>>,
}

impl ConnPool {
    /// The most recently returned idle connection that is still usable.
    pub(crate) fn take(&self) -> Option<BackendConn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        while idle
            .front()
            .is_some_and(|(_, since)| now.duration_since(*since) > POOL_IDLE_TIMEOUT)
        {
            idle.pop_front();
        }
        while let Some((mut conn, _)) = idle.pop_back() {
            if conn.is_usable() {
                return Some(conn);
            }
        }
        None
    }

    /// Keep `conn` for the next request.
    pub(crate) fn put(&self, conn: BackendConn) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_PER_TARGET {
            idle.push_back((conn, Instant::now()));
        }
    }
}
