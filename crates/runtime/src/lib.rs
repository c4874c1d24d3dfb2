//! Wharf's runtime: a thin, typed layer over the Docker Engine API (v1.41+).
//!
//! It builds images from tar contexts with the classic builder, runs app
//! containers, lists/inspects/stops/removes them, reads their logs,
//! manages images and creates the named volumes apps' storage asks for, reads what containers
//! use (`Docker::usage`, one reading at a time), and notices when
//! the engine itself goes away; and, for a cluster, makes the engine a Swarm manager and
//! lists and changes the Swarm's nodes (`swarm`), and runs an app's process as a Swarm service
//! whose tasks the proxy reaches directly (`service`), and a one-off command as a Swarm job on
//! a node (`job`).
//! Everything it creates carries the label `wharf.managed=true`; listing only
//! ever returns such objects, and mutating calls refuse objects without it.

mod build;
mod commit;
mod container;
mod docker;
mod engine;
mod error;
mod events;
mod exec;
mod files;
mod image;
mod job;
pub mod labels;
mod logs;
mod network;
mod oneoff;
mod pinned;
mod pinned_secrets;
mod push;
mod service;
mod service_update;
mod stats;
mod swarm;
mod swarm_config;
mod volume;

pub use build::RegistryAuth;
pub use container::{ConfigFile, ContainerInfo, ContainerSpec, Mount, PortBinding, RestartPolicy};
pub use docker::{DEFAULT_SOCKET, Docker};
pub use engine::EngineFacts;
pub use error::{BuildError, MIN_API_VERSION, RuntimeError};
pub use events::{ContainerAction, ContainerEvent};
pub use exec::{ExecResult, ExecSpec, KEPT_STDERR};
pub use files::FileEntry;
pub use image::ImageInfo;
pub use job::JobTask;
pub use logs::{LogLine, LogStream};
pub use oneoff::{Attached, OneOffSpec, Output};
pub use pinned::{PinnedService, SecretFile, node_constraint};
pub use service::{ServiceInfo, ServiceTask};
pub use stats::ContainerUsage;
pub use swarm::{NodeUpdate, SWARM_PORT, SwarmMembership, SwarmNode};
