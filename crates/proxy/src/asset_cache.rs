//! Caching of a static site's files, for apps that ask for it (`# wharf.asset_cache = true`,
//! which Wharf's static site images set): a response the app sent without `Cache-Control`
//! gets one. A file whose name carries a hash of its contents (what bundlers write:
//! `index-BQk3x9aZ.js`, `main.3f2a1b9c.css`, anything under `/_next/static/`) changes name when
//! it changes, so browsers may keep it a year without asking again; anything else (pages,
//! `favicon.ico`) is revalidated on each use with the validators the app sends (`ETag`,
//! `Last-Modified`), so a new release shows at once.
//!
//! The test is on the path alone, with no allocation: a false "hashed" would keep a changed
//! file stale for a year, so every rule leans towards "not hashed".

use http::{HeaderValue, StatusCode, header};

/// For files whose name changes with their contents.
pub static IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// For everything else: use the copy only after asking whether it is still current.
pub static REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Extensions of the files bundlers fingerprint (pages never are: their address is public).
const ASSET_EXTENSIONS: [&str; 17] = [
    "js", "mjs", "css", "map", "wasm", "woff", "woff2", "ttf", "otf", "svg", "png", "jpg", "jpeg",
    "gif", "webp", "avif", "ico",
];

/// Give `response` (to a request for `path`) a `Cache-Control` if the app sent none and it
/// is one a browser keeps: a success, a partial content, or a "not modified".
pub fn add<B>(response: &mut http::Response<B>, path: &str) {
    let keeps = matches!(
        response.status(),
        StatusCode::OK
            | StatusCode::NON_AUTHORITATIVE_INFORMATION
            | StatusCode::PARTIAL_CONTENT
            | StatusCode::NOT_MODIFIED
    );
    if keeps && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, cache_control(path).clone());
    }
}

/// The `Cache-Control` value for a response to a request for `path` (no query).
pub fn cache_control(path: &str) -> &'static HeaderValue {
    if is_fingerprinted(path) {
        &IMMUTABLE
    } else {
        &REVALIDATE
    }
}

/// Whether the file at `path` is named by its contents.
pub fn is_fingerprinted(path: &str) -> bool {
    // Next.js content-addresses everything it writes under this directory.
    if path.starts_with("/_next/static/") && !path.ends_with('/') {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    if !ASSET_EXTENSIONS
        .iter()
        .any(|known| extension.eq_ignore_ascii_case(known))
    {
        return false;
    }
    dotted_hex_hash(stem) || dashed_hash(path, stem)
}

/// webpack, Create React App, Parcel: `main.3f2a1b9c` or `main.3f2a1b9c.chunk`: a part between
/// dots of at least 8 lowercase hex digits, with a digit and a letter (so no date or word).
fn dotted_hex_hash(stem: &str) -> bool {
    stem.split('.').skip(1).any(|part| {
        part.len() >= 8
            && part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && part.bytes().any(|b| b.is_ascii_digit())
            && part.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

/// Vite and Rollup: `index-BQk3x9aZ`: the last 8 characters, after a `-`, from the URL-safe
/// base64 alphabet. A digit, `_` or `-` among them says hash; 8 letters say it only with an
/// upper-case letter after the first (no word such as `ui-Dropdown`) and under Vite's
/// `/assets/` directory.
fn dashed_hash(path: &str, stem: &str) -> bool {
    let bytes = stem.as_bytes();
    let Some(split) = bytes.len().checked_sub(9) else {
        return false;
    };
    if split == 0 || bytes[split] != b'-' {
        return false;
    }
    let hash = &bytes[split + 1..];
    if !hash
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    {
        return false;
    }
    let marked = hash
        .iter()
        .any(|b| b.is_ascii_digit() || *b == b'-' || *b == b'_');
    let mixed =
        hash[1..].iter().any(u8::is_ascii_uppercase) && hash.iter().any(u8::is_ascii_lowercase);
    mixed && (marked || path.starts_with("/assets/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundlers_hashed_names_are_kept_a_year() {
        for path in [
            "/assets/index-BQk3x9aZ.js",
            "/assets/index-D_8jk2Ls.css",
            "/assets/vendor-a1B2-c3D.js",
            "/static/js/main.3f2a1b9c.js",
            "/static/js/787.c4e7f8a2.chunk.js",
            "/static/media/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg",
            "/_next/static/chunks/pages/index.js",
            "/_next/static/css/app.css",
            "/assets/font-Ab12cdEF.woff2",
            "/assets/index-QcR_pJAk.js",
            "/assets/index-QcRvpJAk.js",
            "/js/app-aB3_xYzw.js",
        ] {
            assert!(is_fingerprinted(path), "{path}");
            assert_eq!(cache_control(path), &IMMUTABLE, "{path}");
        }
    }

    #[test]
    fn only_kept_responses_without_their_own_cache_control_get_one() {
        let response = |status: u16, own: Option<&'static str>| {
            let mut builder = http::Response::builder().status(status);
            if let Some(own) = own {
                builder = builder.header(header::CACHE_CONTROL, own);
            }
            builder.body(()).unwrap()
        };
        let cache = |mut response: http::Response<()>, path: &str| {
            add(&mut response, path);
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let hashed = "/assets/index-BQk3x9aZ.js";
        assert_eq!(
            cache(response(200, None), hashed).as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(cache(response(304, None), "/").as_deref(), Some("no-cache"));
        assert_eq!(
            cache(response(200, Some("private")), hashed).as_deref(),
            Some("private")
        );
        assert_eq!(cache(response(404, None), hashed), None);
        assert_eq!(cache(response(500, None), "/"), None);
    }

    #[test]
    fn pages_and_plain_names_are_revalidated() {
        for path in [
            "/",
            "/index.html",
            "/about/",
            "/assets/index-abcdefgh.js",
            "/assets/ui-Dropdown.js",
            "/js/ui-DataGrid.js",
            "/assets/index-qcrvpjak.js",
            "/assets/app.js",
            "/favicon.ico",
            "/report-2024final.pdf",
            "/data.3f2a1b9c.json",
            "/page.3f2a1b9c.html",
            "/static/js/main.20241231.js",
            "/static/js/main.deadbeef.js",
            "/_next/static/",
            "/-Ab12cdEF.js",
            "/a-Ab1.js",
            "",
        ] {
            assert!(!is_fingerprinted(path), "{path}");
            assert_eq!(cache_control(path), &REVALIDATE, "{path}");
        }
    }
}
