//! The static site image: the files on `busybox`, served by its `httpd`. Why busybox: the
//! image is about 4 MB, its server needs no configuration beyond the content types below and
//! runs as an unprivileged user (`nobody`'s numeric id, which needs no account), and nothing of a language runtime is needed to serve
//! files. The content types add what busybox's built-in table lacks for today's sites.
//! httpd cannot send `Cache-Control`: the image's `asset_cache` setting has Wharf's proxy add it.

use crate::{APP_PORT, StaticSite};

/// `extension:type` lines for httpd.conf, beyond busybox's own table.
const CONTENT_TYPES: [&str; 9] = [
    ".js:text/javascript",
    ".mjs:text/javascript",
    ".json:application/json",
    ".svg:image/svg+xml",
    ".webp:image/webp",
    ".woff2:font/woff2",
    ".woff:font/woff",
    ".wasm:application/wasm",
    ".webmanifest:application/manifest+json",
];

pub(super) fn render(site: &StaticSite, out: &mut String) {
    let from = if site.root == "." {
        "."
    } else {
        site.root.as_str()
    };
    serve(None, from, out);
}

/// The serving stage: the files at `from` (in the build context, or in the earlier stage
/// `stage`) on busybox's httpd.
pub(super) fn serve(stage: Option<&str>, from: &str, out: &mut String) {
    out.push_str(
        "\n# Wharf's proxy adds Cache-Control: a year for files named by their contents' hash,\n# revalidation (by ETag and Last-Modified, which httpd sends) for the rest.\n# wharf.asset_cache = true\n",
    );
    out.push_str("FROM busybox:latest\n");
    let conf = CONTENT_TYPES.join("\\n");
    out.push_str(&format!("RUN printf '{conf}\\n' > /etc/httpd.conf\n"));
    match stage {
        Some(stage) => out.push_str(&format!("COPY --from={stage} {from} /www\n")),
        None => out.push_str(&format!("COPY {from} /www\n")),
    }
    // A numeric user needs no account in the image: the files are readable by all.
    out.push_str("USER 65534:65534\n");
    out.push_str(&format!("EXPOSE {APP_PORT}\n"));
    out.push_str(&format!(
        "CMD [\"httpd\", \"-f\", \"-v\", \"-p\", \"{APP_PORT}\", \"-h\", \"/www\", \"-c\", \"/etc/httpd.conf\"]\n"
    ));
}
