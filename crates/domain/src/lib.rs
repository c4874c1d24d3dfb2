//! Wharf's domain types and the rules that validate them: who made a change, app names, domains, the names
//! certificates are for, resource limits, volumes, environment variables, releases, processes
//! and their scales (`PROCESS=COUNT`), and
//! storage mounted by command, where in a cluster an app's tasks may run, API token scopes and lifetimes, the `# wharf.KEY = VALUE` settings read from an app's Dockerfile, and the
//! Heroku/Dokku-style `Procfile` and `app.json` (with their cron schedules).
//!
//! Everything here is pure: no I/O, and no input makes it panic. Every error's
//! message says what is wrong and how to fix it.

mod actor;
mod alert;
mod app_config;
mod app_json;
mod app_name;
mod builder_kind;
mod cert_domain;
mod config_error;
mod cpu;
mod cron;
mod dns_label;
pub mod docs_link;
mod domain_name;
mod env;
mod event_result;
mod exposed_ports;
mod image_ref;
mod log_time;
mod memory;
mod mount_spec;
mod name_error;
mod node;
mod notify_channel;
mod placement;
mod process;
mod process_scale;
mod procfile;
mod protected_paths;
mod release;
mod release_spec;
mod service;
mod span;
mod storage;
mod token_lifetime;
mod token_scope;
mod volume;
mod web_address;

pub use actor::{Actor, ActorError};
pub use alert::{Alert, AlertKind, Severity};
pub use app_config::{
    AppConfig, DEFAULT_PORT, DEFAULT_SCALE, DOCKERFILE_KEYS, DockerfileKey, EnvFromConfig,
    MAX_SCALE,
};
pub use app_json::{AppJson, AppJsonError, CronJob, MAX_FORMATION_QUANTITY, WebHealthcheck};
pub use app_name::AppName;
pub use builder_kind::BuilderKind;
pub use cert_domain::CertDomain;
pub use config_error::{ConfigError, ConfigErrorKind};
pub use cpu::{CpuError, MAX_CPUS, MIN_CPUS, cpus_to_nano, parse_cpus};
pub use cron::{CronError, CronErrorKind, CronSchedule, UtcDateTime};
pub use docs_link::{DocsLink, Documented, explained};
pub use domain_name::{DomainError, DomainName};
pub use env::{EnvError, EnvVars, is_valid_env_key, parse_env_assignment};
pub use event_result::EventResult;
pub use exposed_ports::exposed_ports;
pub use image_ref::{ImageError, ImageRef, ImageSettings, RegistryHost};
pub use log_time::{LogTime, LogTimeError, fixed_time, parse_log_span};
pub use memory::{MIN_MEMORY_BYTES, MemoryError, format_memory, parse_memory, parse_size};
pub use mount_spec::{AbsPath, ContainerPath, MountSource, MountSpec, VolumeName};
pub use name_error::NameError;
pub use node::{
    Availability, LabelChange, NODE_NAME_LABEL, NodeError, NodeLabel, NodeName, SshTarget,
};
pub use notify_channel::{ChannelError, EmailAddress, SmtpServer, WebhookFormat, WebhookUrl};
pub use placement::{PLACEMENT_FORMS, PlacementError, PlacementField, PlacementRule};
pub use process::{ProcessName, WEB, not_started_note, web_concurrency};
pub use process_scale::{ProcessScale, ScaleError};
pub use procfile::{Procfile, ProcfileError, ProcfileErrorKind, RELEASE};
pub use protected_paths::{ProtectedPath, ProtectedPaths};
pub use release::{ReleaseError, ReleaseStatus, ReleaseVersion};
pub use release_spec::{
    CronSpec, HealthCheckSpec, ProbeDefaults, ProcessSettings, ProcessSpec, ReleaseSpec,
};
pub use service::{
    REDIS_TLS_PORT, SERVICE_TLS_FILES, SERVICES_CA_IN_APPS, ServiceKind, ServiceName,
    check_service_version, service_resource_name,
};
pub use span::{SpanFault, parse_span};
pub use storage::{MountSelector, StorageError, same_path};
pub use token_lifetime::{
    LifetimeError, MAX_TOKEN_LIFETIME, parse_token_lifetime, token_expires_at,
};
pub use token_scope::{Operation, Resource, ScopeRefusal, TokenScope};
pub use volume::{VolumeError, VolumeSource, VolumeSpec};
pub use web_address::{AddressError, PathError, WebAddress};
