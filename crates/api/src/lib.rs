//! Wharf's HTTP API contract: every request and response body of the API, its query strings,
//! the paths it is served on ([`paths`]) and the OpenAPI document derived from them
//! ([`ApiDoc`]). The daemon's handlers take and answer exactly these types and the command
//! line sends and decodes exactly these, so the two cannot drift apart. No I/O here.
//!
//! Changes of state that deploy (config, scale, limits, storage, links, rollback, stop/start)
//! and deploys themselves answer with a stream of newline-delimited [`ProgressEvent`]s; logs
//! stream [`LogEvent`]s. Every error is answered as an [`ErrorBody`].

mod apps;
mod certs;
mod cluster;
mod config;
mod doc;
mod domains;
mod error;
mod events;
mod logs;
mod notify;
pub mod paths;
mod processes;
mod progress;
mod run;
mod services;
mod stats;
mod storage;

pub use apps::{AppDestroyed, AppSummary, CronJob, CronJobs, CronRun, Release, ReleaseStatus};
pub use apps::{DiskSpace, HostFacts, ServerStatus};
pub use certs::{
    AcmeDomain, AcmeStatus, CertList, CertRemoved, CertSource, CertUploadRequest, Certificate,
};
pub use cluster::{
    AddNodeRequest, AvailabilityRequest, ClusterInitRequest, ClusterInitialized, ClusterStatus,
    LabelsRequest, Node, NodeJoin, NodeRemoved, Nodes, RegistryTrust, RemoveNodeQuery,
    RenameNodeRequest, TrustFile,
};
pub use config::{ConfigChangeRequest, ConfigQuery, ConfigVars, RollbackRequest};
pub use doc::ApiDoc;
pub use domains::{AddDomainRequest, AppDomains};
pub use error::ErrorBody;
pub use events::{ACTOR_ENV, ACTOR_HEADER, Event, EventResult, Events, EventsQuery};
pub use logs::{LogEntry, LogEvent, LogStream, LogsQuery, ReleaseLog};
pub use notify::{
    AddEmailRequest, AddWebhookRequest, NotifyChannel, NotifyChannelRemoved, NotifyChannels,
    NotifyTestSent,
};
pub use processes::{
    LifecycleAction, LifecycleRequest, LimitsRequest, ProcessFormation, ProcessStatus, ScaleQuery,
    ScaleRequest,
};
pub use progress::{DeployQuery, Deployed, ImageDeployRequest, Message, Outcome, ProgressEvent};
pub use run::{ConnectRequest, RunRequest, RunStarted, Terminal};
pub use services::{
    Backup, BackupScheduleRequest, CreateServiceRequest, DestroyServiceQuery, ExposeRequest,
    RestoreQuery, Restored, Service, ServiceDestroyed, ServiceQuery, VerifyReport,
};
pub use stats::{
    AppStats, AppUsage, HostUsage, ServedTraffic, ServerStats, ServiceUsage, StatsQuery,
    StatsSample, Usage,
};
pub use storage::{MountKind, MountRequest, StorageMount, StorageMounts, UnmountRequest};
