//! The store on a temporary directory: segments rotate at their size, the bounds delete the
//! oldest, cursors survive a reopen, and readers pick lines by time, text, release and process.

use super::segments::{AppDir, segments};
use super::*;
use std::os::unix::fs::PermissionsExt;
use std::time::SystemTime;
use time::OffsetDateTime;
use wharf_domain::{AppName, ReleaseVersion};
use wharf_runtime::LogStream;

/// An hour ago, whole seconds: lines' times count from it (within the age bound).
static START: std::sync::LazyLock<OffsetDateTime> = std::sync::LazyLock::new(|| {
    let now = OffsetDateTime::now_utc() - time::Duration::hours(1);
    now.replace_nanosecond(0).unwrap()
});

fn at(n: u32) -> OffsetDateTime {
    *START + time::Duration::seconds(i64::from(n))
}

fn line(n: u32, source: &str, release: u32, text: &str) -> StoredLine {
    StoredLine {
        time: wharf_domain::fixed_time(at(n)),
        source: source.to_string(),
        stream: LogStream::Stdout,
        release,
        container: format!("c{release}"),
        text: text.to_string(),
    }
}

fn tiny() -> LogBounds {
    LogBounds {
        max_bytes: MIN_MAX_BYTES,
        max_age: DEFAULT_MAX_AGE,
    }
}

fn app() -> AppName {
    AppName::parse("blog").unwrap()
}

#[test]
fn segments_rotate_at_their_size_and_the_oldest_go_past_the_bound() {
    let root = tempfile::tempdir().unwrap();
    let store = AppLogs::new(root.path().join("app-logs"), tiny());
    let text = "x".repeat(200);
    for n in 0..1000 {
        store.append(&app(), &[line(n, "web.1", 1, &text)]).unwrap();
    }
    let dir = store.dir_of(&app());
    let segments = segments(&dir).unwrap();
    assert!(segments.len() > 2, "{} segments", segments.len());
    let total: u64 = segments.iter().map(|s| s.len).sum();
    assert!(total <= MIN_MAX_BYTES, "{total} bytes");
    assert!(segments.iter().all(|s| s.len <= tiny().segment_bytes()));
    // The oldest lines went, the newest are there.
    let (lines, _) = store.read(&app(), &LogFilter::default()).unwrap();
    assert_eq!(lines.last().unwrap().time, line(999, "web.1", 1, "").time);
    assert!(lines.first().unwrap().time > line(0, "web.1", 1, "").time);
    // Private files in private directories.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&segments[0].path), 0o600);
    assert_eq!(mode(&dir.join("cursors.json")), 0o600);
}

#[test]
fn lines_older_than_the_age_bound_go_with_their_segment() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("blog");
    let bounds = LogBounds {
        max_bytes: DEFAULT_MAX_BYTES,
        max_age: std::time::Duration::from_secs(3600),
    };
    let mut app_dir = AppDir::open(dir.clone()).unwrap();
    app_dir
        .append(&[line(1, "web.1", 1, "old")], &bounds, SystemTime::now())
        .unwrap();
    assert!(app_dir.total_bytes() > 0);
    let later = SystemTime::now() + std::time::Duration::from_secs(7200);
    app_dir.enforce(&bounds, later).unwrap();
    assert_eq!(app_dir.total_bytes(), 0);
    assert!(segments(&dir).unwrap().is_empty());
    // Written again, a new segment begins.
    app_dir
        .append(&[line(2, "web.1", 1, "new")], &bounds, SystemTime::now())
        .unwrap();
    assert_eq!(segments(&dir).unwrap().len(), 1);
}

#[test]
fn cursors_survive_a_reopen_from_the_saved_file_and_the_newest_segment() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("blog");
    let text = "y".repeat(300);
    {
        let mut app_dir = AppDir::open(dir.clone()).unwrap();
        for n in 0..200 {
            let source = if n < 100 { "web.1" } else { "web.2" };
            let mut l = line(n, source, 1, &text);
            l.container = source.to_string();
            app_dir.append(&[l], &tiny(), SystemTime::now()).unwrap();
        }
        app_dir
            .append(
                &[line(300, "worker.1", 2, "last")],
                &tiny(),
                SystemTime::now(),
            )
            .unwrap();
    }
    let reopened = AppDir::open(dir).unwrap();
    assert_eq!(
        reopened.cursor("web.1"),
        Some(line(99, "", 0, "").time.as_str())
    );
    assert_eq!(
        reopened.cursor("web.2"),
        Some(line(199, "", 0, "").time.as_str())
    );
    assert_eq!(
        reopened.cursor("c2"),
        Some(line(300, "", 0, "").time.as_str())
    );
    assert_eq!(reopened.cursor("c9"), None);
}

