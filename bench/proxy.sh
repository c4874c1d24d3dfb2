#!/usr/bin/env bash
# Benchmark Wharf's embedded proxy against nginx on loopback.
# Builds the wharf-proxy examples in release mode, starts one hello-world
# backend, Wharf's standalone proxy and nginx in front of it, runs wrk against
# each (interleaved: wharf, nginx, wharf, nginx) and prints a markdown table.
#
# Usage: bench/proxy.sh   (env: DURATION=10s CONNS=64 THREADS=2 ROUNDS=2 LOG=0 WHARF_WORKERS=
#                          BASELINE= BASELINE_FLAGS= METRICS_OFF=0 WARMUP=3s)
# BASELINE=PATH: also run another build of the standalone proxy (e.g. main's, to compare a
# change before and after in the same run), interleaved as a third peer "baseline", given
# BASELINE_FLAGS too. METRICS_OFF=1: the baseline is this build with its traffic counters off
# (`--no-metrics`), to measure what counting costs.
#
# What is compared (kept equivalent on purpose):
# - workers: nginx `worker_processes` = CPU count, Wharf as many proxy workers (threads,
#   each with its own single-threaded tokio runtime and SO_REUSEPORT socket; WHARF_WORKERS
#   sets the count, default = CPU count, as in the daemon);
# - backend keepalive on both sides (nginx `keepalive 64` + HTTP/1.1 upstream;
#   Wharf pools backend connections per target);
# - TCP_NODELAY on every socket on both sides (nginx `tcp_nodelay on`, its default);
# - the same per-request header work: Host, X-Forwarded-For/-Proto/-Host and an
#   X-Request-Id generated per request, sent upstream and returned to the client;
# - access log: off on both (LOG=0), or one line per request to a file on both
#   (LOG=1: nginx `access_log FILE`, Wharf `--log` with stderr redirected to a file).
# - every peer first gets WARMUP of the same load, not measured (backend connections opened,
#   buffers and code paged in), so that no peer's first round is measured cold;
# "cpu us/req" is the proxy's own user+system CPU time divided by requests served
# (all nginx workers summed); it is less noisy than requests/s on a shared machine.
set -euo pipefail

cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNS="${CONNS:-64}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
LOG="${LOG:-0}"
WARMUP="${WARMUP:-3s}"
METRICS_OFF="${METRICS_OFF:-0}"
BACKEND_ADDR="127.0.0.1:19000"
WHARF_ADDR="127.0.0.1:19081"
BASELINE_ADDR="127.0.0.1:19080"
NGINX_ADDR="127.0.0.1:19082"
HOST="example.test"

for tool in wrk nginx cargo; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

# shellcheck source=bench/common.sh
source bench/common.sh


"$BIN/backend" --listen "$BACKEND_ADDR" 2>"$TMP/backend.log" &
PIDS+=($!)
WHARF_ARGS=(--listen "$WHARF_ADDR" --route "$HOST=$BACKEND_ADDR")
if [ "$LOG" = 1 ]; then
    WHARF_ARGS+=(--log)
    NGINX_ACCESS_LOG="access_log $TMP/nginx/access.log;"
else
    NGINX_ACCESS_LOG="access_log off;"
fi
"$BIN/standalone" "${WHARF_ARGS[@]}" 2>"$TMP/wharf.log" &
WHARF_PID=$!
PIDS+=("$WHARF_PID")
if [ "$METRICS_OFF" = 1 ]; then
    BASELINE="$BIN/standalone"
    BASELINE_FLAGS="--no-metrics"
fi
if [ -n "${BASELINE:-}" ]; then
    BASELINE_ARGS=("${WHARF_ARGS[@]}")
    BASELINE_ARGS[1]="$BASELINE_ADDR"
    # shellcheck disable=SC2206
    BASELINE_ARGS+=(${BASELINE_FLAGS:-})
    "$BASELINE" "${BASELINE_ARGS[@]}" 2>"$TMP/baseline.log" &
    BASELINE_PID=$!
    PIDS+=("$BASELINE_PID")
fi

nginx_conf "worker_processes $(nproc);" "$NGINX_ACCESS_LOG" "listen $NGINX_ADDR;" >"$TMP/nginx.conf"
nginx -e "$TMP/nginx/error.log" -c "$TMP/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
PIDS+=("$NGINX_PID")

wait_port "$BACKEND_ADDR"
wait_port "$WHARF_ADDR"
[ -z "${BASELINE:-}" ] || wait_port "$BASELINE_ADDR"
wait_port "$NGINX_ADDR"

