//! Source trees: what detection reads. A [`SourceTree`] lists its files (relative paths with
//! `/` between parts) and reads one of them, up to [`MAX_READ_BYTES`]: detection reads only
//! small settings files (requirements.txt, package.json, go.mod...), never the whole app.
//!
//! [`MemoryTree`] is a map of paths to contents: the server's build context and the CLI's
//! view of an app directory (both keep the contents of only the files [`reads`] names and
//! list the others that [`lists`] keeps), and tests.

use std::collections::{BTreeMap, BTreeSet};

use crate::SourceError;

/// Largest file detection reads.
pub const MAX_READ_BYTES: u64 = 1 << 20;

/// Directories detection does not look into: tools' caches and dependencies, which can
/// hold thousands of files and never decide what the app is.
const SKIPPED_DIRS: [&str; 6] = [
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".wharf",
];

/// How deep detection looks (settings live near the top).
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
/// detection skips, nor deeper than it looks. A holder of a large tree lists only these, so
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
        let big = vec![b'a'; MAX_READ_BYTES as usize + 1];
        let mut tree = MemoryTree::new();
        tree.insert("package.json", big);
        let err = tree.read("package.json").unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
    }
}
