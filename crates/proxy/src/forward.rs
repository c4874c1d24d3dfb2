//! Forwarding one client request: Host routing, ACME challenges, target choice
//! with one safe retry on connect failure, header rewriting, timeouts, and the
//! error pages. Upgrades are handed to [`crate::upgrade`]; what a request carries through
//! either is its [`Ctx`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::HeaderValue;
use http::uri::PathAndQuery;
use http::{Method, Request, Response, StatusCode, Uri, Version};
use hyper::body::Incoming;

use crate::access::AccessLog;
use crate::asset_cache;
use crate::body::ProxyBody;
use crate::config::{ProxyConfig, Scheme};
use crate::ctx::Ctx;
use crate::head::Head;
use crate::headers::{self, ProxyHeaders};
use crate::host;
use crate::host_routes::RouteEntry;
use crate::idle::ActiveRequest;
use crate::meter::Meter;
use crate::pages;
use crate::request_body::BodySlot;
use crate::retry::Retry;
use crate::router::Router;
use crate::target::Target;
use crate::traffic::OpenConnection;
use crate::upgrade;
use crate::upstream::{self, BodyFraming, Outgoing, SendError};

const ACME_PREFIX: &str = "/.well-known/acme-challenge/";

/// The client connection a request came from.
pub(crate) struct Client {
    pub(crate) addr: SocketAddr,
    /// `addr`'s IP rendered for `X-Forwarded-For` (see [`headers::client_ip_value`]).
    pub(crate) ip: HeaderValue,
}

/// The request-handling core shared by every client connection.
pub(crate) struct Forwarder {
    router: Arc<Router>,
    config: ProxyConfig,
}

impl Forwarder {
    pub(crate) fn new(router: Arc<Router>, config: ProxyConfig) -> Self {
        Forwarder { router, config }
    }

