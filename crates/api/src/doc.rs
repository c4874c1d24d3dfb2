//! The OpenAPI document: one declaration per route (method, path from [`crate::paths`],
//! parameters, body and answers). The functions below are never called; they carry what
//! utoipa reads. The daemon's tests check that its router mounts exactly these routes.

// The declarations exist for their attributes only.
#![allow(dead_code)]

use crate::paths;
use crate::*;
use utoipa::{IntoParams, OpenApi};

/// Wharf's HTTP API as an OpenAPI document: `ApiDoc::openapi()`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Wharf API",
        description = "The HTTP API of a Wharf server: on its unix socket (trusted by its file permissions), and with a bearer token on its API listener and over HTTPS at its --api-domain. Errors are answered as {\"error\": \"...\"}. Changes that deploy answer with a stream of newline-delimited progress events."
    ),
    paths(
        status, acme, apps, destroy_app, releases, release_log, config_show, config_change,
        rollback, redeploy, deploy_image, ps, formation, cron, scale, limits, stop, start, restart, run, logs, domains, add_domain,
        remove_domain, storage, mount, unmount, services, create_service, service,
        destroy_service, link, unlink, expose, backups, backup, verify, backup_schedule, restore,
        connect, certs, add_cert, remove_cert, events, app_events, stats, app_stats, deploy,
        notify_channels, add_webhook, add_email, remove_notify_channel, notify_test, git_info_refs,
        git_receive_pack, metrics, cluster_status, cluster_init, cluster_leave, nodes, add_node, remove_node,
        node_availability, node_labels, rename_node,
    ),
    components(schemas(LogEntry, Deployed, Message, Terminal)),
    tags(
        (name = "apps", description = "Apps, their releases, config and domains"),
        (name = "processes", description = "An app's containers: scale, limits, stop/start, one-off runs, logs"),
        (name = "services", description = "Database services, links and backups"),
        (name = "certs", description = "HTTPS certificates"),
        (name = "deploy", description = "Deploys, from a tar upload or a git push"),
        (name = "events", description = "The activity log: every change, who made it and how it ended"),
        (name = "metrics", description = "What the proxy served each app, for Prometheus"),
        (name = "stats", description = "What the host, the apps and the database services use, now and over time"),
        (name = "notify", description = "Notification channels: where the alerts Wharf raises are sent"),
        (name = "cluster", description = "This server as a Docker Swarm manager, and the Swarm's nodes (admin tokens only)"),
    )
)]
pub struct ApiDoc;

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct AppPath {
    /// The app's name.
    app: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct ServicePath {
    /// The service's name.
    name: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct LinkPath {
    /// The service's name.
    name: String,
    /// The app's name.
    app: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct DomainPath {
    /// The app's name.
    app: String,
    /// The domain.
    domain: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct ChannelPath {
    /// The channel's id, as `wharf notify list` shows it.
    id: i64,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct NodePath {
    /// The node's name (as `wharf nodes` shows it) or its Swarm ID.
    node: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct CertPath {
    /// The domain the certificate is served for.
    domain: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct ReleasePath {
    /// The app's name.
    app: String,
    /// The release: `v3` or `3`.
    version: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
struct RepoPath {
    /// The app's repository: `APP.git` or `APP`.
    repo: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct GitRefsQuery {
    /// Only `git-receive-pack`: Wharf takes pushes, never serves fetches.
    service: Option<String>,
}

const NDJSON: &str = "application/x-ndjson";

#[utoipa::path(get, path = paths::STATUS, tag = "deploy",
    responses((status = 200, body = ServerStatus)))]
fn status() {}

#[utoipa::path(get, path = paths::ACME, tag = "certs",
    responses((status = 200, body = AcmeStatus)))]
fn acme() {}

#[utoipa::path(get, path = paths::APPS, tag = "apps",
    responses((status = 200, body = Vec<AppSummary>)))]
fn apps() {}

#[utoipa::path(delete, path = paths::APP, tag = "apps", params(AppPath),
    description = "Removes the app's containers, images, releases, repository and certificates; named volumes are kept.",
    responses((status = 200, body = AppDestroyed), (status = 404, body = ErrorBody)))]
fn destroy_app() {}

#[utoipa::path(get, path = paths::RELEASES, tag = "apps", params(AppPath),
    responses((status = 200, body = Vec<Release>), (status = 404, body = ErrorBody)))]
fn releases() {}

#[utoipa::path(get, path = paths::RELEASE_LOG, tag = "apps", params(ReleasePath),
    responses((status = 200, body = ReleaseLog), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn release_log() {}

#[utoipa::path(get, path = paths::CONFIG, tag = "apps", params(AppPath, ConfigQuery),
    responses((status = 200, body = ConfigVars), (status = 404, body = ErrorBody)))]
