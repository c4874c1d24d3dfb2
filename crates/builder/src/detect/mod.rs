//! Detection: what an app is, decided from its source tree. The order is fixed and the first
//! match wins: its own Dockerfile, then Python, Node, Go and a static site; app.json's
//! `wharf.builder` skips the order and asks for one. Each step adds a reason, so the user can
//! see why (and what to change when Wharf guessed wrong).

mod go;
mod node;
mod python;
mod static_site;

use std::collections::BTreeSet;

pub use go::GoApp;
pub use node::{NodeApp, NodeManager, STATIC_OUTPUTS};
pub use python::{Django, PythonApp, PythonTool};
pub use static_site::StaticSite;

use crate::{PlanError, SourceError, SourceTree};
use wharf_domain::{AppJson, BuilderKind, Procfile};

/// What detection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// The app has its own Dockerfile: it is built as written.
    Dockerfile,
    Python(PythonApp),
    Node(NodeApp),
    Go(GoApp),
    Static(StaticSite),
}

impl Detected {
    pub fn kind(&self) -> BuilderKind {
        match self {
            Detected::Dockerfile => BuilderKind::Dockerfile,
            Detected::Python(_) => BuilderKind::Python,
            Detected::Node(_) => BuilderKind::Node,
            Detected::Go(_) => BuilderKind::Go,
            Detected::Static(_) => BuilderKind::Static,
        }
    }
}

/// What each builder looks for, as said to the user when nothing matched.
fn looked_for(kind: BuilderKind) -> &'static str {
    match kind {
        BuilderKind::Dockerfile => "a Dockerfile",
        BuilderKind::Python => {
            "requirements.txt, pyproject.toml, Pipfile, Pipfile.lock or setup.py (Python)"
        }
        BuilderKind::Node => "package.json (Node)",
        BuilderKind::Go => "go.mod (Go)",
        BuilderKind::Static => "index.html or public/index.html (a static site)",
    }
}

/// Decide what the app in `tree` is, with the reasons in order.
pub fn detect(tree: &dyn SourceTree) -> Result<(Detected, Vec<String>), PlanError> {
    let source = Source::read(tree)?;
    let mut reasons = Vec::new();
    let forced = match source.text("app.json")? {
        Some(text) => AppJson::parse(&text)?.builder,
        None => None,
    };
    let detected = match forced {
        Some(kind) => {
            reasons.push(format!("app.json sets wharf.builder = \"{kind}\""));
            let found = try_builder(kind, &source, &mut reasons)?;
            found.ok_or(PlanError::ForcedButMissing {
                builder: kind,
                looked_for: looked_for(kind),
            })?
        }
        None => first_match(&source, &mut reasons)?,
    };
    Ok((detected, reasons))
}

fn first_match(source: &Source, reasons: &mut Vec<String>) -> Result<Detected, PlanError> {
    for kind in BuilderKind::ALL {
        if let Some(found) = try_builder(kind, source, reasons)? {
            return Ok(found);
        }
    }
    let all: Vec<&str> = BuilderKind::ALL.into_iter().map(looked_for).collect();
    let mut looked_for = all.join(", ");
    if source.has("Procfile") {
        looked_for.push_str("; a Procfile alone does not say how to build the app");
    }
    Err(PlanError::UnknownProject { looked_for })
}

fn try_builder(
    kind: BuilderKind,
    source: &Source,
    reasons: &mut Vec<String>,
) -> Result<Option<Detected>, PlanError> {
    // A builder that does not match says nothing: only the winner's reasons are kept.
    let mut own = Vec::new();
    let found = match kind {
        BuilderKind::Dockerfile => source.has("Dockerfile").then(|| {
            own.push("Dockerfile found: built as written".to_owned());
            Detected::Dockerfile
        }),
        BuilderKind::Python => python::detect(source, &mut own)?.map(Detected::Python),
        BuilderKind::Node => node::detect(source, &mut own)?.map(Detected::Node),
        BuilderKind::Go => go::detect(source, &mut own)?.map(Detected::Go),
        BuilderKind::Static => static_site::detect(source, &mut own).map(Detected::Static),
    };
    if found.is_some() {
        reasons.append(&mut own);
    }
    Ok(found)
}

/// A source tree with its file list read once.
pub(crate) struct Source<'a> {
    tree: &'a dyn SourceTree,
    files: BTreeSet<String>,
}

impl<'a> Source<'a> {
    fn read(tree: &'a dyn SourceTree) -> Result<Source<'a>, SourceError> {
        let files = tree.files()?.into_iter().collect();
        Ok(Source { tree, files })
    }

    pub(crate) fn has(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// The files directly in directory `dir` (`""` for the top), by name.
    pub(crate) fn names_in<'s>(&'s self, dir: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.files.iter().filter_map(move |path| {
            let rest = if dir.is_empty() {
                path.as_str()
            } else {
                path.strip_prefix(dir)?.strip_prefix('/')?
            };
            (!rest.contains('/')).then_some(rest)
        })
    }

    /// The files under directory `dir`, at any depth, by their paths.
    pub(crate) fn files_under<'s>(&'s self, dir: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.files.iter().filter_map(move |path| {
            path.strip_prefix(dir)?.strip_prefix('/')?;
            Some(path.as_str())
        })
    }

    /// The text of `path`, or `None` if the tree has no such file.
    pub(crate) fn text(&self, path: &str) -> Result<Option<String>, SourceError> {
        if !self.has(path) {
            return Ok(None);
        }
        let bytes = self.tree.read(path)?;
        let text = String::from_utf8(bytes).map_err(|_| SourceError::NotText(path.to_owned()))?;
        Ok(Some(text.trim_start_matches('\u{feff}').to_owned()))
    }

    /// The Procfile's `web` command, if the app has a Procfile with one.
    pub(crate) fn procfile_web(&self) -> Result<Option<String>, PlanError> {
        let Some(text) = self.text("Procfile")? else {
            return Ok(None);
        };
        Ok(Procfile::parse(&text)?.web().map(str::to_owned))
    }
}

#[cfg(test)]
mod tests;
