//! One HTTP health probe against a target address.

use std::net::SocketAddr;
use std::time::Duration;

use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::Empty;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tracing::Instrument;

use crate::error::ProbeError;

/// GET `http://{addr}{path}` and return the status of any HTTP response received within
/// `timeout`. The request's Host is `host` (the app's domain, so that apps which check the
/// host, as Django does with `ALLOWED_HOSTS`, answer as they would a client), else `addr`.
pub async fn probe(
    addr: SocketAddr,
    path: &str,
    host: Option<&str>,
    timeout: Duration,
) -> Result<StatusCode, ProbeError> {
    let uri: http::Uri = path.parse().map_err(|_| ProbeError::InvalidPath {
        path: path.to_owned(),
    })?;
    if uri.scheme().is_some() || !path.starts_with('/') {
        return Err(ProbeError::InvalidPath {
            path: path.to_owned(),
        });
    }
    let host = match host {
        Some(h) => {
            HeaderValue::from_str(h).map_err(|_| ProbeError::InvalidHost { host: h.to_owned() })?
        }
        None => HeaderValue::try_from(addr.to_string()).map_err(|_| ProbeError::InvalidHost {
            host: addr.to_string(),
        })?,
    };
    tokio::time::timeout(timeout, run(addr, uri, host))
        .await
        .map_err(|_| ProbeError::Timeout(timeout))?
}

async fn run(
    addr: SocketAddr,
    uri: http::Uri,
    host: HeaderValue,
) -> Result<StatusCode, ProbeError> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(ProbeError::Connect)?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(ProbeError::Http)?;
    tokio::spawn(
        async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "probe connection error");
            }
        }
        .instrument(tracing::debug_span!("probe_conn", %addr)),
    );
    let mut req = Request::new(Empty::<bytes::Bytes>::new());
    *req.uri_mut() = uri;
    req.headers_mut().insert(header::HOST, host);
    req.headers_mut()
        .insert(header::USER_AGENT, HeaderValue::from_static("wharf-health"));
    req.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    let resp = sender.send_request(req).await.map_err(ProbeError::Http)?;
    Ok(resp.status())
}
