#!/usr/bin/env bash
# Builds the base images that apps and their tests start FROM, from Debian's packages, for
# machines that cannot pull from a registry (tests, CI): python:3.13-slim and python:3.11-slim
# (apps with a Dockerfile, and Wharf's Python builder), node:20-slim, golang:1.24 and
# debian:trixie-slim (Wharf's Node and Go builders). Each is tagged as the official image a
# user's server would pull, so real Dockerfiles and the ones Wharf generates build unchanged:
# `docker build` uses a local tag without pulling.
#
# Each image behaves as the official one does where apps notice:
# - Python: `python`, `pip` and `python3` are on the PATH, and `pip install` installs
#   system-wide (into /usr/local, no "externally managed" refusal).
# - Node: `node` and `npm` on the PATH, and the `node` user (uid 1000, home /home/node) that
#   Dockerfiles switch to.
# - Go: `go` on the PATH, GOPATH=/go, and the toolchain in the image is the one used
#   (GOTOOLCHAIN=local: no download of another Go).
# - Every image trusts the host's CA bundle (registries may be reached through a proxy whose
#   CA only the host trusts), so PyPI and npm work inside builds wherever the host reaches them.
# Images that already exist are kept; the others are built side by side. mmdebstrap rather than
# debootstrap: it fetches packages through apt (in parallel, where debootstrap fetches one at a
# time) and follows npm's dependencies, which debootstrap cannot (virtual packages); node:20-slim
# took about 5 minutes with debootstrap and apt, 1.5 with mmdebstrap. Needs root, mmdebstrap and
# a running Docker engine. Sourced, it defines its functions (`image`) and builds nothing.
set -euo pipefail
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${WHARF_IMAGE_WORK:-/var/tmp/wharf-base-images}
path='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

command -v mmdebstrap >/dev/null 2>&1 || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}

# What each image adds to its bootstrapped root ($1) beyond its packages.
python_root() {
  # The official image's pip installs system-wide; Debian's refuses without this marker removed.
  rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED
}
# The tag promises a version: refuse to tag a root whose tool is another one.
expect_version() {
  local root=$1 want=$2
  shift 2
  chroot "$root" "$@" 2>/dev/null | grep -q "$want" || {
    echo "wharf: $* in the new root is not $want" >&2
    return 1
  }
}
node_root() {
  expect_version "$1" '^v20\.' node --version || return 1
  # The official image's unprivileged user, which Wharf's Node Dockerfile runs as.
  chroot "$1" groupadd --gid 1000 node
  chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
}
go_root() {
  expect_version "$1" '^go1\.24\.' cat /usr/lib/go/VERSION || return 1
  # The official image's GOPATH, writable by the builds' users.
  mkdir -p "$1/go/bin" "$1/go/src"
  chmod -R 0777 "$1/go"
}
plain_root() { :; }

# image TAG SUITE PACKAGES ROOT-FUNCTION IMPORT-CHANGES...
image() {
  local tag=$1 suite=$2 packages=$3 finish=$4
  shift 4
  if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "wharf: image $tag is already there"
    return
  fi
  local root="$work/${tag//[:\/]/-}"
  echo "wharf: building image $tag from Debian $suite's $packages (a minute or two)"
  rm -rf "$root"
  mkdir -p "$work"
  mmdebstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
    >"$root.log" 2>&1 || { tail -n 20 "$root.log" >&2; return 1; }
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  "$finish" "$root" || return 1
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  local changes=(-c "$path" -c 'ENV LANG=C.UTF-8')
  for change in "$@"; do changes+=(-c "$change"); done
  tar -C "$root" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$root" "$root.log"
  echo "wharf: image $tag built"
}

# Sourced (scripts/node-image.sh reuses `image`): the functions only.
[[ "${BASH_SOURCE[0]}" == "$0" ]] || return 0

python=python3,python3-venv,python3-pip,python-is-python3,ca-certificates
image python:3.13-slim trixie "$python" python_root 'CMD ["python3"]' &
image python:3.11-slim bookworm "$python" python_root 'CMD ["python3"]' &
# Node reads the system's CA store, so npm trusts the host's CA with no setting of its own.
image node:20-slim trixie nodejs,npm,ca-certificates node_root 'CMD ["node"]' &
# The PATH given last wins: the official image's GOPATH/bin comes first.
image golang:1.24 trixie golang-go,ca-certificates,git go_root \
  'ENV PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'ENV GOPATH=/go' 'ENV GOTOOLCHAIN=local' 'WORKDIR /go' 'CMD ["bash"]' &
image debian:trixie-slim trixie ca-certificates plain_root 'CMD ["bash"]' &
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
exit $failed
