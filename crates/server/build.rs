//! Embeds the documentation site in the daemon: the static files scripts/docs.sh writes to
//! `target/docs-site/` (an mdBook, from docs/) become a table of `include_bytes!` with each
//! file's path and entity tag, which `dashboard::docs_site` serves at `/docs`. A build without
//! the site gets an empty table, and `/docs` then says how to build it.
//!
//! Text (HTML, scripts, styles, the search index) is embedded gzip-compressed, as it is sent to
//! browsers, which keeps the binary a few megabytes smaller; the daemon decompresses a file
//! for the rare client that does not take gzip.
//!
//! `WHARF_DOCS_SITE` names another directory (a site built elsewhere). The directory is made
//! when missing, empty: cargo re-runs a build script whose watched path does not exist on every
//! build, and the daemon would be compiled again each time; an empty directory is watched
//! like a full one, so the site's first build is noticed too.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-env-changed=WHARF_DOCS_SITE");
    let site = match std::env::var_os("WHARF_DOCS_SITE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(&std::env::var("CARGO_MANIFEST_DIR")?).join("../../target/docs-site"),
    };
    fs::create_dir_all(&site)?;
    let site = site.canonicalize()?;
    println!("cargo:rerun-if-changed={}", site.display());

    let mut files = Vec::new();
    collect(&site, &site, &mut files)?;
    // Sorted by path, so the daemon finds a file by binary search.
    files.sort();

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let compressed_dir = out_dir.join("docs-site-gz");
    fs::create_dir_all(&compressed_dir)?;
    let mut table = String::from("pub(super) static FILES: &[SiteFile] = &[\n");
    for (index, (path, file)) in files.iter().enumerate() {
        let bytes = fs::read(file)?;
        let tag = entity_tag(&bytes);
        let gzipped = is_text(path);
        let embedded = if gzipped {
            let compressed = compressed_dir.join(format!("{index}.gz"));
            let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
            encoder.write_all(&bytes)?;
            fs::write(&compressed, encoder.finish()?)?;
            compressed
        } else {
            file.clone()
        };
        let embedded = embedded
            .to_str()
            .ok_or("a path of the docs site is not UTF-8")?;
        writeln!(
            table,
            "    SiteFile {{ path: {path:?}, etag: \"\\\"{tag:016x}\\\"\", bytes: include_bytes!({embedded:?}), gzipped: {gzipped} }},"
        )?;
    }
    table.push_str("];\n");
    let out = out_dir.join("docs_site.rs");
    fs::write(out, table)?;
    Ok(())
}

/// Whether a file is text that gzip makes smaller (the types `docs_site::compressible` names;
/// images and web fonts are compressed already).
fn is_text(path: &str) -> bool {
    let extension = path.rsplit_once('.').map(|(_, extension)| extension);
    matches!(
        extension,
        Some("html" | "css" | "js" | "json" | "svg" | "txt" | "xml" | "ttf" | "otf" | "eot")
    )
}

/// Every file under `dir`, with its path relative to `root` in `/`-separated form.
fn collect(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, PathBuf)>,
) -> Result<(), Box<dyn Error>> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else if path.is_file() {
            let relative = path.strip_prefix(root)?;
            let parts: Option<Vec<&str>> = relative.iter().map(|part| part.to_str()).collect();
            let parts = parts.ok_or("a path of the docs site is not UTF-8")?;
            files.push((parts.join("/"), path));
        }
    }
    Ok(())
}

/// A file's entity tag: FNV-1a, 64 bits, of its bytes. It only has to change when they do.
fn entity_tag(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
