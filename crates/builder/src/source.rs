//! Source trees: what detection reads. A [`SourceTree`] lists its files (relative paths with
//! `/` between parts) and reads one of them, up to [`MAX_READ_BYTES`]: detection reads only
//! small settings files (requirements.txt, package.json, go.mod...), never the whole app.
//!
//! [`DirTree`] is a directory on disk (what `wharf build-plan` reads); it skips what no
//! detection looks into (`.git`, `node_modules`, virtual environments) and follows no links.
//! [`MemoryTree`] is a map of paths to contents (tests, and the server's build context, which
//! keeps the contents of only the files [`reads`] names and lists the others).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::SourceError;

/// Largest file detection reads.
pub const MAX_READ_BYTES: u64 = 1 << 20;

/// Directories a [`DirTree`] does not walk into: tools' caches and dependencies, which can
/// hold thousands of files and never decide what the app is.
const SKIPPED_DIRS: [&str; 6] = [
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".wharf",
];

/// How deep a [`DirTree`] walks (settings live near the top).
const MAX_DEPTH: usize = 6;

/// Most files a tree lists: more say nothing more about what the app is.
pub const MAX_FILES: usize = 20_000;

/// The settings files detection reads at the top of a tree (other files' presence is enough).
const READ_AT_TOP: [&str; 13] = [
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "setup.py",
    "manage.py",
    ".python-version",
    "runtime.txt",
    "package.json",
    ".nvmrc",
    "go.mod",
    "Procfile",
    "app.json",
];

/// Whether detection cares that the file at `path` exists: not in the directories a
/// [`DirTree`] skips, nor deeper than it walks. A holder of a large tree lists only these, so
/// thousands of dependencies cannot crowd out the files that decide (within [`MAX_FILES`]).
pub fn lists(path: &str) -> bool {
    let dirs: Vec<&str> = path.split('/').collect();
    let dirs = &dirs[..dirs.len().saturating_sub(1)];
    dirs.len() <= MAX_DEPTH && !dirs.iter().any(|dir| SKIPPED_DIRS.contains(dir))
}

/// Whether detection may read the file at `path` (relative, `/` between parts): the settings
/// files at the top, and the .go files at the top and in `cmd/NAME/` (to find `package main`).
/// A holder of a large tree keeps these and only lists the rest.
pub fn reads(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [name] => READ_AT_TOP.contains(name) || name.ends_with(".go"),
        ["cmd", _, name] => name.ends_with(".go"),
        _ => false,
    }
}

/// An app's source, as detection sees it.
pub trait SourceTree {
    /// Every regular file's path, relative to the top, parts joined by `/`.
    fn files(&self) -> Result<Vec<String>, SourceError>;
    /// The bytes of the file at `path` (one of [`SourceTree::files`]); a file larger than
    /// [`MAX_READ_BYTES`] is an error, not a truncated read.
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError>;
}

/// A directory on disk.
#[derive(Debug, Clone)]
pub struct DirTree {
    root: PathBuf,
}

impl DirTree {
    pub fn new(root: impl Into<PathBuf>) -> DirTree {
        DirTree { root: root.into() }
    }

    fn walk(
        &self,
        dir: &Path,
        prefix: &str,
        depth: usize,
        out: &mut Vec<String>,
    ) -> Result<(), SourceError> {
        let io = |source| SourceError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut entries = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            if out.len() >= MAX_FILES {
                return Ok(());
            }
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let kind = entry.file_type().map_err(io)?;
            let relative = format!("{prefix}{name}");
            if kind.is_file() {
                out.push(relative);
            } else if kind.is_dir() && depth < MAX_DEPTH && !SKIPPED_DIRS.contains(&name.as_str()) {
                self.walk(&entry.path(), &format!("{relative}/"), depth + 1, out)?;
            }
        }
        Ok(())
    }
}

