//! Wharf's builders: an app pushed without a Dockerfile is read as a source tree, recognised
//! (Python, Node, Go or a static site, in that order, first match wins) and given a generated
//! Dockerfile that the usual Docker pipeline builds. Every decision carries a human reason
//! ("requirements.txt found"), so `wharf build-plan` and a deploy can say why.
//!
//! The source tree is abstract ([`SourceTree`]); its one implementation is a map of files
//! ([`MemoryTree`]): the server fills it from the app's tar, the command line from the files
//! it would upload. Detection ([`detect`]) turns a tree into a [`Detected`] app; the Dockerfile is a
//! pure function of that ([`dockerfile::render`]); [`plan`] does both.

mod detect;
pub mod dockerfile;
mod error;
mod source;
mod version;

pub use detect::{
    Detected, Django, GoApp, NodeApp, NodeManager, PythonApp, PythonTool, STATIC_OUTPUTS,
    StaticSite, detect,
};
pub use error::{PlanError, SourceError};
pub use source::{MAX_FILES, MAX_READ_BYTES, MemoryTree, SourceTree, lists, reads};
pub use wharf_domain::BuilderKind;

/// The port every generated image listens on (`$PORT` inside the container), stated to Wharf
/// by the `# wharf.port` comment of the generated Dockerfile.
pub const APP_PORT: u16 = 5000;

/// What Wharf would do with a source tree: which builder, why, and the Dockerfile it would
/// build (none when the app brings its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub builder: BuilderKind,
    /// Why, one decision per line, in the order they were made.
    pub reasons: Vec<String>,
    /// The generated Dockerfile; `None` for [`BuilderKind::Dockerfile`].
    pub dockerfile: Option<String>,
}

/// Detect what the app in `tree` is and write its Dockerfile.
pub fn plan(tree: &dyn SourceTree) -> Result<Plan, PlanError> {
    let (detected, reasons) = detect(tree)?;
    Ok(Plan {
        builder: detected.kind(),
        dockerfile: dockerfile::render(&detected),
        reasons,
    })
}
