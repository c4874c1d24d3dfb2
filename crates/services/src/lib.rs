//! Database services: PostgreSQL, MySQL, MariaDB and Redis, each a container of the usual image
//! with a named volume and a private network, linked to apps by a config var (DATABASE_URL,
//! REDIS_URL) and by their containers joining that network; speaking TLS with certificates
//! from a CA Wharf keeps (`tls.rs`); backed up on demand or on a
//! schedule into the data directory, restored, and verified by restoring into a scratch
//! container.

mod backup;
mod container;
mod error;
mod links;
mod manager;
mod remote;
mod schedule;
mod tls;

pub use backup::{RestoreSource, VerifyReport};
pub use error::ServiceError;
pub use manager::{CreateRequest, ServiceStatus, Services};
pub use tls::{APP_CA_PATH, ca_certificate_path};
