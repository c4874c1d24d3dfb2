#!/usr/bin/env bash
# Builds wharf-test-node:1, the image of the machines in Wharf's cluster tests: a Debian trixie
# minbase root with Debian's docker.io and docker-cli (Docker engine and client, containerd, runc), iptables, OpenSSH's
# server and ca-certificates, whose entrypoint (scripts/node-image/wharf-node) runs dockerd and
# sshd. Tests start several containers of it (all capabilities) and make a Swarm of their engines (see
# tests/e2e/cluster_harness.rs), so no Swarm ever touches the machine's own engine.
# Built the way scripts/base-images.sh builds its images (its `image` function, sourced); kept
# when it already exists, so bump the tag (here and in tests/e2e/cluster_harness.rs) when the
# image's packages or entrypoint change. Needs root, mmdebstrap and a running Docker engine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=base-images.sh
source "$here/base-images.sh"

node_root() {
  install -m 0755 "$here/node-image/wharf-node" "$1/usr/local/bin/wharf-node"
}

image wharf-test-node:1 trixie docker.io,docker-cli,containerd,iptables,openssh-server,ca-certificates,procps \
  node_root 'VOLUME /var/lib/docker' 'CMD ["/usr/local/bin/wharf-node"]'
