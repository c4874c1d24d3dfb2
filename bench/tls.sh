#!/usr/bin/env bash
# Benchmark Wharf's TLS termination against nginx on loopback, with the same certificate.
# Builds the wharf-proxy examples in release mode, makes one ECDSA P-256 certificate for
# `localhost` (openssl), starts one hello-world backend, Wharf's standalone proxy (HTTPS via
# --tls-*) and nginx (ssl, http2) in front of it, and runs wrk against each, interleaved:
#
# - HTTPS requests/s: keep-alive connections (one handshake per connection, then requests);
# - TLS handshakes/s: `Connection: close` on every request, so every request is a new TCP
#   connection and a full TLS handshake (wrk does not resume sessions).
#
# Prints a markdown table with wharf/nginx ratios.
# Usage: bench/tls.sh   (env: DURATION=10s CONNS=64 HS_CONNS=16 THREADS=2 ROUNDS=2)
#
# Kept equivalent: nginx `worker_processes` = CPUs and Wharf one tokio worker per CPU; TLS 1.2
# and 1.3 on both (clients negotiate 1.3); HTTP/2 offered by ALPN on both (wrk speaks
# HTTP/1.1); backend keepalive on both; the same X-Forwarded-*/X-Request-Id header work; no
# access log.
set -euo pipefail

cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNS="${CONNS:-64}"
HS_CONNS="${HS_CONNS:-16}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
BACKEND_ADDR="127.0.0.1:19100"
WHARF_HTTP="127.0.0.1:19181"
WHARF_PORT=19443
NGINX_PORT=19444
HOST="localhost"

for tool in wrk nginx openssl cargo; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool (scripts/test-deps.sh installs wrk and nginx)" >&2; exit 1; }
done

# shellcheck source=bench/common.sh
source bench/common.sh

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null


"$BIN/backend" --listen "$BACKEND_ADDR" 2>"$TMP/backend.log" &
PIDS+=($!)
"$BIN/standalone" --listen "$WHARF_HTTP" --route "$HOST=$BACKEND_ADDR" \
    --tls-listen "127.0.0.1:$WHARF_PORT" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" \
    2>"$TMP/wharf.log" &
WHARF_PID=$!
PIDS+=("$WHARF_PID")

nginx_conf "worker_processes $(nproc);" "access_log off;" \
    "listen 127.0.0.1:$NGINX_PORT ssl http2;
        ssl_certificate $TMP/cert.pem;
        ssl_certificate_key $TMP/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;" >"$TMP/nginx.conf"
nginx -e "$TMP/nginx/error.log" -c "$TMP/nginx.conf" -g 'daemon off;' 2>"$TMP/nginx.stderr" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")

wait_port "$BACKEND_ADDR"
wait_port "127.0.0.1:$WHARF_PORT"
wait_port "127.0.0.1:$NGINX_PORT"

# Sanity: both answer 200 over HTTPS, with the same certificate.
for port in "$WHARF_PORT" "$NGINX_PORT"; do
    reply="$(printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST" |
        openssl s_client -quiet -connect "127.0.0.1:$port" -servername "$HOST" \
            -verify_return_error -CAfile "$TMP/cert.pem" 2>/dev/null | head -n1)"
    case "$reply" in
        *" 200 "*) ;;
        *) echo "HTTPS on port $port did not answer 200: $reply" >&2; exit 1 ;;
    esac
done


# run NAME PORT KIND -> appends "rps cpu_us_per_req" to $TMP/NAME.KIND
run() {
    local name="$1" port="$2" kind="$3" out rps pids t0 t1 reqs cpu errors
    local args=(-t"$THREADS" -c"$CONNS" -d"$DURATION")
    if [ "$kind" = handshakes ]; then
        args=(-t"$THREADS" -c"$HS_CONNS" -d"$DURATION" -H "Connection: close")
    fi
    pids="$(proxy_pids "$name")"
    # shellcheck disable=SC2086
    t0="$(cpu_ticks $pids)"
    out="$(wrk "${args[@]}" "https://$HOST:$port/")"
    # shellcheck disable=SC2086
    t1="$(cpu_ticks $pids)"
    if grep -q "Non-2xx" <<<"$out"; then
        echo "warning: $name returned non-2xx responses" >&2
    fi
    errors="$(awk '/Socket errors/ {print}' <<<"$out")"
    [ -n "$errors" ] && echo "  $name $kind: $errors" >&2
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    reqs="$(awk '/requests in/ {print $1}' <<<"$out")"
    cpu="$(awk -v d="$((t1 - t0))" -v hz="$HZ" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print "nan" }')"
    echo "$rps $cpu" >>"$TMP/$name.$kind"
    echo "  $name $kind: ${rps}/s, cpu ${cpu} us each" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    echo "round $round/$ROUNDS" >&2
    for kind in requests handshakes; do
        run wharf "$WHARF_PORT" "$kind"
        run nginx "$NGINX_PORT" "$kind"
    done
done

avg() { awk -v col="$2" '{ s += $col; n++ } END { if (n) printf "%.2f", s / n; else print "nan" }' "$TMP/$1"; }

echo
echo "wrk -t$THREADS -d$DURATION, $ROUNDS interleaved rounds each, averages; keep-alive with $CONNS connections, handshakes with $HS_CONNS connections and Connection: close; ECDSA P-256 certificate; $(nproc) CPUs shared by wrk, proxy and backend"
echo
echo "| metric | wharf | nginx | wharf/nginx |"
echo "| --- | ---: | ---: | ---: |"
for kind in requests handshakes; do
    label="HTTPS requests/s (keep-alive)"
    cpu_label="proxy cpu per request (us)"
    if [ "$kind" = handshakes ]; then
        label="TLS handshakes/s (new connection per request)"
        cpu_label="proxy cpu per handshake+request (us)"
    fi
    w="$(avg "wharf.$kind" 1)"; n="$(avg "nginx.$kind" 1)"
    wc="$(avg "wharf.$kind" 2)"; nc="$(avg "nginx.$kind" 2)"
    echo "| $label | $w | $n | $(ratio "$w" "$n") |"
    echo "| $cpu_label | $wc | $nc | $(ratio "$wc" "$nc") |"
done
