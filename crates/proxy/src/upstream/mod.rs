//! The backend leg of forwarding: HTTP/1.1 over kept-alive TCP connections (pooled per
//! target and worker, see [`crate::conn_pool`]), driven by the request's own task.
//!
//! A request writes its head (and streams its body, see [`request::Upload`]) while it waits
//! for the response head; the response body ([`UpstreamBody`]) is then read straight from
//! the connection as the client takes it, and keeps streaming the request body too if the
//! backend answered before reading all of it. Compared with a general-purpose client this
//! needs no task per connection and no channels between tasks: one request is one task.
//! Upgrades use their own connections (see [`crate::upgrade`]).

mod body;
mod chunked;
mod exchange;
mod request;
mod response;

use std::io;
use std::time::Duration;

use http::Response;

pub(crate) use body::UpstreamBody;
pub(crate) use request::{BodyFraming, Outgoing};

use crate::conn_pool::BackendConn;
use crate::request_body::BodySlot;
use crate::target::InFlight;
use exchange::{Exchange, ExchangeError};

/// Why no response came back from a backend.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The TCP connection could not be established; the request was not sent.
    #[error("connect failed: {0}")]
    Connect(#[source] io::Error, InFlight),
    /// The exchange failed before a complete response head arrived.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
}

/// Send the request to `target` over an idle kept-alive connection, or a new one, and
/// return the response head with its body streaming from the connection.
///
/// A kept-alive connection may have been closed by the backend just as it was taken: if it
/// ends without a byte of response and the request is idempotent with its body unread, the
/// request is sent again on the next connection (a fresh one at the latest).
pub(crate) async fn send(
    in_flight: InFlight,
    out: &Outgoing,
    slot: &BodySlot,
    connect_timeout: Duration,
) -> Result<Response<UpstreamBody>, SendError> {
    let target = in_flight.target();
    loop {
        let (conn, reused) = match target.idle_conns().local().take() {
            Some(conn) => (conn, true),
            // Boxed: dialing is the rare path, and its future would otherwise be inlined
            // into (and copied along with) every request's future.
            None => match Box::pin(BackendConn::dial(target.addr(), connect_timeout)).await {
                Ok(conn) => (conn, false),
                Err(e) => return Err(SendError::Connect(e, in_flight)),
            },
        };
        // Boxed once here: the response body carries it, and is moved several times.
        let mut exchange = Box::new(Exchange::new(conn, out.upload(slot)));
        match std::future::poll_fn(|cx| exchange.poll_head(cx, out.is_head)).await {
            Ok(head) => {
                let mut resp = Response::new(UpstreamBody::new(
                    exchange,
                    head.framing,
                    head.keep_alive,
                    in_flight,
                ));
                *resp.status_mut() = head.status;
                *resp.version_mut() = head.version;
                *resp.headers_mut() = head.headers;
                return Ok(resp);
            }
            Err(ExchangeError::Closed | ExchangeError::Read(_))
                if reused && !exchange.received && out.idempotent && slot.untouched() =>
            {
                tracing::debug!(upstream = %target.addr(), "kept-alive connection was closed; sending again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}
