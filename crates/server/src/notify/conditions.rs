//! Conditions Wharf checks on a clock rather than hears of: every instance of an app failing
//! its health checks (as the proxy's health monitor marks them), a certificate whose renewal
//! keeps failing or that ends within two weeks, the disk of Wharf's or Docker's data directory
//! over 90% full, a node of the cluster down. A condition is an alert when it starts, and again
//! once a day while it lasts (`Conditions`), so a full disk is not said every minute.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use wharf_api::DiskSpace;
use wharf_domain::{Alert, AlertKind, AppName, NodeName};
use wharf_proxy::Route;
use wharf_runtime::SwarmNode;
use wharf_store::{AcmeState, ServiceRecord, Store};

/// A certificate ending within this many seconds is about to expire.
pub const EXPIRY_WARNING_SECS: i64 = 14 * 24 * 60 * 60;

/// A condition still true is said again after this long.
const REMIND_SECS: i64 = 24 * 60 * 60;

/// An app whose instances are all unhealthy is said once this many checks in a row saw it
/// (a deploy's new instances are briefly unchecked).
const UNHEALTHY_CHECKS: u32 = 2;

/// A node down is said once this many checks in a row saw it: one being removed from the
/// cluster is briefly down before it is gone.
const NODE_DOWN_CHECKS: u32 = 2;

/// Apps with instances of which none is healthy (draining ones aside).
pub fn unhealthy_apps(routes: &[Arc<Route>]) -> Vec<Alert> {
    routes
        .iter()
        .filter_map(|route| {
            let serving: Vec<_> = route.targets().iter().filter(|t| !t.is_draining()).collect();
            if serving.is_empty() || serving.iter().any(|t| t.is_healthy()) {
                return None;
            }
            let app = AppName::parse(route.app()).ok()?;
            let message = format!(
                "none of the {} instance(s) of {app} answers its health check at {}; requests to it fail",
                serving.len(),
                route.health_path()
            );
            Some(Alert::new(AlertKind::Unhealthy, message).of_app(app).about("web"))
        })
        .collect()
}

/// Certificates ACME keeps failing to renew (or to obtain), and certificates (ACME's or
/// uploaded, `(domain, not_after)`) that end within two weeks, at `now`.
pub fn certificate_alerts(states: &[AcmeState], certs: &[(String, i64)], now: i64) -> Vec<Alert> {
    let failing = states.iter().filter(|s| s.failures > 0).map(|state| {
        let error = state.last_error.as_deref().unwrap_or("no reason given");
        let message = format!(
            "the certificate of {} could not be obtained ({} attempt(s) failed): {error}",
            state.domain, state.failures
        );
        Alert::new(AlertKind::CertificateRenewalFailing, message).about(state.domain.as_str())
    });
    let expiring = certs
        .iter()
        .filter(|(_, not_after)| *not_after - now <= EXPIRY_WARNING_SECS)
        .map(|(domain, not_after)| {
            let days = (not_after - now).div_euclid(24 * 60 * 60);
            let message = if *not_after <= now {
                format!("the certificate of {domain} has expired; browsers refuse the site")
            } else {
                format!("the certificate of {domain} ends in {days} day(s)")
            };
            Alert::new(AlertKind::CertificateExpiring, message).about(domain.as_str())
        });
    failing.chain(expiring).collect()
}

/// The disk `space` is, if more than `threshold` percent of it is used.
pub fn disk_alert(space: &DiskSpace, threshold: u8) -> Option<Alert> {
    if space.total == 0 {
        return None;
    }
    let used = space.total.saturating_sub(space.free);
    let percent = used.saturating_mul(100) / space.total;
    (percent > u64::from(threshold)).then(|| {
        let free_mib = space.free / (1024 * 1024);
        Alert::new(
            AlertKind::DiskFull,
            format!(
                "the disk of {} is {percent}% full ({free_mib} MiB free); deploys and backups fail once it is full",
                space.path
            ),
        )
        .about(space.path.clone())
    })
}

/// Nodes of the cluster the Swarm sees `down` or `disconnected`, each naming the databases
/// pinned to it (`databases`: those on other nodes than this one). A drained node with no
/// database is left out: it was taken out of service on purpose.
pub fn nodes_down(nodes: &[SwarmNode], databases: &[ServiceRecord]) -> Vec<Alert> {
    nodes
        .iter()
        .filter(|node| matches!(node.state.as_str(), "down" | "disconnected"))
        .filter_map(|node| {
            let pinned: Vec<&str> = databases
                .iter()
                .filter(|db| db.node.as_deref() == Some(node.id.as_str()))
                .map(|db| db.name.as_str())
                .collect();
            if node.availability == "drain" && pinned.is_empty() {
                return None;
            }
            let name = NodeName::of_node(&node.labels, &node.hostname, &node.id);
            let mut message = format!(
                "node {name} is {}: the Swarm has not heard from it, and starts its apps' tasks on the other nodes",
                node.state
            );
            if !pinned.is_empty() {
                message.push_str(&format!(
                    "; its databases cannot be reached until it is back: {}",
                    pinned.join(", ")
                ));
            }
            Some(Alert::new(AlertKind::NodeDown, message).about(name.as_str()))
        })
        .collect()
}

