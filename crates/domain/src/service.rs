//! Database services (`wharf services`): their names, their kinds and everything Wharf needs to
//! know about each kind, stated once: the image and the environment the official image reads,
//! where it keeps its data, how to tell it is ready, how to dump, restore and connect, and the
//! URL apps get. Pure: the `services` crate does the running.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::NameError;
use crate::dns_label::{MAX_LABEL_LEN, check_label};

/// A validated service name: the rules of an app name (a DNS label); it is also the host name
/// linked apps reach the service under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceName(String);

impl ServiceName {
    pub fn parse(input: &str) -> Result<ServiceName, NameError> {
        check_label("service name", input)?;
        if input == "wharf" || input.starts_with("wharf-") {
            return Err(NameError::Reserved {
                kind: "service name",
                name: input.to_owned(),
            });
        }
        Ok(ServiceName(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The service's container, volume and private network are all called this. The dot
    /// cannot appear in app names, so it never clashes with an app's containers.
    pub fn resource_name(&self) -> String {
        service_resource_name(&self.0)
    }

    /// In a cluster, the name of the Swarm service of a database pinned to another node:
    /// `wharf_svc_NAME`, cut to the 63 characters the Swarm allows (which wants no dots in
    /// a service's name; app services are `wharf-APP-...`, with no `_`).
    pub fn pinned_service_name(&self) -> String {
        const PREFIX: &str = "wharf_svc_";
        let room = MAX_LABEL_LEN.saturating_sub(PREFIX.len());
        format!("{PREFIX}{}", &self.0[..self.0.len().min(room)])
    }

    /// In a cluster, the name of an overlay network that carries linked apps' tasks on any
    /// node to the service: `wharf_svc_NAME_GENERATION`, the name cut to fit the 63
    /// characters the Swarm allows. A bridge network and an overlay cannot share a name, and a
    /// service name has no `_`, so it never clashes with a service's other networks; each
    /// overlay made gets a new `generation`, because a node may still know a removed overlay
    /// by its name for a while and would mistake a new one of the same name for it.
    pub fn overlay_name(&self, generation: &str) -> String {
        const PREFIX: &str = "wharf_svc_";
        let room = MAX_LABEL_LEN.saturating_sub(PREFIX.len() + 1 + generation.len());
        let name = &self.0[..self.0.len().min(room)];
        format!("{PREFIX}{name}_{generation}")
    }

    /// The database created in the service: the name with `-` turned into `_`.
    pub fn database(&self) -> String {
        self.0.replace('-', "_")
    }
}

/// The name of the container, volume and network of the service called `service`.
pub fn service_resource_name(service: &str) -> String {
    format!("wharf-service.{service}")
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ServiceName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ServiceName::parse(&s)
    }
}

impl From<ServiceName> for String {
    fn from(name: ServiceName) -> String {
        name.0
    }
}

/// The kinds of database Wharf runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Postgres,
    Mysql,
    Mariadb,
    Redis,
}

/// The user Wharf creates in MySQL and MariaDB for apps.
const SQL_USER: &str = "wharf";

/// The files a service's TLS directory holds: its certificate, its private key and the
/// certificate of the CA that issued it.
pub const SERVICE_TLS_FILES: [&str; 3] = ["server.crt", "server.key", "ca.crt"];

/// Where the containers of apps linked to a service find the certificate of the CA that
/// issued the services' certificates (read-only).
pub const SERVICES_CA_IN_APPS: &str = "/etc/wharf/services-ca.crt";

/// The port Redis takes TLS connections on (plain ones stay on 6379).
pub const REDIS_TLS_PORT: u16 = 6380;

impl ServiceKind {
    pub const ALL: [ServiceKind; 4] = [
        ServiceKind::Postgres,
        ServiceKind::Mysql,
        ServiceKind::Mariadb,
        ServiceKind::Redis,
    ];

