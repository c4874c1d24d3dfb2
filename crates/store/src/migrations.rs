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
    // 14: processes other than `web` no longer start without a quantity (app.json `formation`
    // or `wharf scale`), as on Dokku and Heroku; they used to run one container each. So that
    // an upgrade changes no running app, each such process of an app's active release that
    // runs one container without a quantity set by command gets quantity 1 set as if by
    // command. Its other scales came from app.json's formation, which still gives them.
    "
    INSERT INTO process_settings (app, process, quantity)
    SELECT r.app, json_extract(p.value, '$.name'), 1
    FROM releases AS r, json_each(r.config, '$.processes') AS p
    WHERE r.status = 'active'
      AND json_valid(r.config)
      AND json_type(p.value, '$.name') = 'text'
      AND json_extract(p.value, '$.name') <> 'web'
      AND json_extract(p.value, '$.scale') = 1
    ON CONFLICT (app, process) DO UPDATE SET quantity = 1 WHERE quantity IS NULL;
    ",
    // 15: the minute a cron run was due, unique per job, so two Wharf processes (the old and
    // the new one during a SIGUSR2 takeover) never both run a job for the same minute.
    // Earlier runs have none (NULLs never collide).
    "
    ALTER TABLE cron_runs ADD COLUMN due_at INTEGER;
    CREATE UNIQUE INDEX cron_runs_once ON cron_runs (app, command, due_at);
    ",
    // 16: dashboard users (argon2id password hashes, a role) and their sessions (the SHA-256
    // of each session's secret; the secret is only in the browser's cookie).
    "
    CREATE TABLE users (
        id                   INTEGER PRIMARY KEY AUTOINCREMENT,
        name                 TEXT NOT NULL UNIQUE,
        password_hash        TEXT NOT NULL,
        role                 TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        created_at           INTEGER NOT NULL,
        password_changed_at  INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        hash          TEXT PRIMARY KEY,
        user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at    INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL
    );
    CREATE INDEX sessions_of_user ON sessions (user_id);
    ",
    // 17: the activity log: every change, who made it (`Actor` as written), what, to which
    // app, and how it ended. No foreign key: a destroyed app's events stay.
    "
    CREATE TABLE events (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        at           INTEGER NOT NULL,
        actor        TEXT NOT NULL,
        app          TEXT,
        action       TEXT NOT NULL,
        subject      TEXT,
        result       TEXT NOT NULL CHECK (result IN ('running', 'ok', 'failed', 'interrupted')),
        message      TEXT NOT NULL DEFAULT '',
        finished_at  INTEGER
    );
    CREATE INDEX events_of_app ON events (app, id);
    ",
    // 18: when a backup was last verified (restored into a scratch container and read back).
    "
    ALTER TABLE service_backups ADD COLUMN verified_at INTEGER;
    ",
    // 19: a second factor for dashboard users: a TOTP secret (base32, kept as is since the
    // daemon reads it to check codes; the database is readable by its owner only), when it
    // was turned on, the last time step a code was taken for (no code is taken twice), and
    // single-use recovery codes (the SHA-256 of each: they are long and random).
    "
    ALTER TABLE users ADD COLUMN totp_secret TEXT;
    ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
    ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
    CREATE TABLE recovery_codes (
        user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        hash     TEXT NOT NULL,
        used_at  INTEGER,
        PRIMARY KEY (user_id, hash)
    );
    ",
    // 20: logins to image registries, for pulling prebuilt and base images. The password is
    // kept as given, since the engine needs it; the database is readable by its owner only.
    "
    CREATE TABLE registry_logins (
        registry  TEXT PRIMARY KEY,
        username  TEXT NOT NULL,
        password  TEXT NOT NULL,
        added_at  INTEGER NOT NULL
    );
    ",
    // 21: the history of what the host, each app and each database service used
    // (`resource_history.rs`): rows of 10 s, rolled up into 1 min and 1 h rows as their
    // buckets close. CPU and memory are averages with their maxima; network and block I/O are
    // the bytes moved during the row's span; restarts and OOM kills the most seen. The traffic
    // columns (requests, 5xx answers, latency) are the proxy's, NULL until it reports them.
    "
    CREATE TABLE resource_samples (
        tier             INTEGER NOT NULL,
        at               INTEGER NOT NULL,
        kind             TEXT NOT NULL CHECK (kind IN ('host', 'app', 'service')),
        name             TEXT NOT NULL,
        samples          INTEGER NOT NULL,
        cpu_percent      REAL,
        cpu_percent_max  REAL,
        memory           INTEGER,
        memory_max       INTEGER,
        memory_limit     INTEGER,
        net_rx           INTEGER NOT NULL DEFAULT 0,
        net_tx           INTEGER NOT NULL DEFAULT 0,
        block_read       INTEGER NOT NULL DEFAULT 0,
        block_write      INTEGER NOT NULL DEFAULT 0,
        restarts         INTEGER NOT NULL DEFAULT 0,
        oom_killed       INTEGER NOT NULL DEFAULT 0,
        load             REAL,
        data_free        INTEGER,
        docker_free      INTEGER,
        requests         INTEGER,
        requests_5xx     INTEGER,
        latency_p50_ms   REAL,
        latency_p99_ms   REAL,
        UNIQUE (kind, name, tier, at)
    );
    CREATE INDEX resource_samples_by_age ON resource_samples (tier, at);
    ",
    // 22: events Wharf raises itself (kind, severity, how many times within the grouping
    // window), the channels notifications go to (an SMTP password kept as given: the server
    // needs it; the database is readable by its owner only) and the outbox they wait in.
    "
    ALTER TABLE events ADD COLUMN kind TEXT;
    ALTER TABLE events ADD COLUMN severity TEXT;
    ALTER TABLE events ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX events_by_kind ON events (kind, app, subject, id) WHERE kind IS NOT NULL;
    CREATE TABLE notify_channels (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        kind           TEXT NOT NULL,
        target         TEXT NOT NULL,
        format         TEXT,
        smtp_server    TEXT,
        smtp_user      TEXT,
        smtp_password  TEXT,
        starttls       INTEGER NOT NULL DEFAULT 0,
        created_at     INTEGER NOT NULL,
        last_delivery  INTEGER,
        last_error     TEXT,
        last_error_at  INTEGER
    );
    CREATE TABLE notify_outbox (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        channel       INTEGER NOT NULL REFERENCES notify_channels(id) ON DELETE CASCADE,
        kind          TEXT NOT NULL,
        app           TEXT,
        subject       TEXT,
        message       TEXT NOT NULL,
        count         INTEGER NOT NULL DEFAULT 1,
        first_at      INTEGER NOT NULL,
        last_at       INTEGER NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_attempt  INTEGER NOT NULL,
        delivered_at  INTEGER,
        abandoned_at  INTEGER,
        last_error    TEXT
    );
    CREATE INDEX notify_outbox_due ON notify_outbox (next_attempt) WHERE delivered_at IS NULL AND abandoned_at IS NULL;
    CREATE INDEX notify_outbox_by_key ON notify_outbox (channel, kind, app, subject);
    ",
    // 23: the Swarm node a database service runs on when it is not this server (the
    // manager): it runs there as a pinned Swarm service, never anywhere else. NULL: here.
    "
    ALTER TABLE services ADD COLUMN node TEXT;
    ",
];

