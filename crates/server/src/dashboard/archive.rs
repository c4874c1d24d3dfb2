//! An uploaded app directory (`.zip`, `.tar` or `.tar.gz`, told apart by their first bytes)
//! made into the plain tar `wharf push` sends, which the deploy then checks as it checks every
//! build context (paths, links, size). A directory packed with its own folder around it, as
//! "Download ZIP" and `tar czf app.tar.gz app/` make, is stepped into: its files are the
//! context's root.
//!
//! Zip entries are taken only by their enclosed names (no absolute path, no `..`) and their
//! sizes count against the limit as they are unpacked, so a small archive cannot unpack into
//! an unbounded one.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an upload cannot be made into a build context.
#[derive(Debug, Error)]
pub(super) enum ArchiveError {
    #[error("the file is empty; choose a .zip, .tar or .tar.gz of the app's directory")]
    Empty,
    #[error(
        "the zip file cannot be read: {0}; pack the app's directory again as a .zip, .tar or .tar.gz"
    )]
    Zip(#[from] zip::result::ZipError),
    #[error(
        "the zip file holds `{0}`, a path outside the app's directory; pack only the directory's own files"
    )]
    UnsafePath(String),
    #[error(
        "the unpacked app is larger than the server's upload limit ({limit} bytes); leave out large files (.dockerignore) or raise --max-upload on the server"
    )]
    TooLarge { limit: u64 },
    #[error(
        "the archive cannot be read: {0}; choose a .zip, .tar or .tar.gz of the app's directory"
    )]
    Unreadable(io::Error),
}

impl From<io::Error> for ArchiveError {
    fn from(err: io::Error) -> Self {
        ArchiveError::Unreadable(err)
    }
}

/// Writes the build context of the archive at `upload` to `out` as a plain tar, unpacking at
/// most `limit` bytes.
pub(super) fn to_context(upload: &Path, out: &Path, limit: u64) -> Result<(), ArchiveError> {
    let mut head = [0u8; 4];
    let read = File::open(upload)?.read(&mut head)?;
    match &head[..read] {
        [] => Err(ArchiveError::Empty),
        [b'P', b'K', 3 | 5, 4 | 6, ..] => zip_to_tar(upload, out, limit),
        [0x1f, 0x8b, ..] => {
            // Unpacked first (bounded), then read as any tar.
            let unpacked = tempfile::NamedTempFile::new_in(out.parent().unwrap_or(Path::new(".")))?;
            let gz = flate2::read::GzDecoder::new(BufReader::new(File::open(upload)?));
            copy_bounded(gz, &mut File::create(unpacked.path())?, limit)?;
            tar_to_tar(unpacked.path(), out)
        }
        _ => tar_to_tar(upload, out),
    }
}

/// Copies at most `limit` bytes of `from` into `to`, refusing a longer input.
fn copy_bounded(from: impl Read, to: &mut impl Write, limit: u64) -> Result<u64, ArchiveError> {
    let copied = io::copy(&mut from.take(limit.saturating_add(1)), to)?;
    if copied > limit {
        return Err(ArchiveError::TooLarge { limit });
    }
    Ok(copied)
}

/// The one folder every path is inside, if there is one (`app/` of `app/Dockerfile`,
/// `app/src/main.py`): the root to step into.
fn single_root<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Option<PathBuf> {
    let mut root: Option<PathBuf> = None;
    let mut nested = false;
    for path in paths {
        let mut parts = path.components();
        let first = PathBuf::from(parts.next()?.as_os_str());
        nested |= parts.next().is_some();
        match &root {
            Some(root) if *root != first => return None,
            Some(_) => {}
            None => root = Some(first),
        }
    }
    root.filter(|_| nested)
}

/// `path` with `root` taken off its front; `None` for the root itself.
fn inside(path: &Path, root: Option<&Path>) -> Option<PathBuf> {
    let relative = match root {
        Some(root) => path.strip_prefix(root).ok()?,
        None => path,
    };
    (!relative.as_os_str().is_empty()).then(|| relative.to_path_buf())
}

/// A tar's entries, stepped into its one folder. Sizes are checked, with every other rule,
/// when the deploy reads the result.
fn tar_to_tar(from: &Path, out: &Path) -> Result<(), ArchiveError> {
    let names: Vec<PathBuf> = tar::Archive::new(File::open(from)?)
        .entries()?
        .map(|entry| Ok(entry?.path()?.into_owned()))
        .collect::<io::Result<_>>()?;
    let root = single_root(names.iter().map(PathBuf::as_path));
    let mut builder = tar::Builder::new(File::create(out)?);
    let mut archive = tar::Archive::new(File::open(from)?);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let Some(path) = inside(&entry.path()?, root.as_deref()) else {
            continue;
        };
        let mut header = entry.header().clone();
        if header.entry_type().is_hard_link()
            && let Some(target) = entry.link_name()?
        {
            let target = inside(&target, root.as_deref()).unwrap_or(target.into_owned());
            builder.append_link(&mut header, &path, target)?;
        } else if header.entry_type().is_symlink() {
            let target = entry.link_name()?.unwrap_or_default().into_owned();
            builder.append_link(&mut header, &path, target)?;
        } else {
            builder.append_data(&mut header, &path, &mut entry)?;
        }
    }
    builder.into_inner()?.flush()?;
    Ok(())
}

