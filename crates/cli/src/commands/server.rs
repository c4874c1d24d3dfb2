//! `wharf server`: turn the arguments into a checked `ServerConfig` and run the daemon.

use crate::args::{Cli, ServerArgs};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Duration;
use wharf_server::ServerConfig;

pub async fn run(cli: &Cli, args: &ServerArgs) -> anyhow::Result<ExitCode> {
    let mut config = ServerConfig::new(&cli.data_dir);
    config.http_listen = args.http_listen;
    config.https_listen = match args.https_listen.as_str() {
        "none" | "" => None,
        addr => Some(addr.parse().with_context(|| {
            format!("--https-listen `{addr}` is not an address like 0.0.0.0:443 (or `none`)")
        })?),
    };
    config.hsts = args.hsts.then_some(wharf_server::DEFAULT_HSTS_MAX_AGE);
    config.api_listen = match args.api_listen.as_str() {
        "none" | "" => None,
        addr => Some(addr.parse().with_context(|| {
            format!("--api-listen `{addr}` is not an address like 0.0.0.0:7070 (or `none`)")
        })?),
    };
    config.api_domain = args.api_domain.clone();
    config.metrics_listen = args.metrics_listen;
    config.max_upload_bytes = wharf_domain::parse_memory(&args.max_upload)
        .with_context(|| format!("--max-upload `{}`", args.max_upload))?;
    config.health_timeout = Duration::from_secs(args.health_timeout);
    config.drain_timeout = Duration::from_secs(args.drain_timeout);
    config.stop_grace = Duration::from_secs(args.stop_grace);
    config.keep_releases = args.keep_releases;
    config.encrypt_overlays = !args.unencrypted_overlays;
    config.registry_image = args.registry_image.clone();
    config.registry_port = args.registry_port;
    config.stats_interval = Duration::from_secs(args.stats_interval);
    config.acme_directory = wharf_acme::DirectoryUrl::parse(&args.acme_directory)
        .map_err(|e| anyhow::anyhow!("--acme-directory: {e}"))?;
    config.acme_email = args.acme_email.clone();
    config.acme_root = args.acme_root.clone();
    config.acme_renew_before = args.acme_renew_before.map(Duration::from_secs);
    config.app_logs.max_bytes = wharf_domain::parse_size(&args.app_log_max_size)
        .with_context(|| format!("--app-log-max-size `{}`", args.app_log_max_size))?;
    config.app_logs.max_age = args.app_log_max_age;
    config.authorized_keys = args
        .authorized_keys
        .as_deref()
        .map(std::path::absolute)
        .transpose()
        .context("resolving --authorized-keys")?;
    config.notify_from = args.notify_from.clone();
    config.disk_alert_percent = args.disk_alert_percent;
    config.alert_check_interval = Duration::from_secs(args.alert_check_interval);
    config.notify_retry_cap = Duration::from_secs(args.notify_retry_cap);
    config.smtp_ca_file = args.smtp_ca_file.clone();
    wharf_server::run(config).await?;
    Ok(ExitCode::SUCCESS)
}
