//! Embeds the documentation site in the daemon: the static files scripts/docs.sh writes to
//! `target/docs-site/` (an mdBook, from docs/) become a table of `include_bytes!` with each
//! file's path and entity tag, which `dashboard::docs_site` serves at `/docs`. A build without
//! the site gets an empty table, and `/docs` then says how to build it.
//!
//! `WHARF_DOCS_SITE` names another directory (a site built elsewhere). The directory is made
//! when missing, empty: cargo re-runs a build script whose watched path does not exist on every
//! build, and the daemon would be compiled again each time; an empty directory is watched
//! like a full one, so the site's first build is noticed too.

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
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

    let mut table = String::from("pub(super) static FILES: &[SiteFile] = &[\n");
    for (path, file) in &files {
        let tag = entity_tag(&fs::read(file)?);
        let file = file
            .to_str()
            .ok_or("a path of the docs site is not UTF-8")?;
        writeln!(
            table,
            "    SiteFile {{ path: {path:?}, etag: \"\\\"{tag:016x}\\\"\", bytes: include_bytes!({file:?}) }},"
        )?;
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("docs_site.rs");
    fs::write(out, table)?;
    Ok(())
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
