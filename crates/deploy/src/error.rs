//! The ways a deploy can fail, each named after the situation and worded for the user.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error(transparent)]
    Context(#[from] crate::ContextError),
    #[error(transparent)]
    Plan(#[from] wharf_builder::PlanError),
    #[error("{0}")]
    Config(#[from] wharf_domain::ConfigError),
    #[error("{0}")]
    Name(#[from] wharf_domain::NameError),
    #[error("{0}")]
    Procfile(#[from] wharf_domain::ProcfileError),
    #[error("{0}")]
    AppJson(#[from] wharf_domain::AppJsonError),
    #[error(
        "cannot give the new volume `{volume}` (mounted at `{target}`) to `{user}`, the user the app's image runs as: {reason}; {serving}.\nThe volume was removed again. Make the directory in the image, owned by that user (e.g. `RUN mkdir -p {target} && chown {user} {target}` in the Dockerfile), or mount a volume whose owner you set yourself."
    )]
    VolumeOwner {
        volume: String,
        target: String,
        user: String,
        reason: String,
        serving: Serving,
    },
    #[error(
        "the {phase} command failed with exit code {code}; {serving}.\nLast lines of its output:\n{logs}"
    )]
    TaskFailed {
        phase: String,
        code: i64,
        logs: String,
        serving: Serving,
    },
    #[error(
        "the {process} process exited right after it started (exit code {code}); {serving}.\nLast lines of its output:\n{logs}"
    )]
    ProcessExited {
        process: String,
        code: i64,
        logs: String,
        serving: Serving,
    },
    #[error("no app name: add `# wharf.app = NAME` to the Dockerfile or pass --app NAME")]
    NoAppName,
    #[error(
        "the app is named `{given}` by --app but `{in_dockerfile}` in the Dockerfile; make them agree"
    )]
    AppNameMismatch {
        given: String,
        in_dockerfile: String,
    },
    /// `domain` as shown to users: `example.com`, or `https://example.com/blog` for a path.
    #[error("{domain} is already served by the app `{owner}`; remove it there first")]
    DomainTaken { domain: String, owner: String },
    #[error(
        "the domain {0} is this Wharf server's own name (its API, --api-domain); give the app another domain"
    )]
    DomainIsTheApi(wharf_domain::DomainName),
    #[error("the build failed at {step}:\n{message}")]
    BuildFailed { step: String, message: String },
    #[error("the build failed: {0}")]
    Build(String),
    #[error(
        "the new release was not healthy within {within:?} ({reason}); {serving}.\nLast lines of {container}'s log:\n{logs}"
    )]
    NotHealthyWithin {
        within: Duration,
        reason: String,
        container: String,
        logs: String,
        serving: Serving,
    },
    #[error(
        "the new release failed its health check ({reason}); {serving}.\nLast lines of {container}'s log:\n{logs}"
    )]
    FailedHealthCheck {
        reason: String,
        container: String,
        logs: String,
        serving: Serving,
    },
    #[error(
        "the new release's container {container} {how} while it was starting; {serving}.\nLast lines of its log:\n{logs}"
    )]
    CrashedAtStart {
        container: String,
        /// What happened, e.g. `exited with code 1 and Docker restarted it`.
        how: String,
        logs: String,
        serving: Serving,
    },
    #[error("{container} never got healthy: {reason}; {serving}")]
    WrongPort {
        container: String,
        reason: String,
        serving: Serving,
    },
    /// The cluster's image registry could not be started, trusted or pushed to.
    #[error("the cluster's image registry: {0}")]
    Registry(String),
    /// `wharf cluster leave` was refused, or stopped before the engine left the Swarm.
    #[error("this server stays a cluster manager: {0}")]
    LeaveRefused(String),
    #[error(
        "`{app}` is linked to the database service `{service}`, whose container is not on this server ({reason}); `wharf services info {service}` shows its state, or unlink it (`wharf services unlink {service} {app}`)"
    )]
    LinkedServiceMissing {
        app: String,
        service: String,
        reason: String,
    },
    #[error(
        "{app} cannot run in a cluster yet: {what} are not supported for apps run as Swarm services; {fix}"
    )]
    NotInClusterYet {
        app: String,
        /// What the app uses, e.g. `storage mounts (/data)`.
        what: String,
        /// What to do instead.
        fix: String,
    },
    #[error(
        "task {task} of the new release's service {service} failed on node {node}: {error}; {serving}"
    )]
    ServiceTaskFailed {
        service: String,
        task: String,
        node: String,
        error: String,
        serving: Serving,
    },
    #[error("job {job} did not run{node}: the Swarm says \"{reason}\" ({placement})")]
    JobNotRun {
        /// The job's service, `wharf-blog_release-v3`.
        job: String,
        /// ` on node NAME`, when it had one.
        node: String,
        reason: String,
        placement: String,
    },
    #[error(
        "no node can run the new release's service {service}: the Swarm says \"{reason}\" ({placement}); check the rules against `wharf nodes` (labels, hostnames, roles) or label a node to match (`wharf nodes label NAME KEY=VALUE`), then deploy again; {serving}"
    )]
    NoSuitableNode {
        service: String,
        /// The Swarm's words, e.g. `no suitable node (scheduling constraints not satisfied
        /// on 3 nodes)`.
        reason: String,
        /// The app's placement rules, e.g. `placement: node.labels.role==db`.
        placement: String,
        serving: Serving,
    },
    #[error(
        "a container named {0} exists and is not managed by this Wharf server; remove or rename it (docker rm {0})"
    )]
    NameInUse(String),
    #[error("{0}")]
    BadConfig(String),
    #[error("{0}")]
    Storage(#[from] wharf_domain::StorageError),
    #[error(
        "the storage mount `{mount}` and the Dockerfile's `# wharf.volume = {volume}` both use the container path {target}; {fix}"
    )]
    MountClash {
        mount: String,
        volume: String,
        target: String,
        /// What to do: mount elsewhere, or unmount / change the Dockerfile.
        fix: String,
    },
    #[error(
        "`{app}` already has `{existing}` mounted at {target}; unmount it first (`wharf storage unmount {app} {target}`)"
    )]
    MountTargetTaken {
        app: String,
        existing: String,
        target: String,
    },
    #[error("host path `{0}` does not exist on the server; create it first (e.g. `mkdir -p {0}`)")]
    HostPathMissing(String),
    #[error(
        "{setting} = {asked} asks for more CPUs than this server has ({available}); give at most {available}"
    )]
    MoreCpusThanServer {
        /// Where the limit comes from: `# wharf.maxcpu`, or `wharf limits` for a process.
        setting: String,
        asked: f64,
        available: u64,
    },
    #[error("`{mount}` is already mounted into `{app}`")]
    AlreadyMounted { app: String, mount: String },
    #[error("`{app}` has no storage mount `{selector}`; its mounts: {mounts}")]
    NotMounted {
        app: String,
        selector: String,
        mounts: String,
    },
    #[error(
        "{domain} comes from `{app}`'s Dockerfile (`# wharf.domain = {domain}`); remove that line and deploy"
    )]
    DomainFromDockerfile {
        app: String,
        domain: wharf_domain::DomainName,
    },
    #[error("{domain} is not one of `{app}`'s domains; its domains: {domains}")]
    NotADomainOf {
        app: String,
        domain: wharf_domain::DomainName,
        domains: String,
    },
    #[error("`{0}` has no earlier release to roll back to")]
    NoRollbackTarget(String),
    #[error("`{0}` has no release serving to deploy again; deploy it first (`wharf push`)")]
    NothingToRedeploy(String),
    #[error("cannot roll `{app}` back to {version}: {reason}")]
    CannotRollBackTo {
        app: String,
        version: wharf_domain::ReleaseVersion,
        reason: String,
    },
    #[error("`{0}` has not been deployed yet; deploy it first")]
    NotDeployed(String),
    #[error("`{app}` has no process `{process}`; its processes are: {known}")]
    NoSuchProcess {
        app: String,
        process: String,
        known: String,
    },
    #[error("there is no app named `{0}`")]
    NoSuchApp(String),
    #[error("`{0}` has no release yet: deploy it first (`wharf deploy`)")]
    NoRelease(String),
    #[error("`{app}` has no `{process}` containers in its current release")]
    NoProcessContainers { app: String, process: String },
    #[error("the command could not be started: {0}")]
    CannotStartCommand(String),
    #[error("docker: {0}")]
    Runtime(#[from] wharf_runtime::RuntimeError),
    #[error("{0}")]
    Store(#[from] wharf_store::StoreError),
    #[error("the deploy was cancelled because the server is shutting down")]
    ShuttingDown,
    #[error("internal error: {0}")]
    Internal(String),
}

/// What serves an app after a new release failed before taking the traffic, as the error
/// says it: only an app that had running instances has a previous release that keeps serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serving {
    PreviousRelease,
    Nothing,
}

