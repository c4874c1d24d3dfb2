#!/usr/bin/env bash
# Installs and starts everything Wharf's tests need on a Debian/Ubuntu machine, idempotently:
# the Docker engine (started by hand where there is no systemd), and the local base images the
# test apps build FROM (no registry can be reached, so they are made from Debian packages).
set -euo pipefail

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || need_apt+=(busybox-static)
[ -f /bin/busybox ] || need_apt+=(busybox-static)
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test-deps: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The docker CLI shipped on some images is only a client; the engine must be docker.io's dockerd.
if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    echo "test-deps: starting dockerd"
    (dockerd >/var/log/dockerd.log 2>&1 &)
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "test-deps: dockerd did not start, see /var/log/dockerd.log" >&2; exit 1; }
fi

# busybox:latest — a tiny image with a shell and an HTTP server, for fast test apps.
if ! docker image inspect busybox:latest >/dev/null 2>&1; then
  echo "test-deps: building local image busybox:latest"
  ctx=$(mktemp -d)
  cp /bin/busybox "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q -t busybox:latest "$ctx" >/dev/null
  rm -rf "$ctx"
fi
echo "test-deps: ready"
