//! The daemon's configuration: plain data with named defaults, validated before any port is
//! bound so a mistake is reported at once and nothing starts half-configured.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The proxy's plain HTTP listener.
pub const DEFAULT_HTTP_LISTEN: &str = "0.0.0.0:80";
/// The proxy's HTTPS listener.
pub const DEFAULT_HTTPS_LISTEN: &str = "0.0.0.0:443";
/// `Strict-Transport-Security: max-age` sent with `--hsts`: one year.
pub const DEFAULT_HSTS_MAX_AGE: Duration = Duration::from_secs(365 * 24 * 3600);
/// The API for remote clients (`wharf push`), with bearer tokens, over plain HTTP: on loopback
/// only, so no token crosses the network in clear unless the operator asks for it with
/// `--api-listen`. Remote clients use HTTPS at `--api-domain`, or SSH.
pub const DEFAULT_API_LISTEN: &str = "127.0.0.1:7070";
/// The port of `DEFAULT_API_LISTEN`, which clients assume when given a host without one.
pub const DEFAULT_API_PORT: u16 = 7070;
/// Largest build context a client may upload.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 1 << 30;
/// How often the host's and the containers' figures are read (`--stats-interval`): the span of
/// the history's finest tier, and the most a restart of the daemon can lose of it.
pub const DEFAULT_STATS_INTERVAL: Duration = Duration::from_secs(10);
/// A disk more than this percent full raises an alert.
pub const DEFAULT_DISK_ALERT_PERCENT: u8 = 90;
/// How often instances' health, certificates and disks are checked for alerts.
pub const DEFAULT_ALERT_CHECK_INTERVAL: Duration = Duration::from_secs(30);
/// The longest wait between two attempts to deliver a notification.
pub const DEFAULT_NOTIFY_RETRY_CAP: Duration = Duration::from_secs(10 * 60);

/// Everything `wharf server` needs to start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub http_listen: SocketAddr,
    /// `None`: no HTTPS (certificates are still kept, and plain HTTP is not redirected).
    pub https_listen: Option<SocketAddr>,
    /// `Strict-Transport-Security` max-age on HTTPS responses; `None` sends none.
    pub hsts: Option<Duration>,
    /// `None` serves the API on the unix socket only.
    pub api_listen: Option<SocketAddr>,
    /// The server's own name: the API (with tokens, and git pushes) is served over HTTPS on the
    /// HTTPS listener to clients asking for this name, with its certificate (issued by ACME
    /// when the name is public, or uploaded with `wharf certs add`).
    pub api_domain: Option<wharf_domain::DomainName>,
    pub max_upload_bytes: u64,
    pub health_timeout: Duration,
    pub drain_timeout: Duration,
    pub stop_grace: Duration,
    /// How many recent releases of each app keep their image, for rollbacks.
    pub keep_releases: usize,
    /// The image of the registry a cluster's manager runs for its nodes.
    pub registry_image: String,
    /// Its port on the manager's cluster address.
    pub registry_port: u16,
    /// Whether the overlays linked apps reach databases on in a cluster are encrypted.
    pub encrypt_overlays: bool,
    /// How often the host's and the containers' figures are read and stored.
    pub stats_interval: Duration,
    /// Automatic HTTPS: the ACME directory, or off.
    pub acme_directory: wharf_acme::DirectoryUrl,
    /// Contact email for the ACME account (else `DATA/acme-email`, written by `wharf init`).
    pub acme_email: Option<String>,
    /// An extra PEM root the ACME client trusts (test CAs such as Pebble).
    pub acme_root: Option<PathBuf>,
    /// Renew this long before expiry instead of at two thirds of the lifetime.
    pub acme_renew_before: Option<Duration>,
    /// Where `/metrics` is also served without a token (`--metrics-listen`); `None` (the
    /// default): only on the API's listeners, with a token.
    pub metrics_listen: Option<SocketAddr>,
    /// The authorized_keys file of the `wharf` user, written when push keys change in the
    /// dashboard (`None`: that user's `~/.ssh/authorized_keys`, if the user exists).
    pub authorized_keys: Option<PathBuf>,
    /// How much of each app's container output is kept (`DATA/app-logs`): size and age.
    pub app_logs: wharf_deploy::LogBounds,
    /// The sender of notification emails (`None`: the SMTP user when it is an address, else
    /// `wharf@HOST`).
    pub notify_from: Option<wharf_domain::EmailAddress>,
    /// A disk more than this percent full raises an alert.
    pub disk_alert_percent: u8,
    /// How often instances' health, certificates and disks are checked.
    pub alert_check_interval: Duration,
    /// The longest wait between two attempts to deliver a notification.
    pub notify_retry_cap: Duration,
    /// PEM root certificates trusted for SMTP's STARTTLS besides the system's (a private CA
    /// that issued the mail server's certificate); read and checked at start.
    pub smtp_ca_file: Option<PathBuf>,
}

