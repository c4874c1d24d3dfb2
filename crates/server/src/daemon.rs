//! Start-up, serving and shutdown of the daemon, in that order: validate the config, take the
//! sockets handed over (socket activation), open the store, connect to Docker, restore the
//! apps' routes, load the certificates, bind, serve (HTTP, HTTPS, API), and only then clean up
//! what a crash left behind and start the database services; while serving, keep the apps'
//! container output (`app_logs`), sample what the host and the containers use into the
//! history (`stats`), watch the Docker engine and bring everything back when it returns; on
//! SIGTERM or SIGINT stop accepting, let in-flight requests and deploys finish, then exit.

use crate::api::{self, ApiState, GitSettings};
use crate::certs::Certs;
use crate::dashboard::{Dashboard, Transport};
use crate::listeners::Inherited;
use crate::{ServerConfig, clean_up, engine_watch, instance, notify, socket, takeover};
use anyhow::Context;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;
use wharf_deploy::{DeploySettings, Deployer};
use wharf_proxy::{HttpsRedirect, ProxyConfig, ProxyServer, Router};
use wharf_runtime::Docker;
use wharf_store::Store;

/// What the alerts' detectors watch.
struct AlertSources {
    store: Arc<Store>,
    docker: Docker,
    router: Arc<Router>,
    certs: Arc<Certs>,
    instance: String,
}

/// The alerts' detectors and the notifications' delivery, each a task with its span.
fn spawn_alerts(
    servers: &mut tokio::task::JoinSet<anyhow::Result<()>>,
    config: &ServerConfig,
    sources: AlertSources,
    smtp_roots: notify::transport::SmtpRoots,
    shutdown: &CancellationToken,
) {
    let (store, token) = (sources.store.clone(), shutdown.clone());
    let (docker, instance) = (sources.docker.clone(), sources.instance);
    servers.spawn(
        async move {
            notify::crashes::watch(docker, store, instance, token).await;
            Ok(())
        }
        .instrument(tracing::info_span!("alerts", from = "engine")),
    );
    let checked = notify::conditions::Checked {
        store: sources.store.clone(),
        router: sources.router,
        certs: sources.certs,
        data_dir: config.data_dir.clone(),
        docker: sources.docker,
        disk_threshold: config.disk_alert_percent,
        interval: config.alert_check_interval,
    };
    let token = shutdown.clone();
    servers.spawn(
        async move {
            notify::conditions::watch(checked, token).await;
            Ok(())
        }
        .instrument(tracing::info_span!("alerts", from = "checks")),
    );
    let settings = notify::DeliverySettings {
        retry_cap: config.notify_retry_cap,
        from: config.notify_from.as_ref().map(ToString::to_string),
        smtp_roots,
        ..notify::DeliverySettings::default()
    };
    let (store, token) = (sources.store, shutdown.clone());
    servers.spawn(
        async move {
            notify::delivery::run(store, settings, token).await;
            Ok(())
        }
        .instrument(tracing::info_span!("notify")),
    );
}

