//! Reading an app's stored lines: the ones a [`LogFilter`] picks (a time window, a text, a
//! release, a process; the last `tail` of them), ordered by time, and then, to follow, the lines
//! written after a [`Position`] in the files, in the order they were stored.

use super::segments::{Segment, complete_lines, segments};
use super::{AppLogError, StoredLine};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;
use wharf_domain::{ReleaseVersion, fixed_time};

/// Which stored lines a reader wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only lines received after this time.
    pub since: Option<OffsetDateTime>,
    /// Only lines received at or before this time.
    pub until: Option<OffsetDateTime>,
    /// Only lines containing this text.
    pub grep: Option<String>,
    /// Only lines of this release's containers.
    pub release: Option<ReleaseVersion>,
    /// Only lines of this process (`web`) or task (`run`).
    pub process: Option<String>,
    /// Only the last this many of the lines picked.
    pub tail: Option<usize>,
}

/// Where a reader is in an app's files: the segment and the byte after its last line read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    seq: u64,
    offset: u64,
}

/// A filter with its times in the stored form, compared as text.
struct Compiled<'a> {
    filter: &'a LogFilter,
    since: Option<String>,
    until: Option<String>,
}

impl<'a> Compiled<'a> {
    fn new(filter: &'a LogFilter) -> Compiled<'a> {
        Compiled {
            filter,
            since: filter.since.map(fixed_time),
            until: filter.until.map(fixed_time),
        }
    }

    fn picks(&self, line: &StoredLine) -> bool {
        self.since.as_ref().is_none_or(|since| line.time > *since)
            && self.until.as_ref().is_none_or(|until| line.time <= *until)
            && self.filter.release.is_none_or(|r| line.release == r.get())
            && (self.filter.process.as_deref()).is_none_or(|p| line.process() == p)
            && (self.filter.grep.as_deref()).is_none_or(|text| line.text.contains(text))
    }

    /// Whether a segment last written at `modified` can hold lines after `since` (the engine's
    /// time of a line comes before its write; a second's slack covers clocks' rounding).
    fn may_hold(&self, segment: &Segment) -> bool {
        let Some(since) = self.filter.since else {
            return true;
        };
        let since = SystemTime::from(since);
        segment.modified + Duration::from_secs(1) >= since
    }
}

/// The lines `filter` picks from the app's files in `dir`, ordered by time, and the position
/// after them.
pub(super) fn read(
    dir: &Path,
    filter: &LogFilter,
) -> Result<(Vec<StoredLine>, Position), AppLogError> {
    let compiled = Compiled::new(filter);
    let segments = segments(dir)?;
    // Past the newest segment as listed, unless it is read below (then past its last line).
    let mut position = segments.last().map_or(Position::default(), |s| Position {
        seq: s.seq,
        offset: s.len,
    });
    let mut picked: Vec<Vec<StoredLine>> = Vec::new();
    let mut count = 0;
    for (index, segment) in segments.iter().enumerate().rev() {
        if !compiled.may_hold(segment) {
            break;
        }
        let Some(bytes) = read_from(&segment.path, 0)? else {
            continue;
        };
        let (lines, complete) = complete_lines(&bytes);
        if index + 1 == segments.len() {
            position = Position {
                seq: segment.seq,
                offset: complete as u64,
            };
        }
        let lines: Vec<StoredLine> = lines.filter(|l| compiled.picks(l)).collect();
        count += lines.len();
        picked.push(lines);
        // Enough lines for the tail, and a segment more for the ones stored out of order.
        if filter.tail.is_some_and(|tail| count >= tail) && picked.len() > 1 {
            break;
        }
    }
    let mut lines: Vec<StoredLine> = picked.into_iter().rev().flatten().collect();
    lines.sort_by(|a, b| a.time.cmp(&b.time));
    if let Some(tail) = filter.tail {
        lines.drain(..lines.len().saturating_sub(tail));
    }
    Ok((lines, position))
}

/// The lines `filter` picks that were stored after `position`, in the order they were stored,
/// and the position after them.
pub(super) fn read_after(
    dir: &Path,
    filter: &LogFilter,
    position: Position,
) -> Result<(Vec<StoredLine>, Position), AppLogError> {
    let compiled = Compiled::new(filter);
    let mut lines = Vec::new();
    let mut now = position;
    for segment in segments(dir)?.iter().filter(|s| s.seq >= position.seq) {
        let from = if segment.seq == position.seq {
            position.offset
        } else {
            0
        };
        let Some(bytes) = read_from(&segment.path, from)? else {
            continue;
        };
        let (read, complete) = complete_lines(&bytes);
        lines.extend(read.filter(|l| compiled.picks(l)));
        now = Position {
            seq: segment.seq,
            offset: from + complete as u64,
        };
    }
    Ok((lines, now))
}

/// A file's bytes from `offset`; `None` if the bounds deleted it.
fn read_from(path: &Path, offset: u64) -> Result<Option<Vec<u8>>, AppLogError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(AppLogError::at(path)(err)),
    };
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_to_end(&mut bytes))
        .map_err(AppLogError::at(path))?;
    Ok(Some(bytes))
}
