//! What can go wrong with a service, each saying what to do about it.

use std::time::Duration;
use wharf_deploy::DeployError;
use wharf_domain::NameError;
use wharf_runtime::RuntimeError;
use wharf_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Name(#[from] NameError),
    #[error("{0}")]
    BadInput(String),
    #[error("there is no service named `{0}`; `wharf services` lists them")]
    NoSuchService(String),
    #[error(
        "there is no app named `{0}`; deploy it first, or give it a config var (`wharf config set {0} KEY=VALUE`), which makes the app and lets the link wait for its first deploy"
    )]
    NoSuchApp(String),
    #[error("a service named `{0}` already exists")]
    Exists(String),
    #[error(
        "the service `{service}` was destroyed and its volume kept; `wharf services create {kind} {service}` brings it back with its data, `wharf services destroy {service} --purge` deletes the data"
    )]
    Destroyed {
        service: String,
        kind: wharf_domain::ServiceKind,
    },
    #[error(
        "the service `{service}` is linked to {apps}; unlink it first (`wharf services unlink {service} APP`)"
    )]
    Linked { service: String, apps: String },
    #[error("the service `{service}` is already linked to `{app}` (as {var})")]
    AlreadyLinked {
        service: String,
        app: String,
        var: String,
    },
    #[error("the service `{service}` is not linked to `{app}`")]
    NotLinked { service: String, app: String },
    #[error("the service `{0}` is not running; `wharf services` shows its state")]
    NotRunning(String),
    #[error("the image {image} is not on this machine and could not be pulled: {reason}")]
    NoImage { image: String, reason: String },
    #[error(
        "the {kind} server of `{service}` did not take connections within {within:?}.\nLast lines of its log:\n{logs}"
    )]
    NotReady {
        service: String,
        kind: String,
        within: Duration,
        logs: String,
    },
    #[error("the backup of `{service}` failed: {reason}")]
    BackupFailed { service: String, reason: String },
    #[error("the restore into `{service}` failed: {reason}")]
    RestoreFailed { service: String, reason: String },
    #[error("the backup {file} of `{service}` does not restore: {reason}")]
    VerifyFailed {
        service: String,
        file: String,
        reason: String,
    },
    #[error("`{service}` has no backup {what}; `wharf services backups {service}` lists them")]
    NoBackup { service: String, what: String },
    #[error(
        "a container named {0} exists and is not managed by this Wharf server; remove or rename it"
    )]
    NameInUse(String),
    #[error("{0}")]
    Deploy(#[from] DeployError),
    #[error("{0}")]
    Runtime(#[from] RuntimeError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
    #[error("TLS for services: {0}")]
    Tls(String),
}

impl ServiceError {
    /// True when the request was at fault (answered 4xx), not the server.
    pub fn is_user_error(&self) -> bool {
        match self {
            ServiceError::Name(_)
            | ServiceError::BadInput(_)
            | ServiceError::Exists(_)
            | ServiceError::Destroyed { .. }
            | ServiceError::Linked { .. }
            | ServiceError::AlreadyLinked { .. }
            | ServiceError::NotLinked { .. }
            | ServiceError::NotRunning(_)
            | ServiceError::NoBackup { .. }
            | ServiceError::NameInUse(_) => true,
            ServiceError::Deploy(e) => e.is_user_error(),
            _ => false,
        }
    }

    /// True when something named does not exist (answered 404).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            ServiceError::NoSuchService(_) | ServiceError::NoSuchApp(_)
        )
    }
}

impl wharf_domain::Documented for ServiceError {
    fn docs(&self) -> Option<wharf_domain::DocsLink> {
        use wharf_domain::docs_link;
        match self {
            ServiceError::Deploy(error) => error.docs(),
            ServiceError::Linked { .. }
            | ServiceError::AlreadyLinked { .. }
            | ServiceError::NotLinked { .. } => Some(docs_link::SERVICE_LINKS),
            ServiceError::BackupFailed { .. }
            | ServiceError::RestoreFailed { .. }
            | ServiceError::VerifyFailed { .. }
            | ServiceError::NoBackup { .. } => Some(docs_link::SERVICE_BACKUPS),
            ServiceError::NoImage { .. } => Some(docs_link::SERVICE_IMAGES),
            _ => None,
        }
    }
}
