//! Label keys Wharf puts on everything it creates in Docker, and helpers to
//! turn label selectors into Engine API filters.
//!
//! Every container and image Wharf creates carries `wharf.managed=true`;
//! listing functions always include that selector, so Wharf never sees (and
//! therefore never touches) objects it did not create.

use std::collections::HashMap;

/// `wharf.managed=true` marks every object created by Wharf.
pub const MANAGED: &str = "wharf.managed";
/// Name of the app an object belongs to.
pub const APP: &str = "wharf.app";
/// Release (version) of the app, e.g. `v3`.
pub const RELEASE: &str = "wharf.release";
/// Process type within a release, e.g. `web`.
pub const PROCESS: &str = "wharf.process";
/// Which of Wharf's own one-off tasks a container runs (`run`, `cron`, `predeploy`, `release`,
/// `postdeploy`). Task containers carry no [`PROCESS`] label, so every Procfile name is free.
pub const TASK: &str = "wharf.task";
/// Replica number of a process, e.g. `1`.
pub const REPLICA: &str = "wharf.replica";
/// Name of the database service an object belongs to.
pub const SERVICE: &str = "wharf.service";
/// In a cluster, the Swarm node ID of the node a database service is pinned to: the one
/// holding its volume (this server's, where its container runs and its backups are made).
pub const NODE: &str = "wharf.node";
/// On a database service's overlay network (in a cluster): the service's name.
pub const OVERLAY: &str = "wharf.overlay";
/// Deployment identifier that created the object.
pub const DEPLOYMENT: &str = "wharf.deployment";

/// The value of [`MANAGED`] on objects Wharf created.
pub const MANAGED_VALUE: &str = "true";

/// Builds the Engine API `filters` map selecting objects that carry
/// `wharf.managed=true` plus every `(key, value)` pair in `extra`.
///
/// Docker ANDs multiple `label` filters together.
pub(crate) fn managed_filters(extra: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
    let mut labels = Vec::with_capacity(extra.len() + 1);
    labels.push(format!("{MANAGED}={MANAGED_VALUE}"));
    for (key, value) in extra {
        if *key == MANAGED {
            // Already required; a different value could only select nothing
            // or unmanaged objects, neither of which Wharf wants.
            continue;
        }
        labels.push(format!("{key}={value}"));
    }
    HashMap::from([("label".to_owned(), labels)])
}

/// Returns `labels` with `wharf.managed=true` added (overriding any other value).
pub(crate) fn with_managed(labels: &HashMap<String, String>) -> HashMap<String, String> {
    let mut labels = labels.clone();
    labels.insert(MANAGED.to_owned(), MANAGED_VALUE.to_owned());
    labels
}

/// True if `labels` marks an object as created by Wharf.
pub fn is_managed(labels: &HashMap<String, String>) -> bool {
    labels.get(MANAGED).is_some_and(|v| v == MANAGED_VALUE)
}

/// The label the Swarm puts on a service task's container.
pub const SWARM_TASK: &str = "com.docker.swarm.task.id";

/// True if `labels` are those of a Swarm service task's container.
pub fn is_swarm_task(labels: &HashMap<String, String>) -> bool {
    labels.contains_key(SWARM_TASK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_always_require_managed() {
        let f = managed_filters(&[(APP, "blog"), (MANAGED, "false")]);
        assert_eq!(
            f.get("label").unwrap(),
            &vec!["wharf.managed=true".to_owned(), "wharf.app=blog".to_owned()]
        );
    }

    #[test]
    fn managed_label_is_forced() {
        let mut l = HashMap::new();
        l.insert(MANAGED.to_owned(), "nope".to_owned());
        let l = with_managed(&l);
        assert!(is_managed(&l));
    }
}