fn zip_to_tar(from: &Path, out: &Path, limit: u64) -> Result<(), ArchiveError> {
    let mut zip = zip::ZipArchive::new(BufReader::new(File::open(from)?))?;
    let mut names = Vec::with_capacity(zip.len());
    for index in 0..zip.len() {
        let file = zip.by_index_raw(index)?;
        let name = file
            .enclosed_name()
            .ok_or_else(|| ArchiveError::UnsafePath(file.name().to_owned()))?;
        names.push(name);
    }
    let root = single_root(names.iter().map(PathBuf::as_path));
    let mut builder = tar::Builder::new(File::create(out)?);
    let mut total: u64 = 0;
    for (index, name) in names.iter().enumerate() {
        let Some(path) = inside(name, root.as_deref()) else {
            continue;
        };
        let mut file = zip.by_index(index)?;
        let mode = file.unix_mode().unwrap_or(0);
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        if file.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            builder.append_data(&mut header, &path, io::empty())?;
            continue;
        }
        let mut data = Vec::new();
        let size = copy_bounded(&mut file, &mut data, limit.saturating_sub(total)).map_err(
            |err| match err {
                ArchiveError::TooLarge { .. } => ArchiveError::TooLarge { limit },
                other => other,
            },
        )?;
        total += size;
        if mode & 0o170000 == 0o120000 {
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_mode(0o777);
            header.set_size(0);
            let target = String::from_utf8_lossy(&data).into_owned();
            builder.append_link(&mut header, &path, target)?;
        } else {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(if mode & 0o111 != 0 { 0o755 } else { 0o644 });
            header.set_size(size);
            builder.append_data(&mut header, &path, data.as_slice())?;
        }
    }
    builder.into_inner()?.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// The paths and contents of a plain tar's regular files.
    fn files_of(tar_path: &Path) -> Vec<(String, String)> {
        let mut archive = tar::Archive::new(File::open(tar_path).unwrap());
        let mut files = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.header().entry_type().is_file() {
                let path = entry.path().unwrap().display().to_string();
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                files.push((path, text));
            }
        }
        files.sort();
        files
    }

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, text) in files {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, name, text.as_bytes())
                .unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn convert(bytes: &[u8], limit: u64) -> Result<Vec<(String, String)>, ArchiveError> {
        let dir = tempfile::tempdir().unwrap();
        let upload = dir.path().join("upload");
        std::fs::write(&upload, bytes).unwrap();
        let out = dir.path().join("context.tar");
        to_context(&upload, &out, limit)?;
        Ok(files_of(&out))
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_zip_with_one_folder_around_the_app_is_stepped_into() {
        let zip = zip_of(&[
            ("blog-main/Dockerfile", "FROM scratch"),
            ("blog-main/app/main.py", "print(1)"),
        ]);
        assert_eq!(
            convert(&zip, 1 << 20).unwrap(),
            pairs(&[("Dockerfile", "FROM scratch"), ("app/main.py", "print(1)")])
        );
    }

    #[test]
    fn a_flat_zip_and_a_gzipped_tar_keep_their_paths() {
        let files = [("Dockerfile", "FROM scratch"), ("app/main.py", "print(1)")];
        assert_eq!(convert(&zip_of(&files), 1 << 20).unwrap(), pairs(&files));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar_of(&files)).unwrap();
        assert_eq!(
            convert(&gz.finish().unwrap(), 1 << 20).unwrap(),
            pairs(&files)
        );
        let nested = tar_of(&[("app/Dockerfile", "FROM scratch")]);
        assert_eq!(
            convert(&nested, 1 << 20).unwrap(),
            pairs(&[("Dockerfile", "FROM scratch")])
        );
    }

    #[test]
    fn zip_paths_outside_the_directory_and_oversized_contents_are_refused() {
        let zip = zip_of(&[
            ("Dockerfile", "FROM scratch"),
            ("../../etc/cron.d/x", "* * *"),
        ]);
        let err = convert(&zip, 1 << 20).unwrap_err();
        assert!(
            matches!(err, ArchiveError::UnsafePath(ref p) if p.contains("..")),
            "{err}"
        );

        let big = "x".repeat(5000);
        let zip = zip_of(&[("Dockerfile", "FROM scratch"), ("big", &big)]);
        let err = convert(&zip, 4096).unwrap_err();
        assert!(
            matches!(err, ArchiveError::TooLarge { limit: 4096 }),
            "{err}"
        );

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&tar_of(&[("big", &big)])).unwrap();
        let err = convert(&gz.finish().unwrap(), 4096).unwrap_err();
        assert!(matches!(err, ArchiveError::TooLarge { .. }), "{err}");

        assert!(matches!(convert(b"", 10), Err(ArchiveError::Empty)));
    }
}
