//! Host name normalisation shared by the router and the request path:
//! lower-case, port stripped, trailing dot stripped, IPv6 brackets kept; and which host a
//! request names ([`request_host`]).

use std::borrow::Cow;

use http::Uri;
use http::header::{self, HeaderMap, HeaderValue};

/// The host a request names, as sent: its one `Host` header, else the authority of its target
/// (HTTP/2's `:authority`, an absolute-form target). `Ok(None)` when it names none. A request
/// with two `Host` headers is refused (RFC 9112 section 3.2), and so is one whose `Host`
/// names another host than its authority (RFC 9113 section 8.3.1; RFC 9112 section 3.2.3):
/// a front end and the app could otherwise disagree about which site is asked for.
pub(crate) fn request_host(
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Option<HeaderValue>, &'static str> {
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some() {
        return Err("more than one Host header; send exactly one");
    }
    let authority = uri.authority();
    match (host, authority) {
        (Some(host), Some(authority)) => {
            let named = host.to_str().ok().and_then(normalized);
            if named.is_none() || named != normalized(authority.as_str()) {
                return Err("the Host header names another host than the request's target");
            }
            Ok(Some(host.clone()))
        }
        (Some(host), None) => Ok(Some(host.clone())),
        (None, Some(authority)) => Ok(HeaderValue::from_str(authority.as_str()).ok()),
        (None, None) => Ok(None),
    }
}

/// Normalise a Host header / :authority value for table lookups.
/// Returns `None` when nothing usable is left (empty, or only a port).
pub fn normalize_host(raw: &str) -> Option<String> {
    normalized(raw).map(Cow::into_owned)
}

/// Like [`normalize_host`], but borrowing from `raw` unless letters must be lower-cased:
/// the request path copies nothing for the usual lower-case Host.
pub(crate) fn normalized(raw: &str) -> Option<Cow<'_, str>> {
    // The usual Host: a lower-case name, no port, no trailing dot; one pass, no copy.
    if !raw.is_empty()
        && !raw.ends_with('.')
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Some(Cow::Borrowed(raw));
    }
    let raw = raw.trim();
    // Drop any userinfo (`user@host`), which is never valid in Host but may be in an authority.
    let raw = raw.rsplit_once('@').map_or(raw, |(_, h)| h);
    let host = if let Some(rest) = raw.strip_prefix('[') {
        // IPv6 literal: keep the brackets, drop what follows `]`.
        let end = rest.find(']')?;
        &raw[..end + 2]
    } else {
        match raw.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            Some(_) => return None,
            None => raw,
        }
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(host.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(host))
    }
}

#[cfg(test)]
mod tests {
    use super::{normalize_host, request_host};
    use http::Uri;
    use http::header::{HOST, HeaderMap, HeaderValue};

    fn hosts(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(HOST, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn a_request_names_one_host() {
        let origin: Uri = "/path".parse().unwrap();
        let absolute: Uri = "http://A.test:80/path".parse().unwrap();
        let named = |h: &[&str], uri: &Uri| request_host(&hosts(h), uri);
        assert_eq!(named(&["a.test"], &origin).unwrap().unwrap(), "a.test");
        assert_eq!(named(&[], &absolute).unwrap().unwrap(), "A.test:80");
        assert_eq!(named(&["a.test"], &absolute).unwrap().unwrap(), "a.test");
        assert_eq!(named(&[], &origin), Ok(None));
        assert!(named(&["a.test", "a.test"], &origin).is_err());
        assert!(named(&["b.test"], &absolute).is_err());
        assert!(named(&[":80"], &absolute).is_err());
    }

    #[test]
    fn normalises() {
        assert_eq!(
            normalize_host("Example.COM").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalize_host("example.com:8080").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalize_host("example.com.").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalize_host("example.com.:443").as_deref(),
            Some("example.com")
        );
        assert_eq!(normalize_host("[::1]:80").as_deref(), Some("[::1]"));
        assert_eq!(normalize_host("u@host:1").as_deref(), Some("host"));
        assert_eq!(normalize_host(""), None);
        assert_eq!(normalize_host(":80"), None);
        assert_eq!(normalize_host("a:b:c"), None);
        assert_eq!(normalize_host("[::1"), None);
        assert_eq!(normalize_host("."), None);
    }
}
