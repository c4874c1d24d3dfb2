#!/usr/bin/env bash
# Runs every test: unit tests beside the code and the end-to-end tests against the real Docker
# engine. Installs and starts what they need first. Run as root (Docker and port binding).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh
# The previous release, for the upgrade tests.
scripts/previous-release.sh
# The documentation site, built before the tests so that the daemon they build embeds it, and
# the Debian package and binary made from a debug build (tests/e2e/package.rs installs it).
scripts/package.sh --profile debug
cargo fmt --all -- --check
cargo test --workspace --all-targets -- --test-threads 3
