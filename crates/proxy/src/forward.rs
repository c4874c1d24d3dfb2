//! Forwarding one client request: Host routing, ACME challenges, target choice
//! with one safe retry on connect failure, header rewriting, timeouts, and the
//! error pages. Upgrades are handed to [`crate::upgrade`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::access::AccessLog;
use crate::body::{BodySlot, ProxyBody, RequestBody};
use crate::config::ProxyConfig;
use crate::headers::{self, X_REQUEST_ID};
use crate::host::normalize_host;
use crate::idle::ActiveRequest;
use crate::pages;
use crate::route::Route;
use crate::router::Router;
use crate::target::{InFlight, Target};
use crate::upgrade;

const ACME_PREFIX: &str = "/.well-known/acme-challenge/";
/// How long an idle pooled backend connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Status logged for a request whose client went away before the response started.
const CLIENT_CLOSED: u16 = 499;

/// The per-request state shared by the forwarding steps. If it is dropped
/// without producing a response (the client disconnected), it still logs.
pub(crate) struct Ctx {
    log: Option<AccessLog>,
    active: Option<ActiveRequest>,
}

impl Ctx {
    fn new(log: AccessLog, active: Option<ActiveRequest>) -> Self {
        Ctx {
            log: Some(log),
            active,
        }
    }

    fn log(&self) -> Option<&AccessLog> {
        self.log.as_ref()
    }

    /// The request id, as sent to the backend and returned to the client.
    pub(crate) fn request_id(&self) -> HeaderValue {
        self.log()
            .map_or_else(|| HeaderValue::from_static("-"), |l| l.request_id.clone())
    }

    /// Record which target is being tried.
    pub(crate) fn set_upstream(&mut self, addr: SocketAddr) {
        if let Some(l) = self.log.as_mut() {
            l.upstream = Some(addr);
        }
    }

    fn finish(
        mut self,
        headers: &mut HeaderMap,
        status: StatusCode,
    ) -> (Option<AccessLog>, Option<ActiveRequest>) {
        let mut log = self.log.take();
        if let Some(l) = log.as_mut() {
            headers.insert(&X_REQUEST_ID, l.request_id.clone());
            l.status = status.as_u16();
        }
        (log, self.active.take())
    }

    /// Finish with one of the proxy's own pages.
    pub(crate) fn page(self, resp: Response<Bytes>) -> Response<ProxyBody> {
        let (mut parts, body) = resp.into_parts();
        let (log, active) = self.finish(&mut parts.headers, parts.status);
        Response::from_parts(parts, ProxyBody::full(body, log, active))
    }

    /// Finish with a backend's response, streaming its body.
    pub(crate) fn upstream(
        self,
        resp: Response<Incoming>,
        in_flight: Option<InFlight>,
    ) -> Response<ProxyBody> {
        let (mut parts, body) = resp.into_parts();
        let upgraded = parts.status == StatusCode::SWITCHING_PROTOCOLS;
        headers::strip_hop_by_hop(&mut parts.headers, upgraded);
        let (log, active) = self.finish(&mut parts.headers, parts.status);
        Response::from_parts(parts, ProxyBody::upstream(body, log, in_flight, active))
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if let Some(mut log) = self.log.take() {
            log.status = CLIENT_CLOSED;
            log.emit(0, false);
        }
    }
}

/// The request-handling core shared by every client connection.
pub(crate) struct Forwarder {
    router: Arc<Router>,
    config: ProxyConfig,
    client: Client<HttpConnector, RequestBody>,
}