impl std::fmt::Display for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Serving::PreviousRelease => "the previous release keeps serving",
            Serving::Nothing => "no earlier release was running, so nothing is served",
        })
    }
}

impl DeployError {
    /// Whether the error is the user's to fix (bad input) rather than the server's.
    pub fn is_user_error(&self) -> bool {
        match self {
            DeployError::Runtime(_) | DeployError::Internal(_) => false,
            DeployError::Store(e) => matches!(
                e,
                wharf_store::StoreError::NoSuchApp(_)
                    | wharf_store::StoreError::NoSuchRelease { .. }
            ),
            _ => true,
        }
    }
}

impl wharf_domain::Documented for DeployError {
    /// The section that explains what went wrong, where the user is the one to fix it.
    fn docs(&self) -> Option<wharf_domain::DocsLink> {
        use wharf_domain::{DocsLink, docs_link};
        match self {
            DeployError::Plan(error) => error.docs(),
            DeployError::Config(error) => error.docs(),
            DeployError::Procfile(error) => error.docs(),
            DeployError::AppJson(error) => error.docs(),
            DeployError::Storage(error) => error.docs(),
            DeployError::Store(error) => error.docs(),
            DeployError::NoAppName | DeployError::AppNameMismatch { .. } => {
                Some(DocsLink::dockerfile_setting("app"))
            }
            DeployError::MoreCpusThanServer { .. } => Some(DocsLink::dockerfile_setting("maxcpu")),
            DeployError::TaskFailed { .. } => Some(docs_link::RELEASE_COMMANDS),
            DeployError::DomainTaken { .. }
            | DeployError::DomainIsTheApi(_)
            | DeployError::DomainFromDockerfile { .. }
            | DeployError::NotADomainOf { .. } => Some(docs_link::DOMAINS),
            DeployError::NotHealthyWithin { .. }
            | DeployError::FailedHealthCheck { .. }
            | DeployError::CrashedAtStart { .. }
            | DeployError::ProcessExited { .. } => Some(docs_link::DEPLOY_FAILS),
            DeployError::WrongPort { .. } => Some(docs_link::PORT),
            DeployError::NotInClusterYet { .. }
            | DeployError::ServiceTaskFailed { .. }
            | DeployError::JobNotRun { .. } => Some(docs_link::CLUSTER_APPS),
            DeployError::Registry(_) => Some(docs_link::CLUSTER_IMAGES),
            DeployError::LeaveRefused(_) => Some(docs_link::CLUSTER_LEAVE),
            DeployError::LinkedServiceMissing { .. } => Some(docs_link::CLUSTER_DATABASES),
            DeployError::NoSuitableNode { .. } => Some(docs_link::CLUSTER_PLACEMENT),
            DeployError::VolumeOwner { .. } => Some(docs_link::STORAGE_OWNER),
            DeployError::MountClash { .. }
            | DeployError::MountTargetTaken { .. }
            | DeployError::HostPathMissing(_)
            | DeployError::AlreadyMounted { .. }
            | DeployError::NotMounted { .. } => Some(docs_link::STORAGE_ERRORS),
            _ => None,
        }
    }
}
