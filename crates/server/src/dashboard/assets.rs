//! The dashboard's assets, compiled into the binary: its stylesheet and its script that follows
//! live output (pages are whole without it), and the console's: its script and the vendored
//! terminal (`vendor/`, xterm.js, only on the console page).
//!
//! An asset is sent gzip-compressed to a client that accepts it: compressed once, at its first
//! request, and kept (a build step to compress ahead would be one more thing to run).
//! The vendored files' paths name their version, so they are cached for a year; the dashboard's
//! own change with the binary, so they are cached for minutes.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::sync::OnceLock;

pub(super) const STYLESHEET: &str = "/assets/style.css";
pub(super) const SCRIPT: &str = "/assets/live.js";
pub(super) const CONSOLE_SCRIPT: &str = "/assets/console.js";
pub(super) const TERMINAL_SCRIPT: &str = "/assets/xterm-6.0.0.js";
pub(super) const TERMINAL_STYLESHEET: &str = "/assets/xterm-6.0.0.css";

/// How long a browser keeps the dashboard's own assets, and the vendored, versioned ones.
const OWN: &str = "public, max-age=300";
const VERSIONED: &str = "public, max-age=31536000, immutable";

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// One embedded file and its compressed form, made when first asked for.
struct Asset {
    content_type: &'static str,
    cache: &'static str,
    bytes: &'static [u8],
    gzipped: OnceLock<Option<Vec<u8>>>,
}

impl Asset {
    const fn new(content_type: &'static str, cache: &'static str, bytes: &'static [u8]) -> Asset {
        Asset {
            content_type,
            cache,
            bytes,
            gzipped: OnceLock::new(),
        }
    }

    fn gzipped(&self) -> Option<&[u8]> {
        self.gzipped.get_or_init(|| gzip(self.bytes)).as_deref()
    }

    fn answer(&self, request: &HeaderMap) -> Response {
        let compressed = accepts_gzip(request).then(|| self.gzipped()).flatten();
        let mut response = match compressed {
            Some(bytes) => {
                let mut response = bytes.to_vec().into_response();
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
            }
            None => self.bytes.into_response(),
        };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.cache));
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        response
    }
}

/// `bytes` gzip-compressed; `None` (and a warning) if that failed, to send them plain.
pub(super) fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    match encoder.write_all(bytes).and_then(|()| encoder.finish()) {
        Ok(compressed) => Some(compressed),
        Err(err) => {
            tracing::warn!(error = %err, "could not compress a dashboard asset");
            None
        }
    }
}

/// Whether `Accept-Encoding` takes gzip (named, and not with `q=0`).
pub(super) fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

static STYLE: Asset = Asset::new(CSS, OWN, include_bytes!("style.css"));
static LIVE: Asset = Asset::new(JS, OWN, include_bytes!("live.js"));
static CONSOLE: Asset = Asset::new(JS, OWN, include_bytes!("console.js"));
static XTERM_JS: Asset = Asset::new(JS, VERSIONED, include_bytes!("vendor/xterm.js"));
static XTERM_CSS: Asset = Asset::new(CSS, VERSIONED, include_bytes!("vendor/xterm.css"));

pub(super) async fn stylesheet(headers: HeaderMap) -> Response {
    STYLE.answer(&headers)
}

pub(super) async fn script(headers: HeaderMap) -> Response {
    LIVE.answer(&headers)
}

pub(super) async fn console_script(headers: HeaderMap) -> Response {
    CONSOLE.answer(&headers)
}

pub(super) async fn terminal_script(headers: HeaderMap) -> Response {
    XTERM_JS.answer(&headers)
}

pub(super) async fn terminal_stylesheet(headers: HeaderMap) -> Response {
    XTERM_CSS.answer(&headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn accepting(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn gzip_is_sent_only_where_accepted() {
        assert!(accepts_gzip(&accepting("gzip, deflate, br")));
        assert!(accepts_gzip(&accepting("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&accepting("*")));
        assert!(!accepts_gzip(&accepting("gzip;q=0, br")));
        assert!(!accepts_gzip(&accepting("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_terminal_is_compressed_once_and_decompresses_to_itself() {
        let first = XTERM_JS.gzipped().unwrap();
        assert!(first.len() * 3 < XTERM_JS.bytes.len(), "{}", first.len());
        assert!(std::ptr::eq(first, XTERM_JS.gzipped().unwrap()));
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(first)
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, XTERM_JS.bytes);
        let answer = XTERM_JS.answer(&accepting("gzip"));
        assert_eq!(answer.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(
            answer.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let plain = STYLE.answer(&HeaderMap::new());
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    }
}
