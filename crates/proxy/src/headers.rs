//! Header rewriting between client and backend: hop-by-hop removal,
//! X-Forwarded-*, and the X-Request-Id that follows a request end to end.

use std::net::IpAddr;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// `X-Request-Id`.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `X-Forwarded-For`.
pub static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-Proto`.
pub static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
/// `X-Forwarded-Host`.
pub static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
static PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

const MAX_REQUEST_ID_LEN: usize = 128;

/// Does `value` (a comma-separated token list) contain `token`, case-insensitively?
fn has_token(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// True for a request or response asking to switch protocols (`Connection: upgrade` + `Upgrade`).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE) && has_token(headers, &header::CONNECTION, "upgrade")
}

/// The hop-by-hop headers every proxy removes (besides those named in `Connection`).
fn is_standard_hop_by_hop(name: &HeaderName) -> bool {
    name == header::CONNECTION
        || name == header::TE
        || name == header::TRAILER
        || name == header::TRANSFER_ENCODING
        || name == header::UPGRADE
        || name == KEEP_ALIVE
        || name == PROXY_CONNECTION
}

/// Remove hop-by-hop headers (the standard ones and any named in `Connection`).
/// With `keep_upgrade`, `Upgrade` is kept and `Connection` becomes exactly `upgrade`.
pub fn strip_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    // Most messages carry none: one pass over the names is cheaper than the
    // hashed removals below. Without `Connection` nothing else is named, and
    // without `Upgrade` there is nothing to keep.
    if !headers.keys().any(is_standard_hop_by_hop) {
        return;
    }
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    let upgrade = if keep_upgrade {
        headers.get(header::UPGRADE).cloned()
    } else {
        None
    };
    for name in &named {
        headers.remove(name);
    }
    for name in [
        &header::CONNECTION,
        &KEEP_ALIVE,
        &PROXY_CONNECTION,
        &header::TE,
        &header::TRAILER,
        &header::TRANSFER_ENCODING,
        &header::UPGRADE,
    ] {
        headers.remove(name);
    }
    if let Some(upgrade) = upgrade {
        headers.insert(header::UPGRADE, upgrade);
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// The incoming `X-Request-Id` if present and sane (1..=128 visible ASCII chars
/// from `[A-Za-z0-9._:-]`), else a fresh UUID v4.
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(&X_REQUEST_ID)
        .filter(|v| {
            let b = v.as_bytes();
            !b.is_empty()
                && b.len() <= MAX_REQUEST_ID_LEN
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
        })
        .cloned()
        .unwrap_or_else(|| {
            // A v4 UUID from a small thread-local generator (wyrand): request ids correlate
            // log lines and are not secrets, so they need uniqueness, not a CSPRNG (whose
            // block refills cost more than the rest of this function).
            let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
            let mut buf = uuid::Uuid::encode_buffer();
            let s = id.hyphenated().encode_lower(&mut buf);
            HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
        })
}

/// The client address as a header value, computed once per client connection.
pub(crate) fn client_ip_value(client: IpAddr) -> HeaderValue {
    HeaderValue::try_from(client.to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// The headers the proxy sets on every request it forwards: `Host`, `X-Forwarded-For` (the
/// client appended to any it sent), `-Proto`, `-Host` and `X-Request-Id`. The client's own
/// values of these (and its `Expect`, already answered) are not passed on.
#[derive(Debug, Clone)]
pub(crate) struct ProxyHeaders {
    host: HeaderValue,
    forwarded_for: HeaderValue,
    proto: HeaderValue,
    request_id: HeaderValue,
}

impl ProxyHeaders {
    /// `client` is the client's address as rendered by [`client_ip_value`].
    pub(crate) fn new(
        incoming: &HeaderMap,
        host: HeaderValue,
        client: &HeaderValue,
        proto: &'static str,
        request_id: HeaderValue,
    ) -> Self {
        ProxyHeaders {
            forwarded_for: forwarded_for(incoming, client),
            proto: HeaderValue::from_static(proto),
            host,
            request_id,
        }
    }

    /// True for the headers the proxy sets (or drops) itself.
    pub(crate) fn replaces(name: &HeaderName) -> bool {
        name == header::HOST
            || name == header::EXPECT
            || name == X_FORWARDED_FOR
            || name == X_FORWARDED_PROTO
            || name == X_FORWARDED_HOST
            || name == X_REQUEST_ID
    }

    /// The headers to send, in order.
    pub(crate) fn fields(&self) -> [(&HeaderName, &HeaderValue); 5] {
        [
            (&header::HOST, &self.host),
            (&X_FORWARDED_FOR, &self.forwarded_for),
            (&X_FORWARDED_PROTO, &self.proto),
            (&X_FORWARDED_HOST, &self.host),
            (&X_REQUEST_ID, &self.request_id),
        ]
    }

    /// Set them in `headers` (replacing the client's).
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        headers.remove(header::EXPECT);
        for (name, value) in self.fields() {
            headers.insert(name, value.clone());
        }
    }
}

/// Any `X-Forwarded-For` values the client sent, joined, with the client appended.
fn forwarded_for(incoming: &HeaderMap, client: &HeaderValue) -> HeaderValue {
    if !incoming.contains_key(&X_FORWARDED_FOR) {
        return client.clone();
    }
    let mut joined: Vec<&str> = incoming
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    joined.push(client.to_str().unwrap_or("unknown"));
    HeaderValue::try_from(joined.join(", ")).unwrap_or_else(|_| client.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn strips_hop_by_hop_and_connection_named() {
        let mut h = map(&[
            ("connection", "keep-alive, X-Secret"),
            ("keep-alive", "timeout=5"),
            ("x-secret", "1"),
            ("te", "trailers"),
            ("transfer-encoding", "chunked"),
            ("proxy-connection", "keep-alive"),
            ("upgrade", "websocket"),
            ("x-keep", "yes"),
        ]);
        strip_hop_by_hop(&mut h, false);
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h["x-keep"], "yes");
    }

    #[test]
    fn keeps_upgrade_when_asked() {
        let mut h = map(&[
            ("connection", "Upgrade, x-a"),
            ("upgrade", "websocket"),
            ("x-a", "1"),
        ]);
        assert!(is_upgrade(&h));
        strip_hop_by_hop(&mut h, true);
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["connection"], "upgrade");
        assert!(!h.contains_key("x-a"));
        assert!(!is_upgrade(&map(&[("connection", "upgrade")])));
        assert!(!is_upgrade(&map(&[("upgrade", "websocket")])));
    }

    #[test]
    fn request_id_kept_or_generated() {
        let h = map(&[("x-request-id", "abc-123")]);
        assert_eq!(request_id(&h), "abc-123");
        let bad = map(&[("x-request-id", "has space")]);
        let generated = request_id(&bad);
        assert_eq!(generated.len(), 36);
        assert_ne!(request_id(&HeaderMap::new()), generated);
        let long = "a".repeat(200);
        assert_ne!(request_id(&map(&[("x-request-id", &long)])), long.as_str());
    }

    #[test]
    fn proxy_headers_replace_the_clients_and_extend_forwarded_for() {
        let host = HeaderValue::from_static("app.test");
        let id = HeaderValue::from_static("req-1");
        let mut h = map(&[
            ("x-forwarded-for", "10.0.0.1"),
            ("x-forwarded-for", "10.0.0.2"),
            ("x-forwarded-proto", "gopher"),
            ("expect", "100-continue"),
            ("host", "other.test"),
            ("x-keep", "1"),
        ]);
        let client = client_ip_value("127.0.0.1".parse().unwrap());
        let proxy = ProxyHeaders::new(&h, host.clone(), &client, "https", id);
        proxy.apply(&mut h);
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 10.0.0.2, 127.0.0.1");
        assert_eq!(h.get_all("x-forwarded-for").iter().count(), 1);
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-host"], "app.test");
        assert_eq!(h["host"], "app.test");
        assert_eq!(h["x-request-id"], "req-1");
        assert!(!h.contains_key("expect"));
        assert_eq!(h["x-keep"], "1");
        for (name, _) in proxy.fields() {
            assert!(ProxyHeaders::replaces(name), "{name}");
        }
        assert!(!ProxyHeaders::replaces(&HeaderName::from_static("x-keep")));

        let client = client_ip_value("::1".parse().unwrap());
        let proxy = ProxyHeaders::new(
            &HeaderMap::new(),
            host,
            &client,
            "http",
            HeaderValue::from_static("r"),
        );
        assert_eq!(proxy.fields()[1].1, "::1");
    }
}
