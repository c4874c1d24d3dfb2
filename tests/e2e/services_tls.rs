//! Database services over TLS, with the real servers and their own clients in linked apps'
//! containers: PostgreSQL with `sslmode=require` and with `verify-full` against the services
//! CA that linked apps find at /etc/wharf/services-ca.crt; a service container made before
//! services spoke TLS getting it at the server's next start, data kept; MariaDB with a
//! verified `--ssl` connection; Redis over TLS on its own port; the CA's key kept 0600 in the
//! data directory and out of the log.

use super::harness::*;
use super::services::{db_client_app, docker_ok, run_sh, run_sh_output, sql_via_url};
use std::os::unix::fs::PermissionsExt;

const CA: &str = "/etc/wharf/services-ca.crt";

/// Whether this connection to PostgreSQL is encrypted, asked of the server itself.
const PG_SSL: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

#[test]
fn postgres_takes_sslmode_require_and_verify_full_from_linked_apps() {
    let mut d = Daemon::start();
    let db = unique("pgtls");
    let app = unique("pgtlsapp");
    d.wharf_ok(&["services", "create", "postgres", &db]);
    d.deploy_ok(db_client_app(&app, "postgres:17").path());
    d.wharf_ok(&["services", "link", &db, &app]);

    // What Heroku-style settings ask for (`ssl_require=True`): encrypted, not verified.
    let require = format!(r#"psql "$DATABASE_URL?sslmode=require" -tAc "{PG_SSL}""#);
    assert_eq!(run_sh(&d, &app, &require), "t");
    // Verified against the CA, by the service's host name.
    let verify =
        format!(r#"psql "$DATABASE_URL?sslmode=verify-full&sslrootcert={CA}" -tAc "{PG_SSL}""#);
    assert_eq!(run_sh(&d, &app, &verify), "t");
    // The plain URL keeps working for apps that do not ask for TLS.
    assert_eq!(
        run_sh(&d, &app, r#"psql "$DATABASE_URL" -tAc "SELECT 1""#),
        "1"
    );
    // Verification is real: by address, the name in the certificate does not match.
    let by_address = run_sh_output(
        &d,
        &app,
        &format!(
            r#"ip=$(getent hosts {db} | awk '{{print $1}}'); url=$(echo "$DATABASE_URL" | sed "s/@{db}:/@$ip:/"); psql "$url?sslmode=verify-full&sslrootcert={CA}" -tAc "{PG_SSL}""#
        ),
    );
    assert!(!by_address.status.success(), "{}", stdout(&by_address));
    assert!(
        stderr(&by_address).contains("does not match host name"),
        "{}",
        stderr(&by_address)
    );

    // The server's key in its container: the database's user's, nobody else's.
    let key = docker_ok(&[
        "exec",
        &format!("wharf-service.{db}"),
        "stat",
        "-c",
        "%a %U",
        "/etc/wharf-tls/server.key",
    ]);
    assert_eq!(key, "600 postgres");
    // The CA's key: root's only, and never in the log.
    let ca_dir = d.data_dir().join("services-ca");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&ca_dir.join("ca.key")), 0o600);
    assert_eq!(mode(&ca_dir), 0o700);
    assert!(!d.log().contains("PRIVATE KEY"), "{}", d.log());

    // A service container made before services spoke TLS (no certificate, the image's own
    // command) gets TLS at the server's next start, its data kept.
    run_sh(
        &d,
        &app,
        r#"psql "$DATABASE_URL" -c "CREATE TABLE notes (v text); INSERT INTO notes VALUES ('kept')""#,
    );
    let info = d.wharf_ok(&["services", "info", &db, "--reveal"]);
    let password = info
        .lines()
        .find_map(|l| l.trim().strip_prefix("url:"))
        .and_then(|u| u.trim().strip_prefix("postgres://postgres:"))
        .and_then(|u| u.split('@').next())
        .unwrap()
        .to_string();
    assert!(d.terminate(), "clean exit:\n{}", d.log());
    let resource = format!("wharf-service.{db}");
    docker_ok(&["rm", "-f", &resource]);
    let instance = format!("wharf.instance={}", d.instance_id());
    let service_label = format!("wharf.service={db}");
    let password_env = format!("POSTGRES_PASSWORD={password}");
    let db_env = format!("POSTGRES_DB={}", db.replace('-', "_"));
    let volume = format!("{resource}:/var/lib/postgresql/data");
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &resource,
        "--label",
        "wharf.managed=true",
        "--label",
        &instance,
        "--label",
        &service_label,
        "--label",
        "wharf.service-kind=postgres",
        "--network",
        &resource,
        "--network-alias",
        &db,
        "-v",
        &volume,
        "-e",
        &password_env,
        "-e",
        &db_env,
        "postgres:17",
    ]);
    d.spawn();
    // The daemon serves first and brings the services up to date just after (clean_up.rs),
    // so the old container may answer for a moment: wait for the replaced one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let out = run_sh_output(&d, &app, &require);
        if out.status.success() && stdout(&out).trim() == "t" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the service never came back with TLS: {}\n{}",
            stderr(&out),
            d.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert_eq!(
        run_sh(
            &d,
            &app,
            r#"psql "$DATABASE_URL" -tAc "SELECT v FROM notes""#
        ),
        "kept"
    );
}

#[test]
fn mariadb_and_redis_take_verified_tls_from_linked_apps() {
    let d = Daemon::start();
    let maria = unique("mariatls");
    let cache = unique("cachetls");
    let app = unique("mtlsapp");
    let kv = unique("rtlsapp");
    d.wharf_ok(&["services", "create", "mariadb", &maria]);
    d.wharf_ok(&["services", "create", "redis", &cache]);
    d.deploy_ok(db_client_app(&app, "mariadb:11").path());
    d.deploy_ok(db_client_app(&kv, "redis:8").path());
    d.wharf_ok(&["services", "link", &maria, &app]);
    d.wharf_ok(&["services", "link", &cache, &kv]);

    // The client insists on TLS and on a certificate from the CA for the host it named.
    let client = format!("mariadb --ssl --ssl-verify-server-cert --ssl-ca={CA}");
    let cipher = run_sh(
        &d,
        &app,
        &sql_via_url(&client, "SHOW SESSION STATUS LIKE 'Ssl_version'"),
    );
    assert!(cipher.contains("TLSv1."), "{cipher}");

    // Redis: TLS on 6380, verified; plain REDIS_URL as before.
    let tls_url = r#"u=${REDIS_URL#redis://}; tls="rediss://${u%:6379}:6380""#;
    let ping = format!(r#"{tls_url}; redis-cli --tls --cacert {CA} -u "$tls" ping"#);
    assert_eq!(run_sh(&d, &kv, &ping), "PONG");
    assert_eq!(run_sh(&d, &kv, r#"redis-cli -u "$REDIS_URL" ping"#), "PONG");
    let info = d.wharf_ok(&["services", "info", &cache]);
    assert!(
        info.contains(&format!("rediss://default:********@{cache}:6380")),
        "{info}"
    );
}
