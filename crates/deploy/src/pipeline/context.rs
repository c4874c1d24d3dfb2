//! The build context: the tar of an app's source that a client uploads. Before Docker sees it,
//! every entry is checked: relative paths only, no `..`, no links that escape the context, no
//! device files, a size limit. On the way, the files are listed (and the few that Wharf's
//! builders read are kept) as a source tree, so an app without a Dockerfile can be recognised,
//! and the Dockerfile written for it is appended to the same tar ([`BuildContext::add_file`]).

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use wharf_builder::MemoryTree;

/// Limits on an uploaded build context.
#[derive(Debug, Clone, Copy)]
pub struct ContextLimits {
    /// Largest total size of the files in the context, in bytes.
    pub max_bytes: u64,
}

/// Default upload limit: 1 GiB, plenty for source code; big assets belong in volumes.
pub const DEFAULT_MAX_CONTEXT_BYTES: u64 = 1 << 30;

impl Default for ContextLimits {
    fn default() -> Self {
        ContextLimits {
            max_bytes: DEFAULT_MAX_CONTEXT_BYTES,
        }
    }
}

/// Largest Dockerfile, Procfile or app.json read for settings.
const MAX_SETTINGS_FILE_BYTES: u64 = 1 << 20;

/// What is wrong with an uploaded build context.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("cannot add {name} to the build context: {message}")]
    Append { name: String, message: String },
    #[error(
        "the build context entry `{0}` has an absolute path; build contexts hold relative paths only"
    )]
    AbsolutePath(String),
    #[error("the build context entry `{0}` contains `..`; paths may not leave the context")]
    ParentDir(String),
    #[error(
        "the build context entry `{path}` is a link to `{target}`, which is outside the context"
    )]
    LinkEscapes { path: String, target: String },
    #[error(
        "the build context entry `{path}` is a {kind}; only files, directories and links are allowed"
    )]
    UnsupportedEntry { path: String, kind: String },
    #[error(
        "the build context is larger than the server's limit of {limit} bytes; add large files to .dockerignore"
    )]
    TooLarge { limit: u64 },
    #[error("the {0} at the top of the build context is not UTF-8 text")]
    NotText(&'static str),
    #[error("the build context is not a valid tar archive: {0}")]
    Malformed(String),
    #[error(
        "the build context is {0}-compressed; send a plain (uncompressed) tar archive, e.g. `tar -c -C DIR .`, or deploy the directory with `wharf deploy DIR`"
    )]
    Compressed(&'static str),
}

/// The compression of a file that starts with `head`, if it is one Docker users send by
/// habit (`docker build - < context.tar.gz` accepts them; Wharf reads the tar itself).
/// A tar starts with its first entry's name, so only magic numbers no file name starts with
/// are used: bzip2's is checked with the block header after it (`BZh9` + `1AY&SY`).
fn compression(head: &[u8]) -> Option<&'static str> {
    const KINDS: [(&[u8], &str); 3] = [
        (&[0x1f, 0x8b], "gzip"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], "xz"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd"),
    ];
    let bzip2 = head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && &head[4..10] == b"1AY&SY";
    if bzip2 {
        return Some("bzip2");
    }
    KINDS
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// A checked build context on disk, with the text of the files Wharf reads settings from.
#[derive(Debug)]
pub struct BuildContext {
    pub tar_path: PathBuf,
    /// The app's own Dockerfile, if it has one at the top.
    pub dockerfile: Option<String>,
    /// The context as Wharf's builders see it: every file listed, settings files kept.
    pub source: MemoryTree,
    /// Where the archive's entries end (before its closing blocks): where a file is appended.
    entries_end: u64,
    /// Heroku's Procfile, if the context has one at its top.
    pub procfile: Option<String>,
    /// Heroku's and Dokku's app.json, if the context has one at its top.
    pub app_json: Option<String>,
    /// The source revision the context was made from (the pushed git commit), if known.
    pub revision: Option<String>,
}

