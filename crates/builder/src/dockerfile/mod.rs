//! The generated Dockerfile: a pure function of what detection found, one module per
//! builder. Every one installs the dependencies in a layer of their own before the source is
//! copied (a change to the code alone reuses that layer), runs the app as a user other than
//! root, listens on [`APP_PORT`](crate::APP_PORT), which its `# wharf.port` comment tells
//! Wharf (Wharf also sets `PORT` to it), and says in comments why each step is there.

mod go;
mod node;
mod python;
mod static_site;

use crate::{APP_PORT, Detected};
use wharf_domain::BuilderKind;

/// The Dockerfile for `detected`; `None` for an app that brings its own.
pub fn render(detected: &Detected) -> Option<String> {
    let mut out = header(detected.kind());
    match detected {
        Detected::Dockerfile => return None,
        Detected::Python(app) => python::render(app, &mut out),
        Detected::Node(app) => node::render(app, &mut out),
        Detected::Go(app) => go::render(app, &mut out),
        Detected::Static(site) => static_site::render(site, &mut out),
    }
    Some(out)
}

/// The opening comments: who wrote the file, how to keep it, and the app's port for Wharf.
fn header(kind: BuilderKind) -> String {
    format!(
        "# Written by Wharf's {kind} builder: `wharf build-plan` shows why, and\n\
         # `wharf build-plan --write` saves it as the app's Dockerfile, which Wharf then builds\n\
         # as written.\n\
         # wharf.port = {APP_PORT}\n"
    )
}

/// `CMD` running `command` through the shell (so `$PORT` expands), in exec form with the
/// command as one JSON string: quoting in the command cannot break the Dockerfile line.
fn shell_cmd(command: &str) -> String {
    let quoted = serde_json::Value::from(command).to_string();
    format!("CMD [\"/bin/sh\", \"-c\", {quoted}]\n")
}

/// The image's command: the Procfile's web command when there is one (Wharf runs that; the
/// CMD is for `docker run`), else the builder's `default` (an exec-form `CMD` line).
fn web_cmd(procfile_web: Option<&str>, default: &str) -> String {
    match procfile_web {
        Some(web) => format!(
            "# The Procfile's web command (Wharf runs it; the CMD is for `docker run`).\n{}",
            shell_cmd(web)
        ),
        None => default.to_string(),
    }
}

#[cfg(test)]
mod tests;