impl Forwarder {
    pub(crate) fn new(router: Arc<Router>, config: ProxyConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(config.connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        Forwarder {
            router,
            config,
            client,
        }
    }

    pub(crate) fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// Handle one request from `client`; never fails (errors become pages).
    pub(crate) async fn handle(
        &self,
        mut req: Request<Incoming>,
        client: SocketAddr,
        active: Option<ActiveRequest>,
    ) -> Response<ProxyBody> {
        let request_id = headers::request_id(req.headers());
        let raw_host = req.headers().get(header::HOST).cloned().or_else(|| {
            req.uri()
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        });
        let host = raw_host
            .as_ref()
            .and_then(|h| h.to_str().ok())
            .and_then(normalize_host);
        let path = req.uri().path().to_owned();
        let acme = self.acme(&path, host.as_deref());
        let log = AccessLog {
            request_id,
            client,
            host: host.clone().unwrap_or_else(|| "-".to_owned()),
            method: req.method().clone(),
            path,
            status: 0,
            upstream: None,
            start: Instant::now(),
        };
        let ctx = Ctx::new(log, active);
        let (Some(host), Some(host_value)) = (host, raw_host) else {
            return ctx.page(pages::bad_request("missing or invalid Host header"));
        };

        if let Some(resp) = acme {
            return ctx.page(resp);
        }
        if req.method() == Method::CONNECT {
            return ctx.page(pages::method_not_allowed(Method::CONNECT.as_str()));
        }
        let Some(route) = self.router.lookup(&host) else {
            return ctx.page(pages::unknown_host(&host));
        };
        let Some(target) = route.pick() else {
            return ctx.page(pages::no_healthy_instance(route.app()));
        };

        let upgrade = req.version() <= Version::HTTP_11 && headers::is_upgrade(req.headers());
        let mut outgoing = std::mem::take(req.headers_mut());
        headers::strip_hop_by_hop(&mut outgoing, upgrade);
        // Our own server already answered any `Expect: 100-continue`.
        outgoing.remove(header::EXPECT);
        outgoing.insert(header::HOST, host_value.clone());
        headers::set_forwarded(
            &mut outgoing,
            client.ip(),
            self.config.scheme.as_str(),
            &host_value,
        );
        outgoing.insert(&X_REQUEST_ID, ctx.request_id());
        let mut head = Head {
            method: req.method().clone(),
            path_and_query: req
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned(),
            headers: outgoing,
        };

        if upgrade {
            let on_client = hyper::upgrade::on(&mut req);
            let slot = BodySlot::new(req.into_body());
            return upgrade::forward(self, ctx, &route, target, &mut head, slot, on_client).await;
        }
        let slot = BodySlot::new(req.into_body());
        self.forward(ctx, &route, target, &mut head, slot).await
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
        route: &Route,
        mut target: Arc<Target>,
        head: &mut Head,
        slot: BodySlot,
    ) -> Response<ProxyBody> {
        let mut retried = false;
        loop {
            ctx.set_upstream(target.addr());
            let may_retry = !retried && route.targets().len() > 1;
            let req = match head.request(target.addr(), slot.body(), may_retry) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot build upstream request");
                    return ctx.page(pages::bad_request("invalid request target"));
                }
            };
            let in_flight = target.begin();
            let sent = tokio::time::timeout(
                self.config.response_header_timeout,
                self.client.request(req),
            )
            .await;
            match sent {
                Ok(Ok(resp)) => return ctx.upstream(resp, Some(in_flight)),
                Ok(Err(e)) if e.is_connect() => {
                    drop(in_flight);
                    tracing::warn!(upstream = %target.addr(), app = route.app(), error = %e, "connect to target failed; marking unhealthy");
                    target.set_healthy(false);
                    if !retried
                        && slot.untouched()
                        && let Some(next) = route.pick_other(&target)
                    {
                        retried = true;
                        target = next;
                        continue;
                    }
                    return ctx.page(pages::bad_gateway(route.app()));
                }
                Ok(Err(e)) => {
                    tracing::warn!(upstream = %target.addr(), app = route.app(), error = %e, "upstream request failed");
                    return ctx.page(pages::bad_gateway(route.app()));
                }
                Err(_) => {
                    tracing::warn!(upstream = %target.addr(), app = route.app(), "upstream response header timeout");
                    return ctx.page(pages::gateway_timeout(route.app()));
                }
            }
        }
    }
}

/// The parts of the outgoing request that are reused across attempts.
pub(crate) struct Head {
    pub(crate) method: Method,
    pub(crate) path_and_query: String,
    pub(crate) headers: HeaderMap,
}

impl Head {
    /// An HTTP/1.1 request for `addr` (absolute URI, which the client sends in origin form).
    /// The headers are copied if `keep` (another attempt may follow), else moved out.
    pub(crate) fn request(
        &mut self,
        addr: SocketAddr,
        body: RequestBody,
        keep: bool,
    ) -> Result<Request<RequestBody>, http::Error> {
        let uri = Uri::builder()
            .scheme("http")
            .authority(addr.to_string())
            .path_and_query(self.path_and_query.as_str())
            .build()?;
        let mut req = Request::new(body);
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        *req.headers_mut() = if keep {
            self.headers.clone()
        } else {
            std::mem::take(&mut self.headers)
        };
        Ok(req)
    }
}
