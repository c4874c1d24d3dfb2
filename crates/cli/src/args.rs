//! The command line as the user types it (clap). Commands turn these into real objects.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use wharf_domain::{
    AppName, CertDomain, DomainName, ImageRef, LogTime, MountSelector, MountSpec, NodeName,
    ProcessName, ProcessScale, RegistryHost, ReleaseVersion, ServiceKind, ServiceName,
};
use wharf_store::TokenName;

#[derive(Parser, Debug)]
#[command(
    name = "wharf",
    version,
    args_override_self = true,
    about = "Deploy apps to your own server, each on its own domain with HTTPS."
)]
pub struct Cli {
    /// Where the server keeps its state; local commands find the server's socket here.
    #[arg(
        long,
        global = true,
        env = "WHARF_DATA_DIR",
        default_value = "/var/lib/wharf"
    )]
    pub data_dir: PathBuf,
    /// Talk to a remote server (https://NAME for its --api-domain, or http://HOST:PORT)
    /// instead of the local one.
    #[arg(long, global = true, env = "WHARF_SERVER")]
    pub server: Option<String>,
    /// Trust this CA (PEM) for a server reached over https://, besides the system's roots.
    #[arg(long, global = true, env = "WHARF_CA_CERT", value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// API token for a remote server (create one there with `wharf tokens create NAME`).
    #[arg(long, global = true, env = "WHARF_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Talk to a remote server over plain http:// although the token and the app's source
    /// then cross the network unencrypted (loopback addresses never need this).
    #[arg(
        long,
        global = true,
        env = "WHARF_INSECURE",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub insecure: bool,
    /// Log as JSON lines.
    #[arg(long, global = true)]
    pub log_json: bool,
    /// Print listings as JSON (the API's field names, times in Unix seconds) instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the Wharf daemon: the proxy, the API and the deploy pipeline.
    Server(Box<ServerArgs>),
    /// Deploy the app in DIR (default: the current directory) to the server on this machine.
    Deploy(DeployArgs),
    /// Deploy the app in DIR to a remote server.
    Push(PushArgs),
    /// Show how Wharf would build the app in DIR: the builder, why, and the Dockerfile it
    /// writes for an app without one.
    BuildPlan(BuildPlanArgs),
    /// List apps, or destroy one.
    Apps(AppsArgs),
    /// List the releases of an app.
    Releases {
        /// The app.
        app: AppName,
    },
    /// Show or change an app's config vars; a change to a running app deploys a new release.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Deploy an earlier release again (default: the one before the current), image and config.
    Rollback {
        /// The app.
        app: AppName,
        /// The release to go back to, e.g. v3.
        #[arg(value_parser = parse_release)]
        version: Option<ReleaseVersion>,
    },
    /// Deploy the release serving now again, as a new release of its image with the app's
    /// config (the health check, release phase and zero-downtime swap run again).
    Redeploy {
        /// The app.
        app: AppName,
    },
    /// An app's cron jobs (from app.json) and their recent runs with exit codes.
    Cron {
        /// The app.
        app: AppName,
        /// Print the output of this run.
        #[arg(long, value_name = "RUN")]
        log: Option<i64>,
    },
    /// The activity log: every change (deploys, config, scale, domains, databases...), who
    /// made it and how it ended, newest first; of one app, or of the whole server.
    Events {
        /// Only this app's events (default: the whole server's).
        app: Option<AppName>,
        /// How many to show (default 50, at most 1000).
        #[arg(long, short = 'n', value_name = "COUNT")]
        limit: Option<u32>,
    },
    /// What the host and the apps (or one app) use now: CPU, memory, network, disk,
    /// restarts; and a chart of the last hour.
    Stats {
        /// Only this app, with its last hour drawn (default: the host and every app).
        app: Option<AppName>,
    },
    /// List an app's containers: process, release, state, health, start time.
    Ps {
        /// The app.
        app: AppName,
    },
    /// Set how many containers run each process: `wharf scale APP web=2 worker=1`.
    Scale {
        /// The app.
        app: AppName,
        /// How many containers of each process type, e.g. web=2 worker=1.
        #[arg(required = true, value_name = "PROCESS=COUNT", value_parser = ProcessScale::parse)]
        formation: Vec<ProcessScale>,
        /// Store the scale for the next deploy instead of deploying now.
        #[arg(long)]
        skip_deploy: bool,
    },
    /// Stop an app, or one of its process types, until `start` or the next deploy.
    Stop {
        /// The app.
        app: AppName,
        /// Only this process type (web, worker...); default: every one.
        process: Option<ProcessName>,
    },
    /// Start what `stop` stopped.
    Start {
        /// The app.
        app: AppName,
        /// Only this process type (web, worker...); default: every one.
        process: Option<ProcessName>,
    },
    /// Restart an app or one process type; web restarts one instance at a time.
    Restart {
        /// The app.
        app: AppName,
        /// Only this process type (web, worker...); default: every one.
        process: Option<ProcessName>,
    },
    /// Set resource limits per process type.
    Limits {
        #[command(subcommand)]
        command: LimitsCommand,
    },
    /// Manage API tokens for remote clients (run on the server).
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Manage the dashboard's users (run on the server).
    Users {
        #[command(subcommand)]
        command: crate::commands::users::UsersCommand,
    },
    /// Manage the SSH keys that may `git push` and run commands over SSH (run on the server).
    Keys(KeysArgs),
    /// Logins to image registries, for `wharf deploy --image` and private base images (run
    /// on the server).
    Registries {
        #[command(subcommand)]
        command: RegistriesCommand,
    },
    /// Set Wharf up on a real server: a systemd unit, the first API token and dashboard user.
    Init(InitArgs),
    /// Print the shell completion script for SHELL: `wharf completions bash >
    /// /etc/bash_completion.d/wharf` (the install script does this for bash).
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Write a man page for wharf and each of its commands into DIR (for packages).
    #[command(hide = true)]
    Man {
        /// Where the pages go (made if missing).
        dir: PathBuf,
    },
    /// Write the systemd units (wharf.service, wharf.socket) with the default addresses into
    /// DIR (for packages; `wharf init` writes them with yours).
    #[command(hide = true)]
    Units {
        /// Where the units go (made if missing).
        dir: PathBuf,
        /// The path the service runs wharf from.
        #[arg(long, default_value = "/usr/bin/wharf")]
        binary: PathBuf,
    },
    /// Create the `wharf` group and user where they are missing, as `wharf init` does (run
    /// by the Debian package's postinst).
    #[command(name = "system-user", hide = true)]
    SystemUser,
    /// Run by sshd for a push key: the forced command of its authorized_keys entry.
    #[command(name = "ssh-command", hide = true)]
    SshForced { key: String },
    /// Run by an app repository's pre-receive hook: deploy the pushed revision.
    #[command(name = "git-hook", hide = true)]
    GitHook { app: AppName },
    /// Run a one-off command in a new container of an app: `wharf run APP -- CMD ARGS...`.
    Run(RunArgs),
    /// Show an app's logs (merged across its containers), or a release's build and deploy log.
    Logs(LogsArgs),
    /// List the HTTPS certificates, or add or remove your own.
    Certs(CertsArgs),
    /// The domains an app is served on: from its Dockerfile, and added by command (a change
    /// takes effect at once, without a new release).
    Domains {
        #[command(subcommand)]
        command: DomainsCommand,
    },
    /// Persistent storage of an app: named volumes or server directories mounted into every
    /// container of the app; a change to a running app deploys a new release.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Databases (PostgreSQL, MySQL, MariaDB, Redis): create, link to apps, back up, restore.
    Services(ServicesArgs),
    /// Where Wharf sends what it notices (crashes, out-of-memory kills, failed deploys,
    /// certificates, backups, full disks): webhooks and email.
    Notify {
        #[command(subcommand)]
        command: Option<crate::commands::notify::NotifyCommand>,
    },
    /// Grow onto several servers: `cluster init` makes this server a Docker Swarm manager;
    /// `cluster status` says whether it is one; `cluster leave` makes it a single server
    /// again. See `wharf nodes` for the other machines.
    Cluster {
        #[command(subcommand)]
        command: Option<crate::commands::cluster::ClusterCommand>,
    },
    /// The cluster's machines: list them, add one (by SSH or a printed join command), drain,
    /// activate, label, rename and remove.
    Nodes {
        #[command(subcommand)]
        command: Option<crate::commands::cluster::NodesCommand>,
    },
}

