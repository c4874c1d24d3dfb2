#!/usr/bin/env bash
# Builds the base images that example apps and their tests start FROM (python:3.13-slim) from
# Debian's packages, for machines that cannot pull from a registry (tests, CI). Real Dockerfiles
# then build unchanged: `docker build` uses a local tag without pulling.
#
# The Python image behaves as the official one does where apps notice: `python`, `pip` and
# `python3` are on the PATH, `pip install` installs system-wide (into /usr/local, no
# "externally managed" refusal), and TLS trusts the host's CA bundle, so packages can be
# installed from PyPI inside builds wherever the host itself can reach it.
# Images that already exist are kept. Needs root, debootstrap and a running Docker engine.
set -euo pipefail
suite=trixie
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${WHARF_IMAGE_WORK:-/var/tmp/wharf-base-images}
tag=python:3.13-slim

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "wharf: image $tag is already there"
  exit 0
fi
command -v debootstrap >/dev/null 2>&1 || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

root="$work/python"
echo "wharf: building image $tag from Debian $suite's python3 (about a minute)"
rm -rf "$root"
mkdir -p "$work"
debootstrap --variant=minbase \
  --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
  "$suite" "$root" "$mirror" >"$root.log" 2>&1 || { tail -n 20 "$root.log" >&2; exit 1; }
# Registries may be reached through a proxy whose CA only the host trusts.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
# The official image's pip installs system-wide; Debian's refuses without this marker removed.
rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -c 'CMD ["python3"]' \
  - "$tag" >/dev/null
rm -rf "$root" "$root.log"
echo "wharf: image $tag built"
