//! What the command line prints, and how: lines on stdout that end the command quietly when
//! the reader goes away (`wharf releases APP | head -1`), aligned tables with a header line,
//! times as dates with their age, `--json` for machine readers, and colour only for a person
//! at a terminal who has not set `NO_COLOR`.
//!
//! "Stdout closed" is a situation of its own ([`StdoutClosed`]): `main` ends the command with
//! success and no message when it meets one, as `cat` and `grep` do under `head`.

pub mod chart;
mod colour;
mod table;
mod when;

pub use colour::{Colour, error_prefix, for_stream, wanted as colour_wanted};
pub use table::{Cell, Table};
pub use when::Clock;

use std::fmt;
use std::io::Write;

/// The reader of stdout went away (a closed pipe): nothing more can be shown.
#[derive(Debug)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Print one line on stdout like `println!`, returning an error instead of panicking when
/// stdout cannot be written: [`StdoutClosed`] for a closed pipe.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// Write `text` to stdout and flush it, so a follower (`wharf logs -f`) shows each line as it
/// comes and a closed pipe is noticed at the first line after it closed.
pub fn write_stdout(text: fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// Write raw bytes to stdout (a command's own output, relayed) and flush them.
pub fn write_stdout_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// A failed write to stdout as an error: [`StdoutClosed`] for a closed pipe.
pub fn stdout_error(err: std::io::Error) -> anyhow::Error {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow::Error::new(err).context("writing to stdout")
    }
}

/// Whether `err` only says that stdout was closed.
pub fn is_stdout_closed(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.is::<StdoutClosed>())
}

/// Print a value as indented JSON: what `--json` shows, the API's own field names.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    outln!("{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_stdout_closed_and_other_errors_are_not() {
        let closed = stdout_error(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_stdout_closed(&closed));
        assert!(is_stdout_closed(&closed.context("printing the releases")));
        let full = stdout_error(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert!(!is_stdout_closed(&full));
        assert!(full.to_string().contains("stdout"), "{full}");
    }
}
