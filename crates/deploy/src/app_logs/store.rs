//! [`AppLogs`]: the log store of every app under one directory, its bounds, and the one lock
//! that lets a single daemon write it (a successor taking over waits for its predecessor).

use super::query::{self, LogFilter, Position};
use super::segments::{AppDir, create_private_dir};
use super::{AppLogError, LogBounds, StoredLine};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;
use wharf_domain::AppName;

const WRITER_LOCK: &str = ".writer.lock";

/// Every app's stored lines, under `root` (`DATA/app-logs`).
#[derive(Debug)]
pub struct AppLogs {
    root: PathBuf,
    bounds: LogBounds,
    open: Mutex<HashMap<AppName, AppDir>>,
}

impl AppLogs {
    /// The store under `root`, created (0700) when first written.
    pub fn new(root: impl Into<PathBuf>, bounds: LogBounds) -> AppLogs {
        AppLogs {
            root: root.into(),
            bounds,
            open: Mutex::new(HashMap::new()),
        }
    }

    pub fn bounds(&self) -> LogBounds {
        self.bounds
    }

    /// Where `app`'s segments are.
    pub fn dir_of(&self, app: &AppName) -> PathBuf {
        self.root.join(app.as_str())
    }

    /// Takes the store's writer lock, held while the returned file is open; `None` while
    /// another daemon (a predecessor handing over) holds it.
    pub fn writer_lock(&self) -> Result<Option<File>, AppLogError> {
        create_private_dir(&self.root)?;
        let path = self.root.join(WRITER_LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(AppLogError::at(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(err)) => Err(AppLogError::at(path)(err)),
        }
    }

    /// Stores `lines` of `app`, then applies the bounds.
    pub fn append(&self, app: &AppName, lines: &[StoredLine]) -> Result<(), AppLogError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut open = self.lock();
        let dir = self.opened(&mut open, app)?;
        dir.append(lines, &self.bounds, SystemTime::now())
    }

    /// The time of the last line stored from `container` (a short id) of `app`.
    pub fn cursor(&self, app: &AppName, container: &str) -> Result<Option<String>, AppLogError> {
        let mut open = self.lock();
        let dir = self.opened(&mut open, app)?;
        Ok(dir.cursor(container).map(str::to_owned))
    }

    /// Applies the bounds to every app's lines (the age bound passes while nothing is written).
    pub fn enforce_bounds(&self) -> Result<(), AppLogError> {
        let apps = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(AppLogError::at(&self.root)(err)),
        };
        let mut open = self.lock();
        for entry in apps.flatten() {
            let name = entry.file_name();
            let Some(app) = name.to_str().and_then(|n| AppName::parse(n).ok()) else {
                continue;
            };
            if entry.path().is_dir() {
                self.opened(&mut open, &app)?
                    .enforce(&self.bounds, SystemTime::now())?;
            }
        }
        Ok(())
    }

    /// The lines of `app` that `filter` picks, by time, and the position after them.
    pub fn read(
        &self,
        app: &AppName,
        filter: &LogFilter,
    ) -> Result<(Vec<StoredLine>, Position), AppLogError> {
        query::read(&self.dir_of(app), filter)
    }

    /// The lines of `app` that `filter` picks stored after `position`, and the position after.
    pub fn read_after(
        &self,
        app: &AppName,
        filter: &LogFilter,
        position: Position,
    ) -> Result<(Vec<StoredLine>, Position), AppLogError> {
        query::read_after(&self.dir_of(app), filter, position)
    }

    /// Deletes all of `app`'s lines (the app is destroyed).
    pub fn remove(&self, app: &AppName) -> Result<(), AppLogError> {
        let mut open = self.lock();
        open.remove(app);
        let dir = self.dir_of(app);
        match fs::remove_dir_all(&dir) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(AppLogError::at(dir)(err)),
            _ => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<AppName, AppDir>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn opened<'a>(
        &self,
        open: &'a mut HashMap<AppName, AppDir>,
        app: &AppName,
    ) -> Result<&'a mut AppDir, AppLogError> {
        if !open.contains_key(app) {
            create_private_dir(&self.root)?;
            open.insert(app.clone(), AppDir::open(self.dir_of(app))?);
        }
        open.get_mut(app).ok_or_else(|| AppLogError {
            path: self.dir_of(app),
            source: io::Error::other("not open"),
        })
    }
}
