//! Releases: every deploy makes a new, numbered release of an app. A release's image and
//! config never change after it is created; only its status moves on.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

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

    fn parse(s: &str) -> Result<ReleaseStatus, StoreError> {
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

/// A stored release. `config` is the release's config snapshot as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub id: i64,
    pub app: String,
    pub version: u32,
    pub image: String,
    pub config: String,
    pub status: ReleaseStatus,
    pub error: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, app, version, image, config, status, error, created_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(ReleaseRecord, String)> {
    let status: String = row.get(5)?;
    Ok((
        ReleaseRecord {
            id: row.get(0)?,
            app: row.get(1)?,
            version: row.get(2)?,
            image: row.get(3)?,
            config: row.get(4)?,
            status: ReleaseStatus::Deploying,
            error: row.get(6)?,
            created_at: row.get(7)?,
        },
        status,
    ))
}

fn finish(pair: (ReleaseRecord, String)) -> Result<ReleaseRecord, StoreError> {
    let (mut record, status) = pair;
    record.status = ReleaseStatus::parse(&status)?;
    Ok(record)
}

impl Store {
    /// Record a new release of `app` in the `deploying` state, numbered one past the highest.
    /// `image_for` turns the new version number into the image tag.
    pub fn create_release(
        &self,
        app: &str,
        image_for: impl Fn(u32) -> String,
        config_json: &str,
    ) -> Result<ReleaseRecord, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM apps WHERE name = ?1", [app], |r| r.get(0))
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NoSuchApp(app.to_string()));
        }
        let last: Option<u32> = tx.query_row(
            "SELECT MAX(version) FROM releases WHERE app = ?1",
            [app],
            |r| r.get(0),
        )?;
        let version = last.unwrap_or(0) + 1;
        let image = image_for(version);
        let created_at = now();
        tx.execute(
            "INSERT INTO releases (app, version, image, config, status, created_at)
             VALUES (?1, ?2, ?3, ?4, 'deploying', ?5)",
            params![app, version, image, config_json, created_at],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(ReleaseRecord {
            id,
            app: app.to_string(),
            version,
            image,
            config: config_json.to_string(),
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
    pub fn active_release(&self, app: &str) -> Result<Option<ReleaseRecord>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM releases WHERE app = ?1 AND status = 'active'");
        conn.query_row(&sql, [app], from_row)
            .optional()?
            .map(finish)
            .transpose()
    }

    /// Release `version` of `app`.
    pub fn release(&self, app: &str, version: u32) -> Result<ReleaseRecord, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM releases WHERE app = ?1 AND version = ?2");
        conn.query_row(&sql, params![app, version], from_row)
            .optional()?
            .map(finish)
            .transpose()?
            .ok_or_else(|| StoreError::NoSuchRelease {
                app: app.to_string(),
                version: format!("v{version}"),
            })
    }

    /// Every release of `app`, newest first.
    pub fn releases(&self, app: &str) -> Result<Vec<ReleaseRecord>, StoreError> {
        self.query_releases(
            &format!("SELECT {COLUMNS} FROM releases WHERE app = ?1 ORDER BY version DESC"),
            [app],
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

    fn tag(v: u32) -> String {
        format!("wharf/blog:v{v}")
    }

    #[test]
    fn releases_are_numbered_and_one_is_active() {
        let store = Store::in_memory().unwrap();
        store.ensure_app("blog").unwrap();
        let r1 = store.create_release("blog", tag, "{}").unwrap();
        assert_eq!((r1.version, r1.image.as_str()), (1, "wharf/blog:v1"));
        store.activate_release(r1.id).unwrap();
        let r2 = store.create_release("blog", tag, "{\"scale\":2}").unwrap();
        assert_eq!(r2.version, 2);
        assert_eq!(store.unfinished_releases().unwrap(), vec![r2.clone()]);
        store.activate_release(r2.id).unwrap();
        let all = store.releases("blog").unwrap();
        assert_eq!(
            all.iter()
                .map(|r| (r.version, r.status))
                .collect::<Vec<_>>(),
            vec![(2, ReleaseStatus::Active), (1, ReleaseStatus::Superseded)]
        );
        assert_eq!(store.active_release("blog").unwrap().unwrap().id, r2.id);
    }

    #[test]
    fn a_failed_release_keeps_the_active_one() {
        let store = Store::in_memory().unwrap();
        store.ensure_app("blog").unwrap();
        let r1 = store.create_release("blog", tag, "{}").unwrap();
        store.activate_release(r1.id).unwrap();
        let r2 = store.create_release("blog", tag, "{}").unwrap();
        store.append_release_log(r2.id, "Step 1/2\n").unwrap();
        store.append_release_log(r2.id, "boom\n").unwrap();
        store.fail_release(r2.id, "health check failed").unwrap();
        assert_eq!(store.active_release("blog").unwrap().unwrap().id, r1.id);
        assert_eq!(store.release_log(r2.id).unwrap(), "Step 1/2\nboom\n");
        assert!(store.unfinished_releases().unwrap().is_empty());
    }

    #[test]
    fn a_release_needs_an_app() {
        let store = Store::in_memory().unwrap();
        assert!(matches!(
            store.create_release("nope", tag, "{}"),
            Err(StoreError::NoSuchApp(_))
        ));
    }
}
