//! Database services end to end, with real PostgreSQL, MariaDB and Redis servers (images built
//! from Debian's packages by `scripts/service-images.sh`): create, link, data written and read
//! by the linked app's own containers, kept across redeploys and daemon restarts, backups,
//! destroy with --purge, create, restore; verify catching a damaged backup; unlinked apps
//! kept out of the service's network; a link made before the app's first deploy; scheduled
//! backups, failed ones visible.

use super::harness::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// An app built on a database image (for its client), serving a static page with busybox.
pub(super) fn db_client_app(app: &str, base_image: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = format!(
        "# wharf.app = {app}\n# wharf.domain = {app}.example.com\n# wharf.scale = 1\n# wharf.port = 8080\n\
         FROM {base_image}\n\
         COPY --from=busybox:latest /bin/busybox /bin/busybox\n\
         COPY www /www\nEXPOSE 8080\n\
         CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"
    );
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    std::fs::create_dir(dir.path().join("www")).unwrap();
    std::fs::write(dir.path().join("www/index.html"), "ok").unwrap();
    dir
}

/// `wharf run APP -- sh -c SCRIPT`, insisting on success; returns its trimmed stdout.
pub(super) fn run_sh(d: &Daemon, app: &str, script: &str) -> String {
    d.wharf_ok(&["run", app, "--no-tty", "--", "sh", "-c", script])
        .trim()
        .to_string()
}

pub(super) fn run_sh_output(d: &Daemon, app: &str, script: &str) -> Output {
    d.wharf(&["run", app, "--no-tty", "--", "sh", "-c", script])
}

