#!/usr/bin/env bash
# Builds the wharf binary of the release before this checkout (the newest `v*` tag behind
# HEAD, or the one before HEAD's own tag) for the upgrade tests (tests/e2e/upgrade.rs): a
# server that version made is upgraded in place to this one, and refuses to go back.
# Writes target/previous/wharf and target/previous/version. A binary already built for the
# tag's commit is kept in ~/.cache/wharf-tests/ and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tag=$(git describe --tags --abbrev=0 --match 'v*' HEAD 2>/dev/null) || {
  echo "wharf: no release tag (v*) behind HEAD; fetch the tags: git fetch --tags" >&2
  exit 1
}
if [ "$(git rev-parse "$tag^{commit}")" = "$(git rev-parse HEAD)" ]; then
  tag=$(git describe --tags --abbrev=0 --match 'v*' HEAD^)
fi
commit=$(git rev-parse "$tag^{commit}")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wharf-tests
mkdir -p "$cache" target/previous

if [ ! -x "$cache/wharf-$commit" ]; then
  echo "wharf: building $tag ($commit) for the upgrade tests"
  src=$root/target/previous/src
  git worktree remove --force "$src" 2>/dev/null || rm -rf "$src"
  git worktree add --quiet --detach "$src" "$commit"
  # The same target directory: the dependencies both versions share are built once.
  (cd "$src" && CARGO_TARGET_DIR=$root/target cargo build --locked --quiet -p wharf --bin wharf)
  cp "$root/target/debug/wharf" "$cache/wharf-$commit.tmp"
  mv "$cache/wharf-$commit.tmp" "$cache/wharf-$commit"
  git worktree remove --force "$src"
  # The next cargo build puts this checkout's own binary back.
  rm -f "$root/target/debug/wharf"
fi
ln -sf "$cache/wharf-$commit" target/previous/wharf
echo "$tag" > target/previous/version
echo "wharf: $tag is at target/previous/wharf"