fn config_show() {}

#[utoipa::path(post, path = paths::CONFIG, tag = "apps", params(AppPath),
    request_body = ConfigChangeRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 400, body = ErrorBody)))]
fn config_change() {}

#[utoipa::path(post, path = paths::ROLLBACK, tag = "apps", params(AppPath),
    request_body = RollbackRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON)))]
fn rollback() {}

/// Deploy the release serving now again: a new release of its image with the app's config.
#[utoipa::path(post, path = paths::REDEPLOY, tag = "apps", params(AppPath),
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 400, body = ErrorBody)))]
fn redeploy() {}

/// Deploy a prebuilt image as the app's new release (the app is made if it is new), pulled
/// with the server's registry logins unless it is on the server already.
#[utoipa::path(post, path = paths::IMAGE, tag = "deploy", params(AppPath),
    request_body = ImageDeployRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 400, body = ErrorBody)))]
fn deploy_image() {}

#[utoipa::path(get, path = paths::PS, tag = "processes", params(AppPath),
    responses((status = 200, body = Vec<ProcessStatus>), (status = 404, body = ErrorBody)))]
fn ps() {}

#[utoipa::path(get, path = paths::FORMATION, tag = "processes", params(AppPath),
    responses((status = 200, body = Vec<ProcessFormation>), (status = 404, body = ErrorBody)))]
fn formation() {}

#[utoipa::path(get, path = paths::CRON, tag = "processes", params(AppPath),
    responses((status = 200, body = CronJobs), (status = 404, body = ErrorBody)))]
fn cron() {}

#[utoipa::path(get, path = paths::EVENTS, tag = "events", params(EventsQuery),
    responses((status = 200, body = Events)))]
fn events() {}

#[utoipa::path(get, path = paths::APP_EVENTS, tag = "events", params(AppPath, EventsQuery),
    responses((status = 200, body = Events), (status = 400, body = ErrorBody)))]
fn app_events() {}

/// The latest figures of the host, every app and every database service, read every interval
/// from the machine and the Docker engine.
#[utoipa::path(get, path = paths::STATS, tag = "stats",
    responses((status = 200, body = ServerStats)))]
fn stats() {}

/// An app's latest figures and its history: as read for the last hour, one sample a minute up
/// to a day, one an hour up to 30 days.
#[utoipa::path(get, path = paths::APP_STATS, tag = "stats", params(AppPath, StatsQuery),
    responses((status = 200, body = AppStats), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn app_stats() {}

#[utoipa::path(post, path = paths::SCALE, tag = "processes", params(AppPath, ScaleQuery),
    request_body = ScaleRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 400, body = ErrorBody)))]
fn scale() {}

#[utoipa::path(post, path = paths::LIMITS, tag = "processes", params(AppPath),
    request_body = LimitsRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 400, body = ErrorBody)))]
fn limits() {}

#[utoipa::path(post, path = paths::STOP, tag = "processes", params(AppPath),
    request_body = LifecycleRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON)))]
fn stop() {}

#[utoipa::path(post, path = paths::START, tag = "processes", params(AppPath),
    request_body = LifecycleRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON)))]
fn start() {}

#[utoipa::path(post, path = paths::RESTART, tag = "processes", params(AppPath),
    request_body = LifecycleRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON)))]
fn restart() {}

#[utoipa::path(post, path = paths::RUN, tag = "processes", params(AppPath),
    request_body = RunRequest,
    description = "Detached, answers with the container started. Attached (`Connection: Upgrade`, `Upgrade: wharf-run`), answers 101 and carries the run protocol's frames until the command's exit code.",
    responses(
        (status = 200, body = RunStarted),
        (status = 101, description = "Switched to the run protocol"),
        (status = 400, body = ErrorBody)))]
fn run() {}

#[utoipa::path(get, path = paths::LOGS, tag = "processes", params(AppPath, LogsQuery),
    responses((status = 200, body = LogEvent, content_type = NDJSON), (status = 404, body = ErrorBody)))]
fn logs() {}

#[utoipa::path(get, path = paths::DOMAINS, tag = "apps", params(AppPath),
    responses((status = 200, body = AppDomains), (status = 404, body = ErrorBody)))]
fn domains() {}

#[utoipa::path(post, path = paths::DOMAINS, tag = "apps", params(AppPath),
    request_body = AddDomainRequest,
    responses((status = 200, body = AppDomains), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn add_domain() {}

#[utoipa::path(delete, path = paths::DOMAIN, tag = "apps", params(DomainPath),
    responses((status = 200, body = AppDomains), (status = 404, body = ErrorBody)))]
fn remove_domain() {}

