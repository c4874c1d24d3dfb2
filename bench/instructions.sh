#!/usr/bin/env bash
# User-space instructions per proxied request, Wharf's proxy against nginx, counted by
# valgrind's callgrind: unlike requests/s, the count does not move with the load of a shared
# machine. Both run one worker (Wharf: WHARF_WORKERS=1; nginx: worker_processes 1, no master)
# in front of the same backend, with the same per-request work as bench/proxy.sh, and get
# the same wrk load (1 thread, CONNS connections, DURATION) one after the other. The counts
# include start-up (a few million instructions, under 1% of a run).
#
# Usage: bench/instructions.sh   (env: DURATION=15s CONNS=8 BASELINE= BASELINE_FLAGS=)
# BASELINE=PATH: count another build of the standalone proxy too, with BASELINE_FLAGS
# (e.g. BASELINE=target/release/examples/standalone BASELINE_FLAGS=--no-metrics: the same
# build with its traffic counters off).
set -euo pipefail

cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
CONNS="${CONNS:-8}"
BACKEND_ADDR="127.0.0.1:19000"
PROXY_ADDR="127.0.0.1:19081"
HOST="example.test"

for tool in wrk nginx valgrind callgrind_annotate cargo; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

# shellcheck source=bench/common.sh
source bench/common.sh

"$BIN/backend" --listen "$BACKEND_ADDR" 2>"$TMP/backend.log" &
PIDS+=($!)
wait_port "$BACKEND_ADDR"

nginx_conf "worker_processes 1;
master_process off;
daemon off;" "access_log off;" "listen $PROXY_ADDR;" >"$TMP/nginx.conf"

# count NAME STOP_SIGNAL CMD... -> prints instructions per request, and records it.
count() {
    local name="$1" signal="$2" out="$TMP/$1.callgrind" pid reqs total
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" 2>"$TMP/$name.valgrind.log" &
    pid=$!
    # Start-up under valgrind is slow.
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/${PROXY_ADDR%:*}/${PROXY_ADDR#*:}") 2>/dev/null && break
        sleep 0.1
    done
    reqs="$(wrk -t1 -c"$CONNS" -d"$DURATION" -H "Host: $HOST" "http://$PROXY_ADDR/" | awk '/requests in/ {print $1}')"
    kill "-$signal" "$pid"
    wait "$pid" 2>/dev/null || true
    total="$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')"
    [ -n "$reqs" ] && [ "$reqs" -gt 0 ] && [ -n "$total" ] || { echo "$name: no result" >&2; exit 1; }
    echo "$((total / reqs))" >"$TMP/$name.ipr"
    echo "  $name: $reqs requests, $((total / reqs)) instructions per request" >&2
}

export WHARF_WORKERS=1
count wharf INT "$BIN/standalone" --listen "$PROXY_ADDR" --route "$HOST=$BACKEND_ADDR"
if [ -n "${BASELINE:-}" ]; then
    # shellcheck disable=SC2086 # flags are words
    count baseline INT "$BASELINE" ${BASELINE_FLAGS:-} --listen "$PROXY_ADDR" --route "$HOST=$BACKEND_ADDR"
fi
count nginx QUIT nginx -e "$TMP/nginx/error.log" -c "$TMP/nginx.conf"

W="$(cat "$TMP/wharf.ipr")"; N="$(cat "$TMP/nginx.ipr")"
echo
echo "callgrind, one worker each, wrk -t1 -c$CONNS -d$DURATION (under valgrind), access log off"
echo
echo "| metric | wharf | nginx | wharf/nginx |"
echo "| --- | ---: | ---: | ---: |"
echo "| user-space instructions per request | $W | $N | $(ratio "$W" "$N") |"
if [ -n "${BASELINE:-}" ]; then
    B="$(cat "$TMP/baseline.ipr")"
    echo "| baseline: instructions per request | $B | | $(ratio "$B" "$N") (wharf/baseline $(ratio "$W" "$B")) |"
fi
