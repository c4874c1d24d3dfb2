//! Node apps: package.json, the lockfile that says which package manager installs the
//! dependencies, the Node version (`engines.node`, `.nvmrc`), and the `build` and `start`
//! scripts.

use serde::Deserialize;
use std::collections::BTreeMap;

use super::Source;
use crate::PlanError;
use crate::version::{self, DEFAULT_NODE, first_value_line};

/// A Node app, as detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeApp {
    /// The major version: the `node:N-slim` image.
    pub version: u32,
    pub manager: NodeManager,
    /// Whether package.json has a `build` script (run at build time).
    pub build_script: bool,
    /// The Procfile's `web` command; without one, `npm start`.
    pub procfile_web: Option<String>,
    /// Whether the app is a site its build script makes (Vite, Eleventy, Astro...: a build
    /// script and nothing that starts a server): its files are served as a static site.
    pub static_build: bool,
}

/// Who installs the dependencies, from the lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeManager {
    /// package-lock.json (or npm-shrinkwrap.json): `npm ci`.
    NpmCi,
    /// No lockfile: `npm install`.
    NpmInstall,
    /// yarn.lock: `yarn install --frozen-lockfile`.
    Yarn,
    /// pnpm-lock.yaml: `pnpm install --frozen-lockfile`.
    Pnpm,
}

impl NodeManager {
    /// The files copied before the install (package.json first).
    pub fn files(self) -> &'static [&'static str] {
        match self {
            NodeManager::NpmCi => &["package.json", "package-lock.json"],
            NodeManager::NpmInstall => &["package.json"],
            NodeManager::Yarn => &["package.json", "yarn.lock"],
            NodeManager::Pnpm => &["package.json", "pnpm-lock.yaml"],
        }
    }
}

/// Where site generators write a site, in the order a built site is looked for: Vite and
/// Astro (`dist`), Create React App (`build`), Eleventy and Jekyll (`_site`), Next's export
/// (`out`).
pub const STATIC_OUTPUTS: [&str; 4] = ["dist", "build", "_site", "out"];

/// The parts of package.json read here.
#[derive(Deserialize, Default)]
struct PackageJson {
    #[serde(default)]
    scripts: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    engines: BTreeMap<String, serde_json::Value>,
}

pub(super) fn detect(
    source: &Source,
    reasons: &mut Vec<String>,
) -> Result<Option<NodeApp>, PlanError> {
    let Some(text) = source.text("package.json")? else {
        return Ok(None);
    };
    let package: PackageJson = serde_json::from_str(&text).map_err(|e| PlanError::BadFile {
        file: "package.json".to_owned(),
        message: format!("not valid JSON: {e}"),
    })?;
    let manager = if source.has("package-lock.json") || source.has("npm-shrinkwrap.json") {
        reasons.push(
            "package.json and package-lock.json found: Node, installed with npm ci".to_owned(),
        );
        NodeManager::NpmCi
    } else if source.has("yarn.lock") {
        reasons.push("package.json and yarn.lock found: Node, installed with yarn".to_owned());
        NodeManager::Yarn
    } else if source.has("pnpm-lock.yaml") {
        reasons.push("package.json and pnpm-lock.yaml found: Node, installed with pnpm".to_owned());
        NodeManager::Pnpm
    } else {
        reasons.push("package.json without a lockfile: Node, installed with npm install (commit package-lock.json for repeatable builds)".to_owned());
        NodeManager::NpmInstall
    };
    let version = node_version(source, &text, &package, reasons)?;
    let build_script = package.scripts.contains_key("build");
    if build_script {
        reasons.push("package.json has a build script: run at build time".to_owned());
    }
    let procfile_web = source.procfile_web()?;
    let mut static_build = false;
    match &procfile_web {
        Some(web) => reasons.push(format!("Procfile web: {web}")),
        None if package.scripts.contains_key("start") => {
            reasons.push("no Procfile: the web command is npm start".to_owned())
        }
        // npm's own default start script.
        None if source.has("server.js") => reasons
            .push("no Procfile and no start script: npm start runs node server.js".to_owned()),
        None if build_script => {
            static_build = true;
            reasons.push(format!(
                "a build script and nothing that starts a server (no start script, server.js or Procfile): a static site, whose files the build writes to {} (the first with an index.html), served as they are",
                STATIC_OUTPUTS.join("/, ") + "/"
            ));
        }
        None => {
            return Err(PlanError::NoWebCommand {
                framework: "Node (package.json without a start script)".to_owned(),
                example: "web: node index.js",
            });
        }
    }
    Ok(Some(NodeApp {
        version,
        manager,
        build_script,
        procfile_web,
        static_build,
    }))
}

fn node_version(
    source: &Source,
    text: &str,
    package: &PackageJson,
    reasons: &mut Vec<String>,
) -> Result<u32, PlanError> {
    if let Some(engine) = package.engines.get("node") {
        let line = line_of(text, "\"node\"").unwrap_or(1);
        let Some(range) = engine.as_str() else {
            return Err(PlanError::Version {
                file: "package.json".to_owned(),
                line,
                message: "engines.node must be a version string such as \"20.x\"".to_owned(),
            });
        };
        let major = version::node("package.json", line, range)?;
        reasons.push(format!(
            "package.json engines.node is {range}: node:{major}-slim"
        ));
        return Ok(major);
    }
    if let Some(nvmrc) = source.text(".nvmrc")?
        && let Some((line, value)) = first_value_line(&nvmrc)
    {
        let major = version::node(".nvmrc", line, value)?;
        reasons.push(format!(".nvmrc pins Node {value}: node:{major}-slim"));
        return Ok(major);
    }
    reasons.push(format!(
        "no Node version pinned (engines.node, .nvmrc): Node {DEFAULT_NODE}"
    ));
    Ok(DEFAULT_NODE)
}

/// The 1-based line of the first occurrence of `needle` after `"engines"`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    let engines = text.find("\"engines\"")?;
    let at = engines + text[engines..].find(needle)?;
    Some(text[..at].matches('\n').count() + 1)
}
