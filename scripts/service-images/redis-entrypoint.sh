#!/bin/sh
# Test image entrypoint with the official redis image's interface: `redis-server ARGS...` runs as
# the `redis` user in /data; anything else runs as given.
set -eu
if [ "${1:-}" != redis-server ]; then exec "$@"; fi
mkdir -p /data
chown -R redis:redis /data
cd /data
exec setpriv --reuid=redis --regid=redis --init-groups "$@"
