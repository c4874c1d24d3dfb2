//! Error types of the runtime crate.
//!
//! [`RuntimeError`] covers talking to the Docker engine; [`BuildError`] covers
//! image builds, which can additionally fail inside a Dockerfile step. Display
//! strings are written for the person running Wharf, and include the engine's
//! own message where there is one.

use std::error::Error as _;
use std::path::PathBuf;

use bollard::errors::Error as BollardError;

/// The oldest Engine API version Wharf supports (Docker 20.10).
pub const MIN_API_VERSION: (usize, usize) = (1, 41);

/// An error talking to the Docker engine.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The engine could not be reached at all (not running, wrong socket, no permission).
    #[error(
        "the Docker engine is not reachable at {socket}: {reason}. Is Docker running? \
         Start it (e.g. `sudo systemctl start docker`), check that the socket exists and that \
         this user may use it (e.g. is in the `docker` group), or set DOCKER_HOST to point at \
         the engine",
        reason = describe(source)
    )]
    Unreachable {
        /// The socket path or host URL that was tried.
        socket: String,
        /// What went wrong.
        #[source]
        source: BollardError,
    },

    /// The engine is older than Wharf supports.
    #[error(
        "the Docker engine speaks API version {version}, but Wharf needs at least {}.{} \
         (Docker 20.10 or newer); please upgrade Docker",
        MIN_API_VERSION.0, MIN_API_VERSION.1
    )]
    TooOld {
        /// The engine's API version, e.g. `1.40`.
        version: String,
    },

    /// The engine answered with an error (or the request failed mid-way).
    #[error("Docker engine error while {context}: {reason}", reason = describe(source))]
    Api {
        /// What Wharf was doing, e.g. `creating container wharf-blog-web-v3-1`.
        context: String,
        /// The underlying client error.
        #[source]
        source: BollardError,
    },

    /// The named object does not exist, e.g. `container wharf-blog-web-v3-1`.
    #[error("{0} not found")]
    NotFound(String),

    /// Wharf refuses to modify an object it did not create (no `wharf.managed=true` label).
    #[error("refusing to modify {0}: it was not created by Wharf (no wharf.managed=true label)")]
    NotManaged(String),

    /// The engine refused because of a conflict (name already in use, image used by a container, ...).
    #[error("conflict while {context}: {message}")]
    Conflict {
        /// What Wharf was doing.
        context: String,
        /// The engine's explanation.
        message: String,
    },

    /// The caller passed something Docker cannot represent (e.g. an env var name containing `=`).
    #[error("invalid container spec: {0}")]
    InvalidSpec(String),

    /// Copying a command's input or output to or from a local file failed.
    #[error("{0}")]
    Io(String),
}

