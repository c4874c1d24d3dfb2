//! One app's directory of the log store: numbered segment files (`00000001.jsonl`, ...) of
//! JSON lines, the newest the one written to, and `cursors.json`: the time of the last line
//! stored for each container, written when a segment is closed. A container's resume point is
//! its cursor, or the time of its last line in the newest segment: together they are exact.

use super::{AppLogError, LogBounds, StoredLine};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const SEGMENT_EXTENSION: &str = "jsonl";
const CURSORS: &str = "cursors.json";

/// A segment file: its number, size and last write.
#[derive(Debug, Clone)]
pub(super) struct Segment {
    pub seq: u64,
    pub path: PathBuf,
    pub len: u64,
    pub modified: SystemTime,
}

/// The segments in `dir`, oldest first (none if there is no directory).
pub(super) fn segments(dir: &Path) -> Result<Vec<Segment>, AppLogError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(AppLogError::at(dir)(err)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(AppLogError::at(dir))?;
        let path = entry.path();
        let Some(seq) = segment_number(&path) else {
            continue;
        };
        // Deleted by the bounds since it was listed.
        let Ok(meta) = entry.metadata() else { continue };
        found.push(Segment {
            seq,
            len: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            path,
        });
    }
    found.sort_by_key(|s| s.seq);
    Ok(found)
}

fn segment_number(path: &Path) -> Option<u64> {
    if path.extension()? != SEGMENT_EXTENSION {
        return None;
    }
    path.file_stem()?.to_str()?.parse().ok()
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:08}.{SEGMENT_EXTENSION}"))
}

/// Creates `dir` (and missing parents) as 0700.
pub(super) fn create_private_dir(dir: &Path) -> Result<(), AppLogError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(AppLogError::at(dir))
}

/// The complete lines of `bytes` (a line still being written has no newline yet) and how many
/// bytes they take.
pub(super) fn complete_lines(bytes: &[u8]) -> (impl Iterator<Item = StoredLine> + '_, usize) {
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let lines = bytes[..complete]
        .split(|b| *b == b'\n')
        .filter(|raw| !raw.is_empty())
        .filter_map(|raw| serde_json::from_slice::<StoredLine>(raw).ok());
    (lines, complete)
}

/// An app's directory, open for writing.
#[derive(Debug)]
pub(super) struct AppDir {
    dir: PathBuf,
    /// Oldest first; the last one is written to.
    segments: Vec<Segment>,
    current: Option<File>,
    cursors: BTreeMap<String, String>,
}

impl AppDir {
    pub fn open(dir: PathBuf) -> Result<AppDir, AppLogError> {
        create_private_dir(&dir)?;
        let segments = segments(&dir)?;
        let cursors_path = dir.join(CURSORS);
        let mut cursors: BTreeMap<String, String> = match fs::read(&cursors_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Err(err) if err.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
            Err(err) => return Err(AppLogError::at(cursors_path)(err)),
        };
        if let Some(newest) = segments.last() {
            let bytes = fs::read(&newest.path).map_err(AppLogError::at(&newest.path))?;
            for line in complete_lines(&bytes).0 {
                advance(&mut cursors, line.container, line.time);
            }
        }
        Ok(AppDir {
            dir,
            segments,
            current: None,
            cursors,
        })
    }

    /// The time of the last line stored from `container` (a short id).
    pub fn cursor(&self, container: &str) -> Option<&str> {
        self.cursors.get(container).map(String::as_str)
    }

    /// Appends `lines`, starting a new segment whenever one would pass its size, then deletes
    /// what the bounds no longer allow.
    pub fn append(
        &mut self,
        lines: &[StoredLine],
        bounds: &LogBounds,
        now: SystemTime,
    ) -> Result<(), AppLogError> {
        let segment_bytes = bounds.segment_bytes();
        let mut pending = Vec::new();
        for line in lines {
            let encoded = encode(line, segment_bytes);
            let written = self.segments.last().map_or(0, |s| s.len);
            let would_be = written + pending.len() as u64 + encoded.len() as u64;
            if would_be > segment_bytes && written + pending.len() as u64 > 0 {
                self.write(&pending)?;
                pending.clear();
                self.close_segment(bounds, now)?;
            }
            pending.extend_from_slice(&encoded);
            advance(&mut self.cursors, line.container.clone(), line.time.clone());
        }
        self.write(&pending)?;
        self.enforce(bounds, now)
    }