#[derive(Args, Debug)]
pub struct ServicesArgs {
    #[command(subcommand)]
    pub command: Option<ServicesCommand>,
}

#[derive(Subcommand, Debug)]
pub enum ServicesCommand {
    /// List the services with state, version, data size, links and last backup (the default).
    List,
    /// Create a database: `wharf services create postgres NAME` (or mysql, mariadb, redis).
    Create {
        /// postgres, mysql, mariadb or redis.
        #[arg(value_parser = ServiceKind::parse)]
        kind: ServiceKind,
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// The image tag (default: postgres 17, mysql 8.4, mariadb 11, redis 8).
        #[arg(long)]
        version: Option<String>,
        /// Another image with the official image's interface (a mirror, say).
        #[arg(long)]
        image: Option<String>,
        /// In a cluster: the node to run it on (a name `wharf nodes` shows), pinned there
        /// with its data; the manager by default. Its backups still land on the manager.
        #[arg(long, value_name = "NODE")]
        node: Option<NodeName>,
    },
    /// Show a service: its URL (password hidden unless --reveal), volume, network, backups.
    Info {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// Show the password in the URL.
        #[arg(long)]
        reveal: bool,
    },
    /// Give an app the service's URL (DATABASE_URL, REDIS_URL) and access to it; redeploys.
    Link {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// The app that gets its URL.
        app: AppName,
    },
    /// Take the URL and the access back; redeploys.
    Unlink {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// The app to take it from.
        app: AppName,
    },
    /// Publish the service on a host port (off by default; anyone who can reach the port can
    /// try the password).
    Expose {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// The port on the server to publish it on.
        port: u16,
    },
    /// Stop publishing the service on a host port.
    Unexpose {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
    },
    /// Open the database's client (psql, mariadb, mysql, redis-cli) in the service's container.
    Connect {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
    },
    /// Back the service up now, into the server's data directory.
    Backup {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
    },
    /// List a service's backups, or verify the newest: `wharf services backups verify NAME`.
    Backups(BackupsArgs),
    /// Back up on a schedule (five-field cron, UTC), keeping the newest --keep backups; each
    /// scheduled backup is verified by restoring it into a scratch container.
    BackupSchedule {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// e.g. "0 3 * * *"; omit with --off to stop scheduled backups.
        schedule: Option<String>,
        /// How many backups to keep (default 7).
        #[arg(long)]
        keep: Option<u32>,
        /// Stop scheduled backups.
        #[arg(long, conflicts_with = "schedule")]
        off: bool,
    },
    /// Restore a backup into the service, replacing its data: a backup's name (as `backups`
    /// lists it) or a local file.
    Restore {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// A backup, by the name `wharf services backups NAME` lists, or a local file.
        file: String,
    },
    /// Destroy a service no app is linked to. Its data volume is kept unless --purge.
    Destroy {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
        /// Skip the prompt by naming the service again.
        #[arg(long)]
        confirm: Option<String>,
        /// Delete the data volume too (backups are kept).
        #[arg(long)]
        purge: bool,
    },
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupsArgs {
    #[command(subcommand)]
    pub command: Option<BackupsCommand>,
    /// The service whose backups to list.
    #[arg(value_parser = ServiceName::parse)]
    pub name: Option<ServiceName>,
}

#[derive(Subcommand, Debug)]
pub enum BackupsCommand {
    /// Check the newest backup: its hash, and a restore into a scratch container.
    Verify {
        /// The service's name.
        #[arg(value_parser = ServiceName::parse)]
        name: ServiceName,
    },
}

#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address of the HTTP proxy.
    #[arg(long, default_value = wharf_server::DEFAULT_HTTP_LISTEN)]
    pub http_listen: SocketAddr,
    /// Address of the HTTPS proxy, or `none` for no HTTPS.
    #[arg(long, default_value = wharf_server::DEFAULT_HTTPS_LISTEN)]
    pub https_listen: String,
    /// Send Strict-Transport-Security (max-age one year) with HTTPS responses.
    #[arg(long)]
    pub hsts: bool,
    /// Address of the API over plain HTTP, or `none` for the local socket only. Loopback by
    /// default: remote clients use HTTPS at --api-domain, or SSH. Listening elsewhere sends
    /// tokens in clear (clients then need --insecure).
    #[arg(long, default_value = wharf_server::DEFAULT_API_LISTEN)]
    pub api_listen: String,
    /// This server's own name: serve the API (and git pushes) over HTTPS to clients asking for
    /// it, with a certificate from ACME (or `wharf certs add NAME`).
    #[arg(long, value_name = "NAME", value_parser = DomainName::parse)]
    pub api_domain: Option<DomainName>,
    /// Also serve Prometheus' `/metrics` here, without a token (e.g. 127.0.0.1:9100, or an
    /// address only the monitoring network reaches). Default: off; `/metrics` is then served
    /// on the API's listeners only, with an API token.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Largest build context accepted, e.g. 512m or 2g.
    #[arg(long, default_value = "1g")]
    pub max_upload: String,
    /// Seconds new instances get to pass their health check.
    #[arg(long, default_value_t = 60)]
    pub health_timeout: u64,
    /// Seconds replaced instances get to finish in-flight requests.
    #[arg(long, default_value_t = 30)]
    pub drain_timeout: u64,
    /// Seconds between SIGTERM and SIGKILL when stopping an app's container.
    #[arg(long, default_value_t = 10)]
    pub stop_grace: u64,
    /// How many recent releases of each app keep their image, for rollbacks.
    #[arg(long, default_value_t = 5)]
    pub keep_releases: usize,
    /// The image of the registry a cluster's manager runs for its nodes (Docker's
    /// distribution registry).
    #[arg(long, default_value = "registry:2", value_name = "IMAGE")]
    pub registry_image: String,
    /// The port of that registry, on the manager's cluster address.
    #[arg(long, default_value_t = 5000, value_name = "PORT")]
    pub registry_port: u16,
    /// In a cluster, make the overlay networks linked apps reach databases on without
    /// encryption. Only for nodes whose kernel cannot do IPsec (the engine then logs "Failed
    /// Adding ... SA") and that share a private network: the traffic crosses it in the clear.
    #[arg(long)]
    pub unencrypted_overlays: bool,
    /// Seconds between readings of what the host and the containers use (`wharf stats`).
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub stats_interval: u64,
    /// ACME directory for automatic HTTPS: production (Let's Encrypt), staging, off, or a URL.
    #[arg(long, default_value = "production")]
    pub acme_directory: String,
    /// Contact email for the ACME account (default: the one `wharf init --email` saved).
    #[arg(long)]
    pub acme_email: Option<String>,
    /// A PEM root certificate the ACME client trusts instead of the system's (test CAs).
    #[arg(long, value_name = "PEM")]
    pub acme_root: Option<PathBuf>,
    /// Renew certificates this many seconds before they expire (default: at two thirds of
    /// their lifetime).
    #[arg(long, value_name = "SECONDS")]
    pub acme_renew_before: Option<u64>,
    /// The proxy's access log (a line per request): a file, rotated at 10 MB with 4 older
    /// files kept, or `off` [default: logs/access.log in the data directory].
    #[arg(long, value_name = "PATH|off")]
    pub access_log: Option<String>,
    /// The authorized_keys file sshd reads for the `wharf` user, which the dashboard's SSH
    /// keys page rewrites as `wharf keys` does (default: ~wharf/.ssh/authorized_keys).
    #[arg(long, env = "WHARF_AUTHORIZED_KEYS")]
    pub authorized_keys: Option<PathBuf>,
    /// How much of each app's container output is kept for `wharf logs`, e.g. 100m or 1g;
    /// past it the oldest lines go (at least 32k).
    #[arg(long, default_value = "100m", value_name = "SIZE")]
    pub app_log_max_size: String,
    /// How long each app's container output is kept for `wharf logs`, e.g. 14d, 48h or 2w.
    #[arg(long, default_value = "14d", value_name = "AGE", value_parser = parse_log_age)]
    pub app_log_max_age: std::time::Duration,
    /// The sender of notification emails (default: the SMTP user when it is an address, else
    /// wharf@HOSTNAME).
    #[arg(long, value_name = "ADDRESS", value_parser = wharf_domain::EmailAddress::parse)]
    pub notify_from: Option<wharf_domain::EmailAddress>,
    /// Raise an alert when the disk of the data or Docker directory is more than this percent
    /// full.
    #[arg(long, value_name = "PERCENT", default_value_t = wharf_server::DEFAULT_DISK_ALERT_PERCENT)]
    pub disk_alert_percent: u8,
    /// Seconds between checks of instances' health, certificates and disks for alerts.
    #[arg(long, value_name = "SECONDS", default_value_t = wharf_server::DEFAULT_ALERT_CHECK_INTERVAL.as_secs())]
    pub alert_check_interval: u64,
    /// The longest wait, in seconds, between two attempts to deliver a notification (they
    /// back off from 2 seconds, doubling).
    #[arg(long, value_name = "SECONDS", default_value_t = wharf_server::DEFAULT_NOTIFY_RETRY_CAP.as_secs())]
    pub notify_retry_cap: u64,
    /// A PEM file of root certificates trusted for email's STARTTLS besides the system's: the
    /// private CA that issued your mail server's certificate.
    #[arg(long, value_name = "PEM")]
    pub smtp_ca_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CertsArgs {
    #[command(subcommand)]
    pub command: Option<CertsCommand>,
}

#[derive(Subcommand, Debug)]
pub enum CertsCommand {
    /// List certificates: domain, source, issuer, expiry (the default).
    List,
    /// Serve your own certificate for DOMAIN (e.g. `*.example.com` for a wildcard); it is
    /// checked first and never renewed by Wharf.
    Add {
        /// The domain the certificate is for, e.g. example.com or *.example.com.
        #[arg(value_parser = CertDomain::parse)]
        domain: CertDomain,
        /// The certificate chain, leaf first (PEM, e.g. fullchain.pem).
        #[arg(long, value_name = "FILE")]
        cert: PathBuf,
        /// Its private key (PEM).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Stop serving DOMAIN's certificate and delete it.
    Remove {
        /// The domain.
        #[arg(value_parser = CertDomain::parse)]
        domain: CertDomain,
    },
    /// Automatic HTTPS per domain: issuer, expiry, last attempt, last error, next retry.
    Status,
}

#[derive(Args, Debug)]
pub struct DeployArgs {
    /// Directory with the app: its Dockerfile, or a source tree Wharf's builders recognise
    /// (see `wharf build-plan`).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// App name (default: `wharf.app` in the Dockerfile, else the directory's name).
    #[arg(long)]
    pub app: Option<AppName>,
    /// Deploy this prebuilt image instead of building a directory (`ghcr.io/team/app:1.2`),
    /// as a new release of --app; pulled with the server's registry logins (`wharf
    /// registries login`) unless it is on the server already.
    #[arg(long, value_name = "REF", requires = "app")]
    pub image: Option<ImageRef>,
    /// With --image: a setting an app built from source writes in its Dockerfile as
    /// `# wharf.KEY = VALUE`, e.g. `--set port=8080 --set domain=example.com` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", requires = "image")]
    pub settings: Vec<String>,
}

#[derive(Args, Debug)]
pub struct BuildPlanArgs {
    /// Directory with the app's source.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Save the Dockerfile as DIR/Dockerfile (never over an existing one), to change it and
    /// have Wharf build it as written.
    #[arg(long)]
    pub write: bool,
}

#[derive(Args, Debug)]
pub struct PushArgs {
    /// The server: https://NAME[:PORT] (its --api-domain), or http://HOST:PORT, HOST:PORT or
    /// HOST (port 7070) for a loopback address (e.g. through an SSH tunnel; elsewhere only with
    /// --insecure).
    pub server: String,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

#[derive(Args, Debug)]
pub struct AppsArgs {
    #[command(subcommand)]
    pub command: Option<AppsCommand>,
}

#[derive(Subcommand, Debug)]
pub enum AppsCommand {
    /// List apps (the default).
    List,
    /// Destroy an app: its containers, images, routes and releases. Named volumes are kept.
    Destroy {
        /// The app.
        app: AppName,
        /// Skip the prompt by naming the app again.
        #[arg(long)]
        confirm: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// List the app's config vars (values hidden unless --reveal).
    Show {
        /// The app.
        app: AppName,
        /// Show the values instead of hiding them.
        #[arg(long)]
        reveal: bool,
    },
    /// One config var's value, alone (a var that is not set prints nothing and fails).
    Get {
        /// The app.
        app: AppName,
        /// The config var's name.
        key: String,
        /// Quote the value for a shell: `'it'\''s'`.
        #[arg(long)]
        quoted: bool,
    },
    /// The names of the app's config vars, one a line.
    Keys {
        /// The app.
        app: AppName,
    },
    /// Set config vars: KEY=VALUE ...
    Set {
        /// The app.
        app: AppName,
        /// The vars to set, as KEY=VALUE.
        #[arg(required = true, value_name = "KEY=VALUE")]
        assignments: Vec<String>,
        /// Store the vars without deploying: the next deploy takes them.
        #[arg(long)]
        no_restart: bool,
    },
    /// Remove config vars: KEY ...
    Unset {
        /// The app.
        app: AppName,
        /// The vars' names.
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
        /// Store the change without deploying: the next deploy takes it.
        #[arg(long)]
        no_restart: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DomainsCommand {
    /// List the app's domains and where each comes from.
    List {
        /// The app.
        app: AppName,
    },
    /// Serve the app on DOMAIN too, in this release and every later one:
    /// `wharf domains add blog www.blog.example.com` (several: one change each, stopping at
    /// the first that fails).
    Add {
        /// The app.
        app: AppName,
        /// The domains to add.
        #[arg(required = true, value_name = "DOMAIN")]
        domains: Vec<DomainName>,
    },
    /// Stop serving the app on domains added with `wharf domains add`.
    Remove {
        /// The app.
        app: AppName,
        /// The domains to remove.
        #[arg(required = true, value_name = "DOMAIN")]
        domains: Vec<DomainName>,
    },
}

#[derive(Subcommand, Debug)]
pub enum StorageCommand {
    /// List the app's storage mounts.
    List {
        /// The app.
        app: AppName,
    },
    /// Mount storage into every container of the app: `wharf storage mount blog
    /// blog-media:/app/media` (a named volume) or `/srv/blog:/data[:ro]` (a server directory).
    Mount {
        /// The app.
        app: AppName,
        /// SOURCE:/PATH[:ro]: a named volume or a server directory, and where it goes.
        #[arg(value_name = "SOURCE:/PATH", value_parser = MountSpec::parse)]
        mount: MountSpec,
    },
    /// Remove a mount from the app's containers (the data stays): `SOURCE:/PATH` or `/PATH`.
    Unmount {
        /// The app.
        app: AppName,
        /// The mount to remove: SOURCE:/PATH, or its /PATH alone.
        #[arg(value_name = "SOURCE:/PATH", value_parser = MountSelector::parse)]
        mount: MountSelector,
    },
}

#[derive(Subcommand, Debug)]
pub enum LimitsCommand {
    /// `wharf limits set APP web --memory 512m --cpus 0.5`
    Set {
        /// The app.
        app: AppName,
        /// The process type (web, worker...).
        process: ProcessName,
        /// Memory limit, e.g. 512m or 1g.
        #[arg(long)]
        memory: Option<String>,
        /// CPU limit, e.g. 0.5 or 2.
        #[arg(long)]
        cpus: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Create a token and print it (it is shown only once). Without options it may do
    /// everything (admin); limit it with --app and --read-only, and give it an end with
    /// --expires.
    Create {
        /// The token's name.
        #[arg(value_parser = parse_token_name)]
        name: TokenName,
        /// Limit the token to this app (repeat for more): its deploys, git pushes, config,
        /// processes, logs, domains and storage; no services, certificates or other apps.
        #[arg(long = "app", value_name = "APP")]
        apps: Vec<AppName>,
        /// Only reading: lists, logs, releases, config var names; no changes, no secret values
        /// (`--reveal`).
        #[arg(long)]
        read_only: bool,
        /// Refuse the token after this long: e.g. 90m, 12h, 30d, 8w.
        #[arg(long, value_name = "DURATION", value_parser = parse_lifetime)]
        expires: Option<std::time::Duration>,
    },
    /// List tokens (names, scopes and dates, never secrets).
    List,
    /// Revoke a token.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(Args, Debug)]
pub struct KeysArgs {
    /// The authorized_keys file sshd reads for the `wharf` user (default:
    /// ~wharf/.ssh/authorized_keys).
    #[arg(long, global = true, env = "WHARF_AUTHORIZED_KEYS")]
    pub authorized_keys: Option<PathBuf>,
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Add the public key given on stdin: `wharf keys add alice < id_ed25519.pub`.
    Add {
        /// A name for the key (its owner, say).
        name: String,
    },
    /// List keys: names and fingerprints.
    List,
    /// Remove a key: it can no longer push or connect.
    Remove {
        /// The key's name.
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum RegistriesCommand {
    /// Store a login, the password read from stdin: `wharf registries login ghcr.io
    /// --username me < token.txt`. It replaces the registry's earlier one.
    Login {
        /// The registry: `ghcr.io`, `registry.example.com:5000`, or `docker.io` for Docker Hub.
        registry: RegistryHost,
        /// The username at the registry.
        #[arg(long, short)]
        username: String,
    },
    /// List the registries with a login, and its username (never the password).
    List,
    /// Forget a registry's login.
    Logout {
        /// The registry: `ghcr.io`, `registry.example.com:5000`, `docker.io`.
        registry: RegistryHost,
    },
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the systemd unit (its socket unit, wharf.socket, goes beside it).
    #[arg(long, default_value = "/etc/systemd/system/wharf.service")]
    pub unit_path: PathBuf,
    /// Name of the first API token.
    #[arg(long, default_value = "admin", value_parser = parse_token_name)]
    pub token_name: TokenName,
    /// Contact email for Let's Encrypt (used once HTTPS is enabled).
    #[arg(long)]
    pub email: Option<String>,
    /// Address of the HTTP proxy, written into the unit.
    #[arg(long, default_value = wharf_server::DEFAULT_HTTP_LISTEN)]
    pub http_listen: SocketAddr,
    /// Address of the HTTPS proxy, written into the unit (`none` for no HTTPS).
    #[arg(long, default_value = wharf_server::DEFAULT_HTTPS_LISTEN)]
    pub https_listen: String,
    /// This server's name, written into the unit as --api-domain: the API and git pushes are
    /// then served over HTTPS at https://NAME.
    #[arg(long, value_name = "NAME", value_parser = DomainName::parse)]
    pub api_domain: Option<DomainName>,
    /// Write the files but do not enable or start the service.
    #[arg(long)]
    pub no_start: bool,
    /// For machines without systemd: set up the user, the group and the first token, write
    /// no unit and start nothing (start `wharf server` yourself; scripts/install.sh does).
    #[arg(long, conflicts_with = "no_start")]
    pub no_systemd: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The app whose image, config and links the command runs with.
    pub app: AppName,
    /// Leave the command running and print its container's name (in a cluster, its Swarm
    /// job's); it is removed when it ends.
    #[arg(short, long)]
    pub detach: bool,
    /// Never allocate a TTY, even when stdin is a terminal.
    #[arg(short = 'T', long)]
    pub no_tty: bool,
    /// The command and its arguments (after `--`).
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// The app.
    pub app: AppName,
    /// Keep printing new lines as they are stored.
    #[arg(short, long, conflicts_with = "until")]
    pub follow: bool,
    /// Only this process's lines (e.g. web, worker, run).
    #[arg(long)]
    pub process: Option<ProcessName>,
    /// How many of the last lines picked to show: a number, or `all`.
    #[arg(long, default_value = "100", value_parser = parse_tail)]
    pub tail: Tail,
    /// Only lines written since then: a span back from now (90s, 30m, 2h, 3d, 1w) or a time
    /// (2026-01-02T15:04:05Z).
    #[arg(long, value_name = "WHEN", value_parser = parse_log_time)]
    pub since: Option<LogTime>,
    /// Only lines written until then (a span back from now, or a time).
    #[arg(long, value_name = "WHEN", value_parser = parse_log_time)]
    pub until: Option<LogTime>,
    /// Only lines containing this text.
    #[arg(long, value_name = "TEXT")]
    pub grep: Option<String>,
    /// Only lines of this release's containers (e.g. v3).
    #[arg(long, value_parser = parse_release)]
    pub release: Option<ReleaseVersion>,
    /// Show the build and deploy output of the --release instead.
    #[arg(long, requires = "release", conflicts_with_all = ["follow", "process", "since", "until", "grep"])]
    pub build: bool,
}

/// How many lines `wharf logs --tail` shows per container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    All,
    Lines(usize),
}

fn parse_token_name(value: &str) -> Result<TokenName, String> {
    TokenName::parse(value).map_err(|e| e.to_string())
}

fn parse_lifetime(value: &str) -> Result<std::time::Duration, String> {
    wharf_domain::parse_token_lifetime(value).map_err(|e| e.to_string())
}

/// A release number as the user gives it (`v3` or `3`), refused with the server's words.
fn parse_release(value: &str) -> Result<ReleaseVersion, String> {
    ReleaseVersion::parse(value).map_err(|_| {
        format!("`{value}` is not a release; give one like v3 (`wharf releases APP` lists them)")
    })
}

fn parse_log_time(value: &str) -> Result<LogTime, String> {
    LogTime::parse(value).map_err(|e| e.to_string())
}

fn parse_log_age(value: &str) -> Result<std::time::Duration, String> {
    wharf_domain::parse_log_span(value)
        .map_err(|e| e.to_string())
        .and_then(|age| {
            if age.is_zero() {
                Err(format!("`{value}` is no time; give an age such as 14d"))
            } else {
                Ok(age)
            }
        })
}

fn parse_tail(value: &str) -> Result<Tail, String> {
    if value == "all" {
        return Ok(Tail::All);
    }
    value
        .parse()
        .map(Tail::Lines)
        .map_err(|_| format!("`{value}` is not a number of lines (or `all`)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::{AppName, DomainName, ProcessName, ServiceName};

    fn refusal(args: &[&str]) -> String {
        match Cli::try_parse_from(std::iter::once("wharf").chain(args.iter().copied())) {
            Ok(cli) => panic!("{args:?} was taken: {:?}", cli.command),
            Err(err) => {
                assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation, "{err}");
                err.to_string()
            }
        }
    }

    #[test]
    fn names_are_refused_by_the_parser_with_the_domains_message() {
        let app = AppName::parse("Bad_Name").unwrap_err().to_string();
        for args in [
            &["releases", "Bad_Name"][..],
            &["ps", "Bad_Name"],
            &["config", "set", "Bad_Name", "A=1"],
            &["apps", "destroy", "Bad_Name"],
            &["run", "Bad_Name", "--", "true"],
            &["logs", "Bad_Name"],
            &["deploy", "--app", "Bad_Name"],
            &["domains", "add", "Bad_Name", "example.com"],
            &["storage", "list", "Bad_Name"],
            &["services", "link", "db", "Bad_Name"],
            &["git-hook", "Bad_Name"],
        ] {
            let err = refusal(args);
            assert!(err.contains(&app), "{args:?}: {err}");
        }
        let domain = DomainName::parse("http://x.example.com").unwrap_err();
        let err = refusal(&["domains", "add", "blog", "http://x.example.com"]);
        assert!(err.contains(&domain.to_string()), "{err}");
        let process = ProcessName::parse("Web").unwrap_err().to_string();
        for args in [
            &["restart", "blog", "Web"][..],
            &["limits", "set", "blog", "Web", "--memory", "1g"],
            &["logs", "blog", "--process", "Web"],
        ] {
            let err = refusal(args);
            assert!(err.contains(&process), "{args:?}: {err}");
        }
        let service = ServiceName::parse("wharf-db").unwrap_err().to_string();
        for args in [
            &["services", "create", "postgres", "wharf-db"][..],
            &["services", "backups", "wharf-db"],
            &["services", "backups", "verify", "wharf-db"],
        ] {
            let err = refusal(args);
            assert!(err.contains(&service), "{args:?}: {err}");
        }
        for args in [
            &["rollback", "blog", "latest"][..],
            &["logs", "blog", "--release", "v0"],
        ] {
            let err = refusal(args);
            assert!(err.contains("is not a release; give one like v3"), "{err}");
        }
        let err = refusal(&["logs", "blog", "--since", "2x"]);
        assert!(err.contains("`2x` has an unknown unit"), "{err}");
        for (args, kind) in [
            (
                &["logs", "blog", "--build"][..],
                clap::error::ErrorKind::MissingRequiredArgument,
            ),
            (
                &["logs", "blog", "-f", "--until", "1h"],
                clap::error::ErrorKind::ArgumentConflict,
            ),
        ] {
            let parsed = Cli::try_parse_from(std::iter::once("wharf").chain(args.iter().copied()));
            assert_eq!(parsed.err().map(|e| e.kind()), Some(kind), "{args:?}");
        }
        let err = refusal(&["server", "--app-log-max-age", "0d"]);
        assert!(err.contains("is no time"), "{err}");
    }

    #[test]
    fn commands_get_the_parsed_values() {
        let cli =
            Cli::try_parse_from(["wharf", "domains", "add", "blog", "WWW.Example.com."]).unwrap();
        let Command::Domains {
            command: DomainsCommand::Add { app, domains },
        } = cli.command
        else {
            panic!("{:?}", cli.command)
        };
        assert_eq!(app.as_str(), "blog");
        assert_eq!(domains, [DomainName::parse("www.example.com").unwrap()]);
        let cli = Cli::try_parse_from(["wharf", "rollback", "blog", "v7"]).unwrap();
        let Command::Rollback { version, .. } = cli.command else {
            panic!("{:?}", cli.command)
        };
        assert_eq!(version.map(ReleaseVersion::get), Some(7));
    }

    #[test]
    fn domains_certificate_names_scales_and_kinds_are_parsed_as_they_enter() {
        let domain = DomainName::parse("Not A Name").unwrap_err().to_string();
        for args in [
            &["server", "--api-domain", "Not A Name"][..],
            &["init", "--api-domain", "Not A Name"],
            &["certs", "remove", "Not A Name"],
        ] {
            let err = refusal(args);
            assert!(err.contains(&domain), "{args:?}: {err}");
        }
        assert!(refusal(&["server", "--api-domain", "*.example.com"]).contains("wildcards"));
        let Command::Server(server) =
            Cli::try_parse_from(["wharf", "server", "--api-domain", "Wharf.Example.com"])
                .unwrap()
                .command
        else {
            panic!("not the server")
        };
        assert_eq!(server.api_domain.unwrap(), "wharf.example.com");
        let cli = Cli::try_parse_from(["wharf", "certs", "remove", "*.Example.com"]).unwrap();
        let Command::Certs(CertsArgs {
            command: Some(CertsCommand::Remove { domain }),
        }) = cli.command
        else {
            panic!("{:?}", cli.command)
        };
        assert_eq!(domain, "*.example.com");

        for (pair, needle) in [
            ("web=lots", "`web=lots`: the count must be a whole number"),
            (
                "web=1000",
                "`web=1000`: a process can have at most 100 containers",
            ),
            ("web", "`web` is not PROCESS=COUNT, e.g. web=2"),
        ] {
            let err = refusal(&["scale", "blog", "web=1", pair]);
            assert!(err.contains(needle), "{pair}: {err}");
        }
        let cli = Cli::try_parse_from(["wharf", "scale", "blog", "web=2", "worker=0"]).unwrap();
        let Command::Scale { formation, .. } = cli.command else {
            panic!("{:?}", cli.command)
        };
        let shown: Vec<String> = formation.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["web=2", "worker=0"]);

        let cli = Cli::try_parse_from(["wharf", "services", "create", "postgresql", "db"]).unwrap();
        let Command::Services(ServicesArgs {
            command: Some(ServicesCommand::Create { kind, .. }),
        }) = cli.command
        else {
            panic!("{:?}", cli.command)
        };
        assert_eq!(kind, ServiceKind::Postgres);
        assert!(refusal(&["services", "create", "mongo", "db"]).contains("not a kind of service"));
    }
}
