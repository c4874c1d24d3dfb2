#!/usr/bin/env bash
# Builds the wharf binary of the release before this checkout (from CHANGELOG.md) for the
# upgrade tests (tests/e2e/upgrade.rs): a server that version made is upgraded in place to this one, and refuses to go back.
# Writes target/previous/wharf and target/previous/version. A binary already built for the
# release's commit is kept in ~/.cache/wharf-tests/ and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The releases and their commits are listed in CHANGELOG.md ("## X.Y.Z (date)" then
# "Commit: SHA"): a clone without tags (CI's) still finds them. The previous release is the
# newest one whose version is not this checkout's.
current=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
read -r version commit < <(awk -v current="$current" '
  /^## [0-9]+\.[0-9]+\.[0-9]+ / { version = $2; next }
  /^Commit: [0-9a-f]+$/ && version != "" && version != current { print version, $2; exit }
' CHANGELOG.md) || true
if [ -z "${commit:-}" ]; then
  echo "wharf: CHANGELOG.md names no release before $current with its commit (a 'Commit: SHA' line)" >&2
  exit 1
fi
if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "wharf: release $version's commit $commit is not in this clone; fetch the full history: git fetch --unshallow" >&2
  exit 1
fi
tag=v$version
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