/// Run the daemon until it receives SIGTERM or SIGINT.
pub async fn run(config: ServerConfig) -> anyhow::Result<()> {
    config.validate()?;
    // Read now, so a file that is not PEM certificates stops the start, not a first email.
    let smtp_roots = match &config.smtp_ca_file {
        Some(path) => notify::transport::SmtpRoots::load(path)?,
        None => notify::transport::SmtpRoots::default(),
    };
    // First of all: a stop asked for while starting (the proxy may already answer) is a clean
    // stop once started, not the signal's default of killing the process.
    let mut terminate = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;
    let mut upgrade = signal(SignalKind::user_defined2()).context("installing SIGUSR2 handler")?;
    // Before anything else reads the environment: the variables are cleared once taken.
    let mut inherited = Inherited::from_env()?;
    let predecessor = takeover::predecessor();
    // Read before an upgrade replaces the file: a successor is started from this path.
    let binary = std::env::current_exe().context("finding the wharf binary")?;
    prepare_data_dir(&config)?;
    let instance_id = instance::load_or_create(&config.data_dir)?;
    let store = Arc::new(
        Store::open(&config.database_path())
            .map_err(|err| anyhow::anyhow!(wharf_domain::explained(&err)))?,
    );
    let docker = Docker::connect().await?;
    let router = Router::new();
    let mut settings = DeploySettings::new(instance_id.clone());
    settings.health_timeout = config.health_timeout;
    settings.drain_timeout = config.drain_timeout;
    settings.stop_grace = config.stop_grace;
    settings.keep_releases = config.keep_releases;
    settings.protected_paths = protected_paths(&config);
    settings.api_domain = config.api_domain.clone();
    settings.encrypt_overlays = config.encrypt_overlays;
    settings.services_ca = Some(wharf_services::ca_certificate_path(&config.data_dir));
    settings.registry = wharf_deploy::RegistrySettings {
        image: config.registry_image.clone(),
        port: config.registry_port,
        ca_dir: config.data_dir.join("cluster-ca"),
    };
    settings.app_logs = Arc::new(wharf_deploy::AppLogs::new(
        config.app_logs_dir(),
        config.app_logs,
    ));
    let deployer = Arc::new(Deployer::new(
        store,
        docker.clone(),
        router.clone(),
        settings,
    ));
    // Serving first: the routes come from the store and the containers as they run now;
    // removing what a crash left behind (which waits for containers to stop) comes after.
    // Taking over, the predecessor still runs and finishes its own deploys.
    let interrupted = match predecessor {
        Some(_) => 0,
        None => {
            deployer
                .store()
                .interrupt_running_events()
                .context("marking the changes in the activity log that were cut off")?;
            deployer
                .fail_cut_off_deploys()
                .context("marking deploys that were cut off")?
        }
    };
    let report = deployer
        .restore_apps()
        .await
        .context("restoring the apps from the stored state")?;
    tracing::info!(
        apps = report.apps_routed,
        failed = report.apps_failed,
        started = report.containers_started,
        interrupted,
        "state restored"
    );

    let services = Arc::new(wharf_services::Services::new(
        deployer.clone(),
        &config.data_dir,
        &instance_id,
    ));

    let certs = Arc::new(Certs::load(&config.data_dir));
    let workers = wharf_proxy::default_workers();
    let http = inherited.proxy(config.http_listen, workers)?;
    let https = match config.https_listen {
        Some(addr) => Some(inherited.proxy(addr, workers)?),
        None => None,
    };
    let api_tcp = match config.api_listen {
        Some(addr) => Some(inherited.plain(addr, "the API").await?),
        None => None,
    };
    let metrics_tcp = match config.metrics_listen {
        Some(addr) => Some(inherited.plain(addr, "/metrics").await?),
        None => None,
    };
    inherited.report_unused();
    let mut handed = http.handles()?;
    if let Some(https) = &https {
        handed.extend(https.handles()?);
    }
    for listener in api_tcp.iter().chain(&metrics_tcp) {
        handed.push(std::net::TcpListener::from(
            listener.as_fd().try_clone_to_owned()?,
        ));
    }
    let handover = takeover::Handover::new(
        binary.clone(),
        handed.into_iter().map(OwnedFd::from).collect(),
    );
    let unix = socket::bind(&config.socket_path(), predecessor.is_some())?;
    let unix_bound = socket::identity(&config.socket_path());

    let shutdown = CancellationToken::new();
    let tasks = TaskTracker::new();
    let stats = Arc::new(crate::stats::Stats::new(
        config.stats_interval,
        docker.clone(),
        instance_id.clone(),
        deployer.store().clone(),
        config.data_dir.clone(),
        deployer.router().clone(),
    ));
    let state = ApiState {
        deployer: deployer.clone(),
        tasks: tasks.clone(),
        upload_dir: config.data_dir.join("uploads"),
        max_upload_bytes: config.max_upload_bytes,
        acme_directory: match &config.acme_directory {
            wharf_acme::DirectoryUrl::Url(url) => Some(url.clone()),
            wharf_acme::DirectoryUrl::Off => None,
        },
        git: Arc::new(GitSettings {
            data_dir: config.data_dir.clone(),
            binary,
            run_as: wharf_git::RunAs::wharf_user(),
            authorized_keys: config
                .authorized_keys
                .clone()
                .or_else(wharf_git::default_authorized_keys),
        }),
        certs: certs.clone(),
        services: services.clone(),
        stats: stats.clone(),
    };
    // One dashboard for every listener it is served on: one count of failed sign-ins.
    let dashboard = Dashboard::new(deployer.store().clone());
    let mut servers = tokio::task::JoinSet::new();
    let mut proxy_config = ProxyConfig {
        hsts: config.hsts.map(wharf_proxy::hsts_header),
        ..ProxyConfig::default()
    };
    if let Some(acme) = config.acme() {
        let manager = Arc::new(crate::acme::manager(
            acme,
            deployer.store().clone(),
            certs.clone(),
            config.api_domain.clone(),
            config.https_listen,
        ));
        proxy_config.challenge = Some(Arc::new(manager.http01()));
        let token = shutdown.clone();
        servers.spawn(
            async move {
                manager.run(token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("acme")),
        );
    }
    {
        // Plain HTTP and HTTPS are served by the same proxy workers (threads of their own).
        let mut http_config = proxy_config.clone();
        http_config.https_redirect = config.https_listen.map(|addr| HttpsRedirect {
            certs: certs.resolver().clone(),
            port: addr.port(),
        });
        let mut proxy = ProxyServer::new().http(http, router.clone(), http_config);
        if let Some(listener) = https {
            let resolver = certs.resolver().clone();
            let mut https_config = proxy_config.clone();
            if let Some(domain) = &config.api_domain {
                let app = api::authenticated_routes(state.clone())
                    .merge(dashboard.routes(state.clone(), Transport::Https));
                https_config.in_process = Some(crate::api_host::in_process_host(domain, app));
            }
            proxy = proxy
                .https(listener, router.clone(), https_config, resolver)
                .context("setting up the HTTPS proxy")?;
        }
        let token = shutdown.clone();
        servers.spawn(
            async move { proxy.run(token).await.context("serving the proxy") }
                .instrument(tracing::info_span!("proxy")),
        );
    }
    {
        let (router, token) = (router.clone(), shutdown.clone());
        servers.spawn(
            async move {
                wharf_proxy::monitor_health(router, proxy_config, token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("health")),
        );
    }
    {
        let (deployer, token) = (deployer.clone(), shutdown.clone());
        servers.spawn(
            async move {
                deployer.run_cron(token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("cron")),
        );
    }
    {
        // In a cluster: routes follow the Swarm as it moves tasks (a crash, a lost node).
        let (deployer, token) = (deployer.clone(), shutdown.clone());
        servers.spawn(
            async move {
                deployer.follow_service_tasks(token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("follow_tasks")),
        );
    }
    spawn_alerts(
        &mut servers,
        &config,
        AlertSources {
            store: deployer.store().clone(),
            docker: docker.clone(),
            router: router.clone(),
            certs: certs.clone(),
            instance: instance_id.clone(),
        },
        smtp_roots,
        &shutdown,
    );
    {
        let (deployer, token) = (deployer.clone(), shutdown.clone());
        let store = deployer.app_logs().clone();
        servers.spawn(
            async move {
                deployer.keep_app_logs(store, token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("app_logs")),
        );
    }
    {
        let token = shutdown.clone();
        servers.spawn(
            async move {
                stats.run(token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("stats")),
        );
    }
    {
        let (services, token) = (services.clone(), shutdown.clone());
        servers.spawn(
            async move {
                services.run_backup_schedule(token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("backups")),
        );
    }
    {
        let token = shutdown.clone();
        let app = api::routes(state.clone())
            .layer(axum::middleware::from_fn(api::events::local_actor))
            .into_make_service_with_connect_info::<api::events::LocalPeer>();
        servers.spawn(
            async move {
                axum::serve(unix, app)
                    .with_graceful_shutdown(token.cancelled_owned())
                    .await
                    .context("serving the API socket")
            }
            .instrument(tracing::info_span!("api", listen = "unix")),
        );
    }
    if let Some(listener) = api_tcp {
        let token = shutdown.clone();
        let app = api::authenticated_routes(state.clone())
            .merge(dashboard.routes(state.clone(), Transport::Http));
        servers.spawn(
            async move {
                // The peer's address: sign-ins are throttled per address.
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
                )
                .with_graceful_shutdown(token.cancelled_owned())
                .await
                .context("serving the API")
            }
            .instrument(tracing::info_span!("api", listen = "tcp")),
        );
    }
    if let Some(listener) = metrics_tcp {
        // Only `/metrics`, without a token: the operator chose who reaches this address.
        let (app, token) = (crate::metrics::routes(state.clone()), shutdown.clone());
        servers.spawn(
            async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(token.cancelled_owned())
                    .await
                    .context("serving /metrics")
            }
            .instrument(tracing::info_span!("metrics")),
        );
    }
    {
        let (docker, deployer, services, token) = (
            docker.clone(),
            deployer.clone(),
            services.clone(),
            shutdown.clone(),
        );
        servers.spawn(
            async move {
                engine_watch::watch(docker, deployer, services, token).await;
                Ok(())
            }
            .instrument(tracing::info_span!("engine_watch")),
        );
    }
    // Clean up while serving: a stop can take the whole stop grace. Not a server task: it
    // ends when done; cut short by a shutdown, the next start does the rest.
    tokio::spawn(
        clean_up::after_start(deployer.clone(), services.clone(), predecessor)
            .instrument(tracing::info_span!("clean_up")),
    );
    tracing::info!(
        pid = std::process::id(),
        proxy = %config.http_listen,
        https = ?config.https_listen,
        api = ?config.api_listen,
        api_domain = ?config.api_domain,
        metrics = ?config.metrics_listen,
        socket = %config.socket_path().display(),
        instance = %instance_id,
        "wharf is ready"
    );

    let failure = loop {
        tokio::select! {
            _ = terminate.recv() => break None,
            _ = interrupt.recv() => break None,
            Some(ended) = servers.join_next() => break Some(ended),
            _ = upgrade.recv() => match handover.start_successor() {
                // It stops this one (SIGTERM) once it serves.
                Ok(pid) => tracing::info!(pid, "SIGUSR2: started a successor to take over serving"),
                Err(err) => tracing::error!(error = %format!("{err:#}"), "SIGUSR2: could not start a successor; serving on"),
            },
        }
    };
    // Not held open past the listeners: a stopping Wharf's ports refuse, not queue, clients.
    drop(handover);
    tracing::info!("shutting down: no new connections; waiting for requests and deploys in flight");
    shutdown.cancel();
    tasks.close();
    while let Some(ended) = servers.join_next().await {
        log_ended(ended);
    }
    tasks.wait().await;
    socket::remove_if_ours(&config.socket_path(), unix_bound);
    tracing::info!("stopped");
    match failure {
        Some(Ok(Err(err))) => Err(err),
        Some(Err(join)) => Err(anyhow::anyhow!("a server task failed: {join}")),
        _ => Ok(()),
    }
}

fn log_ended(ended: Result<anyhow::Result<()>, tokio::task::JoinError>) {
    match ended {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::error!(error = %format!("{err:#}"), "server task failed"),
        Err(err) => tracing::error!(error = %err, "server task panicked"),
    }
}

/// Create the data directory (owner-only), an empty upload directory and the repositories'
/// directory inside it.
/// What mounts may not reach: the system's paths, this server's data directory (also where it
/// really is, past symbolic links), the Docker socket it talks to, the hidden files of the
/// home of the user it runs as (which `~` names in a Dockerfile volume), and the home of the
/// `wharf` user that git pushes log in as.
fn protected_paths(config: &ServerConfig) -> wharf_domain::ProtectedPaths {
    let data_dir = config.data_dir.to_string_lossy();
    let mut paths = wharf_domain::ProtectedPaths::new(&data_dir);
    if let Ok(real) = std::fs::canonicalize(&config.data_dir) {
        paths.add(&real.to_string_lossy(), "Wharf's data directory");
    }
    let socket = match std::env::var("DOCKER_HOST") {
        Ok(host) => host.strip_prefix("unix://").map(str::to_string),
        Err(_) => Some(wharf_runtime::DEFAULT_SOCKET.to_string()),
    };
    if let Some(socket) = socket {
        paths.add(&socket, "the Docker socket");
        if let Ok(real) = std::fs::canonicalize(&socket) {
            paths.add(&real.to_string_lossy(), "the Docker socket");
        }
    }
    if let Some(home) = std::env::home_dir() {
        paths.set_home(&home.to_string_lossy());
    }
    if let Some(keys) = wharf_git::default_authorized_keys()
        && let Some(home) = keys.parent().and_then(std::path::Path::parent)
    {
        paths.add(
            &home.to_string_lossy(),
            "the home of the `wharf` user, whose authorized_keys let push keys in",
        );
    }
    paths
}

fn prepare_data_dir(config: &ServerConfig) -> anyhow::Result<()> {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711))
        .with_context(|| format!("setting permissions of {}", dir.display()))?;
    let uploads = dir.join("uploads");
    if uploads.exists() {
        // Uploads of deploys that were cut off.
        std::fs::remove_dir_all(&uploads)
            .with_context(|| format!("clearing {}", uploads.display()))?;
    }
    std::fs::create_dir_all(&uploads).with_context(|| format!("creating {}", uploads.display()))?;
    std::fs::set_permissions(&uploads, std::fs::Permissions::from_mode(0o700))?;
    // The apps' git repositories, owned by the `wharf` user that pushes over SSH run as.
    wharf_git::prepare_repos_dir(dir, wharf_git::RunAs::wharf_user().as_ref())?;
    Ok(())
}