#[utoipa::path(get, path = paths::STORAGE, tag = "apps", params(AppPath),
    responses((status = 200, body = StorageMounts), (status = 404, body = ErrorBody)))]
fn storage() {}

#[utoipa::path(post, path = paths::STORAGE_MOUNT, tag = "apps", params(AppPath),
    request_body = MountRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 400, body = ErrorBody)))]
fn mount() {}

#[utoipa::path(post, path = paths::STORAGE_UNMOUNT, tag = "apps", params(AppPath),
    request_body = UnmountRequest,
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 400, body = ErrorBody)))]
fn unmount() {}

#[utoipa::path(get, path = paths::SERVICES, tag = "services",
    responses((status = 200, body = Vec<Service>)))]
fn services() {}

#[utoipa::path(post, path = paths::SERVICES, tag = "services",
    request_body = CreateServiceRequest,
    responses((status = 200, body = Service), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn create_service() {}

#[utoipa::path(get, path = paths::SERVICE, tag = "services", params(ServicePath, ServiceQuery),
    responses((status = 200, body = Service), (status = 404, body = ErrorBody)))]
fn service() {}

#[utoipa::path(delete, path = paths::SERVICE, tag = "services", params(ServicePath, DestroyServiceQuery),
    responses((status = 200, body = ServiceDestroyed), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn destroy_service() {}

#[utoipa::path(post, path = paths::SERVICE_LINK, tag = "services", params(LinkPath),
    description = "Gives the app the service's URL as a config var and joins it to the service's network; a running app is redeployed.",
    responses((status = 200, body = ProgressEvent, content_type = NDJSON)))]
fn link() {}

#[utoipa::path(delete, path = paths::SERVICE_LINK, tag = "services", params(LinkPath),
    responses((status = 200, body = ProgressEvent, content_type = NDJSON)))]
fn unlink() {}

#[utoipa::path(post, path = paths::SERVICE_EXPOSE, tag = "services", params(ServicePath),
    request_body = ExposeRequest,
    responses((status = 200, body = Service), (status = 404, body = ErrorBody)))]
fn expose() {}

#[utoipa::path(get, path = paths::SERVICE_BACKUPS, tag = "services", params(ServicePath),
    responses((status = 200, body = Vec<Backup>), (status = 404, body = ErrorBody)))]
fn backups() {}

#[utoipa::path(post, path = paths::SERVICE_BACKUPS, tag = "services", params(ServicePath),
    responses((status = 200, body = Backup), (status = 404, body = ErrorBody)))]
fn backup() {}

#[utoipa::path(post, path = paths::SERVICE_VERIFY, tag = "services", params(ServicePath),
    responses((status = 200, body = VerifyReport), (status = 404, body = ErrorBody)))]
fn verify() {}

#[utoipa::path(post, path = paths::SERVICE_BACKUP_SCHEDULE, tag = "services", params(ServicePath),
    request_body = BackupScheduleRequest,
    responses((status = 200, body = Service), (status = 400, body = ErrorBody)))]
fn backup_schedule() {}

#[utoipa::path(post, path = paths::SERVICE_RESTORE, tag = "services", params(ServicePath, RestoreQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The backup file, when no `backup` is named"),
    responses((status = 200, body = Restored), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
fn restore() {}

#[utoipa::path(post, path = paths::SERVICE_CONNECT, tag = "services", params(ServicePath),
    request_body = ConnectRequest,
    description = "Needs `Connection: Upgrade` and `Upgrade: wharf-run`: the database's client, attached, over the run protocol.",
    responses((status = 101, description = "Switched to the run protocol"), (status = 400, body = ErrorBody)))]
fn connect() {}

#[utoipa::path(get, path = paths::CERTS, tag = "certs",
    responses((status = 200, body = CertList)))]
fn certs() {}

#[utoipa::path(post, path = paths::CERTS, tag = "certs",
    request_body = CertUploadRequest,
    responses((status = 200, body = Certificate), (status = 400, body = ErrorBody)))]
fn add_cert() {}

#[utoipa::path(delete, path = paths::CERT, tag = "certs", params(CertPath),
    responses((status = 200, body = CertRemoved), (status = 404, body = ErrorBody)))]
fn remove_cert() {}

#[utoipa::path(post, path = paths::DEPLOY, tag = "deploy", params(DeployQuery),
    request_body(content = Vec<u8>, content_type = "application/x-tar",
        description = "The build context: a plain tar with the Dockerfile at its root"),
    responses((status = 200, body = ProgressEvent, content_type = NDJSON),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
fn deploy() {}

#[utoipa::path(get, path = paths::GIT_INFO_REFS, tag = "deploy", params(RepoPath, GitRefsQuery),
    description = "git's smart HTTP protocol: the refs advertisement for a push (HTTP listeners only, with a token as the basic-auth password).",
    responses((status = 200, description = "application/x-git-receive-pack-advertisement")))]