/// Bring the schema up to date inside one transaction per migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Apply the migrations up to the `target`th (what a store of an earlier Wharf has).
fn migrate_to(conn: &mut Connection, target: usize) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target)
        .skip(current as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "applied schema migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migration that keeps non-web processes running after an upgrade: the index of the
    /// last migration that does not know of it.
    fn before_formation_default() -> usize {
        MIGRATIONS
            .iter()
            .position(|sql| sql.contains("json_each(r.config, '$.processes')"))
            .unwrap()
    }

    fn release(conn: &Connection, app: &str, version: u32, status: &str, config: &str) {
        conn.execute(
            "INSERT OR IGNORE INTO apps (name, created_at) VALUES (?1, 0)",
            [app],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO releases (app, version, image, config, status, created_at)
             VALUES (?1, ?2, 'img', ?3, ?4, 0)",
            rusqlite::params![app, version, config, status],
        )
        .unwrap();
    }

    fn quantities(conn: &Connection) -> Vec<(String, String, Option<u32>, Option<i64>)> {
        let mut stmt = conn
            .prepare(
                "SELECT app, process, quantity, memory FROM process_settings ORDER BY app, process",
            )
            .unwrap();
        stmt.query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    fn processes(list: &[(&str, u32)]) -> String {
        let processes: Vec<String> = list
            .iter()
            .map(|(name, scale)| {
                format!(r#"{{"name":"{name}","command":"run {name}","scale":{scale}}}"#)
            })
            .collect();
        format!(r#"{{"config":{{}},"processes":[{}]}}"#, processes.join(","))
    }

    #[test]
    fn an_upgrade_keeps_the_workers_that_ran_by_default() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, before_formation_default()).unwrap();
        // blog's worker and clock ran one container each by default; its older release
        // had a `old` process that the active release does not.
        release(
            &conn,
            "blog",
            1,
            "superseded",
            &processes(&[("web", 1), ("old", 1)]),
        );
        release(
            &conn,
            "blog",
            2,
            "active",
            &processes(&[("web", 1), ("worker", 1), ("clock", 1)]),
        );
        // shop: worker scaled by command (kept), a memory limit on its clock without a scale
        // (the quantity is added), 3 mailers and no cron from app.json's formation (which
        // still gives them), a failed deploy's process (never ran).
        release(
            &conn,
            "shop",
            1,
            "active",
            &processes(&[
                ("web", 2),
                ("worker", 1),
                ("clock", 1),
                ("mailer", 3),
                ("cron", 0),
            ]),
        );
        release(
            &conn,
            "shop",
            2,
            "failed",
            &processes(&[("web", 1), ("new", 1)]),
        );
        conn.execute_batch(
            "INSERT INTO process_settings (app, process, quantity) VALUES ('shop', 'worker', 1);
             INSERT INTO process_settings (app, process, memory) VALUES ('shop', 'clock', 1024);",
        )
        .unwrap();
        // An app without a Procfile, one deployed before processes were stored, and a
        // snapshot that is not JSON: nothing to do, and no failure.
        release(&conn, "plain", 1, "active", &processes(&[("web", 1)]));
        release(&conn, "old", 1, "active", r#"{"config":{}}"#);
        release(&conn, "broken", 1, "active", "not json");

        migrate(&mut conn).unwrap();
        let q = |app: &str, process: &str, quantity: Option<u32>, memory: Option<i64>| {
            (app.to_string(), process.to_string(), quantity, memory)
        };
        assert_eq!(
            quantities(&conn),
            vec![
                q("blog", "clock", Some(1), None),
                q("blog", "worker", Some(1), None),
                q("shop", "clock", Some(1), Some(1024)),
                q("shop", "worker", Some(1), None),
            ]
        );
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }
}
