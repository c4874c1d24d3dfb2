#!/usr/bin/env bash
# The images Wharf's builders write against hand-written multi-stage Dockerfiles for the same
# apps, side by side in one run: image size, a cold build (no cache) and a rebuild after a
# change to the code only (the dependency layer reused). Apps: a Flask app (python builder,
# packages from PyPI), a Go app on the standard library (go builder) and a static site; a
# Node app (Express, packages from npm) when the node:20-slim image is on the engine.
#
#   bash bench/builders.sh            # ROUNDS=3 by default; the median is reported
#
# Builds use the engine's classic builder, as Wharf does. Only images tagged wharf-bench/* are
# made and removed. Needs Docker, the base images of scripts/test-deps.sh, and PyPI/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
TMP="$(mktemp -d)"
cleanup() {
    docker images --format '{{.Repository}}:{{.Tag}}' | grep '^wharf-bench/' | xargs -r docker rmi -f >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
export DOCKER_BUILDKIT=0

echo "building wharf (for build-plan)..." >&2
cargo build -p wharf --quiet
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
WHARF="$TARGET_DIR/debug/wharf"

# --- the apps -------------------------------------------------------------------------------
flask() {
    mkdir -p "$1"
    printf 'flask==3.1.0\ngunicorn==23.0.0\n' >"$1/requirements.txt"
    echo 'web: gunicorn app:app --bind 0.0.0.0:$PORT' >"$1/Procfile"
    printf 'from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route("/")\ndef hello():\n    return "hello\\n"\n' >"$1/app.py"
}
flask_hand() {
    cat >"$1/Dockerfile" <<'EOF'
FROM python:3.13-slim AS build
RUN python -m venv /venv
COPY requirements.txt /tmp/
RUN /venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

FROM python:3.13-slim
RUN useradd --create-home app
COPY --from=build /venv /venv
WORKDIR /app
COPY . .
USER app
ENV PATH=/venv/bin:$PATH PORT=5000
CMD ["/bin/sh", "-c", "gunicorn app:app --bind 0.0.0.0:$PORT"]
EOF
}
go_app() {
    mkdir -p "$1"
    printf 'module example.com/hello\n\ngo 1.24\n' >"$1/go.mod"
    cat >"$1/main.go" <<'EOF'
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })
	http.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
EOF
}
go_hand() {
    cat >"$1/Dockerfile" <<'EOF'
FROM golang:1.24 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /app .

FROM debian:trixie-slim
COPY --from=build /app /usr/local/bin/app
USER 65534
ENV PORT=5000
CMD ["/usr/local/bin/app"]
EOF
}
static_site() {
    mkdir -p "$1/css"
    printf '<!doctype html><title>hi</title><link rel="stylesheet" href="css/site.css"><p>hello</p>\n' >"$1/index.html"
    printf 'p { color: teal }\n' >"$1/css/site.css"
}
static_hand() {
    cat >"$1/Dockerfile" <<'EOF'
FROM busybox:latest
COPY . /www
CMD ["httpd", "-f", "-p", "5000", "-h", "/www"]
EOF
}
node_app() {
    mkdir -p "$1"
    cat >"$1/package.json" <<'EOF'
{ "name": "hello", "version": "1.0.0", "private": true, "engines": { "node": "20.x" },
  "scripts": { "start": "node server.js" }, "dependencies": { "express": "4.21.2" } }
EOF
    (cd "$1" && npm install --package-lock-only --silent >/dev/null)
    printf 'const app = require("express")();\napp.get("/", (req, res) => res.send("hello\\n"));\napp.listen(process.env.PORT || 5000);\n' >"$1/server.js"
}
node_hand() {
    cat >"$1/Dockerfile" <<'EOF'
FROM node:20-slim
ENV NODE_ENV=production PORT=5000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
USER node
CMD ["node", "server.js"]
EOF
}
# A code-only change: a comment appended to the app's code, in its language.
change_code() {
    case "$1" in
        flask) echo "# change $3" >>"$2/app.py" ;;
        go) echo "// change $3" >>"$2/main.go" ;;
        static) echo "<!-- change $3 -->" >>"$2/index.html" ;;
        node) echo "// change $3" >>"$2/server.js" ;;
    esac
}

# --- measuring ------------------------------------------------------------------------------
# build DIR TAG [--no-cache]: seconds taken.
build() {
    local start end
    start=$(date +%s.%N)
    if ! docker build -q ${3:-} -t "$2" "$1" >"$TMP/build.log" 2>&1; then
        cat "$TMP/build.log" >&2
        return 1
    fi
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mib() { echo "scale=1; $1 / 1048576" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

# An app whose base images are not on the engine is left out (no registry is asked).
has() { docker image inspect "$@" >/dev/null 2>&1; }
apps=()
has python:3.13-slim && apps+=(flask)
has golang:1.24 debian:trixie-slim && apps+=(go)
has busybox:latest && apps+=(static)
has node:20-slim && apps+=(node)
command -v bc >/dev/null || { echo "bench/builders.sh needs bc (apt-get install bc)" >&2; exit 1; }
printf '| app | image size: generated | hand-written | ratio | cold build: generated | hand-written | ratio | code-only rebuild: generated | its share of a cold build |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for app in "${apps[@]}"; do
    make_app=$app
    [ "$app" = go ] && make_app=go_app
    [ "$app" = static ] && make_app=static_site
    [ "$app" = node ] && make_app=node_app
    gen="$TMP/$app-gen" hand="$TMP/$app-hand"
    $make_app "$gen"
    cp -r "$gen" "$hand"
    "$WHARF" build-plan "$gen" --write >/dev/null
    "${app}_hand" "$hand"
    cold_gen=() cold_hand=() warm_gen=()
    for round in $(seq 1 "$ROUNDS"); do
        t=$(build "$gen" "wharf-bench/$app-gen" --no-cache); cold_gen+=("$t")
        t=$(build "$hand" "wharf-bench/$app-hand" --no-cache); cold_hand+=("$t")
        change_code "$app" "$gen" "$round"
        t=$(build "$gen" "wharf-bench/$app-gen"); warm_gen+=("$t")
    done
    size_gen=$(docker image inspect -f '{{.Size}}' "wharf-bench/$app-gen")
    size_hand=$(docker image inspect -f '{{.Size}}' "wharf-bench/$app-hand")
    cg=$(printf '%s\n' "${cold_gen[@]}" | median)
    ch=$(printf '%s\n' "${cold_hand[@]}" | median)
    wg=$(printf '%s\n' "${warm_gen[@]}" | median)
    printf '| %s | %s MiB | %s MiB | %sx | %.1f s | %.1f s | %sx | %.1f s | %sx |\n' \
        "$app" "$(mib "$size_gen")" "$(mib "$size_hand")" "$(ratio "$size_gen" "$size_hand")" \
        "$cg" "$ch" "$(ratio "$cg" "$ch")" "$wg" "$(ratio "$wg" "$cg")"
done
