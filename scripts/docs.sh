#!/usr/bin/env bash
# Builds the documentation site from docs/ (an mdBook: book.toml, docs/SUMMARY.md) into
# target/docs-site/: static files, with search, that any web server can serve. A `cargo build`
# afterwards embeds them in wharf, which serves them at /docs.
# Installs the pinned mdbook first when it is missing (`cargo install`, kept in ~/.cargo/bin).
#   scripts/docs.sh            install if needed, then build
#   scripts/docs.sh --install  only install
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.5.4
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$(mdbook --version 2>/dev/null)" != "mdbook v$version" ]; then
  echo "wharf: installing mdbook $version (cargo install)"
  # Only the search feature: no `serve` or `watch`, which the build needs not.
  cargo install mdbook --locked --version "$version" --no-default-features --features search --quiet
fi
[ "${1:-}" = --install ] && exit 0
mdbook build
echo "wharf: the documentation site is in target/docs-site/ (open index.html; wharf serves it at /docs once built again)"
