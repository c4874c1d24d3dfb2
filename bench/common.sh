# Shared by bench/proxy.sh and bench/tls.sh (sourced, not run): a temp dir and the processes
# to stop on exit, the release build of the proxy examples, and the measuring helpers.
# Callers set WHARF_PID and NGINX_PID before measuring.

TMP="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

echo "building examples (release)..." >&2
cargo build --release -p wharf-proxy --examples --quiet
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
BIN="$TARGET_DIR/release/examples"

# wait_port HOST:PORT: wait up to 5 s for something to listen there.
wait_port() {
    local addr="$1"
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "nothing listening on $addr" >&2
    exit 1
}

# Clock ticks of user+system CPU used so far by the given processes.
cpu_ticks() {
    local total=0 pid stat
    for pid in "$@"; do
        stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
        stat="${stat##*) }"
        total=$((total + $(awk '{print $12 + $13}' <<<"$stat")))
    done
    echo "$total"
}
# The processes of a peer (all nginx workers too).
proxy_pids() {
    case "$1" in
        wharf) echo "$WHARF_PID" ;;
        baseline) echo "$BASELINE_PID" ;;
        nginx) echo "$NGINX_PID" $(ps -o pid= --ppid "$NGINX_PID") ;;
    esac
}
HZ="$(getconf CLK_TCK)"

# nginx_conf MAIN ACCESS_LOG SERVER: prints an nginx configuration that proxies $HOST to
# $BACKEND_ADDR doing the same per-request work as Wharf (Host, X-Forwarded-For/-Proto/-Host, a
# generated X-Request-Id sent upstream and returned, keep-alive HTTP/1.1 upstream), its files
# under $TMP/nginx. MAIN: top-level directives (workers); ACCESS_LOG: the access_log directive;
# SERVER: the server's listen (and TLS) directives.
nginx_conf() {
    mkdir -p "$TMP/nginx"
    cat <<CONF
$1
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
    $2
    tcp_nodelay on;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    upstream backend {
        server $BACKEND_ADDR;
        keepalive 64;
    }
    server {
        $3
        server_name $HOST;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Request-Id \$request_id;
            add_header X-Request-Id \$request_id always;
        }
    }
}
CONF
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