/// What is wrong with the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--data-dir must be an absolute path, got `{0}`")]
    RelativeDataDir(String),
    #[error("--data-dir {path} exists but is not a directory")]
    DataDirNotDir { path: String },
    #[error("{option} must be more than zero")]
    Zero { option: &'static str },
    #[error("--app-log-max-size must be at least {min} bytes (32k), got {given}")]
    AppLogsTooSmall { given: u64, min: u64 },
    #[error("--disk-alert-percent must be from 1 to 100, got {0}")]
    DiskAlertPercent(u8),
    #[error("--api-domain needs the HTTPS listener (--https-listen is `none`)")]
    ApiDomainWithoutHttps,
    #[error("{first} and {second} are both {addr}; give them different ports")]
    SamePort {
        first: &'static str,
        second: &'static str,
        addr: SocketAddr,
    },
}

impl ServerConfig {
    /// The defaults, with state under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            http_listen: DEFAULT_HTTP_LISTEN
                .parse()
                .unwrap_or_else(|_| ([0, 0, 0, 0], 80).into()),
            https_listen: DEFAULT_HTTPS_LISTEN.parse().ok(),
            hsts: None,
            api_listen: DEFAULT_API_LISTEN.parse().ok(),
            api_domain: None,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            health_timeout: Duration::from_secs(60),
            drain_timeout: Duration::from_secs(30),
            stop_grace: Duration::from_secs(10),
            keep_releases: 5,
            registry_image: "registry:2".to_string(),
            registry_port: 5000,
            encrypt_overlays: true,
            stats_interval: DEFAULT_STATS_INTERVAL,
            acme_directory: wharf_acme::DirectoryUrl::Url(
                wharf_acme::LETS_ENCRYPT_PRODUCTION.to_string(),
            ),
            acme_email: None,
            acme_root: None,
            acme_renew_before: None,
            metrics_listen: None,
            authorized_keys: None,
            app_logs: wharf_deploy::LogBounds::default(),
            notify_from: None,
            disk_alert_percent: DEFAULT_DISK_ALERT_PERCENT,
            alert_check_interval: DEFAULT_ALERT_CHECK_INTERVAL,
            notify_retry_cap: DEFAULT_NOTIFY_RETRY_CAP,
            smtp_ca_file: None,
        }
    }

    /// Where apps' container output is kept.
    pub fn app_logs_dir(&self) -> PathBuf {
        self.data_dir.join("app-logs")
    }

    /// Check the values before anything is opened or bound.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.data_dir.is_absolute() {
            return Err(ConfigError::RelativeDataDir(
                self.data_dir.display().to_string(),
            ));
        }
        if self.data_dir.exists() && !self.data_dir.is_dir() {
            return Err(ConfigError::DataDirNotDir {
                path: self.data_dir.display().to_string(),
            });
        }
        if self.max_upload_bytes == 0 {
            return Err(ConfigError::Zero {
                option: "--max-upload",
            });
        }
        if self.keep_releases == 0 {
            return Err(ConfigError::Zero {
                option: "--keep-releases",
            });
        }
        if self.registry_port == 0 {
            return Err(ConfigError::Zero {
                option: "--registry-port",
            });
        }
        if self.app_logs.max_bytes < wharf_deploy::MIN_MAX_BYTES {
            return Err(ConfigError::AppLogsTooSmall {
                given: self.app_logs.max_bytes,
                min: wharf_deploy::MIN_MAX_BYTES,
            });
        }
        if self.app_logs.max_age.is_zero() {
            return Err(ConfigError::Zero {
                option: "--app-log-max-age",
            });
        }
        if self.health_timeout.is_zero() {
            return Err(ConfigError::Zero {
                option: "--health-timeout",
            });
        }
        if self.stats_interval < Duration::from_secs(1) {
            return Err(ConfigError::Zero {
                option: "--stats-interval",
            });
        }
        if self.alert_check_interval.is_zero() {
            return Err(ConfigError::Zero {
                option: "--alert-check-interval",
            });
        }
        if self.notify_retry_cap.is_zero() {
            return Err(ConfigError::Zero {
                option: "--notify-retry-cap",
            });
        }
        if !(1..=100).contains(&self.disk_alert_percent) {
            return Err(ConfigError::DiskAlertPercent(self.disk_alert_percent));
        }
        if self.api_domain.is_some() && self.https_listen.is_none() {
            return Err(ConfigError::ApiDomainWithoutHttps);
        }
        let listeners = [
            ("--http-listen", Some(self.http_listen)),
            ("--https-listen", self.https_listen),
            ("--api-listen", self.api_listen),
            ("--metrics-listen", self.metrics_listen),
        ];
        for (i, (first, a)) in listeners.iter().enumerate() {
            for (second, b) in &listeners[i + 1..] {
                if let (Some(a), Some(b)) = (a, b)
                    && a == b
                    && a.port() != 0
                {
                    return Err(ConfigError::SamePort {
                        first,
                        second,
                        addr: *a,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn socket_path(&self) -> PathBuf {
        socket_path(&self.data_dir)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("wharf.db")
    }

    /// The ACME settings, or `None` when automatic HTTPS is off.
    pub fn acme(&self) -> Option<wharf_acme::AcmeConfig> {
        let wharf_acme::DirectoryUrl::Url(url) = &self.acme_directory else {
            return None;
        };
        let mut acme = wharf_acme::AcmeConfig::new(url.clone(), self.data_dir.clone());
        acme.email = self.acme_email.clone().or_else(|| {
            std::fs::read_to_string(self.data_dir.join("acme-email"))
                .ok()
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
        });
        acme.extra_root = self.acme_root.clone();
        acme.renew_before = self.acme_renew_before;
        Some(acme)
    }
}

/// The API socket for local clients, inside the data directory.
pub fn socket_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("wharf.sock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let config = ServerConfig::new("/var/lib/wharf");
        config.validate().unwrap();
        assert_eq!(
            config.metrics_listen, None,
            "no tokenless /metrics unless asked"
        );
    }

    #[test]
    fn the_plain_api_listens_on_loopback_by_default() {
        let api = ServerConfig::new("/var/lib/wharf").api_listen.unwrap();
        assert!(api.ip().is_loopback(), "{api}");
        assert_eq!(api.port(), DEFAULT_API_PORT);
    }

    #[test]
    fn bad_values_are_named() {
        let err = ServerConfig::new("relative/dir").validate().unwrap_err();
        assert!(err.to_string().contains("relative/dir"));
        let mut config = ServerConfig::new("/tmp/x");
        config.max_upload_bytes = 0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("--max-upload")
        );
        let mut config = ServerConfig::new("/tmp/x");
        config.api_listen = Some(config.http_listen);
        assert!(matches!(
            config.validate(),
            Err(ConfigError::SamePort { .. })
        ));
        let mut config = ServerConfig::new("/tmp/x");
        config.https_listen = config.api_listen;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("--https-listen and --api-listen")
        );
        let mut config = ServerConfig::new("/tmp/x");
        config.metrics_listen = config.api_listen;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("--api-listen and --metrics-listen")
        );
        let mut config = ServerConfig::new("/tmp/x");
        // The name itself is checked where it enters (`wharf server --api-domain`).
        config.api_domain = wharf_domain::DomainName::parse("wharf.example.com").ok();
        config.validate().unwrap();
        config.https_listen = None;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::ApiDomainWithoutHttps)
        ));
        let file = tempfile::NamedTempFile::new().unwrap();
        let config = ServerConfig::new(file.path());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::DataDirNotDir { .. })
        ));
    }
}