impl SourceTree for DirTree {
    fn files(&self) -> Result<Vec<String>, SourceError> {
        let mut out = Vec::new();
        self.walk(&self.root, "", 0, &mut out)?;
        Ok(out)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        if path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(SourceError::Missing(path.to_owned()));
        }
        let full = self.root.join(path);
        let io = |source| SourceError::Io {
            path: full.clone(),
            source,
        };
        // No link is followed: only a regular file of the tree is read.
        if !std::fs::symlink_metadata(&full).map_err(io)?.is_file() {
            return Err(SourceError::Missing(path.to_owned()));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&full)
            .map_err(io)?
            .take(MAX_READ_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_READ_BYTES {
            return Err(too_large(path));
        }
        Ok(bytes)
    }
}

/// Files held in memory, by relative path: with their contents, or only listed.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    files: BTreeMap<String, Vec<u8>>,
    listed: BTreeSet<String>,
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// Add (or replace) the file at `path`.
    pub fn insert(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), contents.into());
    }

    /// Note that the file at `path` exists, without its contents (reading it is an error).
    pub fn list(&mut self, path: impl Into<String>) {
        self.listed.insert(path.into());
    }

    /// How many files the tree holds or lists.
    pub fn len(&self) -> usize {
        self.files.len() + self.listed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A tree of these files.
    pub fn of<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for (path, text) in files {
            tree.insert(path, text);
        }
        tree
    }
}

impl SourceTree for MemoryTree {
    fn files(&self) -> Result<Vec<String>, SourceError> {
        let all: BTreeSet<&String> = self.files.keys().chain(&self.listed).collect();
        Ok(all.into_iter().cloned().collect())
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let Some(bytes) = self.files.get(path) else {
            if self.listed.contains(path) {
                return Err(SourceError::NotKept(path.to_owned()));
            }
            return Err(SourceError::Missing(path.to_owned()));
        };
        if bytes.len() as u64 > MAX_READ_BYTES {
            return Err(too_large(path));
        }
        Ok(bytes.clone())
    }
}

fn too_large(path: &str) -> SourceError {
    SourceError::TooLarge {
        path: path.to_owned(),
        limit: MAX_READ_BYTES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_lists_its_files_but_not_dependencies_or_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "flask\n").unwrap();
        std::fs::create_dir_all(root.join("mysite")).unwrap();
        std::fs::write(root.join("mysite/settings.py"), "").unwrap();
        std::fs::create_dir_all(root.join("node_modules/x")).unwrap();
        std::fs::write(root.join("node_modules/x/package.json"), "{}").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("passwd")).unwrap();
        let tree = DirTree::new(root);
        assert_eq!(
            tree.files().unwrap(),
            ["mysite/settings.py", "requirements.txt"]
        );
        assert_eq!(tree.read("requirements.txt").unwrap(), b"flask\n");
        assert!(matches!(tree.read("passwd"), Err(SourceError::Missing(_))));
        assert!(matches!(tree.read("../x"), Err(SourceError::Missing(_))));
    }

    #[test]
    fn detection_reads_settings_files_and_go_sources_only() {
        for path in [
            "requirements.txt",
            "Procfile",
            "main.go",
            "cmd/server/main.go",
            ".nvmrc",
        ] {
            assert!(reads(path), "{path}");
        }
        for path in [
            "app.py",
            "src/requirements.txt",
            "cmd/main.go",
            "mysite/settings.py",
        ] {
            assert!(!reads(path), "{path}");
        }
        assert!(lists("public/index.html") && lists("mysite/settings/prod.py"));
        assert!(!lists("node_modules/x/package.json") && !lists(".git/HEAD"));
        assert!(!lists("a/b/c/d/e/f/g/h.txt"));
        let mut tree = MemoryTree::of([("go.mod", "module x")]);
        tree.list("big.bin");
        assert_eq!(tree.files().unwrap(), ["big.bin", "go.mod"]);
        assert!(matches!(tree.read("big.bin"), Err(SourceError::NotKept(_))));
        assert_eq!(tree.len(), 2);
    }

    #[test]
    fn a_large_file_is_refused_rather_than_cut() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![b'a'; MAX_READ_BYTES as usize + 1];
        std::fs::write(dir.path().join("package.json"), &big).unwrap();
        let err = DirTree::new(dir.path()).read("package.json").unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
        let mut tree = MemoryTree::new();
        tree.insert("package.json", big);
        assert!(tree.read("package.json").is_err());
    }
}
