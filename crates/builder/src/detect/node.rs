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
    /// Whether package.json has a `start` script.
    pub start_script: bool,
    /// The Procfile's `web` command; without one, `npm start`.
    pub procfile_web: Option<String>,
    /// Whether the app is a site its build script makes (Vite, Eleventy, Astro...: a build
    /// script and nothing that starts a server): its files are served as a static site.
    pub static_build: bool,
    /// The package manager's version from package.json's `packageManager` (digits and dots
    /// only, checked here), installed from the npm registry for Yarn 2+ and pnpm.
    pub manager_version: Option<String>,
    /// Yarn 2+'s own files beside the lockfile, copied before the install: `.yarnrc.yml`, and
    /// `.yarn` (its releases, plugins and patches) when the app has one.
    pub yarn_files: Vec<&'static str>,
}

/// Who installs the dependencies, from the lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeManager {
    /// package-lock.json (or npm-shrinkwrap.json): `npm ci`.
    NpmCi,
    /// No lockfile: `npm install`.
    NpmInstall,
    /// yarn.lock: `yarn install --frozen-lockfile` (Yarn 1, in the Node images).
    Yarn,
    /// yarn.lock of Yarn 2 or later (`packageManager: "yarn@4..."` or a `.yarnrc.yml`):
    /// `yarn install --immutable`, with that Yarn from the npm registry.
    YarnBerry,
    /// pnpm-lock.yaml: `pnpm install --frozen-lockfile`.
    Pnpm,
}

impl NodeManager {
    /// The command that serves the app when the Procfile gives none, as its words: the start
    /// script, or without one `node server.js` (npm's own default).
    pub fn start_command(self, start_script: bool) -> &'static [&'static str] {
        match (self, start_script) {
            // Plug'n'Play apps resolve their packages through Yarn's loader.
            (NodeManager::YarnBerry, true) => &["yarn", "start"],
            (NodeManager::YarnBerry, false) => &["yarn", "node", "server.js"],
            _ => &["npm", "start"],
        }
    }

    /// The files copied before the install (package.json first).
    pub fn files(self) -> &'static [&'static str] {
        match self {
            NodeManager::NpmCi => &["package.json", "package-lock.json"],
            NodeManager::NpmInstall => &["package.json"],
            NodeManager::Yarn | NodeManager::YarnBerry => &["package.json", "yarn.lock"],
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
    #[serde(default, rename = "packageManager")]
    package_manager: Option<serde_json::Value>,
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
    let pinned = package_manager(&text, &package)?;
    let manager = if source.has("package-lock.json") || source.has("npm-shrinkwrap.json") {
        reasons.push(
            "package.json and package-lock.json found: Node, installed with npm ci".to_owned(),
        );
        NodeManager::NpmCi
    } else if source.has("yarn.lock") {
        let berry = matches!(&pinned, Some(("yarn", version)) if !version.starts_with("1."))
            || source.has(".yarnrc.yml");
        if berry {
            reasons.push(
                "package.json and yarn.lock found, with Yarn 2 or later (packageManager or .yarnrc.yml): Node, installed with yarn install --immutable".to_owned(),
            );
            NodeManager::YarnBerry
        } else {
            reasons.push("package.json and yarn.lock found: Node, installed with yarn".to_owned());
            NodeManager::Yarn
        }
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
            let start = manager.start_command(true).join(" ");
            reasons.push(format!("no Procfile: the web command is {start}"))
        }
        // npm's own default start script.
        None if source.has("server.js") => reasons.push(format!(
            "no Procfile and no start script: the web command is {}, which runs node server.js",
            manager.start_command(false).join(" ")
        )),
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
    let manager_version = match (manager, pinned) {
        (NodeManager::YarnBerry, Some(("yarn", version)))
        | (NodeManager::Pnpm, Some(("pnpm", version))) => Some(version.to_owned()),
        _ => None,
    };
    let yarn_files = if manager == NodeManager::YarnBerry {
        let mut files = Vec::new();
        if source.has(".yarnrc.yml") {
            files.push(".yarnrc.yml");
        }
        if source.files_under(".yarn").any(yarn_keeps) {
            files.push(".yarn");
        }
        files
    } else {
        Vec::new()
    };
    Ok(Some(NodeApp {
        version,
        manager,
        build_script,
        start_script: package.scripts.contains_key("start"),
        procfile_web,
        static_build,
        manager_version,
        yarn_files,
    }))
}

/// Whether a file under `.yarn/` belongs in the image: Yarn's releases, plugins, patches and
/// SDKs do; its install state and caches are remade by the install.
fn yarn_keeps(path: &str) -> bool {
    !(path.starts_with(".yarn/install-state")
        || path.starts_with(".yarn/cache/")
        || path.starts_with(".yarn/unplugged/")
        || path.starts_with(".yarn/build-state"))
}

/// package.json's `packageManager` ("yarn@4.9.4+sha512.abc..."): the tool's name and its
/// version without the hash. The version goes into a `RUN` line, so it is checked to be digits
/// and dots only.
fn package_manager<'p>(
    text: &str,
    package: &'p PackageJson,
) -> Result<Option<(&'p str, &'p str)>, PlanError> {
    let Some(value) = &package.package_manager else {
        return Ok(None);
    };
    let line = text
        .find("\"packageManager\"")
        .map_or(1, |at| text[..at].matches('\n').count() + 1);
    let bad = |message: String| PlanError::BadFile {
        file: format!("package.json, line {line}"),
        message,
    };
    let Some(spec) = value.as_str() else {
        return Err(bad(
            "packageManager must be a string such as \"yarn@4.9.4\"".to_owned(),
        ));
    };
    let Some((name, rest)) = spec.split_once('@') else {
        return Err(bad(format!(
            "packageManager {spec:?} has no version: write it as NAME@VERSION, e.g. \"pnpm@9.15.0\""
        )));
    };
    let version = rest
        .split_once('+')
        .map_or(rest, |(version, _hash)| version);
    let valid = !version.is_empty()
        && version.split('.').count() <= 3
        && version
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !valid {
        return Err(bad(format!(
            "packageManager {spec:?}: the version must be a release number such as 4.9.4"
        )));
    }
    Ok(Some((name, version)))
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
