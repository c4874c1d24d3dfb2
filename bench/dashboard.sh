#!/usr/bin/env bash
# The dashboard with 50 apps and 500 releases, against nginx serving the very same pages as
# static files, side by side in one run. Not a test: prints markdown tables.
#
# Seeds a release build of the daemon: 50 small busybox apps (one shared Dockerfile and site,
# so every build after the first comes from the image cache), each writing a log line a
# second, then 9 `wharf config set` per app (each a release): 500 releases, all real deploys.
# Then signs in with curl as an admin made by `wharf users add`, and measures:
# - server time of each page: time to its first byte (curl's time_starttransfer on a
#   kept-alive connection), p50 and p95 over REQUESTS requests,
#   interleaved with nginx answering the same HTML saved from Wharf's answer;
# - bytes a page takes with its assets (style.css, live.js), headers included, with and
#   without `Accept-Encoding: gzip`; nginx's column has `gzip on` for text types;
# - the daemon's VmRSS idle after seeding, after the page runs, and its peak while two
#   dashboards are open for HOLD seconds (each: a log page following its app's logs over
#   SSE and an overview refreshed every REFRESH seconds, as live.js does); nginx's VmRSS
#   (master and workers summed) after serving the same pages; each split into anonymous
#   memory (RssAnon: heaps, stacks) and pages mapped from files (RssFile: mostly code).
# Uses only loopback and the containers it creates; removes only those (and their images).
#
# Usage: bash bench/dashboard.sh   # env: APPS=50 CHANGES=9 PARALLEL=3 REQUESTS=200 ROUNDS=2
#                                  #      HOLD=10 REFRESH=10
#        WHARF=path/to/wharf bash bench/dashboard.sh   # another build (an earlier one), not built here
set -euo pipefail
cd "$(dirname "$0")/.."
APPS="${APPS:-50}"
CHANGES="${CHANGES:-9}"
PARALLEL="${PARALLEL:-3}"
REQUESTS="${REQUESTS:-200}"
ROUNDS="${ROUNDS:-2}"
HOLD="${HOLD:-10}"
REFRESH="${REFRESH:-10}"

scripts/test-deps.sh >/dev/null
if ! command -v nginx >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi
if [ -n "${WHARF:-}" ]; then
    wharf="$WHARF"
else
    cargo build --release --quiet -p wharf
    target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    wharf="$target_dir/release/wharf"
fi
work=$(mktemp -d)
data="$work/data"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(free_port)
api_port=$(free_port)
nginx_port=$(free_port)
api="http://127.0.0.1:$api_port"
static="http://127.0.0.1:$nginx_port"
touch "$work/authorized_keys"
"$wharf" --data-dir "$data" server --http-listen "127.0.0.1:$http_port" --https-listen none \
    --api-listen "127.0.0.1:$api_port" --acme-directory off --access-log off \
    --authorized-keys "$work/authorized_keys" >"$work/server.log" 2>&1 &