# Sanity: both proxies answer 200 through to the backend.
for addr in "$WHARF_ADDR" "$NGINX_ADDR"; do
    code="$(exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}"; printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST" >&3; head -n1 <&3)"
    case "$code" in
        *" 200 "*) ;;
        *) echo "proxy at $addr did not answer 200: $code" >&2; exit 1 ;;
    esac
done

# Latency as printed by wrk (e.g. 512.00us, 1.20ms, 1.01s) -> milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else { printf "%.3f", v }
    }'
}


# run NAME ADDR -> appends "rps p50 p99 cpu_us_per_req" to $TMP/NAME.results
run() {
    local name="$1" addr="$2" out rps p50 p99 pids t0 t1 reqs cpu
    pids="$(proxy_pids "$name")"
    # shellcheck disable=SC2086
    t0="$(cpu_ticks $pids)"
    out="$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Host: $HOST" "http://$addr/")"
    # shellcheck disable=SC2086
    t1="$(cpu_ticks $pids)"
    echo "$out" >"$TMP/$name.last"
    if grep -q "Non-2xx" <<<"$out"; then
        echo "warning: $name returned non-2xx responses" >&2
    fi
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    reqs="$(awk '/requests in/ {print $1}' <<<"$out")"
    cpu="$(awk -v d="$((t1 - t0))" -v hz="$HZ" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print "nan" }')"
    echo "$rps $p50 $p99 $cpu" >>"$TMP/$name.results"
    echo "  $name: ${rps} req/s, p50 ${p50} ms, p99 ${p99} ms, cpu ${cpu} us/req" >&2
}

echo "warming up each peer for $WARMUP" >&2
for addr in ${BASELINE:+"$BASELINE_ADDR"} "$WHARF_ADDR" "$NGINX_ADDR"; do
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -H "Host: $HOST" "http://$addr/" >/dev/null
done

for round in $(seq 1 "$ROUNDS"); do
    echo "round $round/$ROUNDS" >&2
    [ -z "${BASELINE:-}" ] || run baseline "$BASELINE_ADDR"
    run wharf "$WHARF_ADDR"
    run nginx "$NGINX_ADDR"
done

avg() { awk -v col="$2" '{ s += $col; n++ } END { if (n) printf "%.2f", s / n; else print "nan" }' "$TMP/$1.results"; }

W_RPS="$(avg wharf 1)"; W_P50="$(avg wharf 2)"; W_P99="$(avg wharf 3)"; W_CPU="$(avg wharf 4)"
N_RPS="$(avg nginx 1)"; N_P50="$(avg nginx 2)"; N_P99="$(avg nginx 3)"; N_CPU="$(avg nginx 4)"

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS interleaved rounds each, averages; $(nproc) CPUs shared by wrk, proxy and backend; access log $([ "$LOG" = 1 ] && echo "on (file) for both" || echo "off for both")"
echo
echo "| metric | wharf | nginx | wharf/nginx |"
echo "| --- | ---: | ---: | ---: |"
echo "| requests/s | $W_RPS | $N_RPS | $(ratio "$W_RPS" "$N_RPS") |"
echo "| p50 latency (ms) | $W_P50 | $N_P50 | $(ratio "$W_P50" "$N_P50") |"
echo "| p99 latency (ms) | $W_P99 | $N_P99 | $(ratio "$W_P99" "$N_P99") |"
echo "| proxy cpu (us/req) | $W_CPU | $N_CPU | $(ratio "$W_CPU" "$N_CPU") |"
if [ -n "${BASELINE:-}" ]; then
    B_RPS="$(avg baseline 1)"; B_P99="$(avg baseline 3)"; B_CPU="$(avg baseline 4)"
    echo
    echo "| metric | baseline | baseline/nginx | wharf/baseline |"
    echo "| --- | ---: | ---: | ---: |"
    echo "| requests/s | $B_RPS | $(ratio "$B_RPS" "$N_RPS") | $(ratio "$W_RPS" "$B_RPS") |"
    echo "| p99 latency (ms) | $B_P99 | $(ratio "$B_P99" "$N_P99") | $(ratio "$W_P99" "$B_P99") |"
    echo "| proxy cpu (us/req) | $B_CPU | $(ratio "$B_CPU" "$N_CPU") | $(ratio "$W_CPU" "$B_CPU") |"
fi
