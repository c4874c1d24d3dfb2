//! Schema migrations, applied in order at open; `PRAGMA user_version` records how many ran.
//!
//! Append a migration to `MIGRATIONS`; never edit one that has shipped.

use crate::StoreError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: apps, domains, releases, tokens.
    "
    CREATE TABLE apps (
        name        TEXT PRIMARY KEY,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE domains (
        domain  TEXT PRIMARY KEY,
        app     TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE
    );
    CREATE TABLE releases (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        app         TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        version     INTEGER NOT NULL,
        image       TEXT NOT NULL,
        config      TEXT NOT NULL,
        status      TEXT NOT NULL,
        error       TEXT,
        log         TEXT NOT NULL DEFAULT '',
        created_at  INTEGER NOT NULL,
        UNIQUE (app, version)
    );
    CREATE TABLE tokens (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL UNIQUE,
        hash          TEXT NOT NULL UNIQUE,
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER
    );
    ",
    // 2: config vars set by command (`wharf config set`); each release snapshots them.
    "
    CREATE TABLE config_vars (
        app    TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (app, key)
    );
    ",
    // 3: scale and resource limits per process type, set by `wharf scale` / `wharf limits`.
    "
    CREATE TABLE process_settings (
        app       TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        process   TEXT NOT NULL,
        quantity  INTEGER,
        memory    INTEGER,
        cpus      REAL,
        PRIMARY KEY (app, process)
    );
    ",
    // 4: SSH public keys allowed to `git push` (`wharf keys add`).
    "
    CREATE TABLE keys (
        name         TEXT PRIMARY KEY,
        fingerprint  TEXT NOT NULL UNIQUE,
        public_key   TEXT NOT NULL,
        created_at   INTEGER NOT NULL
    );
    ",
    // 5: process types stopped by `wharf stop`, until `wharf start` or the next deploy.
    "
    CREATE TABLE stopped_processes (
        app      TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        process  TEXT NOT NULL,
        PRIMARY KEY (app, process)
    );
    ",
    // 6: runs of app.json cron jobs, with their output.
    "
    CREATE TABLE cron_runs (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        app          TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        command      TEXT NOT NULL,
        started_at   INTEGER NOT NULL,
        finished_at  INTEGER,
        exit_code    INTEGER,
        log          TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX cron_runs_by_app ON cron_runs (app, id);
    ",
    // 7: images that failed builds created; removed at the app's next successful deploy.
    "
    CREATE TABLE build_leftovers (
        app    TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        image  TEXT NOT NULL,
        PRIMARY KEY (app, image)
    );
    ",
    // 8: ACME state per domain (certificate issuance and renewal): last attempt, last error,
    // next retry and what the current certificate is.
    "
    CREATE TABLE acme_state (
        domain        TEXT PRIMARY KEY,
        last_attempt  INTEGER,
        last_success  INTEGER,
        last_error    TEXT,
        failures      INTEGER NOT NULL DEFAULT 0,
        next_attempt  INTEGER,
        challenge     TEXT,
        issuer        TEXT,
        serial        TEXT,
        not_after     INTEGER
    );
    ",
    // 9: database services (`wharf services`), their links to apps and their backups.
    // A destroyed service whose volume was kept stays here (status `destroyed`) so that
    // creating it again reuses its data with its password.
    "
    CREATE TABLE services (
        name             TEXT PRIMARY KEY,
        kind             TEXT NOT NULL,
        version          TEXT NOT NULL,
        image            TEXT NOT NULL,
        password         TEXT NOT NULL,
        status           TEXT NOT NULL DEFAULT 'running',
        exposed_port     INTEGER,
        backup_schedule  TEXT,
        backup_keep      INTEGER NOT NULL DEFAULT 7,
        created_at       INTEGER NOT NULL
    );
    CREATE TABLE service_links (
        service  TEXT NOT NULL REFERENCES services(name) ON DELETE CASCADE,
        app      TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        var      TEXT NOT NULL,
        PRIMARY KEY (service, app),
        UNIQUE (app, var)
    );
    CREATE TABLE service_backups (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        service     TEXT NOT NULL,
        file        TEXT,
        size        INTEGER,
        sha256      TEXT,
        scheduled   INTEGER NOT NULL,
        started_at  INTEGER NOT NULL,
        error       TEXT
    );
    CREATE INDEX service_backups_by_service ON service_backups (service, id);
    ",
    // 10: storage mounted into an app by command (`wharf storage mount`): app-level, not part of
    // any release's snapshot, so every release of the app (rollbacks too) runs with them.
    "
    CREATE TABLE storage_mounts (
        app        TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        source     TEXT NOT NULL,
        target     TEXT NOT NULL,
        read_only  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (app, target)
    );
    ",
    // 11: ACME state: when the HTTPS listener was last seen serving the current certificate,
    // and when it is due for renewal and who said so (the CA's renewal information, or the
    // lifetime rule).
    "
    ALTER TABLE acme_state ADD COLUMN served_checked INTEGER;
    ALTER TABLE acme_state ADD COLUMN renew_at INTEGER;
    ALTER TABLE acme_state ADD COLUMN renew_by TEXT;
    ",
    // 12: domains added to an app by command (`wharf domains add`): app-level, served with
    // whichever release runs, on top of its Dockerfile's domains.
    "
    CREATE TABLE added_domains (
        domain  TEXT PRIMARY KEY,
        app     TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE
    );
    ",
    // 13: API token scopes and expiry: the apps a token is limited to (comma-separated, NULL
    // for every app), whether it may only read, and when it stops working (NULL: never).
    // Existing tokens keep full (admin) access and no expiry.
    "
    ALTER TABLE tokens ADD COLUMN apps TEXT;
    ALTER TABLE tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
    ",
];

/// Bring the schema up to date inside one transaction per migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "applied schema migration");
    }
    Ok(())
}