pid=$!
nginx_pid=""
followers=()
cleanup() {
    for follower in "${followers[@]}"; do kill "$follower" 2>/dev/null || true; done
    [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ -f "$data/instance-id" ]; then
        label="label=wharf.instance=$(cat "$data/instance-id")"
        ids=$(docker ps -aq --filter "$label"); [ -z "$ids" ] || docker rm -f $ids >/dev/null
        ids=$(docker images -q --filter "$label" | sort -u); [ -z "$ids" ] || docker rmi -f $ids >/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do [ -S "$data/wharf.sock" ] && break; sleep 0.1; done
w() { "$wharf" --data-dir "$data" "$@"; }
rss_of() { awk '/VmRSS/ {s += $2} END {printf "%.1f", s / 1024}' $(printf '/proc/%s/status ' "$@") 2>/dev/null; }
# rss_kind FIELD PID...: one part of the resident memory (RssAnon: the heaps and stacks;
# RssFile: pages of the binary and libraries mapped from their files), MiB, summed.
rss_kind() { local field=$1; shift; awk -v f="$field:" '$1 == f {s += $2} END {printf "%.1f", s / 1024}' $(printf '/proc/%s/status ' "$@") 2>/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Seeding. One site and one Dockerfile body for every app; only the comments that name the
# app and its domain differ, and comments are not build steps, so the layers are cached.
mkdir -p "$work/site"
echo "a small app" >"$work/site/index.html"
seed_app() {
    local i=$1 dir="$work/app$1" k
    mkdir -p "$dir"
    cp -r "$work/site" "$dir/www"
    printf '%s\n' "# wharf.app = bench$i" "# wharf.domain = app$i.bench.test" "# wharf.scale = 1" \
        'FROM busybox:latest' 'COPY www /www' 'EXPOSE 8080' \
        'CMD ["sh", "-c", "httpd -p 8080 -h /www; while sleep 1; do echo tick $(date +%s); done"]' \
        >"$dir/Dockerfile"
    w deploy "$dir" >"$work/seed$i.log" 2>&1
    for k in $(seq 1 "$CHANGES"); do
        w config set "bench$i" "STEP=$k" >>"$work/seed$i.log" 2>&1
    done
}
echo "seeding $APPS apps with $((APPS * (CHANGES + 1))) releases ($PARALLEL at a time)..." >&2
seed_start=$EPOCHREALTIME
running=0
for i in $(seq 1 "$APPS"); do
    seed_app "$i" &
    running=$((running + 1))
    if [ "$running" -ge "$PARALLEL" ]; then
        wait -n || { echo "seeding failed:" >&2; tail -n 5 "$work"/seed*.log >&2; exit 1; }
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || { echo "seeding failed:" >&2; tail -n 5 "$work"/seed*.log >&2; exit 1; }
    running=$((running - 1))
done
seed_s=$(awk -v a="$EPOCHREALTIME" -v b="$seed_start" 'BEGIN { printf "%.0f", a - b }')
releases=$(sqlite3 "file:$data/wharf.db?mode=ro" 'SELECT count(*) FROM releases')
echo "seeded in ${seed_s} s: $releases releases" >&2
for t in 1 2 3; do w tokens create "ci$t" >/dev/null 2>&1; done # tokens and keys to list
for k in 1 2 3; do
    ssh-keygen -q -t ed25519 -N '' -C "laptop$k" -f "$work/key$k"
    w keys add "laptop$k" --authorized-keys "$work/authorized_keys" <"$work/key$k.pub" >/dev/null
done
sleep 5 # replaced instances retired
idle=$(rss_of "$pid")
idle_anon=$(rss_kind RssAnon "$pid")
idle_file=$(rss_kind RssFile "$pid")

# Signing in as a browser would: the form's token and its cookie, then the session cookie.
password=$(head -c 18 /dev/urandom | base64)
printf '%s\n' "$password" | w users add bench --password-stdin >/dev/null
jar="$work/cookies"
token=$(curl -sf -c "$jar" -b "$jar" "$api/sign-in" | grep -o 'name="token" value="[0-9a-f]*"' | sed 's/.*value="//; s/"//')
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "token=$token" \
    --data-urlencode name=bench --data-urlencode "password=$password" "$api/sign-in")
session=$(awk '$6 == "wharf_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "sign-in failed (HTTP $code)" >&2; exit 1; }
cookie="Cookie: wharf_session=$session"

# The pages, and the same HTML saved for nginx.
pages=(/ /apps/bench1 /apps/bench1/logs /activity /databases /certs /tokens /keys /users)
mkdir -p "$work/www/assets" "$work/nginx"
chmod o+x "$work" # nginx's workers run as another user
curl -sf -H "$cookie" -o "$work/www/assets/style.css" "$api/assets/style.css"
curl -sf -H "$cookie" -o "$work/www/assets/live.js" "$api/assets/live.js"
static_name() { printf 'page%s.html' "$1"; }
for n in "${!pages[@]}"; do
    curl -sf -H "$cookie" -o "$work/www/$(static_name "$n")" "$api${pages[$n]}"
done
grep -q "bench$APPS" "$work/www/$(static_name 0)" || { echo "the overview does not list the apps" >&2; exit 1; }
cat >"$work/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    types { text/html html; text/css css; text/javascript js; }
    gzip on;
    gzip_types text/css text/javascript;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
    }
}
CONF
nginx -e "$work/nginx/error.log" -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "$static/assets/style.css" && break; sleep 0.05; done
nginx_pids() { echo "$nginx_pid" $(ps -o pid= --ppid "$nginx_pid"); }

# server_times URL COUNT [CURL_ARGS]: COUNT requests on one kept-alive connection; prints
# each one's time to first byte in ms (curl's time_starttransfer: from the transfer's start,
# the connection already open, to the answer's first byte). Fails on a non-200.
server_times() {
    local url=$1 count=$2 args=() _
    shift 2
    for _ in $(seq 1 "$count"); do args+=(-o /dev/null "$url"); done
    curl -s "$@" -w '%{http_code} %{time_starttransfer}\n' "${args[@]}" |
        awk -v url="$url" '$1 != 200 { print url ": HTTP " $1 > "/dev/stderr"; exit 1 } { printf "%.3f\n", $2 * 1000 }'
}
percentile() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p + 0.999); if (i < 1) i = 1; print v[i] }'; }

echo "timing ${#pages[@]} pages, $REQUESTS requests each per peer in $ROUNDS interleaved rounds..." >&2
for n in "${!pages[@]}"; do
    server_times "$api${pages[$n]}" 20 -H "$cookie" >/dev/null
    server_times "$static/$(static_name "$n")" 20 >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
    for n in "${!pages[@]}"; do
        server_times "$api${pages[$n]}" $((REQUESTS / ROUNDS)) -H "$cookie" >>"$work/wharf$n.ms"
        server_times "$static/$(static_name "$n")" $((REQUESTS / ROUNDS)) -H "$cookie" >>"$work/nginx$n.ms"
    done
