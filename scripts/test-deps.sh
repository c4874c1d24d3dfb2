#!/usr/bin/env bash
# Installs and starts everything Wharf's tests need, idempotently: the Docker engine and the
# base image (scripts/docker-setup.sh), and the tools tests and benchmarks call.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/docker-setup.sh"
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "wharf: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