/// An error building an image.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A Dockerfile step failed; `step` is the builder's header line.
    #[error("build failed at \"{step}\": {message}")]
    StepFailed {
        /// e.g. `Step 3/7 : RUN false`.
        step: String,
        /// The engine's error, e.g. `The command '/bin/sh -c false' returned a non-zero code: 1`.
        message: String,
        /// Images this build created for the steps before the failing one. They carry no tag
        /// or label; they serve as cache for a retry, and the caller removes them later with
        /// [`crate::Docker::remove_build_leftover`] so they do not pile up.
        intermediates: Vec<String>,
    },

    /// The engine refused the build before any step ran (bad Dockerfile syntax,
    /// missing Dockerfile, unreadable context, ...).
    #[error("the Docker engine rejected the build: {message}")]
    Rejected {
        /// The engine's error message.
        message: String,
    },

    /// Talking to the engine failed.
    #[error(transparent)]
    Engine(#[from] RuntimeError),

    /// The build context file could not be read.
    #[error("cannot read build context {}: {source}", path.display())]
    Io {
        /// The tar file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Human-readable description of a bollard error: the engine's message for
/// server errors, otherwise the error and its causes joined by `: `.
pub(crate) fn describe(err: &BollardError) -> String {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => {
            if message.trim().is_empty() {
                format!("HTTP status {status_code}")
            } else {
                message.trim().to_owned()
            }
        }
        BollardError::DockerStreamError { error } => error.trim().to_owned(),
        BollardError::SocketNotFoundError(path) => format!("socket {path} does not exist"),
        BollardError::RequestTimeoutError => "the request timed out".to_owned(),
        // hyper's wrappers ("client error (Connect)") say little; the root
        // cause ("Connection refused (os error 111)") says it all.
        BollardError::HyperLegacyError { .. } => {
            let mut deepest: &dyn std::error::Error = err;
            while let Some(next) = deepest.source() {
                deepest = next;
            }
            deepest.to_string()
        }
        other => {
            let mut parts = vec![other.to_string()];
            let mut cause = other.source();
            while let Some(c) = cause {
                let text = c.to_string();
                if !parts.iter().any(|p| p.contains(&text)) {
                    parts.push(text);
                }
                cause = c.source();
            }
            parts.join(": ")
        }
    }
}

/// HTTP status of an engine error response, if it is one.
pub(crate) fn status_of(err: &BollardError) -> Option<u16> {
    match err {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// True if the error means "no such object".
pub(crate) fn is_not_found(err: &BollardError) -> bool {
    status_of(err) == Some(404)
}

/// True if the error means the object went while the engine worked on it: a Swarm network
/// removed by its own cluster between a look-up and a removal is refused as `network ID not
/// found` with a 500, not a 404.
pub(crate) fn is_gone_meanwhile(err: &BollardError) -> bool {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => *status_code == 404 || (*status_code == 500 && message.ends_with("not found")),
        _ => false,
    }
}

/// True if the error means the engine could not be reached at all.
pub(crate) fn is_connection_failure(err: &BollardError) -> bool {
    match err {
        BollardError::SocketNotFoundError(_) => true,
        BollardError::HyperLegacyError { err } => err.is_connect(),
        BollardError::IOError { err } => matches!(
            err.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::NotFound
                | std::io::ErrorKind::PermissionDenied
        ),
        _ => false,
    }
}

impl RuntimeError {
    /// Classifies a bollard error from an operation described by `context`:
    /// connection failures become [`RuntimeError::Unreachable`], HTTP 409
    /// becomes [`RuntimeError::Conflict`], everything else [`RuntimeError::Api`].
    /// (404 is left to callers, who know what was not found.)
    pub(crate) fn from_bollard(
        endpoint: &str,
        context: impl Into<String>,
        err: BollardError,
    ) -> Self {
        if is_connection_failure(&err) {
            return RuntimeError::Unreachable {
                socket: endpoint.to_owned(),
                source: err,
            };
        }
        if status_of(&err) == Some(409) {
            return RuntimeError::Conflict {
                context: context.into(),
                message: describe(&err),
            };
        }
        RuntimeError::Api {
            context: context.into(),
            source: err,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_the_swarm_removed_meanwhile_is_gone_not_an_error() {
        let server = |status_code: u16, message: &str| BollardError::DockerResponseServerError {
            status_code,
            message: message.into(),
        };
        assert!(is_gone_meanwhile(&server(
            500,
            "network l9eg1iu5x4e0fy9129fsg4t72 not found"
        )));
        assert!(is_gone_meanwhile(&server(404, "no such network")));
        assert!(!is_gone_meanwhile(&server(500, "boom")));
        assert!(!is_gone_meanwhile(&server(
            403,
            "network x has active endpoints; not found"
        )));
    }

    #[test]
    fn server_error_shows_daemon_message() {
        let e = RuntimeError::Api {
            context: "creating container x".into(),
            source: BollardError::DockerResponseServerError {
                status_code: 500,
                message: "boom".into(),
            },
        };
        assert_eq!(
            e.to_string(),
            "Docker engine error while creating container x: boom"
        );
    }

    #[test]
    fn conflict_is_classified() {
        let e = RuntimeError::from_bollard(
            "unix:///x",
            "removing image y",
            BollardError::DockerResponseServerError {
                status_code: 409,
                message: "image is being used by running container abc".into(),
            },
        );
        assert!(matches!(e, RuntimeError::Conflict { .. }), "{e:?}");
    }

    #[test]
    fn too_old_mentions_minimum() {
        let e = RuntimeError::TooOld {
            version: "1.40".into(),
        };
        assert!(e.to_string().contains("1.41"));
    }
}
