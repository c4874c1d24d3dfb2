#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End-to-end tests: the real `wharf` binary, the real Docker engine, real HTTP clients.
//! They need a running Docker engine and the local `busybox:latest`, database and language
//! images (`python:3.13-slim`, `node:20-slim`, `golang:1.24`, `debian:trixie-slim`...);
//! `scripts/test-deps.sh` installs and starts the engine and builds them.

mod e2e {
    mod access_log;
    mod acme;
    mod activity;
    mod alerts;
    mod api_https;
    mod background_drain;
    mod bad_input;
    mod boot_crash;
    mod builders;
    mod builders_go;
    mod builders_node;
    mod builders_python;
    mod cli_output;
    mod cluster;
    mod cluster_apps;
    mod cluster_dbnode;
    mod cluster_failover;
    pub mod cluster_harness;
    mod cluster_jobs;
    mod cluster_links;
    mod cron;
    mod dashboard;
    mod dashboard_admin;
    mod dashboard_console;
    mod dashboard_db;
    mod dashboard_live;
    mod dashboard_pages;
    mod dashboard_processes;
    mod dashboard_totp;
    mod deploy;
    mod destroy_certs;
    mod django;
    mod docs_site;
    mod domains;
    mod engine_restart;
    mod first_session;
    mod git_push;
    mod guides;
    mod handover;
    pub mod harness;
    mod heroku_flow;
    mod install_script;
    mod kept_logs;
    mod metrics;
    mod mypaas_forms;
    mod notify;
    mod package;
    mod pebble;
    mod plain_http;
    mod prebuilt_images;
    mod predeploy;
    mod procfile;
    mod protected_mounts;
    mod releases;
    mod restart;
    mod run_logs;
    mod scale;
    pub mod second_engine;
    mod services;
    mod services_tls;
    mod sinks;
    mod ssh_flags;
    mod sshd;
    mod stats;
    mod storage;
    mod tls;
    mod token_scopes;
    mod upgrade;
    mod volume_owner;
    mod wrong_port;
    mod zero_downtime;
}