    /// `postgres` (also `postgresql`), `mysql`, `mariadb`, `redis`.
    pub fn parse(input: &str) -> Result<ServiceKind, String> {
        match input {
            "postgres" | "postgresql" => Ok(ServiceKind::Postgres),
            "mysql" => Ok(ServiceKind::Mysql),
            "mariadb" => Ok(ServiceKind::Mariadb),
            "redis" => Ok(ServiceKind::Redis),
            other => Err(format!(
                "`{other}` is not a kind of service Wharf runs; use postgres, mysql, mariadb or redis"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "postgres",
            ServiceKind::Mysql => "mysql",
            ServiceKind::Mariadb => "mariadb",
            ServiceKind::Redis => "redis",
        }
    }

    /// The version used when none is asked for.
    pub fn default_version(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "17",
            ServiceKind::Mysql => "8.4",
            ServiceKind::Mariadb => "11",
            ServiceKind::Redis => "8",
        }
    }

    /// The official image of `version`, e.g. `postgres:17`.
    pub fn image(self, version: &str) -> String {
        format!("{}:{version}", self.as_str())
    }

    /// The TCP port the database listens on.
    pub fn port(self) -> u16 {
        match self {
            ServiceKind::Postgres => 5432,
            ServiceKind::Mysql | ServiceKind::Mariadb => 3306,
            ServiceKind::Redis => 6379,
        }
    }

    /// Where the image keeps its data (the service's volume is mounted there).
    pub fn data_path(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "/var/lib/postgresql/data",
            ServiceKind::Mysql | ServiceKind::Mariadb => "/var/lib/mysql",
            ServiceKind::Redis => "/data",
        }
    }

    /// The environment the official image reads to create its database and users.
    pub fn environment(self, name: &ServiceName, password: &str) -> Vec<(String, String)> {
        let pairs: Vec<(&str, String)> = match self {
            ServiceKind::Postgres => vec![
                ("POSTGRES_USER", "postgres".to_string()),
                ("POSTGRES_PASSWORD", password.to_string()),
                ("POSTGRES_DB", name.database()),
            ],
            ServiceKind::Mysql => vec![
                ("MYSQL_ROOT_PASSWORD", password.to_string()),
                ("MYSQL_DATABASE", name.database()),
                ("MYSQL_USER", SQL_USER.to_string()),
                ("MYSQL_PASSWORD", password.to_string()),
            ],
            ServiceKind::Mariadb => vec![
                ("MARIADB_ROOT_PASSWORD", password.to_string()),
                ("MARIADB_DATABASE", name.database()),
                ("MARIADB_USER", SQL_USER.to_string()),
                ("MARIADB_PASSWORD", password.to_string()),
            ],
            ServiceKind::Redis => Vec::new(),
        };
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// The container's command when not the image's own.
    pub fn command(self, password: &str) -> Option<Vec<String>> {
        match self {
            // Snapshots every minute when something changed, and on every shutdown.
            ServiceKind::Redis => Some(
                ["redis-server", "--requirepass", password, "--save", "60 1"]
                    .map(String::from)
                    .to_vec(),
            ),
            _ => None,
        }
    }

    /// The program the official image runs by default (its CMD).
    fn server_program(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "postgres",
            ServiceKind::Mysql => "mysqld",
            ServiceKind::Mariadb => "mariadbd",
            ServiceKind::Redis => "redis-server",
        }
    }

    /// The user the image runs the server as: it must own the TLS key (PostgreSQL refuses a
    /// key that others can read).
    pub fn server_user(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "postgres",
            ServiceKind::Mysql | ServiceKind::Mariadb => "mysql",
            ServiceKind::Redis => "redis",
        }
    }

    /// The container's command with TLS on, its certificate, key and CA certificate read
    /// from `dir` ([`SERVICE_TLS_FILES`]): the server's own options, as the official images
    /// pass them through. Plain connections keep working; Redis takes TLS on its own port.
    pub fn tls_command(self, password: &str, dir: &str) -> Vec<String> {
        let [cert, key, ca] = SERVICE_TLS_FILES.map(|file| format!("{dir}/{file}"));
        let mut cmd = self
            .command(password)
            .unwrap_or_else(|| vec![self.server_program().to_string()]);
        match self {
            ServiceKind::Postgres => {
                for setting in [
                    "ssl=on".to_string(),
                    format!("ssl_cert_file={cert}"),
                    format!("ssl_key_file={key}"),
                ] {
                    cmd.push("-c".to_string());
                    cmd.push(setting);
                }
            }
            ServiceKind::Mysql | ServiceKind::Mariadb => cmd.extend([
                format!("--ssl-cert={cert}"),
                format!("--ssl-key={key}"),
                format!("--ssl-ca={ca}"),
            ]),
            ServiceKind::Redis => cmd.extend([
                "--tls-port".to_string(),
                REDIS_TLS_PORT.to_string(),
                "--tls-cert-file".to_string(),
                cert,
                "--tls-key-file".to_string(),
                key,
                "--tls-ca-cert-file".to_string(),
                ca,
                // Clients show no certificate of their own: the password authenticates them.
                "--tls-auth-clients".to_string(),
                "no".to_string(),
            ]),
        }
        cmd
    }

