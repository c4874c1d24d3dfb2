#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End-to-end tests: the real `wharf` binary, the real Docker engine, real HTTP clients.
//! They need a running Docker engine and the local `busybox:latest`, database and
//! `python:3.13-slim` images; `scripts/test-deps.sh` installs and starts the engine and builds them.

mod e2e {
    mod acme;
    mod api_https;
    mod bad_input;
    mod cron;
    mod deploy;
    mod django;
    mod domains;
    mod engine_restart;
    mod git_push;
    mod handover;
    pub mod harness;
    mod heroku_flow;
    mod pebble;
    mod procfile;
    mod releases;
    mod restart;
    mod run_logs;
    mod scale;
    pub mod second_engine;
    mod services;
    mod sshd;
    mod storage;
    mod tls;
    mod zero_downtime;
}