impl BuildContext {
    /// Check every entry of the tar at `tar_path`.
    pub fn check(tar_path: &Path, limits: ContextLimits) -> Result<BuildContext, ContextError> {
        let mut file =
            std::fs::File::open(tar_path).map_err(|e| ContextError::Malformed(e.to_string()))?;
        let mut head = Vec::with_capacity(10);
        (&mut file)
            .take(10)
            .read_to_end(&mut head)
            .map_err(|e| ContextError::Malformed(e.to_string()))?;
        if let Some(kind) = compression(&head) {
            return Err(ContextError::Compressed(kind));
        }
        use std::io::Seek;
        file.rewind()
            .map_err(|e| ContextError::Malformed(e.to_string()))?;
        let mut archive = tar::Archive::new(file);
        let entries = archive
            .entries()
            .map_err(|e| ContextError::Malformed(e.to_string()))?;
        let mut total: u64 = 0;
        let mut dockerfile = None;
        let mut procfile = None;
        let mut app_json = None;
        let mut source = MemoryTree::new();
        let mut entries_end = 0;
        for entry in entries {
            let mut entry = entry.map_err(|e| ContextError::Malformed(e.to_string()))?;
            let raw = entry
                .path()
                .map_err(|e| ContextError::Malformed(e.to_string()))?
                .into_owned();
            let shown = raw.display().to_string();
            let relative = relative_path(&raw, &shown)?;
            let kind = entry.header().entry_type();
            let size = entry.header().size().unwrap_or(0);
            entries_end = entries_end.max(entry.raw_file_position() + size.div_ceil(512) * 512);
            total = total.saturating_add(size);
            if total > limits.max_bytes {
                return Err(ContextError::TooLarge {
                    limit: limits.max_bytes,
                });
            }
            use tar::EntryType::*;
            match kind {
                Regular | Continuous | GNUSparse => {}
                Directory | XGlobalHeader | XHeader | GNULongName | GNULongLink => {}
                Symlink | Link => {
                    let target = entry
                        .link_name()
                        .map_err(|e| ContextError::Malformed(e.to_string()))?
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    let base = if kind == Symlink {
                        relative.parent().map(Path::to_path_buf).unwrap_or_default()
                    } else {
                        PathBuf::new()
                    };
                    if escapes(&base, &target) {
                        return Err(ContextError::LinkEscapes {
                            path: shown,
                            target: target.display().to_string(),
                        });
                    }
                }
                other => {
                    return Err(ContextError::UnsupportedEntry {
                        path: shown,
                        kind: format!("{other:?}").to_lowercase(),
                    });
                }
            }
            let Some(path) = relative.to_str().filter(|_| kind == Regular) else {
                continue;
            };
            let slot = match path {
                "Dockerfile" => Some((&mut dockerfile, "Dockerfile")),
                "Procfile" => Some((&mut procfile, "Procfile")),
                "app.json" => Some((&mut app_json, "app.json")),
                _ => None,
            };
            let kept = wharf_builder::reads(path);
            if slot.is_none() && !kept {
                if source.len() < wharf_builder::MAX_FILES && wharf_builder::lists(path) {
                    source.list(path);
                }
                continue;
            }
            // One byte past the builders' limit, so they can tell a file too large to read.
            let mut bytes = Vec::new();
            (&mut entry)
                .take(MAX_SETTINGS_FILE_BYTES.max(wharf_builder::MAX_READ_BYTES + 1))
                .read_to_end(&mut bytes)
                .map_err(|e| ContextError::Malformed(e.to_string()))?;
            if let Some((slot, name)) = slot {
                let text = bytes.get(..bytes.len().min(MAX_SETTINGS_FILE_BYTES as usize));
                let text = std::str::from_utf8(text.unwrap_or_default())
                    .map_err(|_| ContextError::NotText(name))?;
                *slot = Some(text.to_owned());
            }
            source.insert(path, bytes);
        }
        Ok(BuildContext {
            tar_path: tar_path.to_path_buf(),
            dockerfile,
            source,
            entries_end,
            procfile,
            app_json,
            revision: None,
        })
    }

    /// What Wharf's builders make of the context: its own Dockerfile, or the one they write.
    pub fn plan(&self) -> Result<wharf_builder::Plan, wharf_builder::PlanError> {
        wharf_builder::plan(&self.source)
    }

    /// Append a file at the top of the context (the Dockerfile a builder wrote): its entry
    /// replaces the archive's closing blocks, which the tar writer puts back after it.
    pub fn add_file(&mut self, name: &str, contents: &[u8]) -> Result<(), ContextError> {
        let fail = |e: std::io::Error| ContextError::Append {
            name: name.to_owned(),
            message: e.to_string(),
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.tar_path)
            .map_err(fail)?;
        file.set_len(self.entries_end).map_err(fail)?;
        let mut file = file;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0)).map_err(fail)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        let mut builder = tar::Builder::new(file);
        builder
            .append_data(&mut header, name, contents)
            .map_err(fail)?;
        let file = builder.into_inner().map_err(fail)?;
        let size = file.metadata().map_err(fail)?.len();
        self.entries_end = size - 1024;
        Ok(())
    }
}

