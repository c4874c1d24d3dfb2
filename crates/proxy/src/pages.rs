//! The proxy's own small responses: 308 to HTTPS, 400, 404, 502, 503, 504 and ACME answers.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

/// A short, self-contained response with a plain-text body.
pub(crate) fn text(status: StatusCode, body: String) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// 400: the request has no usable Host.
pub(crate) fn bad_request(reason: &str) -> Response<Bytes> {
    text(StatusCode::BAD_REQUEST, format!("bad request: {reason}\n"))
}

/// 404: no app is served at this host.
pub(crate) fn unknown_host(host: &str) -> Response<Bytes> {
    text(
        StatusCode::NOT_FOUND,
        format!("no app is served at {host}\n"),
    )
}

/// 503: the app exists but has no healthy instance.
pub(crate) fn no_healthy_instance(app: &str) -> Response<Bytes> {
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("503 Service Unavailable: app {app} has no healthy instance right now\n"),
    )
}

/// 502: the backend could not be reached or failed mid-response.
pub(crate) fn bad_gateway(app: &str) -> Response<Bytes> {
    text(
        StatusCode::BAD_GATEWAY,
        format!("502 Bad Gateway: app {app} could not be reached\n"),
    )
}

/// 504: the backend did not answer in time.
pub(crate) fn gateway_timeout(app: &str) -> Response<Bytes> {
    text(
        StatusCode::GATEWAY_TIMEOUT,
        format!("504 Gateway Timeout: app {app} did not respond in time\n"),
    )
}

/// 405: methods a reverse proxy does not forward (CONNECT).
pub(crate) fn method_not_allowed(method: &str) -> Response<Bytes> {
    text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} is not supported by this proxy\n"),
    )
}

/// 308: the same request over HTTPS.
pub(crate) fn https_redirect(location: &str) -> Response<Bytes> {
    let mut resp = text(
        StatusCode::PERMANENT_REDIRECT,
        format!("moved to {location}\n"),
    );
    if let Ok(value) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}