pub(super) fn docker_ok(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn volume_exists(name: &str) -> bool {
    Command::new("docker")
        .args(["volume", "inspect", name])
        .output()
        .unwrap()
        .status
        .success()
}

/// The name of the newest good backup of `service`, from `wharf services backups`.
fn newest_backup(d: &Daemon, service: &str) -> String {
    let list = d.wharf_ok(&["services", "backups", service]);
    list.lines()
        .skip(1)
        .find(|l| !l.starts_with("FAILED"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no backup listed: {list}"))
        .to_string()
}

/// A shell script running `statement` with `client` (`mariadb` or `mysql`) against the
/// app's `DATABASE_URL` (`mysql://USER:PASSWORD@HOST:PORT/DB`, taken apart by the shell).
pub(super) fn sql_via_url(client: &str, statement: &str) -> String {
    format!(
        r#"u=${{DATABASE_URL#mysql://}}; user=${{u%%:*}}; rest=${{u#*:}}; pass=${{rest%%@*}}; hp=${{rest#*@}}; host=${{hp%%:*}}; db=${{hp##*/}}; MYSQL_PWD=$pass {client} -h "$host" -u "$user" -N "$db" -e "{statement}""#
    )
}

const PSQL_READ: &str = r#"psql "$DATABASE_URL" -tAc "SELECT v FROM notes ORDER BY v""#;

#[test]
fn postgres_is_linked_keeps_data_backs_up_restores_and_keeps_strangers_out() {
    let mut d = Daemon::start();
    let db = unique("pg");
    let app = unique("pgapp");
    let dir = db_client_app(&app, "postgres:17");

    let created = d.wharf_ok(&["services", "create", "postgres", &db]);
    assert!(created.contains("postgres://postgres:"), "{created}");
    d.deploy_ok(dir.path());
    let linked = d.wharf_ok(&["services", "link", &db, &app]);
    assert!(linked.contains("DATABASE_URL"), "{linked}");
    let config = d.wharf_ok(&["config", "show", &app, "--reveal"]);
    let db_name = db.replace('-', "_");
    assert!(
        config.contains(&format!("@{db}:5432/{db_name}")),
        "DATABASE_URL names the service: {config}"
    );

    // The app's own containers write and read.
    run_sh(
        &d,
        &app,
        r#"psql "$DATABASE_URL" -c "CREATE TABLE notes (v text); INSERT INTO notes VALUES ('kept')""#,
    );
    assert_eq!(run_sh(&d, &app, PSQL_READ), "kept");

    // A redeploy and a daemon restart keep the data and the link.
    d.deploy_ok(dir.path());
    assert_eq!(run_sh(&d, &app, PSQL_READ), "kept");
    assert!(d.terminate(), "clean exit:\n{}", d.log());
    d.spawn();
    assert_eq!(run_sh(&d, &app, PSQL_READ), "kept");

    let listed = d.wharf_ok(&["services"]);
    let row = listed.lines().find(|l| l.starts_with(&db)).unwrap();
    assert!(row.contains("running") && row.contains(&app), "{listed}");

    // The database's own client, attached.
    let out = d.wharf_with_stdin(&["services", "connect", &db], "SELECT 40 + 2 AS answer;\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("42"), "{}", stdout(&out));

    // An app that is not linked cannot reach the service, by name or by address.
    let stranger = unique("stranger");
    d.deploy_ok(db_client_app(&stranger, "postgres:17").path());
    let by_name = run_sh_output(
        &d,
        &stranger,
        &format!(
            "psql 'postgres://postgres:x@{db}:5432/{db_name}?connect_timeout=3' -c 'SELECT 1'"
        ),
    );
    assert!(!by_name.status.success(), "reached the service by name");
    let ip = docker_ok(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        &format!("wharf-service.{db}"),
    ]);
    let by_address = run_sh_output(
        &d,
        &stranger,
        &format!(
            "psql 'postgres://postgres:x@{ip}:5432/{db_name}?connect_timeout=3' -c 'SELECT 1'"
        ),
    );
    assert!(!by_address.status.success(), "reached the service at {ip}");
    let err = stderr(&by_address);
    assert!(
        err.contains("timeout") || err.contains("No route") || err.contains("timed out"),
        "the connection must not get through: {err}"
    );

    // Backup, verify.
    d.wharf_ok(&["services", "backup", &db]);
    let backup = newest_backup(&d, &db);
    assert!(backup.ends_with(".dump"), "{backup}");
    let file = d.data_dir().join("backups").join(&db).join(&backup);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let verified = d.wharf_ok(&["services", "backups", "verify", &db]);
    assert!(verified.contains("1 object(s)"), "{verified}");

    // Destroy is refused while linked; unlink, destroy with --purge: the data is gone.
    fails_with(
        &d.wharf(&["services", "destroy", &db, "--confirm", &db]),
        "linked to",
    );
    d.wharf_ok(&["services", "unlink", &db, &app]);
    assert!(
        !d.wharf_ok(&["config", "show", &app])
            .contains("DATABASE_URL")
    );
    // Rolling back to the release from before the unlink does not bring the URL back.
    d.wharf_ok(&["rollback", &app]);
    assert!(
        !d.wharf_ok(&["config", "show", &app])
            .contains("DATABASE_URL")
    );
    assert_eq!(run_sh(&d, &app, "echo ${DATABASE_URL:-unset}"), "unset");
    d.wharf_ok(&["services", "destroy", &db, "--confirm", &db, "--purge"]);
    assert!(!volume_exists(&format!("wharf-service.{db}")));
    assert!(!container_running(&format!("wharf-service.{db}")));

    // Create again: empty. Restore the backup: the data is back.
    d.wharf_ok(&["services", "create", "postgres", &db]);
    d.wharf_ok(&["services", "link", &db, &app]);
    let empty = run_sh_output(&d, &app, PSQL_READ);
    assert!(!empty.status.success(), "a new database has no notes table");
    fails_with(
        &d.wharf(&["services", "restore", &db, "no-such-backup.dump"]),
        "no backup named",
    );
    d.wharf_ok(&["services", "restore", &db, &backup]);
    assert_eq!(run_sh(&d, &app, PSQL_READ), "kept");

    // A damaged backup file is caught by verify.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    fails_with(
        &d.wharf(&["services", "backups", "verify", &db]),
        "changed or damaged",
    );
}

#[test]
fn mariadb_and_redis_are_linked_backed_up_and_restored() {
    let mut d = Daemon::start();
    let maria = unique("maria");
    let cache = unique("cache");
    let app = unique("sqlapp");
    let kv = unique("kvapp");
    d.wharf_ok(&["services", "create", "mariadb", &maria]);
    d.wharf_ok(&["services", "create", "redis", &cache]);
    d.deploy_ok(db_client_app(&app, "mariadb:11").path());
    d.deploy_ok(db_client_app(&kv, "redis:8").path());
    d.wharf_ok(&["services", "link", &maria, &app]);
    d.wharf_ok(&["services", "link", &cache, &kv]);
    let config = d.wharf_ok(&["config", "show", &app, "--reveal"]);
    assert!(config.contains(&format!("@{maria}:3306/")), "{config}");
    let config = d.config_vars(&kv);
    assert!(
        config["REDIS_URL"].starts_with("redis://default:"),
        "{config:?}"
    );

    let sql = |statement: &str| sql_via_url("mariadb", statement);
    run_sh(
        &d,
        &app,
        &sql("CREATE TABLE notes (v TEXT); INSERT INTO notes VALUES ('kept')"),
    );
    assert_eq!(run_sh(&d, &app, &sql("SELECT v FROM notes")), "kept");
    run_sh(&d, &kv, r#"redis-cli -u "$REDIS_URL" SET greeting kept"#);
    assert_eq!(
        run_sh(&d, &kv, r#"redis-cli -u "$REDIS_URL" GET greeting"#),
        "kept"
    );

    // The data survives redeploys of the apps, a daemon restart, and the database servers
    // themselves restarting (so it is on their volumes, not only in memory).
    d.deploy_ok(db_client_app(&app, "mariadb:11").path());
    d.deploy_ok(db_client_app(&kv, "redis:8").path());
    assert!(d.terminate(), "clean exit:\n{}", d.log());
    d.spawn();
    docker_ok(&[
        "restart",
        &format!("wharf-service.{maria}"),
        &format!("wharf-service.{cache}"),
    ]);
    let eventually = |app: &str, script: &str| {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let out = run_sh_output(&d, app, script);
            if out.status.success() && stdout(&out).trim() == "kept" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never read back: {} {}",
                stdout(&out),
                stderr(&out)
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    };
    eventually(&app, &sql("SELECT v FROM notes"));
    eventually(&kv, r#"redis-cli -u "$REDIS_URL" GET greeting"#);

    d.wharf_ok(&["services", "backup", &maria]);
    d.wharf_ok(&["services", "backup", &cache]);
    assert!(newest_backup(&d, &maria).ends_with(".sql"));
    assert!(newest_backup(&d, &cache).ends_with(".rdb"));
    assert!(
        d.wharf_ok(&["services", "backups", "verify", &maria])
            .contains("1 object(s)")
    );
    assert!(
        d.wharf_ok(&["services", "backups", "verify", &cache])
            .contains("1 object(s)")
    );

    // Lose the data, restore it.
    run_sh(&d, &app, &sql("DROP TABLE notes"));
    run_sh(&d, &kv, r#"redis-cli -u "$REDIS_URL" FLUSHALL"#);
    d.wharf_ok(&["services", "restore", &maria, &newest_backup(&d, &maria)]);
    // A local file works as well as a backup's name.
    let rdb = d
        .data_dir()
        .join("backups")
        .join(&cache)
        .join(newest_backup(&d, &cache));
    d.wharf_ok(&["services", "restore", &cache, rdb.to_str().unwrap()]);
    assert_eq!(run_sh(&d, &app, &sql("SELECT v FROM notes")), "kept");
    assert_eq!(
        run_sh(&d, &kv, r#"redis-cli -u "$REDIS_URL" GET greeting"#),
        "kept"
    );

    // Published on a host port only when asked: Redis answers there, with its password.
    let port = free_port();
    d.wharf_ok(&["services", "expose", &cache, &port.to_string()]);
    let info = d.wharf_ok(&["services", "info", &cache, "--reveal"]);
    let password = info
        .lines()
        .find_map(|l| l.trim().strip_prefix("url:"))
        .and_then(|u| u.trim().strip_prefix("redis://default:"))
        .and_then(|u| u.split('@').next())
        .unwrap()
        .to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(format!("AUTH {password}\r\nGET greeting\r\n").as_bytes())
        .unwrap();
    let mut answer = String::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !answer.contains("kept") && Instant::now() < deadline {
        let mut buf = [0u8; 256];
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        answer.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(
        answer.starts_with("+OK") && answer.contains("kept"),
        "{answer:?}"
    );
    d.wharf_ok(&["services", "unexpose", &cache]);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    assert_eq!(
        run_sh(&d, &kv, r#"redis-cli -u "$REDIS_URL" GET greeting"#),
        "kept"
    );
}

#[test]
fn a_link_made_before_the_first_deploy_waits_for_it() {
    let d = Daemon::start();
    let cache = unique("early");
    let app = unique("earlyapp");
    d.wharf_ok(&["services", "create", "redis", &cache]);
    // Config set before the first deploy names the app, so it can be linked already.
    d.wharf_ok(&["config", "set", &app, "GREETING=hi"]);
    let linked = d.wharf_ok(&["services", "link", &cache, &app]);
    assert!(linked.contains("first deploy"), "{linked}");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com\n# wharf.scale = 1"),
            "ok",
        )
        .path(),
    );
    // The first release has the URL and is on the service's network: Redis answers it.
    let url = run_sh(&d, &app, "echo $REDIS_URL");
    assert!(
        url.starts_with("redis://default:") && url.contains(&format!("@{cache}:6379")),
        "{url}"
    );
    let answer = run_sh(
        &d,
        &app,
        &format!("printf 'PING\\r\\n' | nc -w 3 {cache} 6379"),
    );
    assert!(
        answer.contains("NOAUTH"),
        "Redis asks for its password: {answer:?}"
    );
}

#[test]
fn scheduled_backups_run_and_a_failed_one_is_visible() {
    let d = Daemon::start();
    let cache = unique("sched");
    d.wharf_ok(&["services", "create", "redis", &cache]);
    let set = d.wharf_ok(&[
        "services",
        "backup-schedule",
        &cache,
        "* * * * *",
        "--keep",
        "2",
    ]);
    assert!(set.contains("keeping the newest 2"), "{set}");

    let wait_for = |what: &str, check: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(150);
        loop {
            let list = d.wharf_ok(&["services", "backups", &cache]);
            if check(&list) {
                return list;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} within 150 s: {list}\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_secs(2));
        }
    };
    let list = wait_for("scheduled backup", &|l| {
        l.contains(".rdb") && l.contains("scheduled")
    });
    assert!(!list.contains("FAILED"), "{list}");

    // The server goes down under the schedule: the next backup fails, visibly.
    docker_ok(&["stop", &format!("wharf-service.{cache}")]);
    wait_for("failed backup", &|l| l.contains("FAILED"));
    let overview = d.wharf_ok(&["services"]);
    let row = overview.lines().find(|l| l.starts_with(&cache)).unwrap();
    assert!(row.contains("FAILED"), "{overview}");
    assert!(d.log().contains("backup failed"), "the log says so too");
}

#[test]
fn bad_service_input_is_refused_and_changes_nothing() {
    let d = Daemon::start();
    fails_with(
        &d.wharf(&["services", "create", "mongo", "db"]),
        "postgres, mysql, mariadb or redis",
    );
    fails_with(
        &d.wharf(&["services", "create", "postgres", "Bad_Name"]),
        "service name",
    );
    fails_with(
        &d.wharf(&[
            "services",
            "create",
            "postgres",
            "db1",
            "--version",
            "17; rm -rf /",
        ]),
        "not an image version",
    );
    fails_with(
        &d.wharf(&[
            "services",
            "create",
            "redis",
            "db1",
            "--image",
            "no-such-image:404",
        ]),
        "could not be pulled",
    );
    assert!(d.wharf_ok(&["services"]).contains("No services yet"));
    fails_with(
        &d.wharf(&["services", "link", "nope", "app"]),
        "no service named",
    );
    fails_with(
        &d.wharf(&["services", "backup", "nope"]),
        "no service named",
    );
    let cache = unique("bad");
    d.wharf_ok(&["services", "create", "redis", &cache]);
    fails_with(
        &d.wharf(&["services", "create", "redis", &cache]),
        "already exists",
    );
    fails_with(
        &d.wharf(&["services", "link", &cache, "no-such-app"]),
        "no app named",
    );
    fails_with(
        &d.wharf(&["services", "backup-schedule", &cache, "61 * * * *"]),
        "backup schedule",
    );
    fails_with(
        &d.wharf(&["services", "backups", "verify", &cache]),
        "has no backup yet",
    );
    fails_with(
        &d.wharf(&["services", "destroy", &cache, "--confirm", "other"]),
        "does not match",
    );
    assert!(container_running(&format!("wharf-service.{cache}")));
    // Destroyed without --purge: the volume stays, and the service comes back with its data.
    d.wharf_ok(&["services", "destroy", &cache, "--confirm", &cache]);
    assert!(volume_exists(&format!("wharf-service.{cache}")));
    fails_with(&d.wharf(&["services", "backup", &cache]), "volume kept");
    d.wharf_ok(&["services", "create", "redis", &cache]);
    assert!(container_running(&format!("wharf-service.{cache}")));
}

#[test]
fn the_mysql_kind_runs_on_a_mysql_compatible_image() {
    // No MySQL server is packaged for Debian; MariaDB's image answers to the official MySQL
    // image's variables (MYSQL_ROOT_PASSWORD, MYSQL_DATABASE, ...) and tool names (mysql,
    // mysqldump, mysqladmin), which is exactly what the `mysql` kind uses.
    let d = Daemon::start();
    let db = unique("my");
    let app = unique("myapp");
    let created = d.wharf_ok(&["services", "create", "mysql", &db, "--image", "mariadb:11"]);
    assert!(created.contains("mysql://wharf:"), "{created}");
    d.deploy_ok(db_client_app(&app, "mariadb:11").path());
    d.wharf_ok(&["services", "link", &db, &app]);
    let sql = |statement: &str| sql_via_url("mysql", statement);
    run_sh(
        &d,
        &app,
        &sql("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')"),
    );
    assert_eq!(run_sh(&d, &app, &sql("SELECT v FROM t")), "kept");
    d.wharf_ok(&["services", "backup", &db]);
    let verified = d.wharf_ok(&["services", "backups", "verify", &db]);
    assert!(verified.contains("1 object(s)"), "{verified}");
    let listed = d.wharf_ok(&["services"]);
    let row = listed.lines().find(|l| l.starts_with(&db)).unwrap();
    assert!(row.contains("mysql") && row.contains(&app), "{listed}");
}

#[test]
fn services_over_ssh_as_dokku_users_type_them() {
    use super::sshd::{SshKey, Sshd, all_output};
    let d = Daemon::start();
    let sshd = Sshd::start();
    let key = SshKey::new();
    sshd.add_key(&d, "laptop", &key);
    let cache = unique("sshcache");

    let out = sshd.ssh(&key, &format!("redis:create {cache}"));
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(container_running(&format!("wharf-service.{cache}")));
    let out = sshd.ssh(&key, "services");
    assert!(stdout(&out).contains(&cache), "{}", all_output(&out));
    let out = sshd.ssh(&key, &format!("services:info {cache}"));
    assert!(
        stdout(&out).contains("redis://default:"),
        "{}",
        all_output(&out)
    );

    let out = sshd.ssh(&key, &format!("services:frobnicate {cache}"));
    assert!(!out.status.success());
    let out = sshd.ssh(&key, &format!("redis:export {cache}"));
    assert!(!out.status.success());
    assert!(
        all_output(&out).contains("not allowed"),
        "{}",
        all_output(&out)
    );

    let out = sshd.ssh(&key, &format!("redis:destroy {cache} --force"));
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(!container_running(&format!("wharf-service.{cache}")));
}
