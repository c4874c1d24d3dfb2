//! Where the documentation explains an error: a short path on the documentation site every
//! Wharf serves (`/docs/...`, built from docs/ in the repository), printed after the message
//! (`See /docs/dockerfile-config.html#port`). Every link is one of the constants here, so a
//! test can hold each to a page and a heading that exist; errors name theirs through
//! [`Documented`], and [`explained`] writes the message with it, the one way every caller
//! (API, CLI, dashboard, git push) shows it.

use std::fmt;

use crate::app_config::DOCKERFILE_KEYS;

/// A page of the documentation, and perhaps a heading on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocsLink {
    /// The markdown file under docs/, without `.md`.
    page: &'static str,
    /// The heading's id as the site makes it (lowercase, spaces as `-`, punctuation dropped).
    anchor: Option<&'static str>,
}

impl DocsLink {
    const fn page(page: &'static str) -> DocsLink {
        DocsLink { page, anchor: None }
    }

    const fn section(page: &'static str, anchor: &'static str) -> DocsLink {
        DocsLink {
            page,
            anchor: Some(anchor),
        }
    }

    /// The markdown file under docs/ it points at, without `.md`.
    pub fn page_name(&self) -> &'static str {
        self.page
    }

    /// The heading's id, if it points at one.
    pub fn anchor(&self) -> Option<&'static str> {
        self.anchor
    }

    /// The section on the Dockerfile setting written as `name` (its own name or one of
    /// MyPaas's): the key's own section, MyPaas's section for MyPaas-only keys, else the list.
    pub fn dockerfile_setting(name: &str) -> DocsLink {
        match DOCKERFILE_KEYS
            .iter()
            .find(|k| k.names().any(|n| n == name))
        {
            Some(key) if key.mypaas_name => COMING_FROM_MYPAAS,
            Some(key) => DocsLink::section(DOCKERFILE_CONFIG, key.name),
            None => DOCKERFILE_SETTINGS,
        }
    }
}

impl fmt::Display for DocsLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/docs/{}.html", self.page)?;
        if let Some(anchor) = self.anchor {
            write!(f, "#{anchor}")?;
        }
        Ok(())
    }
}

/// An error a page of the documentation explains.
pub trait Documented {
    /// Where, if anywhere.
    fn docs(&self) -> Option<DocsLink>;
}

/// `error`'s message, then on its own line where the documentation explains it.
pub fn explained<E: fmt::Display + Documented + ?Sized>(error: &E) -> String {
    match error.docs() {
        Some(link) => format!("{error}\nSee {link}"),
        None => error.to_string(),
    }
}

const DOCKERFILE_CONFIG: &str = "dockerfile-config";
const PROCFILE_AND_APP_JSON: &str = "procfile-and-app-json";

/// How a `# wharf.KEY = VALUE` line is written.
pub const DOCKERFILE_SYNTAX: DocsLink = DocsLink::section(DOCKERFILE_CONFIG, "syntax");
/// The list of Dockerfile settings.
pub const DOCKERFILE_SETTINGS: DocsLink = DocsLink::section(DOCKERFILE_CONFIG, "settings");
/// MyPaas's settings, and the ones Wharf does not take.
pub const COMING_FROM_MYPAAS: DocsLink = DocsLink::section(DOCKERFILE_CONFIG, "coming-from-mypaas");
/// The Procfile: which processes an app runs.
pub const PROCFILE: DocsLink = DocsLink::section(PROCFILE_AND_APP_JSON, "procfile");
/// A Procfile that cannot be read.
pub const PROCFILE_ERRORS: DocsLink =
    DocsLink::section(PROCFILE_AND_APP_JSON, "when-something-is-wrong");
/// An app.json that cannot be read.
pub const APP_JSON_ERRORS: DocsLink =
    DocsLink::section(PROCFILE_AND_APP_JSON, "when-appjson-is-wrong");
/// The release and predeploy commands.
pub const RELEASE_COMMANDS: DocsLink =
    DocsLink::section(PROCFILE_AND_APP_JSON, "what-each-process-does");
/// How the builder for an app without a Dockerfile is chosen.
pub const BUILDER_CHOICE: DocsLink = DocsLink::section("builders", "how-the-builder-is-chosen");
/// Which language versions the builders use, and how to pin one.
pub const BUILDER_VERSIONS: DocsLink = DocsLink::section("builders", "versions");
/// Which domains an app is served on, and who may claim one.
pub const DOMAINS: DocsLink = DocsLink::section(DOCKERFILE_CONFIG, "domain");
/// The port the app listens on.
pub const PORT: DocsLink = DocsLink::section(DOCKERFILE_CONFIG, "port");
/// Storage mounts' errors.
pub const STORAGE_ERRORS: DocsLink = DocsLink::section("storage", "errors");
/// Who owns a mount, and which new volumes Wharf gives to the app's user.
pub const STORAGE_OWNER: DocsLink = DocsLink::section("storage", "who-may-write-to-it");
/// Host paths no app may mount.
pub const PROTECTED_PATHS: DocsLink = DocsLink::section("storage", "protected-paths");
/// Certificates: failures, retries and Let's Encrypt's rate limits.
pub const CERTIFICATE_FAILURES: DocsLink =
    DocsLink::section("https", "failures-retries-and-rate-limits");