/// Which condition an alert says: its kind, app and subject.
type Condition = (AlertKind, Option<String>, Option<String>);

/// Which conditions hold, so each is said when it starts and then once a day.
#[derive(Debug, Default)]
pub struct Conditions {
    /// Per condition: checks in a row it held, when it was last said.
    held: HashMap<Condition, (u32, Option<i64>)>,
}

impl Conditions {
    /// Of the conditions found true by one check at `now`, those to raise; `checks` is how
    /// many checks in a row a condition must hold first. What was not found has ended.
    pub fn update(&mut self, found: Vec<Alert>, now: i64, checks: u32) -> Vec<Alert> {
        let mut next = HashMap::new();
        let mut raise = Vec::new();
        for alert in found {
            let key = (
                alert.kind,
                alert.app.as_ref().map(|a| a.to_string()),
                alert.subject.clone(),
            );
            let (seen, said) = self.held.get(&key).copied().unwrap_or((0, None));
            let seen = seen.saturating_add(1);
            let due = seen >= checks && said.is_none_or(|at| now - at >= REMIND_SECS);
            let said = if due {
                raise.push(alert);
                Some(now)
            } else {
                said
            };
            next.insert(key, (seen, said));
        }
        self.held = next;
        raise
    }
}

/// What the periodic checks look at.
pub struct Checked {
    pub store: Arc<Store>,
    pub router: Arc<wharf_proxy::Router>,
    pub certs: Arc<crate::certs::Certs>,
    pub data_dir: PathBuf,
    pub docker: wharf_runtime::Docker,
    pub disk_threshold: u8,
    pub interval: Duration,
}

/// Check every `interval` until `shutdown`, raising each condition as it starts.
pub async fn watch(checked: Checked, shutdown: CancellationToken) {
    let mut health = Conditions::default();
    let mut nodes = Conditions::default();
    let mut others = Conditions::default();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(checked.interval) => {}
        }
        let now = wharf_store::unix_now();
        let unhealthy = unhealthy_apps(&checked.router.routes());
        let mut found = match checked.store.acme_states() {
            Ok(states) => {
                let certs: Vec<(String, i64)> = checked
                    .certs
                    .list()
                    .into_iter()
                    .map(|meta| (meta.info.domain.to_string(), meta.info.not_after))
                    .collect();
                certificate_alerts(&states, &certs, now)
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the certificates' state");
                Vec::new()
            }
        };
        let docker_dir = checked
            .docker
            .recent_facts(Duration::from_secs(3600))
            .await
            .ok()
            .and_then(|facts| facts.root_dir);
        let disks = [Some(checked.data_dir.clone()), docker_dir];
        found.extend(
            disks
                .iter()
                .flatten()
                .filter_map(|dir| crate::host::disk(dir))
                .filter_map(|space| disk_alert(&space, checked.disk_threshold)),
        );
        let down = cluster_nodes_down(&checked).await;
        for alert in health
            .update(unhealthy, now, UNHEALTHY_CHECKS)
            .into_iter()
            .chain(nodes.update(down, now, NODE_DOWN_CHECKS))
            .chain(others.update(found, now, 1))
        {
            super::raise(&checked.store, &alert);
        }
    }
}

