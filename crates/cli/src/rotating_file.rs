//! A log file that rotates by size: when the next write would take `access.log` past its
//! bound, it becomes `access.log.1` (`.1` becomes `.2`, and so on; the oldest kept one is
//! dropped) and a new `access.log` is started. So the log never takes more than
//! `max_bytes × (keep + 1)` (plus one line) of disk, however busy the proxy gets.
//!
//! Writes are whole log lines (the non-blocking appender hands over one event at a time), so a
//! line is never split across two files.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file written through, rotated by size.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    /// Bytes in the current file.
    size: u64,
    /// Rotate before the file would grow past this.
    max_bytes: u64,
    /// Rotated files kept (`PATH.1` .. `PATH.keep`).
    keep: u32,
}

impl RotatingFile {
    /// Open (or create, mode 0640) `path` for appending; its present size counts.
    pub fn open(path: &Path, max_bytes: u64, keep: u32) -> io::Result<RotatingFile> {
        let file = open_append(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            file,
            size,
            max_bytes,
            keep,
        })
    }

    /// `PATH.n`.
    fn numbered(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// Shift the kept files up by one, move the current one to `.1` and start a new one. If
    /// that fails (a file cannot be renamed), the current file is emptied instead, so the
    /// bound holds either way.
    fn rotate(&mut self) -> io::Result<()> {
        let shifted = (|| {
            if self.keep == 0 {
                return std::fs::remove_file(&self.path);
            }
            for n in (1..self.keep).rev() {
                let from = self.numbered(n);
                if from.exists() {
                    std::fs::rename(&from, self.numbered(n + 1))?;
                }
            }
            std::fs::rename(&self.path, self.numbered(1))
        })();
        match shifted {
            Ok(()) => self.file = open_append(&self.path)?,
            Err(_) => self.file.set_len(0)?,
        }
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let written = self.file.write(buf)?;
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> Vec<u8> {
        format!("{n:09}\n").into_bytes()
    }

    #[test]
    fn rotates_at_the_size_bound_and_keeps_a_few_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let mut log = RotatingFile::open(&path, 100, 2).unwrap();
        // 10-byte lines: 10 fill a file, the 11th starts the next one.
        for n in 0..10 {
            log.write_all(&line(n)).unwrap();
        }
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 100);
        assert!(!dir.path().join("access.log.1").exists());
        log.write_all(&line(10)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), line(10));
        let first = std::fs::read_to_string(dir.path().join("access.log.1")).unwrap();
        assert!(first.starts_with("000000000\n") && first.ends_with("000000009\n"));
        for n in 11..45 {
            log.write_all(&line(n)).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["access.log", "access.log.1", "access.log.2"]);
        for name in &names {
            assert!(std::fs::metadata(dir.path().join(name)).unwrap().len() <= 100);
        }
        // The newest lines are in the current file, the ones before in .1, then .2.
        let current = std::fs::read_to_string(&path).unwrap();
        assert!(current.starts_with("000000040\n") && current.ends_with("000000044\n"));
        let older = std::fs::read_to_string(dir.path().join("access.log.2")).unwrap();
        assert!(older.starts_with("000000020\n"), "{older}");
    }

    #[test]
    fn a_reopened_file_counts_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        std::fs::write(&path, [b'x'; 95]).unwrap();
        let mut log = RotatingFile::open(&path, 100, 1).unwrap();
        log.write_all(&line(1)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), line(1));
        assert_eq!(
            std::fs::metadata(dir.path().join("access.log.1"))
                .unwrap()
                .len(),
            95
        );
    }

    #[test]
    fn a_line_longer_than_the_bound_still_gets_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let mut log = RotatingFile::open(&path, 4, 0).unwrap();
        log.write_all(b"a long line\n").unwrap();
        log.write_all(b"next\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"next\n");
        assert!(!dir.path().join("access.log.1").exists());
    }
}
