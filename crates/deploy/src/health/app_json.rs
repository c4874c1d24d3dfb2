//! app.json's startup health check, as Dokku runs it: after `initialDelay`, up to `attempts`
//! GETs of `path`, `wait` apart, each within `timeout`; a try passes on a 2xx/3xx answer whose
//! body contains `content` (when given).

use crate::HealthCheckSpec;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;

/// Bodies larger than this are not searched for `content`.
const MAX_BODY: usize = 1 << 20;

/// Run the check against `addr` (with `Host: host`, else the address); Ok on the first
/// passing try, else the last failure.
pub(crate) async fn run(
    check: &HealthCheckSpec,
    addr: SocketAddr,
    host: Option<&str>,
) -> Result<(), String> {
    tokio::time::sleep(Duration::from_millis(check.initial_delay_ms)).await;
    let timeout = Duration::from_millis(check.timeout_ms);
    let mut last = String::from("no attempt was made");
    for attempt in 1..=check.attempts.max(1) {
        match tokio::time::timeout(timeout, get(addr, &check.path, host)).await {
            Err(_) => last = format!("GET {} timed out after {timeout:?}", check.path),
            Ok(Err(err)) => last = format!("GET {}: {err}", check.path),
            Ok(Ok((status, body))) => {
                let good_status = (200..400).contains(&status);
                let has_content = check
                    .content
                    .as_ref()
                    .is_none_or(|c| String::from_utf8_lossy(&body).contains(c.as_str()));
                if good_status && has_content {
                    return Ok(());
                }
                last = if good_status {
                    format!(
                        "GET {} answered {status} without the expected content {:?}",
                        check.path,
                        check.content.as_deref().unwrap_or_default()
                    )
                } else {
                    format!("GET {} answered {status}", check.path)
                };
            }
        }
        if attempt < check.attempts {
            tokio::time::sleep(Duration::from_millis(check.wait_ms)).await;
        }
    }
    Err(format!("{last} (after {} attempts)", check.attempts.max(1)))
}

async fn get(addr: SocketAddr, path: &str, host: Option<&str>) -> Result<(u16, Bytes), String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let request = http::Request::get(path)
        .header(
            http::header::HOST,
            host.map_or_else(|| addr.to_string(), str::to_owned),
        )
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Ok((status, body))
}
