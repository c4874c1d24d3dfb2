//! Images that failed builds left behind. They stay as cache for the next try and are removed
//! at the app's next successful deploy, so failed pushes do not fill the disk.

use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::AppName;

impl Store {
    pub fn add_build_leftovers(&self, app: &AppName, images: &[String]) -> Result<(), StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for image in images {
            tx.execute(
                "INSERT OR IGNORE INTO build_leftovers (app, image) VALUES (?1, ?2)",
                params![app, image],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Take the app's recorded leftovers (they are forgotten here; the caller removes them).
    pub fn take_build_leftovers(&self, app: &AppName) -> Result<Vec<String>, StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let images = {
            let mut stmt =
                tx.prepare("SELECT image FROM build_leftovers WHERE app = ?1 ORDER BY rowid DESC")?;
            stmt.query_map([app], |row| row.get(0))?
                .collect::<Result<Vec<String>, _>>()?
        };
        tx.execute("DELETE FROM build_leftovers WHERE app = ?1", [app])?;
        tx.commit()?;
        Ok(images)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_taken_once_newest_first() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        store
            .add_build_leftovers(&crate::app("blog"), &["aaa".into(), "bbb".into()])
            .unwrap();
        store
            .add_build_leftovers(&crate::app("blog"), &["aaa".into()])
            .unwrap();
        assert_eq!(
            store.take_build_leftovers(&crate::app("blog")).unwrap(),
            vec!["bbb", "aaa"]
        );
        assert!(
            store
                .take_build_leftovers(&crate::app("blog"))
                .unwrap()
                .is_empty()
        );
    }
}
