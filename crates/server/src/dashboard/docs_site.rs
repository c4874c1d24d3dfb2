//! The documentation site, served at `/docs/` of the dashboard's listeners to anyone: the
//! mdBook scripts/docs.sh builds from docs/ (`target/docs-site/`), embedded in the binary by
//! the build script (`build.rs`), so it works offline and matches the binary it came with.
//!
//! A request names a *site path* (what follows `/docs/`); only paths of the embedded table are
//! served, so nothing outside it can be reached, whatever the path says (`..`, `\`, encoded or
//! not: such paths are refused before the look-up). A directory's path serves its `index.html`;
//! a path with no file gets the site's own 404 page. Every file carries an entity tag (a hash
//! of its bytes, made at build time) and is revalidated on each use, so a new binary's pages
//! show at once and an unchanged one costs a `304`. Text is sent gzip-compressed to clients that
//! take it: it is embedded compressed (build.rs), and decompressed once, at its first request,
//! for a client that does not take gzip.
//!
//! A binary built without the site answers `/docs/` with a page that says how to build it.

use super::assets::{accepts_gzip, gzip};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, html};
use std::io::Read as _;
use std::sync::{LazyLock, OnceLock};

/// The site's address without its slash, which redirects to [`ROOT`].
pub(super) const ENTRY: &str = "/docs";
/// The site's first page.
pub(super) const ROOT: &str = "/docs/";
/// Every other file of the site.
pub(super) const FILES_PATH: &str = "/docs/{*path}";

/// One file of the built site.
pub(super) struct SiteFile {
    /// Its site path, `/`-separated (`guides/django.html`).
    path: &'static str,
    /// Its entity tag, quoted.
    etag: &'static str,
    /// Its bytes; gzip-compressed when `gzipped`.
    bytes: &'static [u8],
    gzipped: bool,
}

// `FILES`: the site's files sorted by path, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/docs_site.rs"));

/// Each file's compressed bytes, by its index in `FILES`, made when first asked for.
static GZIPPED: LazyLock<Vec<OnceLock<Option<Vec<u8>>>>> =
    LazyLock::new(|| FILES.iter().map(|_| OnceLock::new()).collect());

/// Each compressed file's plain bytes, by its index in `FILES`, made when first asked for.
static PLAIN: LazyLock<Vec<OnceLock<Option<Vec<u8>>>>> =
    LazyLock::new(|| FILES.iter().map(|_| OnceLock::new()).collect());

/// Revalidated on every use: the entity tag makes that a `304` when nothing changed.
const CACHE: &str = "public, no-cache";

/// mdBook's pages run small inline scripts (the theme, the sidebar) and set inline styles, so
/// the site's policy allows inline ones; everything else comes from the site itself. The pages
/// are the binary's own files, built from the repository, never from what a user sends.
const POLICY: &str = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// `/docs`: to `/docs/`, where the site's relative links work.
pub(super) async fn entry() -> Redirect {
    Redirect::permanent(ROOT)
}

/// `/docs/`: the site's first page.
pub(super) async fn index(headers: HeaderMap) -> Response {
    serve(FILES, "", &headers)
}

/// `/docs/PATH`: a file of the site.
pub(super) async fn file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(FILES, &path, &headers)
}

fn serve(files: &'static [SiteFile], path: &str, request: &HeaderMap) -> Response {
    if files.is_empty() {
        return not_built(path.is_empty());
    }
    match find(files, path) {
        Some(index) => answer(files, index, request, StatusCode::OK),
        None => match find(files, "404.html") {
            Some(index) => answer(files, index, request, StatusCode::NOT_FOUND),
            None => (StatusCode::NOT_FOUND, "no such page\n").into_response(),
        },
    }
}

/// The index in `files` of the file a site path names: a directory's `index.html`; `None` for
/// a path with an empty, `.` or `..` segment, a backslash or a NUL, or that the site lacks.
fn find(files: &[SiteFile], path: &str) -> Option<usize> {
    let wanted = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    let unsafe_part = wanted
        .split('/')
        .any(|part| matches!(part, "" | "." | ".."));
    if unsafe_part || wanted.contains(['\\', '\0']) {
        return None;
    }
    files
        .binary_search_by(|file| file.path.cmp(wanted.as_str()))
        .ok()
}

fn answer(
    files: &'static [SiteFile],
    index: usize,
    request: &HeaderMap,
    status: StatusCode,
) -> Response {
    let Some(file) = files.get(index) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = content_type(file.path);
    let etag = HeaderValue::from_static(file.etag);
    if status == StatusCode::OK && matches_tag(request, file.etag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, etag);
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
        return response;
    }
    let takes_gzip = accepts_gzip(request);
    let gzipped = if file.gzipped && takes_gzip {
        Some(file.bytes)
    } else if !file.gzipped && compressible(content_type) && takes_gzip {
        compressed(files, index)
    } else {
        None
    };
    let mut response = match gzipped {
        Some(bytes) => {
            let mut response = bytes.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        }
        None if file.gzipped => match plain(files, index) {
            Some(bytes) => bytes.into_response(),
            None => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        None => file.bytes.into_response(),
    };
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    headers.insert(header::ETAG, etag);
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    response
}

