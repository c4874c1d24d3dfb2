//! Protocol upgrades (websockets and any `Connection: upgrade`): forwarded over a
//! dedicated backend connection; on 101 both sides are spliced together and the
//! target counts the spliced connection as in flight until it closes, and the app's traffic
//! counts it as an open websocket.

use std::sync::Arc;

use http::{Response, StatusCode};
use hyper::client::conn::http1;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tracing::Instrument;

use crate::body::ProxyBody;
use crate::config::ProxyConfig;
use crate::ctx::Ctx;
use crate::head::Head;
use crate::host_routes::RouteEntry;
use crate::pages;
use crate::request_body::BodySlot;
use crate::retry::Retry;
use crate::target::{InFlight, Target};
use crate::traffic::OpenWebsocket;

/// Why an upgrade attempt got no response from the backend.
enum Failure {
    Connect(std::io::Error),
    Other(String),
    Timeout,
}

/// Forward an upgrade request; on 101 splice the client and backend connections.
pub(crate) async fn forward(
    config: &ProxyConfig,
    mut ctx: Ctx,
    entry: &RouteEntry,
    mut target: Arc<Target>,
    head: &mut Head,
    slot: &BodySlot,
    on_client: OnUpgrade,
) -> Response<ProxyBody> {
    let route = &entry.route;
    let mut retry = Retry::new(route, slot);
    loop {
        ctx.set_upstream(target.addr());
        let in_flight = target.begin();
        match attempt(config, &target, head, slot, retry.may_follow()).await {
            Ok(mut resp) => {
                if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
                    return ctx.upgraded(resp, Some(in_flight));
                }
                let on_backend = hyper::upgrade::on(&mut resp);
                let span = tracing::info_span!("upgrade", upstream = %target.addr(), request_id = ctx.request_id().to_str().unwrap_or("-"));
                let open = entry.traffic.websocket_opened();
                tokio::spawn(splice(on_client, on_backend, in_flight, open).instrument(span));
                return ctx.upgraded(resp, None);
            }
            Err(Failure::Connect(e)) => {
                drop(in_flight);
                match retry.after_refused(&target, &e) {
                    Some(next) => target = next,
                    None => {
                        entry.traffic.upstream_error();
                        return ctx.page(pages::bad_gateway(route.app()));
                    }
                }
            }
            Err(Failure::Other(e)) => {
                tracing::warn!(upstream = %target.addr(), app = route.app(), error = %e, "upgrade request failed");
                entry.traffic.upstream_error();
                return ctx.page(pages::bad_gateway(route.app()));
            }
            Err(Failure::Timeout) => {
                tracing::warn!(upstream = %target.addr(), app = route.app(), "upstream response header timeout");
                entry.traffic.upstream_timeout();
                return ctx.page(pages::gateway_timeout(route.app()));
            }
        }
    }
}

async fn attempt(
    cfg: &ProxyConfig,
    target: &Target,
    head: &mut Head,
    slot: &BodySlot,
    keep: bool,
) -> Result<Response<hyper::body::Incoming>, Failure> {
    let stream =
        match tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(target.addr())).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(Failure::Connect(e)),
            Err(_) => {
                return Err(Failure::Connect(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "connect timed out",
                )));
            }
        };
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Failure::Other(e.to_string()))?;
    let span = tracing::debug_span!("upstream_conn", upstream = %target.addr());
    tokio::spawn(
        async move {
            if let Err(e) = conn.with_upgrades().await {
                tracing::debug!(error = %e, "upgrade backend connection ended with error");
            }
        }
        .instrument(span),
    );
    let req = head
        .request(slot.body(), keep)
        .map_err(|e| Failure::Other(e.to_string()))?;
    match tokio::time::timeout(cfg.response_header_timeout, sender.send_request(req)).await {
        Ok(Ok(resp)) => Ok(resp),
        Ok(Err(e)) => Err(Failure::Other(e.to_string())),
        Err(_) => Err(Failure::Timeout),
    }
}

/// Copy bytes both ways until either side closes or a drain cuts the connection; `open` counts
/// it among its app's open websockets meanwhile.
async fn splice(
    on_client: OnUpgrade,
    on_backend: OnUpgrade,
    in_flight: InFlight,
    open: OpenWebsocket,
) {
    let (client, backend) = match tokio::join!(on_client, on_backend) {
        (Ok(c), Ok(b)) => (c, b),
        (c, b) => {
            tracing::debug!(
                client_ok = c.is_ok(),
                backend_ok = b.is_ok(),
                "upgrade did not complete"
            );
            return;
        }
    };
    let mut client = TokioIo::new(client);
    let mut backend = TokioIo::new(backend);
    let cut = in_flight.target().cut_token().clone();
    tokio::select! {
        res = tokio::io::copy_bidirectional(&mut client, &mut backend) => match res {
            Ok((up, down)) => tracing::debug!(up, down, "upgraded connection closed"),
            Err(e) => tracing::debug!(error = %e, "upgraded connection failed"),
        },
        () = cut.cancelled() => tracing::info!("upgraded connection cut by drain timeout"),
    }
    drop(in_flight);
    drop(open);
}
