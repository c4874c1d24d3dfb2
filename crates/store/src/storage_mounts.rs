//! Storage mounts: volumes and host paths an app's operator mounts by command
//! (`wharf storage mount`). They belong to the app, not to a release: every container of the
//! app gets them, whichever release it runs. At most one mount per container path.

use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::AppName;

/// One stored mount: a named volume or absolute host path, and the path inside the container.
/// The deploy pipeline validated both before storing them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageMount {
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

impl Store {
    /// The app's storage mounts, sorted by container path.
    pub fn storage_mounts(&self, app: &AppName) -> Result<Vec<StorageMount>, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT source, target, read_only FROM storage_mounts WHERE app = ?1 ORDER BY target",
        )?;
        let rows = stmt
            .query_map([app], |row| {
                Ok(StorageMount {
                    source: row.get(0)?,
                    target: row.get(1)?,
                    read_only: row.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Make `mounts` exactly the app's storage mounts, atomically.
    pub fn replace_storage_mounts(
        &self,
        app: &AppName,
        mounts: &[StorageMount],
    ) -> Result<(), StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM storage_mounts WHERE app = ?1", [app])?;
        for mount in mounts {
            tx.execute(
                "INSERT INTO storage_mounts (app, source, target, read_only) VALUES (?1, ?2, ?3, ?4)",
                params![app, mount.source, mount.target, mount.read_only],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(source: &str, target: &str, read_only: bool) -> StorageMount {
        StorageMount {
            source: source.into(),
            target: target.into(),
            read_only,
        }
    }

    #[test]
    fn mounts_are_replaced_whole_sorted_and_go_with_the_app() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        let mounts = vec![
            mount("/srv/blog", "/srv", true),
            mount("blog-media", "/app/media", false),
        ];
        store
            .replace_storage_mounts(&crate::app("blog"), &mounts)
            .unwrap();
        assert_eq!(
            store.storage_mounts(&crate::app("blog")).unwrap(),
            vec![mounts[1].clone(), mounts[0].clone()]
        );
        assert!(
            store
                .storage_mounts(&crate::app("other"))
                .unwrap()
                .is_empty()
        );
        store
            .replace_storage_mounts(&crate::app("blog"), &mounts[..1])
            .unwrap();
        assert_eq!(
            store.storage_mounts(&crate::app("blog")).unwrap(),
            mounts[..1]
        );
        store.delete_app(&crate::app("blog")).unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        assert!(
            store
                .storage_mounts(&crate::app("blog"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn one_mount_per_container_path_and_only_for_known_apps() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        let clash = [mount("a1", "/data", false), mount("b1", "/data", false)];
        assert!(
            store
                .replace_storage_mounts(&crate::app("blog"), &clash)
                .is_err()
        );
        assert!(
            store
                .storage_mounts(&crate::app("blog"))
                .unwrap()
                .is_empty(),
            "a failed replace changes nothing"
        );
        assert!(
            store
                .replace_storage_mounts(&crate::app("ghost"), &clash[..1])
                .is_err()
        );
    }
}
