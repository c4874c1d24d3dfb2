#!/usr/bin/env bash
# How soon a redeploy is live, and how soon `wharf deploy` returns, against the floor for the
# same image: `docker run` and its first answer. Not a test: prints a markdown table.
#
# Each round redeploys a busybox httpd app (default scale, so start-first; the image cache is
# warm, so the build is quick), timestamping every line of `wharf deploy`'s output as it
# arrives: "build done" is the build's last line (`Successfully tagged`), "live" is the
# `is live` line, "return" is the command's exit. Then, side by side in the same round, the
# peer: `docker run -d` of the image Wharf just built, polled over HTTP until it answers.
# Uses only loopback and the containers it creates.
#
# Usage: bash bench/deploy.sh      # env: ROUNDS=5 PROFILE=release (or debug: no rebuild)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-5}"
PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = release ]; then
    cargo build --release --quiet
else
    cargo build --quiet
fi
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
wharf="$target_dir/$PROFILE/wharf"
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(free_port)
https_port=$(free_port)
"$wharf" --data-dir "$work/data" server --http-listen "127.0.0.1:$http_port" \
    --https-listen "127.0.0.1:$https_port" --api-listen none --acme-directory off \
    >"$work/server.log" 2>&1 &
pid=$!
peer=""
cleanup() {
    [ -z "$peer" ] || docker rm -f "$peer" >/dev/null 2>&1 || true
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

app="bench-deploy-$$"
mkdir -p "$work/app/www"
printf '# wharf.app = %s\n# wharf.domain = %s.bench.test\nFROM busybox:latest\nCOPY www /www\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' \
    "$app" "$app" >"$work/app/Dockerfile"
echo "round 0" >"$work/app/www/index.html"
"$wharf" --data-dir "$work/data" deploy "$work/app" >/dev/null

# deploy_round N: redeploy; prints "build_done live return" as seconds since the epoch.
deploy_round() {
    echo "round $1" >"$work/app/www/index.html"
    "$wharf" --data-dir "$work/data" deploy "$work/app" 2>&1 | while IFS= read -r line; do
        printf '%s %s\n' "$EPOCHREALTIME" "$line"
    done >"$work/out"
    local returned=$EPOCHREALTIME
    local built live
    built=$(awk '/Successfully tagged/ {t=$1} END {print t}' "$work/out")
    live=$(awk '/ is live/ {print $1; exit}' "$work/out")
    if [ -z "$built" ] || [ -z "$live" ]; then
        echo "round $1: no build or live line:" >&2
        cat "$work/out" >&2
        exit 1
    fi
    echo "$built $live $returned"
}

# docker_round N: docker run the image of release N+1 and wait for its first answer; prints
# the seconds it took.
docker_round() {
    local image="wharf/$app:v$(($1 + 1))" start ip
    start=$EPOCHREALTIME
    peer=$(docker run -d "$image")
    ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$peer")
    until curl -sf -o /dev/null "http://$ip:8080/"; do sleep 0.01; done
    awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN { printf "%.3f", a - b }'
    docker rm -f "$peer" >/dev/null
    peer=""
}

sum_live=0 sum_return=0 sum_docker=0
echo "| round | build done → live (s) | build done → return (s) | docker run → first answer (s) |"
echo "| ---: | ---: | ---: | ---: |"
for round in $(seq 1 "$ROUNDS"); do
    read -r built live returned < <(deploy_round "$round")
    to_live=$(awk -v a="$live" -v b="$built" 'BEGIN { printf "%.3f", a - b }')
    to_return=$(awk -v a="$returned" -v b="$built" 'BEGIN { printf "%.3f", a - b }')
    docker_s=$(docker_round "$round")
    echo "| $round | $to_live | $to_return | $docker_s |"
    sum_live=$(awk -v a="$sum_live" -v b="$to_live" 'BEGIN { print a + b }')
    sum_return=$(awk -v a="$sum_return" -v b="$to_return" 'BEGIN { print a + b }')
    sum_docker=$(awk -v a="$sum_docker" -v b="$docker_s" 'BEGIN { print a + b }')
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "| metric | ratio to docker run → first answer |"
echo "| --- | ---: |"
echo "| build done → live | $(ratio "$sum_live" "$sum_docker") |"
echo "| build done → return | $(ratio "$sum_return" "$sum_docker") |"
