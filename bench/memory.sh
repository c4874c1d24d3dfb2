#!/usr/bin/env bash
# Resident memory of the Wharf daemon, idle and with 20 small apps deployed and served.
# Not a test: prints a markdown table. Uses only loopback and the containers it creates.
# Usage: sudo bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh >/dev/null
cargo build --release --quiet
# Wherever cargo builds (CARGO_TARGET_DIR is honoured).
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
wharf="$target_dir/release/wharf"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$wharf" --data-dir "$work/data" server --http-listen "127.0.0.1:$port" --api-listen none >"$work/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -f "$work/data/instance-id" ]; then
    label="label=wharf.instance=$(cat "$work/data/instance-id")"
    ids=$(docker ps -aq --filter "$label"); [ -z "$ids" ] || docker rm -f $ids >/dev/null
    ids=$(docker images -q --filter "$label" | sort -u); [ -z "$ids" ] || docker rmi -f $ids >/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do [ -S "$work/data/wharf.sock" ] && break; sleep 0.1; done
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }
idle=$(rss)
for i in $(seq 1 20); do
  app="$work/app$i"
  mkdir -p "$app/www"
  echo "app $i" >"$app/www/index.html"
  printf '# wharf.app = bench%s\n# wharf.domain = app%s.bench.test\n# wharf.scale = 1\nFROM busybox:latest\nCOPY www /www\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' "$i" "$i" >"$app/Dockerfile"
  "$wharf" --data-dir "$work/data" deploy "$app" >/dev/null
done
# Serve traffic to every app so connection pools and buffers are in use.
for round in 1 2 3; do
  for i in $(seq 1 20); do
    curl -s -o /dev/null -H "Host: app$i.bench.test" "http://127.0.0.1:$port/"
  done
done
wrk -t1 -c20 -d5s -H "Host: app1.bench.test" "http://127.0.0.1:$port/" >/dev/null
loaded=$(rss)
echo "| daemon | resident memory (MiB) |"
echo "|---|---|"
echo "| idle, no apps | $idle |"
echo "| 20 apps deployed, after serving traffic | $loaded |"
