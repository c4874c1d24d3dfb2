//! What can stop a plan: a source tree that cannot be read, a project type Wharf does not
//! know, a settings file it cannot use, a language version it has no image for. Messages name
//! the file (and the line, where there is one) and say what to do.

use wharf_domain::{AppJsonError, BuilderKind, ProcfileError};

/// A source tree that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path} is larger than {limit} bytes, too large to be a settings file Wharf reads")]
    TooLarge { path: String, limit: u64 },
    #[error("{0} is not in the source tree")]
    Missing(String),
    #[error("{0} is listed but its contents were not kept (not a file Wharf's detection reads)")]
    NotKept(String),
    #[error("{0} is not UTF-8 text")]
    NotText(String),
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "Wharf cannot tell what kind of app this is: it looked for {looked_for}. Add a Dockerfile, or one of those files"
    )]
    UnknownProject { looked_for: String },
    #[error("app.json sets wharf.builder = \"{builder}\", but the app has none of {looked_for}")]
    ForcedButMissing {
        builder: BuilderKind,
        looked_for: &'static str,
    },
    #[error(transparent)]
    AppJson(#[from] AppJsonError),
    #[error(transparent)]
    Procfile(#[from] ProcfileError),
    #[error("{file}, line {line}: {message}")]
    Version {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    BadFile { file: String, message: String },
    #[error(
        "this looks like a {framework} app, but Wharf does not know the command that serves it: add a Procfile with a `web:` line, e.g. `{example}`"
    )]
    NoWebCommand {
        framework: String,
        example: &'static str,
    },
    #[error(
        "Wharf cannot find the Go main package: none of the .go files at the top or in one cmd/ directory says `package main`{found}; add a Dockerfile, or move the main package to the top"
    )]
    NoGoMain { found: String },
}

impl wharf_domain::Documented for PlanError {
    fn docs(&self) -> Option<wharf_domain::DocsLink> {
        use wharf_domain::docs_link;
        match self {
            PlanError::UnknownProject { .. }
            | PlanError::ForcedButMissing { .. }
            | PlanError::NoGoMain { .. } => Some(docs_link::BUILDER_CHOICE),
            PlanError::Version { .. } => Some(docs_link::BUILDER_VERSIONS),
            PlanError::NoWebCommand { .. } => Some(docs_link::PROCFILE),
            PlanError::AppJson(error) => error.docs(),
            PlanError::Procfile(error) => error.docs(),
            PlanError::Source(_) | PlanError::BadFile { .. } => None,
        }
    }
}
