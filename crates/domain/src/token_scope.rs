//! What an API token may do: its scope. A token is `admin` (everything, the default and what
//! every token made before scopes existed is), or limited to some apps, or read-only, or both.
//! A request is described by the [`Resource`] it reaches and the [`Operation`] it performs;
//! [`TokenScope::allows`] is the one rule that says yes or no, with a reason.
//!
//! Read-only means reading: listing apps, releases, processes, logs, config var names. Revealing
//! a secret value (`config show --reveal`, `services info --reveal`) is an operation of its own
//! that read-only tokens may not perform, since the secret would outlive any revocation.

use crate::AppName;
use std::fmt;

/// What a request reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The server's version and upload limit: any valid token may read it (clients ask before
    /// deploying).
    Status,
    /// Anything not of one app: the list of all apps, services, certificates, ACME.
    Server,
    /// One app: its releases, config, processes, logs, domains, storage, deploys, git pushes.
    App(AppName),
    /// The cluster: making this server a Swarm manager, its nodes and their join token. Only
    /// admin tokens reach it, to read as well: a node list maps the servers behind the apps.
    Cluster,
}

/// What a request does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Look without changing anything or seeing secret values.
    Read,
    /// Show secret values (config vars, database passwords).
    Reveal,
    /// Change something: deploy, push, config set, scale, run a command, create, destroy.
    Write,
}

/// What a token may do: every app or only `apps`, and whether only reading.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenScope {
    /// Sorted, without duplicates; empty means every app and the server-wide routes.
    apps: Vec<AppName>,
    read_only: bool,
}

/// Why a token may not make a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeRefusal {
    #[error(
        "this token is read-only ({scope}): it may not change anything; use a token without --read-only"
    )]
    ReadOnlyWrite { scope: String },
    #[error(
        "this token is read-only ({scope}): it may not reveal secret values; leave out --reveal, or use a token without --read-only"
    )]
    ReadOnlyReveal { scope: String },
    #[error(
        "this token is limited to {scope} and may not reach app `{app}`; create one for it on the server with `wharf tokens create NAME --app {app}`"
    )]
    OtherApp { scope: String, app: AppName },
    #[error(
        "this token is limited to {scope}: it may not reach server-wide routes (the list of all apps, services, certificates); use an admin token"
    )]
    ServerWide { scope: String },
    #[error(
        "this token is {scope}: only admin tokens reach the cluster and its nodes; use a token made with `wharf tokens create NAME` and no --app or --read-only"
    )]
    AdminOnly { scope: String },
}

impl TokenScope {
    /// Everything: every app, the server-wide routes, changes and secrets.
    pub fn admin() -> TokenScope {
        TokenScope {
            apps: Vec::new(),
            read_only: false,
        }
    }

    /// A scope limited to `apps` (none: every app) and, if `read_only`, to reading.
    pub fn new(mut apps: Vec<AppName>, read_only: bool) -> TokenScope {
        apps.sort();
        apps.dedup();
        TokenScope { apps, read_only }
    }

