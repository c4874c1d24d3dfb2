//! Releases: every deploy makes a new, numbered release of an app. A release's image and
//! config never change after it is created; only its status moves on.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use wharf_domain::{AppName, ReleaseSpec, ReleaseVersion};

/// Where a release is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseStatus {
    /// Being built or started; not serving yet.
    Deploying,
    /// Serving traffic. At most one release of an app is active.
    Active,
    /// Was active, replaced by a later release.
    Superseded,
    /// Its build or deploy failed; it never served.
    Failed,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Deploying => "deploying",
            ReleaseStatus::Active => "active",
            ReleaseStatus::Superseded => "superseded",
            ReleaseStatus::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<ReleaseStatus, StoreError> {
        Ok(match s {
            "deploying" => ReleaseStatus::Deploying,
            "active" => ReleaseStatus::Active,
            "superseded" => ReleaseStatus::Superseded,
            "failed" => ReleaseStatus::Failed,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown release status {other}"
                )));
            }
        })
    }
}

/// A stored release, with its config snapshot decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRecord {
    pub id: i64,
    pub app: AppName,
    pub version: ReleaseVersion,
    pub image: String,
    /// The config the release runs with, stored as JSON beside it and never changed.
    pub spec: ReleaseSpec,
    pub status: ReleaseStatus,
    pub error: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, app, version, image, config, status, error, created_at";

