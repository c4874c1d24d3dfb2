#!/usr/bin/env bash
# Builds the database images Wharf's services use by default (postgres:17, mariadb:11, redis:8),
# and the registry a cluster's manager runs (registry:2, Docker's distribution registry), from
# Debian's packages, for machines that cannot pull from a registry (tests, CI). Each image
# gets an entrypoint with the official image's interface (the same environment variables, data
# directories and commands), so Wharf runs it exactly as it runs the official one.
# Images that already exist are kept, unless their entrypoint is not this checkout's. Needs root, debootstrap and a running Docker engine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=trixie
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${WHARF_IMAGE_WORK:-/var/tmp/wharf-service-images}

command -v debootstrap >/dev/null 2>&1 || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

# build TAG PACKAGES ENTRYPOINT IMPORT-CHANGES...
build() {
  local tag=$1 packages=$2 entrypoint=$3
  shift 3
  if docker image inspect "$tag" >/dev/null 2>&1; then
    # Kept only while its entrypoint is this checkout's: one made by an older script is rebuilt.
    if docker run --rm --entrypoint cat "$tag" /usr/local/bin/docker-entrypoint.sh 2>/dev/null |
      cmp -s - "$here/service-images/$entrypoint"; then
      echo "wharf: image $tag is already there"
      return
    fi
    echo "wharf: image $tag has an older entrypoint: building it again"
  fi
  local root="$work/${tag%%:*}"
  echo "wharf: building image $tag from Debian's $packages (a minute or two)"
  rm -rf "$root"
  mkdir -p "$work"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
    >"$root.log" 2>&1 || { tail -n 20 "$root.log" >&2; return 1; }
  # Data directories start empty, as in the official images: the entrypoint initialises them.
  rm -rf "$root"/var/lib/mysql/* "$root"/var/lib/postgresql/* "$root"/var/lib/redis/*
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  install -m 0755 "$here/service-images/$entrypoint" "$root/usr/local/bin/docker-entrypoint.sh"
  # Debian names the registry's binary docker-registry; the official image calls it registry.
  if [ -x "$root/usr/bin/docker-registry" ]; then
    ln -sf /usr/bin/docker-registry "$root/usr/local/bin/registry"
  fi
  local changes=(-c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]')
  for change in "$@"; do changes+=(-c "$change"); done
  tar -C "$root" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$root"
  echo "wharf: image $tag built"
}

build postgres:17 postgresql-17 postgres-entrypoint.sh \
  'ENV PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'ENV PGDATA=/var/lib/postgresql/data' 'VOLUME /var/lib/postgresql/data' \
  'EXPOSE 5432' 'CMD ["postgres"]' &
build mariadb:11 mariadb-server,mariadb-client mariadb-entrypoint.sh \
  'VOLUME /var/lib/mysql' 'EXPOSE 3306' 'CMD ["mariadbd"]' &
build redis:8 redis-server,redis-tools redis-entrypoint.sh \
  'WORKDIR /data' 'VOLUME /data' 'EXPOSE 6379' 'CMD ["redis-server"]' &
build registry:2 docker-registry registry-entrypoint.sh \
  'VOLUME /var/lib/registry' 'EXPOSE 5000' 'CMD ["/etc/docker/registry/config.yml"]' &
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
exit $failed