/// Write at `tar_path` the build context of a prebuilt image's release: one Dockerfile,
/// `FROM image` under the app's settings as `# wharf.` comments, and check it as any other.
pub fn image_context(
    tar_path: &Path,
    image: &wharf_domain::ImageRef,
    settings: &wharf_domain::ImageSettings,
) -> Result<BuildContext, ContextError> {
    let fail = |e: std::io::Error| ContextError::Append {
        name: "Dockerfile".to_owned(),
        message: e.to_string(),
    };
    let text = settings.dockerfile(image);
    let file = std::fs::File::create(tar_path).map_err(fail)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    let mut builder = tar::Builder::new(file);
    builder
        .append_data(&mut header, "Dockerfile", text.as_bytes())
        .map_err(fail)?;
    builder.into_inner().map_err(fail)?;
    BuildContext::check(
        tar_path,
        ContextLimits {
            max_bytes: 1024 * 1024,
        },
    )
}

/// The entry's path relative to the context root, or why it is not acceptable.
fn relative_path(raw: &Path, shown: &str) -> Result<PathBuf, ContextError> {
    let mut out = PathBuf::new();
    for component in raw.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(ContextError::ParentDir(shown.to_string())),
            Component::RootDir | Component::Prefix(_) => {
                return Err(ContextError::AbsolutePath(shown.to_string()));
            }
        }
    }
    Ok(out)
}

