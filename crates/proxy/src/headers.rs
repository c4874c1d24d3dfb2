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
            // A v4 UUID from the thread-local CSPRNG: no syscall per request
            // (`Uuid::new_v4` asks the OS for fresh bytes every time).
            let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
            let mut buf = uuid::Uuid::encode_buffer();
            let s = id.hyphenated().encode_lower(&mut buf);
            HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
        })
}

/// Set the `X-Forwarded-*` headers: append the client IP to `X-Forwarded-For`,
/// set `X-Forwarded-Proto` to `proto` and `X-Forwarded-Host` to the original host.
/// (The request path uses [`set_forwarded_for`] with a per-connection value.)
#[cfg(test)]
pub fn set_forwarded(
    headers: &mut HeaderMap,
    client: IpAddr,
    proto: &'static str,
    host: &HeaderValue,
) {
    set_forwarded_for(headers, &client_ip_value(client), proto, host);
}

/// The client address as a header value, computed once per client connection.
pub(crate) fn client_ip_value(client: IpAddr) -> HeaderValue {
    HeaderValue::try_from(client.to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// Set the `X-Forwarded-*` headers: append the client (already rendered by
/// [`client_ip_value`]) to `X-Forwarded-For`, set `X-Forwarded-Proto` to `proto`
/// and `X-Forwarded-Host` to the original host.
pub(crate) fn set_forwarded_for(
    headers: &mut HeaderMap,
    client_value: &HeaderValue,
    proto: &'static str,
    host: &HeaderValue,
) {
    if headers.contains_key(&X_FORWARDED_FOR) {
        append_forwarded_for(headers, client_value);
    } else {
        headers.insert(&X_FORWARDED_FOR, client_value.clone());
    }
    headers.insert(&X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    headers.insert(&X_FORWARDED_HOST, host.clone());
}

/// Join any prior `X-Forwarded-For` values and append the client.
fn append_forwarded_for(headers: &mut HeaderMap, client_value: &HeaderValue) {
    let client = client_value.to_str().unwrap_or("unknown");
    let prior: Vec<&str> = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let xff = if prior.is_empty() {
        client.to_owned()
    } else {
        format!("{}, {client}", prior.join(", "))
    };
    if let Ok(v) = HeaderValue::try_from(xff) {
        headers.insert(&X_FORWARDED_FOR, v);
    }
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
    fn forwarded_headers() {
        let mut h = map(&[("x-forwarded-for", "10.0.0.1")]);
        let host = HeaderValue::from_static("app.test");
        set_forwarded(&mut h, "127.0.0.1".parse().unwrap(), "https", &host);
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-host"], "app.test");
        let mut h = HeaderMap::new();
        set_forwarded(&mut h, "::1".parse().unwrap(), "http", &host);
        assert_eq!(h["x-forwarded-for"], "::1");
    }
}
