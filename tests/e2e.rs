#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End-to-end tests: the real `wharf` binary, the real Docker engine, real HTTP clients.
//! They need a running Docker engine and the local `busybox:latest` image; `scripts/test-deps.sh`
//! installs and starts both.

mod e2e {
    mod bad_input;
    mod deploy;
    pub mod harness;
    mod releases;
    mod restart;
    mod run_logs;
    mod zero_downtime;
}
