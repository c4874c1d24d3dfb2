#!/usr/bin/env bash
# How Wharf's proxy should reach an app's tasks in a cluster, measured: on three Docker engines
# in containers (the test nodes of scripts/node-image.sh) made a Swarm, the same tiny HTTP app
# runs as two services of three tasks, one publishing its port in host mode (each task on a
# port of its node: what Wharf's proxy targets) and one through the Swarm's routing mesh (one
# port on every node, forwarded by IPVS to any task, across nodes over the ingress overlay).
# wrk measures each path from this machine, interleaved; then each service is updated
# (`docker service update --force`, what a redeploy through the mesh alone is) under load and
# the failed requests are counted. Prints a markdown table.
#
# Usage: bench/cluster-routing.sh   (env: DURATION=10s CONNS=16 THREADS=2 ROUNDS=2)
# Needs: docker, wrk, the image wharf-test-node:1 (scripts/test-deps.sh builds it), busybox.
set -euo pipefail

DURATION="${DURATION:-10s}"
CONNS="${CONNS:-16}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
NODE_IMAGE=wharf-test-node:1
ID="wharf-bench-mesh-$$"
TMP="$(mktemp -d)"

cleanup() {
    for n in 1 2 3; do docker rm -f -v "$ID-node$n" >/dev/null 2>&1 || true; done
    docker network rm "$ID" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

node() { docker -H "unix://$TMP/node$1/docker.sock" "${@:2}"; }
addr() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$ID-node$1"; }

echo "starting three nodes..." >&2
docker network create --label wharf.e2e.cluster "$ID" >/dev/null
for n in 1 2 3; do
    mkdir -p "$TMP/node$n"
    docker run -d --name "$ID-node$n" --hostname "node$n" --label wharf.e2e.cluster \
        --network "$ID" --cgroupns private --cap-add ALL --cap-drop SYS_RESOURCE \
        --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' \
        -v /var/lib/docker -v "$TMP/node$n:/run/wharf-node" "$NODE_IMAGE" >/dev/null
done
for n in 1 2 3; do
    until node "$n" info >/dev/null 2>&1; do sleep 0.5; done
done

# The app: busybox's httpd answering its hostname, on every node (no registry here).
mkdir -p "$TMP/app"
cat >"$TMP/app/Dockerfile" <<'EOF'
FROM busybox:latest
CMD ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
EOF
docker build -q -t wharf-bench-mesh-app:1 "$TMP/app" >/dev/null
for n in 1 2 3; do
    docker save wharf-bench-mesh-app:1 | node "$n" load -q >/dev/null
done

node 1 swarm init --advertise-addr "$(addr 1)" >/dev/null
TOKEN="$(node 1 swarm join-token -q worker)"
for n in 2 3; do node "$n" swarm join --token "$TOKEN" "$(addr 1):2377" >/dev/null; done

node 1 service create -d -q --name direct --replicas 3 --restart-condition any \
    --publish mode=host,target=8080 wharf-bench-mesh-app:1 >/dev/null
node 1 service create -d -q --name mesh --replicas 3 --restart-condition any \
    --publish published=30080,target=8080 wharf-bench-mesh-app:1 >/dev/null
until [ "$(node 1 service ls --format '{{.Replicas}}' | grep -c '3/3')" = 2 ]; do sleep 0.5; done

# One task of `direct` on node2, at the port node2 published: what Wharf's proxy reaches.
task_port() {
    node 1 service ps direct -q --filter desired-state=running --filter node=node2 \
        | head -1 | xargs -r -I{} docker -H "unix://$TMP/node1/docker.sock" inspect {} \
            --format '{{range .Status.PortStatus.Ports}}{{.PublishedPort}}{{end}}'
}
until [ -n "$(task_port)" ]; do sleep 0.5; done
DIRECT="http://$(addr 2):$(task_port)/"
MESH="http://$(addr 2):30080/"
until curl -sf "$DIRECT" >/dev/null; do sleep 0.5; done
# The mesh needs the kernel's IPVS on every node; without it, it never answers.
MESH_OK=0
for _ in $(seq 1 60); do
    if curl -sf -m 2 "$MESH" >/dev/null; then MESH_OK=1; break; fi
    sleep 0.5
done
if [ "$MESH_OK" = 0 ]; then
    echo "the routing mesh did not answer within 30 s" >&2
    if [ ! -d /proc/sys/net/ipv4/vs ] && ! docker exec "$ID-node2" test -d /proc/sys/net/ipv4/vs; then
        echo "(this kernel has no IPVS: /proc/sys/net/ipv4/vs is missing, so the Swarm's routing mesh cannot forward)" >&2
    fi
fi

# wrk's requests/s and latency percentiles for URL.
measure() {
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$1" >"$TMP/wrk" 2>&1
    local rps p50 p99
    rps="$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk")"
    p50="$(awk '$1 == "50%" {print $2}' "$TMP/wrk")"
    p99="$(awk '$1 == "99%" {print $2}' "$TMP/wrk")"
    echo "$rps $p50 $p99"
}

declare -A RPS P50 P99
PATHS="direct"
[ "$MESH_OK" = 1 ] && PATHS="direct mesh"
for round in $(seq 1 "$ROUNDS"); do
    for path in $PATHS; do
        url="$DIRECT"
        [ "$path" = mesh ] && url="$MESH"
        read -r rps p50 p99 < <(measure "$url")
        echo "round $round $path: $rps req/s, p50 $p50, p99 $p99" >&2
        RPS[$path]="${RPS[$path]:-} $rps"
        P50[$path]="$p50"
        P99[$path]="$p99"
    done
done

# Failed requests while a service's tasks are replaced one at a time (Swarm's default update):
# `direct` through a task that is replaced, `mesh` through the mesh.
update_under_load() {
    local service="$1" url="$2" failed=0 total=0
    node 1 service update -d -q --force "$service" >/dev/null
    local until=$((SECONDS + 25))
    while [ "$SECONDS" -lt "$until" ]; do
        total=$((total + 1))
        curl -sf -m 2 -o /dev/null "$url" || failed=$((failed + 1))
    done
    echo "$failed $total"
}
mean() { awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.0f", s / NF}' <<<"$1"; }
D="$(mean "${RPS[direct]}")"
echo
echo "| path | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
echo "| host-mode port of one task (what Wharf's proxy targets) | $D | ${P50[direct]} | ${P99[direct]} |"
if [ "$MESH_OK" = 0 ]; then
    echo "| routing mesh (port 30080 on node2, any of 3 tasks) | no answer | - | - |"
    exit 0
fi
read -r MESH_FAILED MESH_TOTAL < <(update_under_load mesh "$MESH")
M="$(mean "${RPS[mesh]}")"
echo "| routing mesh (port 30080 on node2, any of 3 tasks) | $M | ${P50[mesh]} | ${P99[mesh]} |"
echo
awk -v d="$D" -v m="$M" 'BEGIN { printf "direct/mesh requests/s: %.2f\n", d / m }'
echo "requests failed through the mesh while its service was updated: $MESH_FAILED of $MESH_TOTAL"