/// The nodes down, when this server manages a cluster (none otherwise, or when the engine
/// cannot say).
async fn cluster_nodes_down(checked: &Checked) -> Vec<Alert> {
    let manages = checked
        .docker
        .swarm_membership()
        .await
        .is_ok_and(|m| m.active() && m.manager);
    if !manages {
        return Vec::new();
    }
    let nodes = match checked.docker.swarm_nodes().await {
        Ok(nodes) => nodes,
        Err(err) => {
            tracing::warn!(error = %err, "cannot list the cluster's nodes");
            return Vec::new();
        }
    };
    let databases = checked
        .store
        .services_on_other_nodes(None)
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "cannot read the databases on other nodes");
            Vec::new()
        });
    nodes_down(&nodes, &databases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::DomainName;
    use wharf_proxy::Target;

    fn route(app: &str, healthy: &[bool]) -> Arc<Route> {
        let targets = healthy
            .iter()
            .enumerate()
            .map(|(i, healthy)| {
                let target = Target::new(format!("127.0.0.1:{}", 9000 + i).parse().unwrap());
                target.set_healthy(*healthy);
                target
            })
            .collect();
        Route::new(app, targets)
    }

    #[test]
    fn an_app_is_unhealthy_when_none_of_its_instances_is_healthy() {
        let routes = [
            route("blog", &[false, false]),
            route("shop", &[false, true]),
            route("idle", &[]),
        ];
        let alerts = unhealthy_apps(&routes);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].app.as_ref().map(|a| a.as_str()), Some("blog"));
        assert!(alerts[0].message.contains("none of the 2 instance(s)"));
    }

    #[test]
    fn certificates_failing_or_ending_soon_are_said() {
        let day = 24 * 60 * 60;
        let mut failing = AcmeState::new(DomainName::parse("blog.example.com").unwrap());
        failing.failures = 3;
        failing.last_error = Some("rate limited".into());
        let fine = AcmeState::new(DomainName::parse("shop.example.com").unwrap());
        let certs = [
            ("soon.example.com".to_string(), 1000 + 3 * day),
            ("later.example.com".to_string(), 1000 + 60 * day),
            ("gone.example.com".to_string(), 500),
        ];
        let alerts = certificate_alerts(&[failing, fine], &certs, 1000);
        let said: Vec<_> = alerts
            .iter()
            .map(|a| (a.kind, a.subject.clone().unwrap()))
            .collect();
        assert_eq!(
            said,
            [
                (
                    AlertKind::CertificateRenewalFailing,
                    "blog.example.com".to_string()
                ),
                (
                    AlertKind::CertificateExpiring,
                    "soon.example.com".to_string()
                ),
                (
                    AlertKind::CertificateExpiring,
                    "gone.example.com".to_string()
                ),
            ]
        );
        assert!(alerts[0].message.contains("rate limited"));
        assert!(alerts[1].message.ends_with("ends in 3 day(s)"));
        assert!(alerts[2].message.contains("has expired"));
    }

    #[test]
    fn a_disk_over_the_threshold_is_said() {
        let disk = |free| DiskSpace {
            path: "/var/lib/wharf".into(),
            free,
            total: 100 * 1024 * 1024,
        };
        assert!(disk_alert(&disk(20 * 1024 * 1024), 90).is_none());
        assert!(disk_alert(&disk(10 * 1024 * 1024), 90).is_none());
        let full = disk_alert(&disk(5 * 1024 * 1024), 90).unwrap();
        assert!(
            full.message.contains("95% full (5 MiB free)"),
            "{}",
            full.message
        );
        assert!(
            disk_alert(
                &DiskSpace {
                    path: "/".into(),
                    free: 0,
                    total: 0
                },
                90
            )
            .is_none()
        );
    }

    #[test]
    fn a_condition_is_said_when_it_starts_then_daily_while_it_lasts() {
        let full = || vec![Alert::new(AlertKind::DiskFull, "95%").about("/data")];
        let mut conditions = Conditions::default();
        assert_eq!(conditions.update(full(), 0, 1).len(), 1);
        assert!(conditions.update(full(), 60, 1).is_empty());
        assert_eq!(conditions.update(full(), REMIND_SECS, 1).len(), 1);
        // It ended, then started again: said again.
        assert!(
            conditions
                .update(Vec::new(), REMIND_SECS + 60, 1)
                .is_empty()
        );
        assert_eq!(conditions.update(full(), REMIND_SECS + 120, 1).len(), 1);
    }

    #[test]
    fn a_condition_that_must_hold_twice_waits_for_the_second_check() {
        let down = || vec![Alert::new(AlertKind::Unhealthy, "down").about("web")];
        let mut conditions = Conditions::default();
        assert!(conditions.update(down(), 0, 2).is_empty());
        assert_eq!(conditions.update(down(), 10, 2).len(), 1);
        assert!(conditions.update(down(), 20, 2).is_empty());
    }

    fn node(id: &str, state: &str, availability: &str) -> SwarmNode {
        SwarmNode {
            id: id.to_string(),
            hostname: format!("host-{id}"),
            state: state.to_string(),
            availability: availability.to_string(),
            ..SwarmNode::default()
        }
    }

    fn database(name: &str, node: &str) -> ServiceRecord {
        ServiceRecord {
            name: wharf_domain::ServiceName::parse(name).unwrap(),
            kind: wharf_domain::ServiceKind::Postgres,
            version: "17".into(),
            image: "postgres:17".into(),
            password: String::new(),
            status: wharf_store::ServiceStatus::Running,
            exposed_port: None,
            backup_schedule: None,
            backup_keep: 7,
            created_at: 0,
            node: Some(node.to_string()),
        }
    }

    #[test]
    fn a_node_down_is_an_alert_naming_its_databases() {
        let nodes = [
            node("a1", "ready", "active"),
            node("b2", "down", "active"),
            node("c3", "disconnected", "active"),
            node("d4", "down", "drain"),
            node("e5", "down", "drain"),
        ];
        let databases = [database("orders", "b2"), database("stock", "e5")];
        let alerts = nodes_down(&nodes, &databases);
        let said: Vec<(&str, &str)> = alerts
            .iter()
            .map(|a| (a.subject.as_deref().unwrap(), a.message.as_str()))
            .collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert_eq!(said[0].0, "host-b2");
        assert!(said[0].1.contains("node host-b2 is down"), "{}", said[0].1);
        assert!(
            said[0].1.ends_with("until it is back: orders"),
            "{}",
            said[0].1
        );
        assert_eq!(said[1].0, "host-c3");
        assert!(!said[1].1.contains("databases"), "{}", said[1].1);
        // Drained on purpose and shut down: quiet, unless a database is pinned there.
        assert_eq!(said[2].0, "host-e5");
        assert!(said[2].1.ends_with(": stock"), "{}", said[2].1);
        assert!(alerts.iter().all(|a| a.kind == AlertKind::NodeDown));
    }
}