#[test]
fn readers_pick_by_time_text_release_and_process_and_take_the_tail() {
    let root = tempfile::tempdir().unwrap();
    let store = AppLogs::new(root.path(), LogBounds::default());
    let lines = [
        line(1, "web.1", 1, "GET / 200"),
        line(3, "worker.1", 1, "job done"),
        line(2, "web.1", 2, "GET /about 404"),
        line(4, "web.2", 2, "GET / 200"),
        line(5, "run.1a2b3c", 2, "migrated"),
    ];
    store.append(&app(), &lines).unwrap();
    let read = |filter: LogFilter| {
        let (lines, _) = store.read(&app(), &filter).unwrap();
        lines.into_iter().map(|l| l.text).collect::<Vec<_>>()
    };
    // Ordered by time, not as stored.
    assert_eq!(
        read(LogFilter::default()),
        [
            "GET / 200",
            "GET /about 404",
            "job done",
            "GET / 200",
            "migrated"
        ]
    );
    let window = LogFilter {
        since: Some(at(1)),
        until: Some(at(4)),
        ..LogFilter::default()
    };
    assert_eq!(read(window), ["GET /about 404", "job done", "GET / 200"]);
    let grep = LogFilter {
        grep: Some("GET".into()),
        release: ReleaseVersion::new(2),
        ..LogFilter::default()
    };
    assert_eq!(read(grep), ["GET /about 404", "GET / 200"]);
    let process = LogFilter {
        process: Some("web".into()),
        tail: Some(2),
        ..LogFilter::default()
    };
    assert_eq!(read(process), ["GET /about 404", "GET / 200"]);
    let run = LogFilter {
        process: Some("run".into()),
        ..LogFilter::default()
    };
    assert_eq!(read(run), ["migrated"]);
    // An app with no lines has none.
    let other = AppName::parse("other").unwrap();
    assert!(
        store
            .read(&other, &LogFilter::default())
            .unwrap()
            .0
            .is_empty()
    );
}

#[test]
fn a_follower_reads_what_was_stored_after_its_position_across_segments() {
    let root = tempfile::tempdir().unwrap();
    let store = AppLogs::new(root.path(), tiny());
    store
        .append(&app(), &[line(0, "web.1", 1, "before")])
        .unwrap();
    let filter = LogFilter {
        grep: Some("after".into()),
        ..LogFilter::default()
    };
    let (first, position) = store.read(&app(), &filter).unwrap();
    assert!(first.is_empty());
    let (none, same) = store.read_after(&app(), &filter, position).unwrap();
    assert!(none.is_empty());
    assert_eq!(same, position);
    let text = "z".repeat(500);
    for n in 1..40 {
        store
            .append(&app(), &[line(n, "web.1", 1, &format!("after {n} {text}"))])
            .unwrap();
    }
    assert!(segments(&store.dir_of(&app())).unwrap().len() > 1);
    let (lines, next) = store.read_after(&app(), &filter, position).unwrap();
    assert_eq!(lines.len(), 39);
    assert!(lines[0].text.starts_with("after 1 "));
    let (again, _) = store.read_after(&app(), &filter, next).unwrap();
    assert!(again.is_empty());
}

#[test]
fn a_second_writer_waits_for_the_first() {
    let root = tempfile::tempdir().unwrap();
    let store = AppLogs::new(root.path(), LogBounds::default());
    let held = store.writer_lock().unwrap();
    assert!(held.is_some());
    assert!(store.writer_lock().unwrap().is_none());
    drop(held);
    assert!(store.writer_lock().unwrap().is_some());
}

#[test]
fn a_destroyed_apps_lines_go() {
    let root = tempfile::tempdir().unwrap();
    let store = AppLogs::new(root.path(), LogBounds::default());
    store
        .append(&app(), &[line(0, "web.1", 1, "hello")])
        .unwrap();
    store.remove(&app()).unwrap();
    assert!(!store.dir_of(&app()).exists());
    store.remove(&app()).unwrap();
}
