//! Domains by command (`wharf domains add/remove`): they belong to the app, not to a release,
//! so every release (rollbacks too) is served on them, after its Dockerfile's `# wharf.domain`
//! lines. A change takes effect at once, with no new release: the route table is swapped with
//! the same containers behind it, and ACME picks the new domain up at its next look.

use crate::{DeployError, Deployer, ReleaseSpec};
use wharf_domain::{AppName, DomainName, WebAddress};
use wharf_store::StoreError;

/// An app's domains, by where they come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppDomains {
    /// From the Dockerfile of the release serving now (a domain, or a domain and a path).
    pub dockerfile: Vec<WebAddress>,
    /// Added by command.
    pub added: Vec<DomainName>,
}

impl AppDomains {
    fn all(&self) -> Vec<WebAddress> {
        merged(&self.dockerfile, &self.added)
    }

    /// Whether the Dockerfile serves the app on the whole of `domain`.
    fn in_dockerfile(&self, domain: &DomainName) -> bool {
        self.dockerfile
            .iter()
            .any(|address| address.path().is_none() && address.domain() == domain)
    }
}

/// `first`, then the whole of each domain of `then` that is not in it already.
fn merged(first: &[WebAddress], then: &[DomainName]) -> Vec<WebAddress> {
    let mut all = first.to_vec();
    for domain in then {
        let address = WebAddress::domain_only(domain.clone());
        if !first.contains(&address) {
            all.push(address);
        }
    }
    all
}

impl Deployer {
    /// The domains a release of `app` with `spec` is served on: its Dockerfile's, then those
    /// added by command.
    pub(crate) fn domains_for(
        &self,
        app: &AppName,
        spec: &ReleaseSpec,
    ) -> Result<Vec<WebAddress>, DeployError> {
        Ok(merged(spec.domains(), &self.store.added_domains(app)?))
    }

    /// `app`'s domains, by where they come from.
    pub fn domains(&self, app: &AppName) -> Result<AppDomains, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let dockerfile = match self.store.active_release(app)? {
            Some(release) => release.spec.domains().to_vec(),
            None => Vec::new(),
        };
        Ok(AppDomains {
            dockerfile,
            added: self.store.added_domains(app)?,
        })
    }

    /// Serve `app` on `domain` too, from now on and in every release.
    #[tracing::instrument(skip(self))]
    pub async fn add_domain(
        &self,
        app: &AppName,
        domain: &DomainName,
    ) -> Result<AppDomains, DeployError> {
        self.refuse_api_domain(std::iter::once(domain))?;
        let _guard = self.lock_app(app).await;
        let before = self.domains(app)?;
        if before
            .all()
            .contains(&WebAddress::domain_only(domain.clone()))
        {
            return Ok(before);
        }
        self.store.add_domain(app, domain).map_err(domain_taken)?;
        if let Err(err) = self.route_domains(app) {
            self.store.remove_added_domain(app, domain)?;
            return Err(err);
        }
        tracing::info!(app = %app, %domain, "domain added");
        self.domains(app)
    }

    /// Stop serving `app` on `domain`, which was added by command.
    #[tracing::instrument(skip(self))]
    pub async fn remove_domain(
        &self,
        app: &AppName,
        domain: &DomainName,
    ) -> Result<AppDomains, DeployError> {
        let _guard = self.lock_app(app).await;
        let before = self.domains(app)?;
        if before.in_dockerfile(domain) {
            return Err(DeployError::DomainFromDockerfile {
                app: app.to_string(),
                domain: domain.clone(),
            });
        }
        if !self.store.remove_added_domain(app, domain)? {
            let all: Vec<String> = before.all().iter().map(WebAddress::to_string).collect();
            return Err(DeployError::NotADomainOf {
                app: app.to_string(),
                domain: domain.clone(),
                domains: if all.is_empty() {
                    "none".to_string()
                } else {
                    all.join(", ")
                },
            });
        }
        if let Err(err) = self.route_domains(app) {
            self.store.add_domain(app, domain).map_err(domain_taken)?;
            return Err(err);
        }
        tracing::info!(app = %app, %domain, "domain removed");
        self.domains(app)
    }

    /// Route `app`'s current domains to the containers serving it now (nothing to do before
    /// its first release: its first deploy routes them).
    fn route_domains(&self, app: &AppName) -> Result<(), DeployError> {
        let Some(release) = self.store.active_release(app)? else {
            return Ok(());
        };
        let spec = release.spec.clone();
        let domains = self.domains_for(app, &spec)?;
        self.store
            .set_domains(app, &domains)
            .map_err(domain_taken)?;
        self.route_instances(&release, &spec, self.instances.serving(app))
    }
}

/// A domain the store found taken, named as users wrote it.
pub(crate) fn domain_taken(err: StoreError) -> DeployError {
    match err {
        StoreError::DomainTaken { domain, app } => DeployError::DomainTaken {
            domain: domain.shown(),
            owner: app,
        },
        other => DeployError::Store(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(items: &[&str]) -> Vec<WebAddress> {
        items
            .iter()
            .map(|d| WebAddress::parse(d).unwrap())
            .collect()
    }

    fn names(items: &[&str]) -> Vec<DomainName> {
        items
            .iter()
            .map(|d| DomainName::parse(d).unwrap())
            .collect()
    }

    #[test]
    fn the_dockerfile_domains_come_first_and_none_twice() {
        assert_eq!(
            merged(
                &addresses(&["a.example", "b.example"]),
                &names(&["b.example", "c.example"])
            ),
            addresses(&["a.example", "b.example", "c.example"])
        );
        assert_eq!(
            merged(&[], &names(&["c.example"])),
            addresses(&["c.example"])
        );
    }

    #[test]
    fn a_taken_path_is_named_as_users_wrote_it() {
        let err = domain_taken(StoreError::DomainTaken {
            domain: WebAddress::parse("example.com/blog").unwrap(),
            app: "blog".into(),
        });
        assert_eq!(
            err.to_string(),
            "https://example.com/blog is already served by the app `blog`; remove it there first"
        );
    }
}
