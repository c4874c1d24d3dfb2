//! Where Wharf's logs go. The daemon's own events go to stderr, at the level `WHARF_LOG` sets
//! (`info` for `wharf server`, `warn` for the other commands). The proxy's *access log* (one
//! `wharf::access` event per request) never goes there: a busy site would bury the daemon's
//! own lines and fill a small disk (hundreds of megabytes in one load test). It goes to a file
//! of its own, `logs/access.log` in the data directory unless `wharf server --access-log`
//! names another or `off`, rotated by size ([`RotatingFile`]) so it stays within
//! [`ACCESS_LOG_MAX_BYTES`] × ([`ACCESS_LOG_KEEP`] + 1).
//!
//! Both are written by background threads, so a busy proxy never waits on a disk; the access
//! log drops lines rather than slow requests down when its thread falls behind.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::{FilterExt, Targets, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::args::{Cli, Command};
use crate::rotating_file::RotatingFile;

/// The target of the proxy's access-log events.
pub const ACCESS_TARGET: &str = "wharf::access";
/// The access log is rotated when it would grow past this.
pub const ACCESS_LOG_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated access logs kept (`access.log.1` .. `access.log.4`).
pub const ACCESS_LOG_KEEP: u32 = 4;

/// Where the access log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessLog {
    /// Not written at all (the proxy skips collecting it).
    Off,
    /// Appended to this file, rotated by size.
    File(PathBuf),
}

impl AccessLog {
    /// `--access-log`: `off`, a path, or (not given) `logs/access.log` in `data_dir`.
    pub fn from_arg(arg: Option<&str>, data_dir: &Path) -> AccessLog {
        match arg.map(str::trim) {
            Some("off") => AccessLog::Off,
            Some(path) if !path.is_empty() => AccessLog::File(PathBuf::from(path)),
            _ => AccessLog::File(data_dir.join("logs").join("access.log")),
        }
    }
}

/// Lines of the daemon's own log waiting for its writer thread; past it, a line waits for room
/// (none is lost). The daemon logs a few lines per deploy or change, far fewer than this.
/// A writer's queue is allocated and written whole when it is made (32 bytes a line): the
/// library's default of 128,000 lines kept 4 MiB resident per writer, doing nothing.
const DAEMON_LOG_QUEUE: usize = 1024;

/// Lines of the access log waiting for its writer thread; past it, lines are dropped rather
/// than slow requests down: room for a burst of 16,384 requests (512 KiB) while the disk lags.
const ACCESS_LOG_QUEUE: usize = 16_384;

/// Keeps the log writers' threads running; dropping it flushes what is left.
pub struct LogGuards {
    _guards: Vec<WorkerGuard>,
}

/// Set up logging for the command in `args`.
pub fn init(args: &Cli) -> anyhow::Result<LogGuards> {
    let (level, access) = match &args.command {
        Command::Server(server) => (
            "info",
            AccessLog::from_arg(server.access_log.as_deref(), &args.data_dir),
        ),
        _ => ("warn", AccessLog::Off),
    };
    let mut guards = Vec::new();
    let env = EnvFilter::try_from_env("WHARF_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let not_access = filter_fn(|meta| meta.target() != ACCESS_TARGET);
    let (stderr, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(DAEMON_LOG_QUEUE)
        .finish(std::io::stderr());
    guards.push(guard);
    let daemon = tracing_subscriber::fmt::layer()
        .with_ansi(crate::output::colour_wanted(&std::io::stderr()))
        .with_writer(stderr);
    let daemon = if args.log_json {
        daemon.json().with_filter(env.and(not_access)).boxed()
    } else {
        daemon.with_filter(env.and(not_access)).boxed()
    };
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = vec![daemon];
    if let AccessLog::File(path) = &access {
        let file = open_access_log(path)?;
        let (writer, guard) = NonBlockingBuilder::default()
            .lossy(true)
            .buffered_lines_limit(ACCESS_LOG_QUEUE)
            .finish(file);
        guards.push(guard);
        let only_access = Targets::new().with_target(ACCESS_TARGET, tracing::Level::INFO);
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer);
        layers.push(if args.log_json {
            layer.json().with_filter(only_access).boxed()
        } else {
            layer.with_filter(only_access).boxed()
        });
    }
    tracing_subscriber::registry().with(layers).init();
    Ok(LogGuards { _guards: guards })
}

/// The access log file, its directory made (owner and group only) if missing.
fn open_access_log(path: &Path) -> anyhow::Result<RotatingFile> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(dir)
            .with_context(|| {
                format!(
                    "cannot create {} for the access log; pass --access-log PATH elsewhere, or --access-log off",
                    dir.display()
                )
            })?;
    }
    RotatingFile::open(path, ACCESS_LOG_MAX_BYTES, ACCESS_LOG_KEEP).with_context(|| {
        format!(
            "cannot open the access log {}; pass --access-log PATH elsewhere, or --access-log off",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_log_is_in_the_data_directory_unless_told_otherwise() {
        let data = Path::new("/srv/wharf-data");
        assert_eq!(
            AccessLog::from_arg(None, data),
            AccessLog::File(PathBuf::from("/srv/wharf-data/logs/access.log"))
        );
        assert_eq!(AccessLog::from_arg(Some("off"), data), AccessLog::Off);
        assert_eq!(
            AccessLog::from_arg(Some("/var/log/wharf/access.log"), data),
            AccessLog::File(PathBuf::from("/var/log/wharf/access.log"))
        );
    }
}
