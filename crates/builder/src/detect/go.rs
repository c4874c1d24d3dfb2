//! Go apps: go.mod, its `go` directive (the Go version), whether go.sum exists, and where
//! the main package is (the top, or the only directory under cmd/).

use super::Source;
use crate::PlanError;
use crate::version;

/// A Go app, as detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoApp {
    /// `1.23`: the `golang:1.23` image.
    pub version: String,
    /// Whether go.sum exists (copied with go.mod for the download layer).
    pub go_sum: bool,
    /// The main package, as `go build` takes it: `.` or `./cmd/NAME`.
    pub main_package: String,
    /// The Procfile's `web` command; without one, the built binary.
    pub procfile_web: Option<String>,
}

pub(super) fn detect(
    source: &Source,
    reasons: &mut Vec<String>,
) -> Result<Option<GoApp>, PlanError> {
    let Some(go_mod) = source.text("go.mod")? else {
        return Ok(None);
    };
    reasons.push("go.mod found: Go".to_owned());
    let directive = go_mod.lines().enumerate().find_map(|(i, line)| {
        let rest = line.trim().strip_prefix("go")?;
        rest.starts_with([' ', '\t']).then(|| (i + 1, rest.trim()))
    });
    let Some((line, value)) = directive else {
        return Err(PlanError::BadFile {
            file: "go.mod".to_owned(),
            message:
                "it has no `go` directive (e.g. `go 1.23`), which says which Go builds it; add one"
                    .to_owned(),
        });
    };
    let (version, note) = version::go("go.mod", line, value)?;
    reasons.push(format!("go.mod says go {value}: golang:{version}"));
    reasons.extend(note);
    let main_package = main_package(source)?;
    reasons.push(format!("main package: {main_package}"));
    let procfile_web = source.procfile_web()?;
    if let Some(web) = &procfile_web {
        reasons.push(format!("Procfile web: {web}"));
    }
    Ok(Some(GoApp {
        version,
        go_sum: source.has("go.sum"),
        main_package,
        procfile_web,
    }))
}

/// `.` when a .go file at the top is `package main`; else `./cmd/NAME` for the one directory
/// under cmd/ that has one.
fn main_package(source: &Source) -> Result<String, PlanError> {
    if is_main(source, "")? {
        return Ok(".".to_owned());
    }
    let mut candidates: Vec<String> = Vec::new();
    for dir in cmd_dirs(source) {
        if is_main(source, &dir)? {
            candidates.push(dir);
        }
    }
    match candidates.as_slice() {
        [only] => Ok(format!("./{only}")),
        [] => Err(PlanError::NoGoMain {
            found: String::new(),
        }),
        many => Err(PlanError::NoGoMain {
            found: format!(" (several do: {}; Wharf cannot choose)", many.join(", ")),
        }),
    }
}

/// The directories directly under cmd/ that hold files (the parents of the files two levels
/// down; the list is sorted, so each comes once).
fn cmd_dirs(source: &Source) -> Vec<String> {
    let mut dirs: Vec<String> = source
        .files
        .iter()
        .filter_map(|path| {
            let mut parts = path.split('/');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some("cmd"), Some(dir), Some(_), None) => Some(format!("cmd/{dir}")),
                _ => None,
            }
        })
        .collect();
    dirs.dedup();
    dirs
}

/// Whether a .go file (not a test) directly in `dir` declares `package main`.
fn is_main(source: &Source, dir: &str) -> Result<bool, PlanError> {
    let files: Vec<&str> = source
        .names_in(dir)
        .filter(|name| name.ends_with(".go") && !name.ends_with("_test.go"))
        .collect();
    for name in files {
        let path = if dir.is_empty() {
            name.to_owned()
        } else {
            format!("{dir}/{name}")
        };
        let text = source.text(&path)?.unwrap_or_default();
        let declares = text
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with("package "))
            .is_some_and(|line| line.split_whitespace().nth(1) == Some("main"));
        if declares {
            return Ok(true);
        }
    }
    Ok(false)
}