/// Database services and their links.
pub const SERVICES: DocsLink = DocsLink::page("services");
/// Linking a service to apps, and unlinking.
pub const SERVICE_LINKS: DocsLink = DocsLink::section("services", "linking");
/// Backups of services, their verification and restores.
pub const SERVICE_BACKUPS: DocsLink = DocsLink::section("services", "backups");
/// The images services run, on a server without a registry.
pub const SERVICE_IMAGES: DocsLink = DocsLink::section("services", "images-without-a-registry");
/// Moving from one version of Wharf to another, and back.
pub const VERSIONS: DocsLink = DocsLink::section("operations/upgrades", "going-back");
/// A deploy that fails: health checks, containers that exit, release commands.
pub const DEPLOY_FAILS: DocsLink =
    DocsLink::section("operations/troubleshooting", "a-deploy-fails");
/// What runs as a Swarm service in a cluster, and what does not yet.
pub const CLUSTER_APPS: DocsLink = DocsLink::section("cluster", "apps-in-a-cluster");
/// Placement rules in a cluster, and what a deploy whose rules no node meets says.
pub const CLUSTER_PLACEMENT: DocsLink = DocsLink::section("cluster", "placement");
/// How images reach the cluster's nodes: the registry on the manager.
pub const CLUSTER_IMAGES: DocsLink = DocsLink::section("cluster", "images");
/// Database services in a cluster: where they run, and the overlay linked apps reach them on.
pub const CLUSTER_DATABASES: DocsLink = DocsLink::section("cluster", "databases-in-a-cluster");
/// Encrypted overlays on kernels without IPsec, and `--unencrypted-overlays`.
pub const CLUSTER_IPSEC: DocsLink = DocsLink::section("cluster", "kernels-without-ipsec");
/// `wharf cluster leave`: back to one server, and what it needs first.
pub const CLUSTER_LEAVE: DocsLink = DocsLink::section("cluster", "going-back-to-one-server");

/// Every link above, for the test that holds them to the documentation.
pub const ALL: &[DocsLink] = &[
    DOCKERFILE_SYNTAX,
    DOCKERFILE_SETTINGS,
    COMING_FROM_MYPAAS,
    PROCFILE,
    PROCFILE_ERRORS,
    APP_JSON_ERRORS,
    RELEASE_COMMANDS,
    BUILDER_CHOICE,
    BUILDER_VERSIONS,
    DOMAINS,
    PORT,
    STORAGE_ERRORS,
    STORAGE_OWNER,
    PROTECTED_PATHS,
    CERTIFICATE_FAILURES,
    SERVICES,
    SERVICE_LINKS,
    SERVICE_BACKUPS,
    SERVICE_IMAGES,
    VERSIONS,
    CLUSTER_APPS,
    CLUSTER_PLACEMENT,
    CLUSTER_IMAGES,
    CLUSTER_DATABASES,
    CLUSTER_LEAVE,
    CLUSTER_IPSEC,
    DEPLOY_FAILS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A heading's id as the documentation site makes it: lowercase letters, digits, `_`
    /// and `-` kept, blanks as `-`, everything else (backticks, dots, colons) dropped.
    fn heading_id(heading: &str) -> String {
        heading
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c.to_ascii_lowercase())
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect()
    }

    fn headings(page: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs")
            .join(format!("{page}.md"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is linked from errors: {e}", path.display()));
        let mut in_code = false;
        text.lines()
            .filter(|line| {
                if line.starts_with("```") {
                    in_code = !in_code;
                }
                !in_code && line.starts_with('#')
            })
            .map(|line| heading_id(line.trim_start_matches('#').trim()))
            .collect()
    }

    #[test]
    fn every_link_is_a_page_and_heading_that_exist() {
        let settings = DOCKERFILE_KEYS
            .iter()
            .flat_map(|key| key.names())
            .map(DocsLink::dockerfile_setting);
        for link in ALL.iter().copied().chain(settings) {
            let headings = headings(link.page_name());
            if let Some(anchor) = link.anchor() {
                assert!(
                    headings.iter().any(|h| h == anchor),
                    "{link}: no such heading; the page's: {headings:?}"
                );
            }
        }
    }

    #[test]
    fn ids_are_made_as_the_site_makes_them() {
        assert_eq!(heading_id("`port`"), "port");
        assert_eq!(
            heading_id("When app.json is wrong"),
            "when-appjson-is-wrong"
        );
        assert_eq!(
            heading_id("Failures, retries and rate limits"),
            "failures-retries-and-rate-limits"
        );
    }

    #[test]
    fn a_message_ends_with_its_link() {
        struct Wrong;
        impl fmt::Display for Wrong {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the port is wrong")
            }
        }
        impl Documented for Wrong {
            fn docs(&self) -> Option<DocsLink> {
                Some(PORT)
            }
        }
        assert_eq!(
            explained(&Wrong),
            "the port is wrong\nSee /docs/dockerfile-config.html#port"
        );
        assert_eq!(
            DocsLink::dockerfile_setting("service").to_string(),
            "/docs/dockerfile-config.html#app"
        );
        assert_eq!(DocsLink::dockerfile_setting("url"), COMING_FROM_MYPAAS);
        assert_eq!(DocsLink::dockerfile_setting("nope"), DOCKERFILE_SETTINGS);
    }
}