/// The compressed bytes of the embedded site's file at `index` (only `FILES` is cached).
fn compressed(files: &'static [SiteFile], index: usize) -> Option<&'static [u8]> {
    if !std::ptr::eq(files, FILES) {
        return None;
    }
    GZIPPED
        .get(index)?
        .get_or_init(|| gzip(files[index].bytes))
        .as_deref()
}

/// The plain bytes of the embedded site's compressed file at `index` (only `FILES` has any).
fn plain(files: &'static [SiteFile], index: usize) -> Option<&'static [u8]> {
    if !std::ptr::eq(files, FILES) {
        return None;
    }
    PLAIN
        .get(index)?
        .get_or_init(|| {
            let mut plain = Vec::new();
            match flate2::read::GzDecoder::new(files[index].bytes).read_to_end(&mut plain) {
                Ok(_) => Some(plain),
                Err(err) => {
                    tracing::warn!(error = %err, path = files[index].path, "could not decompress a page of the docs site");
                    None
                }
            }
        })
        .as_deref()
}

/// Whether `If-None-Match` names `etag` (or `*`); weak tags compare by their value.
fn matches_tag(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, extension)| extension);
    match extension {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("eot") => "application/vnd.ms-fontobject",
        Some("txt") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    }
}

/// Whether gzip makes a file of this type smaller (images and web fonts are compressed already).
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || matches!(
            content_type,
            "application/json"
                | "image/svg+xml"
                | "application/xml"
                | "font/ttf"
                | "font/otf"
                | "application/vnd.ms-fontobject"
        )
}

/// What `/docs` answers when the binary was built without the site.
fn not_built(first_page: bool) -> Response {
    let status = if first_page {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Documentation · Wharf" }
            }
            body {
                h1 { "The documentation is not built into this binary" }
                p {
                    "This wharf was built before its documentation site. In a checkout of Wharf, run "
                    code { "scripts/docs.sh" }
                    " (it builds the site into " code { "target/docs-site/" } "), then build wharf again: "
                    "the site is embedded when the binary is built, and served here."
                }
                p { "The same pages are the markdown files in the repository's " code { "docs/" } " directory." }
            }
        }
    };
    (status, page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    static SITE: &[SiteFile] = &[
        SiteFile {
            path: "404.html",
            etag: "\"1\"",
            bytes: b"<h1>Not found</h1>",
            gzipped: false,
        },
        SiteFile {
            path: "guides/django.html",
            etag: "\"2\"",
            bytes: b"<h1>Django</h1>",
            gzipped: false,
        },
        SiteFile {
            path: "index.html",
            etag: "\"3\"",
            bytes: b"<h1>Wharf</h1>",
            gzipped: false,
        },
        SiteFile {
            path: "searchindex.js",
            etag: "\"4\"",
            bytes: b"window.search = {};",
            gzipped: false,
        },
    ];

    fn path_of(path: &str) -> Option<&'static str> {
        find(SITE, path).map(|index| SITE[index].path)
    }

    #[test]
    fn a_site_path_names_a_file_of_the_table_and_a_directory_its_index() {
        assert_eq!(path_of(""), Some("index.html"));
        assert_eq!(path_of("index.html"), Some("index.html"));
        assert_eq!(path_of("guides/django.html"), Some("guides/django.html"));
        assert_eq!(path_of("guides/flask.html"), None);
        assert_eq!(path_of("guides/"), None);
    }

    #[test]
    fn no_path_leaves_the_site() {
        for path in [
            "../index.html",
            "guides/../index.html",
            "guides/../../wharf.db",
            "./index.html",
            "guides//django.html",
            "/index.html",
            "..",
            "guides\\..\\index.html",
            "index.html\0",
            "/etc/passwd",
        ] {
            assert_eq!(path_of(path), None, "{path:?}");
        }
    }

    #[tokio::test]
    async fn pages_answer_with_their_type_and_tag_and_unknown_ones_with_the_404_page() {
        let page = serve(SITE, "guides/django.html", &HeaderMap::new());
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(page.headers()[header::ETAG], "\"2\"");
        assert!(
            page.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let script = serve(SITE, "searchindex.js", &HeaderMap::new());
        assert_eq!(
            script.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );

        let missing = serve(SITE, "guides/../../wharf.db", &HeaderMap::new());
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(missing.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&body[..], b"<h1>Not found</h1>");
    }

    #[test]
    fn a_known_tag_gets_not_modified() {
        let mut request = HeaderMap::new();
        request.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"9\", W/\"3\""),
        );
        let answer = serve(SITE, "", &request);
        assert_eq!(answer.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(answer.headers()[header::ETAG], "\"3\"");
        let other = serve(SITE, "guides/django.html", &request);
        assert_eq!(other.status(), StatusCode::OK);
    }

    #[test]
    fn without_a_built_site_the_first_page_says_how_to_build_it() {
        assert_eq!(serve(&[], "", &HeaderMap::new()).status(), StatusCode::OK);
        assert_eq!(
            serve(&[], "guides/django.html", &HeaderMap::new()).status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn text_is_compressed_and_fonts_and_images_are_not() {
        assert!(compressible(content_type("searchindex.json")));
        assert!(compressible(content_type("book.js")));
        assert!(!compressible(content_type("fonts/open-sans.woff2")));
        assert!(!compressible(content_type("favicon.png")));
    }
}
