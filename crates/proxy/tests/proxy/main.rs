//! Integration tests of the proxy against real loopback backends.

// Helpers outside #[test] fns panic on setup failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod backend_wire;
mod balancing;
mod health;
mod lifecycle;
mod module_graph;
mod routing;
mod streaming;
mod tls;
mod traffic;
mod upgrade;