fn git_info_refs() {}

#[utoipa::path(post, path = paths::GIT_RECEIVE_PACK, tag = "deploy", params(RepoPath),
    request_body(content = Vec<u8>, content_type = "application/x-git-receive-pack-request"),
    description = "git's smart HTTP protocol: a push, deployed by the repository's pre-receive hook.",
    responses((status = 200, description = "application/x-git-receive-pack-result")))]
fn git_receive_pack() {}

#[utoipa::path(get, path = paths::METRICS, tag = "metrics",
    description = "Prometheus' text exposition format (not JSON): requests by app, domain, process and status class, their latency histogram, bytes, upstream errors and timeouts, open connections and websockets, and the daemon's version and app count. Any token may read it (read-only tokens too, not tokens limited to some apps); `wharf server --metrics-listen ADDR` also serves it without a token.",
    responses((status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String)))]
fn metrics() {}

#[utoipa::path(get, path = paths::NOTIFY, tag = "notify",
    responses((status = 200, body = NotifyChannels)))]
fn notify_channels() {}

#[utoipa::path(post, path = paths::NOTIFY_WEBHOOKS, tag = "notify",
    request_body = AddWebhookRequest,
    responses((status = 200, body = NotifyChannel), (status = 400, body = ErrorBody)))]
fn add_webhook() {}

#[utoipa::path(post, path = paths::NOTIFY_EMAILS, tag = "notify",
    request_body = AddEmailRequest,
    responses((status = 200, body = NotifyChannel), (status = 400, body = ErrorBody)))]
fn add_email() {}

#[utoipa::path(delete, path = paths::NOTIFY_CHANNEL, tag = "notify", params(ChannelPath),
    responses((status = 200, body = NotifyChannelRemoved), (status = 404, body = ErrorBody)))]
fn remove_notify_channel() {}

#[utoipa::path(post, path = paths::NOTIFY_TEST, tag = "notify",
    description = "Queue a test message for every channel; `GET /v1/notify` shows how each delivery went.",
    responses((status = 200, body = NotifyTestSent)))]
fn notify_test() {}

#[utoipa::path(get, path = paths::CLUSTER, tag = "cluster",
    responses((status = 200, body = ClusterStatus)))]
fn cluster_status() {}

#[utoipa::path(post, path = paths::CLUSTER_INIT, tag = "cluster",
    description = "Make this server's engine a Docker Swarm manager; what runs keeps running. Asked again, changes nothing and says so (`created: false`).",
    request_body = ClusterInitRequest,
    responses((status = 200, body = ClusterInitialized), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn cluster_init() {}

#[utoipa::path(post, path = paths::CLUSTER_LEAVE, tag = "cluster",
    description = "Make a cluster of this server alone a single server again: every app run as Swarm services is redeployed as containers here (zero downtime), then the engine leaves the Swarm and the registry is removed. Refused while other nodes are in the Swarm. Streams progress lines (`application/x-ndjson`, as a deploy) and ends with a message.",
    responses((status = 200, body = ProgressEvent, content_type = NDJSON), (status = 409, body = ErrorBody)))]
fn cluster_leave() {}

#[utoipa::path(get, path = paths::NODES, tag = "cluster",
    responses((status = 200, body = Nodes), (status = 409, body = ErrorBody)))]
fn nodes() {}

#[utoipa::path(post, path = paths::NODES, tag = "cluster",
    description = "The join command for a new node: its worker token and this manager's address. The node is named by its hostname until it is named otherwise (`POST /v1/nodes/{node}/name`).",
    request_body = AddNodeRequest,
    responses((status = 200, body = NodeJoin), (status = 409, body = ErrorBody)))]
fn add_node() {}

#[utoipa::path(delete, path = paths::NODE, tag = "cluster", params(NodePath, RemoveNodeQuery),
    description = "Remove a node from the cluster. A node that is still up is refused (drain it, then run `docker swarm leave` on it) unless `force=true`.",
    responses((status = 200, body = NodeRemoved), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn remove_node() {}

#[utoipa::path(post, path = paths::NODE_AVAILABILITY, tag = "cluster", params(NodePath),
    request_body = AvailabilityRequest,
    responses((status = 200, body = Node), (status = 404, body = ErrorBody)))]
fn node_availability() {}

#[utoipa::path(post, path = paths::NODE_LABELS, tag = "cluster", params(NodePath),
    request_body = LabelsRequest,
    responses((status = 200, body = Node), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn node_labels() {}

#[utoipa::path(post, path = paths::NODE_NAME, tag = "cluster", params(NodePath),
    request_body = RenameNodeRequest,
    responses((status = 200, body = Node), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn rename_node() {}