done
served=$(rss_of "$pid")
served_anon=$(rss_kind RssAnon "$pid")
served_file=$(rss_kind RssFile "$pid")

# page_bytes BASE PATH HTML [CURL_ARGS]: bytes on the wire (headers and body) of the page and
# of every asset its HTML (as saved, uncompressed) references.
page_bytes() {
    local base=$1 path=$2 html=$3 total asset
    shift 3
    total=$(curl -s "$@" -o /dev/null -w '%{size_header} %{size_download}' "$base$path" | awk '{print $1 + $2}')
    for asset in $(grep -o '\(href\|src\)="/assets/[^"]*"' "$html" | sed 's/.*="//; s/"$//' | sort -u); do
        total=$((total + $(curl -s "$@" -o /dev/null -w '%{size_header} %{size_download}' "$base$asset" | awk '{print $1 + $2}')))
    done
    echo "$total"
}

# Two dashboards open: each follows an app's logs and refreshes an overview.
dashboard() {
    local app=$1
    curl -s -o /dev/null -H "$cookie" "$api/apps/$app/logs"
    curl -sN -H "$cookie" "$api/apps/$app/logs/live" >"$work/follow-$app" &
    while :; do
        curl -s -o /dev/null -H "$cookie" "$api/"
        sleep "$REFRESH"
    done
}
echo "holding two dashboards open for $HOLD s..." >&2
for app in bench1 bench2; do
    dashboard "$app" 2>/dev/null &
    followers+=($!)
done
peak=0
for _ in $(seq 1 $((HOLD * 4))); do
    sleep 0.25
    peak=$(awk -v a="$peak" -v b="$(rss_of "$pid")" 'BEGIN { print (b > a) ? b : a }')
done
hwm=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
for follower in "${followers[@]}"; do
    pkill -P "$follower" 2>/dev/null || true
    kill "$follower" 2>/dev/null || true
    wait "$follower" 2>/dev/null || true
done
followers=()
followed=$(cat "$work"/follow-bench* | grep -c '^event: line' || true)
nginx_rss=$(rss_of $(nginx_pids))
nginx_anon=$(rss_kind RssAnon $(nginx_pids))
nginx_file=$(rss_kind RssFile $(nginx_pids))

echo
echo "$APPS apps, $releases releases (seeded in $seed_s s); $REQUESTS requests per page and peer on a kept-alive connection, $ROUNDS interleaved rounds; $(nproc) CPUs shared by curl, the daemon, its apps and nginx"
echo
echo "| page | wharf p50 (ms) | wharf p95 (ms) | nginx p50 (ms) | nginx p95 (ms) | p50 wharf/nginx | p95 wharf/nginx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${!pages[@]}"; do
    w50=$(percentile "$work/wharf$n.ms" 0.50); w95=$(percentile "$work/wharf$n.ms" 0.95)
    n50=$(percentile "$work/nginx$n.ms" 0.50); n95=$(percentile "$work/nginx$n.ms" 0.95)
    echo "| ${pages[$n]} | $w50 | $w95 | $n50 | $n95 | $(ratio "$w50" "$n50") | $(ratio "$w95" "$n95") |"
done
echo
echo "| page with its assets | HTML (bytes) | wharf (bytes) | wharf, gzip asked (bytes) | nginx, gzip (bytes) | wharf, gzip asked / nginx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for n in "${!pages[@]}"; do
    saved="$work/www/$(static_name "$n")"
    html=$(wc -c <"$saved")
    plain=$(page_bytes "$api" "${pages[$n]}" "$saved" -H "$cookie")
    asked=$(page_bytes "$api" "${pages[$n]}" "$saved" -H "$cookie" -H 'Accept-Encoding: gzip')
    peer=$(page_bytes "$static" "/$(static_name "$n")" "$saved" -H 'Accept-Encoding: gzip')
    echo "| ${pages[$n]} | $html | $plain | $asked | $peer | $(ratio "$asked" "$peer") |"
done
echo
echo "| resident memory (MiB) | wharf | nginx | wharf/nginx |"
echo "| --- | ---: | ---: | ---: |"
echo "| daemon idle after seeding | $idle | | |"
echo "| of which anonymous (heaps, stacks) / file-backed (code) | $idle_anon / $idle_file | | |"
echo "| after the page runs | $served | $nginx_rss | $(ratio "$served" "$nginx_rss") |"
echo "| of which anonymous / file-backed | $served_anon / $served_file | $nginx_anon / $nginx_file | $(ratio "$served_anon" "$nginx_anon") / $(ratio "$served_file" "$nginx_file") |"
echo "| peak, two dashboards open $HOLD s ($followed log lines streamed) | $peak | | |"
echo "| peak of the whole run (VmHWM: seeding, and the sign-in, whose argon2id hash takes 19 MiB for a moment) | $hwm | | |"