    /// Deletes the oldest segments while the app's lines are older than the age bound or
    /// larger than the size bound (never the only segment for its size: it is below it).
    pub fn enforce(&mut self, bounds: &LogBounds, now: SystemTime) -> Result<(), AppLogError> {
        let too_old = |s: &Segment| {
            now.duration_since(s.modified)
                .is_ok_and(|age| age > bounds.max_age)
        };
        while let Some(oldest) = self.segments.first() {
            let total: u64 = self.segments.iter().map(|s| s.len).sum();
            let over = total > bounds.max_bytes && self.segments.len() > 1;
            if !over && !too_old(oldest) {
                break;
            }
            let oldest = self.segments.remove(0);
            if self.segments.is_empty() {
                self.current = None;
            }
            match fs::remove_file(&oldest.path) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    return Err(AppLogError::at(oldest.path)(err));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The bytes the app's segments take.
    #[cfg(test)]
    pub fn total_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.len).sum()
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), AppLogError> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.current.is_none() {
            self.current = Some(match self.segments.last() {
                Some(last) => OpenOptions::new()
                    .append(true)
                    .open(&last.path)
                    .map_err(AppLogError::at(&last.path))?,
                None => self.begin_segment()?,
            });
        }
        let (Some(file), Some(segment)) = (self.current.as_mut(), self.segments.last_mut()) else {
            return Ok(());
        };
        file.write_all(bytes)
            .map_err(AppLogError::at(&segment.path))?;
        segment.len += bytes.len() as u64;
        segment.modified = SystemTime::now();
        Ok(())
    }

    /// Saves the cursors (so the segments before the next one need not be read to resume), then
    /// begins the next segment.
    fn close_segment(&mut self, bounds: &LogBounds, now: SystemTime) -> Result<(), AppLogError> {
        let horizon = now
            .checked_sub(bounds.max_age)
            .map(|t| wharf_domain::fixed_time(t.into()));
        if let Some(horizon) = horizon {
            self.cursors.retain(|_, time| *time > horizon);
        }
        let path = self.dir.join(CURSORS);
        let temporary = self.dir.join(format!("{CURSORS}.new"));
        let bytes = serde_json::to_vec(&self.cursors).unwrap_or_default();
        private_file(&temporary, true)
            .and_then(|mut file| file.write_all(&bytes))
            .and_then(|()| fs::rename(&temporary, &path))
            .map_err(AppLogError::at(&path))?;
        self.current = Some(self.begin_segment()?);
        Ok(())
    }

    fn begin_segment(&mut self) -> Result<File, AppLogError> {
        let seq = self.segments.last().map_or(1, |s| s.seq + 1);
        let path = segment_path(&self.dir, seq);
        let file = private_file(&path, false).map_err(AppLogError::at(&path))?;
        self.segments.push(Segment {
            seq,
            path,
            len: 0,
            modified: SystemTime::now(),
        });
        Ok(file)
    }
}

fn private_file(path: &Path, truncate: bool) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(truncate)
        .append(!truncate)
        .mode(0o600)
        .open(path)
}

fn advance(cursors: &mut BTreeMap<String, String>, container: String, time: String) {
    let entry = cursors.entry(container).or_default();
    if time > *entry {
        *entry = time;
    }
}

/// A line as stored, newline included; a line longer than half a segment is cut there.
fn encode(line: &StoredLine, segment_bytes: u64) -> Vec<u8> {
    let limit = usize::try_from(segment_bytes / 2).unwrap_or(usize::MAX);
    let mut encoded = serde_json::to_vec(line).unwrap_or_default();
    if encoded.len() > limit {
        let mut cut = line.clone();
        let mut end = limit.min(cut.text.len()) / 2;
        while !cut.text.is_char_boundary(end) {
            end -= 1;
        }
        cut.text.truncate(end);
        cut.text.push_str(" [cut]");
        encoded = serde_json::to_vec(&cut).unwrap_or_default();
    }
    encoded.push(b'\n');
    encoded
}
