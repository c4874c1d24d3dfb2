#!/usr/bin/env bash
# Makes sure a Docker engine is installed and running (the distribution's docker.io; dockerd is
# started by hand where there is no systemd) and that the base image of the bundled example
# exists. Idempotent: does nothing that is already done.
set -euo pipefail

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${WHARF_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export WHARF_APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /bin/busybox ] || missing+=(busybox-static)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "wharf: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

if ! docker info >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl start docker
  else
    echo "wharf: starting dockerd (no systemd here)"
    # In a session of its own, so that the end of the shell that started it does not end it.
    setsid nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "wharf: dockerd did not start; see /var/log/dockerd.log" >&2; exit 1; }
fi

# busybox:latest, the example app's base image. Pulled where a registry is reachable, else
# built locally from the distribution's static busybox.
if ! docker image inspect busybox:latest >/dev/null 2>&1; then
  if ! timeout 60 docker pull -q busybox:latest >/dev/null 2>&1; then
    echo "wharf: building a local busybox:latest image"
    ctx=$(mktemp -d)
    cp /bin/busybox "$ctx/busybox"
    printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n' >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t busybox:latest "$ctx" >/dev/null 2>&1
    rm -rf "$ctx"
  fi
fi