    /// The apps this token is limited to; empty when it reaches every app.
    pub fn apps(&self) -> &[AppName] {
        &self.apps
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn is_admin(&self) -> bool {
        self.apps.is_empty() && !self.read_only
    }

    /// Whether a request reaching `resource` to perform `operation` is within this scope.
    pub fn allows(&self, resource: &Resource, operation: Operation) -> Result<(), ScopeRefusal> {
        if *resource == Resource::Status {
            return Ok(());
        }
        if *resource == Resource::Cluster && !self.is_admin() {
            return Err(ScopeRefusal::AdminOnly {
                scope: self.to_string(),
            });
        }
        if self.read_only {
            match operation {
                Operation::Read => {}
                Operation::Reveal => {
                    return Err(ScopeRefusal::ReadOnlyReveal {
                        scope: self.to_string(),
                    });
                }
                Operation::Write => {
                    return Err(ScopeRefusal::ReadOnlyWrite {
                        scope: self.to_string(),
                    });
                }
            }
        }
        if self.apps.is_empty() {
            return Ok(());
        }
        match resource {
            Resource::Status => Ok(()),
            Resource::App(app) if self.apps.contains(app) => Ok(()),
            Resource::App(app) => Err(ScopeRefusal::OtherApp {
                scope: self.apps_phrase(),
                app: app.clone(),
            }),
            Resource::Server => Err(ScopeRefusal::ServerWide {
                scope: self.apps_phrase(),
            }),
            Resource::Cluster => Err(ScopeRefusal::AdminOnly {
                scope: self.to_string(),
            }),
        }
    }

    fn apps_phrase(&self) -> String {
        let names: Vec<String> = self.apps.iter().map(|a| format!("`{a}`")).collect();
        match names.len() {
            1 => format!("app {}", names[0]),
            _ => format!("apps {}", names.join(", ")),
        }
    }
}

/// `admin`, `read-only`, `app blog`, `apps blog, shop, read-only`: as `wharf tokens` shows it.
impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.apps.is_empty(), self.read_only) {
            (true, false) => f.write_str("admin"),
            (true, true) => f.write_str("read-only"),
            (false, read_only) => {
                let names: Vec<&str> = self.apps.iter().map(AppName::as_str).collect();
                let noun = if names.len() == 1 { "app" } else { "apps" };
                write!(f, "{noun} {}", names.join(","))?;
                if read_only {
                    f.write_str(", read-only")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str) -> AppName {
        AppName::parse(name).unwrap()
    }

    fn scope(apps: &[&str], read_only: bool) -> TokenScope {
        TokenScope::new(apps.iter().map(|a| app(a)).collect(), read_only)
    }

    #[test]
    fn scopes_parse_from_app_names_sorted_and_deduplicated() {
        let parsed = scope(&["shop", "blog", "shop"], false);
        assert_eq!(parsed.apps(), &[app("blog"), app("shop")]);
        assert!(!parsed.is_admin());
        assert_eq!(parsed.to_string(), "apps blog,shop");
        assert_eq!(scope(&["blog"], true).to_string(), "app blog, read-only");
        assert_eq!(scope(&[], true).to_string(), "read-only");
        assert_eq!(TokenScope::admin().to_string(), "admin");
        assert!(TokenScope::admin().is_admin());
    }

    #[test]
    fn admin_may_do_everything() {
        let admin = TokenScope::admin();
        for resource in [
            Resource::Status,
            Resource::Server,
            Resource::App(app("x")),
            Resource::Cluster,
        ] {
            for op in [Operation::Read, Operation::Reveal, Operation::Write] {
                assert_eq!(admin.allows(&resource, op), Ok(()));
            }
        }
    }

    #[test]
    fn an_app_token_reaches_its_apps_only() {
        let blog = scope(&["blog"], false);
        assert_eq!(
            blog.allows(&Resource::App(app("blog")), Operation::Write),
            Ok(())
        );
        assert_eq!(
            blog.allows(&Resource::App(app("blog")), Operation::Reveal),
            Ok(())
        );
        assert_eq!(blog.allows(&Resource::Status, Operation::Read), Ok(()));
        let err = blog
            .allows(&Resource::App(app("shop")), Operation::Read)
            .unwrap_err();
        assert!(
            err.to_string().contains("limited to app `blog`")
                && err.to_string().contains("may not reach app `shop`"),
            "{err}"
        );
        let err = blog.allows(&Resource::Server, Operation::Read).unwrap_err();
        assert!(err.to_string().contains("server-wide"), "{err}");
    }

    #[test]
    fn a_read_only_token_reads_but_neither_writes_nor_reveals() {
        let reader = scope(&[], true);
        assert_eq!(reader.allows(&Resource::Server, Operation::Read), Ok(()));
        assert_eq!(
            reader.allows(&Resource::App(app("a")), Operation::Read),
            Ok(())
        );
        let err = reader
            .allows(&Resource::App(app("a")), Operation::Write)
            .unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        let err = reader
            .allows(&Resource::Server, Operation::Reveal)
            .unwrap_err();
        assert!(err.to_string().contains("reveal secret values"), "{err}");

        let blog_reader = scope(&["blog"], true);
        assert!(
            blog_reader
                .allows(&Resource::App(app("blog")), Operation::Write)
                .is_err()
        );
        assert!(
            blog_reader
                .allows(&Resource::App(app("shop")), Operation::Read)
                .is_err()
        );
        assert_eq!(
            blog_reader.allows(&Resource::App(app("blog")), Operation::Read),
            Ok(())
        );
    }

    #[test]
    fn only_admin_tokens_reach_the_cluster() {
        for limited in [scope(&[], true), scope(&["blog"], false)] {
            for op in [Operation::Read, Operation::Write] {
                let refusal = limited.allows(&Resource::Cluster, op).unwrap_err();
                assert!(
                    refusal.to_string().contains("only admin tokens"),
                    "{refusal}"
                );
            }
        }
    }
}
