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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
