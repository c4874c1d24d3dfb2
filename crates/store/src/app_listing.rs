//! Every app at a glance, as the app list (`GET /v1/apps`, the dashboard's overview) shows it:
//! its addresses, the release that serves and since when, the newest release's status, and
//! whether a process of it was stopped by hand. Read in the same few queries whatever the
//! number of apps, never one per app, and without decoding any release's snapshot.

use crate::releases::ReleaseStatus;
use crate::{AppRecord, Store, StoreError};
use std::collections::{HashMap, HashSet};
use wharf_domain::ReleaseVersion;

/// One app's line in the app list.
#[derive(Debug, Clone, PartialEq)]
pub struct AppListing {
    pub app: AppRecord,
    /// The release that serves: its number and when it was made.
    pub active: Option<(ReleaseVersion, i64)>,
    /// The status of the app's newest release (the highest number), whatever it is.
    pub newest: Option<ReleaseStatus>,
    /// Whether an operator stopped one of its processes (`wharf stop`).
    pub stopped: bool,
}

impl Store {
    /// Every app, by name, with its active and newest release and whether it was stopped.
    pub fn app_listing(&self) -> Result<Vec<AppListing>, StoreError> {
        let conn = self.conn();
        let mut active: HashMap<String, (u32, i64)> = conn
            .prepare("SELECT app, version, created_at FROM releases WHERE status = 'active'")?
            .query_map([], |row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?))))?
            .collect::<Result<_, _>>()?;
        // The highest number of each app through the (app, version) index, then its row.
        let mut newest: HashMap<String, String> = conn
            .prepare(
                "SELECT r.app, r.status FROM releases r \
                 JOIN (SELECT app, MAX(version) AS version FROM releases GROUP BY app) n \
                 ON r.app = n.app AND r.version = n.version",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let stopped: HashSet<String> = conn
            .prepare("SELECT DISTINCT app FROM stopped_processes")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        drop(conn);
        self.apps()?
            .into_iter()
            .map(|app| {
                let name = app.name.as_str();
                let active = match active.remove(name) {
                    Some((version, at)) => Some((stored_version(name, version)?, at)),
                    None => None,
                };
                let newest = newest
                    .remove(name)
                    .map(|status| ReleaseStatus::parse(&status))
                    .transpose()?;
                Ok(AppListing {
                    active,
                    newest,
                    stopped: stopped.contains(name),
                    app,
                })
            })
            .collect()
    }
}

fn stored_version(app: &str, version: u32) -> Result<ReleaseVersion, StoreError> {
    ReleaseVersion::new(version)
        .ok_or_else(|| StoreError::Corrupt(format!("a release of {app} has version 0")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::{AppConfig, EnvVars, ProcessName, ReleaseSpec};

    fn spec() -> ReleaseSpec {
        ReleaseSpec::new(AppConfig::default(), None, None, EnvVars::new())
    }

    fn tag(v: ReleaseVersion) -> String {
        format!("wharf/app:{v}")
    }

    #[test]
    fn the_listing_says_each_apps_active_and_newest_release() {
        let store = Store::in_memory().unwrap();
        let (blog, shop, idle) = (crate::app("blog"), crate::app("shop"), crate::app("idle"));
        for app in [&blog, &shop, &idle] {
            store.ensure_app(app).unwrap();
        }
        store
            .set_domains(&blog, &[crate::address("blog.example.com")])
            .unwrap();
        let b1 = store.create_release(&blog, tag, &spec()).unwrap();
        store.activate_release(b1.id).unwrap();
        let b2 = store.create_release(&blog, tag, &spec()).unwrap();
        store.fail_release(b2.id, "boom").unwrap();
        let s1 = store.create_release(&shop, tag, &spec()).unwrap();
        store.activate_release(s1.id).unwrap();
        let s2 = store.create_release(&shop, tag, &spec()).unwrap();
        store.activate_release(s2.id).unwrap();
        store
            .set_stopped(&shop, &[ProcessName::parse("worker").unwrap()], true)
            .unwrap();

        let listing = store.app_listing().unwrap();
        let names: Vec<&str> = listing.iter().map(|l| l.app.name.as_str()).collect();
        assert_eq!(names, ["blog", "idle", "shop"]);
        let [blog, idle, shop] = &listing[..] else {
            unreachable!()
        };
        assert_eq!(blog.app.domains, vec![crate::address("blog.example.com")]);
        assert_eq!(
            blog.active,
            Some((b1.version, b1.created_at)),
            "the failed release does not serve"
        );
        assert_eq!(blog.newest, Some(ReleaseStatus::Failed));
        assert!(!blog.stopped);
        assert_eq!(shop.active.map(|(v, _)| v.get()), Some(2));
        assert_eq!(shop.newest, Some(ReleaseStatus::Active));
        assert!(shop.stopped);
        assert_eq!(
            (idle.active, idle.newest, idle.stopped),
            (None, None, false)
        );
    }
}