/// Whether `target`, resolved from directory `base` inside the context, leaves the context.
fn escapes(base: &Path, target: &Path) -> bool {
    let mut depth = base.components().count() as i64;
    for component in target.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            Component::RootDir | Component::Prefix(_) => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_contexts_are_named_and_plain_tars_are_not() {
        assert_eq!(compression(&[0x1f, 0x8b, 8, 0, 0, 0]), Some("gzip"));
        assert_eq!(compression(b"BZh91AY&SY"), Some("bzip2"));
        assert_eq!(
            compression(&[0xfd, b'7', b'z', b'X', b'Z', 0, 0]),
            Some("xz")
        );
        assert_eq!(compression(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Some("zstd"));
        assert_eq!(compression(b"BZhello.txt"), None, "a file name, not bzip2");
        assert_eq!(compression(b"Dockerfile"), None);
        assert_eq!(compression(b""), None);
        let tar = tar_of(&[Item::File("Dockerfile", b"FROM busybox\n")]);
        let gz = tempfile::NamedTempFile::new().unwrap();
        let mut bytes = vec![0x1f, 0x8b, 8, 0];
        bytes.extend(std::fs::read(tar.path()).unwrap());
        std::fs::write(gz.path(), bytes).unwrap();
        let err = BuildContext::check(gz.path(), ContextLimits::default()).unwrap_err();
        assert!(matches!(err, ContextError::Compressed("gzip")), "{err}");
        assert!(
            err.to_string().contains("plain (uncompressed) tar"),
            "{err}"
        );
        assert!(BuildContext::check(tar.path(), ContextLimits::default()).is_ok());
    }

    enum Item<'a> {
        File(&'a str, &'a [u8]),
        Symlink(&'a str, &'a str),
        Raw(&'a [u8], &'a [u8]),
    }

    fn tar_of(items: &[Item<'_>]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut builder = tar::Builder::new(file.reopen().unwrap());
        for item in items {
            match item {
                Item::File(path, data) => {
                    let mut header = tar::Header::new_gnu();
                    header.set_size(data.len() as u64);
                    header.set_mode(0o644);
                    header.set_cksum();
                    builder.append_data(&mut header, path, *data).unwrap();
                }
                Item::Symlink(path, target) => {
                    let mut header = tar::Header::new_gnu();
                    header.set_entry_type(tar::EntryType::Symlink);
                    header.set_size(0);
                    builder.append_link(&mut header, path, target).unwrap();
                }
                Item::Raw(name, data) => {
                    // Write a header by hand so names the tar crate refuses (absolute, ..) get in.
                    let mut header = tar::Header::new_old();
                    header.as_old_mut().name[..name.len()].copy_from_slice(name);
                    header.set_size(data.len() as u64);
                    header.set_mode(0o644);
                    header.set_cksum();
                    builder.append(&header, *data).unwrap();
                }
            }
        }
        builder.finish().unwrap();
        file
    }

    fn check(items: &[Item<'_>]) -> Result<BuildContext, ContextError> {
        let file = tar_of(items);
        BuildContext::check(file.path(), ContextLimits::default())
    }

    #[test]
    fn a_plain_context_passes_and_yields_its_dockerfile() {
        let ctx = check(&[
            Item::File("Dockerfile", b"FROM busybox\n# wharf.port = 8080\n"),
            Item::File("Procfile", b"web: run\n"),
            Item::File("./src/app.py", b"print(1)"),
            Item::Symlink("src/link", "app.py"),
            Item::Symlink("src/up", "../Dockerfile"),
        ])
        .unwrap();
        assert!(ctx.dockerfile.unwrap().contains("wharf.port"));
        assert_eq!(ctx.procfile.as_deref(), Some("web: run\n"));
        assert_eq!(ctx.app_json, None);
    }

    #[test]
    fn a_context_without_a_dockerfile_is_a_source_tree_for_the_builders() {
        use wharf_builder::SourceTree;
        let ctx = check(&[
            Item::File("requirements.txt", b"flask\n"),
            Item::File("app.py", b"print(1)"),
            Item::File("sub/Dockerfile", b"FROM x"),
        ])
        .unwrap();
        // A Dockerfile in a subdirectory is not the context's Dockerfile.
        assert_eq!(ctx.dockerfile, None);
        let files = ctx.source.files().unwrap();
        assert_eq!(files, ["app.py", "requirements.txt", "sub/Dockerfile"]);
        assert_eq!(ctx.source.read("requirements.txt").unwrap(), b"flask\n");
        assert!(
            ctx.source.read("app.py").is_err(),
            "only settings files are kept"
        );
    }

    #[test]
    fn a_file_added_to_the_context_follows_its_entries() {
        let file = tar_of(&[
            Item::File("requirements.txt", b"flask\n"),
            Item::File("app.py", &[b'x'; 700]),
        ]);
        let mut ctx = BuildContext::check(file.path(), ContextLimits::default()).unwrap();
        ctx.add_file("Dockerfile", b"FROM python:3.13-slim\n")
            .unwrap();
        ctx.add_file("Other", b"second").unwrap();
        let again = BuildContext::check(file.path(), ContextLimits::default()).unwrap();
        assert_eq!(again.dockerfile.as_deref(), Some("FROM python:3.13-slim\n"));
        let mut archive = tar::Archive::new(std::fs::File::open(file.path()).unwrap());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["requirements.txt", "app.py", "Dockerfile", "Other"]);
    }

    #[test]
    fn absolute_and_parent_paths_are_refused() {
        let err = check(&[
            Item::File("Dockerfile", b"FROM x"),
            Item::Raw(b"/etc/passwd", b"x"),
        ])
        .unwrap_err();
        assert!(
            matches!(err, ContextError::AbsolutePath(ref p) if p == "/etc/passwd"),
            "{err}"
        );
        let err = check(&[
            Item::File("Dockerfile", b"FROM x"),
            Item::Raw(b"a/../../evil", b"x"),
        ])
        .unwrap_err();
        assert!(matches!(err, ContextError::ParentDir(_)), "{err}");
    }

    #[test]
    fn links_that_escape_are_refused() {
        for target in ["/etc/shadow", "../outside", "a/../../x"] {
            let err = check(&[
                Item::File("Dockerfile", b"FROM x"),
                Item::Symlink("link", target),
            ])
            .unwrap_err();
            assert!(
                matches!(err, ContextError::LinkEscapes { .. }),
                "{target}: {err}"
            );
            assert!(err.to_string().contains(target));
        }
    }

    #[test]
    fn contexts_over_the_limit_are_refused() {
        let file = tar_of(&[
            Item::File("Dockerfile", b"FROM x"),
            Item::File("big", &[0u8; 4096]),
        ]);
        let err = BuildContext::check(file.path(), ContextLimits { max_bytes: 1000 }).unwrap_err();
        assert!(matches!(err, ContextError::TooLarge { limit: 1000 }));
    }

    #[test]
    fn garbage_is_not_a_tar() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            b"this is not a tar archive at all, not even close....",
        )
        .unwrap();
        assert!(BuildContext::check(file.path(), ContextLimits::default()).is_err());
    }
}