/// A release row as SQLite gives it, before its values are checked.
struct Row8 {
    id: i64,
    app: String,
    version: u32,
    image: String,
    config: String,
    status: String,
    error: Option<String>,
    created_at: i64,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Row8> {
    Ok(Row8 {
        id: row.get(0)?,
        app: row.get(1)?,
        version: row.get(2)?,
        image: row.get(3)?,
        config: row.get(4)?,
        status: row.get(5)?,
        error: row.get(6)?,
        created_at: row.get(7)?,
    })
}

/// The row's values checked and its snapshot decoded, once, here.
fn finish(row: Row8) -> Result<ReleaseRecord, StoreError> {
    let app = crate::apps::stored_app_name(&row.app)?;
    let version = ReleaseVersion::new(row.version)
        .ok_or_else(|| StoreError::Corrupt(format!("release {} of {app} has version 0", row.id)))?;
    let spec = ReleaseSpec::from_json(&row.config).map_err(|source| StoreError::Snapshot {
        app: app.to_string(),
        version,
        source,
    })?;
    Ok(ReleaseRecord {
        id: row.id,
        app,
        version,
        image: row.image,
        spec,
        status: ReleaseStatus::parse(&row.status)?,
        error: row.error,
        created_at: row.created_at,
    })
}

impl Store {
    /// Record a new release of `app` in the `deploying` state, numbered one past the highest.
    /// `image_for` turns the new version number into the image tag.
    pub fn create_release(
        &self,
        app: &AppName,
        image_for: impl Fn(ReleaseVersion) -> String,
        spec: &ReleaseSpec,
    ) -> Result<ReleaseRecord, StoreError> {
        let config_json = spec.to_json().map_err(|source| StoreError::Snapshot {
            app: app.to_string(),
            version: ReleaseVersion::FIRST,
            source,
        })?;
        let app_str = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM apps WHERE name = ?1", [app_str], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NoSuchApp(app.to_string()));
        }
        let last: Option<u32> = tx.query_row(
            "SELECT MAX(version) FROM releases WHERE app = ?1",
            [app_str],
            |r| r.get(0),
        )?;
        let version = match last {
            None => ReleaseVersion::FIRST,
            Some(last) => ReleaseVersion::new(last)
                .and_then(ReleaseVersion::next)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("{app} has no release number left after v{last}"))
                })?,
        };
        let image = image_for(version);
        let created_at = now();
        tx.execute(
            "INSERT INTO releases (app, version, image, config, status, created_at)
             VALUES (?1, ?2, ?3, ?4, 'deploying', ?5)",
            params![app_str, version.get(), image, config_json, created_at],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(ReleaseRecord {
            id,
            app: app.clone(),
            version,
            image,
            spec: spec.clone(),
            status: ReleaseStatus::Deploying,
            error: None,
            created_at,
        })
    }

    /// Mark a release active and the app's previously active release superseded, atomically.
    pub fn activate_release(&self, id: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let app: String =
            tx.query_row("SELECT app FROM releases WHERE id = ?1", [id], |r| r.get(0))?;
        tx.execute(
            "UPDATE releases SET status = 'superseded' WHERE app = ?1 AND status = 'active'",
            [&app],
        )?;
        tx.execute(
            "UPDATE releases SET status = 'active', error = NULL WHERE id = ?1",
            [id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Mark a release failed with the reason.
    pub fn fail_release(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE releases SET status = 'failed', error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// Append build and deploy output to a release's log.
    pub fn append_release_log(&self, id: i64, text: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE releases SET log = log || ?2 WHERE id = ?1",
            params![id, text],
        )?;
        Ok(())
    }

    pub fn release_log(&self, id: i64) -> Result<String, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT log FROM releases WHERE id = ?1", [id], |r| r.get(0))?)
    }

    /// The release currently serving `app`, if any.
    pub fn active_release(&self, app: &AppName) -> Result<Option<ReleaseRecord>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM releases WHERE app = ?1 AND status = 'active'");
        conn.query_row(&sql, [app.as_str()], from_row)
            .optional()?
            .map(finish)
            .transpose()
    }

    /// The newest release of `app` (the highest number), whatever its status.
    pub fn newest_release(&self, app: &AppName) -> Result<Option<ReleaseRecord>, StoreError> {
        let conn = self.conn();
        let sql =
            format!("SELECT {COLUMNS} FROM releases WHERE app = ?1 ORDER BY version DESC LIMIT 1");
        conn.query_row(&sql, [app.as_str()], from_row)
            .optional()?
            .map(finish)
            .transpose()
    }

    /// Release `version` of `app`.
    pub fn release(
        &self,
        app: &AppName,
        version: ReleaseVersion,
    ) -> Result<ReleaseRecord, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM releases WHERE app = ?1 AND version = ?2");
        conn.query_row(&sql, params![app.as_str(), version.get()], from_row)
            .optional()?
            .map(finish)
            .transpose()?
            .ok_or_else(|| StoreError::NoSuchRelease {
                app: app.to_string(),
                version: version.to_string(),
            })
    }

    /// Every release of `app`, newest first.
    pub fn releases(&self, app: &AppName) -> Result<Vec<ReleaseRecord>, StoreError> {
        self.query_releases(
            &format!("SELECT {COLUMNS} FROM releases WHERE app = ?1 ORDER BY version DESC"),
            [app.as_str()],
        )
    }

    /// Releases of any app still marked `deploying`: deploys that were cut off.
    pub fn unfinished_releases(&self) -> Result<Vec<ReleaseRecord>, StoreError> {
        self.query_releases(
            &format!("SELECT {COLUMNS} FROM releases WHERE status = 'deploying'"),
            [],
        )
    }

    fn query_releases<P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
    ) -> Result<Vec<ReleaseRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt
            .query_map(params, from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(finish).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(v: ReleaseVersion) -> String {
        format!("wharf/blog:{v}")
    }

    fn app(name: &str) -> AppName {
        AppName::parse(name).unwrap()
    }

    fn spec(scale: u32) -> ReleaseSpec {
        let config = wharf_domain::AppConfig {
            scale,
            ..Default::default()
        };
        ReleaseSpec::new(config, None, None, wharf_domain::EnvVars::new())
    }

    #[test]
    fn releases_are_numbered_and_one_is_active() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&app("blog")).unwrap();
        let r1 = store.create_release(&app("blog"), tag, &spec(1)).unwrap();
        assert_eq!((r1.version.get(), r1.image.as_str()), (1, "wharf/blog:v1"));
        store.activate_release(r1.id).unwrap();
        let r2 = store.create_release(&app("blog"), tag, &spec(2)).unwrap();
        assert_eq!(r2.version.get(), 2);
        assert_eq!(store.unfinished_releases().unwrap(), vec![r2.clone()]);
        store.activate_release(r2.id).unwrap();
        let all = store.releases(&app("blog")).unwrap();
        assert_eq!(
            all.iter()
                .map(|r| (r.version.get(), r.status))
                .collect::<Vec<_>>(),
            vec![(2, ReleaseStatus::Active), (1, ReleaseStatus::Superseded)]
        );
        assert_eq!(
            store.active_release(&app("blog")).unwrap().unwrap().id,
            r2.id
        );
    }

    #[test]
    fn a_failed_release_keeps_the_active_one() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&app("blog")).unwrap();
        let r1 = store.create_release(&app("blog"), tag, &spec(1)).unwrap();
        store.activate_release(r1.id).unwrap();
        let r2 = store.create_release(&app("blog"), tag, &spec(1)).unwrap();
        store.append_release_log(r2.id, "Step 1/2\n").unwrap();
        store.append_release_log(r2.id, "boom\n").unwrap();
        store.fail_release(r2.id, "health check failed").unwrap();
        assert_eq!(
            store.active_release(&app("blog")).unwrap().unwrap().id,
            r1.id
        );
        assert_eq!(store.release_log(r2.id).unwrap(), "Step 1/2\nboom\n");
        assert!(store.unfinished_releases().unwrap().is_empty());
    }

    #[test]
    fn a_release_needs_an_app() {
        let store = Store::in_memory().unwrap();
        assert!(matches!(
            store.create_release(&app("nope"), tag, &spec(1)),
            Err(StoreError::NoSuchApp(_))
        ));
    }

    #[test]
    fn a_snapshot_is_decoded_once_and_one_that_does_not_decode_is_an_error() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&app("blog")).unwrap();
        let r1 = store.create_release(&app("blog"), tag, &spec(2)).unwrap();
        let read = store.release(&app("blog"), r1.version).unwrap();
        assert_eq!(read.spec, spec(2));
        assert_eq!(read, r1);
        store
            .conn()
            .execute("UPDATE releases SET config = '{\"vars\": 7}'", [])
            .unwrap();
        let err = store.release(&app("blog"), r1.version).unwrap_err();
        assert!(
            matches!(err, StoreError::Snapshot { ref app, version, .. } if app == "blog" && version == r1.version),
            "{err:?}"
        );
        assert!(err.to_string().contains("blog v1"), "{err}");
        assert!(store.releases(&app("blog")).is_err());
    }
}