    /// The URL of the service over TLS when it differs from [`ServiceKind::url`]: Redis's
    /// TLS port (`rediss://`). The SQL databases take TLS on their usual port, when the
    /// client asks (`sslmode=require`, `--ssl`).
    pub fn tls_url(self, name: &ServiceName, password: &str) -> Option<String> {
        match self {
            ServiceKind::Redis => Some(format!(
                "rediss://default:{}@{}:{REDIS_TLS_PORT}",
                percent_encode(password),
                name.as_str()
            )),
            _ => None,
        }
    }

    /// The signal that stops the server quickly and cleanly (PostgreSQL's fast shutdown).
    pub fn stop_signal(self) -> Option<&'static str> {
        match self {
            ServiceKind::Postgres => Some("SIGINT"),
            _ => None,
        }
    }

    /// The environment for commands Wharf runs inside the container (the password, never on
    /// a command line).
    pub fn client_environment(self, password: &str) -> Vec<(String, String)> {
        let key = match self {
            ServiceKind::Postgres => "PGPASSWORD",
            ServiceKind::Mysql | ServiceKind::Mariadb => "MYSQL_PWD",
            ServiceKind::Redis => "REDISCLI_AUTH",
        };
        vec![(key.to_string(), password.to_string())]
    }

    /// A command that succeeds once the database takes connections over TCP (not merely
    /// while the image's first-start initialisation runs).
    pub fn ready_command(self, name: &ServiceName) -> Vec<String> {
        let args: Vec<String> = match self {
            ServiceKind::Postgres => [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                &name.database(),
                "-tAc",
                "SELECT 1",
            ]
            .map(String::from)
            .to_vec(),
            ServiceKind::Mysql | ServiceKind::Mariadb => vec![
                self.sql_tool("admin"),
                "-h".into(),
                "127.0.0.1".into(),
                "-uroot".into(),
                "ping".into(),
            ],
            ServiceKind::Redis => ["redis-cli", "ping"].map(String::from).to_vec(),
        };
        args
    }

    /// The interactive client (`wharf services connect`).
    pub fn client_command(self, name: &ServiceName) -> Vec<String> {
        match self {
            ServiceKind::Postgres => ["psql", "-U", "postgres", "-d", &name.database()]
                .map(String::from)
                .to_vec(),
            ServiceKind::Mysql | ServiceKind::Mariadb => {
                vec![self.sql_tool(""), "-uroot".into(), name.database()]
            }
            ServiceKind::Redis => vec!["redis-cli".into()],
        }
    }

    /// The dump tool's command line: it writes a backup to stdout. For Redis the snapshot is
    /// written into the container first (see [`ServiceKind::snapshot_path`]).
    pub fn dump_command(self, name: &ServiceName) -> Vec<String> {
        match self {
            ServiceKind::Postgres => [
                "pg_dump",
                "-U",
                "postgres",
                "--format=custom",
                "--no-owner",
                &name.database(),
            ]
            .map(String::from)
            .to_vec(),
            ServiceKind::Mysql | ServiceKind::Mariadb => vec![
                self.sql_tool("dump"),
                "-uroot".into(),
                "--single-transaction".into(),
                "--routines".into(),
                "--events".into(),
                "--databases".into(),
                name.database(),
            ],
            ServiceKind::Redis => vec![
                "redis-cli".into(),
                "--rdb".into(),
                self.snapshot_path().into(),
            ],
        }
    }

    /// Where a Redis snapshot is written inside the container while it is copied out.
    pub fn snapshot_path(self) -> &'static str {
        "/tmp/wharf-backup.rdb"
    }

    /// The command that reads a backup on stdin and loads it into the running database.
    /// Redis has none: its snapshot is put in place while the server is stopped.
    pub fn restore_command(self, name: &ServiceName) -> Option<Vec<String>> {
        match self {
            ServiceKind::Postgres => Some(
                [
                    "pg_restore",
                    "-U",
                    "postgres",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--exit-on-error",
                    "-d",
                    &name.database(),
                ]
                .map(String::from)
                .to_vec(),
            ),
            ServiceKind::Mysql | ServiceKind::Mariadb => {
                Some(vec![self.sql_tool(""), "-uroot".into()])
            }
            ServiceKind::Redis => None,
        }
    }

    /// A query whose single-number answer counts what a restored backup holds (tables, or
    /// keys for Redis).
    pub fn count_command(self, name: &ServiceName) -> Vec<String> {
        match self {
            ServiceKind::Postgres => [
                "psql",
                "-U",
                "postgres",
                "-d",
                &name.database(),
                "-tAc",
                "SELECT count(*) FROM information_schema.tables \
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
            ]
            .map(String::from)
            .to_vec(),
            ServiceKind::Mysql | ServiceKind::Mariadb => vec![
                self.sql_tool(""),
                "-uroot".into(),
                "-N".into(),
                "-e".into(),
                format!(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{}'",
                    name.database()
                ),
            ],
            ServiceKind::Redis => ["redis-cli", "dbsize"].map(String::from).to_vec(),
        }
    }

    /// File name extension of a backup.
    pub fn backup_extension(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "dump",
            ServiceKind::Mysql | ServiceKind::Mariadb => "sql",
            ServiceKind::Redis => "rdb",
        }
    }

    /// The URL linked apps get, reaching the service under its name on its network.
    pub fn url(self, name: &ServiceName, password: &str) -> String {
        let host = name.as_str();
        let port = self.port();
        let db = name.database();
        let password = percent_encode(password);
        match self {
            ServiceKind::Postgres => format!("postgres://postgres:{password}@{host}:{port}/{db}"),
            ServiceKind::Mysql | ServiceKind::Mariadb => {
                format!("mysql://{SQL_USER}:{password}@{host}:{port}/{db}")
            }
            // Redis 6 and later name the password's user `default`; an empty user name is not
            // understood by every client.
            ServiceKind::Redis => format!("redis://default:{password}@{host}:{port}"),
        }
    }

    /// The config var a first link of this kind sets.
    pub fn url_var(self) -> &'static str {
        match self {
            ServiceKind::Redis => "REDIS_URL",
            _ => "DATABASE_URL",
        }
    }

    /// The config var for a link whose usual name is taken: `NAME_DATABASE_URL`.
    pub fn alternate_url_var(self, name: &ServiceName) -> String {
        format!(
            "{}_{}",
            name.as_str().to_ascii_uppercase().replace('-', "_"),
            self.url_var()
        )
    }

    /// MySQL's tools are `mysql`, `mysqldump`, `mysqladmin`; MariaDB's `mariadb`,
    /// `mariadb-dump`, `mariadb-admin` (its recent images have no `mysql` names).
    fn sql_tool(self, tool: &str) -> String {
        match (self, tool) {
            (ServiceKind::Mariadb, "") => "mariadb".to_string(),
            (ServiceKind::Mariadb, tool) => format!("mariadb-{tool}"),
            (_, tool) => format!("mysql{tool}"),
        }
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bytes percent-encoded in a password put in a URL: all but RFC 3986's unreserved
/// characters, so any password is read back unchanged by every client.
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` percent-encoded for the password part of a URL.
fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, USERINFO).to_string()
}

/// Is `version` a plausible image tag (`17`, `8.4`, `11.8-noble`)?
pub fn check_service_version(version: &str) -> Result<(), String> {
    let ok = !version.is_empty()
        && version.len() <= 64
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && version.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{version}` is not an image version; use a tag such as `17` or `8.4`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_app_rules_and_keep_clear_of_wharf() {
        assert!(ServiceName::parse("main-db").is_ok());
        assert!(ServiceName::parse("Main").is_err());
        assert!(ServiceName::parse("wharf-x").is_err());
        assert!(ServiceName::parse("a_b").is_err());
        let name = ServiceName::parse("main-db").unwrap();
        assert_eq!(name.database(), "main_db");
        assert_eq!(name.resource_name(), "wharf-service.main-db");
        assert_eq!(name.overlay_name("1a2b3c4d"), "wharf_svc_main-db_1a2b3c4d");
        let long = ServiceName::parse(&"d".repeat(63)).unwrap();
        let overlay = long.overlay_name("1a2b3c4d");
        assert_eq!(overlay.len(), 63);
        assert_eq!(overlay, format!("wharf_svc_{}_1a2b3c4d", "d".repeat(44)));
        assert_eq!(name.pinned_service_name(), "wharf_svc_main-db");
        assert_eq!(long.pinned_service_name().len(), 63);
    }

    #[test]
    fn kinds_parse_and_give_urls_with_encoded_passwords() {
        assert_eq!(ServiceKind::parse("postgresql"), Ok(ServiceKind::Postgres));
        assert!(
            ServiceKind::parse("mongo")
                .unwrap_err()
                .contains("postgres, mysql")
        );
        let name = ServiceName::parse("db").unwrap();
        assert_eq!(
            ServiceKind::Postgres.url(&name, "a/b c"),
            "postgres://postgres:a%2Fb%20c@db:5432/db"
        );
        assert_eq!(
            ServiceKind::Redis.url(&name, "pw"),
            "redis://default:pw@db:6379"
        );
        assert_eq!(
            ServiceKind::Mariadb.url(&name, "pw"),
            "mysql://wharf:pw@db:3306/db"
        );
        assert_eq!(ServiceKind::Redis.alternate_url_var(&name), "DB_REDIS_URL");
    }

    #[test]
    fn passwords_keep_only_unreserved_characters_in_urls() {
        assert_eq!(percent_encode("Az09-._~"), "Az09-._~");
        assert_eq!(
            percent_encode("p@ss:w/rd?#%+"),
            "p%40ss%3Aw%2Frd%3F%23%25%2B"
        );
        assert_eq!(percent_encode("é 1"), "%C3%A9%201");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn mariadb_uses_its_own_tool_names() {
        let name = ServiceName::parse("db").unwrap();
        assert_eq!(ServiceKind::Mariadb.dump_command(&name)[0], "mariadb-dump");
        assert_eq!(ServiceKind::Mysql.dump_command(&name)[0], "mysqldump");
        assert_eq!(
            ServiceKind::Mariadb.ready_command(&name)[0],
            "mariadb-admin"
        );
    }

    #[test]
    fn tls_is_the_servers_own_options_after_its_usual_command() {
        let pg = ServiceKind::Postgres.tls_command("pw", "/etc/wharf-tls");
        assert_eq!(pg[0], "postgres");
        assert!(pg.contains(&"ssl=on".to_string()));
        assert!(pg.contains(&"ssl_key_file=/etc/wharf-tls/server.key".to_string()));
        let maria = ServiceKind::Mariadb.tls_command("pw", "/t");
        assert_eq!(
            maria,
            [
                "mariadbd",
                "--ssl-cert=/t/server.crt",
                "--ssl-key=/t/server.key",
                "--ssl-ca=/t/ca.crt"
            ]
        );
        let redis = ServiceKind::Redis.tls_command("pw", "/t");
        assert_eq!(&redis[..3], ["redis-server", "--requirepass", "pw"]);
        assert!(redis.windows(2).any(|w| w == ["--tls-port", "6380"]));
        assert!(redis.windows(2).any(|w| w == ["--tls-auth-clients", "no"]));
        let name = ServiceName::parse("cache").unwrap();
        assert_eq!(
            ServiceKind::Redis.tls_url(&name, "p w").as_deref(),
            Some("rediss://default:p%20w@cache:6380")
        );
        assert_eq!(ServiceKind::Postgres.tls_url(&name, "pw"), None);
    }

    #[test]
    fn versions_are_tags() {
        assert!(check_service_version("17").is_ok());
        assert!(check_service_version("11.8-noble").is_ok());
        assert!(check_service_version("17; rm").is_err());
        assert!(check_service_version("").is_err());
        assert!(check_service_version(":latest").is_err());
    }
}