    /// Count a client connection as open until the guard drops (unless counting is off).
    pub(crate) fn connection_opened(&self) -> Option<OpenConnection<'_>> {
        self.config
            .count_traffic
            .then(|| self.router.connection_opened())
    }

    /// Handle one request from `client`; never fails (errors become pages).
    pub(crate) async fn handle(
        &self,
        req: Request<Incoming>,
        client: Client,
        active: Option<ActiveRequest>,
    ) -> Response<ProxyBody> {
        // When the request began, for its latency in the traffic counters (unless off).
        let start = self.config.count_traffic.then(Instant::now);
        let request_id = headers::request_id(req.headers());
        let raw_host = host::request_host(req.headers(), req.uri());
        let host = raw_host
            .as_ref()
            .ok()
            .and_then(Option::as_ref)
            .and_then(|h| h.to_str().ok())
            .and_then(host::normalized);
        let acme = self.acme(req.uri().path(), host.as_deref());
        // Collect the access-log fields only if the event would be recorded.
        let log =
            tracing::enabled!(target: "wharf::access", tracing::Level::INFO).then(|| AccessLog {
                request_id: request_id.clone(),
                client: client.addr,
                host: host.as_deref().unwrap_or("-").to_owned(),
                method: req.method().clone(),
                path: req.uri().path().to_owned(),
                status: 0,
                upstream: None,
                start: Instant::now(),
            });
        let ctx = Ctx::new(request_id, log, active);
        let raw_host = match &raw_host {
            Ok(raw_host) => raw_host.as_ref(),
            Err(reason) => return ctx.page(pages::bad_request(reason)),
        };
        let (Some(host), Some(host_value)) = (host, raw_host) else {
            return ctx.page(pages::bad_request("missing or invalid Host header"));
        };

        if let Some(resp) = acme {
            return ctx.page(resp);
        }
        if let Some(location) = self.https_location(&host, req.uri()) {
            return ctx.page(pages::https_redirect(&location));
        }
        if req.method() == Method::CONNECT {
            return ctx.page(pages::method_not_allowed(Method::CONNECT.as_str()));
        }
        let Some(entry) = self.router.lookup_normalized(&host, req.uri().path()) else {
            return ctx.page(pages::unknown_host(&host));
        };
        let proxy = ProxyHeaders::new(
            req.headers(),
            host_value.clone(),
            &client.ip,
            self.config.scheme.as_str(),
            ctx.request_id(),
        );
        let (mut resp, slot) = self.to_app(ctx, &entry, req, proxy).await;
        if let Some(start) = start {
            let status = resp.status();
            resp.body_mut()
                .set_meter(Meter::new(entry, start, status, slot));
        }
        resp
    }

    /// Send a routed request to one of its app's targets; the answer, and the client's body
    /// it read.
    async fn to_app(
        &self,
        ctx: Ctx,
        entry: &RouteEntry,
        mut req: Request<Incoming>,
        proxy: ProxyHeaders,
    ) -> (Response<ProxyBody>, BodySlot) {
        let route = &entry.route;
        let upgrade = req.version() <= Version::HTTP_11 && headers::is_upgrade(req.headers());
        let mut outgoing = std::mem::take(req.headers_mut());
        headers::strip_hop_by_hop(&mut outgoing, upgrade);
        let mut head = Head {
            method: req.method().clone(),
            path_and_query: req
                .uri()
                .path_and_query()
                .cloned()
                .unwrap_or_else(|| PathAndQuery::from_static("/")),
            headers: outgoing,
            proxy,
        };
        let on_client = upgrade.then(|| hyper::upgrade::on(&mut req));
        let slot = BodySlot::new(req.into_body());
        let Some(target) = self.router.pick(route) else {
            return (ctx.page(pages::no_healthy_instance(route.app())), slot);
        };
        let resp = match on_client {
            // Boxed so that the rare upgrade path does not grow every request's future.
            Some(on_client) => {
                Box::pin(upgrade::forward(
                    &self.config,
                    ctx,
                    entry,
                    target,
                    &mut head,
                    &slot,
                    on_client,
                ))
                .await
            }
            None => self.forward(ctx, entry, target, &head, &slot).await,
        };
        (resp, slot)
    }

    /// Where a plain HTTP request for `host` goes instead, when `host` has a certificate
    /// (ACME challenges are never redirected: they must be answered over HTTP).
    fn https_location(&self, host: &str, uri: &Uri) -> Option<String> {
        let redirect = self.config.https_redirect.as_ref()?;
        if self.config.scheme != Scheme::Http
            || uri.path().starts_with(ACME_PREFIX)
            || !redirect.certs.covers(host)
        {
            return None;
        }
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        Some(if redirect.port == 443 {
            format!("https://{host}{path}")
        } else {
            format!("https://{host}:{}{path}", redirect.port)
        })
    }

    fn acme(&self, path: &str, host: Option<&str>) -> Option<Response<Bytes>> {
        let token = path.strip_prefix(ACME_PREFIX)?;
        let host = host?;
        let responder = self.config.challenge.as_ref()?;
        if token.is_empty() || token.contains('/') {
            return None;
        }
        responder
            .respond(host, token)
            .map(|body| pages::text(StatusCode::OK, body))
    }

    async fn forward(
        &self,
        mut ctx: Ctx,
        entry: &RouteEntry,
        mut target: Arc<Target>,
        head: &Head,
        slot: &BodySlot,
    ) -> Response<ProxyBody> {
        let route = &entry.route;
        let out = Outgoing::new(head, BodyFraming::of(slot));
        let mut retry = Retry::new(route, slot);
        let mut repicks = 0;
        loop {
            // The request's count keeps the reference `pick` took (see `Target::enter`).
            let in_flight = match target.enter_unless_draining() {
                Ok(in_flight) => in_flight,
                Err(drained) => {
                    // Its route was swapped since the pick: pick from the app's route now.
                    repicks += 1;
                    match self.router.app_route(route.app()).and_then(|r| r.pick()) {
                        Some(next) if repicks <= MAX_REPICKS && !Arc::ptr_eq(&next, &drained) => {
                            target = next;
                            continue;
                        }
                        _ => return ctx.page(pages::no_healthy_instance(route.app())),
                    }
                }
            };
            let upstream = in_flight.target().addr();
            ctx.set_upstream(upstream);
            let sent = tokio::time::timeout(
                self.config.response_header_timeout,
                upstream::send(in_flight, &out, slot, self.config.connect_timeout),
            )
            .await;
            match sent {
                Ok(Ok(mut resp)) => {
                    if route.asset_cache() {
                        asset_cache::add(&mut resp, head.path_and_query.path());
                    }
                    return ctx.backend(resp);
                }
                Ok(Err(SendError::Connect(e, in_flight))) => {
                    let refused = in_flight.finish();
                    match retry.after_refused(&refused, &e) {
                        Some(next) => target = next,
                        None => {
                            entry.traffic.upstream_error();
                            return ctx.page(pages::bad_gateway(route.app()));
                        }
                    }
                }
                Ok(Err(SendError::Exchange(e))) => {
                    tracing::warn!(%upstream, app = route.app(), error = %e, "upstream request failed");
                    entry.traffic.upstream_error();
                    return ctx.page(pages::bad_gateway(route.app()));
                }
                Err(_) => {
                    tracing::warn!(%upstream, app = route.app(), "upstream response header timeout");
                    entry.traffic.upstream_timeout();
                    return ctx.page(pages::gateway_timeout(route.app()));
                }
            }
        }
    }
}

/// How many times a request picks again after its target began draining under it (each time
/// a deploy swapped the app's route in between: more than a few means something is wrong).
const MAX_REPICKS: u32 = 3;
